//! A live list of catalogue entries, newest first, as the gallery, the
//! database page and the recent-captures strip show it: loaded page by page
//! through [`crate::api`], optionally filtered by kind, and kept current by
//! applying every [`MediaEvent`] from the connection (additions, edits and
//! deletions made in any browser) without fetching again. `Reload` events
//! fetch the loaded range again. Events that arrive while a fetch is under
//! way are applied again to its result, so none is lost.

use std::collections::HashSet;

use leptos::prelude::*;
use shared::MediaEvent;
use shared::media::{MediaEntry, MediaKind};

use crate::api;
use crate::connection::Connection;
use crate::loader::Loader;

/// Largest page the server returns.
const MAX_PER_PAGE: u64 = 500;

/// Handle to one list; `Copy`, owned by the component that created it.
#[derive(Clone, Copy)]
pub struct MediaList {
    entries: RwSignal<Vec<MediaEntry>>,
    total: RwSignal<u64>,
    kind: RwSignal<Option<MediaKind>>,
    /// The fetches: under way, answered, failed; only the newest counts.
    loader: Loader,
    per_page: u64,
    /// Keep at most this many entries (the recent strip).
    limit: Option<usize>,
    /// Events seen while a fetch was under way, applied again to its
    /// result.
    pending: StoredValue<Vec<MediaEvent>>,
    /// Ids added beyond the loaded range, counted in `total` once.
    counted: StoredValue<HashSet<i64>>,
}

impl MediaList {
    /// Creates the list, subscribes it to catalogue changes for the life of
    /// the calling component, and loads the first page.
    pub fn new(per_page: u64, limit: Option<usize>) -> Self {
        let list = MediaList {
            entries: RwSignal::new(Vec::new()),
            total: RwSignal::new(0),
            kind: RwSignal::new(None),
            loader: Loader::new(),
            per_page: per_page.clamp(1, MAX_PER_PAGE),
            limit,
            pending: StoredValue::new(Vec::new()),
            counted: StoredValue::new(HashSet::new()),
        };
        expect_context::<Connection>().on_media(move |event| list.apply(event));
        list.reload();
        list
    }

    /// The entries, newest first.
    pub fn entries(&self) -> Signal<Vec<MediaEntry>> {
        self.entries.into()
    }

    /// How many entries match the filter, loaded or not.
    pub fn total(&self) -> Signal<u64> {
        self.total.into()
    }

    /// The kind shown, `None` for all.
    pub fn kind(&self) -> Signal<Option<MediaKind>> {
        self.kind.into()
    }

    /// Whether a fetch is under way.
    pub fn loading(&self) -> Signal<bool> {
        self.loader.loading()
    }

    /// Whether the first fetch has answered (so "empty" means empty).
    pub fn loaded(&self) -> Signal<bool> {
        self.loader.loaded()
    }

    /// Why the last fetch failed, if it did.
    pub fn error(&self) -> Signal<Option<String>> {
        self.loader.error()
    }

    /// Whether entries beyond the loaded ones exist.
    pub fn has_more(&self) -> bool {
        let len = self.entries.with(Vec::len);
        self.limit.is_none_or(|limit| len < limit) && (len as u64) < self.total.get()
    }

    /// Shows only `kind` (`None`: everything), from the first page.
    pub fn set_kind(&self, kind: Option<MediaKind>) {
        if self.kind.get_untracked() == kind {
            return;
        }
        self.kind.set(kind);
        self.entries.set(Vec::new());
        self.total.set(0);
        self.loader.forget();
        self.reload();
    }

    /// Fetches the loaded range (at least one page) again.
    pub fn reload(&self) {
        let len = self.entries.with_untracked(Vec::len) as u64;
        let per_page = len
            .div_ceil(self.per_page)
            .max(1)
            .saturating_mul(self.per_page)
            .min(MAX_PER_PAGE);
        self.fetch(1, per_page, true);
    }

    /// Fetches the entries after the loaded ones.
    pub fn load_more(&self) {
        let len = self.entries.with_untracked(Vec::len) as u64;
        let (page, per_page) = next_page(len, self.per_page);
        self.fetch(page, per_page, false);
    }

    fn fetch(&self, page: u64, per_page: u64, replace: bool) {
        self.pending.set_value(Vec::new());
        let kind = self.kind.get_untracked();
        let this = *self;
        // An answer is dropped when a newer fetch started or the list is
        // gone.
        self.loader
            .load(api::list(page, per_page, kind), move |answer| {
                this.entries.update(|entries| {
                    if replace {
                        entries.clear();
                    }
                    for entry in answer.entries {
                        upsert(entries, entry);
                    }
                });
                this.total.set(answer.total);
                this.counted.update_value(HashSet::clear);
                let pending = this.pending.try_update_value(std::mem::take);
                for event in pending.unwrap_or_default() {
                    this.apply_now(&event);
                }
                this.trim();
            });
    }

    /// Applies a change now, and again to the answer of a fetch under way.
    fn apply(&self, event: &MediaEvent) {
        if self.loader.loading().try_get_untracked() == Some(true) {
            self.pending.update_value(|p| p.push(event.clone()));
        }
        self.apply_now(event);
    }

