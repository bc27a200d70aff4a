//! The union (overlay) filesystem, built one layer at a time, and what each
//! layer changed against the union below it. The whiteout *names* are
//! `whiteout.rs`'s; what they *do* is decided here, in two phases per layer,
//! as the OCI image spec says: first the layer's whiteouts and opaque markers
//! remove what the lower layers had, then the layer's entries are written in
//! archive order (a later entry for the same path wins). A non-directory
//! written over a directory replaces the whole subtree; a directory written
//! over a directory keeps its children; hard links share the target's bytes.

use super::entries::{Entries, EntryOp, OpKind};
use super::node::{Change, ChangeKind, Node, NodeId};
use super::paths::{PathId, Paths};
use crate::diagnostic::{Capped, Diagnostic, Severity};
use std::collections::HashMap;

/// Every path and every node an analysis met. Nodes are only ever added: a
/// layer that changes a path adds a new node, so the union after any layer
/// and every change can point at nodes instead of copying them.
#[derive(Debug, Clone, Default)]
pub struct Files {
    pub paths: Paths,
    /// In chunks of [`CHUNK`]: the arena grows without ever copying itself
    /// or holding twice its size, as one doubling vector would.
    nodes: Vec<Vec<Node>>,
}

const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;

impl Files {
    pub fn new() -> Files {
        Files::default()
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index() >> CHUNK_BITS][id.index() & (CHUNK - 1)]
    }

    pub fn add(&mut self, node: Node) -> NodeId {
        if self.nodes.last().is_none_or(|c| c.len() == CHUNK) {
            self.nodes.push(Vec::with_capacity(CHUNK));
        }
        let full = (self.nodes.len() - 1) * CHUNK;
        let last = self.nodes.last_mut().expect("a chunk was just made");
        last.push(node);
        NodeId::new(full + last.len() - 1)
    }

    /// The clean path of an id (no leading `/`).
    pub fn path(&self, id: PathId) -> String {
        self.paths.path(id)
    }

    /// Drops spare capacity, once no more layers come.
    pub fn shrink_to_fit(&mut self) {
        if let Some(last) = self.nodes.last_mut() {
            last.shrink_to_fit();
        }
    }
}

/// The union filesystem: the node each path shows. The root is implicit.
#[derive(Debug, Clone, Default)]
pub struct Union {
    by_path: Vec<Option<NodeId>>,
    len: usize,
}

impl Union {
    pub fn new() -> Union {
        Union::default()
    }

    pub fn get(&self, path: PathId) -> Option<NodeId> {
        self.by_path.get(path.index()).copied().flatten()
    }

    pub fn contains(&self, path: PathId) -> bool {
        self.get(path).is_some()
    }

    pub fn set(&mut self, path: PathId, node: NodeId) {
        let i = path.index();
        if i >= self.by_path.len() {
            self.by_path.resize(i + 1, None);
        }
        if self.by_path[i].replace(node).is_none() {
            self.len += 1;
        }
    }

    pub fn remove(&mut self, path: PathId) -> Option<NodeId> {
        let old = self.get(path)?;
        self.by_path[path.index()] = None;
        self.len -= 1;
        Some(old)
    }

    /// Paths in the union (the root not counted).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every path and its node, in id order (not path order: see [`Union::sorted`]).
    pub fn iter(&self) -> impl Iterator<Item = (PathId, NodeId)> + '_ {
        self.by_path
            .iter()
            .enumerate()
            .filter_map(|(p, n)| Some((PathId(p as u32), (*n)?)))
    }

    /// Every path and its node, sorted by the bytes of the path.
    pub fn sorted(&self, paths: &Paths) -> Vec<(PathId, NodeId)> {
        let mut all: Vec<_> = self.iter().collect();
        all.sort_unstable_by(|a, b| paths.cmp(a.0, b.0));
        all
    }
}

impl PartialEq for Union {
    fn eq(&self, other: &Union) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Union {}

struct LayerWriter<'a> {
    files: &'a mut Files,
    union: &'a mut Union,
    layer: u32,
    /// The state of every path this layer touched, as it was below the layer.
    before: HashMap<PathId, Option<NodeId>>,
    diagnostics: Capped,
}

