//! Our exact accounting of waste: every byte of file content a layer stores
//! that the final filesystem does not show. A copy is shown when the final
//! union has a path whose bytes are that copy (hard links keep a copy shown
//! after its first name is deleted); every other copy is waste: files deleted
//! by a whiteout or hidden by an opaque directory, files overwritten later
//! (even with identical bytes), files under a directory replaced by a file,
//! and earlier duplicates of an entry within one layer. See docs/waste.md for
//! how this differs from dive's figures.

use crate::layer_scan::{EntryOp, LayerScan};
use crate::model::{EntryRef, FileKind};
use crate::overlay::Union;
use std::collections::{BTreeMap, HashSet};

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

/// Computes the exact waste of layers (in order) against the final union.
pub fn compute(layers: &[&LayerScan], final_union: &Union) -> ExactWaste {
    let shown: HashSet<EntryRef> = final_union
        .values()
        .filter(|n| n.kind == FileKind::Regular)
        .filter_map(|n| n.data)
        .collect();
    let mut stored_bytes = 0u64;
    let mut visible_bytes = 0u64;
    let mut per_layer = vec![0u64; layers.len()];
    let mut by_path: BTreeMap<&str, WastedPath> = BTreeMap::new();
    for (li, scan) in layers.iter().enumerate() {
        for (ei, entry) in scan.entries.iter().enumerate() {
            let EntryOp::Put(node) = &entry.op else {
                continue;
            };
            if node.kind != FileKind::Regular {
                continue;
            }
            stored_bytes += node.size;
            let here = EntryRef {
                layer: li as u32,
                entry: ei as u32,
            };
            if shown.contains(&here) {
                visible_bytes += node.size;
                continue;
            }
            per_layer[li] += node.size;
            let w = by_path
                .entry(entry.path.as_str())
                .or_insert_with(|| WastedPath {
                    path: entry.path.clone(),
                    wasted_bytes: 0,
                    copies: 0,
                    layers: Vec::new(),
                    present: final_union.contains_key(&entry.path),
                });
            w.wasted_bytes += node.size;
            w.copies += 1;
            if w.layers.last() != Some(&li) {
                w.layers.push(li);
            }
        }
    }
    let mut paths: Vec<WastedPath> = by_path
        .into_values()
        .filter(|w| w.wasted_bytes > 0)
        .collect();
    paths.sort_by(|a, b| {
        b.wasted_bytes
            .cmp(&a.wasted_bytes)
            .then_with(|| a.path.cmp(&b.path))
    });
    let wasted_bytes = stored_bytes - visible_bytes;
    ExactWaste {
        stored_bytes,
        visible_bytes,
        wasted_bytes,
        efficiency: if stored_bytes == 0 {
            1.0
        } else {
            visible_bytes as f64 / stored_bytes as f64
        },
        per_layer,
        paths,
    }
}
