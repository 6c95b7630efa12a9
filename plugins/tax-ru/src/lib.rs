//! Russian VAT as a `tax-calculator` component.
//!
//! This crate owns Russian law only: which rates exist on which date
//! (20% → 22% on 2026-01-01, 5%/7% from 2025), their FFD tag 1199 codes and the
//! default meaning of seed 000's `tax_number`. The arithmetic is `tax-common`'s.
//!
//! The generated WIT types are re-exported so the host can call
//! `<tax_ru::TaxRu as tax_ru::Guest>::calculate` natively, beside the Wasm call.

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.1.0",
    world: "tax-calculator",
    // The host compares native and Wasm results, and the tests compare whole results.
    additional_derives: [PartialEq, Eq],
});

pub use exports::fiscal::host::tax::*;

use tax_common::{Day, FigureError, Rate, Totals};

/// The component: Russian VAT.
pub struct TaxRu;

#[cfg(target_arch = "wasm32")]
export!(TaxRu);

/// 5% and 7% (and 5/105, 7/107) for simplified-regime payers exist from here on.
const SIMPLIFIED_RATES_FROM: Day = Day::new(2025, 1, 1);
/// Federal Law No. 425-FZ: the general rate is 22% from here on, 20% before.
const GENERAL_22_FROM: Day = Day::new(2026, 1, 1);

impl Guest for TaxRu {
    fn calculate(doc: Document) -> Result<TaxResult, TaxError> {
        if doc.jurisdiction.country != "RU" {
            return Err(TaxError::UnsupportedCountry(doc.jurisdiction.country));
        }
        if doc.lines.is_empty() {
            return Err(TaxError::EmptyDocument);
        }
        let date = day(doc.date);
        let general = general_rate(date);
        let mut warnings = Vec::new();
        if let Some(configured) = doc.jurisdiction.standard_rate
            && configured != general
        {
            warnings.push(Warning {
                line: None,
                message: format!(
                    "the jurisdiction's standard-rate {} is ignored: Russia's general rate on {date} is {} by law",
                    Rate::Percent(configured),
                    Rate::Percent(general),
                ),
            });
        }

        let mut totals = Totals::new();
        let mut lines = Vec::with_capacity(doc.lines.len());
        for (index, line) in doc.lines.iter().enumerate() {
            let at = index as u32;
            let rate = match line.tax {
                TaxSpec::Code(code) => code_rate(&doc.jurisdiction, code, date)
                    .map_err(|message| TaxError::UnknownTaxCode(problem(at, message)))?,
                ref spec => explicit_rate(spec).expect("only a code has no rate of its own"),
            };
            let checked = check_rate(rate, date, doc.kind)
                .map_err(|message| TaxError::RateNotAllowed(problem(at, message)))?;
            if let Some(message) = checked.warning {
                warnings.push(Warning {
                    line: Some(at),
                    message,
                });
            }
            let figures = tax_common::line_figures(&line_input(line), rate)
                .and_then(|figures| totals.add(rate, figures).map(|()| figures))
                .map_err(|error| figure_error(at, error))?;
            lines.push(LineResult {
                amount: figures.amount,
                tax: figures.tax,
                vat: vat(rate),
                vat_code: Some(checked.ffd_code),
            });
        }

        let total = totals.total();
        let totals = totals
            .into_rates()
            .into_iter()
            .map(|t| RateTotal {
                vat: vat(t.key),
                // Every rate in the totals has passed `check_rate`, so it has a code.
                vat_code: ffd_code(t.key),
                base: t.base,
                tax: t.tax,
            })
            .collect();
        Ok(TaxResult {
            lines,
            totals,
            total,
            warnings,
        })
    }
}

fn general_rate(date: Day) -> i32 {
    if date < GENERAL_22_FROM { 2000 } else { 2200 }
}

/// FFD tag 1199 "ставка НДС"; `None` for a rate Russia does not have at all.
fn ffd_code(rate: Rate) -> Option<u8> {
    Some(match rate {
        Rate::Percent(2000) => 1,
        Rate::Percent(1000) => 2,
        Rate::Computed(2000) => 3,
        Rate::Computed(1000) => 4,
        Rate::Percent(0) => 5,
        Rate::Exempt => 6,
        Rate::Percent(500) => 7,
        Rate::Percent(700) => 8,
        Rate::Computed(500) => 9,
        Rate::Computed(700) => 10,
        Rate::Percent(2200) => 11,
        Rate::Computed(2200) => 12,
        _ => return None,
    })
}

/// A rate accepted for a document.
struct Checked {
    ffd_code: u8,
    warning: Option<String>,
}

