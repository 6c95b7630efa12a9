//! The link layer: the ENQ/ACK/NAK handshake around every command.
//!
//! The vendor's exchange, as pyshtrih's `Protocol` also performs it:
//!
//! 1. The host sends ENQ. NAK means "ready for a command"; ACK means "I hold an answer (or am
//!    preparing one)", which the host reads and acknowledges before going on. An answer found
//!    this way before we sent anything is a stale one (a previous exchange was cut off): it is
//!    acknowledged and dropped.
//! 2. The host sends the frame; the device acknowledges it with ACK (NAK: resend).
//! 3. The device executes the command and sends its answer frame; the host ACKs a frame whose
//!    LRC is right, and NAKs a damaged one, then sends ENQ: the device answers ACK and repeats
//!    the answer.
//!
//! When something goes missing (no ACK for the frame, no answer), ENQ tells which side lost
//! it: NAK means the device never took the command, so resending it cannot execute it twice;
//! ACK means the device executed it and still holds the answer, which is then read. A device
//! keeps an answer until the host acknowledges it, so no command is repeated blindly.

use std::time::Duration;

use driver_kit::{Port, PortError};

use crate::frame::{self, ACK, ENQ, NAK, STX};

/// How long the device may take to answer ENQ or to acknowledge a frame. A register answers
/// these at once; one second leaves room for USB-serial adapters and TCP bridges.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_millis(1000);
/// The longest gap between two bytes of one answer frame: a device streams a frame without
/// pauses, so a longer gap means a frame cut short.
pub const BYTE_TIMEOUT: Duration = Duration::from_millis(1000);
/// ENQs sent before the device is declared silent (pyshtrih gives up after 3 checks of 10).
pub const ENQ_ATTEMPTS: u32 = 5;
/// How often one command frame is sent before giving up (NAK or no acknowledgement).
pub const SEND_ATTEMPTS: u32 = 5;
/// How often a damaged answer is asked for again (pyshtrih: MAX_ATTEMPTS = 10).
pub const READ_ATTEMPTS: u32 = 5;
/// Stale answers drained before a command; more means the device keeps talking by itself.
pub const STALE_ANSWERS: u32 = 3;
/// Stray bytes skipped while waiting for STX (a late ACK or NAK).
const STRAY_BYTES: u32 = 16;

/// Why an exchange failed after its retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// The device stayed silent at this step.
    NoReply(&'static str),
    /// The line dropped.
    Disconnected,
    /// Any other line failure.
    Io(String),
    /// The device kept answering damaged or unexpected bytes.
    Garbled(String),
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::NoReply(step) => write!(f, "no reply from the register ({step})"),
            LinkError::Disconnected => f.write_str("the line to the register dropped"),
            LinkError::Io(e) => write!(f, "line error: {e}"),
            LinkError::Garbled(e) => write!(f, "garbled exchange with the register: {e}"),
        }
    }
}

/// What the device says to ENQ.
enum Enquiry {
    /// NAK: no answer pending, ready for a command.
    Ready,
    /// ACK: an answer is pending (or being prepared) and follows.
    AnswerPending,
}

/// How reading an answer frame failed.
enum ReadError {
    Timeout,
    Damaged(String),
    Link(LinkError),
}

fn link_error(e: PortError) -> LinkError {
    match e {
        PortError::Timeout => LinkError::NoReply("read"),
        PortError::Disconnected => LinkError::Disconnected,
        PortError::Io(s) => LinkError::Io(s),
    }
}

