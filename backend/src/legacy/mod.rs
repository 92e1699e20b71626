//! Upgrading from the original app (Flask + OpenCV), whose folder holds a
//! `config.txt` and a `media/` folder with `media.db` (table
//! `media(id, date, fileName)`), `.jpg` photos and `.avi` recordings.
//!
//! `camrig import-legacy DIR` ([`import_legacy`]) carries the settings over
//! into a `camrig.toml` ([`config_txt`]), moves the old database aside to a
//! backup and catalogues its rows with their dates ([`old_db`], then
//! [`Catalogue::import`]), catalogues the files that had no row, and with
//! `--convert` turns the AVI recordings into MP4 that browsers play
//! ([`convert`]). The server does the media part by itself when it starts
//! on a media folder that still holds the original's database
//! ([`set_aside_on_start`], [`catalogue_on_start`]). Running it again
//! catalogues nothing twice; a bad line, row or file is reported and
//! skipped, and nothing is deleted.

pub mod config_txt;
pub mod convert;
pub mod old_db;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};
use shared::media::{MediaEntry, MediaKind, MediaStatus};

use crate::catalogue::names::{self, clean_text};
use crate::catalogue::{Catalogue, CatalogueError, entity, probe, repo, thumbnail};
use crate::config::{ConfigError, Layers};

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
    /// Old rows catalogued now.
    pub rows: usize,
    /// Files without a row catalogued now.
    pub files: usize,
    /// Rows already catalogued before.
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
    let mut summary = Summary {
        backup: moved_aside(&media_dir, say).await?,
        ..Summary::default()
    };
    let url = options
        .database_url
        .clone()
        .unwrap_or_else(|| crate::catalogue::default_database_url(&media_dir));
    let catalogue = Catalogue::open(&url, &media_dir).await?;
    let backups = old_db::backups(&media_dir);
    if backups.is_empty() {
        say("  no database of the original app (nothing moved aside now or before)");
    }
    for backup in &backups {
        catalogue_rows(&catalogue, backup, say, &mut summary).await;
    }
    catalogue_untracked(&catalogue, say, &mut summary).await?;
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

