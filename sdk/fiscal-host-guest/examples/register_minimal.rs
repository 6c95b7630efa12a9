//! A fiscal-register skeleton: a made-up line protocol ("STATUS\n" → "OK <shift> <open>\n")
//! over the host's line, settings read under the SDK's policy, everything else `unsupported`.
//! `cargo build -p fiscal-host-guest --example register_minimal --target wasm32-wasip2`.

// Natively the export expands to nothing, leaving the component unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use std::time::Duration;

use fiscal_host_guest::driver_kit::Port;
use fiscal_host_guest::log;
use fiscal_host_guest::port::HostPort;
use fiscal_host_guest::register::{
    self, CorrectionReceipt, FiscalDriveState, FiscalReceipt, MarkingCheck, MarkingCheckResult,
    MarkingDecision, PrinterStatus, ShiftCounters,
};
use fiscal_host_guest::settings::Settings;
use fiscal_host_guest::types::*;

struct Demo;

fn timeout() -> Result<Duration, DriverError> {
    Ok(Settings::host()
        .millis("timeout-ms", 100..=60_000)?
        .unwrap_or(Duration::from_secs(5)))
}

fn ask(line: &[u8]) -> Result<Vec<u8>, DriverError> {
    let timeout = timeout()?;
    let mut port = HostPort;
    port.discard_input();
    port.write(line)?;
    let mut answer = Vec::new();
    while !answer.ends_with(b"\n") {
        answer.extend(port.read(256, timeout)?);
    }
    log::trace(format!("answer {:?}", String::from_utf8_lossy(&answer)));
    Ok(answer)
}

fn no<T>(what: &str) -> Result<T, DriverError> {
    Err(DriverError::unsupported(format!(
        "{what} is not implemented by this skeleton"
    )))
}

impl register::Guest for Demo {
    fn describe() -> Result<DeviceInfo, DriverError> {
        Ok(DeviceInfo {
            vendor: "Demo".into(),
            model: "Line register".into(),
            serial_number: String::new(),
            firmware: String::new(),
            paper_width: 42,
            fiscal: true,
            jurisdictions: vec!["RU".into()],
        })
    }
    fn status() -> Result<DeviceStatus, DriverError> {
        let answer = ask(b"STATUS\n")?;
        let text = String::from_utf8_lossy(&answer).trim().to_string();
        Ok(DeviceStatus {
            shift: if text.ends_with(" 1") {
                ShiftState::Open
            } else {
                ShiftState::Closed
            },
            shift_number: 0,
            shift_opened: None,
            receipt_open: false,
            paper_present: true,
            cover_open: false,
            vendor_code: 0,
            vendor_text: text,
        })
    }
    fn open_shift(_: Cashier) -> Result<FiscalResult, DriverError> {
        no("open-shift")
    }
    fn close_shift(_: Cashier) -> Result<FiscalResult, DriverError> {
        no("close-shift")
    }
    fn register_receipt(_: FiscalReceipt) -> Result<FiscalResult, DriverError> {
        no("register-receipt")
    }
    fn register_correction(_: CorrectionReceipt) -> Result<FiscalResult, DriverError> {
        no("register-correction")
    }
    fn cancel_open_receipt() -> Result<(), DriverError> {
        Ok(())
    }
    fn x_report(_: Cashier) -> Result<(), DriverError> {
        no("x-report")
    }
    fn cash_in(_: Cashier, _: Money) -> Result<(), DriverError> {
        no("cash-in")
    }
    fn cash_out(_: Cashier, _: Money) -> Result<(), DriverError> {
        no("cash-out")
    }
    fn last_fiscal_document() -> Result<LastDocument, DriverError> {
        no("last-fiscal-document")
    }
    fn check_marking_code(_: MarkingCheck) -> Result<MarkingCheckResult, DriverError> {
        Ok(MarkingCheckResult::NotPossible(
            "this skeleton has no fiscal drive".into(),
        ))
    }
    fn decide_marking_code(_: MarkingDecision) -> Result<(), DriverError> {
        no("decide-marking-code")
    }
    fn fiscal_drive_status() -> Result<FiscalDriveState, DriverError> {
        no("fiscal-drive-status")
    }
    fn shift_totals() -> Result<ShiftCounters, DriverError> {
        no("shift-totals")
    }
}

impl register::PrinterGuest for Demo {
    fn describe() -> Result<DeviceInfo, DriverError> {
        <Demo as register::Guest>::describe()
    }
    fn status() -> Result<PrinterStatus, DriverError> {
        let status = <Demo as register::Guest>::status()?;
        Ok(PrinterStatus {
            online: true,
            paper_present: status.paper_present,
            cover_open: status.cover_open,
            vendor_code: status.vendor_code,
            vendor_text: status.vendor_text,
        })
    }
    fn print(elements: Vec<Element>) -> Result<(), DriverError> {
        for element in elements {
            if let Element::Text(text) = element {
                ask(format!("PRINT {}\n", text.content).as_bytes())?;
            }
        }
        Ok(())
    }
}

fiscal_host_guest::register::export!(Demo);
