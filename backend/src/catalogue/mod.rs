//! The media catalogue: saved photos and videos in the media folder, each
//! with one row in the `media` table (SQLite by default, PostgreSQL when the
//! URL says so). Files and rows never drift apart: a new file is written and
//! synced before its row is inserted; a deletion marks the row, removes the
//! file, then removes the row; [`Catalogue::reconcile`] at start-up finishes
//! interrupted deletions, marks rows whose file is gone as missing and lists
//! files that have no row. Clients address media by id; file names come only
//! from [`names`]. The catalogue's async methods make their file-system
//! calls on blocking threads, never on the async runtime's.

pub mod audit;
pub mod entity;
pub mod heart_trace;
pub mod migration;
pub mod names;
pub mod probe;
pub mod repo;
pub mod thumbnail;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use sea_orm_migration::MigratorTrait;
use shared::media::{CaptureMetadata, MediaEntry, MediaKind, MediaStatus};

use names::NameError;
use repo::NewMedia;

/// Why a catalogue operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// No entry with this id.
    #[error("no media with id {0}")]
    NotFound(i64),
    /// A file name was refused.
    #[error(transparent)]
    Name(#[from] NameError),
    /// No such file in the media folder.
    #[error("there is no file {0} in the media folder")]
    NoSuchFile(String),
    /// The file is already in the catalogue.
    #[error("{0} is already in the catalogue")]
    AlreadyCatalogued(String),
    /// A file operation failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// A row holds values this version cannot read.
    #[error("catalogue data is inconsistent: {0}")]
    Corrupt(String),
}

/// A capture about to be created.
struct NewCapture<'a> {
    user_name: Option<&'a str>,
    kind: MediaKind,
    date_label: &'a str,
    metadata: CaptureMetadata,
    status: MediaStatus,
}

/// What [`Catalogue::reconcile`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Rows whose file is gone, now marked missing.
    pub missing: Vec<i64>,
    /// Rows marked missing whose file is back, now complete again.
    pub restored: Vec<i64>,
    /// Interrupted deletions that were finished.
    pub deleted: Vec<i64>,
    /// Recordings cut short by a crash, now marked interrupted.
    pub interrupted: Vec<i64>,
    /// Media files in the folder with no row (importable).
    pub untracked: Vec<String>,
}

/// The catalogue: database connection and media folder.
#[derive(Clone)]
pub struct Catalogue {
    db: DatabaseConnection,
    dir: PathBuf,
}

