//! Graceful shutdown with clients attached: cancelling the token makes
//! `Server::run` return within five seconds, the WebSocket viewer gets a
//! close frame with code 1001 (going away) or the end of the stream, and the
//! MJPEG stream ends.
use crate::common;

use std::time::{Duration, Instant};

use crate::common::{BodyReader, STEP, next_frame, within};
use futures_util::StreamExt;
use shared::mjpeg::PartReader;
use tokio_tungstenite::tungstenite::Message;

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;
const FPS: u32 = 30;
/// The most `run` may take to return after cancellation.
const GRACE: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_closes_viewers_and_streams_and_returns() {
    let mut server = common::start_live(common::test_config(WIDTH, HEIGHT, FPS)).await;

    // A WebSocket viewer that is receiving frames.
    let mut ws = common::ws_connect(&server).await;
    next_frame(&mut ws).await;

    // An MJPEG client that is receiving parts.
    let (status, headers, reader) = common::open_get(server.addr, "/video_feed", false).await;
    assert_eq!(status, 200);
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let mut mjpeg = BodyReader::new(reader, chunked);
    let mut parts = PartReader::default();
    within(STEP, "an MJPEG part", async {
        loop {
            parts.push(&mjpeg.next().await.expect("the MJPEG stream ended early"));
            if parts.next_part().expect("malformed MJPEG stream").is_some() {
                break;
            }
        }
    })
    .await;

    // Both clients keep reading while the server shuts down.
    let ws_end = tokio::spawn(async move {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => {
                    return Some(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    });
    let mjpeg_end = tokio::spawn(async move {
        let mut bytes = 0;
        while let Some(piece) = mjpeg.next().await {
            bytes += piece.len();
        }
        bytes
    });

    let took = cancel_and_time(&mut server).await;
    assert!(took < GRACE, "Server::run took {took:?} to return");

    // Whatever the clients still had in flight, their streams end promptly.
    let ws_outcome = within(STEP, "the WebSocket to close", ws_end)
        .await
        .unwrap();
    eprintln!("WebSocket viewer: close code {ws_outcome:?}");
    match ws_outcome {
        Some(Some(code)) => assert_eq!(code, 1001, "close code"),
        Some(None) => panic!("close frame without a code"),
        None => {} // End of stream without a close frame is accepted.
    }
    let bytes = within(STEP, "the MJPEG stream to end", mjpeg_end)
        .await
        .unwrap();
    eprintln!("MJPEG stream ended after {bytes} more bytes");
}

/// A viewer whose socket is full when the server shuts down cannot even
/// take the close frame; the server must still end its session promptly
/// (not leave it blocked in a send) and return from `run` without waiting
/// out its grace period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_viewer_does_not_hold_up_shutdown() {
    let mut server = common::start_live(common::test_config(1280, 720, FPS)).await;
    let server_port = server.addr.port();
    let (mut stalled, port) = common::stalled_viewer(&server).await;
    common::wait_for_stalled_writer(server_port, port).await;

    let took = cancel_and_time(&mut server).await;
    let socket = common::tcp_socket(server_port, port);
    eprintln!("the server's socket to the stalled viewer: {socket:?}");
    assert!(
        took < GRACE,
        "Server::run took {took:?} to return: it waited out its grace period for the stalled session"
    );
    // The session is over: the server no longer holds the connection open.
    assert!(
        socket.is_none_or(|s| s.state != common::TCP_ESTABLISHED),
        "the stalled viewer's session still holds its connection after run returned: {socket:?}"
    );

    // Once the viewer reads, it finds its buffered frames and then the end
    // of the session.
    let ended = within(STEP, "the stalled viewer's session to end", async {
        loop {
            match stalled.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    })
    .await;
    eprintln!("stalled viewer ended with {ended:?}");
}

/// Cancels the server and returns how long `Server::run` took to return.
async fn cancel_and_time(server: &mut common::TestServer) -> Duration {
    let cancelled = Instant::now();
    server.token.cancel();
    let handle = server.handle.take().unwrap();
    let result = within(STEP, "Server::run to return after cancellation", handle)
        .await
        .expect("the server task panicked");
    let took = cancelled.elapsed();
    result.expect("Server::run returned an error");
    eprintln!("Server::run returned {took:?} after cancellation");
    took
}
