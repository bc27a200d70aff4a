//! Build-cache simulation: "if I change this, what gets rebuilt, pushed and
//! pulled again?" From the image's history aligned with its layers it
//! reconstructs the build as steps ([`Build`]), guesses where the base image
//! ends, and for a [`Change`] marks every step a cache hit or rebuilt,
//! following Docker's rules (docs/cache.md):
//!
//! - a step's cache key is its parent's key plus its instruction text;
//! - COPY/ADD also include the checksums of the files they copy;
//! - a RUN has the build ARGs in scope as part of its key (the `|N A=b` prefix);
//! - once one step misses, every later step is rebuilt;
//! - steps of the base image are not rebuilt by edits after it, and a new base
//!   invalidates every step after it.
//!
//! The costs are counted from the layers' real sizes and the gaps between the
//! history's `created` times (an estimate). Everything here works on plain
//! structs; the one place that reads the engine's per-path model is [`facts`].

use crate::archive::image::HistoryEntry;
use crate::build::instruction::{self, normalize, Instruction, Keyword, Writer};
use crate::figures::waste::WastedPath;
use crate::{Analysis, ChangeKind};
use std::collections::BTreeMap;
use std::fmt;

// ---------------------------------------------------------------------------
// Facts: what the simulation needs from an analysis
// ---------------------------------------------------------------------------

/// What one filesystem layer wrote and removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerFacts {
    pub index: usize,
    pub digest: String,
    /// Bytes of file contents.
    pub size: u64,
    /// Bytes of the uncompressed layer tar.
    pub tar_size: u64,
    /// Bytes of the blob as stored and pushed (compressed).
    pub blob_size: u64,
    /// Paths added or modified (identical rewrites too), no leading `/`,
    /// sorted, with their size after this layer.
    pub written: Vec<(String, u64)>,
    /// Paths this layer removed, sorted.
    pub removed: Vec<String>,
}

/// One row of the build's history aligned with the layers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepFacts {
    /// Index into the config's history.
    pub history_index: Option<usize>,
    pub history: Option<HistoryEntry>,
    pub layer: Option<usize>,
}

/// Everything the simulation and the advice read from an image.
#[derive(Debug, Clone, Default)]
pub struct BuildFacts {
    pub steps: Vec<StepFacts>,
    pub layers: Vec<LayerFacts>,
    /// Path → the layer whose copy a container sees.
    pub visible: BTreeMap<String, usize>,
    /// Paths with bytes stored but not seen (from the exact waste).
    pub wasted: Vec<WastedPath>,
}

impl BuildFacts {
    /// The layer whose copy of `path` (with or without a leading `/`) a container sees.
    pub fn visible_layer(&self, path: &str) -> Option<usize> {
        self.visible.get(path.trim_start_matches('/')).copied()
    }
}

/// The adapter between the engine's model and the simulation: the only
/// function here that reads per-path changes and the union. Port this one
/// when the model changes.
pub fn facts(a: &Analysis) -> BuildFacts {
    let steps = a
        .steps
        .iter()
        .map(|s| StepFacts {
            history_index: s.history,
            history: s.history.and_then(|h| a.history.get(h)).cloned(),
            layer: s.layer,
        })
        .collect();
    let layers = a
        .layers
        .iter()
        .map(|l| {
            let mut written = Vec::new();
            let mut removed = Vec::new();
            for c in &l.changes {
                match c.kind {
                    ChangeKind::Removed => removed.push(a.path(c.path)),
                    _ => written.push((a.path(c.path), a.after(c).map_or(0, |n| n.size))),
                }
            }
            written.sort();
            removed.sort();
            LayerFacts {
                index: l.index,
                digest: l.digest.to_string(),
                size: l.size,
                tar_size: l.tar_size,
                blob_size: l.blob_size,
                written,
                removed,
            }
        })
        .collect();
    let visible = a
        .union
        .iter()
        .map(|(p, n)| (a.path(p), a.node(n).layer as usize))
        .collect();
    BuildFacts {
        steps,
        layers,
        visible,
        wasted: a.waste.paths.clone(),
    }
}

// ---------------------------------------------------------------------------
// The build, reconstructed
// ---------------------------------------------------------------------------

