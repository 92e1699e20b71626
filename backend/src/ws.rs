//! One WebSocket session per viewer, split into a reader and a writer task
//! that end together. The writer sends the current state on connect, then
//! every state change, every reply, and the live picture in the format the
//! session watches (`/ws?video=`, then the `watch` command): JPEG, H.264 or
//! none. JPEG: the newest frame whenever the viewer is ready for one
//! (frames it was too slow for are skipped, never queued). H.264: every
//! access unit from a key frame on (one is asked for when the session
//! starts watching); a viewer more than [`H264_MAX_BEHIND`] frames behind
//! skips to the next key frame, asked for at once, instead of queueing
//! (both through a [`H264Cursor`]).
//! Either way the session counts in the camera's demand only while it
//! watches. The reader parses text commands, hands them to
//! [`dispatch`](crate::dispatch::dispatch) (through [`answer`]) and queues the reply for this
//! viewer only. Bad input gets an error reply and the session stays open;
//! an oversized message closes it with code 1009. Limits: at most
//! `server.max_viewers` sessions at once (the next upgrade is refused with
//! 503 and the reason), and each connection a budget of
//! `server.commands_per_second` commands (bursts of twice that): beyond it
//! a command gets `too_many_requests`, and a connection that keeps
//! flooding is closed with 1008. The server pings every [`PING_EVERY`]
//! (browsers answer by themselves); a client from which nothing at all
//! has arrived for [`CLIENT_SILENCE`] is gone (a phone that left the
//! Wi-Fi) and its session is closed with 4408.

use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use shared::{ClientMessage, Command, ErrorCode, Feature, MediaEvent, ServerMessage, VideoFormat};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::auth::routes::Caller;
use crate::camera::demand::{DemandGuard, Need};
use crate::dispatch::answer;
use crate::error::ApiError;
use crate::frames::{FrameReceiver, H264Cursor};
use crate::state::{AppState, ViewerGuard};

/// How far over `server.max_message_kilobytes` the WebSocket layer still
/// reads a message (which the session then refuses with 1009); beyond
/// that the layer refuses it from its header, without reading it.
const TRANSPORT_MARGIN: usize = 64 * 1024;
/// The read buffer each connection starts with (clients send small
/// commands; the buffer grows for a bigger message).
const READ_BUFFER: usize = 4 * 1024;
/// Replies waiting for the writer; a client that floods commands faster
/// than it reads replies is slowed down, not buffered.
const OUTBOX: usize = 16;
/// A viewer that cannot take one message in this long is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the server pings each client.
const PING_EVERY: Duration = Duration::from_secs(5);
/// A client silent this long (not even a pong) is taken as gone.
const CLIENT_SILENCE: Duration = Duration::from_secs(20);
/// Close code: the client stopped answering (application range, after
/// HTTP's 408).
const CLOSE_SILENT: u16 = 4408;
/// How long the goodbye close frame may take when the server shuts down.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(1);

/// Close code: going away (server shutting down).
const CLOSE_GOING_AWAY: u16 = 1001;
/// Close code: message too big.
const CLOSE_TOO_BIG: u16 = 1009;
/// Close code: policy violation (flooding).
const CLOSE_POLICY: u16 = 1008;
/// How long a closing connection waits for the client to answer the close.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// An H.264 viewer with more access units than this waiting for it skips
/// to the next key frame (about a quarter of a second at 30 fps).
const H264_MAX_BEHIND: usize = 8;

/// `/ws` query parameters.
#[derive(Debug, serde::Deserialize)]
pub struct WsParams {
    /// The live picture the session starts with (JPEG when absent).
    #[serde(default)]
    video: Option<VideoFormat>,
}

