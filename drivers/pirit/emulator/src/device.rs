//! The register's state and its side of the line: packets in (buffered across reads), ENQ
//! answered by ACK, each request handled by `commands`, faults applied to the answer.

use std::collections::VecDeque;
use std::time::Duration;

use emulator_kit::{Device, Fault, Faults, Reactions};

use crate::clock::{Clock, DateTime};
use crate::counters::ShiftTotals;
use crate::journal::{Correction, FiscalDocument, ReceiptLine, RegisteredReceipt};
use crate::marking::{MarkingAnswer, MarkingSystem};
use crate::wire::{self, ACK, ENQ, ETX, STX};

/// Who the register is.
#[derive(Debug, Clone)]
pub struct Identity {
    pub factory_number: String,
    pub firmware: String,
    pub inn: String,
    pub registration_number: String,
    pub fn_number: String,
    /// 0x02/21: 8 = Пирит 2Ф.
    pub model: u8,
    pub password: [u8; 4],
    /// The fiscal drive's last day.
    pub fn_valid_until: chrono::NaiveDate,
}

impl Default for Identity {
    fn default() -> Self {
        Self {
            factory_number: "0491000000012345".into(),
            firmware: "665".into(),
            inn: "7700000000".into(),
            registration_number: "0000000001012345".into(),
            fn_number: "7380440700012345".into(),
            model: 8,
            password: *b"PIRI",
            fn_valid_until: chrono::NaiveDate::from_ymd_opt(2027, 6, 30).expect("a date"),
        }
    }
}

/// One command as the register received it, for tests to check order and fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedCommand {
    pub command: u8,
    /// The fields decoded from CP866.
    pub fields: Vec<String>,
}

/// What 0x03/2 tells of the last closed receipt.
#[derive(Debug, Clone)]
pub(crate) struct LastClosed {
    /// The document type; 0 for a cancelled receipt.
    pub kind: u8,
    pub number_in_shift: u32,
    /// The fiscal document number; 0 for a cancelled receipt (it never reached the drive).
    pub fd: u32,
    pub total: i64,
    pub fiscal_sign: String,
}

/// The open shift.
#[derive(Debug, Clone)]
pub(crate) struct Shift {
    pub number: u32,
    pub opened: DateTime,
    pub receipts: u32,
    /// What 0x01/3, /5 and /7 answer; the Z report takes them with the shift.
    pub totals: ShiftTotals,
}

/// The document being formed (0x30 / 0x58 → 0x31).
#[derive(Debug, Clone)]
pub(crate) struct OpenDocument {
    pub kind: u8,
    /// 1 open, 2 after the first subtotal, 3 paying, 4 paid, 8 closed in the FN, not printed.
    pub state: u8,
    pub cashier: String,
    pub taxation: Option<u8>,
    pub lines: Vec<ReceiptLine>,
    pub payments: Vec<(u8, i64)>,
    /// The code 0x24 bound for the next position.
    pub bound_marking: Option<String>,
    pub correction: Option<Correction>,
    /// 0x48's sum in a cash-in/cash-out document.
    pub cash_sum: i64,
    /// The receipt as registered when state 8 was reached.
    pub registered: Option<RegisteredReceipt>,
}

