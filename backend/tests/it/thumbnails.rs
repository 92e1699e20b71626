//! Thumbnails and probing of real files: a JPEG the camera produced and an H.264 MP4
//! recorded by GStreamer, through `GET /api/media/{id}/thumbnail`; each is
//! a JPEG 320 px wide with the source's aspect ratio, cached after the
//! first request; a file that is not media gives a clear 422.

use crate::common;

use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;

/// Records `frames` frames of the test pattern at 640x360 into an MP4.
fn record_mp4(path: &Path, frames: u32) {
    gst::init().unwrap();
    let description = format!(
        "videotestsrc num-buffers={frames} ! video/x-raw,width=640,height=360,framerate=30/1 ! \
         videoconvert ! video/x-raw,format=I420 ! x264enc ! mp4mux ! filesink location={}",
        path.display()
    );
    let pipeline = gst::parse::launch(&description).unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let bus = pipeline.bus().unwrap();
    let msg = bus
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(30),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .expect("recording did not finish");
    assert!(matches!(msg.view(), gst::MessageView::Eos(_)), "{msg:?}");
    pipeline.set_state(gst::State::Null).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_and_videos_get_cached_thumbnails() {
    let config = common::test_config(640, 480, 10);
    let dir = config.media.dir.clone();
    record_mp4(&dir.join("clip.mp4"), 30);
    std::fs::write(dir.join("broken.jpg"), b"this is not a jpeg").unwrap();
    let server = common::start_live(config).await;
    let snapshot = common::http_get(server.addr, "/snapshot.jpg").await;
    assert_eq!(snapshot.status, 200);
    std::fs::write(dir.join("photo.jpg"), &snapshot.body).unwrap();

    for (name, expected_height) in [("photo.jpg", 240), ("clip.mp4", 180)] {
        let created = common::import(server.addr, name).await;
        assert_eq!(created.status, 201);
        let entry = created.json();
        let id = entry["id"].as_i64().unwrap();
        if name == "clip.mp4" {
            // 30 frames at 30 fps, probed on import.
            assert_eq!(
                (entry["width"].as_u64(), entry["height"].as_u64()),
                (Some(640), Some(360))
            );
            assert_eq!(entry["frame_count"], 30, "{entry}");
            let ms = entry["duration_ms"].as_u64().unwrap();
            assert!((950..=1050).contains(&ms), "duration {ms} ms");
        }
        let thumb = common::http_get(server.addr, &format!("/api/media/{id}/thumbnail")).await;
        assert_eq!(
            thumb.status,
            200,
            "{name}: {:?}",
            String::from_utf8_lossy(&thumb.body)
        );
        assert_eq!(thumb.header("content-type"), Some("image/jpeg"));
        assert_eq!(
            common::jpeg_size(&thumb.body),
            (320, expected_height),
            "{name}"
        );
        assert!(
            dir.join(format!(".thumbnails/{id}.jpg")).is_file(),
            "{name} not cached"
        );
        let again = common::http_get(server.addr, &format!("/api/media/{id}/thumbnail")).await;
        assert_eq!(again.body, thumb.body);
    }

    let created = common::import(server.addr, "broken.jpg").await;
    let id = created.json()["id"].as_i64().unwrap();
    let refused = common::http_get(server.addr, &format!("/api/media/{id}/thumbnail")).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.json()["code"], "unprocessable");
    // The thumbnail folder is not media: nothing in it is importable.
    let untracked = common::http_get(server.addr, "/api/media/untracked")
        .await
        .json();
    assert_eq!(untracked, serde_json::json!([]));
    server.stop().await;
}

/// Thumbnails asked for while their entries are deleted leave no file
/// behind in the cache (a thumbnail written after the delete removed the
/// cache used to stay for ever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thumbnail_racing_a_delete_leaves_no_orphan() {
    let config = common::test_config(160, 120, 10);
    let dir = config.media.dir.clone();
    let server = common::start_live(config).await;
    let addr = server.addr;
    // A real JPEG from the camera.
    let photo = common::http_get(addr, "/snapshot.jpg").await.body;
    for i in 0..20 {
        let name = format!("race{i}.jpg");
        std::fs::write(dir.join(&name), &photo).unwrap();
        let id = common::import(addr, &name).await.json()["id"]
            .as_i64()
            .unwrap();
        let thumb = format!("/api/media/{id}/thumbnail");
        let remove = format!("/api/media/{id}");
        let (t, d) = tokio::join!(
            common::http_get(addr, &thumb),
            common::http_request(addr, "DELETE", &remove, &[], b"")
        );
        assert!(matches!(t.status, 200 | 404), "thumbnail: {}", t.status);
        assert_eq!(d.status, 204);
    }
    let cache = dir.join(".thumbnails");
    let left: Vec<_> = std::fs::read_dir(&cache)
        .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "orphan thumbnails: {left:?}");
    server.stop().await;
}
