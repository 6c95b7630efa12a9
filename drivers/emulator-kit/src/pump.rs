//! The byte pump: reads what the host sends, lets the device model react, writes the reactions.

use std::io::{Read, Write};
use std::sync::Mutex;
use std::time::Duration;

use crate::{Device, Faults, Reaction, Reactions, Traffic};

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

/// Serves one line until it closes or the device hangs up; with a `rate`, the device hears
/// each chunk only once it could have crossed the wire, and its answers take their wire time.
pub(crate) fn serve<D: Device, S: Read + Write>(
    mut line: S,
    device: &Mutex<D>,
    faults: &Faults,
    traffic: &Traffic,
    rate: Option<LineRate>,
) {
    lock(device).reset_line();
    let mut buf = [0u8; 4096];
    loop {
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
        if !act(&mut line, out, faults, traffic, rate) {
            break;
        }
    }
    lock(device).reset_line();
}

/// Carries out the reactions; false when the line is to be dropped.
pub(crate) fn act<S: Write>(
    line: &mut S,
    out: Reactions,
    faults: &Faults,
    traffic: &Traffic,
    rate: Option<LineRate>,
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
        }
    }
    true
}

fn lock<D>(device: &Mutex<D>) -> std::sync::MutexGuard<'_, D> {
    device.lock().unwrap_or_else(|p| p.into_inner())
}
