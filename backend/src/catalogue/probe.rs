//! What a media file holds, for its catalogue entry: the pixel size of a
//! photo from its header (JPEG start-of-frame or PNG IHDR, without decoding),
//! and the size, duration and frame count of a video from GStreamer
//! (prerolled, never played). Anything unreadable is simply unknown.

use std::io::Read;
use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;
use shared::media::MediaKind;

use crate::elements::make;

/// Facts about a media file; each may be unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaInfo {
    /// Width and height in pixels.
    pub size: Option<(u32, u32)>,
    /// Video duration in milliseconds.
    pub duration_ms: Option<u64>,
    /// Video frame count (duration times frame rate for imported files).
    pub frame_count: Option<u64>,
}

/// Probes the file at `path`. Blocking: call from a blocking thread.
pub fn media_info(path: &Path, kind: MediaKind) -> MediaInfo {
    match kind {
        MediaKind::Photo => MediaInfo {
            size: image_size(path),
            ..MediaInfo::default()
        },
        MediaKind::Video => video_info(path).unwrap_or_default(),
    }
}

/// Prerolls `filesrc ! decodebin ! fakesink` and reads the video caps and
/// the duration.
fn video_info(path: &Path) -> Option<MediaInfo> {
    gst::init().ok()?;
    let pipeline = gst::Pipeline::new();
    let src = file_source(path)?;
    let decode = make("decodebin").ok()?;
    let sink = make("fakesink").ok()?;
    pipeline.add_many([&src, &decode, &sink]).ok()?;
    src.link(&decode).ok()?;
    super::thumbnail::link_video_to(&decode, &sink);
    let info = (|| {
        pipeline.set_state(gst::State::Paused).ok()?;
        let bus = pipeline.bus()?;
        let message = bus.timed_pop_filtered(
            gst::ClockTime::from_seconds(10),
            &[gst::MessageType::AsyncDone, gst::MessageType::Error],
        )?;
        if !matches!(message.view(), gst::MessageView::AsyncDone(_)) {
            return None;
        }
        let caps = sink.static_pad("sink")?.current_caps()?;
        let s = caps.structure(0)?;
        let size = match (s.get::<i32>("width"), s.get::<i32>("height")) {
            (Ok(w), Ok(h)) => Some((u32::try_from(w).ok()?, u32::try_from(h).ok()?)),
            _ => None,
        };
        let duration = pipeline.query_duration::<gst::ClockTime>();
        let fps = s.get::<gst::Fraction>("framerate").ok();
        let frame_count = match (duration, fps) {
            (Some(d), Some(f)) if f.denom() > 0 && f.numer() > 0 => {
                let frames =
                    d.nseconds() as u128 * f.numer() as u128 / (f.denom() as u128 * 1_000_000_000);
                u64::try_from(frames).ok()
            }
            _ => None,
        };
        Some(MediaInfo {
            size,
            duration_ms: duration.map(|d| d.mseconds()),
            frame_count,
        })
    })();
    let _ = pipeline.set_state(gst::State::Null);
    info
}

/// Reads a whole MP4 through `qtdemux` without decoding, counting the
/// video frames and their time span. Slower than [`media_info`] (it reads
/// every byte) but right for a recording cut short by a crash, whose
/// header does not know how long the file grew. A damaged tail ends the
/// count where it starts. Blocking.
pub fn scan_video(path: &Path) -> Option<MediaInfo> {
    use std::sync::{Arc, Mutex};
    gst::init().ok()?;
    let pipeline = gst::Pipeline::new();
    let src = file_source(path)?;
    let demux = make("qtdemux").ok()?;
    let sink = make("fakesink").ok()?;
    sink.set_property("sync", false);
    pipeline.add_many([&src, &demux, &sink]).ok()?;
    src.link(&demux).ok()?;
    super::thumbnail::link_video_to(&demux, &sink);
    // Frames, earliest start and latest end of any frame.
    let span = Arc::new(Mutex::new((
        0u64,
        None::<gst::ClockTime>,
        gst::ClockTime::ZERO,
    )));
    let counted = span.clone();
    sink.static_pad("sink")?
        .add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buffer) = info.buffer()
                && let Ok(mut span) = counted.lock()
            {
                span.0 += 1;
                if let Some(pts) = buffer.pts() {
                    span.1 = Some(span.1.map_or(pts, |first| first.min(pts)));
                    span.2 = span
                        .2
                        .max(pts + buffer.duration().unwrap_or(gst::ClockTime::ZERO));
                }
            }
            gst::PadProbeReturn::Ok
        });
    let finished = (|| {
        pipeline.set_state(gst::State::Playing).ok()?;
        pipeline.bus()?.timed_pop_filtered(
            gst::ClockTime::from_seconds(120),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
    })();
    let size = sink
        .static_pad("sink")
        .and_then(|pad| pad.current_caps())
        .and_then(|caps| {
            let s = caps.structure(0)?;
            Some((
                u32::try_from(s.get::<i32>("width").ok()?).ok()?,
                u32::try_from(s.get::<i32>("height").ok()?).ok()?,
            ))
        });
    let _ = pipeline.set_state(gst::State::Null);
    finished?;
    let (frames, first, end) = *span.lock().ok()?;
    Some(MediaInfo {
        size,
        duration_ms: first.map(|first| end.saturating_sub(first).mseconds()),
        frame_count: Some(frames),
    })
}

/// A `filesrc` reading `path`.
fn file_source(path: &Path) -> Option<gst::Element> {
    let src = make("filesrc").ok()?;
    src.set_property("location", path.display().to_string());
    Some(src)
}

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
