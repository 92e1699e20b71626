//! The fixed binary header in front of every JPEG frame sent over the
//! WebSocket. Little-endian, 24 bytes, versioned: a client checks the version
//! and the header length before it trusts anything else, and decoding never
//! panics on short or foreign input.

use thiserror::Error;

/// Current frame format version.
pub const FRAME_VERSION: u8 = 1;
/// Payload kind: a baseline JPEG image follows the header.
pub const KIND_JPEG: u8 = 1;
/// Size of the encoded header in bytes.
pub const HEADER_LEN: usize = 24;

/// Metadata of one video frame.
///
/// Layout (all little-endian):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 1 | version (= 1) |
/// | 1 | 1 | payload kind (1 = JPEG) |
/// | 2 | 2 | header length in bytes (= 24; lets later versions append fields) |
/// | 4 | 8 | sequence number, increasing by one per captured frame |
/// | 12 | 8 | capture time, microseconds since the Unix epoch |
/// | 20 | 2 | width in pixels |
/// | 22 | 2 | height in pixels |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Increases by one for every frame the camera delivers, across restarts
    /// of the pipeline; a gap means frames were skipped for this viewer.
    pub sequence: u64,
    /// When the frame left the camera source, in µs since the Unix epoch.
    pub captured_us: u64,
    /// Width of the JPEG image.
    pub width: u16,
    /// Height of the JPEG image.
    pub height: u16,
}

/// Why a frame header could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HeaderError {
    /// Fewer bytes than the header needs.
    #[error("frame too short: {0} bytes, the header alone is {HEADER_LEN}")]
    Truncated(usize),
    /// A version this code does not understand.
    #[error("unsupported frame version {0} (expected {FRAME_VERSION})")]
    Version(u8),
    /// A payload kind this code does not understand.
    #[error("unsupported payload kind {0}")]
    Kind(u8),
    /// The header length field is smaller than the fields it must hold or
    /// larger than the message.
    #[error("invalid header length {0}")]
    Length(u16),
}

impl FrameHeader {
    /// Encodes the header into its 24-byte wire form.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0] = FRAME_VERSION;
        out[1] = KIND_JPEG;
        out[2..4].copy_from_slice(&(HEADER_LEN as u16).to_le_bytes());
        out[4..12].copy_from_slice(&self.sequence.to_le_bytes());
        out[12..20].copy_from_slice(&self.captured_us.to_le_bytes());
        out[20..22].copy_from_slice(&self.width.to_le_bytes());
        out[22..24].copy_from_slice(&self.height.to_le_bytes());
        out
    }

    /// Decodes a header from the front of `message` and returns it with the
    /// offset at which the payload starts.
    pub fn decode(message: &[u8]) -> Result<(Self, usize), HeaderError> {
        Self::decode_prefix(message, message.len())
    }

    /// Decodes a header from `prefix`, the first bytes of a message that is
    /// `total_len` bytes long; for clients that copy only the header out of
    /// a larger buffer.
    pub fn decode_prefix(prefix: &[u8], total_len: usize) -> Result<(Self, usize), HeaderError> {
        let Some(fixed) = prefix.get(..HEADER_LEN) else {
            return Err(HeaderError::Truncated(prefix.len()));
        };
        if fixed[0] != FRAME_VERSION {
            return Err(HeaderError::Version(fixed[0]));
        }
        if fixed[1] != KIND_JPEG {
            return Err(HeaderError::Kind(fixed[1]));
        }
        let len = u16::from_le_bytes([fixed[2], fixed[3]]);
        if usize::from(len) < HEADER_LEN || usize::from(len) > total_len {
            return Err(HeaderError::Length(len));
        }
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&fixed[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let header = FrameHeader {
            sequence: u64_at(4),
            captured_us: u64_at(12),
            width: u16::from_le_bytes([fixed[20], fixed[21]]),
            height: u16::from_le_bytes([fixed[22], fixed[23]]),
        };
        Ok((header, usize::from(len)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FrameHeader {
        FrameHeader {
            sequence: 0x0102_0304_0506_0708,
            captured_us: 1_795_000_000_123_456,
            width: 1280,
            height: 720,
        }
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let mut msg = sample().encode().to_vec();
        msg.extend_from_slice(&[0xff, 0xd8, 0xff, 0xd9]);
        let (header, offset) = FrameHeader::decode(&msg).unwrap();
        assert_eq!(header, sample());
        assert_eq!(&msg[offset..], &[0xff, 0xd8, 0xff, 0xd9]);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let msg = sample().encode();
        for len in 0..HEADER_LEN {
            assert_eq!(
                FrameHeader::decode(&msg[..len]),
                Err(HeaderError::Truncated(len))
            );
        }
    }

    #[test]
    fn wrong_version_and_kind_are_errors() {
        let mut msg = sample().encode();
        msg[0] = 2;
        assert_eq!(FrameHeader::decode(&msg), Err(HeaderError::Version(2)));
        let mut msg = sample().encode();
        msg[1] = 9;
        assert_eq!(FrameHeader::decode(&msg), Err(HeaderError::Kind(9)));
    }

    #[test]
    fn bad_header_length_is_an_error() {
        let mut msg = sample().encode();
        msg[2..4].copy_from_slice(&10u16.to_le_bytes());
        assert_eq!(FrameHeader::decode(&msg), Err(HeaderError::Length(10)));
        msg[2..4].copy_from_slice(&100u16.to_le_bytes());
        assert_eq!(FrameHeader::decode(&msg), Err(HeaderError::Length(100)));
    }

    #[test]
    fn longer_header_from_a_later_minor_version_is_skipped() {
        let mut msg = sample().encode().to_vec();
        msg[2..4].copy_from_slice(&28u16.to_le_bytes());
        msg.extend_from_slice(&[0, 0, 0, 0, 0xff, 0xd8]);
        let (header, offset) = FrameHeader::decode(&msg).unwrap();
        assert_eq!(header, sample());
        assert_eq!(offset, 28);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut state = 0x1234_5678_u32;
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (state >> 24) as u8
                })
                .collect();
            let _ = FrameHeader::decode(&bytes);
        }
    }
}
