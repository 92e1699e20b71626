//! Reading one frame back into a message, and the typed reasons a frame is
//! refused. Parsing is strict (one spelling per value: plain decimal digits,
//! `0`/`1` for flags, upper-case checksum) except that a `Hello` may carry
//! extra trailing fields, so that a board of a later protocol version can
//! still be identified and reported as a version mismatch, and that the
//! fields added since the first boards (a heart rate's interval, a
//! no-signal reason) may be missing.

use crate::checksum::{crc8, hex_value};
use crate::message::{
    DeviceHello, DeviceMessage, ErrorCode, FirmwareVersion, HeartRate, HostMessage, LightChannels,
    LightState, MAX_PULSE_SAMPLES, MAX_QUALITY, Pulse, PulseIssue, Samples,
};

/// Why a frame was refused. The streaming [`crate::Decoder`] reports these
/// and carries on with the next frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecodeError {
    /// The line does not start with `$` (from [`crate::Message::decode`]
    /// only; the streaming decoder skips such bytes).
    NoStart,
    /// More than [`crate::MAX_LINE`] bytes without a line end.
    TooLong,
    /// A `$` came before the line end: the frame was cut short.
    Interrupted,
    /// A control or non-ASCII byte inside the frame.
    InvalidByte,
    /// No `*` followed by two characters at the end of the frame.
    MissingChecksum,
    /// The two characters after `*` are not upper-case hex digits.
    MalformedChecksum,
    /// The checksum does not match the frame's contents.
    BadChecksum { expected: u8, found: u8 },
    /// A tag this protocol version does not know (for this direction).
    UnknownTag,
    /// Too few or too many fields for the tag.
    WrongFieldCount,
    /// The field at this position (0 is the first after the tag) is not a
    /// valid value.
    BadField { index: u8 },
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecodeError::NoStart => f.write_str("line does not start with '$'"),
            DecodeError::TooLong => f.write_str("line too long"),
            DecodeError::Interrupted => f.write_str("frame interrupted by a new '$'"),
            DecodeError::InvalidByte => f.write_str("control or non-ASCII byte in frame"),
            DecodeError::MissingChecksum => f.write_str("no '*' checksum at the end of the frame"),
            DecodeError::MalformedChecksum => {
                f.write_str("checksum is not two upper-case hex digits")
            }
            DecodeError::BadChecksum { expected, found } => {
                write!(f, "checksum {found:02X} where {expected:02X} is expected")
            }
            DecodeError::UnknownTag => f.write_str("unknown message tag"),
            DecodeError::WrongFieldCount => f.write_str("wrong number of fields"),
            DecodeError::BadField { index } => write!(f, "field {index} is invalid"),
        }
    }
}

impl core::error::Error for DecodeError {}

/// Checks a frame's body (between `$` and the line end) and returns its
/// payload (between `$` and `*`).
pub(crate) fn checked_payload(body: &[u8]) -> Result<&[u8], DecodeError> {
    if body.contains(&b'$') {
        return Err(DecodeError::Interrupted);
    }
    if !body.iter().all(|&byte| (0x20..=0x7E).contains(&byte)) {
        return Err(DecodeError::InvalidByte);
    }
    let (payload, star_and_sum) = body
        .len()
        .checked_sub(3)
        .map(|at| body.split_at(at))
        .ok_or(DecodeError::MissingChecksum)?;
    let [star, hi, lo] = *star_and_sum else {
        return Err(DecodeError::MissingChecksum);
    };
    if star != b'*' {
        return Err(DecodeError::MissingChecksum);
    }
    let found = match (hex_value(hi), hex_value(lo)) {
        (Some(hi), Some(lo)) => hi << 4 | lo,
        _ => return Err(DecodeError::MalformedChecksum),
    };
    let expected = crc8(payload);
    if found != expected {
        return Err(DecodeError::BadChecksum { expected, found });
    }
    Ok(payload)
}

/// The comma-separated fields after the tag, read in order.
struct Fields<'a> {
    rest: core::slice::Split<'a, u8, fn(&u8) -> bool>,
    index: u8,
}

fn is_comma(byte: &u8) -> bool {
    *byte == b','
}

/// Splits a payload into its tag and its fields.
fn split(payload: &[u8]) -> (&[u8], Fields<'_>) {
    let mut rest = payload.split(is_comma as fn(&u8) -> bool);
    let tag = rest.next().unwrap_or(&[]);
    (tag, Fields { rest, index: 0 })
}

impl<'a> Fields<'a> {
    fn raw(&mut self) -> Result<(&'a [u8], u8), DecodeError> {
        let field = self.rest.next().ok_or(DecodeError::WrongFieldCount)?;
        let index = self.index;
        self.index = self.index.saturating_add(1);
        Ok((field, index))
    }

    fn number(&mut self, max: u32) -> Result<u32, DecodeError> {
        let (field, index) = self.raw()?;
        parse_decimal(field)
            .filter(|&value| value <= max)
            .ok_or(DecodeError::BadField { index })
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        self.number(u32::from(u8::MAX)).map(|v| v as u8)
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        self.number(u32::from(u16::MAX)).map(|v| v as u16)
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        self.number(u32::MAX)
    }

    fn flag(&mut self) -> Result<bool, DecodeError> {
        self.number(1).map(|v| v == 1)
    }

