//! layerscope-core: the engine of layerscope. It reads a container image
//! archive (`docker save` in all its layouts, OCI archives and layouts,
//! multi-platform indexes; gzip, zstd or plain layers) from any `Read`
//! (`+ Seek` where it helps), and returns plain data: the layers in manifest
//! order with their digests verified, the union filesystem after each layer
//! with OCI whiteout semantics, what each layer changed, sizes, and waste
//! (dive's figures and our exact ones). It does no IO of its own, knows no
//! clock, and never holds a layer's contents in memory.
//!
//! Start at [`analyze`]; `report` turns an [`Analysis`] into the versioned
//! JSON document the CLI and the web page export.

pub mod advice;
mod analysis;
pub mod cache;
pub mod compression;
pub mod cow;
pub mod digest;
pub mod dive;
pub mod dockerfile;
mod error;
pub mod human;
pub mod image;
pub mod instruction;
pub mod layer_scan;
pub mod listing;
mod manifest;
pub mod model;
pub mod overlay;
pub mod path;
pub mod paths;
mod progress;
pub mod report;
pub mod scan_wire;
pub mod source;
pub mod waste;
pub mod whiteout;

pub use analysis::{
    analyze, analyze_source, analyze_stream, prepare, sniff_archive, Analysis, Layer, Options,
    Prepared, Stack, Step,
};
pub use error::{Error, ErrorKind};
pub use model::{Change, ChangeKind, Diagnostic, FileKind, Node, NodeId, Severity};
pub use paths::PathId;
pub use progress::{NoProgress, Progress, ProgressInfo};
pub use source::{member_at, Source, TarSource};
