// The page on the hostile inputs of docs/hardening.md: for each archive
// `cargo run --release -p layerscope-core --example hostile_inputs -- DIR`
// writes, a fresh page, the file dropped on the input, and: the time to
// the first terminal state (done, error, cancelled), that state and its
// message, the renderer's resident memory over its level before the drop
// (sampled every 50 ms), and the main thread's longest task meanwhile (is
// the page responsive?). Then Cancel, pressed 2 s into the largest bomb:
// the time until the page says cancelled, and that it opens a small image
// right after. Not part of the tests.
//
//   node bench/hostile-page.mjs [DIR]      # DIR: /tmp/hostile by default
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { root, dist, serveDist, launchBrowser, stateMark, waitTerminal, tid, recordStates } from "../tests/e2e/lib.mjs";
import { sampleMemory } from "./memory.mjs";

const dir = path.resolve(process.argv[2] ?? "/tmp/hostile");
const say = (...m) => console.error("bench/hostile-page:", ...m);
if (!fs.existsSync(path.join(dist, "index.html"))) throw new Error("dist/ is missing: run `trunk build --release` first");
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".tar")).sort();
if (!files.length) throw new Error(`no .tar in ${dir}: run the hostile_inputs example first`);

const server = await serveDist();
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchBrowser();

async function freshPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    window.__lsLong = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__lsLong.push(e.duration))).observe({ type: "longtask", buffered: true });
  });
  await context.addInitScript(recordStates);
  const page = await context.newPage();
  await page.goto(base, { waitUntil: "load" });
  await page.locator(tid("drop-zone")).waitFor({ state: "visible", timeout: 30_000 });
  // The page's own worker has booted (its wasm asked for).
  await page.waitForTimeout(500);
  return { context, page };
}

const mib = (b) => `${Math.round(b / 2 ** 20)} MiB`;
const rows = [];
for (const f of files) {
  say(f);
  const { context, page } = await freshPage();
  const mark = await stateMark(page);
  const memory = sampleMemory();
  const t0 = performance.now();
  await page.locator(tid("file-input")).setInputFiles(path.join(dir, f));
  let state;
  try {
    state = await waitTerminal(page, mark, { timeout: 900_000 });
  } catch {
    state = "timeout (15 min)";
  }
  const ms = performance.now() - t0;
  const m = memory();
  const message = (await page.locator(tid("error-message")).allTextContents()).join(" ").slice(0, 140);
  const longest = Math.max(0, ...(await page.evaluate(() => window.__lsLong)));
  rows.push({ f, state, ms, mem: m.peak.renderer - m.before.renderer, longest, message });
  say(`  ${state} in ${(ms / 1000).toFixed(1)} s, ${mib(m.peak.renderer - m.before.renderer)}, longest task ${longest.toFixed(0)} ms`);
  await context.close();
}

// Cancel in the middle of the largest bomb, then a small image.
const bomb = files.filter((f) => f.includes("bomb")).sort((a, b) => fs.statSync(path.join(dir, b)).size - fs.statSync(path.join(dir, a)).size)[0]
  ?? files[0];
const { context, page } = await freshPage();
let mark = await stateMark(page);
await page.locator(tid("file-input")).setInputFiles(path.join(dir, bomb));
await page.waitForTimeout(2000);
const t0 = performance.now();
await page.locator(tid("cancel")).click();
const cancelled = await waitTerminal(page, mark, { timeout: 60_000 });
const cancelMs = performance.now() - t0;
mark = await stateMark(page);
const small = path.join(root, "www/samples/demo.docker.tar");
await page.locator(tid("file-input")).setInputFiles(small);
const after = await waitTerminal(page, mark, { timeout: 60_000 });
await context.close();
await browser.close();
server.close();

console.log(`| input | page: state | time | renderer memory over the level before the drop | longest main-thread task |
|---|---|---:|---:|---:|
${rows.map((r) => `| \`${r.f}\` | ${r.state}${r.message ? `: ${r.message.replace(/\|/g, "\\|")}` : ""} | ${(r.ms / 1000).toFixed(1)} s | ${mib(r.mem)} | ${r.longest.toFixed(0)} ms |`).join("\n")}

Cancel pressed 2 s into \`${bomb}\`: the page said ${cancelled} ${Math.round(cancelMs)} ms later; the demo image opened right after: ${after}.`);
