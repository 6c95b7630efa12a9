//! Kazakh and Uzbek VAT as a `tax-calculator` component.
//!
//! This crate owns the two countries' rate tables: the dated standard rates
//! (KZ 12% → 16% on 2026-01-01, UZ 15% → 12% on 2023-01-01), which the
//! jurisdiction may configure, the reduced rates Kazakhstan introduced in 2026,
//! and the default meaning of tax codes. Neither country has computed rates nor
//! a register code like Russia's tag 1199, so `vat-code` is always none.
//! The arithmetic is `tax-common`'s.
//!
//! The generated WIT types are re-exported so the host can call
//! `<tax_kz_uz::TaxKzUz as tax_kz_uz::Guest>::calculate` natively.

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.1.0",
    world: "tax-calculator",
    // The host compares native and Wasm results, and the tests compare whole results.
    additional_derives: [PartialEq, Eq],
});

pub use exports::fiscal::host::tax::*;

use tax_common::{Day, FigureError, Rate, Totals};

/// The component: VAT of Kazakhstan and Uzbekistan.
pub struct TaxKzUz;

#[cfg(target_arch = "wasm32")]
export!(TaxKzUz);

/// Kazakhstan's new Tax Code (Law No. 214-VIII): 16% standard, 5% and 10% reduced.
const KZ_NEW_CODE_FROM: Day = Day::new(2026, 1, 1);
/// Medicines move from 5% to 10%, leaving 5% without goods.
const KZ_MEDICINES_10_FROM: Day = Day::new(2027, 1, 1);
/// Uzbekistan's standard rate fell from 15% to 12%.
const UZ_12_FROM: Day = Day::new(2023, 1, 1);
/// Every standard rate Uzbekistan has had; a client still sending an old one
/// is accepted with a warning rather than refused (seed 002 sends 15%).
const UZ_TABLE_STANDARDS: [i32; 2] = [1500, 1200];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Country {
    Kz,
    Uz,
}

impl Country {
    fn parse(code: &str) -> Option<Self> {
        match code {
            "KZ" => Some(Country::Kz),
            "UZ" => Some(Country::Uz),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Country::Kz => "Kazakhstan",
            Country::Uz => "Uzbekistan",
        }
    }

    /// The table's standard rate on `date`, unless the jurisdiction configures one.
    fn standard_rate(self, configured: Option<i32>, date: Day) -> i32 {
        configured.unwrap_or(match self {
            Country::Kz if date < KZ_NEW_CODE_FROM => 1200,
            Country::Kz => 1600,
            Country::Uz if date < UZ_12_FROM => 1500,
            Country::Uz => 1200,
        })
    }

    fn default_code(self, code: u32, standard: i32) -> Option<Rate> {
        Some(match (self, code) {
            (_, 0) => Rate::Percent(standard),
            (_, 1) => Rate::Exempt,
            (_, 2) => Rate::Percent(0),
            (Country::Kz, 3) => Rate::Percent(1000),
            (Country::Kz, 4) => Rate::Percent(500),
            _ => return None,
        })
    }

    /// Whether `rate` exists on `date`: `Ok(Some(warning))` when accepted but
    /// worth a look, `Err(reason)` when refused.
    fn check_rate(self, rate: Rate, date: Day, standard: i32) -> Result<Option<String>, String> {
        let bp = match rate {
            Rate::Exempt => return Ok(None),
            Rate::Computed(_) => {
                return Err(format!(
                    "{} has no computed VAT rates such as {rate}",
                    self.name()
                ));
            }
            Rate::Percent(bp) => bp,
        };
        if bp >= 0 && (bp == 0 || bp == standard) {
            return Ok(None);
        }
        let no_such_rate = || {
            format!(
                "{} has no VAT rate {rate} on {date}; the standard rate is {}",
                self.name(),
                Rate::Percent(standard)
            )
        };
        match (self, bp) {
            (Country::Kz, 500 | 1000) if date < KZ_NEW_CODE_FROM => Err(format!(
                "VAT {rate} exists in Kazakhstan from {KZ_NEW_CODE_FROM}; the document is dated {date}"
            )),
            (Country::Kz, 500) if date >= KZ_MEDICINES_10_FROM => Err(format!(
                "VAT 5% (medicines) applies in 2026 only; from {KZ_MEDICINES_10_FROM} medicines are taxed at 10%"
            )),
            (Country::Kz, 500 | 1000) => Ok(None),
            (Country::Uz, _) if UZ_TABLE_STANDARDS.contains(&bp) => Ok(Some(format!(
                "VAT {rate} sent, but Uzbekistan's standard rate on {date} is {}; computed with {rate} as sent",
                Rate::Percent(standard)
            ))),
            _ => Err(no_such_rate()),
        }
    }
}

impl Guest for TaxKzUz {
    fn calculate(doc: Document) -> Result<TaxResult, TaxError> {
        let Some(country) = Country::parse(&doc.jurisdiction.country) else {
            return Err(TaxError::UnsupportedCountry(doc.jurisdiction.country));
        };
        if doc.lines.is_empty() {
            return Err(TaxError::EmptyDocument);
        }
        let date = day(doc.date);
        let standard = country.standard_rate(doc.jurisdiction.standard_rate, date);

        let mut warnings = Vec::new();
        let mut totals = Totals::new();
        let mut lines = Vec::with_capacity(doc.lines.len());
        for (index, line) in doc.lines.iter().enumerate() {
            let at = index as u32;
            let rate = match line.tax {
                TaxSpec::Code(code) => code_rate(country, &doc.jurisdiction, code, date, standard)
                    .map_err(|message| TaxError::UnknownTaxCode(problem(at, message)))?,
                ref spec => explicit_rate(spec).expect("only a code has no rate of its own"),
            };
            let warning = country
                .check_rate(rate, date, standard)
                .map_err(|message| TaxError::RateNotAllowed(problem(at, message)))?;
            if let Some(message) = warning {
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
                vat_code: None,
            });
        }

        let total = totals.total();
        let totals = totals
            .into_rates()
            .into_iter()
            .map(|t| RateTotal {
                vat: vat(t.key),
                vat_code: None,
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

/// A tax code: the jurisdiction's overrides in force on `date` first, then the
/// country's default. The error is the reason for `unknown-tax-code`.
fn code_rate(
    country: Country,
    jurisdiction: &Jurisdiction,
    code: u32,
    date: Day,
    standard: i32,
) -> Result<Rate, String> {
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
    country
        .default_code(code, standard)
        .ok_or_else(|| format!("tax code {code} is not mapped on {date}"))
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
