//! {{name}}: VAT of one country as a `tax-calculator` component.
//!
//! Replace the country, codes and rates below with the law the plugin implements.

use fiscal_host_guest::tax::{self, Day, DocumentInfo, Rate, TaxError, TaxLaw};

/// The component: the law below and nothing more (a plugin that needs more implements
/// `tax::Guest` itself).
pub type Plugin = tax::LawPlugin<Law>;

fiscal_host_guest::tax::export!(Plugin);

/// The law on one document's date.
pub struct Law {
    /// The standard rate in force, basis points.
    standard: i32,
}

/// The day the standard rate changed (an example of a dated rule).
const NEW_RATE_FROM: Day = Day::new(2026, 1, 1);

impl TaxLaw for Law {
    fn for_document(doc: &DocumentInfo<'_>) -> Result<Self, TaxError> {
        doc.require_country(&["XX"])?;
        let by_law = if doc.date < NEW_RATE_FROM { 1200 } else { 1600 };
        Ok(Law {
            standard: doc.jurisdiction.standard_rate.unwrap_or(by_law),
        })
    }

    fn code_rate(&self, code: u32) -> Option<Rate> {
        match code {
            0 => Some(Rate::Percent(self.standard)),
            1 => Some(Rate::Exempt),
            2 => Some(Rate::Percent(0)),
            _ => None,
        }
    }

    fn check_rate(&self, rate: Rate) -> Result<Option<String>, String> {
        match rate {
            Rate::Exempt | Rate::Percent(0) => Ok(None),
            Rate::Percent(bp) if bp == self.standard => Ok(None),
            other => Err(format!("there is no VAT rate {other} on this date")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fiscal_host_guest::tax::{
        CalcType, Date, Document, DocumentKind, Jurisdiction, Line, TaxSpec, Vat,
    };

    fn doc(year: u16, spec: TaxSpec) -> Document {
        Document {
            kind: DocumentKind::Sale,
            date: Date {
                year,
                month: 6,
                day: 1,
            },
            jurisdiction: Jurisdiction {
                country: "XX".into(),
                tax_codes: Vec::new(),
                standard_rate: None,
            },
            lines: vec![Line {
                price: 11_200,
                quantity: 1000,
                discount: 0,
                tax: spec,
                calc: CalcType::InPrice,
                margin: None,
            }],
        }
    }

    #[test]
    fn the_standard_rate_follows_the_date() {
        let r = <Plugin as tax::Guest>::calculate(doc(2025, TaxSpec::Code(0))).unwrap();
        assert_eq!(r.lines[0].vat, Vat::Rate(1200));
        assert_eq!(r.lines[0].tax, 1200);
        let r = <Plugin as tax::Guest>::calculate(doc(2026, TaxSpec::Code(0))).unwrap();
        assert_eq!(r.lines[0].vat, Vat::Rate(1600));
    }

    #[test]
    fn an_old_rate_is_refused() {
        let r = <Plugin as tax::Guest>::calculate(doc(2026, TaxSpec::Percent(1200)));
        assert!(matches!(r, Err(TaxError::RateNotAllowed(p)) if p.line == 0));
    }
}
