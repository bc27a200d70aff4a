// The samples the page offers (www/samples/): scripts/make-samples still
// makes exactly these bytes, and each has what www/samples/index.json and
// the script promise, as `layerscope inspect --json` reads it. No browser
// here; tests/e2e/ui.test.mjs clicks them in the page.
//
// Needs root, umoci, skopeo and python3 (scripts/setup installs them): a
// missing tool fails the test, it does not skip it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { root, samplesDir, cliReport, cliLs, changesByLayer, runCli, layerMembers, layerFile } from "./lib.mjs";

const sha256 = (file) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const index = JSON.parse(fs.readFileSync(path.join(samplesDir, "index.json"), "utf8"));
const sample = (name) => {
  const entry = index.find((s) => s.name === name);
  assert.ok(entry, `www/samples/index.json has no sample '${name}'`);
  return path.join(root, "www", entry.file);
};

test("index.json lists every sample file, each small, by a path the page can fetch", () => {
  assert.ok(Array.isArray(index) && index.length >= 3);
  const files = new Set(fs.readdirSync(samplesDir).filter((f) => f !== "index.json"));
  for (const s of index) {
    assert.deepEqual(Object.keys(s).filter((k) => k !== "compare_with").sort(), ["description", "file", "name"]);
    if ("compare_with" in s) {
      assert.ok(index.some((o) => o.name === s.compare_with && o !== s), `${s.name}: compare_with names no other sample`);
    }
    assert.match(s.name, /^[a-z0-9-]+$/, "a name fit for data-testid=sample-<name>");
    assert.match(s.file, /^samples\/[^/]+$/, "relative to the page: Trunk copies www/samples to dist/samples");
    const base = s.file.slice("samples/".length);
    assert.ok(files.delete(base), `${s.file} is not in www/samples/`);
    const size = fs.statSync(path.join(samplesDir, base)).size;
    assert.ok(size > 4096 && size < 1.5e6, `${s.file} is ${size} bytes: samples stay a few KB to ~1 MB`);
    assert.ok(s.description.length > 10);
  }
  assert.deepEqual([...files], [], "files in www/samples/ that index.json does not list");
});

