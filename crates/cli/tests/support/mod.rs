//! What the CLI's tests share: the corpus by relative path, and the binary
//! run as a user runs it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub const DIVE: &str = "wagoodman-dive/.data/test-docker-image.tar";

/// A file of ../shared/corpus (read in place, never copied).
pub fn corpus(rel: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel);
    p.to_string_lossy().into_owned()
}

/// `layerscope ARGS…`, waited for.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_layerscope"))
        .args(args)
        .output()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}
