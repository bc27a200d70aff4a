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
    let response = Response::Compared(Box::new(view(&other, &comparison, revision)));
    views.compared(Some(Compared {
        other,
        comparison,
        revision,
    }));
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
    fn side(image: &Image) -> Side<'_> {
        Side {
            image: &image.name,
            analysis: &image.analysis,
            layer: None,
        }
    }
    Response::ExportCompare {
        json: doc::to_json(&side(a), &side(&c.other), &c.comparison),
    }
}

fn view(other: &Image, c: &Comparison, revision: u64) -> ComparisonView {
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
        revision,
        name: other.name.clone(),
        reference: other.analysis.reference.clone(),
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
                change: match d.kind {
                    PathDiffKind::Added => "added",
                    PathDiffKind::Removed => "removed",
                    PathDiffKind::Modified(_) => "modified",
                }
                .to_string(),
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
