//! The file tree, virtualized: rows have one fixed height, a spacer gives
//! the scrollbar the length of all rows, and only the rows in view (plus a
//! few) are in the DOM, taken from the window the worker last sent. Scrolling
//! dispatches `Scrolled`; the reducer decides when a new window is needed.
//!
//! The CSP forbids inline `style`, so the spacer's height and the rows'
//! offset are set through the CSSOM (`element.style`), which it allows.

use layerscope_protocol::{Row, Sort, View};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use crate::views::term::Term;

use crate::app::Dispatch;
use crate::format;
use crate::state::{Action, Mode, Tree, TreeKey};
use crate::window::{self, ROW_HEIGHT};

/// Rows rendered beyond each edge of the view, so a small scroll shows no gap.
const OVERSCAN: usize = 4;
/// Rows are rendered in blocks of this many, each a memoized component: a
/// scroll within the rows rendered touches no block, and crossing a block
/// boundary patches one block (moved from one end to the other), not every
/// row.
const BLOCK: usize = 8;
/// Deeper levels are not indented further (the path is in the row's title).
const MAX_INDENT: usize = 40;

#[derive(Properties, PartialEq)]
pub struct TreeProps {
    pub tree: Tree,
    pub mode: Mode,
    pub view: Option<View>,
    pub selected_path: Option<String>,
    pub is_range: bool,
    /// B's name, when the open image was compared with another.
    pub compared_with: Option<String>,
    pub dispatch: Dispatch,
    pub filter_ref: NodeRef,
    /// The layer the selection needs that is still being read (no view yet).
    #[prop_or_default]
    pub unread_layer: Option<usize>,
}

