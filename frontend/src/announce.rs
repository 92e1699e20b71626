//! What the screen reader is told, and when: the [`Pacer`] watches the
//! rig's state as it arrives ([`Seen`]) and gives the sentences to say:
//! the link lost and back, the camera going offline (with the reason) and
//! live again, a recording starting and stopping (with how long it ran),
//! and the heart rate, when it has moved 5 bpm or more since it was last
//! said and at most every 30 seconds, and at once when the signal is
//! lost. Only changes are said, never the state found on arrival, and
//! nothing while the link is down (what happened meanwhile is said when
//! it is back). Pure, tested on the host; the
//! [`Announcer`](crate::components::announcer::Announcer) feeds it and
//! puts its sentences into a polite live region.

use crate::decimal::fixed;
use crate::format;

/// How far the heart rate must move before it is said again, in bpm.
pub const HEART_STEP_BPM: f32 = 5.0;
/// The least time between two heart-rate readings said, in milliseconds.
pub const HEART_EVERY_MS: f64 = 30_000.0;
/// The longest a recording can have run on past its last reported
/// elapsed time before the stop is seen (the server reports every second).
const REPORT_GAP_MS: f64 = 1_000.0;

/// The camera, as far as it is said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Camera {
    /// Frames are flowing.
    Live,
    /// Starting up.
    Starting,
    /// Offline, with the reason the server gave (may be empty).
    Offline(String),
}

/// The heart rate, as far as it is said.
#[derive(Clone, Debug, PartialEq)]
pub enum Heart {
    /// No pulse sensor to speak of (no device, or one without a sensor).
    Absent,
    /// A reading, in beats per minute.
    Reading(f32),
    /// No reading, and why in plain words.
    Lost(String),
}

/// A recording in progress, as far as it is said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recording {
    /// Its catalogue id (a new id is a new recording).
    pub id: i64,
    /// Its running time when the server sent the state.
    pub elapsed_ms: u64,
}

/// The state as it arrived.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    /// The link to the server is up; the rest means nothing otherwise.
    pub link_up: bool,
    /// The camera, once the server's state has arrived.
    pub camera: Option<Camera>,
    /// The recording in progress.
    pub recording: Option<Recording>,
    /// The heart rate.
    pub heart: Heart,
}

/// A recording being followed: when its elapsed time was last reported.
#[derive(Clone, Copy, Debug)]
struct Followed {
    id: i64,
    elapsed_ms: u64,
    reported_at: f64,
}

/// What was seen and said so far.
#[derive(Debug, Default)]
pub struct Pacer {
    /// Whether the link was up at the last observation (`None` before
    /// the first).
    link_up: Option<bool>,
    /// The link was lost after having been up.
    link_lost: bool,
    /// The camera when last seen with the link up.
    camera: Option<Camera>,
    /// The recording when last seen with the link up.
    recording: Option<Followed>,
    /// Whether a state was seen with the link up: what is found then
    /// is taken as it is, not said.
    arrived: bool,
    /// The rate last said, rounded; `None` when nothing was said since
    /// the start or since the signal was said lost.
    said_bpm: Option<f32>,
    /// When a rate was last said.
    said_bpm_at: Option<f64>,
}

impl Pacer {
    /// Takes in `seen`, arrived at `now_ms` (milliseconds on any
    /// monotonic clock), and gives what is to be said, in order.
    pub fn observe(&mut self, seen: &Seen, now_ms: f64) -> Vec<String> {
        let mut said = Vec::new();
        let was_up = self.link_up.replace(seen.link_up);
        if !seen.link_up {
            if was_up == Some(true) {
                self.link_lost = true;
                said.push("Connection lost".to_owned());
            }
            return said;
        }
        if was_up == Some(false) && std::mem::take(&mut self.link_lost) {
            said.push("Connected".to_owned());
        }
        self.camera_changes(seen, &mut said);
        self.recording_changes(seen, now_ms, &mut said);
        self.heart_changes(seen, now_ms, &mut said);
        self.arrived = true;
        said
    }

    fn camera_changes(&mut self, seen: &Seen, said: &mut Vec<String>) {
        let Some(now) = seen.camera.clone() else {
            return;
        };
        // The camera found on arrival is taken as it is.
        let before = self.camera.replace(now.clone()).filter(|_| self.arrived);
        match (before, now) {
            (Some(Camera::Offline(_)), Camera::Live) => said.push("Camera live again".to_owned()),
            (Some(Camera::Live | Camera::Starting), Camera::Offline(reason)) => {
                said.push(if reason.trim().is_empty() {
                    "Camera offline".to_owned()
                } else {
                    format!("Camera offline: {}", reason.trim())
                })
            }
            _ => {}
        }
    }

