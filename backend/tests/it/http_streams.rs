//! The plain HTTP surface with a live test source: the MJPEG stream at
//! `/video_feed` read over a raw HTTP/1.1 connection and split with
//! [`shared::mjpeg::PartReader`], the newest frame at `/snapshot.jpg`,
//! `/healthz` and `/api/state`.
use crate::common;

use crate::common::{BodyReader, STEP, jpeg_size, within};
use shared::mjpeg::PartReader;
use shared::{CameraSource, CameraStatus, ServerState};

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;
const FPS: u32 = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mjpeg_snapshot_health_and_state() {
    let server = common::start_live(common::test_config(WIDTH, HEIGHT, FPS)).await;
    let addr = server.addr;

    // MJPEG: at least five complete JPEG parts of the configured size.
    let (status, headers, reader) = common::open_get(addr, "/video_feed", false).await;
    assert_eq!(status, 200);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        header("content-type").as_deref(),
        Some("multipart/x-mixed-replace; boundary=frame")
    );
    assert_eq!(header("cache-control").as_deref(), Some("no-store"));
    let chunked = header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let mut body = BodyReader::new(reader, chunked);
    let mut parts = PartReader::default();
    let mut jpegs = 0;
    within(STEP, "five MJPEG parts", async {
        while jpegs < 5 {
            let bytes = body.next().await.expect("the MJPEG stream ended");
            parts.push(&bytes);
            while let Some(jpeg) = parts.next_part().expect("malformed MJPEG stream") {
                let size = jpeg_size(&jpeg);
                assert_eq!((u32::from(size.0), u32::from(size.1)), (WIDTH, HEIGHT));
                jpegs += 1;
            }
        }
    })
    .await;
    drop(body);

    // Snapshot: the newest frame as a JPEG.
    let snapshot = common::http_get(addr, "/snapshot.jpg").await;
    assert_eq!(
        snapshot.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&snapshot.body)
    );
    assert_eq!(snapshot.header("content-type"), Some("image/jpeg"));
    assert_eq!(snapshot.header("cache-control"), Some("no-store"));
    let size = jpeg_size(&snapshot.body);
    assert_eq!((u32::from(size.0), u32::from(size.1)), (WIDTH, HEIGHT));
    let number = |name: &str| -> u64 {
        let value = snapshot
            .header(name)
            .unwrap_or_else(|| panic!("no {name} header: {:?}", snapshot.headers));
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name} is not a number: {value:?}"))
    };
    let sequence = number("x-frame-sequence");
    assert!(sequence >= 1, "snapshot sequence {sequence}");
    let captured_us = number("x-capture-timestamp-us");
    let age_us = common::unix_now_us().abs_diff(captured_us);
    assert!(age_us < 3_000_000, "snapshot captured {age_us} µs from now");
    // A later snapshot is a later frame.
    let later = within(STEP, "a newer snapshot", async {
        loop {
            let again = common::http_get(addr, "/snapshot.jpg").await;
            assert_eq!(again.status, 200);
            let seq: u64 = again.header("x-frame-sequence").unwrap().parse().unwrap();
            assert!(
                seq >= sequence,
                "snapshot sequence went back: {seq} < {sequence}"
            );
            if seq > sequence {
                return seq;
            }
        }
    })
    .await;
    assert!(later > sequence);

    // Health.
    let health = common::http_get(addr, "/healthz").await;
    assert_eq!(health.status, 200);
    assert!(
        health
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{:?}",
        health.headers
    );
    let json = health.json();
    assert_eq!(json["status"], "ok", "{json}");
    assert_eq!(json["camera"], "live", "{json}");

    // State, in the same shape WebSocket clients get.
    let state = common::http_get(addr, "/api/state").await;
    assert_eq!(state.status, 200);
    let json = state.json();
    assert_eq!(json["camera"]["source"], "test", "{json}");
    assert_eq!(json["camera"]["status"], "live", "{json}");
    let state: ServerState = serde_json::from_value(json).expect("not a ServerState");
    assert_eq!(state.camera.source, CameraSource::Test);
    assert_eq!(state.camera.status, CameraStatus::Live);
    assert_eq!(
        (state.camera.width, state.camera.height, state.camera.fps),
        (WIDTH, HEIGHT, FPS)
    );
    assert_eq!(state.camera.reason, None);
    assert_eq!(state.viewers, 0, "MJPEG clients are not WebSocket viewers");

    let took = server.stop().await;
    assert!(took.as_secs() < 5, "shutdown took {took:?}");
}

/// Reads from `stream` until the server closes it (end of stream or a
/// reset); fails the test if that takes longer than `deadline`.
async fn until_closed(stream: &mut tokio::net::TcpStream, deadline: std::time::Duration) {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 64 * 1024];
    within(deadline, "the server to close the connection", async {
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// Slow and idle clients are cut off after `server.idle_timeout_seconds`
/// while others are served: headers trickled a byte at a time
/// (slowloris), a keep-alive connection left idle, and an MJPEG client
/// that stopped reading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_idle_and_stalled_clients_are_cut_off() {
    use std::time::{Duration, Instant};
    use tokio::io::AsyncWriteExt;
    let mut config = common::test_config(1280, 720, 30);
    config.idle_timeout_seconds = 2;
    let server = common::start_live(config).await;
    let addr = server.addr;

    // Slowloris: a header byte every 300 ms never completes a request.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let trickle = async {
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if slow.write_all(b"X").await.is_err() {
                return;
            }
        }
    };
    within(
        Duration::from_secs(10),
        "the trickling client to be cut off",
        trickle,
    )
    .await;
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(1), "cut off after {took:?}");

    // Idle keep-alive: one request, then nothing.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    until_closed(&mut idle, Duration::from_secs(10)).await;

    // An MJPEG client with a tiny receive window that stops reading: the
    // stream would go on for ever; the server drops it instead.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket.connect(addr).await.unwrap();
    stalled
        .write_all(format!("GET /video_feed HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    // Up to 4 MB of socket buffer fill first, at a few MB a second.
    tokio::time::sleep(Duration::from_secs(8)).await;
    until_closed(&mut stalled, Duration::from_secs(10)).await;

    // Meanwhile, and after, everyone else is served.
    assert_eq!(common::http_get(addr, "/healthz").await.status, 200);
    server.stop().await;
}
