//! The `layerscope` command: the engine over files and directories, for
//! terminals and CI. It opens the input, shows progress on a terminal, prints
//! what the engine returned, and turns any failure into one line on stderr
//! naming the file, the layer and what is wrong, with exit code 2.

mod alloc_tuning;
mod cache_cmd;
mod ci_cmd;
mod diff_cmd;
mod dir_source;
mod parallel;
mod progress_bar;
mod text;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use layerscope_core::report::listing;
use layerscope_core::{Analysis, Error, ErrorKind, Options, Source, TarSource};
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "layerscope",
    version,
    about = "See inside container images: layers, union filesystem, changes, waste."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct ImageArgs {
    /// An image archive (`docker save`, OCI archive; gzip or zstd too), an
    /// OCI layout directory or an extracted `docker save`, or `-` for stdin.
    image: PathBuf,
    /// Which image of a multi-image archive: a tag or reference, or a 0-based index.
    #[arg(long = "ref", value_name = "TAG|INDEX")]
    image_ref: Option<String>,
    /// Which platform of a multi-platform index, as os/arch[/variant] (default: linux/amd64 or the only one).
    #[arg(long)]
    platform: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Summarise an image: layers like `docker history`, sizes, efficiency, wasted paths.
    Inspect {
        #[command(flatten)]
        args: ImageArgs,
        /// Print the whole report as one JSON document (see docs/report.md).
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print the report for people in Markdown: summary, findings, wasted paths.
        #[arg(long)]
        markdown: bool,
    },
    /// List the union filesystem after a layer, one path per line, as `find -printf` would over the unpacked rootfs.
    Ls {
        #[command(flatten)]
        args: ImageArgs,
        /// 0-based filesystem layer (default: the last).
        #[arg(long)]
        layer: Option<usize>,
        /// List what that layer changed instead: `A|M|D<TAB>path<TAB>changed fields`.
        #[arg(long)]
        changes: bool,
        /// With --changes: from this layer to --layer (a range).
        #[arg(long, requires = "changes")]
        from: Option<usize>,
        /// Write CSV (a header row; every path with its type, size, mode, owner
        /// and the layer that wrote it; or every change with its sizes).
        #[arg(long)]
        csv: bool,
    },
    /// What each layer installed: packages from the dpkg, apk, Python and npm
    /// databases, the layer that added, upgraded or removed each, its files,
    /// bytes and waste (docs/packages.md).
    Packages {
        #[command(flatten)]
        args: ImageArgs,
        /// Only the packages this 0-based layer added, upgraded or removed
        /// (the table and --csv; --json is always the whole document).
        #[arg(long)]
        layer: Option<usize>,
        /// Print one JSON document (docs/packages.md).
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Write CSV, one row a package.
        #[arg(long)]
        csv: bool,
    },
    /// The build as Dockerfile steps, and what a change would rebuild, push and pull (docs/cache.md).
    Cache {
        #[command(flatten)]
        args: ImageArgs,
        #[command(flatten)]
        cache: cache_cmd::CacheArgs,
    },
    /// CI gate: dive's rules from `.dive-ci` (same semantics) and ours, with
    /// JSON, Markdown and JUnit reports from the same run (docs/ci.md).
    /// Exit status 0 pass, 1 fail (or misconfigured rules), 2 on trouble.
    Ci {
        #[command(flatten)]
        args: ImageArgs,
        #[command(flatten)]
        ci: ci_cmd::CiArgs,
    },
    /// Compare image A with image B: shared layers, pull plans, paths, history, config (docs/diff.md).
    /// Exit status 0 if they are identical, 1 if they differ, 2 on trouble.
    Diff {
        #[command(flatten)]
        diff: diff_cmd::DiffArgs,
    },
}

