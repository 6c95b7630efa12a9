//! One command's conversation: the ECR sends the command, the terminal acknowledges it with
//! `80 00 00` (or refuses it with `84 xx`), then sends intermediate statuses (`04 FF`), status
//! information (`04 0F`), perhaps print lines, and ends with a completion (`06 0F`) or an abort
//! (`06 1E`). The ECR acknowledges each of those with `80 00 00`.
//!
//! From its `80 00 00` until its last message the terminal is master, and the ECR may send
//! nothing but acknowledgements and Abort `06 B0`. A conversation the driver gives up in that
//! time (no next message within `timeout-ms`, or more messages than any conversation has) is
//! therefore not just left: the terminal might still approve the card after the host was told
//! the outcome is unknown, and would take the next command as a protocol error. The driver
//! sends Abort `06 B0 00` once and follows the terminal for a grace: each wait at most
//! [`grace`] (the timeout, at most [`MAX_GRACE`]), at most [`GRACE_MESSAGES`] messages. A
//! terminal that takes the abort answers `80 00 00` and ends with `06 1E 6C` ("abort via
//! timeout or abort key"): nothing was charged. One that cannot abort any more refuses it with
//! `84 xx` or just goes on, and ends as it would have, perhaps approved. Either end is the
//! conversation's end. If none comes within the grace, the driver reports the original error
//! and the host settles the outcome later by asking the terminal, never by paying again. A
//! dropped line carries no abort: its error is reported at once. The grace is counted in waits,
//! not by a clock: the driver, inside its sandbox, has none.
//!
//! Sources for the abort: the Python ZVT library ecrterm (`AbortCommand`, 06 B0: "sent by ECR to
//! abort a running transaction in the PT, allowed without master rights, but only for some
//! commands"; its error list has 6C "abort via time-out or abort-key"), and the C# library
//! Portalum.Zvt (`AbortAsync` sends `06 B0 00` and takes the terminal's `80 00 00` as its
//! answer).

use std::time::Duration;

use driver_kit::Port;

use crate::apdu::Apdu;
use crate::bmp::Fields;
use crate::codes;
use crate::commands;
use crate::error::Error;
use crate::link::{Link, Missed};
use crate::log;

/// How a conversation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// `06 0F` with its data.
    Completed(Vec<u8>),
    /// `06 1E` with its result code (the first data byte).
    Aborted(u8),
}

/// What the terminal said after accepting a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Each status information (`04 0F`) in order.
    pub statuses: Vec<Fields>,
    pub end: End,
    /// Why the driver sent an abort before this end came; none when the conversation ran its
    /// own course.
    pub abandoned: Option<Error>,
}

impl Conversation {
    /// The status informations merged, later values over earlier ones.
    pub fn status(&self) -> Option<Fields> {
        let mut it = self.statuses.iter();
        let mut merged = it.next()?.clone();
        for f in it {
            merged.merge(f);
        }
        Some(merged)
    }
}

/// More messages than any real conversation has: the terminal is looping.
const MAX_MESSAGES: usize = 256;

/// The longest wait for each message after an abort.
pub const MAX_GRACE: Duration = Duration::from_secs(5);

/// The most messages the driver follows after an abort: the abort's answer, a status
/// information, an end, and room for print lines and intermediate statuses.
pub const GRACE_MESSAGES: usize = 16;

/// The wait for each message after an abort: the timeout, at most [`MAX_GRACE`].
pub fn grace(timeout: Duration) -> Duration {
    timeout.min(MAX_GRACE)
}

/// How following a conversation stopped short of its end.
enum Cut {
    /// No next message in time, or too many: the terminal is still master, and an abort may
    /// reach it.
    Abandoned(Error),
    /// The line failed: nothing more can be said on it.
    Failed(Error),
}

/// Sends `command` and follows the conversation to its end.
pub fn converse<P: Port>(link: &mut Link<'_, P>, command: &Apdu) -> Result<Conversation, Error> {
    link.send(command)?;
    let answer = link.receive()?;
    match (answer.class, answer.instr) {
        (0x80, 0x00) => {}
        (0x84, code) => {
            return Err(Error::new(
                codes::class_of(code),
                code.into(),
                format!(
                    "the terminal refused command {:02X} {:02X}: {}",
                    command.class,
                    command.instr,
                    codes::result_text(code)
                ),
            ));
        }
        (class, instr) => {
            return Err(Error::communication(format!(
                "the terminal answered {class:02X} {instr:02X} instead of acknowledging the command"
            )));
        }
    }

    let mut statuses = Vec::new();
    match follow(link, &mut statuses) {
        Ok(end) => Ok(Conversation {
            statuses,
            end,
            abandoned: None,
        }),
        Err(Cut::Failed(e)) => Err(e),
        Err(Cut::Abandoned(cause)) => abandon(link, command, statuses, cause),
    }
}

