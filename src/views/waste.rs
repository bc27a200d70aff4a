//! Wasted space, two ways side by side: dive 0.13.1's three figures (equal
//! to dive's own output) and our exact count, with the most wasted paths.
//! Clicking a path selects it in the tree and tells its story.

use std::rc::Rc;

use layerscope_protocol::Summary;
use yew::prelude::*;

use crate::views::term::Term;

use crate::app::Dispatch;
use crate::format;
use crate::state::Action;

/// Paths listed before "show all".
const SHOWN: usize = 10;

#[derive(Properties, PartialEq)]
pub struct WasteProps {
    pub summary: Rc<Summary>,
    pub dispatch: Dispatch,
}

fn opt_percent(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), format::percent)
}

#[function_component(WastePanel)]
pub fn waste_panel(props: &WasteProps) -> Html {
    let all = use_state(|| false);
    let w = &props.summary.waste;
    let top: Vec<_> = if *all {
        w.top.iter().collect()
    } else {
        w.top.iter().take(SHOWN).collect()
    };
    let toggle = {
        let all = all.clone();
        Callback::from(move |_| all.set(!*all))
    };
    html! {
        <section class="pane waste" data-testid="waste-panel" aria-labelledby="waste-h" data-tour="waste">
            <h2 id="waste-h"><Term key_name="exact-waste" label="Wasted space" /></h2>
            <div class="waste-cols">
                <div class="waste-col">
                    <h3>{ "dive 0.13.1" }</h3>
                    <dl class="figures">
                        <dt><Term key_name="efficiency" label="Efficiency" /></dt>
                        <dd data-testid="dive-efficiency" data-value={w.dive_efficiency.map(|v| v.to_string())}>{ opt_percent(w.dive_efficiency) }</dd>
                        <dt><Term key_name="wasted-bytes" label="Wasted" /></dt>
                        <dd data-testid="dive-wasted" data-value={w.dive_wasted_bytes.to_string()} title={format!("{} bytes", w.dive_wasted_bytes)}>
                            { format::bytes(w.dive_wasted_bytes) }
                        </dd>
                        <dt>{ "User wasted" }</dt>
                        <dd data-testid="dive-user-wasted" data-value={w.dive_user_wasted_percent.map(|v| v.to_string())}>{ opt_percent(w.dive_user_wasted_percent) }</dd>
                    </dl>
                </div>
                <div class="waste-col exact">
                    <h3>{ "Exact" }</h3>
                    <dl class="figures">
                        <dt><Term key_name="exact-waste" label="Efficiency" /></dt>
                        <dd data-testid="exact-efficiency" data-value={w.efficiency.to_string()}>{ format::percent(w.efficiency) }</dd>
                        <dt>{ "Wasted" }</dt>
                        <dd data-testid="exact-wasted" data-value={w.wasted_bytes.to_string()} title={format!("{} bytes", w.wasted_bytes)}>
                            { format::bytes(w.wasted_bytes) }
                        </dd>
                        <dt>{ "Stored" }</dt>
                        <dd title={format!("{} bytes stored, {} bytes visible", w.stored_bytes, w.visible_bytes)}>
                            { format!("{} ({} visible)", format::bytes(w.stored_bytes), format::bytes(w.visible_bytes)) }
                        </dd>
                    </dl>
                </div>
            </div>
            <p class="hint">
                { "dive counts every copy of a path beyond the smallest, directories included; the exact figure counts the bytes stored in layers that the final filesystem does not show (overwritten or deleted)." }
            </p>
            if w.top.is_empty() {
                <p class="muted">{ "Nothing is wasted: every stored byte is visible in the final filesystem." }</p>
            } else {
                <h3>{ "Most wasted paths" }</h3>
                <table class="waste-top">
                    <thead>
                        <tr>
                            <th scope="col" class="num">{ "Wasted" }</th>
                            <th scope="col" class="num">{ "Copies" }</th>
                            <th scope="col">{ "Layers" }</th>
                            <th scope="col">{ "Path" }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for top.iter().map(|p| {
                            let onclick = {
                                let dispatch = props.dispatch.clone();
                                let path = p.path.clone();
                                Callback::from(move |_| dispatch.dispatch(Action::SelectPath(path.clone())))
                            };
                            html! {
                                <tr data-testid="waste-path" data-path={p.path.clone()}>
                                    <td class="num nowrap" title={format!("{} bytes", p.wasted_bytes)}>{ format::bytes(p.wasted_bytes) }</td>
                                    <td class="num">{ p.copies }</td>
                                    <td class="nowrap">{ p.layers.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ") }</td>
                                    <td class="wrap">
                                        <button type="button" class="link mono" {onclick} title="Select this path in the tree and show its story">
                                            { &p.path }
                                        </button>
                                        if !p.present { <span class="gone" title="not in the final filesystem">{ " (deleted)" }</span> }
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if w.top.len() > SHOWN {
                    <button type="button" class="btn tiny" onclick={toggle}>
                        { if *all { "Show fewer".to_string() } else { format!("Show all {}", w.top.len()) } }
                    </button>
                }
            }
            if !w.dive_top.is_empty() {
                <details class="dive-top">
                    <summary>{ format!("dive's list ({} paths)", w.dive_top.len()) }</summary>
                    <table class="waste-top">
                        <thead><tr><th scope="col" class="num">{ "Count" }</th><th scope="col" class="num">{ "Total space" }</th><th scope="col">{ "Path" }</th></tr></thead>
                        <tbody>
                            { for w.dive_top.iter().take(50).map(|p| {
                                let onclick = {
                                    let dispatch = props.dispatch.clone();
                                    let path = p.path.clone();
                                    Callback::from(move |_| dispatch.dispatch(Action::SelectPath(path.clone())))
                                };
                                html! {
                                    <tr>
                                        <td class="num">{ p.count }</td>
                                        <td class="num nowrap">{ format::bytes(p.cumulative_size) }</td>
                                        <td class="wrap"><button type="button" class="link mono" {onclick}>{ &p.path }</button></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </details>
            }
        </section>
    }
}
