//! layerscope's web page: a Yew app that will inspect container image
//! tarballs entirely in the browser. For now it renders a placeholder; the
//! real page (drop zone, layer list, file tree) comes later.
//!
//! The page only exists on wasm32. Natively `main` does nothing, so the
//! workspace's host `cargo test` does not have to build Yew.

#[cfg(target_arch = "wasm32")]
mod app;

fn main() {
    #[cfg(target_arch = "wasm32")]
    yew::Renderer::<app::App>::new().render();
}
