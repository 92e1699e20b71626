//! The `--runs` syntax. A run is viewers of up to three kinds joined by
//! `+`, each a count with an optional letter: `j` WebSocket viewers of
//! JPEG (`/ws`), `h` WebSocket viewers of H.264 (`/ws?video=h264`), `m`
//! MJPEG viewers (`/video_feed`). A bare first count is JPEG over the
//! WebSocket and a bare count after `+` is MJPEG, so the older forms
//! `50` and `50+10` keep their meaning; `50h`, `25+25h` and `50h+10` mix
//! kinds. `0` is nobody watching and nothing recording, measured once the
//! camera has paused (the server runs with `--idle-seconds 1`), and `0r`
//! is nobody with the camera kept running (`--idle-seconds 0`), for
//! comparison. `f` is the baseline: MJPEG viewers of the Flask streaming
//! example (`xtask/bench/flask_example.py`) instead of camrig, so `1f` and
//! `200f` stand alone (no `+`, at least one viewer).

use anyhow::{Result, bail};

use super::number;

/// How a viewer receives the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// JPEG frames over the WebSocket (`/ws`).
    Jpeg,
    /// H.264 access units over the WebSocket (`/ws?video=h264`).
    H264,
    /// Multipart JPEG over HTTP (`/video_feed`).
    Mjpeg,
    /// Multipart JPEG over HTTP from the Flask example's `/video_feed`
    /// (another server, which the bench starts for the run).
    Flask,
}

impl Kind {
    /// Every kind, in the order of [`RunSpec::viewers`].
    pub const ALL: [Kind; 4] = [Kind::Jpeg, Kind::H264, Kind::Mjpeg, Kind::Flask];

    /// The name in the printed results.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Jpeg => "JPEG (WS)",
            Kind::H264 => "H.264 (WS)",
            Kind::Mjpeg => "MJPEG",
            Kind::Flask => "MJPEG (Flask example)",
        }
    }

    fn letter(self) -> char {
        match self {
            Kind::Jpeg => 'j',
            Kind::H264 => 'h',
            Kind::Mjpeg => 'm',
            Kind::Flask => 'f',
        }
    }

    fn index(self) -> usize {
        match self {
            Kind::Jpeg => 0,
            Kind::H264 => 1,
            Kind::Mjpeg => 2,
            Kind::Flask => 3,
        }
    }

    /// Whether its frames carry camrig's frame header (capture time,
    /// encode time, sequence number); multipart parts carry none.
    pub fn has_headers(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::H264)
    }
}

/// One run: how many viewers of each kind; with none at all it measures
/// the server with nobody watching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunSpec {
    /// Viewers per kind, in the order of [`Kind::ALL`].
    pub viewers: [usize; 4],
    /// With nobody watching: keep the camera running (`0r`) instead of
    /// letting it pause (`0`).
    pub keep_running: bool,
}

impl RunSpec {
    /// Viewers of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.viewers[kind.index()]
    }

    /// Viewers of every kind.
    pub fn total(&self) -> usize {
        self.viewers.iter().sum()
    }

    /// Nobody watching.
    pub fn is_nobody(&self) -> bool {
        self.total() == 0
    }

    /// A run against the Flask example instead of camrig.
    pub fn is_flask(&self) -> bool {
        self.count(Kind::Flask) > 0
    }

    /// The kinds this run has viewers of.
    pub fn kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        Kind::ALL.into_iter().filter(|&k| self.count(k) > 0)
    }

    /// The one kind of viewer, when the run has exactly one.
    pub fn only(&self) -> Option<Kind> {
        let mut kinds = self.kinds();
        match (kinds.next(), kinds.next()) {
            (Some(kind), None) => Some(kind),
            _ => None,
        }
    }

    /// The run as `--runs` writes it (`50`, `50h`, `50+10m`, `0`, `0r`).
    pub fn label(&self) -> String {
        if self.is_nobody() {
            return if self.keep_running { "0r" } else { "0" }.to_owned();
        }
        let parts: Vec<String> = self
            .kinds()
            .map(|kind| match kind {
                Kind::Jpeg => self.count(kind).to_string(),
                _ => format!("{}{}", self.count(kind), kind.letter()),
            })
            .collect();
        parts.join("+")
    }

    /// The words for the run's heading.
    pub fn describe(&self) -> String {
        if self.is_nobody() {
            return match self.keep_running {
                false => "nobody watching, camera allowed to pause".to_owned(),
                true => "nobody watching, camera kept running".to_owned(),
            };
        }
        let parts: Vec<String> = self
            .kinds()
            .map(|kind| format!("{} {}", self.count(kind), kind.label()))
            .collect();
        let noun = if self.total() == 1 {
            "viewer"
        } else {
            "viewers"
        };
        format!("{} {noun}", parts.join(" + "))
    }

    /// The `--idle-seconds` the started server needs for this run: 1 for
    /// `0` (so it pauses soon), 0 for `0r`, its default otherwise.
    pub fn idle_seconds(&self) -> Option<u32> {
        match (self.is_nobody(), self.keep_running) {
            (false, _) => None,
            (true, false) => Some(1),
            (true, true) => Some(0),
        }
    }
}

