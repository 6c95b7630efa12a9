//! The byte pump: reads what the host sends, lets the device model react, writes the reactions.

use std::io::{Read, Write};
use std::sync::Mutex;

use crate::{Device, Faults, Reaction, Reactions, Traffic};

/// Serves one line until it closes or the device hangs up.
pub(crate) fn serve<D: Device, S: Read + Write>(
    mut line: S,
    device: &Mutex<D>,
    faults: &Faults,
    traffic: &Traffic,
) {
    lock(device).reset_line();
    let mut buf = [0u8; 4096];
    loop {
        let n = match line.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut out = Reactions::default();
        lock(device).receive(&buf[..n], faults, &mut out);
        traffic.count(n, 0);
        if !act(&mut line, out, faults, traffic) {
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
