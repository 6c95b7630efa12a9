//! The `tax-calculator` world, and the glue every tax plugin used to repeat.
//!
//! A plugin states its country's law as a [`TaxLaw`]: which countries it serves, what a tax code
//! means on a day, which rates exist, and the register's code for a rate. [`calculate`] does the
//! rest, identically for every plugin: the country and empty-document checks, the jurisdiction's
//! dated tax-code overrides, per-line rate resolution and checking, the figures
//! ([`tax_common`]'s half-up arithmetic, with the margin as the taxed base), the per-rate totals
//! with their taxed bases, and the mapping of every failure to the WIT `tax-error` with its line.
//! A plugin that is its law alone is [`LawPlugin`]`<Law>`; as the component it computes straight
//! from the flat numbers the interface carries ([`tax_common::wire`]). A plugin with a
//! [`Guest`] of its own sees typed [`Line`]s and returns typed [`LineResult`]s, which [`export!`]
//! decodes from and encodes to those numbers.
//!
//! ```
//! use fiscal_host_guest::tax::{self, DocumentInfo, Rate, TaxError, TaxLaw};
//!
//! /// A country with one 10% rate behind code 0.
//! struct Flat;
//!
//! impl TaxLaw for Flat {
//!     fn for_document(doc: &DocumentInfo<'_>) -> Result<Self, TaxError> {
//!         doc.require_country(&["XX"])?;
//!         Ok(Flat)
//!     }
//!     fn code_rate(&self, code: u32) -> Option<Rate> {
//!         (code == 0).then_some(Rate::Percent(1000))
//!     }
//!     fn check_rate(&self, rate: Rate) -> Result<Option<String>, String> {
//!         match rate {
//!             Rate::Percent(1000) | Rate::Exempt => Ok(None),
//!             other => Err(format!("no VAT rate {other} here")),
//!         }
//!     }
//! }
//!
//! /// The component; natively, `<Plugin as tax::Guest>::calculate` is `tax::calculate::<Flat>`.
//! pub type Plugin = tax::LawPlugin<Flat>;
//! fiscal_host_guest::tax::export!(Plugin);
//! ```

/// The WIT bindings of the world: the document and result as they cross the boundary, lines
/// and figures as flat numbers ([`tax_common::wire`]). [`export!`] implements its `Guest` by the
/// plugin's [`Guest::calculate_numbers`].
#[doc(hidden)]
pub mod wire {
    wit_bindgen::generate!({
        path: "../../wit/fiscal-host-0.3.0",
        world: "tax-calculator",
        with: {
            "fiscal:host/types@0.3.0": crate::wit::types,
        },
        additional_derives: [PartialEq, Eq],
        pub_export_macro: true,
        // `export!` below wraps it, so that nothing is exported outside Wasm.
        export_macro_name: "export_tax_calculator",
        default_bindings_module: "fiscal_host_guest::tax::wire",
    });
    pub use self::exports::fiscal::host::tax::*;
}

pub use self::wire::{Jurisdiction, LineProblem, RateTotal, TaxCode, TaxError, TaxSpec, Warning};
pub use crate::wit::types::{Date, DocumentKind, Vat};
/// The arithmetic: half-up rounding, tax inside / on top, margin base, i128 overflow checks.
pub use tax_common;
use tax_common::wire::{self as numbers, FigureNumbers, LineNumbers, LineTax};
pub use tax_common::{Calc as CalcType, Day, FigureError, Margin, Rate};

/// One line, decoded from its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// Price of one unit, minor units.
    pub price: i64,
    /// Thousandths.
    pub quantity: i64,
    /// Discount on the whole line in minor units, subtracted after price × quantity.
    pub discount: i64,
    /// How the line names its rate.
    pub tax: TaxSpec,
    /// How the tax relates to the amount.
    pub calc: CalcType,
    /// The taxed part when only the margin is taxed; none = the whole amount.
    pub margin: Option<Margin>,
}

/// A document to compute, its lines decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Sale, return…: a return may keep a rate that has since ended.
    pub kind: DocumentKind,
    /// The day whose law applies.
    pub date: Date,
    /// Country, tax-code overrides, configured standard rate.
    pub jurisdiction: Jurisdiction,
    /// In the document's order.
    pub lines: Vec<Line>,
}

