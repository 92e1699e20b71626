//! The one module for the WebSocket: it owns the socket to `/ws` (one per
//! page load, whatever route is shown), reconnects with exponential backoff
//! when it drops (no page reload), keeps the server state and link status in
//! signals, hands binary frames to the registered frame handler, passes
//! media catalogue changes and pulse waveform samples (several times a
//! second, so kept out of the state signals) to their subscribers, and
//! sends commands with [`Connection::request`], matching each reply to its
//! request by id. Every command is answered: by the server, or with a
//! failure when the link is down, drops, or stays silent past
//! [`COMMAND_DEADLINE`]. The link is checked, not assumed: the page pings
//! every second, and when nothing at all has arrived for [`QUIET_LIMIT`]
//! (a phone that left the Wi-Fi, a network that went quiet) the socket is
//! dropped and the status says `reconnecting` at once. The pings also
//! measure the offset to the server's clock ([`crate::clock`]; a few go
//! out quickly after every connect), which the live view needs to tell
//! how old a frame is. The socket opens without a live picture
//! (`/ws?video=none`): the live view asks for one with `watch` while it is
//! shown, again after every (re)connect ([`Connection::opened`]). HTTP
//! requests live in [`crate::api`].

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use shared::{ClientMessage, Command, MediaEvent, ServerMessage, ServerState};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

use crate::clock::{self, ClockOffset, now_ms};
use crate::subscribers::Subscribers;

/// First reconnect delay.
const BACKOFF_MIN_MS: u64 = 500;
/// Longest reconnect delay.
const BACKOFF_MAX_MS: u64 = 8000;
/// How long a command may wait for its answer.
pub const COMMAND_DEADLINE: Duration = Duration::from_secs(10);
/// A live link with nothing received for this long is taken as lost.
pub const QUIET_LIMIT: Duration = Duration::from_millis(3000);
/// How often the page pings, and checks that the link is not quiet.
const PING_EVERY: Duration = Duration::from_millis(1000);
/// Extra pings right after a connect, this far apart, so the clock offset
/// is known within a fraction of a second.
const QUICK_PINGS: [u64; 3] = [0, 150, 300];

/// The answer to one command: its result, or what went wrong, for people.
pub type Answer = Result<serde_json::Value, String>;

/// Runs once with a command's answer.
type OnAnswer = Box<dyn FnOnce(Answer)>;

/// The state of the link to the server, as shown to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    /// The first connection attempt is under way.
    Connecting,
    /// The WebSocket is open.
    Live,
    /// The link is down; a retry is scheduled.
    Offline,
    /// A retry after a lost link is under way.
    Reconnecting,
}

impl LinkStatus {
    /// Lower-case name, used as text and as a CSS/test attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Connecting => "connecting",
            LinkStatus::Live => "live",
            LinkStatus::Offline => "offline",
            LinkStatus::Reconnecting => "reconnecting",
        }
    }
}

/// Receives each binary frame message (header + JPEG or H.264).
pub type FrameHandler = Rc<dyn Fn(js_sys::ArrayBuffer)>;

/// One batch of pulse waveform samples, as the server pushed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseBatch {
    /// Raw sensor values (0-1023), oldest first.
    pub samples: Vec<u16>,
    /// Samples per second.
    pub rate_hz: u16,
}

/// An open socket with the callbacks that must live as long as it.
struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

