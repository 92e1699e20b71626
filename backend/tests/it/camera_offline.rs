//! A camera that cannot be opened does not take the server down: with a
//! V4L2 device path that does not exist, `/healthz` still answers, WebSocket
//! clients see the camera as offline with a reason, and `/snapshot.jpg`
//! answers 503 with the `no_frame` code.
use crate::common;

use crate::common::{STEP, next_message, parse_server, within};
use camrig::config::SourceSetting;
use shared::{CameraSource, CameraStatus, ServerMessage};
use tokio_tungstenite::tungstenite::Message;

const DEVICE: &str = "/dev/video-does-not-exist";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_camera_is_reported_not_fatal() {
    let mut config = common::test_config(320, 240, 30);
    config.camera.source = SourceSetting::Fixed(CameraSource::V4l2);
    config.camera.device = Some(DEVICE.into());
    let server = common::start(config).await;
    let addr = server.addr;

    let health = common::http_get(addr, "/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");

    // The first state may still say "starting"; an "offline" push follows.
    let mut ws = common::ws_connect(&server).await;
    let camera = within(STEP, "the camera to be reported offline", async {
        loop {
            match next_message(&mut ws).await {
                Message::Text(text) => {
                    if let ServerMessage::State { state, .. } = parse_server(&text) {
                        assert_ne!(state.camera.status, CameraStatus::Live, "{text}");
                        if state.camera.status == CameraStatus::Offline {
                            return state.camera;
                        }
                    }
                }
                Message::Binary(_) => panic!("a frame from a camera that does not exist"),
                _ => {}
            }
        }
    })
    .await;
    assert_eq!(camera.source, CameraSource::V4l2);
    assert_eq!(camera.device.as_deref(), Some(DEVICE));
    let reason = camera.reason.expect("offline without a reason");
    assert!(!reason.trim().is_empty(), "empty reason");
    eprintln!("offline reason: {reason}");

    let snapshot = common::http_get(addr, "/snapshot.jpg").await;
    assert_eq!(snapshot.status, 503);
    let json = snapshot.json();
    assert_eq!(json["code"], "no_frame", "{json}");
    assert!(
        json["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{json}"
    );

    let health = common::http_get(addr, "/healthz").await;
    assert_eq!(health.status, 200);
    let json = health.json();
    assert_eq!(json["status"], "ok", "{json}");
    assert_ne!(json["camera"], "live", "{json}");

    let state = common::api_state(addr).await.expect("no /api/state");
    assert_eq!(state.camera.source, CameraSource::V4l2);
    assert_ne!(state.camera.status, CameraStatus::Live);

    drop(ws);
    let took = server.stop().await;
    assert!(took.as_secs() < 5, "shutdown took {took:?}");
}
