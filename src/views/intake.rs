//! How an image gets in: the drop zone (the whole page takes drops), a real
//! file input, the samples, and while it runs the progress bar and Cancel;
//! after it, the status line or the error.

use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use crate::browser::now_ms;
use crate::format;
use crate::state::{Sample, Samples, Status};
use crate::views::bar::bar;

#[derive(Properties, PartialEq)]
pub struct IntakeProps {
    pub status: Status,
    pub samples: Samples,
    pub has_image: bool,
    /// A file chosen or dropped (and a second one to compare it with).
    pub on_file: Callback<(File, Option<File>, f64)>,
    pub on_sample: Callback<Sample>,
    /// Open the first sample and compare it with the second.
    pub on_sample_pair: Callback<(Sample, Sample)>,
    pub on_cancel: Callback<()>,
}

#[function_component(Intake)]
pub fn intake(props: &IntakeProps) -> Html {
    let onchange = {
        let on_file = props.on_file.clone();
        Callback::from(move |e: Event| {
            let started = now_ms();
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(files) = input.files() {
                if let Some(file) = files.get(0) {
                    on_file.emit((file, files.get(1), started));
                }
            }
            // The same file picked again must fire `change` again.
            input.set_value("");
        })
    };
    let compact = props.has_image || matches!(props.status, Status::Running { .. });

    let samples = match &props.samples {
        Samples::Ready(list) if !list.is_empty() => html! {
            <div class="samples">
                <span class="samples-label" id="samples-label">{ "or try a sample:" }</span>
                <ul class="sample-list" data-testid="sample-list" aria-labelledby="samples-label">
                    { for list.iter().map(|s| {
                        let sample = s.clone();
                        let on_sample = props.on_sample.clone();
                        html! {
                            <li>
                                <button type="button" class="btn sample" data-testid={format!("sample-{}", s.name)}
                                    title={s.description.clone()} onclick={Callback::from(move |_| on_sample.emit(sample.clone()))}>
                                    { &s.name }
                                </button>
                                if !compact && !s.description.is_empty() {
                                    <span class="sample-desc">{ &s.description }</span>
                                }
                                if let Some(before) = s.compare_with.as_ref().and_then(|n| list.iter().find(|o| &o.name == n)) {
                                    <button type="button" class="btn tiny sample-pair" data-testid={format!("compare-samples-{}", s.name)}
                                        title={format!("Open {} and compare it with {}", before.name, s.name)}
                                        onclick={{
                                            let pair = (before.clone(), s.clone());
                                            let on_pair = props.on_sample_pair.clone();
                                            Callback::from(move |_| on_pair.emit(pair.clone()))
                                        }}>
                                        { format!("compare {} → {}", before.name, s.name) }
                                    </button>
                                }
                            </li>
                        }
                    }) }
                </ul>
            </div>
        },
        Samples::Loading => html! {},
        // No samples shipped with this build: nothing to offer, nothing wrong.
        _ => html! { <ul class="sample-list" data-testid="sample-list" hidden=true></ul> },
    };

    html! {
        <section class={classes!("intake", compact.then_some("compact"))} aria-label="Open an image">
            if !compact { { status_view(&props.status, &props.on_cancel) } }
            <div class="drop-zone" data-testid="drop-zone">
                <p class="drop-title">
                    if compact { { "Drop another image anywhere on the page, or " } }
                    else { { "Drop an image here — a " } <code>{ "docker save" }</code> { " or OCI archive (.tar, .tar.gz, .tar.zst) — or " } }
                    <label class="btn file-label">
                        { "choose a file" }
                        <input type="file" class="file-input" data-testid="file-input" multiple=true {onchange}
                            title="One image to inspect, or two to compare (the first with the second)" />
                    </label>
                </p>
                { samples }
                if !compact {
                    <p class="privacy">{ "The image is read by this page only: nothing is uploaded, no request leaves this site." }</p>
                    // The docs are served beside the page (crates/site), offline too.
                    <p class="help-links" data-testid="help-links">
                        { "New here? " }
                        <a href="docs/getting-started.html">{ "How to get an image file" }</a>{ " · " }
                        <a href="docs/views.html">{ "What each view shows" }</a>{ " · " }
                        <a href="docs/workshop.html">{ "Workshop: image layers in 45 minutes" }</a>
                    </p>
                }
            </div>
            if compact { { status_view(&props.status, &props.on_cancel) } }
        </section>
    }
}

fn status_view(status: &Status, on_cancel: &Callback<()>) -> Html {
    let (text, ms) = match status {
        Status::Idle => ("No image open yet.".to_string(), None),
        Status::Running {
            name,
            fetching: true,
            ..
        } => (format!("Downloading the sample {name}…"), None),
        Status::Running { name, .. } => (format!("Analysing {name}…"), None),
        Status::Done {
            name,
            ms,
            bytes,
            problem,
        } => (
            match problem {
                None => format!("{name}: {}.", format::analysed(*bytes, *ms)),
                Some(problem) => format!(
                    "{name}: {}, with an error: {problem}. See the notes under the image.",
                    format::analysed(*bytes, *ms)
                ),
            },
            Some(*ms),
        ),
        Status::Failed { .. } => ("The analysis failed.".to_string(), None),
        Status::Cancelled => (
            "Cancelled. Drop an image or pick one to start again.".to_string(),
            None,
        ),
    };
    let problem = matches!(
        status,
        Status::Done {
            problem: Some(_),
            ..
        }
    );
    let status_line = html! {
        <p class={classes!("status", format!("state-{}", status.state_name()), problem.then_some("has-problem"), matches!(status, Status::Idle).then_some("visually-hidden"))}
            data-testid="analysis-status" data-state={status.state_name()}
            data-ms={ms.map(|ms| format!("{}", ms.round() as u64))} role="status" aria-live="polite">
            { text }
        </p>
    };
    match status {
        Status::Running {
            progress, fetching, ..
        } => {
            let percent = progress.as_ref().map_or(0, format::progress_percent);
            let detail = match progress {
                Some(p) => format::progress_text(p),
                None if *fetching => "downloading…".to_string(),
                None => "starting…".to_string(),
            };
            let on_cancel = on_cancel.clone();
            html! {
                <div class="running">
                    { status_line }
                    <div class="progress-row">
                        <div class="progress" data-testid="progress" role="progressbar" aria-label="Analysis progress"
                            aria-valuemin="0" aria-valuemax="100" aria-valuenow={percent.to_string()} aria-valuetext={detail.clone()}>
                            { bar(percent as f64 / 100.0, "progress-bar") }
                        </div>
                        <span class="progress-text">{ format!("{percent} % · {detail}") }</span>
                        <button type="button" class="btn danger" data-testid="cancel" onclick={Callback::from(move |_| on_cancel.emit(()))}>
                            { "Cancel" }
                        </button>
                    </div>
                </div>
            }
        }
        Status::Failed {
            name,
            kind,
            message,
        } => html! {
            <div class="failed">
                { status_line }
                <div class="error" data-testid="error-message" role="alert">
                    <p class="error-title">
                        { match name { Some(n) => format!("Could not analyse {n}"), None => "Could not analyse the image".to_string() } }
                        if !kind.is_empty() { <span class="error-kind">{ format!(" ({})", kind.replace('_', " ")) }</span> }
                    </p>
                    <p class="error-text">{ message }</p>
                    <p class="error-hint">{ "The page is still usable: drop another image or pick a sample." }</p>
                </div>
            </div>
        },
        _ => status_line,
    }
}
