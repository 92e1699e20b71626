//! What a media file holds, for its catalogue entry: the pixel size of a
//! photo from its header (the `imagesize` crate, without decoding),
//! and the size, duration and frame count of a video from GStreamer
//! (prerolled, never played). Anything unreadable is simply unknown.

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

/// Width and height of the JPEG or PNG at `path`, read from its header
/// by the `imagesize` crate (which reads no further than it needs).
pub fn image_size(path: &Path) -> Option<(u32, u32)> {
    let size = imagesize::size(path).ok()?;
    Some((
        u32::try_from(size.width).ok()?,
        u32::try_from(size.height).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `bytes` to a fresh file and reads its size.
    fn size_of(name: &str, bytes: &[u8]) -> Option<(u32, u32)> {
        let path = std::env::temp_dir().join(format!("camrig-probe-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).ok()?;
        let size = image_size(&path);
        let _ = std::fs::remove_file(&path);
        size
    }

    #[test]
    fn reads_a_baseline_jpeg_header() {
        // SOI, APP0 (len 4, 2 payload bytes), SOF0 with 480x640.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01,
            0xE0, 0x02, 0x80, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
        ];
        assert_eq!(size_of("a.jpg", &jpeg), Some((640, 480)));
    }

    #[test]
    fn reads_a_png_header() {
        // Signature, then the IHDR chunk: 800x600, 8-bit RGB.
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        png.extend_from_slice(&800u32.to_be_bytes());
        png.extend_from_slice(&600u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(size_of("a.png", &png), Some((800, 600)));
    }

    #[test]
    fn garbage_truncation_and_no_file_give_none() {
        assert_eq!(size_of("empty.jpg", b""), None);
        assert_eq!(size_of("soi.jpg", b"\xFF\xD8\xFF"), None);
        assert_eq!(size_of("app0.jpg", b"\xFF\xD8\xFF\xE0\x00\x00"), None);
        assert_eq!(size_of("sig.png", b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(size_of("text.jpg", b"not a picture at all"), None);
        assert_eq!(image_size(Path::new("/nonexistent/camrig/photo.jpg")), None);
    }
}
