//! The one place that formats numbers for people: byte counts in decimal
//! units as `docker history` prints them, and percentages. The rule lives in
//! `layerscope_protocol::human` so that the web page, which must not link the
//! engine, formats exactly as the engine and the CLI do.

pub use layerscope_protocol::human::{bytes, count, created, percent};
