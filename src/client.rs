//! The client side of the analysis worker (crates/worker). The page never
//! analyses anything itself: it posts `{request: "<Request JSON>", file}` and
//! the worker answers with `"<Response JSON>"` strings.
//!
//! Every open gets a worker no other open has used: the old one is
//! terminated at once, whatever it was doing, and each worker's answers are
//! tagged with its generation so the reducer drops anything a replaced worker
//! still had in flight. A cancel terminates the worker and leaves a fresh one
//! waiting, which the next open takes (killing it while it still loads would
//! only make the browser log a failed script load). The page starts one
//! such worker as it loads ([`Client::warm_up`]), so the first open finds
//! it booted (its script and wasm loaded: about 0.2 s here) instead of
//! waiting for it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use layerscope_protocol::{Request, Response};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, ErrorEvent, Event, File, MessageEvent, Worker};
use yew::prelude::*;

use crate::browser::{self, js_error, now_ms};
use crate::state::{Action, Sample, State};

/// The worker's entry script, beside index.html: crates/worker's boot
/// script, which loads the wasm-bindgen glue and the wasm Trunk builds
/// (unhashed: a worker is named at runtime) and queues messages meanwhile.
pub const WORKER_SCRIPT: &str = "./layerscope-worker-boot.js";

/// What to open the same archive again with.
#[derive(Debug, Clone, PartialEq)]
pub enum Reopen {
    Platform(String),
    Image(String),
}

/// One running worker and the callbacks that keep it talking to the page.
struct Running {
    worker: Worker,
    gen: u64,
    /// Whether an open claimed it; an unclaimed one (the fresh worker a
    /// cancel leaves, or the page's first) serves the next open instead of
    /// being killed mid-start.
    claimed: Cell<bool>,
    /// Whether it failed to load or stopped: an unclaimed one that died is
    /// replaced when claimed (its death was reported to no open).
    dead: Rc<Cell<bool>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.set_onmessageerror(None);
        self.worker.terminate();
    }
}

/// What was opened last, to open again with another image or platform.
#[derive(Clone)]
struct Input {
    blob: Blob,
    name: String,
    sample: Option<String>,
    /// The image asked for in a multi-image archive (`None`: the engine's choice).
    image: Option<String>,
}

/// Owns the worker; lives as long as the page (`use_memo` in the app).
pub struct Client {
    dispatch: UseReducerDispatcher<State>,
    running: RefCell<Option<Running>>,
    gen: Cell<u64>,
    last: RefCell<Option<Input>>,
}

impl PartialEq for Client {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Client {
    pub fn new(dispatch: UseReducerDispatcher<State>) -> Self {
        Client {
            dispatch,
            running: RefCell::new(None),
            gen: Cell::new(0),
            last: RefCell::new(None),
        }
    }

    /// Terminates the current worker (if any) and starts the next generation;
    /// a worker no open has claimed yet is kept as it is. `claim`: an open
    /// takes it (a cancel leaves it waiting).
    fn fresh_worker(&self, claim: bool) -> u64 {
        if let Some(running) = self.running.borrow().as_ref() {
            if !running.claimed.get() && !running.dead.get() {
                running.claimed.set(claim);
                return running.gen;
            }
        }
        let gen = self.gen.get() + 1;
        self.gen.set(gen);
        self.running.replace(None);
        match spawn(gen, self.dispatch.clone()) {
            Ok(running) => {
                running.claimed.set(claim);
                self.running.replace(Some(running));
            }
            Err(message) => self.dispatch.dispatch(Action::WorkerDied { gen, message }),
        }
        gen
    }

    /// Starts a worker for the first open to take, if there is none.
    pub fn warm_up(&self) {
        if self.running.borrow().is_none() {
            self.fresh_worker(false);
        }
    }

    /// Analyses a dropped or picked file (or a downloaded sample).
    pub fn open(
        &self,
        blob: Blob,
        name: String,
        sample: Option<String>,
        platform: Option<String>,
        started_ms: f64,
    ) {
        let gen = self.fresh_worker(true);
        self.start(
            gen,
            Input {
                blob,
                name,
                sample,
                image: None,
            },
            platform,
            started_ms,
            false,
        );
    }

