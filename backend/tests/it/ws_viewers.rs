//! Several WebSocket viewers watching the test source at once: each gets the
//! state first, then binary frames whose header decodes, whose payload is a
//! complete JPEG of the configured size, with strictly increasing sequence
//! numbers and a recent capture time; the viewer count follows connects and
//! disconnects.
use crate::common;

use crate::common::{STEP, Ws, jpeg_size, next_frame, next_message, parse_server, unix_now_us};
use shared::{CameraSource, ServerMessage};
use tokio_tungstenite::tungstenite::Message;

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;
const FPS: u32 = 30;
const VIEWERS: usize = 4;
const FRAMES_PER_VIEWER: usize = 15;

/// Checks the first message and `FRAMES_PER_VIEWER` frames of one viewer.
async fn watch(mut ws: Ws, viewer: usize) -> Ws {
    let Message::Text(text) = next_message(&mut ws).await else {
        panic!("viewer {viewer}: the first message is not text");
    };
    let ServerMessage::State { id, state } = parse_server(&text) else {
        panic!("viewer {viewer}: the first message is not a state: {text}");
    };
    assert_eq!(id, None, "viewer {viewer}");
    assert_eq!(state.camera.source, CameraSource::Test, "viewer {viewer}");
    assert_eq!(
        (state.camera.width, state.camera.height, state.camera.fps),
        (WIDTH, HEIGHT, FPS),
        "viewer {viewer}"
    );
    assert!(
        text.contains(r#""source":"test""#),
        "viewer {viewer}: {text}"
    );

    let mut last_sequence = None;
    for _ in 0..FRAMES_PER_VIEWER {
        let (header, jpeg) = next_frame(&mut ws).await;
        if let Some(last) = last_sequence {
            assert!(
                header.sequence > last,
                "viewer {viewer}: sequence {} after {last}",
                header.sequence
            );
        }
        last_sequence = Some(header.sequence);
        assert_eq!(
            (u32::from(header.width), u32::from(header.height)),
            (WIDTH, HEIGHT),
            "viewer {viewer}: header size"
        );
        assert_eq!(
            jpeg_size(&jpeg),
            (header.width, header.height),
            "viewer {viewer}: JPEG size differs from the header"
        );
        let now = unix_now_us();
        let age_us = now.abs_diff(header.captured_us);
        assert!(
            age_us < 3_000_000,
            "viewer {viewer}: captured_us {} is {age_us} µs from now {now}",
            header.captured_us
        );
    }
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_viewers_each_get_state_then_valid_frames() {
    let server = common::start(common::test_config(WIDTH, HEIGHT, FPS)).await;
    let mut clients = Vec::new();
    for _ in 0..VIEWERS {
        clients.push(common::ws_connect(&server).await);
    }
    let addr = server.addr;
    common::wait_until(STEP, "the viewer count to reach 4", || async move {
        common::api_state(addr)
            .await
            .is_some_and(|s| s.viewers == VIEWERS as u32)
    })
    .await;

    let watchers: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, ws)| tokio::spawn(watch(ws, i)))
        .collect();
    let mut clients = Vec::new();
    for watcher in watchers {
        clients.push(watcher.await.expect("a viewer's checks failed"));
    }

    // Leaving viewers are no longer counted.
    for mut ws in clients {
        ws.close(None).await.expect("cannot close");
    }
    common::wait_until(STEP, "the viewer count to drop to 0", || async move {
        common::api_state(addr)
            .await
            .is_some_and(|s| s.viewers == 0)
    })
    .await;

    let took = server.stop().await;
    assert!(took.as_secs() < 5, "shutdown took {took:?}");
}
