// The build-cache simulation, the copy-on-write playground and the guided
// tour, driven as a teacher would. Every expected outcome and cost comes
// from `layerscope cache --json` on the same file (the same engine, asked
// from the terminal); the container's sizes come from `layerscope ls`.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import {
  harness,
  openPage,
  gotoApp,
  openDone,
  runCli,
  cliLs,
  samplesDir,
  corpusFile,
  tid,
  generatedArchive,
  exportJson,
} from "./lib.mjs";

const h = harness();
const DEMO = path.join(samplesDir, "demo.docker.tar");
const DIVE = "wagoodman-dive/.data/test-docker-image.tar";

/** `layerscope cache --json [args] FILE`, parsed. */
function cliCache(file, args = []) {
  const r = runCli(["cache", "--json", ...args], file);
  assert.equal(r.status, 0, `layerscope cache --json ${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function pageWith(t, file, opts) {
  const pg = await openPage(t, h, opts);
  await gotoApp(pg.page, h);
  await openDone(pg.page, file);
  await pg.page.locator(tid("build-step")).first().waitFor({ state: "visible", timeout: 15_000 });
  return pg;
}

/** Each step's outcome as the page marks it, once a simulation has answered. */
async function outcomes(page) {
  await page.locator(tid("sim-result")).waitFor({ state: "visible", timeout: 15_000 });
  return page.locator(tid("build-step")).evaluateAll((els) => els.map((e) => e.dataset.outcome));
}


async function simulate(page, kind, fill = async () => {}) {
  await page.locator(tid("change-kind")).selectOption(kind);
  await fill();
  await page.locator(tid("simulate")).click();
}

async function assertSameSimulation(page, cli, what) {
  const got = await outcomes(page);
  assert.deepEqual(got, cli.steps.map((s) => s.outcome), `${what}: every step's outcome`);
  assert.equal(await page.locator(tid("sim-reason")).textContent(), cli.simulation.reason, `${what}: the rule at the first miss`);
  const c = cli.simulation.cost;
  assert.equal(Number(await page.locator(tid("sim-push")).getAttribute("data-bytes")), c.push_bytes, `${what}: bytes to push`);
  assert.equal(Number(await page.locator(tid("sim-pull")).getAttribute("data-bytes")), c.pull_bytes, `${what}: bytes to pull`);
  const rebuilt = await page.locator(tid("sim-rebuilt")).textContent();
  const n = (k, one, many) => `${k} ${k === 1 ? one : many}`;
  assert.ok(rebuilt.startsWith(`${n(c.steps_rebuilt, "step", "steps")}, ${n(c.layers_rebuilt, "layer", "layers")} (`), `${what}: ${rebuilt}`);
}

test("the build pane's Download JSON is layerscope cache --json, byte for byte", async (t) => {
  const { page, assertClean } = await pageWith(t, DEMO);
  // The build and its advice, nothing simulated.
  let got = await exportJson(page, "export-cache");
  assert.equal(got.name, "demo.docker.layerscope-cache.json");
  let cli = runCli(["cache", "--json"], DEMO);
  assert.equal(cli.status, 0, cli.stderr);
  assert.ok(got.text === cli.stdout, "without a change: the page's download differs from the CLI's");
  assert.equal(got.doc.schema, "layerscope-cache/1");
  // The simulation shown goes with it.
  await page.locator(tid("tree-filter")).fill("config.yml");
  await page.locator(".tree-row", { hasText: "config.yml" }).first().click();
  await simulate(page, "file");
  await outcomes(page);
  got = await exportJson(page, "export-cache");
  cli = runCli(["cache", "--json", "--change-file", "/app/config.yml"], DEMO);
  assert.equal(cli.status, 0, cli.stderr);
  assert.ok(got.text === cli.stdout, "--change-file: the page's download differs from the CLI's");
  assert.equal(got.doc.change.path, "/app/config.yml");
  assert.ok(got.doc.steps.some((s) => s.outcome === "rebuilt"));
  assertClean();
});

test("a changed file of the build context rebuilds its COPY and every step after it", async (t) => {
  const { page, assertClean } = await pageWith(t, DEMO);
  const cli = cliCache(DEMO, ["--change-file", "/app/config.yml"]);
  // Pick the file as a person would: select it in the tree, then simulate.
  await page.locator(tid("tree-filter")).fill("config.yml");
  await page.locator(".tree-row", { hasText: "config.yml" }).first().click();
  await simulate(page, "file");
  await assertSameSimulation(page, cli, "change /app/config.yml");
  // The first miss is the COPY that brought the file in; the steps before it hit the cache.
  const first = cli.simulation.first_miss;
  const copy = page.locator(`${tid("build-step")}[data-step="${first}"]`);
  assert.match(await copy.textContent(), /COPY/);
  assert.ok((await copy.getAttribute("class")).includes("first-miss"));
  const got = await outcomes(page);
  assert.ok(got.slice(0, first - 1).every((o) => o === "hit" || o === "base"));
  assert.ok(got.slice(first - 1).every((o) => o === "rebuilt"));
  assertClean();
});

test("any path picked in the tree: its story asks what a change to it rebuilds", async (t) => {
  const { page, assertClean } = await pageWith(t, DEMO);
  const cli = cliCache(DEMO, ["--change-file", "/app/static/index.html"]);
  await page.locator(tid("tree-filter")).fill("index.html");
  await page.locator(".tree-row", { hasText: "index.html" }).first().click();
  await page.locator(tid("story-simulate")).click();
  await assertSameSimulation(page, cli, "change /app/static/index.html from its story");
  assertClean();
});

test("an edited step cascades to every later step; the same text is a cache hit", async (t) => {
  const { page, assertClean } = await pageWith(t, DEMO);
  const edited = "RUN apk add --no-cache curl jq";
  const cli = cliCache(DEMO, ["--edit-step", "3", "--text", edited]);
  await simulate(page, "edit", async () => {
    await page.locator(tid("change-step")).selectOption("2"); // 0-based value: step 3
    await page.locator(tid("change-text")).fill(edited);
  });
  await assertSameSimulation(page, cli, "edit step 3");
  assert.equal(cli.simulation.first_miss, 3);

  // Retyping the step's own text changes nothing.
  const same = cliCache(DEMO, ["--edit-step", "3", "--text", "RUN apk add --no-cache curl"]);
  await page.locator(tid("change-text")).fill("RUN apk add --no-cache curl");
  await page.locator(tid("simulate")).click();
  await page.waitForFunction(
    (sel) => [...document.querySelectorAll(sel)].every((e) => e.dataset.outcome !== "rebuilt"),
    tid("build-step"),
  );
  await assertSameSimulation(page, same, "the same text again");
  assertClean();
});

test("a file no COPY brought in is refused with the step that wrote it", async (t) => {
  const { page, assertClean } = await pageWith(t, DEMO);
  const r = runCli(["cache", "--change-file", "/usr/bin/curl"], DEMO);
  assert.equal(r.status, 2);
  await simulate(page, "file", () => page.locator(tid("change-file")).fill("/usr/bin/curl"));
  const error = page.locator(tid("sim-error"));
  await error.waitFor({ state: "visible" });
  const text = await error.textContent();
  assert.ok(r.stderr.includes(text), `page: ${text}\ncli: ${r.stderr}`);
  assertClean();
});

/** An advice card lists the CLI's first five paths, and how many more there are. */
async function assertAdvicePaths(card, a, i) {
  const shown = await card.locator(`${tid("advice-paths")} button`).allTextContents();
  assert.deepEqual(shown, a.paths.slice(0, 5), `advice ${i}: its first paths`);
  const more = a.paths.length - shown.length;
  const items = await card.locator(`${tid("advice-paths")} li`).allTextContents();
  assert.equal(items.includes(`and ${more} more`), more > 0, `advice ${i}: "and ${more} more" (${items.join(" | ")})`);
}

test("advice about many paths lists the first five and how many more", async (t) => {
  const file = generatedArchive(t, "deleted-later.py");
  const cli = cliCache(file);
  assert.deepEqual(cli.advice.map((a) => [a.kind, a.paths.length]), [["deleted-later", 12]]);
  const { page, assertClean } = await pageWith(t, file);
  const card = page.locator(tid("advice"));
  await card.first().waitFor();
  assert.equal(await card.count(), 1);
  assert.match(await card.locator(".advice-title").textContent(), /step 1 adds 12 files \(24\.6 kB\) and step 2 deletes them/);
  await assertAdvicePaths(card, cli.advice[0], 0);
  assertClean();
});

test("the advice's saving is the difference of its two simulations", async (t) => {
  const { page, assertClean } = await pageWith(t, DEMO);
  const cli = cliCache(DEMO);
  const withFix = cli.advice.filter((a) => a.fix);
  assert.ok(withFix.length >= 1, "the demo has advice with a fix");
  const cards = page.locator(tid("advice"));
  assert.equal(await cards.count(), cli.advice.length);
  for (let i = 0; i < cli.advice.length; i++) {
    const a = cli.advice[i];
    const card = cards.nth(i);
    assert.equal(await card.getAttribute("data-kind"), a.kind);
    await assertAdvicePaths(card, a, i);
    if (!a.fix) continue;
    await card.locator("summary").click();
    const before = Number(await card.locator(tid("fix-before-push")).getAttribute("data-bytes"));
    const after = Number(await card.locator(tid("fix-after-push")).getAttribute("data-bytes"));
    assert.equal(before, a.fix.before.cost.push_bytes);
    assert.equal(after, a.fix.after.cost.push_bytes);
    assert.ok(before > after, "the fix pushes less");
    const saving = await card.locator(tid("advice-saving")).textContent();
    const layers = a.fix.before.cost.layers_rebuilt - a.fix.after.cost.layers_rebuilt;
    assert.match(saving, new RegExp(`and ${layers} rebuilt layer`), saving);
  }
  // A path in the advice opens its story.
  const first = cli.advice.find((a) => a.paths.length)?.paths[0];
  assert.ok(first, "the demo's advice names a path");
  await page.locator(`${tid("advice-paths")} button`, { hasText: first }).first().click();
  await page.locator(`${tid("path-story")} .story-path`, { hasText: first }).waitFor({ timeout: 15_000 });
  await page.locator(`${tid("path-story")} ${tid("story-event")}`).first().waitFor({ timeout: 15_000 });
  assertClean();
});

test("the base image and --no-cache: nothing before the base rebuilds", async (t) => {
  const { page, assertClean } = await pageWith(t, corpusFile(DIVE));
  const cli = cliCache(corpusFile(DIVE), ["--no-cache"]);
  await simulate(page, "no-cache");
  await assertSameSimulation(page, cli, "--no-cache");
  const base = cliCache(corpusFile(DIVE), ["--change-base"]);
  await simulate(page, "base");
  await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((e) => e.dataset.outcome === "new-base"), tid("build-step"));
  await assertSameSimulation(page, base, "a new base");
  assertClean();
});

