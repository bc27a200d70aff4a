//! The members of an image archive or layout, by name. A [`Source`] opens a
//! member for reading; the engine implements it for a seekable tar
//! ([`TarSource`]: one pass over the headers, then seeks), the CLI for a
//! directory. A forward-only input (a gzipped `docker save`) cannot seek, so
//! [`StreamIndex`] reads it once, keeping the small JSON members and scanning
//! every layer-like member as it passes; the chosen image is resolved after.

use crate::compression::{self, Sniffed};
use crate::layer_scan::{self, LayerScan};
use crate::path::{self, Cleaned};
use crate::{Error, ErrorKind};
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek, SeekFrom};

/// JSON documents bigger than this are refused: configs and manifests are KiBs.
pub const JSON_LIMIT: u64 = 64 * 1024 * 1024;
/// Links between members are followed at most this deep.
const LINK_DEPTH: usize = 16;

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

fn missing(name: &str) -> Error {
    Error::new(ErrorKind::MissingBlob, "the archive has no such member").member(name)
}

/// The archive stops inside a member's data.
fn ends_inside(raw_name: &str) -> Error {
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

fn link_target(name: &str, target: &str, symlink: bool) -> Option<String> {
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
        return Err(Error::new(ErrorKind::TooLarge, format!("the member is over {limit} bytes; a JSON document this big is not a manifest or config")).member(name));
    }
    Ok(bytes)
}

/// What a forward-only pass kept of one member.
enum Kept {
    Small(Vec<u8>),
    Layer(Box<Result<LayerScan, Error>>),
    /// Neither JSON nor a layer (an unknown blob): only its size is known.
    Other,
}

/// The result of reading an archive front to back once.
pub(crate) struct StreamIndex {
    kept: BTreeMap<String, Kept>,
    links: BTreeMap<String, String>,
    sizes: BTreeMap<String, u64>,
}

const SMALL: u64 = 64 * 1024;
/// All JSON members of one archive together: what a forward-only read keeps.
const KEPT_LIMIT: u64 = 256 * 1024 * 1024;

