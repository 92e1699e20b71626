//! The commands the live page sends, built as typed [`Command`]s from what
//! the user did, and how a result is summarised for the message bar. Pure
//! functions, so they are tested on the host;
//! [`CommandSlot`](crate::command::CommandSlot) sends them.

use serde_json::Value;
use shared::Command;
use shared::commands::{CaptureArgs, FocusRequest, LightRequest};

use crate::color::Rgb;

/// How much one press of a focus step button moves the lens.
pub const FOCUS_STEP: f64 = 0.05;

/// Capture arguments with an optional name typed by the user: none when it
/// is blank (the server makes the name a safe file name).
pub fn named(name: &str) -> CaptureArgs {
    let name = name.trim();
    CaptureArgs {
        name: (!name.is_empty()).then(|| name.to_owned()),
        date_label: None,
    }
}

/// Takes a photo named `name` (blank: the capture time).
pub fn snapshot(name: &str) -> Command {
    Command::Snapshot(named(name))
}

/// Starts recording a video named `name` (blank: the capture time).
pub fn record_start(name: &str) -> Command {
    Command::RecordStart(named(name))
}

/// A change of focus asked for by the user.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FocusChange {
    /// Autofocus on or off.
    Auto(bool),
    /// Move the lens to a position, 0.0 to 1.0.
    Position(f64),
    /// Move the lens by a signed amount.
    Step(f64),
}

impl FocusChange {
    /// The `focus` command.
    pub fn command(self) -> Command {
        let mut request = FocusRequest::default();
        match self {
            FocusChange::Auto(on) => request.auto = Some(on),
            FocusChange::Position(p) => request.position = Some(p.clamp(0.0, 1.0)),
            FocusChange::Step(delta) => request.step = Some(delta),
        }
        Command::Focus(request)
    }
}

/// A change of the picture every viewer sees (and that is recorded).
/// Each sends one setting; the server keeps the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewChange {
    /// Grayscale on or off.
    Grayscale(bool),
    /// Half size on or off.
    HalfSize(bool),
}

impl ViewChange {
    /// The `set_view` command.
    pub fn command(self) -> Command {
        let (grayscale, half_resolution) = match self {
            ViewChange::Grayscale(on) => (Some(on), None),
            ViewChange::HalfSize(on) => (None, Some(on)),
        };
        Command::SetView {
            grayscale,
            half_resolution,
        }
    }
}

/// A change of the light asked for by the user. Each sends one field; the
/// device keeps the others (switching on restores the colour and
/// brightness it had).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LightChange {
    /// On or off.
    Power(bool),
    /// Brightness 0-255.
    Brightness(u8),
    /// The colour.
    Color(Rgb),
    /// The white channel 0-255 (RGBW lights only).
    White(u8),
}

impl LightChange {
    /// The `light` command.
    pub fn command(self) -> Command {
        let mut request = LightRequest::default();
        match self {
            LightChange::Power(on) => request.on = Some(on),
            LightChange::Brightness(level) => request.brightness = Some(level),
            LightChange::Color(rgb) => request.color = Some(rgb.to_hex()),
            LightChange::White(level) => request.white = Some(level),
        }
        Command::Light(request)
    }
}

/// A slider position as a light level: rounded, and kept within 0-255.
pub fn level(value: f64) -> u8 {
    value.round().clamp(0.0, 255.0) as u8
}

/// The `set_control` command.
pub fn set_control(name: &str, value: i64) -> Command {
    Command::SetControl {
        name: name.to_owned(),
        value,
    }
}

/// What the message bar says after a capture returned its catalogue
/// entry: "Recording x.mp4" for a recording that started, "Saved x" for a
/// finished one or a photo.
pub fn capture_summary(started: bool, result: &Value) -> Option<String> {
    let file = result.get("file_name").and_then(Value::as_str)?;
    Some(if started {
        format!("Recording {file}")
    } else {
        format!("Saved {file}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wire(command: Command) -> Value {
        serde_json::to_value(command).unwrap()
    }

    #[test]
    fn blank_names_are_left_out() {
        assert_eq!(wire(snapshot("")), json!({ "cmd": "snapshot" }));
        assert_eq!(wire(snapshot("   ")), json!({ "cmd": "snapshot" }));
        assert_eq!(
            wire(record_start(" Left eye ")),
            json!({ "cmd": "record_start", "name": "Left eye" })
        );
    }

    #[test]
    fn focus_changes_become_commands() {
        assert_eq!(
            wire(FocusChange::Auto(true).command()),
            json!({ "cmd": "focus", "auto": true })
        );
        assert_eq!(
            wire(FocusChange::Position(1.5).command()),
            json!({ "cmd": "focus", "position": 1.0 })
        );
        assert_eq!(
            wire(FocusChange::Step(-FOCUS_STEP).command()),
            json!({ "cmd": "focus", "step": -0.05 })
        );
    }

    #[test]
    fn view_changes_send_one_setting_each() {
        assert_eq!(
            wire(ViewChange::Grayscale(true).command()),
            json!({ "cmd": "set_view", "grayscale": true })
        );
        assert_eq!(
            wire(ViewChange::HalfSize(false).command()),
            json!({ "cmd": "set_view", "half_resolution": false })
        );
    }

    #[test]
    fn light_changes_send_one_field_each() {
        assert_eq!(
            wire(LightChange::Power(false).command()),
            json!({ "cmd": "light", "on": false })
        );
        assert_eq!(
            wire(LightChange::Brightness(40).command()),
            json!({ "cmd": "light", "brightness": 40 })
        );
        let orange = Rgb {
            r: 255,
            g: 128,
            b: 0,
        };
        assert_eq!(
            wire(LightChange::Color(orange).command()),
            json!({ "cmd": "light", "color": "ff8000" })
        );
        assert_eq!(
            wire(LightChange::White(7).command()),
            json!({ "cmd": "light", "white": 7 })
        );
    }

    #[test]
    fn slider_positions_become_levels() {
        assert_eq!(level(39.6), 40);
        assert_eq!(level(-3.0), 0);
        assert_eq!(level(300.0), 255);
        assert_eq!(level(f64::NAN), 0);
    }

    #[test]
    fn control_commands_name_the_control() {
        assert_eq!(
            wire(set_control("brightness", -12)),
            json!({ "cmd": "set_control", "name": "brightness", "value": -12 })
        );
    }

    #[test]
    fn captures_are_summarised() {
        let entry = json!({ "id": 3, "file_name": "clip.mp4" });
        assert_eq!(
            capture_summary(true, &entry).as_deref(),
            Some("Recording clip.mp4")
        );
        assert_eq!(
            capture_summary(false, &entry).as_deref(),
            Some("Saved clip.mp4")
        );
        assert_eq!(capture_summary(false, &json!(null)), None);
    }
}
