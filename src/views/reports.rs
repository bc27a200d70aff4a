//! The report downloads beside Export JSON: the report for people in
//! Markdown (`layerscope inspect --markdown`), the files after the layer
//! selected and the changes of the layers selected as CSV (`layerscope ls
//! --layer N --csv`, `ls --from M --layer N --changes --csv`). The worker
//! makes each file; [`use_report_download`] offers it once it comes.

use std::rc::Rc;

use layerscope_protocol::{ReportFile, ReportKind, Request, Summary};
use yew::prelude::*;

use crate::app::Dispatch;
use crate::browser;
use crate::client::Client;
use crate::selection::Selection;
use crate::state::reports::csv_kinds;
use crate::state::{Action, ReportsPane};

/// Asks the worker for a report (the answer is offered by [`use_report_download`]).
pub fn ask(client: &Client, dispatch: &Dispatch, kind: ReportKind) {
    dispatch.dispatch(Action::ReportStarted(kind.clone()));
    client.send(&Request::Report(kind));
}

/// Offers each file the worker made once, as a download under its name.
#[hook]
pub fn use_report_download(ready: Option<(u64, Rc<ReportFile>)>) {
    let number = ready.as_ref().map(|(n, _)| *n);
    use_effect_with(number, move |_| {
        if let Some((_, file)) = ready {
            if let Err(e) = browser::download(&file.text, &file.file_name, &file.mime) {
                web_sys::console::error_1(&format!("download: {e}").into());
            }
        }
    });
}

#[derive(Properties, PartialEq)]
pub struct ReportDownloadsProps {
    pub summary: Rc<Summary>,
    pub selection: Selection,
    pub pane: ReportsPane,
    pub client: Rc<Client>,
    pub dispatch: Dispatch,
}

/// One download button: its label, or "Preparing…" while the worker makes it.
fn button(
    props: &ReportDownloadsProps,
    kind: Option<ReportKind>,
    testid: &'static str,
    label: String,
    title: String,
) -> Html {
    let pending = kind.as_ref().is_some_and(|k| props.pane.is_pending(k));
    let onclick = kind.clone().map(|kind| {
        let client = props.client.clone();
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| ask(&client, &dispatch, kind.clone()))
    });
    html! {
        <button type="button" class="btn" data-testid={testid} onclick={onclick}
            disabled={kind.is_none() || pending} {title}>
            { if pending { "Preparing…".to_string() } else { label } }
        </button>
    }
}

#[function_component(ReportDownloads)]
pub fn report_downloads(props: &ReportDownloadsProps) -> Html {
    let (paths, changes) = csv_kinds(&props.summary.steps, props.selection);
    let (paths_label, paths_title) = match &paths {
        Some(ReportKind::PathsCsv { layer }) => (
            format!("Files after layer {layer} (CSV)"),
            format!("Every path of the filesystem after layer {layer}, with its type, size, mode, owner and the layer that wrote it (the same file as layerscope ls --layer {layer} --csv)"),
        ),
        _ => (
            "Files (CSV)".to_string(),
            "The steps selected come before any layer: there are no files yet".to_string(),
        ),
    };
    let (changes_label, changes_title) = match &changes {
        Some(ReportKind::ChangesCsv { from, layer }) if from == layer => (
            format!("Changes in layer {layer} (CSV)"),
            format!("What layer {layer} added, modified and deleted, with the sizes before and after (the same file as layerscope ls --layer {layer} --changes --csv)"),
        ),
        Some(ReportKind::ChangesCsv { from, layer }) => (
            format!("Changes in layers {from}–{layer} (CSV)"),
            format!("What layers {from} to {layer} added, modified and deleted, layer by layer (the same file as layerscope ls --from {from} --layer {layer} --changes --csv)"),
        ),
        _ => (
            "Changes (CSV)".to_string(),
            "The steps selected change no files (metadata only)".to_string(),
        ),
    };
    html! {
        <>
            { button(props, Some(ReportKind::Markdown), "export-markdown", "Markdown report".to_string(),
                "Download the report for people in Markdown: summary, findings, wasted paths (the same file as layerscope inspect --markdown)".to_string()) }
            { button(props, paths, "export-paths-csv", paths_label, paths_title) }
            { button(props, changes, "export-changes-csv", changes_label, changes_title) }
        </>
    }
}
