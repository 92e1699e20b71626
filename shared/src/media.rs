//! Media catalogue types as clients see them: one entry per saved photo or
//! video, addressed by its catalogue id (never by a file-system path), with
//! pages of entries, the editable fields, and the capture metadata that
//! snapshots and recordings attach.

use serde::{Deserialize, Serialize};

use crate::names::deserialize_by_name;

/// Photo or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A still image (JPEG, PNG).
    Photo,
    /// A recording (MP4, Matroska, WebM, QuickTime).
    Video,
}

deserialize_by_name!(MediaKind {
    "photo" => Photo,
    "video" => Video,
});

/// Lifecycle of a catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MediaStatus {
    /// The file is complete.
    Complete,
    /// A recording is being written to it.
    Recording,
    /// A recording that ended without being closed (crash, power cut); the
    /// file holds what was written.
    Interrupted,
    /// The row exists but the file is gone.
    Missing,
    /// Being deleted: the file is removed next, then the row.
    Deleting,
}

deserialize_by_name!(MediaStatus {
    "complete" => Complete,
    "recording" => Recording,
    "interrupted" => Interrupted,
    "missing" => Missing,
    "deleting" => Deleting,
});

/// What the rig was doing when a capture was taken; every field optional so
/// older entries and imported files stay valid.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaptureMetadata {
    /// Camera source name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
    /// Grayscale view on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grayscale: Option<bool>,
    /// Half-resolution view on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_resolution: Option<bool>,
    /// Focus position 0.0-1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<f64>,
    /// Light colour as RGBW and brightness 0-255.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light: Option<[u8; 5]>,
    /// Heart rate in beats per minute at capture time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heart_rate_bpm: Option<f32>,
}

/// The heart rate and pulse waveform recorded with a video, on the
/// video's clock (milliseconds from its start).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeartTrace {
    /// `[time_ms, bpm]` at every beat.
    pub bpm: Vec<(u32, f32)>,
    /// `[time_ms, interval_ms]` at every beat whose previous beat the
    /// board saw: the beat-to-beat intervals (for variability).
    #[serde(default)]
    pub intervals: Vec<(u32, u32)>,
    /// Pulse samples per second.
    pub pulse_rate_hz: u16,
    /// Time of the first pulse sample.
    pub pulse_start_ms: u32,
    /// Raw pulse samples (0-1023), `pulse_rate_hz` a second.
    pub pulse: Vec<u16>,
}

impl HeartTrace {
    /// CSV with one row per pulse sample: `time_s,pulse,bpm,interval_ms`,
    /// where `bpm` is the latest reading at that time (empty before the
    /// first) and `interval_ms` is filled on the first row at or after
    /// each beat with the time since the beat before.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("time_s,pulse,bpm,interval_ms\n");
        let rate = f64::from(self.pulse_rate_hz.max(1));
        let mut beats = self.bpm.iter().peekable();
        let mut intervals = self.intervals.iter().peekable();
        let mut bpm: Option<f32> = None;
        for (i, sample) in self.pulse.iter().enumerate() {
            let t_ms = f64::from(self.pulse_start_ms) + i as f64 * 1000.0 / rate;
            bpm = latest_due(&mut beats, t_ms).or(bpm);
            let interval = latest_due(&mut intervals, t_ms);
            let shown = bpm.map(|b| format!("{b:.1}")).unwrap_or_default();
            let interval = interval.map(|i| i.to_string()).unwrap_or_default();
            out.push_str(&format!(
                "{:.3},{sample},{shown},{interval}\n",
                t_ms / 1000.0
            ));
        }
        out
    }
}

/// Takes every `(time_ms, value)` point of `points` due at `t_ms` (at or
/// before it) and gives the latest one's value.
fn latest_due<T: Copy>(
    points: &mut std::iter::Peekable<std::slice::Iter<'_, (u32, T)>>,
    t_ms: f64,
) -> Option<T> {
    let mut latest = None;
    while let Some((_, value)) = points.next_if(|(at, _)| f64::from(*at) <= t_ms) {
        latest = Some(*value);
    }
    latest
}

/// One catalogue entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaEntry {
    /// Catalogue id; the only way clients address media.
    pub id: i64,
    /// File name inside the media folder (display and download name).
    pub file_name: String,
    /// Photo or video.
    pub kind: MediaKind,
    /// When the entry was created, µs since the Unix epoch.
    pub created_us: i64,
    /// Free-form date label supplied by the user (the original's `date`).
    pub date_label: String,
    /// File size in bytes.
    pub size_bytes: u64,
    /// Image width, when known.
    pub width: Option<u32>,
    /// Image height, when known.
    pub height: Option<u32>,
    /// Video duration in milliseconds, when known.
    pub duration_ms: Option<u64>,
    /// Number of video frames, when known.
    pub frame_count: Option<u64>,
    /// Lifecycle state.
    pub status: MediaStatus,
    /// Capture metadata.
    pub metadata: CaptureMetadata,
    /// User title.
    pub title: String,
    /// User notes.
    pub notes: String,
}

/// One page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaPage {
    /// The entries on this page.
    pub entries: Vec<MediaEntry>,
    /// Entries matching the filter, over all pages.
    pub total: u64,
    /// Page number, from 1.
    pub page: u64,
    /// Entries per page.
    pub per_page: u64,
}

/// Fields a user may change; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MediaUpdate {
    /// New title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// New notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// New date label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_label: Option<String>,
}

#[cfg(test)]
mod heart_trace_tests {
    use super::*;

    #[test]
    fn csv_carries_the_latest_bpm_on_each_sample() {
        let trace = HeartTrace {
            bpm: vec![(40, 70.0), (80, 72.5)],
            intervals: vec![(80, 833)],
            pulse_rate_hz: 50,
            pulse_start_ms: 0,
            pulse: vec![500, 510, 520, 530, 540],
        };
        assert_eq!(
            trace.to_csv(),
            "time_s,pulse,bpm,interval_ms\n0.000,500,,\n0.020,510,,\n0.040,520,70.0,\n\
             0.060,530,70.0,\n0.080,540,72.5,833\n"
        );
    }

    #[test]
    fn traces_stored_before_intervals_still_load() {
        let old = r#"{"bpm":[[40,70.0]],"pulse_rate_hz":50,"pulse_start_ms":0,"pulse":[500]}"#;
        let trace: HeartTrace = serde_json::from_str(old).unwrap();
        assert!(trace.intervals.is_empty());
        assert_eq!(trace.bpm, [(40, 70.0)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in [MediaKind::Photo, MediaKind::Video] {
            assert_eq!(MediaKind::from_name(kind.as_str()), Some(kind));
        }
        for status in [
            MediaStatus::Complete,
            MediaStatus::Recording,
            MediaStatus::Interrupted,
            MediaStatus::Missing,
            MediaStatus::Deleting,
        ] {
            assert_eq!(MediaStatus::from_name(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(MediaKind::from_name("audio"), None);
    }

    #[test]
    fn update_rejects_unknown_fields() {
        assert!(serde_json::from_str::<MediaUpdate>(r#"{"file_name":"x"}"#).is_err());
        let u: MediaUpdate = serde_json::from_str(r#"{"title":"Left eye"}"#).unwrap();
        assert_eq!(u.title.as_deref(), Some("Left eye"));
    }
}
