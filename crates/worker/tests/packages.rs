//! The packages pane's answer, as the worker runs it: `Packages` → the
//! figures of `layerscope packages --json` (`report::packages::section`)
//! row for row, with each layer's line as `layerscope packages` prints it;
//! a tree query with `package` shows that package's files and nothing
//! else; a path's story names the package that owns it. On the image real
//! tools build (tests/fixtures/make-packages-image.sh: needs root, umoci,
//! skopeo, dpkg: a missing tool fails the test) and on the page's demo.
#![cfg(not(target_arch = "wasm32"))]

use layerscope_core::report::packages as report;
use layerscope_core::{analyze, NoProgress, Options};
use layerscope_protocol::{PackagesView, Request, Response, Sort, TreeQuery, View};
use layerscope_worker::session::{self, Image};
use layerscope_worker::views::Views;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> &'static Image {
    static IMAGE: OnceLock<Image> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("worker-packages-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let script = repo_root().join("tests/fixtures/make-packages-image.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} failed; are umoci, skopeo and dpkg installed (scripts/setup)?\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(dir.join("packages.tar")).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        image(&bytes, "packages.tar")
    })
}

fn image(bytes: &[u8], name: &str) -> Image {
    let analysis = analyze(
        std::io::Cursor::new(bytes),
        &Options::default(),
        &mut NoProgress,
    )
    .expect("analysis");
    Image {
        name: name.to_string(),
        analysis,
    }
}

/// Asks as the page does: the request as JSON text, the answer read back.
fn ask(image: &Image, views: &mut Views, request: &str) -> Response {
    let request = session::parse_request(request).expect("request");
    let text = session::to_text(&session::answer(Some(image), views, &request));
    serde_json::from_str(&text).expect("the answer reads back")
}

fn ask_packages(image: &Image, views: &mut Views) -> PackagesView {
    match ask(image, views, r#"{"type":"packages"}"#) {
        Response::Packages(view) => *view,
        other => panic!("{other:?}"),
    }
}

/// The view equals the engine's document row for row.
fn check_against_report(image: &Image, view: &PackagesView) {
    let p = layerscope_core::packages::packages(&image.analysis);
    let doc = report::section(&p);
    let rows = doc["packages"].as_array().unwrap();
    assert_eq!(view.packages.len(), rows.len());
    for (row, want) in view.packages.iter().zip(rows) {
        let upgraded: Vec<Value> = row
            .upgraded
            .iter()
            .map(|u| serde_json::json!({"layer": u.layer, "from": u.from}))
            .collect();
        let got = serde_json::json!({
            "ecosystem": row.ecosystem,
            "name": row.name,
            "version": row.version,
            "location": row.location,
            "added_in_layer": row.added_in_layer,
            "upgraded": upgraded,
            "removed_in_layer": row.removed_in_layer,
            "bytes": row.bytes,
            "wasted_bytes": row.wasted_bytes,
            "files": want["files"].as_array().unwrap().len(),
        });
        let mut want = want.clone();
        want["files"] = want["files"].as_array().unwrap().len().into();
        assert_eq!(got, want);
        assert_eq!(row.files, want["files"].as_u64().unwrap() as usize);
    }
    let layers = doc["layers"].as_array().unwrap();
    assert_eq!(view.layers.len(), layers.len());
    for (i, (l, want)) in view.layers.iter().zip(layers).enumerate() {
        assert_eq!(l.layer, i);
        assert_eq!(
            serde_json::json!({"layer": l.layer, "added": l.added, "upgraded": l.upgraded,
                "removed": l.removed, "added_bytes": l.added_bytes}),
            *want
        );
        assert_eq!(l.line, report::layer_line(&p, i));
    }
    let unowned = doc["unowned"].as_array().unwrap();
    assert_eq!(view.unowned_total, unowned.len());
    assert_eq!(view.unowned.len(), unowned.len().min(50));
    for (u, want) in view.unowned.iter().zip(unowned) {
        assert_eq!(
            serde_json::json!({"dir": u.dir, "files": u.files, "bytes": u.bytes}),
            *want
        );
    }
    assert_eq!(
        serde_json::to_value(&view.diagnostics).unwrap(),
        doc["diagnostics"]
    );
}

fn tree(view: View, package: Option<usize>) -> String {
    let q = TreeQuery {
        id: 1,
        view,
        filter: String::new(),
        sort: Sort::Name,
        hide_unchanged: false,
        expanded: Vec::new(),
        expand_all: false,
        collapsed: Vec::new(),
        package,
        offset: 0,
        limit: usize::MAX,
    };
    serde_json::to_string(&Request::Tree(q)).unwrap()
}

