// The page's benchmark (not a test): the CLI benchmark's large image
// (bench/out/image/docker-archive.tar, built by bench/run.sh; reused, never
// rebuilt here) analysed in headless Debian Chromium, next to
// `layerscope inspect --json` on the same file; then the fully expanded tree
// scrolled end to end, counting dropped frames; then what the page costs to
// download. See docs/benchmarks.md, "In the browser".
//
//   trunk build --release && node bench/browser.mjs [--runs N] [--write-docs] [IMAGE]
//
// Needs dist/ (trunk build --release), the image (bench/run.sh) and the release
// CLI (built here with cargo if stale). --write-docs replaces the "In the
// browser" section of docs/benchmarks.md with the figures; the markdown is
// always written to bench/out/browser.md.
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
  cli,
} from "../tests/e2e/lib.mjs";

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return null;
  const [, value] = args.splice(i, 2);
  return value;
};
const writeDocs = args.includes("--write-docs") && (args.splice(args.indexOf("--write-docs"), 1), true);
const RUNS = Number(flag("--runs") ?? 3);
const image = path.resolve(args[0] ?? path.join(root, "bench/out/image/docker-archive.tar"));
const load0 = os.loadavg()[0];
const say = (...m) => console.error("bench/browser:", ...m);
const die = (m) => {
  console.error(`bench/browser: error: ${m}`);
  process.exit(1);
};
if (!fs.existsSync(path.join(dist, "index.html"))) die("dist/ is missing: run `trunk build --release` first");
if (!fs.existsSync(image)) die(`${image} is missing: run bench/run.sh first (it builds the image once)`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;
const fmtBytes = (n) =>
  n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} kB`;

// Two ways to go through the whole expanded tree: a fast wheel/fling
// (1000 px, ~40 rows, per frame) and a scrollbar drag (600 frames, each a
// new screenful far below the last).
const SCROLLS = [
  { name: "fling", step: 1000 },
  { name: "drag", frames: 600 },
];

// ---- the CLI on the same file ------------------------------------------------------
const bin = cli();
say(`layerscope inspect --json ${path.relative(root, image)} x${RUNS}`);
const cliMs = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const r = spawnSync(bin, ["inspect", "--json", image], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  cliMs.push(performance.now() - t0);
  if (r.status !== 0) die(`layerscope inspect failed: ${r.stderr}`);
}
// The page analyses in one Web Worker: the CLI on one core too, for scale.
const cli1Ms = [];
const taskset = spawnSync("taskset", ["--version"]).status === 0;
for (let i = 0; taskset && i < RUNS; i++) {
  const t0 = performance.now();
  const r = spawnSync("taskset", ["-c", "0", bin, "inspect", "--json", image], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  cli1Ms.push(performance.now() - t0);
  if (r.status !== 0) die(`taskset -c 0 layerscope inspect failed: ${r.stderr}`);
}
const cliReport = JSON.parse(
  spawnSync(bin, ["inspect", "--json", image], { encoding: "utf8", maxBuffer: 1 << 30 }).stdout,
);

// ---- the page ------------------------------------------------------------------------
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
    window.__lsStates = [];
    let last = null;
    new MutationObserver(() => {
      const s = document.querySelector('[data-testid="analysis-status"]')?.getAttribute("data-state") ?? null;
      if (s !== last) window.__lsStates.push((last = s));
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
  });
  const page = await context.newPage();
  await page.goto(baseUrl, { waitUntil: "load" });
  await page.locator(tid("drop-zone")).waitFor({ state: "visible", timeout: 30_000 });
  return { context, page };
}

const pageMs = [];
const shownMs = [];
let scroll = null;
for (let i = 0; i < RUNS; i++) {
  const { context, page } = await freshPage();
  say(`page run ${i + 1}/${RUNS}: drop (setInputFiles) to data-state=done`);
  const mark = await stateMark(page);
  const t0 = performance.now();
  await page.locator(tid("file-input")).setInputFiles(image);
  const state = await waitTerminal(page, mark, { timeout: 600_000 });
  const elapsed = performance.now() - t0;
  if (state !== "done") die(`the page ended '${state}': ${await page.locator(tid("error-message")).allTextContents()}`);
  pageMs.push(elapsed);
  shownMs.push(Number(await page.locator(tid("analysis-status")).getAttribute("data-ms")));

  // Sanity: the page saw the image the CLI saw.
  const layers = await page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer]`).count();
  if (layers < cliReport.image.layer_count) die(`the page shows ${layers} layers, the CLI ${cliReport.image.layer_count}`);

  if (i === RUNS - 1) scroll = await measureScroll(page);
  await context.close();
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
      const total = scroller.scrollHeight - scroller.clientHeight;
      const step = sc.step ?? Math.max(1, Math.ceil(total / sc.frames));
      const deltas = [];
      await new Promise((resolve) => {
        let last = performance.now();
        const tick = (now) => {
          deltas.push(now - last);
          last = now;
          if (scroller.scrollTop >= total - 1) return resolve();
          scroller.scrollTop = Math.min(total, scroller.scrollTop + step);
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      // The last rows arrive; a task in flight is reported.
      for (let i = 0; i < 30; i++) await frame();
      obs.disconnect();
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
      };
    }, sc);
  }
  return out;
}

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
            if (s.scrollTop >= total - 1) return resolve();
            s.scrollTop = Math.min(total, s.scrollTop + step);
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
        deltas.shift();
        return { frames: deltas.length, dropped: deltas.filter((d) => d > 20).length, worst: Math.max(...deltas) };
      },
      { sc, height: scroll.drag.scrollHeight },
    );
  }
  await context.close();
}

