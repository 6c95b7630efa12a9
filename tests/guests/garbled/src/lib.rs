//! A `fiscal:host@0.2.0` tax calculator that answers figures the interface cannot carry, chosen
//! by the first line's price (number 0 of the flat line list):
//! 1 — a VAT kind of 9, which names no rate; 2 — figures for one line fewer than the document
//! has; 3 — seven numbers, which do not divide into figures of six. Any other price gets
//! well-formed figures (the amount untaxed), which shows the plugin is otherwise sound.
//!
//! It is written against the raw bindings, not the SDK, because the SDK cannot write such
//! figures.

wit_bindgen::generate!({ path: "../../../wit/fiscal-host-0.2.0", world: "tax-calculator" });

use exports::fiscal::host::tax::{Document, Guest, TaxError, TaxResult};

/// Numbers per line and per line's figures (`tax.wit`).
const LINE: usize = 8;
const FIGURES: usize = 6;

pub struct Garbled;

impl Guest for Garbled {
    fn calculate(doc: Document) -> Result<TaxResult, TaxError> {
        let mut figures: Vec<i64> = doc
            .lines
            .chunks(LINE)
            .flat_map(|l| {
                let amount = l[0] * l[1] / 1000;
                // amount, taxed base, tax, VAT kind 3 (none), value 0, no register code
                [amount, amount, 0, 3, 0, -1]
            })
            .collect();
        let total = figures.chunks(FIGURES).map(|f| f[0]).sum();
        match doc.lines.first() {
            Some(1) => figures[3] = 9,
            Some(2) => figures.truncate(figures.len() - FIGURES),
            Some(3) => figures.push(0),
            _ => {}
        }
        Ok(TaxResult {
            lines: figures,
            totals: Vec::new(),
            total,
            warnings: Vec::new(),
        })
    }
}

#[cfg(target_arch = "wasm32")]
export!(Garbled);
