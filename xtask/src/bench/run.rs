//! One measuring run: connects the run's viewers (at most
//! [`CONCURRENT_CONNECTS`] handshakes at once, all within
//! [`CONNECT_TIMEOUT`]), then announces the window, reads the server's,
//! the load generator's and the whole machine's CPU time (so that other
//! work on the machine shows), the server's threads and memory at both
//! ends of it, and collects what every viewer saw. With no viewers it only
//! measures the server. Viewers that did not connect or failed are kept
//! with their error, so they count as 0 fps.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::time::{sleep_until, timeout_at};

use super::procfs;
use super::profile::{self, Layout, Share};
use super::spec::RunSpec;
use super::viewer::{Ctx, ViewerStats, Window, viewer};

/// How long all viewers of one run may take to connect.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Connection handshakes in flight at once (no thundering herd).
const CONCURRENT_CONNECTS: usize = 16;

/// What one run measured.
#[derive(Debug)]
pub struct Measured {
    pub stats: Vec<ViewerStats>,
    /// The window's length in seconds.
    pub seconds: f64,
    /// Cores the server, the load generator and every other process on
    /// the machine used over the window.
    pub cpu: [Option<f64>; 3],
    /// The server's (VmRSS, VmHWM) in MB at the window's end.
    pub memory: Option<(f64, f64)>,
    /// The server's CPU by thread group, most first.
    pub profile: Vec<Share>,
}

/// The server's process and how to read it.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub addr: SocketAddr,
    pub pid: Option<u32>,
    pub clk_tck: f64,
    pub layout: Layout,
}

/// Connects the viewers, measures for `seconds`, and collects.
pub async fn measure(target: Target, spec: &RunSpec, seconds: u64) -> Measured {
    let (window_tx, window_rx) = watch::channel(None);
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let gate = Arc::new(Semaphore::new(CONCURRENT_CONNECTS));
    let connect_deadline = Instant::now() + CONNECT_TIMEOUT;
    let hard_end = connect_deadline + Duration::from_secs(seconds + 2);
    let kinds = spec
        .kinds()
        .flat_map(|kind| std::iter::repeat_n(kind, spec.count(kind)));
    let tasks: Vec<_> = kinds
        .map(|kind| {
            let ctx = Ctx {
                addr: target.addr,
                gate: gate.clone(),
                ready: ready_tx.clone(),
                window: window_rx.clone(),
                connect_deadline,
                hard_end,
            };
            let task = timeout_at(hard_end.into(), viewer(ctx, kind));
            (kind, tokio::spawn(task))
        })
        .collect();
    drop(ready_tx);
    for _ in 0..tasks.len() {
        if !matches!(
            timeout_at(connect_deadline.into(), ready_rx.recv()).await,
            Ok(Some(()))
        ) {
            break;
        }
    }
    let pid = target.pid;
    let sample = || {
        let ticks = [
            pid.and_then(procfs::cpu_ticks),
            procfs::cpu_ticks(std::process::id()),
            procfs::machine_busy_ticks(),
        ];
        (ticks, pid.and_then(procfs::threads))
    };
    let (ticks_before, threads_before) = sample();
    let start = Instant::now();
    let window = Window {
        start,
        end: start + Duration::from_secs(seconds),
    };
    window_tx.send_replace(Some(window));
    sleep_until(window.end.into()).await;
    let (ticks_after, threads_after) = sample();
    let wall = start.elapsed().as_secs_f64();
    let memory = pid.and_then(procfs::memory_mb);
    let mut stats = Vec::new();
    for (kind, task) in tasks {
        let fresh = ViewerStats::new(kind);
        stats.push(match task.await {
            Ok(Ok(viewer)) => viewer,
            Ok(Err(_)) => fresh.failed("did not finish in time".into()),
            Err(err) => fresh.failed(format!("task failed: {err}")),
        });
    }
    let [server, bench, machine] = [0, 1, 2].map(|i| {
        let (before, after) = ticks_before.get(i)?.zip(*ticks_after.get(i)?)?;
        Some(after.saturating_sub(before) as f64 / target.clk_tck / wall)
    });
    // Without the server's pid, everything but the load generator is other.
    let others = machine
        .zip(bench)
        .map(|(m, b)| (m - b - server.unwrap_or(0.0)).max(0.0));
    let cpu = [server, bench, others];
    let profile = match (threads_before, threads_after) {
        (Some(before), Some(after)) => {
            profile::shares(&before, &after, target.clk_tck, wall, target.layout)
        }
        _ => Vec::new(),
    };
    Measured {
        stats,
        seconds: seconds as f64,
        cpu,
        memory,
        profile,
    }
}
