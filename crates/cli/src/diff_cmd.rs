//! `layerscope diff A B`: two images compared (docs/diff.md). A readable
//! summary (shared layers, where the stacks part, the pull plan both ways,
//! the largest path changes, history and config), `--json` (the engine's
//! document) or `--paths` (one line per path). Exit status as `diff`'s: 0
//! identical, 1 different, 2 trouble.

use anyhow::{bail, Result};
use layerscope_core::compare::{Comparison, PathDiffKind, StepRowKind};
use layerscope_core::report::compare::{self as doc, Side};
use layerscope_core::{human, Analysis};
use std::io::Write;
use std::path::PathBuf;

/// How many path changes the summary lists.
const TOP_PATHS: usize = 20;

#[derive(clap::Args)]
pub struct DiffArgs {
    /// Image A, the one before (an archive, a layout directory, or `-`).
    pub a: PathBuf,
    /// Image B, the one after.
    pub b: PathBuf,
    /// Which image of a multi-image archive, on both sides (a tag or reference, or a 0-based index).
    #[arg(long = "ref", value_name = "TAG|INDEX")]
    pub image_ref: Option<String>,
    /// The same for A alone (overrides --ref).
    #[arg(long = "ref-a", value_name = "TAG|INDEX")]
    pub ref_a: Option<String>,
    /// The same for B alone (overrides --ref).
    #[arg(long = "ref-b", value_name = "TAG|INDEX")]
    pub ref_b: Option<String>,
    /// Which platform of a multi-platform index, on both sides (os/arch[/variant]).
    #[arg(long)]
    pub platform: Option<String>,
    /// The same for A alone (overrides --platform).
    #[arg(long = "platform-a")]
    pub platform_a: Option<String>,
    /// The same for B alone (overrides --platform).
    #[arg(long = "platform-b")]
    pub platform_b: Option<String>,
    /// Compare the filesystem after this layer of A (0-based; default the last).
    #[arg(long = "layer-a", value_name = "N")]
    pub layer_a: Option<usize>,
    /// Compare the filesystem after this layer of B (0-based; default the last).
    #[arg(long = "layer-b", value_name = "N")]
    pub layer_b: Option<usize>,
    /// Print one JSON document (docs/diff.md).
    #[arg(long, conflicts_with = "paths")]
    pub json: bool,
    /// One line per path that differs: `A|D|M<TAB>path<TAB>size in A<TAB>size in B<TAB>fields`.
    #[arg(long)]
    pub paths: bool,
}

/// Checks a `--layer-a`/`--layer-b` value against its image.
fn layer(a: &Analysis, asked: Option<usize>, flag: &str) -> Result<Option<usize>> {
    let n = a.layers.len();
    match asked {
        Some(k) if k >= n => bail!(
            "{flag} {k}: the image has {n} layers{}",
            if n > 0 {
                format!(" (0 to {})", n - 1)
            } else {
                String::new()
            }
        ),
        other => Ok(other),
    }
}

/// Compares and prints; returns whether the images are identical.
pub fn run(
    out: &mut dyn Write,
    (a, name_a): (&Analysis, &str),
    (b, name_b): (&Analysis, &str),
    args: &DiffArgs,
) -> Result<bool> {
    let (layer_a, layer_b) = (
        layer(a, args.layer_a, "--layer-a")?,
        layer(b, args.layer_b, "--layer-b")?,
    );
    let c = layerscope_core::compare::compare_at(a, layer_a, b, layer_b);
    let side_a = Side {
        image: name_a,
        analysis: a,
        layer: layer_a,
    };
    let side_b = Side {
        image: name_b,
        analysis: b,
        layer: layer_b,
    };
    if args.json {
        out.write_all(doc::to_json(&side_a, &side_b, &c).as_bytes())?;
    } else if args.paths {
        for d in &c.paths.list {
            writeln!(out, "{}", doc::path_line(d))?;
        }
    } else {
        summary(out, &side_a, &side_b, &c)?;
    }
    Ok(c.identical())
}

