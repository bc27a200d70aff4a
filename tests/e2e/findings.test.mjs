// The findings panel: for the same file, the page lists the `findings` of
// `layerscope inspect --json`, row for row and in its order (id, severity,
// layer, bytes, title, first path, fix); the severity checkboxes hide what
// is unchecked (and are reached by their labels and the keyboard); a
// finding's path selects its layer and tells the path's story; text from
// the image (paths, titles) is shown as text, never as markup; an image
// with nothing to flag says "No findings".
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import {
  harness,
  openPage,
  gotoApp,
  openDone,
  cliReport,
  generatedArchive,
  samplesDir,
  showsSize,
  tid,
} from "./lib.mjs";

const h = harness();
const DEMO = path.join(samplesDir, "demo.docker.tar");
const NAIVE = path.join(samplesDir, "app-naive.docker.tar");

const panel = (page) => page.locator(tid("findings-panel"));

/** Waits for the worker's answer, then reads every finding row as a person sees it. */
async function findingsShown(page) {
  await panel(page)
    .locator(`${tid("findings-list")}, ${tid("findings-empty")}, ${tid("findings-all-hidden")}`)
    .first()
    .waitFor({ timeout: 20_000 });
  return panel(page)
    .locator(tid("finding"))
    .evaluateAll((els) =>
      els.map((el) => ({
        id: el.dataset.id,
        severity: el.dataset.severity,
        layer: el.dataset.layer === "" ? null : Number(el.dataset.layer),
        bytes: Number(el.dataset.bytes),
        path: el.dataset.path === "" ? null : el.dataset.path,
        // What is on screen.
        badge: el.querySelector(".sev").textContent,
        symbol: el.querySelector(".sev .sev-sym").textContent,
        title: el.querySelector(".finding-title").textContent,
        meta: el.querySelector(".finding-meta").textContent,
        paths: [...el.querySelectorAll('[data-testid="finding-path"]')].map((b) => b.textContent),
        fix: el.querySelector(".finding-fix").textContent,
        text: el.textContent,
      })),
    );
}

/** The page's rows against the CLI's `findings`, row for row. */
function assertSameFindings(shown, report, what) {
  const cli = report.findings;
  assert.ok(Array.isArray(cli), `${what}: the report has findings`);
  assert.deepEqual(
    shown.map((r) => [r.id, r.severity, r.layer, r.bytes, r.path]),
    cli.map((f) => [f.id, f.severity, f.layer, f.bytes, f.paths[0] ?? null]),
    `${what}: the page's findings (id, severity, layer, bytes, first path) are not layerscope inspect --json's`,
  );
  cli.forEach((f, i) => {
    const row = shown[i];
    const where = `${what}: finding ${i} (${f.id})`;
    assert.match(row.badge, new RegExp(f.severity, "i"), `${where}: the severity in words`);
    assert.ok(row.symbol.trim().length > 0, `${where}: the severity's shape`);
    assert.equal(row.title, f.title, `${where}: title`);
    assert.equal(row.fix, `Fix: ${f.fix}`, `${where}: fix`);
    assert.deepEqual(row.paths, f.paths.slice(0, row.paths.length), `${where}: the paths shown come first in the report`);
    assert.ok(row.paths.length >= Math.min(1, f.paths.length), `${where}: the first path is shown`);
    const more = f.paths.length - row.paths.length + f.more_paths;
    if (more > 0) assert.match(row.text, new RegExp(`and ${more} more`), `${where}: how many more paths`);
    else assert.doesNotMatch(row.text, /and \d+ more/, `${where}: no more paths`);
    if (f.layer !== null) assert.match(row.meta, new RegExp(`layer ${f.layer}\\b`), `${where}: layer`);
    if (f.bytes > 0) assert.ok(showsSize(row.meta, f.bytes), `${where}: '${row.meta}' does not show ${f.bytes} B`);
  });
}

test("the demo's findings are layerscope inspect --json's, row for row", { timeout: 120_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  await openDone(page, DEMO);
  const shown = await findingsShown(page);
  const report = cliReport(DEMO);
  assert.ok(report.findings.length >= 4, "the demo has several findings");
  for (const id of ["package-cache", "deleted-files", "duplicated-files", "setuid-files"]) {
    assert.ok(shown.some((r) => r.id === id), `the demo shows ${id}`);
  }
  assertSameFindings(shown, report, "demo");
  assertClean();
});

