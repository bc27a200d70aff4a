//! The views as a user checks them: trees of real images from the corpus
//! and of images built here, stories of paths, the summary, and the whole
//! request → response path the worker runs. Expectations are written out
//! as text (`UPDATE_EXPECT=1 cargo test` refreshes them after a review).
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../core/tests/support/mod.rs"]
mod support;

use expect_test::{expect, Expect};
use layerscope_core::build::cow::Container;
use layerscope_core::{analyze, Analysis, NoProgress, Options};
use layerscope_protocol::{Mark, Request, Response, Sort, Story, TreeQuery, TreeRows, View};
use layerscope_worker::session;
use layerscope_worker::views::{story, ViewTree, Views};
use layerscope_worker::window::WindowReader;
use std::fmt::Write as _;
use std::io::Cursor;
use support::{Entry, ImageSpec};

const DIVE: &str = "wagoodman-dive/.data/test-docker-image.tar";

fn analysis(bytes: &[u8]) -> Analysis {
    analyze(Cursor::new(bytes), &Options::default(), &mut NoProgress).expect("analysis")
}

fn query(view: View) -> TreeQuery {
    TreeQuery {
        id: 7,
        view,
        filter: String::new(),
        sort: Sort::Name,
        hide_unchanged: false,
        expanded: Vec::new(),
        expand_all: true,
        collapsed: Vec::new(),
        package: None,
        offset: 0,
        limit: usize::MAX,
    }
}

fn union(layer: usize) -> TreeQuery {
    query(View::Union { layer })
}

/// One line per row: mark, fold (`v` open, `>` closed), the name indented
/// by depth, then what the row says.
fn render(rows: &TreeRows) -> String {
    let mut s = format!("total {} offset {}\n", rows.total, rows.offset);
    for r in &rows.rows {
        let mark = match r.mark {
            Some(Mark::Added) => "A",
            Some(Mark::Modified) => "M",
            Some(Mark::Removed) => "D",
            None => ".",
        };
        let fold = match (r.has_children, r.expanded) {
            (true, true) => "v",
            (true, false) => ">",
            _ => " ",
        };
        let _ = write!(
            s,
            "{mark} {fold} {}{} {} {} {}:{}",
            "  ".repeat(r.depth),
            r.name,
            r.mode,
            r.size,
            r.uid,
            r.gid
        );
        if let Some(l) = &r.link {
            let _ = write!(s, " -> {l}");
        }
        if let Some(h) = &r.hardlink {
            let _ = write!(s, " => {h}");
        }
        if !r.fields.is_empty() {
            let _ = write!(s, " [{}]", r.fields.join(","));
        }
        assert_eq!(
            r.kind,
            r.mode
                .chars()
                .next()
                .map(|c| if c == '-' { 'f' } else { c })
                .unwrap()
        );
        assert!(r.path.ends_with(&r.name) && r.path.starts_with('/'));
        s.push('\n');
    }
    s
}

fn check_tree(a: &Analysis, q: &TreeQuery, expect: Expect) {
    let rows = Views::new().rows(a, q).expect("rows");
    assert_eq!(rows.id, q.id);
    expect.assert_eq(&render(&rows));
}

fn render_story(s: &Story) -> String {
    let mut out = format!("{} visible from layer {:?}\n", s.path, s.visible_layer);
    for e in &s.events {
        let _ = writeln!(
            out,
            "{:>3} {} {} {} {} {}:{}{}{}",
            e.layer,
            e.what,
            e.kind.map_or('?', |k| k),
            e.mode.as_deref().unwrap_or("?"),
            e.size,
            e.uid.unwrap_or(0),
            e.gid.unwrap_or(0),
            e.link
                .as_deref()
                .map(|l| format!(" -> {l}"))
                .unwrap_or_default(),
            if e.fields.is_empty() {
                String::new()
            } else {
                format!(" [{}]", e.fields.join(","))
            }
        );
    }
    out
}

fn check_story(a: &Analysis, path: &str, expect: Expect) {
    expect.assert_eq(&render_story(&story(a, path, &Container::new())));
}

