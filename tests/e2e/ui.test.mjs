// The page's views, driven as a person would: layers, ranges, the tree
// (filter, sort, expand, keyboard), a path's story, copy buttons, theme,
// the samples and a platform choice. Every expectation comes from
// `layerscope inspect --json` / `layerscope ls` on the same file.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  harness,
  openPage,
  gotoApp,
  openDone,
  stateMark,
  waitTerminal,
  exportJson,
  cliReport,
  cliLs,
  corpusFile,
  samplesDir,
  root,
  changesByLayer,
  markOf,
  rangeChanges,
  assertMatchesCli,
  assertSameReport,
  tid,
} from "./lib.mjs";

const h = harness();
const DIVE = "wagoodman-dive/.data/test-docker-image.tar";

/** Opens a page with `file` analysed. */
async function pageWith(t, file, opts) {
  const pg = await openPage(t, h, opts);
  await gotoApp(pg.page, h);
  await openDone(pg.page, file);
  return pg;
}

/**
 * Waits until `compute` (run in the page) returns `expected` (compared as
 * JSON); on timeout fails with what the page had instead.
 */
async function settle(page, compute, arg, expected, what, timeout = 15_000) {
  // Composed here, in node, so the page never has to eval (its CSP forbids it).
  const predicate = new Function("a", `return JSON.stringify((${compute})(a.arg)) === a.want;`);
  try {
    await page.waitForFunction(predicate, { arg, want: JSON.stringify(expected) }, { timeout, polling: "raf" });
  } catch (err) {
    if (!/Timeout/i.test(String(err))) throw err;
    const got = await page.evaluate(compute, arg);
    assert.deepEqual(got, expected, `${what} (waited ${timeout} ms)`);
  }
}

/** Like settle, but any of `candidates` will do. */
async function settleAny(page, compute, arg, candidates, what, timeout = 15_000) {
  const wants = candidates.filter((c) => JSON.stringify(c) !== "[]" || candidates.length === 1).map((c) => JSON.stringify(c));
  const predicate = new Function("a", `return a.wants.includes(JSON.stringify((${compute})(a.arg)));`);
  try {
    await page.waitForFunction(predicate, { arg, wants }, { timeout, polling: "raf" });
  } catch (err) {
    if (!/Timeout/i.test(String(err))) throw err;
    const got = await page.evaluate(compute, arg);
    assert.fail(`${what} (waited ${timeout} ms): got ${JSON.stringify(got)}, want one of ${wants.join(" or ")}`);
  }
}

// In-page readers (serialised into the page: no closures).
const rowsWithMarks = (sel) =>
  [...document.querySelectorAll(sel)]
    .filter((el) => (el.getAttribute("data-mark") ?? "") !== "")
    .map((el) => [el.getAttribute("data-path"), el.getAttribute("data-mark")])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const rowPaths = (sel) => [...document.querySelectorAll(sel)].map((el) => el.getAttribute("data-path"));
const TREE_ROW = `${tid("file-tree")} ${tid("tree-row")}`;

/** Picks `value` in a control that may be a <select>, a radio group or buttons. */
async function choose(control, value) {
  const tag = await control.evaluate((el) => el.tagName.toLowerCase());
  if (tag === "select") {
    const values = await control.locator("option").evaluateAll((os) => os.map((o) => [o.value, o.textContent.trim()]));
    const norm = (x) => x.toLowerCase();
    const hit = values.find(([v, text]) => norm(v) === norm(value) || norm(text) === norm(value));
    assert.ok(hit, `'${value}' is not among the options ${JSON.stringify(values)}`);
    await control.selectOption(hit[0]);
    return;
  }
  const option = control.locator(`[value="${value}"], [data-value="${value}"]`).or(control.getByRole("radio", { name: value })).or(control.getByRole("button", { name: value }));
  await option.first().click();
}

