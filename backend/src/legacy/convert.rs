//! Converting the original app's recordings (Motion JPEG in AVI, as
//! OpenCV's `VideoWriter` made them, which browsers cannot play) to H.264 in
//! MP4, which every browser plays:
//!
//! `filesrc -> avidemux -> decodebin (jpegdec) -> videoconvert -> I420 ->
//! x264enc -> constrained-baseline -> h264parse -> mp4mux (faststart) ->
//! filesink`
//!
//! (`avidemux` by name: inside `decodebin` its errors on a broken file can
//! be lost while decodebin is still trying it, and the pipeline waits.)
//!
//! It runs as fast as the machine allows (no clock), reports how far it
//! got from the pipeline's position against the file's duration, and
//! writes to a hidden partial file that becomes the MP4 only once complete.

use std::path::Path;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::elements::make;

/// How long the conversion may make no progress before it is given up.
const STALL: Duration = Duration::from_secs(30);
/// How often the position is read for the progress display.
const TICK: Duration = Duration::from_millis(200);

/// Why a conversion failed; the original file is untouched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot convert to MP4: {0}")]
pub struct ConvertError(pub String);

/// Converts the video at `source` to H.264 MP4 at `target`, calling
/// `progress` with the percentage done (0 first, 100 at the end). Blocking:
/// call from a blocking thread. On failure `target` is removed.
pub fn to_mp4(
    source: &Path,
    target: &Path,
    mut progress: impl FnMut(u8),
) -> Result<(), ConvertError> {
    let result = run(source, target, &mut progress);
    if result.is_err() {
        let _ = std::fs::remove_file(target);
    }
    result
}

fn run(source: &Path, target: &Path, progress: &mut impl FnMut(u8)) -> Result<(), ConvertError> {
    gst::init().map_err(|e| ConvertError(e.to_string()))?;
    let err = |e: gst::glib::BoolError| ConvertError(e.to_string());
    let element = |name| make(name).map_err(|e| ConvertError(e.to_string()));
    let pipeline = gst::Pipeline::with_name("legacy-convert");
    let _stop = Stop(pipeline.clone());
    let src = element("filesrc")?;
    src.set_property("location", source.display().to_string());
    let demux = element("avidemux")?;
    let decode = element("decodebin")?;
    let convert = element("videoconvert")?;
    let raw = element("capsfilter")?;
    // I420: otherwise a 4:2:2 JPEG becomes High 4:2:2 H.264, which browsers
    // cannot play.
    raw.set_property(
        "caps",
        gst::Caps::builder("video/x-raw")
            .field("format", "I420")
            .build(),
    );
    let encoder = element("x264enc")?;
    encoder.set_property_from_str("speed-preset", "veryfast");
    // Constant quality, like the recordings' look, whatever the size.
    encoder.set_property_from_str("pass", "qual");
    encoder.set_property("quantizer", 21u32);
    encoder.set_property("key-int-max", 60u32);
    let profile = element("capsfilter")?;
    profile.set_property(
        "caps",
        gst::Caps::builder("video/x-h264")
            .field("profile", "constrained-baseline")
            .build(),
    );
    let parse = element("h264parse")?;
    let mux = element("mp4mux")?;
    // The index at the front: a browser can start playing at once.
    mux.set_property("faststart", true);
    let sink = element("filesink")?;
    sink.set_property("location", target.display().to_string());
    sink.set_property("sync", false);
    let chain = [&convert, &raw, &encoder, &profile, &parse, &mux, &sink];
    pipeline.add_many([&src, &demux, &decode]).map_err(err)?;
    pipeline.add_many(chain).map_err(err)?;
    src.link(&demux).map_err(err)?;
    let decode_weak = decode.downgrade();
    demux.connect_pad_added(move |_, pad| {
        if pad.name().starts_with("video_")
            && let Some(decode) = decode_weak.upgrade()
            && let Some(sink) = decode.static_pad("sink")
            && !sink.is_linked()
        {
            let _ = pad.link(&sink);
        }
    });
    gst::Element::link_many(chain).map_err(err)?;
    crate::catalogue::thumbnail::link_video_to(&decode, &convert);

    let bus = pipeline
        .bus()
        .ok_or_else(|| ConvertError("the pipeline has no bus".into()))?;
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|_| ConvertError(first_error(&bus).unwrap_or_else(|| "cannot start".into())))?;
    progress(0);
    let mut shown = 0u8;
    let mut last_position = None;
    let mut moved_at = Instant::now();
    loop {
        let tick = gst::ClockTime::from_mseconds(TICK.as_millis().try_into().unwrap_or(200));
        if let Some(message) =
            bus.timed_pop_filtered(tick, &[gst::MessageType::Eos, gst::MessageType::Error])
        {
            match message.view() {
                gst::MessageView::Eos(_) => break,
                gst::MessageView::Error(e) => return Err(ConvertError(describe(e))),
                _ => {}
            }
        }
        let position = pipeline.query_position::<gst::ClockTime>();
        if position != last_position {
            last_position = position;
            moved_at = Instant::now();
        } else if moved_at.elapsed() > STALL {
            return Err(ConvertError(format!(
                "no progress for {} s",
                STALL.as_secs()
            )));
        }
        let duration = pipeline.query_duration::<gst::ClockTime>();
        if let (Some(at), Some(total)) = (position, duration)
            && total.nseconds() > 0
        {
            let percent = (at.nseconds().saturating_mul(100) / total.nseconds()).min(99);
            let percent = u8::try_from(percent).unwrap_or(99);
            if percent > shown {
                shown = percent;
                progress(percent);
            }
        }
    }
    pipeline
        .set_state(gst::State::Null)
        .map_err(|e| ConvertError(e.to_string()))?;
    progress(100);
    Ok(())
}

/// The first error waiting on `bus`, if any.
fn first_error(bus: &gst::Bus) -> Option<String> {
    let message =
        bus.timed_pop_filtered(gst::ClockTime::from_seconds(1), &[gst::MessageType::Error])?;
    match message.view() {
        gst::MessageView::Error(e) => Some(describe(e)),
        _ => None,
    }
}

fn describe(e: &gst::message::Error) -> String {
    if let Some(details) = e.debug() {
        tracing::debug!(%details, "conversion failed");
    }
    e.error().to_string().trim_end_matches('.').to_owned()
}

/// Sets the pipeline to `Null` however the conversion ends.
struct Stop(gst::Pipeline);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.set_state(gst::State::Null);
    }
}
