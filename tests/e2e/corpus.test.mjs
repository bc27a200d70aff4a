// Real archives from other projects (../shared/corpus), one of each kind,
// opened in the page through its <input type=file> (and by a real drag and
// drop): what the page shows and what its Export JSON downloads must match
// `layerscope inspect --json` on the same file.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import {
  harness,
  openPage,
  gotoApp,
  openDone,
  dropFile,
  cliReport,
  corpusFile,
  assertMatchesCli,
  tid,
  serveDist,
  insecureHost,
  generatedArchive,
  fixtureImage,
  exportJson,
  runCli,
  runCliIn,
  samplesDir,
} from "./lib.mjs";

const h = harness();

const KINDS = [
  ["docker save, old format (<id>/layer.tar)", "wagoodman-dive/.data/test-docker-image.tar"],
  ["docker save with gzip layers (kaniko)", "wagoodman-dive/.data/test-kaniko-image.tar"],
  ["OCI archive, gzip layers", "wagoodman-dive/.data/test-oci-gzip-image.tar"],
  ["OCI archive, zstd layers", "wagoodman-dive/.data/test-oci-zstd-image.tar"],
  ["OCI archive, uncompressed layers", "wagoodman-dive/.data/test-oci-uncompressed-image.tar"],
  ["Docker 25 docker save (OCI layout inside)", "google-go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar"],
  ["gzipped whole archive", "aquasecurity-trivy/pkg/fanal/test/testdata/alpine-310.tar.gz"],
  ["several images in one archive", "google-go-containerregistry/pkg/v1/tarball/testdata/test_bundle.tar"],
];

for (const [kind, rel] of KINDS) {
  test(`${kind}: ${path.basename(rel)} through the file input matches the CLI`, async (t) => {
    const file = corpusFile(rel);
    const report = cliReport(file);
    const pg = await openPage(t, h);
    await gotoApp(pg.page, h);
    await openDone(pg.page, file);
    await assertMatchesCli(pg.page, file, report);
    pg.assertClean();
  });
}

test("a real drag and drop: two archives dropped one after the other", async (t) => {
  const pg = await openPage(t, h);
  await gotoApp(pg.page, h);
  for (const rel of ["wagoodman-dive/.data/test-oci-zstd-image.tar", "wagoodman-dive/.data/test-docker-image.tar"]) {
    const file = corpusFile(rel);
    const state = await dropFile(pg.page, file);
    assert.equal(state, "done", `${rel}: dropped, ended '${state}': ${await pg.page.locator(tid("error-message")).allTextContents()}`);
    const report = cliReport(file);
    await assertMatchesCli(pg.page, file, report);
  }
  pg.assertClean();
});

test("a file of several layers is read by several workers at once, with the same answer", async (t) => {
  const file = corpusFile("wagoodman-dive/.data/test-docker-image.tar");
  const report = cliReport(file);
  const pg = await openPage(t, h);
  const workers = [];
  pg.page.on("worker", (w) => workers.push(w.url()));
  await gotoApp(pg.page, h);
  const cores = await pg.page.evaluate(() => navigator.hardwareConcurrency);
  await openDone(pg.page, file);
  if (cores >= 2) {
    // The page's worker and at least two that each read layers.
    assert.ok(workers.length >= 3, `${cores} cores, ${workers.length} workers: ${workers.join(", ")}`);
    assert.ok(workers.every((u) => u.endsWith("/layerscope-worker-boot.js")), workers.join(", "));
  } else {
    t.diagnostic(`one core: one worker reads everything (${workers.length} started)`);
  }
  await assertMatchesCli(pg.page, file, report);
  pg.assertClean();
});

