//! The fixed binary header in front of every video frame sent over the
//! WebSocket: a JPEG picture or an H.264 access unit. Little-endian,
//! 32 bytes, versioned: a client checks the version and the header length
//! before it trusts anything else, and decoding never panics on short or
//! foreign input. Version 1 headers of 24 bytes (JPEG only, from servers
//! before H.264) still decode, as JPEG frames that are all key frames.

use thiserror::Error;

/// Current frame format version.
pub const FRAME_VERSION: u8 = 1;
/// Payload kind: a baseline JPEG image follows the header.
pub const KIND_JPEG: u8 = 1;
/// Payload kind: one H.264 access unit in Annex B byte-stream form follows
/// the header (key frames carry their SPS and PPS in-band).
pub const KIND_H264: u8 = 2;
/// Size of the encoded header in bytes.
pub const HEADER_LEN: usize = 32;
/// The shortest header a client accepts (the first servers sent 24 bytes).
pub const MIN_HEADER_LEN: usize = 24;
/// Flag bit: this frame can be decoded on its own (always set for JPEG).
pub const FLAG_KEY: u8 = 1;

/// How the picture after the header is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FrameKind {
    /// A JPEG image.
    #[default]
    Jpeg,
    /// An H.264 access unit (Annex B).
    H264,
}

impl FrameKind {
    fn code(self) -> u8 {
        match self {
            FrameKind::Jpeg => KIND_JPEG,
            FrameKind::H264 => KIND_H264,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        match code {
            KIND_JPEG => Some(FrameKind::Jpeg),
            KIND_H264 => Some(FrameKind::H264),
            _ => None,
        }
    }
}

/// Metadata of one video frame.
///
/// Layout (all little-endian):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 1 | version (= 1) |
/// | 1 | 1 | payload kind (1 = JPEG, 2 = H.264 access unit) |
/// | 2 | 2 | header length in bytes (= 32; lets later versions append fields) |
/// | 4 | 8 | sequence number, increasing by one per captured frame |
/// | 12 | 8 | capture time, microseconds since the Unix epoch |
/// | 20 | 2 | width in pixels |
/// | 22 | 2 | height in pixels |
/// | 24 | 1 | flags: bit 0 = key frame (decodable on its own) |
/// | 25 | 3 | reserved, zero |
/// | 28 | 4 | encode time: microseconds from capture until the frame was encoded |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Increases by one for every frame the camera delivers, across restarts
    /// of the pipeline; a gap means frames were skipped for this viewer.
    pub sequence: u64,
    /// When the frame left the camera source, in µs since the Unix epoch.
    pub captured_us: u64,
    /// Width of the picture.
    pub width: u16,
    /// Height of the picture.
    pub height: u16,
    /// JPEG or H.264.
    pub kind: FrameKind,
    /// Whether the frame decodes on its own (every JPEG; H.264 IDR frames).
    pub key: bool,
    /// How long after capture the encoder delivered the frame, in µs.
    pub encode_us: u32,
}

impl Default for FrameHeader {
    /// A JPEG frame (so a key frame) with every number zero.
    fn default() -> Self {
        FrameHeader {
            sequence: 0,
            captured_us: 0,
            width: 0,
            height: 0,
            kind: FrameKind::Jpeg,
            key: true,
            encode_us: 0,
        }
    }
}

/// Why a frame header could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HeaderError {
    /// Fewer bytes than the header needs.
    #[error("frame too short: {0} bytes, the header alone is {MIN_HEADER_LEN}")]
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
    /// Encodes the header into its 32-byte wire form.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0] = FRAME_VERSION;
        out[1] = self.kind.code();
        out[2..4].copy_from_slice(&(HEADER_LEN as u16).to_le_bytes());
        out[4..12].copy_from_slice(&self.sequence.to_le_bytes());
        out[12..20].copy_from_slice(&self.captured_us.to_le_bytes());
        out[20..22].copy_from_slice(&self.width.to_le_bytes());
        out[22..24].copy_from_slice(&self.height.to_le_bytes());
        out[24] = if self.key || self.kind == FrameKind::Jpeg {
            FLAG_KEY
        } else {
            0
        };
        out[28..32].copy_from_slice(&self.encode_us.to_le_bytes());
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
        let Some(fixed) = prefix.get(..MIN_HEADER_LEN) else {
            return Err(HeaderError::Truncated(prefix.len()));
        };
        if fixed[0] != FRAME_VERSION {
            return Err(HeaderError::Version(fixed[0]));
        }
        let Some(kind) = FrameKind::from_code(fixed[1]) else {
            return Err(HeaderError::Kind(fixed[1]));
        };
        let len = u16::from_le_bytes([fixed[2], fixed[3]]);
        if usize::from(len) < MIN_HEADER_LEN || usize::from(len) > total_len {
            return Err(HeaderError::Length(len));
        }
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&fixed[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let mut header = FrameHeader {
            sequence: u64_at(4),
            captured_us: u64_at(12),
            width: u16::from_le_bytes([fixed[20], fixed[21]]),
            height: u16::from_le_bytes([fixed[22], fixed[23]]),
            kind,
            key: kind == FrameKind::Jpeg,
            encode_us: 0,
        };
        // The fields after the first 24 bytes, where the header has them
        // and the caller passed them.
        let extended = usize::from(len).min(prefix.len());
        if extended > 24 {
            header.key |= prefix[24] & FLAG_KEY != 0;
        }
        if extended >= 32 {
            let mut b = [0u8; 4];
            b.copy_from_slice(&prefix[28..32]);
            header.encode_us = u32::from_le_bytes(b);
        }
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
            kind: FrameKind::Jpeg,
            key: true,
            encode_us: 4_321,
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
        for len in 0..MIN_HEADER_LEN {
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
        msg[2..4].copy_from_slice(&36u16.to_le_bytes());
        msg.extend_from_slice(&[0, 0, 0, 0, 0xff, 0xd8]);
        let (header, offset) = FrameHeader::decode(&msg).unwrap();
        assert_eq!(header, sample());
        assert_eq!(offset, 36);
    }

    #[test]
    fn a_first_version_header_of_24_bytes_is_a_jpeg_key_frame() {
        let mut msg = sample().encode()[..24].to_vec();
        msg[2..4].copy_from_slice(&24u16.to_le_bytes());
        msg.extend_from_slice(&[0xff, 0xd8]);
        let (header, offset) = FrameHeader::decode(&msg).unwrap();
        assert_eq!(offset, 24);
        assert_eq!(
            (header.kind, header.key, header.encode_us),
            (FrameKind::Jpeg, true, 0)
        );
        assert_eq!(header.sequence, sample().sequence);
    }

    #[test]
    fn h264_frames_carry_their_key_flag() {
        for key in [true, false] {
            let sent = FrameHeader {
                kind: FrameKind::H264,
                key,
                ..sample()
            };
            let mut msg = sent.encode().to_vec();
            msg.extend_from_slice(&[0, 0, 0, 1, 0x65]);
            let (header, offset) = FrameHeader::decode(&msg).unwrap();
            assert_eq!(header, sent);
            assert_eq!(&msg[offset..], &[0, 0, 0, 1, 0x65]);
        }
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
