// The first view: the layer stack and the history show from the manifest
// and the config before any layer is read; each layer's row fills in as it
// is stacked; the tree, the story and the map work on the layers read so
// far and say which are still being read; everything fills in at the end.
//
// The layer reads are held back for real: the page's own worker boots at
// load, and every worker wasm fetched after that is one of the workers that
// read layers (crates/worker/src/scanners.rs). The test holds those
// fetches, so those workers cannot start, and lets them go when it says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harness, openPage, gotoApp, generatedArchive, cliReport, stateMark, waitTerminal, waitState, showsSize, tid, axeViolations } from "./lib.mjs";

const h = harness();

/** The layer stack as the person sees it: per row, layer, read?, size text. */
function stackRows(page) {
  return page.locator(`${tid("layer-stack")} ${tid("layer-item")}`).evaluateAll((els) =>
    els.map((e) => ({
      layer: e.dataset.layer === "" ? null : Number(e.dataset.layer),
      read: e.dataset.read === "true",
      size: e.querySelector(".li-size")?.textContent ?? "",
    })),
  );
}

/** The banner's "k of n read", and which rows say they are read, at one instant. */
function readingNow(page) {
  return page.evaluate(
    ([banner, item]) => {
      const text = document.querySelector(banner)?.textContent ?? null;
      const read = [...document.querySelectorAll(item)].filter((e) => e.dataset.layer !== "" && e.dataset.read === "true").map((e) => Number(e.dataset.layer));
      return { text, read };
    },
    [tid("reading-banner"), `${tid("layer-stack")} ${tid("layer-item")}`],
  );
}

async function selectLayer(page, layer) {
  await page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer="${layer}"]`).click();
}

test("the stack and history show before any layer is read; panes say what is still being read and fill in", async (t) => {
  const file = generatedArchive(t, "growing-layers.py");
  const report = cliReport(file);
  // The report's rows are the build steps; those that made a layer, by layer.
  const made = report.layers.filter((l) => !l.empty_layer);
  const layers = made.length;
  assert.equal(layers, 6);
  const o = await openPage(t, h);
  const { page, context } = o;
  await gotoApp(page, h);
  const readers = await page.evaluate(() => Math.min(navigator.hardwareConcurrency || 1, 4));
  assert.ok(readers >= 2, `this browser says ${readers} core(s): the page then reads in one worker, with no first view to test`);

  // The page's own worker asks for its wasm at load; once it has, the
  // worker wasm fetched is a layer reader's: hold it.
  const asked = () => o.requests.some((u) => u.endsWith("/layerscope-worker_bg.wasm"));
  while (!asked()) await new Promise((r) => setTimeout(r, 20));
  const held = [];
  await context.route("**/layerscope-worker_bg.wasm", (route) => {
    held.push(route);
  });

  const mark = await stateMark(page);
  await page.locator(tid("file-input")).setInputFiles(file);
  await waitState(page, mark, "running");

  // The first view, with no layer read: every step of the history, each
  // layer marked as being read, the tree and the map waiting for the last.
  await page.locator(tid("layer-stack")).waitFor();
  const first = await stackRows(page);
  assert.equal(first.length, report.history.length, "one row per build step, empty steps too");
  assert.deepEqual(
    first.filter((r) => r.layer !== null).map((r) => [r.layer, r.read, r.size]),
    made.map((l) => [l.layer, false, "reading…"]),
  );
  assert.equal(await page.locator(tid("layer-reading")).count(), layers);
  const history = page.locator(`${tid("history-table")} ${tid("history-row")}`);
  await history.first().waitFor();
  assert.deepEqual(
    await history.locator("td.cmd").allTextContents(),
    report.history.map((h) => h.created_by),
    "the history table is there at once",
  );
  assert.match(await page.locator(tid("reading-banner")).textContent(), /0 of 6 read; layers 0–5 are still being read/);
  assert.equal(await page.locator(tid("analysis-status")).getAttribute("data-state"), "running");
  await page.locator(tid("tree-reading")).waitFor();
  assert.match(await page.locator(tid("tree-reading")).textContent(), /Layer 5 is still being read/);
  await page.locator(tid("treemap-reading")).waitFor();
  assert.equal(held.length > 0, true, "the layer readers were held");

  // Every reader but one goes. Largest first: the one held has one of the
  // last `readers` layers, so the layers below it are read and stacked.
  while (held.length < readers) await new Promise((r) => setTimeout(r, 50));
  const last = held.pop();
  for (const route of held.splice(0)) await route.continue();
  await page.waitForFunction(
    ([banner, min]) => {
      const m = /(\d+) of 6 read/.exec(document.querySelector(banner)?.textContent ?? "");
      return m && Number(m[1]) >= min;
    },
    [tid("reading-banner"), layers - readers],
    { timeout: 30_000 },
  );
  const now = await readingNow(page);
  const k = Number(/(\d+) of 6 read/.exec(now.text)[1]);
  assert.ok(k >= layers - readers && k < layers, `${k} of ${layers} read while one reader is held`);
  assert.deepEqual(now.read, [...Array(k).keys()], "the rows read are the layers stacked, in order");

  // A read layer's row has its real size and changes; its tree is the
  // filesystem `layerscope ls` lists.
  const rows = await stackRows(page);
  for (const r of rows.filter((r) => r.layer !== null && r.layer < k)) {
    assert.ok(showsSize(r.size, made[r.layer].size), `layer ${r.layer}: ${r.size}`);
  }
  await selectLayer(page, 1);
  await page.locator(tid("tree-filter")).fill("config.json");
  await page.locator(tid("expand-all")).click();
  const configRow = page.locator(`${tid("tree-row")}[data-path="/app/config.json"]`);
  await configRow.click();
  const story = page.locator(tid("path-story"));
  await story.locator(tid("story-event")).first().waitFor();
  const eventsNow = await story.locator(tid("story-event")).count();
  assert.equal(eventsNow, k > 4 ? 2 : 1, "the story tells the layers read so far");

  // The page while reading is as accessible as the page done.
  assert.deepEqual(await axeViolations(page), [], "axe, while the layers are read");

  // The last layer is still being read: its tree and map say so.
  await selectLayer(page, layers - 1);
  await page.locator(tid("tree-reading")).waitFor();
  assert.match(await page.locator(tid("tree-reading")).textContent(), /Layer 5 is still being read/);

  // The last reader goes: everything fills in, in place.
  await last.continue();
  assert.equal(await waitTerminal(page, mark), "done");
  await page.locator(tid("reading-banner")).waitFor({ state: "detached" });
  const done = await stackRows(page);
  for (const r of done.filter((r) => r.layer !== null)) {
    assert.ok(r.read, `layer ${r.layer} read`);
    assert.ok(showsSize(r.size, made[r.layer].size), `layer ${r.layer}: ${r.size}`);
  }
  assert.equal(await page.locator(tid("tree-reading")).count(), 0);
  await page.locator(tid("tree-filter")).fill("/layer5/data0.bin");
  await page.locator(`${tid("tree-row")}[data-path="/layer5/data0.bin"]`).waitFor();
  // The story asked again: both layers that wrote the file.
  await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 2, `${tid("path-story")} ${tid("story-event")}`);
  o.assertClean();
});
