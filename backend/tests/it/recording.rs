//! Recordings, checked with `ffprobe` (FFmpeg, independent of the
//! GStreamer that wrote them): a 5 s recording lasts 5 s within half a
//! second, is constrained-baseline H.264 in MP4 at the camera's full size
//! even when the view is toggled during it, and its catalogue entry gets
//! the duration, frame count and size; every client sees the indicator;
//! limits, camera loss and a full disk stop it cleanly with the reason
//! while the live view goes on; bad requests get clear errors.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{next_reply, ws_connect};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

/// What `ffprobe` says about a video file.
#[derive(Debug)]
pub struct Probe {
    codec: String,
    profile: String,
    width: u64,
    height: u64,
    frames: u64,
    duration_s: f64,
}

/// Runs `ffprobe`, counting frames by decoding them all.
pub fn ffprobe(path: &Path) -> Probe {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-of", "json"])
        .args([
            "-show_entries",
            "stream=codec_name,profile,width,height,nb_read_frames:format=duration",
        ])
        .arg(path)
        .output()
        .expect("ffprobe is missing: install the Debian package ffmpeg");
    assert!(
        out.status.success(),
        "ffprobe failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stream = &v["streams"][0];
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    Probe {
        codec: text(&stream["codec_name"]),
        profile: text(&stream["profile"]),
        width: stream["width"].as_u64().unwrap_or(0),
        height: stream["height"].as_u64().unwrap_or(0),
        frames: text(&stream["nb_read_frames"]).parse().unwrap_or(0),
        duration_s: text(&v["format"]["duration"]).parse().unwrap_or(0.0),
    }
}

async fn act(ws: &mut common::Ws, name: &str, args: serde_json::Value) -> serde_json::Value {
    let command = serde_json::json!({"id": 9, "cmd": "action", "name": name, "args": args});
    ws.send(Message::text(command.to_string())).await.unwrap();
    next_reply(ws).await
}

/// Waits for a pushed state matching `accept`.
async fn state_where(
    ws: &mut common::Ws,
    what: &str,
    deadline: Duration,
    accept: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    common::within(deadline, what, async {
        loop {
            if let Message::Text(text) = common::next_message(ws).await {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                if v["type"] == "state" && accept(&v["state"]) {
                    return v["state"].clone();
                }
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_five_second_recording_lasts_five_seconds_and_plays() {
    let config = common::test_config(640, 360, 30);
    let dir = config.media.dir.clone();
    let server = common::start_live(config).await;
    let mut a = ws_connect(&server).await;
    let mut b = ws_connect(&server).await;

    let reply = act(
        &mut a,
        "record_start",
        serde_json::json!({"name": "../trial: 1", "date_label": "day 1"}),
    )
    .await;
    let started = Instant::now();
    assert_eq!(reply["type"], "action_result", "{reply}");
    let entry = &reply["result"];
    assert_eq!(entry["file_name"], "trial_1.mp4");
    assert_eq!(entry["status"], "recording");
    let id = entry["id"].as_i64().unwrap();

    // The other client sees the indicator with a growing time and size.
    let shown = state_where(&mut b, "b to see 1 s of recording", common::STEP, |s| {
        s["recording"]["active"]["elapsed_ms"].as_u64() >= Some(1000)
    })
    .await;
    assert_eq!(shown["recording"]["active"]["id"], id);
    assert!(shown["recording"]["active"]["bytes"].as_u64().unwrap() > 0);

    // Toggling the view during the recording does not touch it.
    a.send(Message::text(
        r#"{"id":2,"cmd":"set_view","grayscale":true,"half_resolution":true}"#,
    ))
    .await
    .unwrap();
    next_reply(&mut a).await;
    let busy = act(&mut a, "record_start", serde_json::json!({})).await;
    assert_eq!(busy["code"], "unavailable", "{busy}");
    assert!(
        busy["message"]
            .as_str()
            .unwrap()
            .contains("already recording")
    );
    let running =
        common::http_request(server.addr, "DELETE", &format!("/api/media/{id}"), &[], b"").await;
    assert_eq!(running.status, 409);

    tokio::time::sleep_until((started + Duration::from_secs(5)).into()).await;
    let reply = act(&mut a, "record_stop", serde_json::json!({})).await;
    assert_eq!(reply["type"], "action_result", "{reply}");
    let done = &reply["result"];
    assert_eq!(done["status"], "complete");

    let probe = ffprobe(&dir.join("trial_1.mp4"));
    eprintln!("{probe:?}; catalogue: {done}");
    assert_eq!(probe.codec, "h264");
    assert_eq!(probe.profile, "Constrained Baseline");
    assert_eq!(
        (probe.width, probe.height),
        (640, 360),
        "full size, not the view's"
    );
    assert!(
        (probe.duration_s - 5.0).abs() <= 0.5,
        "duration {} s",
        probe.duration_s
    );
    let duration_ms = done["duration_ms"].as_u64().unwrap();
    assert!((duration_ms as f64 / 1000.0 - probe.duration_s).abs() < 0.2);
    let frames = done["frame_count"].as_u64().unwrap();
    assert!(
        frames.abs_diff(probe.frames) <= 2,
        "{frames} vs {}",
        probe.frames
    );
    assert_eq!(done["width"], 640);
    assert_eq!(
        done["size_bytes"].as_u64().unwrap(),
        std::fs::metadata(dir.join("trial_1.mp4")).unwrap().len()
    );

    // Everyone sees it end; stopping again is refused.
    state_where(&mut b, "b to see the recording end", common::STEP, |s| {
        s["recording"]["active"].is_null()
    })
    .await;
    let again = act(&mut a, "record_stop", serde_json::json!({})).await;
    assert_eq!(again["code"], "unavailable");
    let bad = act(&mut a, "record_start", serde_json::json!({"length": 3})).await;
    assert_eq!(bad["code"], "bad_request", "{bad}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_duration_limit_stops_a_recording_and_says_why() {
    let mut config = common::test_config(320, 240, 30);
    config.recording.max_seconds = 2;
    let dir = config.media.dir.clone();
    let server = common::start_live(config).await;
    let mut ws = ws_connect(&server).await;
    let reply = act(
        &mut ws,
        "record_start",
        serde_json::json!({"name": "short"}),
    )
    .await;
    assert_eq!(reply["result"]["status"], "recording", "{reply}");
    let state = state_where(&mut ws, "the limit to stop it", common::STEP, |s| {
        s["recording"]["active"].is_null() && !s["recording"]["error"].is_null()
    })
    .await;
    let reason = state["recording"]["error"].as_str().unwrap();
    assert!(reason.contains("maximum duration of 2 s"), "{reason}");
    let probe = ffprobe(&dir.join("short.mp4"));
    assert!(
        (1.5..=3.5).contains(&probe.duration_s),
        "{}",
        probe.duration_s
    );
    // The entry is complete and the live view goes on.
    let list = common::http_get(server.addr, "/api/media").await.json();
    assert_eq!(list["entries"][0]["status"], "complete", "{list}");
    common::next_frame(&mut ws).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_camera_closes_the_recording_properly() {
    let config = common::test_config(320, 240, 30);
    let dir = config.media.dir.clone();
    let server = common::start_live(config).await;
    let mut ws = ws_connect(&server).await;
    act(&mut ws, "record_start", serde_json::json!({"name": "lost"})).await;
    state_where(&mut ws, "1 s of recording", common::STEP, |s| {
        s["recording"]["active"]["elapsed_ms"].as_u64() >= Some(1000)
    })
    .await;
    let reply = act(
        &mut ws,
        "simulate_stall",
        serde_json::json!({"stalled": true}),
    )
    .await;
    assert_eq!(reply["type"], "action_result");
    let state = state_where(
        &mut ws,
        "the recording to end",
        Duration::from_secs(5),
        |s| s["recording"]["active"].is_null() && !s["recording"]["error"].is_null(),
    )
    .await;
    let reason = state["recording"]["error"].as_str().unwrap();
    assert!(reason.contains("camera lost"), "{reason}");
    let probe = ffprobe(&dir.join("lost.mp4"));
    assert!(probe.duration_s >= 0.9, "{}", probe.duration_s);
    let list = common::http_get(server.addr, "/api/media").await.json();
    assert_eq!(list["entries"][0]["status"], "complete", "{list}");
    assert!(list["entries"][0]["duration_ms"].as_u64().unwrap() >= 900);
    // Recording needs a live camera.
    let refused = act(&mut ws, "record_start", serde_json::json!({})).await;
    assert_eq!(refused["code"], "unavailable", "{refused}");
    act(
        &mut ws,
        "simulate_stall",
        serde_json::json!({"stalled": false}),
    )
    .await;
    server.stop().await;
}

/// Mounts a small tmpfs (needs root); `None` where that is not allowed.
fn small_disk(bytes: u64) -> Option<std::path::PathBuf> {
    let dir = common::unique_temp_dir("full-disk");
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
        .arg(&dir)
        .status()
        .ok()?;
    status.success().then_some(dir)
}

/// Unmounts `small_disk`'s tmpfs. Lazily: something in this process or a
/// child another test started meanwhile may still hold a file of it open
/// ("target is busy"); it goes once the last one is closed.
fn unmount(disk: &std::path::Path) {
    let _ = std::process::Command::new("umount")
        .arg("--lazy")
        .arg(disk)
        .status();
}

/// A 640x360 20 Mbit/s recording setup whose media folder is a tmpfs of
/// `bytes` (the catalogue stays on the big disk); `None`, said as
/// SKIPPED, where mounting is not allowed.
fn recording_onto_small_disk(bytes: u64) -> Option<(std::path::PathBuf, camrig::Config)> {
    let Some(disk) = small_disk(bytes) else {
        eprintln!("SKIPPED: cannot mount a tmpfs here (not root?)");
        return None;
    };
    let mut config = common::test_config(640, 360, 30);
    let db_dir = common::unique_temp_dir("small-disk-db");
    config.media.database_url = Some(camrig::catalogue::default_database_url(&db_dir));
    config.media.dir = disk.clone();
    config.recording.bitrate_kbps = 20_000;
    Some((disk, config))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_stops_the_recording_and_keeps_what_was_written() {
    let Some((disk, config)) = recording_onto_small_disk(3_000_000) else {
        return;
    };
    let server = common::start_live(config).await;
    let mut ws = ws_connect(&server).await;
    let reply = act(&mut ws, "record_start", serde_json::json!({"name": "big"})).await;
    assert_eq!(reply["result"]["status"], "recording", "{reply}");
    let state = state_where(
        &mut ws,
        "the full disk to stop it",
        Duration::from_secs(20),
        |s| s["recording"]["active"].is_null() && !s["recording"]["error"].is_null(),
    )
    .await;
    let reason = state["recording"]["error"].as_str().unwrap().to_owned();
    eprintln!("stopped: {reason}");
    assert!(reason.contains("cannot write the recording"), "{reason}");
    // The live view is still running, and the server still answers.
    let (before, _) = common::next_frame(&mut ws).await;
    let (after, _) = common::next_frame(&mut ws).await;
    assert!(after.sequence > before.sequence);
    let list = common::http_get(server.addr, "/api/media").await.json();
    let entry = &list["entries"][0];
    assert_eq!(entry["file_name"], "big.mp4", "{list}");
    assert!(entry["size_bytes"].as_u64().unwrap() > 1_000_000, "{entry}");
    // What was written before the disk filled still plays.
    let probe = ffprobe(&disk.join("big.mp4"));
    assert!(probe.duration_s > 0.3 && probe.frames > 5, "{probe:?}");
    server.stop().await;
    unmount(&disk);
}

const BIN: &str = env!("CARGO_BIN_EXE_camrig");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_recording_leaves_a_playable_interrupted_file() {
    let dir = common::unique_temp_dir("rec-kill");
    let mut server = common::spawn_server(BIN, &dir, (1280, 720, 30)).await;
    common::wait_until(common::STEP, "the camera to be live", || async {
        common::api_state(server.addr)
            .await
            .is_some_and(|s| s.camera.status == shared::CameraStatus::Live)
    })
    .await;
    let res = common::http_request(
        server.addr,
        "POST",
        "/api/actions/record_start",
        &[],
        br#"{"name":"killed"}"#,
    )
    .await;
    assert_eq!(res.status, 200, "{:?}", String::from_utf8_lossy(&res.body));
    let started = Instant::now();
    // Kill at a random moment between 3 and 6 s.
    let run_ms = 3000 + common::unix_now_us() % 3000;
    tokio::time::sleep_until((started + Duration::from_millis(run_ms)).into()).await;
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();
    let recorded = started.elapsed().as_secs_f64();

    let probe = ffprobe(&dir.join("killed.mp4"));
    eprintln!("killed after {recorded:.2} s; file: {probe:?}");
    assert_eq!(probe.codec, "h264");
    assert!(
        probe.duration_s >= recorded - 2.0,
        "only {} s of {recorded:.2} s survived",
        probe.duration_s
    );
    assert!(
        probe.frames as f64 >= (recorded - 2.0) * 30.0 * 0.9,
        "{probe:?}"
    );

    // The next start finds it and marks it interrupted, with its duration.
    let server = common::spawn_server(BIN, &dir, (320, 240, 30)).await;
    let list = common::http_get(server.addr, "/api/media").await.json();
    let entry = &list["entries"][0];
    assert_eq!(entry["file_name"], "killed.mp4", "{list}");
    assert_eq!(entry["status"], "interrupted", "{entry}");
    let duration_ms = entry["duration_ms"].as_u64().unwrap();
    assert!(
        (duration_ms as f64 / 1000.0 - probe.duration_s).abs() < 0.2,
        "{entry}"
    );
    drop(server);
}

/// The free-space floor (`media.min_free_megabytes`): below it a snapshot
/// and a recording are refused with `storage_full` and the reason, and
/// nothing is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captures_are_refused_below_the_free_space_floor() {
    let mut config = common::test_config(320, 240, 15);
    // More free space than any disk has.
    config.media.min_free_megabytes = 1_000_000;
    let server = common::start_live(config).await;
    for action in ["snapshot", "record_start"] {
        let res = common::http_request(
            server.addr,
            "POST",
            &format!("/api/actions/{action}"),
            &[],
            b"",
        )
        .await;
        assert_eq!(res.status, 507, "{action}");
        let body = res.json();
        assert_eq!(body["code"], "storage_full");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("media.min_free_megabytes"),
            "{body}"
        );
    }
    let list = common::http_get(server.addr, "/api/media").await.json();
    assert_eq!(list["total"], 0);
    server.stop().await;
}

/// A recording stops by itself when the media disk reaches the floor, keeps
/// what it wrote, says why, and the live view goes on; the next snapshot
/// is refused. (A 16 MB tmpfs with a 10 MB floor; skipped where mounting
/// is not allowed.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_stops_at_the_free_space_floor() {
    let Some((disk, mut config)) = recording_onto_small_disk(16_000_000) else {
        return;
    };
    config.media.min_free_megabytes = 10;
    let server = common::start_live(config).await;
    let mut ws = ws_connect(&server).await;
    let reply = act(
        &mut ws,
        "record_start",
        serde_json::json!({"name": "floor"}),
    )
    .await;
    assert_eq!(reply["result"]["status"], "recording", "{reply}");
    let state = state_where(
        &mut ws,
        "the floor to stop it",
        Duration::from_secs(20),
        |s| s["recording"]["active"].is_null() && !s["recording"]["error"].is_null(),
    )
    .await;
    let reason = state["recording"]["error"].as_str().unwrap().to_owned();
    assert!(reason.contains("media.min_free_megabytes"), "{reason}");
    let free = camrig::disk::free_bytes(&disk).unwrap();
    assert!(free > 5_000_000, "it stopped with {free} bytes left");
    let (before, _) = common::next_frame(&mut ws).await;
    let (after, _) = common::next_frame(&mut ws).await;
    assert!(after.sequence > before.sequence);
    let list = common::http_get(server.addr, "/api/media").await.json();
    assert_eq!(list["entries"][0]["status"], "complete", "{list}");
    let refused =
        common::http_request(server.addr, "POST", "/api/actions/snapshot", &[], b"").await;
    assert_eq!(refused.status, 507);
    drop(ws);
    server.stop().await;
    unmount(&disk);
}
