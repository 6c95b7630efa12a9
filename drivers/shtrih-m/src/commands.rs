//! The commands this driver sends: request encoders and answer decoders.
//!
//! Layouts follow the vendor's protocol description as pyshtrih (`pyshtrih/commands.py`,
//! `pyshtrih/handlers/commands.py`) and the vendor's own JavaPOS driver encode it. Common to
//! all: integers are little-endian; the password (4 bytes) follows the command code; money
//! is a 5-byte count of kopecks; operation v2 takes the quantity as 6 bytes in millionths;
//! strings are CP1251. Answers start with the error code, which the link layer has already
//! split off: the decoders here see only the data after it.

use crate::frame::{Code, FrameError};
use crate::text;
use crate::types::{Date, DateTime};

pub const SHORT_STATUS: Code = Code(0x10);
pub const FULL_STATUS: Code = Code(0x11);
pub const PRINT_BOLD: Code = Code(0x12);
pub const PRINT_STRING: Code = Code(0x17);
pub const READ_MONEY_REGISTER: Code = Code(0x1A);
pub const READ_OPERATION_REGISTER: Code = Code(0x1B);
pub const WRITE_TABLE: Code = Code(0x1E);
pub const CUT: Code = Code(0x25);
pub const FONT_METRICS: Code = Code(0x26);
pub const FEED: Code = Code(0x29);
pub const X_REPORT: Code = Code(0x40);
pub const Z_REPORT: Code = Code(0x41);
pub const CASH_IN: Code = Code(0x50);
pub const CASH_OUT: Code = Code(0x51);
pub const CANCEL_CHECK: Code = Code(0x88);
pub const OPEN_CHECK: Code = Code(0x8D);
pub const OPEN_SHIFT: Code = Code(0xE0);
pub const DEVICE_TYPE: Code = Code(0xFC);
pub const FN_STATUS: Code = Code(0xFF01);
pub const FN_VALIDITY: Code = Code(0xFF03);
pub const FN_FISCALIZATION: Code = Code(0xFF09);
pub const FN_FIND_DOCUMENT: Code = Code(0xFF0A);
pub const FN_SEND_TLV: Code = Code(0xFF0C);
pub const FN_EXCHANGE_STATUS: Code = Code(0xFF39);
pub const FN_SHIFT_PARAMS: Code = Code(0xFF40);
pub const FN_SEND_OPERATION_TLV: Code = Code(0xFF4D);
pub const CLOSE_CHECK_V2: Code = Code(0xFF45);
pub const OPERATION_V2: Code = Code(0xFF46);

/// Print-station flags: bit 0 the control tape (journal), bit 1 the receipt tape. Registers
/// with a fiscal drive have no control tape; the receipt is what we print on.
pub const RECEIPT_STATION: u8 = 0b10;
/// The documented size of the string field of print string (17h): shorter lines are
/// NUL-padded to it; lines as wide as wider paper go whole (pyshtrih pads to the model's
/// line length, at least 40: 48 on a ШТРИХ-М-01Ф).
pub const PRINT_STRING_WIDTH: usize = 40;
/// The documented size of the string field of print bold string (12h).
pub const PRINT_BOLD_WIDTH: usize = 20;
/// Table 2 ("cashiers and administrators"), field 2: the name printed and sent as tag 1021.
pub const CASHIER_TABLE: u8 = 2;
pub const CASHIER_NAME_FIELD: u8 = 2;
/// The width of that field (64 bytes in the vendor's table dumps).
pub const CASHIER_NAME_WIDTH: usize = 64;
/// Operation v2 sends at most this many bytes of an item's name.
pub const ITEM_NAME_WIDTH: usize = 128;
/// Close check v2 prints at most this many bytes of text.
pub const CLOSE_TEXT_WIDTH: usize = 64;
/// "Not given" in the 5-byte sum and tax fields of operation v2: the device computes them.
pub const NOT_GIVEN: u64 = 0xFF_FFFF_FFFF;
/// The largest 5-byte amount.
pub const MAX_SUM: u64 = 0xFF_FFFF_FFFF;
/// The largest 6-byte quantity.
pub const MAX_QUANTITY: u64 = 0xFFFF_FFFF_FFFF;

/// One command ready to frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub code: Code,
    pub data: Vec<u8>,
}

impl Request {
    fn new(code: Code, password: u32) -> Self {
        Self {
            code,
            data: password.to_le_bytes().to_vec(),
        }
    }

    fn byte(mut self, b: u8) -> Self {
        self.data.push(b);
        self
    }

    fn uint(mut self, value: u64, bytes: usize) -> Self {
        self.data.extend_from_slice(&value.to_le_bytes()[..bytes]);
        self
    }

    fn raw(mut self, bytes: &[u8]) -> Self {
        self.data.extend_from_slice(bytes);
        self
    }

    /// The complete frame.
    pub fn frame(&self) -> Result<Vec<u8>, FrameError> {
        crate::frame::encode(self.code, &self.data)
    }
}

/// 10h: short status.
pub fn short_status(password: u32) -> Request {
    Request::new(SHORT_STATUS, password)
}

/// 11h: full status.
pub fn full_status(password: u32) -> Request {
    Request::new(FULL_STATUS, password)
}

/// FCh: device type; the one command without a password.
pub fn device_type() -> Request {
    Request {
        code: DEVICE_TYPE,
        data: Vec::new(),
    }
}

/// 26h: font parameters (print width in dots, character width) of font `font`.
pub fn font_metrics(admin_password: u32, font: u8) -> Request {
    Request::new(FONT_METRICS, admin_password).byte(font)
}

