//! Shared helpers for the integration tests: image archives built in memory
//! with the `tar` crate (`docker save` style and OCI layout style, plain,
//! gzip or zstd layers), a reader that returns random short reads, and a
//! harness that runs one archive through every entry point of the engine and
//! insists they agree.
//!
//! Layer entries are written with raw tar headers, so a test can put in the
//! names real tools would refuse to write (`../x`, `/etc/x`, whiteouts,
//! absurd sizes): the engine must cope with whatever an archive holds.
#![allow(dead_code)]

use layerscope_core::archive::digest::Digest;
use layerscope_core::{analyze, analyze_stream, Analysis, Error, NoProgress, Options};
use serde_json::{json, Value};
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// A file of the shared corpus (read-only, outside the repository).
pub fn corpus(rel: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../../shared/corpus/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

// ---------------------------------------------------------------------------
// Layer entries
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    File(Vec<u8>),
    Dir,
    Symlink(String),
    HardLink(String),
    /// `.wh.<name>`: an empty regular file whose name marks a deletion.
    Whiteout,
    /// `.wh..wh..opq`: an empty regular file that makes its directory opaque.
    Opaque,
    Fifo,
    Char(u32, u32),
}

/// One tar entry of a layer. `name` is written into the header as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub mtime: u64,
}

impl Entry {
    fn new(name: impl Into<String>, kind: Kind, mode: u32) -> Entry {
        Entry {
            name: name.into(),
            kind,
            mode,
            uid: 0,
            gid: 0,
            mtime: 1_700_000_000,
        }
    }

    pub fn file(name: impl Into<String>, content: impl AsRef<[u8]>) -> Entry {
        Entry::new(name, Kind::File(content.as_ref().to_vec()), 0o644)
    }

    /// A directory; the name is written with a trailing `/`, as tar tools do.
    pub fn dir(name: impl Into<String>) -> Entry {
        let mut name = name.into();
        if !name.ends_with('/') {
            name.push('/');
        }
        Entry::new(name, Kind::Dir, 0o755)
    }

    pub fn symlink(name: impl Into<String>, target: impl Into<String>) -> Entry {
        Entry::new(name, Kind::Symlink(target.into()), 0o777)
    }

    pub fn hardlink(name: impl Into<String>, target: impl Into<String>) -> Entry {
        Entry::new(name, Kind::HardLink(target.into()), 0o644)
    }

    /// The whiteout that deletes `path` (clean, no leading `/`).
    pub fn whiteout(path: &str) -> Entry {
        let name = match path.rsplit_once('/') {
            Some((dir, base)) => format!("{dir}/.wh.{base}"),
            None => format!(".wh.{path}"),
        };
        Entry::new(name, Kind::Whiteout, 0o644)
    }

    /// The opaque marker of directory `dir` (`""` for the root).
    pub fn opaque(dir: &str) -> Entry {
        let name = if dir.is_empty() {
            ".wh..wh..opq".to_string()
        } else {
            format!("{dir}/.wh..wh..opq")
        };
        Entry::new(name, Kind::Opaque, 0o644)
    }

    pub fn fifo(name: impl Into<String>) -> Entry {
        Entry::new(name, Kind::Fifo, 0o644)
    }

    pub fn chardev(name: impl Into<String>, major: u32, minor: u32) -> Entry {
        Entry::new(name, Kind::Char(major, minor), 0o666)
    }

    pub fn mode(mut self, mode: u32) -> Entry {
        self.mode = mode;
        self
    }

    pub fn owner(mut self, uid: u64, gid: u64) -> Entry {
        self.uid = uid;
        self.gid = gid;
        self
    }

    pub fn mtime(mut self, mtime: u64) -> Entry {
        self.mtime = mtime;
        self
    }
}

