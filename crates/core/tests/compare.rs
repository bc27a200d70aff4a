//! Two images compared (`compare::compare`), on pairs built here with the
//! `tar` crate: identical images; the same image stored otherwise (plain
//! against gzip layers: every layer shared by diff_id, none by digest); a
//! one-file change in the last layer; a base upgrade under the same app
//! layers; images with nothing in common. The path difference is checked
//! against a naive model: the two final listings (`report::listing::ls`)
//! set against each other, as `diff` of two `layerscope ls` would. Real
//! tools' pairs are in `crates/cli/tests/real_tools.rs`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use layerscope_core::compare::{compare, Comparison, PathDiffKind, StepRowKind};
use layerscope_core::report::listing;
use layerscope_core::Analysis;
use std::collections::BTreeMap;
use support::*;

fn base_v1() -> Vec<Entry> {
    vec![
        Entry::dir("etc"),
        Entry::file("etc/os-release", "VERSION=1\n"),
        Entry::dir("lib"),
        Entry::file("lib/libc.so", vec![1u8; 5000]),
        Entry::symlink("lib/libc.so.6", "libc.so"),
    ]
}

fn base_v2() -> Vec<Entry> {
    vec![
        Entry::dir("etc"),
        Entry::file("etc/os-release", "VERSION=2\n"),
        Entry::dir("lib"),
        Entry::file("lib/libc.so", vec![2u8; 6000]),
        Entry::symlink("lib/libc.so.6", "libc.so"),
        Entry::file("lib/new.so", vec![3u8; 100]),
    ]
}

fn app(main: &str) -> Vec<Entry> {
    vec![
        Entry::dir("app"),
        Entry::file("app/main.go", main),
        Entry::file("app/go.mod", "module app\n"),
    ]
}

fn image(layers: &[(&[Entry], Comp)]) -> ImageSpec {
    layers
        .iter()
        .fold(ImageSpec::new(), |spec, (entries, comp)| {
            spec.layer_comp(entries, *comp)
        })
}

fn analysed(spec: &ImageSpec) -> Analysis {
    ok(analyze_every_way(&spec.oci().tar()))
}

/// `diff` of the two `ls` listings, as path → (line in A, line in B).
fn listing_diff(a: &Analysis, b: &Analysis) -> BTreeMap<String, (Option<String>, Option<String>)> {
    let lines = |x: &Analysis| -> BTreeMap<String, String> {
        listing::ls(x, &x.union)
            .into_iter()
            .map(|l| (l.split('\t').next().unwrap().to_string(), l))
            .collect()
    };
    let (la, lb) = (lines(a), lines(b));
    let mut out = BTreeMap::new();
    for (p, l) in &la {
        if lb.get(p) != Some(l) {
            out.insert(p.clone(), (Some(l.clone()), lb.get(p).cloned()));
        }
    }
    for (p, l) in &lb {
        if !la.contains_key(p) {
            out.insert(p.clone(), (None, Some(l.clone())));
        }
    }
    out
}

/// The path difference is the listings' difference: every path whose `ls`
/// line differs is there with the right letter, and the only others are
/// content changes `ls` cannot see (same type, size, mode, owner, target).
fn check_paths_against_listings(a: &Analysis, b: &Analysis, c: &Comparison) {
    let model = listing_diff(a, b);
    let ours: BTreeMap<String, PathDiffKind> = c
        .paths
        .list
        .iter()
        .map(|d| (format!("/{}", listing::escape(&d.path)), d.kind))
        .collect();
    for (path, (la, lb)) in &model {
        let want = match (la, lb) {
            (Some(_), None) => 'D',
            (None, Some(_)) => 'A',
            _ => 'M',
        };
        assert_eq!(
            ours.get(path).map(|k| k.letter()),
            Some(want),
            "{path}: {la:?} -> {lb:?}"
        );
    }
    for (path, kind) in &ours {
        if !model.contains_key(path) {
            match kind {
                PathDiffKind::Modified(f) => assert_eq!(
                    f.names(),
                    ["content"],
                    "{path}: not in the listings' diff, so only its content may differ"
                ),
                other => panic!("{path}: {other:?} but the listings agree"),
            }
        }
    }
    // In path order, as `--paths` prints them.
    let order: Vec<&String> = c.paths.list.iter().map(|d| &d.path).collect();
    let mut sorted = order.clone();
    sorted.sort_by(|x, y| x.as_bytes().cmp(y.as_bytes()));
    assert_eq!(order, sorted);
}

