// Shared harness for the browser end-to-end tests (tests/e2e/*.test.mjs):
// a static server for Trunk's dist/ on 127.0.0.1, headless Debian Chromium
// through playwright-core, a page that records every request (and refuses
// any that is not for 127.0.0.1), the page's contract (data-testid names,
// analysis states), the release CLI to compare with, and screenshots on
// failure. Not a test file itself (node --test runs only *.test.mjs).
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "../..");
export const dist = path.resolve(root, process.env.LAYERSCOPE_DIST ?? "dist");
export const artifacts = path.join(here, "artifacts");
export const corpus = path.resolve(root, "../shared/corpus");
export const samplesDir = path.join(root, "www/samples");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** A corpus archive by its path under ../shared/corpus (read-only, never copied). */
export function corpusFile(rel) {
  const file = path.join(corpus, rel);
  assert.ok(fs.existsSync(file), `corpus file missing: ${file} (../shared/corpus must be there)`);
  return file;
}

/**
 * Runs python `code` with `inner`, the tarfile of layer `member` of archive
 * `archive` (gunzipped when it is gzip), and `sys.argv[3:]` = `args`; its stdout.
 */
function inLayer(archive, member, code, args = []) {
  const r = spawnSync(
    "python3",
    [
      "-c",
      `import sys, tarfile, gzip, io
outer = tarfile.open(sys.argv[1])
data = outer.extractfile(sys.argv[2]).read()
if data[:2] == b"\\x1f\\x8b": data = gzip.decompress(data)
inner = tarfile.open(fileobj=io.BytesIO(data))
${code}`,
      archive,
      member,
      ...args,
    ],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** A layer's own tar members (names as stored): `member` of `archive`. */
export const layerMembers = (archive, member) =>
  inLayer(archive, member, "for m in inner: print(m.name)").split("\n").filter(Boolean);

/** The content of file `name` (as stored, no leading slash) in a layer's own tar. */
export const layerFile = (archive, member, name) =>
  inLayer(archive, member, 'm = next(m for m in inner if m.name.lstrip("./") == sys.argv[3])\nsys.stdout.buffer.write(inner.extractfile(m).read())', [name]);

/** 127.0.0.1 under a name the browser does not trust as it trusts localhost. */
export const insecureHost = "layerscope.test";

// The flags TOOLCHAIN.md lists: root needs --no-sandbox, and without the
// background-networking ones Chromium keeps dialling Google on a closed network.
export const launchArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // A second name for 127.0.0.1 that is not "localhost": a page served from
  // it over http is not a secure context (no crypto.subtle), as on a LAN.
  `--host-resolver-rules=MAP ${insecureHost} 127.0.0.1`,
];

const mimeTypes = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm", // instantiateStreaming refuses anything else
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".tar": "application/x-tar",
  ".gz": "application/gzip",
  ".zst": "application/zstd",
};

/**
 * A static file server for dist/, on 127.0.0.1 and a port the OS picks.
 * `refuse(pathname)`: answer 404 where it returns true (a test's broken server).
 */
export function serveDist(dir = dist, { refuse = () => false, prefix = "/" } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    // Served under a sub-path, as a docs site would: nothing outside it exists.
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    url.pathname = "/" + url.pathname.slice(prefix.length);
    if (refuse(url.pathname)) {
      res.writeHead(404, { "content-type": "text/plain", "cache-control": "no-store" }).end("not found");
      return;
    }
    let rel;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.resolve(dir, "." + rel);
    if (!file.startsWith(dir + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      const type = mimeTypes[path.extname(file)] ?? "application/octet-stream";
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

export function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath, args: launchArgs });
}

/**
 * Registers before/after hooks for a test file: the server and one browser.
 * The returned object's fields are filled in by `before`.
 */
