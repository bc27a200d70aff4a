//! Packages: which layer installed, upgraded or removed which package (the
//! engine's `packages`, the same figures as `layerscope packages --json`),
//! as a table sortable by name, layer, size and waste, filtered by name and
//! ecosystem, a page of rows at a time ("show more": see
//! `state/packages.rs`). A package's name selects the layer that added it
//! and shows only its files in the tree. Below, the directories of the
//! files no package owns, and the databases that could not be read.
//! Everything from the image (names, versions, paths) is text, never markup.

use layerscope_protocol::{human, PackageRow, PackagesView};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::app::Dispatch;
use crate::browser;
use crate::state::packages::{history, PackageSort, PAGE};
use crate::state::{Action, PackagesPane};

#[derive(Properties, PartialEq)]
pub struct PackagesProps {
    pub pane: PackagesPane,
    pub dispatch: Dispatch,
}

fn column_name(sort: PackageSort) -> &'static str {
    match sort {
        PackageSort::Name => "Package",
        PackageSort::Layer => "Layer",
        PackageSort::Bytes => "Size",
        PackageSort::Wasted => "Wasted",
    }
}

#[function_component(PackagesPanel)]
pub fn packages_panel(props: &PackagesProps) -> Html {
    let pane = &props.pane;
    let body = match &pane.view {
        None => {
            html! { <p class="muted" data-testid="packages-loading">{ "Reading the package databases…" }</p> }
        }
        Some(view) if view.packages.is_empty() => html! {
            <>
                <p class="muted" data-testid="packages-empty">
                    { "No package database found (dpkg, apk, Python dist-info or egg-info, npm package.json)." }
                </p>
                { unowned(view) }
                { diagnostics(view) }
            </>
        },
        Some(view) => table(pane, view, &props.dispatch),
    };
    html! {
        <section class="pane packages" data-testid="packages-panel" aria-labelledby="packages-h">
            <h2 id="packages-h">{ "Packages" }</h2>
            <p class="hint">
                { "What each layer installed, upgraded or removed, from the package databases it wrote (the figures of layerscope packages --json). Size: the package's files in the final image; wasted: copies of them stored but never seen. A name shows its files in the tree." }
            </p>
            { body }
        </section>
    }
}

fn table(pane: &PackagesPane, view: &PackagesView, dispatch: &Dispatch) -> Html {
    let matching = pane.matching();
    let page = pane.page().min(matching.len());
    let oninput = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            dispatch.dispatch(Action::FilterPackages(input.value()));
        })
    };
    let onchange = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let value = select.value();
            dispatch.dispatch(Action::PackageEcosystem(
                (!value.is_empty()).then_some(value),
            ));
        })
    };
    let more = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::MorePackages))
    };
    let header = |sort: PackageSort| {
        let active = pane.sort == sort;
        let aria_sort = match (active, pane.descending()) {
            (false, _) => "none",
            (true, true) => "descending",
            (true, false) => "ascending",
        };
        let onclick = {
            let dispatch = dispatch.clone();
            Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::SortPackages(sort)))
        };
        let arrow = match aria_sort {
            "descending" => " ▼",
            "ascending" => " ▲",
            _ => "",
        };
        let numeric = matches!(
            sort,
            PackageSort::Bytes | PackageSort::Wasted | PackageSort::Layer
        );
        html! {
            <th scope="col" aria-sort={aria_sort} class={classes!(numeric.then_some("num"))}>
                <button type="button" class="sort-button" data-testid={format!("packages-sort-{}", sort.key())}
                    data-active={active.to_string()} {onclick}
                    title={format!("Sort by {}", column_name(sort).to_lowercase())}>
                    { column_name(sort) }<span aria-hidden="true">{ arrow }</span>
                </button>
            </th>
        }
    };
    let count = if matching.len() == view.packages.len() {
        format!("{} packages", view.packages.len())
    } else {
        format!(
            "{} of {} packages match",
            matching.len(),
            view.packages.len()
        )
    };
    html! {
        <>
            <div class="packages-tools">
                <input type="search" class="filter" data-testid="packages-filter" value={pane.filter.clone()} {oninput}
                    placeholder="Filter by name" aria-label="Filter packages by name" />
                <label class="field">
                    <span>{ "Ecosystem" }</span>
                    <select data-testid="packages-ecosystem" {onchange}>
                        <option value="" selected={pane.ecosystem.is_none()}>{ "all" }</option>
                        { for pane.ecosystems().into_iter().map(|(e, n)| html! {
                            <option value={e.clone()} selected={pane.ecosystem.as_ref() == Some(&e)}>{ format!("{e} ({n})") }</option>
                        }) }
                    </select>
                </label>
                <span class="count" role="status" data-testid="packages-count" data-matching={matching.len().to_string()}
                    data-shown={page.to_string()}>
                    { count }
                </span>
            </div>
            if matching.is_empty() {
                <p class="muted" data-testid="packages-none">{ "No package matches the filters." }</p>
            } else {
                <div class="packages-scroll" role="region" aria-label="Packages table (scrolls sideways on a narrow screen)" tabindex="0">
                    <table class="packages-table" data-testid="packages-table">
                        <thead>
                            <tr>
                                { header(PackageSort::Name) }
                                <th scope="col">{ "Version" }</th>
                                { header(PackageSort::Layer) }
                                <th scope="col">{ "Later" }</th>
                                <th scope="col" class="num">{ "Files" }</th>
                                { header(PackageSort::Bytes) }
                                { header(PackageSort::Wasted) }
                            </tr>
                        </thead>
                        <tbody>
                            { for matching[..page].iter().map(|&k| row(k, &view.packages[k], dispatch)) }
                        </tbody>
                    </table>
                </div>
                if page < matching.len() {
                    <button type="button" class="btn tiny" data-testid="packages-more" onclick={more}>
                        { format!("Show {} more ({} not shown)", PAGE.min(matching.len() - page), matching.len() - page) }
                    </button>
                }
            }
            { unowned(view) }
            { diagnostics(view) }
        </>
    }
}