/// A layer's costs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerCost {
    /// The image's layer, or None for a step of a proposed build.
    pub index: Option<usize>,
    pub tar_size: u64,
    pub blob_size: u64,
}

/// One step of the build.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildStep {
    pub instruction: Instruction,
    /// Index into the history, when the step has an entry.
    pub history: Option<usize>,
    /// The layer it made (None: metadata only).
    pub layer: Option<LayerCost>,
    /// `created` as written.
    pub created: Option<String>,
    pub comment: Option<String>,
    pub author: Option<String>,
    /// Paths its layer wrote with their sizes (sorted, no leading `/`): how a
    /// context file maps to its COPY.
    pub writes: Vec<(String, u64)>,
    /// How long the step took, from the gap before its `created` time.
    pub time: StepTime,
    /// Sizes are an estimate (a step of a proposed build).
    pub estimated: bool,
}

impl BuildStep {
    fn writes_path(&self, path: &str) -> bool {
        self.writes
            .binary_search_by(|(p, _)| p.as_str().cmp(path))
            .is_ok()
    }

    /// The step as a Dockerfile line.
    pub fn line(&self) -> String {
        self.instruction.dockerfile_line()
    }
}

/// Why the base boundary is where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseSignal {
    /// The last CMD or ENTRYPOINT that later layer-making steps follow: base
    /// images end with one, and a Dockerfile rarely has one in the middle.
    CmdBeforeLaterSteps,
    /// The builder changed (BuildKit comment, `# buildkit`, author, kaniko).
    WriterChanged,
    /// A gap of an hour or more between consecutive `created` times.
    TimeGap,
    /// No signal: every step counts as the build's own.
    None,
    /// Set by the caller.
    Given,
}

impl BaseSignal {
    /// As the cache document writes it.
    pub fn name(self) -> &'static str {
        match self {
            BaseSignal::CmdBeforeLaterSteps => "cmd-before-later-steps",
            BaseSignal::WriterChanged => "writer-changed",
            BaseSignal::TimeGap => "time-gap",
            BaseSignal::None => "none",
            BaseSignal::Given => "given",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BaseGuess {
    /// How many steps belong to the base image (the index of the build's first step).
    pub end: usize,
    pub signal: BaseSignal,
    /// Plain words: which signals agreed.
    pub explanation: String,
}

/// The build as steps, with the base boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    pub steps: Vec<BuildStep>,
    /// Steps `0..base_end` are the base image's.
    pub base_end: usize,
    pub base: BaseGuess,
}

/// Gaps of at least this long between two steps mean two builds.
const BASE_GAP_SECONDS: f64 = 3600.0;

impl Build {
    /// Reconstructs the build, guessing the base boundary.
    pub fn new(f: &BuildFacts) -> Build {
        let steps: Vec<BuildStep> = f
            .steps
            .iter()
            .map(|s| {
                let h = s.history.as_ref();
                let mut instruction = match h {
                    Some(h) => instruction::from_history(h),
                    None => instruction::parse("", false),
                };
                instruction.made_layer = s.layer.is_some();
                let layer = s.layer.and_then(|i| f.layers.get(i));
                BuildStep {
                    instruction,
                    history: s.history_index,
                    layer: layer.map(|l| LayerCost {
                        index: Some(l.index),
                        tar_size: l.tar_size,
                        blob_size: l.blob_size,
                    }),
                    created: h.and_then(|h| h.created.clone()),
                    comment: h.and_then(|h| h.comment.clone()),
                    author: h.and_then(|h| h.author.clone()),
                    writes: layer.map(|l| l.written.clone()).unwrap_or_default(),
                    time: StepTime::Unknown,
                    estimated: false,
                }
            })
            .collect();
        let base = guess_base_end(&steps);
        let mut b = Build {
            base_end: base.end,
            steps,
            base,
        };
        b.time_steps();
        b
    }

    /// Moves the base boundary: `end` steps belong to the base image.
    pub fn with_base_end(mut self, end: usize) -> Result<Build, ChangeError> {
        if end > self.steps.len() {
            return Err(ChangeError(format!(
                "the image has {} steps",
                self.steps.len()
            )));
        }
        self.base_end = end;
        self.base = BaseGuess {
            end,
            signal: BaseSignal::Given,
            explanation: format!("set by hand: the first {end} steps are the base image"),
        };
        self.time_steps();
        Ok(self)
    }

