//! The device tests of `devices.rs` once more, every driver loaded from its build against
//! WIT 0.1.0 (`tests/fixtures/wit-0.1.0/`, built from the drivers' sources before they moved to
//! 0.2.0): the host keeps loading and driving a component a vendor shipped for an older
//! contract, through its 0.1.0 adapter.

mod common;

/// The 0.1.0 builds, loaded by path.
const DRIVERS: Drivers = Drivers::Wit0_1_0;

include!("device_cases.rs");
