//! What every device emulator shares: the byte pump that feeds a device model, the fault
//! switches tests flip, and the three ways to reach an emulator: an in-process link (the
//! embedded default), a TCP listener, and a pseudo-terminal whose `/dev/pts/N` path the host's
//! serial transport opens like a real port.
//!
//! A device model only turns bytes into reactions (`Device::receive`); it never touches
//! sockets, threads or clocks, so the same model serves all three ways and unit tests. When it
//! needs time to pass without input (a customer at the PIN pad, a host that went silent), it
//! asks for a timer with a reaction, and the line it is reached by calls `Device::on_timer`
//! once the time is up: the pump thread waits for input or the timer, whichever comes first;
//! the inline link fires a due timer inside the host's own read (or before its next write).

mod faults;
mod inline;
mod pty;
mod pump;
mod timers;

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
    /// Call `Device::on_timer(id)` once `after` has passed, counted from when the reactions
    /// before this one have been carried out. Input arriving first is handed to `receive` as
    /// usual and leaves the timer armed: the device cancels it or lets it run. Arming an `id`
    /// that is armed already moves it. A dropped line forgets its timers.
    Timer { id: u32, after: Duration },
    /// Disarm timer `id` (nothing happens when it is not armed).
    CancelTimer(u32),
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
    pub fn timer(&mut self, id: u32, after: Duration) {
        self.0.push(Reaction::Timer { id, after });
    }
    pub fn cancel_timer(&mut self, id: u32) {
        self.0.push(Reaction::CancelTimer(id));
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

    /// Timer `id`, which the device armed with `Reaction::Timer`, is due. Devices that never
    /// arm one need not implement this.
    fn on_timer(&mut self, id: u32, faults: &Faults, out: &mut Reactions) {
        let _ = (id, faults, out);
    }

    /// The line was dropped or reopened: forget partial input. The line's timers are gone.
    fn reset_line(&mut self) {}
}

/// A running emulator: one device model, shared by every line that reaches it, so its state
/// (shift, counters, paper) survives reconnections like a real device's.
pub struct Emulator<D: Device> {
    device: Arc<Mutex<D>>,
    faults: Faults,
    traffic: Arc<Traffic>,
    lines: Lines,
}

impl<D: Device> Clone for Emulator<D> {
    fn clone(&self) -> Self {
        Self {
            device: self.device.clone(),
            faults: self.faults.clone(),
            traffic: self.traffic.clone(),
            lines: self.lines.clone(),
        }
    }
}

/// How many lines an emulator has opened. Every open line reaches the device (a test may play
/// a second program on it), but only the newest speaks for the line's state: an older line's
/// end, which its pump thread may notice late after a reconnection, does not reset the device
/// under the new line, and an older line's timers do not fire.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lines(Arc<std::sync::atomic::AtomicU64>);

/// One line an emulator opened.
#[derive(Debug, Clone)]
pub(crate) struct LineId {
    lines: Lines,
    id: u64,
}

impl Lines {
    /// A new line, from now on the current one.
    pub(crate) fn open(&self) -> LineId {
        use std::sync::atomic::Ordering::SeqCst;
        LineId {
            lines: self.clone(),
            id: self.0.fetch_add(1, SeqCst) + 1,
        }
    }
}

impl LineId {
    /// No line opened after this one.
    pub(crate) fn is_current(&self) -> bool {
        self.lines.0.load(std::sync::atomic::Ordering::SeqCst) == self.id
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
            lines: Lines::default(),
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
            self.lines.open(),
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
        // Opened here, before the caller can write on it or drop the line it replaces.
        let line = self.lines.open();
        std::thread::Builder::new()
            .name("emulator-link".into())
            .spawn(move || {
                let rate = baud.map(|baud| LineRate { baud });
                pump::serve(device_end, line, &device, &faults, &traffic, rate)
            })?;
        Ok(host_end)
    }

