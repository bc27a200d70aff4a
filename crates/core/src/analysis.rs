//! The whole analysis of one image: read the members, resolve the image,
//! scan its layers in manifest order, stack them into the union, and compute
//! changes, sizes and waste. The entry points take a seekable reader, a
//! forward-only stream, or any [`Source`]; all end in the same [`build`].

use crate::archive::compression::{self, Compression, Sniffed};
use crate::archive::digest::Digest;
use crate::archive::image::{
    self, Format, HistoryEntry, Members, Options, Plan, Platform, RuntimeConfig,
};
use crate::archive::source::{self, Source, TarSource};
use crate::diagnostic::{Diagnostic, Severity};
use crate::figures::dive::{self, DiveFigures};
use crate::figures::waste::{self, ExactWaste};
use crate::fs::entries::OpKind;
use crate::fs::node::{Change, ChangeKind, Node, NodeId};
use crate::fs::overlay::{self, Files, Union};
use crate::fs::paths::PathId;
use crate::layers::scan::{self as layer_scan, LayerScan};
use crate::layers::sniff::Signals;
use crate::layers::stream::StreamIndex;
use crate::progress::{Meter, MeteredReader, Progress};
use crate::{Error, ErrorKind};
use std::cell::RefCell;
use std::io::{Cursor, Read, Seek, SeekFrom};

/// One filesystem layer of the image.
#[derive(Debug, Clone)]
pub struct Layer {
    /// 0-based position in the manifest.
    pub index: usize,
    /// The member of the archive it was read from.
    pub member: String,
    pub media_type: Option<String>,
    /// Detected from the bytes, not the media type.
    pub compression: Compression,
    /// sha256 of the blob as stored.
    pub digest: Digest,
    /// Bytes of the blob as stored (compressed).
    pub blob_size: u64,
    /// sha256 of the uncompressed tar.
    pub diff_id: Digest,
    /// Bytes of the uncompressed tar.
    pub tar_size: u64,
    /// Bytes of file content the layer stores (what `docker history` calls its size).
    pub size: u64,
    /// The digest the manifest (or a content-addressed name) promises, and whether it held.
    pub expected_digest: Option<Digest>,
    pub digest_ok: Option<bool>,
    /// The diff_id the config promises, and whether it held.
    pub expected_diff_id: Option<Digest>,
    pub diff_id_ok: Option<bool>,
    /// The history entry that made this layer (index into [`Analysis::history`]).
    pub history: Option<usize>,
    /// Number of entries in the layer's tar (whiteouts included).
    pub entries: usize,
    /// What the layer changed against the union below it, sorted by path,
    /// identical rewrites included as [`ChangeKind::Same`].
    pub changes: Vec<Change>,
    /// Bytes of this layer the final filesystem does not show.
    pub wasted_bytes: u64,
    /// What the first KiB of some of its files say (a private key, a
    /// token), by entry index (a node's `data`), in entry order.
    pub signals: Vec<(u32, Signals)>,
    /// The bytes of its package databases (`layers::keep`), by entry index,
    /// in entry order: the only file contents an analysis holds.
    pub kept: Vec<(u32, Vec<u8>)>,
}

impl Layer {
    /// The bytes of the package database stored at entry `entry`, if kept.
    pub fn kept_of(&self, entry: u32) -> Option<&[u8]> {
        self.kept
            .binary_search_by_key(&entry, |(e, _)| *e)
            .ok()
            .map(|i| self.kept[i].1.as_slice())
    }

    /// What the first KiB of the file stored at entry `entry` says.
    pub fn signals_of(&self, entry: u32) -> Signals {
        self.signals
            .binary_search_by_key(&entry, |(e, _)| *e)
            .map_or(Signals::NONE, |i| self.signals[i].1)
    }
}

impl Layer {
    /// The real changes (identical rewrites left out).
    pub fn real_changes(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.kind != ChangeKind::Same)
    }
}

