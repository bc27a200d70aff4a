// Hostile names and history: an image whose file names, build history,
// author, comment, tag, labels and environment are HTML that would run if
// the page ever put them into markup. Every one must show as text, nothing
// may run (each payload sets window.__pwned), no dialog opens, the CSP
// reports nothing, and odd names (not UTF-8, `..`, absolute, a sibling
// prefix of a whited-out directory) read as `layerscope ls` lists them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harness, openPage, gotoApp, openDone, generatedArchive, runCli, tid } from "./lib.mjs";

const h = harness();
const IMG = "<img src=x onerror=window.__pwned=1>";

test("markup in names, history, tag and config shows as text and never runs", async (t) => {
  const file = generatedArchive(t, "hostile-names.py");
  const ls = runCli(["ls"], file);
  assert.equal(ls.status, 0, ls.stderr);
  const listed = ls.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]);
  const o = await openPage(t, h);
  const { page } = o;
  const dialogs = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  await gotoApp(page, h);
  await openDone(page, file);

  // The history table: each created_by and the comment, character for character.
  await page.locator(`${tid("history-table")} ${tid("history-row")}`).first().waitFor();
  const commands = await page.locator(`${tid("history-table")} ${tid("history-row")} td.cmd`).allTextContents();
  assert.deepEqual(commands, [`/bin/sh -c #(nop) ADD ${IMG} /app`, "/bin/sh -c rm -rf /root # <iframe src=javascript:window.__pwned=1>"]);
  assert.ok((await page.locator(tid("history-table")).textContent()).includes("<script>window.__pwned=1</script>"));

  // The tree, everything open: the paths `layerscope ls` lists, markup and all.
  await page.locator(tid("expand-all")).click();
  const row = page.locator(`${tid("tree-row")}[data-path="/app/${IMG}.txt"]`);
  await row.waitFor();
  assert.ok((await row.textContent()).includes(`${IMG}.txt`));
  const rows = await page.locator(tid("tree-row")).evaluateAll((els) => els.map((e) => [e.dataset.path, e.dataset.mark]));
  // The last layer's whiteout of /root shows as removed rows; the rest is the filesystem.
  const shown = rows.filter(([, mark]) => mark !== "removed").map(([p]) => p);
  assert.deepEqual([...shown].sort(), [...listed].sort(), "the tree lists what layerscope ls lists");
  assert.deepEqual(rows.filter(([, mark]) => mark === "removed").map(([p]) => p).sort(), ["/root", "/root/secret"], "the whiteout of /root spares /root-evil");

  // Its story, and the image's tag as text.
  await row.click();
  await page.locator(`${tid("path-story")} ${tid("story-event")}`).first().waitFor();
  assert.ok((await page.locator(tid("path-story")).textContent()).includes(IMG));
  assert.ok((await page.locator("body").textContent()).includes("example.com/hostile:<b>x</b>"));
  // The notes name the odd entries.
  const body = await page.locator("body").textContent();
  assert.match(body, /not UTF-8/);
  assert.match(body, /climbs out of the root/);

  // Nothing ran, nothing was injected.
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "a payload ran");
  assert.equal(await page.locator("main img[src='x'], main script, main iframe, main svg[onload]").count(), 0);
  assert.deepEqual(dialogs, []);
  o.assertClean();
});
