//! The register's clock. By default it follows the system's local time, as a real register's
//! clock set to the shop's time does, so receipts carry today's date; a test that needs a
//! fixed date starts it at a given moment instead (`Clock::fixed`, e.g. at `START`), and
//! then it moves only when told. Either way `Clock::advance` adds to it, so tests decide
//! when a shift runs past 24 hours without waiting a day.

use std::time::Duration;

/// A calendar date and time as the register reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl DateTime {
    pub const fn new(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Self {
        Self {
            year,
            month,
            day,
            hour,
            minute,
            second,
        }
    }

    /// The fiscal drive's DATE_TIME: YY MM DD hh mm.
    pub fn fn_bytes(&self) -> [u8; 5] {
        [
            (self.year - 2000) as u8,
            self.month,
            self.day,
            self.hour,
            self.minute,
        ]
    }
}

impl std::fmt::Display for DateTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02}.{:02}.{} {:02}:{:02}:{:02}",
            self.day, self.month, self.year, self.hour, self.minute, self.second
        )
    }
}

/// Where a fixed clock of the tests starts (`Clock::fixed(START)`).
pub const START: DateTime = DateTime::new(2026, 3, 1, 12, 0, 0);

/// The register's clock: the system's local time or a fixed start, plus what was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    base: Base,
    advanced: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    /// The system's local time, read at every look.
    System,
    /// A moment that stays put.
    Fixed(Instant),
}

impl Clock {
    /// Follows the system's local time.
    pub fn system() -> Self {
        Self {
            base: Base::System,
            advanced: Duration::ZERO,
        }
    }

    /// Stands at `start` until advanced.
    pub fn fixed(start: DateTime) -> Self {
        Self {
            base: Base::Fixed(Instant::from_date_time(start)),
            advanced: Duration::ZERO,
        }
    }

    /// Moves the clock forward (on top of the system's time when it follows it).
    pub fn advance(&mut self, by: Duration) {
        self.advanced += by;
    }

    pub fn now(&self) -> DateTime {
        self.instant().date_time()
    }

    pub(crate) fn instant(&self) -> Instant {
        let base = match self.base {
            Base::System => Instant::from_date_time(local_now()),
            Base::Fixed(at) => at,
        };
        base.plus(self.advanced)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

/// The system's local date and time, to the second.
fn local_now() -> DateTime {
    DateTime::from_naive(chrono::Local::now().naive_local())
}

impl DateTime {
    /// A calendar date and time, to the second; years outside the register's 2000..=2255 are
    /// clamped into it.
    pub fn from_naive(t: chrono::NaiveDateTime) -> Self {
        use chrono::{Datelike, Timelike};
        DateTime::new(
            t.year().clamp(2000, 2255) as u16,
            t.month() as u8,
            t.day() as u8,
            t.hour() as u8,
            t.minute() as u8,
            t.second() as u8,
        )
    }
}

/// Seconds since 2000-01-01 00:00:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    pub fn from_date_time(t: DateTime) -> Self {
        // Days from civil (Howard Hinnant), counted from 2000-03-01 so years start in March.
        let (y, m) = if t.month <= 2 {
            (t.year as i64 - 1, t.month as i64 + 9)
        } else {
            (t.year as i64, t.month as i64 - 3)
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * m + 2) / 5 + t.day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 730_425; // 0000-03-01 .. 2000-01-01
        let secs = days * 86_400 + t.hour as i64 * 3600 + t.minute as i64 * 60 + t.second as i64;
        Instant(secs.max(0) as u64)
    }

    pub fn date_time(self) -> DateTime {
        let days = (self.0 / 86_400) as i64 + 730_425;
        let secs = self.0 % 86_400;
        let era = days.div_euclid(146_097);
        let doe = days - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + if month <= 2 { 1 } else { 0 }) as u16;
        DateTime::new(
            year,
            month,
            day,
            (secs / 3600) as u8,
            (secs / 60 % 60) as u8,
            (secs % 60) as u8,
        )
    }

    pub fn plus(self, by: Duration) -> Self {
        Instant(self.0 + by.as_secs())
    }

    /// Time from `earlier` to `self` (zero when `earlier` is later).
    pub fn since(self, earlier: Instant) -> Duration {
        Duration::from_secs(self.0.saturating_sub(earlier.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_across_leap_days_and_years() {
        for t in [
            START,
            DateTime::new(2000, 1, 1, 0, 0, 0),
            DateTime::new(2028, 2, 29, 23, 59, 59),
            DateTime::new(2026, 12, 31, 23, 59, 59),
        ] {
            assert_eq!(Instant::from_date_time(t).date_time(), t);
        }
        let start = Instant::from_date_time(START);
        assert_eq!(
            start.plus(Duration::from_secs(25 * 3600)).date_time(),
            DateTime::new(2026, 3, 2, 13, 0, 0)
        );
        let feb = Instant::from_date_time(DateTime::new(2026, 2, 28, 12, 0, 0));
        assert_eq!(start.since(feb), Duration::from_secs(86_400));
        assert_eq!(feb.since(start), Duration::ZERO);
    }

    #[test]
    fn a_fixed_clock_moves_only_when_advanced() {
        let mut clock = Clock::fixed(START);
        assert_eq!(clock.now(), START);
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(clock.now(), START);
        clock.advance(Duration::from_secs(90));
        assert_eq!(clock.now(), DateTime::new(2026, 3, 1, 12, 1, 30));
    }

    #[test]
    fn the_default_clock_follows_the_system_clock_plus_what_was_added() {
        let mut clock = Clock::default();
        let system = chrono::Local::now().naive_local();
        let read = Instant::from_date_time(clock.now());
        let expected = Instant::from_date_time(DateTime::from_naive(system));
        assert!(
            read.since(expected) <= Duration::from_secs(2),
            "{read:?} vs {expected:?}"
        );
        assert!(
            expected.since(read) <= Duration::from_secs(2),
            "{read:?} vs {expected:?}"
        );
        clock.advance(Duration::from_secs(25 * 3600));
        let later = Instant::from_date_time(clock.now());
        let gained = later.since(read);
        assert!(
            gained >= Duration::from_secs(25 * 3600)
                && gained <= Duration::from_secs(25 * 3600 + 2),
            "{gained:?}"
        );
    }
}