/** Sets an on/off control (checkbox, or a button with aria-pressed) to `on`. */
async function setToggle(control, on) {
  const info = await control.evaluate((el) => ({ tag: el.tagName.toLowerCase(), type: el.type, pressed: el.getAttribute("aria-pressed") }));
  if (info.tag === "input" && info.type === "checkbox") return control.setChecked(on);
  const inner = control.locator('input[type="checkbox"]');
  if (await inner.count()) return inner.first().setChecked(on);
  if ((info.pressed === "true") !== on) await control.click();
}

/**
 * Expand all: a click, unless the control says all is expanded already
 * (aria-pressed=true or disabled) — then a click could only toggle it off.
 */
async function expandAll(page) {
  const button = page.locator(tid("expand-all"));
  const state = await button.evaluate((el) => ({ pressed: el.getAttribute("aria-pressed"), disabled: el.disabled }));
  if (state.pressed !== "true" && !state.disabled) await button.click();
}

async function selectLayer(page, layer, modifiers) {
  const item = page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer="${layer}"]`);
  await item.click({ modifiers });
  return item;
}

async function selectedLayers(page) {
  return page.locator(`${tid("layer-stack")} ${tid("layer-item")}[aria-selected="true"]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-layer"))).sort((a, b) => a - b));
}

