// The page's benchmark (not a test): the CLI benchmark's large image
// (bench/out/image/docker-archive.tar, built by bench/run.sh; reused, never
// rebuilt here; and its oci-archive.tar, gzip layers, when there) analysed in
// headless Debian Chromium, next to
// `layerscope inspect --json` on the same file; then the fully expanded tree
// scrolled end to end, counting dropped frames; then what the page costs to
// download. See docs/benchmarks.md, "In the browser".
//
//   trunk build --release && node bench/browser.mjs [--runs N] [--profile] [--write-docs] [IMAGE...]
//   node bench/browser.mjs --scroll-only [--trace] [--write-docs]
//
// Needs dist/ (trunk build --release), the image (bench/run.sh) and the release
// CLI (built here with cargo if stale). --write-docs replaces the "In the
// browser" section of docs/benchmarks.md with the figures; the markdown is
// always written to bench/out/browser.md. --profile adds one more analysis of
// the first image with the worker's CPU profile (DevTools protocol, 1 ms
// samples): where its time goes, by self time.
//
// --scroll-only (1–2 minutes instead of ~7): no CLI and no timing runs, one
// drop of the first image, then the scrolls and their baseline; with
// --write-docs it replaces only the scrolling table (and its date line) in
// docs/benchmarks.md. --trace records a Chromium trace of each scroll
// (DevTools protocol) and prints where the main thread's time went in the
// dropped frames (self time by trace event, against the frames that were not
// dropped), and the other threads' busiest events in the same frames.
// (LS_TRACE_DUMP=PREFIX writes each raw trace to PREFIX-<scroll>.json;
// LS_TRACE_INVALIDATION=1 adds Chromium's invalidation tracking to it.)
// --dom counts the DOM mutations each scroll makes, per frame (nodes added
// and removed, attributes and texts set; a MutationObserver, so its frames
// are not timings).
// --cpu-profile samples the page's main thread during each scroll (0.2 ms)
// and prints the functions by self and by total time (name the wasm
// functions with a build that keeps them: data-keep-debug, data-wasm-opt="0").
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { performance } from "node:perf_hooks";
import {
  root,
  dist,
  serveDist,
  launchBrowser,
  isLocal,
  stateMark,
  waitTerminal,
  tid,
  recordStates,
  cli,
  tarMembers,
} from "../tests/e2e/lib.mjs";
import { sampleMemory } from "./memory.mjs";

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return null;
  const [, value] = args.splice(i, 2);
  return value;
};
const writeDocs = args.includes("--write-docs") && (args.splice(args.indexOf("--write-docs"), 1), true);
const RUNS = Number(flag("--runs") ?? 3);
const profile = args.includes("--profile") && (args.splice(args.indexOf("--profile"), 1), true);
const scrollOnly = args.includes("--scroll-only") && (args.splice(args.indexOf("--scroll-only"), 1), true);
// --open-only: time the opens, print their tables, skip the scrolls (to try a change; never with --write-docs).
const openOnly = args.includes("--open-only") && (args.splice(args.indexOf("--open-only"), 1), true);
const trace = args.includes("--trace") && (args.splice(args.indexOf("--trace"), 1), true);
// --scrolls wheel,drag: only these (to look at one; never with --write-docs).
const only = flag("--scrolls")?.split(",");
// --dom: count the DOM mutations each scroll makes (a MutationObserver, which
// costs frames of its own: a diagnosis, not a timing).
const domCount = args.includes("--dom") && (args.splice(args.indexOf("--dom"), 1), true);
const cpuProfile = args.includes("--cpu-profile") && (args.splice(args.indexOf("--cpu-profile"), 1), true);
// The docker archive (plain layers) is the benchmark; the OCI archive (the same
// image with gzip layers) is timed too when it is there.
const images = args.length
  ? args.map((a) => path.resolve(a))
  : ["docker-archive.tar", "oci-archive.tar"].map((f) => path.join(root, "bench/out/image", f)).filter((f, i) => i === 0 || fs.existsSync(f));
const image = images[0];
const load0 = os.loadavg()[0];
const say = (...m) => console.error("bench/browser:", ...m);
const die = (m) => {
  console.error(`bench/browser: error: ${m}`);
  process.exit(1);
};
if (!fs.existsSync(path.join(dist, "index.html"))) die("dist/ is missing: run `trunk build --release` first");
if (!fs.existsSync(image)) die(`${image} is missing: run bench/run.sh first (it builds the image once)`);

