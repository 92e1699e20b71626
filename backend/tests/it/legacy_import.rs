//! Upgrading from the original app, with real parts: a folder built as the
//! original left it (its `config.txt`, a `media/media.db` with the
//! original's schema and rows, a JPEG and a Motion JPEG AVI made by
//! GStreamer), the README's command lines run exactly as written with the
//! real binary, and the result checked as a user would: every file
//! catalogued with its date, the AVI with its real duration, the MP4 it
//! became decodes, the old database kept as a backup, the written
//! `camrig.toml` loads, and the server started with it lists everything.

use crate::common;

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
    play_to_end(&gst::parse::launch(description).unwrap());
}

/// Plays `pipeline` until it ends, within a minute, and stops it; fails on
/// an error.
fn play_to_end(pipeline: &gst::Element) {
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

/// An H.264 MP4 of the user's own, as the server records them.
fn make_mp4(path: &Path) {
    run_pipeline(&format!(
        "videotestsrc num-buffers=15 ! video/x-raw,width=320,height=240,framerate=15/1 ! \
         x264enc ! mp4mux ! filesink location={}",
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

/// Runs `camrig --media-dir media media ARGS...` in `dir`; returns
/// (success, stdout, stderr).
async fn media_command(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = common::within(
        Duration::from_secs(120),
        "camrig media",
        tokio::process::Command::new(BIN)
            .args(["--media-dir", "media", "media"])
            .args(args)
            .current_dir(dir)
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

/// The backups of the original database in `media`.
fn backups(media: &Path) -> Vec<PathBuf> {
    camrig::legacy::old_db::backups(media)
}

/// Files a conversion works with (hidden, or half written) left in `media`.
fn work_files(media: &Path) -> Vec<String> {
    std::fs::read_dir(media)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".convert-") || n.ends_with(".part"))
        .collect()
}

/// The entries the server lists: (file name, date label).
async fn listed(addr: std::net::SocketAddr) -> Vec<(String, String)> {
    let page = common::http_get(addr, "/api/media?per_page=50").await;
    assert_eq!(page.status, 200);
    let mut all: Vec<(String, String)> = page.json()["entries"]
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
    all.sort();
    all
}

/// Every file of the original app's folder, with its date.
fn everything() -> Vec<(String, String)> {
    [
        ("clip.avi", "2021-03-05 left eye"),
        ("extra.jpg", ""),
        ("photo1.jpg", "2021-03-04"),
    ]
    .map(|(n, d)| (n.to_owned(), d.to_owned()))
    .to_vec()
}

fn dated(entries: &[MediaEntry]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.file_name.clone(), e.date_label.clone()))
        .collect();
    all.sort();
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
    play_to_end(pipeline.upcast_ref());
    let profile = profile.lock().unwrap().clone();
    (frames.load(Ordering::SeqCst), profile)
}

/// The README's upgrade lines, run as written in the original's folder:
/// the settings and the media move over, a second run changes nothing,
/// `--convert` turns the AVI into an MP4 that decodes (with progress), and
/// the server started with the written `camrig.toml` lists it all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_upgrade_carries_everything_over() {
    let spans = common::readme_spans();
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

/// `camrig media list` on the original's folder (before any import) sets
/// the old database aside instead of turning it into a catalogue, and
/// catalogues its media with their dates; the server started there then
/// lists everything, and the import finds it all done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camrig_media_on_the_original_folder_keeps_everything_importable() {
    let dir = original_app("legacy-media-cli").await;
    let media = dir.join("media");
    let (ok, out, err) = media_command(&dir, &["list"]).await;
    assert!(ok, "{out}\n{err}");
    assert!(out.trim_end().ends_with("3 entries"), "{out}");
    for (name, date) in [("photo1.jpg", "2021-03-04"), ("clip.avi", "2021-03-05")] {
        assert!(
            out.lines().any(|l| l.contains(name) && l.contains(date)),
            "{name} {date} not listed:\n{out}"
        );
    }
    assert!(
        err.contains("the original database media.db is now media.db.legacy-"),
        "{err}"
    );
    assert!(err.contains("camrig import-legacy --convert"), "{err}");
    let kept = backups(&media);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let mut old = sqlite(&kept[0], false).await;
    let tables: Vec<String> = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(&mut old)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    old.close().await.unwrap();
    assert_eq!(tables, ["media"], "the old database was not migrated");

    // A second command catalogues nothing again and says nothing of it.
    let (ok, out, err) = media_command(&dir, &["list"]).await;
    assert!(ok, "{out}\n{err}");
    assert!(out.trim_end().ends_with("3 entries"), "{out}");
    assert!(err.is_empty(), "{err}");

    let mut config = common::test_config(320, 240, 15);
    config.media.dir = media.clone();
    let server = common::start(config).await;
    assert_eq!(listed(server.addr).await, everything());
    server.stop().await;

    let (ok, out, err) = run_line("camrig import-legacy .", &dir).await;
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("Done: 0 rows and 0 files without a row catalogued, 2 already catalogued"),
        "{out}"
    );
    assert_eq!(dated(&entries(&media).await), everything());
    assert_eq!(backups(&media), kept);
    let _ = std::fs::remove_dir_all(dir);
}

