//! The commands the register carries out, as `documentation_pirit_fm.md` (Pirit 2F, FFD 1.2)
//! describes them, with the error codes of its "Список кодов ошибок" and the extended codes of
//! 0x06/1: the shift and its 24 hours, start of work, the document state machine (open →
//! positions → subtotal → payment → close; state 8 when the fiscal drive has the receipt but
//! the paper ran out), the fiscal drive's archive and OFD queue, the marking commands 0x79.

use emulator_kit::Faults;

use crate::clock::DateTime;
use crate::counters::{OperationTotals, ShiftTotals};
use crate::device::{LastClosed, OpenDocument, PiritDevice, Reply, Shift};
use crate::journal::{
    self, Correction, DocumentKind, FiscalDocument, ReceiptLine, RegisteredReceipt,
};
use crate::wire;

/// Command codes.
pub mod code {
    pub const STATUS_FLAGS: u8 = 0x00;
    pub const COUNTERS: u8 = 0x01;
    pub const DEVICE_INFO: u8 = 0x02;
    pub const RECEIPT_DATA: u8 = 0x03;
    pub const PRINTER_STATUS: u8 = 0x04;
    pub const ERROR_INFO: u8 = 0x06;
    pub const START_WORK: u8 = 0x10;
    pub const READ_CLOCK: u8 = 0x13;
    pub const X_REPORT: u8 = 0x20;
    pub const CLOSE_SHIFT: u8 = 0x21;
    pub const OPEN_SHIFT: u8 = 0x23;
    pub const POSITION_REQUISITES: u8 = 0x24;
    pub const OPEN_DOCUMENT: u8 = 0x30;
    pub const CLOSE_DOCUMENT: u8 = 0x31;
    pub const CANCEL_DOCUMENT: u8 = 0x32;
    pub const PRINT_TEXT: u8 = 0x40;
    pub const PRINT_BARCODE: u8 = 0x41;
    pub const ADD_POSITION: u8 = 0x42;
    pub const SUBTOTAL: u8 = 0x44;
    pub const PAYMENT: u8 = 0x47;
    pub const CASH_IN_OUT: u8 = 0x48;
    pub const OPEN_CORRECTION: u8 = 0x58;
    pub const PRINT_FN_DOCUMENT: u8 = 0x73;
    pub const FN_EXCHANGE: u8 = 0x78;
    pub const MARKING: u8 = 0x79;
}

/// Error codes.
pub mod err {
    pub const STATE: u8 = 0x01;
    pub const FUNCTION: u8 = 0x02;
    pub const PARAMETER: u8 = 0x03;
    pub const PAPER: u8 = 0x08;
    pub const NOT_READY: u8 = 0x09;
    pub const SHIFT_24H: u8 = 0x0A;
    pub const CLOCK_DIFF: u8 = 0x0B;
    pub const NO_CASH: u8 = 0x0E;
    pub const FN_NO_DATA: u8 = 0x48;
    pub const MARKING_ORDER: u8 = 0x73;
    pub const MARKING_UNCHECKED: u8 = 0x7E;
}

/// Extended codes of 0x06/1.
pub mod ext {
    pub const NOT_STARTED: u8 = 1;
    pub const NOT_OPEN: u8 = 8;
    pub const PREVIOUS_OPEN: u8 = 9;
    pub const STATE_NOT_1: u8 = 11;
    pub const STATE_NOT_1_2: u8 = 12;
    pub const STATE_NOT_1_2_3: u8 = 13;
    pub const STATE_NOT_4: u8 = 14;
    pub const CLOSED_IN_FN: u8 = 15;
    pub const NOT_SALE: u8 = 16;
    pub const NOT_CASH: u8 = 17;
    pub const SHIFT_NOT_OPEN: u8 = 20;
    pub const QUANTITY: u8 = 46;
    pub const PRICE: u8 = 47;
    pub const TAX: u8 = 48;
    pub const PAYMENT_TYPE: u8 = 55;
    pub const PAYMENT_SUM: u8 = 56;
    pub const CORRECTION_TYPE: u8 = 75;
    pub const CORRECTION_NUMBER: u8 = 77;
}

/// Tax rates of table 41 in percent, by rate number; 3 is "without VAT".
const TAX_PERCENT: [i64; 6] = [20, 10, 0, 0, 20, 10];

fn ok(fields: Vec<Vec<u8>>) -> Reply {
    Reply {
        fields,
        ..Reply::default()
    }
}

