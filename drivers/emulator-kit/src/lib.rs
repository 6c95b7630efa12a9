//! What every device emulator shares: the byte pump that feeds a device model, the fault
//! switches tests flip, and the three ways to reach an emulator: an in-process link (the
//! embedded default), a TCP listener, and a pseudo-terminal whose `/dev/pts/N` path the host's
//! serial transport opens like a real port.
//!
//! A device model only turns bytes into reactions (`Device::receive`); it never touches
//! sockets, threads or clocks, so the same model serves all three ways and unit tests.

mod faults;
mod inline;
mod pty;
mod pump;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use faults::{Fault, Faults};
pub use inline::InlineLine;
pub use pump::LineRate;

/// What a device does after bytes arrived, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reaction {
    /// Send these bytes to the host.
    Send(Vec<u8>),
    /// Wait before the next reaction (a slow device).
    Wait(Duration),
    /// Drop the line (cable pulled, socket closed); the device keeps its state.
    Hangup,
}

/// The reactions a device pushes while it handles bytes.
#[derive(Debug, Default)]
pub struct Reactions(Vec<Reaction>);

impl Reactions {
    pub fn send(&mut self, bytes: impl Into<Vec<u8>>) {
        self.0.push(Reaction::Send(bytes.into()));
    }
    pub fn wait(&mut self, duration: Duration) {
        self.0.push(Reaction::Wait(duration));
    }
    pub fn hangup(&mut self) {
        self.0.push(Reaction::Hangup);
    }
    pub fn into_vec(self) -> Vec<Reaction> {
        self.0
    }
    pub fn as_slice(&self) -> &[Reaction] {
        &self.0
    }
    /// All bytes the reactions send, for unit tests of a device model.
    pub fn sent_bytes(&self) -> Vec<u8> {
        self.0
            .iter()
            .filter_map(|r| match r {
                Reaction::Send(b) => Some(b.as_slice()),
                _ => None,
            })
            .flatten()
            .copied()
            .collect()
    }
}

/// How much printed history (paper, tape, registered receipts) an emulator keeps: enough for any
/// test to read back, bounded so an emulator serving a long load run does not grow without end.
pub const HISTORY: usize = 1_000;

/// Appends to a history, forgetting the oldest entries beyond `HISTORY` (in batches, so the
/// forgetting costs nothing per entry).
pub fn remember<T>(history: &mut Vec<T>, entry: T) {
    if history.len() >= 2 * HISTORY {
        history.drain(..history.len() - HISTORY);
    }
    history.push(entry);
}

/// A device model: state plus what it answers to bytes from the host.
///
/// Bytes arrive in whatever pieces the line delivers them; the model buffers partial frames
/// itself. `faults` holds what a test asked it to get wrong.
pub trait Device: Send + 'static {
    fn receive(&mut self, bytes: &[u8], faults: &Faults, out: &mut Reactions);

    /// The line was dropped or reopened: forget partial input.
    fn reset_line(&mut self) {}
}

/// A running emulator: one device model, shared by every line that reaches it, so its state
/// (shift, counters, paper) survives reconnections like a real device's.
pub struct Emulator<D: Device> {
    device: Arc<Mutex<D>>,
    faults: Faults,
    traffic: Arc<Traffic>,
}

impl<D: Device> Clone for Emulator<D> {
    fn clone(&self) -> Self {
        Self {
            device: self.device.clone(),
            faults: self.faults.clone(),
            traffic: self.traffic.clone(),
        }
    }
}

/// Bytes that crossed the line, both ways, over every connection: what a real line would have
/// had to carry (benchmarks turn it into time on the wire at a baud rate).
#[derive(Debug, Default)]
pub struct Traffic {
    from_host: std::sync::atomic::AtomicU64,
    to_host: std::sync::atomic::AtomicU64,
}

impl Traffic {
    /// (bytes received from the host, bytes sent to the host)
    pub fn totals(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.from_host.load(Relaxed), self.to_host.load(Relaxed))
    }

    pub(crate) fn count(&self, from_host: usize, to_host: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        self.from_host.fetch_add(from_host as u64, Relaxed);
        self.to_host.fetch_add(to_host as u64, Relaxed);
    }
}

impl<D: Device> Emulator<D> {
    pub fn new(device: D) -> Self {
        Self {
            device: Arc::new(Mutex::new(device)),
            faults: Faults::default(),
            traffic: Arc::default(),
        }
    }

    /// The bytes this emulator has received and sent so far.
    pub fn traffic(&self) -> (u64, u64) {
        self.traffic.totals()
    }

    /// The switches tests flip to make the device misbehave.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Reads or changes the model's state (a test checks the counters, say).
    pub fn with_device<R>(&self, f: impl FnOnce(&mut D) -> R) -> R {
        f(&mut self.device.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// An in-process line to the device: the host's end of a socket pair whose other end a
    /// pump thread serves. Each call is a fresh line (a reconnection).
    pub fn connect(&self) -> io::Result<UnixStream> {
        self.connect_at(None)
    }

    /// A line served on the caller's own thread: no pump thread, no socket (see `inline`).
    pub fn connect_inline(&self) -> InlineLine<D> {
        InlineLine::new(
            self.device.clone(),
            self.faults.clone(),
            self.traffic.clone(),
        )
    }

    /// As `connect`, with the line paced like a serial cable at `baud` (None: at once).
    pub fn connect_at(&self, baud: Option<u32>) -> io::Result<UnixStream> {
        let (host_end, device_end) = UnixStream::pair()?;
        let (device, faults, traffic) = (
            self.device.clone(),
            self.faults.clone(),
            self.traffic.clone(),
        );
        std::thread::Builder::new()
            .name("emulator-link".into())
            .spawn(move || {
                let rate = baud.map(|baud| LineRate { baud });
                pump::serve(device_end, &device, &faults, &traffic, rate)
            })?;
        Ok(host_end)
    }

    /// Serves the device on TCP; one connection at a time, like a network register.
    pub fn serve_tcp(&self, addr: SocketAddr) -> io::Result<(SocketAddr, JoinHandle<()>)> {
        let listener = TcpListener::bind(addr)?;
        let bound = listener.local_addr()?;
        let (device, faults, traffic) = (
            self.device.clone(),
            self.faults.clone(),
            self.traffic.clone(),
        );
        let handle = std::thread::Builder::new()
            .name("emulator-tcp".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let _ = stream.set_nodelay(true);
                    pump::serve(stream, &device, &faults, &traffic, None);
                }
            })?;
        Ok((bound, handle))
    }

