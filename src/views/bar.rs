//! A horizontal bar drawn as SVG: the page's CSP allows no inline `style`,
//! and an SVG `<rect width>` is an attribute, not a style.

use yew::prelude::*;

/// `fraction` (0 to 1) of the width, filled; `class` picks the colour.
pub fn bar(fraction: f64, class: &'static str) -> Html {
    bar_with_waste(fraction, 0.0, class)
}

/// The size bar with the part of it nobody sees marked: `fraction` of the
/// width filled (a sliver for anything above 0), its last `wasted` (also a
/// fraction of the width) in the waste colour.
pub fn bar_with_waste(fraction: f64, wasted: f64, class: &'static str) -> Html {
    let units = |f: f64| {
        if f.is_finite() {
            (f.clamp(0.0, 1.0) * 1000.0).round()
        } else {
            0.0
        }
    };
    let width = if fraction > 0.0 {
        units(fraction).max(4.0)
    } else {
        0.0
    };
    let waste = if wasted > 0.0 {
        units(wasted).max(4.0).min(width)
    } else {
        0.0
    };
    html! {
        <svg class={classes!("bar", class)} viewBox="0 0 1000 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
            <rect class="bar-track" x="0" y="0" width="1000" height="10" />
            <rect class="bar-fill" x="0" y="0" width={width.to_string()} height="10" />
            if waste > 0.0 {
                <rect class="bar-waste" x={(width - waste).to_string()} y="0" width={waste.to_string()} height="10" />
            }
        </svg>
    }
}
