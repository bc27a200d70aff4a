//! The browser side of the worker, kept thin: unpack a message, read the
//! dropped `File` through `FileReaderSync` in slices, post the answers. The
//! envelope and the worker script are described in `main.rs`.
//!
//! State lives in thread-locals that are never borrowed across a call into
//! the engine: the open image is an `Rc` cloned out of its cell, the view
//! cache is taken out and put back. A panic (a trap, on wasm) therefore
//! leaves the image in place, and costs at most the cache.

use crate::session::{self, Image, Throttle};
use crate::views::Views;
use crate::window::{RandomAccess, WindowReader};
use js_sys::{ArrayBuffer, Uint8Array};
use layerscope_core::ProgressInfo;
use layerscope_protocol::{Request, Response};
use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, DedicatedWorkerGlobalScope, FileReaderSync};

thread_local! {
    pub(crate) static IMAGE: Cell<Option<Rc<Image>>> = const { Cell::new(None) };
    static VIEWS: Cell<Option<Box<Views>>> = const { Cell::new(None) };
}

/// Set by the panic hook, read (and cleared) by the worker script, which
/// posts a failure itself only for traps that were not panics (out of memory).
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Posts at most this often while an image is read.
const PROGRESS_EVERY_MS: f64 = 50.0;

/// Installs the panic hook. Cheap: the page starts a new worker to cancel.
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        PANICKED.store(true, Ordering::SeqCst);
        let message =
            format!("internal error in layerscope's worker (a bug; please report it): {info}");
        web_sys::console::error_1(&JsValue::from_str(&message));
        post(&session::failed(session::kind::PANIC, message));
    }));
}

/// Whether the last trap was a panic (already reported); clears the flag.
pub fn take_panicked() -> bool {
    PANICKED.swap(false, Ordering::SeqCst)
}

pub(crate) fn post(response: &Response) {
    post_text(&session::to_text(response));
}

/// This worker's global scope.
pub(crate) fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts a response already written as text.
pub(crate) fn post_text(text: &str) {
    if let Err(e) = scope().post_message(&JsValue::from_str(text)) {
        web_sys::console::error_2(
            &JsValue::from_str("layerscope worker: postMessage failed"),
            &e,
        );
    }
}

/// Whether an image is open.
pub(crate) fn has_image() -> bool {
    current_image().is_some()
}

fn current_image() -> Option<Rc<Image>> {
    IMAGE.with(|cell| {
        let image = cell.take();
        cell.set(image.clone());
        image
    })
}

/// Handles one message from the page: `{request: "<Request JSON>", file?}`;
/// or, in a worker started to read one layer, its job (`scanners.rs`).
pub fn handle(data: JsValue) {
    if js_sys::Reflect::has(&data, &JsValue::from_str("scan")).unwrap_or(false) {
        return crate::scanners::scan_job(&data);
    }
    let text = js_sys::Reflect::get(&data, &JsValue::from_str("request"))
        .ok()
        .and_then(|r| r.as_string())
        .or_else(|| data.as_string());
    let Some(text) = text else {
        post(&session::failed(
            session::kind::BAD_REQUEST,
            "the worker expects {request: \"<JSON>\", file} messages",
        ));
        return;
    };
    let request = match session::parse_request(&text) {
        Ok(r) => r,
        Err(failure) => return post(&failure),
    };
    match request {
        Request::Open {
            name,
            image,
            platform,
        } => {
            let file = js_sys::Reflect::get(&data, &JsValue::from_str("file")).unwrap_or_default();
            open(file, &name, image, platform);
        }
        ref other if crate::scanners::busy() => crate::scanners::during(data, other),
        Request::Compare { name } => {
            let file = js_sys::Reflect::get(&data, &JsValue::from_str("file")).unwrap_or_default();
            compare(&file, &name);
        }
        other => {
            let image = current_image();
            let mut views = VIEWS.with(Cell::take).unwrap_or_default();
            let response = session::answer(image.as_deref(), &mut views, &other);
            VIEWS.with(|cell| cell.set(Some(views)));
            post(&response);
        }
    }
}

fn open(file: JsValue, name: &str, image: Option<String>, platform: Option<String>) {
    // Let the old image go before the new one is read.
    crate::scanners::abort();
    IMAGE.with(|cell| cell.set(None));
    VIEWS.with(|cell| cell.set(None));
    let options = layerscope_core::Options { image, platform };
    if let Some(blob) = file.dyn_ref::<Blob>() {
        if crate::scanners::start(blob, name, &options) {
            return;
        }
    }
    read_here(&file, name, options);
}

