//! The human summary of `layerscope inspect`.

use layerscope_core::{human, Analysis};
use std::io::{self, Write};

fn cell(text: &str, width: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > width {
        let cut: String = one_line.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

pub fn inspect(out: &mut dyn Write, a: &Analysis, file: &str) -> io::Result<()> {
    let reference = a.reference.as_deref().unwrap_or("(untagged)");
    writeln!(
        out,
        "Image      {reference}  ({}, {})",
        file,
        a.format.name()
    )?;
    if let Some(p) = &a.platform {
        let others = if a.platforms.len() > 1 {
            format!(
                "  (of {})",
                a.platforms
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        writeln!(out, "Platform   {p}{others}")?;
    }
    if a.images.len() > 1 {
        writeln!(out, "Images     {}", a.images.join(", "))?;
    }
    if let Some(d) = &a.config_digest {
        writeln!(out, "Config     {d}")?;
    }
    if let Some(c) = &a.created {
        writeln!(out, "Created    {c}")?;
    }
    let size: u64 = a.layers.iter().map(|l| l.size).sum();
    let blob: u64 = a.layers.iter().map(|l| l.blob_size).sum();
    writeln!(
        out,
        "Layers     {} ({} stored, {} of files), {} in the final filesystem",
        a.layers.len(),
        human::bytes(blob),
        human::bytes(size),
        human::count(a.union.len(), "path", "paths")
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:>5}  {:<20}  {:<60}  {:>9}  {:>9}  COMMENT",
        "LAYER", "CREATED", "CREATED BY", "SIZE", "WASTED"
    )?;
    for step in a.steps.iter().rev() {
        let h = step.history.and_then(|h| a.history.get(h));
        let created = h.and_then(|h| h.created.as_deref()).unwrap_or("");
        let created = cell(&human::created(created), 20);
        let by = cell(h.and_then(|h| h.created_by.as_deref()).unwrap_or(""), 60);
        let comment = cell(h.and_then(|h| h.comment.as_deref()).unwrap_or(""), 30);
        let (index, size, wasted) = match step.layer.and_then(|l| a.layers.get(l)) {
            Some(l) => (
                l.index.to_string(),
                human::bytes(l.size),
                human::bytes(l.wasted_bytes),
            ),
            None => ("-".to_string(), "0 B".to_string(), String::new()),
        };
        writeln!(
            out,
            "{index:>5}  {created:<20}  {by:<60}  {size:>9}  {wasted:>9}  {comment}"
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Efficiency (dive 0.13.1)  {}   wasted {}   user wasted {}",
        human::percent(a.dive.efficiency),
        human::bytes(a.dive.wasted_bytes),
        human::percent(a.dive.user_wasted_percent)
    )?;
    writeln!(
        out,
        "Exact efficiency          {}   wasted {} of {} stored ({}): not in the final filesystem",
        human::percent(a.waste.efficiency),
        human::bytes(a.waste.wasted_bytes),
        human::bytes(a.waste.stored_bytes),
        human::percent(a.waste.wasted_bytes as f64 / a.waste.stored_bytes as f64)
    )?;
    if !a.waste.paths.is_empty() {
        writeln!(out)?;
        writeln!(out, "Top wasted paths (exact)")?;
        for w in a.waste.paths.iter().take(10) {
            let layers = w
                .layers
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(",");
            let status = if w.present { "" } else { "  (deleted)" };
            writeln!(
                out,
                "  {:>9}  {} cop{} in layer {layers}  /{}{status}",
                human::bytes(w.wasted_bytes),
                w.copies,
                if w.copies == 1 { "y" } else { "ies" },
                w.path
            )?;
        }
    }
    if !a.diagnostics.is_empty() {
        writeln!(out)?;
        writeln!(out, "Notes")?;
        for d in &a.diagnostics {
            writeln!(out, "  {d}")?;
        }
    }
    Ok(())
}
