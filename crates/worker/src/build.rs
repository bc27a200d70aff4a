//! The build-cache simulation for the page: the engine's `cache`, `advice`
//! and `dockerfile` answers turned into the protocol's plain views. The
//! build is read back once per image (and per base boundary the person
//! chooses) and kept; each simulation is then a walk over its steps.

use layerscope_core::build::advice;
use layerscope_core::build::cache::{self, Build, BuildFacts, Change, StepTime};
use layerscope_core::build::dockerfile::{self, Aligned};
use layerscope_core::build::instruction::Keyword;
use layerscope_core::report::cache::CacheDocument;
use layerscope_core::Analysis;
use layerscope_protocol::{
    Advice, BuildStep, BuildView, Cost, DockerfileRow, Fix, SimChange, SimulationView, ADVICE_PATHS,
};

/// What is worked out once per image.
#[derive(Debug)]
pub struct Builds {
    facts: BuildFacts,
    /// The build with the guessed base boundary.
    guessed: Build,
    /// The last one with a boundary the person chose.
    moved: Option<Build>,
}

impl Builds {
    pub fn new(a: &Analysis) -> Builds {
        let facts = cache::facts(a);
        let guessed = Build::new(&facts);
        Builds {
            facts,
            guessed,
            moved: None,
        }
    }

    /// The base boundary asked for, when it is not the guess's.
    fn moved_end(&self, base_end: Option<usize>) -> Option<usize> {
        base_end.filter(|e| *e != self.guessed.base_end)
    }

    /// Makes the build with the base ending at `base_end` (kept: the next
    /// requests are about the same boundary).
    fn prepare(&mut self, base_end: Option<usize>) -> Result<(), String> {
        let Some(end) = self.moved_end(base_end) else {
            return Ok(());
        };
        if self.moved.as_ref().is_none_or(|b| b.base_end != end) {
            let b = self.guessed.clone().with_base_end(end).map_err(|e| e.0)?;
            self.moved = Some(b);
        }
        Ok(())
    }

    /// The build with the base ending at `base_end` (the guess when None),
    /// once [`Builds::prepare`] has made it.
    fn build(&self, base_end: Option<usize>) -> &Build {
        match (self.moved_end(base_end), &self.moved) {
            (Some(end), Some(b)) if b.base_end == end => b,
            _ => &self.guessed,
        }
    }

    /// The answer to `Build`.
    pub fn view(&mut self, base_end: Option<usize>, pasted: Option<&str>) -> BuildView {
        // A boundary that cannot be (out of range) shows the guess.
        let build = match self.prepare(base_end) {
            Ok(()) => self.build(base_end),
            Err(_) => &self.guessed,
        };
        let mut args: Vec<String> = build
            .steps
            .iter()
            .flat_map(|s| s.instruction.build_args.iter().map(|(k, _)| k.clone()))
            .collect();
        args.sort();
        args.dedup();
        let dockerfile_rows = pasted
            .map(|text| {
                let df = dockerfile::parse(text);
                dockerfile::align(&df, &build.steps, build.base_end)
                    .into_iter()
                    .map(|row| match row {
                        Aligned::Both {
                            instruction,
                            step,
                            exact,
                        } => DockerfileRow {
                            line: Some(df.instructions[instruction].line),
                            text: Some(df.instructions[instruction].text()),
                            step: Some(step),
                            exact,
                        },
                        Aligned::OnlyDockerfile(i) => DockerfileRow {
                            line: Some(df.instructions[i].line),
                            text: Some(df.instructions[i].text()),
                            step: None,
                            exact: false,
                        },
                        Aligned::OnlyImage(s) => DockerfileRow {
                            line: None,
                            text: None,
                            step: Some(s),
                            exact: false,
                        },
                    })
                    .collect()
            })
            .unwrap_or_default();
        BuildView {
            steps: build.steps.iter().map(step_view).collect(),
            base_end: build.base_end,
            base_guess: self.guessed.base.end,
            base_reason: self.guessed.base.explanation.clone(),
            args,
            advice: advice::advise(&self.facts, build)
                .iter()
                .map(advice_view)
                .collect(),
            dockerfile: dockerfile_rows,
        }
    }

    /// The answer to `Simulate`.
    pub fn simulate(
        &mut self,
        id: u64,
        change: &SimChange,
        base_end: Option<usize>,
    ) -> SimulationView {
        let failed = |error: String| SimulationView {
            id,
            error: Some(error),
            change: describe_sim(change),
            ..SimulationView::default()
        };
        if let Err(e) = self.prepare(base_end) {
            return failed(e);
        }
        let build = self.build(base_end);
        let change = match engine_change(build, change) {
            Ok(c) => c,
            Err(e) => return failed(e),
        };
        match cache::simulate(build, &change) {
            Ok(sim) => SimulationView {
                id,
                error: None,
                change: change.to_string(),
                outcomes: sim.outcomes.clone(),
                first_miss: sim.first_miss,
                reason: sim.reason,
                cost: cost_view(&sim.cost),
            },
            Err(e) => failed(e.0),
        }
    }
}

