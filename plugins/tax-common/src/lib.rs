//! Arithmetic shared by the tax-calculator plugins (`tax-ru`, `tax-kz-uz`).
//!
//! This crate owns the figures, not the law: the line amount, half-up rounding,
//! the tax inside or on top of an amount, the margin base, the i64 overflow
//! checks and the per-rate totals. Which rates exist where and when belongs to
//! each country's plugin, which resolves a line to a [`Rate`] and hands it here.
//!
//! It deliberately knows nothing of the WIT bindings: every plugin generates its
//! own copy of the WIT types, so the shared code speaks small neutral types and
//! each plugin converts at its edge. [`wire`] is the one exception, and still
//! binding-free: the flat number layout in which 0.2.0 lines and figures cross
//! the boundary, shared by the host (which writes lines) and the guest SDK.
//!
//! Units follow the WIT contract: money in minor units, quantities in
//! thousandths, rates in basis points (2200 = 22%). Every product is exact: taken
//! in i64 when it fits there, else in i128, where `i64 × i64` cannot overflow,
//! and only the final figure is narrowed back to i64.
//!
//! The figure functions are `#[inline(always)]`: a document runs each of them once per
//! line, and in Wasm a call returning a `Result` returns it through linear memory (the
//! wasm32 C ABI passes an aggregate result by pointer); inlined into the SDK's line loop,
//! the figures stay in locals. A 100-line call: 124 K → 84 K instructions in Wasm, 45 K →
//! 34 K natively (`BENCHMARKS.md`, "Wasm tax call against native").

use core::fmt;

pub mod wire;

/// 100% in basis points.
const FULL_RATE: i64 = 10_000;
/// One unit of quantity in thousandths.
const QUANTITY_SCALE: i64 = 1_000;

/// A calendar day, ordered chronologically; the WIT `date` without the bindings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Day {
    pub const fn new(year: u16, month: u8, day: u8) -> Self {
        Self { year, month, day }
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A VAT rate once a plugin has resolved and accepted it; mirrors the WIT `vat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rate {
    /// Tax at this rate in basis points; 0 is the zero rate, not `Exempt`.
    Percent(i32),
    /// A computed rate such as 22/122: the tax is always taken from inside the base.
    Computed(i32),
    /// Without VAT ("без НДС").
    Exempt,
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Rate::Percent(bp) => write!(f, "{}%", Percent(bp.into())),
            Rate::Computed(bp) => {
                let bp = i64::from(bp);
                write!(f, "{}/{}", Percent(bp), Percent(bp + 10_000))
            }
            Rate::Exempt => f.write_str("without VAT (без НДС)"),
        }
    }
}

/// Basis points written as a percentage number: 2200 → "22", 1250 → "12.5".
struct Percent(i64);

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bp = self.0;
        let sign = if bp < 0 { "-" } else { "" };
        let (whole, frac) = (bp.abs() / 100, bp.abs() % 100);
        match frac {
            0 => write!(f, "{sign}{whole}"),
            _ if frac % 10 == 0 => write!(f, "{sign}{whole}.{}", frac / 10),
            _ => write!(f, "{sign}{whole}.{frac:02}"),
        }
    }
}

/// How the tax relates to the base; mirrors the WIT `calc-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Calc {
    /// base × r / (100% + r)
    InPrice,
    /// base × r / 100%
    Fixed,
    /// No tax is extracted; the rate is only printed.
    Simplified,
}

/// The taxed part of a line when only the margin is taxed; mirrors the WIT `margin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Margin {
    /// For the whole line, in minor units.
    Sum(i64),
    /// For one unit; multiplied by the line's quantity.
    UnitPrice(i64),
}

/// The numeric part of a line, everything the arithmetic needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineInput {
    pub price: i64,
    /// Thousandths of a unit.
    pub quantity: i64,
    pub discount: i64,
    pub calc: Calc,
    pub margin: Option<Margin>,
}

/// What a line contributes to the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineFigures {
    /// price × quantity, rounded, minus the discount: what the buyer pays.
    pub amount: i64,
    pub tax: i64,
}

/// Why a line's figures cannot be computed; the plugin adds the line index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FigureError {
    /// A negative value or a discount/margin above the amount.
    Invalid(String),
    /// A figure does not fit in i64.
    Overflow(String),
}

