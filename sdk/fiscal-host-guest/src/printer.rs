//! The `receipt-printer` world: a receipt printer exports `printer` (describe, status, print)
//! and imports `transport`, `settings` and `log`. It never registers fiscal documents.
//!
//! ```ignore
//! struct MyPrinter;
//! impl fiscal_host_guest::printer::Guest for MyPrinter { /* describe, status, print */ }
//! fiscal_host_guest::printer::export!(MyPrinter);
//! ```

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.2.0",
    world: "receipt-printer",
    with: {
        "fiscal:host/types@0.2.0": crate::wit::types,
        "fiscal:host/driver-types@0.2.0": crate::wit::driver_types,
        "fiscal:host/print@0.2.0": crate::wit::print,
        "fiscal:host/transport@0.2.0": crate::wit::transport,
        "fiscal:host/settings@0.2.0": crate::wit::settings,
        "fiscal:host/log@0.2.0": crate::wit::log,
    },
    additional_derives: [PartialEq, Eq],
    pub_export_macro: true,
    default_bindings_module: "fiscal_host_guest::printer",
});

pub use self::exports::fiscal::host::printer::*;
