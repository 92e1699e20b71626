//! The original app's `media/media.db`: SQLite with one table
//! `media(id INTEGER PRIMARY KEY, date TEXT, fileName TEXT)`. It sits at the
//! very path camrig's catalogue uses, so before the catalogue opens it is
//! recognised ([`inspect`]), moved aside to a backup that is never deleted
//! ([`set_aside`]), and its rows are read back from that backup
//! ([`read_rows`]) — so an import cut short is finished by the next run.

use std::path::{Path, PathBuf};

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, Connection, Row};

use super::LegacyError;
use crate::catalogue::names;

/// The database's file name in the media folder.
pub const FILE: &str = "media.db";
/// Backups are `media.db.legacy-<time>.bak`.
const BACKUP_PREFIX: &str = "media.db.legacy-";
const BACKUP_SUFFIX: &str = ".bak";

/// What the file at the catalogue's path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// No file.
    Missing,
    /// The original app's database: a `media` table with a `fileName`
    /// column and no `file_name` (camrig's name for it), whatever other
    /// tables it holds.
    Original,
    /// Anything else (camrig's own catalogue, or not ours to judge).
    Other,
}

/// One row of the original's table, as far as it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldRow {
    /// The row id.
    pub id: i64,
    /// The date text, empty when there was none.
    pub date: String,
    /// The file name as stored.
    pub file_name: String,
}

/// The rows read, and the rows that could not be read (with the reason).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OldRows {
    /// Readable rows, by id.
    pub rows: Vec<OldRow>,
    /// One message per unreadable row.
    pub unreadable: Vec<String>,
}

async fn connect(path: &Path) -> Result<SqliteConnection, sqlx::Error> {
    // No journal mode is set: the original's file keeps its own.
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false);
    SqliteConnection::connect_with(&options).await
}

fn db_error(path: &Path, e: sqlx::Error) -> LegacyError {
    LegacyError::OldDatabase {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// Names of the columns of the `media` table, lower case.
async fn media_columns(conn: &mut SqliteConnection) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query("PRAGMA table_info(media)")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>("name").ok())
        .map(|n| n.to_ascii_lowercase())
        .collect())
}

/// Judges the database at `path` without changing it. A file SQLite cannot
/// read counts as [`Found::Other`]: the catalogue reports it as it would
/// without this check.
pub async fn inspect(path: &Path) -> Found {
    if !path.is_file() {
        return Found::Missing;
    }
    let Ok(mut conn) = connect(path).await else {
        return Found::Other;
    };
    let found = async {
        let columns = media_columns(&mut conn).await?;
        // Camrig's own `media` table names the file `file_name`. Only the
        // columns decide: a camrig of an earlier version may have run its
        // migrations inside the original's file (adding its own tables)
        // without changing the original's `media` table.
        let original =
            columns.iter().any(|c| c == "filename") && !columns.iter().any(|c| c == "file_name");
        Ok::<_, sqlx::Error>(if original {
            Found::Original
        } else {
            Found::Other
        })
    }
    .await
    .unwrap_or(Found::Other);
    let _ = conn.close().await;
    found
}

/// If the file at `media_dir/media.db` is the original's, moves it (and any
/// journal beside it) to a new backup name and returns that. Before the
/// move SQLite opens it once, which finishes or rolls back whatever the
/// original left half-written.
pub async fn set_aside(media_dir: &Path) -> Result<Option<PathBuf>, LegacyError> {
    let path = media_dir.join(FILE);
    if inspect(&path).await != Found::Original {
        return Ok(None);
    }
    // Opening and closing settles a hot journal or WAL into the file.
    let conn = connect(&path).await.map_err(|e| db_error(&path, e))?;
    conn.close().await.map_err(|e| db_error(&path, e))?;
    let stamp = names::timestamp_stem(now_us());
    let free = |name: String| {
        let backup = media_dir.join(name);
        let taken = std::iter::once(backup.clone())
            .chain(JOURNALS.iter().map(|side| beside(&backup, side)))
            .any(|p| p.exists());
        Ok::<_, LegacyError>((!taken).then_some(backup))
    };
    let backup = names::first_free(&format!("{BACKUP_PREFIX}{stamp}"), BACKUP_SUFFIX, free)?
        .ok_or_else(|| LegacyError::Io {
            what: "find a free backup name beside",
            path: path.clone(),
            source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
        })?;
    // Journals first: a database moved without its journal would be read
    // without it.
    for side in JOURNALS {
        let from = beside(&path, side);
        if from.exists() {
            let to = beside(&backup, side);
            std::fs::rename(&from, &to).map_err(|source| LegacyError::Io {
                what: "move aside",
                path: from.clone(),
                source,
            })?;
        }
    }
    std::fs::rename(&path, &backup).map_err(|source| LegacyError::Io {
        what: "move aside",
        path: path.clone(),
        source,
    })?;
    Ok(Some(backup))
}

/// SQLite's files beside a database, by the ending added to its name.
const JOURNALS: [&str; 3] = ["-journal", "-wal", "-shm"];

/// `path` with `side` added to its file name (`media.db` -> `media.db-wal`).
fn beside(path: &Path, side: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(side);
    PathBuf::from(name)
}

