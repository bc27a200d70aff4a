//! Every input the fuzzers ever crashed on, replayed through the code the
//! fuzz targets run (`fuzz/src/harness.rs`, included here as is), so that a
//! fixed crash stays fixed under plain `cargo test`. The crashers sit in
//! `fuzz/regressions/<target>/`, minimized, one file each, named after what
//! they found (docs/fuzzing.md lists them); the hand-made seeds in
//! `fuzz/seeds/<target>/` are replayed too. A new crasher needs no new code
//! here: drop the file in its target's folder.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)]
#[path = "../../../fuzz/src/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("archive", harness::archive),
    ("stream", harness::stream),
    ("layer", harness::layer),
    ("docs", harness::docs),
    ("wire", harness::wire),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, sorted (none if it does not exist).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .map(|e| e.expect("a readable entry").path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

fn replay(kind: &str) -> usize {
    let mut replayed = 0;
    for (target, run) in TARGETS {
        for path in inputs(kind, target) {
            let bytes = std::fs::read(&path).expect("a readable input");
            let outcome = std::panic::catch_unwind(|| run(&bytes));
            assert!(
                outcome.is_ok(),
                "fuzz target {target} panics on {} again",
                path.display()
            );
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn kept_crashers_no_longer_crash() {
    replay("regressions");
}

#[test]
fn hand_made_seeds_run_clean() {
    assert!(replay("seeds") >= 10, "the seeds in fuzz/seeds are missing");
}

/// Every folder under `fuzz/regressions` is a target's: a crasher filed
/// under a misspelt name would never be replayed.
#[test]
fn regressions_are_filed_under_a_target() {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join("regressions")) else {
        return;
    };
    for entry in entries {
        let name = entry.expect("a readable entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            name.starts_with('.') || TARGETS.iter().any(|(t, _)| *t == name),
            "fuzz/regressions/{name} is not a fuzz target"
        );
    }
}
