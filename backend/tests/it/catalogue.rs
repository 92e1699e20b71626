//! The media catalogue against real databases: a SQLite file in a fresh
//! folder always, and a PostgreSQL database too when
//! `CAMRIG_TEST_POSTGRES_URL` names a server (`cargo xtask test` starts
//! one). Each test gets its own folder and database.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use camrig::catalogue::{Catalogue, CatalogueError, default_database_url, repo};
use sea_orm::{ConnectionTrait, Database};
use shared::media::{MediaKind, MediaStatus, MediaUpdate};

/// A smallest-possible JPEG header naming its size (enough for probing).
fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&[3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xD9]);
    b
}

/// Database URLs to run a test against: SQLite, and PostgreSQL if given.
async fn databases(label: &str) -> Vec<(String, PathBuf)> {
    let sqlite_dir = common::unique_temp_dir(label);
    let mut out = vec![(default_database_url(&sqlite_dir), sqlite_dir)];
    if let Ok(base) = std::env::var("CAMRIG_TEST_POSTGRES_URL") {
        let name = format!(
            "t_{}_{}",
            label,
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let admin = Database::connect(base.clone())
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let (server, _) = base.rsplit_once('/').unwrap();
        out.push((
            format!("{server}/{name}"),
            common::unique_temp_dir(&format!("{label}-pg")),
        ));
    }
    out
}

fn put(dir: &Path, name: &str, bytes: &[u8], age_s: u64) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(age_s))
        .unwrap();
}

