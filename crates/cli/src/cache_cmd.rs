//! `layerscope cache`: the build reconstructed from the image's history,
//! what a change would rebuild, push and pull (Docker's cache rules, see
//! docs/cache.md), and advice with its saving simulated. Step numbers are
//! 1-based, as `docker build` prints them (`Step 3/15`).

use anyhow::{anyhow, bail, Context, Result};
use layerscope_core::build::advice::{self, Advice};
use layerscope_core::build::cache::{self, Build, Change, Cost, Outcome, Simulation};
use layerscope_core::build::dockerfile::{self, Aligned, Dockerfile};
use layerscope_core::report::cache::CacheDocument;
use layerscope_core::{human, Analysis};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(group(
    clap::ArgGroup::new("change")
        .args(["change_file", "edit_step", "change_base", "build_arg", "no_cache"])
))]
pub struct CacheArgs {
    /// A file of the build context changed (a path in the image): it maps to the COPY/ADD step that brought it in.
    #[arg(long, value_name = "PATH")]
    change_file: Option<String>,
    /// Step N's text changes (1-based, as listed).
    #[arg(long, value_name = "N")]
    edit_step: Option<usize>,
    /// The new text of the edited step (default: any different text).
    #[arg(long, value_name = "TEXT", requires = "edit_step")]
    text: Option<String>,
    /// The base image changes (a new digest behind the tag, or another tag).
    #[arg(long)]
    change_base: bool,
    /// A different value for --build-arg NAME.
    #[arg(long, value_name = "NAME")]
    build_arg: Option<String>,
    /// Rebuild with `docker build --no-cache`.
    #[arg(long)]
    no_cache: bool,
    /// The first N steps are the base image (default: a guess, shown).
    #[arg(long, value_name = "N")]
    base_end: Option<usize>,
    /// A Dockerfile to line up with the image's steps.
    #[arg(long, value_name = "FILE")]
    dockerfile: Option<PathBuf>,
    /// Print one JSON document (schema in docs/cache.md).
    #[arg(long)]
    json: bool,
}

/// The change asked for, as the simulation takes it, and how the user wrote it.
fn change(args: &CacheArgs, b: &Build) -> Result<Option<(Change, String)>> {
    if let Some(p) = &args.change_file {
        return Ok(Some((
            Change::File { path: p.clone() },
            format!("--change-file {p}"),
        )));
    }
    if let Some(n) = args.edit_step {
        let flag = format!("--edit-step {n}");
        let steps = b.steps.len();
        if n == 0 {
            bail!("{flag}: steps are numbered from 1");
        }
        if n > steps {
            bail!("{flag}: the image has {steps} steps");
        }
        let text = match &args.text {
            Some(t) => t.clone(),
            None => format!("{} # edited", b.steps[n - 1].line()),
        };
        return Ok(Some((Change::EditStep { step: n - 1, text }, flag)));
    }
    if args.change_base {
        return Ok(Some((Change::Base, "--change-base".into())));
    }
    if let Some(name) = &args.build_arg {
        return Ok(Some((
            Change::BuildArg { name: name.clone() },
            format!("--build-arg {name}"),
        )));
    }
    if args.no_cache {
        return Ok(Some((Change::NoCache, "--no-cache".into())));
    }
    Ok(None)
}

