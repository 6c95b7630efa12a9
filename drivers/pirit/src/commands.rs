//! The commands this driver sends, as typed request builders and answer decoders.
//!
//! What it owns: the command codes, the field order of every request and the meaning of every
//! answer field the driver reads. Source: the vendor's `documentation_pirit_fm.md` (Dreamkas,
//! "Инструкция по программированию ККТ Пирит 2Ф ФФД 1.2"), one section per command, named
//! beside each builder. Where the document lists fields per firmware (`<<<<<< Pirit2f 1.2`),
//! the Pirit 2F FFD 1.2 list is the one encoded. Answers keep the request number of 0x01,
//! 0x02, 0x03, 0x78 and 0x79 as their first field.

use crate::frame::{self, Answer, FrameError, Request};
use crate::text;
use crate::types::*;

/// "Запрос флагов статуса ККТ (0x00)".
pub const STATUS_FLAGS: u8 = 0x00;
/// "Запрос сменных счетчиков и регистров (0x01)".
pub const COUNTERS: u8 = 0x01;
/// "Запрос сведений о ККТ (0x02)".
pub const DEVICE_INFO: u8 = 0x02;
/// "Запрос данных по чеку (0x03)".
pub const RECEIPT_DATA: u8 = 0x03;
/// "Запрос состояния печатающего устройства (ПУ) (0x04)".
pub const PRINTER_STATUS: u8 = 0x04;
/// "Запрос расширенной информации об ошибках (0x06)".
pub const ERROR_INFO: u8 = 0x06;
/// "Начало работы с ККТ (0x10)".
pub const START_WORK: u8 = 0x10;
/// "Чтение даты/времени ККТ (0x13)".
pub const READ_CLOCK: u8 = 0x13;
/// "Сформировать отчет без гашения (X-отчет) (0x20)".
pub const X_REPORT: u8 = 0x20;
/// "Сформировать отчет о закрытии смены (0x21)".
pub const CLOSE_SHIFT: u8 = 0x21;
/// "Открыть смену (0x23)".
pub const OPEN_SHIFT: u8 = 0x23;
/// "Установить дополнительные реквизиты позиции (0x24)".
pub const POSITION_REQUISITES: u8 = 0x24;
/// "Открыть документ (0x30)".
pub const OPEN_DOCUMENT: u8 = 0x30;
/// "Завершить документ (0x31)".
pub const CLOSE_DOCUMENT: u8 = 0x31;
/// "Аннулировать документ (0x32)".
pub const CANCEL_DOCUMENT: u8 = 0x32;
/// "Печать текста (0x40)".
pub const PRINT_TEXT: u8 = 0x40;
/// "Печатать штрих-код (0x41)".
pub const PRINT_BARCODE: u8 = 0x41;
/// "Добавить товарную позицию (0x42)".
pub const ADD_POSITION: u8 = 0x42;
/// "Подытог (0x44)".
pub const SUBTOTAL: u8 = 0x44;
/// "Оплата (0x47)".
pub const PAYMENT: u8 = 0x47;
/// "Внесение / изъятие суммы (0x48)".
pub const CASH_IN_OUT: u8 = 0x48;
/// "Открытие чека коррекции (0x58)".
pub const OPEN_CORRECTION: u8 = 0x58;
/// "Распечатать документ из ФН (0x73)".
pub const PRINT_FN_DOCUMENT: u8 = 0x73;
/// "Обмен информацией с ФН (0x78)".
pub const FN_EXCHANGE: u8 = 0x78;
/// "Команда для работы с кодом маркировки(КМ) (0x79)".
pub const MARKING: u8 = 0x79;

/// Document types of 0x30 ("Режим и тип документа", bits 0..3) and of 0x00's document status.
pub mod doc_type {
    pub const CLOSED: u8 = 0;
    pub const SERVICE: u8 = 1;
    pub const SALE: u8 = 2;
    pub const SALE_RETURN: u8 = 3;
    pub const CASH_IN: u8 = 4;
    pub const CASH_OUT: u8 = 5;
    pub const EXPENSE: u8 = 6;
    pub const EXPENSE_RETURN: u8 = 7;
}

/// Document state 8 of 0x00: "closed in the fiscal drive, but the receipt is not printed to the
/// end. It cannot be cancelled; close the document again".
pub const STATE_CLOSED_IN_FN: u8 = 8;

/// Payment types of 0x47 (table 32 "Названия типов платежей": 0 cash and 1 electronic are
/// reserved, 13 prepayment, 14 credit, 15 other form, i.e. counter-provision).
pub mod payment_type {
    pub const CASH: u8 = 0;
    pub const CASHLESS: u8 = 1;
    pub const PREPAYMENT: u8 = 13;
    pub const CREDIT: u8 = 14;
    pub const COUNTER_PROVISION: u8 = 15;
}

