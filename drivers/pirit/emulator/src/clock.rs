//! The register's clock: the system's local time, or a fixed start for tests that assert
//! dates; either moves on with `advance` (a test's 24 hours pass at once).

use chrono::{Local, NaiveDate, NaiveDateTime, TimeDelta};

pub type DateTime = NaiveDateTime;

/// 2026-03-01 09:00:00, the start tests use.
pub fn start() -> DateTime {
    NaiveDate::from_ymd_opt(2026, 3, 1)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("a valid date")
}

#[derive(Debug, Clone)]
pub struct Clock {
    fixed: Option<DateTime>,
    offset: TimeDelta,
}

impl Clock {
    /// The system's local time.
    pub fn system() -> Self {
        Self {
            fixed: None,
            offset: TimeDelta::zero(),
        }
    }

    /// Stands at `start` until advanced.
    pub fn fixed(start: DateTime) -> Self {
        Self {
            fixed: Some(start),
            offset: TimeDelta::zero(),
        }
    }

    pub fn now(&self) -> DateTime {
        let base = self.fixed.unwrap_or_else(|| Local::now().naive_local());
        // Whole seconds: the register keeps no more.
        let t = base + self.offset;
        t.with_nanosecond_zero()
    }

    pub fn advance(&mut self, by: std::time::Duration) {
        self.offset += TimeDelta::from_std(by).unwrap_or(TimeDelta::zero());
    }
}

trait WholeSeconds {
    fn with_nanosecond_zero(self) -> Self;
}

impl WholeSeconds for DateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}
