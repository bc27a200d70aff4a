// The JSON documents the CLI writes, validated against the schemas people are
// given for them (docs/schema/*.schema.json, docs/schemas.md): `inspect
// --json` and `ci --json` (report.schema.json), `cache --json`, `diff
// --json` and `packages --json`, on the samples, the shared corpus and two
// images built here by real tools. No browser: the page's exports are the
// CLI's documents byte for byte (the other e2e tests hold that).
//
// Each document is checked twice: against the schema as published, which
// accepts keys it does not list (a version may add keys), and against the
// same schema with every object closed, so a key the code writes that the
// schema (and so the docs) does not describe fails here too.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { root, samplesDir, corpusFile, runCli, runCliIn, fixtureImage } from "./lib.mjs";

const schemaDir = path.join(root, "docs/schema");
const SCHEMAS = ["report", "cache", "diff", "packages"];
const readSchema = (name) => JSON.parse(fs.readFileSync(path.join(schemaDir, `${name}.schema.json`), "utf8"));

// Keywords whose subschemas only add conditions to an object described
// elsewhere (an if/then on one key): never closed themselves.
const PARTIAL = new Set(["if", "then", "else", "not", "allOf", "propertyNames"]);

/** The schema with `additionalProperties: false` on every object it describes. */
function closed(schema, partial = false) {
  if (Array.isArray(schema)) return schema.map((s) => closed(s, partial));
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === "enum" || key === "const" ? value : closed(value, partial || PARTIAL.has(key));
  }
  if (!partial && out.type === "object" && out.properties && !("additionalProperties" in out)) out.additionalProperties = false;
  return out;
}

// Ajv's strict mode as errors, not warnings (unknown keywords, a keyword
// without the type it applies to), so the schemas stay clean for validators
// run with their defaults (ajv-cli warns on each).
const newAjv = () => new Ajv2020({ allErrors: true, strictSchema: true, strictTypes: true, strictTuples: true });
const validators = new Map();
function validator(name, variant) {
  const key = `${name}/${variant}`;
  if (!validators.has(key)) {
    const schema = readSchema(name);
    validators.set(key, newAjv().compile(variant === "closed" ? closed(schema) : schema));
  }
  return validators.get(key);
}

/** Errors of `doc` against schema `name`, published or closed, one line each (none: []). */
function errorsOf(name, doc, variant = "published") {
  const validate = validator(name, variant);
  if (validate(doc)) return [];
  return validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
}

function assertValid(name, doc, what) {
  const published = errorsOf(name, doc);
  assert.deepEqual(published, [], `${what} breaks docs/schema/${name}.schema.json:\n${published.slice(0, 20).join("\n")}`);
  const strict = errorsOf(name, doc, "closed");
  assert.deepEqual(
    strict,
    [],
    `${what} has keys docs/schema/${name}.schema.json does not describe (add them to the schema and its doc):\n${strict.slice(0, 20).join("\n")}`,
  );
}

