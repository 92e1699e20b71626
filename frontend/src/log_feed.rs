//! The server's log as the log panel follows it: a [`LogFeed`] opens the
//! live stream ([`api::LogStream`]) for its level and search, and every
//! time the stream opens (at first, after a break, after the server
//! restarted) reads the server's kept lines ([`api::logs`]) and rebuilds
//! its [`LogLines`] from them and the live lines that came meanwhile, so
//! no line is missed or shown twice. Changing the level or the search
//! opens a new stream. A stream the browser gave up on (the server
//! refused it, or was gone too long) is opened again after a pause. The
//! stream closes when the component that made the feed goes away.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::operations::{LogLevel, LogLine};

use crate::api::{self, LogEvent, LogStream};
use crate::generation::Generation;
use crate::log_lines::LogLines;

/// Most lines kept on the page.
pub const MAX_LINES: usize = 1000;
/// Pause before opening a stream the browser gave up on.
const REOPEN_AFTER: Duration = Duration::from_secs(5);

/// Whether the feed follows the server's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedState {
    /// Opening, or reading the kept lines.
    Connecting,
    /// New lines show as they are logged.
    Live,
    /// The stream broke; it is opened again shortly.
    Offline,
}

impl FeedState {
    /// Lower-case name, used as text and as a CSS/test attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedState::Connecting => "connecting",
            FeedState::Live => "live",
            FeedState::Offline => "offline",
        }
    }
}

/// Handle to one feed; `Copy`, owned by the component that created it.
#[derive(Clone, Copy)]
pub struct LogFeed {
    lines: RwSignal<LogLines>,
    state: RwSignal<FeedState>,
    error: RwSignal<Option<String>>,
    skipped: RwSignal<Option<String>>,
    level: RwSignal<LogLevel>,
    search: RwSignal<String>,
    stream: StoredValue<Option<LogStream>, LocalStorage>,
    /// Bumped by every new stream; events of older ones are ignored.
    generation: Generation,
    /// Bumped by every read of the kept lines; older answers are dropped.
    reads: Generation,
    /// Live lines that came while the kept lines were read.
    pending: StoredValue<Option<Vec<LogLine>>>,
}

impl LogFeed {
    /// Starts following the log at `level`, for the life of the calling
    /// component.
    pub fn new(level: LogLevel) -> Self {
        let feed = LogFeed {
            lines: RwSignal::new(LogLines::new(MAX_LINES)),
            state: RwSignal::new(FeedState::Connecting),
            error: RwSignal::new(None),
            skipped: RwSignal::new(None),
            level: RwSignal::new(level),
            search: RwSignal::new(String::new()),
            stream: StoredValue::new_local(None),
            generation: Generation::new(),
            reads: Generation::new(),
            pending: StoredValue::new(None),
        };
        feed.open();
        on_cleanup(move || {
            // Dropping the stream closes it.
            let _ = feed.stream.try_update_value(Option::take);
        });
        feed
    }

    /// The lines shown, oldest first.
    pub fn lines(&self) -> Signal<LogLines> {
        self.lines.into()
    }

    /// Whether new lines show as they come.
    pub fn state(&self) -> Signal<FeedState> {
        self.state.into()
    }

    /// Why the kept lines or the stream could not be read, if so.
    pub fn error(&self) -> Signal<Option<String>> {
        self.error.into()
    }

    /// The server's note that lines were skipped, if it sent one.
    pub fn skipped(&self) -> Signal<Option<String>> {
        self.skipped.into()
    }

    /// The least severe level shown.
    pub fn level(&self) -> Signal<LogLevel> {
        self.level.into()
    }

    /// Shows lines at least as severe as `level`.
    pub fn set_level(&self, level: LogLevel) {
        if self.level.get_untracked() != level {
            self.level.set(level);
            self.open();
        }
    }

    /// Shows lines containing `search` only (blank: all).
    pub fn set_search(&self, search: &str) {
        let search = search.trim();
        if self.search.with_untracked(|s| s != search) {
            self.search.set(search.to_owned());
            self.open();
        }
    }

    /// URL that downloads the lines the filter lets through as text.
    pub fn download_url(&self) -> Signal<String> {
        let (level, search) = (self.level, self.search);
        Signal::derive(move || search.with(|s| api::log_download_url(level.get(), s)))
    }

    /// Opens a stream for the current filter, closing any other.
    fn open(self) {
        let generation = self.generation.next();
        self.stream.set_value(None);
        self.pending.set_value(None);
        self.state.set(FeedState::Connecting);
        self.skipped.set(None);
        let level = self.level.get_untracked();
        let search = self.search.get_untracked();
        match LogStream::open(level, &search, move |event| self.receive(generation, event)) {
            Ok(stream) => self.stream.set_value(Some(stream)),
            Err(err) => {
                self.error.set(Some(err.message));
                self.gave_up(generation);
            }
        }
    }

    fn receive(self, generation: u64, event: LogEvent) {
        if !self.generation.is_current(generation) {
            return;
        }
        match event {
            LogEvent::Opened => self.read_kept(generation),
            LogEvent::Line(line) => {
                let mut line = Some(line);
                self.pending.update_value(|pending| {
                    if let Some(pending) = pending {
                        pending.extend(line.take());
                    }
                });
                if let Some(line) = line {
                    self.lines.update(|lines| lines.push(line));
                }
            }
            LogEvent::Gap(note) => self.skipped.set(Some(note)),
            LogEvent::Broken { retrying: true } => self.state.set(FeedState::Connecting),
            LogEvent::Broken { retrying: false } => self.gave_up(generation),
        }
    }

    /// Reads the server's kept lines and rebuilds the list from them and
    /// the live lines that come meanwhile.
    fn read_kept(self, generation: u64) {
        let read = self.reads.next();
        self.pending.set_value(Some(Vec::new()));
        let level = self.level.get_untracked();
        let search = self.search.get_untracked();
        spawn_local(async move {
            let result = api::logs(level, &search).await;
            if !self.generation.is_current(generation) || !self.reads.is_current(read) {
                return;
            }
            let live = self
                .pending
                .try_update_value(Option::take)
                .flatten()
                .unwrap_or_default();
            match result {
                Ok(kept) => {
                    self.lines.update(|lines| lines.rebuild(kept, live));
                    self.error.set(None);
                }
                Err(err) => {
                    self.lines
                        .update(|lines| live.into_iter().for_each(|l| lines.push(l)));
                    self.error
                        .set(Some(format!("Could not read the kept lines: {err}")));
                }
            }
            self.state.set(FeedState::Live);
        });
    }

    /// The browser stopped trying: show it, and open again after a pause
    /// unless the filter changed meanwhile.
    fn gave_up(self, generation: u64) {
        self.state.set(FeedState::Offline);
        set_timeout(
            move || {
                if self.generation.is_current(generation) {
                    self.open();
                }
            },
            REOPEN_AFTER,
        );
    }
}
