//! The memory allocator's settings. The server allocates with mimalloc,
//! which reads its settings from the environment once, as the process
//! starts. Two of its defaults cost memory here: it commits a whole arena
//! at once (`MIMALLOC_ARENA_EAGER_COMMIT`), and it gives freed memory back
//! only after a second, and on a thread that has gone quiet not until that
//! thread allocates again (`MIMALLOC_PURGE_DELAY`). Committing as used and
//! purging after 50 ms took the server from 82 to 57 MB with 200 viewers,
//! and from 125-204 MB to 52 MB five seconds after 1500 viewers left, at no
//! CPU cost the benchmark could see. So when a setting is not in the
//! environment, [`apply`] runs this same program again with it (`exec`:
//! same process, same id, before anything else happens). Settings given
//! in the environment are kept.

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;

/// The settings, as mimalloc's environment variables.
pub const SETTINGS: [(&str, &str); 2] = [
    ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
    ("MIMALLOC_PURGE_DELAY", "50"),
];

/// The settings not in the environment yet.
fn missing() -> Vec<(&'static str, &'static str)> {
    SETTINGS
        .into_iter()
        .filter(|(name, _)| std::env::var_os(name).is_none())
        .collect()
}

/// Runs this program again with the settings it lacks. Returns only when
/// none is missing (`None`), or when running it again failed (the reason;
/// the server then runs with mimalloc's defaults).
pub fn apply() -> Option<std::io::Error> {
    let missing = missing();
    if missing.is_empty() {
        return None;
    }
    let mut args = std::env::args_os();
    let name = args.next().unwrap_or_else(|| "camrig".into());
    let error = std::process::Command::new("/proc/self/exe")
        .arg0(name)
        .args(args)
        .envs(missing.iter().map(|(k, v)| (OsStr::new(k), OsStr::new(v))))
        .exec();
    Some(error)
}
