//! The one module for the WebSocket: it owns the socket to `/ws` (one per
//! page load, whatever route is shown), reconnects with exponential backoff
//! when it drops (no page reload), keeps the server state and link status in
//! signals, hands binary frames to the registered frame handler, passes
//! media catalogue changes and pulse waveform samples (several times a
//! second, so kept out of the state signals) to their subscribers, and
//! sends commands with [`Connection::send`] (camera actions with
//! [`Connection::action`]). HTTP requests live in [`crate::api`].

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use shared::{ClientMessage, Command, MediaEvent, ServerMessage, ServerState};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

use crate::actions;
use crate::subscribers::Subscribers;

/// First reconnect delay.
const BACKOFF_MIN_MS: u64 = 500;
/// Longest reconnect delay.
const BACKOFF_MAX_MS: u64 = 8000;

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

/// Receives each binary frame message (header + JPEG).
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
    last_error: RwSignal<Option<String>>,
    /// A human summary of the last action result ("Saved x.jpg").
    last_result: RwSignal<Option<String>>,
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
}

impl Connection {
    /// Creates the connection and starts the first attempt.
    pub fn open() -> Self {
        let connection = Connection {
            status: RwSignal::new(LinkStatus::Connecting),
            server: RwSignal::new(None),
            last_error: RwSignal::new(None),
            last_result: RwSignal::new(None),
            socket: StoredValue::new_local(None),
            frames: StoredValue::new_local(None),
            media: Subscribers::new(),
            pulse: Subscribers::new(),
            next_token: StoredValue::new(1),
            backoff_ms: StoredValue::new(BACKOFF_MIN_MS),
            was_live: StoredValue::new(false),
        };
        connection.connect();
        connection
    }

    /// The link status.
    pub fn status(&self) -> Signal<LinkStatus> {
        self.status.into()
    }

    /// The newest server state, once received.
    pub fn server(&self) -> Signal<Option<ServerState>> {
        self.server.into()
    }

    /// The last error the server reported for one of our commands.
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

    /// A summary of the last action result sent to this client.
    pub fn last_result(&self) -> Signal<Option<String>> {
        self.last_result.into()
    }

    /// Sends a command; ignored while the link is down (the state a
    /// command would change is re-sent on reconnect).
    pub fn send(&self, command: Command) {
        let message = ClientMessage { id: None, command };
        let Ok(text) = serde_json::to_string(&message) else {
            return;
        };
        self.socket.with_value(|socket| {
            if let Some(socket) = socket {
                let _ = socket.ws.send_with_str(&text);
            }
        });
    }

    /// Runs the camera action `name` (see [`crate::actions`]); its result
    /// or error arrives as [`last_result`](Self::last_result) or
    /// [`last_error`](Self::last_error). While the link is down nothing is
    /// sent, and that is reported as an error, so no click goes unanswered.
    pub fn action(&self, name: &str, args: serde_json::Value) {
        if self.status.get_untracked() != LinkStatus::Live {
            self.last_error.set(Some(format!(
                "Not connected to the server: {name} not sent"
            )));
            return;
        }
        self.send(Command::Action {
            name: name.to_owned(),
            args,
        });
    }

    fn url() -> Option<String> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/ws", location.host().ok()?))
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
            self.backoff_ms.set_value(BACKOFF_MIN_MS);
            let reconnected = self.was_live.get_value();
            self.was_live.set_value(true);
            self.status.set(LinkStatus::Live);
            if reconnected {
                self.media.dispatch(&MediaEvent::Reload);
            }
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            self.receive(event.data());
        });
        // The closed socket is dropped when the retry replaces it, never
        // inside its own callback.
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_| self.schedule_retry());
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
        if let Ok(buffer) = data.clone().dyn_into::<js_sys::ArrayBuffer>() {
            if let Some((_, handler)) = self.frames.get_value() {
                handler(buffer);
            }
            return;
        }
        let Some(text) = data.as_string() else { return };
        match serde_json::from_str::<ServerMessage>(&text) {
            Ok(ServerMessage::State { state, .. }) => self.server.set(Some(*state)),
            Ok(ServerMessage::Error { message, .. }) => self.last_error.set(Some(message)),
            Ok(ServerMessage::Media { event }) => self.media.dispatch(&event),
            Ok(ServerMessage::Pulse { samples, rate_hz }) => {
                self.pulse.dispatch(&PulseBatch { samples, rate_hz })
            }
            Ok(ServerMessage::ActionResult { action, result, .. }) => {
                if let Some(summary) = actions::summary(&action, &result) {
                    self.last_result.set(Some(summary));
                }
            }
            Ok(ServerMessage::Pong { .. }) => {}
            Err(err) => leptos::logging::warn!("unreadable server message: {err}"),
        }
    }

    /// Shows the link as offline and tries again after the backoff delay.
    fn schedule_retry(self) {
        self.status.set(LinkStatus::Offline);
        let delay = self.backoff_ms.get_value();
        self.backoff_ms.set_value((delay * 2).min(BACKOFF_MAX_MS));
        set_timeout(
            move || {
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
