//! The emulated register: its state and the link protocol around its commands.
//!
//! Link behaviour, as the vendor describes the device's side: ENQ is answered NAK when no
//! answer is pending and ACK followed by the pending answer otherwise; a frame with a good
//! LRC is acknowledged (ACK), executed, and answered; its answer stays pending until the
//! host acknowledges it, so a lost or damaged answer is sent again on the next ENQ; a
//! damaged frame is answered NAK and not executed. The pending answer survives a dropped
//! line, like the real device's, which keeps it until someone acknowledges it.

use std::time::Duration;

use emulator_kit::{Device, Fault, Faults, Reactions};

use crate::clock::{Clock, DateTime, Instant};
use crate::journal::{DOC_REGISTRATION, FiscalDocument, RegisteredReceipt};
use crate::marking::{MarkingSystem, PendingCheck};
use crate::registers::Registers;
use crate::wire::{self, ACK, Incoming, Input, NAK};

/// A shift in progress.
#[derive(Debug, Clone)]
pub(crate) struct Shift {
    pub number: u32,
    pub opened: Instant,
    /// Receipts registered in this shift.
    pub receipts: u32,
}

/// The receipt being made.
#[derive(Debug, Clone)]
pub(crate) struct OpenReceipt {
    /// Open-check type: 0 sale, 1 purchase, 2 sale return, 3 purchase return.
    pub check_type: u8,
    pub lines: Vec<crate::journal::ReceiptLine>,
    pub cashier_inn: Option<String>,
    /// FFD tag 1008, when sent.
    pub customer_contact: Option<String>,
    pub text_lines: Vec<String>,
    /// A correction receipt (opened with 80h + type).
    pub correction: bool,
    /// Tag 1173, when sent.
    pub correction_type: Option<u8>,
    /// Tag 1174: 1178 (Unix time) and 1179, when sent.
    pub correction_basis: Option<(u32, Option<String>)>,
    /// The code FF67h bound to the next position.
    pub next_marking: Option<String>,
}

impl OpenReceipt {
    pub fn new(check_type: u8) -> Self {
        Self {
            check_type,
            lines: Vec::new(),
            cashier_inn: None,
            customer_contact: None,
            text_lines: Vec::new(),
            correction: false,
            correction_type: None,
            correction_basis: None,
            next_marking: None,
        }
    }
}

/// One command as the register received it: its code (`0xFF61` for FF61h) and its data
/// after the code, password included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedCommand {
    pub code: u16,
    pub data: Vec<u8>,
}

impl ReceivedCommand {
    /// The marking code a check (FF61h) or a binding (FF67h) carries.
    pub fn marking_code(&self) -> Option<String> {
        let code = match self.code {
            // password 4, status, mode, code length, TLV length, code.
            0xFF61 => {
                let len = *self.data.get(6)? as usize;
                self.data.get(8..8 + len)?
            }
            // password 4, code length, code.
            0xFF67 => {
                let len = *self.data.get(4)? as usize;
                self.data.get(5..5 + len)?
            }
            _ => return None,
        };
        Some(String::from_utf8_lossy(code).into_owned())
    }
}

/// Who the emulated register is.
#[derive(Debug, Clone)]
pub struct Identity {
    pub model: String,
    pub serial_number: u32,
    /// 16 digits.
    pub fn_number: String,
    /// Registration number (РН ККТ), 16 digits.
    pub registration_number: String,
    /// The owner's INN, 10 or 12 digits.
    pub inn: String,
}

impl Default for Identity {
    fn default() -> Self {
        Self {
            model: "ШТРИХ-М-01Ф".into(),
            serial_number: 12_345_678,
            fn_number: "9960440300000001".into(),
            registration_number: "0000000001012345".into(),
            inn: "7700000000".into(),
        }
    }
}

