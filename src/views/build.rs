//! The build-cache simulation: the build read back from the history as
//! Dockerfile steps, a change the person picks (edit a step, change a file
//! of the build context, a new base, a build ARG, --no-cache), every step
//! marked cache hit or rebuilt by Docker's rules with the first miss
//! explained, what the change costs, and advice whose saving is simulated.
//! The worker does the work; this pane only asks and shows.

use layerscope_protocol::human::count;
use layerscope_protocol::{Cost, Outcome, SimChange};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::app::Dispatch;
use crate::format;
use crate::state::{Action, BuildPane};
use crate::views::term::Term;

#[derive(Properties, PartialEq)]
pub struct BuildProps {
    /// The pane's state: the build, the boundary, the Dockerfile, the simulation.
    pub pane: BuildPane,
    /// The path selected in the tree, offered as the file to change.
    pub selected_path: Option<String>,
    pub dispatch: Dispatch,
    /// Download what the pane shows as JSON.
    pub on_export: Callback<()>,
}

/// Which kind of change the form is set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Edit,
    Base,
    Arg,
    NoCache,
}

impl Kind {
    fn from_value(v: &str) -> Kind {
        match v {
            "edit" => Kind::Edit,
            "base" => Kind::Base,
            "arg" => Kind::Arg,
            "no-cache" => Kind::NoCache,
            _ => Kind::File,
        }
    }
}

