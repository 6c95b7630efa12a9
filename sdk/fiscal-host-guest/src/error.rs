//! Building `driver-error`s, and the conversions every driver repeats: a line failure is
//! class `communication`, a bad setting class `unsupported`.

use driver_kit::PortError;

use crate::settings::SettingError;
use crate::wit::driver_types::{DriverError, ErrorClass};

impl DriverError {
    /// An error of `class` with the vendor's code (0 when it is not the device's).
    pub fn new(class: ErrorClass, vendor_code: u32, message: impl Into<String>) -> Self {
        DriverError {
            class,
            vendor_code,
            message: message.into(),
        }
    }

    /// The line or the device did not answer, or answered garbage after retries.
    pub fn communication(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Communication, 0, message)
    }

    /// The operation, or one of its arguments, is not supported by this device or driver.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Unsupported, 0, message)
    }

    /// The device refused the command in its current state.
    pub fn wrong_state(vendor_code: u32, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::WrongState, vendor_code, message)
    }

    /// A fiscal drive problem the device reported.
    pub fn fiscal_drive(vendor_code: u32, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::FiscalDrive, vendor_code, message)
    }

    /// Any other error the device reported.
    pub fn device(vendor_code: u32, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Device, vendor_code, message)
    }
}

/// A line failure after the driver's retries: class `communication`, vendor code 0, the port's
/// words ("no reply within the timeout", "the line is disconnected", "line error: …").
impl From<PortError> for DriverError {
    fn from(e: PortError) -> Self {
        DriverError::communication(e.to_string())
    }
}

/// A bad or missing setting: class `unsupported` (the configuration asks for what the driver
/// cannot do), vendor code 0, the message naming key, value and what was expected.
impl From<SettingError> for DriverError {
    fn from(e: SettingError) -> Self {
        DriverError::unsupported(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_errors_are_communication() {
        for (port, words) in [
            (PortError::Timeout, "no reply within the timeout"),
            (PortError::Disconnected, "the line is disconnected"),
            (PortError::Io("EIO".into()), "line error: EIO"),
        ] {
            let e = DriverError::from(port);
            assert_eq!(e.class, ErrorClass::Communication);
            assert_eq!(e.vendor_code, 0);
            assert_eq!(e.message, words);
        }
    }

    #[test]
    fn setting_errors_are_unsupported_and_name_the_key() {
        let e = DriverError::from(SettingError::bad("width", "wide", "a whole number"));
        assert_eq!(e.class, ErrorClass::Unsupported);
        assert_eq!(
            e.message,
            "setting `width` = \"wide\" is not a whole number"
        );
    }
}
