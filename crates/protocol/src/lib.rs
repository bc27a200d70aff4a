//! The messages between the page (the Yew UI, main thread) and the Web
//! Worker that runs the engine. The UI never holds an image: it asks the
//! worker for exactly what it shows (a window of tree rows, one path's story)
//! and the worker answers with small plain values. Messages travel as JSON
//! text (`serde_json`) in `postMessage`; the one thing that cannot be JSON,
//! the dropped `File`, travels beside an `Open` request as a JS object.
//!
//! This crate is only types, so the UI's wasm does not carry the engine.
//! Paths are absolute (`/etc/passwd`); layers are 0-based filesystem layer
//! numbers (what `layerscope ls --layer` takes); sizes are bytes.

use serde::{Deserialize, Serialize};

pub mod human;
pub mod treemap;

/// UI → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Analyse the `File` posted with this message (or fetched sample bytes).
    /// Replaces any image opened before.
    Open {
        /// Shown in messages ("app.tar: layer 2: …").
        name: String,
        /// A tag, ref name or 0-based index for multi-image archives.
        image: Option<String>,
        /// `os/arch[/variant]` for multi-platform indexes.
        platform: Option<String>,
    },
    /// A window of the file tree.
    Tree(TreeQuery),
    /// Every layer that wrote, changed or deleted one path.
    Story { path: String },
    /// The whole JSON report (the same document as `layerscope inspect --json`).
    Export,
    /// The build read back from the history: steps, where the base image
    /// ends (the guess, or `base_end` when the person moved it), advice; and
    /// a pasted Dockerfile aligned with the steps.
    Build {
        base_end: Option<usize>,
        dockerfile: Option<String>,
    },
    /// What one change would rebuild, push and pull.
    Simulate {
        /// Echoed in the answer so the UI can drop stale ones.
        id: u64,
        change: SimChange,
        base_end: Option<usize>,
    },
    /// An edit of the copy-on-write container layer on top of the image.
    Container(ContainerOp),
    /// The cache simulation as one JSON document (the same as `layerscope
    /// cache --json` with the same boundary, Dockerfile and change).
    ExportCache {
        base_end: Option<usize>,
        dockerfile: Option<String>,
        change: Option<SimChange>,
    },
    /// Compare the open image (A) with the `File` posted with this message
    /// (B), read in the worker; the open image stays open.
    Compare {
        /// B's name, as `name` in `Open`.
        name: String,
    },
    /// The comparison as one JSON document (the same as `layerscope diff
    /// --json A B`).
    ExportCompare,
    /// Compare the filesystems after these layers (None: the last) of A and
    /// of B instead (`layerscope diff --layer-a --layer-b`).
    CompareLayers {
        layer_a: Option<usize>,
        layer_b: Option<usize>,
    },
    /// What a careful reviewer would flag in the open image (the `findings`
    /// of `layerscope inspect --json`, in the same order).
    Findings,
    /// A document about the open image as a file to download: byte for
    /// byte what the command line writes for the same file name.
    Report(ReportKind),
    /// The open image checked against CI rules (dive's `.dive-ci`, ours
    /// under `layerscope:`): what `layerscope ci` decides, rule by rule.
    CheckRules {
        /// Echoed in the answer so the UI can drop stale ones.
        id: u64,
        rules: CiRules,
    },
    /// Where the bytes go: one directory's treemap.
    Treemap(treemap::TreemapQuery),
    /// Which layer installed, upgraded or removed which package (the
    /// figures of `layerscope packages --json`).
    Packages,
}

/// A change to simulate (`layerscope cache`'s options).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SimChange {
    /// Step `step` (0-based, in `BuildView::steps`) gets new text.
    EditStep { step: usize, text: String },
    /// A file of the build context changed (absolute path in the image).
    File { path: String },
    /// A new base image.
    Base,
    /// A new value for `--build-arg name=…`.
    BuildArg { name: String },
    /// `docker build --no-cache`.
    NoCache,
    /// The pasted Dockerfile was edited: the first step whose line changed.
    Dockerfile { original: String, edited: String },
}

