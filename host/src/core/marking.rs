//! Marking codes (Честный знак; FFD 1.2 tags 2000, 2003, 2106): what a marked line carries, the
//! rule a code must meet before anything is sent, the check of every code with the register
//! before the sale's money moves, and the policy on the verdicts.
//!
//! Sources: 54-FZ and FFD 1.2 (a code only on sale and sale-return receipts; each code checked
//! with the marking system, ОИСМ, through the fiscal drive, then accepted or declined; a sale may
//! go on when the marking system is unreachable, the register notifies it later); KKMServer's
//! `AcceptOnBad` for the policy switch (`[marking] accept_on_bad`).

use serde::{Deserialize, Serialize};

use super::CoreError;
use crate::plugins::contract::register::{
    Marking, MarkingCheckResult, MarkingVerdict, PlannedStatus,
};

/// The longest code FF61h carries (its length is one byte); real codes are 30–150 characters.
pub const MAX_CODE_BYTES: usize = 255;
/// Tag 2106 with every bit set: the drive checked the code and it passed, the marking system
/// answered and confirmed the planned status.
const ALL_GOOD: u8 = 0b1111;
/// Bits 0 and 1 of tag 2106: the drive checked the code's crypto tail and it passed.
const DRIVE_PASSED: u8 = 0b0011;

/// A marked line: the code as scanned and, once checked, what the check said.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MarkedItem {
    /// Tag 2000, GS separators kept.
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckRecord>,
}

/// What the journal keeps of one check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CheckRecord {
    pub verdict: Verdict,
    /// Tag 2106 as the drive gave it; none when no check could be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_bits: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_status: Option<u8>,
    pub message: String,
    /// The code was accepted on the register and goes on the receipt.
    pub accepted: bool,
}

impl CheckRecord {
    /// What a check's `result` means under the policy: sold when the verdict sells by itself or
    /// `accept_on_bad` sells it anyway.
    pub fn of(result: &MarkingCheckResult, accept_on_bad: bool) -> Self {
        let (verdict, details) = Verdict::of(result);
        let message = match (result, details) {
            (MarkingCheckResult::NotPossible(why), _) => why.clone(),
            (_, Some(v)) => v.message.clone(),
            (_, None) => String::new(),
        };
        Self {
            verdict,
            result_bits: details.map(|v| v.result_bits),
            item_status: details.and_then(|v| v.item_status),
            message,
            accepted: verdict.sells() || accept_on_bad,
        }
    }
}

/// How a check ended, as the policy reads it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The drive and the marking system confirmed the code and its status.
    Valid,
    /// The marking system did not answer; the drive's own check passed: 54-FZ allows the sale.
    Offline,
    /// The drive or the marking system did not confirm it.
    Rejected,
    /// No check could be made (see the message).
    NotPossible,
}

impl Verdict {
    fn of(result: &MarkingCheckResult) -> (Self, Option<&MarkingVerdict>) {
        match result {
            MarkingCheckResult::Checked(v) if v.result_bits & ALL_GOOD == ALL_GOOD => {
                (Verdict::Valid, Some(v))
            }
            MarkingCheckResult::Checked(v) => (Verdict::Rejected, Some(v)),
            MarkingCheckResult::OismOffline(v) if v.result_bits & DRIVE_PASSED == DRIVE_PASSED => {
                (Verdict::Offline, Some(v))
            }
            MarkingCheckResult::OismOffline(v) => (Verdict::Rejected, Some(v)),
            MarkingCheckResult::NotPossible(_) => (Verdict::NotPossible, None),
        }
    }

    /// Sold without the policy's leave.
    fn sells(self) -> bool {
        matches!(self, Verdict::Valid | Verdict::Offline)
    }
}

/// FFD 1.2 tag 2108 "мера количества": 0 is a piece; the other values (grams, kilograms,
/// litres, metres…) are a measured good.
pub const PIECE: u8 = 0;
/// The values tag 2108 defines: piece; g, kg, t; cm, dm, m; cm², dm², m²; ml, l, m³; kWh,
/// Gcal; day, hour, minute, second; KB, MB, GB, TB; 255 any other unit.
const MEASURES: &[u8] = &[
    0, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 70, 71, 72, 73, 80, 81, 82, 83, 255,
];

/// Refuses a measure tag 2108 does not define; `line` counts from 1.
pub fn validate_measure(line: usize, measure: u8) -> Result<(), CoreError> {
    if MEASURES.contains(&measure) {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(format!(
            "line {line}: measure {measure} is not one of FFD tag 2108's ({MEASURES:?})"
        )))
    }
}

