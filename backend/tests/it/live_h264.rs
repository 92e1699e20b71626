//! The H.264 live view over the WebSocket, checked the way a browser's
//! decoder would take it: every access unit a viewer receives is fed to a
//! real GStreamer H.264 decoder (`avdec_h264`), and the pictures that come
//! out are looked at. Covered: a viewer starts at a key frame that carries
//! the codec's parameters; the stream decodes and the picture moves;
//! grayscale reaches H.264 viewers; a late joiner's key frame is asked for
//! at once instead of waiting for the next group of pictures; a viewer
//! that stopped reading resumes at a key frame; `watch` switches formats
//! and ends the session's demand; nothing is encoded for nobody; and an
//! idle server pauses its camera and still answers a snapshot.

use crate::common;

use crate::common::{STEP, TestServer, Ws, next_reply, wait_until, within, ws_send};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use shared::{FrameHeader, FrameKind};

/// Connects a viewer to `/ws?video=<video>`.
async fn viewer(server: &TestServer, video: &str) -> Ws {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("{}?video={video}", server.ws_url());
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Authorization", common::AS_OPERATOR.1.parse().unwrap());
    let (ws, _) = within(
        STEP,
        "the handshake",
        tokio_tungstenite::connect_async(request),
    )
    .await
    .unwrap();
    ws
}

/// The next frame of any kind, with its payload.
async fn next_frame(ws: &mut Ws) -> (FrameHeader, Vec<u8>) {
    common::next_frame(ws).await
}

/// A real H.264 decoder: access units in, RGB pictures out.
struct Decoder {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    sink: gst_app::AppSink,
    pushed: u64,
}

impl Decoder {
    fn new() -> Self {
        gst::init().unwrap();
        let pipeline = gst::parse::launch(
            "appsrc name=src format=time caps=video/x-h264,stream-format=byte-stream,alignment=au \
             ! h264parse ! avdec_h264 max-threads=1 ! videoconvert ! video/x-raw,format=RGB \
             ! appsink name=sink sync=false",
        )
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
        let src = pipeline
            .by_name("src")
            .unwrap()
            .downcast::<gst_app::AppSrc>()
            .unwrap();
        let sink = pipeline
            .by_name("sink")
            .unwrap()
            .downcast::<gst_app::AppSink>()
            .unwrap();
        pipeline.set_state(gst::State::Playing).unwrap();
        Decoder {
            pipeline,
            src,
            sink,
            pushed: 0,
        }
    }

    /// Decodes one access unit; the picture, as RGB rows, once it is out.
    fn decode(&mut self, access_unit: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
        let mut buffer = gst::Buffer::from_slice(access_unit.to_vec());
        buffer
            .get_mut()
            .unwrap()
            .set_pts(gst::ClockTime::from_mseconds(self.pushed * 33));
        self.pushed += 1;
        self.src.push_buffer(buffer).unwrap();
        let sample = self.sink.try_pull_sample(gst::ClockTime::from_seconds(2))?;
        let s = sample.caps().unwrap().structure(0).unwrap().to_owned();
        let (w, h) = (
            s.get::<i32>("width").unwrap(),
            s.get::<i32>("height").unwrap(),
        );
        let map = sample.buffer().unwrap().map_readable().unwrap();
        Some((w as u32, h as u32, map.to_vec()))
    }

