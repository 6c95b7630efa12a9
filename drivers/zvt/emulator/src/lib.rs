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
//! Declines: [`ZvtDevice::decline_next`], and every payment whose amount ends in
//! [`DECLINE_KOPECKS`] kopecks. See `drivers/zvt/README.md` for all rules and codes.
//!
//! Faults: `Nak` and `CorruptChecksum` act on serial frames only; `NoReply` swallows the next
//! complete command (or frame); `DisconnectMidFrame` sends half of the next reply and hangs up;
//! `SlowReply` is the pump's.

mod terminal;
pub mod wire;

use std::collections::VecDeque;

use emulator_kit::{Device, Emulator, Fault, Faults, Reactions};

use terminal::Terminal;
pub use terminal::{
    ALREADY_REVERSED, AMOUNT_WRONG, DECLINE_KOPECKS, DECLINED, Kind, NOT_POSSIBLE, PROTOCOL_ERROR,
    REVERSAL_NOT_POSSIBLE, SOFTWARE_VERSION, Stamp, Transaction, WRONG_CURRENCY,
};

/// How APDUs travel on the emulator's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Tcp,
    Serial,
}

/// What the terminal waits for before it sends its next message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Waiting {
    Nothing,
    /// The ECR's ACK of a serial frame (kept to send again on NAK).
    FrameAck {
        frame: Vec<u8>,
        apdu: Vec<u8>,
        sent: usize,
    },
    /// The ECR's `80 00 00` for a message.
    MessageAck,
}

/// The emulated terminal: business state plus the line's state.
#[derive(Debug)]
pub struct ZvtDevice {
    framing: Framing,
    terminal: Terminal,
    input: Vec<u8>,
    queue: VecDeque<Vec<u8>>,
    waiting: Waiting,
    /// Bytes of the reply being built for the bytes just received.
    reply: Vec<u8>,
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

impl ZvtDevice {
    fn new(framing: Framing) -> Self {
        Self {
            framing,
            terminal: Terminal::default(),
            input: Vec::new(),
            queue: VecDeque::new(),
            waiting: Waiting::Nothing,
            reply: Vec::new(),
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

    /// Queues the terminal's messages for a command and starts sending them.
    fn answer(&mut self, command: &[u8], faults: &Faults) {
        self.queue = self.terminal.handle(command).into();
        self.waiting = Waiting::Nothing;
        self.pump(faults);
    }

    /// Sends queued messages until one needs the ECR's acknowledgement.
    fn pump(&mut self, faults: &Faults) {
        while self.waiting == Waiting::Nothing {
            let Some(apdu) = self.queue.pop_front() else {
                return;
            };
            let needs_ack = !matches!(apdu.first(), Some(0x80 | 0x84));
            match self.framing {
                Framing::Tcp => {
                    self.reply.extend_from_slice(&apdu);
                    if needs_ack {
                        self.waiting = Waiting::MessageAck;
                    }
                }
                Framing::Serial => {
                    let frame = wire::frame(&apdu, false);
                    if faults.take(Fault::CorruptChecksum) {
                        self.reply.extend(wire::frame(&apdu, true));
                    } else {
                        self.reply.extend_from_slice(&frame);
                    }
                    self.waiting = Waiting::FrameAck {
                        frame,
                        apdu,
                        sent: 1,
                    };
                }
            }
        }
    }

    /// A whole APDU from the ECR.
    fn on_apdu(&mut self, apdu: Vec<u8>, faults: &Faults) {
        let is_ack = apdu.first() == Some(&0x80);
        match (&self.waiting, is_ack) {
            (Waiting::MessageAck, true) => {
                self.waiting = Waiting::Nothing;
                self.pump(faults);
            }
            // A stray acknowledgement (of an abandoned conversation): nothing to do.
            (_, true) => {}
            // A command: whatever the terminal was still saying is abandoned.
            (_, false) => self.answer(&apdu, faults),
        }
    }

    /// The ECR's ACK (true) or NAK of the frame last sent.
    fn on_frame_ack(&mut self, positive: bool, faults: &Faults) {
        let Waiting::FrameAck { frame, apdu, sent } =
            std::mem::replace(&mut self.waiting, Waiting::Nothing)
        else {
            return;
        };
        if positive {
            if !matches!(apdu.first(), Some(0x80 | 0x84)) {
                self.waiting = Waiting::MessageAck;
            }
            self.pump(faults);
        } else if sent < TRANSMISSIONS {
            self.reply.extend_from_slice(&frame);
            self.waiting = Waiting::FrameAck {
                frame,
                apdu,
                sent: sent + 1,
            };
        } else {
            // Three NAKs: the terminal gives the conversation up.
            self.queue.clear();
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
}

impl Device for ZvtDevice {
    fn receive(&mut self, bytes: &[u8], faults: &Faults, out: &mut Reactions) {
        self.input.extend_from_slice(bytes);
        match self.framing {
            Framing::Tcp => self.receive_tcp(faults),
            Framing::Serial => self.receive_serial(faults),
        }
        let reply = std::mem::take(&mut self.reply);
        if reply.is_empty() {
            return;
        }
        if faults.take(Fault::DisconnectMidFrame) {
            out.send(reply[..reply.len() / 2].to_vec());
            out.hangup();
        } else {
            out.send(reply);
        }
    }

    fn reset_line(&mut self) {
        self.input.clear();
        self.queue.clear();
        self.waiting = Waiting::Nothing;
        self.reply.clear();
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
