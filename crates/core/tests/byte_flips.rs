//! One flipped byte anywhere in a real archive: the engine must say so, or
//! give exactly the answer it gave for the intact file, or differ only where
//! the archive itself says something else (an undigested document). Never a
//! panic, never a quiet wrong answer, and every way of reading it agrees
//! (`support::analyze_every_way`).
//!
//! Every archive of the sweep comes from another project's test suite (the
//! shared corpus): docker save (old format and Docker 25's OCI layout), OCI
//! archives with plain, gzip, zstd and estargz layers. Every byte of the
//! smaller ones is flipped; the larger ones at a prime stride, which still
//! lands at every offset of a 512-byte tar block across the file. Each has a
//! manifest whose digests cover its layers: in a pre-1.10 docker save (no
//! manifest.json) nothing does, and a flipped byte is simply what the layer
//! holds.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use layerscope_core::ErrorKind;
use std::ops::Range;
use support::{analyze_every_way, corpus, summary};

/// Where each member's header and data lie in an outer tar, by name.
fn members(bytes: &[u8]) -> Vec<(String, Range<usize>)> {
    let mut archive = tar::Archive::new(bytes);
    let mut out = Vec::new();
    for entry in archive.entries().expect("the intact archive reads") {
        let entry = entry.expect("the intact archive reads");
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let data = entry.raw_file_position() as usize;
        let header = entry.raw_header_position() as usize;
        out.push((name, header..data + entry.size() as usize));
    }
    out
}

/// Documents whose bytes no digest covers: what they say is what the
/// archive says, so a changed byte there may change the answer without being
/// an error (a tag, a file name the manifest points at, the index's
/// annotations). The engine must still never panic on them.
fn undigested(name: &str) -> bool {
    let name = name.trim_start_matches("./");
    matches!(
        name,
        "manifest.json" | "repositories" | "index.json" | "oci-layout"
    ) || name.ends_with("/json")
        || name.ends_with("/VERSION")
}

/// A flip's outcome: caught (an error, or an analysis that reports one), the
/// same answer, or a different answer, which is only allowed in an
/// undigested document.
fn sweep(rel: &str, stride: usize) -> (usize, usize, usize) {
    let intact = corpus(rel);
    let want = summary(&analyze_every_way(&intact).unwrap_or_else(|e| panic!("{rel}: {e}")));
    let members = members(&intact);
    let (mut caught, mut same, mut allowed) = (0, 0, 0);
    let mut at = 0;
    while at < intact.len() {
        let mut bytes = intact.clone();
        // Every bit at once, or the lowest alone: a text stays text (a tag,
        // a digest's hex) with the latter, and may still parse.
        bytes[at] ^= if at % 2 == 0 { 0xff } else { 0x01 };
        let member = members.iter().find(|(_, r)| r.contains(&at));
        let r#where = match member {
            Some((name, r)) => format!("{rel} byte {at} ({name}, {} into it)", at - r.start),
            None => format!("{rel} byte {at} (between members)"),
        };
        // analyze_every_way panics, naming the way, if one panics or they disagree.
        match analyze_every_way(&bytes) {
            Err(e) => {
                assert_ne!(e.kind, ErrorKind::Cancelled, "{where}: {e}");
                assert!(!e.to_string().is_empty(), "{where}: an empty message");
                caught += 1;
            }
            Ok(a) if a.has_errors() => caught += 1,
            Ok(a) if summary(&a) == want => same += 1,
            Ok(a) => {
                let in_document = member.is_some_and(|(name, _)| undigested(name));
                assert!(
                    in_document,
                    "{where}: a different answer and no error:\n{}",
                    support::first_difference(&want, &summary(&a))
                );
                allowed += 1;
            }
        }
        at += stride;
    }
    (caught, same, allowed)
}

/// [`sweep`], then what it came to; flips in the layers and configs, and in
/// most headers, must have been caught.
fn sweep_reporting(rel: &str, stride: usize) {
    let (caught, same, allowed) = sweep(rel, stride);
    assert!(caught > 0, "{rel}: nothing caught");
    eprintln!("{rel}: {caught} caught, {same} same, {allowed} in a document");
}

#[test]
fn strided_bytes_of_docker_saves() {
    for (rel, stride) in [
        // docker save, old format: a tag, one layer, its json and VERSION.
        (
            "google-go-containerregistry/pkg/v1/tarball/testdata/test_image_1.tar",
            5,
        ),
        // Docker 25+: an OCI layout inside the docker save.
        (
            "google-go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar",
            5,
        ),
        // Hard links.
        (
            "google-go-containerregistry/pkg/v1/tarball/testdata/test_link.tar",
            7,
        ),
        // Whiteouts across layers.
        (
            "google-go-containerregistry/pkg/v1/mutate/testdata/whiteout_image.tar",
            11,
        ),
    ] {
        sweep_reporting(rel, stride);
    }
}

#[test]
fn every_third_byte_of_small_oci_archives() {
    for rel in [
        "wagoodman-dive/.data/test-oci-gzip-image.tar",
        "wagoodman-dive/.data/test-oci-zstd-image.tar",
        "wagoodman-dive/.data/test-oci-estargz-image.tar",
        "anchore-stereoscope/pkg/image/oci/testdata/valid-oci.tar",
    ] {
        sweep_reporting(rel, 3);
    }
}

#[test]
fn strided_bytes_of_larger_archives() {
    for rel in [
        "wagoodman-dive/.data/test-oci-uncompressed-image.tar",
        "google-go-containerregistry/pkg/v1/mutate/testdata/overwritten_file.tar",
    ] {
        sweep_reporting(rel, 11);
    }
}
