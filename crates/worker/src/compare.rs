//! The comparison for the page: the open image (A) against another file
//! (B) read in this worker, `layerscope_core::compare` turned into the
//! protocol's plain view (the largest path differences, not all of them),
//! and the JSON export (the CLI's `layerscope diff --json` document).

use crate::session::{self, kind, Image};
use crate::views::Views;
use layerscope_core::compare::{self, Comparison, PathDiffKind};
use layerscope_core::report::compare::{self as doc, Side};
use layerscope_core::Progress;
use layerscope_protocol::{
    CompareConfig, CompareLayer, ComparePath, CompareStep, ComparisonView, PullView, Response,
    COMPARE_PATHS,
};
use std::io::{Read, Seek};

/// The other image and the comparison, kept for the tree and the export.
#[derive(Debug)]
pub struct Compared {
    pub other: Image,
    pub comparison: Comparison,
    /// Which comparison of this worker it is (`View::Compare`'s revision).
    pub revision: u64,
    /// The layers whose filesystems the paths compare (None: the last).
    pub layers: (Option<usize>, Option<usize>),
}

/// Reads B and compares the open image with it; the answer to `Compare`.
/// The comparison made before goes, whether this one succeeds or not.
pub fn compare_with(
    a: &Image,
    views: &mut Views,
    reader: impl Read + Seek,
    name: &str,
    progress: &mut dyn Progress,
) -> Response {
    views.compared(None);
    let other = match session::open(reader, name, None, None, progress) {
        Ok(image) => image,
        Err(failure) => return failure,
    };
    let comparison = compare::compare(&a.analysis, &other.analysis);
    views.compare_revision += 1;
    let revision = views.compare_revision;
    let compared = Compared {
        other,
        comparison,
        revision,
        layers: (None, None),
    };
    let response = Response::Compared(Box::new(view(&compared)));
    views.compared(Some(compared));
    response
}

/// The answer to `CompareLayers`: the paths of A after `layer_a` against B
/// after `layer_b` (None: the last layer), as `layerscope diff --layer-a
/// --layer-b` compares them.
pub fn relayer(
    a: &Image,
    views: &mut Views,
    layer_a: Option<usize>,
    layer_b: Option<usize>,
) -> Response {
    let Some(mut c) = views.compared.take() else {
        return session::failed(
            kind::BAD_REQUEST,
            "no comparison: compare with an image first",
        );
    };
    let check = |image: &Image, layer: Option<usize>| match layer {
        Some(k) if k >= image.analysis.layers.len() => Err(session::failed(
            kind::BAD_REQUEST,
            format!(
                "{}: there is no layer {k}: the image has {} layers",
                image.name,
                image.analysis.layers.len()
            ),
        )),
        _ => Ok(()),
    };
    if let Err(failure) = check(a, layer_a).and(check(&c.other, layer_b)) {
        views.compared(Some(c));
        return failure;
    }
    c.comparison.paths = compare::paths_at(&a.analysis, layer_a, &c.other.analysis, layer_b);
    views.compare_revision += 1;
    c.revision = views.compare_revision;
    c.layers = (layer_a, layer_b);
    let response = Response::Compared(Box::new(view(&c)));
    views.compared(Some(c));
    response
}

/// The answer to `ExportCompare`.
pub fn export(a: &Image, kept: Option<&Compared>) -> Response {
    let Some(c) = kept else {
        return session::failed(
            kind::BAD_REQUEST,
            "no comparison: compare with an image first",
        );
    };
    fn side(image: &Image, layer: Option<usize>) -> Side<'_> {
        Side {
            image: &image.name,
            analysis: &image.analysis,
            layer,
        }
    }
    Response::ExportCompare {
        json: doc::to_json(
            &side(a, c.layers.0),
            &side(&c.other, c.layers.1),
            &c.comparison,
        ),
    }
}

fn view(compared: &Compared) -> ComparisonView {
    let (other, c) = (&compared.other, &compared.comparison);
    let layers = |side: &[compare::SideLayer]| -> Vec<CompareLayer> {
        side.iter()
            .map(|l| CompareLayer {
                layer: l.index,
                blob_size: l.blob_size,
                tar_size: l.tar_size,
                same_files_as: l.same_files,
                same_blob_as: l.same_blob,
            })
            .collect()
    };
    let pull = |p: &compare::PullPlan| PullView {
        download: p.download.clone(),
        download_bytes: p.download_bytes,
        kept_bytes: p.kept_bytes,
        fresh_bytes: p.fresh_bytes,
    };
    let p = &c.paths;
    ComparisonView {
        revision: compared.revision,
        name: other.name.clone(),
        reference: other.analysis.reference.clone(),
        layer_a: compared.layers.0,
        layer_b: compared.layers.1,
        identical: c.identical(),
        shared_base: c.shared_base,
        a: layers(&c.a),
        b: layers(&c.b),
        pull_b: pull(&c.pull_b),
        pull_a: pull(&c.pull_a),
        added: p.count(|k| matches!(k, PathDiffKind::Added)),
        removed: p.count(|k| matches!(k, PathDiffKind::Removed)),
        modified: p.count(|k| matches!(k, PathDiffKind::Modified(_))),
        bytes_a: p.bytes_a,
        bytes_b: p.bytes_b,
        paths: doc::by_bytes(&p.list)
            .into_iter()
            .take(COMPARE_PATHS)
            .map(|d| ComparePath {
                path: format!("/{}", d.path),
                change: d.kind.name().to_string(),
                fields: match d.kind {
                    PathDiffKind::Modified(f) => f.names().iter().map(|n| n.to_string()).collect(),
                    _ => Vec::new(),
                },
                size_a: d.size_a,
                size_b: d.size_b,
            })
            .collect(),
        steps: c
            .steps
            .iter()
            .map(|s| CompareStep {
                kind: s.kind.name().to_string(),
                step_a: s.a.map(|i| i + 1),
                step_b: s.b.map(|i| i + 1),
                line_a: s.line_a.clone(),
                line_b: s.line_b.clone(),
            })
            .collect(),
        config: c
            .config
            .iter()
            .map(|k| CompareConfig {
                key: k.key.clone(),
                a: k.a.clone(),
                b: k.b.clone(),
            })
            .collect(),
    }
}
