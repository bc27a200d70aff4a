//! Where the bytes go, as a picture: the treemap of one directory (the
//! files after the selected layer, or the copies nobody sees), each cell's
//! area its bytes and its colour the layer that wrote most of them. Click a
//! directory to zoom in, a file for its story. The cells are buttons in a
//! list, largest first, so a keyboard and a screen reader reach the same
//! data; every cell's label says its layer (colour is never alone).

use std::rc::Rc;

use layerscope_protocol::human;
use layerscope_protocol::treemap::{CellKind, Treemap, TreemapCell, TreemapMode};
use layerscope_protocol::Summary;
use yew::prelude::*;

use crate::app::Dispatch;
use crate::selection::step_of_layer;
use crate::state::treemap::crumbs;
use crate::state::{Action, TreemapPane};

/// Layer colours cycle through this many (style.css `.lc-N`).
pub const COLOURS: usize = 8;

#[derive(Properties, PartialEq)]
pub struct TreemapProps {
    pub pane: TreemapPane,
    pub summary: Rc<Summary>,
    /// The layer the files map shows.
    pub layer: usize,
    pub dispatch: Dispatch,
}

fn colour(layer: usize) -> String {
    format!("lc-{}", layer % COLOURS)
}

fn label(cell: &TreemapCell) -> String {
    let what = match cell.kind {
        CellKind::Dir => format!("{} files", cell.files),
        CellKind::File => "file".to_string(),
        CellKind::Rest => format!("{} files, the smallest entries", cell.files),
    };
    format!(
        "{}: {}, {what}, mostly layer {}",
        cell.name,
        human::bytes(cell.bytes),
        cell.layer
    )
}

#[function_component(TreemapPanel)]
pub fn treemap_panel(props: &TreemapProps) -> Html {
    let pane = &props.pane;
    let mode_button = |mode: TreemapMode, text: &str| {
        let onclick = {
            let dispatch = props.dispatch.clone();
            Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::TreemapMode(mode)))
        };
        html! {
            <button type="button" class={classes!("btn", "small", (pane.mode == mode).then_some("on"))}
                aria-pressed={(pane.mode == mode).to_string()} {onclick}
                data-testid={format!("treemap-mode-{}", if mode == TreemapMode::Files { "files" } else { "waste" })}>
                { text }
            </button>
        }
    };
    let crumbs = crumbs(&pane.root);
    let last = crumbs.len() - 1;
    let breadcrumb = html! {
        <nav class="treemap-crumbs" aria-label="Directory shown">
            { for crumbs.into_iter().enumerate().map(|(i, (path, name))| {
                let onclick = {
                    let dispatch = props.dispatch.clone();
                    let path = path.clone();
                    Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::TreemapZoom(path.clone())))
                };
                html! {
                    <>
                        if i > 1 { <span aria-hidden="true">{ "/" }</span> }
                        if i == last {
                            <span class="mono" aria-current="location" data-testid="treemap-root">{ name }</span>
                        } else {
                            <button type="button" class="link mono" {onclick}>{ name }</button>
                        }
                    </>
                }
            }) }
        </nav>
    };
    // An answer about another directory, map or layer is not this one's.
    let current = pane.answer.as_ref().filter(|t| {
        t.root == pane.root
            && t.mode == pane.mode
            && (t.mode == TreemapMode::Waste || t.layer == props.layer)
    });
    let body = match (current, &pane.error) {
        (_, Some(error)) => {
            html! { <p class="error" role="alert" data-testid="treemap-error">{ error }</p> }
        }
        (None, None) => html! { <p class="muted">{ "Laying out the map…" }</p> },
        (Some(t), None) if t.cells.is_empty() => html! {
            <p class="muted" data-testid="treemap-empty">{ if t.mode == TreemapMode::Waste { "Nothing wasted here." } else { "No file bytes here." } }</p>
        },
        (Some(t), None) => drawing(t, &props.summary, &props.dispatch),
    };
    let what = match (current, pane.mode) {
        (Some(t), TreemapMode::Files) => format!(
            "{} in {} files after layer {}",
            human::bytes(t.bytes),
            t.files,
            props.layer
        ),
        (Some(t), TreemapMode::Waste) => {
            format!("{} wasted in {} paths", human::bytes(t.bytes), t.files)
        }
        (None, _) => String::new(),
    };
    html! {
        <section class="pane treemap" data-testid="treemap-panel" aria-labelledby="treemap-h">
            <h2 id="treemap-h">{ "Where the bytes go" }</h2>
            <div class="treemap-bar">
                <div class="btn-group" role="group" aria-label="Map">
                    { mode_button(TreemapMode::Files, "Files") }
                    { mode_button(TreemapMode::Waste, "Wasted") }
                </div>
                { breadcrumb }
                <span class="muted" data-testid="treemap-total">{ what }</span>
            </div>
            { body }
        </section>
    }
}

