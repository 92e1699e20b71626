//! Bad input on the WebSocket: malformed JSON, an unknown command and a
//! binary message each get an error reply and the session stays open (a
//! later `ping` is answered); a text message over the 16 KiB limit closes
//! the session with code 1009, and so does one far over it, refused from
//! its frame header; both limits follow `server.max_message_kilobytes`,
//! and a body over `server.max_body_kilobytes` gets 413 `too_large`.
use crate::common;

use crate::common::{STEP, Ws, next_message, next_reply, within};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;
const FPS: u32 = 30;

use crate::common::ws_send as send;

/// Reads until the server's close frame and returns its code; frames and
/// state pushes before it are skipped.
async fn close_code(ws: &mut Ws) -> u16 {
    within(STEP, "a close frame", async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
                Some(Ok(Message::Close(None))) => panic!("close frame without a code"),
                Some(Ok(Message::Text(text))) => {
                    let reply: serde_json::Value = serde_json::from_str(&text).unwrap();
                    assert_eq!(reply["type"], "state", "unexpected reply {text}");
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => panic!("read error before the close frame: {err}"),
                None => panic!("stream ended without a close frame"),
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_get_errors_and_the_session_survives() {
    let server = common::start_live(common::test_config(WIDTH, HEIGHT, FPS)).await;
    let mut ws = common::ws_connect(&server).await;
    let Message::Text(first) = next_message(&mut ws).await else {
        panic!("the first message is not the state");
    };
    assert!(first.contains(r#""type":"state""#), "{first}");

    send(&mut ws, Message::text("not json")).await;
    let reply = next_reply(&mut ws).await;
    assert_eq!(reply["type"], "error", "{reply}");
    assert_eq!(reply["code"], "bad_request", "{reply}");
    assert!(reply.get("id").is_none(), "{reply}");
    assert!(
        reply["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{reply}"
    );

    send(&mut ws, Message::text(r#"{"cmd":"fly","id":5}"#)).await;
    let reply = next_reply(&mut ws).await;
    assert_eq!(reply["type"], "error", "{reply}");
    assert_eq!(reply["code"], "bad_request", "{reply}");
    assert_eq!(reply["id"], 5, "{reply}");

    send(&mut ws, Message::binary(vec![1u8, 2, 3])).await;
    let reply = next_reply(&mut ws).await;
    assert_eq!(reply["type"], "error", "{reply}");
    assert_eq!(reply["code"], "unsupported", "{reply}");

    send(&mut ws, Message::text(r#"{"cmd":"ping","id":9}"#)).await;
    let pong = next_reply(&mut ws).await;
    assert_eq!(
        (&pong["type"], &pong["id"]),
        (&json!("pong"), &json!(9)),
        "{pong}"
    );
    assert!(
        pong["server_us"].as_u64().is_some(),
        "pong carries the server's clock"
    );

    send(&mut ws, Message::text(r#"{"cmd":"get_state","id":10}"#)).await;
    let reply = next_reply(&mut ws).await;
    assert_eq!(reply["type"], "state", "{reply}");
    assert_eq!(reply["id"], 10, "{reply}");
    assert_eq!(reply["state"]["viewers"], 1, "{reply}");

    // A second connection breaks the text limit.
    let mut big = common::ws_connect(&server).await;
    send(&mut big, Message::text("x".repeat(64 * 1024))).await;
    assert_eq!(close_code(&mut big).await, 1009);

    // The first session is unaffected.
    send(&mut ws, Message::text(r#"{"cmd":"ping","id":11}"#)).await;
    let pong = next_reply(&mut ws).await;
    assert_eq!(
        (&pong["type"], &pong["id"]),
        (&json!("pong"), &json!(11)),
        "{pong}"
    );
    assert!(
        pong["server_us"].as_u64().is_some(),
        "pong carries the server's clock"
    );

    drop((ws, big));
    let took = server.stop().await;
    assert!(took.as_secs() < 5, "shutdown took {took:?}");
}

/// A client text frame header (masked) announcing `len` payload bytes,
/// followed by `sent` masked payload bytes: the rest never comes.
fn oversized_frame_start(len: u64, sent: usize) -> Vec<u8> {
    let mask = [0x12, 0x34, 0x56, 0x78];
    let mut frame = vec![0x81, 0x80 | 127];
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&mask);
    frame.extend((0..sent).map(|i| b'x' ^ mask[i % 4]));
    frame
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_and_body_limits_follow_the_configuration() {
    let mut config = common::test_config(WIDTH, HEIGHT, FPS);
    config.max_message_kilobytes = 1;
    config.max_body_kilobytes = 16;
    let server = common::start_live(config).await;
    let mut ws = common::ws_connect(&server).await;
    let name = "n".repeat(900);
    send(
        &mut ws,
        Message::text(format!(r#"{{"cmd":"ping","id":1,"x":"{name}"}}"#)),
    )
    .await;
    // Under the 1 KiB limit: answered.
    assert_eq!(next_reply(&mut ws).await["type"], "pong");
    send(&mut ws, Message::text("x".repeat(2 * 1024))).await;
    assert_eq!(close_code(&mut ws).await, 1009);
    let body = format!(r#"{{"name":"{}"}}"#, "a".repeat(20 * 1024));
    let res = common::http_request(
        server.addr,
        "POST",
        "/api/actions/snapshot",
        &[],
        body.as_bytes(),
    )
    .await;
    assert_eq!(res.status, 413);
    assert_eq!(res.json()["code"], "too_large");
    let res = common::http_request(
        server.addr,
        "POST",
        "/api/media/import",
        &[],
        body.as_bytes(),
    )
    .await;
    assert_eq!(res.status, 413);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_transport_limit_closes_with_1009() {
    let server = common::start_live(common::test_config(WIDTH, HEIGHT, FPS)).await;
    let mut ws = common::ws_connect(&server).await;
    // Announce a 2 MiB text frame but send only its first KiB, written
    // straight to the socket: the server must refuse it from the header
    // alone. (Writing all 2 MiB would race the server's close against the
    // rest of the upload, and the client could see a reset instead.)
    let start = oversized_frame_start(2 * 1024 * 1024, 1024);
    within(STEP, "sending", ws.get_mut().write_all(&start))
        .await
        .expect("cannot send");
    assert_eq!(close_code(&mut ws).await, 1009);
    drop(ws);
    let took = server.stop().await;
    assert!(took.as_secs() < 5, "shutdown took {took:?}");
}

/// The command door checks the role first: a viewer is refused every
/// command that needs an operator (one example of each, from the shared
/// command list, so a new command is covered without editing this test;
/// and each built-in action by name), with `forbidden`, and nothing
/// changes. Viewer commands still work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_is_refused_every_operator_command_and_nothing_changes() {
    use camrig::dispatch::{Reply, dispatch};
    use shared::commands::{BUILTIN_ACTIONS, Role};
    use shared::{Command, ErrorCode};

    let media = common::unique_temp_dir("viewer-refused");
    let mut config = common::test_config(WIDTH, HEIGHT, FPS);
    config.media.dir = media.clone();
    std::fs::write(media.join("untracked.jpg"), b"not catalogued").unwrap();
    let server = common::start_live(config).await;
    let app = server.app.clone();
    let before = app.state.borrow().clone();

    let by_name = BUILTIN_ACTIONS.iter().map(|(name, _)| Command::Action {
        name: (*name).to_owned(),
        args: serde_json::Value::Null,
    });
    let operator: Vec<Command> = Command::examples()
        .into_iter()
        .filter(|c| c.role() == Role::Operator)
        .chain(by_name)
        .collect();
    assert!(operator.len() >= 20, "{operator:?}");
    for command in operator {
        let refused = dispatch(&app, &Role::Viewer.into(), command.clone()).await;
        let err = refused.expect_err(&format!("{command:?} was allowed to a viewer"));
        assert_eq!(err.code(), ErrorCode::Forbidden, "{command:?}: {err}");
        assert_eq!(err.code().http_status(), 403);
    }

    let after = app.state.borrow().clone();
    assert_eq!(after.camera.view, before.camera.view);
    assert_eq!(after.recording, before.recording);
    assert_eq!(after.device.light, before.device.light);
    let listed = common::http_get(server.addr, "/api/media").await.json();
    assert_eq!(listed["total"], 0, "{listed}");
    assert!(media.join("untracked.jpg").is_file());

    assert!(matches!(
        dispatch(&app, &Role::Viewer.into(), Command::GetState).await,
        Ok(Reply::State(_))
    ));
    assert!(matches!(
        dispatch(&app, &Role::Viewer.into(), Command::ListActions).await,
        Ok(Reply::Result(_))
    ));
    // The operator may, through the same door.
    assert!(matches!(
        dispatch(&app, &Role::Operator.into(), Command::SetView { grayscale: Some(true), half_resolution: None }).await,
        Ok(Reply::State(state)) if state.camera.view.grayscale
    ));
    server.stop().await;
    std::fs::remove_dir_all(&media).ok();
}

/// The viewer limit refuses the next page with 503 and the reason, and
/// frees the place when a viewer leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_limit_refuses_the_next_viewer_with_the_reason() {
    let mut config = common::test_config(WIDTH, HEIGHT, FPS);
    config.max_viewers = 2;
    let server = common::start_live(config).await;
    let a = common::ws_connect(&server).await;
    let _b = common::ws_connect(&server).await;
    match tokio_tungstenite::connect_async(server.ws_url()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default())
                .into_owned();
            assert!(body.contains("server.max_viewers"), "{body}");
        }
        other => panic!("a third viewer was let in: {:?}", other.map(|_| ())),
    }
    drop(a);
    common::wait_until(STEP, "the place to be free again", || async {
        tokio_tungstenite::connect_async(server.ws_url())
            .await
            .is_ok()
    })
    .await;
    server.stop().await;
}

/// A connection over its command budget gets `too_many_requests`; one that
/// keeps flooding is closed with 1008, while another viewer keeps getting
/// frames.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_client_is_refused_then_cut_off_and_others_keep_watching() {
    let mut config = common::test_config(WIDTH, HEIGHT, FPS);
    config.commands_per_second = 5;
    let server = common::start_live(config).await;
    let mut flood = common::ws_connect(&server).await;
    let mut other = common::ws_connect(&server).await;
    // Far more than a burst, all at once.
    for i in 0..200 {
        let ping = format!(r#"{{"cmd":"ping","id":{i}}}"#);
        if flood.send(Message::text(ping)).await.is_err() {
            break;
        }
    }
    let (mut pongs, mut refused) = (0, 0);
    let code = within(STEP, "the flood to be cut off", async {
        loop {
            match flood.next().await {
                Some(Ok(Message::Text(text))) => {
                    let reply: serde_json::Value = serde_json::from_str(&text).unwrap();
                    match reply["type"].as_str() {
                        Some("pong") => pongs += 1,
                        Some("error") => {
                            assert_eq!(reply["code"], "too_many_requests", "{reply}");
                            refused += 1;
                        }
                        _ => {}
                    }
                }
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    })
    .await;
    assert_eq!(code, Some(1008));
    assert!((10..=12).contains(&pongs), "{pongs} pongs");
    assert!(refused >= 1, "{refused} refused");
    let (before, _) = common::next_frame(&mut other).await;
    let (after, _) = common::next_frame(&mut other).await;
    assert!(after.sequence > before.sequence);
    server.stop().await;
}