if (openOnly && (writeDocs || scrollOnly)) die("--open-only goes with neither --write-docs nor --scroll-only");
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;
const fmtMs = (ms) => `${Math.round(ms)} ms`;
const fmtBytes = (n) =>
  n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} kB`;

// Three ways to scroll the expanded tree: a mouse wheel (100 px a frame,
// 6,000 px/s, for 600 frames: the top part only), a fling end to end (1000 px,
// ~40 rows, a frame) and a scrollbar drag end to end (600 frames, each a new
// screenful far below the last).
const ALL_SCROLLS = [
  { name: "wheel", step: 100, limit: 600, label: "wheel (100 px a frame, 600 frames)" },
  { name: "fling", step: 1000, label: "fling, end to end (~40 rows a frame)" },
  { name: "drag", frames: 600, label: "scrollbar drag, end to end (600 frames)" },
];
const SCROLLS = ALL_SCROLLS.filter((s) => !only || only.includes(s.name));
if (only && writeDocs) die("--scrolls measures only some scrolls: not with --write-docs");

// ---- the page and the CLI, run by run -------------------------------------------------
const bin = scrollOnly ? null : cli();
const taskset = spawnSync("taskset", ["--version"]).status === 0;
const server = await serveDist();
const baseUrl = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchBrowser();
const foreign = [];

async function freshPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.on("request", (req) => {
    if (!isLocal(req.url())) foreign.push(req.url());
  });
  await context.route("**/*", (route) => (isLocal(route.request().url()) ? route.continue() : route.abort()));
  await context.addInitScript(() => {
    // Every main-thread task over 50 ms, for "the page never freezes while parsing".
    window.__lsLongTasks = [];
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__lsLongTasks.push({ start: e.startTime, ms: e.duration });
      }).observe({ type: "longtask", buffered: true });
    } catch {}
  });
  await context.addInitScript(recordStates);
  const page = await context.newPage();
  await page.goto(baseUrl, { waitUntil: "load" });
  await page.locator(tid("drop-zone")).waitFor({ state: "visible", timeout: 30_000 });
  return { context, page };
}

function timeCli(argv) {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (r.status !== 0) die(`${argv.join(" ")} failed: ${r.stderr}`);
  return performance.now() - t0;
}

const results = [];
let scroll = null;
if (scrollOnly) {
  say(`${path.basename(image)}: one analysis, then the scrolls`);
  const { context, page } = await freshPage();
  const mark = await stateMark(page);
  await page.locator(tid("file-input")).setInputFiles(image);
  const state = await waitTerminal(page, mark, { timeout: 600_000 });
  if (state !== "done") die(`the page ended '${state}': ${await page.locator(tid("error-message")).allTextContents()}`);
  scroll = await measureScroll(page);
  await context.close();
}
for (const img of scrollOnly ? [] : images) {
  const cliReport = JSON.parse(spawnSync(bin, ["inspect", "--json", img], { encoding: "utf8", maxBuffer: 1 << 30 }).stdout);
  const res = { image: img, report: cliReport, cliMs: [], cli1Ms: [], pageMs: [], firstViewMs: [], firstViewRead: [], shownMs: [], longTasks: [], floorMs: [], floorHashMs: [], memory: [] };
  results.push(res);
  // Interleaved, so that a burst of load on the machine hits all three alike.
  for (let i = 0; i < RUNS; i++) {
    say(`${path.basename(img)}: run ${i + 1}/${RUNS}: CLI, CLI on one core, page`);
    res.cliMs.push(timeCli([bin, "inspect", "--json", img]));
    // The page analyses in one Web Worker: the CLI on one core too, for scale.
    if (taskset) res.cli1Ms.push(timeCli(["taskset", "-c", "0", bin, "inspect", "--json", img]));
    const { context, page } = await freshPage();
    const mark = await stateMark(page);
    const pageT0 = await page.evaluate(() => performance.now());
    const memory = sampleMemory();
    // The first view: from the file input's change to the frame after the
    // layer stack and the history table are both in the page (and how many
    // layers were read by then).
    await page.evaluate(() => {
      const first = (window.__lsFirst = {});
      const input = document.querySelector('[data-testid="file-input"]');
      input.addEventListener("change", () => (first.drop = performance.now()), { capture: true, once: true });
      const observer = new MutationObserver(() => {
        const stack = document.querySelector('[data-testid="layer-stack"] [data-testid="layer-item"]');
        const history = document.querySelector('[data-testid="history-table"] [data-testid="history-row"]');
        if (stack && history && first.drop !== undefined && first.shown === undefined) {
          first.shown = -1;
          observer.disconnect();
          requestAnimationFrame(() => {
            first.shown = performance.now();
            first.read = document.querySelectorAll('[data-testid="layer-item"][data-read="true"]').length;
            first.running = document.querySelector('[data-testid="analysis-status"]')?.dataset.state === "running";
          });
        }
      });
      observer.observe(document.body, { childList: true, subtree: true });
    });
    const t0 = performance.now();
    await page.locator(tid("file-input")).setInputFiles(img);
    const state = await waitTerminal(page, mark, { timeout: 600_000 });
    const elapsed = performance.now() - t0;
    res.memory.push(memory());
    // Main-thread tasks over 50 ms between the drop and "done" (the last
    // render of the results included).
    const pageT1 = await page.evaluate(() => performance.now());
    res.longTasks.push(
      await page.evaluate(([a, b]) => window.__lsLongTasks.filter((t) => t.start >= a && t.start <= b).map((t) => t.ms), [pageT0, pageT1]),
    );
    if (state !== "done") die(`the page ended '${state}': ${await page.locator(tid("error-message")).allTextContents()}`);
    res.pageMs.push(elapsed);
    const first = await page.evaluate(() => window.__lsFirst);
    res.firstViewMs.push(first.shown - first.drop);
    res.firstViewRead.push(first.running ? first.read : null);
    res.shownMs.push(Number(await page.locator(tid("analysis-status")).getAttribute("data-ms")));
    // Sanity: the page saw the image the CLI saw.
    const layers = await page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer]:not([data-layer=""])`).count();
    if (layers !== cliReport.image.layer_count) die(`the page shows ${layers} layers, the CLI ${cliReport.image.layer_count}`);
    if (img === image && i === RUNS - 1 && !openOnly) scroll = await measureScroll(page);
    await context.close();
    res.floorMs.push(await readFloor(img, false));
    res.floorHashMs.push(await readFloor(img, true));
  }
}
const cliReport = results[0]?.report;

