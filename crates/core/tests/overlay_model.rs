//! The union filesystem against a naive reference overlay. Random layer
//! stacks over a small alphabet of paths (so that they collide: files,
//! directories, symlinks, hard links, fifos, devices, whiteouts of present
//! and absent paths, opaque markers, files over directories and directories
//! over files, several entries for one path in one layer) are built into real
//! image archives (`docker save` or OCI, plain, gzip or zstd layers), read by
//! the engine, and compared after every layer with a `BTreeMap` that applies
//! the rules of the OCI image spec (layer.md) plainly:
//!
//! * a layer's whiteouts and opaque markers act on the lower layers only;
//! * then its entries are written in archive order, a later one winning;
//! * a non-directory written over a directory removes the whole subtree, a
//!   directory over a directory keeps the children;
//! * missing parent directories are created 0755 root:root;
//! * a hard link takes its target's attributes and content.
//!
//! Where the spec is silent the model follows the engine's documented choices
//! (overlay.rs): an entry below a non-directory turns it into a directory
//! with a warning; a hard link to a missing path is an empty file with the
//! link header's attributes; a whiteout entry creates its missing parent
//! directories, as docker and containerd do, but leaves a non-directory in
//! the way alone (see `whiteout_of_a_path_whose_directory_no_layer_has`).
//!
//! Also checked: each layer's changes, the union rebuilt by `union_at`, the
//! overlay's warnings, and the exact waste figures.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use layerscope_core::fs::overlay::Union;
use layerscope_core::{Analysis, ChangeKind, FileKind, Node, Severity};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use support::*;

// ---------------------------------------------------------------------------
// The reference overlay
// ---------------------------------------------------------------------------

/// A path's state in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
struct M {
    kind: FileKind,
    mode: u32,
    uid: u64,
    gid: u64,
    size: u64,
    /// The content of a regular file; `None` for a hard link whose target is missing.
    bytes: Option<Vec<u8>>,
    link: Option<String>,
    hardlink: Option<String>,
    device: Option<(u32, u32)>,
    /// The layer that wrote this state.
    layer: u32,
    /// The (layer, entry) whose bytes a regular file shows.
    data: Option<(u32, u32)>,
    implicit: bool,
}

type Fs = BTreeMap<String, M>;

fn implicit_dir(layer: u32) -> M {
    M {
        kind: FileKind::Dir,
        mode: 0o755,
        uid: 0,
        gid: 0,
        size: 0,
        bytes: None,
        link: None,
        hardlink: None,
        device: None,
        layer,
        data: None,
        implicit: true,
    }
}

fn is_below(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || (path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/')
}

fn remove_below(fs: &mut Fs, dir: &str) {
    fs.retain(|p, _| !is_below(p, dir));
}

fn remove_tree(fs: &mut Fs, path: &str) {
    fs.remove(path);
    remove_below(fs, path);
}

/// One layer applied to the model: returns the warnings as (path) in order.
struct Applier<'a> {
    fs: &'a mut Fs,
    layer: u32,
    warnings: Vec<String>,
}

impl Applier<'_> {
    fn make_parents(&mut self, path: &str) {
        let parts: Vec<&str> = path.split('/').collect();
        for n in 1..parts.len() {
            let dir = parts[..n].join("/");
            match self.fs.get(&dir) {
                Some(m) if m.kind == FileKind::Dir => {}
                Some(_) => {
                    self.warnings.push(dir.clone());
                    remove_tree(self.fs, &dir);
                    self.fs.insert(dir, implicit_dir(self.layer));
                }
                None => {
                    self.fs.insert(dir, implicit_dir(self.layer));
                }
            }
        }
    }

    /// For a whiteout: missing directories are made; a file in the way stops it (docker leaves it).
    fn make_missing_parents(&mut self, path: &str) {
        let parts: Vec<&str> = path.split('/').collect();
        for n in 1..parts.len() {
            let dir = parts[..n].join("/");
            match self.fs.get(&dir) {
                Some(m) if m.kind == FileKind::Dir => {}
                Some(_) => return,
                None => {
                    self.fs.insert(dir, implicit_dir(self.layer));
                }
            }
        }
    }

    fn put(&mut self, path: &str, m: M) {
        self.make_parents(path);
        if m.kind != FileKind::Dir && self.fs.get(path).is_some_and(|o| o.kind == FileKind::Dir) {
            remove_below(self.fs, path);
        }
        self.fs.insert(path.to_string(), m);
    }
}

