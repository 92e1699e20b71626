//! Recordings: start and stop, limits, and the catalogue entry. One
//! [`Recorder`] serves the whole server. Starting creates the catalogue
//! entry (status `recording`) and its file, starts an [`encoder::Encoder`]
//! and attaches it to the camera's recording tap. While it runs, a monitor
//! task re-sends the recorder state about once a second (elapsed time,
//! bytes, frames) and stops it at the configured size or duration. It also
//! ends when the encoder fails (full disk), when the camera is lost, or at
//! shutdown; each way the file is finished, the entry gets its duration,
//! frame count and size, and every client is told, with the reason when
//! it stopped early. While it runs, the heart rate and pulse waveform are
//! collected on the video's clock and stored with the entry when it ends.

pub mod encoder;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use shared::media::{CaptureMetadata, HeartTrace, MediaEntry, MediaStatus};
use shared::{ActiveRecording, CameraStatus, MediaEvent};
use tokio::sync::{Mutex, broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::camera::tap::RecordingTap;
use crate::catalogue::{Catalogue, CatalogueError};
use crate::config::RecordingConfig;
use crate::device::{DeviceHandle, Pulse};
use crate::state::StateSender;
use encoder::Encoder;

/// How often the recorder state is re-sent while recording.
const TICK: Duration = Duration::from_secs(1);

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
}

/// A recording in progress.
struct Active {
    entry: MediaEntry,
    path: PathBuf,
    started: Instant,
    frames: Arc<AtomicU64>,
    encoder: Encoder,
    /// Collects the heart rate and pulse until told to stop.
    trace: (oneshot::Sender<()>, JoinHandle<HeartTrace>),
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

/// Starts, stops and watches recordings; cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    active: Arc<Mutex<Option<Active>>>,
    /// Reasons a recording must end, from the tap or the encoder, tagged
    /// with the entry id they concern.
    ended: mpsc::UnboundedSender<(i64, String)>,
    catalogue: Catalogue,
    tap: RecordingTap,
    state: StateSender,
    media_events: broadcast::Sender<MediaEvent>,
    config: RecordingConfig,
    fps: u32,
    device: DeviceHandle,
    min_free_megabytes: u32,
}

impl Recorder {
    /// A recorder, and its monitor task to run until `shutdown` (when it
    /// finishes any recording).
    pub fn new(
        parts: RecorderParts,
        config: RecordingConfig,
        fps: u32,
        shutdown: CancellationToken,
    ) -> (Self, impl std::future::Future<Output = ()> + Send + 'static) {
        let (ended, ended_rx) = mpsc::unbounded_channel();
        let recorder = Recorder {
            active: Arc::new(Mutex::new(None)),
            ended,
            catalogue: parts.catalogue,
            tap: parts.tap,
            state: parts.state,
            media_events: parts.media_events,
            config,
            fps,
            device: parts.device,
            min_free_megabytes: parts.min_free_megabytes,
        };
        let monitor = recorder.clone().monitor(ended_rx, shutdown);
        (recorder, monitor)
    }

    /// The id of the entry being recorded, if any.
    pub async fn active_id(&self) -> Option<i64> {
        self.active.lock().await.as_ref().map(|a| a.entry.id)
    }

