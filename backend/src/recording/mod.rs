//! Recordings: start and stop, limits, and the catalogue entry. One
//! recorder task owns the recording in progress (there is no lock around
//! it); the rest of the server holds cloneable [`Recorder`] handles that
//! send it commands over a bounded channel and get each answer back on a
//! oneshot, as the camera's supervisor does. Starting creates the
//! catalogue entry (status `recording`) and its file, starts an
//! [`encoder::Encoder`] and attaches it to the camera's recording tap.
//! While it runs, the task re-sends the recorder state about once a second
//! (elapsed time, bytes, frames) and stops it at the configured size or
//! duration or the media disk's free-space floor. It also ends when the
//! encoder fails (a full disk: the task reads the encoder's bus itself),
//! when the camera cuts the tap (the tap's callback, on the camera's side,
//! `try_send`s the reason on a small bounded channel, never blocking), or
//! at shutdown; each way the file is finished, the entry gets its duration,
//! frame count and size, and every client is told, with the reason when it
//! stopped early. While it runs, a collector task gathers the heart rate
//! and pulse waveform on the video's clock; they are stored with the entry
//! when it ends.
//!
//! The task does one thing at a time: while it waits for an encoder to
//! start, for a file's end of stream (at most 5 s) or for the database, the
//! next start or stop waits too. [`Recorder::active_id`] never waits for
//! it: it reads the id the task publishes (set as soon as the entry
//! exists, cleared once it is finished). Every task the recorder starts
//! (its own, the collector, its blocking file and pipeline calls) runs on
//! the [`TaskTracker`] it is spawned on (the server's), and each has ended
//! by the time the recording it belongs to has; at shutdown the task
//! finishes any recording and returns, and later requests are answered
//! [`RecordingError::Gone`].

pub mod encoder;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use shared::media::{CaptureMetadata, HeartTrace, MediaEntry, MediaStatus};
use shared::{ActiveRecording, CameraStatus, MediaEvent};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::camera::tap::RecordingTap;
use crate::catalogue::{Catalogue, CatalogueError};
use crate::config::RecordingConfig;
use crate::device::{DeviceHandle, Pulse};
use crate::state::StateSender;
use encoder::Encoder;

/// How often the recorder state is re-sent while recording.
const TICK: Duration = Duration::from_secs(1);
/// Commands that may wait for the recorder task.
const COMMAND_QUEUE: usize = 8;
/// Cuts of the tap that may wait for the recorder task. The tap calls back
/// at most once per attached recording and only the current one is
/// attached, so this is never full.
const CUT_QUEUE: usize = 4;

/// Why a recording could not be started or stopped.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// One is already running.
    #[error("already recording {0}; stop it first")]
    Busy(String),
    /// Nothing to stop.
    #[error("no recording is running")]
    NotRecording,
    /// The camera is not delivering frames.
    #[error("cannot record: the camera is not live")]
    CameraNotLive,
    /// Something recording needs is not installed (found at start-up).
    #[error("cannot record: {0}")]
    NotInstalled(String),
    /// The encoder could not start.
    #[error(transparent)]
    Encoder(#[from] encoder::EncoderError),
    /// The catalogue failed.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// The recorder task has stopped (the server is shutting down).
    #[error("the recorder is shutting down")]
    Gone,
}

/// Requests handled by the recorder task, the recording's one owner.
enum Command {
    /// Start recording; answered with the new entry.
    Start {
        name: Option<String>,
        date_label: String,
        metadata: CaptureMetadata,
        reply: oneshot::Sender<Result<MediaEntry, RecordingError>>,
    },
    /// Stop recording; answered with the finished entry.
    Stop {
        reply: oneshot::Sender<Result<MediaEntry, RecordingError>>,
    },
}

/// A recording in progress.
struct Active {
    entry: MediaEntry,
    path: PathBuf,
    started: Instant,
    frames: Arc<AtomicU64>,
    encoder: Encoder,
    /// Collects the heart rate and pulse until told to stop (or until the
    /// sender is dropped with the recording).
    trace: (oneshot::Sender<()>, JoinHandle<HeartTrace>),
}

/// What a recorder works with.
pub struct RecorderParts {
    /// Where recordings are catalogued.
    pub catalogue: Catalogue,
    /// The camera's raw frames.
    pub tap: RecordingTap,
    /// The state every client sees.
    pub state: StateSender,
    /// Catalogue changes for every client.
    pub media_events: broadcast::Sender<MediaEvent>,
    /// The heart-rate device, recorded alongside.
    pub device: DeviceHandle,
    /// Free space (MB) the media disk keeps; a recording stops below it.
    pub min_free_megabytes: u32,
}

/// Starts and stops recordings through the recorder task; cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    commands: mpsc::Sender<Command>,
    /// The id of the entry the task holds, as it publishes it.
    active: watch::Receiver<Option<i64>>,
}