/// The default database URL for a media folder: `media.db` inside it.
pub fn default_database_url(media_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", media_dir.join("media.db").display())
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

impl Catalogue {
    /// Connects, applies migrations, and creates the media folder. SQLite
    /// runs in WAL mode with a 10 s busy timeout and full sync, so
    /// concurrent writers (server and CLI) wait instead of failing and an
    /// acknowledged write survives a crash.
    pub async fn open(database_url: &str, media_dir: &Path) -> Result<Self, CatalogueError> {
        let dir = media_dir.to_owned();
        blocking(move || Ok(std::fs::create_dir_all(&dir)?)).await?;
        let mut options = ConnectOptions::new(database_url.to_owned());
        options
            .sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            // No idle timeout or maximum lifetime: sqlx then runs no pool
            // maintenance task. Its loop (sqlx-core 0.9.0) walks the idle
            // count without yielding, and once spun for 16 minutes on a
            // test's runtime, starving it; closing idle connections of a
            // local database gains nothing.
            .idle_timeout(None::<Duration>)
            .max_lifetime(None::<Duration>)
            .map_sqlx_sqlite_opts(|o| {
                use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
            });
        let db = Database::connect(options).await?;
        migration::Migrator::up(&db, None).await?;
        Ok(Catalogue {
            db,
            dir: media_dir.to_owned(),
        })
    }

    /// SQLite's `PRAGMA integrity_check` result (`"ok"` when healthy);
    /// `None` on other databases.
    pub async fn integrity_check(&self) -> Result<Option<String>, CatalogueError> {
        use sea_orm::{ConnectionTrait, DbBackend, Statement};
        if self.db.get_database_backend() != DbBackend::Sqlite {
            return Ok(None);
        }
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await?;
        let lines: Vec<String> = rows
            .iter()
            .filter_map(|row| row.try_get_by_index::<String>(0).ok())
            .collect();
        Ok(Some(lines.join("; ")))
    }

    /// The database connection.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The media folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of an entry's file.
    pub fn path_of(&self, entry: &MediaEntry) -> Result<PathBuf, CatalogueError> {
        Ok(names::path_in(&self.dir, &entry.file_name)?)
    }

    /// Media files in the folder, by name, sorted.
    async fn files(&self) -> Result<Vec<String>, CatalogueError> {
        let dir = self.dir.clone();
        blocking(move || {
            let mut names: Vec<String> = std::fs::read_dir(&dir)?
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| names::check_file_name(n).is_ok())
                .collect();
            names.sort();
            Ok(names)
        })
        .await
    }

    /// Adds a file that is already in the media folder.
    pub async fn import(&self, name: &str, date_label: &str) -> Result<MediaEntry, CatalogueError> {
        let kind = names::check_file_name(name)?;
        if repo::find_by_name(&self.db, name).await?.is_some() {
            return Err(CatalogueError::AlreadyCatalogued(name.to_owned()));
        }
        let path = names::path_in(&self.dir, name)?;
        let read = path.clone();
        let meta = match blocking(move || Ok(std::fs::symlink_metadata(&read))).await? {
            Ok(meta) if meta.is_file() => meta,
            Ok(_) => return Err(NameError::NotAFile.into()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CatalogueError::NoSuchFile(name.to_owned()));
            }
            Err(e) => return Err(e.into()),
        };
        let created_us = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or_else(now_us, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        let info = probe_blocking(path.clone(), kind).await;
        let inserted = repo::insert(
            &self.db,
            NewMedia {
                file_name: name.to_owned(),
                kind,
                created_us,
                date_label: date_label.to_owned(),
                size_bytes: meta.len(),
                info,
                status: MediaStatus::Complete,
                metadata: CaptureMetadata::default(),
                title: String::new(),
            },
        )
        .await;
        // Another process (the CLI beside the server) may have imported the
        // same file between the check above and this insert.
        match inserted {
            Err(CatalogueError::Db(err))
                if matches!(
                    err.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                Err(CatalogueError::AlreadyCatalogued(name.to_owned()))
            }
            other => other,
        }
    }

    /// Saves a new capture: creates a uniquely named file from the user's
    /// name (sanitised) or, without one, the current time; lets `write`
    /// fill it; syncs it to disk; and only then inserts the row. If any
    /// step fails the file is removed again, so no file without a row and
    /// no row without a file is left behind.
    pub async fn save_new(
        &self,
        user_name: Option<&str>,
        kind: MediaKind,
        date_label: &str,
        metadata: CaptureMetadata,
        write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()> + Send + 'static,
    ) -> Result<MediaEntry, CatalogueError> {
        let new = NewCapture {
            user_name,
            kind,
            date_label,
            metadata,
            status: MediaStatus::Complete,
        };
        self.create_entry(new, write).await.map(|(entry, _)| entry)
    }

    /// Starts a recording's entry: creates its (empty) file and inserts a
    /// row with status `recording`. Returns the entry and the file's path
    /// for the encoder. [`Catalogue::finish_recording`] completes it; a
    /// crash before that is found by [`Catalogue::reconcile`] at start-up.
    pub async fn begin_recording(
        &self,
        user_name: Option<&str>,
        date_label: &str,
        metadata: CaptureMetadata,
    ) -> Result<(MediaEntry, PathBuf), CatalogueError> {
        let new = NewCapture {
            user_name,
            kind: MediaKind::Video,
            date_label,
            metadata,
            status: MediaStatus::Recording,
        };
        self.create_entry(new, |_| Ok(())).await
    }

    /// Ends a recording's entry: reads the file's size, pixel size,
    /// duration and frame count, and sets `status` (complete, or
    /// interrupted after a crash, when the whole file is scanned because
    /// its header was never updated).
    pub async fn finish_recording(
        &self,
        id: i64,
        status: MediaStatus,
    ) -> Result<MediaEntry, CatalogueError> {
        let entry = repo::get(&self.db, id).await?;
        let path = self.path_of(&entry)?;
        let read = path.clone();
        let size = blocking(move || Ok(std::fs::metadata(&read).map_or(0, |m| m.len())))
            .await
            .unwrap_or(0);
        let info = if status == MediaStatus::Interrupted {
            tokio::task::spawn_blocking(move || probe::scan_video(&path))
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
        } else {
            probe_blocking(path, MediaKind::Video).await
        };
        repo::set_file_facts(&self.db, id, status, size, info).await
    }

    /// Stores the heart rate and pulse recorded with video `id`.
    pub async fn save_heart_trace(
        &self,
        id: i64,
        trace: &shared::media::HeartTrace,
    ) -> Result<(), CatalogueError> {
        heart_trace::save(&self.db, id, trace).await
    }

    /// The heart rate and pulse recorded with video `id`, if any.
    pub async fn heart_trace(
        &self,
        id: i64,
    ) -> Result<Option<shared::media::HeartTrace>, CatalogueError> {
        repo::get(&self.db, id).await?;
        heart_trace::get(&self.db, id).await
    }

    /// Creates a uniquely named file, lets `write` fill it, syncs it, then
    /// inserts the row; cleans up the file on any failure.
    async fn create_entry(
        &self,
        new: NewCapture<'_>,
        write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()> + Send + 'static,
    ) -> Result<(MediaEntry, PathBuf), CatalogueError> {
        let created_us = now_us();
        let stem = new
            .user_name
            .and_then(names::sanitise_stem)
            .unwrap_or_else(|| names::timestamp_stem(created_us));
        let dir = self.dir.clone();
        let kind = new.kind;
        let written = tokio::task::spawn_blocking(move || {
            let (name, mut file) = names::create_unique(&dir, &stem, kind)?;
            let path = names::path_in(&dir, &name)?;
            let result = write(&mut file)
                .and_then(|()| file.sync_all())
                .and_then(|()| file.metadata());
            match result {
                Ok(meta) => Ok((name, path, meta.len())),
                Err(err) => {
                    let _ = std::fs::remove_file(&path);
                    Err(CatalogueError::Io(err))
                }
            }
        })
        .await
        .map_err(|e| CatalogueError::Io(std::io::Error::other(e.to_string())))??;
        let (name, path, size_bytes) = written;
        let info = if size_bytes > 0 {
            probe_blocking(path.clone(), kind).await
        } else {
            probe::MediaInfo::default()
        };
        let inserted = repo::insert(
            &self.db,
            NewMedia {
                file_name: name,
                kind,
                created_us,
                date_label: new.date_label.to_owned(),
                size_bytes,
                info,
                status: new.status,
                metadata: new.metadata,
                title: new.user_name.map(str::trim).unwrap_or_default().to_owned(),
            },
        )
        .await;
        match inserted {
            Ok(entry) => Ok((entry, path)),
            Err(err) => {
                let _ = blocking(move || Ok(std::fs::remove_file(&path)?)).await;
                Err(err)
            }
        }
    }

    /// Media files that have no row.
    pub async fn untracked(&self) -> Result<Vec<String>, CatalogueError> {
        let known: std::collections::HashSet<String> = repo::all(&self.db)
            .await?
            .into_iter()
            .map(|e| e.file_name)
            .collect();
        Ok(self
            .files()
            .await?
            .into_iter()
            .filter(|n| !known.contains(n))
            .collect())
    }

    /// Deletes an entry and its file: mark the row, remove the file, remove
    /// the row. A crash in between is finished by [`Catalogue::reconcile`].
    pub async fn delete(&self, id: i64) -> Result<MediaEntry, CatalogueError> {
        let entry = repo::get(&self.db, id).await?;
        repo::set_status(&self.db, id, MediaStatus::Deleting).await?;
        self.remove_file(&entry.file_name).await?;
        repo::delete_row(&self.db, id).await?;
        let dir = self.dir.clone();
        let _ = blocking(move || {
            thumbnail::forget(&dir, id);
            Ok(())
        })
        .await;
        Ok(entry)
    }

    async fn remove_file(&self, name: &str) -> Result<(), CatalogueError> {
        let path = names::path_in(&self.dir, name)?;
        blocking(move || match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        })
        .await
    }

    /// Brings rows and files back in line (run at start-up and by
    /// `media check`). Only at start-up (`startup`) are rows still marked
    /// `recording` known to be leftovers of a crash: they become
    /// `interrupted`, with the size and duration of what was written.
    pub async fn reconcile(&self, startup: bool) -> Result<Reconciliation, CatalogueError> {
        let mut report = Reconciliation::default();
        let entries = repo::all(&self.db).await?;
        // Which files exist, asked in one go on a blocking thread (each
        // entry's handling below touches only its own file).
        let (dir, file_names) = (
            self.dir.clone(),
            entries
                .iter()
                .map(|e| e.file_name.clone())
                .collect::<Vec<_>>(),
        );
        let present = blocking(move || {
            Ok(file_names
                .iter()
                .map(|name| names::path_in(&dir, name).is_ok_and(|p| p.is_file()))
                .collect::<Vec<_>>())
        })
        .await?;
        for (entry, exists) in entries.into_iter().zip(present) {
            match entry.status {
                MediaStatus::Deleting => {
                    self.remove_file(&entry.file_name).await?;
                    repo::delete_row(&self.db, entry.id).await?;
                    report.deleted.push(entry.id);
                }
                MediaStatus::Missing if exists => {
                    repo::set_status(&self.db, entry.id, MediaStatus::Complete).await?;
                    report.restored.push(entry.id);
                }
                MediaStatus::Missing => {}
                MediaStatus::Recording if startup && exists => {
                    self.finish_recording(entry.id, MediaStatus::Interrupted)
                        .await?;
                    report.interrupted.push(entry.id);
                }
                _ if !exists => {
                    repo::set_status(&self.db, entry.id, MediaStatus::Missing).await?;
                    report.missing.push(entry.id);
                }
                _ => {}
            }
        }
        report.untracked = self.untracked().await?;
        Ok(report)
    }

    /// The original's "New database": forgets every row, then catalogues
    /// every media file present. Files are untouched.
    pub async fn reset(&self) -> Result<Vec<MediaEntry>, CatalogueError> {
        repo::delete_all(&self.db).await?;
        let dir = self.dir.clone();
        let _ = blocking(move || {
            thumbnail::forget_all(&dir);
            Ok(())
        })
        .await;
        let mut added = Vec::new();
        for name in self.files().await? {
            added.push(self.import(&name, "").await?);
        }
        Ok(added)
    }
}

/// Runs blocking file-system `work` on a blocking thread.
async fn blocking<T, F>(work: F) -> Result<T, CatalogueError>
where
    F: FnOnce() -> Result<T, CatalogueError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| CatalogueError::Io(std::io::Error::other(e.to_string())))?
}

/// [`probe::media_info`] on a blocking thread.
async fn probe_blocking(path: PathBuf, kind: MediaKind) -> probe::MediaInfo {
    tokio::task::spawn_blocking(move || probe::media_info(&path, kind))
        .await
        .unwrap_or_default()
}
