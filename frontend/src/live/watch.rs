//! Which live picture this page receives: the live view asks the server
//! (`watch`) for H.264 when the browser decodes it with WebCodecs and the
//! server offers it, JPEG otherwise, and for none while the tab is hidden
//! or once the view is left. It asks again after every (re)connect, since
//! a new session starts without a picture (`/ws?video=none`). H.264 that
//! the server refuses on this session, or that fails to decode again and
//! again, falls back to JPEG with the reason.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::{Command, Feature, VideoFormat};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::connection::{Connection, LinkStatus};
use crate::live::choice::{self, Support};
use crate::live::figures::LiveFigures;
use crate::live::h264;

/// The live view's watch; `Copy`.
#[derive(Clone, Copy)]
pub struct Watch {
    connection: Connection,
    /// What was last asked for, on which session ([`Connection::opened`]).
    sent: StoredValue<Option<(u64, VideoFormat)>>,
    /// The session on which the server refused H.264.
    refused: RwSignal<Option<u64>>,
    /// H.264 decoding kept failing.
    failed: RwSignal<bool>,
}

impl Watch {
    /// Starts watching for the life of the calling component (the live
    /// view), showing the codec in `figures`.
    pub fn start(connection: Connection, figures: LiveFigures) -> Self {
        let watch = Watch {
            connection,
            sent: StoredValue::new(None),
            refused: RwSignal::new(None),
            failed: RwSignal::new(false),
        };
        let support = RwSignal::new(None::<Support>);
        spawn_local(async move {
            let found = h264::probe().await;
            support.try_set(Some(found));
        });
        let visible = page_visibility();
        let server = connection.server();
        let offered = Memo::new(move |_| {
            server.with(|s| {
                s.as_ref()
                    .map(|s| s.unavailable_reason(Feature::LiveH264).is_none())
            })
        });
        Effect::new(move |_| {
            let session = connection.opened().get();
            if connection.status().get() != LinkStatus::Live {
                return;
            }
            let (Some(support), Some(offered)) = (support.get(), offered.get()) else {
                return;
            };
            let refused = watch.refused.get() == Some(session);
            let codec = choice::choose(support, offered && !refused, watch.failed.get());
            figures.codec.set(Some(codec));
            let wanted = if visible.get() {
                codec.format()
            } else {
                VideoFormat::None
            };
            if watch.sent.get_value() != Some((session, wanted)) {
                watch.sent.set_value(Some((session, wanted)));
                watch.send(session, wanted);
            }
        });
        on_cleanup(move || {
            let showing = watch
                .sent
                .try_get_value()
                .flatten()
                .is_some_and(|(_, f)| f != VideoFormat::None);
            if showing && connection.status().get_untracked() == LinkStatus::Live {
                connection.request(
                    Command::Watch {
                        video: VideoFormat::None,
                    },
                    |_| {},
                );
            }
        });
        watch
    }

    fn send(self, session: u64, video: VideoFormat) {
        let refused = self.refused;
        self.connection
            .request(Command::Watch { video }, move |answer| {
                if let Err(err) = answer
                    && video == VideoFormat::H264
                {
                    // Refused on this session (or the link dropped: then
                    // the next session tries again).
                    leptos::logging::warn!("H.264 live view not available: {err}");
                    refused.try_set(Some(session));
                }
            });
    }

    /// Has the server restart the H.264 stream at a key frame now (a
    /// decoder that fell behind or failed); nothing when not watching it.
    pub fn ask_key_frame(self) {
        let watching = self.sent.try_get_value().flatten();
        if let Some((session, VideoFormat::H264)) = watching
            && self.connection.opened().get_untracked() == session
        {
            self.send(session, VideoFormat::H264);
        }
    }

    /// H.264 keeps failing here: switch to JPEG.
    pub fn give_up(self) {
        self.failed.try_set(true);
    }
}

/// Whether the page is visible, following `visibilitychange` for the life
/// of the calling component.
fn page_visibility() -> Signal<bool> {
    let document = document();
    let visible = RwSignal::new(!document.hidden());
    let on_change = Closure::<dyn FnMut()>::new({
        let document = document.clone();
        move || {
            visible.try_set(!document.hidden());
        }
    });
    let _ = document
        .add_event_listener_with_callback("visibilitychange", on_change.as_ref().unchecked_ref());
    let listener = StoredValue::new_local(Some(on_change));
    on_cleanup(move || {
        if let Some(on_change) = listener.try_update_value(Option::take).flatten() {
            let _ = leptos::prelude::document().remove_event_listener_with_callback(
                "visibilitychange",
                on_change.as_ref().unchecked_ref(),
            );
        }
    });
    visible.into()
}
