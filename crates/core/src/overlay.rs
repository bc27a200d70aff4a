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
            EntryOp::Whiteout => {}
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
                before,
                after,
            })
        })
        .collect();
    changes.sort_unstable_by(|a, b| a.path.cmp(&b.path));
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
