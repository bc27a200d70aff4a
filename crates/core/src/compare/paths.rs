//! Two filesystems, path by path: what B added, removed and modified
//! against A (which fields, by `Node::changed_fields`, the one rule a
//! layer's changes use too), with each side's size. Both unions are walked
//! once, in the same byte order of their paths; only the paths that differ
//! are kept.

use crate::fs::node::{Fields, FileKind, Node};
use crate::fs::overlay::Union;
use crate::Analysis;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathDiffKind {
    /// In B, not in A.
    Added,
    /// In A, not in B.
    Removed,
    Modified(Fields),
}

impl PathDiffKind {
    /// `A`, `D`, `M`, as `layerscope ls --changes` marks them.
    pub fn letter(self) -> char {
        match self {
            PathDiffKind::Added => 'A',
            PathDiffKind::Removed => 'D',
            PathDiffKind::Modified(_) => 'M',
        }
    }
}

/// One path that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathDiff {
    /// Clean, no leading `/`.
    pub path: String,
    pub kind: PathDiffKind,
    /// What the path is on each side (None: absent).
    pub kind_a: Option<FileKind>,
    pub kind_b: Option<FileKind>,
    /// A regular file's bytes on each side (0 for anything else or absent).
    pub size_a: u64,
    pub size_b: u64,
}

impl PathDiff {
    /// B's bytes minus A's.
    pub fn net(&self) -> i64 {
        self.size_b as i64 - self.size_a as i64
    }

    /// The bytes this difference is about: the larger side.
    pub fn bytes(&self) -> u64 {
        self.size_a.max(self.size_b)
    }
}

fn file_size(node: &Node) -> u64 {
    if node.kind == FileKind::Regular {
        node.size
    } else {
        0
    }
}

/// The difference of union `ua` of image `a` and union `ub` of image `b`,
/// in the byte order of the paths.
pub fn diff(a: &Analysis, ua: &Union, b: &Analysis, ub: &Union) -> Vec<PathDiff> {
    let left = ua.sorted(&a.files.paths);
    let right = ub.sorted(&b.files.paths);
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    let mut pa = left.first().map(|(p, _)| a.path(*p));
    let mut pb = right.first().map(|(p, _)| b.path(*p));
    loop {
        let order = match (&pa, &pb) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => x.as_bytes().cmp(y.as_bytes()),
        };
        match order {
            Ordering::Less => {
                let node = a.node(left[i].1);
                out.push(PathDiff {
                    path: pa.take().unwrap_or_default(),
                    kind: PathDiffKind::Removed,
                    kind_a: Some(node.kind),
                    kind_b: None,
                    size_a: file_size(node),
                    size_b: 0,
                });
                i += 1;
                pa = left.get(i).map(|(p, _)| a.path(*p));
            }
            Ordering::Greater => {
                let node = b.node(right[j].1);
                out.push(PathDiff {
                    path: pb.take().unwrap_or_default(),
                    kind: PathDiffKind::Added,
                    kind_a: None,
                    kind_b: Some(node.kind),
                    size_a: 0,
                    size_b: file_size(node),
                });
                j += 1;
                pb = right.get(j).map(|(p, _)| b.path(*p));
            }
            Ordering::Equal => {
                let (na, nb) = (a.node(left[i].1), b.node(right[j].1));
                let fields = nb.changed_fields(na);
                if fields.any() {
                    out.push(PathDiff {
                        path: pa.take().unwrap_or_default(),
                        kind: PathDiffKind::Modified(fields),
                        kind_a: Some(na.kind),
                        kind_b: Some(nb.kind),
                        size_a: file_size(na),
                        size_b: file_size(nb),
                    });
                }
                i += 1;
                j += 1;
                pa = left.get(i).map(|(p, _)| a.path(*p));
                pb = right.get(j).map(|(p, _)| b.path(*p));
            }
        }
    }
    out
}
