//! The union (overlay) filesystem, built one layer at a time, and what each
//! layer changed against the union below it. The whiteout *names* are
//! `whiteout.rs`'s; what they *do* is decided here, in two phases per layer,
//! as the OCI image spec says: first the layer's whiteouts and opaque markers
//! remove what the lower layers had, then the layer's entries are written in
//! archive order (a later entry for the same path wins). A non-directory
//! written over a directory replaces the whole subtree; a directory written
//! over a directory keeps its children; hard links share the target's bytes.

use crate::layer_scan::{EntryOp, LayerEntry};
use crate::model::{Change, ChangeKind, Diagnostic, FileKind, Node, Severity};
use crate::path;
use std::collections::{BTreeMap, HashMap};

/// The union filesystem: clean path → node. The root is implicit.
pub type Union = BTreeMap<String, Node>;

/// The keys of `union` strictly below `dir` (everything, for the root).
fn subtree_keys(union: &Union, dir: &str) -> Vec<String> {
    if dir.is_empty() {
        return union.keys().cloned().collect();
    }
    // '0' is the byte after '/', so this range is exactly "dir/...".
    let lo = format!("{dir}/");
    let hi = format!("{dir}0");
    union.range(lo..hi).map(|(k, _)| k.clone()).collect()
}

struct LayerWriter<'a> {
    union: &'a mut Union,
    layer: u32,
    /// The state of every path this layer touched, as it was below the layer.
    before: HashMap<String, Option<Node>>,
    diagnostics: Vec<Diagnostic>,
}

impl LayerWriter<'_> {
    fn touch(&mut self, path: &str) {
        if !self.before.contains_key(path) {
            self.before
                .insert(path.to_string(), self.union.get(path).cloned());
        }
    }

    fn remove_below(&mut self, dir: &str) {
        for key in subtree_keys(self.union, dir) {
            self.touch(&key);
            self.union.remove(&key);
        }
    }

    fn remove(&mut self, path: &str) {
        self.remove_below(path);
        self.touch(path);
        self.union.remove(path);
    }

    fn warn(&mut self, path: &str, message: String) {
        self.diagnostics.push(
            Diagnostic::new(Severity::Warning, message)
                .at_layer(self.layer as usize)
                .at_path(path),
        );
    }

    /// Makes every ancestor of `path` a directory, creating missing ones as a
    /// runtime does (mode 0755, owned by root).
    fn ensure_parents(&mut self, path: &str) {
        for dir in path::ancestors(path)
            .map(str::to_string)
            .collect::<Vec<_>>()
        {
            match self.union.get(&dir) {
                Some(node) if node.is_dir() => {}
                existing => {
                    if let Some(node) = existing {
                        let kind = node.kind.name();
                        self.warn(
                            &dir,
                            format!("a lower layer has a {kind} here but this layer writes below it; read as a directory"),
                        );
                        self.remove(&dir);
                    }
                    self.touch(&dir);
                    self.union.insert(dir, implicit_dir(self.layer));
                }
            }
        }
    }

    /// Creates the missing ancestors of `path`, stopping at one that is not a directory.
    fn create_missing_parents(&mut self, path: &str) {
        for dir in path::ancestors(path) {
            match self.union.get(dir) {
                Some(node) if node.is_dir() => {}
                Some(_) => return,
                None => {
                    self.touch(dir);
                    self.union.insert(dir.to_string(), implicit_dir(self.layer));
                }
            }
        }
    }

    fn put(&mut self, path: &str, node: Node) {
        self.ensure_parents(path);
        if let Some(existing) = self.union.get(path) {
            if existing.is_dir() && !node.is_dir() {
                self.remove_below(path);
            }
        }
        self.touch(path);
        self.union.insert(path.to_string(), node);
    }
}

fn implicit_dir(layer: u32) -> Node {
    Node {
        kind: FileKind::Dir,
        size: 0,
        mode: 0o755,
        uid: 0,
        gid: 0,
        mtime: 0,
        link: None,
        hardlink: None,
        content: 0,
        device: None,
        layer,
        data: None,
        implicit: true,
    }
}

