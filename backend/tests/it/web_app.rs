//! The web app as a browser gets it: a dist folder like Trunk's, with the
//! brotli and gzip copies `cargo xtask build` writes (the same function,
//! xtask's `compress.rs`), served by the real server. A browser accepting
//! brotli gets `X.br`, one accepting only gzip `X.gz`, any other the file;
//! each decodes to the file, with the file's content type (`application/
//! wasm` for the wasm) and `Vary: Accept-Encoding`. Trunk's hashed files are
//! `immutable` for a year; `index.html`, the app's client-side routes
//! (which get `index.html`) and unhashed files are `no-cache`.

use crate::common;
#[path = "../../../xtask/src/compress.rs"]
#[allow(dead_code)] // the test uses only part of it
mod compress;

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::common::{HttpResponse, anonymous_request};

const JS: &str = "frontend-0123456789abcdef.js";
const WASM: &str = "frontend-fedcba9876543210_bg.wasm";
const CSS: &str = "main-00112233445566ff.css";
const UNHASHED: &str = "manifest.json";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `len` bytes of something like `kind`: compressible, not trivially so.
fn content(kind: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    if kind == "wasm" {
        out.extend_from_slice(b"\0asm\x01\0\0\0");
    }
    let mut i = 0u32;
    while out.len() < len {
        out.extend_from_slice(format!("{kind} item {i}: value {};\n", i * 7919 % 1013).as_bytes());
        i += 1;
    }
    out.truncate(len);
    out
}

/// A dist folder as `cargo xtask build` leaves it.
fn dist() -> PathBuf {
    let dir = common::unique_temp_dir("web-app-dist");
    let mut index = format!(
        "<!doctype html><html><head><link rel=\"stylesheet\" href=\"/{CSS}\">\
         <link rel=\"modulepreload\" href=\"/{JS}\"></head><body>"
    );
    while index.len() < 2000 {
        index.push_str("<!-- camrig -->\n");
    }
    index.push_str("</body></html>");
    std::fs::write(dir.join("index.html"), index).unwrap();
    std::fs::write(dir.join(JS), content("js", 30_000)).unwrap();
    std::fs::write(dir.join(WASM), content("wasm", 200_000)).unwrap();
    std::fs::write(dir.join(CSS), content("css", 8_000)).unwrap();
    std::fs::write(dir.join(UNHASHED), content("json", 3_000)).unwrap();
    let done = compress::compress_dir(&dir).unwrap();
    assert_eq!(done.len(), 5);
    assert!(done.iter().all(|f| f.brotli.is_some() && f.gzip.is_some()));
    dir
}

async fn serve(dist: &Path) -> common::TestServer {
    let mut config = common::test_config(160, 120, 5);
    config.frontend_dir = dist.to_path_buf();
    common::start(config).await
}

async fn get(addr: SocketAddr, path: &str, accept_encoding: Option<&str>) -> HttpResponse {
    let headers: Vec<(&str, &str)> = accept_encoding
        .map(|value| ("Accept-Encoding", value))
        .into_iter()
        .collect();
    let res = anonymous_request(addr, "GET", path, &headers, b"").await;
    assert_eq!(res.status, 200, "GET {path}: {:?}", res.headers);
    res
}