fn text(s: impl AsRef<str>) -> Vec<u8> {
    wire::encode(s.as_ref())
}

fn date(t: &DateTime) -> Vec<u8> {
    t.format("%d%m%y").to_string().into_bytes()
}

fn time(t: &DateTime) -> Vec<u8> {
    t.format("%H%M%S").to_string().into_bytes()
}

/// Field `i` of a request as text.
fn field(p: &wire::Packet, i: usize) -> String {
    p.fields.get(i).map(|f| wire::decode(f)).unwrap_or_default()
}

fn int(p: &wire::Packet, i: usize) -> Option<i64> {
    let s = field(p, i);
    let s = s.trim();
    if s.is_empty() {
        Some(0)
    } else {
        s.parse().ok()
    }
}

fn is_receipt(kind: u8) -> bool {
    matches!(kind, 2 | 3 | 6 | 7 | 9..=12)
}

impl PiritDevice {
    fn fail(&mut self, error: u8, extended: u8) -> Reply {
        self.extended_error = extended;
        Reply {
            error,
            ..Reply::default()
        }
    }

    /// Paper and cover, for a command that prints.
    fn printer_fault(&self, faults: &Faults) -> Option<u8> {
        if faults.cover_open() {
            Some(err::NOT_READY)
        } else if faults.paper_out() {
            Some(err::PAPER)
        } else {
            None
        }
    }

    fn new_fiscal_document(&mut self, kind: DocumentKind, amount: Option<i64>) -> FiscalDocument {
        let now = self.clock.now();
        let number = self.next_fd;
        self.next_fd += 1;
        let doc = FiscalDocument {
            number,
            fiscal_sign: journal::fiscal_sign(number, &now),
            kind,
            date_time: now,
            amount,
        };
        emulator_kit::remember(&mut self.archive, doc.clone());
        self.ofd_queue.push_back((number, now));
        doc
    }

    pub(crate) fn handle(&mut self, p: &wire::Packet, faults: &Faults) -> Reply {
        use code::*;
        let needs_start = !matches!(
            p.command,
            STATUS_FLAGS
                | COUNTERS
                | DEVICE_INFO
                | RECEIPT_DATA
                | PRINTER_STATUS
                | ERROR_INFO
                | START_WORK
                | READ_CLOCK
                | FN_EXCHANGE
        );
        if needs_start && !self.started {
            return self.fail(err::STATE, ext::NOT_STARTED);
        }
        match p.command {
            STATUS_FLAGS => self.status_flags(),
            COUNTERS => self.counters(p),
            DEVICE_INFO => self.device_info(p),
            RECEIPT_DATA => self.receipt_data(p),
            PRINTER_STATUS => {
                let bits = u8::from(faults.cover_open() || faults.paper_out())
                    | (u8::from(faults.paper_out()) << 1)
                    | (u8::from(faults.cover_open()) << 2);
                ok(vec![text(bits.to_string())])
            }
            ERROR_INFO => match int(p, 0) {
                Some(1) => ok(vec![text("1"), text(self.extended_error.to_string())]),
                Some(2) => ok(vec![text("2"), text("0")]),
                _ => self.fail(err::PARAMETER, 66),
            },
            START_WORK => self.start_work(p),
            READ_CLOCK => {
                let now = self.clock.now();
                ok(vec![date(&now), time(&now)])
            }
            X_REPORT => {
                if let Some(e) = self.printer_fault(faults) {
                    return self.fail(e, 0);
                }
                self.printed.push("X-ОТЧЕТ".into());
                ok(vec![])
            }
            OPEN_SHIFT => self.open_shift(faults),
            CLOSE_SHIFT => self.close_shift(faults),
            OPEN_DOCUMENT => self.open_document_command(p),
            OPEN_CORRECTION => self.open_correction(p),
            POSITION_REQUISITES => self.bind_marking(p),
            ADD_POSITION => self.add_position(p, faults),
            SUBTOTAL => match self.document.as_mut() {
                Some(d) if matches!(d.state, 1 | 2) => {
                    d.state += 1;
                    ok(vec![])
                }
                Some(_) => self.fail(err::STATE, ext::STATE_NOT_1_2),
                None => self.fail(err::STATE, ext::NOT_OPEN),
            },
            PAYMENT => self.payment(p),
            CASH_IN_OUT => self.cash_in_out(p),
            CLOSE_DOCUMENT => self.close_document(p, faults),
            CANCEL_DOCUMENT => match &self.document {
                None => self.fail(err::STATE, ext::NOT_OPEN),
                Some(d) if d.state == 8 => self.fail(err::STATE, ext::CLOSED_IN_FN),
                Some(d) => {
                    if is_receipt(d.kind) {
                        // "Тип чека (для аннулиров. = 0)": the cancelled one is now the last
                        // closed receipt, with no fiscal document.
                        self.last_receipt = Some(LastClosed {
                            kind: 0,
                            number_in_shift: 0,
                            fd: 0,
                            total: d.lines.iter().map(|l| l.amount).sum(),
                            fiscal_sign: String::new(),
                        });
                        if let Some(shift) = self.shift.as_mut() {
                            shift.totals.annulled += 1;
                        }
                    }
                    self.document = None;
                    self.marking.accepted.clear();
                    self.printed.push("ЧЕК АННУЛИРОВАН".into());
                    ok(vec![])
                }
            },
            PRINT_TEXT => match &self.document {
                Some(d) if d.kind == 1 => {
                    if let Some(e) = self.printer_fault(faults) {
                        return self.fail(e, 0);
                    }
                    self.printed.push(field(p, 0));
                    ok(vec![])
                }
                Some(_) => self.fail(err::STATE, 18),
                None => self.fail(err::STATE, ext::NOT_OPEN),
            },
            PRINT_BARCODE => match &self.document {
                Some(_) => {
                    if let Some(e) = self.printer_fault(faults) {
                        return self.fail(e, 0);
                    }
                    self.printed
                        .push(format!("[{}:{}]", field(p, 3), field(p, 4)));
                    ok(vec![])
                }
                None => self.fail(err::STATE, ext::NOT_OPEN),
            },
            PRINT_FN_DOCUMENT => {
                let n = int(p, 0).unwrap_or(-1);
                if !self.archive.iter().any(|d| i64::from(d.number) == n) {
                    return self.fail(err::FN_NO_DATA, 0);
                }
                if let Some(e) = self.printer_fault(faults) {
                    return self.fail(e, 0);
                }
                self.copies.push(n as u32);
                ok(vec![])
            }
            FN_EXCHANGE => self.fn_exchange(p),
            MARKING => self.marking(p),
            _ => self.fail(err::FUNCTION, 0),
        }
    }