fn row(k: usize, p: &PackageRow, dispatch: &Dispatch) -> Html {
    let onclick = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            dispatch.dispatch(Action::ShowPackage(Some(k)));
            browser::scroll_to_selector("[data-tour='tree']");
        })
    };
    let later = history(p);
    html! {
        <tr data-testid="package-row" data-index={k.to_string()} data-ecosystem={p.ecosystem.clone()}
            data-name={p.name.clone()} data-version={p.version.clone()} data-layer={p.added_in_layer.to_string()}
            data-bytes={p.bytes.to_string()} data-wasted={p.wasted_bytes.to_string()} data-files={p.files.to_string()}
            data-removed={p.removed_in_layer.map(|l| l.to_string()).unwrap_or_default()}>
            <td class="pkg-name">
                <button type="button" class="link mono" data-testid="package-show" {onclick}
                    title={format!("Select layer {} and show only the files of {} in the tree ({})", p.added_in_layer, p.name, p.location)}>
                    { &p.name }
                </button>
                <span class="pkg-eco">{ &p.ecosystem }</span>
            </td>
            <td class="mono">{ &p.version }</td>
            <td class="num">{ p.added_in_layer }</td>
            <td class="pkg-later">{ later }</td>
            <td class="num">{ p.files }</td>
            <td class="num" title={format!("{} bytes", p.bytes)}>{ human::bytes(p.bytes) }</td>
            <td class="num" title={format!("{} bytes", p.wasted_bytes)}>{ human::bytes(p.wasted_bytes) }</td>
        </tr>
    }
}

fn unowned(view: &PackagesView) -> Html {
    if view.unowned.is_empty() {
        return html! {};
    }
    let more = view.unowned_total.saturating_sub(view.unowned.len());
    html! {
        <details class="packages-unowned" data-testid="packages-unowned">
            <summary>{ "Files no package owns, by directory, most bytes first" }</summary>
            <ul>
                { for view.unowned.iter().map(|u| html! {
                    <li data-testid="unowned-dir" data-dir={u.dir.clone()}>
                        <span class="mono">{ &u.dir }</span>
                        { format!(" · {} file{} · {}", u.files, if u.files == 1 { "" } else { "s" }, human::bytes(u.bytes)) }
                    </li>
                }) }
                if more > 0 {
                    <li class="muted">{ format!("and {more} more directories in layerscope packages --json") }</li>
                }
            </ul>
        </details>
    }
}

fn diagnostics(view: &PackagesView) -> Html {
    if view.diagnostics.is_empty() {
        return html! {};
    }
    html! {
        <ul class="packages-notes" data-testid="packages-notes">
            { for view.diagnostics.iter().map(|d| html! { <li>{ d }</li> }) }
        </ul>
    }
}
