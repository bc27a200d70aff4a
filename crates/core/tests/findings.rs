//! The findings on images built here, where each must fire and where it
//! must not: a key added then deleted fires, the same image without the key
//! does not; apt's lists removed in the same RUN leave nothing to flag,
//! removed by a later RUN they still ship; and the rest, each with the
//! layer, paths and bytes a reviewer would check.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use layerscope_core::findings::{self, Finding, Level};
use layerscope_core::layers::{scan, wire};
use layerscope_core::{analyze, Analysis, NoProgress, Options};
use serde_json::json;
use std::io::Cursor;
use support::*;

const PEM_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n";
const PEM_CERT: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";

fn analysis(spec: &ImageSpec) -> Analysis {
    analyze(
        Cursor::new(spec.docker_save().tar()),
        &Options::default(),
        &mut NoProgress,
    )
    .unwrap()
}

fn with_config(mut spec: ImageSpec, edit: impl FnOnce(&mut serde_json::Value)) -> ImageSpec {
    let mut config = spec.config_value();
    edit(&mut config);
    spec.raw_config = Some(serde_json::to_vec(&config).unwrap());
    spec
}

/// A non-root user, so that `runs-as-root` stays out of what a test looks at.
fn as_app(spec: ImageSpec) -> ImageSpec {
    with_config(spec, |c| c["config"]["User"] = json!("10001"))
}

fn of<'f>(found: &'f [Finding], id: &str) -> Vec<&'f Finding> {
    found.iter().filter(|f| f.id == id).collect()
}

fn base() -> Vec<Entry> {
    vec![
        Entry::dir("etc"),
        Entry::file("etc/os-release", "ID=debian\n"),
        Entry::dir("app"),
        Entry::file("app/main.py", "print('hi')\n"),
    ]
}

#[test]
fn a_key_added_then_deleted_fires_and_the_same_image_without_it_does_not() {
    let with_key = as_app(
        ImageSpec::new()
            .layer(&base())
            .layer(&[
                Entry::dir("root/.ssh"),
                Entry::file("root/.ssh/id_rsa", PEM_KEY),
                Entry::file("app/build.txt", "built"),
            ])
            .layer(&[Entry::whiteout("root/.ssh/id_rsa")]),
    );
    let found = findings::find(&analysis(&with_key));
    let lower = of(&found, "secret-in-lower-layer");
    assert_eq!(lower.len(), 1, "{found:#?}");
    assert_eq!(lower[0].layer, Some(1));
    assert_eq!(lower[0].paths, vec!["root/.ssh/id_rsa"]);
    assert_eq!(lower[0].bytes, PEM_KEY.len() as u64);
    assert_eq!(lower[0].level, Level::High);
    assert!(of(&found, "secret-in-image").is_empty());

    let without = as_app(
        ImageSpec::new()
            .layer(&base())
            .layer(&[Entry::file("app/build.txt", "built")])
            .layer(&[Entry::whiteout("app/build.txt")]),
    );
    let found = findings::find(&analysis(&without));
    assert!(of(&found, "secret-in-lower-layer").is_empty(), "{found:#?}");
    assert!(of(&found, "secret-in-image").is_empty(), "{found:#?}");
}

#[test]
fn secrets_by_content_and_by_name_left_in_the_image() {
    let spec = as_app(ImageSpec::new().layer(&base()).layer(&[
        // A private key under a name that says nothing: found by its first bytes.
        Entry::file("app/conf/server.dat", PEM_KEY),
        // A certificate is not a secret.
        Entry::file("app/conf/ca.pem", PEM_CERT),
        Entry::file("app/.env", "DB=postgres\n"),
        Entry::file("app/.env.example", "DB=\n"),
        Entry::file(
            "root/.npmrc",
            "//registry.npmjs.org/:_authToken=npm_abc123\n",
        ),
        Entry::file("home/app/.npmrc", "registry=https://registry.npmjs.org/\n"),
        Entry::file("app/.git/HEAD", "ref: refs/heads/main\n"),
        Entry::file("app/.git/config", "[core]\n"),
    ]));
    let found = findings::find(&analysis(&spec));
    let mut shown: Vec<&str> = of(&found, "secret-in-image")
        .iter()
        .map(|f| f.paths[0].as_str())
        .collect();
    shown.sort();
    assert_eq!(
        shown,
        vec![
            "app/.env",
            "app/.git/HEAD",
            "app/conf/server.dat",
            "root/.npmrc"
        ],
        "{found:#?}"
    );
    let git = of(&found, "secret-in-image")
        .into_iter()
        .find(|f| f.title.contains(".git directory"))
        .unwrap();
    assert_eq!(git.paths.len(), 2);
    assert!(
        git.title
            .starts_with("/app/.git is a .git directory (2 files"),
        "{}",
        git.title
    );
}

