//! ESC/POS receipt printer as a `receipt-printer` component of `fiscal:host@0.3.0`: prints
//! print elements (text in CP866, separators, QR codes, barcodes, feeds, cuts) and reports
//! readiness, paper and cover from real-time status. It has no fiscal operations.
//!
//! The protocol lives in plain functions over a `driver_kit::Port` (`ops`), tested natively
//! against the emulator in `emulator/`; this file only adapts them to the WIT through the
//! `fiscal-host-guest` SDK: the `printer` export, the host's line as `HostPort`, the settings
//! under the SDK's policy and the SDK's log.

pub mod barcode;
pub mod commands;
pub mod cp866;
pub mod errors;
pub mod job;
pub mod ops;
pub mod settings;
pub mod status;

use fiscal_host_guest::log;
use fiscal_host_guest::port::HostPort;
use fiscal_host_guest::printer::Guest;
use fiscal_host_guest::settings::Settings as HostSettings;

pub use fiscal_host_guest::printer::PrinterStatus;
pub use fiscal_host_guest::types::{
    Align, Barcode, BarcodeKind, DeviceInfo, DriverError, Element, ErrorClass, Text, TextSize,
};
pub use settings::{CutMode, Settings};

/// The component.
pub struct EscPos;

fiscal_host_guest::printer::export!(EscPos);

/// The settings of this call; a bad value is the call's error, naming the key.
fn settings() -> Result<Settings, DriverError> {
    Settings::read(&HostSettings::host())
        .map_err(DriverError::from)
        .inspect_err(logged)
}

fn logged(e: &DriverError) {
    log::warn(format!("{:?}: {}", e.class, e.message));
}

impl Guest for EscPos {
    fn describe() -> Result<DeviceInfo, DriverError> {
        Ok(ops::describe(&settings()?))
    }

    fn status() -> Result<PrinterStatus, DriverError> {
        ops::status(&mut HostPort, &settings()?).inspect_err(logged)
    }

    fn print(elements: Vec<Element>) -> Result<(), DriverError> {
        let settings = settings()?;
        log::debug(format!("printing {} elements", elements.len()));
        ops::print(&mut HostPort, &settings, &elements).inspect_err(logged)
    }
}
