//! The comparison pane: the open image (A) against another file (B). Both
//! stacks side by side, the shared layers joined and the point where they
//! part marked; the pull plan as bars (each of B's layers: downloaded by a
//! host that holds A, or kept); the largest path differences; the history
//! and config differences; and the comparison as JSON (the same document as
//! `layerscope diff --json A B`).

use std::rc::Rc;

use layerscope_protocol::{ComparisonView, PullView};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::Dispatch;
use crate::format;
use crate::state::ComparePane;
use crate::state::{Action, Mode};
use crate::views::bar::bar;

#[derive(Properties, PartialEq)]
pub struct CompareProps {
    pub pane: ComparePane,
    /// A's file name.
    pub name: String,
    /// A file was chosen to compare with.
    pub on_pick: Callback<web_sys::File>,
    pub on_export: Callback<()>,
    /// Compare the filesystems after these layers of A and B (None: the last).
    pub on_layers: Callback<(Option<usize>, Option<usize>)>,
    pub dispatch: Dispatch,
}

#[function_component(ComparePanel)]
pub fn compare_panel(props: &CompareProps) -> Html {
    let input = use_node_ref();
    let onchange = {
        let input = input.clone();
        let on_pick = props.on_pick.clone();
        Callback::from(move |_| {
            if let Some(el) = input.cast::<HtmlInputElement>() {
                if let Some(file) = el.files().and_then(|f| f.get(0)) {
                    on_pick.emit(file);
                }
                el.set_value("");
            }
        })
    };
    let pane = &props.pane;
    html! {
        <section class="pane compare-pane" aria-labelledby="compare-h" data-testid="compare-panel">
            <div class="pane-head">
                <h2 id="compare-h">{ "Compare" }</h2>
                <label class="btn tiny file-pick">
                    { "Compare with…" }
                    <input type="file" class="visually-hidden" data-testid="compare-input" ref={input} {onchange}
                        aria-label="Choose an image archive to compare the open image with" />
                </label>
                if pane.view.is_some() {
                    <button type="button" class="btn tiny" data-testid="compare-show"
                        onclick={{ let d = props.dispatch.clone(); Callback::from(move |_| d.dispatch(Action::SetMode(Mode::Compare))) }}
                        title="Show every path that differs in the file tree, marked added, removed or modified">
                        { "Show in the tree" }
                    </button>
                    <button type="button" class="btn tiny" data-testid="export-compare" disabled={pane.exporting}
                        onclick={{ let e = props.on_export.clone(); Callback::from(move |_| e.emit(())) }}
                        title="Download the comparison as JSON (the same document as layerscope diff --json)">
                        { if pane.exporting { "Downloading…" } else { "Download JSON" } }
                    </button>
                }
            </div>
            if let Some(name) = &pane.running {
                <p class="muted" role="status" data-testid="compare-running">{ format!("Reading {name}…") }</p>
            } else if let Some(error) = &pane.error {
                <p class="error-text" role="alert" data-testid="compare-error">{ error }</p>
            } else if let Some(view) = &pane.view {
                { comparison(&props.name, view, pane.layers, &props.on_layers) }
            } else {
                <p class="hint">{ "Choose another image (yesterday's build, the old base, the fixed Dockerfile's image) to see which layers they share, what a host holding this one downloads to run the other, and every path that differs." }</p>
            }
        </section>
    }
}

/// A select of "the last layer" or one layer of `count`, for one side.
fn layer_select(
    label: &'static str,
    testid: &'static str,
    count: usize,
    chosen: Option<usize>,
    on_pick: Callback<Option<usize>>,
) -> Html {
    let onchange = Callback::from(move |e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        on_pick.emit(select.value().parse::<usize>().ok());
    });
    html! {
        <label class="field">
            <span>{ label }</span>
            <select data-testid={testid} {onchange} aria-label={label}>
                <option value="last" selected={chosen.is_none()}>{ "the last layer" }</option>
                { for (0..count).map(|k| html! {
                    <option value={k.to_string()} selected={chosen == Some(k)}>{ format!("layer {k}") }</option>
                }) }
            </select>
        </label>
    }
}