/// 17h: print one line, NUL-padded to 40 bytes as pyshtrih's `prepare_string` does.
/// The caller keeps the line within the paper's width.
pub fn print_string(password: u32, stations: u8, line: &str) -> Request {
    Request::new(PRINT_STRING, password)
        .byte(stations)
        .raw(&text::field_at_least(line, PRINT_STRING_WIDTH))
}

/// 12h: print one line in bold double-width type, NUL-padded to 20 bytes.
pub fn print_bold(password: u32, stations: u8, line: &str) -> Request {
    Request::new(PRINT_BOLD, password)
        .byte(stations)
        .raw(&text::field_at_least(line, PRINT_BOLD_WIDTH))
}

/// 29h: feed `lines` empty lines.
pub fn feed(password: u32, stations: u8, lines: u8) -> Request {
    Request::new(FEED, password).byte(stations).byte(lines)
}

/// 25h: cut the receipt; 0 full, 1 partial.
pub fn cut(password: u32, partial: bool) -> Request {
    Request::new(CUT, password).byte(partial as u8)
}

/// Operation register (1Bh) of the shift's receipts: `+ type` (the open-check type of
/// [`CheckType`]), so 144 sale receipts, 146 sale-return receipts in the shift (javapos
/// `OperationRegister.java`: "Количество чеков продаж в смене"; its X report,
/// `TextDocumentFilter.readXReport`, reads `144 + i` the same way).
pub const SHIFT_RECEIPTS_REGISTER: u8 = 144;
/// Money register (1Ah) of the shift's payments: `+ type + 4 × (payment type − 1)` for the
/// payment types 1–4, so 193 sales in cash, 195 sale returns in cash, 197/199 payment type 2,
/// 201/203 type 3, 205/207 type 4 (javapos `CashRegister.java`: "Накопление оплат продаж
/// наличными в смене"; `SMFiscalPrinterImpl.readDayPayments` reads `193 + type + 4·i`).
pub const SHIFT_PAYMENTS_REGISTER: u8 = 193;
/// The payment types the one-byte registers of [`SHIFT_PAYMENTS_REGISTER`] cover: 1 cash,
/// 2–4 cashless; types 5–16 sit in two-byte registers from 4144.
pub const SHIFT_PAYMENT_TYPES: std::ops::RangeInclusive<u8> = 1..=4;

/// The operation register counting the shift's receipts of `kind`.
pub fn shift_receipts_register(kind: CheckType) -> u8 {
    SHIFT_RECEIPTS_REGISTER + kind as u8
}

/// The money register of the shift's payments of `payment_type` (1–4) on receipts of `kind`.
pub fn shift_payments_register(kind: CheckType, payment_type: u8) -> u8 {
    debug_assert!(SHIFT_PAYMENT_TYPES.contains(&payment_type));
    SHIFT_PAYMENTS_REGISTER + kind as u8 + 4 * (payment_type - 1)
}

/// 1Ah: read money register `number` (javapos `ReadCashRegister.java`): one byte for 0–255,
/// two (little-endian) for the higher "К-registers", which not every model has.
pub fn read_money_register(password: u32, number: u16) -> Request {
    let req = Request::new(READ_MONEY_REGISTER, password);
    match u8::try_from(number) {
        Ok(n) => req.byte(n),
        Err(_) => req.uint(number as u64, 2),
    }
}

/// 1Bh: read operation register `number` (javapos `ReadOperationRegister.java`), one byte.
pub fn read_operation_register(password: u32, number: u8) -> Request {
    Request::new(READ_OPERATION_REGISTER, password).byte(number)
}

/// 1Eh: write a table field (table 1 byte, row 2 bytes, field 1 byte, value).
pub fn write_table(admin_password: u32, table: u8, row: u16, field: u8, value: &[u8]) -> Request {
    Request::new(WRITE_TABLE, admin_password)
        .byte(table)
        .uint(row as u64, 2)
        .byte(field)
        .raw(value)
}

/// 40h: X report (daily report without closing the shift).
pub fn x_report(admin_password: u32) -> Request {
    Request::new(X_REPORT, admin_password)
}

/// 41h: Z report: closes the shift (and in the fiscal drive).
pub fn z_report(admin_password: u32) -> Request {
    Request::new(Z_REPORT, admin_password)
}

/// 50h: cash in (внесение), 5-byte amount in kopecks.
pub fn cash_in(password: u32, amount: u64) -> Request {
    Request::new(CASH_IN, password).uint(amount, 5)
}

/// 51h: cash out (выплата).
pub fn cash_out(password: u32, amount: u64) -> Request {
    Request::new(CASH_OUT, password).uint(amount, 5)
}

/// The receipt types of open check (8Dh). Note the order differs from FFD tag 1054.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum CheckType {
    Sale = 0,
    Purchase = 1,
    SaleReturn = 2,
    PurchaseReturn = 3,
}

/// 8Dh: open a receipt.
pub fn open_check(password: u32, kind: CheckType) -> Request {
    Request::new(OPEN_CHECK, password).byte(kind as u8)
}

/// Open check's flag for a correction receipt (FFD 1.2): 80h + the type (the vendor's
/// `PrinterConst.SMFP_RECTYPE_CORRECTION_SALE` 80h, `_BUY` 81h, `_RETSALE` 82h, `_RETBUY` 83h,
/// which `FSSalesReceipt` opens with 8Dh and fills like any receipt).
pub const CORRECTION_CHECK: u8 = 0x80;

/// 8Dh for a correction receipt of `kind`.
pub fn open_correction_check(password: u32, kind: CheckType) -> Request {
    Request::new(OPEN_CHECK, password).byte(CORRECTION_CHECK | kind as u8)
}

