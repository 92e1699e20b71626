//! The original Arduino sketch's format, so boards still running it keep
//! working with the new host.
//!
//! - Host to board: one line of 8 upper-case hex digits per change,
//!   `RRGGBBLL\n`, where `RRGGBB` is the colour already scaled by the
//!   brightness `LL` (`channel * brightness / 255`, rounded to nearest), and
//!   `00000000` switches the light off. There is no white channel.
//! - Board to host: after each detected beat, the BPM as a decimal number on
//!   its own line (`72\r\n`). Anything else the sketch prints is not a BPM
//!   line and is refused by [`parse_bpm_line`].
//!
//! The legacy format has no checksum and no handshake; a host tells the two
//! apart by whether the board answers `$HI` (see the crate docs).

use crate::decode::parse_tenths_wide;

/// Bytes of one legacy light command, `RRGGBBLL\n`.
pub const LIGHT_LINE_LEN: usize = 9;

/// The BPM values a legacy BPM line may carry; others are refused as noise.
pub const BPM_RANGE: core::ops::RangeInclusive<u16> = 20..=300;

/// `channel * brightness / 255`, rounded to nearest.
pub const fn scale(channel: u8, brightness: u8) -> u8 {
    ((channel as u16 * brightness as u16 + 127) / 255) as u8
}

/// The legacy light command: colour scaled by `brightness`, then the
/// brightness, as 8 upper-case hex digits and `\n`; `00000000\n` when off.
pub fn encode_light(r: u8, g: u8, b: u8, brightness: u8, on: bool) -> [u8; LIGHT_LINE_LEN] {
    let values = if on {
        [
            scale(r, brightness),
            scale(g, brightness),
            scale(b, brightness),
            brightness,
        ]
    } else {
        [0; 4]
    };
    let mut line = [b'\n'; LIGHT_LINE_LEN];
    for (pair, value) in line.chunks_exact_mut(2).zip(values) {
        pair.copy_from_slice(&crate::checksum::hex_digits(value));
    }
    line
}

/// A legacy light command as the board reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LegacyLight {
    /// Already scaled by `level`.
    pub r: u8,
    pub g: u8,
    pub b: u8,
    /// The brightness, 0-255; all four are 0 for off.
    pub level: u8,
}

impl LegacyLight {
    pub fn is_off(&self) -> bool {
        self.r == 0 && self.g == 0 && self.b == 0 && self.level == 0
    }
}

/// Why a legacy line was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LegacyError {
    /// Not the expected shape (digits, length).
    Malformed,
    /// A BPM outside [`BPM_RANGE`].
    OutOfRange,
}

impl core::fmt::Display for LegacyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LegacyError::Malformed => f.write_str("not a legacy line"),
            LegacyError::OutOfRange => f.write_str("BPM out of range"),
        }
    }
}

impl core::error::Error for LegacyError {}

/// Reads a legacy light command (`RRGGBBLL`, optional `\r\n` or `\n`); hex
/// digits of either case, as the sketch's `strtol` accepted.
pub fn parse_light_line(line: &[u8]) -> Result<LegacyLight, LegacyError> {
    let line = trim(line);
    if line.len() != 8 {
        return Err(LegacyError::Malformed);
    }
    let mut values = [0u8; 4];
    for (value, pair) in values.iter_mut().zip(line.chunks_exact(2)) {
        let digit = |byte: u8| char::from(byte).to_digit(16).map(|d| d as u8);
        match pair {
            [hi, lo] => match (digit(*hi), digit(*lo)) {
                (Some(hi), Some(lo)) => *value = hi << 4 | lo,
                _ => return Err(LegacyError::Malformed),
            },
            _ => return Err(LegacyError::Malformed),
        }
    }
    let [r, g, b, level] = values;
    Ok(LegacyLight { r, g, b, level })
}