/// What the person does to the container layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ContainerOp {
    /// Write to a file (copied up whole first).
    Edit { path: String },
    /// Delete a path (a whiteout in the container layer).
    Delete { path: String },
    /// Make a new file of `size` bytes.
    Create { path: String, size: u64 },
    /// Back to the image as it is.
    Reset,
}

/// Worker → UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    Progress(Progress),
    /// The image before its layers are all read (its `reading` says how
    /// far): sent at once from the manifest and config when the layers are
    /// read by several workers, then again as layers are stacked. Meanwhile
    /// `Tree`, `Story` and `Treemap` are answered about the layers read so
    /// far; the other requests wait for `Opened`.
    Preview(Box<Summary>),
    /// The analysis is done: everything but per-path data.
    Opened(Box<Summary>),
    /// The analysis failed; the page stays usable for the next file.
    Failed {
        message: String,
        kind: String,
    },
    Tree(TreeRows),
    Story(Story),
    Export {
        json: String,
    },
    ExportCache {
        json: String,
    },
    /// The open image compared with another (`Compare`).
    Compared(Box<ComparisonView>),
    ExportCompare {
        json: String,
    },
    Build(Box<BuildView>),
    Simulation(Box<SimulationView>),
    Container(Box<ContainerView>),
    /// The answer to `Findings`: most severe first, as the engine orders them.
    Findings {
        findings: Vec<FindingRow>,
    },
    /// The answer to `Report`: the file to offer.
    Report(Box<ReportFile>),
    /// The answer to `CheckRules`.
    Rules(Box<CiView>),
    /// The answer to `Treemap`: the map, or why there is none (a directory
    /// the filesystem after that layer does not have).
    Treemap {
        id: u64,
        layer: usize,
        map: Option<Box<treemap::Treemap>>,
        error: Option<String>,
    },
    /// The answer to `Packages`.
    Packages(Box<PackagesView>),
}

/// Directories of files no package owns the answer to `Packages` carries
/// at most (those with the most bytes; the engine keeps 100, which
/// `layerscope packages --json` lists).
pub const UNOWNED_SHOWN: usize = 50;

/// The packages of the open image, as `layerscope packages --json` has
/// them (docs/packages.md), but a package's files as a count: the tree
/// shows them on request (`TreeQuery::package`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackagesView {
    /// Most bytes first, then by ecosystem and name (the engine's order;
    /// `TreeQuery::package` is an index into this list).
    pub packages: Vec<PackageRow>,
    /// One per filesystem layer.
    pub layers: Vec<LayerPackages>,
    /// Directories of files no package owns, most bytes first (at most
    /// [`UNOWNED_SHOWN`]).
    pub unowned: Vec<UnownedDir>,
    /// How many directories the engine lists (`unowned` of `layerscope
    /// packages --json`: at most 100, those with the most bytes).
    pub unowned_total: usize,
    /// Databases left out or unreadable, one line each (the CLI's words).
    pub diagnostics: Vec<String>,
}

/// One package: a row of `packages` in `layerscope packages --json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRow {
    /// `deb`, `apk`, `pypi`, `npm`.
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    /// The database file, or the package's folder (absolute).
    pub location: String,
    pub added_in_layer: usize,
    pub upgraded: Vec<PackageUpgrade>,
    pub removed_in_layer: Option<usize>,
    /// How many files it has in the final image.
    pub files: usize,
    pub bytes: u64,
    pub wasted_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageUpgrade {
    pub layer: usize,
    /// The version before.
    pub from: String,
}

