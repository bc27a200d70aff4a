//! Two filesystems, path by path: what B added, removed and modified
//! against A (which fields, by `Node::changed_fields`, the one rule a
//! layer's changes use too), with each side's size. Both unions are walked
//! once, in the same byte order of their paths; only the paths that differ
//! are kept.

use crate::fs::node::{Fields, FileKind, Node};
use crate::fs::overlay::Union;
use crate::Analysis;
use std::cmp::Ordering;
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathDiffKind {
    /// In B, not in A.
    Added,
    /// In A, not in B.
    Removed,
    Modified(Fields),
}

impl PathDiffKind {
    /// `added`, `removed`, `modified`, as the documents spell them.
    pub fn name(self) -> &'static str {
        match self {
            PathDiffKind::Added => "added",
            PathDiffKind::Removed => "removed",
            PathDiffKind::Modified(_) => "modified",
        }
    }

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
    /// B's bytes minus A's, at this path.
    pub fn net(&self) -> i64 {
        self.size_b as i64 - self.size_a as i64
    }

    /// The bytes this difference is about: the larger side.
    pub fn bytes(&self) -> u64 {
        self.size_a.max(self.size_b)
    }
}

/// Two filesystems' difference.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PathsDiff {
    /// The paths that differ, in the byte order of their paths.
    pub list: Vec<PathDiff>,
    /// Bytes of file content in each filesystem, a file with several
    /// names (hard links) counted once.
    pub bytes_a: u64,
    pub bytes_b: u64,
}

impl PathsDiff {
    /// B's bytes minus A's, each file once.
    pub fn net(&self) -> i64 {
        self.bytes_b as i64 - self.bytes_a as i64
    }

    pub fn count(&self, kind: fn(&PathDiffKind) -> bool) -> usize {
        self.list.iter().filter(|d| kind(&d.kind)).count()
    }
}

/// Bytes of file content a union shows, each stored copy once.
fn content_bytes(a: &Analysis, union: &Union) -> u64 {
    let mut seen = HashSet::new();
    union
        .iter()
        .map(|(_, n)| a.node(n))
        .filter(|n| n.kind == FileKind::Regular)
        .filter(|n| n.data.is_none_or(|d| seen.insert(d)))
        .map(|n| n.size)
        .sum()
}

fn file_size(node: &Node) -> u64 {
    if node.kind == FileKind::Regular {
        node.size
    } else {
        0
    }
}

/// The difference of union `ua` of image `a` and union `ub` of image `b`.
pub fn diff(a: &Analysis, ua: &Union, b: &Analysis, ub: &Union) -> PathsDiff {
    PathsDiff {
        list: differing(a, ua, b, ub),
        bytes_a: content_bytes(a, ua),
        bytes_b: content_bytes(b, ub),
    }
}

/// The paths that differ, in the byte order of the paths.
fn differing(a: &Analysis, ua: &Union, b: &Analysis, ub: &Union) -> Vec<PathDiff> {
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
