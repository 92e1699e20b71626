//! The `camrig` binary: parses flags, loads the configuration layers, sets
//! up logging and signal handling, and runs the server library.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use camrig::auth::{OperatorKey, link};
use camrig::config::Layers;
use clap::Parser;
use tokio_util::sync::CancellationToken;

/// mimalloc gives memory back to the system once viewers leave (glibc's
/// allocator kept it; see the README's Performance section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Camera rig server: live camera video in the browser.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// TOML configuration file (see backend/camrig.example.toml).
    #[arg(long, env = "CAMRIG_CONFIG")]
    config: Option<PathBuf>,
    /// Listen address, e.g. 127.0.0.1:5000 or 0.0.0.0:5000 [server.listen].
    #[arg(long)]
    listen: Option<String>,
    /// Folder with the built web app [server.frontend_dir].
    #[arg(long)]
    frontend_dir: Option<String>,
    /// Origins of a reverse proxy whose pages may change things,
    /// comma-separated [server.allowed_origins].
    #[arg(long)]
    allowed_origins: Option<String>,
    /// Most WebSocket viewers at once [server.max_viewers].
    #[arg(long)]
    max_viewers: Option<String>,
    /// Commands one connection may send per second [server.commands_per_second].
    #[arg(long)]
    commands_per_second: Option<String>,
    /// Host names the server may be reached under besides the machine's
    /// own, comma-separated [server.allowed_hosts].
    #[arg(long)]
    allowed_hosts: Option<String>,
    /// Seconds a client may take over a request's headers, stay idle, or
    /// take nothing it is sent [server.idle_timeout_seconds].
    #[arg(long)]
    idle_timeout_seconds: Option<String>,
    /// Largest WebSocket text message in KiB [server.max_message_kilobytes].
    #[arg(long)]
    max_message_kilobytes: Option<String>,
    /// Largest HTTP request body in KiB [server.max_body_kilobytes].
    #[arg(long)]
    max_body_kilobytes: Option<String>,
    /// The operator key; unset: a generated one kept in the media folder
    /// [auth.operator_key]. Prefer the config file or CAMRIG_AUTH_OPERATOR_KEY:
    /// a flag is visible to other users in the process list.
    #[arg(long)]
    operator_key: Option<String>,
    /// A key viewers must give before watching [auth.viewer_key].
    #[arg(long)]
    viewer_key: Option<String>,
    /// How long a login lasts, in hours [auth.session_hours].
    #[arg(long)]
    session_hours: Option<String>,
    /// Camera source: auto, test, v4l2 or libcamera [camera.source].
    #[arg(long)]
    camera: Option<String>,
    /// V4L2 device path or libcamera camera name [camera.device].
    #[arg(long)]
    device: Option<String>,
    /// Capture width in pixels [camera.width].
    #[arg(long)]
    width: Option<String>,
    /// Capture height in pixels [camera.height].
    #[arg(long)]
    height: Option<String>,
    /// Frames per second [camera.fps].
    #[arg(long)]
    fps: Option<String>,
    /// JPEG quality 1-100 [camera.jpeg_quality].
    #[arg(long)]
    jpeg_quality: Option<String>,
    /// Folder for photos and videos [media.dir].
    #[arg(long)]
    media_dir: Option<String>,
    /// Free space in MB the media disk keeps; captures stop below it
    /// [media.min_free_megabytes].
    #[arg(long)]
    min_free_megabytes: Option<String>,
    /// Catalogue database URL [media.database_url].
    #[arg(long)]
    database_url: Option<String>,
    /// Longest recording in seconds [recording.max_seconds].
    #[arg(long)]
    max_recording_seconds: Option<String>,
    /// Largest recording in megabytes [recording.max_megabytes].
    #[arg(long)]
    max_recording_megabytes: Option<String>,
    /// H.264 bit rate of recordings in kbit/s [recording.bitrate_kbps].
    #[arg(long)]
    recording_bitrate_kbps: Option<String>,
    /// Light and heart-rate device: none, serial, legacy, spi or demo
    /// [device.mode].
    #[arg(long)]
    device_mode: Option<String>,
    /// Serial port or SPI device of the light board [device.path].
    #[arg(long)]
    device_path: Option<String>,
    /// Serial speed of the light board [device.baud].
    #[arg(long)]
    device_baud: Option<String>,
    /// Heart rate of the simulated device [device.demo_bpm].
    #[arg(long)]
    demo_bpm: Option<String>,
    /// Number of NeoPixels on the SPI bus [device.leds].
    #[arg(long)]
    device_leds: Option<String>,
    /// SPI pixels with a white channel: true or false [device.rgbw].
    #[arg(long)]
    device_rgbw: Option<String>,
    /// Run the simulated light and heart-rate device when no device is
    /// configured (a configured device is never replaced).
    #[arg(long)]
    demo: bool,
    /// Without a subcommand the server runs.
    #[command(subcommand)]
    command: Option<Command>,
}

