//! Roles on the real server: every operator command is refused to a viewer
//! over the WebSocket and over HTTP, with nothing done (the list comes from
//! `Command::examples`, so a new command is covered without editing this
//! file); GET changes nothing; logging in gives a session cookie whose
//! WebSocket may operate until logout, at once; API tokens work until
//! revoked, at once; wrong keys are throttled per address while the right
//! key from another address still works; a viewer key closes viewing; and
//! a foreign `Host` is refused.

use crate::common;

use std::net::IpAddr;

use crate::common::{
    AS_OPERATOR, OPERATOR_KEY, STEP, anonymous_request, http_get, http_request, next_reply, within,
};
use futures_util::SinkExt;
use shared::commands::Role;
use shared::{ClientMessage, Command};
use tokio_tungstenite::tungstenite::Message;

/// Sends `command` with request id `id` and returns the reply to it.
async fn ask(ws: &mut common::Ws, id: u64, command: Command) -> serde_json::Value {
    let text = serde_json::to_string(&ClientMessage {
        id: Some(id),
        command,
    })
    .unwrap();
    ws.send(Message::text(text)).await.unwrap();
    within(STEP, "the reply", async {
        loop {
            let reply = next_reply(ws).await;
            if reply["id"] == id {
                return reply;
            }
        }
    })
    .await
}