    fn apply_now(&self, event: &MediaEvent) {
        match event {
            MediaEvent::Added { entry } | MediaEvent::Updated { entry } => {
                if self.kind.get_untracked().is_some_and(|k| k != entry.kind) {
                    return;
                }
                let added = matches!(event, MediaEvent::Added { .. });
                let total = self.total.get_untracked();
                let mut inserted = false;
                let mut known = false;
                self.entries.update(|entries| {
                    known = entries.iter().any(|e| e.id == entry.id);
                    let all_loaded = entries.len() as u64 >= total;
                    let within = entries.last().is_none_or(|last| key(entry) > key(last));
                    if known || (added && (all_loaded || within)) {
                        inserted = upsert(entries, (**entry).clone());
                    }
                });
                if inserted || (added && !known && self.count_once(entry.id)) {
                    self.total.update(|t| *t += 1);
                }
            }
            MediaEvent::Removed { id } => {
                let mut removed = false;
                self.entries.update(|entries| {
                    let before = entries.len();
                    entries.retain(|e| e.id != *id);
                    removed = entries.len() < before;
                });
                let counted = self
                    .counted
                    .try_update_value(|c| c.remove(id))
                    .unwrap_or(false);
                if removed || counted {
                    self.total.update(|t| *t = t.saturating_sub(1));
                }
            }
            MediaEvent::Reload => {
                self.reload();
                return;
            }
        }
        self.trim();
    }

    /// Keeps the list within its limit, refilling it when deletions left
    /// fewer entries than exist.
    fn trim(&self) {
        let Some(limit) = self.limit else { return };
        self.entries.update(|entries| entries.truncate(limit));
        let len = self.entries.with_untracked(Vec::len);
        if len < limit
            && (len as u64) < self.total.get_untracked()
            && !self.loader.loading().get_untracked()
        {
            self.reload();
        }
    }

    /// Marks an id added beyond the loaded range as counted; `true` the
    /// first time.
    fn count_once(&self, id: i64) -> bool {
        self.counted
            .try_update_value(|c| c.insert(id))
            .unwrap_or(false)
    }
}

/// The page (number and size) to fetch after `len` loaded entries. The
/// list follows every change, so its length is the offset of the first
/// entry not loaded; the API pages by number, so the size is chosen to make
/// a page start exactly there: `per_page` when `len` is a multiple of it
/// (the usual case), else the divisor of `len` nearest to it (deletions
/// shift the entries up). Failing that, the page holding entry `len`,
/// whose overlap with loaded entries is merged away.
fn next_page(len: u64, per_page: u64) -> (u64, u64) {
    if len.is_multiple_of(per_page) {
        return (len / per_page + 1, per_page);
    }
    let divisor = (1..=len.min(MAX_PER_PAGE))
        .filter(|d| len.is_multiple_of(*d))
        .min_by_key(|d| d.abs_diff(per_page));
    match divisor {
        Some(d) if d * 2 >= per_page => (len / d + 1, d),
        _ => (len / per_page + 1, per_page),
    }
}

/// Sort key: newest first means largest key first.
fn key(entry: &MediaEntry) -> (i64, i64) {
    (entry.created_us, entry.id)
}

/// Replaces the entry with the same id, or inserts it in order; `true` when
/// it was inserted.
fn upsert(entries: &mut Vec<MediaEntry>, entry: MediaEntry) -> bool {
    if let Some(old) = entries.iter_mut().find(|e| e.id == entry.id) {
        *old = entry;
        return false;
    }
    let at = entries.partition_point(|e| key(e) > key(&entry));
    entries.insert(at, entry);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::media::{CaptureMetadata, MediaStatus};

    fn entry(id: i64, created_us: i64) -> MediaEntry {
        MediaEntry {
            id,
            file_name: format!("{id}.jpg"),
            kind: MediaKind::Photo,
            created_us,
            date_label: String::new(),
            size_bytes: 1,
            width: None,
            height: None,
            duration_ms: None,
            frame_count: None,
            status: MediaStatus::Complete,
            metadata: CaptureMetadata::default(),
            title: String::new(),
            notes: String::new(),
        }
    }

    #[test]
    fn next_page_starts_after_the_loaded_entries() {
        assert_eq!(next_page(0, 24), (1, 24));
        assert_eq!(next_page(48, 24), (3, 24));
        // One deleted from the first page: 23 loaded, fetch 24-46.
        assert_eq!(next_page(23, 24), (2, 23));
        assert_eq!(next_page(46, 24), (3, 23));
        assert_eq!(next_page(25, 24), (2, 25));
        // 503 is prime and pages hold at most 500: overlap with page 21.
        assert_eq!(next_page(503, 24), (21, 24));
        for (len, per_page) in [
            (23, 24),
            (46, 24),
            (25, 24),
            (503, 24),
            (99, 100),
            (1001, 100),
        ] {
            let (page, size) = next_page(len, per_page);
            assert!((page - 1) * size <= len && page * size > len, "{len}");
        }
    }

    #[test]
    fn upsert_keeps_newest_first_and_replaces_by_id() {
        let mut list = vec![entry(3, 30), entry(1, 10)];
        assert!(upsert(&mut list, entry(2, 20)));
        assert!(upsert(&mut list, entry(4, 40)));
        assert!(!upsert(&mut list, entry(2, 20)));
        let ids: Vec<i64> = list.iter().map(|e| e.id).collect();
        assert_eq!(ids, [4, 3, 2, 1]);
    }
}