/// One line's figures, in the line's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineResult {
    /// price × quantity / 1000 − discount, rounded half-up to the minor unit.
    pub amount: i64,
    /// The amount the tax is taken from: the margin for a margin line, else `amount`.
    pub taxed_base: i64,
    /// The tax of `taxed_base`, rounded half-up per line.
    pub tax: i64,
    /// The resolved rate.
    pub vat: Vat,
    /// The register's code for this rate where the country has one (FFD tag 1199 in Russia).
    pub vat_code: Option<u8>,
}

/// The document's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxResult {
    /// One per document line, in order.
    pub lines: Vec<LineResult>,
    /// In order of first appearance on the document.
    pub totals: Vec<RateTotal>,
    /// Sum of the line amounts.
    pub total: i64,
    /// Accepted oddities.
    pub warnings: Vec<Warning>,
}

/// A tax plugin: a typed document in, its figures out. [`export!`] makes it the component.
///
/// A plugin that is a country's law and nothing more needs no `Guest` of its own: it is
/// [`LawPlugin`]`<YourLaw>`, which also computes straight from the numbers the interface carries.
pub trait Guest {
    /// Computes a document (usually `tax::calculate::<YourLaw>(&doc)`).
    fn calculate(doc: Document) -> Result<TaxResult, TaxError>;

    /// What the component runs: the document as the interface carries it (lines as flat
    /// numbers) in, its figures as numbers out. Default: the lines decoded into a [`Document`],
    /// [`Guest::calculate`], the figures encoded.
    fn calculate_numbers(doc: wire::Document) -> Result<wire::TaxResult, TaxError>
    where
        Self: Sized,
    {
        let decoded = numbers::lines(&doc.lines);
        let mut lines = Vec::with_capacity(decoded.len());
        for line in decoded {
            lines.push(Line::from(line.map_err(invalid_line)?));
        }
        let result = Self::calculate(Document {
            kind: doc.kind,
            date: doc.date,
            jurisdiction: doc.jurisdiction,
            lines,
        })?;
        let mut figures = Vec::with_capacity(result.lines.len() * numbers::FIGURES);
        for line in &result.lines {
            numbers::push_figures(&mut figures, &line.into());
        }
        Ok(wire::TaxResult {
            lines: figures,
            totals: result.totals,
            total: result.total,
            warnings: result.warnings,
        })
    }
}

/// The plugin that is law `L` alone: [`calculate`]`::<L>` on a typed document, and as the
/// component the same rules run straight over the flat numbers, each line decoded as it is
/// computed and its figures written as numbers at once, with no typed lines or results built
/// in between (6% of the instructions of a 100-line call in Wasm, `BENCHMARKS.md`).
///
/// ```
/// # use fiscal_host_guest::tax::{self, DocumentInfo, Rate, TaxError, TaxLaw};
/// # struct Flat;
/// # impl TaxLaw for Flat {
/// #     fn for_document(_: &DocumentInfo<'_>) -> Result<Self, TaxError> { Ok(Flat) }
/// #     fn code_rate(&self, _: u32) -> Option<Rate> { None }
/// #     fn check_rate(&self, _: Rate) -> Result<Option<String>, String> { Ok(None) }
/// # }
/// pub type Plugin = tax::LawPlugin<Flat>;
/// fiscal_host_guest::tax::export!(Plugin);
/// ```
pub struct LawPlugin<L>(core::marker::PhantomData<fn() -> L>);

impl<L: TaxLaw> Guest for LawPlugin<L> {
    fn calculate(doc: Document) -> Result<TaxResult, TaxError> {
        calculate::<L>(&doc)
    }

    fn calculate_numbers(doc: wire::Document) -> Result<wire::TaxResult, TaxError> {
        let lines =
            numbers::lines(&doc.lines).map(|line| line.map(Line::from).map_err(invalid_line));
        let mut figures = Vec::with_capacity(lines.len() * numbers::FIGURES);
        let sums = compute::<L>(doc.kind, doc.date, &doc.jurisdiction, lines, |line| {
            numbers::push_figures(&mut figures, &(&line).into())
        })?;
        Ok(wire::TaxResult {
            lines: figures,
            totals: sums.totals.rates,
            total: sums.totals.total,
            warnings: sums.warnings,
        })
    }
}

