//! The worker's answers for the build-cache simulation and the container
//! layer, through `session::answer` as the page asks them, on the demo
//! sample the page ships (made by scripts/make-samples with umoci and
//! skopeo). Native only: it reads the sample from disk.
#![cfg(not(target_arch = "wasm32"))]

use layerscope_core::{analyze, NoProgress, Options};
use layerscope_protocol::{ContainerOp, Mark, Request, Response, SimChange, Sort, TreeQuery, View};
use layerscope_worker::session::{self, Image};
use layerscope_worker::views::Views;
use std::io::Cursor;

fn demo() -> Image {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../www/samples/demo.docker.tar"
    ))
    .expect("www/samples/demo.docker.tar");
    Image {
        name: "demo.docker.tar".into(),
        analysis: analyze(Cursor::new(bytes), &Options::default(), &mut NoProgress)
            .expect("analysis"),
    }
}

fn ask(image: &Image, views: &mut Views, request: Request) -> Response {
    session::answer(Some(image), views, &request)
}

fn simulate(
    image: &Image,
    views: &mut Views,
    change: SimChange,
) -> layerscope_protocol::SimulationView {
    match ask(
        image,
        views,
        Request::Simulate {
            id: 9,
            change,
            base_end: None,
        },
    ) {
        Response::Simulation(s) => *s,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_demo_build_reads_back_as_dockerfile_steps_with_its_base() {
    let image = demo();
    let mut views = Views::new();
    let Response::Build(build) = ask(
        &image,
        &mut views,
        Request::Build {
            base_end: None,
            dockerfile: None,
        },
    ) else {
        panic!("no build");
    };
    let lines: Vec<&str> = build.steps.iter().map(|s| s.line.as_str()).collect();
    assert_eq!(lines.len(), 10, "{lines:#?}");
    assert!(lines[0].starts_with("ADD file:"), "{}", lines[0]);
    assert_eq!(lines[2], "RUN apk add --no-cache curl");
    assert_eq!(lines[4], "COPY --chown=app:app app /app");
    assert_eq!(lines[9], r#"CMD ["/app/server"]"#);
    // The base image is its first step: the classic builder wrote it, BuildKit the rest.
    assert_eq!((build.base_end, build.base_guess), (1, 1));
    let layers: Vec<Option<usize>> = build.steps.iter().map(|s| s.layer).collect();
    assert_eq!(
        layers,
        [
            Some(0),
            None,
            Some(1),
            Some(2),
            Some(3),
            Some(4),
            Some(5),
            None,
            None,
            None
        ]
    );
    // apk's cache added in step 3 and deleted in step 4 still ships.
    let deleted: Vec<_> = build
        .advice
        .iter()
        .filter(|a| a.kind == "deleted-later")
        .collect();
    assert_eq!(deleted.len(), 1, "{:#?}", build.advice);
    assert_eq!(deleted[0].paths, ["/var/cache/apk/APKINDEX.tar.gz"]);
    assert_eq!(deleted[0].bytes, 256 * 1024);
}

// Docker docs, "Build cache invalidation": for ADD and COPY the checksum of
// each file is part of the key; once the cache is invalidated, every
// following instruction is executed anew.
#[test]
fn a_context_file_rebuilds_from_its_copy_and_a_moved_base_changes_the_answer() {
    let image = demo();
    let mut views = Views::new();
    let sim = simulate(
        &image,
        &mut views,
        SimChange::File {
            path: "/app/config.yml".into(),
        },
    );
    assert_eq!(sim.error, None);
    assert_eq!(sim.first_miss, Some(4));
    assert_eq!(
        sim.outcomes.iter().map(|o| o.name()).collect::<Vec<_>>(),
        [
            "base", "hit", "hit", "hit", "rebuilt", "rebuilt", "rebuilt", "rebuilt", "rebuilt",
            "rebuilt"
        ]
    );
    assert_eq!(sim.cost.layers_rebuilt, 3);
    let blobs: u64 = image.analysis.layers[3..].iter().map(|l| l.blob_size).sum();
    assert_eq!(sim.cost.push_bytes, blobs);
    // With the base moved past the COPY, the file is the base's: refused, in words.
    let sim = match ask(
        &image,
        &mut views,
        Request::Simulate {
            id: 10,
            change: SimChange::File {
                path: "/app/config.yml".into(),
            },
            base_end: Some(6),
        },
    ) {
        Response::Simulation(s) => *s,
        other => panic!("{other:?}"),
    };
    assert!(
        sim.error.as_deref().is_some_and(|e| e.contains("base")),
        "{sim:?}"
    );
}

#[test]
fn an_edited_dockerfile_simulates_its_first_changed_line() {
    let image = demo();
    let mut views = Views::new();
    let original = "FROM alpine\nENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nRUN apk add --no-cache curl\nRUN rm -rf /var/cache/apk/APKINDEX.tar.gz /tmp/build\nCOPY --chown=app:app app /app\n";
    let Response::Build(build) = ask(
        &image,
        &mut views,
        Request::Build {
            base_end: None,
            dockerfile: Some(original.into()),
        },
    ) else {
        panic!("no build");
    };
    let matched: Vec<Option<usize>> = build
        .dockerfile
        .iter()
        .filter(|r| r.text.is_some())
        .map(|r| r.step)
        .collect();
    assert_eq!(matched, [Some(1), Some(2), Some(3), Some(4)]);
    let edited = original.replace("curl", "curl jq");
    let sim = simulate(
        &image,
        &mut views,
        SimChange::Dockerfile {
            original: original.into(),
            edited,
        },
    );
    assert_eq!(sim.first_miss, Some(2), "{sim:?}");
    let untouched = simulate(
        &image,
        &mut views,
        SimChange::Dockerfile {
            original: original.into(),
            edited: original.into(),
        },
    );
    assert!(untouched.error.is_some(), "nothing changed: {untouched:?}");
}

// overlayfs copy-up: a write to a lower file copies the whole file into the
// upper (container) layer first; a delete leaves a whiteout there.
#[test]
fn the_container_layer_copies_up_whole_files_and_whiteouts_show_in_its_view() {
    let image = demo();
    let mut views = Views::new();
    let server = image.analysis.file("app/server").expect("/app/server").size;
    let Response::Container(c) = ask(
        &image,
        &mut views,
        Request::Container(ContainerOp::Edit {
            path: "/app/server".into(),
        }),
    ) else {
        panic!("no container");
    };
    assert!(!c.error, "{}", c.message);
    assert_eq!(c.size, server);
    assert_eq!(c.revision, 1);
    let Response::Container(c) = ask(
        &image,
        &mut views,
        Request::Container(ContainerOp::Delete {
            path: "/etc/conf.d/app.conf".into(),
        }),
    ) else {
        panic!("no container");
    };
    assert_eq!(c.size, server, "a whiteout costs nothing");
    let whats: Vec<(&str, &str)> = c
        .entries
        .iter()
        .map(|e| (e.path.as_str(), e.what.as_str()))
        .collect();
    assert_eq!(
        whats,
        [
            ("/app/server", "copied_up"),
            ("/etc/conf.d/app.conf", "whiteout")
        ]
    );
    // A refused operation says why and changes nothing.
    let Response::Container(bad) = ask(
        &image,
        &mut views,
        Request::Container(ContainerOp::Edit {
            path: "/etc".into(),
        }),
    ) else {
        panic!("no container");
    };
    assert!(bad.error && bad.message.contains("/etc"), "{}", bad.message);
    assert_eq!((bad.size, bad.revision), (server, 2));

    let q = TreeQuery {
        id: 1,
        view: View::Container { revision: 0 },
        filter: String::new(),
        sort: Sort::Name,
        hide_unchanged: true,
        expanded: Vec::new(),
        expand_all: true,
        collapsed: Vec::new(),
        package: None,
        offset: 0,
        limit: 1000,
    };
    let Response::Tree(rows) = ask(&image, &mut views, Request::Tree(q)) else {
        panic!("no rows");
    };
    let marked: Vec<(&str, Option<Mark>)> = rows
        .rows
        .iter()
        .map(|r| (r.path.as_str(), r.mark))
        .collect();
    assert!(
        marked.contains(&("/app/server", Some(Mark::Modified))),
        "{marked:?}"
    );
    assert!(
        marked.contains(&("/etc/conf.d/app.conf", Some(Mark::Removed))),
        "{marked:?}"
    );
    let Response::Story(story) = ask(
        &image,
        &mut views,
        Request::Story {
            path: "/app/server".into(),
        },
    ) else {
        panic!("no story");
    };
    assert!(story
        .container
        .is_some_and(|n| n.contains("container layer")));
    let Response::Container(c) = ask(&image, &mut views, Request::Container(ContainerOp::Reset))
    else {
        panic!("no container");
    };
    assert_eq!((c.size, c.entries.len()), (0, 0));
}
