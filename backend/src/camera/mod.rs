//! The camera: one supervisor task owns the GStreamer pipeline and its bus.
//! It builds and starts the pipeline, marks the camera live on the first
//! frame, and on any failure (bus error, end of stream, no frames for a
//! while) tears the pipeline down, shows the camera as offline with the
//! reason, and retries with exponential backoff until shutdown. Frames go
//! straight from the streaming threads into the latest-frame slot and the
//! H.264 feed; the supervisor only counts them. It follows the
//! [`Demand`](demand::Demand): each encoder runs only while someone takes
//! its output, and when nobody has needed anything for
//! `camera.idle_seconds` the pipeline pauses (the state says `idle`) until
//! the next viewer, snapshot or recording. It also owns the camera's
//! controls (real through `v4l2-ctl`, or the test source's simulated ones)
//! and cuts the recording tap whenever its pipeline goes away.

pub mod controls;
pub mod demand;
pub mod orientation;
pub mod pipeline;
pub mod source;
pub mod tap;
pub mod v4l2ctl;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use gstreamer as gst;
use gstreamer::prelude::*;
use shared::{CameraControl, CameraSource, CameraState, CameraStatus, FocusState, ViewSettings};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::CameraConfig;
use crate::frames::{self, Frame, FrameReceiver, H264Sender};
use crate::state::StateSender;
use controls::{ControlError, FocusRequest, Simulated};
use demand::{Demand, Need, Wants};
use pipeline::{H264Encoder, H264Spec, Pipeline, Publisher, Spec};
use source::ResolvedSource;
use tap::RecordingTap;

/// First retry delay after a failure.
const BACKOFF_MIN: Duration = Duration::from_millis(500);
/// Longest retry delay.
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// How long a new pipeline may take to deliver its first frame.
const FIRST_FRAME_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a live pipeline may go without a frame before it counts as
/// stalled (clients see the camera offline within this time).
const STALL_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the supervisor counts the frames of a running pipeline.
const FRAME_CHECK: Duration = Duration::from_millis(100);
/// How long a snapshot waits for a fresh picture.
const SNAPSHOT_WAIT: Duration = Duration::from_secs(2);

/// Requests handled by the supervisor, the pipeline's one owner.
enum CameraCommand {
    /// Change the live view; answered with the settings now in force.
    SetView {
        grayscale: Option<bool>,
        half_resolution: Option<bool>,
        reply: oneshot::Sender<ViewSettings>,
    },
    /// Stop or resume the test source's frames (tests and demos of camera
    /// loss); answered with whether this source can do it.
    SimulateStall {
        stalled: bool,
        reply: oneshot::Sender<bool>,
    },
    /// Change the focus; answered with the focus now in force.
    Focus {
        request: FocusRequest,
        reply: oneshot::Sender<Result<FocusState, ControlError>>,
    },
    /// Set one control; answered with the control as it is now.
    SetControl {
        name: String,
        value: i64,
        reply: oneshot::Sender<Result<CameraControl, ControlError>>,
    },
    /// Stop the pipeline and build a new one now (no back-off).
    Restart { reply: oneshot::Sender<()> },
}

/// Where the camera's controls live.
enum ControlSource {
    /// The test source's simulated camera.
    Simulated(Simulated),
    /// A V4L2 device, reached through `v4l2-ctl`.
    V4l2(String),
    /// libcamera: no controls offered yet.
    None,
}

/// The camera task has stopped (the server is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the camera is shutting down")]
pub struct CameraGone;

/// Cloneable access to the camera for the rest of the server.
#[derive(Clone)]
pub struct CameraHandle {
    frames: FrameReceiver,
    h264: H264Sender,
    demand: Demand,
    commands: mpsc::Sender<CameraCommand>,
    tap: RecordingTap,
    state: tokio::sync::watch::Receiver<shared::ServerState>,
}

/// Why no picture could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoPicture(pub String);

