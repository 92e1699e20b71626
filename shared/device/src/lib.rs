//! The serial protocol between the camera rig server (the host) and its
//! light + heart-rate board (an Adafruit ItsyBitsy M4). `no_std`, no
//! allocation: the firmware, the host's device actor and the device
//! simulator all use this one crate.
//!
//! # Wire format (protocol version 1)
//!
//! One message per text line, NMEA-like:
//!
//! ```text
//! $HR,72.4,93,123456,830*5A\r\n
//! ^ ^  ^              ^  ^
//! | |  fields         |  line end: \n, optionally preceded by \r
//! | tag               * and the CRC-8 (two upper-case hex digits) of the
//! start                    bytes between $ and *
//! ```
//!
//! Host to board:
//!
//! | frame | message |
//! |---|---|
//! | `$HI,1*52` | [`HostMessage::Hello`]: handshake and status request, with the host's protocol version |
//! | `$SL,255,120,0,0,200,1*B7` | [`HostMessage::SetLight`]: r, g, b, w, brightness, on |
//!
//! Board to host:
//!
//! | frame | message |
//! |---|---|
//! | `$HI,1,0.1.0,4,1*0D` | [`DeviceMessage::Hello`]: protocol, firmware version, 3 or 4 light channels, pulse sensor fitted |
//! | `$HR,72.4,93,123456,830*5A` | [`DeviceMessage::HeartRate`]: BPM (one decimal), quality 0-100, board time of the beat (ms), time since the previous beat (ms, 0 when not seen) |
//! | `$PL,123400,512,530,601,688,702,650,590,545,520,511*56` | [`DeviceMessage::Pulse`]: board time of the first sample, then up to 10 samples 20 ms apart |
//! | `$LT,255,120,0,0,200,1*3B` | [`DeviceMessage::Light`]: the light state, as `SL` |
//! | `$NS,1*03` | [`DeviceMessage::NoSignal`]: no heart rate, and why: 0 lost, 1 no finger, 2 saturated, 3 movement, 4 irregular, 5 too weak |
//! | `$ER,1*E2` | [`DeviceMessage::Error`]: 1 bad frame, 2 unsupported version, 3 sensor fault |
//!
//! (Each line ends with `\r\n`; a test checks every checksum in this table.)
//!
//! # Why text lines
//!
//! - Readable in any serial monitor, and a command can be pasted in by hand
//!   while debugging (the table above lists ready-made ones).
//! - Bounded: a frame is at most [`MAX_LINE`] bytes from `$` to `\n`, so
//!   the board decodes it in a fixed 78-byte buffer.
//! - Trivial resynchronisation: `$` never occurs inside a frame, so after
//!   line noise, a reset or a cut cable the decoder is back in step at the
//!   next `$`; everything before it is skipped.
//! - The checksum (CRC-8) catches corrupted bytes; a frame is refused as a
//!   whole with a typed [`DecodeError`], never half-applied.
//! - The cost, about three times the bytes of a binary encoding, is
//!   irrelevant at 115200 baud: the heaviest stream (50 pulse samples and
//!   about two heart-rate lines per second) is under 400 bytes/s.
//!
//! # Versions
//!
//! The host opens with `$HI,<its version>`; the board answers with its own
//! `HI` (and `$ER,2` if the versions differ). Either side detects a mismatch
//! with [`check_version`]. The layout of `HI` is frozen: later versions may
//! only append fields to it, and this version ignores fields it does not
//! know there, so a newer board is still identified as such.
//!
//! The Arduino sketch's older format lives in [`legacy`].

#![no_std]
#![forbid(unsafe_code)]

mod checksum;
mod decode;
mod decoder;
mod encode;
pub mod legacy;
mod message;

pub use checksum::crc8;
pub use decode::DecodeError;
pub use decoder::{Decoder, Frames, Stats};
pub use encode::{BufferTooSmall, Line};
pub use message::{
    DeviceHello, DeviceMessage, ErrorCode, FirmwareVersion, HeartRate, HostMessage, LightChannels,
    LightState, MAX_PULSE_SAMPLES, MAX_QUALITY, PULSE_SAMPLE_PERIOD_MS, Pulse, PulseIssue, Samples,
    VersionMismatch, check_version,
};

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u8 = 1;

/// Longest frame in bytes, from `$` to `\n` included.
pub const MAX_LINE: usize = 80;

/// A message that travels as one frame: [`HostMessage`] or
/// [`DeviceMessage`].
pub trait Message: Sized {
    /// The frame, `$` to `\r\n`.
    fn encode(&self) -> Line;

    /// Writes the frame at the start of `out` and returns its length.
    fn encode_into(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        encode::copy_into(&self.encode(), out)
    }

    /// Decodes one complete line: `$`, the frame, and optionally its line
    /// end (`\n` or `\r\n`).
    fn decode(line: &[u8]) -> Result<Self, DecodeError> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        // The same limit as the streaming decoder: `$`, body, `\n`.
        if line.len() + 1 > MAX_LINE {
            return Err(DecodeError::TooLong);
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let body = line.strip_prefix(b"$").ok_or(DecodeError::NoStart)?;
        decode::checked_payload(body).and_then(Self::decode_payload)
    }

    /// Decodes a payload whose checksum has been checked: the bytes between
    /// `$` and `*`.
    #[doc(hidden)]
    fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError>;
}

impl Message for HostMessage {
    fn encode(&self) -> Line {
        encode::host_message(self)
    }

    fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
        decode::host_message(payload)
    }
}

impl Message for DeviceMessage {
    fn encode(&self) -> Line {
        encode::device_message(self)
    }

    fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
        decode::device_message(payload)
    }
}