#[test]
fn apt_lists_removed_in_the_same_run_do_not_fire_and_in_a_later_run_do() {
    let lists = || {
        vec![
            Entry::dir("var/lib/apt/lists"),
            Entry::file("var/lib/apt/lists/lock", ""),
            Entry::file(
                "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4",
                vec![7u8; 30_000],
            ),
            Entry::file("usr/bin/curl", vec![1u8; 5000]),
        ]
    };
    // `apt-get update && apt-get install curl && rm -rf /var/lib/apt/lists/*`:
    // the layer has the directory and curl, no lists.
    let same_run = as_app(ImageSpec::new().layer(&base()).layer(&[
        Entry::dir("var/lib/apt/lists"),
        Entry::file("usr/bin/curl", vec![1u8; 5000]),
    ]));
    let found = findings::find(&analysis(&same_run));
    assert!(of(&found, "package-cache").is_empty(), "{found:#?}");

    // The same cleanup in a later RUN: the lists ship in layer 1.
    let later = as_app(
        ImageSpec::new()
            .layer(&base())
            .layer(&lists())
            .layer(&[Entry::opaque("var/lib/apt/lists")]),
    );
    let a = analysis(&later);
    let found = findings::find(&a);
    let cache = of(&found, "package-cache");
    assert_eq!(cache.len(), 1, "{found:#?}");
    assert_eq!(cache[0].layer, Some(1));
    assert_eq!(cache[0].bytes, 30_000);
    assert!(
        cache[0]
            .title
            .contains("apt-get's cache in /var/lib/apt/lists"),
        "{}",
        cache[0].title
    );
    assert!(
        cache[0].title.contains("deleted by a later layer"),
        "{}",
        cache[0].title
    );
    let deleted = of(&found, "deleted-files");
    assert_eq!(deleted.len(), 1);
    assert_eq!((deleted[0].layer, deleted[0].bytes), (Some(1), 30_000));

    // Left in place: still flagged, as still in the final filesystem.
    let kept = as_app(ImageSpec::new().layer(&base()).layer(&lists()));
    let found = findings::find(&analysis(&kept));
    let cache = of(&found, "package-cache");
    assert!(
        cache[0].title.contains("still in the final filesystem"),
        "{}",
        cache[0].title
    );
}

#[test]
fn waste_findings_add_up_to_the_exact_waste() {
    let spec = as_app(
        ImageSpec::new()
            .layer(&base())
            .layer(&[
                Entry::file("app/big.bin", vec![1u8; 2 << 20]),
                Entry::file("app/main.py", "print(2)\n"),
            ])
            .layer(&[
                Entry::whiteout("app/big.bin"),
                Entry::file("app/main.py", "print(3)\n"),
            ]),
    );
    let a = analysis(&spec);
    let found = findings::find(&a);
    let waste: u64 = found
        .iter()
        .filter(|f| f.id == "deleted-files" || f.id == "duplicated-files")
        .map(|f| f.bytes)
        .sum();
    assert_eq!(waste, a.waste.wasted_bytes);
    let big = of(&found, "deleted-files");
    assert_eq!(
        big[0].level,
        Level::Medium,
        "2 MiB is worth more than a low"
    );
    assert_eq!(big[0].paths, vec!["app/big.bin"]);
}