test("copy-on-write: a write copies the whole file up, a delete leaves a whiteout, reset empties the layer", async (t) => {
  const { page, assertClean } = await pageWith(t, DEMO);
  const files = new Map(cliLs(DEMO).map((r) => [r.path, r]));
  const server = files.get("/app/server");
  assert.ok(server && server.size > 0);

  await page.locator(tid("tree-filter")).fill("/app/server");
  await page.locator(".tree-row", { hasText: "server" }).first().click();
  await page.locator(tid("cow-edit")).click();
  const size = page.locator(tid("container-size"));
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.bytes !== "0", tid("container-size"));
  assert.equal(Number(await size.getAttribute("data-bytes")), server.size, "the whole file is copied up");
  assert.match(await page.locator(tid("cow-message")).textContent(), /copied up whole/);
  // Writing again costs nothing more.
  await page.locator(tid("cow-edit")).click();
  await page.locator(tid("cow-message")).filter({ hasText: /already|in place/ }).waitFor();
  assert.equal(Number(await size.getAttribute("data-bytes")), server.size);
  // The path's story says the read now stops in the container layer.
  await page.locator(tid("story-container")).waitFor({ state: "visible" });

  // Delete a file of the image: a 0-byte whiteout; the tree's container view marks it removed.
  await page.locator(tid("tree-filter")).fill("/etc/conf.d/app.conf");
  await page.locator(".tree-row", { hasText: "app.conf" }).first().click();
  await page.locator(tid("cow-delete")).click();
  await page.locator(`${tid("cow-entry")}[data-what="whiteout"]`).waitFor();
  assert.equal(Number(await size.getAttribute("data-bytes")), server.size, "a whiteout costs nothing");
  await page.locator(tid("cow-show")).click();
  await page.locator(".tree-row.mark-removed", { hasText: "app.conf" }).first().waitFor();

  await page.locator(tid("cow-reset")).click();
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.bytes === "0", tid("container-size"));
  assert.equal(await page.locator(tid("cow-entry")).count(), 0);
  assertClean();
});

