//! Where the bytes go, as a picture: the page asks for one directory's
//! treemap and draws the cells the worker laid out.

use serde::{Deserialize, Serialize};

/// What the areas measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TreemapMode {
    /// The regular files of the filesystem after a layer, by their bytes.
    Files,
    /// The copies nobody sees (docs/waste.md), by the layer that holds them.
    Waste,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreemapQuery {
    /// Echoed in the answer so the UI can drop stale ones.
    pub id: u64,
    pub mode: TreemapMode,
    /// The filesystem after this layer (0-based; ignored for `Waste`).
    pub layer: usize,
    /// The directory shown (absolute; `/` for the whole filesystem).
    pub root: String,
    /// The drawing's width over its height, so cells come out near square.
    pub aspect: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    /// A directory: click to zoom in.
    Dir,
    /// A file: click for its story.
    File,
    /// The smallest entries, drawn as one cell.
    Rest,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreemapCell {
    /// Absolute path (for `Rest`, the directory they are in).
    pub path: String,
    /// What the cell says: a name, or "37 more".
    pub name: String,
    pub kind: CellKind,
    pub bytes: u64,
    /// Regular files inside (1 for a file).
    pub files: u64,
    /// The layer that wrote the file (for a file), or that holds the most
    /// of the cell's bytes: the cell's colour.
    pub layer: usize,
    /// The cell, as fractions of the drawing (0..1).
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Treemap {
    pub id: u64,
    pub mode: TreemapMode,
    pub layer: usize,
    pub root: String,
    /// Every byte under `root` (the cells' bytes add up to it).
    pub bytes: u64,
    pub files: u64,
    /// Of `bytes`, how many each layer wrote (or holds, for waste).
    pub layer_bytes: Vec<u64>,
    /// Largest first.
    pub cells: Vec<TreemapCell>,
}
