//! The latest-frame slot between the camera and its viewers. The pipeline's
//! streaming thread publishes each JPEG once, already wrapped in both wire
//! forms (WebSocket message and MJPEG part); every viewer holds a receiver
//! and, whenever it is ready, takes the newest frame. A slow viewer skips
//! frames instead of queueing them, so it never delays the others and never
//! grows memory.

use bytes::{Bytes, BytesMut};
use shared::{FrameHeader, frame::HEADER_LEN, mjpeg};
use tokio::sync::watch;

/// One encoded frame in the forms the server sends it.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Sequence, capture time and size.
    pub header: FrameHeader,
    /// Header followed by the JPEG: one WebSocket binary message.
    pub ws_message: Bytes,
    /// Part head, JPEG and tail: one part of the MJPEG stream.
    pub mjpeg_part: Bytes,
}

impl Frame {
    /// Wraps a JPEG image.
    pub fn new(header: FrameHeader, jpeg: &[u8]) -> Self {
        let mut ws = BytesMut::with_capacity(HEADER_LEN + jpeg.len());
        ws.extend_from_slice(&header.encode());
        ws.extend_from_slice(jpeg);
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

    /// The JPEG image alone (no copy).
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
            };
            tx.send_replace(Some(Frame::new(header, b"x")));
        }
        assert!(rx.has_changed().unwrap());
        let newest = rx.borrow_and_update().clone().unwrap();
        assert_eq!(newest.header.sequence, 99);
        assert!(!rx.has_changed().unwrap());
    }
}
