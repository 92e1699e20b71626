//! The board's behaviour, apart from its hardware: decoded host messages
//! and sensor samples in, protocol messages and the light's pixel values
//! out. The ItsyBitsy firmware and the host's device simulator both run
//! this; they only move bytes and samples.
//!
//! - `Hello` is answered with the board's `Hello` and its light state, plus
//!   `Error(UnsupportedVersion)` when the host speaks another version.
//! - `SetLight` takes the whole light state and is answered with it.
//! - Every 10 raw samples (20 ms at 500 Hz) are averaged into one plot
//!   sample; every 10 plot samples go out as a `Pulse` (five a second).
//! - Each beat the detector reports goes out as `HeartRate`, with its
//!   interval; `NoSignal` goes out with the reason as soon as the detector
//!   stops reporting, and again when the reason changes and the new one
//!   has held for a second.

use rig_device_protocol::{
    DecodeError, DeviceHello, DeviceMessage, ErrorCode, FirmwareVersion, HeartRate, HostMessage,
    LightChannels, LightState, PROTOCOL_VERSION, Pulse, PulseIssue, Samples, check_version,
};

use crate::light::{Light, Pixel};
use crate::pulse::PulseDetector;

/// Raw samples averaged into one `Pulse` sample: 500 Hz down to 50 Hz.
pub const DECIMATION: u8 = 10;

/// How long a new no-signal reason must hold before it is sent.
pub const SETTLE_MS: u32 = 1000;

/// What the board is, for its `Hello`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceConfig {
    pub firmware: FirmwareVersion,
    pub light_channels: LightChannels,
    pub pulse_sensor: bool,
}

/// Up to four messages to send, in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outbox {
    items: [Option<DeviceMessage>; 4],
    next: usize,
}

impl Outbox {
    fn push(&mut self, message: DeviceMessage) {
        if let Some(slot) = self.items.iter_mut().find(|slot| slot.is_none()) {
            *slot = Some(message);
        }
    }
}

impl Iterator for Outbox {
    type Item = DeviceMessage;

    fn next(&mut self) -> Option<DeviceMessage> {
        let item = self.items.get_mut(self.next)?.take();
        self.next += 1;
        item
    }
}

/// The board: its light, its pulse detector and the decimated plot signal.
#[derive(Clone, Debug)]
pub struct Device {
    config: DeviceConfig,
    light: Light,
    detector: PulseDetector,
    block_sum: u32,
    block_len: u8,
    block_first_ms: u32,
    pulse: Pulse,
    /// The issue last sent (`None` while rates are sent).
    issue: Option<PulseIssue>,
    /// Another issue the detector gives, and since when.
    pending: Option<(PulseIssue, u32)>,
}

impl Device {
    pub fn new(config: DeviceConfig) -> Self {
        Device {
            config,
            light: Light::new(),
            detector: PulseDetector::new(),
            block_sum: 0,
            block_len: 0,
            block_first_ms: 0,
            pulse: Pulse {
                first_ms: 0,
                samples: Samples::new(),
            },
            issue: Some(PulseIssue::NoFinger),
            pending: None,
        }
    }

    /// The board's `Hello`.
    pub fn hello(&self) -> DeviceMessage {
        DeviceMessage::Hello(DeviceHello {
            protocol: PROTOCOL_VERSION,
            firmware: self.config.firmware,
            light_channels: self.config.light_channels,
            pulse_sensor: self.config.pulse_sensor,
        })
    }

    /// Acts on a host message and returns the replies.
    pub fn handle(&mut self, message: &HostMessage) -> Outbox {
        let mut out = Outbox::default();
        match message {
            HostMessage::Hello { protocol } => {
                out.push(self.hello());
                out.push(DeviceMessage::Light(self.light.state()));
                if check_version(*protocol).is_err() {
                    out.push(DeviceMessage::Error {
                        code: ErrorCode::UnsupportedVersion,
                    });
                }
            }
            HostMessage::SetLight(state) => {
                self.light.set(*state);
                out.push(DeviceMessage::Light(self.light.state()));
            }
        }
        out
    }

    /// The reply to a frame the board's decoder refused.
    pub fn bad_frame(&self, _error: DecodeError) -> DeviceMessage {
        DeviceMessage::Error {
            code: ErrorCode::BadFrame,
        }
    }

    /// Feeds one raw sensor sample taken at `now_ms`; returns what to send:
    /// a `Pulse` when ten plot samples are in, a `HeartRate` after a beat,
    /// `NoSignal` when the reading stops or its reason changes.
    pub fn sample(&mut self, raw: u16, now_ms: u32) -> Outbox {
        let mut out = Outbox::default();
        if let Some(beat) = self.detector.sample(raw, now_ms) {
            let tenths = libm::roundf(beat.bpm * 10.0).clamp(0.0, f32::from(u16::MAX));
            out.push(DeviceMessage::HeartRate(HeartRate {
                bpm_tenths: tenths as u16,
                quality: beat.quality,
                beat_ms: beat.at_ms,
                interval_ms: beat.interval_ms.min(u32::from(u16::MAX)) as u16,
            }));
        }
        if let Some(message) = self.issue_change(now_ms) {
            out.push(message);
        }

        if self.block_len == 0 {
            self.block_first_ms = now_ms;
        }
        self.block_sum += u32::from(raw);
        self.block_len += 1;
        if self.block_len == DECIMATION {
            let mean = (self.block_sum + u32::from(DECIMATION) / 2) / u32::from(DECIMATION);
            if self.pulse.samples.is_empty() {
                self.pulse.first_ms = self.block_first_ms;
            }
            let _ = self
                .pulse
                .samples
                .push(mean.min(u32::from(u16::MAX)) as u16);
            self.block_sum = 0;
            self.block_len = 0;
            if self.pulse.samples.is_full() {
                out.push(DeviceMessage::Pulse(self.pulse));
                self.pulse.samples.clear();
            }
        }
        out
    }

    /// The `NoSignal` to send now, if any. The rate stopping is told at
    /// once, with the reason of the moment; a change of reason after that
    /// only once it has held for [`SETTLE_MS`], so that the page does not
    /// flicker between reasons while the signal settles.
    fn issue_change(&mut self, now_ms: u32) -> Option<DeviceMessage> {
        let issue = self.detector.issue();
        if issue == self.issue {
            self.pending = None;
            return None;
        }
        let Some(reason) = issue else {
            // Rates again: the `HeartRate` messages say so.
            self.issue = None;
            self.pending = None;
            return None;
        };
        let since = match self.pending {
            Some((pending, since)) if pending == reason => since,
            _ => {
                self.pending = Some((reason, now_ms));
                now_ms
            }
        };
        if self.issue.is_none() || now_ms.wrapping_sub(since) >= SETTLE_MS {
            self.issue = Some(reason);
            self.pending = None;
            return Some(DeviceMessage::NoSignal(reason));
        }
        None
    }

    /// The light's state.
    pub fn light(&self) -> LightState {
        self.light.state()
    }

    /// What the LEDs should show now.
    pub fn pixel(&self) -> Pixel {
        self.light.pixel(self.config.light_channels)
    }

    /// True while no heart rate is being reported.
    pub fn no_signal(&self) -> bool {
        self.issue.is_some()
    }

    /// Why no heart rate is reported; `None` while one is.
    pub fn issue(&self) -> Option<PulseIssue> {
        self.issue
    }
}
