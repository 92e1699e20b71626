//! camrig: a camera rig server. A GStreamer pipeline captures the camera and
//! encodes each frame once, to JPEG and to H.264, only while someone takes
//! that form; the frames fan out to WebSocket viewers (the Leptos web app),
//! MJPEG clients and an optional restream to a media server; text commands
//! on the WebSocket go through one dispatcher. [`Server::bind`] then
//! [`Server::run`] (or [`run`]) is the whole server; `main.rs` only parses
//! flags and signals.
//!
//! Data path: [`camera::pipeline`] -> [`frames`] (latest-frame slot for
//! JPEG, a shared ring for H.264) -> [`ws`] writer / [`http`] MJPEG stream
//! / [`restream`]. Command path: [`ws`] reader -> [`dispatch`] -> reply to
//! the sender, state changes broadcast through [`state`].

pub mod actions;
pub mod allocator;
pub mod audit;
pub mod auth;
pub mod camera;
pub mod catalogue;
pub mod compat;
pub mod config;
pub mod csp;
pub mod device;
pub mod disk;
pub mod dispatch;
pub mod elements;
pub mod error;
pub mod extract;
pub mod frames;
pub mod guard;
pub mod hashed_name;
pub mod http;
pub mod legacy;
pub mod logs;
pub mod media_api;
pub mod media_cli;
pub mod openapi;
pub mod recording;
pub mod requirements;
pub mod restream;
pub mod serve;
pub mod state;
pub mod system;
pub mod tls;
pub mod web_app;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use shared::ServerState;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::Config;
use state::AppState;

