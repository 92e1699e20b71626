//! Upgrading from the original app, with real parts: a folder built as the
//! original left it (its `config.txt`, a `media/media.db` with the
//! original's schema and rows, a JPEG and a Motion JPEG AVI made by
//! GStreamer), the README's command lines run exactly as written with the
//! real binary, and the result checked as a user would: every file
//! catalogued with its date, the AVI with its real duration, the MP4 it
//! became decodes, the old database kept as a backup, the written
//! `camrig.toml` loads, and the server started with it lists everything.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use camrig::catalogue::{Catalogue, repo};
use camrig::config::{Layers, SourceSetting};
use gstreamer as gst;
use gstreamer::prelude::*;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, Connection, Row};
use shared::media::{MediaEntry, MediaKind};

const BIN: &str = env!("CARGO_BIN_EXE_camrig");

/// The original's operator key: long enough to be camrig's.
const USERKEY: &str = "old-rig-key-0123456789";

/// Frames and rate of the AVI: 2.0 s.
const AVI_FRAMES: u32 = 30;
const AVI_FPS: u32 = 15;

/// Runs a GStreamer pipeline description to its end.
fn run_pipeline(description: &str) {
    gst::init().unwrap();
    let pipeline = gst::parse::launch(description).unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let msg = pipeline
        .bus()
        .unwrap()
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(60),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .expect("the pipeline did not finish");
    pipeline.set_state(gst::State::Null).unwrap();
    assert!(matches!(msg.view(), gst::MessageView::Eos(_)), "{msg:?}");
}

/// A JPEG photo as the original's OpenCV `imwrite` left it.
fn make_jpeg(path: &Path) {
    run_pipeline(&format!(
        "videotestsrc num-buffers=1 ! video/x-raw,width=640,height=480 ! jpegenc ! filesink \
         location={}",
        path.display()
    ));
}

/// A Motion JPEG AVI as OpenCV's `VideoWriter` (MJPG) made them.
fn make_avi(path: &Path) {
    run_pipeline(&format!(
        "videotestsrc num-buffers={AVI_FRAMES} ! \
         video/x-raw,width=320,height=240,framerate={AVI_FPS}/1 ! jpegenc ! avimux ! filesink \
         location={}",
        path.display()
    ));
}

async fn sqlite(path: &Path, create: bool) -> SqliteConnection {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create);
    SqliteConnection::connect_with(&options).await.unwrap()
}

/// The original app's folder: `config.txt` (comments, spaces, quotes, an
/// unknown key and a junk line among its settings) and `media/` with
/// `media.db` in the original's schema: rows for the photo and the AVI, a
/// row whose file is gone and a row with an unreadable file name; plus a
/// photo that has no row.
async fn original_app(label: &str) -> PathBuf {
    let dir = common::unique_temp_dir(label);
    std::fs::write(
        dir.join("config.txt"),
        format!(
            "# settings of the camera app\n\
             camera = usb\n\
             light=true\n\
             lighttype=\"arduino\"\n\
             numlights=16\n\
             tty=/dev/ttyACM0\n\
             baud = 9600\n\
             userkey='{USERKEY}'\n\
             colour=red\n\
             not a setting\n"
        ),
    )
    .unwrap();
    let media = dir.join("media");
    std::fs::create_dir_all(&media).unwrap();
    make_jpeg(&media.join("photo1.jpg"));
    make_jpeg(&media.join("extra.jpg"));
    make_avi(&media.join("clip.avi"));
    let mut db = sqlite(&media.join("media.db"), true).await;
    sqlx::query("CREATE TABLE media (id INTEGER PRIMARY KEY, date TEXT, fileName TEXT)")
        .execute(&mut db)
        .await
        .unwrap();
    for (id, date, name) in [
        (1, "2021-03-04", "photo1.jpg"),
        (2, "2021-03-05 left eye", "clip.avi"),
        (3, "2021-03-06", "gone.jpg"),
    ] {
        sqlx::query("INSERT INTO media (id, date, fileName) VALUES (?, ?, ?)")
            .bind(id)
            .bind(date)
            .bind(name)
            .execute(&mut db)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO media (id, date, fileName) VALUES (4, '2021-03-07', CAST(X'FFFE' AS TEXT))",
    )
    .execute(&mut db)
    .await
    .unwrap();
    db.close().await.unwrap();
    dir
}

