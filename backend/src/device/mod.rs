//! The light and heart-rate device. [`spawn`] starts what the configured
//! mode needs: the serial link task for a board running this project's
//! firmware or the original sketch, or the simulator behind a real
//! pseudo-terminal for the demo. The rest of the server talks to it through
//! a [`DeviceHandle`]; its state is part of the state every client sees,
//! and pulse waveform batches are broadcast to every client.

pub mod light;
pub mod link;
pub mod spi;

use shared::device::{DeviceMode, LightState};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::DeviceConfig;
use crate::state::StateSender;
use light::{BadColor, LightRequest};
use link::{Dialect, Link, LinkCommand};

/// A batch of pulse waveform samples for the clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulse {
    /// Raw sensor values, oldest first.
    pub samples: Vec<u16>,
    /// Samples per second.
    pub rate_hz: u16,
    /// When the batch arrived from the board (µs since the Unix epoch).
    pub received_us: u64,
}

/// Why a light request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// No device is configured.
    #[error("no light device is configured (device.mode = none)")]
    NotConfigured,
    /// The device is not connected now.
    #[error("the light device is disconnected: {0}")]
    Disconnected(String),
    /// The board did not confirm in time.
    #[error("the light device did not confirm the change within 1 s")]
    NoConfirmation,
    /// The board set something else.
    #[error("the light device refused: {0}")]
    Refused(String),
    /// The colour could not be read.
    #[error(transparent)]
    BadColor(#[from] BadColor),
    /// The server is shutting down.
    #[error("the server is shutting down")]
    Gone,
}

/// Cloneable access to the device.
#[derive(Clone)]
pub struct DeviceHandle {
    commands: Option<mpsc::Sender<LinkCommand>>,
    state: StateSender,
    pulses: broadcast::Sender<Pulse>,
}

impl DeviceHandle {
    /// Receives every pulse batch from now on.
    pub fn pulses(&self) -> broadcast::Receiver<Pulse> {
        self.pulses.subscribe()
    }

    /// Changes the light; answers with the state the device confirmed.
    pub async fn set_light(&self, request: LightRequest) -> Result<LightState, DeviceError> {
        let commands = self.commands.as_ref().ok_or(DeviceError::NotConfigured)?;
        // A bad colour is refused here; the link applies the change to the
        // newest light asked for.
        light::apply(&request, self.state.borrow().device.light)?;
        let (reply, answer) = oneshot::channel();
        commands
            .send(LinkCommand::SetLight { request, reply })
            .await
            .map_err(|_| DeviceError::Gone)?;
        answer.await.map_err(|_| DeviceError::Gone)?
    }
}

/// Starts the device side for `config` on `tracker`; it ends on `shutdown`.
pub fn spawn(
    config: &DeviceConfig,
    state: StateSender,
    shutdown: CancellationToken,
    tracker: &TaskTracker,
) -> DeviceHandle {
    let mode = config.effective_mode();
    let pulses = broadcast::channel(64).0;
    let mut path = config.path_for(mode);
    if mode == DeviceMode::Demo {
        // The simulator runs the firmware core behind a real pty; the link
        // talks to it exactly as to a board.
        let options = rig_sim::Options {
            signal: rig_sim::Signal::synthetic(config.demo_bpm as f32),
            ..Default::default()
        };
        match rig_sim::Simulator::start(options) {
            Ok(simulator) => {
                path = simulator.tty().map(|p| p.display().to_string());
                let stop = shutdown.clone();
                tracker.spawn(async move {
                    stop.cancelled().await;
                    let _ = tokio::task::spawn_blocking(move || drop(simulator)).await;
                });
            }
            Err(err) => {
                tracing::warn!(%err, "cannot start the simulated light board");
                state.send_modify(|s| {
                    s.device.reason = Some(format!("cannot start the simulator: {err}"));
                });
            }
        }
    }
    state.send_modify(|s| {
        s.device.mode = mode;
        s.device.port = path.clone();
    });
    let (commands, requests) = mpsc::channel(8);
    let dialect = match mode {
        DeviceMode::Serial | DeviceMode::Demo => Dialect::Current,
        DeviceMode::Legacy => Dialect::Legacy,
        DeviceMode::Spi => {
            let spi = spi::SpiLight {
                path: path.unwrap_or_default(),
                leds: config.leds as usize,
                rgbw: config.rgbw,
                state: state.clone(),
                commands: requests,
                shutdown,
            };
            tracker.spawn(spi.run());
            return DeviceHandle {
                commands: Some(commands),
                state,
                pulses,
            };
        }
        DeviceMode::None => {
            return DeviceHandle {
                commands: None,
                state,
                pulses,
            };
        }
    };
    let link = Link {
        path: path.unwrap_or_default(),
        baud: config.baud_for(mode),
        dialect,
        state: state.clone(),
        commands: requests,
        pulses: pulses.clone(),
        shutdown,
    };
    tracker.spawn(link.run());
    DeviceHandle {
        commands: Some(commands),
        state,
        pulses,
    }
}
