//! Findings about the files the layers wrote: secrets, waste, caches, tool
//! chains, layer counts, metadata-only layers, modes.

use super::catalog;
use super::{level_by_bytes, top_paths, Finding, Level};
use crate::analysis::{Analysis, Layer};
use crate::fs::node::{Change, ChangeKind, FileKind, Node, NodeId};
use crate::fs::paths::PathId;
use crate::human::bytes;
use std::collections::{BTreeMap, HashSet};

/// Every copy of file bytes a layer stored (a regular file written by that
/// layer, not a hard link to a lower copy), with its clean path.
fn each_copy(a: &Analysis, mut visit: impl FnMut(&Layer, &Change, NodeId, &Node, &str)) {
    let mut path = String::new();
    for layer in &a.layers {
        for change in &layer.changes {
            let Some(id) = change.after else { continue };
            let node = a.node(id);
            let own = node
                .data
                .is_some_and(|d| d.layer as usize == layer.index && node.kind == FileKind::Regular);
            if !own {
                continue;
            }
            path.clear();
            a.files.paths.write_path(change.path, &mut path);
            visit(layer, change, id, node, &path);
        }
    }
}

/// The nearest ancestor of `id` (itself included) in `set`.
fn ancestor_in(a: &Analysis, mut id: PathId, set: &HashSet<PathId>) -> Option<PathId> {
    loop {
        if set.contains(&id) {
            return Some(id);
        }
        id = a.files.paths.parent(id)?;
    }
}