/// Receives and acknowledges the terminal's messages until it ends the conversation.
fn follow<P: Port>(link: &mut Link<'_, P>, statuses: &mut Vec<Fields>) -> Result<End, Cut> {
    for _ in 0..MAX_MESSAGES {
        let message = link.receive().map_err(|missed| match missed {
            Missed::Timeout(e) => Cut::Abandoned(e),
            Missed::Failed(e) => Cut::Failed(e),
        })?;
        if let Some(end) = take(link, message, statuses).map_err(Cut::Failed)? {
            return Ok(end);
        }
    }
    Err(Cut::Abandoned(Error::communication(
        "the terminal never ended the conversation",
    )))
}

/// Acknowledges one message of the terminal and takes what it says: the conversation's end
/// when it is one.
fn take<P: Port>(
    link: &mut Link<'_, P>,
    message: Apdu,
    statuses: &mut Vec<Fields>,
) -> Result<Option<End>, Error> {
    link.send(&Apdu::ack())?;
    match (message.class, message.instr) {
        (0x04, 0xFF) => {
            let status = message.data.first().copied().unwrap_or(0);
            log::info(format!(
                "terminal: {} ({status:02X})",
                codes::intermediate_text(status)
            ));
        }
        (0x04, 0x0F) => {
            let fields = Fields::parse(&message.data);
            if let Some(problem) = &fields.problem {
                log::warn(format!("status information read in part: {problem}"));
            }
            statuses.push(fields);
        }
        (0x06, 0x0F) => return Ok(Some(End::Completed(message.data))),
        (0x06, 0x1E) => {
            let code = message.data.first().copied().unwrap_or(0xFF);
            log::info(format!(
                "terminal aborted: {} ({code:02X})",
                codes::result_text(code)
            ));
            return Ok(Some(End::Aborted(code)));
        }
        (class, instr) => log::debug(format!(
            "acknowledged {class:02X} {instr:02X} from the terminal"
        )),
    }
    Ok(None)
}

/// Gives up a conversation the terminal still leads: sends the abort, once, and follows the
/// terminal for the grace. The conversation's end if one comes; `cause` otherwise.
fn abandon<P: Port>(
    link: &mut Link<'_, P>,
    command: &Apdu,
    mut statuses: Vec<Fields>,
    cause: Error,
) -> Result<Conversation, Error> {
    log::warn(format!(
        "giving up command {:02X} {:02X} ({cause}): sending abort 06 B0",
        command.class, command.instr
    ));
    let timeout = link.timeout();
    link.set_timeout(grace(timeout));
    let settled = abort_and_follow(link, &mut statuses);
    link.set_timeout(timeout);
    match settled {
        Ok(end) => Ok(Conversation {
            statuses,
            end,
            abandoned: Some(cause),
        }),
        Err(why) => {
            log::warn(format!("the abort settled nothing: {why}"));
            Err(Error {
                message: format!(
                    "{}; abort 06 B0 sent, and the terminal did not end the conversation ({})",
                    cause.message, why.message
                ),
                ..cause
            })
        }
    }
}

