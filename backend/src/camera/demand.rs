//! Who needs the camera's pictures right now. Every consumer holds a
//! [`DemandGuard`] for what it takes: a JPEG viewer (WebSocket or
//! `/video_feed`) or a snapshot waiting for its picture, an H.264 viewer,
//! or a recording (raw frames). The counts live in one `watch` channel the
//! camera's supervisor follows: it opens the valve in front of each
//! encoder only while someone takes its output, and pauses the whole
//! pipeline when nobody needs anything for a while. A new H.264 viewer
//! asks for a key frame through [`Demand::request_key_frame`], so it
//! starts within a frame instead of waiting for the next group of
//! pictures; requests close together become one.

use std::sync::Arc;

use tokio::sync::{Notify, watch};

/// How many consumers of each kind there are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wants {
    /// JPEG viewers and snapshots waiting for a picture.
    pub jpeg: u32,
    /// H.264 viewers (and the restream).
    pub h264: u32,
    /// Recordings (the raw frames of the recording tap).
    pub raw: u32,
}

impl Wants {
    /// Whether anyone needs frames at all.
    pub fn any(&self) -> bool {
        self.jpeg + self.h264 + self.raw > 0
    }
}

/// What a consumer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// JPEG pictures.
    Jpeg,
    /// H.264 access units.
    H264,
    /// Raw frames for a recording.
    Raw,
}

/// The demand for the camera's output; cheap to clone.
#[derive(Clone)]
pub struct Demand {
    wants: Arc<watch::Sender<Wants>>,
    key_frames: Arc<Notify>,
}

impl Default for Demand {
    fn default() -> Self {
        Demand {
            wants: Arc::new(watch::channel(Wants::default()).0),
            key_frames: Arc::new(Notify::new()),
        }
    }
}

impl Demand {
    /// Counts one consumer of `need` until the guard is dropped.
    pub fn take(&self, need: Need) -> DemandGuard {
        self.add(need, true);
        DemandGuard {
            demand: self.clone(),
            need,
        }
    }

    /// The counts now.
    pub fn current(&self) -> Wants {
        *self.wants.borrow()
    }

    /// Follows the counts.
    pub fn subscribe(&self) -> watch::Receiver<Wants> {
        self.wants.subscribe()
    }

    /// Asks the H.264 encoder for a key frame as soon as it can.
    pub fn request_key_frame(&self) {
        self.key_frames.notify_one();
    }

    /// Resolves when a key frame was asked for (once for any number of
    /// requests since the last time).
    pub async fn key_frame_requested(&self) {
        self.key_frames.notified().await;
    }

    fn add(&self, need: Need, more: bool) {
        self.wants.send_modify(|wants| {
            let count = match need {
                Need::Jpeg => &mut wants.jpeg,
                Need::H264 => &mut wants.h264,
                Need::Raw => &mut wants.raw,
            };
            *count = if more {
                count.saturating_add(1)
            } else {
                count.saturating_sub(1)
            };
        });
    }
}

/// One consumer's share of the demand; released when dropped.
pub struct DemandGuard {
    demand: Demand,
    need: Need,
}

impl DemandGuard {
    /// What this guard counts.
    pub fn need(&self) -> Need {
        self.need
    }
}

impl Drop for DemandGuard {
    fn drop(&mut self) {
        self.demand.add(self.need, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_count_while_they_live() {
        let demand = Demand::default();
        let mut changes = demand.subscribe();
        assert!(!demand.current().any());
        let jpeg = demand.take(Need::Jpeg);
        let h264 = [demand.take(Need::H264), demand.take(Need::H264)];
        assert_eq!(
            demand.current(),
            Wants {
                jpeg: 1,
                h264: 2,
                raw: 0
            }
        );
        assert!(changes.has_changed().unwrap());
        changes.mark_unchanged();
        drop(h264);
        drop(jpeg);
        assert!(changes.has_changed().unwrap());
        assert_eq!(demand.current(), Wants::default());
        let raw = demand.take(Need::Raw);
        assert!(demand.current().any());
        assert_eq!(raw.need(), Need::Raw);
    }

    #[tokio::test]
    async fn many_key_frame_requests_wake_the_encoder_once() {
        let demand = Demand::default();
        for _ in 0..5 {
            demand.request_key_frame();
        }
        demand.key_frame_requested().await;
        let again = futures_util::FutureExt::now_or_never(demand.key_frame_requested());
        assert!(again.is_none(), "the five requests were one");
    }
}
