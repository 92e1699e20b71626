//! A viewer that connects and then never reads must not slow anyone else
//! down: with 1280x720 frames the stalled connection's socket buffers fill
//! within a second or two, after which its writer is stuck; meanwhile two
//! normal viewers keep receiving close to the source's frame rate, with
//! fresh frames. Reading the stalled viewer afterwards shows that the server
//! skipped the frames it could not take instead of queueing them.
use crate::common;

use std::time::{Duration, Instant};

use crate::common::{STEP, Ws, next_frame, unix_now_us};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
const FPS: u32 = 30;
/// Frames in the first moments of the normal viewers are not counted.
const WARM_UP: Duration = Duration::from_millis(500);
/// The counting window after the warm-up.
const WINDOW: Duration = Duration::from_secs(4);

/// What one normal viewer saw in the counting window.
#[derive(Debug)]
struct Seen {
    frames: usize,
    first_sequence: u64,
    last_sequence: u64,
    worst_age_ms: u64,
}

/// Reads frames until `end`; counts those received after `from`.
async fn count(mut ws: Ws, from: Instant, end: Instant) -> (Ws, Seen) {
    let mut seen = Seen {
        frames: 0,
        first_sequence: 0,
        last_sequence: 0,
        worst_age_ms: 0,
    };
    let mut last = None;
    loop {
        let (header, jpeg) = next_frame(&mut ws).await;
        let now = Instant::now();
        if now >= end {
            break;
        }
        assert!(jpeg.starts_with(&[0xff, 0xd8]) && jpeg.ends_with(&[0xff, 0xd9]));
        if let Some(last) = last {
            assert!(
                header.sequence > last,
                "sequence {} after {last}",
                header.sequence
            );
        }
        last = Some(header.sequence);
        if now >= from {
            if seen.frames == 0 {
                seen.first_sequence = header.sequence;
            }
            seen.frames += 1;
            seen.last_sequence = header.sequence;
            let age_ms = unix_now_us().saturating_sub(header.captured_us) / 1000;
            seen.worst_age_ms = seen.worst_age_ms.max(age_ms);
        }
    }
    (ws, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_viewer_does_not_slow_the_others() {
    let server = common::start_live(common::test_config(WIDTH, HEIGHT, FPS)).await;

    // The stalled viewer never reads after the handshake; wait until the
    // server's writes to it have backed up and stopped.
    let (stalled, port) = common::stalled_viewer(&server).await;
    let backlog = common::wait_for_stalled_writer(server.addr.port(), port).await;
    eprintln!("stalled viewer: {backlog} bytes stuck in the server's send queue");

    let a = common::ws_connect(&server).await;
    let b = common::ws_connect(&server).await;
    let start = Instant::now();
    let from = start + WARM_UP;
    let end = from + WINDOW;
    let (a, b) = tokio::join!(
        tokio::spawn(count(a, from, end)),
        tokio::spawn(count(b, from, end))
    );
    let (a, seen_a) = a.expect("viewer a failed");
    let (b, seen_b) = b.expect("viewer b failed");

    let window = WINDOW.as_secs_f64();
    let wanted = 0.8 * f64::from(FPS);
    for (name, seen) in [("a", &seen_a), ("b", &seen_b)] {
        let rate = seen.frames as f64 / window;
        let produced = (seen.last_sequence - seen.first_sequence + 1) as f64 / window;
        eprintln!(
            "viewer {name}: {rate:.1} frames/s received, source {produced:.1} frames/s, worst age {} ms",
            seen.worst_age_ms
        );
        assert!(
            rate >= wanted,
            "viewer {name} received {rate:.1} frames/s, wanted >= {wanted:.1} ({seen:?})"
        );
        assert!(
            seen.worst_age_ms < 1000,
            "viewer {name} got a frame {} ms old",
            seen.worst_age_ms
        );
    }

    // Now read the stalled viewer: what was buffered comes first, then a
    // jump in sequence numbers shows frames were skipped, not queued.
    let mut stalled = stalled;
    let mut last = None;
    let mut biggest_gap = 0;
    let read_from = Instant::now();
    let mut frames = 0;
    while biggest_gap < u64::from(FPS) && read_from.elapsed() < STEP {
        let (header, _) = next_frame(&mut stalled).await;
        if let Some(last) = last {
            assert!(
                header.sequence > last,
                "sequence {} after {last}",
                header.sequence
            );
            biggest_gap = biggest_gap.max(header.sequence - last);
        }
        last = Some(header.sequence);
        frames += 1;
    }
    eprintln!("stalled viewer: {frames} frames read until a gap of {biggest_gap}");
    assert!(
        biggest_gap >= u64::from(FPS),
        "the stalled viewer saw no skipped frames (largest gap {biggest_gap}); it did not stall"
    );

    drop((a, b, stalled));
    let took = server.stop().await;
    assert!(took.as_secs() < 5, "shutdown took {took:?}");
}