/// A row of the build's history, aligned with the layers: what `docker
/// history` shows (empty-layer steps in place).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub history: Option<usize>,
    pub layer: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Analysis {
    pub format: Format,
    /// The tag or reference of the chosen image.
    pub reference: Option<String>,
    /// Every image (tag or reference) the archive holds.
    pub images: Vec<String>,
    pub platform: Option<Platform>,
    /// Every platform the chosen reference has.
    pub platforms: Vec<Platform>,
    pub manifest_digest: Option<Digest>,
    pub config_digest: Option<Digest>,
    pub created: Option<String>,
    /// Size of the input, when known.
    pub input_size: Option<u64>,
    pub layers: Vec<Layer>,
    /// The config's history, as written.
    pub history: Vec<HistoryEntry>,
    /// What the image runs with (env, entrypoint, cmd, user, labels…).
    pub runtime: RuntimeConfig,
    /// History and layers side by side.
    pub steps: Vec<Step>,
    /// Every path and node met; changes and unions point into it.
    pub files: Files,
    /// The union filesystem after the last layer.
    pub union: Union,
    pub waste: ExactWaste,
    pub dive: DiveFigures,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// The union filesystem after layer `n` (0-based), rebuilt from the changes.
    pub fn union_at(&self, n: usize) -> Union {
        if n + 1 >= self.layers.len() {
            return self.union.clone();
        }
        let mut union = Union::new();
        for layer in &self.layers[..=n] {
            overlay::replay(&mut union, &layer.changes);
        }
        union
    }

    pub fn node(&self, id: NodeId) -> &Node {
        self.files.node(id)
    }

    /// The clean path (no leading `/`) of an id.
    pub fn path(&self, id: PathId) -> String {
        self.files.path(id)
    }

    /// The id of a clean path, if any layer named it.
    pub fn lookup(&self, path: &str) -> Option<PathId> {
        self.files.paths.get(path)
    }

    /// A clean path's state in the final filesystem.
    pub fn file(&self, path: &str) -> Option<&Node> {
        let id = self.union.get(self.lookup(path)?)?;
        Some(self.node(id))
    }

    /// A change's state before its layer (None when added).
    pub fn before(&self, change: &Change) -> Option<&Node> {
        change.before.map(|n| self.node(n))
    }

    /// A change's state after its layer (None when removed).
    pub fn after(&self, change: &Change) -> Option<&Node> {
        change.after.map(|n| self.node(n))
    }

    /// The clean paths of a union, sorted by their bytes, with their nodes.
    pub fn listing(&self, union: &Union) -> Vec<(String, &Node)> {
        union
            .sorted(&self.files.paths)
            .into_iter()
            .map(|(p, n)| (self.path(p), self.node(n)))
            .collect()
    }

    /// Whether any diagnostic says the image is wrong (a digest mismatch).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Analyses an archive that can seek (a file). A gzip- or zstd-compressed
/// archive is read as a stream instead.
pub fn analyze<R: Read + Seek>(
    mut reader: R,
    options: &Options,
    progress: &mut dyn Progress,
) -> Result<Analysis, Error> {
    let total = reader.seek(SeekFrom::End(0)).ok();
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| Error::from_io(&e, "seeking to the start of the input"))?;
    let head =
        compression::peek(&mut reader, 512).map_err(|e| Error::from_io(&e, "reading the input"))?;
    match sniff_archive(&head)? {
        Some(_) => {
            reader
                .seek(SeekFrom::Start(0))
                .map_err(|e| Error::from_io(&e, "seeking to the start of the input"))?;
            analyze_stream_sized(reader, total, options, progress)
        }
        None => {
            reader
                .seek(SeekFrom::Start(0))
                .map_err(|e| Error::from_io(&e, "seeking to the start of the input"))?;
            let mut source = TarSource::index(reader)?;
            let mut result = analyze_source(&mut source, options, progress)?;
            result.input_size = total;
            Ok(result)
        }
    }
}

