//! Splitting a `multipart/x-mixed-replace` MJPEG body into its JPEGs, for
//! the bench's MJPEG viewers of camrig and of the Flask example alike.
//! camrig gives each part a `Content-Length` header (`shared::mjpeg`); the
//! classic Flask example gives only `Content-Type`, so a part without a
//! length ends where its JPEG ends: after the End Of Image marker, found by
//! walking the JPEG's segments (their lengths) and, after Start Of Scan, its
//! entropy-coded data up to the next marker (a 0xFF there is followed by a
//! stuffed 0x00 or is a restart marker). The walk resumes where it stopped
//! when more bytes arrive, so a part is read once however it is split, and
//! a part counts as arrived when its last byte has.

use thiserror::Error;

/// Longest part head accepted before the stream counts as malformed.
const MAX_PART_HEAD: usize = 1024;

/// The body did not follow the expected framing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("malformed multipart stream: {0}")]
pub struct PartError(pub String);

/// Incremental reader of a multipart MJPEG body: push the bytes as they
/// arrive, take out complete JPEGs.
#[derive(Debug, Default)]
pub struct Parts {
    buf: Vec<u8>,
    /// The part being read: where its body starts in `buf`, and its length
    /// when its head gave one.
    current: Option<(usize, Option<usize>)>,
    /// How far the JPEG of a part without a length has been walked.
    scan: JpegScan,
}

impl Parts {
    /// Appends received body bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete part's body; `Ok(None)` while more bytes are
    /// needed.
    pub fn next_part(&mut self) -> Result<Option<Vec<u8>>, PartError> {
        let (start, length) = match self.current {
            Some(current) => current,
            None => {
                // The CRLF after the previous part (and any blank lines).
                let blank = self
                    .buf
                    .chunks(2)
                    .take_while(|pair| *pair == b"\r\n")
                    .count();
                self.buf.drain(..blank * 2);
                let Some(head_end) = find(&self.buf, b"\r\n\r\n") else {
                    if self.buf.len() > MAX_PART_HEAD {
                        return Err(PartError("part head too long".into()));
                    }
                    return Ok(None);
                };
                let head = String::from_utf8_lossy(self.buf.get(..head_end).unwrap_or_default())
                    .into_owned();
                let current = (head_end + 4, part_length(&head)?);
                self.current = Some(current);
                self.scan = JpegScan::default();
                current
            }
        };
        let body = self.buf.get(start..).unwrap_or_default();
        let end = match length {
            Some(length) => (body.len() >= length).then_some(length),
            None => self.scan.advance(body)?,
        };
        let Some(end) = end else {
            return Ok(None);
        };
        let part = body.get(..end).unwrap_or_default().to_vec();
        self.buf.drain(..start + end);
        self.current = None;
        Ok(Some(part))
    }
}