/// Handle to the connection; `Copy`, provided once as context.
#[derive(Clone, Copy)]
pub struct Connection {
    status: RwSignal<LinkStatus>,
    server: RwSignal<Option<ServerState>>,
    /// The last error the server sent that answers no request of ours
    /// (a message it could not read at all).
    last_error: RwSignal<Option<String>>,
    /// Commands awaiting their answer, by request id.
    pending: StoredValue<HashMap<u64, OnAnswer>, LocalStorage>,
    /// When anything last arrived, `performance.now()` milliseconds.
    last_heard: StoredValue<f64>,
    socket: StoredValue<Option<Socket>, LocalStorage>,
    /// The frame handler with the token it was registered under.
    frames: StoredValue<Option<(u64, FrameHandler)>, LocalStorage>,
    /// Media catalogue subscribers.
    media: Subscribers<MediaEvent>,
    /// Pulse waveform subscribers.
    pulse: Subscribers<PulseBatch>,
    /// The next token handed out.
    next_token: StoredValue<u64>,
    /// Delay before the next retry, doubled after every failed attempt.
    backoff_ms: StoredValue<u64>,
    /// Set once the socket has been open at least once.
    was_live: StoredValue<bool>,
    /// When the next attempt starts (`performance.now()`, ms), while one
    /// is scheduled.
    retry_at: RwSignal<Option<f64>>,
    /// How many times a socket has opened; components that set up
    /// something per session (the live view's `watch`) track it.
    opened: RwSignal<u64>,
    /// Pings awaiting their pong: request id -> local send time, µs.
    pings: StoredValue<HashMap<u64, f64>>,
    /// The server's clock relative to ours.
    clock: StoredValue<ClockOffset>,
}

impl Connection {
    /// Creates the connection and starts the first attempt.
    pub fn open() -> Self {
        let connection = Connection {
            status: RwSignal::new(LinkStatus::Connecting),
            server: RwSignal::new(None),
            last_error: RwSignal::new(None),
            pending: StoredValue::new_local(HashMap::new()),
            last_heard: StoredValue::new(0.0),
            socket: StoredValue::new_local(None),
            frames: StoredValue::new_local(None),
            media: Subscribers::new(),
            pulse: Subscribers::new(),
            next_token: StoredValue::new(1),
            backoff_ms: StoredValue::new(BACKOFF_MIN_MS),
            was_live: StoredValue::new(false),
            retry_at: RwSignal::new(None),
            opened: RwSignal::new(0),
            pings: StoredValue::new(HashMap::new()),
            clock: StoredValue::new(ClockOffset::default()),
        };
        connection.connect();
        // Lives as long as the page: one connection per page load.
        let _ = set_interval_with_handle(move || connection.check_link(), PING_EVERY);
        connection
    }

    /// Pings the server, and drops a live link that has gone quiet.
    fn check_link(self) {
        if self.status.get_untracked() != LinkStatus::Live {
            return;
        }
        if now_ms() - self.last_heard.get_value() > QUIET_LIMIT.as_millis() as f64 {
            leptos::logging::warn!("nothing from the server for {QUIET_LIMIT:?}; reconnecting");
            self.socket.set_value(None);
            self.lost();
            self.status.set(LinkStatus::Reconnecting);
            self.schedule_retry();
            return;
        }
        self.ping();
    }

    /// Sends a ping whose pong measures the clock offset.
    fn ping(self) {
        let id = self.token();
        let sent = clock::local_now_us();
        self.pings.update_value(|p| {
            // Unanswered ones (a lost link) are of no more use.
            p.retain(|_, at| sent - *at < QUIET_LIMIT.as_micros() as f64);
            p.insert(id, sent);
        });
        self.send_raw(&ClientMessage {
            id: Some(id),
            command: Command::Ping,
        });
    }

    /// Takes the pong to one of our pings as a clock sample; whether it
    /// was one.
    fn pong(&self, id: u64, server_us: Option<u64>) -> bool {
        let received = clock::local_now_us();
        let Some(sent) = self.pings.try_update_value(|p| p.remove(&id)).flatten() else {
            return false;
        };
        if let Some(server) = server_us {
            self.clock
                .update_value(|c| c.add(sent, received, server as f64));
        }
        true
    }

    /// The server's clock minus this page's ([`clock::local_now_us`]), in
    /// µs; `None` until a pong has come back.
    pub fn clock_offset_us(&self) -> Option<f64> {
        self.clock.try_with_value(ClockOffset::offset_us).flatten()
    }

    /// When the next attempt to connect starts (`performance.now()`, ms),
    /// while the link is down and one is scheduled.
    pub fn retry_at(&self) -> Signal<Option<f64>> {
        self.retry_at.into()
    }

    /// How many times the socket has opened: changes with every connect
    /// and reconnect (server state sent on a new session follows at once).
    pub fn opened(&self) -> Signal<u64> {
        self.opened.into()
    }

    /// The link status.
    pub fn status(&self) -> Signal<LinkStatus> {
        self.status.into()
    }

