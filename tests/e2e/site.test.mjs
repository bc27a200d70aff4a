// The built site as a static docs host serves it: under a sub-path, offline
// after the first visit (the service worker), updated cleanly when a new
// version is deployed, and with every doc page the page links to opening.
// dist/ is the one `trunk build --release` made (Trunk.toml: public_url
// "./", the crates/site hook), served as it is, never rebuilt here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  harness,
  openPage,
  gotoApp,
  stateMark,
  waitTerminal,
  serveDist,
  dist,
  root,
  tid,
} from "./lib.mjs";

const h = harness();
const SUB = "/some/sub/path/";

/** dist/ (or `dir`) served under SUB; closed after test `t`. */
async function subPathSite(t, dir = dist) {
  const server = await serveDist(dir, { prefix: SUB });
  const site = { browser: h.browser, baseUrl: `http://127.0.0.1:${server.address().port}${SUB}`, server };
  t.after(() => stopServer(server));
  return site;
}

function stopServer(server) {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function openSample(page, name) {
  const mark = await stateMark(page);
  await page.locator(tid(`sample-${name}`)).click();
  assert.equal(await waitTerminal(page, mark), "done", `sample ${name}`);
  await page.locator(".tree-row").first().waitFor({ state: "visible", timeout: 15_000 });
}

/** Waits until a service worker controls the page and has its files cached. */
async function offlineReady(page) {
  await page.locator("html[data-offline=ready]").waitFor({ state: "attached", timeout: 60_000 });
  await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller), null, { timeout: 30_000 });
  return page.evaluate(() => caches.keys());
}

test("under /some/sub/path/: the page, its workers, the wasm, the samples and the docs load from there", async (t) => {
  const site = await subPathSite(t);
  const pg = await openPage(t, site);
  const { page } = pg;
  await gotoApp(page, site);
  await openSample(page, "demo");
  await page.locator(tid("help-links")).count(); // present only before an image is open
  await page.goto(new URL("docs/index.html", site.baseUrl).href);
  await page.locator("main.doc h1").waitFor();
  await page.locator(tid("docs-app-link")).click();
  await page.locator(tid("drop-zone")).waitFor({ state: "visible", timeout: 30_000 });
  pg.assertClean();
  const outside = pg.requests.filter((u) => !new URL(u).pathname.startsWith(SUB));
  assert.deepEqual(outside, [], "every request stays under the sub-path");
  for (const part of ["layerscope-worker_bg.wasm", "samples/demo.docker.tar", "docs/index.html", "docs/docs.css"]) {
    assert.ok(pg.requests.some((u) => u.startsWith(site.baseUrl + part)), `${part} was fetched from ${SUB}`);
  }
});

test("offline after the first visit: the page, a sample, its analysis and the docs, with the server gone", async (t) => {
  const site = await subPathSite(t);
  const pg = await openPage(t, site, { serviceWorkers: "allow" });
  const { page, context } = pg;
  await gotoApp(page, site);
  const caches = await offlineReady(page);
  assert.equal(caches.length, 1, `one cache, this version's: ${caches}`);
  const version = await page.evaluate(() => fetch("sw.js").then((r) => r.text()));
  assert.match(version, /const VERSION = "[0-9a-f]{16}";/);
  // Every file of dist/ is listed to keep: the page, both wasm, the workers, samples, docs.
  for (const file of walk(dist)) {
    if (file !== "sw.js") assert.ok(version.includes(`"./${file}"`), `sw.js keeps ${file}`);
  }

  // The network cut: the server stops, and the browser is told it is offline.
  await stopServer(site.server);
  await context.setOffline(true);
  await page.reload({ waitUntil: "load" });
  await page.locator(tid("drop-zone")).waitFor({ state: "visible", timeout: 30_000 });
  await openSample(page, "demo");
  await page.locator(tid("layer-stack")).waitFor();
  await page.goto(new URL("docs/workshop.html", site.baseUrl).href);
  await page.locator("main.doc h1").waitFor();
  await page.goto(site.baseUrl);
  await page.locator(tid("drop-zone")).waitFor({ state: "visible", timeout: 30_000 });
  pg.assertClean();
});

test("a new version deployed: installed in the background, offered, and in use after the reload", async (t) => {
  // A copy of dist/ to deploy over: v2 differs by one tag in index.html and
  // is finished as every build is (crates/site: docs, then sw.js).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layerscope-site-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(dist, dir, { recursive: true });
  const site = await subPathSite(t, dir);
  const pg = await openPage(t, site, { serviceWorkers: "allow" });
  const { page } = pg;
  await gotoApp(page, site);
  const [v1] = await offlineReady(page);
  assert.equal(await page.locator(tid("update-ready")).count(), 0, "nothing to offer on a first visit");

  const index = path.join(dir, "index.html");
  fs.writeFileSync(index, fs.readFileSync(index, "utf8").replace("<head>", '<head>\n    <meta name="layerscope-deploy" content="v2" />'));
  const finish = spawnSync("cargo", ["run", "--quiet", "-p", "layerscope-site", "--", dir], { cwd: root, encoding: "utf8" });
  assert.equal(finish.status, 0, finish.stderr);

  // The next load still gets v1 (an open page never mixes versions), and the
  // browser finds v2 and installs it beside.
  await page.reload({ waitUntil: "load" });
  await page.locator(tid("drop-zone")).waitFor({ state: "visible", timeout: 30_000 });
  assert.equal(await page.locator('meta[name="layerscope-deploy"]').count(), 0, "still v1 until the person reloads");
  const offer = page.locator(tid("update-ready"));
  await offer.waitFor({ state: "visible", timeout: 60_000 });
  assert.match(await offer.textContent(), /A new version of layerscope is ready/);
  await Promise.all([page.waitForEvent("load", { timeout: 60_000 }), page.locator(tid("update-reload")).click()]);
  await page.locator(tid("drop-zone")).waitFor({ state: "visible", timeout: 30_000 });
  assert.equal(await page.locator('meta[name="layerscope-deploy"]').count(), 1, "v2 after the reload");
  const after = await page.evaluate(() => caches.keys());
  assert.equal(after.length, 1, `v1's cache is gone: ${after}`);
  assert.notEqual(after[0], v1);
  await openSample(page, "demo");
  pg.assertClean();
});

