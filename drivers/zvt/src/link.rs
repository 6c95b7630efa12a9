//! The line to the terminal, one APDU at a time, in either framing: plain APDUs back to back
//! (TCP/IP, where the socket keeps them intact) or serial frames with CRC and ACK/NAK.

use std::collections::VecDeque;
use std::time::Duration;

use driver_kit::{Port, PortError};

use crate::apdu::{self, Apdu};
use crate::error::Error;
use crate::log;
use crate::serial::{self, Received};

/// How APDUs travel on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Plain APDUs (ZVT over TCP/IP, port 20007 by convention).
    Tcp,
    /// `DLE STX … DLE ETX CRC` frames, each answered with ACK or NAK (ZVT over RS-232).
    Serial,
}

/// Why no message came from the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missed {
    /// The wait ran out. The line is still there, so the ECR can still speak on it (an abort).
    Timeout(Error),
    /// Anything else: a dropped line, a malformed message, garbled frames, a failed write.
    Failed(Error),
}

impl From<Missed> for Error {
    fn from(missed: Missed) -> Self {
        match missed {
            Missed::Timeout(e) | Missed::Failed(e) => e,
        }
    }
}

/// A port error while `doing`, sorted into a timeout or a failure.
fn missed(e: PortError, doing: &str) -> Missed {
    let timed_out = e == PortError::Timeout;
    let error = Error::port(e, doing);
    if timed_out {
        Missed::Timeout(error)
    } else {
        Missed::Failed(error)
    }
}

/// Bytes read from the port but not used yet: reads fetch what is there, which may run past
/// one message.
pub struct Link<'p, P: Port> {
    port: &'p mut P,
    framing: Framing,
    timeout: Duration,
    unread: VecDeque<u8>,
}

impl<'p, P: Port> Link<'p, P> {
    /// A link that waits at most `timeout` for each thing the terminal owes.
    pub fn new(port: &'p mut P, framing: Framing, timeout: Duration) -> Self {
        Self {
            port,
            framing,
            timeout,
            unread: VecDeque::new(),
        }
    }

    /// Waits at most `timeout` for each thing the terminal owes from now on.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    fn byte(&mut self) -> Result<u8, PortError> {
        if self.unread.is_empty() {
            let chunk = self.port.read(512, self.timeout)?;
            self.unread.extend(chunk);
        }
        self.unread.pop_front().ok_or(PortError::Timeout)
    }

    fn bytes(&mut self, n: usize) -> Result<Vec<u8>, PortError> {
        (0..n).map(|_| self.byte()).collect()
    }

    fn write(&mut self, bytes: &[u8], doing: &str) -> Result<(), Error> {
        self.port.write(bytes).map_err(|e| Error::port(e, doing))
    }

    /// Sends `apdu`; on a serial line, until the terminal ACKs it.
    pub fn send(&mut self, apdu: &Apdu) -> Result<(), Error> {
        let bytes = apdu.encode();
        log::debug(format!("ECR → PT {}", hex(&bytes)));
        match self.framing {
            Framing::Tcp => self.write(&bytes, "sending to the terminal"),
            Framing::Serial => {
                let frame = serial::frame(&bytes);
                for attempt in 1..=serial::TRANSMISSIONS {
                    self.write(&frame, "sending to the terminal")?;
                    if self.acknowledged()? {
                        return Ok(());
                    }
                    log::warn(format!(
                        "the terminal answered NAK (transmission {attempt})"
                    ));
                }
                Err(Error::communication(format!(
                    "the terminal answered NAK {} times",
                    serial::TRANSMISSIONS
                )))
            }
        }
    }

    /// Waits for the ACK or NAK of a frame just sent: true for ACK.
    fn acknowledged(&mut self) -> Result<bool, Error> {
        // Some terminals send `DLE ACK`; a DLE is skipped. Anything else is a stray byte.
        for _ in 0..64 {
            match self
                .byte()
                .map_err(|e| Error::port(e, "waiting for the terminal's ACK"))?
            {
                serial::ACK => return Ok(true),
                serial::NAK => return Ok(false),
                other => log::debug(format!("skipped {other:02X} while waiting for ACK")),
            }
        }
        Err(Error::communication(
            "the terminal sent neither ACK nor NAK",
        ))
    }

    /// Receives the terminal's next APDU; on a serial line, NAKing garbled frames until the
    /// terminal repeats them intact.
    pub fn receive(&mut self) -> Result<Apdu, Missed> {
        let doing = "waiting for the terminal";
        let bytes = match self.framing {
            Framing::Tcp => {
                let mut bytes = self.bytes(3).map_err(|e| missed(e, doing))?;
                if bytes[2] == 0xFF {
                    bytes.extend(self.bytes(2).map_err(|e| missed(e, doing))?);
                }
                let (_, len) = apdu::header(&bytes).expect("a whole header was read");
                bytes.extend(self.bytes(len).map_err(|e| missed(e, doing))?);
                bytes
            }
            Framing::Serial => self.receive_frame()?,
        };
        log::debug(format!("PT → ECR {}", hex(&bytes)));
        Apdu::decode(&bytes).map_err(|e| {
            Missed::Failed(Error::communication(format!(
                "the terminal sent a malformed message: {e}"
            )))
        })
    }

    fn receive_frame(&mut self) -> Result<Vec<u8>, Missed> {
        for attempt in 1..=serial::TRANSMISSIONS {
            match serial::read_frame(|| self.byte())
                .map_err(|e| missed(e, "waiting for the terminal"))?
            {
                Received::Frame(apdu) => {
                    self.write(&[serial::ACK], "acknowledging the terminal's frame")
                        .map_err(Missed::Failed)?;
                    return Ok(apdu);
                }
                Received::Garbled(why) => {
                    log::warn(format!(
                        "garbled frame from the terminal ({why}), transmission {attempt}: NAK"
                    ));
                    self.write(&[serial::NAK], "rejecting the terminal's frame")
                        .map_err(Missed::Failed)?;
                }
            }
        }
        Err(Missed::Failed(Error::communication(format!(
            "the terminal's frame arrived garbled {} times",
            serial::TRANSMISSIONS
        ))))
    }
}

/// Bytes as spaced hex, for the log.
pub fn hex(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(64)];
    let mut s: Vec<String> = shown.iter().map(|b| format!("{b:02X}")).collect();
    if bytes.len() > shown.len() {
        s.push(format!("… ({} bytes)", bytes.len()));
    }
    s.join(" ")
}
