// The GitHub Actions workflows (.github/workflows/, docs/releasing.md),
// checked for what can be checked without GitHub: they parse, the Pages
// workflow runs the README's test command and a Trunk build the docs
// document, and publishes what Trunk writes; the release workflow builds
// the package that exists, for runners that exist, and packages the binary
// Cargo writes; every run step calls only scripts the repository has;
// every action is pinned; the corpus the tests need can be fetched.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { root, corpus } from "./lib.mjs";

const read = (rel) => fs.readFileSync(path.join(root, rel), "utf8");

function workflow(name) {
  const rel = `.github/workflows/${name}.yml`;
  const doc = YAML.parseDocument(read(rel), { prettyErrors: true });
  assert.deepEqual(doc.errors.map(String), [], `${rel} is not valid YAML`);
  assert.deepEqual(doc.warnings.map(String), [], `${rel}: YAML warnings`);
  const wf = doc.toJS();
  assert.ok(wf && typeof wf === "object" && wf.on && wf.jobs, `${rel}: no 'on' or 'jobs'`);
  return wf;
}

/** Every step of every job: {job, index, step}. */
const stepsOf = (wf) => Object.entries(wf.jobs).flatMap(([job, j]) => (j.steps ?? []).map((step, index) => ({ job, index, step })));

