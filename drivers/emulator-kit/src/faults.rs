//! Fault switches: what a test asks an emulator to get wrong, shared between the test and the
//! pump threads. Conditions (paper out, cover open, slow replies) hold until cleared; glitches
//! (a NAK, a corrupted checksum, a lost reply, a hangup mid-frame) happen once per injection.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Condition: the paper roll is empty.
    PaperOut,
    /// Condition: the printer cover is open.
    CoverOpen,
    /// Condition: every reply is delayed by this long.
    SlowReply(Duration),
    /// Glitch: answer the next frame with NAK instead of handling it.
    Nak,
    /// Glitch: the next reply carries a wrong checksum (LRC/CRC).
    CorruptChecksum,
    /// Glitch: swallow the next frame and answer nothing.
    NoReply,
    /// Glitch: send half of the next reply, then drop the line.
    DisconnectMidFrame,
}

#[derive(Debug, Default)]
struct State {
    paper_out: bool,
    cover_open: bool,
    slow: Option<Duration>,
    glitches: VecDeque<Fault>,
}

/// Cheap to clone; every clone flips the same switches.
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Mutex<State>>);

impl Faults {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets a condition, or queues a glitch to happen once.
    pub fn inject(&self, fault: Fault) {
        let mut s = self.state();
        match fault {
            Fault::PaperOut => s.paper_out = true,
            Fault::CoverOpen => s.cover_open = true,
            Fault::SlowReply(d) => s.slow = Some(d),
            glitch => s.glitches.push_back(glitch),
        }
    }

    /// Clears every condition and pending glitch.
    pub fn clear(&self) {
        *self.state() = State::default();
    }

    pub fn paper_out(&self) -> bool {
        self.state().paper_out
    }

    pub fn cover_open(&self) -> bool {
        self.state().cover_open
    }

    pub fn slow_reply(&self) -> Option<Duration> {
        self.state().slow
    }

    /// Takes the glitch `fault` if one is pending (it then happens, once).
    pub fn take(&self, fault: Fault) -> bool {
        let mut s = self.state();
        match s.glitches.iter().position(|g| *g == fault) {
            Some(i) => {
                s.glitches.remove(i);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_hold_and_glitches_happen_once() {
        let faults = Faults::default();
        faults.inject(Fault::PaperOut);
        faults.inject(Fault::Nak);
        faults.inject(Fault::Nak);
        assert!(faults.paper_out());
        assert!(faults.take(Fault::Nak));
        assert!(faults.take(Fault::Nak));
        assert!(!faults.take(Fault::Nak));
        assert!(!faults.take(Fault::NoReply));
        assert!(faults.paper_out());
        faults.clear();
        assert!(!faults.paper_out());
    }
}