fn file_rows(response: Response) -> Vec<String> {
    match response {
        Response::Tree(rows) => {
            assert_eq!(rows.total, rows.rows.len());
            rows.rows
                .into_iter()
                .filter(|r| r.kind != 'd')
                .map(|r| r.path)
                .collect()
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_fixtures_packages_are_the_reports() {
    let image = fixture();
    let mut views = Views::new();
    let view = ask_packages(image, &mut views);
    check_against_report(image, &view);
    let named = |name: &str| view.packages.iter().position(|p| p.name == name).unwrap();
    let a = &view.packages[named("lsfix-a")];
    assert_eq!(
        (a.ecosystem.as_str(), a.version.as_str(), a.added_in_layer),
        ("deb", "2.0", 1)
    );
    assert_eq!(a.upgraded[0].from, "1.0");
    assert_eq!(a.upgraded[0].layer, 2);
    assert_eq!(view.packages[named("lsfix-b")].removed_in_layer, Some(3));
    let line = view.layers[1].line.as_deref().unwrap();
    assert!(line.starts_with("installed 2 packages, "), "{line}");
    assert_eq!(view.layers[1].added.len(), 2);
    // Asked again: the same answer, worked out once.
    let kept = views.packages.clone().unwrap();
    assert_eq!(ask_packages(image, &mut views), view);
    assert!(std::rc::Rc::ptr_eq(&kept, views.packages.as_ref().unwrap()));
}

#[test]
fn a_packages_tree_shows_its_files_and_their_directories_only() {
    let image = fixture();
    let mut views = Views::new();
    let view = ask_packages(image, &mut views);
    let a = view
        .packages
        .iter()
        .position(|p| p.name == "lsfix-a")
        .unwrap();
    // In the layer that added it (what the page shows on a click).
    let rows = match ask(image, &mut views, &tree(View::Union { layer: 1 }, Some(a))) {
        Response::Tree(rows) => rows,
        other => panic!("{other:?}"),
    };
    let paths: Vec<(&str, char, bool)> = rows
        .rows
        .iter()
        .map(|r| (r.path.as_str(), r.kind, r.expanded))
        .collect();
    assert_eq!(
        paths,
        [
            ("/usr", 'd', true),
            ("/usr/share", 'd', true),
            ("/usr/share/lsfix-a", 'd', true),
            ("/usr/share/lsfix-a/data", 'f', false),
        ]
    );
    // Every package's regular files, in the final filesystem: exactly the
    // engine's list.
    let last = image.analysis.layers.len() - 1;
    let p = layerscope_core::packages::packages(&image.analysis);
    for (k, pkg) in p.packages.iter().enumerate() {
        let mut want: Vec<String> = pkg.files.iter().map(|f| format!("/{f}")).collect();
        want.sort();
        let mut got = file_rows(ask(
            image,
            &mut views,
            &tree(View::Union { layer: last }, Some(k)),
        ));
        got.sort();
        assert_eq!(got, want, "{}", pkg.name);
    }
    // No such package: a failure, not a panic.
    let bad = ask(
        image,
        &mut views,
        &tree(View::Union { layer: last }, Some(100_000)),
    );
    assert!(
        matches!(&bad, Response::Failed { kind, message } if kind == "bad_request" && message.contains("no package 100000")),
        "{bad:?}"
    );
    // Without the field, the whole filesystem again.
    let Response::Tree(all) = ask(image, &mut views, &tree(View::Union { layer: last }, None))
    else {
        panic!("no tree");
    };
    let top: Vec<&str> = all.rows.iter().map(|r| r.path.as_str()).collect();
    assert!(top.contains(&"/var") && top.contains(&"/app"), "{top:?}");
}

#[test]
fn a_paths_story_names_its_package() {
    let image = fixture();
    let mut views = Views::new();
    let story = |views: &mut Views, path: &str| match ask(
        image,
        views,
        &format!(r#"{{"type":"story","path":"{path}"}}"#),
    ) {
        Response::Story(s) => s.owner,
        other => panic!("{other:?}"),
    };
    // Asked before the pane asked for the packages: worked out then.
    assert_eq!(
        story(&mut views, "/usr/share/lsfix-a/data").as_deref(),
        Some("deb lsfix-a 2.0")
    );
    assert_eq!(
        story(&mut views, "/app/node_modules/@lsfix/ui/index.js").as_deref(),
        Some("npm @lsfix/ui 3.1.4")
    );
    assert_eq!(
        story(&mut views, "/usr/lib/libz.so.1.3.1").as_deref(),
        Some("apk lsfix-zlib 1.3.1-r0")
    );
    // A directory, a file nobody lists, a removed package's file: no owner.
    assert_eq!(story(&mut views, "/usr/share"), None);
    assert_eq!(story(&mut views, "/var/lib/dpkg/status"), None);
    assert_eq!(story(&mut views, "/usr/share/lsfix-b/data"), None);
}

#[test]
fn the_demo_samples_packages_are_the_reports() {
    for file in ["demo.docker.tar", "demo-zstd.oci.tar"] {
        let path = repo_root().join("www/samples").join(file);
        let image = image(&std::fs::read(&path).unwrap(), file);
        let view = ask_packages(&image, &mut Views::new());
        check_against_report(&image, &view);
    }
}

#[test]
fn packages_before_an_image_is_open_is_a_failure() {
    let r = session::answer(None, &mut Views::new(), &Request::Packages);
    assert!(matches!(r, Response::Failed { kind, .. } if kind == "no_image"));
}