/// What the first bytes (up to 512) of a whole input say: `Some(compression)`
/// for a compressed archive, `None` for a plain tar, an error for anything else.
pub fn sniff_archive(head: &[u8]) -> Result<Option<Compression>, Error> {
    match compression::sniff(head) {
        Sniffed::Compressed(c) => Ok(Some(c)),
        Sniffed::Tar => Ok(None),
        Sniffed::Empty => Err(Error::new(ErrorKind::Empty, "the file is empty")),
        Sniffed::Json => Err(Error::new(
            ErrorKind::NotAnArchive,
            "this is a JSON document, not an image archive; give the archive (docker save, OCI archive) or the layout directory",
        )),
        Sniffed::Unsupported(name) => Err(Error::new(
            ErrorKind::Unsupported,
            format!("the archive is {name}-compressed; decompress it first (layerscope reads plain, gzip and zstd archives)"),
        )),
        Sniffed::Unknown if head.len() < 512 => Err(Error::new(
            ErrorKind::NotAnArchive,
            format!("not an image archive: {} bytes, shorter than one tar header", head.len()),
        )),
        Sniffed::Unknown => Err(Error::new(ErrorKind::NotAnArchive, "not an image archive: not a tar, nor gzip or zstd")),
    }
}

/// Analyses a forward-only input (a pipe, `docker save | gzip`) in one pass.
pub fn analyze_stream<R: Read>(
    reader: R,
    options: &Options,
    progress: &mut dyn Progress,
) -> Result<Analysis, Error> {
    analyze_stream_sized(reader, None, options, progress)
}

fn analyze_stream_sized<R: Read>(
    mut reader: R,
    total: Option<u64>,
    options: &Options,
    progress: &mut dyn Progress,
) -> Result<Analysis, Error> {
    let meter = Meter::new(progress, total);
    let result = (|| {
        let head = compression::peek(&mut reader, 512)
            .map_err(|e| Error::from_io(&e, "reading the input"))?;
        let outer = sniff_archive(&head)?;
        let metered = MeteredReader {
            inner: Cursor::new(head).chain(reader),
            meter: &meter,
        };
        let decoded = compression::decoder(outer.unwrap_or(Compression::None), metered)
            .map_err(|e| Error::from_io(&e, "starting to decompress the archive"))?;
        let index = StreamIndex::read(decoded)?;
        let mut access = Access::Stream(index);
        let plan = image::resolve(&mut access, options)?;
        let mut result = build(&mut access, plan, &meter)?;
        result.input_size = total;
        Ok(result)
    })();
    finish(result, &meter)
}

/// Analyses an image whose members a [`Source`] opens (a seekable tar, a directory).
pub fn analyze_source(
    source: &mut dyn Source,
    options: &Options,
    progress: &mut dyn Progress,
) -> Result<Analysis, Error> {
    let meter = Meter::new(progress, None);
    let result = (|| {
        let mut access = Access::Open(source);
        let plan = image::resolve(&mut access, options)?;
        if let Access::Open(source) = &access {
            meter.borrow_mut().info.bytes_total = Some(
                plan.layers
                    .iter()
                    .filter_map(|l| source.size(&l.member))
                    .sum(),
            );
        }
        build(&mut access, plan, &meter)
    })();
    finish(result, &meter)
}

fn finish(result: Result<Analysis, Error>, meter: &RefCell<Meter<'_>>) -> Result<Analysis, Error> {
    match result {
        Err(_) if meter.borrow().cancelled => Err(Error::new(ErrorKind::Cancelled, "cancelled")),
        other => other,
    }
}

enum Access<'s> {
    Open(&'s mut dyn Source),
    Stream(StreamIndex),
}

impl Members for Access<'_> {
    fn has(&self, name: &str) -> bool {
        match self {
            Access::Open(s) => s.size(name).is_some(),
            Access::Stream(i) => i.size(name).is_some(),
        }
    }

    fn read_json(&mut self, name: &str) -> Result<Vec<u8>, Error> {
        match self {
            Access::Open(s) => {
                let mut r = s.open(name)?;
                source::read_limited(&mut r, name, source::JSON_LIMIT)
            }
            Access::Stream(i) => i.read_small(name),
        }
    }

    fn names(&self) -> Vec<String> {
        match self {
            Access::Open(s) => s.names(),
            Access::Stream(i) => i.names(),
        }
    }
}