#[function_component(FileTree)]
pub fn file_tree(props: &TreeProps) -> Html {
    let scroller = use_node_ref();
    let spacer = use_node_ref();
    let rows_box = use_node_ref();
    let tree = &props.tree;
    let total = tree.total.unwrap_or(0);
    let viewport = if tree.viewport > 0.0 {
        tree.viewport
    } else {
        window::DEFAULT_VIEWPORT
    };
    let shown = window::visible(tree.scroll_top, viewport, Some(total));
    let first_block = shown.start.saturating_sub(OVERSCAN) / BLOCK;
    let end_block = (shown.end + OVERSCAN).min(total).div_ceil(BLOCK);
    let first = first_block * BLOCK;
    // Each block keeps its key while it stays rendered; a block that comes
    // takes the key of one that went (in their order), so a jump patches
    // the same nodes in place and a scroll by a block moves one node.
    let block_keys = use_mut_ref(Vec::<(usize, u32)>::new);
    let keys = {
        let mut held = block_keys.borrow_mut();
        let blocks = first_block..end_block.max(first_block);
        let mut free = held
            .iter()
            .filter(|(b, _)| !blocks.contains(b))
            .map(|&(_, k)| k)
            .collect::<Vec<_>>()
            .into_iter();
        let mut next = held.iter().map(|&(_, k)| k + 1).max().unwrap_or(0);
        let keys: Vec<(usize, u32)> = blocks
            .map(|b| match held.iter().find(|(h, _)| *h == b) {
                Some(&(_, k)) => (b, k),
                None => (
                    b,
                    free.next().unwrap_or_else(|| {
                        next += 1;
                        next - 1
                    }),
                ),
            })
            .collect();
        held.clone_from(&keys);
        keys
    };
    let selected_path = props.selected_path.as_deref();

    // Measure the viewport now and whenever the window is resized.
    {
        let scroller = scroller.clone();
        let dispatch = props.dispatch.clone();
        use_effect_with((), move |_| {
            let measure = move || {
                if let Some(el) = scroller.cast::<HtmlElement>() {
                    dispatch.dispatch(Action::Scrolled {
                        top: el.scroll_top() as f64,
                        viewport: el.client_height() as f64,
                    });
                }
            };
            measure();
            let listener = Closure::<dyn FnMut()>::new(measure);
            let win = crate::browser::window();
            let _ =
                win.add_event_listener_with_callback("resize", listener.as_ref().unchecked_ref());
            move || {
                let _ = win.remove_event_listener_with_callback(
                    "resize",
                    listener.as_ref().unchecked_ref(),
                );
                drop(listener);
            }
        });
    }

    // Spacer height and rows offset, through the CSSOM.
    {
        let spacer = spacer.clone();
        let rows_box = rows_box.clone();
        use_effect_with((total, first), move |(total, first)| {
            if let Some(el) = spacer.cast::<HtmlElement>() {
                let _ = el
                    .style()
                    .set_property("height", &format!("{}px", *total as f64 * ROW_HEIGHT));
            }
            if let Some(el) = rows_box.cast::<HtmlElement>() {
                let _ = el.style().set_property(
                    "transform",
                    &format!("translateY({}px)", *first as f64 * ROW_HEIGHT),
                );
            }
        });
    }

    // Scroll where the reducer asks (keyboard, a path found).
    {
        let scroller = scroller.clone();
        use_effect_with(tree.scroll_to, move |to| {
            if let (Some((_, px)), Some(el)) = (to, scroller.cast::<HtmlElement>()) {
                if (el.scroll_top() as f64 - px).abs() >= 1.0 {
                    el.set_scroll_top(*px as i32);
                }
            }
        });
    }

    let onscroll = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let el: HtmlElement = e.target_unchecked_into();
            dispatch.dispatch(Action::Scrolled {
                top: el.scroll_top() as f64,
                viewport: el.client_height() as f64,
            });
        })
    };
    let onkeydown = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let key = match e.key().as_str() {
                "ArrowDown" | "j" => TreeKey::Down,
                "ArrowUp" | "k" => TreeKey::Up,
                "ArrowLeft" | "h" => TreeKey::Left,
                "ArrowRight" | "l" => TreeKey::Right,
                "PageDown" => TreeKey::PageDown,
                "PageUp" => TreeKey::PageUp,
                "Home" => TreeKey::Home,
                "End" => TreeKey::End,
                "Enter" | " " => TreeKey::Activate,
                _ => return,
            };
            e.prevent_default();
            dispatch.dispatch(Action::TreeKey(key));
        })
    };

    let d = &props.dispatch;
    let oninput = {
        let d = d.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            d.dispatch(Action::SetFilter(input.value()));
        })
    };
    let filter_keydown = {
        let d = d.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                d.dispatch(Action::SetFilter(String::new()));
            }
        })
    };
    let on_mode = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            d.dispatch(Action::SetMode(match select.value().as_str() {
                "changes" => Mode::Changes,
                "container" => Mode::Container,
                "compare" => Mode::Compare,
                _ => Mode::Union,
            }));
        })
    };
    let on_sort = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            d.dispatch(Action::SetSort(if select.value() == "size" {
                Sort::Size
            } else {
                Sort::Name
            }));
        })
    };
    let on_hide = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            d.dispatch(Action::SetHideUnchanged(input.checked()));
        })
    };
    let expand_all = {
        let d = d.clone();
        Callback::from(move |_| d.dispatch(Action::ExpandAll))
    };
    let collapse_all = {
        let d = d.clone();
        Callback::from(move |_| d.dispatch(Action::CollapseAll))
    };

    let caption = match &props.view {
        Some(View::Union { layer }) => {
            format!("The filesystem after layer {layer}; marks show what layer {layer} changed.")
        }
        Some(View::Changes { from, to }) if from == to => {
            format!("Only what layer {from} changed.")
        }
        Some(View::Changes { from, to }) => {
            format!("What layers {from}–{to} changed together, against the filesystem below layer {from}.")
        }
        Some(View::Container { .. }) => "What a running container sees: the image's last layer with the container layer on top; marks show what the container did.".to_string(),
        Some(View::Compare { .. }) => format!(
            "Every path that differs between this image and {}: added (only in it), removed (only in this one) or modified.",
            props.compared_with.as_deref().unwrap_or("the image compared with")
        ),
        None if props.unread_layer.is_some() => String::new(),
        None => "This step changed no files (an empty-layer step).".to_string(),
    };
    let unread_text = props.unread_layer.map(|l| {
        format!("Layer {l} is still being read: its files show here as soon as it is. The layers read so far can be explored meanwhile.")
    });
    let empty_text = if let Some(text) = &unread_text {
        Some(text.as_str())
    } else if props.view.is_none() {
        Some("No files changed here: this build step made no layer.")
    } else if total == 0 && tree.fresh() {
        Some(if props.tree.package.is_some() {
            "None of this package's files is in this view."
        } else if !props.tree.filter.trim().is_empty() {
            "No path matches the filter."
        } else if props.mode == Mode::Compare {
            "No path differs: the two filesystems are the same."
        } else if props.mode == Mode::Changes || props.tree.hide_unchanged {
            "No changed paths here."
        } else {
            "This filesystem is empty."
        })
    } else {
        None
    };
    let busy = tree.pending.is_some() || !tree.fresh();

    html! {
        <section class="pane tree-pane" aria-labelledby="tree-h" data-tour="tree">
            <div class="pane-head">
                <h2 id="tree-h"><Term key_name="union-filesystem" label="Files" /></h2>
                <span class="count" aria-live="polite" data-testid="tree-count" data-total={tree.total.filter(|_| tree.fresh()).map(|t| t.to_string())}>
                    { if tree.fresh() { format!("{total} rows") } else { "loading…".to_string() } }
                </span>
            </div>
            <div class="tree-toolbar">
                <input type="search" class="filter" data-testid="tree-filter" ref={props.filter_ref.clone()}
                    placeholder="Filter: text or glob (*.so, /etc/**) — press /" aria-label="Filter paths by text or glob"
                    value={props.tree.filter.clone()} {oninput} onkeydown={filter_keydown} />
                <div class="tools">
                    <label class="field">
                        <span>{ "Show" }</span>
                        <select data-testid="view-mode" onchange={on_mode} aria-label="What the tree shows">
                            <option value="union" selected={props.mode == Mode::Union}>{ "filesystem (union)" }</option>
                            <option value="changes" selected={props.mode == Mode::Changes}>{ "changes only" }</option>
                            <option value="container" selected={props.mode == Mode::Container}>{ "running container" }</option>
                            if let Some(other) = &props.compared_with {
                                <option value="compare" selected={props.mode == Mode::Compare}>{ format!("difference with {other}") }</option>
                            }
                        </select>
                    </label>
                    <label class="field">
                        <span>{ "Sort" }</span>
                        <select data-testid="sort-select" onchange={on_sort} aria-label="Sort by">
                            <option value="name" selected={props.tree.sort == Sort::Name}>{ "name" }</option>
                            <option value="size" selected={props.tree.sort == Sort::Size}>{ "size" }</option>
                        </select>
                    </label>
                    <label class="check" title="In the filesystem view, show only what the layer changed (and the directories above)">
                        <input type="checkbox" data-testid="hide-unchanged" checked={props.tree.hide_unchanged}
                            disabled={props.mode == Mode::Changes} onchange={on_hide} />
                        { "hide unchanged" }
                    </label>
                    <button type="button" class="btn tiny" data-testid="expand-all" onclick={expand_all} aria-pressed={props.tree.expand_all.to_string()}>{ "Expand all" }</button>
                    <button type="button" class="btn tiny" data-testid="collapse-all" onclick={collapse_all}>{ "Collapse all" }</button>
                </div>
            </div>
            if let Some((_, label)) = &props.tree.package {
                <p class="tree-package" data-testid="tree-package" role="status">
                    <span>{ "Only the files of " }<strong class="mono">{ label }</strong></span>
                    <button type="button" class="btn tiny" data-testid="tree-package-clear"
                        onclick={{
                            let dispatch = props.dispatch.clone();
                            Callback::from(move |_| dispatch.dispatch(Action::ShowPackage(None)))
                        }}>
                        { "Show the whole filesystem" }
                    </button>
                </p>
            }
            <p class="hint">
                { caption }
                <span class="legend">
                    <span class="added">{ "+ added" }</span>
                    <span class="modified">{ "~ modified" }</span>
                    <span class="removed">{ "− removed (" }<Term key_name="whiteout" label="whiteout" />{ ")" }</span>
                </span>
            </p>
            <div class="tree-head" aria-hidden="true">
                <span class="t-mark"></span>
                <span class="t-mode">{ "Permission" }</span>
                <span class="t-owner">{ "UID:GID" }</span>
                <span class="t-size">{ "Size" }</span>
                <span class="t-name">{ "Name" }</span>
            </div>
            <div class={classes!("tree-scroll", busy.then_some("busy"))} role="tree" data-testid="file-tree" tabindex="0"
                aria-labelledby="tree-h" aria-busy={busy.to_string()}
                aria-activedescendant={tree.row(tree.cursor).map(|_| format!("tree-row-{}", tree.cursor))}
                ref={scroller} {onscroll} {onkeydown}>
                <div class="tree-spacer" ref={spacer}>
                    <div class="tree-rows" ref={rows_box}>
                        { for keys.iter().map(|&(b, key)| {
                            let start = b * BLOCK;
                            let end = (start + BLOCK).min(total);
                            let selected = selected_path.and_then(|p| (start..end).find(|&i| tree.row(i).is_some_and(|r| r.path == p)));
                            html! {
                                <RowBlock key={key} {start} {end} rows={tree.rows.clone()} offset={tree.offset}
                                    cursor={(start..end).contains(&tree.cursor).then_some(tree.cursor)}
                                    {selected} fresh={tree.fresh()} dispatch={props.dispatch.clone()} />
                            }
                        }) }
                    </div>
                </div>
                if let Some(text) = empty_text {
                    <p class="tree-empty" data-testid={if unread_text.is_some() { "tree-reading" } else { "tree-empty" }}>{ text }</p>
                }
            </div>
        </section>
    }
}