/// A ustar header with `name` written raw (no validation: `..` and absolute
/// names go in as given). Names must fit the 100-byte field.
pub fn raw_header(name: &[u8], kind: tar::EntryType, size: u64) -> tar::Header {
    assert!(
        name.len() <= 100,
        "name too long for a raw header: {name:?}"
    );
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    let bytes = h.as_mut_bytes();
    bytes[..100].fill(0);
    bytes[..name.len()].copy_from_slice(name);
    h.set_cksum();
    h
}

/// The header (and content) of one entry.
pub fn entry_header(e: &Entry) -> (tar::Header, Vec<u8>) {
    use tar::EntryType as T;
    let (kind, data) = match &e.kind {
        Kind::File(c) => (T::Regular, c.clone()),
        Kind::Dir => (T::Directory, Vec::new()),
        Kind::Symlink(_) => (T::Symlink, Vec::new()),
        Kind::HardLink(_) => (T::Link, Vec::new()),
        Kind::Whiteout | Kind::Opaque => (T::Regular, Vec::new()),
        Kind::Fifo => (T::Fifo, Vec::new()),
        Kind::Char(..) => (T::Char, Vec::new()),
    };
    let mut h = raw_header(e.name.as_bytes(), kind, data.len() as u64);
    h.set_mode(e.mode);
    h.set_uid(e.uid);
    h.set_gid(e.gid);
    h.set_mtime(e.mtime);
    match &e.kind {
        Kind::Symlink(t) | Kind::HardLink(t) => h.set_link_name_literal(t).unwrap(),
        Kind::Char(major, minor) => {
            h.set_device_major(*major).unwrap();
            h.set_device_minor(*minor).unwrap();
        }
        _ => {}
    }
    h.set_cksum();
    (h, data)
}

/// A layer tar (uncompressed), ending with the two zero blocks.
pub fn layer_tar(entries: &[Entry]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let (h, data) = entry_header(e);
        b.append(&h, &data[..]).unwrap();
    }
    b.into_inner().unwrap()
}

// ---------------------------------------------------------------------------
// Compression
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comp {
    None,
    Gzip,
    Zstd,
}

impl Comp {
    pub fn media_type(self) -> &'static str {
        match self {
            Comp::None => "application/vnd.oci.image.layer.v1.tar",
            Comp::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Comp::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

pub fn compress(data: &[u8], comp: Comp) -> Vec<u8> {
    match comp {
        Comp::None => data.to_vec(),
        Comp::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(data).unwrap();
            enc.finish().unwrap()
        }
        Comp::Zstd => {
            ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
        }
    }
}

pub fn sha256(data: &[u8]) -> Digest {
    Digest::of(data)
}

// ---------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------

/// One layer: the uncompressed tar and the blob as stored.
#[derive(Debug, Clone)]
pub struct LayerBlob {
    pub tar: Vec<u8>,
    pub blob: Vec<u8>,
    pub comp: Comp,
}

/// What to build; `docker_save()` and `oci()` turn it into members.
#[derive(Debug, Clone)]
pub struct ImageSpec {
    pub layers: Vec<LayerBlob>,
    pub tag: String,
    /// Replaces the generated config's bytes (for bad JSON).
    pub raw_config: Option<Vec<u8>>,
    /// Replaces the config's `rootfs.diff_ids`.
    pub diff_ids: Option<Vec<String>>,
}

impl Default for ImageSpec {
    fn default() -> Self {
        ImageSpec::new()
    }
}

impl ImageSpec {
    pub fn new() -> ImageSpec {
        ImageSpec {
            layers: Vec::new(),
            tag: "example.com/test:latest".into(),
            raw_config: None,
            diff_ids: None,
        }
    }

    pub fn layer(self, entries: &[Entry]) -> ImageSpec {
        self.layer_comp(entries, Comp::None)
    }

    pub fn layer_comp(self, entries: &[Entry], comp: Comp) -> ImageSpec {
        let tar = layer_tar(entries);
        self.layer_tar(tar, comp)
    }

