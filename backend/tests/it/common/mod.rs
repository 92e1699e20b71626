//! Helpers shared by the integration tests: start a real server on an
//! ephemeral port with the GStreamer test source, wait for conditions with a
//! deadline, talk raw HTTP/1.1 and WebSocket to it, and check JPEG images.
//!
//! Each area of the tests uses only part of it.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use camrig::config::{CameraConfig, MediaConfig, SourceSetting};
use camrig::{Config, Server, ServerError};
use futures_util::StreamExt;
use shared::{CameraSource, CameraStatus, FrameHeader, ServerMessage};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

/// How long any single expected event may take before the test fails.
pub const STEP: Duration = Duration::from_secs(10);

/// A server running in the test's runtime.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Cancelling it starts the graceful shutdown.
    pub token: CancellationToken,
    /// The server's application state, for calling the command door.
    pub app: camrig::state::AppState,
    /// `Server::run`'s task; `None` once [`TestServer::stop`] took it.
    pub handle: Option<JoinHandle<Result<(), ServerError>>>,
}

impl TestServer {
    /// Cancels the server and waits (bounded) for `run` to return.
    pub async fn stop(mut self) -> Duration {
        self.token.cancel();
        let started = Instant::now();
        let handle = self.handle.take().expect("server already stopped");
        tokio::time::timeout(Duration::from_secs(15), handle)
            .await
            .expect("Server::run did not return after cancellation")
            .expect("the server task panicked")
            .expect("Server::run returned an error");
        started.elapsed()
    }

    /// `ws://addr/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // A failing test must not leave a pipeline running for the others.
        self.token.cancel();
    }
}

/// The operator key of every test server.
pub const OPERATOR_KEY: &str = "test-operator-key-0123456789";

/// The `Authorization` header of an operator.
pub const AS_OPERATOR: (&str, &str) = ("Authorization", "Bearer test-operator-key-0123456789");

/// A configuration with the moving test pattern at the given mode on an
/// ephemeral loopback port.
pub fn test_config(width: u32, height: u32, fps: u32) -> Config {
    let defaults = Config::default();
    Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        frontend_dir: std::env::temp_dir().join("camrig-tests-no-frontend"),
        allowed_origins: Vec::new(),
        allowed_hosts: Vec::new(),
        auth: camrig::config::AuthConfig {
            operator_key: Some(camrig::config::SecretText::new(OPERATOR_KEY)),
            ..defaults.auth
        },
        // Load tests open many viewers; the limit's own test sets it.
        max_viewers: 10_000,
        idle_timeout_seconds: defaults.idle_timeout_seconds,
        max_message_kilobytes: defaults.max_message_kilobytes,
        max_body_kilobytes: defaults.max_body_kilobytes,
        original_urls: defaults.original_urls,
        commands_per_second: defaults.commands_per_second,
        camera: CameraConfig {
            source: SourceSetting::Fixed(CameraSource::Test),
            width,
            height,
            fps,
            ..defaults.camera
        },
        media: MediaConfig {
            dir: unique_temp_dir("media"),
            database_url: None,
            // Tests must not depend on how full the machine's disk is;
            // the floor's own tests set it.
            min_free_megabytes: 0,
        },
        recording: defaults.recording,
        restream: None,
        device: defaults.device,
        // Never the machine's own reboot: a test that wants to see a
        // command run sets its own.
        system: camrig::config::SystemConfig {
            reboot_command: vec!["true".into()],
            shutdown_command: vec!["true".into()],
            log_command: vec!["echo".into(), "kernel: test log".into()],
        },
        audit: defaults.audit,
        log_lines: defaults.log_lines,
        tls: defaults.tls,
    }
}