/// Reads a legacy BPM line: a decimal number (`72`, or `72.5`) with
/// optional surrounding spaces and line end. Returns the BPM in tenths, like
/// [`crate::HeartRate::bpm_tenths`].
pub fn parse_bpm_line(line: &[u8]) -> Result<u16, LegacyError> {
    let line = trim(line);
    if line.len() > 8 {
        return Err(LegacyError::Malformed);
    }
    let tenths = parse_tenths_wide(line).ok_or(LegacyError::Malformed)?;
    let range = u32::from(*BPM_RANGE.start()) * 10..=u32::from(*BPM_RANGE.end()) * 10;
    if range.contains(&tenths) {
        u16::try_from(tenths).map_err(|_| LegacyError::OutOfRange)
    } else {
        Err(LegacyError::OutOfRange)
    }
}

/// Strips spaces, tabs, `\r` and `\n` at both ends.
fn trim(line: &[u8]) -> &[u8] {
    let blank = |byte: &u8| matches!(byte, b' ' | b'\t' | b'\r' | b'\n');
    let start = line.iter().position(|b| !blank(b)).unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |i| i + 1);
    line.get(start..end).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_is_scaled_by_brightness_and_rounded() {
        assert_eq!(&encode_light(255, 128, 0, 255, true), b"FF8000FF\n");
        // 255 * 128 / 255 = 128; 128 * 128 / 255 = 64.25 -> 64; 1 * 128 / 255 = 0.50 -> 1
        assert_eq!(&encode_light(255, 128, 1, 128, true), b"80400180\n");
        assert_eq!(&encode_light(200, 100, 50, 0, true), b"00000000\n");
        assert_eq!(&encode_light(255, 255, 255, 255, false), b"00000000\n");
        assert_eq!(scale(3, 85), 1); // 255 / 255 = 1.0
        assert_eq!(scale(1, 127), 0); // 0.498 rounds down
    }

    #[test]
    fn scaling_matches_exact_rounding_everywhere() {
        for c in 0..=255u16 {
            for l in 0..=255u16 {
                let exact = f64::from(c * l) / 255.0;
                let got = f64::from(scale(c as u8, l as u8));
                assert!((got - exact).abs() <= 0.5, "{c} {l}");
            }
        }
    }

    #[test]
    fn light_line_round_trip() {
        let line = encode_light(10, 20, 30, 200, true);
        assert_eq!(
            parse_light_line(&line),
            Ok(LegacyLight {
                r: scale(10, 200),
                g: scale(20, 200),
                b: scale(30, 200),
                level: 200
            })
        );
        assert!(parse_light_line(b"00000000\r\n").is_ok_and(|l| l.is_off()));
        assert_eq!(parse_light_line(b"ff8000ff"), parse_light_line(b"FF8000FF"));
        for bad in [&b"FF8000F"[..], b"FF8000FFF", b"GG000000", b"", b"+F8000FF"] {
            assert_eq!(parse_light_line(bad), Err(LegacyError::Malformed));
        }
    }

    #[test]
    fn bpm_lines() {
        assert_eq!(parse_bpm_line(b"72\r\n"), Ok(720));
        assert_eq!(parse_bpm_line(b"72\n"), Ok(720));
        assert_eq!(parse_bpm_line(b" 72 "), Ok(720));
        assert_eq!(parse_bpm_line(b"72.5"), Ok(725));
        assert_eq!(parse_bpm_line(b"20"), Ok(200));
        assert_eq!(parse_bpm_line(b"300"), Ok(3000));
        for out in [&b"19"[..], b"301", b"0", b"300.5", b"19.9", b"65535"] {
            assert_eq!(parse_bpm_line(out), Err(LegacyError::OutOfRange), "{out:?}");
        }
        for bad in [
            &b""[..],
            b"\r\n",
            b"abc",
            b"72bpm",
            b"-72",
            b"+72",
            b"7 2",
            b"72.",
            b".5",
            b"72.55",
            b"99999999999",
            b"Heart-Beat Found",
            b"BPM: 72",
            b"$HR,72.4,93,123456*ED",
        ] {
            assert_eq!(parse_bpm_line(bad), Err(LegacyError::Malformed), "{bad:?}");
        }
    }
}
