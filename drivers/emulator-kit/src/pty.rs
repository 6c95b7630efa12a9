//! A pseudo-terminal in raw mode: the device serves the master side, the host opens the slave
//! path (`/dev/pts/N`) with its serial transport, exactly as it would open `/dev/ttyUSB0`.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::sync::Mutex;

use nix::pty::{OpenptyResult, openpty};
use nix::sys::termios::{self, SetArg};

use crate::{Device, Faults, Lines, Traffic};

pub(crate) fn open_raw() -> io::Result<(OwnedFd, PathBuf)> {
    let OpenptyResult { master, slave } = openpty(None, None).map_err(io::Error::from)?;
    // Raw mode on both ends: no echo, no CR/LF translation, no signals on 0x03, every byte as is.
    for fd in [&master, &slave] {
        let mut attrs = termios::tcgetattr(fd.as_fd()).map_err(io::Error::from)?;
        termios::cfmakeraw(&mut attrs);
        termios::tcsetattr(fd.as_fd(), SetArg::TCSANOW, &attrs).map_err(io::Error::from)?;
    }
    let path = std::fs::read_link(format!(
        "/proc/self/fd/{}",
        std::os::fd::AsRawFd::as_raw_fd(&slave)
    ))?;
    // The slave stays open in this process on purpose: closing its last descriptor would make
    // the master read EIO until the host opens it, and the host may open it late.
    std::mem::forget(slave);
    Ok((master, path))
}

/// Serves the master side. A pty cannot be unplugged: a hangup only drops the partial frame,
/// and the line goes on serving (the host sees a lost reply).
pub(crate) fn serve<D: Device>(
    master: OwnedFd,
    lines: &Lines,
    device: &Mutex<D>,
    faults: &Faults,
    traffic: &Traffic,
) {
    let file = File::from(master);
    loop {
        let line = match file.try_clone() {
            Ok(f) => f,
            Err(_) => return,
        };
        crate::pump::serve(line, lines.open(), device, faults, traffic, None);
        // EIO while no one has the slave open would spin; the slave is kept open above, so
        // reaching here means the device hung up: serve on.
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