    /// 0x01: the shift's counters. 1 its number (the last one's when none is open), 2 the
    /// next receipt's number, 3 and 5 sales and returns by the 16 payment types in rubles,
    /// 7 the receipts: sales, returns, annulled, deferred (none here), cash-in, cash-out.
    /// Every answer repeats the request number first; with no shift open 3, 5 and 7 read 0.
    fn counters(&mut self, p: &wire::Packet) -> Reply {
        let n = int(p, 0);
        let totals = self.shift_totals();
        let sums = |t: OperationTotals| t.by_payment.map(|s| text(wire::decimal(s, 2)));
        let count = |c: u32| text(c.to_string());
        let mut fields = vec![text(n.unwrap_or(0).to_string())];
        match n {
            Some(1) => fields.push(count(self.shift_number())),
            Some(2) => fields.push(count(self.shift.as_ref().map_or(1, |s| s.receipts + 1))),
            Some(3) => fields.extend(sums(totals.sales)),
            Some(5) => fields.extend(sums(totals.returns)),
            Some(7) => fields.extend(
                [
                    totals.sales.receipts,
                    totals.returns.receipts,
                    totals.annulled,
                    0,
                    totals.cash_ins,
                    totals.cash_outs,
                ]
                .map(count),
            ),
            _ => return self.fail(err::PARAMETER, 66),
        }
        ok(fields)
    }

    fn status_flags(&self) -> Reply {
        let flags = u32::from(!self.started)
            | (u32::from(self.shift.is_some()) << 2)
            | (u32::from(self.shift_expired()) << 3);
        let document = self
            .document
            .as_ref()
            .map_or(0, |d| u32::from(d.kind) | (u32::from(d.state) << 4));
        ok(vec![
            text("0"),
            text(flags.to_string()),
            text(document.to_string()),
        ])
    }