/// What one layer did to the packages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerPackages {
    pub layer: usize,
    /// Indexes into `PackagesView::packages`.
    pub added: Vec<usize>,
    pub upgraded: Vec<usize>,
    pub removed: Vec<usize>,
    /// The final bytes of the packages it added.
    pub added_bytes: u64,
    /// `installed 41 packages, 87 MB; upgraded 1`, as `layerscope
    /// packages` prints it; None when the layer did nothing to packages.
    pub line: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnownedDir {
    /// Absolute.
    pub dir: String,
    pub files: usize,
    pub bytes: u64,
}

/// How much a finding matters. Serialized as the report spells it
/// (`high`, `medium`, `low`, `info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    /// Most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// `high`, `medium`, `low`, `info`: the report's `severity`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// One finding, as `layerscope inspect --json` writes it in `findings`
/// (the engine's `report::inspect::FindingRow`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRow {
    /// A stable id (`deleted-files`, `setuid-files`…; docs/findings.md).
    pub id: String,
    pub severity: Severity,
    /// One line about this image: what, where, how much.
    pub title: String,
    /// The layer it is about (0-based filesystem layer), if one.
    pub layer: Option<usize>,
    /// Absolute paths, the most bytes first (the engine lists at most 20).
    pub paths: Vec<String>,
    /// How many more paths are involved than listed.
    pub more_paths: usize,
    /// Bytes at stake.
    pub bytes: u64,
    /// The fix, in one line.
    pub fix: String,
}

/// Which document a `Report` asks for, as the command line writes it
/// (`IMAGE` is the open file's name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReportKind {
    /// `layerscope inspect IMAGE --markdown`.
    Markdown,
    /// `layerscope ls IMAGE --layer LAYER --csv`: the filesystem after a layer.
    PathsCsv { layer: usize },
    /// `layerscope ls IMAGE --from FROM --layer LAYER --changes --csv`:
    /// every change of layers `from..=layer`.
    ChangesCsv { from: usize, layer: usize },
    /// `layerscope ci IMAGE --ci-config CONFIG --json FILE`: the report with
    /// each rule's verdict.
    CiJson { rules: CiRules },
    /// `layerscope ci IMAGE --ci-config CONFIG --junit FILE`.
    CiJunit { rules: CiRules },
    /// `layerscope ci IMAGE --ci-config CONFIG --markdown FILE`: the
    /// pull-request comment.
    CiMarkdown { rules: CiRules },
}

/// A rules file as `layerscope ci --ci-config` reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiRules {
    /// The name the reports give it (`ci.config`): the dropped file's
    /// name, or [`DEFAULT_RULES_FILE`] for pasted text.
    pub config: String,
    /// The file's text.
    pub text: String,
}

/// The file `layerscope ci` (and dive) reads when none is named; the name
/// pasted rules are reported under.
pub const DEFAULT_RULES_FILE: &str = ".dive-ci";

/// A document to download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFile {
    /// What was asked for.
    pub kind: ReportKind,
    /// The name to save it under (`app.layerscope.md`…).
    pub file_name: String,
    /// Its media type (`text/markdown`, `text/csv`, `application/json`,
    /// `application/xml`).
    pub mime: String,
    /// The document: the command line's bytes.
    pub text: String,
}

/// A rule's verdict, as `layerscope ci` (and dive) names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CiStatus {
    Pass,
    Fail,
    /// The rule is `disabled`.
    Skip,
    /// Its value does not parse: nothing of its group is evaluated.
    Misconfigured,
    /// Valid, not evaluated: another rule of its group is misconfigured.
    Configured,
}

impl CiStatus {
    pub const ALL: [CiStatus; 5] = [
        CiStatus::Pass,
        CiStatus::Fail,
        CiStatus::Skip,
        CiStatus::Misconfigured,
        CiStatus::Configured,
    ];

