//! Upgrading from the original app (Flask + OpenCV), whose folder holds a
//! `config.txt` and a `media/` folder with `media.db` (table
//! `media(id, date, fileName)`), `.jpg` photos and `.avi` recordings.
//!
//! `camrig import-legacy DIR` ([`import_legacy`]) carries the settings over
//! into a `camrig.toml` ([`config_txt`]), moves the old database aside to a
//! backup and catalogues its rows with their dates ([`old_db`], then
//! [`Catalogue::import`]), catalogues the files that had no row, and with
//! `--convert` turns the AVI recordings into MP4 that browsers play
//! ([`convert`]).
//!
//! Every part of camrig opens the catalogue through [`open_catalogue`]:
//! the server at start, `camrig media ...` and the import. It moves the
//! original's `media.db` aside before the catalogue's migrations could run
//! inside it, and catalogues every backup not yet done (an import cut
//! short is finished by the next opening). [`record`] keeps what is done.
//! Running it again catalogues and converts nothing twice; a bad line, row
//! or file is reported and skipped, and nothing is deleted unless asked.
//!
//! A conversion never leaves a recording catalogued twice, even when it
//! is cut short: the MP4 is made and checked under a hidden name, the AVI
//! leaves the media folder (to `media/original-avi/`, or to a hidden name
//! when it is to be deleted), the entry is pointed at the MP4's name, and
//! only then does the MP4 get that name. The next run finishes whatever a
//! run cut short left behind.

pub mod config_txt;
pub mod convert;
pub mod old_db;
pub mod record;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};
use shared::media::{MediaEntry, MediaKind, MediaStatus};

use crate::auth::files::{FileError, write_whole};
use crate::catalogue::names::{self, clean_text};
use crate::catalogue::{Catalogue, CatalogueError, entity, probe, repo, thumbnail};
use crate::config::{ConfigError, Layers};
use record::Record;

/// The folder inside the media folder where converted recordings' AVI
/// originals are kept (out of the gallery, never deleted unless asked).
pub const ORIGINALS_DIR: &str = "original-avi";

