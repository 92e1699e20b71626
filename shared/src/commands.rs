//! The typed arguments of client commands, the role each command needs,
//! and the built-in actions' names. [`crate::Command`] has one variant per
//! command; [`crate::Command::role`] says who may give it, next to its
//! definition, so a command added later cannot be left unguarded: the match
//! is exhaustive, and the server's `dispatch` checks the role before
//! anything else.

use serde::{Deserialize, Serialize};

use crate::names::deserialize_by_name;

/// Who may give a command. Viewers watch and browse; operators change
/// things. Ordered: an operator may do everything a viewer may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Watches the picture and the heart rate, browses media.
    Viewer,
    /// Changes the camera, the light, recordings and the catalogue.
    Operator,
}

deserialize_by_name!(Role {
    "viewer" => Viewer,
    "operator" => Operator,
});

/// Arguments of a capture (snapshot or recording).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaptureArgs {
    /// File name wish (sanitised); default: the capture time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Date label stored with the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_label: Option<String>,
}

/// A focus request; every field optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FocusRequest {
    /// Switch autofocus on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto: Option<bool>,
    /// Move the lens to this position (clamped to 0.0-1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<f64>,
    /// Move the lens by this much (for example -0.05 or 0.05), clamped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<f64>,
}

/// A change to the light; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LightRequest {
    /// Switch on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<bool>,
    /// Brightness 0-255.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brightness: Option<u8>,
    /// Colour as `rrggbb` or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// White channel 0-255 (RGBW pixels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub white: Option<u8>,
}

/// The built-in actions reachable by name (`{"cmd": "action", "name":
/// ...}` and `POST /api/actions/{name}`), each the name of a [`crate::Command`]
/// variant, with a one-line description for `list_actions`.
pub const BUILTIN_ACTIONS: &[(&str, &str)] = &[
    (
        "focus",
        "drive the lens; args: auto (bool), position (0.0-1.0, clamped), step (e.g. -0.05 or 0.05); all optional",
    ),
    (
        "light",
        "set the light; args: on (bool), brightness (0-255), color (rrggbb), white (0-255); all optional",
    ),
    (
        "reboot",
        "reboot the machine through system.reboot_command (the page asks first)",
    ),
    (
        "record_start",
        "start recording H.264 MP4; args: name, date_label (both optional)",
    ),
    (
        "record_stop",
        "stop the recording; returns its catalogue entry",
    ),
    ("restart_camera", "stop and rebuild the camera pipeline"),
    (
        "restart_server",
        "restart the server in place; it is back within seconds",
    ),
    (
        "set_control",
        "set a camera control; args: name (as in the state's camera.controls), value (integer)",
    ),
    (
        "set_view",
        "change the live view for every viewer; args: grayscale (bool), half_resolution (bool); both optional",
    ),
    (
        "shutdown",
        "shut the machine down through system.shutdown_command (the page asks first)",
    ),
    (
        "simulate_stall",
        "test source only: stop (stalled: true) or resume (false) the frames",
    ),
    (
        "snapshot",
        "save the current picture as a photo; args: name, date_label (both optional)",
    ),
];
