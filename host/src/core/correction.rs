//! Correction receipts (FFD 1.2 `чек коррекции`, tags 1173, 1174, 1178, 1179): a settlement
//! that was not registered when it happened (a register that was down, a receipt never
//! printed) is registered afterwards, on the shop's own initiative or by the tax office's
//! order. Such a receipt records money that already moved: nothing is charged on a card
//! terminal, and the payments must come to the total exactly (no change is given).
//!
//! Sources: 54-FZ art. 4.3 and FFD 1.2 (tag 1173 "тип коррекции" 0 self-initiated / 1 by order,
//! tag 1174 "основание для коррекции" holding 1178 "дата совершения корректируемого расчета"
//! and 1179 "номер предписания налогового органа"); a marking code (tag 2000) may not go on a
//! correction (the FNS' format tables allow 2000 only in a receipt's positions, and the
//! best-known servers refuse it: ATOL's `sellCorrection` takes no `imcParams`).
//!
//! What a correction corrects is its body's kind: a sale (`приход`) or a sale return
//! (`возврат прихода`). The journal keeps the document as `correction`, so nothing that looks
//! for sales (refunds, the card side) ever takes one for a sale.

use serde::{Deserialize, Serialize};

use super::CoreError;
use crate::plugins::contract::types::{Correction, CorrectionBasis, Date};

/// A correction as the journal keeps it in the document's body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CorrectionRecord {
    pub basis: Basis,
    /// Tag 1178, `YYYY-MM-DD`.
    pub base_date: String,
    /// Tag 1179.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    SelfInitiated,
    ByOrder,
}

/// Tag 1179 is a string of at most 32 characters.
const ORDER_NUMBER_WIDTH: usize = 32;

impl CorrectionRecord {
    /// Checks a correction a face parsed before anything is journaled: by order needs the
    /// order's number; the corrected day is a real day and not after `today`.
    pub fn of(correction: &Correction, today: Date) -> Result<Self, CoreError> {
        let bad = |why: String| CoreError::InvalidInput(format!("correction: {why}"));
        let Date { year, month, day } = correction.base_date;
        if chrono::NaiveDate::from_ymd_opt(year.into(), month.into(), day.into()).is_none() {
            return Err(bad(format!(
                "base date {year:04}-{month:02}-{day:02} is not a day"
            )));
        }
        if (year, month, day) > (today.year, today.month, today.day) {
            return Err(bad(format!(
                "base date {year:04}-{month:02}-{day:02} is after today: only a settlement that \
                 happened can be corrected"
            )));
        }
        let order_number = correction
            .order_number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        if let Some(n) = &order_number
            && n.chars().count() > ORDER_NUMBER_WIDTH
        {
            return Err(bad(format!(
                "the order number is longer than {ORDER_NUMBER_WIDTH} characters (tag 1179)"
            )));
        }
        let basis = match correction.basis {
            CorrectionBasis::SelfInitiated => Basis::SelfInitiated,
            CorrectionBasis::ByOrder if order_number.is_none() => {
                return Err(bad(
                    "a correction by the tax office's order needs the order's number".into(),
                ));
            }
            CorrectionBasis::ByOrder => Basis::ByOrder,
        };
        Ok(Self {
            basis,
            base_date: format!("{year:04}-{month:02}-{day:02}"),
            order_number,
        })
    }

    /// The correction as the register and the layout are told of it.
    pub fn contract(&self) -> Correction {
        let n = |range: std::ops::Range<usize>| {
            self.base_date
                .get(range)
                .and_then(|s| s.parse::<u16>().ok())
                .unwrap_or(0)
        };
        Correction {
            basis: match self.basis {
                Basis::SelfInitiated => CorrectionBasis::SelfInitiated,
                Basis::ByOrder => CorrectionBasis::ByOrder,
            },
            base_date: Date {
                year: n(0..4),
                month: n(5..7) as u8,
                day: n(8..10) as u8,
            },
            order_number: self.order_number.clone(),
        }
    }
}

/// A correction as a face parsed it: the basis, the corrected day, the order's number.
pub fn correction_of(
    basis: CorrectionBasis,
    base_date: chrono::NaiveDate,
    order_number: Option<String>,
) -> Correction {
    use chrono::Datelike;
    Correction {
        basis,
        base_date: Date {
            year: base_date.year() as u16,
            month: base_date.month() as u8,
            day: base_date.day() as u8,
        },
        order_number,
    }
}

/// A correction's lines carry no marking code; `line` counts from 1.
pub fn refuse_marking(line: usize) -> CoreError {
    CoreError::InvalidInput(format!(
        "line {line}: a marking code goes only on a sale or a sale-return receipt, not on a \
         correction receipt"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date {
        year: 2026,
        month: 12,
        day: 2,
    };

    fn correction(basis: CorrectionBasis, date: (u16, u8, u8), order: Option<&str>) -> Correction {
        Correction {
            basis,
            base_date: Date {
                year: date.0,
                month: date.1,
                day: date.2,
            },
            order_number: order.map(str::to_owned),
        }
    }

    #[test]
    fn a_correction_round_trips_through_its_record() {
        let c = correction(CorrectionBasis::ByOrder, (2026, 11, 30), Some(" 12-34 "));
        let record = CorrectionRecord::of(&c, TODAY).unwrap();
        assert_eq!(record.base_date, "2026-11-30");
        assert_eq!(record.order_number.as_deref(), Some("12-34"));
        let back = record.contract();
        assert_eq!(back.basis, CorrectionBasis::ByOrder);
        assert_eq!(back.base_date, c.base_date);
        assert_eq!(back.order_number.as_deref(), Some("12-34"));
        // Self-initiated: the order number is optional, an empty one is none.
        let c = correction(CorrectionBasis::SelfInitiated, (2026, 12, 2), Some(""));
        let record = CorrectionRecord::of(&c, TODAY).unwrap();
        assert_eq!(
            (record.basis, record.order_number),
            (Basis::SelfInitiated, None)
        );
    }

    #[test]
    fn by_order_needs_a_number_and_the_day_must_be_real_and_past() {
        let refused = |c: Correction| match CorrectionRecord::of(&c, TODAY) {
            Err(CoreError::InvalidInput(m)) => m,
            other => panic!("{other:?}"),
        };
        let m = refused(correction(CorrectionBasis::ByOrder, (2026, 11, 1), None));
        assert!(m.contains("order"), "{m}");
        let m = refused(correction(
            CorrectionBasis::ByOrder,
            (2026, 11, 1),
            Some("  "),
        ));
        assert!(m.contains("order"), "{m}");
        let m = refused(correction(
            CorrectionBasis::SelfInitiated,
            (2026, 2, 30),
            None,
        ));
        assert!(m.contains("not a day"), "{m}");
        let m = refused(correction(
            CorrectionBasis::SelfInitiated,
            (2026, 12, 3),
            None,
        ));
        assert!(m.contains("after today"), "{m}");
        let long = "9".repeat(33);
        let m = refused(correction(
            CorrectionBasis::ByOrder,
            (2026, 1, 1),
            Some(&long),
        ));
        assert!(m.contains("1179"), "{m}");
    }
}
