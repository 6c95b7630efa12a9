//! The inline link: a line with no thread and no socket behind it. The host's write runs the
//! device model at once, on the caller's thread; the answers wait in a queue, each with the
//! moment it may be read (a slow-reply fault or a `Wait` reaction moves that moment), for the
//! host's next read. What an in-process emulator "answering instantly" means: a load test then
//! measures the host, not thread hand-offs between the host and its emulators.
//!
//! A device's timers run on the same thread: a read whose wait reaches a timer's instant fires
//! it (the device's answer then counts from that instant) and goes on waiting, so the bytes the
//! timer made are read like any others; a write or a discard first fires the timers that fell
//! due since the last call, so the device sees time and input in the order they happened.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use driver_kit::{Port, PortError};

use crate::timers::Timers;
use crate::{Device, Faults, LineId, Reaction, Reactions, Traffic};

/// The host's end of an inline link; a fresh one is a reconnection.
pub struct InlineLine<D: Device> {
    device: Arc<Mutex<D>>,
    faults: Faults,
    traffic: Arc<Traffic>,
    /// Answers not yet read, each readable from its instant on.
    pending: VecDeque<(Instant, Vec<u8>)>,
    /// The device hung up at this instant (after the answers queued before it).
    hangup: Option<Instant>,
    /// The device's armed timers; none once it hung up.
    timers: Timers,
    /// Which line this is: once a newer one is open, this one's timers no longer fire and its
    /// drop resets nothing.
    id: LineId,
}

impl<D: Device> InlineLine<D> {
    pub(crate) fn new(
        device: Arc<Mutex<D>>,
        faults: Faults,
        traffic: Arc<Traffic>,
        id: LineId,
    ) -> Self {
        lock(&device).reset_line();
        Self {
            device,
            faults,
            traffic,
            pending: VecDeque::new(),
            hangup: None,
            timers: Timers::default(),
            id,
        }
    }

    /// Queues the reactions as if carried out from `from` on (or after what is queued already).
    fn queue(&mut self, reactions: Reactions, from: Instant) {
        if self.hangup.is_some() {
            return;
        }
        let reactions = reactions.into_vec();
        let mut at = self.pending.back().map_or(from, |(t, _)| (*t).max(from));
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
                    self.timers.clear();
                    return;
                }
                Reaction::Timer { id, after } => self.timers.arm(id, at + after),
                Reaction::CancelTimer(id) => self.timers.cancel(id),
            }
        }
    }

    /// Fires the earliest timer due by `now`; false when none is.
    fn fire_one(&mut self, now: Instant) -> bool {
        let Some((id, due)) = self.timers.take_due(now) else {
            return false;
        };
        let mut out = Reactions::default();
        {
            let mut device = lock(&self.device);
            if !self.id.is_current() {
                self.timers.clear();
                return false;
            }
            device.on_timer(id, &self.faults, &mut out);
        }
        self.queue(out, due);
        true
    }

    /// Fires every timer that is due by `now`, in order (one may arm another).
    fn fire_due(&mut self, now: Instant) {
        while self.fire_one(now) {}
    }

    /// Everything readable by `now`, up to `max`, like a socket's read.
    fn take_ready(&mut self, max: usize, now: Instant) -> Vec<u8> {
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
        got
    }
}

impl<D: Device> Drop for InlineLine<D> {
    fn drop(&mut self) {
        let mut device = lock(&self.device);
        if self.id.is_current() {
            device.reset_line();
        }
    }
}

impl<D: Device> Port for InlineLine<D> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        let now = Instant::now();
        self.fire_due(now);
        if self.hangup.is_some_and(|t| t <= now) {
            return Err(PortError::Disconnected);
        }
        let mut out = Reactions::default();
        lock(&self.device).receive(bytes, &self.faults, &mut out);
        self.traffic.count(bytes.len(), 0);
        self.queue(out, now);
        Ok(())
    }

    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        let deadline = Instant::now() + timeout;
        loop {
            let bytes = self.pending.front().map(|(t, _)| *t);
            let timer = self.timers.next();
            // A timer fires first only when it is due before the next bytes are readable.
            let timer_first = match (bytes, timer) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(b), Some(t)) => t < b,
            };
            if timer_first {
                let due = timer.expect("a timer is armed");
                if due > deadline {
                    std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                    return Err(PortError::Timeout);
                }
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
                self.fire_one(due);
                continue;
            }
            let Some(ready) = bytes else {
                // Nothing will come: a hung-up line says so (after what it sent before hanging
                // up); a silent device lets the wait run out.
                if self.hangup.is_some() {
                    return Err(PortError::Disconnected);
                }
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                return Err(PortError::Timeout);
            };
            if ready > deadline {
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                return Err(PortError::Timeout);
            }
            std::thread::sleep(ready.saturating_duration_since(Instant::now()));
            return Ok(self.take_ready(max, Instant::now()));
        }
    }

    fn discard_input(&mut self) {
        let now = Instant::now();
        self.fire_due(now);
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
    fn a_read_fires_a_timer_it_reaches_and_returns_what_it_sent() {
        let emulator = Emulator::new(crate::tests::Alarm);
        let mut line = emulator.connect_inline();
        let started = Instant::now();
        line.write(&[5]).unwrap();
        assert_eq!(
            line.read(8, Duration::from_millis(10)),
            Err(PortError::Timeout)
        );
        assert_eq!(line.read(8, Duration::from_secs(2)).unwrap(), [0xA1]);
        assert!(started.elapsed() >= Duration::from_millis(50));

        // Input first: answered at once, and the timer still rings.
        line.write(&[10, 0x80]).unwrap();
        assert_eq!(line.read(8, T).unwrap(), [0x80]);
        assert_eq!(line.read(8, Duration::from_secs(2)).unwrap(), [0xA1]);

        // A timer due before a write rings before the device hears it.
        line.write(&[3]).unwrap();
        std::thread::sleep(Duration::from_millis(60));
        line.write(&[0x81]).unwrap();
        assert_eq!(line.read(8, T).unwrap(), [0xA1, 0x81]);

        // Cancelled: silence.
        line.write(&[3, 0]).unwrap();
        assert_eq!(
            line.read(8, Duration::from_millis(80)),
            Err(PortError::Timeout)
        );
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
