//! A [`LayerScan`] as bytes and back: how a layer scanned in one Web Worker
//! reaches the worker that stacks the layers (a transferable buffer, not a
//! JSON text of 100k entries). Little-endian, length-prefixed, versioned by
//! its first bytes; only ever read by the same build that wrote it, so a
//! malformed buffer is a bug, reported as one and never a panic.

use super::scan::LayerScan;
use super::sniff::Signals;
use crate::archive::compression::Compression;
use crate::archive::digest::Digest;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fs::entries::{Entries, OpKind, Packed};
use crate::fs::node::{Extra, FileKind};
use crate::{Error, ErrorKind};

const MAGIC: &[u8; 8] = b"LSSCAN03";

/// The largest tar (and blob) a scan can have read: a pebibyte.
const MAX_TAR: u64 = 1 << 50;

/// The bytes of a scan.
pub fn to_bytes(scan: &LayerScan) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64 + scan.entries.len() * 56));
    w.0.extend_from_slice(MAGIC);
    w.digest(&scan.digest);
    w.u64(scan.blob_size);
    w.digest(&scan.diff_id);
    w.u64(scan.tar_size);
    w.u8(match scan.compression {
        Compression::None => 0,
        Compression::Gzip => 1,
        Compression::Zstd => 2,
    });
    encode_entries(&scan.entries, &mut w);
    w.u32(scan.signals.len() as u32);
    for (entry, found) in &scan.signals {
        w.u32(*entry);
        w.u8(found.bits());
    }
    w.u32(scan.kept.len() as u32);
    for (entry, bytes) in &scan.kept {
        w.u32(*entry);
        w.bytes(bytes);
    }
    w.u32(scan.diagnostics.len() as u32);
    for d in &scan.diagnostics {
        w.u8(match d.severity {
            Severity::Info => 0,
            Severity::Warning => 1,
            Severity::Error => 2,
        });
        w.opt_str(d.path.as_deref());
        w.str(&d.message);
    }
    w.0
}

/// The scan [`to_bytes`] wrote.
pub fn from_bytes(bytes: &[u8]) -> Result<LayerScan, Error> {
    decode(&mut Reader(bytes)).ok_or_else(|| {
        Error::new(
            ErrorKind::Corrupt,
            "internal error: a layer scanned by another worker came back malformed (a bug; please report it)",
        )
    })
}

fn decode(r: &mut Reader<'_>) -> Option<LayerScan> {
    if r.take(MAGIC.len())? != MAGIC {
        return None;
    }
    let digest = r.digest()?;
    let blob_size = r.u64()?;
    let diff_id = r.digest()?;
    let tar_size = r.u64()?;
    let compression = match r.u8()? {
        0 => Compression::None,
        1 => Compression::Gzip,
        2 => Compression::Zstd,
        _ => return None,
    };
    let entries = decode_entries(r)?;
    // Only what a scan can hold: a tar that was read (under a pebibyte),
    // whose files store at most what GNU sparse holes may add to it. A
    // forged size would make the sums over the image overflow.
    if tar_size > MAX_TAR || blob_size > MAX_TAR {
        return None;
    }
    let stored = entries
        .iter()
        .try_fold(0u64, |sum, e| sum.checked_add(e.stored))?;
    if stored > tar_size.saturating_mul(crate::limits::SPARSE_EXPANSION) {
        return None;
    }
    let count = r.u32()? as usize;
    let mut signals = Vec::with_capacity(count.min(r.remaining() / 5));
    for _ in 0..count {
        let entry = r.u32()?;
        if entry as usize >= entries.len() {
            return None;
        }
        signals.push((entry, Signals::from_bits(r.u8()?)));
    }
    let count = r.u32()? as usize;
    let mut kept = Vec::with_capacity(count.min(r.remaining() / 8));
    for _ in 0..count {
        let entry = r.u32()?;
        if entry as usize >= entries.len() {
            return None;
        }
        kept.push((entry, r.bytes()?.to_vec()));
    }
    let count = r.u32()? as usize;
    let mut diagnostics = Vec::with_capacity(count.min(r.remaining()));
    for _ in 0..count {
        let severity = match r.u8()? {
            0 => Severity::Info,
            1 => Severity::Warning,
            2 => Severity::Error,
            _ => return None,
        };
        let path = r.opt_str()?.map(str::to_string);
        let mut d = Diagnostic::new(severity, r.str()?);
        d.path = path;
        diagnostics.push(d);
    }
    (r.remaining() == 0).then_some(LayerScan {
        digest,
        blob_size,
        diff_id,
        tar_size,
        compression,
        entries,
        signals,
        kept,
        diagnostics,
    })
}

/// Appends a layer's entries to `out`.
fn encode_entries(entries: &Entries, out: &mut Writer) {
    let (names, list) = entries.parts();
    out.bytes(names.as_bytes());
    out.u32(list.len() as u32);
    for e in list {
        out.u32(e.start);
        out.u32(e.len);
        out.u8(e.op as u8);
        out.u8(kind_code(e.kind));
        out.u16(e.mode);
        out.u32(e.uid);
        out.u32(e.gid);
        out.u64(e.stored);
        out.u64(e.content);
        match &e.extra {
            None => out.u8(0),
            Some(x) => {
                out.u8(1);
                out.opt_str(x.link.as_deref());
                out.opt_str(x.hardlink.as_deref());
                match x.device {
                    None => out.u8(0),
                    Some((major, minor)) => {
                        out.u8(1);
                        out.u32(major);
                        out.u32(minor);
                    }
                }
            }
        }
    }
}

