//! Advice with proof: orders of steps that waste the cache or ship bytes
//! nobody sees, each with the steps that fix it and, where the fix changes
//! what a rebuild costs, the same change simulated on the image's build and
//! on the fixed one, so the saving is a number.
//!
//! Three findings:
//! - the whole build context copied before a dependency install: any source
//!   edit re-runs the install (fix: copy the manifests, install, then copy the
//!   rest);
//! - a package-manager cache or a large file added in one layer and deleted
//!   in a later one: the bytes still ship in the lower layer (fix: delete in
//!   the same RUN that made them);
//! - a secret-looking file added then removed: still in the lower layer, so
//!   anyone who pulls the image can read it.
//!
//! Sizes of split or merged steps are estimates (the proposed build was not
//! run); [`Fix::estimated`] says so.

use crate::build::cache::{
    simulate, Build, BuildFacts, BuildStep, Change, LayerCost, Simulation, StepTime,
};
use crate::build::instruction::{self, Keyword};
use crate::findings::catalog::{self, Signals};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdviceKind {
    ContextBeforeInstall,
    DeletedLater,
    Secret,
}

impl AdviceKind {
    pub fn name(self) -> &'static str {
        match self {
            AdviceKind::ContextBeforeInstall => "context-before-install",
            AdviceKind::DeletedLater => "deleted-later",
            AdviceKind::Secret => "secret",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    pub kind: AdviceKind,
    /// One line.
    pub title: String,
    /// Why it matters, in plain words.
    pub detail: String,
    /// The steps involved (0-based).
    pub steps: Vec<usize>,
    /// The paths involved (no leading `/`).
    pub paths: Vec<String>,
    /// Bytes involved: shipped but unseen for deleted files and secrets.
    pub bytes: u64,
    pub fix: Option<Fix>,
}

/// The fixed build and the proof of what it saves.
#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    /// The build's own steps as the fix would write them (Dockerfile lines).
    pub lines: Vec<String>,
    pub build: Build,
    /// The change simulated on both builds.
    pub change: Change,
    pub before: Simulation,
    pub after: Simulation,
    /// Sizes (and times) of the proposed steps are estimates.
    pub estimated: bool,
    pub note: String,
}

/// All findings, in step order within each kind.
pub fn advise(f: &BuildFacts, b: &Build) -> Vec<Advice> {
    let mut out = Vec::new();
    out.extend(context_before_install(b));
    out.extend(deleted_later(f, b));
    out.extend(secrets(f, b));
    out
}

// ---------------------------------------------------------------------------
// (a) the whole context before a dependency install
// ---------------------------------------------------------------------------

/// A dependency install and the files it reads.
struct Installer {
    words: &'static [&'static str],
    manifests: &'static [&'static str],
}

const INSTALLERS: &[Installer] = &[
    Installer {
        words: &["npm install", "npm ci", "npm i "],
        manifests: &["package.json", "package-lock.json", "npm-shrinkwrap.json"],
    },
    Installer {
        words: &["yarn install", "yarn --frozen-lockfile", "yarn\n"],
        manifests: &["package.json", "yarn.lock", ".yarnrc.yml"],
    },
    Installer {
        words: &["pnpm install", "pnpm i "],
        manifests: &["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml"],
    },
    Installer {
        words: &[
            "pip install -r",
            "pip3 install -r",
            "pip install --requirement",
        ],
        manifests: &["requirements.txt"],
    },
    Installer {
        words: &["pipenv install", "pipenv sync"],
        manifests: &["Pipfile", "Pipfile.lock"],
    },
    Installer {
        words: &["poetry install"],
        manifests: &["pyproject.toml", "poetry.lock"],
    },
    Installer {
        words: &["bundle install", "bundle config", "bundle check"],
        manifests: &["Gemfile", "Gemfile.lock"],
    },
    Installer {
        words: &["go mod download", "go mod vendor"],
        manifests: &["go.mod", "go.sum"],
    },
    Installer {
        words: &["cargo build", "cargo fetch", "cargo install --path"],
        manifests: &["Cargo.toml", "Cargo.lock"],
    },
    Installer {
        words: &["composer install"],
        manifests: &["composer.json", "composer.lock"],
    },
    Installer {
        words: &[
            "mvn dependency:go-offline",
            "mvn -B dependency",
            "mvn install",
            "mvn package",
        ],
        manifests: &["pom.xml"],
    },
    Installer {
        words: &["dotnet restore"],
        manifests: &["*.csproj", "*.sln", "NuGet.Config"],
    },
];