    /// `PASS`, `FAIL`, `SKIP`, `MISCONFIGURED`, `CONFIGURED`: the report's `status`.
    pub fn name(self) -> &'static str {
        match self {
            CiStatus::Pass => "PASS",
            CiStatus::Fail => "FAIL",
            CiStatus::Skip => "SKIP",
            CiStatus::Misconfigured => "MISCONFIGURED",
            CiStatus::Configured => "CONFIGURED",
        }
    }
}

/// The run's result (`ci.result`: `pass`, `fail`, `misconfigured`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CiResult {
    Pass,
    Fail,
    Misconfigured,
}

impl CiResult {
    pub fn name(self) -> &'static str {
        match self {
            CiResult::Pass => "pass",
            CiResult::Fail => "fail",
            CiResult::Misconfigured => "misconfigured",
        }
    }
}

/// The verdicts for the open image (the `ci` section of `layerscope ci
/// --json`), or why the rules could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CiView {
    /// The `CheckRules` this answers.
    pub id: u64,
    /// The rules checked.
    pub rules: CiRules,
    /// The file is not valid YAML: the message `layerscope ci` stops with
    /// (then there are no verdicts).
    pub error: Option<String>,
    pub result: Option<CiResult>,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub misconfigured: usize,
    /// dive's rules, then ours, in the report's order.
    pub verdicts: Vec<CiVerdict>,
}

/// One rule's verdict: a row of the report's `ci.rules`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiVerdict {
    /// `dive` or `layerscope`.
    pub origin: String,
    /// The key (`lowestEfficiency`, `failOn`).
    pub rule: String,
    /// As `layerscope ci` prints it (`lowestEfficiency`, `layerscope.failOn`).
    pub name: String,
    /// The value as set (or the default).
    pub setting: String,
    pub status: CiStatus,
    /// The image's figure, if the rule has one.
    pub value: Option<String>,
    /// Why it failed, is misconfigured or skipped; empty for a pass.
    pub message: String,
}

/// `app.tar.gz` → `app`: an image's name without its archive suffixes,
/// what the page's downloads are named after.
pub fn file_stem(image: &str) -> String {
    let stem = image
        .trim_end_matches(".gz")
        .trim_end_matches(".zst")
        .trim_end_matches(".tar");
    if stem.is_empty() { "image" } else { stem }.to_string()
}

/// The build as Dockerfile steps (history order, metadata steps included).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BuildView {
    pub steps: Vec<BuildStep>,
    /// `steps[..base_end]` came with the base image.
    pub base_end: usize,
    /// Where layerscope guessed the base ends, and why.
    pub base_guess: usize,
    pub base_reason: String,
    /// Build ARGs the RUN steps were given (`|1 NAME=value`).
    pub args: Vec<String>,
    pub advice: Vec<Advice>,
    /// A pasted Dockerfile's final stage against the steps.
    pub dockerfile: Vec<DockerfileRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BuildStep {
    /// `RUN`, `COPY`, `ENV`…, or `?` when the history does not say.
    pub keyword: String,
    /// As a Dockerfile line.
    pub line: String,
    /// The filesystem layer it made (None: metadata only).
    pub layer: Option<usize>,
    pub size: u64,
    pub blob_size: u64,
    /// Seconds the step took, from the gap before it in the history.
    pub seconds: Option<f64>,
    /// COPY or ADD: the build context (or another stage) goes in.
    pub copies: bool,
    pub created: Option<String>,
}

/// Example paths an [`Advice`] carries at most.
pub const ADVICE_PATHS: usize = 5;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Advice {
    /// `context-before-install`, `deleted-later`, `secret`.
    pub kind: String,
    pub title: String,
    pub detail: String,
    pub steps: Vec<usize>,
    /// The first few paths involved (absolute), at most
    /// [`ADVICE_PATHS`]: enough to show what the advice is about. All
    /// of them are in `layerscope cache --json`; sent whole, one advice
    /// took 300 kB and 30 ms to read on the page's main thread.
    pub paths: Vec<String>,
    /// How many paths are involved in all.
    pub path_count: usize,
    pub bytes: u64,
    pub fix: Option<Fix>,
}

