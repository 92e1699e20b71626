//! Building and owning one GStreamer capture pipeline:
//!
//! `source -> videoconvert -> I420 -> videoflip -> tee`, then two branches:
//! the view, `queue -> videobalance -> videoscale -> size -> tee`, which
//! splits again into `queue -> valve -> jpegenc -> appsink` and (where an
//! H.264 encoder exists) `queue -> valve -> H.264 encoder -> h264parse ->
//! appsink`; and `queue -> appsink` feeding the [`RecordingTap`] at full
//! resolution. `videoflip` applies the camera's mounting correction
//! ([`Orientation`]) before the tee, so viewers, snapshots and recordings
//! all get the corrected picture.
//! The test source adds a simulated camera: picture controls and a liquid
//! lens whose blur grows with the distance from its sharp position.
//!
//! The pipeline is built element by element from the validated settings
//! (never from a string a user typed). A probe on the first tee numbers
//! every captured frame; each JPEG or H.264 access unit that reaches its
//! appsink carries that number and its capture time, and is published
//! without blocking the streaming thread: JPEGs to the latest-frame slot,
//! access units to the H.264 feed. Each encoder's valve is open only while
//! someone takes its output ([`set_wants`](Pipeline::set_wants)), so
//! nothing is encoded for nobody. The H.264 encoder is the Raspberry Pi's
//! hardware one (`v4l2h264enc`) where it exists, else x264 tuned for zero
//! latency; key frames come every two seconds and at once on request
//! ([`force_key_frame`](Pipeline::force_key_frame)). The view stage
//! (grayscale through `videobalance` saturation, half resolution through
//! the size capsfilter) changes while playing, without a restart, for both
//! encodings. Dropping a [`Pipeline`] stops it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use shared::{CameraSource, FrameHeader, FrameKind, ViewSettings};

use super::controls::SimulatedLook;
use super::demand::Wants;
use super::orientation::Orientation;
use super::source::{ResolvedSource, TestFormat};
use super::tap::RecordingTap;
use crate::elements::{self, MissingElement};
use crate::frames::{Frame, FrameSender, H264Sender};

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
    /// The H.264 live view's encoder, when one is installed.
    pub h264: Option<H264Spec>,
    /// What the test source delivers: raw frames, or JPEGs like a USB
    /// webcam's MJPEG.
    pub test_format: TestFormat,
    /// Whether the test pattern moves and shows a running clock; off, it
    /// holds still (the README's screenshots).
    pub test_motion: bool,
}

/// How the live view is encoded to H.264.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H264Spec {
    /// Which encoder.
    pub encoder: H264Encoder,
    /// Target bit rate in kbit/s.
    pub bitrate_kbps: u32,
}

/// The H.264 encoders the live view can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H264Encoder {
    /// Software, `x264enc` (ultrafast, zero latency).
    X264,
    /// The Raspberry Pi's hardware encoder, `v4l2h264enc`.
    V4l2,
}

impl H264Encoder {
    /// The encoder this machine offers: the hardware one where its element
    /// exists, else x264; `None` when neither (or `h264parse`) is installed.
    pub fn available() -> Option<Self> {
        let exists = |name| gst::ElementFactory::find(name).is_some();
        if !exists("h264parse") {
            return None;
        }
        if exists("v4l2h264enc") {
            Some(H264Encoder::V4l2)
        } else if exists("x264enc") {
            Some(H264Encoder::X264)
        } else {
            None
        }
    }

    /// The element's factory name.
    pub fn element(self) -> &'static str {
        match self {
            H264Encoder::X264 => "x264enc",
            H264Encoder::V4l2 => "v4l2h264enc",
        }
    }
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

/// Frames numbered at the first tee whose encoded forms have not all been
/// published yet; enough for a second of frames in flight.
const NUMBERED_IN_FLIGHT: usize = 64;

/// Hands frames from the streaming threads to the latest-frame slot (JPEG)
/// and the H.264 feed. The sequence counter outlives pipelines, so numbers
/// keep increasing across restarts; it also tells the supervisor that
/// frames are flowing, whichever encoder (if any) is open.
#[derive(Clone)]
pub struct Publisher {
    slot: Arc<FrameSender>,
    h264: H264Sender,
    sequence: Arc<AtomicU64>,
    /// Running time and number of the frames captured lately, so each
    /// encoded form carries its frame's number (encoders may shift
    /// timestamps, as x264enc does by 1000 hours, but not running times).
    numbered: Arc<Mutex<VecDeque<(gst::ClockTime, u64)>>>,
    /// Set while the supervisor waits for a new pipeline's first frame;
    /// the first frame clears it and wakes the supervisor at once (before
    /// any encoding of that frame can reach a viewer).
    first_frame: Arc<(AtomicBool, tokio::sync::Notify)>,
}

