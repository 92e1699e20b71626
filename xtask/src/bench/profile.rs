//! Where the server's time goes: each thread's CPU time is read from
//! `/proc/PID/task/*/stat` at both ends of the measuring window, and the
//! difference is grouped by thread name. GStreamer names each streaming
//! thread after the pad that runs it (`queue1:src`, `videotestsrc0:s`, cut
//! to 15 bytes), and threads an element starts itself (x264's) inherit the
//! name of the thread that started them, so a group is one pipeline stage.
//! Queues are numbered in the order they are made, process-wide; the
//! camera pipeline (`backend/src/camera/pipeline.rs`) makes the view's
//! queue first, then the JPEG branch's, the H.264 branch's (when there is
//! an H.264 encoder) and the recording tap's, and each recording makes one
//! more in its own pipeline. The stage names follow that order, which a
//! rebuilt camera pipeline would shift: they are approximate. The Flask
//! example names its two queues as camrig's first two are, and its Python
//! threads (Flask's, one per client, and the camera thread) are `python`.

use std::collections::BTreeMap;

use super::procfs::Threads;

/// One group of the server's threads and the CPU it used.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// The threads' name, the instance number folded to `N` (except a
    /// queue's).
    pub group: String,
    /// The pipeline stage or part of the server the group is.
    pub stage: Option<&'static str>,
    /// Cores used over the window.
    pub cores: f64,
    /// Threads in the group that used any CPU.
    pub threads: usize,
}

/// What the stage names depend on.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// The camera pipeline has an H.264 branch (so four queues, not three).
    pub h264: bool,
    /// The benchmark made recordings on this server (queues after the
    /// camera's are theirs).
    pub recordings: bool,
}

/// The CPU each group of threads used between two samples taken `wall`
/// seconds apart, most first. A thread that started in between counts
/// from zero; one that ended in between is missing.
pub fn shares(
    before: &Threads,
    after: &Threads,
    clk_tck: f64,
    wall: f64,
    layout: Layout,
) -> Vec<Share> {
    let mut groups: BTreeMap<String, (u64, usize)> = BTreeMap::new();
    for (tid, (name, ticks)) in after {
        let earlier = before.get(tid).map_or(0, |(_, t)| *t);
        let used = ticks.saturating_sub(earlier);
        let entry = groups.entry(group_of(name)).or_default();
        entry.0 += used;
        entry.1 += usize::from(used > 0);
    }
    let mut shares: Vec<Share> = groups
        .into_iter()
        .filter(|(_, (ticks, _))| *ticks > 0)
        .map(|(group, (ticks, threads))| Share {
            stage: stage_of(&group, layout),
            group,
            cores: ticks as f64 / clk_tck / wall.max(1e-9),
            threads,
        })
        .collect();
    shares.sort_by(|a, b| b.cores.total_cmp(&a.cores));
    shares
}

/// The group a thread name belongs to: a queue's thread keeps its number
/// (it tells the stage); elsewhere the instance number at the end of the
/// element's name becomes `N` (`pool-3` and `pool-7` are `pool-N`,
/// `mp4mux0:src` is `mp4muxN:src`).
pub fn group_of(name: &str) -> String {
    if queue_number(name).is_some() {
        return name.to_owned();
    }
    let (element, pad) = match name.split_once(':') {
        Some((element, pad)) => (element, format!(":{pad}")),
        None => (name, String::new()),
    };
    let stem = element.trim_end_matches(|c: char| c.is_ascii_digit());
    match stem.len() < element.len() {
        true => format!("{stem}N{pad}"),
        false => name.to_owned(),
    }
}

fn queue_number(name: &str) -> Option<usize> {
    name.strip_prefix("queue")?
        .strip_suffix(":src")?
        .parse()
        .ok()
}

/// The coarse stages the summary table has a column for.
pub const COLUMNS: [&str; 7] = [
    "capture",
    "view",
    "JPEG encode",
    "H.264 encode",
    "recording",
    "async tasks",
    "other",
];