/**
 * The least any page can do with this file in this browser: read every
 * layer's bytes into workers (one per core, largest layers first, each read
 * in one piece into a buffer the worker keeps, with a byte stream's reader,
 * as the page does) and, with `hash`, sha256 them with the browser's own
 * crypto.subtle. No parsing, no wasm. A plain page on the same origin (a
 * secure context, as the app is).
 */
async function readFloor(img, hash) {
  const ranges = tarMembers(img).filter((m) => m.size >= 1 << 20).map((m) => [m.offset, m.size]).sort((a, b) => b[1] - a[1]);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route(`${baseUrl}read-floor`, (route) => route.fulfill({ contentType: "text/html", body: "<input type=file id=f>" }));
  await page.goto(`${baseUrl}read-floor`);
  await page.locator("#f").setInputFiles(img);
  const ms = await page.evaluate(async ([ranges, hash]) => {
    const file = document.getElementById("f").files[0];
    const src = `let file, hash, kept = null;
      onmessage = async (e) => {
        if (e.data.file) { file = e.data.file; hash = e.data.hash; return; }
        const [offset, size] = e.data;
        if (!kept || kept.byteLength < size) kept = new ArrayBuffer(size);
        const reader = file.slice(offset, offset + size).stream().getReader({ mode: "byob" });
        for (let filled = 0; filled < size; ) {
          const { value } = await reader.read(new Uint8Array(kept, filled, Math.min(size - filled, 8 << 20)));
          kept = value.buffer;
          if (!value.byteLength) break;
          filled += value.byteLength;
        }
        if (hash) await crypto.subtle.digest("SHA-256", new Uint8Array(kept, 0, size));
        postMessage(size);
      };`;
    const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
    const t0 = performance.now();
    const queue = ranges.slice();
    await Promise.all(
      Array.from({ length: Math.min(navigator.hardwareConcurrency || 1, 4, queue.length) }, () => {
        const w = new Worker(url);
        w.postMessage({ file, hash });
        return new Promise((resolve) => {
          const next = () => (queue.length ? w.postMessage(queue.shift()) : (w.terminate(), resolve()));
          w.onmessage = next;
          next();
        });
      }),
    );
    return performance.now() - t0;
  }, [ranges, hash]);
  await context.close();
  return ms;
}


/**
 * Expand all, then scroll the tree's scroll container from top to bottom,
 * a fixed step per animation frame, recording every frame's delta and every
 * long task (PerformanceObserver 'longtask') on the page's main thread.
 */
