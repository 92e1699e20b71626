//! The catalogue's HTTP API on the real server: import an untracked file,
//! list, label, download with Range requests, delete (with every WebSocket
//! client told), refuse hostile names, reset only when confirmed, and the
//! original app's `/get_database` shape.

use crate::common;

use crate::common::{STEP, http_get, http_request, next_message, parse_server, within};
use shared::ServerMessage;
use shared::protocol::MediaEvent;
use tokio_tungstenite::tungstenite::Message;

/// Waits on `ws` for the next media event, skipping frames and state.
async fn next_media_event(ws: &mut common::Ws) -> MediaEvent {
    within(STEP, "a media event", async {
        loop {
            if let Message::Text(text) = next_message(ws).await
                && let ServerMessage::Media { event } = parse_server(&text)
            {
                return event;
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_label_download_and_delete() {
    let config = common::test_config(160, 120, 10);
    let dir = config.media.dir.clone();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    std::fs::write(dir.join("clip.mp4"), &bytes).unwrap();
    std::fs::write(dir.join("secret.txt"), b"not media").unwrap();
    let server = common::start(config).await;
    let mut ws = common::ws_connect(&server).await;

    let untracked = http_get(server.addr, "/api/media/untracked").await;
    assert_eq!(untracked.status, 200);
    assert_eq!(untracked.json(), serde_json::json!(["clip.mp4"]));

    let created = http_request(
        server.addr,
        "POST",
        "/api/media/import",
        &[],
        br#"{"file_name":"clip.mp4","date_label":"2026-11-23"}"#,
    )
    .await;
    assert_eq!(
        created.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&created.body)
    );
    let id = created.json()["id"].as_i64().unwrap();
    match next_media_event(&mut ws).await {
        MediaEvent::Added { entry } => assert_eq!(entry.id, id),
        other => panic!("{other:?}"),
    }

    let list = http_get(server.addr, "/api/media?kind=video").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["entries"][0]["file_name"], "clip.mp4");
    assert_eq!(list["entries"][0]["kind"], "video");
    assert_eq!(list["entries"][0]["size_bytes"], 10_000);
    assert_eq!(
        http_get(server.addr, "/api/media?kind=audio").await.status,
        400
    );

    let patched = http_request(
        server.addr,
        "PATCH",
        &format!("/api/media/{id}"),
        &[],
        br#"{"title":"Left eye","notes":"session 4"}"#,
    )
    .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.json()["title"], "Left eye");
    assert!(matches!(
        next_media_event(&mut ws).await,
        MediaEvent::Updated { .. }
    ));

    let legacy = http_get(server.addr, "/get_database").await.json();
    assert_eq!(
        legacy,
        serde_json::json!([{"date": "2026-11-23", "filename": "clip.mp4"}])
    );

    // Whole file, then a range, as a browser's video element asks.
    let whole = http_get(server.addr, &format!("/api/media/{id}/file?download=1")).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, bytes);
    assert_eq!(whole.header("content-type"), Some("video/mp4"));
    let disposition = whole.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("clip.mp4"),
        "{disposition}"
    );
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    let part = http_request(
        server.addr,
        "GET",
        &format!("/api/media/{id}/file"),
        &[("Range", "bytes=1000-1999")],
        b"",
    )
    .await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body, &bytes[1000..2000]);
    assert_eq!(part.header("content-range"), Some("bytes 1000-1999/10000"));
    let tail = http_request(
        server.addr,
        "GET",
        &format!("/api/media/{id}/file"),
        &[("Range", "bytes=-10")],
        b"",
    )
    .await;
    assert_eq!(tail.body, &bytes[9990..]);
    let beyond = http_request(
        server.addr,
        "GET",
        &format!("/api/media/{id}/file"),
        &[("Range", "bytes=20000-")],
        b"",
    )
    .await;
    assert_eq!(beyond.status, 416);

    let deleted = http_request(server.addr, "DELETE", &format!("/api/media/{id}"), &[], b"").await;
    assert_eq!(deleted.status, 204);
    assert!(!dir.join("clip.mp4").exists());
    match next_media_event(&mut ws).await {
        MediaEvent::Removed { id: gone } => assert_eq!(gone, id),
        other => panic!("{other:?}"),
    }
    let again = http_request(server.addr, "DELETE", &format!("/api/media/{id}"), &[], b"").await;
    assert_eq!(again.status, 404);
    assert_eq!(again.json()["code"], "not_found");
    assert_eq!(
        http_get(server.addr, &format!("/api/media/{id}/file"))
            .await
            .status,
        404
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_imports_and_unconfirmed_resets_are_refused() {
    let config = common::test_config(160, 120, 10);
    let dir = config.media.dir.clone();
    let outside = dir
        .parent()
        .unwrap()
        .join(format!("outside-{}.jpg", std::process::id()));
    std::fs::write(&outside, b"keep").unwrap();
    std::fs::write(dir.join("a.jpg"), b"\xff\xd8\xff\xd9").unwrap();
    let server = common::start(config).await;
    let outside_name = outside.file_name().unwrap().to_string_lossy().into_owned();
    for name in [
        format!("../{outside_name}"),
        outside.display().to_string(),
        "..".into(),
        "a.jpg/".into(),
        "%2e%2e%2fa.jpg".into(),
        "a.jpg\u{0}".into(),
    ] {
        let res = common::import(server.addr, &name).await;
        assert!(
            res.status == 400 || res.status == 404,
            "{name:?}: {}",
            res.status
        );
    }
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep");

    let refused = http_request(
        server.addr,
        "POST",
        "/api/media/reset",
        &[],
        br#"{"confirm":"yes"}"#,
    )
    .await;
    assert_eq!(refused.status, 400);
    let done = http_request(
        server.addr,
        "POST",
        "/api/media/reset",
        &[],
        br#"{"confirm":"reset"}"#,
    )
    .await;
    assert_eq!(done.status, 200);
    assert_eq!(done.json()[0]["file_name"], "a.jpg");
    assert_eq!(http_get(server.addr, "/api/media/999999").await.status, 404);
    std::fs::remove_file(&outside).unwrap();
    server.stop().await;
}

/// The guards in front of every handler: a cross-origin change and a
/// WebSocket from a foreign page are refused with nothing done; curl's form
/// content type with a JSON body works; malformed paths, queries and bodies
/// get the JSON error; a page number past any end is an empty page, not a
/// crash; responses say nosniff, refuse framing and carry the
/// Content-Security-Policy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_guarded_and_errors_are_json() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let server = common::start_live(common::test_config(160, 120, 10)).await;
    let addr = server.addr;
    let total = || async move { http_get(addr, "/api/media").await.json()["total"].clone() };

    // Another site's page, by Origin or by Sec-Fetch-Site: refused, nothing saved.
    for extra in [
        [("Origin", "http://evil.example")],
        [("Sec-Fetch-Site", "cross-site")],
    ] {
        let res = http_request(addr, "POST", "/api/actions/snapshot", &extra, b"").await;
        assert_eq!(res.status, 403, "{extra:?}");
        assert_eq!(res.json()["code"], "forbidden");
        let res = http_request(
            addr,
            "POST",
            "/api/media/reset",
            &extra,
            br#"{"confirm":"reset"}"#,
        )
        .await;
        assert_eq!(res.status, 403, "{extra:?}");
    }
    assert_eq!(total().await, 0);
    let mut foreign = server.ws_url().into_client_request().unwrap();
    foreign
        .headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(foreign).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("a foreign page's WebSocket was not refused: {other:?}"),
    }

    // The page's own origin, and curl's form content type with JSON.
    let own = format!("http://{addr}");
    let res = http_request(
        addr,
        "POST",
        "/api/actions/snapshot",
        &[("Origin", &own)],
        br#"{"name":"own page"}"#,
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let res = http_request(
        addr,
        "POST",
        "/api/actions/snapshot",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        br#"{"name":"from curl"}"#,
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["file_name"], "from_curl.jpg");
    assert_eq!(total().await, 2);

    // Malformed input: the JSON error, never axum's plain text.
    for (method, path, body) in [
        ("GET", "/api/media/abc", &b""[..]),
        ("GET", "/api/media?page=-1", b""),
        ("PATCH", "/api/media/1", b"{not json"),
        ("POST", "/api/actions/focus", b"[1, 2"),
    ] {
        let res = http_request(addr, method, path, &[], body).await;
        assert_eq!(res.status, 400, "{method} {path}");
        assert_eq!(res.json()["code"], "bad_request", "{method} {path}");
    }

    // The largest page number is an empty page.
    let far = http_get(addr, "/api/media?page=18446744073709551615&per_page=500").await;
    assert_eq!(far.status, 200, "{}", String::from_utf8_lossy(&far.body));
    assert_eq!(far.json()["entries"], serde_json::json!([]));
    assert_eq!(far.json()["total"], 2);

    let state = http_get(addr, "/api/state").await;
    assert_eq!(state.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(state.header("x-frame-options"), Some("DENY"));
    let csp = state.header("content-security-policy").unwrap_or_default();
    for directive in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    server.stop().await;
}

/// Text a client sends is bounded and cleaned: a capture name or date
/// label over 10 000 bytes is refused (it used to become a 1.9 MB title)
/// and nothing is saved; terminal escape sequences and bidirectional
/// overrides are dropped from titles and labels, while notes keep their
/// line breaks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_is_refused_or_cleaned() {
    let server = common::start_live(common::test_config(160, 120, 10)).await;
    let addr = server.addr;
    let huge = serde_json::json!({ "name": "x".repeat(10_001) }).to_string();
    let label = serde_json::json!({ "date_label": "y".repeat(10_001) }).to_string();
    for (action, body) in [("snapshot", &huge), ("record_start", &label)] {
        let res = http_request(
            addr,
            "POST",
            &format!("/api/actions/{action}"),
            &[],
            body.as_bytes(),
        )
        .await;
        assert_eq!(res.status, 400, "{action}");
        assert!(
            res.json()["message"]
                .as_str()
                .unwrap()
                .contains("10000 bytes")
        );
    }
    assert_eq!(http_get(addr, "/api/media").await.json()["total"], 0);

    let body = serde_json::json!({
        "name": "Left\u{1b}[2J\u{1b}]0;owned\u{7} eye\u{202E}",
        "date_label": "2026\u{1b}[31m-12-01",
    });
    let res = http_request(
        addr,
        "POST",
        "/api/actions/snapshot",
        &[],
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let entry = res.json();
    assert_eq!(entry["title"], "Left[2J]0;owned eye");
    assert_eq!(entry["date_label"], "2026[31m-12-01");
    let id = entry["id"].as_i64().unwrap();
    let notes = serde_json::json!({ "notes": "line one\nline\u{1b}[0m two\ttab" }).to_string();
    let res = http_request(
        addr,
        "PATCH",
        &format!("/api/media/{id}"),
        &[],
        notes.as_bytes(),
    )
    .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["notes"], "line one\nline[0m two\ttab");
    server.stop().await;
}
