//! The comparison of two images as documents: the JSON of `layerscope diff
//! --json` (schema `layerscope-diff/1`, docs/diff.md) and the lines of
//! `layerscope diff --paths`. Step numbers are 1-based, as `docker build`
//! prints them; layers 0-based, as `layerscope ls --layer` takes them;
//! paths have a leading `/`.

use super::listing::escape;
use crate::compare::{Comparison, PathDiff, PathDiffKind, PullPlan, SideLayer};
use crate::fs::node::FileKind;
use crate::Analysis;
use serde_json::{json, Value};

/// The schema's name and version, the document's first member.
pub const SCHEMA: &str = "layerscope-diff/1";

/// One side as the document names it.
pub struct Side<'a> {
    /// The file as the person named it.
    pub image: &'a str,
    pub analysis: &'a Analysis,
    /// The layer whose union the paths compare (the last, unless asked).
    pub layer: Option<usize>,
}

/// `A`, `D` or `M`, the path, its size in A and in B, the fields that
/// differ: one `--paths` line, tab-separated, escaped as `ls` escapes.
pub fn path_line(d: &PathDiff) -> String {
    format!(
        "{}\t/{}\t{}\t{}\t{}",
        d.kind.letter(),
        escape(&d.path),
        d.size_a,
        d.size_b,
        fields(d).join(",")
    )
}

fn fields(d: &PathDiff) -> Vec<&'static str> {
    match d.kind {
        PathDiffKind::Modified(f) => f.names(),
        _ => Vec::new(),
    }
}

/// The paths by the bytes they are about (the larger side), then by path.
pub fn by_bytes(paths: &[PathDiff]) -> Vec<&PathDiff> {
    let mut sorted: Vec<&PathDiff> = paths.iter().collect();
    sorted.sort_by(|x, y| y.bytes().cmp(&x.bytes()).then_with(|| x.path.cmp(&y.path)));
    sorted
}

/// The whole comparison, pretty-printed, with a final newline.
pub fn to_json(a: &Side, b: &Side, c: &Comparison) -> String {
    let kind = |k: Option<FileKind>| k.map(|k| k.letter().to_string());
    let paths: Vec<Value> = by_bytes(&c.paths.list)
        .into_iter()
        .map(|d| {
            json!({
                "path": format!("/{}", d.path),
                "change": d.kind.name(),
                "fields": fields(d),
                "type_a": kind(d.kind_a),
                "type_b": kind(d.kind_b),
                "size_a": d.size_a,
                "size_b": d.size_b,
                "net": d.net(),
            })
        })
        .collect();
    let parted = c.shared_base < c.a.len().max(c.b.len());
    let doc = json!({
        "schema": SCHEMA,
        "identical": c.identical(),
        "a": side_json(a, &c.a),
        "b": side_json(b, &c.b),
        "layers": {
            "shared_base": c.shared_base,
            "part_at": parted.then_some(c.shared_base),
            "rows": c.rows.iter().map(|r| json!({
                "a": r.a, "b": r.b, "same_files": r.same_files, "same_blob": r.same_blob,
            })).collect::<Vec<_>>(),
            "same_files_other_blob": c.same_files_other_blob().iter()
                .map(|(a, b)| json!({"a": a, "b": b})).collect::<Vec<_>>(),
        },
        "pull": {
            "b_onto_a": pull_json(&c.pull_b),
            "a_onto_b": pull_json(&c.pull_a),
        },
        "paths": {
            "added": c.paths.count(|k| matches!(k, PathDiffKind::Added)),
            "removed": c.paths.count(|k| matches!(k, PathDiffKind::Removed)),
            "modified": c.paths.count(|k| matches!(k, PathDiffKind::Modified(_))),
            "bytes_a": c.paths.bytes_a,
            "bytes_b": c.paths.bytes_b,
            "net": c.paths.net(),
            "list": paths,
        },
        "history": c.steps.iter().map(|s| json!({
            "kind": s.kind.name(),
            "step_a": s.a.map(|i| i + 1),
            "step_b": s.b.map(|i| i + 1),
            "line_a": s.line_a,
            "line_b": s.line_b,
        })).collect::<Vec<_>>(),
        "config": c.config.iter().map(|k| json!({"key": k.key, "a": k.a, "b": k.b})).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn side_json(side: &Side, layers: &[SideLayer]) -> Value {
    let a = side.analysis;
    json!({
        "image": side.image,
        "reference": a.reference,
        "config_digest": a.config_digest.as_ref().map(|d| d.to_string()),
        "paths_after_layer": side.layer.or(a.layers.len().checked_sub(1)),
        "layers": layers.iter().map(|l| json!({
            "layer": l.index,
            "diff_id": l.diff_id.to_string(),
            "digest": l.digest.to_string(),
            "blob_size": l.blob_size,
            "tar_size": l.tar_size,
            "same_files_as": l.same_files,
            "same_blob_as": l.same_blob,
        })).collect::<Vec<_>>(),
    })
}

fn pull_json(p: &PullPlan) -> Value {
    json!({
        "download": p.download.iter().enumerate().filter(|(_, d)| **d).map(|(i, _)| i).collect::<Vec<_>>(),
        "download_layers": p.download_layers,
        "download_bytes": p.download_bytes,
        "kept_layers": p.kept_layers,
        "kept_bytes": p.kept_bytes,
        "fresh_bytes": p.fresh_bytes,
    })
}