test("the guided tour runs from start to end on the demo and shows each thing in the real panes", async (t) => {
  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  await page.locator(tid("tour-start")).click();
  // Without an image the tour offers the demo first.
  await page.locator(tid("tour-open-demo")).click();
  await page.locator(tid("tour-text")).waitFor({ state: "visible", timeout: 60_000 });
  const seen = [];
  for (;;) {
    const step = Number(await page.locator(tid("tour")).getAttribute("data-step"));
    seen.push(step);
    const title = await page.locator("#tour-title").textContent();
    // Each step outlines a real pane.
    await page.locator(".tour-focus").first().waitFor({ state: "visible" });
    if (/read falls through/.test(title)) {
      await page.locator(tid("path-story")).filter({ hasText: "/app/config.yml" }).waitFor();
    }
    if (/Whiteouts/.test(title)) {
      await page.locator(".tree-row.mark-removed", { hasText: "APKINDEX.tar.gz" }).first().waitFor();
    }
    if (/Cache invalidation/.test(title)) {
      await page.locator(`${tid("build-step")}.first-miss`).waitFor();
    }
    if (/Copy-on-write/.test(title)) {
      await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.bytes) > 0, tid("container-size"));
    }
    const next = page.locator(tid("tour-next"));
    if ((await next.count()) === 0) break;
    await next.click();
  }
  assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => i + 1));
  assert.ok(seen.length >= 8, `${seen.length} steps`);
  await page.locator(tid("tour-end")).click();
  assert.equal(await page.locator(tid("tour")).count(), 0);
  assertClean();
});

test("terms explain themselves on keyboard focus; presentation mode enlarges the type", async (t) => {
  const { page, assertClean } = await pageWith(t, DEMO);
  const term = page.locator('.term[data-term="diff-id"]').first();
  await term.focus();
  const tip = term.locator(".tip");
  await tip.waitFor({ state: "visible" });
  assert.match(await tip.textContent(), /uncompressed/i);
  const described = await term.evaluate((el) => document.getElementById(el.getAttribute("aria-describedby"))?.textContent);
  assert.equal(described, await tip.textContent());
  const before = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  await page.locator(tid("present-toggle")).click();
  const after = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  assert.ok(after > before * 1.15, `${before}px -> ${after}px`);
  assert.equal(await page.locator(tid("present-toggle")).getAttribute("aria-pressed"), "true");
  assertClean();
});
