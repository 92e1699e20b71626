//! The original app's URLs on the real server (test camera, simulated
//! board). With `server.original_urls` off, each state-changing one answers
//! 410 naming its successor and changes nothing; unknown `/api/` paths are
//! JSON 404s; `/media/<file>` serves catalogued files only; the heart rate
//! and the logs answer as the original did. With the switch on, a missing
//! or wrong `?key=` is 401, a viewer's key 403, and the operator key makes
//! each one really happen: the light switches, the picture turns gray and
//! small, photos and recordings are catalogued, the lens moves, the
//! catalogue is edited, the reboot command runs; and the key never reaches
//! the server's log.

use crate::common;

use std::net::SocketAddr;

use crate::common::{HttpResponse, OPERATOR_KEY};
use serde_json::Value;
use shared::ServerState;
use shared::device::LinkStatus;

/// The viewer key of the server with the switch on.
const VIEWER_KEY: &str = "viewer-key-for-tests";

/// Every state-changing original URL (with plausible parameters) and a
/// part of the successor its 410 names.
const ORIGINALS: &[(&str, &str)] = &[
    ("/snapshot?filename=x", "POST /api/actions/snapshot"),
    (
        "/video_capture?status=false&filename=x",
        "/api/actions/record_start",
    ),
    ("/grayscale?status=false", "/api/actions/set_view"),
    ("/resolution?status=false", "/api/actions/set_view"),
    ("/autofocus?status=false", "/api/actions/focus"),
    ("/step_focus?direction=1", "/api/actions/focus"),
    ("/set_focus?value=0.5", "/api/actions/focus"),
    ("/light?status=true", "POST /api/actions/light"),
    ("/set_brightness?value=100", "POST /api/actions/light"),
    ("/set_color?value=ff0000", "POST /api/actions/light"),
    ("/database/add?filename=x.jpg", "POST /api/media/import"),
    ("/database/remove?filename=x.jpg", "DELETE /api/media/{id}"),
    ("/database/new", "POST /api/media/reset"),
    ("/reboot", "POST /api/actions/reboot"),
    ("/shutdown", "POST /api/actions/shutdown"),
];

/// `path` with `key` added as the original's `?key=`.
fn with_key(path: &str, key: &str) -> String {
    let joint = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joint}key={key}")
}

fn text(res: &HttpResponse) -> String {
    String::from_utf8_lossy(&res.body).into_owned()
}

/// The state, asked as the operator (the switched-on server wants a key
/// even for viewing).
async fn state(addr: SocketAddr) -> ServerState {
    let res = common::http_request(addr, "GET", "/api/state", &[], b"").await;
    assert_eq!(res.status, 200, "{}", text(&res));
    serde_json::from_slice(&res.body).unwrap()
}

/// The original's listing: `[(date, filename)]`.
async fn listing(addr: SocketAddr) -> Vec<(String, String)> {
    let res = common::http_request(addr, "GET", "/get_database", &[], b"").await;
    assert_eq!(res.status, 200, "{}", text(&res));
    res.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let field = |n: &str| e[n].as_str().unwrap().to_owned();
            (field("date"), field("filename"))
        })
        .collect()
}

/// A switched-on original URL with the operator key; its answer's
/// `result`, after checking it succeeded.
async fn original(addr: SocketAddr, path: &str) -> Value {
    let res = common::http_get(addr, &with_key(path, OPERATOR_KEY)).await;
    assert_eq!(res.status, 200, "{path}: {}", text(&res));
    let body = res.json();
    assert_eq!(body["ok"], true, "{path}: {body}");
    body["result"].clone()
}

/// Waits (with a deadline) until the newest frame has `size`.
async fn frames_of_size(addr: SocketAddr, size: (u16, u16)) {
    common::wait_until(
        common::STEP,
        &format!("frames of {size:?}"),
        || async move {
            let res = common::http_request(addr, "GET", "/snapshot.jpg", &[], b"").await;
            res.status == 200 && common::jpeg_size(&res.body) == size
        },
    )
    .await;
}

