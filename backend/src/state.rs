//! Shared application state: the one [`AppState`] every handler receives,
//! and the server-state channel whose every change is pushed to all
//! WebSocket clients.

use std::path::PathBuf;
use std::sync::Arc;

use shared::{MediaEvent, ServerState};
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::actions::Registry;
use crate::camera::CameraHandle;
use crate::catalogue::Catalogue;
use crate::device::DeviceHandle;
use crate::recording::Recorder;

/// Sending side of the server state; cheap to clone.
pub type StateSender = Arc<watch::Sender<ServerState>>;

/// What every request handler and WebSocket session shares.
#[derive(Clone)]
pub struct AppState {
    /// The camera: frames and (through `state`) its status.
    pub camera: CameraHandle,
    /// The state every client sees; changes are broadcast.
    pub state: StateSender,
    /// The media catalogue.
    pub catalogue: Catalogue,
    /// Starts and stops recordings.
    pub recorder: Recorder,
    /// The light and heart-rate device.
    pub device: DeviceHandle,
    /// Catalogue changes, pushed to every WebSocket client.
    pub media_events: broadcast::Sender<MediaEvent>,
    /// Named camera actions (`snapshot`, ...).
    pub actions: Registry,
    /// Cancelled when the server shuts down; long-lived streams end on it.
    pub shutdown: CancellationToken,
    /// Tracks WebSocket sessions so shutdown can wait for them.
    pub tasks: TaskTracker,
    /// Folder with the built web app.
    pub frontend_dir: PathBuf,
    /// Origins besides the server's own whose pages may change things.
    pub allowed_origins: Vec<String>,
    /// Free space (MB) the media disk keeps; captures stop below it.
    pub min_free_megabytes: u32,
    /// One permit per WebSocket viewer allowed at once.
    pub viewer_slots: std::sync::Arc<tokio::sync::Semaphore>,
    /// Commands one WebSocket connection may send per second.
    pub commands_per_second: u32,
    /// Largest WebSocket text message in bytes.
    pub max_message_bytes: usize,
    /// Largest HTTP request body in bytes.
    pub max_body_bytes: usize,
    /// Whether the original app's state-changing URLs work (with `?key=`).
    pub original_urls: bool,
    /// Keys, sessions and API tokens.
    pub auth: crate::auth::Auth,
    /// Host names besides the machine's own the server answers to.
    pub allowed_hosts: std::sync::Arc<Vec<String>>,
    /// HTTPS, when on: plain HTTP is redirected, and the local authority
    /// (if the certificate comes from it) is served at `/ca.crt`.
    pub tls: Option<std::sync::Arc<crate::tls::Public>>,
    /// Reboot, shutdown, the system log and the server's restart.
    pub system: crate::system::System,
}

impl AppState {
    /// Tells every client about a catalogue change (nobody listening is
    /// fine).
    pub fn media_changed(&self, event: MediaEvent) {
        let _ = self.media_events.send(event);
    }

    /// Adds `delta` to the viewer count and broadcasts the new state.
    pub fn add_viewers(&self, delta: i32) {
        self.state.send_modify(|s| {
            s.viewers = s.viewers.saturating_add_signed(delta);
        });
    }
}

/// Keeps a WebSocket viewer counted while it lives.
pub struct ViewerGuard(AppState);

impl ViewerGuard {
    /// Counts a new viewer until the guard is dropped.
    pub fn new(app: &AppState) -> Self {
        app.add_viewers(1);
        ViewerGuard(app.clone())
    }
}

impl Drop for ViewerGuard {
    fn drop(&mut self) {
        self.0.add_viewers(-1);
    }
}