/// Whether `rate` exists on `date` for a document of `kind`; the error is the reason.
fn check_rate(rate: Rate, date: Day, kind: DocumentKind) -> Result<Checked, String> {
    let ffd_code = ffd_code(rate).ok_or_else(|| format!("Russia has no VAT rate {rate}"))?;
    let accepted = Checked {
        ffd_code,
        warning: None,
    };
    let bp = match rate {
        Rate::Percent(bp) | Rate::Computed(bp) => bp,
        Rate::Exempt => return Ok(accepted),
    };
    match bp {
        500 | 700 if date < SIMPLIFIED_RATES_FROM => Err(format!(
            "VAT {rate} exists from {SIMPLIFIED_RATES_FROM}; the document is dated {date}"
        )),
        2200 if date < GENERAL_22_FROM => Err(format!(
            "VAT {rate} applies from {GENERAL_22_FROM}; on {date} the general rate is 20%"
        )),
        // A return in 2026 may undo a 2025 sale, which was taxed at 20%: the refund
        // must carry the tax that was charged, so 20% stays allowed, but flagged.
        2000 if date >= GENERAL_22_FROM => match kind {
            DocumentKind::SaleReturn | DocumentKind::ExpenseReturn => Ok(Checked {
                warning: Some(format!(
                    "VAT {rate} on a {} dated {date}: accepted as the return of a document made before {GENERAL_22_FROM}, when the general rate was 20%",
                    kind_name(kind)
                )),
                ..accepted
            }),
            DocumentKind::Sale | DocumentKind::Expense => Err(format!(
                "VAT {rate} ended on 2025-12-31; on {date} the general rate is 22%, and 20% is allowed only on returns"
            )),
        },
        _ => Ok(accepted),
    }
}

fn kind_name(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Sale => "sale",
        DocumentKind::SaleReturn => "sale-return",
        DocumentKind::Expense => "expense",
        DocumentKind::ExpenseReturn => "expense-return",
    }
}

/// Seed 000's `tax_number`: the jurisdiction's overrides in force on `date`
/// first, then the dated default. The error is the reason for `unknown-tax-code`.
fn code_rate(jurisdiction: &Jurisdiction, code: u32, date: Day) -> Result<Rate, String> {
    let overrides = jurisdiction
        .tax_codes
        .iter()
        .filter(|entry| entry.code == code)
        .map(|entry| (entry.valid_from.map(day), &entry.rate));
    if let Some(spec) = tax_common::pick_dated(overrides, date) {
        return explicit_rate(spec).ok_or_else(|| {
            format!("tax code {code} is mapped by the jurisdiction to another code; a mapping must name a rate")
        });
    }
    let general = general_rate(date);
    Ok(match code {
        0 => Rate::Percent(general),
        1 => Rate::Percent(1000),
        2 => Rate::Percent(0),
        3 => Rate::Exempt,
        4 => Rate::Computed(general),
        5 => Rate::Computed(1000),
        6 => Rate::Percent(500),
        7 => Rate::Percent(700),
        8 => Rate::Computed(500),
        9 => Rate::Computed(700),
        _ => return Err(format!("tax code {code} is not mapped on {date}")),
    })
}

/// The rate a spec names itself; `None` for a code, which needs the mapping.
fn explicit_rate(spec: &TaxSpec) -> Option<Rate> {
    match *spec {
        TaxSpec::Percent(bp) => Some(Rate::Percent(bp)),
        TaxSpec::Computed(bp) => Some(Rate::Computed(bp)),
        TaxSpec::Exempt => Some(Rate::Exempt),
        TaxSpec::Code(_) => None,
    }
}

fn day(date: Date) -> Day {
    Day::new(date.year, date.month, date.day)
}

fn vat(rate: Rate) -> Vat {
    match rate {
        Rate::Percent(bp) => Vat::Rate(bp),
        Rate::Computed(bp) => Vat::Computed(bp),
        Rate::Exempt => Vat::None,
    }
}

fn line_input(line: &Line) -> tax_common::LineInput {
    tax_common::LineInput {
        price: line.price,
        quantity: line.quantity,
        discount: line.discount,
        calc: match line.calc {
            CalcType::InPrice => tax_common::Calc::InPrice,
            CalcType::Fixed => tax_common::Calc::Fixed,
            CalcType::Simplified => tax_common::Calc::Simplified,
        },
        margin: line.margin.map(|margin| match margin {
            Margin::Sum(sum) => tax_common::Margin::Sum(sum),
            Margin::UnitPrice(price) => tax_common::Margin::UnitPrice(price),
        }),
    }
}

fn problem(line: u32, message: String) -> LineProblem {
    LineProblem { line, message }
}

fn figure_error(line: u32, error: FigureError) -> TaxError {
    match error {
        FigureError::Invalid(message) => TaxError::InvalidLine(problem(line, message)),
        FigureError::Overflow(message) => TaxError::Overflow(problem(line, message)),
    }
}

#[cfg(test)]
mod tests;
