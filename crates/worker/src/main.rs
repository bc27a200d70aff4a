//! The Web Worker that runs layerscope's engine for the page.
//!
//! # Starting it
//!
//! ```js
//! const worker = new Worker("layerscope-worker-boot.js"); // a classic worker, same origin
//! ```
//!
//! Trunk (`<link data-trunk rel="rust" href="crates/worker/Cargo.toml"
//! data-bin="layerscope-worker" data-type="worker">` in index.html) builds
//! this binary with wasm-bindgen's `no-modules` target into
//! `layerscope-worker.js` and `layerscope-worker_bg.wasm`, unhashed, next
//! to index.html; `crates/worker/layerscope-worker-boot.js` is copied beside
//! them. That boot script is the worker's entry: it loads the other two
//! with `importScripts` and `fetch` (same origin: fine under the page's CSP,
//! `worker-src 'self'`, `script-src 'self' 'wasm-unsafe-eval'`, no inline
//! script), and queues messages that arrive while the wasm compiles, so
//! the page may post at once. Cancel = `worker.terminate()` and a new
//! worker: start-up only compiles the wasm and sets a panic hook.
//!
//! # Messages
//!
//! Page → worker: `worker.postMessage({request: JSON.stringify(<Request>), file})`,
//! where `file` (a `File`, `Blob`, `ArrayBuffer` or `Uint8Array`) goes only
//! with `Open` and `Compare`. Worker → page: `postMessage(JSON.stringify(<Response>))`, a
//! string; `JSON.parse`/`serde_json` it into `layerscope_protocol::Response`.
//!
//! - `Open` → `Progress`* (at most 20 a second) then `Opened(Summary)` or
//!   `Failed{message, kind}`. When the layers are read by several workers,
//!   `Preview(Summary)`s come first: one at once from the manifest and
//!   config (its `reading` says no layer is read yet), then more as layers
//!   are stacked (at most 4 a second); meanwhile `Tree`, `Story` and
//!   `Treemap` are answered about the layers read so far, and every other
//!   request waits for the end of the open. `message` is what the command line prints
//!   (`app.tar: layer 2 (…/layer.tar): …`); `kind` is the engine's error
//!   kind in snake case (`not_an_archive`, `truncated`, `corrupt`, …).
//!   Opening drops the image opened before.
//! - `Tree(TreeQuery)` → `Tree(TreeRows)` with the query's `id`.
//! - `Story{path}` → `Story`.
//! - `Export` → `Export{json}` (the report `layerscope inspect --json` writes).
//! - `Findings` → `Findings{findings}` (the report's `findings`, row for row).
//! - `Report(kind)` → `Report(ReportFile)`: a file to download, the bytes
//!   the command line writes (`inspect --markdown`, `ls --csv`, `ls
//!   --changes --csv`, `ci --json`, `--junit`, `--markdown`), or `Failed`
//!   (`bad_request`: a layer the image lacks, rules that are not YAML).
//! - `CheckRules{id, rules}` → `Rules(CiView)`: each rule's verdict as
//!   `layerscope ci` decides it, or the YAML error in `error`.
//! - `ExportCache{base_end, dockerfile, change}` → `ExportCache{json}` (what
//!   `layerscope cache --json` writes for the same boundary, Dockerfile, change).
//! - `Compare{name}`, with a `file` beside it like `Open` → `Progress`* then
//!   `Compared(ComparisonView)`, or `Failed` (the open image stays open);
//!   then `Tree` answers `View::Compare`, and `ExportCompare` →
//!   `ExportCompare{json}` (what `layerscope diff --json A B` writes).
//!
//! Answers come in request order. Other `Failed` kinds: `bad_request` (bad
//! JSON, a layer the image lacks, Open without a file), `no_image` (asked
//! before an image is open), `panic` (a bug; the message says where; the
//! open image stays usable), `crash` (a trap that is not a panic, probably
//! out of memory: start a new worker), `worker` (the wasm could not load).
//!
//! To read a dropped file's layers on several cores, the worker starts more
//! workers from this same script (`scanners.rs`: `{scan, member, offset,
//! size, file}` jobs); they talk only to it, end with it, and the page never
//! sees them.

#[cfg(target_arch = "wasm32")]
mod entry {
    use wasm_bindgen::prelude::*;

    /// One message from the page (the boot script hands each over).
    #[wasm_bindgen]
    pub fn handle(data: JsValue) {
        layerscope_worker::web::handle(data);
    }

    /// Whether the last trap was a panic already reported as `Failed`.
    #[wasm_bindgen]
    pub fn take_panicked() -> bool {
        layerscope_worker::web::take_panicked()
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    layerscope_worker::web::start();
}
