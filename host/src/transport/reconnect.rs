//! A line that reopens itself: when the cable is pulled or the socket closes, the next
//! operation after a backoff delay opens a fresh connection; meanwhile operations fail fast
//! with `Disconnected` and the device reports offline.
//!
//! One case skips the wait: an exchange that has not yet sent anything, on a line whose device
//! has already closed it (a network register rebooted while the line was idle). See
//! `Reconnecting::unsent` for the rule and why it can never repeat a command.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{Line, Peer, Port, PortError, SendError};

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub struct Reconnecting {
    open: Box<dyn FnMut() -> Result<Line, PortError> + Send>,
    line: Option<Line>,
    next_attempt: Instant,
    backoff: Duration,
    last_error: Option<PortError>,
    /// Mirrors `line.is_some()` for whoever watches the device while the line is lent out.
    connected: Arc<AtomicBool>,
    /// No byte of the exchange in progress (one driver call, from `begin_exchange`) has been
    /// handed to any connection yet.
    ///
    /// The rule, and the only place the host sends on a new connection what it meant for the old
    /// one: while this holds, a connection whose device is gone (it closed or reset it, as
    /// `Port::peer` tells without sending anything) is replaced at once, without waiting out the
    /// backoff, and so is one that refuses the exchange's first write whole
    /// (`SendError::Unsent`). It is safe because nothing of this exchange ever went out on the
    /// old connection: the device cannot have received, let alone executed, any of it, so sending
    /// it on the new one sends it once. For the same reason it is one exchange's bytes only: the
    /// previous exchange ended (answered, or failed to the core, which settles a lost answer by
    /// asking the device, never by resending), and what is sent now is what the driver decided
    /// for this call. (The Shtrih-M driver's first write is its ENQ probe, harmless anyway.)
    ///
    /// Once a byte may have gone out, a dropped connection surfaces as `Disconnected`, as it
    /// always did: the device may hold part of a command, or have executed it and lost the
    /// answer, and only the core may decide what happens next.
    unsent: bool,
}

impl Reconnecting {
    pub fn new(open: impl FnMut() -> Result<Line, PortError> + Send + 'static) -> Self {
        Self {
            open: Box::new(open),
            line: None,
            next_attempt: Instant::now(),
            backoff: FIRST_BACKOFF,
            last_error: None,
            connected: Arc::new(AtomicBool::new(false)),
            unsent: true,
        }
    }

    /// A flag that is true while a connection is open, readable while the line is lent out.
    pub fn connected_flag(&self) -> Arc<AtomicBool> {
        self.connected.clone()
    }

    /// Whether a connection is open now (not whether the device answers on it).
    pub fn is_connected(&self) -> bool {
        self.line.is_some()
    }

    pub fn last_error(&self) -> Option<&PortError> {
        self.last_error.as_ref()
    }

    /// The open line, opening one if the backoff allows.
    fn line(&mut self) -> Result<&mut Line, PortError> {
        if self.line.is_none() {
            if Instant::now() < self.next_attempt {
                return Err(PortError::Disconnected);
            }
            match (self.open)() {
                Ok(line) => {
                    self.line = Some(line);
                    self.connected.store(true, Ordering::SeqCst);
                    self.backoff = FIRST_BACKOFF;
                    self.last_error = None;
                }
                Err(e) => {
                    tracing::debug!("reopening the line failed: {e}");
                    self.fail(e);
                    return Err(PortError::Disconnected);
                }
            }
        }
        Ok(self.line.as_mut().expect("opened above"))
    }

    /// The line for an exchange that has sent nothing yet (`unsent`): a connection the device
    /// has closed is dropped and reopened now, whatever the backoff says. A live connection with
    /// bytes the device sent unasked (`Peer::Unread`) is kept, bytes and all: most likely a late
    /// answer to an exchange that failed, which the driver's protocol drains as stale (Shtrih-M
    /// acknowledges and drops it before its ENQ), and which only the protocol can tell from a
    /// message a device sends by itself; the line has no grounds to drop the device's words.
    fn unsent_line(&mut self) -> Result<&mut Line, PortError> {
        if let Some(line) = self.line.as_mut()
            && line.peer() == Peer::Gone
        {
            tracing::info!("the device closed the idle line; reopening it before the exchange");
            self.drop_for_reopen(PortError::Disconnected);
        }
        self.line()
    }

    /// Drops a connection whose loss costs the exchange nothing, so the next `line` reopens
    /// at once. The backoff still grows: should the reopen fail, the usual waits follow.
    fn drop_for_reopen(&mut self, e: PortError) {
        self.fail(e);
        self.next_attempt = Instant::now();
    }