impl Publisher {
    /// A publisher into `slot` and `h264`.
    pub fn new(slot: Arc<FrameSender>, h264: H264Sender) -> Self {
        Publisher {
            slot,
            h264,
            sequence: Arc::new(AtomicU64::new(0)),
            numbered: Arc::default(),
            first_frame: Arc::default(),
        }
    }

    /// Empties the slot, so no stale frame is served while the camera is
    /// offline or paused.
    pub fn clear(&self) {
        self.slot.send_replace(None);
    }

    /// Arms [`first_frame`](Self::first_frame) for a pipeline about to
    /// start.
    pub fn expect_first_frame(&self) {
        self.first_frame.0.store(true, Ordering::Release);
    }

    /// Resolves when the first frame since
    /// [`expect_first_frame`](Self::expect_first_frame) was captured.
    pub async fn first_frame(&self) {
        self.first_frame.1.notified().await;
    }

    /// How many frames the camera has delivered (all pipelines).
    pub fn captured(&self) -> u64 {
        self.sequence.load(Ordering::Relaxed)
    }

    /// Numbers a frame, captured at running time `pts`, as it leaves the
    /// capture stage.
    fn number(&self, pts: Option<gst::ClockTime>) {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        if self.first_frame.0.swap(false, Ordering::AcqRel) {
            self.first_frame.1.notify_one();
        }
        if let Some(pts) = pts {
            let mut numbered = self.numbered.lock().unwrap_or_else(PoisonError::into_inner);
            if numbered.len() == NUMBERED_IN_FLIGHT {
                numbered.pop_front();
            }
            numbered.push_back((pts, sequence));
        }
    }

    /// The number of the frame captured at running time `pts`; the newest
    /// number when it is unknown.
    fn sequence_of(&self, pts: Option<gst::ClockTime>) -> u64 {
        let numbered = self.numbered.lock().unwrap_or_else(PoisonError::into_inner);
        pts.and_then(|pts| numbered.iter().rev().find(|(at, _)| *at == pts))
            .map_or_else(
                || self.sequence.load(Ordering::Relaxed).saturating_sub(1),
                |(_, sequence)| *sequence,
            )
    }

    fn publish(&self, encoded: Encoded<'_>) {
        let now = unix_now_us();
        let header = FrameHeader {
            sequence: self.sequence_of(encoded.pts),
            captured_us: encoded.captured_us,
            width: encoded.size.0,
            height: encoded.size.1,
            kind: encoded.kind,
            key: encoded.key,
            encode_us: u32::try_from(now.saturating_sub(encoded.captured_us)).unwrap_or(u32::MAX),
        };
        match encoded.kind {
            // Never blocks: replaces the slot's content under a short lock.
            FrameKind::Jpeg => {
                self.slot
                    .send_replace(Some(Frame::new(header, encoded.bytes)));
            }
            // Never blocks: a viewer that lags loses the oldest frames.
            FrameKind::H264 => {
                let _ = self.h264.send(Frame::new(header, encoded.bytes));
            }
        }
    }
}

/// One encoded picture from an appsink.
struct Encoded<'a> {
    kind: FrameKind,
    key: bool,
    pts: Option<gst::ClockTime>,
    captured_us: u64,
    size: (u16, u16),
    bytes: &'a [u8],
}

/// A running (or ready) pipeline; set to `Null` when dropped.
pub struct Pipeline {
    pipeline: gst::Pipeline,
    /// `videobalance`: saturation 0 for grayscale.
    balance: gst::Element,
    /// Capsfilter after `videoscale`: the viewer's picture size.
    view_size: gst::Element,
    /// The valves that decide which stages run.
    routes: Arc<Routes>,
    /// The H.264 branch's appsink, where key frames are asked for.
    h264_sink: Option<gst_app::AppSink>,
    /// `valve` after the test source, for simulated stalls.
    stall_valve: Option<gst::Element>,
    /// The test source's simulated camera controls and lens.
    simulated: Option<SimulatedStage>,
    /// Capture size, which the simulated lens's blur shrinks.
    capture: (u32, u32),
    /// Size after the orientation, which half resolution halves.
    full: (u32, u32),
}