impl StreamIndex {
    /// Reads every member: small ones and JSON are kept, layer-like ones are
    /// scanned on the fly (contents are never buffered).
    pub fn read<R: Read>(reader: R) -> Result<StreamIndex, Error> {
        let what = "reading the archive's tar stream";
        // How far the tar stream has been read, to tell a cut inside the
        // last member's data from a malformed header after it.
        let pos = std::cell::Cell::new(0u64);
        let mut archive = tar::Archive::new(Counted {
            inner: reader,
            pos: &pos,
        });
        let mut last: Option<(String, u64)> = None;
        let mut index = StreamIndex {
            kept: BTreeMap::new(),
            links: BTreeMap::new(),
            sizes: BTreeMap::new(),
        };
        let mut members = 0usize;
        let mut kept_bytes = 0u64;
        for entry in archive.entries().map_err(|e| Error::from_io(&e, what))? {
            let mut entry = entry.map_err(|e| {
                let err = Error::from_io(&e, what);
                match &last {
                    Some((raw, end))
                        if pos.get() < *end
                            && matches!(err.kind, ErrorKind::Truncated | ErrorKind::Corrupt) =>
                    {
                        ends_inside(raw)
                    }
                    _ => err,
                }
            })?;
            members += 1;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            last = Some((raw.clone(), entry.raw_file_position() + entry.size()));
            let Cleaned::Path(name) = path::clean(&raw) else {
                continue;
            };
            let kind = entry.header().entry_type();
            if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                if let Some(t) = link_target(&name, &target, kind.is_symlink()) {
                    index.links.insert(name, t);
                }
                continue;
            }
            if !(kind.is_file() || kind == tar::EntryType::Continuous) {
                continue;
            }
            let size = entry.size();
            index.sizes.insert(name.clone(), size);
            let head = compression::peek(&mut entry, 512)
                .map_err(|e| Error::from_io(&e, "reading").member(&name))?;
            let kept = match compression::sniff(&head) {
                Sniffed::Compressed(_) | Sniffed::Tar | Sniffed::Empty
                    if !is_json_name(&name) || head.is_empty() =>
                {
                    let scan = layer_scan::scan(Cursor::new(head).chain(&mut entry))
                        .map_err(|e| e.member(&name));
                    // A read failure of the outer stream is fatal; a bad layer
                    // only matters if the chosen image uses it.
                    if let Err(err) = &scan {
                        if err.kind == ErrorKind::Cancelled || err.kind == ErrorKind::Io {
                            return Err(err.clone());
                        }
                    }
                    Kept::Layer(Box::new(scan))
                }
                Sniffed::Json | Sniffed::Unknown
                    if size <= JSON_LIMIT
                        && (size <= SMALL
                            || is_json_name(&name)
                            || matches!(compression::sniff(&head), Sniffed::Json)) =>
                {
                    kept_bytes += size;
                    if kept_bytes > KEPT_LIMIT {
                        return Err(Error::new(
                            ErrorKind::TooLarge,
                            format!("the archive's JSON members add up to over {KEPT_LIMIT} bytes; no image needs that much metadata"),
                        )
                        .member(&name));
                    }
                    let mut bytes = head;
                    entry
                        .read_to_end(&mut bytes)
                        .map_err(|e| Error::from_io(&e, "reading").member(&name))?;
                    Kept::Small(bytes)
                }
                _ => Kept::Other,
            };
            index.kept.insert(name, kept);
        }
        if members == 0 {
            // A tar (its end blocks are), as the seekable reader finds too.
            return Err(Error::new(
                ErrorKind::NotAnImage,
                "the archive holds no members: not a container image",
            ));
        }
        Ok(index)
    }

    fn resolve<'a>(&'a self, name: &'a str) -> Result<&'a str, Error> {
        let mut current = name;
        for _ in 0..LINK_DEPTH {
            if let Some(target) = self.links.get(current) {
                current = target;
            } else {
                return Ok(current);
            }
        }
        Err(Error::new(
            ErrorKind::Corrupt,
            "links between members loop or nest too deep",
        )
        .member(name))
    }

    pub fn names(&self) -> Vec<String> {
        self.kept.keys().chain(self.links.keys()).cloned().collect()
    }

    pub fn size(&self, name: &str) -> Option<u64> {
        self.sizes.get(self.resolve(name).ok()?).copied()
    }

    pub fn read_small(&self, name: &str) -> Result<Vec<u8>, Error> {
        let real = self.resolve(name)?;
        match self.kept.get(real) {
            Some(Kept::Small(bytes)) => Ok(bytes.clone()),
            Some(Kept::Layer(_)) | Some(Kept::Other) => Err(Error::new(
                ErrorKind::Corrupt,
                "expected a JSON document, found binary data",
            )
            .member(name)),
            None => Err(missing(name)),
        }
    }

    /// The scan of a layer member (cloned: a blob may be used twice).
    pub fn layer(&self, name: &str) -> Result<LayerScan, Error> {
        let real = self.resolve(name)?;
        match self.kept.get(real) {
            Some(Kept::Layer(scan)) => (**scan).clone(),
            // Kept whole because it is small or named .json: read it as the
            // seekable path would, so the error says what the bytes are.
            Some(Kept::Small(bytes)) => {
                layer_scan::scan(bytes.as_slice()).map_err(|e| e.member(name))
            }
            Some(Kept::Other) => Err(Error::new(
                ErrorKind::Corrupt,
                "expected a layer, found data that is neither tar, gzip nor zstd",
            )
            .member(name)),
            None => Err(missing(name)),
        }
    }
}

/// Counts the bytes read through it into `pos`.
struct Counted<'c, R> {
    inner: R,
    pos: &'c std::cell::Cell<u64>,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos.set(self.pos.get() + n as u64);
        Ok(n)
    }
}

fn is_json_name(name: &str) -> bool {
    name.ends_with(".json") || name == "repositories" || name == "oci-layout"
}
