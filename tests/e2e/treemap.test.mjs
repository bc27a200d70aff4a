// Where the bytes go: the treemap of the filesystem after the selected
// layer. Its cells' bytes add up to the files' bytes `layerscope ls --csv`
// lists; each file cell's layer is the one `ls --csv` says wrote it; a
// directory's cell zooms in (and the breadcrumb back out); a file's cell
// selects its layer and tells its story; the waste map adds up to the
// report's exact waste; and the same cells are a list for the keyboard.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { harness, openPage, gotoApp, openDone, cliReport, runCli, samplesDir, tid } from "./lib.mjs";

const h = harness();
const DEMO = path.join(samplesDir, "demo.docker.tar");
const panel = (page) => page.locator(tid("treemap-panel"));

/** `layerscope ls --layer N --csv`: path → {type, size, layer}. */
function csvFiles(file, layer) {
  const r = runCli(["ls", "--layer", String(layer), "--csv"], file);
  assert.equal(r.status, 0, r.stderr);
  const rows = new Map();
  for (const line of r.stdout.split("\r\n").slice(1).filter(Boolean)) {
    // The demo's paths have no commas or quotes: a plain split is right.
    const [p, type, size, , , , l] = line.split(",");
    rows.set(p, { type, size: Number(size), layer: Number(l) });
  }
  return rows;
}

/** The cells drawn, once the answer for `root` is in. */
async function cells(page, root) {
  await page.waitForFunction(
    ([rootSel, root]) => document.querySelector(rootSel)?.textContent === root,
    [`${tid("treemap-panel")} ${tid("treemap-root")}`, root === "/" ? "/" : root.split("/").pop()],
  );
  await panel(page).locator(`${tid("treemap")}, ${tid("treemap-empty")}`).first().waitFor();
  return panel(page)
    .locator(tid("treemap-cell"))
    .evaluateAll((els) =>
      els.map((e) => ({ path: e.dataset.path, kind: e.dataset.kind, bytes: Number(e.dataset.bytes), layer: Number(e.dataset.layer) })),
    );
}

/** From the top, down each directory of `dir` in turn; the cells there. */
async function zoomTo(page, dir) {
  const top = panel(page).locator(".treemap-crumbs button", { hasText: /^\/$/ });
  if ((await top.count()) > 0) await top.first().click();
  let shown = await cells(page, "/");
  let at = "";
  for (const part of dir.split("/").filter(Boolean)) {
    at += `/${part}`;
    await panel(page).locator(`${tid("treemap-cell")}[data-path="${at}"]`).first().click({ force: true });
    shown = await cells(page, at);
  }
  return shown;
}

async function selectLayer(page, layer) {
  await page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer="${layer}"]`).click();
}

test("the treemap adds up to ls --csv's files, layer by layer, and wears their layers", { timeout: 180_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  await openDone(page, DEMO);
  const report = cliReport(DEMO);
  const layers = report.image.layer_count;
  for (let layer = 0; layer < layers; layer++) {
    await selectLayer(page, layer);
    const files = csvFiles(DEMO, layer);
    const want = [...files.values()].filter((f) => f.type === "file").reduce((s, f) => s + f.size, 0);
    await page.waitForFunction(
      ([sel, text]) => document.querySelector(sel)?.textContent.includes(text),
      [`${tid("treemap-panel")} ${tid("treemap-total")}`, `after layer ${layer}`],
    );
    const shown = await cells(page, "/");
    assert.equal(shown.reduce((s, c) => s + c.bytes, 0), want, `layer ${layer}: the cells add up to the files' bytes`);
    // Down every directory: each file cell is a file of ls --csv, with its bytes and layer.
    const todo = shown.filter((c) => c.kind === "dir").map((c) => c.path);
    let checked = shown.filter((c) => c.kind === "file");
    for (const c of checked) assert.deepEqual([files.get(c.path)?.size, files.get(c.path)?.layer], [c.bytes, c.layer], c.path);
    for (let i = 0; i < todo.length && i < 6; i++) {
      const inner = await zoomTo(page, todo[i]);
      const dirBytes = [...files.entries()]
        .filter(([p, f]) => f.type === "file" && p.startsWith(`${todo[i]}/`))
        .reduce((s, [, f]) => s + f.size, 0);
      assert.equal(inner.reduce((s, c) => s + c.bytes, 0), dirBytes, `${todo[i]} after layer ${layer}`);
      for (const c of inner.filter((c) => c.kind === "file")) {
        assert.equal(files.get(c.path)?.layer, c.layer, `${c.path}: the layer that wrote it`);
        assert.equal(files.get(c.path)?.size, c.bytes, `${c.path}: its bytes`);
        checked.push(c);
      }
      todo.push(...inner.filter((c) => c.kind === "dir").map((c) => c.path));
    }
    await zoomTo(page, "/");
    assert.ok(checked.length > 0 || want === 0, `layer ${layer}: some file cells were checked`);
  }
  assertClean();
});

