//! A complete tax plugin: one country, one 12% rate behind code 0, exempt behind code 1.
//! `cargo build -p fiscal-host-guest --example tax_flat --target wasm32-wasip2`.

// Natively the export expands to nothing, leaving the component unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use fiscal_host_guest::tax::{self, DocumentInfo, Rate, TaxError, TaxLaw};

struct Flat;

impl TaxLaw for Flat {
    fn for_document(doc: &DocumentInfo<'_>) -> Result<Self, TaxError> {
        doc.require_country(&["XX"])?;
        Ok(Flat)
    }
    fn code_rate(&self, code: u32) -> Option<Rate> {
        match code {
            0 => Some(Rate::Percent(1200)),
            1 => Some(Rate::Exempt),
            _ => None,
        }
    }
    fn check_rate(&self, rate: Rate) -> Result<Option<String>, String> {
        match rate {
            Rate::Percent(0 | 1200) | Rate::Exempt => Ok(None),
            other => Err(format!("there is no VAT rate {other}")),
        }
    }
}

type Plugin = tax::LawPlugin<Flat>;

fiscal_host_guest::tax::export!(Plugin);
