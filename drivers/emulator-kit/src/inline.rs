//! The inline link: a line with no thread and no socket behind it. The host's write runs the
//! device model at once, on the caller's thread; the answers wait in a queue, each with the
//! moment it may be read (a slow-reply fault or a `Wait` reaction moves that moment), for the
//! host's next read. What an in-process emulator "answering instantly" means: a load test then
//! measures the host, not thread hand-offs between the host and its emulators.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use driver_kit::{Port, PortError};

use crate::{Device, Faults, Reaction, Reactions, Traffic};

/// The host's end of an inline link; a fresh one is a reconnection.
pub struct InlineLine<D: Device> {
    device: Arc<Mutex<D>>,
    faults: Faults,
    traffic: Arc<Traffic>,
    /// Answers not yet read, each readable from its instant on.
    pending: VecDeque<(Instant, Vec<u8>)>,
    /// The device hung up at this instant (after the answers queued before it).
    hangup: Option<Instant>,
}

impl<D: Device> InlineLine<D> {
    pub(crate) fn new(device: Arc<Mutex<D>>, faults: Faults, traffic: Arc<Traffic>) -> Self {
        lock(&device).reset_line();
        Self {
            device,
            faults,
            traffic,
            pending: VecDeque::new(),
            hangup: None,
        }
    }

    fn queue(&mut self, reactions: Reactions) {
        let reactions = reactions.into_vec();
        let now = Instant::now();
        let mut at = self.pending.back().map_or(now, |(t, _)| (*t).max(now));
        if let Some(delay) = self.faults.slow_reply()
            && reactions.iter().any(|r| matches!(r, Reaction::Send(_)))
        {
            at += delay;
        }
        for reaction in reactions {
            match reaction {
                Reaction::Send(bytes) => {
                    self.traffic.count(0, bytes.len());
                    self.pending.push_back((at, bytes));
                }
                Reaction::Wait(d) => at += d,
                Reaction::Hangup => {
                    self.hangup = Some(at);
                    return;
                }
            }
        }
    }
}

impl<D: Device> Drop for InlineLine<D> {
    fn drop(&mut self) {
        lock(&self.device).reset_line();
    }
}

impl<D: Device> Port for InlineLine<D> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        if self.hangup.is_some_and(|t| t <= Instant::now()) {
            return Err(PortError::Disconnected);
        }
        let mut out = Reactions::default();
        lock(&self.device).receive(bytes, &self.faults, &mut out);
        self.traffic.count(bytes.len(), 0);
        self.queue(out);
        Ok(())
    }

    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        let deadline = Instant::now() + timeout;
        let Some(&(ready, _)) = self.pending.front() else {
            // Nothing will come: a hung-up line says so (after what it sent before hanging up);
            // a silent device lets the wait run out.
            if self.hangup.is_some() {
                return Err(PortError::Disconnected);
            }
            std::thread::sleep(timeout);
            return Err(PortError::Timeout);
        };
        if ready > deadline {
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
            return Err(PortError::Timeout);
        }
        std::thread::sleep(ready.saturating_duration_since(Instant::now()));
        // Like a socket: everything that has arrived by now, up to `max`.
        let now = Instant::now();
        let mut got = Vec::new();
        while got.len() < max {
            let Some((ready, chunk)) = self.pending.front_mut() else {
                break;
            };
            if *ready > now {
                break;
            }
            let take = chunk.len().min(max - got.len());
            got.extend(chunk.drain(..take));
            if chunk.is_empty() {
                self.pending.pop_front();
            }
        }
        Ok(got)
    }

    fn discard_input(&mut self) {
        let now = Instant::now();
        while self.pending.front().is_some_and(|(t, _)| *t <= now) {
            self.pending.pop_front();
        }
    }
}

fn lock<D>(device: &Mutex<D>) -> std::sync::MutexGuard<'_, D> {
    device.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Emulator, Fault};

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

    const T: Duration = Duration::from_millis(50);

    #[test]
    fn answers_wait_for_the_next_read_and_are_counted() {
        let emulator = Emulator::new(Plus1);
        let mut line = emulator.connect_inline();
        line.write(&[1, 2, 3]).unwrap();
        assert_eq!(line.read(2, T).unwrap(), [2, 3]);
        assert_eq!(line.read(8, T).unwrap(), [4]);
        assert_eq!(line.read(8, T), Err(PortError::Timeout));
        assert_eq!(emulator.traffic(), (3, 3));
    }

    #[test]
    fn a_hangup_disconnects_after_what_came_before_it() {
        let emulator = Emulator::new(Plus1);
        let mut line = emulator.connect_inline();
        line.write(&[1, 0xFF]).unwrap();
        assert_eq!(line.read(8, T).unwrap(), [2]);
        assert_eq!(line.read(8, T), Err(PortError::Disconnected));
        assert_eq!(line.write(&[1]), Err(PortError::Disconnected));
        let mut again = emulator.connect_inline();
        again.write(&[7]).unwrap();
        assert_eq!(again.read(8, T).unwrap(), [8]);
    }

    #[test]
    fn a_slow_reply_arrives_late_or_times_out() {
        let emulator = Emulator::new(Plus1);
        emulator
            .faults()
            .inject(Fault::SlowReply(Duration::from_millis(120)));
        let mut line = emulator.connect_inline();
        let started = Instant::now();
        line.write(&[1]).unwrap();
        assert_eq!(line.read(8, T), Err(PortError::Timeout));
        assert_eq!(line.read(8, Duration::from_secs(2)).unwrap(), [2]);
        assert!(started.elapsed() >= Duration::from_millis(120));
    }
}