/// Things to do instead of serving.
#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Manage the media catalogue (safe while the server runs).
    #[command(subcommand)]
    Media(camrig::media_cli::MediaCommand),
    /// Print the operator's login link and its QR code again.
    LoginLink,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sea_orm_migration=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match start(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("camrig: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn start(cli: Cli) -> anyhow::Result<()> {
    let mut layers = Layers::default();
    if let Some(path) = &cli.config {
        layers.file(path)?;
    }
    layers.env(|var| std::env::var(var).ok());
    for (key, value) in [
        ("server.listen", cli.listen),
        ("server.frontend_dir", cli.frontend_dir),
        ("server.allowed_origins", cli.allowed_origins),
        ("server.max_viewers", cli.max_viewers),
        ("server.commands_per_second", cli.commands_per_second),
        ("server.allowed_hosts", cli.allowed_hosts),
        ("server.idle_timeout_seconds", cli.idle_timeout_seconds),
        ("server.max_message_kilobytes", cli.max_message_kilobytes),
        ("server.max_body_kilobytes", cli.max_body_kilobytes),
        ("auth.operator_key", cli.operator_key),
        ("auth.viewer_key", cli.viewer_key),
        ("auth.session_hours", cli.session_hours),
        ("camera.source", cli.camera),
        ("camera.device", cli.device),
        ("camera.width", cli.width),
        ("camera.height", cli.height),
        ("camera.fps", cli.fps),
        ("camera.jpeg_quality", cli.jpeg_quality),
        ("media.dir", cli.media_dir),
        ("media.database_url", cli.database_url),
        ("media.min_free_megabytes", cli.min_free_megabytes),
        ("recording.max_seconds", cli.max_recording_seconds),
        ("recording.max_megabytes", cli.max_recording_megabytes),
        ("recording.bitrate_kbps", cli.recording_bitrate_kbps),
        ("device.mode", cli.device_mode),
        ("device.path", cli.device_path),
        ("device.baud", cli.device_baud),
        ("device.demo_bpm", cli.demo_bpm),
        ("device.leds", cli.device_leds),
        ("device.rgbw", cli.device_rgbw),
    ] {
        layers.flag(key, value);
    }
    let mut config = layers.build()?;
    config.device.demo_if_unset = cli.demo;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    match cli.command {
        Some(Command::Media(command)) => {
            let report = runtime.block_on(camrig::media_cli::run(command, &config.media))?;
            println!("{report}");
            return Ok(());
        }
        Some(Command::LoginLink) => {
            let (_, key) = camrig::auth::Auth::open(&config.auth, &config.media.dir)?;
            println!("{}", login_message(config.listen, &key, true));
            return Ok(());
        }
        None => {}
    }
    runtime.block_on(async {
        let shutdown = CancellationToken::new();
        let server = camrig::Server::bind(config).await?;
        let addr = server.local_addr().context("no local address")?;
        // Printed on stdout so scripts and tests can find the port.
        println!("listening on http://{addr}");
        tracing::info!("listening on http://{addr}");
        let key = server.operator_key();
        let show = key.new || std::io::stdout().is_terminal();
        // Whoever started the server may have stopped reading stdout
        // after the address: that is no reason to stop.
        let _ = writeln!(std::io::stdout(), "{}", login_message(addr, key, show));
        tokio::spawn(signals(shutdown.clone()));
        server.run(shutdown).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// The start-up message about operator access: the login link and its QR
/// code when `show`, else where the key is.
fn login_message(addr: SocketAddr, key: &OperatorKey, show: bool) -> String {
    match &key.file {
        None => "operator key: from the configuration (auth.operator_key)".to_owned(),
        Some(file) if !show => format!(
            "operator key: in {} (`camrig login-link` shows the login link and QR code)",
            file.display()
        ),
        Some(file) => {
            let url = link::login_url(link::reachable_addr(addr), &key.key);
            let qr = link::qr_code(&url).unwrap_or_default();
            let made = if key.new {
                "new operator key, kept"
            } else {
                "operator key"
            };
            format!(
                "{made} in {}\noperator login (open on a phone, or scan): {url}\n{qr}",
                file.display()
            )
        }
    }
}

/// Cancels `shutdown` on SIGINT or SIGTERM.
async fn signals(shutdown: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let wait = async {
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    wait.await;
    tracing::info!("shutting down");
    shutdown.cancel();
}
