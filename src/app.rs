//! The root component: owns the state (a `use_reducer` over `state::State`),
//! the worker client, and the effects that turn state into requests (tree
//! windows after a debounce, stories), into the URL fragment and into the
//! theme. The panes are in `views/`.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use layerscope_protocol::Request;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use crate::browser::{self, now_ms};
use crate::client::Client;
use crate::format;
use crate::route::Route;
use crate::state::{parse_samples, Action, Sample, Samples, State};
use crate::views::{
    build::BuildPanel,
    ci::CiPanel,
    compare::ComparePanel,
    container::ContainerPanel,
    findings::FindingsPanel,
    history::History,
    image::ImageInfo,
    intake::Intake,
    layers::{LayerDetails, LayerStack},
    packages::PackagesPanel,
    reports::{use_report_download, ReportDownloads},
    story::PathStory,
    tour::{Tour, TOUR_SAMPLE},
    tree::FileTree,
    treemap::TreemapPanel,
    waste::WastePanel,
};

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

pub type Dispatch = UseReducerDispatcher<State>;

/// The panes below the first screen appear in this many steps, one task each.
const SETTLED: u8 = 5;

/// How long the selection must rest before its story is asked for.
const STORY_DELAY_MS: u32 = 60;

#[function_component(App)]
pub fn app() -> Html {
    // The fragment is read before the first render, so the effect that
    // writes it never sees an empty place first.
    let state = use_reducer(|| State::with_route(Route::parse(&browser::location_hash())));
    let dispatch = state.dispatcher();
    let client = {
        let dispatch = dispatch.clone();
        use_memo((), move |_| Client::new(dispatch))
    };
    // The analysis worker boots while the page is looked at.
    {
        let client = client.clone();
        use_effect_with((), move |_| client.warm_up());
    }
    let dragging = use_state(|| false);
    let dark = use_state(|| browser::stored_theme().unwrap_or_else(browser::system_prefers_dark));
    let filter_ref = use_node_ref();

    // Start: the stored theme, and the list of samples (absent is fine).
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            if let Some(dark) = browser::stored_theme() {
                browser::set_theme(dark, false);
            }
            if browser::stored_present() {
                dispatch.dispatch(Action::SetPresent(true));
            }
            wasm_bindgen_futures::spawn_local(async move {
                match browser::fetch_text("samples/index.json")
                    .await
                    .and_then(|t| parse_samples(&t))
                {
                    Ok(list) => dispatch.dispatch(Action::SamplesLoaded(list)),
                    Err(_) => dispatch.dispatch(Action::SamplesMissing),
                }
            });
        });
    }

    // A link into the demo opens its sample once the list is known.
    {
        let ready = matches!(state.samples, Samples::Ready(_));
        let list = match &state.samples {
            Samples::Ready(list) => list.clone(),
            _ => Vec::new(),
        };
        let route = state.pending_route.clone();
        let idle = matches!(state.status, crate::state::Status::Idle);
        let client = client.clone();
        use_effect_with(ready, move |ready| {
            if *ready && idle {
                if let Some(route) = route {
                    if let Some(sample) =
                        list.iter().find(|s| Some(&s.name) == route.sample.as_ref())
                    {
                        client.open_sample(sample.clone(), route.platform.clone());
                    }
                }
            }
        });
    }

    // Tree windows, throttled: at most one per `debounce_ms`, always the
    // latest (a query replaced before its turn is never sent). A plain
    // debounce would send nothing while a scrollbar is being dragged.
    {
        let client = client.clone();
        let wait = state.tree.debounce_ms as f64;
        let last_sent = use_mut_ref(|| f64::NEG_INFINITY);
        use_effect_with(state.tree.pending.clone(), move |pending| {
            let timer = pending.clone().map(|query| {
                let client = client.clone();
                let delay = (*last_sent.borrow() + wait - now_ms()).clamp(0.0, wait);
                Timeout::new(delay as u32, move || {
                    *last_sent.borrow_mut() = now_ms();
                    client.send(&Request::Tree(query));
                })
            });
            move || drop(timer)
        });
    }

    // The build read back from the history, once the image is open (and
    // again when the base boundary moves or a Dockerfile is pasted).
    {
        let client = client.clone();
        let key = (
            state.gen,
            state.summary.is_some(),
            state.build.base_end,
            state.build.dockerfile.clone(),
        );
        use_effect_with(key, move |(_, open, base_end, dockerfile)| {
            if *open {
                client.send(&Request::Build {
                    base_end: *base_end,
                    dockerfile: dockerfile.clone(),
                });
            }
        });
    }

    // The findings, once per image.
    {
        let client = client.clone();
        let key = (state.gen, state.summary.is_some());
        use_effect_with(key, move |(_, open)| {
            if *open {
                client.send(&Request::Findings);
            }
        });
    }

    // The packages, once per image, when every layer is read (not on a
    // preview: the worker would hold the request until then anyway).
    {
        let client = client.clone();
        let key = (
            state.gen,
            state.summary.is_some() && state.reading().is_none(),
        );
        use_effect_with(key, move |(_, opened)| {
            if *opened {
                client.send(&Request::Packages);
            }
        });
    }

    // The treemap, for the layer selected, the map and the directory shown.
    {
        let client = client.clone();
        let layer = state.treemap_layer();
        let query = layer.map(|l| state.treemap.query(l));
        let key = (state.gen, query);
        use_effect_with(key, move |(_, query)| {
            if let Some(query) = query {
                client.send(&Request::Treemap(query.clone()));
            }
        });
    }

    // The CI verdicts, once per image and rules checked.
    {
        let client = client.clone();
        let key = (state.gen, state.summary.is_some(), state.ci.request());
        use_effect_with(key, move |(_, open, request)| {
            if let (true, Some(request)) = (*open, request) {
                client.send(request);
            }
        });
    }

    // Each report the worker made is offered as a download once.
    use_report_download(state.reports.ready.clone());

    // A simulation, once per change asked for.
    {
        let client = client.clone();
        let key = (
            state.gen,
            state.build.simulate.clone(),
            state.build.base_end,
        );
        use_effect_with(key, move |(_, simulate, base_end)| {
            if let Some((id, change)) = simulate {
                client.send(&Request::Simulate {
                    id: *id,
                    change: change.clone(),
                    base_end: *base_end,
                });
            }
        });
    }

    // The panes below the first screen render a moment after the results
    // arrive, in a task of their own: one task rendering every pane at once
    // blocked the main thread for longer than a frame on big images.
    let settled = use_state(|| 0u8);
    {
        let settled = settled.clone();
        let key = (state.gen, state.summary.is_some(), *settled);
        use_effect_with(key, move |(_, open, stage)| {
            let timer = if *open && *stage < SETTLED {
                let (settled, next) = (settled.clone(), stage + 1);
                Some(Timeout::new(0, move || settled.set(next)))
            } else {
                if !*open && *stage != 0 {
                    settled.set(0);
                }
                None
            };
            move || drop(timer)
        });
    }
    let stage = *settled;

    // Presentation mode: larger type on the whole page.
    use_effect_with(state.present, |present| {
        if let Some(root) = browser::document().document_element() {
            let _ = root.class_list().toggle_with_force("present", *present);
        }
    });

    // A path's story, once per selected path; a moment after the selection
    // stops moving (holding an arrow key asks only for where it stops). The
    // container layer changes what a read finds, so its revision asks again.
    {
        let client = client.clone();
        // While layers are read, each one read adds to the story: ask again.
        let key = (
            state.gen,
            state.summary.is_some(),
            state.story.as_ref().map(|s| s.path.clone()),
            state.container.view.as_ref().map(|c| c.revision),
            state.reading().map(|r| r.layers_read),
        );
        use_effect_with(key, move |(_, open, path, _, _)| {
            let timer = match (*open, path) {
                (true, Some(path)) => {
                    let request = Request::Story { path: path.clone() };
                    Some(Timeout::new(STORY_DELAY_MS, move || client.send(&request)))
                }
                _ => None,
            };
            move || drop(timer)
        });
    }

    // A link pasted into this tab changes the fragment without a reload.
    {
        let here = use_mut_ref(|| (Route::default(), Vec::<Sample>::new()));
        *here.borrow_mut() = (
            state.route(),
            match &state.samples {
                Samples::Ready(list) => list.clone(),
                _ => Vec::new(),
            },
        );
        let dispatch = dispatch.clone();
        let client = client.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn FnMut()>::new(move || {
                let route = Route::parse(&browser::location_hash());
                let (current, samples) = here.borrow().clone();
                if route == current {
                    return;
                }
                if route.sample.is_some() && route.sample != current.sample {
                    let wanted = samples
                        .iter()
                        .find(|s| Some(&s.name) == route.sample.as_ref())
                        .cloned();
                    if let Some(sample) = wanted {
                        let platform = route.platform.clone();
                        dispatch.dispatch(Action::Navigate(route));
                        client.clone().open_sample(sample, platform);
                    }
                    return;
                }
                dispatch.dispatch(Action::Navigate(route));
            });
            let win = browser::window();
            let _ = win
                .add_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
            move || {
                let _ = win.remove_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
                drop(listener);
            }
        });
    }

    // The URL keeps the sample, layer and path. Written in a task of its
    // own (a same-document navigation took 11 ms of the task that shows an
    // opened image), and not at all when the route moves on first.
    use_effect_with(state.route(), |route| {
        let fragment = route.format();
        let pending = Timeout::new(0, move || browser::replace_hash(&fragment));
        move || drop(pending)
    });

    // `/` focuses the filter from anywhere but a text field.
    {
        let filter_ref = filter_ref.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn FnMut(KeyboardEvent)>::new(move |e: KeyboardEvent| {
                if e.key() != "/" || e.ctrl_key() || e.meta_key() || e.alt_key() {
                    return;
                }
                let typing = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| {
                        matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                    });
                if typing {
                    return;
                }
                if let Some(input) = filter_ref.cast::<HtmlInputElement>() {
                    e.prevent_default();
                    let _ = input.focus();
                    input.select();
                }
            });
            let doc = browser::document();
            let _ =
                doc.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            move || {
                let _ = doc.remove_event_listener_with_callback(
                    "keydown",
                    listener.as_ref().unchecked_ref(),
                );
                drop(listener);
            }
        });
    }

    // One file opens it; a second is compared with it once it is open (the
    // worker answers in order).
    let open_file = {
        let client = client.clone();
        Callback::from(
            move |(file, other, started_ms): (File, Option<File>, f64)| {
                client.open(file.clone().into(), file.name(), None, None, started_ms);
                if let Some(other) = other {
                    client.compare_with(&other);
                }
            },
        )
    };
    let open_sample_pair = {
        let client = client.clone();
        Callback::from(move |(a, b): (Sample, Sample)| client.clone().open_sample_pair(a, b))
    };
    let open_sample = {
        let client = client.clone();
        Callback::from(move |sample: Sample| client.clone().open_sample(sample, None))
    };
    let cancel = {
        let client = client.clone();
        Callback::from(move |_| client.cancel())
    };
    let reopen = {
        let client = client.clone();
        Callback::from(move |choice| client.reopen(choice))
    };
    let export = {
        let client = client.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            dispatch.dispatch(Action::ExportStarted);
            client.send(&Request::Export);
        })
    };
    let export_cache = {
        let client = client.clone();
        let dispatch = dispatch.clone();
        let request = state.build.export_request();
        Callback::from(move |()| {
            dispatch.dispatch(Action::ExportCacheStarted);
            client.send(&request);
        })
    };
    let compare_with = {
        let client = client.clone();
        Callback::from(move |file: web_sys::File| client.compare_with(&file))
    };
    let export_compare = {
        let client = client.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |()| {
            dispatch.dispatch(Action::ExportCompareStarted);
            client.send(&Request::ExportCompare);
        })
    };
    let compare_layers = {
        let client = client.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |(layer_a, layer_b): (Option<usize>, Option<usize>)| {
            dispatch.dispatch(Action::CompareLayers(layer_a, layer_b));
            client.send(&Request::CompareLayers { layer_a, layer_b });
        })
    };
    let toggle_theme = {
        let dark = dark.clone();
        Callback::from(move |_| {
            let next = !*dark;
            browser::set_theme(next, true);
            dark.set(next);
        })
    };

    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            // A pane that takes drops of its own (CI rules) handled it first.
            if e.default_prevented() {
                if *dragging {
                    dragging.set(false);
                }
                return;
            }
            e.prevent_default();
            if let Some(dt) = e.data_transfer() {
                dt.set_drop_effect("copy");
            }
            if !*dragging {
                dragging.set(true);
            }
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            // Leaving for a child fires too; only leaving the window counts.
            if e.related_target().is_none() {
                dragging.set(false);
            }
        })
    };
    let ondrop = {
        let dragging = dragging.clone();
        let open_file = open_file.clone();
        Callback::from(move |e: DragEvent| {
            let taken = e.default_prevented();
            e.prevent_default();
            let started = now_ms();
            dragging.set(false);
            if taken {
                return;
            }
            if let Some(files) = e.data_transfer().and_then(|dt| dt.files()) {
                if let Some(file) = files.get(0) {
                    open_file.emit((file, files.get(1), started));
                }
            }
        })
    };

    let start_tour = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.dispatch(Action::Tour(Some(0))))
    };
    let open_demo = {
        let client = client.clone();
        let samples = state.samples.clone();
        Callback::from(move |_| {
            if let Samples::Ready(list) = &samples {
                if let Some(demo) = list.iter().find(|s| s.name == TOUR_SAMPLE) {
                    client.clone().open_sample(demo.clone(), None);
                }
            }
        })
    };
    let toggle_present = {
        let dispatch = dispatch.clone();
        let present = state.present;
        Callback::from(move |_| {
            browser::store_present(!present);
            dispatch.dispatch(Action::SetPresent(!present))
        })
    };
    let summary = state.summary.clone();
    let theme_label = if *dark { "Light theme" } else { "Dark theme" };

    html! {
        <div class={classes!("app", dragging.then_some("dragging"))} {ondragover} {ondragleave} {ondrop}>
            <header class="top">
                <div class="brand">
                    <h1>{ "layerscope" }</h1>
                    <p class="tagline">
                        { "Inspect container image tarballs — layers, files and wasted space — entirely in your browser. Nothing is uploaded." }
                    </p>
                </div>
                <div class="top-actions">
                    if let Some(open) = &summary {
                        <button type="button" class="btn" data-testid="export-json" onclick={export}
                            disabled={state.exporting} title="Download the whole report as JSON (the same document as layerscope inspect --json)">
                            { if state.exporting { "Exporting…" } else { "Export JSON" } }
                        </button>
                        <ReportDownloads summary={open.clone()} selection={state.selection}
                            pane={state.reports.clone()} client={client.clone()} dispatch={dispatch.clone()} />
                    }
                    if matches!(state.samples, Samples::Ready(_)) {
                        <button type="button" class="btn ghost" data-testid="tour-start" onclick={start_tour}
                            title="A step-by-step walk through the demo image: layers, the union view, whiteouts, waste, the build cache and copy-on-write">
                            { "Guided tour" }
                        </button>
                    }
                    // A new tab: an open image stays open here.
                    <a class="btn ghost" href="docs/index.html" target="_blank" rel="noopener" data-testid="docs-link"
                        title="How to use layerscope, the CLI, the JSON schemas, the workshop (opens in a new tab)">
                        { "Docs" }
                    </a>
                    <button type="button" class="btn ghost" data-testid="present-toggle" onclick={toggle_present}
                        aria-pressed={state.present.to_string()} title="Larger type for projectors">
                        { "Presentation mode" }
                    </button>
                    <button type="button" class="btn ghost" data-testid="theme-toggle" onclick={toggle_theme}
                        aria-pressed={if *dark { "true" } else { "false" }} title="Switch between the light and the dark theme">
                        <span aria-hidden="true">{ if *dark { "☀ " } else { "☾ " } }</span>{ theme_label }
                    </button>
                </div>
            </header>

            <main class="content">
                <Intake status={state.status.clone()} samples={state.samples.clone()} has_image={summary.is_some()}
                    on_file={open_file} on_sample={open_sample} on_sample_pair={open_sample_pair} on_cancel={cancel} />

                if let Some(notice) = &state.notice {
                    <p class="notice" role="alert" data-testid="notice">{ notice }</p>
                }
                if let Some(reading) = state.reading() {
                    <p class="reading-banner" role="status" data-testid="reading-banner">
                        { format::reading(reading) }
                    </p>
                }
                if let Some(summary) = summary {
                    <div class="workspace">
                        <div class="col-left">
                            <LayerStack summary={summary.clone()} selection={state.selection} dispatch={dispatch.clone()}
                                packages={state.packages.view.clone()} />
                            if stage >= 2 {
                                <LayerDetails summary={summary.clone()} selection={state.selection} />
                                <WastePanel summary={summary.clone()} dispatch={dispatch.clone()} />
                                <FindingsPanel pane={state.findings.clone()} summary={summary.clone()} dispatch={dispatch.clone()} />
                                <PackagesPanel pane={state.packages.clone()} dispatch={dispatch.clone()} />
                                <CiPanel pane={state.ci.clone()} reports={state.reports.clone()} client={client.clone()} dispatch={dispatch.clone()} />
                                <ImageInfo summary={summary.clone()} on_reopen={reopen} />
                            }
                        </div>
                        <div class="col-right">
                            if stage >= 1 {
                            <FileTree tree={state.tree.clone()} mode={state.effective_mode()} view={state.view()}
                                selected_path={state.selected_path().map(str::to_string)}
                                is_range={state.selection.is_range()} dispatch={dispatch.clone()} filter_ref={filter_ref.clone()}
                                compared_with={state.compare.view.as_ref().map(|v| v.name.clone())}
                                unread_layer={state.unread_layer()} />
                            <PathStory story={state.story.clone()} layers={summary.steps.iter().filter(|s| s.layer.is_some()).count()} dispatch={dispatch.clone()} />
                            }
                            if stage >= 3 {
                                <ContainerPanel container={state.container.view.clone()} selected_path={state.selected_path().map(str::to_string)}
                                    mode={state.effective_mode()} client={client.clone()} dispatch={dispatch.clone()} />
                                if let Some(layer) = state.treemap_layer() {
                                    <TreemapPanel pane={state.treemap.clone()} summary={summary.clone()} layer={layer} dispatch={dispatch.clone()} />
                                } else if let Some(layer) = state.unread_layer() {
                                    <section class="pane treemap" aria-labelledby="treemap-h">
                                        <h2 id="treemap-h">{ "Where the bytes go" }</h2>
                                        <p class="hint" data-testid="treemap-reading">{ format!("Layer {layer} is still being read: its map shows here as soon as it is.") }</p>
                                    </section>
                                }
                            }
                        </div>
                        if stage >= 4 {
                            <History summary={summary.clone()} selection={state.selection} dispatch={dispatch.clone()} />
                        }
                        if stage >= SETTLED {
                            <BuildPanel pane={state.build.clone()} selected_path={state.selected_path().map(str::to_string)}
                                dispatch={dispatch.clone()} on_export={export_cache} />
                            <ComparePanel pane={state.compare.clone()} name={summary.file_name.clone()}
                                on_pick={compare_with} on_export={export_compare} on_layers={compare_layers}
                                dispatch={dispatch.clone()} />
                        }
                    </div>
                }
            </main>
            if let Some(step) = state.tour.step {
                <Tour step={step} summary={state.summary.clone()} sample={state.sample.clone()}
                    client={client.clone()} dispatch={dispatch.clone()} on_open_demo={open_demo} />
            }
            <div class="drop-overlay" aria-hidden="true"><p>{ "Drop the image to analyse it" }</p></div>
        </div>
    }
}
