//! A throwaway PostgreSQL server for the test run, so the backend's tests
//! can run against a real PostgreSQL as well as SQLite. [`TestPostgres::start`]
//! takes the binaries of the newest version under `/usr/lib/postgresql/*/bin`
//! (Debian's `postgresql` package), makes a fresh cluster in a new temporary
//! folder with `initdb`, starts it with `pg_ctl` on a free loopback port with
//! its socket in that folder, and creates the database `camrig_test`;
//! dropping the value stops the server and deletes the folder. A
//! system-wide cluster that Debian may have created is left alone: nothing
//! here uses its port, socket or data. `initdb` refuses to run as root, so
//! when we are root the server commands run as the `postgres` system user
//! (through `runuser`). Folders left by an earlier run that was killed
//! before it could clean up are removed, and their servers stopped, on the
//! next start.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, Result, bail};

/// Where Debian installs the server, one folder per major version.
const INSTALL_ROOT: &str = "/usr/lib/postgresql";
/// The database the tests use.
const DATABASE: &str = "camrig_test";
/// The superuser `initdb` creates; authentication is `trust`.
const SUPERUSER: &str = "postgres";
/// The system user that runs the server when we are root.
const SYSTEM_USER: &str = "postgres";
/// Start of the names of our temporary folders, followed by `PID-NANOS`.
const DIR_PREFIX: &str = "camrig-pg-";
/// Environment variables that would redirect the PostgreSQL tools.
const PG_ENV: &[&str] = &[
    "PGDATA",
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGOPTIONS",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGPASSFILE",
];
/// How often to try another port when the one we picked was taken meanwhile.
const PORT_ATTEMPTS: usize = 3;

/// A running throwaway PostgreSQL server; dropping it stops the server and
/// removes its files.
pub struct TestPostgres {
    /// `/usr/lib/postgresql/VERSION/bin`.
    bin: PathBuf,
    /// Our temporary folder: the socket, the log and `data/`.
    dir: PathBuf,
    /// TCP port on 127.0.0.1.
    port: u16,
    /// Whether the server commands run through `runuser -u postgres`.
    as_system_user: bool,
}

