//! A dropped file's layers read by several workers at once, as the CLI reads
//! them on several threads. The worker the page talks to (the "stacker")
//! resolves the image itself (manifest, config, where each layer's bytes lie
//! in the file), then starts up to [`MAX_SCANNERS`] more workers from the same
//! script, one per core it may use ("scanners"), and hands each the `File`
//! (a reference, not a copy) and a layer's byte range. A scanner reads and
//! hashes its layer and posts the scan back as bytes (`scan_wire`, a
//! transferred buffer); the stacker stacks the scans in manifest order as
//! they come and gives the scanner the next layer. Reading the `File` and
//! sha256 are where the page's time goes: a layer is read in one piece and
//! hashed by the browser's own sha256 (about twice wasm's speed here) while
//! the layers held so fit a memory budget and the page is a secure context;
//! otherwise it is read in windows and hashed in wasm.
//!
//! Errors read as they do when one worker reads everything: a scan that
//! failed is reported when the stacking reaches it, so the first bad layer
//! in manifest order is the one named. Anything that keeps the file from
//! being split (one layer, one core, a whole-compressed archive, an input
//! the engine refuses) goes the one-worker way, which also says what is
//! wrong. Requests that arrive while the layers are read wait and are
//! answered after `Opened`, in order. Cancel stays `terminate()`: scanners
//! are this worker's own and end with it.

use crate::session::{self, Image, Throttle};
use crate::views::Views;
use crate::web::{post, post_text, scope, BlobAccess, BytesAccess, IMAGE};
use crate::window::WindowReader;
use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use layerscope_core::archive::compression;
use layerscope_core::archive::digest::Digest;
use layerscope_core::layers::scan::{self as layer_scan, LayerScan};
use layerscope_core::layers::wire as scan_wire;
use layerscope_core::{member_at, prepare, sniff_archive, Options, ProgressInfo, Stack, TarSource};
use layerscope_protocol::{Request, Response};
use std::cell::RefCell;
use std::io::{Read, Seek};
use std::rc::Rc;
use std::thread::LocalKey;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FileReaderSync, MessageEvent, ReadableStreamByobReader, SubtleCrypto, Worker};

/// Scanners at most: past four, the browser's file reading and memory, not
/// the cores, are what limit.
const MAX_SCANNERS: usize = 4;
/// A scanner posts how far it has read at most this often.
const SCANNER_PROGRESS_MS: f64 = 100.0;
/// A `Preview` (the summary of the layers stacked so far) goes at most
/// this often: each costs a copy of the union so far.
const PREVIEW_EVERY_MS: f64 = 250.0;

type Handler = Closure<dyn FnMut(MessageEvent)>;

/// What came back for a layer: its scan, or the failure (kind, message).
type Outcome = Result<LayerScan, (String, String)>;

struct Opening {
    name: String,
    options: Options,
    file: Blob,
    stack: Option<Stack>,
    members: Vec<String>,
    ranges: Vec<(u64, u64)>,
    results: Vec<Option<Outcome>>,
    /// Layers stacked so far.
    stacked: usize,
    /// Layers in the order they are handed out: largest first, so that a
    /// large layer late in the manifest does not start last and leave the
    /// other scanners idle (the stacking still goes in manifest order).
    order: Vec<usize>,
    /// How many of `order` have been handed out.
    next: usize,
    /// Bytes read of each layer, as the scanners last said.
    read: Vec<u64>,
    /// Memory the scanners hold for reading layers whole, against `budget`
    /// ([`whole_budget`]): each scanner's two buffers, kept from layer to
    /// layer (`buffers[k]`: the layer's bytes, a gzip layer's tar), and the
    /// browser's copy of what it hashes while a layer is out (`copies[i]`).
    buffers: Vec<(u64, u64)>,
    copies: Vec<u64>,
    budget: u64,
    throttle: Throttle,
    scanners: Vec<Worker>,
    /// The view cache of the answers about the layers read so far (the
    /// stack lends them as an image: [`Opening::with_image`]).
    views: Views,
    /// How many layers were stacked when `views` was started.
    views_at: Option<usize>,
    /// A `Preview` is due (a layer was stacked) but was held back by
    /// `preview_throttle`: the next message sends it.
    preview_owed: bool,
    preview_throttle: Throttle,
    /// A timer is set to send the owed `Preview` (no scanner message may
    /// come for a while: a large layer, the last one).
    preview_timer: bool,
    generation: u32,
}

