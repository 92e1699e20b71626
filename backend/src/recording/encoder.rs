//! The GStreamer pipeline that turns tapped raw frames into a file:
//!
//! `appsrc -> queue -> x264enc -> constrained-baseline -> h264parse ->
//! mp4mux (fragmented) -> filesink (unbuffered)`
//!
//! Constrained-baseline H.264 in MP4 plays in every browser. `mp4mux`
//! writes a fragment about every second (a keyframe starts each one), and
//! the sink writes every fragment straight to the file, so a crash or power
//! cut loses at most the fragment in progress and what is on disk still
//! plays. The pipeline has its own bus: its errors (a full disk) end the
//! recording, never the live view.

use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::{mpsc, oneshot};

/// How long finishing a file may take (flushing the last fragment).
const FINISH_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the encoder could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot start the recording: {0}")]
pub struct EncoderError(pub String);

/// A running encoder writing one file.
pub struct Encoder {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    /// Resolved when the file is complete (end of stream) or failed.
    done: Option<oneshot::Receiver<()>>,
}

impl Encoder {
    /// Builds and starts an encoder writing to `path`; `failed` receives
    /// the reason if writing fails later. `fps` sets the keyframe interval
    /// (one per second, one fragment per second).
    pub fn start(
        path: &Path,
        fps: u32,
        bitrate_kbps: u32,
        failed: mpsc::UnboundedSender<String>,
    ) -> Result<Self, EncoderError> {
        let err = |e: gst::glib::BoolError| EncoderError(e.to_string());
        let make = |name| crate::elements::make(name).map_err(|e| EncoderError(e.to_string()));
        let pipeline = gst::Pipeline::with_name("recording");
        let src = gst_app::AppSrc::builder()
            .format(gst::Format::Time)
            .is_live(true)
            // About 2 s of 720p I420 may wait for the encoder; beyond that
            // frames are refused rather than growing memory.
            .max_bytes(64 * 1024 * 1024)
            .block(false)
            .build();
        let queue = make("queue")?;
        let encoder = make("x264enc")?;
        encoder.set_property_from_str("speed-preset", "superfast");
        encoder.set_property_from_str("tune", "zerolatency");
        encoder.set_property("key-int-max", fps.max(1));
        encoder.set_property("bitrate", bitrate_kbps);
        let profile = make("capsfilter")?;
        profile.set_property(
            "caps",
            gst::Caps::builder("video/x-h264")
                .field("profile", "constrained-baseline")
                .build(),
        );
        let parse = make("h264parse")?;
        let mux = make("mp4mux")?;
        mux.set_property("fragment-duration", 1000u32);
        let sink = make("filesink")?;
        sink.set_property("location", path);
        sink.set_property_from_str("buffer-mode", "unbuffered");
        sink.set_property("sync", false);
        sink.set_property("async", false);
        let chain = [
            src.upcast_ref(),
            &queue,
            &encoder,
            &profile,
            &parse,
            &mux,
            &sink,
        ];
        pipeline.add_many(chain).map_err(err)?;
        gst::Element::link_many(chain).map_err(err)?;
        let bus = pipeline
            .bus()
            .ok_or_else(|| EncoderError("the recording pipeline has no bus".into()))?;
        let (done_tx, done) = oneshot::channel();
        tokio::spawn(watch_bus(bus, done_tx, failed));
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| EncoderError(e.to_string()))?;
        Ok(Encoder {
            pipeline,
            src,
            done: Some(done),
        })
    }

    /// The input for raw frames.
    pub fn input(&self) -> gst_app::AppSrc {
        self.src.clone()
    }

    /// Ends the stream (if the tap has not already) and waits until the
    /// last fragment is on disk, then stops the pipeline.
    pub async fn finish(mut self) {
        let _ = self.src.end_of_stream();
        if let Some(done) = self.done.take()
            && tokio::time::timeout(FINISH_TIMEOUT, done).await.is_err()
        {
            tracing::warn!("the recording did not finish within {FINISH_TIMEOUT:?}");
        }
        let pipeline = self.pipeline.clone();
        let _ = tokio::task::spawn_blocking(move || pipeline.set_state(gst::State::Null)).await;
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Follows the encoder's bus: end of stream completes `done`; an error
/// completes it too and reports the reason through `failed`.
async fn watch_bus(
    bus: gst::Bus,
    done: oneshot::Sender<()>,
    failed: mpsc::UnboundedSender<String>,
) {
    let mut messages = bus.stream();
    while let Some(message) = messages.next().await {
        match message.view() {
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(err) => {
                let _ = failed.send(format!("cannot write the recording: {}", err.error()));
                break;
            }
            _ => {}
        }
    }
    let _ = done.send(());
}
