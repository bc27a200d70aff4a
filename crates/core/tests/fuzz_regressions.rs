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

// ---------------------------------------------------------------------------
// What the crashers found, asserted beyond "no panic"
// ---------------------------------------------------------------------------

use layerscope_core::layers::scan;
use layerscope_core::ErrorKind;

/// A layer of one GNU sparse file (`S`): `data` stored at `offset`, the
/// rest holes, `real` bytes in all.
fn sparse_layer(offset: u64, data: &[u8], real: u64) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.set_path("var/log/lastlog").unwrap();
    h.set_entry_type(tar::EntryType::GNUSparse);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_700_000_000);
    let gnu = h.as_gnu_mut().unwrap();
    gnu.sparse[0].set_offset(offset);
    gnu.sparse[0].set_length(data.len() as u64);
    gnu.set_real_size(real);
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
    out
}

/// fuzz/regressions/layer/sparse-hole-4eib.tar: a 1.5 KiB layer whose one
/// sparse file promised 4 EiB of holes, read as zeros without end. Refused
/// now, at once, with the limit in the message.
#[test]
fn a_sparse_file_may_not_promise_endless_zeros() {
    let err = scan::scan(sparse_layer(1 << 62, b"", 1 << 62).as_slice()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::TooLarge, "{err}");
    assert!(err.message.contains("1024 times"), "{err}");
    assert_eq!(err.path.as_deref(), Some("var/log/lastlog"));
}

/// A real sparse file (a block of data after a hole) still reads, holes
/// included in its size and its content.
#[test]
fn a_modest_sparse_file_still_reads() {
    let data = [7u8; 512];
    let s = scan::scan(sparse_layer(64 * 1024, &data, 64 * 1024 + 512).as_slice()).unwrap();
    let sizes: Vec<u64> = s.entries.iter().map(|e| e.stored).collect();
    assert_eq!(sizes, [64 * 1024 + 512]);
}
