//! Building and owning one GStreamer capture pipeline:
//!
//! `source -> videoconvert -> I420 -> videoflip -> tee`, then two branches:
//! `queue -> videobalance -> videoscale -> size -> jpegenc -> appsink` for
//! viewers and `queue -> appsink` feeding the [`RecordingTap`] at full
//! resolution. `videoflip` applies the camera's mounting correction
//! ([`Orientation`]) before the tee, so viewers, snapshots and recordings
//! all get the corrected picture.
//! The test source adds a simulated camera: picture controls and a liquid
//! lens whose blur grows with the distance from its sharp position.
//!
//! The pipeline is built element by element from the validated settings
//! (never from a string a user typed). Each JPEG that reaches the appsink is
//! stamped with a sequence number and its capture time and published to the
//! latest-frame slot without blocking the streaming thread. The view stage
//! (grayscale through `videobalance` saturation, half resolution through
//! the size capsfilter) changes while playing, without a restart. Dropping
//! a [`Pipeline`] stops it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use shared::{CameraSource, FrameHeader, ViewSettings};

use super::controls::SimulatedLook;
use super::orientation::Orientation;
use super::source::ResolvedSource;
use super::tap::RecordingTap;
use crate::elements::{self, MissingElement};
use crate::frames::{Frame, FrameSender};

/// Everything needed to build a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The resolved camera source.
    pub source: ResolvedSource,
    /// Capture width.
    pub width: u32,
    /// Capture height.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// JPEG quality, 1-100.
    pub jpeg_quality: u32,
    /// Rotation and mirror applied to every frame.
    pub orientation: Orientation,
}

/// Why a pipeline could not be built or started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PipelineError {
    /// A GStreamer element is not installed.
    #[error(transparent)]
    MissingElement(#[from] MissingElement),
    /// Elements could not be linked or configured.
    #[error("cannot build the camera pipeline: {0}")]
    Build(String),
    /// The pipeline refused to start.
    #[error("the camera pipeline did not start: {0}")]
    Start(String),
}

/// Hands frames from the streaming thread to the latest-frame slot. The
/// sequence counter outlives pipelines, so numbers keep increasing across
/// restarts.
#[derive(Clone)]
pub struct Publisher {
    slot: Arc<FrameSender>,
    sequence: Arc<AtomicU64>,
}

