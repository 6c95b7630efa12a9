//! TCP lines to network devices (a register's or terminal's LAN port, a printer's 9100).
//!
//! Beyond bytes, a TCP line can tell two things a serial line cannot, and `Reconnecting` needs
//! both to reopen a line without ever repeating a command:
//! - whether the device has already closed or reset the connection (`Port::peer`), learned with
//!   a zero-timeout poll(2): POLLRDHUP is the device's FIN (Linux reports it even when unread
//!   bytes are queued before it), POLLERR a pending socket error such as ECONNRESET, POLLHUP both;
//! - whether a failed write was refused whole (`Port::send`): when the first write(2) of a
//!   command fails, the kernel took none of its bytes, so none can reach the device.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::Duration;

use nix::libc;

use super::{Peer, Port, PortError, SendError};

pub struct TcpLine {
    stream: TcpStream,
}

impl TcpLine {
    /// Connects within `timeout`, Nagle off: a command frame goes out as soon as it is written.
    pub fn connect(address: &str, timeout: Duration) -> Result<Self, PortError> {
        let addr = resolve(address)?;
        let stream = TcpStream::connect_timeout(&addr, timeout)
            .map_err(|e| PortError::Io(format!("connect {address}: {e}")))?;
        Ok(Self::from_stream(stream))
    }

    pub fn from_stream(stream: TcpStream) -> Self {
        stream.set_nodelay(true).ok();
        Self { stream }
    }
}

fn resolve(address: &str) -> Result<std::net::SocketAddr, PortError> {
    use std::net::ToSocketAddrs;
    address
        .to_socket_addrs()
        .map_err(|e| PortError::Io(format!("resolve {address}: {e}")))?
        .next()
        .ok_or_else(|| PortError::Io(format!("{address} resolves to no address")))
}

impl Port for TcpLine {
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        self.send(bytes).map_err(SendError::into_port_error)
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), SendError> {
        let mut taken = 0;
        while taken < bytes.len() {
            match self.stream.write(&bytes[taken..]) {
                Ok(0) => {
                    let e = PortError::Disconnected;
                    return Err(if taken == 0 {
                        SendError::Unsent(e)
                    } else {
                        SendError::MaybeSent(e)
                    });
                }
                Ok(n) => taken += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // The kernel returned an error for this write(2): it queued none of its bytes.
                Err(e) if taken == 0 => return Err(SendError::Unsent(e.into())),
                Err(e) => return Err(SendError::MaybeSent(e.into())),
            }
        }
        Ok(())
    }

    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        // A zero timeout means "poll", which a socket expresses as a 1 ms wait.
        self.stream
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        driver_kit::read_some(&mut self.stream, max)
    }

    fn discard_input(&mut self) {
        if self.stream.set_nonblocking(true).is_ok() {
            let mut buf = [0u8; 256];
            while matches!(self.stream.read(&mut buf), Ok(n) if n > 0) {}
            let _ = self.stream.set_nonblocking(false);
        }
    }

    fn peer(&mut self) -> Peer {
        let mut fd = libc::pollfd {
            fd: self.stream.as_raw_fd(),
            events: libc::POLLIN | libc::POLLRDHUP,
            revents: 0,
        };
        // SAFETY: one pollfd, valid for the call, naming a socket this line owns; a zero
        // timeout never blocks. (nix's poll drops the flags it does not know, POLLRDHUP among them.)
        let ready = unsafe { libc::poll(&mut fd, 1, 0) };
        if ready <= 0 {
            // Nothing to report, or poll(2) itself failed (EINTR): no news, a write will tell.
            return Peer::Open;
        }
        if fd.revents & (libc::POLLRDHUP | libc::POLLERR | libc::POLLHUP) != 0 {
            Peer::Gone
        } else if fd.revents & libc::POLLIN != 0 {
            Peer::Unread
        } else {
            Peer::Open
        }
    }
}

#[cfg(test)]
mod tests {
    //! The peek rule over real socket pairs on the loopback: what `peer` says in each state a
    //! device can leave its end of the line in.

    use super::*;
    use std::net::{Shutdown, TcpListener};

    /// A connected pair: the host's line and the device's end.
    fn pair() -> (TcpLine, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let line = TcpLine::connect(
            &listener.local_addr().unwrap().to_string(),
            Duration::from_secs(5),
        )
        .unwrap();
        let (device, _) = listener.accept().unwrap();
        (line, device)
    }

    /// The kernel delivers a FIN or RST on the loopback at once, but asynchronously: what `peer`
    /// says once it says `want`, or after a bound (then the assertion shows what it said).
    fn peer_within(line: &mut TcpLine, want: Peer) -> Peer {
        let mut said = line.peer();
        for _ in 0..200 {
            if said == want {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
            said = line.peer();
        }
        said
    }

    #[test]
    fn a_device_that_closed_its_end_is_gone() {
        let (mut line, device) = pair();
        drop(device);
        assert_eq!(peer_within(&mut line, Peer::Gone), Peer::Gone);
    }

    #[test]
    fn a_device_that_reset_the_connection_is_gone() {
        let (mut line, device) = pair();
        // Unread bytes at close make the device's kernel answer with RST instead of FIN.
        line.write(b"unread by the device").unwrap();
        std::thread::sleep(Duration::from_millis(20));
        drop(device);
        assert_eq!(peer_within(&mut line, Peer::Gone), Peer::Gone);
        // The refused write is reported as such: nothing of it went out.
        assert!(matches!(line.send(b"x"), Err(SendError::Unsent(_))));
    }

    #[test]
    fn an_idle_live_device_is_open() {
        let (mut line, device) = pair();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(line.peer(), Peer::Open);
        // Asking changed nothing: the line still carries bytes both ways.
        line.write(b"ping").unwrap();
        let mut device = device;
        let mut got = [0u8; 4];
        device.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"ping");
        assert_eq!(line.peer(), Peer::Open);
    }

    #[test]
    fn bytes_a_live_device_sent_are_left_for_the_driver() {
        let (mut line, mut device) = pair();
        device.write_all(b"late answer").unwrap();
        assert_eq!(peer_within(&mut line, Peer::Unread), Peer::Unread);
        // Asking did not consume them: the driver's protocol reads them and decides.
        assert_eq!(
            line.read(64, Duration::from_secs(1)).unwrap(),
            b"late answer"
        );
        assert_eq!(line.peer(), Peer::Open);
    }

    #[test]
    fn a_device_that_sent_bytes_and_then_closed_is_gone() {
        let (mut line, mut device) = pair();
        device.write_all(b"last words").unwrap();
        device.shutdown(Shutdown::Write).unwrap();
        // The FIN behind the unread bytes wins: they answer an exchange that is over.
        assert_eq!(peer_within(&mut line, Peer::Gone), Peer::Gone);
    }
}