test("the severity filter hides what is unchecked, by label and keyboard", { timeout: 120_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  await openDone(page, NAIVE);
  const report = cliReport(NAIVE);
  const all = await findingsShown(page);
  assertSameFindings(all, report, "app-naive");
  const severities = new Set(all.map((r) => r.severity));
  assert.deepEqual([...severities].sort(), ["low", "medium"], "app-naive has a medium and a low finding");

  // Each checkbox is named by its label (with its count), and checked.
  const low = panel(page).getByRole("checkbox", { name: /^Low \(\d+\)$/ });
  const medium = panel(page).getByRole("checkbox", { name: /^Medium \(\d+\)$/ });
  assert.equal(await low.count(), 1, "a checkbox labelled Low");
  assert.equal(await medium.count(), 1, "a checkbox labelled Medium");
  assert.equal(await low.isChecked(), true);
  const lows = report.findings.filter((f) => f.severity === "low").length;
  assert.match((await low.evaluate((el) => el.labels[0].textContent)) ?? "", new RegExp(`Low \\(${lows}\\)`));

  // Unchecked from the keyboard: the low findings go, the medium one stays.
  await low.focus();
  await page.keyboard.press("Space");
  assert.equal(await low.isChecked(), false);
  await page.waitForFunction(
    (sel) => ![...document.querySelectorAll(sel)].some((el) => el.dataset.severity === "low"),
    `${tid("findings-panel")} ${tid("finding")}`,
  );
  const mediumOnly = await findingsShown(page);
  assert.deepEqual(
    mediumOnly.map((r) => [r.id, r.severity]),
    report.findings.filter((f) => f.severity !== "low").map((f) => [f.id, f.severity]),
    "only the checked severities are shown, in the report's order",
  );

  // Everything unchecked: none shown, and the page says why.
  await medium.click();
  await panel(page).locator(tid("findings-all-hidden")).waitFor();
  assert.equal(await panel(page).locator(tid("finding")).count(), 0);
  assert.match(await panel(page).locator(tid("findings-all-hidden")).textContent(), new RegExp(`${report.findings.length} hidden`));

  // Checked again: all back, in order.
  await medium.check();
  await low.check();
  assertSameFindings(await findingsShown(page), report, "app-naive, filter cleared");
  assertClean();
});

test("a finding's path selects its layer and shows the path's story", { timeout: 120_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  await openDone(page, DEMO);
  await findingsShown(page);
  const report = cliReport(DEMO);
  const selectedLayers = () =>
    page
      .locator(`${tid("layer-stack")} ${tid("layer-item")}[aria-selected="true"]`)
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-layer"))));

  for (const id of ["duplicated-files", "setuid-files"]) {
    const f = report.findings.find((x) => x.id === id);
    assert.ok(f && f.layer !== null && f.paths.length > 0, `the demo's ${id} has a layer and a path`);
    const target = f.paths[0];
    const row = panel(page).locator(`${tid("finding")}[data-id="${id}"]`);
    await row.locator(tid("finding-path"), { hasText: target }).first().click();
    // The layer is the one selected in the stack…
    await page.waitForFunction(
      ([sel, layer]) => {
        const on = [...document.querySelectorAll(sel)].filter((e) => e.getAttribute("aria-selected") === "true");
        return on.length === 1 && on[0].getAttribute("data-layer") === String(layer);
      },
      [`${tid("layer-stack")} ${tid("layer-item")}`, f.layer],
    );
    assert.deepEqual(await selectedLayers(page), [f.layer], `${id}: layer ${f.layer} selected`);
    // …and the story pane tells the path's story, with that layer in it.
    const story = page.locator(tid("path-story"));
    await story.locator(".story-path", { hasText: target }).waitFor();
    assert.equal(await story.locator(".story-path").textContent(), target);
    await story.locator(`${tid("story-event")}[data-layer="${f.layer}"]`).first().waitFor();
    const layers = report.layers.filter((r) => r.layer !== null && r.changes.some((c) => c.path === target)).map((r) => r.layer);
    const events = await story.locator(tid("story-event")).evaluateAll((els) => els.map((e) => Number(e.dataset.layer)));
    assert.deepEqual([...new Set(events)], layers, `${id}: the story of ${target} is the layers that changed it`);
  }

  // A finding's layer alone: selected in the stack, the story stays.
  const other = report.findings.find((x) => x.layer !== null && x.layer !== report.findings.find((y) => y.id === "setuid-files").layer);
  await panel(page).locator(`${tid("finding")}[data-layer="${other.layer}"] ${tid("finding-layer")}`).first().click();
  await page.waitForFunction(
    ([sel, layer]) => [...document.querySelectorAll(sel)].filter((e) => e.getAttribute("aria-selected") === "true").map((e) => e.getAttribute("data-layer")).join() === String(layer),
    [`${tid("layer-stack")} ${tid("layer-item")}`, other.layer],
  );
  assertClean();
});

test("paths and titles from the image are text, never markup; nothing to flag says so", { timeout: 120_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  const dialogs = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await gotoApp(page, h);

  const markup = generatedArchive(t, "findings-image.py", ["markup"]);
  await openDone(page, markup);
  const report = cliReport(markup);
  const shown = await findingsShown(page);
  assertSameFindings(shown, report, "markup");
  assert.ok(shown.some((r) => r.title.includes("<b>wheel</b>")), "a title with a tag in it, shown as typed");
  assert.ok(shown.some((r) => r.paths.includes("/usr/bin/<b>su</b>")), "a path with a tag in it, shown as typed");
  assert.ok(shown.some((r) => r.paths.some((p) => p.startsWith("/tmp/<img"))), "a path with an img tag, shown as typed");
  assert.equal(await panel(page).locator("b, img, script").count(), 0, "no element made from the image's text");
  assert.deepEqual(dialogs, [], "nothing from the image ran");

  const clean = generatedArchive(t, "findings-image.py", ["clean"]);
  assert.deepEqual(cliReport(clean).findings, [], "the clean image has no findings");
  await openDone(page, clean);
  await findingsShown(page);
  assert.equal(await panel(page).locator(tid("findings-empty")).textContent(), "No findings");
  assert.equal(await panel(page).locator(tid("finding")).count(), 0);
  assert.equal(await panel(page).locator(tid("findings-filter")).count(), 0, "no filter over nothing");
  assertClean();
});
