//! Our exact accounting of waste: every byte of file content a layer stores
//! that the final filesystem does not show. A copy is shown when the final
//! union has a path whose bytes are that copy (hard links keep a copy shown
//! after its first name is deleted); every other copy is waste: files deleted
//! by a whiteout or hidden by an opaque directory, files overwritten later
//! (even with identical bytes), files under a directory replaced by a file,
//! and earlier duplicates of an entry within one layer. See docs/waste.md for
//! how this differs from dive's figures.

use crate::fs::entries::Entries;
use crate::fs::node::{Change, EntryRef, FileKind, Node};
use crate::fs::overlay::{Files, Union};
use crate::fs::paths::PathId;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct WastedPath {
    /// Clean path (no leading `/`).
    pub path: String,
    /// Bytes stored for this path that the final filesystem does not show.
    pub wasted_bytes: u64,
    /// How many stored copies are not shown.
    pub copies: usize,
    /// The layers those copies are in.
    pub layers: Vec<usize>,
    /// The bytes wasted in each of `layers` (they sum to `wasted_bytes`).
    pub layer_bytes: Vec<u64>,
    /// Whether the final filesystem has this path at all.
    pub present: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExactWaste {
    /// File content bytes stored across all layers.
    pub stored_bytes: u64,
    /// File content bytes the final filesystem shows.
    pub visible_bytes: u64,
    /// `stored_bytes - visible_bytes`.
    pub wasted_bytes: u64,
    /// `visible / stored` (1 when nothing is stored).
    pub efficiency: f64,
    /// Per layer: bytes of that layer the final filesystem does not show.
    pub per_layer: Vec<u64>,
    /// Every path with wasted bytes, most wasted first, then by path.
    pub paths: Vec<WastedPath>,
}

/// Counts waste as layers are stacked: a copy is wasted the moment no path of
/// the union shows it any more (it cannot come back: a later layer that
/// writes the same bytes stores a new copy), or at once when the same layer
/// overwrites it.
///
/// Sums saturate: sizes come from tar headers (or, in the page, a scan sent
/// between workers), and a forged one must not overflow a count.
pub struct Tracker {
    /// How many paths of the union show each copy (hard links share one),
    /// by layer and entry: a copy is live while its count is above 0.
    live: Vec<Vec<u32>>,
    visible_bytes: u64,
    stored_bytes: u64,
    per_layer: Vec<u64>,
    by_path: HashMap<PathId, Wasted>,
}

/// A [`WastedPath`] while layers are still coming.
#[derive(Default)]
struct Wasted {
    wasted_bytes: u64,
    copies: usize,
    layers: Vec<usize>,
    layer_bytes: Vec<u64>,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker::new()
    }
}

