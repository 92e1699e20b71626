//! `cargo xtask bench`: a load generator for the camera rig server. It starts
//! `camrig --camera test` on a free loopback port (or targets a running
//! server with `--url`), connects the requested WebSocket and MJPEG viewers a
//! few at a time, and once all have connected measures for a fixed window:
//! frames per second per viewer, inter-frame gaps, capture-to-receive latency
//! from the frame header and skipped sequence numbers (WebSocket only), and
//! the server's CPU and memory from `/proc`. Each run prints a block, and the
//! end a markdown table for the README. `--runs 1,50,200` repeats the
//! measurement with that many WebSocket viewers (`50+10` also opens 10 MJPEG
//! viewers). `--idle N` instead opens N viewers that never read and
//! reports the server's memory with them and after they left. Every wait
//! is bounded, and only loopback addresses are used.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use shared::mjpeg::PartReader;
use shared::{CameraState, FrameHeader, ServerMessage};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::time::{sleep, sleep_until, timeout, timeout_at};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async, tungstenite::Message};

/// How long all viewers of one run may take to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the server may take to print its address and send a frame.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// Connection handshakes in flight at once (no thundering herd).
const CONCURRENT_CONNECTS: usize = 16;

/// The load generator's options (`cargo xtask bench --help`).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// WebSocket viewers (when there is no --runs).
    #[arg(long, default_value_t = 1)]
    ws: usize,
    /// MJPEG viewers (in every run).
    #[arg(long, default_value_t = 0)]
    mjpeg: usize,
    /// Seconds each run measures.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Runs one after the other: WebSocket viewers each, optionally `+`
    /// MJPEG viewers (`1,50,200` or `50+10,0+50`).
    #[arg(long, value_name = "1,50,200|50+10,...")]
    runs: Option<String>,
    /// Camera width the started server uses.
    #[arg(long, default_value_t = 1280)]
    width: u32,
    /// Camera height.
    #[arg(long, default_value_t = 720)]
    height: u32,
    /// Camera frame rate.
    #[arg(long, default_value_t = 30)]
    fps: u32,
    /// The server binary to start.
    #[arg(long, value_name = "PATH")]
    bin: Option<PathBuf>,
    /// Measure a server already running at this loopback address instead.
    #[arg(long, value_name = "http://127.0.0.1:PORT")]
    url: Option<String>,
    /// That server's process id, for its CPU and memory (needs --url).
    #[arg(long, requires = "url")]
    pid: Option<u32>,
    /// Record during every run and report the recorded frame rate.
    #[arg(long)]
    record: bool,
    /// Instead of the runs: this many viewers that never read (memory).
    #[arg(long, value_name = "N")]
    idle: Option<usize>,
}

struct Options {
    seconds: u64,
    url: Option<SocketAddr>,
    pid: Option<u32>,
    /// (WebSocket viewers, MJPEG viewers) per run.
    runs: Vec<(usize, usize)>,
    size: [u32; 3],
    bin: PathBuf,
    /// Record during every run and report the recorded frame rate.
    record: bool,
    /// Instead of the runs: this many viewers that never read (memory).
    idle: Option<usize>,
}

