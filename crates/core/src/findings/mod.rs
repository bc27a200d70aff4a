//! **findings**: what a careful reviewer would flag in an image, each with a
//! stable id ([`RULES`]), a severity, the layer and paths, the bytes at
//! stake and the fix in one line. docs/findings.md explains each id.
//!
//! Bytes at stake are the exact waste figures (`figures::waste`: a copy is
//! counted once, in the layer that stores it), or, for what the final
//! filesystem still shows (a cache, a tool chain), the bytes it shows.
//!
//! Must not touch: how findings look outside the engine (`report/`), or
//! the CI verdicts (`gate`). Reads only the analysis: the scan already
//! kept what a file's first KiB says (`layers::sniff`).

pub mod catalog;
mod config;
mod files;

use crate::analysis::Analysis;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Info,
    Low,
    Medium,
    High,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::High, Level::Medium, Level::Low, Level::Info];

    pub fn name(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
            Level::Info => "info",
        }
    }

    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// A kind of finding: its id never changes meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    /// What it flags, in a few words.
    pub title: &'static str,
    /// The fix, in one line.
    pub fix: &'static str,
}

/// Every rule, in the order the docs list them.
pub const RULES: &[Rule] = &[
    Rule {
        id: "secret-in-lower-layer",
        title: "a secret deleted or replaced by a later layer, still readable in the layer that added it",
        fix: "never write it into a layer: use a build secret (RUN --mount=type=secret) and rotate this one",
    },
    Rule {
        id: "secret-in-image",
        title: "a secret in the final filesystem",
        fix: "remove it from the build context (.dockerignore) or pass it as a build secret; rotate it",
    },
    Rule {
        id: "secret-in-env",
        title: "a secret in the config's environment",
        fix: "pass it at run time (docker run -e, a secret store), not with ENV; rotate it",
    },
    Rule {
        id: "secret-in-history",
        title: "a secret build argument or ENV value recorded in the history",
        fix: "use a build secret (RUN --mount=type=secret), not ARG or ENV; rotate it",
    },
    Rule {
        id: "deleted-files",
        title: "files deleted by a later layer: their bytes still ship",
        fix: "delete them in the same RUN that creates them, or build them in a stage you do not ship",
    },
    Rule {
        id: "duplicated-files",
        title: "files stored again by a later layer: the lower copies still ship",
        fix: "write each file once: merge the steps, or set owner and mode in the COPY (--chown, --chmod)",
    },
    Rule {
        id: "package-cache",
        title: "a package manager's cache or lists written into a layer",
        fix: "clean it in the same RUN (rm -rf /var/lib/apt/lists/*, pip --no-cache-dir, npm cache clean) or use a cache mount",
    },
    Rule {
        id: "build-toolchain",
        title: "a compiler tool chain in the final image",
        fix: "build in a separate stage and COPY only the result into the final one (a multi-stage build)",
    },
    Rule {
        id: "too-many-layers",
        title: "more than 127 layers, or within 10 of it",
        fix: "merge RUN steps, or squash the base with a multi-stage build",
    },
    Rule {
        id: "metadata-only-layer",
        title: "a layer that only rewrites files with the same bytes (owner, mode or time)",
        fix: "set owner and mode where the files are written (COPY --chown/--chmod, or in the same RUN)",
    },
    Rule {
        id: "runs-as-root",
        title: "the image runs as root",
        fix: "add a USER with a non-root uid after the steps that need root",
    },
    Rule {
        id: "setuid-files",
        title: "setuid or setgid files",
        fix: "remove the bit where it is not needed (chmod u-s,g-s) or the program itself",
    },
    Rule {
        id: "world-writable",
        title: "world-writable files, or directories without the sticky bit",
        fix: "chmod o-w, or add the sticky bit to shared directories (chmod +t)",
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Most paths a finding lists; `more_paths` counts the rest.
pub const MAX_PATHS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// One of [`RULES`]' ids.
    pub id: &'static str,
    pub level: Level,
    /// One line about this image: what, where, how much.
    pub title: String,
    /// The layer (0-based, manifest order) it is about, if one.
    pub layer: Option<usize>,
    /// Clean paths (no leading `/`), the most bytes first, at most [`MAX_PATHS`].
    pub paths: Vec<String>,
    /// How many more paths are involved than listed.
    pub more_paths: usize,
    /// Bytes at stake (see the module's note).
    pub bytes: u64,
}

impl Finding {
    pub fn rule(&self) -> &'static Rule {
        rule(self.id).expect("every finding's id is in RULES")
    }

    pub fn fix(&self) -> &'static str {
        self.rule().fix
    }
}

/// Paths with their bytes, most first, cut to [`MAX_PATHS`].
fn top_paths(mut paths: Vec<(String, u64)>) -> (Vec<String>, usize) {
    paths.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let more = paths.len().saturating_sub(MAX_PATHS);
    (
        paths.into_iter().take(MAX_PATHS).map(|(p, _)| p).collect(),
        more,
    )
}

/// Bytes that make a waste finding medium rather than low.
const MEDIUM_BYTES: u64 = 1 << 20;

fn level_by_bytes(bytes: u64) -> Level {
    if bytes >= MEDIUM_BYTES {
        Level::Medium
    } else {
        Level::Low
    }
}

/// Every finding for an image: the most severe first, then the most bytes,
/// then by layer, id and first path.
pub fn find(a: &Analysis) -> Vec<Finding> {
    let mut out = Vec::new();
    files::written(a, &mut out);
    files::waste(a, &mut out);
    files::toolchains(a, &mut out);
    files::layer_count(a, &mut out);
    files::metadata_only(a, &mut out);
    files::modes(a, &mut out);
    config::user(a, &mut out);
    config::env(a, &mut out);
    config::history(a, &mut out);
    out.sort_by(|x, y| {
        y.level
            .cmp(&x.level)
            .then_with(|| y.bytes.cmp(&x.bytes))
            .then_with(|| x.layer.cmp(&y.layer))
            .then_with(|| x.id.cmp(y.id))
            .then_with(|| x.paths.cmp(&y.paths))
    });
    out
}

/// How many findings of each level, in [`Level::ALL`] order.
pub fn counts(findings: &[Finding]) -> [usize; 4] {
    Level::ALL.map(|l| findings.iter().filter(|f| f.level == l).count())
}
