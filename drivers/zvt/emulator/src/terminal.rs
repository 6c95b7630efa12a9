//! The payment terminal's business: what it answers to each command, its batch of
//! transactions, trace and receipt counters, and the rules by which it declines.
//!
//! A payment, reversal or refund the terminal accepts is answered in two steps: at once the
//! acknowledgement and an intermediate status ([`Answer::booking`] says what it will book),
//! then, once the customer is done ([`Terminal::book`]), the status information and the
//! completion or abort. The device decides when the customer is done, and an abort `06 B0`
//! before then books nothing.

use crate::wire::{self, bcd, from_bcd, lllvar, llvar};

/// What a transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Payment,
    Reversal,
    Refund,
}

/// A moment as the terminal's clock reads it (UTC unless set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// One transaction of the batch, approved or declined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub kind: Kind,
    /// Minor units.
    pub amount: u64,
    /// ISO 4217 numeric.
    pub currency: u16,
    /// 0 approved; otherwise why it was declined.
    pub result_code: u8,
    /// The trace number (BMP 0B); every transaction takes one.
    pub trace: u32,
    /// The receipt number (BMP 87), the driver's auth-id; approved transactions only.
    pub receipt_no: Option<u32>,
    /// Terminal id (8 digits) and trace (6 digits): what the driver reports as rrn.
    pub rrn: String,
    /// The authorisation code (BMP 3B); empty when declined.
    pub auth_code: String,
    /// Masked, `*` for the hidden digits.
    pub card_number: String,
    pub card_name: String,
    /// For a reversal or a refund by reference: the trace of the payment it undoes.
    pub original_trace: Option<u32>,
    /// A payment or refund reversed since.
    pub reversed: bool,
    /// What refunds have given back of a payment so far.
    pub refunded: u64,
    pub at: Stamp,
}

impl Transaction {
    pub fn approved(&self) -> bool {
        self.result_code == 0
    }
}

/// Result code of a decline by the "authorisation system" (codes 01–63 are the acquirer's).
pub const DECLINED: u8 = 0x05;
/// A payment whose amount ends in this many kopecks (cents) is declined with [`DECLINED`].
pub const DECLINE_KOPECKS: u64 = 13;
/// Abort code: the receipt number names no reversible transaction of the batch.
pub const REVERSAL_NOT_POSSIBLE: u8 = 0xB5;
/// Abort code: the transaction is reversed already.
pub const ALREADY_REVERSED: u8 = 0xB4;
/// Abort code: a refund above what is left of the payment.
pub const AMOUNT_WRONG: u8 = 0xB7;
/// Abort code and refusal (`84 83`): the function is not possible (an unknown command, a wrong
/// password, a refund whose rrn names no payment).
pub const NOT_POSSIBLE: u8 = 0x83;
/// Abort code: the command's currency is not the terminal's.
pub const WRONG_CURRENCY: u8 = 0x6F;
/// Abort code after an abort `06 B0`: "abort via timeout or abort key".
pub const ABORTED: u8 = 0x6C;
/// Refusal (`84 9C`, "please wait") of a command that comes while the terminal is still in
/// another command's conversation.
pub const BUSY: u8 = 0x9C;
/// Refusal (`84 9A`): a mandatory field is missing.
pub const PROTOCOL_ERROR: u8 = 0x9A;
/// Reported by the status enquiry.
pub const SOFTWARE_VERSION: &str = concat!("zvt-emulator ", env!("CARGO_PKG_VERSION"));

/// Test cards the terminal "reads" in turn: number, name.
const CARDS: [(&str, &str); 3] = [
    ("2200700123456781", "MIR"),
    ("4276380012345674", "VISA"),
    ("5469380012345671", "MASTERCARD"),
];

/// The terminal's state.
#[derive(Debug, Clone)]
pub struct Terminal {
    pub terminal_id: u32,
    pub password: u32,
    pub currency: u16,
    /// The config byte of the last registration.
    pub registered: Option<u8>,
    pub transactions: Vec<Transaction>,
    pub decline_next: Option<u8>,
    pub clock: Option<Stamp>,
    trace: u32,
    receipt: u32,
    cards_read: usize,
}

