//! `layerscope ci`: dive's CI rules from `.dive-ci` (dive 0.13.1's exact
//! semantics, `gate`), our rules beside them, and the reports of the same
//! run: JSON, Markdown, JUnit. Exit 0 pass, 1 fail or misconfigured, 2 trouble.

use anyhow::{Context, Result};
use layerscope_core::findings;
use layerscope_core::gate::{self, Outcome, Rules};
use layerscope_core::report::{ci, markdown};
use layerscope_core::Analysis;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct CiArgs {
    /// The rules file (dive's `.dive-ci` YAML; our rules under `layerscope:`).
    /// Default `./.dive-ci`; when it does not exist, dive's defaults apply.
    #[arg(long = "ci-config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write the whole report, with each rule's verdict, as JSON to FILE (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a pull-request comment in Markdown to FILE (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write JUnit XML (one test case per rule) to FILE (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// dive's flag: overrides the file's rules.lowestEfficiency.
    #[arg(long = "lowestEfficiency", value_name = "VALUE")]
    pub lowest_efficiency: Option<String>,
    /// dive's flag: overrides the file's rules.highestWastedBytes.
    #[arg(long = "highestWastedBytes", value_name = "VALUE")]
    pub highest_wasted_bytes: Option<String>,
    /// dive's flag: overrides the file's rules.highestUserWastedPercent.
    #[arg(long = "highestUserWastedPercent", value_name = "VALUE")]
    pub highest_user_wasted_percent: Option<String>,
}

/// The rules and the file they came from (None: dive's defaults). Read
/// before the image, as dive does: a file that does not parse stops here.
pub fn rules(args: &CiArgs) -> Result<(Rules, Option<String>)> {
    let path = args
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(gate::DEFAULT_FILE));
    let (mut rules, used) = if path.as_os_str().is_empty() || !path.exists() {
        if let Some(given) = &args.config {
            eprintln!(
                "layerscope: warning: {} does not exist; using dive's default rules (as dive does)",
                given.display()
            );
        }
        (Rules::default(), None)
    } else {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read the CI rules", path.display()))?;
        let rules =
            Rules::read(&text, &path.display().to_string()).map_err(|e| anyhow::anyhow!(e))?;
        (rules, Some(path.display().to_string()))
    };
    for (key, value) in [
        ("lowestEfficiency", &args.lowest_efficiency),
        ("highestWastedBytes", &args.highest_wasted_bytes),
        (
            "highestUserWastedPercent",
            &args.highest_user_wasted_percent,
        ),
    ] {
        if let Some(v) = value {
            rules.set_dive(key, v);
        }
    }
    Ok((rules, used))
}

fn write_to(path: &Path, text: &str, stdout: &mut dyn Write) -> Result<()> {
    if path == Path::new("-") {
        stdout.write_all(text.as_bytes())?;
        return Ok(());
    }
    std::fs::write(path, text).with_context(|| format!("{}: cannot write", path.display()))
}

/// Evaluates and writes every report asked for; the outcome.
pub fn run(
    out: &mut dyn Write,
    a: &Analysis,
    name: &str,
    args: &CiArgs,
    (rules, config): (Rules, Option<String>),
) -> Result<Outcome> {
    let found = findings::find(a);
    let gate = gate::evaluate(a, &found, &rules);
    let section = ci::CiSection::new(&gate, config.as_deref());
    if let Some(path) = &args.json {
        write_to(path, &ci::json(a, &found, section), out)?;
    }
    if let Some(path) = &args.markdown {
        write_to(path, &markdown::report(a, &found, name, Some(&gate)), out)?;
    }
    if let Some(path) = &args.junit {
        write_to(path, &ci::junit(&gate, name), out)?;
    }
    let summary = ci::summary(a, &gate, config.as_deref());
    let to_stdout = [&args.json, &args.markdown, &args.junit]
        .iter()
        .any(|p| p.as_deref() == Some(Path::new("-")));
    if to_stdout {
        eprint!("{summary}");
    } else {
        out.write_all(summary.as_bytes())?;
    }
    Ok(gate.outcome())
}