/// What a viewer can see changed by a command that should have been
/// refused: the catalogue, the view, the recorder, the tokens.
async fn observable(addr: std::net::SocketAddr) -> serde_json::Value {
    let state = http_get(addr, "/api/state").await.json();
    let media = http_get(addr, "/api/media").await.json();
    let tokens = http_request(addr, "GET", "/api/tokens", &[], b"")
        .await
        .json();
    serde_json::json!({
        "view": state["camera"]["view"],
        "recording": state["recording"]["active"],
        "controls": state["camera"]["controls"],
        "focus": state["camera"]["focus"],
        "light": state["device"]["light"],
        "media": media["total"],
        "tokens": tokens,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operator_command_is_refused_to_a_viewer_with_nothing_done() {
    let mut config = common::test_config(160, 120, 10);
    config.device.demo_if_unset = true;
    let server = common::start_live(config).await;
    let addr = server.addr;
    std::fs::write(server_media(&server).join("a.jpg"), b"\xff\xd8\xff\xd9").unwrap();
    let before = observable(addr).await;
    let mut viewer = common::ws_connect_with(&server, &[]).await;
    let operator_commands: Vec<Command> = Command::examples()
        .into_iter()
        .filter(|c| c.role() == Role::Operator)
        .collect();
    assert!(operator_commands.len() >= 15);
    for (i, command) in operator_commands.iter().enumerate() {
        let name = command.name().to_owned();
        let reply = ask(&mut viewer, i as u64 + 1, command.clone()).await;
        assert_eq!(reply["type"], "error", "{name}: {reply}");
        assert_eq!(reply["code"], "forbidden", "{name}: {reply}");
        assert!(
            reply["message"].as_str().unwrap().contains("operator"),
            "{name}: {reply}"
        );
        // The same command by name over HTTP, as a built-in action.
        let args = serde_json::to_value(command).unwrap();
        let mut args = args.as_object().cloned().unwrap_or_default();
        args.remove("cmd");
        let body = serde_json::Value::Object(args).to_string();
        let res = anonymous_request(
            addr,
            "POST",
            &format!("/api/actions/{name}"),
            &[],
            body.as_bytes(),
        )
        .await;
        assert_eq!(
            res.status,
            403,
            "POST /api/actions/{name}: {:?}",
            res.json()
        );
    }
    // Every route that changes something, as the API document lists them
    // (so a new one is covered without editing this test), with real
    // arguments and with none.
    let doc = http_get(addr, "/api/openapi.json").await.json();
    let mut changing = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if matches!(path.as_str(), "/api/login" | "/api/logout") {
            continue;
        }
        let concrete = path.replace("{id}", "1").replace("{name}", "x");
        for method in ["post", "patch", "put", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            changing += 1;
            let upper = method.to_uppercase();
            for body in [
                "",
                r#"{"title":"t","file_name":"a.jpg","confirm":"reset","name":"x"}"#,
            ] {
                let res = anonymous_request(addr, &upper, &concrete, &[], body.as_bytes()).await;
                assert_eq!(res.status, 403, "{upper} {concrete}: {:?}", res.json());
                assert_eq!(res.json()["code"], "forbidden");
            }
        }
    }
    assert!(
        changing >= 7,
        "only {changing} changing routes in the document"
    );
    let tokens = anonymous_request(addr, "GET", "/api/tokens", &[], b"").await;
    assert_eq!(tokens.status, 403);
    // No state change over GET, not even for the operator.
    for path in [
        "/api/actions/snapshot",
        "/api/actions/record_start",
        "/api/media/reset",
        "/api/media/import",
        "/api/logout",
        "/api/login",
    ] {
        let res = http_request(addr, "GET", path, &[], b"").await;
        assert!(
            res.status == 405 || res.status == 404,
            "GET {path}: {}",
            res.status
        );
    }
    assert_eq!(observable(addr).await, before);
    // The viewer still watches and may ask what there is.
    let reply = ask(&mut viewer, 999, Command::ListActions).await;
    assert_eq!(reply["type"], "action_result", "{reply}");
    common::next_frame(&mut viewer).await;
    server.stop().await;
}

/// The media folder of a test server.
fn server_media(server: &common::TestServer) -> std::path::PathBuf {
    server.app.catalogue.dir().to_owned()
}

/// The `Set-Cookie` session of a login answer, as a `Cookie` value.
fn session_cookie(res: &common::HttpResponse) -> String {
    let set = res.header("set-cookie").expect("no Set-Cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.contains(flag), "{set}");
    }
    set.split(';').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_operates_until_logout_and_tokens_until_revoked() {
    let server = common::start_live(common::test_config(160, 120, 10)).await;
    let addr = server.addr;
    let session = |cookie: &str| {
        let cookie = cookie.to_owned();
        async move {
            anonymous_request(addr, "GET", "/api/session", &[("Cookie", &cookie)], b"")
                .await
                .json()
        }
    };
    let anonymous = http_get(addr, "/api/session").await.json();
    assert_eq!(anonymous["role"], "viewer");
    assert_eq!(anonymous["credential"], "anonymous");

    // A wrong key: 401, no cookie.
    let wrong = anonymous_request(addr, "POST", "/api/login", &[], br#"{"key":"guess"}"#).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()["code"], "unauthorized");
    assert!(wrong.header("set-cookie").is_none());

    // The right key: a session cookie, and a WebSocket with it operates.
    let body = serde_json::json!({ "key": OPERATOR_KEY }).to_string();
    let login = anonymous_request(addr, "POST", "/api/login", &[], body.as_bytes()).await;
    assert_eq!(login.status, 200, "{:?}", login.json());
    assert_eq!(login.json()["role"], "operator");
    let cookie = session_cookie(&login);
    assert_eq!(session(&cookie).await["credential"], "session");
    let mut ws = common::ws_connect_with(&server, &[("Cookie", &cookie)]).await;
    let view = Command::SetView {
        grayscale: Some(true),
        half_resolution: None,
    };
    assert_eq!(ask(&mut ws, 1, view.clone()).await["type"], "state");

    // Logout ends it at once, on the open WebSocket too.
    let out = anonymous_request(addr, "POST", "/api/logout", &[("Cookie", &cookie)], b"").await;
    assert_eq!(out.status, 200);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(session(&cookie).await["credential"], "anonymous");
    assert_eq!(ask(&mut ws, 2, view.clone()).await["code"], "forbidden");

    // A named token works as a bearer token until it is revoked.
    let made = http_request(addr, "POST", "/api/tokens", &[], br#"{"name":"cron"}"#).await;
    assert_eq!(made.status, 201, "{:?}", made.json());
    let secret = made.json()["secret"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {secret}");
    let listed = http_request(addr, "GET", "/api/tokens", &[], b"")
        .await
        .json();
    assert_eq!(listed[0]["name"], "cron");
    assert!(!listed.to_string().contains(&secret), "{listed}");
    let dup = http_request(addr, "POST", "/api/tokens", &[], br#"{"name":"cron"}"#).await;
    assert_eq!(dup.status, 409);
    let mut scripted = common::ws_connect_with(&server, &[("Authorization", &bearer)]).await;
    assert_eq!(ask(&mut scripted, 1, view.clone()).await["type"], "state");
    assert_eq!(snapshot_as(addr, ("Authorization", &bearer)).await, 200);
    let revoked = http_request(addr, "DELETE", "/api/tokens/cron", &[], b"").await;
    assert_eq!(revoked.status, 204);
    assert_eq!(ask(&mut scripted, 2, view).await["code"], "forbidden");
    assert_eq!(snapshot_as(addr, ("Authorization", &bearer)).await, 401);
    // Tokens are kept as digests only.
    let file = std::fs::read_to_string(server_media(&server).join(".camrig/api-tokens.json"))
        .unwrap_or_default();
    assert!(!file.contains(&secret));
    server.stop().await;
}

/// The status of a snapshot asked for with only `credential`.
async fn snapshot_as(addr: std::net::SocketAddr, credential: (&str, &str)) -> u16 {
    anonymous_request(addr, "POST", "/api/actions/snapshot", &[credential], b"")
        .await
        .status
}

/// One login attempt from `source`; the status and the JSON answer.
async fn login_from(
    source: IpAddr,
    addr: std::net::SocketAddr,
    key: &str,
) -> (u16, serde_json::Value) {
    let body = serde_json::json!({ "key": key }).to_string();
    let stream = common::connect_from(source, addr).await;
    let (status, headers, mut reader) = common::request_on(
        stream,
        addr,
        "POST",
        "/api/login",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
        true,
    )
    .await;
    let mut bytes = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut bytes)
        .await
        .unwrap();
    let _ = headers;
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_keys_are_throttled_per_address_and_the_operator_still_gets_in() {
    let server = common::start_live(common::test_config(160, 120, 10)).await;
    let addr = server.addr;
    let attacker: IpAddr = "127.0.0.2".parse().unwrap();
    let operator: IpAddr = "127.0.0.3".parse().unwrap();
    let mut unauthorized = 0;
    let mut throttled = 0;
    for i in 0..200 {
        let (status, reply) = login_from(attacker, addr, &format!("guess-{i}")).await;
        match status {
            401 => unauthorized += 1,
            429 => {
                throttled += 1;
                assert!(
                    reply["message"].as_str().unwrap().contains("try again in"),
                    "{reply}"
                );
            }
            other => panic!("wrong key answered {other}: {reply}"),
        }
    }
    // A handful were judged; the rest had to wait.
    assert!(unauthorized <= 10, "{unauthorized} wrong keys were tried");
    assert!(throttled >= 190, "only {throttled} throttled");
    // Even the right key waits at the attacker's address ...
    assert_eq!(login_from(attacker, addr, OPERATOR_KEY).await.0, 429);
    // ... but the operator elsewhere logs in at once.
    let (status, reply) = login_from(operator, addr, OPERATOR_KEY).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["role"], "operator");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_key_closes_viewing_but_not_the_login() {
    let mut config = common::test_config(160, 120, 10);
    config.auth.viewer_key = Some(camrig::config::SecretText::new("clinic-viewer"));
    let server = common::start(config).await;
    let addr = server.addr;
    for path in [
        "/api/state",
        "/snapshot.jpg",
        "/api/media",
        "/video_feed",
        "/ws",
    ] {
        let res = http_get(addr, path).await;
        assert_eq!(res.status, 401, "{path}");
        assert_eq!(res.json()["code"], "unauthorized", "{path}");
    }
    assert_eq!(http_get(addr, "/healthz").await.status, 200);
    let session = http_get(addr, "/api/session").await.json();
    assert_eq!(session["role"], serde_json::Value::Null);
    assert_eq!(session["viewer_key_required"], true);
    // The viewer key lets a browser watch, not operate.
    let login = anonymous_request(
        addr,
        "POST",
        "/api/login",
        &[],
        br#"{"key":"clinic-viewer"}"#,
    )
    .await;
    assert_eq!(login.json()["role"], "viewer");
    let cookie = session_cookie(&login);
    let state = anonymous_request(addr, "GET", "/api/state", &[("Cookie", &cookie)], b"").await;
    assert_eq!(state.status, 200);
    assert_eq!(snapshot_as(addr, ("Cookie", &cookie)).await, 403);
    // The operator key as a bearer token does both.
    let res = http_request(addr, "GET", "/api/state", &[AS_OPERATOR], b"").await;
    assert_eq!(res.status, 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_host_name_is_refused() {
    let mut config = common::test_config(160, 120, 10);
    config.allowed_hosts = vec!["rig.example.org".into()];
    let server = common::start(config).await;
    let addr = server.addr;
    for (host, status) in [
        ("evil.example", 403),
        ("evil.example:80", 403),
        ("rig.example.org", 200),
        ("localhost", 200),
        ("127.0.0.1", 200),
    ] {
        let res = anonymous_request(addr, "GET", "/healthz", &[("Host", host)], b"").await;
        assert_eq!(res.status, status, "{host}");
    }
    server.stop().await;
}
