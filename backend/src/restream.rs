//! The restream: publishes the live H.264 to a media server (MediaMTX,
//! go2rtc, a CDN's ingest) so that it, not the rig, serves large
//! audiences. Configured by one URL (`restream.url`): `rtmp://` or
//! `rtmps://` (FLV), `srt://` (MPEG-TS) or `rtsp://` (the server must
//! accept publishing, as MediaMTX does).
//!
//! It runs beside the camera, never inside it: one task takes the H.264
//! feed like a viewer (so the encoder runs while it is configured), and
//! pushes every access unit from a key frame on into its own small
//! GStreamer pipeline, `appsrc -> h264parse -> muxer -> network sink`,
//! timed by each frame's capture time. A failure there (the media server
//! is down, refuses the stream, or goes away later) never touches the live
//! view: the task tears its pipeline down, says why in the state, and
//! tries again with back-off (1 s doubling to 30 s) until shutdown. At
//! shutdown it ends the stream cleanly. The URL can carry a stream key, so
//! only its scheme, host and port are ever shown.

use std::fmt;
use std::time::Duration;

use futures_util::StreamExt;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use shared::{RestreamState, RestreamStatus};
use tokio_util::sync::CancellationToken;

use crate::camera::CameraHandle;
use crate::camera::demand::Need;
use crate::frames::{Frame, H264Cursor};
use crate::state::StateSender;

/// First wait after a failure.
const RETRY_MIN: Duration = Duration::from_secs(1);
/// Longest wait between tries.
const RETRY_MAX: Duration = Duration::from_secs(30);
/// How long the end of the stream may take at shutdown.
const FINISH_TIMEOUT: Duration = Duration::from_secs(2);
/// Access units the restream may fall behind before it skips to the next
/// key frame (about a second at 30 fps: more slack than a viewer's, as
/// nobody sees the restream's delay directly and every skip asks the
/// shared encoder for a key frame that all H.264 viewers receive).
const MAX_BEHIND: usize = 30;

/// How the stream is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// RTMP or RTMPS, in FLV.
    Rtmp,
    /// SRT, in MPEG-TS.
    Srt,
    /// RTSP, publishing (RECORD).
    Rtsp,
}

/// Where the restream goes: a validated URL.
#[derive(Clone, PartialEq, Eq)]
pub struct RestreamTarget {
    url: String,
    protocol: Protocol,
    /// `scheme://host:port`, safe to show.
    shown: String,
}

impl RestreamTarget {
    /// Validates `url`: a known scheme and a host.
    pub fn parse(url: &str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        let protocol = match scheme {
            "rtmp" | "rtmps" => Protocol::Rtmp,
            "srt" => Protocol::Srt,
            "rtsp" | "rtsps" => Protocol::Rtsp,
            _ => return None,
        };
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        // Credentials before an `@` are not shown either.
        let host = authority.rsplit('@').next().unwrap_or_default();
        let valid = !host.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        valid.then(|| RestreamTarget {
            url: url.to_owned(),
            protocol,
            shown: format!("{scheme}://{host}"),
        })
    }

    /// The protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Scheme, host and port only (no stream key).
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

impl fmt::Debug for RestreamTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RestreamTarget({}/…)", self.shown)
    }
}

/// Starts the restream task on `tracker`; it ends at `shutdown`.
pub fn spawn(
    target: RestreamTarget,
    camera: CameraHandle,
    state: StateSender,
    shutdown: CancellationToken,
    tracker: &tokio_util::task::TaskTracker,
) {
    tracker.spawn(run(target, camera, state, shutdown));
}

/// How one connection ended.
enum Ended {
    Shutdown,
    Failed(String),
}