/// The valves of one pipeline and what decides them: who wants what
/// ([`Wants`]), whether the view transforms the picture, and whether the
/// camera itself delivers JPEG. A camera's own JPEGs go to JPEG viewers as
/// they are (passthrough) when nothing transforms the picture; the decoder
/// then runs only while someone needs decoded frames (H.264 viewers, a
/// recording, a transformed view).
struct Routes {
    /// In front of `jpegenc`.
    jpeg: gst::Element,
    /// In front of the H.264 encoder, when there is one.
    h264: Option<gst::Element>,
    /// The passthrough and decoder valves of a source that may deliver
    /// JPEG (V4L2, the test source in MJPEG mode).
    camera_jpeg: Option<CameraJpeg>,
    /// Whether the orientation leaves the picture as captured.
    upright: bool,
    decided: Mutex<Decided>,
}

/// A source's JPEG routes.
struct CameraJpeg {
    /// In front of the appsink that publishes the camera's JPEGs.
    passthrough: gst::Element,
    /// In front of the decoder.
    decode: gst::Element,
    /// Whether the negotiated source caps are JPEG (they are known only
    /// once the camera delivers).
    delivers_jpeg: AtomicBool,
}

/// The inputs of the last routing decision.
#[derive(Clone, Copy, Default)]
struct Decided {
    wants: Wants,
    /// Grayscale or half size is on.
    transformed: bool,
}

/// Which valves are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Open {
    passthrough: bool,
    decode: bool,
    jpeg: bool,
    h264: bool,
}

impl Open {
    /// The routing rule: JPEG viewers get the camera's own JPEGs when the
    /// camera delivers JPEG and nothing changes the picture, else the
    /// encoder's; the decoder runs while anything after it is wanted.
    fn decide(wants: Wants, camera_jpeg: bool, untouched: bool) -> Self {
        let passthrough = camera_jpeg && untouched && wants.jpeg > 0;
        let jpeg = wants.jpeg > 0 && !passthrough;
        let h264 = wants.h264 > 0;
        Open {
            passthrough,
            decode: !camera_jpeg || jpeg || h264 || wants.raw > 0,
            jpeg,
            h264,
        }
    }
}