fn installer(cmd: &str) -> Option<&'static Installer> {
    let cmd = format!("{cmd}\n");
    INSTALLERS
        .iter()
        .find(|i| i.words.iter().any(|w| cmd.contains(w)))
}

fn file_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

fn parent(p: &str) -> &str {
    p.rsplit_once('/').map_or("", |(d, _)| d)
}

fn is_manifest(name: &str, inst: &Installer) -> bool {
    inst.manifests.iter().any(|m| match m.strip_prefix('*') {
        Some(ext) => name.ends_with(ext),
        None => *m == name,
    }) || (inst.manifests.contains(&"requirements.txt")
        && name.starts_with("requirements")
        && name.ends_with(".txt"))
}

/// The COPY steps of the build that look like the whole context, with the
/// install after them.
fn context_before_install(b: &Build) -> Vec<Advice> {
    let mut out = Vec::new();
    let n = b.steps.len();
    for i in b.base_end..n {
        let s = &b.steps[i];
        let Some(spec) = s.instruction.copy.as_ref() else {
            continue;
        };
        if spec.from.is_some() {
            continue;
        }
        // The next layer-making step; only metadata may sit between.
        let Some(j) = (i + 1..n).find(|&j| b.steps[j].layer.is_some()) else {
            continue;
        };
        let run = &b.steps[j].instruction;
        if run.keyword != Keyword::Run {
            continue;
        }
        let Some(inst) = installer(&run.args) else {
            continue;
        };
        // The manifests this COPY brought in, where the layer says.
        let found: Vec<&String> = s
            .writes
            .iter()
            .map(|(p, _)| p)
            .filter(|p| is_manifest(file_name(p), inst))
            .filter(|p| !p.contains("/node_modules/") && !p.contains("/vendor/"))
            .collect();
        let shallowest = found.iter().map(|p| p.matches('/').count()).min();
        let found: Vec<&String> = found
            .into_iter()
            .filter(|p| Some(p.matches('/').count()) == shallowest)
            .collect();
        let others = s.writes.iter().any(|(p, _)| !found.contains(&p));
        // `COPY . /app`, or a classic `dir:` copy that holds the manifests and more.
        let whole = spec.copies_whole_context()
            || (spec
                .checksum
                .as_deref()
                .is_some_and(|c| c.starts_with("dir:"))
                && !found.is_empty()
                && others);
        if !whole {
            continue;
        }
        out.push(split_copy(b, i, j, inst, &found));
    }
    out
}