    fn device_info(&self, p: &wire::Packet) -> Reply {
        let n = int(p, 0).unwrap_or(0);
        let id = &self.identity;
        let now = self.clock.now();
        let mut fields = vec![text(n.to_string())];
        match n {
            1 => fields.push(text(&id.factory_number)),
            2 => fields.push(text(&id.firmware)),
            3 => fields.push(text(&id.inn)),
            4 => fields.push(text(&id.registration_number)),
            5 => {
                let t = self.archive.last().map_or(now, |d| d.date_time);
                fields.push(date(&t));
                fields.push(time(&t));
            }
            7 => fields.push(text(wire::decimal(self.drawer, 2))),
            8 => fields.push(text(self.next_fd.to_string())),
            14 => {
                let until = id.fn_valid_until;
                fields.push(until.format("%d%m%y").to_string().into_bytes());
                fields.push(text((until - now.date()).num_days().max(0).to_string()));
            }
            17 => {
                if let Some(s) = &self.shift {
                    fields.push(date(&s.opened));
                    fields.push(time(&s.opened));
                }
            }
            21 => fields.push(text(id.model.to_string())),
            _ => {
                return Reply {
                    error: err::PARAMETER,
                    ..Reply::default()
                };
            }
        }
        ok(fields)
    }

    fn receipt_data(&self, p: &wire::Packet) -> Reply {
        match int(p, 0) {
            Some(1) => {
                let total: i64 = self
                    .document
                    .as_ref()
                    .map_or(0, |d| d.lines.iter().map(|l| l.amount).sum());
                ok(vec![
                    text("1"),
                    text(wire::decimal(total, 2)),
                    text("0.00"),
                    text("0"),
                ])
            }
            Some(2) => match &self.last_receipt {
                None => ok(vec![
                    text("2"),
                    text("0"),
                    text(""),
                    text("0"),
                    text("0"),
                    text("0.00"),
                    text("0.00"),
                    text("0"),
                    text(""),
                    text("0"),
                ]),
                Some(r) => ok(vec![
                    text("2"),
                    text(r.kind.to_string()),
                    text(self.document_counter.to_string()),
                    text(r.number_in_shift.to_string()),
                    text(self.document_counter.to_string()),
                    text(wire::decimal(r.total, 2)),
                    text("0.00"),
                    text("0"),
                    text(&r.fiscal_sign),
                    text(r.fd.to_string()),
                ]),
            },
            _ => Reply {
                error: err::PARAMETER,
                ..Reply::default()
            },
        }
    }

    fn start_work(&mut self, p: &wire::Packet) -> Reply {
        let given = chrono::NaiveDateTime::parse_from_str(
            &format!("{}{}", field(p, 0), field(p, 1)),
            "%d%m%y%H%M%S",
        );
        let Ok(given) = given else {
            return self.fail(err::PARAMETER, 39);
        };
        // "Инициализирована и готова продолжать работу по своему внутреннему времени".
        self.started = true;
        if (given - self.clock.now()).abs() > chrono::TimeDelta::minutes(8) {
            return self.fail(err::CLOCK_DIFF, 0);
        }
        ok(vec![])
    }

    fn open_shift(&mut self, faults: &Faults) -> Reply {
        if self.shift.is_some() {
            return self.fail(err::STATE, 0);
        }
        if let Some(e) = self.printer_fault(faults) {
            return self.fail(e, 0);
        }
        let number = self.last_shift_number + 1;
        self.new_fiscal_document(DocumentKind::ShiftOpen, None);
        self.shift = Some(Shift {
            number,
            opened: self.clock.now(),
            receipts: 0,
            // The Z report cleared the last shift's counters: this one starts at zero.
            totals: ShiftTotals::default(),
        });
        self.last_shift_number = number;
        ok(vec![])
    }

    fn close_shift(&mut self, faults: &Faults) -> Reply {
        if self.shift.is_none() {
            return self.fail(err::STATE, ext::SHIFT_NOT_OPEN);
        }
        if self.document.is_some() {
            return self.fail(err::STATE, ext::PREVIOUS_OPEN);
        }
        if let Some(e) = self.printer_fault(faults) {
            return self.fail(e, 0);
        }
        self.new_fiscal_document(DocumentKind::ShiftClose, None);
        self.shift = None;
        ok(vec![])
    }

    /// What a document needs before it opens: none open, and for fiscal ones a young shift.
    pub(crate) fn may_open(&mut self, kind: u8) -> Result<(), Reply> {
        if self.document.is_some() {
            return Err(self.fail(err::STATE, ext::PREVIOUS_OPEN));
        }
        if kind != 1 {
            if self.shift.is_none() {
                return Err(self.fail(err::STATE, ext::SHIFT_NOT_OPEN));
            }
            if self.shift_expired() {
                return Err(self.fail(err::SHIFT_24H, 0));
            }
        }
        if self.marking.pending.is_some() {
            return Err(self.fail(err::MARKING_ORDER, 0));
        }
        Ok(())
    }