#[tokio::test]
async fn crud_and_pagination() {
    for (url, dir) in databases("crud").await {
        let cat = Catalogue::open(&url, &dir).await.unwrap();
        for i in 0..25u64 {
            put(&dir, &format!("p{i:02}.jpg"), &jpeg(640, 480), 1000 - i);
        }
        for i in 0..3u64 {
            put(&dir, &format!("v{i}.mp4"), b"not really a video", 2000 + i);
        }
        let mut names = cat.untracked().await.unwrap();
        names.sort();
        assert_eq!(names.len(), 28, "{url}");
        for name in &names {
            cat.import(name, "2026-11-23").await.unwrap();
        }
        assert!(matches!(
            cat.import("p00.jpg", "").await,
            Err(CatalogueError::AlreadyCatalogued(_))
        ));

        let page1 = repo::list(cat.db(), None, 1, 10).await.unwrap();
        assert_eq!(page1.total, 28);
        assert_eq!(page1.entries.len(), 10);
        // Newest first: p24 has the most recent modification time.
        assert_eq!(page1.entries[0].file_name, "p24.jpg");
        assert!(
            page1
                .entries
                .windows(2)
                .all(|w| w[0].created_us >= w[1].created_us)
        );
        assert_eq!(page1.entries[0].width, Some(640));
        assert_eq!(page1.entries[0].height, Some(480));
        let page3 = repo::list(cat.db(), None, 3, 10).await.unwrap();
        assert_eq!(page3.entries.len(), 8);
        let videos = repo::list(cat.db(), Some(MediaKind::Video), 1, 10)
            .await
            .unwrap();
        assert_eq!(videos.total, 3);
        assert!(videos.entries.iter().all(|e| e.kind == MediaKind::Video));

        let id = page1.entries[0].id;
        let updated = repo::update(
            cat.db(),
            id,
            MediaUpdate {
                title: Some("Left eye".into()),
                notes: Some("session 4".into()),
                date_label: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(updated.title, "Left eye");
        assert_eq!(updated.notes, "session 4");
        assert_eq!(updated.date_label, "2026-11-23");

        let gone = cat.delete(id).await.unwrap();
        assert!(!dir.join(&gone.file_name).exists());
        assert!(matches!(
            repo::get(cat.db(), id).await,
            Err(CatalogueError::NotFound(_))
        ));
        assert!(matches!(
            cat.delete(id).await,
            Err(CatalogueError::NotFound(_))
        ));
        assert_eq!(repo::count(cat.db()).await.unwrap(), 27);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[tokio::test]
async fn reconciliation_marks_missing_finishes_deletes_and_lists_untracked() {
    for (url, dir) in databases("reconcile").await {
        let cat = Catalogue::open(&url, &dir).await.unwrap();
        for name in ["a.jpg", "b.jpg", "c.jpg"] {
            put(&dir, name, &jpeg(8, 8), 10);
        }
        let a = cat.import("a.jpg", "").await.unwrap();
        let b = cat.import("b.jpg", "").await.unwrap();
        // A crash in the middle of deleting b: row marked, file still there.
        repo::set_status(cat.db(), b.id, MediaStatus::Deleting)
            .await
            .unwrap();
        std::fs::remove_file(dir.join("a.jpg")).unwrap();
        put(&dir, "notes.txt", b"not media", 1);

        let report = cat.reconcile(false).await.unwrap();
        assert_eq!(report.missing, vec![a.id]);
        assert_eq!(report.deleted, vec![b.id]);
        assert_eq!(report.untracked, vec!["c.jpg".to_owned()]);
        assert!(!dir.join("b.jpg").exists());
        assert_eq!(
            repo::get(cat.db(), a.id).await.unwrap().status,
            MediaStatus::Missing
        );

        put(&dir, "a.jpg", &jpeg(8, 8), 10);
        let report = cat.reconcile(false).await.unwrap();
        assert_eq!(report.restored, vec![a.id]);
        assert_eq!(
            repo::get(cat.db(), a.id).await.unwrap().status,
            MediaStatus::Complete
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[tokio::test]
async fn reset_rebuilds_from_the_files_present() {
    for (url, dir) in databases("reset").await {
        let cat = Catalogue::open(&url, &dir).await.unwrap();
        put(&dir, "x.jpg", &jpeg(8, 8), 5);
        let x = cat.import("x.jpg", "label").await.unwrap();
        repo::update(
            cat.db(),
            x.id,
            MediaUpdate {
                title: Some("t".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        put(&dir, "y.mp4", b"video", 4);
        let rebuilt = cat.reset().await.unwrap();
        let mut names: Vec<_> = rebuilt.iter().map(|e| e.file_name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["x.jpg", "y.mp4"]);
        assert!(rebuilt.iter().all(|e| e.title.is_empty()));
        assert!(dir.join("x.jpg").exists() && dir.join("y.mp4").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Eight independent catalogues (separate pools, like the server and a CLI
/// run at once) writing at the same time: no "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_fail() {
    for (url, dir) in databases("concurrent").await {
        Catalogue::open(&url, &dir).await.unwrap();
        let mut tasks = Vec::new();
        for w in 0..8 {
            let (url, dir) = (url.clone(), dir.clone());
            tasks.push(tokio::spawn(async move {
                let cat = Catalogue::open(&url, &dir).await.unwrap();
                for i in 0..25 {
                    let name = format!("w{w}-{i}.jpg");
                    put(&dir, &name, &jpeg(4, 4), 1);
                    cat.import(&name, "").await.unwrap();
                    if i % 5 == 0 {
                        let e = repo::find_by_name(cat.db(), &name).await.unwrap().unwrap();
                        cat.delete(e.id).await.unwrap();
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let cat = Catalogue::open(&url, &dir).await.unwrap();
        assert_eq!(repo::count(cat.db()).await.unwrap(), 8 * 20, "{url}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[tokio::test]
async fn hostile_names_are_refused_and_nothing_outside_is_touched() {
    let dir = common::unique_temp_dir("hostile");
    let media = dir.join("media");
    let outside = dir.join("secret.jpg");
    std::fs::write(&outside, b"keep me").unwrap();
    let cat = Catalogue::open(&default_database_url(&media), &media)
        .await
        .unwrap();
    for name in [
        "../secret.jpg",
        "..%2fsecret.jpg",
        "/etc/passwd",
        "..\\secret.jpg",
        "a/../../secret.jpg",
        "",
        ".",
        "..",
        "nul\0.jpg",
        ".hidden.jpg",
    ] {
        assert!(cat.import(name, "").await.is_err(), "{name:?} was accepted");
    }
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep me");
    assert_eq!(repo::count(cat.db()).await.unwrap(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn new_captures_get_safe_unique_names_and_rows() {
    for (url, dir) in databases("save").await {
        let cat = Catalogue::open(&url, &dir).await.unwrap();
        let a = cat
            .save_new(
                Some("../Left eye: 7"),
                MediaKind::Photo,
                "today",
                Default::default(),
                |f| std::io::Write::write_all(f, &jpeg(64, 48)),
            )
            .await
            .unwrap();
        assert_eq!(a.file_name, "Left_eye_7.jpg");
        assert_eq!(a.title, "../Left eye: 7");
        assert_eq!((a.width, a.height), (Some(64), Some(48)));
        assert_eq!(a.size_bytes, jpeg(64, 48).len() as u64);
        let b = cat
            .save_new(
                Some("Left eye 7"),
                MediaKind::Photo,
                "",
                Default::default(),
                |f| std::io::Write::write_all(f, b"x"),
            )
            .await
            .unwrap();
        assert_eq!(b.file_name, "Left_eye_7-1.jpg");
        let c = cat
            .save_new(None, MediaKind::Video, "", Default::default(), |f| {
                std::io::Write::write_all(f, b"v")
            })
            .await
            .unwrap();
        assert!(
            c.file_name.ends_with(".mp4") && c.file_name.starts_with("20"),
            "{}",
            c.file_name
        );
        // A failing writer leaves neither a file nor a row.
        let before: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        let failed = cat
            .save_new(
                Some("broken"),
                MediaKind::Photo,
                "",
                Default::default(),
                |_| {
                    Err(std::io::Error::new(
                        std::io::ErrorKind::StorageFull,
                        "disk full",
                    ))
                },
            )
            .await;
        assert!(
            matches!(failed, Err(CatalogueError::Io(ref e)) if e.kind() == std::io::ErrorKind::StorageFull)
        );
        let after: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(before.len(), after.len());
        assert_eq!(repo::count(cat.db()).await.unwrap(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