fn split_copy(b: &Build, i: usize, j: usize, inst: &Installer, found: &[&String]) -> Advice {
    let copy = &b.steps[i];
    let spec = copy
        .instruction
        .copy
        .clone()
        .unwrap_or_else(|| instruction::parse("COPY . .", false).copy.unwrap());
    let names: Vec<String> = if found.is_empty() {
        inst.manifests
            .iter()
            .filter(|m| !m.starts_with('*'))
            .take(2)
            .map(|m| m.to_string())
            .collect()
    } else {
        found.iter().map(|p| file_name(p).to_string()).collect()
    };
    // Where the manifests landed tells the destination better than a relative dest.
    let dest = match found.first() {
        Some(p) => format!("/{}/", parent(p)).replace("//", "/"),
        None => spec.dest.clone(),
    };
    let manifest_bytes: u64 = found.iter().map(|p| copy_size(copy, p)).sum();
    let run_line = b.steps[j].line();
    let manifest_line = format!("COPY {} {dest}", names.join(" "));

    let title = format!(
        "step {} copies the whole build context before step {} installs dependencies: any source edit re-runs the install",
        i + 1,
        j + 1
    );
    let detail = format!(
        "COPY's cache key includes the checksum of every file it copies, so an edit to any file of the context misses at step {} and every later step rebuilds, the install ({}) included. Copy only {} first, install, then copy the rest: a source edit then misses only at the second COPY.",
        i + 1,
        short(&run_line),
        names.join(", ")
    );

    // The fixed build: before, metadata between, COPY manifests, install, COPY rest, after.
    let mut steps: Vec<BuildStep> = b.steps[..i].to_vec();
    steps.extend(b.steps[i + 1..j].iter().cloned());
    let total = copy.layer.clone().unwrap_or_default();
    let frac = if total.tar_size > 0 {
        (manifest_bytes as f64 / total.tar_size as f64).min(1.0)
    } else {
        0.0
    };
    // A tar entry costs at least a 512-byte header and a padded block.
    let manifest_tar = (manifest_bytes + 1024 * names.len() as u64).min(total.tar_size);
    let manifest_blob = ((total.blob_size as f64) * frac).ceil() as u64 + 256 * names.len() as u64;
    let manifest_blob = manifest_blob.min(total.blob_size);
    let (t_manifest, t_rest) = match copy.time {
        StepTime::Measured(t) => (
            StepTime::Measured(t * frac),
            StepTime::Measured(t * (1.0 - frac)),
        ),
        other => (other, other),
    };
    let mut m = copy.clone();
    m.instruction = instruction::parse(&format!("{manifest_line} # buildkit"), false);
    m.history = None;
    m.layer = Some(LayerCost {
        index: None,
        tar_size: manifest_tar,
        blob_size: manifest_blob,
    });
    m.writes = copy
        .writes
        .iter()
        .filter(|(p, _)| found.contains(&p))
        .cloned()
        .collect();
    m.time = t_manifest;
    m.estimated = true;
    steps.push(m);
    steps.push(b.steps[j].clone());
    let mut rest = copy.clone();
    rest.layer = Some(LayerCost {
        index: None,
        tar_size: total.tar_size.saturating_sub(manifest_tar),
        blob_size: total.blob_size.saturating_sub(manifest_blob),
    });
    rest.writes.retain(|(p, _)| !found.contains(&p));
    rest.time = t_rest;
    rest.estimated = true;
    steps.push(rest);
    steps.extend(b.steps[j + 1..].iter().cloned());
    let fixed = Build {
        steps,
        base_end: b.base_end,
        base: b.base.clone(),
    };
    let lines = fixed.steps[fixed.base_end..]
        .iter()
        .map(|s| s.line())
        .collect();

    // The same change on both: an edit to the biggest source file (not a manifest).
    let source = copy
        .writes
        .iter()
        .filter(|(p, _)| !found.contains(&p))
        .max_by_key(|(_, size)| *size)
        .map(|(p, _)| p.clone());
    let fix = source.and_then(|path| {
        let change = Change::File {
            path: format!("/{path}"),
        };
        let before = simulate(b, &change).ok()?;
        let after = simulate(&fixed, &change).ok()?;
        Some(Fix {
            lines,
            change,
            before,
            after,
            estimated: true,
            note: format!(
                "sizes and times of the two COPY steps are estimates: the manifests' bytes ({manifest_bytes} B of files) split from step {}'s layer; the install's layer is the one the image has",
                i + 1
            ),
            build: fixed,
        })
    });
    Advice {
        kind: AdviceKind::ContextBeforeInstall,
        title,
        detail,
        steps: vec![i, j],
        paths: found.iter().map(|p| p.to_string()).collect(),
        bytes: 0,
        fix,
    }
}

/// Size of `path` as a step wrote it (0 when unknown).
fn copy_size(step: &BuildStep, path: &str) -> u64 {
    step.writes
        .binary_search_by(|(p, _)| p.as_str().cmp(path))
        .map(|k| step.writes[k].1)
        .unwrap_or(0)
}

fn short(s: &str) -> String {
    let s = instruction::normalize(s);
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s
    }
}