pub fn run(out: &mut dyn Write, a: &Analysis, file: &str, args: &CacheArgs) -> Result<()> {
    let facts = cache::facts(a);
    let mut build = Build::new(&facts);
    if let Some(n) = args.base_end {
        build = build
            .with_base_end(n)
            .map_err(|e| anyhow!("--base-end {n}: {e}"))?;
    }
    let dockerfile = match &args.dockerfile {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("--dockerfile {}: cannot read", p.display()))?;
            Some(dockerfile::parse(&text))
        }
        None => None,
    };
    let change = change(args, &build)?;
    let sim = match &change {
        Some((c, flag)) => Some(cache::simulate(&build, c).map_err(|e| anyhow!("{flag}: {e}"))?),
        None => None,
    };
    let advice = advice::advise(&facts, &build);
    let rows = dockerfile
        .as_ref()
        .map(|df| dockerfile::align(df, &build.steps, build.base_end));
    if args.json {
        let doc = CacheDocument {
            image: file,
            analysis: a,
            build: &build,
            change: change.as_ref().map(|(c, _)| c).zip(sim.as_ref()),
            advice: &advice,
            dockerfile: dockerfile.as_ref().zip(rows.as_deref()),
        };
        out.write_all(doc.to_json().as_bytes())?;
        return Ok(());
    }
    text(
        out,
        a,
        file,
        &build,
        change.as_ref().map(|(_, f)| f.as_str()),
        sim.as_ref(),
    )?;
    if let (Some(df), Some(rows)) = (&dockerfile, &rows) {
        text_dockerfile(out, df, rows)?;
    }
    if sim.is_none() {
        text_advice(out, &advice)?;
    }
    Ok(())
}

fn cell(text: &str, width: usize) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > width {
        format!("{}…", one.chars().take(width - 1).collect::<String>())
    } else {
        one
    }
}