    /// Each step's duration from the gaps between `created` times. None of
    /// them when the times cannot time the build: one missing or garbled, out
    /// of order, or all the build's own equal (a reproducible build clamps them).
    fn time_steps(&mut self) {
        let times: Vec<Option<f64>> = self
            .steps
            .iter()
            .map(|s| s.created.as_deref().and_then(parse_rfc3339))
            .collect();
        let own = &times[self.base_end.min(times.len())..];
        let first = own.first().copied().flatten();
        let usable = !(own.len() > 1 && own.iter().all(|t| *t == first));
        for i in 0..self.steps.len() {
            self.steps[i].time = if !usable {
                StepTime::Unknown
            } else if i == 0 || i == self.base_end {
                StepTime::Unmeasured
            } else {
                match (times[i - 1], times[i]) {
                    // An hour or more between two steps is a pause between
                    // builds (the steps before came from the cache), not work.
                    (Some(a), Some(b)) if b - a >= BASE_GAP_SECONDS => StepTime::Unmeasured,
                    (Some(a), Some(b)) if b >= a => StepTime::Measured(b - a),
                    _ => StepTime::Unknown,
                }
            };
        }
    }
}

/// How long a step took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepTime {
    /// Seconds, from the gap between its `created` time and the previous step's
    /// (or given, for a step of a proposed build).
    Measured(f64),
    /// The build's first step (the gap before it is the time since the base
    /// was built), or a step after a pause of an hour or more.
    Unmeasured,
    /// The times are missing, garbled, zeroed or clamped.
    Unknown,
}

/// Where the base image probably ends; see [`BaseSignal`] and docs/cache.md.
pub fn guess_base_end(steps: &[BuildStep]) -> BaseGuess {
    let n = steps.len();
    let cmd = (0..n).rev().find(|&i| {
        matches!(
            steps[i].instruction.keyword,
            Keyword::Cmd | Keyword::Entrypoint
        ) && steps[i + 1..].iter().any(|s| s.layer.is_some())
    });
    let writer = |s: &BuildStep| {
        (
            s.instruction.writer == Writer::BuildKit
                || s.comment
                    .as_deref()
                    .is_some_and(|c| c.starts_with("buildkit")),
            s.author.clone(),
        )
    };
    let changed = (1..n).rev().find(|&i| {
        writer(&steps[i]) != writer(&steps[i - 1]) && steps[i].instruction.writer != Writer::Unknown
    });
    let times: Vec<Option<f64>> = steps
        .iter()
        .map(|s| s.created.as_deref().and_then(parse_rfc3339))
        .collect();
    let gap = (1..n).rev().find(|&i| match (times[i - 1], times[i]) {
        (Some(a), Some(b)) => b - a >= BASE_GAP_SECONDS,
        _ => false,
    });
    let mut agree = Vec::new();
    let (end, signal) = if let Some(i) = cmd {
        (i + 1, BaseSignal::CmdBeforeLaterSteps)
    } else if let Some(i) = changed {
        (i, BaseSignal::WriterChanged)
    } else if let Some(i) = gap {
        (i, BaseSignal::TimeGap)
    } else {
        (0, BaseSignal::None)
    };
    if signal == BaseSignal::None {
        return BaseGuess {
            end: 0,
            signal,
            explanation: "no sign of a base image (no CMD or ENTRYPOINT before later steps, no change of builder, no gap of an hour in the created times): every step counts as the build's own".into(),
        };
    }
    if cmd == Some(end - 1) {
        agree.push(format!(
            "step {} ({}) is the last CMD/ENTRYPOINT before later steps",
            end,
            steps[end - 1].line()
        ));
    }
    if changed == Some(end) {
        agree.push(format!("the builder changes at step {}", end + 1));
    }
    if gap == Some(end) {
        if let (Some(a), Some(b)) = (times[end - 1], times[end]) {
            agree.push(format!(
                "{} pass between step {} and step {}",
                human_duration(b - a),
                end,
                end + 1
            ));
        }
    }
    BaseGuess {
        end,
        signal,
        explanation: format!(
            "the base image is probably {}: {}",
            steps_upto(end),
            agree.join("; ")
        ),
    }
}

