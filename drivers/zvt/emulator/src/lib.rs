//! A ZVT payment terminal (PT) emulator: the device model the ZVT driver is tested against,
//! served in-process, on TCP (terminals listen on 20007) or on a pseudo-terminal.
//!
//! The line comes in two framings, chosen when the device is made: plain APDUs
//! ([`ZvtDevice::tcp`], the default) or serial frames with CRC and ACK/NAK
//! ([`ZvtDevice::serial`]). Bytes arrive in any pieces; the device buffers them.
//!
//! A command's conversation goes as on a real terminal: `80 00 00`, an intermediate status
//! `04 FF`, the status information `04 0F`, then the completion `06 0F` or, when declined, an
//! abort `06 1E` with the result code; the terminal sends each next message once the ECR has
//! acknowledged the previous one (and, on a serial line, ACKed its frame).
//!
//! Master and slave: from its `80 00 00` until its last message is acknowledged the terminal
//! is master, and the ECR may send nothing but acknowledgements and Abort `06 B0` (the one
//! command "allowed without master rights"). Any other command then is a protocol error: it is
//! counted and recorded ([`ZvtDevice::protocol_errors`], [`ZvtDevice::protocol_error_log`]) and
//! refused with `84 9C`, and the running conversation goes on. The refusal is the emulator's
//! choice: `9C` is the result code "please wait", which tells the ECR the terminal is busy
//! without starting anything. An ECR that stops acknowledging is given up after
//! [`ZvtDevice::with_ack_timeout`] (default [`ACK_TIMEOUT`]); a dropped or reopened line ends
//! the conversation at once. Either way what was booked stays booked.
//!
//! Abort `06 B0` (sources: the Python ZVT library ecrterm, "sent by ECR to abort a running
//! transaction in the PT, allowed without master rights, but only for some commands"; the
//! C# library Portalum.Zvt sends it as `06 B0 00` and expects `80 00 00`; result code `6C` is
//! the specification's "abort via timeout or abort key"): while a transaction waits for the
//! customer ([`ZvtDevice::with_authorisation_delay`]) the terminal acknowledges, books
//! nothing and ends with `06 1E 6C`. Later, when the transaction is booked, or for a command
//! that books nothing, it is too late: the terminal refuses the abort with `84 83` and goes
//! on; idle, it refuses it the same way. Every abort is recorded ([`ZvtDevice::aborts`]).
//!
//! Declines: [`ZvtDevice::decline_next`], and every payment whose amount ends in
//! [`DECLINE_KOPECKS`] kopecks. See `drivers/zvt/README.md` for all rules and codes.
//!
//! Faults: `Nak` and `CorruptChecksum` act on serial frames only; `NoReply` swallows the next
//! complete command (or frame); `DisconnectMidFrame` sends half of the next reply and hangs up;
//! `SlowReply` is the pump's.

mod terminal;
pub mod wire;

use std::collections::VecDeque;
use std::time::Duration;

use emulator_kit::{Device, Emulator, Fault, Faults, Reactions, remember};

pub use terminal::{
    ABORTED, ALREADY_REVERSED, AMOUNT_WRONG, BUSY, DECLINE_KOPECKS, DECLINED, Kind, NOT_POSSIBLE,
    PROTOCOL_ERROR, REVERSAL_NOT_POSSIBLE, SOFTWARE_VERSION, Stamp, Transaction, WRONG_CURRENCY,
};
use terminal::{Booking, Terminal, abort, ack, refusal};

/// How APDUs travel on the emulator's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Tcp,
    Serial,
}

/// How long the terminal waits, by default, for the ECR to acknowledge what it sent (a frame's
/// ACK, a message's `80 00 00`) before it gives the conversation up.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// The timers the device asks the kit for.
const ACK_TIMER: u32 = 0;
const CUSTOMER_TIMER: u32 = 1;

/// An Abort `06 B0` the terminal received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbortRecord {
    /// The command (class, instruction) whose conversation was running; none when idle.
    pub during: Option<[u8; 2]>,
    /// True when it stopped a transaction before booking it (the terminal ended with
    /// `06 1E 6C`); false when there was nothing to stop or it came too late (`84 83`).
    pub aborted: bool,
    /// The transaction stopped, when `aborted`.
    pub kind: Option<Kind>,
    /// Its amount in minor units, when `aborted`.
    pub amount: Option<u64>,
    pub at: Stamp,
}