/// The backups [`set_aside`] made in `media_dir`, oldest first.
pub fn backups(media_dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(media_dir)
        .map(|dir| {
            dir.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| n.starts_with(BACKUP_PREFIX) && n.ends_with(BACKUP_SUFFIX))
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Reads every row of the original's table at `path`. A row whose file
/// name is missing or not text is listed as unreadable; the rest are
/// returned.
pub async fn read_rows(path: &Path) -> Result<OldRows, LegacyError> {
    let mut conn = connect(path).await.map_err(|e| db_error(path, e))?;
    let result = read_with(&mut conn).await.map_err(|e| db_error(path, e));
    let _ = conn.close().await;
    result
}

async fn read_with(conn: &mut SqliteConnection) -> Result<OldRows, sqlx::Error> {
    let has_date = media_columns(conn).await?.iter().any(|c| c == "date");
    let query = if has_date {
        "SELECT rowid, \"date\", \"fileName\" FROM media ORDER BY rowid"
    } else {
        "SELECT rowid, NULL, \"fileName\" FROM media ORDER BY rowid"
    };
    let rows = sqlx::query(query).fetch_all(&mut *conn).await?;
    let mut read = OldRows::default();
    for row in rows {
        let id: i64 = row.try_get(0).unwrap_or_default();
        let date = text(&row, 1);
        match text(&row, 2) {
            Ok(Some(name)) if !name.trim().is_empty() => read.rows.push(OldRow {
                id,
                date: date.ok().flatten().unwrap_or_default(),
                file_name: name,
            }),
            Ok(_) => read
                .unreadable
                .push(format!("row {id}: no file name; skipped")),
            Err(why) => read.unreadable.push(format!(
                "row {id}: the file name is unreadable ({why}); skipped"
            )),
        }
    }
    Ok(read)
}

/// Column `at` as text: text as is, numbers written out, NULL as `None`.
fn text(row: &sqlx::sqlite::SqliteRow, at: usize) -> Result<Option<String>, String> {
    if let Ok(value) = row.try_get::<Option<String>, _>(at) {
        return Ok(value);
    }
    if let Ok(value) = row.try_get::<Option<i64>, _>(at) {
        return Ok(value.map(|v| v.to_string()));
    }
    if let Ok(value) = row.try_get::<Option<f64>, _>(at) {
        return Ok(value.map(|v| v.to_string()));
    }
    match row.try_get::<Option<Vec<u8>>, _>(at) {
        Ok(Some(bytes)) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| "not text".into()),
        Ok(None) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Catalogue, default_database_url};

    fn temp(label: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "camrig-old-db-{label}-{}-{}",
            std::process::id(),
            now_us()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The original's `media.db` with two rows.
    async fn original(media_dir: &Path) {
        let options = SqliteConnectOptions::new()
            .filename(media_dir.join(FILE))
            .create_if_missing(true);
        let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
        for sql in [
            "CREATE TABLE media (id INTEGER PRIMARY KEY, date TEXT, fileName TEXT)",
            "INSERT INTO media VALUES (1, '2021-03-04', 'a.jpg'), (2, NULL, 'b.avi')",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }

    fn file_names(rows: &OldRows) -> Vec<&str> {
        rows.rows.iter().map(|r| r.file_name.as_str()).collect()
    }

    #[tokio::test]
    async fn the_original_is_recognised_by_its_columns_even_half_migrated() {
        let dir = temp("half");
        let path = dir.join(FILE);
        assert_eq!(inspect(&path).await, Found::Missing);
        original(&dir).await;
        assert_eq!(inspect(&path).await, Found::Original);

        // What an earlier camrig did to it: its migrations ran inside the
        // original's file (WAL, seaql_migrations, its other tables) and
        // left the original's `media` table as it was.
        let url = default_database_url(&dir);
        let _ = Catalogue::open(&url, &dir).await;
        let mut conn = connect(&path).await.unwrap();
        let migrated: i64 =
            sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'seaql_migrations'")
                .fetch_one(&mut conn)
                .await
                .unwrap()
                .get(0);
        conn.close().await.unwrap();
        assert_eq!(migrated, 1);
        assert_eq!(inspect(&path).await, Found::Original);

        let backup = set_aside(&dir).await.unwrap().unwrap();
        assert!(!path.exists());
        assert_eq!(backups(&dir), std::slice::from_ref(&backup));
        let read = read_rows(&backup).await.unwrap();
        assert_eq!(file_names(&read), ["a.jpg", "b.avi"]);
        assert_eq!(read.rows[0].date, "2021-03-04");

        // Camrig's own catalogue now sits there, and is left alone.
        Catalogue::open(&url, &dir).await.unwrap();
        assert_eq!(inspect(&path).await, Found::Other);
        assert_eq!(set_aside(&dir).await.unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn backups_never_replace_one_another_and_unknown_files_stay() {
        let dir = temp("again");
        original(&dir).await;
        let first = set_aside(&dir).await.unwrap().unwrap();
        original(&dir).await;
        let second = set_aside(&dir).await.unwrap().unwrap();
        assert_ne!(first, second);
        assert_eq!(backups(&dir).len(), 2);
        // Not SQLite: not the original's, left where it is.
        std::fs::write(dir.join(FILE), b"not a database").unwrap();
        assert_eq!(inspect(&dir.join(FILE)).await, Found::Other);
        assert_eq!(set_aside(&dir).await.unwrap(), None);
        assert!(dir.join(FILE).exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
