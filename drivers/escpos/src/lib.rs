//! ESC/POS receipt printer as a `device-driver` component: prints print elements (text in
//! CP866, separators, QR codes, barcodes, feeds, cuts), reports paper and cover from real-time
//! status, and answers every fiscal operation with `unsupported`.
//!
//! The protocol lives in plain functions over a `driver_kit::Port` (`ops`), tested natively
//! against the emulator in `emulator/`; this file only adapts them to the WIT: the `register`
//! export and a `Port` over the host's `transport` import.

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.1.0",
    world: "device-driver",
    additional_derives: [PartialEq, Eq],
});

pub mod barcode;
pub mod commands;
pub mod cp866;
pub mod errors;
pub mod job;
pub mod ops;
pub mod settings;
pub mod status;

use std::time::Duration;

use driver_kit::{Port, PortError};

pub use exports::fiscal::host::register::{FiscalReceipt, Guest};
pub use fiscal::host::driver_types::{
    Cashier, DeviceInfo, DeviceStatus, DriverError, ErrorClass, FiscalResult, LastDocument,
    ShiftState,
};
pub use fiscal::host::print::{Align, Barcode, BarcodeKind, Element, Text, TextSize};
pub use settings::{CutMode, Settings};

use fiscal::host::log::{self, Level};
use fiscal::host::types::Money;
use fiscal::host::{settings as wit_settings, transport};

/// The component.
pub struct EscPos;

#[cfg(target_arch = "wasm32")]
export!(EscPos);

/// A `Port` over the host's `transport` import.
pub struct WitPort;

impl Port for WitPort {
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        transport::write(bytes).map_err(port_error)
    }

    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        let max = u32::try_from(max).unwrap_or(u32::MAX);
        let ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
        transport::read(max, ms).map_err(port_error)
    }

    fn discard_input(&mut self) {
        transport::discard_input();
    }
}

fn port_error(e: transport::TransportError) -> PortError {
    match e {
        transport::TransportError::Timeout => PortError::Timeout,
        transport::TransportError::Disconnected => PortError::Disconnected,
        transport::TransportError::Io(message) => PortError::Io(message),
    }
}

fn settings() -> Result<Settings, DriverError> {
    Settings::from_lookup(wit_settings::get).inspect_err(logged)
}

fn logged(e: &DriverError) {
    log::write(Level::Warn, &format!("{:?}: {}", e.class, e.message));
}

/// An operation a receipt printer does not have, logged like every other error.
fn not_a_register<T>(operation: &str) -> Result<T, DriverError> {
    Err(ops::not_a_register(operation)).inspect_err(logged)
}

impl Guest for EscPos {
    fn describe() -> Result<DeviceInfo, DriverError> {
        Ok(ops::describe(&settings()?))
    }

    fn status() -> Result<DeviceStatus, DriverError> {
        ops::status(&mut WitPort, &settings()?).inspect_err(logged)
    }

    fn open_shift(_: Cashier) -> Result<FiscalResult, DriverError> {
        not_a_register("open-shift")
    }

    fn close_shift(_: Cashier) -> Result<FiscalResult, DriverError> {
        not_a_register("close-shift")
    }

    fn register_receipt(_: FiscalReceipt) -> Result<FiscalResult, DriverError> {
        not_a_register("register-receipt")
    }

    fn print(elements: Vec<Element>) -> Result<(), DriverError> {
        let settings = settings()?;
        log::write(
            Level::Debug,
            &format!("printing {} elements", elements.len()),
        );
        ops::print(&mut WitPort, &settings, &elements).inspect_err(logged)
    }

    fn cancel_open_receipt() -> Result<(), DriverError> {
        ops::cancel_open_receipt()
    }

    fn x_report(_: Cashier) -> Result<(), DriverError> {
        not_a_register("x-report")
    }

    fn cash_in(_: Cashier, _: Money) -> Result<(), DriverError> {
        not_a_register("cash-in")
    }

    fn cash_out(_: Cashier, _: Money) -> Result<(), DriverError> {
        not_a_register("cash-out")
    }

    fn last_fiscal_document() -> Result<LastDocument, DriverError> {
        not_a_register("last-fiscal-document")
    }
}