/** Runs the CLI on `file` (from its folder, by its base name) and parses its standard output. */
function cliJson(args, file, { status = 0 } = {}) {
  const r = runCli(args, file);
  assert.equal(r.status, status, `layerscope ${args.join(" ")} ${path.basename(file)}: exit ${r.status}, not ${status}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const sample = (name) => path.join(samplesDir, name);

// One of each kind the corpus holds, and the odd ones: a hard link and
// modified paths (dive's image), gzip (kaniko) and zstd layers, a gzipped
// whole archive with apk packages, a layout directory, the pre-1.10 layout
// with diagnostics on layers, dive's ratio not finite (null), Docker 25's
// layout, several images in one archive, regclient's index of many images.
const CORPUS = [
  "wagoodman-dive/.data/test-docker-image.tar",
  "wagoodman-dive/.data/test-kaniko-image.tar",
  "wagoodman-dive/.data/test-oci-zstd-image.tar",
  "aquasecurity-trivy/pkg/fanal/test/testdata/alpine-310.tar.gz",
  "aquasecurity-trivy/pkg/fanal/test/testdata/test.oci",
  "moby-moby/integration-cli/testdata/emptyLayer.tar",
  "google-go-containerregistry/pkg/v1/mutate/testdata/whiteout_image.tar",
  "google-go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar",
  "google-go-containerregistry/pkg/v1/tarball/testdata/test_bundle.tar",
  "regclient-regclient/testdata/testrepo",
];
// A config whose name is not its digest: the report is printed, then exit 2.
const MISMATCH = "google-go-containerregistry/pkg/v1/mutate/testdata/source_image_with_empty_layer_history.tar";

const SAMPLES = [
  ["demo.docker.tar", []],
  ["demo-zstd.oci.tar", []],
  ["multi-platform.oci.tar", ["--platform", "linux/arm64"]],
  ["app-naive.docker.tar", []],
  ["app-fixed.docker.tar", []],
  ["app-newbase.docker.tar", []],
];

test("every schema in docs/schema is a draft 2020-12 schema, and docs/schemas.md presents it", () => {
  const files = fs.readdirSync(schemaDir).filter((f) => f.endsWith(".json")).sort();
  assert.deepEqual(files, SCHEMAS.map((n) => `${n}.schema.json`).sort());
  const guide = fs.readFileSync(path.join(root, "docs/schemas.md"), "utf8");
  for (const name of SCHEMAS) {
    const schema = readSchema(name);
    assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema", `${name}: $schema`);
    const ajv = newAjv();
    assert.ok(ajv.validateSchema(schema), `${name}.schema.json against the 2020-12 meta-schema: ${ajv.errorsText()}`);
    validator(name, "published");
    validator(name, "closed");
    assert.ok(guide.includes(`schema/${name}.schema.json`), `docs/schemas.md does not link schema/${name}.schema.json`);
  }
});

test("the report's packages section is the packages document's, in both schemas", () => {
  // docs/report.md: `packages` holds the four keys "as `layerscope packages
  // --json` writes them"; report.schema.json carries a copy of the
  // definitions so that each schema stands alone. The copies must not drift.
  const report = readSchema("report").$defs;
  for (const [name, def] of Object.entries(readSchema("packages").$defs)) {
    assert.deepEqual(report[name], def, `report.schema.json's $defs.${name} differs from packages.schema.json's`);
  }
  for (const key of ["packages", "layers", "unowned", "diagnostics"]) {
    assert.deepEqual(readSchema("packages").properties[key], report.packages_section.properties[key], `the ${key} key`);
  }
});

test("inspect --json on the samples and the corpus matches report.schema.json", () => {
  for (const [name, extra] of SAMPLES) {
    const doc = cliJson(["inspect", "--json", ...extra], sample(name));
    assertValid("report", doc, `inspect --json ${extra.join(" ")} ${name}`.replace(/ +/g, " "));
    if (extra.length) assert.equal(doc.image.platform, "linux/arm64", `${name}: --platform linux/arm64 chose ${doc.image.platform}`);
  }
  const kinds = new Set();
  for (const rel of CORPUS) {
    const doc = cliJson(["inspect", "--json"], corpusFile(rel));
    assertValid("report", doc, `inspect --json ${rel}`);
    kinds.add(doc.image.format);
  }
  assert.deepEqual([...kinds].sort(), ["docker-save", "docker-save-oci", "docker-save-v1", "oci-layout"], "the corpus archives cover every format");

  const bad = cliJson(["inspect", "--json"], corpusFile(MISMATCH), { status: 2 });
  assertValid("report", bad, `inspect --json ${MISMATCH}`);
  assert.ok(bad.diagnostics.some((d) => d.severity === "error"), "a digest mismatch is an error diagnostic");
});

