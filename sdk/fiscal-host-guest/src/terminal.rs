//! The `payment-terminal` world: a card terminal exports `terminal` (describe, pay, cancel,
//! refund, last-transaction) and imports `transport`, `settings` and `log`.
//!
//! ```ignore
//! struct MyTerminal;
//! impl fiscal_host_guest::terminal::Guest for MyTerminal { /* … */ }
//! fiscal_host_guest::terminal::export!(MyTerminal);
//! ```

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.2.0",
    world: "payment-terminal",
    with: {
        "fiscal:host/types@0.2.0": crate::wit::types,
        "fiscal:host/driver-types@0.2.0": crate::wit::driver_types,
        "fiscal:host/transport@0.2.0": crate::wit::transport,
        "fiscal:host/settings@0.2.0": crate::wit::settings,
        "fiscal:host/log@0.2.0": crate::wit::log,
    },
    additional_derives: [PartialEq, Eq],
    pub_export_macro: true,
    default_bindings_module: "fiscal_host_guest::terminal",
});

pub use self::exports::fiscal::host::terminal::*;
