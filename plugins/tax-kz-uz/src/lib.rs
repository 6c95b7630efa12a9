//! Kazakh and Uzbek VAT as a `fiscal:host@0.2.0` `tax-calculator` component.
//!
//! This crate owns the two countries' rate tables: the dated standard rates
//! (KZ 12% → 16% on 2026-01-01, UZ 15% → 12% on 2023-01-01), which the
//! jurisdiction may configure, the reduced rates Kazakhstan introduced in 2026,
//! and the default meaning of tax codes. Neither country has computed rates nor
//! a register code like Russia's tag 1199, so `vat-code` is always none.
//! The rest — country and empty-document checks, the jurisdiction's tax-code
//! overrides, the half-up figures with the margin as the taxed base, the per-rate
//! totals, the errors with their line — is the SDK's [`tax::calculate`] over
//! `tax-common`'s arithmetic.
//!
//! The WIT types are re-exported so the host can call
//! `<tax_kz_uz::TaxKzUz as tax_kz_uz::Guest>::calculate` natively.

use fiscal_host_guest::tax;
pub use fiscal_host_guest::tax::*;

/// The component: VAT of Kazakhstan and Uzbekistan, their law alone (natively,
/// `TaxKzUz::calculate` is `tax::calculate::<KzUzVat>`).
pub type TaxKzUz = tax::LawPlugin<KzUzVat>;

fiscal_host_guest::tax::export!(TaxKzUz);

/// Kazakhstan's new Tax Code (Law No. 214-VIII): 16% standard, 5% and 10% reduced.
const KZ_NEW_CODE_FROM: Day = Day::new(2026, 1, 1);
/// Medicines move from 5% to 10%, leaving 5% without goods.
const KZ_MEDICINES_10_FROM: Day = Day::new(2027, 1, 1);
/// Uzbekistan's standard rate fell from 15% to 12%.
const UZ_12_FROM: Day = Day::new(2023, 1, 1);
/// Every standard rate Uzbekistan has had; a client still sending an old one
/// is accepted with a warning rather than refused (seed 002 sends 15%).
const UZ_TABLE_STANDARDS: [i32; 2] = [1500, 1200];

/// One of the two countries (not `Country`, the WIT country code re-exported above).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Land {
    Kz,
    Uz,
}

impl Land {
    fn parse(code: &str) -> Option<Self> {
        match code {
            "KZ" => Some(Land::Kz),
            "UZ" => Some(Land::Uz),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Land::Kz => "Kazakhstan",
            Land::Uz => "Uzbekistan",
        }
    }

    /// The table's standard rate on `date`, unless the jurisdiction configures one.
    fn standard_rate(self, configured: Option<i32>, date: Day) -> i32 {
        configured.unwrap_or(match self {
            Land::Kz if date < KZ_NEW_CODE_FROM => 1200,
            Land::Kz => 1600,
            Land::Uz if date < UZ_12_FROM => 1500,
            Land::Uz => 1200,
        })
    }

    fn default_code(self, code: u32, standard: i32) -> Option<Rate> {
        Some(match (self, code) {
            (_, 0) => Rate::Percent(standard),
            (_, 1) => Rate::Exempt,
            (_, 2) => Rate::Percent(0),
            (Land::Kz, 3) => Rate::Percent(1000),
            (Land::Kz, 4) => Rate::Percent(500),
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
            (Land::Kz, 500 | 1000) if date < KZ_NEW_CODE_FROM => Err(format!(
                "VAT {rate} exists in Kazakhstan from {KZ_NEW_CODE_FROM}; the document is dated {date}"
            )),
            (Land::Kz, 500) if date >= KZ_MEDICINES_10_FROM => Err(format!(
                "VAT 5% (medicines) applies in 2026 only; from {KZ_MEDICINES_10_FROM} medicines are taxed at 10%"
            )),
            (Land::Kz, 500 | 1000) => Ok(None),
            (Land::Uz, _) if UZ_TABLE_STANDARDS.contains(&bp) => Ok(Some(format!(
                "VAT {rate} sent, but Uzbekistan's standard rate on {date} is {}; computed with {rate} as sent",
                Rate::Percent(standard)
            ))),
            _ => Err(no_such_rate()),
        }
    }
}

/// The VAT law of one of the two countries on one document's day.
pub struct KzUzVat {
    country: Land,
    date: Day,
    /// The standard rate in force: the jurisdiction's when it configures one, else the table's.
    standard: i32,
}

impl TaxLaw for KzUzVat {
    fn for_document(doc: &DocumentInfo<'_>) -> Result<Self, TaxError> {
        let Some(country) = Land::parse(doc.country()) else {
            return Err(TaxError::UnsupportedCountry(doc.country().to_string()));
        };
        Ok(KzUzVat {
            country,
            date: doc.date,
            standard: country.standard_rate(doc.jurisdiction.standard_rate, doc.date),
        })
    }

    fn code_rate(&self, code: u32) -> Option<Rate> {
        self.country.default_code(code, self.standard)
    }

    fn check_rate(&self, rate: Rate) -> Result<Option<String>, String> {
        self.country.check_rate(rate, self.date, self.standard)
    }

    // Neither country has a register code like Russia's tag 1199: `vat-code` stays none.
}

#[cfg(test)]
mod tests;
