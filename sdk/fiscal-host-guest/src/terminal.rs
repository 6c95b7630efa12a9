//! The `payment-terminal` world: a card terminal exports `terminal` (describe, pay, cancel,
//! refund, last-transaction) and imports `transport`, `settings` and `log`.
//!
//! ```ignore
//! struct MyTerminal;
//! impl fiscal_host_guest::terminal::Guest for MyTerminal { /* … */ }
//! fiscal_host_guest::terminal::export!(MyTerminal);
//! ```

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.3.0",
    world: "payment-terminal",
    with: {
        "fiscal:host/types@0.3.0": crate::wit::types,
        "fiscal:host/driver-types@0.3.0": crate::wit::driver_types,
        "fiscal:host/transport@0.3.0": crate::wit::transport,
        "fiscal:host/settings@0.3.0": crate::wit::settings,
        "fiscal:host/log@0.3.0": crate::wit::log,
    },
    additional_derives: [PartialEq, Eq],
    pub_export_macro: true,
    // `export!` below wraps it, so that nothing is exported outside Wasm.
    export_macro_name: "export_payment_terminal",
    default_bindings_module: "fiscal_host_guest::terminal",
});

pub use self::exports::fiscal::host::terminal::*;

/// Exports a type implementing [`Guest`] as the `payment-terminal` world's component. Outside Wasm it
/// expands to nothing: a native build (tests, the host calling a plugin natively) exports no
/// symbols, whose names a native linker would refuse.
#[doc(inline)]
pub use crate::__fiscal_host_guest_export_terminal as export;

#[doc(hidden)]
#[macro_export]
macro_rules! __fiscal_host_guest_export_terminal {
    ($ty:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::terminal::export_payment_terminal!($ty with_types_in $crate::terminal);
    };
}
