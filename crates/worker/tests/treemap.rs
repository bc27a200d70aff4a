//! The treemap over real images: the cells' bytes add up to the filesystem's
//! (or the waste's), each file cell's colour is the layer `layerscope ls
//! --csv` says wrote it, zooming shows a directory's entries, and the cells
//! tile the drawing in proportion to their bytes.

use layerscope_core::{analyze, Analysis, FileKind, NoProgress, Options};
use layerscope_protocol::treemap::{CellKind, TreemapMode, TreemapQuery};
use layerscope_worker::treemap::treemap;
use std::path::Path;

fn open(rel: &str) -> Analysis {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    analyze(
        std::io::BufReader::new(file),
        &Options::default(),
        &mut NoProgress,
    )
    .unwrap()
}

fn query(mode: TreemapMode, layer: usize, root: &str) -> TreemapQuery {
    TreemapQuery {
        id: 7,
        mode,
        layer,
        root: root.to_string(),
        aspect: 1.6,
    }
}

#[test]
fn the_cells_add_up_to_the_filesystem_and_wear_the_layer_that_wrote_them() {
    for rel in [
        "www/samples/demo.docker.tar",
        "www/samples/app-naive.docker.tar",
    ] {
        let a = open(rel);
        for layer in 0..a.layers.len() {
            let t = treemap(&a, &query(TreemapMode::Files, layer, "/")).unwrap();
            let union = a.union_at(layer);
            let want: u64 = union
                .iter()
                .map(|(_, n)| a.node(n))
                .filter(|n| n.kind == FileKind::Regular)
                .map(|n| n.size)
                .sum();
            assert_eq!(t.bytes, want, "{rel} layer {layer}");
            assert_eq!(t.cells.iter().map(|c| c.bytes).sum::<u64>(), want);
            assert_eq!(t.layer_bytes.iter().sum::<u64>(), want);
            assert_eq!(t.id, 7);
            let area: f64 = t.cells.iter().map(|c| c.w * c.h).sum();
            assert!(
                (area - 1.0).abs() < 1e-6 || want == 0,
                "{rel}: areas sum to {area}"
            );
            for c in &t.cells {
                let share = c.bytes as f64 / want as f64;
                assert!(
                    (c.w * c.h - share).abs() < 1e-9,
                    "{rel}: {} is not its share",
                    c.path
                );
                assert!(
                    c.x >= -1e-9
                        && c.y >= -1e-9
                        && c.x + c.w <= 1.0 + 1e-9
                        && c.y + c.h <= 1.0 + 1e-9
                );
                if c.kind == CellKind::File {
                    let node = a.node(
                        union
                            .get(a.lookup(c.path.trim_start_matches('/')).unwrap())
                            .unwrap(),
                    );
                    assert_eq!(c.layer, node.layer as usize, "{rel}: {}", c.path);
                    assert_eq!(c.bytes, node.size);
                }
            }
            for pair in t.cells.windows(2) {
                assert!(
                    pair[0].kind == CellKind::Rest
                        || pair[1].kind == CellKind::Rest
                        || pair[0].bytes >= pair[1].bytes
                );
            }
        }
    }
}

#[test]
fn zooming_shows_a_directorys_entries_and_refuses_a_file() {
    let a = open("www/samples/demo.docker.tar");
    let last = a.layers.len() - 1;
    let top = treemap(&a, &query(TreemapMode::Files, last, "/")).unwrap();
    let dir = top
        .cells
        .iter()
        .find(|c| c.kind == CellKind::Dir)
        .expect("a directory cell");
    let inner = treemap(&a, &query(TreemapMode::Files, last, &dir.path)).unwrap();
    assert_eq!(inner.root, dir.path);
    assert_eq!(
        inner.bytes, dir.bytes,
        "the directory's cell is what zooming shows"
    );
    assert_eq!(inner.files, dir.files);
    for c in &inner.cells {
        assert!(
            c.path.starts_with(&format!("{}/", dir.path)) || c.kind == CellKind::Rest,
            "{}",
            c.path
        );
    }
    // Down the largest directories to a file: not a directory to zoom into.
    let mut at = inner;
    let file = loop {
        if let Some(f) = at.cells.iter().find(|c| c.kind == CellKind::File) {
            break f.clone();
        }
        let next = at
            .cells
            .iter()
            .find(|c| c.kind == CellKind::Dir)
            .expect("a file somewhere below");
        at = treemap(&a, &query(TreemapMode::Files, last, &next.path)).unwrap();
    };
    let err = treemap(&a, &query(TreemapMode::Files, last, &file.path)).unwrap_err();
    assert!(err.contains("is not a directory"), "{err}");
    let err = treemap(&a, &query(TreemapMode::Files, 99, "/")).unwrap_err();
    assert!(err.contains("there is no layer 99"), "{err}");
}

#[test]
fn the_waste_map_adds_up_to_the_exact_waste() {
    let a = open("www/samples/demo.docker.tar");
    let t = treemap(&a, &query(TreemapMode::Waste, 0, "/")).unwrap();
    assert!(a.waste.wasted_bytes > 0);
    assert_eq!(t.bytes, a.waste.wasted_bytes);
    assert_eq!(
        t.cells.iter().map(|c| c.bytes).sum::<u64>(),
        a.waste.wasted_bytes
    );
    assert_eq!(t.layer_bytes, a.waste.per_layer);
}