/// The README's inline code spans, joined across line breaks.
fn readme_spans() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("cannot read the README");
    readme
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|span| span.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Runs a README `camrig ...` line as written in `cwd`; returns (success,
/// stdout, stderr).
async fn run_line(line: &str, cwd: &Path) -> (bool, String, String) {
    let words: Vec<&str> = line.split(' ').collect();
    assert_eq!(words[0], "camrig", "{line}");
    let out = common::within(
        Duration::from_secs(120),
        line,
        tokio::process::Command::new(BIN)
            .args(&words[1..])
            .current_dir(cwd)
            .env("RUST_LOG", "warn")
            .env_remove("CAMRIG_CONFIG")
            .output(),
    )
    .await
    .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn entries(media: &Path) -> Vec<MediaEntry> {
    let catalogue = Catalogue::open(&camrig::catalogue::default_database_url(media), media)
        .await
        .unwrap();
    let mut all = repo::all(catalogue.db()).await.unwrap();
    all.sort_by_key(|e| e.id);
    all
}

fn by_name<'a>(entries: &'a [MediaEntry], name: &str) -> &'a MediaEntry {
    entries
        .iter()
        .find(|e| e.file_name == name)
        .unwrap_or_else(|| panic!("{name} is not catalogued: {entries:?}"))
}

fn assert_about(ms: Option<u64>, want: u64, what: &str) {
    let ms = ms.unwrap_or_else(|| panic!("{what}: no duration"));
    assert!(ms.abs_diff(want) <= 150, "{what}: {ms} ms, expected {want}");
}

/// Decodes the MP4 at `path` to its end: (frames, H.264 profile).
fn decode_mp4(path: &Path) -> (u64, String) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    gst::init().unwrap();
    let pipeline = gst::parse::launch(&format!(
        "filesrc location={} ! qtdemux ! h264parse name=parse ! avdec_h264 ! fakesink name=sink",
        path.display()
    ))
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();
    let frames = Arc::new(AtomicU64::new(0));
    let counted = frames.clone();
    let sink = pipeline.by_name("sink").unwrap();
    sink.static_pad("sink")
        .unwrap()
        .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            counted.fetch_add(1, Ordering::SeqCst);
            gst::PadProbeReturn::Ok
        });
    let profile = Arc::new(Mutex::new(String::new()));
    let seen = profile.clone();
    let parse = pipeline.by_name("parse").unwrap();
    parse.static_pad("src").unwrap().add_probe(
        gst::PadProbeType::EVENT_DOWNSTREAM,
        move |_, info| {
            if let Some(gst::EventView::Caps(caps)) = info.event().map(|e| e.view())
                && let Ok(p) = caps.caps().structure(0).unwrap().get::<String>("profile")
            {
                *seen.lock().unwrap() = p;
            }
            gst::PadProbeReturn::Ok
        },
    );
    pipeline.set_state(gst::State::Playing).unwrap();
    let msg = pipeline
        .bus()
        .unwrap()
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(60),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .expect("decoding did not finish");
    pipeline.set_state(gst::State::Null).unwrap();
    assert!(matches!(msg.view(), gst::MessageView::Eos(_)), "{msg:?}");
    let profile = profile.lock().unwrap().clone();
    (frames.load(Ordering::SeqCst), profile)
}

