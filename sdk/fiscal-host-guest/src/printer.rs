//! The `receipt-printer` world: a receipt printer exports `printer` (describe, status, print)
//! and imports `transport`, `settings` and `log`. It never registers fiscal documents.
//!
//! ```ignore
//! struct MyPrinter;
//! impl fiscal_host_guest::printer::Guest for MyPrinter { /* describe, status, print */ }
//! fiscal_host_guest::printer::export!(MyPrinter);
//! ```

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.3.0",
    world: "receipt-printer",
    with: {
        "fiscal:host/types@0.3.0": crate::wit::types,
        "fiscal:host/driver-types@0.3.0": crate::wit::driver_types,
        "fiscal:host/print@0.3.0": crate::wit::print,
        "fiscal:host/transport@0.3.0": crate::wit::transport,
        "fiscal:host/settings@0.3.0": crate::wit::settings,
        "fiscal:host/log@0.3.0": crate::wit::log,
    },
    additional_derives: [PartialEq, Eq],
    pub_export_macro: true,
    // `export!` below wraps it, so that nothing is exported outside Wasm.
    export_macro_name: "export_receipt_printer",
    default_bindings_module: "fiscal_host_guest::printer",
});

pub use self::exports::fiscal::host::printer::*;

/// Exports a type implementing [`Guest`] as the `receipt-printer` world's component. Outside Wasm it
/// expands to nothing: a native build (tests, the host calling a plugin natively) exports no
/// symbols, whose names a native linker would refuse.
#[doc(inline)]
pub use crate::__fiscal_host_guest_export_printer as export;

#[doc(hidden)]
#[macro_export]
macro_rules! __fiscal_host_guest_export_printer {
    ($ty:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::printer::export_receipt_printer!($ty with_types_in $crate::printer);
    };
}