/// 88h: cancel (annul) the open receipt.
pub fn cancel_check(password: u32) -> Request {
    Request::new(CANCEL_CHECK, password)
}

/// E0h: open the shift (prints and writes the shift-open report to the fiscal drive).
pub fn open_shift(password: u32) -> Request {
    Request::new(OPEN_SHIFT, password)
}

/// FF01h: fiscal drive status.
pub fn fn_status(admin_password: u32) -> Request {
    Request::new(FN_STATUS, admin_password)
}

/// FF09h: totals of the last (re)registration: INN, registration number.
/// FF03h: the fiscal drive's validity date (system administrator).
pub fn fn_validity(admin_password: u32) -> Request {
    Request::new(FN_VALIDITY, admin_password)
}

/// FF39h: the state of the exchange with the OFD (system administrator).
pub fn fn_exchange_status(admin_password: u32) -> Request {
    Request::new(FN_EXCHANGE_STATUS, admin_password)
}

pub fn fn_fiscalization(admin_password: u32) -> Request {
    Request::new(FN_FISCALIZATION, admin_password)
}

/// FF0Ah: find a fiscal document by its number.
pub fn fn_find_document(admin_password: u32, number: u32) -> Request {
    Request::new(FN_FIND_DOCUMENT, admin_password).uint(number as u64, 4)
}

/// FF0Ch: send one TLV (tag and length 2 bytes each, little-endian) into the open document.
pub fn fn_send_tlv(password: u32, tag: u16, value: &[u8]) -> Request {
    Request::new(FN_SEND_TLV, password)
        .uint(tag as u64, 2)
        .uint(value.len() as u64, 2)
        .raw(value)
}

/// FF4Dh: send one TLV bound to the operation just registered (FF46h), laid out as FF0Ch's
/// (`commands.xml`: "Передать произвольную TLV структуру привязанную к операции").
pub fn fn_send_operation_tlv(password: u32, tag: u16, value: &[u8]) -> Request {
    Request::new(FN_SEND_OPERATION_TLV, password)
        .uint(tag as u64, 2)
        .uint(value.len() as u64, 2)
        .raw(value)
}

/// FF40h: parameters of the current shift.
pub fn fn_shift_params(admin_password: u32) -> Request {
    Request::new(FN_SHIFT_PARAMS, admin_password)
}

/// One item of a receipt for operation v2 (FF46h).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// FFD tag 1054: 1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода.
    pub kind: u8,
    /// Millionths of a unit (6 decimal places).
    pub quantity: u64,
    /// Kopecks per unit.
    pub price: u64,
    /// The line's sum; `None` lets the device compute price × quantity.
    pub amount: Option<u64>,
    /// The VAT inside the sum; `None` lets the device compute it.
    pub tax: Option<u64>,
    /// The tax-rate bit (see `receipt::tax_bit`).
    pub tax_rate: u8,
    pub department: u8,
    /// FFD tag 1214, method of calculation.
    pub method: u8,
    /// FFD tag 1212, subject of calculation.
    pub subject: u8,
    pub name: String,
}

/// FF46h: operation v2, one receipt item. Layout (JavaPOS `FSPrintRecItem`): password 4,
/// type 1, quantity 6, price 5, sum 5, tax 5, tax rate 1, department 1, method (1214) 1,
/// subject (1212) 1, name 0..128.
pub fn operation_v2(password: u32, op: &Operation) -> Request {
    let mut name = text::encode(&op.name);
    name.truncate(ITEM_NAME_WIDTH);
    Request::new(OPERATION_V2, password)
        .byte(op.kind)
        .uint(op.quantity, 6)
        .uint(op.price, 5)
        .uint(op.amount.unwrap_or(NOT_GIVEN), 5)
        .uint(op.tax.unwrap_or(NOT_GIVEN), 5)
        .byte(op.tax_rate)
        .byte(op.department)
        .byte(op.method)
        .byte(op.subject)
        .raw(&name)
}

/// Payment slots of close check v2: 1 cash, 2..13 electronic, 14 prepayment, 15 credit
/// (postpayment), 16 counter-provision. Zero-based indexes here.
pub const PAY_CASH: usize = 0;
pub const PAY_CASHLESS: usize = 1;
pub const PAY_PREPAYMENT: usize = 13;
pub const PAY_CREDIT: usize = 14;
pub const PAY_COUNTER_PROVISION: usize = 15;

/// Tax slots of close check v2: tax 1 (22%, formerly 20%), tax 2 (10%), turnover at 0%,
/// turnover without VAT, tax 5 (22/122), tax 6 (10/110).
pub const TAX_SLOTS: usize = 6;

/// What closes a receipt (FF45h).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseCheck {
    pub payments: [u64; 16],
    /// Rounding to the rouble, in kopecks.
    pub rounding: u8,
    pub taxes: [u64; TAX_SLOTS],
    /// FFD tag 1055 as the device's bit mask (bit 0 ОСН, 1 УСН доход, …); 0 = its default.
    pub tax_system: u8,
    pub text: String,
}

/// FF45h: close check v2. Layout (JavaPOS `FSCloseReceipt`): password 4, 16 payment sums
/// of 5 bytes, rounding 1, 6 tax sums of 5 bytes, tax system 1, text 0..64.
pub fn close_check_v2(password: u32, close: &CloseCheck) -> Request {
    let mut req = Request::new(CLOSE_CHECK_V2, password);
    for &sum in &close.payments {
        req = req.uint(sum, 5);
    }
    req = req.byte(close.rounding);
    for &tax in &close.taxes {
        req = req.uint(tax, 5);
    }
    let mut text = text::encode(&close.text);
    text.truncate(CLOSE_TEXT_WIDTH);
    req.byte(close.tax_system).raw(&text)
}

