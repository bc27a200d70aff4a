//! Reads one layer blob, start to end, in one forward pass: detects its
//! compression from the first bytes, hashes the blob (its digest) and the
//! decompressed tar (its diff_id), and turns every tar entry into a record
//! of `fs::entries::Entries` with a fast hash of its content. Contents never sit in
//! memory; what is kept is one small record per entry, and the signals a
//! file's first KiB gives (`sniff.rs`: a private key, a token), never its bytes. Where the layer sits
//! in the image, and so what its entries mean for the union, is
//! `fs/overlay.rs`'s business.

use super::keep;
use super::sniff::{self, Signals};
use crate::archive::compression::{self, Compression, Sniffed};
use crate::archive::digest::{Digest, HashingReader};
use crate::diagnostic::{quoted, Capped, Diagnostic, Severity};
use crate::fs::entries::{Entries, EntryOp};
use crate::fs::node::{EntryRef, FileKind, Node};
use crate::fs::path::{self, Cleaned};
use crate::fs::whiteout::{self, Marker};
use crate::limits::{PATH_BYTES, SPARSE_EXPANSION};
use crate::{Error, ErrorKind};
use std::cell::Cell;
use std::io::{Cursor, Read};

/// Everything read from one layer blob.
#[derive(Debug, Clone)]
pub struct LayerScan {
    /// sha256 of the blob as stored.
    pub digest: Digest,
    pub blob_size: u64,
    /// sha256 of the decompressed tar.
    pub diff_id: Digest,
    pub tar_size: u64,
    pub compression: Compression,
    pub entries: Entries,
    /// What the first bytes of some regular files say ([`sniff`]), by entry
    /// index, in entry order; most files say nothing and are not listed.
    pub signals: Vec<(u32, Signals)>,
    /// The bytes of the package databases among its files ([`keep`]), by
    /// entry index, in entry order: the only contents a scan keeps.
    pub kept: Vec<(u32, Vec<u8>)>,
    /// Diagnostics about entries; their `layer` is filled in by the caller.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a layer blob. Errors name the path of the entry they happened at;
/// the caller adds the layer and the member.
pub fn scan<R: Read>(blob: R) -> Result<LayerScan, Error> {
    let (unhashed, digest) = scan_blob(HashingReader::new(blob), None)?;
    unhashed.with_digests(digest.unwrap_or_else(|| Digest::of(b"")), None)
}

/// A layer read without hashing the blob as stored, for a caller that hashes
/// the same bytes some faster way (the page: the browser's own sha256 over
/// the layer read whole). With `tar`, a compressed layer's tar is not hashed
/// either: every byte of it is handed to `tar`, in order, for the caller to
/// hash (an uncompressed layer's tar is its blob: `tar` is not called).
/// Everything else is as [`scan`] reads it.
pub fn scan_unhashed<R: Read>(blob: R, tar: Option<TarSink<'_>>) -> Result<Unhashed, Error> {
    scan_blob(HashingReader::counting(blob), tar).map(|(unhashed, _)| unhashed)
}

/// A layer's scan that waits for the digests its caller computes.
#[derive(Debug)]
pub struct Unhashed {
    scan: LayerScan,
    tar: TarDigest,
}

#[derive(Debug)]
enum TarDigest {
    /// Uncompressed: the tar is the blob, its digest the blob's.
    Blob,
    Hashed(Digest),
    /// Handed to the caller's `tar`.
    Caller,
}

impl Unhashed {
    /// Whether [`Unhashed::with_digests`] needs the tar's digest: the layer
    /// is compressed and its tar went to the caller.
    pub fn needs_tar_digest(&self) -> bool {
        matches!(self.tar, TarDigest::Caller)
    }