    /// Serves the device on TCP; one connection at a time, like a network register.
    pub fn serve_tcp(&self, addr: SocketAddr) -> io::Result<(SocketAddr, JoinHandle<()>)> {
        let listener = TcpListener::bind(addr)?;
        let bound = listener.local_addr()?;
        let (device, faults, traffic, lines) = (
            self.device.clone(),
            self.faults.clone(),
            self.traffic.clone(),
            self.lines.clone(),
        );
        let handle = std::thread::Builder::new()
            .name("emulator-tcp".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let _ = stream.set_nodelay(true);
                    pump::serve(stream, lines.open(), &device, &faults, &traffic, None);
                }
            })?;
        Ok((bound, handle))
    }

    /// Serves the device on a new pseudo-terminal and returns the path of its slave side
    /// (`/dev/pts/N`), which the host opens as a serial port.
    pub fn serve_pty(&self) -> io::Result<(PathBuf, JoinHandle<()>)> {
        let (master, path) = pty::open_raw()?;
        let (device, faults, traffic, lines) = (
            self.device.clone(),
            self.faults.clone(),
            self.traffic.clone(),
            self.lines.clone(),
        );
        let handle = std::thread::Builder::new()
            .name("emulator-pty".into())
            .spawn(move || pty::serve(master, &lines, &device, &faults, &traffic))?;
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

    /// Byte n in 1..=0x7F arms timer 1 to ring after n × 10 ms; 0 cancels it; any other byte is
    /// echoed at once. The ring is the byte 0xA0 + the timer's id.
    pub(crate) struct Alarm;

    impl Device for Alarm {
        fn receive(&mut self, bytes: &[u8], _: &Faults, out: &mut Reactions) {
            for &b in bytes {
                match b {
                    0 => out.cancel_timer(1),
                    1..=0x7F => out.timer(1, Duration::from_millis(u64::from(b) * 10)),
                    _ => out.send(vec![b]),
                }
            }
        }

        fn on_timer(&mut self, id: u32, _: &Faults, out: &mut Reactions) {
            out.send(vec![0xA0 + id as u8]);
        }
    }

    /// The alarm rings on the line after its time, input meanwhile leaves it armed, and a
    /// cancelled one stays silent.
    fn alarm_rings(line: &mut (impl Read + Write)) {
        let started = std::time::Instant::now();
        line.write_all(&[5]).unwrap();
        let mut got = [0u8; 1];
        line.read_exact(&mut got).unwrap();
        assert_eq!(got, [0xA1]);
        assert!(started.elapsed() >= Duration::from_millis(50));

        line.write_all(&[10]).unwrap();
        assert_eq!(exchange(line, &[0x80]), [0x80], "input is answered at once");
        line.read_exact(&mut got).unwrap();
        assert_eq!(got, [0xA1], "and the timer still rings");

        line.write_all(&[3, 0]).unwrap();
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(
            exchange(line, &[0x82]),
            [0x82],
            "the cancelled timer sent nothing before it"
        );
    }

    #[test]
    fn timers_ring_on_every_way_to_the_device() {
        let emulator = Emulator::new(Alarm);
        alarm_rings(&mut emulator.connect().unwrap());
        let (addr, _) = emulator.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
        alarm_rings(&mut std::net::TcpStream::connect(addr).unwrap());
        let (path, _) = emulator.serve_pty().unwrap();
        let mut pty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        alarm_rings(&mut pty);
    }

    /// Counts how often its line was reset.
    #[derive(Default)]
    struct Resets(u32);

    impl Device for Resets {
        fn receive(&mut self, bytes: &[u8], _: &Faults, out: &mut Reactions) {
            out.send(bytes.to_vec());
        }
        fn reset_line(&mut self) {
            self.0 += 1;
        }
    }

    #[test]
    fn a_line_closing_after_a_reconnection_leaves_the_new_line_be() {
        let emulator = Emulator::new(Resets::default());
        let mut old = emulator.connect().unwrap();
        let mut new = emulator.connect().unwrap();
        assert_eq!(exchange(&mut new, &[1]), [1]);
        // Both lines reach the device.
        assert_eq!(exchange(&mut old, &[2]), [2]);
        drop(old);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            emulator.with_device(|d| d.0),
            2,
            "one reset per line opened"
        );
        drop(new);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            emulator.with_device(|d| d.0),
            3,
            "the current line's end resets"
        );

        let old = emulator.connect_inline();
        let new = emulator.connect_inline();
        drop(old);
        assert_eq!(emulator.with_device(|d| d.0), 5);
        drop(new);
        assert_eq!(emulator.with_device(|d| d.0), 6);
    }

    #[test]
    fn a_dropped_line_forgets_its_timers() {
        let emulator = Emulator::new(Alarm);
        let mut line = emulator.connect().unwrap();
        line.write_all(&[2]).unwrap();
        drop(line);
        let mut again = emulator.connect().unwrap();
        again
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        assert_eq!(exchange(&mut again, &[0x90]), [0x90]);
        let mut rest = [0u8; 1];
        assert!(
            again.read(&mut rest).is_err(),
            "the old line's timer never rang"
        );

        // A line left open when a newer one opens: its timers no longer ring either.
        let mut older = emulator.connect().unwrap();
        older.write_all(&[2]).unwrap();
        let _newer = emulator.connect().unwrap();
        older
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        assert!(older.read(&mut rest).is_err(), "superseded: no ring");
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