impl Default for Terminal {
    fn default() -> Self {
        Self {
            terminal_id: 29_110_042,
            password: 0,
            currency: 643,
            registered: None,
            transactions: Vec::new(),
            decline_next: None,
            clock: None,
            trace: 0,
            receipt: 0,
            cards_read: 0,
        }
    }
}

/// What the terminal answers to one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The messages it sends at once, in order; the first is its `80 00 00` or `84 xx`.
    pub messages: Vec<Vec<u8>>,
    /// A transaction accepted and not booked yet: [`Terminal::book`] books it and gives the
    /// rest of the conversation.
    pub booking: Option<Booking>,
}

impl Answer {
    fn now(messages: Vec<Vec<u8>>) -> Self {
        Self {
            messages,
            booking: None,
        }
    }
}

/// A payment, reversal or refund the terminal has accepted and books once the customer is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    kind: Kind,
    amount: u64,
    /// The batch index of the transaction a reversal or a refund by reference undoes.
    original: Option<usize>,
    /// The decline a rule gives when no `decline_next` is set (a payment's kopecks).
    rule: Option<u8>,
}

impl Booking {
    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn amount(&self) -> u64 {
        self.amount
    }
}

pub(crate) fn ack() -> Vec<u8> {
    vec![0x80, 0x00, 0x00]
}

pub(crate) fn refusal(code: u8) -> Vec<u8> {
    vec![0x84, code, 0x00]
}

fn refuse(code: u8) -> Answer {
    Answer::now(vec![refusal(code)])
}

pub(crate) fn abort(code: u8) -> Vec<u8> {
    wire::apdu(0x06, 0x1E, &[code])
}

fn intermediate(status: u8) -> Vec<u8> {
    wire::apdu(0x04, 0xFF, &[status])
}

fn completion() -> Vec<u8> {
    wire::apdu(0x06, 0x0F, &[])
}

/// Accepts a transaction: the acknowledgement and the intermediate status the customer sees
/// meanwhile (insert card; please wait for a reversal), with the booking to make.
fn accept(kind: Kind, amount: u64, original: Option<usize>, rule: Option<u8>) -> Answer {
    let status = if kind == Kind::Reversal { 0x0E } else { 0x0A };
    Answer {
        messages: vec![ack(), intermediate(status)],
        booking: Some(Booking {
            kind,
            amount,
            original,
            rule,
        }),
    }
}

impl Terminal {
    /// Answers one command from the ECR.
    pub fn handle(&mut self, apdu: &[u8]) -> Answer {
        let data = wire::apdu_data(apdu);
        match (apdu[0], apdu[1]) {
            (0x06, 0x00) => self.registration(data),
            (0x05, 0x01) => self.with_password(data, |_, _| {
                let mut data = lllvar(SOFTWARE_VERSION.as_bytes());
                data.push(0x00); // terminal status: ready
                Answer::now(vec![ack(), wire::apdu(0x06, 0x0F, &data)])
            }),
            (0x06, 0x01) => self.authorization(data),
            (0x06, 0x30) => self.with_password(data, Self::reversal),
            (0x06, 0x31) => self.with_password(data, Self::refund),
            (0x06, 0x20) => self.with_password(data, Self::repeat_receipt),
            _ => refuse(NOT_POSSIBLE),
        }
    }

    /// Checks the password the command starts with, then answers with `f` over the rest.
    fn with_password(&mut self, data: &[u8], f: impl FnOnce(&mut Self, &[u8]) -> Answer) -> Answer {
        match data.get(..3).and_then(from_bcd) {
            Some(p) if p == u64::from(self.password) => f(self, &data[3..]),
            _ => refuse(NOT_POSSIBLE),
        }
    }

    fn registration(&mut self, data: &[u8]) -> Answer {
        self.with_password(data, |t, rest| {
            let Some(&config) = rest.first() else {
                return refuse(PROTOCOL_ERROR);
            };
            if let Some(currency) = rest.get(1..3).and_then(from_bcd)
                && currency != u64::from(t.currency)
            {
                return Answer::now(vec![ack(), abort(WRONG_CURRENCY)]);
            }
            t.registered = Some(config);
            let mut done = vec![0x19, 0x00, 0x29];
            done.extend(bcd(t.terminal_id.into(), 4));
            done.push(0x49);
            done.extend(bcd(t.currency.into(), 2));
            Answer::now(vec![ack(), wire::apdu(0x06, 0x0F, &done)])
        })
    }

