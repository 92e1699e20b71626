//! The service worker's app shell: after `trunk build` and the icons,
//! `cargo xtask build` fills the two marked lines of `dist/sw.js`
//! (`frontend/static/sw.js`) so the worker precaches the build it belongs
//! to (docs/design/phone-app.md, "Installable"):
//!
//! - `SHELL`: every file of `dist/` that `index.html` names (Trunk's
//!   hashed script, wasm and CSS; the manifest; the icons it links), and
//!   the icons the manifest lists;
//! - `VERSION`: a hash of `index.html` and of the unhashed files of
//!   `SHELL` (the hashed ones change their names when they change), so a
//!   build that changes any of them is a new `sw.js` and browsers install
//!   it.
//!
//! The names are found as text: Trunk's minified `index.html` leaves
//! attributes unquoted, and its loader script names the wasm in a string.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::compress;

/// The line of `sw.js` that holds the version, found by its comment.
const VERSION_MARK: &str = "// xtask: VERSION";
/// The line of `sw.js` that holds the shell list.
const SHELL_MARK: &str = "// xtask: SHELL";

/// What went into `sw.js`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shell {
    /// The paths precached, sorted (`/frontend-<hash>.js`, ...).
    pub files: Vec<String>,
    /// The hash of the shell, 16 hex digits.
    pub version: String,
}

/// Fills `dist/sw.js` from `dist/index.html`, the files beside it and
/// `dist/manifest.webmanifest` (if any).
pub fn fill(dist: &Path) -> Result<Shell> {
    let read = |name: &str| {
        let path = dist.join(name);
        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
    };
    let index = read("index.html")?;
    let manifest = read("manifest.webmanifest").ok();
    let shell = shell(dist, &index, manifest.as_deref())?;
    let worker = dist.join("sw.js");
    let script = read("sw.js")?;
    let filled = fill_script(&script, &shell)?;
    std::fs::write(&worker, filled)
        .with_context(|| format!("cannot write {}", worker.display()))?;
    Ok(shell)
}

/// The shell of the build in `dist`, whose `index.html` and manifest are
/// given.
pub fn shell(dist: &Path, index: &str, manifest: Option<&str>) -> Result<Shell> {
    let mut files = BTreeSet::new();
    for path in files_under(dist)? {
        if path != "/index.html" && path != "/sw.js" && names(index, &path) {
            files.insert(path);
        }
    }
    if let Some(manifest) = manifest {
        let manifest: serde_json::Value =
            serde_json::from_str(manifest).context("the manifest is not JSON")?;
        let icons = manifest["icons"].as_array().into_iter().flatten();
        for src in icons.filter_map(|icon| icon["src"].as_str()) {
            if !src.starts_with('/') || !dist.join(&src[1..]).is_file() {
                bail!("the manifest's icon {src} is not a file of the web app");
            }
            files.insert(src.to_owned());
        }
    }
    let mut hash = Fnv::default();
    hash.write(index.as_bytes());
    for path in files
        .iter()
        .filter(|path| !crate::hashed_name::is_hashed(path))
    {
        let file = dist.join(&path[1..]);
        let bytes =
            std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        hash.write(path.as_bytes());
        hash.write(&bytes);
    }
    Ok(Shell {
        files: files.into_iter().collect(),
        version: format!("{:016x}", hash.0),
    })
}