test("served over plain http from a name other than localhost (no crypto.subtle), the layer readers hash in wasm: the same answer", async (t) => {
  // Secure contexts hash each layer with the browser's own sha256; elsewhere
  // (a LAN address over http) there is no crypto.subtle and wasm hashes.
  const pg = await openPage(t, h);
  await gotoApp(pg.page, { baseUrl: `http://${insecureHost}:${h.server.address().port}/` });
  assert.deepEqual(
    await pg.page.evaluate(() => [window.isSecureContext, typeof crypto.subtle]),
    [false, "undefined"],
    "the page is not a secure context here",
  );
  for (const rel of ["wagoodman-dive/.data/test-docker-image.tar", "wagoodman-dive/.data/test-kaniko-image.tar"]) {
    const file = corpusFile(rel);
    const report = cliReport(file);
    await openDone(pg.page, file);
    await assertMatchesCli(pg.page, file, report);
  }
  pg.assertClean();
});

test("layers written by umoci insert (no padding, no end blocks): read whole as the CLI reads them, the notes say so", async (t) => {
  const dir = fixtureImage(t, "make-umoci-insert-image.sh");
  const pg = await openPage(t, h);
  await gotoApp(pg.page, h);
  for (const name of ["oci-archive.tar", "docker-archive.tar"]) {
    const file = path.join(dir, name);
    const report = cliReport(file);
    assert.equal(report.layers.length, 5, name);
    await openDone(pg.page, file);
    await assertMatchesCli(pg.page, file, report);
    // The notes are below the first screen: they render a few tasks after done.
    const warnings = pg.page.locator("details.diagnostics[open] li.note.warning");
    await warnings.first().waitFor({ state: "attached", timeout: 10_000 });
    const texts = await warnings.allTextContents();
    assert.equal(texts.length, 2, `${name}: ${texts.join(" | ")}`);
    assert.match(texts[0], /layer 1.*the layer's tar ends right after the data of its last entry \(\/opt\/inserted\/sub\/b\.txt\)/, name);
    assert.match(texts[1], /layer 2.*\(\/etc\/motd\), without the padding/, name);
  }
  pg.assertClean();
});

test("gzip layers of several members each (the gzip trailer counts only the last): the same answer as the CLI", async (t) => {
  // A layer's tar is hashed by the browser into a buffer sized from the gzip
  // trailer; with several members the tar is longer than that, and the
  // layer is read again and hashed in wasm.
  const file = generatedArchive(t, "big-archive.py", ["8", "3"]);
  const report = cliReport(file);
  assert.equal(report.layers.filter((l) => l.compression === "gzip").length, 3);
  const pg = await openPage(t, h);
  await gotoApp(pg.page, h);
  await openDone(pg.page, file);
  await assertMatchesCli(pg.page, file, report);
  pg.assertClean();
});

test("when the workers that read layers cannot start, the page's worker reads the file itself", async (t) => {
  const file = corpusFile("wagoodman-dive/.data/test-docker-image.tar");
  const report = cliReport(file);
  // A server that gives the worker script once: to the page's own worker.
  // Every later request for it (a layer reader starting) gets a 404.
  let boots = 0;
  const server = await serveDist(undefined, {
    refuse: (p) => p.endsWith("/layerscope-worker-boot.js") && ++boots > 1,
  });
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const pg = await openPage(t, h);
  await gotoApp(pg.page, { baseUrl: `http://127.0.0.1:${server.address().port}/` });
  await openDone(pg.page, file);
  await assertMatchesCli(pg.page, file, report);
  const cores = await pg.page.evaluate(() => navigator.hardwareConcurrency);
  if (cores >= 2) assert.ok(boots >= 2, `layer readers were asked for (${boots} requests for the worker script)`);
  pg.assertClean({ allowConsole: [/404|Failed to load|Not Found/i] });
});

test("compare with another file: the two stacks, the pull plan, the paths, and layerscope diff --json as the export", async (t) => {
  // The demo as a docker archive (plain layers) against itself as an OCI
  // archive with zstd layers: the same files, other blobs. Then against a
  // corpus image: nothing in common.
  const a = path.join(samplesDir, "demo.docker.tar");
  const b = path.join(samplesDir, "demo-zstd.oci.tar");
  const pg = await openPage(t, h);
  await gotoApp(pg.page, h);
  await openDone(pg.page, a);
  const pane = pg.page.locator(tid("compare-panel"));
  await pane.waitFor({ state: "attached", timeout: 15_000 });
  await pg.page.locator(tid("compare-input")).setInputFiles(b);
  const verdict = pg.page.locator(tid("compare-verdict"));
  await verdict.waitFor({ state: "visible", timeout: 30_000 });
  // runCli runs from the file's folder and names it last: diff --json A B.
  const cli = runCli(["diff", "--json", "demo.docker.tar"], b);
  assert.equal(cli.status, 0, cli.stderr);
  const doc = JSON.parse(cli.stdout);
  assert.equal(await verdict.getAttribute("data-identical"), String(doc.identical));
  const rows = pg.page.locator(tid("compare-row"));
  assert.equal(await rows.count(), doc.layers.rows.length);
  assert.deepEqual(
    await rows.evaluateAll((els) => els.map((e) => e.dataset.same === "true")).then((x) => x.reverse()),
    doc.layers.rows.map((r) => r.same_files),
  );
  assert.equal(Number(await pg.page.locator(tid("pull-b")).getAttribute("data-download")), doc.pull.b_onto_a.download_bytes);
  assert.equal(Number(await pg.page.locator(tid("pull-a")).getAttribute("data-download")), doc.pull.a_onto_b.download_bytes);
  // The export is the CLI's document, byte for byte.
  const got = await exportJson(pg.page, "export-compare");
  assert.equal(got.name, "demo.docker.layerscope-diff-demo-zstd.oci.json");
  assert.ok(got.text === cli.stdout, "the page's comparison export differs from layerscope diff --json");

  // Against an unrelated image: every path differs; the open image stays.
  const other = corpusFile("wagoodman-dive/.data/test-oci-gzip-image.tar");
  await pg.page.locator(tid("compare-input")).setInputFiles(other);
  await pg.page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes("test-oci-gzip-image.tar"), tid("compare-verdict"));
  const paths = pg.page.locator(tid("compare-path"));
  assert.ok((await paths.count()) > 0);
  // The same difference as the virtual tree: every path layerscope diff
  // --paths lists, with its mark, and nothing else marked.
  await pg.page.locator(tid("compare-show")).click();
  await pg.page.waitForFunction((sel) => document.querySelector(sel)?.value === "compare", tid("view-mode"));
  await pg.page.locator(tid("expand-all")).click();
  const cliPaths = runCliIn(samplesDir, ["diff", "--paths", "demo.docker.tar", other]);
  const want = cliPaths.stdout.trim().split("\n").map((l) => l.split("\t")).map(([m, p]) => `${p} ${{ A: "added", D: "removed", M: "modified" }[m]}`).sort();
  await pg.page.waitForFunction(
    ([sel, n]) => document.querySelectorAll(`${sel}[data-mark]:not([data-mark=""])`).length >= n,
    [tid("tree-row"), Math.min(want.length, 20)],
  );
  const shown = await pg.page.locator(`${tid("tree-row")}[data-mark]:not([data-mark=""])`).evaluateAll((els) => els.map((e) => `${e.dataset.path} ${e.dataset.mark}`));
  assert.ok(shown.length > 0);
  for (const row of shown) assert.ok(want.includes(row), `${row} is marked in the tree but not listed by layerscope diff --paths`);
  assert.equal(await pg.page.locator(tid("analysis-status")).getAttribute("data-state"), "done");
  // A file that is not an image: the pane says why, the image stays open.
  const junk = path.join(samplesDir, "index.json");
  await pg.page.locator(tid("compare-input")).setInputFiles(junk);
  const error = pg.page.locator(tid("compare-error"));
  await error.waitFor({ state: "visible", timeout: 15_000 });
  assert.match(await error.textContent(), /^index\.json: /);
  assert.equal(await pg.page.locator(tid("analysis-status")).getAttribute("data-state"), "done");
  pg.assertClean();
});

