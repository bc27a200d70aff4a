//! The build history as `docker history --no-trunc` prints it (oldest first,
//! like the layer stack): created, created by, size, comment, and the
//! layer's digest and diff_id, each with a copy button.

use std::rc::Rc;

use layerscope_protocol::Summary;
use yew::prelude::*;

use crate::views::term::Term;

use crate::app::Dispatch;
use crate::browser;
use crate::format;
use crate::selection::Selection;
use crate::state::Action;

#[derive(Properties, PartialEq)]
pub struct HistoryProps {
    pub summary: Rc<Summary>,
    pub selection: Selection,
    pub dispatch: Dispatch,
}

#[function_component(History)]
pub fn history(props: &HistoryProps) -> Html {
    html! {
        <section class="pane history" aria-labelledby="history-h">
            <h2 id="history-h"><Term key_name="history" label="History" /></h2>
            <div class="table-scroll">
                <table class="history-table" data-testid="history-table" aria-labelledby="history-h">
                    <thead>
                        <tr>
                            <th scope="col">{ "Step" }</th>
                            <th scope="col">{ "Created" }</th>
                            <th scope="col">{ "Created by" }</th>
                            <th scope="col" class="num">{ "Size" }</th>
                            <th scope="col">{ "Comment" }</th>
                            <th scope="col"><Term key_name="digest" label="Digest" />{ " (as stored)" }</th>
                            <th scope="col"><Term key_name="diff-id" label="Diff ID" />{ " (uncompressed)" }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for props.summary.steps.iter().enumerate().map(|(i, step)| {
                            let selected = props.selection.contains(i);
                            let onclick = {
                                let dispatch = props.dispatch.clone();
                                Callback::from(move |e: MouseEvent| dispatch.dispatch(Action::SelectStep { index: i, extend: e.shift_key() }))
                            };
                            let unread = step.layer.is_some_and(|l| !props.summary.is_read(l));
                            html! {
                                <tr data-testid="history-row" data-index={i.to_string()}
                                    data-layer={step.layer.map(|l| l.to_string()).unwrap_or_default()}
                                    class={classes!(selected.then_some("selected"), step.layer.is_none().then_some("empty"))}
                                    aria-selected={selected.to_string()}>
                                    <th scope="row" class="step-cell">
                                        <button type="button" class="link" {onclick} title="Select this step in the layer stack">
                                            { match step.layer { Some(l) => format!("{} · L{l}", format::step(i)), None => format::step(i).to_string() } }
                                        </button>
                                    </th>
                                    <td class="nowrap" data-label="Created">{ step.created.as_deref().map(format::created).unwrap_or_default() }</td>
                                    <td class="mono wrap cmd" data-label="Created by">{ step.created_by.clone().unwrap_or_default() }</td>
                                    if unread {
                                        <td class="num nowrap reading" data-label="Size">{ "reading…" }</td>
                                    } else {
                                        <td class="num nowrap" data-label="Size" title={format!("{} bytes", step.size)}>{ format::bytes(step.size) }</td>
                                    }
                                    <td class="wrap" data-label="Comment">{ step.comment.clone().unwrap_or_default() }</td>
                                    <td class="digest" data-label="Digest">
                                        { digest_cell(step.digest.as_deref(), step.digest_verified, "copy-digest", "digest", i) }
                                    </td>
                                    <td class="digest" data-label="Diff ID">
                                        { digest_cell(step.diff_id.as_deref(), step.diff_id_verified, "copy-diff-id", "diff_id", i) }
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        </section>
    }
}

fn digest_cell(
    value: Option<&str>,
    verified: Option<bool>,
    testid: &'static str,
    what: &'static str,
    step: usize,
) -> Html {
    let Some(value) = value else {
        return html! { <span class="muted">{ "—" }</span> };
    };
    let check = match verified {
        Some(true) => {
            html! { <span class="verified" title={format!("{what} verified against the bytes")}>{ "✓" }</span> }
        }
        Some(false) => {
            html! { <span class="mismatch" title={format!("{what} does NOT match the bytes")}>{ "✗ mismatch" }</span> }
        }
        None => html! {},
    };
    html! {
        <span class="digest-cell">
            <code class="digest-text">{ value }</code>
            { check }
            <CopyButton text={value.to_string()} testid={testid} label={format!("Copy the {what} of step {}", format::step(step))} />
        </span>
    }
}

#[derive(Properties, PartialEq)]
pub struct CopyProps {
    pub text: String,
    pub testid: &'static str,
    pub label: String,
}

/// A copy-to-clipboard button that says "copied" for a moment.
#[function_component(CopyButton)]
pub fn copy_button(props: &CopyProps) -> Html {
    let state = use_state(|| None::<bool>);
    let onclick = {
        let text = props.text.clone();
        let state = state.clone();
        Callback::from(move |_| {
            let text = text.clone();
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let ok = browser::copy_text(&text).await.is_ok();
                state.set(Some(ok));
                let state = state.clone();
                gloo_timers::callback::Timeout::new(1500, move || state.set(None)).forget();
            });
        })
    };
    let shown = match *state {
        Some(true) => "Copied",
        Some(false) => "Copy failed",
        None => "Copy",
    };
    html! {
        <button type="button" class="btn tiny copy" data-testid={props.testid} aria-label={props.label.clone()} title={props.label.clone()} {onclick}>
            { shown }
        </button>
    }
}
