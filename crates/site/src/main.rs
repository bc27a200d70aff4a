//! `layerscope-site [SITE]`: finishes a site Trunk built (crates/site/src/lib.rs
//! says what). SITE defaults to `$TRUNK_STAGING_DIR`, which Trunk sets for
//! its `post_build` hook (Trunk.toml). `LAYERSCOPE_OFFLINE=off` (set by
//! scripts/serve) builds a page that registers no service worker.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let site = match std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os("TRUNK_STAGING_DIR"))
    {
        Some(dir) => PathBuf::from(dir),
        None => {
            eprintln!("layerscope-site: usage: layerscope-site SITE (or run it as Trunk's post_build hook)");
            return ExitCode::from(2);
        }
    };
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    // scripts/serve sets LAYERSCOPE_OFFLINE=off: no service worker in development.
    let offline = std::env::var("LAYERSCOPE_OFFLINE").map_or(true, |v| v != "off");
    match layerscope_site::build(&source, &site, offline) {
        Ok(built) => {
            println!(
                "layerscope-site: {} docs rendered; sw.js version {} keeps {} files offline",
                built.docs, built.version, built.assets
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("layerscope-site: error: {e}");
            ExitCode::FAILURE
        }
    }
}
