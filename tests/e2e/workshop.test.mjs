// The workshop (docs/workshop.md), done as an attendee would: from the
// rendered page docs/workshop.html, each exercise's "Check it in the page"
// link opens the page there; what its hidden answer says is then read off
// the page. Each fact is checked twice: the answer states it, and the page
// shows it. An answer that drifts from the page (a sample remade, a figure
// formatted otherwise) fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import {
  harness,
  openPage,
  waitTerminal,
  runCli,
  samplesDir,
  tid,
  layerMembers,
} from "./lib.mjs";

const h = harness();
const TREE_ROW = `${tid("file-tree")} ${tid("tree-row")}`;
// The stack lists every step; a filesystem layer's row has its layer number.
const FS_LAYER = `${tid("layer-stack")} ${tid("layer-item")}:not([data-layer=""])`;

/** Exercise `n` of the rendered workshop: its link into the page and its answer's text. */
async function exercise(page, n) {
  const response = await page.goto(new URL("docs/workshop.html", h.baseUrl).href);
  assert.equal(response.status(), 200);
  const found = await page.evaluate((n) => {
    const heading = [...document.querySelectorAll("main.doc h3")].find((e) => e.id.startsWith(`exercise-${n}-`));
    if (!heading) return null;
    let link = null;
    let answer = null;
    for (let el = heading.nextElementSibling; el && !/^H[23]$/.test(el.tagName); el = el.nextElementSibling) {
      link ??= [...el.querySelectorAll("a")].find((a) => a.textContent === "Check it in the page")?.href ?? null;
      if (el.tagName === "DETAILS") answer = el.textContent.replace(/\s+/g, " ");
    }
    return { title: heading.textContent, link, answer };
  }, n);
  assert.ok(found, `docs/workshop.html has exercise ${n}`);
  assert.ok(found.link, `exercise ${n} links into the page`);
  assert.ok(found.answer, `exercise ${n} has an answer`);
  return found;
}

/** The answer states `fact` (whitespace as rendered). */
function states(ex, fact) {
  assert.ok(ex.answer.includes(fact), `${ex.title}: the answer should say "${fact}": ${ex.answer}`);
}

/** Follows the exercise's link: the page opens the sample it names, where it says. */
async function follow(page, ex) {
  await page.goto(ex.link);
  assert.equal(await waitTerminal(page, 0), "done", `${ex.title}: the link's sample opens`);
  await page.locator(tid("layer-stack")).waitFor({ state: "visible", timeout: 15_000 });
  // The panes below the first screen come a moment later (app.rs's stages).
  await page.locator(tid("history-row")).first().waitFor({ state: "visible", timeout: 15_000 });
}

const text = async (locator) => (await locator.textContent()).replace(/\s+/g, " ").trim();

async function expandAll(page) {
  const button = page.locator(tid("expand-all"));
  const state = await button.evaluate((el) => ({ pressed: el.getAttribute("aria-pressed"), disabled: el.disabled }));
  if (state.pressed !== "true" && !state.disabled) await button.click();
}

/** The marked rows of the tree, once it has settled on `want` (path → mark). */
async function marks(page, want) {
  const read = (sel) =>
    Object.fromEntries(
      [...document.querySelectorAll(sel)]
        .filter((e) => e.getAttribute("data-mark"))
        .map((e) => [e.getAttribute("data-path"), e.getAttribute("data-mark")]),
    );
  try {
    await page.waitForFunction(
      ([sel, want]) => {
        const got = Object.fromEntries(
          [...document.querySelectorAll(sel)].filter((e) => e.getAttribute("data-mark")).map((e) => [e.getAttribute("data-path"), e.getAttribute("data-mark")]),
        );
        return Object.entries(want).every(([p, m]) => got[p] === m);
      },
      [TREE_ROW, want],
      { timeout: 15_000 },
    );
  } catch {
    /* reported below with what the page had */
  }
  const got = await page.evaluate(read, TREE_ROW);
  for (const [p, m] of Object.entries(want)) assert.equal(got[p], m, `${p} is marked ${m} (tree: ${JSON.stringify(got)})`);
  return got;
}

/** Simulates "a file changes" for the path the route selected. */
async function simulateFile(page) {
  await page.locator(tid("build-step")).first().waitFor({ state: "visible", timeout: 15_000 });
  await page.locator(tid("change-kind")).selectOption("file");
  await page.locator(tid("simulate")).click();
  await page.locator(tid("sim-result")).waitFor({ state: "visible", timeout: 15_000 });
}