/// Applies one layer's entries to `union` and returns what changed (sorted
/// by path) and the oddities met. Paths rewritten identically come back as
/// [`ChangeKind::Same`]: not a change, but the copy a container now sees.
pub fn apply(
    union: &mut Union,
    layer: u32,
    entries: &[LayerEntry],
) -> (Vec<Change>, Vec<Diagnostic>) {
    let mut w = LayerWriter {
        union,
        layer,
        before: HashMap::new(),
        diagnostics: Vec::new(),
    };

    // Phase 1: whiteouts and opaque markers act on the lower layers only.
    for entry in entries {
        match &entry.op {
            EntryOp::Whiteout => {
                if w.union.contains_key(&entry.path) {
                    w.remove(&entry.path);
                } else if !w.before.contains_key(&entry.path) {
                    w.diagnostics.push(
                        Diagnostic::new(Severity::Info, "whiteout for a path no lower layer has")
                            .at_layer(layer as usize)
                            .at_path(&entry.path),
                    );
                }
            }
            EntryOp::Opaque => {
                match w.union.get(&entry.path) {
                    Some(node) if !node.is_dir() => {
                        let kind = node.kind.name();
                        w.warn(&entry.path.clone(), format!("opaque marker inside a {kind} of a lower layer; read as a directory"));
                        w.remove(&entry.path.clone());
                    }
                    _ => w.remove_below(&entry.path.clone()),
                }
            }
            _ => {}
        }
    }

    // Phase 2: the layer's own entries, in archive order.
    for entry in entries {
        match &entry.op {
            EntryOp::Put(node) => {
                let mut node = node.clone();
                node.layer = layer;
                if let Some(data) = node.data.as_mut() {
                    data.layer = layer;
                }
                w.put(&entry.path, node);
            }
            EntryOp::HardLink { target, node } => {
                if *target == entry.path {
                    w.warn(&entry.path, "hard link to itself; ignored".to_string());
                    continue;
                }
                let linked = match w.union.get(target) {
                    Some(t) if t.is_dir() => {
                        w.warn(
                            &entry.path,
                            format!("hard link to the directory /{target}; ignored"),
                        );
                        continue;
                    }
                    Some(t) => {
                        // A hard link is the same inode: the target's bytes and attributes.
                        let mut n = t.clone();
                        n.layer = layer;
                        n.hardlink = Some(target.clone().into_boxed_str());
                        n.implicit = false;
                        n
                    }
                    None => {
                        w.warn(
                            &entry.path,
                            format!(
                                "hard link to /{target}, which no layer has; read as an empty file"
                            ),
                        );
                        let mut n = node.clone();
                        n.layer = layer;
                        n.hardlink = Some(target.clone().into_boxed_str());
                        n
                    }
                };
                w.put(&entry.path, linked);
            }
            EntryOp::Opaque => {
                // The marker sits in the directory: the layer has that directory.
                if !entry.path.is_empty() && !w.union.contains_key(&entry.path) {
                    w.ensure_parents(&entry.path);
                    w.touch(&entry.path.clone());
                    w.union.insert(entry.path.clone(), implicit_dir(layer));
                }
            }
            // The marker sits in a directory: docker's UnpackLayer and
            // containerd create it if it is missing (but leave a file there alone).
            EntryOp::Whiteout => w.create_missing_parents(&entry.path),
        }
    }

    let LayerWriter {
        union,
        before,
        diagnostics,
        ..
    } = w;
    let mut changes: Vec<Change> = before
        .into_iter()
        .filter_map(|(path, before)| {
            let after = union.get(&path).cloned();
            let kind = match (&before, &after) {
                (None, None) => return None,
                (None, Some(_)) => ChangeKind::Added,
                (Some(_), None) => ChangeKind::Removed,
                (Some(b), Some(a)) => {
                    let fields = a.changed_fields(b);
                    if fields.any() {
                        ChangeKind::Modified(fields)
                    } else if a.layer == b.layer {
                        // Only a parent of something written: untouched.
                        return None;
                    } else {
                        ChangeKind::Same
                    }
                }
            };
            Some(Change {
                path,
                kind,
                before: before.map(Box::new),
                after,
            })
        })
        .collect();
    changes.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    changes.shrink_to_fit();
    (changes, diagnostics)
}

