//! What the register keeps of its documents: the receipts it registered, with everything a
//! test checks (items, marking codes, payments, correction data, customer contact), and the
//! fiscal drive's archive of fiscal documents (number, fiscal sign, time, total) that
//! recovery reads back.

use crate::clock::DateTime;

/// Document types as 0x30 and 0x00 number them; corrections are 9..12 (FFD 1.2).
pub const DOC_SALE: u8 = 2;
pub const DOC_SALE_RETURN: u8 = 3;
pub const DOC_EXPENSE: u8 = 6;
pub const DOC_EXPENSE_RETURN: u8 = 7;
pub const DOC_CORRECTION_SALE: u8 = 9;
pub const DOC_CORRECTION_EXPENSE: u8 = 10;
pub const DOC_CORRECTION_SALE_RETURN: u8 = 11;
pub const DOC_CORRECTION_EXPENSE_RETURN: u8 = 12;

/// Payment types of 0x47.
pub const PAY_CASH: u8 = 0;
pub const PAY_CASHLESS: u8 = 1;
pub const PAY_PREPAYMENT: u8 = 13;
pub const PAY_CREDIT: u8 = 14;
pub const PAY_COUNTER_PROVISION: u8 = 15;

/// One position (0x42) as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    pub name: String,
    /// Thousandths; 1000 for a fraction of a marked package (the register sets tag 1023 = 1).
    pub quantity: i64,
    /// Tags 1293/1294 when sent as `n/m`.
    pub fraction: Option<(u32, u32)>,
    /// Kopecks.
    pub price: i64,
    pub amount: i64,
    /// The tax rate number 0..5.
    pub tax_number: u8,
    /// Tag 2108.
    pub measure: u8,
    /// Tag 1214 (4 when not sent).
    pub method: u8,
    /// Tag 1212 (1 when not sent).
    pub subject: u8,
    /// Tag 1163's marking code (bound by 0x24 `@code`), GS separators restored.
    pub marking: Option<String>,
}

/// A correction's tags (0x58).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// Tag 1173: false self-initiated, true by order.
    pub by_order: bool,
    /// Tag 1178, `ddmmyy` as sent.
    pub base_date: String,
    /// Tag 1179.
    pub order_number: String,
    /// The correction type byte as sent (bits 2..4 the taxation system).
    pub type_bits: u8,
}

/// A receipt registered in the fiscal drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredReceipt {
    /// The fiscal document number (ФД).
    pub document_number: u32,
    /// The fiscal sign (ФП), decimal.
    pub fiscal_sign: String,
    /// The document type (2, 3, 6, 7; 9..12 for corrections).
    pub kind: u8,
    pub shift: u32,
    pub number_in_shift: u32,
    pub cashier: String,
    pub items: Vec<ReceiptLine>,
    /// (payment type, sum) in the order paid.
    pub payments: Vec<(u8, i64)>,
    pub total: i64,
    pub change: i64,
    /// Tag 1008.
    pub customer_contact: Option<String>,
    pub correction: Option<Correction>,
    pub taxation: Option<u8>,
    pub date_time: DateTime,
}

/// What kind of fiscal document the drive holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    ShiftOpen,
    ShiftClose,
    Receipt,
    Correction,
}

/// One document of the fiscal drive's archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalDocument {
    pub number: u32,
    pub fiscal_sign: String,
    pub kind: DocumentKind,
    pub date_time: DateTime,
    pub amount: Option<i64>,
}

/// A fiscal sign: the 4-byte number the drive prints (tag 1077's last four bytes, big-endian),
/// in decimal, derived from the document's number and time, different per document as a real
/// drive's signature is.
pub fn fiscal_sign(number: u32, t: &DateTime) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in number
        .to_le_bytes()
        .iter()
        .chain(t.and_utc().timestamp().to_le_bytes().iter())
    {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Never below 10^9, so every sign prints with ten digits.
    format!("{}", 1_000_000_000 + h % 3_000_000_000)
}

/// The document as the fiscal drive's TLV archive gives it (0x78/16): tags 1040 (document
/// number, 4 bytes), 1012 (date and time, Unix seconds, 4 bytes), 1077 (the fiscal sign,
/// 6 bytes: two bytes of the signature's head, then the printed number big-endian) and, for a
/// receipt, 1020 (the total in kopecks, 4 bytes); every number little-endian but the sign.
pub fn tlv(doc: &FiscalDocument) -> Vec<u8> {
    fn put(out: &mut Vec<u8>, tag: u16, value: &[u8]) {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        out.extend_from_slice(value);
    }
    let mut out = Vec::new();
    put(&mut out, 1040, &doc.number.to_le_bytes());
    put(
        &mut out,
        1012,
        &(doc.date_time.and_utc().timestamp() as u32).to_le_bytes(),
    );
    let sign: u32 = doc.fiscal_sign.parse().unwrap_or(0);
    let mut fpd = vec![0x31, 0x04];
    fpd.extend_from_slice(&sign.to_be_bytes());
    put(&mut out, 1077, &fpd);
    if let Some(total) = doc.amount {
        put(&mut out, 1020, &(total as u32).to_le_bytes());
    }
    out
}

/// The archive's type of a document (0x78/15): the FFD document type numbers.
pub fn tlv_type(kind: DocumentKind) -> u8 {
    match kind {
        DocumentKind::ShiftOpen => 2,
        DocumentKind::Receipt => 3,
        DocumentKind::ShiftClose => 5,
        DocumentKind::Correction => 31,
    }
}