/// An answer shorter than its layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads little-endian fields off an answer.
struct Reader<'a> {
    code: Code,
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(code: Code, data: &'a [u8]) -> Self {
        Self { code, data, pos: 0 }
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos + n;
        let slice = self.data.get(self.pos..end).ok_or_else(|| {
            DecodeError(format!(
                "the answer to {} has {} data bytes, its layout needs at least {end}",
                self.code,
                self.data.len()
            ))
        })?;
        self.pos = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.bytes(1)?[0])
    }

    fn uint(&mut self, n: usize) -> Result<u64, DecodeError> {
        let mut le = [0u8; 8];
        le[..n].copy_from_slice(self.bytes(n)?);
        Ok(u64::from_le_bytes(le))
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(self.uint(2)? as u16)
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(self.uint(4)? as u32)
    }

    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn rest(&mut self) -> &'a [u8] {
        let rest = &self.data[self.pos..];
        self.pos = self.data.len();
        rest
    }

    /// The fiscal drive's DATE_TIME: YY MM DD hh mm.
    fn fn_date_time(&mut self) -> Result<DateTime, DecodeError> {
        let b = self.bytes(5)?;
        Ok(date_time(b[0], b[1], b[2], b[3], b[4], 0))
    }
}

fn date_time(yy: u8, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> DateTime {
    DateTime {
        date: Date {
            year: 2000 + yy as u16,
            month,
            day,
        },
        hour,
        minute,
        second,
    }
}

/// Answer of 10h.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortStatus {
    /// The operator the password belongs to (1..=30).
    pub operator: u8,
    pub flags: u16,
    pub mode: u8,
    pub submode: u8,
}

pub fn decode_short_status(data: &[u8]) -> Result<ShortStatus, DecodeError> {
    let mut r = Reader::new(SHORT_STATUS, data);
    Ok(ShortStatus {
        operator: r.u8()?,
        flags: r.u16()?,
        mode: r.u8()?,
        submode: r.u8()?,
    })
}

/// Answer of 11h (the fields this driver uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullStatus {
    pub operator: u8,
    /// Two characters, e.g. `C` `3` for "C.3".
    pub firmware_version: [u8; 2],
    pub firmware_build: u16,
    pub firmware_date: Date,
    /// The device's running document number.
    pub document_number: u16,
    pub flags: u16,
    pub mode: u8,
    pub submode: u8,
    /// The device's clock.
    pub now: DateTime,
    pub serial_number: u32,
    pub last_closed_shift: u16,
    pub inn: u64,
}

pub fn decode_full_status(data: &[u8]) -> Result<FullStatus, DecodeError> {
    let mut r = Reader::new(FULL_STATUS, data);
    let operator = r.u8()?;
    let v = r.bytes(2)?;
    let firmware_build = r.u16()?;
    let d = r.bytes(3)?;
    let firmware_date = Date {
        year: 2000 + d[2] as u16,
        month: d[1],
        day: d[0],
    };
    let _number_in_hall = r.u8()?;
    let document_number = r.u16()?;
    let flags = r.u16()?;
    let mode = r.u8()?;
    let submode = r.u8()?;
    let _port = r.u8()?;
    let _fm_version = r.bytes(2)?;
    let _fm_build = r.u16()?;
    let _fm_date = r.bytes(3)?;
    let d = r.bytes(3)?;
    let t = r.bytes(3)?;
    let now = date_time(d[2], d[1], d[0], t[0], t[1], t[2]);
    let _fm_flags = r.u8()?;
    let serial_number = r.u32()?;
    let last_closed_shift = r.u16()?;
    let _free_records = r.u16()?;
    let _registrations = r.u8()?;
    let _registrations_left = r.u8()?;
    let inn = r.uint(6)?;
    Ok(FullStatus {
        operator,
        firmware_version: [v[0], v[1]],
        firmware_build,
        firmware_date,
        document_number,
        flags,
        mode,
        submode,
        now,
        serial_number,
        last_closed_shift,
        inn,
    })
}

/// Answer of FCh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceType {
    pub kind: u8,
    pub subtype: u8,
    pub protocol: u8,
    pub subprotocol: u8,
    pub model: u8,
    pub language: u8,
    pub name: String,
}

pub fn decode_device_type(data: &[u8]) -> Result<DeviceType, DecodeError> {
    let mut r = Reader::new(DEVICE_TYPE, data);
    Ok(DeviceType {
        kind: r.u8()?,
        subtype: r.u8()?,
        protocol: r.u8()?,
        subprotocol: r.u8()?,
        model: r.u8()?,
        language: r.u8()?,
        name: text::decode(r.rest()).trim().to_string(),
    })
}

/// Answer of 1Ah: the operator (1), then the register's value, 6 bytes unsigned, in kopecks
/// (javapos `ReadCashRegister.decode`: `readByte(); readLong(6)`).
pub fn decode_money_register(data: &[u8]) -> Result<u64, DecodeError> {
    let mut r = Reader::new(READ_MONEY_REGISTER, data);
    let _operator = r.u8()?;
    r.uint(6)
}

/// Answer of 1Bh: the operator (1), then the register's count, 2 bytes
/// (javapos `ReadOperationRegister.decode`).
pub fn decode_operation_register(data: &[u8]) -> Result<u16, DecodeError> {
    let mut r = Reader::new(READ_OPERATION_REGISTER, data);
    let _operator = r.u8()?;
    r.u16()
}

/// Answer of 26h.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontMetrics {
    pub print_width: u16,
    pub char_width: u8,
    pub char_height: u8,
    pub fonts: u8,
}