/// An emulated Shtrih-M register with a fiscal drive.
#[derive(Debug)]
pub struct ShtrihDevice {
    input: Input,
    /// The last answer frame, until the host acknowledges it.
    pending: Option<Vec<u8>>,
    pub(crate) identity: Identity,
    pub(crate) clock: Clock,
    pub(crate) shift: Option<Shift>,
    pub(crate) last_closed_shift: u32,
    pub(crate) receipt: Option<OpenReceipt>,
    pub(crate) documents: Vec<FiscalDocument>,
    pub(crate) receipts: Vec<RegisteredReceipt>,
    /// Cash in the drawer, kopecks.
    pub(crate) cash: u64,
    /// Table 2, field 2: the names of operators 1..=30 (index 0 unused).
    pub(crate) cashiers: Vec<String>,
    /// Everything printed, one entry per line.
    pub(crate) tape: Vec<String>,
    pub(crate) cuts: u32,
    /// The running document number of 11h (every printed document counts).
    pub(crate) running_number: u16,
    /// The money and operation registers (1Ah, 1Bh).
    pub(crate) registers: Registers,
    /// Whether the OFD can be reached: a drain confirms the queue only then.
    pub(crate) ofd_online: bool,
    /// The last document number the OFD confirmed; the ones after it are the OFD queue.
    pub(crate) ofd_confirmed: u32,
    /// The marking system the register asks (FF61h), as a test set it.
    pub(crate) marking: MarkingSystem,
    /// The code last checked, until FF69h decides on it.
    pub(crate) pending_check: Option<PendingCheck>,
    /// Codes accepted since the last receipt and not bound yet.
    pub(crate) accepted_codes: Vec<Vec<u8>>,
    /// How long the answer being made waits before it goes out (a slow marking system).
    pub(crate) answer_delay: Option<Duration>,
    /// Every command received, oldest first (the last `emulator_kit::HISTORY` at least).
    pub(crate) command_log: Vec<ReceivedCommand>,
}

impl Default for ShtrihDevice {
    fn default() -> Self {
        Self::new(Identity::default())
    }
}

impl ShtrihDevice {
    /// A registered register with a closed shift, its clock following the system's local
    /// time.
    pub fn new(identity: Identity) -> Self {
        Self::with_clock(identity, Clock::system())
    }

    /// A registered register with a closed shift and the given clock (`Clock::fixed` for a
    /// test that needs a known date).
    pub fn with_clock(identity: Identity, clock: Clock) -> Self {
        let mut cashiers = vec![String::new(); 31];
        for (i, name) in cashiers.iter_mut().enumerate().skip(1) {
            *name = match i {
                29 => "АДМИНИСТРАТОР".into(),
                30 => "СИС. АДМИНИСТРАТОР".into(),
                n => format!("КАССИР {n}"),
            };
        }
        let mut device = Self {
            input: Input::default(),
            pending: None,
            identity,
            clock,
            shift: None,
            last_closed_shift: 0,
            receipt: None,
            documents: Vec::new(),
            receipts: Vec::new(),
            cash: 0,
            cashiers,
            tape: Vec::new(),
            cuts: 0,
            running_number: 0,
            registers: Registers::default(),
            ofd_online: true,
            ofd_confirmed: 0,
            marking: MarkingSystem::default(),
            pending_check: None,
            accepted_codes: Vec::new(),
            answer_delay: None,
            command_log: Vec::new(),
        };
        // The registration report: fiscal document 1, made when the emulator "shipped" and
        // sent to the OFD then.
        let registered = device.instant();
        device.add_document(DOC_REGISTRATION, registered, None, None, None);
        device.ofd_confirmed = 1;
        device
    }

    /// Moves the register's clock forward (on top of the system's time, when it follows it).
    pub fn advance_clock(&mut self, by: Duration) {
        self.clock.advance(by);
    }

    /// Sets the register's clock anew (`Clock::fixed` to pin a date for a test). A shift
    /// already open keeps the moment it opened, now measured on the new clock.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// The register's current date and time.
    pub fn now(&self) -> DateTime {
        self.clock.now()
    }

    pub(crate) fn instant(&self) -> Instant {
        self.clock.instant()
    }

    /// Receipts registered in the fiscal drive, oldest first (the last `emulator_kit::HISTORY` at
    /// least; older ones are forgotten).
    pub fn receipts(&self) -> &[RegisteredReceipt] {
        &self.receipts
    }

    /// All fiscal documents, oldest first (document 1 is the registration report).
    pub fn documents(&self) -> &[FiscalDocument] {
        &self.documents
    }

    /// The last fiscal document (what recovery after a crash looks up).
    pub fn last_document(&self) -> &FiscalDocument {
        self.documents
            .last()
            .expect("the registration report is always there")
    }