    fn field(data: &[u8], number: u8) -> Option<u64> {
        wire::bmps(data)
            .into_iter()
            .find(|(n, _)| *n == number)
            .and_then(|(_, v)| from_bcd(v))
    }

    fn currency_ok(&self, data: &[u8]) -> bool {
        Self::field(data, 0x49).is_none_or(|c| c == u64::from(self.currency))
    }

    fn authorization(&mut self, data: &[u8]) -> Answer {
        let Some(amount) = Self::field(data, 0x04) else {
            return refuse(PROTOCOL_ERROR);
        };
        if !self.currency_ok(data) {
            return Answer::now(vec![ack(), abort(WRONG_CURRENCY)]);
        }
        let rule = (amount % 100 == DECLINE_KOPECKS).then_some(DECLINED);
        accept(Kind::Payment, amount, None, rule)
    }

    fn reversal(&mut self, data: &[u8]) -> Answer {
        let Some(receipt) = Self::field(data, 0x87) else {
            return refuse(PROTOCOL_ERROR);
        };
        let Some(index) = self.transactions.iter().rposition(|t| {
            t.approved() && t.kind != Kind::Reversal && t.receipt_no == Some(receipt as u32)
        }) else {
            return Answer::now(vec![ack(), abort(REVERSAL_NOT_POSSIBLE)]);
        };
        if self.transactions[index].reversed {
            return Answer::now(vec![ack(), abort(ALREADY_REVERSED)]);
        }
        let amount = self.transactions[index].amount;
        accept(Kind::Reversal, amount, Some(index), None)
    }

    fn refund(&mut self, data: &[u8]) -> Answer {
        let Some(amount) = Self::field(data, 0x04) else {
            return refuse(PROTOCOL_ERROR);
        };
        if !self.currency_ok(data) {
            return Answer::now(vec![ack(), abort(WRONG_CURRENCY)]);
        }
        let original = match Self::field(data, 0x37) {
            None => None,
            Some(trace) => {
                let tid_ok =
                    Self::field(data, 0x29).is_none_or(|tid| tid == u64::from(self.terminal_id));
                let found = self.transactions.iter().rposition(|t| {
                    tid_ok && t.kind == Kind::Payment && t.approved() && u64::from(t.trace) == trace
                });
                let Some(index) = found else {
                    return Answer::now(vec![ack(), abort(NOT_POSSIBLE)]);
                };
                let t = &self.transactions[index];
                let left = if t.reversed { 0 } else { t.amount - t.refunded };
                if amount > left {
                    return Answer::now(vec![ack(), abort(AMOUNT_WRONG)]);
                }
                Some(index)
            }
        };
        accept(Kind::Refund, amount, original, None)
    }

    fn repeat_receipt(&mut self, _: &[u8]) -> Answer {
        Answer::now(
            match self.transactions.iter().rev().find(|t| t.approved()) {
                Some(t) => vec![ack(), self.status_information(t), completion()],
                None => vec![ack(), completion()],
            },
        )
    }

    /// Books an accepted transaction now that the customer is done: the status information,
    /// then the completion, or an abort with the result code when declined.
    pub fn book(&mut self, booking: Booking) -> Vec<Vec<u8>> {
        let Booking {
            kind,
            amount,
            original,
            rule,
        } = booking;
        let code = self.decline_next.take().or(rule).unwrap_or(0);
        let original_tx = original.map(|i| self.transactions[i].clone());
        let tx = self.record(kind, amount, code, original_tx.as_ref());
        if let (Some(i), true) = (original, tx.approved()) {
            match kind {
                Kind::Reversal => self.transactions[i].reversed = true,
                Kind::Refund => self.transactions[i].refunded += amount,
                Kind::Payment => {}
            }
        }
        let end = if tx.approved() {
            completion()
        } else {
            abort(tx.result_code)
        };
        vec![self.status_information(&tx), end]
    }