/// Runs the benchmark with the options given after `cargo xtask bench`.
pub fn main(args: Args) -> Result<()> {
    let options = options(args)?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(run_all(options))
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T> {
    let value = value.trim();
    value
        .parse()
        .map_err(|_| anyhow!("{flag}: invalid number {value:?}"))
}

/// Checks the options and works out the runs.
fn options(args: Args) -> Result<Options> {
    let runs = match &args.runs {
        Some(spec) => parse_runs(spec, args.mjpeg)?,
        None => vec![(args.ws, args.mjpeg)],
    };
    if args.seconds == 0 || runs.is_empty() || runs.iter().any(|&(w, m)| w + m == 0) {
        bail!("every run needs a viewer, and --seconds must be at least 1");
    }
    Ok(Options {
        seconds: args.seconds,
        url: args.url.as_deref().map(parse_url).transpose()?,
        pid: args.pid,
        runs,
        size: [args.width, args.height, args.fps],
        bin: args
            .bin
            .unwrap_or_else(|| crate::root().join("target/release/camrig")),
        record: args.record,
        idle: args.idle,
    })
}

/// `"1,50,200"` or `"50+10"`: WebSocket viewers, optionally `+` MJPEG viewers.
fn parse_runs(spec: &str, mjpeg: usize) -> Result<Vec<(usize, usize)>> {
    let items = spec.split(',').map(str::trim).filter(|s| !s.is_empty());
    items
        .map(|item| match item.split_once('+') {
            Some((w, m)) => Ok((number("--runs", w)?, number("--runs", m)?)),
            None => Ok((number("--runs", item)?, mjpeg)),
        })
        .collect()
}

/// `http://127.0.0.1:PORT[/]` to a socket address; loopback only.
fn parse_url(url: &str) -> Result<SocketAddr> {
    let host = url
        .strip_prefix("http://")
        .unwrap_or(url)
        .trim_end_matches('/');
    let addr: SocketAddr = host
        .parse()
        .with_context(|| format!("--url {url:?}: expected http://127.0.0.1:PORT"))?;
    if !addr.ip().is_loopback() {
        bail!("--url {url:?}: bench only talks to loopback addresses");
    }
    Ok(addr)
}

async fn run_all(o: Options) -> Result<()> {
    let (addr, server, pid) = match o.url {
        Some(addr) => (addr, None, o.pid),
        None => {
            let (child, addr) = start_server(&o).await?;
            let pid = child.id();
            (addr, Some(child), pid)
        }
    };
    let result = bench(&o, addr, pid).await;
    if let Some(child) = server {
        stop_server(child).await;
    }
    result
}

async fn bench(o: &Options, addr: SocketAddr, pid: Option<u32>) -> Result<()> {
    let camera = wait_for_frames(addr).await?;
    if let Some(n) = o.idle {
        println!("{}", machine());
        return idle_viewers(addr, pid, n, o.seconds).await;
    }
    let clk_tck = clock_ticks().await;
    let camera = match camera {
        Some(c) => format!(
            "{} camera {}x{} @ {} fps",
            c.source.as_str(),
            c.width,
            c.height,
            c.fps
        ),
        None => "camera settings unknown".to_owned(),
    };
    let server = match (o.url, pid) {
        (None, Some(pid)) => format!("{} (pid {pid})", o.bin.display()),
        (_, Some(pid)) => format!("http://{addr} (pid {pid})"),
        (_, None) => format!("http://{addr} (no --pid: CPU and memory not sampled)"),
    };
    println!("{}", machine());
    let (seconds, runs) = (o.seconds, o.runs.len());
    println!("settings: {camera}, {seconds} s window per run, server {server}");
    println!("note: the load generator runs on the same machine and shares its CPU\n");
    let mut results = Vec::new();
    for (i, &(ws, mjpeg)) in o.runs.iter().enumerate() {
        if i > 0 {
            sleep(Duration::from_secs(1)).await; // let the last run's sessions close
        }
        println!(
            "run {}/{runs}: {ws} WebSocket + {mjpeg} MJPEG viewers",
            i + 1
        );
        let recording = match o.record {
            true => Some((action(addr, "record_start").await?, Instant::now())),
            false => None,
        };
        let mut result = run_once(addr, (ws, mjpeg), seconds, pid, clk_tck).await;
        if let Some((_, started)) = recording {
            let wall = started.elapsed().as_secs_f64();
            let entry = action(addr, "record_stop").await?;
            let frames = entry["frame_count"].as_f64().unwrap_or(0.0);
            result.values[10] = Some(frames / wall);
        }
        print_block(&result);
        results.push(result);
    }
    print_table(&results);
    Ok(())
}

/// The measuring window, announced once every viewer has connected.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

/// What one viewer saw inside the window.
#[derive(Debug, Default)]
struct ViewerStats {
    times: Vec<Instant>,
    latencies_ms: Vec<f64>,
    last_seq: Option<u64>,
    skipped: u64,
    error: Option<String>,
}

/// A viewer's connect gate, readiness report, window and deadlines.
struct Ctx {
    addr: SocketAddr,
    gate: Arc<Semaphore>,
    ready: mpsc::UnboundedSender<()>,
    window: watch::Receiver<Option<Window>>,
    connect_deadline: Instant,
    hard_end: Instant,
}

impl Ctx {
    /// When to stop waiting for the next frame.
    fn deadline(&self) -> Instant {
        let window = *self.window.borrow();
        window.map_or(self.hard_end, |w| w.end.min(self.hard_end))
    }

    /// Records a frame received at `now` if it falls in the window; false
    /// once the window is over.
    fn record(&self, stats: &mut ViewerStats, now: Instant, header: Option<FrameHeader>) -> bool {
        let Some(w) = *self.window.borrow() else {
            return true;
        };
        if now < w.start || now >= w.end {
            return now < w.end;
        }
        stats.times.push(now);
        if let Some(h) = header {
            let now_us = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            stats
                .latencies_ms
                .push((now_us.as_micros() as f64 - h.captured_us as f64) / 1e3);
            if let Some(last) = stats.last_seq {
                stats.skipped += h.sequence.saturating_sub(last).saturating_sub(1);
            }
            stats.last_seq = Some(h.sequence);
        }
        true
    }
}

/// Connects the viewers, measures for `seconds`, and summarises.
async fn run_once(
    addr: SocketAddr,
    (ws, mjpeg): (usize, usize),
    seconds: u64,
    pid: Option<u32>,
    clk_tck: f64,
) -> RunResult {
    let (window_tx, window_rx) = watch::channel(None);
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let gate = Arc::new(Semaphore::new(CONCURRENT_CONNECTS));
    let connect_deadline = Instant::now() + CONNECT_TIMEOUT;
    let hard_end = connect_deadline + Duration::from_secs(seconds + 2);
    let tasks: Vec<_> = (0..ws + mjpeg)
        .map(|i| {
            let ctx = Ctx {
                addr,
                gate: gate.clone(),
                ready: ready_tx.clone(),
                window: window_rx.clone(),
                connect_deadline,
                hard_end,
            };
            tokio::spawn(timeout_at(hard_end.into(), viewer(ctx, i < ws)))
        })
        .collect();
    drop(ready_tx);
    for _ in 0..ws + mjpeg {
        if !matches!(
            timeout_at(connect_deadline.into(), ready_rx.recv()).await,
            Ok(Some(()))
        ) {
            break;
        }
    }
    let ticks_before = [pid.and_then(cpu_ticks), cpu_ticks(std::process::id())];
    let start = Instant::now();
    let window = Window {
        start,
        end: start + Duration::from_secs(seconds),
    };
    window_tx.send_replace(Some(window));
    sleep_until(window.end.into()).await;
    let ticks_after = [pid.and_then(cpu_ticks), cpu_ticks(std::process::id())];
    let wall = start.elapsed().as_secs_f64();
    let memory = pid.and_then(memory_mb);
    let mut viewers = Vec::new();
    for task in tasks {
        viewers.push(match task.await {
            Ok(Ok(stats)) => stats,
            Ok(Err(_)) => failed(ViewerStats::default(), "did not finish in time".into()),
            Err(err) => failed(ViewerStats::default(), format!("task failed: {err}")),
        });
    }
    // [server, load generator] CPU in cores over the window.
    let cpu = [0, 1].map(|i| {
        let (before, after) = ticks_before[i].zip(ticks_after[i])?;
        Some(after.saturating_sub(before) as f64 / clk_tck / wall)
    });
    summarise((ws, mjpeg), seconds as f64, &viewers, cpu, memory)
}

/// One viewer: connect (a few at a time), then record frames until the
/// window ends. Failures end up in `error`, never in a panic.
async fn viewer(ctx: Ctx, websocket: bool) -> ViewerStats {
    let stats = ViewerStats::default();
    let connected = {
        let _permit = ctx.gate.acquire().await;
        let connect = async {
            if websocket {
                let (socket, _) = connect_async(format!("ws://{}/ws", ctx.addr)).await?;
                Ok(Feed::Ws(Box::new(socket)))
            } else {
                open_mjpeg(ctx.addr).await
            }
        };
        timeout_at(ctx.connect_deadline.into(), connect).await
    };
    let _ = ctx.ready.send(());
    match connected {
        Ok(Ok(feed)) => read_frames(&ctx, feed, stats).await,
        Ok(Err(err)) => failed(stats, format!("connect: {err:#}")),
        Err(_) => failed(stats, "connect timed out".into()),
    }
}

async fn read_frames(ctx: &Ctx, mut feed: Feed, mut stats: ViewerStats) -> ViewerStats {
    let (mut window, mut frames) = (ctx.window.clone(), Vec::new());
    loop {
        tokio::select! {
            more = feed.next(&mut frames) => match more {
                Ok(true) => {}
                Ok(false) => return failed(stats, "the server ended the stream".into()),
                Err(err) => return failed(stats, format!("{err:#}")),
            },
            // The window was announced: loop to pick up its end.
            changed = window.changed() => if changed.is_ok() { continue } else { return stats },
            _ = sleep_until(ctx.deadline().into()) => return stats,
        }
        let now = Instant::now();
        for header in frames.drain(..) {
            if !ctx.record(&mut stats, now, header) {
                return stats;
            }
        }
    }
}

fn failed(mut stats: ViewerStats, error: String) -> ViewerStats {
    stats.error = Some(error);
    stats
}

/// An open video stream of either kind.
enum Feed {
    Ws(Box<WebSocketStream<MaybeTlsStream<TcpStream>>>),
    Mjpeg {
        stream: TcpStream,
        buf: Vec<u8>,
        dechunk: Option<Dechunker>,
        parts: PartReader,
    },
}

impl Feed {
    /// Waits for data and appends each complete frame (with its header on
    /// the WebSocket) to `out`; false at the end of the stream.
    async fn next(&mut self, out: &mut Vec<Option<FrameHeader>>) -> Result<bool> {
        match self {
            Feed::Ws(socket) => loop {
                match socket.next().await.transpose()? {
                    Some(Message::Binary(bytes)) => {
                        out.push(Some(FrameHeader::decode(&bytes)?.0));
                        return Ok(true);
                    }
                    Some(Message::Close(_)) | None => return Ok(false),
                    Some(_) => {} // state messages, pings
                }
            },
            Feed::Mjpeg {
                stream,
                buf,
                dechunk,
                parts,
            } => {
                let n = stream.read(buf).await.context("MJPEG read")?;
                feed_mjpeg(dechunk, parts, buf.get(..n).unwrap_or_default())?;
                while parts.next_part()?.is_some() {
                    out.push(None);
                }
                Ok(n > 0)
            }
        }
    }
}

fn feed_mjpeg(dechunk: &mut Option<Dechunker>, parts: &mut PartReader, bytes: &[u8]) -> Result<()> {
    match dechunk {
        Some(dechunk) => parts.push(&dechunk.feed(bytes)?),
        None => parts.push(bytes),
    }
    Ok(())
}

/// Sends a raw HTTP/1.1 `GET /video_feed` and reads the response head.
async fn open_mjpeg(addr: SocketAddr) -> Result<Feed> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET /video_feed HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let (mut head, mut buf) = (Vec::new(), [0u8; 4096]);
    let end = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 16 * 1024 {
            bail!("no complete response head from /video_feed");
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
        if let Some(end) = find(&head, b"\r\n\r\n") {
            break end;
        }
    };
    let text = String::from_utf8_lossy(head.get(..end).unwrap_or_default()).to_ascii_lowercase();
    let status = text.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        bail!("/video_feed answered {status:?}");
    }
    let chunked = text
        .lines()
        .any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
    let (mut dechunk, mut parts) = (chunked.then(Dechunker::default), PartReader::default());
    feed_mjpeg(
        &mut dechunk,
        &mut parts,
        head.get(end + 4..).unwrap_or_default(),
    )?;
    let buf = vec![0; 64 * 1024];
    Ok(Feed::Mjpeg {
        stream,
        buf,
        dechunk,
        parts,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes an HTTP/1.1 chunked body incrementally.
#[derive(Debug, Default)]
struct Dechunker {
    pending: Vec<u8>,
    left: usize,
}

impl Dechunker {
    /// Takes received bytes, returns the body bytes they complete.
    fn feed(&mut self, input: &[u8]) -> Result<Vec<u8>> {
        self.pending.extend_from_slice(input);
        let (mut out, mut pos) = (Vec::new(), 0);
        while pos < self.pending.len() {
            let rest = self.pending.get(pos..).unwrap_or_default();
            if self.left > 0 {
                let n = self.left.min(rest.len());
                out.extend_from_slice(rest.get(..n).unwrap_or_default());
                (pos, self.left) = (pos + n, self.left - n);
                continue;
            }
            let Some(eol) = find(rest, b"\r\n") else {
                if rest.len() > 1024 {
                    bail!("chunk size line too long");
                }
                break;
            };
            let line = String::from_utf8_lossy(rest.get(..eol).unwrap_or_default()).into_owned();
            let size = line.split(';').next().unwrap_or_default().trim();
            // An empty line is the CRLF that ends a chunk's data.
            if !size.is_empty() {
                self.left = usize::from_str_radix(size, 16)
                    .with_context(|| format!("bad chunk size {size:?}"))?;
            }
            pos += eol + 2;
        }
        self.pending.drain(..pos);
        Ok(out)
    }
}

/// Column headings (after WS, MJPEG, receiving) and decimals of the results.
const COLUMNS: [(&str, usize); 11] = [
    ("fps min", 1),
    ("fps median", 1),
    ("gap p99 ms", 1),
    ("WS latency p50 ms", 1),
    ("WS latency p99 ms", 1),
    ("WS skipped %", 2),
    ("server CPU cores", 2),
    ("server RSS MB", 1),
    ("server peak RSS MB", 1),
    ("bench CPU cores", 2),
    ("recorded fps", 1),
];

/// Summary of one run, `values` in the order of [`COLUMNS`].
#[derive(Debug)]
struct RunResult {
    viewers: (usize, usize),
    receiving: usize,
    values: [Option<f64>; 11],
    errors: BTreeMap<String, usize>,
}

/// Frame rates count every requested viewer (one that never connected has
/// 0 fps); gaps and latencies are pooled over all viewers.
fn summarise(
    viewers: (usize, usize),
    seconds: f64,
    stats: &[ViewerStats],
    cpu: [Option<f64>; 2],
    memory: Option<(f64, f64)>,
) -> RunResult {
    let sorted = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values
    };
    let fps = sorted(
        stats
            .iter()
            .map(|v| v.times.len() as f64 / seconds)
            .collect(),
    );
    let gap_ms = |p: &[Instant]| (p[1] - p[0]).as_secs_f64() * 1e3;
    let gaps = sorted(
        stats
            .iter()
            .flat_map(|v| v.times.windows(2).map(gap_ms))
            .collect(),
    );
    let latencies = sorted(stats.iter().flat_map(|v| v.latencies_ms.clone()).collect());
    let skipped: u64 = stats.iter().map(|v| v.skipped).sum();
    let ws_frames = stats
        .iter()
        .filter(|v| v.last_seq.is_some())
        .map(|v| v.times.len());
    let expected = skipped as f64 + ws_frames.sum::<usize>() as f64;
    let mut errors = BTreeMap::new();
    for error in stats.iter().filter_map(|v| v.error.clone()) {
        *errors.entry(error).or_insert(0) += 1;
    }
    RunResult {
        viewers,
        receiving: stats.iter().filter(|v| !v.times.is_empty()).count(),
        values: [
            fps.first().copied(),
            percentile(&fps, 50.0),
            percentile(&gaps, 99.0),
            percentile(&latencies, 50.0),
            percentile(&latencies, 99.0),
            (expected > 0.0).then(|| skipped as f64 * 100.0 / expected),
            cpu[0],
            memory.map(|m| m.0),
            memory.map(|m| m.1),
            cpu[1],
            None,
        ],
        errors,
    }
}

/// Nearest-rank percentile of an ascending slice; `None` when empty.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

fn cells(r: &RunResult) -> impl Iterator<Item = String> + '_ {
    let show = |(value, (_, decimals)): (&Option<f64>, &(&str, usize))| {
        value.map_or_else(|| "-".to_owned(), |v| format!("{v:.decimals$}"))
    };
    r.values.iter().zip(COLUMNS.iter()).map(show)
}