/// `script` with its two marked lines filled with `shell`.
pub fn fill_script(script: &str, shell: &Shell) -> Result<String> {
    let list = serde_json::to_string(&shell.files).context("cannot write the shell list")?;
    let (mut version_lines, mut shell_lines) = (0, 0);
    let mut out = String::with_capacity(script.len() + list.len() + 32);
    for line in script.lines() {
        if line.contains(VERSION_MARK) {
            version_lines += 1;
            out.push_str(&format!(
                "const VERSION = \"{}\"; {VERSION_MARK}",
                shell.version
            ));
        } else if line.contains(SHELL_MARK) {
            shell_lines += 1;
            out.push_str(&format!("const SHELL = {list}; {SHELL_MARK}"));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if (version_lines, shell_lines) != (1, 1) {
        bail!(
            "sw.js needs one line marked `{VERSION_MARK}` and one `{SHELL_MARK}` \
             (found {version_lines} and {shell_lines})"
        );
    }
    Ok(out)
}

/// Whether `html` names `path` (`/x.js`) as a whole: the character before
/// it does not continue a path (so `/a/x.js` does not name `/x.js`) and
/// the one after ends it.
fn names(html: &str, path: &str) -> bool {
    let continues = |c: char| c.is_ascii_alphanumeric() || "-_./%~".contains(c);
    html.match_indices(path).any(|(at, _)| {
        let before = html[..at].chars().next_back();
        let after = html[at + path.len()..].chars().next();
        !before.is_some_and(continues) && !after.is_some_and(continues)
    })
}

/// Every file under `dist` as a path from its root (`/snippets/x.js`),
/// but for the compressed copies.
fn files_under(dist: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    compress::list(dist, &mut files).with_context(|| format!("cannot list {}", dist.display()))?;
    Ok(files
        .iter()
        .filter(|path| !matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz")))
        .filter_map(|path| {
            path.strip_prefix(dist)
                .ok()?
                .to_str()
                .map(|p| format!("/{p}"))
        })
        .collect())
}

/// 64-bit FNV-1a: a stable hash (the same bytes give the same version on
/// every machine and Rust release), enough to tell builds apart.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::PathBuf;

    use super::*;

    const JS: &str = "frontend-45516b960ae94b3b.js";
    const WASM: &str = "frontend-7f71596194b5a1fc_bg.wasm";
    const CSS: &str = "main-6a661bd63c17c28b.css";

    /// Trunk's minified index.html (as of Trunk 0.22), with the links of
    /// frontend/index.html.
    fn index() -> String {
        format!(
            "<!doctype html><html lang=en><meta charset=utf-8><title>camrig</title>\
             <link href=/manifest.webmanifest rel=manifest>\
             <link href=/icon.svg rel=icon type=image/svg+xml>\
             <link href=/icon-180.png rel=apple-touch-icon>\
             <script type=module>import init,*as bindings from\"/{JS}\";\
             const wasm=await init({{module_or_path:`/{WASM}`}});</script>\
             <link href=/{CSS} integrity=sha384-x rel=stylesheet>\
             <link crossorigin href=/{JS} rel=modulepreload>\
             <link as=fetch crossorigin href=/{WASM} rel=preload type=application/wasm>\
             </head><body></body></html>"
        )
    }

    /// A dist folder as `trunk build` and the icons leave it.
    fn dist(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("camrig-shell-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("snippets")).unwrap();
        std::fs::write(dir.join("index.html"), index()).unwrap();
        std::fs::write(
            dir.join("manifest.webmanifest"),
            r#"{"name": "camrig", "icons": [{"src": "/icon.svg"}, {"src": "/maskable.svg"},
                {"src": "/icon-192.png"}, {"src": "/icon-512.png"}]}"#,
        )
        .unwrap();
        for name in [
            JS,
            WASM,
            CSS,
            "icon.svg",
            "maskable.svg",
            "icon-180.png",
            "icon-192.png",
            "icon-512.png",
            "sw.js",
            // Not named: left out.
            "notes.txt",
            "snippets/frontend-0123456789abcdef.js",
            // Compressed copies: never.
            "frontend-45516b960ae94b3b.js.br",
            "frontend-45516b960ae94b3b.js.gz",
        ] {
            std::fs::write(dir.join(name), format!("contents of {name}")).unwrap();
        }
        std::fs::write(
            dir.join("sw.js"),
            "// worker\nconst VERSION = \"\"; // xtask: VERSION\n\
             const SHELL = []; // xtask: SHELL\nconst CACHE = `camrig-${VERSION}`;\n",
        )
        .unwrap();
        dir
    }

    #[test]
    fn the_shell_is_what_index_html_and_the_manifest_name() {
        let dir = dist("names");
        let shell = fill(&dir).unwrap();
        assert_eq!(
            shell.files,
            [
                format!("/{JS}"),
                format!("/{WASM}"),
                "/icon-180.png".to_owned(),
                "/icon-192.png".to_owned(),
                "/icon-512.png".to_owned(),
                "/icon.svg".to_owned(),
                format!("/{CSS}"),
                "/manifest.webmanifest".to_owned(),
                "/maskable.svg".to_owned(),
            ]
        );
        assert_eq!(shell.version.len(), 16);
        let script = std::fs::read_to_string(dir.join("sw.js")).unwrap();
        let list = serde_json::to_string(&shell.files).unwrap();
        assert_eq!(
            script,
            format!(
                "// worker\nconst VERSION = \"{}\"; // xtask: VERSION\n\
                 const SHELL = {list}; // xtask: SHELL\nconst CACHE = `camrig-${{VERSION}}`;\n",
                shell.version
            )
        );
        // Filling again (a second build) gives the same script.
        assert_eq!(fill(&dir).unwrap(), shell);
        assert_eq!(std::fs::read_to_string(dir.join("sw.js")).unwrap(), script);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_version_changes_with_index_html_and_the_unhashed_files_only() {
        let dir = dist("version");
        let version = |dir: &Path| {
            let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
            let manifest = std::fs::read_to_string(dir.join("manifest.webmanifest")).unwrap();
            shell(dir, &index, Some(&manifest)).unwrap().version
        };
        let first = version(&dir);
        std::fs::write(dir.join("notes.txt"), "changed").unwrap();
        assert_eq!(version(&dir), first, "not in the shell");
        std::fs::write(dir.join("icon-180.png"), "a new icon").unwrap();
        let second = version(&dir);
        assert_ne!(second, first, "an icon");
        std::fs::write(dir.join("index.html"), index().replace("camrig<", "x<")).unwrap();
        assert_ne!(version(&dir), second, "index.html");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_worker_without_its_marks_or_a_manifest_without_its_icons_is_an_error() {
        let shell = Shell {
            files: vec![],
            version: "0".repeat(16),
        };
        assert!(fill_script("const SHELL = []; // xtask: SHELL\n", &shell).is_err());
        assert!(
            fill_script(
                "// xtask: VERSION\n// xtask: SHELL\n// xtask: SHELL\n",
                &shell
            )
            .is_err()
        );
        let dir = dist("missing");
        std::fs::remove_file(dir.join("icon-512.png")).unwrap();
        let err = fill(&dir).unwrap_err();
        assert!(format!("{err:#}").contains("/icon-512.png"), "{err:#}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_name_counts_only_as_a_whole_path() {
        assert!(names("<a href=/x.js>", "/x.js"));
        assert!(names("from\"/x.js\";", "/x.js"));
        assert!(names("`/x.js`", "/x.js"));
        assert!(!names("<a href=/a/x.js>", "/x.js"));
        assert!(!names("<a href=/x.json>", "/x.js"));
        assert!(!names("<a href=/x.js.map>", "/x.js"));
    }
}
