//! The shift's counters (`register.shift-totals`, WIT 0.3.0): what the register's own
//! registers say it sold and returned this shift, read just before a Z report so head office
//! can set them beside the receipts the host sent (a sale rung up on the register's keyboard
//! shows here and nowhere else).
//!
//! The register keeps them in its money registers (1Ah) and operation registers (1Bh), which
//! its Z report prints and zeroes; no fiscal-drive command answers a live shift's totals
//! (`docs/register-shift-counters.md` §1: FF40h has no sums, tag 1194 exists only in the
//! closed shift's report). What is read, numbered as the vendor's JavaPOS driver numbers them
//! (`CashRegister.java`, `OperationRegister.java`; its own X report reads the same ones in
//! `TextDocumentFilter.readXReport`):
//!
//! - FF40h: the shift's state and number (the state decides `shift-closed`, as the registers
//!   of a closed shift read 0, not an error);
//! - 1Bh 144 / 146: sale / sale-return receipts in the shift;
//! - 1Ah 193 / 195: their cash payments (type 1, net of change: what stayed in the drawer);
//! - 1Ah 197 / 199, 201 / 203, 205 / 207: payment types 2–4, added up as cashless (the driver
//!   pays cashless with type 2; types 3 and 4 are the register's other cashless keys).
//!
//! `total` is cash + cashless. That is 11 exchanges: FF40h, then per kind one 1Bh and four
//! 1Ah. Payment types 5–16 (two-byte registers from 4144, which not every model has) are not
//! read: this driver sends only 14–16 there (prepayment, credit, counter-provision), and a
//! receipt paid with them is short of them in `total` (see the README).
//!
//! Correction receipts are not counted (the WIT contract); the emulator keeps them out of
//! these registers, which is to be confirmed on a device.

use driver_kit::Port;

use crate::commands::{
    self, CheckType, SHIFT_PAYMENT_TYPES, decode_money_register, decode_operation_register,
};
use crate::driver::Shtrih;
use crate::errors;
use crate::types::*;

impl<P: Port> Shtrih<P> {
    /// The open shift's counters: receipts, total, cash and cashless of sales and of returns,
    /// as the register's Z report would print them now. With no shift open: `shift-closed`,
    /// nothing else asked.
    pub fn shift_totals(&mut self) -> Result<ShiftCounters, DriverError> {
        let shift = self.shift_params()?;
        if !shift.open {
            return Err(errors::refused(
                ErrorClass::ShiftClosed,
                "Смена не открыта (the shift is not open): its counters went with the Z report",
            ));
        }
        let sales = self.operation_counters(CheckType::Sale)?;
        let returns = self.operation_counters(CheckType::SaleReturn)?;
        Ok(ShiftCounters {
            shift_number: shift.shift_number as u32,
            sales,
            returns,
        })
    }

    /// One kind's receipts (1Bh) and payments (1Ah, types 1–4) in the shift.
    fn operation_counters(&mut self, kind: CheckType) -> Result<OperationCounters, DriverError> {
        let receipts = self.operation_register(commands::shift_receipts_register(kind))?;
        let mut cash = 0;
        let mut cashless = 0;
        for payment_type in SHIFT_PAYMENT_TYPES {
            let paid =
                self.money_register(commands::shift_payments_register(kind, payment_type))?;
            if payment_type == 1 {
                cash = paid;
            } else {
                cashless += paid;
            }
        }
        Ok(OperationCounters {
            receipts: receipts as u32,
            // Registers are 6 bytes (below 2⁴⁸ kopecks): four of them fit an s64.
            total: (cash + cashless) as Money,
            cash: cash as Money,
            cashless: cashless as Money,
        })
    }

    /// Money register `number` (1Ah), kopecks.
    fn money_register(&mut self, number: u8) -> Result<u64, DriverError> {
        let data = self.call(&commands::read_money_register(
            self.password(),
            number as u16,
        ))?;
        decode_money_register(&data).map_err(errors::garbage)
    }

    /// Operation register `number` (1Bh), a count.
    fn operation_register(&mut self, number: u8) -> Result<u16, DriverError> {
        let data = self.call(&commands::read_operation_register(self.password(), number))?;
        decode_operation_register(&data).map_err(errors::garbage)
    }
}
