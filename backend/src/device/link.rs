//! The serial link: one task owns the port. It opens it, introduces itself
//! (this project's protocol: a `Hello` answered by the board's `Hello`;
//! the legacy sketch has no handshake), sends the light state, then reads
//! whatever arrives. Garbage is skipped by the decoders, so nothing on the
//! line can stop it. A board running our firmware is asked for its status
//! every second; if it stays silent for 2 s, or the port reports an error
//! or end of file (unplugged), the link shows as disconnected with the
//! reason and reopens the port with backoff (0.5 s doubling to 5 s),
//! re-sending the light state each time.

use std::time::Duration;

use rig_device_protocol::{self as proto, DeviceMessage, HostMessage, Message};
use shared::device::{HeartState, LightState, LinkStatus, SignalIssue};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::sync::CancellationToken;

use super::{DeviceError, Pulse};
use crate::state::StateSender;

/// Longest silence from a board running our firmware.
const SILENCE: Duration = Duration::from_secs(2);
/// How often our firmware is asked for its status.
const KEEPALIVE: Duration = Duration::from_secs(1);
/// How long a board may take to confirm a light change.
const CONFIRM: Duration = Duration::from_secs(1);
/// How long one write may take before the device counts as stuck.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// Retry delays.
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Which language the board speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// This project's protocol (`rig-device-protocol`).
    Current,
    /// The original Arduino sketch: 8 hex digits per light change, a BPM
    /// number per line back.
    Legacy,
}

/// A request for the link task.
pub enum LinkCommand {
    /// Change the light (applied to the newest state asked for, so two
    /// changes at once both take effect); answered with the state the
    /// board confirmed.
    SetLight {
        request: super::light::LightRequest,
        reply: oneshot::Sender<Result<LightState, DeviceError>>,
    },
}

/// Everything the link task needs.
pub struct Link {
    /// Port path.
    pub path: String,
    /// Serial speed.
    pub baud: u32,
    /// Protocol.
    pub dialect: Dialect,
    /// The state every client sees (its `device` part is ours).
    pub state: StateSender,
    /// Requests.
    pub commands: mpsc::Receiver<LinkCommand>,
    /// Pulse waveform batches for every client.
    pub pulses: broadcast::Sender<Pulse>,
    /// Ends the task.
    pub shutdown: CancellationToken,
}

/// Why a session ended.
enum End {
    Shutdown,
    Lost(String),
}

impl Link {
    /// Runs until shutdown.
    pub async fn run(mut self) {
        let mut light = self.state.borrow().device.light;
        let mut delay = BACKOFF_MIN;
        loop {
            self.set_link(LinkStatus::Connecting, None);
            let opened =
                tokio_serial::SerialStream::open(&tokio_serial::new(&self.path, self.baud));
            let reason = match opened {
                Ok(port) => {
                    let (reader, writer) = tokio::io::split(port);
                    match self.session(reader, writer, &mut light).await {
                        End::Shutdown => return,
                        End::Lost(reason) => {
                            delay = BACKOFF_MIN;
                            reason
                        }
                    }
                }
                Err(err) => format!("cannot open {}: {err}", self.path),
            };
            tracing::warn!(port = %self.path, %reason, retry_in = ?delay, "light board disconnected");
            self.state.send_modify(|s| {
                s.device.link = LinkStatus::Disconnected;
                s.device.reason = Some(reason.clone());
                s.device.heart = HeartState::default();
            });
            let retry = sleep(delay);
            tokio::pin!(retry);
            loop {
                tokio::select! {
                    _ = self.shutdown.cancelled() => return,
                    _ = &mut retry => break,
                    Some(command) = self.commands.recv() => match command {
                        LinkCommand::SetLight { request, reply } => {
                            // Remembered and sent on reconnection.
                            let answer = match super::light::apply(&request, light) {
                                Ok(wanted) => {
                                    light = wanted;
                                    Err(DeviceError::Disconnected(reason.clone()))
                                }
                                Err(bad) => Err(bad.into()),
                            };
                            let _ = reply.send(answer);
                        }
                    },
                }
            }
            delay = (delay * 2).min(BACKOFF_MAX);
        }
    }

    fn set_link(&self, link: LinkStatus, reason: Option<String>) {
        self.state.send_if_modified(|s| {
            let changed = s.device.link != link || s.device.reason != reason;
            s.device.link = link;
            s.device.reason = reason;
            changed
        });
    }

