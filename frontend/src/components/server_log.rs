//! The server's own log, live: a [`LogFeed`] shown as lines, newest at the
//! bottom, at most [`MAX_LINES`](crate::log_feed::MAX_LINES) of them. A
//! level list and a search box narrow it (on the server, so the download
//! gets the same lines); Download saves what the filter lets through as
//! text. The list follows new lines until the user scrolls up, and
//! "Follow new lines" takes it back to the bottom.

use std::time::Duration;

use leptos::html::Div;
use leptos::prelude::*;
use shared::operations::LogLevel;

use crate::components::inline_error::InlineError;
use crate::components::log_line_row::LogLineRow;
use crate::format;
use crate::generation::Generation;
use crate::log_feed::{FeedState, LogFeed};
use crate::log_lines::LogLines;

/// Pause after the last key press before the search applies.
const SEARCH_PAUSE: Duration = Duration::from_millis(300);
/// Pixels from the bottom that still count as at the bottom.
const AT_BOTTOM: i32 = 24;

/// The filter, the lines and the download link.
#[component]
pub fn ServerLog() -> impl IntoView {
    let feed = LogFeed::new(LogLevel::Info);
    let lines = feed.lines();
    let state = feed.state();
    let typed = RwSignal::new(String::new());
    let typing = Generation::new();
    let on_search = move |ev: leptos::ev::Event| {
        typed.set(event_target_value(&ev));
        let mine = typing.next();
        set_timeout(
            move || {
                if typing.is_current(mine) {
                    feed.set_search(&typed.get_untracked());
                }
            },
            SEARCH_PAUSE,
        );
    };
    let on_level = move |ev: leptos::ev::Event| {
        if let Some(level) = LogLevel::parse(&event_target_value(&ev)) {
            feed.set_level(level);
        }
    };
    // Following: new lines scroll the list to the bottom, until the user
    // scrolls away from it. While a scroll to the bottom is due, scroll
    // events caused by the list changing are not the user's.
    let list = NodeRef::<Div>::new();
    let follow = RwSignal::new(true);
    let pinning = StoredValue::new(false);
    let to_bottom = move || {
        pinning.set_value(true);
        request_animation_frame(move || {
            if let Some(list) = list.get_untracked() {
                list.set_scroll_top(widen(list.scroll_height()));
            }
            pinning.try_set_value(false);
        });
    };
    Effect::new(move |_| {
        lines.track();
        if follow.get_untracked() {
            to_bottom();
        }
    });
    let on_scroll = move |_| {
        if pinning.get_value() {
            return;
        }
        if let Some(list) = list.get_untracked() {
            let gap = f64::from(list.scroll_height())
                - widen::<f64, _>(list.scroll_top())
                - f64::from(list.client_height());
            follow.set(gap <= f64::from(AT_BOTTOM));
        }
    };
    let rows = move || lines.with(|l| l.iter().cloned().collect::<Vec<_>>());
    view! {
        <div class="log-toolbar">
            <label class="log-filter">
                <span>"Level"</span>
                <select data-testid="log-level" on:change=on_level>
                    {LogLevel::ALL
                        .into_iter()
                        .map(|level| {
                            view! {
                                <option
                                    value=level.as_str()
                                    prop:selected=move || feed.level().get() == level
                                >
                                    {level_label(level)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <input
                type="search"
                class="log-search"
                placeholder="Search"
                aria-label="Search the log"
                data-testid="log-search"
                prop:value=move || typed.get()
                on:input=on_search
            />
            <span class="badge" data-testid="log-stream" data-state=move || state.get().as_str()>
                {move || state.get().as_str()}
            </span>
            <a
                class="button"
                data-testid="log-download"
                href=move || feed.download_url().get()
                download="camrig-log.txt"
            >
                "Download"
            </a>
        </div>
        <InlineError message=feed.error() testid="log-error"/>
        {move || {
            feed.skipped()
                .get()
                .map(|note| {
                    view! {
                        <p class="hint" data-testid="log-skipped">
                            {format!("Some lines were skipped: {note}")}
                        </p>
                    }
                })
        }}
        <div
            class="log-lines"
            role="log"
            aria-label="Server log"
            tabindex="0"
            data-testid="log-lines"
            data-follow=move || follow.get().to_string()
            node_ref=list
            on:scroll=on_scroll
        >
            <ol>
                <For each=rows key=|line| (line.seq, line.at_ms) let:line>
                    <LogLineRow line/>
                </For>
            </ol>
            <Show when=move || state.get() == FeedState::Live && lines.with(LogLines::is_empty)>
                <p class="empty" data-testid="log-empty">"No lines match."</p>
            </Show>
        </div>
        <div class="log-foot">
            <span class="meta" data-testid="log-count">
                {move || format::count(lines.with(LogLines::len), "line", "lines")}
            </span>
            <Show when=move || !follow.get()>
                <button
                    type="button"
                    data-testid="log-follow"
                    on:click=move |_| {
                        follow.set(true);
                        to_bottom();
                    }
                >
                    "Follow new lines"
                </button>
            </Show>
        </div>
    }
}

/// How a level is offered in the list: what it shows.
fn level_label(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Error => "Errors only",
        LogLevel::Warn => "Warnings and errors",
        LogLevel::Info => "Info and above",
        LogLevel::Debug => "Debug and above",
        LogLevel::Trace => "Everything (trace)",
    }
}

/// Converts a scroll position between web-sys's two typings of it:
/// `scrollTop` is `i32`, or `f64` with the unstable APIs the wasm build
/// turns on for WebCodecs (`.cargo/config.toml`); host builds (the unit
/// tests) have the first. Identity where both are the same type.
fn widen<T: From<U>, U>(value: U) -> T {
    T::from(value)
}
