//! Devices end to end through the host: the real Wasm drivers, loaded by the real runtime,
//! speaking over a real pseudo-terminal (the host's serial transport) or TCP socket, or the
//! in-process link, to each vendor's emulator; faults injected on the emulator side.

mod common;

/// The built-in drivers, built against the latest WIT.
const DRIVERS: Drivers = Drivers::BuiltIn;

include!("device_cases.rs");