    /// A layer from a ready tar (which may be odd on purpose).
    pub fn layer_tar(mut self, tar: Vec<u8>, comp: Comp) -> ImageSpec {
        let blob = compress(&tar, comp);
        self.layers.push(LayerBlob { tar, blob, comp });
        self
    }

    /// A layer whose stored bytes are given as they are (`tar` is what they
    /// should decompress to, used only for the config's diff_id).
    pub fn layer_raw(mut self, tar: Vec<u8>, blob: Vec<u8>, comp: Comp) -> ImageSpec {
        self.layers.push(LayerBlob { tar, blob, comp });
        self
    }

    pub fn config_value(&self) -> Value {
        let diff_ids: Vec<String> = match &self.diff_ids {
            Some(d) => d.clone(),
            None => self
                .layers
                .iter()
                .map(|l| sha256(&l.tar).to_string())
                .collect(),
        };
        let mut history: Vec<Value> = Vec::new();
        history.push(json!({"created": "2024-01-01T00:00:00Z", "created_by": "ENV A=1", "empty_layer": true}));
        for i in 0..self.layers.len() {
            history.push(
                json!({"created": "2024-01-01T00:00:00Z", "created_by": format!("RUN layer {i}")}),
            );
        }
        json!({
            "architecture": "amd64",
            "os": "linux",
            "created": "2024-01-01T00:00:00Z",
            "config": {"Env": ["PATH=/usr/bin"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        })
    }

    pub fn config_bytes(&self) -> Vec<u8> {
        match &self.raw_config {
            Some(b) => b.clone(),
            None => serde_json::to_vec(&self.config_value()).unwrap(),
        }
    }

    /// Classic `docker save`: `<id>/layer.tar`, `<config hex>.json`,
    /// `manifest.json`, `repositories`, in the order docker writes them.
    pub fn docker_save(&self) -> Archive {
        let mut a = Archive::default();
        let mut parent: Option<String> = None;
        for l in &self.layers {
            let id = sha256(&l.blob).hex;
            a.add(format!("{id}/VERSION"), b"1.0".to_vec());
            let mut v1 = json!({"id": id, "created": "2024-01-01T00:00:00Z", "os": "linux"});
            if let Some(p) = &parent {
                v1["parent"] = json!(p);
            }
            a.add(format!("{id}/json"), serde_json::to_vec(&v1).unwrap());
            parent = Some(id.clone());
            let name = format!("{id}/layer.tar");
            a.add(name.clone(), l.blob.clone());
            a.layer_members.push(name);
        }
        let config = self.config_bytes();
        let config_name = format!("{}.json", sha256(&config).hex);
        a.add(config_name.clone(), config);
        a.config_member = config_name.clone();
        let manifest = json!([{
            "Config": config_name,
            "RepoTags": [self.tag],
            "Layers": a.layer_members,
        }]);
        a.add("manifest.json", serde_json::to_vec(&manifest).unwrap());
        if let Some(top) = a.layer_members.last() {
            let (repo, tag) = self.tag.rsplit_once(':').unwrap();
            let id = top.trim_end_matches("/layer.tar");
            a.add(
                "repositories",
                serde_json::to_vec(&json!({ repo: { tag: id } })).unwrap(),
            );
        }
        a
    }

    /// The OCI image manifest of this image.
    pub fn oci_manifest(&self) -> Value {
        let config = self.config_bytes();
        json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": sha256(&config).to_string(), "size": config.len()},
            "layers": self.layers.iter().map(|l| json!({
                "mediaType": l.comp.media_type(),
                "digest": sha256(&l.blob).to_string(),
                "size": l.blob.len(),
            })).collect::<Vec<_>>(),
        })
    }