async fn run(
    target: RestreamTarget,
    camera: CameraHandle,
    state: StateSender,
    shutdown: CancellationToken,
) {
    // The encoder runs for the restream as for a viewer.
    let _demand = camera.demand().take(Need::H264);
    let publish = |status: RestreamStatus, reason: Option<String>| {
        let shown = RestreamState {
            target: target.shown().to_owned(),
            status,
            reason,
        };
        state.send_if_modified(|s| {
            let changed = s.restream.as_ref() != Some(&shown);
            s.restream = Some(shown);
            changed
        });
    };
    let mut delay = RETRY_MIN;
    loop {
        publish(RestreamStatus::Connecting, None);
        let reason = match connection(&target, &camera, &shutdown, &publish).await {
            Ended::Shutdown => break,
            Ended::Failed(reason) => reason,
        };
        tracing::warn!(target = target.shown(), %reason, retry_in = ?delay, "restream failed");
        publish(RestreamStatus::Retrying, Some(reason));
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(RETRY_MAX);
    }
    state.send_modify(|s| s.restream = None);
}

/// One connection: builds the pipeline, feeds it until it fails or the
/// server shuts down.
async fn connection(
    target: &RestreamTarget,
    camera: &CameraHandle,
    shutdown: &CancellationToken,
    publish: &impl Fn(RestreamStatus, Option<String>),
) -> Ended {
    let built = {
        let target = target.clone();
        tokio::task::spawn_blocking(move || Sender::start(&target)).await
    };
    let sender = match built {
        Ok(Ok(sender)) => sender,
        Ok(Err(reason)) => return Ended::Failed(reason),
        Err(err) => return Ended::Failed(format!("the restream could not start: {err}")),
    };
    let Some(bus) = sender.pipeline.bus() else {
        return Ended::Failed("the restream pipeline has no bus".into());
    };
    let mut messages = bus.stream();
    let keys = camera.demand().clone();
    let mut frames = H264Cursor::new(camera.h264_frames(), MAX_BEHIND, move || {
        keys.request_key_frame();
    });
    let mut first_us = None;
    let mut live = false;
    let ended = loop {
        tokio::select! {
            _ = shutdown.cancelled() => break Ended::Shutdown,
            message = messages.next() => match message.as_ref().map(|m| m.view()) {
                Some(gst::MessageView::Error(err)) => {
                    break Ended::Failed(format!("{}", err.error()));
                }
                Some(gst::MessageView::Eos(_)) | None => {
                    break Ended::Failed("the media server ended the stream".into());
                }
                _ => {}
            },
            frame = frames.next() => {
                let Some(frame) = frame else {
                    break Ended::Shutdown;
                };
                let first = *first_us.get_or_insert(frame.header.captured_us);
                if let Err(reason) = sender.push(&frame, first) {
                    break Ended::Failed(reason);
                }
                if !live {
                    live = true;
                    tracing::info!(target = target.shown(), "restreaming");
                    publish(RestreamStatus::Live, None);
                }
            }
        }
    };
    if matches!(ended, Ended::Shutdown) {
        sender.finish(&mut messages).await;
    }
    // Stopping may wait for the network: keep it off the async threads.
    let _ = tokio::task::spawn_blocking(move || drop(sender)).await;
    ended
}

/// The restream's own pipeline; stopped when dropped.
struct Sender {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
}