    pub fn shift_open(&self) -> bool {
        self.shift.is_some()
    }

    /// The open shift's number, else the last closed one's.
    pub fn shift_number(&self) -> u32 {
        self.shift
            .as_ref()
            .map_or(self.last_closed_shift, |s| s.number)
    }

    /// The shift is open for 24 hours or more.
    pub fn shift_expired(&self) -> bool {
        self.shift
            .as_ref()
            .is_some_and(|s| self.instant().since(s.opened) >= Duration::from_secs(24 * 3600))
    }

    pub fn receipt_open(&self) -> bool {
        self.receipt.is_some()
    }

    /// Cash in the drawer, kopecks.
    pub fn cash_in_drawer(&self) -> u64 {
        self.cash
    }

    /// Money register `number` as 1Ah reads it (see `registers::money`), or `None` when
    /// there is no such register.
    pub fn money_register(&self, number: u16) -> Option<u64> {
        self.registers
            .money(number, self.receipt.as_ref(), self.cash)
    }

    /// Operation register `number` as 1Bh reads it (see `registers::operation`).
    pub fn operation_register(&self, number: u8) -> u16 {
        self.registers
            .operation(number, self.running_number, self.last_closed_shift)
    }

    /// What was printed, one entry per line, oldest first (the last `emulator_kit::HISTORY` lines
    /// at least).
    pub fn tape(&self) -> &[String] {
        &self.tape
    }

    /// How many times the paper was cut.
    pub fn cuts(&self) -> u32 {
        self.cuts
    }