/// An original database an earlier camrig opened as its catalogue (its
/// migrations ran inside it) is still recognised and imported whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_original_database_migrated_by_mistake_is_still_imported() {
    let dir = original_app("legacy-half").await;
    let media = dir.join("media");
    let _ = Catalogue::open(&camrig::catalogue::default_database_url(&media), &media).await;
    let (ok, out, err) = run_line("camrig import-legacy .", &dir).await;
    assert!(ok, "{out}\n{err}");
    for expected in [
        "the original database media.db is now media.db.legacy-",
        "row 1: photo1.jpg catalogued as id 1",
        "row 2: clip.avi catalogued as id 2",
        "extra.jpg (no row in the original database) catalogued as id 3",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    assert_eq!(dated(&entries(&media).await), everything());
    let (ok, out, err) = media_command(&dir, &["list"]).await;
    assert!(ok && out.trim_end().ends_with("3 entries"), "{out}\n{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A start-up import cut short (the old database moved aside, one row
/// catalogued, then the power went) is finished by the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_cut_short_is_finished_by_the_next_start() {
    let dir = original_app("legacy-cut").await;
    let media = dir.join("media");
    assert!(
        camrig::legacy::old_db::set_aside(&media)
            .await
            .unwrap()
            .is_some()
    );
    let catalogue = Catalogue::open(&camrig::catalogue::default_database_url(&media), &media)
        .await
        .unwrap();
    catalogue.import("photo1.jpg", "2021-03-04").await.unwrap();
    drop(catalogue);

    let mut config = common::test_config(320, 240, 15);
    config.media.dir = media.clone();
    let server = common::start(config.clone()).await;
    assert_eq!(listed(server.addr).await, everything());
    server.stop().await;
    let before = entries(&media).await;
    let server = common::start(config).await;
    server.stop().await;
    assert_eq!(entries(&media).await, before);
    let _ = std::fs::remove_dir_all(dir);
}

/// A recording whose AVI cannot be kept is not converted and stays as it
/// was; once it can be, it is converted once, and never catalogued twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_avi_that_cannot_be_kept_is_left_as_it_was() {
    let dir = original_app("legacy-keep").await;
    let media = dir.join("media");
    let (ok, out, err) = run_line("camrig import-legacy .", &dir).await;
    assert!(ok, "{out}\n{err}");
    let before = entries(&media).await;
    // A file where the folder for the kept AVIs would go.
    std::fs::write(media.join("original-avi"), b"in the way").unwrap();
    let convert = "camrig import-legacy --convert .";
    let (ok, out, err) = run_line(convert, &dir).await;
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("clip.avi: file error") && out.contains("the AVI is kept as it was"),
        "{out}"
    );
    assert_eq!(entries(&media).await, before);
    assert!(media.join("clip.avi").is_file());
    assert!(!media.join("clip.mp4").exists());
    assert_eq!(work_files(&media), Vec::<String>::new());

    std::fs::remove_file(media.join("original-avi")).unwrap();
    let (ok, out, err) = run_line(convert, &dir).await;
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("clip.avi -> clip.mp4 (id 2"), "{out}");
    for _ in 0..2 {
        let (ok, out, err) = run_line(convert, &dir).await;
        assert!(ok, "{out}\n{err}");
        assert!(!out.contains("converting"), "{out}");
        assert!(
            out.contains("Done: 0 rows and 0 files without a row catalogued, 2 already catalogued"),
            "{out}"
        );
    }
    let after = entries(&media).await;
    assert_eq!(after.len(), 3, "{after:?}");
    assert_eq!(
        by_name(&after, "clip.mp4").id,
        by_name(&before, "clip.avi").id
    );
    assert_eq!(work_files(&media), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(dir);
}

