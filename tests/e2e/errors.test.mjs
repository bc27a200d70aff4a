// Bad input and cancel: the page says what is wrong, stays usable, and a
// good file afterwards works.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  generatedArchive,
  harness,
  openPage,
  gotoApp,
  openFile,
  openDone,
  stateMark,
  waitState,
  waitTerminal,
  exportJson,
  cliReport,
  runCli,
  corpusFile,
  assertSameReport,
  tid,
  insecureHost,
  tarMembers,
  samplesDir,
} from "./lib.mjs";

const h = harness();
let tmp;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "layerscope-e2e-"));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const good = () => corpusFile("wagoodman-dive/.data/test-oci-gzip-image.tar");

async function errorText(page) {
  const el = page.locator(tid("error-message"));
  await el.first().waitFor({ state: "visible", timeout: 10_000 });
  return (await el.first().textContent()).trim();
}

/** The CLI's error without its prefix and file name: what the page must say too. */
function cliProblem(cli) {
  const message = cli.stderr.trim().replace(/^layerscope: error: /, "");
  return { message, problem: message.slice(message.indexOf(": ") + 2) };
}

async function thenGoodFileWorks(page) {
  const file = good();
  await openDone(page, file);
  assert.equal(await page.locator(tid("error-message")).filter({ visible: true }).count(), 0, "the old error is gone");
  assertSameReport((await exportJson(page)).doc, cliReport(file), path.basename(file));
}

test("random bytes: an error that says it is not an image, then a good file works", async (t) => {
  const file = path.join(tmp, "random.bin");
  // 64 KiB of pseudo-random bytes (a sha512 chain: the same every run).
  const blocks = [];
  for (let i = 0; i < 1024; i++) blocks.push(crypto.createHash("sha512").update(`seed ${i}`).digest());
  fs.writeFileSync(file, Buffer.concat(blocks));
  const cli = runCli(["inspect"], file);
  assert.equal(cli.status, 2);
  const pg = await openPage(t, h);
  await gotoApp(pg.page, h);
  assert.equal(await openFile(pg.page, file), "error");
  const msg = await errorText(pg.page);
  assert.match(msg, /not an image/i, `the message names the problem: '${msg}' (the CLI says: ${cli.stderr.trim()})`);
  assert.match(msg, /random\.bin/, `the message names the file: '${msg}'`);
  assert.equal(await pg.page.locator(tid("analysis-status")).getAttribute("data-state"), "error");
  await thenGoodFileWorks(pg.page);
  pg.assertClean({ allowConsole: [/not an image/i] });
});

test("a truncated archive: the error says truncated and names the member, then a good file works", async (t) => {
  const src = corpusFile("wagoodman-dive/.data/test-docker-image.tar");
  const file = path.join(tmp, "truncated.tar");
  fs.writeFileSync(file, fs.readFileSync(src).subarray(0, 700_000));
  const cli = runCli(["inspect"], file);
  assert.equal(cli.status, 2);
  const member = /: ([0-9a-f]{64}\/layer\.tar): /.exec(cli.stderr)?.[1];
  assert.ok(member, `the CLI names the cut member: ${cli.stderr}`);
  const pg = await openPage(t, h);
  await gotoApp(pg.page, h);
  assert.equal(await openFile(pg.page, file), "error");
  const msg = await errorText(pg.page);
  assert.match(msg, /truncated|ends early|ends inside/i, `the message names the problem: '${msg}' (the CLI says: ${cli.stderr.trim()})`);
  assert.ok(msg.includes(member.slice(0, 12)), `the message names the member ${member}: '${msg}'`);
  await thenGoodFileWorks(pg.page);
  pg.assertClean({ allowConsole: [/truncated|ends early|ends inside/i] });
});