impl Routes {
    /// Records new inputs and sets the valves.
    fn update(&self, change: impl FnOnce(&mut Decided)) {
        let mut decided = self.decided.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut decided);
        let camera_jpeg = self
            .camera_jpeg
            .as_ref()
            .is_some_and(|c| c.delivers_jpeg.load(Ordering::Acquire));
        let open = Open::decide(
            decided.wants,
            camera_jpeg,
            self.upright && !decided.transformed,
        );
        let set = |valve: &gst::Element, open: bool| {
            // Setting a property notifies; skip it when nothing changes.
            if valve.property::<bool>("drop") == open {
                valve.set_property("drop", !open);
            }
        };
        set(&self.jpeg, open.jpeg);
        if let Some(valve) = &self.h264 {
            set(valve, open.h264);
        }
        if let Some(camera) = &self.camera_jpeg {
            set(&camera.passthrough, open.passthrough);
            set(&camera.decode, open.decode);
        }
    }

    /// Whether the camera's own JPEGs go to viewers now.
    fn passing_through(&self) -> bool {
        self.camera_jpeg
            .as_ref()
            .is_some_and(|c| !c.passthrough.property::<bool>("drop"))
    }
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
        let view_queue = latest_queue()?;
        let balance = make("videobalance")?;
        let scale = make("videoscale")?;
        let view_size = caps_filter(gst::Caps::new_empty_simple("video/x-raw"))?;
        // Half size changes these caps while frames flow: keep taking the
        // old size until frames of the new one arrive, or a caps query
        // crossing the change would find no size at all.
        view_size.set_property_from_str("caps-change-mode", "delayed");
        let view_tee = make("tee")?;
        let view_chain = [
            &convert,
            &i420,
            &orient,
            &tee,
            &view_queue,
            &balance,
            &scale,
            &view_size,
            &view_tee,
        ];
        pipeline.add_many(view_chain).map_err(build_err)?;
        gst::Element::link_many(view_chain).map_err(build_err)?;

        let jpeg_valve = make("valve")?;
        let encoder = make("jpegenc")?;
        encoder.set_property("quality", spec.jpeg_quality.min(100) as i32);
        let sink = encoded_sink(
            FrameKind::Jpeg,
            Some(gst::Caps::builder("image/jpeg").build()),
            publisher.clone(),
        );
        let jpeg_chain = [&latest_queue()?, &jpeg_valve, &encoder, sink.upcast_ref()];
        pipeline.add_many(jpeg_chain).map_err(build_err)?;
        gst::Element::link_many(jpeg_chain).map_err(build_err)?;
        view_tee.link(jpeg_chain[0]).map_err(build_err)?;

        let h264 = match spec.h264 {
            Some(h264) => {
                let (valve, chain) = h264_branch(h264, spec.fps, publisher.clone())?;
                let links: Vec<&gst::Element> = chain.iter().collect();
                pipeline.add_many(&links).map_err(build_err)?;
                gst::Element::link_many(&links).map_err(build_err)?;
                view_tee.link(&chain[0]).map_err(build_err)?;
                let sink = chain
                    .last()
                    .and_then(|e| e.clone().downcast::<gst_app::AppSink>().ok())
                    .ok_or_else(|| PipelineError::Build("the H.264 branch has no sink".into()))?;
                Some((valve, sink))
            }
            None => None,
        };
        let (h264_valve, h264_sink) = h264.unzip();
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
        // The camera's JPEG routes and its tee, for sources that may
        // deliver JPEG.
        let mut camera_jpeg = None;
        match spec.source.kind {
            CameraSource::Test => {
                let src = make("videotestsrc")?;
                src.set_property("is-live", true);
                let mode = caps_filter(raw_mode.clone())?;
                let overlay = make("timeoverlay")?;
                if spec.test_motion {
                    src.set_property_from_str("pattern", "smpte");
                    src.set_property("horizontal-speed", 4i32);
                } else {
                    // smpte's corner of snow changes with every frame;
                    // these bars never do.
                    src.set_property_from_str("pattern", "smpte100");
                    overlay.set_property("silent", true);
                }
                overlay.set_property_from_str("halignment", "left");
                overlay.set_property_from_str("valignment", "top");
                overlay.set_property("font-desc", "Sans Bold 28");
                let camera_balance = make("videobalance")?;
                let shrink = make("videoscale")?;
                let blur_size = caps_filter(gst::Caps::new_empty_simple("video/x-raw"))?;
                // `apply_look` changes these caps from another thread while
                // frames flow. A caps query crosses the capsfilter twice
                // (down, then back up); a change in between met the old
                // size coming back (16x16 against 160x120, say), the
                // answer was empty and the source stopped, not-negotiated.
                // "delayed" keeps accepting the previous caps until frames
                // of the new size arrive.
                blur_size.set_property_from_str("caps-change-mode", "delayed");
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
                match spec.test_format {
                    TestFormat::Raw => valve.link(&convert).map_err(build_err)?,
                    TestFormat::Mjpeg => {
                        // The camera's own encoder, at a quality of its
                        // own (as a webcam's is).
                        let camera_encoder = make("jpegenc")?;
                        camera_encoder.set_property("quality", TEST_CAMERA_JPEG_QUALITY);
                        pipeline.add(&camera_encoder).map_err(build_err)?;
                        valve.link(&camera_encoder).map_err(build_err)?;
                        camera_jpeg = Some(camera_jpeg_stage(
                            &pipeline,
                            &camera_encoder,
                            &convert,
                            publisher.clone(),
                        )?);
                    }
                }
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
                // JPEG at the requested mode; JPEG may go to viewers as it is.
                let mut modes = raw_mode.clone();
                let jpeg_mode = gst::Caps::builder("image/jpeg")
                    .field("width", spec.width as i32)
                    .field("height", spec.height as i32)
                    .field("framerate", gst::Fraction::new(spec.fps as i32, 1))
                    .build();
                modes.merge(jpeg_mode);
                let mode = caps_filter(modes)?;
                pipeline.add_many([&src, &mode]).map_err(build_err)?;
                src.link(&mode).map_err(build_err)?;
                camera_jpeg = Some(camera_jpeg_stage(
                    &pipeline,
                    &mode,
                    &convert,
                    publisher.clone(),
                )?);
            }
        }
        let (camera_jpeg, counted) = match camera_jpeg {
            Some((routes, camera_tee)) => (Some(routes), camera_tee),
            None => (None, tee),
        };
        let routes = Arc::new(Routes {
            jpeg: jpeg_valve,
            h264: h264_valve,
            camera_jpeg,
            upright: spec.orientation.video_direction() == "identity",
            decided: Mutex::default(),
        });
        let counted = counted
            .static_pad("sink")
            .ok_or_else(|| PipelineError::Build("a tee without a sink pad".into()))?;
        number_frames(&counted, publisher);
        if routes.camera_jpeg.is_some() {
            follow_camera_format(&counted, Arc::downgrade(&routes));
        }
        let built = Pipeline {
            pipeline,
            balance,
            view_size,
            routes,
            h264_sink,
            stall_valve,
            simulated,
            capture: (spec.width, spec.height),
            full: spec.orientation.output_size(spec.width, spec.height),
        };
        built.apply_view(view);
        Ok(built)
    }

    /// Opens each encoder's valve while someone takes its output, and
    /// closes it otherwise (nothing is encoded for nobody).
    pub fn set_wants(&self, wants: Wants) {
        self.routes.update(|d| d.wants = wants);
    }

    /// Whether JPEG viewers get the camera's own JPEGs now (no decoding or
    /// encoding on the way).
    pub fn passing_through(&self) -> bool {
        self.routes.passing_through()
    }

    /// Asks the H.264 encoder for a key frame (with its parameter sets) as
    /// soon as possible.
    pub fn force_key_frame(&self) {
        if let Some(sink) = &self.h264_sink {
            let request = gst::Structure::builder("GstForceKeyUnit")
                .field("all-headers", true)
                .field("count", 0u32)
                .build();
            sink.send_event(gst::event::CustomUpstream::new(request));
        }
    }

    /// Pauses a running pipeline (no capture, no encoding) or resumes it.
    /// Blocking: may wait for the device.
    pub fn set_paused(&self, paused: bool) -> Result<(), PipelineError> {
        let state = if paused {
            gst::State::Paused
        } else {
            gst::State::Playing
        };
        self.pipeline
            .set_state(state)
            .map(|_| ())
            .map_err(|err| PipelineError::Start(err.to_string()))
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
        // Renegotiate only when the blur changes, not for every picture
        // control.
        if stage.blur_size.property::<gst::Caps>("caps") != caps {
            stage.blur_size.set_property("caps", caps);
        }
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
        let transformed = view.grayscale || view.half_resolution;
        self.routes.update(|d| d.transformed = transformed);
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
/// clock (the source is live) or for a first buffer before the pipeline
/// may play (a branch behind a closed valve gets none).
fn latest_only_sink(caps: Option<gst::Caps>) -> gst_app::AppSink {
    let builder = gst_app::AppSink::builder()
        .max_buffers(1)
        .drop(true)
        .sync(false)
        .async_(false);
    match &caps {
        Some(caps) => builder.caps(caps).build(),
        None => builder.build(),
    }
}

/// A queue that holds at most one frame and drops the older one: a slow
/// stage after it skips frames instead of adding latency.
fn latest_queue() -> Result<gst::Element, PipelineError> {
    let queue = make("queue")?;
    queue.set_property_from_str("leaky", "downstream");
    queue.set_property("max-size-buffers", 1u32);
    queue.set_property("max-size-bytes", 0u32);
    queue.set_property("max-size-time", 0u64);
    Ok(queue)
}

/// Numbers every frame the camera delivers, where it enters the pipeline's
/// first tee (before any decoding, so frames count whichever stages run).
fn number_frames(pad: &gst::Pad, publisher: Publisher) {
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        if let Some(buffer) = info.buffer() {
            let segment = pad.sticky_event::<gst::event::Segment>(0);
            publisher.number(running_time(
                segment.as_ref().map(|e| e.segment()),
                buffer.pts(),
            ));
        }
        gst::PadProbeReturn::Ok
    });
}

