// layerscope's Web Worker starts here (a classic worker script: the page
// runs `new Worker("layerscope-worker-boot.js")`). It loads the wasm-bindgen
// glue and the engine's wasm that Trunk put beside it, and hands every
// message to Rust. Messages that arrive while the wasm still compiles are
// queued and handed over in order, so the page may post at once. The
// contract is in crates/worker/src/main.rs.
"use strict";

const queue = [];
let state = "loading"; // "ready", "broken"
let startError = "";

function fail(kind, message) {
  self.postMessage(JSON.stringify({ type: "failed", message, kind }));
}

function deliver(data) {
  if (state === "broken") {
    fail("worker", startError);
    return;
  }
  try {
    wasm_bindgen.handle(data);
  } catch (err) {
    // A panic was reported by Rust's panic hook; anything else (out of
    // memory traps without a panic) is reported here.
    let panicked = false;
    try {
      panicked = wasm_bindgen.take_panicked();
    } catch (_) {
      // The instance is beyond use; say so below.
    }
    if (!panicked) {
      fail("crash", `layerscope's worker crashed (${err}); it may have run out of memory. Reload the page or open the image again.`);
    }
  }
}

self.onmessage = (event) => {
  if (state === "loading") {
    queue.push(event.data);
  } else {
    deliver(event.data);
  }
};

function broken(err) {
  state = "broken";
  startError = `layerscope's worker could not start: ${err}`;
  console.error(startError);
  fail("worker", startError);
  for (const _ of queue.splice(0)) fail("worker", startError);
}

try {
  importScripts("./layerscope-worker.js");
  wasm_bindgen({ module_or_path: "./layerscope-worker_bg.wasm" }).then(
    () => {
      state = "ready";
      for (const data of queue.splice(0)) deliver(data);
    },
    broken,
  );
} catch (err) {
  broken(err);
}
