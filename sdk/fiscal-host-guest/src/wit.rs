//! The bindings every world shares, generated once: `types`, `driver-types`, `print` and the
//! driver imports `transport`, `settings` and `log`. The world modules ([`crate::register`],
//! [`crate::printer`], [`crate::terminal`], [`crate::tax`], [`crate::layout`]) map these
//! interfaces here with `with:`, so there is one Rust type per WIT type across all worlds: a
//! `DriverError` is the same type in a register and in a terminal driver, a `Date` the same in a
//! tax plugin and a layout.
//!
//! Outside Wasm the import functions exist but must not be called (wit-bindgen's native stubs
//! panic); [`crate::port`], [`crate::settings`] and [`crate::log`] wrap them so native tests
//! never reach them.

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.3.0",
    inline: "
        package local:fiscal-host-guest-shared;
        world shared {
            import fiscal:host/types@0.3.0;
            import fiscal:host/driver-types@0.3.0;
            import fiscal:host/print@0.3.0;
            import fiscal:host/transport@0.3.0;
            import fiscal:host/settings@0.3.0;
            import fiscal:host/log@0.3.0;
        }
    ",
    world: "local:fiscal-host-guest-shared/shared",
    // Plugins compare whole results in their tests, and the host compares native and Wasm ones.
    additional_derives: [PartialEq, Eq],
    // The interfaces come from the fiscal:host package, not the inline one: generate them all.
    generate_all,
});

pub use fiscal::host::{driver_types, log, print, settings, transport, types};
