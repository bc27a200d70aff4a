// End-to-end: the built page (Trunk's dist/) in headless Debian Chromium,
// driven by playwright-core with node's own test runner.
//
// Serves dist/ from a tiny static server on a random 127.0.0.1 port, loads
// the page, and checks what a person would see, that nothing broke the CSP,
// and that no request left 127.0.0.1. On failure a screenshot goes to
// tests/e2e/artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const dist = path.resolve(root, process.env.LAYERSCOPE_DIST ?? "dist");
const artifacts = path.join(here, "artifacts");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

// The flags TOOLCHAIN.md lists: root needs --no-sandbox, and without the
// background-networking ones Chromium keeps dialling Google on a closed network.
const launchArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const mimeTypes = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm", // instantiateStreaming refuses anything else
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".tar": "application/x-tar",
  ".gz": "application/gzip",
};

/** A static file server for dist/, on 127.0.0.1 and a port the OS picks. */
function serveDist() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.resolve(dist, "." + rel);
    if (!file.startsWith(dist + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      const type = mimeTypes[path.extname(file)] ?? "application/octet-stream";
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

let server;
let browser;
let baseUrl;

before(async () => {
  assert.ok(
    fs.existsSync(path.join(dist, "index.html")),
    `${dist}/index.html is missing: run \`trunk build --release\` first (scripts/test does)`,
  );
  server = await serveDist();
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({ executablePath: chromiumPath, args: launchArgs });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

/**
 * Opens a fresh page that records every request and every console error,
 * and refuses (and records) any request that is not for 127.0.0.1.
 */
async function openPage(t) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const requests = [];
  const foreign = [];
  const consoleErrors = [];
  const pageErrors = [];
  context.on("request", (req) => requests.push(req.url()));
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const local = url.protocol === "data:" || url.protocol === "blob:" || url.hostname === "127.0.0.1";
    if (local) return route.continue();
    foreign.push(url.href);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => pageErrors.push(String(err)));

  // On failure, keep a screenshot of what the page looked like.
  t.after(async () => {
    if (!t.passed) {
      try {
        fs.mkdirSync(artifacts, { recursive: true });
        const name = t.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
        const file = path.join(artifacts, `${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.error(`screenshot saved: ${path.relative(root, file)}`);
      } catch (err) {
        console.error(`could not save a screenshot: ${err}`);
      }
    }
    await context.close();
  });
  return { page, requests, foreign, consoleErrors, pageErrors };
}

test("the placeholder page renders from wasm, CSP-clean, with no request beyond 127.0.0.1", async (t) => {
  const { page, requests, foreign, consoleErrors, pageErrors } = await openPage(t);

  const response = await page.goto(baseUrl, { waitUntil: "load" });
  assert.equal(response.status(), 200);

  // index.html has no heading of its own: Yew renders it once the wasm runs.
  // boot.js shows a .boot-error instead when the wasm fails to start: stop there.
  const heading = page.getByRole("heading", { level: 1, name: "layerscope" });
  const bootError = page.locator(".boot-error");
  await heading.or(bootError).first().waitFor({ state: "visible", timeout: 20_000 });
  assert.equal(await bootError.count(), 0, `the app did not start: ${await bootError.allTextContents()}`);
  assert.equal(await heading.textContent(), "layerscope");
  await page.getByText(/Drop an image here/).waitFor({ state: "visible" });
  assert.match(await page.locator(".tagline").textContent(), /container image/);

  // Let late requests (favicon, preloads) happen before judging them.
  await page.waitForLoadState("networkidle");

  assert.ok(requests.some((u) => u.endsWith(".wasm")), `the wasm was fetched: ${requests.join(", ")}`);
  assert.deepEqual(foreign, [], "requests to hosts other than 127.0.0.1");
  for (const url of requests) {
    const u = new URL(url);
    assert.ok(
      u.protocol === "data:" || u.protocol === "blob:" || u.hostname === "127.0.0.1",
      `request beyond 127.0.0.1: ${url}`,
    );
  }
  assert.deepEqual(pageErrors, [], "uncaught errors in the page");
  // A CSP violation (inline script, eval, a stray host) shows up as a console error.
  assert.deepEqual(
    consoleErrors.filter((m) => !/favicon\.ico/.test(m) && !/404 \(Not Found\)/.test(m)),
    [],
    "console errors",
  );
});

test("the Content-Security-Policy forbids inline script and third-party hosts", async (t) => {
  const { page } = await openPage(t);
  await page.goto(baseUrl, { waitUntil: "load" });
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
  assert.ok(csp, "the page carries a CSP meta");
  const directives = Object.fromEntries(
    csp.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...v]) => [name, v]),
  );
  assert.deepEqual(directives["default-src"], ["'self'"]);
  assert.deepEqual(directives["script-src"], ["'self'", "'wasm-unsafe-eval'"]);
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
});