fn apply_layer(fs: &mut Fs, layer: u32, entries: &[GenEntry]) -> Vec<String> {
    // Phase 1: whiteouts and opaque markers, against the lower layers.
    let mut a = Applier {
        fs,
        layer,
        warnings: Vec::new(),
    };
    for e in entries {
        match &e.op {
            Op::Whiteout => remove_tree(a.fs, &e.path),
            Op::Opaque => match a.fs.get(&e.path) {
                Some(m) if m.kind != FileKind::Dir => {
                    a.warnings.push(e.path.clone());
                    remove_tree(a.fs, &e.path);
                }
                _ => remove_below(a.fs, &e.path),
            },
            _ => {}
        }
    }
    // Phase 2: the entries, in archive order.
    for (index, e) in entries.iter().enumerate() {
        let here = (layer, index as u32);
        let (mode, uid, gid) = (e.mode, e.owner.0, e.owner.1);
        let base = M {
            kind: FileKind::Regular,
            mode,
            uid,
            gid,
            size: 0,
            bytes: None,
            link: None,
            hardlink: None,
            device: None,
            layer,
            data: None,
            implicit: false,
        };
        match &e.op {
            Op::File(c) => {
                let bytes = CONTENTS[*c as usize].to_vec();
                a.put(
                    &e.path,
                    M {
                        size: bytes.len() as u64,
                        bytes: Some(bytes),
                        data: Some(here),
                        ..base
                    },
                );
            }
            Op::Dir => a.put(
                &e.path,
                M {
                    kind: FileKind::Dir,
                    ..base
                },
            ),
            Op::Symlink(t) => a.put(
                &e.path,
                M {
                    kind: FileKind::Symlink,
                    link: Some(LINK_TARGETS[*t as usize].to_string()),
                    ..base
                },
            ),
            Op::Fifo => a.put(
                &e.path,
                M {
                    kind: FileKind::Fifo,
                    ..base
                },
            ),
            Op::Char => a.put(
                &e.path,
                M {
                    kind: FileKind::Char,
                    device: Some((1, 3)),
                    ..base
                },
            ),
            Op::HardLink(target) => {
                if *target == e.path {
                    a.warnings.push(e.path.clone());
                    continue;
                }
                match a.fs.get(target) {
                    Some(t) if t.kind == FileKind::Dir => a.warnings.push(e.path.clone()),
                    Some(t) => {
                        let m = M {
                            layer,
                            hardlink: Some(target.clone()),
                            implicit: false,
                            ..t.clone()
                        };
                        a.put(&e.path, m);
                    }
                    None => {
                        a.warnings.push(e.path.clone());
                        a.put(
                            &e.path,
                            M {
                                hardlink: Some(target.clone()),
                                ..base
                            },
                        );
                    }
                }
            }
            Op::Opaque => {
                if !e.path.is_empty() && !a.fs.contains_key(&e.path) {
                    a.make_parents(&e.path);
                    a.fs.insert(e.path.clone(), implicit_dir(layer));
                }
            }
            Op::Whiteout => a.make_missing_parents(&e.path),
        }
    }
    a.warnings
}

