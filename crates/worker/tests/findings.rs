//! The findings panel's answer, as the worker runs it: `Findings` → the
//! `findings` of the report (`layerscope inspect --json`) row for row, for
//! the page's samples, corpus images and images built here; worked out once
//! per image and kept; asked before an image is open, a failure.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../core/tests/support/mod.rs"]
mod support;

use layerscope_core::{analyze, NoProgress, Options};
use layerscope_protocol::{FindingRow, Request, Response, Severity};
use layerscope_worker::session::{self, Image};
use layerscope_worker::views::Views;
use layerscope_worker::window::WindowReader;
use std::io::Cursor;
use support::{Entry, ImageSpec};

fn image(bytes: &[u8], name: &str) -> Image {
    let analysis =
        analyze(Cursor::new(bytes), &Options::default(), &mut NoProgress).expect("analysis");
    Image {
        name: name.to_string(),
        analysis,
    }
}

/// A sample the page offers (www/samples).
fn sample(file: &str) -> Vec<u8> {
    let path = format!("{}/../../www/samples/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Asks as the page does: the request as JSON text, the answer read back.
fn ask_findings(image: &Image, views: &mut Views) -> Vec<FindingRow> {
    let request = session::parse_request(r#"{"type":"findings"}"#).expect("request");
    assert_eq!(request, Request::Findings);
    let text = session::to_text(&session::answer(Some(image), views, &request));
    match serde_json::from_str(&text).expect("the answer reads back") {
        Response::Findings { findings } => findings,
        other => panic!("{other:?}"),
    }
}

/// The report's `findings`, read as the page's rows.
fn reported(image: &Image) -> Vec<FindingRow> {
    let report: serde_json::Value =
        serde_json::from_str(&image.analysis.report_json()).expect("report");
    serde_json::from_value(report["findings"].clone()).expect("the report's findings are rows")
}

fn summary(rows: &[FindingRow]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            format!(
                "{} {} layer {:?} {} B {:?}+{}",
                r.severity.name(),
                r.id,
                r.layer,
                r.bytes,
                r.paths.first(),
                r.paths.len().saturating_sub(1) + r.more_paths
            )
        })
        .collect()
}

#[test]
fn the_demo_samples_findings_are_the_reports() {
    for file in ["demo.docker.tar", "demo-zstd.oci.tar"] {
        let image = image(&sample(file), file);
        let mut views = Views::new();
        let rows = ask_findings(&image, &mut views);
        assert_eq!(rows, reported(&image), "{file}");
        assert_eq!(
            summary(&rows),
            [
                "low deleted-files layer Some(1) 270383 B Some(\"/var/cache/apk/APKINDEX.tar.gz\")+3",
                "low package-cache layer Some(1) 262147 B Some(\"/var/cache/apk/APKINDEX.tar.gz\")+1",
                "low duplicated-files layer Some(3) 131117 B Some(\"/app/server\")+1",
                "low deleted-files layer Some(0) 33 B Some(\"/etc/conf.d/net.conf\")+1",
                "low setuid-files layer Some(0) 0 B Some(\"/bin/busybox\")+0",
            ],
            "{file}"
        );
        assert!(rows
            .iter()
            .all(|r| !r.fix.is_empty() && !r.title.is_empty()));
    }
}

#[test]
fn every_sample_and_corpus_image_answers_its_reports_findings() {
    let mut seen = std::collections::BTreeSet::new();
    let samples = [
        "demo.docker.tar",
        "multi-platform.oci.tar",
        "app-naive.docker.tar",
        "app-fixed.docker.tar",
        "app-newbase.docker.tar",
    ];
    let corpus = [
        "wagoodman-dive/.data/test-docker-image.tar",
        "wagoodman-dive/.data/test-oci-gzip-image.tar",
        "aquasecurity-trivy/pkg/fanal/test/testdata/alpine-310.tar.gz",
        "google-go-containerregistry/pkg/v1/mutate/testdata/whiteout_dir.tar",
        "google-go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar",
    ];
    let images = samples
        .iter()
        .map(|f| (f.to_string(), sample(f)))
        .chain(corpus.iter().map(|f| (f.to_string(), support::corpus(f))));
    for (name, bytes) in images {
        // Through the windowed reader the browser's File goes through, small windows.
        let reader = WindowReader::with_windows(&bytes[..], 512, 4096);
        let image = session::open(reader, &name, None, None, &mut NoProgress).expect("opens");
        let rows = ask_findings(&image, &mut Views::new());
        assert_eq!(rows, reported(&image), "{name}");
        for r in &rows {
            assert!(r.paths.iter().all(|p| p.starts_with('/')), "{name}: {r:?}");
            seen.insert(r.severity);
        }
    }
    assert!(
        seen.contains(&Severity::Medium) && seen.contains(&Severity::Low),
        "{seen:?}"
    );
}

#[test]
fn findings_are_worked_out_once_per_image_and_kept() {
    let bytes = ImageSpec::new()
        .layer(&[
            Entry::dir("usr/bin"),
            Entry::file("usr/bin/su", "su").mode(0o4755),
            Entry::file("tmp/big.bin", vec![7u8; 5000]),
        ])
        .layer(&[Entry::whiteout("tmp/big.bin")])
        .docker_save()
        .tar();
    let image = image(&bytes, "built.tar");
    let mut views = Views::new();
    assert!(
        views.findings.is_none(),
        "nothing is worked out before it is asked"
    );
    let first = ask_findings(&image, &mut views);
    assert_eq!(views.findings.as_ref(), Some(&first));
    let ids: Vec<&str> = first.iter().map(|r| r.id.as_str()).collect();
    assert!(
        ids.contains(&"deleted-files") && ids.contains(&"setuid-files"),
        "{ids:?}"
    );
    let deleted = first.iter().find(|r| r.id == "deleted-files").unwrap();
    assert_eq!(
        (deleted.layer, deleted.bytes, deleted.paths.clone()),
        (Some(0), 5000, vec!["/tmp/big.bin".to_string()])
    );
    // Kept: a second question is answered from what was kept.
    views.findings.as_mut().unwrap()[0].title = "kept".into();
    assert_eq!(ask_findings(&image, &mut views)[0].title, "kept");
    // A new image comes with new views (web.rs drops them on Open).
    assert_eq!(ask_findings(&image, &mut Views::new()), first);
}

#[test]
fn findings_before_an_image_is_open_fail_cleanly() {
    let r = session::answer(None, &mut Views::new(), &Request::Findings);
    assert!(
        matches!(r, Response::Failed { ref kind, .. } if kind == "no_image"),
        "{r:?}"
    );
}