/// A command that came while the terminal was master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    /// The whole APDU the ECR sent.
    pub command: Vec<u8>,
    /// The command (class, instruction) whose conversation was running.
    pub during: [u8; 2],
    pub at: Stamp,
}

/// Where the terminal is in a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// Slave: waiting for a command.
    Idle,
    /// Master: the messages of `command` are going out.
    Talking { command: [u8; 2] },
    /// Master: a transaction accepted and not booked; the customer takes `delay` once the
    /// intermediate status is acknowledged (`timing` from then on).
    Authorising {
        command: [u8; 2],
        booking: Booking,
        delay: Duration,
        timing: bool,
    },
}

impl Phase {
    fn command(&self) -> Option<[u8; 2]> {
        match self {
            Phase::Idle => None,
            Phase::Talking { command } | Phase::Authorising { command, .. } => Some(*command),
        }
    }
}

/// A serial frame sent and not ACKed yet, kept to send again on NAK.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SentFrame {
    frame: Vec<u8>,
    apdu: Vec<u8>,
    sent: usize,
}

/// The emulated terminal: business state plus the line's state.
#[derive(Debug)]
pub struct ZvtDevice {
    framing: Framing,
    terminal: Terminal,
    input: Vec<u8>,
    queue: VecDeque<Vec<u8>>,
    phase: Phase,
    /// The frame whose ACK the terminal waits for (serial framing).
    frame: Option<SentFrame>,
    /// A message sent whose `80 00 00` the terminal waits for.
    message_ack: bool,
    /// Bytes of the reply being built for the bytes just received.
    reply: Vec<u8>,
    /// Timer changes to hand to the kit after the reply: arm (`Some`) or cancel.
    timer_changes: Vec<(u32, Option<Duration>)>,
    ack_armed: bool,
    authorisation_delay: Option<Duration>,
    ack_timeout: Duration,
    aborts: Vec<AbortRecord>,
    protocol_errors: Vec<ProtocolError>,
    protocol_error_count: usize,
}

impl Default for ZvtDevice {
    fn default() -> Self {
        Self::tcp()
    }
}

/// The built-in emulator: plain APDUs (the driver's default framing), fresh state.
pub fn emulator() -> Emulator<ZvtDevice> {
    Emulator::new(ZvtDevice::default())
}

/// Frames are sent this many times in all when the ECR answers NAK.
const TRANSMISSIONS: usize = 3;

/// Whether the ECR owes an acknowledgement for `apdu` (everything but `80 xx`/`84 xx`).
fn needs_ack(apdu: &[u8]) -> bool {
    !matches!(apdu.first(), Some(0x80 | 0x84))
}

impl ZvtDevice {
    fn new(framing: Framing) -> Self {
        Self {
            framing,
            terminal: Terminal::default(),
            input: Vec::new(),
            queue: VecDeque::new(),
            phase: Phase::Idle,
            frame: None,
            message_ack: false,
            reply: Vec::new(),
            timer_changes: Vec::new(),
            ack_armed: false,
            authorisation_delay: None,
            ack_timeout: ACK_TIMEOUT,
            aborts: Vec::new(),
            protocol_errors: Vec::new(),
            protocol_error_count: 0,
        }
    }

    /// A terminal on TCP/IP: plain APDUs.
    pub fn tcp() -> Self {
        Self::new(Framing::Tcp)
    }

    /// A terminal on a serial line: `DLE STX … DLE ETX CRC` frames, ACK/NAK.
    pub fn serial() -> Self {
        Self::new(Framing::Serial)
    }

    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Sets the terminal id (eight digits; default 29110042).
    pub fn with_terminal_id(mut self, terminal_id: u32) -> Self {
        self.terminal.terminal_id = terminal_id % 100_000_000;
        self
    }

    /// Sets the password commands must carry (six digits; default 000000).
    pub fn with_password(mut self, password: u32) -> Self {
        self.terminal.password = password % 1_000_000;
        self
    }

    /// Sets the terminal's currency (ISO 4217 numeric; default 643, RUB).
    pub fn with_currency(mut self, currency: u16) -> Self {
        self.terminal.currency = currency;
        self
    }