fn time_text(c: &Cost) -> String {
    match &c.time {
        None => "no estimate: the history's created times are missing, zeroed or all equal".into(),
        Some(t) if t.unmeasured.is_empty() => format!(
            "about {} (an estimate from the gaps between the history's created times)",
            seconds(t.seconds)
        ),
        Some(t) => format!(
            "at least {} (an estimate from the gaps between the history's created times; step {} not measurable)",
            seconds(t.seconds),
            t.unmeasured
                .iter()
                .map(|i| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn seconds(s: f64) -> String {
    if s >= 120.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{s:.1} s")
    }
}

fn text(
    out: &mut dyn Write,
    a: &Analysis,
    file: &str,
    b: &Build,
    flag: Option<&str>,
    sim: Option<&Simulation>,
) -> Result<()> {
    let reference = a.reference.as_deref().unwrap_or("(untagged)");
    writeln!(out, "Image      {reference}  ({file})")?;
    let layers = b.steps.iter().filter(|s| s.layer.is_some()).count();
    writeln!(
        out,
        "Build      {} steps, {layers} made a layer",
        b.steps.len()
    )?;
    let base = if b.base_end == 0 {
        "none: every step is the build's own".to_string()
    } else {
        format!(
            "{} (move it with --base-end N)",
            cache::steps_upto(b.base_end)
        )
    };
    writeln!(out, "Base       {base}")?;
    writeln!(out, "           {}", b.base.explanation)?;
    writeln!(out)?;
    let outcome_col = if sim.is_some() { "  OUTCOME  " } else { "" };
    writeln!(
        out,
        "{:>4}  {:>5}  {:>9}{outcome_col}  INSTRUCTION",
        "STEP", "LAYER", "SIZE"
    )?;
    for (i, s) in b.steps.iter().enumerate() {
        if i == b.base_end && i > 0 {
            writeln!(out, "{:-<4}  base image ends above  {:-<40}", "", "")?;
        }
        let (layer, size) = match &s.layer {
            Some(l) => (
                l.index.map_or("-".into(), |x| x.to_string()),
                human::bytes(l.tar_size),
            ),
            None => ("-".to_string(), String::new()),
        };
        let outcome = match sim {
            Some(sim) => format!(
                "  {:<9}",
                match sim.outcomes[i] {
                    Outcome::Rebuilt => "REBUILT",
                    o => o.label(),
                }
            ),
            None => String::new(),
        };
        writeln!(
            out,
            "{:>4}  {layer:>5}  {size:>9}{outcome}  {}",
            i + 1,
            cell(&s.line(), 90)
        )?;
    }
    if let (Some(sim), Some(flag)) = (sim, flag) {
        writeln!(out)?;
        writeln!(out, "Change     {flag}")?;
        match sim.first_miss {
            Some(i) => writeln!(out, "First miss step {}: {}", i + 1, sim.reason)?,
            None => writeln!(out, "No miss    {}", sim.reason)?,
        }
        cost_text(out, &sim.cost, "")?;
    }
    Ok(())
}

fn cost_text(out: &mut dyn Write, c: &Cost, indent: &str) -> Result<()> {
    let est = if c.estimated_sizes {
        " (estimated)"
    } else {
        ""
    };
    writeln!(
        out,
        "{indent}Rebuilt    {}, {}, {} uncompressed{est}",
        human::count(c.steps_rebuilt, "step", "steps"),
        human::count(c.layers_rebuilt, "layer", "layers"),
        human::bytes(c.rebuilt_bytes)
    )?;
    writeln!(
        out,
        "{indent}Push       {} (compressed blobs of the rebuilt layers){est}",
        human::bytes(c.push_bytes)
    )?;
    writeln!(
        out,
        "{indent}Pull       {} for a host that has the previous image{est}",
        human::bytes(c.pull_bytes)
    )?;
    writeln!(out, "{indent}Time       {}", time_text(c))?;
    Ok(())
}

fn text_dockerfile(out: &mut dyn Write, df: &Dockerfile, rows: &[Aligned]) -> Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "Dockerfile ({} stage{}; the last one is lined up with the build's steps)",
        df.stages.len(),
        if df.stages.len() == 1 { "" } else { "s" }
    )?;
    for r in rows {
        let (line, text, step, mark) = match *r {
            Aligned::Both {
                instruction,
                step,
                exact,
            } => (
                df.instructions[instruction].line.to_string(),
                df.instructions[instruction].text(),
                (step + 1).to_string(),
                if exact { "=" } else { "~" },
            ),
            Aligned::OnlyDockerfile(i) => (
                df.instructions[i].line.to_string(),
                df.instructions[i].text(),
                "-".into(),
                "?",
            ),
            Aligned::OnlyImage(s) => ("-".into(), String::new(), (s + 1).to_string(), "?"),
        };
        writeln!(
            out,
            "  line {line:>4}  {mark}  step {step:>3}  {}",
            cell(&text, 80)
        )?;
    }
    Ok(())
}

fn text_advice(out: &mut dyn Write, advice: &[Advice]) -> Result<()> {
    writeln!(out)?;
    if advice.is_empty() {
        writeln!(
            out,
            "Advice     none: no order that wastes the cache, no deleted bytes or secrets found"
        )?;
        return Ok(());
    }
    writeln!(out, "Advice")?;
    for (k, a) in advice.iter().enumerate() {
        writeln!(out, "{:>3}. {}", k + 1, a.title)?;
        writeln!(out, "     {}", a.detail)?;
        if let Some(f) = &a.fix {
            writeln!(out, "     Fixed steps:")?;
            for l in &f.lines {
                writeln!(out, "       {}", cell(l, 100))?;
            }
            writeln!(out, "     The same change on both ({}):", f.change)?;
            for (label, cost) in [("now:  ", &f.before.cost), ("fixed:", &f.after.cost)] {
                writeln!(
                    out,
                    "       {label} {} rebuilt, push {}, pull {}, time {}",
                    human::count(cost.layers_rebuilt, "layer", "layers"),
                    human::bytes(cost.push_bytes),
                    human::bytes(cost.pull_bytes),
                    short_time(cost)
                )?;
            }
            writeln!(out, "       ({})", f.note)?;
        }
    }
    Ok(())
}

fn short_time(c: &Cost) -> String {
    match &c.time {
        None => "unknown".into(),
        Some(t) if t.unmeasured.is_empty() => format!("~{}", seconds(t.seconds)),
        Some(t) => format!("≥{}", seconds(t.seconds)),
    }
}
