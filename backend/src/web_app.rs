//! The built web app (Trunk's `dist/`): every path that is not an API route
//! is a file of it, or else `index.html` (the app's client-side routes,
//! such as `/gallery`, with status 200). A browser that accepts brotli gets
//! the file's `X.br` copy, one that accepts only gzip its `X.gz`, each with
//! `Content-Encoding` and the file's own `Content-Type` (the copies are
//! written by `cargo xtask build`, see `xtask/src/compress.rs`; without
//! them the file itself is sent); every response says `Vary:
//! Accept-Encoding`. Trunk's hashed files (`frontend-<hash>.js`,
//! `frontend-<hash>_bg.wasm`, `main-<hash>.css`) never change under their
//! name, so they are cached for a year as `immutable`; `index.html`, which
//! names the current ones, and every other file are `no-cache` (the
//! browser revalidates them, a 304 when unchanged). That includes the
//! service worker `sw.js`, which the browser must see change with each
//! build, and the manifest, `manifest.webmanifest`, which `mime_guess`
//! types `application/manifest+json` (docs/design/phone-app.md).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use tower::{Service, ServiceExt};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeader;

/// `Cache-Control` of a hashed file.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of `index.html` and of every unhashed file.
pub const NO_CACHE: &str = "no-cache";

/// The web app as a service: see the module's documentation.
#[derive(Clone)]
pub struct WebApp {
    files: ServeDir<SetResponseHeader<ServeFile, HeaderValue>>,
}

impl WebApp {
    /// Serves `files` (the web app's folder) with `index` (its
    /// `index.html`) for every path that is not a file, each with its
    /// precompressed copies.
    pub fn new(files: ServeDir, index: ServeFile) -> WebApp {
        let index = SetResponseHeader::overriding(
            index.precompressed_br().precompressed_gzip(),
            header::CACHE_CONTROL,
            HeaderValue::from_static(NO_CACHE),
        );
        WebApp {
            files: files
                .precompressed_br()
                .precompressed_gzip()
                .fallback(index),
        }
    }
}

impl Service<Request<Body>> for WebApp {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Each call uses its own clone, made ready there.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let files = self.files.clone();
        let cache = if crate::hashed_name::is_hashed(request.uri().path()) {
            IMMUTABLE
        } else {
            NO_CACHE
        };
        Box::pin(async move {
            let mut response = files.oneshot(request).await?.map(Body::new);
            let status = response.status();
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                let headers = response.headers_mut();
                // `index.html` in place of a missing file has its own.
                headers
                    .entry(header::CACHE_CONTROL)
                    .or_insert(HeaderValue::from_static(cache));
                headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The response of the web app in `dir` to `GET path`.
    async fn get(dir: &std::path::Path, path: &str) -> Response<Body> {
        let app = WebApp::new(ServeDir::new(dir), ServeFile::new(dir.join("index.html")));
        let request = Request::get(path).body(Body::empty()).unwrap();
        app.oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn the_worker_the_manifest_and_the_icons_are_revalidated_and_typed() {
        let dir = std::env::temp_dir().join(format!("camrig-web-app-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, contents) in [
            ("index.html", "<!doctype html>"),
            ("sw.js", "const VERSION = \"\";"),
            ("manifest.webmanifest", "{\"name\": \"camrig\"}"),
            ("icon.svg", "<svg/>"),
            ("icon-192.png", "png"),
            ("frontend-0123456789abcdef.js", "js"),
        ] {
            std::fs::write(dir.join(name), contents).unwrap();
        }
        for (path, content_type, cache) in [
            ("/sw.js", "text/javascript", NO_CACHE),
            (
                "/manifest.webmanifest",
                "application/manifest+json",
                NO_CACHE,
            ),
            ("/icon.svg", "image/svg+xml", NO_CACHE),
            ("/icon-192.png", "image/png", NO_CACHE),
            (
                "/frontend-0123456789abcdef.js",
                "text/javascript",
                IMMUTABLE,
            ),
            ("/gallery", "text/html", NO_CACHE),
        ] {
            let response = get(&dir, path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let header = |name| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            assert!(
                header(header::CONTENT_TYPE).starts_with(content_type),
                "{path}: {}",
                header(header::CONTENT_TYPE)
            );
            assert_eq!(header(header::CACHE_CONTROL), cache, "{path}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
