//! The one module that does network I/O: it owns the WebSocket to `/ws`,
//! reconnects with exponential backoff when it drops (no page reload), keeps
//! the server state and link status in signals, hands binary frames to the
//! registered frame handler, and sends commands with
//! [`Connection::send`].

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use shared::{ClientMessage, Command, ServerMessage, ServerState};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

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
    socket: StoredValue<Option<Socket>, LocalStorage>,
    frames: StoredValue<Option<FrameHandler>, LocalStorage>,
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
            socket: StoredValue::new_local(None),
            frames: StoredValue::new_local(None),
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
    #[allow(dead_code)]
    pub fn last_error(&self) -> Signal<Option<String>> {
        self.last_error.into()
    }

    /// Registers the function that receives binary frames.
    pub fn on_frame(&self, handler: FrameHandler) {
        self.frames.set_value(Some(handler));
    }

    /// Sends a command; ignored while the link is down (the state a
    /// command would change is re-sent on reconnect).
    #[allow(dead_code)]
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
            self.was_live.set_value(true);
            self.status.set(LinkStatus::Live);
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
            if let Some(handler) = self.frames.get_value() {
                handler(buffer);
            }
            return;
        }
        let Some(text) = data.as_string() else { return };
        match serde_json::from_str::<ServerMessage>(&text) {
            Ok(ServerMessage::State { state, .. }) => self.server.set(Some(state)),
            Ok(ServerMessage::Error { message, .. }) => self.last_error.set(Some(message)),
            Ok(ServerMessage::Pong { .. } | ServerMessage::Media { .. }) => {}
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
