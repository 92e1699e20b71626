//! The Content-Security-Policy of every response: scripts only from this
//! server (plus the one inline loader Trunk writes into `index.html`,
//! admitted by its SHA-256 hash, and WebAssembly compilation), connections
//! only back to this server (its WebSocket included), no plugins, no
//! framing by other sites, no `<base>` tricks, forms only to this server.
//! An injected `<script>` or a script from elsewhere does not run. The
//! service worker (`/sw.js`) and the web app manifest come only from this
//! server too (`worker-src`, `manifest-src`: what `default-src` gives
//! them, spelt out).

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The policy for the web app in `frontend_dir` (its `index.html` is read
/// once, at start-up, for the inline scripts to admit).
pub fn policy(frontend_dir: &Path) -> String {
    let index = std::fs::read_to_string(frontend_dir.join("index.html")).unwrap_or_default();
    let hashes: String = inline_scripts(&index)
        .into_iter()
        .map(|script| format!(" 'sha256-{}'", STANDARD.encode(Sha256::digest(script))))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; media-src 'self' blob:; \
         connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The contents of every `<script>` element without a `src` in `html`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            scripts.push(&body[..close]);
        }
        rest = &body[close + "</script>".len()..];
    }
    scripts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_hashed_external_ones_are_not() {
        let html = "<head><script type=\"module\">\nimport init from '/a.js';\n</script>\
                    <script src=\"/b.js\"></script><script>x()</script></head>";
        assert_eq!(
            inline_scripts(html),
            ["\nimport init from '/a.js';\n", "x()"]
        );
        let dir = std::env::temp_dir().join(format!("camrig-csp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<script>x()</script>").unwrap();
        let policy = policy(&dir);
        // echo -n 'x()' | openssl dgst -sha256 -binary | base64
        assert!(
            policy.contains("'sha256-D6IGS8VMvCoyaR/l0h9tERrBTATY01CoPS7l6xDv0kI='"),
            "{policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("worker-src 'self';"), "{policy}");
        assert!(policy.contains("manifest-src 'self';"), "{policy}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
