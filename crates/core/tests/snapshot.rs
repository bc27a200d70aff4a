//! `Stack::snapshot`: what the page shows while layers are still being read.
//! After k layers, the snapshot must be the analysis of the image as if it
//! ended with those k layers (the union, each layer's changes and its waste
//! so far), the same answer a stack given only those layers finishes with;
//! and `Stack::pending` names the layers still to come, as the manifest
//! describes them.

mod support;

use layerscope_core::layers::scan as layer_scan;
use layerscope_core::{member_at, prepare, Analysis, Options, Stack, TarSource};
use std::io::Cursor;
use support::{corpus, Entry, ImageSpec};

/// A fresh stack for `bytes`, and every layer's scan in manifest order.
fn stack_and_scans(bytes: &[u8]) -> (Stack, Vec<layer_scan::LayerScan>) {
    let mut source = TarSource::index(Cursor::new(bytes)).expect("index");
    let prepared = prepare(&mut source, &Options::default()).expect("prepare");
    let ranges = prepared.layer_ranges(&source).expect("ranges");
    let scans = ranges
        .iter()
        .map(|&(offset, size)| {
            layer_scan::scan(member_at(Cursor::new(bytes), offset, size).unwrap()).expect("scan")
        })
        .collect();
    (prepared.into_stack(), scans)
}

/// What a person sees of an analysis: the files after the last layer,
/// each layer's changes and waste, the exact waste, the steps.
fn seen(a: &Analysis) -> String {
    let mut out = String::new();
    for (path, node) in a.listing(&a.union) {
        out += &format!("{path} {:?} {} {:?}\n", node.kind, node.size, node.data);
    }
    for l in &a.layers {
        out += &format!(
            "layer {} {} size {} wasted {} changes {}\n",
            l.index,
            l.digest,
            l.size,
            l.wasted_bytes,
            l.changes.len()
        );
        for c in &l.changes {
            out += &format!("  {} {:?}\n", a.path(c.path), c.kind);
        }
    }
    out += &format!(
        "stored {} visible {} wasted {} paths {:?}\n",
        a.waste.stored_bytes,
        a.waste.visible_bytes,
        a.waste.wasted_bytes,
        a.waste
            .paths
            .iter()
            .map(|p| (&p.path, p.wasted_bytes, &p.layers, p.present))
            .collect::<Vec<_>>()
    );
    out += &format!("steps {:?}\n", a.steps);
    out
}

fn check(bytes: &[u8]) {
    let (mut stack, scans) = stack_and_scans(bytes);
    let total = scans.len();
    assert!(total >= 2, "a test image with layers to read one by one");
    for k in 0..=total {
        // The snapshot after k layers…
        let snapshot = stack.snapshot();
        assert_eq!(snapshot.layers.len(), k);
        assert_eq!(stack.stacked(), k);
        let pending = stack.pending();
        assert_eq!(
            pending.iter().map(|p| p.index).collect::<Vec<_>>(),
            (k..total).collect::<Vec<_>>()
        );
        // …is what a stack given only those k layers finishes with.
        let (mut short, again) = stack_and_scans(bytes);
        for scan in again.into_iter().take(k) {
            short.push(scan);
        }
        let finished = short.finish();
        assert_eq!(
            seen(&snapshot),
            seen(&finished),
            "after {k} of {total} layers"
        );
        assert!(
            snapshot.dive.efficiency.is_nan(),
            "dive's figures wait for the end"
        );
        // (A snapshot is the lent analysis, copied: the stack must go on
        // as before after lending it, which the final comparison holds.)
        if let Some(scan) = scans.get(k) {
            stack.push(scan.clone());
        }
    }
    // The last snapshot's union is the final one.
    let last = stack.snapshot();
    let done = stack.finish();
    assert_eq!(seen(&last), seen(&done));
}

#[test]
fn a_snapshot_is_the_image_cut_after_the_layers_read() {
    let image = ImageSpec::new()
        .layer(&[
            Entry::dir("etc"),
            Entry::file("etc/big", vec![1u8; 5000]),
            Entry::dir("app"),
            Entry::file("app/a", "one"),
        ])
        .layer(&[
            Entry::file("etc/big", vec![2u8; 7000]),
            Entry::whiteout("app/a"),
        ])
        .layer(&[Entry::opaque("etc"), Entry::file("etc/small", "x")])
        .layer(&[Entry::file("app/b", "two")]);
    check(&image.docker_save().tar());
    check(&image.oci().tar());
}

#[test]
fn a_snapshot_of_real_images() {
    check(&corpus("wagoodman-dive/.data/test-docker-image.tar"));
}

#[test]
fn pending_layers_are_described_by_the_manifest() {
    let image = ImageSpec::new()
        .layer(&[Entry::file("a", "1")])
        .layer(&[Entry::file("b", "22")]);
    let archive = image.oci();
    let bytes = archive.tar();
    let (stack, _) = stack_and_scans(&bytes);
    let pending = stack.pending();
    assert_eq!(pending.len(), 2);
    for (p, member) in pending.iter().zip(&archive.layer_members) {
        assert_eq!(&p.member, member);
        let blob = archive.get(member);
        assert_eq!(p.size, Some(blob.len() as u64));
        assert_eq!(
            p.digest.as_ref().map(|d| d.to_string()),
            Some(support::sha256(blob).to_string())
        );
        assert!(p.diff_id.is_some());
    }
}