impl LayerWriter<'_> {
    fn node(&self, path: PathId) -> Option<&Node> {
        self.union.get(path).map(|n| self.files.node(n))
    }

    fn touch(&mut self, path: PathId) {
        if !self.before.contains_key(&path) {
            self.before.insert(path, self.union.get(path));
        }
    }

    /// Removes everything strictly below `dir` (everything, for the root).
    fn remove_below(&mut self, dir: PathId) {
        // A union is a tree: only children it has can have children in it.
        let mut stack: Vec<PathId> = vec![dir];
        while let Some(d) = stack.pop() {
            let kids: Vec<PathId> = self
                .files
                .paths
                .children(d)
                .filter(|c| self.union.contains(*c))
                .collect();
            for kid in kids {
                self.touch(kid);
                self.union.remove(kid);
                stack.push(kid);
            }
        }
    }

    fn remove(&mut self, path: PathId) {
        self.remove_below(path);
        self.touch(path);
        self.union.remove(path);
    }

    /// A warning at `path`; `kind` names what is odd (see [`Capped`]).
    fn warn(&mut self, kind: &'static str, path: PathId, message: String) {
        self.diagnostics.push(
            kind,
            Diagnostic::new(Severity::Warning, message)
                .at_layer(self.layer as usize)
                .at_path(self.files.path(path)),
        );
    }

    fn add_implicit_dir(&mut self, dir: PathId) {
        let n = self.files.add(Node::implicit_dir(self.layer));
        self.touch(dir);
        self.union.set(dir, n);
    }

    /// `path`'s ancestors below its nearest ancestor that is a directory of
    /// the union, outermost first (the root excluded); usually none. Above a
    /// directory of the union there are only directories (it is a tree), so
    /// nothing higher needs looking at, and nothing is allocated for the
    /// common entry whose directory exists.
    fn ancestors(&self, path: PathId) -> Vec<PathId> {
        let mut out = Vec::new();
        let mut p = self.files.paths.parent(path);
        while let Some(d) = p.filter(|d| *d != PathId::ROOT) {
            if self.node(d).is_some_and(Node::is_dir) {
                break;
            }
            out.push(d);
            p = self.files.paths.parent(d);
        }
        out.reverse();
        out
    }

    /// Makes every ancestor of `path` a directory, creating missing ones as a
    /// runtime does (mode 0755, owned by root).
    fn ensure_parents(&mut self, path: PathId) {
        for dir in self.ancestors(path) {
            match self.node(dir).map(|n| (n.kind, n.layer)) {
                Some((super::node::FileKind::Dir, _)) => {}
                existing => {
                    if let Some((kind, layer)) = existing {
                        let kind = kind.name();
                        // A symlink is not followed: the layer's names are
                        // what it writes (runtimes that resolve them differ).
                        let whose = if layer == self.layer {
                            "this layer wrote"
                        } else {
                            "a lower layer has"
                        };
                        self.warn(
                            "a non-directory written below",
                            dir,
                            format!("{whose} a {kind} here but this layer writes below it; read as a directory"),
                        );
                        self.remove(dir);
                    }
                    self.add_implicit_dir(dir);
                }
            }
        }
    }

    /// Creates the missing ancestors of `path`, stopping at one that is not a directory.
    fn create_missing_parents(&mut self, path: PathId) {
        for dir in self.ancestors(path) {
            match self.node(dir) {
                Some(node) if node.is_dir() => {}
                Some(_) => return,
                None => self.add_implicit_dir(dir),
            }
        }
    }

    fn put(&mut self, path: PathId, node: Node) {
        self.ensure_parents(path);
        if let Some(existing) = self.node(path) {
            if existing.is_dir() && !node.is_dir() {
                self.remove_below(path);
            }
        }
        self.touch(path);
        let n = self.files.add(node);
        self.union.set(path, n);
    }
}