fn summary(out: &mut dyn Write, a: &Side, b: &Side, c: &Comparison) -> Result<()> {
    for (letter, side) in [("A", a), ("B", b)] {
        let reference = side.analysis.reference.as_deref().unwrap_or("(untagged)");
        writeln!(
            out,
            "{letter}          {reference}  ({}, {} layers)",
            side.image,
            side.analysis.layers.len()
        )?;
    }
    writeln!(out)?;
    let (na, nb) = (c.a.len(), c.b.len());
    let stacks = if c.shared_base == na && na == nb {
        format!(
            "the same {} (by diff_id)",
            human::count(na, "layer", "layers")
        )
    } else if c.shared_base == 0 {
        "no layer in common at the bottom: the stacks part at layer 0".to_string()
    } else if c.shared_base == 1 {
        "the bottom layer is the same (by diff_id); the stacks part at layer 1".to_string()
    } else {
        format!(
            "the first {} layers are the same (by diff_id); the stacks part at layer {}",
            c.shared_base, c.shared_base
        )
    };
    writeln!(out, "Layers     {stacks}")?;
    let recompressed: Vec<String> = c
        .same_files_other_blob()
        .iter()
        .map(|(i, j)| format!("A {i} = B {j}"))
        .collect();
    if !recompressed.is_empty() {
        writeln!(
            out,
            "           the same files in other blobs (compressed otherwise), so a pull downloads them again: {}",
            recompressed.join(", ")
        )?;
    }
    writeln!(out)?;
    for (label, who, plan, other) in [("Pull", "A", &c.pull_b, "B"), ("", "B", &c.pull_a, "A")] {
        writeln!(
            out,
            "{label:<11}a host with {who} pulls {other}: {} ({}), keeps {}",
            human::count(plan.download_layers, "layer", "layers"),
            human::bytes(plan.download_bytes),
            human::count(plan.kept_layers, "layer", "layers")
                + &format!(" ({})", human::bytes(plan.kept_bytes)),
        )?;
    }
    writeln!(
        out,
        "           a host with neither: A {}, B {}",
        human::bytes(c.pull_a.fresh_bytes),
        human::bytes(c.pull_b.fresh_bytes)
    )?;
    writeln!(out)?;
    let p = &c.paths;
    let net = p.net();
    writeln!(
        out,
        "Paths      {} added, {} removed, {} modified; files {} → {} ({}{})",
        p.count(|k| matches!(k, PathDiffKind::Added)),
        p.count(|k| matches!(k, PathDiffKind::Removed)),
        p.count(|k| matches!(k, PathDiffKind::Modified(_))),
        human::bytes(p.bytes_a),
        human::bytes(p.bytes_b),
        if net < 0 { "-" } else { "+" },
        human::bytes(net.unsigned_abs())
    )?;
    for d in doc::by_bytes(&p.list).into_iter().take(TOP_PATHS) {
        let (mark, what) = match d.kind {
            PathDiffKind::Added => ("+", format!("{:>9}", human::bytes(d.size_b))),
            PathDiffKind::Removed => ("-", format!("{:>9}", human::bytes(d.size_a))),
            PathDiffKind::Modified(f) => (
                "~",
                format!("{:>9}  ({})", human::bytes(d.size_b), f.names().join(", ")),
            ),
        };
        writeln!(out, "  {mark} {what}  /{}", d.path)?;
    }
    if p.list.len() > TOP_PATHS {
        writeln!(
            out,
            "  … and {} more (--paths lists them all)",
            p.list.len() - TOP_PATHS
        )?;
    }
    let differing: Vec<_> = c
        .steps
        .iter()
        .filter(|s| s.kind != StepRowKind::Same)
        .collect();
    writeln!(out)?;
    if differing.is_empty() {
        writeln!(
            out,
            "History    the same {}",
            human::count(c.steps.len(), "step", "steps")
        )?;
    } else {
        writeln!(
            out,
            "History    {} of {} rows differ",
            differing.len(),
            c.steps.len()
        )?;
        for s in differing {
            let step = |i: Option<usize>| i.map_or("-".to_string(), |i| (i + 1).to_string());
            let line = match s.kind {
                StepRowKind::Inserted => format!("+ B {}: {}", step(s.b), one_line(&s.line_b)),
                StepRowKind::Removed => format!("- A {}: {}", step(s.a), one_line(&s.line_a)),
                _ => format!(
                    "~ A {} → B {}: {} → {}",
                    step(s.a),
                    step(s.b),
                    one_line(&s.line_a),
                    one_line(&s.line_b)
                ),
            };
            writeln!(out, "  {line}")?;
        }
    }
    writeln!(out)?;
    if c.config.is_empty() {
        writeln!(out, "Config     the same")?;
    } else {
        writeln!(out, "Config")?;
        for k in &c.config {
            let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "(unset)".into());
            writeln!(out, "  {}: {} → {}", k.key, v(&k.a), v(&k.b))?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        if c.identical() {
            "The images are identical."
        } else {
            "The images differ."
        }
    )?;
    Ok(())
}

/// A history line on one line, cut at 100 characters.
fn one_line(text: &Option<String>) -> String {
    let text: String = text
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() > 100 {
        format!("{}…", text.chars().take(99).collect::<String>())
    } else {
        text
    }
}
