//! The web app's precompressed copies: after `trunk build`, every
//! compressible file of `dist/` (wasm, JavaScript, CSS, HTML, SVG, JSON) of
//! at least [`MIN_SIZE`] bytes gets a brotli (`X.br`, quality 11) and a gzip
//! (`X.gz`, best level) sibling, each only where it saves at least a
//! twentieth of the bytes. The server (`backend/src/web_app.rs`) sends the
//! sibling the browser accepts. Copies that would no longer match their
//! file (a file skipped now, or gone) are removed, so a stale copy is never
//! served. Std, `brotli` and `flate2` only: the backend's web app test
//! compiles this file too (`#[path]`), to build its dist with the very
//! same function.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Files smaller than this are left alone: a request costs more than the
/// bytes saved.
pub const MIN_SIZE: u64 = 1024;

/// The extensions that are compressed (text, and wasm, which compresses
/// to about a third).
pub const EXTENSIONS: &[&str] = &["wasm", "js", "mjs", "css", "html", "svg", "json", "txt"];

/// The compressed copies' suffixes, as the server looks for them.
const SUFFIXES: [&str; 2] = ["br", "gz"];

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compressed {
    /// The file (under the folder given).
    pub path: PathBuf,
    /// Its size.
    pub raw: u64,
    /// The size of `X.gz`, if written.
    pub gzip: Option<u64>,
    /// The size of `X.br`, if written.
    pub brotli: Option<u64>,
}

impl Compressed {
    /// What a browser accepting gzip (not brotli) transfers.
    pub fn gzip_transfer(&self) -> u64 {
        self.gzip.unwrap_or(self.raw)
    }

    /// What a browser accepting brotli transfers.
    pub fn brotli_transfer(&self) -> u64 {
        self.brotli.or(self.gzip).unwrap_or(self.raw)
    }
}