fn comparison(
    name_a: &str,
    c: &Rc<ComparisonView>,
    (layer_a, layer_b): (Option<usize>, Option<usize>),
    on_layers: &Callback<(Option<usize>, Option<usize>)>,
) -> Html {
    let (na, nb) = (c.a.len(), c.b.len());
    let levels = na.max(nb);
    let verdict = if c.identical {
        "The images are identical.".to_string()
    } else if c.shared_base == 0 {
        "The stacks part at the bottom: no layer in common there.".to_string()
    } else {
        format!(
            "The first {} the same; the stacks part at layer {}.",
            if c.shared_base == 1 {
                "layer is".to_string()
            } else {
                format!("{} layers are", c.shared_base)
            },
            c.shared_base
        )
    };
    let max_blob =
        c.b.iter()
            .chain(&c.a)
            .map(|l| l.blob_size)
            .max()
            .unwrap_or(1)
            .max(1) as f64;
    html! {
        <>
            <p class="compare-verdict" data-testid="compare-verdict" data-identical={c.identical.to_string()}
                data-layers={format!("{}:{}", c.layer_a.map_or("last".to_string(), |k| k.to_string()), c.layer_b.map_or("last".to_string(), |k| k.to_string()))}>
                <strong>{ "A " }</strong><span class="mono">{ name_a }</span>
                <strong>{ " · B " }</strong><span class="mono">{ &c.name }</span>
                { " — " }{ verdict }
            </p>
            <table class="compare-stacks" data-testid="compare-stacks">
                <caption class="visually-hidden">{ "The two stacks of layers, bottom first" }</caption>
                <thead><tr><th scope="col">{ "A" }</th><th scope="col">{ "" }</th><th scope="col">{ "B" }</th></tr></thead>
                <tbody>
                    { for (0..levels).rev().map(|i| {
                        let (la, lb) = (c.a.get(i), c.b.get(i));
                        let same = matches!((la, lb), (Some(x), Some(_)) if x.same_files_as == Some(i));
                        let blob = same && matches!(la, Some(x) if x.same_blob_as == Some(i));
                        let cell = |l: Option<&layerscope_protocol::CompareLayer>| match l {
                            Some(l) => html! { <td class="mono">{ format!("layer {} · {}", l.layer, format::bytes(l.tar_size)) }</td> },
                            None => html! { <td class="muted">{ "—" }</td> },
                        };
                        let mark = match (same, blob) {
                            (true, true) => ("=", "the same files, the same blob"),
                            (true, false) => ("≈", "the same files in another blob (compressed otherwise)"),
                            _ => ("≠", "other files"),
                        };
                        html! {
                            <tr class={classes!("compare-row", same.then_some("shared"), (i == c.shared_base && !c.identical).then_some("part"))}
                                data-testid="compare-row" data-level={i.to_string()} data-same={same.to_string()}>
                                { cell(la) }
                                <td class="compare-mark" title={mark.1}><span aria-hidden="true">{ mark.0 }</span><span class="visually-hidden">{ mark.1 }</span></td>
                                { cell(lb) }
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            <h3 class="sub">{ "Pull plan" }</h3>
            { pull("a host that holds A pulls B", "pull-b", &c.pull_b, &c.b, max_blob) }
            { pull("a host that holds B pulls A", "pull-a", &c.pull_a, &c.a, max_blob) }
            <h3 class="sub">{ "Paths" }</h3>
            <div class="tools compare-layers">
                { layer_select("A after", "compare-layer-a", c.a.len(), layer_a, {
                    let on = on_layers.clone();
                    Callback::from(move |k| on.emit((k, layer_b)))
                }) }
                { layer_select("B after", "compare-layer-b", c.b.len(), layer_b, {
                    let on = on_layers.clone();
                    Callback::from(move |k| on.emit((layer_a, k)))
                }) }
            </div>
            <p data-testid="compare-paths-count">
                { format!("{} added, {} removed, {} modified; files {} → {}", c.added, c.removed, c.modified, format::bytes(c.bytes_a), format::bytes(c.bytes_b)) }
            </p>
            if !c.paths.is_empty() {
                <ul class="compare-paths">
                    { for c.paths.iter().map(|p| {
                        let (mark, class) = match p.change.as_str() {
                            "added" => ("+", "added"),
                            "removed" => ("−", "removed"),
                            _ => ("~", "modified"),
                        };
                        html! {
                            <li class={classes!("compare-path", class)} data-testid="compare-path" data-change={p.change.clone()} data-path={p.path.clone()}>
                                <span class="mark" aria-hidden="true">{ mark }</span>
                                <span class="visually-hidden">{ format!("{}: ", p.change) }</span>
                                <span class="mono">{ &p.path }</span>
                                <span class="muted">{ format!(" {} → {}", format::bytes(p.size_a), format::bytes(p.size_b)) }</span>
                                if !p.fields.is_empty() { <span class="muted">{ format!(" ({})", p.fields.join(", ")) }</span> }
                            </li>
                        }
                    }) }
                </ul>
            }
            <h3 class="sub">{ "History" }</h3>
            if c.steps.iter().all(|s| s.kind == "same") {
                <p class="muted">{ format!("The same {} steps.", c.steps.len()) }</p>
            } else {
                <table class="compare-history" data-testid="compare-history">
                    <thead><tr><th scope="col">{ "" }</th><th scope="col">{ "A" }</th><th scope="col">{ "B" }</th></tr></thead>
                    <tbody>
                        { for c.steps.iter().map(|s| html! {
                            <tr class={classes!("step", s.kind.clone())} data-testid="compare-step" data-kind={s.kind.clone()}>
                                <td>{ &s.kind }</td>
                                <td class="mono wrap">{ s.line_a.clone().unwrap_or_default() }</td>
                                <td class="mono wrap">{ s.line_b.clone().unwrap_or_default() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            <h3 class="sub">{ "Config" }</h3>
            if c.config.is_empty() {
                <p class="muted">{ "The same: environment, entrypoint, command, user, working directory, labels and ports." }</p>
            } else {
                <table class="compare-config" data-testid="compare-config">
                    <thead><tr><th scope="col">{ "Setting" }</th><th scope="col">{ "A" }</th><th scope="col">{ "B" }</th></tr></thead>
                    <tbody>
                        { for c.config.iter().map(|k| html! {
                            <tr><td class="mono">{ &k.key }</td><td class="mono wrap">{ k.a.clone().unwrap_or_else(|| "(unset)".into()) }</td><td class="mono wrap">{ k.b.clone().unwrap_or_else(|| "(unset)".into()) }</td></tr>
                        }) }
                    </tbody>
                </table>
            }
        </>
    }
}

/// One pull plan: a bar per layer of the pulled image (its blob's size),
/// downloaded or kept, and the totals.
fn pull(
    what: &str,
    id: &'static str,
    plan: &PullView,
    layers: &[layerscope_protocol::CompareLayer],
    max_blob: f64,
) -> Html {
    html! {
        <div class="pull" data-testid={id} data-download={plan.download_bytes.to_string()} data-kept={plan.kept_bytes.to_string()}>
            <p>
                { format!("{what}: downloads {} ({} of {} layers), keeps {}", format::bytes(plan.download_bytes),
                    plan.download.iter().filter(|d| **d).count(), plan.download.len(), format::bytes(plan.kept_bytes)) }
            </p>
            <ul class="pull-bars">
                { for layers.iter().zip(&plan.download).map(|(l, down)| html! {
                    <li class={classes!("pull-layer", if *down { "download" } else { "kept" })}
                        title={format!("layer {}: {} {}", l.layer, format::bytes(l.blob_size), if *down { "downloaded" } else { "already held" })}>
                        <span class="pull-label">{ format!("{} {}", l.layer, if *down { "↓" } else { "✓" }) }</span>
                        { bar(l.blob_size as f64 / max_blob, if *down { "bar-download" } else { "bar-kept" }) }
                    </li>
                }) }
            </ul>
        </div>
    }
}