    fn recording_changes(&mut self, seen: &Seen, now_ms: f64, said: &mut Vec<String>) {
        let before = self.recording;
        self.recording = seen.recording.map(|r| Followed {
            id: r.id,
            elapsed_ms: r.elapsed_ms,
            reported_at: now_ms,
        });
        if !self.arrived {
            return;
        }
        if let Some(old) = before
            && seen.recording.is_none_or(|r| r.id != old.id)
        {
            let ran = old.elapsed_ms as f64 + (now_ms - old.reported_at).clamp(0.0, REPORT_GAP_MS);
            said.push(format!("Recording stopped after {}", duration(ran)));
        }
        if let Some(now) = seen.recording
            && before.is_none_or(|old| old.id != now.id)
        {
            said.push("Recording started".to_owned());
        }
    }

    fn heart_changes(&mut self, seen: &Seen, now_ms: f64, said: &mut Vec<String>) {
        match &seen.heart {
            Heart::Absent => {}
            Heart::Reading(bpm) if !self.arrived => {
                self.said_bpm = Some(bpm.round());
                self.said_bpm_at = Some(now_ms);
            }
            Heart::Reading(bpm) => {
                let bpm = bpm.round();
                let moved = self
                    .said_bpm
                    .is_none_or(|before| (bpm - before).abs() >= HEART_STEP_BPM);
                let rested = self
                    .said_bpm_at
                    .is_none_or(|at| now_ms - at >= HEART_EVERY_MS);
                if moved && rested {
                    said.push(format!("Heart rate {}", fixed(bpm.into(), 0)));
                    self.said_bpm = Some(bpm);
                    self.said_bpm_at = Some(now_ms);
                }
            }
            Heart::Lost(why) => {
                if self.said_bpm.take().is_some() {
                    said.push(if why.trim().is_empty() {
                        "Heart rate lost".to_owned()
                    } else {
                        format!("Heart rate lost: {}", why.trim())
                    });
                }
            }
        }
    }
}

