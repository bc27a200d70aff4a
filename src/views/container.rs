//! The copy-on-write playground: a writable container layer on top of the
//! image. Editing a file of the image copies it up whole first, deleting one
//! puts a whiteout in the container layer, creating one adds it there; the
//! tree's "running container" view, the path's story and the layer's size
//! follow. The worker keeps the layer; this pane sends the operations.

use std::rc::Rc;

use layerscope_protocol::{ContainerOp, ContainerView, Request};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::Dispatch;
use crate::client::Client;
use crate::format;
use crate::state::{Action, Mode};
use crate::views::term::Term;

#[derive(Properties, PartialEq)]
pub struct ContainerProps {
    pub container: Option<Rc<ContainerView>>,
    pub selected_path: Option<String>,
    pub mode: Mode,
    pub client: std::rc::Rc<Client>,
    pub dispatch: Dispatch,
}

#[function_component(ContainerPanel)]
pub fn container_panel(props: &ContainerProps) -> Html {
    let new_path = use_state(String::new);
    let new_size = use_state(|| "4096".to_string());
    let send = {
        let client = props.client.clone();
        move |op: ContainerOp| client.send(&Request::Container(op))
    };
    let selected = props.selected_path.clone();
    let on_edit = {
        let send = send.clone();
        let selected = selected.clone();
        Callback::from(move |_| {
            if let Some(path) = &selected {
                send(ContainerOp::Edit { path: path.clone() });
            }
        })
    };
    let on_delete = {
        let send = send.clone();
        let selected = selected.clone();
        Callback::from(move |_| {
            if let Some(path) = &selected {
                send(ContainerOp::Delete { path: path.clone() });
            }
        })
    };
    let on_create = {
        let send = send.clone();
        let new_path = new_path.clone();
        let new_size = new_size.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let size = new_size.trim().parse::<u64>().unwrap_or(0);
            send(ContainerOp::Create {
                path: (*new_path).clone(),
                size,
            });
        })
    };
    let on_reset = {
        let send = send.clone();
        Callback::from(move |_| send(ContainerOp::Reset))
    };
    let show = {
        let d = props.dispatch.clone();
        Callback::from(move |_| d.dispatch(Action::SetMode(Mode::Container)))
    };
    let on_path = {
        let new_path = new_path.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            new_path.set(i.value());
        })
    };
    let on_size = {
        let new_size = new_size.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            new_size.set(i.value());
        })
    };
    let size = props.container.as_ref().map_or(0, |c| c.size);
    let entries = props
        .container
        .as_ref()
        .map(|c| c.entries.clone())
        .unwrap_or_default();

    html! {
        <section class="pane container-pane" aria-labelledby="container-h" data-testid="container-panel" data-tour="container">
            <div class="pane-head">
                <h2 id="container-h"><Term key_name="container-layer" label="Container layer" /></h2>
                <span class="count" data-testid="container-size" data-bytes={size.to_string()}>{ format::bytes(size) }</span>
            </div>
            <p class="hint">
                { "A running container writes to a thin layer of its own on top of the image (" }
                <Term key_name="copy-on-write" label="copy-on-write" />
                { "). Try it on the path selected in the tree: a write first " }
                <Term key_name="copy-up" label="copies the whole file up" />
                { "; a delete leaves a " }<Term key_name="whiteout" label="whiteout" />{ "." }
            </p>
            <div class="cow-actions">
                <span class="mono cow-target">{ selected.clone().unwrap_or_else(|| "(select a path in the tree)".into()) }</span>
                <button type="button" class="btn" data-testid="cow-edit" disabled={selected.is_none()} onclick={on_edit}>{ "Write to it" }</button>
                <button type="button" class="btn" data-testid="cow-delete" disabled={selected.is_none()} onclick={on_delete}>{ "Delete it" }</button>
            </div>
            <form class="cow-create" onsubmit={on_create}>
                <label class="field grow">
                    <span>{ "New file" }</span>
                    <input type="text" class="mono" data-testid="cow-new-path" placeholder="/tmp/new.log" value={(*new_path).clone()} oninput={on_path} aria-label="Path of the new file" />
                </label>
                <label class="field">
                    <span>{ "Bytes" }</span>
                    <input type="number" min="0" data-testid="cow-new-size" value={(*new_size).clone()} oninput={on_size} aria-label="Size of the new file in bytes" />
                </label>
                <button type="submit" class="btn" data-testid="cow-create">{ "Create" }</button>
            </form>
            if let Some(c) = &props.container {
                <p class={classes!("cow-message", c.error.then_some("error-text"))} role="status" data-testid="cow-message">{ &c.message }</p>
            }
            if !entries.is_empty() {
                <ul class="cow-entries" data-testid="cow-entries">
                    { for entries.iter().map(|e| html! {
                        <li data-testid="cow-entry" data-what={e.what.clone()}>
                            <span class="mono">{ &e.path }</span>
                            <span class="muted">{ match e.what.as_str() { "copied_up" => "copied up", "whiteout" => "whiteout", _ => "created" } }</span>
                            <span>{ format::bytes(e.size) }</span>
                        </li>
                    }) }
                </ul>
            }
            <div class="cow-footer">
                <button type="button" class="btn" data-testid="cow-show" onclick={show} aria-pressed={(props.mode == Mode::Container).to_string()}>{ "Show what the container sees" }</button>
                <button type="button" class="btn ghost" data-testid="cow-reset" onclick={on_reset}>{ "Reset" }</button>
            </div>
        </section>
    }
}