/// Why an import stopped. Problems with single settings, rows or files are
/// reported and skipped instead.
#[derive(Debug, thiserror::Error)]
pub enum LegacyError {
    /// The folder given is not one.
    #[error("{0} is not a folder")]
    NotAFolder(PathBuf),
    /// The folder holds neither `config.txt` nor `media/`.
    #[error("{0} holds neither config.txt nor a media folder; give the folder of the original app")]
    NothingToImport(PathBuf),
    /// A file operation failed.
    #[error("cannot {what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The original's database could not be read.
    #[error("cannot read the original app's database {path}: {reason}")]
    OldDatabase {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// The catalogue could not be opened or written.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// A file could not be written.
    #[error("cannot write {0}")]
    Write(#[from] FileError),
    /// The record of what the import did cannot be read.
    #[error("cannot read {path}: {reason}")]
    Record {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The written `camrig.toml` does not load (a bug: every value was
    /// checked before).
    #[error("the written settings do not load: {0}")]
    Config(#[from] ConfigError),
}

/// Where the report's lines go, as they happen.
pub type Say = Arc<dyn Fn(&str) + Send + Sync>;

/// What to do besides cataloguing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Convert AVI recordings to MP4.
    pub convert: bool,
    /// After converting, delete the AVI instead of keeping it in
    /// `media/original-avi/`.
    pub delete_avi: bool,
    /// The catalogue's database URL; `None`: `media.db` in the media folder.
    pub database_url: Option<String>,
}

/// What an import did, in numbers (the details went to [`Say`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Where the original database was moved, if it was moved now.
    pub backup: Option<PathBuf>,
    /// Backups of the original database whose rows were read now.
    pub backups: usize,
    /// Old rows catalogued now.
    pub rows: usize,
    /// Files without a row catalogued now.
    pub files: usize,
    /// Rows already catalogued before (or converted before), and files
    /// without a row that were converted before.
    pub already: usize,
    /// Rows or files not catalogued, each reported.
    pub skipped: usize,
    /// AVI recordings converted to MP4 now.
    pub converted: usize,
    /// AVI recordings whose conversion failed (each kept as it was).
    pub failed: usize,
    /// AVI recordings left unconverted.
    pub avi_left: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rows and {} files without a row catalogued, {} already catalogued, {} skipped; \
             {} recordings converted to MP4",
            self.rows, self.files, self.already, self.skipped, self.converted
        )?;
        if self.failed > 0 {
            write!(f, ", {} could not be converted", self.failed)?;
        }
        if self.avi_left > 0 {
            write!(f, ", {} still AVI", self.avi_left)?;
        }
        Ok(())
    }
}

/// `camrig import-legacy DIR`: settings, database and files of the original
/// app in `dir`, reported line by line through `say`.
pub async fn import_legacy(
    dir: &Path,
    options: &Options,
    say: &Say,
) -> Result<Summary, LegacyError> {
    if !dir.is_dir() {
        return Err(LegacyError::NotAFolder(dir.to_owned()));
    }
    let dir = dir.canonicalize().map_err(|source| LegacyError::Io {
        what: "resolve",
        path: dir.to_owned(),
        source,
    })?;
    let config_path = dir.join("config.txt");
    let media_dir = dir.join("media");
    if !config_path.exists() && !media_dir.is_dir() {
        return Err(LegacyError::NothingToImport(dir));
    }
    if config_path.exists() {
        settings(&dir, &config_path, &media_dir, say)?;
    } else {
        say(&format!(
            "No config.txt in {}: no settings to carry over.",
            dir.display()
        ));
    }
    if !media_dir.is_dir() {
        say(&format!(
            "No media folder in {}: nothing to catalogue.",
            dir.display()
        ));
        return Ok(Summary::default());
    }
    say(&format!("Media in {}:", media_dir.display()));
    let url = options
        .database_url
        .clone()
        .unwrap_or_else(|| crate::catalogue::default_database_url(&media_dir));
    let (catalogue, mut summary) = open_catalogue(&url, &media_dir, Backups::All, say).await?;
    recordings(&catalogue, &dir, options, say, &mut summary).await?;
    say(&format!("Done: {summary}."));
    Ok(summary)
}

/// Carries `config.txt` over into `camrig.toml` beside it (or
/// `camrig.imported.toml` beside a different `camrig.toml` of the user's),
/// reports each setting, and checks the file loads.
fn settings(
    dir: &Path,
    config_path: &Path,
    media_dir: &Path,
    say: &Say,
) -> Result<(), LegacyError> {
    let text = match std::fs::read(config_path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            say(&format!(
                "Cannot read {}: {e}; no settings carried over.",
                config_path.display()
            ));
            return Ok(());
        }
    };
    let mapping = config_txt::map(&config_txt::parse(&text), config_path, media_dir);
    say(&format!("Settings from {}:", config_path.display()));
    for outcome in &mapping.outcomes {
        say(&format!("  {} -> {}", outcome.from, outcome.became));
    }
    if !mapping.not_mapped.is_empty() {
        say(&format!("Not carried over ({}):", mapping.not_mapped.len()));
        for line in &mapping.not_mapped {
            say(&format!("  {line}"));
        }
    }
    let toml = mapping.toml_text(config_path);
    let (path, written) = config_txt::target(dir, &toml);
    if written == config_txt::Written::Unchanged {
        say(&format!("{} already holds these settings.", path.display()));
    } else {
        let secret = mapping.settings.contains_key("auth.operator_key");
        write_file(&path, &toml, secret)?;
        say(&format!("Wrote {}.", path.display()));
    }
    if written == config_txt::Written::BesideYours {
        say(&format!(
            "Your {} differs and was left as it is; compare it with {}.",
            dir.join("camrig.toml").display(),
            path.display()
        ));
    }
    // What was written must load as the server will load it.
    let mut layers = Layers::default();
    layers.file(&path)?;
    layers.build()?;
    say(&format!(
        "Start the server with: camrig --config {}",
        path.display()
    ));
    Ok(())
}

/// Writes `text` to `path` whole (through a temporary file); readable by
/// the owner only when it holds a `secret`.
fn write_file(path: &Path, text: &str, secret: bool) -> Result<(), LegacyError> {
    write_whole(path, text.as_bytes(), if secret { 0o600 } else { 0o644 })?;
    Ok(())
}

/// Which backups of the original database [`open_catalogue`] catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backups {
    /// Those not catalogued completely yet, at every opening (the server's
    /// start, `camrig media ...`); once all are done, nothing is read.
    Unfinished,
    /// All of them again, counting what is catalogued already
    /// (`camrig import-legacy`).
    All,
}

