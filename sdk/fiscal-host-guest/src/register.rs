//! The `fiscal-register` world: a fiscal register exports `register` (fiscal operations) and
//! `printer` (copies, slips, reports) and imports `transport`, `settings` and `log`.
//!
//! Implement [`Guest`] (the register interface) and [`PrinterGuest`] (the printer interface,
//! the same trait as [`crate::printer::Guest`]) on one type and export it:
//!
//! ```ignore
//! struct MyRegister;
//! impl fiscal_host_guest::register::Guest for MyRegister { /* … */ }
//! impl fiscal_host_guest::register::PrinterGuest for MyRegister { /* … */ }
//! fiscal_host_guest::register::export!(MyRegister);
//! ```
//!
//! How it is generated: both device worlds that print export the one `printer` interface, and
//! wit-bindgen names an exported interface's `#[macro_export]` macro after the interface alone,
//! so generating `fiscal-register` and `receipt-printer` in one crate would define that macro
//! twice. This module therefore generates a world of `register` alone (same imports), and
//! [`export!`] invokes both its export macro and [`crate::printer`]'s: the component ends up with
//! exactly the `fiscal-register` world's imports and exports.

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.3.0",
    inline: "
        package local:fiscal-host-guest-register;
        world register-half {
            import fiscal:host/transport@0.3.0;
            import fiscal:host/settings@0.3.0;
            import fiscal:host/log@0.3.0;
            export fiscal:host/register@0.3.0;
        }
    ",
    world: "local:fiscal-host-guest-register/register-half",
    with: {
        "fiscal:host/types@0.3.0": crate::wit::types,
        "fiscal:host/driver-types@0.3.0": crate::wit::driver_types,
        "fiscal:host/transport@0.3.0": crate::wit::transport,
        "fiscal:host/settings@0.3.0": crate::wit::settings,
        "fiscal:host/log@0.3.0": crate::wit::log,
    },
    additional_derives: [PartialEq, Eq],
    pub_export_macro: true,
    export_macro_name: "export_register_interface",
    default_bindings_module: "fiscal_host_guest::register",
});

pub use self::exports::fiscal::host::register::*;
pub use crate::printer::Guest as PrinterGuest;
pub use crate::printer::PrinterStatus;

/// Exports a type implementing [`Guest`] and [`PrinterGuest`] as the `fiscal-register` world.
/// Outside Wasm it expands to nothing, as every export macro of this crate.
#[doc(inline)]
pub use crate::__fiscal_host_guest_export_fiscal_register as export;

#[doc(hidden)]
#[macro_export]
macro_rules! __fiscal_host_guest_export_fiscal_register {
    ($ty:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::register::export_register_interface!($ty with_types_in $crate::register);
        #[cfg(target_arch = "wasm32")]
        $crate::printer::export_receipt_printer!($ty with_types_in $crate::printer);
    };
}