async function measureScroll(page) {
  say("scroll: expand-all, then the tree end to end");
  const button = page.locator(tid("expand-all"));
  if ((await button.getAttribute("aria-pressed")) !== "true") await button.click();
  const tree = page.locator(tid("file-tree"));
  // Expanded: the tree scrolls much further than the top-level rows would.
  await page.waitForFunction(
    (sel) => {
      const t = document.querySelector(sel);
      return [t, ...t.querySelectorAll("*")].some((el) => el.scrollHeight > el.clientHeight * 20 && /(auto|scroll)/.test(getComputedStyle(el).overflowY));
    },
    tid("file-tree"),
    { timeout: 120_000, polling: 100 },
  );
  const out = {};
  for (const sc of SCROLLS) {
    say(`scroll: ${sc.name}`);
    const tracer = trace ? await startTrace(page) : null;
    // The main thread's busy time (CDP Performance metrics, cumulative
    // seconds), less noisy than frame deltas on a loaded machine.
    const perf = await page.context().newCDPSession(page);
    await perf.send("Performance.enable");
    const metrics = async () => Object.fromEntries((await perf.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
    const m0 = await metrics();
    const profiler = cpuProfile ? await page.context().newCDPSession(page) : null;
    if (profiler) {
      await profiler.send("Profiler.enable");
      await profiler.send("Profiler.setSamplingInterval", { interval: 200 });
      await profiler.send("Profiler.start");
    }
    out[sc.name] = await tree.evaluate(async (t, sc) => {
      const scroller = [t, ...t.querySelectorAll("*")].find(
        (el) => el.scrollHeight > el.clientHeight * 20 && /(auto|scroll)/.test(getComputedStyle(el).overflowY),
      );
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      // From the top, once its rows are there.
      scroller.scrollTop = 0;
      while (!t.querySelector('[data-testid="tree-row"]')) await frame();
      for (let i = 0; i < 10; i++) await frame();
      const longTasks = [];
      const obs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) longTasks.push(e.duration);
      });
      obs.observe({ type: "longtask", buffered: false });
      const dom = { added: 0, removed: 0, attributes: 0, text: 0 };
      const mutations = sc.dom
        ? new MutationObserver((records) => {
            for (const r of records) {
              dom.added += r.addedNodes.length;
              dom.removed += r.removedNodes.length;
              if (r.type === "attributes") dom.attributes++;
              if (r.type === "characterData") dom.text++;
            }
          })
        : null;
      mutations?.observe(scroller, { subtree: true, childList: true, attributes: true, characterData: true });
      const total = scroller.scrollHeight - scroller.clientHeight;
      const step = sc.step ?? Math.max(1, Math.ceil(total / sc.frames));
      const deltas = [];
      await new Promise((resolve) => {
        let last = performance.now();
        const tick = (now) => {
          if (sc.mark) console.timeStamp("ls-tick");
          deltas.push(now - last);
          last = now;
          if (scroller.scrollTop >= total - 1 || deltas.length > (sc.limit ?? Infinity)) return resolve();
          scroller.scrollTop = Math.min(total, scroller.scrollTop + step);
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      // The last rows arrive; a task in flight is reported.
      for (let i = 0; i < 30; i++) await frame();
      obs.disconnect();
      if (mutations) {
        for (const r of mutations.takeRecords()) {
          dom.added += r.addedNodes.length;
          dom.removed += r.removedNodes.length;
        }
        mutations.disconnect();
      }
      deltas.shift(); // from before the loop
      const rows = t.querySelectorAll('[data-testid="tree-row"]');
      return {
        scrollHeight: scroller.scrollHeight,
        step,
        frames: deltas.length,
        dropped: deltas.filter((d) => d > 20).length,
        worst: Math.max(...deltas),
        meanFrame: deltas.reduce((a, b) => a + b, 0) / deltas.length,
        longTasks: longTasks.length,
        longestTask: longTasks.length ? Math.max(...longTasks) : 0,
        lastRow: rows[rows.length - 1]?.getAttribute("data-path") ?? null,
        dom: sc.dom ? dom : null,
      };
    }, { ...sc, mark: !!tracer, dom: domCount });
    if (out[sc.name].dom) {
      const d = out[sc.name].dom, f = out[sc.name].frames;
      say(`scroll: ${sc.name}: DOM per frame: ${(d.added / f).toFixed(2)} nodes added, ${(d.removed / f).toFixed(2)} removed, ${(d.attributes / f).toFixed(1)} attributes set, ${(d.text / f).toFixed(1)} texts set`);
    }
    {
      const m1 = await metrics();
      await perf.detach();
      const per = (k) => ((m1[k] - m0[k]) * 1000) / out[sc.name].frames;
      out[sc.name].busy = { task: per("TaskDuration"), script: per("ScriptDuration"), layout: per("LayoutDuration"), style: per("RecalcStyleDuration") };
      const b = out[sc.name].busy;
      say(`scroll: ${sc.name}: ${out[sc.name].dropped} of ${out[sc.name].frames} dropped; main thread per frame: tasks ${b.task.toFixed(2)} ms, script ${b.script.toFixed(2)}, layout ${b.layout.toFixed(2)}, style ${b.style.toFixed(2)}`);
    }
    if (profiler) {
      const { profile: prof } = await profiler.send("Profiler.stop");
      await profiler.detach();
      const byId = new Map(prof.nodes.map((n) => [n.id, n]));
      const parent = new Map();
      for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
      const name = (n) => n.callFrame.functionName || `(anonymous ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1})`;
      const self = new Map(), total = new Map();
      let busy = 0;
      for (const id of prof.samples) {
        const n = byId.get(id);
        if (name(n) === "(idle)" || name(n) === "(program)") continue;
        busy++;
        self.set(name(n), (self.get(name(n)) ?? 0) + 1);
        const seen = new Set();
        for (let k = id; k !== undefined; k = parent.get(k)) seen.add(name(byId.get(k)));
        for (const f of seen) total.set(f, (total.get(f) ?? 0) + 1);
      }
      const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${((v * 0.2) / out[sc.name].frames).toFixed(3)} ms/frame ${k}`);
      console.error(`cpu profile, ${sc.name}: ${busy} busy samples of 0.2 ms\nself:\n  ${top(self).join("\n  ")}\ntotal:\n  ${top(total).join("\n  ")}`);
    }
    if (tracer) {
      const events = await tracer.stop();
      if (process.env.LS_TRACE_DUMP) fs.writeFileSync(`${process.env.LS_TRACE_DUMP}-${sc.name}.json`, JSON.stringify(events));
      out[sc.name].trace = analyseTrace(events);
      say(`scroll: ${sc.name}: ${out[sc.name].dropped} of ${out[sc.name].frames} dropped (traced)`);
      console.error(JSON.stringify(out[sc.name].trace, null, 1));
    }
  }
  return out;
}

/** A Chromium trace of the page (DevTools protocol) until `stop()`. */
async function startTrace(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Tracing.start", {
    transferMode: "ReturnAsStream",
    traceConfig: {
      recordMode: "recordAsMuchAsPossible",
      includedCategories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "toplevel", "blink.user_timing", ...(process.env.LS_TRACE_INVALIDATION ? ["disabled-by-default-devtools.timeline.invalidationTracking"] : [])],
    },
  });
  return {
    async stop() {
      const complete = new Promise((r) => cdp.once("Tracing.tracingComplete", r));
      await cdp.send("Tracing.end");
      const { stream } = await complete;
      const chunks = [];
      for (;;) {
        const { data, eof, base64Encoded } = await cdp.send("IO.read", { handle: stream, size: 1 << 22 });
        chunks.push(base64Encoded ? Buffer.from(data, "base64").toString("utf8") : data);
        if (eof) break;
      }
      await cdp.send("IO.close", { handle: stream });
      await cdp.detach();
      const parsed = JSON.parse(chunks.join(""));
      return Array.isArray(parsed) ? parsed : parsed.traceEvents;
    },
  };
}

/**
 * Where the time went between the scroll's frames (the `ls-tick` stamps):
 * self time by trace event on the page's main thread, per dropped frame and
 * per frame that was not, and the busiest events of the other threads in
 * the dropped frames.
 */
function analyseTrace(events) {
  const ticks = events.filter((e) => e.name === "TimeStamp" && e.args?.data?.message === "ls-tick").map((e) => e).sort((a, b) => a.ts - b.ts);
  if (ticks.length < 2) return null;
  const mainKey = `${ticks[0].pid}:${ticks[0].tid}`;
  const threadName = new Map();
  for (const e of events) if (e.ph === "M" && e.name === "thread_name") threadName.set(`${e.pid}:${e.tid}`, e.args.name);
  const label = (e) => {
    const d = e.args?.data ?? {};
    if (e.name === "EventDispatch" && d.type) return `EventDispatch(${d.type})`;
    if ((e.name === "FunctionCall" || e.name === "v8.callFunction") && (d.functionName || d.url)) return `${e.name}(${d.functionName || d.url.split("/").pop()})`;
    return e.name;
  };
  // Frame windows: (ticks[i-1], ticks[i]].
  const starts = ticks.map((t) => t.ts);
  const windowOf = (ts) => {
    let lo = 1, hi = starts.length - 1;
    if (ts <= starts[0] || ts > starts[hi]) return -1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const dropped = new Set();
  for (let i = 1; i < starts.length; i++) if ((starts[i] - starts[i - 1]) / 1000 > 20) dropped.add(i);
  const byThread = new Map();
  for (const e of events) {
    if (e.ph !== "X" || e.dur == null) continue;
    const k = `${e.pid}:${e.tid}`;
    if (!byThread.has(k)) byThread.set(k, []);
    byThread.get(k).push(e);
  }
  const mainDropped = new Map(), mainOk = new Map(), others = new Map(), perFrame = new Map();
  const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
  for (const [k, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const stack = [];
    const self = new Map(); // event -> self time
    for (const e of list) {
      while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
      if (stack.length) self.set(stack[stack.length - 1], (self.get(stack[stack.length - 1]) ?? 0) - e.dur);
      self.set(e, (self.get(e) ?? 0) + e.dur);
      stack.push(e);
    }
    const name = threadName.get(k) ?? k;
    for (const [e, us] of self) {
      const w = windowOf(e.ts);
      if (w < 0) continue;
      const ms = us / 1000;
      if (k === mainKey) {
        add(dropped.has(w) ? mainDropped : mainOk, label(e), ms);
        if (dropped.has(w)) {
          if (!perFrame.has(w)) perFrame.set(w, new Map());
          add(perFrame.get(w), label(e), ms);
        }
      } else if (dropped.has(w)) {
        if (!others.has(name)) others.set(name, new Map());
        add(others.get(name), label(e), ms);
      }
    }
  }
  const okCount = starts.length - 1 - dropped.size;
  const top = (m, div, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${k} ${(v / div).toFixed(2)}`);
  return {
    frames: starts.length - 1,
    dropped: dropped.size,
    mainPerDroppedFrame: dropped.size ? top(mainDropped, dropped.size, 14) : [],
    mainPerOkFrame: okCount ? top(mainOk, okCount, 14) : [],
    othersPerDroppedFrame: [...others]
      .map(([name, m]) => [name, [...m.values()].reduce((a, b) => a + b, 0), m])
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, total, m]) => `${name}: ${(total / Math.max(1, dropped.size)).toFixed(2)} ms: ${top(m, Math.max(1, dropped.size), 4).join(", ")}`),
    someDropped: [...dropped].slice(0, 12).map((w) => `${((starts[w] - starts[w - 1]) / 1000).toFixed(1)} ms: ${top(perFrame.get(w) ?? new Map(), 1, 6).join(", ")}`),
  };
}

