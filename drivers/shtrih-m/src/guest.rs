//! The Wasm guest: the WIT `register` export as a thin adapter over [`Shtrih`], with a
//! `Port` over the host's `transport` import and settings from its `settings` import.
//!
//! One `Shtrih` lives for the component instance, so what it caches (fiscal drive number,
//! registration number, the cashier last written) survives between calls; the settings
//! are read again on every call, as the host may reload its configuration.

use std::cell::RefCell;
use std::time::Duration;

use driver_kit::{Port, PortError};

use crate::bindings::exports::fiscal::host::register::{FiscalReceipt, Guest};
use crate::bindings::fiscal::host::{log, settings, transport};
use crate::driver::{LogLevel, Shtrih};
use crate::settings::Settings;
use crate::types::*;

/// The host's line.
struct WitPort;

fn port_error(e: transport::TransportError) -> PortError {
    match e {
        transport::TransportError::Timeout => PortError::Timeout,
        transport::TransportError::Disconnected => PortError::Disconnected,
        transport::TransportError::Io(s) => PortError::Io(s),
    }
}

impl Port for WitPort {
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        transport::write(bytes).map_err(port_error)
    }

    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        let ms = timeout.as_millis().min(u32::MAX as u128) as u32;
        transport::read(max.min(u32::MAX as usize) as u32, ms).map_err(port_error)
    }

    fn discard_input(&mut self) {
        transport::discard_input()
    }
}

fn write_log(level: LogLevel, message: &str) {
    let level = match level {
        LogLevel::Trace => log::Level::Trace,
        LogLevel::Debug => log::Level::Debug,
        LogLevel::Info => log::Level::Info,
        LogLevel::Warn => log::Level::Warn,
        LogLevel::Error => log::Level::Error,
    };
    log::write(level, message);
}

fn current_settings() -> Settings {
    let (settings, warnings) = Settings::from_lookup(settings::get);
    for w in warnings {
        write_log(LogLevel::Warn, &w);
    }
    settings
}

thread_local! {
    static DRIVER: RefCell<Shtrih<WitPort>> =
        RefCell::new(Shtrih::new(WitPort, Settings::default()).with_logger(write_log));
}

/// Runs `op` on the instance's driver with fresh settings.
fn with_driver<T>(op: impl FnOnce(&mut Shtrih<WitPort>) -> T) -> T {
    DRIVER.with(|d| {
        let mut driver = d.borrow_mut();
        driver.set_settings(current_settings());
        op(&mut driver)
    })
}

struct Component;

impl Guest for Component {
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
    fn print(elements: Vec<Element>) -> Result<(), DriverError> {
        with_driver(|d| d.print(elements))
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
}

crate::bindings::export!(Component with_types_in crate::bindings);