test("inspect --json and packages --json on images built by real tools (packages installed, upgraded, removed; a leaked key) match their schemas", { timeout: 300_000 }, (t) => {
  const packages = path.join(fixtureImage(t, "make-packages-image.sh"), "packages.tar");
  const doc = cliJson(["inspect", "--json"], packages);
  assertValid("report", doc, "inspect --json packages.tar (tests/fixtures/make-packages-image.sh)");
  const all = doc.packages.packages;
  assert.ok(all.some((p) => p.upgraded.length > 0) && all.some((p) => p.removed_in_layer !== null), "the fixture upgrades and removes packages");
  assert.deepEqual(new Set(all.map((p) => p.ecosystem)), new Set(["deb", "apk", "pypi", "npm"]));
  const own = cliJson(["packages", "--json"], packages);
  assertValid("packages", own, "packages --json packages.tar");
  const { packages_version, image, ...section } = own;
  assert.deepEqual(doc.packages, section, "inspect --json's packages section is packages --json without packages_version and image");

  const keyed = path.join(fixtureImage(t, "make-umoci-findings-image.sh"), "keyed.tar");
  const flagged = cliJson(["inspect", "--json"], keyed);
  assertValid("report", flagged, "inspect --json keyed.tar (tests/fixtures/make-umoci-findings-image.sh)");
  assert.ok(flagged.findings.some((f) => f.severity === "high"), "keyed.tar has a high finding (its key in a lower layer)");
});

test("packages --json matches packages.schema.json, and is the report's packages section", () => {
  const files = [
    ...SAMPLES.map(([name, extra]) => [sample(name), extra]),
    [corpusFile("aquasecurity-trivy/pkg/fanal/test/testdata/alpine-310.tar.gz"), []],
  ];
  for (const [file, extra] of files) {
    const name = path.basename(file);
    const doc = cliJson(["packages", "--json", ...extra], file);
    assertValid("packages", doc, `packages --json ${name}`);
    assert.equal(doc.image, name, "image: the file name as given");
    const { packages_version, image, ...section } = doc;
    assert.deepEqual(cliJson(["inspect", "--json", ...extra], file).packages, section, `${name}: inspect --json's packages section`);
  }
});