test("two corrupt layers read by different workers: the first in manifest order is named, as the CLI names it", async (t) => {
  // kaniko's archive: a gzip layer per member. Bytes flipped in the middle
  // of two of them (the 3rd and 6th members, read by different workers).
  const bytes = Buffer.from(fs.readFileSync(corpusFile("wagoodman-dive/.data/test-kaniko-image.tar")));
  const layers = tarMembers(bytes).filter((m) => m.name.endsWith(".tar.gz"));
  assert.ok(layers.length >= 6, `kaniko's archive has ${layers.length} gzip layers`);
  for (const l of [layers[2], layers[5]]) {
    for (let i = 0; i < 64; i++) bytes[l.offset + Math.floor(l.size / 2) + i] ^= 0x5a;
  }
  const file = path.join(tmp, "two-bad-layers.tar");
  fs.writeFileSync(file, bytes);
  const cli = runCli(["inspect"], file);
  assert.equal(cli.status, 2, cli.stderr);
  const { message: cliMessage, problem } = cliProblem(cli);
  assert.ok(cliMessage.includes(layers[2].name.slice(0, 12)), `the CLI names the first bad member: ${cliMessage}`);
  const pg = await openPage(t, h);
  await gotoApp(pg.page, h);
  assert.equal(await openFile(pg.page, file), "error");
  const msg = await errorText(pg.page);
  assert.ok(msg.includes(problem), `the page says what the CLI says: '${msg}' vs '${cliMessage}'`);
  await thenGoodFileWorks(pg.page);
  pg.assertClean({ allowConsole: [/corrupt|invalid|gzip|deflate|checksum/i] });
});

test("a layer whose bytes do not match its digest: shown with the error the CLI gives, hashed by the browser or in wasm", async (t) => {
  // dive's docker-save archive: plain layers, so a byte changed inside a
  // file's content leaves a readable tar whose sha256 is not its diff_id.
  const bytes = Buffer.from(fs.readFileSync(corpusFile("wagoodman-dive/.data/test-docker-image.tar")));
  const layer = tarMembers(bytes)
    .filter((m) => m.name.endsWith("/layer.tar"))
    .sort((a, b) => b.size - a.size)[0];
  const inner = tarMembers(bytes.subarray(layer.offset, layer.offset + layer.size)).find((m) => m.type === "0" && m.size > 100);
  bytes[layer.offset + inner.offset + 50] ^= 0x01;
  const file = path.join(tmp, "wrong-digest.tar");
  fs.writeFileSync(file, bytes);
  // The CLI shows the analysis, then fails with the mismatch (exit 2).
  const cli = runCli(["inspect"], file);
  assert.equal(cli.status, 2, cli.stderr);
  const problem = cli.stderr.trim().replace(/^.*?: error: .*?: error: /, "");
  assert.match(problem, /^layer 0: diff_id mismatch: the config says sha256:[0-9a-f]{64}, the uncompressed layer hashes to sha256:[0-9a-f]{64}$/, cli.stderr);
  // A secure context hashes with the browser's sha256, the other name in wasm:
  // the hash the page names is the CLI's either way.
  for (const host of ["127.0.0.1", insecureHost]) {
    const pg = await openPage(t, h);
    await gotoApp(pg.page, { baseUrl: `http://${host}:${h.server.address().port}/` });
    assert.equal(await openFile(pg.page, file), "done", host);
    const status = pg.page.locator(tid("analysis-status"));
    assert.ok((await status.textContent()).includes(`with an error: ${problem}`), `${host}: ${await status.textContent()}`);
    // The image's notes are below the first screen: they render a few tasks after done.
    const note = pg.page.locator("details.diagnostics[open] li.note.error");
    await note.first().waitFor({ state: "attached", timeout: 10_000 });
    assert.equal(await note.count(), 1, host);
    assert.ok((await note.textContent()).includes(problem.replace(/^layer 0: /, "")), `${host}: ${await note.textContent()}`);
    await thenGoodFileWorks(pg.page);
    assert.ok(!(await status.textContent()).includes("error"), "the next file's status has no error");
    pg.assertClean();
  }
});