/// A better order and the proof: the same change simulated on both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub lines: Vec<String>,
    /// The change both were put through, in words.
    pub change: String,
    pub before: Cost,
    pub after: Cost,
    /// The proposed steps' sizes and times are estimates.
    pub estimated: bool,
    pub note: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub steps_rebuilt: usize,
    pub layers_rebuilt: usize,
    /// Uncompressed bytes of the rebuilt layers.
    pub rebuilt_bytes: u64,
    /// Compressed bytes a push uploads.
    pub push_bytes: u64,
    /// Compressed bytes a host holding the previous image downloads.
    pub pull_bytes: u64,
    /// Estimated from the history's timestamps; None when they cannot tell.
    pub seconds: Option<f64>,
    /// Some rebuilt steps could not be timed: `seconds` is a lower bound.
    pub time_partial: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimulationView {
    pub id: u64,
    /// Why the change cannot be simulated on this image (then nothing else is set).
    pub error: Option<String>,
    /// The change in words ("edit step 7", "change /app/main.go").
    pub change: String,
    /// Per step, in `BuildView::steps` order.
    pub outcomes: Vec<Outcome>,
    pub first_miss: Option<usize>,
    /// Which of Docker's rules the first miss follows, in plain words.
    pub reason: String,
    pub cost: Cost,
}

/// How many of the paths that differ a comparison sends (the largest by
/// bytes); the whole list is the CLI's `layerscope diff --paths`.
pub const COMPARE_PATHS: usize = 200;

