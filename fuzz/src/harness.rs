//! What each fuzz target does with its input, through the engine's public
//! entry points only, as the CLI and the page call them. A target fails only
//! by panicking (a crash, an overflow, a failed assertion), by running out of
//! time, or by allocating beyond libFuzzer's limit: an `Err` from the engine
//! is a correct answer to a bad input.
//!
//! This file uses nothing but the engine and std: the engine's
//! `tests/fuzz_regressions.rs` includes it (`#[path]`) to replay every kept
//! crasher through the same code.
//!
//! - [`archive`]: a whole archive as a seekable file (`analyze` over a
//!   cursor), then as the page's scanners read it (`prepare`, each layer's
//!   byte range, `scan_unhashed`, the wire format, a `Stack`); the two must
//!   agree. A successful analysis is then explored as the CLI and the page
//!   do (reports, listings, findings, the cache simulation).
//! - [`stream`]: the same bytes as a forward-only input (`analyze_stream`).
//! - [`layer`]: one layer blob (`layers::scan`, and `scan_unhashed` which
//!   must see the same entries), stacked twice in a two-layer image, and
//!   round-tripped through the wire format.
//! - [`docs`]: the JSON documents (index, manifests, configs,
//!   `manifest.json`, `repositories`, v1 layer `json`) of an image held in
//!   memory, resolved and analysed (see [`docs`] for the input's shape).
//! - [`wire`]: bytes read as a scan sent between Web Workers
//!   (`layers::wire::from_bytes`); a scan it accepts must encode back to the
//!   same bytes and be safe to stack.

use layerscope_core::archive::compression::{sniff, Compression, Sniffed};
use layerscope_core::archive::digest::Digest;
use layerscope_core::build::{advice, cache};
use layerscope_core::layers::scan::{self as layer_scan, LayerScan};
use layerscope_core::layers::wire;
use layerscope_core::report::{self, cache::CacheDocument};
use layerscope_core::{
    analyze, analyze_source, analyze_stream, member_at, prepare, Analysis, Error, NoProgress,
    Options, Prepared, Source, TarSource,
};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// A whole archive, read seekable and as the page's scanners read it.
pub fn archive(data: &[u8]) {
    let options = Options::default();
    let seekable = analyze(Cursor::new(data), &options, &mut NoProgress);
    if let Some(pages) = the_pages_way(data, &options) {
        agree(&seekable, &pages);
    }
    if let Ok(a) = &seekable {
        explore(a);
    }
}

/// A whole archive, read forward only (a pipe).
pub fn stream(data: &[u8]) {
    if let Ok(a) = analyze_stream(data, &Options::default(), &mut NoProgress) {
        explore(&a);
    }
}

/// One layer blob: scanned, scanned without hashing, sent over the wire and
/// stacked twice (so its whiteouts, hard links and replacements meet its
/// own paths).
pub fn layer(data: &[u8]) {
    let scanned = layer_scan::scan(data);
    let mut tar = Vec::new();
    let unhashed = layer_scan::scan_unhashed(data, Some(&mut |b: &[u8]| tar.extend_from_slice(b)))
        .and_then(|u| {
            let tar_digest = u.needs_tar_digest().then(|| Digest::of(&tar));
            u.with_digests(Digest::of(data), tar_digest)
        });
    match (&scanned, &unhashed) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.digest, b.digest, "scan and scan_unhashed: blob digest");
            assert_eq!(a.diff_id, b.diff_id, "scan and scan_unhashed: diff_id");
            assert_eq!(
                wire::to_bytes(a),
                wire::to_bytes(b),
                "scan and scan_unhashed differ"
            );
        }
        (Err(a), Err(b)) => assert_eq!(a.kind, b.kind, "scan and scan_unhashed: error kinds"),
        (a, b) => panic!(
            "scan and scan_unhashed disagree: {:?} vs {:?}",
            a.as_ref().err(),
            b.as_ref().err()
        ),
    }
    let Ok(scan) = scanned else { return };
    let scan = round_trip(scan);
    if let Some(prepared) = synthetic_image(2) {
        let mut stack = prepared.into_stack();
        stack.push(scan.clone());
        stack.push(scan);
        explore(&stack.finish());
    }
}