    fn light(&mut self) -> Result<LightState, DecodeError> {
        Ok(LightState {
            r: self.u8()?,
            g: self.u8()?,
            b: self.u8()?,
            w: self.u8()?,
            brightness: self.u8()?,
            on: self.flag()?,
        })
    }

    /// `major.minor.patch`
    fn version(&mut self) -> Result<FirmwareVersion, DecodeError> {
        let (field, index) = self.raw()?;
        let bad = DecodeError::BadField { index };
        let mut parts = field.split(|&byte| byte == b'.');
        let mut part = || {
            parts
                .next()
                .and_then(parse_decimal)
                .and_then(|v| u8::try_from(v).ok())
                .ok_or(bad)
        };
        let version = FirmwareVersion {
            major: part()?,
            minor: part()?,
            patch: part()?,
        };
        if parts.next().is_some() {
            return Err(bad);
        }
        Ok(version)
    }

    /// A decimal with at most one digit after the point, in tenths.
    fn tenths(&mut self) -> Result<u16, DecodeError> {
        let (field, index) = self.raw()?;
        parse_tenths(field).ok_or(DecodeError::BadField { index })
    }

    /// A field that boards of an earlier version do not send: `None` when
    /// the frame ends here.
    fn optional<T>(
        &mut self,
        read: fn(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        if self.rest.clone().next().is_none() {
            return Ok(None);
        }
        read(self).map(Some)
    }

    /// `Ok` when every field has been read.
    fn end(mut self) -> Result<(), DecodeError> {
        match self.rest.next() {
            None => Ok(()),
            Some(_) => Err(DecodeError::WrongFieldCount),
        }
    }
}

/// Plain decimal digits (1 to 10 of them) that fit a `u32`.
pub(crate) fn parse_decimal(field: &[u8]) -> Option<u32> {
    if field.is_empty() || field.len() > 10 {
        return None;
    }
    field.iter().try_fold(0u32, |acc, &byte| {
        let digit = char::from(byte).to_digit(10)?;
        acc.checked_mul(10)?.checked_add(digit)
    })
}

/// `72`, `72.4` (not `72.`, `.4` or `72.45`) as tenths.
pub(crate) fn parse_tenths(field: &[u8]) -> Option<u16> {
    parse_tenths_wide(field).and_then(|value| u16::try_from(value).ok())
}

/// [`parse_tenths`] into a `u32`.
pub(crate) fn parse_tenths_wide(field: &[u8]) -> Option<u32> {
    let (whole, tenth) = match field.iter().position(|&byte| byte == b'.') {
        Some(dot) => {
            let (whole, dot_and_tenth) = field.split_at(dot);
            match dot_and_tenth {
                [_, digit] => (whole, char::from(*digit).to_digit(10)?),
                _ => return None,
            }
        }
        None => (field, 0),
    };
    parse_decimal(whole)?.checked_mul(10)?.checked_add(tenth)
}

pub(crate) fn host_message(payload: &[u8]) -> Result<HostMessage, DecodeError> {
    let (tag, mut fields) = split(payload);
    let message = match tag {
        b"HI" => {
            // Later versions may append fields to Hello; see the module doc.
            return Ok(HostMessage::Hello {
                protocol: fields.u8()?,
            });
        }
        b"SL" => HostMessage::SetLight(fields.light()?),
        _ => return Err(DecodeError::UnknownTag),
    };
    fields.end()?;
    Ok(message)
}

pub(crate) fn device_message(payload: &[u8]) -> Result<DeviceMessage, DecodeError> {
    let (tag, mut fields) = split(payload);
    let message = match tag {
        b"HI" => {
            let protocol = fields.u8()?;
            let firmware = fields.version()?;
            let index = fields.index;
            let light_channels =
                LightChannels::from_count(fields.u8()?).ok_or(DecodeError::BadField { index })?;
            let pulse_sensor = fields.flag()?;
            // Later versions may append fields to Hello; see the module doc.
            return Ok(DeviceMessage::Hello(DeviceHello {
                protocol,
                firmware,
                light_channels,
                pulse_sensor,
            }));
        }
        b"HR" => DeviceMessage::HeartRate(HeartRate {
            bpm_tenths: fields.tenths()?,
            quality: fields.number(u32::from(MAX_QUALITY))? as u8,
            beat_ms: fields.u32()?,
            // Added after the first boards shipped: optional.
            interval_ms: fields.optional(Fields::u16)?.unwrap_or(0),
        }),
        b"PL" => {
            let first_ms = fields.u32()?;
            let mut samples = Samples::new();
            for _ in 0..MAX_PULSE_SAMPLES {
                if fields.rest.clone().next().is_none() {
                    break;
                }
                let sample = fields.u16()?;
                samples
                    .push(sample)
                    .map_err(|_| DecodeError::WrongFieldCount)?;
            }
            DeviceMessage::Pulse(Pulse { first_ms, samples })
        }
        b"LT" => DeviceMessage::Light(fields.light()?),
        b"NS" => DeviceMessage::NoSignal(
            fields
                .optional(Fields::u8)?
                .map_or(PulseIssue::Lost, PulseIssue::from_code),
        ),
        b"ER" => DeviceMessage::Error {
            code: ErrorCode::from_code(fields.u8()?),
        },
        _ => return Err(DecodeError::UnknownTag),
    };
    fields.end()?;
    Ok(message)
}
