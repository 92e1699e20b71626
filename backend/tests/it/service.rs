//! The systemd service in `backend/deploy/`: the shipped unit passes
//! `systemd-analyze verify` without a word about it; the install script,
//! run into a scratch root (`DESTDIR`) with this build, makes the `camrig`
//! user with its groups, puts the server, the web app, the configuration,
//! the unit and the polkit rule where the unit and the configuration expect
//! them, prints the operator's login link with a key only the service's
//! user can read, and changes nothing when run again; the polkit rule lets
//! `camrig` reboot and power off, and nobody else anything.

use crate::common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The server this test build made.
const BIN: &str = env!("CARGO_BIN_EXE_camrig");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn deploy(file: &str) -> PathBuf {
    repo().join("backend/deploy").join(file)
}

fn unit_text() -> String {
    std::fs::read_to_string(deploy("camrig.service")).unwrap()
}

/// The value of the unit's `key=` line (the only one).
fn setting(unit: &str, key: &str) -> String {
    let values: Vec<&str> = unit
        .lines()
        .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .collect();
    assert_eq!(values.len(), 1, "{key}= should be set once: {values:?}");
    values[0].to_owned()
}

/// What `systemd-analyze verify` says about the unit `text`, saved as
/// `camrig.service` with its `ExecStart=` program replaced by `program`
/// (verify refuses a unit whose program does not exist): the lines about
/// this unit, and whether it succeeded.
fn verify(text: &str, program: &str) -> (bool, Vec<String>) {
    let exec = setting(text, "ExecStart");
    let (shipped, args) = exec.split_once(' ').unwrap();
    let copy = text.replace(
        &format!("ExecStart={exec}"),
        &format!("ExecStart={program} {args}"),
    );
    assert_ne!(copy, text, "{shipped} not replaced");
    let dir = common::unique_temp_dir("unit");
    let path = dir.join("camrig.service");
    std::fs::write(&path, copy).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze is missing: install the Debian package systemd");
    let said: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .chain(String::from_utf8_lossy(&out.stderr).lines())
        .filter(|l| l.contains("camrig"))
        .map(str::to_owned)
        .collect();
    let _ = std::fs::remove_dir_all(dir);
    (out.status.success(), said)
}

#[test]
fn the_shipped_unit_passes_systemd_analyze_verify_without_a_warning() {
    let unit = unit_text();
    let (ok, said) = verify(&unit, BIN);
    assert!(ok && said.is_empty(), "systemd-analyze verify: {said:#?}");

    // The check hears warnings: a misspelt key and a bad value are named.
    let broken = unit.replace(
        "Restart=on-failure",
        "Restart=on-failure\nRestartSecs=2\nProtectSystem=sometimes",
    );
    let (_, said) = verify(&broken, BIN);
    assert!(
        said.iter().any(|l| l.contains("RestartSecs"))
            && said.iter().any(|l| l.contains("sometimes")),
        "{said:#?}"
    );
}

#[test]
fn the_unit_runs_camrig_as_its_own_user_with_camera_and_serial_access() {
    let unit = unit_text();
    assert_eq!(setting(&unit, "User"), "camrig");
    let groups = setting(&unit, "SupplementaryGroups");
    for group in ["video", "dialout"] {
        assert!(groups.split(' ').any(|g| g == group), "{groups}");
    }
    assert_eq!(setting(&unit, "Restart"), "on-failure");
    assert_eq!(setting(&unit, "StandardOutput"), "journal");
    assert_eq!(setting(&unit, "StandardError"), "journal");
    assert_eq!(setting(&unit, "NoNewPrivileges"), "yes");
    assert_eq!(setting(&unit, "ProtectSystem"), "strict");
    // Devices must stay reachable: no private /dev, no device list (which
    // ProtectClock= would add).
    for hides_devices in [
        "PrivateDevices",
        "DeviceAllow",
        "DevicePolicy",
        "ProtectClock",
    ] {
        let set = unit
            .lines()
            .any(|l| l.starts_with(&format!("{hides_devices}=")));
        assert!(!set, "{hides_devices}= is set");
    }
    // The unit's state folder is the working directory.
    assert_eq!(
        setting(&unit, "WorkingDirectory"),
        format!("/var/lib/{}", setting(&unit, "StateDirectory"))
    );
}

