//! The one module that makes HTTP requests: the media catalogue API under
//! `/api/media`, the login under `/api/login`, and the operator's log and
//! audit trail under `/api/logs` and `/api/audit`, called with the
//! browser's `fetch`; the live log is followed with an `EventSource`
//! ([`LogStream`]). Every call returns `Result<_, ApiError>`; a failed
//! request carries the server's JSON error (`{"code", "message"}`) or a
//! description of what went wrong on the way, so callers can always show
//! the user a message. The URLs the browser loads by itself (files,
//! thumbnails, downloads) are built here too.

use std::fmt;
use std::rc::Rc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::auth::{LoginRequest, SessionInfo};
use shared::media::{HeartTrace, MediaEntry, MediaKind, MediaPage, MediaUpdate};
use shared::operations::{AuditEntry, AuditQuery, LogLevel, LogLine, SystemLog};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Event, EventSource, MessageEvent, Request, RequestInit, Response};

/// Why a request failed, ready to be shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The server's machine-readable code, or `network` / `http` /
    /// `unreadable` for failures that did not come from the API itself.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl ApiError {
    fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The JSON body of an API error.
#[derive(serde::Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

/// URL of an entry's file, shown inline (images, video player).
pub fn file_url(id: i64) -> String {
    format!("/api/media/{id}/file")
}

/// URL that downloads an entry's file as an attachment.
pub fn download_url(id: i64) -> String {
    format!("/api/media/{id}/file?download=1")
}

/// URL of a small picture that stands for the entry in lists, when there
/// is one: the server's cached thumbnail (about 320 px wide) of the photo
/// or of the video's first frame. (Without that endpoint, photos could use
/// [`file_url`] and videos `None`, which shows a placeholder.)
pub fn thumbnail_url(entry: &MediaEntry) -> Option<String> {
    Some(format!("/api/media/{}/thumbnail", entry.id))
}

/// `GET /api/media`: one page of entries, newest first.
pub async fn list(
    page: u64,
    per_page: u64,
    kind: Option<MediaKind>,
) -> Result<MediaPage, ApiError> {
    let mut url = format!("/api/media?page={page}&per_page={per_page}");
    if let Some(kind) = kind {
        url.push_str("&kind=");
        url.push_str(kind.as_str());
    }
    read_json(request("GET", &url, None).await?).await
}

/// `GET /api/media/{id}`: one entry.
pub async fn get(id: i64) -> Result<MediaEntry, ApiError> {
    read_json(request("GET", &format!("/api/media/{id}"), None).await?).await
}

/// `GET /api/media/{id}/heart`: the heart rate and pulse recorded with a
/// video, on its clock; `None` when none was (the server answers 404).
pub async fn heart(id: i64) -> Result<Option<HeartTrace>, ApiError> {
    match request("GET", &format!("/api/media/{id}/heart"), None).await {
        Ok(response) => read_json(response).await.map(Some),
        Err(err) if err.code == "not_found" => Ok(None),
        Err(err) => Err(err),
    }
}

/// URL that downloads the heart rate and pulse recorded with a video as
/// CSV (`time_s,pulse,bpm`).
pub fn heart_csv_url(id: i64) -> String {
    format!("/api/media/{id}/heart.csv")
}

/// `PATCH /api/media/{id}`: changes title, notes and date label.
pub async fn update(id: i64, changes: &MediaUpdate) -> Result<MediaEntry, ApiError> {
    let body = to_json(changes)?;
    read_json(request("PATCH", &format!("/api/media/{id}"), Some(body)).await?).await
}

/// `DELETE /api/media/{id}`: deletes the entry and its file.
pub async fn delete(id: i64) -> Result<(), ApiError> {
    request("DELETE", &format!("/api/media/{id}"), None).await?;
    Ok(())
}

/// `GET /api/media/untracked`: files in the media folder without an entry.
pub async fn untracked() -> Result<Vec<String>, ApiError> {
    read_json(request("GET", "/api/media/untracked", None).await?).await
}