    /// Sets the counters so that the next transaction takes trace number `trace` and the next
    /// approved one receipt number `receipt`; each is brought into its range (1…999999,
    /// 1…9999).
    pub fn set_first_numbers(&mut self, trace: u32, receipt: u32) {
        self.trace = trace.clamp(1, 999_999) - 1;
        self.receipt = receipt.clamp(1, 9_999) - 1;
    }

    /// Takes the next trace (and, when approved, receipt) number and records the transaction.
    fn record(
        &mut self,
        kind: Kind,
        amount: u64,
        code: u8,
        original: Option<&Transaction>,
    ) -> Transaction {
        self.trace = self.trace % 999_999 + 1;
        let receipt_no = (code == 0).then(|| {
            self.receipt = self.receipt % 9_999 + 1;
            self.receipt
        });
        let (card_number, card_name) = match original {
            Some(o) => (o.card_number.clone(), o.card_name.clone()),
            None => {
                let (number, name) = CARDS[self.cards_read % CARDS.len()];
                self.cards_read += 1;
                (mask(number), name.to_string())
            }
        };
        let tx = Transaction {
            kind,
            amount,
            currency: self.currency,
            result_code: code,
            trace: self.trace,
            receipt_no,
            rrn: format!("{:08}{:06}", self.terminal_id, self.trace),
            auth_code: if code == 0 {
                format!(
                    "{:06}",
                    (u64::from(self.trace) * 7_919 + 104_729) % 1_000_000
                )
            } else {
                String::new()
            },
            card_number,
            card_name,
            original_trace: original.map(|o| o.trace),
            reversed: false,
            refunded: 0,
            at: self.now(),
        };
        self.transactions.push(tx.clone());
        tx
    }

    /// `04 0F` for a transaction, its fields in the order real terminals send them.
    fn status_information(&self, t: &Transaction) -> Vec<u8> {
        let mut d = vec![0x27, t.result_code, 0x04];
        d.extend(bcd(t.amount, 6));
        d.push(0x49);
        d.extend(bcd(t.currency.into(), 2));
        let at = t.at;
        d.push(0x0C);
        d.extend(bcd(
            u64::from(at.hour) * 10_000 + u64::from(at.minute) * 100 + u64::from(at.second),
            3,
        ));
        d.push(0x0D);
        d.extend(bcd(u64::from(at.month) * 100 + u64::from(at.day), 2));
        d.push(0xAA);
        d.extend(bcd(
            u64::from(at.year % 100) * 10_000 + u64::from(at.month) * 100 + u64::from(at.day),
            3,
        ));
        d.push(0x22);
        d.extend(llvar(&masked_bcd(&t.card_number)));
        if let Some(receipt) = t.receipt_no {
            d.push(0x87);
            d.extend(bcd(receipt.into(), 2));
        }
        if t.approved() {
            d.push(0x3B);
            let mut code = t.auth_code.clone().into_bytes();
            code.resize(8, 0);
            d.extend(code);
        }
        d.push(0x0B);
        d.extend(bcd(t.trace.into(), 3));
        if let Some(original) = t.original_trace {
            d.push(0x37);
            d.extend(bcd(original.into(), 3));
        }
        d.push(0x29);
        d.extend(bcd(self.terminal_id.into(), 4));
        d.push(0x8B);
        d.extend(llvar(t.card_name.as_bytes()));
        d.push(0x2A);
        d.extend(format!("{:<15}", "000000123456789").bytes().take(15));
        wire::apdu(0x04, 0x0F, &d)
    }

    pub fn now(&self) -> Stamp {
        self.clock.unwrap_or_else(system_clock)
    }
}

/// `2200700123456781` → `220070******6781`.
fn mask(number: &str) -> String {
    let n = number.len();
    number
        .chars()
        .enumerate()
        .map(|(i, c)| if i < 6 || i >= n - 4 { c } else { '*' })
        .collect()
}

/// A masked number as BCD: `*` is the nibble E, an odd length is padded with F.
fn masked_bcd(number: &str) -> Vec<u8> {
    let mut nibbles: Vec<u8> = number
        .bytes()
        .map(|c| if c == b'*' { 0x0E } else { c - b'0' })
        .collect();
    if nibbles.len() % 2 == 1 {
        nibbles.push(0x0F);
    }
    nibbles.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
}