/// How long shutdown waits for sessions and the camera to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Why the server could not start or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// GStreamer could not be initialised.
    #[error("cannot initialise GStreamer: {0}")]
    Gstreamer(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The media catalogue could not be opened.
    #[error("cannot open the media catalogue ({url}): {source}")]
    Catalogue {
        /// The database URL.
        url: String,
        /// What failed.
        source: catalogue::CatalogueError,
    },
    /// The operator key or the API tokens could not be read or stored.
    #[error("cannot set up operator access: {0}")]
    Auth(#[from] auth::files::FileError),
    /// The original app's database could not be moved aside.
    #[error("cannot upgrade the original app's media folder: {0}")]
    Legacy(#[from] legacy::LegacyError),
    /// HTTPS could not be set up.
    #[error("cannot set up HTTPS: {0}")]
    Tls(#[from] tls::TlsError),
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    app: AppState,
    tasks: TaskTracker,
    camera_shutdown: CancellationToken,
    recorder: recording::Recorder,
    operator_key: auth::OperatorKey,
    idle: Duration,
    /// HTTPS, when `tls.mode` is on.
    tls: Option<tls::Tls>,
}

impl Server {
    /// Initialises GStreamer, resolves the camera, starts the camera
    /// supervisor and binds the listen address.
    pub async fn bind(config: Config) -> Result<Server, ServerError> {
        gstreamer::init().map_err(|e| ServerError::Gstreamer(e.to_string()))?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let setting = config.camera.clone();
        let source = tokio::task::spawn_blocking(move || camera::source::resolve(&setting))
            .await
            .map_err(|e| ServerError::Gstreamer(e.to_string()))?;
        let state = Arc::new(
            watch::channel(ServerState {
                camera: camera::initial_state(&config.camera, &source),
                viewers: 0,
                recording: Default::default(),
                device: Default::default(),
                unavailable: elements::check(),
                restream: None,
            })
            .0,
        );
        if !config.frontend_dir.join("index.html").is_file() {
            tracing::warn!(dir = %config.frontend_dir.display(), "no built web app found; only the API and streams are served");
        }
        let url = config.media.database_url();
        // The original app's media.db sits where the catalogue's goes: it
        // is moved aside and its media catalogued (logged) before the
        // catalogue opens, as everywhere the catalogue is opened.
        let say: legacy::Say = Arc::new(|line: &str| {
            tracing::info!("import of the original app: {}", line.trim());
        });
        let (catalogue, _) =
            legacy::open_catalogue(&url, &config.media.dir, legacy::Backups::Unfinished, &say)
                .await
                .map_err(|err| match err {
                    legacy::LegacyError::Catalogue(source) => ServerError::Catalogue {
                        url: url.clone(),
                        source,
                    },
                    other => ServerError::Legacy(other),
                })?;
        match catalogue.reconcile(true).await {
            Ok(report) => tracing::info!(
                missing = report.missing.len(),
                restored = report.restored.len(),
                finished_deletions = report.deleted.len(),
                interrupted_recordings = report.interrupted.len(),
                untracked = report.untracked.len(),
                "media catalogue ready"
            ),
            Err(err) => tracing::warn!(%err, "media catalogue reconciliation failed"),
        }
        let (auth, operator_key) = auth::Auth::open(&config.auth, &config.media.dir)?;
        match auth.take_over_sessions() {
            Ok(0) => {}
            Ok(kept) => tracing::info!(kept, "logins kept over the restart"),
            Err(err) => tracing::warn!(%err, "cannot take over the logins of the restart"),
        }
        let tls = tls::Tls::setup(&config.tls, &config.media.dir, &config.allowed_hosts)?;
        let tasks = TaskTracker::new();
        let camera_shutdown = CancellationToken::new();
        if let Some(tls) = &tls {
            tls.spawn_renewal(&tasks, camera_shutdown.clone());
        }
        let camera = camera::spawn(
            &config.camera,
            source,
            state.clone(),
            camera_shutdown.clone(),
            &tasks,
        );
        if let Some(target) = config.restream.clone() {
            restream::spawn(
                target,
                camera.clone(),
                state.clone(),
                camera_shutdown.clone(),
                &tasks,
            );
        }
        let media_events = tokio::sync::broadcast::channel(64).0;
        let device = device::spawn(
            &config.device,
            state.clone(),
            camera_shutdown.clone(),
            &tasks,
        );
        let parts = recording::RecorderParts {
            catalogue: catalogue.clone(),
            tap: camera.tap().clone(),
            state: state.clone(),
            media_events: media_events.clone(),
            device: device.clone(),
            min_free_megabytes: config.media.min_free_megabytes,
        };
        let recorder = recording::Recorder::spawn(
            parts,
            config.recording.clone(),
            config.camera.fps,
            camera_shutdown.clone(),
            &tasks,
        );
        tasks.spawn(audit::prune(
            catalogue.clone(),
            config.audit.keep_days,
            camera_shutdown.clone(),
        ));
        logs::buffer().set_capacity(config.log_lines as usize);
        let app = AppState {
            system: system::System::new(config.system.clone()),
            device,
            camera,
            state,
            catalogue,
            recorder: recorder.clone(),
            media_events,
            actions: actions::Registry::default(),
            shutdown: CancellationToken::new(),
            tasks: tasks.clone(),
            frontend_dir: config.frontend_dir,
            allowed_origins: config.allowed_origins,
            min_free_megabytes: config.media.min_free_megabytes,
            viewer_slots: Arc::new(tokio::sync::Semaphore::new(config.max_viewers as usize)),
            commands_per_second: config.commands_per_second,
            auth,
            allowed_hosts: Arc::new(config.allowed_hosts),
            max_message_bytes: config.max_message_kilobytes as usize * 1024,
            max_body_bytes: config.max_body_kilobytes as usize * 1024,
            original_urls: config.original_urls,
            tls: tls.as_ref().map(tls::Tls::public),
        };
        Ok(Server {
            listener,
            app,
            tasks,
            camera_shutdown,
            recorder,
            operator_key,
            idle: Duration::from_secs(config.idle_timeout_seconds.into()),
            tls,
        })
    }

    /// The shared application state (for tests that call the command
    /// door directly).
    pub fn app(&self) -> AppState {
        self.app.clone()
    }

    /// The operator key in force and where it is kept, for the start-up
    /// login link.
    pub fn operator_key(&self) -> &auth::OperatorKey {
        &self.operator_key
    }

    /// The machine-level actions; after [`Server::run`] returns, whether
    /// an operator asked for a restart.
    pub fn system(&self) -> system::System {
        self.app.system.clone()
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// `https` when the server speaks HTTPS (`tls.mode`), else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    /// Serves until `shutdown` is cancelled, then closes every session and
    /// stream, stops the camera and returns within a few seconds.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), ServerError> {
        let Server {
            listener,
            app,
            tasks,
            camera_shutdown,
            recorder,
            operator_key: _,
            idle,
            tls,
        } = self;
        let sessions = app.shutdown.clone();
        let (system, auth) = (app.system.clone(), app.auth.clone());
        // An operator's restart stops the server like a signal does.
        let restart = app.system.restart_token();
        let shutdown = shutdown.child_token();
        let stop_for_restart = shutdown.clone();
        tasks.spawn(async move {
            tokio::select! {
                _ = restart.cancelled() => stop_for_restart.cancel(),
                _ = stop_for_restart.cancelled() => {}
            }
        });
        let router = http::router(app);
        let stop = shutdown.clone();
        let end_sessions = async move {
            stop.cancelled().await;
            // End WebSocket sessions and MJPEG streams so that the
            // connections they hold can close.
            sessions.cancel();
        };
        let serving = async {
            tokio::join!(
                serve::serve(
                    listener,
                    router,
                    idle,
                    tls.as_ref().map(tls::Tls::acceptor),
                    shutdown.clone()
                ),
                end_sessions
            );
        };
        let outcome = tokio::select! {
            () = serving => Ok(()),
            _ = async {
                shutdown.cancelled().await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } => {
                tracing::warn!("connections still open after {SHUTDOWN_GRACE:?}; closing them");
                Ok(())
            }
        };
        // Finish a running recording while the camera still feeds it.
        match recorder.stop().await {
            Ok(entry) => tracing::info!(file = %entry.file_name, "recording finished for shutdown"),
            Err(recording::RecordingError::NotRecording) => {}
            Err(err) => tracing::warn!(%err, "cannot finish the recording at shutdown"),
        }
        camera_shutdown.cancel();
        tasks.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("some tasks did not stop within {SHUTDOWN_GRACE:?}");
        }
        if system.restart_requested()
            && let Err(err) = auth.hand_over_sessions()
        {
            tracing::warn!(%err, "cannot keep the logins over the restart; operators log in again");
        }
        outcome
    }
}

/// Binds and serves `config` until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), ServerError> {
    let server = Server::bind(config).await?;
    if let Ok(addr) = server.local_addr() {
        tracing::info!("listening on {}://{addr}", server.scheme());
    }
    server.run(shutdown).await
}
