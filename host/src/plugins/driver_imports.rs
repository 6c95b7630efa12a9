//! The host side of what drivers import: `transport` (the byte line), `settings` and `log`,
//! written once; each WIT version's module (`wit/v0_*.rs`) implements its generated traits
//! over these functions.
//!
//! A store that holds no line (a plugin check, a tax or layout plugin) answers every
//! transport call with `disconnected`; a device's actor keeps its line in its driver's store.

use std::time::Duration;

use super::sandbox::PluginState;
use crate::transport::PortError;

/// However long a driver asks to wait, one read never blocks its device longer than this.
const MAX_READ_WAIT: Duration = Duration::from_secs(30);

pub fn write(state: &mut PluginState, bytes: &[u8]) -> Result<(), PortError> {
    match state.device.as_mut() {
        Some(device) => device.line.write(bytes),
        None => Err(PortError::Disconnected),
    }
}

pub fn read(state: &mut PluginState, max: u32, timeout_ms: u32) -> Result<Vec<u8>, PortError> {
    let wait = Duration::from_millis(timeout_ms.into()).min(MAX_READ_WAIT);
    match state.device.as_mut() {
        Some(device) => device.line.read(max.clamp(1, 1 << 20) as usize, wait),
        None => Err(PortError::Disconnected),
    }
}

pub fn discard_input(state: &mut PluginState) {
    if let Some(device) = state.device.as_mut() {
        device.line.discard_input();
    }
}

pub fn setting(state: &PluginState, key: &str) -> Option<String> {
    state
        .device
        .as_ref()
        .and_then(|device| device.settings.get(key).cloned())
}

pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

pub fn log(state: &PluginState, level: LogLevel, message: &str) {
    let device = state.device.as_ref().map(|l| &*l.device).unwrap_or("-");
    match level {
        LogLevel::Trace => tracing::trace!(target: "fiscal_host::driver", device, "{message}"),
        LogLevel::Debug => tracing::debug!(target: "fiscal_host::driver", device, "{message}"),
        LogLevel::Info => tracing::info!(target: "fiscal_host::driver", device, "{message}"),
        LogLevel::Warn => tracing::warn!(target: "fiscal_host::driver", device, "{message}"),
        LogLevel::Error => tracing::error!(target: "fiscal_host::driver", device, "{message}"),
    }
}