fn print_block(r: &RunResult) {
    let (receiving, requested) = (r.receiving, r.viewers.0 + r.viewers.1);
    println!("  {:<20} {receiving}/{requested}", "receiving");
    for ((name, _), cell) in COLUMNS.iter().zip(cells(r)) {
        println!("  {name:<20} {cell}");
    }
    for (error, count) in r.errors.iter().take(3) {
        println!("  {:<20} {error}", format!("error ({count}x)"));
    }
    println!();
}

fn print_table(results: &[RunResult]) {
    let names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
    println!("| WS | MJPEG | receiving | {} |", names.join(" | "));
    println!("|{}", "---:|".repeat(COLUMNS.len() + 3));
    for r in results {
        let ((ws, mjpeg), receiving) = (r.viewers, r.receiving);
        let cells = cells(r).collect::<Vec<_>>().join(" | ");
        println!("| {ws} | {mjpeg} | {receiving} | {cells} |");
    }
}

/// utime + stime in clock ticks from the text of `/proc/PID/stat`.
fn parse_stat_ticks(stat: &str) -> Option<u64> {
    // The command name may hold spaces and parentheses; after the last ')'
    // the fields resume at field 3 (state), so utime (14) is index 11.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn cpu_ticks(pid: u32) -> Option<u64> {
    parse_stat_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// (VmRSS, VmHWM) in MB.
fn memory_mb(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let mb = |key| Some(number::<f64>(key, field(&status, key)?.split(' ').next()?).ok()? / 1024.0);
    Some((mb("VmRSS")?, mb("VmHWM")?))
}

/// The value of `key: value` in a `/proc` text file.
fn field(text: &str, key: &str) -> Option<String> {
    let mut pairs = text.lines().filter_map(|l| l.split_once(':'));
    pairs
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_owned())
}