/// What the reader asks the writer to send.
enum Outgoing {
    Reply(ServerMessage),
    Close(u16, &'static str),
}

/// `GET /ws`: upgrades to a viewer session.
#[utoipa::path(get, path = "/ws", tag = "live", description = "WebSocket. Binary messages carry frames; text messages from the client are `ClientMessage` (a `Command` with an optional `id`), and the server answers with `ServerMessage`s echoing the id. Every command needs the role `Command::role` names.", responses((status = 101, description = "Switching to the WebSocket protocol"), (status = 401, description = "A key is needed or the bearer token is wrong", body = crate::error::ErrorBody), (status = 403, description = "Not for this role, foreign origin or host", body = crate::error::ErrorBody), (status = 503, description = "Too many viewers", body = crate::error::ErrorBody)))]
pub async fn handler(
    ws: WebSocketUpgrade,
    State(app): State<AppState>,
    Query(params): Query<WsParams>,
    caller: Caller,
) -> Response {
    let Ok(slot) = app.viewer_slots.clone().try_acquire_owned() else {
        let watching = app.state.borrow().viewers;
        return ApiError::Unavailable(format!(
            "too many viewers: {watching} are watching, the most this server takes \
             (server.max_viewers); close another page or try again later"
        ))
        .into_response();
    };
    // Nothing is buffered beyond the message being sent: a viewer that
    // does not read holds at most one frame here.
    let transport_limit = app.max_message_bytes + TRANSPORT_MARGIN;
    ws.max_message_size(transport_limit)
        .max_frame_size(transport_limit)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .on_upgrade(move |socket| {
            let tasks = app.tasks.clone();
            tasks.track_future(async move {
                session(socket, app, caller, params.video.unwrap_or_default()).await;
                drop(slot);
            })
        })
}

async fn session(socket: WebSocket, app: AppState, caller: Caller, video: VideoFormat) {
    let _viewer = ViewerGuard::new(&app);
    let (sink, stream) = socket.split();
    let (outbox, replies) = mpsc::channel(OUTBOX);
    let video = watch::channel(checked_format(&app, video)).0;
    let shutdown = app.shutdown.clone();
    let writer = write_loop(sink, &app, replies, video.subscribe(), shutdown.clone());
    let reader = read_loop(stream, &app, &caller, outbox, &video);
    tokio::pin!(writer, reader);
    tokio::select! {
        _ = &mut writer => {
            // The writer stops once it has sent a close the reader asked
            // for (a flood, a message too big, a silent client), or when
            // the client is gone. The reader then takes what the client
            // still sends until it answers the close (bounded): dropping
            // the socket with unread data would reset the connection, and
            // the client would see a reset instead of the close's code.
            if !shutdown.is_cancelled() {
                let _ = tokio::time::timeout(CLOSE_GRACE, &mut reader).await;
            }
        }
        _ = &mut reader => {}
    }
}

/// `wanted`, or JPEG when it is H.264 and this server cannot encode it.
fn checked_format(app: &AppState, wanted: VideoFormat) -> VideoFormat {
    if wanted == VideoFormat::H264 && h264_unavailable(app).is_some() {
        VideoFormat::Jpeg
    } else {
        wanted
    }
}

/// Why this server has no H.264 live view, if it has none.
fn h264_unavailable(app: &AppState) -> Option<String> {
    app.state
        .borrow()
        .unavailable_reason(Feature::LiveH264)
        .map(str::to_owned)
}

/// The live picture a session is sending, and its share of the demand.
enum Feed {
    /// No picture.
    Off,
    /// The newest JPEG whenever the viewer is ready.
    Jpeg {
        frames: FrameReceiver,
        _demand: DemandGuard,
    },
    /// Every H.264 access unit from a key frame on.
    H264 {
        frames: H264Cursor,
        _demand: DemandGuard,
    },
}

impl Feed {
    fn new(app: &AppState, format: VideoFormat) -> Feed {
        let camera = &app.camera;
        match format {
            VideoFormat::None => Feed::Off,
            VideoFormat::Jpeg => Feed::Jpeg {
                frames: camera.frames(),
                _demand: camera.demand().take(Need::Jpeg),
            },
            VideoFormat::H264 => {
                let frames = camera.h264_frames();
                let demand = camera.demand().take(Need::H264);
                let keys = camera.demand().clone();
                Feed::H264 {
                    frames: H264Cursor::new(frames, H264_MAX_BEHIND, move || {
                        keys.request_key_frame();
                    }),
                    _demand: demand,
                }
            }
        }
    }