/// 0x00: the fatal status, the flags and the document status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFlags {
    pub fatal: u32,
    pub flags: u32,
    pub document: u32,
}

impl StatusFlags {
    pub fn decode(a: &Answer) -> Result<Self, FrameError> {
        Ok(Self {
            fatal: a.u32(0)?,
            flags: a.u32(1)?,
            document: a.u32(2)?,
        })
    }
    /// Flag bit 0: "Не выполнена команда «Начало работы»".
    pub fn not_started(&self) -> bool {
        self.flags & 1 != 0
    }
    /// Flag bit 2: "Смена открыта".
    pub fn shift_open(&self) -> bool {
        self.flags & 0b100 != 0
    }
    /// Flag bit 3: "Смена больше 24 часов".
    pub fn shift_expired(&self) -> bool {
        self.flags & 0b1000 != 0
    }
    /// The open document's type (bits 0..3 of the document status), 0 when none.
    pub fn document_type(&self) -> u8 {
        (self.document & 0x0F) as u8
    }
    /// The open document's state (bits 4..7).
    pub fn document_state(&self) -> u8 {
        ((self.document >> 4) & 0x0F) as u8
    }
}

pub fn status_flags() -> Request {
    Request::new(STATUS_FLAGS)
}

/// 0x01 request `number` ("Запрос сменных счетчиков и регистров"): see [`counter`].
pub fn counters(number: u8) -> Request {
    Request::new(COUNTERS).int(number)
}

/// The request numbers of 0x01 the driver asks. Every answer repeats the number as field 0,
/// the values follow (`docs/register-shift-counters.md` §2).
pub mod counter {
    /// The current shift's number (the last closed one's when none is open).
    pub const SHIFT_NUMBER: u8 = 1;
    /// Sales (приход) in the shift by payment type: 16 sums, type 0 first.
    pub const SALES_BY_PAYMENT: u8 = 3;
    /// Sale returns (возврат прихода) in the shift by payment type: 16 sums.
    pub const RETURNS_BY_PAYMENT: u8 = 5;
    /// Receipts in the shift: sales, returns, annulled, deferred, cash-in, cash-out.
    pub const RECEIPT_COUNTS: u8 = 7;
}

/// The payment types of 0x01/3 and 0x01/5, the 16 of table 32 (0..15).
pub const PAYMENT_TYPES: usize = 16;

/// Field 0 of a 0x01 answer: the request number asked, repeated. Another number is not the
/// answer to this request.
fn check_request_echo(a: &Answer, request: u8) -> Result<(), FrameError> {
    if a.int(0)? == u64::from(request) {
        Ok(())
    } else {
        Err(FrameError::Field {
            index: 0,
            what: "the request number asked",
        })
    }
}

/// 0x01/3 or 0x01/5: the shift's sums by payment type, kopecks, in table 32's order (0 cash,
/// 1 electronic, 2..12 the user's types, 13 prepayment, 14 credit, 15 other form). Each is a
/// "Дробное число" in rubles; an empty or missing field is 0, as the vendor says of numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentSums(pub [Money; PAYMENT_TYPES]);

impl PaymentSums {
    pub fn decode(a: &Answer, request: u8) -> Result<Self, FrameError> {
        check_request_echo(a, request)?;
        let mut sums = [0; PAYMENT_TYPES];
        for (i, sum) in sums.iter_mut().enumerate() {
            *sum = a.money(1 + i)?;
            if *sum < 0 {
                return Err(FrameError::Field {
                    index: 1 + i,
                    what: "a sum of 0 or more",
                });
            }
        }
        Ok(Self(sums))
    }

    /// Type 0, НАЛИЧНЫМИ.
    pub fn cash(&self) -> Money {
        self.0[usize::from(payment_type::CASH)]
    }

    /// Types 1..12: electronic (1, what the driver pays cashless with) and the user's
    /// programmable types. Prepayment, credit and counter-provision (13..15) are no cashless
    /// payment of the shift (tags 1215–1217, not 1081) and stay out.
    pub fn cashless(&self) -> Money {
        let types = usize::from(payment_type::CASHLESS)..usize::from(payment_type::PREPAYMENT);
        // Saturating: a confused register cannot make the driver panic.
        self.0[types]
            .iter()
            .fold(0, |acc, &s| acc.saturating_add(s))
    }
}

/// 0x01/7: the shift's sale and sale-return receipts (fields 1 and 2; annulled, deferred,
/// cash-in and cash-out documents follow, unread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptCounts {
    pub sales: u32,
    pub returns: u32,
}

impl ReceiptCounts {
    pub fn decode(a: &Answer) -> Result<Self, FrameError> {
        check_request_echo(a, counter::RECEIPT_COUNTS)?;
        Ok(Self {
            sales: a.u32(1)?,
            returns: a.u32(2)?,
        })
    }
}

