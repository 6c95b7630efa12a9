//! The terminal's operations as plain functions over a port and the settings: what the WIT
//! `terminal` interface exports, without the WIT (the guest adapter converts the types).
//!
//! Each operation starts by dropping whatever the line holds unread (a late answer to an
//! operation that timed out) and then has one conversation per command. A payment, reversal or
//! refund whose conversation the driver gave up and the terminal then aborted (see
//! [`crate::flow`]) is a declined transaction with the terminal's result code: the terminal
//! says nothing was booked. Registration and repeat receipt report the original error instead.

use driver_kit::Port;

use crate::bmp::{self, Fields};
use crate::codes;
use crate::commands;
use crate::error::{Error, ErrorClass};
use crate::flow::{Conversation, End, converse};
use crate::link::Link;
use crate::log;
use crate::rrn;
use crate::settings::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    Declined,
}

/// Mirrors the WIT `date-time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// Mirrors the WIT `transaction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub outcome: Outcome,
    /// Minor units.
    pub amount: i64,
    /// Terminal id and trace number, see [`rrn`].
    pub rrn: String,
    /// The terminal's receipt number (BMP 87), which a reversal names.
    pub auth_id: u32,
    /// The AID authorisation attribute (BMP 3B).
    pub auth_code: String,
    pub card_number: String,
    /// The result code: 0 approved.
    pub response_code: u32,
    pub text: String,
    pub date_time: Option<DateTime>,
}

/// Mirrors the WIT `device-info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub vendor: String,
    pub model: String,
    /// The terminal id.
    pub serial_number: String,
    /// The software version the status enquiry reports; empty when it reports none.
    pub firmware: String,
}

fn start<'p, P: Port>(port: &'p mut P, settings: &Settings) -> Link<'p, P> {
    port.discard_input();
    Link::new(port, settings.framing, settings.timeout)
}

fn positive(amount: i64) -> Result<u64, Error> {
    u64::try_from(amount)
        .ok()
        .filter(|a| *a > 0)
        .ok_or_else(|| Error::unsupported(format!("amount {amount} must be above 0")))
}

/// Registers with the terminal (which also tells its terminal id) and asks its software
/// version with a status enquiry.
pub fn describe<P: Port>(port: &mut P, settings: &Settings) -> Result<DeviceInfo, Error> {
    let mut link = start(port, settings);
    let registration =
        commands::registration(settings.password, commands::CONFIG_BYTE, settings.currency)?;
    let registered = converse(&mut link, &registration)?;
    let completion = match (registered.end, registered.abandoned) {
        (End::Completed(data), _) => Fields::parse(&data),
        // The terminal aborted what the driver gave up: the answer that was missing counts.
        (End::Aborted(_), Some(cause)) => return Err(cause),
        (End::Aborted(code), None) => {
            return Err(Error::new(
                codes::class_of(code),
                code.into(),
                format!(
                    "the terminal refused the registration: {}",
                    codes::result_text(code)
                ),
            ));
        }
    };
    if let Some(currency) = completion.currency.filter(|c| *c != settings.currency) {
        log::warn(format!(
            "the terminal's currency is {currency:03}, the setting says {:03}",
            settings.currency
        ));
    }
    let firmware = match converse(&mut link, &commands::status_enquiry(settings.password)?) {
        Ok(Conversation {
            end: End::Completed(data),
            ..
        }) => software_version(&data).unwrap_or_default(),
        Ok(_) => String::new(),
        Err(e) if e.class == ErrorClass::Communication => return Err(e),
        Err(e) => {
            log::info(format!("no status enquiry: {e}"));
            String::new()
        }
    };
    Ok(DeviceInfo {
        vendor: "ZVT".into(),
        model: "ZVT payment terminal".into(),
        serial_number: completion
            .terminal_id
            .map(|t| format!("{t:08}"))
            .unwrap_or_default(),
        firmware,
    })
}

/// The software version at the start of a status enquiry's completion (LLLVAR, untagged).
fn software_version(data: &[u8]) -> Option<String> {
    let len = data.get(..3)?.iter().try_fold(0usize, |acc, &b| {
        (b & 0xF0 == 0xF0 && b & 0x0F <= 9).then_some(acc * 10 + usize::from(b & 0x0F))
    })?;
    Some(bmp::text(data.get(3..3 + len)?))
}

/// Pays `amount` minor units: Authorization `06 01`.
pub fn pay<P: Port>(port: &mut P, settings: &Settings, amount: i64) -> Result<Transaction, Error> {
    let amount = positive(amount)?;
    let mut link = start(port, settings);
    let conversation = converse(
        &mut link,
        &commands::authorization(amount, settings.currency)?,
    )?;
    Ok(transaction(&conversation, amount))
}

/// Reverses the payment whose auth-id (the terminal's receipt number) is `auth_id`:
/// Reversal `06 30`.
pub fn cancel<P: Port>(
    port: &mut P,
    settings: &Settings,
    auth_id: u32,
) -> Result<Transaction, Error> {
    let command = commands::reversal(settings.password, auth_id)?;
    let mut link = start(port, settings);
    let conversation = converse(&mut link, &command)?;
    Ok(transaction(&conversation, 0))
}

