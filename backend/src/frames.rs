//! How frames get from the camera to its viewers. JPEGs go through the
//! latest-frame slot: the pipeline's streaming thread publishes each JPEG
//! once, already wrapped in both wire forms (WebSocket message and MJPEG
//! part); every viewer holds a receiver and, whenever it is ready, takes
//! the newest frame. A slow viewer skips frames instead of queueing them,
//! so it never delays the others and never grows memory. H.264 access
//! units cannot be skipped one by one (each depends on the ones before),
//! so they go through the H.264 feed, a broadcast ring of the last
//! [`H264_BACKLOG`] messages shared by every viewer: each message is built
//! once and every viewer sends the same bytes. Every reader of the ring
//! (WebSocket viewers, the restream) follows it through an [`H264Cursor`],
//! which starts at a key frame and, when its reader falls behind, skips to
//! the next key frame and asks the camera for one.

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

/// One reader's place in the H.264 feed. It hands out every access unit
/// from a key frame on, so what it yields can always be decoded: a fresh
/// cursor waits for a key frame, and a reader that falls behind (the ring
/// overwrote access units it had not read, or more than `max_behind` wait
/// for it) does not work through the backlog but drops it, skips to the
/// next key frame and asks for one at once ([`restart`](Self::restart)).
/// Asking goes through the `request_key_frame` closure given to
/// [`new`](Self::new) (the camera's
/// [`Demand::request_key_frame`](crate::camera::demand::Demand::request_key_frame)).
pub struct H264Cursor {
    frames: broadcast::Receiver<Frame>,
    max_behind: usize,
    /// Dropping access units until the next key frame.
    need_key: bool,
    request_key_frame: Box<dyn Fn() + Send + Sync>,
}

impl H264Cursor {
    /// Follows the feed `frames` was subscribed to, from its next key
    /// frame on, which is asked for now.
    pub fn new(
        frames: broadcast::Receiver<Frame>,
        max_behind: usize,
        request_key_frame: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        let cursor = H264Cursor {
            frames,
            max_behind,
            need_key: true,
            request_key_frame: Box::new(request_key_frame),
        };
        (cursor.request_key_frame)();
        cursor
    }

    /// The next access unit to send, or `None` once the feed has closed
    /// (the camera is gone). Cancel-safe: dropping the future loses no
    /// frame that would have been handed out.
    pub async fn next(&mut self) -> Option<Frame> {
        loop {
            let frame = match self.frames.recv().await {
                Ok(frame) => frame,
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.restart();
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            if self.frames.len() > self.max_behind {
                self.restart();
                continue;
            }
            if self.need_key {
                if !frame.header.key {
                    continue;
                }
                self.need_key = false;
            }
            return Some(frame);
        }
    }

    /// Drops whatever waits for this reader and starts again at the next
    /// key frame, which is asked for now.
    pub fn restart(&mut self) {
        self.frames = self.frames.resubscribe();
        self.need_key = true;
        (self.request_key_frame)();
    }
}

impl std::fmt::Debug for H264Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H264Cursor")
            .field("waiting", &self.frames.len())
            .field("max_behind", &self.max_behind)
            .field("need_key", &self.need_key)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::FutureExt;

    use super::*;

    /// An H.264 access unit.
    fn au(sequence: u64, key: bool) -> Frame {
        let header = FrameHeader {
            sequence,
            kind: FrameKind::H264,
            key,
            ..FrameHeader::default()
        };
        Frame::new(header, b"au")
    }

    /// A cursor on `feed` whose key frame requests are counted.
    fn counted_cursor(feed: &H264Sender, max_behind: usize) -> (H264Cursor, Arc<AtomicUsize>) {
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let request = move || {
            counter.fetch_add(1, Ordering::SeqCst);
        };
        (
            H264Cursor::new(feed.subscribe(), max_behind, request),
            requests,
        )
    }

    /// What the cursor hands out without waiting: `None` when it would
    /// wait, `Some(None)` when the feed is closed, else the sequence.
    fn next_now(cursor: &mut H264Cursor) -> Option<Option<u64>> {
        cursor
            .next()
            .now_or_never()
            .map(|frame| frame.map(|f| f.header.sequence))
    }