    fn start(
        &self,
        gen: u64,
        input: Input,
        platform: Option<String>,
        started_ms: f64,
        keep_place: bool,
    ) {
        self.dispatch.dispatch(Action::Open {
            gen,
            name: input.name.clone(),
            sample: input.sample.clone(),
            platform: platform.clone(),
            started_ms,
            keep_place,
        });
        set_export_name(&input.name);
        let request = Request::Open {
            name: input.name.clone(),
            image: input.image.clone(),
            platform,
        };
        self.post(&request, Some(&input.blob));
        self.last.replace(Some(input));
    }

    /// The same archive again: another platform of the image, or another
    /// image of a multi-image archive (`image`: a tag or a 0-based index).
    pub fn reopen(&self, choice: Reopen) {
        let Some(mut input) = self.last.borrow().clone() else {
            return;
        };
        let platform = match choice {
            Reopen::Platform(p) => Some(p),
            Reopen::Image(image) => {
                input.image = Some(image);
                None
            }
        };
        let gen = self.fresh_worker(true);
        self.start(gen, input, platform, now_ms(), true);
    }

    /// Downloads `samples/…` from this origin, then opens it, unless something
    /// else was opened (or cancelled) meanwhile.
    pub fn open_sample(self: std::rc::Rc<Self>, sample: Sample, platform: Option<String>) {
        self.open_sample_then(sample, platform, None);
    }

    /// Opens sample `a`, then compares it with sample `b` (the worker takes
    /// the comparison once `a` is open: it answers in order).
    pub fn open_sample_pair(self: std::rc::Rc<Self>, a: Sample, b: Sample) {
        self.open_sample_then(a, None, Some(b));
    }

    fn open_sample_then(
        self: std::rc::Rc<Self>,
        sample: Sample,
        platform: Option<String>,
        then: Option<Sample>,
    ) {
        let started_ms = now_ms();
        let gen = self.fresh_worker(true);
        self.dispatch.dispatch(Action::FetchingSample {
            gen,
            name: sample.name.clone(),
            started_ms,
        });
        wasm_bindgen_futures::spawn_local(async move {
            let result = browser::fetch_blob(&sample.file).await;
            if self.gen.get() != gen {
                return;
            }
            match result {
                Ok(blob) => {
                    let name = sample_file_name(&sample);
                    self.start(
                        gen,
                        Input {
                            blob,
                            name,
                            sample: Some(sample.name),
                            image: None,
                        },
                        platform,
                        started_ms,
                        false,
                    );
                    if let Some(b) = then {
                        let fetched = browser::fetch_blob(&b.file).await;
                        if self.gen.get() != gen {
                            return;
                        }
                        match fetched {
                            Ok(blob) => self.compare_blob(sample_file_name(&b), &blob),
                            Err(message) => {
                                self.dispatch
                                    .dispatch(Action::CompareStarted(b.name.clone()));
                                self.dispatch.dispatch(Action::Response {
                                    gen,
                                    now_ms: now_ms(),
                                    response: Response::Failed {
                                        message: format!("{}: {message}", b.name),
                                        kind: "fetch".into(),
                                    },
                                });
                            }
                        }
                    }
                }
                Err(message) => self.dispatch.dispatch(Action::OpenFailed {
                    gen,
                    name: sample.name,
                    message,
                }),
            }
        });
    }

    /// Compares the open image with `file`, read by the same worker.
    pub fn compare_with(&self, file: &File) {
        self.compare_blob(file.name(), file.as_ref());
    }

    fn compare_blob(&self, name: String, blob: &Blob) {
        self.dispatch.dispatch(Action::CompareStarted(name.clone()));
        set_compare_name(&name);
        self.post(&Request::Compare { name }, Some(blob));
    }

    /// Stops the analysis at once: the worker is terminated, a fresh one waits.
    pub fn cancel(&self) {
        let gen = self.fresh_worker(false);
        self.last.replace(None);
        self.dispatch.dispatch(Action::Cancel { gen });
    }

    /// A request to the current worker (tree windows, stories, export).
    pub fn send(&self, request: &Request) {
        self.post(request, None);
    }

