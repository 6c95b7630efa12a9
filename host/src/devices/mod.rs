//! Devices: one actor per device that serializes every operation on it (a register accepts
//! one command at a time), keeps its status current, and never lets a slow or dead device
//! block another device or the API faces.

mod actor;
mod registry;

pub use actor::{DeviceHandle, DeviceView, ZReport};
pub use registry::Devices;

use crate::plugins::contract::device::{DriverError, ErrorClass};
use crate::plugins::{DriverFailure, PluginError};

/// Why an operation on a device failed, as one typed enum the core and faces map.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("device {device}: {message} (vendor code {vendor_code})")]
    Driver {
        device: String,
        class: ErrorClass,
        vendor_code: u32,
        message: String,
    },
    #[error("device {device}: the driver failed: {source}")]
    Plugin { device: String, source: PluginError },
    #[error("device {device} did not finish the operation within {timeout_ms} ms")]
    Timeout { device: String, timeout_ms: u64 },
    #[error("no device {0} is configured")]
    Unknown(String),
    #[error("device {0} has stopped")]
    Stopped(String),
}

impl DeviceError {
    pub(crate) fn from_driver(device: &str, e: DriverError) -> Self {
        DeviceError::Driver {
            device: device.to_owned(),
            class: e.class,
            vendor_code: e.vendor_code,
            message: e.message,
        }
    }

    /// A driver call's failure, in this device's name.
    pub(crate) fn from_failure(device: &str, failure: DriverFailure) -> Self {
        match failure {
            DriverFailure::Driver(e) => DeviceError::from_driver(device, e),
            DriverFailure::Plugin(source) => DeviceError::Plugin {
                device: device.to_owned(),
                source,
            },
        }
    }

    /// The driver's class of the error, when the device answered with one.
    pub fn class(&self) -> Option<ErrorClass> {
        match self {
            DeviceError::Driver { class, .. } => Some(*class),
            _ => None,
        }
    }
}
