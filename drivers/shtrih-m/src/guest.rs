#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

//! The component: the WIT `register` and `printer` exports (`fiscal-register` world) as a thin
//! adapter over [`Shtrih`], on the host's line (`fiscal_host_guest::port::HostPort`) with the
//! settings of the `settings` import (`fiscal_host_guest::settings::Settings::host`).
//!
//! One `Shtrih` lives for the component instance, so what it caches (fiscal drive number,
//! registration number, the cashier last written) survives between calls; the settings
//! are read again on every call, as the host may reload its configuration, and a bad value
//! fails the call with a `driver-error` naming the key.
//!
//! Outside Wasm the export macro expands to nothing and this adapter is never called (the
//! native tests drive [`Shtrih`] over a socket); it is compiled natively all the same.

use std::cell::RefCell;

use driver_kit::ReadAhead;
use fiscal_host_guest::port::HostPort;
use fiscal_host_guest::register::{self, PrinterGuest};
use fiscal_host_guest::settings::Settings as HostSettings;

use crate::driver::Shtrih;
use crate::settings::Settings;
use crate::types::*;

/// The host's line, read ahead: an answer's ACK, STX, length and body were four reads of the
/// host's line each (`driver_kit::ReadAhead`); every command still begins by discarding what
/// the line and the buffer hold (`link::transact`).
type Line = ReadAhead<HostPort>;

thread_local! {
    static DRIVER: RefCell<Shtrih<Line>> =
        RefCell::new(Shtrih::new(ReadAhead::new(HostPort), Settings::default()));
}

/// Runs `op` on the instance's driver with fresh settings; failures are logged.
fn with_driver<T>(
    op: impl FnOnce(&mut Shtrih<Line>) -> Result<T, DriverError>,
) -> Result<T, DriverError> {
    DRIVER
        .with(|d| {
            let mut driver = d.borrow_mut();
            driver.set_settings(Settings::read(&HostSettings::host())?);
            op(&mut driver)
        })
        .inspect_err(|e| fiscal_host_guest::log::error(format!("{:?}: {}", e.class, e.message)))
}

struct Component;

impl register::Guest for Component {
    fn describe() -> Result<DeviceInfo, DriverError> {
        with_driver(|d| d.describe())
    }
    fn status() -> Result<DeviceStatus, DriverError> {
        with_driver(|d| d.status())
    }
    fn open_shift(cashier: Cashier) -> Result<FiscalResult, DriverError> {
        with_driver(|d| d.open_shift(cashier))
    }
    fn close_shift(cashier: Cashier) -> Result<FiscalResult, DriverError> {
        with_driver(|d| d.close_shift(cashier))
    }
    fn register_receipt(receipt: FiscalReceipt) -> Result<FiscalResult, DriverError> {
        with_driver(|d| d.register_receipt(receipt))
    }
    fn register_correction(receipt: CorrectionReceipt) -> Result<FiscalResult, DriverError> {
        with_driver(|d| d.register_correction(receipt))
    }
    fn cancel_open_receipt() -> Result<(), DriverError> {
        with_driver(|d| d.cancel_open_receipt())
    }
    fn x_report(cashier: Cashier) -> Result<(), DriverError> {
        with_driver(|d| d.x_report(cashier))
    }
    fn cash_in(cashier: Cashier, amount: Money) -> Result<(), DriverError> {
        with_driver(|d| d.cash_in(cashier, amount))
    }
    fn cash_out(cashier: Cashier, amount: Money) -> Result<(), DriverError> {
        with_driver(|d| d.cash_out(cashier, amount))
    }
    fn last_fiscal_document() -> Result<LastDocument, DriverError> {
        with_driver(|d| d.last_fiscal_document())
    }
    fn check_marking_code(check: MarkingCheck) -> Result<MarkingCheckResult, DriverError> {
        with_driver(|d| d.check_marking_code(check))
    }
    fn decide_marking_code(decision: MarkingDecision) -> Result<(), DriverError> {
        with_driver(|d| d.decide_marking_code(decision))
    }
    fn fiscal_drive_status() -> Result<FiscalDriveState, DriverError> {
        with_driver(|d| d.fiscal_drive_status())
    }
    fn shift_totals() -> Result<ShiftCounters, DriverError> {
        with_driver(|d| d.shift_totals())
    }
}

impl PrinterGuest for Component {
    fn describe() -> Result<DeviceInfo, DriverError> {
        with_driver(|d| d.describe())
    }
    fn status() -> Result<PrinterStatus, DriverError> {
        with_driver(|d| d.printer_status())
    }
    fn print(elements: Vec<Element>) -> Result<(), DriverError> {
        with_driver(|d| d.print(elements))
    }
}

fiscal_host_guest::register::export!(Component);