/** The expected marked rows of a change map, sorted as rowsWithMarks sorts. */
const expectedMarks = (map) => [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

test("select a layer: it is selected, and the union view marks what it added and changed", async (t) => {
  const file = corpusFile(DIVE);
  const report = cliReport(file);
  const pg = await pageWith(t, file);
  const { page } = pg;
  await selectLayer(page, 7);
  await settle(page, (sel) => [...document.querySelectorAll(sel)].filter((e) => e.getAttribute("aria-selected") === "true").map((e) => e.getAttribute("data-layer")), `${tid("layer-stack")} ${tid("layer-item")}`, ["7"], "only layer 7 is selected");
  await choose(page.locator(tid("view-mode")), "union");
  await setToggle(page.locator(tid("hide-unchanged")), true);
  await expandAll(page);
  const changes = changesByLayer(report)[7];
  // A union view holds what is there after layer 7: what it added or modified
  // (removed paths are not in that union; the changes view shows them).
  const present = new Map([...changes].filter(([, c]) => c.change !== "D").map(([p, c]) => [p, markOf(c.change)]));
  await settle(
    page,
    (sel) => [...document.querySelectorAll(sel)].filter((el) => ["added", "modified"].includes(el.getAttribute("data-mark"))).map((el) => [el.getAttribute("data-path"), el.getAttribute("data-mark")]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    TREE_ROW,
    expectedMarks(present),
    "union view after layer 7, unchanged hidden: the added and modified rows",
  );
  // Every row shown is a changed path or a parent of one.
  const shown = await page.evaluate(rowPaths, TREE_ROW);
  for (const p of shown) {
    assert.ok(changes.has(p) || [...changes.keys()].some((c) => c.startsWith(p + "/")), `${p} is shown with unchanged hidden`);
  }
  pg.assertClean();
});

test("changes view: one layer, then a range picked with shift+click", async (t) => {
  const file = corpusFile(DIVE);
  const report = cliReport(file);
  const pg = await pageWith(t, file);
  const { page } = pg;
  await choose(page.locator(tid("view-mode")), "changes");
  await selectLayer(page, 7);
  await expandAll(page);
  await settle(page, rowsWithMarks, TREE_ROW, expectedMarks(rangeChanges(report, 7, 7)), "changes of layer 7");

  await selectLayer(page, 3);
  await selectLayer(page, 6, ["Shift"]);
  assert.deepEqual(await selectedLayers(page), [3, 4, 5, 6], "shift+click selects layers 3 to 6");
  await expandAll(page);
  const range = rangeChanges(report, 3, 6);
  assert.ok(range.size > 0);
  await settle(page, rowsWithMarks, TREE_ROW, expectedMarks(range), "changes of layers 3..6 together");
  pg.assertClean();
});

/** Glob to regex, two readings: `*` within one path segment, or across. */
function globRegex(glob, crossSlash) {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, crossSlash ? ".*" : "[^/]*").replace(/\?/g, crossSlash ? "." : "[^/]");
  return new RegExp(`^${body}$`);
}

test("filter by text and by glob", async (t) => {
  const file = corpusFile(DIVE);
  const all = cliLs(file).map((e) => e.path);
  const pg = await pageWith(t, file);
  const { page } = pg;
  await choose(page.locator(tid("view-mode")), "union");
  const filter = page.locator(tid("tree-filter"));
  const shownRows = (sel) => [...new Set([...document.querySelectorAll(sel)].map((el) => el.getAttribute("data-path")))].sort();
  // What a filter shows, fully expanded: the matching paths and the directories above them.
  const withParents = (paths) => {
    const out = new Set();
    for (const p of paths) {
      const parts = p.split("/");
      for (let i = 2; i <= parts.length; i++) out.add(parts.slice(0, i).join("/"));
    }
    return [...out].sort();
  };

  // Text: every path containing it, with its parents.
  await filter.fill("saved");
  await expandAll(page);
  const want = all.filter((p) => p.includes("saved"));
  assert.equal(want.length, 4);
  await settle(page, shownRows, TREE_ROW, withParents(want), "rows for the filter 'saved'");

  // Globs: `?` and `*` over the whole path. `*` may be read as staying within
  // a path segment or as crossing '/': either reading is accepted, the rows
  // must be exactly what one of them matches (with parents).
  for (const glob of ["/root/?saved.txt", "/*/saved.*", "*.txt"]) {
    await filter.fill(glob);
    await expandAll(page);
    const readings = [false, true].map((cross) => withParents(all.filter((p) => globRegex(glob, cross).test(p))));
    assert.ok(readings[1].length > 0, `glob ${glob} matches something`);
    await settleAny(page, shownRows, TREE_ROW, readings, `rows for the glob ${glob} (either reading of *)`);
  }

  // Cleared: the whole tree again (top level, collapsed).
  await filter.fill("");
  await page.locator(tid("collapse-all")).click();
  const top = all.filter((p) => p.split("/").length === 2).sort();
  await settle(page, (sel) => [...document.querySelectorAll(sel)].map((e) => e.getAttribute("data-path")).sort(), TREE_ROW, top, "top level after clearing the filter and collapsing");
  pg.assertClean();
});

/** The story the report tells of one path: [layer, what] for each layer that changed it. */
function storyOf(report, p) {
  return changesByLayer(report).flatMap((m, layer) => (m.has(p) ? [[layer, markOf(m.get(p).change)]] : []));
}

async function openStory(page, p) {
  await choose(page.locator(tid("view-mode")), "union");
  await page.locator(tid("tree-filter")).fill(path.posix.basename(p));
  await expandAll(page);
  const row = page.locator(`${TREE_ROW}[data-path="${p}"]`);
  await row.click();
  const events = `${tid("path-story")} ${tid("story-event")}`;
  await page.locator(events).first().waitFor({ state: "visible", timeout: 15_000 });
  return events;
}

const storyEvents = (sel) => [...document.querySelectorAll(sel)].map((e) => [Number(e.getAttribute("data-layer")), e.getAttribute("data-what")]);

test("path story: /root/saved.txt in the dive image, added in layer 7, modified in 13", async (t) => {
  const file = corpusFile(DIVE);
  const report = cliReport(file);
  const want = storyOf(report, "/root/saved.txt");
  assert.deepEqual(want, [[7, "added"], [13, "modified"]]);
  const pg = await pageWith(t, file);
  const events = await openStory(pg.page, "/root/saved.txt");
  await settle(pg.page, storyEvents, events, want, "the story of /root/saved.txt");
  pg.assertClean();
});

test("keyboard: arrows and j/k move in the tree, Enter and space open and close, / focuses the filter", async (t) => {
  const file = corpusFile(DIVE);
  const all = cliLs(file).map((e) => e.path);
  const pg = await pageWith(t, file);
  const { page } = pg;
  await choose(page.locator(tid("view-mode")), "union");
  await choose(page.locator(tid("sort-select")), "name");
  await page.locator(tid("collapse-all")).click();
  const top = all.filter((p) => p.split("/").length === 2);
  await settle(page, (sel) => document.querySelectorAll(sel).length, TREE_ROW, top.length, "collapsed: top-level rows");
  const order = await page.evaluate(rowPaths, TREE_ROW);
  // The current row, as assistive technology reads it: the tree's
  // aria-activedescendant, else the focused row, else the selected one.
  const current = (sel) => {
    const tree = document.querySelector('[data-testid="file-tree"]');
    const active = tree?.getAttribute("aria-activedescendant");
    const byId = active ? document.getElementById(active) : null;
    const focused = document.activeElement?.closest?.('[data-testid="tree-row"]');
    const selected = [...document.querySelectorAll(sel)].find((r) => r.getAttribute("aria-selected") === "true");
    return (byId ?? focused ?? selected)?.getAttribute("data-path") ?? null;
  };
  // Start on a file (clicking a directory might also open it): /somefile.txt,
  // between /root and /tmp.
  const start = order.indexOf("/somefile.txt");
  assert.ok(start > 0 && start + 2 < order.length, `top-level rows: ${order.join(" ")}`);
  await page.locator(`${TREE_ROW}[data-path="/somefile.txt"]`).click();
  await settle(page, current, TREE_ROW, order[start], "clicked /somefile.txt");
  await page.keyboard.press("ArrowDown");
  await settle(page, current, TREE_ROW, order[start + 1], "ArrowDown");
  await page.keyboard.press("j");
  await settle(page, current, TREE_ROW, order[start + 2], "j");
  await page.keyboard.press("k");
  await settle(page, current, TREE_ROW, order[start + 1], "k");
  await page.keyboard.press("ArrowUp");
  await settle(page, current, TREE_ROW, order[start], "ArrowUp");

  // Enter opens a directory (its children appear under it), space closes it.
  const dir = order[start - 1];
  assert.equal(dir, "/root");
  const kids = all.filter((p) => p.startsWith(dir + "/") && p.split("/").length === 3).sort();
  await page.keyboard.press("ArrowUp");
  await settle(page, current, TREE_ROW, dir, `moved up to ${dir}`);
  const childrenShown = (arg) => [...document.querySelectorAll(arg.sel)].map((e) => e.getAttribute("data-path")).filter((p) => p.startsWith(arg.dir + "/") && p.split("/").length === 3).sort();
  await page.keyboard.press("Enter");
  await settle(page, childrenShown, { sel: TREE_ROW, dir }, kids, `Enter opens ${dir}`);
  await page.keyboard.press(" ");
  await settle(page, childrenShown, { sel: TREE_ROW, dir }, [], `space closes ${dir}`);

  await page.keyboard.press("/");
  await settle(page, (id) => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.closest?.(`[data-testid="${id}"]`)?.getAttribute("data-testid") ?? null, "tree-filter", "tree-filter", "/ focuses the filter");
  pg.assertClean();
});

test("sort by size or name; expand all and collapse all", async (t) => {
  const file = corpusFile(DIVE);
  const all = cliLs(file);
  const pg = await pageWith(t, file);
  const { page } = pg;
  await choose(page.locator(tid("view-mode")), "union");
  await page.locator(tid("collapse-all")).click();
  const topPaths = (sel) => [...document.querySelectorAll(sel)].map((e) => e.getAttribute("data-path"));
  await choose(page.locator(tid("sort-select")), "size");
  // /bin (busybox) then /root are the largest top-level entries by far.
  await settle(page, (sel) => [...document.querySelectorAll(sel)].slice(0, 2).map((e) => e.getAttribute("data-path")), TREE_ROW, ["/bin", "/root"], "sorted by size");
  await choose(page.locator(tid("sort-select")), "name");
  await settle(page, (sel) => { const p = [...document.querySelectorAll(sel)].map((e) => e.getAttribute("data-path")); return p.indexOf("/etc") < p.indexOf("/root") && p.indexOf("/bin") < p.indexOf("/etc"); }, TREE_ROW, true, "sorted by name");
  const top = await page.evaluate(topPaths, TREE_ROW);
  assert.ok(top.every((p) => p.split("/").length === 2), `collapsed: only top-level rows (${top.join(", ")})`);
  await expandAll(page);
  await settle(page, (sel) => [...document.querySelectorAll(sel)].some((e) => e.getAttribute("data-path") === "/bin/["), TREE_ROW, true, "expanded: /bin's children show");
  assert.ok(all.some((e) => e.path === "/bin/["));
  // Closing one directory after "expand all" closes that one only: /etc and
  // /root (beyond the rows on screen too) stay open.
  await page.locator(`${TREE_ROW}[data-path="/bin"]`).click();
  await settle(page, (sel) => { const p = [...document.querySelectorAll(sel)].map((e) => e.getAttribute("data-path")); return !p.some((x) => x.startsWith("/bin/")) && p.some((x) => x.startsWith("/etc/")); }, TREE_ROW, true, "only /bin closed");
  const underBin = all.filter((e) => e.path.startsWith("/bin/")).length;
  await settle(page, (sel) => Number(document.querySelector(sel)?.dataset.total), tid("tree-count"), all.length - underBin, "every other directory stays open");
  await page.locator(tid("collapse-all")).click();
  await settle(page, (sel) => [...document.querySelectorAll(sel)].every((e) => e.getAttribute("data-path").split("/").length === 2), TREE_ROW, true, "collapsed again");
  pg.assertClean();
});

test("at phone width (360 px) the tree still shows depth, and the page does not scroll sideways", async (t) => {
  const file = path.join(samplesDir, "demo.docker.tar");
  const pg = await pageWith(t, file, { viewport: { width: 360, height: 740 } });
  const { page } = pg;
  await choose(page.locator(tid("view-mode")), "union");
  await expandAll(page);
  const chain = ["/app", "/app/static", "/app/static/index.html"];
  await settle(page, (a) => a.chain.every((p) => document.querySelector(`${a.row}[data-path="${p}"]`)), { chain, row: TREE_ROW }, true, "the rows of /app/static/index.html's chain show");
  // Where each name starts: a child's is further right than its parent's.
  const starts = await page.evaluate((a) => a.chain.map((p) => document.querySelector(`${a.row}[data-path="${p}"] .t-label`).getBoundingClientRect().left), { chain, row: TREE_ROW });
  assert.ok(starts[0] < starts[1] && starts[1] < starts[2], `names indent by depth: ${starts.map((x) => x.toFixed(1)).join(" < ")}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
  pg.assertClean();
});

test("copy a layer's digest and diff_id", async (t) => {
  // kaniko's layers are gzip: digest and diff_id differ.
  const file = corpusFile("wagoodman-dive/.data/test-kaniko-image.tar");
  const report = cliReport(file);
  const pg = await pageWith(t, file);
  const { page, context } = pg;
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: h.baseUrl.replace(/\/$/, "") });
  const row = report.layers.find((r) => r.layer === 3);
  assert.notEqual(row.digest, row.diff_id);
  await selectLayer(page, 3);
  await page.locator(tid("copy-digest")).first().click();
  // lib.mjs's init script records what the page writes to the clipboard.
  await settle(page, () => window.__lsClipboard.at(-1) ?? null, null, row.digest, "copy-digest");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), row.digest, "the clipboard holds the digest");
  await page.locator(tid("copy-diff-id")).first().click();
  await settle(page, () => window.__lsClipboard.at(-1) ?? null, null, row.diff_id, "copy-diff-id");
  pg.assertClean();
});

test("the theme toggle changes the page's colours and back", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  await gotoApp(page, h);
  const colours = () => {
    const s = getComputedStyle(document.body);
    return `${s.backgroundColor} ${s.color}`;
  };
  const first = await page.evaluate(colours);
  await page.locator(tid("theme-toggle")).click();
  await page.waitForFunction((f) => {
    const s = getComputedStyle(document.body);
    return `${s.backgroundColor} ${s.color}` !== f;
  }, first, { timeout: 5_000, polling: "raf" });
  await page.locator(tid("theme-toggle")).click();
  await settle(page, colours, null, first, "toggled back");
  pg.assertClean();
});

const samples = JSON.parse(fs.readFileSync(path.join(samplesDir, "index.json"), "utf8"));

test("samples: each sample button loads its image, as the CLI reads it", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  await gotoApp(page, h);
  const buttons = await page.locator(`${tid("sample-list")} [data-testid^="sample-"]`).evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")));
  assert.deepEqual(buttons.sort(), samples.map((s) => `sample-${s.name}`).sort(), "one button per www/samples/index.json entry");
  for (const s of samples) {
    const file = path.join(root, "www", s.file);
    const mark = await stateMark(page);
    await page.locator(tid(`sample-${s.name}`)).click();
    const state = await waitTerminal(page, mark);
    assert.equal(state, "done", `sample ${s.name}: ${await page.locator(tid("error-message")).allTextContents()}`);
    const report = cliReport(file);
    await assertMatchesCli(page, file, report, `sample ${s.name}`);
  }
  assert.ok(pg.requests.some((u) => u.endsWith("/samples/demo.docker.tar")), "the sample came from this origin");
  pg.assertClean();
});

test("the demo sample's stories: a file modified later, the opaque directory's hidden file", async (t) => {
  const file = path.join(samplesDir, "demo.docker.tar");
  const report = cliReport(file);
  const pg = await openPage(t, h);
  const { page } = pg;
  await gotoApp(page, h);
  const mark = await stateMark(page);
  await page.locator(tid("sample-demo")).click();
  assert.equal(await waitTerminal(page, mark), "done");
  const events = await openStory(page, "/app/config.yml");
  await settle(page, storyEvents, events, storyOf(report, "/app/config.yml"), "the story of /app/config.yml");
  assert.deepEqual(storyOf(report, "/app/config.yml"), [[3, "added"], [5, "modified"]]);
  // Layer 4's opaque marker removes /etc/conf.d/base.conf: the changes view shows it.
  await page.locator(tid("tree-filter")).fill("");
  await choose(page.locator(tid("view-mode")), "changes");
  await selectLayer(page, 4);
  await expandAll(page);
  await settle(page, rowsWithMarks, TREE_ROW, expectedMarks(rangeChanges(report, 4, 4)), "changes of the opaque layer");
  pg.assertClean();
});

test("a link keeps the sample, the layers and the path: opened in a new page it shows the same", async (t) => {
  const file = path.join(samplesDir, "demo.docker.tar");
  const report = cliReport(file);
  const first = await openPage(t, h);
  await gotoApp(first.page, h);
  let mark = await stateMark(first.page);
  await first.page.locator(tid("sample-demo")).click();
  assert.equal(await waitTerminal(first.page, mark), "done");
  await openStory(first.page, "/app/config.yml");
  await selectLayer(first.page, 2);
  await selectLayer(first.page, 4, ["Shift"]);
  // The address bar follows (in a task of its own, so wait for it).
  await first.page.waitForFunction(() => /layer=2-4/.test(location.hash) && /path=/.test(location.hash));
  const hash = await first.page.evaluate(() => location.hash);
  assert.match(hash, /sample=demo/);
  assert.match(hash, /path=\/app\/config\.yml/);
  first.assertClean();

  // Someone opens the link.
  const second = await openPage(t, h);
  const { page } = second;
  mark = await stateMark(page);
  await page.goto(h.baseUrl + hash, { waitUntil: "load" });
  assert.equal(await waitTerminal(page, mark), "done", "the sample opens by itself");
  assert.match(await page.locator(tid("analysis-status")).textContent(), /demo\.docker\.tar/, "the demo, by itself");
  assert.deepEqual(await selectedLayers(page), [2, 3, 4], "layers 2 to 4 selected");
  const events = `${tid("path-story")} ${tid("story-event")}`;
  await settle(page, storyEvents, events, storyOf(report, "/app/config.yml"), "the story of /app/config.yml");
  await settle(page, () => document.querySelector('[data-testid="path-story"] .story-path')?.textContent, null, "/app/config.yml", "the story's path");
  // The tree shows what layers 2 to 4 changed together (under /etc/conf.d,
  // so that every row fits in view).
  await page.locator(tid("tree-filter")).fill("conf.d");
  await expandAll(page);
  const confd = new Map([...rangeChanges(report, 2, 4)].filter(([p]) => p.includes("conf.d")));
  assert.ok(confd.size >= 2);
  await settle(page, rowsWithMarks, TREE_ROW, expectedMarks(confd), "changes of layers 2..4 under /etc/conf.d");
  second.assertClean();
});

test("a multi-platform index: choose linux/arm64", async (t) => {
  const file = path.join(samplesDir, "multi-platform.oci.tar");
  const pg = await openPage(t, h);
  const { page } = pg;
  await gotoApp(page, h);
  let mark = await stateMark(page);
  await page.locator(tid("sample-multi-platform")).click();
  assert.equal(await waitTerminal(page, mark), "done");
  assertSameReport((await exportJson(page)).doc, cliReport(file), "multi-platform, default platform");
  const select = page.locator(tid("platform-select"));
  await select.waitFor({ state: "attached", timeout: 10_000 }); // the image's info renders a few tasks after done
  const options = await select.locator("option").evaluateAll((os) => os.map((o) => o.value || o.textContent.trim()));
  assert.deepEqual(options.filter((o) => o.startsWith("linux/")).sort(), ["linux/amd64", "linux/arm64"]);
  mark = await stateMark(page);
  await choose(select, "linux/arm64");
  assert.equal(await waitTerminal(page, mark), "done");
  const arm = cliReport(file, ["--platform", "linux/arm64"]);
  await assertMatchesCli(page, file, arm, "multi-platform, linux/arm64");
  pg.assertClean();
});

test("several images in one archive: choose the second (image-select, beyond the contract)", async (t) => {
  const file = corpusFile("google-go-containerregistry/pkg/v1/tarball/testdata/test_bundle.tar");
  const first = cliReport(file);
  assert.deepEqual(first.image.images, ["test_image_2", "test_image_1"]);
  const pg = await pageWith(t, file);
  const { page } = pg;
  assertSameReport((await exportJson(page)).doc, first, "test_bundle.tar, the first image");
  const select = page.locator(tid("image-select"));
  const options = await select.locator("option").evaluateAll((os) => os.map((o) => o.textContent.trim()));
  for (const name of first.image.images) assert.ok(options.some((o) => o.includes(name)), `image-select offers ${name}: ${options}`);
  const mark = await stateMark(page);
  const value = await select.locator("option").evaluateAll((os) => os.find((o) => o.textContent.includes("test_image_1"))?.value);
  assert.ok(value !== undefined, "an option for test_image_1");
  await choose(select, value);
  assert.equal(await waitTerminal(page, mark), "done");
  const second = cliReport(file, ["--ref", "test_image_1"]);
  assert.equal(second.image.reference, "test_image_1");
  await assertMatchesCli(page, file, second, "test_bundle.tar, test_image_1");
  pg.assertClean();
});

test("steps have one number: a link's step=2 is the page's Step 2, the History's 2 and the build pane's 2", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  const response = await page.goto(`${h.baseUrl}#sample=demo&step=2`, { waitUntil: "load" });
  assert.equal(response.status(), 200);
  assert.equal(await waitTerminal(page, 0), "done");
  const title = page.locator(".layer-details h3");
  await title.waitFor({ state: "visible", timeout: 15_000 });
  assert.equal((await title.textContent()).trim(), "Step 2 · empty layer");
  const row = page.locator(`${tid("history-row")}[aria-selected="true"]`);
  assert.equal((await row.locator(".step-cell").textContent()).trim(), "2");
  assert.match(await row.textContent(), /ENV PATH=/);
  const step = page.locator(`${tid("build-step")}[data-step="2"]`);
  await step.waitFor({ state: "visible", timeout: 15_000 });
  assert.match(await step.textContent(), /ENV PATH=/);
  // Selecting a range from there writes it back the same way.
  await page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-index="3"]`).click({ modifiers: ["Shift"] });
  await page.waitForFunction(() => location.hash.includes("step=2-4"), null, { timeout: 10_000 });
  pg.assertClean();
});
