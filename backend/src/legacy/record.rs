//! What the import of the original app has done in a media folder, so that
//! no later run repeats it: the backups of the original's database whose
//! rows and files are all catalogued (the server and `camrig media` look
//! only at the others), and the AVI recordings converted to MP4 with the
//! name each MP4 got (so a converted recording is recognised whatever that
//! name, and whether its AVI was kept or deleted). Kept as JSON in
//! `.camrig/legacy-import.json` of the media folder, written whole.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::LegacyError;

/// The record of one media folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// File names of the backups whose rows and files are catalogued.
    #[serde(default)]
    pub imported: BTreeSet<String>,
    /// Converted AVI names, each with the name of the MP4 it became.
    #[serde(default)]
    pub converted: BTreeMap<String, String>,
}

/// Where the record of `media_dir` is kept.
pub fn path(media_dir: &Path) -> PathBuf {
    crate::auth::files::dir(media_dir).join("legacy-import.json")
}

impl Record {
    /// The record of `media_dir`; empty when there is none yet.
    pub fn load(media_dir: &Path) -> Result<Record, LegacyError> {
        let path = path(media_dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| LegacyError::Record {
                path,
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Record::default()),
            Err(source) => Err(LegacyError::Io {
                what: "read",
                path,
                source,
            }),
        }
    }

    /// Stores the record of `media_dir` (whole or not at all).
    pub fn save(&self, media_dir: &Path) -> Result<(), LegacyError> {
        let path = path(media_dir);
        let json = serde_json::to_vec_pretty(self).map_err(|e| LegacyError::Record {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        crate::auth::files::write_whole(&path, &json, 0o600)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_a_round_trip_and_a_bad_one_is_named() {
        let dir = std::env::temp_dir().join(format!("camrig-legacy-record-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(Record::load(&dir).unwrap(), Record::default());
        let mut record = Record::default();
        record.imported.insert("media.db.legacy-x.bak".into());
        record
            .converted
            .insert("clip.avi".into(), "clip-1.mp4".into());
        record.save(&dir).unwrap();
        assert_eq!(Record::load(&dir).unwrap(), record);
        std::fs::write(path(&dir), b"{ not json").unwrap();
        let err = Record::load(&dir).unwrap_err().to_string();
        assert!(err.contains("legacy-import.json"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
