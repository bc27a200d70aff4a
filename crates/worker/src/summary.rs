//! The [`Summary`] the page shows once an image is open: the image, its
//! build steps beside its layers, waste, and the notes found on the way. The
//! rules come from the engine: the history is aligned with the layers by
//! `Analysis::steps`, a layer's counts leave identical rewrites out
//! (`Layer::real_changes`), as the JSON report does; nothing is decided here
//! but the shape.

use layerscope_core::{Analysis, ChangeKind, PendingLayer};
use layerscope_protocol::{DivePath, Note, Reading, Step, Summary, Waste, WastedPath};

/// How many wasted paths the summary carries (the report has them all).
pub const TOP_PATHS: usize = 100;

/// `None` for NaN and the infinities, as the report writes them.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

pub fn summary(a: &Analysis, file_name: &str) -> Summary {
    let steps = a
        .steps
        .iter()
        .map(|step| {
            let h = step.history.and_then(|h| a.history.get(h));
            let layer = step.layer.and_then(|l| a.layers.get(l));
            let count = |want: fn(&ChangeKind) -> bool| {
                layer.map_or(0, |l| l.real_changes().filter(|c| want(&c.kind)).count())
            };
            Step {
                layer: step.layer,
                created: h.and_then(|h| h.created.clone()),
                created_by: h.and_then(|h| h.created_by.clone()),
                comment: h.and_then(|h| h.comment.clone()),
                author: h.and_then(|h| h.author.clone()),
                digest: layer.map(|l| l.digest.to_string()),
                diff_id: layer.map(|l| l.diff_id.to_string()),
                media_type: layer.and_then(|l| l.media_type.clone()),
                compression: layer.map(|l| l.compression.name().to_string()),
                size: layer.map_or(0, |l| l.size),
                blob_size: layer.map_or(0, |l| l.blob_size),
                tar_size: layer.map_or(0, |l| l.tar_size),
                digest_verified: layer.and_then(|l| l.digest_ok),
                diff_id_verified: layer.and_then(|l| l.diff_id_ok),
                added: count(|k| matches!(k, ChangeKind::Added)),
                modified: count(|k| matches!(k, ChangeKind::Modified(_))),
                removed: count(|k| matches!(k, ChangeKind::Removed)),
                wasted_bytes: layer.map_or(0, |l| l.wasted_bytes),
            }
        })
        .collect();
    let waste = Waste {
        dive_efficiency: finite(a.dive.efficiency),
        dive_wasted_bytes: a.dive.wasted_bytes,
        dive_user_wasted_percent: finite(a.dive.user_wasted_percent),
        dive_top: a
            .dive
            .inefficiencies
            .iter()
            .take(TOP_PATHS)
            .map(|i| DivePath {
                path: i.path.clone(),
                count: i.count,
                cumulative_size: i.cumulative_size,
            })
            .collect(),
        stored_bytes: a.waste.stored_bytes,
        visible_bytes: a.waste.visible_bytes,
        wasted_bytes: a.waste.wasted_bytes,
        efficiency: a.waste.efficiency,
        top: a
            .waste
            .paths
            .iter()
            .take(TOP_PATHS)
            .map(|w| WastedPath {
                path: format!("/{}", w.path),
                wasted_bytes: w.wasted_bytes,
                copies: w.copies,
                layers: w.layers.clone(),
                present: w.present,
            })
            .collect(),
    };
    Summary {
        file_name: file_name.to_string(),
        input_size: a.input_size,
        format: a.format.name().to_string(),
        reference: a.reference.clone(),
        images: a.images.clone(),
        platform: a.platform.as_ref().map(|p| p.to_string()),
        platforms: a.platforms.iter().map(|p| p.to_string()).collect(),
        config_digest: a.config_digest.as_ref().map(|d| d.to_string()),
        manifest_digest: a.manifest_digest.as_ref().map(|d| d.to_string()),
        created: a.created.clone(),
        steps,
        files: a.union.len(),
        waste,
        diagnostics: a
            .diagnostics
            .iter()
            .map(|d| Note {
                severity: d.severity.name().to_string(),
                layer: d.layer,
                path: d.path.as_ref().map(|p| format!("/{p}")),
                message: d.message.clone(),
                text: d.text(),
            })
            .collect(),
        reading: None,
    }
}

/// The summary while layers are still being read: `a` is the stack's
/// snapshot (the layers read so far), `pending` the layers to come, whose
/// steps show what the manifest says of them.
pub fn preview(a: &Analysis, pending: &[PendingLayer], file_name: &str) -> Summary {
    let mut s = summary(a, file_name);
    for step in &mut s.steps {
        let Some(p) = step
            .layer
            .and_then(|l| pending.iter().find(|p| p.index == l))
        else {
            continue;
        };
        step.digest = p.digest.as_ref().map(|d| d.to_string());
        step.diff_id = p.diff_id.as_ref().map(|d| d.to_string());
        step.media_type = p.media_type.clone();
        step.blob_size = p.size.unwrap_or(0);
    }
    s.reading = Some(Reading {
        layers_read: a.layers.len(),
        layers: a.layers.len() + pending.len(),
    });
    s
}