test("two samples compared with one click: the naive app against the fixed one", async (t) => {
  const pg = await openPage(t, h);
  await gotoApp(pg.page, h);
  await pg.page.locator(tid("compare-samples-app-fixed")).click();
  const verdict = pg.page.locator(tid("compare-verdict"));
  await verdict.waitFor({ state: "visible", timeout: 30_000 });
  assert.ok((await verdict.textContent()).includes("app-fixed.docker.tar"));
  assert.equal(await pg.page.locator(tid("analysis-status")).getAttribute("data-state"), "done");
  const cli = runCli(["diff", "--json", "app-naive.docker.tar"], path.join(samplesDir, "app-fixed.docker.tar"));
  assert.equal(cli.status, 1, cli.stderr);
  const got = await exportJson(pg.page, "export-compare");
  assert.ok(got.text === cli.stdout, "the page's comparison export differs from layerscope diff --json");
  // The story the pair tells: the base is shared, the npm cache is gone.
  assert.equal(got.doc.layers.shared_base, 1);
  assert.ok(got.doc.paths.list.some((p) => p.path === "/root/.npm/_cacache/index-v5" && p.change === "removed"));
  // Other layers: A after its layer 1 against B after its layer 2, as
  // layerscope diff --layer-a 1 --layer-b 2 compares them.
  // (Each choice waits for the worker's answer: the other side's choice
  // goes with the next request.)
  await pg.page.locator(tid("compare-layer-a")).selectOption("1");
  await pg.page.waitForFunction((sel) => document.querySelector(sel)?.dataset.layers === "1:last", tid("compare-verdict"));
  await pg.page.locator(tid("compare-layer-b")).selectOption("2");
  await pg.page.waitForFunction((sel) => document.querySelector(sel)?.dataset.layers === "1:2", tid("compare-verdict"));
  const layered = runCli(["diff", "--json", "--layer-a", "1", "--layer-b", "2", "app-naive.docker.tar"], path.join(samplesDir, "app-fixed.docker.tar"));
  const again = await exportJson(pg.page, "export-compare");
  assert.ok(again.text === layered.stdout, "after choosing layers, the page's export differs from layerscope diff --layer-a 1 --layer-b 2");
  assert.equal(again.doc.a.paths_after_layer, 1);
  pg.assertClean();
});