#[test]
fn dive_image_a_deleted_directory_shows_as_removed_at_its_layer() {
    let a = analysis(&support::corpus(DIVE));
    let mut q = union(9);
    q.hide_unchanged = true;
    // Layer 9 is `rm -rf /root/example/`: the directory and all below it,
    // with the attributes they had (somefile1.txt was chmod 444 in layer 4).
    check_tree(
        &a,
        &q,
        expect![[r#"
            total 6 offset 0
            . v root drwx------ 12810 0:0
            D v   example drwxr-xr-x 12810 0:0
            D v     really drwxr-xr-x 0 0:0
            D         nested drwxr-xr-x 0 0:0
            D       somefile1.txt -r--r--r-- 6405 0:0
            D       somefile2.txt -rw-r--r-- 6405 0:0
        "#]],
    );
}

#[test]
fn dive_image_stories() {
    let a = analysis(&support::corpus(DIVE));
    check_story(
        &a,
        "/root/saved.txt",
        expect![[r#"
            /root/saved.txt visible from layer Some(13)
              7 added f -rw-r--r-- 6405 0:0
             13 modified f -rwxr-xr-x 6405 0:0 [mode]
        "#]],
    );
    check_story(
        &a,
        "root/example/somefile1.txt",
        expect![[r#"
            /root/example/somefile1.txt visible from layer None
              3 added f -rw-r--r-- 6405 0:0
              4 modified f -r--r--r-- 6405 0:0 [mode]
              9 removed_with_parent f -r--r--r-- 6405 0:0
        "#]],
    );
    check_story(
        &a,
        "/root/example/",
        expect![[r#"
            /root/example visible from layer None
              2 added d drwxr-xr-x 0 0:0
              3 rewritten d drwxr-xr-x 0 0:0
              4 rewritten d drwxr-xr-x 0 0:0
              5 rewritten d drwxr-xr-x 0 0:0
              6 rewritten d drwxr-xr-x 0 0:0
              7 rewritten d drwxr-xr-x 0 0:0
              9 removed d drwxr-xr-x 0 0:0
        "#]],
    );
    check_story(
        &a,
        "/root/example/somefile3.txt",
        expect![[r#"
            /root/example/somefile3.txt visible from layer None
              6 added f -rw-r--r-- 6405 0:0
              7 removed f -rw-r--r-- 6405 0:0
        "#]],
    );
    check_story(
        &a,
        "/no/such/path",
        expect![[r#"
            /no/such/path visible from layer None
        "#]],
    );
}

#[test]
fn dive_image_filters_and_globs() {
    let a = analysis(&support::corpus(DIVE));
    let mut q = union(13);
    q.filter = "saved".into();
    // A search opens the directories above its hits, whatever `expanded` says.
    q.expand_all = false;
    check_tree(
        &a,
        &q,
        expect![[r#"
            total 7 offset 0
            . v root drwx------ 21402 0:0
            . v   .data drwxr-xr-x 8592 0:0
            .       saved.again2.txt -rw-r--r-- 6405 0:0
            .     .saved.txt -rw-r--r-- 6405 0:0
            M     saved.txt -rwxr-xr-x 6405 0:0 [mode]
            . v tmp drwxrwxrwt 6405 0:0
            .     saved.again1.txt -rw-r--r-- 6405 0:0
        "#]],
    );
    q.filter = "*.sh".into();
    check_tree(
        &a,
        &q,
        expect![[r#"
            total 4 offset 0
            . v root drwx------ 21402 0:0
            . v   .data drwxr-xr-x 8592 0:0
            .       tag.sh -rwxrwxr-x 917 0:0
            .       test.sh -rwxr-xr-x 1270 0:0
        "#]],
    );
    // A glob is over the whole path: `/root/*` is everything below /root, not /root.
    q.filter = "/root/.data/*".into();
    check_tree(
        &a,
        &q,
        expect![[r#"
            total 5 offset 0
            . v root drwx------ 21402 0:0
            . v   .data drwxr-xr-x 8592 0:0
            .       saved.again2.txt -rw-r--r-- 6405 0:0
            .       tag.sh -rwxrwxr-x 917 0:0
            .       test.sh -rwxr-xr-x 1270 0:0
        "#]],
    );
    q.filter = "nothing-has-this".into();
    check_tree(
        &a,
        &q,
        expect![[r#"
        total 0 offset 0
    "#]],
    );
}

#[test]
fn dive_image_expansion_sort_and_windows() {
    let a = analysis(&support::corpus(DIVE));
    let mut q = union(13);
    q.expand_all = false;
    q.expanded = vec![
        "/root/".into(),
        "root/.data".into(),
        "/bin/nonexistent".into(),
    ];
    q.sort = Sort::Size;
    q.limit = 6;
    // Largest first at every level; /root and /root/.data open, the rest closed.
    check_tree(
        &a,
        &q,
        expect![[r#"
            total 15 offset 0
            . > bin drwxr-xr-x 1153344 0:0
            . v root drwx------ 21402 0:0
            . v   .data drwxr-xr-x 8592 0:0
            .       saved.again2.txt -rw-r--r-- 6405 0:0
            .       test.sh -rwxr-xr-x 1270 0:0
            .       tag.sh -rwxrwxr-x 917 0:0
        "#]],
    );
    let mut views = Views::new();
    let all: Vec<String> = {
        let mut q = q.clone();
        q.limit = usize::MAX;
        views
            .rows(&a, &q)
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.path)
            .collect()
    };
    assert_eq!(all.len(), 15, "{all:#?}");
    // Scrolling: any window of the same query is that slice of the whole list.
    for offset in [0, 5, 11, 14, 15, 40] {
        let mut w = q.clone();
        w.offset = offset;
        w.limit = 4;
        let rows = views.rows(&a, &w).unwrap();
        assert_eq!(rows.total, 15);
        assert_eq!(rows.offset, offset.min(15));
        let paths: Vec<String> = rows.rows.into_iter().map(|r| r.path).collect();
        assert_eq!(paths, all[offset.min(15)..(offset + 4).min(15)]);
    }
    // Sizes: a directory holds the bytes of the files below it.
    let root_total: u64 = a
        .listing(&a.union)
        .into_iter()
        .filter(|(p, n)| p.starts_with("root/") && n.kind == layerscope_core::FileKind::Regular)
        .map(|(_, n)| n.size)
        .sum();
    assert_eq!(root_total, 21402);
}

#[test]
fn dive_image_a_range_of_changes_is_the_net_change() {
    let a = analysis(&support::corpus(DIVE));
    // somefile1..3 come and go inside 3..=9: left out. /root/example came
    // before the range and went in it: removed, with what was below it then.
    check_tree(
        &a,
        &query(View::Changes { from: 3, to: 9 }),
        expect![[r#"
            total 6 offset 0
            . v root drwx------ 12810 0:0
            A     .saved.txt -rw-r--r-- 6405 0:0
            D v   example drwxr-xr-x 0 0:0
            D v     really drwxr-xr-x 0 0:0
            D         nested drwxr-xr-x 0 0:0
            A     saved.txt -rw-r--r-- 6405 0:0
        "#]],
    );
    // The same range given backwards; a single layer is its own changes.
    let mut views = Views::new();
    let back = views
        .rows(&a, &query(View::Changes { from: 9, to: 3 }))
        .unwrap();
    assert_eq!(back.total, 6);
    check_tree(
        &a,
        &query(View::Changes { from: 13, to: 13 }),
        expect![[r#"
            total 2 offset 0
            . v root drwx------ 6405 0:0
            M     saved.txt -rwxr-xr-x 6405 0:0 [mode]
        "#]],
    );
}

#[test]
fn dive_image_summary_lines_up_with_the_report() {
    let bytes = support::corpus(DIVE);
    let a = analysis(&bytes);
    let s = layerscope_worker::summary::summary(&a, "test-docker-image.tar");
    let report: serde_json::Value = serde_json::from_str(&a.report_json()).unwrap();
    assert_eq!(s.steps.len(), 15);
    assert_eq!(s.files, 423);
    assert_eq!(s.reference.as_deref(), Some("dive-test:latest"));
    assert_eq!(s.format, "docker-save");
    assert_eq!(s.input_size, Some(bytes.len() as u64));
    for (step, row) in s.steps.iter().zip(report["layers"].as_array().unwrap()) {
        assert_eq!(serde_json::json!(step.layer), row["layer"]);
        assert_eq!(serde_json::json!(step.created_by), row["created_by"]);
        assert_eq!(serde_json::json!(step.size), row["size"]);
        if step.layer.is_some() {
            for key in [
                "added",
                "modified",
                "removed",
                "wasted_bytes",
                "blob_size",
                "tar_size",
            ] {
                let ours = serde_json::to_value(step).unwrap()[key].clone();
                assert_eq!(ours, row[key], "{key} of layer {:?}", step.layer);
            }
            assert_eq!(serde_json::json!(step.digest), row["digest"]);
        }
    }
    assert_eq!(s.steps.iter().filter(|s| s.layer.is_none()).count(), 1);
    assert_eq!(s.steps[8].removed, 1); // layer 7: the mv
    assert_eq!(
        s.waste.wasted_bytes,
        report["exact"]["wasted_bytes"].as_u64().unwrap()
    );
    assert_eq!(s.waste.top[0].path, "/root/example/somefile1.txt");
    assert_eq!(s.waste.top[0].layers, [3, 4]);
    assert!(!s.waste.top[0].present);
    assert_eq!(
        s.waste.dive_wasted_bytes,
        report["dive"]["wasted_bytes"].as_u64().unwrap()
    );
    assert_eq!(
        s.waste.dive_top.len(),
        report["dive"]["inefficiencies"]
            .as_array()
            .unwrap()
            .len()
            .min(100)
    );
}

// ---------------------------------------------------------------------------
// Images built here
// ---------------------------------------------------------------------------

fn odd_image() -> Vec<u8> {
    ImageSpec::new()
        .layer(&[
            Entry::dir("usr/bin"),
            Entry::file("usr/bin/busybox", vec![1u8; 300]).mode(0o755),
            Entry::file("usr/bin/su", "su").mode(0o4755),
            Entry::file("usr/bin/wall", "w").mode(0o2744).owner(0, 5),
            Entry::dir("tmp").mode(0o1777),
            Entry::dir("srv").mode(0o1770),
            Entry::chardev("dev/null", 1, 3),
            Entry::fifo("run/pipe").mode(0o600),
            Entry::file("opt/app/lib/a.so", vec![0u8; 40]),
            Entry::file("opt/app/lib/b.so", vec![0u8; 60]),
            Entry::file("keep", "k"),
        ])
        .layer(&[
            Entry::hardlink("usr/bin/sh", "usr/bin/busybox"),
            Entry::symlink("usr/bin/ls", "busybox"),
            // A file where a directory was: everything below it goes.
            Entry::file("opt/app", "now a file"),
            // Identical bytes and attributes: not a change.
            Entry::file("keep", "k"),
        ])
        .layer(&[Entry::opaque("usr/bin"), Entry::file("usr/bin/new", "n")])
        .docker_save()
        .tar()
}

#[test]
fn built_image_rows_say_what_ls_would() {
    let a = analysis(&odd_image());
    check_tree(
        &a,
        &union(1),
        expect![[r#"
            total 19 offset 0
            . v dev drwxr-xr-x 0 0:0
            .     null crw-rw-rw- 0 0:0
            .   keep -rw-r--r-- 1 0:0
            . v opt drwxr-xr-x 10 0:0
            M v   app -rw-r--r-- 10 0:0 [type,size,mode]
            D v     lib drwxr-xr-x 100 0:0
            D         a.so -rw-r--r-- 40 0:0
            D         b.so -rw-r--r-- 60 0:0
            . v run drwxr-xr-x 0 0:0
            .     pipe prw------- 0 0:0
            .   srv drwxrwx--T 0 0:0
            .   tmp drwxrwxrwt 0 0:0
            . v usr drwxr-xr-x 303 0:0
            . v   bin drwxr-xr-x 303 0:0
            .       busybox -rwxr-xr-x 300 0:0
            A       ls lrwxrwxrwx 0 0:0 -> busybox
            A       sh -rwxr-xr-x 300 0:0 => /usr/bin/busybox
            .       su -rwsr-xr-x 2 0:0
            .       wall -rwxr-Sr-- 1 0:5
        "#]],
    );
}

#[test]
fn built_image_stories() {
    let a = analysis(&odd_image());
    check_story(
        &a,
        "/opt/app/lib/a.so",
        expect![[r#"
            /opt/app/lib/a.so visible from layer None
              0 added f -rw-r--r-- 40 0:0
              1 removed_with_parent f -rw-r--r-- 40 0:0
        "#]],
    );
    check_story(
        &a,
        "/opt/app/lib",
        expect![[r#"
            /opt/app/lib visible from layer None
              0 added d drwxr-xr-x 0 0:0
              1 removed_with_parent d drwxr-xr-x 0 0:0
        "#]],
    );
    check_story(
        &a,
        "/keep",
        expect![[r#"
            /keep visible from layer Some(1)
              0 added f -rw-r--r-- 1 0:0
              1 rewritten f -rw-r--r-- 1 0:0
        "#]],
    );
    // The opaque directory of layer 2 hides what the lower layers put in it.
    check_story(
        &a,
        "/usr/bin/sh",
        expect![[r#"
            /usr/bin/sh visible from layer None
              1 added f -rwxr-xr-x 300 0:0
              2 removed f -rwxr-xr-x 300 0:0
        "#]],
    );
    check_story(
        &a,
        "/usr/bin/new",
        expect![[r#"
            /usr/bin/new visible from layer Some(2)
              2 added f -rw-r--r-- 1 0:0
        "#]],
    );
}

#[test]
fn hide_unchanged_keeps_the_expansion_the_page_asked_for() {
    let a = analysis(&odd_image());
    let mut q = union(2);
    q.hide_unchanged = true;
    q.expand_all = false;
    check_tree(
        &a,
        &q,
        expect![[r#"
            total 1 offset 0
            . > usr drwxr-xr-x 1 0:0
        "#]],
    );
    q.expanded = vec!["/usr".into(), "/usr/bin".into()];
    check_tree(
        &a,
        &q,
        expect![[r#"
            total 8 offset 0
            . v usr drwxr-xr-x 1 0:0
            . v   bin drwxr-xr-x 1 0:0
            D       busybox -rwxr-xr-x 300 0:0
            D       ls lrwxrwxrwx 0 0:0 -> busybox
            A       new -rw-r--r-- 1 0:0
            D       sh -rwxr-xr-x 300 0:0 => /usr/bin/busybox
            D       su -rwsr-xr-x 2 0:0
            D       wall -rwxr-Sr-- 1 0:5
        "#]],
    );
}

#[test]
fn queries_for_layers_the_image_lacks_fail_cleanly() {
    let a = analysis(&odd_image());
    let mut views = Views::new();
    let e = views.rows(&a, &union(3)).unwrap_err();
    assert_eq!(e.0, "there is no layer 3: the image has 3 layers");
    assert!(views
        .rows(&a, &query(View::Changes { from: 0, to: 9 }))
        .is_err());
}

// ---------------------------------------------------------------------------
// Requests to responses, as the worker runs them
// ---------------------------------------------------------------------------

fn ask(image: &session::Image, views: &mut Views, request: &str) -> Response {
    let request = session::parse_request(request).expect("request");
    let text = session::to_text(&session::answer(Some(image), views, &request));
    serde_json::from_str(&text).expect("the answer reads back")
}

#[test]
fn the_worker_session_from_open_to_export() {
    let bytes = odd_image();
    // Through the same windowed reader the browser uses, with tiny windows.
    let reader = WindowReader::with_windows(&bytes[..], 7, 1000);
    let mut updates = Vec::new();
    let mut sink = |i: &layerscope_core::ProgressInfo| {
        updates.push(session::progress(i));
        true
    };
    let image = session::open(reader, "odd.tar", None, None, &mut sink).expect("opens");
    assert!(!updates.is_empty());
    let Response::Opened(summary) = session::opened(&image) else {
        panic!("not opened")
    };
    assert_eq!(summary.file_name, "odd.tar");
    assert_eq!(
        *summary,
        layerscope_worker::summary::summary(&analysis(&bytes), "odd.tar")
    );

    let mut views = Views::new();
    let r = ask(
        &image,
        &mut views,
        r#"{"type":"tree","id":3,"view":{"kind":"union","layer":1},"filter":"so","sort":"name",
            "hide_unchanged":false,"expanded":[],"expand_all":false,"offset":1,"limit":2}"#,
    );
    let Response::Tree(rows) = r else {
        panic!("{r:?}")
    };
    assert_eq!((rows.id, rows.total, rows.offset), (3, 5, 1));
    let names: Vec<&str> = rows.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["app", "lib"]);

    let r = ask(&image, &mut views, r#"{"type":"story","path":"/keep"}"#);
    let Response::Story(s) = r else {
        panic!("{r:?}")
    };
    assert_eq!(s.visible_layer, Some(1));

    let r = ask(&image, &mut views, r#"{"type":"export"}"#);
    let Response::Export { json } = r else {
        panic!("{r:?}")
    };
    assert_eq!(json, image.analysis.report_json());

    let r = ask(
        &image,
        &mut views,
        r#"{"type":"tree","id":4,"view":{"kind":"changes","from":0,"to":5},"filter":"","sort":"size","hide_unchanged":false,"expanded":[],"expand_all":true,"offset":0,"limit":10}"#,
    );
    assert!(
        matches!(r, Response::Failed { ref kind, .. } if kind == "bad_request"),
        "{r:?}"
    );
    let _ = Request::Export;
}

#[test]
fn a_failed_open_names_the_file_as_the_cli_does() {
    let garbage = vec![7u8; 4096];
    let Err(Response::Failed { message, kind }) = session::open(
        Cursor::new(&garbage),
        "notes.bin",
        None,
        None,
        &mut NoProgress,
    ) else {
        panic!("opened garbage")
    };
    assert_eq!(kind, "not_an_archive");
    assert_eq!(
        message,
        "notes.bin: not an image archive: not a tar, nor gzip or zstd"
    );

    let mut cut = support::corpus(DIVE);
    cut.truncate(cut.len() / 2);
    let Err(Response::Failed { message, kind }) =
        session::open(Cursor::new(&cut), "dive.tar", None, None, &mut NoProgress)
    else {
        panic!("opened a truncated archive")
    };
    assert_eq!(kind, "truncated");
    assert!(message.starts_with("dive.tar: "), "{message}");

    let Err(Response::Failed { kind, .. }) = session::open(
        Cursor::new(support::corpus(DIVE)),
        "dive.tar",
        Some("nope:latest".into()),
        None,
        &mut NoProgress,
    ) else {
        panic!("found an image that is not there")
    };
    assert_eq!(kind, "no_such_image");
}

// ---------------------------------------------------------------------------
// What must hold on every image
// ---------------------------------------------------------------------------

const CORPUS_IMAGES: &[&str] = &[
    DIVE,
    "wagoodman-dive/.data/test-kaniko-image.tar",
    "wagoodman-dive/.data/test-oci-gzip-image.tar",
    "wagoodman-dive/.data/test-oci-estargz-image.tar",
    "aquasecurity-trivy/pkg/fanal/test/testdata/alpine-310.tar.gz",
    "anchore-stereoscope/pkg/image/oci/testdata/valid-oci.tar",
    "google-go-containerregistry/pkg/v1/mutate/testdata/overwritten_file.tar",
    "google-go-containerregistry/pkg/v1/mutate/testdata/whiteout_image.tar",
    "google-go-containerregistry/pkg/v1/mutate/testdata/whiteout_dir.tar",
    "google-go-containerregistry/pkg/v1/mutate/testdata/source_image.tar",
    "google-go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar",
];

fn mark_of(kind: &layerscope_core::ChangeKind) -> Option<(Mark, Vec<String>)> {
    use layerscope_core::ChangeKind as K;
    match kind {
        K::Added => Some((Mark::Added, vec![])),
        K::Modified(f) => Some((
            Mark::Modified,
            f.names().iter().map(|s| s.to_string()).collect(),
        )),
        K::Removed => Some((Mark::Removed, vec![])),
        K::Same => None,
    }
}

/// Rows are a tree in order: each row's parent comes before it (the last
/// row one level up), and siblings are sorted by name bytes.
fn assert_tree_order(rows: &TreeRows, what: &str) {
    let mut open: Vec<&str> = Vec::new(); // the path at each depth above
    let mut last_at: Vec<Option<&str>> = Vec::new();
    for r in &rows.rows {
        let parent = r.path.rsplit_once('/').map(|(p, _)| p).unwrap();
        assert_eq!(
            r.depth,
            r.path.matches('/').count() - 1,
            "{what}: {}",
            r.path
        );
        open.truncate(r.depth);
        last_at.truncate(r.depth + 1);
        if r.depth > 0 {
            assert_eq!(
                open[r.depth - 1],
                parent,
                "{what}: {} is not under the row above",
                r.path
            );
        }
        if let Some(Some(prev)) = last_at.get(r.depth) {
            assert!(
                prev.as_bytes() < r.name.as_bytes(),
                "{what}: {prev} before {}",
                r.name
            );
        }
        last_at.resize(r.depth + 1, None);
        last_at[r.depth] = Some(&r.name);
        open.push(&r.path);
    }
}

#[test]
fn every_corpus_view_agrees_with_the_engine() {
    let mut checked = 0;
    for rel in CORPUS_IMAGES {
        let a = analysis(&support::corpus(rel));
        let mut views = Views::new();
        let last = a.layers.len() - 1;
        for (l, layer) in a.layers.iter().enumerate() {
            let what = format!("{rel} layer {l}");
            let rows = views.rows(&a, &union(l)).unwrap();
            assert_eq!(rows.total, rows.rows.len());
            assert_tree_order(&rows, &what);
            let shown: Vec<String> = rows
                .rows
                .iter()
                .filter(|r| r.mark != Some(Mark::Removed))
                .map(|r| r.path.clone())
                .collect();
            let mut expected: Vec<String> = a
                .listing(&a.union_at(l))
                .iter()
                .map(|(k, _)| format!("/{k}"))
                .collect();
            let mut sorted = shown.clone();
            sorted.sort();
            expected.sort();
            assert_eq!(sorted, expected, "{what}");
            // The marks are the layer's real changes, removals included.
            let mut marks: Vec<(String, Mark, Vec<String>)> = rows
                .rows
                .iter()
                .filter_map(|r| Some((r.path.clone(), r.mark?, r.fields.clone())))
                .collect();
            let mut changes: Vec<(String, Mark, Vec<String>)> = layer
                .changes
                .iter()
                .filter_map(|c| {
                    mark_of(&c.kind).map(|(m, f)| (format!("/{}", a.path(c.path)), m, f))
                })
                .collect();
            marks.sort_by(|a, b| a.0.cmp(&b.0));
            changes.sort_by(|a, b| a.0.cmp(&b.0));
            assert_eq!(marks, changes, "{what}");
            // A one-layer range is the same changes.
            let range = views
                .rows(&a, &query(View::Changes { from: l, to: l }))
                .unwrap();
            assert_tree_order(&range, &what);
            let mut range_marks: Vec<(String, Mark, Vec<String>)> = range
                .rows
                .iter()
                .filter_map(|r| Some((r.path.clone(), r.mark?, r.fields.clone())))
                .collect();
            range_marks.sort_by(|a, b| a.0.cmp(&b.0));
            assert_eq!(range_marks, changes, "{what}: range {l}..={l}");
            // And every change is in its path's story.
            for (path, mark, _) in &changes {
                let s = story(&a, path, &Container::new());
                let e = s
                    .events
                    .iter()
                    .find(|e| e.layer == l)
                    .unwrap_or_else(|| panic!("{what}: {path}"));
                let ok = match mark {
                    Mark::Added => e.what == "added",
                    Mark::Modified => e.what == "modified",
                    Mark::Removed => e.what == "removed" || e.what == "removed_with_parent",
                };
                assert!(
                    ok,
                    "{what}: {path} is {mark:?} but its story says {}",
                    e.what
                );
            }
        }
        // Everything, against nothing: the final filesystem, all added.
        let all = views
            .rows(&a, &query(View::Changes { from: 0, to: last }))
            .unwrap();
        assert_eq!(all.total, a.union.len(), "{rel}");
        assert!(
            all.rows.iter().all(|r| r.mark == Some(Mark::Added)),
            "{rel}"
        );
        for (path, node) in a.listing(&a.union) {
            assert_eq!(
                story(&a, &path, &Container::new()).visible_layer,
                Some(node.layer as usize),
                "{rel}: {path}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, CORPUS_IMAGES.len());
}

// ---------------------------------------------------------------------------
// Size: 100k paths
// ---------------------------------------------------------------------------

/// 1000 directories of 100 files under /usr/share, a layer that rewrites a
/// tenth of them and deletes 50 directories, and one that adds a few.
fn big_image() -> Vec<u8> {
    let mut base = Vec::with_capacity(101_000);
    for d in 0..1000 {
        for f in 0..100 {
            let size = (d * 100 + f) % 7;
            base.push(Entry::file(
                format!("usr/share/pkg{d:04}/file{f:03}.txt"),
                vec![b'x'; size],
            ));
        }
    }
    let mut second = Vec::new();
    for d in (0..1000).step_by(10) {
        for f in 0..100 {
            second.push(Entry::file(
                format!("usr/share/pkg{d:04}/file{f:03}.txt"),
                "changed",
            ));
        }
    }
    for d in (5..1000).step_by(20) {
        second.push(Entry::whiteout(&format!("usr/share/pkg{d:04}")));
    }
    let third: Vec<Entry> = (0..10)
        .map(|i| Entry::file(format!("opt/new{i}"), "n"))
        .collect();
    ImageSpec::new()
        .layer(&base)
        .layer(&second)
        .layer(&third)
        .docker_save()
        .tar()
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = std::time::Instant::now();
    let v = f();
    eprintln!(
        "timing: {what}: {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    v
}

/// The best of a few runs: the machine is shared, and the best is what the code costs.
fn best_of<T>(what: &str, runs: usize, mut f: impl FnMut() -> T) {
    let best = (0..runs)
        .map(|_| {
            let t = std::time::Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .fold(f64::INFINITY, f64::min);
    eprintln!("timing: {what}: best of {runs}: {best:.1} ms");
}

#[test]
fn a_hundred_thousand_paths() {
    let bytes = timed("build the archive", big_image);
    let a = timed("analyze", || analysis(&bytes));
    assert_eq!(
        a.union.len(),
        1000 * 100 - 50 * 100 + 1000 - 50 + 2 + 10 + 1
    );
    let mut views = Views::new();

    let mut q = union(1);
    q.expand_all = false;
    q.expanded = vec!["/usr".into(), "/usr/share".into()];
    q.limit = 60;
    let first = timed("tree query, first (builds the union after layer 1)", || {
        views.rows(&a, &q).unwrap()
    });
    assert_eq!(first.total, 2 + 1000);
    q.offset = 500;
    let scrolled = timed("tree query, scrolled (cached)", || {
        views.rows(&a, &q).unwrap()
    });
    assert_eq!(scrolled.rows[0].name, "pkg0498");

    q.expand_all = true;
    q.offset = 0;
    let all = timed("tree query, expand all", || views.rows(&a, &q).unwrap());
    assert_eq!(all.total, 2 + 1000 + 100_000);
    // Everything open but one package: only its 100 files go.
    q.collapsed = vec!["/usr/share/pkg0007".into()];
    // /usr, /usr/share, then 7 packages of 1 + 100 rows before it.
    q.offset = 2 + 7 * 101;
    let but_one = views.rows(&a, &q).unwrap();
    assert_eq!(but_one.total, 2 + 1000 + 100_000 - 100);
    let row = &but_one.rows[0];
    assert_eq!(row.path, "/usr/share/pkg0007");
    assert!(row.has_children && !row.expanded);
    assert_eq!(but_one.rows[1].path, "/usr/share/pkg0008");
    q.collapsed.clear();
    q.offset = 0;
    q.offset = 90_000;
    timed("tree query, expand all, scrolled", || {
        views.rows(&a, &q).unwrap()
    });

    q.hide_unchanged = true;
    let changed = timed("tree query, hide unchanged", || views.rows(&a, &q).unwrap());
    // /usr, /usr/share, 100 rewritten directories (unmarked) with their
    // files, and 50 deleted ones with theirs.
    assert_eq!(changed.total, 2 + 100 + 100 * 100 + 50 + 50 * 100);
    q.hide_unchanged = false;

    q.filter = "file042".into();
    q.offset = 0;
    let found = timed("tree query, substring filter", || {
        views.rows(&a, &q).unwrap()
    });
    assert_eq!(found.total, 2 + 1000 + 1000);
    q.filter = "/usr/share/pkg09*/file0?9.txt".into();
    let globbed = timed("tree query, glob", || views.rows(&a, &q).unwrap());
    assert_eq!(globbed.total, 2 + 100 + 100 * 10);
    q.filter.clear();

    q.sort = Sort::Size;
    timed("tree query, by size", || views.rows(&a, &q).unwrap());
    q.view = View::Union { layer: 0 };
    timed("tree query, union after layer 0", || {
        views.rows(&a, &q).unwrap()
    });
    q.view = View::Union { layer: 2 };
    timed("tree query, union after the last layer", || {
        views.rows(&a, &q).unwrap()
    });
    q.view = View::Changes { from: 1, to: 2 };
    let range = timed("tree query, changes of 1..=2", || {
        views.rows(&a, &q).unwrap()
    });
    assert_eq!(range.total, 2 + 100 + 100 * 100 + 50 + 50 * 100 + 1 + 10);
    q.view = View::Union { layer: 1 };
    timed("tree query, back to layer 1 (kept)", || {
        views.rows(&a, &q).unwrap()
    });
    let s = timed("story", || {
        story(&a, "/usr/share/pkg0010/file001.txt", &Container::new())
    });
    assert_eq!(s.events.len(), 2);

    // The work behind a first query, without the noise of a shared machine.
    best_of(
        "build the tree of the union after the last layer",
        5,
        || ViewTree::union(&a, 2),
    );
    best_of("build the tree of the union after layer 0", 5, || {
        ViewTree::union(&a, 0)
    });
    best_of("build the tree of changes 1..=2", 5, || {
        ViewTree::changes(&a, 1, 2)
    });
    let mut fresh = union(2);
    fresh.limit = 100;
    best_of(
        "first query of a view (build + flatten + 100 rows)",
        5,
        || Views::new().rows(&a, &fresh).unwrap(),
    );
    fresh.filter = "file042".into();
    let mut views = Views::new();
    views.rows(&a, &union(2)).unwrap();
    best_of("new filter on a built tree", 5, || {
        fresh.filter = if fresh.filter == "file042" {
            "file043"
        } else {
            "file042"
        }
        .into();
        views.rows(&a, &fresh).unwrap()
    });
}

// ---------------------------------------------------------------------------
// A package's files (`TreeQuery::package`)
// ---------------------------------------------------------------------------

/// dpkg's database as dpkg writes it: `status`, and each package's `.list`
/// (directories too). Layer 1 installs `tool` over the base's `libx`.
fn dpkg_image() -> Vec<u8> {
    let status = |pkgs: &[(&str, &str)]| {
        pkgs.iter()
            .map(|(n, v)| {
                format!("Package: {n}\nStatus: install ok installed\nArchitecture: all\nVersion: {v}\n\n")
            })
            .collect::<String>()
    };
    ImageSpec::new()
        .layer(&[
            Entry::file("usr/lib/libx.so", vec![1u8; 100]),
            Entry::file("usr/lib/other.so", vec![2u8; 10]),
            Entry::file("etc/x.conf", "x"),
            Entry::file("var/lib/dpkg/status", status(&[("libx", "1.0")])),
            Entry::file(
                "var/lib/dpkg/info/libx.list",
                "/.\n/usr\n/usr/lib\n/usr/lib/libx.so\n/etc\n/etc/x.conf\n",
            ),
        ])
        .layer(&[
            Entry::file("usr/bin/tool", vec![3u8; 50]),
            Entry::file("usr/share/doc/tool/README", "r"),
            Entry::file(
                "var/lib/dpkg/status",
                status(&[("libx", "1.0"), ("tool", "2.1")]),
            ),
            Entry::file(
                "var/lib/dpkg/info/tool.list",
                "/.\n/usr\n/usr/bin\n/usr/bin/tool\n/usr/share/doc/tool/README\n",
            ),
        ])
        .docker_save()
        .tar()
}

#[test]
fn a_packages_tree_is_its_files_under_their_directories() {
    let a = analysis(&dpkg_image());
    let mut views = Views::new();
    let kept = views.packages(&a);
    let index = |name: &str| {
        kept.view
            .packages
            .iter()
            .position(|p| p.name == name)
            .unwrap()
    };
    let (libx, tool) = (index("libx"), index("tool"));
    let q = |layer, package, filter: &str| TreeQuery {
        package: Some(package),
        filter: filter.to_string(),
        expand_all: false,
        ..union(layer)
    };
    // Every directory above a file is open, whatever the expansion; a
    // directory's size is the view's, as under a text filter.
    check_tree(
        &a,
        &q(1, libx, ""),
        expect![[r#"
            total 5 offset 0
            . v etc drwxr-xr-x 1 0:0
            .     x.conf -rw-r--r-- 1 0:0
            . v usr drwxr-xr-x 161 0:0
            . v   lib drwxr-xr-x 110 0:0
            .       libx.so -rw-r--r-- 100 0:0
        "#]],
    );
    let rows = views.rows(&a, &q(1, tool, "")).unwrap();
    let paths: Vec<&str> = rows.rows.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/usr",
            "/usr/bin",
            "/usr/bin/tool",
            "/usr/share",
            "/usr/share/doc",
            "/usr/share/doc/tool",
            "/usr/share/doc/tool/README"
        ]
    );
    // With a text filter: both must hold.
    let rows = views.rows(&a, &q(1, tool, "README")).unwrap();
    assert_eq!(
        rows.rows.last().map(|r| r.path.as_str()),
        Some("/usr/share/doc/tool/README")
    );
    assert_eq!(rows.total, 5);
    // In the layer below, which had none of tool's files: nothing.
    assert_eq!(views.rows(&a, &q(0, tool, "")).unwrap().total, 0);
    // No such package: a bad query.
    assert!(views.rows(&a, &q(1, 99, "")).is_err());
    // The story names the owner; a file no package lists has none.
    let mut story_of = |path: &str| match session::answer(
        Some(&session::Image {
            name: "dpkg.tar".into(),
            analysis: analysis(&dpkg_image()),
        }),
        &mut views,
        &Request::Story { path: path.into() },
    ) {
        Response::Story(s) => s.owner,
        other => panic!("{other:?}"),
    };
    assert_eq!(story_of("/usr/bin/tool").as_deref(), Some("deb tool 2.1"));
    assert_eq!(story_of("/etc/x.conf").as_deref(), Some("deb libx 1.0"));
    assert_eq!(story_of("/usr/lib/other.so"), None);
}