/// Waits (with a deadline) until the state satisfies `check`.
async fn until(addr: SocketAddr, what: &str, check: fn(&ServerState) -> bool) {
    common::wait_until(
        common::STEP,
        what,
        || async move { check(&state(addr).await) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switched_off_the_old_urls_name_their_successors_and_the_read_only_ones_work() {
    let mut config = common::test_config(160, 120, 10);
    config.device.demo_if_unset = true;
    config.device.demo_bpm = 75;
    let server = common::start_live(config).await;
    let addr = server.addr;

    // Even with the operator key nothing happens: 410 and the successor.
    for (path, successor) in ORIGINALS {
        let res = common::http_get(addr, &with_key(path, OPERATOR_KEY)).await;
        assert_eq!(res.status, 410, "{path}: {}", text(&res));
        let body = res.json();
        assert_eq!(body["code"], "gone", "{path}: {body}");
        let named = body["use"].as_str().unwrap();
        assert!(named.contains(successor), "{path}: {body}");
        let message = body["message"].as_str().unwrap();
        let bare = path.split('?').next().unwrap();
        assert!(message.starts_with(bare), "{path}: {message}");
        assert!(message.contains("server.original_urls"), "{message}");
    }
    let now = state(addr).await;
    assert!(!now.camera.view.grayscale && !now.camera.view.half_resolution);
    assert!(!now.device.light.on);
    assert!(listing(addr).await.is_empty(), "a photo was taken");

    // Unknown API paths are JSON 404s, never the web app.
    for (method, path) in [
        ("GET", "/api/nothing-here"),
        ("GET", "/api"),
        ("GET", "/api/media/1/nothing"),
        ("POST", "/api/nothing-here"),
        ("DELETE", "/api/v2/media"),
    ] {
        let res = common::http_request(addr, method, path, &[], b"").await;
        assert_eq!(res.status, 404, "{method} {path}: {}", text(&res));
        assert!(
            res.header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{method} {path}"
        );
        let body = res.json();
        assert_eq!(body["code"], "not_found", "{method} {path}: {body}");
        assert!(body["message"].as_str().unwrap().contains(path), "{body}");
    }

    // Grayscale and half size over HTTP, through the action registry.
    let res = common::http_request(
        addr,
        "POST",
        "/api/actions/set_view",
        &[],
        br#"{"grayscale":true}"#,
    )
    .await;
    assert_eq!(res.status, 200, "{}", text(&res));
    assert_eq!(res.json()["camera"]["view"]["grayscale"], true);
    assert!(state(addr).await.camera.view.grayscale);

    // /media/<file>: a catalogued file, with Range support...
    let res = common::http_request(
        addr,
        "POST",
        "/api/actions/snapshot",
        &[],
        br#"{"name":"left eye"}"#,
    )
    .await;
    assert_eq!(res.status, 200, "{}", text(&res));
    let name = res.json()["file_name"].as_str().unwrap().to_owned();
    let res = common::http_get(addr, &format!("/media/{name}")).await;
    assert_eq!(res.status, 200, "{}", text(&res));
    assert_eq!(res.header("content-type"), Some("image/jpeg"));
    assert_eq!(common::jpeg_size(&res.body), (160, 120));
    let res = common::anonymous_request(
        addr,
        "GET",
        &format!("/media/{name}"),
        &[("Range", "bytes=0-1")],
        b"",
    )
    .await;
    assert_eq!((res.status, res.body.as_slice()), (206, &[0xff, 0xd8][..]));
    // ... and nothing else in (or outside) the media folder.
    let dir = server.app.catalogue.dir().to_owned();
    std::fs::copy(dir.join(&name), dir.join("stray.jpg")).unwrap();
    for path in [
        "/media/stray.jpg",
        "/media/media.db",
        "/media/.camrig/operator.key",
        "/media/../Cargo.toml",
        "/media/..%2Fmedia.db",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media//etc/passwd",
        "/media/left%20eye.jpg",
    ] {
        let res = common::http_get(addr, path).await;
        assert_eq!(res.status, 404, "{path}: {}", text(&res));
        assert_eq!(res.json()["code"], "not_found", "{path}");
    }

    // The heart rate of the simulated board, as JSON and as the bare
    // number the original's phone app read.
    common::wait_until(common::STEP, "a heart rate", || async move {
        common::http_get(addr, "/get_controller_data").await.json()["bpm"].is_number()
    })
    .await;
    let data = common::http_get(addr, "/get_controller_data").await.json();
    let bpm = data["bpm"].as_f64().unwrap();
    assert!((bpm - 75.0).abs() <= 3.0, "{data}");
    assert_eq!(data["simulated"], true, "{data}");
    assert_eq!(data["link"], "connected", "{data}");
    assert!(
        data["quality"].is_number() && data["beats"].is_number(),
        "{data}"
    );
    let res = common::http_get(addr, "/get_controller_data?format=text").await;
    let line = text(&res);
    let number: f64 = line.trim().parse().unwrap_or_else(|_| panic!("{line:?}"));
    assert!(
        (number - 75.0).abs() <= 3.0 && !line.trim().contains('.'),
        "{line:?}"
    );

    // /logs is the operators': the system log as the original gave it.
    let res = common::http_get(addr, "/logs").await;
    assert_eq!(res.status, 403, "{}", text(&res));
    let res = common::http_get(addr, &with_key("/logs", OPERATOR_KEY)).await;
    assert_eq!(res.status, 200, "{}", text(&res));
    let logs = res.json();
    assert!(
        logs[0]["System"]
            .as_str()
            .unwrap()
            .contains("kernel: test log"),
        "{logs}"
    );
    assert!(logs[0]["Server"].is_string(), "{logs}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switched_on_with_the_operator_key_they_really_happen() {
    camrig::logs::init_for_tests("info");
    let mut config = common::test_config(160, 120, 10);
    config.original_urls = true;
    config.device.demo_if_unset = true;
    config.auth.viewer_key = Some(camrig::config::SecretText::new(VIEWER_KEY));
    let ran = common::unique_temp_dir("reboot").join("rebooted");
    config.system.reboot_command = vec!["touch".into(), ran.display().to_string()];
    let server = common::start(config).await;
    let addr = server.addr;
    until(addr, "the camera to be live", |s| {
        s.camera.status == shared::CameraStatus::Live
    })
    .await;
    until(addr, "the simulated board", |s| {
        s.device.link == LinkStatus::Connected
    })
    .await;

    // No key, a wrong key, a viewer's key: refused, and nothing happens.
    for path in ["/light?status=true", "/reboot"] {
        let res = common::http_get(addr, path).await;
        assert_eq!(res.status, 401, "{path}: {}", text(&res));
        let message = res.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains("?key="), "{message}");
    }
    let res = common::http_get(addr, "/light?status=true&key=not-the-key").await;
    assert_eq!(res.status, 401, "{}", text(&res));
    assert!(text(&res).contains("?key= is not the operator key"));
    let res = common::http_get(addr, &with_key("/light?status=true", VIEWER_KEY)).await;
    assert_eq!(res.status, 403, "{}", text(&res));
    assert_eq!(res.json()["code"], "forbidden");
    // HEAD must not change anything either.
    let head = with_key("/light?status=true", OPERATOR_KEY);
    let (status, _, _) = common::open_request(addr, "HEAD", &head, &[], b"", true).await;
    assert_eq!(status, 405);
    assert!(!state(addr).await.device.light.on);
    assert!(!ran.exists());

    // The light, as the original's parameters say.
    original(addr, "/light?status=true").await;
    until(addr, "the light on", |s| s.device.light.on).await;
    original(addr, "/set_brightness?value=100.0").await;
    original(addr, "/set_color?value=FF8800").await;
    until(addr, "an orange light at 100", |s| {
        let l = s.device.light;
        (l.r, l.g, l.b, l.brightness) == (255, 136, 0, 100)
    })
    .await;
    original(addr, "/set_color?color=0,%20128,%20255").await;
    until(addr, "a blue light", |s| {
        let l = s.device.light;
        (l.r, l.g, l.b) == (0, 128, 255)
    })
    .await;
    original(addr, "/light?status=false").await;
    until(addr, "the light off", |s| !s.device.light.on).await;
    let res = common::http_get(addr, &with_key("/set_color?value=purple", OPERATOR_KEY)).await;
    assert_eq!(res.status, 400, "{}", text(&res));

    // The view: the original's status=false switched on, true off.
    original(addr, "/grayscale?status=false").await;
    until(addr, "grayscale", |s| s.camera.view.grayscale).await;
    original(addr, "/resolution?status=false").await;
    until(addr, "half size", |s| s.camera.view.half_resolution).await;
    frames_of_size(addr, (80, 60)).await;
    original(addr, "/grayscale?status=true").await;
    original(addr, "/resolution?status=full").await;
    until(addr, "colour at full size", |s| {
        !s.camera.view.grayscale && !s.camera.view.half_resolution
    })
    .await;
    frames_of_size(addr, (160, 120)).await;

    // The lens (the test camera's simulated liquid lens).
    let focus = original(addr, "/autofocus?status=false").await;
    assert_eq!(focus["auto"], true, "{focus}");
    original(addr, "/autofocus?status=true").await;
    let focus = original(addr, "/set_focus?value=0.25").await;
    assert!(
        (focus["position"].as_f64().unwrap() - 0.25).abs() < 0.01,
        "{focus}"
    );
    let focus = original(addr, "/step_focus?direction=1").await;
    assert!(
        (focus["position"].as_f64().unwrap() - 0.30).abs() < 0.01,
        "{focus}"
    );

    // A photo and a recording, catalogued with their names and dates.
    let photo = original(addr, "/snapshot?filename=left%20eye&date=2024-05-06").await;
    assert_eq!(photo["file_name"], "left_eye.jpg", "{photo}");
    let started = original(
        addr,
        "/video_capture?status=false&filename=clip&date=2024-05-06",
    )
    .await;
    assert_eq!(started["file_name"], "clip.mp4", "{started}");
    until(addr, "recorded frames", |s| {
        s.recording.active.as_ref().is_some_and(|a| a.frames > 0)
    })
    .await;
    let finished = original(addr, "/video_capture?status=true").await;
    assert!(finished["duration_ms"].as_u64().unwrap() > 0, "{finished}");
    until(addr, "the recording to end", |s| {
        s.recording.active.is_none()
    })
    .await;
    let list = listing(addr).await;
    for name in ["left_eye.jpg", "clip.mp4"] {
        assert!(
            list.contains(&("2024-05-06".to_owned(), name.to_owned())),
            "{name}: {list:?}"
        );
    }
    // A viewer reads it with the viewer key; without a key, the rig that
    // asks for one refuses.
    let res = common::http_get(addr, &with_key("/media/left_eye.jpg", VIEWER_KEY)).await;
    assert_eq!(res.status, 200, "{}", text(&res));
    assert_eq!(common::jpeg_size(&res.body), (160, 120));
    assert_eq!(
        common::http_get(addr, "/media/left_eye.jpg").await.status,
        401
    );
    let res = common::http_get(addr, &with_key("/get_controller_data", VIEWER_KEY)).await;
    assert_eq!(res.status, 200, "{}", text(&res));

    // The catalogue: add a file, remove it by name and by id, start anew.
    let dir = server.app.catalogue.dir().to_owned();
    std::fs::copy(dir.join("left_eye.jpg"), dir.join("extra.jpg")).unwrap();
    let added = original(addr, "/database/add?filename=extra.jpg&date=2020-01-01").await;
    assert_eq!(added["file_name"], "extra.jpg", "{added}");
    assert!(
        listing(addr)
            .await
            .contains(&("2020-01-01".to_owned(), "extra.jpg".to_owned()))
    );
    original(addr, "/database/remove?filename=extra.jpg").await;
    assert!(!listing(addr).await.iter().any(|(_, n)| n == "extra.jpg"));
    assert!(!dir.join("extra.jpg").exists(), "the file stayed");
    let res = common::http_get(
        addr,
        &with_key("/database/remove?filename=extra.jpg", OPERATOR_KEY),
    )
    .await;
    assert_eq!(res.status, 404, "{}", text(&res));
    original(addr, &format!("/database/remove?id={}", photo["id"])).await;
    assert!(!listing(addr).await.iter().any(|(_, n)| n == "left_eye.jpg"));
    std::fs::copy(dir.join("clip.mp4"), dir.join("copy.mp4")).unwrap();
    let entries = original(addr, "/database/new").await;
    let names: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file_name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"clip.mp4") && names.contains(&"copy.mp4"),
        "{names:?}"
    );

    // The reboot runs the configured command.
    original(addr, "/reboot").await;
    assert!(ran.exists(), "the reboot command did not run");

    // The key was in every URL; it is nowhere in the server's log.
    let res = common::http_request(addr, "GET", "/api/logs", &[], b"").await;
    assert_eq!(res.status, 200, "{}", text(&res));
    assert!(
        !res.json().as_array().unwrap().is_empty(),
        "the log is empty"
    );
    let log = text(&res);
    assert!(!log.contains(OPERATOR_KEY) && !log.contains(VIEWER_KEY));
    server.stop().await;
}
