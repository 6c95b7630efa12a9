//! The byte lines the host owns and lends to drivers: serial ports, TCP sockets and in-process
//! links to emulators. Every line is a `driver_kit::Port`, the one small trait the driver
//! runtime uses; `Reconnecting` wraps any of them so a dropped line is reopened with backoff, and
//! at once when nothing of the exchange at hand has been sent (the rule is in reconnect.rs).

mod emulated;
mod reconnect;
mod serial;
mod tcp;

use std::time::Duration;

pub use driver_kit::{Peer, Port, PortError, SendError, StreamPort};
pub use emulated::Emulators;
pub use reconnect::Reconnecting;
pub use serial::SerialLine;
pub use tcp::TcpLine;

use crate::config::TransportConfig;

/// A line that can be moved into a driver's store for one call.
pub type Line = Box<dyn Port + Send>;

/// Opens a line as configured; each call is a fresh connection.
pub fn open(config: &TransportConfig, emulators: &Emulators) -> Result<Line, PortError> {
    match config {
        TransportConfig::Serial(serial) => Ok(Box::new(SerialLine::open(serial)?)),
        TransportConfig::Tcp {
            address,
            connect_timeout_ms,
        } => Ok(Box::new(TcpLine::connect(
            address,
            Duration::from_millis(*connect_timeout_ms),
        )?)),
        TransportConfig::Emulator {
            emulator,
            unit,
            baud,
        } => emulators.connect(emulator, *unit, *baud),
    }
}
