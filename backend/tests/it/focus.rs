//! Focus and camera controls through the command channel, on the test
//! source's simulated liquid lens: the picture is measurably sharper at the
//! in-focus position than away from it, autofocus finds that position,
//! steps and clamping work, every client sees the new values, camera
//! controls are listed and set with range checks, and a camera without a
//! lens answers "no adjustable focus".

use crate::common;

use crate::common::{next_frame, next_reply, ws_connect};
use camrig::camera::controls::Simulated;
use camrig::config::SourceSetting;
use futures_util::SinkExt;
use shared::CameraSource;
use tokio_tungstenite::tungstenite::Message;

/// Mean absolute Laplacian of the luma: higher is sharper.
fn sharpness(jpeg: &[u8]) -> f64 {
    let picture = common::Picture::decode(jpeg);
    let (w, h, luma) = (picture.width, picture.height, picture.luma);
    let mut sum = 0.0;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let c = luma[y * w + x];
            let lap = 4.0 * c
                - luma[y * w + x - 1]
                - luma[y * w + x + 1]
                - luma[(y - 1) * w + x]
                - luma[(y + 1) * w + x];
            sum += lap.abs();
        }
    }
    sum / ((w - 2) * (h - 2)) as f64
}

/// Sends an action and returns the reply (result or error).
async fn act(ws: &mut common::Ws, name: &str, args: serde_json::Value) -> serde_json::Value {
    let command = serde_json::json!({"id": 1, "cmd": "action", "name": name, "args": args});
    ws.send(Message::text(command.to_string())).await.unwrap();
    next_reply(ws).await
}

/// A frame taken after a change has reached the picture: frames already
/// in flight are skipped.
async fn settled_frame(ws: &mut common::Ws) -> Vec<u8> {
    let (first, _) = next_frame(ws).await;
    loop {
        let (header, jpeg) = next_frame(ws).await;
        if header.sequence >= first.sequence + 4 {
            return jpeg;
        }
    }
}

