//! The `receipt-layout` world: a layout exports `layout` (render a receipt to print elements
//! for a paper width) and imports nothing. A pure function: no clock, no state.
//!
//! ```ignore
//! struct MyLayout;
//! impl fiscal_host_guest::layout::Guest for MyLayout {
//!     fn render(receipt: Receipt, width: u32) -> Result<Vec<Element>, LayoutError> { /* … */ }
//! }
//! fiscal_host_guest::layout::export!(MyLayout);
//! ```

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.3.0",
    world: "receipt-layout",
    with: {
        "fiscal:host/types@0.3.0": crate::wit::types,
        "fiscal:host/print@0.3.0": crate::wit::print,
    },
    additional_derives: [PartialEq, Eq],
    pub_export_macro: true,
    // `export!` below wraps it, so that nothing is exported outside Wasm.
    export_macro_name: "export_receipt_layout",
    default_bindings_module: "fiscal_host_guest::layout",
});

pub use self::exports::fiscal::host::layout::*;
pub use crate::wit::print::{Align, Barcode, BarcodeKind, Element, Text, TextSize};

/// Exports a type implementing [`Guest`] as the `receipt-layout` world's component. Outside Wasm it
/// expands to nothing: a native build (tests, the host calling a plugin natively) exports no
/// symbols, whose names a native linker would refuse.
#[doc(inline)]
pub use crate::__fiscal_host_guest_export_layout as export;

#[doc(hidden)]
#[macro_export]
macro_rules! __fiscal_host_guest_export_layout {
    ($ty:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::layout::export_receipt_layout!($ty with_types_in $crate::layout);
    };
}
