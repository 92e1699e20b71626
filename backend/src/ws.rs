//! One WebSocket session per viewer, split into a reader and a writer task
//! that end together. The writer sends the current state on connect, then
//! every state change, every reply, and the newest frame whenever the
//! viewer is ready for one (frames it was too slow for are skipped, never
//! queued). The reader parses text commands, hands them to
//! [`dispatch`](crate::dispatch::dispatch) (through [`answer`]) and queues the reply for this
//! viewer only. Bad input gets an error reply and the session stays open;
//! an oversized message closes it with code 1009.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use shared::protocol::MAX_TEXT_MESSAGE;
use shared::{ClientMessage, ErrorCode, MediaEvent, ServerMessage};
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use crate::dispatch::{OPEN_ACCESS, answer};
use crate::state::{AppState, ViewerGuard};

/// Largest message the WebSocket layer reads at all; anything between
/// [`MAX_TEXT_MESSAGE`] and this is refused by the session with code 1009.
const MAX_WS_MESSAGE: usize = 1024 * 1024;
/// Replies waiting for the writer; a client that floods commands faster
/// than it reads replies is slowed down, not buffered.
const OUTBOX: usize = 16;
/// A viewer that cannot take one message in this long is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the goodbye close frame may take when the server shuts down.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(1);

/// Close code: going away (server shutting down).
const CLOSE_GOING_AWAY: u16 = 1001;
/// Close code: message too big.
const CLOSE_TOO_BIG: u16 = 1009;

/// What the reader asks the writer to send.
enum Outgoing {
    Reply(ServerMessage),
    Close(u16, &'static str),
}

/// `GET /ws`: upgrades to a viewer session.
pub async fn handler(ws: WebSocketUpgrade, State(app): State<AppState>) -> Response {
    ws.max_message_size(MAX_WS_MESSAGE)
        .max_frame_size(MAX_WS_MESSAGE)
        .on_upgrade(move |socket| {
            let tasks = app.tasks.clone();
            tasks.track_future(session(socket, app))
        })
}

async fn session(socket: WebSocket, app: AppState) {
    let _viewer = ViewerGuard::new(&app);
    let (sink, stream) = socket.split();
    let (outbox, replies) = mpsc::channel(OUTBOX);
    let shutdown = app.shutdown.clone();
    tokio::select! {
        _ = write_loop(sink, &app, replies, shutdown) => {}
        _ = read_loop(stream, &app, outbox) => {}
    }
}

/// Sends one message; gives up after [`SEND_TIMEOUT`], or at once when the
/// server shuts down (a viewer that does not read must not hold it up).
async fn send(
    sink: &mut SplitSink<WebSocket, Message>,
    message: Message,
    shutdown: &CancellationToken,
) -> bool {
    tokio::select! {
        biased;
        _ = shutdown.cancelled() => false,
        sent = tokio::time::timeout(SEND_TIMEOUT, sink.send(message)) => matches!(sent, Ok(Ok(()))),
    }
}

/// Tells the viewer that the server is going away, waiting at most
/// [`GOODBYE_TIMEOUT`] for it to take the close frame.
async fn goodbye(sink: &mut SplitSink<WebSocket, Message>) {
    let message = close(CLOSE_GOING_AWAY, "server shutting down");
    let _ = tokio::time::timeout(GOODBYE_TIMEOUT, sink.send(message)).await;
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    app: &AppState,
    mut replies: mpsc::Receiver<Outgoing>,
    shutdown: CancellationToken,
) {
    let mut state = app.state.subscribe();
    let mut frames = app.camera.frames();
    let mut media = app.media_events.subscribe();
    let mut pulses = app.device.pulses();
    let initial = ServerMessage::State {
        id: None,
        state: Box::new(state.borrow_and_update().clone()),
    };
    let initial = Message::Text(initial.to_json().into());
    if !send(&mut sink, initial, &shutdown).await {
        if shutdown.is_cancelled() {
            goodbye(&mut sink).await;
        }
        return;
    }
    loop {
        let message = tokio::select! {
            biased;
            _ = shutdown.cancelled() => {
                goodbye(&mut sink).await;
                return;
            }
            out = replies.recv() => match out {
                Some(Outgoing::Reply(reply)) => Message::Text(reply.to_json().into()),
                Some(Outgoing::Close(code, reason)) => {
                    let _ = send(&mut sink, close(code, reason), &shutdown).await;
                    return;
                }
                None => return,
            },
            changed = state.changed() => {
                if changed.is_err() {
                    return;
                }
                let current = state.borrow_and_update().clone();
                Message::Text(ServerMessage::State { id: None, state: Box::new(current) }.to_json().into())
            }
            event = media.recv() => match event {
                Ok(event) => Message::Text(ServerMessage::Media { event }.to_json().into()),
                // Fell behind: the client re-reads the list instead.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    Message::Text(ServerMessage::Media { event: MediaEvent::Reload }.to_json().into())
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            pulse = pulses.recv() => match pulse {
                Ok(pulse) => Message::Text(
                    ServerMessage::Pulse { samples: pulse.samples, rate_hz: pulse.rate_hz }
                        .to_json()
                        .into(),
                ),
                // A missed batch leaves a gap in the chart; nothing to resend.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            changed = frames.changed() => {
                if changed.is_err() {
                    return;
                }
                let newest = frames.borrow_and_update().as_ref().map(|f| f.ws_message.clone());
                match newest {
                    Some(bytes) => Message::Binary(bytes),
                    None => continue,
                }
            }
        };
        if !send(&mut sink, message, &shutdown).await {
            if shutdown.is_cancelled() {
                goodbye(&mut sink).await;
            }
            return;
        }
    }
}

async fn read_loop(
    mut stream: SplitStream<WebSocket>,
    app: &AppState,
    outbox: mpsc::Sender<Outgoing>,
) {
    let error = |code, message: &str| {
        Outgoing::Reply(ServerMessage::Error {
            id: None,
            code,
            message: message.to_owned(),
        })
    };
    while let Some(received) = stream.next().await {
        let out = match received {
            Ok(Message::Text(text)) if text.len() > MAX_TEXT_MESSAGE => {
                Outgoing::Close(CLOSE_TOO_BIG, "message too big")
            }
            Ok(Message::Text(text)) => match ClientMessage::parse(&text) {
                Ok(message) => Outgoing::Reply(answer(app, OPEN_ACCESS, message).await),
                Err(reply) => Outgoing::Reply(reply),
            },
            Ok(Message::Binary(_)) => error(
                ErrorCode::Unsupported,
                "binary messages are not accepted; send JSON commands as text",
            ),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Ok(Message::Close(_)) => return,
            Err(err) => {
                tracing::debug!(%err, "websocket read ended");
                // The WebSocket layer refuses messages over MAX_WS_MESSAGE.
                if !err.to_string().contains("too long") {
                    return;
                }
                Outgoing::Close(CLOSE_TOO_BIG, "message too big")
            }
        };
        let closing = matches!(out, Outgoing::Close(..));
        if outbox.send(out).await.is_err() || closing {
            // Wait for the writer to send the close frame.
            outbox.closed().await;
            return;
        }
    }
}