async fn clock_ticks() -> f64 {
    let output = Command::new("getconf").arg("CLK_TCK").output().await;
    let text = output.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    text.ok()
        .and_then(|t| number::<f64>("CLK_TCK", &t).ok())
        .filter(|&t| t > 0.0)
        .unwrap_or(100.0)
}

/// `machine: MODEL, N cores, X GB RAM (OS ARCH)`.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let read = |path| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    // x86 has "model name"; Raspberry Pi kernels have "Model" or "Hardware".
    let model = ["model name", "Model", "Hardware"]
        .iter()
        .find_map(|k| field(&cpuinfo, k));
    let ram_kb = field(&read("/proc/meminfo"), "MemTotal")
        .and_then(|v| number::<f64>("MemTotal", v.split(' ').next()?).ok());
    format!(
        "machine: {}, {cores} cores, {:.1} GB RAM ({} {})",
        model.unwrap_or_else(|| "unknown CPU".into()),
        ram_kb.unwrap_or(0.0) / 1024.0 / 1024.0,
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// The operator key the benchmark's server runs with (its snapshots need
/// an operator).
const BENCH_KEY: &str = "camrig-benchmark-operator-key";

/// Starts `<bin> --camera test --listen 127.0.0.1:0 ...` and reads its address.
async fn start_server(o: &Options) -> Result<(Child, SocketAddr)> {
    let log_path = std::env::temp_dir().join("camrig-bench-server.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot create {}", log_path.display()))?;
    let ([w, h, f], bin) = (o.size.map(|v| v.to_string()), o.bin.display());
    let mut child = Command::new(&o.bin)
        .args(["--camera", "test", "--listen", "127.0.0.1:0"])
        .args(["--width", &w, "--height", &h, "--fps", &f])
        // The load is the point: no viewer limit in the way.
        .args(["--max-viewers", "100000"])
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
            stop_server(child).await;
            Err(err.context(format!("server log: {}", log_path.display())))
        }
    }
}