    /// Whether what the page shows may be out of date: the link is not
    /// live (down, or gone quiet and reconnecting).
    pub fn stale(&self) -> Signal<bool> {
        let status = self.status;
        Signal::derive(move || status.get() != LinkStatus::Live)
    }

    /// The newest server state, once received.
    pub fn server(&self) -> Signal<Option<ServerState>> {
        self.server.into()
    }

    /// The last error the server sent that answers no request of ours.
    pub fn last_error(&self) -> Signal<Option<String>> {
        self.last_error.into()
    }

    /// Registers the function that receives binary frames, replacing any
    /// other, until the current reactive owner (the calling component) is
    /// cleaned up.
    pub fn on_frame(&self, handler: FrameHandler) {
        let token = self.token();
        self.frames.set_value(Some((token, handler)));
        let frames = self.frames;
        on_cleanup(move || {
            // A newer view may have registered already; keep its handler.
            frames.try_update_value(|f| {
                if f.as_ref().is_some_and(|(t, _)| *t == token) {
                    *f = None;
                }
            });
        });
    }

    /// Calls `handler` with every media catalogue change, pushed by the
    /// server or [announced](Self::announce) by this page, until the
    /// current reactive owner (the calling component) is cleaned up. After
    /// a lost link comes back, subscribers get [`MediaEvent::Reload`], as
    /// changes may have been missed.
    pub fn on_media(&self, handler: impl Fn(&MediaEvent) + 'static) {
        self.media.subscribe(handler);
    }

    /// Passes a change this page made itself to every subscriber at once,
    /// without waiting for the server's echo (which changes nothing more).
    pub fn announce(&self, event: MediaEvent) {
        self.media.dispatch(&event);
    }

    /// Calls `handler` with every batch of pulse waveform samples until
    /// the current reactive owner (the calling component) is cleaned up.
    /// Batches that arrive with no subscriber are dropped.
    pub fn on_pulse(&self, handler: impl Fn(&PulseBatch) + 'static) {
        self.pulse.subscribe(handler);
    }

    fn token(&self) -> u64 {
        let token = self.next_token.get_value();
        self.next_token.set_value(token + 1);
        token
    }

    /// Sends `command`; `on_answer` runs exactly once with the server's
    /// answer, or with a failure when the link is down (nothing is sent),
    /// drops before the answer, or no answer comes within
    /// [`COMMAND_DEADLINE`].
    pub fn request(&self, command: Command, on_answer: impl FnOnce(Answer) + 'static) {
        if self.status.get_untracked() != LinkStatus::Live {
            on_answer(Err(format!(
                "Not connected to the server: {} not sent",
                command.name()
            )));
            return;
        }
        let id = self.token();
        let name = command.name().to_owned();
        self.pending
            .update_value(|p| _ = p.insert(id, Box::new(on_answer)));
        if !self.send_raw(&ClientMessage {
            id: Some(id),
            command,
        }) {
            self.answer(id, Err(format!("Could not send {name}; the link is down")));
            return;
        }
        let connection = *self;
        set_timeout(
            move || {
                connection.answer(
                    id,
                    Err(format!(
                        "No answer from the server within {} s: {name} may not have happened",
                        COMMAND_DEADLINE.as_secs()
                    )),
                )
            },
            COMMAND_DEADLINE,
        );
    }

    /// Runs the handler of request `id`, if it still waits.
    fn answer(&self, id: u64, answer: Answer) {
        let handler = self.pending.try_update_value(|p| p.remove(&id)).flatten();
        if let Some(handler) = handler {
            handler(answer);
        }
    }

    /// Fails every command still waiting: the link they went out on is gone.
    fn lost(&self) {
        let waiting: Vec<OnAnswer> = self
            .pending
            .try_update_value(|p| p.drain().map(|(_, h)| h).collect())
            .unwrap_or_default();
        for handler in waiting {
            handler(Err(
                "The link to the server dropped before it answered; check whether it happened"
                    .to_owned(),
            ));
        }
    }

    /// Sends a message on the open socket; whether it went out.
    fn send_raw(&self, message: &ClientMessage) -> bool {
        let Ok(text) = serde_json::to_string(message) else {
            return false;
        };
        self.socket
            .with_value(|socket| socket.as_ref().map(|s| s.ws.send_with_str(&text).is_ok()))
            .unwrap_or(false)
    }

