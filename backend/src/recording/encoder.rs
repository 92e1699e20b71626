//! The GStreamer pipeline that turns tapped raw frames into a file:
//!
//! `appsrc -> queue -> x264enc -> constrained-baseline -> h264parse ->
//! mp4mux (fragmented) -> filesink (unbuffered)`
//!
//! Constrained-baseline H.264 in MP4 plays in every browser. `mp4mux`
//! writes a fragment about every second (a keyframe starts each one), and
//! the sink writes every fragment straight to the file, so a crash or power
//! cut loses at most the fragment in progress and what is on disk still
//! plays. The pipeline has its own bus, read by the recorder task that owns
//! the encoder (no task of its own): its errors (a full disk) end the
//! recording, never the live view.

use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio_util::task::TaskTracker;

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
    /// The pipeline's bus messages, read by [`Encoder::failure`] and
    /// [`Encoder::finish`].
    messages: gst::bus::BusStream,
    /// The file is complete (end of stream) or failed: nothing more to
    /// wait for.
    ended: bool,
}

impl Encoder {
    /// Builds and starts an encoder writing to `path`; [`Encoder::failure`]
    /// tells if writing fails later. `fps` sets the keyframe interval (one
    /// per second, one fragment per second). Blocks (state change): call it
    /// on a blocking thread.
    pub fn start(path: &Path, fps: u32, bitrate_kbps: u32) -> Result<Self, EncoderError> {
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
        // Subscribed before playing, so no message is missed.
        let messages = bus.stream();
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| EncoderError(e.to_string()))?;
        Ok(Encoder {
            pipeline,
            src,
            messages,
            ended: false,
        })
    }

    /// The input for raw frames.
    pub fn input(&self) -> gst_app::AppSrc {
        self.src.clone()
    }

    /// Resolves with the reason when writing the file fails (a full
    /// disk); never resolves once the stream has ended. Cancel-safe: the
    /// recorder polls it beside its other work.
    pub async fn failure(&mut self) -> String {
        while !self.ended {
            let Some(message) = self.messages.next().await else {
                break;
            };
            match message.view() {
                gst::MessageView::Eos(_) => self.ended = true,
                gst::MessageView::Error(err) => {
                    self.ended = true;
                    return format!("cannot write the recording: {}", err.error());
                }
                _ => {}
            }
        }
        std::future::pending().await
    }

    /// Ends the stream (if the tap has not already) and waits (at most
    /// [`FINISH_TIMEOUT`]) until the last fragment is on disk, then stops
    /// the pipeline on a blocking thread tracked by `tasks`.
    pub async fn finish(mut self, tasks: &TaskTracker) {
        let _ = self.src.end_of_stream();
        if !self.ended
            && tokio::time::timeout(FINISH_TIMEOUT, self.until_ended())
                .await
                .is_err()
        {
            tracing::warn!("the recording did not finish within {FINISH_TIMEOUT:?}");
        }
        let pipeline = self.pipeline.clone();
        let _ = tasks
            .spawn_blocking(move || pipeline.set_state(gst::State::Null))
            .await;
    }

    /// Reads the bus until the end of stream or an error.
    async fn until_ended(&mut self) {
        while let Some(message) = self.messages.next().await {
            if matches!(
                message.view(),
                gst::MessageView::Eos(_) | gst::MessageView::Error(_)
            ) {
                break;
            }
        }
        self.ended = true;
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