/// 0x02 request `number` ("Запрос сведений о ККТ"): 1 factory number, 2 firmware, 3 INN,
/// 4 registration number, 14 the fiscal drive's last day, 17 when the shift was opened,
/// 21 the model (8 = Пирит 2Ф).
pub fn device_info(number: u8) -> Request {
    Request::new(DEVICE_INFO).int(number)
}

pub mod info {
    pub const FACTORY_NUMBER: u8 = 1;
    pub const FIRMWARE: u8 = 2;
    pub const INN: u8 = 3;
    pub const REGISTRATION_NUMBER: u8 = 4;
    pub const FN_VALID_UNTIL: u8 = 14;
    pub const SHIFT_OPENED: u8 = 17;
    pub const MODEL: u8 = 21;
}

/// The model code of 0x02/21 by name (the document lists 1..5 for Viki, 8 Пирит 2Ф,
/// 9 Пирит 2СФ).
pub fn model_name(code: u64) -> String {
    match code {
        1 => "Viki Mini".into(),
        2 => "Viki Tower".into(),
        3 => "Viki Print 57".into(),
        4 => "Viki Print 57+".into(),
        5 => "Viki Print 80+".into(),
        8 => "Пирит 2Ф".into(),
        9 => "Пирит 2СФ".into(),
        other => format!("Pirit model {other}"),
    }
}

/// 0x03/2 "Вернуть данные по последнему закрытому чеку".
pub fn last_receipt() -> Request {
    Request::new(RECEIPT_DATA).int(2)
}

/// The last closed receipt (0x03/2): type (0 for a cancelled one), receipt number, document
/// number, total, fiscal sign, fiscal document number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastReceipt {
    pub kind: u8,
    pub receipt_number: u32,
    pub total: Money,
    pub fiscal_sign: String,
    pub fd: u32,
}

impl LastReceipt {
    pub fn decode(a: &Answer) -> Result<Self, FrameError> {
        Ok(Self {
            kind: a.int(1)? as u8,
            receipt_number: a.u32(3)?,
            total: a.money(5)?,
            fiscal_sign: a.text(8).trim().to_string(),
            fd: a.u32(9)?,
        })
    }
}

/// 0x04: bit 1 no paper, bit 2 cover open (among others).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterFlags(pub u32);

impl PrinterFlags {
    pub fn not_ready(self) -> bool {
        self.0 & 1 != 0
    }
    pub fn paper_out(self) -> bool {
        self.0 & 0b10 != 0
    }
    pub fn cover_open(self) -> bool {
        self.0 & 0b100 != 0
    }
}

pub fn printer_status() -> Request {
    Request::new(PRINTER_STATUS)
}

/// 0x06/1: the extended code of the last 0x01/0x03 error.
pub fn extended_error() -> Request {
    Request::new(ERROR_INFO).int(1)
}

/// 0x10 with the date and time the register is to work by. The host lends the driver no
/// clock, so the driver sends the register's own (0x13): the difference is zero, the
/// register starts without the 8-minute check's errors 0Bh/0Ch, and setting its clock stays
/// the shop's business.
pub fn start_work(now: &DateTime) -> Request {
    Request::new(START_WORK)
        .raw(frame::date_text(&now.date))
        .raw(frame::time_text(now))
}

pub fn read_clock() -> Request {
    Request::new(READ_CLOCK)
}

/// "Имя оператора (тег 1021)": the cashier's INN first, then `&`, then the name, at most 64
/// characters.
pub fn operator(cashier: &Cashier) -> String {
    let name: String = cashier.name.chars().take(64).collect();
    match cashier
        .inn
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        Some(inn) => format!("{inn}&{name}"),
        None => name,
    }
}

/// 0x23: the operator; tags 1009 and 1187 empty (the registration's).
pub fn open_shift(cashier: &Cashier) -> Request {
    Request::new(OPEN_SHIFT).text(&operator(cashier))
}

/// 0x21: the operator, the reserved integer.
pub fn close_shift(cashier: &Cashier) -> Request {
    Request::new(CLOSE_SHIFT).text(&operator(cashier)).empty()
}

pub fn x_report(cashier: &Cashier) -> Request {
    Request::new(X_REPORT).text(&operator(cashier))
}

/// 0x30: mode and type, department 1, operator, document number (empty: the register
/// numbers), taxation system 0..5 (empty: the registration's first).
pub fn open_document(kind: u8, cashier: &Cashier, taxation: Option<u8>) -> Request {
    let r = Request::new(OPEN_DOCUMENT)
        .int(kind)
        .int(1)
        .text(&operator(cashier))
        .empty();
    match taxation {
        Some(t) => r.int(t),
        None => r.empty(),
    }
}

