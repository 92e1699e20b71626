//! A touch-sized slider for a server setting, with its value next to it.
//! It shows the server's value, follows the finger while dragged (the
//! number too), and sends only when released (`change`), not on every
//! movement. The dragged value is kept until the server's value changes
//! or an error comes back (then the slider returns to the server's value),
//! so the number does not jump back meanwhile.

use leptos::html::Input;
use leptos::prelude::*;

/// `value` as the attributes take it, written by the browser's own
/// `Number.prototype.toString` (the shortest text that reads back the
/// same): Rust's `f64::to_string` would add core's float formatting to
/// the web app.
fn number(value: f64) -> String {
    js_sys::Number::from(value)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// The slider and its value.
#[component]
pub fn RangeInput(
    /// `data-testid` of the slider.
    testid: &'static str,
    /// `data-testid` of the shown value.
    value_testid: &'static str,
    /// Accessible name of the slider.
    label: String,
    /// Smallest value.
    #[prop(into)]
    min: Signal<f64>,
    /// Largest value.
    #[prop(into)]
    max: Signal<f64>,
    /// Step between values.
    #[prop(into)]
    step: Signal<f64>,
    /// The server's value.
    #[prop(into)]
    value: Signal<f64>,
    /// Whether it cannot be changed now.
    #[prop(into)]
    disabled: Signal<bool>,
    /// Writes a value for people ("0.62", "12").
    show: fn(f64) -> String,
    /// Counts the control's failed changes; after one, the slider shows
    /// the server's value again.
    #[prop(into)]
    failures: Signal<u64>,
    /// Runs with the value the slider was released at.
    on_change: Callback<f64>,
) -> impl IntoView {
    let dragged = RwSignal::new(None::<f64>);
    let slider = NodeRef::<Input>::new();
    Effect::new(move |_| {
        value.track();
        dragged.set(None);
    });
    Effect::new(move |previous: Option<u64>| {
        let now = failures.get();
        if previous.is_some_and(|p| p != now) {
            dragged.set(None);
            if let Some(slider) = slider.get_untracked() {
                slider.set_value(&number(value.get_untracked()));
            }
        }
        now
    });
    // The browser's number for the slider's value (a range input's value
    // is always a valid number): parsing the text with `str::parse::<f64>`
    // would add Rust's float parser and its tables to the web app.
    let read = |ev: &leptos::ev::Event| {
        let v = event_target::<web_sys::HtmlInputElement>(ev).value_as_number();
        (!v.is_nan()).then_some(v)
    };
    view! {
        <span class="range">
            <input
                type="range"
                node_ref=slider
                data-testid=testid
                aria-label=label
                min=move || number(min.get())
                max=move || number(max.get())
                step=move || number(step.get())
                prop:value=move || number(value.get())
                disabled=move || disabled.get()
                on:input=move |ev| dragged.set(read(&ev))
                on:change=move |ev| {
                    if let Some(v) = read(&ev) {
                        dragged.set(Some(v));
                        on_change.run(v);
                    }
                }
            />
            <output data-testid=value_testid>
                {move || show(dragged.get().unwrap_or_else(|| value.get()))}
            </output>
        </span>
    }
}
