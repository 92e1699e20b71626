//! The light and heart-rate board over a real pseudo-terminal: the
//! simulator (the real firmware core) on one side, the server's serial link
//! on the other. The heart rate reaches WebSocket clients, light commands
//! reach the board, megabytes of line noise do not stop the link or lose
//! intact frames, unplugging shows within 2 s and replugging restores the
//! light, and a board running the original sketch works too. A pulse with
//! a diastolic wave nearly as tall as the systolic one gives the right
//! rate, with its quality and beat intervals; a saturated sensor and a
//! finger taken off give no rate but the reason, in plain words.

use crate::common;

use std::io::Write;
use std::time::Duration;

use crate::common::ws_connect;
use futures_util::SinkExt;
use rig_device_protocol::{DeviceMessage, HeartRate, Message};
use rig_sim::{Options, PpgConfig, Signal, Simulator};
use shared::device::{DeviceMode, LinkStatus};
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn config_for(mode: DeviceMode, path: &std::path::Path) -> camrig::Config {
    let mut config = common::test_config(160, 120, 10);
    config.device.mode = mode;
    config.device.path = Some(path.display().to_string());
    config
}

async fn device_state(addr: std::net::SocketAddr) -> shared::device::DeviceState {
    common::api_state(addr).await.unwrap().device
}

