//! CI rules: the image checked against a `.dive-ci` file (dive's `rules:`
//! with dive 0.13.1's semantics, ours under `layerscope:`), dropped on the
//! pane, chosen, or pasted; each rule's verdict as `layerscope ci` decides
//! it (a word, a shape and a colour, never colour alone; the rule as the
//! CLI prints it; the setting; the image's figure; the message), the
//! overall result, and the CLI's three documents of the run to download.
//! Rules that are not YAML show the CLI's message here; the page goes on.

use std::rc::Rc;

use layerscope_protocol::{CiRules, CiStatus, CiVerdict, CiView, ReportKind};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DragEvent, File, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::app::Dispatch;
use crate::client::Client;
use crate::state::ci::{config_name, counts, label, result_status, symbol, MAX_RULES_BYTES};
use crate::state::{Action, CiPane, ReportsPane};
use crate::views::reports::ask;

#[derive(Properties, PartialEq)]
pub struct CiProps {
    pub pane: CiPane,
    pub reports: ReportsPane,
    pub client: Rc<Client>,
    pub dispatch: Dispatch,
}

fn status_class(status: CiStatus) -> String {
    format!("ci-{}", status.name().to_ascii_lowercase())
}

fn badge(status: CiStatus) -> Html {
    html! {
        <span class="ci-status">
            <span class="ci-sym" aria-hidden="true">{ symbol(status) }</span>
            { label(status) }
        </span>
    }
}

/// Whether a drag carries files (text dragged into the text area is left alone).
fn carries_files(e: &DragEvent) -> bool {
    e.data_transfer()
        .is_some_and(|dt| dt.types().includes(&"Files".into(), 0))
}

/// A file's text, unless it is too big to be a rules file.
async fn read_rules(file: File) -> Result<(String, String), String> {
    let name = file.name();
    if file.size() > MAX_RULES_BYTES {
        return Err(format!(
            "{name} is {}: a rules file is a few lines of YAML (drop an image on the page outside this pane)",
            layerscope_protocol::human::bytes(file.size() as u64)
        ));
    }
    let text = JsFuture::from(file.text())
        .await
        .map_err(crate::browser::js_error)?;
    let text = text
        .as_string()
        .ok_or_else(|| format!("{name}: not text"))?;
    Ok((name, text))
}

#[function_component(CiPanel)]
pub fn ci_panel(props: &CiProps) -> Html {
    let pane = &props.pane;
    // What the text area holds, and the file it came from (name, text as read).
    let asked = pane.asked.as_ref().map(|(_, r)| r.clone());
    let draft = {
        let asked = asked.clone();
        use_state(move || asked.map(|r| r.text).unwrap_or_default())
    };
    let loaded = {
        let asked = asked.clone();
        use_state(move || {
            asked
                .filter(|r| r.config != layerscope_protocol::DEFAULT_RULES_FILE)
                .map(|r| (r.config, r.text))
        })
    };
    let over = use_state(|| false);
    let file_error = use_state(|| None::<String>);
    let config = config_name(loaded.as_ref(), &draft);

    let check = {
        let dispatch = props.dispatch.clone();
        let draft = draft.clone();
        let config = config.clone();
        let file_error = file_error.clone();
        Callback::from(move |_: MouseEvent| {
            file_error.set(None);
            dispatch.dispatch(Action::CheckRules(CiRules {
                config: config.clone(),
                text: (*draft).clone(),
            }));
        })
    };
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            draft.set(area.value());
        })
    };
    // A file dropped or chosen: shown in the text area and checked at once.
    let take_file = {
        let dispatch = props.dispatch.clone();
        let draft = draft.clone();
        let loaded = loaded.clone();
        let file_error = file_error.clone();
        Callback::from(move |file: File| {
            let (dispatch, draft, loaded, file_error) = (
                dispatch.clone(),
                draft.clone(),
                loaded.clone(),
                file_error.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match read_rules(file).await {
                    Ok((name, text)) => {
                        file_error.set(None);
                        draft.set(text.clone());
                        loaded.set(Some((name.clone(), text.clone())));
                        dispatch.dispatch(Action::CheckRules(CiRules { config: name, text }));
                    }
                    Err(message) => file_error.set(Some(message)),
                }
            });
        })
    };
    let onchange = {
        let take_file = take_file.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                take_file.emit(file);
            }
            // The same file chosen again is read again.
            input.set_value("");
        })
    };
    // The page opens images dropped anywhere; a drop here is the pane's
    // (the page sees the event already handled and leaves it).
    let ondragover = {
        let over = over.clone();
        Callback::from(move |e: DragEvent| {
            if !carries_files(&e) {
                return;
            }
            e.prevent_default();
            if let Some(dt) = e.data_transfer() {
                dt.set_drop_effect("copy");
            }
            if !*over {
                over.set(true);
            }
        })
    };
    let ondragleave = {
        let over = over.clone();
        Callback::from(move |_: DragEvent| over.set(false))
    };
    let ondrop = {
        let over = over.clone();
        Callback::from(move |e: DragEvent| {
            over.set(false);
            if !carries_files(&e) {
                return;
            }
            e.prevent_default();
            if let Some(file) = e
                .data_transfer()
                .and_then(|dt| dt.files())
                .and_then(|f| f.get(0))
            {
                take_file.emit(file);
            }
        })
    };

    let result = if let Some(message) = &*file_error {
        html! { <p class="ci-error" role="alert" data-testid="ci-error">{ message }</p> }
    } else {
        match (&pane.view, pane.checking()) {
            (Some(view), _) => verdicts(view, props),
            (None, true) => {
                html! { <p class="muted" data-testid="ci-checking">{ "Checking the image against the rules…" }</p> }
            }
            (None, false) => html! {},
        }
    };

    html! {
        <section class="pane ci" data-testid="ci-panel" aria-labelledby="ci-h">
            <h2 id="ci-h">{ "CI rules" }</h2>
            <p class="hint">
                { "Check this image against a CI rules file: dive's " }<code>{ ".dive-ci" }</code>
                { " (its rules, as dive 0.13.1 applies them) and layerscope's under " }<code>{ "layerscope:" }</code>
                { ". The verdicts are those of layerscope ci." }
            </p>
            <div class={classes!("ci-drop", over.then_some("over"))} data-testid="ci-drop"
                {ondragover} {ondragleave} {ondrop}>
                <p class="ci-drop-title">
                    { "Drop a " }<code>{ ".dive-ci" }</code>{ " file here, " }
                    <label class="btn tiny file-label">
                        { "choose a rules file" }
                        <input type="file" class="file-input" data-testid="ci-file-input" onchange={onchange}
                            title="A .dive-ci rules file (YAML)" />
                    </label>
                    { ", or paste its text:" }
                </p>
                <label class="field block">
                    <span>{ "Rules (YAML)" }</span>
                    <textarea class="mono" rows="6" data-testid="ci-input" spellcheck="false"
                        placeholder={"rules:\n  lowestEfficiency: 0.95\n  highestUserWastedPercent: 0.1\nlayerscope:\n  failOn: high"}
                        value={(*draft).clone()} {oninput} />
                </label>
                <div class="ci-actions">
                    <button type="button" class="btn primary" data-testid="ci-check" onclick={check}
                        disabled={draft.trim().is_empty()}>{ "Check" }</button>
                    <span class="muted small" data-testid="ci-config">
                        { format!("Reported as {config}") }
                    </span>
                </div>
            </div>
            <div class="ci-answer" aria-live="polite">{ result }</div>
        </section>
    }
}