    /// Starts recording into a new catalogue entry.
    pub async fn start(
        &self,
        name: Option<&str>,
        date_label: &str,
        metadata: CaptureMetadata,
    ) -> Result<MediaEntry, RecordingError> {
        let mut active = self.active.lock().await;
        if let Some(current) = active.as_ref() {
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
        let failed = self.failure_reporter(entry.id);
        let (fps, bitrate) = (self.fps, self.config.bitrate_kbps);
        let file = path.clone();
        let started =
            tokio::task::spawn_blocking(move || Encoder::start(&file, fps, bitrate, failed))
                .await
                .map_err(|e| encoder::EncoderError(e.to_string()))
                .and_then(|r| r);
        let encoder = match started {
            Ok(encoder) => encoder,
            Err(err) => {
                if let Err(cleanup) = self.catalogue.delete(entry.id).await {
                    tracing::warn!(%cleanup, "cannot remove the entry of a failed recording");
                }
                return Err(err.into());
            }
        };
        let frames = Arc::new(AtomicU64::new(0));
        let cut = self.ended.clone();
        let id = entry.id;
        self.tap
            .attach(encoder.input(), frames.clone(), move |reason| {
                let _ = cut.send((id, reason));
            });
        tracing::info!(file = %entry.file_name, "recording started");
        let _ = self.media_events.send(MediaEvent::Added {
            entry: Box::new(entry.clone()),
        });
        let started = Instant::now();
        let (stop_trace, stop) = oneshot::channel();
        let collector = tokio::spawn(collect_trace(
            started,
            self.state.subscribe(),
            self.device.pulses(),
            stop,
        ));
        *active = Some(Active {
            entry: entry.clone(),
            path,
            started,
            frames,
            encoder,
            trace: (stop_trace, collector),
        });
        self.publish(active.as_ref(), None);
        Ok(entry)
    }

    /// Stops the recording and returns its finished entry.
    pub async fn stop(&self) -> Result<MediaEntry, RecordingError> {
        let mut active = self.active.lock().await;
        let current = active.take().ok_or(RecordingError::NotRecording)?;
        self.finish(current, None).await
    }

    /// Sends `(id, reason)` to the monitor when the encoder fails.
    fn failure_reporter(&self, id: i64) -> mpsc::UnboundedSender<String> {
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        let ended = self.ended.clone();
        tokio::spawn(async move {
            if let Some(reason) = rx.recv().await {
                let _ = ended.send((id, reason));
            }
        });
        tx
    }

    /// Finishes the file and the entry; `reason` says why it stopped when
    /// nobody asked it to.
    async fn finish(
        &self,
        current: Active,
        reason: Option<String>,
    ) -> Result<MediaEntry, RecordingError> {
        self.tap.detach();
        current.encoder.finish().await;
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
        self.publish(None, reason);
        let entry = finished?;
        let _ = self.media_events.send(MediaEvent::Updated {
            entry: Box::new(entry.clone()),
        });
        Ok(entry)
    }

    /// Puts the recorder state in the state every client sees.
    fn publish(&self, active: Option<&Active>, error: Option<String>) {
        let shown = active.map(|a| ActiveRecording {
            id: a.entry.id,
            file_name: a.entry.file_name.clone(),
            elapsed_ms: u64::try_from(a.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            bytes: std::fs::metadata(&a.path).map_or(0, |m| m.len()),
            frames: a.frames.load(Ordering::Relaxed),
        });
        self.state.send_modify(|s| {
            s.recording.active = shown;
            if active.is_some() || error.is_some() {
                s.recording.error = error;
            }
        });
    }

    /// Re-sends progress, enforces the limits, and ends recordings on
    /// failures and at shutdown.
    async fn monitor(
        self,
        mut ended: mpsc::UnboundedReceiver<(i64, String)>,
        shutdown: CancellationToken,
    ) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some((id, reason)) = ended.recv() => self.end_if_current(id, reason).await,
                _ = tick.tick() => self.check_progress().await,
            }
        }
        if let Err(RecordingError::Catalogue(err)) = self.stop().await {
            tracing::error!(%err, "cannot complete the recording's entry at shutdown");
        }
    }

    async fn end_if_current(&self, id: i64, reason: String) {
        let mut active = self.active.lock().await;
        if active.as_ref().is_some_and(|a| a.entry.id == id)
            && let Some(current) = active.take()
            && let Err(err) = self.finish(current, Some(reason)).await
        {
            tracing::error!(%err, "cannot complete the recording's entry");
        }
    }

    async fn check_progress(&self) {
        let mut active = self.active.lock().await;
        let Some(current) = active.as_ref() else {
            return;
        };
        let bytes = std::fs::metadata(&current.path).map_or(0, |m| m.len());
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
            crate::disk::below_floor(self.catalogue.dir(), self.min_free_megabytes)
                .map(|why| format!("stopped: {why}"))
        };
        match limit {
            Some(reason) => {
                if let Some(current) = active.take()
                    && let Err(err) = self.finish(current, Some(reason)).await
                {
                    tracing::error!(%err, "cannot complete the recording's entry");
                }
            }
            None => self.publish(active.as_ref(), None),
        }
    }
}
