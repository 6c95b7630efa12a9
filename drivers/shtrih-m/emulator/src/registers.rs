//! The register's money registers (read with 1Ah) and operation registers (1Bh), numbered as
//! the vendor numbers them (the names in `CashRegister.java` and `OperationRegister.java` of
//! the vendor's JavaPOS driver, shtrih-m/javapos_shtrih; the same table as its protocol
//! manual). Every figure is a counter the emulator keeps as receipts close, are cancelled,
//! and cash goes in and out, by both the legacy (80h/82h/85h) and the fiscal-drive (FF46h/
//! FF45h) paths; shift counters start again at the Z report.
//!
//! Each group runs by receipt type: `base + type`, type 0 sale, 1 purchase, 2 sale return,
//! 3 purchase return (the open-check type), then `+ 4` for the next department, payment type
//! or tax group. Registers this emulator has nothing for (discounts and allowances: it takes
//! none; the electronic journal of pre-fiscal-drive models) read 0, as they do on a register
//! that never used them.

use crate::device::OpenReceipt;
use crate::journal::RegisteredReceipt;

/// Money register numbers (1Ah).
pub mod money {
    /// Sales by department in the open receipt: `+ type + 4 × (department − 1)`, 16 departments.
    pub const RECEIPT_DEPARTMENTS: u16 = 0;
    /// Tax turnover by tax group А..Г (table 6 rows 1..4) in the open receipt.
    pub const RECEIPT_TAX_TURNOVER: u16 = 88;
    /// Tax by group А..Г in the open receipt.
    pub const RECEIPT_TAX: u16 = 104;
    /// Cash in the drawer when the last receipt closed.
    pub const CASH_AT_LAST_RECEIPT: u16 = 120;
    /// Sales by department in the shift.
    pub const SHIFT_DEPARTMENTS: u16 = 121;
    /// Payments by type 1..4 in the shift (type 1 is cash).
    pub const SHIFT_PAYMENTS: u16 = 193;
    /// Tax turnover by group А..Г in the shift.
    pub const SHIFT_TAX_TURNOVER: u16 = 209;
    /// Tax by group А..Г in the shift.
    pub const SHIFT_TAX: u16 = 225;
    pub const CASH_IN_DRAWER: u16 = 241;
    pub const SHIFT_CASH_IN: u16 = 242;
    pub const SHIFT_CASH_OUT: u16 = 243;
    /// Totals of cancelled (88h) receipts in the shift.
    pub const SHIFT_VOIDED: u16 = 249;
    /// Payments by type 5..16 in the shift (two-byte register numbers).
    pub const SHIFT_PAYMENTS_5_16: u16 = 4144;
}

/// Operation register numbers (1Bh).
pub mod operation {
    /// Receipts closed in the shift, by type.
    pub const SHIFT_RECEIPTS: u8 = 144;
    /// The number of the last receipt of each type (never reset).
    pub const RECEIPT_NUMBERS: u8 = 148;
    /// The running document number (11h reports it too).
    pub const RUNNING_NUMBER: u8 = 152;
    pub const SHIFT_CASH_INS: u8 = 153;
    pub const SHIFT_CASH_OUTS: u8 = 154;
    pub const CASH_IN_NUMBER: u8 = 155;
    pub const CASH_OUT_NUMBER: u8 = 156;
    /// Documents cancelled in the shift.
    pub const SHIFT_CANCELLED: u8 = 157;
    /// The number of the last X report.
    pub const X_REPORT_NUMBER: u8 = 158;
    /// The number of the last Z report (the last closed shift).
    pub const Z_REPORT_NUMBER: u8 = 159;
    /// Receipts cancelled, all time.
    pub const CANCELLATIONS: u8 = 166;
    /// Receipts cancelled in the shift, by type.
    pub const SHIFT_VOIDED: u8 = 179;
}

/// The open-check type (0..3) as a register index.
fn kind(check_type: u8) -> usize {
    (check_type & 3) as usize
}

/// A line's department as an index 0..16 (department 0, "free sale", counts as 1).
fn department(d: u8) -> usize {
    (d.max(1) - 1).min(15) as usize
}