/// Opens the catalogue of `media_dir` in the database at `database_url`:
/// the one way the server, `camrig media ...` and the import open it.
///
/// The original app's `media.db` found there is first moved aside to a
/// backup, so the catalogue's migrations never run inside it. Then the
/// rows of the backups (`which`) and the files that had no row are
/// catalogued and the backups noted as done, which also finishes an
/// import cut short. Each step is reported through `say`; when an
/// unfinished backup was catalogued, `say` also hears how to convert the
/// recordings and carry the settings over. Running it again catalogues
/// nothing twice.
pub async fn open_catalogue(
    database_url: &str,
    media_dir: &Path,
    which: Backups,
    say: &Say,
) -> Result<(Catalogue, Summary), LegacyError> {
    let mut summary = Summary {
        backup: moved_aside(media_dir, say).await?,
        ..Summary::default()
    };
    let catalogue = Catalogue::open(database_url, media_dir).await?;
    catalogue_backups(&catalogue, which, say, &mut summary).await?;
    if which == Backups::Unfinished && summary.backups > 0 {
        next_steps(&catalogue, say, &mut summary).await;
    }
    Ok((catalogue, summary))
}

/// Moves the original's `media.db` aside, saying so.
async fn moved_aside(media_dir: &Path, say: &Say) -> Result<Option<PathBuf>, LegacyError> {
    let backup = old_db::set_aside(media_dir).await?;
    if let Some(backup) = &backup {
        say(&format!(
            "  the original database {} is now {} (a backup, never deleted)",
            old_db::FILE,
            file_name(backup)
        ));
    }
    Ok(backup)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The record of `media_dir`; an unreadable one is reported and written
/// anew (what it noted is only done again, never twice).
fn load_record(media_dir: &Path, say: &Say) -> Record {
    Record::load(media_dir).unwrap_or_else(|e| {
        say(&format!("  {e}; it is written anew"));
        Record::default()
    })
}

/// Catalogues the rows of the backups (`which`), then the files without a
/// row, and notes the backups read as done.
async fn catalogue_backups(
    catalogue: &Catalogue,
    which: Backups,
    say: &Say,
    summary: &mut Summary,
) -> Result<(), LegacyError> {
    let media_dir = catalogue.dir();
    let backups = old_db::backups(media_dir);
    if backups.is_empty() {
        if which == Backups::All {
            say("  no database of the original app (nothing moved aside now or before)");
        }
        return Ok(());
    }
    let mut record = load_record(media_dir, say);
    let todo: Vec<PathBuf> = backups
        .into_iter()
        .filter(|b| which == Backups::All || !record.imported.contains(&file_name(b)))
        .collect();
    if todo.is_empty() {
        return Ok(());
    }
    let mut read = Vec::new();
    for backup in &todo {
        if which == Backups::Unfinished {
            say(&format!(
                "  cataloguing the media listed in the original database {}",
                file_name(backup)
            ));
        }
        if catalogue_rows(catalogue, backup, &record, say, summary).await {
            read.push(file_name(backup));
        }
    }
    summary.backups += read.len();
    catalogue_untracked(catalogue, &record, say, summary).await?;
    if read.iter().any(|name| !record.imported.contains(name)) {
        record.imported.extend(read);
        if let Err(e) = record.save(media_dir) {
            say(&format!(
                "  {e}; the old database is looked at again next time"
            ));
        }
    }
    Ok(())
}

/// Catalogues the rows of one backup of the original database; rows
/// already catalogued are counted, not repeated. Whether the backup could
/// be read.
async fn catalogue_rows(
    catalogue: &Catalogue,
    backup: &Path,
    record: &Record,
    say: &Say,
    summary: &mut Summary,
) -> bool {
    let read = match old_db::read_rows(backup).await {
        Ok(read) => read,
        Err(e) => {
            say(&format!("  {e}; its rows are not catalogued"));
            summary.skipped += 1;
            return false;
        }
    };
    for line in &read.unreadable {
        say(&format!("  {line}"));
        summary.skipped += 1;
    }
    for row in read.rows {
        // The original stored bare names; a path keeps only its last part.
        let stored = row.file_name.trim();
        let name = stored
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(stored)
            .to_owned();
        let shown = clean_text(&name, false);
        let date = clean_text(row.date.trim(), false);
        match catalogue.import(&name, &date).await {
            Ok(entry) => {
                summary.rows += 1;
                say(&format!(
                    "  row {}: {} catalogued as id {}, {}, dated {date:?}",
                    row.id,
                    shown,
                    entry.id,
                    describe(&entry)
                ));
            }
            Err(CatalogueError::AlreadyCatalogued(_)) => summary.already += 1,
            Err(CatalogueError::NoSuchFile(_)) if converted_before(catalogue, record, &name) => {
                summary.already += 1;
            }
            Err(CatalogueError::NoSuchFile(_)) => {
                summary.skipped += 1;
                say(&format!(
                    "  row {}: {shown} is not in the media folder; skipped",
                    row.id
                ));
            }
            Err(e) => {
                summary.skipped += 1;
                say(&format!("  row {}: {shown:?}: {e}; skipped", row.id));
            }
        }
    }
    true
}

/// Whether the AVI `name` was converted to MP4 by an earlier run: the
/// record says so (whatever name the MP4 got, the AVI kept or deleted), or
/// its original is kept in `media/original-avi/`.
fn converted_before(catalogue: &Catalogue, record: &Record, name: &str) -> bool {
    is_avi(name)
        && (record.converted.contains_key(name)
            || catalogue.dir().join(ORIGINALS_DIR).join(name).is_file())
}

/// Catalogues the media files that have no row (the original did not list
/// every file), without a date. An AVI converted before is not catalogued
/// again: its MP4 is.
async fn catalogue_untracked(
    catalogue: &Catalogue,
    record: &Record,
    say: &Say,
    summary: &mut Summary,
) -> Result<(), LegacyError> {
    for name in catalogue.untracked().await? {
        let shown = clean_text(&name, false);
        if converted_before(catalogue, record, &name) {
            summary.already += 1;
            say(&format!(
                "  {shown} was converted to MP4 before; not catalogued again"
            ));
            continue;
        }
        match catalogue.import(&name, "").await {
            Ok(entry) => {
                summary.files += 1;
                say(&format!(
                    "  {shown} (no row in the original database) catalogued as id {}, {}",
                    entry.id,
                    describe(&entry)
                ));
            }
            Err(CatalogueError::AlreadyCatalogued(_)) => {}
            Err(e) => {
                summary.skipped += 1;
                say(&format!("  {shown}: {e}; skipped"));
            }
        }
    }
    Ok(())
}

/// After an opening catalogued the original's media by itself: how to
/// convert the recordings and carry the settings over, and what was done.
async fn next_steps(catalogue: &Catalogue, say: &Say, summary: &mut Summary) {
    let dir = catalogue
        .dir()
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    if let Err(e) = offer_conversion(catalogue, &dir, say, summary).await {
        say(&format!("  cannot list the AVI recordings: {e}"));
    }
    let config = dir.join("config.txt");
    if config_txt::looks_like_original(&config) {
        say(&format!(
            "  the original app's settings in {} are not used: `camrig import-legacy {}` \
             carries them over into camrig.toml",
            config.display(),
            dir.display()
        ));
    }
    say(&format!("Imported the original app's media: {summary}."));
}

/// `photo 640x480` or `video 640x480, 2.0 s`, as far as known.
fn describe(entry: &MediaEntry) -> String {
    let mut text = entry.kind.as_str().to_owned();
    if let (Some(w), Some(h)) = (entry.width, entry.height) {
        text.push_str(&format!(" {w}x{h}"));
    }
    if let Some(ms) = entry.duration_ms {
        text.push_str(&format!(", {:.1} s", ms as f64 / 1000.0));
    } else if entry.kind == MediaKind::Video {
        text.push_str(", duration unknown");
    }
    text
}

fn is_avi(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("avi"))
}

