//! Safe file names for the media folder.
//!
//! The old app deleted `media/ + filename` with the name straight from the
//! request, so any path could be removed. Here names never come from clients
//! as paths: a new file's stem is either a user-supplied label passed through
//! [`sanitise_stem`] or a capture time from [`timestamp_stem`], and
//! [`create_unique`] creates it atomically inside the media folder (adding
//! `-1`, `-2`, ... on a collision). Names that already exist — read from the
//! folder for import, or typed on the command line (`media add FILE`) — go
//! through [`check_file_name`] or [`resolve_in_media_dir`], which accept only
//! a regular file directly inside the media folder. [`path_in`] is the one
//! place a name becomes a path, and it re-checks the name first.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Component, Path, PathBuf};

/// Longest stem [`sanitise_stem`] returns, in characters.
const MAX_STEM_CHARS: usize = 80;
/// Longest stem [`sanitise_stem`] returns, in bytes, so that the stem plus a
/// collision suffix and an extension stays well within [`MAX_NAME_BYTES`]
/// even for 4-byte characters.
const MAX_STEM_BYTES: usize = 200;
/// Longest file name accepted, in bytes (Linux `NAME_MAX`).
const MAX_NAME_BYTES: usize = 255;
/// How many names [`create_unique`] tries: `stem`, then `stem-1` up to
/// `stem-999`. Probing is linear, so this also bounds the cost of one call.
const MAX_ATTEMPTS: u32 = 1_000;

/// Extensions of photos, lower case.
const PHOTO_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png"];
/// Extensions of videos, lower case (`avi`: the original app's Motion JPEG
/// recordings; `camrig import-legacy --convert` makes MP4 of them).
const VIDEO_EXTENSIONS: &[&str] = &["mp4", "mkv", "webm", "mov", "avi"];

/// Earliest time [`timestamp_stem`] formats: 0000-01-01 00:00:00.000 UTC,
/// in µs since the Unix epoch.
const MIN_STEM_US: i64 = -62_167_219_200_000_000;
/// Latest time [`timestamp_stem`] formats: 9999-12-31 23:59:59.999999 UTC.
const MAX_STEM_US: i64 = 253_402_300_799_999_999;

pub use shared::media::MediaKind;

/// The extension, without the dot, of files this server creates: `"jpg"`
/// for photos, `"mp4"` for videos.
pub fn extension(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Photo => "jpg",
        MediaKind::Video => "mp4",
    }
}

/// The kind of a file judged by its extension, ignoring ASCII case: `jpg`,
/// `jpeg`, `png` are photos; `mp4`, `mkv`, `webm`, `mov`, `avi` are videos. `None`
/// for any other extension, for no extension, and for a name that is only
/// an extension (`".jpg"`).
pub fn kind_from_file_name(name: &str) -> Option<MediaKind> {
    let (stem, extension) = name.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    kind_of_extension(extension)
}

/// Why a name or path was refused. The messages are meant for users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing usable: empty, or nothing left after sanitising.
    #[error("the name is empty (use letters or digits)")]
    Empty,
    /// Longer than a file name may be.
    #[error("the name is too long (at most {MAX_NAME_BYTES} bytes)")]
    TooLong,
    /// Starts with a dot.
    #[error("the name must not start with a dot (hidden files are not media)")]
    Hidden,
    /// Contains `/` or `\`, or is not a single path component.
    #[error("the name must be a plain file name, without '/' or '\\'")]
    Separator,
    /// Is `.` or `..`.
    #[error("the name must not be \".\" or \"..\"")]
    ParentReference,
    /// Contains a control character (NUL, newline, ...) or an invisible
    /// formatting character (bidirectional override, zero-width space, ...).
    #[error("the name must not contain control or invisible formatting characters")]
    ControlCharacter,
    /// A stem given to [`create_unique`] that [`sanitise_stem`] would change.
    #[error(
        "the name is not a clean stem (letters, digits, '-', '_' and '.' only, \
         no media extension)"
    )]
    NotSanitised,
    /// The file name is not valid UTF-8.
    #[error("the file name is not valid UTF-8")]
    NotUnicode,
    /// The path does not lead to a file directly inside the media folder.
    #[error("the file is not directly inside the media folder")]
    NotInMediaFolder,
    /// The path is a folder, a symbolic link or a special file.
    #[error("not a regular file (folders, symbolic links and special files are not media)")]
    NotAFile,
    /// The extension is not a media type; holds the extension without the
    /// dot, empty when there is none.
    #[error("{}", unsupported_message(.0))]
    UnsupportedType(String),
    /// Every collision suffix for the stem is taken.
    #[error("no free file name left for this name; choose another")]
    NoFreeName,
    /// The file system refused an operation; holds what failed and why.
    #[error("file system error: {0}")]
    Io(String),
}

fn unsupported_message(extension: &str) -> String {
    let supported = "media files end in .jpg, .jpeg, .png, .mp4, .mkv, .webm, .mov or .avi";
    if extension.is_empty() {
        format!("the file has no extension; {supported}")
    } else {
        format!("unsupported file type \".{extension}\"; {supported}")
    }
}

fn kind_of_extension(extension: &str) -> Option<MediaKind> {
    let extension = extension.to_ascii_lowercase();
    if PHOTO_EXTENSIONS.contains(&extension.as_str()) {
        Some(MediaKind::Photo)
    } else if VIDEO_EXTENSIONS.contains(&extension.as_str()) {
        Some(MediaKind::Video)
    } else {
        None
    }
}

/// Turns a user-supplied label (`"Patient 7: left eye"`, `"../../etc/passwd"`,
/// `"ｆｕｌｌ"`, `"a\0b"`) into a safe file stem, or `None` if nothing usable
/// remains.
///
/// Keeps Unicode letters and digits, `-`, `_` and `.`; turns whitespace into
/// `_`; drops everything else: path separators (`/`, `\`) and their
/// lookalikes (fullwidth solidus, division slash, ...), `:`, `%`, NUL and
/// other control or formatting characters, symbols and emoji. Runs of the
/// same `-`, `_` or `.` collapse to one (so `..` never appears), leading and
/// trailing `.`, `_` and `-` are trimmed (no hidden files, no option-like
/// names), the stem is cut to 80 characters and 200 bytes on a character
/// boundary, and trailing media extensions the user typed (`.jpg`, `.MP4`,
/// ...) are removed. Letters are kept as typed (no Unicode normalisation).
///
/// The result is stable: sanitising it again returns it unchanged.
pub fn sanitise_stem(user: &str) -> Option<String> {
    let mut kept = String::new();
    for c in user.chars() {
        let c = if c.is_alphanumeric() || is_stem_punctuation(c) {
            c
        } else if c.is_whitespace() {
            '_'
        } else {
            continue;
        };
        if is_stem_punctuation(c) && kept.ends_with(c) {
            continue;
        }
        kept.push(c);
    }
    let stem = strip_media_extensions(trim_stem_punctuation(&kept));
    let stem = strip_media_extensions(trim_stem_punctuation(truncate_stem(stem)));
    (!stem.is_empty()).then(|| stem.to_owned())
}