    fn fail(&mut self, e: PortError) {
        self.line = None;
        self.connected.store(false, Ordering::SeqCst);
        self.last_error = Some(e);
        self.next_attempt = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// Passes a result through, dropping the line when it says the line is gone.
    fn watch<T>(&mut self, result: Result<T, PortError>) -> Result<T, PortError> {
        if let Err(e @ (PortError::Disconnected | PortError::Io(_))) = &result {
            self.fail(e.clone());
        }
        result
    }

    /// The first write of an exchange: on a live connection, on a fresh one if the old one is
    /// gone, or again on a fresh one if the old one refused it whole. Only once: a second
    /// refusal is the device being down, which the backoff is for.
    fn first_write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        let mut result = self.unsent_line()?.send(bytes);
        if let Err(SendError::Unsent(e @ PortError::Disconnected)) = &result {
            tracing::info!("the idle line refused the exchange's first bytes; reopening it");
            self.drop_for_reopen(e.clone());
            result = self.line()?.send(bytes);
        }
        match result {
            Ok(()) => {
                self.unsent = false;
                Ok(())
            }
            Err(SendError::Unsent(e)) => self.watch(Err(e)),
            Err(SendError::MaybeSent(e)) => {
                self.unsent = false;
                self.watch(Err(e))
            }
        }
    }
}