impl CameraHandle {
    /// A receiver of the newest JPEG frame. Frames arrive only while
    /// someone holds a [`Need::Jpeg`] guard from [`demand`](Self::demand).
    pub fn frames(&self) -> FrameReceiver {
        self.frames.clone()
    }

    /// A receiver of the H.264 feed, which flows while someone holds a
    /// [`Need::H264`] guard.
    pub fn h264_frames(&self) -> tokio::sync::broadcast::Receiver<Frame> {
        self.h264.subscribe()
    }

    /// The demand for the camera's output.
    pub fn demand(&self) -> &Demand {
        &self.demand
    }

    /// A JPEG of the picture as it is now: the newest frame when JPEGs are
    /// flowing, else the next one (the JPEG encoder is started, or the
    /// paused pipeline resumed, for it). Fails at once when the camera is
    /// not live, and after a short wait when no frame comes.
    pub async fn current_jpeg(&self) -> Result<Frame, NoPicture> {
        let not_live = || {
            let camera = self.state.borrow().camera.clone();
            (camera.status != CameraStatus::Live).then(|| {
                camera
                    .reason
                    .unwrap_or_else(|| format!("camera is {:?}", camera.status).to_lowercase())
            })
        };
        if let Some(why) = not_live() {
            return Err(NoPicture(why));
        }
        let mut frames = self.frames.clone();
        let flowing = self.demand.current().jpeg > 0;
        let _guard = self.demand.take(Need::Jpeg);
        if flowing && let Some(frame) = frames.borrow_and_update().clone() {
            return Ok(frame);
        }
        frames.mark_unchanged();
        let waited = tokio::time::timeout(SNAPSHOT_WAIT, async {
            loop {
                frames.changed().await.ok()?;
                if let Some(frame) = frames.borrow_and_update().clone() {
                    return Some(frame);
                }
            }
        })
        .await;
        match waited {
            Ok(Some(frame)) => Ok(frame),
            _ => Err(NoPicture(not_live().unwrap_or_else(|| {
                format!(
                    "no picture from the camera within {} s",
                    SNAPSHOT_WAIT.as_secs()
                )
            }))),
        }
    }

    /// Changes grayscale and/or half resolution for every viewer, on the
    /// running pipeline and for every later restart.
    pub async fn set_view(
        &self,
        grayscale: Option<bool>,
        half_resolution: Option<bool>,
    ) -> Result<ViewSettings, CameraGone> {
        self.ask(|reply| CameraCommand::SetView {
            grayscale,
            half_resolution,
            reply,
        })
        .await
    }

    /// Stops (`true`) or resumes the test source's frames, as if the camera
    /// went silent; `Ok(false)` when the source is not the test source. The
    /// setting survives pipeline restarts until it is lifted.
    pub async fn simulate_stall(&self, stalled: bool) -> Result<bool, CameraGone> {
        self.ask(|reply| CameraCommand::SimulateStall { stalled, reply })
            .await
    }

    /// Changes the focus (autofocus, position, step).
    pub async fn focus(&self, request: FocusRequest) -> Result<FocusState, CameraError> {
        Ok(self
            .ask(|reply| CameraCommand::Focus { request, reply })
            .await??)
    }

    /// Sets the control called `name` to `value`.
    pub async fn set_control(&self, name: &str, value: i64) -> Result<CameraControl, CameraError> {
        let name = name.to_owned();
        Ok(self
            .ask(|reply| CameraCommand::SetControl { name, value, reply })
            .await??)
    }

    /// Stops the pipeline and builds a new one at once; answered when the
    /// restart has begun (the state goes to `starting`, then `live`).
    pub async fn restart(&self) -> Result<(), CameraGone> {
        self.ask(|reply| CameraCommand::Restart { reply }).await
    }

    /// The recording tap (raw frames before the view transforms).
    pub fn tap(&self) -> &RecordingTap {
        &self.tap
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<T>) -> CameraCommand,
    ) -> Result<T, CameraGone> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| CameraGone)?;
        answer.await.map_err(|_| CameraGone)
    }
}

