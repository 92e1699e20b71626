//! `cargo xtask bench`: a load generator for the camera rig server. It
//! starts `camrig --camera test` on a free loopback port (or targets a
//! running server with `--url`), connects the requested viewers a few at a
//! time, and once all have connected measures for a fixed window: frames
//! per second per viewer, inter-frame gaps, capture-to-receive latency and
//! encode time from the frame header, skipped sequence numbers, bandwidth
//! per viewer, the server's CPU and memory from `/proc`, and where its CPU
//! time went, thread by thread.
//!
//! `--runs 1,1h,50+10,0` repeats the measurement: `50` is 50 WebSocket
//! viewers of JPEG, `50h` of H.264, `50+10` adds 10 MJPEG viewers, `0` is
//! nobody watching once the camera has paused and `0r` nobody with the
//! camera kept running (`spec.rs` has the syntax). `1f` and `200f` are the
//! baseline: MJPEG viewers of the classic Flask streaming example
//! (`xtask/bench/flask_example.py`, with camrig's test source), which the
//! bench starts for those runs on the server's core and measures as it
//! measures the server; the targets table compares one camrig viewer's CPU
//! with `1f`'s. `--record` records
//! through every run with viewers and counts the frames in the file (the
//! started server keeps its media in a temporary folder, removed at the
//! end).
//! `--sweep-resolutions` repeats the runs at 640x480, 1280x720 and
//! 1920x1080. `--quick` is the few seconds CI runs: one JPEG viewer, one
//! H.264 viewer, nobody; it fails only when a run gets no frame at all,
//! never on a figure. `--idle N` instead opens N viewers that never read
//! and reports the server's memory with them and after they left.
//! `--heart` runs the server with its simulated board (`--demo`) and
//! measures how long its pulse batches take from the board's line to each
//! WebSocket viewer (the `received_us` stamp of every `pulse` message).
//!
//! The server is restarted whenever a run needs other settings (a
//! resolution, or the idle pause of the runs with nobody), and on a machine
//! with two or more cores it runs on one core (`taskset`) and the load
//! generator on the others. Each run prints a block; the end prints
//! markdown tables for the README (results, CPU by viewers and by
//! resolution, CPU by stage, and the targets with whether each was met).
//! Every wait is bounded, and only loopback addresses are used.
//!
//! Modules: `spec` (the run syntax), `server` (starting and asking the
//! server), `flask` (starting the Flask example), `run` and `viewer` (one
//! measurement), `multipart` (MJPEG parts), `procfs` and `profile` (CPU,
//! memory and threads), `mp4` (frames in a recording), `report` (figures
//! and tables), `targets` (the targets), `unread` (`--idle`).

mod flask;
mod mp4;
mod multipart;
mod procfs;
mod profile;
mod report;
mod run;
mod server;
mod spec;
mod targets;
mod unread;
mod viewer;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use tokio::time::sleep;

use profile::Layout;
use report::{Recorded, RunResult};
use spec::{Kind, RunSpec};

/// The resolutions `--sweep-resolutions` measures.
const SWEEP: [[u32; 2]; 3] = [[640, 480], [1280, 720], [1920, 1080]];
/// How long a run with nobody watching waits for the camera to pause.
const IDLE_WAIT: Duration = Duration::from_secs(30);
/// The window of `--quick` runs, in seconds.
const QUICK_SECONDS: u64 = 3;

