//! The payment terminal's business: what it answers to each command, its batch of
//! transactions, trace and receipt counters, and the rules by which it declines.

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

/// The messages the terminal sends for one command, in order; the first is its `80 00 00`
/// or `84 xx`.
pub type Answer = Vec<Vec<u8>>;

fn ack() -> Vec<u8> {
    vec![0x80, 0x00, 0x00]
}

fn refuse(code: u8) -> Answer {
    vec![vec![0x84, code, 0x00]]
}

fn abort(code: u8) -> Vec<u8> {
    wire::apdu(0x06, 0x1E, &[code])
}

fn intermediate(status: u8) -> Vec<u8> {
    wire::apdu(0x04, 0xFF, &[status])
}

fn completion() -> Vec<u8> {
    wire::apdu(0x06, 0x0F, &[])
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
                vec![ack(), wire::apdu(0x06, 0x0F, &data)]
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
                return vec![ack(), abort(WRONG_CURRENCY)];
            }
            t.registered = Some(config);
            let mut done = vec![0x19, 0x00, 0x29];
            done.extend(bcd(t.terminal_id.into(), 4));
            done.push(0x49);
            done.extend(bcd(t.currency.into(), 2));
            vec![ack(), wire::apdu(0x06, 0x0F, &done)]
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
            return vec![ack(), abort(WRONG_CURRENCY)];
        }
        let rule = (amount % 100 == DECLINE_KOPECKS).then_some(DECLINED);
        let code = self.decline_next.take().or(rule).unwrap_or(0);
        let tx = self.book(Kind::Payment, amount, code, None);
        self.finish(tx, 0x0A)
    }

    fn reversal(&mut self, data: &[u8]) -> Answer {
        let Some(receipt) = Self::field(data, 0x87) else {
            return refuse(PROTOCOL_ERROR);
        };
        let Some(index) = self.transactions.iter().position(|t| {
            t.approved() && t.kind != Kind::Reversal && t.receipt_no == Some(receipt as u32)
        }) else {
            return vec![ack(), abort(REVERSAL_NOT_POSSIBLE)];
        };
        if self.transactions[index].reversed {
            return vec![ack(), abort(ALREADY_REVERSED)];
        }
        let original = self.transactions[index].clone();
        let code = self.decline_next.take().unwrap_or(0);
        let tx = self.book(Kind::Reversal, original.amount, code, Some(&original));
        if tx.approved() {
            self.transactions[index].reversed = true;
        }
        self.finish(tx, 0x0E)
    }

    fn refund(&mut self, data: &[u8]) -> Answer {
        let Some(amount) = Self::field(data, 0x04) else {
            return refuse(PROTOCOL_ERROR);
        };
        if !self.currency_ok(data) {
            return vec![ack(), abort(WRONG_CURRENCY)];
        }
        let original = match Self::field(data, 0x37) {
            None => None,
            Some(trace) => {
                let tid_ok =
                    Self::field(data, 0x29).is_none_or(|tid| tid == u64::from(self.terminal_id));
                let found = self.transactions.iter().position(|t| {
                    tid_ok && t.kind == Kind::Payment && t.approved() && u64::from(t.trace) == trace
                });
                let Some(index) = found else {
                    return vec![ack(), abort(NOT_POSSIBLE)];
                };
                let t = &self.transactions[index];
                let left = if t.reversed { 0 } else { t.amount - t.refunded };
                if amount > left {
                    return vec![ack(), abort(AMOUNT_WRONG)];
                }
                Some(index)
            }
        };
        let code = self.decline_next.take().unwrap_or(0);
        let original_tx = original.map(|i| self.transactions[i].clone());
        let tx = self.book(Kind::Refund, amount, code, original_tx.as_ref());
        if let (Some(i), true) = (original, tx.approved()) {
            self.transactions[i].refunded += amount;
        }
        self.finish(tx, 0x0A)
    }

    fn repeat_receipt(&mut self, _: &[u8]) -> Answer {
        match self.transactions.iter().rev().find(|t| t.approved()) {
            Some(t) => vec![ack(), self.status_information(t), completion()],
            None => vec![ack(), completion()],
        }
    }

    /// Takes the next trace (and, when approved, receipt) number and records the transaction.
    fn book(
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

    /// Acknowledges, shows `status` (insert card, please wait), reports the transaction and
    /// completes it, or aborts with its result code when declined.
    fn finish(&self, tx: Transaction, status: u8) -> Answer {
        let end = if tx.approved() {
            completion()
        } else {
            abort(tx.result_code)
        };
        vec![
            ack(),
            intermediate(status),
            self.status_information(&tx),
            end,
        ]
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

    fn now(&self) -> Stamp {
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

    fn pay(t: &mut Terminal, amount: u64) -> Answer {
        let mut data = vec![0x04];
        data.extend(bcd(amount, 6));
        t.handle(&wire::apdu(0x06, 0x01, &data))
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
