//! What a device's answer means to the core: whether the device itself refused (it did not do
//! it) or the answer was lost (it may have), how a failure is told to a client, and a device's
//! time as ISO 8601. Shared by the register's and the terminal's paths, so neither imports the
//! other.

use super::CoreError;
use crate::devices::DeviceError;
use crate::plugins::contract::device::ErrorClass;
use crate::plugins::contract::types::DateTime;

/// A device's date and time as ISO 8601, as the journal keeps it.
pub(super) fn iso(dt: &DateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.date.year, dt.date.month, dt.date.day, dt.hour, dt.minute, dt.second
    )
}

/// What a client is told of a device's failure: the device's own words, or for a driver that
/// trapped only the incident its backtrace was logged under.
pub(super) fn device_text(e: DeviceError) -> String {
    match e {
        DeviceError::Plugin { .. } => CoreError::from(e).to_string(),
        e => e.to_string(),
    }
}

/// The device answered with an error of its own (a register refusing a receipt, a terminal
/// refusing a command with `84 xx`): it did not do it. Anything else — no answer, a dropped
/// line, the host's own timeout, a driver that trapped — may have happened at the device.
pub(super) fn refused_by_device(e: &DeviceError) -> bool {
    !matches!(e.class(), Some(ErrorClass::Communication) | None)
}
