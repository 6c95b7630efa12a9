//! The driver's errors: a class the host acts on, the terminal's own code, and words. They
//! mirror the WIT `driver-error`; a declined card is not one (it is a transaction).

use driver_kit::PortError;

/// Mirrors the WIT `error-class` values a payment terminal can give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The line or terminal did not answer, or answered garbage, after retries.
    Communication,
    /// The terminal refused the command in its current state.
    WrongState,
    /// The command or an argument (a setting, an amount, an rrn) is not supported.
    Unsupported,
    /// Anything else the terminal reports.
    Device,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub class: ErrorClass,
    /// The terminal's result code, 0 when the error is not the terminal's.
    pub vendor_code: u32,
    pub message: String,
}

impl Error {
    pub fn new(class: ErrorClass, vendor_code: u32, message: impl Into<String>) -> Self {
        Self {
            class,
            vendor_code,
            message: message.into(),
        }
    }

    pub fn communication(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Communication, 0, message)
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Unsupported, 0, message)
    }

    /// The line failed while `doing`.
    pub fn port(e: PortError, doing: &str) -> Self {
        Self::communication(format!("{doing}: {e}"))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.class, self.message)?;
        if self.vendor_code != 0 {
            write!(f, " (code {:02X})", self.vendor_code)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
