//! The top bar's access control: whether this browser is a viewer or an
//! operator, a "Log in" button that opens a form for the operator key, and
//! "Log out" for operators. A wrong key shows the server's answer (with
//! the wait after too many tries) under the form.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::access::Access;
use crate::notice::Notices;

/// The role badge with the login form or the logout button.
#[component]
pub fn AccessBar() -> impl IntoView {
    let access = expect_context::<Access>();
    let notices = expect_context::<Notices>();
    let session = access.session();
    let operator = access.is_operator();
    let open = RwSignal::new(false);
    let key = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let role = move || match session.get() {
        None => "unknown",
        Some(s) if s.is_operator() => "operator",
        Some(s) if s.role.is_some() => "viewer",
        Some(_) => "none",
    };
    let label = move || match role() {
        "operator" => "Operator",
        "viewer" => "Viewer",
        "none" => "Key needed",
        _ => "",
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = key.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match access.login(&typed).await {
                Ok(info) => {
                    key.set(String::new());
                    error.set(None);
                    open.set(false);
                    let what = if info.is_operator() {
                        "an operator"
                    } else {
                        "a viewer"
                    };
                    notices.ok(format!("Logged in as {what}"));
                }
                Err(err) => error.set(Some(err.message)),
            }
            busy.set(false);
        });
    };
    let logout = move |_| {
        spawn_local(async move {
            match access.logout().await {
                Ok(()) => notices.ok("Logged out".to_owned()),
                Err(err) => notices.error(format!("Could not log out: {err}")),
            }
        });
    };
    view! {
        <div class="access" data-testid="access" data-role=role>
            <span class="role" data-testid="access-role">{label}</span>
            <Show
                when=move || operator.get()
                fallback=move || {
                    view! {
                        <button
                            type="button"
                            data-testid="login-open"
                            aria-expanded=move || open.get().to_string()
                            on:click=move |_| open.update(|o| *o = !*o)
                        >
                            "Log in"
                        </button>
                    }
                }
            >
                <button type="button" data-testid="logout" on:click=logout>
                    "Log out"
                </button>
            </Show>
            <Show when=move || open.get() && !operator.get()>
                <form class="login-form" data-testid="login-form" on:submit=submit>
                    <label>
                        "Operator key"
                        <input
                            type="password"
                            autocomplete="current-password"
                            data-testid="login-key"
                            prop:value=move || key.get()
                            on:input=move |ev| key.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="submit" class="primary" data-testid="login-submit" disabled=move || busy.get()>
                        "Log in"
                    </button>
                    {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="login-error">{e}</p> })}
                </form>
            </Show>
        </div>
    }
}