impl Publisher {
    /// A publisher into `slot`.
    pub fn new(slot: Arc<FrameSender>) -> Self {
        Publisher {
            slot,
            sequence: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Empties the slot, so no stale frame is served while the camera is
    /// offline.
    pub fn clear(&self) {
        self.slot.send_replace(None);
    }

    fn publish(&self, captured_us: u64, width: u16, height: u16, jpeg: &[u8]) {
        let header = FrameHeader {
            sequence: self.sequence.fetch_add(1, Ordering::Relaxed),
            captured_us,
            width,
            height,
        };
        // Never blocks: replaces the slot's content under a short lock.
        self.slot.send_replace(Some(Frame::new(header, jpeg)));
    }
}

/// A running (or ready) pipeline; set to `Null` when dropped.
pub struct Pipeline {
    pipeline: gst::Pipeline,
    /// `videobalance`: saturation 0 for grayscale.
    balance: gst::Element,
    /// Capsfilter after `videoscale`: the viewer's picture size.
    view_size: gst::Element,
    /// `valve` after the test source, for simulated stalls.
    stall_valve: Option<gst::Element>,
    /// The test source's simulated camera controls and lens.
    simulated: Option<SimulatedStage>,
    /// Capture size, which the simulated lens's blur shrinks.
    capture: (u32, u32),
    /// Size after the orientation, which half resolution halves.
    full: (u32, u32),
}

/// The test source's imitation of camera hardware: a `videobalance` for
/// the picture controls, and a lens that blurs by scaling the picture down
/// and back up (cheap enough for 720p30, unlike a Gaussian blur).
struct SimulatedStage {
    balance: gst::Element,
    blur_size: gst::Element,
}

impl Pipeline {
    /// Builds the pipeline for `spec`, publishing frames through `publisher`
    /// and raw frames through `tap`.
    pub fn build(
        spec: &Spec,
        view: ViewSettings,
        publisher: Publisher,
        tap: RecordingTap,
    ) -> Result<Self, PipelineError> {
        let pipeline = gst::Pipeline::with_name("camera");
        let build_err = |e: gst::glib::BoolError| PipelineError::Build(e.to_string());

        let convert = make("videoconvert")?;
        let i420 = caps_filter(
            gst::Caps::builder("video/x-raw")
                .field("format", "I420")
                .build(),
        )?;
        let orient = make("videoflip")?;
        orient.set_property_from_str("video-direction", spec.orientation.video_direction());
        let tee = make("tee")?;
        let view_queue = make("queue")?;
        let balance = make("videobalance")?;
        let scale = make("videoscale")?;
        let view_size = caps_filter(gst::Caps::new_empty_simple("video/x-raw"))?;
        let encoder = make("jpegenc")?;
        encoder.set_property("quality", spec.jpeg_quality.min(100) as i32);
        let sink = appsink(publisher);
        let view_chain = [
            &convert,
            &i420,
            &orient,
            &tee,
            &view_queue,
            &balance,
            &scale,
            &view_size,
            &encoder,
            sink.upcast_ref(),
        ];
        pipeline.add_many(view_chain).map_err(build_err)?;
        gst::Element::link_many(view_chain).map_err(build_err)?;
        let tap_queue = make("queue")?;
        // Never hold the camera back for a slow recording: drop the oldest.
        tap_queue.set_property_from_str("leaky", "downstream");
        tap_queue.set_property("max-size-buffers", 30u32);
        let tap_sink = tap_sink(tap);
        pipeline
            .add_many([&tap_queue, tap_sink.upcast_ref()])
            .map_err(build_err)?;
        gst::Element::link_many([&tee, &tap_queue, tap_sink.upcast_ref()]).map_err(build_err)?;

        let raw_mode = gst::Caps::builder("video/x-raw")
            .field("width", spec.width as i32)
            .field("height", spec.height as i32)
            .field("framerate", gst::Fraction::new(spec.fps as i32, 1))
            .build();

        let mut stall_valve = None;
        let mut simulated = None;
        match spec.source.kind {
            CameraSource::Test => {
                let src = make("videotestsrc")?;
                src.set_property("is-live", true);
                src.set_property_from_str("pattern", "smpte");
                src.set_property("horizontal-speed", 4i32);
                let mode = caps_filter(raw_mode.clone())?;
                let overlay = make("timeoverlay")?;
                overlay.set_property_from_str("halignment", "left");
                overlay.set_property_from_str("valignment", "top");
                overlay.set_property("font-desc", "Sans Bold 28");
                let camera_balance = make("videobalance")?;
                let shrink = make("videoscale")?;
                let blur_size = caps_filter(gst::Caps::new_empty_simple("video/x-raw"))?;
                let grow = make("videoscale")?;
                for scaler in [&shrink, &grow] {
                    scaler.set_property("add-borders", false);
                }
                // Square pixels after the blur, whatever rounding did to the
                // shrunken size.
                let mut square = raw_mode;
                if let Some(s) = square.make_mut().structure_mut(0) {
                    s.set("pixel-aspect-ratio", gst::Fraction::new(1, 1));
                }
                let full_size = caps_filter(square)?;
                // Drops every buffer while a stall is simulated: the
                // pipeline keeps running but no frame arrives, like a
                // camera that silently stops.
                let valve = make("valve")?;
                let chain = [
                    &src,
                    &mode,
                    &overlay,
                    &camera_balance,
                    &shrink,
                    &blur_size,
                    &grow,
                    &full_size,
                    &valve,
                ];
                pipeline.add_many(chain).map_err(build_err)?;
                gst::Element::link_many(chain).map_err(build_err)?;
                valve.link(&convert).map_err(build_err)?;
                stall_valve = Some(valve);
                simulated = Some(SimulatedStage {
                    balance: camera_balance,
                    blur_size,
                });
            }
            CameraSource::Libcamera => {
                let src = make("libcamerasrc")?;
                if let Some(name) = &spec.source.device {
                    src.set_property("camera-name", name);
                }
                let mode = caps_filter(raw_mode)?;
                pipeline.add_many([&src, &mode]).map_err(build_err)?;
                gst::Element::link_many([&src, &mode, &convert]).map_err(build_err)?;
            }
            CameraSource::V4l2 => {
                let src = make("v4l2src")?;
                let device = spec
                    .source
                    .device
                    .clone()
                    .unwrap_or_else(|| "/dev/video0".into());
                src.set_property("device", device);
                // USB cameras often offer 720p30 only as MJPEG: accept raw or
                // JPEG at the requested mode and let decodebin decode.
                let mut modes = raw_mode.clone();
                let jpeg_mode = gst::Caps::builder("image/jpeg")
                    .field("width", spec.width as i32)
                    .field("height", spec.height as i32)
                    .field("framerate", gst::Fraction::new(spec.fps as i32, 1))
                    .build();
                modes.merge(jpeg_mode);
                let mode = caps_filter(modes)?;
                let decode = make("decodebin")?;
                pipeline
                    .add_many([&src, &mode, &decode])
                    .map_err(build_err)?;
                gst::Element::link_many([&src, &mode, &decode]).map_err(build_err)?;
                let convert_weak = convert.downgrade();
                decode.connect_pad_added(move |_, pad| {
                    let Some(convert) = convert_weak.upgrade() else {
                        return;
                    };
                    let Some(sink_pad) = convert.static_pad("sink") else {
                        return;
                    };
                    if !sink_pad.is_linked()
                        && let Err(err) = pad.link(&sink_pad)
                    {
                        tracing::warn!(?err, "cannot link the decoded camera stream");
                    }
                });
            }
        }
        let built = Pipeline {
            pipeline,
            balance,
            view_size,
            stall_valve,
            simulated,
            capture: (spec.width, spec.height),
            full: spec.orientation.output_size(spec.width, spec.height),
        };
        built.apply_view(view);
        Ok(built)
    }

    /// Stops or resumes the flow of frames from the test source; `false`
    /// when this source cannot simulate a stall.
    pub fn simulate_stall(&self, stalled: bool) -> bool {
        match &self.stall_valve {
            Some(valve) => {
                valve.set_property("drop", stalled);
                true
            }
            None => false,
        }
    }

    /// Applies the simulated camera's controls to the test source's
    /// picture; `false` for other sources. Blur: the picture is shrunk by a
    /// factor of `1 + 15 * defocus` and scaled back up.
    pub fn apply_look(&self, look: SimulatedLook) -> bool {
        let Some(stage) = &self.simulated else {
            return false;
        };
        stage
            .balance
            .set_property("brightness", look.brightness.clamp(-1.0, 1.0));
        stage
            .balance
            .set_property("contrast", look.contrast.clamp(0.0, 2.0));
        stage
            .balance
            .set_property("saturation", look.saturation.clamp(0.0, 2.0));
        let factor = 1.0 + 15.0 * look.defocus.clamp(0.0, 1.0);
        let shrunk = |full: u32| (((full as f64 / factor) as u32).max(16)) & !1;
        let caps = gst::Caps::builder("video/x-raw")
            .field("width", shrunk(self.capture.0) as i32)
            .field("height", shrunk(self.capture.1) as i32)
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build();
        stage.blur_size.set_property("caps", caps);
        true
    }

    /// Applies view settings; takes effect within a frame or two, while
    /// playing.
    pub fn apply_view(&self, view: ViewSettings) {
        let saturation: f64 = if view.grayscale { 0.0 } else { 1.0 };
        self.balance.set_property("saturation", saturation);
        let (w, h) = if view.half_resolution {
            // Keep sizes even for I420.
            ((self.full.0 / 2) & !1, (self.full.1 / 2) & !1)
        } else {
            self.full
        };
        let caps = gst::Caps::builder("video/x-raw")
            .field("width", w as i32)
            .field("height", h as i32)
            .build();
        self.view_size.set_property("caps", caps);
    }

    /// The pipeline's message bus.
    pub fn bus(&self) -> Option<gst::Bus> {
        self.pipeline.bus()
    }

    /// Sets the pipeline to `Playing`. Blocking: may wait for the device.
    pub fn start(&self) -> Result<(), PipelineError> {
        self.pipeline
            .set_state(gst::State::Playing)
            .map(|_| ())
            .map_err(|err| {
                // The element's own error on the bus says what went wrong
                // (for example which device could not be opened).
                let reason = self
                    .pipeline
                    .bus()
                    .and_then(|bus| bus.pop_filtered(&[gst::MessageType::Error]))
                    .and_then(|message| super::bus_failure(&message))
                    .unwrap_or_else(|| err.to_string());
                PipelineError::Start(reason)
            })
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

fn make(element: &'static str) -> Result<gst::Element, PipelineError> {
    Ok(elements::make(element)?)
}

fn caps_filter(caps: gst::Caps) -> Result<gst::Element, PipelineError> {
    let filter = make("capsfilter")?;
    filter.set_property("caps", caps);
    Ok(filter)
}

/// An appsink that holds at most the newest buffer and never waits for the
/// clock (the source is live).
fn latest_only_sink(caps: Option<gst::Caps>) -> gst_app::AppSink {
    let builder = gst_app::AppSink::builder()
        .max_buffers(1)
        .drop(true)
        .sync(false);
    match &caps {
        Some(caps) => builder.caps(caps).build(),
        None => builder.build(),
    }
}

/// The appsink at the end of the pipeline: keeps at most one buffer, never
/// syncs to the clock (the source is live), and publishes every sample.
fn appsink(publisher: Publisher) -> gst_app::AppSink {
    let sink = latest_only_sink(Some(gst::Caps::builder("image/jpeg").build()));
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let Some(buffer) = sample.buffer() else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let (width, height) = sample
                    .caps()
                    .and_then(|caps| caps.structure(0))
                    .map(|s| {
                        let dim = |f| s.get::<i32>(f).ok().and_then(|v| u16::try_from(v).ok());
                        (dim("width").unwrap_or(0), dim("height").unwrap_or(0))
                    })
                    .unwrap_or((0, 0));
                let captured_us = capture_time_us(sink.upcast_ref(), buffer.pts());
                let map = buffer.map_readable().map_err(|_| {
                    gst::element_error!(
                        sink,
                        gst::ResourceError::Read,
                        ["cannot map a JPEG buffer"]
                    );
                    gst::FlowError::Error
                })?;
                publisher.publish(captured_us, width, height, map.as_slice());
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    sink
}

fn unix_now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// The appsink of the recording branch: hands every raw frame to `tap`.
fn tap_sink(tap: RecordingTap) -> gst_app::AppSink {
    let sink = latest_only_sink(None);
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                tap.push(&sample);
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    sink
}

/// When a buffer left the source, in µs since the Unix epoch: its running
/// time (the PTS of a live source) plus the base time is the pipeline clock
/// reading at capture; the clock's current reading tells how long ago that
/// was.
fn capture_time_us(element: &gst::Element, pts: Option<gst::ClockTime>) -> u64 {
    let now_unix = unix_now_us();
    let (Some(clock), Some(base), Some(pts)) = (element.clock(), element.base_time(), pts) else {
        return now_unix;
    };
    let age = clock.time().saturating_sub(base + pts);
    now_unix.saturating_sub(age.useconds())
}
