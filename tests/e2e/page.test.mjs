// End-to-end: the built page (Trunk's dist/) in headless Debian Chromium,
// driven by playwright-core with node's own test runner.
//
// The page loads from a tiny static server on a random 127.0.0.1 port
// (lib.mjs), starts from wasm with nothing broken by its CSP, shows the
// contract's entry points (drop zone, file input, samples, status), and no
// request leaves 127.0.0.1. On failure screenshots go to tests/e2e/artifacts/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { harness, openPage, gotoApp, isLocal, tid } from "./lib.mjs";

const h = harness();

test("the page starts from wasm, CSP-clean, with no request beyond 127.0.0.1", async (t) => {
  const pg = await openPage(t, h);
  const { page, requests, foreign } = pg;
  await gotoApp(page, h);

  // The entry points: a drop zone, a real file input, the samples, an idle status.
  assert.equal(await page.locator(tid("file-input")).evaluate((el) => `${el.tagName}:${el.type}`), "INPUT:file");
  await page.locator(tid("sample-list")).waitFor({ state: "visible" });
  assert.ok((await page.locator(`${tid("sample-list")} [data-testid^="sample-"]`).count()) >= 1);
  assert.equal(await page.locator(tid("analysis-status")).getAttribute("data-state"), "idle");
  await page.locator(tid("theme-toggle")).waitFor({ state: "visible" });

  // Let late requests (favicon, preloads, the sample list) happen before judging them.
  await page.waitForLoadState("networkidle");

  assert.ok(requests.some((u) => u.endsWith(".wasm")), `the wasm was fetched: ${requests.join(", ")}`);
  assert.deepEqual(foreign, [], "requests to hosts other than 127.0.0.1");
  for (const url of requests) assert.ok(isLocal(url), `request beyond 127.0.0.1: ${url}`);
  // A CSP violation (inline script, eval, a stray host) shows up as a console error.
  pg.assertClean({ allowConsole: [/404 \(Not Found\)/] });
});

test("the Content-Security-Policy forbids inline script and third-party hosts", async (t) => {
  const pg = await openPage(t, h);
  const { page } = pg;
  await page.goto(h.baseUrl, { waitUntil: "load" });
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
  assert.ok(csp, "the page carries a CSP meta");
  const directives = Object.fromEntries(
    csp.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...v]) => [name, v]),
  );
  // Nothing by default; each kind of resource from the page's own origin only.
  assert.deepEqual(directives["default-src"], ["'none'"]);
  assert.deepEqual(directives["script-src"], ["'self'", "'wasm-unsafe-eval'"]);
  assert.deepEqual(directives["connect-src"], ["'self'"]);
  assert.deepEqual(directives["worker-src"], ["'self'"]);
  assert.deepEqual(directives["style-src"], ["'self'"]);
  for (const [name, values] of Object.entries(directives)) {
    for (const v of values) {
      assert.ok(!/^(https?:|\*|'unsafe-inline'|'unsafe-eval')/.test(v), `${name} allows ${v}`);
    }
  }
  // The browser enforces it: an inline script does not run.
  const ran = await page.evaluate(() => {
    window.__inline = false;
    const s = document.createElement("script");
    s.textContent = "window.__inline = true";
    document.head.append(s);
    return window.__inline;
  });
  assert.equal(ran, false, "an inline script ran despite the CSP");
  // …and the test saw the violation (so a clean session is a real zero).
  await page.waitForFunction(() => true);
  const { cspViolations } = pg;
  for (let i = 0; i < 50 && cspViolations.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(cspViolations.some((v) => v.startsWith("script-src")), `the inline script was reported: ${cspViolations}`);
});
