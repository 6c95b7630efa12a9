//! Real-time status: `DLE EOT n` for n = 1 (printer), 2 (offline cause), 4 (paper roll
//! sensor), one byte each, answered even while the printer is offline. The byte layouts are
//! Epson's: bits 1 and 4 are fixed on, bits 0 and 7 fixed off, which tells a status byte from
//! a stray one. No reply within the timeout is a communication error.

use std::time::Duration;

use driver_kit::Port;

use crate::commands;
use crate::{DriverError, ErrorClass, errors};

/// n = 1, bit 3: the printer is offline.
const OFFLINE: u8 = 0x08;
/// n = 2, bit 2: the cover is open.
const COVER_OPEN: u8 = 0x04;
/// n = 2, bit 5: printing stopped at a paper end.
const PAPER_END_STOP: u8 = 0x20;
/// n = 2, bit 6: an error occurred (cutter jam, overheating…).
const ERROR: u8 = 0x40;
/// n = 4, bits 2-3: the near-end sensor sees the roll running low.
const NEAR_END: u8 = 0x0C;
/// n = 4, bits 5-6: the end sensor sees no paper.
const PAPER_END: u8 = 0x60;

/// The three status bytes, as the printer sent them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterStatus {
    pub printer: u8,
    pub offline_cause: u8,
    pub paper: u8,
}

impl PrinterStatus {
    pub fn online(&self) -> bool {
        self.printer & OFFLINE == 0
    }
    pub fn cover_open(&self) -> bool {
        self.offline_cause & COVER_OPEN != 0
    }
    pub fn paper_out(&self) -> bool {
        self.paper & PAPER_END != 0 || self.offline_cause & PAPER_END_STOP != 0
    }
    pub fn near_end(&self) -> bool {
        self.paper & NEAR_END != 0
    }
    pub fn error(&self) -> bool {
        self.offline_cause & ERROR != 0
    }

    /// The bytes as one number, 0x00PPCCRR: printer, offline cause, paper.
    pub fn code(&self) -> u32 {
        u32::from(self.printer) << 16 | u32::from(self.offline_cause) << 8 | u32::from(self.paper)
    }

    /// The status in words, for logs and `vendor-text`.
    pub fn text(&self) -> String {
        let mut words = vec![if self.online() { "online" } else { "offline" }];
        if self.cover_open() {
            words.push("cover open");
        }
        if self.paper_out() {
            words.push("paper end");
        } else if self.near_end() {
            words.push("paper near end");
        }
        if self.error() {
            words.push("error");
        }
        words.join(", ")
    }

    /// Ok when a job can print; otherwise the typed reason.
    pub fn ready(&self) -> Result<(), DriverError> {
        let reason = |class, what: &str| {
            Err(errors::reported(
                class,
                self.code(),
                format!("{what} ({})", self.text()),
            ))
        };
        if self.paper_out() {
            reason(ErrorClass::PaperOut, "the printer is out of paper")
        } else if self.cover_open() {
            reason(ErrorClass::CoverOpen, "the printer cover is open")
        } else if self.error() || !self.online() {
            reason(ErrorClass::Device, "the printer is offline")
        } else {
            Ok(())
        }
    }

    /// The WIT `printer-status`: online when the printer could print now (what `ready`
    /// checks), paper and cover from their bytes.
    pub fn to_printer_status(self) -> crate::PrinterStatus {
        crate::PrinterStatus {
            online: self.ready().is_ok(),
            paper_present: !self.paper_out(),
            cover_open: self.cover_open(),
            vendor_code: self.code(),
            vendor_text: self.text(),
        }
    }
}

/// Whether `b` has the fixed bits of a `DLE EOT` reply (0xx1xx10).
pub fn is_status_byte(b: u8) -> bool {
    b & 0b1001_0011 == 0b0001_0010
}

/// Asks the three statuses, dropping stale input first.
pub fn query(port: &mut impl Port, timeout: Duration) -> Result<PrinterStatus, DriverError> {
    port.discard_input();
    Ok(PrinterStatus {
        printer: ask(port, 1, timeout)?,
        offline_cause: ask(port, 2, timeout)?,
        paper: ask(port, 4, timeout)?,
    })
}

/// One `DLE EOT n` exchange; a byte that is no status byte (a late or stray one) is dropped
/// and the question asked once more.
fn ask(port: &mut impl Port, n: u8, timeout: Duration) -> Result<u8, DriverError> {
    let doing = format!("status request DLE EOT {n}");
    for _ in 0..2 {
        port.write(&commands::realtime_status(n))
            .map_err(|e| errors::line(&doing, e))?;
        let b = port
            .read_byte(timeout)
            .map_err(|e| errors::line(&doing, e))?;
        if is_status_byte(b) {
            return Ok(b);
        }
        port.discard_input();
    }
    Err(errors::communication(format!(
        "{doing}: the printer answers with bytes that are no status"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_healthy_printer() {
        let s = PrinterStatus {
            printer: 0x12,
            offline_cause: 0x12,
            paper: 0x12,
        };
        assert!(s.ready().is_ok());
        assert_eq!(s.text(), "online");
        assert_eq!(s.code(), 0x12_1212);
        let d = s.to_printer_status();
        assert!(d.online && d.paper_present && !d.cover_open);
    }

    /// The replies of a printer out of paper, as Epson's tables give them.
    #[test]
    fn paper_out_wins_over_everything() {
        let s = PrinterStatus {
            printer: 0x1A,
            offline_cause: 0x32,
            paper: 0x7E,
        };
        let e = s.ready().unwrap_err();
        assert_eq!(e.class, ErrorClass::PaperOut);
        assert_eq!(e.vendor_code, 0x1A_327E);
        assert!(!s.to_printer_status().paper_present);
        assert!(!s.to_printer_status().online);
        assert_eq!(s.text(), "offline, paper end");
    }

    #[test]
    fn cover_open_and_other_offline_causes() {
        let cover = PrinterStatus {
            printer: 0x1A,
            offline_cause: 0x16,
            paper: 0x12,
        };
        assert_eq!(cover.ready().unwrap_err().class, ErrorClass::CoverOpen);
        assert!(cover.to_printer_status().cover_open);
        let error = PrinterStatus {
            printer: 0x1A,
            offline_cause: 0x52,
            paper: 0x12,
        };
        assert_eq!(error.ready().unwrap_err().class, ErrorClass::Device);
        let near = PrinterStatus {
            printer: 0x12,
            offline_cause: 0x12,
            paper: 0x1E,
        };
        assert!(near.ready().is_ok());
        assert_eq!(near.text(), "online, paper near end");
    }

    #[test]
    fn status_bytes_have_the_fixed_bits() {
        for b in [0x12, 0x1A, 0x16, 0x32, 0x7E, 0x1E] {
            assert!(is_status_byte(b), "{b:#x}");
        }
        for b in [0x00, 0x0F, 0x13, 0x92, 0x10] {
            assert!(!is_status_byte(b), "{b:#x}");
        }
    }
}