fn stem_of(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// The catalogued AVI recordings, newest first.
async fn avi_entries(catalogue: &Catalogue) -> Result<Vec<MediaEntry>, LegacyError> {
    Ok(repo::all(catalogue.db())
        .await?
        .into_iter()
        .filter(|e| is_avi(&e.file_name) && e.status == MediaStatus::Complete)
        .collect())
}

/// Says how to convert the catalogued AVI recordings, if there are any.
async fn offer_conversion(
    catalogue: &Catalogue,
    dir: &Path,
    say: &Say,
    summary: &mut Summary,
) -> Result<(), LegacyError> {
    let avis = avi_entries(catalogue).await?.len();
    if avis > 0 {
        summary.avi_left = avis;
        say(&format!(
            "  {avis} recordings are Motion JPEG in AVI, which browsers cannot play: \
             `camrig import-legacy --convert {}` converts them to MP4 (H.264) and keeps each \
             AVI in media/{ORIGINALS_DIR}/",
            dir.display()
        ));
    }
    Ok(())
}

/// The AVI recordings: conversions a run cut short are finished first;
/// then the rest are converted with `--convert`, otherwise offered for
/// conversion.
async fn recordings(
    catalogue: &Catalogue,
    dir: &Path,
    options: &Options,
    say: &Say,
    summary: &mut Summary,
) -> Result<(), LegacyError> {
    resume_conversions(catalogue, options, say, summary).await?;
    if !options.convert {
        return offer_conversion(catalogue, dir, say, summary).await;
    }
    let mut avis = avi_entries(catalogue).await?;
    avis.reverse(); // oldest first
    for entry in avis {
        match convert_one(catalogue, &entry, options, say).await {
            Ok(done) => {
                summary.converted += 1;
                say(&done.report());
            }
            Err(e) => {
                summary.failed += 1;
                summary.avi_left += 1;
                say(&format!(
                    "  {}: {e}; the AVI is kept as it was",
                    clean_text(&entry.file_name, false)
                ));
            }
        }
    }
    Ok(())
}

/// Why one recording was not converted.
#[derive(Debug, thiserror::Error)]
enum ConvertFailed {
    #[error(transparent)]
    Convert(#[from] convert::ConvertError),
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error(transparent)]
    Name(#[from] names::NameError),
    #[error(transparent)]
    Legacy(#[from] LegacyError),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("the MP4 lasts {got} ms where the AVI lasts {want} ms")]
    Duration { got: u64, want: u64 },
    #[error("its catalogue entry {0} was removed meanwhile")]
    Gone(i64),
}

/// The hidden files of the conversion of entry `id` in the media folder
/// (hidden files are never media: never catalogued, never served).
struct Work {
    /// The MP4 being written.
    part: PathBuf,
    /// The MP4, complete and checked, before it gets its name.
    mp4: PathBuf,
    /// The AVI, out of the gallery, to be deleted (`--delete-avi`).
    avi: PathBuf,
}

const WORK_PREFIX: &str = ".convert-";

impl Work {
    fn of(dir: &Path, id: i64) -> Work {
        Work {
            part: dir.join(format!("{WORK_PREFIX}{id}.mp4.part")),
            mp4: dir.join(format!("{WORK_PREFIX}{id}.mp4")),
            avi: dir.join(format!("{WORK_PREFIX}{id}.avi")),
        }
    }
}

/// The entry id of a work file `name` ending in `ending`.
fn work_id(name: &str, ending: &str) -> Option<i64> {
    name.strip_prefix(WORK_PREFIX)?
        .strip_suffix(ending)?
        .parse()
        .ok()
}

/// Where a converted recording's AVI went.
enum AviWent {
    /// Kept at this path in `media/original-avi/`.
    Kept(PathBuf),
    /// Kept in `media/original-avi/` by the run that was cut short.
    KeptBefore,
    /// Deleted, as asked.
    Deleted,
}

/// A finished conversion.
struct Finished {
    id: i64,
    avi: String,
    mp4: String,
    duration_ms: Option<u64>,
    went: AviWent,
}

impl Finished {
    /// The report line.
    fn report(&self) -> String {
        let went = match &self.went {
            AviWent::Kept(path) => format!(
                "the AVI is kept as media/{ORIGINALS_DIR}/{}",
                file_name(path)
            ),
            AviWent::KeptBefore => format!("the AVI is kept in media/{ORIGINALS_DIR}/"),
            AviWent::Deleted => "the AVI is deleted".to_owned(),
        };
        format!(
            "  {} -> {} (id {}, {:.1} s, H.264); {went}",
            clean_text(&self.avi, false),
            clean_text(&self.mp4, false),
            self.id,
            self.duration_ms.unwrap_or(0) as f64 / 1000.0
        )
    }
}

/// Converts one AVI entry: the MP4 is made under a hidden name and checked
/// (it decodes and lasts as long), then [`finish`] puts it in the AVI's
/// place.
async fn convert_one(
    catalogue: &Catalogue,
    entry: &MediaEntry,
    options: &Options,
    say: &Say,
) -> Result<Finished, ConvertFailed> {
    let source = catalogue.path_of(entry)?;
    let work = Work::of(catalogue.dir(), entry.id);
    let line = clean_text(&entry.file_name, false);
    let progress_say = say.clone();
    let (from, to) = (source, work.part.clone());
    let converted = tokio::task::spawn_blocking(move || {
        let mut next = 0u8;
        convert::to_mp4(&from, &to, |percent| {
            if percent >= next {
                progress_say(&format!("  converting {line} to MP4: {percent}%"));
                next = (percent / 10 + 1) * 10;
            }
        })?;
        Ok::<_, ConvertFailed>(probe::media_info(&to, MediaKind::Video))
    })
    .await
    .map_err(|e| std::io::Error::other(e.to_string()))?;
    let checked = converted.and_then(|info| {
        let got = info.duration_ms.unwrap_or(0);
        match entry.duration_ms {
            Some(want) if got.abs_diff(want) > 500 + want / 50 => {
                Err(ConvertFailed::Duration { got, want })
            }
            _ => Ok(std::fs::rename(&work.part, &work.mp4)?),
        }
    });
    if let Err(e) = checked {
        let _ = std::fs::remove_file(&work.part);
        return Err(e);
    }
    finish(catalogue, entry.id, options.delete_avi).await
}

/// Puts the checked MP4 of entry `id` (its hidden [`Work::mp4`]) in place
/// of the AVI, in an order that a crash cannot turn into a recording
/// catalogued twice: the conversion is recorded, the AVI leaves the media
/// folder (kept in `media/original-avi/`, or under a hidden name until it
/// is deleted with `delete_avi`), the entry (id, date, title, notes) is
/// pointed at the MP4's name, and only then does the MP4 get that name.
/// Picks up wherever a run cut short stopped. Before the entry is pointed
/// at the MP4 a failure leaves everything as it was.
async fn finish(
    catalogue: &Catalogue,
    id: i64,
    delete_avi: bool,
) -> Result<Finished, ConvertFailed> {
    let dir = catalogue.dir();
    let work = Work::of(dir, id);
    let entry = match repo::get(catalogue.db(), id).await {
        Err(CatalogueError::NotFound(_)) => {
            let _ = std::fs::remove_file(&work.mp4);
            return Err(ConvertFailed::Gone(id));
        }
        other => other?,
    };
    let mp4 = work.mp4.clone();
    let info = tokio::task::spawn_blocking(move || probe::media_info(&mp4, MediaKind::Video))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let size = std::fs::metadata(&work.mp4)?.len();
    // An unreadable record was reported when the backups were read.
    let mut record = Record::load(dir).unwrap_or_default();
    let (avi, name, went) = if is_avi(&entry.file_name) {
        let avi = entry.file_name.clone();
        let stem = names::sanitise_stem(stem_of(&avi))
            .unwrap_or_else(|| names::timestamp_stem(entry.created_us));
        let name = free_mp4_name(catalogue, &stem).await?;
        record.converted.insert(avi.clone(), name.clone());
        let aside = record
            .save(dir)
            .map_err(ConvertFailed::from)
            .and_then(|()| set_avi_aside(dir, &avi, &work, delete_avi));
        let went = match aside {
            Ok(went) => went,
            Err(e) => {
                record.converted.remove(&avi);
                let _ = record.save(dir);
                let _ = std::fs::remove_file(&work.mp4);
                return Err(e);
            }
        };
        if let Err(e) = point_entry_at(catalogue, id, &name, size, info).await {
            // Back as it was; if the AVI cannot go back, the next run
            // finishes the conversion instead.
            if put_avi_back(dir, &avi, &work, &went).is_ok() {
                record.converted.remove(&avi);
                let _ = record.save(dir);
                let _ = std::fs::remove_file(&work.mp4);
            }
            return Err(e.into());
        }
        (avi, name, went)
    } else {
        // Pointed at the MP4 by the run cut short; the record knows the AVI.
        let name = entry.file_name.clone();
        let avi = record
            .converted
            .iter()
            .find(|(_, mp4)| **mp4 == name)
            .map(|(avi, _)| avi.clone())
            .unwrap_or_default();
        let went = if work.avi.exists() {
            AviWent::Deleted
        } else {
            AviWent::KeptBefore
        };
        (avi, name, went)
    };
    let name = give_name(catalogue, id, &work, name, &mut record, &avi, size, info).await?;
    let _ = std::fs::remove_file(&work.mp4);
    thumbnail::forget(dir, id);
    if matches!(went, AviWent::Deleted) {
        match std::fs::remove_file(&work.avi) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    Ok(Finished {
        id,
        avi,
        mp4: name,
        duration_ms: info.duration_ms,
        went,
    })
}

/// A name `stem.mp4`, `stem-1.mp4`, ... that is neither a file in the
/// media folder nor catalogued.
async fn free_mp4_name(catalogue: &Catalogue, stem: &str) -> Result<String, ConvertFailed> {
    let known: std::collections::HashSet<String> = repo::all(catalogue.db())
        .await?
        .into_iter()
        .map(|e| e.file_name)
        .collect();
    let tail = format!(".{}", names::extension(MediaKind::Video));
    let free = names::first_free(stem, &tail, |name| {
        let path = names::path_in(catalogue.dir(), &name)?;
        let taken = known.contains(&name) || std::fs::symlink_metadata(path).is_ok();
        Ok::<_, names::NameError>((!taken).then_some(name))
    })?;
    Ok(free.ok_or(names::NameError::NoFreeName)?)
}

/// Takes the AVI `avi` out of the media folder: into
/// `media/original-avi/`, or with `delete_avi` to its hidden
/// [`Work::avi`] name. Already out (a run cut short moved it): nothing.
fn set_avi_aside(
    dir: &Path,
    avi: &str,
    work: &Work,
    delete_avi: bool,
) -> Result<AviWent, ConvertFailed> {
    let source = names::path_in(dir, avi)?;
    match std::fs::symlink_metadata(&source) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(if work.avi.exists() {
                AviWent::Deleted
            } else {
                AviWent::KeptBefore
            });
        }
        Err(e) => return Err(e.into()),
        Ok(_) => {}
    }
    if delete_avi {
        if !move_new(&source, &work.avi)? {
            return Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists).into());
        }
        return Ok(AviWent::Deleted);
    }
    Ok(AviWent::Kept(keep_original(dir, &source, avi)?))
}

