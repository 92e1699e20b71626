//! One camera control in the "Camera controls" panel: a slider for a
//! number, a checkbox for on/off, a list for a menu, and a Reset button
//! that sets the camera's default. Each change is sent at once as
//! `set_control`; the row shows the server's value, so other browsers
//! follow. A control without effect right now (inactive) is disabled.

use leptos::prelude::*;
use shared::{CameraControl, ControlKind, MenuOption};

use crate::actions;
use crate::command::CommandSlot;
use crate::components::control_error::ControlError;
use crate::components::range_input::RangeInput;
use crate::decimal::fixed;

/// What a row is built from; the value may change without rebuilding it.
#[derive(Debug, Clone, PartialEq)]
struct Shape {
    name: String,
    label: String,
    kind: ControlKind,
    options: Vec<MenuOption>,
}

/// The row for `control` (`None` only while it is being removed).
#[component]
pub fn ControlRow(control: Memo<Option<CameraControl>>) -> impl IntoView {
    let slot = CommandSlot::new();
    let shape = Memo::new(move |_| {
        control.with(|c| {
            c.as_ref().map(|c| Shape {
                name: c.name.clone(),
                label: c.label.clone(),
                kind: c.kind,
                options: c.options.clone(),
            })
        })
    });
    let field = move |get: fn(&CameraControl) -> i64| {
        Signal::derive(move || control.with(|c| c.as_ref().map_or(0, get)))
    };
    let value = field(|c| c.value);
    let default = field(|c| c.default);
    let inactive = Signal::derive(move || control.with(|c| c.as_ref().is_none_or(|c| c.inactive)));
    move || {
        shape.get().map(|shape| {
            let name = shape.name.clone();
            let set = move |v: i64| slot.send(actions::set_control(&name, v), |_| {});
            let input = match shape.kind {
                ControlKind::Integer => {
                    let real = |n: Signal<i64>| Signal::derive(move || n.get() as f64);
                    let set = set.clone();
                    view! {
                        <RangeInput
                            testid="control-input"
                            value_testid="control-value"
                            label=shape.label.clone()
                            min=real(field(|c| c.min))
                            max=real(field(|c| c.max))
                            step=real(field(|c| c.step.max(1)))
                            value=real(value)
                            disabled=inactive
                            show=|v| fixed(v, 0)
                            failures=slot.failures()
                            on_change=Callback::new(move |v: f64| set(v.round() as i64))
                        />
                    }
                    .into_any()
                }
                ControlKind::Boolean => {
                    let set = set.clone();
                    view! {
                        <input
                            type="checkbox"
                            data-testid="control-input"
                            aria-label=shape.label.clone()
                            prop:checked=move || value.get() != 0
                            disabled=move || inactive.get()
                            on:change=move |ev| set(i64::from(event_target_checked(&ev)))
                        />
                    }
                    .into_any()
                }
                ControlKind::Menu => {
                    let set = set.clone();
                    let options = shape
                        .options
                        .iter()
                        .map(|o| {
                            let v = o.value;
                            view! {
                                <option value=v.to_string() prop:selected=move || value.get() == v>
                                    {o.label.clone()}
                                </option>
                            }
                        })
                        .collect_view();
                    view! {
                        <select
                            data-testid="control-input"
                            aria-label=shape.label.clone()
                            disabled=move || inactive.get()
                            on:change=move |ev| {
                                if let Ok(v) = event_target_value(&ev).parse() {
                                    set(v);
                                }
                            }
                        >
                            {options}
                        </select>
                    }
                    .into_any()
                }
            };
            view! {
                <div
                    class="control-row"
                    class:inactive=move || inactive.get()
                    data-testid=format!("control-{}", shape.name)
                >
                    <span class="control-label">{shape.label}</span>
                    <span class="control-input">{input}</span>
                    <button
                        type="button"
                        class="reset"
                        data-testid="control-reset"
                        aria-label="Reset to default"
                        disabled=move || inactive.get() || value.get() == default.get()
                        on:click=move |_| set(default.get_untracked())
                    >
                        "Reset"
                    </button>
                    <ControlError commands=slot testid="control-error"/>
                </div>
            }
        })
    }
}
