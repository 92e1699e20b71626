//! The camera's mounting correction on the real test source: with
//! `camera.flip = horizontal` a snapshot is the mirror image of one taken
//! without it, and with `camera.rotate = 90` snapshots, live frames (also
//! at half size) and recordings come out turned a quarter clockwise, their
//! width and height swapped. The SMPTE pattern scrolls sideways and wraps
//! around, so pictures taken at different moments are compared up to a
//! sideways shift; its colour bars fall in brightness from left to right,
//! so a mirror image (rising) is never such a shift of the original.

use crate::common;

use std::path::Path;

use crate::common::{Picture, next_frame, ws_connect};
use camrig::camera::orientation::{Flip, Rotation};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

/// Capture size of every server here.
const WIDTH: usize = 320;
const HEIGHT: usize = 240;
/// A row of the unturned picture inside the colour bars (below the clock).
const BAR_ROW: usize = 100;

/// Rows and columns of a decoded picture's brightness.
impl Picture {
    fn row(&self, y: usize) -> Vec<f64> {
        self.luma[y * self.width..(y + 1) * self.width].to_vec()
    }

    /// Column `x`, top to bottom.
    fn column(&self, x: usize) -> Vec<f64> {
        (0..self.height)
            .map(|y| self.luma[y * self.width + x])
            .collect()
    }
}

