//! The JSON report: one versioned document with everything an analysis
//! found, the same from `layerscope inspect --json` and from the web page's
//! export. The model types are not Serialize; this module alone decides the
//! document's shape, and docs/report.md describes it. Bump [`VERSION`] when a
//! key changes meaning or goes away (adding keys does not).

use crate::model::{Change, ChangeKind, Node};
use crate::{listing, Analysis};
use serde_json::{json, Value};

pub const VERSION: u32 = 1;

fn node_json(node: &Node) -> Value {
    json!({
        "type": node.kind.letter().to_string(),
        "size": if node.kind == crate::FileKind::Regular { node.size } else { 0 },
        "mode": format!("{:04o}", listing::mode(node)),
        "uid": node.uid,
        "gid": node.gid,
        "link": node.link.as_deref(),
        "hardlink": node.hardlink.as_deref().map(|p| format!("/{p}")),
    })
}

fn change_json(change: &Change) -> Value {
    let node = change.after.as_ref().or(change.before.as_ref());
    let mut v = node.map(node_json).unwrap_or_else(|| json!({}));
    if let Value::Object(map) = &mut v {
        map.insert("change".into(), json!(change.kind.letter().to_string()));
        map.insert("path".into(), json!(format!("/{}", change.path)));
        let fields: Vec<&str> = match &change.kind {
            ChangeKind::Modified(f) => f.names(),
            _ => Vec::new(),
        };
        map.insert("fields".into(), json!(fields));
    }
    v
}

/// Builds the report document.
pub fn build(a: &Analysis) -> Value {
    let layers: Vec<Value> = a
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let h = step.history.and_then(|h| a.history.get(h));
            let mut v = json!({
                "index": i,
                "layer": step.layer,
                "empty_layer": step.layer.is_none(),
                "created": h.and_then(|h| h.created.clone()),
                "created_by": h.and_then(|h| h.created_by.clone()),
                "author": h.and_then(|h| h.author.clone()),
                "comment": h.and_then(|h| h.comment.clone()),
                "digest": null,
                "diff_id": null,
                "size": 0,
                "changes": [],
            });
            if let (Some(l), Value::Object(map)) =
                (step.layer.and_then(|l| a.layers.get(l)), &mut v)
            {
                let changes: Vec<Value> = l.real_changes().map(change_json).collect();
                let count = |k: char| l.real_changes().filter(|c| c.kind.letter() == k).count();
                for (key, value) in [
                    ("digest", json!(l.digest.to_string())),
                    ("diff_id", json!(l.diff_id.to_string())),
                    ("size", json!(l.size)),
                    ("blob_size", json!(l.blob_size)),
                    ("tar_size", json!(l.tar_size)),
                    ("media_type", json!(l.media_type)),
                    ("compression", json!(l.compression.name())),
                    ("member", json!(l.member)),
                    ("digest_verified", json!(l.digest_ok)),
                    ("diff_id_verified", json!(l.diff_id_ok)),
                    ("entries", json!(l.entries)),
                    ("wasted_bytes", json!(l.wasted_bytes)),
                    ("dive_size", json!(a.dive.layer_sizes.get(l.index))),
                    ("added", json!(count('A'))),
                    ("modified", json!(count('M'))),
                    ("removed", json!(count('D'))),
                    ("changes", json!(changes)),
                ] {
                    map.insert(key.into(), value);
                }
            }
            v
        })
        .collect();
    let history: Vec<Value> = a
        .history
        .iter()
        .map(|h| {
            json!({
                "created": h.created,
                "created_by": h.created_by,
                "author": h.author,
                "comment": h.comment,
                "empty_layer": h.empty_layer,
            })
        })
        .collect();
    json!({
        "report_version": VERSION,
        "generator": format!("layerscope {}", env!("CARGO_PKG_VERSION")),
        "image": {
            "format": a.format.name(),
            "reference": a.reference,
            "images": a.images,
            "platform": a.platform.as_ref().map(|p| p.to_string()),
            "platforms": a.platforms.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            "manifest_digest": a.manifest_digest.as_ref().map(|d| d.to_string()),
            "config_digest": a.config_digest.as_ref().map(|d| d.to_string()),
            "created": a.created,
            "input_size": a.input_size,
            "layer_count": a.layers.len(),
            "size": a.layers.iter().map(|l| l.size).sum::<u64>(),
            "blob_size": a.layers.iter().map(|l| l.blob_size).sum::<u64>(),
            "files": a.union.len(),
        },
        "layers": layers,
        "history": history,
        "efficiency": a.dive.efficiency,
        "wasted_bytes": a.dive.wasted_bytes,
        "user_wasted_percent": a.dive.user_wasted_percent,
        "dive": {
            "efficiency": a.dive.efficiency,
            "wasted_bytes": a.dive.wasted_bytes,
            "user_wasted_percent": a.dive.user_wasted_percent,
            "layer_sizes": a.dive.layer_sizes,
            "inefficiencies": a.dive.inefficiencies.iter().map(|i| json!({
                "path": i.path,
                "count": i.count,
                "cumulative_size": i.cumulative_size,
            })).collect::<Vec<_>>(),
        },
        "exact": {
            "stored_bytes": a.waste.stored_bytes,
            "visible_bytes": a.waste.visible_bytes,
            "wasted_bytes": a.waste.wasted_bytes,
            "efficiency": a.waste.efficiency,
            "paths": a.waste.paths.iter().map(|w| json!({
                "path": format!("/{}", w.path),
                "wasted_bytes": w.wasted_bytes,
                "copies": w.copies,
                "layers": w.layers,
                "present": w.present,
            })).collect::<Vec<_>>(),
        },
        "diagnostics": a.diagnostics.iter().map(|d| json!({
            "severity": d.severity.name(),
            "layer": d.layer,
            "path": d.path.as_ref().map(|p| format!("/{p}")),
            "message": d.message,
        })).collect::<Vec<_>>(),
    })
}

impl Analysis {
    /// The report as pretty JSON text.
    pub fn report_json(&self) -> String {
        serde_json::to_string_pretty(&build(self)).unwrap_or_default()
    }
}