/// `bytes` compressed with brotli at quality 11 (the best), in a window
/// that holds the web app's wasm whole.
pub fn brotli(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        // 16 MiB, the largest window of standard brotli (browsers).
        lgwin: 24,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 3);
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// `bytes` compressed with gzip at the best level (no file name, time 0:
/// the same bytes give the same output).
pub fn gzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::best(),
    );
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// Whether `path` is a file kind worth compressing (by its extension).
pub fn compressible(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

/// `X.br` / `X.gz` for `X`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Writes `X.br` and `X.gz` beside every compressible file under `dir`
/// (recursively) and removes compressed copies that do not belong to a
/// current file; returns what was done, file by file, in path order.
pub fn compress_dir(dir: &Path) -> io::Result<Vec<Compressed>> {
    let mut files = Vec::new();
    list(dir, &mut files)?;
    files.sort();
    let mut done = Vec::new();
    for path in &files {
        if let Some(base) = compressed_copy_of(path) {
            // A copy whose file is gone would be served in its place.
            if !base.is_file() {
                std::fs::remove_file(path)?;
            }
            continue;
        }
        if !compressible(path) {
            continue;
        }
        done.push(compress_file(path)?);
    }
    Ok(done)
}

/// For `X.br` or `X.gz` of a compressible `X`: `X`.
fn compressed_copy_of(path: &Path) -> Option<PathBuf> {
    let suffix = path.extension()?.to_str()?;
    if !SUFFIXES.contains(&suffix) {
        return None;
    }
    let base = path.with_extension("");
    compressible(&base).then_some(base)
}

/// Compresses one file; a copy that is not worth it is not written (and an
/// older one removed).
pub fn compress_file(path: &Path) -> io::Result<Compressed> {
    let bytes = std::fs::read(path)?;
    let raw = bytes.len() as u64;
    let mut result = Compressed {
        path: path.to_path_buf(),
        raw,
        gzip: None,
        brotli: None,
    };
    for suffix in SUFFIXES {
        let target = sibling(path, suffix);
        let packed = if raw < MIN_SIZE {
            None
        } else {
            let packed = match suffix {
                "br" => brotli(&bytes)?,
                _ => gzip(&bytes)?,
            };
            // Worth it only if it saves at least a twentieth.
            (packed.len() as u64 * 20 <= raw * 19).then_some(packed)
        };
        match packed {
            Some(packed) => {
                let size = packed.len() as u64;
                write_replacing(&target, &packed)?;
                if suffix == "br" {
                    result.brotli = Some(size);
                } else {
                    result.gzip = Some(size);
                }
            }
            None => match std::fs::remove_file(&target) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
                _ => {}
            },
        }
    }
    Ok(result)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`: a running server never serves half a file.
fn write_replacing(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = sibling(path, "partial");
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

/// Every file under `dir`, recursively (also the service worker's shell
/// list, `shell.rs`).
pub fn list(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            list(&entry.path(), files)?;
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}

/// The totals of `files`: raw, transferred with gzip, transferred with
/// brotli (each file at its best the browser accepts).
pub fn totals(files: &[Compressed]) -> (u64, u64, u64) {
    files.iter().fold((0, 0, 0), |(raw, gz, br), file| {
        (
            raw + file.raw,
            gz + file.gzip_transfer(),
            br + file.brotli_transfer(),
        )
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn temp_dir(label: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "xtask-compress-{label}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Text that compresses well, `len` bytes.
    fn text(len: usize) -> Vec<u8> {
        b"function frontend(){return wasm.__wbg_camrig(arguments)};\n"
            .iter()
            .copied()
            .cycle()
            .take(len)
            .collect()
    }

    /// Bytes that do not compress (xorshift noise).
    fn noise(len: usize) -> Vec<u8> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn unbrotli(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(bytes, 4096)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn ungzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn both_copies_decompress_to_the_file() {
        let dir = temp_dir("roundtrip");
        let original = text(50_000);
        std::fs::create_dir_all(dir.join("snippets")).unwrap();
        let js = dir.join("snippets/frontend-0123456789abcdef.js");
        std::fs::write(&js, &original).unwrap();
        let done = compress_dir(&dir).unwrap();
        assert_eq!(done.len(), 1);
        let br = std::fs::read(sibling(&js, "br")).unwrap();
        let gz = std::fs::read(sibling(&js, "gz")).unwrap();
        assert_eq!(unbrotli(&br), original);
        assert_eq!(ungzip(&gz), original);
        assert_eq!(done[0].brotli, Some(br.len() as u64));
        assert_eq!(done[0].gzip, Some(gz.len() as u64));
        assert!(br.len() < original.len() / 10);
        // Deterministic: the same file gives the same copies.
        assert_eq!(gzip(&original).unwrap(), gz);
        assert_eq!(brotli(&original).unwrap(), br);
        assert_eq!(totals(&done), (50_000, gz.len() as u64, br.len() as u64));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn small_incompressible_and_other_files_get_no_copies() {
        let dir = temp_dir("skips");
        std::fs::write(dir.join("index.html"), text(800)).unwrap();
        std::fs::write(dir.join("noise.wasm"), noise(20_000)).unwrap();
        std::fs::write(dir.join("photo.png"), text(20_000)).unwrap();
        let done = compress_dir(&dir).unwrap();
        let names: Vec<_> = done
            .iter()
            .map(|c| c.path.file_name().unwrap().to_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["index.html", "noise.wasm"]);
        assert!(done.iter().all(|c| c.gzip.is_none() && c.brotli.is_none()));
        assert_eq!(totals(&done), (20_800, 20_800, 20_800));
        let mut left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["index.html", "noise.wasm", "photo.png"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stale_copies_are_removed() {
        let dir = temp_dir("stale");
        // A copy of a file that is gone, and one of a file now too small.
        std::fs::write(dir.join("old-0123456789abcdef.js.br"), b"old").unwrap();
        std::fs::write(dir.join("index.html"), b"<!doctype html>").unwrap();
        std::fs::write(dir.join("index.html.gz"), b"stale").unwrap();
        // Not ours: a file that merely ends in .gz.
        std::fs::write(dir.join("archive.tar.gz"), b"keep").unwrap();
        compress_dir(&dir).unwrap();
        let mut left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["archive.tar.gz", "index.html"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