test("a development build (scripts/serve) registers no service worker", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layerscope-site-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(dist, dir, { recursive: true });
  const finish = spawnSync("cargo", ["run", "--quiet", "-p", "layerscope-site", "--", dir], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, LAYERSCOPE_OFFLINE: "off" },
  });
  assert.equal(finish.status, 0, finish.stderr);
  const site = await subPathSite(t, dir);
  const pg = await openPage(t, site, { serviceWorkers: "allow" });
  const { page } = pg;
  await gotoApp(page, site);
  await openSample(page, "demo");
  assert.deepEqual(await page.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length)), 0);
  assert.equal(await page.locator("html[data-offline]").count(), 0);
  assert.ok(!pg.requests.some((u) => u.endsWith("/sw.js")), "sw.js was never fetched");
  pg.assertClean();
});

test("every doc page linked from the page opens, and every link between the docs leads somewhere", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  await gotoApp(page, h);
  const fromPage = await page
    .locator('a[href*="docs/"]')
    .evaluateAll((as) => as.map((a) => a.href));
  assert.ok(fromPage.length >= 4, `the page links its docs: ${fromPage}`);
  assert.ok(await page.locator(tid("docs-link")).isVisible(), "the header's Docs link");

  const docsRoot = new URL("docs/", h.baseUrl).href;
  const seen = new Map(); // page URL (no fragment) → ids on it
  const fragments = []; // [from, url with fragment]
  const queue = [...new Set(fromPage.map((u) => u.split("#")[0]))];
  while (queue.length) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    const response = await page.goto(url);
    assert.equal(response.status(), 200, `${url} opens`);
    if (url.endsWith(".json")) {
      JSON.parse(await response.text());
      seen.set(url, new Set());
      continue;
    }
    const h1 = page.locator("main.doc h1");
    assert.equal(await h1.count(), 1, `${url}: one title`);
    assert.ok((await h1.textContent()).trim().length > 0, `${url}: a title`);
    assert.ok((await page.title()).endsWith("· layerscope"), `${url}: ${await page.title()}`);
    const { ids, links } = await page.evaluate(() => ({
      ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
      links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
    }));
    seen.set(url, new Set(ids));
    for (const link of links) {
      if (!link.startsWith(docsRoot)) continue; // the app ("../") or a site elsewhere
      const [bare, fragment] = link.split("#");
      if (fragment) fragments.push([url, link]);
      if (!seen.has(bare)) queue.push(bare);
    }
  }
  for (const [from, link] of fragments) {
    const [bare, fragment] = link.split("#");
    assert.ok(seen.get(bare)?.has(decodeURIComponent(fragment)), `${from}: ${link}: no such heading`);
  }
  const built = walk(path.join(dist, "docs")).filter((f) => f.endsWith(".html"));
  const reached = [...seen.keys()].map((u) => u.slice(docsRoot.length));
  for (const file of built) assert.ok(reached.includes(file), `docs/${file} is reachable from the page`);
  pg.assertClean();
});

test("presentation mode and the theme carry from the page to the workshop's text and back", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  await gotoApp(page, h);
  const present = () => page.evaluate(() => document.documentElement.classList.contains("present"));
  assert.equal(await present(), false);
  await page.locator(tid("present-toggle")).click();
  await page.locator(tid("theme-toggle")).click();
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  assert.equal(await present(), true);
  await page.locator(tid("help-links")).getByRole("link", { name: /Workshop/ }).click();
  await page.locator("main.doc h1").waitFor();
  assert.equal(await present(), true, "the workshop's text opens in presentation mode");
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme, "and in the page's theme");
  const toggle = page.locator("#present-toggle");
  assert.equal(await toggle.getAttribute("aria-pressed"), "true");
  // An exercise's link opens the page still presenting.
  await page.getByRole("link", { name: "Check it in the page" }).first().click();
  await page.locator(tid("layer-stack")).waitFor({ state: "visible", timeout: 30_000 });
  assert.equal(await present(), true, "the page, opened from an exercise, still presents");
  assert.equal(await page.locator(tid("present-toggle")).getAttribute("aria-pressed"), "true");
  await page.goBack();
  await page.locator("#present-toggle").click();
  assert.equal(await present(), false);
  await page.goto(h.baseUrl);
  await page.locator(tid("drop-zone")).waitFor({ state: "visible", timeout: 30_000 });
  assert.equal(await present(), false, "switched off in the docs, off in the page");
  pg.assertClean();
});

/** Every file under `dir`, relative, with `/`. */
function walk(dir, prefix = "") {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) out.push(...walk(path.join(dir, entry.name), rel + "/"));
    else out.push(rel);
  }
  return out;
}