/// The install script run as `cargo xtask install-service` runs it, into
/// `root`, with this build and a web app folder; its output.
fn install(root: &Path, dist: &Path) -> String {
    let out = Command::new("backend/deploy/install-service.sh")
        .current_dir(repo())
        .env("DESTDIR", root)
        .env("CAMRIG_BINARY", BIN)
        .env("CAMRIG_DIST", dist)
        .env_remove("CAMRIG_AUTH_OPERATOR_KEY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "install-service.sh failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The `name:x:...` line of a passwd or group file under `root`.
fn entry(root: &Path, file: &str, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root.join("etc").join(file)).unwrap();
    text.lines()
        .map(|l| l.split(':').map(str::to_owned).collect::<Vec<_>>())
        .find(|fields| fields[0] == name)
        .unwrap_or_else(|| panic!("no {name} in {file}: {text}"))
}

/// `path` (absolute, as on the target) under `root`.
fn under(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

#[test]
fn the_install_script_sets_up_everything_the_unit_expects_and_is_idempotent() {
    let root = common::unique_temp_dir("service-root");
    let dist = common::unique_temp_dir("service-dist");
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>camrig</title>",
    )
    .unwrap();
    let first = install(&root, &dist);

    // The user, in its groups, without a login shell.
    let user = entry(&root, "passwd", "camrig");
    assert_eq!(user[5], "/var/lib/camrig");
    assert_eq!(user[6], "/usr/sbin/nologin");
    let (uid, gid): (u32, u32) = (user[2].parse().unwrap(), user[3].parse().unwrap());
    for group in ["video", "dialout", "systemd-journal"] {
        let members = &entry(&root, "group", group)[3];
        assert!(
            members.split(',').any(|m| m == "camrig"),
            "{group}: {members}"
        );
    }

    // The unit and the rule as shipped; the unit's program and config file
    // are where it says.
    let unit = unit_text();
    let installed_unit = under(&root, "/etc/systemd/system/camrig.service");
    assert_eq!(std::fs::read_to_string(&installed_unit).unwrap(), unit);
    assert_eq!(
        std::fs::read(under(&root, "/etc/polkit-1/rules.d/50-camrig.rules")).unwrap(),
        std::fs::read(deploy("50-camrig.rules")).unwrap()
    );
    let exec = setting(&unit, "ExecStart");
    let words: Vec<&str> = exec.split(' ').collect();
    assert_eq!(words[1], "--config");
    let program = under(&root, words[0]);
    assert_eq!(
        std::fs::metadata(&program).unwrap().len(),
        std::fs::metadata(BIN).unwrap().len()
    );
    let version = Command::new(&program).arg("--version").output().unwrap();
    assert!(version.status.success());

    // The configuration: readable by the service only, loaded by the
    // server's own loader, naming the installed web app and a media folder
    // inside the unit's state folder.
    let config_file = under(&root, words[2]);
    let meta = std::fs::metadata(&config_file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!((meta.uid(), meta.gid()), (0, gid));
    let mut layers = camrig::config::Layers::default();
    layers.file(&config_file).unwrap();
    let config = layers.build().unwrap();
    let web_app = under(&root, config.frontend_dir.to_str().unwrap());
    assert!(
        web_app.join("index.html").is_file(),
        "{}",
        web_app.display()
    );
    let state = setting(&unit, "WorkingDirectory");
    assert!(
        config.media.dir.starts_with(&state),
        "{:?}",
        config.media.dir
    );
    let state_dir = std::fs::metadata(under(&root, &state)).unwrap();
    assert_eq!((state_dir.uid(), state_dir.gid()), (uid, gid));

    // The login link, with a key the service's user alone can read.
    let key_file = under(&root, config.media.dir.to_str().unwrap()).join(".camrig/operator.key");
    let key = std::fs::read_to_string(&key_file)
        .unwrap()
        .trim()
        .to_owned();
    let meta = std::fs::metadata(&key_file).unwrap();
    assert_eq!(
        (meta.uid(), meta.permissions().mode() & 0o777),
        (uid, 0o600)
    );
    assert!(first.contains(&format!("/login#key={key}")), "{first}");
    assert!(first.contains("systemd left alone"), "{first}");

    // Again, after the operator edited the configuration: nothing is
    // installed twice, the edit stays, the same key is shown.
    let edited = format!(
        "{}\n[camera]\nrotate = 180\n",
        std::fs::read_to_string(&config_file).unwrap()
    );
    std::fs::write(&config_file, &edited).unwrap();
    let second = install(&root, &dist);
    assert!(!second.contains("installed /"), "{second}");
    assert!(second.contains("kept /etc/camrig/camrig.toml"), "{second}");
    assert!(second.contains(&format!("/login#key={key}")), "{second}");
    assert_eq!(std::fs::read_to_string(&config_file).unwrap(), edited);
    assert_eq!(entry(&root, "passwd", "camrig")[2], uid.to_string());

    let _ = std::fs::remove_dir_all(root);
    let _ = std::fs::remove_dir_all(dist);
}

/// The polkit rule, run by node with the two names of polkit's rule API it
/// uses (`addRule`, `Result`): what it answers each user and action.
#[test]
fn the_polkit_rule_lets_camrig_reboot_and_power_off_and_nothing_else() {
    let script = format!(
        "const rules = [];\n\
         const polkit = {{ addRule: (f) => rules.push(f), \
           Result: {{ YES: 'yes', NO: 'no', NOT_HANDLED: null }} }};\n\
         {}\n\
         const ask = (user, id) => rules.map((f) => f({{ id }}, {{ user }}))\
           .find((r) => r !== null && r !== undefined) ?? 'not handled';\n\
         for (const [user, id] of JSON.parse(process.argv[1])) \
           console.log(`${{user}} ${{id}} ${{ask(user, id)}}`);\n",
        std::fs::read_to_string(deploy("50-camrig.rules")).unwrap()
    );
    let login1 = "org.freedesktop.login1";
    let cases = [
        ("camrig", format!("{login1}.reboot"), "yes"),
        (
            "camrig",
            format!("{login1}.reboot-multiple-sessions"),
            "yes",
        ),
        ("camrig", format!("{login1}.power-off"), "yes"),
        (
            "camrig",
            format!("{login1}.power-off-multiple-sessions"),
            "yes",
        ),
        (
            "camrig",
            format!("{login1}.reboot-ignore-inhibit"),
            "not handled",
        ),
        ("camrig", format!("{login1}.suspend"), "not handled"),
        (
            "camrig",
            "org.freedesktop.systemd1.manage-units".into(),
            "not handled",
        ),
        ("alice", format!("{login1}.reboot"), "not handled"),
        ("camrig2", format!("{login1}.power-off"), "not handled"),
    ];
    let asked: Vec<(&str, &str)> = cases.iter().map(|(u, a, _)| (*u, a.as_str())).collect();
    let out = Command::new("node")
        .args(["-e", &script, &serde_json::to_string(&asked).unwrap()])
        .output()
        .expect("node is missing: cargo xtask setup installs it");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers = String::from_utf8(out.stdout).unwrap();
    let want: String = cases
        .iter()
        .map(|(user, action, answer)| format!("{user} {action} {answer}\n"))
        .collect();
    assert_eq!(answers, want);
}
