//! The announcer: one polite live region in the app, out of sight, that
//! tells a screen reader what changed on the rig ("Recording started",
//! "Camera offline: …", the heart rate now and then; the choice and the
//! pacing are [`crate::announce`]'s). It never holds ticking figures, so
//! it is not read out every second. [`Announcements`] is whether it
//! speaks: on unless turned off in the help overlay, remembered in this
//! browser.

use leptos::prelude::*;
use shared::device::{DeviceMode, DeviceState, LinkStatus as DeviceLink, SignalIssue};
use shared::{CameraStatus, ServerState};

use crate::announce::{Camera, Heart, Pacer, Recording, Seen};
use crate::connection::{Connection, LinkStatus};
use crate::prefs;

/// Where the choice is stored: "off" turns announcements off.
const KEY: &str = "camrig.announce";

/// Whether announcements are spoken, as context; `Copy`.
#[derive(Clone, Copy)]
pub struct Announcements {
    on: RwSignal<bool>,
}

impl Announcements {
    /// The stored choice (on unless turned off).
    pub fn load() -> Self {
        Announcements {
            on: RwSignal::new(prefs::get(KEY).as_deref() != Some("off")),
        }
    }

    /// Whether they are spoken.
    pub fn on(&self) -> Signal<bool> {
        self.on.into()
    }

    /// Turns them on or off, and remembers it.
    pub fn set(&self, on: bool) {
        self.on.set(on);
        prefs::set(KEY, if on { "on" } else { "off" });
    }
}

/// The live region.
#[component]
pub fn Announcer() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let on = expect_context::<Announcements>().on();
    let link = connection.status();
    let server = connection.server();
    let pacer = StoredValue::new(Pacer::default());
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        let seen = server.with(|s| seen(link.get() == LinkStatus::Live, s.as_ref()));
        let now = crate::clock::now_ms();
        let said = pacer
            .try_update_value(|p| p.observe(&seen, now))
            .unwrap_or_default();
        if said.is_empty() || !on.get_untracked() {
            return;
        }
        let mut next = said.join(". ");
        // The same words again must still change the region to be read.
        if text.with_untracked(|t| t.trim_end_matches('\u{a0}') == next) {
            next.push('\u{a0}');
        }
        text.set(next);
    });
    // Turned off: nothing left to be read.
    Effect::new(move |_| {
        if !on.get() {
            text.set(String::new());
        }
    });
    view! {
        <div
            class="visually-hidden"
            data-testid="announcer"
            aria-live="polite"
            aria-atomic="true"
        >
            {move || text.get()}
        </div>
    }
}

/// What the pacer is to take in from the server's state.
fn seen(link_up: bool, server: Option<&ServerState>) -> Seen {
    let Some(server) = server else {
        return Seen {
            link_up,
            camera: None,
            recording: None,
            heart: Heart::Absent,
        };
    };
    let camera = match server.camera.status {
        CameraStatus::Live => Camera::Live,
        CameraStatus::Starting => Camera::Starting,
        CameraStatus::Offline => Camera::Offline(server.camera.reason.clone().unwrap_or_default()),
    };
    Seen {
        link_up,
        camera: Some(camera),
        recording: server.recording.active.as_ref().map(|a| Recording {
            id: a.id,
            elapsed_ms: a.elapsed_ms,
        }),
        heart: heart(&server.device),
    }
}

/// The heart rate as the pacer takes it.
fn heart(device: &DeviceState) -> Heart {
    if device.mode == DeviceMode::None {
        return Heart::Absent;
    }
    if device.link != DeviceLink::Connected {
        return Heart::Lost("device disconnected".to_owned());
    }
    if !device.pulse_sensor {
        return Heart::Absent;
    }
    match device.heart.bpm {
        Some(bpm) if bpm.is_finite() && bpm > 0.0 => Heart::Reading(bpm),
        _ => Heart::Lost(
            device
                .heart
                .issue
                .unwrap_or(SignalIssue::Lost)
                .describe()
                .to_owned(),
        ),
    }
}