fn is_stem_punctuation(c: char) -> bool {
    matches!(c, '-' | '_' | '.')
}

fn trim_stem_punctuation(stem: &str) -> &str {
    stem.trim_matches(is_stem_punctuation)
}

/// Removes trailing media extensions (`a.jpg.mp4` -> `a`), trimming
/// punctuation after each; expects and returns a trimmed stem.
fn strip_media_extensions(mut stem: &str) -> &str {
    while let Some((head, extension)) = stem.rsplit_once('.')
        && kind_of_extension(extension).is_some()
    {
        stem = trim_stem_punctuation(head);
    }
    stem
}

/// The longest prefix of at most [`MAX_STEM_CHARS`] characters and
/// [`MAX_STEM_BYTES`] bytes.
fn truncate_stem(stem: &str) -> &str {
    let end = stem
        .char_indices()
        .take(MAX_STEM_CHARS)
        .map(|(start, c)| start + c.len_utf8())
        .take_while(|&end| end <= MAX_STEM_BYTES)
        .last()
        .unwrap_or(0);
    &stem[..end]
}

/// A file stem for a capture time given in µs since the Unix epoch, in UTC
/// with millisecond precision: `"2026-11-23_20-15-07_123"`.
///
/// Times outside the years 0000 to 9999 are clamped to that range, so the
/// stem always has this shape and passes [`sanitise_stem`] unchanged.
pub fn timestamp_stem(unix_us: i64) -> String {
    let us = unix_us.clamp(MIN_STEM_US, MAX_STEM_US);
    match time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}_{:02}-{:02}-{:02}_{:03}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
        // Unreachable: the clamp keeps the time within `time`'s range.
        Err(_) => "0000-01-01_00-00-00_000".to_owned(),
    }
}

/// Creates a new, empty file `stem.ext` inside `dir` (the extension from
/// `kind`), or `stem-1.ext`, `stem-2.ext`, ... if that name is taken, and
/// returns the file name used with the open file (write-only).
///
/// Each name is claimed with `create_new` (`O_CREAT | O_EXCL`), so two
/// concurrent callers never get the same name and an existing entry of any
/// kind — including a symbolic link pointing elsewhere — is never opened.
/// The stem must already be what [`sanitise_stem`] or [`timestamp_stem`]
/// produce; anything [`sanitise_stem`] would change is refused. Fails with
/// [`NameError::NoFreeName`] when `stem-999` is taken too.
pub fn create_unique(dir: &Path, stem: &str, kind: MediaKind) -> Result<(String, File), NameError> {
    match sanitise_stem(stem) {
        None => return Err(NameError::Empty),
        Some(clean) if clean != stem => return Err(NameError::NotSanitised),
        Some(_) => {}
    }
    let tail = format!(".{}", extension(kind));
    first_free(stem, &tail, |name| {
        let path = path_in(dir, &name)?;
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => Ok(Some((name, file))),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(None),
            Err(e) => Err(NameError::Io(format!(
                "cannot create {name:?} in the media folder: {e}"
            ))),
        }
    })?
    .ok_or(NameError::NoFreeName)
}

/// Takes the first free name of the series `{stem}{tail}`,
/// `{stem}-1{tail}`, `{stem}-2{tail}`, ... up to `{stem}-999{tail}`: `take`
/// is called with each name in turn and answers `Ok(Some(_))` when it took
/// that name, `Ok(None)` when the name is taken (the next one is tried) or
/// an error (which ends the search). `Ok(None)` when every name is taken.
///
/// The one place the series is spelled out: new captures
/// ([`create_unique`]), converted recordings, their kept originals and
/// the backups of the original app's database all name files this way.
/// `take` should claim a name atomically (`create_new`, a hard link) so
/// that two callers never get the same one.
pub fn first_free<T, E>(
    stem: &str,
    tail: &str,
    mut take: impl FnMut(String) -> Result<Option<T>, E>,
) -> Result<Option<T>, E> {
    for attempt in 0..MAX_ATTEMPTS {
        let name = if attempt == 0 {
            format!("{stem}{tail}")
        } else {
            format!("{stem}-{attempt}{tail}")
        };
        if let Some(taken) = take(name)? {
            return Ok(Some(taken));
        }
    }
    Ok(None)
}

/// Checks a bare file name — read from the media folder or given for import
/// — and returns its kind.
///
/// The name must be a single normal path component: not empty, at most 255
/// bytes, no `/` or `\`, not `.` or `..`, no control characters (NUL,
/// newline, ...) or invisible formatting characters (bidirectional overrides,
/// zero-width space, byte-order mark), not hidden (no leading dot), and with a
/// media extension (see [`MediaKind::from_file_name`]). Other characters,
/// including spaces, `%` and non-Latin letters, are allowed: on Linux they
/// are harmless inside one component.
pub fn check_file_name(name: &str) -> Result<MediaKind, NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(NameError::TooLong);
    }
    if name.chars().any(is_control_or_invisible) {
        return Err(NameError::ControlCharacter);
    }
    if name.contains(['/', '\\']) {
        return Err(NameError::Separator);
    }
    if name == "." || name == ".." {
        return Err(NameError::ParentReference);
    }
    if name.starts_with('.') {
        return Err(NameError::Hidden);
    }
    // Belt and braces: the standard library must see exactly this one name.
    let mut components = Path::new(name).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(only)), None) if only == name => {}
        _ => return Err(NameError::Separator),
    }
    kind_from_file_name(name).ok_or_else(|| {
        let extension = name.rsplit_once('.').map_or("", |(_, extension)| extension);
        NameError::UnsupportedType(extension.to_owned())
    })
}

/// `text` without control characters and invisible formatting characters
/// (escape sequences that would drive a terminal, bidirectional overrides
/// that disguise text), keeping line breaks and tabs when `multiline`.
/// For titles, notes and date labels, before they are stored or printed.
pub fn clean_text(text: &str, multiline: bool) -> String {
    text.chars()
        .filter(|&c| (multiline && matches!(c, '\n' | '\t')) || !is_control_or_invisible(c))
        .collect()
}

