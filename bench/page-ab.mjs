// Two builds of the page side by side (not a test): each image dropped on a
// fresh page of build A, then of build B, alternately, RUNS times, and the
// medians of drop to done. For a change that trades the page's speed for
// something else (a smaller download, say): the machine's load moves the
// page's timings between sittings more than most changes do, so compare in
// pairs, in one run. See docs/benchmarks.md, "The worker built for size".
//
//   trunk build --release --dist /tmp/a   # on the old commit
//   trunk build --release --dist /tmp/b   # on the new one
//   node bench/page-ab.mjs /tmp/a /tmp/b [--runs N] [IMAGE...]
//
// IMAGE defaults to the benchmark image's two archives (bench/run.sh --image-only).
// Build an old commit in a worktree with a target directory of its own: with
// this one shared, cargo later took the old commit's wasm (newer files) as
// up to date for this checkout's sources, and `trunk build` shipped it.
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { root, serveDist, launchBrowser, isLocal, stateMark, waitTerminal, tid, recordStates } from "../tests/e2e/lib.mjs";

const args = process.argv.slice(2);
let runs = 3;
const i = args.indexOf("--runs");
if (i >= 0) runs = Number(args.splice(i, 2)[1]);
const [distA, distB, ...rest] = args;
const die = (m) => {
  console.error(`page-ab: ${m}`);
  process.exit(1);
};
if (!distB || !Number.isInteger(runs) || runs < 1) die("usage: node bench/page-ab.mjs DIST_A DIST_B [--runs N] [IMAGE...]");
for (const d of [distA, distB]) if (!fs.existsSync(path.join(d, "index.html"))) die(`${d}/index.html is missing: build it with trunk build --release --dist ${d}`);
const images = rest.length
  ? rest
  : ["docker-archive.tar", "oci-archive.tar"].map((f) => path.join(root, "bench/out/image", f)).filter((f) => fs.existsSync(f));
if (!images.length) die("no image: run bench/run.sh --image-only, or name one");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const raw = (dir) =>
  fs
    .readdirSync(dir)
    .filter((f) => /\.(wasm|js|css)$/.test(f) && f !== "sw.js")
    .reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);

const builds = [
  { name: "A", dir: distA, server: await serveDist(distA) },
  { name: "B", dir: distB, server: await serveDist(distB) },
];
const browser = await launchBrowser();

async function dropOnce(build, image) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: "block" });
  await context.route("**/*", (route) => (isLocal(route.request().url()) ? route.continue() : route.abort()));
  await context.addInitScript(recordStates);
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${build.server.address().port}/`, { waitUntil: "load" });
  await page.locator(tid("drop-zone")).waitFor({ state: "visible", timeout: 30_000 });
  const mark = await stateMark(page);
  const t0 = performance.now();
  await page.locator(tid("file-input")).setInputFiles(image);
  const state = await waitTerminal(page, mark, { timeout: 600_000 });
  const ms = performance.now() - t0;
  if (state !== "done") die(`build ${build.name} ended '${state}' on ${image}`);
  await context.close();
  return ms;
}

const rows = [];
for (const image of images) {
  const times = { A: [], B: [] };
  for (let r = 0; r < runs; r++) {
    // A then B, then B then A: neither always goes first.
    const order = r % 2 ? [...builds].reverse() : builds;
    for (const b of order) {
      const ms = await dropOnce(b, image);
      times[b.name].push(ms);
      console.error(`page-ab: ${path.basename(image)} run ${r + 1}/${runs} ${b.name}: ${(ms / 1000).toFixed(2)} s`);
    }
  }
  rows.push({ image: path.basename(image), a: median(times.A), b: median(times.B), times });
}
await browser.close();
for (const b of builds) b.server.close();

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`| image | A: ${distA} | B: ${distB} | B / A |`);
console.log("|---|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.image} | ${s(r.a)} | ${s(r.b)} | ${(r.b / r.a).toFixed(2)}x |`);
console.log(`\nMedians of ${runs} runs each, alternated. Raw wasm + js + css: A ${(raw(distA) / 1e6).toFixed(2)} MB, B ${(raw(distB) / 1e6).toFixed(2)} MB.`);
