//! Tax documents for the tests and the benchmarks, in the host's binding types and, for the
//! Wasm-versus-native comparisons, in tax-ru's own generated types with the same figures.

#![allow(dead_code)]

use fiscal_host::plugins::contract::tax;

pub fn line(name: &str, price: i64, quantity: i64, spec: tax::TaxSpec) -> tax::Line {
    tax::Line {
        name: name.into(),
        price,
        quantity,
        discount: 0,
        tax: spec,
        calc: tax::CalcType::InPrice,
        margin: None,
    }
}

pub fn document(
    country: &str,
    (year, month, day): (u16, u8, u8),
    lines: Vec<tax::Line>,
) -> tax::Document {
    tax::Document {
        kind: tax::DocumentKind::Sale,
        date: tax::Date { year, month, day },
        jurisdiction: tax::Jurisdiction {
            country: country.into(),
            tax_codes: vec![],
            standard_rate: None,
        },
        lines,
    }
}

/// `n` lines of (price, quantity, seed-000 tax code): varied prices, fractional quantities,
/// codes 0 and 1 alternating, so two rates appear.
pub fn varied_lines(n: usize) -> Vec<(i64, i64, u32)> {
    (0..n as i64)
        .map(|i| {
            (
                1000 + (i * 737) % 50_000,
                250 + (i * 1_333) % 9_000,
                (i % 2) as u32,
            )
        })
        .collect()
}

/// A Russian sale dated 2026-03-01 of the given coded lines, in both type families.
pub fn ru_sale(lines: &[(i64, i64, u32)]) -> (tax::Document, tax_ru::Document) {
    let wasm = document(
        "RU",
        (2026, 3, 1),
        lines
            .iter()
            .enumerate()
            .map(|(i, &(price, quantity, code))| {
                line(
                    &format!("Товар {i}"),
                    price,
                    quantity,
                    tax::TaxSpec::Code(code),
                )
            })
            .collect(),
    );
    let native = tax_ru::Document {
        kind: tax_ru::DocumentKind::Sale,
        date: tax_ru::Date {
            year: 2026,
            month: 3,
            day: 1,
        },
        jurisdiction: tax_ru::Jurisdiction {
            country: "RU".into(),
            tax_codes: vec![],
            standard_rate: None,
        },
        lines: wasm
            .lines
            .iter()
            .map(|l| tax_ru::Line {
                price: l.price,
                quantity: l.quantity,
                discount: l.discount,
                tax: match l.tax {
                    tax::TaxSpec::Code(c) => tax_ru::TaxSpec::Code(c),
                    _ => unreachable!("ru_sale builds coded lines only"),
                },
                calc: tax_ru::CalcType::InPrice,
                margin: None,
            })
            .collect(),
    };
    (wasm, native)
}
