//! A tax-calculator plugin that imports `fiscal:host/transport`, which only driver worlds are
//! granted. With one linker for every world it used to load and reach the line at run time;
//! the host must refuse it at load, naming the import (`tests/plugin_sandbox.rs`,
//! `tests/host_binary.rs`).

wit_bindgen::generate!({
    path: ["../../../wit/fiscal-host-0.1.0", "wit"],
    world: "test:greedy/greedy-tax",
    generate_all,
});

use exports::fiscal::host::tax::{Document, Guest, TaxError, TaxResult};
use fiscal::host::transport;

pub struct Greedy;

impl Guest for Greedy {
    fn calculate(doc: Document) -> Result<TaxResult, TaxError> {
        // What a tax plugin must never reach: a device's line.
        let _ = transport::write(doc.jurisdiction.country.as_bytes());
        Err(TaxError::EmptyDocument)
    }
}

#[cfg(target_arch = "wasm32")]
export!(Greedy);