/// Mean absolute difference between `a` and `b` at the sideways shift
/// (with wrap-around) of `b` that fits best.
fn best_shift_error(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let n = a.len();
    (0..n)
        .map(|shift| {
            (0..n)
                .map(|x| (a[x] - b[(x + shift) % n]).abs())
                .sum::<f64>()
                / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn reversed(v: &[f64]) -> Vec<f64> {
    v.iter().rev().copied().collect()
}

/// A test-source server with a viewer connected, and its media folder.
struct Rig {
    server: common::TestServer,
    ws: common::Ws,
    media: std::path::PathBuf,
}

/// A test-source server at 320x240 with this correction, its picture
/// brought into focus (the simulated lens starts blurred).
async fn sharp_server(rotate: Rotation, flip: Flip) -> Rig {
    let mut config = common::test_config(WIDTH as u32, HEIGHT as u32, 15);
    config.camera.rotate = rotate;
    config.camera.flip = flip;
    let media = config.media.dir.clone();
    let server = common::start_live(config).await;
    let res = common::http_request(
        server.addr,
        "POST",
        "/api/actions/focus",
        &[],
        br#"{"position":0.62}"#,
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let mut ws = ws_connect(&server).await;
    // A few frames later the new focus is in every frame.
    for _ in 0..4 {
        next_frame(&mut ws).await;
    }
    Rig { server, ws, media }
}

/// Takes a snapshot; returns its catalogue entry and the saved picture.
async fn snapshot(rig: &Rig) -> (serde_json::Value, Vec<u8>) {
    let res =
        common::http_request(rig.server.addr, "POST", "/api/actions/snapshot", &[], b"{}").await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let entry = res.json();
    let file = rig.media.join(entry["file_name"].as_str().unwrap());
    (entry, std::fs::read(file).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_horizontal_flip_gives_the_mirror_image() {
    let (plain, flipped) = tokio::join!(
        sharp_server(Rotation::None, Flip::None),
        sharp_server(Rotation::None, Flip::Horizontal)
    );
    let (_, plain_jpeg) = snapshot(&plain).await;
    let (entry, flipped_jpeg) = snapshot(&flipped).await;
    assert_eq!(
        (entry["width"].as_u64(), entry["height"].as_u64()),
        (Some(320), Some(240))
    );
    let (plain_pic, flipped_pic) = (Picture::decode(&plain_jpeg), Picture::decode(&flipped_jpeg));
    assert_eq!((flipped_pic.width, flipped_pic.height), (WIDTH, HEIGHT));

    let original = plain_pic.row(BAR_ROW);
    let as_is = best_shift_error(&original, &flipped_pic.row(BAR_ROW));
    let mirrored_back = best_shift_error(&original, &reversed(&flipped_pic.row(BAR_ROW)));
    assert!(
        mirrored_back < 4.0 && as_is > 15.0,
        "the flipped bars should be the original's mirror image: \
         differ by {mirrored_back:.1} mirrored back, {as_is:.1} as they are"
    );
    // Without the flip the two servers' pictures are alike as they are.
    let (_, again) = snapshot(&plain).await;
    let unflipped = best_shift_error(&original, &Picture::decode(&again).row(BAR_ROW));
    assert!(
        unflipped < 4.0,
        "two unflipped pictures differ by {unflipped:.1}"
    );
    plain.server.stop().await;
    flipped.server.stop().await;
}

/// Width and height of the video at `path`, from `ffprobe`.
fn video_size(path: &Path) -> (u64, u64) {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-of",
            "json",
            "-show_entries",
            "stream=width,height",
        ])
        .arg(path)
        .output()
        .expect("ffprobe is missing: install the Debian package ffmpeg");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stream = &v["streams"][0];
    (
        stream["width"].as_u64().unwrap(),
        stream["height"].as_u64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quarter_turn_swaps_width_and_height_everywhere() {
    let (plain, mut turned) = tokio::join!(
        sharp_server(Rotation::None, Flip::None),
        sharp_server(Rotation::Clockwise90, Flip::None)
    );

    // Snapshots: 240 wide, 320 high, the picture turned clockwise: the
    // unturned picture's row y is the turned one's column 239 - y, read
    // from the top.
    let (entry, jpeg) = snapshot(&turned).await;
    assert_eq!(common::jpeg_size(&jpeg), (240, 320));
    assert_eq!(
        (entry["width"].as_u64(), entry["height"].as_u64()),
        (Some(240), Some(320))
    );
    let (_, plain_jpeg) = snapshot(&plain).await;
    let original = Picture::decode(&plain_jpeg).row(BAR_ROW);
    let column = Picture::decode(&jpeg).column(HEIGHT - 1 - BAR_ROW);
    let clockwise = best_shift_error(&original, &column);
    let counter_clockwise = best_shift_error(&original, &reversed(&column));
    assert!(
        clockwise < 4.0 && counter_clockwise > 15.0,
        "the picture should be turned clockwise: differs by {clockwise:.1} from that, \
         {counter_clockwise:.1} from a counter-clockwise turn"
    );
    plain.server.stop().await;

    // Live frames, and at half size.
    let (header, frame) = next_frame(&mut turned.ws).await;
    assert_eq!((header.width, header.height), (240, 320));
    assert_eq!(common::jpeg_size(&frame), (240, 320));
    turned
        .ws
        .send(Message::text(
            r#"{"id":2,"cmd":"set_view","half_resolution":true}"#,
        ))
        .await
        .unwrap();
    common::within(common::STEP, "a half-size turned frame", async {
        loop {
            let (header, frame) = next_frame(&mut turned.ws).await;
            if (header.width, header.height) == (120, 160) {
                assert_eq!(common::jpeg_size(&frame), (120, 160));
                return;
            }
        }
    })
    .await;

    // A recording.
    let res = common::http_request(
        turned.server.addr,
        "POST",
        "/api/actions/record_start",
        &[],
        b"{}",
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let addr = turned.server.addr;
    common::wait_until(common::STEP, "10 recorded frames", || async move {
        common::api_state(addr)
            .await
            .is_some_and(|s| s.recording.active.is_some_and(|active| active.frames >= 10))
    })
    .await;
    let res = common::http_request(
        turned.server.addr,
        "POST",
        "/api/actions/record_stop",
        &[],
        b"{}",
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let entry = res.json();
    let file = turned.media.join(entry["file_name"].as_str().unwrap());
    assert_eq!(video_size(&file), (240, 320));
    assert_eq!(
        (entry["width"].as_u64(), entry["height"].as_u64()),
        (Some(240), Some(320))
    );
    turned.server.stop().await;
}
