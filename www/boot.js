// Starts the wasm app. Trunk would inline this as a <script> in index.html,
// which the page's Content-Security-Policy (no inline script) forbids, so
// Trunk.toml's pattern_script emits an external <script> pointing here and
// hands over the hashed file names in data attributes.
const tag = document.querySelector("script[data-layerscope-js]");

try {
  const bindings = await import(tag.dataset.layerscopeJs);
  const wasm = await bindings.default({ module_or_path: tag.dataset.layerscopeWasm });
  dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
  // Offline use and updates (www/offline.js); the app never waits for it.
  import("./offline.js").then((m) => m.start()).catch((err) => console.warn("layerscope: offline.js:", err));
} catch (err) {
  // A dead page says nothing; say what happened instead.
  console.error("layerscope failed to start:", err);
  const p = document.createElement("p");
  p.className = "boot-error";
  p.setAttribute("role", "alert");
  p.textContent = `layerscope could not start: ${err}`;
  document.body.append(p);
}