impl Port for Reconnecting {
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        if self.unsent {
            return self.first_write(bytes);
        }
        let result = self.line()?.write(bytes);
        self.watch(result)
    }

    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        // A read sends nothing: before the exchange's first write it may use a fresh line too.
        let line = if self.unsent {
            self.unsent_line()?
        } else {
            self.line()?
        };
        let result = line.read(max, timeout);
        self.watch(result)
    }

    fn discard_input(&mut self) {
        if let Some(line) = self.line.as_mut() {
            line.discard_input();
        }
    }

    fn begin_exchange(&mut self) {
        self.unsent = true;
    }

    /// What the open connection knows; no connection is a device out of reach.
    fn peer(&mut self) -> Peer {
        self.line.as_mut().map_or(Peer::Gone, |line| line.peer())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TcpLine;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A network device's port on the loopback, and a `Reconnecting` TCP line to it that counts
    /// its connects.
    fn network_device() -> (TcpListener, Reconnecting, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let opened = Arc::new(AtomicUsize::new(0));
        let counter = opened.clone();
        let line = Reconnecting::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(TcpLine::connect(&address, Duration::from_secs(5))?) as Line)
        });
        (listener, line, opened)
    }

    /// What the device's end of one connection received, `n` bytes.
    fn received(device: &mut TcpStream, n: usize) -> Vec<u8> {
        device
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut got = vec![0u8; n];
        device.read_exact(&mut got).unwrap();
        got
    }

    /// Whether the host has opened a connection the device has not accepted yet.
    fn waiting_connection(listener: &TcpListener) -> bool {
        listener.set_nonblocking(true).unwrap();
        let waiting = listener.accept().is_ok();
        listener.set_nonblocking(false).unwrap();
        waiting
    }

    /// The device closes its end, and the host's kernel learns it: on the loopback at once,
    /// but asynchronously, so wait (up to a bound) until the line says so.
    fn close_and_settle(device: TcpStream, line: &mut Reconnecting) {
        drop(device);
        for _ in 0..200 {
            if line.peer() == Peer::Gone {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("the host never saw the device close its end");
    }

    #[test]
    fn the_next_exchange_reopens_at_once_a_line_the_device_closed() {
        let (listener, mut line, opened) = network_device();
        line.write(b"status").unwrap();
        let (mut first, _) = listener.accept().unwrap();
        assert_eq!(received(&mut first, 6), b"status");
        // The device restarts while the line is idle: its end closes.
        close_and_settle(first, &mut line);
        line.begin_exchange();
        // Within the backoff a failed line would wait; an idle line the device closed does not.
        line.write(b"open shift").unwrap();
        assert_eq!(opened.load(Ordering::SeqCst), 2);
        let (mut second, _) = listener.accept().unwrap();
        assert_eq!(received(&mut second, 10), b"open shift");
    }

    #[test]
    fn a_line_dropped_mid_exchange_is_not_reopened() {
        let (listener, mut line, opened) = network_device();
        line.begin_exchange();
        line.write(b"command").unwrap();
        let (mut device, _) = listener.accept().unwrap();
        assert_eq!(received(&mut device, 7), b"command");
        // The device took the command and went away before answering.
        close_and_settle(device, &mut line);
        // The driver goes on with the same exchange (an ENQ, an ACK): that byte may not move to
        // a new connection, where it could lead to the command being sent again.
        let _ = line.write(b"?");
        assert_eq!(
            line.read(16, Duration::from_millis(500)),
            Err(PortError::Disconnected)
        );
        assert_eq!(opened.load(Ordering::SeqCst), 1);
        assert!(!waiting_connection(&listener));
    }

    #[test]
    fn bytes_the_device_sent_keep_the_line_for_the_driver() {
        let (listener, mut line, opened) = network_device();
        line.write(b"command").unwrap();
        let (mut device, _) = listener.accept().unwrap();
        assert_eq!(received(&mut device, 7), b"command");
        device.write_all(b"late answer").unwrap();
        while line.peer() != Peer::Unread {
            std::thread::sleep(Duration::from_millis(5));
        }
        line.begin_exchange();
        line.write(b"next").unwrap();
        assert_eq!(opened.load(Ordering::SeqCst), 1);
        assert_eq!(received(&mut device, 4), b"next");
        assert_eq!(
            line.read(64, Duration::from_secs(1)).unwrap(),
            b"late answer"
        );
    }

    #[test]
    fn a_device_that_stays_down_gets_the_backoff() {
        let (listener, mut line, opened) = network_device();
        line.write(b"status").unwrap();
        let (device, _) = listener.accept().unwrap();
        drop(listener);
        close_and_settle(device, &mut line);
        line.begin_exchange();
        // The reopen is tried at once and refused: the usual backoff follows.
        assert_eq!(line.write(b"status"), Err(PortError::Disconnected));
        assert_eq!(opened.load(Ordering::SeqCst), 2);
        line.begin_exchange();
        assert_eq!(line.write(b"status"), Err(PortError::Disconnected));
        assert_eq!(opened.load(Ordering::SeqCst), 2);
    }

    /// A line that looks alive and refuses its first write whole, as a socket does when the
    /// device's reset arrives between the look and the write.
    struct Refusing {
        written: Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
        refuse: bool,
    }

    impl Port for Refusing {
        fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
            self.send(bytes).map_err(SendError::into_port_error)
        }
        fn send(&mut self, bytes: &[u8]) -> Result<(), SendError> {
            if self.refuse {
                return Err(SendError::Unsent(PortError::Disconnected));
            }
            self.written.lock().unwrap().push(bytes.to_vec());
            Ok(())
        }
        fn read(&mut self, _: usize, _: Duration) -> Result<Vec<u8>, PortError> {
            Err(PortError::Timeout)
        }
        fn discard_input(&mut self) {}
    }

    #[test]
    fn a_first_write_refused_whole_goes_once_on_a_fresh_line() {
        let written = Arc::new(std::sync::Mutex::new(Vec::new()));
        let opened = Arc::new(AtomicUsize::new(0));
        let (w, counter) = (written.clone(), opened.clone());
        let mut line = Reconnecting::new(move || {
            // The first connection refuses, the next ones take.
            let refuse = counter.fetch_add(1, Ordering::SeqCst) == 0;
            Ok(Box::new(Refusing {
                written: w.clone(),
                refuse,
            }) as Line)
        });
        line.begin_exchange();
        line.write(b"command").unwrap();
        assert_eq!(opened.load(Ordering::SeqCst), 2);
        assert_eq!(*written.lock().unwrap(), vec![b"command".to_vec()]);
    }

    /// A line that is dropped after `life` writes.
    struct Mortal {
        life: usize,
    }

    impl Port for Mortal {
        fn write(&mut self, _: &[u8]) -> Result<(), PortError> {
            if self.life == 0 {
                return Err(PortError::Disconnected);
            }
            self.life -= 1;
            Ok(())
        }
        fn read(&mut self, _: usize, _: Duration) -> Result<Vec<u8>, PortError> {
            Err(PortError::Timeout)
        }
        fn discard_input(&mut self) {}
    }

    #[test]
    fn a_dropped_line_is_reopened_after_the_backoff() {
        let opened = Arc::new(AtomicUsize::new(0));
        let counter = opened.clone();
        let mut line = Reconnecting::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(Mortal { life: 1 }) as Line)
        });
        line.write(b"a").unwrap();
        assert_eq!(opened.load(Ordering::SeqCst), 1);
        assert_eq!(line.write(b"b"), Err(PortError::Disconnected));
        assert!(!line.is_connected());
        // Within the backoff: no reopen attempt, a fast failure.
        assert_eq!(line.write(b"c"), Err(PortError::Disconnected));
        assert_eq!(opened.load(Ordering::SeqCst), 1);
        std::thread::sleep(FIRST_BACKOFF + Duration::from_millis(20));
        line.write(b"d").unwrap();
        assert_eq!(opened.load(Ordering::SeqCst), 2);
        assert!(line.is_connected());
    }

    #[test]
    fn a_timeout_keeps_the_line() {
        let mut line = Reconnecting::new(|| Ok(Box::new(Mortal { life: 5 }) as Line));
        assert_eq!(
            line.read(1, Duration::from_millis(1)),
            Err(PortError::Timeout)
        );
        assert!(line.is_connected());
    }

    #[test]
    fn failing_opens_back_off_exponentially() {
        let mut line = Reconnecting::new(|| Err(PortError::Io("no such port".into())));
        assert_eq!(line.write(b"a"), Err(PortError::Disconnected));
        assert_eq!(line.backoff, FIRST_BACKOFF * 2);
        assert_eq!(
            line.last_error(),
            Some(&PortError::Io("no such port".into()))
        );
    }
}
