//! Structural failures: the archive cannot be read as an image at all, or a
//! layer cannot be read to its end. Each error names where it happened (the
//! member of the archive, the layer, the path) so one line tells a person what
//! to look at. Oddities that still leave a usable answer are not errors but
//! [`crate::Diagnostic`]s returned beside the result.

use std::fmt;

/// What kind of failure, for callers (and tests) that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is empty.
    Empty,
    /// The input is not a tar archive (nor a compressed one).
    NotAnArchive,
    /// A tar archive, but not a container image (a bare filesystem tar, say).
    NotAnImage,
    /// The input ends before the structure it promised.
    Truncated,
    /// Compressed data (gzip, zstd) or a tar header is malformed.
    Corrupt,
    /// A JSON document (manifest, index, config) is malformed or misses a required field.
    BadJson,
    /// A manifest refers to a blob or file the archive does not hold.
    MissingBlob,
    /// The image the caller asked for (tag, index, platform) is not in the archive.
    NoSuchImage,
    /// A well-formed input this version does not read.
    Unsupported,
    /// A limit that keeps memory bounded was exceeded.
    TooLarge,
    /// The progress sink asked to stop.
    Cancelled,
    /// Reading the underlying input failed.
    Io,
}

/// A structural failure, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// The member of the outer archive (or file of a layout directory), if known.
    pub member: Option<String>,
    /// The 0-based filesystem layer, if the failure is inside one.
    pub layer: Option<usize>,
    /// The path inside the layer, if the failure is at one entry.
    pub path: Option<String>,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            member: None,
            layer: None,
            path: None,
            message: message.into(),
        }
    }

    pub fn member(mut self, member: impl Into<String>) -> Self {
        if self.member.is_none() {
            self.member = Some(member.into());
        }
        self
    }

    pub fn layer(mut self, layer: usize) -> Self {
        if self.layer.is_none() {
            self.layer = Some(layer);
        }
        self
    }

    pub fn path(mut self, path: impl Into<String>) -> Self {
        if self.path.is_none() {
            self.path = Some(path.into());
        }
        self
    }

    /// Turns a read failure into an error of the right kind: an unexpected end
    /// is truncation, invalid data is corruption, the rest is IO.
    pub fn from_io(err: &std::io::Error, what: &str) -> Self {
        use std::io::ErrorKind as K;
        let kind = match err.kind() {
            K::UnexpectedEof => ErrorKind::Truncated,
            _ if err.to_string().contains(CANCELLED) => ErrorKind::Cancelled,
            K::InvalidData | K::InvalidInput | K::Other => ErrorKind::Corrupt,
            _ => ErrorKind::Io,
        };
        let detail = match kind {
            ErrorKind::Truncated => "the data ends early (truncated)".to_string(),
            ErrorKind::Cancelled => "cancelled".to_string(),
            _ => err.to_string(),
        };
        Error::new(kind, format!("{what}: {detail}"))
    }
}

/// The message of the IO error a cancelled read returns, so that the
/// cancellation survives being passed through decoders that only speak IO.
pub(crate) const CANCELLED: &str = "layerscope: cancelled";

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if let Some(layer) = self.layer {
            write!(f, "layer {layer}")?;
            wrote = true;
        }
        if let Some(member) = &self.member {
            if wrote {
                write!(f, " ({member})")?;
            } else {
                write!(f, "{member}")?;
            }
            wrote = true;
        }
        if let Some(path) = &self.path {
            if wrote {
                write!(f, ", ")?;
            }
            write!(f, "path /{}", path.trim_start_matches('/'))?;
            wrote = true;
        }
        if wrote {
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Error {}