export function harness() {
  const h = { baseUrl: null, browser: null, server: null };
  before(async () => {
    assert.ok(
      fs.existsSync(path.join(dist, "index.html")),
      `${dist}/index.html is missing: run \`trunk build --release\` first (scripts/test does)`,
    );
    h.server = await serveDist();
    h.baseUrl = `http://127.0.0.1:${h.server.address().port}/`;
    h.browser = await launchBrowser();
  });
  after(async () => {
    await h.browser?.close();
    await new Promise((resolve) => (h.server ? h.server.close(resolve) : resolve()));
  });
  return h;
}

/**
 * An archive written by a generator script here (`big-archive.py`,
 * `deleted-later.py`) with `args`, in a directory removed after test `t`.
 */
export function generatedArchive(t, script, args = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layerscope-e2e-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, script.replace(/\.py$/, ".tar"));
  const gen = spawnSync("python3", [path.join(here, script), file, ...args], { encoding: "utf8" });
  assert.equal(gen.status, 0, `${script}: ${gen.stderr}`);
  return file;
}

/**
 * The folder a fixture script of tests/fixtures (real tools: umoci, skopeo)
 * writes, removed after test `t`.
 */
export function fixtureImage(t, script) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layerscope-e2e-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, "image");
  const gen = spawnSync("bash", [path.join(root, "tests/fixtures", script), out], { encoding: "utf8" });
  assert.equal(gen.status, 0, `${script}: ${gen.stderr}`);
  return out;
}

/**
 * The members of a tar archive, a Buffer or a file (read a header at a
 * time, for large files): name, type flag, where the data starts, size.
 */
export function tarMembers(source) {
  const fd = typeof source === "string" ? fs.openSync(source, "r") : null;
  const header = Buffer.alloc(512);
  const readHeader = (at) =>
    fd !== null ? fs.readSync(fd, header, 0, 512, at) === 512 : at + 512 <= source.length && source.copy(header, 0, at, at + 512) === 512;
  const field = (from, len) => header.subarray(from, from + len).toString("latin1").replace(/\0.*$/s, "");
  const members = [];
  try {
    for (let at = 0; readHeader(at); ) {
      const name = field(0, 100);
      if (!name) break;
      const size = parseInt(field(124, 12).trim() || "0", 8);
      members.push({ name, type: field(156, 1), offset: at + 512, size });
      at += 512 + Math.ceil(size / 512) * 512;
    }
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
  return members;
}

/** True for a URL that stays on this machine's 127.0.0.1 (by address or as `insecureHost`), or never leaves the page. */
export function isLocal(href) {
  const u = new URL(href);
  return u.protocol === "data:" || u.protocol === "blob:" || u.hostname === "127.0.0.1" || u.hostname === insecureHost;
}

// Runs in the page before the app: reports every CSP violation, and logs
// what the page copies (navigator.clipboard.writeText, or a copy event).
function instrument() {
  // Every CSP violation, reported to the test (assertClean fails on any).
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__lsCspViolation?.(`${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"} at ${e.sourceFile}:${e.lineNumber}`);
  });
  window.__lsClipboard = [];
  const clip = navigator.clipboard;
  if (clip?.writeText) {
    const write = clip.writeText.bind(clip);
    clip.writeText = (text) => {
      window.__lsClipboard.push(String(text));
      return write(text);
    };
  }
  document.addEventListener("copy", (e) => {
    const data = e.clipboardData?.getData("text/plain") || String(document.getSelection() ?? "");
    if (data) window.__lsClipboard.push(data);
  });
}

/**
 * An init script (runs in the page before the app): logs every value
 * `analysis-status`'s data-state takes, so a test can wait for the state
 * *after* its own action (a second file's `done`, not the first file's,
 * still shown): what stateMark and waitTerminal read. The benches add it too.
 */
export function recordStates() {
  window.__lsStates = [];
  let last = null;
  const look = () => {
    const el = document.querySelector('[data-testid="analysis-status"]');
    const state = el ? el.getAttribute("data-state") : null;
    if (state !== last) {
      last = state;
      window.__lsStates.push(state);
    }
  };
  new MutationObserver(look).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["data-state", "data-testid"],
  });
}