#[test]
fn identical_images_are_identical() {
    let spec = image(&[(&base_v1(), Comp::Gzip), (&app("v1"), Comp::Gzip)]);
    let (a, b) = (analysed(&spec), analysed(&spec));
    let c = compare(&a, &b);
    assert!(c.identical());
    assert!(c.paths.list.is_empty() && c.config.is_empty());
    assert_eq!(c.shared_base, 2);
    assert!(c.rows.iter().all(|r| r.same_files && r.same_blob));
    assert_eq!((c.pull_b.download_layers, c.pull_b.kept_layers), (0, 2));
    assert_eq!(c.pull_b.kept_bytes, c.pull_b.fresh_bytes);
    assert!(c.steps.iter().all(|s| s.kind == StepRowKind::Same));
}

#[test]
fn the_same_image_compressed_otherwise_shares_files_not_blobs() {
    let plain = image(&[(&base_v1(), Comp::None), (&app("v1"), Comp::None)]);
    let gzip = image(&[(&base_v1(), Comp::Gzip), (&app("v1"), Comp::Gzip)]);
    let (a, b) = (analysed(&plain), analysed(&gzip));
    let c = compare(&a, &b);
    assert!(
        c.identical(),
        "compression alone is no difference of the image"
    );
    assert!(c.rows.iter().all(|r| r.same_files && !r.same_blob));
    assert!(c
        .a
        .iter()
        .all(|l| l.same_files == Some(l.index) && l.same_blob.is_none()));
    // Every blob is another: a host with one downloads all of the other.
    assert_eq!(c.pull_b.download_layers, 2);
    assert_eq!(c.pull_b.kept_layers, 0);
    let gz: u64 = b.layers.iter().map(|l| l.blob_size).sum();
    assert_eq!(c.pull_b.download_bytes, gz);
    let plain_bytes: u64 = a.layers.iter().map(|l| l.blob_size).sum();
    assert_eq!(c.pull_a.download_bytes, plain_bytes);
    assert!(plain_bytes > gz, "the plain blobs are the bigger ones");
}

#[test]
fn a_one_file_change_in_the_last_layer() {
    let a = analysed(&image(&[
        (&base_v1(), Comp::Gzip),
        (&app("package main // v1\n"), Comp::Gzip),
    ]));
    let b = analysed(&image(&[
        (&base_v1(), Comp::Gzip),
        (&app("package main // v2\n"), Comp::Gzip),
    ]));
    let c = compare(&a, &b);
    assert!(!c.identical());
    assert_eq!(c.shared_base, 1);
    assert_eq!(c.paths.list.len(), 1, "{:#?}", c.paths);
    let d = &c.paths.list[0];
    assert_eq!(d.path, "app/main.go");
    match d.kind {
        PathDiffKind::Modified(f) => assert_eq!(f.names(), ["content"]),
        other => panic!("{other:?}"),
    }
    // The base is kept, the app layer downloaded.
    assert_eq!(c.pull_b.download, [false, true]);
    assert_eq!(c.pull_b.download_bytes, b.layers[1].blob_size);
    assert_eq!(c.pull_b.kept_bytes, a.layers[0].blob_size);
    check_paths_against_listings(&a, &b, &c);
}

