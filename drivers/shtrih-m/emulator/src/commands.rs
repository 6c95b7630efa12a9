//! The commands the emulated register executes, with the vendor's layouts (as pyshtrih and
//! the vendor's JavaPOS driver encode them) and the vendor's error codes for refusals.
//!
//! Two ways to make a receipt, as on the real register: the fiscal-drive commands (8Dh open,
//! FF46h operation v2, FF45h close v2) and the legacy ones older tools still send (80h sale
//! and 82h sale return, each opening its receipt when none is open; 85h close with four
//! payment sums). Both go through the same line and close steps, so either makes the same
//! fiscal document with its fiscal sign and moves the same money registers.
//!
//! Passwords are the factory ones: operator N has password N (1..=28 cashiers, 29 the
//! administrator, 30 the system administrator). Reports need 29 or 30; table writes, font
//! metrics and fiscal-drive queries need 30. Printing commands fail with 6Bh ("no receipt
//! paper") while the paper is out or the cover is open; the status flags tell which.

use emulator_kit::Faults;

use crate::cp1251;
use crate::device::{OpenReceipt, ReceivedCommand, Shift, ShtrihDevice};
use crate::journal::*;

/// The vendor's error codes this emulator answers with.
pub mod code {
    /// Fiscal drive: wrong state for the command.
    pub const FN_WRONG_STATE: u8 = 0x02;
    /// Fiscal drive: no such data (document number out of range).
    pub const FN_NO_DATA: u8 = 0x08;
    pub const BAD_PARAMETERS: u8 = 0x33;
    pub const NOT_SUPPORTED: u8 = 0x37;
    pub const SHIFT_NOT_OPEN: u8 = 0x3D;
    pub const PAYMENTS_SHORT: u8 = 0x45;
    pub const NO_CASH: u8 = 0x46;
    pub const TOTAL_OVERFLOW: u8 = 0x48;
    pub const WRONG_RECEIPT_TYPE: u8 = 0x49;
    pub const RECEIPT_OPEN: u8 = 0x4A;
    pub const CASHLESS_OVER_TOTAL: u8 = 0x4D;
    pub const SHIFT_OVER_24H: u8 = 0x4E;
    pub const WRONG_PASSWORD: u8 = 0x4F;
    pub const RECEIPT_CLOSED: u8 = 0x55;
    pub const DEPARTMENT_RANGE: u8 = 0x63;
    pub const NO_RECEIPT_PAPER: u8 = 0x6B;
    pub const WRONG_MODE: u8 = 0x73;
    pub const ZERO_TOTAL: u8 = 0x8E;
    /// Fiscal drive: the marking code was not checked (and accepted) before (the vendor's
    /// FSPrinterErrorAC, "В реквизите 2007 содержится КМ, который ранее не проверялся в ФН").
    pub const MARKING_NOT_CHECKED: u8 = 0xAC;
}
use code::*;

/// "Not given" in the 5-byte sums of operation v2: the device computes.
const NOT_GIVEN: u64 = 0xFF_FFFF_FFFF;
const MAX_SUM: u64 = 0xFF_FFFF_FFFF;
/// Open check's flag for a correction receipt (80h + type).
const CORRECTION_CHECK: u8 = 0x80;
/// Status flags (vendor's bit list).
const FLAG_RECEIPT_ROLL: u16 = 1 << 1;
const FLAG_DECIMAL_POINT: u16 = 1 << 4;
const FLAG_RECEIPT_OPTICAL: u16 = 1 << 7;
const FLAG_RECEIPT_LEVER_DOWN: u16 = 1 << 9;
const FLAG_COVER_OPEN: u16 = 1 << 10;
/// The print width of font 1 in dots and its character cell: 48 columns, the line of a
/// ШТРИХ-М-01Ф on 80 mm paper.
const PRINT_WIDTH_DOTS: u16 = 576;
const FONT1_CHAR_WIDTH: u8 = 12;

pub(crate) type Outcome = Result<Vec<u8>, u8>;

/// Reads a command's arguments; running short is "incorrect parameters".
pub(crate) struct Args<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Args<'a> {
    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], u8> {
        let slice = self
            .data
            .get(self.pos..self.pos + n)
            .ok_or(BAD_PARAMETERS)?;
        self.pos += n;
        Ok(slice)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, u8> {
        Ok(self.bytes(1)?[0])
    }
    pub(crate) fn uint(&mut self, n: usize) -> Result<u64, u8> {
        let mut le = [0u8; 8];
        le[..n].copy_from_slice(self.bytes(n)?);
        Ok(u64::from_le_bytes(le))
    }
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let rest = &self.data[self.pos..];
        self.pos = self.data.len();
        rest
    }
    pub(crate) fn operator(&mut self) -> Result<u8, u8> {
        let password = self.uint(4)?;
        if (1..=30).contains(&password) {
            Ok(password as u8)
        } else {
            Err(WRONG_PASSWORD)
        }
    }
    pub(crate) fn admin(&mut self) -> Result<u8, u8> {
        match self.operator()? {
            op @ (29 | 30) => Ok(op),
            _ => Err(WRONG_PASSWORD),
        }
    }
    pub(crate) fn system_admin(&mut self) -> Result<u8, u8> {
        match self.operator()? {
            30 => Ok(30),
            _ => Err(WRONG_PASSWORD),
        }
    }
}

fn le(value: u64, n: usize) -> Vec<u8> {
    value.to_le_bytes()[..n].to_vec()
}

/// An ASCII field padded with spaces to `width`.
fn ascii(s: &str, width: usize) -> Vec<u8> {
    let mut bytes = s.as_bytes().to_vec();
    bytes.resize(width, b' ');
    bytes.truncate(width);
    bytes
}

fn rubles(kopecks: u64) -> String {
    format!("{}.{:02}", kopecks / 100, kopecks % 100)
}

