//! The layer stack: every build step, empty-layer steps in place, as a bar
//! sized by its bytes (content, and as stored) with its command. A click
//! selects a step, shift-click (or shift+arrows) a range; the tree follows.

use std::rc::Rc;

use layerscope_protocol::{PackagesView, Summary};
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;
use yew::prelude::*;

use crate::views::term::Term;

use crate::app::Dispatch;
use crate::format;
use crate::selection::Selection;
use crate::state::Action;
use crate::views::bar::{bar, bar_with_waste};
use crate::views::history::CopyButton;

#[derive(Properties, PartialEq)]
pub struct LayerStackProps {
    pub summary: Rc<Summary>,
    /// What each layer did to the packages, once the worker told.
    #[prop_or_default]
    pub packages: Option<Rc<PackagesView>>,
    pub selection: Selection,
    pub dispatch: Dispatch,
}

#[function_component(LayerStack)]
pub fn layer_stack(props: &LayerStackProps) -> Html {
    let list_ref = use_node_ref();
    let steps = &props.summary.steps;
    let max = steps
        .iter()
        .map(|s| s.size.max(s.blob_size))
        .max()
        .unwrap_or(0)
        .max(1) as f64;

    // Keep the focused step in view when the keyboard moves it.
    {
        let list_ref = list_ref.clone();
        use_effect_with(props.selection.focus, move |focus| {
            if let Some(list) = list_ref.cast::<web_sys::HtmlElement>() {
                let list: &web_sys::Element = &list;
                let focused = crate::browser::document()
                    .active_element()
                    .is_some_and(|a| &a == list);
                if focused {
                    if let Ok(Some(item)) = list.query_selector(&format!("#step-{focus}")) {
                        item.unchecked_ref::<web_sys::Element>()
                            .scroll_into_view_with_bool(false);
                    }
                }
            }
        });
    }

    let onkeydown = {
        let dispatch = props.dispatch.clone();
        let len = steps.len() as isize;
        Callback::from(move |e: KeyboardEvent| {
            let extend = e.shift_key();
            let delta = match e.key().as_str() {
                "ArrowDown" | "j" | "J" => 1,
                "ArrowUp" | "k" | "K" => -1,
                "PageDown" => 5,
                "PageUp" => -5,
                "Home" => -len,
                "End" => len,
                _ => return,
            };
            e.prevent_default();
            dispatch.dispatch(Action::MoveStep { delta, extend });
        })
    };

    let (lo, hi) = props.selection.bounds();
    let caption = if props.selection.is_range() {
        format!(
            "steps {}–{} selected: the tree shows what they changed together",
            format::step(lo),
            format::step(hi)
        )
    } else {
        "click a step; shift-click or shift+↑↓ selects a range".to_string()
    };

    html! {
        <section class="pane layers" aria-labelledby="layers-h" data-tour="layers">
            <h2 id="layers-h"><Term key_name="layer" label="Layers" /></h2>
            <p class="hint" id="layers-hint">{ caption }</p>
            <div class="layer-legend">
                <span class="key size"><Term key_name="uncompressed-size" label="content" /></span>
                <span class="key blob"><Term key_name="compressed-size" label="stored (compressed)" /></span>
                <span class="key waste"><Term key_name="exact-waste" label="of it wasted" /></span>
                <span class="key-empty"><Term key_name="empty-layer" label="0 B: an empty layer" /></span>
            </div>
            <div class="layer-stack" role="listbox" data-testid="layer-stack" tabindex="0" ref={list_ref}
                aria-labelledby="layers-h" aria-describedby="layers-hint" aria-multiselectable="true"
                aria-activedescendant={format!("step-{}", props.selection.focus)} {onkeydown}>
                { for steps.iter().enumerate().map(|(i, step)| {
                    let selected = props.selection.contains(i);
                    let onclick = {
                        let dispatch = props.dispatch.clone();
                        Callback::from(move |e: MouseEvent| {
                            dispatch.dispatch(Action::SelectStep { index: i, extend: e.shift_key() })
                        })
                    };
                    let command = step.created_by.clone().unwrap_or_default();
                    let short = format::short_command(&command);
                    let label = match step.layer {
                        Some(l) => format!("L{l}"),
                        None => "·".to_string(),
                    };
                    // Still being read: only what the manifest says (its stored size).
                    let unread = step.layer.is_some_and(|l| !props.summary.is_read(l));
                    html! {
                        <div role="option" id={format!("step-{i}")} data-testid="layer-item"
                            data-layer={step.layer.map(|l| l.to_string()).unwrap_or_default()}
                            data-index={i.to_string()} aria-selected={selected.to_string()}
                            class={classes!("layer-item", selected.then_some("selected"), (i == props.selection.focus).then_some("focus"), step.layer.is_none().then_some("empty"), unread.then_some("unread"))}
                            data-read={(!unread).to_string()}
                            {onclick} title={format!("{command}\n{} of content, {} stored (compressed){}", format::bytes(step.size), format::bytes(step.blob_size),
                                if step.wasted_bytes > 0 { format!(", {} of it wasted (nobody sees it)", format::bytes(step.wasted_bytes)) } else { String::new() })}>
                            <span class="li-num" aria-label={match step.layer { Some(l) => format!("layer {l}"), None => "empty step".into() }}>{ label }</span>
                            <span class="li-cmd">{ if short.is_empty() { "(no command recorded)".to_string() } else { short } }</span>
                            if unread {
                                <span class="li-size reading" data-testid="layer-reading">{ "reading…" }</span>
                            } else {
                                <span class="li-size">{ format::bytes(step.size) }</span>
                            }
                            <span class="li-bars">
                                { bar_with_waste(step.size as f64 / max, step.wasted_bytes as f64 / max, "size") }
                                { bar(step.blob_size as f64 / max, "blob") }
                            </span>
                            if let Some(line) = step.layer.and_then(|l| props.packages.as_ref()?.layers.get(l)?.line.clone()) {
                                <span class="li-packages" data-testid="layer-packages">{ line }</span>
                            }
                            if step.layer.is_some() && !unread {
                                <span class="li-changes" aria-label={format!("{} added, {} modified, {} removed", step.added, step.modified, step.removed)}>
                                    <span class="added">{ format!("+{}", step.added) }</span>
                                    <span class="modified">{ format!("~{}", step.modified) }</span>
                                    <span class="removed">{ format!("−{}", step.removed) }</span>
                                </span>
                            }
                        </div>
                    }
                }) }
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct LayerDetailsProps {
    pub summary: Rc<Summary>,
    pub selection: Selection,
}

/// The focused step in full, as dive's "Layer details": command, digests
/// with copy buttons, sizes, what it changed; and the range, if one is selected.
#[function_component(LayerDetails)]
pub fn layer_details(props: &LayerDetailsProps) -> Html {
    let (summary, selection) = (&*props.summary, props.selection);
    let Some(step) = summary.steps.get(selection.focus) else {
        return html! {};
    };
    let (lo, hi) = selection.bounds();
    let range = selection.is_range().then(|| {
        let steps = &summary.steps[lo..=hi];
        let layers = steps.iter().filter(|s| s.layer.is_some()).count();
        let size: u64 = steps.iter().map(|s| s.size).sum();
        format!(
            "Steps {}–{} selected: {}, {} of content together.",
            format::step(lo),
            format::step(hi),
            layerscope_protocol::human::count(layers, "layer", "layers"),
            format::bytes(size)
        )
    });
    let title = match step.layer {
        Some(l) => format!("Step {} · layer {l}", format::step(selection.focus)),
        None => format!("Step {} · empty layer", format::step(selection.focus)),
    };
    let unread = step.layer.is_some_and(|l| !summary.is_read(l));
    html! {
        <section class="pane layer-details" aria-label="Selected layer details">
            if let Some(range) = range { <p class="range-note">{ range }</p> }
            <h3>{ title }</h3>
            <dl class="facts">
                <dt>{ "Command" }</dt>
                <dd class="mono wrap">{ step.created_by.clone().unwrap_or_else(|| "—".into()) }</dd>
                if let Some(c) = &step.created { <dt>{ "Created" }</dt><dd>{ format::created(c) }</dd> }
                if let Some(c) = &step.comment { <dt>{ "Comment" }</dt><dd class="wrap">{ c }</dd> }
                if unread {
                    <dt>{ "Size" }</dt>
                    <dd data-testid="details-reading">{ format!("{} stored · still being read: its content, changes and waste show when it is", format::bytes(step.blob_size)) }</dd>
                } else if step.layer.is_some() {
                    <dt>{ "Size" }</dt>
                    <dd>{ format!("{} content · {} stored · {} as tar", format::bytes(step.size), format::bytes(step.blob_size), format::bytes(step.tar_size)) }</dd>
                    <dt>{ "Changes" }</dt>
                    <dd>
                        <span class="added">{ format!("+{} added", step.added) }</span>{ " · " }
                        <span class="modified">{ format!("~{} modified", step.modified) }</span>{ " · " }
                        <span class="removed">{ format!("−{} removed", step.removed) }</span>
                        if step.wasted_bytes > 0 { { format!(" · {} of it wasted", format::bytes(step.wasted_bytes)) } }
                    </dd>
                    if let Some(c) = &step.compression { <dt>{ "Compression" }</dt><dd>{ c }</dd> }
                }
                if let Some(d) = &step.digest {
                    <dt><Term key_name="digest" label="Digest" /></dt>
                    <dd class="digest-cell">
                        <code class="digest-text">{ d }</code>
                        { verified(step.digest_verified) }
                        <CopyButton text={d.clone()} testid="copy-digest" label={format!("Copy the digest of step {}", format::step(selection.focus))} />
                    </dd>
                }
                if let Some(d) = &step.diff_id {
                    <dt><Term key_name="diff-id" label="Diff ID" /></dt>
                    <dd class="digest-cell">
                        <code class="digest-text">{ d }</code>
                        { verified(step.diff_id_verified) }
                        <CopyButton text={d.clone()} testid="copy-diff-id" label={format!("Copy the diff_id of step {}", format::step(selection.focus))} />
                    </dd>
                }
            </dl>
        </section>
    }
}

fn verified(v: Option<bool>) -> Html {
    match v {
        Some(true) => {
            html! { <span class="verified" title="verified against the bytes">{ "✓" }</span> }
        }
        Some(false) => {
            html! { <span class="mismatch" title="does NOT match the bytes">{ "✗ mismatch" }</span> }
        }
        None => html! {},
    }
}
