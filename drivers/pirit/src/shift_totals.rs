//! The shift's counters (`register.shift-totals`, WIT 0.3.0): what the register's own
//! counters say it sold and returned this shift, read just before a Z report so head office
//! can set them beside the receipts the host sent (a sale rung up on the register's keyboard
//! shows here and nowhere else).
//!
//! The register keeps them as its shift counters, which its Z report prints and clears, and
//! answers them live with 0x01 "Запрос сменных счетчиков и регистров" (the vendor's
//! `documentation_pirit_fm.md`; `docs/register-shift-counters.md` §2, with Dreamkas's own
//! `Qt_fisGoPiritLib` reading the same requests in `counters.cpp`). Request 12, the last X/Z
//! report's figures, is not live and is not used. What is read:
//!
//! - 0x00: the status flags (bit 2 "смена открыта" decides `shift-closed`: a closed shift's
//!   counters read 0, not an error), with start of work first when the register needs it,
//!   as for every operation;
//! - 0x01/1: the shift's number;
//! - 0x01/7: receipts in the shift, field 1 sales and field 2 sale returns;
//! - 0x01/3 and 0x01/5: sales and sale returns by payment type, 16 sums in rubles: type 0
//!   is cash, types 1..12 (electronic, the one the driver pays cashless with, and the user's
//!   programmable ones) are added up as cashless.
//!
//! `total` is cash + cashless: five exchanges in all. Types 13..15 (prepayment, credit,
//! counter-provision) are not cashless money of the shift, so a receipt paid with them is
//! short of them in `total` (see the README). Whether the user's types 2..12 count as
//! electronic depends on how the shop set them up (a guess of §2, to check on a device).
//!
//! Correction receipts are not counted (the WIT contract): 0x01/3, /5 and /7 count sale
//! receipts, corrections have their own request 18; the emulator keeps them out, which is to
//! be confirmed on a device.

use driver_kit::Port;

use crate::commands::{self, PaymentSums, ReceiptCounts, counter};
use crate::driver::{Pirit, shift_closed};
use crate::types::*;

impl<P: Port> Pirit<P> {
    /// The open shift's counters: receipts, total, cash and cashless of sales and of returns,
    /// as the register's Z report would print them now. With no shift open: `shift-closed`,
    /// nothing else asked.
    pub fn shift_totals(&mut self) -> Result<ShiftCounters, DriverError> {
        let flags = self.ensure_started()?;
        if !flags.shift_open() {
            return Err(shift_closed(&flags));
        }
        // A shift over 24 hours still answers: the host asks just before its Z report.
        let shift_number = self.shift_number()?;
        let receipts = {
            let a = self.query(&commands::counters(counter::RECEIPT_COUNTS))?;
            Self::decode(commands::COUNTERS, ReceiptCounts::decode(&a))?
        };
        let sales = self.payment_sums(counter::SALES_BY_PAYMENT)?;
        let returns = self.payment_sums(counter::RETURNS_BY_PAYMENT)?;
        Ok(ShiftCounters {
            shift_number,
            sales: operation_counters(receipts.sales, &sales),
            returns: operation_counters(receipts.returns, &returns),
        })
    }

    /// 0x01/`request`: one kind's sums by payment type.
    fn payment_sums(&mut self, request: u8) -> Result<PaymentSums, DriverError> {
        let a = self.query(&commands::counters(request))?;
        Self::decode(commands::COUNTERS, PaymentSums::decode(&a, request))
    }
}

/// One kind's counters from its receipt count and its sums.
fn operation_counters(receipts: u32, sums: &PaymentSums) -> OperationCounters {
    let cash = sums.cash();
    let cashless = sums.cashless();
    OperationCounters {
        receipts,
        total: cash.saturating_add(cashless),
        cash,
        cashless,
    }
}
