//! The camera actions this app sends (see "Camera actions" in the README):
//! their names, how their JSON arguments are built, and how a result is
//! summarised for the message bar. Pure functions, so they are tested on
//! the host; [`Connection::action`](crate::connection::Connection::action)
//! sends them.

use serde_json::{Value, json};

use crate::color::Rgb;

/// Takes a photo; args: `name`.
pub const SNAPSHOT: &str = "snapshot";
/// Drives the lens; args: `auto`, `position` or `step`.
pub const FOCUS: &str = "focus";
/// Sets one camera control; args: `name`, `value`.
pub const SET_CONTROL: &str = "set_control";
/// Starts recording a video; args: `name`.
pub const RECORD_START: &str = "record_start";
/// Stops the recording.
pub const RECORD_STOP: &str = "record_stop";
/// Switches or tints the rig's light; args: `on`, `brightness`, `color`,
/// `white`.
pub const LIGHT: &str = "light";

/// How much one press of a focus step button moves the lens.
pub const FOCUS_STEP: f64 = 0.05;

/// Arguments carrying an optional name typed by the user: `{}` when it is
/// blank, else `{"name": ...}` (the server makes it a safe file name).
pub fn named(name: &str) -> Value {
    let name = name.trim();
    if name.is_empty() {
        json!({})
    } else {
        json!({ "name": name })
    }
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
    /// The `focus` action's arguments.
    pub fn args(self) -> Value {
        match self {
            FocusChange::Auto(on) => json!({ "auto": on }),
            FocusChange::Position(p) => json!({ "position": p.clamp(0.0, 1.0) }),
            FocusChange::Step(delta) => json!({ "step": delta }),
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
    /// The `light` action's arguments.
    pub fn args(self) -> Value {
        match self {
            LightChange::Power(on) => json!({ "on": on }),
            LightChange::Brightness(level) => json!({ "brightness": level }),
            LightChange::Color(rgb) => json!({ "color": rgb.to_hex() }),
            LightChange::White(level) => json!({ "white": level }),
        }
    }
}

/// A slider position as a light level: rounded, and kept within 0-255.
pub fn level(value: f64) -> u8 {
    value.round().clamp(0.0, 255.0) as u8
}

/// The `set_control` action's arguments.
pub fn set_control(name: &str, value: i64) -> Value {
    json!({ "name": name, "value": value })
}

/// What the message bar says after `action` returned `result`; `None` for
/// actions whose effect shows in the server state anyway (focus, controls
/// and the light change the panels, for every viewer).
pub fn summary(action: &str, result: &Value) -> Option<String> {
    let file = result.get("file_name").and_then(Value::as_str);
    match (action, file) {
        (FOCUS | SET_CONTROL | LIGHT, _) => None,
        (RECORD_START, Some(name)) => Some(format!("Recording {name}")),
        (_, Some(name)) => Some(format!("Saved {name}")),
        (_, None) => Some(format!("{action}: done")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_names_are_left_out() {
        assert_eq!(named(""), json!({}));
        assert_eq!(named("   "), json!({}));
        assert_eq!(named(" Left eye "), json!({ "name": "Left eye" }));
    }

    #[test]
    fn focus_changes_become_arguments() {
        assert_eq!(FocusChange::Auto(true).args(), json!({ "auto": true }));
        assert_eq!(
            FocusChange::Position(0.25).args(),
            json!({ "position": 0.25 })
        );
        assert_eq!(
            FocusChange::Position(1.5).args(),
            json!({ "position": 1.0 })
        );
        assert_eq!(
            FocusChange::Step(-FOCUS_STEP).args(),
            json!({ "step": -0.05 })
        );
    }

    #[test]
    fn light_changes_send_one_field_each() {
        assert_eq!(LightChange::Power(true).args(), json!({ "on": true }));
        assert_eq!(LightChange::Power(false).args(), json!({ "on": false }));
        assert_eq!(
            LightChange::Brightness(40).args(),
            json!({ "brightness": 40 })
        );
        let orange = Rgb {
            r: 255,
            g: 128,
            b: 0,
        };
        assert_eq!(
            LightChange::Color(orange).args(),
            json!({ "color": "ff8000" })
        );
        assert_eq!(LightChange::White(7).args(), json!({ "white": 7 }));
    }

    #[test]
    fn slider_positions_become_levels() {
        assert_eq!(level(39.6), 40);
        assert_eq!(level(-3.0), 0);
        assert_eq!(level(300.0), 255);
        assert_eq!(level(f64::NAN), 0);
    }

    #[test]
    fn control_arguments_name_the_control() {
        assert_eq!(
            set_control("brightness", -12),
            json!({ "name": "brightness", "value": -12 })
        );
    }

    #[test]
    fn results_are_summarised_by_action() {
        let entry = json!({ "id": 3, "file_name": "clip.mp4" });
        assert_eq!(
            summary(RECORD_START, &entry).as_deref(),
            Some("Recording clip.mp4")
        );
        assert_eq!(
            summary(RECORD_STOP, &entry).as_deref(),
            Some("Saved clip.mp4")
        );
        let photo = json!({ "file_name": "Left_eye.jpg" });
        assert_eq!(
            summary(SNAPSHOT, &photo).as_deref(),
            Some("Saved Left_eye.jpg")
        );
        assert_eq!(summary(FOCUS, &json!({ "position": 0.5 })), None);
        assert_eq!(summary(SET_CONTROL, &json!({ "name": "brightness" })), None);
        assert_eq!(summary(LIGHT, &json!({ "on": true, "r": 255 })), None);
        assert_eq!(summary("hello", &json!({})).as_deref(), Some("hello: done"));
    }
}
