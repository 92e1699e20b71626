//! Camera loss: when the test source goes silent (a stall with no bus
//! error), clients see the camera offline within 3 s with the reason,
//! snapshots are refused, and when frames return the stream resumes by
//! itself, with no process restart and increasing sequence numbers.

use crate::common;

use std::time::{Duration, Instant};

use crate::common::{next_reply, ws_connect};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

/// Waits for a pushed state whose camera status is `status`.
async fn status_becomes(
    ws: &mut common::Ws,
    status: &str,
    deadline: Duration,
) -> serde_json::Value {
    common::within(deadline, &format!("camera status {status}"), async {
        loop {
            if let Message::Text(text) = common::next_message(ws).await {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                if v["type"] == "state" && v["state"]["camera"]["status"] == status {
                    return v;
                }
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_camera_goes_offline_and_comes_back() {
    let server = common::start_live(common::test_config(320, 240, 30)).await;
    let mut ws = ws_connect(&server).await;
    let (before, _) = common::next_frame(&mut ws).await;

    ws.send(Message::text(
        r#"{"id":1,"cmd":"action","name":"simulate_stall","args":{"stalled":true}}"#,
    ))
    .await
    .unwrap();
    let stalled_at = Instant::now();
    assert_eq!(next_reply(&mut ws).await["type"], "action_result");
    let offline = status_becomes(&mut ws, "offline", Duration::from_secs(3)).await;
    eprintln!("offline after {:?}", stalled_at.elapsed());
    let reason = offline["state"]["camera"]["reason"].as_str().unwrap();
    assert!(reason.contains("no frames"), "{reason}");
    let snapshot =
        common::http_request(server.addr, "POST", "/api/actions/snapshot", &[], b"{}").await;
    assert_eq!(snapshot.status, 503);
    assert_eq!(
        common::http_get(server.addr, "/snapshot.jpg").await.status,
        503
    );
    // Everything else keeps answering.
    assert_eq!(common::http_get(server.addr, "/healthz").await.status, 200);

    ws.send(Message::text(
        r#"{"id":2,"cmd":"action","name":"simulate_stall","args":{"stalled":false}}"#,
    ))
    .await
    .unwrap();
    status_becomes(&mut ws, "live", Duration::from_secs(15)).await;
    let (after, jpeg) = common::next_frame(&mut ws).await;
    assert!(after.sequence > before.sequence);
    assert_eq!(common::jpeg_size(&jpeg), (320, 240));
    server.stop().await;
}