/// SIGTERM, then SIGKILL if it has not exited after its shutdown grace.
async fn stop_server(mut child: Child) {
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

/// Waits until a WebSocket client receives a frame; returns the camera state.
/// Runs a camera action over the WebSocket and returns its result.
async fn action(addr: SocketAddr, name: &str) -> Result<serde_json::Value> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{addr}/ws").into_client_request()?;
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

async fn wait_for_frames(addr: SocketAddr) -> Result<Option<CameraState>> {
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

/// `--idle N`: memory per viewer that never reads. Opens N WebSocket
/// viewers with a 4 KiB receive window that read nothing, waits until the
/// server has stopped sending to them, and reads the server's resident
/// memory; then closes them all and reads it again once the server counts
/// no viewer. Prints the figures (before, with, after, per viewer).
async fn idle_viewers(addr: SocketAddr, pid: Option<u32>, n: usize, seconds: u64) -> Result<()> {
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
        if probe_viewers(addr).await == Some(0) {
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

/// The server's viewer count, from `/api/state`.
async fn probe_viewers(addr: SocketAddr) -> Option<u32> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let request = format!("GET /api/state HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut body = String::new();
    timeout(Duration::from_secs(5), stream.read_to_string(&mut body))
        .await
        .ok()?
        .ok()?;
    let json = body.split_once("\r\n\r\n")?.1;
    let state: serde_json::Value = serde_json::from_str(json).ok()?;
    state["viewers"].as_u64().map(|v| v as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), Some(50.0));
        assert_eq!(percentile(&values, 99.0), Some(99.0));
        assert_eq!(percentile(&values, 0.0), Some(1.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn summary_counts_silent_viewers_and_skips() {
        let t0 = Instant::now();
        let seen = ViewerStats {
            times: [0, 100, 300]
                .map(|ms| t0 + Duration::from_millis(ms))
                .to_vec(),
            latencies_ms: vec![5.0, 1.0, 3.0],
            last_seq: Some(4),
            skipped: 1,
            error: None,
        };
        let silent = failed(ViewerStats::default(), "refused".into());
        let r = summarise(
            (2, 0),
            1.0,
            &[seen, silent],
            [None, Some(0.5)],
            Some((1.0, 2.0)),
        );
        assert_eq!(r.receiving, 1);
        let expected = [0.0, 0.0, 200.0, 3.0, 5.0, 25.0].map(Some);
        assert_eq!(r.values[..6], expected);
        assert_eq!(r.values[6..], [None, Some(1.0), Some(2.0), Some(0.5), None]);
        assert_eq!(r.errors.get("refused"), Some(&1));
    }

    #[test]
    fn proc_stat_ticks_survive_odd_command_names() {
        let stat = "42 (cam (rig) x) S 1 42 42 0 -1 4194560 100 0 0 0 250 31 0 0 20 0 9 0 1 2";
        assert_eq!(parse_stat_ticks(stat), Some(281));
        assert_eq!(parse_stat_ticks("garbage"), None);
    }

    #[test]
    fn chunked_body_is_decoded_across_splits() {
        let wire = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
        for split in 0..wire.len() {
            let mut d = Dechunker::default();
            let mut out = d.feed(&wire[..split]).unwrap();
            out.extend(d.feed(&wire[split..]).unwrap());
            assert_eq!(out, b"hello, world", "split at {split}");
        }
        assert!(Dechunker::default().feed(b"zz\r\n").is_err());
    }

    #[test]
    fn runs_and_urls_parse() {
        assert_eq!(
            parse_runs("1, 50,200", 2).unwrap(),
            [(1, 2), (50, 2), (200, 2)]
        );
        assert_eq!(parse_runs("50+10", 0).unwrap(), [(50, 10)]);
        assert!(parse_runs("x", 0).is_err());
        assert_eq!(parse_url("http://127.0.0.1:5000/").unwrap().port(), 5000);
        assert!(parse_url("http://10.0.0.1:5000").is_err());
    }
}
