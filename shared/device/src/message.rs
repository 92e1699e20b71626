//! The messages of protocol version 1, as Rust values: what the host sends
//! ([`HostMessage`]) and what the board sends ([`DeviceMessage`]). How they
//! are spelled on the wire is in [`crate::encode`] and [`crate::decode`].

use crate::PROTOCOL_VERSION;

/// Most raw pulse samples one [`Pulse`] message carries.
pub const MAX_PULSE_SAMPLES: usize = 10;

/// Time between two samples of a [`Pulse`] message: the board sends its
/// sensor signal decimated to 50 samples per second, for plotting.
pub const PULSE_SAMPLE_PERIOD_MS: u32 = 20;

/// Highest heart-rate quality.
pub const MAX_QUALITY: u8 = 100;

/// The light as the host wants it (`SetLight`) or as the board has it
/// (`Light`). Colour and brightness are kept while the light is off, so
/// switching it on again restores them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LightState {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    /// White channel; a board with an RGB strip mixes it into r, g and b.
    pub w: u8,
    /// 0-255, scales every channel.
    pub brightness: u8,
    pub on: bool,
}

/// A firmware version, `major.minor.patch` on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FirmwareVersion {
    pub major: u8,
    pub minor: u8,
    pub patch: u8,
}

/// How many colour channels the board's light has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LightChannels {
    /// An RGB strip (WS2812): white is mixed into red, green and blue.
    Rgb,
    /// An RGBW strip (SK6812 RGBW) with its own white LED.
    Rgbw,
}

impl LightChannels {
    /// The channel count written on the wire: 3 or 4.
    pub const fn count(self) -> u8 {
        match self {
            LightChannels::Rgb => 3,
            LightChannels::Rgbw => 4,
        }
    }

    /// The layout for a channel count, if it is 3 or 4.
    pub const fn from_count(count: u8) -> Option<Self> {
        match count {
            3 => Some(LightChannels::Rgb),
            4 => Some(LightChannels::Rgbw),
            _ => None,
        }
    }
}

/// The board's answer to the host's `Hello`: who it is and what it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeviceHello {
    /// The protocol version the board speaks.
    pub protocol: u8,
    pub firmware: FirmwareVersion,
    pub light_channels: LightChannels,
    /// Whether a pulse sensor is fitted (and `HeartRate`/`Pulse` will come).
    pub pulse_sensor: bool,
}

impl DeviceHello {
    /// `Ok` when the board speaks this crate's [`PROTOCOL_VERSION`].
    pub fn check_version(&self) -> Result<(), VersionMismatch> {
        check_version(self.protocol)
    }
}

/// `Ok` when `theirs` is this crate's [`PROTOCOL_VERSION`]. Both sides call
/// it on the other's `Hello`.
pub fn check_version(theirs: u8) -> Result<(), VersionMismatch> {
    if theirs == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(VersionMismatch {
            ours: PROTOCOL_VERSION,
            theirs,
        })
    }
}

/// The other side speaks another protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VersionMismatch {
    pub ours: u8,
    pub theirs: u8,
}

impl core::fmt::Display for VersionMismatch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "device protocol version {} where {} is expected",
            self.theirs, self.ours
        )
    }
}

impl core::error::Error for VersionMismatch {}

/// Why the board reports no heart rate (the field of `NoSignal`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PulseIssue {
    /// No reason given (a board of an earlier version, or the pulse was
    /// lost for no reason the board can name).
    #[default]
    Lost,
    /// The sensor sees no pulsing finger: a flat or nearly flat signal.
    NoFinger,
    /// The signal sits at the end of the sensor's range much of the time.
    Saturated,
    /// Movement artefacts, or a signal with no steady rhythm in it.
    Movement,
    /// A pulse is there, but its beats are too irregular to follow.
    Irregular,
    /// A rhythm is there, but too weak next to the noise.
    Weak,
}

impl PulseIssue {
    /// Every issue, in code order.
    pub const ALL: [PulseIssue; 6] = [
        PulseIssue::Lost,
        PulseIssue::NoFinger,
        PulseIssue::Saturated,
        PulseIssue::Movement,
        PulseIssue::Irregular,
        PulseIssue::Weak,
    ];

    /// Its number on the wire.
    pub const fn code(self) -> u8 {
        match self {
            PulseIssue::Lost => 0,
            PulseIssue::NoFinger => 1,
            PulseIssue::Saturated => 2,
            PulseIssue::Movement => 3,
            PulseIssue::Irregular => 4,
            PulseIssue::Weak => 5,
        }
    }

    /// The issue with wire number `code`; unknown numbers (from a newer
    /// board) are [`PulseIssue::Lost`].
    pub fn from_code(code: u8) -> Self {
        Self::ALL
            .into_iter()
            .find(|issue| issue.code() == code)
            .unwrap_or(PulseIssue::Lost)
    }
}

