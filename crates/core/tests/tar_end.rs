//! Layer tars that stop early at the end: the last entry's padding, the two
//! zero blocks that close a tar, or both missing. umoci 0.4.7's `insert`
//! writes layers that end right after the last file's bytes; Go's
//! `archive/tar` (docker, containerd, skopeo, umoci, dive) reads them whole,
//! and so must we: every entry, the last file's bytes hashed, the same
//! filesystem as the intact layer, and a diagnostic naming the layer that
//! says what was missing. Data cut short stays an error (truncated).
//!
//! Each case is one layer tar cut at an offset, stored plain, gzip and zstd,
//! in a `docker save` and an OCI archive, each archive read every way
//! (`support::analyze_every_way`: seekable, forward-only, short reads, the
//! page's scanners) and again gzip-compressed whole. The real tool's layers
//! are checked in `crates/cli/tests/real_tools.rs`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use layerscope_core::report::listing;
use layerscope_core::{Analysis, ErrorKind, Severity};
use support::*;

/// The layer below: what the cut layer overwrites and adds to.
fn base() -> Vec<Entry> {
    vec![
        Entry::dir("opt"),
        Entry::file("opt/old", "old content\n"),
        Entry::file("opt/replaced", vec![1u8; 700]),
    ]
}

/// The layer that gets cut, ending with a file of `last_len` bytes.
fn top(last_len: usize) -> Vec<Entry> {
    vec![
        Entry::dir("opt/inserted"),
        Entry::file("opt/inserted/a.txt", "aaa\n"),
        Entry::file("opt/replaced", vec![2u8; 700]),
        Entry::dir("opt/inserted/sub"),
        Entry::file(
            "opt/inserted/sub/b.txt",
            (0..last_len).map(|i| (i % 251) as u8).collect::<Vec<_>>(),
        ),
    ]
}

/// Where the last entry's data starts and ends in `top(last_len)`'s tar.
fn last_data(tar: &[u8]) -> (usize, usize) {
    let mut archive = tar::Archive::new(tar);
    let last = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.raw_file_position() as usize, e.size() as usize))
        .last()
        .unwrap();
    (last.0, last.0 + last.1)
}

fn image(top_tar: Vec<u8>, comp: Comp) -> ImageSpec {
    ImageSpec::new().layer(&base()).layer_tar(top_tar, comp)
}

/// Every container of the image, each read every way; the answers must all
/// agree (the same analysis, or the same error).
fn read_all(spec: &ImageSpec) -> Vec<(String, Result<Analysis, layerscope_core::Error>)> {
    let mut out = Vec::new();
    for docker in [true, false] {
        let archive = if docker {
            spec.docker_save()
        } else {
            spec.oci()
        };
        let tar = archive.tar();
        let gz = compress(&tar, Comp::Gzip);
        let name = if docker { "docker save" } else { "oci archive" };
        out.push((name.to_string(), analyze_every_way(&tar)));
        out.push((format!("{name}, gzipped whole"), analyze_every_way(&gz)));
    }
    out
}

const COMPS: [Comp; 3] = [Comp::None, Comp::Gzip, Comp::Zstd];

/// The intact layer's final filesystem.
fn intact_ls(last_len: usize) -> Vec<String> {
    let spec = ImageSpec::new().layer(&base()).layer(&top(last_len));
    let a = ok(analyze_every_way(&spec.docker_save().tar()));
    assert!(a.diagnostics.is_empty(), "{:#?}", a.diagnostics);
    listing::ls(&a, &a.union)
}

/// Cuts `top(last_len)`'s tar after `keep(data_start, data_end)` bytes and
/// checks that every container and every way reads the whole filesystem,
/// with one diagnostic on layer 1 of `severity` containing `says`.
fn check_read_whole(
    label: &str,
    last_len: usize,
    keep: impl Fn(usize, usize) -> usize,
    severity: Severity,
    says: &str,
) {
    let expected = intact_ls(last_len);
    let full = layer_tar(&top(last_len));
    let (start, end) = last_data(&full);
    let cut = keep(start, end);
    let tar = full[..cut].to_vec();
    for comp in COMPS {
        for (container, result) in read_all(&image(tar.clone(), comp)) {
            let what = format!("{label}, {comp:?} layer, {container}");
            let a = match result {
                Ok(a) => a,
                Err(e) => panic!("{what}: refused: {e}"),
            };
            assert!(!a.has_errors(), "{what}: {:#?}", a.diagnostics);
            assert_eq!(listing::ls(&a, &a.union), expected, "{what}");
            let last = a
                .file("opt/inserted/sub/b.txt")
                .unwrap_or_else(|| panic!("{what}: no last file"));
            assert_eq!(last.size, last_len as u64, "{what}");
            let notes: Vec<_> = a
                .diagnostics
                .iter()
                .map(|d| (d.severity, d.layer, d.text()))
                .collect();
            assert_eq!(notes.len(), 1, "{what}: {notes:#?}");
            let (sev, layer, text) = &notes[0];
            assert_eq!((*sev, *layer), (severity, Some(1)), "{what}: {text}");
            assert!(
                text.contains(says),
                "{what}: {text:?} does not say {says:?}"
            );
            assert_eq!(a.layers[1].tar_size, cut as u64, "{what}");
        }
    }
}