async fn wait_for_bpm(addr: std::net::SocketAddr, target: f32, deadline: Duration) -> f32 {
    let mut last = None;
    let end = std::time::Instant::now() + deadline;
    while std::time::Instant::now() < end {
        last = device_state(addr).await.heart.bpm;
        if last.is_some_and(|bpm| (bpm - target).abs() <= 2.0) {
            return last.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("heart rate never came within 2 of {target}: last {last:?}");
}

async fn light(ws: &mut common::Ws, args: serde_json::Value) -> serde_json::Value {
    let command = serde_json::json!({"id": 5, "cmd": "action", "name": "light", "args": args});
    ws.send(WsMessage::text(command.to_string())).await.unwrap();
    common::next_reply(ws).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heart_rate_and_light_over_a_pty() {
    let link = common::unique_temp_dir("sim").join("tty");
    let sim = Simulator::start(Options {
        signal: Signal::synthetic(75.0),
        link: Some(link.clone()),
        ..Default::default()
    })
    .unwrap();
    let server = common::start(config_for(DeviceMode::Serial, &link)).await;
    let addr = server.addr;
    common::wait_until(common::STEP, "the board to connect", || async move {
        device_state(addr).await.link == LinkStatus::Connected
    })
    .await;
    let state = device_state(addr).await;
    assert_eq!(state.firmware.as_deref(), Some("0.1.0"));
    assert!(state.pulse_sensor);
    let bpm = wait_for_bpm(addr, 75.0, Duration::from_secs(30)).await;
    eprintln!("heart rate {bpm} for a simulated 75");

    // A WebSocket client gets it in its state, and pulse waveform batches.
    let mut ws = ws_connect(&server).await;
    let (mut rate_seen, mut pulse_seen) = (None, false);
    common::within(common::STEP, "the heart rate and a pulse batch", async {
        while rate_seen.is_none() || !pulse_seen {
            if let WsMessage::Text(text) = common::next_message(&mut ws).await {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                if v["type"] == "pulse" && v["samples"].as_array().is_some_and(|s| !s.is_empty()) {
                    assert_eq!(v["rate_hz"], 50);
                    // Stamped when it came off the serial line: a moment
                    // ago by this machine's clock.
                    let received = v["received_us"].as_u64().unwrap();
                    let now = camrig::camera::pipeline::unix_now_us();
                    assert!(
                        received <= now && now - received < 5_000_000,
                        "{received} vs {now}"
                    );
                    pulse_seen = true;
                }
                if let Some(bpm) = v["state"]["device"]["heart"]["bpm"].as_f64() {
                    rate_seen = Some(bpm);
                }
            }
        }
    })
    .await;
    let ws_bpm = rate_seen.unwrap();
    assert!(
        (ws_bpm - 75.0).abs() <= 2.0,
        "WebSocket client saw {ws_bpm}"
    );

    // Light commands reach the board, and the reply is its confirmation.
    let reply = light(
        &mut ws,
        serde_json::json!({"on": true, "brightness": 40, "color": "#ff8000"}),
    )
    .await;
    assert_eq!(reply["type"], "action_result", "{reply}");
    assert_eq!(reply["result"]["brightness"], 40);
    let sent = *sim.lights().last().unwrap();
    assert_eq!(
        (sent.r, sent.g, sent.b, sent.brightness, sent.on),
        (255, 128, 0, 40, true)
    );
    // Two people changing the light at once: neither is told it failed,
    // and the board ends with both changes.
    let mut other = ws_connect(&server).await;
    for round in 0..5u8 {
        let send = |args: serde_json::Value| {
            serde_json::json!({"id": 5, "cmd": "light", "brightness": args["brightness"], "color": args["color"]})
                .to_string()
        };
        let level = 50 + round;
        ws.send(WsMessage::text(send(
            serde_json::json!({"brightness": level, "color": null}),
        )))
        .await
        .unwrap();
        other
            .send(WsMessage::text(send(
                serde_json::json!({"brightness": null, "color": format!("00ff{round:02x}")}),
            )))
            .await
            .unwrap();
        for (who, client) in [("first", &mut ws), ("second", &mut other)] {
            let reply = common::next_reply(client).await;
            assert_eq!(
                reply["type"], "action_result",
                "{who} in round {round}: {reply}"
            );
        }
        let board = *sim.lights().last().unwrap();
        assert_eq!((board.g, board.b, board.brightness), (255, round, level));
    }
    drop(other);
    let restored = light(
        &mut ws,
        serde_json::json!({"brightness": 40, "color": "ff8000"}),
    )
    .await;
    assert_eq!(restored["result"]["r"], 255, "{restored}");

    // Off, then on again: the colour and brightness come back.
    light(&mut ws, serde_json::json!({"on": false})).await;
    let reply = light(&mut ws, serde_json::json!({"on": true})).await;
    assert_eq!(reply["result"]["r"], 255);
    assert_eq!(reply["result"]["brightness"], 40);
    let bad = light(&mut ws, serde_json::json!({"color": "orange"})).await;
    assert_eq!(bad["code"], "bad_request", "{bad}");

    // Unplugged: disconnected within 2 s (plus polling); replugged: back,
    // with the light state sent again.
    let before = sim.lights().len();
    sim.unplug();
    let unplugged = std::time::Instant::now();
    common::wait_until(
        Duration::from_secs(3),
        "the unplug to show",
        || async move { device_state(addr).await.link == LinkStatus::Disconnected },
    )
    .await;
    eprintln!("unplug seen after {:?}", unplugged.elapsed());
    let refused = light(&mut ws, serde_json::json!({"brightness": 41})).await;
    assert_eq!(refused["code"], "unavailable", "{refused}");
    sim.replug().unwrap();
    common::wait_until(common::STEP, "the board to reconnect", || async move {
        device_state(addr).await.link == LinkStatus::Connected
    })
    .await;
    common::wait_until(common::STEP, "the light to be restored", || {
        let lights = sim.lights();
        async move {
            lights.len() > before
                && lights
                    .last()
                    .is_some_and(|l| l.on && l.brightness == 41 && l.r == 255)
        }
    })
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn megabytes_of_noise_lose_no_intact_frame() {
    // The test plays the board itself on a raw pty.
    let pty = rig_sim::pty::Pty::open().unwrap();
    let server = common::start(config_for(DeviceMode::Serial, &pty.path)).await;
    let addr = server.addr;
    let mut board = pty.controller.try_clone().unwrap();
    // Swallow what the server writes (its status requests), as a board would.
    let mut sink = pty.controller.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while matches!(std::io::Read::read(&mut sink, &mut buf), Ok(n) if n > 0) {}
    });
    let frames: u64 = 2000;
    let writer = std::thread::spawn(move || {
        let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut written = 0usize;
        let hello = rig_sim::hello(false).encode();
        board.write_all(hello.as_bytes()).unwrap();
        for i in 0..frames {
            // About 2 KiB of random bytes, '$' and all, between frames.
            let garbage: Vec<u8> = (0..1024 + next() % 2048).map(|_| next() as u8).collect();
            board.write_all(&garbage).unwrap();
            written += garbage.len();
            let beat = DeviceMessage::HeartRate(HeartRate {
                bpm_tenths: 600 + (i % 600) as u16,
                quality: 90,
                beat_ms: i as u32 * 1000,
                interval_ms: 1000,
            });
            board.write_all(beat.encode().as_bytes()).unwrap();
            // Keep the link's silence watchdog fed with a Hello now and then.
            if i % 200 == 0 {
                board.write_all(hello.as_bytes()).unwrap();
            }
        }
        written
    });
    let written = tokio::task::spawn_blocking(move || writer.join().unwrap())
        .await
        .unwrap();
    eprintln!(
        "{:.1} MB of noise around {frames} frames",
        written as f64 / 1e6
    );
    assert!(written > 3_000_000);
    let deadline = Duration::from_secs(20);
    common::wait_until(
        deadline,
        "every intact frame to be decoded",
        || async move { device_state(addr).await.heart.beats >= frames },
    )
    .await;
    let state = device_state(addr).await;
    eprintln!("beats decoded: {} of {frames}", state.heart.beats);
    assert!(state.heart.beats * 1000 >= frames * 999);
    assert_eq!(state.link, LinkStatus::Connected);
    drop(pty);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_with_the_original_sketch_works() {
    let link = common::unique_temp_dir("legacy").join("tty");
    let sim = Simulator::start(Options {
        signal: Signal::synthetic(66.0),
        legacy: true,
        link: Some(link.clone()),
        ..Default::default()
    })
    .unwrap();
    let server = common::start(config_for(DeviceMode::Legacy, &link)).await;
    let addr = server.addr;
    wait_for_bpm(addr, 66.0, Duration::from_secs(30)).await;
    let state = device_state(addr).await;
    assert_eq!(state.firmware.as_deref(), Some("legacy sketch"));
    let mut ws = ws_connect(&server).await;
    let reply = light(
        &mut ws,
        serde_json::json!({"on": true, "brightness": 128, "color": "ff8000"}),
    )
    .await;
    assert_eq!(reply["type"], "action_result", "{reply}");
    // The sketch receives RRGGBB already scaled by the brightness, then BB.
    common::wait_until(common::STEP, "the sketch to get the light", || {
        let last = sim.lights().last().copied();
        async move {
            last.is_some_and(|l| (l.r, l.g, l.b, l.brightness, l.on) == (128, 64, 0, 128, true))
        }
    })
    .await;
    light(&mut ws, serde_json::json!({"on": false})).await;
    common::wait_until(common::STEP, "the sketch to get 00000000", || {
        let last = sim.lights().last().copied();
        async move { last.is_some_and(|l| !l.on && l.brightness == 0) }
    })
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_is_labelled_and_a_configured_device_never_falls_back() {
    let mut config = common::test_config(160, 120, 10);
    config.device.demo_if_unset = true;
    config.device.demo_bpm = 90;
    let server = common::start(config).await;
    let state = device_state(server.addr).await;
    assert_eq!(state.mode, DeviceMode::Demo);
    assert!(state.simulated());
    wait_for_bpm(server.addr, 90.0, Duration::from_secs(30)).await;
    server.stop().await;

    // A configured but absent device stays disconnected, with the reason.
    let mut config = config_for(
        DeviceMode::Serial,
        std::path::Path::new("/dev/ttyCAMRIG-absent"),
    );
    config.device.demo_if_unset = true;
    let server = common::start(config).await;
    let addr = server.addr;
    common::wait_until(common::STEP, "the reason to show", || async move {
        device_state(addr).await.reason.is_some()
    })
    .await;
    let state = device_state(addr).await;
    assert_eq!(state.mode, DeviceMode::Serial);
    assert_eq!(state.link, LinkStatus::Disconnected);
    assert!(state.reason.unwrap().contains("/dev/ttyCAMRIG-absent"));
    assert_eq!(state.heart.bpm, None);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_and_snapshots_keep_the_heart_rate() {
    let mut config = common::test_config(320, 240, 30);
    config.device.demo_if_unset = true;
    config.device.demo_bpm = 80;
    let server = common::start_live(config).await;
    let addr = server.addr;
    wait_for_bpm(addr, 80.0, Duration::from_secs(30)).await;

    let res = common::http_request(addr, "POST", "/api/actions/snapshot", &[], b"{}").await;
    let bpm = res.json()["metadata"]["heart_rate_bpm"].as_f64().unwrap();
    assert!((bpm - 80.0).abs() <= 2.0, "{bpm}");

    let res = common::http_request(addr, "POST", "/api/actions/record_start", &[], b"{}").await;
    assert_eq!(res.status, 200, "{:?}", String::from_utf8_lossy(&res.body));
    let id = res.json()["id"].as_i64().unwrap();
    let started = std::time::Instant::now();
    // Wait (with a deadline) for three beats to pass during the recording.
    let beats = device_state(addr).await.heart.beats;
    common::wait_until(common::STEP, "three beats", || async move {
        device_state(addr).await.heart.beats >= beats + 3
    })
    .await;
    let res = common::http_request(addr, "POST", "/api/actions/record_stop", &[], b"{}").await;
    assert_eq!(res.status, 200);
    let length_ms = started.elapsed().as_millis() as u64;
    let video_ms = res.json()["duration_ms"].as_u64().unwrap();

    let trace = common::http_get(addr, &format!("/api/media/{id}/heart"))
        .await
        .json();
    let bpm = trace["bpm"].as_array().unwrap();
    assert!(bpm.len() >= 3, "{trace}");
    for point in bpm {
        let (t, value) = (point[0].as_u64().unwrap(), point[1].as_f64().unwrap());
        assert!(t <= length_ms, "beat at {t} ms of {length_ms}");
        assert!((value - 80.0).abs() <= 3.0, "{value}");
    }
    assert_eq!(trace["pulse_rate_hz"], 50);
    let samples = trace["pulse"].as_array().unwrap().len() as u64;
    // 50 a second over the video's length, give or take a 10-sample batch
    // at either end.
    let expected = video_ms * 50 / 1000;
    assert!(
        samples + 25 >= expected && samples <= expected + 25,
        "{samples} samples for a {video_ms} ms video"
    );

    let csv = common::http_get(addr, &format!("/api/media/{id}/heart.csv")).await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = String::from_utf8(csv.body).unwrap();
    assert!(text.starts_with("time_s,pulse,bpm,interval_ms\n"));
    assert_eq!(text.lines().count() as u64, samples + 1);
    // Each beat's interval is in the trace and on a CSV row: about 750 ms
    // at 80 BPM.
    let intervals = trace["intervals"].as_array().unwrap();
    assert!(intervals.len() >= 2, "{trace}");
    for point in intervals {
        let ms = point[1].as_u64().unwrap();
        assert!((600..=900).contains(&ms), "interval {ms} ms at 80 BPM");
    }
    let filled = text
        .lines()
        .skip(1)
        .filter(|line| line.rsplit(',').next().is_some_and(|f| !f.is_empty()))
        .count();
    assert!(
        filled >= 2 && filled <= intervals.len(),
        "{filled} rows with an interval"
    );

    // A photo has none; a deleted video's trace goes with it.
    let photo = common::http_get(addr, "/api/media?kind=photo").await.json();
    let photo_id = photo["entries"][0]["id"].as_i64().unwrap();
    assert_eq!(
        common::http_get(addr, &format!("/api/media/{photo_id}/heart"))
            .await
            .status,
        404
    );
    let res = common::http_request(addr, "DELETE", &format!("/api/media/{id}"), &[], b"").await;
    assert_eq!(res.status, 204);
    assert_eq!(
        common::http_get(addr, &format!("/api/media/{id}/heart"))
            .await
            .status,
        404
    );
    server.stop().await;
}

/// The next state message whose heart-rate part satisfies `test`.
async fn heart_where(
    ws: &mut common::Ws,
    what: &str,
    test: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    common::within(Duration::from_secs(30), what, async {
        loop {
            if let WsMessage::Text(text) = common::next_message(ws).await {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let heart = &v["state"]["device"]["heart"];
                if heart.is_object() && test(heart) {
                    return heart.clone();
                }
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_quality_intervals_and_reasons_reach_a_websocket_client() {
    let link = common::unique_temp_dir("sim-reasons").join("tty");
    let pulse = PpgConfig {
        diastolic: 0.9,
        ..PpgConfig::at_bpm(75.0)
    };
    let sim = Simulator::start(Options {
        signal: Signal::Synthetic {
            config: pulse,
            dropout: None,
        },
        link: Some(link.clone()),
        ..Default::default()
    })
    .unwrap();
    let server = common::start(config_for(DeviceMode::Serial, &link)).await;
    let mut ws = ws_connect(&server).await;

    // The second wave is not a beat: 75, not 150.
    let heart = heart_where(&mut ws, "a rate near 75 with an interval", |h| {
        h["bpm"].as_f64().is_some_and(|b| (b - 75.0).abs() <= 2.0) && h["interval_ms"].is_u64()
    })
    .await;
    eprintln!("heart: {heart}");
    assert!(heart["quality"].as_u64().unwrap() >= 50, "{heart}");
    let interval = heart["interval_ms"].as_u64().unwrap();
    assert!((680..=920).contains(&interval), "{interval} ms at 75 BPM");
    assert!(heart.get("issue").is_none() && heart.get("reason").is_none());

    // Too much light: the signal sits flat at the sensor's ceiling.
    sim.set_signal(Signal::Synthetic {
        config: PpgConfig {
            ceiling: 450.0,
            ..pulse
        },
        dropout: None,
    });
    let heart = heart_where(&mut ws, "the saturated reason", |h| {
        h["issue"] == "saturated"
    })
    .await;
    assert!(heart.get("bpm").is_none(), "{heart}");
    assert_eq!(heart["reason"], "sensor saturated: lower the gain or light");

    // The finger taken off: a dark, flat reading.
    sim.set_signal(Signal::Recorded(vec![20; 500]));
    let heart = heart_where(&mut ws, "the no-finger reason", |h| {
        h["issue"] == "no_finger"
    })
    .await;
    assert_eq!(heart["reason"], "finger not detected");

    // And back: a rate again.
    sim.set_signal(Signal::synthetic(90.0));
    heart_where(&mut ws, "a rate near 90", |h| {
        h["bpm"].as_f64().is_some_and(|b| (b - 90.0).abs() <= 2.0)
    })
    .await;
    server.stop().await;
}
