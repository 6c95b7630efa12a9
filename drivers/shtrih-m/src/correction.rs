//! Correction receipts (кассовый чек коррекции, FFD 1.2): a settlement made good afterwards.
//!
//! The vendor's JavaPOS driver (shtrih-m/javapos_shtrih) makes an FFD 1.2 correction as a
//! receipt of its own type: `FiscalPrinterImpl` opens `SMFP_RECTYPE_CORRECTION_SALE` (80h),
//! `_BUY` (81h), `_RETSALE` (82h) or `_RETBUY` (83h) with open check 8Dh
//! (`command/PrinterConst.java`), and `receipt/FSSalesReceipt.java` fills it like a sale:
//! operation v2 (FF46h) per item, close v2 (FF45h). What a correction adds goes as TLVs
//! (FF0Ch, `fsWriteTag`) right after the open: tag 1173 "тип коррекции" (one byte: 0 self,
//! 1 by order) and tag 1174 "основание для коррекции", an STLV of 1178 (the corrected day,
//! UnixTime, 4 bytes) and 1179 (the order's number, a string of at most 32), as `TLVTags.java`
//! types them. The FFD 1.05 commands (FF35h/FF36h, FF4Ah) are not used: they take totals
//! only, no items.
//!
//! 8Dh → FF0Ch 1173 → FF0Ch 1174 → FF0Ch 1203 (cashier INN) → FF46h per item → FF45h.

use driver_kit::Port;

use crate::commands;
use crate::driver::Shtrih;
use crate::errors;
use crate::marking::tlv;
use crate::receipt;
use crate::text;
use crate::types::*;

pub const TAG_CORRECTION_TYPE: u16 = 1173;
pub const TAG_CORRECTION_BASIS: u16 = 1174;
pub const TAG_BASE_DATE: u16 = 1178;
pub const TAG_ORDER_NUMBER: u16 = 1179;
/// Tag 1179 is a string of at most 32 characters.
pub const ORDER_NUMBER_WIDTH: usize = 32;

fn invalid(message: String) -> DriverError {
    errors::refused(ErrorClass::Unsupported, message)
}

/// Seconds from 1970-01-01 to midnight of `date` (UTC), as tag 1178 carries a day.
pub fn unix_day(date: &Date) -> u32 {
    let (y, m, d) = (date.year as i64, date.month as i64, date.day as i64);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468; // 719 468 days from 0000-03-01 to 1970-01-01
    (days * 86_400) as u32
}

/// Tags 1173 and 1174 (with 1178 and 1179 inside) as FF0Ch sends them.
pub fn correction_tags(correction: &Correction) -> Result<Vec<(u16, Vec<u8>)>, DriverError> {
    let kind = match correction.basis {
        CorrectionBasis::SelfInitiated => 0,
        CorrectionBasis::ByOrder => 1,
    };
    let d = &correction.base_date;
    if !(2000..=2099).contains(&d.year)
        || !(1..=12).contains(&d.month)
        || !(1..=31).contains(&d.day)
    {
        return Err(invalid(format!(
            "the corrected day {:04}-{:02}-{:02} (FFD tag 1178) is not a date",
            d.year, d.month, d.day
        )));
    }
    let order = correction
        .order_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if correction.basis == CorrectionBasis::ByOrder && order.is_none() {
        return Err(invalid(
            "a correction by order needs the order's number (FFD tag 1179)".into(),
        ));
    }
    let mut basis = tlv(TAG_BASE_DATE, &unix_day(d).to_le_bytes());
    if let Some(number) = order {
        if number.chars().count() > ORDER_NUMBER_WIDTH {
            return Err(invalid(format!(
                "the order number {number:?} is longer than {ORDER_NUMBER_WIDTH} characters (FFD tag 1179)"
            )));
        }
        basis.extend(tlv(TAG_ORDER_NUMBER, &text::encode(number)));
    }
    Ok(vec![
        (TAG_CORRECTION_TYPE, vec![kind]),
        (TAG_CORRECTION_BASIS, basis),
    ])
}

impl<P: Port> Shtrih<P> {
    /// Registers a correction receipt and prints it. Its items and payments follow the
    /// receipt rules (`receipt::plan`); marked items are refused before anything is sent.
    pub fn register_correction(
        &mut self,
        correction: CorrectionReceipt,
    ) -> Result<FiscalResult, DriverError> {
        if let Some((index, item)) = correction
            .items
            .iter()
            .enumerate()
            .find(|(_, i)| i.marking.is_some())
        {
            return Err(invalid(format!(
                "item {index} ({}): a correction receipt carries no marking codes (tag 2000)",
                item.name
            )));
        }
        let p = &correction.payments;
        if p.change != 0 || (p.cash_received != 0 && p.cash_received != p.cash) {
            return Err(invalid(format!(
                "a correction receipt takes no change: cash {} received {} change {}",
                p.cash, p.cash_received, p.change
            )));
        }
        let tags = correction_tags(&correction.correction)?;
        let as_receipt = FiscalReceipt {
            kind: correction.kind,
            cashier: correction.cashier,
            items: correction.items,
            payments: correction.payments,
            total: correction.total,
            taxation_system: correction.taxation_system,
            customer_contact: None,
            footer: Vec::new(),
        };
        let plan = receipt::plan(&as_receipt)?;
        let open = commands::open_correction_check(self.password(), plan.check);
        self.register_planned(&as_receipt, &plan, receipt::Open::Always(open), &tags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn the_corrected_day_is_unix_time_at_midnight() {
        assert_eq!(unix_day(&day(1970, 1, 1)), 0);
        // 2026-02-27 00:00:00 UTC.
        assert_eq!(unix_day(&day(2026, 2, 27)), 1_772_150_400);
    }

    #[test]
    fn tags_1173_and_1174() {
        let tags = correction_tags(&Correction {
            basis: CorrectionBasis::ByOrder,
            base_date: day(2026, 2, 27),
            order_number: Some("12-34/5".into()),
        })
        .unwrap();
        assert_eq!(tags[0], (1173, vec![1]));
        let (tag, basis) = &tags[1];
        assert_eq!(*tag, 1174);
        let mut expected = vec![0x9A, 0x04, 4, 0];
        expected.extend(1_772_150_400u32.to_le_bytes());
        expected.extend([0x9B, 0x04, 7, 0]);
        expected.extend(b"12-34/5");
        assert_eq!(basis, &expected);
        let e = correction_tags(&Correction {
            basis: CorrectionBasis::ByOrder,
            base_date: day(2026, 2, 27),
            order_number: None,
        })
        .unwrap_err();
        assert!(e.message.contains("1179"), "{}", e.message);
        let self_initiated = correction_tags(&Correction {
            basis: CorrectionBasis::SelfInitiated,
            base_date: day(2026, 2, 27),
            order_number: None,
        })
        .unwrap();
        assert_eq!(self_initiated[0], (1173, vec![0]));
        assert_eq!(self_initiated[1].1.len(), 8);
    }
}