impl FontMetrics {
    /// Characters per line in this font.
    pub fn columns(&self) -> Option<u32> {
        (self.char_width > 0).then(|| self.print_width as u32 / self.char_width as u32)
    }
}

pub fn decode_font_metrics(data: &[u8]) -> Result<FontMetrics, DecodeError> {
    let mut r = Reader::new(FONT_METRICS, data);
    Ok(FontMetrics {
        print_width: r.u16()?,
        char_width: r.u8()?,
        char_height: r.u8()?,
        fonts: r.u8()?,
    })
}

/// FF01h "current document": none open (a receipt open is 04h, a shift report 02h or 08h).
pub const FN_NO_DOCUMENT: u8 = 0x00;

/// Answer of FF01h.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnStatus {
    pub life_phase: u8,
    pub current_document: u8,
    pub shift_open: bool,
    pub warnings: u8,
    pub date_time: DateTime,
    pub fn_number: String,
    pub last_document: u32,
}

pub fn decode_fn_status(data: &[u8]) -> Result<FnStatus, DecodeError> {
    let mut r = Reader::new(FN_STATUS, data);
    let life_phase = r.u8()?;
    let current_document = r.u8()?;
    let _document_data = r.u8()?;
    let shift_open = r.u8()? != 0;
    let warnings = r.u8()?;
    let date_time = r.fn_date_time()?;
    let fn_number = text::decode(r.bytes(16)?).trim().to_string();
    let last_document = r.u32()?;
    Ok(FnStatus {
        life_phase,
        current_document,
        shift_open,
        warnings,
        date_time,
        fn_number,
        last_document,
    })
}

/// Answer of FF03h: the last day the fiscal drive registers documents (YY MM DD, binary, as
/// the vendor's JavaPOS driver reads it; the re-registration counts after it are not used).
pub fn decode_fn_validity(data: &[u8]) -> Result<Date, DecodeError> {
    let mut r = Reader::new(FN_VALIDITY, data);
    let b = r.bytes(3)?;
    Ok(Date {
        year: 2000 + b[0] as u16,
        month: b[1],
        day: b[2],
    })
}

/// Answer of FF39h.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeStatus {
    /// Bit 0 connected, bit 1 a message waits for the OFD, bit 2 waiting for the OFD's
    /// receipt, bit 3 a command from the OFD, bit 4 settings changed, bit 5 waiting for an
    /// answer to an OFD command.
    pub status: u8,
    /// A message is being read.
    pub reading: bool,
    /// Documents the OFD has not confirmed.
    pub unsent: u16,
    /// The first of them (0 when none).
    pub first_number: u32,
    /// When it was made (YY MM DD hh mm; zeros when none).
    pub first_date_time: Option<DateTime>,
}

pub fn decode_exchange_status(data: &[u8]) -> Result<ExchangeStatus, DecodeError> {
    let mut r = Reader::new(FN_EXCHANGE_STATUS, data);
    let status = r.u8()?;
    let reading = r.u8()? != 0;
    let unsent = r.u16()?;
    let first_number = r.u32()?;
    let at = r.bytes(5)?;
    let first_date_time =
        (at[1] != 0 && at[2] != 0).then(|| date_time(at[0], at[1], at[2], at[3], at[4], 0));
    Ok(ExchangeStatus {
        status,
        reading,
        unsent,
        first_number,
        first_date_time,
    })
}

/// Answer of FF09h (the FFD 1.05 layout; FFD 1.1 inserts fields after the mode, which the
/// fields used here precede).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fiscalization {
    pub date_time: DateTime,
    pub inn: String,
    pub registration_number: String,
    pub tax_systems: u8,
    pub work_mode: u8,
}

pub fn decode_fiscalization(data: &[u8]) -> Result<Fiscalization, DecodeError> {
    let mut r = Reader::new(FN_FISCALIZATION, data);
    Ok(Fiscalization {
        date_time: r.fn_date_time()?,
        inn: text::decode(r.bytes(12)?).trim().to_string(),
        registration_number: text::decode(r.bytes(20)?).trim().to_string(),
        tax_systems: r.u8()?,
        work_mode: r.u8()?,
    })
}

/// Fiscal document types of FF0Ah.
pub const DOC_SHIFT_OPEN: u8 = 2;
pub const DOC_RECEIPT: u8 = 3;
pub const DOC_SHIFT_CLOSE: u8 = 5;
/// FFD's "кассовый чек коррекции".
pub const DOC_CORRECTION: u8 = 31;

/// Answer of FF0Ah.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDocument {
    pub kind: u8,
    /// The OFD acknowledged it.
    pub ticket: bool,
    pub date_time: DateTime,
    pub number: u32,
    pub fiscal_sign: u32,
    /// Shift-open and shift-close reports: the shift's number.
    pub shift_number: Option<u16>,
    /// Receipts: the operation (1054) and the total.
    pub operation: Option<u8>,
    pub amount: Option<u64>,
}

pub fn decode_found_document(data: &[u8]) -> Result<FoundDocument, DecodeError> {
    let mut r = Reader::new(FN_FIND_DOCUMENT, data);
    let kind = r.u8()?;
    let ticket = r.u8()? != 0;
    let date_time = r.fn_date_time()?;
    let number = r.u32()?;
    let fiscal_sign = r.u32()?;
    let mut doc = FoundDocument {
        kind,
        ticket,
        date_time,
        number,
        fiscal_sign,
        shift_number: None,
        operation: None,
        amount: None,
    };
    match kind {
        DOC_SHIFT_OPEN | DOC_SHIFT_CLOSE if r.remaining() >= 2 => {
            doc.shift_number = Some(r.u16()?);
        }
        DOC_RECEIPT | 4 | DOC_CORRECTION if r.remaining() >= 6 => {
            doc.operation = Some(r.u8()?);
            doc.amount = Some(r.uint(5)?);
        }
        _ => {}
    }
    Ok(doc)
}