/// Control characters plus the invisible formatting characters that can
/// disguise a name: bidirectional marks, embeddings, overrides and isolates,
/// zero-width space, word joiner, byte-order mark, line and paragraph
/// separators.
fn is_control_or_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Resolves a path typed by the user (`media add FILE`) to the name of a
/// regular file directly inside `media_dir`.
///
/// A bare name (`photo.jpg`) is looked up in `media_dir`; anything else
/// (`./photo.jpg`, `media/photo.jpg`, `/srv/rig/media/photo.jpg`) is taken
/// relative to the current directory or as absolute. The path itself must be
/// a regular file — not a symbolic link (even one pointing into the folder),
/// folder or special file — whose canonical parent is the canonical media
/// folder, and its name must pass [`check_file_name`].
pub fn resolve_in_media_dir(media_dir: &Path, typed: &Path) -> Result<String, NameError> {
    if typed.as_os_str().is_empty() {
        return Err(NameError::Empty);
    }
    let is_bare_name = typed.file_name() == Some(typed.as_os_str());
    let candidate = if is_bare_name {
        media_dir.join(typed)
    } else {
        typed.to_path_buf()
    };
    let io_error =
        |what: &str, e: io::Error| NameError::Io(format!("cannot {what} {}: {e}", typed.display()));

    let metadata = fs::symlink_metadata(&candidate).map_err(|e| io_error("read", e))?;
    if !metadata.file_type().is_file() {
        return Err(NameError::NotAFile);
    }
    let dir = fs::canonicalize(media_dir)
        .map_err(|e| NameError::Io(format!("cannot open the media folder: {e}")))?;
    let file = fs::canonicalize(&candidate).map_err(|e| io_error("resolve", e))?;
    if file.parent() != Some(dir.as_path()) {
        return Err(NameError::NotInMediaFolder);
    }
    let name = file
        .file_name()
        .ok_or(NameError::NotAFile)?
        .to_str()
        .ok_or(NameError::NotUnicode)?;
    check_file_name(name)?;
    // The name is what callers will use: it must itself be a regular file
    // (closes the window in which the entry could have been swapped).
    let metadata = fs::symlink_metadata(dir.join(name)).map_err(|e| io_error("read", e))?;
    if !metadata.file_type().is_file() {
        return Err(NameError::NotAFile);
    }
    Ok(name.to_owned())
}

