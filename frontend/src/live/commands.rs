//! The live page's commands that more than one control sends: the picture
//! for everyone (grayscale, half size: the sheet's toggles and `g`, `h`),
//! the light switch (the quick bar's and `l`) and the focus steps and
//! autofocus (the quick bar's, `[`, `]` and `a`). Each asks for the
//! opposite of, or a step from, what the server last said, and goes
//! through one [`CommandSlot`] per group, so a failure shows on the
//! control whichever way it was asked for. An action its control would
//! refuse (the light while its device is away, a focus step while
//! autofocus is on) is not sent. Provided as context by the live page,
//! after the [`RigDevice`].

use leptos::prelude::*;
use shared::{FocusState, ViewSettings};

use crate::actions::{FocusChange, LightChange, ViewChange};
use crate::command::CommandSlot;
use crate::components::device_panels::RigDevice;
use crate::connection::Connection;
use crate::device_status;

/// The shared commands; `Copy`.
#[derive(Clone, Copy)]
pub struct LiveCommands {
    /// Grayscale and half size.
    pub view: CommandSlot,
    /// The light switch.
    pub light: CommandSlot,
    /// The focus steps and autofocus.
    pub focus: CommandSlot,
    connection: Connection,
    device: RigDevice,
}

impl LiveCommands {
    /// The commands of the page's server and device.
    pub fn new() -> Self {
        LiveCommands {
            view: CommandSlot::new(),
            light: CommandSlot::new(),
            focus: CommandSlot::new(),
            connection: expect_context::<Connection>(),
            device: expect_context::<RigDevice>(),
        }
    }

    /// The picture settings the server last said (tracked).
    pub fn view_settings(&self) -> ViewSettings {
        self.connection
            .server()
            .with(|s| s.as_ref().map(|s| s.camera.view))
            .unwrap_or_default()
    }

    /// Changes the picture every viewer sees.
    pub fn set_view(&self, change: ViewChange) {
        self.view.send(change.command(), |_| {});
    }

    /// Grayscale on if off, off if on.
    pub fn toggle_grayscale(&self) {
        let on = untrack(|| self.view_settings().grayscale);
        self.set_view(ViewChange::Grayscale(!on));
    }

    /// Half size on if off, off if on.
    pub fn toggle_half_size(&self) {
        let on = untrack(|| self.view_settings().half_resolution);
        self.set_view(ViewChange::HalfSize(!on));
    }

    /// The light on if off, off if on; nothing while its device is away.
    pub fn toggle_light(&self) {
        let Some(on) = self
            .device
            .state
            .with_untracked(|d| device_status::connected(d).then_some(d.light.on))
        else {
            return;
        };
        self.light.send(LightChange::Power(!on).command(), |_| {});
    }

    /// The lens focus the server last said (untracked).
    fn focus_now(&self) -> Option<FocusState> {
        self.connection
            .server()
            .with_untracked(|s| s.as_ref().and_then(|s| s.camera.focus))
    }

    /// Moves the lens by `delta`; nothing without a driven lens or while
    /// autofocus is on.
    pub fn focus_step(&self, delta: f64) {
        if self.focus_now().is_some_and(|f| f.auto != Some(true)) {
            self.focus.send(FocusChange::Step(delta).command(), |_| {});
        }
    }

    /// Autofocus on if off, off if on; nothing for a lens without it.
    pub fn toggle_autofocus(&self) {
        if let Some(auto) = self.focus_now().and_then(|f| f.auto) {
            self.focus.send(FocusChange::Auto(!auto).command(), |_| {});
        }
    }
}
