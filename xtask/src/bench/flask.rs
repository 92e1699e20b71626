//! The baseline the issue compares camrig with: the classic Flask MJPEG
//! streaming example (`xtask/bench/flask_example.py`, one camera thread
//! that encodes each frame once, Flask's threaded development server),
//! with camrig's test source at the same size, rate and JPEG quality. It
//! runs with the Python of the virtual environment `cargo xtask setup`
//! makes ([`crate::setup::flask_python`]: Debian's python3 with its
//! GStreamer bindings, Flask from PyPI), on a free loopback port, pinned
//! to the core the server would get, its output appended to
//! `camrig-bench-flask.log` in the temporary folder. It is up once a
//! client of `/video_feed` has received a whole JPEG; it is stopped like
//! the server (`server::stop`). Every wait has a deadline.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use tokio::process::{Child, Command};
use tokio::time::{sleep, timeout_at};

use super::server::STARTUP_TIMEOUT;
use super::viewer::first_mjpeg_part;

/// How to start the Flask example.
#[derive(Debug, Clone, Copy)]
pub struct Launch {
    /// Width, height, frames per second.
    pub size: [u32; 3],
    /// The CPU to pin it to (`taskset -c`).
    pub cpu: Option<usize>,
}

/// The example's program.
pub fn script() -> PathBuf {
    crate::root().join("xtask/bench/flask_example.py")
}

/// Where its output goes.
pub fn log_path() -> PathBuf {
    std::env::temp_dir().join("camrig-bench-flask.log")
}

/// Starts the example and waits for its first JPEG; the process and its
/// address.
pub async fn start(launch: Launch) -> Result<(Child, SocketAddr)> {
    let python = crate::setup::flask_python();
    if !python.is_file() {
        bail!(
            "{} is missing: `cargo xtask setup` makes it (Flask from PyPI)",
            python.display()
        );
    }
    let log_path = log_path();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    // A port the system has just handed out and taken back: free unless
    // something grabs it in the next moment.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .context("cannot find a free loopback port")?
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut command = match launch.cpu {
        Some(cpu) => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", &cpu.to_string()]).arg(&python);
            taskset
        }
        None => Command::new(&python),
    };
    let [w, h, f] = launch.size.map(|v| v.to_string());
    command
        .arg(script())
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--width", &w, "--height", &h, "--fps", &f]);
    {
        use std::io::Write;
        let shown = crate::shown(command.as_std());
        let mut log = &log;
        let _ = writeln!(log, "--- cargo xtask bench: $ {shown}");
    }
    let mut child = command
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", python.display()))?;
    match wait_for_frame(&mut child, addr).await {
        Ok(()) => Ok((child, addr)),
        Err(err) => {
            super::server::stop(child).await;
            Err(err.context(format!("the Flask example's log: {}", log_path.display())))
        }
    }
}

/// Tries `/video_feed` until a whole JPEG arrives, the process exits, or
/// [`STARTUP_TIMEOUT`] passes.
async fn wait_for_frame(child: &mut Child, addr: SocketAddr) -> Result<()> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let mut last = anyhow!("timed out");
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            bail!("the Flask example exited ({status}) before sending a frame");
        }
        match timeout_at(deadline.into(), first_mjpeg_part(addr)).await {
            Ok(Ok(bytes)) if bytes > 0 => return Ok(()),
            Ok(Ok(_)) => last = anyhow!("its first part was empty"),
            Ok(Err(err)) => last = err,
            Err(_) => break,
        }
        sleep(Duration::from_millis(500)).await;
    }
    Err(last.context(format!(
        "no JPEG from http://{addr}/video_feed within {STARTUP_TIMEOUT:?}"
    )))
}
