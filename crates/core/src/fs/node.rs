//! What a path is in the union filesystem ([`Node`], [`FileKind`]) and what
//! a layer changed ([`Change`]): plain data. No IO, no serialization here;
//! `report/` decides how these look as JSON.

use super::paths::PathId;

/// The type of a filesystem object, as `find -printf %y` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Regular,
    Dir,
    Symlink,
    Fifo,
    Char,
    Block,
    Socket,
}

impl FileKind {
    /// The letter `find -printf %y` prints (a hard link is a regular file).
    pub fn letter(self) -> char {
        match self {
            FileKind::Regular => 'f',
            FileKind::Dir => 'd',
            FileKind::Symlink => 'l',
            FileKind::Fifo => 'p',
            FileKind::Char => 'c',
            FileKind::Block => 'b',
            FileKind::Socket => 's',
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FileKind::Regular => "file",
            FileKind::Dir => "dir",
            FileKind::Symlink => "symlink",
            FileKind::Fifo => "fifo",
            FileKind::Char => "char",
            FileKind::Block => "block",
            FileKind::Socket => "socket",
        }
    }
}

/// Where a copy of a file's bytes is stored: which layer, which entry of its tar.
/// The entry's index is kept plus one, so that an `Option<EntryRef>` (a
/// node's `data`) is 8 bytes, not 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryRef {
    pub layer: u32,
    entry: std::num::NonZeroU32,
}

impl EntryRef {
    /// Entry `entry` (0-based, below `u32::MAX`) of layer `layer`.
    pub fn new(layer: u32, entry: u32) -> EntryRef {
        EntryRef {
            layer,
            entry: entry
                .checked_add(1)
                .and_then(std::num::NonZeroU32::new)
                .expect("fewer than 4 billion entries in a layer"),
        }
    }

    /// The entry's 0-based index in its layer's tar.
    pub fn entry(self) -> u32 {
        self.entry.get() - 1
    }
}

/// A path's state in the union filesystem. Kept small (48 bytes): an image
/// has one per tar entry, and the rare parts (link targets, device numbers)
/// sit behind one pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: FileKind,
    /// A directory no tar entry named, created because something below it was.
    pub implicit: bool,
    /// Permission bits with setuid, setgid and sticky (`0o7777` at most).
    pub mode: u16,
    /// Linux ids are 32-bit; the scanner reports larger ones in tar headers.
    pub uid: u32,
    pub gid: u32,
    /// The layer that wrote this path's current state.
    pub layer: u32,
    /// For regular files: the tar entry whose bytes this path shows.
    pub data: Option<EntryRef>,
    /// Content bytes for regular files (also when reached by a hard link), 0 otherwise.
    pub size: u64,
    /// Fast hash (xxh3-64) of the content (regular files), 0 otherwise.
    pub content: u64,
    pub extra: Option<Box<Extra>>,
}

// The sizes the comments above promise (on 64-bit targets; wasm32's
// pointers are smaller).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Node>() == 48);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Change>() == 20);

/// What few nodes have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extra {
    /// The target of a symlink.
    pub link: Option<Box<str>>,
    /// For a hard link: the path (no leading `/`) it was linked to.
    pub hardlink: Option<Box<str>>,
    /// Major and minor device numbers of a char or block device.
    pub device: Option<(u32, u32)>,
}

impl Node {
    /// A directory made because something below it was written (0755, root).
    pub fn implicit_dir(layer: u32) -> Node {
        Node {
            kind: FileKind::Dir,
            implicit: true,
            mode: 0o755,
            uid: 0,
            gid: 0,
            layer,
            data: None,
            size: 0,
            content: 0,
            extra: None,
        }
    }

    /// The target of a symlink.
    pub fn link(&self) -> Option<&str> {
        self.extra.as_ref()?.link.as_deref()
    }

    /// For a hard link: the path (no leading `/`) it was linked to.
    pub fn hardlink(&self) -> Option<&str> {
        self.extra.as_ref()?.hardlink.as_deref()
    }

    /// Major and minor device numbers of a char or block device.
    pub fn device(&self) -> Option<(u32, u32)> {
        self.extra.as_ref()?.device
    }

    fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Default::default)
    }

    pub fn set_link(&mut self, target: Option<&str>) {
        self.extra_mut().link = target.map(Into::into);
        self.tidy();
    }

    pub fn set_hardlink(&mut self, target: Option<&str>) {
        self.extra_mut().hardlink = target.map(Into::into);
        self.tidy();
    }

    pub fn set_device(&mut self, device: Option<(u32, u32)>) {
        self.extra_mut().device = device;
        self.tidy();
    }

    /// No box for nothing: nodes compare equal whatever set them.
    fn tidy(&mut self) {
        if self.extra.as_deref() == Some(&Extra::default()) {
            self.extra = None;
        }
    }

    pub fn is_dir(&self) -> bool {
        self.kind == FileKind::Dir
    }

    /// The fields in which `self` differs from `old`, as a person would check
    /// them. An empty set means the path was rewritten identically.
    pub fn changed_fields(&self, old: &Node) -> Fields {
        Fields {
            kind: self.kind != old.kind,
            size: self.size != old.size,
            mode: self.mode != old.mode,
            uid: self.uid != old.uid,
            gid: self.gid != old.gid,
            link: self.link() != old.link(),
            content: self.kind == FileKind::Regular
                && old.kind == FileKind::Regular
                && self.content != old.content
                || self.device() != old.device(),
        }
    }
}

/// Which attributes of a path a layer changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fields {
    pub kind: bool,
    pub size: bool,
    pub mode: bool,
    pub uid: bool,
    pub gid: bool,
    pub link: bool,
    pub content: bool,
}

impl Fields {
    pub fn any(&self) -> bool {
        self.kind || self.size || self.mode || self.uid || self.gid || self.link || self.content
    }

    /// The changed fields by name, in a fixed order.
    pub fn names(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (on, name) in [
            (self.kind, "type"),
            (self.size, "size"),
            (self.mode, "mode"),
            (self.uid, "uid"),
            (self.gid, "gid"),
            (self.link, "link"),
            (self.content, "content"),
        ] {
            if on {
                out.push(name);
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified(Fields),
    Removed,
    /// Rewritten with identical bytes and attributes: not a change, but a new
    /// copy that costs bytes and is now the one a container sees.
    Same,
}

impl ChangeKind {
    pub fn letter(&self) -> char {
        match self {
            ChangeKind::Added => 'A',
            ChangeKind::Modified(_) => 'M',
            ChangeKind::Removed => 'D',
            ChangeKind::Same => '=',
        }
    }
}

/// A node in an analysis's node arena (see [`crate::Analysis::node`]):
/// nodes are written once and never change, so a change and the union point
/// at them instead of copying. Never `u32::MAX`, so that an
/// `Option<NodeId>` is 4 bytes too (a change holds two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(std::num::NonZeroU32);

impl NodeId {
    /// The id of the node at `index` in the arena (below `u32::MAX`).
    pub fn new(index: usize) -> NodeId {
        u32::try_from(index + 1)
            .ok()
            .and_then(std::num::NonZeroU32::new)
            .map(NodeId)
            .expect("fewer than 4 billion nodes")
    }

    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// One path a layer changed, against the union of the layers below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub path: PathId,
    pub kind: ChangeKind,
    /// The state before this layer (None when added).
    pub before: Option<NodeId>,
    /// The state after this layer (None when removed).
    pub after: Option<NodeId>,
}