/// Sends one command frame and returns the body (CMD..DATA) of the device's answer.
/// `answer_timeout` bounds how long the device may work on the command (printing a Z report
/// takes seconds).
pub fn transact<P: Port>(
    port: &mut P,
    frame: &[u8],
    answer_timeout: Duration,
) -> Result<Vec<u8>, LinkError> {
    let handshake = HANDSHAKE_TIMEOUT.min(answer_timeout);
    port.discard_input();
    ready(port, handshake, answer_timeout)?;

    let mut sends = 0;
    'send: loop {
        sends += 1;
        if sends > SEND_ATTEMPTS {
            return Err(LinkError::NoReply("the command was never acknowledged"));
        }
        port.write(frame).map_err(link_error)?;
        match port.read_byte(handshake) {
            Ok(ACK) => {}
            Ok(NAK) => continue 'send,
            Ok(_) | Err(PortError::Timeout) => {
                // A stray byte or silence: ask whether the device took the command.
                port.discard_input();
                match enquire(port, handshake)? {
                    Enquiry::Ready => continue 'send,
                    Enquiry::AnswerPending => {}
                }
            }
            Err(e) => return Err(link_error(e)),
        }

        // The device executed the command and holds its answer until we acknowledge it.
        let mut damage = String::from("no answer");
        for _ in 0..READ_ATTEMPTS {
            match read_frame(port, answer_timeout) {
                Ok(body) => {
                    port.write(&[ACK]).map_err(link_error)?;
                    return Ok(body);
                }
                Err(ReadError::Link(e)) => return Err(e),
                Err(ReadError::Damaged(what)) => {
                    damage = what;
                    port.discard_input();
                    port.write(&[NAK]).map_err(link_error)?;
                }
                Err(ReadError::Timeout) => damage = "no answer in time".into(),
            }
            // Ask for the answer again; NAK means the device no longer holds one (it was
            // restarted), so the command was not kept and is sent again.
            match enquire(port, handshake)? {
                Enquiry::AnswerPending => {}
                Enquiry::Ready => continue 'send,
            }
        }
        return Err(LinkError::Garbled(format!(
            "no good answer after {READ_ATTEMPTS} attempts, the last: {damage}"
        )));
    }
}

/// ENQ until the device is ready, draining answers left over from an interrupted exchange.
fn ready<P: Port>(port: &mut P, handshake: Duration, answer: Duration) -> Result<(), LinkError> {
    for _ in 0..=STALE_ANSWERS {
        match enquire(port, handshake)? {
            Enquiry::Ready => return Ok(()),
            Enquiry::AnswerPending => {
                // Whatever it is, it answers a command of an earlier exchange: acknowledge it
                // so the device drops it, and look again.
                match read_frame(port, answer) {
                    Err(ReadError::Link(e)) => return Err(e),
                    Ok(_) | Err(ReadError::Damaged(_)) | Err(ReadError::Timeout) => {
                        port.discard_input();
                        port.write(&[ACK]).map_err(link_error)?;
                    }
                }
            }
        }
    }
    Err(LinkError::Garbled(
        "the register keeps announcing answers nobody asked for".into(),
    ))
}

/// Sends ENQ until the device answers ACK or NAK.
fn enquire<P: Port>(port: &mut P, handshake: Duration) -> Result<Enquiry, LinkError> {
    for _ in 0..ENQ_ATTEMPTS {
        port.write(&[ENQ]).map_err(link_error)?;
        match port.read_byte(handshake) {
            Ok(NAK) => return Ok(Enquiry::Ready),
            Ok(ACK) => return Ok(Enquiry::AnswerPending),
            // Anything else is the tail of something we do not want: drop it, ask again.
            Ok(_) => port.discard_input(),
            Err(PortError::Timeout) => {}
            Err(e) => return Err(link_error(e)),
        }
    }
    Err(LinkError::NoReply("ENQ was not answered"))
}