/// The WIT's taxation system, the device's bit mask (bit 0 general … bit 5 patent), as the
/// number 0..5 of 0x30 and 0x58; 0 ("the device's default") is none.
pub fn taxation_number(mask: u8) -> Result<Option<u8>, DriverError> {
    match mask {
        0 => Ok(None),
        m if m.count_ones() == 1 && m.trailing_zeros() <= 5 => Ok(Some(m.trailing_zeros() as u8)),
        m => Err(DriverError::unsupported(format!(
            "taxation system mask {m:#04x} is not one of the six systems (one bit of 0..5)"
        ))),
    }
}

/// 0x31: cut flag 0, the customer's address (tag 1008), then nothing else.
pub fn close_document(customer_contact: Option<&str>) -> Request {
    let r = Request::new(CLOSE_DOCUMENT).int(0);
    match customer_contact {
        Some(contact) => r.text(contact),
        None => r.empty(),
    }
}

/// 0x31's answer for a fiscal receipt: the fiscal document number, the fiscal sign, the shift,
/// the receipt number in the shift and, when the register gives them, date and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub fd: u32,
    pub fiscal_sign: String,
    pub shift: u32,
    pub receipt_number: u32,
    pub date_time: Option<DateTime>,
}

impl Closed {
    pub fn decode(a: &Answer) -> Result<Self, FrameError> {
        Ok(Self {
            fd: a.u32(3)?,
            fiscal_sign: a.text(4).trim().to_string(),
            shift: a.u32(5)?,
            receipt_number: a.u32(6)?,
            date_time: a.date_time(7).ok(),
        })
    }
}

pub fn cancel_document() -> Request {
    Request::new(CANCEL_DOCUMENT)
}

/// The tax rate number of 0x42 (table 40 "Название ставки налога"): 0 "НДС 20%" (the
/// general rate; firmware that follows the 2026 law prints it as 22%), 1 10%, 2 0%, 3 without
/// VAT, 4 the computed 20/120 (22/122), 5 10/110. Chosen from the item's FFD tag 1199 when it
/// has one (1 20%, 11 22%, 2 10%, 3 20/120, 12 22/122, 4 10/110, 5 0%, 6 without VAT), else
/// from its VAT.
pub fn tax_number(item: &ReceiptItem) -> Result<u8, DriverError> {
    if let Some(code) = item.vat_code {
        return match code {
            1 | 11 => Ok(0),
            2 => Ok(1),
            5 => Ok(2),
            6 => Ok(3),
            3 | 12 => Ok(4),
            4 => Ok(5),
            other => Err(DriverError::unsupported(format!(
                "item {:?}: VAT code {other} (tag 1199) has no rate in the register's tax table",
                item.name
            ))),
        };
    }
    match item.vat {
        Vat::Rate(2000 | 2200) => Ok(0),
        Vat::Rate(1000) => Ok(1),
        Vat::Rate(0) => Ok(2),
        Vat::None => Ok(3),
        Vat::Computed(2000 | 2200) => Ok(4),
        Vat::Computed(1000) => Ok(5),
        other => Err(DriverError::unsupported(format!(
            "item {:?}: VAT {other:?} has no rate in the register's tax table (20/22%, 10%, 0%, none, 20/120, 10/110)",
            item.name
        ))),
    }
}

/// The quantity field of 0x42 and 0x79/1: thousandths as a decimal, or `n/m` for part of a
/// marked package (tags 1293/1294; "Количество товара в товарной позиции").
pub fn quantity_field(quantity: Quantity, fraction: Option<&FractionalQuantity>) -> String {
    match fraction {
        Some(f) => format!("{}/{}", f.numerator, f.denominator),
        None => frame::quantity(quantity),
    }
}

/// 0x42, Pirit 2F FFD 1.2 fields: name, article, quantity, price, tax number, position
/// number, section, discount type, measure (tag 2108), discount sum, method (1214), subject
/// (1212), country, customs declaration, excise. Price is the unit price with discounts
/// folded in (the vendor: "цена товара всегда должна передаваться с учётом всех скидок").
pub fn add_position(item: &ReceiptItem) -> Result<Request, DriverError> {
    let fraction = item.marking.as_ref().and_then(|m| m.fraction.as_ref());
    let name: String = item.name.chars().take(256).collect();
    let r = Request::new(ADD_POSITION)
        .text(&name)
        .empty()
        .raw(quantity_field(item.quantity, fraction))
        .money(item.price)
        .int(tax_number(item)?)
        .empty()
        .empty()
        .empty()
        .int(item.measure)
        .empty();
    let r = if item.method == 0 {
        r.empty()
    } else {
        r.int(item.method)
    };
    let r = if item.subject == 0 {
        r.empty()
    } else {
        r.int(item.subject)
    };
    Ok(r.empty().empty().empty())
}

