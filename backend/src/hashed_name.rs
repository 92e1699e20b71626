//! Trunk's content-hashed file names (`frontend-<hash>.js`): the server
//! caches these for a year, and xtask leaves them out of the service
//! worker's version (their names change with their contents). Std-only, so
//! xtask compiles this same file.

/// Whether the last segment of `path` is a name Trunk gave a content hash:
/// `<stem>-<hash>.<ext>` or `<stem>-<hash>_bg.wasm`, the hash in lower-case
/// hex. Trunk writes the hash of the JavaScript and wasm unpadded (so
/// rarely shorter than 16 digits) and that of CSS padded to 16; fewer than
/// 12 digits are taken for a version or a size (`icon-192.png`).
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _extension)) = name.split_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((base, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    !base.is_empty()
        && (12..=16).contains(&hash.len())
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunks_names_are_hashed_others_not() {
        for hashed in [
            "/frontend-2efdff68c1032f6e.js",
            "/frontend-feae22eadafc6d36_bg.wasm",
            "/main-b22d34d99de19e6f.css",
            "/frontend-efdff68c1032f6e.js",
            "/snippets/frontend-2efdff68c1032f6e.js",
            "/frontend-2efdff68c1032f6e.js.br",
        ] {
            assert!(is_hashed(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/gallery",
            "/icon-192.png",
            "/jquery-3.7.1.min.js",
            "/-2efdff68c1032f6e.js",
            "/frontend-2EFDFF68C1032F6E.js",
            "/frontend-2efdff68c1032f6e",
            "/frontend-2efdff68c1032f6e0.js",
            "/frontend-2efdff68c1032f6x.js",
            "/frontend_bg.wasm",
        ] {
            assert!(!is_hashed(plain), "{plain}");
        }
    }
}
