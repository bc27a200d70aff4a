//! The cache simulation's JSON document (`layerscope cache --json`, the
//! page's "Download JSON" in the build pane; docs/cache.md has the schema):
//! the build read back from the history, where its base ends and why, the
//! change asked for and what it rebuilds, pushes and pulls, the advice with
//! its fixes simulated, and a Dockerfile lined up with the steps. Steps are
//! numbered from 1 here, as `docker build` prints them.

use crate::build::advice::Advice;
use crate::build::cache::{self, Build, Change, Cost, Simulation};
use crate::build::dockerfile::{Aligned, Dockerfile};
use crate::Analysis;
use serde_json::{json, Value};

/// The schema's name and version, the document's first member.
pub const SCHEMA: &str = "layerscope-cache/1";

/// What one document says, as the engine answered it.
pub struct CacheDocument<'a> {
    /// The image file as the person named it.
    pub image: &'a str,
    pub analysis: &'a Analysis,
    pub build: &'a Build,
    /// The change simulated, if one was asked for.
    pub change: Option<(&'a Change, &'a Simulation)>,
    pub advice: &'a [Advice],
    /// A Dockerfile and its rows lined up with the build's steps.
    pub dockerfile: Option<(&'a Dockerfile, &'a [Aligned])>,
}

impl CacheDocument<'_> {
    /// The document, pretty-printed, with a final newline.
    pub fn to_json(&self) -> String {
        let b = self.build;
        let doc = json!({
            "schema": SCHEMA,
            "image": self.image,
            "reference": self.analysis.reference,
            "base": {
                "end": b.base_end,
                "signal": b.base.signal.name(),
                "explanation": b.base.explanation,
            },
            "steps": steps_json(b, self.change.map(|(_, sim)| sim)),
            "change": self.change.map(|(c, _)| change_json(c)),
            "simulation": self.change.map(|(_, sim)| sim_json(sim)),
            "advice": self.advice.iter().map(advice_json).collect::<Vec<_>>(),
            "dockerfile": match self.dockerfile {
                Some((df, rows)) => dockerfile_json(df, rows),
                None => Value::Null,
            },
        });
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn steps_json(b: &Build, sim: Option<&Simulation>) -> Vec<Value> {
    b.steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let ins = &s.instruction;
            json!({
                "number": i + 1,
                "keyword": ins.keyword.name(),
                "line": s.line(),
                "created_by": ins.raw,
                "created": s.created,
                "made_layer": s.layer.is_some(),
                "layer": s.layer.as_ref().and_then(|l| l.index),
                "tar_size": s.layer.as_ref().map(|l| l.tar_size),
                "blob_size": s.layer.as_ref().map(|l| l.blob_size),
                "in_base": i < b.base_end,
                "build_args": ins.build_args.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                "copy": ins.copy.as_ref().map(|c| json!({
                    "sources": c.sources,
                    "dest": c.dest,
                    "checksum": c.checksum,
                    "from": c.from,
                })),
                "seconds": match s.time {
                    cache::StepTime::Measured(t) => Some(t),
                    _ => None,
                },
                "outcome": sim.map(|sim| sim.outcomes[i].name()),
            })
        })
        .collect()
}

fn change_json(c: &Change) -> Value {
    match c {
        Change::EditStep { step, text } => {
            json!({"kind": "edit-step", "step": step + 1, "text": text})
        }
        Change::File { path } => {
            json!({"kind": "file", "path": format!("/{}", path.trim_start_matches('/'))})
        }
        Change::Base => json!({"kind": "base"}),
        Change::BuildArg { name } => json!({"kind": "build-arg", "name": name}),
        Change::NoCache => json!({"kind": "no-cache"}),
    }
}

fn cost_json(c: &Cost) -> Value {
    json!({
        "steps_rebuilt": c.steps_rebuilt,
        "layers_rebuilt": c.layers_rebuilt,
        "rebuilt_bytes": c.rebuilt_bytes,
        "push_bytes": c.push_bytes,
        "pull_bytes": c.pull_bytes,
        "seconds": c.time.as_ref().map(|t| t.seconds),
        "unmeasured_steps": c.time.as_ref().map(|t| t.unmeasured.iter().map(|i| i + 1).collect::<Vec<_>>()),
        "estimated_sizes": c.estimated_sizes,
    })
}

fn sim_json(s: &Simulation) -> Value {
    json!({
        "first_miss": s.first_miss.map(|i| i + 1),
        "rule": s.rule.map(|r| r.name()),
        "reason": s.reason,
        "cost": cost_json(&s.cost),
    })
}

fn advice_json(a: &Advice) -> Value {
    json!({
        "kind": a.kind.name(),
        "title": a.title,
        "detail": a.detail,
        "steps": a.steps.iter().map(|i| i + 1).collect::<Vec<_>>(),
        "paths": a.paths.iter().map(|p| format!("/{p}")).collect::<Vec<_>>(),
        "bytes": a.bytes,
        "fix": a.fix.as_ref().map(|f| json!({
            "lines": f.lines,
            "change": change_json(&f.change),
            "before": sim_json(&f.before),
            "after": sim_json(&f.after),
            "estimated": f.estimated,
            "note": f.note,
        })),
    })
}

fn dockerfile_json(df: &Dockerfile, rows: &[Aligned]) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| match *r {
            Aligned::Both {
                instruction,
                step,
                exact,
            } => json!({
                "line": df.instructions[instruction].line,
                "text": df.instructions[instruction].text(),
                "step": step + 1,
                "exact": exact,
            }),
            Aligned::OnlyDockerfile(i) => json!({
                "line": df.instructions[i].line,
                "text": df.instructions[i].text(),
                "step": null,
                "exact": false,
            }),
            Aligned::OnlyImage(s) => {
                json!({"line": null, "text": null, "step": s + 1, "exact": false})
            }
        })
        .collect();
    json!({ "stages": df.stages.len(), "rows": rows })
}
