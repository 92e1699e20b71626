//! Free space on the media disk and the floor captures keep
//! (`media.min_free_megabytes`): below it snapshots and new recordings are
//! refused and a running recording stops, each with the reason, long
//! before a full disk could corrupt a file or the catalogue. One `statvfs`
//! call, cheap enough for request paths and the recorder's once-a-second
//! check.

use std::path::Path;

/// Bytes an unprivileged process may still write on the disk holding
/// `dir`; `None` when the disk cannot be asked.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    let stats = rustix::fs::statvfs(dir).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

/// Why nothing more may be captured in `dir` with a floor of
/// `floor_megabytes`, or `None` when there is room (or the disk cannot be
/// asked: a real write error still stops a recording).
pub fn below_floor(dir: &Path, floor_megabytes: u32) -> Option<String> {
    let free = free_bytes(dir)?;
    let floor = u64::from(floor_megabytes) * 1_000_000;
    (free < floor).then(|| {
        format!(
            "only {} MB free on the media disk; captures stop below {floor_megabytes} MB \
             (media.min_free_megabytes)",
            free / 1_000_000
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_temp_disk_has_room_and_an_impossible_floor_says_why() {
        let dir = std::env::temp_dir();
        let free = free_bytes(&dir).unwrap();
        assert!(free > 0);
        assert_eq!(below_floor(&dir, 0), None);
        let why = below_floor(&dir, 1_000_000_000).unwrap();
        assert!(why.contains("media.min_free_megabytes"), "{why}");
        assert!(
            why.starts_with(&format!("only {} MB free", free / 1_000_000)),
            "{why}"
        );
    }
}