/// The `Content-Length` of a part head, if it has one; an error unless it
/// starts with a boundary line.
fn part_length(head: &str) -> Result<Option<usize>, PartError> {
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default();
    if !first.starts_with("--") {
        return Err(PartError(format!("expected a boundary, got {first:?}")));
    }
    let length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"));
    match length {
        None => Ok(None),
        Some((_, v)) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| PartError(format!("bad Content-Length {v:?}"))),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// How far a JPEG has been walked: the offset of the next marker to read,
/// or of the entropy-coded data still to search.
#[derive(Debug, Default, Clone, Copy)]
struct JpegScan {
    pos: usize,
    /// In a scan's entropy-coded data.
    entropy: bool,
}

impl JpegScan {
    /// Walks `jpeg` (the part's bytes so far) on from where it stopped;
    /// the JPEG's length once its End Of Image marker is in.
    fn advance(&mut self, jpeg: &[u8]) -> Result<Option<usize>, PartError> {
        let byte = |i: usize| jpeg.get(i).copied();
        if self.pos == 0 {
            match (byte(0), byte(1)) {
                (Some(0xFF), Some(0xD8)) => self.pos = 2,
                (Some(0xFF) | None, None) => return Ok(None),
                _ => return Err(PartError("a part without a length is not a JPEG".into())),
            }
        }
        loop {
            if self.entropy {
                let Some(ff) = position_of_ff(jpeg.get(self.pos..).unwrap_or_default()) else {
                    self.pos = jpeg.len().max(self.pos);
                    return Ok(None);
                };
                self.pos += ff;
                match byte(self.pos + 1) {
                    None => return Ok(None),
                    // A stuffed 0xFF data byte, or a restart marker.
                    Some(0x00 | 0xD0..=0xD7) => {
                        self.pos += 2;
                        continue;
                    }
                    Some(_) => self.entropy = false,
                }
            }
            match byte(self.pos) {
                None => return Ok(None),
                Some(0xFF) => {}
                Some(_) => {
                    let at = self.pos;
                    return Err(PartError(format!("expected a JPEG marker at byte {at}")));
                }
            }
            let Some(marker) = byte(self.pos + 1) else {
                return Ok(None);
            };
            match marker {
                0xD9 => return Ok(Some(self.pos + 2)),
                // Fill byte before a marker.
                0xFF => self.pos += 1,
                // Markers without a segment.
                0x01 | 0xD0..=0xD7 => self.pos += 2,
                _ => {
                    let (Some(high), Some(low)) = (byte(self.pos + 2), byte(self.pos + 3)) else {
                        return Ok(None);
                    };
                    let length = usize::from(high) << 8 | usize::from(low);
                    if length < 2 {
                        return Err(PartError(format!("JPEG segment length {length}")));
                    }
                    // Resume here until the whole segment is in.
                    if jpeg.len() < self.pos + 2 + length {
                        return Ok(None);
                    }
                    self.pos += 2 + length;
                    self.entropy = marker == 0xDA;
                }
            }
        }
    }
}

/// The first 0xFF in `bytes`. Through std's `BufRead::skip_until`, which
/// searches with `memchr`: `cargo xtask` is an unoptimised build, in which
/// a loop of our own over every byte of 200 viewers' JPEGs would cost the
/// load generator a core.
fn position_of_ff(bytes: &[u8]) -> Option<usize> {
    use std::io::BufRead;
    let mut rest = bytes;
    let read = rest.skip_until(0xFF).ok()?;
    let at = read.checked_sub(1)?;
    (bytes.get(at) == Some(&0xFF)).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small JPEG's structure: an APP0 segment holding bytes that look
    /// like an End Of Image marker, a DQT, a scan whose data holds a
    /// stuffed 0xFF and a restart marker, and fill bytes before the EOI.
    fn jpeg(tag: u8) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend([0xFF, 0xE0, 0x00, 0x08, b'J', b'F', 0xFF, 0xD9, 0x00, tag]);
        j.extend([0xFF, 0xDB, 0x00, 0x04, 0x01, 0x02]);
        j.extend([0xFF, 0xDA, 0x00, 0x03, 0x01]);
        j.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        j.extend((0..40).map(|i| i as u8));
        j.extend([0xFF, 0xFF, 0xD9]);
        j
    }

    fn read_split(wire: &[u8], step: usize) -> Vec<Vec<u8>> {
        let mut parts = Parts::default();
        let mut got = Vec::new();
        for bytes in wire.chunks(step) {
            parts.push(bytes);
            while let Some(part) = parts.next_part().unwrap() {
                got.push(part);
            }
        }
        got
    }

    #[test]
    fn flask_parts_without_a_length_end_with_their_jpeg() {
        let images = [jpeg(1), jpeg(2), jpeg(3)];
        let mut wire = Vec::new();
        for image in &images {
            wire.extend_from_slice(b"--frame\r\nContent-Type: image/jpeg\r\n\r\n");
            wire.extend_from_slice(image);
            wire.extend_from_slice(b"\r\n");
        }
        for step in [1, 2, 3, 7, 16, 64, wire.len()] {
            assert_eq!(
                read_split(&wire, step),
                images,
                "fed {step} bytes at a time"
            );
        }
        // The last part counts as soon as its EOI is in, before its CRLF.
        let whole = wire.len() - 2;
        assert_eq!(read_split(&wire[..whole], whole).len(), 3);
        assert_eq!(read_split(&wire[..whole - 1], whole).len(), 2);
    }

    #[test]
    fn camrig_parts_are_cut_by_their_length() {
        let bodies: [&[u8]; 3] = [b"\xff\xd8one\xff\xd9", b"", b"not a jpeg\r\n\r\n"];
        let mut wire = Vec::new();
        for body in bodies {
            wire.extend(shared::mjpeg::part_head(body.len()));
            wire.extend_from_slice(body);
            wire.extend_from_slice(shared::mjpeg::PART_TAIL);
        }
        for step in [1, 5, wire.len()] {
            assert_eq!(
                read_split(&wire, step),
                bodies,
                "fed {step} bytes at a time"
            );
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let bad: [&[u8]; 5] = [
            b"HTTP/1.1 200 OK\r\n\r\n",
            b"--frame\r\nContent-Length: ten\r\n\r\n",
            b"--frame\r\n\r\nnot a jpeg",
            b"--frame\r\n\r\n\xff\xd8\xff\xe0\x00\x01",
            b"--frame\r\n\r\n\xff\xd8\x00",
        ];
        for wire in bad {
            let mut parts = Parts::default();
            parts.push(wire);
            assert!(parts.next_part().is_err(), "{wire:?}");
        }
        let mut parts = Parts::default();
        parts.push(&[b'x'; 2000]);
        assert!(parts.next_part().is_err());
    }

    #[test]
    fn the_first_ff_is_found_in_any_block() {
        for at in [0, 5, 15, 16, 17, 31, 40] {
            let mut bytes = vec![0u8; 41];
            bytes[at] = 0xFF;
            bytes[40] = 0xFF;
            assert_eq!(position_of_ff(&bytes), Some(at));
        }
        assert_eq!(position_of_ff(&[0; 33]), None);
    }
}