impl Recorder {
    /// Starts the recorder task on `tasks` (where it also runs everything
    /// it starts); it ends when `shutdown` is cancelled, after finishing
    /// any recording. Returns the handle.
    pub fn spawn(
        parts: RecorderParts,
        config: RecordingConfig,
        fps: u32,
        shutdown: CancellationToken,
        tasks: &TaskTracker,
    ) -> Recorder {
        let (commands, requests) = mpsc::channel(COMMAND_QUEUE);
        let (cut_sender, cuts) = mpsc::channel(CUT_QUEUE);
        let (active_id, active) = watch::channel(None);
        let owner = Owner {
            catalogue: parts.catalogue,
            tap: parts.tap,
            state: parts.state,
            media_events: parts.media_events,
            device: parts.device,
            min_free_megabytes: parts.min_free_megabytes,
            config,
            fps,
            requests,
            cuts,
            cut_sender,
            active_id,
            tasks: tasks.clone(),
            shutdown,
            active: None,
        };
        tasks.spawn(owner.run());
        Recorder { commands, active }
    }

    /// The id of the entry being recorded (from its creation until it is
    /// finished), if any. Answers at once, even while the recorder task is
    /// busy starting or finishing a recording.
    pub async fn active_id(&self) -> Option<i64> {
        // The task clears the id before it ends; if it died instead, it
        // holds no recording either.
        if self.active.has_changed().is_err() {
            return None;
        }
        *self.active.borrow()
    }

    /// Starts recording into a new catalogue entry.
    pub async fn start(
        &self,
        name: Option<&str>,
        date_label: &str,
        metadata: CaptureMetadata,
    ) -> Result<MediaEntry, RecordingError> {
        let name = name.map(str::to_owned);
        let date_label = date_label.to_owned();
        self.ask(|reply| Command::Start {
            name,
            date_label,
            metadata,
            reply,
        })
        .await?
    }

    /// Stops the recording and returns its finished entry.
    pub async fn stop(&self) -> Result<MediaEntry, RecordingError> {
        self.ask(|reply| Command::Stop { reply }).await?
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, RecordingError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| RecordingError::Gone)?;
        answer.await.map_err(|_| RecordingError::Gone)
    }
}

/// The recorder task: owns the recording in progress.
struct Owner {
    catalogue: Catalogue,
    tap: RecordingTap,
    state: StateSender,
    media_events: broadcast::Sender<MediaEvent>,
    device: DeviceHandle,
    min_free_megabytes: u32,
    config: RecordingConfig,
    fps: u32,
    requests: mpsc::Receiver<Command>,
    /// Reasons the camera side cut the tap, tagged with the entry id they
    /// concern.
    cuts: mpsc::Receiver<(i64, String)>,
    cut_sender: mpsc::Sender<(i64, String)>,
    /// The id of the entry held, for [`Recorder::active_id`].
    active_id: watch::Sender<Option<i64>>,
    /// Where everything the recorder starts runs.
    tasks: TaskTracker,
    shutdown: CancellationToken,
    active: Option<Active>,
}

/// Resolves with the reason when the running recording's encoder fails;
/// never without one.
async fn encoder_failure(active: &mut Option<Active>) -> String {
    match active {
        Some(current) => current.encoder.failure().await,
        None => std::future::pending().await,
    }
}

