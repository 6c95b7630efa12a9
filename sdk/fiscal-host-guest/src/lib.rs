//! The guest side of the Fiscal Host plugin contract `fiscal:host@0.3.0`, for vendors and for
//! our built-in plugins and drivers.
//!
//! One module per world, each owning its `wit_bindgen::generate!` and an `export!` macro:
//!
//! | world | module | a component implements | export with |
//! |---|---|---|---|
//! | `fiscal-register` | [`register`] | `register::Guest` + `register::PrinterGuest` | `fiscal_host_guest::register::export!(T)` |
//! | `receipt-printer` | [`printer`] | `printer::Guest` | `fiscal_host_guest::printer::export!(T)` |
//! | `payment-terminal` | [`terminal`] | `terminal::Guest` | `fiscal_host_guest::terminal::export!(T)` |
//! | `tax-calculator` | [`tax`] | a [`tax::TaxLaw`] as [`tax::LawPlugin`], or `tax::Guest` | `fiscal_host_guest::tax::export!(T)` |
//! | `receipt-layout` | [`layout`] | `layout::Guest` | `fiscal_host_guest::layout::export!(T)` |
//!
//! The interfaces the worlds share (`types`, `driver-types`, `print`, `transport`, `settings`,
//! `log`) are generated once, in [`wit`], and re-exported in [`types`]: one Rust type per WIT
//! type across all worlds. The export macros name this crate by its path, so depend on it as
//! `fiscal-host-guest` without renaming it.
//!
//! For drivers: [`port::HostPort`] is the `transport` import as a [`driver_kit::Port`];
//! [`settings::Settings`] reads the `settings` import under one policy (a present but bad value
//! is an error naming the key, never a silent default); [`log`] writes the `log` import;
//! [`error`] builds `driver-error`s and converts port and setting failures to them.
//!
//! Everything but the import calls compiles and runs natively, so `cargo test` of a driver runs
//! its protocol over `driver_kit::StreamPort` against an emulator, and a plugin's tests call its
//! `Guest` implementation directly.

// The export macros name the crate by path (`fiscal_host_guest::tax`), also in this crate's own
// doc tests and unit tests.
extern crate self as fiscal_host_guest;

pub mod wit;

pub mod error;
pub mod log;
pub mod port;
pub mod settings;

pub mod layout;
pub mod printer;
pub mod register;
pub mod tax;
pub mod terminal;

pub use driver_kit;

/// Every shared WIT type under one roof.
pub mod types {
    pub use crate::wit::driver_types::{
        DeviceInfo, DeviceStatus, DriverError, ErrorClass, FiscalResult, LastDocument, ShiftState,
    };
    pub use crate::wit::print::{Align, Barcode, BarcodeKind, Element, Text, TextSize};
    pub use crate::wit::types::{
        BasisPoints, Cashier, Correction, CorrectionBasis, Country, Date, DateTime, DocumentKind,
        Money, Quantity, Vat,
    };
}
