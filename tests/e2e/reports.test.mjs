// The page's report downloads and its CI rules pane, against the CLI byte
// for byte. For the same file (the CLI run from the file's folder on its
// bare name, the name the page knows): the Markdown report is `layerscope
// inspect --markdown`'s stdout, the CSV of the files after the selected
// layer is `ls --layer N --csv`'s, the CSV of the selected layers' changes
// is `ls [--from M] --layer N --changes --csv`'s. A `.dive-ci` dropped on
// the CI pane (or chosen, or pasted) shows `layerscope ci --json`'s
// `ci.rules` verdict for verdict, and its three downloads are the files
// `ci --json`, `--junit` and `--markdown` write when the config has the
// same name. Rules that are not YAML show the CLI's message in the pane and
// the page goes on; a value dive calls misconfigured is MISCONFIGURED. axe
// finds nothing to fix in the pane's states.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { harness, openPage, gotoApp, openDone, stateMark, tid, cli, samplesDir, root } from "./lib.mjs";

const h = harness();
const DEMO = path.join(samplesDir, "demo.docker.tar");
const NAIVE = path.join(samplesDir, "app-naive.docker.tar");

/** The rules the brief names: a dive rule that fails, one disabled, ours failing on medium findings. */
const RULES = "rules:\n  lowestEfficiency: 0.99\n  highestUserWastedPercent: disabled\nlayerscope:\n  failOn: medium\n";
const MISCONFIGURED = "rules:\n  lowestEfficiency: 95%\n";
const NOT_YAML = "rules:\n  lowestEfficiency: [0.9\n  highestWastedBytes: 20MB\n";

