// Accessibility, audited by axe-core (the rules engine behind Lighthouse's
// and Chrome DevTools' accessibility audits): every view of the page, reached
// as a person reaches it, in both themes, at desktop and at phone width, has
// no violation of the WCAG 2 A and AA rules or axe's best practices (names,
// roles, landmarks, contrast, labels).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { harness, openPage, gotoApp, stateMark, waitTerminal, corpusFile, root, tid, axeViolations } from "./lib.mjs";

const h = harness();
async function assertAccessible(page, where) {
  const found = await axeViolations(page);
  assert.deepEqual(found, [], `${where}: ${found.length} accessibility violations:\n${found.join("\n")}`);
}

for (const [label, viewport, colorScheme] of [
  ["desktop, light", { width: 1280, height: 900 }, "light"],
  ["desktop, dark", { width: 1280, height: 900 }, "dark"],
  ["phone, light", { width: 360, height: 740 }, "light"],
  ["phone, dark", { width: 360, height: 740 }, "dark"],
]) {
  test(`axe finds nothing to fix in any view (${label})`, { timeout: 120_000 }, async (t) => {
    const { page, assertClean } = await openPage(t, h, { viewport, colorScheme });
    await gotoApp(page, h);
    await page.locator(tid("sample-demo")).waitFor();
    await assertAccessible(page, "the start page");

    // A file that is not an image: the error, and the page still usable.
    let mark = await stateMark(page);
    await page.locator(tid("file-input")).setInputFiles(corpusFile("wagoodman-dive/.data/test-gzip-image.tar"));
    assert.equal(await waitTerminal(page, mark), "error");
    await assertAccessible(page, "an error");

    // The demo, every pane shown (the build simulation's pane comes last).
    mark = await stateMark(page);
    await page.locator(tid("sample-demo")).click();
    assert.equal(await waitTerminal(page, mark), "done");
    await page.locator(tid("build-step")).first().waitFor();
    await page.locator(`${tid("findings-panel")} ${tid("finding")}`).first().waitFor();
    await assertAccessible(page, "the demo opened");

    // The findings filtered down to none.
    await page.locator(tid("findings-filter-low")).uncheck();
    await page.locator(tid("findings-all-hidden")).waitFor();
    await assertAccessible(page, "every finding hidden by the severity filter");
    await page.locator(tid("findings-filter-low")).check();

    // A layer range, the changes view, the tree expanded, a path's story,
    // dive's list open.
    const layers = page.locator(`${tid("layer-stack")} ${tid("layer-item")}[data-layer]:not([data-layer=""])`);
    await layers.nth(1).click();
    await layers.nth(3).click({ modifiers: ["Shift"] });
    await page.locator(tid("expand-all")).click();
    await page.locator(".tree-row", { hasText: "index.html" }).first().click();
    await page.locator(tid("story-simulate")).waitFor();
    await page.locator(".dive-top summary").click();
    await assertAccessible(page, "a range, the expanded tree, a path's story");

    // What a change to that path rebuilds, and a container's write to it.
    await page.locator(tid("story-simulate")).click();
    await page.locator(tid("sim-push")).waitFor();
    await page.locator(tid("cow-edit")).click();
    await page.locator(tid("cow-message")).waitFor();
    await assertAccessible(page, "a simulated rebuild and a copy-on-write");

    // The guided tour's dialog over it all.
    await page.locator(tid("tour-start")).click();
    await page.locator(tid("tour")).waitFor();
    await assertAccessible(page, "the guided tour");
    assertClean();
  });
}
