//! Shtrih-M fiscal register driver (Russian KKT with a fiscal drive, 54-FZ) as a
//! `device-driver` component.
//!
//! The protocol lives in plain modules over `driver_kit::Port`, so native tests drive it
//! against the emulator (`shtrih-m-emulator`) and the Wasm guest only adapts the WIT imports:
//!
//! - [`frame`]: STX LEN CMD DATA LRC frames, one- and two-byte (`FF xx`) command codes;
//! - [`link`]: the ENQ/ACK/NAK handshake, retries and timeouts;
//! - [`text`]: CP1251, the register's code page;
//! - [`commands`]: request encoders and answer decoders, one per command;
//! - [`errors`]: the vendor's error codes as WIT `driver-error`s;
//! - [`settings`]: the driver's configuration keys;
//! - [`Shtrih`]: the register operations the WIT `register` interface exports.
//!
//! The WIT types are generated natively too (from a world that only exports `register`,
//! so no import exists outside Wasm) and re-exported in [`types`]: native callers and the
//! guest share one set of records.

#[cfg(target_arch = "wasm32")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/fiscal-host-0.1.0",
        world: "device-driver",
        additional_derives: [PartialEq, Eq],
    });
}

#[cfg(not(target_arch = "wasm32"))]
mod bindings {
    // The same interface without the imports (transport, settings, log), which exist only
    // inside Wasm: the record types come out identical, at the same paths.
    wit_bindgen::generate!({
        path: "../../wit/fiscal-host-0.1.0",
        inline: "package local:shtrih-native; world native { export fiscal:host/register@0.1.0; }",
        world: "local:shtrih-native/native",
        // The interfaces `register` uses (types, print, driver-types) are generated here too.
        generate_all,
        additional_derives: [PartialEq, Eq],
    });
}

pub mod commands;
mod driver;
pub mod errors;
pub mod frame;
pub mod link;
mod printing;
mod receipt;
pub mod settings;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod guest;

pub use driver::{LogLevel, Shtrih};
pub use settings::Settings;

/// The WIT records the operations take and return.
pub mod types {
    pub use crate::bindings::exports::fiscal::host::register::{
        FiscalReceipt, ReceiptItem, ReceiptPayments,
    };
    pub use crate::bindings::fiscal::host::driver_types::{
        Cashier, DeviceInfo, DeviceStatus, DriverError, ErrorClass, FiscalResult, LastDocument,
        ShiftState,
    };
    pub use crate::bindings::fiscal::host::print::{
        Align, Barcode, BarcodeKind, Element, Text, TextSize,
    };
    pub use crate::bindings::fiscal::host::types::{Date, DateTime, DocumentKind, Money, Vat};
}