    /// Serves the device on a new pseudo-terminal and returns the path of its slave side
    /// (`/dev/pts/N`), which the host opens as a serial port.
    pub fn serve_pty(&self) -> io::Result<(PathBuf, JoinHandle<()>)> {
        let (master, path) = pty::open_raw()?;
        let (device, faults, traffic) = (
            self.device.clone(),
            self.faults.clone(),
            self.traffic.clone(),
        );
        let handle = std::thread::Builder::new()
            .name("emulator-pty".into())
            .spawn(move || pty::serve(master, &device, &faults, &traffic))?;
        Ok((path, handle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// Answers every byte with the byte plus one; hangs up on 0xFF.
    struct Plus1;

    impl Device for Plus1 {
        fn receive(&mut self, bytes: &[u8], _: &Faults, out: &mut Reactions) {
            for &b in bytes {
                if b == 0xFF {
                    out.hangup();
                    return;
                }
                out.send(vec![b + 1]);
            }
        }
    }

    fn exchange(line: &mut (impl Read + Write), bytes: &[u8]) -> Vec<u8> {
        line.write_all(bytes).unwrap();
        let mut got = vec![0u8; bytes.len()];
        line.read_exact(&mut got).unwrap();
        got
    }

    #[test]
    fn in_process_link_reaches_the_device_and_reconnects() {
        let emulator = Emulator::new(Plus1);
        let mut line = emulator.connect().unwrap();
        assert_eq!(exchange(&mut line, &[1, 2, 0x10]), [2, 3, 0x11]);
        line.write_all(&[0xFF]).unwrap();
        let mut rest = Vec::new();
        line.read_to_end(&mut rest).unwrap(); // hangup: the line closes
        assert!(rest.is_empty());
        let mut again = emulator.connect().unwrap();
        assert_eq!(exchange(&mut again, &[7]), [8]);
        // 1, 2, 0x10, 0xFF, 7 in; 2, 3, 0x11, 8 out
        assert_eq!(emulator.traffic(), (5, 4));
    }

    #[test]
    fn tcp_serves_the_same_device() {
        let emulator = Emulator::new(Plus1);
        let (addr, _) = emulator.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
        let mut line = std::net::TcpStream::connect(addr).unwrap();
        assert_eq!(exchange(&mut line, &[0x02, 0x05]), [0x03, 0x06]);
    }

    #[test]
    fn pty_passes_every_byte_untouched() {
        let emulator = Emulator::new(Plus1);
        let (path, _) = emulator.serve_pty().unwrap();
        assert!(path.to_string_lossy().starts_with("/dev/pts/"), "{path:?}");
        let mut line = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        // Bytes a cooked terminal would eat or translate: ^C, CR, LF, ^D, DEL.
        let tricky = [0x03, 0x0D, 0x0A, 0x04, 0x7E, 0x11, 0x13];
        let expected: Vec<u8> = tricky.iter().map(|b| b + 1).collect();
        assert_eq!(exchange(&mut line, &tricky), expected);
    }

    #[test]
    fn slow_reply_delays_the_answer() {
        let emulator = Emulator::new(Plus1);
        emulator
            .faults()
            .inject(Fault::SlowReply(Duration::from_millis(200)));
        let mut line = emulator.connect().unwrap();
        let started = std::time::Instant::now();
        assert_eq!(exchange(&mut line, &[1]), [2]);
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    #[test]
    fn a_paced_line_takes_the_wire_time_both_ways() {
        let emulator = Emulator::new(Plus1);
        let mut line = emulator.connect_at(Some(9600)).unwrap();
        let bytes = [1u8; 96];
        let started = std::time::Instant::now();
        assert_eq!(exchange(&mut line, &bytes), [2u8; 96]);
        // 96 bytes in (100 ms at 9600 8N1), then 96 one-byte answers of 1.04 ms each.
        let wire = LineRate { baud: 9600 }.time_for(96) * 2;
        assert_eq!(wire, Duration::from_millis(200));
        assert!(started.elapsed() >= wire, "{:?}", started.elapsed());
    }

    #[test]
    fn a_history_keeps_at_least_the_last_entries_and_never_twice_the_bound() {
        let mut history = Vec::new();
        for i in 0..(5 * HISTORY) {
            remember(&mut history, i);
            assert!(history.len() <= 2 * HISTORY);
        }
        assert!(history.len() >= HISTORY);
        assert_eq!(history.last(), Some(&(5 * HISTORY - 1)));
        let first = history[0];
        assert!(history.iter().enumerate().all(|(k, v)| *v == first + k));
    }
}