/// Answer of FF40h.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftParams {
    pub open: bool,
    pub shift_number: u16,
    /// The number of the last receipt of the shift.
    pub receipt_number: u16,
}

pub fn decode_shift_params(data: &[u8]) -> Result<ShiftParams, DecodeError> {
    let mut r = Reader::new(FN_SHIFT_PARAMS, data);
    Ok(ShiftParams {
        open: r.u8()? != 0,
        shift_number: r.u16()?,
        receipt_number: r.u16()?,
    })
}

/// Answer of FF45h.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub change: u64,
    pub document_number: u32,
    pub fiscal_sign: u32,
    /// Newer firmware appends the document's date and time.
    pub date_time: Option<DateTime>,
}

pub fn decode_closed(data: &[u8]) -> Result<Closed, DecodeError> {
    let mut r = Reader::new(CLOSE_CHECK_V2, data);
    let change = r.uint(5)?;
    let document_number = r.u32()?;
    let fiscal_sign = r.u32()?;
    let date_time = if r.remaining() >= 5 {
        Some(r.fn_date_time()?)
    } else {
        None
    };
    Ok(Closed {
        change,
        document_number,
        fiscal_sign,
        date_time,
    })
}

/// The mode's number (low nibble of the mode byte of 10h/11h).
pub fn mode_number(mode: u8) -> u8 {
    mode & 0x0F
}

/// Modes (pyshtrih `FRMode.MODE_DESCR`).
pub const MODE_SHIFT_OPEN: u8 = 2;
pub const MODE_SHIFT_EXPIRED: u8 = 3;
pub const MODE_SHIFT_CLOSED: u8 = 4;
pub const MODE_RECEIPT_OPEN: u8 = 8;

/// Flags of 10h/11h (vendor's bit list; pyshtrih `handle_fr_flags` names them MSB first).
pub const FLAG_RECEIPT_ROLL: u16 = 1 << 1;
pub const FLAG_RECEIPT_OPTICAL: u16 = 1 << 7;
pub const FLAG_RECEIPT_LEVER_DOWN: u16 = 1 << 9;
pub const FLAG_COVER_OPEN: u16 = 1 << 10;

/// Submodes: 1 and 2 mean out of paper (passively / while printing).
pub const SUBMODE_NO_PAPER_PASSIVE: u8 = 1;
pub const SUBMODE_NO_PAPER_ACTIVE: u8 = 2;

/// The vendor's words for a mode byte.
pub fn mode_text(mode: u8) -> String {
    let base = match mode_number(mode) {
        0 => "Принтер в рабочем режиме",
        1 => "Выдача данных",
        2 => "Открытая смена, 24 часа не кончились",
        3 => "Открытая смена, 24 часа кончились",
        4 => "Закрытая смена",
        5 => "Блокировка по неправильному паролю налогового инспектора",
        6 => "Ожидание подтверждения ввода даты",
        7 => "Разрешение изменения положения десятичной точки",
        8 => "Открытый документ",
        9 => "Режим разрешения технологического обнуления",
        10 => "Тестовый прогон",
        11 => "Печать полного фискального отчета",
        12 => "Печать длинного отчета ЭКЛЗ",
        13 => "Работа с фискальным подкладным документом",
        14 => "Печать подкладного документа",
        _ => "Фискальный подкладной документ сформирован",
    };
    if mode_number(mode) == MODE_RECEIPT_OPEN {
        let kind = match mode >> 4 {
            0 => "продажа",
            1 => "покупка",
            2 => "возврат продажи",
            3 => "возврат покупки",
            _ => "неизвестный тип",
        };
        format!("{base}: {kind}")
    } else {
        base.to_string()
    }
}

