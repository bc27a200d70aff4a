//! A forward-only input (a gzipped `docker save` on stdin) cannot seek, so
//! [`StreamIndex`] reads the whole archive once: it keeps the small JSON
//! members and scans every layer-like member as it passes (it cannot know
//! which ones the manifest, often written last, will choose); the chosen
//! image is resolved afterwards from what was kept. The seekable way is
//! `archive::source::TarSource`.

use super::scan::{self as layer_scan, Counted, LayerScan, Position};
use crate::archive::compression::{self, Sniffed};
use crate::archive::source::{ends_inside, json_too_large, link_target, missing};
use crate::fs::path::{self, Cleaned};
use crate::limits::{JSON_LIMIT, KEPT_JSON_LIMIT, LINK_DEPTH};
use crate::{Error, ErrorKind};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

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

/// Members this small are kept whatever they look like (a JSON document
/// may be named anything a manifest says).
const SMALL: u64 = 64 * 1024;

impl StreamIndex {
    /// Reads every member: small ones and JSON are kept, layer-like ones are
    /// scanned on the fly (contents are never buffered).
    pub fn read<R: Read>(reader: R) -> Result<StreamIndex, Error> {
        let what = "reading the archive's tar stream";
        // How far the tar stream has been read, to tell a cut inside the
        // last member's data from a malformed header after it.
        let at = Position::default();
        let mut archive = tar::Archive::new(Counted {
            inner: reader,
            at: &at,
        });
        let pos = &at.read;
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
                // The last member of a name wins, as in `TarSource`: a link
                // replaces a file met before it, and a file a link.
                if let Some(t) = link_target(&name, &target, kind.is_symlink()) {
                    index.kept.remove(&name);
                    index.sizes.remove(&name);
                    index.links.insert(name, t);
                }
                continue;
            }
            if !(kind.is_file() || kind == tar::EntryType::Continuous) {
                continue;
            }
            let size = entry.size();
            index.links.remove(&name);
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
                    if kept_bytes > KEPT_JSON_LIMIT {
                        return Err(Error::new(
                            ErrorKind::TooLarge,
                            format!("the archive's JSON members add up to over {KEPT_JSON_LIMIT} bytes; no image needs that much metadata"),
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
            // Passed over unkept for its size: refused as the seekable
            // reader refuses it (`source::read_limited`).
            Some(Kept::Other) if self.sizes.get(real).is_some_and(|&s| s > JSON_LIMIT) => {
                Err(json_too_large(name, JSON_LIMIT))
            }
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

fn is_json_name(name: &str) -> bool {
    name.ends_with(".json") || name == "repositories" || name == "oci-layout"
}