    fn new_document(&mut self, kind: u8, cashier: String, taxation: Option<u8>) {
        self.document = Some(OpenDocument {
            kind,
            state: 1,
            cashier,
            taxation,
            lines: Vec::new(),
            payments: Vec::new(),
            bound_marking: None,
            correction: None,
            cash_sum: 0,
            registered: None,
        });
    }

    fn open_document_command(&mut self, p: &wire::Packet) -> Reply {
        let Some(mode) = int(p, 0) else {
            return self.fail(err::PARAMETER, 40);
        };
        let kind = (mode & 0x0F) as u8;
        if !(1..=7).contains(&kind) {
            return self.fail(err::PARAMETER, 40);
        }
        let taxation = match field(p, 4).trim() {
            "" => None,
            t => match t.parse::<u8>() {
                Ok(n) if n <= 5 => Some(n),
                _ => return self.fail(err::PARAMETER, 43),
            },
        };
        if let Err(r) = self.may_open(kind) {
            return r;
        }
        self.new_document(kind, field(p, 2), taxation);
        ok(vec![])
    }

    fn open_correction(&mut self, p: &wire::Packet) -> Reply {
        let Some(bits) = int(p, 6).filter(|b| (0..=0x7F).contains(b)) else {
            return self.fail(err::PARAMETER, ext::CORRECTION_TYPE);
        };
        let bits = bits as u8;
        if bits & 0b10_0000 != 0 || (bits >> 2) & 0b111 > 5 {
            return self.fail(err::PARAMETER, ext::CORRECTION_TYPE);
        }
        let by_order = bits & 1 != 0;
        let base_date = field(p, 7);
        if chrono::NaiveDate::parse_from_str(&base_date, "%d%m%y").is_err() {
            return self.fail(err::PARAMETER, 39);
        }
        let order_number = field(p, 8);
        if order_number.chars().count() > 32 || (by_order && order_number.trim().is_empty()) {
            return self.fail(err::PARAMETER, ext::CORRECTION_NUMBER);
        }
        let kind = match (bits & 0b10 != 0, bits & 0b100_0000 != 0) {
            (false, false) => journal::DOC_CORRECTION_SALE,
            (true, false) => journal::DOC_CORRECTION_EXPENSE,
            (false, true) => journal::DOC_CORRECTION_SALE_RETURN,
            (true, true) => journal::DOC_CORRECTION_EXPENSE_RETURN,
        };
        if let Err(r) = self.may_open(kind) {
            return r;
        }
        self.new_document(kind, field(p, 0), Some((bits >> 2) & 0b111));
        if let Some(d) = self.document.as_mut() {
            d.correction = Some(Correction {
                by_order,
                base_date,
                order_number,
                type_bits: bits,
            });
        }
        ok(vec![])
    }

    /// 0x24 with `@code`: tag 1163 for the next position, only for a code the fiscal drive
    /// checked and had accepted (error 7Eh otherwise).
    fn bind_marking(&mut self, p: &wire::Packet) -> Reply {
        let raw = p.fields.first().cloned().unwrap_or_default();
        match &self.document {
            None => return self.fail(err::STATE, ext::NOT_OPEN),
            Some(d) if d.state != 1 => return self.fail(err::STATE, ext::STATE_NOT_1),
            Some(d) if !matches!(d.kind, 2 | 3) => return self.fail(err::STATE, ext::NOT_SALE),
            Some(_) => {}
        }
        let Some(code) = raw.strip_prefix(b"@") else {
            // A plain goods code (tag 1162): kept as it is, nothing to check.
            return ok(vec![text("")]);
        };
        let code = wire::unescape_marking(code);
        if !self.marking.accepted.contains(&code) {
            return self.fail(err::MARKING_UNCHECKED, 0);
        }
        if let Some(d) = self.document.as_mut() {
            d.bound_marking = Some(code);
        }
        ok(vec![text("")])
    }

