//! The register operations of a receipt printer, as plain functions over a `Port` and the
//! settings: what the WIT adapter in `lib.rs` calls inside Wasm and the tests call natively.

use driver_kit::Port;

use crate::settings::Settings;
use crate::{DeviceInfo, DeviceStatus, DriverError, Element, ShiftState, errors, job, status};

pub fn describe(settings: &Settings) -> DeviceInfo {
    DeviceInfo {
        vendor: "ESC/POS".into(),
        model: settings.model.clone(),
        serial_number: String::new(),
        firmware: String::new(),
        paper_width: settings.width,
        fiscal: false,
    }
}

/// The printer's status; a receipt printer's shift is always closed.
pub fn status(port: &mut impl Port, settings: &Settings) -> Result<DeviceStatus, DriverError> {
    if !settings.status_check {
        return Ok(DeviceStatus {
            shift: ShiftState::Closed,
            shift_number: 0,
            shift_opened: None,
            receipt_open: false,
            paper_present: true,
            cover_open: false,
            vendor_code: 0,
            vendor_text: "not asked (status-check = false)".into(),
        });
    }
    Ok(status::query(port, settings.timeout)?.to_device_status())
}

/// Prints `elements`: checks them all and the printer's status (paper, cover) before sending
/// a byte, sends the job, then asks the status again, which tells a line that dropped during
/// the job or paper that ran out in it.
pub fn print(
    port: &mut impl Port,
    settings: &Settings,
    elements: &[Element],
) -> Result<(), DriverError> {
    let job = job::encode(elements, settings)?;
    if settings.status_check {
        status::query(port, settings.timeout)?.ready()?;
    }
    port.write(&job)
        .map_err(|e| errors::line("sending the print job", e))?;
    if settings.status_check {
        let after = status::query(port, settings.timeout).map_err(|mut e| {
            e.message = format!("after the print job: {}", e.message);
            e
        })?;
        after.ready().map_err(|mut e| {
            e.message = format!("during the print job: {}", e.message);
            e
        })?;
    }
    Ok(())
}

/// Nothing is ever open on a receipt printer.
pub fn cancel_open_receipt() -> Result<(), DriverError> {
    Ok(())
}

/// What every fiscal operation answers.
pub fn not_a_register(operation: &str) -> DriverError {
    errors::not_a_register(operation)
}