/// Applies one layer's entries to `union` and returns what changed (sorted
/// by path) and the oddities met. Paths rewritten identically come back as
/// [`ChangeKind::Same`]: not a change, but the copy a container now sees.
pub fn apply(
    files: &mut Files,
    union: &mut Union,
    layer: u32,
    entries: &Entries,
) -> (Vec<Change>, Vec<Diagnostic>) {
    let mut w = LayerWriter {
        files,
        union,
        layer,
        before: HashMap::new(),
        diagnostics: Capped::default(),
    };

    // Phase 1: whiteouts and opaque markers act on the lower layers only.
    // A directory made opaque twice in one layer is emptied once: hiding its
    // lower children walks every child it ever had, so a layer of 100k
    // markers for one directory would otherwise take 100k walks.
    let mut opaque_done = std::collections::HashSet::new();
    for entry in entries.iter() {
        match entry.kind() {
            OpKind::Whiteout => {
                let path = w.files.paths.get(entry.path);
                match path {
                    Some(p) if w.union.contains(p) => w.remove(p),
                    Some(p) if w.before.contains_key(&p) => {}
                    _ => w.diagnostics.push(
                        "a whiteout for a path no lower layer has",
                        Diagnostic::new(Severity::Info, "whiteout for a path no lower layer has")
                            .at_layer(layer as usize)
                            .at_path(entry.path),
                    ),
                }
            }
            OpKind::Opaque => {
                let Some(p) = w.files.paths.get(entry.path) else {
                    continue;
                };
                if !opaque_done.insert(p) {
                    continue;
                }
                match w.node(p).map(|n| n.kind) {
                    Some(kind) if kind != super::node::FileKind::Dir => {
                        w.warn(
                            "an opaque marker inside a non-directory",
                            p,
                            format!(
                                "opaque marker inside a {} of a lower layer; read as a directory",
                                kind.name()
                            ),
                        );
                        w.remove(p);
                    }
                    _ => w.remove_below(p),
                }
            }
            _ => {}
        }
    }

    // Phase 2: the layer's own entries, in archive order.
    let mut written = None;
    for entry in entries.iter() {
        match entry.op() {
            EntryOp::Put(mut node) => {
                node.layer = layer;
                if let Some(data) = node.data.as_mut() {
                    data.layer = layer;
                }
                let path = w.files.paths.intern(entry.path);
                w.put(path, node);
            }
            EntryOp::HardLink { target, node } => {
                let path = w.files.paths.intern(entry.path);
                if &*target == entry.path {
                    w.warn(
                        "a hard link to itself",
                        path,
                        "hard link to itself; ignored".to_string(),
                    );
                    continue;
                }
                let target_node = w
                    .files
                    .paths
                    .get(&target)
                    .and_then(|t| w.union.get(t))
                    .map(|n| w.files.node(n).clone());
                let linked = match target_node {
                    Some(t) if t.is_dir() => {
                        w.warn(
                            "a hard link to a directory",
                            path,
                            format!("hard link to the directory /{target}; ignored"),
                        );
                        continue;
                    }
                    Some(t) => {
                        // A hard link is the same inode: the target's bytes and attributes.
                        let mut n = t;
                        n.layer = layer;
                        n.set_hardlink(Some(&target));
                        n.implicit = false;
                        n
                    }
                    None => {
                        // Only worth knowing when a link's target is missing.
                        let written = written.get_or_insert_with(|| {
                            entries
                                .iter()
                                .filter(|e| matches!(e.kind(), OpKind::Put | OpKind::HardLink))
                                .map(|e| e.path)
                                .collect::<std::collections::HashSet<&str>>()
                        });
                        let (kind, message) = if written.contains(&*target) {
                            (
                                "a hard link to a path the layer writes after it",
                                format!("hard link to /{target}, which this layer writes only after the link (Docker refuses such a layer: a target must come first); read as an empty file"),
                            )
                        } else {
                            (
                                "a hard link to a missing path",
                                format!("hard link to /{target}, which no layer has; read as an empty file"),
                            )
                        };
                        w.warn(kind, path, message);
                        let mut n = node;
                        n.layer = layer;
                        n.set_hardlink(Some(&target));
                        n
                    }
                };
                w.put(path, linked);
            }
            EntryOp::Opaque => {
                // The marker sits in the directory: the layer has that directory.
                let path = w.files.paths.intern(entry.path);
                if path != PathId::ROOT && !w.union.contains(path) {
                    w.ensure_parents(path);
                    w.add_implicit_dir(path);
                }
            }
            // The marker sits in a directory: docker's UnpackLayer and
            // containerd create it if it is missing (but leave a file there alone).
            EntryOp::Whiteout => {
                let path = w.files.paths.intern(entry.path);
                w.create_missing_parents(path);
            }
        }
    }

    let LayerWriter {
        files,
        union,
        before,
        diagnostics,
        ..
    } = w;
    let diagnostics = diagnostics.finish();
    let mut changes: Vec<Change> = Vec::with_capacity(before.len());
    changes.extend(before.into_iter().filter_map(|(path, before)| {
        let after = union.get(path);
        let kind = match (before, after) {
            (None, None) => return None,
            (None, Some(_)) => ChangeKind::Added,
            (Some(_), None) => ChangeKind::Removed,
            (Some(b), Some(a)) => {
                let (b, a) = (files.node(b), files.node(a));
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
    }));
    changes.sort_unstable_by(|a, b| files.paths.cmp(a.path, b.path));
    changes.shrink_to_fit();
    (changes, diagnostics)
}

/// Replays recorded changes (as [`apply`] returned them) onto a union: how the
/// union after any layer is rebuilt without keeping a copy per layer.
pub fn replay(union: &mut Union, changes: &[Change]) {
    for change in changes {
        match change.after {
            Some(node) => union.set(change.path, node),
            None => {
                union.remove(change.path);
            }
        }
    }
}

/// The change to `path` in one layer's changes (sorted as [`apply`] sorts them).
pub fn find_change<'c>(paths: &Paths, changes: &'c [Change], path: PathId) -> Option<&'c Change> {
    changes
        .binary_search_by(|c| paths.cmp(c.path, path))
        .ok()
        .map(|i| &changes[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::node::{EntryRef, Fields, FileKind};

    /// A test's entry: path, what it does, bytes stored.
    type E = (String, EntryOp, u64);

    fn file(path: &str, content: u64, size: u64) -> E {
        (
            path.into(),
            EntryOp::Put(Node {
                kind: FileKind::Regular,
                size,
                mode: 0o644,
                uid: 0,
                gid: 0,
                content,
                layer: 0,
                data: Some(EntryRef::new(0, 0)),
                implicit: false,
                extra: None,
            }),
            size,
        )
    }

    fn dir(path: &str, mode: u16) -> E {
        let mut e = file(path, 0, 0);
        if let EntryOp::Put(n) = &mut e.1 {
            n.kind = FileKind::Dir;
            n.mode = mode;
            n.data = None;
        }
        e
    }

    fn marker(path: &str, op: EntryOp) -> E {
        (path.into(), op, 0)
    }

    fn hardlink(path: &str, target: &str) -> E {
        let mut e = file(path, 0, 0);
        if let EntryOp::Put(n) = e.1.clone() {
            e.1 = EntryOp::HardLink {
                target: target.into(),
                node: n,
            };
        }
        e
    }

    /// Applies layers in order; returns the paths of the final union and each layer's change lines.
    fn check(layers: &[Vec<E>]) -> (Vec<String>, Vec<Vec<String>>) {
        let mut fs = Fs::default();
        let mut all = Vec::new();
        for (i, entries) in layers.iter().enumerate() {
            let changes = fs.apply(i as u32, entries).0;
            all.push(
                changes
                    .iter()
                    .map(|c| {
                        let path = fs.files.path(c.path);
                        match &c.kind {
                            ChangeKind::Modified(f) => format!("M {path} {}", f.names().join(",")),
                            k => format!("{} {path}", k.letter()),
                        }
                    })
                    .collect(),
            );
        }
        (fs.paths(), all)
    }

    /// A union and its files, for the tests.
    #[derive(Default)]
    struct Fs {
        files: Files,
        union: Union,
    }

    impl Fs {
        fn apply(&mut self, layer: u32, entries: &[E]) -> (Vec<Change>, Vec<Diagnostic>) {
            let entries: Entries = entries.iter().cloned().collect();
            apply(&mut self.files, &mut self.union, layer, &entries)
        }

        fn paths(&self) -> Vec<String> {
            let sorted = self.union.sorted(&self.files.paths);
            sorted.iter().map(|(p, _)| self.files.path(*p)).collect()
        }

        fn get(&self, path: &str) -> &Node {
            let p = self.files.paths.get(path).expect("interned");
            self.files.node(self.union.get(p).expect("in the union"))
        }
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
        let mut fs = Fs::default();
        fs.apply(0, &[file("f", 7, 3)]);
        let (changes, _) = fs.apply(1, &[file("f", 7, 3)]);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].kind, ChangeKind::Same);
        assert_eq!(fs.get("f").layer, 1);
        assert_eq!(fs.get("f").data, Some(EntryRef::new(1, 0)));
    }

    #[test]
    fn hard_links_take_the_target_from_a_lower_layer() {
        let mut fs = Fs::default();
        fs.apply(0, &[file("bin/busybox", 9, 100)]);
        let (changes, diags) = fs.apply(1, &[hardlink("bin/sh", "bin/busybox")]);
        assert!(diags.is_empty());
        assert_eq!(changes.len(), 1);
        let sh = fs.get("bin/sh");
        assert_eq!((sh.kind, sh.size, sh.content), (FileKind::Regular, 100, 9));
        assert_eq!(sh.data, Some(EntryRef::new(0, 0)));
        assert_eq!(sh.hardlink(), Some("bin/busybox"));
    }

    #[test]
    fn oddities_are_diagnostics() {
        let mut fs = Fs::default();
        let (_, diags) = fs.apply(
            0,
            &[marker("nope", EntryOp::Whiteout), hardlink("a", "missing")],
        );
        assert_eq!(diags.len(), 2);
        assert!(diags[1].message.contains("no layer has"));
        assert_eq!(fs.get("a").size, 0);
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
        let mut live = Fs::default();
        let mut replayed = Union::new();
        for (i, l) in layers.iter().enumerate() {
            let (changes, _) = live.apply(i as u32, l);
            replay(&mut replayed, &changes);
            assert_eq!(live.union, replayed);
        }
        let _ = Fields::default();
    }
}
