//! The root component. A placeholder until the real page lands.

use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <main class="page">
            <h1>{ "layerscope" }</h1>
            <p class="tagline">
                { "Inspect container image tarballs — layers, files and wasted space — entirely in your browser. Nothing is uploaded." }
            </p>
            <section class="dropzone" aria-label="image drop zone">
                <p>{ "Drop an image here — coming soon" }</p>
            </section>
        </main>
    }
}