fn noun(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A finding over a group of paths (listed most bytes first, cut to the first few).
fn over_paths(
    id: &'static str,
    level: Level,
    title: String,
    layer: usize,
    paths: Vec<(String, u64)>,
    bytes: u64,
) -> Finding {
    let (paths, more_paths) = top_paths(paths);
    Finding {
        id,
        level,
        title,
        layer: Some(layer),
        paths,
        more_paths,
        bytes,
    }
}

/// Grouped paths and bytes.
#[derive(Default)]
struct Group {
    paths: Vec<(String, u64)>,
    bytes: u64,
}

impl Group {
    fn add(&mut self, path: &str, bytes: u64) {
        self.paths.push((path.to_string(), bytes));
        self.bytes = self.bytes.saturating_add(bytes);
    }
}

/// (layer, the secret's root path, shown at the end, what) → files.
type SecretGroups = BTreeMap<(usize, String, bool, &'static str), Group>;
/// (layer, cache prefix, tool) → files, and how many are still shown.
type CacheGroups = BTreeMap<(usize, &'static str, &'static str), (Group, usize)>;

/// Secrets and caches: both are read off the copies the layers wrote, so
/// those are walked (and their paths spelled) once.
pub(super) fn written(a: &Analysis, out: &mut Vec<Finding>) {
    let git_dirs: HashSet<PathId> = a
        .layers
        .iter()
        .flat_map(|l| &l.changes)
        .filter(|c| {
            c.after.is_some_and(|n| a.node(n).is_dir()) && a.files.paths.name(c.path) == ".git"
        })
        .map(|c| c.path)
        .collect();
    let mut secrets = SecretGroups::new();
    let mut caches = CacheGroups::new();
    each_copy(a, |layer, change, id, node, path| {
        let shown = a.union.get(change.path) == Some(id);
        if node.size > 0 {
            if let Some((prefix, tool)) = catalog::cache_of(path) {
                let g = caches.entry((layer.index, prefix, tool)).or_default();
                g.0.add(path, node.size);
                g.1 += usize::from(shown);
            }
        }
        let git = (!git_dirs.is_empty())
            .then(|| ancestor_in(a, change.path, &git_dirs))
            .flatten();
        let (root, what) = match git {
            Some(dir) => (a.path(dir), "a .git directory"),
            None => {
                let signals = node
                    .data
                    .map_or_else(Default::default, |d| layer.signals_of(d.entry()));
                match catalog::secret_file(path, signals) {
                    Some(what) => (path.to_string(), what),
                    None => return,
                }
            }
        };
        secrets
            .entry((layer.index, root, shown, what))
            .or_default()
            .add(path, node.size);
    });
    secret_findings(secrets, out);
    cache_findings(caches, out);
}

fn secret_findings(groups: SecretGroups, out: &mut Vec<Finding>) {
    for ((layer, root, shown, what), g) in groups {
        let files = g.paths.len();
        let inside = if what == "a .git directory" {
            format!(" ({}, {})", noun(files, "file", "files"), bytes(g.bytes))
        } else {
            String::new()
        };
        let (id, title) = if shown {
            (
                "secret-in-image",
                format!(
                    "/{root} is {what}{inside}, in the final filesystem (written by layer {layer})"
                ),
            )
        } else {
            (
                "secret-in-lower-layer",
                format!(
                    "/{root} is {what}{inside}: a later layer deletes or replaces it, but layer {layer} still holds it"
                ),
            )
        };
        out.push(over_paths(id, Level::High, title, layer, g.paths, g.bytes));
    }
}

/// Deleted and stored-again files, from the exact waste, by the layer that
/// holds the hidden copies.
pub(super) fn waste(a: &Analysis, out: &mut Vec<Finding>) {
    let mut groups: BTreeMap<(usize, bool), Group> = BTreeMap::new();
    for w in &a.waste.paths {
        for (&layer, &b) in w.layers.iter().zip(&w.layer_bytes) {
            if b > 0 {
                groups
                    .entry((layer, w.present))
                    .or_default()
                    .add(&w.path, b);
            }
        }
    }
    for ((layer, present), g) in groups {
        let files = noun(g.paths.len(), "file", "files");
        let (id, title) = if present {
            (
                "duplicated-files",
                format!(
                    "layer {layer} holds {} in {files} that a later layer (or a later entry of the same layer) stores again",
                    bytes(g.bytes)
                ),
            )
        } else {
            (
                "deleted-files",
                format!(
                    "layer {layer} holds {} in {files} that a later layer deletes",
                    bytes(g.bytes)
                ),
            )
        };
        let level = level_by_bytes(g.bytes);
        out.push(over_paths(id, level, title, layer, g.paths, g.bytes));
    }
}

fn cache_findings(groups: CacheGroups, out: &mut Vec<Finding>) {
    for ((layer, prefix, tool), (g, shown)) in groups {
        let files = noun(g.paths.len(), "file", "files");
        let fate = if shown == g.paths.len() {
            "still in the final filesystem"
        } else if shown == 0 {
            "deleted by a later layer, but the bytes still ship"
        } else {
            "some deleted by a later layer, but the bytes still ship"
        };
        let title = format!(
            "layer {layer} writes {tool}'s cache in /{prefix} ({}, {files}), {fate}",
            bytes(g.bytes)
        );
        let level = level_by_bytes(g.bytes);
        out.push(over_paths(
            "package-cache",
            level,
            title,
            layer,
            g.paths,
            g.bytes,
        ));
    }
}

/// The bytes of the regular files under `root` in the final filesystem.
fn visible_bytes_under(a: &Analysis, root: PathId) -> (u64, usize) {
    let (mut total, mut files) = (0u64, 0);
    let mut todo = vec![root];
    while let Some(id) = todo.pop() {
        if let Some(n) = a.union.get(id) {
            let node = a.node(n);
            if node.kind == FileKind::Regular {
                total = total.saturating_add(node.size);
                files += 1;
            }
        }
        todo.extend(a.files.paths.children(id));
    }
    (total, files)
}

pub(super) fn toolchains(a: &Analysis, out: &mut Vec<Finding>) {
    let paths = &a.files.paths;
    let mut roots: BTreeMap<PathId, (&'static str, usize)> = BTreeMap::new();
    for (id, n) in a.union.iter() {
        let name = paths.name(id);
        if !matches!(name, "cc1" | "javac" | "rustc" | "go" | "clang") {
            continue;
        }
        let mut parents = Vec::new();
        let mut at = id;
        while let Some(p) = paths.parent(at).filter(|_| parents.len() < 5) {
            parents.push(paths.name(p));
            at = p;
        }
        let Some((tool, up)) = catalog::toolchain_marker(name, &parents) else {
            continue;
        };
        let mut root = id;
        for _ in 0..up {
            root = paths.parent(root).unwrap_or(PathId::ROOT);
        }
        roots
            .entry(root)
            .or_insert((tool, a.node(n).layer as usize));
    }
    for (root, (tool, layer)) in roots {
        let (total, files) = visible_bytes_under(a, root);
        let path = a.path(root);
        out.push(Finding {
            id: "build-toolchain",
            level: Level::Low,
            title: format!(
                "{tool} in /{path} ({}, {}), added by layer {layer}",
                bytes(total),
                noun(files, "file", "files")
            ),
            layer: Some(layer),
            paths: vec![path],
            more_paths: 0,
            bytes: total,
        });
    }
}

/// Docker refuses to stack more than 127 layers (overlay2's limit on lower
/// directories, 128 with the container's own).
pub const MAX_LAYERS: usize = 127;

pub(super) fn layer_count(a: &Analysis, out: &mut Vec<Finding>) {
    let n = a.layers.len();
    let (level, what) = if n > MAX_LAYERS {
        (
            Level::High,
            "more than the 127 Docker can stack: it will not run",
        )
    } else if n + 10 >= MAX_LAYERS {
        (
            Level::Medium,
            "within 10 of the 127 Docker can stack: a few more steps and it will not run",
        )
    } else {
        return;
    };
    out.push(Finding {
        id: "too-many-layers",
        level,
        title: format!("the image has {n} layers, {what}"),
        layer: None,
        paths: Vec::new(),
        more_paths: 0,
        bytes: 0,
    });
}

pub(super) fn metadata_only(a: &Analysis, out: &mut Vec<Finding>) {
    for layer in &a.layers {
        let only_metadata = !layer.changes.is_empty()
            && layer.changes.iter().all(|c| match c.kind {
                ChangeKind::Same => true,
                ChangeKind::Modified(f) => !(f.kind || f.size || f.content || f.link),
                ChangeKind::Added | ChangeKind::Removed => false,
            });
        if !only_metadata || layer.size == 0 {
            continue;
        }
        let mut files = Vec::new();
        for c in &layer.changes {
            if let Some(n) = c.after.map(|n| a.node(n)) {
                if n.kind == FileKind::Regular
                    && n.data.is_some_and(|d| d.layer as usize == layer.index)
                {
                    files.push((a.path(c.path), n.size));
                }
            }
        }
        let count = noun(files.len(), "file", "files");
        let title = format!(
            "layer {} stores {} again in {count} whose bytes did not change (only owner, mode or time)",
            layer.index,
            bytes(layer.size)
        );
        let level = level_by_bytes(layer.size);
        out.push(over_paths(
            "metadata-only-layer",
            level,
            title,
            layer.index,
            files,
            layer.size,
        ));
    }
}

pub(super) fn modes(a: &Analysis, out: &mut Vec<Finding>) {
    let mut setuid: BTreeMap<usize, Vec<(String, u64)>> = BTreeMap::new();
    let mut writable: BTreeMap<usize, Vec<(String, u64)>> = BTreeMap::new();
    for (id, n) in a.union.iter() {
        let node = a.node(n);
        let layer = node.layer as usize;
        if node.kind == FileKind::Regular && node.mode & 0o6000 != 0 {
            setuid
                .entry(layer)
                .or_default()
                .push((a.path(id), node.size));
        }
        let shared_dir = node.kind == FileKind::Dir && node.mode & 0o1000 != 0;
        if node.kind != FileKind::Symlink && node.mode & 0o002 != 0 && !shared_dir {
            writable
                .entry(layer)
                .or_default()
                .push((a.path(id), node.size));
        }
    }
    for (layer, files) in setuid {
        let count = noun(
            files.len(),
            "setuid or setgid file",
            "setuid or setgid files",
        );
        out.push(over_paths(
            "setuid-files",
            Level::Low,
            format!("layer {layer} adds {count}"),
            layer,
            files,
            0,
        ));
    }
    for (layer, files) in writable {
        let count = noun(files.len(), "path", "paths");
        let title = format!(
            "layer {layer} leaves {count} writable by anyone (files, or directories without the sticky bit)"
        );
        out.push(over_paths(
            "world-writable",
            Level::Medium,
            title,
            layer,
            files,
            0,
        ));
    }
}
