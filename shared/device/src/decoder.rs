//! The streaming decoder: bytes from the serial port in, messages out. It
//! holds one frame in a fixed buffer, never allocates, never panics and never
//! gets stuck: bytes outside a frame are skipped, a `$` always starts a new
//! frame (abandoning an unfinished one), and a bad frame is reported once and
//! forgotten. So after any garbage it is back in step at the next `$`.

use core::marker::PhantomData;

use crate::decode::{DecodeError, checked_payload};
use crate::{MAX_LINE, Message};

/// Longest frame body kept: the line less its `$` and `\n` (a `\r` before
/// the `\n` is part of the body until the line ends).
const BODY_CAPACITY: usize = MAX_LINE - 2;

/// Counters since the decoder was made; they wrap, never saturate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Frames decoded into a message.
    pub frames: u32,
    /// Frames refused (each one also returned as an `Err`).
    pub rejected: u32,
    /// Bytes skipped outside any frame (line noise, a legacy board's lines,
    /// the rest of an over-long line).
    pub skipped_bytes: u32,
}

/// Decodes a byte stream into messages of type `M` ([`crate::HostMessage`]
/// on the board, [`crate::DeviceMessage`] on the host).
#[derive(Clone)]
pub struct Decoder<M> {
    body: [u8; BODY_CAPACITY],
    len: usize,
    in_frame: bool,
    stats: Stats,
    message: PhantomData<fn() -> M>,
}

impl<M: Message> Default for Decoder<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Message> Decoder<M> {
    pub const fn new() -> Self {
        Decoder {
            body: [0; BODY_CAPACITY],
            len: 0,
            in_frame: false,
            stats: Stats {
                frames: 0,
                rejected: 0,
                skipped_bytes: 0,
            },
            message: PhantomData,
        }
    }

    /// Feeds one byte; returns a message or a refused frame when this byte
    /// ends one.
    pub fn push(&mut self, byte: u8) -> Option<Result<M, DecodeError>> {
        if byte == b'$' {
            let interrupted = self.in_frame;
            self.in_frame = true;
            self.len = 0;
            return interrupted.then(|| self.reject(DecodeError::Interrupted));
        }
        if !self.in_frame {
            self.stats.skipped_bytes = self.stats.skipped_bytes.wrapping_add(1);
            return None;
        }
        if byte == b'\n' {
            self.in_frame = false;
            let body = self.body.get(..self.len).unwrap_or(&[]);
            let body = body.strip_suffix(b"\r").unwrap_or(body);
            let decoded = checked_payload(body).and_then(M::decode_payload);
            return Some(match decoded {
                Ok(message) => {
                    self.stats.frames = self.stats.frames.wrapping_add(1);
                    Ok(message)
                }
                Err(error) => self.reject(error),
            });
        }
        if byte != b'\r' && !(0x20..=0x7E).contains(&byte) {
            self.in_frame = false;
            return Some(self.reject(DecodeError::InvalidByte));
        }
        match self.body.get_mut(self.len) {
            Some(slot) => {
                *slot = byte;
                self.len += 1;
                None
            }
            None => {
                self.in_frame = false;
                Some(self.reject(DecodeError::TooLong))
            }
        }
    }

    /// Feeds a slice; the iterator yields each message or refused frame it
    /// completes. Bytes the iterator was not driven over are not consumed.
    pub fn feed<'a>(&'a mut self, bytes: &'a [u8]) -> Frames<'a, M> {
        Frames {
            decoder: self,
            bytes: bytes.iter(),
        }
    }

    /// Counters of decoded and refused frames and skipped bytes.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Drops any partial frame (after reopening the port, say).
    pub fn reset(&mut self) {
        self.in_frame = false;
        self.len = 0;
    }

    fn reject(&mut self, error: DecodeError) -> Result<M, DecodeError> {
        self.stats.rejected = self.stats.rejected.wrapping_add(1);
        Err(error)
    }
}

/// Iterator from [`Decoder::feed`].
pub struct Frames<'a, M> {
    decoder: &'a mut Decoder<M>,
    bytes: core::slice::Iter<'a, u8>,
}

impl<M: Message> Iterator for Frames<'_, M> {
    type Item = Result<M, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.bytes
            .by_ref()
            .find_map(|&byte| self.decoder.push(byte))
    }
}