/** The CLI in `dir` with `args`: status, stdout as bytes, stderr as text. */
function cliIn(dir, args) {
  const r = spawnSync(cli(), args, { cwd: dir, maxBuffer: 1 << 30 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
}

/** `layerscope ARGS FILE` from the file's folder on its bare name: stdout's bytes. */
function cliStdout(args, file) {
  const r = cliIn(path.dirname(file), [...args, path.basename(file)]);
  assert.equal(r.status, 0, `layerscope ${args.join(" ")} ${path.basename(file)}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/**
 * A folder with the rules file `config` holding `text` and the image beside
 * it (a link), removed after test `t`: the CLI runs there on both bare names.
 */
function rulesDir(t, image, config, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layerscope-ci-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, config), text);
  fs.symlinkSync(path.resolve(image), path.join(dir, path.basename(image)));
  return dir;
}

/** `layerscope ci IMAGE --ci-config CONFIG --json --junit --markdown` in `dir`: the three files and the JSON parsed. */
function cliCi(dir, image, config) {
  const r = cliIn(dir, ["ci", "--ci-config", config, "--json", "out.json", "--junit", "out.xml", "--markdown", "out.md", path.basename(image)]);
  assert.ok(r.status === 0 || r.status === 1, `layerscope ci: exit ${r.status}\n${r.stderr}`);
  const read = (f) => fs.readFileSync(path.join(dir, f));
  const json = read("out.json");
  return { json, junit: read("out.xml"), markdown: read("out.md"), report: JSON.parse(json.toString("utf8")), status: r.status };
}

/** Clicks a download button; the file's suggested name and bytes. */
async function download(page, testid) {
  const button = page.locator(tid(testid));
  await button.waitFor();
  assert.equal(await button.isEnabled(), true, `${testid} is enabled`);
  const [file] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), button.click()]);
  assert.equal(await file.failure(), null, `${testid}: the download failed`);
  return { name: file.suggestedFilename(), bytes: fs.readFileSync(await file.path()) };
}

/** Byte for byte, with the first difference named when they differ. */
function assertSameBytes(fromPage, fromCli, what) {
  if (Buffer.compare(fromPage, fromCli) === 0) return;
  let at = 0;
  while (at < fromPage.length && fromPage[at] === fromCli[at]) at++;
  const around = (b) => JSON.stringify(b.subarray(Math.max(0, at - 40), at + 40).toString("utf8"));
  assert.fail(`${what}: the page's ${fromPage.length} bytes differ from the CLI's ${fromCli.length} at byte ${at}:\n page ${around(fromPage)}\n cli  ${around(fromCli)}`);
}

const layerItem = (page, layer) => page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer="${layer}"]`);
const ciPanel = (page) => page.locator(tid("ci-panel"));

/** Waits for the pane's verdicts (or its error) after an action; the rows as shown. */
async function verdictsShown(page) {
  await ciPanel(page).locator(`${tid("ci-verdicts")}, ${tid("ci-error")}`).first().waitFor({ timeout: 20_000 });
  return ciPanel(page)
    .locator(tid("ci-verdict"))
    .evaluateAll((els) =>
      els.map((el) => ({
        origin: el.dataset.origin,
        rule: el.dataset.rule,
        status: el.dataset.status,
        value: el.dataset.hasValue === "true" ? el.dataset.value : null,
        // What is on screen.
        word: el.querySelector(".ci-status").textContent,
        symbol: el.querySelector(".ci-sym").textContent,
        name: el.querySelector(".ci-rule").textContent,
        setting: el.querySelector(".ci-setting").textContent,
        shownValue: el.querySelector(".ci-value")?.textContent ?? null,
        message: el.querySelector(".ci-message")?.textContent ?? "",
        colour: getComputedStyle(el.querySelector(".ci-status")).color,
      })),
    );
}

/** The pane's rows against `ci.rules` of `layerscope ci --json`, row for row. */
function assertSameVerdicts(shown, report, what) {
  const rules = report.ci.rules;
  assert.deepEqual(
    shown.map((r) => [r.origin, r.rule, r.status, r.value]),
    rules.map((r) => [r.origin, r.rule, r.status, r.value]),
    `${what}: the verdicts (origin, rule, status, value) are not layerscope ci --json's ci.rules`,
  );
  rules.forEach((r, i) => {
    const row = shown[i];
    const where = `${what}: rule ${i} (${r.rule})`;
    // The name as `layerscope ci` prints it (dive's bare, ours under layerscope.).
    const printed = r.origin === "dive" || r.rule === "layerscope" ? r.rule : `layerscope.${r.rule}`;
    assert.equal(row.name, printed, `${where}: name`);
    assert.ok(row.word.includes(r.status), `${where}: the status in words ('${row.word}')`);
    assert.ok(row.symbol.trim().length > 0, `${where}: the status's shape`);
    assert.equal(row.setting, r.setting === "" ? "(none)" : r.setting, `${where}: setting`);
    assert.equal(row.shownValue, r.value, `${where}: the image's value`);
    assert.equal(row.message, r.message, `${where}: message`);
  });
}

async function openCiPanel(page, file) {
  await openDone(page, file);
  await ciPanel(page).waitFor();
}

/** Types `text` into the pane's text area and presses Check. */
async function pasteRules(page, text) {
  await ciPanel(page).locator(tid("ci-input")).fill(text);
  await ciPanel(page).locator(tid("ci-check")).click();
}

/** A real drop of a file with these bytes and this name on the pane's drop zone. */
async function dropRules(page, name, text) {
  const dataTransfer = await page.evaluateHandle(
    ([text, name]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: "" }));
      return dt;
    },
    [text, name],
  );
  const zone = ciPanel(page).locator(tid("ci-drop"));
  for (const type of ["dragenter", "dragover", "drop"]) await zone.dispatchEvent(type, { dataTransfer });
}

