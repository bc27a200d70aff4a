// The page's comparison benchmark (not a test): the benchmark image's OCI
// archive opened in headless Debian Chromium, then compared with its variant
// (bench/diff.sh makes it: the last layer replaced), timed from choosing the
// second file to the comparison on screen, with the renderer's peak memory
// over its level with A open; beside it, `layerscope diff --json` on the
// same two files in the same run. See docs/benchmarks.md,
// "Comparing two images".
//
//   trunk build --release && bench/diff.sh && node bench/browser-compare.mjs [--runs N]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { root, serveDist, launchBrowser, tid, cli } from "../tests/e2e/lib.mjs";
import { sampleMemory } from "./memory.mjs";

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] || 3) || 3;
const image = path.join(root, "bench/out/image");
const a = path.join(image, "oci-archive.tar");
const b = path.join(image, "variant-oci-archive.tar");
for (const f of [a, b]) {
  if (!fs.existsSync(f)) throw new Error(`${f} is missing: run bench/diff.sh first`);
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

const cliTimes = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const out = spawnSync(cli(), ["diff", "--json", a, b], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (out.status !== 1) throw new Error(`layerscope diff: exit ${out.status}: ${out.stderr}`);
  cliTimes.push((performance.now() - t0) / 1000);
}

const server = await serveDist();
const browser = await launchBrowser();
const openTimes = [];
const compareTimes = [];
// The renderer's resident memory (MiB): with A open, and the peak over that while B is read and compared.
const renderer = [];
const rendererAt = [];
try {
  for (let r = 0; r < runs; r++) {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.locator(tid("file-input")).waitFor({ state: "attached" });
    const t0 = performance.now();
    await page.locator(tid("file-input")).setInputFiles(a);
    await page
      .locator(`${tid("analysis-status")}[data-state="done"], ${tid("analysis-status")}[data-state="error"]`)
      .waitFor({ state: "attached", timeout: 300_000 });
    const state = await page.locator(tid("analysis-status")).getAttribute("data-state");
    if (state !== "done") throw new Error(`opening A ended '${state}'`);
    openTimes.push((performance.now() - t0) / 1000);
    await page.locator(tid("compare-panel")).waitFor({ state: "attached", timeout: 30_000 });
    const memory = sampleMemory();
    const t1 = performance.now();
    await page.locator(tid("compare-input")).setInputFiles(b);
    await page.locator(tid("compare-verdict")).waitFor({ state: "visible", timeout: 300_000 });
    compareTimes.push((performance.now() - t1) / 1000);
    const { before, peak } = memory();
    renderer.push((peak.renderer - before.renderer) / 1048576);
    rendererAt.push(before.renderer / 1048576);
    await page.close();
  }
} finally {
  await browser.close();
  await new Promise((resolve) => server.close(resolve));
}

const rows = [
  ["layerscope diff --json A B (CLI: both analyses and the comparison)", cliTimes],
  ["page: open A (oci-archive.tar, drop to done)", openTimes],
  ["page: compare with B (choose the file to the comparison on screen)", compareTimes],
];
console.log(`| Step | Median (s) | Best (s) |\n|---|---:|---:|`);
for (const [what, xs] of rows) {
  console.log(`| ${what} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)} |`);
}
console.log(
  `\nThe renderer (the page and its workers) while comparing: ${median(rendererAt).toFixed(0)} MiB with A open, ` +
    `+${median(renderer).toFixed(0)} MiB at the peak (median of ${runs}).`,
);
