//! A receipt-layout skeleton: one line per item and the total.
//! `cargo build -p fiscal-host-guest --example layout_minimal --target wasm32-wasip2`.

// Natively the export expands to nothing, leaving the component unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use fiscal_host_guest::layout::{self, Align, Element, LayoutError, Receipt, Text, TextSize};

struct Demo;

fn line(content: String) -> Element {
    Element::Text(Text {
        content,
        align: Align::Left,
        bold: false,
        size: TextSize::Normal,
    })
}

impl layout::Guest for Demo {
    fn render(receipt: Receipt, width: u32) -> Result<Vec<Element>, LayoutError> {
        if width < 24 {
            return Err(LayoutError::UnsupportedWidth(width));
        }
        let mut out: Vec<Element> = receipt
            .lines
            .iter()
            .map(|l| {
                line(format!(
                    "{}{} {}",
                    if l.marked { "[М] " } else { "" },
                    l.name,
                    l.amount
                ))
            })
            .collect();
        out.push(line(format!(
            "TOTAL {} {}",
            receipt.total, receipt.currency
        )));
        out.push(Element::Cut);
        Ok(out)
    }
}

fiscal_host_guest::layout::export!(Demo);
