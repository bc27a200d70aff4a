//! The JSON report: one versioned document with everything an analysis
//! found, the same from `layerscope inspect --json` and from the web page's
//! export. The model types are not Serialize; this module alone decides the
//! document's shape, with borrowing structs that serde writes straight out
//! (no intermediate tree: a 100k-path report streams). docs/report.md
//! describes it. Bump [`VERSION`] when a key changes meaning or goes away
//! (adding keys does not).

use super::listing;
use crate::findings::{self, Finding};
use crate::fs::node::{Change, ChangeKind, FileKind, Node};
use crate::Analysis;
use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

/// 2: `packages` came.
pub const VERSION: u32 = 2;

/// A path as people read it: absolute.
struct Abs<T>(T);

impl<T: AsRef<str>> Serialize for Abs<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("/{}", self.0.as_ref()))
    }
}

/// A value shown with `Display` (digests, platforms).
struct Shown<T>(T);

impl<T: std::fmt::Display> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A float that is `null` when not finite (JSON has no NaN or infinity).
struct Ratio(f64);

impl Serialize for Ratio {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite() {
            s.serialize_f64(self.0)
        } else {
            s.serialize_none()
        }
    }
}

#[derive(Serialize)]
pub struct Report<'a> {
    report_version: u32,
    generator: String,
    image: ImageInfo<'a>,
    layers: Vec<Row<'a>>,
    history: Vec<HistoryRow<'a>>,
    efficiency: Ratio,
    wasted_bytes: u64,
    user_wasted_percent: Ratio,
    dive: Dive<'a>,
    exact: Exact<'a>,
    findings: Vec<FindingRow>,
    /// What each layer installed (docs/packages.md, without its version and image).
    packages: serde_json::Value,
    diagnostics: Vec<DiagnosticRow<'a>>,
    /// `layerscope ci --json`: the verdicts, in the same document.
    #[serde(skip_serializing_if = "Option::is_none")]
    ci: Option<super::ci::CiSection>,
}

/// A finding as the report, the CI report and the page show it.
#[derive(Serialize)]
pub struct FindingRow {
    pub id: &'static str,
    pub severity: &'static str,
    pub title: String,
    pub layer: Option<usize>,
    pub paths: Vec<String>,
    pub more_paths: usize,
    pub bytes: u64,
    pub fix: &'static str,
}

impl FindingRow {
    pub fn new(f: &Finding) -> FindingRow {
        FindingRow {
            id: f.id,
            severity: f.level.name(),
            title: f.title.clone(),
            layer: f.layer,
            paths: f.paths.iter().map(|p| format!("/{p}")).collect(),
            more_paths: f.more_paths,
            bytes: f.bytes,
            fix: f.fix(),
        }
    }
}

#[derive(Serialize)]
struct ImageInfo<'a> {
    format: &'static str,
    reference: Option<&'a str>,
    images: &'a [String],
    platform: Option<Shown<&'a crate::archive::image::Platform>>,
    platforms: Vec<Shown<&'a crate::archive::image::Platform>>,
    manifest_digest: Option<Shown<&'a crate::archive::digest::Digest>>,
    config_digest: Option<Shown<&'a crate::archive::digest::Digest>>,
    created: Option<&'a str>,
    input_size: Option<u64>,
    layer_count: usize,
    size: u64,
    blob_size: u64,
    files: usize,
}

#[derive(Serialize)]
struct Row<'a> {
    index: usize,
    layer: Option<usize>,
    empty_layer: bool,
    created: Option<&'a str>,
    created_by: Option<&'a str>,
    author: Option<&'a str>,
    comment: Option<&'a str>,
    digest: Option<Shown<&'a crate::archive::digest::Digest>>,
    diff_id: Option<Shown<&'a crate::archive::digest::Digest>>,
    size: u64,
    #[serde(flatten)]
    layer_info: Option<LayerInfo<'a>>,
    changes: Changes<'a>,
}

/// A layer's changes, each row made as it is written (a big image has
/// 100k of them: no list of rows is ever held).
struct Changes<'a> {
    analysis: &'a Analysis,
    changes: &'a [Change],
}