fn shown(node: Option<&Node>) -> Option<(EntryRef, u64)> {
    let node = node?;
    if node.kind != FileKind::Regular {
        return None;
    }
    Some((node.data?, node.size))
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker {
            live: Vec::new(),
            visible_bytes: 0,
            stored_bytes: 0,
            per_layer: Vec::new(),
            by_path: HashMap::new(),
        }
    }

    fn waste(&mut self, copy: EntryRef, size: u64, path: PathId) {
        if let Some(bytes) = self.per_layer.get_mut(copy.layer as usize) {
            *bytes = bytes.saturating_add(size);
        }
        let w = self.by_path.entry(path).or_default();
        w.wasted_bytes = w.wasted_bytes.saturating_add(size);
        w.copies += 1;
        let layer = copy.layer as usize;
        match w.layers.binary_search(&layer) {
            Ok(at) => w.layer_bytes[at] = w.layer_bytes[at].saturating_add(size),
            Err(at) => {
                w.layers.insert(at, layer);
                w.layer_bytes.insert(at, size);
            }
        }
    }

    fn refs(&mut self, copy: EntryRef) -> &mut u32 {
        let layer = &mut self.live[copy.layer as usize];
        let at = copy.entry() as usize;
        if layer.len() <= at {
            layer.resize(at + 1, 0);
        }
        &mut layer[at]
    }

    /// Counts one layer: its entries (as scanned) and its changes (as
    /// `overlay::apply` returned them).
    pub fn layer(&mut self, files: &Files, layer: usize, entries: &Entries, changes: &[Change]) {
        self.per_layer.resize(layer + 1, 0);
        self.live.resize_with(layer + 1, Vec::new);
        self.live[layer] = vec![0; entries.len()];
        let node = |id: Option<crate::fs::node::NodeId>| id.map(|n| files.node(n));
        // New references first: a hard link made in this layer keeps a copy
        // alive even when the copy's first name goes in the same layer.
        for change in changes {
            let before = shown(node(change.before));
            let after = shown(node(change.after));
            if let Some((copy, size)) = after.filter(|a| before.map(|b| b.0) != Some(a.0)) {
                let refs = self.refs(copy);
                *refs += 1;
                if *refs == 1 {
                    self.visible_bytes = self.visible_bytes.saturating_add(size);
                }
            }
        }
        for change in changes {
            let before = shown(node(change.before));
            let after = shown(node(change.after));
            let Some((copy, size)) = before.filter(|b| after.map(|a| a.0) != Some(b.0)) else {
                continue;
            };
            let refs = self.refs(copy);
            if *refs == 0 {
                continue;
            }
            *refs -= 1;
            if *refs == 0 {
                self.visible_bytes = self.visible_bytes.saturating_sub(size);
                // Charged to the path the bytes were written at: a hard
                // link's target, or the path itself.
                let path = node(change.before)
                    .and_then(|n| n.hardlink())
                    .and_then(|target| files.paths.get(target))
                    .unwrap_or(change.path);
                self.waste(copy, size, path);
            }
        }
        // This layer's own copies that no path shows (a later entry of the same
        // layer overwrote them).
        for (i, entry) in entries.iter().enumerate() {
            if !entry.is_file_copy() {
                continue;
            }
            self.stored_bytes = self.stored_bytes.saturating_add(entry.stored);
            let copy = EntryRef::new(layer as u32, i as u32);
            if *self.refs(copy) == 0 {
                // Interned by `overlay::apply`, which saw this entry.
                let path = files.paths.get(entry.path).unwrap_or(PathId::ROOT);
                self.waste(copy, entry.stored, path);
            }
        }
    }

    /// The figures, once every layer is counted.
    pub fn finish(self, files: &Files, final_union: &Union) -> ExactWaste {
        let paths = self
            .by_path
            .into_iter()
            .map(|(path, w)| (path, w.wasted_bytes, w.copies, w.layers, w.layer_bytes));
        Self::figures(
            self.stored_bytes,
            self.visible_bytes,
            self.per_layer,
            paths,
            files,
            final_union,
        )
    }

    /// The figures of the layers counted so far, as if the image ended
    /// there (`union` is the union after them); the tracker goes on.
    pub fn so_far(&self, files: &Files, union: &Union) -> ExactWaste {
        let paths = self.by_path.iter().map(|(path, w)| {
            (
                *path,
                w.wasted_bytes,
                w.copies,
                w.layers.clone(),
                w.layer_bytes.clone(),
            )
        });
        Self::figures(
            self.stored_bytes,
            self.visible_bytes,
            self.per_layer.clone(),
            paths,
            files,
            union,
        )
    }

    fn figures(
        stored_bytes: u64,
        visible_bytes: u64,
        per_layer: Vec<u64>,
        by_path: impl Iterator<Item = (PathId, u64, usize, Vec<usize>, Vec<u64>)>,
        files: &Files,
        final_union: &Union,
    ) -> ExactWaste {
        let mut paths: Vec<WastedPath> = by_path
            .filter(|(_, wasted, ..)| *wasted > 0)
            .map(
                |(path, wasted_bytes, copies, layers, layer_bytes)| WastedPath {
                    path: files.path(path),
                    wasted_bytes,
                    copies,
                    layers,
                    layer_bytes,
                    present: final_union.contains(path),
                },
            )
            .collect();
        paths.sort_by(|a, b| {
            b.wasted_bytes
                .cmp(&a.wasted_bytes)
                .then_with(|| a.path.cmp(&b.path))
        });
        ExactWaste {
            stored_bytes,
            visible_bytes,
            wasted_bytes: stored_bytes.saturating_sub(visible_bytes),
            efficiency: if stored_bytes == 0 {
                1.0
            } else {
                visible_bytes as f64 / stored_bytes as f64
            },
            per_layer,
            paths,
        }
    }
}
