//! The server under test: starting `camrig --camera test` on a free
//! loopback port (pinned to a core with `taskset` when asked, its media in
//! a folder of its own, its log appended to `camrig-bench-server.log` in
//! the temporary folder), stopping it, and talking to it: waiting for the
//! first frame, reading `/api/state` (viewers, whether the camera is live
//! or idle, whether H.264 is offered), and running camera actions as the
//! operator. Every wait has a deadline, and only loopback addresses are
//! used.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use shared::{CameraState, FrameHeader, ServerMessage};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::time::{sleep, timeout, timeout_at};
use tokio_tungstenite::{connect_async, tungstenite::Message};

/// How long the server may take to print its address and send a frame.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The operator key the benchmark's server runs with (recordings need an
/// operator).
const BENCH_KEY: &str = "camrig-benchmark-operator-key";

/// How to start the server.
#[derive(Debug, Clone)]
pub struct Launch {
    pub bin: PathBuf,
    /// Width, height, frames per second.
    pub size: [u32; 3],
    /// `--idle-seconds`, when not the server's default.
    pub idle_seconds: Option<u32>,
    /// `--media-dir`: where recordings go.
    pub media_dir: PathBuf,
    /// `--demo`: the simulated light and heart-rate board.
    pub demo: bool,
    /// The CPU to pin it to (`taskset -c`).
    pub cpu: Option<usize>,
}

/// Where the server's log goes.
pub fn log_path() -> PathBuf {
    std::env::temp_dir().join("camrig-bench-server.log")
}

/// Starts `<bin> --camera test --listen 127.0.0.1:0 ...` and reads its address.
pub async fn start(launch: &Launch) -> Result<(Child, SocketAddr)> {
    let log_path = log_path();
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    let [w, h, f] = launch.size.map(|v| v.to_string());
    let mut command = match launch.cpu {
        Some(cpu) => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", &cpu.to_string()]).arg(&launch.bin);
            taskset
        }
        None => Command::new(&launch.bin),
    };
    command
        .args(["--camera", "test", "--listen", "127.0.0.1:0"])
        .args(["--width", &w, "--height", &h, "--fps", &f])
        // The load is the point: no viewer limit in the way.
        .args(["--max-viewers", "100000"])
        .arg("--media-dir")
        .arg(&launch.media_dir);
    if let Some(idle) = launch.idle_seconds {
        command.args(["--idle-seconds", &idle.to_string()]);
    }
    if launch.demo {
        command.arg("--demo");
    }
    {
        use std::io::Write;
        let shown = crate::shown(command.as_std());
        let _ = writeln!(log, "--- cargo xtask bench: $ {shown}");
    }
    let bin = launch.bin.display();
    let mut child = command
        .env("CAMRIG_AUTH_OPERATOR_KEY", BENCH_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| {
            format!("cannot start {bin}; build it: cargo build --release -p backend")
        })?;
    let mut lines = BufReader::new(child.stdout.take().context("no server stdout")?).lines();
    let found = timeout(STARTUP_TIMEOUT, async {
        while let Some(line) = lines.next_line().await? {
            if let Some(addr) = line.trim().strip_prefix("listening on http://") {
                return addr
                    .parse::<SocketAddr>()
                    .with_context(|| format!("bad address: {line}"));
            }
        }
        bail!("the server exited before listening")
    })
    .await
    .unwrap_or_else(|_| Err(anyhow!("no address printed within {STARTUP_TIMEOUT:?}")));
    match found {
        Ok(addr) => {
            // Keep draining stdout so the server never blocks on it.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            Ok((child, addr))
        }
        Err(err) => {
            stop(child).await;
            Err(err.context(format!("server log: {}", log_path.display())))
        }
    }
}

/// SIGTERM, then SIGKILL if it has not exited after its shutdown grace.
pub async fn stop(mut child: Child) {
    if let Some(pid) = child.id() {
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await;
    }
    if timeout(Duration::from_secs(12), child.wait())
        .await
        .is_err()
    {
        let _ = child.kill().await;
    }
}