test("a byte flipped in each member of the samples: the page answers as the CLI does", { timeout: 180_000 }, async (t) => {
  // The demo as docker save (plain layers) and as an OCI archive (zstd
  // layers): one byte flipped in the middle of each member's data, and one in
  // each layer's tar header. Where the CLI still gives an analysis (with a
  // digest error, or none), the page exports the same document; where it
  // refuses the file, the page shows the error it gives.
  const pg = await openPage(t, h);
  await gotoApp(pg.page, h);
  const outcomes = { analysed: 0, refused: 0 };
  for (const sample of ["demo.docker.tar", "demo-zstd.oci.tar"]) {
    const intact = fs.readFileSync(path.join(samplesDir, sample));
    const flips = [];
    for (const m of tarMembers(intact).filter((m) => m.size > 0)) {
      flips.push([`${m.name}, its middle`, m.offset + Math.floor(m.size / 2)]);
      if (m.size > 10_000) flips.push([`${m.name}, its header's mode`, m.offset - 512 + 100]);
    }
    for (const [where, at] of flips) {
      const bytes = Buffer.from(intact);
      bytes[at] ^= 0x04;
      const file = path.join(tmp, `flipped-${sample}`);
      fs.writeFileSync(file, bytes);
      const cli = runCli(["inspect", "--json"], file);
      const what = `${sample}, ${where} (byte ${at})`;
      let report = null;
      try {
        report = JSON.parse(cli.stdout);
      } catch {}
      const state = await openFile(pg.page, file);
      if (report) {
        assert.equal(state, "done", `${what}: the CLI gives an analysis (exit ${cli.status}), the page ${state}`);
        assertSameReport((await exportJson(pg.page)).doc, report, what);
        outcomes.analysed++;
      } else {
        assert.equal(state, "error", `${what}: the CLI refuses it (${cli.stderr.trim()}), the page ${state}`);
        const { message: cliMessage, problem } = cliProblem(cli);
        const msg = await errorText(pg.page);
        assert.ok(msg.includes(problem), `${what}: the page says '${msg}', the CLI '${cliMessage}'`);
        outcomes.refused++;
      }
    }
  }
  // Both kinds of answer were compared.
  assert.ok(outcomes.analysed >= 5 && outcomes.refused >= 5, JSON.stringify(outcomes));
  await thenGoodFileWorks(pg.page);
  pg.assertClean({ allowConsole: [/corrupt|invalid|zstd|checksum|digest|mismatch/i] });
});

test("an empty file: an error, not a hang", async (t) => {
  const file = path.join(tmp, "empty.tar");
  fs.writeFileSync(file, "");
  const pg = await openPage(t, h);
  await gotoApp(pg.page, h);
  assert.equal(await openFile(pg.page, file), "error");
  assert.ok((await errorText(pg.page)).length > 0);
  await thenGoodFileWorks(pg.page);
  pg.assertClean({ allowConsole: [/./] }); // what it logs is its business; it must not leave 127.0.0.1
});

test("cancel a large archive mid-way: state cancelled, then a new file works", { timeout: 240_000 }, async (t) => {
  const file = generatedArchive(t, "big-archive.py", ["200"]);
  assert.ok(fs.statSync(file).size > 150e6);

  const pg = await openPage(t, h);
  const { page } = pg;
  await gotoApp(page, h);
  const mark = await stateMark(page);
  await page.locator(tid("file-input")).setInputFiles(file);
  await waitState(page, mark, "running");
  // Mid-way: the progress bar has moved, the analysis has not ended.
  const bar = page.locator(tid("progress"));
  assert.equal(await bar.getAttribute("role"), "progressbar");
  await page.waitForFunction(
    ([sel, status]) => {
      const now = Number(document.querySelector(sel)?.getAttribute("aria-valuenow"));
      const state = document.querySelector(status)?.getAttribute("data-state");
      return state !== "running" || (now > 0 && now < 100);
    },
    [tid("progress"), tid("analysis-status")],
    { timeout: 120_000, polling: "raf" },
  );
  const shownAt = Number(await bar.getAttribute("aria-valuenow"));
  const before = await page.locator(tid("analysis-status")).getAttribute("data-state");
  assert.equal(before, "running", "the analysis ended before Cancel could be pressed: the archive is too small for this machine");
  await page.locator(tid("cancel")).click();
  const state = await waitTerminal(page, mark, { timeout: 30_000 });
  assert.equal(state, "cancelled", `cancelled at ${shownAt} %`);
  assert.equal(await page.locator(tid("analysis-status")).getAttribute("data-state"), "cancelled");

  // At once, as a person would: the page must not trip over the worker it
  // started on cancel (if that one is still loading, killing it must not log
  // "could not start" errors).
  await thenGoodFileWorks(page);
  pg.assertClean({ allowConsole: [/cancel/i] });
});