    fn add_position(&mut self, p: &wire::Packet, faults: &Faults) -> Reply {
        match &self.document {
            None => return self.fail(err::STATE, ext::NOT_OPEN),
            Some(d) if !is_receipt(d.kind) => return self.fail(err::STATE, ext::NOT_SALE),
            Some(d) if d.state != 1 => return self.fail(err::STATE, ext::STATE_NOT_1),
            Some(_) => {}
        }
        let qty_text = field(p, 2);
        let (quantity, fraction) = match qty_text.split_once('/') {
            Some((n, m)) => match (n.trim().parse::<u32>(), m.trim().parse::<u32>()) {
                (Ok(n), Ok(m)) if n >= 1 && n < m => (1000, Some((n, m))),
                _ => return self.fail(err::PARAMETER, ext::QUANTITY),
            },
            None => match wire::parse_decimal(&qty_text, 3) {
                Some(q) if q > 0 => (q, None),
                _ => return self.fail(err::PARAMETER, ext::QUANTITY),
            },
        };
        let Some(price) = wire::parse_decimal(&field(p, 3), 2).filter(|&v| v >= 0) else {
            return self.fail(err::PARAMETER, ext::PRICE);
        };
        let Some(tax_number) = int(p, 4).filter(|t| (0..=5).contains(t)) else {
            return self.fail(err::PARAMETER, ext::TAX);
        };
        let measure = int(p, 8).unwrap_or(0) as u8;
        let method = match int(p, 10) {
            Some(0) => 4,
            Some(m) if (1..=7).contains(&m) => m as u8,
            _ => return self.fail(err::PARAMETER, 53),
        };
        let subject = match int(p, 11) {
            Some(0) => 1,
            Some(s) if (1..=33).contains(&s) => s as u8,
            _ => return self.fail(err::PARAMETER, 54),
        };
        if let Some(e) = self.printer_fault(faults) {
            return self.fail(e, 0);
        }
        // "Округляется к ближайшему целому … 0.5 коп и более округляется до 1 коп".
        let amount = if fraction.is_some() {
            price
        } else {
            (price * quantity + 500) / 1000
        };
        let percent = TAX_PERCENT[tax_number as usize];
        // The tax inside the amount, in ten-thousandths of a ruble (four decimals).
        let tax_e4 = if tax_number == 3 {
            0
        } else {
            amount * 100 * percent / (100 + percent)
        };
        let d = self.document.as_mut().expect("checked above");
        let marking = d.bound_marking.take();
        d.lines.push(ReceiptLine {
            name: field(p, 0),
            quantity,
            fraction,
            price,
            amount,
            tax_number: tax_number as u8,
            measure,
            method,
            subject,
            marking,
        });
        ok(vec![text(wire::decimal(tax_e4, 4))])
    }

    fn payment(&mut self, p: &wire::Packet) -> Reply {
        let Some(d) = self.document.as_ref() else {
            return self.fail(err::STATE, ext::NOT_OPEN);
        };
        if !is_receipt(d.kind) {
            return self.fail(err::STATE, ext::NOT_SALE);
        }
        if !matches!(d.state, 2 | 3) {
            return self.fail(err::STATE, ext::STATE_NOT_1_2_3);
        }
        let Some(kind) = int(p, 0).filter(|k| (0..=15).contains(k)) else {
            return self.fail(err::PARAMETER, ext::PAYMENT_TYPE);
        };
        let Some(sum) = wire::parse_decimal(&field(p, 1), 2).filter(|&s| s > 0) else {
            return self.fail(err::PARAMETER, ext::PAYMENT_SUM);
        };
        let total: i64 = d.lines.iter().map(|l| l.amount).sum();
        let paid: i64 = d.payments.iter().map(|(_, s)| s).sum();
        // "Сумма по безналичным типам платежа … не должна превышать итоговой суммы".
        if kind != 0 && paid + sum > total {
            return self.fail(err::PARAMETER, ext::PAYMENT_SUM);
        }
        let d = self.document.as_mut().expect("checked above");
        d.payments.push((kind as u8, sum));
        d.state = if paid + sum >= total { 4 } else { 3 };
        ok(vec![])
    }

    fn cash_in_out(&mut self, p: &wire::Packet) -> Reply {
        let Some(d) = self.document.as_ref() else {
            return self.fail(err::STATE, ext::NOT_OPEN);
        };
        if !matches!(d.kind, 4 | 5) {
            return self.fail(err::STATE, ext::NOT_CASH);
        }
        let Some(sum) = wire::parse_decimal(&field(p, 1), 2).filter(|&s| s > 0) else {
            return self.fail(err::PARAMETER, ext::PAYMENT_SUM);
        };
        if d.kind == 5 && sum > self.drawer {
            return self.fail(err::NO_CASH, 0);
        }
        self.document.as_mut().expect("checked").cash_sum += sum;
        ok(vec![])
    }

