//! The test source's simulated liquid lens changes its blur while the
//! pipeline plays, from another thread, as fast as a focus sweep does, and
//! caps negotiation never fails (it did when a change landed in the middle
//! of a caps query: `not-negotiated` from `videotestsrc`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use camrig::camera::controls::SimulatedLook;
use camrig::camera::demand::{Demand, Wants};
use camrig::camera::orientation::Orientation;
use camrig::camera::pipeline::{Pipeline, Publisher, Spec};
use camrig::camera::source::{ResolvedSource, TestFormat};
use camrig::camera::tap::RecordingTap;
use camrig::frames;
use gstreamer as gst;
use gstreamer::prelude::*;
use shared::{CameraSource, ViewSettings};

fn look(defocus: f64) -> SimulatedLook {
    SimulatedLook {
        brightness: 0.0,
        contrast: 1.0,
        saturation: 1.0,
        defocus,
    }
}

/// Fails the test on the first error the pipeline posted.
fn assert_no_error(pipeline: &Pipeline, context: &str) {
    let bus = pipeline.bus().unwrap();
    if let Some(message) = bus.pop_filtered(&[gst::MessageType::Error])
        && let gst::MessageView::Error(err) = message.view()
    {
        panic!(
            "{context}: {} ({:?}) from {:?}",
            err.error(),
            err.debug(),
            message.src().map(|s| s.path_string())
        );
    }
}

#[test]
fn the_blur_changes_while_playing_without_failing_negotiation() {
    gst::init().unwrap();
    // The size of the original-URL tests, where the strongest blur is not
    // the picture's aspect ratio; 30 fps for many renegotiations.
    let spec = Spec {
        source: ResolvedSource {
            kind: CameraSource::Test,
            device: None,
        },
        width: 160,
        height: 120,
        fps: 30,
        jpeg_quality: 80,
        orientation: Orientation::default(),
        h264: None,
        test_format: TestFormat::Raw,
        test_motion: true,
    };
    let (slot, _frames) = frames::slot();
    let publisher = Publisher::new(Arc::new(slot), frames::h264_feed());
    let pipeline = Pipeline::build(
        &spec,
        ViewSettings::default(),
        publisher.clone(),
        RecordingTap::new(Demand::default()),
    )
    .unwrap();
    // Out of focus at start, as the lens starts at 0.
    assert!(pipeline.apply_look(look(0.62)));
    pipeline.set_wants(Wants {
        jpeg: 1,
        ..Wants::default()
    });
    pipeline.start().unwrap();

    // Sharp, blurred, in between: each change renegotiates the lens while
    // frames flow, and some land in the middle of a negotiation.
    let defocus = [0.0, 1.0, 0.62, 0.3, 0.0, 0.05, 0.9, 0.0];
    let started = Instant::now();
    let mut changes = 0usize;
    while started.elapsed() < Duration::from_secs(3) {
        assert!(pipeline.apply_look(look(defocus[changes % defocus.len()])));
        changes += 1;
        std::thread::sleep(Duration::from_micros(200 + (changes as u64 * 397) % 3000));
        assert_no_error(&pipeline, &format!("after {changes} changes"));
    }
    // Frames still come, at the last look.
    let before = publisher.captured();
    std::thread::sleep(Duration::from_millis(300));
    assert_no_error(&pipeline, "at the end");
    assert!(
        publisher.captured() > before,
        "no frames after {changes} changes"
    );
}