/// The fields in which `new` differs from `old`, named as `Fields::names` names them.
fn changed_fields(new: &M, old: &M) -> Vec<&'static str> {
    let mut out = Vec::new();
    let both_regular = new.kind == FileKind::Regular && old.kind == FileKind::Regular;
    for (on, name) in [
        (new.kind != old.kind, "type"),
        (new.size != old.size, "size"),
        (new.mode != old.mode, "mode"),
        (new.uid != old.uid, "uid"),
        (new.gid != old.gid, "gid"),
        (new.link != old.link, "link"),
        (
            (both_regular && new.bytes != old.bytes) || new.device != old.device,
            "content",
        ),
    ] {
        if on {
            out.push(name);
        }
    }
    out
}

/// What a layer changed: (path, letter, changed fields), by path.
fn model_changes(before: &Fs, after: &Fs, layer: u32) -> Vec<(String, char, Vec<&'static str>)> {
    let mut out = Vec::new();
    let paths: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for p in paths {
        match (before.get(p), after.get(p)) {
            (None, Some(_)) => out.push((p.clone(), 'A', Vec::new())),
            (Some(_), None) => out.push((p.clone(), 'D', Vec::new())),
            (Some(b), Some(a)) if a.layer == layer => {
                let f = changed_fields(a, b);
                let letter = if f.is_empty() { '=' } else { 'M' };
                out.push((p.clone(), letter, f));
            }
            (Some(b), Some(a)) => assert_eq!(a, b, "the model changed {p} without writing it"),
            (None, None) => unreachable!(),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Comparing the engine with the model
// ---------------------------------------------------------------------------

/// The attributes the model knows, as both sides are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attrs {
    kind: FileKind,
    mode: u32,
    uid: u64,
    gid: u64,
    size: u64,
    link: Option<String>,
    hardlink: Option<String>,
    device: Option<(u32, u32)>,
    layer: u32,
    data: Option<(u32, u32)>,
    implicit: bool,
}

fn engine_node(n: &Node) -> Attrs {
    Attrs {
        kind: n.kind,
        mode: n.mode.into(),
        uid: n.uid.into(),
        gid: n.gid.into(),
        size: n.size,
        link: n.link().map(str::to_string),
        hardlink: n.hardlink().map(str::to_string),
        device: n.device(),
        layer: n.layer,
        data: n.data.map(|d| (d.layer, d.entry())),
        implicit: n.implicit,
    }
}

fn model_node(m: &M) -> Attrs {
    Attrs {
        kind: m.kind,
        mode: m.mode,
        uid: m.uid,
        gid: m.gid,
        size: m.size,
        link: m.link.clone(),
        hardlink: m.hardlink.clone(),
        device: m.device,
        layer: m.layer,
        data: m.data,
        implicit: m.implicit,
    }
}

fn same_union(what: &str, an: &Analysis, union: &Union, model: &Fs) -> Result<(), TestCaseError> {
    let engine: BTreeMap<String, Node> = an
        .listing(union)
        .into_iter()
        .map(|(p, n)| (p, n.clone()))
        .collect();
    let engine = &engine;
    let ek: Vec<&String> = engine.keys().collect();
    let mk: Vec<&String> = model.keys().collect();
    prop_assert_eq!(ek, mk, "{}: the paths differ", what);
    for (p, n) in engine {
        prop_assert_eq!(engine_node(n), model_node(&model[p]), "{}: /{}", what, p);
    }
    // Equal bytes, equal content hash: the hash is of the bytes.
    let regular: Vec<(&M, &Node)> = model
        .iter()
        .filter(|(_, m)| m.kind == FileKind::Regular)
        .map(|(p, m)| (m, &engine[p]))
        .collect();
    for (m1, n1) in &regular {
        for (m2, n2) in &regular {
            prop_assert_eq!(
                m1.bytes == m2.bytes,
                n1.content == n2.content,
                "{}: content hashes",
                what
            );
        }
    }
    Ok(())
}

fn check(stack: &Stack) -> Result<(), TestCaseError> {
    let bytes = stack.archive();
    let an: Analysis = match run_way(0, &bytes) {
        Ok(a) => a,
        Err(e) => return Err(TestCaseError::fail(format!("the engine failed: {e}"))),
    };
    prop_assert_eq!(an.layers.len(), stack.layers.len());
    prop_assert!(!an.has_errors(), "{:#?}", an.diagnostics);

    let mut fs = Fs::new();
    let mut warnings: Vec<(usize, String)> = Vec::new();
    for (i, entries) in stack.layers.iter().enumerate() {
        let before = fs.clone();
        for w in apply_layer(&mut fs, i as u32, entries) {
            warnings.push((i, w));
        }
        let what = format!("after layer {i}");
        same_union(&what, &an, &an.union_at(i), &fs)?;
        let expected = model_changes(&before, &fs, i as u32);
        let actual: Vec<(String, char, Vec<&'static str>)> = an.layers[i]
            .changes
            .iter()
            .map(|c| {
                let fields = match c.kind {
                    ChangeKind::Modified(f) => f.names(),
                    _ => Vec::new(),
                };
                (an.path(c.path), c.kind.letter(), fields)
            })
            .collect();
        prop_assert_eq!(actual, expected, "changes of layer {}", i);
        // Each change's before and after are the states on either side.
        for c in &an.layers[i].changes {
            let path = an.path(c.path);
            prop_assert_eq!(
                an.before(c).map(engine_node),
                before.get(&path).map(model_node),
                "before of /{}",
                path
            );
            prop_assert_eq!(
                an.after(c).map(engine_node),
                fs.get(&path).map(model_node),
                "after of /{}",
                path
            );
        }
        prop_assert_eq!(an.layers[i].entries, entries.len());
        let size: u64 = entries
            .iter()
            .map(|e| match e.op {
                Op::File(c) => CONTENTS[c as usize].len() as u64,
                _ => 0,
            })
            .sum();
        prop_assert_eq!(an.layers[i].size, size, "size of layer {}", i);
    }
    same_union("the final union", &an, &an.union, &fs)?;

    // The overlay's warnings, exactly.
    let mut engine_warnings: Vec<(usize, String)> = an
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| {
            (
                d.layer.unwrap_or(usize::MAX),
                d.path.clone().unwrap_or_default(),
            )
        })
        .collect();
    engine_warnings.sort();
    warnings.sort();
    prop_assert_eq!(engine_warnings, warnings, "warnings: {:#?}", an.diagnostics);

    // Waste: every stored copy is visible or wasted, nothing twice.
    let mut stored = 0u64;
    let mut per_layer = vec![0u64; stack.layers.len()];
    let shown: BTreeSet<(u32, u32)> = fs
        .values()
        .filter(|m| m.kind == FileKind::Regular)
        .filter_map(|m| m.data)
        .collect();
    let mut visible = 0u64;
    for (i, entries) in stack.layers.iter().enumerate() {
        for (j, e) in entries.iter().enumerate() {
            if let Op::File(c) = e.op {
                let n = CONTENTS[c as usize].len() as u64;
                stored += n;
                if shown.contains(&(i as u32, j as u32)) {
                    visible += n;
                } else {
                    per_layer[i] += n;
                }
            }
        }
    }
    let w = &an.waste;
    prop_assert_eq!(w.stored_bytes, w.visible_bytes + w.wasted_bytes);
    prop_assert_eq!(w.stored_bytes, stored);
    prop_assert_eq!(w.visible_bytes, visible);
    prop_assert_eq!(&w.per_layer, &per_layer);
    prop_assert_eq!(
        w.paths.iter().map(|p| p.wasted_bytes).sum::<u64>(),
        w.wasted_bytes
    );
    for (i, l) in an.layers.iter().enumerate() {
        prop_assert_eq!(l.wasted_bytes, per_layer[i]);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Random stacks
// ---------------------------------------------------------------------------

/// Paths that collide: parents and children of each other.
const PATHS: &[&str] = &[
    "a", "b", "c", "a/a", "a/b", "a/c", "b/a", "b/b", "c/a", "a/a/a", "a/a/b", "a/b/a", "b/a/a",
];
/// Two of the same size with different bytes, so that only the content differs.
const CONTENTS: &[&[u8]] = &[b"", b"x", b"xy", b"ab", b"hello world"];
const LINK_TARGETS: &[&str] = &["a", "../b", "/c/a", "nowhere"];
const MODES: &[u32] = &[0o644, 0o755, 0o600];
const OWNERS: &[(u64, u64)] = &[(0, 0), (1000, 1000), (0, 50)];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    File(u8),
    Dir,
    Symlink(u8),
    HardLink(String),
    Fifo,
    Char,
    Whiteout,
    Opaque,
}

#[derive(Debug, Clone)]
struct GenEntry {
    /// Clean path; `""` only for an opaque marker of the root.
    path: String,
    op: Op,
    mode: u32,
    owner: (u64, u64),
    mtime: u64,
}

impl GenEntry {
    fn entry(&self) -> Entry {
        let e = match &self.op {
            Op::File(c) => Entry::file(&self.path, CONTENTS[*c as usize]),
            Op::Dir => Entry::dir(&self.path),
            Op::Symlink(t) => Entry::symlink(&self.path, LINK_TARGETS[*t as usize]),
            Op::HardLink(t) => Entry::hardlink(&self.path, t),
            Op::Fifo => Entry::fifo(&self.path),
            Op::Char => Entry::chardev(&self.path, 1, 3),
            Op::Whiteout => return Entry::whiteout(&self.path),
            Op::Opaque => return Entry::opaque(&self.path),
        };
        e.mode(self.mode)
            .owner(self.owner.0, self.owner.1)
            .mtime(self.mtime)
    }
}

#[derive(Debug, Clone)]
struct Stack {
    layers: Vec<Vec<GenEntry>>,
    comps: Vec<Comp>,
    docker: bool,
}

impl Stack {
    fn archive(&self) -> Vec<u8> {
        let mut spec = ImageSpec::new();
        for (entries, comp) in self.layers.iter().zip(&self.comps) {
            let entries: Vec<Entry> = entries.iter().map(GenEntry::entry).collect();
            spec = spec.layer_comp(&entries, *comp);
        }
        if self.docker {
            spec.docker_save().tar()
        } else {
            spec.oci().tar()
        }
    }
}

fn path() -> impl Strategy<Value = String> {
    prop::sample::select(PATHS).prop_map(str::to_string)
}

fn gen_entry() -> impl Strategy<Value = GenEntry> {
    let op = prop_oneof![
        5 => (0..CONTENTS.len() as u8).prop_map(Op::File),
        3 => Just(Op::Dir),
        1 => (0..LINK_TARGETS.len() as u8).prop_map(Op::Symlink),
        2 => path().prop_map(Op::HardLink),
        1 => Just(Op::Fifo),
        1 => Just(Op::Char),
        3 => Just(Op::Whiteout),
        2 => Just(Op::Opaque),
    ];
    (
        op,
        path(),
        prop::sample::select(MODES),
        prop::sample::select(OWNERS),
        0..2u64,
        0..20u8,
    )
        .prop_map(|(op, path, mode, owner, mtime, root)| {
            // Now and then, the opaque marker of the root itself.
            let path = if op == Op::Opaque && root == 0 {
                String::new()
            } else {
                path
            };
            GenEntry {
                path,
                op,
                mode,
                owner,
                mtime: 1_700_000_000 + mtime,
            }
        })
}

fn comp() -> impl Strategy<Value = Comp> {
    prop_oneof![3 => Just(Comp::None), 1 => Just(Comp::Gzip), 1 => Just(Comp::Zstd)]
}

fn stack() -> impl Strategy<Value = Stack> {
    (1..=4usize)
        .prop_flat_map(|n| {
            (
                prop::collection::vec(prop::collection::vec(gen_entry(), 0..=7), n),
                prop::collection::vec(comp(), n),
                any::<bool>(),
            )
        })
        .prop_map(|(layers, comps, docker)| Stack {
            layers,
            comps,
            docker,
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        // Deterministic: the same cases on every run and machine.
        rng_algorithm: prop::test_runner::RngAlgorithm::ChaCha,
        rng_seed: prop::test_runner::RngSeed::Fixed(0x1a7e_5c0e),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_union_matches_the_reference_overlay(s in stack()) {
        check(&s)?;
    }
}

// ---------------------------------------------------------------------------
// Fixed cases (each rule on its own, readable when one breaks)
// ---------------------------------------------------------------------------

fn e(path: &str, op: Op) -> GenEntry {
    GenEntry {
        path: path.into(),
        op,
        mode: 0o644,
        owner: (0, 0),
        mtime: 1_700_000_000,
    }
}

fn check_fixed(layers: Vec<Vec<GenEntry>>) {
    for docker in [false, true] {
        let n = layers.len();
        let s = Stack {
            layers: layers.clone(),
            comps: vec![Comp::None; n],
            docker,
        };
        if let Err(err) = check(&s) {
            panic!("docker={docker}: {err}");
        }
        // And the same stack reads the same every way.
        analyze_every_way(&s.archive()).unwrap();
    }
}

#[test]
fn whiteouts_apply_to_lower_layers_only() {
    check_fixed(vec![
        vec![e("a/a", Op::File(1))],
        // The whiteout comes after the new file in the archive: it still
        // deletes only the lower copy.
        vec![e("a/a", Op::File(2)), e("a/a", Op::Whiteout)],
    ]);
}

#[test]
fn opaque_directory_hides_lower_children_but_keeps_its_own() {
    check_fixed(vec![
        vec![e("a/a", Op::File(1)), e("a/b", Op::File(2))],
        vec![e("a/c", Op::File(3)), e("a", Op::Opaque)],
    ]);
}

#[test]
fn file_over_directory_and_directory_over_file() {
    check_fixed(vec![
        vec![e("a/a/a", Op::File(1)), e("b", Op::File(2))],
        vec![e("a", Op::File(3)), e("b", Op::Dir), e("b/a", Op::File(4))],
        vec![e("a/b", Op::File(1))],
    ]);
}

#[test]
fn hard_links_share_their_target() {
    check_fixed(vec![
        vec![e("a", Op::File(4)), e("b", Op::HardLink("a".into()))],
        vec![
            e("a", Op::Whiteout),
            e("c", Op::HardLink("b".into())),
            e("c/a", Op::HardLink("zz".into())),
        ],
    ]);
}

#[test]
fn duplicate_entries_in_one_layer_last_wins() {
    check_fixed(vec![vec![
        e("a", Op::File(1)),
        e("a", Op::Dir),
        e("a/b", Op::File(2)),
        e("a", Op::File(3)),
        e("a", Op::File(3)),
    ]]);
}

#[test]
fn identical_rewrite_is_same_not_modified() {
    check_fixed(vec![
        vec![e("a", Op::File(2)), e("b", Op::Dir)],
        vec![e("a", Op::File(2)), e("b", Op::Dir)],
        vec![e("a", Op::File(3))],
    ]);
}

/// Docker (pkg/archive `UnpackLayer`) and containerd create the parent
/// directory of every entry before looking at its name, whiteouts included:
/// `x/.wh.y` in a layer whose lower layers have no `x` leaves an empty
/// directory `x`.
#[test]
fn whiteout_of_a_path_whose_directory_no_layer_has() {
    let spec = ImageSpec::new()
        .layer(&[Entry::file("f", "1")])
        .layer(&[Entry::whiteout("x/y")]);
    let an = analyze_every_way(&spec.oci().tar()).unwrap();
    let x = an.file("x").expect("/x exists after the layer");
    assert_eq!((x.kind, x.mode, x.uid, x.gid), (FileKind::Dir, 0o755, 0, 0));
}
