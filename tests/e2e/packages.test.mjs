// The packages pane: for an image whose packages real tools installed
// (tests/fixtures/make-packages-image.sh: dpkg installs, upgrades and
// purges .deb files, an apk database, Python dist-info and egg-info, a
// node_modules tree), the pane's rows are `layerscope packages --json`'s,
// row for row and in its order; the columns sort and the filters filter
// from the keyboard; a package's name selects the layer that added it and
// the tree shows exactly its files, with a way back; the story of such a
// file names its package; a layer's row says what it installed; axe finds
// nothing to fix, light and dark, at desktop and phone width. With 3,000
// packages the table holds a page of rows and sorts and filters at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { harness, openPage, gotoApp, dropFile, fixtureImage, generatedArchive, runCli, tid, axeViolations } from "./lib.mjs";

const h = harness();

const pane = (page) => page.locator(tid("packages-panel"));

/** The rows in the table, as the page shows them. */
function rowsShown(page) {
  return pane(page)
    .locator(tid("package-row"))
    .evaluateAll((els) =>
      els.map((el) => ({
        ecosystem: el.dataset.ecosystem,
        name: el.dataset.name,
        version: el.dataset.version,
        layer: Number(el.dataset.layer),
        removed: el.dataset.removed === "" ? null : Number(el.dataset.removed),
        files: Number(el.dataset.files),
        bytes: Number(el.dataset.bytes),
        wasted: Number(el.dataset.wasted),
        text: el.querySelector('[data-testid="package-show"]').textContent,
      })),
    );
}

/** The CLI's rows in the same shape. */
const asRows = (packages) =>
  packages.map((p) => ({
    ecosystem: p.ecosystem,
    name: p.name,
    version: p.version,
    layer: p.added_in_layer,
    removed: p.removed_in_layer,
    files: p.files.length,
    bytes: p.bytes,
    wasted: p.wasted_bytes,
    text: p.name,
  }));

/** Waits until the table shows `n` rows. */
async function waitRows(page, n) {
  await page.waitForFunction(
    ([sel, n]) => document.querySelectorAll(sel).length === n,
    [`${tid("packages-panel")} ${tid("package-row")}`, n],
    { timeout: 20_000 },
  );
}

/** "show more" until every matching row is shown. */
async function showAll(page) {
  const more = pane(page).locator(tid("packages-more"));
  while (await more.count()) {
    const before = await pane(page).locator(tid("package-row")).count();
    await more.click();
    await page.waitForFunction(
      ([sel, n]) => document.querySelectorAll(sel).length > n,
      [`${tid("packages-panel")} ${tid("package-row")}`, before],
    );
  }
}

const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
/** A stable sort, as the page's. */
const sorted = (rows, cmp) => rows.map((r, i) => [r, i]).sort(([a, i], [b, j]) => cmp(a, b) || i - j).map(([r]) => r);

/** The file rows (not directories) of the tree, once its answer is in. */
async function treeFiles(page) {
  await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute("aria-busy") === "false", tid("file-tree"));
  return page
    .locator(`${tid("file-tree")} ${tid("tree-row")}`)
    .evaluateAll((els) =>
      els.filter((el) => !el.querySelector(".t-mode").textContent.startsWith("d")).map((el) => el.dataset.path),
    );
}

async function assertAccessible(page, where) {
  const found = await axeViolations(page);
  assert.deepEqual(found, [], `${where}: ${found.length} accessibility violations:\n${found.join("\n")}`);
}