    /// The next transaction takes trace number `trace` (BMP 0B), the next approved one receipt
    /// number `receipt` (BMP 87, the driver's auth-id); both run on and wrap as usual
    /// (1…999999, 1…9999). Values out of range are brought into it.
    pub fn with_first_numbers(mut self, trace: u32, receipt: u32) -> Self {
        self.set_first_numbers(trace, receipt);
        self
    }

    /// As [`ZvtDevice::with_first_numbers`], at run time: the batch stays as it is.
    pub fn set_first_numbers(&mut self, trace: u32, receipt: u32) {
        self.terminal.set_first_numbers(trace, receipt);
    }

    /// The customer takes `delay` at the PIN pad: see [`ZvtDevice::set_authorisation_delay`].
    pub fn with_authorisation_delay(mut self, delay: Duration) -> Self {
        self.authorisation_delay = Some(delay);
        self
    }

    /// Each payment, reversal and refund the terminal accepts waits `delay` (none: no wait)
    /// for the customer: the terminal acknowledges the command, sends its intermediate status
    /// and, once the ECR has acknowledged that, books the transaction and sends the status
    /// information only when the delay is over. An abort `06 B0` meanwhile books nothing. A
    /// change applies from the next command on.
    pub fn set_authorisation_delay(&mut self, delay: Option<Duration>) {
        self.authorisation_delay = delay;
    }

