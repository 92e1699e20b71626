//! The log lines the log panel keeps: at most a fixed number, oldest
//! first, built from the server's kept lines (fetched when the live stream
//! opens) and the live lines that arrive after. Lines are told apart by
//! their sequence number, which rises by one per line within one run of
//! the server; a restarted server counts from 1 again, so the panel is
//! rebuilt from the new server's lines whenever the stream opens again.
//! Pure logic, tested on the host; [`crate::log_feed`] drives it.

use std::collections::VecDeque;

use shared::operations::LogLine;

/// The kept lines; never more than the cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLines {
    lines: VecDeque<LogLine>,
    cap: usize,
}

impl LogLines {
    /// No lines yet; keeps at most `cap` (at least one).
    pub fn new(cap: usize) -> Self {
        LogLines {
            lines: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    /// The lines, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &LogLine> {
        self.lines.iter()
    }

    /// How many lines are kept.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Replaces the lines with the server's kept `history` followed by
    /// the `live` lines that arrived while it was fetched (those it
    /// already holds are left out), the newest `cap` of them.
    pub fn rebuild(&mut self, history: Vec<LogLine>, live: Vec<LogLine>) {
        self.lines = history.into();
        for line in live {
            self.push(line);
        }
        self.trim();
    }

    /// Adds a live line after the newest; one this list already has (or
    /// an older one) is ignored. Drops the oldest beyond the cap.
    pub fn push(&mut self, line: LogLine) {
        if self.lines.back().is_some_and(|last| line.seq <= last.seq) {
            return;
        }
        self.lines.push_back(line);
        self.trim();
    }

    fn trim(&mut self) {
        while self.lines.len() > self.cap {
            self.lines.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::operations::LogLevel;

    use super::*;

    fn line(seq: u64) -> LogLine {
        LogLine {
            seq,
            at_ms: 1000 + seq,
            level: LogLevel::Info,
            target: "camrig".into(),
            message: format!("line {seq}"),
        }
    }

    fn seqs(lines: &LogLines) -> Vec<u64> {
        lines.iter().map(|l| l.seq).collect()
    }

    #[test]
    fn live_lines_follow_the_history_once() {
        let mut lines = LogLines::new(10);
        // Lines 4 and 5 came live while the history (up to 5) was fetched.
        lines.rebuild((1..=5).map(line).collect(), vec![line(4), line(5), line(6)]);
        assert_eq!(seqs(&lines), [1, 2, 3, 4, 5, 6]);
        lines.push(line(6));
        lines.push(line(7));
        assert_eq!(seqs(&lines), [1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn only_the_newest_are_kept() {
        let mut lines = LogLines::new(3);
        lines.rebuild((1..=5).map(line).collect(), Vec::new());
        assert_eq!(seqs(&lines), [3, 4, 5]);
        lines.push(line(6));
        assert_eq!(seqs(&lines), [4, 5, 6]);
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn a_restarted_server_starts_afresh() {
        let mut lines = LogLines::new(10);
        lines.rebuild((1..=8).map(line).collect(), Vec::new());
        // The new server counts from 1 again: its lines replace the old.
        lines.rebuild(vec![line(1), line(2)], vec![line(3)]);
        assert_eq!(seqs(&lines), [1, 2, 3]);
        let mut empty = LogLines::new(0);
        assert!(empty.is_empty());
        empty.push(line(1));
        empty.push(line(2));
        assert_eq!(seqs(&empty), [2]);
    }
}