test("the packages pane is layerscope packages --json's, sorts, filters and shows a package's files", { timeout: 240_000 }, async (t) => {
  const image = path.join(fixtureImage(t, "make-packages-image.sh"), "packages.tar");
  const cli = runCli(["packages", "--json"], image);
  assert.equal(cli.status, 0, cli.stderr);
  const doc = JSON.parse(cli.stdout);
  const all = asRows(doc.packages);
  assert.ok(all.length > 100, `the fixture has more packages than a page (${all.length})`);

  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  assert.equal(await dropFile(page, image), "done");

  // Row for row, in the CLI's order (most bytes first), a page at a time.
  await waitRows(page, 100);
  const count = pane(page).locator(tid("packages-count"));
  assert.equal(await count.getAttribute("data-matching"), String(all.length));
  assert.match(await count.textContent(), new RegExp(`^${all.length} packages`));
  await showAll(page);
  assert.deepEqual(await rowsShown(page), all, "the pane's rows are layerscope packages --json's");
  const bytesHeader = pane(page).locator("th", { has: page.locator(tid("packages-sort-bytes")) });
  assert.equal(await bytesHeader.getAttribute("aria-sort"), "descending");

  // Sorted from the keyboard: by name, then the other way round, then by waste.
  await pane(page).locator(tid("packages-sort-name")).focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction((sel) => document.querySelector(sel)?.closest("th").getAttribute("aria-sort") === "ascending", tid("packages-sort-name"));
  await waitRows(page, 100);
  assert.deepEqual(await rowsShown(page), sorted(all, byName).slice(0, 100), "sorted by name");
  await page.keyboard.press("Enter");
  await page.waitForFunction((sel) => document.querySelector(sel)?.closest("th").getAttribute("aria-sort") === "descending", tid("packages-sort-name"));
  assert.deepEqual(await rowsShown(page), sorted(all, (a, b) => byName(b, a)).slice(0, 100), "sorted by name, last first");
  await page.keyboard.press("Tab"); // the layer's header
  await page.keyboard.press("Tab"); // the size's
  await page.keyboard.press("Tab"); // the waste's
  await page.keyboard.press("Enter");
  await page.waitForFunction((sel) => document.querySelector(sel)?.closest("th").getAttribute("aria-sort") === "descending", tid("packages-sort-wasted"));
  const byWaste = sorted(all, (a, b) => b.wasted - a.wasted);
  assert.deepEqual(await rowsShown(page), byWaste.slice(0, 100), "sorted by waste, most first");
  assert.equal(byWaste[0].name, "lsfix-a", "the upgraded package wasted the most");

  // Filtered from the keyboard: a name, then an ecosystem.
  await pane(page).locator(tid("packages-filter")).focus();
  await page.keyboard.type("LSFIX");
  const lsfix = byWaste.filter((r) => r.name.toLowerCase().includes("lsfix"));
  await waitRows(page, lsfix.length);
  assert.deepEqual(await rowsShown(page), lsfix, "the name filter (any case)");
  assert.equal(await count.getAttribute("data-matching"), String(lsfix.length));
  await pane(page).locator(tid("packages-ecosystem")).focus();
  await page.keyboard.type("d");
  const debs = lsfix.filter((r) => r.ecosystem === "deb");
  await waitRows(page, debs.length);
  assert.deepEqual(await rowsShown(page), debs, "the ecosystem filter");
  assert.deepEqual(debs.map((r) => r.name).sort(), ["lsfix-a", "lsfix-b", "lsfix-c"]);
  await page.keyboard.press("Home");
  await waitRows(page, lsfix.length);

  // lsfix-a, from the keyboard: layer 1 (which added it) is selected, the
  // tree shows exactly its file.
  await pane(page).locator(`${tid("package-row")}[data-name="lsfix-a"] ${tid("package-show")}`).focus();
  await page.keyboard.press("Enter");
  const banner = page.locator(tid("tree-package"));
  await banner.waitFor();
  assert.match(await banner.textContent(), /deb lsfix-a 2\.0/);
  await page.waitForFunction(
    (sel) => [...document.querySelectorAll(sel)].filter((e) => e.getAttribute("aria-selected") === "true").map((e) => e.dataset.layer).join() === "1",
    `${tid("layer-stack")} ${tid("layer-item")}`,
  );
  const added = doc.packages.find((p) => p.name === "lsfix-a");
  assert.deepEqual(added.files, ["/usr/share/lsfix-a/data"]);
  assert.deepEqual(await treeFiles(page), added.files, "the tree shows exactly lsfix-a's files");

  // Its story names the package.
  await page.locator(`${tid("tree-row")}[data-path="/usr/share/lsfix-a/data"]`).click();
  const owner = page.locator(`${tid("path-story")} ${tid("story-owner")}`);
  await owner.waitFor();
  assert.match(await owner.textContent(), /deb lsfix-a 2\.0/);

  // Layer 1's row says what it installed, as the CLI's table does.
  const line = page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer="1"] ${tid("layer-packages")}`);
  assert.match(await line.textContent(), /^installed 2 packages, /);
  assert.equal(doc.layers[1].added.length, 2);
  const table = runCli(["packages"], image).stdout;
  assert.ok(table.includes(`  1  ${await line.textContent()}\n`), `the CLI's table has layer 1's line:\n${table}`);

  // Back to the whole filesystem.
  await page.locator(tid("tree-package-clear")).click();
  await banner.waitFor({ state: "detached" });
  await page.waitForFunction((sel) => document.querySelectorAll(sel).length > 4, `${tid("file-tree")} ${tid("tree-row")}`);

  await assertAccessible(page, "the packages pane, filtered, a package's files in the tree");
  assertClean();

  // At phone width, dark: the pane (and the page) still pass axe.
  const phone = await openPage(t, h, { viewport: { width: 360, height: 740 }, colorScheme: "dark" });
  await gotoApp(phone.page, h);
  assert.equal(await dropFile(phone.page, image), "done");
  await waitRows(phone.page, 100);
  await pane(phone.page).locator(tid("packages-filter")).scrollIntoViewIfNeeded();
  await assertAccessible(phone.page, "the packages pane at 360 px, dark");
  const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width} px wide at 360 px`);
  phone.assertClean();
});

