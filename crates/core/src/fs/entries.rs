//! A layer's entries as the union takes them: what each tar entry asks
//! ([`EntryOp`]: put a node, hard-link, white out, make opaque), its clean
//! path, and the bytes it stores, packed small ([`Entries`]). `layers/`
//! fills them from a tar; `overlay.rs` applies them. Nothing here reads.

use super::node::{EntryRef, Extra, FileKind, Node};

/// What a tar entry asks of the union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOp {
    /// Create or replace the path with this node.
    Put(Node),
    /// A hard link to `target` (a clean path in this layer or a lower one).
    /// `node` holds the link header's own attributes, used only if the target is missing.
    HardLink { target: Box<str>, node: Node },
    /// `.wh.<name>`: delete the path and what is below it in lower layers.
    Whiteout,
    /// `.wh..wh..opq`: hide what lower layers have below this directory.
    Opaque,
}

/// One entry, read back from [`Entries`]. Its node is built only when asked
/// for ([`Entry::op`]): most passes over a layer need the path and the kind.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// A clean path (see `path.rs`): the path written, or for a whiteout the
    /// path deleted, or for an opaque marker the directory.
    pub path: &'a str,
    /// The size field of the tar header (what the entry stores).
    pub stored: u64,
    index: u32,
    packed: &'a Packed,
}

/// Which [`EntryOp`] an entry is, without its node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Put,
    HardLink,
    Whiteout,
    Opaque,
}

impl Entry<'_> {
    pub fn kind(&self) -> OpKind {
        self.packed.op
    }

    /// A `Put` of a regular file: a copy of its bytes, `stored` of them.
    pub fn is_file_copy(&self) -> bool {
        self.packed.op == OpKind::Put && self.packed.kind == FileKind::Regular
    }

    /// A `Put` of a directory.
    pub fn is_dir(&self) -> bool {
        self.packed.op == OpKind::Put && self.packed.kind == FileKind::Dir
    }

    /// What it asks of the union. A regular file's node has its size (the
    /// bytes stored), content hash and `data` (layer 0, this entry's index)
    /// as the scan found them.
    pub fn op(&self) -> EntryOp {
        let e = self.packed;
        let regular = self.is_file_copy();
        let mut node = Node {
            kind: e.kind,
            implicit: false,
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            layer: 0,
            data: regular.then_some(EntryRef::new(0, self.index)),
            size: if regular { e.stored } else { 0 },
            content: e.content,
            extra: None,
        };
        match e.op {
            OpKind::Put => {
                node.extra = e.extra.clone();
                EntryOp::Put(node)
            }
            OpKind::HardLink => {
                let mut extra = e.extra.clone().unwrap_or_default();
                let target = extra.hardlink.take().unwrap_or_default();
                node.extra = (*extra != Extra::default()).then_some(extra);
                EntryOp::HardLink { target, node }
            }
            OpKind::Whiteout => EntryOp::Whiteout,
            OpKind::Opaque => EntryOp::Opaque,
        }
    }
}

/// One tar entry as a layer read ahead of the stacking keeps it: 48 bytes,
/// half of a [`Node`] in an [`EntryOp`] with its path's place beside it.
/// What a scan always gives is not stored: the layer (stamped when stacked),
/// `data` (the entry's own index), a regular file's size (what it stores)
/// and nothing for the rest; the rare parts (link targets, device numbers,
/// a hard link's target) stay boxed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Packed {
    /// Where the path is in [`Entries`]' names.
    pub(crate) start: u32,
    pub(crate) len: u32,
    pub(crate) op: OpKind,
    pub(crate) kind: FileKind,
    /// Permission bits with setuid, setgid and sticky: 12 bits.
    pub(crate) mode: u16,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) stored: u64,
    pub(crate) content: u64,
    pub(crate) extra: Option<Box<Extra>>,
}

/// A layer's entries in archive order, their paths in one string: a layer of
/// 100k entries would otherwise make 100k small allocations, and the layers
/// read ahead of the stacking hold all of theirs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entries {
    names: String,
    list: Vec<Packed>,
}

impl Entries {
    /// Adds an entry. A `Put` of a regular file is expected to have its size
    /// equal to `stored` and its data at this entry, as [`scan`] makes them;
    /// a hard link's node no size, content or data.
    pub fn push(&mut self, path: &str, op: EntryOp, stored: u64) {
        let start = self.names.len() as u32;
        self.names.push_str(path);
        let (tag, node) = match op {
            EntryOp::Put(node) => (OpKind::Put, Some(node)),
            EntryOp::HardLink { target, mut node } => {
                node.set_hardlink(Some(&target));
                (OpKind::HardLink, Some(node))
            }
            EntryOp::Whiteout => (OpKind::Whiteout, None),
            EntryOp::Opaque => (OpKind::Opaque, None),
        };
        let node = node.unwrap_or_else(|| Node::implicit_dir(0));
        debug_assert!(
            node.mode <= 0o7777,
            "mode {:o} has more than 12 bits",
            node.mode
        );
        self.list.push(Packed {
            start,
            len: path.len() as u32,
            op: tag,
            kind: node.kind,
            mode: node.mode & 0o7777,
            uid: node.uid,
            gid: node.gid,
            stored,
            content: node.content,
            extra: node.extra,
        });
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        self.list.iter().enumerate().map(|(i, e)| Entry {
            path: &self.names[e.start as usize..(e.start + e.len) as usize],
            stored: e.stored,
            index: i as u32,
            packed: e,
        })
    }

    pub fn shrink_to_fit(&mut self) {
        self.names.shrink_to_fit();
        self.list.shrink_to_fit();
    }

    /// The paths' string and the packed entries, for `layers/wire.rs`.
    pub(crate) fn parts(&self) -> (&str, &[Packed]) {
        (&self.names, &self.list)
    }

    /// Entries from [`Entries::parts`]; None if a path's place is not in `names`.
    pub(crate) fn from_parts(names: String, list: Vec<Packed>) -> Option<Entries> {
        list.iter()
            .all(|e| {
                let start = e.start as usize;
                names
                    .get(start..start.saturating_add(e.len as usize))
                    .is_some()
            })
            .then_some(Entries { names, list })
    }
}

impl<S: AsRef<str>> FromIterator<(S, EntryOp, u64)> for Entries {
    fn from_iter<I: IntoIterator<Item = (S, EntryOp, u64)>>(items: I) -> Entries {
        let mut out = Entries::default();
        for (path, op, stored) in items {
            out.push(path.as_ref(), op, stored);
        }
        out
    }
}
