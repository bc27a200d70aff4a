//! The plain data the engine returns: what a path is in the union filesystem,
//! what a layer changed, and the diagnostics found on the way. No IO, no
//! serialization here; `report.rs` decides how these look as JSON.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryRef {
    pub layer: u32,
    pub entry: u32,
}

/// A path's state in the union filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: FileKind,
    /// Content bytes for regular files (also when reached by a hard link), 0 otherwise.
    pub size: u64,
    /// Permission bits with setuid, setgid and sticky (`0o7777` at most).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Seconds since the epoch, from the tar header.
    pub mtime: i64,
    /// The target of a symlink.
    pub link: Option<Box<str>>,
    /// For a hard link: the path (no leading `/`) it was linked to.
    pub hardlink: Option<Box<str>>,
    /// Fast hash (xxh3-64) of the content (regular files), 0 otherwise.
    pub content: u64,
    /// Major and minor device numbers of a char or block device.
    pub device: Option<(u32, u32)>,
    /// The layer that wrote this path's current state.
    pub layer: u32,
    /// For regular files: the tar entry whose bytes this path shows.
    pub data: Option<EntryRef>,
    /// A directory no tar entry named, created because something below it was.
    pub implicit: bool,
}

impl Node {
    pub fn is_dir(&self) -> bool {
        self.kind == FileKind::Dir
    }

    /// The fields in which `self` differs from `old`, as a person would check
    /// them. An empty set means the path was rewritten identically.
    pub fn changed_fields(&self, old: &Node) -> Fields {
        let mut f = Fields::default();
        f.kind = self.kind != old.kind;
        f.size = self.size != old.size;
        f.mode = self.mode != old.mode;
        f.uid = self.uid != old.uid;
        f.gid = self.gid != old.gid;
        f.link = self.link != old.link;
        f.content = self.kind == FileKind::Regular
            && old.kind == FileKind::Regular
            && self.content != old.content
            || self.device != old.device;
        f
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

/// One path a layer changed, against the union of the layers below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// No leading `/`.
    pub path: String,
    pub kind: ChangeKind,
    /// The state before this layer (None when added; boxed, as most changes are additions).
    pub before: Option<Box<Node>>,
    /// The state after this layer (None when removed).
    pub after: Option<Node>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing, nothing wrong (a platform skipped, a media type that lies).
    Info,
    /// The input is odd; the answer is still what a runtime would see.
    Warning,
    /// The input is wrong (a digest mismatch); the answer is shown, but do not trust the image.
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Something found on the way that did not stop the analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The 0-based filesystem layer, if it is about one.
    pub layer: Option<usize>,
    /// The path in the image (no leading `/`), if it is about one.
    pub path: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            layer: None,
            path: None,
            message: message.into(),
        }
    }

    pub fn at_layer(mut self, layer: usize) -> Self {
        self.layer = Some(layer);
        self
    }

    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: ", self.severity.name())?;
        if let Some(layer) = self.layer {
            write!(f, "layer {layer}: ")?;
        }
        if let Some(path) = &self.path {
            write!(f, "/{path}: ")?;
        }
        write!(f, "{}", self.message)
    }
}
