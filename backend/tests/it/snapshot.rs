//! Camera actions through the command channel and HTTP: a snapshot is saved
//! as a JPEG with a sanitised name and a catalogue entry with capture
//! metadata, every client hears of it, it works with no viewer connected,
//! and unknown actions or bad arguments get clear errors.

use crate::common;

use crate::common::{next_reply, ws_connect};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_over_websocket_and_http() {
    let config = common::test_config(320, 240, 15);
    let dir = config.media.dir.clone();
    let server = common::start_live(config).await;

    // With no viewer connected, over HTTP.
    let res = common::http_request(server.addr, "POST", "/api/actions/snapshot", &[], b"{}").await;
    assert_eq!(res.status, 200, "{:?}", String::from_utf8_lossy(&res.body));
    let entry = res.json();
    let name = entry["file_name"].as_str().unwrap().to_owned();
    assert!(name.starts_with("20") && name.ends_with(".jpg"), "{name}");
    let saved = std::fs::read(dir.join(&name)).unwrap();
    assert_eq!(common::jpeg_size(&saved), (320, 240));

    let mut a = ws_connect(&server).await;
    let mut b = ws_connect(&server).await;
    a.send(Message::text(
        r#"{"id":3,"cmd":"action","name":"snapshot","args":{"name":"../Left eye: 7","date_label":"visit 2"}}"#,
    ))
    .await
    .unwrap();
    let reply = next_reply(&mut a).await;
    assert_eq!(reply["type"], "action_result");
    assert_eq!(reply["id"], 3);
    let entry = &reply["result"];
    assert_eq!(entry["file_name"], "Left_eye_7.jpg");
    assert_eq!(entry["date_label"], "visit 2");
    assert_eq!(entry["kind"], "photo");
    assert_eq!(entry["width"], 320);
    assert_eq!(entry["metadata"]["camera"], "test");
    assert_eq!(entry["metadata"]["grayscale"], false);
    assert!(dir.join("Left_eye_7.jpg").is_file());
    assert!(!dir.parent().unwrap().join("Left_eye_7.jpg").exists());

    // The other client hears about it.
    common::within(common::STEP, "b to hear of the snapshot", async {
        loop {
            if let Message::Text(text) = common::next_message(&mut b).await {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                if v["type"] == "media" && v["event"]["entry"]["file_name"] == "Left_eye_7.jpg" {
                    return;
                }
            }
        }
    })
    .await;

    for (request, code) in [
        (
            r#"{"id":4,"cmd":"action","name":"teleport"}"#,
            "bad_request",
        ),
        (
            r#"{"id":5,"cmd":"action","name":"snapshot","args":{"nmae":"x"}}"#,
            "bad_request",
        ),
        (
            r#"{"id":6,"cmd":"action","name":"snapshot","args":"x"}"#,
            "bad_request",
        ),
    ] {
        a.send(Message::text(request)).await.unwrap();
        let reply = next_reply(&mut a).await;
        assert_eq!(reply["type"], "error", "{request}");
        assert_eq!(reply["code"], code, "{request}");
    }
    a.send(Message::text(r#"{"id":7,"cmd":"list_actions"}"#))
        .await
        .unwrap();
    let reply = next_reply(&mut a).await;
    let names: Vec<&str> = reply["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"snapshot"), "{names:?}");
    let unknown =
        common::http_request(server.addr, "POST", "/api/actions/teleport", &[], b"{}").await;
    assert_eq!(unknown.status, 400);
    // The known actions are named, in the order list_actions gives them.
    let known = format!("known actions: {}", names.join(", "));
    assert!(
        unknown.json()["message"].as_str().unwrap().contains(&known),
        "{}",
        unknown.json()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_without_a_camera_is_a_clear_error() {
    let mut config = common::test_config(320, 240, 15);
    config.camera.source = camrig::config::SourceSetting::Fixed(shared::CameraSource::V4l2);
    config.camera.device = Some("/dev/video-does-not-exist".into());
    let server = common::start(config).await;
    let res = common::http_request(server.addr, "POST", "/api/actions/snapshot", &[], b"{}").await;
    assert_eq!(res.status, 503);
    assert_eq!(res.json()["code"], "unavailable");
    server.stop().await;
}

/// Every curl command the README shows, run with the real curl as written
/// (only the address changes to this test server's), after the README's
/// own line that reads the generated operator key from `media/` (run in
/// the folder that holds the server's media folder): each answers with a
/// JSON result, not an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_curl_examples_work_as_written() {
    let spans = common::readme_spans();
    let examples: Vec<&String> = spans.iter().filter(|s| s.starts_with("curl ")).collect();
    let key_line = spans
        .iter()
        .find(|s| s.starts_with("export CAMRIG_KEY="))
        .expect("the README shows how to read the key");
    assert!(examples.len() >= 2, "{examples:?}");
    // No configured key: the server makes one in <cwd>/media.
    let cwd = common::unique_temp_dir("readme");
    let mut config = common::test_config(320, 240, 15);
    config.media.dir = cwd.join("media");
    config.auth.operator_key = None;
    let server = common::start_live(config).await;
    for example in examples {
        let command = example.replace("http://127.0.0.1:5000", &format!("http://{}", server.addr));
        let out = tokio::process::Command::new("sh")
            .args(["-c", &format!("{key_line}; {command}")])
            .current_dir(&cwd)
            .output()
            .await
            .expect("cannot run sh");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{example}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let reply: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{example}: not JSON ({e}): {stdout}"));
        assert!(reply.get("code").is_none(), "{example}: {reply}");
    }
    server.stop().await;
}
