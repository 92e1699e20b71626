//! Running the rig from the browser: reboot and shutdown run their
//! configured command once and only for an operator; every operator action
//! lands in the audit trail (none for viewers); the server's log reaches
//! an operator live; the camera and the whole server restart on request.

use crate::common;

use std::time::Duration;

use crate::common::{AS_OPERATOR, STEP};
use serde_json::Value;

const WIDTH: u32 = 160;
const HEIGHT: u32 = 120;
const FPS: u32 = 15;

async fn send(ws: &mut common::Ws, text: &str) {
    common::ws_send(ws, text).await;
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

async fn post(addr: std::net::SocketAddr, path: &str, operator: bool) -> common::HttpResponse {
    if operator {
        common::http_request(addr, "POST", path, &[], b"{}").await
    } else {
        common::anonymous_request(addr, "POST", path, &[], b"{}").await
    }
}

async fn audit(addr: std::net::SocketAddr, query: &str) -> Vec<Value> {
    let res = common::http_request(addr, "GET", &format!("/api/audit{query}"), &[], b"").await;
    assert_eq!(res.status, 200, "{:?}", String::from_utf8_lossy(&res.body));
    res.json().as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reboot_and_shutdown_run_their_command_for_operators_only_and_are_audited() {
    let marks = common::unique_temp_dir("system-marks");
    let rebooted = marks.join("rebooted");
    let mut config = common::test_config(WIDTH, HEIGHT, FPS);
    config.system.reboot_command = vec!["touch".into(), rebooted.display().to_string()];
    config.system.shutdown_command = words("false");
    let server = common::start(config).await;
    let addr = server.addr;

    // A viewer is refused, and nothing runs or is recorded.
    let refused = post(addr, "/api/actions/reboot", false).await;
    assert_eq!(refused.status, 403);
    assert!(!rebooted.exists());
    assert!(audit(addr, "").await.is_empty());
    let viewer_audit = common::anonymous_request(addr, "GET", "/api/audit", &[], b"").await;
    assert_eq!(viewer_audit.status, 403);

    // The operator's reboot runs the command once and says so.
    let done = post(addr, "/api/actions/reboot", true).await;
    assert_eq!(
        done.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&done.body)
    );
    assert!(rebooted.is_file());
    assert_eq!(done.json()["message"], "the machine is rebooting");

    // A failing shutdown command is the operator's error, with its words.
    let failed = post(addr, "/api/actions/shutdown", true).await;
    assert_eq!(failed.status, 503);
    let message = failed.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("`false` failed"), "{message}");

    // Both are in the trail, newest first, with who, where and what.
    let rows = audit(addr, "").await;
    let actions: Vec<&str> = rows.iter().filter_map(|r| r["action"].as_str()).collect();
    assert_eq!(actions, ["shutdown", "reboot"]);
    assert_eq!(rows[0]["ok"], false);
    assert!(
        rows[0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("`false` failed")
    );
    assert_eq!(rows[1]["ok"], true);
    assert_eq!(rows[1]["who"], "operator key");
    assert_eq!(rows[1]["address"], "127.0.0.1");
    assert!(rows[1]["at_ms"].as_i64().unwrap_or(0) > 1_600_000_000_000);

    // Filters.
    assert_eq!(audit(addr, "?action=reboot").await.len(), 1);
    assert_eq!(audit(addr, "?ok=false").await.len(), 1);
    assert_eq!(audit(addr, "?who=token").await.len(), 0);
    server.stop().await;
    std::fs::remove_dir_all(&marks).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operator_command_is_audited_with_its_arguments_and_no_viewer_command() {
    let server = common::start_live(common::test_config(WIDTH, HEIGHT, FPS)).await;
    let addr = server.addr;
    let mut ws = common::ws_connect(&server).await;
    send(&mut ws, r#"{"id":1,"cmd":"set_view","grayscale":true}"#).await;
    common::next_reply(&mut ws).await;
    send(&mut ws, r#"{"id":2,"cmd":"get_state"}"#).await;
    common::next_reply(&mut ws).await;
    let snap = common::http_request(
        addr,
        "POST",
        "/api/actions/snapshot",
        &[],
        br#"{"name":"left eye"}"#,
    )
    .await;
    assert_eq!(snap.status, 200);
    let token =
        common::http_request(addr, "POST", "/api/tokens", &[], br#"{"name":"script"}"#).await;
    assert_eq!(
        token.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&token.body)
    );
    let secret = token.json()["secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // A viewer's command (refused or not) leaves no row.
    let mut viewer = common::ws_connect_with(&server, &[]).await;
    send(&mut viewer, r#"{"id":3,"cmd":"snapshot"}"#).await;
    common::next_reply(&mut viewer).await;

    let rows = audit(addr, "").await;
    let actions: Vec<&str> = rows.iter().filter_map(|r| r["action"].as_str()).collect();
    assert_eq!(actions, ["create_token", "snapshot", "set_view"]);
    assert_eq!(rows[2]["arguments"], serde_json::json!({"grayscale": true}));
    assert_eq!(rows[1]["arguments"]["name"], "left eye");
    assert!(
        rows[1]["detail"]
            .as_str()
            .unwrap_or_default()
            .ends_with(".jpg")
    );
    // The new token's secret is never kept.
    let all = serde_json::to_string(&rows).unwrap_or_default();
    assert!(!all.contains(&secret), "{all}");
    // A token's own actions name it.
    let bearer = format!("Bearer {secret}");
    let by_token = common::http_request(
        addr,
        "POST",
        "/api/actions/light",
        &[("Authorization", &bearer)],
        br#"{"on":true}"#,
    )
    .await;
    assert_ne!(
        by_token.status,
        200,
        "no light device: {:?}",
        by_token.json()
    );
    let rows = audit(addr, "?who=token").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["who"], "token script");
    assert_eq!(rows[0]["ok"], false);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_log_lines_reach_an_operator_live_and_the_system_log_is_read() {
    camrig::logs::init_for_tests("info");
    let server = common::start_live(common::test_config(WIDTH, HEIGHT, FPS)).await;
    let addr = server.addr;

    // Viewers see no log.
    let refused = common::anonymous_request(addr, "GET", "/api/logs", &[], b"").await;
    assert_eq!(refused.status, 403);

    // Follow the log live, then make the camera restart: its lines arrive.
    let (status, headers, reader) = common::open_request(
        addr,
        "GET",
        "/api/logs/stream?level=info",
        &[AS_OPERATOR],
        b"",
        false,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        common::header(&headers, "content-type")
            .is_some_and(|t| t.starts_with("text/event-stream"))
    );
    let chunked = common::header(&headers, "transfer-encoding").is_some();
    let mut body = common::BodyReader::new(reader, chunked);
    let restart = post(addr, "/api/actions/restart_camera", true).await;
    assert_eq!(restart.status, 200, "{:?}", restart.json());
    let mut seen = String::new();
    common::within(STEP, "the restart's log line on the live stream", async {
        while !seen.contains("camera restarting at an operator's request") {
            let piece = body.next().await.expect("the log stream ended");
            seen.push_str(&String::from_utf8_lossy(&piece));
        }
    })
    .await;
    assert!(seen.contains("\"level\":\"info\""), "{seen}");

    // The camera comes back.
    common::wait_until(STEP, "the camera to be live again", || async move {
        common::api_state(addr)
            .await
            .is_some_and(|s| s.camera.status == shared::CameraStatus::Live)
    })
    .await;

    // The kept lines: filter by level and text, and download as text.
    let found = common::http_request(addr, "GET", "/api/logs?q=RESTARTING", &[], b"").await;
    let lines = found.json();
    assert!(lines.as_array().is_some_and(|l| !l.is_empty()), "{lines}");
    let errors_only =
        common::http_request(addr, "GET", "/api/logs?level=error&q=restarting", &[], b"").await;
    assert_eq!(errors_only.json(), serde_json::json!([]));
    let bad = common::http_request(addr, "GET", "/api/logs?level=loud", &[], b"").await;
    assert_eq!(bad.status, 400);
    let text =
        common::http_request(addr, "GET", "/api/logs?format=text&q=restarting", &[], b"").await;
    assert!(
        common::header(&text.headers, "content-disposition")
            .is_some_and(|d| d.contains("attachment"))
    );
    let text = String::from_utf8_lossy(&text.body).into_owned();
    assert!(
        text.contains(" INFO camrig::camera: camera restarting"),
        "{text}"
    );

    // The system log is what the configured command prints.
    let system = common::http_request(addr, "GET", "/api/logs/system", &[], b"").await;
    assert_eq!(system.json()["text"], "kernel: test log\n");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_restarts_in_place_at_an_operators_request() {
    let media = common::unique_temp_dir("restart");
    let (mut child, mut lines) = common::start_camrig(
        env!("CARGO_BIN_EXE_camrig"),
        &media,
        (WIDTH, HEIGHT, FPS),
        &[],
    );
    let pid = child.id();
    let mut next_address = async || -> std::net::SocketAddr {
        common::within(STEP, "the server to listen", async {
            loop {
                let line = lines.next_line().await.unwrap().expect("server exited");
                if let Some(url) = line.strip_prefix("listening on http://") {
                    return url.parse().unwrap();
                }
            }
        })
        .await
    };
    let first = next_address().await;
    let login = common::anonymous_request(
        first,
        "POST",
        "/api/login",
        &[],
        format!(r#"{{"key":"{}"}}"#, common::OPERATOR_KEY).as_bytes(),
    )
    .await;
    assert_eq!(login.status, 200);
    let cookie = login
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_owned();
    let answer = post(first, "/api/actions/restart_server", true).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["pid"], pid.unwrap_or_default());
    let second = next_address().await;
    // Same process, serving again.
    assert!(child.try_wait().unwrap().is_none());
    assert_eq!(child.id(), pid);
    let health = common::http_get(second, "/healthz").await;
    assert_eq!(health.status, 200);
    // The operator's login survived the restart, and was handed over once.
    let session =
        common::anonymous_request(second, "GET", "/api/session", &[("Cookie", &cookie)], b"").await;
    assert_eq!(session.json()["role"], "operator", "{:?}", session.json());
    assert!(!media.join(".camrig/sessions-handover.json").exists());
    let rows = audit(second, "?action=restart_server").await;
    assert_eq!(rows.len(), 1);
    child.kill().await.ok();
    tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .ok();
    std::fs::remove_dir_all(&media).ok();
}