/// The vendor's words for a submode.
pub fn submode_text(submode: u8) -> &'static str {
    match submode {
        0 => "Бумага есть",
        1 => "Пассивное отсутствие бумаги",
        2 => "Активное отсутствие бумаги",
        3 => "После активного отсутствия бумаги",
        4 => "Фаза печати операции полных фискальных отчетов",
        5 => "Фаза печати операции",
        _ => "Неизвестный подрежим",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(req: Request) -> Vec<u8> {
        req.frame().unwrap()
    }

    fn lrc_ok(f: &[u8]) -> bool {
        crate::frame::check(f).is_ok()
    }

    #[test]
    fn status_requests() {
        assert_eq!(
            frame(short_status(30)),
            [0x02, 0x05, 0x10, 0x1E, 0x00, 0x00, 0x00, 0x0B]
        );
        // 05^11^1E = 0A.
        assert_eq!(
            frame(full_status(30)),
            [0x02, 0x05, 0x11, 0x1E, 0x00, 0x00, 0x00, 0x0A]
        );
        // FCh has no password (pyshtrih `command_nopass(0xFC)`): 01^FC = FD.
        assert_eq!(frame(device_type()), [0x02, 0x01, 0xFC, 0xFD]);
    }

    #[test]
    fn open_shift_and_reports_as_pyshtrih_sends_them() {
        // pyshtrih `open_shift`: command(0xE0, password). 05^E0^1E = FB.
        assert_eq!(
            frame(open_shift(30)),
            [0x02, 0x05, 0xE0, 0x1E, 0x00, 0x00, 0x00, 0xFB]
        );
        // pyshtrih `z_report`: command(0x41, admin_password). 05^41^1E = 5A.
        assert_eq!(
            frame(z_report(30)),
            [0x02, 0x05, 0x41, 0x1E, 0x00, 0x00, 0x00, 0x5A]
        );
        // pyshtrih `cut(partial=False)`: 25h, password, 00.
        assert_eq!(
            frame(cut(30, false)),
            [
                0x02,
                0x06,
                0x25,
                0x1E,
                0x00,
                0x00,
                0x00,
                0x00,
                0x06 ^ 0x25 ^ 0x1E
            ]
        );
        // pyshtrih `open_check(0)`: 8Dh, password, 00.
        assert_eq!(
            frame(open_check(30, CheckType::Sale)),
            [
                0x02,
                0x06,
                0x8D,
                0x1E,
                0x00,
                0x00,
                0x00,
                0x00,
                0x06 ^ 0x8D ^ 0x1E
            ]
        );
        // pyshtrih `income(12345)`: 50h, password, 5 bytes LE.
        let f = frame(cash_in(30, 12345));
        assert_eq!(
            &f[..12],
            [0x02, 0x0A, 0x50, 0x1E, 0, 0, 0, 0x39, 0x30, 0, 0, 0]
        );
        assert!(lrc_ok(&f));
        // pyshtrih `fs_find_document_by_num(7)`: FF0Ah, admin password, 4 bytes LE.
        let f = frame(fn_find_document(30, 7));
        assert_eq!(
            &f[..12],
            [0x02, 0x0A, 0xFF, 0x0A, 0x1E, 0, 0, 0, 0x07, 0, 0, 0]
        );
        assert!(lrc_ok(&f));
    }

    #[test]
    fn print_string_in_cp1251_padded_to_40_bytes() {
        // pyshtrih `print_string("Привет")` with both tapes: flags 03, then
        // `prepare_string`: CP1251 bytes NUL-padded to 40.
        let f = frame(print_string(30, 0x03, "Привет"));
        assert_eq!(f.len(), 2 + 1 + 4 + 1 + 40 + 1);
        assert_eq!(f[1], 46);
        assert_eq!(
            &f[2..14],
            [
                0x17, 0x1E, 0x00, 0x00, 0x00, 0x03, 0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2
            ]
        );
        assert!(f[14..48].iter().all(|&b| b == 0));
        let expected_lrc = [46u8, 0x17, 0x1E, 0x03, 0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2]
            .iter()
            .fold(0, |a, b| a ^ b);
        assert_eq!(f[48], expected_lrc);
        // Lines for wider paper (48 columns on a ШТРИХ-М-01Ф) go whole.
        let f = frame(print_string(30, RECEIPT_STATION, &"Ж".repeat(48)));
        assert_eq!(f.len(), 2 + 1 + 4 + 1 + 48 + 1);
    }

    #[test]
    fn operation_v2_layout() {
        let op = Operation {
            kind: 1,
            quantity: 2_500_000, // 2.5 units
            price: 10_000,       // 100.00
            amount: Some(25_000),
            tax: Some(4_508),
            tax_rate: 0x01,
            department: 1,
            method: 4,
            subject: 1,
            name: "Сыр".into(),
        };
        let f = frame(operation_v2(30, &op));
        #[rustfmt::skip]
        let body = [
            0xFF, 0x46,                         // operation v2
            0x1E, 0x00, 0x00, 0x00,             // password 30
            0x01,                               // приход
            0xA0, 0x25, 0x26, 0x00, 0x00, 0x00, // 2 500 000
            0x10, 0x27, 0x00, 0x00, 0x00,       // 10 000
            0xA8, 0x61, 0x00, 0x00, 0x00,       // 25 000
            0x9C, 0x11, 0x00, 0x00, 0x00,       // 4 508
            0x01,                               // tax 1
            0x01,                               // department 1
            0x04,                               // full payment
            0x01,                               // goods
            0xD1, 0xFB, 0xF0,                   // "Сыр"
        ];
        assert_eq!(f[0], 0x02);
        assert_eq!(f[1] as usize, body.len());
        assert_eq!(&f[2..f.len() - 1], body);
        assert!(lrc_ok(&f));
        // Not given: 0xFFFFFFFFFF lets the device compute.
        let f = frame(operation_v2(
            30,
            &Operation {
                amount: None,
                tax: None,
                ..op
            },
        ));
        assert_eq!(&f[20..30], [0xFF; 10]);
    }

    #[test]
    fn close_check_v2_layout() {
        let mut close = CloseCheck {
            payments: [0; 16],
            rounding: 0,
            taxes: [0; TAX_SLOTS],
            tax_system: 1,
            text: String::new(),
        };
        close.payments[PAY_CASH] = 50_000;
        close.payments[PAY_CASHLESS] = 1_234;
        close.taxes[0] = 4_508;
        close.taxes[4] = 9;
        let f = frame(close_check_v2(30, &close));
        // 2 code + 4 password + 16×5 payments + 1 rounding + 6×5 taxes + 1 tax system.
        assert_eq!(f[1] as usize, 2 + 4 + 80 + 1 + 30 + 1);
        let body = &f[2..f.len() - 1];
        assert_eq!(&body[..6], [0xFF, 0x45, 0x1E, 0, 0, 0]);
        assert_eq!(&body[6..11], [0x50, 0xC3, 0, 0, 0]);
        assert_eq!(&body[11..16], [0xD2, 0x04, 0, 0, 0]);
        assert!(body[16..86].iter().all(|&b| b == 0));
        assert_eq!(body[86], 0); // rounding
        assert_eq!(&body[87..92], [0x9C, 0x11, 0, 0, 0]);
        assert_eq!(&body[107..112], [0x09, 0, 0, 0, 0]);
        assert_eq!(body[117], 1);
        assert!(lrc_ok(&f));
    }

    #[test]
    fn tlv_and_table_writes() {
        let f = frame(fn_send_tlv(30, 1203, b"123456789012"));
        assert_eq!(&f[2..12], [0xFF, 0x0C, 0x1E, 0, 0, 0, 0xB3, 0x04, 12, 0]);
        let f = frame(write_table(30, 2, 30, 2, &text::field("Иванов", 64)));
        assert_eq!(&f[2..11], [0x1E, 0x1E, 0, 0, 0, 2, 30, 0, 2]);
        assert_eq!(f[1] as usize, 1 + 4 + 4 + 64);
    }

    #[test]
    fn decoding_answers() {
        let st = decode_short_status(&[0x1E, 0x82, 0x02, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            .unwrap();
        assert_eq!(
            st,
            ShortStatus {
                operator: 30,
                flags: 0x0282,
                mode: 2,
                submode: 0
            }
        );
        let found = decode_found_document(&[
            3, 1, 26, 3, 1, 12, 5, 9, 0, 0, 0, 0x78, 0x56, 0x34, 0x12, 1, 0x10, 0x27, 0, 0, 0,
        ])
        .unwrap();
        assert_eq!(found.kind, DOC_RECEIPT);
        assert_eq!(found.number, 9);
        assert_eq!(found.fiscal_sign, 0x1234_5678);
        assert_eq!(found.amount, Some(10_000));
        assert_eq!(found.date_time.date.year, 2026);
        assert_eq!((found.date_time.hour, found.date_time.minute), (12, 5));
        let err = decode_shift_params(&[1, 2]).unwrap_err();
        assert!(err.0.contains("FF40h"), "{err}");
        let closed = decode_closed(&[0x10, 0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0]).unwrap();
        assert_eq!(
            (closed.change, closed.document_number, closed.date_time),
            (16, 7, None)
        );
    }

    #[test]
    fn register_reads_as_pyshtrih_and_javapos_send_them() {
        // pyshtrih `request_monetary_register(193)`: 1Ah, password, one byte.
        assert_eq!(
            frame(read_money_register(30, 193)),
            [
                0x02,
                0x06,
                0x1A,
                0x1E,
                0,
                0,
                0,
                0xC1,
                0x06 ^ 0x1A ^ 0x1E ^ 0xC1
            ]
        );
        // javapos `ReadCashRegister`: a number over 255 goes as two bytes, little-endian.
        let f = frame(read_money_register(30, 4144));
        assert_eq!(&f[1..9], [0x07, 0x1A, 0x1E, 0, 0, 0, 0x30, 0x10]);
        assert!(lrc_ok(&f));
        // pyshtrih `request_operational_register(146)`: 1Bh, password, one byte.
        assert_eq!(
            frame(read_operation_register(1, 146)),
            [
                0x02,
                0x06,
                0x1B,
                0x01,
                0,
                0,
                0,
                0x92,
                0x06 ^ 0x1B ^ 0x01 ^ 0x92
            ]
        );
        // The registers of the shift's receipts and payments, by receipt type.
        assert_eq!(shift_receipts_register(CheckType::Sale), 144);
        assert_eq!(shift_receipts_register(CheckType::SaleReturn), 146);
        let sale: Vec<u8> = SHIFT_PAYMENT_TYPES
            .map(|t| shift_payments_register(CheckType::Sale, t))
            .collect();
        assert_eq!(sale, [193, 197, 201, 205]);
        let returns: Vec<u8> = SHIFT_PAYMENT_TYPES
            .map(|t| shift_payments_register(CheckType::SaleReturn, t))
            .collect();
        assert_eq!(returns, [195, 199, 203, 207]);
        // Operator 30, then 6 bytes of kopecks; operator 30, then 2 bytes of count.
        assert_eq!(
            decode_money_register(&[30, 0x40, 0xE2, 0x01, 0, 0, 0x01]).unwrap(),
            0x0100_0001_E240
        );
        assert_eq!(decode_operation_register(&[30, 0x07, 0x01]).unwrap(), 263);
        let err = decode_money_register(&[30, 1, 2]).unwrap_err();
        assert!(err.0.contains("1Ah"), "{err}");
        assert!(decode_operation_register(&[30]).is_err());
    }

    #[test]
    fn fiscal_drive_validity_and_exchange_status() {
        // The vendor's JavaPOS test bytes for FF03h: 2019-09-02, 29 re-registrations left, 1 made.
        assert_eq!(
            frame(fn_validity(30)),
            [0x02, 0x06, 0xFF, 0x03, 0x1E, 0x00, 0x00, 0x00, 0xE4]
        );
        assert_eq!(
            decode_fn_validity(&[0x13, 0x09, 0x02, 0x1D, 0x01]).unwrap(),
            Date {
                year: 2019,
                month: 9,
                day: 2
            }
        );
        assert!(decode_fn_validity(&[0x13]).is_err());
        assert_eq!(frame(fn_exchange_status(30))[2..4], [0xFF, 0x39]);
        let st = decode_exchange_status(&[0x02, 0, 3, 0, 7, 0, 0, 0, 26, 3, 1, 12, 5]).unwrap();
        assert_eq!(
            (st.status, st.reading, st.unsent, st.first_number),
            (2, false, 3, 7)
        );
        assert_eq!(st.first_date_time.unwrap().date.month, 3);
        let none = decode_exchange_status(&[0; 13]).unwrap();
        assert_eq!((none.unsent, none.first_date_time), (0, None));
    }
}
