//! The fiscal drive's state as every face shows it — REST `/fn_status`, JSON-RPC
//! `FiscalDrive.Status`, WebSocket `fn_status`, and each register in `/devices` and `/health` —
//! and the 54-FZ deadlines it is near, judged here once.
//!
//! The deadlines (54-FZ art. 4.1, 4.3): a fiscal drive registers documents until its last day,
//! and a register whose oldest document the OFD has not confirmed for 30 days blocks (it refuses
//! new documents until the exchange resumes). Both run on the register's clock, which the driver
//! reads with the state (`fiscal-drive-state.now`), not on the host's.

use chrono::NaiveDate;
use serde::Serialize;

use super::{Core, CoreError};
use crate::plugins::contract::register::FiscalDriveState;
use crate::plugins::contract::types::{Date, DateTime};

/// Days before a deadline from which it is warned of: the drive's last day, and the age at
/// which an unsent document blocks the register.
pub const DEADLINE_DAYS: i64 = 30;

/// What a register said of its fiscal drive, with the deadlines it is near.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FnStatus {
    /// The drive's number (tag 1041).
    pub fn_number: String,
    /// Documents the OFD has not confirmed yet.
    pub unsent_documents: u32,
    /// The oldest of them (ФД) and when it was made (the register's time); none when nothing waits.
    pub first_unsent_number: Option<u32>,
    pub first_unsent_date_time: Option<String>,
    /// Marking notifications not yet confirmed; none when the register cannot tell.
    pub unsent_notifications: Option<u32>,
    /// The drive's last day of registering documents (YYYY-MM-DD).
    pub valid_until: String,
    /// FFD version in force: "1.05", "1.1", "1.2".
    pub ffd_version: String,
    /// The register's clock when it answered.
    pub register_time: String,
    /// The deadlines within [`DEADLINE_DAYS`] or past; empty when none is.
    pub warnings: Vec<FnWarning>,
}

/// A 54-FZ deadline the drive is near or past.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FnWarning {
    /// The drive registers documents for `days_left` more days (negative: it stopped).
    FnExpiring { days_left: i64, message: String },
    /// The oldest unsent document is `days` old: from 30 on the register blocks.
    UnsentOverdue { days: i64, message: String },
}

impl FnStatus {
    pub fn of(state: &FiscalDriveState) -> Self {
        let today = day(state.now.date);
        let mut warnings = Vec::new();
        let valid_until = day(state.valid_until);
        if let (Some(today), Some(last)) = (today, valid_until) {
            let days_left = (last - today).num_days();
            if days_left <= DEADLINE_DAYS {
                warnings.push(FnWarning::FnExpiring {
                    days_left,
                    message: format!(
                        "ФН действует до {last}: осталось {} дн.; замените ФН до этой даты",
                        days_left.max(0)
                    ),
                });
            }
        }
        if let (Some(today), Some(first)) = (
            today,
            state.first_unsent_date_time.and_then(|t| day(t.date)),
        ) {
            let days = (today - first).num_days();
            if days >= DEADLINE_DAYS {
                warnings.push(FnWarning::UnsentOverdue {
                    days,
                    message: format!(
                        "Документ ФД {} не передан в ОФД {days} дн.: по 54-ФЗ ККТ блокируется \
                         через {DEADLINE_DAYS} дн.; восстановите связь с ОФД",
                        state.first_unsent_number.unwrap_or_default()
                    ),
                });
            }
        }
        Self {
            fn_number: state.fn_number.clone(),
            unsent_documents: state.unsent_documents,
            first_unsent_number: state.first_unsent_number,
            first_unsent_date_time: state.first_unsent_date_time.map(date_time),
            unsent_notifications: state.unsent_notifications,
            valid_until: date(state.valid_until),
            ffd_version: ffd_version(state.ffd_version),
            register_time: date_time(state.now),
            warnings,
        }
    }
}

impl Core {
    /// The register's fiscal drive, asked now.
    pub async fn fn_status(&self, device: &str) -> Result<FnStatus, CoreError> {
        let state = self.register(Some(device))?.fiscal_drive_status().await?;
        Ok(FnStatus::of(&state))
    }
}

/// Tag 1209's values as FFD names them.
fn ffd_version(tag_1209: u8) -> String {
    match tag_1209 {
        1 => "1.0".into(),
        2 => "1.05".into(),
        3 => "1.1".into(),
        4 => "1.2".into(),
        other => format!("unknown ({other})"),
    }
}

/// A register's date as a calendar day; none for one that is not (a register that lost its
/// clock answers zeros).
fn day(d: Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
}

pub(super) fn date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// A register's date and time as a moment; none for one that is not.
pub(super) fn naive_date_time(t: DateTime) -> Option<chrono::NaiveDateTime> {
    day(t.date)?.and_hms_opt(t.hour.into(), t.minute.into(), t.second.into())
}

fn date_time(t: DateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}",
        date(t.date),
        t.hour,
        t.minute,
        t.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: u16, month: u8, day: u8) -> DateTime {
        DateTime {
            date: Date { year, month, day },
            hour: 12,
            minute: 0,
            second: 0,
        }
    }

    fn state(now: DateTime, valid_until: Date, first_unsent: Option<DateTime>) -> FiscalDriveState {
        FiscalDriveState {
            fn_number: "9999078900001234".into(),
            unsent_documents: first_unsent.map_or(0, |_| 3),
            first_unsent_number: first_unsent.map(|_| 17),
            first_unsent_date_time: first_unsent,
            unsent_notifications: None,
            valid_until,
            ffd_version: 4,
            now,
        }
    }

    #[test]
    fn a_drive_far_from_its_deadlines_has_no_warning() {
        let s = FnStatus::of(&state(
            at(2026, 3, 1),
            at(2029, 3, 1).date,
            Some(at(2026, 2, 1)),
        ));
        assert_eq!(s.warnings, []);
        assert_eq!(s.ffd_version, "1.2");
        assert_eq!(s.register_time, "2026-03-01T12:00:00");
        assert_eq!(
            s.first_unsent_date_time.as_deref(),
            Some("2026-02-01T12:00:00")
        );
    }

    #[test]
    fn thirty_days_before_the_drives_last_day_it_is_warned_of() {
        let last = at(2026, 3, 31).date;
        assert_eq!(
            FnStatus::of(&state(at(2026, 2, 28), last, None)).warnings,
            []
        );
        let warned = FnStatus::of(&state(at(2026, 3, 1), last, None));
        assert!(
            matches!(&warned.warnings[..], [FnWarning::FnExpiring { days_left: 30, message }]
                if message.contains("2026-03-31")),
            "{warned:?}"
        );
        let past = FnStatus::of(&state(at(2026, 4, 2), last, None));
        assert!(matches!(
            &past.warnings[..],
            [FnWarning::FnExpiring { days_left: -2, .. }]
        ));
    }

    #[test]
    fn an_unsent_document_thirty_days_old_is_warned_of_by_the_registers_clock() {
        let valid = at(2029, 1, 1).date;
        let first = Some(at(2026, 3, 1));
        assert_eq!(
            FnStatus::of(&state(at(2026, 3, 30), valid, first)).warnings,
            []
        );
        let overdue = FnStatus::of(&state(at(2026, 3, 31), valid, first));
        assert!(
            matches!(&overdue.warnings[..], [FnWarning::UnsentOverdue { days: 30, message }]
                if message.contains("ФД 17")),
            "{overdue:?}"
        );
    }
}
