//! Registers the service worker (`/sw.js`, `frontend/static/sw.js`), which
//! keeps the app shell so the app opens while the rig is unreachable.
//! Browsers offer `navigator.serviceWorker` only in secure contexts: over
//! HTTPS (docs/design/https.md) or on localhost; elsewhere there is
//! nothing to do. A refused registration is logged, nothing more: the app
//! works without its worker.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::ServiceWorkerContainer;

/// Starts registering the worker, where the browser allows one.
pub fn register() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    let container = js_sys::Reflect::get(&navigator, &JsValue::from_str("serviceWorker"))
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null());
    let Some(container) = container else {
        return;
    };
    let container: ServiceWorkerContainer = container.unchecked_into();
    let registration = container.register("/sw.js");
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(err) = JsFuture::from(registration).await {
            leptos::logging::warn!("the service worker was not registered: {err:?}");
        }
    });
}