impl TestPostgres {
    /// Starts a fresh server with an empty `camrig_test` database.
    pub fn start() -> Result<TestPostgres> {
        let bin = bin_dir()?;
        let as_system_user = id_number(&["-u"])? == 0;
        // The user that owns our folders (and the server's files).
        let owner = if as_system_user {
            id_number(&["-u", SYSTEM_USER])?
        } else {
            id_number(&["-u"])?
        };
        remove_stale(&bin, as_system_user, owner);
        let dir = std::env::temp_dir().join(format!(
            "{DIR_PREFIX}{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir(&dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        // From here on, dropping `server` removes the folder.
        let mut server = TestPostgres {
            bin,
            dir,
            port: 0,
            as_system_user,
        };
        server.prepare_dir()?;
        server.initdb()?;
        let mut attempt = 1;
        loop {
            server.port = free_port()?;
            match server.pg_ctl_start() {
                Ok(()) => break,
                Err(_) if attempt < PORT_ATTEMPTS && server.port_was_taken() => {
                    println!("xtask: port {} was taken, trying another", server.port);
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        }
        server.create_database()?;
        println!(
            "xtask: PostgreSQL ({}) running on 127.0.0.1:{} with data in {}",
            server.bin.display(),
            server.port,
            server.data().display()
        );
        Ok(server)
    }

    /// The URL of the test database, `postgres://postgres@127.0.0.1:PORT/camrig_test`.
    pub fn url(&self) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{DATABASE}", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// Gives the folder to the system user (when root) and closes it to others.
    fn prepare_dir(&self) -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        if self.as_system_user {
            let uid = id_number(&["-u", SYSTEM_USER])?;
            let gid = id_number(&["-g", SYSTEM_USER])?;
            std::os::unix::fs::chown(&self.dir, Some(uid), Some(gid)).with_context(|| {
                format!(
                    "cannot give {} to the user {SYSTEM_USER}",
                    self.dir.display()
                )
            })?;
        }
        std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict access to {}", self.dir.display()))
    }

    /// A command for the server tool `tool`, run as the system user if root.
    fn server_command(&self, tool: &str) -> Command {
        server_command(&self.bin, tool, self.as_system_user, &self.dir)
    }

    fn initdb(&self) -> Result<()> {
        let mut initdb = self.server_command("initdb");
        initdb
            .arg("-D")
            .arg(self.data())
            .args(["--auth=trust", "-U", SUPERUSER, "--encoding=UTF8"])
            // The C locale always exists; the caller's LANG may not.
            .args(["--locale=C", "--no-sync"]);
        let checked = checked(&mut initdb, "initdb (creating the PostgreSQL cluster)");
        if self.as_system_user {
            checked.map(drop).with_context(|| {
                format!(
                    "as root, initdb runs as the user {SYSTEM_USER}, who must be able \
                     to reach {}; point TMPDIR elsewhere if not",
                    self.dir.display()
                )
            })
        } else {
            checked.map(drop)
        }
    }

    fn pg_ctl_start(&self) -> Result<()> {
        let socket_dir = self.dir.display().to_string();
        if socket_dir.contains('\'') {
            bail!("the temporary folder {socket_dir} contains a quote; set TMPDIR elsewhere");
        }
        // pg_ctl hands these to a shell, hence the quotes around the folder.
        let options = format!(
            "-p {} -k '{socket_dir}' -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port
        );
        // Stale log lines would confuse `port_was_taken`.
        let _ = std::fs::remove_file(self.log());
        let mut pg_ctl = self.server_command("pg_ctl");
        pg_ctl
            .args(["-w", "-t", "60", "-D"])
            .arg(self.data())
            .arg("-l")
            .arg(self.log())
            .args(["-o", &options, "start"]);
        checked(&mut pg_ctl, "pg_ctl start (starting PostgreSQL)")
            .map_err(|err| {
                let log = std::fs::read_to_string(self.log()).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(20).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                // The log goes with the folder, so its end goes in the error.
                anyhow::anyhow!(
                    "PostgreSQL did not start on port {}: {err:#}\nend of the server log:\n{}",
                    self.port,
                    tail.join("\n")
                )
            })
            .map(drop)
    }

    fn port_was_taken(&self) -> bool {
        std::fs::read_to_string(self.log())
            .is_ok_and(|log| log.contains("could not bind") || log.contains("already in use"))
    }

    fn create_database(&self) -> Result<()> {
        // Over TCP with trust authentication: any OS user may do this.
        let mut createdb = Command::new(self.bin.join("createdb"));
        createdb
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U"])
            .args([SUPERUSER, DATABASE])
            .current_dir(&self.dir);
        clear_pg_env(&mut createdb);
        checked(&mut createdb, &format!("createdb {DATABASE}")).map(drop)
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        if self.data().join("postmaster.pid").exists() {
            let mut stop = self.server_command("pg_ctl");
            stop.args(["-w", "-t", "60", "-D"])
                .arg(self.data())
                .args(["-m", "fast", "stop"]);
            match checked(&mut stop, "pg_ctl stop (stopping PostgreSQL)") {
                Ok(_) => println!("xtask: PostgreSQL on port {} stopped", self.port),
                Err(err) => eprintln!("xtask: warning: {err:#}"),
            }
        }
        if let Err(err) = std::fs::remove_dir_all(&self.dir) {
            eprintln!(
                "xtask: warning: cannot remove {}: {err}",
                self.dir.display()
            );
        }
    }
}

/// The `bin` folder of the newest PostgreSQL under `/usr/lib/postgresql`.
pub fn bin_dir() -> Result<PathBuf> {
    let missing = || {
        format!(
            "no PostgreSQL server in {INSTALL_ROOT}/*/bin \
             (the Debian package `postgresql` installs one; `cargo xtask setup test`)"
        )
    };
    let entries = std::fs::read_dir(INSTALL_ROOT).with_context(missing)?;
    let mut best: Option<(Vec<u32>, PathBuf)> = None;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(version) = name.to_str().and_then(|n| {
            n.split('.')
                .map(|p| p.parse().ok())
                .collect::<Option<Vec<u32>>>()
        }) else {
            continue;
        };
        let bin = entry.path().join("bin");
        let complete = ["initdb", "pg_ctl", "createdb"]
            .iter()
            .all(|tool| bin.join(tool).is_file());
        if complete && best.as_ref().is_none_or(|(v, _)| version > *v) {
            best = Some((version, bin));
        }
    }
    best.map(|(_, bin)| bin).with_context(missing)
}

/// A number printed by `id ARGS`.
fn id_number(args: &[&str]) -> Result<u32> {
    let what = format!("id {}", args.join(" "));
    let out = checked(Command::new("id").args(args), &what)?;
    out.trim()
        .parse()
        .with_context(|| format!("{what} printed `{}`, not a number", out.trim()))
}

/// A free TCP port on 127.0.0.1 (free when we looked).
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .context("cannot find a free port on 127.0.0.1")?;
    Ok(listener
        .local_addr()
        .context("cannot find a free port on 127.0.0.1")?
        .port())
}

/// A command for `bin/tool`, through `runuser -u postgres --` if
/// `as_system_user`, run in `cwd` (the system user may not be able to enter
/// ours) and without the `PG*` variables.
fn server_command(bin: &Path, tool: &str, as_system_user: bool, cwd: &Path) -> Command {
    let program = bin.join(tool);
    let mut command = if as_system_user {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", SYSTEM_USER, "--"]).arg(&program);
        runuser
    } else {
        Command::new(&program)
    };
    command.current_dir(cwd);
    clear_pg_env(&mut command);
    command
}

fn clear_pg_env(command: &mut Command) {
    for var in PG_ENV {
        command.env_remove(var);
    }
}

/// Runs `command`; its standard output if it succeeds, else an error
/// naming `what` with the command's standard error.
fn checked(command: &mut Command, what: &str) -> Result<String> {
    let shown = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ");
    let Output {
        status,
        stdout,
        stderr,
    } = command
        .output()
        .with_context(|| format!("{what}: cannot run {shown}"))?;
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        let stdout = String::from_utf8_lossy(&stdout);
        let detail = if stderr.trim().is_empty() {
            stdout.trim()
        } else {
            stderr.trim()
        };
        bail!("{what} failed ({status}): {shown}\n{detail}");
    }
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}

