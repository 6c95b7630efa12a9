//! The register's clock: simulated, never the host's wall clock, so tests decide when a
//! shift runs past 24 hours. It starts at 2026-03-01 12:00:00 and moves only when told.

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

/// Where the clock starts.
pub const START: DateTime = DateTime::new(2026, 3, 1, 12, 0, 0);

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
}