/// Refunds `amount` of the payment `rrn` names: Refund `06 31`.
pub fn refund<P: Port>(
    port: &mut P,
    settings: &Settings,
    rrn: &str,
    amount: i64,
) -> Result<Transaction, Error> {
    let amount = positive(amount)?;
    let reference = if settings.refund_reference {
        Some(rrn::parse(rrn).ok_or_else(|| {
            Error::unsupported(format!(
                "rrn \"{rrn}\" is not one this driver gave (terminal id and trace number, 14 digits)"
            ))
        })?)
    } else {
        None
    };
    let command = commands::refund(
        settings.password,
        amount,
        settings.currency,
        reference.as_ref(),
    )?;
    let mut link = start(port, settings);
    let conversation = converse(&mut link, &command)?;
    Ok(transaction(&conversation, amount))
}

/// The terminal's last transaction: Repeat Receipt `06 20`, whose status information
/// describes it. None when the terminal has nothing to repeat.
pub fn last_transaction<P: Port>(
    port: &mut P,
    settings: &Settings,
) -> Result<Option<Transaction>, Error> {
    let command = commands::repeat_receipt(settings.password)?;
    let mut link = start(port, settings);
    let conversation = converse(&mut link, &command)?;
    match (
        &conversation.end,
        conversation.status(),
        &conversation.abandoned,
    ) {
        (End::Completed(_), Some(status), _)
            if status.trace.is_some() || status.amount.is_some() =>
        {
            Ok(Some(transaction(&conversation, 0)))
        }
        // Aborted because the driver gave up: the terminal did not say there is nothing, and
        // "none" could make an unclear payment look unpaid.
        (End::Aborted(_), _, Some(cause)) => Err(cause.clone()),
        (End::Aborted(code), _, None) => {
            log::info(format!("nothing to repeat: {}", codes::result_text(*code)));
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// The transaction a conversation reported; `requested` stands in for a missing amount.
fn transaction(conversation: &Conversation, requested: u64) -> Transaction {
    let status = conversation.status().unwrap_or_default();
    let code = match &conversation.end {
        End::Aborted(code) => *code,
        End::Completed(data) => Fields::parse(data)
            .result_code
            .filter(|c| *c != codes::APPROVED)
            .or(status.result_code)
            .unwrap_or(codes::APPROVED),
    };
    let outcome = if code == codes::APPROVED && matches!(conversation.end, End::Completed(_)) {
        Outcome::Approved
    } else {
        Outcome::Declined
    };
    if outcome == Outcome::Approved && conversation.statuses.is_empty() {
        log::warn("the terminal completed without status information: no rrn or auth-id");
    }
    Transaction {
        outcome,
        amount: status.amount.unwrap_or(requested) as i64,
        rrn: rrn::compose(status.terminal_id, status.trace),
        auth_id: status.receipt_no.unwrap_or(0),
        auth_code: status.auth_code.clone().unwrap_or_default(),
        card_number: status.card_number.clone().unwrap_or_default(),
        response_code: code.into(),
        text: codes::result_text(code),
        date_time: date_time(&status, today()),
    }
}

/// The transaction's date and time: `AA` (YYMMDD) when given, else `0D` (MMDD) in the year
/// that makes it not later than `today` (year, month).
pub fn date_time(f: &Fields, today: (u16, u8)) -> Option<DateTime> {
    let (hour, minute, second) = f.time?;
    let (year, month, day) = match (f.full_date, f.date) {
        (Some((yy, mm, dd)), _) => (2000 + u16::from(yy), mm, dd),
        (None, Some((mm, dd))) => {
            let (year, this_month) = today;
            (if mm > this_month { year - 1 } else { year }, mm, dd)
        }
        (None, None) => return None,
    };
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then_some(DateTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
    })
}

/// This year and month by the system clock (UTC).
fn today() -> (u16, u8) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (year, month, _) = civil_from_days((secs / 86_400) as i64);
    (year as u16, month)
}

/// The proleptic Gregorian date `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
    }

    #[test]
    fn dates_from_fields() {
        let mut f = Fields {
            time: Some((12, 23, 6)),
            date: Some((12, 31)),
            ..Fields::default()
        };
        // A 31 December transaction reported in January belongs to last year.
        assert_eq!(date_time(&f, (2026, 1)).unwrap().year, 2025);
        assert_eq!(date_time(&f, (2026, 12)).unwrap().year, 2026);
        f.full_date = Some((26, 3, 14));
        let dt = date_time(&f, (2030, 1)).unwrap();
        assert_eq!((dt.year, dt.month, dt.day, dt.hour), (2026, 3, 14, 12));
        f.time = None;
        assert_eq!(date_time(&f, (2026, 1)), None);
    }

    #[test]
    fn software_version_of_a_status_enquiry() {
        // `06 0F` data of a published status enquiry completion: "2.14.15", status 00.
        let data = [
            0xF0, 0xF0, 0xF7, b'2', b'.', b'1', b'4', b'.', b'1', b'5', 0x00,
        ];
        assert_eq!(software_version(&data).as_deref(), Some("2.14.15"));
        assert_eq!(software_version(&[0x19, 0x00]), None);
    }
}