    /// The next message to send; waits forever when there is none to come
    /// (no picture watched, camera gone). Cancel-safe.
    async fn next(&mut self) -> Bytes {
        match self {
            Feed::Off => std::future::pending().await,
            Feed::Jpeg { frames, .. } => loop {
                if frames.changed().await.is_err() {
                    return std::future::pending().await;
                }
                if let Some(frame) = frames.borrow_and_update().as_ref() {
                    return frame.ws_message.clone();
                }
            },
            Feed::H264 { frames, .. } => match frames.next().await {
                Some(frame) => frame.ws_message,
                None => std::future::pending().await,
            },
        }
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
    mut video: watch::Receiver<VideoFormat>,
    shutdown: CancellationToken,
) {
    let mut state = app.state.subscribe();
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
    let mut feed = Feed::new(app, *video.borrow_and_update());
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let message = tokio::select! {
            biased;
            _ = shutdown.cancelled() => {
                goodbye(&mut sink).await;
                return;
            }
            _ = ping.tick() => Message::Ping(Default::default()),
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
                    ServerMessage::Pulse {
                        samples: pulse.samples,
                        rate_hz: pulse.rate_hz,
                        received_us: Some(pulse.received_us),
                    }
                        .to_json()
                        .into(),
                ),
                // A missed batch leaves a gap in the chart; nothing to resend.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            changed = video.changed() => {
                if changed.is_err() {
                    return;
                }
                feed = Feed::new(app, *video.borrow_and_update());
                continue;
            }
            bytes = feed.next() => Message::Binary(bytes),
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
    caller: &Caller,
    outbox: mpsc::Sender<Outgoing>,
    video: &watch::Sender<VideoFormat>,
) {
    let error = |code, message: &str| {
        Outgoing::Reply(ServerMessage::Error {
            id: None,
            code,
            message: message.to_owned(),
        })
    };
    let mut budget = Budget::new(app.commands_per_second);
    loop {
        let received = match tokio::time::timeout(CLIENT_SILENCE, stream.next()).await {
            Ok(Some(received)) => received,
            Ok(None) => return,
            Err(_) => {
                tracing::debug!("client silent for {CLIENT_SILENCE:?}; closing");
                let _ = outbox
                    .send(Outgoing::Close(CLOSE_SILENT, "no answer to pings"))
                    .await;
                return;
            }
        };
        if matches!(received, Ok(Message::Text(_) | Message::Binary(_))) {
            match budget.take(Instant::now()) {
                Verdict::Allowed => {}
                Verdict::Refused => {
                    let message = format!(
                        "too many commands: at most {} a second (server.commands_per_second)",
                        app.commands_per_second
                    );
                    if outbox
                        .send(error(ErrorCode::TooManyRequests, &message))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    continue;
                }
                Verdict::Flood => {
                    let _ = outbox
                        .send(Outgoing::Close(CLOSE_POLICY, "too many commands"))
                        .await;
                    drain_until_closed(&mut stream, &outbox).await;
                    return;
                }
            }
        }
        let out = match received {
            Ok(Message::Text(text)) if text.len() > app.max_message_bytes => {
                Outgoing::Close(CLOSE_TOO_BIG, "message too big")
            }
            Ok(Message::Text(text)) => match ClientMessage::parse(&text) {
                Ok(ClientMessage {
                    id,
                    command: Command::Watch { video: wanted },
                }) => Outgoing::Reply(watch_format(app, video, id, wanted)),
                Ok(message) => Outgoing::Reply(answer(app, caller, message).await),
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
                // The WebSocket layer refuses messages over the transport limit.
                if !err.to_string().contains("too long") {
                    return;
                }
                Outgoing::Close(CLOSE_TOO_BIG, "message too big")
            }
        };
        let closing = matches!(out, Outgoing::Close(..));
        if outbox.send(out).await.is_err() || closing {
            drain_until_closed(&mut stream, &outbox).await;
            return;
        }
    }
}

/// Switches the session's live picture (or restarts it: H.264 again starts
/// at a fresh key frame); H.264 is refused, with the reason, where this
/// server cannot encode it (the session keeps what it had).
fn watch_format(
    app: &AppState,
    video: &watch::Sender<VideoFormat>,
    id: Option<u64>,
    wanted: VideoFormat,
) -> ServerMessage {
    if wanted == VideoFormat::H264
        && let Some(reason) = h264_unavailable(app)
    {
        return ServerMessage::Error {
            id,
            code: ErrorCode::NotSupported,
            message: format!("no H.264 live view on this server: {reason}"),
        };
    }
    // Sent even when unchanged: watching H.264 again restarts the picture
    // at a key frame (a client whose decoder fell behind asks this way).
    video.send_replace(wanted);
    ServerMessage::ActionResult {
        id,
        action: "watch".into(),
        result: json!({ "video": wanted.as_str() }),
    }
}

/// Reads and discards what the client still sends until it answers the
/// close frame (or goes, or [`CLOSE_GRACE`] passes), then waits for the
/// writer to be done: data left unread would make the socket's end a reset
/// that can overtake the close frame, and the client would never see the
/// close code.
async fn drain_until_closed(stream: &mut SplitStream<WebSocket>, outbox: &mpsc::Sender<Outgoing>) {
    let answered = async {
        while let Some(Ok(message)) = stream.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(CLOSE_GRACE, answered).await;
    outbox.closed().await;
}

/// What the command budget says about one more command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Within the budget.
    Allowed,
    /// Over it: refuse this one.
    Refused,
    /// Over it by far (more than twice the rate refused within a second):
    /// close the connection.
    Flood,
}

/// A token bucket: `rate` commands a second, bursts of twice that.
struct Budget {
    rate: f64,
    tokens: f64,
    last: Option<Instant>,
    refused: u32,
    window: Option<Instant>,
}

impl Budget {
    fn new(per_second: u32) -> Self {
        let rate = f64::from(per_second.max(1));
        Budget {
            rate,
            tokens: 2.0 * rate,
            last: None,
            refused: 0,
            window: None,
        }
    }

