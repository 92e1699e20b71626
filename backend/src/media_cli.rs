//! `camrig media ...`: the catalogue from the command line, the successor of
//! the original app's tool (new, list, add, remove) plus import and check.
//! It opens the same database and folder as the server (same configuration
//! layers; like the server it first sets aside an original app's `media.db`
//! found there and catalogues its media) and is safe to run while the
//! server runs: SQLite waits for the other writer instead of failing. Each
//! command prints what it did and returns an error with a clear message on
//! failure.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use clap::Subcommand;
use shared::media::{MediaEntry, MediaKind};

use crate::catalogue::names::clean_text;
use crate::catalogue::{CatalogueError, names, repo};
use crate::config::MediaConfig;
use crate::legacy::{self, Backups, LegacyError, Say};

/// The `media` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum MediaCommand {
    /// List the catalogue, newest first.
    List {
        /// Only photos or only videos.
        #[arg(long)]
        kind: Option<String>,
    },
    /// Add a file that is already in the media folder.
    Add {
        /// The file (a name in the media folder, or a path to it).
        file: PathBuf,
        /// Date label to store with it.
        #[arg(long, default_value = "")]
        date: String,
    },
    /// Remove an entry and delete its file.
    Remove {
        /// Catalogue id or file name.
        entry: String,
    },
    /// Forget every entry and catalogue the files present (titles and notes
    /// are lost; files are kept).
    Reset {
        /// Confirm: without it nothing happens.
        #[arg(long)]
        yes: bool,
    },
    /// Add every media file in the folder that is not catalogued yet.
    Import {
        /// Date label to store with each.
        #[arg(long, default_value = "")]
        date: String,
    },
    /// Check the database and bring files and rows in line.
    Check,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The catalogue refused or failed.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// The original app's database in the media folder could not be set
    /// aside or its media catalogued.
    #[error("cannot upgrade the original app's media folder: {0}")]
    Legacy(LegacyError),
    /// The command was given something unusable.
    #[error("{0}")]
    Usage(String),
    /// The database failed its integrity check.
    #[error("the database failed its integrity check: {0}")]
    Integrity(String),
}

impl From<LegacyError> for CliError {
    fn from(err: LegacyError) -> Self {
        match err {
            LegacyError::Catalogue(err) => CliError::Catalogue(err),
            other => CliError::Legacy(other),
        }
    }
}

/// Runs one command and returns its report.
pub async fn run(command: MediaCommand, media: &MediaConfig) -> Result<String, CliError> {
    // Like the server: the original app's media.db is set aside and its
    // media catalogued first (reported on stderr), never migrated.
    let say: Say = std::sync::Arc::new(|line: &str| {
        let _ = writeln!(std::io::stderr(), "{line}");
    });
    let (cat, _) =
        legacy::open_catalogue(&media.database_url(), &media.dir, Backups::Unfinished, &say)
            .await?;
    let mut out = String::new();
    match command {
        MediaCommand::List { kind } => {
            let kind = match kind.as_deref() {
                None => None,
                Some(k) => Some(MediaKind::from_name(k).ok_or_else(|| {
                    CliError::Usage(format!("unknown kind {k:?}; use photo or video"))
                })?),
            };
            let entries: Vec<MediaEntry> = repo::all(cat.db())
                .await?
                .into_iter()
                .filter(|e| kind.is_none_or(|k| e.kind == k))
                .collect();
            for e in &entries {
                let _ = writeln!(
                    out,
                    "{:>6}  {:<6} {:<11} {:>10}  {:<12} {}{}",
                    e.id,
                    e.kind.as_str(),
                    e.status.as_str(),
                    e.size_bytes,
                    clean_text(&e.date_label, false),
                    e.file_name,
                    if e.title.is_empty() {
                        String::new()
                    } else {
                        format!("  \"{}\"", clean_text(&e.title, false))
                    }
                );
            }
            let _ = write!(out, "{} entries", entries.len());
        }
        MediaCommand::Add { file, date } => {
            let name =
                names::resolve_in_media_dir(&media.dir, &file).map_err(CatalogueError::from)?;
            let entry = cat.import(&name, &date).await?;
            let _ = write!(out, "added {} as id {}", entry.file_name, entry.id);
        }
        MediaCommand::Remove { entry } => {
            let found = match entry.parse::<i64>() {
                Ok(id) => repo::get(cat.db(), id).await?,
                Err(_) => repo::find_by_name(cat.db(), &entry).await?.ok_or_else(|| {
                    CliError::Usage(format!("no catalogue entry named {entry:?}"))
                })?,
            };
            let gone = cat.delete(found.id).await?;
            let _ = write!(out, "removed id {} and deleted {}", gone.id, gone.file_name);
        }
        MediaCommand::Reset { yes } => {
            if !yes {
                return Err(CliError::Usage(
                    "reset forgets every title and note; run `camrig media reset --yes` to go ahead".into(),
                ));
            }
            let entries = cat.reset().await?;
            let _ = write!(out, "catalogue rebuilt with {} files", entries.len());
        }
        MediaCommand::Import { date } => {
            let names = cat.untracked().await?;
            for name in &names {
                let entry = cat.import(name, &date).await?;
                let _ = writeln!(out, "added {} as id {}", entry.file_name, entry.id);
            }
            let _ = write!(out, "{} files added", names.len());
        }
        MediaCommand::Check => {
            match cat.integrity_check().await? {
                None => out.push_str("integrity: not applicable (PostgreSQL)\n"),
                Some(result) if result == "ok" => out.push_str("integrity: ok\n"),
                Some(result) => return Err(CliError::Integrity(result)),
            }
            let report = cat.reconcile(false).await?;
            let _ = writeln!(out, "entries: {}", repo::count(cat.db()).await?);
            let _ = writeln!(out, "marked missing (file gone): {:?}", report.missing);
            let _ = writeln!(out, "restored (file back): {:?}", report.restored);
            let _ = writeln!(out, "interrupted deletions finished: {:?}", report.deleted);
            let _ = write!(out, "untracked files (importable): {:?}", report.untracked);
        }
    }
    Ok(out)
}
