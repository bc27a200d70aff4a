//! The report for people, in Markdown: `layerscope inspect --markdown`, the
//! page's download, and with the CI verdicts `layerscope ci --markdown` (a
//! pull-request comment). Text from the image (paths, titles) is escaped so
//! that it shows as written and never as markup.

use super::ci::rule_name;
use crate::findings::{self, Finding};
use crate::gate::{Gate, Outcome};
use crate::human::{bytes, percent};
use crate::Analysis;

/// How many findings and wasted paths the document lists.
pub const TOP: usize = 10;

/// Text for a Markdown table cell: what would format or break the table
/// is escaped; HTML is shown as text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The document. `name`: the file as the person gave it.
pub fn report(a: &Analysis, found: &[Finding], name: &str, gate: Option<&Gate>) -> String {
    let mut md = String::new();
    let title = match gate.map(Gate::outcome) {
        Some(Outcome::Pass) => "layerscope ci: **PASS**",
        Some(Outcome::Fail) => "layerscope ci: **FAIL**",
        Some(Outcome::Misconfigured) => "layerscope ci: **MISCONFIGURED**",
        None => "layerscope report",
    };
    md.push_str(&format!("## {title}: {}\n\n", escape(name)));
    let size: u64 = a.layers.iter().map(|l| l.size).sum();
    let blobs: u64 = a.layers.iter().map(|l| l.blob_size).sum();
    md.push_str("| Image | |\n|---|---|\n");
    if let Some(r) = &a.reference {
        md.push_str(&format!("| Reference | {} |\n", escape(r)));
    }
    if let Some(p) = &a.platform {
        md.push_str(&format!("| Platform | {} |\n", escape(&p.to_string())));
    }
    md.push_str(&format!(
        "| Layers | {} ({} compressed, {} of files) |\n",
        a.layers.len(),
        bytes(blobs),
        bytes(size)
    ));
    md.push_str(&format!(
        "| Wasted (exact) | {} ({} of the stored file bytes) |\n",
        bytes(a.waste.wasted_bytes),
        percent(1.0 - a.waste.efficiency)
    ));
    md.push_str(&format!(
        "| dive's figures | efficiency {}, wasted {}, user wasted {} |\n\n",
        percent(a.dive.efficiency),
        bytes(a.dive.wasted_bytes),
        percent(a.dive.user_wasted_percent)
    ));
    if let Some(gate) = gate {
        md.push_str("### CI rules\n\n| Rule | Setting | Image | Result |\n|---|---|---|---|\n");
        for v in &gate.verdicts {
            let detail = if v.message.is_empty() {
                String::new()
            } else {
                format!(": {}", escape(&v.message))
            };
            md.push_str(&format!(
                "| {} | {} | {} | {}{detail} |\n",
                escape(&rule_name(v.origin, v.rule)),
                escape(&v.setting),
                escape(v.value.as_deref().unwrap_or("")),
                v.status.name()
            ));
        }
        md.push('\n');
    }
    let counts = findings::counts(found);
    let summary: Vec<String> = findings::Level::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| format!("{n} {}", l.name()))
        .collect();
    if found.is_empty() {
        md.push_str("### Findings\n\nNone.\n\n");
    } else {
        md.push_str(&format!("### Findings ({})\n\n", summary.join(", ")));
        md.push_str("| Severity | Finding | Layer | Bytes | Fix |\n|---|---|---|---|---|\n");
        for f in found.iter().take(TOP) {
            let layer = f.layer.map_or(String::new(), |l| l.to_string());
            md.push_str(&format!(
                "| {} | `{}` {} | {layer} | {} | {} |\n",
                f.level.name(),
                f.id,
                escape(&f.title),
                if f.bytes > 0 {
                    bytes(f.bytes)
                } else {
                    String::new()
                },
                escape(f.fix())
            ));
        }
        if found.len() > TOP {
            md.push_str(&format!(
                "\nand {} more (the JSON report lists them all).\n",
                found.len() - TOP
            ));
        }
        md.push('\n');
    }
    if a.waste.paths.is_empty() {
        md.push_str("### Wasted paths\n\nNone.\n");
    } else {
        md.push_str("### Wasted paths\n\n| Path | Wasted | Copies | Layers | Still present |\n|---|---|---|---|---|\n");
        for w in a.waste.paths.iter().take(TOP) {
            let layers: Vec<String> = w.layers.iter().map(|l| l.to_string()).collect();
            md.push_str(&format!(
                "| /{} | {} | {} | {} | {} |\n",
                escape(&w.path),
                bytes(w.wasted_bytes),
                w.copies,
                layers.join(", "),
                if w.present { "yes" } else { "no" }
            ));
        }
        if a.waste.paths.len() > TOP {
            md.push_str(&format!("\nand {} more.\n", a.waste.paths.len() - TOP));
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn image_text_cannot_become_markup() {
        assert_eq!(
            escape("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape("a|b\nc"), "a\\|b c");
        assert_eq!(escape("*bold* [x](y)"), "\\*bold\\* \\[x\\](y)");
    }
}