#[test]
fn modes_metadata_rewrites_and_tool_chains() {
    let spec = as_app(
        ImageSpec::new()
            .layer(&[
                Entry::dir("usr/bin"),
                Entry::file("usr/bin/passwd", vec![3u8; 100]).mode(0o4755),
                Entry::dir("tmp").mode(0o1777),
                Entry::dir("data").mode(0o777),
                Entry::file("app/run.sh", vec![9u8; 4000]),
                Entry::file("usr/lib/gcc/x86_64-linux-gnu/12/cc1", vec![5u8; 9000]),
                Entry::file("usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a", vec![5u8; 1000]),
            ])
            // `chmod +x` in its own RUN: the same bytes stored again.
            .layer(&[Entry::file("app/run.sh", vec![9u8; 4000]).mode(0o755)]),
    );
    let found = findings::find(&analysis(&spec));
    let setuid = of(&found, "setuid-files");
    assert_eq!(setuid.len(), 1);
    assert_eq!(setuid[0].paths, vec!["usr/bin/passwd"]);
    let writable = of(&found, "world-writable");
    assert_eq!(writable.len(), 1);
    assert_eq!(writable[0].paths, vec!["data"], "/tmp has its sticky bit");
    let meta = of(&found, "metadata-only-layer");
    assert_eq!(meta.len(), 1);
    assert_eq!((meta[0].layer, meta[0].bytes), (Some(1), 4000));
    let gcc = of(&found, "build-toolchain");
    assert_eq!(gcc.len(), 1);
    assert_eq!(gcc[0].paths, vec!["usr/lib/gcc"]);
    assert_eq!(gcc[0].bytes, 10_000);
    assert!(of(&found, "runs-as-root").is_empty());
}

#[test]
fn the_config_root_env_and_build_arguments() {
    let spec = with_config(ImageSpec::new().layer(&base()), |c| {
        c["config"]["Env"] = json!([
            "PATH=/usr/bin",
            "NPM_TOKEN=npm_abcdef",
            "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
            "PASSWORD_FILE=/run/secrets/db"
        ]);
        c["history"][1]["created_by"] =
            json!("RUN |1 GITHUB_TOKEN=ghp_secret /bin/sh -c make # buildkit");
    });
    let found = findings::find(&analysis(&spec));
    let env = of(&found, "secret-in-env");
    assert_eq!(env.len(), 1, "{found:#?}");
    assert!(
        env[0].title.contains("NPM_TOKEN") && env[0].title.contains("(np…)"),
        "{}",
        env[0].title
    );
    assert!(
        !env[0].title.contains("npm_abcdef"),
        "the value itself is never shown"
    );
    let history = of(&found, "secret-in-history");
    assert_eq!(history.len(), 1, "{found:#?}");
    assert!(history[0].title.contains("GITHUB_TOKEN"));
    assert_eq!(history[0].layer, Some(0));
    assert_eq!(of(&found, "runs-as-root").len(), 1);
}

#[test]
fn layer_counts_near_and_over_dockers_limit() {
    let count = |n: usize| {
        let mut spec = ImageSpec::new();
        for i in 0..n {
            spec = spec.layer(&[Entry::file(format!("f{i}"), "x")]);
        }
        let found = findings::find(&analysis(&as_app(spec)));
        of(&found, "too-many-layers").first().map(|f| f.level)
    };
    assert_eq!(count(116), None);
    assert_eq!(count(117), Some(Level::Medium));
    assert_eq!(count(127), Some(Level::Medium));
    assert_eq!(count(128), Some(Level::High));
}

#[test]
fn a_files_signals_cross_between_workers() {
    let tar = layer_tar(&[Entry::file("a/k", PEM_KEY), Entry::file("a/b", "plain")]);
    let scanned = scan::scan(Cursor::new(tar)).unwrap();
    assert_eq!(scanned.signals.len(), 1);
    let back = wire::from_bytes(&wire::to_bytes(&scanned)).unwrap();
    assert_eq!(back.signals, scanned.signals);
}

#[test]
fn findings_on_the_corpus_are_sorted_and_name_real_rules() {
    for rel in [
        "wagoodman-dive/.data/test-docker-image.tar",
        "google-go-containerregistry/pkg/v1/mutate/testdata/whiteout_image.tar",
    ] {
        let a = analyze(
            Cursor::new(corpus(rel)),
            &Options::default(),
            &mut NoProgress,
        )
        .unwrap();
        let found = findings::find(&a);
        assert!(!found.is_empty(), "{rel}");
        for pair in found.windows(2) {
            assert!(
                pair[0].level >= pair[1].level,
                "{rel}: not most severe first"
            );
        }
        for f in &found {
            assert!(findings::rule(f.id).is_some());
            assert!(f.paths.len() <= findings::MAX_PATHS);
        }
    }
}
