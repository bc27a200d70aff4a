//! layerscope-core: the engine of layerscope. It reads a container image
//! archive (`docker save` in all its layouts, OCI archives and layouts,
//! multi-platform indexes; gzip, zstd or plain layers) from any `Read`
//! (`+ Seek` where it helps), and returns plain data: the layers in manifest
//! order with their digests verified, the union filesystem after each layer
//! with OCI whiteout semantics, what each layer changed, sizes, and waste
//! (dive's figures and our exact ones). It does no IO of its own, knows no
//! clock, and never holds a layer's contents in memory.
//!
//! The data flows through five stages, one folder each, each opening with
//! what it owns and what it must not touch:
//!
//! ```text
//! archive ─► layers ─► fs ─► figures ─► build
//!  (which image,  (one blob →   (the union,   (waste,   (cache simulation,
//!   its layers)    entries)      changes)      dive)     advice, container)
//! ```
//!
//! [`analysis`] drives the first four ([`analyze`] is the place to start)
//! and returns an [`Analysis`]; [`compare`] sets two of them side by side;
//! [`report`] turns answers into the documents people and programs read. Beside them: [`Error`] (structural failures),
//! [`diagnostic`] (oddities returned beside the result), [`progress`] and
//! [`human`] (the one byte formatter), [`limits`] (every bound an input meets). Which module may import which is
//! written in ARCHITECTURE.md and checked by `tests/layout.rs`.

pub mod analysis;
pub mod archive;
pub mod build;
pub mod compare;
pub mod diagnostic;
mod error;
pub mod figures;
pub mod findings;
pub mod fs;
pub mod gate;
pub mod human;
pub mod layers;
pub mod limits;
pub mod packages;
mod progress;
pub mod report;

pub use analysis::{
    analyze, analyze_source, analyze_stream, prepare, sniff_archive, Analysis, Layer, PendingLayer,
    Prepared, Stack, Step,
};
pub use archive::image::Options;
pub use archive::source::{member_at, Source, TarSource};
pub use diagnostic::{Diagnostic, Severity};
pub use error::{Error, ErrorKind};
pub use fs::node::{Change, ChangeKind, FileKind, Node, NodeId};
pub use fs::paths::PathId;
pub use progress::{NoProgress, Progress, ProgressInfo};