    fn take(&mut self, now: Instant) -> Verdict {
        if let Some(last) = self.last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.rate;
            self.tokens = (self.tokens + refill).min(2.0 * self.rate);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Verdict::Allowed;
        }
        let window = *self.window.get_or_insert(now);
        if now.saturating_duration_since(window) >= Duration::from_secs(1) {
            self.window = Some(now);
            self.refused = 0;
        }
        self.refused += 1;
        if f64::from(self.refused) > 2.0 * self.rate {
            Verdict::Flood
        } else {
            Verdict::Refused
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_holds_and_a_flood_is_cut() {
        let start = Instant::now();
        let mut budget = Budget::new(10);
        // A burst of twice the rate passes at once, the next is refused.
        for _ in 0..20 {
            assert_eq!(budget.take(start), Verdict::Allowed);
        }
        assert_eq!(budget.take(start), Verdict::Refused);
        // Ten a second goes on being allowed.
        for i in 1..=50 {
            let at = start + Duration::from_millis(100 * i);
            assert_eq!(budget.take(at), Verdict::Allowed, "command {i}");
        }
        // Flooding: more than twice the rate refused within a second.
        let later = start + Duration::from_secs(6);
        let verdicts: Vec<Verdict> = (0..45).map(|_| budget.take(later)).collect();
        assert!(verdicts.contains(&Verdict::Refused));
        assert_eq!(verdicts.last(), Some(&Verdict::Flood));
    }
}