/** The member names of filesystem layer `n`'s own tar (the report names its member). */
function layerTar(archive, n) {
  const report = JSON.parse(runCli(["inspect", "--json"], archive).stdout);
  return layerMembers(archive, report.layers.find((l) => l.layer === n).member);
}

test("exercise 1: count the layers (demo)", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  const ex = await exercise(page, 1);
  await follow(page, ex);
  states(ex, "10 steps, 6 of them made a filesystem layer");
  assert.equal(await page.locator(tid("history-row")).count(), 10);
  assert.equal(await page.locator(`${tid("layer-stack")} ${tid("layer-item")}`).count(), 10);
  assert.equal(await page.locator(FS_LAYER).count(), 6);
  states(ex, "layer 1, 369 kB");
  states(ex, "apk add --no-cache curl");
  assert.match(await text(page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer="1"]`)), /369 kB/);
  assert.match(await text(page.locator(`${tid("history-row")}[data-layer="1"]`)), /apk add --no-cache curl/);
  // One numbering of steps in the page: the History's and the build pane's agree.
  assert.equal(await text(page.locator(`${tid("history-row")}[data-layer="1"] .step-cell`)), "3 · L1");
  const buildStep = page.locator(`${tid("build-step")}[data-step="3"]`);
  await buildStep.waitFor({ state: "visible", timeout: 15_000 });
  assert.match(await text(buildStep), /apk add --no-cache curl/);
  // The largest: no other layer is bigger (each row's size, as the CLI counts it).
  const report = JSON.parse(runCli(["inspect", "--json"], path.join(samplesDir, "demo.docker.tar")).stdout);
  const sizes = report.layers.filter((l) => l.layer !== null).map((l) => l.size);
  assert.equal(sizes.indexOf(Math.max(...sizes)), 1);
  pg.assertClean();
});

test("exercise 2: explain the whiteout (demo, layer 2 and the opaque layer 4)", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  const ex = await exercise(page, 2);
  await follow(page, ex);
  await expandAll(page);
  states(ex, "removed `/var/cache/apk/APKINDEX.tar.gz`".replace(/`/g, ""));
  states(ex, "the directory /tmp/build");
  await marks(page, { "/var/cache/apk/APKINDEX.tar.gz": "removed", "/tmp/build": "removed" });
  assert.equal(await text(page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer="2"] .li-size`)), "0 B");
  // The markers the answer names are what layer 2's tar holds.
  states(ex, "var/cache/apk/.wh.APKINDEX.tar.gz");
  states(ex, "tmp/.wh.build");
  states(ex, "etc/conf.d/.wh..wh..opq");
  const whiteouts = layerTar(path.join(samplesDir, "demo.docker.tar"), 2);
  assert.deepEqual(whiteouts.filter((m) => m.includes(".wh.")).sort(), ["tmp/.wh.build", "var/cache/apk/.wh.APKINDEX.tar.gz"]);
  assert.ok(layerTar(path.join(samplesDir, "demo.docker.tar"), 4).includes("etc/conf.d/.wh..wh..opq"));
  // Bonus: layer 4, its changes.
  await page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer="4"]`).click();
  await expandAll(page);
  states(ex, "/etc/conf.d/base.conf and /etc/conf.d/net.conf are removed");
  await marks(page, { "/etc/conf.d/base.conf": "removed", "/etc/conf.d/net.conf": "removed", "/etc/conf.d/app.conf": "added" });
  pg.assertClean();
});

test("exercise 3: find the wasted file (demo)", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  const ex = await exercise(page, 3);
  await follow(page, ex);
  states(ex, "/var/cache/apk/APKINDEX.tar.gz: 262 kB in layer 1");
  const first = page.locator(tid("waste-path")).first();
  assert.equal(await first.getAttribute("data-path"), "/var/cache/apk/APKINDEX.tar.gz", "the first row of Wasted space");
  const cells = (await first.locator("td").allTextContents()).map((c) => c.trim());
  assert.deepEqual(cells.slice(0, 3), ["262 kB", "1", "1"], "262 kB, one copy, in layer 1");
  states(ex, "added in layer 1, deleted in layer 2");
  const events = page.locator(`${tid("path-story")} ${tid("story-event")}`);
  await events.first().waitFor({ state: "visible", timeout: 15_000 });
  const story = await events.evaluateAll((els) => els.map((e) => [e.getAttribute("data-layer"), e.getAttribute("data-what")]));
  assert.deepEqual(story, [["1", "added"], ["2", "removed"]]);
  assert.match(await text(events.nth(1)), /deleted/);
  states(ex, "402 kB of the 713 kB of files");
  assert.equal(await text(page.locator(tid("exact-wasted"))), "402 kB");
  assert.match(await text(page.locator(tid("waste-panel"))), /713 kB/);
  pg.assertClean();
});

