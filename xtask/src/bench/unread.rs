//! `--idle N`: the server's memory with viewers that never read. Opens N
//! WebSocket viewers with a 4 KiB receive window that read nothing, waits
//! until the server has stopped sending to them, and reads the server's
//! resident memory; then closes them all and reads it again once the
//! server counts no viewer. Prints the figures (before, with, after, per
//! viewer).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::time::{sleep, timeout};
use tokio_tungstenite::MaybeTlsStream;

use super::procfs::memory_mb;
use super::server;

/// How long each viewer may take to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

pub async fn unread_viewers(
    addr: SocketAddr,
    pid: Option<u32>,
    n: usize,
    seconds: u64,
) -> Result<()> {
    let pid = pid.context("--idle needs the server's pid (it reads its memory)")?;
    let rss = || memory_mb(pid).map_or(0.0, |(rss, _)| rss);
    let before = rss();
    let mut viewers = Vec::with_capacity(n);
    let started = Instant::now();
    for _ in 0..n {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_recv_buffer_size(4096)?;
        let stream = timeout(CONNECT_TIMEOUT, socket.connect(addr)).await??;
        let (ws, _) = timeout(
            CONNECT_TIMEOUT,
            tokio_tungstenite::client_async(
                format!("ws://{addr}/ws"),
                MaybeTlsStream::Plain(stream),
            ),
        )
        .await??;
        viewers.push(ws);
    }
    let connected = started.elapsed();
    // The server fills each socket and then waits on it.
    sleep(Duration::from_secs(seconds)).await;
    let with = rss();
    drop(viewers);
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if server::viewers(addr).await == Some(0) {
            break;
        }
        sleep(Duration::from_millis(200)).await;
    }
    sleep(Duration::from_secs(5)).await;
    let after = rss();
    println!(
        "idle viewers: {n} connected in {:.1} s; server memory {before:.0} MB before, \
         {with:.0} MB with them ({:.0} KB per viewer), {after:.0} MB 5 s after they left",
        connected.as_secs_f64(),
        (with - before) * 1024.0 / n.max(1) as f64
    );
    Ok(())
}