export const TERMINAL = ["done", "error", "cancelled"];

/** `[data-testid=...]` */
export const tid = (id) => `[data-testid="${id}"]`;

/**
 * Opens a fresh page that records every request, console error and page
 * error, and refuses (and records) any request that is not for 127.0.0.1.
 * On failure it saves screenshots (the whole page and each main view).
 */
export async function openPage(
  t,
  h,
  { viewport = { width: 1280, height: 800 }, colorScheme = "light", serviceWorkers = "block" } = {},
) {
  // The service worker (offline use) is blocked unless a test is about it:
  // it would answer requests from its cache, out of the routes' sight.
  const context = await h.browser.newContext({ viewport, colorScheme, acceptDownloads: true, serviceWorkers });
  const requests = [];
  const foreign = [];
  const consoleErrors = [];
  const pageErrors = [];
  context.on("request", (req) => {
    requests.push(req.url());
    if (!isLocal(req.url())) foreign.push(req.url());
  });
  await context.route("**/*", (route) => {
    const href = route.request().url();
    if (isLocal(href)) return route.continue();
    if (!foreign.includes(href)) foreign.push(href);
    return route.abort("blockedbyclient");
  });
  const cspViolations = [];
  await context.exposeBinding("__lsCspViolation", (_source, what) => cspViolations.push(what));
  await context.addInitScript(instrument);
  await context.addInitScript(recordStates);
  const page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  page.on("worker", (worker) => {
    worker.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(`worker: ${msg.text()}`);
    });
  });

  t.after(async () => {
    if (!t.passed) await screenshots(page, t.name);
    await context.close();
  });

  return {
    page,
    context,
    requests,
    foreign,
    consoleErrors,
    pageErrors,
    cspViolations,
    /** Every request so far went to 127.0.0.1, the page threw nothing and broke no CSP rule. */
    assertClean({ allowConsole = [] } = {}) {
      assert.deepEqual(foreign, [], "requests to hosts other than 127.0.0.1");
      for (const url of requests) assert.ok(isLocal(url), `request beyond 127.0.0.1: ${url}`);
      assert.deepEqual(pageErrors, [], "uncaught errors in the page");
      assert.deepEqual(cspViolations, [], "Content-Security-Policy violations");
      const errs = consoleErrors.filter(
        (m) => !/favicon\.ico/.test(m) && !allowConsole.some((re) => re.test(m)),
      );
      assert.deepEqual(errs, [], "console errors");
    },
  };
}

async function screenshots(page, testName) {
  try {
    fs.mkdirSync(artifacts, { recursive: true });
    const name = testName.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").toLowerCase().slice(0, 80);
    const file = path.join(artifacts, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: 10_000 });
    console.error(`screenshot saved: ${path.relative(root, file)}`);
    for (const view of ["layer-stack", "history-table", "file-tree", "path-story", "waste-panel", "build-panel", "container-panel", "tour"]) {
      const el = page.locator(tid(view)).first();
      if ((await el.count()) && (await el.isVisible())) {
        await el.screenshot({ path: path.join(artifacts, `${name}--${view}.png`), timeout: 5_000 });
      }
    }
  } catch (err) {
    console.error(`could not save a screenshot: ${err}`);
  }
}

/** Loads the page and waits until the app is up (the drop zone shows). */
export async function gotoApp(page, h) {
  const response = await page.goto(h.baseUrl, { waitUntil: "load" });
  assert.equal(response.status(), 200);
  const zone = page.locator(tid("drop-zone"));
  const bootError = page.locator(".boot-error");
  await zone.or(bootError).first().waitFor({ state: "visible", timeout: 30_000 });
  assert.equal(await bootError.count(), 0, `the app did not start: ${await bootError.allTextContents()}`);
}