/// 0x24 with the marking code as tag 1163: "в режиме ФФД 1.2 … требуется передача символа
/// '@' перед кодом", control characters as `$xy`.
pub fn bind_marking(code: &str) -> Request {
    let mut field = vec![b'@'];
    field.extend(text::marking_code(code));
    Request::new(POSITION_REQUISITES).raw(field)
}

pub fn subtotal() -> Request {
    Request::new(SUBTOTAL)
}

/// 0x47: payment type, sum, no text.
pub fn payment(kind: u8, amount: Money) -> Request {
    Request::new(PAYMENT).int(kind).money(amount).empty()
}

/// 0x48: no banknote name, the sum.
pub fn cash_in_out(amount: Money) -> Request {
    Request::new(CASH_IN_OUT).empty().money(amount)
}

/// 0x58 (FFD 1.2): operator, five reserved fields, the correction type, the date of the
/// corrected settlement (tag 1178), the order's number (tag 1179).
///
/// Correction type bits ("Тип коррекции"): 0 by order (tag 1173 = 1), 1 expense, 2..4
/// taxation system, 5 always 0, 6 a return. The order number is required by the document
/// ([1..32]) for an order; a self-made correction without one sends it empty.
pub fn open_correction(r: &CorrectionReceipt) -> Result<Request, DriverError> {
    let (expense, returned) = match r.kind {
        DocumentKind::Sale => (false, false),
        DocumentKind::SaleReturn => (false, true),
        DocumentKind::Expense => (true, false),
        DocumentKind::ExpenseReturn => (true, true),
    };
    let by_order = matches!(r.correction.basis, CorrectionBasis::ByOrder);
    let order = r
        .correction
        .order_number
        .as_deref()
        .map(str::trim)
        .unwrap_or("");
    if by_order && order.is_empty() {
        return Err(DriverError::unsupported(
            "a correction by order needs the order's number (tag 1179)",
        ));
    }
    if order.chars().count() > 32 {
        return Err(DriverError::unsupported(
            "the order's number (tag 1179) is longer than the register's 32 characters",
        ));
    }
    let taxation = taxation_number(r.taxation_system)?.unwrap_or(0);
    let kind =
        u8::from(by_order) | (u8::from(expense) << 1) | (taxation << 2) | (u8::from(returned) << 6);
    let mut req = Request::new(OPEN_CORRECTION).text(&operator(&r.cashier));
    for _ in 0..5 {
        req = req.empty();
    }
    Ok(req
        .int(kind)
        .raw(frame::date_text(&r.correction.base_date))
        .text(order))
}

/// 0x40: one line of text in a service document; attributes: font 0, bit 4 double height,
/// bit 5 double width (font 2 is the bold one).
pub fn print_text(line: &str, bold: bool, size: TextSize) -> Request {
    let font: u8 = if bold { 2 } else { 0 };
    let size_bits: u8 = match size {
        TextSize::Normal => 0,
        TextSize::DoubleHeight => 0x10,
        TextSize::DoubleWidth => 0x20,
        TextSize::Double => 0x30,
    };
    let line: String = line.chars().take(72).collect();
    let line = if line.is_empty() { " ".into() } else { line };
    Request::new(PRINT_TEXT).text(&line).int(font | size_bits)
}

/// 0x41: text below, width 2, height 80, the type (0 UPC-A, 2 EAN-13, 3 EAN-8, 4 Code 39,
/// 8 QR, 9 Code 128), the data.
pub fn print_barcode(kind: u8, data: &str) -> Request {
    Request::new(PRINT_BARCODE)
        .int(if kind == 8 { 0 } else { 2 })
        .int(if kind == 8 { 6 } else { 2 })
        .int(80)
        .int(kind)
        .text(data)
}

/// 0x73: print fiscal document `number` from the fiscal drive (a copy).
pub fn print_fn_document(number: u32) -> Request {
    Request::new(PRINT_FN_DOCUMENT).int(number).int(0)
}

/// 0x78 request `number`: 1 the fiscal drive's number, 3 the last fiscal document's number,
/// 7 the exchange with the OFD, 22 the FFD versions.
pub fn fn_exchange(number: u8) -> Request {
    Request::new(FN_EXCHANGE).int(number)
}

pub mod fn_request {
    pub const FN_NUMBER: u8 = 1;
    pub const LAST_DOCUMENT: u8 = 3;
    pub const OFD_EXCHANGE: u8 = 7;
    pub const FFD_VERSION: u8 = 22;
    pub const TLV_SELECT: u8 = 15;
    pub const TLV_READ: u8 = 16;
}