// ---------------------------------------------------------------------------
// (b) bytes added, then deleted in a later layer
// ---------------------------------------------------------------------------

/// Deleted bytes worth a finding: 1 MiB, or a tenth of the layer that added them.
const LARGE: u64 = 1 << 20;

/// The tool whose cache a path is in (`findings::catalog` knows them).
fn cache_of(path: &str) -> Option<&'static str> {
    catalog::cache_of(path).map(|(_, tool)| tool)
}

fn step_of_layer(b: &Build, layer: usize) -> Option<usize> {
    b.steps
        .iter()
        .position(|s| s.layer.as_ref().and_then(|l| l.index) == Some(layer))
}

fn deleted_later(f: &BuildFacts, b: &Build) -> Vec<Advice> {
    // (layer holding a copy, layer removing it, cache tool) → paths and bytes.
    type Key<'a> = (usize, usize, Option<&'a str>);
    let mut groups: std::collections::BTreeMap<Key, (Vec<String>, u64)> = Default::default();
    for w in f.wasted.iter().filter(|w| !w.present && w.wasted_bytes > 0) {
        let Some(&last) = w.layers.iter().max() else {
            continue;
        };
        let removed_by = f.layers.iter().skip(last + 1).find(|l| {
            l.removed
                .binary_search_by(|p| p.as_str().cmp(&w.path))
                .is_ok()
        });
        let Some(r) = removed_by else { continue };
        for &held in &w.layers {
            let size = f.layers.get(held).map_or(0, |l| {
                l.written
                    .binary_search_by(|(p, _)| p.as_str().cmp(&w.path))
                    .map_or(0, |k| l.written[k].1)
            });
            let g = groups
                .entry((held, r.index, cache_of(&w.path)))
                .or_default();
            g.0.push(w.path.clone());
            g.1 += size;
        }
    }
    let mut out = Vec::new();
    for ((added, removed, tool), (paths, bytes)) in groups {
        let (Some(a), Some(r)) = (step_of_layer(b, added), step_of_layer(b, removed)) else {
            continue;
        };
        if a < b.base_end || bytes == 0 {
            continue;
        }
        let layer_size = f.layers.get(added).map_or(0, |l| l.size);
        if tool.is_none() && bytes < LARGE && (bytes < 4096 || bytes * 10 < layer_size) {
            continue;
        }
        let what = match tool {
            Some(t) => format!("{t}'s download cache"),
            None if paths.len() == 1 => format!("/{}", paths[0]),
            None => format!("{} files", paths.len()),
        };
        let them = if tool.is_none() && paths.len() > 1 {
            "them"
        } else {
            "it"
        };
        let title = format!(
            "step {} adds {what} ({}) and step {} deletes {them}: the bytes still ship in step {}'s layer",
            a + 1,
            crate::human::bytes(bytes),
            r + 1,
            a + 1
        );
        let detail = "A deletion in a later layer only hides a file: the layer that added it is pushed and pulled whole. Delete in the same RUN that made the files (or use a cache mount: RUN --mount=type=cache) so they never reach a layer.".to_string();
        // Merging is only safe when nothing runs between the two steps and
        // the later one only deletes.
        let adjacent = (a + 1..b.steps.len()).find(|&k| b.steps[k].layer.is_some()) == Some(r);
        let both_run = b.steps[a].instruction.keyword == Keyword::Run
            && b.steps[r].instruction.keyword == Keyword::Run;
        let fix = if adjacent && both_run && only_deletes(&b.steps[r].instruction.args) {
            merge_fix(b, a, r, bytes)
        } else {
            None
        };
        out.push(Advice {
            kind: AdviceKind::DeletedLater,
            title,
            detail,
            steps: vec![a, r],
            paths,
            bytes,
            fix,
        });
    }
    out
}

/// A command that only removes files (`rm -rf …`, `apt-get clean`).
fn only_deletes(cmd: &str) -> bool {
    cmd.split("&&").flat_map(|c| c.split(';')).all(|c| {
        let c = c.trim();
        c.is_empty()
            || c.starts_with("rm ")
            || c.starts_with("apt-get clean")
            || c.starts_with("yum clean")
            || c.starts_with("dnf clean")
            || c.starts_with("npm cache clean")
            || c.starts_with("pip cache purge")
    })
}