/// The `camrig` binary, started as a real process on a free port.
pub struct ServerProcess {
    /// The process (killed when dropped).
    pub child: tokio::process::Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// The lines a started `camrig` prints on standard output.
pub type StdoutLines = tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>;

/// Starts the `camrig` binary with the test source at `mode` (width,
/// height, fps) on `media_dir` on a free loopback port, the test operator
/// key, harmless reboot and shutdown commands, and `extra` flags; returns
/// it with its standard output's lines.
pub fn start_camrig(
    bin: &str,
    media_dir: &std::path::Path,
    mode: (u32, u32, u32),
    extra: &[&str],
) -> (tokio::process::Child, StdoutLines) {
    use tokio::io::AsyncBufReadExt;
    let (width, height, fps) = mode;
    let mut child = tokio::process::Command::new(bin)
        .args(["--camera", "test", "--listen", "127.0.0.1:0"])
        .env("CAMRIG_AUTH_OPERATOR_KEY", OPERATOR_KEY)
        .env("CAMRIG_SYSTEM_REBOOT_COMMAND", "true")
        .env("CAMRIG_SYSTEM_SHUTDOWN_COMMAND", "true")
        .args([
            "--width",
            &width.to_string(),
            "--height",
            &height.to_string(),
        ])
        .args(["--fps", &fps.to_string()])
        .arg("--media-dir")
        .arg(media_dir)
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("cannot start camrig");
    let stdout = child.stdout.take().expect("no stdout");
    (child, tokio::io::BufReader::new(stdout).lines())
}

/// Starts the `camrig` binary (see [`start_camrig`]) and waits until it
/// listens.
pub async fn spawn_server(
    bin: &str,
    media_dir: &std::path::Path,
    mode: (u32, u32, u32),
) -> ServerProcess {
    let (child, mut lines) = start_camrig(bin, media_dir, mode, &[]);
    let addr = within(Duration::from_secs(20), "the server to listen", async {
        loop {
            let line = lines.next_line().await.unwrap().expect("server exited");
            if let Some(url) = line.strip_prefix("listening on http://") {
                return url.parse().unwrap();
            }
        }
    })
    .await;
    ServerProcess { child, addr }
}

/// A new, empty folder under the system temp folder.
pub fn unique_temp_dir(label: &str) -> std::path::PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "camrig-test-{label}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("cannot create a temp folder");
    dir
}

/// Binds `config` and runs the server on a task.
pub async fn start(config: Config) -> TestServer {
    let server = Server::bind(config).await.expect("Server::bind failed");
    let addr = server.local_addr().expect("no local address");
    let app = server.app();
    let token = CancellationToken::new();
    let handle = tokio::spawn(server.run(token.clone()));
    TestServer {
        addr,
        token,
        app,
        handle: Some(handle),
    }
}

/// Starts the server and waits until its camera is live.
pub async fn start_live(config: Config) -> TestServer {
    let server = start(config).await;
    let addr = server.addr;
    wait_until(STEP, "the camera to be live", || async move {
        api_state(addr)
            .await
            .is_some_and(|s| s.camera.status == CameraStatus::Live)
    })
    .await;
    server
}