/// 0x78/15 with the document's number: selects it in the fiscal drive's archive; answers its
/// type and the size of its TLV data.
pub fn select_tlv(number: u32) -> Request {
    Request::new(FN_EXCHANGE)
        .int(fn_request::TLV_SELECT)
        .int(number)
}

/// 0x78/16: the next block of the selected document's TLV data, in hex.
pub fn read_tlv() -> Request {
    Request::new(FN_EXCHANGE).int(fn_request::TLV_READ)
}

/// Hex text as bytes.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The value of `tag` in a document's TLV. Tags and lengths are two bytes little-endian
/// each, as the fiscal drive keeps them.
fn tlv_value(tlv: &[u8], tag: u16) -> Option<&[u8]> {
    let mut rest = tlv;
    while rest.len() >= 4 {
        let t = u16::from_le_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_le_bytes([rest[2], rest[3]]));
        let value = rest.get(4..4 + len)?;
        if t == tag {
            return Some(value);
        }
        rest = &rest[4 + len..];
    }
    None
}

/// The fiscal sign in a document's TLV: tag 1077 ("фискальный признак документа", 6 bytes),
/// printed as the number in its last four bytes, big-endian.
pub fn tlv_fiscal_sign(tlv: &[u8]) -> Option<String> {
    match tlv_value(tlv, 1077)? {
        [_, _, a, b, c, d] => Some(u32::from_be_bytes([*a, *b, *c, *d]).to_string()),
        _ => None,
    }
}

/// A receipt's total in its TLV: tag 1020, kopecks as a little-endian integer of up to 6
/// bytes (FFD "VLN").
pub fn tlv_total(tlv: &[u8]) -> Option<Money> {
    let value = tlv_value(tlv, 1020)?;
    if value.is_empty() || value.len() > 6 {
        return None;
    }
    Some(
        value
            .iter()
            .rev()
            .fold(0i64, |acc, &b| (acc << 8) | i64::from(b)),
    )
}

/// 0x78/7: the exchange status, documents for the OFD, the first one's number, date and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfdExchange {
    pub unsent: u32,
    pub first_number: u32,
    pub first_date_time: Option<DateTime>,
}

impl OfdExchange {
    pub fn decode(a: &Answer) -> Result<Self, FrameError> {
        let unsent = a.u32(2)?;
        Ok(Self {
            unsent,
            first_number: a.u32(3)?,
            first_date_time: if unsent == 0 {
                None
            } else {
                Some(a.date_time(4)?)
            },
        })
    }
}

/// 0x79/1: request 1, the code, its processing mode, planned status (2003), quantity (1023),
/// measure (2108), and work mode 0 (the fiscal drive's negative verdict ends the check).
pub fn check_marking(check: &MarkingCheck) -> Request {
    let m = &check.marking;
    Request::new(MARKING)
        .int(1)
        .raw(text::marking_code(&m.code))
        .int(m.processing_mode)
        .int(planned_status(m.planned_status))
        .raw(quantity_field(check.quantity, m.fraction.as_ref()))
        .int(check.measure)
        .int(0)
}

/// Tag 2003's number.
pub fn planned_status(s: PlannedStatus) -> u8 {
    match s {
        PlannedStatus::PieceSold => 1,
        PlannedStatus::MeasuredSold => 2,
        PlannedStatus::PieceReturned => 3,
        PlannedStatus::MeasuredReturned => 4,
    }
}

/// 0x79/1's answer: tag 2106, why the fiscal drive did not check the code, tags 2005, 2105
/// and 2109 (empty when the marking system did not answer within its 3 seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkingChecked {
    pub result_bits: u8,
    pub not_checked_reason: u8,
    pub item_status: Option<u8>,
}

impl MarkingChecked {
    pub fn decode(a: &Answer) -> Result<Self, FrameError> {
        let item_status = if a.text(5).trim().is_empty() {
            None
        } else {
            Some(a.int(5)? as u8)
        };
        Ok(Self {
            result_bits: a.int(1)? as u8,
            not_checked_reason: a.int(2)? as u8,
            item_status,
        })
    }
}