/**
 * One more analysis of `img`, with every Web Worker's CPU sampled (the
 * browser's DevTools session, attached to the worker targets). Returns the
 * top entries by self time. wasm functions are unnamed in a release build:
 * \`wasm-function[N]\` (N counts imports), to be looked up in \`wasm-dis\`'s output.
 */
async function profileWorker(img) {
  const { context, page } = await freshPage();
  const bs = await browser.newBrowserCDPSession();
  let seq = 1;
  const pending = new Map();
  bs.on("Target.receivedMessageFromTarget", (e) => {
    const m = JSON.parse(e.message);
    if (m.id && pending.has(m.id)) {
      pending.get(m.id)(m);
      pending.delete(m.id);
    }
  });
  const send = (sessionId, method, params = {}) =>
    new Promise((resolve) => {
      const id = seq++;
      pending.set(id, resolve);
      bs.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  const attached = new Map();
  const attachAll = async () => {
    const { targetInfos } = await bs.send("Target.getTargets");
    for (const t of targetInfos.filter((t) => t.type === "worker" && !attached.has(t.targetId))) {
      const { sessionId } = await bs.send("Target.attachToTarget", { targetId: t.targetId, flatten: false });
      attached.set(t.targetId, sessionId);
      await send(sessionId, "Profiler.enable");
      await send(sessionId, "Profiler.setSamplingInterval", { interval: 1000 });
      await send(sessionId, "Profiler.start");
    }
  };
  const mark = await stateMark(page);
  await page.locator(tid("file-input")).setInputFiles(img);
  const done = waitTerminal(page, mark, { timeout: 600_000 });
  let finished = false;
  done.finally(() => (finished = true));
  while (!finished) {
    await attachAll();
    await Promise.race([done, new Promise((r) => setTimeout(r, 50))]);
  }
  const self = new Map();
  let total = 0;
  for (const sessionId of attached.values()) {
    const reply = await Promise.race([send(sessionId, "Profiler.stop"), new Promise((r) => setTimeout(() => r(null), 5000))]);
    const prof = reply?.result?.profile;
    if (!prof) continue; // a worker that was terminated meanwhile
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    for (const id of prof.samples) {
      const f = byId.get(id).callFrame;
      const key = f.functionName ? `${f.functionName}${f.url ? ` (${f.url.split("/").pop().replace(/-[0-9a-f]{8,}(?=[._])/, "-*")})` : ""}` : `(anonymous) ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + 1);
      total++;
    }
  }
  await context.close();
  // Name what can be named: the wasm function holding SHA-256's round
  // constants is its block function (binaryen's wasm-dis; defined functions
  // are numbered after the imports).
  const wasm = fs.readdirSync(dist).find((f) => /^layerscope-worker.*_bg\.wasm$/.test(f));
  const dis = wasm ? spawnSync(path.join(root, "node_modules/.bin/wasm-dis"), [path.join(dist, wasm)], { encoding: "utf8", maxBuffer: 1 << 30 }) : null;
  if (dis?.status === 0) {
    const imports = (dis.stdout.match(/^ \(import "[^"]*" "[^"]*" \(func /gm) ?? []).length;
    let fn = null;
    const known = new Map();
    for (const line of dis.stdout.split("\n")) {
      const m = /^ \(func \$(\d+) /.exec(line);
      if (m) fn = Number(m[1]);
      else if (fn !== null && line.includes("(i32.const 1116352408)")) known.set(`wasm-function[${fn + imports}]`, "SHA-256 blocks");
    }
    for (const [k, v] of [...self]) {
      const label = [...known].find(([w]) => k.startsWith(w + " "))?.[1];
      if (label) {
        self.delete(k);
        self.set(`${k}: ${label}`, v);
      }
    }
  }
  // An anonymous glue function: name it by the import it wraps (its line).
  for (const [k, v] of [...self]) {
    const m = /^\(anonymous\) (\S+\.js):(\d+)$/.exec(k);
    const file = m && path.join(dist, m[1]);
    if (!file || !fs.existsSync(file)) continue;
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const around = lines.slice(Math.max(0, Number(m[2]) - 2), Number(m[2]) + 1).join(" ");
    const name = /__wbg_([A-Za-z]+)_[0-9a-f]+/.exec(around)?.[1];
    if (name) {
      self.delete(k);
      self.set(`${k}: the glue around ${name}`, v);
    }
  }
  return { total, top: [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, n]) => ({ name, share: n / total })) };
}
// Peak resident memory while the page read the image, median of the runs.
function memoryLine(r) {
  const mb = (f) => `${Math.round(median(r.memory.map(f)) / 2 ** 20).toLocaleString("en")} MiB`;
  return `renderer (the page and its workers) ${mb((m) => m.peak.renderer)} at the peak (${mb((m) => m.before.renderer)} before the drop), all of Chromium ${mb((m) => m.peak.all)} (${mb((m) => m.before.all)} before)`;
}
if (openOnly) {
  await browser.close();
  server.close();
  for (const r of results) {
    const m = (xs) => (xs.length ? `${(median(xs) / 1000).toFixed(2)} s` : "-");
    console.log(`${path.basename(r.image)}: CLI ${m(r.cliMs)}, one core ${m(r.cli1Ms)}, page ${m(r.pageMs)} → ${(median(r.pageMs) / median(r.cliMs)).toFixed(2)}x; floor: read ${m(r.floorMs)}, read + sha256 ${m(r.floorHashMs)}; ${memoryLine(r)}`);
  }
  process.exit(0);
}
const workerProfile = profile && !scrollOnly ? (say(`profile: the worker on ${path.basename(image)}`), await profileWorker(image)) : null;

// The same scrolls over a plain virtual list (40 rows moved on each scroll
// event, no framework, no worker) of the same height, in the same browser:
// what this machine's headless Chromium manages at best.
say("scroll: the baseline (a plain virtual list)");
const baseline = {};
{
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.setContent(
    `<style>#s{height:500px;overflow:auto;position:relative;font:13px monospace}.r{position:absolute;left:0;right:0;height:24px;white-space:pre}</style><div id=s><div id=sp></div></div>`,
  );
  for (const sc of SCROLLS) {
    baseline[sc.name] = await page.evaluate(
      async ({ sc, height }) => {
        const s = document.getElementById("s");
        const sp = document.getElementById("sp");
        sp.style.height = `${height}px`;
        sp.replaceChildren();
        const rows = Array.from({ length: 40 }, () => sp.appendChild(document.createElement("div")));
        rows.forEach((d) => (d.className = "r"));
        const paint = () => {
          const first = Math.floor(s.scrollTop / 24);
          rows.forEach((d, i) => {
            d.style.top = `${(first + i) * 24}px`;
            d.textContent = `-rw-r--r--  0:0  12.3 kB  /usr/lib/python3/dist-packages/module${first + i}.py`;
          });
        };
        s.onscroll = paint;
        s.scrollTop = 0;
        paint();
        const total = s.scrollHeight - s.clientHeight;
        const step = sc.step ?? Math.ceil(total / sc.frames);
        const deltas = [];
        await new Promise((resolve) => {
          let last = performance.now();
          const tick = (now) => {
            deltas.push(now - last);
            last = now;
            if (s.scrollTop >= total - 1 || deltas.length > (sc.limit ?? Infinity)) return resolve();
            s.scrollTop = Math.min(total, s.scrollTop + step);
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
        deltas.shift();
        return { frames: deltas.length, dropped: deltas.filter((d) => d > 20).length, worst: Math.max(...deltas) };
      },
      { sc, height: Object.values(scroll)[0].scrollHeight },
    );
  }
  await context.close();
}

await browser.close();
server.close();
if (foreign.length) die(`requests beyond 127.0.0.1: ${foreign.join(", ")}`);

// The scrolling table; with --scroll-only, its own date line.
function scrollMd(dated = "") {
  return `Scrolling the fully expanded tree (\`expand-all\`, ${Object.values(scroll)[0].scrollHeight.toLocaleString("en")} px tall),
a fixed step per animation frame, from the top; a frame is dropped when it
comes more than 20 ms after the one before; long tasks are the main thread's
(PerformanceObserver \`longtask\`). Target: no dropped frames.${dated}

The baseline is the same scroll over a plain virtual list of the same
height (40 rows moved by a scroll handler, no framework, no worker) in the same
browser: what headless Chromium on this machine manages at best.

| scroll | px per frame | frames | dropped | worst frame | long tasks (longest) | baseline: dropped, worst |
|---|---:|---:|---:|---:|---:|---:|
${SCROLLS.map(({ name, label }) => [name, label, scroll[name]]).map(([name, label, r]) => `| ${label} | ${r.step} | ${r.frames} | **${r.dropped}** | ${r.worst.toFixed(0)} ms | ${r.longTasks} (${r.longestTask.toFixed(0)} ms) | ${baseline[name].dropped} of ${baseline[name].frames}, ${baseline[name].worst.toFixed(0)} ms |`).join("\n")}
`;
}

if (scrollOnly) {
  const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim();
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "src", "crates/worker", "crates/protocol", "index.html", "www"], { cwd: root, encoding: "utf8" }).stdout.trim() ? " plus uncommitted work in the tree" : "";
  const dated = `\nThese scrolls measured ${new Date().toISOString().slice(0, 10)} at commit \`${commit}\`${dirty} (\`--scroll-only\`; load average ${load0.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end).`;
  const md = scrollMd(dated);
  fs.mkdirSync(path.join(root, "bench/out"), { recursive: true });
  fs.writeFileSync(path.join(root, "bench/out/browser-scroll.json"), JSON.stringify({ scroll, baseline }, null, 2));
  console.log(md);
  if (writeDocs) {
    const docs = path.join(root, "docs/benchmarks.md");
    const old = fs.readFileSync(docs, "utf8");
    // From the paragraph's first line to the table's last row.
    const re = /^Scrolling the fully expanded tree [\s\S]*?\n\|---\|[^\n]*\n(?:\|[^\n]*\n)*/m;
    if (!re.test(old)) die("docs/benchmarks.md has no scrolling table to replace");
    fs.writeFileSync(docs, old.replace(re, md));
    say(`wrote the scrolling table of ${path.relative(root, docs)}`);
  }
  process.exit(0);
}

// ---- download size ---------------------------------------------------------------------
const assets = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (path.relative(dist, p) !== "samples") walk(p);
    } else if (/\.(wasm|js|css)$/.test(e.name)) {
      const gz = spawnSync("gzip", ["-9", "-c", p], { maxBuffer: 1 << 28 }).stdout.length;
      assets.push({ file: path.relative(dist, p), raw: fs.statSync(p).size, gz });
    }
  }
})(dist);
assets.sort((a, b) => b.gz - a.gz);
const gzTotal = assets.reduce((a, b) => a + b.gz, 0);
const rawTotal = assets.reduce((a, b) => a + b.raw, 0);