/// Re-routes when the camera's format is settled (or changes): JPEG can
/// pass through, raw frames cannot.
fn follow_camera_format(pad: &gst::Pad, routes: std::sync::Weak<Routes>) {
    pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
        if let Some(gst::EventView::Caps(caps)) = info.event().map(|e| e.view())
            && let Some(routes) = routes.upgrade()
            && let Some(camera) = &routes.camera_jpeg
        {
            let jpeg = caps
                .caps()
                .structure(0)
                .is_some_and(|s| s.name() == "image/jpeg");
            camera.delivers_jpeg.store(jpeg, Ordering::Release);
            routes.update(|_| {});
        }
        gst::PadProbeReturn::Ok
    });
}

/// JPEG quality of the test source's simulated webcam encoder.
const TEST_CAMERA_JPEG_QUALITY: i32 = 90;

/// After a source that may deliver JPEG: a tee whose one branch publishes
/// the camera's JPEGs as they are (`queue -> valve -> appsink`) and whose
/// other decodes them (or takes raw frames) into `convert` (`valve ->
/// decodebin`). Returns the routes (both valves closed to passthrough
/// until the camera's format is known) and the tee.
fn camera_jpeg_stage(
    pipeline: &gst::Pipeline,
    camera: &gst::Element,
    convert: &gst::Element,
    publisher: Publisher,
) -> Result<(CameraJpeg, gst::Element), PipelineError> {
    let build_err = |e: gst::glib::BoolError| PipelineError::Build(e.to_string());
    let tee = make("tee")?;
    let passthrough = make("valve")?;
    passthrough.set_property("drop", true);
    // No caps on this sink: a raw camera negotiates through the tee too.
    let sink = encoded_sink(FrameKind::Jpeg, None, publisher);
    let pass_chain = [&tee, &latest_queue()?, &passthrough, sink.upcast_ref()];
    pipeline.add_many(pass_chain).map_err(build_err)?;
    gst::Element::link_many(pass_chain).map_err(build_err)?;
    let decode_valve = make("valve")?;
    let decode = make("decodebin")?;
    pipeline
        .add_many([&decode_valve, &decode])
        .map_err(build_err)?;
    gst::Element::link_many([camera, &tee, &decode_valve, &decode]).map_err(build_err)?;
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
    let routes = CameraJpeg {
        passthrough,
        decode: decode_valve,
        delivers_jpeg: AtomicBool::new(false),
    };
    Ok((routes, tee))
}

