//! `cargo xtask install-service`: installs what the server needs (the
//! `serve` setup), makes the release build, and runs
//! `backend/deploy/install-service.sh`, which installs or updates camrig as
//! a systemd service (user, files, unit, polkit rule; enabled and started
//! where systemd runs). The test run runs the README's line as written into
//! a scratch root ([`readme_check`]), through the script's `DESTDIR`.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use crate::{build, root, setup, status};

/// How the README installs the service.
pub const README_LINE: &str = "cargo xtask install-service";

/// The install script, from the repository root.
const SCRIPT: &str = "backend/deploy/install-service.sh";

/// Setup, release build, then the install script.
pub fn install() -> Result<()> {
    let tools = setup::ensure(setup::Purpose::Serve)?;
    build(&tools)?;
    let mut script = Command::new(root().join(SCRIPT));
    script.current_dir(root());
    status(&mut script)
}

/// Runs `command` (the README's line) with `DESTDIR` set to a scratch
/// folder, and checks that the user, the unit and the server are there.
/// The scratch folder is in the system's temporary folder: the service's
/// user must be able to reach it, which it cannot inside a checkout under
/// a private home folder.
pub fn readme_check(mut command: Command) -> Result<()> {
    let scratch = std::env::temp_dir().join("camrig-xtask-service-root");
    let _ = std::fs::remove_dir_all(&scratch);
    command.env("DESTDIR", &scratch);
    let result = status(&mut command).and_then(|()| installed(&scratch));
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// Fails unless the service's user, unit and server are under `scratch`.
fn installed(scratch: &Path) -> Result<()> {
    let passwd = std::fs::read_to_string(scratch.join("etc/passwd"))?;
    if !passwd.lines().any(|l| l.starts_with("camrig:")) {
        bail!("no user camrig in {}", scratch.join("etc/passwd").display());
    }
    let unit = std::fs::read(scratch.join("etc/systemd/system/camrig.service"))?;
    if unit != std::fs::read(root().join("backend/deploy/camrig.service"))? {
        bail!("the installed unit is not the shipped one");
    }
    let server = scratch.join("usr/local/bin/camrig");
    if std::fs::metadata(&server)?.len()
        != std::fs::metadata(root().join("target/release/camrig"))?.len()
    {
        bail!("{} is not the release build", server.display());
    }
    Ok(())
}