test("Markdown, files and changes downloads are the CLI's bytes for the layers selected", { timeout: 180_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  await openDone(page, DEMO);
  const stem = "demo.docker";

  const md = await download(page, "export-markdown");
  assert.equal(md.name, `${stem}.layerscope.md`);
  assertSameBytes(md.bytes, cliStdout(["inspect", "--markdown"], DEMO), "inspect --markdown");

  // The last layer is selected when the image opens.
  const layers = (await page.locator(`${tid("layer-stack")} ${tid("layer-item")}`).evaluateAll((els) => els.map((e) => e.dataset.layer)))
    .filter((l) => /^\d+$/.test(l ?? ""))
    .map(Number);
  const last = Math.max(...layers);
  assert.ok(last >= 3, "the demo has at least four layers");
  assert.match(await page.locator(tid("export-paths-csv")).textContent(), new RegExp(`Files after layer ${last} \\(CSV\\)`));
  let files = await download(page, "export-paths-csv");
  assert.equal(files.name, `${stem}.layerscope-layer-${last}.csv`);
  assertSameBytes(files.bytes, cliStdout(["ls", "--layer", String(last), "--csv"], DEMO), `ls --layer ${last} --csv`);

  // One layer chosen: its files and its changes.
  await layerItem(page, 1).click();
  await page.locator(tid("export-changes-csv"), { hasText: "Changes in layer 1 (CSV)" }).waitFor();
  files = await download(page, "export-paths-csv");
  assert.equal(files.name, `${stem}.layerscope-layer-1.csv`);
  assertSameBytes(files.bytes, cliStdout(["ls", "--layer", "1", "--csv"], DEMO), "ls --layer 1 --csv");
  let changes = await download(page, "export-changes-csv");
  assert.equal(changes.name, `${stem}.layerscope-changes-1.csv`);
  assertSameBytes(changes.bytes, cliStdout(["ls", "--layer", "1", "--changes", "--csv"], DEMO), "ls --layer 1 --changes --csv");

  // A range (shift-click): the changes from its first layer to its last, the files after its last.
  await layerItem(page, 3).click({ modifiers: ["Shift"] });
  await page.locator(tid("export-changes-csv"), { hasText: "Changes in layers 1–3 (CSV)" }).waitFor();
  changes = await download(page, "export-changes-csv");
  assert.equal(changes.name, `${stem}.layerscope-changes-1-3.csv`);
  assertSameBytes(changes.bytes, cliStdout(["ls", "--from", "1", "--layer", "3", "--changes", "--csv"], DEMO), "ls --from 1 --layer 3 --changes --csv");
  files = await download(page, "export-paths-csv");
  assertSameBytes(files.bytes, cliStdout(["ls", "--layer", "3", "--csv"], DEMO), "ls --layer 3 --csv");
  assert.equal(await page.locator(tid("notice")).count(), 0, "no request failed");
  assertClean();
});

test("a .dive-ci dropped on the pane: the verdicts and the three downloads are layerscope ci's", { timeout: 180_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  await openCiPanel(page, DEMO);
  const dir = rulesDir(t, DEMO, ".dive-ci", RULES);
  const cli = cliCi(dir, DEMO, ".dive-ci");
  assert.equal(cli.report.ci.result, "fail", "lowestEfficiency 0.99 fails the demo");
  assert.equal(cli.status, 1);

  // Dropped on the pane: checked at once, and the open image stays (no new analysis).
  const mark = await stateMark(page);
  await dropRules(page, ".dive-ci", RULES);
  const shown = await verdictsShown(page);
  assertSameVerdicts(shown, cli.report, "the demo, .dive-ci");
  assert.deepEqual(await page.evaluate((m) => window.__lsStates.slice(m), mark), [], "the rules file did not replace the image");
  assert.equal(await page.locator(".app.dragging").count(), 0, "the page's drop overlay is not left on");
  assert.equal(await ciPanel(page).locator(tid("ci-input")).inputValue(), RULES, "the file's text is shown");
  assert.equal(await ciPanel(page).locator(tid("ci-config")).textContent(), "Reported as .dive-ci");
  for (const status of ["FAIL", "SKIP", "PASS"]) assert.ok(shown.some((r) => r.status === status), `a ${status} row`);
  // Each status has its own shape and colour, beside its word.
  const fail = shown.find((r) => r.status === "FAIL");
  const pass = shown.find((r) => r.status === "PASS");
  assert.notEqual(fail.symbol, pass.symbol);
  assert.notEqual(fail.colour, pass.colour);
  const failOn = shown.find((r) => r.rule === "failOn");
  assert.equal(failOn.name, "layerscope.failOn");
  assert.equal(failOn.setting, "medium");
  const result = ciPanel(page).locator(tid("ci-result"));
  assert.equal(await result.getAttribute("data-result"), cli.report.ci.result);
  assert.match(await result.textContent(), /FAIL/);
  assert.match(await result.textContent(), new RegExp(`${cli.report.ci.failed} failed`));

  // The downloads: byte for byte what `layerscope ci` writes.
  const json = await download(page, "ci-export-json");
  assert.equal(json.name, "demo.docker.layerscope-ci.json");
  assertSameBytes(json.bytes, cli.json, "ci --json");
  const junit = await download(page, "ci-export-junit");
  assert.equal(junit.name, "demo.docker.layerscope-ci.junit.xml");
  assertSameBytes(junit.bytes, cli.junit, "ci --junit");
  const comment = await download(page, "ci-export-markdown");
  assert.equal(comment.name, "demo.docker.layerscope-ci.md");
  assertSameBytes(comment.bytes, cli.markdown, "ci --markdown");

  // The rules stay for the next image, checked against it in turn.
  await openDone(page, NAIVE);
  const naiveDir = rulesDir(t, NAIVE, ".dive-ci", RULES);
  const naive = cliCi(naiveDir, NAIVE, ".dive-ci");
  assertSameVerdicts(await verdictsShown(page), naive.report, "app-naive, the same .dive-ci");
  assertSameBytes((await download(page, "ci-export-json")).bytes, naive.json, "app-naive: ci --json");
  assertClean();
});