impl Access<'_> {
    fn scan(&mut self, name: &str, meter: &RefCell<Meter<'_>>) -> Result<LayerScan, Error> {
        match self {
            Access::Open(s) => {
                let reader = s.open(name)?;
                layer_scan::scan(MeteredReader {
                    inner: reader,
                    meter,
                })
            }
            Access::Stream(i) => i.layer(name),
        }
    }
}

fn build(
    access: &mut Access<'_>,
    plan: Plan,
    meter: &RefCell<Meter<'_>>,
) -> Result<Analysis, Error> {
    meter.borrow_mut().info.layers_total = Some(plan.layers.len());
    if !meter.borrow_mut().report() {
        return Err(Error::new(ErrorKind::Cancelled, "cancelled"));
    }
    let members: Vec<String> = plan.layers.iter().map(|l| l.member.clone()).collect();
    let mut stack = Stack::new(plan);
    for (i, member) in members.iter().enumerate() {
        let scan = access
            .scan(member, meter)
            .map_err(|e| e.member(member).layer(i))?;
        stack.push(scan);
        let mut m = meter.borrow_mut();
        m.info.layers_done = i + 1;
        if !m.report() {
            return Err(Error::new(ErrorKind::Cancelled, "cancelled"));
        }
    }
    Ok(stack.finish())
}

/// An image resolved but not yet read: for callers that read its layers
/// themselves (several threads in the CLI; the engine itself has none).
pub struct Prepared {
    plan: Plan,
}

/// Resolves the image of a source: format, image, platform, config and the
/// layers to read, in manifest order.
pub fn prepare(source: &mut dyn Source, options: &Options) -> Result<Prepared, Error> {
    let mut access = Access::Open(source);
    Ok(Prepared {
        plan: image::resolve(&mut access, options)?,
    })
}

impl Prepared {
    /// The member each layer is read from, in manifest order.
    pub fn layer_members(&self) -> Vec<String> {
        self.plan.layers.iter().map(|l| l.member.clone()).collect()
    }

    /// Where each layer's bytes lie in the source (offset, size), in
    /// manifest order, when the source can say for every one (a member
    /// that is a link cannot).
    pub fn layer_ranges(&self, source: &dyn Source) -> Option<Vec<(u64, u64)>> {
        self.plan
            .layers
            .iter()
            .map(|l| source.range(&l.member))
            .collect()
    }

    /// Reads layer `index` from a reader over its member.
    pub fn scan(&self, index: usize, reader: impl Read) -> Result<LayerScan, Error> {
        let member = self
            .plan
            .layers
            .get(index)
            .map(|l| l.member.as_str())
            .unwrap_or("");
        layer_scan::scan(reader).map_err(|e| e.member(member).layer(index))
    }

    /// Where scanned layers are stacked, one at a time, in manifest order.
    pub fn into_stack(self) -> Stack {
        Stack::new(self.plan)
    }

    /// Stacks the scanned layers (one per member, in order) into the analysis.
    pub fn finish(self, scans: Vec<LayerScan>) -> Result<Analysis, Error> {
        if scans.len() != self.plan.layers.len() {
            return Err(Error::new(
                ErrorKind::Corrupt,
                format!(
                    "{} layers were read, the image has {}",
                    scans.len(),
                    self.plan.layers.len()
                ),
            ));
        }
        Ok(stack(self.plan, scans))
    }
}

fn stack(plan: Plan, scans: Vec<LayerScan>) -> Analysis {
    let mut stack = Stack::new(plan);
    for scan in scans {
        stack.push(scan);
    }
    stack.finish()
}

