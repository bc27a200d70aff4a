//! **report**: the only place that decides what the engine's answers look
//! like outside it. The versioned JSON document of an analysis
//! (`layerscope inspect --json`, the page's Export: [`inspect`]), the cache
//! simulation's (`layerscope cache --json`, the page's download: [`cache`]),
//! a comparison of two images (`layerscope diff --json` and `--paths`:
//! [`compare`]), and the `ls` lines that diff against `find -printf`
//! ([`listing`]), also as CSV ([`csv`]); the CI verdicts (`layerscope ci`:
//! a section of the JSON, JUnit XML: [`ci`]) and the Markdown report for
//! people and pull requests ([`markdown`]).
//!
//! Must not compute anything: every figure comes from the stages below.
//! Model types are not `Serialize`; the shapes are written here.

pub mod cache;
pub mod ci;
pub mod compare;
pub mod csv;
pub mod inspect;
pub mod listing;
pub mod markdown;
pub mod packages;