/// A running time in words: "1 minute 5 seconds", "2 hours 1 second",
/// "less than a second".
pub fn duration(ms: f64) -> String {
    let total = (ms.max(0.0) / 1000.0).round() as u64;
    if total == 0 {
        return "less than a second".to_owned();
    }
    let parts = [
        (total / 3600, "hour", "hours"),
        (total / 60 % 60, "minute", "minutes"),
        (total % 60, "second", "seconds"),
    ];
    parts
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|&(n, one, many)| format::count(n, one, many))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> Seen {
        Seen {
            link_up: true,
            camera: Some(Camera::Live),
            recording: None,
            heart: Heart::Absent,
        }
    }

    fn recording(id: i64, elapsed_ms: u64) -> Option<Recording> {
        Some(Recording { id, elapsed_ms })
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration(65_000.0), "1 minute 5 seconds");
        assert_eq!(duration(65_400.0), "1 minute 5 seconds");
        assert_eq!(duration(1_000.0), "1 second");
        assert_eq!(duration(120_000.0), "2 minutes");
        assert_eq!(duration(3_601_000.0), "1 hour 1 second");
        assert_eq!(duration(200.0), "less than a second");
    }

    #[test]
    fn the_state_found_on_arrival_is_not_said() {
        let mut pacer = Pacer::default();
        let arriving = Seen {
            link_up: false,
            camera: None,
            ..live()
        };
        assert!(pacer.observe(&arriving, 0.0).is_empty());
        let found = Seen {
            camera: Some(Camera::Offline("unplugged".into())),
            recording: recording(1, 5_000),
            ..live()
        };
        assert!(pacer.observe(&found, 10.0).is_empty());
        // Still the same recording a second later: nothing.
        let later = Seen {
            recording: recording(1, 6_000),
            ..found
        };
        assert!(pacer.observe(&later, 1_010.0).is_empty());
    }

    #[test]
    fn recordings_are_said_to_start_and_stop_without_the_ticking_time() {
        let mut pacer = Pacer::default();
        assert!(pacer.observe(&live(), 0.0).is_empty());
        let started = Seen {
            recording: recording(7, 0),
            ..live()
        };
        assert_eq!(pacer.observe(&started, 1_000.0), ["Recording started"]);
        for second in 1..=65 {
            let running = Seen {
                recording: recording(7, second * 1000),
                ..live()
            };
            assert!(
                pacer
                    .observe(&running, 1_000.0 + (second * 1000) as f64)
                    .is_empty()
            );
        }
        assert_eq!(
            pacer.observe(&live(), 66_300.0),
            ["Recording stopped after 1 minute 5 seconds"]
        );
        // One stopping and the next starting in the same state.
        let first = Seen {
            recording: recording(8, 0),
            ..live()
        };
        pacer.observe(&first, 70_000.0);
        let second = Seen {
            recording: recording(9, 0),
            ..live()
        };
        assert_eq!(
            pacer.observe(&second, 71_000.0),
            ["Recording stopped after 1 second", "Recording started"]
        );
    }

    #[test]
    fn the_camera_and_the_link_say_their_changes() {
        let mut pacer = Pacer::default();
        pacer.observe(&live(), 0.0);
        let offline = Seen {
            camera: Some(Camera::Offline("device unplugged".into())),
            ..live()
        };
        assert_eq!(
            pacer.observe(&offline, 1.0),
            ["Camera offline: device unplugged"]
        );
        assert!(pacer.observe(&offline, 2.0).is_empty());
        let starting = Seen {
            camera: Some(Camera::Starting),
            ..live()
        };
        assert!(pacer.observe(&starting, 3.0).is_empty());
        assert!(pacer.observe(&live(), 4.0).is_empty());
        pacer.observe(&offline, 5.0);
        assert_eq!(pacer.observe(&live(), 6.0), ["Camera live again"]);

        let down = Seen {
            link_up: false,
            ..live()
        };
        assert_eq!(pacer.observe(&down, 7.0), ["Connection lost"]);
        // Nothing while down, even if the state is stale or odd.
        assert!(pacer.observe(&offline_down(), 8.0).is_empty());
        assert_eq!(pacer.observe(&live(), 9.0), ["Connected"]);
        assert!(pacer.observe(&live(), 10.0).is_empty());
    }

    fn offline_down() -> Seen {
        Seen {
            link_up: false,
            camera: Some(Camera::Offline("x".into())),
            ..live()
        }
    }

    #[test]
    fn what_changed_while_the_link_was_down_is_said_when_it_is_back() {
        let mut pacer = Pacer::default();
        let started = Seen {
            recording: recording(3, 4_000),
            ..live()
        };
        pacer.observe(&live(), 0.0);
        pacer.observe(&started, 1_000.0);
        let down = Seen {
            link_up: false,
            ..started.clone()
        };
        pacer.observe(&down, 2_000.0);
        // Back after a long break: the recording ran at least as long as
        // last reported, and at most a second more.
        assert_eq!(
            pacer.observe(&live(), 60_000.0),
            ["Connected", "Recording stopped after 5 seconds"]
        );
    }

    #[test]
    fn the_heart_rate_is_paced() {
        let mut pacer = Pacer::default();
        let heart = |bpm| Seen {
            heart: Heart::Reading(bpm),
            ..live()
        };
        let at = |pacer: &mut Pacer, seen: Seen, s: f64| pacer.observe(&seen, s * 1000.0);
        // The rate found on arrival is not said; one moved by 5 bpm is,
        // once 30 s have passed since the last said (or found).
        assert!(at(&mut pacer, heart(66.0), 0.0).is_empty());
        assert!(at(&mut pacer, heart(72.2), 10.0).is_empty());
        assert_eq!(at(&mut pacer, heart(72.2), 30.0), ["Heart rate 72"]);
        assert!(at(&mut pacer, heart(75.0), 50.0).is_empty());
        assert_eq!(at(&mut pacer, heart(80.0), 61.0), ["Heart rate 80"]);
        assert!(at(&mut pacer, heart(90.0), 70.0).is_empty());
        assert!(at(&mut pacer, heart(90.0), 90.0).is_empty());
        assert_eq!(at(&mut pacer, heart(90.0), 91.0), ["Heart rate 90"]);
        // A loss is said at once, once.
        let lost = || Seen {
            heart: Heart::Lost("finger not detected".into()),
            ..live()
        };
        assert_eq!(
            at(&mut pacer, lost(), 92.0),
            ["Heart rate lost: finger not detected"]
        );
        assert!(at(&mut pacer, lost(), 93.0).is_empty());
        // A reading again is said, but not sooner than 30 s after the
        // last; a loss before that is not said again.
        assert!(at(&mut pacer, heart(90.0), 100.0).is_empty());
        assert!(at(&mut pacer, lost(), 101.0).is_empty());
        assert_eq!(at(&mut pacer, heart(91.0), 121.0), ["Heart rate 91"]);
    }

    #[test]
    fn heart_rates_within_the_step_are_not_said_again() {
        let mut pacer = Pacer::default();
        let heart = |bpm| Seen {
            heart: Heart::Reading(bpm),
            ..live()
        };
        pacer.observe(&heart(60.0), 0.0);
        for minute in 1..10 {
            let bpm = 60.0 + (minute % 2) as f32 * 4.0;
            assert!(
                pacer
                    .observe(&heart(bpm), minute as f64 * 60_000.0)
                    .is_empty()
            );
        }
        let absent = Seen {
            heart: Heart::Absent,
            ..live()
        };
        assert!(pacer.observe(&absent, 700_000.0).is_empty());
    }
}