/// A layer not read yet, as the manifest (and config) describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLayer {
    /// 0-based position in the manifest.
    pub index: usize,
    pub member: String,
    pub media_type: Option<String>,
    /// The digest the manifest promises.
    pub digest: Option<Digest>,
    /// The blob's size as the manifest says it.
    pub size: Option<u64>,
    /// The diff_id the config promises.
    pub diff_id: Option<Digest>,
}

/// Layers stacked one at a time, in manifest order: each scan is applied to
/// the union, counted for waste and for dive, and then dropped, so memory
/// holds the union and the changes, never every layer's entries at once.
pub struct Stack {
    planned: Vec<image::PlannedLayer>,
    meta: Plan,
    steps: Vec<Step>,
    files: Files,
    union: Union,
    layers: Vec<Layer>,
    waste: waste::Tracker,
    dive: dive::Tracker,
    diagnostics: Vec<Diagnostic>,
    /// Package database bytes the stacked layers keep, against
    /// `limits::KEPT_DB_IMAGE`.
    kept_bytes: u64,
}

impl Stack {
    fn new(mut plan: Plan) -> Stack {
        let planned = std::mem::take(&mut plan.layers);
        let mut diagnostics = std::mem::take(&mut plan.diagnostics);
        let steps = align(&plan.history, planned.len(), &mut diagnostics);
        Stack {
            waste: waste::Tracker::new(),
            dive: dive::Tracker::default(),
            layers: Vec::with_capacity(planned.len()),
            planned,
            meta: plan,
            steps,
            files: Files::new(),
            union: Union::new(),
            diagnostics,
            kept_bytes: 0,
        }
    }

    /// The number of layers still to push.
    pub fn remaining(&self) -> usize {
        self.planned.len() - self.layers.len()
    }

    /// The number of layers pushed so far.
    pub fn stacked(&self) -> usize {
        self.layers.len()
    }

    /// The layers not pushed yet, as the manifest describes them (what can
    /// be shown of a layer before it is read).
    pub fn pending(&self) -> Vec<PendingLayer> {
        self.planned
            .iter()
            .enumerate()
            .skip(self.layers.len())
            .map(|(index, p)| PendingLayer {
                index,
                member: p.member.clone(),
                media_type: p.media_type.clone(),
                digest: p.digest.clone(),
                size: p.size,
                diff_id: p.diff_id.clone(),
            })
            .collect()
    }

    /// The analysis of the layers pushed so far, as [`Stack::snapshot`]
    /// gives it, lent to `f` without a copy: the stack's union, files and
    /// layers move into it and `f` gives them back (it must return the
    /// analysis it was given, unchanged but for `input_size`). What the
    /// page's stacker answers with while layers are still read: a copy of
    /// the union after every layer made the worker's memory grow by what
    /// the copies left behind.
    pub fn lend<R>(&mut self, f: impl FnOnce(Analysis) -> (Analysis, R)) -> R {
        let waste = self.waste.so_far(&self.files, &self.union);
        let mut layers = std::mem::take(&mut self.layers);
        for (layer, wasted) in layers.iter_mut().zip(&waste.per_layer) {
            layer.wasted_bytes = *wasted;
        }
        let history = std::mem::take(&mut self.meta.history);
        let meta = &self.meta;
        let lent = Analysis {
            format: meta.format,
            reference: meta.reference.clone(),
            images: meta.images.clone(),
            platform: meta.platform.clone(),
            platforms: meta.platforms.clone(),
            manifest_digest: meta.manifest_digest.clone(),
            config_digest: meta.config_digest.clone(),
            created: meta.created.clone(),
            input_size: None,
            layers,
            history,
            runtime: meta.runtime.clone(),
            steps: std::mem::take(&mut self.steps),
            files: std::mem::take(&mut self.files),
            union: std::mem::take(&mut self.union),
            waste,
            dive: unknown_dive(),
            diagnostics: std::mem::take(&mut self.diagnostics),
        };
        let (back, result) = f(lent);
        self.layers = back.layers;
        self.meta.history = back.history;
        self.steps = back.steps;
        self.files = back.files;
        self.union = back.union;
        self.diagnostics = back.diagnostics;
        result
    }