    /// Talks to an open port until it fails or shutdown.
    async fn session(
        &mut self,
        mut reader: impl AsyncRead + Unpin,
        mut writer: impl AsyncWrite + Unpin,
        light: &mut LightState,
    ) -> End {
        let mut decoder = Decoder::new(self.dialect);
        let mut buf = [0u8; 512];
        let mut last_heard = Instant::now();
        let mut keepalive = tokio::time::interval(KEEPALIVE);
        keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pending = Unconfirmed::default();
        let mut greeting = Ok(());
        if self.dialect == Dialect::Current {
            greeting = write_message(&mut writer, &HostMessage::hello()).await;
        }
        if let Err(err) = greeting.and(write_light(&mut writer, self.dialect, *light).await) {
            return End::Lost(format!("cannot write to {}: {err}", self.path));
        }
        if self.dialect == Dialect::Legacy {
            // The sketch has no handshake and no status: assume it listens.
            self.state.send_modify(|s| {
                s.device.link = LinkStatus::Connected;
                s.device.reason = None;
                s.device.firmware = Some("legacy sketch".into());
                s.device.pulse_sensor = true;
                s.device.white_channel = false;
                s.device.light = *light;
            });
        }
        loop {
            let silence_deadline = last_heard + SILENCE;
            let confirm_deadline = pending.waiting.as_ref().map(|(_, at)| *at);
            tokio::select! {
                _ = self.shutdown.cancelled() => return End::Shutdown,
                read = reader.read(&mut buf) => {
                    let n = match read {
                        Ok(0) => return End::Lost("the device went away (end of file)".into()),
                        Ok(n) => n,
                        Err(err) => return End::Lost(format!("the device went away: {err}")),
                    };
                    last_heard = Instant::now();
                    for event in decoder.feed(buf.get(..n).unwrap_or(&[])) {
                        self.on_event(event, light, &mut pending);
                    }
                }
                _ = keepalive.tick(), if self.dialect == Dialect::Current => {
                    if let Err(err) = write_message(&mut writer, &HostMessage::hello()).await {
                        return End::Lost(format!("cannot write to {}: {err}", self.path));
                    }
                }
                _ = sleep_until(silence_deadline), if self.dialect == Dialect::Current => {
                    return End::Lost(format!("no answer from the device for {} s", SILENCE.as_secs()));
                }
                _ = sleep_until(confirm_deadline.unwrap_or(silence_deadline)), if confirm_deadline.is_some() => {
                    pending.written.clear();
                    if let Some((reply, _)) = pending.waiting.take() {
                        let _ = reply.send(Err(DeviceError::NoConfirmation));
                    }
                }
                Some(command) = self.commands.recv() => match command {
                    LinkCommand::SetLight { request, reply } => {
                        let wanted = match super::light::apply(&request, *light) {
                            Ok(wanted) => wanted,
                            Err(bad) => {
                                let _ = reply.send(Err(bad.into()));
                                continue;
                            }
                        };
                        *light = wanted;
                        if let Err(err) = write_light(&mut writer, self.dialect, wanted).await {
                            let reason = format!("cannot write to {}: {err}", self.path);
                            let _ = reply.send(Err(DeviceError::Disconnected(reason.clone())));
                            return End::Lost(reason);
                        }
                        match self.dialect {
                            Dialect::Current => {
                                pending.written.push_back(wanted);
                                if let Some((earlier, _)) = pending.waiting.replace((reply, Instant::now() + CONFIRM)) {
                                    let _ = earlier.send(Ok(wanted));
                                }
                            }
                            Dialect::Legacy => {
                                self.state.send_modify(|s| s.device.light = wanted);
                                let _ = reply.send(Ok(wanted));
                            }
                        }
                    }
                },
            }
        }
    }

