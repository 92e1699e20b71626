//! One simulated viewer: it connects (a few at a time, through a shared
//! gate), reports that it is ready, and from the moment the measuring
//! window is announced records every frame that arrives inside it: the
//! arrival time, the size, and for WebSocket frames the header's capture
//! time (latency), encode time, key flag and sequence number (skipped
//! frames, jumps to a key frame, numbers that did not increase). JPEG and
//! H.264 viewers use `/ws` and `/ws?video=h264`, MJPEG viewers (of camrig
//! or of the Flask example) a raw HTTP/1.1 `GET /video_feed` split into
//! parts (`multipart.rs`). Every wait is bounded by the run's deadlines,
//! and failures end up in the viewer's `error`, never in a panic.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use shared::{FrameHeader, FrameKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::time::{sleep_until, timeout_at};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async, tungstenite::Message};

use super::multipart::Parts;
use super::spec::Kind;

/// The measuring window, announced once every viewer has connected.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: Instant,
    pub end: Instant,
}

/// What one viewer saw inside the window.
#[derive(Debug)]
pub struct ViewerStats {
    pub kind: Kind,
    /// Arrival of each frame.
    pub times: Vec<Instant>,
    /// Bytes of the frames (WebSocket message or MJPEG part).
    pub bytes: u64,
    /// Capture to arrival, per frame (WebSocket only).
    pub latencies_ms: Vec<f64>,
    /// Capture to encoded, per frame, from the header (WebSocket only).
    pub encode_ms: Vec<f64>,
    /// Pulse batches: from the server reading them off the board's line
    /// to their arrival here (WebSocket only, with a device).
    pub pulse_ms: Vec<f64>,
    /// Frames that decode on their own.
    pub keys: u64,
    pub last_seq: Option<u64>,
    /// Frames missing between the sequence numbers received.
    pub skipped: u64,
    /// How often the sequence jumped.
    pub skips: u64,
    /// Jumps that landed on a key frame (an H.264 viewer's skip).
    pub key_skips: u64,
    /// Frames whose number was not above the one before.
    pub repeats: u64,
    pub error: Option<String>,
}

impl ViewerStats {
    pub fn new(kind: Kind) -> Self {
        ViewerStats {
            kind,
            times: Vec::new(),
            bytes: 0,
            latencies_ms: Vec::new(),
            encode_ms: Vec::new(),
            pulse_ms: Vec::new(),
            keys: 0,
            last_seq: None,
            skipped: 0,
            skips: 0,
            key_skips: 0,
            repeats: 0,
            error: None,
        }
    }

    /// With `error` set.
    pub fn failed(mut self, error: String) -> Self {
        self.error = Some(error);
        self
    }
}

/// A frame as it arrived: its header (WebSocket) and size; or a pulse
/// batch, with the server's time of reading it from the board.
#[derive(Debug, Clone, Copy)]
pub enum Received {
    Frame {
        header: Option<FrameHeader>,
        bytes: usize,
    },
    Pulse {
        received_us: u64,
    },
}

/// Microseconds since the Unix epoch, now.
fn unix_now_us() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros() as f64
}

/// A viewer's connect gate, readiness report, window and deadlines.
pub struct Ctx {
    pub addr: SocketAddr,
    pub gate: Arc<Semaphore>,
    pub ready: mpsc::UnboundedSender<()>,
    pub window: watch::Receiver<Option<Window>>,
    pub connect_deadline: Instant,
    pub hard_end: Instant,
}

impl Ctx {
    /// When to stop waiting for the next frame.
    fn deadline(&self) -> Instant {
        let window = *self.window.borrow();
        window.map_or(self.hard_end, |w| w.end.min(self.hard_end))
    }