/// Sends the abort and follows the terminal's messages to the conversation's end.
fn abort_and_follow<P: Port>(
    link: &mut Link<'_, P>,
    statuses: &mut Vec<Fields>,
) -> Result<End, Error> {
    link.send(&commands::abort())?;
    for _ in 0..GRACE_MESSAGES {
        let message = link.receive()?;
        match (message.class, message.instr) {
            // Answers to the abort itself, not messages of the conversation: not acknowledged.
            (0x80, _) => log::info("the terminal took the abort"),
            (0x84, code) => log::info(format!(
                "the terminal refused the abort: {} ({code:02X}); following it to its end",
                codes::result_text(code)
            )),
            _ => {
                if let Some(end) = take(link, message, statuses)? {
                    return Ok(end);
                }
            }
        }
    }
    Err(Error::communication(format!(
        "{GRACE_MESSAGES} more messages and no end"
    )))
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use driver_kit::PortError;

    use super::*;
    use crate::link::Framing;

    /// A terminal that answers each write from a script: the bytes a write starting with a
    /// given prefix is answered with, once each, in order. Anything else is unanswered; a read
    /// with nothing to read times out at once.
    #[derive(Default)]
    struct Script {
        answers: VecDeque<(Vec<u8>, Vec<u8>)>,
        unread: VecDeque<u8>,
        written: Vec<Vec<u8>>,
        /// Reads fail with this once the script and the line are empty.
        then: Option<PortError>,
    }

    impl Script {
        fn on(mut self, prefix: &[u8], answer: &[u8]) -> Self {
            self.answers.push_back((prefix.to_vec(), answer.to_vec()));
            self
        }

        fn aborts_sent(&self) -> usize {
            self.written
                .iter()
                .filter(|w| w.starts_with(&[0x06, 0xB0]))
                .count()
        }
    }

    impl Port for Script {
        fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
            self.written.push(bytes.to_vec());
            if self
                .answers
                .front()
                .is_some_and(|(prefix, _)| bytes.starts_with(prefix))
            {
                let (_, answer) = self.answers.pop_front().expect("an answer");
                self.unread.extend(answer);
            }
            Ok(())
        }

        fn read(&mut self, max: usize, _: Duration) -> Result<Vec<u8>, PortError> {
            if self.unread.is_empty() {
                return Err(self.then.clone().unwrap_or(PortError::Timeout));
            }
            let n = max.min(self.unread.len());
            Ok(self.unread.drain(..n).collect())
        }

        fn discard_input(&mut self) {
            self.unread.clear();
        }
    }

    const PAY: [u8; 3] = [0x06, 0x01, 0x0A];
    const ACK: [u8; 3] = [0x80, 0x00, 0x00];
    const ABORT: [u8; 3] = [0x06, 0xB0, 0x00];
    const INSERT_CARD: [u8; 4] = [0x04, 0xFF, 0x01, 0x0A];

    fn pay_command() -> Apdu {
        commands::authorization(100, 643).unwrap()
    }

    fn run(script: &mut Script) -> Result<Conversation, Error> {
        let mut link = Link::new(script, Framing::Tcp, Duration::from_millis(200));
        converse(&mut link, &pay_command())
    }

    #[test]
    fn a_timeout_after_acceptance_sends_one_abort_and_takes_the_abort() {
        let mut script = Script::default()
            .on(&PAY, &[0x80, 0x00, 0x00, 0x04, 0xFF, 0x01, 0x0A])
            .on(&ACK, &[])
            .on(&ABORT, &[0x80, 0x00, 0x00, 0x06, 0x1E, 0x01, 0x6C]);
        let conversation = run(&mut script).unwrap();
        assert_eq!(conversation.end, End::Aborted(0x6C));
        assert!(conversation.abandoned.is_some());
        assert_eq!(script.aborts_sent(), 1);
        // The abort's own 80 00 00 is not acknowledged; the 04 FF and the 06 1E are.
        let acks = script.written.iter().filter(|w| w[..] == ACK).count();
        assert_eq!(acks, 2);
    }

    #[test]
    fn a_terminal_too_late_to_abort_reports_its_approval() {
        let status = [0x04, 0x0F, 0x02, 0x27, 0x00];
        let mut script = Script::default()
            .on(&PAY, &[0x80, 0x00, 0x00, 0x04, 0xFF, 0x01, 0x0A])
            .on(&ACK, &[])
            .on(&ABORT, &[0x84, 0x83, 0x00, 0x04, 0x0F, 0x02, 0x27, 0x00])
            .on(&ACK, &[0x06, 0x0F, 0x00]);
        let conversation = run(&mut script).unwrap();
        assert_eq!(conversation.end, End::Completed(Vec::new()));
        assert_eq!(conversation.statuses, [Fields::parse(&status[3..])]);
        assert_eq!(script.aborts_sent(), 1);
    }

    #[test]
    fn no_end_within_the_grace_is_the_original_error() {
        let mut script = Script::default()
            .on(&PAY, &[0x80, 0x00, 0x00])
            .on(&ABORT, &[0x80, 0x00, 0x00]);
        let e = run(&mut script).unwrap_err();
        assert_eq!(e.class, crate::error::ErrorClass::Communication);
        assert!(e.message.contains("abort 06 B0 sent"), "{e}");
        assert_eq!(script.aborts_sent(), 1);
    }

    #[test]
    fn a_looping_terminal_is_aborted_once() {
        let mut looping: Vec<u8> = Vec::new();
        for _ in 0..MAX_MESSAGES + GRACE_MESSAGES + 1 {
            looping.extend(INSERT_CARD);
        }
        let mut answer = ACK.to_vec();
        answer.extend(looping);
        let mut script = Script::default().on(&PAY, &answer);
        let e = run(&mut script).unwrap_err();
        assert!(e.message.contains("never ended"), "{e}");
        assert_eq!(script.aborts_sent(), 1);
    }

    #[test]
    fn no_abort_before_acceptance_or_on_a_dropped_line() {
        // No 80 00 00: the terminal never became master.
        let mut silent = Script::default();
        assert!(run(&mut silent).is_err());
        assert_eq!(silent.aborts_sent(), 0);
        // Accepted, then the line drops: an abort cannot travel.
        let mut dropped = Script {
            then: Some(PortError::Disconnected),
            ..Script::default()
        }
        .on(&PAY, &[0x80, 0x00, 0x00, 0x04, 0xFF, 0x01, 0x0A]);
        let e = run(&mut dropped).unwrap_err();
        assert!(e.message.contains("disconnected"), "{e}");
        assert_eq!(dropped.aborts_sent(), 0);
    }

    #[test]
    fn the_grace_is_the_timeout_at_most_five_seconds() {
        assert_eq!(
            grace(Duration::from_millis(200)),
            Duration::from_millis(200)
        );
        assert_eq!(grace(Duration::from_secs(50)), MAX_GRACE);
    }
}
