//! `layerscope diff A B` as a user runs it on the shared corpus: exit status
//! as `diff`'s (0 identical, 1 different, 2 trouble), the summary, the JSON
//! document (docs/diff.md) and the `--paths` lines, and one-line errors.
//! Pairs built with real tools (umoci, skopeo) are in real_tools.rs.

mod support;
use serde_json::Value;
use support::*;

const OCI_GZIP: &str = "wagoodman-dive/.data/test-oci-gzip-image.tar";
const OCI_ZSTD: &str = "wagoodman-dive/.data/test-oci-zstd-image.tar";
const KANIKO: &str = "wagoodman-dive/.data/test-kaniko-image.tar";

fn code(o: &std::process::Output) -> i32 {
    o.status.code().expect("an exit code")
}

#[test]
fn an_image_against_itself_is_identical() {
    let o = run(&["diff", &corpus(DIVE), &corpus(DIVE)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Layers     the same 14 layers (by diff_id)"),
        "{out}"
    );
    assert!(
        out.contains("Pull       a host with A pulls B: 0 layers (0 B), keeps 14 layers"),
        "{out}"
    );
    assert!(
        out.contains("Paths      0 added, 0 removed, 0 modified"),
        "{out}"
    );
    assert!(out.ends_with("The images are identical.\n"), "{out}");
    let o = run(&["diff", "--paths", &corpus(DIVE), &corpus(DIVE)]);
    assert_eq!((code(&o), stdout(&o)), (0, String::new()));
}

#[test]
fn the_same_files_compressed_otherwise_are_identical_but_pulled_again() {
    let o = run(&["diff", "--json", &corpus(OCI_GZIP), &corpus(OCI_ZSTD)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["schema"], "layerscope-diff/1");
    assert_eq!(doc["identical"], true);
    assert_eq!(
        doc["layers"]["same_files_other_blob"],
        serde_json::json!([{"a": 0, "b": 0}])
    );
    assert_eq!(doc["pull"]["b_onto_a"]["download"], serde_json::json!([0]));
    assert_eq!(doc["pull"]["b_onto_a"]["kept_layers"], 0);
    assert_eq!(
        doc["pull"]["b_onto_a"]["download_bytes"],
        doc["b"]["layers"][0]["blob_size"]
    );
}

#[test]
fn different_images_differ_with_exit_1() {
    let o = run(&["diff", &corpus(DIVE), &corpus(KANIKO)]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.ends_with("The images differ.\n"), "{out}");
    // --paths: one line per path, tab-separated, sorted by path.
    let o = run(&["diff", "--paths", &corpus(DIVE), &corpus(KANIKO)]);
    assert_eq!(code(&o), 1);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(!lines.is_empty());
    for l in &lines {
        let f: Vec<&str> = l.split('\t').collect();
        assert_eq!(f.len(), 5, "{l:?}");
        assert!(["A", "D", "M"].contains(&f[0]), "{l:?}");
        assert!(f[1].starts_with('/'), "{l:?}");
        f[2].parse::<u64>().unwrap();
        f[3].parse::<u64>().unwrap();
        assert_eq!(f[4].is_empty(), f[0] != "M", "{l:?}");
    }
    let paths: Vec<&str> = lines
        .iter()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    // The JSON counts what --paths lists.
    let o = run(&["diff", "--json", &corpus(DIVE), &corpus(KANIKO)]);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let p = &doc["paths"];
    let n = |k: &str| p[k].as_u64().unwrap() as usize;
    assert_eq!(n("added") + n("removed") + n("modified"), lines.len());
    assert_eq!(p["list"].as_array().unwrap().len(), lines.len());
    assert_eq!(
        p["net"].as_i64().unwrap(),
        p["bytes_b"].as_i64().unwrap() - p["bytes_a"].as_i64().unwrap()
    );
}

#[test]
fn a_layer_of_each_side_can_be_compared() {
    // DIVE after its layer 0 against itself after layer 1: what layer 1 added.
    let o = run(&[
        "diff",
        "--paths",
        "--layer-a",
        "0",
        "--layer-b",
        "1",
        &corpus(DIVE),
        &corpus(DIVE),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let changes = run(&["ls", "--layer", "1", "--changes", &corpus(DIVE)]);
    let want: Vec<String> = stdout(&changes)
        .lines()
        .map(|l| l.split('\t').take(2).collect::<Vec<_>>().join("\t"))
        .collect();
    let got: Vec<String> = stdout(&o)
        .lines()
        .map(|l| l.split('\t').take(2).collect::<Vec<_>>().join("\t"))
        .collect();
    assert_eq!(
        got, want,
        "the difference of two layers' unions is what the upper one changed"
    );
}

#[test]
fn trouble_is_one_line_and_exit_2() {
    let o = run(&["diff", &corpus(DIVE), "/no/such/file.tar"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/no/such/file.tar"), "{err}");
    let o = run(&["diff", "--layer-b", "99", &corpus(DIVE), &corpus(DIVE)]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--layer-b 99: the image has 14 layers (0 to 13)"),
        "{}",
        stderr(&o)
    );
    let o = run(&["diff", "-", "-"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("only one of the two images can be read from standard input"));
}

/// The dive corpus folder, where the page-side tests read their pairs.
fn dive_dir() -> std::path::PathBuf {
    std::path::Path::new(&corpus(DIVE))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// An image of the dive corpus folder as the page's worker opens it.
fn page_image(name: &str) -> layerscope_worker::session::Image {
    layerscope_worker::session::open(
        std::io::Cursor::new(std::fs::read(dive_dir().join(name)).unwrap()),
        name,
        None,
        None,
        &mut layerscope_core::NoProgress,
    )
    .unwrap()
}

/// The page's worker compares `a` with the corpus file `b_name`.
fn page_compare(
    a: &layerscope_worker::session::Image,
    views: &mut layerscope_worker::views::Views,
    b: Vec<u8>,
    b_name: &str,
) -> layerscope_protocol::Response {
    layerscope_worker::compare::compare_with(
        a,
        views,
        std::io::Cursor::new(b),
        b_name,
        &mut layerscope_core::NoProgress,
    )
}

/// The page's comparison (the worker reading B beside the open A) exports
/// byte for byte what `layerscope diff --json A B` prints, and a B that is
/// not an image fails with the CLI's words while A stays open.
#[test]
fn the_pages_comparison_exports_the_cli_document() {
    use layerscope_protocol::{Request, Response};
    use layerscope_worker::compare::export;
    use layerscope_worker::session;
    use layerscope_worker::views::Views;

    let dir = dive_dir();
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    for (a_name, b_name) in [
        ("test-docker-image.tar", "test-kaniko-image.tar"),
        ("test-oci-gzip-image.tar", "test-oci-zstd-image.tar"),
    ] {
        let a = page_image(a_name);
        let mut views = Views::new();
        let answer = page_compare(&a, &mut views, read(b_name), b_name);
        let Response::Compared(view) = answer else {
            panic!("{answer:?}")
        };
        assert_eq!(view.name, b_name);
        let Response::ExportCompare { json } = export(&a, views.compared.as_ref()) else {
            panic!("no export")
        };
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_layerscope"))
            .args(["diff", "--json", a_name, b_name])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            json == stdout(&o),
            "{a_name} against {b_name}: the page's document differs"
        );
        // Through the session as the page asks (the export, once compared).
        assert!(matches!(
            session::answer(Some(&a), &mut views, &Request::ExportCompare),
            Response::ExportCompare { .. }
        ));
    }
    // A B that is not an image: the CLI's error, and nothing kept.
    let a = page_image("test-docker-image.tar");
    let mut views = Views::new();
    let answer = page_compare(&a, &mut views, b"not an image".to_vec(), "notes.txt");
    match answer {
        Response::Failed { message, .. } => {
            assert!(message.starts_with("notes.txt: "), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(views.compared.is_none());
    assert!(matches!(
        export(&a, views.compared.as_ref()),
        Response::Failed { .. }
    ));
}

/// The page's tree of the comparison (`View::Compare`) marks exactly the
/// paths `layerscope diff --paths` lists, with the same letters; the rest of
/// its rows are their unmarked parents. Before any comparison the view is
/// refused in words.
#[test]
fn the_pages_comparison_tree_marks_what_diff_paths_lists() {
    use layerscope_protocol::{Mark, Request, Response, Sort, TreeQuery, View};
    use layerscope_worker::session;
    use layerscope_worker::views::Views;

    let dir = dive_dir();
    let (a_name, b_name) = ("test-docker-image.tar", "test-kaniko-image.tar");
    let a = page_image(a_name);
    let mut views = Views::new();
    let query = |revision| {
        Request::Tree(TreeQuery {
            id: 1,
            view: View::Compare { revision },
            filter: String::new(),
            sort: Sort::Name,
            hide_unchanged: false,
            expanded: vec![],
            expand_all: true,
            collapsed: vec![],
            package: None,
            offset: 0,
            limit: 100_000,
        })
    };
    match session::answer(Some(&a), &mut views, &query(0)) {
        Response::Failed { message, .. } => assert!(message.contains("no comparison"), "{message}"),
        other => panic!("{other:?}"),
    }
    page_compare(
        &a,
        &mut views,
        std::fs::read(dir.join(b_name)).unwrap(),
        b_name,
    );
    let Response::Tree(rows) = session::answer(Some(&a), &mut views, &query(1)) else {
        panic!("no rows")
    };
    let marked: std::collections::BTreeSet<(String, char)> = rows
        .rows
        .iter()
        .filter_map(|r| {
            let letter = match r.mark? {
                Mark::Added => 'A',
                Mark::Removed => 'D',
                Mark::Modified => 'M',
            };
            Some((r.path.clone(), letter))
        })
        .collect();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_layerscope"))
        .args(["diff", "--paths", a_name, b_name])
        .current_dir(&dir)
        .output()
        .unwrap();
    let listed: std::collections::BTreeSet<(String, char)> = stdout(&o)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[1].to_string(), f[0].chars().next().unwrap())
        })
        .collect();
    assert!(!listed.is_empty());
    assert_eq!(marked, listed);
    assert!(rows
        .rows
        .iter()
        .filter(|r| r.mark.is_none())
        .all(|r| r.kind == 'd'));
}

/// Once compared, a path's story carries its story in B too: what B alone
/// tells of that path, and nothing for a path B never had.
#[test]
fn a_paths_story_tells_both_images() {
    use layerscope_protocol::{Request, Response};
    use layerscope_worker::session;
    use layerscope_worker::views::{story, Views};

    let (a_name, b_name) = ("test-docker-image.tar", "test-kaniko-image.tar");
    let a = page_image(a_name);
    let b = page_image(b_name);
    let mut views = Views::new();
    let ask = |views: &mut Views, path: &str| match session::answer(
        Some(&a),
        views,
        &Request::Story { path: path.into() },
    ) {
        Response::Story(s) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(ask(&mut views, "/bin/busybox").compared, None);
    page_compare(
        &a,
        &mut views,
        std::fs::read(dive_dir().join(b_name)).unwrap(),
        b_name,
    );
    let s = ask(&mut views, "/bin/busybox");
    let other = s.compared.expect("B's story");
    assert_eq!(other.name, b_name);
    let alone = story(&b.analysis, "/bin/busybox", &Default::default());
    assert_eq!(
        (other.events, other.visible_layer),
        (alone.events, alone.visible_layer)
    );
    // A path only B has (diff --paths: `A /bin/bc`): A's story is empty, B's is not.
    let only_b = ask(&mut views, "/bin/bc");
    assert!(only_b.events.is_empty() && only_b.visible_layer.is_none());
    let other = only_b.compared.expect("B's story");
    assert!(!other.events.is_empty() && other.visible_layer.is_some());
    // A path neither has: both empty.
    let neither = ask(&mut views, "/no/such/path");
    let other = neither.compared.expect("B's (empty) story");
    assert!(neither.events.is_empty() && other.events.is_empty());
}

/// The page's choice of layers (`CompareLayers`) compares what `diff
/// --layer-a --layer-b` compares, and exports its document; a layer an
/// image lacks is refused and the comparison kept.
#[test]
fn the_pages_layers_compare_as_the_cli_does() {
    use layerscope_protocol::Response;
    use layerscope_worker::compare::{export, relayer};
    use layerscope_worker::views::Views;

    let (a_name, b_name) = ("test-docker-image.tar", "test-kaniko-image.tar");
    let a = page_image(a_name);
    let mut views = Views::new();
    page_compare(
        &a,
        &mut views,
        std::fs::read(dive_dir().join(b_name)).unwrap(),
        b_name,
    );
    for (la, lb) in [
        (Some(0), Some(1)),
        (Some(5), None),
        (None, Some(2)),
        (None, None),
    ] {
        let answer = relayer(&a, &mut views, la, lb);
        let Response::Compared(view) = answer else {
            panic!("{answer:?}")
        };
        assert_eq!((view.layer_a, view.layer_b), (la, lb));
        let Response::ExportCompare { json } = export(&a, views.compared.as_ref()) else {
            panic!("no export")
        };
        let mut args = vec!["diff".to_string(), "--json".into()];
        if let Some(k) = la {
            args.extend(["--layer-a".into(), k.to_string()]);
        }
        if let Some(k) = lb {
            args.extend(["--layer-b".into(), k.to_string()]);
        }
        args.extend([a_name.to_string(), b_name.to_string()]);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_layerscope"))
            .args(&args)
            .current_dir(dive_dir())
            .output()
            .unwrap();
        assert!(json == stdout(&o), "{args:?}: the page's document differs");
    }
    let answer = relayer(&a, &mut views, Some(99), None);
    match answer {
        Response::Failed { message, .. } => {
            assert!(message.contains("there is no layer 99"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(views.compared.is_some(), "the comparison is kept");
}