impl Serialize for Changes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // No length up front: JSON does not need one, and counting would
        // walk the changes twice. `change_row` leaves identical rewrites out.
        let mut seq = s.serialize_seq(None)?;
        for row in self
            .changes
            .iter()
            .filter_map(|c| change_row(self.analysis, c))
        {
            seq.serialize_element(&row)?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct LayerInfo<'a> {
    blob_size: u64,
    tar_size: u64,
    media_type: Option<&'a str>,
    compression: &'static str,
    member: &'a str,
    digest_verified: Option<bool>,
    diff_id_verified: Option<bool>,
    entries: usize,
    wasted_bytes: u64,
    dive_size: Option<u64>,
    added: usize,
    modified: usize,
    removed: usize,
}

#[derive(Serialize)]
struct ChangeRow<'a> {
    change: char,
    path: Abs<String>,
    #[serde(rename = "type")]
    kind: char,
    size: u64,
    mode: String,
    uid: u32,
    gid: u32,
    link: Option<&'a str>,
    hardlink: Option<Abs<&'a str>>,
    fields: Vec<&'static str>,
}

#[derive(Serialize)]
struct HistoryRow<'a> {
    created: Option<&'a str>,
    created_by: Option<&'a str>,
    author: Option<&'a str>,
    comment: Option<&'a str>,
    empty_layer: bool,
}

#[derive(Serialize)]
struct Dive<'a> {
    efficiency: Ratio,
    wasted_bytes: u64,
    user_wasted_percent: Ratio,
    layer_sizes: &'a [u64],
    inefficiencies: Vec<Inefficiency<'a>>,
}

#[derive(Serialize)]
struct Inefficiency<'a> {
    path: &'a str,
    count: usize,
    cumulative_size: u64,
}

#[derive(Serialize)]
struct Exact<'a> {
    stored_bytes: u64,
    visible_bytes: u64,
    wasted_bytes: u64,
    efficiency: Ratio,
    paths: Vec<WastedRow<'a>>,
}

#[derive(Serialize)]
struct WastedRow<'a> {
    path: Abs<&'a str>,
    wasted_bytes: u64,
    copies: usize,
    layers: &'a [usize],
    present: bool,
}

#[derive(Serialize)]
struct DiagnosticRow<'a> {
    severity: &'static str,
    layer: Option<usize>,
    path: Option<Abs<&'a str>>,
    message: &'a str,
}

fn change_row<'a>(a: &'a Analysis, change: &Change) -> Option<ChangeRow<'a>> {
    let node: &Node = a.after(change).or(a.before(change))?;
    let fields = match &change.kind {
        ChangeKind::Modified(f) => f.names(),
        ChangeKind::Same => return None,
        _ => Vec::new(),
    };
    Some(ChangeRow {
        change: change.kind.letter(),
        path: Abs(a.path(change.path)),
        kind: node.kind.letter(),
        size: if node.kind == FileKind::Regular {
            node.size
        } else {
            0
        },
        mode: format!("{:04o}", listing::mode(node)),
        uid: node.uid,
        gid: node.gid,
        link: node.link(),
        hardlink: node.hardlink().map(Abs),
        fields,
    })
}

/// Builds the report (serialize it with serde_json).
pub fn build(a: &Analysis) -> Report<'_> {
    build_with(a, &findings::find(a), None)
}

