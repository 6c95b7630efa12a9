//! The timers a device asked for on one line: each has the device's own id and the instant it
//! is due. Arming an id that is armed already moves it; the line's ways (pump, inline) fire the
//! earliest due one by calling `Device::on_timer`, and forget them all when the line goes.

use std::time::Instant;

#[derive(Debug, Default)]
pub(crate) struct Timers(Vec<(u32, Instant)>);

impl Timers {
    /// Arms timer `id` to be due at `at`, replacing an earlier arming of the same id.
    pub(crate) fn arm(&mut self, id: u32, at: Instant) {
        self.cancel(id);
        self.0.push((id, at));
    }

    pub(crate) fn cancel(&mut self, id: u32) {
        self.0.retain(|(armed, _)| *armed != id);
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// When the earliest timer is due, if any is armed.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.0.iter().map(|(_, at)| *at).min()
    }

    /// Takes the earliest timer due by `now`: its id and the instant it was due.
    pub(crate) fn take_due(&mut self, now: Instant) -> Option<(u32, Instant)> {
        let (index, _) = self
            .0
            .iter()
            .enumerate()
            .filter(|(_, (_, at))| *at <= now)
            .min_by_key(|(_, (_, at))| *at)?;
        Some(self.0.swap_remove(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_earliest_due_timer_comes_first_and_rearming_moves_it() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut timers = Timers::default();
        timers.arm(1, t0 + ms(30));
        timers.arm(2, t0 + ms(10));
        timers.arm(1, t0 + ms(5));
        assert_eq!(timers.next(), Some(t0 + ms(5)));
        assert_eq!(timers.take_due(t0), None);
        assert_eq!(timers.take_due(t0 + ms(50)), Some((1, t0 + ms(5))));
        timers.cancel(2);
        assert_eq!(timers.next(), None);
        timers.arm(3, t0);
        timers.clear();
        assert_eq!(timers.take_due(t0 + ms(50)), None);
    }
}