    /// How long the terminal waits for the ECR's acknowledgements: see [`ACK_TIMEOUT`].
    pub fn with_ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = timeout;
        self
    }

    /// As [`ZvtDevice::with_ack_timeout`], at run time (from the next message on).
    pub fn set_ack_timeout(&mut self, timeout: Duration) {
        self.ack_timeout = timeout;
    }

    /// Fixes the clock the terminal stamps transactions with (default: the system's, UTC).
    pub fn set_clock(&mut self, at: Option<Stamp>) {
        self.terminal.clock = at;
    }

    pub fn terminal_id(&self) -> u32 {
        self.terminal.terminal_id
    }

    /// The config byte of the last registration (`06 00`), if any came.
    pub fn registered(&self) -> Option<u8> {
        self.terminal.registered
    }

    /// Declines the next payment, reversal or refund with `result_code` (the status
    /// information carries it, then an abort `06 1E`).
    pub fn decline_next(&mut self, result_code: u8) {
        self.terminal.decline_next = Some(result_code);
    }

    /// The batch: every payment, reversal and refund, declined ones included, in order.
    pub fn transactions(&self) -> &[Transaction] {
        &self.terminal.transactions
    }

    /// Every Abort `06 B0` received, in order (the last `emulator_kit::HISTORY` at least).
    pub fn aborts(&self) -> &[AbortRecord] {
        &self.aborts
    }

    /// How many commands came while the terminal was master.
    pub fn protocol_errors(&self) -> usize {
        self.protocol_error_count
    }

    /// The commands that came while the terminal was master, in order (the last
    /// `emulator_kit::HISTORY` at least).
    pub fn protocol_error_log(&self) -> &[ProtocolError] {
        &self.protocol_errors
    }

    /// True from the terminal's `80 00 00` until its last message is acknowledged.
    pub fn is_master(&self) -> bool {
        self.phase != Phase::Idle
    }

    fn pending(&self) -> bool {
        self.frame.is_some() || self.message_ack
    }

    fn arm_ack(&mut self) {
        self.timer_changes.push((ACK_TIMER, Some(self.ack_timeout)));
        self.ack_armed = true;
    }

    fn cancel_ack(&mut self) {
        if self.ack_armed {
            self.timer_changes.push((ACK_TIMER, None));
            self.ack_armed = false;
        }
    }

    /// Drops what is queued or owed: nothing more goes out for the conversation.
    fn hush(&mut self) {
        self.queue.clear();
        self.frame = None;
        self.message_ack = false;
    }

    /// A command while idle: the terminal answers it, and becomes master if it accepts.
    fn start(&mut self, command: &[u8], faults: &Faults) {
        // Whatever an earlier refusal still waited for (its frame's ACK) is over.
        self.hush();
        let name = [command[0], command[1]];
        let answer = self.terminal.handle(command);
        let accepted = answer
            .messages
            .first()
            .is_some_and(|m| m.first() == Some(&0x80));
        let mut messages = answer.messages;
        self.phase = match (answer.booking, self.authorisation_delay) {
            (Some(booking), Some(delay)) if accepted => Phase::Authorising {
                command: name,
                booking,
                delay,
                timing: false,
            },
            (Some(booking), _) => {
                messages.extend(self.terminal.book(booking));
                Phase::Talking { command: name }
            }
            (None, _) if accepted => Phase::Talking { command: name },
            (None, _) => Phase::Idle,
        };
        self.queue = messages.into();
        self.pump(faults);
    }

    /// Sends queued messages until one needs the ECR's acknowledgement; a message that needs
    /// none (a refusal) may go out while one is owed.
    fn pump(&mut self, faults: &Faults) {
        while self.frame.is_none() {
            let Some(next) = self.queue.front() else {
                break;
            };
            let owed = needs_ack(next);
            if owed && self.message_ack {
                break;
            }
            let apdu = self.queue.pop_front().expect("a message is queued");
            match self.framing {
                Framing::Tcp => {
                    self.reply.extend_from_slice(&apdu);
                    if owed {
                        self.message_ack = true;
                        self.arm_ack();
                    }
                }
                Framing::Serial => {
                    let frame = wire::frame(&apdu, false);
                    if faults.take(Fault::CorruptChecksum) {
                        self.reply.extend(wire::frame(&apdu, true));
                    } else {
                        self.reply.extend_from_slice(&frame);
                    }
                    self.frame = Some(SentFrame {
                        frame,
                        apdu,
                        sent: 1,
                    });
                    self.arm_ack();
                }
            }
        }
        self.settle();
    }

    /// With nothing owed: a conversation whose messages are all out ends, and a transaction
    /// whose intermediate status was acknowledged starts waiting for the customer.
    fn settle(&mut self) {
        if self.pending() || !self.queue.is_empty() {
            return;
        }
        self.cancel_ack();
        match &mut self.phase {
            Phase::Talking { .. } => self.phase = Phase::Idle,
            Phase::Authorising { delay, timing, .. } if !*timing => {
                *timing = true;
                self.timer_changes.push((CUSTOMER_TIMER, Some(*delay)));
            }
            _ => {}
        }
    }

    /// The ECR went silent or the line failed it: the conversation is over. What was booked
    /// stays booked; a transaction still waiting for the customer is not booked.
    fn give_up(&mut self) {
        self.hush();
        if matches!(self.phase, Phase::Authorising { timing: true, .. }) {
            self.timer_changes.push((CUSTOMER_TIMER, None));
        }
        self.phase = Phase::Idle;
        self.cancel_ack();
    }

    /// The authorisation delay is over: the transaction is booked and reported.
    fn customer_done(&mut self, faults: &Faults) {
        match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Authorising {
                command,
                booking,
                timing: true,
                ..
            } => {
                self.phase = Phase::Talking { command };
                self.queue.extend(self.terminal.book(booking));
                self.pump(faults);
            }
            // A late timer: nothing waits for the customer any more.
            other => self.phase = other,
        }
    }

    /// Sends `message` (a refusal) ahead of the conversation, which then goes on; a frame the
    /// ECR has not ACKed yet is sent again after it.
    fn interject(&mut self, message: Vec<u8>, faults: &Faults) {
        if let Some(unacked) = self.frame.take() {
            self.queue.push_front(unacked.apdu);
        }
        self.queue.push_front(message);
        self.pump(faults);
    }

    /// Abort `06 B0`.
    fn on_abort(&mut self, faults: &Faults) {
        let at = self.terminal.now();
        let during = self.phase.command();
        let mut record = AbortRecord {
            during,
            aborted: false,
            kind: None,
            amount: None,
            at,
        };
        match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Authorising {
                command,
                booking,
                timing,
                ..
            } => {
                // The customer has not finished: nothing is booked, and the terminal says so.
                record.aborted = true;
                record.kind = Some(booking.kind());
                record.amount = Some(booking.amount());
                self.hush();
                if timing {
                    self.timer_changes.push((CUSTOMER_TIMER, None));
                }
                self.phase = Phase::Talking { command };
                self.queue = vec![ack(), abort(ABORTED)].into();
                self.pump(faults);
            }
            Phase::Idle => {
                self.hush();
                self.queue.push_back(refusal(NOT_POSSIBLE));
                self.pump(faults);
            }
            talking => {
                // Too late (booked already) or nothing to stop: refused, the conversation goes on.
                self.phase = talking;
                self.interject(refusal(NOT_POSSIBLE), faults);
            }
        }
        remember(&mut self.aborts, record);
    }

    /// A command (not an acknowledgement) from the ECR.
    fn on_command(&mut self, apdu: Vec<u8>, faults: &Faults) {
        if apdu.starts_with(&[0x06, 0xB0]) {
            return self.on_abort(faults);
        }
        match self.phase.command() {
            None => self.start(&apdu, faults),
            Some(during) => {
                let at = self.terminal.now();
                self.protocol_error_count += 1;
                remember(
                    &mut self.protocol_errors,
                    ProtocolError {
                        command: apdu,
                        during,
                        at,
                    },
                );
                self.interject(refusal(BUSY), faults);
            }
        }
    }

    /// A whole APDU from the ECR.
    fn on_apdu(&mut self, apdu: Vec<u8>, faults: &Faults) {
        // `80 00 00`, or a negative acknowledgement `84 xx`, which the emulator takes alike.
        if matches!(apdu.first(), Some(0x80 | 0x84)) {
            if self.message_ack {
                self.message_ack = false;
                self.pump(faults);
            }
            // Otherwise a stray acknowledgement (of a conversation given up): nothing to do.
            return;
        }
        self.on_command(apdu, faults);
    }

    /// The ECR's ACK (true) or NAK of the frame last sent.
    fn on_frame_ack(&mut self, positive: bool, faults: &Faults) {
        let Some(sent) = self.frame.take() else {
            return;
        };
        if positive {
            if needs_ack(&sent.apdu) {
                self.message_ack = true;
                self.arm_ack();
            }
            self.pump(faults);
        } else if sent.sent < TRANSMISSIONS {
            self.reply.extend_from_slice(&sent.frame);
            self.frame = Some(SentFrame {
                sent: sent.sent + 1,
                ..sent
            });
            self.arm_ack();
        } else {
            // Three NAKs: the terminal gives the conversation up.
            self.give_up();
        }
    }

    fn receive_tcp(&mut self, faults: &Faults) {
        while let Some(len) = wire::complete_apdu(&self.input) {
            let apdu: Vec<u8> = self.input.drain(..len).collect();
            if faults.take(Fault::NoReply) {
                continue;
            }
            self.on_apdu(apdu, faults);
        }
    }

    fn receive_serial(&mut self, faults: &Faults) {
        loop {
            match self.input.first() {
                None => return,
                Some(&wire::ACK) | Some(&wire::NAK) => {
                    let positive = self.input.remove(0) == wire::ACK;
                    self.on_frame_ack(positive, faults);
                }
                Some(&wire::DLE) => match self.input.get(1) {
                    None => return,
                    Some(&wire::STX) => match wire::take_frame(&self.input) {
                        wire::Frame::Incomplete => return,
                        wire::Frame::Broken { consumed } => {
                            self.input.drain(..consumed);
                            self.reply.push(wire::NAK);
                        }
                        wire::Frame::Whole {
                            consumed,
                            apdu,
                            crc_ok,
                        } => {
                            self.input.drain(..consumed);
                            if crc_ok && faults.take(Fault::NoReply) {
                                // Swallowed: no ACK, no answer.
                            } else if !crc_ok
                                || faults.take(Fault::Nak)
                                || wire::complete_apdu(&apdu) != Some(apdu.len())
                            {
                                self.reply.push(wire::NAK);
                            } else {
                                self.reply.push(wire::ACK);
                                self.on_apdu(apdu, faults);
                            }
                        }
                    },
                    // `DLE ACK` / `DLE NAK` as some ECRs send them.
                    Some(&b @ (wire::ACK | wire::NAK)) => {
                        self.input.drain(..2);
                        self.on_frame_ack(b == wire::ACK, faults);
                    }
                    Some(_) => {
                        self.input.remove(0);
                    }
                },
                Some(_) => {
                    self.input.remove(0);
                }
            }
        }
    }

    /// Hands the reply and the timer changes to the kit.
    fn flush(&mut self, faults: &Faults, out: &mut Reactions) {
        let reply = std::mem::take(&mut self.reply);
        let timers = std::mem::take(&mut self.timer_changes);
        if !reply.is_empty() {
            if faults.take(Fault::DisconnectMidFrame) {
                out.send(reply[..reply.len() / 2].to_vec());
                out.hangup();
                return;
            }
            out.send(reply);
        }
        for (id, change) in timers {
            match change {
                Some(after) => out.timer(id, after),
                None => out.cancel_timer(id),
            }
        }
    }
}

