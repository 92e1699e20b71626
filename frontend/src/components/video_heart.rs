//! A video in the viewer with the heart rate recorded alongside it: the
//! player and, when the server has a heart trace for the video (`GET
//! /api/media/{id}/heart`; none is no error, and shows nothing), under it
//! the pulse waveform of the five seconds around the playback position
//! with a marker at the current time (see
//! [`heart_window`](crate::heart_window)), the heart rate at that time, and
//! a CSV download. The chart follows playback: on every animation frame
//! while the video plays, and on seeking. `data-time-ms` on the chart is
//! the playback time last drawn (for tests).

use std::sync::Arc;

use leptos::html::{Canvas, Video};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::media::HeartTrace;

use crate::decimal::fixed;
use crate::heart_window::{bpm_at, bpm_text, points};
use crate::{api, waveform};

/// The player for video `id` at `src`, with its heart trace when it has
/// one.
#[component]
pub fn VideoHeart(id: i64, src: String) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    let canvas = NodeRef::<Canvas>::new();
    let time_ms = RwSignal::new(0.0f64);
    let trace = RwSignal::new(None::<Arc<HeartTrace>>);
    // Whether an animation frame is following playback.
    let following = StoredValue::new(false);

    spawn_local(async move {
        // Anything but a trace (none recorded, or the request failed) just
        // leaves the player alone.
        if let Ok(Some(found)) = api::heart(id).await {
            trace.try_set(Some(Arc::new(found)));
        }
    });

    let update = move || {
        if let Some(element) = video.get_untracked() {
            time_ms.try_set(element.current_time() * 1000.0);
        }
    };
    let on_play = move |_| {
        if following.try_get_value() == Some(false) {
            following.set_value(true);
            follow(video, time_ms, following);
        }
    };

    // Redraw whenever the time or the trace changes.
    Effect::new(move |_| {
        let t = time_ms.get();
        let Some(trace) = trace.get() else {
            return;
        };
        let Some(element) = canvas.get() else {
            return;
        };
        waveform::draw(
            &element,
            |width, height| points(&trace, t, width, height),
            Some(0.5),
        );
        let _ = element.set_attribute("data-time-ms", &fixed(t, 0));
    });
    let bpm = Memo::new(move |_| {
        let t = time_ms.get();
        trace.with(|trace| trace.as_ref().map(|trace| bpm_text(bpm_at(&trace.bpm, t))))
    });

    view! {
        <video
            src=src
            controls=true
            preload="metadata"
            playsinline=true
            data-testid="viewer-video"
            node_ref=video
            on:loadedmetadata=move |_| update()
            on:timeupdate=move |_| update()
            on:seeked=move |_| update()
            on:play=on_play
        ></video>
        {move || {
            bpm.get()
                .map(|bpm| {
                    view! {
                        <div class="video-heart" data-testid="video-heart">
                            <canvas
                                class="pulse-chart"
                                node_ref=canvas
                                data-testid="heart-chart"
                                role="img"
                                aria-label="Pulse waveform around the playback position"
                            ></canvas>
                            <div class="video-heart-bar">
                                <p class="video-heart-bpm">
                                    <span class="video-heart-value" data-testid="heart-bpm">{bpm}</span>
                                    " BPM"
                                </p>
                                <a
                                    class="button"
                                    data-testid="heart-csv"
                                    href=api::heart_csv_url(id)
                                    download=""
                                >
                                    "Download heart rate (CSV)"
                                </a>
                            </div>
                        </div>
                    }
                })
        }}
    }
}

/// Follows playback on animation frames until the video pauses or ends, or
/// the player goes away.
fn follow(video: NodeRef<Video>, time_ms: RwSignal<f64>, following: StoredValue<bool>) {
    request_animation_frame(move || {
        let Some(element) = video.try_get_untracked().flatten() else {
            following.try_set_value(false);
            return;
        };
        if time_ms.try_set(element.current_time() * 1000.0).is_some()
            || element.paused()
            || element.ended()
        {
            following.try_set_value(false);
            return;
        }
        follow(video, time_ms, following);
    });
}
