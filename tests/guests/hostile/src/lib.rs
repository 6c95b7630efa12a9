//! A tax-calculator plugin that misbehaves on request, so the host's sandbox can be proved.
//!
//! The first line's name chooses the behaviour: `trap` panics (a Wasm trap), `loop` spins
//! forever, `oom` asks for 1 GiB, `print` writes to stdout and stderr and then answers,
//! `count` answers with a warning saying how many calls this instance has served (the host
//! keeps an instance warm after a normal call and drops it after a failed one), `grow` takes
//! 40 MiB and gives it back before answering (a Wasm memory never shrinks).
//! Any other name gets a well-formed answer, which shows the plugin still serves after a
//! hostile call cost one request.

wit_bindgen::generate!({ path: "../../../wit/fiscal-host-0.1.0", world: "tax-calculator" });

use exports::fiscal::host::tax::{Document, Guest, LineResult, TaxError, TaxResult, Warning};
use fiscal::host::types::Vat;

pub struct Hostile;

/// Calls this instance has served: state that lives exactly as long as the instance.
static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Guest for Hostile {
    fn calculate(doc: Document) -> Result<TaxResult, TaxError> {
        let calls = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let first = doc.lines.first().ok_or(TaxError::EmptyDocument)?;
        match first.name.as_str() {
            "trap" => panic!("hostile plugin: asked to trap"),
            "loop" => {
                // black_box keeps the optimiser from proving the loop has no effect.
                let mut n = 0u64;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "oom" => {
                let hog = vec![1u8; 1 << 30];
                std::hint::black_box(&hog);
            }
            "grow" => {
                let big = vec![1u8; 40 << 20];
                std::hint::black_box(&big);
            }
            "print" => {
                println!("hostile plugin: a line on stdout");
                eprintln!("hostile plugin: a line on stderr");
            }
            _ => {}
        }
        let lines: Vec<LineResult> = doc
            .lines
            .iter()
            .map(|l| LineResult {
                amount: l.price * l.quantity / 1000,
                tax: 0,
                vat: Vat::None,
                vat_code: None,
            })
            .collect();
        let total = lines.iter().map(|l| l.amount).sum();
        let warnings = match first.name.as_str() {
            "count" => vec![Warning {
                line: None,
                message: format!("call {calls} of this instance"),
            }],
            _ => Vec::new(),
        };
        Ok(TaxResult {
            lines,
            totals: Vec::new(),
            total,
            warnings,
        })
    }
}

#[cfg(target_arch = "wasm32")]
export!(Hostile);