fn verdicts(view: &Rc<CiView>, props: &CiProps) -> Html {
    if let Some(error) = &view.error {
        return html! {
            <p class="ci-error" role="alert" data-testid="ci-error">{ error }</p>
        };
    }
    let Some(result) = view.result else {
        return html! {};
    };
    let overall = result_status(result);
    let download = |kind: ReportKind, testid: &'static str, text: &'static str, title: String| {
        let pending = props.reports.is_pending(&kind);
        let onclick = {
            let (client, dispatch) = (props.client.clone(), props.dispatch.clone());
            Callback::from(move |_: MouseEvent| ask(&client, &dispatch, kind.clone()))
        };
        html! {
            <button type="button" class="btn tiny" data-testid={testid} {onclick} disabled={pending} {title}>
                { if pending { "Preparing…" } else { text } }
            </button>
        }
    };
    let rules = view.rules.clone();
    let cli = format!("layerscope ci IMAGE --ci-config {}", rules.config);
    html! {
        <>
            <p class={classes!("ci-result", status_class(overall))} data-testid="ci-result" data-result={result.name()}>
                { badge(overall) }
                <span class="ci-counts">{ counts(view) }</span>
            </p>
            <ol class="ci-verdicts" data-testid="ci-verdicts" aria-label="Verdicts, rule by rule">
                { for view.verdicts.iter().map(verdict) }
            </ol>
            <div class="ci-downloads" role="group" aria-label="Download the verdicts">
                { download(ReportKind::CiJson { rules: rules.clone() }, "ci-export-json", "CI report (JSON)",
                    format!("The whole report with each rule's verdict (the same file as {cli} --json FILE)")) }
                { download(ReportKind::CiJunit { rules: rules.clone() }, "ci-export-junit", "JUnit (XML)",
                    format!("One test case per rule, for a CI's test view (the same file as {cli} --junit FILE)")) }
                { download(ReportKind::CiMarkdown { rules }, "ci-export-markdown", "PR comment (Markdown)",
                    format!("The verdicts and the report for a pull-request comment (the same file as {cli} --markdown FILE)")) }
            </div>
        </>
    }
}

fn verdict(v: &CiVerdict) -> Html {
    html! {
        <li class={classes!("ci-verdict", status_class(v.status))} data-testid="ci-verdict"
            data-origin={v.origin.clone()} data-rule={v.rule.clone()} data-status={v.status.name()}
            data-value={v.value.clone().unwrap_or_default()} data-has-value={v.value.is_some().to_string()}>
            <div class="ci-verdict-head">
                { badge(v.status) }
                <code class="ci-rule">{ &v.name }</code>
            </div>
            <div class="ci-meta">
                <span>{ "setting " }<code class="ci-setting">{ if v.setting.is_empty() { "(none)" } else { v.setting.as_str() } }</code></span>
                if let Some(value) = &v.value {
                    <span class="ci-sep" aria-hidden="true">{ " · " }</span>
                    <span>{ "image " }<code class="ci-value">{ value }</code></span>
                }
            </div>
            if !v.message.is_empty() {
                <p class="ci-message">{ &v.message }</p>
            }
        </li>
    }
}