fn human_duration(s: f64) -> String {
    if s >= 2.0 * 86400.0 {
        format!("{:.0} days", s / 86400.0)
    } else if s >= 2.0 * 3600.0 {
        format!("{:.0} hours", s / 3600.0)
    } else if s >= 120.0 {
        format!("{:.0} minutes", s / 60.0)
    } else {
        format!("{s:.1} s")
    }
}

/// RFC 3339 (`2018-12-28T16:50:42.159215256Z`, `…+01:00`) → seconds since
/// 1970. None for anything else, and for times before 1980: zero times
/// (`0001-01-01`, `1970-01-01`) are what reproducible-build tools write, not
/// when a step ran.
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if !t.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut frac = 0.0;
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        frac = format!("0.{}", &r[..digits]).parse().ok()?;
        rest = &r[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                return None;
            }
            let oh: i64 = rest[1..3].parse().ok()?;
            let om: i64 = rest[4..6].parse().ok()?;
            let o = oh * 3600 + om * 60;
            if rb[0] == b'-' {
                -o
            } else {
                o
            }
        }
    };
    if y < 1980 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some((days * 86400 + h * 3600 + mi * 60 + sec - offset) as f64 + frac)
}

// ---------------------------------------------------------------------------
// The simulation
// ---------------------------------------------------------------------------

/// What the person changes before rebuilding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Step `step` (0-based) gets a new Dockerfile line.
    EditStep { step: usize, text: String },
    /// A file of the build context changed; it maps to the COPY/ADD step
    /// that brought it into the image.
    File { path: String },
    /// A new base image (a new digest behind the same tag, or another tag).
    Base,
    /// A different value for `--build-arg NAME=…`.
    BuildArg { name: String },
    /// `docker build --no-cache`.
    NoCache,
}

/// The change in words, for people: "/app/main.go changes in the build context".
impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::EditStep { step, text } => write!(f, "step {} becomes “{text}”", step + 1),
            Change::File { path } => {
                write!(
                    f,
                    "/{} changes in the build context",
                    path.trim_start_matches('/')
                )
            }
            Change::Base => f.write_str("a new base image"),
            Change::BuildArg { name } => write!(f, "a new value for the build ARG {name}"),
            Change::NoCache => f.write_str("a rebuild with --no-cache"),
        }
    }
}

/// Why a change cannot be simulated on this image, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeError(pub String);

impl fmt::Display for ChangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ChangeError {}

/// What a change does to each step; named in `layerscope_protocol`, the
/// one place both the engine and the page read the names from.
pub use layerscope_protocol::Outcome;

/// Which of Docker's rules made the first miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The instruction text is part of the key.
    InstructionText,
    /// COPY/ADD: the checksums of the copied files are part of the key.
    FileChecksum,
    /// The first parent is the base image.
    BaseImage,
    /// Build ARGs in scope are part of a RUN's key, from their first use.
    BuildArg,
    /// `--no-cache` skips lookups.
    NoCache,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::InstructionText => "instruction-text",
            Rule::FileChecksum => "file-checksum",
            Rule::BaseImage => "base-image",
            Rule::BuildArg => "build-arg",
            Rule::NoCache => "no-cache",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimeEstimate {
    /// Sum of the measured gaps of the rebuilt steps.
    pub seconds: f64,
    /// Rebuilt steps whose time cannot be measured (the build's first step:
    /// the gap before it is the time since the base image was built). When
    /// any, the estimate is a lower bound.
    pub unmeasured: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cost {
    pub steps_rebuilt: usize,
    pub layers_rebuilt: usize,
    /// Uncompressed tar bytes of the rebuilt layers.
    pub rebuilt_bytes: u64,
    /// Compressed bytes pushed: the blobs of rebuilt layers (a rebuilt layer
    /// gets new timestamps, so a new digest).
    pub push_bytes: u64,
    /// Compressed bytes a host holding the previous image pulls: the rebuilt
    /// blobs, and the base's layers when the base changed (sized as the old ones).
    pub pull_bytes: u64,
    /// From the gaps between `created` times: an estimate, None when the
    /// times are missing, zeroed, clamped or out of order.
    pub time: Option<TimeEstimate>,
    /// Some sizes are estimates (proposed steps).
    pub estimated_sizes: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// One per step of the build.
    pub outcomes: Vec<Outcome>,
    pub first_miss: Option<usize>,
    pub rule: Option<Rule>,
    /// The rule at the first miss in plain words (or why nothing rebuilds).
    pub reason: String,
    pub cost: Cost,
}

/// "step 1" or "steps 1–4": the first `end` steps, as people count them.
pub fn steps_upto(end: usize) -> String {
    match end {
        0 => "no step".to_string(),
        1 => "step 1".to_string(),
        n => format!("steps 1–{n}"),
    }
}

fn step_label(b: &Build, i: usize) -> String {
    format!("step {} ({})", i + 1, short(&b.steps[i].line(), 60))
}

fn short(s: &str, n: usize) -> String {
    let s = normalize(s);
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    } else {
        s
    }
}

