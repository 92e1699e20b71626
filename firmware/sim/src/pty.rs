//! A pseudo-terminal standing in for the board's USB or UART serial port.
//! The simulator keeps the controller side; the server opens the device
//! side (`/dev/pts/N`) like any serial port. A stable symlink can point at
//! it, so "unplugging" (closing the pty, which the server sees as an I/O
//! error) and "replugging" (a new pty, the symlink moved) keep one path.

use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};

/// An open pseudo-terminal.
pub struct Pty {
    /// The controller side: what the board reads and writes.
    pub controller: File,
    /// Held open so the device side keeps its raw settings between opens.
    _device: OwnedFd,
    /// The device side's path, for example `/dev/pts/3`.
    pub path: PathBuf,
}

impl Pty {
    /// Opens a pty in raw mode (no echo, no line editing, no CR/LF
    /// translation), like a serial port.
    pub fn open() -> io::Result<Self> {
        let pair = nix::pty::openpty(None, None).map_err(io::Error::from)?;
        let mut termios = tcgetattr(&pair.slave).map_err(io::Error::from)?;
        cfmakeraw(&mut termios);
        tcsetattr(&pair.slave, SetArg::TCSANOW, &termios).map_err(io::Error::from)?;
        let path = nix::unistd::ttyname(&pair.slave).map_err(io::Error::from)?;
        Ok(Pty {
            controller: File::from(pair.master),
            _device: pair.slave,
            path,
        })
    }
}

/// Points `link` at `target`, replacing whatever `link` was.
pub fn relink(link: &Path, target: &Path) -> io::Result<()> {
    let staging = link.with_extension("new");
    let _ = std::fs::remove_file(&staging);
    std::os::unix::fs::symlink(target, &staging)?;
    std::fs::rename(&staging, link)
}