    /// Applies one message from the board.
    fn on_event(&self, event: Event, light: &LightState, pending: &mut Unconfirmed) {
        match event {
            Event::Hello(hello) => {
                let mismatch = hello.check_version().err().map(|m| {
                    format!(
                        "the board speaks protocol {} but this server speaks {}; update the firmware",
                        m.theirs, m.ours
                    )
                });
                let firmware = format!(
                    "{}.{}.{}",
                    hello.firmware.major, hello.firmware.minor, hello.firmware.patch
                );
                let white = hello.light_channels.count() == 4;
                let _ = self.state.send_if_modified(|s| {
                    let d = &mut s.device;
                    let before = (
                        d.link,
                        d.reason.clone(),
                        d.firmware.clone(),
                        d.white_channel,
                        d.pulse_sensor,
                    );
                    d.link = if mismatch.is_some() {
                        LinkStatus::Connecting
                    } else {
                        LinkStatus::Connected
                    };
                    d.reason = mismatch.clone();
                    d.firmware = Some(firmware.clone());
                    d.white_channel = white;
                    d.pulse_sensor = hello.pulse_sensor;
                    before
                        != (
                            d.link,
                            d.reason.clone(),
                            d.firmware.clone(),
                            d.white_channel,
                            d.pulse_sensor,
                        )
                });
            }
            Event::Light(confirmed) => {
                self.state.send_modify(|s| s.device.light = confirmed);
                let echoed = pending.written.iter().position(|w| *w == confirmed);
                match echoed {
                    // The echo of an earlier write (two people changing
                    // the light at once): the newest is still to come.
                    Some(at) if at + 1 < pending.written.len() => {
                        pending.written.drain(..=at);
                    }
                    _ => {
                        pending.written.clear();
                        if let Some((reply, _)) = pending.waiting.take() {
                            let result = if confirmed == *light {
                                Ok(confirmed)
                            } else {
                                Err(DeviceError::Refused(format!(
                                    "the light is now {}",
                                    describe(&confirmed)
                                )))
                            };
                            let _ = reply.send(result);
                        }
                    }
                }
            }
            Event::Beat {
                bpm,
                quality,
                interval_ms,
            } => self.state.send_modify(|s| {
                let heart = &mut s.device.heart;
                heart.bpm = Some(bpm);
                heart.quality = quality;
                heart.beats += 1;
                heart.interval_ms = interval_ms;
                heart.issue = None;
                heart.reason = None;
            }),
            Event::NoSignal(issue) => {
                let _ = self.state.send_if_modified(|s| {
                    let heart = &mut s.device.heart;
                    let changed = heart.bpm.is_some() || heart.issue != Some(issue);
                    heart.bpm = None;
                    heart.quality = 0;
                    heart.interval_ms = None;
                    heart.issue = Some(issue);
                    heart.reason = Some(issue.describe().to_owned());
                    changed
                });
            }
            Event::Pulse(samples) => {
                let _ = self.pulses.send(Pulse {
                    samples,
                    rate_hz: (1000 / proto::PULSE_SAMPLE_PERIOD_MS) as u16,
                    received_us: crate::camera::pipeline::unix_now_us(),
                });
            }
            Event::Error(message) => self.state.send_modify(|s| s.device.reason = Some(message)),
        }
    }
}

/// A message from the board, in the server's terms.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    Hello(proto::DeviceHello),
    Light(LightState),
    Beat {
        bpm: f32,
        quality: u8,
        interval_ms: Option<u32>,
    },
    NoSignal(SignalIssue),
    Pulse(Vec<u16>),
    Error(String),
}

/// Bytes to events, for either dialect; never fails, skips garbage.
enum Decoder {
    Current(proto::Decoder<DeviceMessage>),
    /// The legacy sketch's lines, collected up to a bounded length.
    Legacy(Vec<u8>),
}

/// Longest legacy line kept; longer ones are garbage.
const LEGACY_LINE: usize = 32;

