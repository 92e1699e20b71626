//! How values are written for people: file sizes ("1.2 MB"), durations
//! ("01:05"), capture, log and audit times in local time, counts ("1
//! line", "3 lines"), the title an entry is shown under, and an audited
//! command's arguments in one line.

use std::fmt;

use serde_json::Value;
use shared::media::MediaEntry;

use crate::decimal::fixed;

/// A byte count in decimal units with one decimal below 10: "512 B",
/// "1.2 MB", "34 MB".
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if value < 9.95 {
        format!("{} {}", fixed(value, 1), UNITS[unit])
    } else {
        format!("{} {}", fixed(value, 0), UNITS[unit])
    }
}

/// A duration as mm:ss, or h:mm:ss from an hour on.
pub fn duration(ms: u64) -> String {
    let seconds = ms / 1000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// The name an entry is shown under: its title, else its file name.
pub fn title(entry: &MediaEntry) -> &str {
    if entry.title.trim().is_empty() {
        &entry.file_name
    } else {
        &entry.title
    }
}

/// The date shown for an entry: the user's date label, else the capture
/// time.
pub fn date(entry: &MediaEntry) -> String {
    if entry.date_label.trim().is_empty() {
        timestamp(entry.created_us)
    } else {
        entry.date_label.clone()
    }
}

/// Microseconds since the epoch as "YYYY-MM-DD HH:MM" in local time.
pub fn timestamp(us: i64) -> String {
    minutes(&local(us as f64 / 1000.0))
}

/// Milliseconds since the epoch as "YYYY-MM-DD HH:MM:SS" in local time.
pub fn date_time(ms: i64) -> String {
    let date = local(ms as f64);
    format!("{}:{:02}", minutes(&date), date.get_seconds())
}

/// The local date and time of `ms` milliseconds since the epoch.
fn local(ms: f64) -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms))
}

/// A date as "YYYY-MM-DD HH:MM".
fn minutes(date: &js_sys::Date) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

/// Milliseconds since the epoch as "HH:MM:SS" in local time.
pub fn time_of_day(ms: f64) -> String {
    let date = local(ms);
    format!(
        "{:02}:{:02}:{:02}",
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}

/// Milliseconds since the epoch as "HH:MM:SS.mmm" in local time.
pub fn clock(ms: u64) -> String {
    let date = local(ms as f64);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds(),
        date.get_milliseconds()
    )
}

/// How many of something, in words: "1 action", "3 actions", "0 actions".
pub fn count<N>(n: N, one: &str, many: &str) -> String
where
    N: fmt::Display + PartialEq + From<u8>,
{
    if n == N::from(1) {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A command's arguments in one line: `name="Left eye", auto=true`;
/// "—" for none.
pub fn arguments(args: &Value) -> String {
    match args {
        Value::Null => String::from("—"),
        Value::Object(map) if map.is_empty() => String::from("—"),
        Value::Object(map) => map
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(999), "999 B");
        assert_eq!(size(1000), "1.0 kB");
        assert_eq!(size(1_234_567), "1.2 MB");
        assert_eq!(size(34_000_000), "34 MB");
        assert_eq!(size(999_999_999), "1.0 GB");
    }

    #[test]
    fn durations_are_minutes_and_seconds() {
        assert_eq!(duration(0), "00:00");
        assert_eq!(duration(2_000), "00:02");
        assert_eq!(duration(65_400), "01:05");
        assert_eq!(duration(3_726_000), "1:02:06");
    }

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(count(0usize, "line", "lines"), "0 lines");
        assert_eq!(count(1usize, "line", "lines"), "1 line");
        assert_eq!(count(2u64, "entry", "entries"), "2 entries");
    }

    #[test]
    fn arguments_fit_on_one_line() {
        assert_eq!(arguments(&json!(null)), "—");
        assert_eq!(arguments(&json!({})), "—");
        assert_eq!(
            arguments(&json!({ "name": "Left eye", "auto": true })),
            r#"auto=true, name="Left eye""#
        );
        assert_eq!(arguments(&json!([1, 2])), "[1,2]");
    }
}