    /// The scan, given the sha256 of exactly the bytes the scan read (`blob`)
    /// and, when [`Unhashed::needs_tar_digest`], of exactly the bytes handed
    /// to `tar` (it is ignored otherwise).
    pub fn with_digests(self, blob: Digest, tar: Option<Digest>) -> Result<LayerScan, Error> {
        let diff_id = match self.tar {
            TarDigest::Blob => blob.clone(),
            TarDigest::Hashed(digest) => digest,
            TarDigest::Caller => tar.ok_or_else(|| {
                Error::new(
                    ErrorKind::Io,
                    "the layer's tar was handed over to be hashed, and no digest came back",
                )
            })?,
        };
        Ok(LayerScan {
            digest: blob,
            diff_id,
            ..self.scan
        })
    }
}

/// Where a caller takes a compressed layer's tar bytes ([`scan_unhashed`]).
pub type TarSink<'s> = &'s mut dyn FnMut(&[u8]);

/// Hands every byte read to `sink`, when there is one.
struct Tap<'s, R> {
    inner: R,
    sink: Option<TarSink<'s>>,
}

impl<R: Read> Read for Tap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(sink) = self.sink.as_mut() {
            sink(&buf[..n]);
        }
        Ok(n)
    }
}

fn scan_blob<R: Read>(
    mut blob: HashingReader<R>,
    tar: Option<TarSink<'_>>,
) -> Result<(Unhashed, Option<Digest>), Error> {
    let head =
        compression::peek(&mut blob, 512).map_err(|e| Error::from_io(&e, "reading the layer"))?;
    let (compression, empty) = match compression::sniff(&head) {
        Sniffed::Compressed(c) => (c, false),
        Sniffed::Tar => (Compression::None, false),
        Sniffed::Empty => (Compression::None, true),
        Sniffed::Unsupported(name) => {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("the layer is {name}-compressed; layerscope reads gzip, zstd and uncompressed layers"),
            ))
        }
        Sniffed::Json => {
            return Err(Error::new(ErrorKind::NotAnImage, "expected a layer (a tar), found a JSON document"))
        }
        Sniffed::Unknown => {
            let what = if head.len() < 512 {
                format!("the layer is {} bytes, shorter than one tar header", head.len())
            } else {
                "the layer is neither a tar nor gzip- or zstd-compressed".to_string()
            };
            return Err(Error::new(
                if head.len() < 512 { ErrorKind::Truncated } else { ErrorKind::Corrupt },
                what,
            ));
        }
    };
    let mut diagnostics = Vec::new();
    let mut entries = Entries::default();
    let mut signals = Vec::new();
    let mut kept = Vec::new();
    let (diff_id, tar_size) = {
        let decoded = compression::decoder(compression, Cursor::new(head).chain(&mut blob))
            .map_err(|e| Error::from_io(&e, "starting to decompress the layer"))?;
        // An uncompressed layer's tar is its blob: hash those bytes once.
        let sink = tar.filter(|_| compression != Compression::None);
        let hashed_here = compression != Compression::None && sink.is_none();
        let tapped = Tap {
            inner: decoded,
            sink,
        };
        let mut tar_stream = if hashed_here {
            HashingReader::new(tapped)
        } else {
            HashingReader::counting(tapped)
        };
        let end = if empty {
            diagnostics.push(Diagnostic::new(
                Severity::Info,
                "the layer blob is empty (0 bytes); read as an empty layer",
            ));
            None
        } else {
            Some(read_entries(
                &mut tar_stream,
                compression,
                &mut entries,
                &mut signals,
                &mut kept,
                &mut diagnostics,
            )?)
        };
        let (diff_id, tar_size) = tar_stream.finish().map_err(|e| {
            Error::from_io(
                &e,
                &format!(
                    "reading the {} data after the last entry",
                    compression.name()
                ),
            )
        })?;
        if let Some(note) = end.and_then(|end| end.diagnostic(tar_size)) {
            diagnostics.push(note);
        }
        (diff_id, tar_size)
    };
    entries.shrink_to_fit();
    let (digest, blob_size) = blob
        .finish()
        .map_err(|e| Error::from_io(&e, "reading the end of the layer"))?;
    // Uncompressed: the tar is the blob up to its end, and the blob is read to
    // its end above, so the two digests are one (`with_digests`).
    let tar = match diff_id {
        Some(digest) => TarDigest::Hashed(digest),
        None if compression == Compression::None => TarDigest::Blob,
        None => TarDigest::Caller,
    };
    let placeholder = Digest::of(b"");
    let scan = LayerScan {
        digest: placeholder.clone(),
        blob_size,
        diff_id: placeholder,
        tar_size,
        compression,
        entries,
        signals,
        kept,
        diagnostics,
    };
    Ok((Unhashed { scan, tar }, digest))
}