/// The JSON documents of an image. The input is up to ten documents
/// separated by NUL bytes (JSON never holds a raw NUL). The first is the
/// archive's top document: `manifest.json` if it starts with `[`, else
/// `index.json` if it mentions `"manifests"` or `"schemaVersion"`, else
/// `repositories`. Every other document `i` is stored under each name a
/// format may look for it by (`blobs/sha256/<hex>`, `<hex>.json`,
/// `<hex>/json`), where `<hex>` is its sha256; and `$i`
/// in an earlier document is replaced by that `<hex>` (documents are hashed
/// from the last to the first, so a document can name any later one).
/// Any `<id>/layer.tar` a document names is there, an empty layer (layers
/// are the `layer` target's). A plain JSON file is a valid input: a top
/// document with nothing beside it.
pub fn docs(data: &[u8]) {
    let mut parts: Vec<Vec<u8>> = data.splitn(10, |&b| b == 0).map(<[u8]>::to_vec).collect();
    let mut hexes: Vec<String> = vec![String::new(); parts.len()];
    for i in (0..parts.len()).rev() {
        for (j, hex) in hexes.iter().enumerate().skip(i + 1) {
            let token = format!("${j}");
            parts[i] = replace(&parts[i], token.as_bytes(), hex.as_bytes());
        }
        hexes[i] = Digest::of(&parts[i]).hex.to_string();
    }
    let mut members = Members::default();
    let top = &parts[0];
    let first = top.iter().find(|b| !b.is_ascii_whitespace());
    let top_name = if first == Some(&b'[') {
        "manifest.json"
    } else if contains(top, b"\"manifests\"") || contains(top, b"\"schemaVersion\"") {
        "index.json"
    } else {
        "repositories"
    };
    members.add(top_name, top.clone());
    members.add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    for (part, hex) in parts.iter().zip(&hexes).skip(1) {
        for name in [
            format!("blobs/sha256/{hex}"),
            format!("{hex}.json"),
            format!("{hex}/json"),
        ] {
            members.add(&name, part.clone());
        }
    }
    members.empty_layers = true;
    for options in [
        Options::default(),
        Options {
            image: Some("latest".into()),
            platform: Some("linux/arm64/v8".into()),
        },
    ] {
        if let Ok(a) = analyze_source(&mut members, &options, &mut NoProgress) {
            explore(&a);
        }
    }
}

/// Bytes read as a layer's scan from another Web Worker.
pub fn wire(data: &[u8]) {
    let Ok(scan) = wire::from_bytes(data) else {
        return;
    };
    let bytes = wire::to_bytes(&scan);
    let again = wire::from_bytes(&bytes).expect("a decoded scan encodes to bytes that decode");
    assert!(
        wire::to_bytes(&again) == bytes,
        "the wire format is not stable"
    );
    if let Some(prepared) = synthetic_image(1) {
        let mut stack = prepared.into_stack();
        stack.push(scan);
        explore(&stack.finish());
    }
}

// ---------------------------------------------------------------------------
// What the edges do with an analysis
// ---------------------------------------------------------------------------

/// Everything the CLI and the page derive from an analysis: the JSON report
/// (with the findings), Markdown, listings and CSV of the first and last
/// layers, the build read from the history with its advice and cache
/// document, and a simulated change of the last step.
fn explore(a: &Analysis) {
    let json = a.report_json();
    assert!(!json.is_empty());
    let found = layerscope_core::findings::find(a);
    let _ = report::markdown::report(a, &found, "fuzz.tar", None);
    let last = a.layers.len().saturating_sub(1);
    for n in [0, last] {
        let union = a.union_at(n);
        let _ = report::listing::ls(a, &union);
        let _ = report::csv::paths(a, &union);
    }
    if !a.layers.is_empty() {
        let _ = report::csv::changes(a, 0, last);
    }
    let facts = cache::facts(a);
    let build = cache::Build::new(&facts);
    let advice = advice::advise(&facts, &build);
    let _ = CacheDocument {
        image: "fuzz.tar",
        analysis: a,
        build: &build,
        change: None,
        advice: &advice,
        dockerfile: None,
    }
    .to_json();
}

// ---------------------------------------------------------------------------
// The page's way, and agreement
// ---------------------------------------------------------------------------