#[derive(Properties)]
struct BlockProps {
    start: usize,
    end: usize,
    rows: std::rc::Rc<Vec<Row>>,
    offset: usize,
    cursor: Option<usize>,
    selected: Option<usize>,
    fresh: bool,
    dispatch: Dispatch,
}

impl BlockProps {
    fn row(&self, index: usize) -> Option<&Row> {
        index
            .checked_sub(self.offset)
            .and_then(|i| self.rows.get(i))
    }
}

impl PartialEq for BlockProps {
    /// Equal when the block would show the same: its own rows compared (a
    /// new window that holds them again changes nothing), not the window.
    fn eq(&self, other: &Self) -> bool {
        self.start == other.start
            && self.end == other.end
            && self.cursor == other.cursor
            && self.selected == other.selected
            && self.fresh == other.fresh
            && self.dispatch == other.dispatch
            && ((std::rc::Rc::ptr_eq(&self.rows, &other.rows) && self.offset == other.offset)
                || (self.start..self.end).all(|i| self.row(i) == other.row(i)))
    }
}

/// `BLOCK` rows (fewer at the end), rendered again only when they change.
#[function_component(RowBlock)]
fn row_block(props: &BlockProps) -> Html {
    html! {
        <div class="tree-block">
            { for (props.start..props.end).map(|i| match props.row(i) {
                Some(row) => row_view(i, row, &props.dispatch, props.cursor == Some(i), props.selected == Some(i), props.fresh),
                None => placeholder(),
            }) }
        </div>
    }
}