    /// Whether the decoder reported an error so far.
    fn failed(&self) -> Option<String> {
        let bus = self.pipeline.bus().unwrap();
        bus.pop_filtered(&[gst::MessageType::Error])
            .map(|m| format!("{m:?}"))
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Largest difference between the colour channels of any pixel.
fn max_chroma(rgb: &[u8]) -> u8 {
    rgb.chunks_exact(3)
        .map(|p| p.iter().max().unwrap() - p.iter().min().unwrap())
        .max()
        .unwrap_or(0)
}

fn h264_config() -> camrig::config::Config {
    common::test_config(320, 240, 30)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_h264_viewer_starts_at_a_key_frame_and_every_frame_decodes() {
    let server = common::start_live(h264_config()).await;
    let mut ws = viewer(&server, "h264").await;
    let (first, payload) = next_frame(&mut ws).await;
    assert_eq!(first.kind, FrameKind::H264);
    assert!(first.key, "the first access unit is a key frame");
    assert!(shared::h264::is_key_frame(&payload));
    let codec = shared::h264::codec_string(&payload).expect("parameter sets in the key frame");
    assert!(
        codec.starts_with("avc1.42"),
        "constrained baseline: {codec}"
    );
    assert_eq!((first.width, first.height), (320, 240));

    let mut decoder = Decoder::new();
    let (w, h, picture) = decoder.decode(&payload).expect("the key frame decodes");
    assert_eq!((w, h), (320, 240));
    let mut last = first.sequence;
    let mut changed = false;
    for _ in 0..45 {
        let (header, payload) = next_frame(&mut ws).await;
        assert_eq!(header.kind, FrameKind::H264);
        assert!(
            header.sequence > last,
            "sequence numbers increase: {} after {last}",
            header.sequence
        );
        last = header.sequence;
        let (_, _, next) = decoder.decode(&payload).expect("each access unit decodes");
        changed |= next != picture;
    }
    assert!(changed, "the moving test pattern moves");
    assert_eq!(decoder.failed(), None);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grayscale_reaches_h264_viewers() {
    let server = common::start_live(h264_config()).await;
    let mut ws = viewer(&server, "h264").await;
    let mut decoder = Decoder::new();
    let (_, payload) = next_frame(&mut ws).await;
    let (_, _, colour) = decoder.decode(&payload).unwrap();
    assert!(max_chroma(&colour) > 100, "the test pattern is colourful");

    ws_send(&mut ws, r#"{"id":1,"cmd":"set_view","grayscale":true}"#).await;
    assert_eq!(next_reply(&mut ws).await["id"], 1);
    let mut gray = false;
    for _ in 0..30 {
        let (_, payload) = next_frame(&mut ws).await;
        let (_, _, picture) = decoder.decode(&payload).unwrap();
        if max_chroma(&picture) < 40 {
            gray = true;
            break;
        }
    }
    assert!(gray, "a gray picture within a second");
    assert_eq!(decoder.failed(), None);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_joiner_gets_a_key_frame_at_once() {
    let server = common::start_live(h264_config()).await;
    let mut first = viewer(&server, "h264").await;
    // Well into the first viewer's group of pictures (two seconds long).
    let mut joined_at = 0;
    for _ in 0..20 {
        joined_at = next_frame(&mut first).await.0.sequence;
    }
    let mut late = viewer(&server, "h264").await;
    let (header, payload) = next_frame(&mut late).await;
    assert!(header.key);
    assert!(shared::h264::codec_string(&payload).is_some());
    // Waiting for the encoder's own next key frame would take up to 60
    // frames; one asked for arrives within a few.
    assert!(
        header.sequence < joined_at + 15,
        "the late joiner's first frame is {} frames after it joined",
        header.sequence - joined_at
    );
    let mut decoder = Decoder::new();
    assert!(decoder.decode(&payload).is_some());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_that_stopped_reading_resumes_at_a_key_frame() {
    let mut config = common::test_config(1280, 720, 30);
    // Big access units fill the socket's buffers within seconds.
    config.camera.h264_bitrate_kbps = 30_000;
    let server = common::start_live(config).await;
    let (mut ws, port) = common::stalled_viewer(&server).await;
    ws_send(&mut ws, r#"{"id":1,"cmd":"watch","video":"h264"}"#).await;
    // The server's writer blocks on the full socket while the feed moves on.
    common::wait_for_stalled_writer(server.addr.port(), port).await;
    let mut decoder = Decoder::new();
    let mut previous: Option<u64> = None;
    let mut resumed_at_key = false;
    let mut decoded = 0;
    let mut gaps = Vec::new();
    for _ in 0..200 {
        let (header, payload) = next_frame(&mut ws).await;
        // Under load the encoder itself may skip a frame or two; a gap
        // of more than the eight frames a viewer may fall behind is the
        // server skipping for this viewer.
        if let Some(previous) = previous {
            gaps.push(header.sequence - previous);
        }
        if let Some(previous) = previous
            && header.sequence > previous + 8
        {
            // What the viewer was too slow for was skipped, and it starts
            // again where a decoder can.
            assert!(header.key, "after a gap comes a key frame");
            resumed_at_key = true;
        }
        previous = Some(header.sequence);
        if decoder.decode(&payload).is_some() {
            decoded += 1;
        }
        if resumed_at_key && decoded > 10 {
            break;
        }
    }
    assert!(
        resumed_at_key,
        "the stalled viewer skipped ahead: gaps {gaps:?}"
    );
    assert_eq!(decoder.failed(), None);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_switches_the_picture_and_nothing_is_encoded_for_nobody() {
    let server = common::start_live(h264_config()).await;
    let demand = server.app.camera.demand().clone();
    let mut h264_feed = server.app.camera.h264_frames();
    let mut ws = viewer(&server, "jpeg").await;
    for _ in 0..10 {
        assert_eq!(next_frame(&mut ws).await.0.kind, FrameKind::Jpeg);
    }
    // Ten JPEG frames went out; the H.264 encoder had nobody and made
    // nothing.
    assert!(matches!(
        h264_feed.try_recv(),
        Err(tokio::sync::broadcast::error::TryRecvError::Empty)
    ));

    ws_send(&mut ws, r#"{"id":2,"cmd":"watch","video":"h264"}"#).await;
    let reply = next_reply(&mut ws).await;
    assert_eq!(reply["result"]["video"], "h264", "{reply}");
    let (header, _) = loop {
        let frame = next_frame(&mut ws).await;
        if frame.0.kind == FrameKind::H264 {
            break frame;
        }
    };
    assert!(header.key);
    let wants = demand.current();
    assert_eq!((wants.jpeg, wants.h264), (0, 1));

    ws_send(&mut ws, r#"{"id":3,"cmd":"watch","video":"none"}"#).await;
    assert_eq!(next_reply(&mut ws).await["result"]["video"], "none");
    wait_until(STEP, "the session's demand to end", || {
        let demand = demand.clone();
        async move { !demand.current().any() }
    })
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_camera_pauses_and_wakes_for_a_snapshot() {
    let mut config = h264_config();
    config.camera.idle_seconds = 1;
    let server = common::start_live(config).await;
    let addr = server.addr;
    wait_until(
        STEP,
        "the camera to pause with nobody watching",
        || async move { common::api_state(addr).await.is_some_and(|s| s.camera.idle) },
    )
    .await;
    let captured = server.app.camera.demand().current();
    assert!(!captured.any());
    let response = common::http_get(addr, "/snapshot.jpg").await;
    assert_eq!(response.status, 200);
    let taken: u64 = response
        .header("x-capture-timestamp-us")
        .unwrap()
        .parse()
        .unwrap();
    let age = common::unix_now_us().saturating_sub(taken);
    assert!(
        age < 5_000_000,
        "the snapshot is a fresh picture, not the one from before the pause ({age} µs old)"
    );
    common::jpeg_size(&response.body);
    // A viewer wakes it too, and the state says so.
    let mut ws = viewer(&server, "jpeg").await;
    within(STEP, "a frame after the pause", next_frame(&mut ws)).await;
    wait_until(STEP, "the camera to be awake", || async move {
        common::api_state(addr)
            .await
            .is_some_and(|s| !s.camera.idle)
    })
    .await;
    drop(ws);
    server.stop().await;
}
