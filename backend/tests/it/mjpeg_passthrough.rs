//! A camera that delivers JPEG (a USB webcam's MJPEG, imitated by the test
//! source with `camera.test_format = "mjpeg"`) has its own JPEGs sent to
//! JPEG viewers as they are, without decoding and encoding them again,
//! while nothing changes the picture. Grayscale, half size or a turned
//! camera need the decoded picture, and the server's encoder takes over;
//! H.264 viewers get their picture alongside. Which encoder made a JPEG
//! shows in its quantisation tables: the simulated webcam encodes at
//! quality 90, the server here at 30.

use std::sync::Arc;
use std::time::{Duration, Instant};

use camrig::camera::demand::{Demand, Wants};
use camrig::camera::orientation::{Orientation, Rotation};
use camrig::camera::pipeline::{H264Encoder, H264Spec, Pipeline, Publisher, Spec};
use camrig::camera::source::{ResolvedSource, TestFormat};
use camrig::camera::tap::RecordingTap;
use camrig::frames::{self, FrameReceiver, H264Sender};
use gstreamer as gst;
use shared::{CameraSource, FrameKind, ViewSettings};

/// The server's own JPEG quality in these tests.
const SERVER_QUALITY: u32 = 30;

/// The first entry of a JPEG's first quantisation table: about 3 at
/// quality 90, about 27 at quality 30 (libjpeg's scaling).
fn first_quantiser(jpeg: &[u8]) -> u8 {
    let at = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xDB])
        .expect("a JPEG has a quantisation table");
    // Marker, two length bytes, precision and table number, then the table.
    jpeg[at + 5]
}

struct Rig {
    pipeline: Pipeline,
    frames: FrameReceiver,
    h264: H264Sender,
}

fn rig(format: TestFormat, orientation: Orientation) -> Rig {
    gst::init().unwrap();
    let spec = Spec {
        source: ResolvedSource {
            kind: CameraSource::Test,
            device: None,
        },
        width: 320,
        height: 240,
        fps: 30,
        jpeg_quality: SERVER_QUALITY,
        orientation,
        h264: H264Encoder::available().map(|encoder| H264Spec {
            encoder,
            bitrate_kbps: 500,
        }),
        test_format: format,
        test_motion: true,
    };
    let (slot, frames) = frames::slot();
    let h264 = frames::h264_feed();
    let publisher = Publisher::new(Arc::new(slot), h264.clone());
    let pipeline = Pipeline::build(
        &spec,
        ViewSettings::default(),
        publisher,
        RecordingTap::new(Demand::default()),
    )
    .unwrap();
    pipeline.set_wants(Wants {
        jpeg: 1,
        ..Wants::default()
    });
    pipeline.start().unwrap();
    Rig {
        pipeline,
        frames,
        h264,
    }
}

/// Waits up to 5 s for a JPEG newer than the last one seen whose
/// quantiser passes `check`; panics with what came instead.
fn wait_for_jpeg(rig: &mut Rig, what: &str, check: impl Fn(u8) -> bool) -> u8 {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        let frame = rig.frames.borrow_and_update().clone();
        if let Some(frame) = frame {
            assert_eq!(frame.header.kind, FrameKind::Jpeg);
            let q = first_quantiser(&frame.jpeg());
            if check(q) {
                return q;
            }
            seen.push(q);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no JPEG {what} within 5 s; quantisers seen: {seen:?}");
}

fn from_camera(q: u8) -> bool {
    q <= 5
}

fn from_server(q: u8) -> bool {
    q >= 20
}

#[test]
fn a_webcams_jpegs_pass_through_until_the_view_changes_the_picture() {
    let mut rig = rig(TestFormat::Mjpeg, Orientation::default());
    wait_for_jpeg(&mut rig, "from the camera", from_camera);
    assert!(rig.pipeline.passing_through());

    for view in [
        ViewSettings {
            grayscale: true,
            ..ViewSettings::default()
        },
        ViewSettings {
            half_resolution: true,
            ..ViewSettings::default()
        },
    ] {
        rig.pipeline.apply_view(view);
        assert!(!rig.pipeline.passing_through(), "{view:?}");
        wait_for_jpeg(&mut rig, "re-encoded by the server", from_server);
        // Back to the plain view: the camera's JPEGs again.
        rig.pipeline.apply_view(ViewSettings::default());
        assert!(rig.pipeline.passing_through());
        wait_for_jpeg(&mut rig, "from the camera again", from_camera);
    }
}

#[test]
fn h264_viewers_get_the_decoded_picture_while_jpeg_viewers_get_the_camera_s() {
    if H264Encoder::available().is_none() {
        eprintln!("skipped: no H.264 encoder installed");
        return;
    }
    let mut rig = rig(TestFormat::Mjpeg, Orientation::default());
    wait_for_jpeg(&mut rig, "from the camera", from_camera);
    let mut access_units = rig.h264.subscribe();
    rig.pipeline.set_wants(Wants {
        jpeg: 1,
        h264: 1,
        raw: 0,
    });
    rig.pipeline.force_key_frame();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut got = 0;
    while got < 10 && Instant::now() < deadline {
        match access_units.try_recv() {
            Ok(frame) => {
                assert_eq!(frame.header.kind, FrameKind::H264);
                got += 1;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    assert_eq!(got, 10, "H.264 access units within 5 s");
    assert!(rig.pipeline.passing_through());
    wait_for_jpeg(&mut rig, "from the camera beside H.264", from_camera);
}

#[test]
fn a_turned_camera_and_a_raw_camera_never_pass_through() {
    let turned = Orientation {
        rotate: Rotation::Clockwise90,
        ..Orientation::default()
    };
    let mut rig_turned = rig(TestFormat::Mjpeg, turned);
    wait_for_jpeg(&mut rig_turned, "re-encoded (turned)", from_server);
    assert!(!rig_turned.pipeline.passing_through());

    let mut raw = rig(TestFormat::Raw, Orientation::default());
    wait_for_jpeg(&mut raw, "re-encoded (raw camera)", from_server);
    assert!(!raw.pipeline.passing_through());
}