/// The load generator's options (`cargo xtask bench --help`).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// WebSocket JPEG viewers (when there is no --runs).
    #[arg(long, default_value_t = 1)]
    ws: usize,
    /// MJPEG viewers (in every run written without `+`).
    #[arg(long, default_value_t = 0)]
    mjpeg: usize,
    /// Seconds each run measures [default: 10; 3 with --quick].
    #[arg(long)]
    seconds: Option<u64>,
    /// Runs one after the other, separated by commas. A run is viewers
    /// joined by `+`, each a count with a letter: `j` WebSocket JPEG
    /// (`/ws`), `h` WebSocket H.264 (`/ws?video=h264`), `m` MJPEG
    /// (`/video_feed`); a bare first count is JPEG and a bare count after
    /// `+` is MJPEG (`50`, `50h`, `50+10`, `25+25h`). `0` is nobody
    /// watching, measured once the camera has paused (the server runs with
    /// `--idle-seconds 1`); `0r` is nobody with the camera kept running
    /// (`--idle-seconds 0`). `1f`, `200f`: MJPEG viewers of the Flask
    /// streaming example instead of camrig (a run of their own; `cargo
    /// xtask setup` installs Flask).
    #[arg(long, value_name = "1,1h,50+10,0,0r,1f")]
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
    /// Repeat every run at 640x480, 1280x720 and 1920x1080 (the server is
    /// restarted for each) and print the server's CPU per resolution.
    #[arg(long, conflicts_with = "url")]
    sweep_resolutions: bool,
    /// A few seconds for CI: one JPEG viewer, one H.264 viewer and nobody
    /// watching (`--runs 1,1h,0 --seconds 3`). Prints the figures and
    /// fails only when a run receives no frame at all.
    #[arg(long, conflicts_with_all = ["runs", "idle", "sweep_resolutions", "record"])]
    quick: bool,
    /// Do not pin the server and the load generator to cores.
    #[arg(long)]
    no_pin: bool,
    /// The server binary to start.
    #[arg(long, value_name = "PATH")]
    bin: Option<PathBuf>,
    /// Measure a server already running at this loopback address instead.
    #[arg(long, value_name = "http://127.0.0.1:PORT")]
    url: Option<String>,
    /// That server's process id, for its CPU, memory and threads (needs
    /// --url).
    #[arg(long, requires = "url")]
    pid: Option<u32>,
    /// Record during every run with viewers and count the frames in the
    /// file.
    #[arg(long)]
    record: bool,
    /// Instead of the runs: this many viewers that never read (memory).
    #[arg(long, value_name = "N")]
    idle: Option<usize>,
    /// Run the server's simulated board (`--demo`) and measure the heart
    /// rate's pulse batches from the board's line to every WebSocket
    /// viewer.
    #[arg(long, conflicts_with = "url")]
    heart: bool,
}

struct Options {
    seconds: u64,
    url: Option<SocketAddr>,
    pid: Option<u32>,
    runs: Vec<RunSpec>,
    /// The sizes to run at: one, or the sweep's three.
    sizes: Vec<[u32; 3]>,
    bin: PathBuf,
    record: bool,
    idle: Option<usize>,
    pin: bool,
    heart: bool,
}

/// Runs the benchmark with the options given after `cargo xtask bench`.
pub fn main(args: Args) -> Result<()> {
    let options = options(args)?;
    // Before pinning: it counts the cores this process may use.
    let machine = procfs::machine();
    let (pinning, pin_note) = pin(&options);
    let workers = pinning.as_ref().map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |p| p.bench.len(),
    );
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(run_all(options, machine, pinning, pin_note))
}

pub(crate) fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T> {
    let value = value.trim();
    value
        .parse()
        .map_err(|_| anyhow!("{flag}: invalid number {value:?}"))
}

