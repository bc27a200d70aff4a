//! The two stacks of layers: what each shares with the other by diff_id
//! (the same files) and by digest (the same blob a registry stores), where
//! the stacks part, and the pull plans. A registry and a runtime's content
//! store address blobs by digest: the same files compressed otherwise have
//! the same diff_id and another digest, and are downloaded again.

use crate::archive::digest::Digest;
use crate::Analysis;
use std::collections::HashSet;

/// One layer of one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideLayer {
    pub index: usize,
    pub diff_id: Digest,
    pub digest: Digest,
    /// Bytes of the blob as stored (what a pull downloads).
    pub blob_size: u64,
    pub tar_size: u64,
    /// The first layer of the other image with the same diff_id.
    pub same_files: Option<usize>,
    /// The first layer of the other image with the same digest (the same blob).
    pub same_blob: Option<usize>,
}

/// One level of the two stacks, bottom first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerRow {
    pub a: Option<usize>,
    pub b: Option<usize>,
    /// Both have a layer here, with the same diff_id.
    pub same_files: bool,
    /// ... and the same digest.
    pub same_blob: bool,
}

/// What a host that holds one image downloads to run the other.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PullPlan {
    /// The pulled image's layers (bottom first): whether the host downloads
    /// it (not a digest it holds, nor one a lower layer of the same pull
    /// already brought).
    pub download: Vec<bool>,
    pub download_layers: usize,
    pub download_bytes: u64,
    /// Layers whose blob the host already holds.
    pub kept_layers: usize,
    pub kept_bytes: u64,
    /// What a host with neither image downloads: every distinct blob.
    pub fresh_bytes: u64,
}

pub(super) fn sides(a: &Analysis, b: &Analysis) -> (Vec<SideLayer>, Vec<SideLayer>) {
    (side(a, b), side(b, a))
}

fn side(this: &Analysis, other: &Analysis) -> Vec<SideLayer> {
    this.layers
        .iter()
        .map(|l| SideLayer {
            index: l.index,
            diff_id: l.diff_id.clone(),
            digest: l.digest.clone(),
            blob_size: l.blob_size,
            tar_size: l.tar_size,
            same_files: other.layers.iter().position(|o| o.diff_id == l.diff_id),
            same_blob: other.layers.iter().position(|o| o.digest == l.digest),
        })
        .collect()
}

pub(super) fn rows(a: &[SideLayer], b: &[SideLayer]) -> Vec<LayerRow> {
    (0..a.len().max(b.len()))
        .map(|i| {
            let (la, lb) = (a.get(i), b.get(i));
            let same_files = matches!((la, lb), (Some(x), Some(y)) if x.diff_id == y.diff_id);
            LayerRow {
                a: la.map(|l| l.index),
                b: lb.map(|l| l.index),
                same_files,
                same_blob: same_files
                    && matches!((la, lb), (Some(x), Some(y)) if x.digest == y.digest),
            }
        })
        .collect()
}

/// Layers equal by diff_id from the bottom up: where the stacks part.
pub(super) fn shared_base(a: &Analysis, b: &Analysis) -> usize {
    a.layers
        .iter()
        .zip(&b.layers)
        .take_while(|(x, y)| x.diff_id == y.diff_id)
        .count()
}

/// A host holding `held` pulls `pulled`.
pub(super) fn pull(pulled: &Analysis, held: &Analysis) -> PullPlan {
    let held: HashSet<&Digest> = held.layers.iter().map(|l| &l.digest).collect();
    let mut fetched: HashSet<&Digest> = HashSet::new();
    let mut plan = PullPlan::default();
    for l in &pulled.layers {
        let new_blob = fetched.insert(&l.digest);
        if new_blob {
            plan.fresh_bytes += l.blob_size;
        }
        let kept = held.contains(&l.digest);
        let download = new_blob && !kept;
        plan.download.push(download);
        if kept {
            plan.kept_layers += 1;
            plan.kept_bytes += l.blob_size;
        } else if download {
            plan.download_layers += 1;
            plan.download_bytes += l.blob_size;
        }
    }
    plan
}
