//! layerscope-worker: the Web Worker of layerscope's page. The page posts it
//! a dropped `File`; the worker reads it in slices (never whole), runs the
//! engine over it, keeps the [`layerscope_core::Analysis`], and answers the
//! page's questions with small values of `layerscope_protocol`: a summary,
//! windows of the file tree, one path's story, the JSON report.
//!
//! Everything but the browser glue is plain Rust tested natively:
//! [`views`] (tree rows and stories), [`summary`], [`findings`], [`reports`]
//! (the downloads and the CI verdicts), [`session`] (requests →
//! responses), [`window`] (`Read + Seek` over byte ranges). The glue, `web`,
//! exists on wasm32 only; the worker binary (`src/main.rs`) documents the
//! contract with the page.

pub mod build;
pub mod compare;
pub mod findings;
pub mod packages;
pub mod reports;
#[cfg(target_arch = "wasm32")]
mod scanners;
pub mod session;
pub mod summary;
pub mod treemap;
pub mod views;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod window;