test("ci --json (the report with its ci key) matches report.schema.json: passing, failing and misconfigured rules", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layerscope-schemas-"));
  try {
    const rules = {
      "all.yaml": "rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: 0.20\nlayerscope:\n  highestWastedBytes: 10MB\n  lowestEfficiency: 0.9\n  failOn: high\n  failOnFindings: [package-cache]\n  ignoreFindings: [runs-as-root]\n",
      "lenient.yaml": "rules:\n  lowestEfficiency: 0.1\n  highestUserWastedPercent: disabled\nlayerscope:\n  failOn: disabled\n",
      "bad.yaml": "rules:\n  lowestEfficiency: 95%\nlayerscope:\n  bogus: 1\n",
    };
    for (const [file, text] of Object.entries(rules)) fs.writeFileSync(path.join(dir, file), text);
    const results = new Set();
    for (const [config, image] of [
      ["all.yaml", sample("demo.docker.tar")],
      ["lenient.yaml", sample("app-fixed.docker.tar")],
      ["bad.yaml", sample("demo.docker.tar")],
      [null, corpusFile("wagoodman-dive/.data/test-docker-image.tar")],
    ]) {
      const args = ["ci", image, "--json", "-", ...(config ? ["--ci-config", config] : [])];
      const r = runCliIn(dir, args);
      const doc = JSON.parse(r.stdout);
      const what = `ci --json - ${config ? `--ci-config ${config} ` : ""}${path.basename(image)}`;
      assertValid("report", doc, what);
      assert.equal(doc.ci.config, config, `${what}: ci.config`);
      assert.equal(r.status, doc.ci.result === "pass" ? 0 : 1, `${what}: exit ${r.status} with result ${doc.ci.result}\n${r.stderr}`);
      results.add(doc.ci.result);
    }
    assert.deepEqual([...results].sort(), ["fail", "misconfigured", "pass"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("cache --json matches cache.schema.json: each kind of change, a Dockerfile, no change", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layerscope-schemas-"));
  try {
    // app-naive's own build, as its history reads back.
    const dockerfile = path.join(dir, "Dockerfile");
    fs.writeFileSync(dockerfile, 'FROM demo-linux:3.19\nCOPY . /app\nRUN npm ci\nWORKDIR /app\nCMD ["node", "server.js"]\n');
    const runs = [
      [["--change-file", "/app/server.js"], "app-naive.docker.tar"],
      [["--change-file", "/app/server.js"], "app-fixed.docker.tar"],
      [["--edit-step", "4", "--text", "RUN npm ci --omit=dev", "--dockerfile", dockerfile], "app-naive.docker.tar"],
      [["--change-base"], "app-newbase.docker.tar"],
      [["--no-cache", "--base-end", "1"], "demo.docker.tar"],
      [[], "demo-zstd.oci.tar"],
      [[], "multi-platform.oci.tar"],
    ];
    const seen = { change: new Set(), advice: new Set(), dockerfile: false };
    for (const [extra, name] of runs) {
      const doc = cliJson(["cache", "--json", ...extra], sample(name));
      assertValid("cache", doc, `cache --json ${extra.join(" ")} ${name}`);
      seen.change.add(doc.change?.kind ?? null);
      for (const a of doc.advice) seen.advice.add(a.kind);
      seen.dockerfile ||= doc.dockerfile !== null;
    }
    for (const rel of ["wagoodman-dive/.data/test-kaniko-image.tar", "aquasecurity-trivy/pkg/fanal/test/testdata/alpine-310.tar.gz"]) {
      assertValid("cache", cliJson(["cache", "--json"], corpusFile(rel)), `cache --json ${rel}`);
    }
    assert.deepEqual([...seen.change].sort(), ["base", "edit-step", "file", "no-cache", null].sort());
    assert.ok(seen.advice.has("context-before-install"), "app-naive's advice (its fix simulated) was checked");
    assert.ok(seen.dockerfile, "a --dockerfile document was checked");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("diff --json matches diff.schema.json, and its exit status says whether the images are identical", () => {
  const pairs = [
    [[], sample("app-naive.docker.tar"), sample("app-fixed.docker.tar")],
    [[], sample("app-fixed.docker.tar"), sample("app-newbase.docker.tar")],
    [["--layer-a", "1", "--layer-b", "2"], sample("app-naive.docker.tar"), sample("app-fixed.docker.tar")],
    [[], sample("demo.docker.tar"), sample("demo-zstd.oci.tar")],
    [["--platform-b", "linux/arm64"], sample("demo.docker.tar"), sample("multi-platform.oci.tar")],
    [[], corpusFile("wagoodman-dive/.data/test-docker-image.tar"), corpusFile("wagoodman-dive/.data/test-kaniko-image.tar")],
  ];
  const identical = new Set();
  for (const [extra, a, b] of pairs) {
    const r = runCliIn(path.dirname(b), ["diff", "--json", ...extra, a, path.basename(b)]);
    const what = `diff --json ${extra.join(" ")} ${path.basename(a)} ${path.basename(b)}`.replace(/ +/g, " ");
    assert.ok(r.status === 0 || r.status === 1, `${what}: exit ${r.status}\n${r.stderr}`);
    const doc = JSON.parse(r.stdout);
    assertValid("diff", doc, what);
    assert.equal(r.status, doc.identical ? 0 : 1, `${what}: exit ${r.status} but identical is ${doc.identical}`);
    identical.add(doc.identical);
  }
  assert.deepEqual([...identical].sort(), [false, true], "both an identical pair and a differing pair were checked");
});

test("the schemas reject a document that breaks them", () => {
  // Real documents, each broken in one way a consumer would trip on.
  const report = cliJson(["inspect", "--json"], corpusFile("wagoodman-dive/.data/test-docker-image.tar"));
  const cache = cliJson(["cache", "--json", "--change-file", "/app/server.js"], sample("app-naive.docker.tar"));
  const diff = JSON.parse(runCliIn(samplesDir, ["diff", "--json", "app-naive.docker.tar", "app-fixed.docker.tar"]).stdout);
  const packages = cliJson(["packages", "--json"], sample("app-naive.docker.tar"));
  for (const [name, doc] of [["report", report], ["cache", cache], ["diff", diff], ["packages", packages]]) {
    assert.deepEqual(errorsOf(name, doc), [], `${name}: the unbroken document is valid`);
  }
  const fsRow = report.layers.findIndex((r) => r.layer !== null && r.changes.some((c) => c.change === "M"));
  const emptyRow = report.layers.findIndex((r) => r.layer === null);
  const modified = report.layers[fsRow].changes.findIndex((c) => c.change === "M");
  const broken = [
    ["report", report, "a key renamed (diff_id → diffId)", (d) => {
      const row = d.layers[fsRow];
      row.diffId = row.diff_id;
      delete row.diff_id;
    }],
    ["report", report, "report_version 3", (d) => (d.report_version = 3)],
    ["report", report, "a size as a string", (d) => (d.image.size = String(d.image.size))],
    ["report", report, "an unknown compression", (d) => (d.layers[fsRow].compression = "lz4")],
    ["report", report, "a digest that is not sha256:<hex>", (d) => (d.layers[fsRow].digest = d.layers[fsRow].digest.toUpperCase())],
    ["report", report, "a relative path", (d) => (d.layers[fsRow].changes[0].path = d.layers[fsRow].changes[0].path.slice(1))],
    ["report", report, "a modified path without its fields", (d) => (d.layers[fsRow].changes[modified].fields = [])],
    ["report", report, "a mode that is not four octal digits", (d) => (d.layers[fsRow].changes[0].mode = "755")],
    ["report", report, "an empty-layer step with a digest", (d) => (d.layers[emptyRow].digest = d.layers[fsRow].digest)],
    ["report", report, "an unknown finding id", (d) => (d.findings[0].id = "secret")],
    ["report", report, "NaN written as a string", (d) => (d.user_wasted_percent = "NaN")],
    ["report", report, "ci.result that its counts contradict", (d) => (d.ci = { config: null, result: "pass", passed: 0, failed: 1, skipped: 0, misconfigured: 0, rules: [] })],
    ["cache", cache, "schema layerscope-cache/2", (d) => (d.schema = "layerscope-cache/2")],
    ["cache", cache, "an outcome spelled for people (cache hit)", (d) => (d.steps[0].outcome = "cache hit")],
    ["cache", cache, "step 0 (steps count from 1)", (d) => (d.simulation.first_miss = 0)],
    ["cache", cache, "seconds without unmeasured_steps", (d) => (d.simulation.cost.unmeasured_steps = null)],
    ["cache", cache, "a step without a layer that has sizes", (d) => (d.steps.find((s) => !s.made_layer).tar_size = 1)],
    ["diff", diff, "part_at missing", (d) => delete d.layers.part_at],
    ["diff", diff, "a removed path with a type in B", (d) => (d.paths.list.find((p) => p.change === "removed").type_b = "f")],
    ["diff", diff, "an unknown history kind", (d) => (d.history[0].kind = "moved")],
    ["packages", packages, "an unknown ecosystem", (d) => (d.packages[0].ecosystem = "cargo")],
    ["packages", packages, "packages_version 2", (d) => (d.packages_version = 2)],
  ];
  for (const [name, doc, what, breakIt] of broken) {
    const copy = structuredClone(doc);
    breakIt(copy);
    assert.notDeepEqual(errorsOf(name, copy), [], `${name}.schema.json accepts a document with ${what}`);
  }
  // A key no schema lists: the published schema accepts it (a version may
  // add keys), the closed check above does not.
  const extra = structuredClone(report);
  extra.layers[fsRow].changes[0].xattrs = {};
  assert.deepEqual(errorsOf("report", extra), []);
  assert.notDeepEqual(errorsOf("report", extra, "closed"), []);
});
