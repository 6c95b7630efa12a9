//! Russian VAT as a `fiscal:host@0.2.0` `tax-calculator` component.
//!
//! This crate owns Russian law only: which rates exist on which date
//! (20% → 22% on 2026-01-01, 5%/7% from 2025), their FFD tag 1199 codes and the
//! default meaning of seed 000's `tax_number`. The rest — country and empty-document
//! checks, the jurisdiction's tax-code overrides, the half-up figures with the margin as
//! the taxed base, the per-rate totals, the errors with their line — is the SDK's
//! [`tax::calculate`] over `tax-common`'s arithmetic.
//!
//! The WIT types are re-exported so the host can call
//! `<tax_ru::TaxRu as tax_ru::Guest>::calculate` natively, beside the Wasm call.

use fiscal_host_guest::tax;
pub use fiscal_host_guest::tax::*;

/// The component: Russian VAT, its law alone (natively, `TaxRu::calculate` is
/// `tax::calculate::<RussianVat>`).
pub type TaxRu = tax::LawPlugin<RussianVat>;

fiscal_host_guest::tax::export!(TaxRu);

/// 5% and 7% (and 5/105, 7/107) for simplified-regime payers exist from here on.
const SIMPLIFIED_RATES_FROM: Day = Day::new(2025, 1, 1);
/// Federal Law No. 425-FZ: the general rate is 22% from here on, 20% before.
const GENERAL_22_FROM: Day = Day::new(2026, 1, 1);

/// Russia's VAT law on one document's day, for one kind of document.
pub struct RussianVat {
    date: Day,
    kind: DocumentKind,
    /// The general rate in force on `date`, in basis points.
    general: i32,
    /// The jurisdiction's `standard-rate` when it disagrees with the law.
    ignored_standard: Option<i32>,
}

impl TaxLaw for RussianVat {
    fn for_document(doc: &DocumentInfo<'_>) -> Result<Self, TaxError> {
        doc.require_country(&["RU"])?;
        let general = general_rate(doc.date);
        Ok(RussianVat {
            date: doc.date,
            kind: doc.kind,
            general,
            ignored_standard: doc
                .jurisdiction
                .standard_rate
                .filter(|&configured| configured != general),
        })
    }

    fn document_warnings(&self) -> Vec<String> {
        self.ignored_standard
            .map(|configured| {
                format!(
                    "the jurisdiction's standard-rate {} is ignored: Russia's general rate on {} is {} by law",
                    Rate::Percent(configured),
                    self.date,
                    Rate::Percent(self.general),
                )
            })
            .into_iter()
            .collect()
    }

    /// Seed 000's `tax_number`, dated by the general rate.
    fn code_rate(&self, code: u32) -> Option<Rate> {
        let general = self.general;
        Some(match code {
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
            _ => return None,
        })
    }

    fn check_rate(&self, rate: Rate) -> Result<Option<String>, String> {
        check_rate(rate, self.date, self.kind)
    }

    /// Every accepted rate has a code: `check_rate` refuses those without one.
    fn vat_code(&self, rate: Rate) -> Option<u8> {
        ffd_code(rate)
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

/// Whether `rate` exists on `date` for a document of `kind`: `Ok(Some(warning))` when
/// accepted but worth a look; the error is the reason.
fn check_rate(rate: Rate, date: Day, kind: DocumentKind) -> Result<Option<String>, String> {
    ffd_code(rate).ok_or_else(|| format!("Russia has no VAT rate {rate}"))?;
    let bp = match rate {
        Rate::Percent(bp) | Rate::Computed(bp) => bp,
        Rate::Exempt => return Ok(None),
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
            DocumentKind::SaleReturn | DocumentKind::ExpenseReturn => Ok(Some(format!(
                "VAT {rate} on a {} dated {date}: accepted as the return of a document made before {GENERAL_22_FROM}, when the general rate was 20%",
                kind_name(kind)
            ))),
            DocumentKind::Sale | DocumentKind::Expense => Err(format!(
                "VAT {rate} ended on 2025-12-31; on {date} the general rate is 22%, and 20% is allowed only on returns"
            )),
        },
        _ => Ok(None),
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

#[cfg(test)]
mod tests;