test("two files chosen at once: the first is opened and compared with the second", async (t) => {
  const a = path.join(samplesDir, "app-fixed.docker.tar");
  const b = path.join(samplesDir, "app-newbase.docker.tar");
  const pg = await openPage(t, h);
  await gotoApp(pg.page, h);
  await pg.page.locator(tid("file-input")).setInputFiles([a, b]);
  const verdict = pg.page.locator(tid("compare-verdict"));
  await verdict.waitFor({ state: "visible", timeout: 30_000 });
  assert.ok((await verdict.textContent()).includes("app-newbase.docker.tar"));
  const cli = runCli(["diff", "--json", "app-fixed.docker.tar"], b);
  assert.equal(cli.status, 1, cli.stderr);
  const got = await exportJson(pg.page, "export-compare");
  assert.ok(got.text === cli.stdout, "the page's comparison export differs from layerscope diff --json");
  // An upgraded base: the stacks part at the bottom, the app's blobs kept.
  assert.equal(got.doc.layers.shared_base, 0);
  assert.equal(got.doc.pull.b_onto_a.download_layers, 1);
  // The difference in the tree; a path's story tells both images.
  await pg.page.locator(tid("compare-show")).click();
  await pg.page.locator(`${tid("tree-row")}[data-path="/bin/busybox"]`).click();
  const other = pg.page.locator(tid("story-compared"));
  await other.waitFor({ state: "visible", timeout: 15_000 });
  assert.ok((await other.textContent()).includes("In app-newbase.docker.tar"));
  const events = await pg.page.locator(tid("story-compared-event")).evaluateAll((els) => els.map((e) => `${e.dataset.layer} ${e.dataset.what}`));
  assert.deepEqual(events, ["0 added"], "busybox comes with app-newbase's base layer");
  pg.assertClean();
});
