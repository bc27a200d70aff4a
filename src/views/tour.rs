//! The guided tour over the demo image, for workshops: each step says one
//! thing (what a layer is, how a read falls through, whiteouts, opaque
//! directories, why deleted files still cost bytes, cache invalidation,
//! copy-on-write) and then shows it in the real panes, by doing what a
//! person would do there: select a layer, a path, a view, run a simulation,
//! write in the container layer. The pane it points at is scrolled into view
//! and outlined.

use layerscope_protocol::{ContainerOp, Request, SimChange, Summary};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::app::Dispatch;
use crate::browser;
use crate::client::Client;
use crate::selection::step_of_layer;
use crate::state::{Action, Mode};

/// The sample the tour is written for (`scripts/make-samples`).
pub const TOUR_SAMPLE: &str = "demo";

/// What a step does to the page when it is shown.
#[derive(Clone, Copy)]
enum Show {
    Nothing,
    /// Layer `layer`, in this mode, and maybe a path.
    Layer(usize, Mode, Option<&'static str>),
    Simulate(&'static str),
    CopyUp(&'static str),
}

struct Step {
    title: &'static str,
    text: &'static str,
    /// `data-tour` of the pane it points at.
    target: &'static str,
    show: Show,
}

const STEPS: &[Step] = &[
    Step {
        title: "An image is a stack of layers",
        text: "Each bar is one layer: a tar archive of the files one build step added, changed or deleted. Steps like ENV or CMD change only the image's settings and make no layer (0 B). The bars are sized by the bytes each layer stores.",
        target: "layers",
        show: Show::Layer(5, Mode::Union, None),
    },
    Step {
        title: "A layer holds only its changes",
        text: "This is layer 1 alone: `RUN apk add curl` added curl, a library and apk's download cache. Nothing else of the filesystem is in it: a layer is a diff against the layers below.",
        target: "tree",
        show: Show::Layer(1, Mode::Changes, None),
    },
    Step {
        title: "The union view",
        text: "A container sees all layers merged into one filesystem, the later ones on top. This is that union after the last layer: what `docker run` starts from.",
        target: "tree",
        show: Show::Layer(5, Mode::Union, None),
    },
    Step {
        title: "How a read falls through",
        text: "To read /app/config.yml, the runtime looks in the top layer first and goes down until a layer has the path. Layer 3 added it, layer 5 changed it: the copy in layer 5 is the one read; the older one is still stored.",
        target: "story",
        show: Show::Layer(5, Mode::Union, Some("/app/config.yml")),
    },
    Step {
        title: "Whiteouts: deleting is adding a marker",
        text: "Layer 2 ran `rm -rf` on apk's cache. Layers cannot change the ones below, so layer 2 holds a whiteout file (.wh.APKINDEX.tar.gz) that hides the path from the union. Removed paths are marked − here.",
        target: "tree",
        show: Show::Layer(2, Mode::Changes, Some("/var/cache/apk/APKINDEX.tar.gz")),
    },
    Step {
        title: "Opaque directories",
        text: "Layer 4 replaced /etc/conf.d: an opaque marker (.wh..wh..opq) hides everything lower layers had in that directory, while the layer's own files in it stay. base.conf from layer 0 is gone from the union.",
        target: "story",
        show: Show::Layer(4, Mode::Changes, Some("/etc/conf.d/base.conf")),
    },
    Step {
        title: "Deleted files still cost bytes",
        text: "The 256 KiB cache deleted in layer 2 is still inside layer 1, and every push and pull carries it. The same for the first build of /app/server, overwritten in layer 5. Here is what the image stores and never shows.",
        target: "waste",
        show: Show::Nothing,
    },
    Step {
        title: "Cache invalidation",
        text: "Change one file of the build context, /app/config.yml, and rebuild: the COPY that brought it in misses the cache (its key includes every copied file's checksum), and so does every step after it. Steps before it are cache hits.",
        target: "build",
        show: Show::Simulate("/app/config.yml"),
    },
    Step {
        title: "Copy-on-write",
        text: "A running container writes to its own thin layer. Writing to /app/config.yml first copies the whole file up from the image into that layer; the image's layers never change. The tree now shows what the container sees.",
        target: "container",
        show: Show::CopyUp("/app/config.yml"),
    },
];

#[derive(Properties, PartialEq)]
pub struct TourProps {
    pub step: usize,
    pub summary: Option<std::rc::Rc<Summary>>,
    /// The sample open, if any.
    pub sample: Option<String>,
    pub client: std::rc::Rc<Client>,
    pub dispatch: Dispatch,
    pub on_open_demo: Callback<()>,
}

/// Does what step `i` shows, on an open demo image.
fn show(i: usize, summary: &Summary, d: &Dispatch, client: &Client) {
    let Some(step) = STEPS.get(i) else {
        return;
    };
    match step.show {
        Show::Nothing => {}
        Show::Layer(layer, mode, path) => {
            if let Some(index) = step_of_layer(&summary.steps, layer) {
                d.dispatch(Action::SelectStep {
                    index,
                    extend: false,
                });
            }
            d.dispatch(Action::SetMode(mode));
            if let Some(path) = path {
                d.dispatch(Action::SelectPath(path.to_string()));
            }
        }
        Show::Simulate(path) => d.dispatch(Action::Simulate(SimChange::File {
            path: path.to_string(),
        })),
        Show::CopyUp(path) => {
            client.send(&Request::Container(ContainerOp::Reset));
            client.send(&Request::Container(ContainerOp::Edit {
                path: path.to_string(),
            }));
            d.dispatch(Action::SelectPath(path.to_string()));
            d.dispatch(Action::SetMode(Mode::Container));
        }
    }
}

/// Outlines the pane a step points at and scrolls it into view.
fn point_at(target: &str) {
    let doc = browser::document();
    if let Ok(list) = doc.query_selector_all(".tour-focus") {
        for i in 0..list.length() {
            if let Some(el) = list
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            {
                let _ = el.class_list().remove_1("tour-focus");
            }
        }
    }
    if let Ok(Some(el)) = doc.query_selector(&format!("[data-tour='{target}']")) {
        let _ = el.class_list().add_1("tour-focus");
        el.scroll_into_view_with_bool(true);
    }
}

#[function_component(Tour)]
pub fn tour(props: &TourProps) -> Html {
    let i = props.step.min(STEPS.len() - 1);
    let step = &STEPS[i];
    let on_demo = props.sample.as_deref() == Some(TOUR_SAMPLE) && props.summary.is_some();
    {
        let summary = props.summary.clone();
        let d = props.dispatch.clone();
        let client = props.client.clone();
        use_effect_with((i, on_demo), move |(i, on_demo)| {
            if *on_demo {
                if let Some(summary) = &summary {
                    show(*i, summary, &d, &client);
                }
                point_at(STEPS[*i].target);
            }
        });
    }
    let go = |to: Option<usize>| {
        let d = props.dispatch.clone();
        Callback::from(move |_| d.dispatch(Action::Tour(to)))
    };
    let end = {
        let d = props.dispatch.clone();
        Callback::from(move |_| {
            point_at("");
            d.dispatch(Action::Tour(None))
        })
    };
    let open_demo = {
        let cb = props.on_open_demo.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        // A dialog that leaves the page usable (not modal): a div, as ARIA allows the role there.
        <div class="tour" role="dialog" aria-modal="false" aria-labelledby="tour-title" data-testid="tour" data-step={(i + 1).to_string()}>
            <p class="tour-count">{ format!("Guided tour · {} of {}", i + 1, STEPS.len()) }</p>
            <h2 id="tour-title">{ step.title }</h2>
            if on_demo {
                <p class="tour-text" data-testid="tour-text">{ step.text }</p>
            } else {
                <p class="tour-text">{ "The tour walks through the demo image, so every step can show the real thing." }</p>
                <button type="button" class="btn primary" data-testid="tour-open-demo" onclick={open_demo}>{ "Open the demo image" }</button>
            }
            <div class="tour-nav">
                <button type="button" class="btn" data-testid="tour-back" disabled={i == 0} onclick={go(i.checked_sub(1))}>{ "Back" }</button>
                if i + 1 < STEPS.len() {
                    <button type="button" class="btn primary" data-testid="tour-next" disabled={!on_demo} onclick={go(Some(i + 1))}>{ "Next" }</button>
                }
                <button type="button" class="btn ghost" data-testid="tour-end" onclick={end}>{ if i + 1 == STEPS.len() { "Finish" } else { "End the tour" } }</button>
            </div>
        </div>
    }
}
