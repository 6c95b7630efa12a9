//! The host's line as a [`driver_kit::Port`], so a driver's protocol code is written once over
//! the trait and runs over [`HostPort`] in Wasm and over `driver_kit::StreamPort` (a socket to
//! the vendor's emulator) in native tests.

use std::time::Duration;

use driver_kit::{Port, PortError};

use crate::wit::transport::{self, TransportError};

/// The line the host lends the driver for the call: the `transport` import.
///
/// It holds nothing; any number of them talk to the same line. Only usable inside Wasm: outside
/// it the import does not exist and every method panics (native tests use `StreamPort`).
#[derive(Debug, Default, Clone, Copy)]
pub struct HostPort;

impl From<TransportError> for PortError {
    fn from(e: TransportError) -> PortError {
        match e {
            TransportError::Timeout => PortError::Timeout,
            TransportError::Disconnected => PortError::Disconnected,
            TransportError::Io(message) => PortError::Io(message),
        }
    }
}

impl Port for HostPort {
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        transport::write(bytes).map_err(PortError::from)
    }

    /// `max` and `timeout` beyond `u32` are clamped to `u32::MAX` (bytes, milliseconds).
    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        let (max, ms) = read_args(max, timeout);
        transport::read(max, ms).map_err(PortError::from)
    }

    fn discard_input(&mut self) {
        transport::discard_input();
    }
}

/// The `read` import's arguments: at most `u32::MAX` bytes and milliseconds; a sub-millisecond
/// timeout is rounded up to 1 ms, so a short wait never becomes a zero one.
pub(crate) fn read_args(max: usize, timeout: Duration) -> (u32, u32) {
    let max = u32::try_from(max).unwrap_or(u32::MAX);
    let ms = timeout.as_millis().max(u128::from(!timeout.is_zero()));
    (max, u32::try_from(ms).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_map_one_to_one() {
        assert_eq!(PortError::from(TransportError::Timeout), PortError::Timeout);
        assert_eq!(
            PortError::from(TransportError::Disconnected),
            PortError::Disconnected
        );
        assert_eq!(
            PortError::from(TransportError::Io("EIO".into())),
            PortError::Io("EIO".into())
        );
    }

    #[test]
    fn read_arguments_are_clamped() {
        assert_eq!(read_args(64, Duration::from_millis(1500)), (64, 1500));
        assert_eq!(
            read_args(usize::MAX, Duration::from_secs(u64::MAX)),
            (u32::MAX, u32::MAX)
        );
        assert_eq!(read_args(1, Duration::from_micros(200)), (1, 1));
        assert_eq!(read_args(1, Duration::ZERO), (1, 0));
    }
}