/// The open image (A) against another (B): what the comparison pane shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComparisonView {
    /// Bumped by each comparison: `View::Compare`'s revision.
    pub revision: u64,
    /// B's file name.
    pub name: String,
    pub reference: Option<String>,
    /// The layers whose filesystems the paths compare (None: the last).
    pub layer_a: Option<usize>,
    pub layer_b: Option<usize>,
    pub identical: bool,
    /// Layers the stacks share from the bottom (same diff_id, same place).
    pub shared_base: usize,
    pub a: Vec<CompareLayer>,
    pub b: Vec<CompareLayer>,
    /// A host holding A pulls B, and the other way round.
    pub pull_b: PullView,
    pub pull_a: PullView,
    pub added: usize,
    pub removed: usize,
    pub modified: usize,
    /// Bytes of file content on each side, each stored copy once.
    pub bytes_a: u64,
    pub bytes_b: u64,
    /// The largest differences by bytes (at most [`COMPARE_PATHS`]).
    pub paths: Vec<ComparePath>,
    pub steps: Vec<CompareStep>,
    pub config: Vec<CompareConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompareLayer {
    pub layer: usize,
    pub blob_size: u64,
    pub tar_size: u64,
    /// The other side's first layer with the same diff_id, and the same digest.
    pub same_files_as: Option<usize>,
    pub same_blob_as: Option<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PullView {
    /// Per layer of the pulled image: downloaded (true) or already held.
    pub download: Vec<bool>,
    pub download_bytes: u64,
    pub kept_bytes: u64,
    pub fresh_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComparePath {
    pub path: String,
    /// `added`, `removed`, `modified`.
    pub change: String,
    pub fields: Vec<String>,
    pub size_a: u64,
    pub size_b: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompareStep {
    /// `same`, `changed`, `inserted`, `removed`.
    pub kind: String,
    /// 1-based steps.
    pub step_a: Option<usize>,
    pub step_b: Option<usize>,
    pub line_a: Option<String>,
    pub line_b: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompareConfig {
    pub key: String,
    pub a: Option<String>,
    pub b: Option<String>,
}

/// What a simulated change does to one build step. The one place that
/// names the outcomes: [`Outcome::name`] is the spelling of the JSON
/// documents and the messages (serde writes the same), [`Outcome::label`]
/// the words for people; the engine's cache simulation uses this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A step of the base image, pulled as it is.
    Base,
    /// A step of the base image, replaced by the new base.
    NewBase,
    /// Docker finds the step in its cache.
    Hit,
    /// The step runs again.
    Rebuilt,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Base,
        Outcome::NewBase,
        Outcome::Hit,
        Outcome::Rebuilt,
    ];

    /// `base`, `new-base`, `hit`, `rebuilt`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Base => "base",
            Outcome::NewBase => "new-base",
            Outcome::Hit => "hit",
            Outcome::Rebuilt => "rebuilt",
        }
    }

    /// `base`, `new base`, `cache hit`, `rebuilt`.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Base => "base",
            Outcome::NewBase => "new base",
            Outcome::Hit => "cache hit",
            Outcome::Rebuilt => "rebuilt",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DockerfileRow {
    /// 1-based line in the pasted text, and the instruction as written.
    pub line: Option<usize>,
    pub text: Option<String>,
    pub step: Option<usize>,
    /// The step's text is the instruction's.
    pub exact: bool,
}

/// The container layer: what it holds, and what the last edit did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerView {
    /// Bytes in the container layer.
    pub size: u64,
    pub entries: Vec<ContainerEntry>,
    /// What the last operation did, or why it could not be done.
    pub message: String,
    pub error: bool,
    /// Bumped by every change, so views built on the container are redone.
    pub revision: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerEntry {
    pub path: String,
    /// `copied_up`, `whiteout`, `created`.
    pub what: String,
    pub size: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub bytes_done: u64,
    pub bytes_total: Option<u64>,
    pub layers_done: usize,
    pub layers_total: Option<usize>,
}

/// What the page shows without asking again: image, steps, waste, notes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub file_name: String,
    pub input_size: Option<u64>,
    /// `docker-save`, `docker-save-oci`, `oci-layout`, `docker-save-v1`.
    pub format: String,
    pub reference: Option<String>,
    pub images: Vec<String>,
    pub platform: Option<String>,
    pub platforms: Vec<String>,
    pub config_digest: Option<String>,
    pub manifest_digest: Option<String>,
    pub created: Option<String>,
    /// Build steps in history order, empty-layer steps in place.
    pub steps: Vec<Step>,
    /// Paths in the final filesystem.
    pub files: usize,
    pub waste: Waste,
    pub diagnostics: Vec<Note>,
    /// While the layers are still being read (a [`Response::Preview`]):
    /// how many are stacked. Everything above is then about those layers
    /// only (the files and waste so far; dive's figures come at the end),
    /// and a step whose layer is not read yet has only what the manifest
    /// says of it (its digest and stored size). `None` once every layer is
    /// read ([`Response::Opened`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<Reading>,
}

/// How far the reading of the layers is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// Layers read and stacked: layers `0..layers_read`.
    pub layers_read: usize,
    /// Layers in the image.
    pub layers: usize,
}