fn invalid_line(e: numbers::WireError) -> TaxError {
    TaxError::InvalidLine(problem(e.line, e.to_string()))
}

impl From<LineNumbers> for Line {
    #[inline]
    fn from(n: LineNumbers) -> Line {
        Line {
            price: n.price,
            quantity: n.quantity,
            discount: n.discount,
            tax: match n.tax {
                LineTax::Code(code) => TaxSpec::Code(code),
                LineTax::Rate(Rate::Percent(bp)) => TaxSpec::Percent(bp),
                LineTax::Rate(Rate::Computed(bp)) => TaxSpec::Computed(bp),
                LineTax::Rate(Rate::Exempt) => TaxSpec::Exempt,
            },
            calc: n.calc,
            margin: n.margin,
        }
    }
}

impl From<&LineResult> for FigureNumbers {
    #[inline]
    fn from(r: &LineResult) -> FigureNumbers {
        FigureNumbers {
            amount: r.amount,
            taxed_base: r.taxed_base,
            tax: r.tax,
            vat: r.vat.into(),
            vat_code: r.vat_code,
        }
    }
}

impl From<Vat> for Rate {
    #[inline]
    fn from(vat: Vat) -> Rate {
        match vat {
            Vat::Rate(bp) => Rate::Percent(bp),
            Vat::Computed(bp) => Rate::Computed(bp),
            Vat::None => Rate::Exempt,
        }
    }
}

/// What [`TaxLaw::for_document`] is told of the document before its lines.
#[derive(Debug, Clone, Copy)]
pub struct DocumentInfo<'a> {
    /// Sale, return…: a return may keep a rate that has since ended.
    pub kind: DocumentKind,
    /// The day whose law applies.
    pub date: Day,
    /// Country, tax-code overrides, configured standard rate.
    pub jurisdiction: &'a Jurisdiction,
}

impl DocumentInfo<'_> {
    /// The jurisdiction's country code as sent ("RU").
    pub fn country(&self) -> &str {
        &self.jurisdiction.country
    }

    /// `unsupported-country` unless the country is one of `served`.
    pub fn require_country(&self, served: &[&str]) -> Result<(), TaxError> {
        if served.contains(&self.country()) {
            Ok(())
        } else {
            Err(TaxError::UnsupportedCountry(self.country().to_string()))
        }
    }
}

/// A line's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    /// price × quantity / 1000 rounded half up, minus the discount.
    pub amount: i64,
    /// What the tax is taken from: the margin of a margin line, else `amount`.
    pub taxed_base: i64,
    /// The tax of `taxed_base`.
    pub tax: i64,
}