/// The report with findings already found, and the CI verdicts when there are.
pub fn build_with<'a>(
    a: &'a Analysis,
    found: &[Finding],
    ci: Option<super::ci::CiSection>,
) -> Report<'a> {
    let layers = a
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let h = step.history.and_then(|h| a.history.get(h));
            let layer = step.layer.and_then(|l| a.layers.get(l));
            let count = |k: char| {
                layer.map_or(0, |l| {
                    l.real_changes().filter(|c| c.kind.letter() == k).count()
                })
            };
            Row {
                index: i,
                layer: step.layer,
                empty_layer: step.layer.is_none(),
                created: h.and_then(|h| h.created.as_deref()),
                created_by: h.and_then(|h| h.created_by.as_deref()),
                author: h.and_then(|h| h.author.as_deref()),
                comment: h.and_then(|h| h.comment.as_deref()),
                digest: layer.map(|l| Shown(&l.digest)),
                diff_id: layer.map(|l| Shown(&l.diff_id)),
                size: layer.map_or(0, |l| l.size),
                layer_info: layer.map(|l| LayerInfo {
                    blob_size: l.blob_size,
                    tar_size: l.tar_size,
                    media_type: l.media_type.as_deref(),
                    compression: l.compression.name(),
                    member: &l.member,
                    digest_verified: l.digest_ok,
                    diff_id_verified: l.diff_id_ok,
                    entries: l.entries,
                    wasted_bytes: l.wasted_bytes,
                    dive_size: a.dive.layer_sizes.get(l.index).copied(),
                    added: count('A'),
                    modified: count('M'),
                    removed: count('D'),
                }),
                changes: Changes {
                    analysis: a,
                    changes: layer.map_or(&[], |l| &l.changes),
                },
            }
        })
        .collect();
    Report {
        report_version: VERSION,
        generator: format!("layerscope {}", env!("CARGO_PKG_VERSION")),
        image: ImageInfo {
            format: a.format.name(),
            reference: a.reference.as_deref(),
            images: &a.images,
            platform: a.platform.as_ref().map(Shown),
            platforms: a.platforms.iter().map(Shown).collect(),
            manifest_digest: a.manifest_digest.as_ref().map(Shown),
            config_digest: a.config_digest.as_ref().map(Shown),
            created: a.created.as_deref(),
            input_size: a.input_size,
            layer_count: a.layers.len(),
            size: a.layers.iter().map(|l| l.size).sum(),
            blob_size: a.layers.iter().map(|l| l.blob_size).sum(),
            files: a.union.len(),
        },
        layers,
        history: a
            .history
            .iter()
            .map(|h| HistoryRow {
                created: h.created.as_deref(),
                created_by: h.created_by.as_deref(),
                author: h.author.as_deref(),
                comment: h.comment.as_deref(),
                empty_layer: h.empty_layer,
            })
            .collect(),
        efficiency: Ratio(a.dive.efficiency),
        wasted_bytes: a.dive.wasted_bytes,
        user_wasted_percent: Ratio(a.dive.user_wasted_percent),
        dive: Dive {
            efficiency: Ratio(a.dive.efficiency),
            wasted_bytes: a.dive.wasted_bytes,
            user_wasted_percent: Ratio(a.dive.user_wasted_percent),
            layer_sizes: &a.dive.layer_sizes,
            inefficiencies: a
                .dive
                .inefficiencies
                .iter()
                .map(|i| Inefficiency {
                    path: &i.path,
                    count: i.count,
                    cumulative_size: i.cumulative_size,
                })
                .collect(),
        },
        exact: Exact {
            stored_bytes: a.waste.stored_bytes,
            visible_bytes: a.waste.visible_bytes,
            wasted_bytes: a.waste.wasted_bytes,
            efficiency: Ratio(a.waste.efficiency),
            paths: a
                .waste
                .paths
                .iter()
                .map(|w| WastedRow {
                    path: Abs(&w.path),
                    wasted_bytes: w.wasted_bytes,
                    copies: w.copies,
                    layers: &w.layers,
                    present: w.present,
                })
                .collect(),
        },
        findings: found.iter().map(FindingRow::new).collect(),
        packages: super::packages::section(&crate::packages::packages(a)),
        ci,
        diagnostics: a
            .diagnostics
            .iter()
            .map(|d| DiagnosticRow {
                severity: d.severity.name(),
                layer: d.layer,
                path: d.path.as_deref().map(Abs),
                message: &d.message,
            })
            .collect(),
    }
}

impl Analysis {
    /// The report as pretty JSON text.
    pub fn report_json(&self) -> String {
        serde_json::to_string_pretty(&build(self)).unwrap_or_default()
    }
}
