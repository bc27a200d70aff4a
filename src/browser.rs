//! The few browser calls the page makes, each wrapped once: the clock, the
//! URL fragment, the stored theme, fetching this origin's files, downloads
//! and the clipboard. Failures come back as plain text for the page to show.

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlDocument, HtmlTextAreaElement, Url};

const THEME_KEY: &str = "layerscope-theme";
/// Presentation mode, remembered like the theme; the docs' pages read the
/// same two keys (crates/site/src/docs.js), so a workshop's slides and the
/// page it links to look alike.
const PRESENT_KEY: &str = "layerscope-present";

#[wasm_bindgen]
extern "C" {
    // `navigator.clipboard` is still behind web-sys's unstable flag; this one
    // call is all the page needs. Throws where the API is missing.
    #[wasm_bindgen(catch, js_namespace = ["navigator", "clipboard"], js_name = writeText)]
    fn clipboard_write_text(text: &str) -> Result<Promise, JsValue>;
}

pub fn window() -> web_sys::Window {
    web_sys::window().expect("the page runs in a window")
}

pub fn document() -> web_sys::Document {
    window().document().expect("a window has a document")
}

/// Scrolls the first element matching `selector` into view, if there is one.
pub fn scroll_to_selector(selector: &str) {
    if let Ok(Some(el)) = document().query_selector(selector) {
        el.scroll_into_view_with_bool(true);
    }
}

/// Milliseconds from `performance.now()` (monotonic; what `data-ms` measures).
pub fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// A JS exception or rejection as one line of text.
pub fn js_error(value: JsValue) -> String {
    if let Some(err) = value.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

pub fn location_hash() -> String {
    window().location().hash().unwrap_or_default()
}

/// Replaces the URL's fragment without a history entry or a scroll.
pub fn replace_hash(fragment: &str) {
    let window = window();
    if window.location().hash().unwrap_or_default() == fragment {
        return;
    }
    let url = if fragment.is_empty() {
        // Keep path and query, drop the fragment.
        let loc = window.location();
        format!(
            "{}{}",
            loc.pathname().unwrap_or_default(),
            loc.search().unwrap_or_default()
        )
    } else {
        fragment.to_string()
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// `Some(true)` for dark, `Some(false)` for light: the person's choice, if any.
pub fn stored_theme() -> Option<bool> {
    let storage = window().local_storage().ok().flatten()?;
    match storage.get_item(THEME_KEY).ok().flatten()?.as_str() {
        "dark" => Some(true),
        "light" => Some(false),
        _ => None,
    }
}

pub fn system_prefers_dark() -> bool {
    window()
        .match_media("(prefers-color-scheme: dark)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

/// Applies a theme (`data-theme` on `<html>`, read by style.css) and remembers it.
pub fn set_theme(dark: bool, remember: bool) {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-theme", if dark { "dark" } else { "light" });
    }
    if remember {
        if let Some(storage) = window().local_storage().ok().flatten() {
            let _ = storage.set_item(THEME_KEY, if dark { "dark" } else { "light" });
        }
    }
}

/// Whether presentation mode was left on.
pub fn stored_present() -> bool {
    window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(PRESENT_KEY).ok().flatten())
        .is_some_and(|v| v == "on")
}

pub fn store_present(on: bool) {
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = if on {
            storage.set_item(PRESENT_KEY, "on")
        } else {
            storage.remove_item(PRESENT_KEY)
        };
    }
}

async fn fetch(url: &str) -> Result<web_sys::Response, String> {
    let response = JsFuture::from(window().fetch_with_str(url))
        .await
        .map_err(js_error)?;
    let response: web_sys::Response = response.dyn_into().map_err(js_error)?;
    if !response.ok() {
        return Err(format!(
            "{url}: HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    Ok(response)
}

/// A text file from this origin.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    let response = fetch(url).await?;
    let text = JsFuture::from(response.text().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    text.as_string().ok_or_else(|| format!("{url}: not text"))
}

/// A file from this origin as a `Blob` (the worker reads it in slices).
pub async fn fetch_blob(url: &str) -> Result<Blob, String> {
    let response = fetch(url).await?;
    let blob = JsFuture::from(response.blob().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    blob.dyn_into().map_err(js_error)
}

/// Offers `text` as a file download: a `blob:` URL on an `<a download>`,
/// clicked once and revoked after.
pub fn download(text: &str, file_name: &str, mime: &str) -> Result<(), String> {
    let parts = Array::of1(&JsValue::from_str(text));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(js_error)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let doc = document();
    let a: HtmlAnchorElement = doc.create_element("a").map_err(js_error)?.unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.set_hidden(true);
    let body = doc.body().ok_or("no body")?;
    body.append_child(&a).map_err(js_error)?;
    a.click();
    a.remove();
    // The download has its own reference by now; free the URL a little later.
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Copies `text`; the async clipboard API where there is one, else a hidden
/// textarea and `execCommand("copy")`.
pub async fn copy_text(text: &str) -> Result<(), String> {
    if let Ok(promise) = clipboard_write_text(text) {
        if JsFuture::from(promise).await.is_ok() {
            return Ok(());
        }
    }
    let doc = document();
    let area: HtmlTextAreaElement = doc
        .create_element("textarea")
        .map_err(js_error)?
        .unchecked_into();
    area.set_value(text);
    area.set_read_only(true);
    area.set_class_name("offscreen");
    let body = doc.body().ok_or("no body")?;
    body.append_child(&area).map_err(js_error)?;
    area.select();
    let copied = doc
        .unchecked_ref::<HtmlDocument>()
        .exec_command("copy")
        .unwrap_or(false);
    area.remove();
    if copied {
        Ok(())
    } else {
        Err("the browser refused to copy".into())
    }
}
