//! What the page gets while layers are still being read (`Preview`, and
//! `Tree`, `Story`, `Treemap` answered on the stack's snapshot), checked
//! against the answers once the image is open: the rows of the layers read
//! are the final rows (waste so far aside), the rows to come carry what the
//! manifest says, and a tree or story about the layers read is the final one.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../core/tests/support/mod.rs"]
mod support;

use layerscope_core::layers::scan as layer_scan;
use layerscope_core::{member_at, prepare, Options, TarSource};
use layerscope_protocol::treemap::{TreemapMode, TreemapQuery};
use layerscope_protocol::{Reading, Request, Response, Sort, TreeQuery, View};
use layerscope_worker::session::{self, Image};
use layerscope_worker::summary::{preview, summary};
use layerscope_worker::views::Views;
use std::io::Cursor;
use support::{corpus, Entry, ImageSpec};

fn tree(view: View) -> Request {
    Request::Tree(TreeQuery {
        id: 1,
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
    })
}

/// Every answer the page may get about layer `layer` (and a range ending
/// there) and about `paths`.
fn questions(layer: usize, paths: &[String]) -> Vec<Request> {
    let mut q = vec![
        tree(View::Union { layer }),
        tree(View::Changes { from: 0, to: layer }),
        Request::Treemap(TreemapQuery {
            id: 2,
            mode: TreemapMode::Files,
            layer,
            root: "/".into(),
            aspect: 1.5,
        }),
    ];
    q.extend(paths.iter().map(|p| Request::Story { path: p.clone() }));
    q
}

fn check(name: &str, bytes: &[u8], oci: bool) {
    let final_image = Image {
        name: name.into(),
        analysis: layerscope_core::analyze(
            Cursor::new(bytes),
            &Options::default(),
            &mut layerscope_core::NoProgress,
        )
        .unwrap(),
    };
    let done = summary(&final_image.analysis, name);
    let paths: Vec<String> = final_image
        .analysis
        .layers
        .iter()
        .flat_map(|l| &l.changes)
        .map(|c| format!("/{}", final_image.analysis.path(c.path)))
        .collect();

    let mut source = TarSource::index(Cursor::new(bytes)).unwrap();
    let prepared = prepare(&mut source, &Options::default()).unwrap();
    let ranges = prepared.layer_ranges(&source).unwrap();
    let mut stack = prepared.into_stack();
    let total = ranges.len();
    for k in 0..=total {
        let snapshot = Image {
            name: name.into(),
            analysis: stack.snapshot(),
        };
        // As the stacker does: a size the manifest does not give is the
        // member's, from the archive's index.
        let mut pending = stack.pending();
        for p in &mut pending {
            p.size = p.size.or(Some(ranges[p.index].1));
        }
        let p = preview(&snapshot.analysis, &pending, name);
        assert_eq!(
            p.reading,
            Some(Reading {
                layers_read: k,
                layers: total
            })
        );
        assert_eq!(p.steps.len(), done.steps.len(), "every step shows at once");
        for (got, want) in p.steps.iter().zip(&done.steps) {
            assert_eq!(got.layer, want.layer);
            assert_eq!(
                got.created_by, want.created_by,
                "the history is there at once"
            );
            match got.layer {
                Some(l) if l < k => {
                    // Read: the final row but for the waste, which only grows.
                    let mut same = got.clone();
                    same.wasted_bytes = want.wasted_bytes;
                    assert_eq!(&same, want, "{name}: layer {l} after {k}");
                    assert!(got.wasted_bytes <= want.wasted_bytes);
                }
                Some(l) => {
                    // To come: what the manifest says, nothing made up.
                    // An OCI manifest says each layer's digest; docker save's
                    // names layers by path, so theirs comes with the bytes.
                    if oci {
                        assert_eq!(got.digest, want.digest, "{name}: layer {l}");
                    } else {
                        assert_eq!(got.digest, None, "{name}: layer {l}");
                    }
                    assert_eq!(got.diff_id, want.diff_id, "{name}: layer {l}");
                    assert_eq!(got.blob_size, want.blob_size, "{name}: layer {l}");
                    assert_eq!((got.size, got.added, got.digest_verified), (0, 0, None));
                }
                None => {}
            }
        }
        // Trees, treemaps and stories of the layers read are the final ones.
        let (mut early, mut late) = (Views::snapshot(), Views::default());
        if k > 0 {
            for q in questions(k - 1, &paths) {
                let got = session::answer(Some(&snapshot), &mut early, &q);
                let want = session::answer(Some(&final_image), &mut late, &q);
                match (got, want) {
                    (Response::Story(mut got), Response::Story(want)) => {
                        let events: Vec<_> = want
                            .events
                            .iter()
                            .filter(|e| e.layer < k)
                            .cloned()
                            .collect();
                        assert_eq!(got.events, events, "{name}: story after {k}");
                        // The owner is the final image's: not told early.
                        assert_eq!(got.owner, None, "{name}: owner after {k}");
                        got.visible_layer = want.visible_layer;
                    }
                    (
                        Response::Treemap { map: Some(got), .. },
                        Response::Treemap {
                            map: Some(mut want),
                            ..
                        },
                    ) => {
                        // Bytes by layer: the layers above are not there yet.
                        assert!(want.layer_bytes[k..].iter().all(|&b| b == 0));
                        want.layer_bytes.truncate(k);
                        assert_eq!(got, want, "{name}: {q:?} after {k}");
                    }
                    (got, want) => assert_eq!(got, want, "{name}: {q:?} after {k}"),
                }
            }
        }
        if k < total {
            let (offset, size) = ranges[k];
            let scan =
                layer_scan::scan(member_at(Cursor::new(bytes), offset, size).unwrap()).unwrap();
            stack.push(scan);
        }
    }
    let mut last = stack.finish();
    last.input_size = final_image.analysis.input_size;
    assert_eq!(summary(&last, name), done);
}

#[test]
fn previews_of_a_built_image() {
    let image = ImageSpec::new()
        .layer(&[
            Entry::dir("etc"),
            Entry::file("etc/big", vec![1u8; 5000]),
            Entry::dir("app"),
            Entry::file("app/a", "one"),
        ])
        .layer(&[
            Entry::file("etc/big", vec![2u8; 7000]),
            Entry::whiteout("app/a"),
        ])
        .layer(&[Entry::opaque("etc"), Entry::file("etc/small", "x")]);
    check("built.tar", &image.docker_save().tar(), false);
    check("built-oci.tar", &image.oci().tar(), true);
}

#[test]
fn previews_of_real_images() {
    check(
        "dive.tar",
        &corpus("wagoodman-dive/.data/test-docker-image.tar"),
        false,
    );
    let sample = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../www/samples/app-naive.docker.tar"
    ))
    .unwrap();
    check("app-naive.docker.tar", &sample, false);
}
