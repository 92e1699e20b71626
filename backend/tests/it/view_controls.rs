//! View controls on the running pipeline: grayscale checked from the
//! pixels of received frames, half resolution from the JPEG size, both
//! without a restart (sequence numbers keep counting), and a second viewer
//! sees the new settings in its state.

use crate::common;

use crate::common::{next_frame, next_reply, ws_connect};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

/// Largest difference between the colour channels over all pixels.
fn max_chroma(jpeg: &[u8]) -> u8 {
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    let pixels = decoder.decode().unwrap();
    let info = decoder.info().unwrap();
    if info.pixel_format == jpeg_decoder::PixelFormat::L8 {
        return 0;
    }
    pixels
        .chunks_exact(3)
        .map(|p| p.iter().max().unwrap() - p.iter().min().unwrap())
        .max()
        .unwrap()
}

/// Receives frames until `accept` holds for one, within a few frames.
async fn frame_where(ws: &mut common::Ws, accept: impl Fn(&[u8]) -> bool) -> (u64, Vec<u8>) {
    for _ in 0..10 {
        let (header, jpeg) = next_frame(ws).await;
        if accept(&jpeg) {
            return (header.sequence, jpeg);
        }
    }
    panic!("no matching frame within 10 frames");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grayscale_and_half_resolution_change_the_live_picture() {
    let server = common::start_live(common::test_config(320, 240, 30)).await;
    let mut a = ws_connect(&server).await;
    let mut b = ws_connect(&server).await;

    let (seq0, colour) = frame_where(&mut a, |_| true).await;
    assert!(
        max_chroma(&colour) > 100,
        "the test pattern should be colourful"
    );
    assert_eq!(common::jpeg_size(&colour), (320, 240));

    a.send(Message::text(
        r#"{"id":1,"cmd":"set_view","grayscale":true}"#,
    ))
    .await
    .unwrap();
    let reply = next_reply(&mut a).await;
    assert_eq!(reply["id"], 1);
    assert_eq!(reply["state"]["camera"]["view"]["grayscale"], true);
    let (seq1, _) = frame_where(&mut a, |jpeg| max_chroma(jpeg) < 16).await;
    assert!(seq1 > seq0);

    a.send(Message::text(
        r#"{"id":2,"cmd":"set_view","half_resolution":true}"#,
    ))
    .await
    .unwrap();
    let reply = next_reply(&mut a).await;
    assert_eq!(
        reply["state"]["camera"]["view"],
        serde_json::json!({"grayscale": true, "half_resolution": true})
    );
    let (seq2, half) = frame_where(&mut a, |jpeg| common::jpeg_size(jpeg) == (160, 120)).await;
    assert!(seq2 > seq1, "the pipeline restarted or stalled");
    assert!(max_chroma(&half) < 16);

    // The other viewer was told and receives the same picture.
    let state = common::within(common::STEP, "b to see the new view", async {
        loop {
            if let Message::Text(text) = common::next_message(&mut b).await {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                if v["type"] == "state" && v["state"]["camera"]["view"]["half_resolution"] == true {
                    return v;
                }
            }
        }
    })
    .await;
    assert_eq!(state["state"]["camera"]["view"]["grayscale"], true);
    frame_where(&mut b, |jpeg| common::jpeg_size(jpeg) == (160, 120)).await;

    a.send(Message::text(
        r#"{"cmd":"set_view","grayscale":false,"half_resolution":false}"#,
    ))
    .await
    .unwrap();
    frame_where(&mut a, |jpeg| {
        common::jpeg_size(jpeg) == (320, 240) && max_chroma(jpeg) > 100
    })
    .await;
    server.stop().await;
}