    fn close_document(&mut self, p: &wire::Packet, faults: &Faults) -> Reply {
        let Some(d) = self.document.clone() else {
            return self.fail(err::STATE, ext::NOT_OPEN);
        };
        self.document_counter += 1;
        let counter = self.document_counter;
        if !is_receipt(d.kind) {
            if let Some(e) = self.printer_fault(faults) {
                return self.fail(e, 0);
            }
            let shift = self.shift.as_mut();
            match d.kind {
                4 => {
                    self.drawer += d.cash_sum;
                    if let Some(s) = shift {
                        s.totals.cash_ins += 1;
                    }
                }
                5 => {
                    self.drawer -= d.cash_sum;
                    if let Some(s) = shift {
                        s.totals.cash_outs += 1;
                    }
                }
                _ => {}
            }
            self.document = None;
            return ok(vec![text(counter.to_string()), text(counter.to_string())]);
        }
        let registered = match d.registered.clone() {
            // State 8: the fiscal drive has it; this close only finishes the printing.
            Some(r) => r,
            None => {
                let total: i64 = d.lines.iter().map(|l| l.amount).sum();
                if d.state != 4 && !(d.lines.is_empty() && total == 0) {
                    return self.fail(err::STATE, ext::STATE_NOT_4);
                }
                if d.lines.is_empty() {
                    return self.fail(err::STATE, 26);
                }
                self.register(&d, field(p, 1))
            }
        };
        if let Some(e) = self.printer_fault(faults) {
            if let Some(open) = self.document.as_mut() {
                open.state = 8;
                open.registered = Some(registered);
            }
            return self.fail(e, 0);
        }
        self.document = None;
        let t = registered.date_time;
        ok(vec![
            text(counter.to_string()),
            text(counter.to_string()),
            text(format!(
                "ФД:{} ФП:{}",
                registered.document_number, registered.fiscal_sign
            )),
            text(registered.document_number.to_string()),
            text(&registered.fiscal_sign),
            text(registered.shift.to_string()),
            text(registered.number_in_shift.to_string()),
            date(&t),
            time(&t),
        ])
    }

    /// A paid receipt (or correction) `d` goes into the fiscal drive: its fiscal document,
    /// the shift's receipt number and counters, the drawer, the journal, the last closed
    /// receipt of 0x03/2. What 0x31 does before it prints, and a keyboard sale too.
    pub(crate) fn register(&mut self, d: &OpenDocument, contact: String) -> RegisteredReceipt {
        let total: i64 = d.lines.iter().map(|l| l.amount).sum();
        let paid: i64 = d.payments.iter().map(|(_, s)| s).sum();
        let change = paid - total;
        let kind = if d.correction.is_some() {
            DocumentKind::Correction
        } else {
            DocumentKind::Receipt
        };
        let doc = self.new_fiscal_document(kind, Some(total));
        let shift = self
            .shift
            .as_mut()
            .expect("a receipt opens only in a shift");
        shift.receipts += 1;
        // A correction settles an earlier shift's figures: it stays out of this shift's sales
        // and returns (request 18 counts it apart); the drawer moves all the same.
        shift
            .totals
            .receipt_closed(d.kind, d.correction.is_some(), &d.payments, change);
        let r = RegisteredReceipt {
            document_number: doc.number,
            fiscal_sign: doc.fiscal_sign,
            kind: d.kind,
            shift: shift.number,
            number_in_shift: shift.receipts,
            cashier: d.cashier.clone(),
            items: d.lines.clone(),
            payments: d.payments.clone(),
            total,
            change,
            customer_contact: (!contact.is_empty()).then_some(contact),
            correction: d.correction.clone(),
            taxation: d.taxation,
            date_time: doc.date_time,
        };
        let cash: i64 = d
            .payments
            .iter()
            .filter(|(k, _)| *k == journal::PAY_CASH)
            .map(|(_, s)| s)
            .sum();
        let incoming = matches!(d.kind, 2 | 7 | 9 | 12);
        self.drawer += if incoming {
            cash - change
        } else {
            -(cash - change)
        };
        emulator_kit::remember(&mut self.receipts, r.clone());
        self.last_receipt = Some(LastClosed {
            kind: d.kind,
            number_in_shift: r.number_in_shift,
            fd: r.document_number,
            total: r.total,
            fiscal_sign: r.fiscal_sign.clone(),
        });
        self.marking.accepted.clear();
        r
    }