    fn post(&self, request: &Request, blob: Option<&Blob>) {
        let gen = self.gen.get();
        let result = (|| {
            let running = self.running.borrow();
            let running = running
                .as_ref()
                .ok_or("the analysis worker is not running")?;
            let text = serde_json::to_string(request).map_err(|e| e.to_string())?;
            let message = js_sys::Object::new();
            js_sys::Reflect::set(&message, &"request".into(), &JsValue::from_str(&text))
                .map_err(js_error)?;
            if let Some(blob) = blob {
                js_sys::Reflect::set(&message, &"file".into(), blob).map_err(js_error)?;
            }
            running.worker.post_message(&message).map_err(js_error)
        })();
        if let Err(message) = result {
            self.dispatch.dispatch(Action::WorkerDied { gen, message });
        }
    }
}

fn spawn(gen: u64, dispatch: UseReducerDispatcher<State>) -> Result<Running, String> {
    let worker = Worker::new(WORKER_SCRIPT)
        .map_err(|e| format!("the analysis worker could not start: {}", js_error(e)))?;
    let on_message = {
        let dispatch = dispatch.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let parsed = event
                .data()
                .as_string()
                .ok_or_else(|| "the worker sent something that is not text".to_string())
                .and_then(|text| {
                    serde_json::from_str::<Response>(&text)
                        .map_err(|e| format!("unreadable answer from the worker: {e}"))
                });
            match parsed {
                Ok(response) => {
                    let download = match &response {
                        Response::Export { json } => Some((json, export_file_name(""))),
                        Response::ExportCache { json } => Some((json, export_file_name("-cache"))),
                        Response::ExportCompare { json } => Some((json, compare_file_name())),
                        _ => None,
                    };
                    if let Some((json, name)) = download {
                        if let Err(e) = browser::download(json, &name, "application/json") {
                            web_sys::console::error_1(&format!("export: {e}").into());
                        }
                    }
                    dispatch.dispatch(Action::Response {
                        gen,
                        now_ms: now_ms(),
                        response,
                    });
                }
                Err(message) => dispatch.dispatch(Action::WorkerDied { gen, message }),
            }
        })
    };
    let dead = Rc::new(Cell::new(false));
    let on_error = Closure::<dyn FnMut(Event)>::new({
        let dead = dead.clone();
        move |event: Event| {
            event.prevent_default();
            dead.set(true);
            let message = match event.dyn_ref::<ErrorEvent>() {
                Some(e) if !e.message().is_empty() => {
                    format!("the analysis worker stopped: {}", e.message())
                }
                _ => format!("the analysis worker could not be loaded ({WORKER_SCRIPT})"),
            };
            dispatch.dispatch(Action::WorkerDied { gen, message });
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    worker.set_onmessageerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Running {
        worker,
        gen,
        claimed: Cell::new(false),
        dead,
        _on_message: on_message,
        _on_error: on_error,
    })
}

thread_local! {
    /// The open image's name without its archive suffixes, for the exports'
    /// file names (the message handler has no `Client`).
    static EXPORT_STEM: RefCell<String> = const { RefCell::new(String::new()) };
}

/// `app.layerscope.json` for the report, `app.layerscope-cache.json` for
/// the cache simulation (`kind` "-cache").
fn export_file_name(kind: &str) -> String {
    EXPORT_STEM.with(|n| format!("{}.layerscope{kind}.json", n.borrow()))
}

/// A sample's file name (`samples/demo.docker.tar` → `demo.docker.tar`).
fn sample_file_name(sample: &Sample) -> String {
    sample
        .file
        .rsplit('/')
        .next()
        .unwrap_or(&sample.name)
        .to_string()
}

thread_local! {
    /// The stem of the file compared with the open image.
    static COMPARE_STEM: RefCell<String> = const { RefCell::new(String::new()) };
}

/// `app.layerscope-diff-other.json`.
fn compare_file_name() -> String {
    let other = COMPARE_STEM.with(|n| n.borrow().clone());
    export_file_name(&format!("-diff-{other}"))
}

fn set_compare_name(image: &str) {
    COMPARE_STEM.with(|n| *n.borrow_mut() = layerscope_protocol::file_stem(image));
}

/// `app.tar.gz` → `app`: an image's name without its archive suffixes.
fn set_export_name(image: &str) {
    EXPORT_STEM.with(|n| *n.borrow_mut() = layerscope_protocol::file_stem(image));
}