/// A row not held yet. Built like a row (the same elements, empty), so that
/// a block turning from placeholders into rows patches text, not nodes.
fn placeholder() -> Html {
    html! {
        <div class="tree-row placeholder" aria-hidden="true">
            <span class="t-mark">{ "" }</span>
            <span class="t-mode">{ "" }</span>
            <span class="t-owner">{ "" }</span>
            <span class="t-size">{ "" }</span>
            <span class="t-name">
                <span class="t-indent i-0"></span>
                <span class="t-toggle">{ "" }</span>
                <span class="t-label">{ "…" }</span>
            </span>
        </div>
    }
}

/// One row. A `stale` row (from before the query changed: another layer,
/// filter, sort or expansion) stays in view until the answer comes, so the
/// tree does not blink, but it is not a `tree-row` yet: neither tests nor
/// assistive technology take it for the current tree.
fn row_view(
    index: usize,
    row: &Row,
    dispatch: &Dispatch,
    cursor: bool,
    selected: bool,
    fresh: bool,
) -> Html {
    let mark = format::mark_name(row.mark);
    let onclick = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.dispatch(Action::RowClicked { index }))
    };
    let kind = format::kind_name(row.kind);
    let mut title = format!("{} ({kind})", row.path);
    if let Some(link) = &row.link {
        title.push_str(&format!(" → {link}"));
    }
    if let Some(link) = &row.hardlink {
        title.push_str(&format!(", hard link to {link}"));
    }
    if !mark.is_empty() {
        title.push_str(&format!(": {mark}"));
        if !row.fields.is_empty() {
            title.push_str(&format!(" ({})", row.fields.join(", ")));
        }
    }
    html! {
        // Not keyed: within its block a row is patched in place by
        // position (blocks are keyed, see `FileTree`). Keyed by index, a
        // fling (a screenful a frame) removed and created every row: 858 of
        // 2678 frames dropped, 97 patched in place.
        <div role="treeitem" id={format!("tree-row-{index}")} data-testid={fresh.then_some("tree-row")}
            data-path={row.path.clone()} data-mark={mark}
            aria-level={(row.depth + 1).to_string()} aria-expanded={row.has_children.then(|| row.expanded.to_string())}
            aria-selected={selected.to_string()}
            class={classes!("tree-row", (!mark.is_empty()).then(|| format!("mark-{mark}")), selected.then_some("selected"), cursor.then_some("cursor"), (!fresh).then_some("stale"))}
            {title} {onclick}>
            <span class="t-mark" aria-hidden="true">{ format::mark_symbol(row.mark) }</span>
            <span class="t-mode">{ &row.mode }</span>
            <span class="t-owner">{ format!("{}:{}", row.uid, row.gid) }</span>
            <span class={classes!("t-size", (row.kind == 'd').then_some("dir"))}>
                { if row.kind == 'f' || row.kind == 'd' { format::bytes(row.size) } else { String::new() } }
            </span>
            <span class="t-name">
                <span class={classes!("t-indent", format!("i-{}", row.depth.min(MAX_INDENT)))}></span>
                <span class="t-toggle" aria-hidden="true">
                    { if row.has_children { if row.expanded { "▾" } else { "▸" } } else { "" } }
                </span>
                <span class={classes!("t-label", format!("k-{}", row.kind))}>{ &row.name }</span>
                if let Some(link) = &row.link { <span class="t-link">{ " → " }{ link }</span> }
                if let Some(link) = &row.hardlink { <span class="t-link">{ " ⇒ " }{ link }</span> }
                if !mark.is_empty() {
                    <span class="visually-hidden">{ format!(" ({mark})") }</span>
                }
                if !row.fields.is_empty() { <span class="t-fields">{ row.fields.join(", ") }</span> }
            </span>
        </div>
    }
}