/// Polls `condition` until it holds; panics naming `what` after `deadline`.
pub async fn wait_until<F, Fut>(deadline: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let end = Instant::now() + deadline;
    loop {
        if condition().await {
            return;
        }
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Awaits `future`, failing the test with `what` after `deadline`.
pub async fn within<T>(deadline: Duration, what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(deadline, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {deadline:?} waiting for {what}"),
    }
}

/// Microseconds since the Unix epoch.
pub fn unix_now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock before 1970")
        .as_micros() as u64
}

// ---------------------------------------------------------------- HTTP --

/// A complete HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Sends `GET path` over a raw HTTP/1.1 connection and returns the status
/// line's code and the headers; the reader is left at the body's start.
pub async fn open_get(
    addr: SocketAddr,
    path: &str,
    close: bool,
) -> (u16, Vec<(String, String)>, BufReader<TcpStream>) {
    open_request(addr, "GET", path, &[], b"", close).await
}

/// Sends a request with extra headers and a body over a raw HTTP/1.1
/// connection; returns the status, the headers and the reader at the body.
pub async fn open_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> (u16, Vec<(String, String)>, BufReader<TcpStream>) {
    let stream = TcpStream::connect(addr).await.expect("cannot connect");
    request_on(stream, addr, method, path, extra, body, close).await
}

/// A connection to `addr` from the local address `source` (any of
/// 127.0.0.0/8 works on loopback): another client machine, as the server
/// sees it.
pub async fn connect_from(source: std::net::IpAddr, addr: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().expect("no socket");
    socket
        .bind(SocketAddr::new(source, 0))
        .expect("cannot bind the source address");
    socket.connect(addr).await.expect("cannot connect")
}

/// [`open_request`] on a connection already made.
pub async fn request_on(
    mut stream: TcpStream,
    addr: SocketAddr,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> (u16, Vec<(String, String)>, BufReader<TcpStream>) {
    let connection = if close { "Connection: close\r\n" } else { "" };
    let own_host = extra.iter().any(|(n, _)| n.eq_ignore_ascii_case("host"));
    let host = if own_host {
        String::new()
    } else {
        format!("Host: {addr}\r\n")
    };
    let mut request = format!("{method} {path} HTTP/1.1\r\n{host}{connection}");
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    stream
        .write_all(&bytes)
        .await
        .expect("cannot send the request");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).await.expect("no status line");
    let mut words = line.split_whitespace();
    assert_eq!(words.next(), Some("HTTP/1.1"), "status line {line:?}");
    let status = words
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        let n = reader
            .read_line(&mut line)
            .await
            .expect("cannot read headers");
        assert!(n > 0, "connection closed inside the response headers");
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed
            .split_once(':')
            .unwrap_or_else(|| panic!("bad header line {trimmed:?}"));
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    (status, headers, reader)
}

/// `GET path` with `Connection: close` and no key (a viewer); reads the
/// whole response.
pub async fn http_get(addr: SocketAddr, path: &str) -> HttpResponse {
    anonymous_request(addr, "GET", path, &[], b"").await
}

/// A request with `Connection: close` as the operator (unless `extra`
/// has its own `Authorization`); reads the whole response. A body is sent
/// as JSON when given.
pub async fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let mut headers: Vec<(&str, &str)> = extra.to_vec();
    if !extra
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
    {
        headers.push(AS_OPERATOR);
    }
    anonymous_request(addr, method, path, &headers, body).await
}

/// A request with `Connection: close` and only the headers given (no
/// key: a viewer on an open rig); reads the whole response.
pub async fn anonymous_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let mut headers: Vec<(&str, &str)> = extra.to_vec();
    let typed = extra
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if !body.is_empty() && !typed {
        headers.push(("Content-Type", "application/json"));
    }
    within(STEP, &format!("{method} {path}"), async {
        let (status, headers, mut reader) =
            open_request(addr, method, path, &headers, body, true).await;
        let mut body = Vec::new();
        if header(&headers, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
        {
            let mut chunks = BodyReader::new(reader, true);
            while let Some(bytes) = chunks.next().await {
                body.extend(bytes);
            }
        } else if let Some(len) = header(&headers, "content-length") {
            let len: usize = len.parse().expect("bad Content-Length");
            body.resize(len, 0);
            reader
                .read_exact(&mut body)
                .await
                .expect("body shorter than Content-Length");
        } else {
            reader
                .read_to_end(&mut body)
                .await
                .expect("cannot read the body");
        }
        HttpResponse {
            status,
            headers,
            body,
        }
    })
    .await
}

/// `POST /api/media/import` of the untracked file `name`.
pub async fn import(addr: SocketAddr, name: &str) -> HttpResponse {
    let body = serde_json::json!({ "file_name": name }).to_string();
    http_request(addr, "POST", "/api/media/import", &[], body.as_bytes()).await
}

/// `GET /api/state`, or `None` while the server does not answer it.
pub async fn api_state(addr: SocketAddr) -> Option<shared::ServerState> {
    let response = http_get(addr, "/api/state").await;
    (response.status == 200)
        .then(|| serde_json::from_slice(&response.body).ok())
        .flatten()
}

/// Reads a response body as it arrives, decoding chunked transfer coding.
pub struct BodyReader {
    reader: BufReader<TcpStream>,
    chunked: bool,
    done: bool,
}

impl BodyReader {
    /// Wraps the reader left by [`open_get`].
    pub fn new(reader: BufReader<TcpStream>, chunked: bool) -> Self {
        BodyReader {
            reader,
            chunked,
            done: false,
        }
    }

