//! Reads the pixel size of a photo from its header (JPEG start-of-frame or
//! PNG IHDR) without decoding it; anything unreadable gives `None`.

use std::io::Read;
use std::path::Path;

/// Width and height of the JPEG or PNG at `path`, if they can be read from
/// its first 256 KiB.
pub fn image_size(path: &Path) -> Option<(u32, u32)> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(256 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    png_size(&head).or_else(|| jpeg_size(&head))
}

fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(..8)? != b"\x89PNG\r\n\x1a\n" || b.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |at: usize| Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?));
    Some((be(16)?, be(20)?))
}

/// Walks JPEG segments to the first start-of-frame marker.
pub fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut at = 2;
    loop {
        while *b.get(at)? != 0xFF {
            at += 1;
        }
        while *b.get(at)? == 0xFF {
            at += 1;
        }
        let marker = *b.get(at)?;
        at += 1;
        if matches!(marker, 0xD8 | 0x01 | 0xD0..=0xD7) {
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]));
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let h = u16::from_be_bytes([*b.get(at + 3)?, *b.get(at + 4)?]);
            let w = u16::from_be_bytes([*b.get(at + 5)?, *b.get(at + 6)?]);
            return Some((u32::from(w), u32::from(h)));
        }
        if len < 2 {
            return None;
        }
        at += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_baseline_jpeg_header() {
        // SOI, APP0 (len 4, 2 payload bytes), SOF0 with 480x640.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01,
            0xE0, 0x02, 0x80, 0x03,
        ];
        assert_eq!(jpeg_size(&jpeg), Some((640, 480)));
    }

    #[test]
    fn garbage_and_truncation_give_none() {
        assert_eq!(jpeg_size(b""), None);
        assert_eq!(jpeg_size(b"\xFF\xD8\xFF"), None);
        assert_eq!(jpeg_size(b"\xFF\xD8\xFF\xE0\x00\x00"), None);
        assert_eq!(png_size(b"\x89PNG\r\n\x1a\n"), None);
    }
}
