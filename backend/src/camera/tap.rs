//! The recording tap: the camera pipeline's raw frames, taken before the
//! view transforms (full resolution and colour), handed to whatever
//! recording is attached. The recording runs in its own GStreamer pipeline
//! fed through an `appsrc`, so an encoder or disk failure there can never
//! stop the live view, and a camera restart cannot leak into a file: the
//! supervisor detaches the tap (ending the recording cleanly) whenever its
//! pipeline goes away. Buffers are passed by reference (no pixel copies)
//! and re-timed to start at zero. While a recording is attached it counts
//! in the camera's demand, so a paused pipeline resumes for it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use gstreamer as gst;
use gstreamer_app as gst_app;

use super::demand::{Demand, DemandGuard, Need};

/// Shared between the camera pipeline (which pushes) and the recorder
/// (which attaches and detaches); cheap to clone.
#[derive(Clone)]
pub struct RecordingTap {
    target: Arc<Mutex<Option<Target>>>,
    demand: Demand,
}

/// The recording being fed.
struct Target {
    src: gst_app::AppSrc,
    /// Running time of the first frame, subtracted from every timestamp.
    offset: Option<gst::ClockTime>,
    /// Frames handed over so far.
    frames: Arc<AtomicU64>,
    /// Told why the tap was cut, when the camera side cut it.
    on_cut: Option<Box<dyn FnOnce(String) + Send>>,
    /// Keeps the camera running for the recording.
    _demand: DemandGuard,
}

impl RecordingTap {
    /// A tap with nothing attached, counting attached recordings in
    /// `demand`.
    pub fn new(demand: Demand) -> Self {
        RecordingTap {
            target: Arc::default(),
            demand,
        }
    }

    /// Starts feeding `src`; counts frames in `frames`. `on_cut` is called
    /// (once) if the camera side ends the feed, with the reason. Replaces
    /// (and ends) any earlier target.
    pub fn attach(
        &self,
        src: gst_app::AppSrc,
        frames: Arc<AtomicU64>,
        on_cut: impl FnOnce(String) + Send + 'static,
    ) {
        let old = self.lock().replace(Target {
            src,
            offset: None,
            frames,
            on_cut: Some(Box::new(on_cut)),
            _demand: self.demand.take(Need::Raw),
        });
        if let Some(old) = old {
            let _ = old.src.end_of_stream();
        }
    }

    /// Stops feeding and ends the stream, so the recording can finish its
    /// file. Returns whether a recording was attached.
    pub fn detach(&self) -> bool {
        match self.lock().take() {
            Some(target) => {
                let _ = target.src.end_of_stream();
                true
            }
            None => false,
        }
    }

    /// The camera side ends the feed (camera lost, pipeline restarted):
    /// ends the stream and tells the recording why.
    pub fn cut(&self, reason: &str) {
        let taken = self.lock().take();
        if let Some(mut target) = taken {
            let _ = target.src.end_of_stream();
            if let Some(on_cut) = target.on_cut.take() {
                on_cut(reason.to_owned());
            }
        }
    }

    /// Whether a recording is attached.
    pub fn is_attached(&self) -> bool {
        self.lock().is_some()
    }

    /// Hands one frame to the attached recording, if any. Called on the
    /// streaming thread; never blocks on the recording.
    pub fn push(&self, sample: &gst::Sample) {
        let mut guard = self.lock();
        let Some(target) = guard.as_mut() else {
            return;
        };
        let Some(buffer) = sample.buffer() else {
            return;
        };
        if target.offset.is_none() {
            if let Some(caps) = sample.caps() {
                target.src.set_caps(Some(&caps.to_owned()));
            }
            target.offset = Some(buffer.pts().unwrap_or(gst::ClockTime::ZERO));
        }
        let offset = target.offset.unwrap_or(gst::ClockTime::ZERO);
        // A new buffer sharing the frame's memory, with its own timestamps.
        let mut retimed = buffer.copy();
        if let Some(meta) = retimed.get_mut() {
            let pts = buffer.pts().map(|pts| pts.saturating_sub(offset));
            meta.set_pts(pts);
            meta.set_dts(gst::ClockTime::NONE);
        }
        if target.src.push_buffer(retimed).is_ok() {
            target.frames.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Target>> {
        // A panic while holding the lock leaves plain data behind; carry on.
        self.target.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