/// Replays recorded changes (as [`apply`] returned them) onto a union: how the
/// union after any layer is rebuilt without keeping a copy per layer.
pub fn replay(union: &mut Union, changes: &[Change]) {
    for change in changes {
        match &change.after {
            Some(node) => {
                union.insert(change.path.clone(), node.clone());
            }
            None => {
                union.remove(&change.path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryRef, Fields};

    fn file(path: &str, content: u64, size: u64) -> LayerEntry {
        LayerEntry {
            path: path.into(),
            op: EntryOp::Put(Node {
                kind: FileKind::Regular,
                size,
                mode: 0o644,
                uid: 0,
                gid: 0,
                mtime: 0,
                link: None,
                hardlink: None,
                content,
                device: None,
                layer: 0,
                data: Some(EntryRef { layer: 0, entry: 0 }),
                implicit: false,
            }),
            stored: size,
        }
    }

    fn dir(path: &str, mode: u32) -> LayerEntry {
        let mut e = file(path, 0, 0);
        if let EntryOp::Put(n) = &mut e.op {
            n.kind = FileKind::Dir;
            n.mode = mode;
            n.data = None;
        }
        e
    }

    fn marker(path: &str, op: EntryOp) -> LayerEntry {
        LayerEntry {
            path: path.into(),
            op,
            stored: 0,
        }
    }

    fn hardlink(path: &str, target: &str) -> LayerEntry {
        let mut e = file(path, 0, 0);
        if let EntryOp::Put(n) = e.op.clone() {
            e.op = EntryOp::HardLink {
                target: target.into(),
                node: n,
            };
        }
        e
    }

    /// Applies layers in order; returns the paths of the final union and each layer's change lines.
    fn check(layers: &[Vec<LayerEntry>]) -> (Vec<String>, Vec<Vec<String>>) {
        let mut union = Union::new();
        let mut all = Vec::new();
        for (i, entries) in layers.iter().enumerate() {
            let (changes, _) = apply(&mut union, i as u32, entries);
            all.push(
                changes
                    .iter()
                    .map(|c| match &c.kind {
                        ChangeKind::Modified(f) => format!("M {} {}", c.path, f.names().join(",")),
                        k => format!("{} {}", k.letter(), c.path),
                    })
                    .collect(),
            );
        }
        (union.keys().cloned().collect(), all)
    }

    #[test]
    fn implicit_parents_are_added() {
        let (paths, changes) = check(&[vec![file("a/b/c", 1, 1)]]);
        assert_eq!(paths, ["a", "a/b", "a/b/c"]);
        assert_eq!(changes[0], ["A a", "A a/b", "A a/b/c"]);
    }

    // image-spec layer.md: "a.wh. file ... indicates that the path should be deleted", with everything below it.
    #[test]
    fn whiteout_removes_a_subtree() {
        let (paths, changes) = check(&[
            vec![
                file("etc/x", 1, 1),
                file("var/cache/a", 1, 5),
                file("var/cache/b/c", 1, 5),
            ],
            vec![marker("var/cache", EntryOp::Whiteout)],
        ]);
        assert_eq!(paths, ["etc", "etc/x", "var"]);
        assert_eq!(
            changes[1],
            [
                "D var/cache",
                "D var/cache/a",
                "D var/cache/b",
                "D var/cache/b/c"
            ]
        );
    }

    // "Whiteout files MUST only apply to resources in lower/parent layers": the same layer's add stays.
    #[test]
    fn whiteout_does_not_hide_the_same_layer() {
        let (paths, changes) = check(&[
            vec![file("f", 1, 1)],
            vec![file("f", 2, 1), marker("f", EntryOp::Whiteout)],
        ]);
        assert_eq!(paths, ["f"]);
        assert_eq!(changes[1], ["M f content"]);
    }

    // ".wh..wh..opq ... indicates that all siblings are hidden in the lower layer"; what the layer adds stays.
    #[test]
    fn opaque_hides_lower_children_only() {
        let (paths, changes) = check(&[
            vec![
                dir("d", 0o755),
                file("d/old", 1, 1),
                file("d/sub/deep", 1, 1),
                file("keep", 1, 1),
            ],
            vec![file("d/new", 2, 1), marker("d", EntryOp::Opaque)],
        ]);
        assert_eq!(paths, ["d", "d/new", "keep"]);
        assert_eq!(
            changes[1],
            ["A d/new", "D d/old", "D d/sub", "D d/sub/deep"]
        );
    }

    #[test]
    fn opaque_for_a_new_directory_creates_it() {
        let (paths, _) = check(&[vec![file("x", 1, 1)], vec![marker("n/d", EntryOp::Opaque)]]);
        assert_eq!(paths, ["n", "n/d", "x"]);
    }

    #[test]
    fn a_file_replacing_a_directory_removes_the_subtree_and_back() {
        let (paths, changes) = check(&[
            vec![file("p/a", 1, 1), file("p/b", 1, 1)],
            vec![file("p", 3, 3)],
            vec![dir("p", 0o700), file("p/c", 1, 1)],
        ]);
        assert_eq!(paths, ["p", "p/c"]);
        assert_eq!(changes[1], ["M p type,size,mode", "D p/a", "D p/b"]);
        assert_eq!(changes[2], ["M p type,size,mode", "A p/c"]);
    }

    // docker's UnpackLayer creates a whiteout's missing parent, but a file in the way stays a file.
    #[test]
    fn whiteout_parents() {
        let (paths, changes) = check(&[
            vec![file("f", 1, 1)],
            vec![
                marker("x/y", EntryOp::Whiteout),
                file("f2", 1, 1),
                marker("f2/z", EntryOp::Whiteout),
            ],
        ]);
        assert_eq!(paths, ["f", "f2", "x"]);
        assert_eq!(changes[1], ["A f2", "A x"]);
    }

    #[test]
    fn directory_over_directory_keeps_children() {
        let (paths, changes) = check(&[
            vec![dir("d", 0o755), file("d/a", 1, 1)],
            vec![dir("d", 0o700)],
        ]);
        assert_eq!(paths, ["d", "d/a"]);
        assert_eq!(changes[1], ["M d mode"]);
    }

    #[test]
    fn identical_rewrite_is_not_a_change_but_is_the_visible_copy() {
        let mut union = Union::new();
        apply(&mut union, 0, &[file("f", 7, 3)]);
        let (changes, _) = apply(&mut union, 1, &[file("f", 7, 3)]);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].kind, ChangeKind::Same);
        assert_eq!(union["f"].layer, 1);
        assert_eq!(union["f"].data, Some(EntryRef { layer: 1, entry: 0 }));
    }

    #[test]
    fn hard_links_take_the_target_from_a_lower_layer() {
        let mut union = Union::new();
        apply(&mut union, 0, &[file("bin/busybox", 9, 100)]);
        let (changes, diags) = apply(&mut union, 1, &[hardlink("bin/sh", "bin/busybox")]);
        assert!(diags.is_empty());
        assert_eq!(changes.len(), 1);
        let sh = &union["bin/sh"];
        assert_eq!((sh.kind, sh.size, sh.content), (FileKind::Regular, 100, 9));
        assert_eq!(sh.data, Some(EntryRef { layer: 0, entry: 0 }));
        assert_eq!(sh.hardlink.as_deref(), Some("bin/busybox"));
    }

    #[test]
    fn oddities_are_diagnostics() {
        let mut union = Union::new();
        let (_, diags) = apply(
            &mut union,
            0,
            &[marker("nope", EntryOp::Whiteout), hardlink("a", "missing")],
        );
        assert_eq!(diags.len(), 2);
        assert!(diags[1].message.contains("no layer has"));
        assert_eq!(union["a"].size, 0);
    }

    #[test]
    fn replay_rebuilds_the_union() {
        let layers = [
            vec![file("a/b", 1, 1), file("c", 1, 1)],
            vec![
                marker("a", EntryOp::Whiteout),
                file("c", 1, 1),
                file("a/z", 2, 2),
            ],
        ];
        let mut live = Union::new();
        let mut replayed = Union::new();
        for (i, l) in layers.iter().enumerate() {
            let (changes, _) = apply(&mut live, i as u32, l);
            replay(&mut replayed, &changes);
            assert_eq!(live, replayed);
        }
        let _ = Fields::default();
    }
}