    /// Records a frame received at `now` if it falls in the window; false
    /// once the window is over.
    pub fn record(&self, stats: &mut ViewerStats, now: Instant, received: Received) -> bool {
        let Some(w) = *self.window.borrow() else {
            return true;
        };
        if now < w.start || now >= w.end {
            return now < w.end;
        }
        let (header, bytes) = match received {
            Received::Frame { header, bytes } => (header, bytes),
            Received::Pulse { received_us } => {
                stats
                    .pulse_ms
                    .push((unix_now_us() - received_us as f64) / 1e3);
                return true;
            }
        };
        stats.times.push(now);
        stats.bytes += bytes as u64;
        if let Some(h) = header {
            stats
                .latencies_ms
                .push((unix_now_us() - h.captured_us as f64) / 1e3);
            stats.encode_ms.push(f64::from(h.encode_us) / 1e3);
            stats.keys += u64::from(h.key);
            if let Some(last) = stats.last_seq {
                let missing = h.sequence.saturating_sub(last).saturating_sub(1);
                stats.skipped += missing;
                stats.skips += u64::from(missing > 0);
                stats.key_skips += u64::from(missing > 0 && h.key);
                stats.repeats += u64::from(h.sequence <= last);
            }
            stats.last_seq = Some(h.sequence);
        }
        true
    }
}

/// One viewer: connect (a few at a time), then record frames until the
/// window ends.
pub async fn viewer(ctx: Ctx, kind: Kind) -> ViewerStats {
    let stats = ViewerStats::new(kind);
    let connected = {
        let _permit = ctx.gate.acquire().await;
        let connect = async {
            let ws = |query: &str| format!("ws://{}/ws{query}", ctx.addr);
            match kind {
                Kind::Jpeg => Ok(Feed::Ws(Box::new(connect_async(ws("")).await?.0))),
                Kind::H264 => Ok(Feed::Ws(Box::new(
                    connect_async(ws("?video=h264")).await?.0,
                ))),
                Kind::Mjpeg | Kind::Flask => open_mjpeg(ctx.addr).await,
            }
        };
        timeout_at(ctx.connect_deadline.into(), connect).await
    };
    let _ = ctx.ready.send(());
    match connected {
        Ok(Ok(feed)) => read_frames(&ctx, feed, stats).await,
        Ok(Err(err)) => stats.failed(format!("connect: {err:#}")),
        Err(_) => stats.failed("connect timed out".into()),
    }
}

async fn read_frames(ctx: &Ctx, mut feed: Feed, mut stats: ViewerStats) -> ViewerStats {
    let (mut window, mut frames) = (ctx.window.clone(), Vec::new());
    let wanted = match stats.kind {
        Kind::H264 => FrameKind::H264,
        Kind::Jpeg | Kind::Mjpeg | Kind::Flask => FrameKind::Jpeg,
    };
    loop {
        tokio::select! {
            more = feed.next(&mut frames) => match more {
                Ok(true) => {}
                Ok(false) => return stats.failed("the server ended the stream".into()),
                Err(err) => return stats.failed(format!("{err:#}")),
            },
            // The window was announced: loop to pick up its end.
            changed = window.changed() => if changed.is_ok() { continue } else { return stats },
            _ = sleep_until(ctx.deadline().into()) => return stats,
        }
        let now = Instant::now();
        for frame in frames.drain(..) {
            if let Received::Frame {
                header: Some(header),
                ..
            } = frame
                && header.kind != wanted
            {
                let error = format!(
                    "asked for {wanted:?} frames, received {:?} (does the server offer H.264?)",
                    header.kind
                );
                return stats.failed(error);
            }
            if !ctx.record(&mut stats, now, frame) {
                return stats;
            }
        }
    }
}

/// An open video stream of either kind.
enum Feed {
    Ws(Box<WebSocketStream<MaybeTlsStream<TcpStream>>>),
    Mjpeg {
        stream: TcpStream,
        buf: Vec<u8>,
        dechunk: Option<Dechunker>,
        parts: Parts,
    },
}