/** How many analysis states the page has shown so far (a mark to wait after). */
export function stateMark(page) {
  return page.evaluate(() => window.__lsStates.length);
}

/**
 * Waits for the first terminal state (done, error, cancelled) shown after
 * `mark`, and returns it. Never a fixed sleep: it waits on the page's own
 * state, up to `timeout`.
 */
export async function waitTerminal(page, mark, { timeout = 60_000 } = {}) {
  const handle = await page.waitForFunction(
    ([mark, terminal]) => {
      const seen = window.__lsStates.slice(mark);
      return seen.find((s) => terminal.includes(s)) ?? false;
    },
    [mark, TERMINAL],
    { timeout, polling: "raf" },
  );
  return handle.jsonValue();
}

/** Waits until the page shows `state` after `mark` (e.g. running). */
export async function waitState(page, mark, state, { timeout = 30_000 } = {}) {
  await page.waitForFunction(
    ([mark, state]) => window.__lsStates.slice(mark).includes(state),
    [mark, state],
    { timeout, polling: "raf" },
  );
}

/** Drops a file through the real `<input type=file>`, waits for the end; returns the state. */
export async function openFile(page, file, { timeout = 60_000 } = {}) {
  const mark = await stateMark(page);
  await page.locator(tid("file-input")).setInputFiles(file);
  return waitTerminal(page, mark, { timeout });
}

/** Like openFile, but asserts the analysis is `done` (with the error shown if not). */
export async function openDone(page, file, opts) {
  const state = await openFile(page, file, opts);
  if (state !== "done") {
    const msg = await page.locator(tid("error-message")).allTextContents();
    assert.fail(`${path.basename(file)}: analysis ended '${state}', not 'done': ${msg.join(" ")}`);
  }
}

/**
 * A real drag and drop: a File with these bytes in a DataTransfer, and the
 * dragenter / dragover / drop events a browser fires, dispatched on the
 * drop zone.
 */
export async function dropFile(page, file, { timeout = 60_000 } = {}) {
  const bytes = fs.readFileSync(file).toString("base64");
  const dataTransfer = await page.evaluateHandle(
    ([b64, name]) => {
      const bin = atob(b64);
      const buf = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([buf], name, { type: "application/x-tar" }));
      return dt;
    },
    [bytes, path.basename(file)],
  );
  const mark = await stateMark(page);
  const zone = page.locator(tid("drop-zone"));
  await zone.dispatchEvent("dragenter", { dataTransfer });
  await zone.dispatchEvent("dragover", { dataTransfer });
  await zone.dispatchEvent("drop", { dataTransfer });
  return waitTerminal(page, mark, { timeout });
}

/**
 * Clicks export-json (or another download button) and returns the
 * downloaded document (parsed), its file name and its text.
 */
export async function exportJson(page, button = "export-json") {
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 30_000 }),
    page.locator(tid(button)).click(),
  ]);
  const failure = await download.failure();
  assert.equal(failure, null, `the export download failed: ${failure}`);
  const text = fs.readFileSync(await download.path(), "utf8");
  return { doc: JSON.parse(text), name: download.suggestedFilename(), text };
}

// ---- the CLI -------------------------------------------------------------------

let cliPath = process.env.LAYERSCOPE_BIN ?? null;

/**
 * target/release/layerscope, built (or brought up to date) once per test
 * process with `cargo build --release -p layerscope`: the page must be
 * compared with the engine as it is now, not a stale binary.
 */
export function cli() {
  if (cliPath) return cliPath;
  const r = spawnSync("cargo", ["build", "--release", "-q", "-p", "layerscope"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "inherit", "pipe"],
  });
  assert.equal(r.status, 0, `cargo build --release -p layerscope failed:\n${r.stderr}`);
  cliPath = path.join(root, "target/release/layerscope");
  return cliPath;
}

