//! The files the server keeps its secrets in, in the hidden `.camrig`
//! folder of the media folder (mode 0700): `operator.key`, the generated
//! operator key (mode 0600, made on first start when none is configured),
//! and `api-tokens.json`, the named API tokens as digests only (the HTTPS
//! authority's `tls/` is there too, written with [`write_private`]). Files are
//! written whole to a temporary name and renamed into place, so a crash
//! never leaves half a file.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::secret;

/// The folder inside the media folder.
pub fn dir(media_dir: &Path) -> PathBuf {
    media_dir.join(".camrig")
}

/// The generated operator key's file.
pub fn key_path(media_dir: &Path) -> PathBuf {
    dir(media_dir).join("operator.key")
}

/// The API token file.
pub fn tokens_path(media_dir: &Path) -> PathBuf {
    dir(media_dir).join("api-tokens.json")
}

/// The logins handed from a server to its restarted self.
pub fn sessions_path(media_dir: &Path) -> PathBuf {
    dir(media_dir).join("sessions-handover.json")
}

/// Why a secret file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The file is there but unusable.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The system gave no random bytes.
    #[error("no random bytes for a new key: {0}")]
    Random(getrandom::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The stored operator key, made (and stored with mode 0600) if there is
/// none yet; the flag says whether it was just made. A key file others can
/// read is made private again, with a warning.
pub fn operator_key(media_dir: &Path) -> Result<(String, bool), FileError> {
    let path = key_path(media_dir);
    match fs::read_to_string(&path) {
        Ok(text) => {
            let key = text.trim().to_owned();
            if key.len() < super::MIN_OPERATOR_KEY {
                return Err(FileError::Invalid {
                    path,
                    reason: format!(
                        "the key is shorter than {} characters; delete the file to get a new one",
                        super::MIN_OPERATOR_KEY
                    ),
                });
            }
            let mode = fs::metadata(&path).map_err(io(&path))?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(file = %path.display(), "the operator key file was readable by others; made it private (0600)");
                fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).map_err(io(&path))?;
            }
            Ok((key, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = secret::generate().map_err(FileError::Random)?;
            write_private(&path, format!("{key}\n").as_bytes())?;
            Ok((key, true))
        }
        Err(e) => Err(io(&path)(e)),
    }
}

/// One API token as stored: its name, its secret's digest, when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredToken {
    /// Its name.
    pub name: String,
    /// SHA-256 of the secret, unpadded base64url.
    pub sha256: String,
    /// Seconds since the Unix epoch.
    pub created_at: u64,
}

/// One login handed over to the restarted server: its secret's digest,
/// its role, when it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    /// SHA-256 of the cookie's secret, unpadded base64url.
    pub sha256: String,
    /// What it may do.
    pub role: shared::commands::Role,
    /// Seconds since the Unix epoch.
    pub expires_at: u64,
}

/// What a restarting server hands to its next start: the live logins,
/// when, and a digest of the keys then in force (a login made with a key
/// since changed is not carried over).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    /// Seconds since the Unix epoch when it was written.
    pub written_at: u64,
    /// Digest of the operator and viewer keys' digests.
    pub keys: String,
    /// The logins.
    pub sessions: Vec<StoredSession>,
}

/// The stored API tokens (none when the file does not exist).
pub fn read_tokens(path: &Path) -> Result<Vec<StoredToken>, FileError> {
    read_json(path)
}

/// The logins handed over by a restart (empty when there was none); the
/// file is removed, so they are taken over once.
pub fn take_handover(path: &Path) -> Result<Handover, FileError> {
    let handover = read_json(path)?;
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
        _ => Ok(handover),
    }
}

/// Hands the live logins over to the restarted server.
pub fn write_handover(path: &Path, handover: &Handover) -> Result<(), FileError> {
    write_json(path, handover)
}

/// JSON kept in `path` (the default when the file does not exist).
fn read_json<T: serde::de::DeserializeOwned + Default>(path: &Path) -> Result<T, FileError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| FileError::Invalid {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(io(path)(e)),
    }
}

/// Replaces the stored API tokens.
pub fn write_tokens(path: &Path, tokens: &[StoredToken]) -> Result<(), FileError> {
    write_json(path, &tokens)
}

/// Writes JSON to `path`, readable by the server's user only.
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), FileError> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| FileError::Invalid {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    write_private(path, &json)
}

/// Writes `bytes` to `path` readable by the server's user only: into a
/// temporary file of mode 0600 in a folder of mode 0700, then renamed.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_whole(path, bytes, 0o600)
}

/// Writes `bytes` to `path` whole or not at all: into `<name>.part` of
/// `mode` beside it (a missing folder is made, mode 0700), synced, then
/// renamed over `path`. Readers never see half a file, and two files of
/// one folder never share a temporary name.
pub(crate) fn write_whole(path: &Path, bytes: &[u8], mode: u32) -> Result<(), FileError> {
    if let Some(parent) = path.parent() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(io(parent))?;
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".part");
    let partial = PathBuf::from(partial);
    let _ = fs::remove_file(&partial);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&partial)
        .map_err(io(&partial))?;
    file.write_all(bytes).map_err(io(&partial))?;
    file.sync_all().map_err(io(&partial))?;
    fs::rename(&partial, path).map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(label: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "camrig-auth-{label}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_key_is_made_once_private_and_kept() {
        let media = temp("key");
        let (key, new) = operator_key(&media).unwrap();
        assert!(new);
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&key_path(&media)), 0o600);
        assert_eq!(mode(&dir(&media)), 0o700);
        assert_eq!(operator_key(&media).unwrap(), (key.clone(), false));
        // Opened up by someone: made private again, same key.
        fs::set_permissions(key_path(&media), fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(operator_key(&media).unwrap(), (key, false));
        assert_eq!(mode(&key_path(&media)), 0o600);
        fs::write(key_path(&media), "short\n").unwrap();
        let err = operator_key(&media).unwrap_err().to_string();
        assert!(err.contains("shorter than"), "{err}");
        fs::remove_dir_all(media).unwrap();
    }

    #[test]
    fn tokens_round_trip_and_a_broken_file_is_named() {
        let media = temp("tokens");
        let path = tokens_path(&media);
        assert_eq!(read_tokens(&path).unwrap(), []);
        let tokens = vec![StoredToken {
            name: "cron".into(),
            sha256: "A".repeat(43),
            created_at: 5,
        }];
        write_tokens(&path, &tokens).unwrap();
        assert_eq!(read_tokens(&path).unwrap(), tokens);
        fs::write(&path, "{").unwrap();
        let err = read_tokens(&path).unwrap_err().to_string();
        assert!(err.contains("api-tokens.json"), "{err}");
        fs::remove_dir_all(media).unwrap();
    }
}