test("exercise 4: is the secret gone? (secret-leak)", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  const ex = await exercise(page, 4);
  await follow(page, ex);
  const key = "/root/.ssh/id_rsa";
  const keyRow = page.locator(`${TREE_ROW}[data-path="${key}"]`);
  states(ex, "layer 2 still holds it, byte for byte (1.8 kB, mode 0600)");
  await page.locator(tid("tree-filter")).fill("id_rsa");
  await expandAll(page);
  await keyRow.waitFor({ state: "visible", timeout: 15_000 });
  assert.match(await text(keyRow), /-rw-------.*1\.8 kB/);
  const ls2 = runCli(["ls", "--layer", "2"], path.join(samplesDir, "secret-leak.docker.tar"));
  assert.match(ls2.stdout, /^\/root\/\.ssh\/id_rsa\tf\t1760\t0600\t/m);
  states(ex, "added in layer 2, deleted in layer 5");
  const events = page.locator(`${tid("path-story")} ${tid("story-event")}`);
  await events.first().waitFor({ state: "visible", timeout: 15_000 });
  const story = await events.evaluateAll((els) => els.map((e) => [e.getAttribute("data-layer"), e.getAttribute("data-what")]));
  assert.deepEqual(story, [["2", "added"], ["5", "removed"]]);
  // Not in the final filesystem: on the last layer, the tree shows it removed there.
  states(ex, "is not in the final filesystem");
  await page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer="5"]`).click();
  await marks(page, { [key]: "removed" });
  const final = runCli(["ls"], path.join(samplesDir, "secret-leak.docker.tar"));
  assert.doesNotMatch(final.stdout, /id_rsa|\.env/);
  // The finding, word for word, and the .env's.
  const title = "/root/.ssh/id_rsa is an SSH private key: a later layer deletes or replaces it, but layer 2 still holds it";
  states(ex, title);
  const finding = page.locator(`${tid("finding")}[data-id="secret-in-lower-layer"][data-path="${key}"]`);
  await finding.waitFor({ state: "visible", timeout: 15_000 });
  assert.equal(await finding.getAttribute("data-severity"), "high");
  assert.equal(await text(finding.locator(".finding-title")), title);
  states(ex, "/app/.env in layer 3");
  const env = page.locator(`${tid("finding")}[data-id="secret-in-lower-layer"][data-path="/app/.env"]`);
  assert.equal(await env.getAttribute("data-layer"), "3");
  assert.equal(await env.getAttribute("data-severity"), "high");
  pg.assertClean();
});

test("exercise 5: predict the rebuild (app-naive, /app/server.js changes)", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  const ex = await exercise(page, 5);
  await follow(page, ex);
  await simulateFile(page);
  states(ex, "From step 3, `COPY . /app`, on: 4 steps and 2 layers rebuild".replace(/`/g, ""));
  const steps = await page.locator(tid("build-step")).evaluateAll((els) => els.map((e) => [e.textContent, e.dataset.outcome]));
  const firstMiss = steps.findIndex(([, o]) => o !== "hit" && o !== "base");
  assert.equal(firstMiss, 2, `step 3 is the first to rebuild: ${JSON.stringify(steps)}`);
  assert.match(steps[2][0], /COPY \. \/app/);
  assert.ok(steps.some(([s, o]) => /npm ci/.test(s) && o !== "hit"), "npm ci rebuilds");
  assert.match(await text(page.locator(tid("sim-rebuilt"))), /^4 steps, 2 layers \(/);
  states(ex, "Push 383 kB; a host that has the previous image pulls 383 kB again");
  assert.equal(await text(page.locator(tid("sim-push"))), "383 kB");
  assert.match(await text(page.locator(tid("sim-pull"))), /^383 kB /);
  pg.assertClean();
});