/// The drawing's size in SVG units (its ratio is the worker's aspect).
const W: f64 = 1600.0;
const H: f64 = W / crate::state::treemap::ASPECT;

fn drawing(t: &Treemap, summary: &Summary, dispatch: &Dispatch) -> Html {
    let legend: Vec<(usize, u64)> = t
        .layer_bytes
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, b)| *b > 0)
        .collect();
    // The picture is for the mouse; the list below it is the same cells for
    // a keyboard and a screen reader (the page's CSP allows no inline
    // style, so the cells are SVG, sized by attributes).
    html! {
        <>
            <svg class="treemap-svg" viewBox={format!("0 0 {W} {H}")} aria-hidden="true" focusable="false"
                data-testid="treemap">
                { for t.cells.iter().map(|cell| cell_svg(cell, summary, dispatch)) }
            </svg>
            <ul class="treemap-legend" aria-label="Bytes by layer">
                { for legend.into_iter().map(|(layer, bytes)| html! {
                    <li><svg class={classes!("swatch", colour(layer))} viewBox="0 0 10 10" aria-hidden="true" focusable="false"><rect width="10" height="10" /></svg>
                        { format!("layer {layer}: {}", human::bytes(bytes)) }</li>
                }) }
            </ul>
            <details class="treemap-list-box">
                <summary>{ format!("The {} cells as a list", t.cells.len()) }</summary>
                <ol class="treemap-list" data-testid="treemap-list">
                    { for t.cells.iter().map(|cell| cell_item(cell, summary, dispatch)) }
                </ol>
            </details>
        </>
    }
}

fn click(cell: &TreemapCell, summary: &Summary, dispatch: &Dispatch) -> Callback<MouseEvent> {
    let dispatch = dispatch.clone();
    let path = cell.path.clone();
    let kind = cell.kind;
    let step = step_of_layer(&summary.steps, cell.layer);
    Callback::from(move |_: MouseEvent| match kind {
        CellKind::Dir => dispatch.dispatch(Action::TreemapZoom(path.clone())),
        CellKind::File => {
            if let Some(index) = step {
                dispatch.dispatch(Action::SelectStep {
                    index,
                    extend: false,
                });
            }
            dispatch.dispatch(Action::SelectPath(path.clone()));
        }
        CellKind::Rest => {}
    })
}

fn kind_name(kind: CellKind) -> &'static str {
    match kind {
        CellKind::Dir => "dir",
        CellKind::File => "file",
        CellKind::Rest => "rest",
    }
}

fn cell_svg(cell: &TreemapCell, summary: &Summary, dispatch: &Dispatch) -> Html {
    let (x, y, w, h) = (cell.x * W, cell.y * H, cell.w * W, cell.h * H);
    // Room for a name and a size.
    let roomy = w >= 140.0 && h >= 70.0;
    let kind = kind_name(cell.kind);
    html! {
        <g class={classes!("treemap-cell", colour(cell.layer), kind)} onclick={click(cell, summary, dispatch)}
            data-testid="treemap-cell" data-path={cell.path.clone()} data-kind={kind}
            data-bytes={cell.bytes.to_string()} data-layer={cell.layer.to_string()}>
            <title>{ label(cell) }</title>
            <rect x={format!("{x:.1}")} y={format!("{y:.1}")} width={format!("{w:.1}")} height={format!("{h:.1}")} />
            if roomy {
                <text x={format!("{:.1}", x + 12.0)} y={format!("{:.1}", y + 36.0)} class="treemap-name">{ &cell.name }</text>
                <text x={format!("{:.1}", x + 12.0)} y={format!("{:.1}", y + 64.0)} class="treemap-size">{ human::bytes(cell.bytes) }</text>
            }
        </g>
    }
}

fn cell_item(cell: &TreemapCell, summary: &Summary, dispatch: &Dispatch) -> Html {
    let kind = kind_name(cell.kind);
    let action = match cell.kind {
        CellKind::Dir => "zoom in",
        CellKind::File => "show its story",
        CellKind::Rest => "",
    };
    html! {
        <li data-testid="treemap-item" data-path={cell.path.clone()} data-kind={kind}>
            <svg class={classes!("swatch", colour(cell.layer))} viewBox="0 0 10 10" aria-hidden="true" focusable="false"><rect width="10" height="10" /></svg>
            if cell.kind == CellKind::Rest {
                <span>{ label(cell) }</span>
            } else {
                <button type="button" class="link" onclick={click(cell, summary, dispatch)}
                    aria-label={format!("{}; {action}", label(cell))}>
                    { label(cell) }
                </button>
            }
        </li>
    }
}