/// A plain tar read as the page's scanner workers read it: resolved once,
/// each layer read from its byte range without hashing (the browser hashes),
/// sent through the wire format and stacked. None where the page falls back
/// to reading the whole file in one worker (compressed archives, members it
/// cannot locate), which `analyze` already did.
fn the_pages_way(data: &[u8], options: &Options) -> Option<Result<Analysis, Error>> {
    if matches!(sniff(&data[..data.len().min(512)]), Sniffed::Compressed(_)) {
        return None;
    }
    let mut source = TarSource::index(Cursor::new(data)).ok()?;
    let prepared = prepare(&mut source, options).ok()?;
    let members = prepared.layer_members();
    let ranges = prepared.layer_ranges(&source)?;
    let mut stack = prepared.into_stack();
    for (i, (member, (offset, size))) in members.iter().zip(ranges).enumerate() {
        let within = offset
            .checked_add(size)
            .is_some_and(|end| end <= data.len() as u64);
        let scan = if within {
            let blob = &data[offset as usize..(offset + size) as usize];
            let gzip = matches!(sniff(blob), Sniffed::Compressed(Compression::Gzip));
            let mut tar = Vec::new();
            let unhashed = if gzip {
                layer_scan::scan_unhashed(blob, Some(&mut |b: &[u8]| tar.extend_from_slice(b)))
            } else {
                layer_scan::scan_unhashed(blob, None)
            };
            unhashed.and_then(|u| {
                let tar_digest = u.needs_tar_digest().then(|| Digest::of(&tar));
                u.with_digests(Digest::of(blob), tar_digest)
            })
        } else {
            member_at(Cursor::new(data), offset, size)
                .map_err(|e| Error::from_io(&e, "seeking in the archive"))
                .and_then(layer_scan::scan)
        };
        match scan {
            Ok(scan) => stack.push(round_trip(scan)),
            Err(e) => return Some(Err(e.member(member).layer(i))),
        }
    }
    let mut analysis = stack.finish();
    analysis.input_size = Some(data.len() as u64);
    Some(Ok(analysis))
}

/// The seekable reading and the page's agree: both fail, or both find the
/// same layers with the same digests, entries and union.
fn agree(seekable: &Result<Analysis, Error>, pages: &Result<Analysis, Error>) {
    match (seekable, pages) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.layers.len(), b.layers.len(), "layer count");
            for (x, y) in a.layers.iter().zip(&b.layers) {
                assert_eq!(x.digest, y.digest, "a layer's digest");
                assert_eq!(x.diff_id, y.diff_id, "a layer's diff_id");
            }
            assert_eq!(
                a.listing(&a.union).len(),
                b.listing(&b.union).len(),
                "the final union's size"
            );
        }
        (Err(a), Err(b)) => assert_eq!(a.kind, b.kind, "error kinds: {a} vs {b}"),
        (a, b) => panic!(
            "seekable and the page's way disagree: {:?} vs {:?}",
            a.as_ref().err(),
            b.as_ref().err()
        ),
    }
}

/// A scan as the page's stacking worker receives it.
fn round_trip(scan: LayerScan) -> LayerScan {
    let bytes = wire::to_bytes(&scan);
    wire::from_bytes(&bytes).expect("a scan survives the wire format")
}

// ---------------------------------------------------------------------------
// Images held in memory
// ---------------------------------------------------------------------------

/// Members by name, as a directory would hold them; with `empty_layers`,
/// every `<id>/layer.tar` not held is there too, empty.
#[derive(Default)]
struct Members {
    files: BTreeMap<String, Vec<u8>>,
    empty_layers: bool,
}

impl Members {
    fn add(&mut self, name: &str, data: Vec<u8>) {
        self.files.insert(name.to_string(), data);
    }

    fn get(&self, name: &str) -> Option<&[u8]> {
        match self.files.get(name) {
            Some(d) => Some(d),
            None if self.empty_layers && name.ends_with("/layer.tar") => Some(&[]),
            None => None,
        }
    }
}

impl Source for Members {
    fn names(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    fn size(&self, name: &str) -> Option<u64> {
        self.get(name).map(|d| d.len() as u64)
    }

    fn open(&mut self, name: &str) -> Result<Box<dyn Read + '_>, Error> {
        match self.get(name) {
            Some(d) => Ok(Box::new(d)),
            None => Err(Error::new(
                layerscope_core::ErrorKind::MissingBlob,
                "no such member",
            )),
        }
    }
}

/// A `docker save` image of `layers` layers (their blobs empty), resolved:
/// the stack a fuzzed layer or scan is pushed onto.
fn synthetic_image(layers: usize) -> Option<Prepared> {
    let names: Vec<String> = (0..layers).map(|i| format!("\"l{i}.tar\"")).collect();
    let mut members = Members::default();
    members.add(
        "manifest.json",
        format!(
            r#"[{{"Config":"c.json","RepoTags":["fuzz:latest"],"Layers":[{}]}}]"#,
            names.join(",")
        )
        .into_bytes(),
    );
    members.add(
        "c.json",
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},
            "history":[{"created_by":"/bin/sh -c #(nop) ADD file:x in / "},
                       {"created_by":"RUN apt-get update && rm -rf /var/lib/apt/lists/*"}],
            "config":{"Env":["PATH=/usr/bin"],"Cmd":["sh"]}}"#
            .to_vec(),
    );
    for i in 0..layers {
        members.add(&format!("l{i}.tar"), Vec::new());
    }
    prepare(&mut members, &Options::default()).ok()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `data` with every `from` replaced by `to`.
fn replace(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}
