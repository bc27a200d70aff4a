//! The page's downloads and its CI panel, made by the functions the command
//! line calls, so each file is the CLI's bytes for the same file name:
//!
//! - `Report(Markdown)`: `layerscope inspect IMAGE --markdown`;
//! - `Report(PathsCsv{layer})`: `layerscope ls IMAGE --layer N --csv`;
//! - `Report(ChangesCsv{from, layer})`: `layerscope ls IMAGE --from M
//!   --layer N --changes --csv`;
//! - `Report(CiJson | CiJunit | CiMarkdown {rules})`: `layerscope ci IMAGE
//!   --ci-config CONFIG --json | --junit | --markdown FILE`;
//! - `CheckRules{rules}`: the verdicts of that run, as its `ci` section
//!   lists them (`report::ci::CiSection`), or the message it stops with
//!   when the rules are not valid YAML.
//!
//! The worker is handed the rules file's text; it reads no file itself.
//! The engine's findings, which the gate and the Markdown need, are worked
//! out once per image and kept in [`crate::views::Views`].

use crate::session::{failed, kind, Image};
use crate::views::Views;
use layerscope_core::findings::{self, Finding};
use layerscope_core::gate::{self, Gate, Rules, Status};
use layerscope_core::report::{ci, csv, listing, markdown};
use layerscope_core::Analysis;
use layerscope_protocol::{
    file_stem, CiResult, CiRules, CiStatus, CiVerdict, CiView, ReportFile, ReportKind, Response,
};

/// The engine's findings about the open image, worked out on first use.
fn found<'v>(a: &Analysis, views: &'v mut Views) -> &'v [Finding] {
    views.found.get_or_insert_with(|| findings::find(a))
}

/// The gate over the open image, as `layerscope ci` evaluates it; `Err` is
/// the line it stops with when the rules are not YAML.
fn evaluate(a: &Analysis, views: &mut Views, rules: &CiRules) -> Result<Gate, String> {
    let parsed = Rules::read(&rules.text, &rules.config)?;
    Ok(gate::evaluate(a, found(a, views), &parsed))
}

/// The file `kind` asks for: its name, media type and the CLI's text.
fn document(image: &Image, views: &mut Views, kind: &ReportKind) -> Result<ReportFile, String> {
    let a = &image.analysis;
    let name = image.name.as_str();
    let stem = file_stem(name);
    let (file_name, mime, text) = match kind {
        ReportKind::Markdown => (
            format!("{stem}.layerscope.md"),
            "text/markdown",
            markdown::report(a, found(a, views), name, None),
        ),
        ReportKind::PathsCsv { layer } => {
            listing::check_layers(a, *layer, *layer)?;
            (
                format!("{stem}.layerscope-layer-{layer}.csv"),
                "text/csv",
                csv::paths(a, &a.union_at(*layer)),
            )
        }
        ReportKind::ChangesCsv { from, layer } => {
            listing::check_layers(a, *from, *layer)?;
            let which = if from == layer {
                layer.to_string()
            } else {
                format!("{from}-{layer}")
            };
            (
                format!("{stem}.layerscope-changes-{which}.csv"),
                "text/csv",
                csv::changes(a, *from, *layer),
            )
        }
        ReportKind::CiJson { rules } => {
            let gate = evaluate(a, views, rules)?;
            let section = ci::CiSection::new(&gate, Some(&rules.config));
            (
                format!("{stem}.layerscope-ci.json"),
                "application/json",
                ci::json(a, found(a, views), section),
            )
        }
        ReportKind::CiJunit { rules } => {
            let gate = evaluate(a, views, rules)?;
            (
                format!("{stem}.layerscope-ci.junit.xml"),
                "application/xml",
                ci::junit(&gate, name),
            )
        }
        ReportKind::CiMarkdown { rules } => {
            let gate = evaluate(a, views, rules)?;
            (
                format!("{stem}.layerscope-ci.md"),
                "text/markdown",
                markdown::report(a, found(a, views), name, Some(&gate)),
            )
        }
    };
    Ok(ReportFile {
        kind: kind.clone(),
        file_name,
        mime: mime.to_string(),
        text,
    })
}

/// The answer to `Report`: the file, or a `Failed` naming the image and
/// what `layerscope` would have said.
pub fn report(image: &Image, views: &mut Views, kind: &ReportKind) -> Response {
    match document(image, views, kind) {
        Ok(file) => Response::Report(Box::new(file)),
        Err(e) => failed(kind::BAD_REQUEST, format!("{}: {e}", image.name)),
    }
}

fn status(s: Status) -> CiStatus {
    match s {
        Status::Pass => CiStatus::Pass,
        Status::Fail => CiStatus::Fail,
        Status::Skip => CiStatus::Skip,
        Status::Misconfigured => CiStatus::Misconfigured,
        Status::Configured => CiStatus::Configured,
    }
}

fn result(o: gate::Outcome) -> CiResult {
    match o {
        gate::Outcome::Pass => CiResult::Pass,
        gate::Outcome::Fail => CiResult::Fail,
        gate::Outcome::Misconfigured => CiResult::Misconfigured,
    }
}

/// The answer to `CheckRules`: the report's `ci` section as the panel's
/// rows, or the YAML error (a view, not a failure: the panel shows it).
pub fn check(image: &Image, views: &mut Views, id: u64, rules: &CiRules) -> CiView {
    let a = &image.analysis;
    let mut view = CiView {
        id,
        rules: rules.clone(),
        error: None,
        result: None,
        passed: 0,
        failed: 0,
        skipped: 0,
        misconfigured: 0,
        verdicts: Vec::new(),
    };
    let gate = match evaluate(a, views, rules) {
        Ok(gate) => gate,
        Err(e) => {
            view.error = Some(e);
            return view;
        }
    };
    // The report's section is the one place that shapes a verdict; only
    // the status is typed here, and the name is the one the CLI prints.
    let section = ci::CiSection::new(&gate, Some(&rules.config));
    view.result = Some(result(gate.outcome()));
    view.passed = section.passed;
    view.failed = section.failed;
    view.skipped = section.skipped;
    view.misconfigured = section.misconfigured;
    view.verdicts = gate
        .verdicts
        .iter()
        .zip(section.rules)
        .map(|(v, row)| CiVerdict {
            origin: row.origin.to_string(),
            rule: row.rule.to_string(),
            name: ci::rule_name(v.origin, v.rule),
            setting: row.setting,
            status: status(v.status),
            value: row.value,
            message: row.message,
        })
        .collect();
    view
}
