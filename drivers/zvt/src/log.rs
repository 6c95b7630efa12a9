//! The driver's log lines, through the SDK: the host's `log` import inside Wasm, standard
//! error natively (which `cargo test` captures).

pub use fiscal_host_guest::log::{Level, debug, info, warn, write};
