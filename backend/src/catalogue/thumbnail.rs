//! Thumbnails of photos and videos: the first picture of the file, scaled
//! to [`WIDTH`] pixels wide and encoded as JPEG by a short GStreamer
//! pipeline (`filesrc ! decodebin ! videoconvert ! videoscale ! jpegenc !
//! appsink`, prerolled, never played). Each is made once and kept in the
//! hidden `.thumbnails` folder of the media folder, named by catalogue id.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

/// Thumbnail width in pixels; the height keeps the aspect ratio.
pub const WIDTH: i32 = 320;
/// How long decoding the first picture may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Why a thumbnail could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    /// GStreamer could not build or run the pipeline.
    #[error("cannot decode the file: {0}")]
    Decode(String),
    /// Reading or writing the cache failed.
    #[error("thumbnail cache: {0}")]
    Io(#[from] std::io::Error),
}

/// The cache folder inside a media folder.
pub fn cache_dir(media_dir: &Path) -> PathBuf {
    media_dir.join(".thumbnails")
}

/// The cached thumbnail of entry `id`.
pub fn cache_path(media_dir: &Path, id: i64) -> PathBuf {
    cache_dir(media_dir).join(format!("{id}.jpg"))
}

/// Returns the thumbnail of `source` for entry `id`, making it first if it
/// is not cached. Blocking: call from a blocking thread.
pub fn get_or_make(media_dir: &Path, id: i64, source: &Path) -> Result<Vec<u8>, ThumbnailError> {
    let cached = cache_path(media_dir, id);
    if let Ok(bytes) = std::fs::read(&cached) {
        return Ok(bytes);
    }
    let jpeg = make(source)?;
    std::fs::create_dir_all(cache_dir(media_dir))?;
    // Write then rename, so a reader never sees half a file.
    let partial = cached.with_extension("part");
    std::fs::write(&partial, &jpeg)?;
    std::fs::rename(&partial, &cached)?;
    Ok(jpeg)
}

/// Forgets the thumbnail of entry `id` (missing is fine).
pub fn forget(media_dir: &Path, id: i64) {
    let _ = std::fs::remove_file(cache_path(media_dir, id));
}

/// Forgets every thumbnail (after a reset, ids change).
pub fn forget_all(media_dir: &Path) {
    let _ = std::fs::remove_dir_all(cache_dir(media_dir));
}

fn element(name: &'static str) -> Result<gst::Element, ThumbnailError> {
    crate::elements::make(name).map_err(|e| ThumbnailError::Decode(e.to_string()))
}

/// Decodes the first picture of `source` into a JPEG thumbnail.
pub fn make(source: &Path) -> Result<Vec<u8>, ThumbnailError> {
    let err = |e: gst::glib::BoolError| ThumbnailError::Decode(e.to_string());
    let pipeline = gst::Pipeline::new();
    let src = element("filesrc")?;
    src.set_property("location", source.display().to_string());
    let decode = element("decodebin")?;
    let convert = element("videoconvert")?;
    let scale = element("videoscale")?;
    let size = element("capsfilter")?;
    size.set_property(
        "caps",
        gst::Caps::builder("video/x-raw")
            .field("width", WIDTH)
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build(),
    );
    let encode = element("jpegenc")?;
    encode.set_property("quality", 80i32);
    let sink = gst_app::AppSink::builder()
        .sync(false)
        .max_buffers(1)
        .build();
    pipeline
        .add_many([
            &src,
            &decode,
            &convert,
            &scale,
            &size,
            &encode,
            sink.upcast_ref(),
        ])
        .map_err(err)?;
    src.link(&decode).map_err(err)?;
    gst::Element::link_many([&convert, &scale, &size, &encode, sink.upcast_ref()]).map_err(err)?;
    link_video_to(&decode, &convert);
    let stop = Stop(pipeline.clone());
    pipeline
        .set_state(gst::State::Paused)
        .map_err(|e| ThumbnailError::Decode(e.to_string()))?;
    let bus = pipeline
        .bus()
        .ok_or_else(|| ThumbnailError::Decode("no bus".into()))?;
    let message = bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(TIMEOUT.as_secs()),
        &[gst::MessageType::AsyncDone, gst::MessageType::Error],
    );
    match message.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::AsyncDone(_)) => {}
        Some(gst::MessageView::Error(e)) => {
            return Err(ThumbnailError::Decode(e.error().to_string()));
        }
        _ => {
            return Err(ThumbnailError::Decode(
                "timed out decoding the first picture".into(),
            ));
        }
    }
    let sample = sink
        .pull_preroll()
        .map_err(|_| ThumbnailError::Decode("no picture in the file".into()))?;
    let buffer = sample
        .buffer()
        .ok_or_else(|| ThumbnailError::Decode("empty picture".into()))?;
    let map = buffer
        .map_readable()
        .map_err(|_| ThumbnailError::Decode("unreadable picture".into()))?;
    let jpeg = map.as_slice().to_vec();
    drop(stop);
    Ok(jpeg)
}

/// Links the first video pad `decode` (a `decodebin`) exposes to the sink
/// pad of `target`; audio and other pads are left unlinked.
pub fn link_video_to(decode: &gst::Element, target: &gst::Element) {
    let target_weak = target.downgrade();
    decode.connect_pad_added(move |_, pad| {
        let is_video = pad
            .current_caps()
            .and_then(|c| c.structure(0).map(|s| s.name().starts_with("video/")))
            .unwrap_or(false);
        if let (true, Some(target)) = (is_video, target_weak.upgrade())
            && let Some(sink_pad) = target.static_pad("sink")
            && !sink_pad.is_linked()
        {
            let _ = pad.link(&sink_pad);
        }
    });
}

/// Sets the pipeline to `Null` however `make` returns.
struct Stop(gst::Pipeline);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.set_state(gst::State::Null);
    }
}