/// Checks the options and works out the runs.
fn options(args: Args) -> Result<Options> {
    let runs = match (&args.runs, args.quick) {
        (_, true) => spec::parse_runs("1,1h,0", 0)?,
        (Some(spec), false) => spec::parse_runs(spec, args.mjpeg)?,
        (None, false) => vec![RunSpec {
            viewers: [args.ws, 0, args.mjpeg, 0],
            keep_running: false,
        }],
    };
    let default_seconds = if args.quick { QUICK_SECONDS } else { 10 };
    let seconds = args.seconds.unwrap_or(default_seconds);
    if seconds == 0 || runs.is_empty() {
        bail!("--runs needs at least one run, and --seconds must be at least 1");
    }
    let sizes = match args.sweep_resolutions {
        true => SWEEP.map(|[w, h]| [w, h, args.fps]).to_vec(),
        false => vec![[args.width, args.height, args.fps]],
    };
    Ok(Options {
        seconds,
        url: args.url.as_deref().map(parse_url).transpose()?,
        pid: args.pid,
        runs,
        sizes,
        bin: args
            .bin
            .unwrap_or_else(|| crate::root().join("target/release/camrig")),
        record: args.record,
        idle: args.idle,
        pin: !args.no_pin,
        heart: args.heart,
    })
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

/// Which CPUs the server and the load generator run on.
struct Pinning {
    server: usize,
    bench: Vec<usize>,
}

/// Pins this process (before its runtime's threads exist, so they inherit
/// it) to all allowed CPUs but the last, which the server gets; says what
/// it did.
fn pin(o: &Options) -> (Option<Pinning>, String) {
    let cpus = procfs::allowed_cpus(std::process::id());
    let Some((&server, bench)) = cpus.split_last() else {
        return (None, "none (cannot read the allowed CPUs)".into());
    };
    if !o.pin {
        return (None, "none (--no-pin)".into());
    }
    if o.url.is_some() {
        return (
            None,
            "none (the server at --url was not started here)".into(),
        );
    }
    if bench.is_empty() {
        return (
            None,
            "none (one core: server and load generator share it)".into(),
        );
    }
    let list = procfs::cpu_list(bench);
    let pid = std::process::id().to_string();
    let pinned = std::process::Command::new("taskset")
        .args(["-p", "-c", &list, &pid])
        .stdout(std::process::Stdio::null())
        .status();
    match pinned {
        Ok(status) if status.success() => {
            let note = format!(
                "server on CPU {server}, load generator on CPU {list} (taskset, util-linux)"
            );
            let bench = bench.to_vec();
            (Some(Pinning { server, bench }), note)
        }
        _ => (
            None,
            "none (taskset from util-linux is missing or failed)".into(),
        ),
    }
}

/// The server the runs go to: started here, or the one at `--url`, or
/// the Flask example.
struct Up {
    addr: SocketAddr,
    pid: Option<u32>,
    child: Option<tokio::process::Child>,
    /// Why it offers no H.264 live view, if it offers none.
    no_h264: Option<String>,
    /// Width, height, fps, as its camera reports them.
    size: [u32; 3],
}

async fn bring_up(
    o: &Options,
    size: [u32; 3],
    idle_seconds: Option<u32>,
    pinning: &Option<Pinning>,
    media_dir: &Path,
) -> Result<Up> {
    let (addr, pid, child) = match o.url {
        Some(addr) => (addr, o.pid, None),
        None => {
            let launch = server::Launch {
                bin: o.bin.clone(),
                size,
                idle_seconds,
                media_dir: media_dir.to_owned(),
                cpu: pinning.as_ref().map(|p| p.server),
                demo: o.heart,
            };
            let (child, addr) = server::start(&launch).await?;
            (addr, child.id(), Some(child))
        }
    };
    let up = async {
        let camera = server::wait_for_frames(addr).await?;
        server::wait_for_state(addr, server::STARTUP_TIMEOUT, server::is_live)
            .await
            .context("the camera did not report live")?;
        let state = server::state(addr).await;
        let no_h264 = match &state {
            Some(state) => server::h264_unavailable(state),
            None => Some("/api/state did not answer".into()),
        };
        let size = camera.map_or(size, |c| [c.width, c.height, c.fps]);
        anyhow::Ok((no_h264, size))
    };
    match up.await {
        Ok((no_h264, size)) => Ok(Up {
            addr,
            pid,
            child,
            no_h264,
            size,
        }),
        Err(err) => {
            if let Some(child) = child {
                server::stop(child).await;
            }
            Err(err.context(format!("server log: {}", server::log_path().display())))
        }
    }
}

async fn run_all(
    o: Options,
    machine: String,
    pinning: Option<Pinning>,
    pin_note: String,
) -> Result<()> {
    let clk_tck = procfs::clock_ticks().await;
    println!("{machine}");
    println!("pinning: {pin_note}");
    let media_dir = std::env::temp_dir().join(format!("camrig-bench-media-{}", std::process::id()));
    std::fs::create_dir_all(&media_dir)
        .with_context(|| format!("cannot create {}", media_dir.display()))?;
    let result = match o.idle {
        Some(n) => unread(&o, n, &pinning, &media_dir).await,
        None => {
            // Before anything runs: what the machine alone does to a busy
            // thread (frame gaps and late frames below this are not the
            // server's).
            let cpu = pinning.as_ref().map(|p| p.server);
            // A thread of its own, gone afterwards: the core it moves to
            // must not keep one of the runtime's threads.
            let probe = tokio::task::spawn_blocking(move || {
                std::thread::spawn(move || {
                    procfs::stall_probe(std::time::Duration::from_secs(5), clk_tck, cpu)
                })
                .join()
            });
            let seen = match probe.await {
                Ok(Ok(seen)) => seen,
                _ => "stalls: the probe failed".to_owned(),
            };
            println!("{seen}");
            runs(&o, clk_tck, &pinning, &media_dir).await
        }
    };
    let _ = std::fs::remove_dir_all(&media_dir);
    result
}

/// The Flask example, on the core the server gets (it is started here
/// even with `--url`).
async fn bring_up_flask(size: [u32; 3], pinning: &Option<Pinning>) -> Result<Up> {
    let launch = flask::Launch {
        size,
        cpu: pinning.as_ref().map(|p| p.server),
    };
    let (child, addr) = flask::start(launch).await?;
    Ok(Up {
        addr,
        pid: child.id(),
        child: Some(child),
        no_h264: Some("the Flask example serves MJPEG only".into()),
        size,
    })
}

/// `--idle N`.
async fn unread(o: &Options, n: usize, pinning: &Option<Pinning>, media: &Path) -> Result<()> {
    let up = bring_up(o, o.sizes[0], None, pinning, media).await?;
    let result = unread::unread_viewers(up.addr, up.pid, n, o.seconds).await;
    if let Some(child) = up.child {
        server::stop(child).await;
    }
    result
}

/// Every run, grouped onto as few server starts as their settings allow,
/// then the tables; fails when a run with viewers got no frame at all.
async fn runs(o: &Options, clk_tck: f64, pinning: &Option<Pinning>, media: &Path) -> Result<()> {
    let plan: Vec<(RunSpec, [u32; 3])> = o
        .sizes
        .iter()
        .flat_map(|&size| o.runs.iter().map(move |&run| (run, size)))
        .collect();
    let server = match (o.url, pinning) {
        (Some(addr), _) => format!("http://{addr}"),
        (None, Some(p)) => format!("{} on CPU {}", o.bin.display(), p.server),
        (None, None) => o.bin.display().to_string(),
    };
    println!(
        "settings: {} s window per run{}, server {server}",
        o.seconds,
        if o.record {
            ", recording through each run with viewers"
        } else {
            ""
        },
    );
    println!("note: the load generator runs on the same machine\n");
    let mut results: Vec<RunResult> = Vec::new();
    let mut at = 0;
    while let Some(&(first, size)) = plan.get(at) {
        let idle = first.idle_seconds();
        let is_flask = first.is_flask();
        let same = |(run, s): &&(RunSpec, [u32; 3])| {
            *s == size && run.idle_seconds() == idle && run.is_flask() == is_flask
        };
        let group: Vec<RunSpec> = plan
            .get(at..)
            .unwrap_or_default()
            .iter()
            .take_while(same)
            .map(|(run, _)| *run)
            .collect();
        let up = match is_flask {
            false => bring_up(o, size, idle, pinning, media).await?,
            true => match bring_up_flask(size, pinning).await {
                Ok(up) => up,
                Err(err) => {
                    // The baseline missing does not void camrig's runs.
                    let why = format!("the Flask example did not start: {err:#}");
                    for (i, spec) in group.iter().enumerate() {
                        println!("run {}/{}: {}", at + i + 1, plan.len(), spec.label());
                        let result = RunResult::not_run(*spec, size, why.clone());
                        report::print_block(&result);
                        results.push(result);
                    }
                    at += group.len().max(1);
                    continue;
                }
            },
        };
        let pid = up
            .pid
            .map_or_else(|| "no --pid".to_owned(), |p| format!("pid {p}"));
        let cpus = up.pid.map(procfs::allowed_cpus).unwrap_or_default();
        if is_flask {
            println!(
                "Flask example: {}, {}, http://{}, {pid}, CPUs {}\n",
                flask::script().display(),
                report::size_label(up.size),
                up.addr,
                procfs::cpu_list(&cpus)
            );
        } else {
            let idle_flag = idle.map_or_else(
                || "default --idle-seconds".to_owned(),
                |s| format!("--idle-seconds {s}"),
            );
            let h264 = match &up.no_h264 {
                None => "H.264 live view offered".to_owned(),
                Some(why) => format!("no H.264 live view: {why}"),
            };
            println!(
                "server: {}, {idle_flag}, {pid}, CPUs {}; {h264}\n",
                report::size_label(up.size),
                procfs::cpu_list(&cpus)
            );
        }
        let target = run::Target {
            addr: up.addr,
            pid: up.pid,
            clk_tck,
            layout: Layout {
                h264: up.no_h264.is_none(),
                recordings: o.record && !is_flask,
            },
        };
        let mut outcome = Ok(());
        for (i, spec) in group.iter().enumerate() {
            if i > 0 {
                sleep(Duration::from_secs(1)).await; // let the last run's sessions close
            }
            println!(
                "run {}/{}: {} ({}), {}",
                at + i + 1,
                plan.len(),
                spec.label(),
                spec.describe(),
                report::size_label(up.size)
            );
            let result = if spec.is_nobody() {
                Ok(nobody(o, target, *spec, up.size).await)
            } else if let (true, Some(why)) = (spec.count(Kind::H264) > 0, &up.no_h264) {
                let why = format!("this server offers no H.264 live view: {why}");
                Ok(RunResult::not_run(*spec, up.size, why))
            } else {
                with_viewers(o, target, *spec, up.size, media).await
            };
            match result {
                Ok(result) => {
                    report::print_block(&result);
                    results.push(result);
                }
                Err(err) => {
                    outcome = Err(err);
                    break;
                }
            }
        }
        if let Some(child) = up.child {
            server::stop(child).await;
        }
        outcome?;
        at += group.len().max(1);
    }
    print_tables(&results);
    let silent: Vec<String> = results
        .iter()
        .filter(|r| r.not_run.is_none() && r.spec.total() > 0 && r.receiving() == 0)
        .map(|r| format!("{} @ {}x{}", r.spec.label(), r.size[0], r.size[1]))
        .collect();
    if !silent.is_empty() {
        bail!("no viewer received a frame in run {}", silent.join(", "));
    }
    Ok(())
}

/// A run with viewers, recording through it with `--record`.
async fn with_viewers(
    o: &Options,
    target: run::Target,
    spec: RunSpec,
    size: [u32; 3],
    media: &Path,
) -> Result<RunResult> {
    let recording = match o.record && !spec.is_flask() {
        true => {
            let started = Instant::now();
            server::action(target.addr, "record_start").await?;
            Some(started)
        }
        false => None,
    };
    let measured = run::measure(target, &spec, o.seconds).await;
    let mut result = report::summarise(spec, size, &measured);
    if o.record && spec.is_flask() {
        result
            .notes
            .push("not recording: the Flask example has no recorder".into());
    }
    if let Some(started) = recording {
        let entry = server::action(target.addr, "record_stop").await?;
        let wall_s = started.elapsed().as_secs_f64();
        let file = match o.url {
            None => server::recording_path(media, &entry),
            Some(_) => None,
        };
        result.recorded = Some(count_recording(file, wall_s, size[2]));
    }
    Ok(result)
}

/// Counts the frames in a finished recording's file.
fn count_recording(file: Option<PathBuf>, wall_s: f64, fps: u32) -> Recorded {
    let counted = file
        .ok_or_else(|| "its file is not on this machine (--url)".to_owned())
        .and_then(|path| {
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            mp4::samples(&bytes).ok_or_else(|| format!("{}: no video samples", path.display()))
        });
    match counted {
        Ok(samples) => Recorded {
            frames: Some(samples.count),
            expected: Some((samples.span_s * f64::from(fps)).round()),
            wall_s,
            note: None,
        },
        Err(note) => Recorded {
            frames: None,
            expected: None,
            wall_s,
            note: Some(note),
        },
    }
}

/// A run with nobody watching: once the camera has paused (`0`), or with
/// it kept running (`0r`).
async fn nobody(o: &Options, target: run::Target, spec: RunSpec, size: [u32; 3]) -> RunResult {
    let mut notes = Vec::new();
    if spec.keep_running {
        // The start-up probe's and the last run's sessions close.
        sleep(Duration::from_secs(2)).await;
        if o.url.is_some() {
            notes.push("the server at --url keeps its own camera.idle_seconds".to_owned());
        }
    } else {
        match server::wait_for_state(target.addr, IDLE_WAIT, server::is_idle).await {
            Some(waited) => notes.push(format!(
                "the server reported camera.idle after {:.1} s of waiting",
                waited.as_secs_f64()
            )),
            None => notes.push(format!(
                "the camera did not report idle within {} s; measured anyway",
                IDLE_WAIT.as_secs()
            )),
        }
    }
    let measured = run::measure(target, &spec, o.seconds).await;
    let mut result = report::summarise(spec, size, &measured);
    let idle_after = server::state(target.addr)
        .await
        .is_some_and(|s| server::is_idle(&s));
    if !spec.keep_running && !idle_after {
        notes.push("the camera was not idle at the end of the window".into());
    }
    if spec.keep_running && idle_after {
        notes.push("the camera paused although it should have kept running".into());
    }
    if o.record {
        notes.push("not recording: the figure is for an unwatched, unrecorded camera".into());
    }
    result.notes = notes;
    result
}

fn print_tables(results: &[RunResult]) {
    println!("{}", report::results_table(results));
    for table in [
        report::cpu_by_viewers(results),
        report::cpu_by_resolution(results),
        report::profile_table(results),
        targets::targets_table(results),
    ] {
        if !table.is_empty() {
            println!("{table}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_loopback_only() {
        assert_eq!(parse_url("http://127.0.0.1:5000/").unwrap().port(), 5000);
        assert!(parse_url("http://10.0.0.1:5000").is_err());
    }

    fn parsed(args: &[&str]) -> Result<Options> {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let cli = Cli::try_parse_from(std::iter::once("bench").chain(args.iter().copied()))?;
        options(cli.args)
    }

    #[test]
    fn quick_and_sweep_work_out_their_runs() {
        let quick = parsed(&["--quick"]).unwrap();
        let labels: Vec<String> = quick.runs.iter().map(RunSpec::label).collect();
        assert_eq!((labels.join(","), quick.seconds), ("1,1h,0".to_owned(), 3));
        assert!(parsed(&["--quick", "--runs", "5"]).is_err());
        let sweep = parsed(&["--runs", "1h", "--sweep-resolutions", "--fps", "25"]).unwrap();
        assert_eq!(
            sweep.sizes,
            [[640, 480, 25], [1280, 720, 25], [1920, 1080, 25]]
        );
        let plain = parsed(&["--ws", "3", "--mjpeg", "2"]).unwrap();
        let three_and_two = RunSpec {
            viewers: [3, 0, 2, 0],
            keep_running: false,
        };
        assert_eq!(plain.runs, [three_and_two]);
        assert_eq!((plain.seconds, plain.sizes.len()), (10, 1));
        assert!(parsed(&["--seconds", "0"]).is_err());
    }
}