/**
 * Runs the CLI on `file` from the file's own directory, naming it by its
 * base name: the page knows a dropped file only by that name, so messages
 * that name the file read the same from both.
 */
export function runCli(args, file, opts) {
  return runCliIn(path.dirname(path.resolve(file)), [...args, path.basename(file)], opts);
}

/** The CLI with `args`, run in folder `dir`. */
export function runCliIn(dir, args, { maxBuffer = 1 << 30 } = {}) {
  const r = spawnSync(cli(), args, { cwd: dir, encoding: "utf8", maxBuffer });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const reportCache = new Map();
/** `layerscope inspect --json [extra] FILE`, parsed (cached per file and args). */
export function cliReport(file, extra = []) {
  const key = JSON.stringify([path.resolve(file), extra]);
  if (!reportCache.has(key)) {
    const r = runCli(["inspect", "--json", ...extra], file);
    assert.equal(r.status, 0, `layerscope inspect --json ${extra.join(" ")} ${file}: exit ${r.status}\n${r.stderr}`);
    reportCache.set(key, JSON.parse(r.stdout));
  }
  return reportCache.get(key);
}

/**
 * `layerscope ls [--layer N] FILE` as rows {path, type, size, mode, uid, gid, link}.
 * Paths with escaped characters are kept as printed.
 */
export function cliLs(file, extra = []) {
  const r = runCli(["ls", ...extra], file);
  assert.equal(r.status, 0, `layerscope ls ${extra.join(" ")} ${file}: exit ${r.status}\n${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [p, type, size, mode, uid, gid, link] = line.split("\t");
      return { path: p, type, size: Number(size), mode, uid: Number(uid), gid: Number(gid), link };
    });
}

// ---- reading figures as the page shows them -------------------------------------

const UNITS = {
  b: [1],
  byte: [1],
  bytes: [1],
  kb: [1e3, 1024], // "KB" is used both ways: accept either
  mb: [1e6, 1024 ** 2],
  gb: [1e9, 1024 ** 3],
  kib: [1024],
  mib: [1024 ** 2],
  gib: [1024 ** 3],
};

/** Every size figure in a text ("6.4 kB", "1,523,200 B", "1.2 MiB") as {value, decimals, units}. */
export function sizesIn(text) {
  const out = [];
  const re = /(\d[\d,\u202f\u00a0 ]*(?:\.(\d+))?)\s*(bytes|byte|B|kB|KB|KiB|MB|MiB|GB|GiB)(?![A-Za-z])/g;
  for (const m of text.matchAll(re)) {
    const value = Number(m[1].replace(/[,\u202f\u00a0 ]/g, ""));
    out.push({ value, decimals: m[2]?.length ?? 0, units: UNITS[m[3].toLowerCase()], raw: m[0] });
  }
  return out;
}

/**
 * True when one size figure in `text` shows `bytes`, to the precision it is
 * shown with (one more digit of slack for significant-figure rounding).
 */
export function showsSize(text, bytes) {
  return sizesIn(text).some(({ value, decimals, units }) =>
    units.some((unit) => {
      const half = (0.5 * 10 ** -decimals) * unit;
      // 3 significant figures (e.g. "131 kB" for 131072) are within half a unit.
      return Math.abs(value * unit - bytes) <= half + 1e-9 * bytes;
    }),
  );
}

/** Every percentage in a text ("98.44 %", "48%") as {value, decimals}. */
export function percentsIn(text) {
  return [...text.matchAll(/(\d+(?:\.(\d+))?)\s*%/g)].map((m) => ({
    value: Number(m[1]),
    decimals: m[2]?.length ?? 0,
  }));
}

/** True when one percentage in `text` shows `ratio` (0.9844 → "98.44 %") to its precision. */
export function showsPercent(text, ratio) {
  const pct = ratio * 100;
  return percentsIn(text).some(({ value, decimals }) => Math.abs(value - pct) <= 0.5 * 10 ** -decimals + 1e-9);
}

// ---- what the report says about paths --------------------------------------------

/** Per filesystem layer: Map path -> change row, from the report's layers[].changes. */
export function changesByLayer(report) {
  const out = [];
  for (const row of report.layers) {
    if (row.layer === null) continue;
    out[row.layer] = new Map(row.changes.map((c) => [c.path, c]));
  }
  return out;
}

const MARK = { A: "added", M: "modified", D: "removed" };
export const markOf = (letter) => MARK[letter];

/**
 * What layers from..=to changed together against the union below `from`
 * (the protocol's View::Changes): path -> added | modified | removed. A path
 * added and removed inside the range is left out; a path whose state after
 * `to` equals its state before `from` is left out.
 */
export function rangeChanges(report, from, to) {
  const layers = changesByLayer(report);
  const state = new Map(); // path -> attributes (null: absent)
  const key = (c) => JSON.stringify([c.type, c.size, c.mode, c.uid, c.gid, c.link, c.hardlink]);
  for (let l = 0; l < from; l++) {
    for (const [p, c] of layers[l]) state.set(p, c.change === "D" ? null : key(c));
  }
  const before = new Map();
  const content = new Set();
  for (let l = from; l <= to; l++) {
    for (const [p, c] of layers[l]) {
      if (!before.has(p)) before.set(p, state.get(p) ?? null);
      if (c.fields.includes("content") || (c.change === "A" && before.get(p) !== null)) content.add(p);
      state.set(p, c.change === "D" ? null : key(c));
    }
  }
  const out = new Map();
  for (const [p, was] of before) {
    const now = state.get(p) ?? null;
    if (was === null && now !== null) out.set(p, "added");
    else if (was !== null && now === null) out.set(p, "removed");
    else if (was !== null && (was !== now || content.has(p))) out.set(p, "modified");
  }
  return out;
}

// ---- the page against the CLI ----------------------------------------------------

/**
 * The page's export against the CLI's document. They are built by the same
 * function (crates/core/src/report.rs) over the same bytes, so they must be
 * equal. Fields that could legitimately differ, and why:
 *
 *   (none so far) — `image.input_size` is the byte count of the input: the
 *   CLI stats the file, the page has File.size; both are the file's size, so
 *   it is compared too. The CLI runs from the file's directory on its base
 *   name (lib.mjs runCli), the name the page knows, so messages that name
 *   the file read the same.
 *
 * Add an exception here only with the reason it is not a bug.
 */
export const EXPORT_EXCEPTIONS = [];

export function assertSameReport(fromPage, fromCli, what) {
  const strip = (doc) => {
    const copy = structuredClone(doc);
    for (const [section, key] of EXPORT_EXCEPTIONS) delete copy[section]?.[key];
    return copy;
  };
  assert.deepEqual(strip(fromPage), strip(fromCli), `${what}: the page's export differs from layerscope inspect --json`);
}

/** The figures a ratio is shown as (dive's ratio can be null: "n/a"). */
function assertPercent(text, ratio, what) {
  if (ratio === null) assert.match(text, /n\/a|—|-/, `${what}: '${text}' should say there is no figure`);
  else assert.ok(showsPercent(text, ratio), `${what}: '${text}' does not show ${(ratio * 100).toFixed(2)} %`);
}

/** A step's command as a reader would recognise it, without the shell prefix docker adds. */
const commandCore = (s) => s.replace(/^\/bin\/sh -c (#\(nop\)\s*)?/, "").trim();

/**
 * The page shows what `report` (`layerscope inspect --json` of `file`) says,
 * and its Export JSON is that report.
 */
export async function assertMatchesCli(page, file, report = cliReport(file), label = path.basename(file)) {
  await assertPageShows(page, file, report);
  assertSameReport((await exportJson(page)).doc, report, label);
}

/** What the page shows after `file` is analysed, against `report`. */
export async function assertPageShows(page, file, report) {
  const name = path.basename(file);
  const status = page.locator(tid("analysis-status"));
  assert.equal(await status.getAttribute("data-state"), "done");
  const ms = Number(await status.getAttribute("data-ms"));
  assert.ok(Number.isFinite(ms) && ms >= 0, `${name}: analysis-status data-ms='${await status.getAttribute("data-ms")}'`);

  // The layer stack: one item per filesystem layer (empty steps may be shown
  // too, without a layer number), each with its size.
  const items = page.locator(`${tid("layer-stack")} ${tid("layer-item")}`);
  const shown = await items.evaluateAll((els) =>
    els.map((el) => ({ layer: el.getAttribute("data-layer"), index: el.getAttribute("data-index"), text: el.innerText })),
  );
  const fsItems = shown.filter((i) => /^\d+$/.test(i.layer ?? ""));
  assert.deepEqual(
    fsItems.map((i) => Number(i.layer)).sort((a, b) => a - b),
    report.layers.filter((r) => r.layer !== null).map((r) => r.layer),
    `${name}: layer-item data-layer values (one item per filesystem layer)`,
  );
  for (const item of fsItems) {
    const row = report.layers.find((r) => r.layer === Number(item.layer));
    assert.ok(showsSize(item.text, row.size), `${name}: layer ${item.layer} shows '${item.text.trim()}', not its size ${row.size} B`);
  }

  // The history table: one row per build step, empty steps in place. It is
  // below the first screen and renders a few tasks after `done`.
  const rows = page.locator(`${tid("history-table")} ${tid("history-row")}`);
  await rows.first().waitFor({ state: "attached", timeout: 10_000 });
  const texts = await rows.evaluateAll((els) => els.map((el) => `${el.textContent} ${el.getAttribute("title") ?? ""} ${[...el.querySelectorAll("[title]")].map((e) => e.title).join(" ")}`));
  assert.equal(texts.length, report.layers.length, `${name}: history rows (one per step, empty steps included)`);
  // In history order (oldest first) or as docker history prints it (newest first).
  const flat = texts.map((t) => t.replace(/\s+/g, " "));
  const matches = (steps) =>
    steps.every((step, i) => !step.created_by || flat[i].includes(commandCore(step.created_by).slice(0, 12)));
  assert.ok(
    matches(report.layers) || matches([...report.layers].reverse()),
    `${name}: history rows do not show the steps' commands in order:\n${flat.map((t) => t.trim().slice(0, 90)).join("\n")}`,
  );

  // The waste panel: dive's three figures and our exact two, as the CLI prints them.
  const text = async (id) => (await page.locator(tid(id)).first().textContent()) ?? "";
  assertPercent(await text("dive-efficiency"), report.efficiency, `${name}: dive-efficiency`);
  assert.ok(showsSize(await text("dive-wasted"), report.wasted_bytes), `${name}: dive-wasted '${await text("dive-wasted")}' vs ${report.wasted_bytes} B`);
  assertPercent(await text("dive-user-wasted"), report.user_wasted_percent, `${name}: dive-user-wasted`);
  assert.ok(showsSize(await text("exact-wasted"), report.exact.wasted_bytes), `${name}: exact-wasted '${await text("exact-wasted")}' vs ${report.exact.wasted_bytes} B`);
  assertPercent(await text("exact-efficiency"), report.exact.efficiency, `${name}: exact-efficiency`);
}

let axeSource = null;
/** axe-core's violations on the page as it is now, one line each, with where. */
export async function axeViolations(page) {
  axeSource ??= fs.readFileSync(path.join(root, "node_modules/axe-core/axe.min.js"), "utf8");
  // Through the DevTools protocol, as the tests drive the page: the page's
  // CSP (no inline or injected script) stays as it is.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")}: ${(n.failureSummary ?? "").split("\n").slice(1).join(" ").trim()}`),
    );
  });
}
