//! How frames get from the camera to its viewers. JPEGs go through the
//! latest-frame slot: the pipeline's streaming thread publishes each JPEG
//! once, already wrapped in both wire forms (WebSocket message and MJPEG
//! part); every viewer holds a receiver and, whenever it is ready, takes
//! the newest frame. A slow viewer skips frames instead of queueing them,
//! so it never delays the others and never grows memory. H.264 access
//! units cannot be skipped one by one (each depends on the ones before),
//! so they go through the H.264 feed, a broadcast ring of the last
//! [`H264_BACKLOG`] messages shared by every viewer: each message is built
//! once and every viewer sends the same bytes; a viewer that falls behind
//! jumps to the newest key frame (see `ws.rs`).

use bytes::{Bytes, BytesMut};
use shared::{FrameHeader, FrameKind, frame::HEADER_LEN, mjpeg};
use tokio::sync::{broadcast, watch};

/// One encoded frame in the forms the server sends it.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Sequence, capture time and size.
    pub header: FrameHeader,
    /// Header followed by the JPEG: one WebSocket binary message.
    pub ws_message: Bytes,
    /// Part head, JPEG and tail: one part of the MJPEG stream (empty for
    /// H.264).
    pub mjpeg_part: Bytes,
}

impl Frame {
    /// Wraps an encoded picture of the kind the header names.
    pub fn new(header: FrameHeader, picture: &[u8]) -> Self {
        let mut ws = BytesMut::with_capacity(HEADER_LEN + picture.len());
        ws.extend_from_slice(&header.encode());
        ws.extend_from_slice(picture);
        if header.kind != FrameKind::Jpeg {
            return Frame {
                header,
                ws_message: ws.freeze(),
                mjpeg_part: Bytes::new(),
            };
        }
        let jpeg = picture;
        let head = mjpeg::part_head(jpeg.len());
        let mut part = BytesMut::with_capacity(head.len() + jpeg.len() + mjpeg::PART_TAIL.len());
        part.extend_from_slice(&head);
        part.extend_from_slice(jpeg);
        part.extend_from_slice(mjpeg::PART_TAIL);
        Frame {
            header,
            ws_message: ws.freeze(),
            mjpeg_part: part.freeze(),
        }
    }

    /// The picture alone, without the header (no copy).
    pub fn jpeg(&self) -> Bytes {
        self.ws_message.slice(HEADER_LEN..)
    }
}

/// Publishing side of the slot, held by the camera.
pub type FrameSender = watch::Sender<Option<Frame>>;
/// Viewing side of the slot; `borrow_and_update` gives the newest frame.
pub type FrameReceiver = watch::Receiver<Option<Frame>>;

/// Creates an empty slot.
pub fn slot() -> (FrameSender, FrameReceiver) {
    watch::channel(None)
}

/// Access units the H.264 feed keeps for viewers that are a little behind
/// (about two seconds at 30 fps).
pub const H264_BACKLOG: usize = 64;

/// Publishing side of the H.264 feed, held by the camera.
pub type H264Sender = broadcast::Sender<Frame>;

/// Creates the H.264 feed.
pub fn h264_feed() -> H264Sender {
    broadcast::channel(H264_BACKLOG).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_wire_forms_carry_the_same_jpeg() {
        let header = FrameHeader {
            sequence: 5,
            captured_us: 9,
            width: 2,
            height: 2,
            ..FrameHeader::default()
        };
        let frame = Frame::new(header, b"\xff\xd8abc\xff\xd9");
        assert_eq!(&frame.jpeg()[..], b"\xff\xd8abc\xff\xd9");
        assert_eq!(FrameHeader::decode(&frame.ws_message).unwrap().0, header);
        let mut reader = mjpeg::PartReader::default();
        reader.push(&frame.mjpeg_part);
        assert_eq!(reader.next_part().unwrap().unwrap(), frame.jpeg().to_vec());
    }

    #[test]
    fn a_slow_receiver_sees_only_the_newest_frame() {
        let (tx, mut rx) = slot();
        for seq in 0..100 {
            let header = FrameHeader {
                sequence: seq,
                captured_us: 0,
                width: 1,
                height: 1,
                ..FrameHeader::default()
            };
            tx.send_replace(Some(Frame::new(header, b"x")));
        }
        assert!(rx.has_changed().unwrap());
        let newest = rx.borrow_and_update().clone().unwrap();
        assert_eq!(newest.header.sequence, 99);
        assert!(!rx.has_changed().unwrap());
    }
}