    /// The next piece of body, or `None` at its end (terminating chunk or
    /// end of stream).
    pub async fn next(&mut self) -> Option<Vec<u8>> {
        if self.done {
            return None;
        }
        if !self.chunked {
            let mut buf = vec![0; 64 * 1024];
            let n = self.reader.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                self.done = true;
                return None;
            }
            buf.truncate(n);
            return Some(buf);
        }
        let mut line = String::new();
        if self.reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            self.done = true;
            return None;
        }
        let size = line.trim_end().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size.trim(), 16)
            .unwrap_or_else(|_| panic!("bad chunk size line {line:?}"));
        if size == 0 {
            self.done = true;
            return None;
        }
        let mut chunk = vec![0; size + 2];
        self.reader
            .read_exact(&mut chunk)
            .await
            .expect("stream ended inside a chunk");
        assert_eq!(&chunk[size..], b"\r\n", "chunk not followed by CRLF");
        chunk.truncate(size);
        Some(chunk)
    }
}

// ----------------------------------------------------------- WebSocket --

/// A WebSocket client connection.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects to `/ws` as the operator.
pub async fn ws_connect(server: &TestServer) -> Ws {
    ws_connect_with(server, &[AS_OPERATOR]).await
}

/// Connects to `/ws` with these extra headers (none: a viewer).
pub async fn ws_connect_with(server: &TestServer, headers: &[(&str, &str)]) -> Ws {
    let (ws, _) = within(
        STEP,
        "the WebSocket handshake",
        tokio_tungstenite::connect_async(ws_request(server, headers)),
    )
    .await
    .expect("WebSocket handshake failed");
    ws
}

/// A WebSocket handshake request to the server with extra headers.
pub fn ws_request(
    server: &TestServer,
    headers: &[(&str, &str)],
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = server
        .ws_url()
        .into_client_request()
        .expect("bad WebSocket URL");
    for (name, value) in headers {
        request.headers_mut().insert(
            tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                .expect("bad header name"),
            value.parse().expect("bad header value"),
        );
    }
    request
}

/// The next message, failing the test on timeout, error or end of stream.
pub async fn next_message(ws: &mut Ws) -> Message {
    within(STEP, "a WebSocket message", ws.next())
        .await
        .expect("WebSocket stream ended")
        .expect("WebSocket read error")
}

/// Parses a text message as a server message.
pub fn parse_server(text: &str) -> ServerMessage {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not a server message ({e}): {text}"))
}

/// Reads until a reply (a text message that is not a broadcast) and returns
/// it as raw JSON; frames, state pushes and catalogue events are skipped.
pub async fn next_reply(ws: &mut Ws) -> serde_json::Value {
    loop {
        match next_message(ws).await {
            Message::Text(text) => {
                let value: serde_json::Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
                let _ = parse_server(&text);
                // Broadcasts (state pushes, catalogue events) are not replies.
                let broadcast = value["type"] == "media"
                    || (value["type"] == "state" && value.get("id").is_none());
                if broadcast {
                    continue;
                }
                return value;
            }
            Message::Binary(_) | Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected a reply, got {other:?}"),
        }
    }
}

