//! The page's downloads and CI verdicts, as the worker answers them: each
//! `Report` is the document the engine writes for the command line
//! (`inspect --markdown`, `ls --csv`, `ls --changes --csv`, `ci --json`,
//! `--junit`, `--markdown`, called here as crates/cli calls them), for the
//! page's samples and corpus images read through the windowed reader; each
//! `CheckRules` is the `ci` section of `layerscope ci --json`; rules that
//! are not YAML are an error in the view, not a failure; a layer the image
//! lacks is refused as `ls` refuses it.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../core/tests/support/mod.rs"]
mod support;

use layerscope_core::gate::{self, Rules};
use layerscope_core::report::{ci, csv, inspect, markdown};
use layerscope_core::{findings, Analysis, NoProgress};
use layerscope_protocol::{
    CiResult, CiRules, CiStatus, CiView, ReportFile, ReportKind, Request, Response,
    DEFAULT_RULES_FILE,
};
use layerscope_worker::session::{self, Image};
use layerscope_worker::views::Views;
use layerscope_worker::window::WindowReader;
use support::{Entry, ImageSpec};

/// A sample the page offers (www/samples).
fn sample(file: &str) -> Vec<u8> {
    let path = format!("{}/../../www/samples/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Opened as the worker opens a dropped file: through the windowed reader, small windows.
fn open(bytes: &[u8], name: &str) -> Image {
    let reader = WindowReader::with_windows(bytes, 512, 4096);
    session::open(reader, name, None, None, &mut NoProgress).expect("opens")
}

/// Asks as the page does: the request as JSON text, the answer read back.
fn ask(image: &Image, views: &mut Views, request: &Request) -> Response {
    let text = serde_json::to_string(request).expect("request");
    let request = session::parse_request(&text).expect("the worker reads the page's request");
    let answer = session::to_text(&session::answer(Some(image), views, &request));
    serde_json::from_str(&answer).expect("the answer reads back")
}

fn report(image: &Image, views: &mut Views, kind: ReportKind) -> ReportFile {
    match ask(image, views, &Request::Report(kind.clone())) {
        Response::Report(file) => {
            assert_eq!(file.kind, kind, "the answer names what was asked");
            *file
        }
        other => panic!("{kind:?}: {other:?}"),
    }
}

fn check(image: &Image, views: &mut Views, id: u64, rules: &CiRules) -> CiView {
    match ask(
        image,
        views,
        &Request::CheckRules {
            id,
            rules: rules.clone(),
        },
    ) {
        Response::Rules(view) => *view,
        other => panic!("{other:?}"),
    }
}

fn rules(config: &str, text: &str) -> CiRules {
    CiRules {
        config: config.to_string(),
        text: text.to_string(),
    }
}

/// The rules file the e2e test drops: a dive rule that fails on every
/// sample, one disabled, and ours failing on medium findings.
const RULES: &str =
    "rules:\n  lowestEfficiency: 0.99\n  highestUserWastedPercent: disabled\nlayerscope:\n  failOn: medium\n";

/// What `layerscope ci IMAGE --ci-config CONFIG --json F --junit F --markdown F`
/// writes (crates/cli/src/ci_cmd.rs), for the same text.
struct CliCi {
    json: String,
    junit: String,
    markdown: String,
    section: ci::CiSection,
}

fn cli_ci(a: &Analysis, name: &str, config: &str, text: &str) -> CliCi {
    let rules = Rules::parse(text).expect("valid YAML");
    let found = findings::find(a);
    let gate = gate::evaluate(a, &found, &rules);
    let section = ci::CiSection::new(&gate, Some(config));
    let mut json =
        serde_json::to_string_pretty(&inspect::build_with(a, &found, Some(section.clone())))
            .unwrap();
    json.push('\n');
    CliCi {
        json,
        junit: ci::junit(&gate, name),
        markdown: markdown::report(a, &found, name, Some(&gate)),
        section,
    }
}

/// The view's rows against the report's `ci.rules`, field for field.
fn assert_view_is_section(view: &CiView, section: &ci::CiSection, what: &str) {
    let rows: Vec<_> = view
        .verdicts
        .iter()
        .map(|v| {
            (
                v.origin.as_str(),
                v.rule.as_str(),
                v.setting.as_str(),
                v.status.name(),
                v.value.as_deref(),
                v.message.as_str(),
            )
        })
        .collect();
    let expected: Vec<_> = section
        .rules
        .iter()
        .map(|r| {
            (
                r.origin,
                r.rule,
                r.setting.as_str(),
                r.status,
                r.value.as_deref(),
                r.message.as_str(),
            )
        })
        .collect();
    assert_eq!(rows, expected, "{what}");
    assert_eq!(
        view.result.map(CiResult::name),
        Some(section.result),
        "{what}"
    );
    assert_eq!(
        (view.passed, view.failed, view.skipped, view.misconfigured),
        (
            section.passed,
            section.failed,
            section.skipped,
            section.misconfigured
        ),
        "{what}"
    );
    assert_eq!(view.error, None, "{what}");
    for v in &view.verdicts {
        let printed = if v.origin == "dive" || v.rule == "layerscope" {
            v.rule.clone()
        } else {
            format!("layerscope.{}", v.rule)
        };
        assert_eq!(
            v.name, printed,
            "{what}: the name as layerscope ci prints it"
        );
    }
}

#[test]
fn every_download_is_the_clis_document_for_samples_and_corpus_images() {
    let samples = [
        "demo.docker.tar",
        "demo-zstd.oci.tar",
        "multi-platform.oci.tar",
        "app-naive.docker.tar",
        "app-fixed.docker.tar",
    ];
    let corpus = [
        "wagoodman-dive/.data/test-docker-image.tar",
        "aquasecurity-trivy/pkg/fanal/test/testdata/alpine-310.tar.gz",
        "google-go-containerregistry/pkg/v1/mutate/testdata/whiteout_dir.tar",
    ];
    let images = samples
        .iter()
        .map(|f| (f.to_string(), sample(f)))
        .chain(corpus.iter().map(|f| {
            let name = f.rsplit('/').next().unwrap().to_string();
            (name, support::corpus(f))
        }));
    for (name, bytes) in images {
        let image = open(&bytes, &name);
        let a = &image.analysis;
        let n = a.layers.len();
        assert!(n > 0, "{name}");
        let mut views = Views::new();
        let found = findings::find(a);

        let md = report(&image, &mut views, ReportKind::Markdown);
        assert_eq!(
            md.text,
            markdown::report(a, &found, &name, None),
            "{name}: inspect --markdown"
        );
        assert_eq!(md.mime, "text/markdown");

        for layer in 0..n {
            let paths = report(&image, &mut views, ReportKind::PathsCsv { layer });
            assert_eq!(
                paths.text,
                csv::paths(a, &a.union_at(layer)),
                "{name}: ls --layer {layer} --csv"
            );
            assert_eq!(paths.mime, "text/csv");
            let changes = report(
                &image,
                &mut views,
                ReportKind::ChangesCsv { from: layer, layer },
            );
            assert_eq!(
                changes.text,
                csv::changes(a, layer, layer),
                "{name}: ls --layer {layer} --changes --csv"
            );
        }
        let all = report(
            &image,
            &mut views,
            ReportKind::ChangesCsv {
                from: 0,
                layer: n - 1,
            },
        );
        assert_eq!(
            all.text,
            csv::changes(a, 0, n - 1),
            "{name}: ls --from 0 --layer {} --changes --csv",
            n - 1
        );

        for (config, text) in [
            (DEFAULT_RULES_FILE, RULES),
            ("ci.yaml", ""),
            ("strict.yml", "rules:\n  lowestEfficiency: 95%\n"),
        ] {
            let cli = cli_ci(a, &name, config, text);
            let r = rules(config, text);
            let what = format!("{name}, {config}");
            assert_view_is_section(&check(&image, &mut views, 1, &r), &cli.section, &what);
            let json = report(&image, &mut views, ReportKind::CiJson { rules: r.clone() });
            assert_eq!(json.text, cli.json, "{what}: ci --json");
            assert_eq!(json.mime, "application/json");
            let junit = report(&image, &mut views, ReportKind::CiJunit { rules: r.clone() });
            assert_eq!(junit.text, cli.junit, "{what}: ci --junit");
            assert_eq!(junit.mime, "application/xml");
            let comment = report(&image, &mut views, ReportKind::CiMarkdown { rules: r });
            assert_eq!(comment.text, cli.markdown, "{what}: ci --markdown");
        }
    }
}

#[test]
fn the_demos_verdicts_and_documents() {
    let image = open(&sample("demo.docker.tar"), "demo.docker.tar");
    let mut views = Views::new();
    let view = check(&image, &mut views, 3, &rules(DEFAULT_RULES_FILE, RULES));
    assert_eq!(view.id, 3, "the answer carries the request's id");
    assert_eq!(view.rules, rules(DEFAULT_RULES_FILE, RULES));
    let rows: Vec<String> = view
        .verdicts
        .iter()
        .map(|v| {
            format!(
                "{} {} = {} ({:?})",
                v.status.name(),
                v.name,
                v.setting,
                v.value
            )
        })
        .collect();
    assert_eq!(view.result, Some(CiResult::Fail), "{rows:#?}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("FAIL lowestEfficiency = 0.99")),
        "{rows:#?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("SKIP highestUserWastedPercent = disabled")),
        "{rows:#?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("PASS layerscope.failOn = medium")),
        "the demo's findings are all low: {rows:#?}"
    );
    assert!(view
        .verdicts
        .iter()
        .all(|v| v.origin == "dive" || v.origin == "layerscope"));

    // dive calls a percent sign misconfigured, and then evaluates nothing else of its group.
    let odd = check(
        &image,
        &mut views,
        4,
        &rules("odd.yml", "rules:\n  lowestEfficiency: 95%\n"),
    );
    assert_eq!(odd.result, Some(CiResult::Misconfigured));
    let dive: Vec<_> = odd.verdicts.iter().filter(|v| v.origin == "dive").collect();
    let low = dive.iter().find(|v| v.rule == "lowestEfficiency").unwrap();
    assert_eq!(low.status, CiStatus::Misconfigured, "{low:?}");
    assert!(!low.message.is_empty(), "{low:?}");
    assert!(
        dive.iter()
            .filter(|v| v.rule != "lowestEfficiency")
            .all(|v| matches!(v.status, CiStatus::Configured | CiStatus::Skip)),
        "{dive:?}"
    );

    // File names: after the image, one per document.
    let names: Vec<String> = [
        ReportKind::Markdown,
        ReportKind::PathsCsv { layer: 2 },
        ReportKind::ChangesCsv { from: 2, layer: 2 },
        ReportKind::ChangesCsv { from: 1, layer: 3 },
        ReportKind::CiJson {
            rules: rules(DEFAULT_RULES_FILE, RULES),
        },
        ReportKind::CiJunit {
            rules: rules(DEFAULT_RULES_FILE, RULES),
        },
        ReportKind::CiMarkdown {
            rules: rules(DEFAULT_RULES_FILE, RULES),
        },
    ]
    .into_iter()
    .map(|k| report(&image, &mut views, k).file_name)
    .collect();
    assert_eq!(
        names,
        [
            "demo.docker.layerscope.md",
            "demo.docker.layerscope-layer-2.csv",
            "demo.docker.layerscope-changes-2.csv",
            "demo.docker.layerscope-changes-1-3.csv",
            "demo.docker.layerscope-ci.json",
            "demo.docker.layerscope-ci.junit.xml",
            "demo.docker.layerscope-ci.md",
        ]
    );

    // The documents say what they are.
    let json: serde_json::Value = serde_json::from_str(
        &report(
            &image,
            &mut views,
            ReportKind::CiJson {
                rules: rules(DEFAULT_RULES_FILE, RULES),
            },
        )
        .text,
    )
    .unwrap();
    assert_eq!(json["ci"]["config"], ".dive-ci");
    assert_eq!(json["ci"]["result"], "fail");
    let md = report(
        &image,
        &mut views,
        ReportKind::CiMarkdown {
            rules: rules(DEFAULT_RULES_FILE, RULES),
        },
    )
    .text;
    assert!(
        md.starts_with("## layerscope ci: **FAIL**: demo.docker.tar\n"),
        "{md}"
    );
    let plain = report(&image, &mut views, ReportKind::Markdown).text;
    assert!(
        plain.starts_with("## layerscope report: demo.docker.tar\n"),
        "{plain}"
    );
    let paths = report(&image, &mut views, ReportKind::PathsCsv { layer: 0 }).text;
    assert!(
        paths.starts_with("path,type,size,mode,uid,gid,layer,link\r\n"),
        "{paths}"
    );
    let junit = report(
        &image,
        &mut views,
        ReportKind::CiJunit {
            rules: rules(DEFAULT_RULES_FILE, RULES),
        },
    )
    .text;
    assert!(
        junit.contains("<testsuite name=\"demo.docker.tar\""),
        "{junit}"
    );
}

#[test]
fn rules_that_are_not_yaml_are_the_panels_error_not_a_failure() {
    let image = open(&sample("demo.docker.tar"), "demo.docker.tar");
    let mut views = Views::new();
    let bad = "rules:\n  lowestEfficiency: [0.9\n";
    let parse_error = Rules::parse(bad).expect_err("not YAML");
    let view = check(&image, &mut views, 9, &rules("broken.yml", bad));
    assert_eq!(view.id, 9);
    assert_eq!(
        view.error.as_deref(),
        Some(format!("broken.yml: the CI rules are not valid YAML: {parse_error}").as_str()),
        "the line layerscope ci stops with"
    );
    assert_eq!(view.result, None);
    assert!(view.verdicts.is_empty());
    // A download of such rules is refused, and the image stays open.
    match ask(
        &image,
        &mut views,
        &Request::Report(ReportKind::CiJson {
            rules: rules("broken.yml", bad),
        }),
    ) {
        Response::Failed { kind, message } => {
            assert_eq!(kind, "bad_request");
            assert!(
                message.starts_with("demo.docker.tar: broken.yml: the CI rules are not valid YAML"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let good = check(&image, &mut views, 10, &rules(DEFAULT_RULES_FILE, RULES));
    assert!(good.error.is_none() && !good.verdicts.is_empty());
}

#[test]
fn a_layer_the_image_lacks_is_refused_as_ls_refuses_it() {
    let bytes = ImageSpec::new()
        .layer(&[Entry::dir("etc"), Entry::file("etc/a", "a")])
        .layer(&[Entry::file("etc/b", "b"), Entry::whiteout("etc/a")])
        .docker_save()
        .tar();
    let image = open(&bytes, "two.tar");
    let mut views = Views::new();
    for (kind, says) in [
        (
            ReportKind::PathsCsv { layer: 2 },
            "two.tar: there is no layer 2: the image has 2 layers (0 to 1)",
        ),
        (
            ReportKind::ChangesCsv { from: 0, layer: 5 },
            "two.tar: there is no layer 5: the image has 2 layers (0 to 1)",
        ),
        (
            ReportKind::ChangesCsv { from: 1, layer: 0 },
            "two.tar: --from 1 is after --layer 0",
        ),
    ] {
        match ask(&image, &mut views, &Request::Report(kind.clone())) {
            Response::Failed { kind: k, message } => {
                assert_eq!(
                    (k.as_str(), message.as_str()),
                    ("bad_request", says),
                    "{kind:?}"
                )
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }
    // The image is still open and answers.
    let changes = report(
        &image,
        &mut views,
        ReportKind::ChangesCsv { from: 0, layer: 1 },
    );
    let lines: Vec<&str> = changes.text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "layer,change,path,type,size,size_before,mode,uid,gid,fields"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("1,D,/etc/a,")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("1,A,/etc/b,")),
        "{lines:?}"
    );
}

#[test]
fn findings_are_worked_out_once_for_every_report() {
    let image = open(&sample("app-naive.docker.tar"), "app-naive.docker.tar");
    let mut views = Views::new();
    assert!(
        views.found.is_none(),
        "nothing worked out before it is asked"
    );
    report(&image, &mut views, ReportKind::PathsCsv { layer: 0 });
    assert!(views.found.is_none(), "a CSV needs no findings");
    report(&image, &mut views, ReportKind::Markdown);
    assert_eq!(
        views.found.as_deref(),
        Some(&findings::find(&image.analysis)[..])
    );
    // Kept: the next document is made from what was kept.
    views.found.as_mut().unwrap().clear();
    let md = report(&image, &mut views, ReportKind::Markdown).text;
    let none = markdown::report(&image.analysis, &[], "app-naive.docker.tar", None);
    assert_eq!(md, none);
}

#[test]
fn reports_before_an_image_is_open_fail_cleanly() {
    for request in [
        Request::Report(ReportKind::Markdown),
        Request::CheckRules {
            id: 1,
            rules: rules(DEFAULT_RULES_FILE, RULES),
        },
    ] {
        let r = session::answer(None, &mut Views::new(), &request);
        assert!(
            matches!(r, Response::Failed { ref kind, .. } if kind == "no_image"),
            "{r:?}"
        );
    }
}