/// The step that brought context file `path` into the image: the last
/// COPY/ADD that wrote it.
pub fn copy_step_of(b: &Build, path: &str) -> Result<usize, ChangeError> {
    let p = path.trim_start_matches('/').trim_end_matches('/');
    if p.is_empty() {
        return Err(ChangeError(
            "the root directory is not a file of the build context".into(),
        ));
    }
    let copy = (0..b.steps.len())
        .rev()
        .find(|&i| b.steps[i].instruction.keyword.is_copy() && b.steps[i].writes_path(p));
    match copy {
        Some(i) => Ok(i),
        None => match (0..b.steps.len())
            .rev()
            .find(|&i| b.steps[i].writes_path(p))
        {
            Some(i) => Err(ChangeError(format!(
                "no COPY or ADD step brought this path in; it was written by {}",
                step_label(b, i)
            ))),
            None => Err(ChangeError("no step of the image wrote this path".into())),
        },
    }
}

/// Marks every step of `b` a hit or rebuilt after `change`, with its costs.
pub fn simulate(b: &Build, change: &Change) -> Result<Simulation, ChangeError> {
    let n = b.steps.len();
    let base = b.base_end.min(n);
    let own = n - base;
    let keyword = |i: usize| b.steps[i].instruction.keyword.name();
    let base_note = |i: usize| {
        ChangeError(format!(
            "{} is part of the base image ({}); change the base instead, or move the base boundary",
            step_label(b, i),
            steps_upto(base)
        ))
    };
    let (first, rule, reason): (Option<usize>, Option<Rule>, String) = match change {
        Change::EditStep { step, text } => {
            let i = *step;
            if i >= n {
                return Err(ChangeError(format!("the image has {n} steps")));
            }
            if i < base {
                return Err(base_note(i));
            }
            let old = &b.steps[i].instruction;
            let new = normalize(text);
            // A line typed without its keyword keeps the step's.
            let first_word = new.split(' ').next().unwrap_or("");
            let new = if Keyword::parse(first_word).is_some() || old.keyword == Keyword::Unknown {
                new
            } else {
                format!("{} {new}", old.keyword.name())
            };
            if new == old.key_text() {
                (
                    None,
                    None,
                    format!(
                        "step {}'s text is unchanged, so its cache key is the same and every step is a hit",
                        i + 1
                    ),
                )
            } else {
                let files = if old.keyword.is_copy() {
                    " (and the checksums of the files it copies)"
                } else {
                    ""
                };
                (
                    Some(i),
                    Some(Rule::InstructionText),
                    format!(
                        "{}'s cache key is its parent's key plus its instruction text{files}; step {}'s text changed, so this step and all after it rebuild",
                        keyword(i),
                        i + 1
                    ),
                )
            }
        }
        Change::File { path } => {
            let i = copy_step_of(b, path)?;
            if i < base {
                return Err(ChangeError(format!(
                    "it was brought in by {}, part of the base image ({}); change the base instead, or move the base boundary",
                    step_label(b, i),
                    steps_upto(base)
                )));
            }
            let shown = format!("/{}", path.trim_start_matches('/'));
            let spec = b.steps[i].instruction.copy.as_ref();
            let reason = match spec.and_then(|c| c.from.as_deref()) {
                Some(stage) => format!(
                    "COPY --from={stage} copies from another stage or image, whose output must have changed for {shown} to change; COPY's cache key includes the checksum of every file it copies, so this step and all after it rebuild"
                ),
                None => format!(
                    "{}'s cache key includes the checksum of every file it copies; {shown} changed, so this step and all after it rebuild",
                    keyword(i)
                ),
            };
            (Some(i), Some(Rule::FileChecksum), reason)
        }
        Change::Base => (
            (base < n).then_some(base),
            Some(Rule::BaseImage),
            format!(
                "every step's cache key starts from its parent's, and the first parent is the base image; a new base changes every key after it, so all {own} steps of the build rebuild"
            ),
        ),
        Change::BuildArg { name } => {
            let declared = b.steps.iter().any(|s| {
                s.instruction.keyword == Keyword::Arg
                    && s.instruction
                        .args
                        .split_whitespace()
                        .any(|w| w == name || w.starts_with(&format!("{name}=")))
            });
            let uses = (base..n).find(|&i| b.steps[i].instruction.uses_arg(name));
            let used_anywhere = b.steps.iter().any(|s| s.instruction.uses_arg(name));
            if !declared && !used_anywhere {
                return Err(ChangeError(
                    "no step declares or uses this build ARG".into(),
                ));
            }
            match uses {
                Some(i) => (
                    Some(i),
                    Some(Rule::BuildArg),
                    format!(
                        "a build ARG is part of the cache key of the steps that use it (a RUN gets every ARG in scope as an environment variable); {name} changed and {} is its first use, so it and all after it rebuild (the ARG line itself is a hit: the miss comes at the first use, not the declaration)",
                        step_label(b, i)
                    ),
                ),
                None => (
                    None,
                    None,
                    format!(
                        "no step of the build uses {name}, so nothing rebuilds (a changed ARG misses at its first use, not at its declaration)"
                    ),
                ),
            }
        }
        Change::NoCache => (
            (base < n).then_some(base),
            Some(Rule::NoCache),
            format!(
                "--no-cache skips every cache lookup: all {own} steps after the base image rebuild (the base itself is not pulled again; that is --pull)"
            ),
        ),
    };
    let outcomes: Vec<Outcome> = (0..n)
        .map(|i| {
            if i < base {
                if *change == Change::Base {
                    Outcome::NewBase
                } else {
                    Outcome::Base
                }
            } else if first.is_some_and(|f| i >= f) {
                Outcome::Rebuilt
            } else {
                Outcome::Hit
            }
        })
        .collect();
    let cost = cost(b, &outcomes);
    Ok(Simulation {
        first_miss: first,
        rule: if first.is_some() { rule } else { None },
        reason,
        outcomes,
        cost,
    })
}

