//! The host side of what drivers import: `transport` (the byte line), `settings` and `log`.
//!
//! A store that was lent no line (a plugin check, a tax or layout plugin) answers every
//! transport call with `disconnected`; the device actors lend the real serial, TCP or
//! emulator line for the duration of one call.

use std::time::Duration;

use super::bindings::device::fiscal::host::{log, settings, transport};
use super::sandbox::PluginState;
use crate::transport::PortError;

/// However long a driver asks to wait, one read never blocks its device longer than this.
const MAX_READ_WAIT: Duration = Duration::from_secs(30);

fn to_wit(e: PortError) -> transport::TransportError {
    match e {
        PortError::Timeout => transport::TransportError::Timeout,
        PortError::Disconnected => transport::TransportError::Disconnected,
        PortError::Io(msg) => transport::TransportError::Io(msg),
    }
}

impl transport::Host for PluginState {
    fn write(&mut self, bytes: Vec<u8>) -> Result<(), transport::TransportError> {
        match self.lent.as_mut() {
            Some(lent) => lent.line.write(&bytes).map_err(to_wit),
            None => Err(transport::TransportError::Disconnected),
        }
    }

    fn read(&mut self, max: u32, timeout_ms: u32) -> Result<Vec<u8>, transport::TransportError> {
        let wait = Duration::from_millis(timeout_ms.into()).min(MAX_READ_WAIT);
        match self.lent.as_mut() {
            Some(lent) => lent
                .line
                .read(max.clamp(1, 1 << 20) as usize, wait)
                .map_err(to_wit),
            None => Err(transport::TransportError::Disconnected),
        }
    }

    fn discard_input(&mut self) {
        if let Some(lent) = self.lent.as_mut() {
            lent.line.discard_input();
        }
    }
}

impl settings::Host for PluginState {
    fn get(&mut self, key: String) -> Option<String> {
        self.lent
            .as_ref()
            .and_then(|lent| lent.settings.get(&key).cloned())
    }
}

impl log::Host for PluginState {
    fn write(&mut self, level: log::Level, message: String) {
        let device = self
            .lent
            .as_ref()
            .map(|l| l.device.clone())
            .unwrap_or_else(|| "-".into());
        let device = &*device;
        match level {
            log::Level::Trace => {
                tracing::trace!(target: "fiscal_host::driver", device, "{message}")
            }
            log::Level::Debug => {
                tracing::debug!(target: "fiscal_host::driver", device, "{message}")
            }
            log::Level::Info => tracing::info!(target: "fiscal_host::driver", device, "{message}"),
            log::Level::Warn => tracing::warn!(target: "fiscal_host::driver", device, "{message}"),
            log::Level::Error => {
                tracing::error!(target: "fiscal_host::driver", device, "{message}")
            }
        }
    }
}