    /// Drops the socket and opens a new one at once, so the server sees
    /// the browser's new session cookie (after a login or logout).
    pub fn reconnect(&self) {
        // Dropping the socket clears its callbacks: no retry is scheduled.
        self.socket.set_value(None);
        self.lost();
        self.backoff_ms.set_value(BACKOFF_MIN_MS);
        self.connect();
    }

    fn url() -> Option<String> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        // No live picture until the live view asks for one (`watch`).
        Some(format!(
            "{scheme}://{}/ws?video=none",
            location.host().ok()?
        ))
    }

    fn connect(self) {
        let Some(url) = Self::url() else { return };
        let ws = match WebSocket::new(&url) {
            Ok(ws) => ws,
            Err(_) => {
                self.schedule_retry();
                return;
            }
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| {
            self.last_heard.set_value(now_ms());
            self.backoff_ms.set_value(BACKOFF_MIN_MS);
            let reconnected = self.was_live.get_value();
            self.was_live.set_value(true);
            self.status.set(LinkStatus::Live);
            self.clock.update_value(ClockOffset::clear);
            self.pings.update_value(HashMap::clear);
            self.opened.update(|n| *n += 1);
            for delay in QUICK_PINGS {
                set_timeout(move || self.ping(), Duration::from_millis(delay));
            }
            if reconnected {
                self.media.dispatch(&MediaEvent::Reload);
            }
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            self.receive(event.data());
        });
        // The closed socket is dropped when the retry replaces it, never
        // inside its own callback.
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_| {
            self.lost();
            self.schedule_retry();
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.socket.set_value(Some(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        }));
    }

    fn receive(&self, data: wasm_bindgen::JsValue) {
        self.last_heard.set_value(now_ms());
        if let Ok(buffer) = data.clone().dyn_into::<js_sys::ArrayBuffer>() {
            if let Some((_, handler)) = self.frames.get_value() {
                handler(buffer);
            }
            return;
        }
        let Some(text) = data.as_string() else { return };
        match crate::wire::read(&text) {
            Ok(ServerMessage::State { id, state }) => {
                self.server.set(Some(*state));
                if let Some(id) = id {
                    self.answer(id, Ok(serde_json::Value::Null));
                }
            }
            Ok(ServerMessage::Error {
                id: Some(id),
                message,
                ..
            }) => self.answer(id, Err(message)),
            Ok(ServerMessage::Error {
                id: None, message, ..
            }) => self.last_error.set(Some(message)),
            Ok(ServerMessage::Media { event }) => self.media.dispatch(&event),
            Ok(ServerMessage::Pulse {
                samples, rate_hz, ..
            }) => self.pulse.dispatch(&PulseBatch { samples, rate_hz }),
            Ok(ServerMessage::ActionResult {
                id: Some(id),
                result,
                ..
            }) => self.answer(id, Ok(result)),
            Ok(ServerMessage::Pong {
                id: Some(id),
                server_us,
            }) => {
                if !self.pong(id, server_us) {
                    self.answer(id, Ok(serde_json::Value::Null))
                }
            }
            Ok(
                ServerMessage::ActionResult { id: None, .. } | ServerMessage::Pong { id: None, .. },
            ) => {}
            Err(err) => leptos::logging::warn!("unreadable server message: {err}"),
        }
    }

    /// Shows the link as offline (or still reconnecting, after a link
    /// that went quiet) and tries again after the backoff delay.
    fn schedule_retry(self) {
        if self.status.get_untracked() != LinkStatus::Reconnecting {
            self.status.set(LinkStatus::Offline);
        }
        let delay = self.backoff_ms.get_value();
        self.backoff_ms.set_value((delay * 2).min(BACKOFF_MAX_MS));
        self.retry_at.set(Some(now_ms() + delay as f64));
        set_timeout(
            move || {
                self.retry_at.set(None);
                if self.was_live.get_value() {
                    self.status.set(LinkStatus::Reconnecting);
                } else {
                    self.status.set(LinkStatus::Connecting);
                }
                self.connect();
            },
            Duration::from_millis(delay),
        );
    }
}
