//! One directory's treemap: its entries' bytes (the files of the filesystem
//! after a layer, or the copies nobody sees), the largest as cells and the
//! smallest as one, laid out squarified (Bruls, Huizing, van Wijk) for the
//! drawing's aspect, each coloured by the layer that wrote (or holds) most
//! of its bytes. Plain Rust over the analysis, tested natively; the page
//! only draws.

use layerscope_core::fs::overlay::Union;
use layerscope_core::{Analysis, FileKind, PathId};
use layerscope_protocol::treemap::{CellKind, Treemap, TreemapCell, TreemapMode, TreemapQuery};
use std::collections::HashMap;

/// Most cells drawn (the last may be the rest).
pub const MAX_CELLS: usize = 150;
/// A cell smaller than this share of the drawing joins the rest.
pub const MIN_SHARE: f64 = 1.0 / 2000.0;

/// What is under one entry of the directory.
#[derive(Default)]
struct Item {
    bytes: u64,
    files: u64,
    /// The entry itself holds bytes (a file), rather than things below it.
    is_file: bool,
    by_layer: Vec<u64>,
}

impl Item {
    fn add(&mut self, layer: usize, bytes: u64, files: u64) {
        self.bytes += bytes;
        self.files += files;
        if self.by_layer.len() <= layer {
            self.by_layer.resize(layer + 1, 0);
        }
        self.by_layer[layer] += bytes;
    }

    /// The layer with the most bytes (the earliest of equals).
    fn layer(&self) -> usize {
        let mut best = 0;
        for (l, b) in self.by_layer.iter().enumerate() {
            if *b > self.by_layer[best] {
                best = l;
            }
        }
        best
    }
}

/// The entry of `root` that `id` is in (itself when it is one), if any.
fn entry_of(a: &Analysis, root: PathId, mut id: PathId) -> Option<PathId> {
    loop {
        let parent = a.files.paths.parent(id)?;
        if parent == root {
            return Some(id);
        }
        id = parent;
    }
}

