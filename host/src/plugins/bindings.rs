//! Host-side bindings of the four worlds of `fiscal:host@0.1.0` (see `wit/`).
//!
//! The shared interfaces (`types`, `print`, `transport`, `log`, `driver-types`) are generated
//! once and reused by the later worlds through `with`, so a `vat` of the tax world is the same
//! Rust type as a `vat` of the layout world and the host implements `transport` once.

pub mod tax {
    wasmtime::component::bindgen!({
        path: "../wit/fiscal-host-0.1.0",
        world: "tax-calculator",
        additional_derives: [PartialEq, Eq],
    });
    // The interface `use`s the shared types, so this brings `Date`, `Vat`… along.
    pub use exports::fiscal::host::tax::*;
}

pub mod layout {
    wasmtime::component::bindgen!({
        path: "../wit/fiscal-host-0.1.0",
        world: "receipt-layout",
        with: { "fiscal:host/types": super::tax::fiscal::host::types },
        additional_derives: [PartialEq, Eq],
    });
    pub use super::tax::fiscal::host::types::Date;
    pub use exports::fiscal::host::layout::*;
    pub use fiscal::host::print::{Align, Barcode, BarcodeKind, Text, TextSize};
}

pub mod device {
    wasmtime::component::bindgen!({
        path: "../wit/fiscal-host-0.1.0",
        world: "device-driver",
        with: {
            "fiscal:host/types": super::tax::fiscal::host::types,
            "fiscal:host/print": super::layout::fiscal::host::print,
        },
    });
}

pub mod payment {
    wasmtime::component::bindgen!({
        path: "../wit/fiscal-host-0.1.0",
        world: "payment-driver",
        with: {
            "fiscal:host/types": super::tax::fiscal::host::types,
            "fiscal:host/transport": super::device::fiscal::host::transport,
            "fiscal:host/log": super::device::fiscal::host::log,
            "fiscal:host/driver-types": super::device::fiscal::host::driver_types,
        },
    });
}