async fn sharpness_at(ws: &mut common::Ws, position: f64) -> f64 {
    let reply = act(ws, "focus", serde_json::json!({ "position": position })).await;
    assert_eq!(reply["type"], "action_result", "{reply}");
    sharpness(&settled_frame(ws).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulated_lens_is_sharpest_at_its_focus() {
    let server = common::start_live(common::test_config(640, 360, 30)).await;
    let mut ws = ws_connect(&server).await;
    let sharp = sharpness_at(&mut ws, Simulated::IN_FOCUS).await;
    let near = sharpness_at(&mut ws, Simulated::IN_FOCUS - 0.2).await;
    let far = sharpness_at(&mut ws, 0.0).await;
    eprintln!("sharpness: in focus {sharp:.2}, 0.2 away {near:.2}, at 0.0 {far:.2}");
    assert!(sharp > near * 1.3, "in focus {sharp} vs 0.2 away {near}");
    assert!(near > far, "0.2 away {near} vs far {far}");

    // Autofocus brings the lens back to its sharp position.
    let reply = act(&mut ws, "focus", serde_json::json!({"auto": true})).await;
    assert_eq!(reply["result"]["auto"], true, "{reply}");
    let position = reply["result"]["position"].as_f64().unwrap();
    assert!((position - Simulated::IN_FOCUS).abs() < 0.01, "{position}");
    let auto = sharpness(&settled_frame(&mut ws).await);
    assert!(auto > near * 1.3, "autofocus {auto} vs near {near}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn focus_steps_clamp_and_every_client_follows() {
    let server = common::start_live(common::test_config(160, 120, 15)).await;
    let mut a = ws_connect(&server).await;
    let mut b = ws_connect(&server).await;

    let reply = act(&mut a, "focus", serde_json::json!({"position": 0.5})).await;
    assert_eq!(reply["result"]["position"], 0.5, "{reply}");
    let reply = act(&mut a, "focus", serde_json::json!({"step": 0.05})).await;
    assert!((reply["result"]["position"].as_f64().unwrap() - 0.55).abs() < 1e-9);
    let reply = act(&mut a, "focus", serde_json::json!({"step": -0.05})).await;
    assert!((reply["result"]["position"].as_f64().unwrap() - 0.5).abs() < 1e-9);
    // Out of range is clamped, as in the original.
    let reply = act(&mut a, "focus", serde_json::json!({"position": 1.7})).await;
    assert_eq!(reply["result"]["position"], 1.0, "{reply}");
    let reply = act(&mut a, "focus", serde_json::json!({"position": -3})).await;
    assert_eq!(reply["result"]["position"], 0.0, "{reply}");

    // The other client sees the lens move in its state.
    act(&mut a, "focus", serde_json::json!({"position": 0.25})).await;
    common::within(common::STEP, "b to see focus 0.25", async {
        loop {
            if let Message::Text(text) = common::next_message(&mut b).await {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                if v["type"] == "state" && v["state"]["camera"]["focus"]["position"] == 0.25 {
                    return;
                }
            }
        }
    })
    .await;

    // Moving the lens by hand switches autofocus off.
    act(&mut a, "focus", serde_json::json!({"auto": true})).await;
    let reply = act(&mut a, "focus", serde_json::json!({"step": -0.05})).await;
    assert_eq!(reply["result"]["auto"], false, "{reply}");

    // Bad input: clear errors, nothing changes.
    for (args, code) in [
        (serde_json::json!({"position": "near"}), "bad_request"),
        (serde_json::json!({"focus": 0.3}), "bad_request"),
        (serde_json::json!({"auto": "yes"}), "bad_request"),
    ] {
        let reply = act(&mut a, "focus", args.clone()).await;
        assert_eq!(reply["type"], "error", "{args}: {reply}");
        assert_eq!(reply["code"], code, "{args}: {reply}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camera_controls_are_listed_and_set_with_range_checks() {
    let server = common::start_live(common::test_config(160, 120, 15)).await;
    let state = common::api_state(server.addr).await.unwrap();
    let names: Vec<&str> = state
        .camera
        .controls
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    for expected in [
        "brightness",
        "contrast",
        "focus_absolute",
        "focus_automatic_continuous",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let mut ws = ws_connect(&server).await;
    let reply = act(
        &mut ws,
        "set_control",
        serde_json::json!({"name": "brightness", "value": -40}),
    )
    .await;
    assert_eq!(reply["result"]["value"], -40, "{reply}");
    let state = common::api_state(server.addr).await.unwrap();
    let brightness = state
        .camera
        .controls
        .iter()
        .find(|c| c.name == "brightness")
        .unwrap();
    assert_eq!(brightness.value, -40);

    // Over HTTP too, with the same checks.
    let res = common::http_request(
        server.addr,
        "POST",
        "/api/actions/set_control",
        &[],
        br#"{"name":"contrast","value":150}"#,
    )
    .await;
    assert_eq!(res.status, 200, "{:?}", String::from_utf8_lossy(&res.body));

    for (args, needle) in [
        (
            serde_json::json!({"name": "brightness", "value": 101}),
            "from -100 to 100",
        ),
        (
            serde_json::json!({"name": "zoom", "value": 1}),
            "brightness",
        ),
        (serde_json::json!({"name": "brightness"}), "value"),
        (
            serde_json::json!({"name": "brightness", "value": 1.5}),
            "invalid",
        ),
    ] {
        let reply = act(&mut ws, "set_control", args.clone()).await;
        assert_eq!(reply["code"], "bad_request", "{args}: {reply}");
        let message = reply["message"].as_str().unwrap();
        assert!(message.contains(needle), "{args}: {message}");
    }
    let state = common::api_state(server.addr).await.unwrap();
    let unchanged = state
        .camera
        .controls
        .iter()
        .find(|c| c.name == "brightness")
        .unwrap();
    assert_eq!(unchanged.value, -40);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_camera_without_a_lens_says_so() {
    // libcamera offers no controls here (and has no camera on this
    // machine), so it stands for a fixed-focus camera.
    let mut config = common::test_config(160, 120, 15);
    config.camera.source = SourceSetting::Fixed(CameraSource::Libcamera);
    let server = common::start(config).await;
    let state = common::api_state(server.addr).await.unwrap();
    assert!(state.camera.focus.is_none());
    let mut ws = ws_connect(&server).await;
    let reply = act(&mut ws, "focus", serde_json::json!({"step": 0.05})).await;
    assert_eq!(reply["code"], "not_supported", "{reply}");
    assert_eq!(reply["message"], "this camera has no adjustable focus");
    let res = common::http_request(
        server.addr,
        "POST",
        "/api/actions/focus",
        &[],
        br#"{"auto":true}"#,
    )
    .await;
    assert_eq!(res.status, 422, "{:?}", String::from_utf8_lossy(&res.body));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absent_v4l2_camera_reports_its_controls_offline() {
    let mut config = common::test_config(160, 120, 15);
    config.camera.source = SourceSetting::Fixed(CameraSource::V4l2);
    config.camera.device = Some("/dev/video-camrig-absent".into());
    let server = common::start(config).await;
    let mut ws = ws_connect(&server).await;
    let reply = act(&mut ws, "focus", serde_json::json!({"position": 0.5})).await;
    assert_eq!(reply["code"], "unavailable", "{reply}");
    assert!(
        reply["message"].as_str().unwrap().contains("offline"),
        "{reply}"
    );
    server.stop().await;
}