/// One heart-rate reading, sent after each detected beat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeartRate {
    /// Beats per minute in tenths (724 is 72.4 BPM), averaged over the last
    /// beats.
    pub bpm_tenths: u16,
    /// 0 (unusable) to 100 (clean, regular signal). Values above 100 are
    /// sent as 100.
    pub quality: u8,
    /// Board time of the beat, milliseconds since the board started
    /// (wraps after 49 days).
    pub beat_ms: u32,
    /// Time since the previous beat, in milliseconds; 0 when the previous
    /// beat was not seen (the first beat after a gap, or a board of an
    /// earlier version, which does not send it).
    pub interval_ms: u16,
}

impl HeartRate {
    /// Beats per minute.
    pub fn bpm(&self) -> f32 {
        f32::from(self.bpm_tenths) / 10.0
    }
}

/// A short run of the sensor signal, decimated to one sample every
/// [`PULSE_SAMPLE_PERIOD_MS`], for plotting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pulse {
    /// Board time of the first sample, in milliseconds.
    pub first_ms: u32,
    pub samples: Samples,
}

/// Up to [`MAX_PULSE_SAMPLES`] sensor values (10-bit ADC counts on the
/// ItsyBitsy, any `u16` on the wire). Equality looks at the values held only.
#[derive(Clone, Copy, Debug, Default)]
pub struct Samples {
    len: u8,
    values: [u16; MAX_PULSE_SAMPLES],
}

impl Samples {
    /// No samples.
    pub const fn new() -> Self {
        Samples {
            len: 0,
            values: [0; MAX_PULSE_SAMPLES],
        }
    }

    /// The first [`MAX_PULSE_SAMPLES`] values of `values`.
    pub fn from_slice(values: &[u16]) -> Self {
        let mut samples = Samples::new();
        for &value in values {
            if samples.push(value).is_err() {
                break;
            }
        }
        samples
    }

    /// Appends a value; `Err` with the value when full.
    pub fn push(&mut self, value: u16) -> Result<(), u16> {
        match self.values.get_mut(usize::from(self.len)) {
            Some(slot) => {
                *slot = value;
                self.len += 1;
                Ok(())
            }
            None => Err(value),
        }
    }

    /// The values held.
    pub fn as_slice(&self) -> &[u16] {
        self.values.get(..usize::from(self.len)).unwrap_or(&[])
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_full(&self) -> bool {
        self.len() == MAX_PULSE_SAMPLES
    }

    pub fn clear(&mut self) {
        self.len = 0;
    }
}

impl PartialEq for Samples {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Samples {}

impl core::hash::Hash for Samples {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

/// Why the board complains, `$ER,<code>` on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 1: the board received a frame it could not decode.
    BadFrame,
    /// 2: the host's `Hello` carries another protocol version.
    UnsupportedVersion,
    /// 3: the pulse sensor reads out of range (unplugged, shorted).
    SensorFault,
    /// Any other code, from a newer firmware.
    Other(u8),
}

impl ErrorCode {
    pub const fn code(self) -> u8 {
        match self {
            ErrorCode::BadFrame => 1,
            ErrorCode::UnsupportedVersion => 2,
            ErrorCode::SensorFault => 3,
            ErrorCode::Other(code) => code,
        }
    }

    pub const fn from_code(code: u8) -> Self {
        match code {
            1 => ErrorCode::BadFrame,
            2 => ErrorCode::UnsupportedVersion,
            3 => ErrorCode::SensorFault,
            other => ErrorCode::Other(other),
        }
    }
}

/// Host to board.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostMessage {
    /// Handshake and status request, `$HI,<protocol>`. The board answers
    /// with its [`DeviceHello`] and its [`LightState`] (plus
    /// `Error(UnsupportedVersion)` when the versions differ).
    Hello { protocol: u8 },
    /// Sets the whole light state, `$SL,r,g,b,w,brightness,on`; the board
    /// answers with its new `Light` state.
    SetLight(LightState),
}

impl HostMessage {
    /// The `Hello` of this crate's protocol version.
    pub const fn hello() -> Self {
        HostMessage::Hello {
            protocol: PROTOCOL_VERSION,
        }
    }
}

/// Board to host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceMessage {
    /// `$HI,<protocol>,<major>.<minor>.<patch>,<3|4>,<0|1>`
    Hello(DeviceHello),
    /// `$HR,<bpm with one decimal>,<quality>,<beat_ms>,<interval_ms>`
    HeartRate(HeartRate),
    /// `$PL,<first_ms>,<sample>,<sample>,...` (0 to 10 samples)
    Pulse(Pulse),
    /// `$LT,r,g,b,w,brightness,on`: the light state, after each change and
    /// on `Hello`.
    Light(LightState),
    /// `$NS,<issue>`: the heart-rate reading is gone, and why.
    NoSignal(PulseIssue),
    /// `$ER,<code>`
    Error { code: ErrorCode },
}
