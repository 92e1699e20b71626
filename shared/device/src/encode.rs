//! Writing messages as frames: `$`, tag, comma-separated decimal fields,
//! `*`, the CRC-8 in two hex digits, `\r\n`. Every message of this version
//! fits in [`MAX_LINE`] bytes (the longest, a full `Pulse`, takes 79), so
//! encoding into a [`Line`] cannot fail.

use crate::MAX_LINE;
use crate::checksum::{crc8, hex_digits};
use crate::message::{DeviceMessage, HostMessage, LightState};

/// One encoded frame, `$` to `\n` included, in a fixed buffer.
#[derive(Clone, Copy)]
pub struct Line {
    buf: [u8; MAX_LINE],
    len: usize,
}

impl Line {
    /// The frame's bytes, ready to write to the serial port.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// The frame as text (frames are ASCII).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.as_bytes()).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl core::fmt::Debug for Line {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Line {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Line {}

/// The caller's buffer is shorter than the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferTooSmall {
    /// Bytes the frame needs.
    pub needed: usize,
}

impl core::fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "the frame needs a {}-byte buffer", self.needed)
    }
}

impl core::error::Error for BufferTooSmall {}

/// Copies `line` to the start of `out`, returning its length.
pub(crate) fn copy_into(line: &Line, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
    let bytes = line.as_bytes();
    match out.get_mut(..bytes.len()) {
        Some(target) => {
            target.copy_from_slice(bytes);
            Ok(bytes.len())
        }
        None => Err(BufferTooSmall {
            needed: bytes.len(),
        }),
    }
}

/// Builds a frame field by field. Bytes past the buffer are dropped; no
/// message of this version gets there (a test encodes the largest of each),
/// and a truncated frame would fail its checksum anyway.
struct FrameWriter {
    line: Line,
}

impl FrameWriter {
    fn new(tag: &[u8; 2]) -> Self {
        let mut writer = FrameWriter {
            line: Line {
                buf: [0; MAX_LINE],
                len: 0,
            },
        };
        writer.bytes(b"$");
        writer.bytes(tag);
        writer
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if let Some(slot) = self.line.buf.get_mut(self.line.len) {
                *slot = byte;
                self.line.len += 1;
            }
        }
    }

    /// `,` and the decimal digits of `value`.
    fn field(&mut self, value: u32) {
        self.bytes(b",");
        self.decimal(value);
    }

    fn decimal(&mut self, mut value: u32) {
        let mut digits = [0u8; 10];
        let mut start = digits.len();
        loop {
            start -= 1;
            if let Some(slot) = digits.get_mut(start) {
                *slot = b'0' + (value % 10) as u8;
            }
            value /= 10;
            if value == 0 || start == 0 {
                break;
            }
        }
        self.bytes(digits.get(start..).unwrap_or(&[]));
    }

    fn flag(&mut self, value: bool) {
        self.field(u32::from(value));
    }

    fn light(&mut self, light: &LightState) {
        for value in [light.r, light.g, light.b, light.w, light.brightness] {
            self.field(u32::from(value));
        }
        self.flag(light.on);
    }

    /// `*`, the checksum of everything after `$`, and `\r\n`.
    fn finish(mut self) -> Line {
        let body = self.line.buf.get(1..self.line.len).unwrap_or(&[]);
        let checksum = hex_digits(crc8(body));
        self.bytes(b"*");
        self.bytes(&checksum);
        self.bytes(b"\r\n");
        self.line
    }
}

pub(crate) fn host_message(message: &HostMessage) -> Line {
    match message {
        HostMessage::Hello { protocol } => {
            let mut w = FrameWriter::new(b"HI");
            w.field(u32::from(*protocol));
            w.finish()
        }
        HostMessage::SetLight(light) => {
            let mut w = FrameWriter::new(b"SL");
            w.light(light);
            w.finish()
        }
    }
}

pub(crate) fn device_message(message: &DeviceMessage) -> Line {
    match message {
        DeviceMessage::Hello(hello) => {
            let mut w = FrameWriter::new(b"HI");
            w.field(u32::from(hello.protocol));
            w.field(u32::from(hello.firmware.major));
            w.bytes(b".");
            w.decimal(u32::from(hello.firmware.minor));
            w.bytes(b".");
            w.decimal(u32::from(hello.firmware.patch));
            w.field(u32::from(hello.light_channels.count()));
            w.flag(hello.pulse_sensor);
            w.finish()
        }
        DeviceMessage::HeartRate(rate) => {
            let mut w = FrameWriter::new(b"HR");
            w.field(u32::from(rate.bpm_tenths / 10));
            w.bytes(b".");
            w.decimal(u32::from(rate.bpm_tenths % 10));
            w.field(u32::from(rate.quality.min(crate::message::MAX_QUALITY)));
            w.field(rate.beat_ms);
            w.field(u32::from(rate.interval_ms));
            w.finish()
        }
        DeviceMessage::Pulse(pulse) => {
            let mut w = FrameWriter::new(b"PL");
            w.field(pulse.first_ms);
            for &sample in pulse.samples.as_slice() {
                w.field(u32::from(sample));
            }
            w.finish()
        }
        DeviceMessage::Light(light) => {
            let mut w = FrameWriter::new(b"LT");
            w.light(light);
            w.finish()
        }
        DeviceMessage::NoSignal(issue) => {
            let mut w = FrameWriter::new(b"NS");
            w.field(u32::from(issue.code()));
            w.finish()
        }
        DeviceMessage::Error { code } => {
            let mut w = FrameWriter::new(b"ER");
            w.field(u32::from(code.code()));
            w.finish()
        }
    }
}