/// Undoes [`set_avi_aside`].
fn put_avi_back(dir: &Path, avi: &str, work: &Work, went: &AviWent) -> std::io::Result<()> {
    let from = match went {
        AviWent::Kept(path) => path.as_path(),
        AviWent::Deleted => work.avi.as_path(),
        AviWent::KeptBefore => return Err(std::io::Error::other("kept by an earlier run")),
    };
    if move_new(from, &dir.join(avi))? {
        Ok(())
    } else {
        Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists))
    }
}

/// Gives the checked MP4 the name its entry now holds. Should another
/// file have taken that name meanwhile, the MP4 and the entry get the next
/// free one.
#[allow(clippy::too_many_arguments)]
async fn give_name(
    catalogue: &Catalogue,
    id: i64,
    work: &Work,
    mut name: String,
    record: &mut Record,
    avi: &str,
    size: u64,
    info: probe::MediaInfo,
) -> Result<String, ConvertFailed> {
    let dir = catalogue.dir();
    loop {
        let path = names::path_in(dir, &name)?;
        if link_new(&work.mp4, &path)? || same_file(&work.mp4, &path) {
            return Ok(name);
        }
        name = free_mp4_name(catalogue, stem_of(&name)).await?;
        if !avi.is_empty() {
            record.converted.insert(avi.to_owned(), name.clone());
            record.save(dir)?;
        }
        point_entry_at(catalogue, id, &name, size, info).await?;
    }
}

