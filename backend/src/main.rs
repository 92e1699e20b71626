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
/// allocator kept it; see the README's Performance section), with the
/// settings of [`camrig::allocator`].
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
    /// HTTPS: the rig's own certificate authority.
    #[command(subcommand)]
    Tls(TlsCommand),
    /// Upgrade from the original app in DIR (its config.txt and media/):
    /// write DIR/camrig.toml from config.txt, move media/media.db aside to a
    /// backup, and catalogue its rows and every photo and recording. The
    /// media stay in DIR/media. Safe to run again.
    ImportLegacy {
        /// The original app's folder.
        dir: PathBuf,
        /// Convert the AVI recordings to MP4 (H.264) that browsers play;
        /// each AVI is kept in media/original-avi/.
        #[arg(long)]
        convert: bool,
        /// With --convert: delete each AVI once its MP4 is catalogued.
        #[arg(long, requires = "convert")]
        delete_avi: bool,
    },
}

/// What `camrig tls` does.
#[derive(Debug, clap::Subcommand)]
enum TlsCommand {
    /// Make the local certificate authority and a server certificate for
    /// this machine's names and addresses in <media.dir>/.camrig/tls/
    /// (keeping what is still right), and print its fingerprint. The
    /// server does the same at start-up with tls.mode = "on".
    Init,
}

fn main() -> std::process::ExitCode {
    // Before anything else: may run the program again with the allocator's
    // settings.
    let allocator = camrig::allocator::apply();
    // To standard error, and kept in memory for the operator's log panel.
    camrig::logs::init("info,sea_orm_migration=warn");
    if let Some(err) = allocator {
        tracing::warn!(%err, "cannot apply the memory allocator's settings; using its defaults");
    }
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
    if let Some(path) = &cli.config
        && let Err(err) = layers.file(path)
    {
        if camrig::legacy::config_txt::looks_like_original(path) {
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
            anyhow::bail!(
                "{} is the original app's config.txt, not camrig's TOML: `camrig import-legacy {}` \
                 turns it into camrig.toml",
                path.display(),
                dir.map_or_else(|| ".".into(), |d| d.display().to_string())
            );
        }
        return Err(err.into());
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
            let scheme = match config.tls.mode {
                camrig::config::TlsMode::On => "https",
                camrig::config::TlsMode::Off => "http",
            };
            println!("{}", login_message(scheme, config.listen, &key, true));
            return Ok(());
        }
        Some(Command::Tls(TlsCommand::Init)) => {
            println!(
                "{}",
                camrig::tls::init(&config.media.dir, &config.allowed_hosts)?
            );
            return Ok(());
        }
        Some(Command::ImportLegacy {
            dir,
            convert,
            delete_avi,
        }) => {
            let options = camrig::legacy::Options {
                convert,
                delete_avi,
                database_url: config.media.database_url.clone(),
            };
            let say: camrig::legacy::Say = std::sync::Arc::new(|line: &str| {
                let _ = writeln!(std::io::stdout(), "{line}");
            });
            runtime.block_on(camrig::legacy::import_legacy(&dir, &options, &say))?;
            return Ok(());
        }
        None => {}
    }
    let restart = runtime.block_on(async {
        let shutdown = CancellationToken::new();
        let server = camrig::Server::bind(config).await?;
        let system = server.system();
        let addr = server.local_addr().context("no local address")?;
        let scheme = server.scheme();
        // Printed on stdout so scripts and tests can find the port.
        println!("listening on {scheme}://{addr}");
        tracing::info!("listening on {scheme}://{addr}");
        let key = server.operator_key();
        let show = key.new || std::io::stdout().is_terminal();
        // Whoever started the server may have stopped reading stdout
        // after the address: that is no reason to stop.
        let mut out = std::io::stdout();
        if let Some(authority) = server.app().tls.as_ref().and_then(|t| t.authority.clone()) {
            let _ = writeln!(
                out,
                "HTTPS with the rig's own certificate authority (SHA-256 {}): phones install it \
                 once from http://{}/tls",
                authority.fingerprint,
                link::reachable_addr(addr)
            );
        }
        let _ = writeln!(out, "{}", login_message(scheme, addr, key, show));
        tokio::spawn(signals(shutdown.clone()));
        server.run(shutdown.clone()).await?;
        tracing::info!("stopped");
        // A signal during an operator's restart wins: the server stops.
        Ok::<_, anyhow::Error>(system.restart_requested() && !shutdown.is_cancelled())
    })?;
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    if restart {
        return Err(restart_in_place());
    }
    Ok(())
}

/// Replaces this process with a fresh start of the same program and
/// arguments (an operator's restart): same process id, same standard
/// streams, so a service manager sees no exit. Returns only on failure.
fn restart_in_place() -> anyhow::Error {
    use std::os::unix::process::CommandExt;
    let program = match std::env::current_exe() {
        Ok(program) => program,
        Err(err) => return anyhow::anyhow!("cannot restart: cannot find this program: {err}"),
    };
    // Replaced since it started (an upgrade): Linux names the old file
    // "... (deleted)"; the new one at the same path is what should run.
    let program = match program.to_str().and_then(|p| p.strip_suffix(" (deleted)")) {
        Some(upgraded) => std::path::PathBuf::from(upgraded),
        None => program,
    };
    tracing::info!("starting again");
    let err = std::process::Command::new(&program)
        .args(std::env::args_os().skip(1))
        .exec();
    anyhow::anyhow!("cannot restart {}: {err}", program.display())
}

/// The start-up message about operator access: the login link and its QR
/// code when `show`, else where the key is.
fn login_message(scheme: &str, addr: SocketAddr, key: &OperatorKey, show: bool) -> String {
    match &key.file {
        None => "operator key: from the configuration (auth.operator_key)".to_owned(),
        Some(file) if !show => format!(
            "operator key: in {} (`camrig login-link` shows the login link and QR code)",
            file.display()
        ),
        Some(file) => {
            let url = link::login_url(scheme, link::reachable_addr(addr), &key.key);
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