/// The body decoded as its `Content-Encoding` says.
fn decoded(res: &HttpResponse) -> Vec<u8> {
    let mut out = Vec::new();
    match res.header("content-encoding") {
        None => out.clone_from(&res.body),
        Some("br") => {
            brotli::Decompressor::new(&res.body[..], 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(&res.body[..])
                .read_to_end(&mut out)
                .unwrap();
        }
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

fn assert_varies(res: &HttpResponse, path: &str) {
    assert!(
        res.header("vary")
            .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
        "GET {path}: no Vary: Accept-Encoding in {:?}",
        res.headers
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_file_is_sent_in_the_best_encoding_the_browser_accepts() {
    let dist = dist();
    let server = serve(&dist).await;
    for (name, content_type) in [
        (JS, "text/javascript"),
        (WASM, "application/wasm"),
        (CSS, "text/css"),
        (UNHASHED, "application/json"),
        ("index.html", "text/html"),
    ] {
        let path = format!("/{name}");
        let original = std::fs::read(dist.join(name)).unwrap();
        for (accept, expected) in [
            (Some("gzip, deflate, br, zstd"), Some("br")),
            (Some("br"), Some("br")),
            (Some("gzip"), Some("gzip")),
            (Some("deflate, gzip;q=0.5"), Some("gzip")),
            (Some("br;q=0.5, gzip"), Some("gzip")),
            (None, None),
            (Some("identity"), None),
            (Some("deflate"), None),
            (Some("br;q=0, gzip;q=0"), None),
        ] {
            let res = get(server.addr, &path, accept).await;
            assert_eq!(
                res.header("content-encoding"),
                expected,
                "GET {path} with Accept-Encoding {accept:?}"
            );
            let sent = match expected {
                Some("br") => std::fs::read(dist.join(format!("{name}.br"))).unwrap(),
                Some(_) => std::fs::read(dist.join(format!("{name}.gz"))).unwrap(),
                None => original.clone(),
            };
            assert_eq!(res.body, sent, "GET {path} with {accept:?}");
            assert_eq!(decoded(&res), original, "GET {path} with {accept:?}");
            assert!(
                res.header("content-type")
                    .is_some_and(|v| v.starts_with(content_type)),
                "GET {path} with {accept:?}: {:?}",
                res.header("content-type")
            );
            assert_varies(&res, &path);
        }
    }
    // The wasm: compressed, a quarter or less of the bytes go over the wire.
    let wasm = get(server.addr, &format!("/{WASM}"), Some("br")).await;
    assert!(wasm.body.len() * 4 < 200_000, "{}", wasm.body.len());
    server.stop().await;
    std::fs::remove_dir_all(&dist).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_files_are_immutable_and_the_rest_is_revalidated() {
    let dist = dist();
    let server = serve(&dist).await;
    let index = std::fs::read(dist.join("index.html")).unwrap();

    for name in [JS, WASM, CSS] {
        for accept in [Some("br"), Some("gzip"), None] {
            let res = get(server.addr, &format!("/{name}"), accept).await;
            assert_eq!(
                res.header("cache-control"),
                Some(IMMUTABLE),
                "{name} {accept:?}"
            );
        }
    }

    // index.html, the client-side routes (index.html, 200), a hashed-looking
    // name that is not there (index.html too: not to be kept), and a file
    // without a hash.
    for path in [
        "/",
        "/index.html",
        "/gallery",
        "/settings/camera",
        "/frontend-ffffffffffffffff.js",
        "/manifest.json",
    ] {
        for accept in [Some("gzip, deflate, br"), Some("gzip"), None] {
            let res = get(server.addr, path, accept).await;
            assert_eq!(
                res.header("cache-control"),
                Some("no-cache"),
                "{path} {accept:?}"
            );
            assert_varies(&res, path);
            if path != "/manifest.json" {
                assert_eq!(decoded(&res), index, "{path} {accept:?}");
                assert!(
                    res.header("content-type")
                        .is_some_and(|v| v.starts_with("text/html")),
                    "{path}: {:?}",
                    res.headers
                );
            }
        }
    }

    // Revalidation: index.html unchanged since the browser's copy is a 304,
    // still no-cache.
    let first = get(server.addr, "/", Some("br")).await;
    let modified = first.header("last-modified").unwrap().to_owned();
    let res = anonymous_request(
        server.addr,
        "GET",
        "/",
        &[("Accept-Encoding", "br"), ("If-Modified-Since", &modified)],
        b"",
    )
    .await;
    assert_eq!(res.status, 304, "{:?}", res.headers);
    assert_eq!(res.header("cache-control"), Some("no-cache"));
    assert!(res.body.is_empty());

    server.stop().await;
    std::fs::remove_dir_all(&dist).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_compressed_copies_the_files_are_sent_as_they_are() {
    // A dist that was built by `trunk build` alone.
    let dist = common::unique_temp_dir("web-app-plain");
    let wasm = content("wasm", 50_000);
    std::fs::write(
        dist.join("index.html"),
        b"<!doctype html><title>camrig</title>",
    )
    .unwrap();
    std::fs::write(dist.join(WASM), &wasm).unwrap();
    let server = serve(&dist).await;
    let res = get(server.addr, &format!("/{WASM}"), Some("gzip, deflate, br")).await;
    assert_eq!(res.header("content-encoding"), None);
    assert_eq!(res.header("content-type"), Some("application/wasm"));
    assert_eq!(res.header("cache-control"), Some(IMMUTABLE));
    assert_eq!(res.body, wasm);
    let res = get(server.addr, "/gallery", Some("gzip, deflate, br")).await;
    assert_eq!(res.header("content-encoding"), None);
    assert_eq!(res.body, b"<!doctype html><title>camrig</title>");
    assert_eq!(res.header("cache-control"), Some("no-cache"));
    server.stop().await;
    std::fs::remove_dir_all(&dist).unwrap();
}