/// How a layer's tar ended, as far as the entries' reader saw it: the last
/// entry's data, its padding to a 512-byte block and the two zero blocks
/// that close a tar may each be missing. Go's `archive/tar` (docker,
/// containerd, skopeo, umoci, dive) reads all of these whole, so we do too,
/// and say what was missing ([`TarEnd::diagnostic`]); data cut short stays
/// an error.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TarEnd {
    /// Where the last entry's data ends, and its path (None: no entry).
    data_end: u64,
    last_path: Option<String>,
    /// Bytes of tar read when the entries' reader stopped.
    stopped_at: u64,
    /// The stream ended inside the last entry's padding (or right after its
    /// data), where the tar crate wanted the rest of the block.
    unpadded: bool,
}

const BLOCK: u64 = 512;
/// Bytes after a tar's end worth a word: more than tar tools pad a tar to
/// (GNU tar rounds it up to records of 10 KiB; `-b` makes them larger).
const TRAILING_NOTE: u64 = 1024 * 1024;

fn padded(offset: u64) -> u64 {
    offset.div_ceil(BLOCK).saturating_mul(BLOCK)
}

impl TarEnd {
    /// What was missing, if anything. `tar_size`: the whole tar stream's
    /// length, with what follows the first zero block.
    fn diagnostic(&self, tar_size: u64) -> Option<Diagnostic> {
        let last = match &self.last_path {
            Some(p) => format!("its last entry (/{p})"),
            None => "its last entry".to_string(),
        };
        let block_end = padded(self.data_end);
        let (severity, message) = if self.unpadded {
            let (at, missing) = if self.stopped_at == self.data_end {
                ("right after", "the padding to a 512-byte block")
            } else {
                ("inside the padding after", "the rest of that padding")
            };
            (
                Severity::Warning,
                format!(
                    "the layer's tar ends {at} the data of {last}, without {missing} \
                     and the two zero blocks that end a tar (umoci 0.4.7's `insert` \
                     writes such layers); read whole, as Docker, containerd and Go's \
                     archive/tar read it (GNU tar refuses it)"
                ),
            )
        } else if self.stopped_at == 0 {
            (
                Severity::Info,
                "the layer's tar is empty (0 bytes), without even the two zero blocks \
                 that end a tar; read as an empty layer"
                    .to_string(),
            )
        } else if self.stopped_at == block_end {
            (
                Severity::Info,
                format!(
                    "the layer's tar ends after {last} without the two zero blocks that \
                     end a tar; read whole, as Docker and containerd read it"
                ),
            )
        } else if self.stopped_at == block_end + BLOCK && tar_size == self.stopped_at {
            (
                Severity::Info,
                "the layer's tar ends with one zero block instead of the two that end a \
                 tar; read whole, as Docker and containerd read it"
                    .to_string(),
            )
        } else if tar_size > block_end + 2 * BLOCK + TRAILING_NOTE {
            // Hashed (the diff_id covers them) but never read as entries: a
            // decompression bomb's payload can sit here.
            let after = tar_size - (block_end + 2 * BLOCK);
            (
                Severity::Info,
                format!(
                    "the layer's tar goes on for {after} bytes after its end (the two zero \
                     blocks after its last entry); hashed for the diff_id, as Docker does, \
                     and otherwise ignored"
                ),
            )
        } else {
            return None;
        };
        Some(Diagnostic::new(severity, message))
    }
}

/// How far a reader has been read, and whether it ended cleanly (returned
/// no bytes). `read_entries` tells a tar that stops inside its last padding
/// from one whose data is cut short or whose decoder failed by it;
/// `stream.rs` tells a cut inside a member from a bad header after it.
#[derive(Debug, Default)]
pub(super) struct Position {
    pub(super) read: Cell<u64>,
    pub(super) ended: Cell<bool>,
}

/// A reader that keeps its [`Position`] (shared, so that it can be read
/// while a `tar::Archive` owns the reader).
pub(super) struct Counted<'c, R> {
    pub(super) inner: R,
    pub(super) at: &'c Position,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.at.ended.set(true);
        }
        self.at.read.set(self.at.read.get() + n as u64);
        Ok(n)
    }
}

