//! One exchange on the line: a request packet out, its answer in. The register answers every
//! packet with one packet of the same id ("ID пакета в ответе на команду всегда совпадает с ID
//! пакета команды", `documentation_pirit_fm.md`, "Формат протокола передачи команд"), so an
//! answer of another id is a late answer to an earlier request whose answer was given up on:
//! it is skipped, never taken for this one. ENQ → ACK is the link check ("Проверка связи с
//! ККТ").
//!
//! Retries: a query (status, counters, the fiscal drive's state) that got no answer or a
//! garbled one is sent again once under a new id; a command that changes the register
//! (anything fiscal, anything printed) is never resent — its outcome is the fiscal drive's to
//! tell (`last-fiscal-document`).
//!
//! Timeouts count per read, never against a clock: the host gives a plugin no running clock
//! (its WASI clocks stand still), so every wait is the line's own read timeout, and the bytes
//! one answer may take are bounded instead.

use std::time::Duration;

use driver_kit::{Port, PortError};
use fiscal_host_guest::log;

use crate::frame::{self, ACK, Answer, ENQ, FIRST_ID, FrameError, LAST_ID, Request, STX};

/// Whether a request may be sent again when its answer is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// A query: asking again changes nothing.
    Safe,
    /// A command with effects: never twice.
    Never,
}

/// Why an exchange failed on the line, before the register's error code was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    Port(PortError),
    Frame(FrameError),
    /// An answer of our id to another command.
    WrongCommand {
        sent: u8,
        got: u8,
    },
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Port(e) => e.fmt(f),
            LinkError::Frame(e) => e.fmt(f),
            LinkError::WrongCommand { sent, got } => {
                write!(f, "answer to command {got:02X}h for command {sent:02X}h")
            }
        }
    }
}

impl From<PortError> for LinkError {
    fn from(e: PortError) -> Self {
        LinkError::Port(e)
    }
}

/// The link's state: the password and the next packet id.
#[derive(Debug, Clone)]
pub struct Link {
    pub password: [u8; 4],
    next_id: u8,
}

impl Link {
    pub fn new(password: [u8; 4]) -> Self {
        Self {
            password,
            next_id: FIRST_ID,
        }
    }

    fn take_id(&mut self) -> u8 {
        let id = self.next_id;
        self.next_id = if id >= LAST_ID { FIRST_ID } else { id + 1 };
        id
    }

    /// ENQ, expecting ACK within `timeout`; bytes of a late answer before it are skipped.
    pub fn ping(&mut self, port: &mut impl Port, timeout: Duration) -> Result<bool, PortError> {
        port.discard_input();
        port.write(&[ENQ])?;
        for _ in 0..MAX_PACKET {
            match port.read(1, timeout) {
                Ok(b) if b[0] == ACK => return Ok(true),
                Ok(_) => continue,
                Err(PortError::Timeout) => return Ok(false),
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    }

    /// Sends `request` and waits up to `timeout` for its answer; a `Safe` request is sent
    /// once more after a lost or garbled answer.
    pub fn transact(
        &mut self,
        port: &mut impl Port,
        request: &Request,
        timeout: Duration,
        resend: Resend,
    ) -> Result<Answer, LinkError> {
        match self.once(port, request, timeout) {
            Err(e @ (LinkError::Port(PortError::Timeout) | LinkError::Frame(_)))
                if resend == Resend::Safe =>
            {
                log::warn(format!(
                    "query {:02X}h: {e}; asking once more",
                    request.command
                ));
                self.once(port, request, timeout)
            }
            other => other,
        }
    }

    fn once(
        &mut self,
        port: &mut impl Port,
        request: &Request,
        timeout: Duration,
    ) -> Result<Answer, LinkError> {
        let id = self.take_id();
        // Whatever is unread now answers nothing we still wait for.
        port.discard_input();
        log::trace(format!("-> {:02X}h id {id:02X}h", request.command));
        port.write(&request.encode(&self.password, id))?;
        loop {
            let packet = read_packet(port, timeout)?;
            let answer = Answer::decode(&packet).map_err(LinkError::Frame)?;
            if answer.id != id {
                log::debug(format!(
                    "skipped a late answer (id {:02X}h, command {:02X}h)",
                    answer.id, answer.command
                ));
                continue;
            }
            log::trace(format!(
                "<- {:02X}h id {id:02X}h error {:02X}h, {} fields",
                answer.command,
                answer.error,
                answer.fields.len()
            ));
            if answer.command != request.command {
                return Err(LinkError::WrongCommand {
                    sent: request.command,
                    got: answer.command,
                });
            }
            return Ok(answer);
        }
    }
}

/// The most bytes the driver reads for one answer: far beyond any answer the register gives
/// (its longest, a TLV block, is a few kilobytes), so a line that only babbles ends in an error.
const MAX_PACKET: usize = 64 * 1024;

/// Reads one packet, STX through CRC, each chunk within `timeout`; bytes before STX are noise
/// and dropped.
fn read_packet(port: &mut impl Port, timeout: Duration) -> Result<Vec<u8>, PortError> {
    let mut buf: Vec<u8> = Vec::new();
    let mut read = 0usize;
    loop {
        if let Some(start) = buf.iter().position(|&b| b == STX) {
            if start > 0 {
                buf.drain(..start);
            }
            if let Some(end) = frame::packet_end(&buf) {
                buf.truncate(end);
                return Ok(buf);
            }
        } else {
            buf.clear();
        }
        if read > MAX_PACKET {
            return Err(PortError::Io(format!(
                "no complete answer packet in {read} bytes"
            )));
        }
        let chunk = port.read(256, timeout)?;
        read += chunk.len();
        buf.extend(chunk);
    }
}