test("a rules file chosen with the keyboard is reported under its own name", { timeout: 180_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  // Listen for the file chooser from the start: Playwright turns on Chromium's
  // interception only when asked, asynchronously, and a key pressed right
  // after asking can reach a page that is not intercepting yet (the CI run
  // of 2026-12-03 timed out so).
  const chooserShown = page.waitForEvent("filechooser", { timeout: 170_000 });
  chooserShown.catch(() => {}); // awaited below; a failure before then is reported as itself
  await gotoApp(page, h);
  await openCiPanel(page, DEMO);
  const dir = rulesDir(t, DEMO, "strict.yml", MISCONFIGURED);
  const cli = cliCi(dir, DEMO, "strict.yml");
  assert.equal(cli.report.ci.result, "misconfigured");

  // The file input is named by its label, reached with Tab and opened with the keyboard.
  const input = ciPanel(page).getByLabel("choose a rules file");
  assert.equal(await input.count(), 1);
  await ciPanel(page).locator(tid("ci-input")).focus();
  await page.keyboard.press("Shift+Tab");
  assert.equal(await input.evaluate((el) => el === document.activeElement), true, "the file input takes the focus");
  await page.keyboard.press("Space");
  const chooser = await chooserShown;
  await chooser.setFiles(path.join(dir, "strict.yml"));

  const shown = await verdictsShown(page);
  assertSameVerdicts(shown, cli.report, "strict.yml");
  const low = shown.find((r) => r.rule === "lowestEfficiency");
  assert.equal(low.status, "MISCONFIGURED", "dive calls 95% misconfigured");
  assert.match(low.word, /MISCONFIGURED/);
  assert.equal(low.setting, "95%");
  assert.equal(await ciPanel(page).locator(tid("ci-result")).getAttribute("data-result"), "misconfigured");
  assert.equal(await ciPanel(page).locator(tid("ci-config")).textContent(), "Reported as strict.yml");
  assertSameBytes((await download(page, "ci-export-json")).bytes, cli.json, "strict.yml: ci --json");
  assertSameBytes((await download(page, "ci-export-junit")).bytes, cli.junit, "strict.yml: ci --junit");
  assertSameBytes((await download(page, "ci-export-markdown")).bytes, cli.markdown, "strict.yml: ci --markdown");

  // Edited, the text is no longer the file's: it is reported as .dive-ci.
  await ciPanel(page).locator(tid("ci-input")).fill(MISCONFIGURED);
  await ciPanel(page).locator(tid("ci-input")).press("End");
  await page.keyboard.type("\n");
  assert.equal(await ciPanel(page).locator(tid("ci-config")).textContent(), "Reported as .dive-ci");
  assertClean();
});