/// Whether `a` and `b` are one file (two names of it).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Gives the file `from` the new name `to` as well, unless `to` exists
/// (`false`). A hard link never replaces a file; where the file system has
/// none (FAT on a USB stick) the file is renamed after checking.
fn link_new(from: &Path, to: &Path) -> std::io::Result<bool> {
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(_) if to.exists() => Ok(false),
        Err(_) => std::fs::rename(from, to).map(|()| true),
    }
}

/// Moves `from` to `to` unless `to` exists (`false`); never replaces a
/// file.
fn move_new(from: &Path, to: &Path) -> std::io::Result<bool> {
    if !link_new(from, to)? {
        return Ok(false);
    }
    // Linked rather than renamed: the old name goes.
    if from.exists()
        && let Err(e) = std::fs::remove_file(from)
    {
        let _ = std::fs::remove_file(to);
        return Err(e);
    }
    Ok(true)
}

/// Points entry `id` at the file `name` with its size and facts, in one
/// transaction.
async fn point_entry_at(
    catalogue: &Catalogue,
    id: i64,
    name: &str,
    size: u64,
    info: probe::MediaInfo,
) -> Result<(), CatalogueError> {
    let txn = catalogue.db().begin().await?;
    let row = entity::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(CatalogueError::NotFound(id))?;
    let mut row: entity::ActiveModel = row.into();
    row.file_name = Set(name.to_owned());
    row.update(&txn).await?;
    repo::set_file_facts(&txn, id, MediaStatus::Complete, size, info).await?;
    txn.commit().await?;
    Ok(())
}

