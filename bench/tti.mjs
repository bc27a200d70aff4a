// Time to interactive of the page (not a test): dist/ from a local static
// server (tests/e2e/lib.mjs's, under a sub-path as a docs site serves it) in
// headless Debian Chromium, three ways, each run in a fresh browser context:
//
//   first visit    nothing cached: every file over the network (localhost)
//   repeat visit   the service worker installed by a first visit answers
//   offline        the same, with the server stopped and the context offline
//
// "Interactive" here: the app has started (its drop zone is in the DOM and
// visible, so a drop or a click is handled) and the main thread has had no
// long task (> 50 ms, the Long Tasks API) for 1 s after that; TTI is the
// later of the drop zone's appearance and the end of the last long task
// before the quiet second, from the navigation's start. Also: bytes fetched
// by the first visit (uncompressed: this server does not gzip; a static
// host usually does, see the download figures in docs/benchmarks.md).
//
//   trunk build --release && node bench/tti.mjs [--runs N]
//
// Prints a Markdown table; docs/benchmarks.md ("Time to interactive") holds
// the figures of one run, written by hand.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dist, serveDist, launchBrowser, tid } from "../tests/e2e/lib.mjs";

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 7;
const SUB = "/docs/layerscope/";

if (!fs.existsSync(path.join(dist, "sw.js"))) {
  console.error(`${dist}/sw.js missing: run \`trunk build --release\` first`);
  process.exit(2);
}

// In the page before anything runs: long tasks and the drop zone's first sight.
const instrument = () => {
  window.__tti = { longTasks: [], ready: null };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__tti.longTasks.push([e.startTime, e.startTime + e.duration]);
  }).observe({ type: "longtask", buffered: true });
  const seen = () => {
    const zone = document.querySelector('[data-testid="drop-zone"]');
    if (zone && zone.offsetParent !== null && window.__tti.ready === null) window.__tti.ready = performance.now();
    return window.__tti.ready !== null;
  };
  new MutationObserver((_, obs) => seen() && obs.disconnect()).observe(document, { childList: true, subtree: true });
};

/** Loads `url` in `page`, waits for the quiet second, returns the figures (ms from the navigation's start). */
async function interactive(page, url) {
  await page.goto(url, { waitUntil: "load" });
  await page.locator(tid("drop-zone")).waitFor({ state: "visible", timeout: 60_000 });
  // The quiet second: no long task in the last 1,000 ms.
  await page.waitForFunction(
    () => {
      const t = window.__tti;
      const last = t.longTasks.reduce((m, [, end]) => Math.max(m, end), 0);
      return t.ready !== null && performance.now() - Math.max(t.ready, last) >= 1000;
    },
    null,
    { timeout: 60_000, polling: 100 },
  );
  return page.evaluate(() => {
    const last = window.__tti.longTasks.reduce((m, [, end]) => Math.max(m, end), 0);
    return {
      tti: Math.max(window.__tti.ready, last),
      ready: window.__tti.ready,
      long: window.__tti.longTasks.length,
      controlled: Boolean(navigator.serviceWorker?.controller),
    };
  });
}

async function measure(browser, url, { serviceWorkers } = {}) {
  const context = await browser.newContext({ serviceWorkers });
  try {
    await context.addInitScript(instrument);
    const page = await context.newPage();
    let bytes = 0;
    page.on("response", async (r) => {
      try {
        bytes += (await r.body()).length;
      } catch {
        /* a response without a body */
      }
    });
    return { ...(await interactive(page, url)), bytes };
  } finally {
    await context.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const browser = await launchBrowser();
const rows = { first: [], repeat: [], offline: [] };
let firstBytes = 0;
try {
  for (let i = 0; i < RUNS; i++) {
    let server = await serveDist(dist, { prefix: SUB });
    let url = `http://127.0.0.1:${server.address().port}${SUB}`;
    const first = await measure(browser, url, { serviceWorkers: "block" });
    rows.first.push(first);
    firstBytes = first.bytes;

    // A visit that installs the worker, then the measured visit, same context.
    const context = await browser.newContext({ serviceWorkers: "allow" });
    await context.addInitScript(instrument);
    const warm = await context.newPage();
    await warm.goto(url);
    await warm.locator("html[data-offline=ready]").waitFor({ state: "attached", timeout: 60_000 });
    await warm.close();
    const timed = async (label) => {
      const page = await context.newPage();
      const t = await interactive(page, url);
      if (!t.controlled) throw new Error(`${label}: the service worker did not answer`);
      await page.close();
      return t;
    };
    rows.repeat.push(await timed("repeat"));
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await context.setOffline(true);
    rows.offline.push(await timed("offline"));
    await context.close();
    process.stderr.write(`run ${i + 1}/${RUNS}: first ${first.tti.toFixed(0)} ms, repeat ${rows.repeat.at(-1).tti.toFixed(0)} ms, offline ${rows.offline.at(-1).tti.toFixed(0)} ms\n`);
  }
} finally {
  await browser.close();
}

const ms = (x) => `${Math.round(x)} ms`;
const line = (label, list) =>
  `| ${label} | ${ms(median(list.map((r) => r.ready)))} | ${ms(median(list.map((r) => r.tti)))} | ${ms(Math.min(...list.map((r) => r.tti)))} | ${median(list.map((r) => r.long))} |`;
console.log(`Time to interactive, ${RUNS} runs each, headless Chromium, dist/ served from 127.0.0.1${SUB}; ${os.cpus().length} cores (${os.cpus()[0].model.trim()}), load ${os.loadavg()[0].toFixed(1)}`);
console.log("");
console.log("| visit | drop zone shown (median) | interactive (median) | interactive (best) | long tasks (median) |");
console.log("|---|---:|---:|---:|---:|");
console.log(line("first visit (nothing cached)", rows.first));
console.log(line("repeat visit (service worker)", rows.repeat));
console.log(line("offline (service worker, server stopped)", rows.offline));
console.log("");
console.log(`First visit fetched ${(firstBytes / 1e6).toFixed(2)} MB (uncompressed), before the service worker's own copy of every file.`);