impl Feed {
    /// Waits for data and appends each complete frame to `out`; false at
    /// the end of the stream.
    async fn next(&mut self, out: &mut Vec<Received>) -> Result<bool> {
        match self {
            Feed::Ws(socket) => loop {
                match socket.next().await.transpose()? {
                    Some(Message::Binary(bytes)) => {
                        let header = FrameHeader::decode(&bytes)?.0;
                        out.push(Received::Frame {
                            header: Some(header),
                            bytes: bytes.len(),
                        });
                        return Ok(true);
                    }
                    Some(Message::Text(text)) => {
                        if let Some(received_us) = pulse_received_us(&text) {
                            out.push(Received::Pulse { received_us });
                            return Ok(true);
                        }
                    }
                    Some(Message::Close(_)) | None => return Ok(false),
                    Some(_) => {} // state messages, pings
                }
            },
            Feed::Mjpeg {
                stream,
                buf,
                dechunk,
                parts,
            } => {
                let n = stream.read(buf).await.context("MJPEG read")?;
                feed_mjpeg(dechunk, parts, buf.get(..n).unwrap_or_default())?;
                while let Some(part) = parts.next_part()? {
                    out.push(Received::Frame {
                        header: None,
                        bytes: part.len(),
                    });
                }
                Ok(n > 0)
            }
        }
    }
}

/// The server's reading time of a `pulse` message's batch, if `text` is
/// one that carries it.
fn pulse_received_us(text: &str) -> Option<u64> {
    if !text.contains("\"pulse\"") {
        return None;
    }
    let message: serde_json::Value = serde_json::from_str(text).ok()?;
    (message["type"] == "pulse")
        .then(|| message["received_us"].as_u64())
        .flatten()
}

fn feed_mjpeg(dechunk: &mut Option<Dechunker>, parts: &mut Parts, bytes: &[u8]) -> Result<()> {
    match dechunk {
        Some(dechunk) => parts.push(&dechunk.feed(bytes)?),
        None => parts.push(bytes),
    }
    Ok(())
}

/// Sends a raw HTTP/1.1 `GET /video_feed` and reads the response head.
async fn open_mjpeg(addr: SocketAddr) -> Result<Feed> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET /video_feed HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let (mut head, mut buf) = (Vec::new(), [0u8; 4096]);
    let end = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 16 * 1024 {
            bail!("no complete response head from /video_feed");
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
        if let Some(end) = find(&head, b"\r\n\r\n") {
            break end;
        }
    };
    let text = String::from_utf8_lossy(head.get(..end).unwrap_or_default()).to_ascii_lowercase();
    let status = text.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        bail!("/video_feed answered {status:?}");
    }
    let chunked = text
        .lines()
        .any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
    let (mut dechunk, mut parts) = (chunked.then(Dechunker::default), Parts::default());
    feed_mjpeg(
        &mut dechunk,
        &mut parts,
        head.get(end + 4..).unwrap_or_default(),
    )?;
    let buf = vec![0; 64 * 1024];
    Ok(Feed::Mjpeg {
        stream,
        buf,
        dechunk,
        parts,
    })
}

