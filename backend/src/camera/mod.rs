//! The camera: one supervisor task owns the GStreamer pipeline and its bus.
//! It builds and starts the pipeline, marks the camera live on the first
//! frame, and on any failure (bus error, end of stream, no frames for a
//! while) tears the pipeline down, shows the camera as offline with the
//! reason, and retries with exponential backoff until shutdown. Frames go
//! straight from the streaming thread into the latest-frame slot; the
//! supervisor only watches them.

pub mod pipeline;
pub mod source;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use gstreamer as gst;
use gstreamer::prelude::*;
use shared::{CameraState, CameraStatus, ViewSettings};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::CameraConfig;
use crate::frames::{self, FrameReceiver};
use crate::state::StateSender;
use pipeline::{Pipeline, Publisher, Spec};
use source::ResolvedSource;

/// First retry delay after a failure.
const BACKOFF_MIN: Duration = Duration::from_millis(500);
/// Longest retry delay.
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// How long a new pipeline may take to deliver its first frame.
const FIRST_FRAME_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a live pipeline may go without a frame before it counts as
/// stalled (clients see the camera offline within this time).
const STALL_TIMEOUT: Duration = Duration::from_secs(2);

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
}

/// The camera task has stopped (the server is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the camera is shutting down")]
pub struct CameraGone;

/// Cloneable access to the camera for the rest of the server.
#[derive(Clone)]
pub struct CameraHandle {
    frames: FrameReceiver,
    commands: mpsc::Sender<CameraCommand>,
}

impl CameraHandle {
    /// A receiver of the newest frame.
    pub fn frames(&self) -> FrameReceiver {
        self.frames.clone()
    }

    /// Changes grayscale and/or half resolution for every viewer, on the
    /// running pipeline and for every later restart.
    pub async fn set_view(
        &self,
        grayscale: Option<bool>,
        half_resolution: Option<bool>,
    ) -> Result<ViewSettings, CameraGone> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(CameraCommand::SetView {
                grayscale,
                half_resolution,
                reply,
            })
            .await
            .map_err(|_| CameraGone)?;
        answer.await.map_err(|_| CameraGone)
    }

    /// Stops (`true`) or resumes the test source's frames, as if the camera
    /// went silent; `Ok(false)` when the source is not the test source. The
    /// setting survives pipeline restarts until it is lifted.
    pub async fn simulate_stall(&self, stalled: bool) -> Result<bool, CameraGone> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(CameraCommand::SimulateStall { stalled, reply })
            .await
            .map_err(|_| CameraGone)?;
        answer.await.map_err(|_| CameraGone)
    }
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
        reason: None,
        view: ViewSettings::default(),
        focus: None,
        controls: Vec::new(),
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
    let spec = Spec {
        source,
        width: config.width,
        height: config.height,
        fps: config.fps,
        jpeg_quality: config.jpeg_quality,
    };
    let (commands, requests) = mpsc::channel(8);
    let supervisor = Supervisor {
        spec,
        view: ViewSettings::default(),
        stalled: false,
        publisher: Publisher::new(Arc::new(tx)),
        frames: rx.clone(),
        requests,
        state,
        shutdown,
    };
    tracker.spawn(supervisor.run());
    CameraHandle {
        frames: rx,
        commands,
    }
}

struct Supervisor {
    spec: Spec,
    /// View settings, re-applied to every new pipeline.
    view: ViewSettings,
    /// A simulated stall, re-applied to every new pipeline.
    stalled: bool,
    publisher: Publisher,
    frames: FrameReceiver,
    requests: mpsc::Receiver<CameraCommand>,
    state: StateSender,
    shutdown: CancellationToken,
}

/// How one pipeline run ended.
enum Outcome {
    Shutdown,
    Failed { reason: String, was_live: bool },
}

impl Supervisor {
    async fn run(mut self) {
        let mut delay = BACKOFF_MIN;
        // The state starts as `Starting`; after a failure it stays
        // `Offline` with the reason through the retries until frames flow.
        loop {
            match self.run_once().await {
                Outcome::Shutdown => break,
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
            loop {
                tokio::select! {
                    _ = self.shutdown.cancelled() => return self.stop(),
                    _ = &mut retry => break,
                    Some(command) = self.requests.recv() => self.handle(command, None),
                }
            }
            delay = (delay * 2).min(BACKOFF_MAX);
        }
        self.stop();
    }

    fn stop(&self) {
        self.publisher.clear();
        tracing::debug!("camera supervisor stopped");
    }

    /// Carries out a request, on the running pipeline if there is one.
    fn handle(&mut self, command: CameraCommand, pipeline: Option<&Pipeline>) {
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
        }
    }

    /// Builds, starts and watches one pipeline until it fails or shutdown.
    async fn run_once(&mut self) -> Outcome {
        let failed = |reason: String, was_live| Outcome::Failed { reason, was_live };
        let spec = self.spec.clone();
        let view = self.view;
        let stalled = self.stalled;
        let publisher = self.publisher.clone();
        let started = tokio::task::spawn_blocking(move || {
            let pipeline = Pipeline::build(&spec, view, publisher)?;
            pipeline.simulate_stall(stalled);
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
        self.frames.mark_unchanged();
        let mut live = false;
        let mut deadline = Instant::now() + FIRST_FRAME_TIMEOUT;
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
                Some(command) = self.requests.recv() => self.handle(command, Some(&pipeline)),
                changed = self.frames.changed() => {
                    if changed.is_err() {
                        break failed("the frame slot closed".into(), live);
                    }
                    deadline = Instant::now() + STALL_TIMEOUT;
                    if !live && self.frames.borrow_and_update().is_some() {
                        live = true;
                        tracing::info!(source = self.spec.source.kind.as_str(), "camera live");
                        self.set_status(CameraStatus::Live, None);
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    let waited = if live { STALL_TIMEOUT } else { FIRST_FRAME_TIMEOUT };
                    break failed(format!("no frames from the camera for {} s", waited.as_secs()), live);
                }
            }
        };
        // Stopping may wait for the device: keep it off the async threads.
        let _ = tokio::task::spawn_blocking(move || drop(pipeline)).await;
        outcome
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