test("3,000 packages: a page of rows in the DOM, sorting and filtering at once", { timeout: 180_000 }, async (t) => {
  const image = generatedArchive(t, "many-packages.py", ["3000"]);
  const doc = JSON.parse(runCli(["packages", "--json"], image).stdout);
  assert.equal(doc.packages.length, 3000);
  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  assert.equal(await dropFile(page, image), "done");
  await waitRows(page, 100);
  assert.deepEqual(await rowsShown(page), asRows(doc.packages).slice(0, 100), "the first page is the CLI's first 100");

  /** Milliseconds from a key to the table showing what `done` waits for. */
  const timed = async (key, done, arg) => {
    const t0 = performance.now();
    await page.keyboard.press(key);
    await page.waitForFunction(done, arg, { polling: "raf" });
    return performance.now() - t0;
  };
  await pane(page).locator(tid("packages-sort-name")).focus();
  const sortMs = await timed(
    "Enter",
    (sel) => document.querySelector(sel)?.closest("th").getAttribute("aria-sort") === "ascending",
    tid("packages-sort-name"),
  );
  assert.deepEqual(await rowsShown(page), sorted(asRows(doc.packages), byName).slice(0, 100));
  await pane(page).locator(tid("packages-filter")).focus();
  const nines = doc.packages.filter((p) => p.name.includes("9")).length;
  const filterMs = await timed(
    "9",
    ([sel, n]) => document.querySelector(sel)?.dataset.matching === String(n),
    [tid("packages-count"), nines],
  );
  await pane(page).locator(tid("packages-more")).focus();
  const moreMs = await timed("Enter", (sel) => document.querySelectorAll(sel).length === 200, `${tid("packages-panel")} ${tid("package-row")}`);
  t.diagnostic(`3,000 packages: sort ${sortMs.toFixed(0)} ms, filter ${filterMs.toFixed(0)} ms, 100 more rows ${moreMs.toFixed(0)} ms (key to frame, through the test driver)`);
  for (const [what, ms] of [["sort", sortMs], ["filter", filterMs], ["show more", moreMs]]) {
    assert.ok(ms < 1000, `${what} took ${ms.toFixed(0)} ms with 3,000 packages`);
  }
  assertClean();
});
