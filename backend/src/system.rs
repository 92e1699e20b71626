//! The machine-level actions an operator may take from the browser: reboot
//! and shut down through configured commands (`system.reboot_command`,
//! `system.shutdown_command`; systemd by default), the system log through
//! `system.log_command`, and the server's own restart in place. Commands
//! run without a shell, with a time limit; their failure comes back to the
//! operator with the command's own words.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use shared::operations::SystemLog;
use tokio_util::sync::CancellationToken;

use crate::config::SystemConfig;
use crate::error::ApiError;

/// How long a reboot or shutdown command may take to answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
/// Most bytes of the system log passed to the page.
const MAX_LOG_BYTES: usize = 2 * 1024 * 1024;
/// Time for the answer to a restart to reach the operator before the
/// server stops accepting.
const RESTART_GRACE: Duration = Duration::from_millis(300);

/// Runs the machine-level actions; cheap to clone.
#[derive(Clone)]
pub struct System(Arc<Inner>);

struct Inner {
    config: SystemConfig,
    /// Cancelled to stop the server for a restart.
    restart: CancellationToken,
    requested: AtomicBool,
}

/// What a command printed.
#[derive(Debug)]
struct Output {
    text: String,
}

impl System {
    /// The actions with these commands.
    pub fn new(config: SystemConfig) -> Self {
        System(Arc::new(Inner {
            config,
            restart: CancellationToken::new(),
            requested: AtomicBool::new(false),
        }))
    }

    /// Reboots the machine; answers once the command has accepted.
    pub async fn reboot(&self) -> Result<Value, ApiError> {
        self.machine(&self.0.config.reboot_command, "rebooting")
            .await
    }

    /// Shuts the machine down; answers once the command has accepted.
    pub async fn shutdown(&self) -> Result<Value, ApiError> {
        self.machine(&self.0.config.shutdown_command, "shutting down")
            .await
    }

    async fn machine(&self, command: &[String], what: &str) -> Result<Value, ApiError> {
        tracing::warn!(command = %command.join(" "), "{what} the machine at an operator's request");
        let output = run(command, COMMAND_TIMEOUT).await?;
        Ok(
            json!({ "command": command.join(" "), "output": output.text, "message": format!("the machine is {what}") }),
        )
    }

    /// The system log: what `system.log_command` prints (its last 2 MB).
    pub async fn system_log(&self) -> Result<SystemLog, ApiError> {
        let command = &self.0.config.log_command;
        let output = run(command, COMMAND_TIMEOUT).await?;
        let mut text = output.text;
        if text.len() > MAX_LOG_BYTES {
            let mut cut = text.len() - MAX_LOG_BYTES;
            while !text.is_char_boundary(cut) {
                cut += 1;
            }
            text.drain(..cut);
        }
        Ok(SystemLog {
            command: command.join(" "),
            text,
        })
    }

    /// Asks the server to stop and start again in place; the answer to
    /// the operator goes out first.
    pub fn restart_server(&self) -> Value {
        tracing::warn!("restarting the server at an operator's request");
        self.0.requested.store(true, Ordering::SeqCst);
        let token = self.0.restart.clone();
        tokio::spawn(async move {
            tokio::time::sleep(RESTART_GRACE).await;
            token.cancel();
        });
        json!({ "pid": std::process::id(), "message": "the server is restarting" })
    }

    /// Cancelled when a restart was asked for; the server stops on it.
    pub fn restart_token(&self) -> CancellationToken {
        self.0.restart.clone()
    }

    /// Whether the server stopped to restart.
    pub fn restart_requested(&self) -> bool {
        self.0.requested.load(Ordering::SeqCst)
    }
}

/// Runs `command` (program and arguments, no shell) and waits for it.
async fn run(command: &[String], timeout: Duration) -> Result<Output, ApiError> {
    let shown = command.join(" ");
    let Some((program, args)) = command.split_first() else {
        return Err(ApiError::NotSupported("no command is configured".into()));
    };
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| ApiError::Unavailable(format!("cannot run `{shown}`: {e}")))?;
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| {
            ApiError::Unavailable(format!(
                "`{shown}` did not finish within {} s",
                timeout.as_secs()
            ))
        })?
        .map_err(|e| ApiError::Unavailable(format!("`{shown}` failed: {e}")))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said = stderr.trim();
        let said = if said.is_empty() { text.trim() } else { said };
        return Err(ApiError::Unavailable(format!(
            "`{shown}` failed ({}): {said}",
            output.status
        )));
    }
    Ok(Output { text })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[tokio::test]
    async fn a_failing_command_says_what_it_said() {
        let err = run(&words("ls /camrig-no-such-folder"), COMMAND_TIMEOUT)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("`ls /camrig-no-such-folder` failed"), "{err}");
        assert!(err.contains("No such file"), "{err}");
        let err = run(&words("camrig-no-such-program"), COMMAND_TIMEOUT)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot run `camrig-no-such-program`"), "{err}");
    }

    #[tokio::test]
    async fn the_system_log_is_what_the_command_prints() {
        let system = System::new(SystemConfig {
            reboot_command: words("true"),
            shutdown_command: words("true"),
            log_command: words("echo kernel: hello"),
        });
        let log = system.system_log().await.unwrap();
        assert_eq!(log.text, "kernel: hello\n");
    }
}
