//! How long the treemap takes on a big image (bench/run.sh's image has
//! ~100k paths): `cargo run --release -p layerscope-worker --example
//! treemap_time -- IMAGE`. Prints the analysis time, then each map's.

use layerscope_core::{analyze, NoProgress, Options};
use layerscope_protocol::treemap::{CellKind, TreemapMode, TreemapQuery};
use layerscope_worker::treemap::treemap;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: treemap_time IMAGE");
    let t = Instant::now();
    let file = std::fs::File::open(&path).expect("open");
    let a = analyze(
        std::io::BufReader::new(file),
        &Options::default(),
        &mut NoProgress,
    )
    .expect("analyze");
    println!(
        "analysis: {:.2} s, {} paths in the final filesystem",
        t.elapsed().as_secs_f64(),
        a.union.len()
    );
    let last = a.layers.len() - 1;
    let q = |mode, root: &str| TreemapQuery {
        id: 1,
        mode,
        layer: last,
        root: root.into(),
        aspect: 1.6,
    };
    for (mode, name) in [(TreemapMode::Files, "files"), (TreemapMode::Waste, "waste")] {
        let t = Instant::now();
        let map = treemap(&a, &q(mode, "/")).expect("treemap");
        println!(
            "{name} at /: {:.1} ms, {} cells, {} files",
            t.elapsed().as_secs_f64() * 1e3,
            map.cells.len(),
            map.files
        );
        if let Some(dir) = map.cells.iter().find(|c| c.kind == CellKind::Dir) {
            let t = Instant::now();
            let inner = treemap(&a, &q(mode, &dir.path)).expect("zoom");
            println!(
                "{name} at {}: {:.1} ms, {} cells",
                dir.path,
                t.elapsed().as_secs_f64() * 1e3,
                inner.cells.len()
            );
        }
    }
}