/// `num / den` rounded half-up; both must be non-negative, `den` positive.
///
/// Comparing twice the remainder with the divisor, rather than adding `den / 2`,
/// stays exact when `den` is odd (10000 + 1205 = 11205).
#[inline(always)]
pub fn div_half_up(num: i128, den: i128) -> i128 {
    debug_assert!(num >= 0 && den > 0, "div_half_up({num}, {den})");
    // Nearly every figure fits in 64 bits, and a 128-bit division is a library call — in Wasm
    // a slow one, most of a tax call's time (BENCHMARKS.md) — so divide in 64 bits when both do.
    if let (Ok(num), Ok(den)) = (i64::try_from(num), i64::try_from(den)) {
        let (quotient, remainder) = (num / den, num % den);
        // `remainder >= den - remainder` is `2 × remainder >= den` without overflowing.
        return i128::from(quotient + i64::from(remainder >= den - remainder));
    }
    let (quotient, remainder) = (num / den, num % den);
    if 2 * remainder >= den {
        quotient + 1
    } else {
        quotient
    }
}

/// `a × b / den` rounded half-up, for non-negative `a`, `b` and positive `den`. When both
/// factors are below 2³¹ (a price under 21 million roubles, a quantity under 2 million units:
/// nearly always) the product is below 2⁶² and is taken in 64 bits; else in 128. Neither
/// `checked_mul` nor an `i128` product would do for the common case: in Wasm both are a
/// library call (`__multi3`), a tenth of a tax call's time.
#[inline(always)]
fn product_half_up(a: i64, b: i64, den: i64) -> i128 {
    debug_assert!(
        a >= 0 && b >= 0 && den > 0,
        "product_half_up({a}, {b}, {den})"
    );
    if (a | b) < 1 << 31 {
        div_half_up(i128::from(a * b), i128::from(den))
    } else {
        div_half_up(i128::from(a) * i128::from(b), i128::from(den))
    }
}

#[inline(always)]
fn fit(value: i128, what: &str) -> Result<i64, FigureError> {
    i64::try_from(value)
        .map_err(|_| FigureError::Overflow(format!("{what} {value} does not fit in 64 bits")))
}

#[inline(always)]
fn non_negative(value: i64, what: &str) -> Result<(), FigureError> {
    if value < 0 {
        Err(FigureError::Invalid(format!(
            "{what} is negative ({value}); all values must be zero or more"
        )))
    } else {
        Ok(())
    }
}

/// `round_half_up(price × quantity / 1000)`: the gross figure of a line or of its margin.
#[inline(always)]
fn scaled(price: i64, quantity: i64, what: &str) -> Result<i64, FigureError> {
    fit(product_half_up(price, quantity, QUANTITY_SCALE), what)
}

/// The line amount: `round_half_up(price × quantity / 1000) − discount`.
///
/// The discount is taken after rounding because it is already in minor units;
/// rounding once keeps the printed figures reproducible by hand.
#[inline(always)]
pub fn line_amount(price: i64, quantity: i64, discount: i64) -> Result<i64, FigureError> {
    non_negative(price, "price")?;
    non_negative(quantity, "quantity")?;
    non_negative(discount, "discount")?;
    let gross = scaled(price, quantity, "price × quantity")?;
    if discount > gross {
        return Err(FigureError::Invalid(format!(
            "discount {discount} is above the line's price × quantity {gross}"
        )));
    }
    Ok(gross - discount)
}

/// The taxed base when only the margin is taxed; must lie within `0..=amount`.
#[inline(always)]
pub fn margin_base(margin: Margin, quantity: i64, amount: i64) -> Result<i64, FigureError> {
    let base = match margin {
        Margin::Sum(sum) => {
            non_negative(sum, "margin sum")?;
            sum
        }
        Margin::UnitPrice(price) => {
            non_negative(price, "margin unit price")?;
            non_negative(quantity, "quantity")?;
            scaled(price, quantity, "margin unit price × quantity")?
        }
    };
    if base > amount {
        return Err(FigureError::Invalid(format!(
            "margin {base} is above the line amount {amount}"
        )));
    }
    Ok(base)
}

#[inline(always)]
fn check_rate(rate: i32) -> Result<i64, FigureError> {
    if rate < 0 {
        Err(FigureError::Invalid(format!("rate {rate} is negative")))
    } else {
        Ok(i64::from(rate))
    }
}