/// What clients see of the recording in progress.
fn shown(current: &Active, bytes: u64) -> ActiveRecording {
    ActiveRecording {
        id: current.entry.id,
        file_name: current.entry.file_name.clone(),
        elapsed_ms: u64::try_from(current.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        bytes,
        frames: current.frames.load(Ordering::Relaxed),
    }
}

impl Owner {
    /// Handles commands, re-sends progress, enforces the limits, and ends
    /// recordings on failures; at shutdown finishes any recording.
    async fn run(mut self) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => break,
                Some(command) = self.requests.recv() => self.handle(command).await,
                Some((id, reason)) = self.cuts.recv() => self.end_if_current(id, reason).await,
                reason = encoder_failure(&mut self.active) => self.end(reason).await,
                _ = tick.tick() => self.check_progress().await,
            }
        }
        // Later commands (and any still queued, when `self` is dropped)
        // are answered with `Gone`.
        self.requests.close();
        if let Some(current) = self.active.take()
            && let Err(err) = self.finish(current, None).await
        {
            tracing::error!(%err, "cannot complete the recording's entry at shutdown");
        }
        tracing::debug!("recorder stopped");
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Start {
                name,
                date_label,
                metadata,
                reply,
            } => {
                let result = self.start(name.as_deref(), &date_label, metadata).await;
                let _ = reply.send(result);
            }
            Command::Stop { reply } => {
                let result = match self.active.take() {
                    Some(current) => self.finish(current, None).await,
                    None => Err(RecordingError::NotRecording),
                };
                let _ = reply.send(result);
            }
        }
    }

    /// Starts recording into a new catalogue entry.
    async fn start(
        &mut self,
        name: Option<&str>,
        date_label: &str,
        metadata: CaptureMetadata,
    ) -> Result<MediaEntry, RecordingError> {
        if let Some(current) = self.active.as_ref() {
            return Err(RecordingError::Busy(current.entry.file_name.clone()));
        }
        let missing = self
            .state
            .borrow()
            .unavailable_reason(shared::Feature::Recording)
            .map(str::to_owned);
        if let Some(reason) = missing {
            return Err(RecordingError::NotInstalled(reason));
        }
        if self.state.borrow().camera.status != CameraStatus::Live {
            return Err(RecordingError::CameraNotLive);
        }
        let (entry, path) = self
            .catalogue
            .begin_recording(name, date_label, metadata)
            .await?;
        self.active_id.send_replace(Some(entry.id));
        let (fps, bitrate) = (self.fps, self.config.bitrate_kbps);
        let file = path.clone();
        let started = self
            .tasks
            .spawn_blocking(move || Encoder::start(&file, fps, bitrate))
            .await
            .map_err(|e| encoder::EncoderError(e.to_string()))
            .and_then(|r| r);
        let encoder = match started {
            Ok(encoder) => encoder,
            Err(err) => {
                if let Err(cleanup) = self.catalogue.delete(entry.id).await {
                    tracing::warn!(%cleanup, "cannot remove the entry of a failed recording");
                }
                self.active_id.send_replace(None);
                return Err(err.into());
            }
        };
        let frames = Arc::new(AtomicU64::new(0));
        let cut = self.cut_sender.clone();
        let id = entry.id;
        self.tap
            .attach(encoder.input(), frames.clone(), move |reason| {
                // Called on the camera's side: never block it.
                if let Err(mpsc::error::TrySendError::Full(_)) = cut.try_send((id, reason)) {
                    tracing::warn!("the recorder has too many cuts queued; one is dropped");
                }
            });
        tracing::info!(file = %entry.file_name, "recording started");
        let _ = self.media_events.send(MediaEvent::Added {
            entry: Box::new(entry.clone()),
        });
        let started = Instant::now();
        let (stop_trace, stop) = oneshot::channel();
        let collector = self.tasks.spawn(collect_trace(
            started,
            self.state.subscribe(),
            self.device.pulses(),
            stop,
        ));
        let current = Active {
            entry: entry.clone(),
            path,
            started,
            frames,
            encoder,
            trace: (stop_trace, collector),
        };
        let bytes = self.file_size(&current.path).await;
        self.publish(Some(shown(&current, bytes)), None);
        self.active = Some(current);
        Ok(entry)
    }

    /// Finishes the file and the entry; `reason` says why it stopped when
    /// nobody asked it to.
    async fn finish(
        &self,
        current: Active,
        reason: Option<String>,
    ) -> Result<MediaEntry, RecordingError> {
        self.tap.detach();
        current.encoder.finish(&self.tasks).await;
        let (stop_trace, collector) = current.trace;
        let _ = stop_trace.send(());
        if let Ok(trace) = collector.await
            && !(trace.bpm.is_empty() && trace.pulse.is_empty())
            && let Err(err) = self
                .catalogue
                .save_heart_trace(current.entry.id, &trace)
                .await
        {
            tracing::warn!(%err, "cannot store the recording's heart trace");
        }
        let finished = self
            .catalogue
            .finish_recording(current.entry.id, MediaStatus::Complete)
            .await;
        match &reason {
            Some(reason) => {
                tracing::warn!(file = %current.entry.file_name, %reason, "recording stopped")
            }
            None => tracing::info!(file = %current.entry.file_name, "recording stopped"),
        }
        self.active_id.send_replace(None);
        self.publish(None, reason);
        let entry = finished?;
        let _ = self.media_events.send(MediaEvent::Updated {
            entry: Box::new(entry.clone()),
        });
        Ok(entry)
    }

    /// Ends the running recording, if any, for `reason`.
    async fn end(&mut self, reason: String) {
        if let Some(current) = self.active.take()
            && let Err(err) = self.finish(current, Some(reason)).await
        {
            tracing::error!(%err, "cannot complete the recording's entry");
        }
    }

    /// Ends the running recording for `reason` if it is entry `id` (a cut
    /// may concern one that has already ended).
    async fn end_if_current(&mut self, id: i64, reason: String) {
        if self.active.as_ref().is_some_and(|a| a.entry.id == id) {
            self.end(reason).await;
        }
    }

    /// Re-sends progress, or ends the recording at a limit.
    async fn check_progress(&mut self) {
        let Some(current) = self.active.as_ref() else {
            return;
        };
        let bytes = self.file_size(&current.path).await;
        let elapsed = current.started.elapsed();
        let limit = if elapsed >= Duration::from_secs(u64::from(self.config.max_seconds)) {
            Some(format!(
                "stopped at the maximum duration of {} s (recording.max_seconds)",
                self.config.max_seconds
            ))
        } else if bytes >= u64::from(self.config.max_megabytes) * 1_000_000 {
            Some(format!(
                "stopped at the maximum size of {} MB (recording.max_megabytes)",
                self.config.max_megabytes
            ))
        } else {
            let (dir, floor) = (self.catalogue.dir().to_owned(), self.min_free_megabytes);
            self.tasks
                .spawn_blocking(move || crate::disk::below_floor(&dir, floor))
                .await
                .ok()
                .flatten()
                .map(|why| format!("stopped: {why}"))
        };
        match limit {
            Some(reason) => self.end(reason).await,
            None => {
                if let Some(current) = self.active.as_ref() {
                    self.publish(Some(shown(current, bytes)), None);
                }
            }
        }
    }

    /// The size of the file at `path` (0 if it cannot be read), asked on a
    /// blocking thread.
    async fn file_size(&self, path: &Path) -> u64 {
        let path = path.to_owned();
        self.tasks
            .spawn_blocking(move || std::fs::metadata(&path).map_or(0, |m| m.len()))
            .await
            .unwrap_or(0)
    }

    /// Puts the recorder state in the state every client sees: `shown`
    /// while recording (clearing an earlier error), else none, with
    /// `error` when it stopped early.
    fn publish(&self, shown: Option<ActiveRecording>, error: Option<String>) {
        self.state.send_modify(|s| {
            if shown.is_some() || error.is_some() {
                s.recording.error = error;
            }
            s.recording.active = shown;
        });
    }
}