    /// The name in the cashier table for `operator` (1..=30).
    pub fn cashier(&self, operator: u8) -> &str {
        self.cashiers
            .get(operator as usize)
            .map_or("", String::as_str)
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Whether an answer waits for the host's ACK.
    pub fn answer_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// A sale the cashier rang up on the register's own keyboard, which the host never sent:
    /// one free-price item of `total` kopecks (department 1, without VAT, quantity 1), paid all
    /// in cash (payment type 1, into the drawer) or, with `cashless`, all by card (type 2), by
    /// operator 1. It goes through the register's close like any sale: a fiscal document
    /// (the new "last fiscal document" of FF01h/FF0Ah), a receipt in `receipts()`, the
    /// shift's receipt number and its money and operation registers (144, 193/197), the tape.
    /// No command reaches `command_log()`. Returns the new fiscal document's number.
    ///
    /// It exists to make a shift whose register counters (`shift-totals`) and Z report
    /// differ from the receipts the host registered — what head office's alert is for — and
    /// for load tests to fill a shift without a host.
    ///
    /// # Panics
    ///
    /// When the register itself would refuse the sale: no shift open or one over 24 hours,
    /// a receipt open (the keyboard cannot ring up over the host's receipt), `total` 0 or
    /// over 5 bytes. Paper and cover faults do not apply (they live with the line).
    pub fn keyboard_sale(&mut self, total: u64, cashless: bool) -> u32 {
        const CASHIER: u8 = 1;
        if let Err(code) = self.selling_shift() {
            panic!(
                "keyboard_sale needs an open shift under 24 hours (the register answers {code:02X}h)"
            );
        }
        assert!(
            self.receipt.is_none(),
            "keyboard_sale: a receipt is open on the register"
        );
        assert!(
            (1..=0xFF_FFFF_FFFF).contains(&total),
            "keyboard_sale: total {total} is not 1..=2^40-1 kopecks"
        );
        let line = crate::journal::ReceiptLine {
            name: "ОТДЕЛ 1".into(),
            quantity: 1_000_000,
            price: total,
            amount: total,
            tax: None,
            tax_rate: 0x08,
            department: 1,
            method: 4,
            subject: 1,
            marking_code: None,
            measure: 0,
        };
        let mut payments = [0u64; 16];
        payments[if cashless {
            crate::journal::PAY_CASHLESS
        } else {
            crate::journal::PAY_CASH
        }] = total;
        let faults = Faults::default();
        let closed = self
            .add_line(0, line)
            .and_then(|()| self.close_receipt(CASHIER, payments, None, 0, &[], &faults));
        match closed {
            Ok(closed) => closed.number,
            Err(code) => {
                self.receipt = None;
                panic!("keyboard_sale: the register refused the sale ({code:02X}h)")
            }
        }
    }

    /// Adds a fiscal document stamped `at` and returns its number and fiscal sign.
    pub(crate) fn add_document(
        &mut self,
        kind: u8,
        at: Instant,
        shift_number: Option<u32>,
        operation: Option<u8>,
        amount: Option<u64>,
    ) -> (u32, u32) {
        let number = self.documents.len() as u32 + 1;
        let date_time = at.date_time();
        let fiscal_sign = fiscal_sign(number, kind, &date_time, shift_number, amount);
        self.documents.push(FiscalDocument {
            number,
            kind,
            date_time,
            fiscal_sign,
            shift_number,
            operation,
            amount,
        });
        // Every document joins the OFD queue until a drain sends it.
        (number, fiscal_sign)
    }

    /// Sends the OFD queue: every unsent document is confirmed, as when the register's
    /// exchange with the OFD runs. Returns how many were sent; none while the OFD is away
    /// (`set_ofd_online(false)`).
    pub fn drain_ofd_queue(&mut self) -> u32 {
        if !self.ofd_online {
            return 0;
        }
        let sent = self.unsent_documents();
        self.ofd_confirmed = self.last_document().number;
        sent
    }

    /// Takes the OFD away (`false`: drains send nothing, as on a register without its
    /// network) or brings it back (`true`: the queue is sent at once).
    pub fn set_ofd_online(&mut self, online: bool) {
        self.ofd_online = online;
        if online {
            self.drain_ofd_queue();
        }
    }

    /// The commands received, oldest first.
    pub fn command_log(&self) -> &[ReceivedCommand] {
        &self.command_log
    }

    /// The codes of the commands received, oldest first (`0xFF61` for FF61h).
    pub fn command_codes(&self) -> Vec<u16> {
        self.command_log.iter().map(|c| c.code).collect()
    }

    /// Forgets the commands received so far (to look at one operation's).
    pub fn clear_command_log(&mut self) {
        self.command_log.clear();
    }

    /// Fiscal documents the OFD has not confirmed yet (FF39h).
    pub fn unsent_documents(&self) -> u32 {
        self.last_document().number - self.ofd_confirmed
    }

    /// The oldest document the OFD has not confirmed.
    pub(crate) fn first_unsent_document(&self) -> Option<&FiscalDocument> {
        self.documents.get(self.ofd_confirmed as usize)
    }

    /// The last day the fiscal drive registers documents (FF03h): three years after the
    /// registration report, the longest validity a drive has.
    pub fn fn_valid_until(&self) -> DateTime {
        let registered = self.documents[0].date_time;
        let day = if registered.month == 2 && registered.day == 29 {
            28
        } else {
            registered.day
        };
        DateTime::new(registered.year + 3, registered.month, day, 0, 0, 0)
    }

    fn on_frame(&mut self, body: &[u8], faults: &Faults, out: &mut Reactions) {
        if faults.take(Fault::NoReply) {
            return;
        }
        if faults.take(Fault::Nak) {
            out.send(vec![NAK]);
            return;
        }
        let answer = wire::frame(&self.execute(body, faults));
        self.pending = Some(answer.clone());
        out.send(vec![ACK]);
        // The register works on the command (asks the marking system) before it answers.
        if let Some(delay) = self.answer_delay.take() {
            out.wait(delay);
        }
        if faults.take(Fault::DisconnectMidFrame) {
            out.send(answer[..answer.len() / 2].to_vec());
            out.hangup();
        } else if faults.take(Fault::CorruptChecksum) {
            let mut damaged = answer;
            *damaged.last_mut().expect("a frame has an LRC") ^= 0xFF;
            out.send(damaged);
        } else {
            out.send(answer);
        }
    }
}

/// A deterministic fiscal sign: FNV-1a over the document's number, type, time and content.
fn fiscal_sign(
    number: u32,
    kind: u8,
    at: &DateTime,
    shift: Option<u32>,
    amount: Option<u64>,
) -> u32 {
    let mut hash: u32 = 0x811C_9DC5;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= b as u32;
            hash = hash.wrapping_mul(0x0100_0193);
        }
    };
    eat(&number.to_le_bytes());
    eat(&[kind]);
    eat(&at.fn_bytes());
    eat(&shift.unwrap_or(0).to_le_bytes());
    eat(&amount.unwrap_or(0).to_le_bytes());
    hash
}

