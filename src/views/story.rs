//! A path's story: every layer that wrote, changed or deleted it, and which
//! copy a container sees — a read falls through the layers from the top and
//! stops at the first one that has the path (or a whiteout for it). With
//! another image compared, the same path's story in it follows.

use layerscope_protocol::{Event, SimChange, Story};
use yew::prelude::*;

use crate::app::Dispatch;
use crate::browser;
use crate::format;
use crate::state::{Action, StoryState};
use crate::views::term::Term;

#[derive(Properties, PartialEq)]
pub struct StoryProps {
    pub story: Option<StoryState>,
    /// Filesystem layers in the image.
    pub layers: usize,
    pub dispatch: Dispatch,
}

#[function_component(PathStory)]
pub fn path_story(props: &StoryProps) -> Html {
    let body = match &props.story {
        None => html! {
            <p class="muted">{ "Select a path in the tree (click, or Enter) to see every layer that wrote, changed or deleted it, and which copy a container reads." }</p>
        },
        Some(StoryState {
            path,
            story: None,
            error,
        }) => html! {
            <>
                <h3 class="story-path mono">{ path }</h3>
                if let Some(error) = error {
                    <p class="error-text">{ format!("Its story could not be read: {error}") }</p>
                } else {
                    <p class="muted">{ "Reading its story…" }</p>
                }
            </>
        },
        Some(StoryState {
            path,
            story: Some(story),
            ..
        }) => html! {
            <>
                <div class="story-head">
                    <h3 class="story-path mono">{ path }</h3>
                    if story.visible_layer.is_some() {
                        <button type="button" class="btn tiny" data-testid="story-simulate"
                            title="Simulate a rebuild after this file changes in the build context"
                            onclick={{
                                let d = props.dispatch.clone();
                                let path = path.clone();
                                Callback::from(move |_| {
                                    d.dispatch(Action::Simulate(SimChange::File { path: path.clone() }));
                                    browser::scroll_to_selector("[data-tour='build']");
                                })
                            }}>
                            { "What if it changed? (build cache)" }
                        </button>
                    }
                </div>
                if let Some(owner) = &story.owner {
                    <p class="story-owner" data-testid="story-owner">
                        { "Installed by the package " }<strong class="mono">{ owner }</strong>
                    </p>
                }
                if let Some(note) = &story.container {
                    <p class="fallthrough container-note" data-testid="story-container">
                        <span class="badge">{ "container layer" }</span>{ " " }{ note }
                    </p>
                }
                <p class="fallthrough">{ fall_through(story, props.layers) }</p>
                { events(&story.events, story.visible_layer, "story-event") }
                if let Some(other) = &story.compared {
                    <div class="story-compared" data-testid="story-compared">
                        <h4>{ format!("In {}", other.name) }</h4>
                        if other.events.is_empty() {
                            <p class="muted">{ "No layer of it has this path." }</p>
                        } else {
                            <p class="muted">
                                { match other.visible_layer {
                                    Some(v) => format!("A container of it reads the copy from its layer {v}."),
                                    None => "Not in its final filesystem.".to_string(),
                                } }
                            </p>
                            { events(&other.events, other.visible_layer, "story-compared-event") }
                        }
                    </div>
                }
            </>
        },
    };
    html! {
        <section class="pane story" data-testid="path-story" aria-labelledby="story-h" aria-live="polite" data-tour="story">
            <h2 id="story-h">{ "Path story" }</h2>
            <p class="hint">{ "How a read of this path " }<Term key_name="union-filesystem" label="falls through the layers" />{ "." }</p>
            { body }
        </section>
    }
}

/// The layers that wrote, changed or deleted the path, the copy a
/// container reads marked; `testid` names each row.
fn events(events: &[Event], visible_layer: Option<usize>, testid: &'static str) -> Html {
    html! {
        <ol class="story-events">
            { for events.iter().map(|e| {
                let visible = visible_layer == Some(e.layer)
                    && !matches!(e.what.as_str(), "removed" | "removed_with_parent")
                    && events.iter().rev().find(|x| x.layer == e.layer).is_some_and(|x| std::ptr::eq(x, e));
                html! {
                    <li class={classes!("story-event", format!("ev-{}", e.what), visible.then_some("visible"))}
                        data-testid={testid} data-layer={e.layer.to_string()} data-what={e.what.clone()}>
                        <span class="ev-layer">{ format!("layer {}", e.layer) }</span>
                        <span class="ev-what">
                            <span class="ev-sym" aria-hidden="true">{ symbol(&e.what) }</span>
                            { format::event_text(&e.what) }
                        </span>
                        <span class="ev-detail mono">
                            { detail(e) }
                        </span>
                        if visible { <span class="badge">{ "what a container reads" }</span> }
                    </li>
                }
            }) }
        </ol>
    }
}

fn symbol(what: &str) -> &'static str {
    match what {
        "added" => "+",
        "modified" => "~",
        "rewritten" => "=",
        "removed" | "removed_with_parent" => "\u{2212}",
        _ => "•",
    }
}

fn detail(e: &Event) -> String {
    let mut parts = Vec::new();
    if let Some(kind) = e.kind {
        parts.push(format::kind_name(kind).to_string());
    }
    if e.kind == Some('f') || e.size > 0 {
        parts.push(format::bytes(e.size));
    }
    if let Some(mode) = &e.mode {
        parts.push(mode.clone());
    }
    if let (Some(uid), Some(gid)) = (e.uid, e.gid) {
        parts.push(format!("{uid}:{gid}"));
    }
    if let Some(link) = &e.link {
        parts.push(format!("→ {link}"));
    }
    if !e.fields.is_empty() {
        parts.push(format!("({} changed)", e.fields.join(", ")));
    }
    parts.join(" · ")
}

/// "A read falls through…": which copy a container sees, and what lies hidden below it.
fn fall_through(story: &Story, layers: usize) -> String {
    let copies = story
        .events
        .iter()
        .filter(|e| matches!(e.what.as_str(), "added" | "modified" | "rewritten"))
        .count();
    match story.visible_layer {
        Some(v) => {
            let above = layers.saturating_sub(v + 1);
            let hidden = story
                .events
                .iter()
                .filter(|e| {
                    e.layer < v && matches!(e.what.as_str(), "added" | "modified" | "rewritten")
                })
                .count();
            let mut text = if above > 0 {
                format!(
                    "A container reads the copy from layer {v}: a read falls through the {above} layer{} above it, which do not have this path, and stops there.",
                    if above == 1 { "" } else { "s" }
                )
            } else {
                format!("A container reads the copy from layer {v}, the top layer.")
            };
            if hidden > 0 {
                text.push_str(&format!(
                    " {hidden} older cop{} below stay{} in the image, hidden but still stored.",
                    if hidden == 1 { "y" } else { "ies" },
                    if hidden == 1 { "s" } else { "" }
                ));
            }
            text
        }
        None => {
            let mut text = "Not in the final filesystem: a read falls through every layer and finds a deletion (a whiteout) before any copy.".to_string();
            if copies > 0 {
                text.push_str(&format!(
                    " The {copies} cop{} stored below {} wasted.",
                    if copies == 1 { "y" } else { "ies" },
                    if copies == 1 { "is" } else { "are" }
                ));
            }
            text
        }
    }
}
