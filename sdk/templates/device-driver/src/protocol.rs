//! The device's line protocol over any `Port`: one command line out, one answer line back.

use std::time::Duration;

use fiscal_host_guest::driver_kit::Port;
use fiscal_host_guest::types::{DriverError, ErrorClass};

/// The longest answer line the device sends.
const MAX_LINE: usize = 256;

/// What `STATUS` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub paper: bool,
    pub cover_open: bool,
}

/// Sends `command` and returns the answer's words after `OK`.
pub fn exchange(
    port: &mut impl Port,
    command: &str,
    timeout: Duration,
) -> Result<String, DriverError> {
    port.begin_exchange();
    port.discard_input();
    port.write(format!("{command}\n").as_bytes())?;
    let mut answer = Vec::new();
    while !answer.ends_with(b"\n") {
        answer.extend(port.read(MAX_LINE, timeout)?);
        if answer.len() > MAX_LINE {
            return Err(DriverError::communication("the answer has no end of line"));
        }
    }
    let answer = String::from_utf8_lossy(&answer).trim_end().to_string();
    if let Some(rest) = answer.strip_prefix("OK") {
        return Ok(rest.trim().to_string());
    }
    if let Some(rest) = answer.strip_prefix("ERR ") {
        let (code, text) = rest.split_once(' ').unwrap_or((rest, ""));
        let code: u32 = code.parse().unwrap_or(0);
        let class = match code {
            1 => ErrorClass::PaperOut,
            2 => ErrorClass::CoverOpen,
            _ => ErrorClass::Device,
        };
        return Err(DriverError::new(class, code, text));
    }
    Err(DriverError::communication(format!(
        "unexpected answer {answer:?}"
    )))
}

/// `STATUS`.
pub fn status(port: &mut impl Port, timeout: Duration) -> Result<Status, DriverError> {
    let words = exchange(port, "STATUS", timeout)?;
    match words.split_whitespace().collect::<Vec<_>>()[..] {
        [paper, cover] => Ok(Status {
            paper: paper == "1",
            cover_open: cover == "1",
        }),
        _ => Err(DriverError::communication(format!("bad status {words:?}"))),
    }
}

/// `PRINT` one line, control characters replaced.
pub fn print_line(port: &mut impl Port, text: &str, timeout: Duration) -> Result<(), DriverError> {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    exchange(port, &format!("PRINT {clean}"), timeout).map(drop)
}

/// `CUT`.
pub fn cut(port: &mut impl Port, timeout: Duration) -> Result<(), DriverError> {
    exchange(port, "CUT", timeout).map(drop)
}
