//! The `camrig media` command line and crash safety, with the real binary:
//! the commands work and fail with clear messages and exit codes, they run
//! safely beside a running server, and a server killed with SIGKILL in the
//! middle of a burst of imports and deletions leaves an intact database in
//! which every acknowledged change holds.

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use camrig::catalogue::{Catalogue, repo};

const BIN: &str = env!("CARGO_BIN_EXE_camrig");

/// Runs `camrig --media-dir DIR media ARGS` and returns (exit code, stdout,
/// stderr).
fn media(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .arg("--media-dir")
        .arg(dir)
        .arg("media")
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn commands_report_what_they_did_and_fail_clearly() {
    let dir = common::unique_temp_dir("cli");
    std::fs::write(dir.join("a.jpg"), b"\xff\xd8\xff\xd9").unwrap();
    std::fs::write(dir.join("b.mp4"), b"video").unwrap();
    let outside = dir
        .parent()
        .unwrap()
        .join(format!("cli-outside-{}.jpg", std::process::id()));
    std::fs::write(&outside, b"keep").unwrap();

    let (code, out, _) = media(
        &dir,
        &[
            "add",
            dir.join("a.jpg").to_str().unwrap(),
            "--date",
            "2026-11-23",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "added a.jpg as id 1");
    let (code, _, err) = media(&dir, &["add", "a.jpg"]);
    assert_eq!(code, 1);
    assert!(err.contains("already in the catalogue"), "{err}");
    let (code, _, err) = media(&dir, &["add", outside.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("not directly inside the media folder"),
        "{err}"
    );
    let (code, out, _) = media(&dir, &["import"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("added b.mp4") && out.trim_end().ends_with("1 files added"),
        "{out}"
    );
    let (code, out, _) = media(&dir, &["list", "--kind", "video"]);
    assert_eq!(code, 0);
    assert!(out.contains("b.mp4") && !out.contains("a.jpg"), "{out}");
    let (code, _, err) = media(&dir, &["remove", "77"]);
    assert_eq!(code, 1);
    assert!(err.contains("no media with id 77"), "{err}");
    let (code, out, _) = media(&dir, &["remove", "a.jpg"]);
    assert_eq!(code, 0, "{out}");
    assert!(!dir.join("a.jpg").exists());
    let (code, _, err) = media(&dir, &["reset"]);
    assert_eq!(code, 1);
    assert!(err.contains("--yes"), "{err}");
    std::fs::remove_file(dir.join("b.mp4")).unwrap();
    let (code, out, _) = media(&dir, &["check"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("integrity: ok") && out.contains("marked missing (file gone): [2]"),
        "{out}"
    );
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep");
    std::fs::remove_file(&outside).unwrap();
}

async fn spawn_server(dir: &Path) -> common::ServerProcess {
    common::spawn_server(BIN, dir, (160, 120, 10)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_works_while_the_server_runs() {
    let dir = common::unique_temp_dir("cli-live");
    let server = spawn_server(&dir).await;
    for i in 0..20 {
        std::fs::write(dir.join(format!("f{i}.jpg")), b"\xff\xd8\xff\xd9").unwrap();
    }
    // The CLI imports while the server imports over HTTP: both must succeed.
    let cli = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || media(&dir, &["import"])
    });
    for i in 0..20 {
        let res = common::import(server.addr, &format!("f{i}.jpg")).await;
        assert!(
            res.status == 201 || res.status == 409,
            "{}: {:?}",
            res.status,
            String::from_utf8_lossy(&res.body)
        );
    }
    let (code, out, err) = cli.await.unwrap();
    assert!(
        code == 0 || err.contains("already in the catalogue"),
        "{out}{err}"
    );
    let list = common::http_get(server.addr, "/api/media?per_page=100")
        .await
        .json();
    assert_eq!(list["total"], 20);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_burst_loses_no_acknowledged_change() {
    let dir = common::unique_temp_dir("crash");
    for i in 0..400 {
        std::fs::write(dir.join(format!("c{i:03}.jpg")), b"\xff\xd8\xff\xd9").unwrap();
    }
    let mut server = spawn_server(&dir).await;
    let addr = server.addr;
    // Kill after a varying number of acknowledged changes.
    let kill_after = 60 + (common::unix_now_us() % 120) as usize;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut workers = Vec::new();
    for w in 0..4 {
        let tx = tx.clone();
        workers.push(tokio::spawn(async move {
            for i in (w..400).step_by(4) {
                let body = serde_json::json!({ "file_name": format!("c{i:03}.jpg") }).to_string();
                let Ok(res) = try_request(addr, "POST", "/api/media/import", body.as_bytes()).await
                else {
                    return;
                };
                if res.0 != 201 {
                    return;
                }
                let id = res.1["id"].as_i64().unwrap();
                let _ = tx.send(("added", id));
                if i % 3 == 0 {
                    let _ = tx.send(("deleting", id));
                    let Ok(res) =
                        try_request(addr, "DELETE", &format!("/api/media/{id}"), b"").await
                    else {
                        return;
                    };
                    if res.0 == 204 {
                        let _ = tx.send(("deleted", id));
                    }
                }
            }
        }));
    }
    drop(tx);
    let mut state: HashMap<i64, &str> = HashMap::new();
    let mut acknowledged = 0;
    while let Some((what, id)) = rx.recv().await {
        state.insert(id, what);
        if what != "deleting" {
            acknowledged += 1;
        }
        if acknowledged == kill_after {
            server.child.start_kill().unwrap();
        }
    }
    // Killed above; a burst that ended early must not leave it running.
    let _ = server.child.start_kill();
    server.child.wait().await.unwrap();
    for w in workers {
        w.await.unwrap();
    }
    assert!(
        acknowledged >= kill_after,
        "the burst ended before the kill"
    );

    // Read the database as the next start-up would.
    let cat = Catalogue::open(&camrig::catalogue::default_database_url(&dir), &dir)
        .await
        .unwrap();
    assert_eq!(cat.integrity_check().await.unwrap().as_deref(), Some("ok"));
    cat.reconcile(false).await.unwrap();
    let present: BTreeSet<i64> = repo::all(cat.db())
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    for (id, last) in &state {
        match *last {
            "added" => assert!(present.contains(id), "acknowledged import {id} lost"),
            "deleted" => assert!(!present.contains(id), "acknowledged delete {id} undone"),
            _ => {} // A deletion under way at the kill may go either way.
        }
    }
    // Files and rows agree after reconciliation.
    for entry in repo::all(cat.db()).await.unwrap() {
        assert!(
            dir.join(&entry.file_name).exists(),
            "row {} without file",
            entry.id
        );
    }
    eprintln!(
        "killed after {acknowledged} acknowledged changes; {} rows remain",
        present.len()
    );
}

/// One request; `Err` when the connection fails (the server was killed).
async fn try_request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<(u16, serde_json::Value), ()> {
    // The helpers panic when the server is gone; a spawned task turns that
    // panic into an `Err` here.
    let (method, path, body) = (method.to_owned(), path.to_owned(), body.to_vec());
    let attempt = async move {
        let (status, _, mut reader) = common::open_request(
            addr,
            &method,
            &path,
            &[("Content-Type", "application/json"), common::AS_OPERATOR],
            &body,
            true,
        )
        .await;
        let mut bytes = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut bytes)
            .await
            .ok()?;
        Some((
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        ))
    };
    match tokio::time::timeout(Duration::from_secs(10), tokio::spawn(attempt)).await {
        Ok(Ok(Some(res))) => Ok(res),
        _ => Err(()),
    }
}

/// `camrig login-link`, as the README shows it, run where the media folder
/// is `media/`: it makes the operator key there on first use (0600) and
/// prints the login link with that key and a QR code; the second time it
/// prints the same key.
#[test]
fn login_link_prints_the_stored_key_as_a_link_and_qr_code() {
    use std::os::unix::fs::PermissionsExt;
    let cwd = common::unique_temp_dir("login-link");
    let run = || {
        let out = Command::new(BIN)
            .arg("login-link")
            .current_dir(&cwd)
            .env_remove("CAMRIG_AUTH_OPERATOR_KEY")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run();
    let file = cwd.join("media/.camrig/operator.key");
    let key = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert_eq!(key.len(), 43);
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(first.contains(&format!("/login#key={key}")), "{first}");
    assert!(first.contains('█'), "no QR code: {first}");
    assert_eq!(
        run(),
        first.replace("new operator key, kept in", "operator key in")
    );
    let _ = std::fs::remove_dir_all(cwd);
}