/// A country's VAT law: what [`calculate`] asks of a plugin.
pub trait TaxLaw: Sized {
    /// Accepts the document's jurisdiction and date, or refuses it (usually
    /// `unsupported-country`, see [`DocumentInfo::require_country`]). The law keeps what it needs
    /// of the document (its date, kind, the standard rate in force).
    fn for_document(doc: &DocumentInfo<'_>) -> Result<Self, TaxError>;

    /// Warnings about the document as a whole (a configured rate ignored…). Default: none.
    fn document_warnings(&self) -> Vec<String> {
        Vec::new()
    }

    /// The rate a tax code means by default on the document's day; none when it means nothing.
    /// The jurisdiction's `tax-codes` overrides are applied before this is asked.
    fn code_rate(&self, code: u32) -> Option<Rate>;

    /// Whether `rate` exists for this document: `Ok(None)` yes, `Ok(Some(warning))` yes but worth
    /// a look, `Err(reason)` no (`rate-not-allowed`).
    fn check_rate(&self, rate: Rate) -> Result<Option<String>, String>;

    /// The register's code for an accepted rate (FFD tag 1199 in Russia). Default: none.
    fn vat_code(&self, rate: Rate) -> Option<u8> {
        let _ = rate;
        None
    }

    /// A line's figures at its resolved rate. Default: [`line_figures`], which every built-in
    /// plugin uses; override only for a country whose arithmetic differs.
    #[inline(always)]
    fn figures(&self, line: &Line, rate: Rate) -> Result<Figures, FigureError> {
        line_figures(line, rate)
    }
}

/// Computes a document under law `L`. Lines are checked in order and the first failure is
/// returned with its line index.
pub fn calculate<L: TaxLaw>(doc: &Document) -> Result<TaxResult, TaxError> {
    let mut lines = Vec::with_capacity(doc.lines.len());
    let sums = compute::<L>(
        doc.kind,
        doc.date,
        &doc.jurisdiction,
        doc.lines.iter().copied().map(Ok),
        |line| lines.push(line),
    )?;
    Ok(TaxResult {
        lines,
        total: sums.totals.total,
        totals: sums.totals.rates,
        warnings: sums.warnings,
    })
}

/// What a document comes to besides its lines' figures.
struct Sums {
    totals: Totals,
    warnings: Vec<Warning>,
}

/// The one computation of a document, whichever way its lines arrive (typed, or decoded from
/// the interface's numbers as they are reached, a malformed one failing in its turn) and its
/// lines' figures leave (`each`, in order). What it calls per line is inlined into its loop
/// (`tax_common`'s module documentation says why).
fn compute<L: TaxLaw>(
    kind: DocumentKind,
    date: Date,
    jurisdiction: &Jurisdiction,
    lines: impl ExactSizeIterator<Item = Result<Line, TaxError>>,
    mut each: impl FnMut(LineResult),
) -> Result<Sums, TaxError> {
    let date = Day::from(date);
    let info = DocumentInfo {
        kind,
        date,
        jurisdiction,
    };
    let law = L::for_document(&info)?;
    if lines.len() == 0 {
        return Err(TaxError::EmptyDocument);
    }
    let mut warnings: Vec<Warning> = law
        .document_warnings()
        .into_iter()
        .map(|message| Warning {
            line: None,
            message,
        })
        .collect();

    let mut totals = Totals::default();
    for (index, line) in lines.enumerate() {
        let at = index as u32;
        let line = line?;
        let rate = resolve_rate(&law, jurisdiction, &line.tax, date)
            .map_err(|message| TaxError::UnknownTaxCode(problem(at, message)))?;
        let warning = law
            .check_rate(rate)
            .map_err(|message| TaxError::RateNotAllowed(problem(at, message)))?;
        if let Some(message) = warning {
            warnings.push(Warning {
                line: Some(at),
                message,
            });
        }
        let vat_code = law.vat_code(rate);
        let figures = law
            .figures(&line, rate)
            .and_then(|figures| totals.add(rate, vat_code, figures).map(|()| figures))
            .map_err(|error| figure_error(at, error))?;
        each(LineResult {
            amount: figures.amount,
            taxed_base: figures.taxed_base,
            tax: figures.tax,
            vat: rate.into(),
            vat_code,
        });
    }
    Ok(Sums { totals, warnings })
}

/// A line's rate: its own when it names one, else its code through the jurisdiction's overrides
/// in force on `date` (the latest `valid-from` not after it), else the law's default meaning.
/// The error is the reason for `unknown-tax-code`.
#[inline(always)]
pub fn resolve_rate<L: TaxLaw>(
    law: &L,
    jurisdiction: &Jurisdiction,
    spec: &TaxSpec,
    date: Day,
) -> Result<Rate, String> {
    let code = match *spec {
        TaxSpec::Code(code) => code,
        ref spec => return Ok(explicit_rate(spec).expect("only a code has no rate of its own")),
    };
    let overrides = jurisdiction
        .tax_codes
        .iter()
        .filter(|entry| entry.code == code)
        .map(|entry| (entry.valid_from.map(Day::from), &entry.rate));
    if let Some(spec) = tax_common::pick_dated(overrides, date) {
        return explicit_rate(spec).ok_or_else(|| {
            format!("tax code {code} is mapped by the jurisdiction to another code; a mapping must name a rate")
        });
    }
    law.code_rate(code)
        .ok_or_else(|| format!("tax code {code} is not mapped on {date}"))
}

/// The rate a spec names itself; none for a code, which needs a mapping.
pub fn explicit_rate(spec: &TaxSpec) -> Option<Rate> {
    match *spec {
        TaxSpec::Percent(bp) => Some(Rate::Percent(bp)),
        TaxSpec::Computed(bp) => Some(Rate::Computed(bp)),
        TaxSpec::Exempt => Some(Rate::Exempt),
        TaxSpec::Code(_) => None,
    }
}

/// Amount, taxed base and tax of a line: the amount is always the full one, the tax is taken
/// from the margin when the line has one ([`tax_common`]'s rules).
#[inline(always)]
pub fn line_figures(line: &Line, rate: Rate) -> Result<Figures, FigureError> {
    let amount = tax_common::line_amount(line.price, line.quantity, line.discount)?;
    let taxed_base = match line.margin {
        Some(margin) => tax_common::margin_base(margin, line.quantity, amount)?,
        None => amount,
    };
    let tax = tax_common::line_tax(taxed_base, rate, line.calc)?;
    Ok(Figures {
        amount,
        taxed_base,
        tax,
    })
}

/// Per-rate sums in order of first appearance, only ever sums of rounded line figures.
#[derive(Default)]
struct Totals {
    rates: Vec<RateTotal>,
    total: i64,
}

impl Totals {
    /// Adds a line; on overflow nothing changes.
    #[inline(always)]
    fn add(&mut self, rate: Rate, vat_code: Option<u8>, f: Figures) -> Result<(), FigureError> {
        let overflow = |what: &str| FigureError::Overflow(format!("{what} exceeds 64 bits"));
        let total = self
            .total
            .checked_add(f.amount)
            .ok_or_else(|| overflow("the document total"))?;
        let vat = Vat::from(rate);
        match self.rates.iter_mut().find(|t| t.vat == vat) {
            Some(t) => {
                let (Some(amount), Some(taxed_base), Some(tax)) = (
                    t.amount.checked_add(f.amount),
                    t.taxed_base.checked_add(f.taxed_base),
                    t.tax.checked_add(f.tax),
                ) else {
                    return Err(overflow("the total at this rate"));
                };
                (t.amount, t.taxed_base, t.tax) = (amount, taxed_base, tax);
            }
            None => self.rates.push(RateTotal {
                vat,
                vat_code,
                amount: f.amount,
                taxed_base: f.taxed_base,
                tax: f.tax,
            }),
        }
        self.total = total;
        Ok(())
    }
}

fn problem(line: u32, message: String) -> LineProblem {
    LineProblem { line, message }
}

/// A figure's failure as the WIT error of line `line`.
pub fn figure_error(line: u32, error: FigureError) -> TaxError {
    match error {
        FigureError::Invalid(message) => TaxError::InvalidLine(problem(line, message)),
        FigureError::Overflow(message) => TaxError::Overflow(problem(line, message)),
    }
}

impl From<Date> for Day {
    #[inline]
    fn from(d: Date) -> Day {
        Day::new(d.year, d.month, d.day)
    }
}

impl From<Rate> for Vat {
    #[inline]
    fn from(rate: Rate) -> Vat {
        match rate {
            Rate::Percent(bp) => Vat::Rate(bp),
            Rate::Computed(bp) => Vat::Computed(bp),
            Rate::Exempt => Vat::None,
        }
    }
}

#[cfg(test)]
mod tests;

/// Exports a type implementing [`Guest`] as the `tax-calculator` world's component. Outside Wasm it
/// expands to nothing: a native build (tests, the host calling a plugin natively) exports no
/// symbols, whose names a native linker would refuse.
#[doc(inline)]
pub use crate::__fiscal_host_guest_export_tax as export;

#[doc(hidden)]
#[macro_export]
macro_rules! __fiscal_host_guest_export_tax {
    ($ty:ty) => {
        /// The component's export: [`Guest::calculate_numbers`] of the plugin.
        #[cfg(target_arch = "wasm32")]
        struct __FiscalHostTaxExport;
        #[cfg(target_arch = "wasm32")]
        impl $crate::tax::wire::Guest for __FiscalHostTaxExport {
            fn calculate(
                doc: $crate::tax::wire::Document,
            ) -> Result<$crate::tax::wire::TaxResult, $crate::tax::TaxError> {
                <$ty as $crate::tax::Guest>::calculate_numbers(doc)
            }
        }
        #[cfg(target_arch = "wasm32")]
        $crate::tax::wire::export_tax_calculator!(
            __FiscalHostTaxExport with_types_in $crate::tax::wire
        );
    };
}
