//! The `camrig` binary: parses flags, loads the configuration layers, sets
//! up logging and signal handling, and runs the server library.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use camrig::auth::{OperatorKey, link};
use camrig::config::Layers;
use clap::{CommandFactory, FromArgMatches, Parser};
use tokio_util::sync::CancellationToken;

/// mimalloc gives memory back to the system once viewers leave (glibc's
/// allocator kept it; see the README's Performance section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Camera rig server: live camera video in the browser. Every
/// configuration key also has a flag (listed below).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// TOML configuration file (see backend/camrig.example.toml).
    #[arg(long, env = "CAMRIG_CONFIG")]
    config: Option<PathBuf>,
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
    // The configuration's flags come from its declaration, one per key.
    let flags = camrig::config::keys().iter().map(|key| {
        clap::Arg::new(key.name)
            .long(key.flag)
            .value_name("VALUE")
            .help(format!("{} [{}]", key.summary(), key.name))
            .long_help(format!(
                "{} Accepts {}. [{}]",
                key.doc, key.expected, key.name
            ))
    });
    let matches = Cli::command().args(flags).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    match start(cli, &matches) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("camrig: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn start(cli: Cli, matches: &clap::ArgMatches) -> anyhow::Result<()> {
    let mut layers = Layers::default();
    if let Some(path) = &cli.config {
        layers.file(path)?;
    }
    layers.env(|var| std::env::var(var).ok());
    layers.flags(|key| matches.get_one::<String>(key).cloned());
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