/// An emulated Pirit 2F with its fiscal drive.
pub struct PiritDevice {
    pub(crate) identity: Identity,
    pub(crate) clock: Clock,
    pub(crate) started: bool,
    pub(crate) shift: Option<Shift>,
    pub(crate) last_shift_number: u32,
    pub(crate) document: Option<OpenDocument>,
    pub(crate) next_fd: u32,
    pub(crate) archive: Vec<FiscalDocument>,
    pub(crate) receipts: Vec<RegisteredReceipt>,
    /// The last closed receipt (0x03/2): type 0 and no fiscal document after a cancel.
    pub(crate) last_receipt: Option<LastClosed>,
    pub(crate) ofd_queue: VecDeque<(u32, DateTime)>,
    pub(crate) marking: MarkingSystem,
    pub(crate) drawer: i64,
    pub(crate) extended_error: u8,
    pub(crate) log: Vec<ReceivedCommand>,
    pub(crate) printed: Vec<String>,
    pub(crate) copies: Vec<u32>,
    pub(crate) lose_answer_to: Option<u8>,
    pub(crate) corrupt_answer_to: Option<u8>,
    pub(crate) paper_runs_out_at: Option<u8>,
    pub(crate) clock_jumps_at: Option<(u8, Duration)>,
    pub(crate) refuse_crc_at: Option<u8>,
    /// The document 0x78/15 selected and how much of its TLV 0x78/16 has given.
    pub(crate) tlv_read: Option<(Vec<u8>, usize)>,
    pub(crate) document_counter: u32,
    input: Vec<u8>,
}

impl Default for PiritDevice {
    fn default() -> Self {
        Self::with_clock(Identity::default(), Clock::system())
    }
}

impl PiritDevice {
    /// A registered register (fiscal drive in fiscal mode), shift closed, not started.
    pub fn with_clock(identity: Identity, clock: Clock) -> Self {
        Self {
            identity,
            clock,
            started: false,
            shift: None,
            last_shift_number: 0,
            document: None,
            // Document 1 was the registration report.
            next_fd: 2,
            archive: Vec::new(),
            receipts: Vec::new(),
            last_receipt: None,
            ofd_queue: VecDeque::new(),
            marking: MarkingSystem::default(),
            drawer: 0,
            extended_error: 0,
            log: Vec::new(),
            printed: Vec::new(),
            copies: Vec::new(),
            lose_answer_to: None,
            corrupt_answer_to: None,
            paper_runs_out_at: None,
            clock_jumps_at: None,
            refuse_crc_at: None,
            tlv_read: None,
            document_counter: 0,
            input: Vec::new(),
        }
    }

    /// Registered receipts and correction receipts, oldest first.
    pub fn receipts(&self) -> &[RegisteredReceipt] {
        &self.receipts
    }

    /// Every command received, oldest first.
    pub fn command_log(&self) -> &[ReceivedCommand] {
        &self.log
    }

    /// Only the command codes of the log.
    pub fn command_codes(&self) -> Vec<u8> {
        self.log.iter().map(|c| c.command).collect()
    }

    pub fn clear_command_log(&mut self) {
        self.log.clear();
    }

    /// The fiscal drive's archive.
    pub fn fiscal_documents(&self) -> &[FiscalDocument] {
        &self.archive
    }

    /// Text lines printed in service documents.
    pub fn printed(&self) -> &[String] {
        &self.printed
    }

    /// Fiscal documents printed again by 0x73.
    pub fn copies(&self) -> &[u32] {
        &self.copies
    }

    pub fn now(&self) -> DateTime {
        self.clock.now()
    }

    pub fn advance_clock(&mut self, by: Duration) {
        self.clock.advance(by);
    }

    /// Power off and on: the register needs start of work (0x10) again; its fiscal state
    /// stays.
    pub fn power_cycle(&mut self) {
        self.started = false;
        self.input.clear();
    }

    pub fn shift_open(&self) -> bool {
        self.shift.is_some()
    }

    /// The open shift's number, else the last closed one's (0 before the first shift).
    pub fn shift_number(&self) -> u32 {
        self.shift
            .as_ref()
            .map_or(self.last_shift_number, |s| s.number)
    }

    /// The open shift is over its 24 hours on the register's clock.
    pub fn shift_expired(&self) -> bool {
        self.shift
            .as_ref()
            .is_some_and(|s| self.clock.now() - s.opened > chrono::TimeDelta::hours(24))
    }

    /// The open shift's counters as 0x01/3, /5 and /7 answer them; zero with none open (the
    /// Z report cleared them).
    pub fn shift_totals(&self) -> ShiftTotals {
        self.shift.as_ref().map(|s| s.totals).unwrap_or_default()
    }