/// Collects beats (from the state) and pulse batches, timed from
/// `started`, until `stop`.
async fn collect_trace(
    started: Instant,
    mut state: tokio::sync::watch::Receiver<shared::ServerState>,
    mut pulses: broadcast::Receiver<Pulse>,
    mut stop: oneshot::Receiver<()>,
) -> HeartTrace {
    let mut trace = HeartTrace::default();
    let mut beats = state.borrow_and_update().device.heart.beats;
    let since = |started: Instant| u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            changed = state.changed() => {
                if changed.is_err() {
                    break;
                }
                let (count, bpm, interval) = {
                    let heart = &state.borrow_and_update().device.heart;
                    (heart.beats, heart.bpm, heart.interval_ms)
                };
                if count != beats {
                    beats = count;
                    let at = since(started);
                    if let Some(bpm) = bpm {
                        trace.bpm.push((at, bpm));
                    }
                    if let Some(interval) = interval {
                        trace.intervals.push((at, interval));
                    }
                }
            }
            pulse = pulses.recv() => match pulse {
                Ok(pulse) => {
                    if trace.pulse.is_empty() {
                        let rate = u32::from(pulse.rate_hz.max(1));
                        let span = pulse.samples.len() as u32 * 1000 / rate;
                        trace.pulse_rate_hz = pulse.rate_hz;
                        trace.pulse_start_ms = since(started).saturating_sub(span);
                    }
                    trace.pulse.extend_from_slice(&pulse.samples);
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    trace
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A handle whose task is `requests` and `active_id`.
    fn handle() -> (
        Recorder,
        mpsc::Receiver<Command>,
        watch::Sender<Option<i64>>,
    ) {
        let (commands, requests) = mpsc::channel(COMMAND_QUEUE);
        let (active_id, active) = watch::channel(None);
        (Recorder { commands, active }, requests, active_id)
    }

    #[tokio::test]
    async fn the_active_id_is_what_the_task_published_until_it_ends() {
        let (recorder, requests, active_id) = handle();
        assert_eq!(recorder.active_id().await, None);
        active_id.send_replace(Some(7));
        assert_eq!(recorder.active_id().await, Some(7));
        drop((requests, active_id));
        assert_eq!(recorder.active_id().await, None);
    }

    #[tokio::test]
    async fn requests_to_a_stopped_recorder_are_answered_gone() {
        let (recorder, mut requests, _active_id) = handle();
        // A task that ends while a request waits for its answer.
        let task = tokio::spawn(async move {
            let command = requests.recv().await;
            drop(command);
        });
        assert!(matches!(recorder.stop().await, Err(RecordingError::Gone)));
        task.await.unwrap();
        // A task that has ended.
        let started = recorder
            .start(Some("x"), "", CaptureMetadata::default())
            .await;
        assert!(matches!(started, Err(RecordingError::Gone)));
    }
}
