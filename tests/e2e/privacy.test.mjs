// The image never leaves the browser: while an image is analysed and
// explored, the page sends nothing anywhere (only GETs of its own files, no
// request with a body), and with the network cut after the page has loaded
// it still analyses a dropped file.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { harness, openPage, gotoApp, openDone, samplesDir, dist, tid } from "./lib.mjs";

const h = harness();
const DEMO = path.join(samplesDir, "demo.docker.tar");

/** Opens the demo and looks around: a layer, the tree, a story, the treemap, the findings. */
async function explore(page) {
  await openDone(page, DEMO);
  await page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer="1"]`).click();
  await page.locator(tid("tree-row")).first().waitFor();
  await page.locator(tid("tree-row")).nth(1).click();
  await page.locator(tid("path-story")).waitFor();
  await page.locator(tid("findings-list")).waitFor();
  await page.locator(tid("treemap")).waitFor();
}

test("analysing and exploring an image sends nothing: only GETs of the page's own files", { timeout: 120_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  const after = [];
  await gotoApp(page, h);
  page.context().on("request", (req) => after.push(req));
  await explore(page);
  for (const req of after) {
    const url = new URL(req.url());
    const where = `${req.method()} ${url.pathname}`;
    assert.equal(req.method(), "GET", `${where}: only GETs`);
    assert.equal(req.postData(), null, `${where}: no body`);
    const file = path.join(dist, decodeURIComponent(url.pathname));
    assert.ok(fs.existsSync(file) && fs.statSync(file).isFile(), `${where}: a file of the page itself`);
    assert.ok(!url.pathname.includes("demo.docker"), `${where}: the image is never fetched or sent`);
  }
  assertClean();
});

test("with the network cut after load, a dropped image is still analysed", { timeout: 120_000 }, async (t) => {
  const { page, context, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  // Loaded: the page and its first worker have everything they fetch.
  await page.waitForLoadState("networkidle");
  await context.setOffline(true);
  await explore(page);
  assert.match(await page.locator(tid("analysis-status")).getAttribute("data-state"), /done/);
  // Scanner workers that could not be fetched offline are a fallback, not an error.
  assertClean({ allowConsole: [/ERR_INTERNET_DISCONNECTED|Failed to load|net::/] });
});