impl Builds {
    /// The answer to `ExportCache`: the document `layerscope cache --json`
    /// prints for the same image, boundary, Dockerfile and change.
    pub fn document(
        &mut self,
        a: &Analysis,
        name: &str,
        base_end: Option<usize>,
        pasted: Option<&str>,
        change: Option<&SimChange>,
    ) -> Result<String, String> {
        self.prepare(base_end)?;
        let build = self.build(base_end);
        let simulated = match change {
            Some(change) => {
                let change = engine_change(build, change)?;
                let sim = cache::simulate(build, &change).map_err(|e| e.0)?;
                Some((change, sim))
            }
            None => None,
        };
        let dockerfile = pasted.map(dockerfile::parse);
        let rows = dockerfile
            .as_ref()
            .map(|df| dockerfile::align(df, &build.steps, build.base_end));
        let advice = advice::advise(&self.facts, build);
        Ok(CacheDocument {
            image: name,
            analysis: a,
            build,
            change: simulated.as_ref().map(|(c, s)| (c, s)),
            advice: &advice,
            dockerfile: dockerfile.as_ref().zip(rows.as_deref()),
        }
        .to_json())
    }
}

fn engine_change(build: &Build, change: &SimChange) -> Result<Change, String> {
    Ok(match change {
        SimChange::EditStep { step, text } => Change::EditStep {
            step: *step,
            text: text.clone(),
        },
        SimChange::File { path } => Change::File { path: path.clone() },
        SimChange::Base => Change::Base,
        SimChange::BuildArg { name } => Change::BuildArg { name: name.clone() },
        SimChange::NoCache => Change::NoCache,
        SimChange::Dockerfile { original, edited } => {
            let (before, after) = (dockerfile::parse(original), dockerfile::parse(edited));
            let rows = dockerfile::align(&before, &build.steps, build.base_end);
            let edits = dockerfile::edited_steps(&before, &after, &rows);
            let Some((step, text)) = edits.into_iter().min_by_key(|(s, _)| *s) else {
                return Err("no instruction that matches a step of the image was changed; edit a line that is aligned with a step".to_string());
            };
            Change::EditStep { step, text }
        }
    })
}

fn describe_sim(change: &SimChange) -> String {
    match change {
        SimChange::EditStep { step, .. } => format!("an edit of step {}", step + 1),
        SimChange::File { path } => format!("{path} changes in the build context"),
        SimChange::Base => "a new base image".to_string(),
        SimChange::BuildArg { name } => format!("a new value for the build ARG {name}"),
        SimChange::NoCache => "docker build --no-cache".to_string(),
        SimChange::Dockerfile { .. } => "the edited Dockerfile".to_string(),
    }
}

fn step_view(s: &cache::BuildStep) -> BuildStep {
    let keyword = match s.instruction.keyword {
        Keyword::Unknown => "?".to_string(),
        k => k.name().to_string(),
    };
    BuildStep {
        keyword,
        line: s.line(),
        layer: s.layer.as_ref().and_then(|l| l.index),
        size: s.layer.as_ref().map_or(0, |l| l.tar_size),
        blob_size: s.layer.as_ref().map_or(0, |l| l.blob_size),
        seconds: match s.time {
            StepTime::Measured(t) => Some(t),
            _ => None,
        },
        copies: s.instruction.keyword.is_copy(),
        created: s.created.clone(),
    }
}

fn cost_view(c: &cache::Cost) -> Cost {
    Cost {
        steps_rebuilt: c.steps_rebuilt,
        layers_rebuilt: c.layers_rebuilt,
        rebuilt_bytes: c.rebuilt_bytes,
        push_bytes: c.push_bytes,
        pull_bytes: c.pull_bytes,
        seconds: c.time.as_ref().map(|t| t.seconds),
        time_partial: c.time.as_ref().is_some_and(|t| !t.unmeasured.is_empty()),
    }
}

fn advice_view(a: &advice::Advice) -> Advice {
    Advice {
        kind: a.kind.name().to_string(),
        title: a.title.clone(),
        detail: a.detail.clone(),
        steps: a.steps.clone(),
        paths: a
            .paths
            .iter()
            .take(ADVICE_PATHS)
            .map(|p| format!("/{p}"))
            .collect(),
        path_count: a.paths.len(),
        bytes: a.bytes,
        fix: a.fix.as_ref().map(|f| Fix {
            lines: f.lines.clone(),
            change: f.change.to_string(),
            before: cost_view(&f.before.cost),
            after: cost_view(&f.after.cost),
            estimated: f.estimated,
            note: f.note.clone(),
        }),
    }
}
