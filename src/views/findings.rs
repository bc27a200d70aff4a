//! Findings: what a careful reviewer would flag in the image (the engine's
//! `findings`, the same rows as `layerscope inspect --json`), each with its
//! severity (a word, a shape and a colour), title, layer, first paths,
//! bytes at stake and fix. A path selects the finding's layer and tells the
//! path's story; checkboxes choose the severities shown. Everything from
//! the image (titles, paths) is text, never markup.

use std::rc::Rc;

use layerscope_protocol::{human, FindingRow, Severity, Summary};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::Dispatch;
use crate::selection::step_of_layer;
use crate::state::findings::{label, paths, symbol};
use crate::state::{Action, FindingsPane};

#[derive(Properties, PartialEq)]
pub struct FindingsProps {
    pub pane: FindingsPane,
    pub summary: Rc<Summary>,
    pub dispatch: Dispatch,
}

fn severity_badge(severity: Severity) -> Html {
    html! {
        <span class={classes!("sev", format!("sev-{}", severity.name()))}>
            <span class="sev-sym" aria-hidden="true">{ symbol(severity) }</span>
            { label(severity) }
        </span>
    }
}

#[function_component(FindingsPanel)]
pub fn findings_panel(props: &FindingsProps) -> Html {
    let pane = &props.pane;
    let filter = html! {
        <fieldset class="findings-filter" data-testid="findings-filter">
            <legend>{ "Severities shown" }</legend>
            { for Severity::ALL.iter().map(|&severity| {
                let onchange = {
                    let dispatch = props.dispatch.clone();
                    Callback::from(move |e: Event| {
                        let input: HtmlInputElement = e.target_unchecked_into();
                        dispatch.dispatch(Action::ShowSeverity(severity, input.checked()));
                    })
                };
                html! {
                    <label class={classes!("findings-toggle", format!("sev-{}", severity.name()))}>
                        <input type="checkbox" checked={pane.shows(severity)} {onchange}
                            data-testid={format!("findings-filter-{}", severity.name())} />
                        <span class="sev-sym" aria-hidden="true">{ symbol(severity) }</span>
                        { format!("{} ({})", label(severity), pane.count(severity)) }
                    </label>
                }
            }) }
        </fieldset>
    };
    let body = match &pane.rows {
        None => {
            html! { <p class="muted" data-testid="findings-loading">{ "Reviewing the image…" }</p> }
        }
        Some(rows) if rows.is_empty() => html! {
            <p class="muted" data-testid="findings-empty">{ "No findings" }</p>
        },
        Some(rows) => {
            let shown = pane.shown();
            if shown.is_empty() {
                html! {
                    <p class="muted" data-testid="findings-all-hidden">
                        { format!("No findings of the severities chosen ({} hidden).", rows.len()) }
                    </p>
                }
            } else {
                html! {
                    <ol class="findings-list" data-testid="findings-list">
                        { for shown.into_iter().map(|row| finding(row, &props.summary, &props.dispatch)) }
                    </ol>
                }
            }
        }
    };
    html! {
        <section class="pane findings" data-testid="findings-panel" aria-labelledby="findings-h">
            <h2 id="findings-h">{ "Findings" }</h2>
            <p class="hint">{ "What a careful reviewer would flag in this image, most severe first (the findings of layerscope inspect --json)." }</p>
            if pane.rows.as_ref().is_some_and(|r| !r.is_empty()) { { filter } }
            { body }
        </section>
    }
}

fn finding(row: &FindingRow, summary: &Summary, dispatch: &Dispatch) -> Html {
    let step = row.layer.and_then(|l| step_of_layer(&summary.steps, l));
    let (first, more) = paths(row);
    let select_layer = step.map(|index| {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            dispatch.dispatch(Action::SelectStep {
                index,
                extend: false,
            })
        })
    });
    // The id, the layer (a button that selects it), the bytes at stake.
    let mut meta = vec![html! { <span class="finding-id mono">{ &row.id }</span> }];
    match (row.layer, select_layer) {
        (Some(layer), Some(onclick)) => meta.push(html! {
            <button type="button" class="link" data-testid="finding-layer" {onclick}
                title="Select this layer in the layer stack">
                { format!("layer {layer}") }
            </button>
        }),
        (Some(layer), None) => meta.push(html! { <span>{ format!("layer {layer}") }</span> }),
        (None, _) => {}
    }
    if row.bytes > 0 {
        meta.push(html! {
            <span class="finding-bytes" title={format!("{} bytes", row.bytes)}>{ human::bytes(row.bytes) }</span>
        });
    }
    html! {
        <li class={classes!("finding", format!("sev-{}", row.severity.name()))} data-testid="finding"
            data-id={row.id.clone()} data-severity={row.severity.name()}
            data-layer={row.layer.map(|l| l.to_string()).unwrap_or_default()}
            data-bytes={row.bytes.to_string()}
            data-path={row.paths.first().cloned().unwrap_or_default()}
            data-more={more.to_string()}>
            <div class="finding-head">
                { severity_badge(row.severity) }
                <span class="finding-title">{ &row.title }</span>
            </div>
            <div class="finding-meta">
                { for meta.into_iter().enumerate().map(|(i, part)| html! {
                    <>
                        if i > 0 { <span class="finding-sep" aria-hidden="true">{ " · " }</span> }
                        { part }
                    </>
                }) }
            </div>
            if !first.is_empty() {
                <ul class="finding-paths">
                    { for first.iter().map(|path| {
                        let onclick = {
                            let dispatch = dispatch.clone();
                            let path = path.clone();
                            Callback::from(move |_: MouseEvent| {
                                if let Some(index) = step {
                                    dispatch.dispatch(Action::SelectStep { index, extend: false });
                                }
                                dispatch.dispatch(Action::SelectPath(path.clone()));
                            })
                        };
                        html! {
                            <li>
                                <button type="button" class="link mono" data-testid="finding-path" data-path={path.clone()} {onclick}
                                    title={match row.layer {
                                        Some(l) => format!("Select layer {l} and show this path's story"),
                                        None => "Select this path in the tree and show its story".to_string(),
                                    }}>
                                    { path }
                                </button>
                            </li>
                        }
                    }) }
                    if more > 0 {
                        <li class="muted">{ format!("and {more} more") }</li>
                    }
                </ul>
            }
            <p class="finding-fix"><span class="finding-fix-label">{ "Fix: " }</span>{ &row.fix }</p>
        </li>
    }
}