    /// The analysis of the layers pushed so far, as if the image ended with
    /// them: the union, changes and exact waste after them. What is not
    /// known before every layer is counted is left out: dive's figures are
    /// NaN and empty. `steps` is the whole image's history (a step may name
    /// a layer `layers` does not hold yet: see [`Stack::pending`]). The
    /// stack goes on; the copy costs the union's size.
    pub fn snapshot(&mut self) -> Analysis {
        self.lend(|a| {
            let copy = a.clone();
            (a, copy)
        })
    }

    /// Stacks the next layer (they must come in manifest order).
    pub fn push(&mut self, mut scan: LayerScan) {
        let i = self.layers.len();
        let Some(p) = self.planned.get(i) else {
            return;
        };
        let diagnostics = &mut self.diagnostics;
        for d in scan.diagnostics.iter_mut() {
            d.layer = Some(i);
        }
        if let (Some(mt), c) = (&p.media_type, scan.compression) {
            if let Some(claimed) = Compression::from_media_type(mt) {
                if claimed != c {
                    diagnostics.push(
                        Diagnostic::new(
                            Severity::Info,
                            format!(
                                "the media type {mt} says {}, the bytes are {}",
                                claimed.name(),
                                c.name()
                            ),
                        )
                        .at_layer(i),
                    );
                }
            }
        }
        let digest_ok = p
            .digest
            .as_ref()
            .filter(|d| d.algorithm == "sha256")
            .map(|d| *d == scan.digest);
        if digest_ok == Some(false) {
            let expected = p.digest.as_ref().map(|d| d.to_string()).unwrap_or_default();
            diagnostics.push(
                Diagnostic::new(
                    Severity::Error,
                    format!(
                        "digest mismatch: expected {expected}, the blob hashes to {}",
                        scan.digest
                    ),
                )
                .at_layer(i),
            );
        }
        if let Some(size) = p.size {
            if size != scan.blob_size {
                diagnostics.push(
                    Diagnostic::new(
                        Severity::Error,
                        format!(
                            "size mismatch: the manifest says {size} bytes, the blob has {}",
                            scan.blob_size
                        ),
                    )
                    .at_layer(i),
                );
            }
        }
        let diff_id_ok = p
            .diff_id
            .as_ref()
            .filter(|d| d.algorithm == "sha256")
            .map(|d| *d == scan.diff_id);
        if diff_id_ok == Some(false) {
            let expected = p
                .diff_id
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default();
            diagnostics.push(
                Diagnostic::new(
                    Severity::Error,
                    format!(
                        "diff_id mismatch: the config says {expected}, the uncompressed layer hashes to {}",
                        scan.diff_id
                    ),
                )
                .at_layer(i),
            );
        }
        diagnostics.append(&mut scan.diagnostics);
        // The image's bound on package database bytes.
        let kept_here: u64 = scan.kept.iter().map(|(_, b)| b.len() as u64).sum();
        if self.kept_bytes + kept_here > crate::limits::KEPT_DB_IMAGE {
            diagnostics.push(
                Diagnostic::new(
                    Severity::Warning,
                    format!(
                        "the package databases of this layer take the image past {} bytes kept: its packages are not read",
                        crate::limits::KEPT_DB_IMAGE
                    ),
                )
                .at_layer(i),
            );
            scan.kept.clear();
        } else {
            self.kept_bytes += kept_here;
        }
        let (changes, diags) =
            overlay::apply(&mut self.files, &mut self.union, i as u32, &scan.entries);
        diagnostics.extend(diags);
        self.waste.layer(&self.files, i, &scan.entries, &changes);
        let dive_layer = dive_layer(&mut self.files, &scan);
        self.dive.push(&mut self.files.paths, &dive_layer);
        let size = scan
            .entries
            .iter()
            .filter(|e| e.is_file_copy())
            .fold(0u64, |sum, e| sum.saturating_add(e.stored));
        self.layers.push(Layer {
            index: i,
            member: p.member.clone(),
            media_type: p.media_type.clone(),
            compression: scan.compression,
            digest: scan.digest,
            blob_size: scan.blob_size,
            diff_id: scan.diff_id,
            tar_size: scan.tar_size,
            size,
            expected_digest: p.digest.clone(),
            digest_ok,
            expected_diff_id: p.diff_id.clone(),
            diff_id_ok,
            history: self
                .steps
                .iter()
                .find(|s| s.layer == Some(i))
                .and_then(|s| s.history),
            entries: scan.entries.len(),
            changes,
            wasted_bytes: 0,
            signals: std::mem::take(&mut scan.signals),
            kept: std::mem::take(&mut scan.kept),
        });
    }