#[test]
fn a_base_upgrade_under_the_same_app() {
    let a = analysed(&image(&[
        (&base_v1(), Comp::Gzip),
        (&app("v1"), Comp::Gzip),
    ]));
    let b = analysed(&image(&[
        (&base_v2(), Comp::Gzip),
        (&app("v1"), Comp::Gzip),
    ]));
    let c = compare(&a, &b);
    assert_eq!(c.shared_base, 0, "the stacks part at the bottom");
    // The app layer is the same files (and blob) one level up in each.
    assert_eq!(c.a[1].same_files, Some(1));
    assert_eq!(c.a[1].same_blob, Some(1));
    assert!(!c.rows[0].same_files && c.rows[1].same_files);
    assert_eq!(c.pull_b.download, [true, false]);
    let by_path: BTreeMap<&str, &PathDiffKind> = c
        .paths
        .list
        .iter()
        .map(|d| (d.path.as_str(), &d.kind))
        .collect();
    assert_eq!(by_path.get("lib/new.so"), Some(&&PathDiffKind::Added));
    assert!(
        matches!(by_path.get("lib/libc.so"), Some(PathDiffKind::Modified(f)) if f.names() == ["size", "content"])
    );
    assert!(
        matches!(by_path.get("etc/os-release"), Some(PathDiffKind::Modified(f)) if f.names() == ["content"])
    );
    let libc = c
        .paths
        .list
        .iter()
        .find(|d| d.path == "lib/libc.so")
        .unwrap();
    assert_eq!((libc.size_a, libc.size_b, libc.net()), (5000, 6000, 1000));
    check_paths_against_listings(&a, &b, &c);
}

#[test]
fn images_with_nothing_in_common() {
    let a = analysed(&image(&[(&base_v1(), Comp::Zstd)]));
    let b = analysed(&image(&[
        (&app("x"), Comp::None),
        (&[Entry::whiteout("app/go.mod")], Comp::Gzip),
    ]));
    let c = compare(&a, &b);
    assert_eq!(c.shared_base, 0);
    assert!(c
        .a
        .iter()
        .chain(&c.b)
        .all(|l| l.same_files.is_none() && l.same_blob.is_none()));
    assert_eq!(c.pull_b.download_bytes, c.pull_b.fresh_bytes);
    assert_eq!(c.pull_b.kept_layers, 0);
    assert_eq!(c.rows.len(), 2);
    assert_eq!((c.rows[1].a, c.rows[1].b), (None, Some(1)));
    check_paths_against_listings(&a, &b, &c);
    // Every path of A is removed, every path of B added.
    assert_eq!(
        c.paths.count(|k| *k == PathDiffKind::Removed),
        a.union.len()
    );
    assert_eq!(c.paths.count(|k| *k == PathDiffKind::Added), b.union.len());
    assert_eq!(c.paths.bytes_a, a.waste.visible_bytes);
    assert_eq!(
        c.paths.net(),
        b.waste.visible_bytes as i64 - a.waste.visible_bytes as i64
    );
}

/// Types, modes, owners and link targets, each changed alone, are each
/// named; a directory that becomes a file takes what was below it away.
#[test]
fn each_field_is_named() {
    let a = analysed(&image(&[(
        &[
            Entry::file("f/type", "x"),
            Entry::file("f/mode", "x"),
            Entry::file("f/owner", "x"),
            Entry::symlink("f/link", "a"),
            Entry::dir("f/dir"),
            Entry::file("f/dir/inside", "y"),
        ],
        Comp::None,
    )]));
    let b = analysed(&image(&[(
        &[
            Entry::dir("f/type"),
            Entry::file("f/mode", "x").mode(0o600),
            Entry::file("f/owner", "x").owner(1000, 1000),
            Entry::symlink("f/link", "b"),
            Entry::file("f/dir", "now a file"),
        ],
        Comp::None,
    )]));
    let c = compare(&a, &b);
    let fields = |p: &str| match c.paths.list.iter().find(|d| d.path == p).map(|d| d.kind) {
        Some(PathDiffKind::Modified(f)) => f.names().join(","),
        other => format!("{other:?}"),
    };
    assert_eq!(fields("f/type"), "type,size,mode");
    assert_eq!(fields("f/mode"), "mode");
    assert_eq!(fields("f/owner"), "uid,gid");
    assert_eq!(fields("f/link"), "link");
    assert_eq!(fields("f/dir"), "type,size,mode");
    assert_eq!(fields("f/dir/inside"), "Some(Removed)");
    check_paths_against_listings(&a, &b, &c);
}