/// The treemap the query asks for, or what is wrong with it.
pub fn treemap(a: &Analysis, q: &TreemapQuery) -> Result<Treemap, String> {
    let clean = q.root.trim_matches('/');
    let root = if clean.is_empty() {
        PathId::ROOT
    } else {
        a.lookup(clean)
            .ok_or_else(|| format!("no directory {} in the image", q.root))?
    };
    let mut items: HashMap<PathId, Item> = HashMap::new();
    let mut total = Item::default();
    match q.mode {
        TreemapMode::Files => {
            let n = a.layers.len();
            if q.layer >= n {
                return Err(format!("there is no layer {}: the image has {n}", q.layer));
            }
            let union: Union = a.union_at(q.layer);
            if root != PathId::ROOT && !union.get(root).is_some_and(|n| a.node(n).is_dir()) {
                return Err(format!(
                    "{} is not a directory in the filesystem after layer {}",
                    q.root, q.layer
                ));
            }
            for (id, n) in union.iter() {
                let node = a.node(n);
                if node.kind != FileKind::Regular {
                    continue;
                }
                let Some(entry) = entry_of(a, root, id) else {
                    continue;
                };
                let item = items.entry(entry).or_default();
                item.is_file = entry == id;
                item.add(node.layer as usize, node.size, 1);
                total.add(node.layer as usize, node.size, 1);
            }
        }
        TreemapMode::Waste => {
            for w in &a.waste.paths {
                let Some(id) = a.lookup(&w.path) else {
                    continue;
                };
                let Some(entry) = entry_of(a, root, id) else {
                    continue;
                };
                let item = items.entry(entry).or_default();
                item.is_file = entry == id;
                for (&layer, &bytes) in w.layers.iter().zip(&w.layer_bytes) {
                    item.add(layer, bytes, 0);
                    total.add(layer, bytes, 0);
                }
                item.files += 1;
                total.files += 1;
            }
        }
    }
    let mut list: Vec<(String, Item)> = items
        .into_iter()
        .filter(|(_, i)| i.bytes > 0)
        .map(|(id, i)| (a.path(id), i))
        .collect();
    list.sort_by(|x, y| y.1.bytes.cmp(&x.1.bytes).then_with(|| x.0.cmp(&y.0)));
    let shown = list
        .iter()
        .take(MAX_CELLS)
        .take_while(|(_, i)| i.bytes as f64 >= total.bytes as f64 * MIN_SHARE)
        .count();
    // Room for the rest's cell within MAX_CELLS.
    let shown = if shown < list.len() {
        shown.min(MAX_CELLS - 1)
    } else {
        shown
    };
    let mut rest = Item::default();
    let mut rest_count = 0;
    for (_, i) in list.drain(shown..) {
        rest_count += 1;
        for (l, b) in i.by_layer.iter().enumerate() {
            rest.add(l, *b, 0);
        }
        rest.files += i.files;
    }
    let root_path = format!("/{clean}");
    let mut cells: Vec<TreemapCell> = list
        .iter()
        .map(|(path, i)| TreemapCell {
            path: format!("/{path}"),
            name: path.rsplit('/').next().unwrap_or(path).to_string(),
            kind: if i.is_file {
                CellKind::File
            } else {
                CellKind::Dir
            },
            bytes: i.bytes,
            files: i.files,
            layer: i.layer(),
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        })
        .collect();
    if rest_count > 0 {
        cells.push(TreemapCell {
            path: root_path.clone(),
            name: format!("{rest_count} more"),
            kind: CellKind::Rest,
            bytes: rest.bytes,
            files: rest.files,
            layer: rest.layer(),
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        });
    }
    let aspect = if q.aspect.is_finite() && q.aspect > 0.0 {
        q.aspect.clamp(0.05, 20.0)
    } else {
        1.0
    };
    let areas: Vec<f64> = cells
        .iter()
        .map(|c| c.bytes as f64 / total.bytes.max(1) as f64 * aspect)
        .collect();
    for (cell, r) in cells.iter_mut().zip(squarify(
        &areas,
        Rect {
            x: 0.0,
            y: 0.0,
            w: aspect,
            h: 1.0,
        },
    )) {
        cell.x = r.x / aspect;
        cell.w = r.w / aspect;
        cell.y = r.y;
        cell.h = r.h;
    }
    let mut layer_bytes = total.by_layer;
    layer_bytes.resize(a.layers.len(), 0);
    Ok(Treemap {
        id: q.id,
        mode: q.mode,
        layer: q.layer,
        root: if clean.is_empty() {
            "/".to_string()
        } else {
            root_path
        },
        bytes: total.bytes,
        files: total.files,
        layer_bytes,
        cells,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The worst aspect ratio of a row of `areas` laid along a side of `side`.
fn worst(areas: &[f64], side: f64) -> f64 {
    let sum: f64 = areas.iter().sum();
    let (max, min) = areas
        .iter()
        .fold((0f64, f64::MAX), |(mx, mn), a| (mx.max(*a), mn.min(*a)));
    if sum <= 0.0 || min <= 0.0 {
        return f64::MAX;
    }
    let s2 = side * side;
    (s2 * max / (sum * sum)).max(sum * sum / (s2 * min))
}

/// Squarified layout of `areas` (largest first, summing to the rect's area).
pub fn squarify(areas: &[f64], mut rect: Rect) -> Vec<Rect> {
    let mut out = Vec::with_capacity(areas.len());
    let mut i = 0;
    while i < areas.len() {
        let side = rect.w.min(rect.h);
        let mut j = i + 1;
        let mut best = worst(&areas[i..j], side);
        while j < areas.len() {
            let next = worst(&areas[i..=j], side);
            if next > best {
                break;
            }
            best = next;
            j += 1;
        }
        let row = &areas[i..j];
        let sum: f64 = row.iter().sum();
        if rect.w >= rect.h {
            // A column on the left.
            let width = if rect.h > 0.0 { sum / rect.h } else { 0.0 };
            let mut y = rect.y;
            for a in row {
                let h = if width > 0.0 { a / width } else { 0.0 };
                out.push(Rect {
                    x: rect.x,
                    y,
                    w: width,
                    h,
                });
                y += h;
            }
            rect.x += width;
            rect.w = (rect.w - width).max(0.0);
        } else {
            // A row along the top.
            let height = if rect.w > 0.0 { sum / rect.w } else { 0.0 };
            let mut x = rect.x;
            for a in row {
                let w = if height > 0.0 { a / height } else { 0.0 };
                out.push(Rect {
                    x,
                    y: rect.y,
                    w,
                    h: height,
                });
                x += w;
            }
            rect.y += height;
            rect.h = (rect.h - height).max(0.0);
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squarified_cells_tile_the_rect() {
        let areas = [6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0];
        let rects = squarify(
            &areas,
            Rect {
                x: 0.0,
                y: 0.0,
                w: 6.0,
                h: 4.0,
            },
        );
        assert_eq!(rects.len(), areas.len());
        for (a, r) in areas.iter().zip(&rects) {
            assert!((r.w * r.h - a).abs() < 1e-9, "{r:?} for {a}");
            assert!(
                r.x >= -1e-9 && r.y >= -1e-9 && r.x + r.w <= 6.0 + 1e-9 && r.y + r.h <= 4.0 + 1e-9
            );
        }
        for (i, p) in rects.iter().enumerate() {
            for q in &rects[i + 1..] {
                let overlap_w = (p.x + p.w).min(q.x + q.w) - p.x.max(q.x);
                let overlap_h = (p.y + p.h).min(q.y + q.h) - p.y.max(q.y);
                assert!(
                    overlap_w <= 1e-9 || overlap_h <= 1e-9,
                    "{p:?} overlaps {q:?}"
                );
            }
        }
    }
}