/// The README's upgrade lines, run as written in the original's folder:
/// the settings and the media move over, a second run changes nothing,
/// `--convert` turns the AVI into an MP4 that decodes (with progress), and
/// the server started with the written `camrig.toml` lists it all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_upgrade_carries_everything_over() {
    let spans = readme_spans();
    let import = "camrig import-legacy .";
    let convert = "camrig import-legacy --convert .";
    let serve = "camrig --config camrig.toml";
    for line in [import, convert, serve] {
        assert!(spans.iter().any(|s| s == line), "the README lacks `{line}`");
    }
    let dir = original_app("legacy-readme").await;
    let media = dir.join("media").canonicalize().unwrap();

    // The import, as the README shows it.
    let (ok, out, err) = run_line(import, &dir).await;
    assert!(ok, "{out}\n{err}");
    for expected in [
        "camera=usb -> camera.source = \"v4l2\"",
        "light=true, lighttype=arduino -> device.mode = \"legacy\"",
        "tty=/dev/ttyACM0 -> device.path = \"/dev/ttyACM0\"",
        "baud=9600 -> device.baud = 9600",
        "userkey -> auth.operator_key = (the key)",
        "Not carried over (3):",
        "numlights=16: not needed",
        "line 9: colour=red: unknown setting",
        "line 10: \"not a setting\" is not key=value",
        "row 1: photo1.jpg catalogued as id 1, photo 640x480, dated \"2021-03-04\"",
        "row 2: clip.avi catalogued as id 2, video 320x240, 2.0 s, dated \"2021-03-05 left eye\"",
        "row 3: gone.jpg is not in the media folder; skipped",
        "row 4: the file name is unreadable",
        "extra.jpg (no row in the original database) catalogued as id 3",
        "1 recordings are Motion JPEG in AVI",
        "Done: 2 rows and 1 files without a row catalogued, 0 already catalogued, 2 skipped",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    assert!(!out.contains(USERKEY), "the key was printed:\n{out}");

    // The original database is kept, untouched, as a backup.
    let backups: Vec<PathBuf> = std::fs::read_dir(&media)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("media.db.legacy-") && name.ends_with(".bak")
        })
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let mut old = sqlite(&backups[0], false).await;
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM media")
        .fetch_one(&mut old)
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 4);
    old.close().await.unwrap();

    // Every file catalogued with its date; the AVI with its real duration.
    let first = entries(&media).await;
    assert_eq!(first.len(), 3, "{first:?}");
    let photo = by_name(&first, "photo1.jpg");
    assert_eq!(
        (photo.kind, photo.date_label.as_str()),
        (MediaKind::Photo, "2021-03-04")
    );
    let clip = by_name(&first, "clip.avi");
    assert_eq!(
        (clip.kind, clip.date_label.as_str()),
        (MediaKind::Video, "2021-03-05 left eye")
    );
    assert_about(clip.duration_ms, 2000, "clip.avi");
    assert_eq!(by_name(&first, "extra.jpg").date_label, "");

    // The written settings load with the real loader.
    let toml = dir.join("camrig.toml");
    let mut layers = Layers::default();
    layers.file(&toml).unwrap();
    let config = layers.build().unwrap();
    assert_eq!(
        config.camera.source,
        SourceSetting::Fixed(shared::CameraSource::V4l2)
    );
    assert_eq!(config.device.mode, shared::device::DeviceMode::Legacy);
    assert_eq!(config.device.path.as_deref(), Some("/dev/ttyACM0"));
    assert_eq!(config.device.baud, Some(9600));
    assert_eq!(
        config.auth.operator_key.as_ref().map(|k| k.expose()),
        Some(USERKEY)
    );
    assert_eq!(config.media.dir, media);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&toml).unwrap().permissions().mode() & 0o777,
        0o600,
        "camrig.toml holds the key"
    );

    // Again: nothing catalogued twice, the settings file unchanged.
    let (ok, out, err) = run_line(import, &dir).await;
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("already holds these settings"), "{out}");
    assert!(
        out.contains("Done: 0 rows and 0 files without a row catalogued, 2 already catalogued"),
        "{out}"
    );
    assert_eq!(entries(&media).await, first);

    // The conversion, with its progress, as the README shows it.
    let (ok, out, err) = run_line(convert, &dir).await;
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("converting clip.avi to MP4: 0%"), "{out}");
    assert!(out.contains("converting clip.avi to MP4: 100%"), "{out}");
    assert!(
        out.contains("clip.avi -> clip.mp4 (id 2, 2.0 s, H.264); the AVI is kept as media/original-avi/clip.avi"),
        "{out}"
    );
    let converted = entries(&media).await;
    assert_eq!(converted.len(), 3, "{converted:?}");
    let mp4 = by_name(&converted, "clip.mp4");
    assert_eq!(mp4.id, clip.id, "the same entry now plays");
    assert_eq!(mp4.date_label, "2021-03-05 left eye");
    assert_about(mp4.duration_ms, 2000, "clip.mp4");
    assert!(!media.join("clip.avi").exists());
    assert_eq!(
        std::fs::read(media.join("original-avi/clip.avi"))
            .unwrap()
            .len(),
        usize::try_from(clip.size_bytes).unwrap(),
        "the AVI is kept whole"
    );
    let path = media.join("clip.mp4");
    let (frames, profile) = tokio::task::spawn_blocking(move || decode_mp4(&path))
        .await
        .unwrap();
    assert_eq!(frames, u64::from(AVI_FRAMES));
    assert_eq!(profile, "constrained-baseline");

    // Converting again converts nothing and reports no lost row.
    let (ok, out, err) = run_line(convert, &dir).await;
    assert!(ok, "{out}\n{err}");
    assert!(!out.contains("converting"), "{out}");
    assert!(
        !out.contains("clip.avi is not in the media folder"),
        "{out}"
    );
    assert_eq!(entries(&media).await, converted);

    // The server started as the README shows lists everything.
    let mut server = tokio::process::Command::new(BIN)
        .args(serve.split(' ').skip(1))
        .current_dir(&dir)
        // Any free port instead of 5000; everything else from camrig.toml.
        .env("CAMRIG_SERVER_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let addr: std::net::SocketAddr = common::within(common::STEP, "the server to listen", async {
        use tokio::io::AsyncBufReadExt;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        loop {
            let line = lines.next_line().await.unwrap().expect("server exited");
            if let Some(url) = line.strip_prefix("listening on http://") {
                return url.parse().unwrap();
            }
        }
    })
    .await;
    let page = common::http_get(addr, "/api/media?per_page=50").await;
    assert_eq!(page.status, 200);
    let listed: Vec<(String, String)> = page.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file_name"].as_str().unwrap().to_owned(),
                e["date_label"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (name, date) in [
        ("photo1.jpg", "2021-03-04"),
        ("clip.mp4", "2021-03-05 left eye"),
        ("extra.jpg", ""),
    ] {
        assert!(
            listed.contains(&(name.to_owned(), date.to_owned())),
            "{name} not listed: {listed:?}"
        );
    }
    let file = common::http_get(addr, &format!("/api/media/{}/file", mp4.id)).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), Some("video/mp4"));
    // The original's key is the operator key now.
    let bearer = format!("Bearer {USERKEY}");
    let edit = common::anonymous_request(
        addr,
        "PATCH",
        &format!("/api/media/{}", photo.id),
        &[("Authorization", &bearer)],
        br#"{"title":"from the old rig"}"#,
    )
    .await;
    assert_eq!(
        edit.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&edit.body)
    );
    server.kill().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// A server started on the original's media folder (no command run)