/// Steps `a` and `r` (both RUN) merged into one that deletes what it made.
fn merge_fix(b: &Build, a: usize, r: usize, bytes: u64) -> Option<Fix> {
    let adder = &b.steps[a];
    let remover = &b.steps[r];
    let layer = adder.layer.clone()?;
    let mut merged = adder.clone();
    let text = format!(
        "RUN {} && {}",
        adder.instruction.args.trim(),
        remover.instruction.args.trim()
    );
    merged.instruction = instruction::parse(&format!("{text} # buildkit"), false);
    merged.instruction.build_args = adder.instruction.build_args.clone();
    let ratio = if layer.tar_size > 0 {
        layer.blob_size as f64 / layer.tar_size as f64
    } else {
        1.0
    };
    let tar = layer.tar_size.saturating_sub(bytes);
    merged.layer = Some(LayerCost {
        index: None,
        tar_size: tar,
        blob_size: ((tar as f64) * ratio).ceil() as u64,
    });
    merged.time = match (adder.time, remover.time) {
        (StepTime::Measured(x), StepTime::Measured(y)) => StepTime::Measured(x + y),
        (StepTime::Unknown, _) | (_, StepTime::Unknown) => StepTime::Unknown,
        _ => StepTime::Unmeasured,
    };
    merged.estimated = true;
    let mut steps = Vec::with_capacity(b.steps.len());
    for (k, s) in b.steps.iter().enumerate() {
        if k == a {
            steps.push(merged.clone());
        } else if k == r {
            continue;
        } else {
            steps.push(s.clone());
        }
    }
    let fixed = Build {
        steps,
        base_end: b.base_end,
        base: b.base.clone(),
    };
    let change = Change::NoCache;
    let before = simulate(b, &change).ok()?;
    let after = simulate(&fixed, &change).ok()?;
    Some(Fix {
        lines: fixed.steps[fixed.base_end..].iter().map(|s| s.line()).collect(),
        change,
        before,
        after,
        estimated: true,
        note: format!(
            "the merged layer's size is step {}'s minus the deleted bytes, compressed at that layer's ratio: an estimate",
            a + 1
        ),
        build: fixed,
    })
}

// ---------------------------------------------------------------------------
// (c) secrets added then removed
// ---------------------------------------------------------------------------

/// A secret by its name alone (the build facts carry no contents; the
/// findings also read a file's first KiB).
fn looks_secret(path: &str) -> bool {
    catalog::secret_file(path, Signals::NONE).is_some()
}

fn secrets(f: &BuildFacts, b: &Build) -> Vec<Advice> {
    let mut out = Vec::new();
    for l in &f.layers {
        for (path, size) in &l.written {
            if *size == 0 || !looks_secret(path) || f.visible_layer(path).is_some() {
                continue;
            }
            let Some(s) = step_of_layer(b, l.index) else {
                continue;
            };
            let removed_by = f
                .layers
                .iter()
                .skip(l.index + 1)
                .find(|r| r.removed.binary_search(path).is_ok())
                .and_then(|r| step_of_layer(b, r.index));
            let later = removed_by
                .map(|r| format!(", removed by step {}", r + 1))
                .unwrap_or_default();
            out.push(Advice {
                kind: AdviceKind::Secret,
                title: format!(
                    "/{path} looks like a secret: added by step {}{later}, it is still in layer {}",
                    s + 1,
                    l.index
                ),
                detail: "Removing a file in a later layer does not take it out of the image: anyone who can pull the image can read it from the lower layer (docker save, then tar). Pass it with a secret mount (RUN --mount=type=secret) instead, and rotate it if the image was ever pushed.".into(),
                steps: removed_by.map_or(vec![s], |r| vec![s, r]),
                paths: vec![path.clone()],
                bytes: *size,
                fix: None,
            });
        }
    }
    out
}
