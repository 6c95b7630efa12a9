//! The device tests of `devices.rs` once more, the registers loaded from their builds against
//! WIT 0.2.0 (`tests/fixtures/wit-0.2.0/`, built before `shift-totals` came in 0.3.0): a
//! register a vendor shipped for 0.2.0 keeps selling and closing shifts, its Z reports without
//! counters.

mod common;

/// The 0.2.0 register builds, loaded by path.
const DRIVERS: Drivers = Drivers::Wit0_2_0;

include!("device_cases.rs");
