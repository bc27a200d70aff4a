//! Times tree queries on a generated image of 100k paths, natively:
//! `cargo run --release -p layerscope-worker --example tree_timing`.
//! Prints the best of several runs of each step (the machine may be shared).

#[path = "../../core/tests/support/mod.rs"]
mod support;

use layerscope_protocol::{Sort, TreeQuery, View};
use layerscope_worker::views::{ViewTree, Views};
use std::time::Instant;
use support::{Entry, ImageSpec};

fn best_of<T>(what: &str, runs: usize, mut f: impl FnMut() -> T) {
    let best = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .fold(f64::INFINITY, f64::min);
    println!("{what:<58} {best:>8.2} ms");
}

fn main() {
    let dirs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let mut base = Vec::new();
    for d in 0..dirs {
        for f in 0..100 {
            base.push(Entry::file(
                format!("usr/share/pkg{d:04}/file{f:03}.txt"),
                vec![b'x'; (d + f) % 7],
            ));
        }
    }
    let mut second = Vec::new();
    for d in (0..dirs).step_by(10) {
        second.push(Entry::file(
            format!("usr/share/pkg{d:04}/file000.txt"),
            "changed",
        ));
    }
    for d in (5..dirs).step_by(20) {
        second.push(Entry::whiteout(&format!("usr/share/pkg{d:04}")));
    }
    let bytes = ImageSpec::new()
        .layer(&base)
        .layer(&second)
        .docker_save()
        .tar();
    let t = Instant::now();
    let a = layerscope_core::analyze(
        std::io::Cursor::new(&bytes),
        &Default::default(),
        &mut layerscope_core::NoProgress,
    )
    .expect("analysis");
    println!(
        "{} paths, analysed in {:.0} ms",
        a.union.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );

    let q = |layer, filter: &str, expand_all| TreeQuery {
        id: 0,
        view: View::Union { layer },
        filter: filter.into(),
        sort: Sort::Name,
        hide_unchanged: false,
        expanded: vec!["/usr".into(), "/usr/share".into()],
        expand_all,
        collapsed: Vec::new(),
        package: None,
        offset: 0,
        limit: 100,
    };
    best_of("tree of the union after the last layer", 7, || {
        ViewTree::union(&a, 1)
    });
    best_of(
        "tree of the union after layer 0 (last layer undone)",
        7,
        || ViewTree::union(&a, 0),
    );
    best_of("tree of the changes of layers 0..=1", 7, || {
        ViewTree::changes(&a, 0, 1)
    });
    best_of("first query of a view (tree + rows)", 7, || {
        Views::new().rows(&a, &q(1, "", false)).unwrap()
    });
    let mut views = Views::new();
    views.rows(&a, &q(1, "", false)).unwrap();
    let mut offset = 0;
    best_of("scroll: same query, new offset", 7, || {
        let mut s = q(1, "", true);
        offset += 1000;
        s.offset = offset;
        views.rows(&a, &s).unwrap()
    });
    let mut flip = false;
    best_of(
        "expand all, another expansion (flatten 100k rows)",
        7,
        || {
            flip = !flip;
            let mut s = q(1, "", true);
            s.expanded.truncate(if flip { 1 } else { 2 });
            views.rows(&a, &s).unwrap()
        },
    );
    flip = false;
    best_of("substring filter, changed (file042 / file043)", 7, || {
        flip = !flip;
        views
            .rows(&a, &q(1, if flip { "file042" } else { "file043" }, false))
            .unwrap()
    });
    flip = false;
    best_of("glob filter, changed", 7, || {
        flip = !flip;
        views
            .rows(
                &a,
                &q(
                    1,
                    if flip {
                        "*/pkg09*/file0?9.txt"
                    } else {
                        "*/pkg08*/file0?9.txt"
                    },
                    false,
                ),
            )
            .unwrap()
    });
    best_of("sort by size, expand all, another expansion", 7, || {
        flip = !flip;
        let mut s = q(1, "", true);
        s.expanded.truncate(if flip { 1 } else { 2 });
        s.sort = Sort::Size;
        views.rows(&a, &s).unwrap()
    });
}
