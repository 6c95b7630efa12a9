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

/// A port that reads ahead: one read of the line takes whatever it holds (up to `CHUNK`
/// bytes) and later reads are served from it, so a protocol that reads an answer byte by byte
/// (an ACK, then STX, length and body) asks the line once. Inside Wasm each read of the line is
/// a call to the host with its arguments lifted and its bytes lowered (~1.7 K instructions
/// beyond the read itself; issue 20, BENCHMARKS.md). It changes nothing a protocol can see:
/// bytes come in the order they arrived, a read still waits for its first byte only when none
/// is held, and `discard_input` drops what is held with what the line holds.
pub struct ReadAhead<P> {
    port: P,
    held: std::collections::VecDeque<u8>,
}

impl<P> ReadAhead<P> {
    /// What one read of the line takes at most: more than a register's longest answer frame
    /// (a Shtrih-M frame is at most 258 bytes).
    pub const CHUNK: usize = 512;

    pub fn new(port: P) -> Self {
        Self {
            port,
            held: std::collections::VecDeque::new(),
        }
    }

    fn take(&mut self, max: usize) -> Vec<u8> {
        let n = max.min(self.held.len());
        self.held.drain(..n).collect()
    }
}

impl<P: Port> Port for ReadAhead<P> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        self.port.write(bytes)
    }

    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        if self.held.is_empty() {
            let chunk = self.port.read(max.max(Self::CHUNK), timeout)?;
            self.held.extend(chunk);
        }
        Ok(self.take(max))
    }

    fn discard_input(&mut self) {
        self.held.clear();
        self.port.discard_input();
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), SendError> {
        self.port.send(bytes)
    }

    fn peer(&mut self) -> Peer {
        self.port.peer()
    }

    fn begin_exchange(&mut self) {
        self.port.begin_exchange()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A line that holds the bytes the device sent, in the pieces it sent them, and counts
    /// the reads asked of it.
    #[derive(Default)]
    struct Line {
        pieces: VecDeque<Vec<u8>>,
        reads: usize,
        discarded: usize,
    }

    impl Port for Line {
        fn write(&mut self, _: &[u8]) -> Result<(), PortError> {
            Ok(())
        }
        fn read(&mut self, max: usize, _: Duration) -> Result<Vec<u8>, PortError> {
            self.reads += 1;
            let piece = self.pieces.front_mut().ok_or(PortError::Timeout)?;
            let n = max.min(piece.len());
            let bytes: Vec<u8> = piece.drain(..n).collect();
            if piece.is_empty() {
                self.pieces.pop_front();
            }
            Ok(bytes)
        }
        fn discard_input(&mut self) {
            self.discarded += 1;
            self.pieces.clear();
        }
    }

    const T: Duration = Duration::from_millis(10);

    #[test]
    fn an_answer_read_byte_by_byte_is_one_read_of_the_line_in_the_order_it_came() {
        // ACK, then a frame: STX, length, three bytes of body and its LRC, as one piece.
        let mut port = ReadAhead::new(Line {
            pieces: [vec![0x06, 0x02, 0x03, 0x11, 0x22, 0x33, 0x44]].into(),
            ..Line::default()
        });
        assert_eq!(port.read_byte(T).unwrap(), 0x06);
        assert_eq!(port.read_byte(T).unwrap(), 0x02);
        assert_eq!(port.read_byte(T).unwrap(), 0x03);
        assert_eq!(port.read_exact(4, T).unwrap(), [0x11, 0x22, 0x33, 0x44]);
        assert_eq!(port.port.reads, 1);
        // Nothing held and nothing on the line: the line's own answer.
        assert_eq!(port.read_byte(T), Err(PortError::Timeout));
    }

    #[test]
    fn what_is_held_goes_with_a_discard_and_pieces_are_read_as_they_come() {
        let mut port = ReadAhead::new(Line {
            pieces: [vec![0x15, 0xAA, 0xBB], vec![0xCC]].into(),
            ..Line::default()
        });
        assert_eq!(port.read_byte(T).unwrap(), 0x15);
        // A stray tail is dropped with the line's input: the next byte is the device's next.
        port.discard_input();
        assert_eq!(port.port.discarded, 1);
        assert_eq!(port.read_byte(T), Err(PortError::Timeout));
        port.port.pieces.push_back(vec![0x06]);
        port.port.pieces.push_back(vec![0x02, 0x01]);
        assert_eq!(port.read_byte(T).unwrap(), 0x06);
        assert_eq!(port.read_exact(2, T).unwrap(), [0x02, 0x01]);
    }
}