test("a file's cell tells its story; the waste map is the exact waste; the list is the same cells", { timeout: 120_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  await openDone(page, DEMO);
  const report = cliReport(DEMO);
  let shown = await cells(page, "/");
  // Down the largest directories to a file, then click it.
  let root = "/";
  while (!shown.some((c) => c.kind === "file")) {
    const dir = shown.find((c) => c.kind === "dir");
    await panel(page).locator(`${tid("treemap-cell")}[data-path="${dir.path}"]`).first().click({ force: true });
    root = dir.path;
    shown = await cells(page, root);
  }
  const file = shown.find((c) => c.kind === "file");
  await panel(page).locator(`${tid("treemap-cell")}[data-path="${file.path}"]`).first().click({ force: true });
  const story = page.locator(tid("path-story"));
  await story.locator(".story-path", { hasText: file.path }).waitFor();
  await page.waitForFunction(
    ([sel, layer]) => [...document.querySelectorAll(sel)].some((e) => e.getAttribute("aria-selected") === "true" && e.getAttribute("data-layer") === String(layer)),
    [`${tid("layer-stack")} ${tid("layer-item")}`, file.layer],
  );

  // The same cells as a list, reachable by keyboard.
  await panel(page).locator("details.treemap-list-box summary").click();
  const items = await panel(page).locator(tid("treemap-item")).evaluateAll((els) => els.map((e) => e.dataset.path));
  const now = await cells(page, root);
  assert.deepEqual(items, now.map((c) => c.path), "the list is the drawing's cells, largest first");
  const button = panel(page).locator(`${tid("treemap-item")} button`).first();
  await button.focus();
  assert.match(await button.getAttribute("aria-label"), /layer \d+/, "each item names its layer in words");

  // The waste: the copies nobody sees, adding up to the report's exact figure.
  await panel(page).locator(tid("treemap-mode-waste")).click();
  const waste = await cells(page, "/");
  assert.equal(waste.reduce((s, c) => s + c.bytes, 0), report.exact.wasted_bytes, "the waste map adds up to the exact waste");
  assertClean();
});

test("the layer stack marks the bytes each layer wastes", { timeout: 120_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  await openDone(page, DEMO);
  const report = cliReport(DEMO);
  const rows = await page
    .locator(`${tid("layer-stack")} ${tid("layer-item")}`)
    .evaluateAll((els) =>
      els
        .filter((e) => e.dataset.layer !== "")
        .map((e) => ({ layer: Number(e.dataset.layer), marked: e.querySelector(".bar-waste") !== null, title: e.getAttribute("title") })),
    );
  const wasted = new Map(report.layers.filter((r) => r.layer !== null).map((r) => [r.layer, r.wasted_bytes]));
  assert.ok([...wasted.values()].some((w) => w > 0) && [...wasted.values()].some((w) => w === 0), "the demo has layers with and without waste");
  for (const r of rows) {
    const w = wasted.get(r.layer);
    assert.equal(r.marked, w > 0, `layer ${r.layer}: marked ${r.marked}, wastes ${w} B`);
    if (w > 0) assert.match(r.title, /of it wasted/, `layer ${r.layer}: the title says how much is wasted`);
  }
  assertClean();
});
