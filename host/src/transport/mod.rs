//! The byte lines the host owns and lends to drivers: serial ports, TCP sockets and in-process
//! links to emulators. Every line is a `driver_kit::Port`, the one small trait the driver
//! runtime uses; `Reconnecting` wraps any of them so a dropped line is reopened with backoff.

mod emulated;
mod reconnect;
mod serial;

use std::time::Duration;

pub use driver_kit::{Port, PortError, StreamPort};
pub use emulated::{BuiltinEmulator, Emulators};
pub use reconnect::Reconnecting;
pub use serial::SerialLine;

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
        } => {
            let addr = resolve(address)?;
            let stream = std::net::TcpStream::connect_timeout(
                &addr,
                Duration::from_millis(*connect_timeout_ms),
            )
            .map_err(|e| PortError::Io(format!("connect {address}: {e}")))?;
            stream.set_nodelay(true).ok();
            Ok(Box::new(StreamPort(stream)))
        }
        TransportConfig::Emulator {
            emulator,
            unit,
            baud,
        } => emulators.connect(*emulator, *unit, *baud),
    }
}

fn resolve(address: &str) -> Result<std::net::SocketAddr, PortError> {
    use std::net::ToSocketAddrs;
    address
        .to_socket_addrs()
        .map_err(|e| PortError::Io(format!("resolve {address}: {e}")))?
        .next()
        .ok_or_else(|| PortError::Io(format!("{address} resolves to no address")))
}
