//! The restream against a real receiver: ffmpeg listening for RTMP takes
//! the server's stream and writes it to a file, which ffprobe then reads
//! (codec, size, frame count). When the receiver goes away the state says
//! the restream is retrying, with the reason, while the live view carries
//! on; a new receiver on the same address gets the stream again.

use crate::common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::common::{api_state, wait_until};
use shared::{CameraStatus, RestreamStatus};
use tokio::process::{Child, Command};

/// A free loopback port (bound and released; ffmpeg takes it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// ffmpeg waiting for one RTMP publisher on `port`, copying two seconds of
/// its stream into `out`.
fn receiver(port: u16, out: &Path) -> Child {
    Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-listen",
            "1",
            "-i",
        ])
        .arg(format!("rtmp://127.0.0.1:{port}/live/cam"))
        .args(["-t", "2", "-c", "copy", "-f", "flv"])
        .arg(out)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("ffmpeg is part of the setup")
}

/// What ffprobe finds in `file`: codec, width, height and frame count.
async fn probe(file: &Path) -> (String, u64, u64, u64) {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-count_frames"])
        .args([
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames",
        ])
        .args(["-of", "json"])
        .arg(file)
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let stream = &json["streams"][0];
    let number = |v: &serde_json::Value| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(0)
    };
    (
        stream["codec_name"].as_str().unwrap_or_default().to_owned(),
        number(&stream["width"]),
        number(&stream["height"]),
        number(&stream["nb_read_frames"]),
    )
}

/// Waits for ffmpeg to finish its two seconds.
async fn finished(mut child: Child) {
    let status = common::within(Duration::from_secs(30), "ffmpeg to finish", child.wait())
        .await
        .unwrap();
    assert!(status.success(), "ffmpeg failed: {status}");
}

async fn restream_is(addr: std::net::SocketAddr, wanted: RestreamStatus) {
    wait_until(
        Duration::from_secs(30),
        &format!("the restream to be {wanted:?}"),
        || async move {
            api_state(addr)
                .await
                .and_then(|s| s.restream)
                .is_some_and(|r| r.status == wanted)
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ffmpeg_receives_the_restream_and_it_comes_back_after_the_receiver_left() {
    let dir = common::unique_temp_dir("restream");
    let port = free_port();
    let first = receiver(port, &dir.join("first.flv"));
    let mut config = common::test_config(320, 240, 30);
    config.camera.idle_seconds = 1;
    config.restream =
        camrig::restream::RestreamTarget::parse(&format!("rtmp://127.0.0.1:{port}/live/cam"));
    let server = common::start_live(config).await;
    let addr = server.addr;
    restream_is(addr, RestreamStatus::Live).await;
    let shown = api_state(addr).await.unwrap().restream.unwrap();
    assert_eq!(
        shown.target,
        format!("rtmp://127.0.0.1:{port}"),
        "no stream key shown"
    );

    finished(first).await;
    let (codec, width, height, frames) = probe(&dir.join("first.flv")).await;
    assert_eq!((codec.as_str(), width, height), ("h264", 320, 240));
    assert!(
        frames >= 45,
        "two seconds at 30 fps arrived, got {frames} frames"
    );

    // The receiver has gone: the restream says so and retries; the live
    // view is untouched, and the camera does not pause (it is watched).
    restream_is(addr, RestreamStatus::Retrying).await;
    let state = api_state(addr).await.unwrap();
    assert!(state.restream.unwrap().reason.is_some());
    assert_eq!(state.camera.status, CameraStatus::Live);
    assert!(!state.camera.idle);
    let response = common::http_get(addr, "/snapshot.jpg").await;
    assert_eq!(response.status, 200);

    let second = receiver(port, &dir.join("second.flv"));
    restream_is(addr, RestreamStatus::Live).await;
    finished(second).await;
    let (codec, _, _, frames) = probe(&dir.join("second.flv")).await;
    assert_eq!(codec, "h264");
    assert!(frames >= 45, "the second receiver got {frames} frames");
    server.stop().await;
}
