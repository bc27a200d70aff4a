//! The findings panel's answer: the engine's reviewer (`findings::find`)
//! over the open image, as the report writes each finding
//! (`report::inspect::FindingRow`: absolute paths, the severity's name),
//! turned into the protocol's plain rows. Worked out once per image (on
//! the first `Findings`) and kept in [`crate::views::Views`].

use layerscope_core::findings::{self, Level};
use layerscope_core::report::inspect::FindingRow;
use layerscope_core::Analysis;
use layerscope_protocol::Severity;

/// The protocol's spelling of a level (the same words as the report's).
pub fn severity(level: Level) -> Severity {
    match level {
        Level::High => Severity::High,
        Level::Medium => Severity::Medium,
        Level::Low => Severity::Low,
        Level::Info => Severity::Info,
    }
}

/// Every finding about `a`, in the engine's order (most severe first).
pub fn rows(a: &Analysis) -> Vec<layerscope_protocol::FindingRow> {
    findings::find(a)
        .iter()
        .map(|f| {
            // The report's row is the one place that decides how a finding
            // reads outside the engine; only the severity is typed here.
            let row = FindingRow::new(f);
            layerscope_protocol::FindingRow {
                id: row.id.to_string(),
                severity: severity(f.level),
                title: row.title,
                layer: row.layer,
                paths: row.paths,
                more_paths: row.more_paths,
                bytes: row.bytes,
                fix: row.fix.to_string(),
            }
        })
        .collect()
}