impl Device for ZvtDevice {
    fn receive(&mut self, bytes: &[u8], faults: &Faults, out: &mut Reactions) {
        self.input.extend_from_slice(bytes);
        match self.framing {
            Framing::Tcp => self.receive_tcp(faults),
            Framing::Serial => self.receive_serial(faults),
        }
        self.flush(faults, out);
    }

    fn on_timer(&mut self, id: u32, faults: &Faults, out: &mut Reactions) {
        match id {
            ACK_TIMER => {
                self.ack_armed = false;
                if self.pending() {
                    self.give_up();
                }
            }
            CUSTOMER_TIMER => self.customer_done(faults),
            _ => {}
        }
        self.flush(faults, out);
    }

    fn reset_line(&mut self) {
        self.input.clear();
        self.hush();
        self.reply.clear();
        self.timer_changes.clear();
        self.ack_armed = false;
        // The conversation ends with the line; what was booked stays booked.
        self.phase = Phase::Idle;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(device: &mut ZvtDevice, faults: &Faults, bytes: &[u8]) -> Vec<u8> {
        let mut out = Reactions::default();
        device.receive(bytes, faults, &mut out);
        out.sent_bytes()
    }

    const PAY_1_00: [u8; 13] = [
        0x06, 0x01, 0x0A, 0x04, 0, 0, 0, 0, 0x01, 0x00, 0x49, 0x06, 0x43,
    ];

    #[test]
    fn tcp_conversation_in_pieces() {
        let (mut d, faults) = (ZvtDevice::tcp(), Faults::default());
        assert!(feed(&mut d, &faults, &PAY_1_00[..4]).is_empty());
        let first = feed(&mut d, &faults, &PAY_1_00[4..]);
        assert_eq!(first, [0x80, 0x00, 0x00, 0x04, 0xFF, 0x01, 0x0A]);
        let status = feed(&mut d, &faults, &[0x80]);
        assert!(status.is_empty());
        let status = feed(&mut d, &faults, &[0x00, 0x00]);
        assert_eq!(&status[..2], [0x04, 0x0F]);
        assert_eq!(feed(&mut d, &faults, &[0x80, 0, 0]), [0x06, 0x0F, 0x00]);
        assert!(feed(&mut d, &faults, &[0x80, 0, 0]).is_empty());
        assert_eq!(d.transactions().len(), 1);
        assert_eq!(d.transactions()[0].amount, 100);
    }

    #[test]
    fn serial_conversation_with_nak_and_corrupt_checksum() {
        let (mut d, faults) = (ZvtDevice::serial(), Faults::default());
        let command = wire::frame(&PAY_1_00, false);
        faults.inject(Fault::Nak);
        assert_eq!(feed(&mut d, &faults, &command), [wire::NAK]);
        assert!(d.transactions().is_empty());
        // The repeated frame is taken: ACK, then the terminal's 80 00 00 frame.
        faults.inject(Fault::CorruptChecksum);
        let answer = feed(&mut d, &faults, &command);
        assert_eq!(answer[0], wire::ACK);
        let bad = &answer[1..];
        assert!(matches!(
            wire::take_frame(bad),
            wire::Frame::Whole { crc_ok: false, .. }
        ));
        // NAK: the frame comes again, intact.
        let again = feed(&mut d, &faults, &[wire::NAK]);
        assert_eq!(again, wire::frame(&[0x80, 0, 0], false));
        // ACK: the intermediate status follows (no 80 00 00 owed for an acknowledgement).
        let next = feed(&mut d, &faults, &[wire::ACK]);
        assert_eq!(next, wire::frame(&[0x04, 0xFF, 0x01, 0x0A], false));
    }

    const ACK: [u8; 3] = [0x80, 0x00, 0x00];
    const ABORT: [u8; 3] = [0x06, 0xB0, 0x00];

    fn timers_of(out: &Reactions) -> Vec<&emulator_kit::Reaction> {
        out.as_slice()
            .iter()
            .filter(|r| !matches!(r, emulator_kit::Reaction::Send(_)))
            .collect()
    }

    fn fire(device: &mut ZvtDevice, faults: &Faults, id: u32) -> Vec<u8> {
        let mut out = Reactions::default();
        device.on_timer(id, faults, &mut out);
        out.sent_bytes()
    }

    #[test]
    fn the_customer_delay_books_when_it_ends() {
        let faults = Faults::default();
        let mut d = ZvtDevice::tcp().with_authorisation_delay(Duration::from_secs(2));
        assert_eq!(
            feed(&mut d, &faults, &PAY_1_00),
            [0x80, 0x00, 0x00, 0x04, 0xFF, 0x01, 0x0A]
        );
        assert!(d.is_master());
        let mut out = Reactions::default();
        d.receive(&ACK, &faults, &mut out);
        assert!(
            out.sent_bytes().is_empty(),
            "nothing until the customer is done"
        );
        assert!(timers_of(&out).contains(&&emulator_kit::Reaction::Timer {
            id: CUSTOMER_TIMER,
            after: Duration::from_secs(2)
        }));
        assert!(d.transactions().is_empty());
        let status = fire(&mut d, &faults, CUSTOMER_TIMER);
        assert_eq!(&status[..2], [0x04, 0x0F]);
        assert_eq!(d.transactions().len(), 1);
        assert_eq!(feed(&mut d, &faults, &ACK), [0x06, 0x0F, 0x00]);
        assert!(feed(&mut d, &faults, &ACK).is_empty());
        assert!(!d.is_master());
        // A late timer does nothing.
        assert!(fire(&mut d, &faults, CUSTOMER_TIMER).is_empty());
    }

    #[test]
    fn an_abort_during_the_delay_books_nothing() {
        let faults = Faults::default();
        let mut d = ZvtDevice::tcp().with_authorisation_delay(Duration::from_secs(2));
        feed(&mut d, &faults, &PAY_1_00);
        feed(&mut d, &faults, &ACK);
        let mut out = Reactions::default();
        d.receive(&ABORT, &faults, &mut out);
        assert_eq!(
            out.sent_bytes(),
            [0x80, 0x00, 0x00, 0x06, 0x1E, 0x01, ABORTED]
        );
        assert!(timers_of(&out).contains(&&emulator_kit::Reaction::CancelTimer(CUSTOMER_TIMER)));
        assert!(d.is_master(), "until the ECR acknowledges the abort");
        assert!(feed(&mut d, &faults, &ACK).is_empty());
        assert!(!d.is_master());
        assert!(d.transactions().is_empty());
        assert_eq!(d.aborts().len(), 1);
        let a = &d.aborts()[0];
        assert!(a.aborted);
        assert_eq!(
            (a.during, a.kind, a.amount),
            (Some([0x06, 0x01]), Some(Kind::Payment), Some(100))
        );
        // The next payment goes through, with the trace number the aborted one did not take.
        d.set_authorisation_delay(None);
        feed(&mut d, &faults, &PAY_1_00);
        feed(&mut d, &faults, &ACK);
        feed(&mut d, &faults, &ACK);
        assert_eq!(d.transactions()[0].trace, 1);
        assert_eq!(d.protocol_errors(), 0);
    }

    #[test]
    fn an_abort_too_late_or_while_idle_is_refused() {
        let faults = Faults::default();
        let mut d = ZvtDevice::tcp();
        assert_eq!(feed(&mut d, &faults, &ABORT), [0x84, NOT_POSSIBLE, 0x00]);
        feed(&mut d, &faults, &PAY_1_00);
        feed(&mut d, &faults, &ACK); // 04 0F out: booked
        assert_eq!(feed(&mut d, &faults, &ABORT), [0x84, NOT_POSSIBLE, 0x00]);
        assert_eq!(feed(&mut d, &faults, &ACK), [0x06, 0x0F, 0x00]);
        feed(&mut d, &faults, &ACK);
        assert_eq!(d.transactions().len(), 1);
        let aborted: Vec<_> = d.aborts().iter().map(|a| (a.during, a.aborted)).collect();
        assert_eq!(aborted, [(None, false), (Some([0x06, 0x01]), false)]);
    }

    #[test]
    fn a_command_while_master_is_a_protocol_error() {
        let faults = Faults::default();
        let mut d = ZvtDevice::tcp();
        feed(&mut d, &faults, &PAY_1_00);
        assert_eq!(feed(&mut d, &faults, &PAY_1_00), [0x84, BUSY, 0x00]);
        assert_eq!(d.protocol_errors(), 1);
        assert_eq!(d.protocol_error_log()[0].during, [0x06, 0x01]);
        assert_eq!(d.protocol_error_log()[0].command, PAY_1_00);
        // The first payment's conversation goes on; the second never started.
        assert_eq!(&feed(&mut d, &faults, &ACK)[..2], [0x04, 0x0F]);
        feed(&mut d, &faults, &ACK);
        feed(&mut d, &faults, &ACK);
        assert_eq!(d.transactions().len(), 1);
        assert!(!d.is_master());
    }

    #[test]
    fn a_silent_ecr_or_a_new_line_ends_the_conversation() {
        let faults = Faults::default();
        let mut d = ZvtDevice::tcp().with_ack_timeout(Duration::from_millis(300));
        let mut out = Reactions::default();
        d.receive(&PAY_1_00, &faults, &mut out);
        assert!(timers_of(&out).contains(&&emulator_kit::Reaction::Timer {
            id: ACK_TIMER,
            after: Duration::from_millis(300)
        }));
        assert!(fire(&mut d, &faults, ACK_TIMER).is_empty());
        assert!(!d.is_master());
        assert_eq!(d.transactions().len(), 1, "what was booked stays booked");
        assert_eq!(&feed(&mut d, &faults, &PAY_1_00)[..3], ACK);
        d.reset_line();
        assert!(!d.is_master());
        assert_eq!(&feed(&mut d, &faults, &PAY_1_00)[..3], ACK);
        assert_eq!(d.protocol_errors(), 0);
    }

    #[test]
    fn serial_abort_and_protocol_error_keep_one_frame_in_flight() {
        let faults = Faults::default();
        let frame = |apdu: &[u8]| wire::frame(apdu, false);
        let mut d = ZvtDevice::serial().with_authorisation_delay(Duration::from_secs(2));
        let mut first = vec![wire::ACK];
        first.extend(frame(&[0x80, 0, 0]));
        assert_eq!(feed(&mut d, &faults, &frame(&PAY_1_00)), first);
        let status = frame(&[0x04, 0xFF, 0x01, 0x0A]);
        assert_eq!(feed(&mut d, &faults, &[wire::ACK]), status);
        // Our frame not ACKed, a command comes: refused first, then the frame again.
        let mut busy = vec![wire::ACK];
        busy.extend(frame(&[0x84, BUSY, 0]));
        assert_eq!(feed(&mut d, &faults, &frame(&PAY_1_00)), busy);
        assert_eq!(feed(&mut d, &faults, &[wire::ACK]), status);
        assert!(feed(&mut d, &faults, &[wire::ACK]).is_empty());
        let mut acked = vec![wire::ACK];
        assert_eq!(feed(&mut d, &faults, &frame(&ACK)), acked);
        // Waiting for the customer: the abort.
        acked.extend(frame(&[0x80, 0, 0]));
        assert_eq!(feed(&mut d, &faults, &frame(&ABORT)), acked);
        assert_eq!(
            feed(&mut d, &faults, &[wire::ACK]),
            frame(&[0x06, 0x1E, 0x01, ABORTED])
        );
        feed(&mut d, &faults, &[wire::ACK]);
        feed(&mut d, &faults, &frame(&ACK));
        assert!(!d.is_master());
        assert!(d.transactions().is_empty());
        assert_eq!(d.protocol_errors(), 1);
        assert!(d.aborts()[0].aborted);
    }

    #[test]
    fn no_reply_and_disconnect() {
        let (mut d, faults) = (ZvtDevice::tcp(), Faults::default());
        faults.inject(Fault::NoReply);
        assert!(feed(&mut d, &faults, &PAY_1_00).is_empty());
        faults.inject(Fault::DisconnectMidFrame);
        let mut out = Reactions::default();
        d.receive(&PAY_1_00, &faults, &mut out);
        assert_eq!(out.sent_bytes(), [0x80, 0x00, 0x00]);
        assert_eq!(out.as_slice().last(), Some(&emulator_kit::Reaction::Hangup));
    }
}