/** A run script's command lines: continuations joined, comments and blank lines out. */
function commandLines(run) {
  return run
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

/** The README's test command: the `scripts/test` line of its first ```sh block, up to its comment. */
function readmeTestCommand() {
  const block = read("README.md").match(/```sh\n([\s\S]*?)```/);
  assert.ok(block, "README.md has no ```sh block");
  const line = block[1].split("\n").find((l) => /^\s*scripts\/test\b/.test(l));
  assert.ok(line, `README.md's first sh block has no scripts/test line:\n${block[1]}`);
  return line.split("#")[0].trim();
}

/** `trunk build …` with a --public-url's value replaced by a placeholder. */
const normalTrunk = (cmd) =>
  cmd
    .replace(/\s+/g, " ")
    .replace(/--public-url(?:=|\s+)("[^"]*"|'[^']*'|\S+)/, "--public-url URL")
    .trim();

test("both workflows parse as YAML", () => {
  for (const name of ["pages", "release"]) workflow(name);
});

test("the Pages workflow checks out and runs the README's test command exactly as the README gives it", () => {
  const wf = workflow("pages");
  const command = readmeTestCommand();
  assert.equal(command, "scripts/test", "the README's test command (its first sh block)");
  const steps = stepsOf(wf);
  const runs = steps.filter((s) => typeof s.step.run === "string" && commandLines(s.step.run).includes(command));
  assert.equal(runs.length, 1, `one step of pages.yml runs '${command}' as a command line of its own`);
  const [testStep] = runs;
  const checkout = steps.find((s) => s.job === testStep.job && /^actions\/checkout@/.test(s.step.uses ?? ""));
  assert.ok(checkout && checkout.index < testStep.index, "the repository is checked out before the tests run");
  // The tests read ../shared/corpus: it must be there before they run.
  const fetch = steps.find((s) => s.job === testStep.job && /fetch-corpus\.sh/.test(s.step.run ?? ""));
  assert.ok(fetch && fetch.index < testStep.index, "the corpus is fetched before the tests run");
});

test("the Pages workflow builds with a Trunk command the docs give, with node_modules/.bin first on PATH, and publishes Trunk's dist", () => {
  const wf = workflow("pages");
  const steps = stepsOf(wf);
  const trunkSteps = steps.filter((s) => typeof s.step.run === "string" && commandLines(s.step.run).some((l) => l.startsWith("trunk build")));
  assert.equal(trunkSteps.length, 1, "one step builds the page");
  const [build] = trunkSteps;
  const lines = commandLines(build.step.run);
  const command = lines.find((l) => l.startsWith("trunk build"));

  // Documented: a `trunk build` in the README, a doc (not releasing.md, which
  // describes this workflow) or the test script.
  const sources = ["README.md", "scripts/test", ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md") && f !== "releasing.md").map((f) => `docs/${f}`)];
  const documented = new Set(sources.flatMap((rel) => [...read(rel).matchAll(/trunk build[^`\n)]*/g)].map((m) => normalTrunk(m[0]))));
  const base = normalTrunk(command).replace(/ --public-url URL/, "");
  assert.ok(
    documented.has(normalTrunk(command)) || documented.has(base),
    `'${command}' is not a build the docs give; they give: ${[...documented].join(" | ")}`,
  );
  const url = command.match(/--public-url(?:=|\s+)("[^"]*"|\S+)/)?.[1]?.replace(/^"|"$/g, "");
  if (url !== undefined) {
    const said = [...sources, "Trunk.toml"].some((rel) => read(rel).includes("--public-url"));
    assert.ok(said, "--public-url is not mentioned in the README, the docs or Trunk.toml");
    assert.match(url, /^\/.*\/$/, `--public-url ${url}: a Pages sub-path starts and ends with /`);
  }

  // As scripts/test builds it: binaryen's wasm-opt (node_modules/.bin) ahead
  // of any other, cargo's tools (trunk, wasm-bindgen) found.
  const exported = lines.find((l) => /^export PATH=/.test(l)) ?? "";
  const nodeBin = exported.indexOf("node_modules/.bin");
  assert.ok(nodeBin >= 0 && nodeBin < exported.indexOf("$PATH"), `the build's PATH puts node_modules/.bin first: '${exported}'`);
  assert.ok(exported.includes(".cargo/bin"), `the build's PATH has cargo's bin: '${exported}'`);
  assert.match(read("scripts/test"), /export PATH="\$ROOT\/node_modules\/\.bin:\$HOME\/\.cargo\/bin:\$PATH"/, "scripts/test's PATH (what the build copies)");

  // It builds after the tests (which build dist/ too) and uploads Trunk's dist.
  const testStep = steps.find((s) => commandLines(s.step.run ?? "").includes(readmeTestCommand()));
  assert.ok(testStep.job === build.job && testStep.index < build.index, "the Pages build comes after the tests");
  const dist = read("Trunk.toml").match(/^dist\s*=\s*"([^"]+)"/m)?.[1];
  assert.ok(dist, "Trunk.toml names its dist folder");
  const upload = steps.find((s) => /^actions\/upload-pages-artifact@/.test(s.step.uses ?? ""));
  assert.ok(upload && upload.job === build.job && upload.index > build.index, "the build's output is uploaded after the build");
  assert.equal(upload.step.with?.path, dist, "the Pages artifact is Trunk's dist folder");
});

test("the Pages workflow runs on main and by hand, and deploys with the permissions Pages needs", () => {
  const wf = workflow("pages");
  assert.deepEqual(wf.on.push?.branches, ["main"]);
  assert.ok("workflow_dispatch" in wf.on, "it can be run by hand");
  assert.equal(wf.concurrency?.group, "pages");
  const deploy = Object.entries(wf.jobs).find(([, j]) => (j.steps ?? []).some((s) => /^actions\/deploy-pages@/.test(s.uses ?? "")));
  assert.ok(deploy, "a job deploys with actions/deploy-pages");
  const [name, job] = deploy;
  const builder = Object.entries(wf.jobs).find(([, j]) => (j.steps ?? []).some((s) => /^actions\/upload-pages-artifact@/.test(s.uses ?? "")))[0];
  assert.ok([job.needs].flat().includes(builder), `${name} waits for ${builder}`);
  const permissions = { ...wf.permissions, ...job.permissions };
  assert.equal(permissions.pages, "write");
  assert.equal(permissions["id-token"], "write");
  assert.equal(typeof job.environment === "string" ? job.environment : job.environment?.name, "github-pages");
});

// Runner labels GitHub has retired: a job asking for one waits for a
// machine that never comes (macos-13: December 2025).
const RETIRED = new Set(["macos-10.15", "macos-11", "macos-12", "macos-13", "ubuntu-18.04", "ubuntu-20.04", "windows-2016", "windows-2019"]);
// The architecture of the macOS labels (the rest are x86_64).
const MAC_ARCH = { "macos-latest": "aarch64", "macos-14": "aarch64", "macos-15": "aarch64", "macos-26": "aarch64", "macos-13": "x86_64", "macos-15-intel": "x86_64" };

test("the release workflow builds the layerscope package of crates/cli, for each target on a runner that exists, and packages its binary", () => {
  const wf = workflow("release");
  assert.deepEqual(wf.on.push?.tags, ["v*"], "it runs when a tag v… is pushed");
  const cargo = read("crates/cli/Cargo.toml");
  const pkg = cargo.match(/^\[package\]\s*\nname\s*=\s*"([^"]+)"/m)?.[1];
  const bin = cargo.match(/^\[\[bin\]\]\s*\nname\s*=\s*"([^"]+)"/m)?.[1] ?? pkg;
  assert.equal(pkg, "layerscope", "crates/cli/Cargo.toml's package");

  const [jobName, job] = Object.entries(wf.jobs).find(([, j]) => j.strategy?.matrix);
  const lines = (job.steps ?? []).flatMap((s) => commandLines(s.run ?? ""));
  const build = lines.find((l) => l.startsWith("cargo build"));
  assert.ok(build, `${jobName} runs cargo build`);
  const words = build.split(/\s+/);
  assert.equal(words[words.indexOf("-p") + 1], pkg, `'${build}' builds the package ${pkg}`);
  assert.ok(words.includes("--release") && words.includes("--locked"), `'${build}': --release --locked`);
  assert.ok(build.includes("--target ${{ matrix.target }}"), `'${build}': each target of the matrix`);
  assert.ok(
    lines.some((l) => l.includes(`target/\${{ matrix.target }}/release/${bin}\${{ matrix.exe }}`)),
    `the package step copies target/<target>/release/${bin}<exe>, the binary cargo writes`,
  );

  const matrix = job.strategy.matrix.include;
  assert.deepEqual(new Set(matrix.map((m) => m.target)), new Set(["x86_64-unknown-linux-gnu", "aarch64-apple-darwin", "x86_64-apple-darwin", "x86_64-pc-windows-msvc"]));
  for (const { os, target, exe } of matrix) {
    assert.ok(!RETIRED.has(os), `${target}: runner ${os} has been retired`);
    const [arch] = target.split("-");
    if (target.includes("apple-darwin")) {
      assert.ok(os.startsWith("macos-"), `${target} builds on macOS, not ${os}`);
      assert.equal(MAC_ARCH[os], arch, `${target} on ${os} (an ${MAC_ARCH[os] ?? "unknown"} runner)`);
    } else if (target.includes("windows")) {
      assert.ok(os.startsWith("windows-"), `${target} builds on Windows, not ${os}`);
    } else {
      assert.ok(os.startsWith("ubuntu-"), `${target} builds on Linux, not ${os}`);
    }
    assert.equal(exe, target.includes("windows") ? ".exe" : "", `${target}: the binary's suffix`);
  }
  // The release job publishes what the build jobs uploaded.
  const publish = Object.values(wf.jobs).find((j) => (j.steps ?? []).some((s) => /gh release create|action-gh-release/.test(`${s.run ?? ""} ${s.uses ?? ""}`)));
  assert.ok(publish && [publish.needs].flat().includes(jobName), `the release waits for ${jobName}`);
  assert.equal(publish.permissions?.contents, "write", "creating a release needs contents: write");
});

test("every run step calls only scripts the repository has, and every action is pinned to a version", () => {
  for (const name of ["pages", "release"]) {
    for (const { job, step } of stepsOf(workflow(name))) {
      const where = `${name}.yml ${job}: ${step.name ?? step.run ?? step.uses}`;
      if (step.uses !== undefined) {
        assert.match(step.uses, /^[\w.-]+\/[\w.\/-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${where}: not pinned to a version`);
      }
      for (const line of commandLines(step.run ?? "")) {
        // Each command of the line: the words after a separator.
        for (const command of line.split(/&&|\|\||;|\||\bthen\b|\bdo\b/)) {
          const words = command.trim().replace(/^(if|while|!)\s+/, "").split(/\s+/);
          for (const [i, raw] of words.entries()) {
            const word = raw.replace(/^["']|["']$/g, "");
            if (word.includes("$") || word.includes("*")) continue;
            const repoPath = /^(\.\/)?(scripts|\.github|tests|bench|crates)\/[\w./-]+$/.test(word) || (i === 0 && word.startsWith("./"));
            if (!repoPath) continue;
            const file = path.join(root, word);
            assert.ok(fs.existsSync(file), `${where}: ${word} does not exist in the repository`);
            if (i === 0) assert.ok(fs.statSync(file).mode & 0o111, `${where}: ${word} is not executable`);
          }
        }
      }
    }
  }
});

test(".github/corpus.txt lists the shared corpus the tests read, file for file, with its sources and hashes", () => {
  const listed = read(".github/corpus.txt")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => {
      const [file, repo, commit, sha256] = l.trim().split(/\s+/);
      return { file, repo, commit, sha256 };
    });
  const present = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else present.push(path.relative(corpus, p));
    }
  };
  assert.ok(fs.existsSync(corpus), `${corpus} (the shared corpus) is missing`);
  walk(corpus);
  assert.deepEqual(listed.map((l) => l.file).sort(), present.filter((f) => f !== "SOURCES.md").sort(), "the files listed are the corpus's files");
  const sources = fs.readFileSync(path.join(corpus, "SOURCES.md"), "utf8");
  for (const { file, repo, commit, sha256 } of listed) {
    const actual = crypto.createHash("sha256").update(fs.readFileSync(path.join(corpus, file))).digest("hex");
    assert.equal(sha256, actual, `${file}: sha256`);
    const [owner, ...rest] = repo.split("/");
    assert.ok(file.startsWith(`${owner}-${rest.join("/")}/`), `${file} lies under ${owner}-${rest.join("/")}/`);
    assert.ok(sources.includes(`| ${file} | ${repo} | ${file.slice(file.indexOf("/") + 1)} | ${commit} |`), `${file}: SOURCES.md gives another repository, path or commit`);
  }
});