impl Decoder {
    fn new(dialect: Dialect) -> Self {
        match dialect {
            Dialect::Current => Decoder::Current(proto::Decoder::new()),
            Dialect::Legacy => Decoder::Legacy(Vec::with_capacity(LEGACY_LINE)),
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        match self {
            Decoder::Current(decoder) => {
                for byte in bytes {
                    if let Some(Ok(message)) = decoder.push(*byte) {
                        events.push(event_of(message));
                    }
                }
            }
            Decoder::Legacy(line) => {
                for &byte in bytes {
                    if byte == b'\n' {
                        if let Ok(bpm) = proto::legacy::parse_bpm_line(line) {
                            events.push(Event::Beat {
                                bpm: f32::from(bpm) / 10.0,
                                quality: 100,
                                interval_ms: None,
                            });
                        }
                        line.clear();
                    } else if line.len() < LEGACY_LINE {
                        line.push(byte);
                    }
                }
            }
        }
        events
    }
}

fn event_of(message: DeviceMessage) -> Event {
    match message {
        DeviceMessage::Hello(hello) => Event::Hello(hello),
        DeviceMessage::HeartRate(rate) => Event::Beat {
            bpm: rate.bpm(),
            quality: rate.quality,
            interval_ms: (rate.interval_ms > 0).then_some(u32::from(rate.interval_ms)),
        },
        DeviceMessage::Pulse(pulse) => Event::Pulse(pulse.samples.as_slice().to_vec()),
        DeviceMessage::Light(l) => Event::Light(LightState {
            on: l.on,
            r: l.r,
            g: l.g,
            b: l.b,
            w: l.w,
            brightness: l.brightness,
        }),
        DeviceMessage::NoSignal(issue) => Event::NoSignal(signal_issue(issue)),
        DeviceMessage::Error { code } => Event::Error(format!("the board reported {code:?}")),
    }
}

/// The board's reason for no reading, in the clients' terms.
fn signal_issue(issue: proto::PulseIssue) -> SignalIssue {
    match issue {
        proto::PulseIssue::Lost => SignalIssue::Lost,
        proto::PulseIssue::NoFinger => SignalIssue::NoFinger,
        proto::PulseIssue::Saturated => SignalIssue::Saturated,
        proto::PulseIssue::Movement => SignalIssue::Movement,
        proto::PulseIssue::Irregular => SignalIssue::Irregular,
        proto::PulseIssue::Weak => SignalIssue::Weak,
    }
}

async fn write_message(
    writer: &mut (impl AsyncWrite + Unpin),
    message: &HostMessage,
) -> std::io::Result<()> {
    write_bytes(writer, message.encode().as_bytes()).await
}

/// Writes and flushes, failing if the device takes more than
/// [`WRITE_TIMEOUT`] to accept the bytes (a board that stopped reading).
async fn write_bytes(writer: &mut (impl AsyncWrite + Unpin), bytes: &[u8]) -> std::io::Result<()> {
    let write = async {
        writer.write_all(bytes).await?;
        writer.flush().await
    };
    tokio::time::timeout(WRITE_TIMEOUT, write)
        .await
        .map_err(|_| std::io::Error::other("the device does not accept data"))?
}

async fn write_light(
    writer: &mut (impl AsyncWrite + Unpin),
    dialect: Dialect,
    light: LightState,
) -> std::io::Result<()> {
    match dialect {
        Dialect::Current => {
            let wire = proto::LightState {
                r: light.r,
                g: light.g,
                b: light.b,
                w: light.w,
                brightness: light.brightness,
                on: light.on,
            };
            write_message(writer, &HostMessage::SetLight(wire)).await
        }
        Dialect::Legacy => {
            let line =
                proto::legacy::encode_light(light.r, light.g, light.b, light.brightness, light.on);
            write_bytes(writer, &line).await
        }
    }
}

/// Light changes written to the board and not yet confirmed. Only the
/// newest caller waits (an earlier one was answered when a newer change
/// replaced it); the board confirms each write in order, so the echo of an
/// earlier write is not an answer to the newest.
#[derive(Default)]
struct Unconfirmed {
    waiting: Option<(oneshot::Sender<Result<LightState, DeviceError>>, Instant)>,
    written: std::collections::VecDeque<LightState>,
}

/// A light state for people: "on, colour #ff3300, white 0, brightness 235".
fn describe(light: &LightState) -> String {
    format!(
        "{}, colour #{:02x}{:02x}{:02x}, white {}, brightness {}",
        if light.on { "on" } else { "off" },
        light.r,
        light.g,
        light.b,
        light.w,
        light.brightness
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_lines_become_beats_and_garbage_is_skipped() {
        let mut decoder = Decoder::new(Dialect::Legacy);
        let mut events = decoder.feed(b"72\n\xff\xfegarbage\n");
        events.extend(decoder.feed(b"8"));
        events.extend(decoder.feed(b"1\r\n"));
        events.extend(decoder.feed(&[b'9'; 100]));
        events.extend(decoder.feed(b"\n"));
        let bpms: Vec<f32> = events
            .iter()
            .filter_map(|e| match e {
                Event::Beat { bpm, .. } => Some(*bpm),
                _ => None,
            })
            .collect();
        assert_eq!(bpms, [72.0, 81.0]);
    }
}