await browser.close();
server.close();
if (foreign.length) die(`requests beyond 127.0.0.1: ${foreign.join(", ")}`);

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
const ratio = median(pageMs) / median(cliMs);
const imageSize = fs.statSync(image).size;
const md = `## In the browser

\`node bench/browser.mjs\` (after \`trunk build --release\`; not part of the tests)
opens the page from a local static server in headless ${chromium} (the
flags in tests/e2e/lib.mjs), drops \`bench/out/image/docker-archive.tar\`
(the image above: ${fmtBytes(imageSize)}, ${cliReport.image.layer_count} layers,
${cliReport.image.files.toLocaleString("en")} paths) on the file input
(Playwright's \`setInputFiles\`) and waits for
\`analysis-status[data-state=done]\`. Medians of ${RUNS} runs on ${os.cpus().length} cores (${cpu}; load average ${load0.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end).

| | time |
|---|---|
| \`layerscope inspect --json\` (CLI, all cores) | ${fmtS(median(cliMs))} |${taskset ? `\n| \`layerscope inspect --json\` (CLI on one core: \`taskset -c 0\`) | ${fmtS(median(cli1Ms))} |` : ""}
| page: drop to done, measured by the test | ${fmtS(median(pageMs))} |
| page: \`data-ms\` (what the page itself measured) | ${fmtS(median(shownMs))} |
| page / CLI (all cores) | **${ratio.toFixed(2)}x** (target: within 2x) |${taskset ? `\n| page / CLI (one core) | ${(median(pageMs) / median(cli1Ms)).toFixed(2)}x |` : ""}

Scrolling the fully expanded tree (\`expand-all\`, ${scroll.drag.scrollHeight.toLocaleString("en")} px tall) from
top to bottom, a fixed step per animation frame; a frame is dropped when it
comes more than 20 ms after the one before; long tasks are the main thread's
(PerformanceObserver \`longtask\`). Target: no dropped frames.

The baseline is the same scroll over a plain virtual list of the same
height (40 rows moved by a scroll handler, no framework, no worker) in the same
browser: what headless Chromium on this machine manages at best.

| scroll | px per frame | frames | dropped | worst frame | long tasks (longest) | baseline: dropped, worst |
|---|---:|---:|---:|---:|---:|---:|
${Object.entries(scroll).map(([name, r]) => `| ${name === "fling" ? "fast wheel (~40 rows a frame)" : "scrollbar drag (600 frames)"} | ${r.step} | ${r.frames} | **${r.dropped}** | ${r.worst.toFixed(0)} ms | ${r.longTasks} (${r.longestTask.toFixed(0)} ms) | ${baseline[name].dropped} of ${baseline[name].frames}, ${baseline[name].worst.toFixed(0)} ms |`).join("\n")}

Download (dist/ without the samples; \`gzip -9\`): **${fmtBytes(gzTotal)}** (${fmtBytes(rawTotal)} raw). Target: under 1 MB.

| file | raw | gzip -9 |
|---|---:|---:|
${assets.map((a) => `| ${a.file.replace(/-[0-9a-f]{16}/, "-*")} | ${fmtBytes(a.raw)} | ${fmtBytes(a.gz)} |`).join("\n")}
`;

fs.mkdirSync(path.join(root, "bench/out"), { recursive: true });
fs.writeFileSync(path.join(root, "bench/out/browser.md"), md);
fs.writeFileSync(
  path.join(root, "bench/out/browser.json"),
  JSON.stringify({ image, cliMs, cli1Ms, pageMs, shownMs, scroll, baseline, assets, gzTotal }, null, 2),
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