    /// The analysis, once every layer is pushed.
    pub fn finish(self) -> Analysis {
        let Stack {
            meta,
            steps,
            mut files,
            union,
            mut layers,
            waste,
            dive,
            diagnostics,
            ..
        } = self;
        let dive = dive.finish(&files.paths);
        files.shrink_to_fit();
        let waste = waste.finish(&files, &union);
        for (layer, wasted) in layers.iter_mut().zip(&waste.per_layer) {
            layer.wasted_bytes = *wasted;
        }
        Analysis {
            format: meta.format,
            reference: meta.reference,
            images: meta.images,
            platform: meta.platform,
            platforms: meta.platforms,
            manifest_digest: meta.manifest_digest,
            config_digest: meta.config_digest,
            created: meta.created,
            input_size: None,
            layers,
            history: meta.history,
            runtime: meta.runtime,
            steps,
            files,
            union,
            waste,
            dive,
            diagnostics,
        }
    }
}

/// dive's figures before every layer is counted: not known (NaN, empty).
fn unknown_dive() -> DiveFigures {
    DiveFigures {
        efficiency: f64::NAN,
        wasted_bytes: 0,
        user_wasted_percent: f64::NAN,
        layer_sizes: Vec::new(),
        inefficiencies: Vec::new(),
    }
}

/// dive's view of a layer: its entries as tar names (whiteout markers
/// spelled out again), in archive order, interned with the image's paths.
fn dive_layer(files: &mut Files, scan: &LayerScan) -> dive::IdLayer {
    let entries = scan
        .entries
        .iter()
        .filter_map(|e| {
            let (name, is_dir) = match e.kind() {
                OpKind::Put | OpKind::HardLink => (std::borrow::Cow::Borrowed(e.path), e.is_dir()),
                OpKind::Whiteout => (crate::fs::whiteout::whiteout_name(e.path).into(), false),
                OpKind::Opaque => (crate::fs::whiteout::opaque_name(e.path).into(), false),
            };
            dive::IdEntry::new(&mut files.paths, &name, is_dir, e.stored)
        })
        .collect();
    dive::IdLayer { entries }
}

/// Lines the history up with the layers: each non-empty history entry made
/// the next layer.
fn align(history: &[HistoryEntry], layers: usize, diagnostics: &mut Vec<Diagnostic>) -> Vec<Step> {
    let mut steps = Vec::with_capacity(history.len().max(layers));
    let mut next = 0;
    for (h, entry) in history.iter().enumerate() {
        if entry.empty_layer {
            steps.push(Step {
                history: Some(h),
                layer: None,
            });
        } else if next < layers {
            steps.push(Step {
                history: Some(h),
                layer: Some(next),
            });
            next += 1;
        } else {
            steps.push(Step {
                history: Some(h),
                layer: None,
            });
        }
    }
    let made = history.iter().filter(|h| !h.empty_layer).count();
    if !history.is_empty() && made != layers {
        diagnostics.push(Diagnostic::new(
            Severity::Warning,
            format!("the history has {made} steps that made a layer, but the image has {layers} layers; aligned from the bottom"),
        ));
    }
    while next < layers {
        steps.push(Step {
            history: None,
            layer: Some(next),
        });
        next += 1;
    }
    steps
}