    fn send(feed: &H264Sender, sequences: impl IntoIterator<Item = u64>, key: bool) {
        for sequence in sequences {
            feed.send(au(sequence, key)).unwrap();
        }
    }

    #[test]
    fn a_fresh_cursor_starts_at_a_key_frame() {
        let feed = h264_feed();
        let (mut cursor, requests) = counted_cursor(&feed, 8);
        assert_eq!(requests.load(Ordering::SeqCst), 1, "asked for at once");
        send(&feed, [1, 2], false);
        send(&feed, [3], true);
        send(&feed, [4, 5], false);
        assert_eq!(next_now(&mut cursor), Some(Some(3)));
        assert_eq!(next_now(&mut cursor), Some(Some(4)));
        assert_eq!(next_now(&mut cursor), Some(Some(5)));
        assert_eq!(next_now(&mut cursor), None, "waits for more");
        assert_eq!(requests.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_lagging_cursor_skips_to_a_key_frame_and_asks_for_one_once() {
        let feed = h264_feed();
        let (mut cursor, requests) = counted_cursor(&feed, usize::MAX);
        send(&feed, [0], true);
        assert_eq!(next_now(&mut cursor), Some(Some(0)));
        // The ring overwrites ten access units this reader has not read.
        let overrun = H264_BACKLOG as u64 + 10;
        send(&feed, 1..=overrun, false);
        assert_eq!(next_now(&mut cursor), None, "the backlog is dropped");
        assert_eq!(requests.load(Ordering::SeqCst), 2);
        send(&feed, [overrun + 1], false);
        send(&feed, [overrun + 2], true);
        send(&feed, [overrun + 3], false);
        assert_eq!(next_now(&mut cursor), Some(Some(overrun + 2)));
        assert_eq!(next_now(&mut cursor), Some(Some(overrun + 3)));
        assert_eq!(
            requests.load(Ordering::SeqCst),
            2,
            "one request for the lag"
        );
    }

    #[test]
    fn a_cursor_too_far_behind_skips_to_the_next_key_frame() {
        let feed = h264_feed();
        let (mut cursor, requests) = counted_cursor(&feed, 3);
        send(&feed, [0], true);
        assert_eq!(next_now(&mut cursor), Some(Some(0)));
        // Three waiting behind the one taken: still within the limit.
        send(&feed, 1..=4, false);
        for sequence in 1..=4 {
            assert_eq!(next_now(&mut cursor), Some(Some(sequence)));
        }
        assert_eq!(requests.load(Ordering::SeqCst), 1);
        // Four waiting behind it: too far.
        send(&feed, 5..=9, false);
        assert_eq!(next_now(&mut cursor), None, "the backlog is dropped");
        assert_eq!(requests.load(Ordering::SeqCst), 2);
        send(&feed, [10], false);
        send(&feed, [11], true);
        assert_eq!(next_now(&mut cursor), Some(Some(11)));
        assert_eq!(requests.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_restart_drops_the_backlog_and_asks_again() {
        let feed = h264_feed();
        let (mut cursor, requests) = counted_cursor(&feed, 8);
        send(&feed, [0], true);
        send(&feed, [1], false);
        cursor.restart();
        assert_eq!(requests.load(Ordering::SeqCst), 2);
        send(&feed, [2], false);
        send(&feed, [3], true);
        assert_eq!(next_now(&mut cursor), Some(Some(3)));
    }

    #[test]
    fn a_closed_feed_ends_the_cursor() {
        let feed = h264_feed();
        let (mut cursor, _) = counted_cursor(&feed, 8);
        send(&feed, [0], true);
        drop(feed);
        assert_eq!(
            next_now(&mut cursor),
            Some(Some(0)),
            "what was sent still comes"
        );
        assert_eq!(next_now(&mut cursor), Some(None));
        assert_eq!(next_now(&mut cursor), Some(None));
    }

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