    /// An OCI image layout: `oci-layout`, `blobs/sha256/<hex>` (layers,
    /// config, manifest, with real digests) and `index.json`.
    pub fn oci(&self) -> Archive {
        let mut a = Archive::default();
        a.add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
        for l in &self.layers {
            let name = blob_name(&l.blob);
            if !a.has(&name) {
                a.add(name.clone(), l.blob.clone());
            }
            a.layer_members.push(name);
        }
        let config = self.config_bytes();
        a.config_member = blob_name(&config);
        a.add(a.config_member.clone(), config);
        let manifest = serde_json::to_vec(&self.oci_manifest()).unwrap();
        a.manifest_member = Some(blob_name(&manifest));
        a.add(blob_name(&manifest), manifest.clone());
        let index = json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [descriptor(OCI_MANIFEST, &manifest, Some(&self.tag))],
        });
        a.add("index.json", serde_json::to_vec(&index).unwrap());
        a
    }
}

pub fn blob_name(data: &[u8]) -> String {
    format!("blobs/sha256/{}", sha256(data).hex)
}

/// An OCI descriptor of `data`.
pub fn descriptor(media_type: &str, data: &[u8], ref_name: Option<&str>) -> Value {
    let mut d = json!({
        "mediaType": media_type,
        "digest": sha256(data).to_string(),
        "size": data.len(),
    });
    if let Some(r) = ref_name {
        d["annotations"] = json!({ "org.opencontainers.image.ref.name": r });
    }
    d
}

/// The members of an image archive, in archive order.
#[derive(Debug, Clone, Default)]
pub struct Archive {
    pub members: Vec<(String, Vec<u8>)>,
    /// The member of each layer, in manifest order.
    pub layer_members: Vec<String>,
    pub config_member: String,
    /// The OCI image manifest's blob.
    pub manifest_member: Option<String>,
}

impl Archive {
    pub fn add(&mut self, name: impl Into<String>, data: Vec<u8>) {
        self.members.push((name.into(), data));
    }

    pub fn has(&self, name: &str) -> bool {
        self.members.iter().any(|(n, _)| n == name)
    }

    pub fn get(&self, name: &str) -> &[u8] {
        &self
            .members
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no member {name}"))
            .1
    }

    pub fn get_mut(&mut self, name: &str) -> &mut Vec<u8> {
        &mut self
            .members
            .iter_mut()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no member {name}"))
            .1
    }

    /// Replaces a member's bytes (keeping its place), or adds it.
    pub fn set(&mut self, name: &str, data: Vec<u8>) {
        match self.members.iter_mut().find(|(n, _)| n == name) {
            Some(m) => m.1 = data,
            None => self.add(name, data),
        }
    }

    pub fn remove(&mut self, name: &str) {
        let before = self.members.len();
        self.members.retain(|(n, _)| n != name);
        assert!(self.members.len() < before, "no member {name}");
    }

    /// The archive as a tar (regular files, mode 0644, ending with the two zero blocks).
    pub fn tar(&self) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in &self.members {
            let mut h = tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(0);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, name, &data[..]).unwrap();
        }
        b.into_inner().unwrap()
    }

    /// The byte offset in [`Archive::tar`] of each member's header, and the end of its data.
    pub fn offsets(&self) -> Vec<(String, u64, u64)> {
        let tar = self.tar();
        let mut out = Vec::new();
        let mut ar = tar::Archive::new(Cursor::new(&tar[..]));
        for e in ar.entries().unwrap() {
            let e = e.unwrap();
            let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
            let data = e.raw_file_position();
            out.push((name, e.raw_header_position(), data + e.size()));
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------

/// A small deterministic PRNG (splitmix64): tests need no `rand`.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Returns 1..=`max` bytes per read (seeded, deterministic), as pipes and
/// sockets do, to catch parsers that assume a read fills the buffer.
pub struct ShortReads<R> {
    inner: R,
    max: usize,
    rng: Rng,
}

impl<R> ShortReads<R> {
    pub fn new(inner: R, seed: u64, max: usize) -> Self {
        assert!(max >= 1);
        ShortReads {
            inner,
            max,
            rng: Rng(seed),
        }
    }
}

impl<R: Read> Read for ShortReads<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = 1 + self.rng.below(self.max as u64) as usize;
        let n = n.min(buf.len());
        self.inner.read(&mut buf[..n])
    }
}