thread_local! {
    static OPENING: RefCell<Option<Opening>> = const { RefCell::new(None) };
    /// Message handlers of scanners, never dropped: a message already on
    /// its way from a scanner since stopped must find its handler (which
    /// then ignores it: see `GENERATION`). A few small closures an open.
    static HANDLERS: RefCell<Vec<Handler>> = const { RefCell::new(Vec::new()) };
    /// Which open the scanners' messages are for.
    static GENERATION: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// Page messages that came while the layers were read.
    static WAITING: RefCell<Vec<JsValue>> = const { RefCell::new(Vec::new()) };
}

/// Whether layers are being read: page requests wait.
pub fn busy() -> bool {
    OPENING.with(|o| o.borrow().is_some())
}

/// A page message while the layers are read: `Tree`, `Story` and
/// `Treemap` are answered about the layers read so far (the page knows
/// which, from the last `Preview`, and asks only about those); the rest
/// wait for the open to end.
pub fn during(data: JsValue, request: &Request) {
    if !matches!(
        request,
        Request::Tree(_) | Request::Story { .. } | Request::Treemap(_)
    ) {
        return WAITING.with(|w| w.borrow_mut().push(data));
    }
    let response = OPENING.with(|cell| {
        let mut guard = cell.borrow_mut();
        let opening = guard.as_mut()?;
        opening.with_image(|image, views| session::answer(Some(image), views, request))
    });
    match response {
        Some(response) => post(&response),
        None => WAITING.with(|w| w.borrow_mut().push(data)),
    }
}

/// Stops reading (a new Open came): scanners end, their answers are dropped.
pub fn abort() {
    if let Some(opening) = OPENING.with(|o| o.borrow_mut().take()) {
        for s in &opening.scanners {
            s.terminate();
        }
    }
}

/// How many scanners this browser may run (its logical cores, at most
/// [`MAX_SCANNERS`]); 1 means none.
fn cores() -> usize {
    let n = scope().navigator().hardware_concurrency();
    if n.is_finite() && n >= 1.0 {
        (n as usize).min(MAX_SCANNERS)
    } else {
        1
    }
}