/// Writes `text` to `path` through a temporary file; readable by the owner
/// only when it holds a `secret`.
fn write_file(path: &Path, text: &str, secret: bool) -> Result<(), LegacyError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let partial = path.with_extension("toml.part");
    let io = |what, source| LegacyError::Io {
        what,
        path: partial.clone(),
        source,
    };
    let _ = std::fs::remove_file(&partial);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if secret { 0o600 } else { 0o644 })
        .open(&partial)
        .map_err(|e| io("create", e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io("write", e))?;
    std::fs::rename(&partial, path).map_err(|source| LegacyError::Io {
        what: "write",
        path: path.to_owned(),
        source,
    })
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

/// Catalogues the rows of one backup of the original database; rows
/// already catalogued are counted, not repeated.
async fn catalogue_rows(catalogue: &Catalogue, backup: &Path, say: &Say, summary: &mut Summary) {
    let read = match old_db::read_rows(backup).await {
        Ok(read) => read,
        Err(e) => {
            say(&format!("  {e}; its rows are not catalogued"));
            summary.skipped += 1;
            return;
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
            Err(CatalogueError::NoSuchFile(_)) if converted_before(catalogue, &name).await => {
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
}

/// Whether the AVI `name` was converted by an earlier run: its original is
/// kept, or the MP4 named after it is catalogued.
async fn converted_before(catalogue: &Catalogue, name: &str) -> bool {
    if !is_avi(name) {
        return false;
    }
    if catalogue.dir().join(ORIGINALS_DIR).join(name).is_file() {
        return true;
    }
    let Some(stem) = names::sanitise_stem(stem_of(name)) else {
        return false;
    };
    let mp4 = format!("{stem}.{}", names::extension(MediaKind::Video));
    matches!(repo::find_by_name(catalogue.db(), &mp4).await, Ok(Some(_)))
}

/// Catalogues the media files that have no row (the original did not list
/// every file), without a date.
async fn catalogue_untracked(
    catalogue: &Catalogue,
    say: &Say,
    summary: &mut Summary,
) -> Result<(), LegacyError> {
    for name in catalogue.untracked().await? {
        let shown = clean_text(&name, false);
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

/// The catalogued AVI recordings: converted with `--convert`, otherwise
/// offered for conversion.
async fn recordings(
    catalogue: &Catalogue,
    dir: &Path,
    options: &Options,
    say: &Say,
    summary: &mut Summary,
) -> Result<(), LegacyError> {
    let mut avis: Vec<MediaEntry> = repo::all(catalogue.db())
        .await?
        .into_iter()
        .filter(|e| is_avi(&e.file_name) && e.status == MediaStatus::Complete)
        .collect();
    if avis.is_empty() {
        return Ok(());
    }
    if !options.convert {
        summary.avi_left = avis.len();
        say(&format!(
            "  {} recordings are Motion JPEG in AVI, which browsers cannot play: \
             `camrig import-legacy --convert {}` converts them to MP4 (H.264) and keeps each \
             AVI in media/{ORIGINALS_DIR}/",
            avis.len(),
            dir.display()
        ));
        return Ok(());
    }
    avis.reverse(); // oldest first
    for entry in avis {
        match convert_one(catalogue, &entry, options, say).await {
            Ok(()) => summary.converted += 1,
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
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("the MP4 lasts {got} ms where the AVI lasts {want} ms")]
    Duration { got: u64, want: u64 },
}

/// Converts one AVI entry: the MP4 is made beside it under a hidden name,
/// checked (it decodes and lasts as long), given its final name, and the
/// entry (id, date, title, notes) then points at it; the AVI goes to
/// `media/original-avi/` (or is deleted with `--delete-avi`).
async fn convert_one(
    catalogue: &Catalogue,
    entry: &MediaEntry,
    options: &Options,
    say: &Say,
) -> Result<(), ConvertFailed> {
    let dir = catalogue.dir().to_owned();
    let source = catalogue.path_of(entry)?;
    let shown = clean_text(&entry.file_name, false);
    let stem = names::sanitise_stem(stem_of(&entry.file_name))
        .unwrap_or_else(|| names::timestamp_stem(entry.created_us));
    let partial = dir.join(format!(".{stem}.mp4.part"));
    let (line, progress_say) = (shown.clone(), say.clone());
    let (from, to) = (source.clone(), partial.clone());
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
    let info = match converted {
        Ok(info) => info,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    let got = info.duration_ms.unwrap_or(0);
    if let Some(want) = entry.duration_ms
        && got.abs_diff(want) > 500 + want / 50
    {
        let _ = std::fs::remove_file(&partial);
        return Err(ConvertFailed::Duration { got, want });
    }
    let claimed = claim_name(&dir, &stem, &partial);
    let _ = std::fs::remove_file(&partial);
    let (name, path) = claimed?;
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    if let Err(e) = point_entry_at(catalogue, entry.id, &name, size, info).await {
        let _ = std::fs::remove_file(&path);
        return Err(e.into());
    }
    thumbnail::forget(&dir, entry.id);
    let kept = if options.delete_avi {
        std::fs::remove_file(&source)?;
        "the AVI is deleted".to_owned()
    } else {
        let kept = keep_original(&dir, &source, &entry.file_name)?;
        format!(
            "the AVI is kept as media/{ORIGINALS_DIR}/{}",
            file_name(&kept)
        )
    };
    say(&format!(
        "  {shown} -> {} (id {}, {:.1} s, H.264); {kept}",
        clean_text(&name, false),
        entry.id,
        got as f64 / 1000.0
    ));
    Ok(())
}

/// Gives the finished `partial` file the name `stem.mp4`, or `stem-1.mp4`,
/// ... if taken (never replacing a file), and returns it.
fn claim_name(dir: &Path, stem: &str, partial: &Path) -> Result<(String, PathBuf), ConvertFailed> {
    let extension = names::extension(MediaKind::Video);
    for n in 0..1000 {
        let name = if n == 0 {
            format!("{stem}.{extension}")
        } else {
            format!("{stem}-{n}.{extension}")
        };
        let path = names::path_in(dir, &name)?;
        match link_new(partial, &path) {
            Ok(true) => return Ok((name, path)),
            Ok(false) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(names::NameError::NoFreeName.into())
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

/// Moves the converted AVI into `media/original-avi/`, under a free name.
fn keep_original(dir: &Path, source: &Path, name: &str) -> Result<PathBuf, std::io::Error> {
    let keep = dir.join(ORIGINALS_DIR);
    std::fs::create_dir_all(&keep)?;
    let stem = stem_of(name);
    let extension = name.rsplit_once('.').map_or("avi", |(_, e)| e);
    for n in 0..1000 {
        let target = if n == 0 {
            keep.join(name)
        } else {
            keep.join(format!("{stem}-{n}.{extension}"))
        };
        if link_new(source, &target)? {
            // Linked (or renamed): the name in the media folder goes.
            if source.exists() {
                std::fs::remove_file(source)?;
            }
            return Ok(target);
        }
    }
    Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists))
}

/// At server start, before the catalogue opens: if the media folder still
/// holds the original app's `media.db`, moves it aside (logged) and returns
/// the backup, whose rows [`catalogue_on_start`] then catalogues.
pub async fn set_aside_on_start(media_dir: &Path) -> Result<Option<PathBuf>, LegacyError> {
    let backup = old_db::set_aside(media_dir).await?;
    if let Some(backup) = &backup {
        tracing::warn!(
            backup = %backup.display(),
            "found the original app's media database; moved it aside and cataloguing its media"
        );
    }
    Ok(backup)
}

/// At server start, after [`set_aside_on_start`] moved the original's
/// database to `backup`: catalogues its rows and the files without a row,
/// logging each, and says how to convert the AVI recordings and carry the
/// settings over. Never fails: problems are logged.
pub async fn catalogue_on_start(catalogue: &Catalogue, backup: &Path) -> Summary {
    let say: Say =
        Arc::new(|line: &str| tracing::info!("import of the original app: {}", line.trim()));
    let mut summary = Summary {
        backup: Some(backup.to_owned()),
        ..Summary::default()
    };
    catalogue_rows(catalogue, backup, &say, &mut summary).await;
    if let Err(e) = catalogue_untracked(catalogue, &say, &mut summary).await {
        tracing::warn!(%e, "cannot catalogue the files without a row");
    }
    let dir = catalogue
        .dir()
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    if let Err(e) = recordings(catalogue, &dir, &Options::default(), &say, &mut summary).await {
        tracing::warn!(%e, "cannot list the AVI recordings");
    }
    if config_txt::looks_like_original(&dir.join("config.txt")) {
        tracing::warn!(
            "the original app's settings in {} are not used: `camrig import-legacy {}` carries \
             them over into camrig.toml",
            dir.join("config.txt").display(),
            dir.display()
        );
    }
    tracing::info!(%summary, "imported the original app's media");
    summary
}