/// Body of an import.
#[derive(Serialize)]
struct ImportBody<'a> {
    file_name: &'a str,
    date_label: &'a str,
}

/// `POST /api/media/import`: catalogues an untracked file.
pub async fn import(file_name: &str, date_label: &str) -> Result<MediaEntry, ApiError> {
    let body = to_json(&ImportBody {
        file_name,
        date_label,
    })?;
    read_json(request("POST", "/api/media/import", Some(body)).await?).await
}

/// `POST /api/media/reset`: forgets every entry and catalogues every file in
/// the media folder again; returns the new entries.
pub async fn reset() -> Result<Vec<MediaEntry>, ApiError> {
    let body = String::from(r#"{"confirm":"reset"}"#);
    read_json(request("POST", "/api/media/reset", Some(body)).await?).await
}

/// `GET /api/session`: who this browser is to the server.
pub async fn session() -> Result<SessionInfo, ApiError> {
    read_json(request("GET", "/api/session", None).await?).await
}

/// `POST /api/login`: logs in with a key; the answer sets the session
/// cookie.
pub async fn login(key: &str) -> Result<SessionInfo, ApiError> {
    let body = to_json(&LoginRequest {
        key: key.to_owned(),
    })?;
    read_json(request("POST", "/api/login", Some(body)).await?).await
}

/// `POST /api/logout`: ends the session.
pub async fn logout() -> Result<SessionInfo, ApiError> {
    read_json(request("POST", "/api/logout", None).await?).await
}

/// The query of the server's log: lines at least as severe as `level`
/// containing `search` (blank: all).
fn log_query(level: LogLevel, search: &str) -> String {
    let mut query = format!("level={}", level.as_str());
    let search = search.trim();
    if !search.is_empty() {
        query.push_str("&q=");
        query.push_str(&encode(search));
    }
    query
}

/// `GET /api/logs`: the server's kept log lines matching the filter,
/// oldest first (operators only).
pub async fn logs(level: LogLevel, search: &str) -> Result<Vec<LogLine>, ApiError> {
    let url = format!("/api/logs?{}", log_query(level, search));
    read_json(request("GET", &url, None).await?).await
}

/// URL that downloads the server's kept log lines matching the filter as
/// a text file.
pub fn log_download_url(level: LogLevel, search: &str) -> String {
    format!("/api/logs?format=text&{}", log_query(level, search))
}

/// `GET /api/logs/system`: what the configured system log command prints
/// (operators only).
pub async fn system_log() -> Result<SystemLog, ApiError> {
    read_json(request("GET", "/api/logs/system", None).await?).await
}

/// `GET /api/audit`: operator actions matching `query`, newest first
/// (operators only).
pub async fn audit(query: &AuditQuery) -> Result<Vec<AuditEntry>, ApiError> {
    let mut params = Vec::new();
    if let Some(action) = query.action.as_deref().filter(|a| !a.is_empty()) {
        params.push(format!("action={}", encode(action)));
    }
    if let Some(who) = query.who.as_deref().filter(|w| !w.is_empty()) {
        params.push(format!("who={}", encode(who)));
    }
    if let Some(ok) = query.ok {
        params.push(format!("ok={ok}"));
    }
    if let Some(since) = query.since_ms {
        params.push(format!("since_ms={since}"));
    }
    if let Some(limit) = query.limit {
        params.push(format!("limit={limit}"));
    }
    let url = if params.is_empty() {
        String::from("/api/audit")
    } else {
        format!("/api/audit?{}", params.join("&"))
    };
    read_json(request("GET", &url, None).await?).await
}

/// Text as one URL query value.
fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// What happens on the live log ([`LogStream`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// The stream is open (first time, or again after a break): lines
    /// logged from now on follow; earlier ones come from [`logs`].
    Opened,
    /// A new line.
    Line(LogLine),
    /// Lines were skipped (the page fell behind); the server's words.
    Gap(String),
    /// The stream broke. With `retrying` the browser tries again by
    /// itself; otherwise it gave up (the server refused, or is gone).
    Broken {
        /// Whether the browser reconnects by itself.
        retrying: bool,
    },
}

