//! The `printer` operations of a receipt printer, as plain functions over a `Port` and the
//! settings: what the WIT adapter in `lib.rs` calls inside Wasm and the tests call natively.

use driver_kit::Port;

use crate::settings::Settings;
use crate::{DeviceInfo, DriverError, Element, PrinterStatus, errors, job, status};

pub fn describe(settings: &Settings) -> DeviceInfo {
    DeviceInfo {
        vendor: "ESC/POS".into(),
        model: settings.model.clone(),
        serial_number: String::new(),
        firmware: String::new(),
        paper_width: settings.width,
        fiscal: false,
        jurisdictions: Vec::new(),
    }
}

/// The printer's readiness, paper and cover.
pub fn status(port: &mut impl Port, settings: &Settings) -> Result<PrinterStatus, DriverError> {
    if !settings.status_check {
        return Ok(PrinterStatus {
            online: true,
            paper_present: true,
            cover_open: false,
            vendor_code: 0,
            vendor_text: "not asked (status-check = false)".into(),
        });
    }
    Ok(status::query(port, settings.timeout)?.to_printer_status())
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