test("scripts/make-samples reproduces www/samples byte for byte", { timeout: 300_000 }, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "layerscope-samples-"));
  try {
    const r = spawnSync(path.join(root, "scripts/make-samples"), [out], { encoding: "utf8" });
    assert.equal(r.status, 0, `scripts/make-samples failed (umoci, skopeo installed? root?):\n${r.stdout}${r.stderr}`);
    const made = fs.readdirSync(out).sort();
    assert.deepEqual(made, fs.readdirSync(samplesDir).sort());
    for (const f of made) {
      assert.equal(sha256(path.join(out, f)), sha256(path.join(samplesDir, f)), `${f} differs from www/samples/${f}: scripts/make-samples changed, or umoci/skopeo did (it pins their versions in its header); run scripts/make-samples and commit`);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("demo: whiteouts, an opaque directory, waste, links, setuid, empty steps", () => {
  const file = sample("demo");
  const r = cliReport(file);
  assert.equal(r.image.format, "docker-save");
  assert.equal(r.image.layer_count, 6);
  assert.deepEqual(r.diagnostics, []);
  for (const row of r.layers.filter((l) => !l.empty_layer)) {
    assert.equal(row.diff_id_verified, true, `layer ${row.layer}'s diff_id`);
    assert.ok(row.created_by.length > 5, "every layer has a real command in its history");
  }
  const ch = changesByLayer(r);

  // Empty-layer steps, one between filesystem layers and three at the end.
  const empty = r.layers.filter((l) => l.empty_layer).map((l) => l.created_by);
  assert.deepEqual(empty.map((s) => s.split(" ")[0]), ["ENV", "WORKDIR", "USER", "CMD"]);
  assert.equal(r.layers[1].empty_layer, true, "the ENV step sits between layer 0 and layer 1");
  assert.equal(r.history.filter((h) => h.empty_layer).length, 4);

  // Whiteouts: a file and a directory (with everything under it).
  assert.equal(ch[1].get("/var/cache/apk/APKINDEX.tar.gz")?.change, "A");
  assert.equal(ch[2].get("/var/cache/apk/APKINDEX.tar.gz")?.change, "D");
  for (const p of ["/tmp/build", "/tmp/build/src", "/tmp/build/src/main.c", "/tmp/build/main.o"]) {
    assert.equal(ch[2].get(p)?.change, "D", `${p} removed in layer 2`);
  }
  const layer2 = r.layers.find((l) => l.layer === 2);
  const wh = layerMembers(file, layer2.member);
  assert.ok(wh.some((m) => /(^|\/)var\/cache\/apk\/\.wh\.APKINDEX\.tar\.gz$/.test(m)), `file whiteout in ${wh}`);
  assert.ok(wh.some((m) => /(^|\/)tmp\/\.wh\.build$/.test(m)), `directory whiteout in ${wh}`);

  // The opaque directory: the marker is in layer 4's tar; the lower files are
  // gone, the directory and the layer's own file stay.
  const layer4 = r.layers.find((l) => l.layer === 4);
  assert.ok(layerMembers(file, layer4.member).some((m) => /(^|\/)etc\/conf\.d\/\.wh\.\.wh\.\.opq$/.test(m)));
  assert.equal(ch[4].get("/etc/conf.d/base.conf")?.change, "D");
  assert.equal(ch[4].get("/etc/conf.d/net.conf")?.change, "D");
  assert.equal(ch[4].get("/etc/conf.d/app.conf")?.change, "A");
  const final = new Map(cliLs(file).map((e) => [e.path, e]));
  assert.equal(final.get("/etc/conf.d")?.type, "d");
  assert.ok(final.has("/etc/conf.d/app.conf") && !final.has("/etc/conf.d/base.conf"));

  // Waste: a cache added then deleted, a binary overwritten.
  const wasted = new Map(r.exact.paths.map((p) => [p.path, p]));
  assert.equal(wasted.get("/var/cache/apk/APKINDEX.tar.gz")?.wasted_bytes, 262144);
  assert.equal(wasted.get("/var/cache/apk/APKINDEX.tar.gz")?.present, false);
  assert.equal(wasted.get("/app/server")?.wasted_bytes, 131072);
  assert.equal(wasted.get("/app/server")?.present, true);
  assert.ok(r.exact.wasted_bytes >= 262144 + 131072);
  assert.ok(r.wasted_bytes > 0 && r.efficiency < 0.9, "dive sees waste too");
  assert.ok(r.dive.inefficiencies.some((i) => i.path.endsWith("app/server")));

  // Links: symlinks (relative, absolute and dangling), hard links in one layer and across layers.
  assert.equal(final.get("/bin/sh")?.type, "l");
  assert.equal(final.get("/bin/sh")?.link, "busybox");
  assert.equal(final.get("/etc/localtime")?.link, "/usr/share/zoneinfo/UTC");
  assert.equal(final.get("/usr/lib/libcurl.so.4")?.link, "libcurl.so.4.8.0");
  assert.equal(ch[0].get("/usr/bin/view")?.hardlink, "/usr/bin/vi");
  assert.equal(ch[4].get("/usr/bin/ex")?.hardlink, "/usr/bin/vi", "a hard link to a lower layer's file");

  // A setuid binary.
  assert.equal(final.get("/bin/busybox")?.mode, "4755");

  // The path story of /app/config.yml: added in layer 3, modified (content) in 5.
  assert.equal(ch[3].get("/app/config.yml")?.change, "A");
  assert.equal(ch[5].get("/app/config.yml")?.change, "M");
  assert.ok(ch[5].get("/app/config.yml").fields.includes("content"));
  assert.deepEqual(ch[5].get("/app/server")?.fields, ["mode", "content"]);
});

test("demo-zstd: the same image, OCI archive, zstd layers", () => {
  const docker = cliReport(sample("demo"));
  const r = cliReport(sample("demo-zstd"));
  assert.equal(r.image.format, "oci-layout");
  assert.equal(r.image.config_digest, docker.image.config_digest);
  assert.deepEqual(r.diagnostics, []);
  for (const row of r.layers.filter((l) => !l.empty_layer)) {
    assert.equal(row.compression, "zstd");
    assert.equal(row.digest_verified, true);
    assert.equal(row.diff_id_verified, true);
  }
  // Same changes, same waste, whatever the container.
  const strip = (rep) => rep.layers.map(({ changes, diff_id, size, created_by }) => ({ changes, diff_id, size, created_by }));
  assert.deepEqual(strip(r), strip(docker));
  assert.deepEqual(r.exact, docker.exact);
});

test("multi-platform: an index of linux/amd64 and linux/arm64", () => {
  const file = sample("multi-platform");
  const amd = cliReport(file);
  const arm = cliReport(file, ["--platform", "linux/arm64"]);
  assert.deepEqual(amd.image.platforms, ["linux/amd64", "linux/arm64"]);
  assert.equal(amd.image.platform, "linux/amd64");
  assert.equal(arm.image.platform, "linux/arm64");
  assert.notEqual(amd.image.config_digest, arm.image.config_digest);
  assert.equal(amd.image.layer_count, 2);
  assert.equal(arm.image.layer_count, 2);
  assert.match(arm.layers[0].created_by, /arm64/);
  assert.ok(cliLs(file, ["--platform", "linux/arm64"]).some((e) => e.path === "/app/hello-aarch64"));
  assert.ok(cliLs(file).some((e) => e.path === "/app/hello-x86_64"));
});

const TOOLCHAIN = /^\/(usr\/local\/go|root\/go|root\/\.cache\/go-build|src)(\/|$)/;

test("single-stage: the Go tool chain, its caches and the sources stay in the image", () => {
  const file = sample("single-stage");
  const r = cliReport(file);
  assert.equal(r.image.format, "docker-save");
  assert.equal(r.image.layer_count, 8);
  assert.deepEqual(r.diagnostics, []);
  const final = new Map(cliLs(file).map((e) => [e.path, e]));
  for (const p of ["/usr/local/go/bin/go", "/usr/local/go/pkg/tool/linux_amd64/compile", "/src/go.mod", "/src/cmd/server/main.go", "/root/go/pkg/mod/cache/download/github.com/go-chi/chi/v5/@v/v5.0.12.zip", "/root/.cache/go-build/README", "/app/server", "/app/config.yml"]) {
    assert.ok(final.has(p), `${p} is in the final filesystem`);
  }
  assert.equal(final.get("/app/server").mode, "0755");
  assert.match(r.layers.find((l) => l.layer === 6).created_by, /go build -o \/app\/server/);

  // What the findings say: a compiler and two caches of go, nothing deleted.
  const toolchain = r.findings.filter((f) => f.id === "build-toolchain");
  assert.deepEqual(toolchain.map((f) => [f.layer, f.paths]), [[1, ["/usr/local/go"]]]);
  assert.match(toolchain[0].title, /^Go in \/usr\/local\/go/);
  const caches = r.findings.filter((f) => f.id === "package-cache").map((f) => [f.layer, f.title.match(/in (\/\S+)/)[1]]);
  assert.deepEqual(caches.sort(), [[4, "/root/go/pkg/mod/cache"], [6, "/root/.cache/go-build"]]);
  assert.equal(r.exact.wasted_bytes, 0, "nothing deleted or stored twice: the tool chain is not waste, it is in the image");
});

test("multi-stage: only the binary and its config on the base, no tool chain", () => {
  const file = sample("multi-stage");
  const single = sample("single-stage");
  assert.equal(index.find((s) => s.name === "multi-stage").compare_with, "single-stage");
  const r = cliReport(file);
  const s = cliReport(single);
  assert.equal(r.image.format, "docker-save");
  assert.equal(r.image.layer_count, 3);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.findings, [], "nothing to flag");

  // No tool chain, caches or sources in any layer, not only in the final filesystem.
  const every = r.layers.flatMap((l) => l.changes.map((c) => c.path));
  assert.deepEqual(every.filter((p) => TOOLCHAIN.test(p)), []);
  assert.ok(cliLs(single).some((e) => TOOLCHAIN.test(e.path)));
  // BuildKit keeps only the last stage's steps, and no RUN ran in it.
  assert.deepEqual(r.history.filter((h) => /^RUN /.test(h.created_by)), []);
  assert.equal(r.layers.find((l) => l.layer === 1).created_by, "COPY /out/server /app/server # buildkit");

  // The same base layer, and every file of multi-stage is in single-stage as it is.
  assert.equal(r.layers.find((l) => l.layer === 0).diff_id, s.layers.find((l) => l.layer === 0).diff_id);
  const big = new Map(cliLs(single).map((e) => [e.path, e]));
  for (const e of cliLs(file)) {
    assert.deepEqual(big.get(e.path), e, `${e.path} as in single-stage`);
  }
  // layerscope diff: nothing added or changed, only the build's files (and the directories above them) removed.
  const d = runCli(["diff", "--json", "single-stage.docker.tar"], file);
  assert.equal(d.status, 1, `layerscope diff exits 1 when the images differ: ${d.stderr}`);
  const { paths } = JSON.parse(d.stdout);
  assert.equal(paths.added, 0);
  assert.equal(paths.modified, 0, "/app/server is the same bytes from either build");
  assert.ok(paths.removed > 0 && paths.list.length === paths.removed);
  for (const p of paths.list) {
    assert.ok(TOOLCHAIN.test(p.path) || p.type_a === "d", `${p.path} (${p.change}) is the build's`);
  }
  assert.ok(s.exact.stored_bytes > 3 * r.exact.stored_bytes, `${s.exact.stored_bytes} vs ${r.exact.stored_bytes}: the single stage ships its tool chain`);
});

test("secret-leak: the key and the .env are gone from the final filesystem, not from layers 2 and 3", () => {
  const file = sample("secret-leak");
  const r = cliReport(file);
  assert.equal(r.image.format, "docker-save");
  assert.equal(r.image.layer_count, 6);
  assert.deepEqual(r.diagnostics, []);
  const ch = changesByLayer(r);

  // Absent at the end; present after layers 2 and 3.
  const final = new Set(cliLs(file).map((e) => e.path));
  assert.ok(!final.has("/root/.ssh/id_rsa") && !final.has("/app/.env"));
  assert.ok(final.has("/root/.ssh/known_hosts") && final.has("/app/server.js"), "only the secrets went");
  const after3 = new Map(cliLs(file, ["--layer", "3"]).map((e) => [e.path, e]));
  assert.equal(after3.get("/root/.ssh/id_rsa")?.mode, "0600");
  assert.ok(after3.has("/app/.env"));
  assert.equal(ch[2].get("/root/.ssh/id_rsa")?.change, "A");
  assert.equal(ch[3].get("/app/.env")?.change, "A");
  assert.equal(ch[5].get("/root/.ssh/id_rsa")?.change, "D");
  assert.equal(ch[5].get("/app/.env")?.change, "D");

  // The bytes are in the layers' own tars, as anyone who pulls the image gets them (fake, and saying so).
  const key = layerFile(file, r.layers.find((l) => l.layer === 2).member, "root/.ssh/id_rsa");
  assert.match(key, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
  assert.match(key, /FAKE/);
  const env = layerFile(file, r.layers.find((l) => l.layer === 3).member, "app/.env");
  assert.match(env, /^AWS_SECRET_ACCESS_KEY=/m);
  assert.match(env, /FAKE/);
  const wh = layerMembers(file, r.layers.find((l) => l.layer === 5).member);
  assert.ok(wh.some((m) => /(^|\/)root\/\.ssh\/\.wh\.id_rsa$/.test(m)), `whiteouts in ${wh}`);
  assert.ok(wh.some((m) => /(^|\/)app\/\.wh\.\.env$/.test(m)), `whiteouts in ${wh}`);

  // What the findings say.
  const secrets = r.findings.filter((f) => f.id.startsWith("secret-"));
  assert.deepEqual(
    secrets.map((f) => [f.id, f.severity, f.layer, f.paths]),
    [
      ["secret-in-lower-layer", "high", 2, ["/root/.ssh/id_rsa"]],
      ["secret-in-lower-layer", "high", 3, ["/app/.env"]],
    ],
  );
  assert.match(secrets[0].title, /SSH private key/);
  assert.equal(r.exact.wasted_bytes, secrets[0].bytes + secrets[1].bytes, "the two secrets are the only waste");

  // The CI gate's default rules fail it on them.
  const gate = runCli(["ci"], file);
  assert.equal(gate.status, 1, gate.stdout + gate.stderr);
  assert.match(gate.stdout, /FAIL: layerscope\.failOn: 2 findings at high or above: secret-in-lower-layer \(\/root\/\.ssh\/id_rsa\), secret-in-lower-layer \(\/app\/\.env\)/);
});
