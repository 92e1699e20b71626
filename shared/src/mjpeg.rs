//! The multipart framing of `GET /video_feed` (MJPEG over HTTP, as read by
//! browsers, VLC, Home Assistant and OctoPrint-style clients): the server
//! writes each JPEG as one part, and [`PartReader`] splits such a stream back
//! into JPEG images for the tests and the load generator.

/// Multipart boundary token used by the server.
pub const BOUNDARY: &str = "frame";

/// The `Content-Type` of the stream.
pub fn content_type() -> String {
    format!("multipart/x-mixed-replace; boundary={BOUNDARY}")
}

/// Bytes that go in front of one JPEG of `len` bytes.
pub fn part_head(len: usize) -> Vec<u8> {
    format!("--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len}\r\n\r\n")
        .into_bytes()
}

/// Bytes that follow each JPEG.
pub const PART_TAIL: &[u8] = b"\r\n";

/// Incremental parser of a multipart MJPEG body that uses `Content-Length`
/// part headers. Feed it bytes as they arrive; take out complete images.
#[derive(Debug, Default)]
pub struct PartReader {
    buf: Vec<u8>,
}

/// The stream did not follow the expected framing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed multipart stream: {0}")]
pub struct PartError(pub String);

/// Longest part header accepted before the stream is declared malformed.
const MAX_PART_HEAD: usize = 1024;

impl PartReader {
    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Returns the next complete part body, `Ok(None)` if more bytes are
    /// needed.
    pub fn next_part(&mut self) -> Result<Option<Vec<u8>>, PartError> {
        // Skip blank lines between parts.
        while self.buf.starts_with(b"\r\n") {
            self.buf.drain(..2);
        }
        let Some(head_end) = find(&self.buf, b"\r\n\r\n") else {
            if self.buf.len() > MAX_PART_HEAD {
                return Err(PartError("part header too long".into()));
            }
            return Ok(None);
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let first = lines.next().unwrap_or_default();
        if first != format!("--{BOUNDARY}") {
            return Err(PartError(format!("expected boundary, got {first:?}")));
        }
        let len = lines
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .ok_or_else(|| PartError("part without Content-Length".into()))?;
        let start = head_end + 4;
        if self.buf.len() < start + len {
            return Ok(None);
        }
        let body = self.buf[start..start + len].to_vec();
        self.buf.drain(..start + len);
        Ok(Some(body))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(parts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in parts {
            out.extend(part_head(p.len()));
            out.extend_from_slice(p);
            out.extend_from_slice(PART_TAIL);
        }
        out
    }

    #[test]
    fn splits_parts_fed_byte_by_byte() {
        let parts: [&[u8]; 3] = [
            b"\xff\xd8one\xff\xd9",
            b"",
            b"\xff\xd8three\r\n\r\n\xff\xd9",
        ];
        let bytes = stream(&parts);
        let mut reader = PartReader::default();
        let mut got = Vec::new();
        for b in bytes {
            reader.push(&[b]);
            while let Some(part) = reader.next_part().unwrap() {
                got.push(part);
            }
        }
        assert_eq!(got, parts.iter().map(|p| p.to_vec()).collect::<Vec<_>>());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut reader = PartReader::default();
        reader.push(b"HTTP/1.1 200 OK\r\n\r\n");
        assert!(reader.next_part().is_err());
        let mut reader = PartReader::default();
        reader.push(&[b'x'; 2000]);
        assert!(reader.next_part().is_err());
    }
}
