//! The frame checksum: CRC-8 (polynomial 0x07, initial value 0, no
//! reflection, the "CRC-8/SMBUS" variant) over the bytes between `$` and `*`,
//! written as two upper-case hex digits.
//!
//! A CRC rather than NMEA's XOR: XOR misses two swapped characters (`72` read
//! as `27`) and any pair of equal corruptions, CRC-8 catches every single-bit
//! and every single-byte error and every error burst up to 8 bits, for the
//! same two characters on the wire. The table is built at compile time (256
//! bytes of flash).

/// CRC-8 lookup table for polynomial 0x07, built by `const fn`.
const TABLE: [u8; 256] = build_table();

const fn build_table() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

/// CRC-8/SMBUS of `bytes`.
pub fn crc8(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |crc, &byte| TABLE[usize::from(crc ^ byte)])
}

/// The two upper-case hex digits that write `value`.
pub(crate) fn hex_digits(value: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    [
        DIGITS[usize::from(value >> 4)],
        DIGITS[usize::from(value & 0x0F)],
    ]
}

/// The value of one upper-case hex digit; lower case is refused so that a
/// frame has exactly one spelling.
pub(crate) fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_of_the_standard_test_string() {
        // The catalogue check value of CRC-8/SMBUS.
        assert_eq!(crc8(b"123456789"), 0xF4);
        assert_eq!(crc8(b""), 0);
    }

    #[test]
    fn hex_round_trip() {
        for value in 0..=255u8 {
            let [hi, lo] = hex_digits(value);
            assert_eq!(
                hex_value(hi).map(|h| h << 4 | hex_value(lo).unwrap_or(99)),
                Some(value)
            );
        }
        assert_eq!(hex_value(b'a'), None);
        assert_eq!(hex_value(b'G'), None);
    }
}