/// Refuses a code that cannot be a marking code before anything is sent. `line` counts from 1,
/// as the faces' errors do. A piece (`measure` 0) is one unit; a measured good (by weight,
/// volume, length) is checked with its quantity. (Sales and returns are the documents a code
/// may go on.)
pub fn validate(line: usize, code: &str, quantity: i64, measure: u8) -> Result<(), CoreError> {
    let bad = |why: String| CoreError::InvalidInput(format!("line {line}: marking code {why}"));
    if code.is_empty() {
        return Err(bad("is empty".into()));
    }
    if code.len() > MAX_CODE_BYTES {
        return Err(bad(format!(
            "is {} bytes long; at most {MAX_CODE_BYTES}",
            code.len()
        )));
    }
    if let Some(c) = code
        .chars()
        .find(|&c| !(c == '\u{1d}' || c.is_ascii_graphic() || c == ' '))
    {
        return Err(bad(format!(
            "contains {c:?}: only printable ASCII and the GS separator (0x1D) are allowed"
        )));
    }
    validate_measure(line, measure)?;
    if measure == PIECE && quantity != 1000 {
        return Err(bad(format!(
            "names one unit, but the line's quantity is {}.{:03}: sell each marked unit as its own \
             line (or give the measure of a good sold by weight or volume)",
            quantity / 1000,
            quantity % 1000
        )));
    }
    Ok(())
}

/// The marking as the register is told of it: the planned status (tag 2003) is a piece or a
/// measured good, sold or returned.
pub fn marking(returned: bool, measure: u8, code: &str) -> Marking {
    Marking {
        code: code.to_owned(),
        planned_status: planned_status(returned, measure),
        processing_mode: 0,
        fraction: None,
    }
}

/// Tag 2003 of a line: what the code's good becomes by this document.
pub fn planned_status(returned: bool, measure: u8) -> PlannedStatus {
    match (returned, measure == PIECE) {
        (false, true) => PlannedStatus::PieceSold,
        (false, false) => PlannedStatus::MeasuredSold,
        (true, true) => PlannedStatus::PieceReturned,
        (true, false) => PlannedStatus::MeasuredReturned,
    }
}

/// Tag 2003's number (1 piece sold, 2 measured sold, 3 piece returned, 4 measured returned),
/// as REST's `itemPlannedStatus` gives it.
pub fn planned_status_code(status: PlannedStatus) -> i64 {
    match status {
        PlannedStatus::PieceSold => 1,
        PlannedStatus::MeasuredSold => 2,
        PlannedStatus::PieceReturned => 3,
        PlannedStatus::MeasuredReturned => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(bits: u8) -> MarkingVerdict {
        MarkingVerdict {
            result_bits: bits,
            code_type: 5,
            item_status: None,
            message: String::new(),
        }
    }

    #[test]
    fn only_a_confirmed_code_or_an_offline_one_the_drive_passed_sells_by_itself() {
        let of = |r: MarkingCheckResult| Verdict::of(&r).0;
        assert_eq!(of(MarkingCheckResult::Checked(verdict(15))), Verdict::Valid);
        assert_eq!(
            of(MarkingCheckResult::Checked(verdict(7))),
            Verdict::Rejected
        );
        assert_eq!(
            of(MarkingCheckResult::Checked(verdict(13))),
            Verdict::Rejected
        );
        assert_eq!(
            of(MarkingCheckResult::OismOffline(verdict(3))),
            Verdict::Offline
        );
        assert_eq!(
            of(MarkingCheckResult::OismOffline(verdict(1))),
            Verdict::Rejected
        );
        assert_eq!(
            of(MarkingCheckResult::NotPossible("FFD 1.05".into())),
            Verdict::NotPossible
        );
        assert!(Verdict::Valid.sells() && Verdict::Offline.sells());
        assert!(!Verdict::Rejected.sells() && !Verdict::NotPossible.sells());
    }

    #[test]
    fn a_code_is_checked_before_anything_is_sent() {
        let gs = "0104600439931256215Qbag!\u{1d}93Zjqw";
        assert!(validate(1, gs, 1000, PIECE).is_ok());
        let message = |r: Result<(), CoreError>| match r {
            Err(CoreError::InvalidInput(m)) => m,
            other => panic!("{other:?}"),
        };
        // A measured good (kilograms) is checked with its quantity.
        assert!(validate(1, gs, 1250, 11).is_ok());
        assert!(message(validate(1, gs, 1000, 9)).contains("2108"));
        assert_eq!(
            message(validate(2, "", 1000, PIECE)),
            "line 2: marking code is empty"
        );
        assert!(message(validate(1, "abc\ndef", 1000, PIECE)).contains("'\\n'"));
        assert!(message(validate(1, "кириллица", 1000, PIECE)).contains("'к'"));
        assert!(message(validate(1, &"1".repeat(256), 1000, PIECE)).contains("256 bytes"));
        assert!(message(validate(3, gs, 2000, PIECE)).contains("2.000"));
    }
}