/// The server's new log lines as they come (`GET /api/logs/stream`,
/// server-sent events), for as long as this value lives; dropping it
/// closes the stream.
pub struct LogStream {
    source: EventSource,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    on_gap: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl LogStream {
    /// Opens the stream of lines at least as severe as `level` containing
    /// `search`; `on_event` gets everything that happens on it.
    pub fn open(
        level: LogLevel,
        search: &str,
        on_event: impl Fn(LogEvent) + 'static,
    ) -> Result<LogStream, ApiError> {
        let url = format!("/api/logs/stream?{}", log_query(level, search));
        let source = EventSource::new(&url)
            .map_err(|_| ApiError::new("network", format!("cannot open the log stream {url}")))?;
        let on_event: Rc<dyn Fn(LogEvent)> = Rc::new(on_event);
        let handler = Rc::clone(&on_event);
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| handler(LogEvent::Opened));
        let handler = Rc::clone(&on_event);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else {
                return;
            };
            match serde_json::from_str::<LogLine>(&text) {
                Ok(line) => handler(LogEvent::Line(line)),
                Err(err) => leptos::logging::warn!("unreadable log line: {err}"),
            }
        });
        let handler = Rc::clone(&on_event);
        let on_gap = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            handler(LogEvent::Gap(event.data().as_string().unwrap_or_default()));
        });
        let handler = on_event;
        let watched = source.clone();
        let on_error = Closure::<dyn FnMut(Event)>::new(move |_| {
            let retrying = watched.ready_state() != EventSource::CLOSED;
            handler(LogEvent::Broken { retrying });
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        source
            .add_event_listener_with_callback("gap", on_gap.as_ref().unchecked_ref())
            .map_err(|_| ApiError::new("network", "cannot follow the log stream"))?;
        Ok(LogStream {
            source,
            _on_open: on_open,
            _on_message: on_message,
            on_gap,
            _on_error: on_error,
        })
    }
}

impl Drop for LogStream {
    fn drop(&mut self) {
        self.source.close();
        self.source.set_onopen(None);
        self.source.set_onmessage(None);
        self.source.set_onerror(None);
        let _ = self
            .source
            .remove_event_listener_with_callback("gap", self.on_gap.as_ref().unchecked_ref());
    }
}

fn to_json(value: &impl Serialize) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::new("unreadable", e.to_string()))
}

/// Sends a request (with a JSON body when given) and returns the response
/// when its status is 2xx; otherwise the error it describes.
async fn request(method: &str, url: &str, body: Option<String>) -> Result<Response, ApiError> {
    let network = |_| ApiError::new("network", "cannot reach the server; check the connection");
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = &body {
        init.set_body(&JsValue::from_str(body));
    }
    let request = Request::new_with_str_and_init(url, &init)
        .map_err(|_| ApiError::new("network", format!("invalid request {method} {url}")))?;
    let headers = request.headers();
    let _ = headers.set("Accept", "application/json");
    if body.is_some() {
        let _ = headers.set("Content-Type", "application/json");
    }
    let response: Response = JsFuture::from(leptos::prelude::window().fetch_with_request(&request))
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let text = read_text(&response).await.unwrap_or_default();
    Err(match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => ApiError::new(&body.code, body.message),
        Err(_) => ApiError::new(
            "http",
            format!("the server answered {status} {}", response.status_text()),
        ),
    })
}

async fn read_text(response: &Response) -> Result<String, ApiError> {
    let unreadable = |_| ApiError::new("network", "the answer was cut off");
    let promise = response.text().map_err(unreadable)?;
    JsFuture::from(promise)
        .await
        .map_err(unreadable)?
        .as_string()
        .ok_or_else(|| ApiError::new("unreadable", "the answer is not text"))
}

async fn read_json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let text = read_text(&response).await?;
    serde_json::from_str(&text).map_err(|e| {
        ApiError::new(
            "unreadable",
            format!("unexpected answer from the server: {e}"),
        )
    })
}