fn cost(b: &Build, outcomes: &[Outcome]) -> Cost {
    let mut c = Cost::default();
    let mut seconds = 0.0;
    let mut unmeasured = Vec::new();
    let mut known = true;
    for (i, o) in outcomes.iter().enumerate() {
        let s = &b.steps[i];
        match o {
            Outcome::Rebuilt => {
                c.steps_rebuilt += 1;
                if let Some(l) = &s.layer {
                    c.layers_rebuilt += 1;
                    c.rebuilt_bytes += l.tar_size;
                    c.push_bytes += l.blob_size;
                    c.pull_bytes += l.blob_size;
                    c.estimated_sizes |= s.estimated;
                }
                match s.time {
                    StepTime::Measured(d) => seconds += d,
                    StepTime::Unmeasured => unmeasured.push(i),
                    StepTime::Unknown => known = false,
                }
            }
            Outcome::NewBase => {
                if let Some(l) = &s.layer {
                    c.pull_bytes += l.blob_size;
                }
            }
            Outcome::Base | Outcome::Hit => {}
        }
    }
    c.time = known.then_some(TimeEstimate {
        seconds,
        unmeasured,
    });
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1980-01-01T00:00:00Z"), Some(315532800.0));
        assert_eq!(
            parse_rfc3339("2025-01-26T22:54:00.5+01:00"),
            Some(parse_rfc3339("2025-01-26T21:54:00Z").unwrap() + 0.5)
        );
        // Zero times of reproducible builds, and garbage: no time.
        assert_eq!(parse_rfc3339("0001-01-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2018-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2018-12-28T16:50:42"), None);
    }
}
