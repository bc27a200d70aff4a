//! A term people may not know (layer, diff_id, whiteout…), explained on hover
//! and on keyboard focus: the word is focusable and its tooltip is its
//! accessible description. The words themselves live in `glossary.rs`.

use std::cell::Cell;

use yew::prelude::*;

use crate::glossary;

thread_local! {
    static NEXT: Cell<u32> = const { Cell::new(0) };
}

#[derive(Properties, PartialEq)]
pub struct TermProps {
    /// The glossary key (`diff-id`, `whiteout`).
    pub key_name: AttrValue,
    /// The text shown; the glossary's label when absent.
    #[prop_or_default]
    pub label: Option<AttrValue>,
}

#[function_component(Term)]
pub fn term(props: &TermProps) -> Html {
    let id = use_state(|| {
        NEXT.with(|n| {
            n.set(n.get() + 1);
            format!("term-{}", n.get())
        })
    });
    let Some(t) = glossary::term(&props.key_name) else {
        // An unknown key is a bug; the word still shows.
        return html! { <>{ props.label.clone().unwrap_or_default() }</> };
    };
    let label = props.label.clone().unwrap_or(AttrValue::Static(t.label));
    html! {
        <span class="term" tabindex="0" aria-describedby={(*id).clone()} data-term={t.key}>
            { label }
            // Hidden from the accessible name (a heading stays "Layers"), but
            // still the description the word points at.
            <span class="tip" role="tooltip" id={(*id).clone()} aria-hidden="true">
                <strong>{ t.label }</strong>{ " — " }{ t.short }
            </span>
        </span>
    }
}