    /// A sale the cashier rang up on the register's own keyboard, which the host never sent:
    /// one free-price item of `total` kopecks (department 1, without VAT, quantity 1), paid all
    /// in cash (payment type 0, into the drawer) or, with `cashless`, all electronically
    /// (type 1), by the register's own cashier. It goes into the fiscal drive like any sale
    /// the register closes: a fiscal document (the new last one of 0x78/3 and 0x03/2), a
    /// receipt in `receipts()`, the shift's receipt number and its counters (0x01/3, /7), the
    /// OFD queue. No command reaches `command_log()`. Returns the new fiscal document's
    /// number.
    ///
    /// It exists to make a shift whose register counters (`shift-totals`) and Z report
    /// differ from the receipts the host registered — what head office's alert is for — and
    /// for load tests to fill a shift without a host.
    ///
    /// # Panics
    ///
    /// When the register itself would refuse the sale: no shift open or one over 24 hours,
    /// a document open (the keyboard cannot ring up over the host's), a marking check
    /// pending, `total` not positive. Paper and cover faults do not apply (they live with
    /// the line).
    pub fn keyboard_sale(&mut self, total: i64, cashless: bool) -> u32 {
        if self.document.is_some() {
            panic!("keyboard_sale: a document is open on the register");
        }
        if let Err(refused) = self.may_open(crate::journal::DOC_SALE) {
            panic!(
                "keyboard_sale needs an open shift under 24 hours (the register answers {:02X}h)",
                refused.error
            );
        }
        assert!(total > 0, "keyboard_sale: total {total} is not positive");
        let line = ReceiptLine {
            name: "ОТДЕЛ 1".into(),
            quantity: 1000,
            fraction: None,
            price: total,
            amount: total,
            // Table 40 row 3: without VAT.
            tax_number: 3,
            measure: 0,
            method: 4,
            subject: 1,
            marking: None,
        };
        let payment = if cashless {
            crate::journal::PAY_CASHLESS
        } else {
            crate::journal::PAY_CASH
        };
        let sale = OpenDocument {
            kind: crate::journal::DOC_SALE,
            state: 4,
            cashier: "КАССИР 1".into(),
            taxation: None,
            lines: vec![line],
            payments: vec![(payment, total)],
            bound_marking: None,
            correction: None,
            cash_sum: 0,
            registered: None,
        };
        // The register's own document counter moves as for a receipt the host closes.
        self.document_counter += 1;
        self.register(&sale, String::new()).document_number
    }

    /// The open document's (type, state), if any.
    pub fn open_document(&self) -> Option<(u8, u8)> {
        self.document.as_ref().map(|d| (d.kind, d.state))
    }

    /// Cash in the drawer, kopecks.
    pub fn drawer(&self) -> i64 {
        self.drawer
    }

    /// Documents waiting for the OFD.
    pub fn ofd_queue_len(&self) -> usize {
        self.ofd_queue.len()
    }

    /// The OFD confirms everything queued.
    pub fn drain_ofd_queue(&mut self) {
        self.ofd_queue.clear();
    }

    /// What the marking system answers to the next checks.
    pub fn set_marking_answer(&mut self, answer: MarkingAnswer) {
        self.marking.answer = answer;
    }

    /// How long a check takes to answer.
    pub fn set_marking_delay(&mut self, delay: Duration) {
        self.marking.delay = delay;
    }

    /// The codes checked (0x79/1), in order.
    pub fn marking_checks(&self) -> &[String] {
        &self.marking.checks
    }

    /// The codes accepted and not yet used by a document.
    pub fn accepted_codes(&self) -> &[String] {
        &self.marking.accepted
    }

    /// The next request with this command code is carried out but its answer is lost.
    pub fn lose_answer_to(&mut self, command: u8) {
        self.lose_answer_to = Some(command);
    }