/// The zeros a GNU sparse entry's holes add to the bytes it stores. The tar
/// crate reads them back as zeros, and a 512-byte header may promise
/// exabytes of them: read and hashed, they would never end.
fn holes_of<R: Read>(entry: &tar::Entry<'_, R>) -> u64 {
    let stored = entry.header().entry_size().unwrap_or(0);
    entry.size().saturating_sub(stored)
}

/// Refuses sparse files whose holes (so far, `holes`) outgrow the tar read
/// so far (`tar_read`) [`SPARSE_EXPANSION`] times.
fn check_sparse(holes: u64, tar_read: u64) -> Result<(), Error> {
    let allowed = tar_read.saturating_mul(SPARSE_EXPANSION);
    if holes <= allowed {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::TooLarge,
        format!(
            "a sparse file's holes add {holes} bytes of zeros after {tar_read} bytes of \
             tar; a layer's sparse files may grow its tar at most {SPARSE_EXPANSION} times \
             (as far as gzip can), so that a few bytes cannot make it read without end"
        ),
    ))
}

fn read_entries<R: Read>(
    stream: &mut R,
    compression: Compression,
    entries: &mut Entries,
    signals: &mut Vec<(u32, Signals)>,
    kept: &mut Vec<(u32, Vec<u8>)>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<TarEnd, Error> {
    let mut capped = Capped::default();
    let end = read_entries_capped(stream, compression, entries, signals, kept, &mut capped)?;
    diagnostics.extend(capped.finish());
    Ok(end)
}

/// The length of the path an entry writes or deletes (a whiteout's target,
/// an opaque marker's directory).
fn affected_len(clean: &str) -> usize {
    match whiteout::classify(clean) {
        Marker::Whiteout(target) => target.len(),
        Marker::Opaque(dir) => dir.len(),
        Marker::Meta | Marker::None => clean.len(),
    }
}

fn read_entries_capped<R: Read>(
    stream: &mut R,
    compression: Compression,
    entries: &mut Entries,
    signals: &mut Vec<(u32, Signals)>,
    kept: &mut Vec<(u32, Vec<u8>)>,
    diagnostics: &mut Capped,
) -> Result<TarEnd, Error> {
    let mut kept_bytes = 0u64;
    let what = match compression {
        Compression::None => "reading the layer's tar",
        Compression::Gzip => "reading the layer's tar (gzip)",
        Compression::Zstd => "reading the layer's tar (zstd)",
    };
    let at = Position::default();
    let mut archive = tar::Archive::new(Counted {
        inner: stream,
        at: &at,
    });
    let (pos, ended) = (&at.read, &at.ended);
    let iter = archive.entries().map_err(|e| Error::from_io(&e, what))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::with_capacity(sniff::HEAD);
    let mut last_path: Option<String> = None;
    let mut sparse_holes = 0u64;
    let mut end = TarEnd {
        data_end: 0,
        last_path: None,
        stopped_at: 0,
        unpadded: false,
    };
    for item in iter {
        let mut entry = match item {
            Ok(entry) => entry,
            // The stream ended cleanly after the last entry's data, inside
            // the padding the tar crate skips before the next header.
            Err(_)
                if ended.get() && pos.get() >= end.data_end && pos.get() < padded(end.data_end) =>
            {
                end.unpadded = true;
                end.stopped_at = pos.get();
                end.last_path = last_path;
                return Ok(end);
            }
            Err(e) => {
                // The tar crate words a clean end of stream as an odd error
                // ("unexpected EOF during skip", "failed to read entire block").
                let err = if ended.get() {
                    Error::new(
                        ErrorKind::Truncated,
                        format!("{what}: the data ends early (truncated)"),
                    )
                } else {
                    Error::from_io(&e, what)
                };
                return Err(match &last_path {
                    Some(p) => Error {
                        message: format!("{} (after the entry for /{p})", err.message),
                        ..err
                    },
                    None => err,
                });
            }
        };
        end.data_end = entry.raw_file_position().saturating_add(entry.size());
        let mut name_bytes = entry.path_bytes();
        if let Some(nul) = name_bytes.iter().position(|&b| b == 0) {
            let whole = String::from_utf8_lossy(&name_bytes).into_owned();
            name_bytes = std::borrow::Cow::Owned(name_bytes[..nul].to_vec());
            diagnostics.push(
                "a name holds a NUL byte",
                Diagnostic::new(
                    Severity::Warning,
                    format!(
                        "the name {} holds a NUL byte; read up to it, as Go's archive/tar \
                         reads a GNU long name (no filesystem can hold it)",
                        quoted(&whole)
                    ),
                ),
            );
        }
        let raw_name = String::from_utf8_lossy(&name_bytes).into_owned();
        if std::str::from_utf8(&name_bytes).is_err() {
            diagnostics.push(
                "a name is not UTF-8",
                Diagnostic::new(
                    Severity::Warning,
                    format!(
                        "the name {} is not UTF-8; shown with replacement characters",
                        quoted(&raw_name)
                    ),
                ),
            );
        }
        let header_err = |e: std::io::Error, field: &str| {
            Error::new(
                ErrorKind::Corrupt,
                format!("the tar header's {field} field is malformed: {e}"),
            )
            .path(&raw_name)
        };
        let entry_type = entry.header().entry_type();
        if entry_type.is_pax_global_extensions()
            || entry_type.is_pax_local_extensions()
            || entry_type.is_gnu_longname()
            || entry_type.is_gnu_longlink()
        {
            continue;
        }
        if entry_type.is_gnu_sparse() {
            sparse_holes = sparse_holes.saturating_add(holes_of(&entry));
            check_sparse(sparse_holes, pos.get()).map_err(|e| e.path(&raw_name))?;
        }
        let clean = match path::clean(&raw_name) {
            Cleaned::Root => continue,
            Cleaned::Escapes => {
                diagnostics.push(
                    "a name climbs out of the root",
                    Diagnostic::new(Severity::Warning, format!("the entry {} climbs out of the root; ignored (runtimes refuse or clamp it)", quoted(&raw_name))),
                );
                continue;
            }
            // What a whiteout names is the path it deletes, 4 bytes shorter.
            Cleaned::Path(p) if affected_len(&p) + 1 > PATH_BYTES => {
                diagnostics.push(
                    "a path is longer than Linux's PATH_MAX",
                    Diagnostic::new(
                        Severity::Warning,
                        format!(
                            "the entry {} is a path of {} bytes, over Linux's PATH_MAX \
                             ({PATH_BYTES} and its NUL): no runtime can create it; ignored",
                            quoted(&raw_name),
                            affected_len(&p) + 1
                        ),
                    ),
                );
                continue;
            }
            Cleaned::Path(p) => p,
        };
        last_path = Some(clean.clone());
        let header = entry.header();
        // Masked to 12 bits: fits a u16.
        let mode = (header.mode().map_err(|e| header_err(e, "mode"))? & 0o7777) as u16;
        let mut id = |value: u64, what: &str| {
            u32::try_from(value).unwrap_or_else(|_| {
                diagnostics.push(
                    "an id does not fit in 32 bits",
                    Diagnostic::new(
                        Severity::Warning,
                        format!(
                            "{what} {value} does not fit in 32 bits, as Linux ids must; read as {}",
                            u32::MAX
                        ),
                    )
                    .at_path(&clean),
                );
                u32::MAX
            })
        };
        let uid = id(header.uid().map_err(|e| header_err(e, "uid"))?, "uid");
        let gid = id(header.gid().map_err(|e| header_err(e, "gid"))?, "gid");
        let stored = entry.size();
        let kind = match entry_type {
            tar::EntryType::Regular
            | tar::EntryType::Continuous
            | tar::EntryType::GNUSparse
            | tar::EntryType::Link => FileKind::Regular,
            tar::EntryType::Directory => FileKind::Dir,
            tar::EntryType::Symlink => FileKind::Symlink,
            tar::EntryType::Char => FileKind::Char,
            tar::EntryType::Block => FileKind::Block,
            tar::EntryType::Fifo => FileKind::Fifo,
            other => {
                diagnostics.push(
                    "an unknown tar entry type",
                    Diagnostic::new(
                        Severity::Warning,
                        format!(
                            "unknown tar entry type {:?}; read as a regular file",
                            other.as_byte() as char
                        ),
                    )
                    .at_path(&clean),
                );
                FileKind::Regular
            }
        };
        let device = match kind {
            FileKind::Char | FileKind::Block => {
                let major = header
                    .device_major()
                    .map_err(|e| header_err(e, "devmajor"))?
                    .unwrap_or(0);
                let minor = header
                    .device_minor()
                    .map_err(|e| header_err(e, "devminor"))?
                    .unwrap_or(0);
                Some((major, minor))
            }
            _ => None,
        };
        let link_target = entry
            .link_name_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        let index = entries.len() as u32;
        let mut node = Node {
            kind,
            implicit: false,
            mode,
            uid,
            gid,
            layer: 0,
            data: None,
            size: 0,
            content: 0,
            extra: None,
        };
        node.set_device(device);

        match whiteout::classify(&clean) {
            Marker::Whiteout(target) => {
                entries.push(&target, EntryOp::Whiteout, stored);
                continue;
            }
            Marker::Opaque(dir) => {
                entries.push(&dir, EntryOp::Opaque, stored);
                continue;
            }
            Marker::Meta => {
                diagnostics.push(
                    "aufs metadata",
                    Diagnostic::new(Severity::Info, "aufs metadata entry; ignored").at_path(&clean),
                );
                continue;
            }
            Marker::None => {}
        }

        if entry_type == tar::EntryType::Link {
            let target = match link_target.as_deref().map(path::clean) {
                Some(Cleaned::Path(t)) => t,
                _ => {
                    diagnostics.push(
                        "a hard link with an unusable target",
                        Diagnostic::new(
                            Severity::Warning,
                            format!(
                                "hard link with an unusable target {}; ignored",
                                quoted(&link_target.unwrap_or_default())
                            ),
                        )
                        .at_path(&clean),
                    );
                    continue;
                }
            };
            entries.push(
                &clean,
                EntryOp::HardLink {
                    target: target.into_boxed_str(),
                    node,
                },
                stored,
            );
            continue;
        }

        match kind {
            FileKind::Regular => {
                let mut hasher = xxhash_rust::xxh3::Xxh3::new();
                let mut read: u64 = 0;
                head.clear();
                // A package database: its bytes are kept, within bounds.
                let mut keeping = None;
                if keep::database(&clean).is_some() {
                    if stored > keep::FILE_BOUND || kept_bytes + stored > keep::LAYER_BOUND {
                        diagnostics.push(
                            "package database over the bound",
                            Diagnostic::new(
                                Severity::Warning,
                                format!(
                                    "a package database of {stored} bytes, over the {} kept per file and {} per layer: its packages are not read",
                                    keep::FILE_BOUND,
                                    keep::LAYER_BOUND
                                ),
                            )
                            .at_path(&clean),
                        );
                    } else {
                        kept_bytes += stored;
                        keeping = Some(Vec::with_capacity(stored as usize));
                    }
                }
                loop {
                    let n = entry.read(&mut buf).map_err(|e| {
                        Error::from_io(&e, "reading the file's content").path(&clean)
                    })?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                    if let Some(bytes) = keeping.as_mut() {
                        bytes.extend_from_slice(&buf[..n]);
                    }
                    if head.len() < sniff::HEAD {
                        let take = n.min(sniff::HEAD - head.len());
                        head.extend_from_slice(&buf[..take]);
                    }
                    read += n as u64;
                }
                if read != stored {
                    return Err(Error::new(
                        ErrorKind::Truncated,
                        format!("the header promises {stored} bytes but the data ends after {read} (truncated)"),
                    )
                    .path(&clean));
                }
                node.size = stored;
                node.content = hasher.digest();
                node.data = Some(EntryRef::new(0, index));
                let found = sniff::sniff(&head);
                if !found.is_empty() {
                    signals.push((index, found));
                }
                if let Some(bytes) = keeping {
                    kept.push((index, bytes));
                }
            }
            FileKind::Symlink => {
                node.set_link(Some(link_target.as_deref().unwrap_or_default()));
            }
            _ => {}
        }
        entries.push(&clean, EntryOp::Put(node), stored);
    }
    end.stopped_at = pos.get();
    end.last_path = last_path;
    Ok(end)
}