/// With `--delete-avi`, an MP4 that had to take another name (the user's
/// own `clip.mp4` is there) is still known as the AVI's conversion: the
/// next run neither reports the old row as lost nor converts anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_avi_converted_under_another_name_is_recognised() {
    let dir = original_app("legacy-delete").await;
    let media = dir.join("media");
    make_mp4(&media.join("clip.mp4"));
    let line = "camrig import-legacy --convert --delete-avi .";
    let (ok, out, err) = run_line(line, &dir).await;
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("clip.avi -> clip-1.mp4 (id 2, 2.0 s, H.264); the AVI is deleted"),
        "{out}"
    );
    assert!(!media.join("clip.avi").exists());
    assert!(!media.join("original-avi").exists());
    let first = entries(&media).await;
    assert_eq!(first.len(), 4, "{first:?}");
    assert_eq!(
        by_name(&first, "clip-1.mp4").date_label,
        "2021-03-05 left eye"
    );
    assert_eq!(by_name(&first, "clip.mp4").date_label, "");

    let (ok, out, err) = run_line(line, &dir).await;
    assert!(ok, "{out}\n{err}");
    assert!(!out.contains("converting"), "{out}");
    assert!(
        !out.contains("clip.avi is not in the media folder"),
        "{out}"
    );
    assert!(
        out.contains("Done: 0 rows and 0 files without a row catalogued, 2 already catalogued"),
        "{out}"
    );
    assert_eq!(entries(&media).await, first);
    assert_eq!(work_files(&media), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(dir);
}

/// A conversion cut short after the AVI left the media folder and before
/// its entry named the MP4 (the MP4 made and checked under its hidden
/// name) is finished by the next run: the same entry plays the MP4, and
/// nothing is catalogued twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversion_cut_short_is_finished_by_the_next_run() {
    let dir = original_app("legacy-resume").await;
    let media = dir.join("media");
    let (ok, out, err) = run_line("camrig import-legacy .", &dir).await;
    assert!(ok, "{out}\n{err}");
    let clip = by_name(&entries(&media).await, "clip.avi").clone();
    // What the run cut short left: the checked MP4 under the hidden name of
    // the entry's conversion, the AVI already in original-avi/.
    let (avi, hidden) = (
        media.join("clip.avi"),
        media.join(format!(".convert-{}.mp4", clip.id)),
    );
    tokio::task::spawn_blocking(move || camrig::legacy::convert::to_mp4(&avi, &hidden, |_| {}))
        .await
        .unwrap()
        .unwrap();
    std::fs::create_dir(media.join("original-avi")).unwrap();
    std::fs::rename(media.join("clip.avi"), media.join("original-avi/clip.avi")).unwrap();

    let (ok, out, err) = run_line("camrig import-legacy .", &dir).await;
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains(&format!(
            "clip.avi -> clip.mp4 (id {}, 2.0 s, H.264); the AVI is kept in media/original-avi/",
            clip.id
        )),
        "{out}"
    );
    let after = entries(&media).await;
    assert_eq!(after.len(), 3, "{after:?}");
    let mp4 = by_name(&after, "clip.mp4");
    assert_eq!(
        (mp4.id, mp4.date_label.as_str()),
        (clip.id, "2021-03-05 left eye")
    );
    assert_eq!(work_files(&media), Vec::<String>::new());
    let path = media.join("clip.mp4");
    let (frames, _) = tokio::task::spawn_blocking(move || decode_mp4(&path))
        .await
        .unwrap();
    assert_eq!(frames, u64::from(AVI_FRAMES));

    let (ok, out, err) = run_line("camrig import-legacy --convert .", &dir).await;
    assert!(ok, "{out}\n{err}");
    assert!(!out.contains("converting"), "{out}");
    assert_eq!(entries(&media).await, after);
    let _ = std::fs::remove_dir_all(dir);
}
