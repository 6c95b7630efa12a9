//! What the emulated register keeps: its fiscal documents and registered receipts, for
//! tests to check what was fiscalized.

use crate::clock::DateTime;

/// Fiscal document types (the fiscal drive's numbering, as FF0Ah reports them).
pub const DOC_REGISTRATION: u8 = 1;
pub const DOC_SHIFT_OPEN: u8 = 2;
pub const DOC_RECEIPT: u8 = 3;
pub const DOC_SHIFT_CLOSE: u8 = 5;
/// FFD's "кассовый чек коррекции".
pub const DOC_CORRECTION: u8 = 31;

/// One document in the fiscal drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalDocument {
    pub number: u32,
    pub kind: u8,
    pub date_time: DateTime,
    pub fiscal_sign: u32,
    /// Shift reports: the shift.
    pub shift_number: Option<u32>,
    /// Receipts: FFD tag 1054 and the total.
    pub operation: Option<u8>,
    pub amount: Option<u64>,
}

/// One item as operation v2 (FF46h) registered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    pub name: String,
    /// Millionths of a unit.
    pub quantity: u64,
    pub price: u64,
    pub amount: u64,
    /// The VAT the host gave (none: "compute it").
    pub tax: Option<u64>,
    /// Tax-rate bit: 1 22%, 2 10%, 4 0%, 8 без НДС, 16 22/122, 32 10/110.
    pub tax_rate: u8,
    pub department: u8,
    /// FFD tag 1214.
    pub method: u8,
    /// FFD tag 1212.
    pub subject: u8,
    /// FFD tag 2000: the marking code FF67h bound to this position, when it did.
    pub marking_code: Option<String>,
    /// FFD tag 2108, the measure of the quantity, as FF4Dh sent it after the position (0, a
    /// piece, when none came: the register's default).
    pub measure: u8,
}

/// Payment slots of close check v2 (FF45h), zero-based.
pub const PAY_CASH: usize = 0;
pub const PAY_CASHLESS: usize = 1;
pub const PAY_PREPAYMENT: usize = 13;
pub const PAY_CREDIT: usize = 14;
pub const PAY_COUNTER_PROVISION: usize = 15;

/// A receipt written to the fiscal drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredReceipt {
    pub document_number: u32,
    pub fiscal_sign: u32,
    pub shift_number: u32,
    /// Number within the shift.
    pub receipt_number: u32,
    /// FFD tag 1054: 1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода.
    pub operation: u8,
    pub items: Vec<ReceiptLine>,
    pub total: u64,
    /// The 16 payment sums of FF45h (see `PAY_*`).
    pub payments: [u64; 16],
    pub change: u64,
    /// The 6 tax figures of FF45h: taxes 22% and 10%, turnovers 0% and without VAT,
    /// taxes 22/122 and 10/110.
    pub taxes: [u64; 6],
    /// FFD tag 1055 as a bit mask.
    pub tax_system: u8,
    pub cashier: String,
    /// FFD tag 1203, when sent.
    pub cashier_inn: Option<String>,
    /// FFD tag 1008 (the customer's phone or e-mail), when sent.
    pub customer_contact: Option<String>,
    /// Lines printed inside the receipt (print string while it was open).
    pub text_lines: Vec<String>,
    pub date_time: DateTime,
    /// A correction receipt's tags 1173 and 1174; none for a receipt.
    pub correction: Option<Correction>,
}

/// What a correction receipt corrects (tags 1173, 1178, 1179).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// Tag 1173: 0 self-initiated, 1 by order of the tax office.
    pub basis: u8,
    /// Tag 1178: the corrected day, Unix time (midnight).
    pub base_date: u32,
    /// Tag 1179, when sent.
    pub order_number: Option<String>,
}

impl RegisteredReceipt {
    /// The marking codes (tag 2000) of the receipt's positions, in order; none for a plain one.
    pub fn marking_codes(&self) -> Vec<Option<String>> {
        self.items.iter().map(|i| i.marking_code.clone()).collect()
    }

    pub fn cash(&self) -> u64 {
        self.payments[PAY_CASH]
    }

    /// Everything paid electronically (slots 2..13).
    pub fn cashless(&self) -> u64 {
        self.payments[1..13].iter().sum()
    }

    /// The sum of the items at one tax rate bit.
    pub fn amount_at(&self, tax_rate: u8) -> u64 {
        self.items
            .iter()
            .filter(|i| i.tax_rate == tax_rate)
            .map(|i| i.amount)
            .sum()
    }
}
