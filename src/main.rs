//! layerscope's web page: a Yew app that inspects container image tarballs
//! entirely in the browser. A Web Worker (crates/worker) runs the engine; this
//! crate is only the UI and the client side of that worker.
//!
//! The pure parts (state and reducer, selection, URL, formatting, the
//! virtual list's window math) build everywhere and are tested on the host
//! with `cargo test`; everything that touches the DOM or Yew is compiled for
//! wasm32 only, so the workspace's host build never builds Yew.

// On the host only the tests use the pure modules.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code, unused_imports))]

mod format;
mod glossary;
mod route;
mod selection;
mod state;
mod window;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod views;

fn main() {
    #[cfg(target_arch = "wasm32")]
    yew::Renderer::<app::App>::new().render();
}
