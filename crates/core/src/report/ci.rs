//! The CI verdicts as documents: the `ci` section of the JSON report
//! (`layerscope ci --json`), JUnit XML (`--junit`) and the text summary
//! the CLI prints (dive's layout, without its colours).

use crate::gate::{Gate, Origin, Status};
use crate::human::bytes;
use crate::Analysis;
use serde::Serialize;

/// The `ci` key of the report.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct CiSection {
    /// The rules file read, or null when dive's defaults were used.
    pub config: Option<String>,
    pub result: &'static str,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub misconfigured: usize,
    pub rules: Vec<RuleRow>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct RuleRow {
    pub origin: &'static str,
    pub rule: &'static str,
    pub setting: String,
    pub status: &'static str,
    pub value: Option<String>,
    pub message: String,
}

impl CiSection {
    pub fn new(gate: &Gate, config: Option<&str>) -> CiSection {
        CiSection {
            config: config.map(str::to_string),
            result: gate.outcome().name(),
            passed: gate.count(Status::Pass),
            failed: gate.count(Status::Fail),
            skipped: gate.count(Status::Skip),
            misconfigured: gate.count(Status::Misconfigured),
            rules: gate
                .verdicts
                .iter()
                .map(|v| RuleRow {
                    origin: v.origin.name(),
                    rule: v.rule,
                    setting: v.setting.clone(),
                    status: v.status.name(),
                    value: v.value.clone(),
                    message: v.message.clone(),
                })
                .collect(),
        }
    }
}

/// `layerscope ci --json`: the inspect report with the `ci` section, as
/// pretty JSON and a final newline.
pub fn json(a: &Analysis, found: &[crate::findings::Finding], section: CiSection) -> String {
    let report = super::inspect::build_with(a, found, Some(section));
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// The rule's name as the summary, the JUnit file and the Markdown show it.
pub fn rule_name(origin: Origin, rule: &str) -> String {
    match origin {
        Origin::Dive => rule.to_string(),
        Origin::Layerscope if rule == crate::gate::OUR_KEY => rule.to_string(),
        Origin::Layerscope => format!("{}.{rule}", crate::gate::OUR_KEY),
    }
}

/// The text summary: dive's figures and verdict lines, then ours.
pub fn summary(a: &Analysis, gate: &Gate, config: Option<&str>) -> String {
    let mut out = String::new();
    match config {
        Some(path) => out.push_str(&format!("  Using CI config: {path}\n")),
        None => out.push_str("  Using default CI config\n"),
    }
    let d = &a.dive;
    out.push_str(&format!(
        "  efficiency: {:.4} %\n  wastedBytes: {} bytes ({})\n  userWastedPercent: {:.4} %\n",
        d.efficiency * 100.0,
        d.wasted_bytes,
        bytes(d.wasted_bytes),
        d.user_wasted_percent * 100.0
    ));
    out.push_str(&format!(
        "  exact: {} wasted ({} bytes), efficiency {:.4} %\n",
        bytes(a.waste.wasted_bytes),
        a.waste.wasted_bytes,
        a.waste.efficiency * 100.0
    ));
    out.push_str("Results:\n");
    for v in &gate.verdicts {
        let status = match v.status {
            Status::Configured => "CONFIGURED   ",
            s => s.name(),
        };
        let name = rule_name(v.origin, v.rule);
        if v.message.is_empty() {
            out.push_str(&format!("  {status}: {name}\n"));
        } else {
            out.push_str(&format!("  {status}: {name}: {}\n", v.message));
        }
    }
    let outcome = gate.outcome();
    if outcome == crate::gate::Outcome::Misconfigured {
        out.push_str("CI Misconfigured\n");
    } else {
        out.push_str(&format!(
            "Result:{} [Total:{}] [Passed:{}] [Failed:{}] [Skipped:{}]\n",
            outcome.name().to_uppercase(),
            gate.verdicts.len(),
            gate.count(Status::Pass),
            gate.count(Status::Fail),
            gate.count(Status::Skip)
        ));
    }
    out
}

/// XML text: `&`, `<`, `>`, quotes; control characters XML 1.0 cannot
/// carry become U+FFFD.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one test case per rule (a failure, an error when
/// misconfigured, skipped when disabled or not evaluated).
pub fn junit(gate: &Gate, image: &str) -> String {
    let failures = gate.count(Status::Fail);
    let errors = gate.count(Status::Misconfigured);
    let skipped = gate.count(Status::Skip) + gate.count(Status::Configured);
    let tests = gate.verdicts.len();
    let image = xml_escape(image);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"layerscope ci\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n"
    ));
    out.push_str(&format!(
        "  <testsuite name=\"{image}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n"
    ));
    for v in &gate.verdicts {
        let name = xml_escape(&rule_name(v.origin, v.rule));
        let message = xml_escape(&v.message);
        out.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{name}\"",
            v.origin.name()
        ));
        match v.status {
            Status::Pass => out.push_str("/>\n"),
            Status::Fail => out.push_str(&format!(
                ">\n      <failure message=\"{message}\" type=\"FAIL\">{message}</failure>\n    </testcase>\n"
            )),
            Status::Misconfigured => out.push_str(&format!(
                ">\n      <error message=\"{message}\" type=\"MISCONFIGURED\">{message}</error>\n    </testcase>\n"
            )),
            Status::Skip | Status::Configured => out.push_str(&format!(
                ">\n      <skipped message=\"{message}\"/>\n    </testcase>\n"
            )),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