/// The path of a media file: `media_dir` joined with a name that passes
/// [`check_file_name`]. This is the only place a name becomes a path.
pub fn path_in(media_dir: &Path, name: &str) -> Result<PathBuf, NameError> {
    check_file_name(name)?;
    Ok(media_dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_loses_escapes_and_disguises_but_keeps_words() {
        let hostile = "Left\u{1b}[2J\u{1b}]0;pwned\u{7}eye\u{202E}gpj\r\nnext\tcol";
        assert_eq!(clean_text(hostile, false), "Left[2J]0;pwnedeyegpjnextcol");
        assert_eq!(
            clean_text(hostile, true),
            "Left[2J]0;pwnedeyegpj\nnext\tcol"
        );
        assert_eq!(clean_text("Auge links – ü 目", false), "Auge links – ü 目");
    }

    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, Barrier};
    use std::time::{SystemTime, UNIX_EPOCH};

    /// A temporary folder `root` holding `media/`, a sentinel file beside it
    /// and `outside/secret.jpg`; removed on drop.
    struct Sandbox {
        root: PathBuf,
        media: PathBuf,
        sentinel: PathBuf,
        outside: PathBuf,
        secret: PathBuf,
    }

    const SENTINEL: &[u8] = b"sentinel: must survive every test\n";
    const SECRET: &[u8] = b"not media: outside the folder\n";

    /// What a snapshot records per entry outside `media/`.
    #[derive(Debug, PartialEq, Eq)]
    enum Entry {
        File(Vec<u8>),
        Dir,
        Link(PathBuf),
        Other,
    }

    impl Sandbox {
        fn new(tag: &str) -> Sandbox {
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let root = std::env::temp_dir().join(format!(
                "camrig-names-{tag}-{}-{}-{nanos}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
            ));
            // create_dir (not _all) fails if it exists: the folder is ours.
            fs::create_dir(&root).unwrap();
            let media = root.join("media");
            fs::create_dir(&media).unwrap();
            let sentinel = root.join("sentinel.txt");
            fs::write(&sentinel, SENTINEL).unwrap();
            let outside = root.join("outside");
            fs::create_dir(&outside).unwrap();
            let secret = outside.join("secret.jpg");
            fs::write(&secret, SECRET).unwrap();
            Sandbox {
                root,
                media,
                sentinel,
                outside,
                secret,
            }
        }

        /// Every entry under the root except inside `media/`, with contents.
        fn outside_snapshot(&self) -> BTreeMap<PathBuf, Entry> {
            fn walk(dir: &Path, media: &Path, out: &mut BTreeMap<PathBuf, Entry>) {
                for entry in fs::read_dir(dir).unwrap() {
                    let path = entry.unwrap().path();
                    if path == media {
                        continue;
                    }
                    let file_type = fs::symlink_metadata(&path).unwrap().file_type();
                    let value = if file_type.is_symlink() {
                        Entry::Link(fs::read_link(&path).unwrap())
                    } else if file_type.is_dir() {
                        walk(&path, media, out);
                        Entry::Dir
                    } else if file_type.is_file() {
                        Entry::File(fs::read(&path).unwrap())
                    } else {
                        Entry::Other
                    };
                    out.insert(path, value);
                }
            }
            let mut out = BTreeMap::new();
            walk(&self.root, &self.media, &mut out);
            out
        }

        /// Nothing outside `media/` was created, removed or changed, and the
        /// sentinel and secret are intact.
        fn assert_outside_unchanged(&self, before: &BTreeMap<PathBuf, Entry>) {
            assert_eq!(
                &self.outside_snapshot(),
                before,
                "entries outside media/ changed"
            );
            assert_eq!(fs::read(&self.sentinel).unwrap(), SENTINEL);
            assert_eq!(fs::read(&self.secret).unwrap(), SECRET);
        }

        fn media_names(&self) -> BTreeSet<String> {
            fs::read_dir(&self.media)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        }
    }

    impl Drop for Sandbox {
        fn drop(&mut self) {
            // remove_dir_all does not follow symbolic links.
            let _ = fs::remove_dir_all(&self.root);
        }
    }

    /// Hostile and odd user inputs, used by several tests.
    const HOSTILE: &[&str] = &[
        "../",
        "..\\",
        "....//",
        "../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "%2e%2e%2f",
        "%2e%2e%2fetc%2fpasswd",
        "%252e%252e%252f",
        "/etc/passwd",
        "/",
        "C:\\Windows\\x.jpg",
        "back\\slash.jpg",
        "a\0b",
        "a\0b.jpg",
        "x.jpg\0.png",
        "line\nbreak.jpg",
        "carriage\rreturn",
        "tab\there.jpg",
        "\u{7f}\u{1b}[31mred.jpg",
        "😀 smile 🎥",
        "a\u{202E}gpj.mp4",
        "\u{202E}gpj.exe",
        "e\u{301}le\u{300}ve",
        "\u{0300}\u{0301}\u{0302}",
        "ａ\u{FF0F}ｂ",
        "a\u{2215}b.jpg",
        "a\u{2044}b\u{29F8}c",
        "\u{FF0E}\u{FF0E}\u{FF0F}",
        "\u{2024}\u{2024}/x",
        "ｆｕｌｌ",
        ".",
        "..",
        "...",
        ".....",
        ". . .",
        ".hidden.jpg",
        ".jpg",
        "con.jpg",
        "NUL",
        "",
        " ",
        "   \t  ",
        "\u{3000}\u{00A0}",
        "~/.ssh/id_rsa",
        "$(rm -rf ~)",
        "name;rm -rf /",
        "file:stream",
        "a/./b",
        "-rf",
        "--help.jpg",
        "a\u{200B}b\u{FEFF}",
        "x\u{2028}y",
        "photo.JPG.jpeg",
        "clip.MP4",
        "日本語 写真",
        "١٢٣",
        "Patient 7: left eye",
    ];

    fn long_inputs() -> Vec<String> {
        vec![
            "x".repeat(10_000),
            format!("{}.jpg", "y".repeat(10_000)),
            "../".repeat(3_000),
            "é".repeat(10_000),
            "𝐀".repeat(1_000),
            "😀".repeat(10_000),
            format!("{}{}", "a".repeat(79), "_.jpg.mp4"),
            format!("{}.jpgz", "a".repeat(76)),
        ]
    }

    fn all_inputs() -> Vec<String> {
        HOSTILE
            .iter()
            .map(|s| (*s).to_owned())
            .chain(long_inputs())
            .collect()
    }

    /// `name` is one harmless path component.
    fn assert_safe_component(name: &str) {
        assert!(!name.is_empty());
        assert!(name.len() <= MAX_NAME_BYTES, "{name:?} too long");
        assert!(
            !name.contains(['/', '\\', '\0']),
            "{name:?} has a separator"
        );
        assert!(!name.chars().any(is_control_or_invisible), "{name:?}");
        assert!(!name.starts_with('.'), "{name:?} is hidden");
        assert_ne!(name, "..");
        let components: Vec<_> = Path::new(name).components().collect();
        assert_eq!(components, [Component::Normal(name.as_ref())], "{name:?}");
    }

    /// Everything a sanitised stem must satisfy.
    fn assert_safe_stem(input: &str, stem: &str) {
        assert_safe_component(stem);
        assert!(!stem.contains(".."), "{input:?} -> {stem:?} has ..");
        assert!(
            stem.chars()
                .all(|c| c.is_alphanumeric() || is_stem_punctuation(c)),
            "{input:?} -> {stem:?} has a disallowed character"
        );
        assert!(!stem.starts_with(is_stem_punctuation), "{stem:?}");
        assert!(!stem.ends_with(is_stem_punctuation), "{stem:?}");
        assert!(stem.chars().count() <= MAX_STEM_CHARS, "{stem:?}");
        assert!(stem.len() <= MAX_STEM_BYTES, "{stem:?}");
        assert_eq!(sanitise_stem(stem).as_deref(), Some(stem), "not stable");
        assert_eq!(
            kind_from_file_name(stem),
            None,
            "{stem:?} kept an extension"
        );
    }

    #[test]
    fn sanitise_known_outputs() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Patient 7: left eye", Some("Patient_7_left_eye")),
            ("../../etc/passwd", Some("etcpasswd")),
            ("ｆｕｌｌ", Some("ｆｕｌｌ")),
            ("a\0b", Some("ab")),
            ("..\\..\\windows\\win.ini", Some("windowswin.ini")),
            ("....//", None),
            ("%2e%2e%2f", Some("2e2e2f")),
            ("%252e%252e%252f", Some("252e252e252f")),
            ("/etc/passwd", Some("etcpasswd")),
            ("C:\\Windows\\x.jpg", Some("CWindowsx")),
            ("line\nbreak.jpg", Some("line_break")),
            ("x.jpg\0.png", Some("x")),
            ("😀 smile 🎥", Some("smile")),
            ("a\u{202E}gpj.mp4", Some("agpj")),
            ("e\u{301}le\u{300}ve", Some("eleve")),
            ("ａ\u{FF0F}ｂ", Some("ａｂ")),
            ("a\u{2215}b.jpg", Some("ab")),
            ("a\u{2044}b\u{29F8}c", Some("abc")),
            ("\u{FF0E}\u{FF0E}\u{FF0F}", None),
            (".", None),
            ("..", None),
            (". . .", None),
            (".hidden.jpg", Some("hidden")),
            (".jpg", Some("jpg")),
            ("con.jpg", Some("con")),
            ("", None),
            ("   \t  ", None),
            ("\u{3000}\u{00A0}", None),
            ("~/.ssh/id_rsa", Some("sshid_rsa")),
            ("$(rm -rf ~)", Some("rm_-rf")),
            ("name;rm -rf /", Some("namerm_-rf")),
            ("a/./b", Some("a.b")),
            ("-rf", Some("rf")),
            ("a\u{200B}b\u{FEFF}", Some("ab")),
            ("photo.JPG.jpeg", Some("photo")),
            ("clip.MP4", Some("clip")),
            ("holiday.v2.png", Some("holiday.v2")),
            ("notes.txt", Some("notes.txt")),
            ("日本語 写真", Some("日本語_写真")),
            ("١٢٣", Some("١٢٣")),
            ("a__b--c..d", Some("a_b-c.d")),
            ("a_-_b", Some("a_-_b")),
            ("2026-11-23_20-15-07_123", Some("2026-11-23_20-15-07_123")),
        ];
        for (input, expected) in cases {
            assert_eq!(
                sanitise_stem(input).as_deref(),
                *expected,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn sanitise_every_hostile_input_is_safe_or_none() {
        let mut produced = 0;
        for input in all_inputs() {
            if let Some(stem) = sanitise_stem(&input) {
                assert_safe_stem(&input, &stem);
                produced += 1;
            }
        }
        assert!(produced > 30, "only {produced} inputs produced a stem");
    }

    #[test]
    fn sanitise_limits_length_on_char_boundaries() {
        assert_eq!(sanitise_stem(&"x".repeat(10_000)), Some("x".repeat(80)));
        assert_eq!(sanitise_stem(&"é".repeat(10_000)), Some("é".repeat(80)));
        // 4-byte letters: the byte limit binds first.
        assert_eq!(sanitise_stem(&"𝐀".repeat(1_000)), Some("𝐀".repeat(50)));
        assert_eq!(sanitise_stem(&"😀".repeat(10_000)), None);
        // A cut that ends in punctuation is trimmed.
        let input = format!("{}_tail", "a".repeat(79));
        assert_eq!(sanitise_stem(&input), Some("a".repeat(79)));
        // A cut that exposes an extension strips it (the result is stable).
        let input = format!("{}.jpgz", "a".repeat(76));
        assert_eq!(sanitise_stem(&input), Some("a".repeat(76)));
        // The extension is stripped before cutting.
        let input = format!("{}.jpg", "y".repeat(10_000));
        assert_eq!(sanitise_stem(&input), Some("y".repeat(80)));
    }

    #[test]
    fn media_kind_by_extension() {
        for (name, kind) in [
            ("a.jpg", Some(MediaKind::Photo)),
            ("a.JPEG", Some(MediaKind::Photo)),
            ("a.Png", Some(MediaKind::Photo)),
            ("a.b.mp4", Some(MediaKind::Video)),
            ("a.MKV", Some(MediaKind::Video)),
            ("a.webm", Some(MediaKind::Video)),
            ("a.mov", Some(MediaKind::Video)),
            ("a.AVI", Some(MediaKind::Video)),
            ("a.gif", None),
            ("a.jpg.txt", None),
            ("a.jpg.", None),
            ("jpg", None),
            (".jpg", None),
            ("", None),
            ("a.ｊｐｇ", None),
        ] {
            assert_eq!(kind_from_file_name(name), kind, "{name:?}");
        }
        assert_eq!(extension(MediaKind::Photo), "jpg");
        assert_eq!(extension(MediaKind::Video), "mp4");
        for kind in [MediaKind::Photo, MediaKind::Video] {
            let name = format!("x.{}", extension(kind));
            assert_eq!(kind_from_file_name(&name), Some(kind));
        }
    }

    #[test]
    fn check_file_name_verdicts() {
        use NameError::*;
        let long = format!("{}.jpg", "x".repeat(251));
        let too_long = format!("{}.jpg", "x".repeat(252));
        let cases: Vec<(&str, Result<MediaKind, NameError>)> = vec![
            ("photo.jpg", Ok(MediaKind::Photo)),
            ("Patient 7 left eye.JPEG", Ok(MediaKind::Photo)),
            ("clip.mov", Ok(MediaKind::Video)),
            ("con.jpg", Ok(MediaKind::Photo)),
            ("%2e%2e%2fx.jpg", Ok(MediaKind::Photo)),
            ("a..b.jpg", Ok(MediaKind::Photo)),
            ("-rf.jpg", Ok(MediaKind::Photo)),
            ("ａ\u{FF0F}ｂ.jpg", Ok(MediaKind::Photo)),
            ("a\u{2215}b.mp4", Ok(MediaKind::Video)),
            ("日本語.png", Ok(MediaKind::Photo)),
            (&long, Ok(MediaKind::Photo)),
            (&too_long, Err(TooLong)),
            ("", Err(Empty)),
            (".", Err(ParentReference)),
            ("..", Err(ParentReference)),
            ("...", Err(Hidden)),
            (".hidden.jpg", Err(Hidden)),
            (".jpg", Err(Hidden)),
            ("../x.jpg", Err(Separator)),
            ("..\\x.jpg", Err(Separator)),
            ("....//", Err(Separator)),
            ("/etc/passwd", Err(Separator)),
            ("/", Err(Separator)),
            ("x.jpg/", Err(Separator)),
            ("media/x.jpg", Err(Separator)),
            ("C:\\Windows\\x.jpg", Err(Separator)),
            ("a\0b.jpg", Err(ControlCharacter)),
            ("line\nbreak.jpg", Err(ControlCharacter)),
            ("\u{7f}.jpg", Err(ControlCharacter)),
            ("a\u{202E}gpj.mp4", Err(ControlCharacter)),
            ("a\u{200B}.jpg", Err(ControlCharacter)),
            ("\u{FEFF}a.jpg", Err(ControlCharacter)),
            ("x\u{2028}y.jpg", Err(ControlCharacter)),
            ("%2e%2e%2f", Err(UnsupportedType(String::new()))),
            ("notes.txt", Err(UnsupportedType("txt".into()))),
            ("x.jpg.", Err(UnsupportedType(String::new()))),
            ("x.jpg ", Err(UnsupportedType("jpg ".into()))),
            ("   ", Err(UnsupportedType(String::new()))),
            ("passwd", Err(UnsupportedType(String::new()))),
        ];
        for (name, expected) in cases {
            assert_eq!(check_file_name(name), expected, "{name:?}");
        }
        assert_eq!(check_file_name(&"x".repeat(10_000)), Err(TooLong));
    }

    #[test]
    fn check_and_path_in_accept_only_safe_components() {
        let media = Path::new("/srv/rig/media");
        let mut accepted = 0;
        for input in all_inputs() {
            let checked = check_file_name(&input);
            let joined = path_in(media, &input);
            match (&checked, &joined) {
                (Ok(_), Ok(path)) => {
                    assert_safe_component(&input);
                    assert_eq!(path.parent(), Some(media), "{input:?}");
                    assert_eq!(path.file_name(), Some(input.as_ref()), "{input:?}");
                    accepted += 1;
                }
                (Err(a), Err(b)) => assert_eq!(a, b),
                _ => panic!("check_file_name and path_in disagree on {input:?}"),
            }
        }
        // Only the harmless ones: con.jpg, --help.jpg, clip.MP4, ...
        assert!(accepted > 0 && accepted < 10, "accepted {accepted}");
        assert_eq!(path_in(media, "../x.jpg"), Err(NameError::Separator));
        assert_eq!(
            path_in(media, "x.jpg"),
            Ok(PathBuf::from("/srv/rig/media/x.jpg"))
        );
    }

    #[test]
    fn every_sanitised_stem_creates_a_file_inside_media() {
        let sandbox = Sandbox::new("stems");
        let before = sandbox.outside_snapshot();
        let media = fs::canonicalize(&sandbox.media).unwrap();
        let mut created = BTreeSet::new();
        for input in all_inputs() {
            let Some(stem) = sanitise_stem(&input) else {
                continue;
            };
            let (name, _file) = create_unique(&sandbox.media, &stem, MediaKind::Photo).unwrap();
            assert_safe_component(&name);
            assert_eq!(check_file_name(&name), Ok(MediaKind::Photo));
            let path = fs::canonicalize(sandbox.media.join(&name)).unwrap();
            assert_eq!(path.parent(), Some(media.as_path()), "{input:?}");
            assert!(created.insert(name));
        }
        assert_eq!(sandbox.media_names(), created);
        sandbox.assert_outside_unchanged(&before);
    }

    #[test]
    fn first_free_tries_the_series_in_order_and_stops_at_an_error() {
        let mut tried = Vec::new();
        let taken = first_free("media.db.legacy-x", ".bak", |name| {
            tried.push(name.clone());
            Ok::<_, String>((tried.len() == 3).then_some(name))
        });
        assert_eq!(taken, Ok(Some("media.db.legacy-x-2.bak".to_owned())));
        assert_eq!(
            tried,
            [
                "media.db.legacy-x.bak",
                "media.db.legacy-x-1.bak",
                "media.db.legacy-x-2.bak"
            ]
        );
        let mut calls = 0;
        let failed = first_free("a", ".avi", |_| {
            calls += 1;
            Err::<Option<()>, _>("disk gone")
        });
        assert_eq!((failed, calls), (Err("disk gone"), 1));
        let mut last = String::new();
        let none = first_free("a", ".mp4", |name| {
            last = name;
            Ok::<Option<()>, String>(None)
        });
        assert_eq!(none, Ok(None));
        assert_eq!(last, format!("a-{}.mp4", MAX_ATTEMPTS - 1));
    }

    #[test]
    fn create_unique_adds_suffixes() {
        let sandbox = Sandbox::new("suffix");
        let before = sandbox.outside_snapshot();
        let names: Vec<String> = (0..3)
            .map(|_| {
                create_unique(&sandbox.media, "x", MediaKind::Photo)
                    .unwrap()
                    .0
            })
            .collect();
        assert_eq!(names, ["x.jpg", "x-1.jpg", "x-2.jpg"]);
        let (video, _) = create_unique(&sandbox.media, "x", MediaKind::Video).unwrap();
        assert_eq!(video, "x.mp4");
        // A stem that looks like a suffixed name is just another stem.
        let (name, _) = create_unique(&sandbox.media, "x-1", MediaKind::Photo).unwrap();
        assert_eq!(name, "x-1-1.jpg");
        // Files are new and empty, and the returned handle writes to them.
        let (name, mut file) = create_unique(&sandbox.media, "w", MediaKind::Photo).unwrap();
        io::Write::write_all(&mut file, b"jpeg bytes").unwrap();
        drop(file);
        assert_eq!(fs::read(sandbox.media.join(name)).unwrap(), b"jpeg bytes");
        assert_eq!(fs::read(sandbox.media.join("x.jpg")).unwrap(), b"");
        sandbox.assert_outside_unchanged(&before);
    }

    #[test]
    fn create_unique_skips_any_existing_entry_without_following_it() {
        let sandbox = Sandbox::new("existing");
        // x.jpg is a folder, x-1.jpg a dangling link out of the folder,
        // x-2.jpg a link to the secret.
        fs::create_dir(sandbox.media.join("x.jpg")).unwrap();
        std::os::unix::fs::symlink(
            sandbox.outside.join("created-through-link.jpg"),
            sandbox.media.join("x-1.jpg"),
        )
        .unwrap();
        std::os::unix::fs::symlink(&sandbox.secret, sandbox.media.join("x-2.jpg")).unwrap();
        let before = sandbox.outside_snapshot();
        let (name, mut file) = create_unique(&sandbox.media, "x", MediaKind::Photo).unwrap();
        assert_eq!(name, "x-3.jpg");
        io::Write::write_all(&mut file, b"new").unwrap();
        assert!(!sandbox.outside.join("created-through-link.jpg").exists());
        sandbox.assert_outside_unchanged(&before);
    }

    #[test]
    fn create_unique_refuses_unsanitised_stems() {
        let sandbox = Sandbox::new("refuse");
        let before = sandbox.outside_snapshot();
        for stem in [
            "../x",
            "../../outside/secret",
            "/etc/passwd",
            "a/b",
            "a\\b",
            "a b",
            "a\0b",
            ".hidden",
            "-rf",
            "x.jpg",
            "x.",
            "a..b",
            "ａ\u{FF0F}ｂ",
            "a\u{202E}b",
            &"x".repeat(81),
        ] {
            assert_eq!(
                create_unique(&sandbox.media, stem, MediaKind::Photo).map(|(n, _)| n),
                Err(NameError::NotSanitised),
                "{stem:?}"
            );
        }
        for stem in ["", ".", "..", " ", "😀", "/"] {
            assert_eq!(
                create_unique(&sandbox.media, stem, MediaKind::Video).map(|(n, _)| n),
                Err(NameError::Empty),
                "{stem:?}"
            );
        }
        assert!(sandbox.media_names().is_empty());
        sandbox.assert_outside_unchanged(&before);
    }

    #[test]
    fn create_unique_reports_io_errors_and_exhaustion() {
        let sandbox = Sandbox::new("exhaust");
        let missing = sandbox.media.join("no-such-folder");
        assert!(matches!(
            create_unique(&missing, "x", MediaKind::Photo),
            Err(NameError::Io(_))
        ));
        File::create(sandbox.media.join("full.jpg")).unwrap();
        for n in 1..MAX_ATTEMPTS {
            File::create(sandbox.media.join(format!("full-{n}.jpg"))).unwrap();
        }
        let before = sandbox.outside_snapshot();
        assert_eq!(
            create_unique(&sandbox.media, "full", MediaKind::Photo).map(|(n, _)| n),
            Err(NameError::NoFreeName)
        );
        assert_eq!(sandbox.media_names().len(), MAX_ATTEMPTS as usize);
        sandbox.assert_outside_unchanged(&before);
    }

    #[test]
    fn concurrent_creates_get_distinct_names() {
        const THREADS: usize = 8;
        let sandbox = Sandbox::new("race");
        let before = sandbox.outside_snapshot();
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let media = sandbox.media.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    let (name, mut file) =
                        create_unique(&media, "burst", MediaKind::Video).unwrap();
                    io::Write::write_all(&mut file, format!("thread {i}").as_bytes()).unwrap();
                    (i, name)
                })
            })
            .collect();
        let results: Vec<(usize, String)> =
            handles.into_iter().map(|h| h.join().unwrap()).collect();
        let names: BTreeSet<String> = results.iter().map(|(_, n)| n.clone()).collect();
        assert_eq!(names.len(), THREADS, "duplicate names: {results:?}");
        // Names are claimed in order, so exactly the first eight are used.
        let expected: BTreeSet<String> = std::iter::once("burst.mp4".to_owned())
            .chain((1..THREADS).map(|n| format!("burst-{n}.mp4")))
            .collect();
        assert_eq!(names, expected);
        assert_eq!(sandbox.media_names(), expected);
        // Each thread's file holds exactly what that thread wrote.
        for (i, name) in results {
            let content = fs::read_to_string(sandbox.media.join(name)).unwrap();
            assert_eq!(content, format!("thread {i}"));
        }
        sandbox.assert_outside_unchanged(&before);
    }

    /// A relative path from the current directory to `target`.
    fn relative_from_cwd(target: &Path) -> PathBuf {
        let cwd = fs::canonicalize(std::env::current_dir().unwrap()).unwrap();
        let target = fs::canonicalize(target).unwrap();
        let mut relative = PathBuf::new();
        for _ in cwd.components().skip(1) {
            relative.push("..");
        }
        relative.push(target.strip_prefix("/").unwrap());
        relative
    }

    #[test]
    fn resolve_accepts_files_directly_inside_media() {
        let sandbox = Sandbox::new("resolve-ok");
        fs::write(sandbox.media.join("x.jpg"), b"x").unwrap();
        fs::write(sandbox.media.join("clip.MOV"), b"x").unwrap();
        fs::write(sandbox.media.join("con.jpg"), b"x").unwrap();
        fs::write(sandbox.media.join("%2e%2e%2f.jpg"), b"x").unwrap();
        fs::write(sandbox.media.join("ａ\u{FF0F}ｂ.jpg"), b"x").unwrap();
        // A hard link is an ordinary entry of the folder; removing it removes
        // only the link.
        fs::hard_link(&sandbox.secret, sandbox.media.join("hard.jpg")).unwrap();
        let before = sandbox.outside_snapshot();
        let media = &sandbox.media;
        let relative = relative_from_cwd(&media.join("x.jpg"));
        assert!(relative.is_relative());
        let cases: Vec<(PathBuf, PathBuf, &str)> = vec![
            (media.clone(), "x.jpg".into(), "x.jpg"),
            (media.clone(), media.join("x.jpg"), "x.jpg"),
            (media.clone(), media.join("./x.jpg"), "x.jpg"),
            (
                media.clone(),
                PathBuf::from(format!("{}//x.jpg", media.display())),
                "x.jpg",
            ),
            (media.clone(), media.join("../media/x.jpg"), "x.jpg"),
            (
                media.clone(),
                media.join("../outside/../media/x.jpg"),
                "x.jpg",
            ),
            (media.clone(), relative, "x.jpg"),
            (
                sandbox.root.join("outside/../media"),
                "x.jpg".into(),
                "x.jpg",
            ),
            (relative_from_cwd(media), "x.jpg".into(), "x.jpg"),
            (media.clone(), "clip.MOV".into(), "clip.MOV"),
            (media.clone(), "con.jpg".into(), "con.jpg"),
            (media.clone(), "%2e%2e%2f.jpg".into(), "%2e%2e%2f.jpg"),
            (media.clone(), "ａ\u{FF0F}ｂ.jpg".into(), "ａ\u{FF0F}ｂ.jpg"),
            (media.clone(), "hard.jpg".into(), "hard.jpg"),
        ];
        for (dir, typed, expected) in cases {
            let name = resolve_in_media_dir(&dir, &typed);
            assert_eq!(name.as_deref(), Ok(expected), "{typed:?} in {dir:?}");
            assert_safe_component(expected);
        }
        sandbox.assert_outside_unchanged(&before);
    }

    #[test]
    fn resolve_refuses_everything_else() {
        use NameError::*;
        let sandbox = Sandbox::new("resolve-bad");
        let media = sandbox.media.clone();
        fs::write(media.join("x.jpg"), b"x").unwrap();
        fs::write(media.join("notes.txt"), b"x").unwrap();
        fs::write(media.join(".hidden.jpg"), b"x").unwrap();
        fs::write(media.join("line\nbreak.jpg"), b"x").unwrap();
        fs::write(media.join("\u{202E}gpj.mp4"), b"x").unwrap();
        fs::create_dir(media.join("sub")).unwrap();
        fs::write(media.join("sub/inner.jpg"), b"x").unwrap();
        fs::create_dir(media.join("dir.jpg")).unwrap();
        std::os::unix::fs::symlink(&sandbox.secret, media.join("escape.jpg")).unwrap();
        std::os::unix::fs::symlink("x.jpg", media.join("inside-link.jpg")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/x.jpg", media.join("dangling.jpg")).unwrap();
        std::os::unix::fs::symlink(&sandbox.outside, media.join("outdir")).unwrap();
        std::os::unix::fs::symlink("/etc", media.join("etc")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(media.join("socket.jpg")).unwrap();
        {
            use std::os::unix::ffi::OsStrExt;
            let name = std::ffi::OsStr::from_bytes(b"bad\xff.jpg");
            fs::write(media.join(name), b"x").unwrap();
        }
        let before = sandbox.outside_snapshot();
        let relative_secret = relative_from_cwd(&sandbox.secret);
        let outside_via_media = media.join("../outside/secret.jpg");
        let sentinel = sandbox.sentinel.clone();
        let long = "x".repeat(10_000);

        let is_io = |r: &Result<String, NameError>| matches!(r, Err(Io(_)));
        let cases: Vec<(PathBuf, Option<NameError>)> = vec![
            // Outside the folder.
            (sandbox.secret.clone(), Some(NotInMediaFolder)),
            (outside_via_media, Some(NotInMediaFolder)),
            (relative_secret, Some(NotInMediaFolder)),
            (sentinel, Some(NotInMediaFolder)),
            ("/etc/passwd".into(), Some(NotInMediaFolder)),
            (media.join("sub/inner.jpg"), Some(NotInMediaFolder)),
            (
                media.join("sub/../../outside/secret.jpg"),
                Some(NotInMediaFolder),
            ),
            (media.join("outdir/secret.jpg"), Some(NotInMediaFolder)),
            (media.join("etc/passwd"), Some(NotInMediaFolder)),
            // Not regular files.
            ("escape.jpg".into(), Some(NotAFile)),
            (media.join("escape.jpg"), Some(NotAFile)),
            ("inside-link.jpg".into(), Some(NotAFile)),
            ("dangling.jpg".into(), Some(NotAFile)),
            ("outdir".into(), Some(NotAFile)),
            ("sub".into(), Some(NotAFile)),
            ("dir.jpg".into(), Some(NotAFile)),
            ("socket.jpg".into(), Some(NotAFile)),
            (media.clone(), Some(NotAFile)),
            (media.join("."), Some(NotAFile)),
            (media.join(".."), Some(NotAFile)),
            ("/".into(), Some(NotAFile)),
            // Inside, but a bad name.
            ("notes.txt".into(), Some(UnsupportedType("txt".into()))),
            (".hidden.jpg".into(), Some(Hidden)),
            ("line\nbreak.jpg".into(), Some(ControlCharacter)),
            ("\u{202E}gpj.mp4".into(), Some(ControlCharacter)),
            (
                PathBuf::from(
                    <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"bad\xff.jpg"),
                ),
                Some(NotUnicode),
            ),
            // Nothing there, or unreadable as given: an I/O error.
            ("".into(), Some(Empty)),
            ("missing.jpg".into(), None),
            ("../outside/secret.jpg".into(), None),
            ("..\\outside\\secret.jpg".into(), None),
            ("%2e%2e%2foutside%2fsecret.jpg".into(), None),
            ("x.jpg\0".into(), None),
            (media.join("x.jpg/"), None),
            (media.join("x.jpg/.."), None),
            (long.into(), None),
        ];
        for (typed, expected) in cases {
            let result = resolve_in_media_dir(&media, &typed);
            match expected {
                Some(error) => assert_eq!(result, Err(error), "{typed:?}"),
                None => assert!(is_io(&result), "{typed:?}: {result:?}"),
            }
        }
        // The media folder itself missing.
        assert!(is_io(&resolve_in_media_dir(
            &sandbox.root.join("nope"),
            &media.join("x.jpg")
        )));
        // Hostile names that do not exist never resolve.
        for input in all_inputs() {
            let result = resolve_in_media_dir(&media, Path::new(&input));
            if let Ok(name) = &result {
                assert_safe_component(name);
                assert!(media.join(name).is_file());
            }
            assert!(result.is_err() || input == "x.jpg", "{input:?}: {result:?}");
        }
        sandbox.assert_outside_unchanged(&before);
    }

    #[test]
    fn timestamp_known_dates() {
        let second = 1_000_000_i64;
        let cases: &[(i64, &str)] = &[
            (0, "1970-01-01_00-00-00_000"),
            (999_999, "1970-01-01_00-00-00_999"),
            (-1, "1969-12-31_23-59-59_999"),
            (-second, "1969-12-31_23-59-59_000"),
            (68_212_800 * second, "1972-02-29_12-00-00_000"),
            (951_868_799 * second + 500_000, "2000-02-29_23-59-59_500"),
            (1_709_210_096 * second + 789_000, "2024-02-29_12-34-56_789"),
            (1_735_689_599 * second, "2024-12-31_23-59-59_000"),
            (1_795_464_907 * second + 123_456, "2026-11-23_20-15-07_123"),
            (2_147_483_648 * second, "2038-01-19_03-14-08_000"),
            (4_107_542_400 * second, "2100-03-01_00-00-00_000"),
            (-2_203_891_200 * second, "1900-03-01_00-00-00_000"),
            (-62_135_596_800 * second, "0001-01-01_00-00-00_000"),
            (
                253_402_300_799 * second + 999_999,
                "9999-12-31_23-59-59_999",
            ),
            // Clamped to the years 0000-9999.
            (i64::MAX, "9999-12-31_23-59-59_999"),
            (i64::MIN, "0000-01-01_00-00-00_000"),
        ];
        for &(us, expected) in cases {
            assert_eq!(timestamp_stem(us), expected, "{us} µs");
            assert_eq!(sanitise_stem(expected).as_deref(), Some(expected));
        }
    }

    #[test]
    fn every_day_of_four_centuries_gets_its_date() {
        // Day by day from 1600-01-01 to 2399-12-31 at noon, counted by hand.
        fn days_in_month(year: i64, month: i64) -> i64 {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            match month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            }
        }
        let mut noon_us = (-11_676_096_000 + 43_200) * 1_000_000i64;
        for year in 1600..2400 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    let expected = format!("{year:04}-{month:02}-{day:02}_12-00-00_000");
                    assert_eq!(timestamp_stem(noon_us), expected);
                    noon_us += 86_400 * 1_000_000;
                }
            }
        }
    }

    #[test]
    fn error_messages_are_readable() {
        assert_eq!(
            NameError::UnsupportedType("txt".into()).to_string(),
            "unsupported file type \".txt\"; media files end in .jpg, .jpeg, .png, .mp4, \
             .mkv, .webm, .mov or .avi"
        );
        assert!(
            NameError::UnsupportedType(String::new())
                .to_string()
                .starts_with("the file has no extension")
        );
        assert_eq!(
            NameError::TooLong.to_string(),
            "the name is too long (at most 255 bytes)"
        );
        assert_eq!(
            NameError::Separator.to_string(),
            "the name must be a plain file name, without '/' or '\\'"
        );
        for error in [
            NameError::Empty,
            NameError::Hidden,
            NameError::ParentReference,
            NameError::ControlCharacter,
            NameError::NotSanitised,
            NameError::NotUnicode,
            NameError::NotInMediaFolder,
            NameError::NotAFile,
            NameError::NoFreeName,
            NameError::Io("boom".into()),
        ] {
            let message = error.to_string();
            assert!(message.len() > 10 && !message.contains('{'), "{message}");
        }
    }
}