    fn fn_exchange(&mut self, p: &wire::Packet) -> Reply {
        let n = int(p, 0).unwrap_or(0);
        let mut fields = vec![text(n.to_string())];
        match n {
            1 => fields.push(text(&self.identity.fn_number)),
            2 => {
                let state = 3 | (u8::from(self.shift.is_some()) << 5);
                fields.extend([text(state.to_string()), text("0"), text("0")]);
            }
            3 => fields.push(text((self.next_fd - 1).to_string())),
            6 => fields.extend([
                text(u8::from(self.shift.is_some()).to_string()),
                text(self.shift_number().to_string()),
                text(self.shift.as_ref().map_or(0, |s| s.receipts).to_string()),
            ]),
            7 => {
                let status = u8::from(!self.ofd_queue.is_empty()) << 1;
                fields.push(text(status.to_string()));
                fields.push(text(self.ofd_queue.len().to_string()));
                match self.ofd_queue.front() {
                    Some((number, t)) => {
                        fields.push(text(number.to_string()));
                        fields.push(date(t));
                        fields.push(time(t));
                    }
                    None => fields.extend([text("0"), text(""), text("")]),
                }
            }
            15 => {
                let number = int(p, 1).unwrap_or(-1);
                let Some(doc) = self.archive.iter().find(|d| i64::from(d.number) == number) else {
                    return self.fail(err::FN_NO_DATA, 0);
                };
                let tlv = journal::tlv(doc);
                fields.push(text(journal::tlv_type(doc.kind).to_string()));
                fields.push(text(tlv.len().to_string()));
                self.tlv_read = Some((tlv, 0));
            }
            16 => {
                // Blocks of at most TLV_BLOCK bytes, the next one each time, in hex.
                const TLV_BLOCK: usize = 16;
                let Some((tlv, offset)) = self.tlv_read.as_mut() else {
                    return self.fail(err::FN_NO_DATA, 0);
                };
                if *offset >= tlv.len() {
                    self.tlv_read = None;
                    return self.fail(err::FN_NO_DATA, 0);
                }
                let end = (*offset + TLV_BLOCK).min(tlv.len());
                let hex: String = tlv[*offset..end]
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect();
                *offset = end;
                fields.push(text(hex));
            }
            22 => fields.extend([text("4"), text("4")]),
            _ => return self.fail(err::PARAMETER, 66),
        }
        ok(fields)
    }

    fn marking(&mut self, p: &wire::Packet) -> Reply {
        match int(p, 0) {
            Some(0) => {
                let state = if self.marking.pending.is_some() { 4 } else { 1 };
                ok(vec![
                    text("0"),
                    text(state.to_string()),
                    text("0"),
                    text("0"),
                    text(self.marking.accepted.len().to_string()),
                    text("0"),
                    text("0"),
                ])
            }
            Some(1) => {
                if self.marking.pending.is_some() {
                    return self.fail(err::MARKING_ORDER, 0);
                }
                let raw = p.fields.get(1).cloned().unwrap_or_default();
                let code = wire::unescape_marking(&raw);
                if code.is_empty() {
                    return self.fail(err::PARAMETER, 0);
                }
                let tags = self.marking.answer.tags();
                self.marking.checks.push(code.clone());
                self.marking.pending = Some((code, tags.result_bits));
                let opt = |v: Option<u8>| text(v.map(|v| v.to_string()).unwrap_or_default());
                Reply {
                    error: 0,
                    fields: vec![
                        text("1"),
                        text(tags.result_bits.to_string()),
                        text(tags.not_checked_reason.to_string()),
                        opt(tags.result_2005),
                        opt(tags.code_2105),
                        opt(tags.status_2109),
                    ],
                    delay: self.marking.delay,
                }
            }
            Some(2) => {
                let Some((code, bits)) = self.marking.pending.take() else {
                    return self.fail(err::MARKING_ORDER, 0);
                };
                if int(p, 1) == Some(1) {
                    self.marking.accepted.push(code);
                }
                ok(vec![text("2"), text(bits.to_string())])
            }
            Some(3) => {
                self.marking.accepted.clear();
                self.marking.pending = None;
                ok(vec![])
            }
            Some(6) => ok(vec![
                text("6"),
                text("0"),
                text("0"),
                text("0"),
                text(""),
                text(""),
                text("0"),
            ]),
            _ => self.fail(err::PARAMETER, 66),
        }
    }
}