    /// The next answer to this command code carries a wrong CRC (the command is carried out).
    pub fn corrupt_answer_to(&mut self, command: u8) {
        self.corrupt_answer_to = Some(command);
    }

    /// The paper runs out as the next request with this command code arrives (the condition
    /// then holds in the faults until a test clears it): at 0x31 a receipt reaches state 8.
    pub fn paper_runs_out_at(&mut self, command: u8) {
        self.paper_runs_out_at = Some(command);
    }

    /// The register's clock jumps `by` as the next request with this command code arrives (an
    /// adjustment between two commands).
    pub fn clock_jumps_at(&mut self, command: u8, by: Duration) {
        self.clock_jumps_at = Some((command, by));
    }

    /// The next request with this command code is answered 07h (a CRC error in the command)
    /// and neither carried out nor logged, as line noise on the way in would have it.
    pub fn refuse_crc_at(&mut self, command: u8) {
        self.refuse_crc_at = Some(command);
    }

    /// Handles one complete packet.
    fn packet(&mut self, bytes: &[u8], faults: &Faults, out: &mut Reactions) {
        let Some(p) = wire::parse(bytes) else {
            return;
        };
        if faults.take(Fault::NoReply) {
            return;
        }
        let refuse = self.refuse_crc_at == Some(p.command);
        if refuse {
            self.refuse_crc_at = None;
        }
        if refuse || faults.take(Fault::Nak) || !p.crc_ok {
            out.send(wire::answer(p.id, p.command, 0x07, &[]));
            return;
        }
        if p.password != self.identity.password {
            out.send(wire::answer(p.id, p.command, 0x06, &[]));
            return;
        }
        self.log.push(ReceivedCommand {
            command: p.command,
            fields: p.fields.iter().map(|f| wire::decode(f)).collect(),
        });
        if self.paper_runs_out_at == Some(p.command) {
            self.paper_runs_out_at = None;
            faults.inject(Fault::PaperOut);
        }
        if let Some((command, by)) = self.clock_jumps_at
            && command == p.command
        {
            self.clock_jumps_at = None;
            self.clock.advance(by);
        }
        let reply = self.handle(&p, faults);
        if self.lose_answer_to == Some(p.command) {
            self.lose_answer_to = None;
            return;
        }
        if !reply.delay.is_zero() {
            out.wait(reply.delay);
        }
        let mut answer = wire::answer(p.id, p.command, reply.error, &reply.fields);
        let corrupt = self.corrupt_answer_to == Some(p.command);
        if corrupt {
            self.corrupt_answer_to = None;
        }
        if corrupt || faults.take(Fault::CorruptChecksum) {
            let n = answer.len();
            answer[n - 1] = if answer[n - 1] == b'0' { b'1' } else { b'0' };
        }
        if faults.take(Fault::DisconnectMidFrame) {
            answer.truncate(answer.len() / 2);
            out.send(answer);
            out.hangup();
            return;
        }
        out.send(answer);
    }
}

/// What a command answers.
#[derive(Debug, Default)]
pub(crate) struct Reply {
    pub error: u8,
    pub fields: Vec<Vec<u8>>,
    pub delay: Duration,
}

impl Device for PiritDevice {
    fn receive(&mut self, bytes: &[u8], faults: &Faults, out: &mut Reactions) {
        for &b in bytes {
            if self.input.is_empty() {
                match b {
                    ENQ => out.send(vec![ACK]),
                    STX => self.input.push(b),
                    _ => {}
                }
                continue;
            }
            self.input.push(b);
            // A packet ends two CRC characters after its ETX (fields never hold 0x03).
            if let Some(etx) = self.input.iter().position(|&x| x == ETX)
                && self.input.len() == etx + 3
            {
                let packet = std::mem::take(&mut self.input);
                self.packet(&packet, faults, out);
            }
        }
    }

    fn reset_line(&mut self) {
        self.input.clear();
    }
}