fn main() -> ExitCode {
    alloc_tuning::tune();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // `layerscope ls … | head` closing the pipe early is not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "layerscope: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let pipe = Some(std::io::ErrorKind::BrokenPipe);
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().map(|e| e.kind()) == pipe
            || e.downcast_ref::<serde_json::Error>()
                .and_then(|e| e.io_error_kind())
                == pipe
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (analysis, name) = match &cli.command {
        Command::Inspect { args, .. }
        | Command::Ls { args, .. }
        | Command::Cache { args, .. }
        | Command::Packages { args, .. } => (load(args)?, args.image.display().to_string()),
        Command::Ci { args, ci } => {
            let rules = ci_cmd::rules(ci)?;
            let a = load(args)?;
            let name = args.image.display().to_string();
            let outcome = ci_cmd::run(&mut out, &a, &name, ci, rules)?;
            out.flush()?;
            return Ok(if reported_errors(&a, &name) {
                ExitCode::from(2)
            } else if outcome == layerscope_core::gate::Outcome::Pass {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        Command::Diff { diff } => return run_diff(&mut out, diff),
    };
    match cli.command {
        Command::Inspect {
            args,
            json,
            markdown,
        } => {
            if markdown {
                let found = layerscope_core::findings::find(&analysis);
                let md = layerscope_core::report::markdown::report(&analysis, &found, &name, None);
                out.write_all(md.as_bytes())?;
            } else if json {
                serde_json::to_writer_pretty(
                    &mut out,
                    &layerscope_core::report::inspect::build(&analysis),
                )?;
                writeln!(out)?;
            } else {
                text::inspect(&mut out, &analysis, &args.image.display().to_string())?;
            }
        }
        Command::Cache { cache, .. } => cache_cmd::run(&mut out, &analysis, &name, &cache)?,
        Command::Packages {
            layer, json, csv, ..
        } => {
            if let Some(layer) = layer {
                listing::check_layers(&analysis, layer, layer).map_err(|e| anyhow::anyhow!(e))?;
            }
            let found = layerscope_core::packages::packages(&analysis);
            if json {
                serde_json::to_writer_pretty(
                    &mut out,
                    &layerscope_core::report::packages::json(&found, &name),
                )?;
                writeln!(out)?;
            } else if csv {
                out.write_all(layerscope_core::report::packages::csv(&found, layer).as_bytes())?;
            } else {
                out.write_all(layerscope_core::report::packages::text(&found, layer).as_bytes())?;
            }
        }
        Command::Diff { .. } | Command::Ci { .. } => unreachable!("answered above"),
        Command::Ls {
            layer,
            changes,
            from,
            csv,
            ..
        } => {
            let layer = layer.unwrap_or(analysis.layers.len().saturating_sub(1));
            let first = from.unwrap_or(layer);
            listing::check_layers(&analysis, first, layer).map_err(|e| anyhow::anyhow!(e))?;
            if csv && changes {
                out.write_all(
                    layerscope_core::report::csv::changes(&analysis, first, layer).as_bytes(),
                )?;
            } else if csv {
                out.write_all(
                    layerscope_core::report::csv::paths(&analysis, &analysis.union_at(layer))
                        .as_bytes(),
                )?;
            } else if changes {
                for change in analysis.layers[first..=layer]
                    .iter()
                    .flat_map(|l| &l.changes)
                {
                    if let Some(line) = listing::change_line(&analysis, change) {
                        writeln!(out, "{line}")?;
                    }
                }
            } else {
                for line in listing::ls(&analysis, &analysis.union_at(layer)) {
                    writeln!(out, "{line}")?;
                }
            }
        }
    }
    out.flush()?;
    if reported_errors(&analysis, &name) {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// A digest mismatch is shown, then reported as the error it is: one line
/// on stderr. Whether there was one.
fn reported_errors(analysis: &Analysis, name: &str) -> bool {
    let mut errors = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == layerscope_core::Severity::Error);
    let Some(d) = errors.next() else {
        return false;
    };
    let more = match errors.count() {
        0 => String::new(),
        n => format!(" (and {n} more)"),
    };
    let _ = writeln!(std::io::stderr(), "layerscope: error: {name}: {d}{more}");
    true
}

/// `layerscope diff`: 0 identical, 1 different, 2 trouble (as `diff`).
fn run_diff(out: &mut dyn Write, args: &diff_cmd::DiffArgs) -> Result<ExitCode> {
    if args.a == Path::new("-") && args.b == Path::new("-") {
        bail!("only one of the two images can be read from standard input");
    }
    let side = |image: &PathBuf, r: &Option<String>, p: &Option<String>| {
        let args = ImageArgs {
            image: image.clone(),
            image_ref: r.clone().or_else(|| args.image_ref.clone()),
            platform: p.clone().or_else(|| args.platform.clone()),
        };
        load(&args).map(|a| (a, image.display().to_string()))
    };
    let (a, name_a) = side(&args.a, &args.ref_a, &args.platform_a)?;
    let (b, name_b) = side(&args.b, &args.ref_b, &args.platform_b)?;
    let identical = diff_cmd::run(out, (&a, &name_a), (&b, &name_b), args)?;
    out.flush()?;
    let (bad_a, bad_b) = (reported_errors(&a, &name_a), reported_errors(&b, &name_b));
    Ok(if bad_a || bad_b {
        ExitCode::from(2)
    } else if identical {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn load(args: &ImageArgs) -> Result<Analysis> {
    let options = Options {
        image: args.image_ref.clone(),
        platform: args.platform.clone(),
    };
    let name = args.image.display().to_string();
    let mut bar = progress_bar::Bar::new(std::io::stderr().is_terminal());
    let result = if args.image == Path::new("-") {
        layerscope_core::analyze_stream(std::io::stdin().lock(), &options, &mut bar)
    } else if args.image.is_dir() {
        let root = args.image.clone();
        parallel::analyze(
            &move || {
                dir_source::DirSource::open(&root)
                    .map(|s| Box::new(s) as Box<dyn Source>)
                    .map_err(|e| {
                        Error::new(ErrorKind::Io, format!("cannot read the directory: {e}"))
                    })
            },
            &options,
            &mut bar,
        )
    } else {
        let mut file =
            std::fs::File::open(&args.image).with_context(|| format!("{name}: cannot open"))?;
        let mut head = Vec::with_capacity(512);
        (&mut file)
            .take(512)
            .read_to_end(&mut head)
            .with_context(|| format!("{name}: cannot read"))?;
        let compressed =
            layerscope_core::sniff_archive(&head).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        if compressed.is_some() {
            // A compressed archive can only be read front to back.
            file.seek(SeekFrom::Start(0))
                .with_context(|| format!("{name}: cannot read"))?;
            layerscope_core::analyze(
                std::io::BufReader::with_capacity(256 * 1024, file),
                &options,
                &mut bar,
            )
        } else {
            let path = args.image.clone();
            parallel::analyze(
                &move || {
                    let file = std::fs::File::open(&path)
                        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot open: {e}")))?;
                    let reader = std::io::BufReader::with_capacity(64 * 1024, file);
                    Ok(Box::new(TarSource::index(reader)?) as Box<dyn Source>)
                },
                &options,
                &mut bar,
            )
            .map(|mut a| {
                a.input_size = std::fs::metadata(&args.image).ok().map(|m| m.len());
                a
            })
        }
    };
    bar.clear();
    result.map_err(|e| anyhow::anyhow!("{name}: {e}"))
}