test("exercise 6: fix the Dockerfile and compare (app-fixed, then app-naive → app-fixed)", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  const ex = await exercise(page, 6);
  await follow(page, ex);
  await simulateFile(page);
  states(ex, "only from step 5, COPY . /app: 3 steps, 1 layer, 10.8 kB to push and pull");
  const outcomes = await page.locator(tid("build-step")).evaluateAll((els) => els.map((e) => e.dataset.outcome));
  assert.equal(outcomes.findIndex((o) => o !== "hit" && o !== "base"), 4, `step 5 is the first to rebuild: ${outcomes}`);
  assert.match(await text(page.locator(tid("sim-rebuilt"))), /^3 steps, 1 layer \(/);
  assert.equal(await text(page.locator(tid("sim-push"))), "10.8 kB");
  assert.match(await text(page.locator(tid("sim-pull"))), /^10\.8 kB /);
  // The comparison the exercise asks for, from the sample list.
  await page.locator(tid("compare-samples-app-fixed")).click();
  const verdict = page.locator(tid("compare-verdict"));
  await verdict.waitFor({ state: "visible", timeout: 30_000 });
  states(ex, "the stacks part at layer 1");
  assert.match(await text(verdict), /app-naive\.docker\.tar .*app-fixed\.docker\.tar .*the stacks part at layer 1/);
  states(ex, "a host that holds app-naive pulls 317 kB to get app-fixed");
  const pull = page.locator(tid("pull-b"));
  assert.match(await text(pull), /317 kB/);
  states(ex, "/root/.npm/_cacache/index-v5, 65.5 kB of npm cache");
  const gone = page.locator(`${tid("compare-path")}[data-path="/root/.npm/_cacache/index-v5"]`);
  assert.equal(await gone.getAttribute("data-change"), "removed");
  assert.match(await text(gone), /65\.5 kB/);
  pg.assertClean();
});

test("exercise 7: what a multi-stage build leaves out (single-stage → multi-stage)", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  const ex = await exercise(page, 7);
  await follow(page, ex);
  states(ex, "the Go tool chain in /usr/local/go (263 kB)");
  const toolchain = page.locator(`${tid("finding")}[data-id="build-toolchain"]`);
  await toolchain.waitFor({ state: "visible", timeout: 15_000 });
  assert.equal(await toolchain.getAttribute("data-layer"), "1");
  assert.match(await text(toolchain.locator(".finding-title")), /^Go in \/usr\/local\/go \(263 kB/);
  assert.equal(await page.locator(`${tid("finding")}[data-id="package-cache"]`).count(), 2, "both of Go's caches");
  states(ex, "It has 8 layers");
  assert.equal(await page.locator(FS_LAYER).count(), 8);
  await page.locator(tid("compare-samples-multi-stage")).click();
  const verdict = page.locator(tid("compare-verdict"));
  await verdict.waitFor({ state: "visible", timeout: 30_000 });
  states(ex, "the stacks part at layer 1");
  assert.match(await text(verdict), /single-stage\.docker\.tar .*multi-stage\.docker\.tar .*the stacks part at layer 1/);
  states(ex, "0 added, 79 removed, 0 modified; files 445 kB → 107 kB");
  assert.equal(await text(page.locator(tid("compare-paths-count"))), "0 added, 79 removed, 0 modified; files 445 kB → 107 kB");
  states(ex, "/app/server is not among the changed paths");
  assert.equal(await page.locator(`${tid("compare-path")}[data-path="/app/server"]`).count(), 0);
  pg.assertClean();
});

test("exercise 8: one tag, two platforms (multi-platform, linux/arm64)", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  const ex = await exercise(page, 8);
  await follow(page, ex);
  assert.equal(await page.locator(tid("platform-select")).inputValue(), "linux/arm64");
  states(ex, "/app/hello-aarch64 (12.3 kB)");
  const row = page.locator(`${TREE_ROW}[data-path="/app/hello-aarch64"]`);
  await row.waitFor({ state: "visible", timeout: 15_000 });
  assert.match(await text(row), /12\.3 kB/);
  assert.equal(await page.locator(`${TREE_ROW}[data-path="/app/hello-x86_64"]`).count(), 0);
  // The other platform has the other file (asked of the CLI, the same engine).
  states(ex, "the amd64 image has /app/hello-x86_64");
  const amd64 = runCli(["ls", "--platform", "linux/amd64"], path.join(samplesDir, "multi-platform.oci.tar"));
  assert.match(amd64.stdout, /^\/app\/hello-x86_64\t/m);
  pg.assertClean();
});