/// Stops the servers and removes the folders that earlier runs left in the
/// temporary folder, when the xtask process that made them is gone (it was
/// killed before it could clean up). Only folders owned by `owner` (the
/// user ours belong to) count: those of other users are not ours to remove.
/// Failures here only print warnings.
fn remove_stale(bin: &Path, as_system_user: bool, owner: u32) {
    use std::os::unix::fs::MetadataExt;
    let temp = std::env::temp_dir();
    let Ok(entries) = std::fs::read_dir(&temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let dir = entry.path();
        let ours = std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir() && m.uid() == owner);
        if !ours || Path::new("/proc").join(pid.to_string()).exists() {
            continue; // Not ours, or its run may still be going.
        }
        let data = dir.join("data");
        println!("xtask: removing {} left by an earlier run", dir.display());
        if data.join("postmaster.pid").exists() {
            let mut stop = server_command(bin, "pg_ctl", as_system_user, &temp);
            stop.args(["-w", "-t", "60", "-D"])
                .arg(&data)
                .args(["-m", "immediate", "stop"]);
            if let Err(err) = checked(&mut stop, "pg_ctl stop (an earlier run's server)") {
                // Usually the server is simply no longer running.
                eprintln!("xtask: note: {err:#}");
            }
        }
        if let Err(err) = std::fs::remove_dir_all(&dir) {
            eprintln!("xtask: warning: cannot remove {}: {err}", dir.display());
        }
    }
}