/// A tax-rate bit of operation v2 as a legacy tax group А..Г (table 6 rows 1..4); rows 5 and
/// 6 (22/122, 10/110) have no group register.
fn tax_group(tax_rate: u8) -> Option<usize> {
    match tax_rate {
        0x01 => Some(0),
        0x02 => Some(1),
        0x04 => Some(2),
        0x08 => Some(3),
        _ => None,
    }
}

/// The shift's counters and the few that never reset.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registers {
    departments: [[u64; 4]; 16],
    /// Payment types 1..16 (the 16 slots of FF45h; 85h fills 1..4).
    payments: [[u64; 4]; 16],
    tax_turnover: [[u64; 4]; 4],
    tax: [[u64; 4]; 4],
    cash_in: u64,
    cash_out: u64,
    voided: [u64; 4],
    receipts: [u16; 4],
    cash_ins: u16,
    cash_outs: u16,
    cancelled: u16,
    voided_receipts: [u16; 4],
    // Never reset.
    cash_at_last_receipt: u64,
    receipt_numbers: [u16; 4],
    cash_in_number: u16,
    cash_out_number: u16,
    x_reports: u16,
    cancellations: u16,
}

impl Registers {
    /// A receipt went into the fiscal drive; `cash` is the drawer after it.
    pub fn receipt_closed(&mut self, check_type: u8, receipt: &RegisteredReceipt, cash: u64) {
        let t = kind(check_type);
        for line in &receipt.items {
            self.departments[department(line.department)][t] += line.amount;
            if let Some(g) = tax_group(line.tax_rate) {
                self.tax_turnover[g][t] += line.amount;
            }
        }
        // Cash counts what stayed in the drawer: the change went back out of it.
        for (i, &paid) in receipt.payments.iter().enumerate() {
            let paid = if i == 0 { paid - receipt.change } else { paid };
            self.payments[i][t] += paid;
        }
        // The close's tax figures: taxes at 22% and 10% (groups А, Б); 0% and without VAT
        // carry no tax.
        self.tax[0][t] += receipt.taxes[0];
        self.tax[1][t] += receipt.taxes[1];
        self.receipts[t] = self.receipts[t].wrapping_add(1);
        self.receipt_numbers[t] = self.receipt_numbers[t].wrapping_add(1);
        self.cash_at_last_receipt = cash;
    }

    /// A correction receipt went into the fiscal drive: it counts in no shift register of
    /// sales or returns (FFD 1.2's shift report counts corrections apart, tag 1133); only the
    /// drawer after it is kept. (Inferred, not seen on a device: to confirm on one.)
    pub fn correction_closed(&mut self, cash: u64) {
        self.cash_at_last_receipt = cash;
    }

    /// An open receipt was cancelled (88h).
    pub fn receipt_cancelled(&mut self, receipt: &OpenReceipt) {
        let t = kind(receipt.check_type);
        self.voided[t] += receipt.lines.iter().map(|l| l.amount).sum::<u64>();
        self.voided_receipts[t] = self.voided_receipts[t].wrapping_add(1);
        self.cancelled = self.cancelled.wrapping_add(1);
        self.cancellations = self.cancellations.wrapping_add(1);
    }

    pub fn cash_moved(&mut self, incoming: bool, amount: u64) {
        if incoming {
            self.cash_in += amount;
            self.cash_ins = self.cash_ins.wrapping_add(1);
            self.cash_in_number = self.cash_in_number.wrapping_add(1);
        } else {
            self.cash_out += amount;
            self.cash_outs = self.cash_outs.wrapping_add(1);
            self.cash_out_number = self.cash_out_number.wrapping_add(1);
        }
    }

    pub fn x_report(&mut self) {
        self.x_reports = self.x_reports.wrapping_add(1);
    }

    /// The Z report zeroes the shift's counters.
    pub fn shift_closed(&mut self) {
        *self = Self {
            cash_at_last_receipt: self.cash_at_last_receipt,
            receipt_numbers: self.receipt_numbers,
            cash_in_number: self.cash_in_number,
            cash_out_number: self.cash_out_number,
            x_reports: self.x_reports,
            cancellations: self.cancellations,
            ..Self::default()
        };
    }