/// Opens `GET /video_feed` and reads until its first part is complete;
/// that part's size.
pub async fn first_mjpeg_part(addr: SocketAddr) -> Result<usize> {
    let mut feed = open_mjpeg(addr).await?;
    let mut frames = Vec::new();
    loop {
        if !feed.next(&mut frames).await? {
            bail!("/video_feed ended before its first part");
        }
        if let Some(Received::Frame { bytes, .. }) = frames.first() {
            return Ok(*bytes);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes an HTTP/1.1 chunked body incrementally.
#[derive(Debug, Default)]
struct Dechunker {
    pending: Vec<u8>,
    left: usize,
}

impl Dechunker {
    /// Takes received bytes, returns the body bytes they complete.
    fn feed(&mut self, input: &[u8]) -> Result<Vec<u8>> {
        self.pending.extend_from_slice(input);
        let (mut out, mut pos) = (Vec::new(), 0);
        while pos < self.pending.len() {
            let rest = self.pending.get(pos..).unwrap_or_default();
            if self.left > 0 {
                let n = self.left.min(rest.len());
                out.extend_from_slice(rest.get(..n).unwrap_or_default());
                (pos, self.left) = (pos + n, self.left - n);
                continue;
            }
            let Some(eol) = find(rest, b"\r\n") else {
                if rest.len() > 1024 {
                    bail!("chunk size line too long");
                }
                break;
            };
            let line = String::from_utf8_lossy(rest.get(..eol).unwrap_or_default()).into_owned();
            let size = line.split(';').next().unwrap_or_default().trim();
            // An empty line is the CRLF that ends a chunk's data.
            if !size.is_empty() {
                self.left = usize::from_str_radix(size, 16)
                    .with_context(|| format!("bad chunk size {size:?}"))?;
            }
            pos += eol + 2;
        }
        self.pending.drain(..pos);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn chunked_body_is_decoded_across_splits() {
        let wire = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
        for split in 0..wire.len() {
            let mut d = Dechunker::default();
            let mut out = d.feed(&wire[..split]).unwrap();
            out.extend(d.feed(&wire[split..]).unwrap());
            assert_eq!(out, b"hello, world", "split at {split}");
        }
        assert!(Dechunker::default().feed(b"zz\r\n").is_err());
    }

    #[test]
    fn frames_in_the_window_are_recorded_with_skips_and_keys() {
        let start = Instant::now();
        let window = Window {
            start,
            end: start + Duration::from_secs(60),
        };
        let ctx = Ctx {
            addr: "127.0.0.1:1".parse().unwrap(),
            gate: Arc::new(Semaphore::new(1)),
            ready: mpsc::unbounded_channel().0,
            window: watch::channel(Some(window)).1,
            connect_deadline: start,
            hard_end: window.end,
        };
        let mut stats = ViewerStats::new(Kind::H264);
        for (sequence, key) in [
            (10, true),
            (11, false),
            (15, true),
            (16, false),
            (16, false),
        ] {
            let header = FrameHeader {
                sequence,
                kind: FrameKind::H264,
                key,
                encode_us: 4000,
                ..FrameHeader::default()
            };
            let frame = Received::Frame {
                header: Some(header),
                bytes: 1000,
            };
            assert!(ctx.record(&mut stats, Instant::now(), frame));
        }
        assert_eq!((stats.times.len(), stats.bytes), (5, 5000));
        assert_eq!((stats.keys, stats.skipped, stats.skips), (2, 3, 1));
        assert_eq!((stats.key_skips, stats.repeats), (1, 1));
        assert_eq!(stats.encode_ms, [4.0; 5]);
        let before = Received::Frame {
            header: None,
            bytes: 1,
        };
        assert!(ctx.record(&mut stats, start - Duration::from_secs(1), before));
        assert!(!ctx.record(&mut stats, window.end, before));
        assert_eq!(
            stats.times.len(),
            5,
            "frames outside the window are not counted"
        );
        // A pulse batch read by the server 12 ms ago: its delay, and no
        // frame counted.
        let received_us = (unix_now_us() - 12_000.0) as u64;
        assert!(ctx.record(&mut stats, Instant::now(), Received::Pulse { received_us }));
        assert_eq!(stats.times.len(), 5);
        assert!(
            (12.0..1000.0).contains(&stats.pulse_ms[0]),
            "{:?}",
            stats.pulse_ms
        );
    }

    #[test]
    fn pulse_messages_give_their_reading_time() {
        let pulse =
            r#"{"type":"pulse","samples":[512,530],"rate_hz":50,"received_us":1764600000000000}"#;
        assert_eq!(pulse_received_us(pulse), Some(1_764_600_000_000_000));
        // From a server that does not stamp them, and other messages.
        assert_eq!(
            pulse_received_us(r#"{"type":"pulse","samples":[],"rate_hz":50}"#),
            None
        );
        assert_eq!(
            pulse_received_us(r#"{"type":"state","note":"pulse"}"#),
            None
        );
        assert_eq!(pulse_received_us("not json \"pulse\""), None);
    }
}