/// Starts reading `file`'s layers in scanners; false when it cannot be
/// split (the caller then reads it in this worker).
pub fn start(file: &Blob, name: &str, options: &Options) -> bool {
    abort();
    let cores = cores();
    if cores < 2 {
        return false;
    }
    let Ok(access) = BlobAccess::new(file.clone()) else {
        return false;
    };
    let mut reader = WindowReader::new(access);
    let Ok(head) = compression::peek(&mut reader, 512) else {
        return false;
    };
    if !matches!(sniff_archive(&head), Ok(None)) || reader.rewind().is_err() {
        return false;
    }
    let Ok(mut source) = TarSource::index(reader) else {
        return false;
    };
    let Ok(prepared) = prepare(&mut source, options) else {
        return false;
    };
    let members = prepared.layer_members();
    let Some(ranges) = prepared.layer_ranges(&source) else {
        return false;
    };
    if ranges.len() < 2 {
        return false;
    }
    // The first view, from the manifest and config alone, before the
    // scanners start (each one costs a worker's start).
    let mut stack = prepared.into_stack();
    post_preview(&mut stack, &ranges, name, file.size() as u64);
    let count = ranges.len();
    let generation = GENERATION.with(|g| {
        g.set(g.get().wrapping_add(1));
        g.get()
    });
    let current = move || GENERATION.with(|g| g.get()) == generation;
    let mut scanners = Vec::new();
    let mut handlers = Vec::new();
    for k in 0..cores.min(count) {
        let Ok(worker) = Worker::new("layerscope-worker-boot.js") else {
            break;
        };
        let handler: Handler = Closure::new(move |event: MessageEvent| {
            if current() {
                on_message(k, event.data());
            }
        });
        worker.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        // The script did not load or the worker died without a word.
        let on_error: Handler = Closure::new(move |event: MessageEvent| {
            event.prevent_default();
            if current() {
                fall_back();
            }
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        scanners.push(worker);
        handlers.push(handler);
        handlers.push(on_error);
    }
    if scanners.len() < 2 {
        for s in &scanners {
            s.terminate();
        }
        HANDLERS.with(|h| h.borrow_mut().extend(handlers));
        return false;
    }
    HANDLERS.with(|h| h.borrow_mut().extend(handlers));
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(ranges[i].1));
    let mut opening = Opening {
        name: name.to_string(),
        options: options.clone(),
        file: file.clone(),
        stack: Some(stack),
        members,
        ranges,
        results: (0..count).map(|_| None).collect(),
        stacked: 0,
        order,
        next: 0,
        read: vec![0; count],
        buffers: vec![(0, 0); scanners.len()],
        copies: vec![0; count],
        budget: whole_budget(),
        throttle: Throttle::new(50.0),
        scanners,
        views: Views::snapshot(),
        views_at: None,
        preview_owed: false,
        preview_throttle: Throttle::new(PREVIEW_EVERY_MS),
        preview_timer: false,
        generation,
    };
    for k in 0..opening.scanners.len() {
        opening.hand_out(k);
    }
    opening.preview_throttle.due(js_sys::Date::now());
    opening.report_progress(true);
    OPENING.with(|o| *o.borrow_mut() = Some(opening));
    true
}

/// How many bytes the scanners may hold at once to read layers in one piece
/// and have the browser hash them: their buffers (a layer's bytes, a gzip
/// layer's tar) and the browser's own copy of what it hashes. A quarter of
/// the device's memory as the browser tells it (`navigator.deviceMemory`,
/// which says at most 8 GB), between 256 MiB and 2 GiB; 512 MiB where the
/// browser does not say.
fn whole_budget() -> u64 {
    const MIB: f64 = (1 << 20) as f64;
    let device_gb = Reflect::get(&scope().navigator(), &JsValue::from_str("deviceMemory"))
        .ok()
        .and_then(|v| v.as_f64())
        .filter(|gb| gb.is_finite() && *gb > 0.0);
    match device_gb {
        Some(gb) => (gb * 1024.0 * MIB / 4.0).clamp(256.0 * MIB, 2048.0 * MIB) as u64,
        None => (512.0 * MIB) as u64,
    }
}

/// The size a gzip layer's tar will have, from the gzip trailer (ISIZE:
/// the last member's size modulo 4 GiB, so only a hint: the scanner checks
/// it), if the layer at `offset` is gzip.
fn gzip_size(file: &Blob, offset: u64, size: u64) -> Option<u32> {
    let read = |from: u64, len: u64| -> Option<Vec<u8>> {
        let slice = file
            .slice_with_f64_and_f64(from as f64, (from + len) as f64)
            .ok()?;
        let buffer = FileReaderSync::new()
            .ok()?
            .read_as_array_buffer(&slice)
            .ok()?;
        Some(Uint8Array::new(&buffer).to_vec())
    };
    let gzip = compression::sniff(&read(offset, 4.min(size))?)
        == compression::Sniffed::Compressed(compression::Compression::Gzip);
    if !gzip || size < 18 || offset + size > file.size() as u64 {
        return None;
    }
    let tail = read(offset + size - 4, 4)?;
    let n = u32::from_le_bytes(tail.try_into().ok()?);
    (n > 0).then_some(n)
}

/// Posts the `Preview` of what `stack` holds so far: the summary of the
/// layers stacked (lent, not copied) and the rest as the manifest describes
/// them, a size it does not give (docker save's) being the member's.
fn post_preview(stack: &mut Stack, ranges: &[(u64, u64)], name: &str, size: u64) {
    let mut pending = stack.pending();
    for p in &mut pending {
        p.size = p.size.or(ranges.get(p.index).map(|r| r.1));
    }
    let summary = stack.lend(|mut analysis| {
        analysis.input_size = Some(size);
        let summary = crate::summary::preview(&analysis, &pending, name);
        (analysis, summary)
    });
    post(&Response::Preview(Box::new(summary)));
}

/// Runs `f` in `ms` milliseconds (the worker's `setTimeout`).
fn after(ms: f64, f: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(f);
    let set_timeout = Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(set_timeout) = set_timeout {
        let _ = set_timeout.call2(&JsValue::NULL, &callback, &JsValue::from_f64(ms));
    }
}

/// A plain object with these fields: the messages between the workers.
fn object(fields: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object
}

impl Opening {
    /// Runs `f` on the layers stacked so far as an image, lent by the
    /// stack (no copy); the view cache starts over when a layer was stacked
    /// since it was started.
    fn with_image<R>(&mut self, f: impl FnOnce(&Image, &mut Views) -> R) -> Option<R> {
        let stack = self.stack.as_mut()?;
        if self.views_at != Some(stack.stacked()) {
            self.views = Views::snapshot();
            self.views_at = Some(stack.stacked());
        }
        let (name, size, views) = (self.name.clone(), self.file.size() as u64, &mut self.views);
        Some(stack.lend(|mut analysis| {
            analysis.input_size = Some(size);
            let image = Image { name, analysis };
            let result = f(&image, views);
            (image.analysis, result)
        }))
    }

    /// Posts the summary of the layers stacked so far (when the throttle
    /// let it: `preview_if_due`).
    fn send_preview(&mut self) {
        let (file, name, ranges) = (&self.file, &self.name, &self.ranges);
        let Some(stack) = self.stack.as_mut() else {
            return;
        };
        post_preview(stack, ranges, name, file.size() as u64);
        // The progress line agrees with the rows.
        self.report_progress(true);
        self.preview_owed = false;
    }

    /// Sends the owed `Preview` if it is time, or sets a timer to.
    fn preview_if_due(&mut self) {
        if !self.preview_owed {
            return;
        }
        if self.preview_throttle.due(js_sys::Date::now()) {
            self.send_preview();
        } else if !self.preview_timer {
            self.preview_timer = true;
            let generation = self.generation;
            after(PREVIEW_EVERY_MS, move || {
                OPENING.with(|cell| {
                    if let Some(opening) = cell.borrow_mut().as_mut() {
                        if opening.generation == generation {
                            opening.preview_timer = false;
                            opening.preview_if_due();
                        }
                    }
                })
            });
        }
    }

    /// Gives scanner `k` the next layer, if one is left.
    fn hand_out(&mut self, k: usize) {
        let Some(&i) = self.order.get(self.next) else {
            return;
        };
        self.next += 1;
        let (offset, size) = self.ranges[i];
        // Largest first, so a layer over what is left of the budget waits for
        // none: it is read in windows now. A scanner keeps its buffers for
        // the next layer, which is no larger, so only its first layer read
        // whole grows them; the browser's copy is held only while the layer
        // is out. A gzip layer whose tar fits too is inflated into the
        // second buffer, to be hashed by the browser as well.
        let held: u64 =
            self.buffers.iter().map(|(b, t)| b + t).sum::<u64>() + self.copies.iter().sum::<u64>();
        let left = self.budget.saturating_sub(held);
        let (blob_buffer, tar_buffer) = self.buffers[k];
        let grow = |have: u64, want: u64| want.saturating_sub(have);
        let whole = grow(blob_buffer, size) + size <= left;
        let tar_hint = if whole {
            gzip_size(&self.file, offset, size).filter(|&n| {
                let n = u64::from(n);
                grow(blob_buffer, size) + grow(tar_buffer, n) + size.max(n) <= left
            })
        } else {
            None
        };
        if whole {
            let tar = tar_hint.map_or(0, u64::from);
            self.buffers[k] = (blob_buffer.max(size), tar_buffer.max(tar));
            self.copies[i] = size.max(tar);
        }
        let job = object(&[
            ("scan", JsValue::from_f64(i as f64)),
            ("member", JsValue::from_str(&self.members[i])),
            ("offset", JsValue::from_f64(offset as f64)),
            ("size", JsValue::from_f64(size as f64)),
            ("file", self.file.clone().into()),
            ("whole", JsValue::from_bool(whole)),
            (
                "tar_hint",
                JsValue::from_f64(tar_hint.map_or(0.0, f64::from)),
            ),
        ]);
        if let Err(e) = self.scanners[k].post_message(&job) {
            // Recorded as that layer's failure: reported in order.
            self.results[i] = Some(Err((
                "io".to_string(),
                format!(
                    "layer {i} ({}): could not hand it to a reading worker: {e:?}",
                    self.members[i]
                ),
            )));
        }
    }

    fn report_progress(&mut self, force: bool) {
        let now = js_sys::Date::now();
        if !self.throttle.due(now) && !force {
            return;
        }
        post(&session::progress(&ProgressInfo {
            bytes_done: self.read.iter().sum(),
            bytes_total: Some(self.ranges.iter().map(|r| r.1).sum()),
            layers_done: self.stacked,
            layers_total: Some(self.ranges.len()),
        }));
    }
}

/// What the stacking came to after a message.
enum Next {
    Reading,
    Done(Box<Image>),
    Failed(String),
}

fn on_message(k: usize, data: JsValue) {
    // A string is a scanner's own `Failed` (its panic hook, a trap, the wasm
    // not loading): the open fails with it.
    if let Some(text) = data.as_string() {
        return end(Next::Failed(text));
    }
    let next = OPENING.with(|cell| {
        let mut guard = cell.borrow_mut();
        let opening = guard.as_mut()?;
        let number = |key: &str| Reflect::get(&data, &JsValue::from_str(key)).ok()?.as_f64();
        if let Some(i) = number("progress") {
            if let (Some(slot), Some(bytes)) = (opening.read.get_mut(i as usize), number("bytes")) {
                *slot = bytes as u64;
            }
            opening.preview_if_due();
            opening.report_progress(false);
            return Some(Next::Reading);
        }
        let i = number("scanned")? as usize;
        if i >= opening.results.len() {
            return None;
        }
        let outcome = match Reflect::get(&data, &JsValue::from_str("bytes")) {
            Ok(buffer) if !buffer.is_undefined() => {
                let bytes = Uint8Array::new(&buffer).to_vec();
                scan_wire::from_bytes(&bytes)
                    .map_err(|e| (session::error_kind_name(e.kind).to_string(), e.to_string()))
            }
            _ => {
                let text = |key: &str| {
                    Reflect::get(&data, &JsValue::from_str(key))
                        .ok()
                        .and_then(|v| v.as_string())
                        .unwrap_or_default()
                };
                Err((text("kind"), text("message")))
            }
        };
        opening.read[i] = opening.ranges[i].1;
        opening.copies[i] = 0;
        opening.results[i] = Some(outcome);
        opening.hand_out(k);
        Some(opening.stack_ready())
    });
    if let Some(next) = next {
        end(next);
    }
}

impl Opening {
    /// Stacks every scan that is next in order.
    fn stack_ready(&mut self) -> Next {
        while let Some(slot) = self.results.get_mut(self.stacked) {
            let Some(outcome) = slot.take() else {
                break;
            };
            match outcome {
                Ok(scan) => {
                    if let Some(stack) = self.stack.as_mut() {
                        stack.push(scan);
                    }
                    self.stacked += 1;
                    self.preview_owed = true;
                }
                Err((kind, message)) => {
                    return Next::Failed(session::to_text(&session::failed(
                        &kind,
                        format!("{}: {message}", self.name),
                    )))
                }
            }
        }
        if self.stacked < self.results.len() {
            self.preview_if_due();
            self.report_progress(false);
            return Next::Reading;
        }
        self.report_progress(true);
        let Some(stack) = self.stack.take() else {
            return Next::Reading;
        };
        let mut analysis = stack.finish();
        analysis.input_size = Some(self.file.size() as u64);
        Next::Done(Box::new(Image {
            name: self.name.clone(),
            analysis,
        }))
    }
}

/// A scanner failed to start or died: this worker reads the whole image
/// itself, from the start (what the scanners did is dropped).
fn fall_back() {
    let Some(opening) = OPENING.with(|o| o.borrow_mut().take()) else {
        return;
    };
    for s in &opening.scanners {
        s.terminate();
    }
    crate::web::read_here(&opening.file.clone().into(), &opening.name, opening.options);
    answer_waiting();
}

/// Answers the requests that waited for the open, now that it is over. If
/// the image did not open, they are dropped: the page has the failure, and
/// "no image is open" for each would bury it (the page asks for findings,
/// the build… as soon as the first view shows).
fn answer_waiting() {
    let waiting = WAITING.with(|w| std::mem::take(&mut *w.borrow_mut()));
    if !crate::web::has_image() {
        return;
    }
    for data in waiting {
        crate::web::handle(data);
    }
}

/// Ends the open (unless still reading) and answers what waited.
fn end(next: Next) {
    match next {
        Next::Reading => return,
        Next::Done(image) => {
            let response = session::opened(&image);
            IMAGE.with(|cell| cell.set(Some(Rc::new(*image))));
            post(&response);
        }
        Next::Failed(text) => post_text(&text),
    }
    if let Some(opening) = OPENING.with(|o| o.borrow_mut().take()) {
        for s in &opening.scanners {
            s.terminate();
        }
    }
    answer_waiting();
}

/// A scanner's job: `{scan: index, member, offset, size, file, whole}` →
/// posts `{progress: index, bytes}`* then `{scanned: index, bytes:
/// ArrayBuffer}` or `{scanned: index, kind, message}`. With `whole`, the
/// layer is read in one piece and hashed by the browser's own sha256
/// ([`scan_whole`]); otherwise, or when that cannot be, in windows and hashed
/// here.
pub fn scan_job(data: &JsValue) {
    let get = |key: &str| Reflect::get(data, &JsValue::from_str(key)).unwrap_or_default();
    let job = Job {
        index: get("scan").as_f64().unwrap_or(0.0) as usize,
        member: get("member").as_string().unwrap_or_default(),
        offset: get("offset").as_f64().unwrap_or(0.0) as u64,
        size: get("size").as_f64().unwrap_or(0.0) as u64,
    };
    let Ok(blob) = get("file").dyn_into::<Blob>() else {
        let e = layerscope_core::Error::new(
            layerscope_core::ErrorKind::Io,
            "cannot read the file here: the job came without the file",
        );
        return reply(&job, Err(e));
    };
    if get("whole").as_bool() == Some(true) {
        if let Some(subtle) = subtle() {
            let tar_hint = get("tar_hint").as_f64().unwrap_or(0.0) as u32;
            wasm_bindgen_futures::spawn_local(scan_whole(job, blob, subtle, tar_hint));
            return;
        }
    }
    let outcome = scan_windows(&job, blob);
    reply(&job, outcome);
}

/// Which layer, and where its bytes lie in the file.
struct Job {
    index: usize,
    member: String,
    offset: u64,
    size: u64,
}

impl Job {
    fn counted<R: Read>(&self, inner: R) -> Counted<R> {
        Counted {
            inner,
            index: self.index,
            read: 0,
            throttle: Throttle::new(SCANNER_PROGRESS_MS),
        }
    }
}

/// The layer read a window at a time, and hashed in wasm as it goes.
fn scan_windows(job: &Job, blob: Blob) -> Result<LayerScan, layerscope_core::Error> {
    let access = BlobAccess::new(blob).map_err(|e| {
        layerscope_core::Error::new(
            layerscope_core::ErrorKind::Io,
            format!("cannot read the file here: {e:?}"),
        )
    })?;
    let reader = member_at(WindowReader::new(access), job.offset, job.size)
        .map_err(|e| layerscope_core::Error::from_io(&e, "seeking in the archive"))?;
    layer_scan::scan(job.counted(reader))
}

/// The browser's sha256 (`crypto.subtle`), where there is one: only in a
/// secure context (https, localhost, a file the browser opened itself).
fn subtle() -> Option<SubtleCrypto> {
    let crypto = Reflect::get(&scope(), &JsValue::from_str("crypto")).ok()?;
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle")).ok()?;
    (!subtle.is_undefined() && !subtle.is_null()).then(|| subtle.unchecked_into())
}

/// The layer read in one piece and hashed by the browser (native sha256,
/// about twice wasm's speed here; Chromium hashes within the call), then
/// read by the engine from those bytes for everything else. A gzip layer's
/// tar is hashed by the browser too when the stacker sent its size
/// (`tar_hint`, from the gzip trailer): the engine hands the tar over as it
/// inflates ([`TarCopy`]). The stacker sends `whole` only while the layers
/// held whole fit its memory budget ([`whole_budget`]). Anything that keeps
/// this from working (the range past the file's end, the browser refusing
/// the read or the digest, a tar longer than its trailer said) falls back to
/// [`scan_windows`], which then says what is wrong if something is.
async fn scan_whole(job: Job, blob: Blob, subtle: SubtleCrypto, tar_hint: u32) {
    let Some((bytes, digest)) = read_and_hash(&job, &blob, &subtle).await else {
        let outcome = scan_windows(&job, blob);
        return reply(&job, outcome);
    };
    let mut tar = (tar_hint > 0).then(|| TarCopy::new(tar_hint)).flatten();
    let unhashed = {
        let reader = job.counted(WindowReader::new(BytesAccess(bytes.clone())));
        match tar.as_mut() {
            Some(tar) => {
                layer_scan::scan_unhashed(reader, Some(&mut |bytes: &[u8]| tar.push(bytes)))
            }
            None => layer_scan::scan_unhashed(reader, None),
        }
    };
    drop(bytes);
    let unhashed = match unhashed {
        Err(e) => return reply(&job, Err(e)),
        Ok(unhashed) => unhashed,
    };
    let tar_digest = match tar.map(TarCopy::finish) {
        Some(Some(bytes)) if unhashed.needs_tar_digest() => sha256(&subtle, &bytes),
        // Longer than the trailer said (several gzip members): hash it here.
        Some(None) if unhashed.needs_tar_digest() => return reply(&job, scan_windows(&job, blob)),
        _ => None,
    };
    let blob_digest = digest_of(digest).await;
    let tar_digest = match tar_digest {
        Some(promise) => digest_of(promise).await,
        None => None,
    };
    let outcome = match blob_digest {
        Some(blob_digest) => unhashed.with_digests(blob_digest, tar_digest),
        None => Err(layerscope_core::Error::new(
            layerscope_core::ErrorKind::Io,
            "the layer was read, but the browser did not hash it",
        )),
    };
    // Hashed here after all when the browser's digest failed.
    let outcome = outcome.or_else(|_| scan_windows(&job, blob));
    reply(&job, outcome);
}

/// The layer's bytes in one piece and the browser's sha256 of them started,
/// or `None` when the range is past the file's end or the browser refuses.
async fn read_and_hash(
    job: &Job,
    blob: &Blob,
    subtle: &SubtleCrypto,
) -> Option<(Uint8Array, js_sys::Promise)> {
    let end = job.offset.checked_add(job.size)?;
    if end > blob.size() as u64 {
        return None;
    }
    let slice = blob
        .slice_with_f64_and_f64(job.offset as f64, end as f64)
        .ok()?;
    let bytes = match ReadableStreamByobReader::new(&slice.stream()) {
        Ok(reader) => read_into_kept(&reader, job.size).await?,
        // Where a Blob's stream is no byte stream: a buffer of its own.
        Err(_) => {
            let buffer = FileReaderSync::new()
                .ok()?
                .read_as_array_buffer(&slice)
                .ok()?;
            Uint8Array::new(&buffer)
        }
    };
    let digest = sha256(subtle, &bytes)?;
    Some((bytes, digest))
}

thread_local! {
    /// This scanner's buffers for a layer read whole and a gzip layer's tar,
    /// kept from layer to layer of the open (the stacker counts them against
    /// its budget; the layers come largest first, so the first fits every
    /// later one). A buffer let go lives until the worker next collects its
    /// garbage: a new one a layer made a 3.1 GB image hold 3 GB at once.
    static LAYER_BUFFER: RefCell<Option<ArrayBuffer>> = const { RefCell::new(None) };
    static TAR_BUFFER: RefCell<Option<ArrayBuffer>> = const { RefCell::new(None) };
}

/// Bytes asked of the browser at a time, into the kept buffer.
const READ_PIECE: u64 = 8 << 20;

/// A kept buffer of at least `size` bytes: the one in `cell`, or a new one
/// when that is smaller (or there is none). `None` when the browser refuses
/// that much memory.
fn kept_buffer(
    cell: &'static LocalKey<RefCell<Option<ArrayBuffer>>>,
    size: u64,
) -> Option<ArrayBuffer> {
    if let Some(buffer) = cell.with(|b| b.borrow().clone()) {
        if buffer.byte_length() as u64 >= size {
            return Some(buffer);
        }
    }
    // `new ArrayBuffer(size)` through Reflect, so that a refused allocation
    // is an error here, not a trap.
    let class = Reflect::get(&js_sys::global(), &JsValue::from_str("ArrayBuffer")).ok()?;
    let buffer: ArrayBuffer = Reflect::construct(
        class.dyn_ref::<js_sys::Function>()?,
        &Array::of1(&JsValue::from_f64(size as f64)),
    )
    .ok()?
    .dyn_into()
    .ok()?;
    cell.with(|b| *b.borrow_mut() = Some(buffer.clone()));
    Some(buffer)
}

/// Reads a byte stream of `size` bytes into the kept layer buffer (each
/// read hands the buffer to the browser and back: it is the same memory
/// under a new handle, kept for the next layer). `None` if the stream ends
/// early or fails.
async fn read_into_kept(reader: &ReadableStreamByobReader, size: u64) -> Option<Uint8Array> {
    let mut buffer = kept_buffer(&LAYER_BUFFER, size)?;
    let mut filled = 0;
    while filled < size {
        let piece = (size - filled).min(READ_PIECE);
        let view =
            Uint8Array::new_with_byte_offset_and_length(&buffer, filled as u32, piece as u32);
        let result = JsFuture::from(reader.read_with_array_buffer_view(&view))
            .await
            .ok()?;
        let value: Uint8Array = Reflect::get(&result, &JsValue::from_str("value"))
            .ok()?
            .dyn_into()
            .ok()?;
        buffer = value.buffer();
        LAYER_BUFFER.with(|b| *b.borrow_mut() = Some(buffer.clone()));
        if value.length() == 0 {
            break;
        }
        filled += u64::from(value.length());
    }
    (filled == size).then(|| Uint8Array::new_with_byte_offset_and_length(&buffer, 0, size as u32))
}

/// Starts the browser's sha256 of `bytes` (Chromium hashes within the call).
fn sha256(subtle: &SubtleCrypto, bytes: &Uint8Array) -> Option<js_sys::Promise> {
    subtle
        .digest_with_str_and_buffer_source("SHA-256", bytes)
        .ok()
}

/// The digest a `crypto.subtle.digest` promise gives, if it gives one.
async fn digest_of(promise: js_sys::Promise) -> Option<Digest> {
    let hash = JsFuture::from(promise).await.ok()?;
    let hash = <[u8; 32]>::try_from(Uint8Array::new(&hash).to_vec()).ok()?;
    Some(Digest::sha256_from_bytes(hash))
}

/// A compressed layer's tar copied out of wasm memory as it inflates, into
/// one browser buffer of the size the gzip trailer gave, to be hashed by the
/// browser. Staged in 1 MiB pieces: the tar reader reads headers 512 bytes
/// at a time. More than the trailer said and the copy stops (`finish` gives
/// nothing).
struct TarCopy {
    target: Uint8Array,
    len: u32,
    stage: Vec<u8>,
    overflow: bool,
}

impl TarCopy {
    const STAGE: usize = 1 << 20;

    /// Into the kept tar buffer; `None` when the browser cannot give a
    /// buffer that large (the tar is then hashed in wasm).
    fn new(size: u32) -> Option<TarCopy> {
        let buffer = kept_buffer(&TAR_BUFFER, u64::from(size))?;
        Some(TarCopy {
            target: Uint8Array::new_with_byte_offset_and_length(&buffer, 0, size),
            len: 0,
            stage: Vec::with_capacity(Self::STAGE),
            overflow: false,
        })
    }

    fn push(&mut self, bytes: &[u8]) {
        if self.stage.len() + bytes.len() > Self::STAGE {
            self.flush();
        }
        if bytes.len() >= Self::STAGE {
            self.put(bytes);
        } else {
            self.stage.extend_from_slice(bytes);
        }
    }

    fn flush(&mut self) {
        let stage = std::mem::take(&mut self.stage);
        self.put(&stage);
        self.stage = stage;
        self.stage.clear();
    }

    fn put(&mut self, bytes: &[u8]) {
        let end = u32::try_from(bytes.len())
            .ok()
            .and_then(|n| self.len.checked_add(n))
            .filter(|&end| end <= self.target.length());
        match end {
            Some(end) if !self.overflow => {
                self.target.subarray(self.len, end).copy_from(bytes);
                self.len = end;
            }
            _ => self.overflow = true,
        }
    }

    /// The tar's bytes, or `None` when they did not fit.
    fn finish(mut self) -> Option<Uint8Array> {
        self.flush();
        (!self.overflow).then(|| self.target.subarray(0, self.len))
    }
}

/// Posts a layer's scan, or its failure, to the stacker.
fn reply(job: &Job, outcome: Result<LayerScan, layerscope_core::Error>) {
    let scanned = ("scanned", JsValue::from_f64(job.index as f64));
    match outcome.map_err(|e| e.member(&job.member).layer(job.index)) {
        Ok(scan) => {
            let buffer = Uint8Array::from(scan_wire::to_bytes(&scan).as_slice()).buffer();
            let reply = object(&[scanned, ("bytes", buffer.clone().into())]);
            let _ = scope().post_message_with_transfer(&reply, &Array::of1(&buffer));
        }
        Err(e) => {
            let reply = object(&[
                scanned,
                ("kind", JsValue::from_str(session::error_kind_name(e.kind))),
                ("message", JsValue::from_str(&e.to_string())),
            ]);
            let _ = scope().post_message(&reply);
        }
    }
}

/// A scanner's reader that says now and then how far it got.
struct Counted<R> {
    inner: R,
    index: usize,
    read: u64,
    throttle: Throttle,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.throttle.due(js_sys::Date::now()) {
            let message = object(&[
                ("progress", JsValue::from_f64(self.index as f64)),
                ("bytes", JsValue::from_f64(self.read as f64)),
            ]);
            let _ = scope().post_message(&message);
        }
        Ok(n)
    }
}
