//! What image this is: file, format, reference, platform (a select for
//! multi-platform indexes, which opens the image again for that platform),
//! config digest, sizes, and the diagnostics the engine noted.

use std::rc::Rc;

use layerscope_protocol::Summary;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::views::term::Term;

use crate::client::Reopen;
use crate::format;

#[derive(Properties, PartialEq)]
pub struct ImageProps {
    pub summary: Rc<Summary>,
    pub on_reopen: Callback<Reopen>,
}

#[function_component(ImageInfo)]
pub fn image_info(props: &ImageProps) -> Html {
    let s = &props.summary;
    let layers = s.steps.iter().filter(|st| st.layer.is_some()).count();
    let stored: u64 = s.steps.iter().map(|st| st.blob_size).sum();
    let content: u64 = s.steps.iter().map(|st| st.size).sum();
    let onchange = {
        let on_reopen = props.on_reopen.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            on_reopen.emit(Reopen::Platform(select.value()));
        })
    };
    let on_image = {
        let on_reopen = props.on_reopen.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            on_reopen.emit(Reopen::Image(select.value()));
        })
    };
    let platform = if s.platforms.len() > 1 {
        html! {
            <select class="platform" data-testid="platform-select" aria-label="Platform" {onchange}>
                { for s.platforms.iter().map(|p| html! {
                    <option value={p.clone()} selected={Some(p) == s.platform.as_ref()}>{ p }</option>
                }) }
            </select>
        }
    } else {
        html! { <span>{ s.platform.clone().unwrap_or_else(|| "—".into()) }</span> }
    };
    html! {
        <section class="pane image-info" aria-labelledby="image-h">
            <h2 id="image-h"><Term key_name="image" label="Image" /></h2>
            <dl class="facts">
                <dt>{ "File" }</dt><dd class="mono wrap">{ &s.file_name }</dd>
                if let Some(r) = &s.reference { <dt>{ "Reference" }</dt><dd class="mono wrap">{ r }</dd> }
                <dt>{ "Format" }</dt><dd>{ &s.format }</dd>
                <dt>{ "Platform" }</dt><dd>{ platform }</dd>
                <dt>{ "Layers" }</dt>
                <dd>{ format!("{layers} layers, {} build steps", s.steps.len()) }</dd>
                <dt>{ "Size" }</dt>
                <dd title={format!("{content} bytes of content, {stored} bytes stored")}>
                    { format!("{} content · {} stored", format::bytes(content), format::bytes(stored)) }
                </dd>
                <dt>{ "Files" }</dt><dd>{ format!("{} paths in the final filesystem", s.files) }</dd>
                if let Some(c) = &s.created { <dt>{ "Created" }</dt><dd>{ format::created(c) }</dd> }
                if let Some(d) = &s.config_digest {
                    <dt><Term key_name="config" label="Config" /></dt><dd class="mono wrap" title={d.clone()}>{ d }</dd>
                }
                if s.images.len() > 1 {
                    <dt>{ "Image" }</dt>
                    <dd>
                        <select class="image-choice" data-testid="image-select" aria-label="Image in this archive" onchange={on_image}>
                            { for s.images.iter().enumerate().map(|(i, name)| html! {
                                // By index: an untagged image has no name to ask for.
                                <option value={i.to_string()} selected={Some(name) == s.reference.as_ref()}>{ name }</option>
                            }) }
                        </select>
                        <span class="muted">{ format!(" {} images in this archive", s.images.len()) }</span>
                    </dd>
                }
            </dl>
            if !s.diagnostics.is_empty() {
                <details class="diagnostics" open={s.diagnostics.iter().any(|d| d.severity != "info")}>
                    <summary>{ format!("{} note{} from the analysis", s.diagnostics.len(), if s.diagnostics.len() == 1 { "" } else { "s" }) }</summary>
                    <ul>
                        { for s.diagnostics.iter().map(|d| html! {
                            <li class={classes!("note", d.severity.clone())}>
                                <span class="note-sev">{ &d.severity }</span>
                                if let Some(l) = d.layer { <span class="note-where">{ format!("layer {l}") }</span> }
                                if let Some(p) = &d.path { <span class="note-where mono">{ p }</span> }
                                <span class="note-msg">{ &d.message }</span>
                            </li>
                        }) }
                    </ul>
                </details>
            }
        </section>
    }
}
