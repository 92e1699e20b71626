//! The light and heart-rate device as clients see it: how it is attached,
//! whether it is connected, the light's state and the latest heart rate.
//! Part of the state every client receives; the pulse waveform, which is
//! too frequent for the state, arrives as separate `pulse` messages.

use serde::{Deserialize, Serialize};

use crate::names::deserialize_by_name;

/// How the server reaches the light and the pulse sensor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceMode {
    /// No device configured.
    #[default]
    None,
    /// A board running this project's firmware, on a serial port.
    Serial,
    /// A board still running the original Arduino sketch.
    Legacy,
    /// NeoPixels on the Raspberry Pi's SPI bus; no pulse sensor.
    Spi,
    /// The built-in simulator (demo): the data is not real.
    Demo,
}

deserialize_by_name!(DeviceMode {
    "none" => None,
    "serial" => Serial,
    "legacy" => Legacy,
    "spi" => Spi,
    "demo" => Demo,
});

/// Whether the device answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// Not configured, or not reachable; `reason` says why.
    #[default]
    Disconnected,
    /// Port open, waiting for the device to introduce itself.
    Connecting,
    /// Talking to the device.
    Connected,
}

deserialize_by_name!(LinkStatus {
    "disconnected" => Disconnected,
    "connecting" => Connecting,
    "connected" => Connected,
});

/// The light: colour, white channel and brightness are remembered while it
/// is off, so switching on restores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LightState {
    /// On or off.
    pub on: bool,
    /// Red 0-255.
    pub r: u8,
    /// Green 0-255.
    pub g: u8,
    /// Blue 0-255.
    pub b: u8,
    /// White 0-255 (RGBW pixels only).
    pub w: u8,
    /// Brightness 0-255.
    pub brightness: u8,
}

impl Default for LightState {
    fn default() -> Self {
        LightState {
            on: false,
            r: 255,
            g: 255,
            b: 255,
            w: 0,
            brightness: 128,
        }
    }
}

/// Why there is no heart-rate reading, as the board tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignalIssue {
    /// The board gave no reason (an older board, or the legacy sketch).
    Lost,
    /// A flat signal: nothing on the sensor.
    NoFinger,
    /// The signal sits at the top of the sensor's range.
    Saturated,
    /// Movement, or no steady rhythm in the signal.
    Movement,
    /// A pulse too irregular to follow.
    Irregular,
    /// A rhythm too weak next to the noise.
    Weak,
}

deserialize_by_name!(SignalIssue {
    "lost" => Lost,
    "no_finger" => NoFinger,
    "saturated" => Saturated,
    "movement" => Movement,
    "irregular" => Irregular,
    "weak" => Weak,
});

impl SignalIssue {
    /// The reason in plain words, with what to do about it.
    pub fn describe(self) -> &'static str {
        match self {
            SignalIssue::Lost => "no signal",
            SignalIssue::NoFinger => "finger not detected",
            SignalIssue::Saturated => "sensor saturated: lower the gain or light",
            SignalIssue::Movement => "too much movement: hold still",
            SignalIssue::Irregular => "pulse too irregular to measure",
            SignalIssue::Weak => "signal too weak: press the finger gently on the sensor",
        }
    }
}

/// The latest heart-rate reading.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeartState {
    /// Beats per minute, over recent beats; `None` when there is no
    /// reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bpm: Option<f32>,
    /// Signal quality 0-100.
    pub quality: u8,
    /// Beats seen so far (a client flashes its beat indicator when this
    /// grows).
    pub beats: u64,
    /// Time between the last two beats, in ms, when the board saw both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<u32>,
    /// Why there is no reading, when the board said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<SignalIssue>,
    /// The same in plain words, for clients that show it as it is
    /// ("finger not detected").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The device as clients see it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceState {
    /// How it is attached.
    pub mode: DeviceMode,
    /// Whether it answers.
    pub link: LinkStatus,
    /// Serial port or SPI device path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// Why it is disconnected, or the last error it reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Firmware version it reported (`1.0.0`), or `legacy sketch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    /// Whether the light has a white channel (RGBW pixels).
    pub white_channel: bool,
    /// Whether a pulse sensor is attached.
    pub pulse_sensor: bool,
    /// The light.
    pub light: LightState,
    /// The heart rate.
    pub heart: HeartState,
}

impl DeviceState {
    /// Whether the data comes from the simulator rather than hardware.
    pub fn simulated(&self) -> bool {
        self.mode == DeviceMode::Demo
    }
}