// ---- report -------------------------------------------------------------------------------
const chromium = spawnSync("/usr/bin/chromium", ["--version"], { encoding: "utf8" }).stdout.trim();
const cpu = os.cpus()[0]?.model ?? "?";
const best = (xs) => Math.min(...xs);
const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim();
const dirty = spawnSync("git", ["status", "--porcelain", "--", "src", "crates", "index.html", "www"], { cwd: root, encoding: "utf8" }).stdout.trim() ? " plus uncommitted work in the tree" : "";
const day = new Date().toISOString().slice(0, 10);
const describe = (r) =>
  `\`${path.basename(r.image)}\` (${fmtBytes(fs.statSync(r.image).size)}; ${[...new Set(r.report.layers.filter((l) => l.layer !== null).map((l) => (l.compression === "none" ? "plain" : l.compression)))].join(", ")} layers)`;
const timing = (r) => {
  const rows = [
    [`\`layerscope inspect --json\` (CLI, all cores)`, r.cliMs],
    ...(r.cli1Ms.length ? [[`\`layerscope inspect --json\` (CLI, one core: \`taskset -c 0\`)`, r.cli1Ms]] : []),
    ["page: drop to first view (layer stack and history on screen)", r.firstViewMs],
    ["page: drop to done, measured by the test", r.pageMs],
    ["page: `data-ms` (the page's own figure)", r.shownMs],
    ...(r.floorMs.length ? [["floor: only reading the layers' bytes into workers (no parsing)", r.floorMs]] : []),
    ...(r.floorHashMs.length ? [["floor: reading them and hashing with `crypto.subtle` (no parsing)", r.floorHashMs]] : []),
  ];
  const ratio = (a, b, f) => (f(a) / f(b)).toFixed(2);
  return [
    `| ${describe(r)} | median | best |`,
    "|---|---:|---:|",
    ...rows.map(([name, xs]) => `| ${name} | ${fmtS(median(xs))} | ${fmtS(best(xs))} |`),
    `| page / CLI (all cores) | **${ratio(r.pageMs, r.cliMs, median)}x** | ${ratio(r.pageMs, r.cliMs, best)}x |`,
    ...(r.cli1Ms.length ? [`| page / CLI (one core) | ${ratio(r.pageMs, r.cli1Ms, median)}x | ${ratio(r.pageMs, r.cli1Ms, best)}x |`] : []),
    ...(r.floorHashMs.length ? [`| floor (read + \`crypto.subtle\`) / CLI (all cores) | ${ratio(r.floorHashMs, r.cliMs, median)}x | ${ratio(r.floorHashMs, r.cliMs, best)}x |`] : []),
    ...(r.floorHashMs.length ? [`| page / floor (read + \`crypto.subtle\`) | **${ratio(r.pageMs, r.floorHashMs, median)}x** | ${ratio(r.pageMs, r.floorHashMs, best)}x |`] : []),
  ].join("\n");
};
const md = `## In the browser

\`node bench/browser.mjs\` (after \`trunk build --release\`; not part of the tests)
opens the page from a local static server in headless ${chromium} (the
flags in tests/e2e/lib.mjs), drops the image above on the file input
(Playwright's \`setInputFiles\`) and waits for
\`analysis-status[data-state=done]\`, ${RUNS} times, each in a fresh page,
measured ${day} at commit \`${commit}\`${dirty},
interleaved with \`layerscope inspect --json\` on the same file (${cliReport.image.layer_count} layers,
${cliReport.image.files.toLocaleString("en")} paths). ${os.cpus().length} cores (${cpu}); load average
${load0.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end. Target: the page within 2x of the CLI.

${results.map(timing).join("\n\n")}

Main-thread tasks over 50 ms between the drop and \`done\` (PerformanceObserver
\`longtask\`; target: none while parsing):
${results.map((r) => `- ${describe(r)}: ${r.longTasks.map((ts) => ts.length ? `${ts.length} (longest ${Math.max(...ts).toFixed(0)} ms)` : "none").join(", ")} in ${r.longTasks.length} runs`).join("\n")}

Memory while the page reads (resident memory from \`/proc\`, sampled every
50 ms from the drop to \`done\`, median of the runs' peaks; the layers read
whole are held within a budget, see below):
${results.map((r) => `- ${describe(r)}: ${memoryLine(r)}`).join("\n")}

${scrollMd()}
Against the targets:

| target | measured | |
|---|---|---|
| first view (layer stack and history) within 300 ms of the drop | ${results.map((r) => `${fmtMs(median(r.firstViewMs))} on \`${path.basename(r.image)}\` (layers read by then: ${r.firstViewRead.map((n) => n ?? "all").join(", ")})`).join(", ")} | ${results.every((r) => median(r.firstViewMs) <= 300) ? "met" : "**missed**"} |
| drop to done within 1.25x of the floor (read + \`crypto.subtle\`) | ${results.filter((r) => r.floorHashMs.length).map((r) => `${(median(r.pageMs) / median(r.floorHashMs)).toFixed(2)}x on \`${path.basename(r.image)}\``).join(", ")} | ${results.filter((r) => r.floorHashMs.length).every((r) => median(r.pageMs) <= 1.25 * median(r.floorHashMs)) ? "met" : "**missed**"} |
| the page within 2x of the CLI | ${results.map((r) => `${(median(r.pageMs) / median(r.cliMs)).toFixed(2)}x on \`${path.basename(r.image)}\``).join(", ")} | ${results.every((r) => median(r.pageMs) <= 2 * median(r.cliMs)) ? "met" : "**missed**"} |
| no dropped frames scrolling the expanded tree | ${SCROLLS.map(({ name }) => `${name} ${scroll[name].dropped}`).join(", ")} | ${SCROLLS.every(({ name }) => scroll[name].dropped === 0) ? "met" : "**missed**"} |
| under 1 MB gzipped (wasm + js + css) | ${fmtBytes(gzTotal)} | ${gzTotal < 1e6 ? "met" : "**missed**"} |

