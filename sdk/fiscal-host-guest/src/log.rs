//! A driver's log lines: the host's `log` import inside Wasm, where they reach the host's
//! tracing under the device's name; standard error outside it (which `cargo test` captures),
//! so protocol code that logs runs unchanged in native tests.

pub use crate::wit::log::Level;

/// Logs `message` at `level`.
pub fn write(level: Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    crate::wit::log::write(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("[{}] {message}", name(level));
}

/// The level's name as the host's tracing prints it.
pub fn name(level: Level) -> &'static str {
    match level {
        Level::Trace => "TRACE",
        Level::Debug => "DEBUG",
        Level::Info => "INFO",
        Level::Warn => "WARN",
        Level::Error => "ERROR",
    }
}

/// Byte-level detail: frames sent and received.
pub fn trace(message: impl AsRef<str>) {
    write(Level::Trace, message.as_ref());
}

/// Steps of an operation.
pub fn debug(message: impl AsRef<str>) {
    write(Level::Debug, message.as_ref());
}

/// What an operation did.
pub fn info(message: impl AsRef<str>) {
    write(Level::Info, message.as_ref());
}

/// Something recovered from.
pub fn warn(message: impl AsRef<str>) {
    write(Level::Warn, message.as_ref());
}

/// An operation failed.
pub fn error(message: impl AsRef<str>) {
    write(Level::Error, message.as_ref());
}

/// Logs an error at `error` level and hands it back: `op().inspect_err(log::failed)`.
pub fn failed<E: std::fmt::Display>(e: &E) {
    error(e.to_string());
}
