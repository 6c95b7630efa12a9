//! The driver's errors as the WIT `driver-error`: one constructor per class it reports.

use driver_kit::PortError;

use crate::{DriverError, ErrorClass};

fn error(class: ErrorClass, vendor_code: u32, message: impl Into<String>) -> DriverError {
    DriverError {
        class,
        vendor_code,
        message: message.into(),
    }
}

/// The line failed while `doing` something.
pub fn line(doing: &str, e: PortError) -> DriverError {
    error(ErrorClass::Communication, 0, format!("{doing}: {e}"))
}

pub fn communication(message: impl Into<String>) -> DriverError {
    error(ErrorClass::Communication, 0, message)
}

pub fn unsupported(message: impl Into<String>) -> DriverError {
    error(ErrorClass::Unsupported, 0, message)
}

pub fn device(message: impl Into<String>) -> DriverError {
    error(ErrorClass::Device, 0, message)
}

/// A condition the printer reported, with its status bytes as the vendor code.
pub fn reported(class: ErrorClass, status_code: u32, message: impl Into<String>) -> DriverError {
    error(class, status_code, message)
}