/// The system clock, UTC.
fn system_clock() -> Stamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    Stamp {
        year,
        month,
        day,
        hour: (rest / 3600) as u8,
        minute: (rest / 60 % 60) as u8,
        second: (rest % 60) as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A payment's whole conversation, the customer done at once.
    fn pay(t: &mut Terminal, amount: u64) -> Vec<Vec<u8>> {
        let mut data = vec![0x04];
        data.extend(bcd(amount, 6));
        let answer = t.handle(&wire::apdu(0x06, 0x01, &data));
        let mut messages = answer.messages;
        messages.extend(answer.booking.map(|b| t.book(b)).unwrap_or_default());
        messages
    }

    #[test]
    fn approves_and_declines_by_the_kopecks() {
        let mut t = Terminal::default();
        let a = pay(&mut t, 2469);
        assert_eq!(a.len(), 4);
        assert_eq!(a[0], [0x80, 0, 0]);
        assert_eq!(&a[1][..2], [0x04, 0xFF]);
        assert_eq!(&a[2][..5], [0x04, 0x0F, a[2][2], 0x27, 0x00]);
        assert_eq!(a[3], [0x06, 0x0F, 0x00]);
        let d = pay(&mut t, 1013);
        assert_eq!(d[3], [0x06, 0x1E, 0x01, DECLINED]);
        assert_eq!(t.transactions.len(), 2);
        assert_eq!(t.transactions[0].receipt_no, Some(1));
        assert_eq!(t.transactions[1].receipt_no, None);
        assert_eq!(t.transactions[1].trace, 2);
        assert_eq!(t.transactions[0].card_number, "220070******6781");
        assert_eq!(
            masked_bcd("220070******6781"),
            [0x22, 0x00, 0x70, 0xEE, 0xEE, 0xEE, 0x67, 0x81]
        );
    }

    #[test]
    fn nothing_is_booked_before_the_customer_is_done() {
        let mut t = Terminal::default();
        let answer = t.handle(&wire::apdu(0x06, 0x01, &[0x04, 0, 0, 0, 0, 0x01, 0x00]));
        assert_eq!(answer.messages.len(), 2);
        assert_eq!(
            answer.booking.as_ref().map(Booking::kind),
            Some(Kind::Payment)
        );
        assert!(t.transactions.is_empty());
        let rest = t.book(answer.booking.unwrap());
        assert_eq!(rest[1], [0x06, 0x0F, 0x00]);
        assert_eq!(t.transactions.len(), 1);
    }

    #[test]
    fn counters_start_where_told_and_wrap() {
        let mut t = Terminal::default();
        t.set_first_numbers(999_998, 9_998);
        for _ in 0..3 {
            pay(&mut t, 100);
        }
        pay(&mut t, 113); // declined: a trace number, no receipt number
        pay(&mut t, 100);
        let numbers: Vec<_> = t
            .transactions
            .iter()
            .map(|x| (x.trace, x.receipt_no))
            .collect();
        assert_eq!(
            numbers,
            [
                (999_998, Some(9_998)),
                (999_999, Some(9_999)),
                (1, Some(1)),
                (2, None),
                (3, Some(2))
            ]
        );
        t.set_first_numbers(0, 20_000);
        pay(&mut t, 100);
        let last = t.transactions.last().unwrap();
        assert_eq!((last.trace, last.receipt_no), (1, Some(9_999)));
    }

    #[test]
    fn refuses_unknown_commands_and_wrong_passwords() {
        let mut t = Terminal::default();
        assert_eq!(t.handle(&[0x06, 0x99, 0x00]), refuse(NOT_POSSIBLE));
        assert_eq!(
            t.handle(&wire::apdu(0x06, 0x30, &[0x12, 0x34, 0x56, 0x87, 0, 1])),
            refuse(NOT_POSSIBLE)
        );
        assert_eq!(
            t.handle(&wire::apdu(0x06, 0x01, &[])),
            refuse(PROTOCOL_ERROR)
        );
    }
}