/// The H.264 branch after the view tee: `queue -> valve -> encoder ->
/// caps -> h264parse -> caps -> appsink`, with the valve returned apart.
/// Parameter sets go in front of every key frame, so a viewer can start at
/// any of them.
fn h264_branch(
    spec: H264Spec,
    fps: u32,
    publisher: Publisher,
) -> Result<(gst::Element, Vec<gst::Element>), PipelineError> {
    let valve = make("valve")?;
    let key_interval = fps.max(1) * 2;
    let encoder = make(spec.encoder.element())?;
    let encoded = match spec.encoder {
        H264Encoder::X264 => {
            encoder.set_property_from_str("speed-preset", "ultrafast");
            encoder.set_property_from_str("tune", "zerolatency");
            encoder.set_property("bitrate", spec.bitrate_kbps);
            encoder.set_property("key-int-max", key_interval);
            gst::Caps::builder("video/x-h264")
                .field("profile", "constrained-baseline")
                .build()
        }
        H264Encoder::V4l2 => {
            let controls = gst::Structure::builder("controls")
                .field(
                    "video_bitrate",
                    spec.bitrate_kbps.saturating_mul(1000) as i32,
                )
                .field("h264_i_frame_period", key_interval as i32)
                .field("repeat_sequence_header", 1i32)
                .build();
            encoder.set_property("extra-controls", controls);
            gst::Caps::builder("video/x-h264")
                .field("level", "4")
                .build()
        }
    };
    let parse = make("h264parse")?;
    parse.set_property("config-interval", -1i32);
    let access_units = gst::Caps::builder("video/x-h264")
        .field("stream-format", "byte-stream")
        .field("alignment", "au")
        .build();
    let sink = encoded_sink(FrameKind::H264, Some(access_units.clone()), publisher);
    let chain = vec![
        latest_queue()?,
        valve.clone(),
        encoder,
        caps_filter(encoded)?,
        parse,
        caps_filter(access_units)?,
        sink.upcast(),
    ];
    Ok((valve, chain))
}