test("pasted rules: MISCONFIGURED as dive says; YAML that does not parse is the pane's error and the page goes on", { timeout: 180_000 }, async (t) => {
  const { page, assertClean } = await openPage(t, h);
  await gotoApp(page, h);
  await openCiPanel(page, DEMO);

  // A value dive calls misconfigured.
  const odd = cliCi(rulesDir(t, DEMO, ".dive-ci", MISCONFIGURED), DEMO, ".dive-ci");
  await pasteRules(page, MISCONFIGURED);
  let shown = await verdictsShown(page);
  assertSameVerdicts(shown, odd.report, "pasted 95%");
  assert.equal(shown.find((r) => r.rule === "lowestEfficiency").status, "MISCONFIGURED");
  assert.equal(await ciPanel(page).locator(tid("ci-config")).textContent(), "Reported as .dive-ci");

  // Not YAML: the CLI's message in the pane, no verdicts, no downloads.
  const dir = rulesDir(t, DEMO, ".dive-ci", NOT_YAML);
  const r = cliIn(dir, ["ci", "--ci-config", ".dive-ci", path.basename(DEMO)]);
  assert.equal(r.status, 2, "layerscope ci stops on rules that are not YAML");
  const said = r.stderr.trim().replace(/^layerscope: error: /, "");
  assert.match(said, /^\.dive-ci: the CI rules are not valid YAML: /);
  await pasteRules(page, NOT_YAML);
  const error = ciPanel(page).locator(tid("ci-error"));
  await error.waitFor();
  assert.equal(await error.textContent(), said, "the pane says what layerscope ci says");
  assert.equal(await error.getAttribute("role"), "alert");
  assert.equal(await ciPanel(page).locator(tid("ci-verdict")).count(), 0);
  assert.equal(await ciPanel(page).locator(tid("ci-export-json")).count(), 0);
  assert.equal(await page.locator(tid("notice")).count(), 0, "not a failure of the page");
  assert.equal(await page.locator(tid("analysis-status")).getAttribute("data-state"), "done");

  // The page goes on: the findings are there, a layer selects, the downloads work, good rules check.
  await page.locator(`${tid("findings-panel")} ${tid("finding")}`).first().waitFor();
  await layerItem(page, 1).click();
  await page.locator(tid("export-changes-csv"), { hasText: "Changes in layer 1 (CSV)" }).waitFor();
  assertSameBytes((await download(page, "export-changes-csv")).bytes, cliStdout(["ls", "--layer", "1", "--changes", "--csv"], DEMO), "after the error: ls --layer 1 --changes --csv");
  const good = cliCi(rulesDir(t, DEMO, ".dive-ci", RULES), DEMO, ".dive-ci");
  await pasteRules(page, RULES);
  await error.waitFor({ state: "detached" });
  shown = await verdictsShown(page);
  assertSameVerdicts(shown, good.report, "pasted after the error");
  assertClean();
});

// ---- accessibility of the pane's states (axe-core, as a11y.test.mjs runs it) ----

const AXE = fs.readFileSync(path.join(root, "node_modules/axe-core/axe.min.js"), "utf8");

async function assertAccessible(page, where) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")}: ${(n.failureSummary ?? "").split("\n").slice(1).join(" ").trim()}`));
  });
  assert.deepEqual(found, [], `${where}: ${found.length} accessibility violations:\n${found.join("\n")}`);
}

for (const [label, viewport, colorScheme] of [
  ["desktop, light", { width: 1280, height: 900 }, "light"],
  ["phone, dark", { width: 360, height: 740 }, "dark"],
]) {
  test(`axe finds nothing to fix in the CI pane's verdicts and error (${label})`, { timeout: 120_000 }, async (t) => {
    const { page, assertClean } = await openPage(t, h, { viewport, colorScheme });
    await gotoApp(page, h);
    await openCiPanel(page, DEMO);
    await assertAccessible(page, "the pane, nothing checked");
    await pasteRules(page, MISCONFIGURED);
    await ciPanel(page).locator(`${tid("ci-verdict")}[data-status="MISCONFIGURED"]`).waitFor();
    await assertAccessible(page, "MISCONFIGURED and CONFIGURED verdicts");
    await pasteRules(page, RULES);
    await ciPanel(page).locator(`${tid("ci-verdict")}[data-status="FAIL"]`).waitFor();
    await assertAccessible(page, "FAIL, SKIP and PASS verdicts, the downloads");
    await pasteRules(page, NOT_YAML);
    await ciPanel(page).locator(tid("ci-error")).waitFor();
    await assertAccessible(page, "rules that are not YAML");
    assertClean();
  });
}