/// Runs a camera action over the WebSocket and returns its result.
pub async fn action(addr: SocketAddr, name: &str) -> Result<serde_json::Value> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{addr}/ws?video=none").into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {BENCH_KEY}").parse()?);
    let (mut socket, _) = connect_async(request).await?;
    let command = serde_json::json!({"id": 1, "cmd": "action", "name": name, "args": {}});
    socket.send(Message::text(command.to_string())).await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Ok(Some(message)) = timeout_at(deadline.into(), socket.next()).await {
        if let Message::Text(text) = message? {
            let reply: serde_json::Value = serde_json::from_str(&text)?;
            match reply["type"].as_str() {
                Some("action_result") => return Ok(reply["result"].clone()),
                Some("error") => bail!("{name}: {}", reply["message"]),
                _ => {}
            }
        }
    }
    bail!("{name}: no answer within 10 s")
}

/// Waits until a WebSocket client receives a frame; returns the camera state.
pub async fn wait_for_frames(addr: SocketAddr) -> Result<Option<CameraState>> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let mut last = anyhow!("timed out");
    while Instant::now() < deadline {
        match timeout_at(deadline.into(), probe(addr)).await {
            Ok(Ok(camera)) => return Ok(camera),
            Ok(Err(err)) => last = err,
            Err(_) => break,
        }
        sleep(Duration::from_millis(500)).await;
    }
    Err(last.context(format!(
        "no video frame from ws://{addr}/ws within {STARTUP_TIMEOUT:?}"
    )))
}

async fn probe(addr: SocketAddr) -> Result<Option<CameraState>> {
    let (mut socket, _) = connect_async(format!("ws://{addr}/ws")).await?;
    let mut camera = None;
    while let Some(message) = socket.next().await {
        match message? {
            Message::Text(text) => {
                if let Ok(ServerMessage::State { state, .. }) = serde_json::from_str(&text) {
                    camera = Some(state.camera);
                }
            }
            Message::Binary(bytes) => {
                return FrameHeader::decode(&bytes)
                    .map(|_| camera)
                    .map_err(Into::into);
            }
            _ => {}
        }
    }
    bail!("the connection closed before the first frame")
}

/// The server's `/api/state` as JSON.
pub async fn state(addr: SocketAddr) -> Option<serde_json::Value> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let request = format!("GET /api/state HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut body = String::new();
    timeout(Duration::from_secs(5), stream.read_to_string(&mut body))
        .await
        .ok()?
        .ok()?;
    let json = body.split_once("\r\n\r\n")?.1;
    serde_json::from_str(json).ok()
}

/// The server's viewer count.
pub async fn viewers(addr: SocketAddr) -> Option<u64> {
    state(addr).await?["viewers"].as_u64()
}

/// Whether the server says its camera is paused for want of viewers.
pub fn is_idle(state: &serde_json::Value) -> bool {
    state["camera"]["idle"].as_bool().unwrap_or(false)
}

/// Why the server offers no H.264 live view, if it offers none.
pub fn h264_unavailable(state: &serde_json::Value) -> Option<String> {
    let list = state["unavailable"].as_array()?;
    let entry = list.iter().find(|u| u["feature"] == "live_h264")?;
    Some(entry["reason"].as_str().unwrap_or("unavailable").to_owned())
}

/// Waits until `/api/state` satisfies `done`; how long that took, or
/// `None` when it did not within `limit`.
pub async fn wait_for_state(
    addr: SocketAddr,
    limit: Duration,
    done: impl Fn(&serde_json::Value) -> bool,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if state(addr).await.is_some_and(|s| done(&s)) {
            return Some(started.elapsed());
        }
        sleep(Duration::from_millis(100)).await;
    }
    None
}

/// Whether the server says frames are flowing (the recorder needs that;
/// a viewer may get a frame a moment before).
pub fn is_live(state: &serde_json::Value) -> bool {
    state["camera"]["status"] == "live"
}

/// A recording's file, when the server keeps its media in `dir`.
pub fn recording_path(dir: &Path, entry: &serde_json::Value) -> Option<PathBuf> {
    Some(dir.join(entry["file_name"].as_str()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_fields_are_read() {
        let state = serde_json::json!({
            "camera": {"idle": true},
            "viewers": 3,
            "unavailable": [{"feature": "live_h264", "reason": "no x264enc"}],
        });
        assert!(is_idle(&state) && !is_live(&state));
        assert!(is_live(&serde_json::json!({"camera": {"status": "live"}})));
        assert_eq!(h264_unavailable(&state).as_deref(), Some("no x264enc"));
        let plain = serde_json::json!({"camera": {}, "viewers": 0});
        assert!(!is_idle(&plain));
        assert_eq!(h264_unavailable(&plain), None);
    }
}