/// What a group of threads does, when known.
pub fn stage_of(group: &str, layout: Layout) -> Option<&'static str> {
    if let Some(n) = queue_number(group) {
        let camera: &[&'static str] = if layout.h264 {
            &[
                "view: balance, scale",
                "JPEG encode",
                "H.264 encode (x264)",
                "recording tap",
            ]
        } else {
            &["view: balance, scale", "JPEG encode", "recording tap"]
        };
        let later = match layout.recordings {
            true => "recording encoder (x264, mp4mux)",
            false => "a later pipeline",
        };
        return Some(camera.get(n).copied().unwrap_or(later));
    }
    let starts = |prefix| group.starts_with(prefix);
    if starts("videotestsrc") || starts("v4l2src") || starts("libcamerasrc") {
        Some("capture: source, overlay, convert, flip")
    } else if starts("appsrc") {
        Some("recording input (appsrc)")
    } else if starts("mp4mux") {
        Some("recording muxer (mp4mux)")
    } else if starts("tokio-r") {
        Some("async tasks: WebSocket and HTTP sends, supervisor")
    } else if group == "camrig" {
        Some("main thread")
    } else if starts("python") {
        Some("Python: Flask's threads (one per client), the camera thread")
    } else {
        None
    }
}

/// The summary column (of [`COLUMNS`]) a share goes in.
pub fn column_of(share: &Share) -> usize {
    let stage = share.stage.unwrap_or_default();
    let column = if stage.starts_with("capture") {
        "capture"
    } else if stage.starts_with("view") {
        "view"
    } else if stage.starts_with("JPEG") {
        "JPEG encode"
    } else if stage.starts_with("H.264") {
        "H.264 encode"
    } else if stage.starts_with("recording") {
        "recording"
    } else if stage.starts_with("async") {
        "async tasks"
    } else {
        "other"
    };
    COLUMNS.iter().position(|c| *c == column).unwrap_or(6)
}

/// Cores per summary column.
pub fn by_column(shares: &[Share]) -> [f64; 7] {
    let mut columns = [0.0; 7];
    for share in shares {
        if let Some(c) = columns.get_mut(column_of(share)) {
            *c += share.cores;
        }
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn threads(list: &[(u32, &str, u64)]) -> Threads {
        list.iter()
            .map(|(tid, name, ticks)| (*tid, ((*name).to_owned(), *ticks)))
            .collect()
    }

    #[test]
    fn groups_fold_digits_but_keep_queue_numbers() {
        assert_eq!(group_of("pool-12"), "pool-N");
        assert_eq!(group_of("videotestsrc0:s"), "videotestsrcN:s");
        assert_eq!(group_of("queue12:src"), "queue12:src");
        assert_eq!(group_of("tokio-rt-worker"), "tokio-rt-worker");
        assert_eq!(group_of("mp4mux0:src"), "mp4muxN:src");
        assert_eq!(group_of("x264-2"), "x264-N");
    }

    #[test]
    fn queues_map_to_stages_by_creation_order() {
        let with = Layout {
            h264: true,
            recordings: true,
        };
        assert_eq!(stage_of("queue1:src", with), Some("JPEG encode"));
        assert_eq!(stage_of("queue2:src", with), Some("H.264 encode (x264)"));
        assert_eq!(
            stage_of("queue5:src", with),
            Some("recording encoder (x264, mp4mux)")
        );
        let without = Layout {
            h264: false,
            recordings: false,
        };
        assert_eq!(stage_of("queue2:src", without), Some("recording tap"));
        assert_eq!(stage_of("queue3:src", without), Some("a later pipeline"));
        assert_eq!(stage_of("gmain", without), None);
        assert!(stage_of("python3", without).is_some_and(|s| s.starts_with("Python")));
        assert!(stage_of("tokio-rt-worker", without).is_some_and(|s| s.starts_with("async")));
    }

    #[test]
    fn shares_are_differences_grouped_and_sorted() {
        let before = threads(&[(1, "camrig", 10), (2, "queue1:src", 100), (3, "pool-1", 5)]);
        let after = threads(&[
            (1, "camrig", 10),
            (2, "queue1:src", 150),
            (3, "pool-1", 7),
            (4, "pool-2", 3),
        ]);
        let layout = Layout {
            h264: true,
            recordings: false,
        };
        let shares = shares(&before, &after, 100.0, 2.0, layout);
        let got: Vec<(&str, f64, usize)> = shares
            .iter()
            .map(|s| (s.group.as_str(), s.cores, s.threads))
            .collect();
        assert_eq!(got, [("queue1:src", 0.25, 1), ("pool-N", 0.025, 2)]);
        let columns = by_column(&shares);
        assert_eq!(columns[2], 0.25);
        assert_eq!(columns[6], 0.025);
    }
}