/// Reads until the next binary frame; returns its header and JPEG payload.
pub async fn next_frame(ws: &mut Ws) -> (FrameHeader, Vec<u8>) {
    loop {
        match next_message(ws).await {
            Message::Binary(bytes) => {
                let (header, offset) = FrameHeader::decode(&bytes).expect("bad frame header");
                return (header, bytes[offset..].to_vec());
            }
            Message::Text(text) => {
                let _ = parse_server(&text);
            }
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- JPEG --

/// Checks that `jpeg` is a whole JPEG (start and end markers, headers a
/// decoder reads) and gives the width and height its frame header says.
pub fn jpeg_size(jpeg: &[u8]) -> (u16, u16) {
    assert!(jpeg.len() > 4, "JPEG of {} bytes", jpeg.len());
    assert_eq!(&jpeg[..2], [0xff, 0xd8], "JPEG does not start with SOI");
    assert_eq!(
        &jpeg[jpeg.len() - 2..],
        [0xff, 0xd9],
        "JPEG does not end with EOI"
    );
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    decoder
        .read_info()
        .expect("JPEG headers that a decoder reads");
    let info = decoder.info().expect("a JPEG frame header");
    (info.width, info.height)
}

/// A decoded JPEG's brightness (luma, 0 to 255), row by row.
pub struct Picture {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height` values, the top row first.
    pub luma: Vec<f64>,
}

impl Picture {
    /// Decodes `jpeg` (gray or colour).
    pub fn decode(jpeg: &[u8]) -> Picture {
        let mut decoder = jpeg_decoder::Decoder::new(jpeg);
        let pixels = decoder.decode().expect("a JPEG that decodes");
        let info = decoder.info().expect("a JPEG frame header");
        let luma = match info.pixel_format {
            jpeg_decoder::PixelFormat::L8 => pixels.iter().map(|&v| f64::from(v)).collect(),
            _ => pixels
                .chunks_exact(3)
                .map(|p| {
                    0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])
                })
                .collect(),
        };
        Picture {
            width: usize::from(info.width),
            height: usize::from(info.height),
            luma,
        }
    }
}

// ------------------------------------------------------------- sockets --

/// State of this machine's IPv4 TCP socket from `local_port` to
/// `remote_port`, as `/proc/net/tcp` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpSocketInfo {
    /// Kernel TCP state: 1 is ESTABLISHED, 4 FIN_WAIT1, 8 CLOSE_WAIT, ...
    pub state: u8,
    /// Bytes written but not yet acknowledged by the peer.
    pub send_queue: u64,
}

/// TCP state code of an established connection.
pub const TCP_ESTABLISHED: u8 = 1;

/// Looks up the socket from `local_port` to `remote_port`; `None` if the
/// kernel has no such socket (any more).
pub fn tcp_socket(local_port: u16, remote_port: u16) -> Option<TcpSocketInfo> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let port = |address: &str| {
        address
            .rsplit_once(':')
            .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
    };
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (local, remote, state, queues) = (
            fields.get(1)?,
            fields.get(2)?,
            fields.get(3)?,
            fields.get(4)?,
        );
        if port(local)? != local_port || port(remote)? != remote_port {
            return None;
        }
        let (tx, _) = queues.split_once(':')?;
        Some(TcpSocketInfo {
            state: u8::from_str_radix(state, 16).ok()?,
            send_queue: u64::from_str_radix(tx, 16).ok()?,
        })
    })
}

/// Waits until the server's socket towards the client at `client_port`
/// holds a backlog that no longer grows: the server's writer for that
/// client is blocked because the client does not read.
pub async fn wait_for_stalled_writer(server_port: u16, client_port: u16) -> u64 {
    const STABLE_POLLS: u32 = 5;
    let end = Instant::now() + STEP;
    let mut last = None;
    let mut stable = 0;
    loop {
        let queue = tcp_socket(server_port, client_port).map(|s| s.send_queue);
        if queue.is_some_and(|q| q >= 64 * 1024) && queue == last {
            stable += 1;
            if stable >= STABLE_POLLS {
                return queue.unwrap_or_default();
            }
        } else {
            stable = 0;
        }
        last = queue;
        assert!(
            Instant::now() < end,
            "timed out waiting for the server's writer to stall (send queue {queue:?})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A WebSocket viewer that completes the handshake and is then never read:
/// its receive buffer is tiny and fixed, so the server's writes back up
/// quickly. Returns it with its local port.
pub async fn stalled_viewer(server: &TestServer) -> (Ws, u16) {
    let socket = tokio::net::TcpSocket::new_v4().expect("no socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("cannot set SO_RCVBUF");
    let stream = within(STEP, "connecting", socket.connect(server.addr))
        .await
        .expect("cannot connect");
    let port = stream.local_addr().expect("no local address").port();
    let (ws, _) = within(
        STEP,
        "the stalled viewer's handshake",
        tokio_tungstenite::client_async(server.ws_url(), MaybeTlsStream::Plain(stream)),
    )
    .await
    .expect("handshake failed");
    (ws, port)
}

/// The README's inline code spans, joined across line breaks: the command
/// lines a test runs as written.
pub fn readme_spans() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("cannot read the README");
    readme
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|span| span.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Sends `message` on `ws`, within the usual deadline.
pub async fn ws_send(ws: &mut Ws, message: impl Into<Message>) {
    use futures_util::SinkExt;
    within(STEP, "sending", ws.send(message.into()))
        .await
        .expect("cannot send");
}