impl Device for ShtrihDevice {
    fn receive(&mut self, bytes: &[u8], faults: &Faults, out: &mut Reactions) {
        self.input.push(bytes);
        while let Some(incoming) = self.input.next() {
            match incoming {
                Incoming::Enq => match &self.pending {
                    Some(answer) => {
                        out.send(vec![ACK]);
                        out.send(answer.clone());
                    }
                    None => out.send(vec![NAK]),
                },
                Incoming::Ack => self.pending = None,
                // The host rejected the answer: keep it, the host asks again with ENQ.
                Incoming::Nak => {}
                Incoming::Damaged => out.send(vec![NAK]),
                Incoming::Frame(body) => self.on_frame(&body, faults, out),
            }
        }
    }

    fn reset_line(&mut self) {
        self.input.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock;
    use crate::wire::{ENQ, STX};

    fn send(device: &mut ShtrihDevice, faults: &Faults, bytes: &[u8]) -> Vec<u8> {
        let mut out = Reactions::default();
        device.receive(bytes, faults, &mut out);
        out.sent_bytes()
    }

    const SHORT_STATUS: [u8; 8] = [STX, 0x05, 0x10, 0x1E, 0x00, 0x00, 0x00, 0x0B];

    #[test]
    fn enq_then_a_command_byte_by_byte() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        assert_eq!(send(&mut d, &f, &[ENQ]), [NAK]);
        let mut got = Vec::new();
        for b in SHORT_STATUS {
            got.extend(send(&mut d, &f, &[b]));
        }
        assert_eq!(got[0], ACK);
        let answer = &got[1..];
        assert_eq!(answer[0], STX);
        assert_eq!(answer[1] as usize, answer.len() - 3);
        assert_eq!(&answer[2..5], [0x10, 0x00, 30]); // no error, operator 30
        // Mode 4 (shift closed), submode 0 (paper present).
        assert_eq!(&answer[7..9], [0x04, 0x00]);
        // Unacknowledged, the answer is repeated on ENQ; after ACK it is gone.
        let again = send(&mut d, &f, &[ENQ]);
        assert_eq!(again[0], ACK);
        assert_eq!(&again[1..], answer);
        assert!(send(&mut d, &f, &[ACK]).is_empty());
        assert_eq!(send(&mut d, &f, &[ENQ]), [NAK]);
    }

    #[test]
    fn glitches_happen_once() {
        let mut d = ShtrihDevice::default();
        let f = Faults::default();
        f.inject(Fault::Nak);
        assert_eq!(send(&mut d, &f, &SHORT_STATUS), [NAK]);
        f.inject(Fault::NoReply);
        assert!(send(&mut d, &f, &SHORT_STATUS).is_empty());
        assert!(!d.answer_pending());
        f.inject(Fault::CorruptChecksum);
        let bad = send(&mut d, &f, &SHORT_STATUS);
        let good = send(&mut d, &f, &[ENQ]);
        assert_eq!(bad.len(), good.len());
        assert_ne!(bad.last(), good.last());
        assert_eq!(bad[..bad.len() - 1], good[..good.len() - 1]);
        let mut out = Reactions::default();
        f.inject(Fault::DisconnectMidFrame);
        d.receive(&SHORT_STATUS, &f, &mut out);
        assert_eq!(out.as_slice().last(), Some(&emulator_kit::Reaction::Hangup));
    }

    #[test]
    fn a_damaged_frame_is_refused() {
        let mut d = ShtrihDevice::default();
        let mut bad = SHORT_STATUS;
        bad[7] ^= 1;
        assert_eq!(send(&mut d, &Faults::default(), &bad), [NAK]);
    }

    #[test]
    fn fiscal_signs_are_deterministic() {
        let fixed = || ShtrihDevice::with_clock(Identity::default(), Clock::fixed(clock::START));
        let (a, b) = (fixed(), fixed());
        assert_eq!(a.last_document(), b.last_document());
        assert_eq!(a.last_document().number, 1);
    }
}
