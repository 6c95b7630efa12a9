//! One command's conversation: the ECR sends the command, the terminal acknowledges it with
//! `80 00 00` (or refuses it with `84 xx`), then sends intermediate statuses (`04 FF`), status
//! information (`04 0F`), perhaps print lines, and ends with a completion (`06 0F`) or an abort
//! (`06 1E`). The ECR acknowledges each of those with `80 00 00`.

use driver_kit::Port;

use crate::apdu::Apdu;
use crate::bmp::Fields;
use crate::codes;
use crate::error::Error;
use crate::link::Link;
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
    for _ in 0..MAX_MESSAGES {
        let message = link.receive()?;
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
            (0x06, 0x0F) => {
                return Ok(Conversation {
                    statuses,
                    end: End::Completed(message.data),
                });
            }
            (0x06, 0x1E) => {
                let code = message.data.first().copied().unwrap_or(0xFF);
                log::info(format!(
                    "terminal aborted: {} ({code:02X})",
                    codes::result_text(code)
                ));
                return Ok(Conversation {
                    statuses,
                    end: End::Aborted(code),
                });
            }
            (class, instr) => log::debug(format!(
                "acknowledged {class:02X} {instr:02X} from the terminal"
            )),
        }
    }
    Err(Error::communication(
        "the terminal never ended the conversation",
    ))
}
