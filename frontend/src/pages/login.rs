//! `/login#key=...`: the page the start-up QR code opens. It logs in with
//! the key from the URL's fragment (which never reaches the server's logs),
//! removes the key from the address bar and history, and goes to the live
//! page; a wrong or expired key is said, and the top bar's form is there.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::access::Access;
use crate::router::Router;

/// The key in a `#key=...` fragment.
fn key_in(hash: &str) -> Option<String> {
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix("key="))
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
}

/// The login page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let access = expect_context::<Access>();
    let router = Router::get();
    let outcome = RwSignal::new(None::<String>);
    let location = window().location();
    let key = location.hash().ok().as_deref().and_then(key_in);
    // The key leaves the address bar at once, whatever happens next.
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/login"));
    }
    match key {
        None => outcome.set(Some(
            "This link has no key. Log in with the form above.".into(),
        )),
        Some(key) => spawn_local(async move {
            match access.login(&key).await {
                Ok(_) => router.navigate("/", true, true),
                Err(err) => outcome.set(Some(format!("Could not log in: {}", err.message))),
            }
        }),
    }
    view! {
        <section class="login-page" data-testid="login-page">
            <h2>"Log in"</h2>
            <p data-testid="login-outcome">
                {move || outcome.get().unwrap_or_else(|| "Logging in…".to_owned())}
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_read_from_the_fragment() {
        assert_eq!(key_in("#key=abc-_1"), Some("abc-_1".into()));
        assert_eq!(key_in("#x=1&key=abc"), Some("abc".into()));
        assert_eq!(key_in("#key="), None);
        assert_eq!(key_in(""), None);
    }
}