impl Sender {
    /// Builds and starts the pipeline for `target`.
    fn start(target: &RestreamTarget) -> Result<Self, String> {
        let make = |name: &'static str| crate::elements::make(name).map_err(|e| e.to_string());
        let pipeline = gst::Pipeline::with_name("restream");
        let src = gst_app::AppSrc::builder()
            .caps(
                &gst::Caps::builder("video/x-h264")
                    .field("stream-format", "byte-stream")
                    .field("alignment", "au")
                    .build(),
            )
            .format(gst::Format::Time)
            .is_live(true)
            // A second or so of access units; beyond that, pushing fails
            // and the connection starts again.
            .max_bytes(8 * 1024 * 1024)
            .block(false)
            .build();
        let parse = make("h264parse")?;
        parse.set_property("config-interval", -1i32);
        let mut chain: Vec<gst::Element> = vec![src.clone().upcast(), parse];
        match target.protocol {
            Protocol::Rtmp => {
                let mux = make("flvmux")?;
                mux.set_property("streamable", true);
                let sink = make("rtmp2sink")?;
                sink.set_property("location", &target.url);
                sink.set_property("async-connect", true);
                chain.extend([mux, sink]);
            }
            Protocol::Srt => {
                let mux = make("mpegtsmux")?;
                let sink = make("srtsink")?;
                sink.set_property("uri", &target.url);
                sink.set_property("wait-for-connection", false);
                chain.extend([mux, sink]);
            }
            Protocol::Rtsp => {
                let sink = make("rtspclientsink")?;
                sink.set_property("location", &target.url);
                chain.push(sink);
            }
        }
        for element in chain.iter().skip(1) {
            // Never wait for the clock: frames are sent as they come.
            if element.has_property("sync") {
                element.set_property("sync", false);
            }
        }
        let err = |e: gst::glib::BoolError| format!("cannot build the restream: {e}");
        pipeline.add_many(&chain).map_err(err)?;
        gst::Element::link_many(&chain).map_err(err)?;
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|_| failure(&pipeline, "the restream did not start"))?;
        Ok(Sender { pipeline, src })
    }

    /// Pushes one access unit, timed from `first_us` (the first pushed
    /// frame's capture time).
    fn push(&self, frame: &Frame, first_us: u64) -> Result<(), String> {
        let mut buffer = gst::Buffer::from_slice(frame.jpeg());
        if let Some(meta) = buffer.get_mut() {
            let pts =
                gst::ClockTime::from_useconds(frame.header.captured_us.saturating_sub(first_us));
            meta.set_pts(pts);
            meta.set_dts(pts);
            if !frame.header.key {
                meta.set_flags(gst::BufferFlags::DELTA_UNIT);
            }
        }
        self.src
            .push_buffer(buffer)
            .map(|_| ())
            .map_err(|flow| format!("the media server does not take the stream ({flow:?})"))
    }

    /// Ends the stream and waits (briefly) until it is out.
    async fn finish(
        &self,
        messages: &mut (impl futures_util::Stream<Item = gst::Message> + Unpin),
    ) {
        let _ = self.src.end_of_stream();
        let _ = tokio::time::timeout(FINISH_TIMEOUT, async {
            while let Some(message) = messages.next().await {
                if matches!(
                    message.view(),
                    gst::MessageView::Eos(_) | gst::MessageView::Error(_)
                ) {
                    break;
                }
            }
        })
        .await;
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// The pipeline's own error message, or `fallback`.
fn failure(pipeline: &gst::Pipeline, fallback: &str) -> String {
    pipeline
        .bus()
        .and_then(|bus| bus.pop_filtered(&[gst::MessageType::Error]))
        .and_then(|message| match message.view() {
            gst::MessageView::Error(err) => Some(err.error().to_string()),
            _ => None,
        })
        .unwrap_or_else(|| fallback.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_shown_without_their_key() {
        let rtmp = RestreamTarget::parse("rtmp://media.local:1935/live/secret-key").unwrap();
        assert_eq!(rtmp.protocol(), Protocol::Rtmp);
        assert_eq!(rtmp.shown(), "rtmp://media.local:1935");
        assert!(!format!("{rtmp:?}").contains("secret"));
        let srt = RestreamTarget::parse("srt://10.0.0.5:8890?streamid=publish:cam").unwrap();
        assert_eq!(
            (srt.protocol(), srt.shown()),
            (Protocol::Srt, "srt://10.0.0.5:8890")
        );
        let rtsp = RestreamTarget::parse("rtsp://user:pw@mediamtx:8554/cam").unwrap();
        assert_eq!(
            (rtsp.protocol(), rtsp.shown()),
            (Protocol::Rtsp, "rtsp://mediamtx:8554")
        );
        for bad in [
            "http://x/y",
            "rtmp://",
            "rtmp:///live",
            "mediamtx:1935",
            "rtmp://a b/c",
            "",
        ] {
            assert!(RestreamTarget::parse(bad).is_none(), "{bad}");
        }
    }
}
