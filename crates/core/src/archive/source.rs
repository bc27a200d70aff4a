//! The members of an image archive or layout, by name. A [`Source`] opens a
//! member for reading; the engine implements it for a seekable tar
//! ([`TarSource`]: one pass over the headers, then seeks), the CLI for a
//! directory. A forward-only input cannot seek: `layers::stream` reads it
//! once instead.

use crate::fs::path::{self, Cleaned};
use crate::{Error, ErrorKind};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

pub use crate::limits::JSON_LIMIT;
use crate::limits::LINK_DEPTH;

/// Files of an image, by clean relative path (see `path.rs`).
pub trait Source {
    /// Every regular member (links included), for detection and listings.
    fn names(&self) -> Vec<String>;
    /// The size of a member (after following links), if it exists.
    fn size(&self, name: &str) -> Option<u64>;
    /// Opens a member for reading from its start.
    fn open(&mut self, name: &str) -> Result<Box<dyn Read + '_>, Error>;
    /// Where a member's bytes lie in the input, in one piece (offset, size),
    /// after following links: so that another reader over the same input
    /// (a Web Worker with the same `File`) can read it with [`member_at`].
    /// None when the source cannot say (a directory).
    fn range(&self, _name: &str) -> Option<(u64, u64)> {
        None
    }
}

/// A reader over `size` bytes at `offset` of `input`, as [`Source::open`]
/// gives a member: an input shorter than that is an error, not a short member.
pub fn member_at<R: Read + Seek>(
    mut input: R,
    offset: u64,
    size: u64,
) -> std::io::Result<impl Read> {
    input.seek(SeekFrom::Start(offset))?;
    Ok(TakeExact {
        inner: input.take(size),
        left: size,
    })
}

#[derive(Debug, Clone)]
enum Member {
    File {
        offset: u64,
        size: u64,
    },
    /// A symlink or hard link to another member (a clean path).
    Link(String),
}

pub(crate) fn missing(name: &str) -> Error {
    Error::new(ErrorKind::MissingBlob, "the archive has no such member").member(name)
}

/// The archive stops inside a member's data.
pub(crate) fn ends_inside(raw_name: &str) -> Error {
    let name = match path::clean(raw_name) {
        Cleaned::Path(p) => p,
        _ => raw_name.to_string(),
    };
    Error::new(
        ErrorKind::Truncated,
        "the archive ends inside this member (truncated)",
    )
    .member(name)
}

pub(crate) fn link_target(name: &str, target: &str, symlink: bool) -> Option<String> {
    let joined = if symlink && !target.starts_with('/') {
        path::join(path::parent(name), target)
    } else {
        target.to_string()
    };
    match path::clean(&joined) {
        Cleaned::Path(p) => Some(p),
        _ => None,
    }
}

fn resolve_link<'a>(
    members: &'a BTreeMap<String, Member>,
    name: &str,
) -> Result<(&'a str, &'a Member), Error> {
    let mut current = name;
    for _ in 0..LINK_DEPTH {
        let (key, member) = members
            .get_key_value(current)
            .ok_or_else(|| missing(name))?;
        match member {
            Member::Link(target) => current = target,
            file => return Ok((key, file)),
        }
    }
    Err(Error::new(
        ErrorKind::Corrupt,
        "links between members loop or nest too deep",
    )
    .member(name))
}

/// A tar archive that can seek: its headers are read once, then members are
/// read by seeking to them. Nothing but the header index is kept.
pub struct TarSource<R> {
    reader: R,
    members: BTreeMap<String, Member>,
}

impl<R: Read + Seek> TarSource<R> {
    pub fn index(reader: R) -> Result<Self, Error> {
        let what = "reading the archive's tar headers";
        let mut archive = tar::Archive::new(reader);
        let mut members = BTreeMap::new();
        // The last entry and where its data ends: seeking past the end of
        // the input reads as a clean end, so a cut inside it is found here.
        let mut last: Option<(String, u64)> = None;
        {
            let entries = archive
                .entries_with_seek()
                .map_err(|e| Error::from_io(&e, what))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::from_io(&e, what))?;
                let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
                last = Some((raw.clone(), entry.raw_file_position() + entry.size()));
                let Cleaned::Path(name) = path::clean(&raw) else {
                    continue;
                };
                let kind = entry.header().entry_type();
                let member = if kind.is_symlink() || kind.is_hard_link() {
                    let target = entry
                        .link_name_bytes()
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default();
                    match link_target(&name, &target, kind.is_symlink()) {
                        Some(t) => Member::Link(t),
                        None => continue,
                    }
                } else if kind.is_file()
                    || kind == tar::EntryType::Continuous
                    || kind == tar::EntryType::Regular
                {
                    Member::File {
                        offset: entry.raw_file_position(),
                        size: entry.size(),
                    }
                } else {
                    continue;
                };
                members.insert(name, member);
            }
        }
        let mut reader = archive.into_inner();
        if let Some((raw, end)) = last {
            let len = reader
                .seek(SeekFrom::End(0))
                .map_err(|e| Error::from_io(&e, "seeking in the archive"))?;
            if end > len {
                return Err(ends_inside(&raw));
            }
        }
        Ok(TarSource { reader, members })
    }
}

impl<R: Read + Seek> Source for TarSource<R> {
    fn names(&self) -> Vec<String> {
        self.members.keys().cloned().collect()
    }

    fn size(&self, name: &str) -> Option<u64> {
        match resolve_link(&self.members, name).ok()?.1 {
            Member::File { size, .. } => Some(*size),
            Member::Link(_) => None,
        }
    }

    fn range(&self, name: &str) -> Option<(u64, u64)> {
        match resolve_link(&self.members, name).ok()?.1 {
            Member::File { offset, size } => Some((*offset, *size)),
            Member::Link(_) => None,
        }
    }

    fn open(&mut self, name: &str) -> Result<Box<dyn Read + '_>, Error> {
        let (offset, size) = match resolve_link(&self.members, name)?.1 {
            Member::File { offset, size } => (*offset, *size),
            Member::Link(_) => return Err(missing(name)),
        };
        self.reader
            .seek(SeekFrom::Start(offset))
            .map_err(|e| Error::from_io(&e, "seeking in the archive").member(name))?;
        Ok(Box::new(TakeExact {
            inner: (&mut self.reader).take(size),
            left: size,
        }))
    }
}

/// A window over a member that fails, rather than ends quietly, when the
/// archive is shorter than the member's header promised.
struct TakeExact<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for TakeExact<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 && !buf.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the archive ends inside this member",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reads a whole small member, refusing one over `limit` bytes.
pub(crate) fn read_limited(
    reader: &mut dyn Read,
    name: &str,
    limit: u64,
) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::from_io(&e, "reading").member(name))?;
    if bytes.len() as u64 > limit {
        return Err(json_too_large(name, limit));
    }
    Ok(bytes)
}

/// A JSON member over `limit` bytes: refused unread, the same way whether
/// the archive is read by seeking or forward-only.
pub(crate) fn json_too_large(name: &str, limit: u64) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!("the member is over {limit} bytes; a JSON document this big is not a manifest or config"),
    )
    .member(name)
}