/// The tax contained in `base`: `round_half_up(base × r / (10000 + r))`.
#[inline(always)]
pub fn tax_inside(base: i64, rate: i32) -> Result<i64, FigureError> {
    non_negative(base, "tax base")?;
    let rate = check_rate(rate)?;
    fit(product_half_up(base, rate, FULL_RATE + rate), "tax")
}

/// The tax at `rate` of `base` itself: `round_half_up(base × r / 10000)`.
#[inline(always)]
pub fn tax_on_top(base: i64, rate: i32) -> Result<i64, FigureError> {
    non_negative(base, "tax base")?;
    let rate = check_rate(rate)?;
    fit(product_half_up(base, rate, FULL_RATE), "tax")
}

/// The tax of a base at a resolved rate under a calculation type.
///
/// `Simplified` and `Exempt` carry no tax whatever the rate says. A computed rate
/// is by definition the share inside an amount, so it is taken from inside even
/// under `Fixed`.
#[inline(always)]
pub fn line_tax(base: i64, rate: Rate, calc: Calc) -> Result<i64, FigureError> {
    match (rate, calc) {
        (Rate::Exempt, _) | (_, Calc::Simplified) => Ok(0),
        (Rate::Computed(r), _) | (Rate::Percent(r), Calc::InPrice) => tax_inside(base, r),
        (Rate::Percent(r), Calc::Fixed) => tax_on_top(base, r),
    }
}

/// Amount and tax of one line: the amount is always the full one, the tax is
/// taken from the margin when the line has one.
pub fn line_figures(line: &LineInput, rate: Rate) -> Result<LineFigures, FigureError> {
    let amount = line_amount(line.price, line.quantity, line.discount)?;
    let base = match line.margin {
        Some(margin) => margin_base(margin, line.quantity, amount)?,
        None => amount,
    };
    let tax = line_tax(base, rate, line.calc)?;
    Ok(LineFigures { amount, tax })
}

/// The sums of one rate over a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Total<K> {
    pub key: K,
    /// Sum of the line amounts.
    pub base: i64,
    /// Sum of the line taxes.
    pub tax: i64,
}

/// Per-rate totals in order of first appearance, and the document total.
///
/// Totals are only ever sums of the line figures already rounded, never
/// recomputed from a summed base, so the lines and the totals always agree.
/// A document has a handful of rates, so a linear scan beats a map and keeps
/// the order for free.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals<K> {
    rates: Vec<Total<K>>,
    total: i64,
}

impl<K> Default for Totals<K> {
    fn default() -> Self {
        Self {
            rates: Vec::new(),
            total: 0,
        }
    }
}

impl<K: PartialEq> Totals<K> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a line; on overflow nothing is changed.
    pub fn add(&mut self, key: K, figures: LineFigures) -> Result<(), FigureError> {
        let overflow = |what: &str| FigureError::Overflow(format!("{what} exceeds 64 bits"));
        let total = self
            .total
            .checked_add(figures.amount)
            .ok_or_else(|| overflow("the document total"))?;
        match self.rates.iter_mut().find(|t| t.key == key) {
            Some(entry) => {
                let base = entry.base.checked_add(figures.amount);
                let tax = entry.tax.checked_add(figures.tax);
                let (Some(base), Some(tax)) = (base, tax) else {
                    return Err(overflow("the total at this rate"));
                };
                (entry.base, entry.tax) = (base, tax);
            }
            None => self.rates.push(Total {
                key,
                base: figures.amount,
                tax: figures.tax,
            }),
        }
        self.total = total;
        Ok(())
    }

    /// The document total: the sum of the line amounts.
    pub fn total(&self) -> i64 {
        self.total
    }

    pub fn rates(&self) -> &[Total<K>] {
        &self.rates
    }

    pub fn into_rates(self) -> Vec<Total<K>> {
        self.rates
    }
}