/// Reads what [`encode_entries`] wrote.
fn decode_entries(input: &mut Reader<'_>) -> Option<Entries> {
    let names = String::from_utf8(input.bytes()?.to_vec()).ok()?;
    let count = input.u32()? as usize;
    let mut list = Vec::with_capacity(count.min(input.remaining() / 40));
    for _ in 0..count {
        let start = input.u32()?;
        let len = input.u32()?;
        let op = match input.u8()? {
            0 => OpKind::Put,
            1 => OpKind::HardLink,
            2 => OpKind::Whiteout,
            3 => OpKind::Opaque,
            _ => return None,
        };
        let kind = kind_of(input.u8()?)?;
        let mode = input.u16()?;
        let (uid, gid) = (input.u32()?, input.u32()?);
        let (stored, content) = (input.u64()?, input.u64()?);
        let extra = match input.u8()? {
            0 => None,
            1 => {
                let link = input.opt_str()?.map(Into::into);
                let hardlink = input.opt_str()?.map(Into::into);
                let device = match input.u8()? {
                    0 => None,
                    1 => Some((input.u32()?, input.u32()?)),
                    _ => return None,
                };
                Some(Box::new(Extra {
                    link,
                    hardlink,
                    device,
                }))
            }
            _ => return None,
        };
        list.push(Packed {
            start,
            len,
            op,
            kind,
            mode,
            uid,
            gid,
            stored,
            content,
            extra,
        });
    }
    Entries::from_parts(names, list)
}

pub(crate) fn kind_code(kind: FileKind) -> u8 {
    match kind {
        FileKind::Regular => 0,
        FileKind::Dir => 1,
        FileKind::Symlink => 2,
        FileKind::Fifo => 3,
        FileKind::Char => 4,
        FileKind::Block => 5,
        FileKind::Socket => 6,
    }
}

pub(crate) fn kind_of(code: u8) -> Option<FileKind> {
    Some(match code {
        0 => FileKind::Regular,
        1 => FileKind::Dir,
        2 => FileKind::Symlink,
        3 => FileKind::Fifo,
        4 => FileKind::Char,
        5 => FileKind::Block,
        6 => FileKind::Socket,
        _ => return None,
    })
}

pub(crate) struct Writer(Vec<u8>);

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(crate) fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.0.extend_from_slice(v);
    }
    pub(crate) fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }
    pub(crate) fn opt_str(&mut self, v: Option<&str>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.str(v);
            }
        }
    }
    fn digest(&mut self, d: &Digest) {
        self.str(&d.algorithm);
        self.str(&d.hex);
    }
}

pub(crate) struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn remaining(&self) -> usize {
        self.0.len()
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    pub(crate) fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }
    pub(crate) fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.array()?))
    }
    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.array()?))
    }
    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.array()?))
    }
    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }
    pub(crate) fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }
    pub(crate) fn opt_str(&mut self) -> Option<Option<&'a str>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.str()?)),
            _ => None,
        }
    }
    fn digest(&mut self) -> Option<Digest> {
        Some(Digest {
            algorithm: self.str()?.to_string(),
            hex: self.str()?.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::scan::scan;

    /// A layer with every kind of entry: files, a dir, a symlink, a hard
    /// link, a device, a fifo, a whiteout, an opaque marker.
    fn layer() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut add = |name: &str, kind: tar::EntryType, data: &[u8], link: Option<&str>| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(kind);
            h.set_mode(0o4755);
            h.set_uid(1000);
            h.set_gid(7);
            h.set_size(data.len() as u64);
            if kind == tar::EntryType::Char {
                h.set_device_major(1).unwrap();
                h.set_device_minor(3).unwrap();
            }
            if let Some(l) = link {
                h.set_link_name(l).unwrap();
            }
            h.set_path(name).unwrap();
            h.set_cksum();
            b.append(&h, data).unwrap();
        };
        add("etc/", tar::EntryType::Directory, b"", None);
        add("etc/passwd", tar::EntryType::Regular, b"root:x:0:0", None);
        add("etc/link", tar::EntryType::Symlink, b"", Some("passwd"));
        add("etc/hard", tar::EntryType::Link, b"", Some("etc/passwd"));
        add("dev/null", tar::EntryType::Char, b"", None);
        add("run/fifo", tar::EntryType::Fifo, b"", None);
        add("var/.wh.cache", tar::EntryType::Regular, b"", None);
        add("opt/.wh..wh..opq", tar::EntryType::Regular, b"", None);
        add(
            "x/\u{e9}t\u{e9}",
            tar::EntryType::Regular,
            &[9u8; 3000],
            None,
        );
        b.into_inner().unwrap()
    }

    #[test]
    fn a_scan_comes_back_the_same() {
        let scanned = scan(layer().as_slice()).unwrap();
        let back = from_bytes(&to_bytes(&scanned)).unwrap();
        assert_eq!(back.digest, scanned.digest);
        assert_eq!(back.diff_id, scanned.diff_id);
        assert_eq!(
            (back.blob_size, back.tar_size, back.compression),
            (scanned.blob_size, scanned.tar_size, scanned.compression)
        );
        assert_eq!(back.entries, scanned.entries);
        assert_eq!(back.diagnostics, scanned.diagnostics);
        assert_eq!(back.entries.len(), 9);
    }

    #[test]
    fn a_malformed_buffer_is_an_error_not_a_panic() {
        let bytes = to_bytes(&scan(layer().as_slice()).unwrap());
        for cut in [0, 5, 8, 20, bytes.len() / 2, bytes.len() - 1] {
            let err = from_bytes(&bytes[..cut]).unwrap_err();
            assert!(err.message.contains("malformed"), "{}", err.message);
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(from_bytes(&extra).is_err());
        let mut flipped = bytes;
        flipped[0] ^= 1;
        assert!(from_bytes(&flipped).is_err());
    }
}