impl Summary {
    /// Whether filesystem layer `layer` is read (always, once opened).
    pub fn is_read(&self, layer: usize) -> bool {
        self.reading.is_none_or(|r| layer < r.layers_read)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Filesystem layer number, `None` for an empty-layer step.
    pub layer: Option<usize>,
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub comment: Option<String>,
    pub author: Option<String>,
    pub digest: Option<String>,
    pub diff_id: Option<String>,
    pub media_type: Option<String>,
    pub compression: Option<String>,
    /// Bytes of file content (docker history's SIZE).
    pub size: u64,
    /// Bytes as stored (compressed).
    pub blob_size: u64,
    pub tar_size: u64,
    pub digest_verified: Option<bool>,
    pub diff_id_verified: Option<bool>,
    pub added: usize,
    pub modified: usize,
    pub removed: usize,
    /// Bytes of this layer the final filesystem does not show.
    pub wasted_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Waste {
    /// dive 0.13.1's figures (non-finite ratios are `None`).
    pub dive_efficiency: Option<f64>,
    pub dive_wasted_bytes: u64,
    pub dive_user_wasted_percent: Option<f64>,
    pub dive_top: Vec<DivePath>,
    /// Our exact accounting.
    pub stored_bytes: u64,
    pub visible_bytes: u64,
    pub wasted_bytes: u64,
    pub efficiency: f64,
    /// Most wasted first (the first 100).
    pub top: Vec<WastedPath>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DivePath {
    pub path: String,
    pub count: usize,
    pub cumulative_size: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WastedPath {
    pub path: String,
    pub wasted_bytes: u64,
    pub copies: usize,
    pub layers: Vec<usize>,
    /// Whether the final filesystem still has the path.
    pub present: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// `info`, `warning`, `error`.
    pub severity: String,
    pub layer: Option<usize>,
    pub path: Option<String>,
    pub message: String,
    /// Layer, path and message in one line, in the CLI's words
    /// (`layer 3: /etc/passwd: message`).
    pub text: String,
}

/// Which filesystem view the tree shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum View {
    /// The union filesystem after `layer`, each path marked with what `layer`
    /// did to it (if anything).
    Union { layer: usize },
    /// Only what layers `from..=to` changed together, against the union
    /// below `from` (a path added in `from` and removed in `to` is left out).
    Changes { from: usize, to: usize },
    /// What a running container sees: the image with the container layer
    /// on top, each path marked with what the container did to it.
    Container { revision: u64 },
    /// The paths that differ between the open image (A) and the one it was
    /// compared with (B), marked with what B has: added (only in B),
    /// removed (only in A), modified; `revision` names the comparison.
    Compare { revision: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Name,
    /// Largest first (a directory's size is the sum below it).
    Size,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeQuery {
    /// Echoed in the answer so the UI can drop stale ones.
    pub id: u64,
    pub view: View,
    /// Text to find in paths; `*`, `?` make it a glob over the whole path.
    pub filter: String,
    pub sort: Sort,
    /// In a union view, show only paths the view's layer changed (and their parents).
    pub hide_unchanged: bool,
    /// Open directories (absolute paths); ignored when `expand_all`.
    pub expanded: Vec<String>,
    pub expand_all: bool,
    /// With `expand_all`: the directories shown closed all the same
    /// ("everything open but these").
    #[serde(default)]
    pub collapsed: Vec<String>,
    /// Only the files of this package (an index into
    /// `PackagesView::packages`) and the directories above them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<usize>,
    /// The window of visible rows wanted.
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeRows {
    pub id: u64,
    /// Visible rows in all (for the scrollbar).
    pub total: usize,
    pub offset: usize,
    pub rows: Vec<Row>,
}

/// What a layer (or range) did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Added,
    Modified,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub path: String,
    pub name: String,
    pub depth: usize,
    /// `f d l p c b s`, as `find -printf %y`.
    #[serde(rename = "type")]
    pub kind: char,
    /// Regular files: bytes; directories: bytes below.
    pub size: u64,
    /// `drwxr-xr-x`.
    pub mode: String,
    pub uid: u64,
    pub gid: u64,
    pub link: Option<String>,
    pub hardlink: Option<String>,
    pub mark: Option<Mark>,
    /// For `Modified`: which of type, size, mode, uid, gid, link, content.
    pub fields: Vec<String>,
    pub has_children: bool,
    pub expanded: bool,
}

/// One path through the layers: how a read falls through them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Story {
    pub path: String,
    pub events: Vec<Event>,
    /// The layer whose copy a container sees (None: the path is not in the final filesystem).
    pub visible_layer: Option<usize>,
    /// What the container layer holds for the path (`copied_up`,
    /// `whiteout`, `created`), if anything: then a read stops there.
    #[serde(default)]
    pub container: Option<String>,
    /// The same path in the image compared with, if there is one.
    #[serde(default)]
    pub compared: Option<ComparedStory>,
    /// The package whose database lists the path in the final image
    /// (`deb lsfix-a 2.0`), if one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// A path's story in the image the open one was compared with (B).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedStory {
    /// B's file name.
    pub name: String,
    pub events: Vec<Event>,
    pub visible_layer: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub layer: usize,
    /// `added`, `modified`, `removed`, `rewritten` (identical bytes: not a
    /// change, but a new copy), `removed_with_parent` (a directory above it went).
    pub what: String,
    pub fields: Vec<String>,
    #[serde(rename = "type")]
    pub kind: Option<char>,
    pub size: u64,
    pub mode: Option<String>,
    pub uid: Option<u64>,
    pub gid: Option<u64>,
    pub link: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_is_spelled_one_way() {
        for o in Outcome::ALL {
            let wire = serde_json::to_string(&o).unwrap();
            assert_eq!(wire, format!("\"{}\"", o.name()));
            assert_eq!(serde_json::from_str::<Outcome>(&wire).unwrap(), o);
        }
    }

    #[test]
    fn a_severity_is_spelled_as_the_report_spells_it() {
        for s in Severity::ALL {
            let wire = serde_json::to_string(&s).unwrap();
            assert_eq!(wire, format!("\"{}\"", s.name()));
            assert_eq!(serde_json::from_str::<Severity>(&wire).unwrap(), s);
        }
    }

    #[test]
    fn a_ci_status_and_result_are_spelled_as_the_report_spells_them() {
        for s in CiStatus::ALL {
            let wire = serde_json::to_string(&s).unwrap();
            assert_eq!(wire, format!("\"{}\"", s.name()));
            assert_eq!(serde_json::from_str::<CiStatus>(&wire).unwrap(), s);
        }
        for r in [CiResult::Pass, CiResult::Fail, CiResult::Misconfigured] {
            let wire = serde_json::to_string(&r).unwrap();
            assert_eq!(wire, format!("\"{}\"", r.name()));
        }
    }

    #[test]
    fn report_requests_read_as_the_page_writes_them() {
        let rules = CiRules {
            config: DEFAULT_RULES_FILE.into(),
            text: "rules:\n  lowestEfficiency: 0.9\n".into(),
        };
        for (request, wire) in [
            (
                Request::Report(ReportKind::Markdown),
                r#"{"type":"report","kind":"markdown"}"#.to_string(),
            ),
            (
                Request::Report(ReportKind::PathsCsv { layer: 2 }),
                r#"{"type":"report","kind":"paths_csv","layer":2}"#.to_string(),
            ),
            (
                Request::Report(ReportKind::ChangesCsv { from: 1, layer: 3 }),
                r#"{"type":"report","kind":"changes_csv","from":1,"layer":3}"#.to_string(),
            ),
            (
                Request::Report(ReportKind::CiJunit {
                    rules: rules.clone(),
                }),
                format!(
                    r#"{{"type":"report","kind":"ci_junit","rules":{}}}"#,
                    serde_json::to_string(&rules).unwrap()
                ),
            ),
            (
                Request::CheckRules {
                    id: 7,
                    rules: rules.clone(),
                },
                format!(
                    r#"{{"type":"check_rules","id":7,"rules":{}}}"#,
                    serde_json::to_string(&rules).unwrap()
                ),
            ),
        ] {
            assert_eq!(serde_json::to_string(&request).unwrap(), wire);
            assert_eq!(serde_json::from_str::<Request>(&wire).unwrap(), request);
        }
    }

    #[test]
    fn a_file_stem_drops_the_archive_suffixes() {
        assert_eq!(file_stem("app.tar.gz"), "app");
        assert_eq!(file_stem("demo.docker.tar"), "demo.docker");
        assert_eq!(file_stem("x.tar.zst"), "x");
        assert_eq!(file_stem(".tar"), "image");
    }
}
