//! The byte port a driver's protocol code is written against.
//!
//! Inside Wasm a driver implements `Port` over the host's `transport` import; in native tests
//! the same protocol code runs over `StreamPort`, a socket to the vendor's emulator. So every
//! driver's protocol is tested against its emulator without the host, and again through the
//! host's runtime in the end-to-end tests.

use std::time::Duration;

/// Why a port operation failed; mirrors the WIT `transport-error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortError {
    /// Nothing arrived within the timeout.
    Timeout,
    /// The line dropped.
    Disconnected,
    Io(String),
}

impl std::fmt::Display for PortError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortError::Timeout => f.write_str("no reply within the timeout"),
            PortError::Disconnected => f.write_str("the line is disconnected"),
            PortError::Io(e) => write!(f, "line error: {e}"),
        }
    }
}

impl From<std::io::Error> for PortError {
    fn from(e: std::io::Error) -> Self {
        use std::io::ErrorKind;
        match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => PortError::Timeout,
            ErrorKind::BrokenPipe
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::NotConnected
            | ErrorKind::UnexpectedEof => PortError::Disconnected,
            _ => PortError::Io(e.to_string()),
        }
    }
}

/// One read of at most `max` bytes from a line whose timeout is already set: at least one
/// byte, or why not. A read of 0 bytes is the other side hanging up.
pub fn read_some(line: &mut impl std::io::Read, max: usize) -> Result<Vec<u8>, PortError> {
    let mut buf = vec![0u8; max.max(1)];
    match line.read(&mut buf)? {
        0 => Err(PortError::Disconnected),
        n => {
            buf.truncate(n);
            Ok(buf)
        }
    }
}

/// What a line can tell of its other end without sending a byte or waiting for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// Nothing says the other end went away. A line that cannot tell always says this.
    Open,
    /// The other end sent bytes nobody has read yet (and has not closed): it was there when it
    /// sent them. What they are is the protocol's business, not the line's.
    Unread,
    /// The other end closed or reset the connection: nothing written now can reach it.
    Gone,
}

/// How a write failed, as far as the line can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The line refused the write before taking a single byte of it: none of it went out.
    Unsent(PortError),
    /// The line may have taken some of the bytes before it failed.
    MaybeSent(PortError),
}

impl SendError {
    pub fn into_port_error(self) -> PortError {
        match self {
            SendError::Unsent(e) | SendError::MaybeSent(e) => e,
        }
    }
}

pub trait Port {
    /// Writes all bytes or fails.
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError>;
    /// Reads at most `max` bytes, waiting up to `timeout` for the first; at least one byte or an error.
    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError>;
    /// Drops whatever the line holds unread.
    fn discard_input(&mut self);

    /// Like `write`, telling a write refused whole from one that may have partly gone out. A
    /// line that cannot tell says `MaybeSent`, the answer that never leads to a resend.
    fn send(&mut self, bytes: &[u8]) -> Result<(), SendError> {
        self.write(bytes).map_err(SendError::MaybeSent)
    }

    /// What the line knows of its other end now, without sending or waiting.
    fn peer(&mut self) -> Peer {
        Peer::Open
    }

    /// Its user starts an exchange (one driver call): nothing written from here on has been
    /// sent before. A line that reopens itself learns from this when a reopen cannot repeat
    /// anything; other lines ignore it.
    fn begin_exchange(&mut self) {}

    /// Reads exactly `n` bytes, each chunk within `timeout`.
    fn read_exact(&mut self, n: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        let mut got = Vec::with_capacity(n);
        while got.len() < n {
            let chunk = self.read(n - got.len(), timeout)?;
            got.extend_from_slice(&chunk);
        }
        Ok(got)
    }

    /// Reads one byte within `timeout`.
    fn read_byte(&mut self, timeout: Duration) -> Result<u8, PortError> {
        Ok(self.read(1, timeout)?[0])
    }
}

/// A port over a native socket, for driver tests against an emulator.
#[cfg(not(target_arch = "wasm32"))]
pub struct StreamPort<S>(pub S);

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::{Port, PortError, StreamPort};
    use std::io::{Read, Write};
    use std::time::Duration;

    /// Sockets whose reads can time out.
    pub trait TimedStream: Read + Write {
        fn set_timeout(&self, timeout: Option<Duration>) -> std::io::Result<()>;
        fn set_nonblocking(&self, on: bool) -> std::io::Result<()>;
    }

    impl TimedStream for std::net::TcpStream {
        fn set_timeout(&self, timeout: Option<Duration>) -> std::io::Result<()> {
            self.set_read_timeout(timeout)
        }
        fn set_nonblocking(&self, on: bool) -> std::io::Result<()> {
            std::net::TcpStream::set_nonblocking(self, on)
        }
    }

    impl TimedStream for std::os::unix::net::UnixStream {
        fn set_timeout(&self, timeout: Option<Duration>) -> std::io::Result<()> {
            self.set_read_timeout(timeout)
        }
        fn set_nonblocking(&self, on: bool) -> std::io::Result<()> {
            std::os::unix::net::UnixStream::set_nonblocking(self, on)
        }
    }

    impl<S: TimedStream> Port for StreamPort<S> {
        fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
            self.0
                .write_all(bytes)
                .and_then(|()| self.0.flush())
                .map_err(PortError::from)
        }

        fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
            // A zero timeout means "poll", which a socket expresses as a 1 ms wait.
            let timeout = timeout.max(Duration::from_millis(1));
            self.0.set_timeout(Some(timeout))?;
            super::read_some(&mut self.0, max)
        }

        fn discard_input(&mut self) {
            if self.0.set_nonblocking(true).is_ok() {
                let mut buf = [0u8; 256];
                while matches!(self.0.read(&mut buf), Ok(n) if n > 0) {}
                let _ = self.0.set_nonblocking(false);
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::TimedStream;