/// `"1,1h,50+10,0,0r"`: the runs; `mjpeg` MJPEG viewers join every run
/// written without `+` (the older `--mjpeg` flag).
pub fn parse_runs(spec: &str, mjpeg: usize) -> Result<Vec<RunSpec>> {
    let items = spec.split(',').map(str::trim).filter(|s| !s.is_empty());
    items.map(|item| parse_run(item, mjpeg)).collect()
}

fn parse_run(item: &str, mjpeg: usize) -> Result<RunSpec> {
    if item == "0r" {
        return Ok(RunSpec {
            keep_running: true,
            ..RunSpec::default()
        });
    }
    let mut run = RunSpec::default();
    let mut named = [false; 4];
    for (i, part) in item.split('+').map(str::trim).enumerate() {
        let bare = if i == 0 { Kind::Jpeg } else { Kind::Mjpeg };
        let (digits, kind) = Kind::ALL
            .into_iter()
            .find_map(|kind| Some((part.strip_suffix(kind.letter())?, kind)))
            .unwrap_or((part, bare));
        if std::mem::replace(&mut named[kind.index()], true) {
            bail!("--runs {item:?}: {} viewers named twice", kind.label());
        }
        run.viewers[kind.index()] = number("--runs", digits)?;
    }
    if run.is_flask() && run.total() != run.count(Kind::Flask) {
        bail!("--runs {item:?}: the Flask example's viewers (`f`) make a run of their own");
    }
    if run.count(Kind::Flask) == 0 && named[Kind::Flask.index()] {
        bail!("--runs {item:?}: a run of the Flask example needs at least one viewer");
    }
    if !item.contains('+') && !run.is_flask() {
        run.viewers[Kind::Mjpeg.index()] += mjpeg;
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(jpeg: usize, h264: usize, mjpeg: usize) -> RunSpec {
        RunSpec {
            viewers: [jpeg, h264, mjpeg, 0],
            keep_running: false,
        }
    }

    fn flask(viewers: usize) -> RunSpec {
        RunSpec {
            viewers: [0, 0, 0, viewers],
            keep_running: false,
        }
    }

    #[test]
    fn older_forms_keep_their_meaning() {
        assert_eq!(
            parse_runs("1, 50,200", 2).unwrap(),
            [run(1, 0, 2), run(50, 0, 2), run(200, 0, 2)]
        );
        assert_eq!(parse_runs("50+10", 3).unwrap(), [run(50, 0, 10)]);
        assert_eq!(parse_runs("0+50", 0).unwrap(), [run(0, 0, 50)]);
    }

    #[test]
    fn letters_pick_the_kind() {
        assert_eq!(
            parse_runs("50h,25+25h,50h+10,5j+5m+5h", 0).unwrap(),
            [run(0, 50, 0), run(25, 25, 0), run(0, 50, 10), run(5, 5, 5)]
        );
        let labels: Vec<String> = parse_runs("50,50h,50+10,25+25h", 0)
            .unwrap()
            .iter()
            .map(RunSpec::label)
            .collect();
        assert_eq!(labels, ["50", "50h", "50+10m", "25+25h"]);
        assert_eq!(run(0, 50, 0).only(), Some(Kind::H264));
        assert_eq!(run(1, 50, 0).only(), None);
    }

    #[test]
    fn nobody_runs_choose_the_idle_setting() {
        let runs = parse_runs("0,0r", 0).unwrap();
        assert!(runs.iter().all(RunSpec::is_nobody));
        assert_eq!(
            runs.iter().map(RunSpec::label).collect::<Vec<_>>(),
            ["0", "0r"]
        );
        assert_eq!(runs[0].idle_seconds(), Some(1));
        assert_eq!(runs[1].idle_seconds(), Some(0));
        assert_eq!(run(1, 0, 0).idle_seconds(), None);
    }

    #[test]
    fn flask_runs_stand_alone() {
        let runs = parse_runs("1,1f, 200f,1m", 2).unwrap();
        // `--mjpeg 2` joins camrig's runs, not the example's.
        assert_eq!(runs, [run(1, 0, 2), flask(1), flask(200), run(0, 0, 3)]);
        let labels: Vec<String> = runs.iter().map(RunSpec::label).collect();
        assert_eq!(labels, ["1+2m", "1f", "200f", "3m"]);
        assert!(runs[1].is_flask() && !runs[0].is_flask());
        assert_eq!(runs[2].only(), Some(Kind::Flask));
        assert_eq!(runs[2].idle_seconds(), None);
        assert_eq!(
            runs[1].describe(),
            "1 MJPEG (Flask example) viewer",
            "the heading names the example"
        );
        assert!(!Kind::Flask.has_headers() && !Kind::Mjpeg.has_headers());
        assert!(Kind::Jpeg.has_headers() && Kind::H264.has_headers());
        for bad in ["0f", "1+1f", "1f+1", "1h+1f", "f", "1f+2f", "1ff"] {
            assert!(parse_runs(bad, 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_runs_are_refused() {
        for bad in ["x", "5x", "h", "5h+6h", "1+2+3", "-1", "0rr"] {
            assert!(parse_runs(bad, 0).is_err(), "{bad}");
        }
    }
}