fn quantity_text(millionths: u64) -> String {
    let s = format!("{}.{:06}", millionths / 1_000_000, millionths % 1_000_000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// FFD tag 1054 of an open-check type, and back.
fn operation_of(check_type: u8) -> u8 {
    match check_type {
        0 => 1,
        1 => 3,
        2 => 2,
        _ => 4,
    }
}

fn check_type_of(operation: u8) -> u8 {
    match operation {
        1 => 0,
        2 => 2,
        3 => 1,
        _ => 3,
    }
}

impl ShtrihDevice {
    /// Executes one command body (CMD.. DATA) and returns the answer body (CMD.. ERR DATA).
    pub(crate) fn execute(&mut self, body: &[u8], faults: &Faults) -> Vec<u8> {
        let (code, data, mut answer) = match body {
            [0xFF, second, rest @ ..] => (0xFF00 | *second as u16, rest, vec![0xFF, *second]),
            [first, rest @ ..] => (*first as u16, rest, vec![*first]),
            [] => return vec![0x00, NOT_SUPPORTED],
        };
        emulator_kit::remember(
            &mut self.command_log,
            ReceivedCommand {
                code,
                data: data.to_vec(),
            },
        );
        let mut args = Args { data, pos: 0 };
        match self.dispatch(code, &mut args, faults) {
            Ok(data) => {
                answer.push(0);
                answer.extend(data);
            }
            Err(error) => answer.push(error),
        }
        answer
    }

    fn dispatch(&mut self, code: u16, args: &mut Args, faults: &Faults) -> Outcome {
        match code {
            0x10 => self.short_status(args, faults),
            0x11 => self.full_status(args, faults),
            // The string fields are documented as 20 and 40 bytes; lines as wide as the
            // paper are taken too, as the vendor's own drivers send them.
            0x12 => self.print_line(args, faults, 32),
            0x17 => self.print_line(args, faults, 64),
            0x1A => self.read_money_register(args),
            0x1B => self.read_operation_register(args),
            0x1E => self.write_table(args),
            0x25 => self.cut(args, faults),
            0x26 => self.font_metrics(args),
            0x29 => self.feed(args, faults),
            0x40 => self.x_report(args, faults),
            0x41 => self.z_report(args, faults),
            0x50 => self.cash(args, faults, true),
            0x51 => self.cash(args, faults, false),
            0x80 => self.legacy_item(args, faults, 0),
            0x82 => self.legacy_item(args, faults, 2),
            0x85 => self.legacy_close(args, faults),
            0x88 => self.cancel_check(args, faults),
            0x8D => self.open_check(args, faults),
            0xE0 => self.open_shift(args, faults),
            0xFC => Ok(self.device_type()),
            0xFF01 => self.fn_status(args),
            0xFF09 => self.fn_fiscalization(args),
            0xFF0A => self.fn_find_document(args),
            0xFF03 => self.fn_validity(args),
            0xFF0C => self.fn_tlv(args),
            0xFF4D => self.operation_tlv(args),
            0xFF39 => self.fn_exchange_status(args),
            0xFF40 => self.fn_shift_params(args),
            0xFF45 => self.close_check(args, faults),
            0xFF46 => self.operation(args, faults),
            0xFF61 => self.check_marking(args),
            0xFF67 => self.bind_marking(args),
            0xFF69 => self.accept_marking(args),
            _ => Err(NOT_SUPPORTED),
        }
    }

    fn can_print(&self, faults: &Faults) -> Result<(), u8> {
        if faults.paper_out() || faults.cover_open() {
            Err(NO_RECEIPT_PAPER)
        } else {
            Ok(())
        }
    }

    /// A shift in which one may sell: open and younger than 24 hours.
    pub(crate) fn selling_shift(&self) -> Result<(), u8> {
        match &self.shift {
            None => Err(SHIFT_NOT_OPEN),
            Some(_) if self.shift_expired() => Err(SHIFT_OVER_24H),
            Some(_) => Ok(()),
        }
    }

    fn mode(&self) -> u8 {
        match (&self.receipt, &self.shift) {
            (Some(r), _) => 8 | r.check_type << 4,
            (None, Some(_)) if self.shift_expired() => 3,
            (None, Some(_)) => 2,
            (None, None) => 4,
        }
    }

    fn submode(&self, faults: &Faults) -> u8 {
        if faults.paper_out() { 1 } else { 0 }
    }

    fn flags(&self, faults: &Faults) -> u16 {
        let mut flags = FLAG_DECIMAL_POINT;
        if !faults.paper_out() {
            flags |= FLAG_RECEIPT_ROLL | FLAG_RECEIPT_OPTICAL;
        }
        if faults.cover_open() {
            flags |= FLAG_COVER_OPEN;
        } else {
            flags |= FLAG_RECEIPT_LEVER_DOWN;
        }
        flags
    }

    fn print(&mut self, line: impl Into<String>) {
        emulator_kit::remember(&mut self.tape, line.into());
    }

    fn short_status(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        let operator = args.operator()?;
        let ops = self.receipt.as_ref().map_or(0, |r| r.lines.len()) as u16;
        let mut out = vec![operator];
        out.extend(le(self.flags(faults) as u64, 2));
        out.extend([self.mode(), self.submode(faults), ops as u8]);
        out.extend([0x9A, 0xD2, 0, 0, (ops >> 8) as u8, 0, 0, 0]);
        Ok(out)
    }

    fn full_status(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        let operator = args.operator()?;
        let now = self.now();
        let mut out = vec![operator, b'C', b'3'];
        out.extend(le(27_001, 2)); // firmware build
        out.extend([1, 12, 25]); // firmware date 01.12.25
        out.push(1); // number in the hall
        out.extend(le(self.running_number as u64, 2));
        out.extend(le(self.flags(faults) as u64, 2));
        out.extend([self.mode(), self.submode(faults), 0]);
        out.extend([b'C', b'3']);
        out.extend(le(27_001, 2));
        out.extend([1, 12, 25]);
        out.extend([now.day, now.month, (now.year - 2000) as u8]);
        out.extend([now.hour, now.minute, now.second]);
        out.push(0); // fiscal memory flags
        out.extend(le(self.identity.serial_number as u64, 4));
        out.extend(le(self.last_closed_shift as u64, 2));
        out.extend(le(2_100 - self.last_closed_shift as u64, 2));
        out.extend([1, 11]); // registrations made, left
        out.extend(le(self.identity.inn.parse::<u64>().unwrap_or(0), 6));
        Ok(out)
    }

    fn print_line(&mut self, args: &mut Args, faults: &Faults, width: usize) -> Outcome {
        let operator = args.operator()?;
        let _stations = args.u8()?;
        let text = args.rest();
        if text.len() > width {
            return Err(BAD_PARAMETERS);
        }
        self.can_print(faults)?;
        let line = cp1251::decode(text);
        if let Some(r) = &mut self.receipt {
            r.text_lines.push(line.clone());
        }
        self.print(line);
        Ok(vec![operator])
    }

    fn read_money_register(&mut self, args: &mut Args) -> Outcome {
        let operator = args.operator()?;
        // One byte for 0..=255; two for the higher numbers (payment types 5..16).
        let number = match args.rest() {
            [n] => *n as u16,
            [lo, hi] => u16::from_le_bytes([*lo, *hi]),
            _ => return Err(BAD_PARAMETERS),
        };
        let value = self.money_register(number).ok_or(BAD_PARAMETERS)?;
        let mut out = vec![operator];
        out.extend(le(value, 6));
        Ok(out)
    }

    fn read_operation_register(&mut self, args: &mut Args) -> Outcome {
        let operator = args.operator()?;
        // One byte: every number 0..=255 is a register (the vendor's JavaPOS models read
        // 0..=255); another length is a bad parameter, as for 1Ah.
        let number = match args.rest() {
            [n] => *n,
            _ => return Err(BAD_PARAMETERS),
        };
        let mut out = vec![operator];
        out.extend(le(self.operation_register(number) as u64, 2));
        Ok(out)
    }

    fn write_table(&mut self, args: &mut Args) -> Outcome {
        args.system_admin()?;
        let table = args.u8()?;
        let row = args.uint(2)? as usize;
        let field = args.u8()?;
        let value = args.rest();
        if table == 2 {
            if !(1..=30).contains(&row) || value.len() > 64 {
                return Err(BAD_PARAMETERS);
            }
            if field == 2 {
                self.cashiers[row] = cp1251::decode(value).trim().to_string();
            }
        }
        Ok(vec![])
    }

    fn cut(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        let operator = args.operator()?;
        let _partial = args.u8()?;
        self.can_print(faults)?;
        self.cuts += 1;
        Ok(vec![operator])
    }

    fn font_metrics(&mut self, args: &mut Args) -> Outcome {
        args.system_admin()?;
        let (char_width, char_height) = match args.u8()? {
            1 => (FONT1_CHAR_WIDTH, 24),
            2 => (FONT1_CHAR_WIDTH * 2, 48),
            _ => return Err(BAD_PARAMETERS),
        };
        let mut out = le(PRINT_WIDTH_DOTS as u64, 2);
        out.extend([char_width, char_height, 2]);
        Ok(out)
    }

    fn feed(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        let operator = args.operator()?;
        let _stations = args.u8()?;
        let lines = args.u8()?;
        self.can_print(faults)?;
        for _ in 0..lines {
            self.print("");
        }
        Ok(vec![operator])
    }

    fn x_report(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        let operator = args.admin()?;
        self.can_print(faults)?;
        if self.receipt.is_some() {
            return Err(RECEIPT_OPEN);
        }
        self.running_number += 1;
        self.registers.x_report();
        self.print("СУТОЧНЫЙ ОТЧЕТ БЕЗ ГАШЕНИЯ");
        self.print(format!("ПРИХОД {}", rubles(self.registers.shift_total(0))));
        self.print(format!(
            "ВОЗВРАТ ПРИХОДА {}",
            rubles(self.registers.shift_total(2))
        ));
        self.print(format!("НАЛИЧНОСТЬ В КАССЕ {}", rubles(self.cash)));
        Ok(vec![operator])
    }

    fn z_report(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        let operator = args.admin()?;
        self.can_print(faults)?;
        if self.receipt.is_some() {
            return Err(RECEIPT_OPEN);
        }
        let shift = self.shift.take().ok_or(SHIFT_NOT_OPEN)?;
        self.last_closed_shift = shift.number;
        self.registers.shift_closed();
        let (number, sign) = self.add_document(
            DOC_SHIFT_CLOSE,
            self.instant(),
            Some(shift.number),
            None,
            None,
        );
        self.running_number += 1;
        self.print("ОТЧЕТ О ЗАКРЫТИИ СМЕНЫ");
        self.print(format!("СМЕНА {}  ЧЕКОВ {}", shift.number, shift.receipts));
        self.print(format!("ФД {number}  ФП {sign}"));
        Ok(vec![operator])
    }

    fn cash(&mut self, args: &mut Args, faults: &Faults, incoming: bool) -> Outcome {
        let operator = args.operator()?;
        let amount = args.uint(5)?;
        self.can_print(faults)?;
        if self.receipt.is_some() {
            return Err(RECEIPT_OPEN);
        }
        self.selling_shift()?;
        if incoming {
            self.cash = self.cash.checked_add(amount).ok_or(TOTAL_OVERFLOW)?;
            self.print(format!("ВНЕСЕНИЕ {}", rubles(amount)));
        } else {
            self.cash = self.cash.checked_sub(amount).ok_or(NO_CASH)?;
            self.print(format!("ВЫПЛАТА {}", rubles(amount)));
        }
        self.registers.cash_moved(incoming, amount);
        self.running_number += 1;
        let mut out = vec![operator];
        out.extend(le(self.running_number as u64, 2));
        Ok(out)
    }

    fn cancel_check(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        let operator = args.operator()?;
        if self.receipt.is_none() {
            return Err(RECEIPT_CLOSED);
        }
        self.can_print(faults)?;
        let cancelled = self.receipt.take().expect("checked above");
        self.registers.receipt_cancelled(&cancelled);
        self.running_number += 1;
        self.print("ЧЕК АННУЛИРОВАН");
        Ok(vec![operator])
    }

    fn open_check(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        let operator = args.operator()?;
        let requested = args.u8()?;
        // 80h..83h: a correction receipt of that type (FFD 1.2).
        let correction = requested & CORRECTION_CHECK != 0;
        let check_type = requested & !CORRECTION_CHECK;
        if check_type > 3 {
            return Err(BAD_PARAMETERS);
        }
        self.can_print(faults)?;
        if self.receipt.is_some() {
            return Err(RECEIPT_OPEN);
        }
        self.selling_shift()?;
        let mut receipt = OpenReceipt::new(check_type);
        receipt.correction = correction;
        self.receipt = Some(receipt);
        Ok(vec![operator])
    }

    fn open_shift(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        let operator = args.operator()?;
        self.can_print(faults)?;
        if self.shift.is_some() {
            return Err(WRONG_MODE);
        }
        let number = self.last_closed_shift + 1;
        let at = self.instant();
        self.shift = Some(Shift {
            number,
            opened: at,
            receipts: 0,
        });
        let (fd, sign) = self.add_document(DOC_SHIFT_OPEN, at, Some(number), None, None);
        self.running_number += 1;
        self.print("ОТЧЕТ ОБ ОТКРЫТИИ СМЕНЫ");
        self.print(format!(
            "СМЕНА {number}  КАССИР {}",
            self.cashiers[operator as usize]
        ));
        self.print(format!("ФД {fd}  ФП {sign}"));
        Ok(vec![operator])
    }

    fn device_type(&self) -> Vec<u8> {
        // Type 0 (fiscal register), subtype 0, protocol 1.13, model 150, Russian.
        let mut out = vec![0, 0, 1, 13, 150, 0];
        out.extend(cp1251::encode(&self.identity.model));
        out
    }

    fn fn_status(&mut self, args: &mut Args) -> Outcome {
        args.system_admin()?;
        let last = self.last_document().clone();
        let mut out = vec![
            0x03, // set up, fiscal mode open
            if self.receipt.is_some() { 0x04 } else { 0x00 },
            0x00,
            self.shift.is_some() as u8,
            0x00,
        ];
        out.extend(last.date_time.fn_bytes());
        out.extend(ascii(&self.identity.fn_number, 16));
        out.extend(le(last.number as u64, 4));
        Ok(out)
    }

    fn fn_fiscalization(&mut self, args: &mut Args) -> Outcome {
        args.system_admin()?;
        let registration = self.documents[0].clone();
        let mut out = registration.date_time.fn_bytes().to_vec();
        out.extend(ascii(&self.identity.inn, 12));
        out.extend(ascii(&self.identity.registration_number, 20));
        out.extend([0x01, 0x00]); // ОСН; no special work modes
        out.extend(le(registration.number as u64, 4));
        out.extend(le(registration.fiscal_sign as u64, 4));
        Ok(out)
    }

    fn fn_find_document(&mut self, args: &mut Args) -> Outcome {
        args.system_admin()?;
        let number = args.uint(4)? as usize;
        let doc = number
            .checked_sub(1)
            .and_then(|i| self.documents.get(i))
            .ok_or(FN_NO_DATA)?;
        let mut out = vec![doc.kind, 0];
        out.extend(doc.date_time.fn_bytes());
        out.extend(le(doc.number as u64, 4));
        out.extend(le(doc.fiscal_sign as u64, 4));
        if let Some(shift) = doc.shift_number {
            out.extend(le(shift as u64, 2));
        }
        if let (Some(op), Some(amount)) = (doc.operation, doc.amount) {
            out.push(op);
            out.extend(le(amount, 5));
        }
        Ok(out)
    }

    /// FF03h: the fiscal drive's validity date (YY MM DD, binary), then the re-registrations
    /// left and made.
    fn fn_validity(&mut self, args: &mut Args) -> Outcome {
        args.system_admin()?;
        let until = self.fn_valid_until();
        Ok(vec![
            (until.year - 2000) as u8,
            until.month,
            until.day,
            29,
            1,
        ])
    }

    /// FF39h: the exchange with the OFD: status bits, reading state, documents waiting for
    /// the OFD, the first one's number and its date and time (YY MM DD hh mm; zeros when none).
    fn fn_exchange_status(&mut self, args: &mut Args) -> Outcome {
        args.system_admin()?;
        let unsent = self.unsent_documents();
        let first = self.first_unsent_document();
        let mut out = vec![if unsent > 0 { 0x02 } else { 0x00 }, 0x00];
        out.extend(le(unsent as u64, 2));
        match first {
            Some(doc) => {
                out.extend(le(doc.number as u64, 4));
                out.extend(doc.date_time.fn_bytes());
            }
            None => out.extend([0; 9]),
        }
        Ok(out)
    }

    fn fn_tlv(&mut self, args: &mut Args) -> Outcome {
        let (tag, value) = tlv(args)?;
        let receipt = self.receipt.as_mut().ok_or(FN_WRONG_STATE)?;
        match tag {
            1203 => receipt.cashier_inn = Some(String::from_utf8_lossy(value).trim().to_string()),
            1008 => receipt.customer_contact = Some(cp1251::decode(value)),
            1173 if receipt.correction => {
                receipt.correction_type = Some(*value.first().ok_or(BAD_PARAMETERS)?)
            }
            1174 if receipt.correction => receipt.correction_basis = Some(correction_basis(value)?),
            1173 | 1174 => return Err(WRONG_RECEIPT_TYPE),
            _ => {}
        }
        Ok(vec![])
    }

    /// FF4Dh: a TLV bound to the position just registered (password 4, tag 2, length 2,
    /// value). Tag 2108 (one byte) sets that position's measure; other tags are taken and kept
    /// nowhere, as the register files them in the FN without printing them.
    fn operation_tlv(&mut self, args: &mut Args) -> Outcome {
        let (tag, value) = tlv(args)?;
        let receipt = self.receipt.as_mut().ok_or(FN_WRONG_STATE)?;
        let line = receipt.lines.last_mut().ok_or(FN_WRONG_STATE)?;
        if tag == 2108 {
            line.measure = match value {
                [measure] => *measure,
                _ => return Err(BAD_PARAMETERS),
            };
        }
        Ok(vec![])
    }

    fn fn_shift_params(&mut self, args: &mut Args) -> Outcome {
        args.system_admin()?;
        let (open, number, receipts) = match &self.shift {
            Some(s) => (1, s.number, s.receipts),
            None => (0, self.last_closed_shift, 0),
        };
        let mut out = vec![open];
        out.extend(le(number as u64, 2));
        out.extend(le(receipts as u64, 2));
        Ok(out)
    }

    fn operation(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        args.operator()?;
        let kind = args.u8()?;
        let quantity = args.uint(6)?;
        let price = args.uint(5)?;
        let sum = args.uint(5)?;
        let tax = args.uint(5)?;
        let tax_rate = args.u8()?;
        let department = args.u8()?;
        let method = args.u8()?;
        let subject = args.u8()?;
        let name = args.rest();
        if !(1..=4).contains(&kind)
            || ![0x01, 0x02, 0x04, 0x08, 0x10, 0x20].contains(&tax_rate)
            || !(1..=7).contains(&method)
            || !(1..=33).contains(&subject)
            || quantity == 0
            || name.len() > 128
        {
            return Err(BAD_PARAMETERS);
        }
        if department > 16 {
            return Err(DEPARTMENT_RANGE);
        }
        self.can_print(faults)?;
        self.selling_shift()?;
        // The sum may differ from price × quantity by a kopeck at most.
        let computed = (price as u128 * quantity as u128 + 500_000) / 1_000_000;
        let amount = if sum == NOT_GIVEN {
            computed as u64
        } else if (sum as u128).abs_diff(computed) <= 1 {
            sum
        } else {
            return Err(BAD_PARAMETERS);
        };
        let tax = match (tax, tax_rate) {
            (NOT_GIVEN, _) => None,
            // The register counts no tax at 0% and without VAT.
            (_, 0x04 | 0x08) => Some(0),
            (t, _) => Some(t),
        };
        let line = ReceiptLine {
            name: cp1251::decode(name),
            quantity,
            price,
            amount,
            tax,
            tax_rate,
            department,
            method,
            subject,
            // The code FF67h bound to this position, when it did.
            marking_code: self.receipt.as_mut().and_then(|r| r.next_marking.take()),
            measure: 0,
        };
        let marking = line.marking_code.clone();
        if let Err(e) = self.add_line(check_type_of(kind), line) {
            // A refused position leaves its bound code for the next try.
            if let Some(r) = self.receipt.as_mut() {
                r.next_marking = marking;
            }
            return Err(e);
        }
        Ok(vec![])
    }

    /// 80h sale, 82h sale return: quantity in thousandths (5 bytes), price (5), department,
    /// four tax-group bytes (table 6 rows: 1 22%, 2 10%, 3 0%, 4 без НДС, 5 22/122, 6 10/110;
    /// the first non-zero one counts, none is без НДС), the name (up to 40 bytes, NUL or
    /// space padded; longer ones are taken up to 128, as the wide models do).
    fn legacy_item(&mut self, args: &mut Args, faults: &Faults, check_type: u8) -> Outcome {
        let operator = args.operator()?;
        let quantity = args.uint(5)?;
        let price = args.uint(5)?;
        let department = args.u8()?;
        let groups = args.bytes(4)?;
        let name = args.rest();
        if quantity == 0 || name.len() > 128 || groups.iter().any(|&g| g > 6) {
            return Err(BAD_PARAMETERS);
        }
        if department > 16 {
            return Err(DEPARTMENT_RANGE);
        }
        self.can_print(faults)?;
        self.selling_shift()?;
        let group = groups.iter().copied().find(|&g| g != 0).unwrap_or(4);
        // Thousandths × kopecks, rounded half up to the kopeck, as the register rounds.
        let amount = ((price as u128 * quantity as u128 + 500) / 1000) as u64;
        let line = ReceiptLine {
            name: cp1251::decode(name).trim_end().to_string(),
            quantity: quantity * 1000,
            price,
            amount,
            tax: None,
            tax_rate: 1 << (group - 1),
            department,
            // The FFD tags a legacy sale cannot send: full payment for goods.
            method: 4,
            subject: 1,
            marking_code: None,
            measure: 0,
        };
        self.add_line(check_type, line)?;
        Ok(vec![operator])
    }

    /// Adds a line to the open receipt of `check_type`, opening one when none is open.
    /// A refused line leaves no receipt behind that it would have opened.
    pub(crate) fn add_line(&mut self, check_type: u8, line: ReceiptLine) -> Result<(), u8> {
        let total: u64 = match &self.receipt {
            Some(r) if r.check_type != check_type => return Err(WRONG_RECEIPT_TYPE),
            Some(r) => r.lines.iter().map(|l| l.amount).sum(),
            None => 0,
        };
        if total + line.amount > MAX_SUM {
            return Err(TOTAL_OVERFLOW);
        }
        let receipt = self
            .receipt
            .get_or_insert_with(|| OpenReceipt::new(check_type));
        let (quantity, price, amount) = (line.quantity, line.price, line.amount);
        let printed = [
            line.name.clone(),
            format!(
                "{} x {} = {}",
                quantity_text(quantity),
                rubles(price),
                rubles(amount)
            ),
        ];
        receipt.lines.push(line);
        for l in printed {
            self.print(l);
        }
        Ok(())
    }

    fn close_check(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        let operator = args.operator()?;
        let mut payments = [0u64; 16];
        for p in &mut payments {
            *p = args.uint(5)?;
        }
        let _rounding = args.u8()?;
        let mut taxes = [0u64; 6];
        for t in &mut taxes {
            *t = args.uint(5)?;
        }
        let tax_system = args.u8()?;
        let text = args.rest();
        if text.len() > 64 {
            return Err(BAD_PARAMETERS);
        }
        let closed =
            self.close_receipt(operator, payments, Some(taxes), tax_system, text, faults)?;
        let mut out = le(closed.change, 5);
        out.extend(le(closed.number as u64, 4));
        out.extend(le(closed.fiscal_sign as u64, 4));
        out.extend(closed.date_time.fn_bytes());
        Ok(out)
    }

    /// 85h: cash and payment types 2..4 (5 bytes each), a discount in hundredths of a percent
    /// (2 bytes, signed), four tax-group bytes for the discount, a line of text (40 bytes,
    /// NUL padded; up to 128 taken). Answers the change. The register computes the VAT.
    fn legacy_close(&mut self, args: &mut Args, faults: &Faults) -> Outcome {
        let operator = args.operator()?;
        let mut payments = [0u64; 16];
        for p in &mut payments[..4] {
            *p = args.uint(5)?;
        }
        let discount = args.uint(2)? as u16 as i16;
        let _discount_taxes = args.bytes(4)?;
        let text = args.rest();
        // A discount on the whole receipt is not emulated: refused rather than ignored, so
        // a tool that sends one learns it at once.
        if discount != 0 || text.len() > 128 {
            return Err(BAD_PARAMETERS);
        }
        let text = cp1251::encode(cp1251::decode(text).trim_end());
        let closed = self.close_receipt(operator, payments, None, 0, &text, faults)?;
        let mut out = vec![operator];
        out.extend(le(closed.change, 5));
        Ok(out)
    }

    /// Closes the open receipt into the fiscal drive: the checks and the steps both closes
    /// (FF45h, 85h) share. `taxes` as the host gave them, or `None` for the register to
    /// compute them from the lines.
    pub(crate) fn close_receipt(
        &mut self,
        operator: u8,
        payments: [u64; 16],
        taxes: Option<[u64; 6]>,
        tax_system: u8,
        text: &[u8],
        faults: &Faults,
    ) -> Result<Closed, u8> {
        let receipt = self.receipt.as_ref().ok_or(RECEIPT_CLOSED)?;
        self.can_print(faults)?;
        self.selling_shift()?;
        let total: u64 = receipt.lines.iter().map(|l| l.amount).sum();
        if total == 0 {
            return Err(ZERO_TOTAL);
        }
        let paid: u64 = payments.iter().sum();
        if paid < total {
            return Err(PAYMENTS_SHORT);
        }
        let cash = payments[PAY_CASH];
        let change = paid - total;
        if paid - cash > total || change > cash {
            return Err(CASHLESS_OVER_TOTAL);
        }
        let operation = operation_of(receipt.check_type);
        let net_cash = cash - change;
        let drawer = match operation {
            1 | 4 => self.cash.checked_add(net_cash).ok_or(TOTAL_OVERFLOW)?,
            _ => self.cash.checked_sub(net_cash).ok_or(NO_CASH)?,
        };

        let taxes = taxes.unwrap_or_else(|| computed_taxes(&receipt.lines));
        // A correction receipt needs its type (1173) and basis (1174), as the drive does.
        let correction = if receipt.correction {
            let basis = receipt.correction_type.ok_or(BAD_PARAMETERS)?;
            let (base_date, order_number) =
                receipt.correction_basis.clone().ok_or(BAD_PARAMETERS)?;
            Some(Correction {
                basis,
                base_date,
                order_number,
            })
        } else {
            None
        };
        // A code bound to no position is an error of the receipt.
        if receipt.next_marking.is_some() {
            return Err(FN_WRONG_STATE);
        }

        // From here on nothing fails: the receipt goes into the fiscal drive.
        let mut receipt = self.receipt.take().expect("checked above");
        let check_type = receipt.check_type;
        if !text.is_empty() {
            receipt.text_lines.push(cp1251::decode(text));
        }
        self.cash = drawer;
        let shift = self.shift.as_mut().expect("selling_shift checked it");
        shift.receipts += 1;
        let (shift_number, receipt_number) = (shift.number, shift.receipts);
        // One reading of the clock: the document and the receipt carry the same moment.
        let at = self.instant();
        let kind = if correction.is_some() {
            DOC_CORRECTION
        } else {
            DOC_RECEIPT
        };
        let (number, sign) = self.add_document(kind, at, None, Some(operation), Some(total));
        // Checked codes last until the receipt: the next one starts afresh.
        self.accepted_codes.clear();
        self.pending_check = None;
        let date_time = at.date_time();
        self.running_number += 1;
        self.print(format!("ИТОГ ={}", rubles(total)));
        if change > 0 {
            self.print(format!("СДАЧА ={}", rubles(change)));
        }
        self.print(format!("ФД {number}  ФП {sign}"));
        let registered = RegisteredReceipt {
            document_number: number,
            fiscal_sign: sign,
            shift_number,
            receipt_number,
            operation,
            items: receipt.lines,
            total,
            payments,
            change,
            taxes,
            tax_system: if tax_system == 0 { 0x01 } else { tax_system },
            cashier: self.cashiers[operator as usize].clone(),
            cashier_inn: receipt.cashier_inn,
            customer_contact: receipt.customer_contact,
            text_lines: receipt.text_lines,
            date_time,
            correction,
        };
        // A correction settles an earlier shift's figures: the registers of this shift's
        // sales and returns (and so its Z report's counters) leave it out; the drawer moved.
        if registered.correction.is_some() {
            self.registers.correction_closed(self.cash);
        } else {
            self.registers
                .receipt_closed(check_type, &registered, self.cash);
        }
        emulator_kit::remember(&mut self.receipts, registered);
        Ok(Closed {
            change,
            number,
            fiscal_sign: sign,
            date_time,
        })
    }
}

/// The operator's password, then one TLV as FF0Ch and FF4Dh carry it: tag and length two bytes
/// each, little-endian, the value the rest of the frame.
fn tlv<'a>(args: &mut Args<'a>) -> Result<(u16, &'a [u8]), u8> {
    args.operator()?;
    let tag = args.uint(2)? as u16;
    let len = args.uint(2)? as usize;
    let value = args.rest();
    if value.len() != len {
        return Err(BAD_PARAMETERS);
    }
    Ok((tag, value))
}

/// Tag 1174's STLV: 1178 (UnixTime, 4 bytes) and 1179 (the order's number), either order.
fn correction_basis(mut value: &[u8]) -> Result<(u32, Option<String>), u8> {
    let (mut date, mut order) = (None, None);
    while !value.is_empty() {
        let [t0, t1, l0, l1, rest @ ..] = value else {
            return Err(BAD_PARAMETERS);
        };
        let len = u16::from_le_bytes([*l0, *l1]) as usize;
        let inner = rest.get(..len).ok_or(BAD_PARAMETERS)?;
        match u16::from_le_bytes([*t0, *t1]) {
            1178 if len == 4 => {
                date = Some(u32::from_le_bytes([inner[0], inner[1], inner[2], inner[3]]))
            }
            1179 if len <= 32 => order = Some(cp1251::decode(inner)),
            _ => return Err(BAD_PARAMETERS),
        }
        value = &rest[len..];
    }
    Ok((date.ok_or(BAD_PARAMETERS)?, order))
}

/// A receipt just written to the fiscal drive.
pub(crate) struct Closed {
    change: u64,
    pub(crate) number: u32,
    fiscal_sign: u32,
    date_time: crate::clock::DateTime,
}

/// The close's six tax figures as the register computes them from the lines: VAT inside
/// the amounts at 22% and 10%, the turnovers at 0% and without VAT, VAT at 22/122 and 10/110;
/// per rate over the receipt, rounded half up.
fn computed_taxes(lines: &[ReceiptLine]) -> [u64; 6] {
    let at = |bit: u8| -> u64 {
        lines
            .iter()
            .filter(|l| l.tax_rate == bit)
            .map(|l| l.amount)
            .sum()
    };
    let inside =
        |amount: u64, percent: u64| (amount * percent * 2 + 100 + percent) / (2 * (100 + percent));
    [
        inside(at(0x01), 22),
        inside(at(0x02), 10),
        at(0x04),
        at(0x08),
        inside(at(0x10), 22),
        inside(at(0x20), 10),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FF45h's data for a receipt paid `cash` in cash: the 16 payment sums, rounding, the six
    /// tax figures, the tax system, the text.
    fn close_cash(cash: u64) -> Vec<u8> {
        let mut close = le(cash, 5);
        close.extend([0; 75]);
        close.push(0);
        close.extend([0; 30]);
        close.push(0);
        close
    }

    fn run(device: &mut ShtrihDevice, faults: &Faults, body: &[u8]) -> Vec<u8> {
        device.execute(body, faults)
    }

    fn with_password(code: &[u8], password: u32, rest: &[u8]) -> Vec<u8> {
        let mut body = code.to_vec();
        body.extend(password.to_le_bytes());
        body.extend_from_slice(rest);
        body
    }

    /// The body of an FF46h sale line: quantity (millionths), price, no sum or tax amount given,
    /// tax row 1, this department, full payment, a commodity, the name.
    fn fn_line(quantity: u64, price: u64, department: u8, name: &str) -> Vec<u8> {
        let mut op = vec![1];
        op.extend(le(quantity, 6));
        op.extend(le(price, 5));
        op.extend(le(NOT_GIVEN, 5));
        op.extend(le(NOT_GIVEN, 5));
        op.extend([0x01, department, 4, 1]);
        op.extend(cp1251::encode(name));
        op
    }

    #[test]
    fn a_sale_end_to_end_at_command_level() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xE0], 30, &[])),
            [0xE0, 0, 30]
        );
        let op = fn_line(2_000_000, 5_000, 1, "Хлеб");
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x46], 1, &op)),
            [0xFF, 0x46, 0]
        );
        let close = close_cash(20_000);
        let answer = run(&mut d, &f, &with_password(&[0xFF, 0x45], 1, &close));
        assert_eq!(&answer[..8], [0xFF, 0x45, 0, 0x10, 0x27, 0, 0, 0]); // change 100.00
        let r = &d.receipts()[0];
        assert_eq!(
            (r.total, r.change, r.receipt_number, r.document_number),
            (10_000, 10_000, 1, 3)
        );
        assert_eq!(r.items[0].name, "Хлеб");
        assert_eq!(r.cashier, "КАССИР 1");
        assert_eq!(d.cash_in_drawer(), 10_000);
    }

    #[test]
    fn fiscal_drive_validity_and_ofd_exchange_status() {
        let mut d = ShtrihDevice::with_clock(
            crate::device::Identity::default(),
            crate::clock::Clock::fixed(crate::clock::DateTime::new(2026, 3, 1, 12, 0, 0)),
        );
        let f = Faults::default();
        // Three years after the registration report; 29 re-registrations left, 1 made.
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x03], 30, &[])),
            [0xFF, 0x03, 0, 29, 3, 1, 29, 1]
        );
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x03], 1, &[])),
            [0xFF, 0x03, WRONG_PASSWORD]
        );
        // The OFD confirmed everything: nothing waits.
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x39], 30, &[])),
            [0xFF, 0x39, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        // Without the OFD, the shift-open report (document 2) stays unsent.
        d.set_ofd_online(false);
        run(&mut d, &f, &with_password(&[0xE0], 30, &[]));
        assert_eq!(d.unsent_documents(), 1);
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x39], 30, &[])),
            [0xFF, 0x39, 0, 0x02, 0, 1, 0, 2, 0, 0, 0, 26, 3, 1, 12, 0]
        );
        d.set_ofd_online(true);
        assert_eq!(d.unsent_documents(), 0);
    }

    #[test]
    fn the_customer_contact_tag_is_kept_with_the_receipt() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        run(&mut d, &f, &with_password(&[0xE0], 30, &[]));
        run(&mut d, &f, &with_password(&[0x8D], 1, &[0]));
        let mut tlv = le(1008, 2);
        tlv.extend(le(12, 2));
        tlv.extend(b"+79001234567");
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x0C], 1, &tlv)),
            [0xFF, 0x0C, 0]
        );
        let op = fn_line(1_000_000, 5_000, 1, "Хлеб");
        run(&mut d, &f, &with_password(&[0xFF, 0x46], 1, &op));
        let close = close_cash(5_000);
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x45], 1, &close))[2],
            0
        );
        assert_eq!(
            d.receipts()[0].customer_contact.as_deref(),
            Some("+79001234567")
        );
    }

    #[test]
    fn a_measure_sent_after_a_position_is_its_measure() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        run(&mut d, &f, &with_password(&[0xE0], 30, &[]));
        run(&mut d, &f, &with_password(&[0x8D], 1, &[0]));
        let mut tlv = le(2108, 2);
        tlv.extend(le(1, 2));
        tlv.push(11);
        // Before any position there is nothing to bind it to.
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x4D], 1, &tlv)),
            [0xFF, 0x4D, FN_WRONG_STATE]
        );
        let op = fn_line(1_250_000, 4_000, 1, "Сыр");
        run(&mut d, &f, &with_password(&[0xFF, 0x46], 1, &op));
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x4D], 1, &tlv)),
            [0xFF, 0x4D, 0]
        );
        let close = close_cash(5_000);
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x45], 1, &close))[2],
            0
        );
        assert_eq!(d.receipts()[0].items[0].measure, 11);
    }

    #[test]
    fn refusals_use_the_vendor_codes() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        assert_eq!(
            run(&mut d, &f, &with_password(&[0x8D], 30, &[0])),
            [0x8D, SHIFT_NOT_OPEN]
        );
        assert_eq!(
            run(&mut d, &f, &with_password(&[0x41], 1, &[])),
            [0x41, WRONG_PASSWORD]
        );
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xE0], 31, &[])),
            [0xE0, WRONG_PASSWORD]
        );
        assert_eq!(run(&mut d, &f, &[0x99]), [0x99, NOT_SUPPORTED]);
        run(&mut d, &f, &with_password(&[0xE0], 30, &[]));
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xE0], 30, &[])),
            [0xE0, WRONG_MODE]
        );
        d.advance_clock(std::time::Duration::from_secs(24 * 3600));
        assert_eq!(
            run(&mut d, &f, &with_password(&[0x8D], 30, &[0])),
            [0x8D, SHIFT_OVER_24H]
        );
        f.inject(emulator_kit::Fault::PaperOut);
        assert_eq!(
            run(&mut d, &f, &with_password(&[0x41], 30, &[])),
            [0x41, NO_RECEIPT_PAPER]
        );
        f.clear();
        assert_eq!(
            run(&mut d, &f, &with_password(&[0x41], 30, &[])),
            [0x41, 0, 30]
        );
        assert!(!d.shift_open());
    }

    /// 80h/82h: quantity in thousandths, price, department, four tax groups, a padded name.
    fn legacy_item(code: u8, quantity: u64, price: u64, group: u8, name: &str) -> Vec<u8> {
        let mut data = le(quantity, 5);
        data.extend(le(price, 5));
        data.extend([1, group, 0, 0, 0]);
        let mut text = cp1251::encode(name);
        text.resize(48, 0);
        data.extend(text);
        with_password(&[code], 1, &data)
    }

    /// 85h with the four payment sums.
    fn legacy_close(payments: [u64; 4]) -> Vec<u8> {
        let mut data = Vec::new();
        for p in payments {
            data.extend(le(p, 5));
        }
        data.extend([0, 0, 0, 0, 0, 0]);
        data.extend([0; 40]);
        with_password(&[0x85], 1, &data)
    }

    fn money(d: &mut ShtrihDevice, f: &Faults, number: u8) -> u64 {
        let answer = run(d, f, &with_password(&[0x1A], 1, &[number]));
        assert_eq!(&answer[..3], [0x1A, 0, 1], "register {number}");
        u64::from_le_bytes([
            answer[3], answer[4], answer[5], answer[6], answer[7], answer[8], 0, 0,
        ])
    }

    fn operation_register(d: &mut ShtrihDevice, f: &Faults, number: u8) -> u16 {
        let answer = run(d, f, &with_password(&[0x1B], 1, &[number]));
        assert_eq!(&answer[..3], [0x1B, 0, 1], "register {number}");
        u16::from_le_bytes([answer[3], answer[4]])
    }

    #[test]
    fn a_legacy_sale_is_a_fiscal_receipt_and_moves_the_registers() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        run(&mut d, &f, &with_password(&[0xE0], 1, &[]));
        run(&mut d, &f, &with_password(&[0x50], 1, &le(5_000, 5)));
        // 1.5 × 123.45 = 185.175 → 185.18 at 22%; 2 × 10.00 at 10%.
        assert_eq!(
            run(&mut d, &f, &legacy_item(0x80, 1_500, 12_345, 1, "Сыр")),
            [0x80, 0, 1]
        );
        assert!(d.receipt_open());
        assert_eq!(money(&mut d, &f, 0), 18_518); // department 1, sales, in the receipt
        assert_eq!(
            run(&mut d, &f, &legacy_item(0x80, 2_000, 1_000, 2, "Хлеб")),
            [0x80, 0, 1]
        );
        assert_eq!(money(&mut d, &f, 88), 18_518); // turnover at group А (22%) in the receipt
        assert_eq!(money(&mut d, &f, 92), 2_000); // group Б (10%)
        // 200.00 cash + 10.00 of payment type 2 for 205.18: change 4.82.
        let answer = run(&mut d, &f, &legacy_close([20_000, 1_000, 0, 0]));
        assert_eq!(answer, [0x85, 0, 1, 0xE2, 0x01, 0, 0, 0]);
        assert!(!d.receipt_open());

        let r = d.receipts().last().unwrap().clone();
        assert_eq!((r.total, r.change, r.operation), (20_518, 482, 1));
        assert_eq!(r.items[0].quantity, 1_500_000);
        assert_eq!((r.items[0].tax_rate, r.items[1].tax_rate), (0x01, 0x02));
        assert_eq!(r.items[1].name, "Хлеб");
        // The register's own VAT: 185.18 × 22/122 = 33.39, 20.00 × 10/110 = 1.82.
        assert_eq!(r.taxes, [3_339, 182, 0, 0, 0, 0]);
        let doc = d.last_document().clone();
        assert_eq!(
            (doc.number, doc.kind, doc.fiscal_sign, doc.amount),
            (r.document_number, DOC_RECEIPT, r.fiscal_sign, Some(20_518))
        );

        assert_eq!(money(&mut d, &f, 121), 20_518); // department 1 sales in the shift
        assert_eq!(money(&mut d, &f, 193), 19_518); // cash kept: 200.00 − 4.82
        assert_eq!(money(&mut d, &f, 197), 1_000); // payment type 2
        assert_eq!(money(&mut d, &f, 209), 18_518); // turnover at group А in the shift
        assert_eq!(money(&mut d, &f, 225), 3_339); // VAT at group А in the shift
        assert_eq!(money(&mut d, &f, 241), 24_518); // drawer: 50.00 + 195.18
        assert_eq!(money(&mut d, &f, 242), 5_000);
        assert_eq!(money(&mut d, &f, 0), 0); // no receipt open
        assert_eq!(operation_register(&mut d, &f, 144), 1);

        // A return of sale takes cash out of the drawer and counts apart.
        run(&mut d, &f, &legacy_item(0x82, 1_000, 1_000, 4, "Пакет"));
        assert_eq!(money(&mut d, &f, 2), 1_000); // department 1, sale returns, in the receipt
        assert_eq!(
            run(&mut d, &f, &legacy_close([1_000, 0, 0, 0])),
            [0x85, 0, 1, 0, 0, 0, 0, 0]
        );
        let r = d.receipts().last().unwrap();
        assert_eq!((r.operation, r.items[0].tax_rate), (2, 0x08));
        assert_eq!(money(&mut d, &f, 123), 1_000);
        assert_eq!(money(&mut d, &f, 195), 1_000);
        assert_eq!(money(&mut d, &f, 241), 23_518);

        // The Z report zeroes the shift's registers, not the drawer.
        run(&mut d, &f, &with_password(&[0x41], 30, &[]));
        assert_eq!(money(&mut d, &f, 121), 0);
        assert_eq!(money(&mut d, &f, 193), 0);
        assert_eq!(money(&mut d, &f, 241), 23_518);
        assert_eq!(operation_register(&mut d, &f, 144), 0);
        assert_eq!(operation_register(&mut d, &f, 148), 1); // receipt numbers run on
        assert_eq!(operation_register(&mut d, &f, 159), 1);
    }

    #[test]
    fn the_fiscal_drive_path_moves_the_same_registers() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        run(&mut d, &f, &with_password(&[0xE0], 30, &[]));
        let op = fn_line(1_000_000, 4_990, 3, "Молоко");
        run(&mut d, &f, &with_password(&[0xFF, 0x46], 1, &op));
        assert_eq!(money(&mut d, &f, 8), 4_990); // department 3, sales, in the receipt
        let mut close = le(0, 5);
        close.extend(le(4_990, 5)); // all cashless
        close.extend([0; 70]);
        close.push(0);
        close.extend(le(900, 5));
        close.extend([0; 25]);
        close.push(0);
        let answer = run(&mut d, &f, &with_password(&[0xFF, 0x45], 1, &close));
        assert_eq!(&answer[..3], [0xFF, 0x45, 0]);
        assert_eq!(money(&mut d, &f, 129), 4_990); // department 3 in the shift
        assert_eq!(money(&mut d, &f, 193), 0);
        assert_eq!(money(&mut d, &f, 197), 4_990);
        assert_eq!(money(&mut d, &f, 225), 900); // the VAT the host gave
        assert_eq!(money(&mut d, &f, 241), 0);
        // Two-byte numbers reach payment types 5..16; past the table is refused.
        let answer = run(
            &mut d,
            &f,
            &with_password(&[0x1A], 1, &4144u16.to_le_bytes()),
        );
        assert_eq!(answer, [0x1A, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            run(
                &mut d,
                &f,
                &with_password(&[0x1A], 1, &4200u16.to_le_bytes())
            ),
            [0x1A, BAD_PARAMETERS]
        );
        assert_eq!(
            run(&mut d, &f, &with_password(&[0x1A], 1, &[253])),
            [0x1A, BAD_PARAMETERS]
        );
    }

    #[test]
    fn legacy_commands_keep_the_state_rules() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        // No shift: the sale opens no receipt.
        assert_eq!(
            run(&mut d, &f, &legacy_item(0x80, 1_000, 100, 1, "A")),
            [0x80, SHIFT_NOT_OPEN]
        );
        assert!(!d.receipt_open());
        assert_eq!(
            run(&mut d, &f, &legacy_close([100, 0, 0, 0])),
            [0x85, RECEIPT_CLOSED]
        );
        run(&mut d, &f, &with_password(&[0xE0], 1, &[]));
        assert_eq!(
            run(&mut d, &f, &legacy_item(0x80, 0, 100, 1, "A")),
            [0x80, BAD_PARAMETERS]
        );
        assert_eq!(
            run(&mut d, &f, &legacy_item(0x80, 1_000, 100, 7, "A")),
            [0x80, BAD_PARAMETERS]
        );
        assert!(!d.receipt_open());
        run(&mut d, &f, &legacy_item(0x80, 1_000, 10_000, 1, "A"));
        // A return cannot go into an open sale.
        assert_eq!(
            run(&mut d, &f, &legacy_item(0x82, 1_000, 100, 1, "B")),
            [0x82, WRONG_RECEIPT_TYPE]
        );
        assert_eq!(
            run(&mut d, &f, &legacy_close([9_999, 0, 0, 0])),
            [0x85, PAYMENTS_SHORT]
        );
        assert_eq!(
            run(&mut d, &f, &legacy_close([0, 20_000, 0, 0])),
            [0x85, CASHLESS_OVER_TOTAL]
        );
        let mut with_discount = legacy_close([10_000, 0, 0, 0]);
        with_discount[25] = 100; // 1.00%
        assert_eq!(run(&mut d, &f, &with_discount), [0x85, BAD_PARAMETERS]);
        f.inject(emulator_kit::Fault::PaperOut);
        assert_eq!(
            run(&mut d, &f, &legacy_close([10_000, 0, 0, 0])),
            [0x85, NO_RECEIPT_PAPER]
        );
        f.clear();
        // Cancelled: counted as voided, nothing fiscalized.
        assert_eq!(
            run(&mut d, &f, &with_password(&[0x88], 1, &[])),
            [0x88, 0, 1]
        );
        assert!(d.receipts().is_empty());
        assert_eq!(money(&mut d, &f, 249), 10_000);
        assert_eq!(operation_register(&mut d, &f, 179), 1);
        assert_eq!(operation_register(&mut d, &f, 157), 1);
        // Past 24 hours nothing sells.
        d.advance_clock(std::time::Duration::from_secs(24 * 3600));
        assert_eq!(
            run(&mut d, &f, &legacy_item(0x80, 1_000, 100, 1, "A")),
            [0x80, SHIFT_OVER_24H]
        );
    }

    /// FF61h for `code`: a piece sold, mode 0, no TLVs.
    fn check_code(code: &[u8]) -> Vec<u8> {
        let mut data = vec![1, 0, code.len() as u8, 0];
        data.extend_from_slice(code);
        with_password(&[0xFF, 0x61], 1, &data)
    }

    fn bind_code(code: &[u8]) -> Vec<u8> {
        let mut data = vec![code.len() as u8];
        data.extend_from_slice(code);
        with_password(&[0xFF, 0x67], 1, &data)
    }

    #[test]
    fn a_code_is_bound_only_after_it_was_checked_and_accepted() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        run(&mut d, &f, &with_password(&[0xE0], 30, &[]));
        // Nothing checked: nothing to decide on.
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x69], 1, &[1])),
            [0xFF, 0x69, FN_WRONG_STATE]
        );
        // Valid: local 3, reason 0, type 5, 5 bytes follow: 0, 2106 = 15, 2109 = 1.
        assert_eq!(
            run(&mut d, &f, &check_code(b"0104600439931256215K\x1d93ab")),
            [0xFF, 0x61, 0, 3, 0, 5, 7, 0, 15, 0x3D, 0x08, 1, 0, 1]
        );
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x69], 1, &[1])),
            [0xFF, 0x69, 0, 15]
        );
        // Offline: only the drive's own check.
        d.set_marking_answer(crate::MarkingAnswer::Unreachable);
        assert_eq!(
            run(&mut d, &f, &check_code(b"X")),
            [0xFF, 0x61, 0, 3, 0, 5, 0]
        );
        run(&mut d, &f, &with_password(&[0xFF, 0x69], 1, &[0]));
        // No receipt open; then a purchase takes no codes; a code declined is unknown.
        assert_eq!(
            run(&mut d, &f, &bind_code(b"0104600439931256215K\x1d93ab")),
            [0xFF, 0x67, RECEIPT_CLOSED]
        );
        run(&mut d, &f, &with_password(&[0x8D], 1, &[1]));
        assert_eq!(
            run(&mut d, &f, &bind_code(b"0104600439931256215K\x1d93ab")),
            [0xFF, 0x67, WRONG_RECEIPT_TYPE]
        );
        run(&mut d, &f, &with_password(&[0x88], 1, &[]));
        run(&mut d, &f, &with_password(&[0x8D], 1, &[0]));
        assert_eq!(
            run(&mut d, &f, &bind_code(b"X")),
            [0xFF, 0x67, MARKING_NOT_CHECKED]
        );
        assert_eq!(
            run(&mut d, &f, &bind_code(b"0104600439931256215K\x1d93ab")),
            [0xFF, 0x67, 0, b'0', b'4', 2]
        );
        // Bound once: the same code again is not accepted any more.
        let op = fn_line(1_000_000, 20_000, 1, "Сигареты");
        run(&mut d, &f, &with_password(&[0xFF, 0x46], 1, &op));
        assert_eq!(
            run(&mut d, &f, &bind_code(b"0104600439931256215K\x1d93ab")),
            [0xFF, 0x67, MARKING_NOT_CHECKED]
        );
        let commands = d.command_codes();
        assert_eq!(commands.first(), Some(&0xE0));
        assert_eq!(
            d.command_log()[2].marking_code().as_deref(),
            Some("0104600439931256215K\u{1d}93ab")
        );
        assert_eq!(
            d.receipt.as_ref().unwrap().lines[0].marking_code.as_deref(),
            Some("0104600439931256215K\u{1d}93ab")
        );
    }

    #[test]
    fn a_correction_needs_its_type_and_basis() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        run(&mut d, &f, &with_password(&[0xE0], 30, &[]));
        // 1173 outside a correction is refused.
        run(&mut d, &f, &with_password(&[0x8D], 1, &[0]));
        assert_eq!(
            run(
                &mut d,
                &f,
                &with_password(&[0xFF, 0x0C], 1, &[0x95, 0x04, 1, 0, 0])
            ),
            [0xFF, 0x0C, WRONG_RECEIPT_TYPE]
        );
        run(&mut d, &f, &with_password(&[0x88], 1, &[]));
        run(&mut d, &f, &with_password(&[0x8D], 1, &[0x80]));
        let op = fn_line(1_000_000, 5_000, 1, "Хлеб");
        run(&mut d, &f, &with_password(&[0xFF, 0x46], 1, &op));
        let close = close_cash(5_000);
        let close = with_password(&[0xFF, 0x45], 1, &close);
        assert_eq!(run(&mut d, &f, &close), [0xFF, 0x45, BAD_PARAMETERS]);
        run(
            &mut d,
            &f,
            &with_password(&[0xFF, 0x0C], 1, &[0x95, 0x04, 1, 0, 1]),
        );
        let mut basis = vec![0x9A, 0x04, 4, 0];
        basis.extend(1_772_150_400u32.to_le_bytes());
        basis.extend([0x9B, 0x04, 2, 0, b'7', b'7']);
        let mut tlv = vec![0x96, 0x04, basis.len() as u8, 0];
        tlv.extend(basis);
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x0C], 1, &tlv)),
            [0xFF, 0x0C, 0]
        );
        assert_eq!(run(&mut d, &f, &close)[2], 0);
        let r = d.receipts()[0].clone();
        assert_eq!(
            r.correction,
            Some(Correction {
                basis: 1,
                base_date: 1_772_150_400,
                order_number: Some("77".into())
            })
        );
        assert_eq!(d.last_document().kind, DOC_CORRECTION);
        // Every document waits in the OFD queue: the shift-open report and the correction.
        assert_eq!(d.unsent_documents(), 2);
        assert_eq!(d.drain_ofd_queue(), 2);
        assert_eq!(d.unsent_documents(), 0);
    }

    #[test]
    fn a_keyboard_sale_is_a_sale_the_host_never_sent() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        run(&mut d, &f, &with_password(&[0xE0], 30, &[]));
        d.clear_command_log();
        let number = d.keyboard_sale(15_050, false);
        assert_eq!(number, 3); // registration 1, shift open 2
        assert_eq!(d.keyboard_sale(2_500, true), 4);
        assert!(d.command_log().is_empty());
        let doc = d.last_document().clone();
        assert_eq!(
            (doc.number, doc.kind, doc.operation, doc.amount),
            (4, DOC_RECEIPT, Some(1), Some(2_500))
        );
        let r = d.receipts()[0].clone();
        assert_eq!(
            (
                r.document_number,
                r.receipt_number,
                r.total,
                r.cash(),
                r.cashless()
            ),
            (3, 1, 15_050, 15_050, 0)
        );
        assert_eq!(r.cashier, "КАССИР 1");
        assert_eq!(d.receipts()[1].cashless(), 2_500);
        assert_eq!(d.cash_in_drawer(), 15_050);
        assert_eq!(operation_register(&mut d, &f, 144), 2);
        assert_eq!(money(&mut d, &f, 193), 15_050);
        assert_eq!(money(&mut d, &f, 197), 2_500);
        // FF40h: two receipts in the shift.
        assert_eq!(
            run(&mut d, &f, &with_password(&[0xFF, 0x40], 30, &[])),
            [0xFF, 0x40, 0, 1, 1, 0, 2, 0]
        );
    }

    #[test]
    #[should_panic(expected = "open shift")]
    fn a_keyboard_sale_needs_an_open_shift() {
        ShtrihDevice::default().keyboard_sale(100, false);
    }

    #[test]
    fn corrections_stay_out_of_the_shift_registers() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        run(&mut d, &f, &with_password(&[0xE0], 30, &[]));
        run(&mut d, &f, &with_password(&[0x8D], 1, &[0x80]));
        run(
            &mut d,
            &f,
            &with_password(&[0xFF, 0x0C], 1, &[0x95, 0x04, 1, 0, 0]),
        );
        let mut tlv = vec![0x96, 0x04, 8, 0, 0x9A, 0x04, 4, 0];
        tlv.extend(1_772_150_400u32.to_le_bytes());
        run(&mut d, &f, &with_password(&[0xFF, 0x0C], 1, &tlv));
        let op = fn_line(1_000_000, 5_000, 1, "Хлеб");
        run(&mut d, &f, &with_password(&[0xFF, 0x46], 1, &op));
        let close = with_password(&[0xFF, 0x45], 1, &close_cash(5_000));
        assert_eq!(run(&mut d, &f, &close)[2], 0);
        assert_eq!(d.last_document().kind, DOC_CORRECTION);
        assert_eq!(d.cash_in_drawer(), 5_000);
        assert_eq!(operation_register(&mut d, &f, 144), 0);
        assert_eq!(money(&mut d, &f, 193), 0);
        assert_eq!(money(&mut d, &f, 121), 0);
        assert_eq!(money(&mut d, &f, 241), 5_000);
    }

    #[test]
    fn an_operation_register_is_read_by_one_byte() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        assert_eq!(
            run(&mut d, &f, &with_password(&[0x1B], 1, &[255])),
            [0x1B, 0, 1, 0, 0]
        );
        assert_eq!(
            run(&mut d, &f, &with_password(&[0x1B], 1, &[144, 0])),
            [0x1B, BAD_PARAMETERS]
        );
        assert_eq!(
            run(&mut d, &f, &with_password(&[0x1B], 1, &[])),
            [0x1B, BAD_PARAMETERS]
        );
    }

    #[test]
    fn quantities_print_without_trailing_zeros() {
        assert_eq!(quantity_text(2_500_000), "2.5");
        assert_eq!(quantity_text(1_000_000), "1");
        assert_eq!(quantity_text(1_234), "0.001234");
    }
}