impl<R: Seek> Seek for ShortReads<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

// ---------------------------------------------------------------------------
// Running the engine
// ---------------------------------------------------------------------------

/// Runs `f`, turning a panic into a test failure that says what was being read.
pub fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            panic!("the engine panicked on {what}: {msg}");
        }
    }
}

/// Everything an analysis says, except the input's size (which a stream
/// does not know), as one comparable text.
pub fn summary(a: &Analysis) -> String {
    format!(
        "{:#?}\n{:#?}",
        (
            a.format,
            &a.reference,
            &a.images,
            &a.platform,
            &a.platforms,
            &a.manifest_digest,
            &a.config_digest,
            &a.created,
        ),
        (
            &a.layers,
            &a.history,
            &a.steps,
            &a.union,
            &a.waste,
            &a.dive,
            &a.diagnostics,
        )
    )
}

/// The part of an error every entry point must agree on.
pub fn error_key(e: &Error) -> String {
    format!(
        "{:?} member={:?} layer={:?} path={:?}",
        e.kind, e.member, e.layer, e.path
    )
}

/// The ways to read one archive: seekable, forward-only, both through short
/// reads, and as the page does with its scanners ([`the_pages_way`]).
pub const WAYS: [&str; 5] = [
    "analyze",
    "analyze_stream",
    "analyze+short reads",
    "analyze_stream+short reads",
    "the page's scanners",
];

/// Reads `bytes` one way (see [`WAYS`]) with default options.
pub fn run_way(way: usize, bytes: &[u8]) -> Result<Analysis, Error> {
    run_way_with(way, bytes, &Options::default())
}

pub fn run_way_with(way: usize, bytes: &[u8], options: &Options) -> Result<Analysis, Error> {
    let mut p = NoProgress;
    no_panic(WAYS[way], || match way {
        0 => analyze(Cursor::new(bytes), options, &mut p),
        1 => analyze_stream(bytes, options, &mut p),
        2 => analyze(
            ShortReads::new(Cursor::new(bytes), 0x5eed + bytes.len() as u64, 7),
            options,
            &mut p,
        ),
        3 => analyze_stream(
            ShortReads::new(bytes, 0xfeed + bytes.len() as u64, 7),
            options,
            &mut p,
        ),
        4 => the_pages_way(bytes, options),
        _ => unreachable!(),
    })
}