/// 0x79/2: request 2, mode 1 accept or 0 exclude.
pub fn decide_marking(accept: bool) -> Request {
    Request::new(MARKING).int(2).int(u8::from(accept))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: &Request) -> Vec<String> {
        r.fields.iter().map(|f| text::decode(f)).collect()
    }

    #[test]
    fn the_operator_carries_the_cashiers_inn_first() {
        let c = Cashier {
            name: "Иванова И.И.".into(),
            inn: Some("500100732259".into()),
        };
        assert_eq!(operator(&c), "500100732259&Иванова И.И.");
        assert_eq!(
            operator(&Cashier {
                inn: None,
                ..c.clone()
            }),
            "Иванова И.И."
        );
    }

    /// Two litres of milk at 89.90, 10 % VAT, full payment for goods.
    fn milk() -> ReceiptItem {
        ReceiptItem {
            name: "Молоко".into(),
            price: 8990,
            quantity: 2000,
            amount: 17980,
            vat: Vat::Rate(1000),
            vat_code: Some(2),
            tax: 1635,
            subject: 1,
            method: 4,
            measure: 0,
            marking: None,
        }
    }

    #[test]
    fn a_position_has_the_ffd_1_2_fields_in_order() {
        let item = milk();
        let r = add_position(&item).unwrap();
        assert_eq!(r.command, 0x42);
        assert_eq!(
            fields(&r),
            [
                "Молоко",
                "",
                "2.000",
                "89.90",
                "1",
                "",
                "",
                "",
                "0",
                "",
                "4",
                "1",
                "",
                "",
                ""
            ]
        );
        let coded = ReceiptItem {
            vat: Vat::Rate(2200),
            vat_code: Some(11),
            ..item.clone()
        };
        assert_eq!(tax_number(&coded).unwrap(), 0);
        let bad = ReceiptItem {
            vat: Vat::Rate(1800),
            vat_code: None,
            ..item.clone()
        };
        assert_eq!(
            add_position(&bad).unwrap_err().class,
            ErrorClass::Unsupported
        );
        let five = ReceiptItem {
            vat: Vat::Rate(500),
            vat_code: Some(7),
            ..item
        };
        assert!(tax_number(&five).is_err(), "5% has no row");
    }

    /// "Добавить товарную позицию (0x42)" as bytes: two litres of milk at
    /// 89.90, 10 % VAT (table 40 row 1), method 4 (full payment), subject 1 (goods), packet id
    /// `%` (25h). The name in CP866 (М 8Ch, о AEh, л ABh, к AAh), every field followed by FS
    /// (1Ch) as the document's packet format shows, the empty ones too; the CRC is the XOR of
    /// every byte after STX through ETX, 13h, as "13" (worked out by hand from those bytes).
    #[test]
    fn an_add_position_packet_byte_for_byte() {
        let item = milk();
        let packet = add_position(&item).unwrap().encode(b"PIRI", 0x25);
        let expected: &[u8] = b"\x02PIRI%42\x8c\xae\xab\xae\xaa\xae\x1c\x1c2.000\x1c89.90\x1c1\x1c\x1c\x1c\x1c0\x1c\x1c4\x1c1\x1c\x1c\x1c\x1c\x0313";
        assert_eq!(packet, expected);
    }

    #[test]
    fn a_correction_types_bits_follow_the_document() {
        let r = CorrectionReceipt {
            kind: DocumentKind::ExpenseReturn,
            correction: Correction {
                basis: CorrectionBasis::ByOrder,
                base_date: Date {
                    year: 2026,
                    month: 2,
                    day: 27,
                },
                order_number: Some("12-3".into()),
            },
            cashier: Cashier {
                name: "Кассир".into(),
                inn: None,
            },
            items: vec![],
            payments: ReceiptPayments {
                cash: 0,
                cashless: 0,
                prepayment: 0,
                credit: 0,
                counter_provision: 0,
                cash_received: 0,
                change: 0,
            },
            total: 0,
            taxation_system: 0b10,
        };
        let f = fields(&open_correction(&r).unwrap());
        // by order (1) | expense (2) | USN income = 1 << 2 (4) | return (64)
        assert_eq!(f[6], "71");
        assert_eq!(f[7], "270226");
        assert_eq!(f[8], "12-3");
        let mut no_number = r.clone();
        no_number.correction.order_number = None;
        assert!(open_correction(&no_number).is_err());
    }

    #[test]
    fn the_fiscal_sign_is_read_from_tag_1077() {
        let mut tlv = vec![0x10, 0x04, 4, 0, 7, 0, 0, 0]; // 1040 = 7
        tlv.extend_from_slice(&[0x35, 0x04, 6, 0, 0x31, 0x04, 0x49, 0x96, 0x02, 0xD2]);
        assert_eq!(tlv_fiscal_sign(&tlv).as_deref(), Some("1234567890"));
        assert_eq!(tlv_fiscal_sign(&tlv[..8]), None);
        assert_eq!(tlv_fiscal_sign(&tlv[..12]), None, "cut short");
        let mut receipt = tlv.clone();
        receipt.extend_from_slice(&[0xFC, 0x03, 3, 0, 0x10, 0x27, 0x01]); // 1020 = 75536
        assert_eq!(tlv_total(&receipt), Some(0x01_2710));
        assert_eq!(tlv_total(&tlv), None);
        assert_eq!(unhex("0A1b").unwrap(), [0x0A, 0x1B]);
        assert_eq!(unhex("ABC"), None);
    }

    fn answer(fields: &[&str]) -> Answer {
        Answer {
            id: 0x20,
            command: COUNTERS,
            error: 0,
            fields: fields.iter().map(|f| f.as_bytes().to_vec()).collect(),
        }
    }

    #[test]
    fn shift_counter_requests_carry_their_number() {
        for n in [
            counter::SHIFT_NUMBER,
            counter::SALES_BY_PAYMENT,
            counter::RETURNS_BY_PAYMENT,
            counter::RECEIPT_COUNTS,
        ] {
            let r = counters(n);
            assert_eq!(r.command, 0x01);
            assert_eq!(fields(&r), [n.to_string()]);
        }
        assert_eq!(
            counters(counter::SALES_BY_PAYMENT).encode(b"PIRI", 0x20),
            [
                &b"\x02PIRI 013\x1c\x03"[..],
                format!("{:02X}", frame::crc(b"PIRI 013\x1c\x03")).as_bytes()
            ]
            .concat()
        );
    }

    #[test]
    fn payment_sums_are_rubles_text_in_kopecks_by_type() {
        // 0x01/3: cash 1234.50, electronic 99.99, type 2 0.01, prepayment (13) 500.00, the
        // rest empty or "0.00"; the last fields may be left out.
        let mut f = vec!["3", "1234.50", "99.99", "0.01", "", "0.00"];
        f.extend(["0"; 8]);
        f.push("500.00");
        let sums = PaymentSums::decode(&answer(&f), counter::SALES_BY_PAYMENT).unwrap();
        assert_eq!(sums.0[0], 123_450);
        assert_eq!(sums.0[13], 50_000);
        assert_eq!(sums.0[15], 0, "missing is 0");
        assert_eq!(sums.cash(), 123_450);
        assert_eq!(
            sums.cashless(),
            9_999 + 1,
            "types 1..12; 13..15 are not cashless"
        );
        let whole = PaymentSums::decode(&answer(&["5", "7", "12.3"]), 5).unwrap();
        assert_eq!((whole.cash(), whole.cashless()), (700, 1_230));
        assert_eq!(
            PaymentSums::decode(&answer(&["5"]), 5).unwrap(),
            PaymentSums([0; PAYMENT_TYPES]),
            "an empty shift"
        );
        assert!(matches!(
            PaymentSums::decode(&answer(&["3", "1.00"]), 5),
            Err(FrameError::Field { index: 0, .. })
        ));
        assert!(matches!(
            PaymentSums::decode(&answer(&["3", "1,00"]), 3),
            Err(FrameError::Field { index: 1, .. })
        ));
        assert!(matches!(
            PaymentSums::decode(&answer(&["3", "0", "-1.00"]), 3),
            Err(FrameError::Field { index: 2, .. })
        ));
        let huge = ["3", "0"]
            .into_iter()
            .chain(["90000000000000000.00"; 12])
            .collect::<Vec<_>>();
        let sums = PaymentSums::decode(&answer(&huge), 3).unwrap();
        assert_eq!(
            sums.cashless(),
            Money::MAX,
            "saturates rather than overflows"
        );
    }

    #[test]
    fn receipt_counts_are_fields_one_and_two_of_request_7() {
        let c = ReceiptCounts::decode(&answer(&["7", "12", "3", "1", "0", "2", "1"])).unwrap();
        assert_eq!(
            c,
            ReceiptCounts {
                sales: 12,
                returns: 3
            }
        );
        let empty = ReceiptCounts::decode(&answer(&["7", "", ""])).unwrap();
        assert_eq!(
            empty,
            ReceiptCounts {
                sales: 0,
                returns: 0
            }
        );
        assert!(ReceiptCounts::decode(&answer(&["3", "1", "1"])).is_err());
        assert!(ReceiptCounts::decode(&answer(&["7", "x"])).is_err());
    }

    #[test]
    fn taxation_masks_become_numbers() {
        assert_eq!(taxation_number(0).unwrap(), None);
        assert_eq!(taxation_number(1).unwrap(), Some(0));
        assert_eq!(taxation_number(0b10_0000).unwrap(), Some(5));
        assert!(taxation_number(0b11).is_err());
    }

    #[test]
    fn a_marking_check_escapes_the_code_and_sends_fractions_as_n_over_m() {
        let check = MarkingCheck {
            marking: Marking {
                code: "0104\u{1D}93ab".into(),
                planned_status: PlannedStatus::PieceSold,
                processing_mode: 0,
                fraction: Some(FractionalQuantity {
                    numerator: 1,
                    denominator: 10,
                }),
            },
            quantity: 1000,
            measure: 0,
        };
        assert_eq!(
            fields(&check_marking(&check)),
            ["1", "0104$1D93ab", "0", "1", "1/10", "0", "0"]
        );
        assert_eq!(fields(&bind_marking("01\u{1D}9")), ["@01$1D9"]);
    }
}