/// The bytes of a `File`, `Blob` or buffer posted beside a request.
fn access(file: &JsValue, name: &str) -> Result<Box<dyn RandomAccess>, Response> {
    if let Some(blob) = file.dyn_ref::<Blob>() {
        match FileReaderSync::new() {
            Ok(reader) => Ok(Box::new(BlobAccess {
                blob: blob.clone(),
                reader,
            })),
            Err(e) => Err(session::failed(
                "io",
                format!("{name}: cannot read files here: {}", js_text(&e)),
            )),
        }
    } else if let Some(buffer) = file.dyn_ref::<ArrayBuffer>() {
        Ok(Box::new(BytesAccess(Uint8Array::new(buffer))))
    } else if let Some(bytes) = file.dyn_ref::<Uint8Array>() {
        Ok(Box::new(BytesAccess(bytes.clone())))
    } else {
        Err(session::failed(
            session::kind::BAD_REQUEST,
            format!("{name}: the request came without a File, Blob or ArrayBuffer beside it"),
        ))
    }
}

/// Posts progress at most every `PROGRESS_EVERY_MS`.
fn progress_sink() -> impl FnMut(&ProgressInfo) -> bool {
    let mut throttle = Throttle::new(PROGRESS_EVERY_MS);
    move |info: &ProgressInfo| {
        if throttle.due(js_sys::Date::now()) {
            post(&session::progress(info));
        }
        true
    }
}

/// Reads another image in this worker and compares the open one with it.
fn compare(file: &JsValue, name: &str) {
    let Some(image) = current_image() else {
        return post(&session::failed(
            session::kind::NO_IMAGE,
            "no image is open: open one first",
        ));
    };
    let access = match access(file, name) {
        Ok(a) => a,
        Err(failure) => return post(&failure),
    };
    let mut views = VIEWS.with(Cell::take).unwrap_or_default();
    let mut sink = progress_sink();
    let response = crate::compare::compare_with(
        &image,
        &mut views,
        WindowReader::new(access),
        name,
        &mut sink,
    );
    VIEWS.with(|cell| cell.set(Some(views)));
    post(&response);
}

/// Reads the whole image in this worker (what cannot be split among
/// scanners, or when they cannot start) and posts the answer.
pub(crate) fn read_here(file: &JsValue, name: &str, options: layerscope_core::Options) {
    let access = match access(file, name) {
        Ok(a) => a,
        Err(failure) => return post(&failure),
    };
    let mut sink = progress_sink();
    let layerscope_core::Options { image, platform } = options;
    match session::open(WindowReader::new(access), name, image, platform, &mut sink) {
        Ok(image) => {
            let response = session::opened(&image);
            IMAGE.with(|cell| cell.set(Some(Rc::new(image))));
            post(&response);
        }
        Err(failure) => post(&failure),
    }
}

fn js_text(value: &JsValue) -> String {
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

impl<A: RandomAccess + ?Sized> RandomAccess for Box<A> {
    fn size(&self) -> u64 {
        (**self).size()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }
}

/// A `Blob` (a dropped `File`) read one slice at a time.
pub struct BlobAccess {
    pub blob: Blob,
    pub reader: FileReaderSync,
}

impl BlobAccess {
    /// Fails outside a worker: `FileReaderSync` exists only there.
    pub fn new(blob: Blob) -> Result<BlobAccess, JsValue> {
        Ok(BlobAccess {
            blob,
            reader: FileReaderSync::new()?,
        })
    }
}

impl RandomAccess for BlobAccess {
    fn size(&self) -> u64 {
        self.blob.size() as u64
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let end = offset.saturating_add(buf.len() as u64).min(self.size());
        if offset >= end {
            return Ok(0);
        }
        let slice = self
            .blob
            .slice_with_f64_and_f64(offset as f64, end as f64)
            .map_err(|e| io::Error::new(io::ErrorKind::PermissionDenied, js_text(&e)))?;
        let bytes = self.reader.read_as_array_buffer(&slice).map_err(|e| {
            // Not `Other`, which the engine reads as corrupt data: the
            // bytes are fine, the browser cannot hand them over (the
            // file changed on disk, or permission went).
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("the browser cannot read the file: {}", js_text(&e)),
            )
        })?;
        let bytes = Uint8Array::new(&bytes);
        let n = (bytes.length() as usize).min(buf.len());
        bytes.subarray(0, n as u32).copy_to(&mut buf[..n]);
        Ok(n)
    }
}

/// Bytes the page already holds (a fetched sample).
pub struct BytesAccess(pub Uint8Array);

impl RandomAccess for BytesAccess {
    fn size(&self) -> u64 {
        self.0.length() as u64
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let end = offset.saturating_add(buf.len() as u64).min(self.size());
        if offset >= end {
            return Ok(0);
        }
        let n = (end - offset) as usize;
        self.0
            .subarray(offset as u32, end as u32)
            .copy_to(&mut buf[..n]);
        Ok(n)
    }
}
