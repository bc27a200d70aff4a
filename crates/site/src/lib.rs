//! Finishes the static site Trunk builds (Trunk.toml runs it as a
//! `post_build` hook on the staging folder), so that the folder works from
//! any static host, under any sub-path, and offline:
//!
//! - `docs.rs`: every `docs/*.md` rendered to `docs/NAME.html` beside the
//!   page (`docs/README.md` is the index, `docs/index.html`), with a side
//!   navigation taken from the index's links, GitHub's heading ids, links
//!   between docs rewritten to `.html` and checked (a broken link or a doc
//!   the index does not list fails the build), and every other file under
//!   `docs/` (the JSON schemas) copied.
//! - `offline.rs`: `sw.js`, the service worker (`www/sw.js`) preceded by the
//!   list of every file in the folder and a version that is the hash of all
//!   their bytes, so a deploy that changes any byte is a new version.
//!
//! Every URL it writes is relative, so nothing depends on where the folder
//! is served from.

pub mod docs;
pub mod offline;

use std::path::Path;

/// What one run wrote, for the build log.
#[derive(Debug)]
pub struct Built {
    pub docs: usize,
    pub assets: usize,
    pub version: String,
}

/// The mark `www/offline.js` looks for: a site built to be served only
/// while developing (`scripts/serve`), whose page registers no service
/// worker. On a shared dev address (Trunk's 127.0.0.1:8080) a worker would
/// outlive the session and answer another project's pages from its cache.
pub const NO_OFFLINE: &str = r#"<meta name="layerscope-offline" content="off">"#;

/// Renders the docs of `source` (the repository root) into `site`, then
/// writes `site/sw.js` over everything `site` then holds. `offline: false`
/// (the dev server's builds) marks the page so it registers no worker.
pub fn build(source: &Path, site: &Path, offline: bool) -> Result<Built, String> {
    let index = site.join("index.html");
    if !index.is_file() {
        return Err(format!(
            "{}: no index.html: not a built site",
            site.display()
        ));
    }
    if !offline {
        let html = read(&index)?;
        if !html.contains(NO_OFFLINE) {
            let marked = html.replacen("<head>", &format!("<head>\n    {NO_OFFLINE}"), 1);
            if marked == html {
                return Err(format!("{}: no <head> to mark", index.display()));
            }
            write(&index, marked.as_bytes())?;
        }
    }
    let palette = docs::palette(&read(&source.join("www/style.css"))?)?;
    let docs = docs::render(&source.join("docs"), &site.join("docs"), &palette)?;
    let template = read(&source.join("www/sw.js"))?;
    let (assets, version) = offline::write(site, &template)?;
    Ok(Built {
        docs,
        assets,
        version,
    })
}

pub(crate) fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn write(path: &Path, text: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A temporary directory for the tests, removed on drop (no crate for it).
#[cfg(test)]
pub(crate) struct TempDir(std::path::PathBuf);

#[cfg(test)]
impl TempDir {
    pub(crate) fn new() -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "layerscope-site-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

#[cfg(test)]
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dev_build_is_marked_once_and_a_release_not_at_all() {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for offline in [true, false] {
            let site = TempDir::new();
            write(
                &site.path().join("index.html"),
                b"<!doctype html>\n<html><head>\n<title>x</title></head></html>\n",
            )
            .unwrap();
            build(&source, site.path(), offline).unwrap();
            build(&source, site.path(), offline).unwrap();
            let html = read(&site.path().join("index.html")).unwrap();
            assert_eq!(
                html.matches(NO_OFFLINE).count(),
                usize::from(!offline),
                "{html}"
            );
            assert!(
                site.path().join("sw.js").is_file()
                    && site.path().join("docs/index.html").is_file()
            );
        }
    }
}