/// moves the old database aside and catalogues its media by itself, and a
/// second start changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_started_on_the_original_media_folder_imports_it() {
    let dir = original_app("legacy-start").await;
    let mut config = common::test_config(320, 240, 15);
    config.media.dir = dir.join("media");
    let server = common::start(config.clone()).await;
    let page = common::http_get(server.addr, "/api/media?per_page=50").await;
    assert_eq!(page.status, 200);
    let listed = page.json();
    let listed = listed["entries"].as_array().unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    let clip = listed
        .iter()
        .find(|e| e["file_name"] == "clip.avi")
        .expect("clip.avi is listed");
    assert_eq!(clip["date_label"], "2021-03-05 left eye");
    assert_about(clip["duration_ms"].as_u64(), 2000, "clip.avi");
    assert!(
        listed
            .iter()
            .any(|e| e["file_name"] == "photo1.jpg" && e["date_label"] == "2021-03-04")
    );
    // A thumbnail of the AVI, as the gallery shows it.
    let thumb =
        common::http_get(server.addr, &format!("/api/media/{}/thumbnail", clip["id"])).await;
    assert_eq!(thumb.status, 200);
    assert_eq!(common::jpeg_size(&thumb.body).0, 320);
    server.stop().await;

    let before = entries(&config.media.dir).await;
    let server = common::start(config.clone()).await;
    server.stop().await;
    assert_eq!(entries(&config.media.dir).await, before);
    let backups = std::fs::read_dir(&config.media.dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".bak"))
        .count();
    assert_eq!(backups, 1);
    let _ = std::fs::remove_dir_all(dir);
}

/// Bad input gets a clear message and loses nothing: no such folder, a
/// folder that is not the original's, the original's config.txt given as
/// camrig's, a camrig.toml of the user's (kept; the import is written
/// beside it), and a broken AVI (reported, kept, the rest converted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_reported_and_nothing_is_lost() {
    let empty = common::unique_temp_dir("legacy-empty");
    let (ok, _, err) = run_line("camrig import-legacy does-not-exist", &empty).await;
    assert!(!ok);
    assert!(err.contains("does-not-exist is not a folder"), "{err}");
    let (ok, _, err) = run_line("camrig import-legacy .", &empty).await;
    assert!(!ok);
    assert!(
        err.contains("holds neither config.txt nor a media folder"),
        "{err}"
    );

    let dir = original_app("legacy-bad").await;
    let (ok, _, err) = run_line("camrig --config config.txt", &dir).await;
    assert!(!ok);
    assert!(
        err.contains("is the original app's config.txt") && err.contains("camrig import-legacy"),
        "{err}"
    );
    let mine = "[camera]\nsource = \"test\"\n";
    std::fs::write(dir.join("camrig.toml"), mine).unwrap();
    let broken = b"RIFF\x10\x00\x00\x00AVI LIST garbage that is no video";
    std::fs::write(dir.join("media/broken.avi"), broken).unwrap();

    let (ok, out, err) = run_line("camrig import-legacy --convert .", &dir).await;
    assert!(ok, "{out}\n{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("camrig.toml")).unwrap(),
        mine
    );
    assert!(
        out.contains("Your") && out.contains("camrig.imported.toml"),
        "{out}"
    );
    let mut layers = Layers::default();
    layers.file(&dir.join("camrig.imported.toml")).unwrap();
    layers.build().unwrap();
    assert!(out.contains("broken.avi: cannot convert to MP4"), "{out}");
    assert!(out.contains("the AVI is kept as it was"), "{out}");
    assert!(out.contains("clip.avi -> clip.mp4"), "{out}");
    assert_eq!(std::fs::read(dir.join("media/broken.avi")).unwrap(), broken);
    let media = dir.join("media");
    let all = entries(&media).await;
    assert!(all.iter().any(|e| e.file_name == "broken.avi"), "{all:?}");
    // No partial file is left behind.
    let hidden: Vec<_> = std::fs::read_dir(&media)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(empty);
}