/// Why a control request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    /// The server is shutting down.
    #[error(transparent)]
    Gone(#[from] CameraGone),
    /// The control request was refused.
    #[error(transparent)]
    Control(#[from] ControlError),
}

/// Initial camera state for a resolved source.
pub fn initial_state(config: &CameraConfig, source: &ResolvedSource) -> CameraState {
    CameraState {
        source: source.kind,
        device: source.device.clone(),
        width: config.width,
        height: config.height,
        fps: config.fps,
        status: CameraStatus::Starting,
        idle: false,
        reason: None,
        view: ViewSettings::default(),
        focus: None,
        controls: Vec::new(),
    }
}

fn control_source(source: &ResolvedSource) -> ControlSource {
    match source.kind {
        CameraSource::Test => ControlSource::Simulated(Simulated::new()),
        CameraSource::V4l2 => ControlSource::V4l2(
            source
                .device
                .clone()
                .unwrap_or_else(|| "/dev/video0".into()),
        ),
        CameraSource::Libcamera => ControlSource::None,
    }
}

/// Starts the supervisor on `tracker`; it ends when `shutdown` is cancelled.
pub fn spawn(
    config: &CameraConfig,
    source: ResolvedSource,
    state: StateSender,
    shutdown: CancellationToken,
    tracker: &tokio_util::task::TaskTracker,
) -> CameraHandle {
    let (tx, rx) = frames::slot();
    let controls = control_source(&source);
    let spec = Spec {
        source,
        width: config.width,
        height: config.height,
        fps: config.fps,
        jpeg_quality: config.jpeg_quality,
        orientation: orientation::Orientation {
            rotate: config.rotate,
            flip: config.flip,
        },
        h264: H264Encoder::available().map(|encoder| H264Spec {
            encoder,
            bitrate_kbps: config.h264_bitrate_kbps,
        }),
        test_format: config.test_format,
        test_motion: config.test_motion,
    };
    let (commands, requests) = mpsc::channel(8);
    let demand = Demand::default();
    let tap = RecordingTap::new(demand.clone());
    let h264 = frames::h264_feed();
    let supervisor = Supervisor {
        spec,
        view: ViewSettings::default(),
        stalled: false,
        controls,
        tap: tap.clone(),
        publisher: Publisher::new(Arc::new(tx), h264.clone()),
        demand: demand.clone(),
        idle_after: (config.idle_seconds > 0)
            .then(|| Duration::from_secs(config.idle_seconds.into())),
        requests,
        state: state.clone(),
        shutdown,
        restart: false,
    };
    tracker.spawn(supervisor.run());
    CameraHandle {
        frames: rx,
        h264,
        demand,
        commands,
        tap,
        state: state.subscribe(),
    }
}

struct Supervisor {
    spec: Spec,
    /// View settings, re-applied to every new pipeline.
    view: ViewSettings,
    /// A simulated stall, re-applied to every new pipeline.
    stalled: bool,
    /// The camera's controls.
    controls: ControlSource,
    /// Raw frames for a recording; cut when a pipeline goes away.
    tap: RecordingTap,
    publisher: Publisher,
    /// Who needs frames; each encoder runs only for its takers.
    demand: Demand,
    /// How long without any demand before the pipeline pauses.
    idle_after: Option<Duration>,
    requests: mpsc::Receiver<CameraCommand>,
    state: StateSender,
    shutdown: CancellationToken,
    /// An operator asked for a restart.
    restart: bool,
}

/// How one pipeline run ended.
enum Outcome {
    Shutdown,
    Failed { reason: String, was_live: bool },
    Restart,
}

impl Supervisor {
    async fn run(mut self) {
        let mut delay = BACKOFF_MIN;
        // The state starts as `Starting`; after a failure it stays
        // `Offline` with the reason through the retries until frames flow.
        loop {
            match self.run_once().await {
                Outcome::Shutdown => break,
                Outcome::Restart => {
                    delay = self.restarting();
                    continue;
                }
                Outcome::Failed { reason, was_live } => {
                    self.publisher.clear();
                    if was_live {
                        delay = BACKOFF_MIN;
                    }
                    tracing::warn!(%reason, retry_in = ?delay, "camera offline");
                    self.set_status(CameraStatus::Offline, Some(reason));
                }
            }
            let retry = tokio::time::sleep(delay);
            tokio::pin!(retry);
            delay = loop {
                tokio::select! {
                    _ = self.shutdown.cancelled() => return self.stop(),
                    _ = &mut retry => break (delay * 2).min(BACKOFF_MAX),
                    Some(command) = self.requests.recv() => {
                        self.handle(command, None).await;
                        if std::mem::take(&mut self.restart) {
                            break self.restarting();
                        }
                    }
                }
            };
        }
        self.stop();
    }

    /// An operator's restart: a new pipeline at once, from `starting`;
    /// the back-off starts again.
    fn restarting(&self) -> Duration {
        self.publisher.clear();
        tracing::info!("camera restarting at an operator's request");
        self.set_status(CameraStatus::Starting, None);
        BACKOFF_MIN
    }

    fn stop(&self) {
        self.tap.cut("the server is shutting down");
        self.publisher.clear();
        tracing::debug!("camera supervisor stopped");
    }

    /// Carries out a request, on the running pipeline if there is one.
    async fn handle(&mut self, command: CameraCommand, pipeline: Option<&Pipeline>) {
        match command {
            CameraCommand::SetView {
                grayscale,
                half_resolution,
                reply,
            } => {
                self.view.grayscale = grayscale.unwrap_or(self.view.grayscale);
                self.view.half_resolution = half_resolution.unwrap_or(self.view.half_resolution);
                if let Some(pipeline) = pipeline {
                    pipeline.apply_view(self.view);
                    // A fresh key frame shows the change at once, not
                    // spread over the next frames' small corrections.
                    pipeline.force_key_frame();
                }
                let view = self.view;
                self.state.send_if_modified(|s| {
                    let changed = s.camera.view != view;
                    s.camera.view = view;
                    changed
                });
                let _ = reply.send(view);
            }
            CameraCommand::SimulateStall { stalled, reply } => {
                let possible = self.spec.source.kind == shared::CameraSource::Test;
                if possible {
                    self.stalled = stalled;
                    if let Some(pipeline) = pipeline {
                        pipeline.simulate_stall(stalled);
                    }
                }
                let _ = reply.send(possible);
            }
            CameraCommand::Focus { request, reply } => {
                let result = self.focus(request, pipeline).await;
                let _ = reply.send(result);
            }
            CameraCommand::Restart { reply } => {
                self.restart = true;
                let _ = reply.send(());
            }
            CameraCommand::SetControl { name, value, reply } => {
                let result = self.set_controls(&[(name.clone(), value)], pipeline).await;
                let result = result.and_then(|list| {
                    controls::find(&list, &name)
                        .cloned()
                        .ok_or(ControlError::Offline)
                });
                let _ = reply.send(result);
            }
        }
    }

    async fn focus(
        &mut self,
        request: FocusRequest,
        pipeline: Option<&Pipeline>,
    ) -> Result<FocusState, ControlError> {
        let current = self.read_controls().await?;
        let changes = controls::focus_changes(&current, request)?;
        let list = self.set_controls(&changes, pipeline).await?;
        controls::focus_state(&list).ok_or(ControlError::NoFocus)
    }

    /// The controls as they are now (asks the device).
    async fn read_controls(&self) -> Result<Vec<CameraControl>, ControlError> {
        match &self.controls {
            ControlSource::Simulated(sim) => Ok(sim.controls()),
            ControlSource::V4l2(device) => {
                if self.state.borrow().camera.status != CameraStatus::Live {
                    return Err(ControlError::Offline);
                }
                v4l2ctl::list(device).await
            }
            ControlSource::None => Ok(Vec::new()),
        }
    }

    /// Sets controls in order, then publishes the new list; returns it.
    async fn set_controls(
        &mut self,
        changes: &[(String, i64)],
        pipeline: Option<&Pipeline>,
    ) -> Result<Vec<CameraControl>, ControlError> {
        let current = self.read_controls().await?;
        for (name, value) in changes {
            controls::validate(&current, name, *value)?;
        }
        let mut outcome = Ok(());
        for (name, value) in changes {
            outcome = match &mut self.controls {
                ControlSource::Simulated(sim) => sim.set(name, *value),
                ControlSource::V4l2(device) => v4l2ctl::set(device, name, *value).await,
                ControlSource::None => Err(ControlError::Offline),
            };
            if outcome.is_err() {
                break;
            }
        }
        if let (ControlSource::Simulated(sim), Some(pipeline)) = (&self.controls, pipeline) {
            pipeline.apply_look(sim.look());
        }
        // Publish what the camera holds now, even after a partial failure.
        let list = self.publish_controls().await;
        outcome.map(|()| list)
    }

    /// Reads the controls and puts them (and the focus) in the state every
    /// client sees; an unreadable camera shows none.
    async fn publish_controls(&self) -> Vec<CameraControl> {
        let list = match self.read_controls().await {
            Ok(list) => list,
            Err(err) => {
                tracing::warn!(%err, "cannot read the camera's controls");
                Vec::new()
            }
        };
        let focus = controls::focus_state(&list);
        let published = list.clone();
        self.state.send_if_modified(|s| {
            let changed = s.camera.controls != published || s.camera.focus != focus;
            s.camera.controls = published;
            s.camera.focus = focus;
            changed
        });
        list
    }

    /// Builds, starts and watches one pipeline until it fails or shutdown.
    async fn run_once(&mut self) -> Outcome {
        let failed = |reason: String, was_live| Outcome::Failed { reason, was_live };
        let spec = self.spec.clone();
        let view = self.view;
        let stalled = self.stalled;
        let publisher = self.publisher.clone();
        let tap = self.tap.clone();
        let look = match &self.controls {
            ControlSource::Simulated(sim) => Some(sim.look()),
            _ => None,
        };
        self.publisher.expect_first_frame();
        let started = tokio::task::spawn_blocking(move || {
            let pipeline = Pipeline::build(&spec, view, publisher, tap)?;
            pipeline.simulate_stall(stalled);
            if let Some(look) = look {
                pipeline.apply_look(look);
            }
            pipeline.start()?;
            Ok::<_, pipeline::PipelineError>(pipeline)
        })
        .await;
        let pipeline = match started {
            Ok(Ok(p)) => p,
            Ok(Err(err)) => return failed(err.to_string(), false),
            Err(err) => return failed(format!("camera start-up task failed: {err}"), false),
        };
        let Some(bus) = pipeline.bus() else {
            return failed("the camera pipeline has no bus".into(), false);
        };
        let mut messages = bus.stream();
        let mut wants_changed = self.demand.subscribe();
        pipeline.set_wants(*wants_changed.borrow_and_update());
        let mut seen = self.publisher.captured();
        let mut live = false;
        let mut paused = false;
        let mut deadline = Instant::now() + FIRST_FRAME_TIMEOUT;
        let mut idle_at = self.idle_deadline(self.demand.current());
        let mut check = tokio::time::interval(FRAME_CHECK);
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let outcome = loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => break Outcome::Shutdown,
                message = messages.next() => {
                    let Some(message) = message else {
                        break failed("the camera pipeline's bus closed".into(), live);
                    };
                    if let Some(reason) = bus_failure(&message) {
                        break failed(reason, live);
                    }
                }
                Some(command) = self.requests.recv() => {
                    self.handle(command, Some(&pipeline)).await;
                    if std::mem::take(&mut self.restart) {
                        break Outcome::Restart;
                    }
                }
                _ = wants_changed.changed() => {
                    let wants = *wants_changed.borrow_and_update();
                    pipeline.set_wants(wants);
                    if wants.jpeg == 0 {
                        // The next JPEG viewer must not start with a
                        // picture from before the encoder stopped.
                        self.publisher.clear();
                    }
                    if wants.any() {
                        idle_at = None;
                        if paused {
                            if let Err(err) = pipeline.set_paused(false) {
                                break failed(err.to_string(), live);
                            }
                            paused = false;
                            deadline = Instant::now() + FIRST_FRAME_TIMEOUT;
                            self.set_idle(false);
                            tracing::debug!("camera resumed");
                        }
                    } else if idle_at.is_none() && !paused {
                        idle_at = self.idle_deadline(wants);
                    }
                }
                _ = self.demand.key_frame_requested() => pipeline.force_key_frame(),
                _ = self.publisher.first_frame(), if !live => {
                    seen = self.publisher.captured();
                    deadline = Instant::now() + STALL_TIMEOUT;
                    live = true;
                    tracing::info!(source = self.spec.source.kind.as_str(), "camera live");
                    self.set_status(CameraStatus::Live, None);
                    self.publish_controls().await;
                }
                _ = check.tick(), if !paused => {
                    let captured = self.publisher.captured();
                    if captured != seen {
                        seen = captured;
                        deadline = Instant::now() + STALL_TIMEOUT;
                    } else if Instant::now() >= deadline {
                        let waited = if live { STALL_TIMEOUT } else { FIRST_FRAME_TIMEOUT };
                        break failed(format!("no frames from the camera for {} s", waited.as_secs()), live);
                    }
                }
                _ = sleep_until_some(idle_at), if live && !paused => {
                    idle_at = None;
                    if let Err(err) = pipeline.set_paused(true) {
                        break failed(err.to_string(), live);
                    }
                    paused = true;
                    self.publisher.clear();
                    self.set_idle(true);
                    tracing::debug!("nobody watching or recording: camera paused");
                }
            }
        };
        self.set_idle(false);
        match &outcome {
            Outcome::Failed { reason, .. } => self.tap.cut(&format!("camera lost: {reason}")),
            Outcome::Shutdown => self.tap.cut("the server is shutting down"),
            Outcome::Restart => self.tap.cut("the camera was restarted"),
        }
        // Stopping may wait for the device: keep it off the async threads.
        let _ = tokio::task::spawn_blocking(move || drop(pipeline)).await;
        if matches!(self.controls, ControlSource::V4l2(_)) {
            self.publish_controls().await;
        }
        outcome
    }

    /// When to pause, given the demand: `None` while anyone needs frames
    /// or when pausing is off.
    fn idle_deadline(&self, wants: Wants) -> Option<Instant> {
        self.idle_after
            .filter(|_| !wants.any())
            .map(|after| Instant::now() + after)
    }

    fn set_idle(&self, idle: bool) {
        self.state.send_if_modified(|s| {
            let changed = s.camera.idle != idle;
            s.camera.idle = idle;
            changed
        });
    }

    fn set_status(&self, status: CameraStatus, reason: Option<String>) {
        self.state.send_if_modified(|s| {
            let changed = s.camera.status != status || s.camera.reason != reason;
            s.camera.status = status;
            s.camera.reason = reason;
            changed
        });
    }
}

/// Sleeps until `at`, or forever when there is none.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// A user-facing reason if `message` means the pipeline has failed.
pub(crate) fn bus_failure(message: &gst::Message) -> Option<String> {
    use gst::MessageView;
    match message.view() {
        MessageView::Error(err) => {
            // The factory name (v4l2src) is stable across retries, unlike
            // the instance name (v4l2src3).
            let element = err
                .src()
                .and_then(|s| s.downcast_ref::<gst::Element>())
                .and_then(|e| e.factory())
                .map(|f| f.name().to_string())
                .unwrap_or_else(|| "pipeline".into());
            Some(format!("{element}: {}", err.error()))
        }
        MessageView::Eos(_) => Some("the camera stream ended".into()),
        _ => None,
    }
}