/// The appsink at the end of an encoder: publishes every sample as a
/// `kind` frame. H.264 needs every access unit, so its sink never drops.
fn encoded_sink(
    kind: FrameKind,
    caps: Option<gst::Caps>,
    publisher: Publisher,
) -> gst_app::AppSink {
    let sink = match (kind, caps) {
        (FrameKind::Jpeg, caps) => latest_only_sink(caps),
        (FrameKind::H264, caps) => {
            let builder = gst_app::AppSink::builder().sync(false).async_(false);
            match caps {
                Some(caps) => builder.caps(&caps).build(),
                None => builder.build(),
            }
        }
    };
    // Parameter sets that came without a picture, for the next one.
    let parameter_sets = Mutex::new(Vec::new());
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let Some(buffer) = sample.buffer() else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                let size = sample
                    .caps()
                    .and_then(|caps| caps.structure(0))
                    .map(|s| {
                        let dim = |f| s.get::<i32>(f).ok().and_then(|v| u16::try_from(v).ok());
                        (dim("width").unwrap_or(0), dim("height").unwrap_or(0))
                    })
                    .unwrap_or((0, 0));
                let at = running_time(sample.segment(), buffer.pts());
                let captured_us = capture_time_us(sink.upcast_ref(), at);
                let map = buffer.map_readable().map_err(|_| {
                    gst::element_error!(
                        sink,
                        gst::ResourceError::Read,
                        ["cannot map an encoded buffer"]
                    );
                    gst::FlowError::Error
                })?;
                let mut bytes = map.as_slice();
                let joined;
                if kind == FrameKind::H264 {
                    let mut held = parameter_sets
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    // A key frame asked for may come as parameter sets
                    // alone, then the picture: send them as one access
                    // unit, so each message is one decodable frame.
                    if !shared::h264::has_picture(bytes) {
                        held.extend_from_slice(bytes);
                        return Ok(gst::FlowSuccess::Ok);
                    }
                    if !held.is_empty() {
                        let mut whole = std::mem::take(&mut *held);
                        whole.extend_from_slice(bytes);
                        joined = whole;
                        bytes = &joined;
                    }
                }
                publisher.publish(Encoded {
                    kind,
                    key: match kind {
                        FrameKind::Jpeg => true,
                        FrameKind::H264 => shared::h264::is_key_frame(bytes),
                    },
                    pts: at,
                    captured_us,
                    size,
                    bytes,
                });
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    sink
}

/// The wall clock in µs since the Unix epoch.
pub fn unix_now_us() -> u64 {
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

/// The running time of a buffer stamped `pts` in `segment` (the PTS itself
/// when there is no time segment).
fn running_time(
    segment: Option<&gst::Segment>,
    pts: Option<gst::ClockTime>,
) -> Option<gst::ClockTime> {
    let pts = pts?;
    match segment.and_then(|s| s.downcast_ref::<gst::ClockTime>()) {
        Some(segment) => segment.to_running_time(pts),
        None => Some(pts),
    }
}

/// When a buffer left the source, in µs since the Unix epoch: its running
/// time plus the base time is the pipeline clock reading at capture; the
/// clock's current reading tells how long ago that was.
fn capture_time_us(element: &gst::Element, running: Option<gst::ClockTime>) -> u64 {
    let now_unix = unix_now_us();
    let (Some(clock), Some(base), Some(running)) = (element.clock(), element.base_time(), running)
    else {
        return now_unix;
    };
    let age = clock.time().saturating_sub(base + running);
    now_unix.saturating_sub(age.useconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wants(jpeg: u32, h264: u32, raw: u32) -> Wants {
        Wants { jpeg, h264, raw }
    }

    #[test]
    fn jpeg_viewers_alone_of_a_jpeg_camera_need_no_decoding() {
        let open = Open::decide(wants(3, 0, 0), true, true);
        assert_eq!(
            open,
            Open {
                passthrough: true,
                decode: false,
                jpeg: false,
                h264: false
            }
        );
        // Nobody at all: nothing runs.
        assert!(!Open::decide(wants(0, 0, 0), true, true).decode);
    }

    #[test]
    fn a_changed_picture_or_other_consumers_need_the_decoder() {
        let transformed = Open::decide(wants(1, 0, 0), true, false);
        assert!(!transformed.passthrough && transformed.decode && transformed.jpeg);
        let with_h264 = Open::decide(wants(1, 1, 0), true, true);
        assert!(with_h264.passthrough && with_h264.decode && with_h264.h264 && !with_h264.jpeg);
        let recording = Open::decide(wants(0, 0, 1), true, true);
        assert!(recording.decode && !recording.passthrough);
    }

    #[test]
    fn raw_cameras_always_decode_and_encode() {
        let open = Open::decide(wants(1, 0, 0), false, true);
        assert!(!open.passthrough && open.decode && open.jpeg);
        assert!(Open::decide(wants(0, 0, 0), false, true).decode);
    }
}