/// Reads one answer frame and returns its checked body.
fn read_frame<P: Port>(port: &mut P, first_byte: Duration) -> Result<Vec<u8>, ReadError> {
    let fail = |e: PortError| match e {
        PortError::Timeout => ReadError::Timeout,
        other => ReadError::Link(link_error(other)),
    };
    let mut stray = 0;
    loop {
        match port.read_byte(first_byte).map_err(fail)? {
            STX => break,
            _ => {
                stray += 1;
                if stray > STRAY_BYTES {
                    return Err(ReadError::Damaged("no STX".into()));
                }
            }
        }
    }
    // Once STX arrived the rest must follow promptly; a gap is a frame cut short.
    let cut_short = |e: PortError| match e {
        PortError::Timeout => ReadError::Damaged("frame cut short".into()),
        other => ReadError::Link(link_error(other)),
    };
    let len = port.read_byte(BYTE_TIMEOUT).map_err(cut_short)?;
    let rest = port
        .read_exact(len as usize + 1, BYTE_TIMEOUT)
        .map_err(cut_short)?;
    let mut whole = Vec::with_capacity(len as usize + 3);
    whole.push(STX);
    whole.push(len);
    whole.extend_from_slice(&rest);
    frame::check(&whole)
        .map(<[u8]>::to_vec)
        .map_err(|e| ReadError::Damaged(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Code, encode};
    use std::collections::VecDeque;

    /// A scripted device: for each write, the bytes it answers (possibly none).
    struct Script {
        replies: VecDeque<(Vec<u8>, Vec<u8>)>,
        inbox: VecDeque<u8>,
        written: Vec<u8>,
    }

    impl Script {
        fn new(steps: &[(&[u8], &[u8])]) -> Self {
            Self {
                replies: steps
                    .iter()
                    .map(|(w, r)| (w.to_vec(), r.to_vec()))
                    .collect(),
                inbox: VecDeque::new(),
                written: Vec::new(),
            }
        }
    }

    impl Port for Script {
        fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
            self.written.extend_from_slice(bytes);
            let (expected, reply) = self.replies.pop_front().expect("an unexpected write");
            assert_eq!(bytes, expected.as_slice(), "the host wrote something else");
            self.inbox.extend(reply);
            Ok(())
        }
        fn read(&mut self, max: usize, _: Duration) -> Result<Vec<u8>, PortError> {
            if self.inbox.is_empty() {
                return Err(PortError::Timeout);
            }
            let n = max.min(self.inbox.len());
            Ok(self.inbox.drain(..n).collect())
        }
        fn discard_input(&mut self) {
            self.inbox.clear();
        }
    }

    fn answer(body: &[u8]) -> Vec<u8> {
        let mut f = vec![STX, body.len() as u8];
        f.extend_from_slice(body);
        f.push(frame::lrc(&f[1..]));
        f
    }

    const T: Duration = Duration::from_millis(10);

    #[test]
    fn a_clean_exchange() {
        let cmd = encode(Code(0x10), &30u32.to_le_bytes()).unwrap();
        let mut ack_and_answer = vec![ACK];
        ack_and_answer.extend(answer(&[0x10, 0x00, 0x1E]));
        let mut port = Script::new(&[(&[ENQ], &[NAK]), (&cmd, &ack_and_answer), (&[ACK], &[])]);
        assert_eq!(transact(&mut port, &cmd, T).unwrap(), [0x10, 0x00, 0x1E]);
        assert!(port.replies.is_empty());
    }

    #[test]
    fn a_stale_answer_is_acknowledged_and_dropped() {
        let cmd = encode(Code(0x10), &30u32.to_le_bytes()).unwrap();
        let mut stale = vec![ACK];
        stale.extend(answer(&[0x17, 0x00, 0x1E]));
        let mut ack_and_answer = vec![ACK];
        ack_and_answer.extend(answer(&[0x10, 0x00, 0x1E]));
        let mut port = Script::new(&[
            (&[ENQ], &stale),
            (&[ACK], &[]),
            (&[ENQ], &[NAK]),
            (&cmd, &ack_and_answer),
            (&[ACK], &[]),
        ]);
        assert_eq!(transact(&mut port, &cmd, T).unwrap(), [0x10, 0x00, 0x1E]);
    }

    #[test]
    fn a_damaged_answer_is_nakked_and_read_again() {
        let cmd = encode(Code(0x10), &30u32.to_le_bytes()).unwrap();
        let good = answer(&[0x10, 0x00, 0x1E]);
        let mut bad = good.clone();
        *bad.last_mut().unwrap() ^= 0x55;
        let mut first = vec![ACK];
        first.extend(bad);
        let mut again = vec![ACK];
        again.extend(good);
        let mut port = Script::new(&[
            (&[ENQ], &[NAK]),
            (&cmd, &first),
            (&[NAK], &[]),
            (&[ENQ], &again),
            (&[ACK], &[]),
        ]);
        assert_eq!(transact(&mut port, &cmd, T).unwrap(), [0x10, 0x00, 0x1E]);
    }

    #[test]
    fn a_lost_frame_is_sent_again_after_enq_says_ready() {
        let cmd = encode(Code(0x10), &30u32.to_le_bytes()).unwrap();
        let mut ack_and_answer = vec![ACK];
        ack_and_answer.extend(answer(&[0x10, 0x00, 0x1E]));
        let mut port = Script::new(&[
            (&[ENQ], &[NAK]),
            (&cmd, &[]),
            (&[ENQ], &[NAK]),
            (&cmd, &ack_and_answer),
            (&[ACK], &[]),
        ]);
        assert_eq!(transact(&mut port, &cmd, T).unwrap(), [0x10, 0x00, 0x1E]);
    }

    #[test]
    fn a_silent_device_is_reported_after_the_enq_retries() {
        let cmd = encode(Code(0x10), &30u32.to_le_bytes()).unwrap();
        let steps: Vec<(&[u8], &[u8])> = (0..ENQ_ATTEMPTS).map(|_| (&[ENQ][..], &[][..])).collect();
        let mut port = Script::new(&steps);
        assert_eq!(
            transact(&mut port, &cmd, T),
            Err(LinkError::NoReply("ENQ was not answered"))
        );
    }
}
