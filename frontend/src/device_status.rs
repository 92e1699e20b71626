//! What the page makes of the light and pulse-sensor device: the device
//! as seen from here (unreachable while the link to the server is down),
//! the beats-per-minute readout and the heart-rate panel's one-line status
//! (disconnected and why, no pulse sensor, no reading and the board's
//! reason in plain words, or the signal quality), worked out from the server's [`DeviceState`]. Pure functions,
//! tested on the host.

use shared::device::{DeviceState, LinkStatus, SignalIssue};

use crate::heart_window;

/// The heart-rate status, as shown and as a `data-state` for styling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartStatus {
    /// `disconnected`, `connecting`, `no-sensor`, `no-signal` or `ok`.
    pub state: &'static str,
    /// The line shown to the user.
    pub text: String,
}

/// The device as this page can know it: the server's state while the link
/// to the server is up; otherwise the last state, shown as disconnected
/// (nothing can be sent to it, and its readings are stale).
pub fn as_seen(device: &DeviceState, server_link_up: bool) -> DeviceState {
    let mut device = device.clone();
    if !server_link_up {
        device.link = LinkStatus::Disconnected;
        device.reason = Some("no connection to the server".to_owned());
    }
    device
}

/// Whether the device takes commands now.
pub fn connected(device: &DeviceState) -> bool {
    device.link == LinkStatus::Connected
}

/// The readout: whole beats per minute ("72"), or "--" when there is no
/// reading (no signal, or the device is not connected).
pub fn bpm_text(device: &DeviceState) -> String {
    heart_window::bpm_text(device.heart.bpm.filter(|_| connected(device)))
}

/// The status line under the readout.
pub fn heart_status(device: &DeviceState) -> HeartStatus {
    let status = |state, text: String| HeartStatus { state, text };
    let why = device
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    match device.link {
        LinkStatus::Disconnected => {
            return status(
                "disconnected",
                match why {
                    Some(why) => format!("device disconnected: {why}"),
                    None => "device disconnected".to_owned(),
                },
            );
        }
        LinkStatus::Connecting => {
            return status(
                "connecting",
                match why {
                    Some(why) => format!("device disconnected: {why} (connecting…)"),
                    None => "device disconnected (connecting…)".to_owned(),
                },
            );
        }
        LinkStatus::Connected => {}
    }
    if !device.pulse_sensor {
        return status("no-sensor", "no pulse sensor".to_owned());
    }
    if bpm_text(device) == "--" {
        let reason = device.heart.issue.unwrap_or(SignalIssue::Lost);
        return status("no-signal", reason.describe().to_owned());
    }
    status("ok", format!("signal quality {}%", device.heart.quality))
}

#[cfg(test)]
mod tests {
    use shared::device::{DeviceMode, HeartState};

    use super::*;

    fn device(link: LinkStatus, pulse_sensor: bool, bpm: Option<f32>) -> DeviceState {
        DeviceState {
            mode: DeviceMode::Serial,
            link,
            pulse_sensor,
            heart: HeartState {
                bpm,
                quality: 87,
                beats: 12,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn without_the_server_the_device_is_out_of_reach() {
        let live = device(LinkStatus::Connected, true, Some(72.0));
        assert_eq!(as_seen(&live, true), live);
        let seen = as_seen(&live, false);
        assert!(!connected(&seen));
        assert_eq!(bpm_text(&seen), "--");
        assert_eq!(
            heart_status(&seen).text,
            "device disconnected: no connection to the server"
        );
        assert_eq!((seen.mode, seen.light), (live.mode, live.light));
    }

    #[test]
    fn the_readout_is_whole_beats_or_dashes() {
        assert_eq!(
            bpm_text(&device(LinkStatus::Connected, true, Some(72.4))),
            "72"
        );
        assert_eq!(
            bpm_text(&device(LinkStatus::Connected, true, Some(74.5))),
            "75"
        );
        assert_eq!(bpm_text(&device(LinkStatus::Connected, true, None)), "--");
        assert_eq!(
            bpm_text(&device(LinkStatus::Connected, true, Some(f32::NAN))),
            "--"
        );
        // A reading left over from before the link was lost is not shown.
        assert_eq!(
            bpm_text(&device(LinkStatus::Disconnected, true, Some(72.0))),
            "--"
        );
    }

    #[test]
    fn the_status_says_what_is_missing() {
        let ok = heart_status(&device(LinkStatus::Connected, true, Some(72.0)));
        assert_eq!(ok.state, "ok");
        assert_eq!(ok.text, "signal quality 87%");
        let none = heart_status(&device(LinkStatus::Connected, true, None));
        assert_eq!((none.state, none.text.as_str()), ("no-signal", "no signal"));
        let mut saturated = device(LinkStatus::Connected, true, None);
        saturated.heart.issue = Some(SignalIssue::Saturated);
        assert_eq!(
            heart_status(&saturated).text,
            "sensor saturated: lower the gain or light"
        );
        let sensorless = heart_status(&device(LinkStatus::Connected, false, None));
        assert_eq!(
            (sensorless.state, sensorless.text.as_str()),
            ("no-sensor", "no pulse sensor")
        );
    }

    #[test]
    fn a_lost_link_comes_first_with_its_reason() {
        let mut lost = device(LinkStatus::Disconnected, true, Some(72.0));
        assert_eq!(heart_status(&lost).text, "device disconnected");
        lost.reason = Some("cannot open /dev/ttyACM0: No such file".to_owned());
        let shown = heart_status(&lost);
        assert_eq!(shown.state, "disconnected");
        assert_eq!(
            shown.text,
            "device disconnected: cannot open /dev/ttyACM0: No such file"
        );
        lost.link = LinkStatus::Connecting;
        lost.reason = None;
        let shown = heart_status(&lost);
        assert_eq!(shown.state, "connecting");
        assert!(
            shown.text.starts_with("device disconnected"),
            "{}",
            shown.text
        );
    }
}