/// How the web page reads an image (crates/worker/src/scanners.rs): the
/// outer tar indexed and the image planned (`prepare`); each layer read from
/// its byte range on its own, without hashing (`scan_unhashed`: the browser
/// hashes the bytes, here sha2 does), a gzip layer handing its tar over to be
/// hashed too; the scan sent between workers as bytes (`scan_wire`); a range
/// past the file's end read through `member_at` (the scanner's window path);
/// the scans stacked in manifest order, the first failed one (with its member
/// and layer) failing the open. Where the page reads the whole file in one
/// worker instead (a compressed archive, an index or plan that fails), this
/// is `analyze`, as there.
pub fn the_pages_way(bytes: &[u8], options: &Options) -> Result<Analysis, Error> {
    use layerscope_core::archive::compression::{sniff, Compression, Sniffed};
    use layerscope_core::layers::{scan as layer_scan, wire as scan_wire};
    use layerscope_core::{member_at, prepare, TarSource};
    let whole_file = || analyze(Cursor::new(bytes), options, &mut NoProgress);
    if matches!(
        sniff(&bytes[..bytes.len().min(512)]),
        Sniffed::Compressed(_)
    ) {
        return whole_file();
    }
    let Ok(mut source) = TarSource::index(Cursor::new(bytes)) else {
        return whole_file();
    };
    let Ok(prepared) = prepare(&mut source, options) else {
        return whole_file();
    };
    let members = prepared.layer_members();
    let Some(ranges) = prepared.layer_ranges(&source) else {
        return whole_file();
    };
    let mut stack = prepared.into_stack();
    for (i, (member, (offset, size))) in members.iter().zip(ranges).enumerate() {
        let (offset, size) = (offset as usize, size as usize);
        let scan = if offset + size <= bytes.len() {
            let blob = &bytes[offset..offset + size];
            let gzip = matches!(sniff(blob), Sniffed::Compressed(Compression::Gzip));
            let mut tar = Vec::new();
            let unhashed = if gzip {
                layer_scan::scan_unhashed(blob, Some(&mut |b: &[u8]| tar.extend_from_slice(b)))
            } else {
                layer_scan::scan_unhashed(blob, None)
            };
            unhashed.and_then(|u| {
                let tar_digest = u.needs_tar_digest().then(|| sha256(&tar));
                u.with_digests(sha256(blob), tar_digest)
            })
        } else {
            member_at(Cursor::new(bytes), offset as u64, size as u64)
                .map_err(|e| Error::from_io(&e, "seeking in the archive"))
                .and_then(layer_scan::scan)
        };
        let scan = scan
            .map(|s| scan_wire::from_bytes(&scan_wire::to_bytes(&s)).expect("scan_wire round trip"))
            .map_err(|e| e.member(member).layer(i))?;
        stack.push(scan);
    }
    let mut analysis = stack.finish();
    analysis.input_size = Some(bytes.len() as u64);
    Ok(analysis)
}

/// Reads `bytes` every way, asserts that all ways agree (the same analysis,
/// or errors of the same kind at the same place), and returns the seekable result.
pub fn analyze_every_way(bytes: &[u8]) -> Result<Analysis, Error> {
    analyze_every_way_with(bytes, &Options::default())
}

pub fn analyze_every_way_with(bytes: &[u8], options: &Options) -> Result<Analysis, Error> {
    let first = run_way_with(0, bytes, options);
    for (way, name) in WAYS.iter().enumerate().skip(1) {
        let other = run_way_with(way, bytes, options);
        match (&first, &other) {
            (Ok(a), Ok(b)) => {
                let (sa, sb) = (summary(a), summary(b));
                if sa != sb {
                    panic!(
                        "{} and {} disagree:\n{}",
                        WAYS[0],
                        name,
                        first_difference(&sa, &sb)
                    );
                }
            }
            (Err(a), Err(b)) => assert_eq!(
                error_key(a),
                error_key(b),
                "{} and {} fail differently:\n  {a}\n  {b}",
                WAYS[0],
                name
            ),
            (Ok(_), Err(e)) => panic!("{} succeeds but {} fails: {e}", WAYS[0], name),
            (Err(e), Ok(_)) => panic!("{} fails ({e}) but {} succeeds", WAYS[0], name),
        }
    }
    first
}

/// The first differing line of two texts, with a little context.
pub fn first_difference(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let i = la
        .iter()
        .zip(&lb)
        .position(|(x, y)| x != y)
        .unwrap_or(la.len().min(lb.len()));
    let from = i.saturating_sub(3);
    format!(
        "line {i}:\n--- left\n{}\n--- right\n{}",
        la[from..(i + 3).min(la.len())].join("\n"),
        lb[from..(i + 3).min(lb.len())].join("\n")
    )
}

/// Unwraps an analysis, printing the error the way a person reads it.
pub fn ok(result: Result<Analysis, Error>) -> Analysis {
    match result {
        Ok(a) => a,
        Err(e) => panic!("expected an analysis, got an error: {e} ({e:?})"),
    }
}

/// Unwraps an error.
pub fn err(result: Result<Analysis, Error>) -> Error {
    match result {
        Ok(a) => panic!(
            "expected an error, got an analysis with {} layers and diagnostics {:#?}",
            a.layers.len(),
            a.diagnostics
        ),
        Err(e) => e,
    }
}