${workerProfile ? `Where the worker's time goes on \`${path.basename(image)}\` (\`--profile\`: ${workerProfile.total.toLocaleString("en")} CPU samples of 1 ms, by self time; wasm functions are unnamed in the release build, \`wasm-function[N]\` counts the imports):

${workerProfile.top.map((t) => `- ${(t.share * 100).toFixed(1)} % \`${t.name}\``).join("\n")}

` : ""}Download (dist/ without the samples; \`gzip -9\`): **${fmtBytes(gzTotal)}** (${fmtBytes(rawTotal)} raw). Target: under 1 MB.

| file | raw | gzip -9 |
|---|---:|---:|
${assets.map((a) => `| ${a.file.replace(/-[0-9a-f]{8,}(?=[._])/, "-*")} | ${fmtBytes(a.raw)} | ${fmtBytes(a.gz)} |`).join("\n")}
`;

fs.mkdirSync(path.join(root, "bench/out"), { recursive: true });
fs.writeFileSync(path.join(root, "bench/out/browser.md"), md);
fs.writeFileSync(
  path.join(root, "bench/out/browser.json"),
  JSON.stringify({ results: results.map(({ report, ...r }) => r), scroll, baseline, workerProfile, assets, gzTotal }, null, 2),
);
console.log(md);

if (writeDocs) {
  const docs = path.join(root, "docs/benchmarks.md");
  const old = fs.existsSync(docs) ? fs.readFileSync(docs, "utf8") : "# Benchmarks\n";
  // Only this section: from its heading to the next "## " heading (or the end).
  const re = /^## In the browser\n[\s\S]*?(?=^## |(?![\s\S]))/m;
  const next = re.test(old) ? old.replace(re, md + "\n") : `${old.replace(/\n*$/, "\n\n")}${md}`;
  fs.writeFileSync(docs, next.replace(/\n+$/, "\n"));
  say(`wrote the "In the browser" section of ${path.relative(root, docs)}`);
}