/// Moves the AVI at `source` into `media/original-avi/` as `name`, or
/// `name` with `-1`, `-2`, ... before its extension if that is taken.
fn keep_original(dir: &Path, source: &Path, name: &str) -> std::io::Result<PathBuf> {
    let keep = dir.join(ORIGINALS_DIR);
    std::fs::create_dir_all(&keep)?;
    let (stem, tail) = match name.rsplit_once('.') {
        Some((stem, extension)) => (stem, format!(".{extension}")),
        None => (name, String::new()),
    };
    names::first_free(stem, &tail, |candidate| {
        let target = keep.join(candidate);
        move_new(source, &target).map(|moved| moved.then_some(target))
    })?
    .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::AlreadyExists))
}

/// Finishes what a conversion cut short left in the media folder: an MP4
/// being written is removed (the AVI is converted again), a checked MP4 is
/// put in its AVI's place ([`finish`]), and an AVI waiting to be deleted
/// is deleted once its entry names the MP4 (otherwise it is kept in
/// `media/original-avi/`).
async fn resume_conversions(
    catalogue: &Catalogue,
    options: &Options,
    say: &Say,
    summary: &mut Summary,
) -> Result<(), LegacyError> {
    let dir = catalogue.dir();
    let io = |source| LegacyError::Io {
        what: "list",
        path: dir.to_owned(),
        source,
    };
    let mut leftovers: Vec<String> = std::fs::read_dir(dir)
        .map_err(io)?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(WORK_PREFIX))
        .collect();
    leftovers.sort();
    for name in &leftovers {
        if work_id(name, ".mp4.part").is_some() {
            let _ = std::fs::remove_file(dir.join(name));
        }
    }
    for id in leftovers.iter().filter_map(|n| work_id(n, ".mp4")) {
        say(&format!(
            "  finishing the conversion of entry {id}, cut short before"
        ));
        match finish(catalogue, id, options.delete_avi).await {
            Ok(done) => {
                summary.converted += 1;
                say(&done.report());
            }
            Err(e) => {
                summary.failed += 1;
                say(&format!(
                    "  entry {id}: {e}; the conversion is not finished"
                ));
            }
        }
    }
    for id in leftovers.iter().filter_map(|n| work_id(n, ".avi")) {
        let avi = Work::of(dir, id).avi;
        if !avi.exists() {
            continue;
        }
        let entry = repo::get(catalogue.db(), id).await.ok();
        let result = match entry {
            Some(entry) if !is_avi(&entry.file_name) => {
                std::fs::remove_file(&avi).map(|()| "deleted, as asked".to_owned())
            }
            other => {
                let name = other.map_or_else(|| format!("entry-{id}.avi"), |e| e.file_name);
                keep_original(dir, &avi, &name)
                    .map(|kept| format!("kept as media/{ORIGINALS_DIR}/{}", file_name(&kept)))
            }
        };
        match result {
            Ok(done) => say(&format!(
                "  the AVI of entry {id}, converted before: {done}"
            )),
            Err(e) => say(&format!("  the AVI of entry {id} ({}): {e}", avi.display())),
        }
    }
    Ok(())
}