/// The last file's content is hashed from the bytes the layer has: the
/// same hash as in the intact layer, so the content compares equal.
#[test]
fn the_last_file_is_hashed_from_its_bytes() {
    let full = layer_tar(&top(2));
    let (_, end) = last_data(&full);
    let cut = ok(analyze_every_way(
        &image(full[..end].to_vec(), Comp::None).oci().tar(),
    ));
    let intact = ok(analyze_every_way(
        &image(full.clone(), Comp::None).oci().tar(),
    ));
    let (a, b) = (
        cut.file("opt/inserted/sub/b.txt").unwrap(),
        intact.file("opt/inserted/sub/b.txt").unwrap(),
    );
    assert_eq!((a.size, a.content), (b.size, b.content));
    // And a byte less is another content: the hash is of the bytes.
    let other = layer_tar(&[Entry::file("opt/inserted/sub/b.txt", [0u8, 2])]);
    let (_, end) = last_data(&other);
    let c = ok(analyze_every_way(
        &image(other[..end].to_vec(), Comp::None).oci().tar(),
    ));
    assert_ne!(c.file("opt/inserted/sub/b.txt").unwrap().content, a.content);
}

#[test]
fn umoci_insert_style_no_padding_no_end_blocks() {
    check_read_whole(
        "data then nothing",
        2,
        |_, end| end,
        Severity::Warning,
        "layer 1: the layer's tar ends right after the data of its last entry (/opt/inserted/sub/b.txt), without the padding",
    );
}

#[test]
fn data_ends_exactly_at_a_block_boundary() {
    // No padding is due: only the end blocks are missing.
    check_read_whole(
        "data to the block's last byte",
        1024,
        |_, end| end,
        Severity::Info,
        "layer 1: the layer's tar ends after its last entry (/opt/inserted/sub/b.txt) without the two zero blocks",
    );
}

#[test]
fn padding_present_but_no_end_blocks() {
    check_read_whole(
        "padded, no end blocks",
        2,
        |_, end| end.next_multiple_of(512),
        Severity::Info,
        "without the two zero blocks that end a tar",
    );
}

#[test]
fn one_end_block() {
    check_read_whole(
        "one end block",
        2,
        |_, end| end.next_multiple_of(512) + 512,
        Severity::Info,
        "layer 1: the layer's tar ends with one zero block instead of the two",
    );
}

#[test]
fn cut_inside_the_padding() {
    for extra in [1, 100, 509] {
        check_read_whole(
            &format!("{extra} bytes of padding"),
            2,
            |_, end| end + extra,
            Severity::Warning,
            "the layer's tar ends inside the padding after the data of its last entry (/opt/inserted/sub/b.txt)",
        );
    }
}

#[test]
fn both_end_blocks_say_nothing() {
    let spec = image(layer_tar(&top(2)), Comp::Gzip);
    for (container, result) in read_all(&spec) {
        let a = ok(result);
        assert!(
            a.diagnostics.is_empty(),
            "{container}: {:#?}",
            a.diagnostics
        );
    }
}

/// Every container and way of reading `top(last_len)`'s tar cut after each
/// of `cuts` bytes fails as truncated on layer 1, the message saying `says`.
fn check_truncated(last_len: usize, cuts: impl Fn(usize, usize) -> Vec<usize>, says: &str) {
    let full = layer_tar(&top(last_len));
    let (start, end) = last_data(&full);
    for cut in cuts(start, end) {
        for comp in COMPS {
            for (container, result) in read_all(&image(full[..cut].to_vec(), comp)) {
                let what = format!("cut at {cut} ({start}..{end}), {comp:?}, {container}");
                let e = err(result);
                assert_eq!(e.kind, ErrorKind::Truncated, "{what}: {e}");
                assert_eq!(e.layer, Some(1), "{what}: {e}");
                assert!(e.to_string().contains(says), "{what}: {e}");
            }
        }
    }
}

/// Data cut short is an error, as before, naming the layer and the path.
#[test]
fn data_cut_short_is_truncated() {
    check_truncated(
        700,
        |start, end| vec![start, start + 1, end - 1],
        "path /opt/inserted/sub/b.txt: the header promises 700 bytes but the data ends after",
    );
}

/// A header cut short (the padding of the entry before it complete) is an
/// error too, as in Go's archive/tar: a header is never half there.
#[test]
fn header_cut_short_is_truncated() {
    check_truncated(
        2,
        |start, _| [1, 300, 511].map(|n| start - 512 + n).to_vec(),
        "the data ends early (truncated) (after the entry for /opt/inserted/sub)",
    );
}

/// A gzip stream cut inside the padding is not a short tar but a broken
/// gzip: still an error.
#[test]
fn a_compressed_stream_cut_inside_the_padding_is_an_error() {
    let full = layer_tar(&top(2));
    let (_, end) = last_data(&full);
    let tar = full[..end + 200].to_vec();
    let gz = compress(&tar, Comp::Gzip);
    // Keep the deflate data up to the data's end, drop the rest of the
    // stream and its trailer.
    let blob = gz[..gz.len() - 12].to_vec();
    let spec = ImageSpec::new()
        .layer(&base())
        .layer_raw(tar, blob, Comp::Gzip);
    for (container, result) in read_all(&spec) {
        let e = err(result);
        assert!(
            matches!(e.kind, ErrorKind::Truncated | ErrorKind::Corrupt),
            "{container}: {e}"
        );
        assert_eq!(e.layer, Some(1), "{container}: {e}");
    }
}
