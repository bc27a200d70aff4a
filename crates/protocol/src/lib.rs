//! The messages between the page (the Yew UI, main thread) and the Web
//! Worker that runs the engine. The UI never holds an image: it asks the
//! worker for exactly what it shows (a window of tree rows, one path's story)
//! and the worker answers with small plain values. Messages travel as JSON
//! text (`serde_json`) in `postMessage`; the one thing that cannot be JSON,
//! the dropped `File`, travels beside an `Open` request as a JS object.
//!
//! This crate is only types, so the UI's wasm does not carry the engine.
//! Paths are absolute (`/etc/passwd`); layers are 0-based filesystem layer
//! numbers (what `layerscope ls --layer` takes); sizes are bytes.

use serde::{Deserialize, Serialize};

pub mod human;

/// UI → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Analyse the `File` posted with this message (or fetched sample bytes).
    /// Replaces any image opened before.
    Open {
        /// Shown in messages ("app.tar: layer 2: …").
        name: String,
        /// A tag, ref name or 0-based index for multi-image archives.
        image: Option<String>,
        /// `os/arch[/variant]` for multi-platform indexes.
        platform: Option<String>,
    },
    /// A window of the file tree.
    Tree(TreeQuery),
    /// Every layer that wrote, changed or deleted one path.
    Story { path: String },
    /// The whole JSON report (the same document as `layerscope inspect --json`).
    Export,
}

/// Worker → UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    Progress(Progress),
    /// The analysis is done: everything but per-path data.
    Opened(Box<Summary>),
    /// The analysis failed; the page stays usable for the next file.
    Failed {
        message: String,
        kind: String,
    },
    Tree(TreeRows),
    Story(Story),
    Export {
        json: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub bytes_done: u64,
    pub bytes_total: Option<u64>,
    pub layers_done: usize,
    pub layers_total: Option<usize>,
}

/// What the page shows without asking again: image, steps, waste, notes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub file_name: String,
    pub input_size: Option<u64>,
    /// `docker-save`, `docker-save-oci`, `oci-layout`, `docker-save-v1`.
    pub format: String,
    pub reference: Option<String>,
    pub images: Vec<String>,
    pub platform: Option<String>,
    pub platforms: Vec<String>,
    pub config_digest: Option<String>,
    pub manifest_digest: Option<String>,
    pub created: Option<String>,
    /// Build steps in history order, empty-layer steps in place.
    pub steps: Vec<Step>,
    /// Paths in the final filesystem.
    pub files: usize,
    pub waste: Waste,
    pub diagnostics: Vec<Note>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Filesystem layer number, `None` for an empty-layer step.
    pub layer: Option<usize>,
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub comment: Option<String>,
    pub author: Option<String>,
    pub digest: Option<String>,
    pub diff_id: Option<String>,
    pub media_type: Option<String>,
    pub compression: Option<String>,
    /// Bytes of file content (docker history's SIZE).
    pub size: u64,
    /// Bytes as stored (compressed).
    pub blob_size: u64,
    pub tar_size: u64,
    pub digest_verified: Option<bool>,
    pub diff_id_verified: Option<bool>,
    pub added: usize,
    pub modified: usize,
    pub removed: usize,
    /// Bytes of this layer the final filesystem does not show.
    pub wasted_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Waste {
    /// dive 0.13.1's figures (non-finite ratios are `None`).
    pub dive_efficiency: Option<f64>,
    pub dive_wasted_bytes: u64,
    pub dive_user_wasted_percent: Option<f64>,
    pub dive_top: Vec<DivePath>,
    /// Our exact accounting.
    pub stored_bytes: u64,
    pub visible_bytes: u64,
    pub wasted_bytes: u64,
    pub efficiency: f64,
    /// Most wasted first (the first 100).
    pub top: Vec<WastedPath>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DivePath {
    pub path: String,
    pub count: usize,
    pub cumulative_size: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WastedPath {
    pub path: String,
    pub wasted_bytes: u64,
    pub copies: usize,
    pub layers: Vec<usize>,
    /// Whether the final filesystem still has the path.
    pub present: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// `info`, `warning`, `error`.
    pub severity: String,
    pub layer: Option<usize>,
    pub path: Option<String>,
    pub message: String,
}

/// Which filesystem view the tree shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum View {
    /// The union filesystem after `layer`, each path marked with what `layer`
    /// did to it (if anything).
    Union { layer: usize },
    /// Only what layers `from..=to` changed together, against the union
    /// below `from` (a path added in `from` and removed in `to` is left out).
    Changes { from: usize, to: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Name,
    /// Largest first (a directory's size is the sum below it).
    Size,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeQuery {
    /// Echoed in the answer so the UI can drop stale ones.
    pub id: u64,
    pub view: View,
    /// Text to find in paths; `*`, `?` make it a glob over the whole path.
    pub filter: String,
    pub sort: Sort,
    /// In a union view, show only paths the view's layer changed (and their parents).
    pub hide_unchanged: bool,
    /// Open directories (absolute paths); ignored when `expand_all`.
    pub expanded: Vec<String>,
    pub expand_all: bool,
    /// The window of visible rows wanted.
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeRows {
    pub id: u64,
    /// Visible rows in all (for the scrollbar).
    pub total: usize,
    pub offset: usize,
    pub rows: Vec<Row>,
}

/// What a layer (or range) did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Added,
    Modified,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub path: String,
    pub name: String,
    pub depth: usize,
    /// `f d l p c b s`, as `find -printf %y`.
    #[serde(rename = "type")]
    pub kind: char,
    /// Regular files: bytes; directories: bytes below.
    pub size: u64,
    /// `drwxr-xr-x`.
    pub mode: String,
    pub uid: u64,
    pub gid: u64,
    pub link: Option<String>,
    pub hardlink: Option<String>,
    pub mark: Option<Mark>,
    /// For `Modified`: which of type, size, mode, uid, gid, link, content.
    pub fields: Vec<String>,
    pub has_children: bool,
    pub expanded: bool,
}

/// One path through the layers: how a read falls through them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Story {
    pub path: String,
    pub events: Vec<Event>,
    /// The layer whose copy a container sees (None: the path is not in the final filesystem).
    pub visible_layer: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub layer: usize,
    /// `added`, `modified`, `removed`, `rewritten` (identical bytes: not a
    /// change, but a new copy), `removed_with_parent` (a directory above it went).
    pub what: String,
    pub fields: Vec<String>,
    #[serde(rename = "type")]
    pub kind: Option<char>,
    pub size: u64,
    pub mode: Option<String>,
    pub uid: Option<u64>,
    pub gid: Option<u64>,
    pub link: Option<String>,
}
