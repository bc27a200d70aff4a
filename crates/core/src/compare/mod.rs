//! **compare**: two analysed images side by side (A, the one before; B,
//! the one after). Which layers they share by diff_id and where their
//! stacks part, which blobs they share by digest, and what a host that
//! holds one must download to run the other ([`layers`]); the difference of
//! their filesystems, path by path, after the last layers or any two
//! ([`paths`]); the difference of their histories, step by step, and of
//! what they run with ([`history`]).
//!
//! Must not touch: bytes, archives or output formats. It reads two finished
//! [`crate::Analysis`] values and keeps no file content: a path's difference
//! is its fields, its sizes and a content hash the scans already made.

pub mod history;
pub mod layers;
pub mod paths;

use crate::fs::overlay::Union;
use crate::Analysis;
use std::borrow::Cow;

pub use history::{ConfigChange, StepRow, StepRowKind};
pub use layers::{LayerRow, PullPlan, SideLayer};
pub use paths::{PathDiff, PathDiffKind, PathsDiff};

/// Everything that differs between image A and image B.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Each image's layers, bottom first, with what the other shares.
    pub a: Vec<SideLayer>,
    pub b: Vec<SideLayer>,
    /// The two stacks level by level.
    pub rows: Vec<LayerRow>,
    /// Layers the stacks share from the bottom (same diff_id at the same
    /// place): a runtime reuses these as they are.
    pub shared_base: usize,
    /// A host holding A pulls B, and the other way round.
    pub pull_b: PullPlan,
    pub pull_a: PullPlan,
    /// The final filesystems' difference.
    pub paths: PathsDiff,
    /// The histories, step by step.
    pub steps: Vec<StepRow>,
    /// What the images run with (env, entrypoint, cmd, user, workdir,
    /// labels, exposed ports).
    pub config: Vec<ConfigChange>,
}

impl Comparison {
    /// The same image as far as a runtime can tell: the same layers (by
    /// diff_id), the same files, history and config. Compression alone
    /// (the same diff_ids under other digests) is no difference; the pull
    /// plans show it.
    pub fn identical(&self) -> bool {
        self.a.len() == self.b.len()
            && self.shared_base == self.a.len()
            && self.paths.list.is_empty()
            && self.steps.iter().all(|s| s.kind == StepRowKind::Same)
            && self.config.is_empty()
    }
}

impl Comparison {
    /// Layers of A whose files B holds in another blob (the same diff_id
    /// under another digest): `(layer of A, layer of B)`.
    pub fn same_files_other_blob(&self) -> Vec<(usize, usize)> {
        self.a
            .iter()
            .filter_map(|l| {
                let j = l.same_files?;
                (self.b[j].digest != l.digest).then_some((l.index, j))
            })
            .collect()
    }
}

/// Compares image A with image B.
pub fn compare(a: &Analysis, b: &Analysis) -> Comparison {
    compare_at(a, None, b, None)
}

/// Compares image A with image B, their paths as they are after
/// `layer_a` of A and `layer_b` of B (None: the last layer; a layer must
/// be one the image has).
pub fn compare_at(
    a: &Analysis,
    layer_a: Option<usize>,
    b: &Analysis,
    layer_b: Option<usize>,
) -> Comparison {
    let (side_a, side_b) = layers::sides(a, b);
    Comparison {
        rows: layers::rows(&side_a, &side_b),
        shared_base: layers::shared_base(a, b),
        pull_b: layers::pull(b, a),
        pull_a: layers::pull(a, b),
        a: side_a,
        b: side_b,
        paths: paths_at(a, layer_a, b, layer_b),
        steps: history::steps(a, b),
        config: history::config(&a.runtime, &b.runtime),
    }
}

/// The paths of A after `layer_a` against B after `layer_b` (None: the last).
pub fn paths_at(
    a: &Analysis,
    layer_a: Option<usize>,
    b: &Analysis,
    layer_b: Option<usize>,
) -> PathsDiff {
    fn union(x: &Analysis, layer: Option<usize>) -> Cow<'_, Union> {
        match layer {
            Some(k) => Cow::Owned(x.union_at(k)),
            None => Cow::Borrowed(&x.union),
        }
    }
    paths::diff(a, &union(a, layer_a), b, &union(b, layer_b))
}