    /// Sales (of type `t`) in the shift, all departments: what the X report prints.
    pub fn shift_total(&self, t: usize) -> u64 {
        self.departments.iter().map(|d| d[t]).sum()
    }

    /// Money register `number`, or `None` when the register has no such number.
    pub fn money(&self, number: u16, receipt: Option<&OpenReceipt>, cash: u64) -> Option<u64> {
        use money::*;
        let n = number;
        // (group, type) of a register in a block of `count` groups starting at `base`.
        let at = |base: u16, count: u16| {
            (base..base + 4 * count)
                .contains(&n)
                .then(|| (((n - base) / 4) as usize, ((n - base) % 4) as usize))
        };
        let open = |f: &dyn Fn(&OpenReceipt) -> u64| receipt.map_or(0, f);
        Some(match n {
            0..=63 => {
                let (d, t) = at(RECEIPT_DEPARTMENTS, 16)?;
                open(&|r| {
                    if kind(r.check_type) != t {
                        return 0;
                    }
                    r.lines
                        .iter()
                        .filter(|l| department(l.department) == d)
                        .map(|l| l.amount)
                        .sum()
                })
            }
            // Discounts, allowances and payments in the open receipt: payments are made by
            // the close, which ends the receipt.
            64..=87 => 0,
            88..=103 => {
                let (g, t) = at(RECEIPT_TAX_TURNOVER, 4)?;
                open(&|r| {
                    if kind(r.check_type) != t {
                        return 0;
                    }
                    r.lines
                        .iter()
                        .filter(|l| tax_group(l.tax_rate) == Some(g))
                        .map(|l| l.amount)
                        .sum()
                })
            }
            // The open receipt's tax is computed at its close.
            104..=119 => 0,
            CASH_AT_LAST_RECEIPT => self.cash_at_last_receipt,
            121..=184 => {
                let (d, t) = at(SHIFT_DEPARTMENTS, 16)?;
                self.departments[d][t]
            }
            185..=192 => 0,
            193..=208 => {
                let (p, t) = at(SHIFT_PAYMENTS, 4)?;
                self.payments[p][t]
            }
            209..=224 => {
                let (g, t) = at(SHIFT_TAX_TURNOVER, 4)?;
                self.tax_turnover[g][t]
            }
            225..=240 => {
                let (g, t) = at(SHIFT_TAX, 4)?;
                self.tax[g][t]
            }
            CASH_IN_DRAWER => cash,
            SHIFT_CASH_IN => self.cash_in,
            SHIFT_CASH_OUT => self.cash_out,
            // The non-resettable sum before fiscalization and the electronic journal's sums:
            // this register was fiscalized at the factory and has no journal.
            244..=248 => 0,
            249..=252 => self.voided[(n - SHIFT_VOIDED) as usize],
            4144..=4191 => {
                let (p, t) = at(SHIFT_PAYMENTS_5_16, 12)?;
                self.payments[p + 4][t]
            }
            _ => return None,
        })
    }

    /// Operation register `number` (all 0..=255 exist; the ones kept here are named in
    /// `operation`, the rest count what this emulator never does).
    pub fn operation(&self, number: u8, running_number: u16, last_z: u32) -> u16 {
        use operation::*;
        match number {
            144..=147 => self.receipts[(number - SHIFT_RECEIPTS) as usize],
            148..=151 => self.receipt_numbers[(number - RECEIPT_NUMBERS) as usize],
            RUNNING_NUMBER => running_number,
            SHIFT_CASH_INS => self.cash_ins,
            SHIFT_CASH_OUTS => self.cash_outs,
            CASH_IN_NUMBER => self.cash_in_number,
            CASH_OUT_NUMBER => self.cash_out_number,
            SHIFT_CANCELLED => self.cancelled,
            X_REPORT_NUMBER => self.x_reports,
            Z_REPORT_NUMBER => last_z as u16,
            CANCELLATIONS => self.cancellations,
            179..=182 => self.voided_receipts[(number - SHIFT_VOIDED) as usize],
            _ => 0,
        }
    }
}