/// Picks among dated entries the one in force on `on`: the latest `valid-from`
/// not after `on`, an undated entry counting as in force since always.
///
/// On a tie the later entry wins, so a configuration can be amended by appending.
pub fn pick_dated<T>(entries: impl IntoIterator<Item = (Option<Day>, T)>, on: Day) -> Option<T> {
    let mut best: Option<(Option<Day>, T)> = None;
    for (from, value) in entries {
        if from.is_some_and(|from| from > on) {
            continue;
        }
        // `None < Some(_)` for Option, which is exactly "undated is oldest".
        if best
            .as_ref()
            .is_none_or(|(best_from, _)| from >= *best_from)
        {
            best = Some((from, value));
        }
    }
    best.map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(result: Result<i64, FigureError>) -> String {
        match result {
            Err(FigureError::Invalid(message)) => message,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    fn overflow(result: Result<i64, FigureError>) -> String {
        match result {
            Err(FigureError::Overflow(message)) => message,
            other => panic!("expected Overflow, got {other:?}"),
        }
    }

    #[test]
    fn div_half_up_rounds_exact_halves_up() {
        // 5/10 = 0.5 → 1; 4/10 = 0.4 → 0; 15/10 = 1.5 → 2; 14/10 = 1.4 → 1
        assert_eq!(div_half_up(5, 10), 1);
        assert_eq!(div_half_up(4, 10), 0);
        assert_eq!(div_half_up(15, 10), 2);
        assert_eq!(div_half_up(14, 10), 1);
        // odd divisor: 7/2 = 3.5 → 4; 5/11 = 0.4545 → 0; 6/11 = 0.5454 → 1
        assert_eq!(div_half_up(7, 2), 4);
        assert_eq!(div_half_up(5, 11), 0);
        assert_eq!(div_half_up(6, 11), 1);
        assert_eq!(div_half_up(0, 7), 0);
    }

    #[test]
    fn amount_of_seed_000_example() {
        // 123.45 × 2 pcs: 12345 × 2000 / 1000 = 24690 (the seed's 2469 is its known defect)
        assert_eq!(line_amount(12345, 2000, 0), Ok(24690));
    }

    #[test]
    fn amount_rounds_half_up_at_exact_half() {
        // 1 × 0.500 = 0.5 → 1; 3 × 0.500 = 1.5 → 2; 1 × 0.499 = 0.499 → 0; 5 × 0.300 = 1.5 → 2
        assert_eq!(line_amount(1, 500, 0), Ok(1));
        assert_eq!(line_amount(3, 500, 0), Ok(2));
        assert_eq!(line_amount(1, 499, 0), Ok(0));
        assert_eq!(line_amount(5, 300, 0), Ok(2));
    }

    #[test]
    fn amount_zero_quantity_or_price() {
        // 12345 × 0 = 0; 0 × 2.000 = 0
        assert_eq!(line_amount(12345, 0, 0), Ok(0));
        assert_eq!(line_amount(0, 2000, 0), Ok(0));
    }

    #[test]
    fn discount_is_taken_after_rounding() {
        // 3 × 0.500 = 1.5 → 2, then − 1 = 1 and − 2 = 0 (a discount of 2 on a raw 1.5 would be invalid)
        assert_eq!(line_amount(3, 500, 1), Ok(1));
        assert_eq!(line_amount(3, 500, 2), Ok(0));
        // discount equal to the amount: 24690 − 24690 = 0
        assert_eq!(line_amount(12345, 2000, 24690), Ok(0));
    }

    #[test]
    fn discount_above_amount_is_invalid() {
        // 100 × 1.000 = 100 < 101
        let message = invalid(line_amount(100, 1000, 101));
        assert_eq!(
            message,
            "discount 101 is above the line's price × quantity 100"
        );
    }

    #[test]
    fn negative_values_are_invalid() {
        assert_eq!(
            invalid(line_amount(-1, 1000, 0)),
            "price is negative (-1); all values must be zero or more"
        );
        assert_eq!(
            invalid(line_amount(1, -1000, 0)),
            "quantity is negative (-1000); all values must be zero or more"
        );
        assert_eq!(
            invalid(line_amount(1, 1000, -1)),
            "discount is negative (-1); all values must be zero or more"
        );
    }

    #[test]
    fn large_quantity_with_three_decimals() {
        // 12345.678 kg × 99999.99: 12345678 × 9999999 = 123456780000000 − 12345678
        // = 123456767654322; / 1000 = 123456767654.322 → 123456767654
        assert_eq!(line_amount(9_999_999, 12_345_678, 0), Ok(123_456_767_654));
    }

    #[test]
    fn amount_overflow_and_the_largest_amount_that_fits() {
        // i64::MAX × 1.000 = i64::MAX fits; × 2.000 does not
        assert_eq!(line_amount(i64::MAX, 1000, 0), Ok(i64::MAX));
        assert_eq!(
            overflow(line_amount(i64::MAX, 2000, 0)),
            "price × quantity 18446744073709551614 does not fit in 64 bits"
        );
    }

    #[test]
    fn products_are_exact_on_both_sides_of_the_64_bit_path() {
        let below = (1i64 << 31) - 1;
        // (2³¹ − 1)² / 1000 = 4611686014132420609 / 1000 = 4611686014132420.609 → …421
        assert_eq!(product_half_up(below, below, 1000), 4_611_686_014_132_421);
        // 2³¹ × 2³¹ takes the 128-bit path: 2⁶² / 1000 = 4611686018427387.904 → …388
        assert_eq!(
            product_half_up(1 << 31, 1 << 31, 1000),
            4_611_686_018_427_388
        );
        // 3·10⁹ × 3·10⁹ = 9·10¹⁸ is past 2⁶² but within i64; 9·10¹⁸ / 1000 exactly
        assert_eq!(
            product_half_up(3_000_000_000, 3_000_000_000, 1000),
            9_000_000_000_000_000
        );
        // a product past i64 itself: (2⁶³ − 1) × 2 / 10000 = 1844674407370955.1614 → …955
        assert_eq!(product_half_up(i64::MAX, 2, 10_000), 1_844_674_407_370_955);
    }

    #[test]
    fn tax_inside_seed_000_and_rounding_edges() {
        // 24690 × 2200 / 12200 = 4452.295… → 4452
        assert_eq!(tax_inside(24690, 2200), Ok(4452));
        // 24690 × 2000 / 12000 = 4115 exactly
        assert_eq!(tax_inside(24690, 2000), Ok(4115));
        // 20/120 is base / 6: 3 / 6 = 0.5 → 1; 15 / 6 = 2.5 → 3; 2 / 6 = 0.33 → 0
        assert_eq!(tax_inside(3, 2000), Ok(1));
        assert_eq!(tax_inside(15, 2000), Ok(3));
        assert_eq!(tax_inside(2, 2000), Ok(0));
        // zero rate and zero base
        assert_eq!(tax_inside(24690, 0), Ok(0));
        assert_eq!(tax_inside(0, 2200), Ok(0));
    }

    #[test]
    fn tax_on_top_rounds_half_up_and_overflows() {
        // 24690 × 22% = 5431.8 → 5432; 5 × 10% = 0.5 → 1; 4 × 10% = 0.4 → 0
        assert_eq!(tax_on_top(24690, 2200), Ok(5432));
        assert_eq!(tax_on_top(5, 1000), Ok(1));
        assert_eq!(tax_on_top(4, 1000), Ok(0));
        // i64::MAX × 200% cannot fit
        assert!(overflow(tax_on_top(i64::MAX, 20_000)).starts_with("tax "));
        assert_eq!(invalid(tax_on_top(100, -1)), "rate -1 is negative");
    }

    #[test]
    fn margin_sum_and_unit_price() {
        // sum is taken as is
        assert_eq!(margin_base(Margin::Sum(1000), 2000, 24690), Ok(1000));
        // unit price 123 × 2.500 = 307.5 → 308
        assert_eq!(margin_base(Margin::UnitPrice(123), 2500, 24690), Ok(308));
        // margin equal to the amount is allowed
        assert_eq!(margin_base(Margin::Sum(24690), 2000, 24690), Ok(24690));
        assert_eq!(
            invalid(margin_base(Margin::Sum(24691), 2000, 24690)),
            "margin 24691 is above the line amount 24690"
        );
        // 12345 × 2.000 = 24690 > 24000
        assert_eq!(
            invalid(margin_base(Margin::UnitPrice(12345), 2000, 24000)),
            "margin 24690 is above the line amount 24000"
        );
        assert_eq!(
            invalid(margin_base(Margin::Sum(-5), 2000, 24690)),
            "margin sum is negative (-5); all values must be zero or more"
        );
    }

    #[test]
    fn line_tax_by_calc_type_and_rate_kind() {
        // in-price 22%: 4452 (see above); fixed 22%: 5432; simplified: 0
        assert_eq!(
            line_tax(24690, Rate::Percent(2200), Calc::InPrice),
            Ok(4452)
        );
        assert_eq!(line_tax(24690, Rate::Percent(2200), Calc::Fixed), Ok(5432));
        assert_eq!(
            line_tax(24690, Rate::Percent(2200), Calc::Simplified),
            Ok(0)
        );
        // computed 22/122 is inside even under fixed: 4452
        assert_eq!(line_tax(24690, Rate::Computed(2200), Calc::Fixed), Ok(4452));
        assert_eq!(
            line_tax(24690, Rate::Computed(2200), Calc::Simplified),
            Ok(0)
        );
        assert_eq!(line_tax(24690, Rate::Exempt, Calc::Fixed), Ok(0));
    }

    #[test]
    fn line_figures_with_margin_keep_the_full_amount() {
        // amount 12345 × 2.000 − 690 = 24000; margin 6100 × 2.000 = 12200;
        // tax 12200 × 2200 / 12200 = 2200 exactly
        let line = LineInput {
            price: 12345,
            quantity: 2000,
            discount: 690,
            calc: Calc::InPrice,
            margin: Some(Margin::UnitPrice(6100)),
        };
        assert_eq!(
            line_figures(&line, Rate::Percent(2200)),
            Ok(LineFigures {
                amount: 24000,
                tax: 2200
            })
        );
    }

    #[test]
    fn totals_keep_first_appearance_order_and_sum_lines() {
        let mut totals = Totals::new();
        let fig = |amount, tax| LineFigures { amount, tax };
        totals.add(Rate::Percent(2200), fig(24690, 4452)).unwrap();
        totals.add(Rate::Exempt, fig(500, 0)).unwrap();
        totals.add(Rate::Percent(2200), fig(3, 1)).unwrap();
        totals.add(Rate::Percent(1000), fig(1100, 100)).unwrap();
        // 22%: 24690 + 3 = 24693, tax 4452 + 1 = 4453; total 24690 + 500 + 3 + 1100 = 26293
        assert_eq!(totals.total(), 26293);
        assert_eq!(
            totals.into_rates(),
            vec![
                Total {
                    key: Rate::Percent(2200),
                    base: 24693,
                    tax: 4453
                },
                Total {
                    key: Rate::Exempt,
                    base: 500,
                    tax: 0
                },
                Total {
                    key: Rate::Percent(1000),
                    base: 1100,
                    tax: 100
                },
            ]
        );
    }

    #[test]
    fn totals_overflow_leaves_the_sums_unchanged() {
        let mut totals = Totals::new();
        let big = LineFigures {
            amount: i64::MAX - 10,
            tax: 0,
        };
        totals.add(Rate::Exempt, big).unwrap();
        let err = totals.add(Rate::Percent(0), LineFigures { amount: 11, tax: 0 });
        assert_eq!(
            err,
            Err(FigureError::Overflow(
                "the document total exceeds 64 bits".into()
            ))
        );
        assert_eq!(totals.total(), i64::MAX - 10);
        assert_eq!(totals.rates().len(), 1);
    }

    #[test]
    fn pick_dated_takes_latest_in_force() {
        let on = Day::new(2026, 3, 1);
        let entries = [
            (Some(Day::new(2026, 1, 1)), "b"),
            (None, "a"),
            (Some(Day::new(2026, 3, 2)), "future"),
        ];
        assert_eq!(pick_dated(entries, on), Some("b"));
        // before 2026 only the undated one is in force
        assert_eq!(pick_dated(entries, Day::new(2025, 12, 31)), Some("a"));
        // valid-from is inclusive
        assert_eq!(pick_dated(entries, Day::new(2026, 3, 2)), Some("future"));
        // a tie goes to the later entry
        let tie = [(Some(on), "first"), (Some(on), "second")];
        assert_eq!(pick_dated(tie, on), Some("second"));
        assert_eq!(pick_dated([(Some(Day::new(2027, 1, 1)), 1)], on), None);
    }

    #[test]
    fn display_of_days_and_rates() {
        assert_eq!(Day::new(2026, 1, 5).to_string(), "2026-01-05");
        assert_eq!(Rate::Percent(2200).to_string(), "22%");
        assert_eq!(Rate::Percent(1250).to_string(), "12.5%");
        assert_eq!(Rate::Percent(1205).to_string(), "12.05%");
        assert_eq!(Rate::Computed(2200).to_string(), "22/122");
        assert_eq!(Rate::Computed(500).to_string(), "5/105");
        assert_eq!(Rate::Percent(-100).to_string(), "-1%");
        assert_eq!(Rate::Exempt.to_string(), "without VAT (без НДС)");
    }
}