pub fn seconds_text(seconds: f64) -> String {
    if seconds < 90.0 {
        format!("{seconds:.0} s")
    } else if seconds < 5400.0 {
        format!("{:.1} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}

fn time_text(c: &Cost) -> String {
    match c.seconds {
        Some(s) if c.time_partial => format!("at least {}", seconds_text(s)),
        Some(s) => format!("about {}", seconds_text(s)),
        None => "unknown (the history's times cannot tell)".to_string(),
    }
}

/// The mark beside an outcome's words (the words are `Outcome::label`).
fn outcome_symbol(o: Outcome) -> &'static str {
    match o {
        Outcome::Hit => "✓",
        Outcome::Rebuilt => "⟳",
        Outcome::NewBase => "⇣",
        Outcome::Base => "·",
    }
}

#[function_component(BuildPanel)]
pub fn build_panel(props: &BuildProps) -> Html {
    let kind = use_state(|| Kind::File);
    let file = use_state(String::new);
    let step = use_state(|| None::<usize>);
    let text = use_state(String::new);
    let arg = use_state(String::new);
    let pasted = use_state(|| props.pane.dockerfile.clone().unwrap_or_default());
    let edited = use_state(String::new);

    let Some(build) = props.pane.view.clone() else {
        return html! {
            <section class="pane build-pane" aria-labelledby="build-h" data-testid="build-panel" data-tour="build">
                <div class="pane-head"><h2 id="build-h">{ "Build cache" }</h2></div>
                <p class="muted">{ "Reading the build back from the image's history…" }</p>
            </section>
        };
    };
    let d = props.dispatch.clone();
    // The first step the person made (the base's are not theirs to edit).
    let first_own = build.base_end.min(build.steps.len().saturating_sub(1));
    let chosen_step = step.unwrap_or(first_own);
    let file_value = if file.is_empty() {
        props.selected_path.clone().unwrap_or_default()
    } else {
        (*file).clone()
    };

    let on_kind = {
        let kind = kind.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            kind.set(Kind::from_value(&s.value()));
        })
    };
    let on_file = {
        let file = file.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            file.set(i.value());
        })
    };
    let on_step = {
        let step = step.clone();
        let text = text.clone();
        let build = build.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = s.value().parse::<usize>() {
                step.set(Some(i));
                text.set(
                    build
                        .steps
                        .get(i)
                        .map(|s| s.line.clone())
                        .unwrap_or_default(),
                );
            }
        })
    };
    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            text.set(i.value());
        })
    };
    let on_arg = {
        let arg = arg.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            arg.set(s.value());
        })
    };
    let on_base = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            d.dispatch(Action::SetBaseEnd(s.value().parse::<usize>().ok()));
        })
    };
    let run = {
        let d = d.clone();
        let kind = *kind;
        let file_value = file_value.clone();
        let text = if text.is_empty() {
            build
                .steps
                .get(chosen_step)
                .map(|s| s.line.clone())
                .unwrap_or_default()
        } else {
            (*text).clone()
        };
        let arg = if arg.is_empty() {
            build.args.first().cloned().unwrap_or_default()
        } else {
            (*arg).clone()
        };
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let change = match kind {
                Kind::File => SimChange::File {
                    path: file_value.clone(),
                },
                Kind::Edit => SimChange::EditStep {
                    step: chosen_step,
                    text: text.clone(),
                },
                Kind::Base => SimChange::Base,
                Kind::Arg => SimChange::BuildArg { name: arg.clone() },
                Kind::NoCache => SimChange::NoCache,
            };
            d.dispatch(Action::Simulate(change));
        })
    };
    let on_paste = {
        let pasted = pasted.clone();
        Callback::from(move |e: InputEvent| {
            let t: HtmlTextAreaElement = e.target_unchecked_into();
            pasted.set(t.value());
        })
    };
    let align = {
        let d = d.clone();
        let pasted = pasted.clone();
        let edited = edited.clone();
        Callback::from(move |_| {
            edited.set((*pasted).clone());
            d.dispatch(Action::SetDockerfile(Some((*pasted).clone())));
        })
    };
    let on_edited = {
        let edited = edited.clone();
        Callback::from(move |e: InputEvent| {
            let t: HtmlTextAreaElement = e.target_unchecked_into();
            edited.set(t.value());
        })
    };
    let simulate_edit = {
        let d = d.clone();
        let original = props.pane.dockerfile.clone().unwrap_or_default();
        let edited = edited.clone();
        Callback::from(move |_| {
            d.dispatch(Action::Simulate(SimChange::Dockerfile {
                original: original.clone(),
                edited: (*edited).clone(),
            }))
        })
    };

    let sim = props
        .pane
        .simulation
        .clone()
        .filter(|s| s.error.is_none() && s.outcomes.len() == build.steps.len());
    let made = build.steps.iter().filter(|s| s.layer.is_some()).count();

    html! {
        <section class="pane build-pane" aria-labelledby="build-h" data-testid="build-panel" data-tour="build">
            <div class="pane-head">
                <h2 id="build-h"><Term key_name="build-cache" label="Build cache" /></h2>
                <span class="count">{ format!("{} steps, {made} made a layer", build.steps.len()) }</span>
                <button type="button" class="btn tiny" data-testid="export-cache" disabled={props.pane.exporting}
                    onclick={{ let e = props.on_export.clone(); Callback::from(move |_| e.emit(())) }}
                    title="Download the build, the simulation shown and the advice as JSON (the same document as layerscope cache --json)">
                    { if props.pane.exporting { "Downloading…" } else { "Download JSON" } }
                </button>
            </div>
            <p class="hint">
                { "The build, read back from the image's history. Pick a change: every step is marked " }
                <Term key_name="cache-hit" label="cache hit" />{ " or rebuilt by Docker's rules, with what it costs to push and pull." }
            </p>
            <div class="base-line">
                <label class="field">
                    <span><Term key_name="base-image" label="Base image" />{ " ends after" }</span>
                    <select data-testid="base-end" onchange={on_base} aria-label="The last step of the base image">
                        { for (0..=build.steps.len()).map(|end| {
                            let label = if end == 0 { "no step (no base)".to_string() } else { format!("step {end}") };
                            let label = if end == build.base_guess { format!("{label} (guess)") } else { label };
                            html! { <option value={end.to_string()} selected={end == build.base_end}>{ label }</option> }
                        }) }
                    </select>
                </label>
                <span class="muted small">{ &build.base_reason }</span>
            </div>

            <form class="sim-form" data-testid="sim-form" onsubmit={run}>
                <label class="field">
                    <span>{ "Change" }</span>
                    <select data-testid="change-kind" onchange={on_kind} aria-label="What to change">
                        <option value="file" selected={*kind == Kind::File}>{ "a file of the build context" }</option>
                        <option value="edit" selected={*kind == Kind::Edit}>{ "the text of a step" }</option>
                        <option value="base" selected={*kind == Kind::Base}>{ "the base image" }</option>
                        <option value="arg" selected={*kind == Kind::Arg} disabled={build.args.is_empty()}>{ "a build ARG" }</option>
                        <option value="no-cache" selected={*kind == Kind::NoCache}>{ "nothing: build with --no-cache" }</option>
                    </select>
                </label>
                { match *kind {
                    Kind::File => html! {
                        <label class="field grow">
                            <span>{ "File" }</span>
                            <input type="text" class="mono" data-testid="change-file" value={file_value.clone()} oninput={on_file}
                                placeholder="/app/main.go (select one in the tree)" aria-label="The file of the build context that changes" />
                        </label>
                    },
                    Kind::Edit => html! {
                        <>
                            <label class="field">
                                <span>{ "Step" }</span>
                                <select data-testid="change-step" onchange={on_step} aria-label="The step to edit">
                                    { for build.steps.iter().enumerate().map(|(i, s)| html! {
                                        <option value={i.to_string()} selected={i == chosen_step}>{ format!("{} {}", i + 1, s.keyword) }</option>
                                    }) }
                                </select>
                            </label>
                            <label class="field grow">
                                <span>{ "New text" }</span>
                                <input type="text" class="mono" data-testid="change-text"
                                    value={if text.is_empty() { build.steps.get(chosen_step).map(|s| s.line.clone()).unwrap_or_default() } else { (*text).clone() }}
                                    oninput={on_text} aria-label="The step's new Dockerfile line" />
                            </label>
                        </>
                    },
                    Kind::Arg => html! {
                        <label class="field">
                            <span>{ "ARG" }</span>
                            <select data-testid="change-arg" onchange={on_arg} aria-label="The build ARG whose value changes">
                                { for build.args.iter().map(|a| html! { <option value={a.clone()} selected={**a == *arg}>{ a }</option> }) }
                            </select>
                        </label>
                    },
                    _ => html! {},
                } }
                <button type="submit" class="btn primary" data-testid="simulate">{ "Simulate the rebuild" }</button>
                if props.pane.simulation.is_some() || props.pane.simulate.is_some() {
                    <button type="button" class="btn ghost" onclick={{ let d = d.clone(); Callback::from(move |_| d.dispatch(Action::ClearSimulation)) }}>{ "Clear" }</button>
                }
            </form>

            if let Some(error) = props.pane.simulation.as_ref().and_then(|s| s.error.clone()) {
                <p class="error-text" role="alert" data-testid="sim-error">{ error }</p>
            }
            if let Some(sim) = &sim {
                <div class="sim-result" role="status" data-testid="sim-result">
                    <p class="sim-change">{ format!("Simulated: {}.", sim.change) }</p>
                    <p class="sim-reason" data-testid="sim-reason">{ &sim.reason }</p>
                    { cost_list(&sim.cost, "sim") }
                </div>
            }

            <ol class="build-steps" data-testid="build-steps">
                { for build.steps.iter().enumerate().map(|(i, s)| {
                    let outcome = sim.as_ref().and_then(|sim| sim.outcomes.get(i)).copied();
                    let first = sim.as_ref().and_then(|sim| sim.first_miss) == Some(i);
                    let (sym, label) = outcome.map(|o| (outcome_symbol(o), o.label())).unwrap_or(("", ""));
                    html! {
                        <>
                            if i == build.base_end && i > 0 {
                                <li class="base-divider" aria-hidden="true">{ "base image ends above" }</li>
                            }
                            <li class={classes!("build-step", (i < build.base_end).then_some("in-base"), outcome.map(|o| format!("o-{}", o.name())), first.then_some("first-miss"))}
                                data-testid="build-step" data-step={(i + 1).to_string()} data-outcome={outcome.map_or("", |o| o.name())}>
                                <span class="bs-num">{ i + 1 }</span>
                                <span class="bs-line mono" title={s.line.clone()}>{ &s.line }</span>
                                <span class="bs-size" title={if s.layer.is_some() { "the layer's uncompressed size" } else { "metadata only: this step made no layer" }}>{ if s.layer.is_some() { format::bytes(s.size) } else { "no layer".to_string() } }</span>
                                <span class="bs-outcome">
                                    if !label.is_empty() {
                                        <span aria-hidden="true">{ sym }</span>{ " " }{ label }
                                    }
                                </span>
                            </li>
                        </>
                    }
                }) }
            </ol>

            <h3 class="sub">{ "Advice" }</h3>
            if build.advice.is_empty() {
                <p class="muted" data-testid="advice-none">{ "Nothing to advise: no step order that wastes the cache, no bytes deleted in a later layer, no secrets left in a layer." }</p>
            } else {
                <ul class="advice-list">
                    { for build.advice.iter().map(|a| html! {
                        <li class={classes!("advice", format!("a-{}", a.kind))} data-testid="advice" data-kind={a.kind.clone()}>
                            <p class="advice-title">{ &a.title }</p>
                            <p class="advice-detail">{ &a.detail }</p>
                            if !a.paths.is_empty() {
                                <ul class="advice-paths" data-testid="advice-paths" aria-label="Paths involved">
                                    { for a.paths.iter().map(|path| {
                                        let onclick = {
                                            let d = d.clone();
                                            let path = path.clone();
                                            Callback::from(move |_| d.dispatch(Action::SelectPath(path.clone())))
                                        };
                                        html! {
                                            <li><button type="button" class="link mono" {onclick} title="Select this path in the tree and show its story">{ path }</button></li>
                                        }
                                    }) }
                                    if a.path_count > a.paths.len() {
                                        <li class="muted">{ format!("and {} more", a.path_count - a.paths.len()) }</li>
                                    }
                                </ul>
                            }
                            if let Some(fix) = &a.fix {
                                <details class="fix">
                                    <summary>{ "The fix, and what it saves" }</summary>
                                    <pre class="mono fix-lines">{ fix.lines.join("\n") }</pre>
                                    <p>{ format!("Simulated on both builds: {}.", fix.change) }</p>
                                    <div class="fix-compare">
                                        <div><h4>{ "As built" }</h4>{ cost_list(&fix.before, "fix-before") }</div>
                                        <div><h4>{ "With the fix" }</h4>{ cost_list(&fix.after, "fix-after") }</div>
                                    </div>
                                    <p class="saving" data-testid="advice-saving">{ saving(&fix.before, &fix.after) }</p>
                                    if fix.estimated || !fix.note.is_empty() {
                                        <p class="muted small">{ &fix.note }</p>
                                    }
                                </details>
                            }
                        </li>
                    }) }
                </ul>
            }

            <details class="dockerfile" data-testid="dockerfile">
                <summary>{ "Paste your Dockerfile" }</summary>
                <p class="muted small">{ "Its last stage is lined up with the image's steps. Edit it below and simulate the edit." }</p>
                <textarea class="mono" rows="8" data-testid="dockerfile-input" aria-label="Your Dockerfile"
                    value={(*pasted).clone()} oninput={on_paste} />
                <button type="button" class="btn" data-testid="dockerfile-align" onclick={align}>{ "Line it up" }</button>
                if props.pane.dockerfile.is_some() {
                    <table class="aligned" data-testid="dockerfile-rows">
                        <thead><tr><th>{ "Dockerfile" }</th><th>{ "Image step" }</th></tr></thead>
                        <tbody>
                            { for build.dockerfile.iter().map(|r| html! {
                                <tr class={classes!(r.exact.then_some("exact"), r.step.is_none().then_some("unmatched"))}>
                                    <td class="mono">{ r.text.clone().unwrap_or_else(|| "—".into()) }</td>
                                    <td class="mono">{ r.step.map(|s| format!("{} {}", s + 1, build.steps[s].line)).unwrap_or_else(|| "—".into()) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                    <label class="field block">
                        <span>{ "Edit, then simulate" }</span>
                        <textarea class="mono" rows="8" data-testid="dockerfile-edit" aria-label="Your Dockerfile, edited"
                            value={(*edited).clone()} oninput={on_edited} />
                    </label>
                    <button type="button" class="btn primary" data-testid="dockerfile-simulate" onclick={simulate_edit}>{ "Simulate my edit" }</button>
                }
            </details>
        </section>
    }
}

fn cost_list(c: &Cost, id: &str) -> Html {
    html! {
        <dl class="costs" data-testid={format!("{id}-cost")}>
            <dt>{ "Rebuilt" }</dt>
            <dd data-testid={format!("{id}-rebuilt")}>{ format!("{}, {} ({})", count(c.steps_rebuilt, "step", "steps"), count(c.layers_rebuilt, "layer", "layers"), format::bytes(c.rebuilt_bytes)) }</dd>
            <dt><Term key_name="push" label="Push" /></dt>
            <dd data-testid={format!("{id}-push")} data-bytes={c.push_bytes.to_string()}>{ format::bytes(c.push_bytes) }</dd>
            <dt><Term key_name="pull" label="Pull" /></dt>
            <dd data-testid={format!("{id}-pull")} data-bytes={c.pull_bytes.to_string()}>{ format!("{} for a host with the previous image", format::bytes(c.pull_bytes)) }</dd>
            <dt>{ "Time" }</dt>
            <dd>{ time_text(c) }<span class="muted small">{ " — an estimate from the gaps between the history's timestamps" }</span></dd>
        </dl>
    }
}

fn saving(before: &Cost, after: &Cost) -> String {
    let push = before.push_bytes.saturating_sub(after.push_bytes);
    let layers = before.layers_rebuilt.saturating_sub(after.layers_rebuilt);
    let mut out = format!(
        "Saves {} to push and pull and {layers} rebuilt layer{}",
        format::bytes(push),
        if layers == 1 { "" } else { "s" }
    );
    if let (Some(b), Some(a)) = (before.seconds, after.seconds) {
        if b > a {
            out.push_str(&format!(", about {} of build time", seconds_text(b - a)));
        }
    }
    out.push_str(" on every such change.");
    out
}
