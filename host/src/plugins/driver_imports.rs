//! The host side of what drivers import: `transport` (the byte line) and `log`.
//!
//! A store that was lent no line answers every transport call with `disconnected`; the device
//! actors lend the real serial, TCP or emulator line.

use super::bindings::device::fiscal::host::{log, transport};
use super::sandbox::PluginState;

impl transport::Host for PluginState {
    fn write(&mut self, _bytes: Vec<u8>) -> Result<(), transport::TransportError> {
        Err(transport::TransportError::Disconnected)
    }

    fn read(&mut self, _max: u32, _timeout_ms: u32) -> Result<Vec<u8>, transport::TransportError> {
        Err(transport::TransportError::Disconnected)
    }

    fn discard_input(&mut self) {}
}

impl log::Host for PluginState {
    fn write(&mut self, level: log::Level, message: String) {
        match level {
            log::Level::Trace => tracing::trace!(target: "fiscal_host::driver", "{message}"),
            log::Level::Debug => tracing::debug!(target: "fiscal_host::driver", "{message}"),
            log::Level::Info => tracing::info!(target: "fiscal_host::driver", "{message}"),
            log::Level::Warn => tracing::warn!(target: "fiscal_host::driver", "{message}"),
            log::Level::Error => tracing::error!(target: "fiscal_host::driver", "{message}"),
        }
    }
}
