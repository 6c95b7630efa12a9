//! The byte pump: reads what the host sends, lets the device model react, writes the reactions.
//! While the device has a timer armed, the pump waits (poll) for input or the timer's instant,
//! whichever comes first; with none armed it blocks in a plain read, as a line without timers
//! always did.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use crate::timers::Timers;
use crate::{Device, Faults, LineId, Reaction, Reactions, Traffic};

/// The pace of a serial line: how long bytes take on the wire (8N1: ten bits a byte).
#[derive(Debug, Clone, Copy)]
pub struct LineRate {
    pub baud: u32,
}

impl LineRate {
    pub fn time_for(self, bytes: usize) -> Duration {
        Duration::from_nanos(bytes as u64 * 10 * 1_000_000_000 / u64::from(self.baud.max(1)))
    }
}

/// What ended a wait for the host.
enum Woken {
    /// Bytes (or the end of the line) can be read.
    Input,
    /// A timer is due.
    Timer,
}

/// Serves one line until it closes or the device hangs up; with a `rate`, the device hears
/// each chunk only once it could have crossed the wire, and its answers take their wire time.
/// Once a newer line is open, this one's timers no longer fire and its end resets nothing.
pub(crate) fn serve<D: Device, S: Read + Write + AsFd>(
    mut line: S,
    id: LineId,
    device: &Mutex<D>,
    faults: &Faults,
    traffic: &Traffic,
    rate: Option<LineRate>,
) {
    lock(device).reset_line();
    let mut timers = Timers::default();
    let mut buf = [0u8; 4096];
    loop {
        if let Woken::Timer = wait(&line, &timers) {
            let Some((timer, _)) = timers.take_due(Instant::now()) else {
                continue;
            };
            let mut out = Reactions::default();
            {
                let mut device = lock(device);
                if !id.is_current() {
                    timers.clear();
                    continue;
                }
                device.on_timer(timer, faults, &mut out);
            }
            if !act(&mut line, out, faults, traffic, rate, &mut timers) {
                break;
            }
            continue;
        }
        let n = match line.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(rate) = rate {
            std::thread::sleep(rate.time_for(n));
        }
        let mut out = Reactions::default();
        lock(device).receive(&buf[..n], faults, &mut out);
        traffic.count(n, 0);
        if !act(&mut line, out, faults, traffic, rate, &mut timers) {
            break;
        }
    }
    let mut device = lock(device);
    if id.is_current() {
        device.reset_line();
    }
}

/// Waits until the line can be read or the earliest timer is due.
fn wait(line: &impl AsFd, timers: &Timers) -> Woken {
    let Some(due) = timers.next() else {
        return Woken::Input;
    };
    loop {
        // Rounded up to whole milliseconds, so the timer is due when poll returns.
        let left = due.saturating_duration_since(Instant::now());
        let ms = left.as_nanos().div_ceil(1_000_000);
        let timeout = PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(line.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, timeout) {
            Ok(0) => return Woken::Timer,
            Err(Errno::EINTR) => continue,
            // Readable, hung up or failed: the read tells which.
            _ => return Woken::Input,
        }
    }
}

/// Carries out the reactions; false when the line is to be dropped.
fn act<S: Write>(
    line: &mut S,
    out: Reactions,
    faults: &Faults,
    traffic: &Traffic,
    rate: Option<LineRate>,
    timers: &mut Timers,
) -> bool {
    let reactions = out.into_vec();
    if let Some(delay) = faults.slow_reply()
        && reactions.iter().any(|r| matches!(r, Reaction::Send(_)))
    {
        std::thread::sleep(delay);
    }
    for reaction in reactions {
        match reaction {
            Reaction::Send(bytes) => {
                if let Some(rate) = rate {
                    std::thread::sleep(rate.time_for(bytes.len()));
                }
                // Counted before the write so a reader that got the bytes also sees the count.
                traffic.count(0, bytes.len());
                if line.write_all(&bytes).and_then(|()| line.flush()).is_err() {
                    return false;
                }
            }
            Reaction::Wait(d) => std::thread::sleep(d),
            Reaction::Hangup => return false,
            Reaction::Timer { id, after } => timers.arm(id, Instant::now() + after),
            Reaction::CancelTimer(id) => timers.cancel(id),
        }
    }
    true
}

fn lock<D>(device: &Mutex<D>) -> std::sync::MutexGuard<'_, D> {
    device.lock().unwrap_or_else(|p| p.into_inner())
}
