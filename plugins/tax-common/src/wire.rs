//! How a document's lines and their figures cross the `fiscal:host@0.2.0` tax interface: as flat
//! `list<s64>`, a fixed number of numbers per line (`wit/fiscal-host-0.2.0/tax.wit` states the
//! layout; this module is the one implementation of it, used by the host and by the guest SDK).
//!
//! Why numbers and not records: wasmtime lowers a list of records field by field, with a bounds
//! check and a variant tag per field, and that was most of a 100-line tax call (8.4× native,
//! `BENCHMARKS.md`); a list of `s64` crosses as one copy each way.
//!
//! A line is [`LINE`] numbers:
//!
//! | # | number | values |
//! |---|---|---|
//! | 0 | price of one unit | minor units |
//! | 1 | quantity | thousandths |
//! | 2 | discount on the whole line | minor units |
//! | 3 | tax kind | 0 code, 1 percent, 2 computed, 3 exempt |
//! | 4 | tax value | the code (kind 0), basis points (1, 2), 0 (3) |
//! | 5 | calc type | 1 in price, 2 fixed, 3 simplified (seed 001's `calcType`) |
//! | 6 | margin kind | 0 none, 1 sum of the line, 2 price of one unit |
//! | 7 | margin value | minor units (0 when none) |
//!
//! A line's figures are [`FIGURES`] numbers:
//!
//! | # | number | values |
//! |---|---|---|
//! | 0 | amount | minor units |
//! | 1 | taxed base | minor units |
//! | 2 | tax | minor units |
//! | 3 | VAT kind | 1 rate, 2 computed, 3 none (the tax kinds' numbers) |
//! | 4 | VAT value | basis points (1, 2), 0 (3) |
//! | 5 | register VAT code | 0–255, or −1 when the country has none |

use crate::{Calc, Margin, Rate};

/// Numbers per line.
pub const LINE: usize = 8;
/// Numbers per line's figures.
pub const FIGURES: usize = 6;

/// How a line names its tax: a code the plugin maps, or a rate of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineTax {
    Code(u32),
    Rate(Rate),
}

/// The numbers of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineNumbers {
    pub price: i64,
    pub quantity: i64,
    pub discount: i64,
    pub tax: LineTax,
    pub calc: Calc,
    pub margin: Option<Margin>,
}

/// The figures of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FigureNumbers {
    pub amount: i64,
    pub taxed_base: i64,
    pub tax: i64,
    pub vat: Rate,
    pub vat_code: Option<u8>,
}

/// Numbers that are not a line or its figures: the index of the line (from 0) and what is wrong.
/// Small and `Copy`, its message written only when shown: a decoded line is returned in a
/// `Result` with it, on the hot path of every call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireError {
    pub line: u32,
    pub fault: Fault,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `value` is none of the values of the number `what`.
    NotA { what: &'static str, value: i64 },
    /// The list's length is not a multiple of the numbers per line.
    Short { numbers: usize, per_line: usize },
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.fault {
            Fault::NotA { what, value } => write!(f, "{value} is not a {what}"),
            Fault::Short { numbers, per_line } => write!(
                f,
                "the list of {numbers} numbers does not divide into lines of {per_line}"
            ),
        }
    }
}

/// Appends a line's [`LINE`] numbers.
#[inline]
pub fn push_line(out: &mut Vec<i64>, line: &LineNumbers) {
    let (kind, value) = match line.tax {
        LineTax::Code(code) => (0, i64::from(code)),
        LineTax::Rate(rate) => rate_numbers(rate),
    };
    let calc = match line.calc {
        Calc::InPrice => 1,
        Calc::Fixed => 2,
        Calc::Simplified => 3,
    };
    let (margin_kind, margin) = match line.margin {
        None => (0, 0),
        Some(Margin::Sum(sum)) => (1, sum),
        Some(Margin::UnitPrice(price)) => (2, price),
    };
    out.extend_from_slice(&[
        line.price,
        line.quantity,
        line.discount,
        kind,
        value,
        calc,
        margin_kind,
        margin,
    ]);
}

/// The lines of a `list<s64>`, in order; a malformed one is an error naming its index.
#[inline]
pub fn lines(
    numbers: &[i64],
) -> impl ExactSizeIterator<Item = Result<LineNumbers, WireError>> + '_ {
    chunks::<LINE>(numbers).map(|(line, n)| {
        let n = n?;
        let tax = match n[3] {
            0 => LineTax::Code(u32::try_from(n[4]).map_err(|_| bad(line, "tax code", n[4]))?),
            kind => LineTax::Rate(rate(line, kind, n[4])?),
        };
        let calc = match n[5] {
            1 => Calc::InPrice,
            2 => Calc::Fixed,
            3 => Calc::Simplified,
            other => return Err(bad(line, "calc type", other)),
        };
        let margin = match n[6] {
            0 => None,
            1 => Some(Margin::Sum(n[7])),
            2 => Some(Margin::UnitPrice(n[7])),
            other => return Err(bad(line, "margin kind", other)),
        };
        Ok(LineNumbers {
            price: n[0],
            quantity: n[1],
            discount: n[2],
            tax,
            calc,
            margin,
        })
    })
}

/// Appends a line's [`FIGURES`] numbers.
#[inline]
pub fn push_figures(out: &mut Vec<i64>, figures: &FigureNumbers) {
    let (kind, value) = rate_numbers(figures.vat);
    out.extend_from_slice(&[
        figures.amount,
        figures.taxed_base,
        figures.tax,
        kind,
        value,
        figures.vat_code.map_or(-1, i64::from),
    ]);
}

/// The figures of a `list<s64>`, in order; a malformed one is an error naming its line.
#[inline]
pub fn figures(
    numbers: &[i64],
) -> impl ExactSizeIterator<Item = Result<FigureNumbers, WireError>> + '_ {
    chunks::<FIGURES>(numbers).map(|(line, n)| {
        let n = n?;
        let vat_code = match n[5] {
            -1 => None,
            code => Some(u8::try_from(code).map_err(|_| bad(line, "VAT code", code))?),
        };
        Ok(FigureNumbers {
            amount: n[0],
            taxed_base: n[1],
            tax: n[2],
            vat: rate(line, n[3], n[4])?,
            vat_code,
        })
    })
}

#[inline]
fn rate_numbers(rate: Rate) -> (i64, i64) {
    match rate {
        Rate::Percent(bp) => (1, i64::from(bp)),
        Rate::Computed(bp) => (2, i64::from(bp)),
        Rate::Exempt => (3, 0),
    }
}

#[inline]
fn rate(line: u32, kind: i64, value: i64) -> Result<Rate, WireError> {
    let bp = || i32::try_from(value).map_err(|_| bad(line, "rate", value));
    match kind {
        1 => Ok(Rate::Percent(bp()?)),
        2 => Ok(Rate::Computed(bp()?)),
        3 => Ok(Rate::Exempt),
        other => Err(bad(line, "tax kind", other)),
    }
}

/// The list cut into lines of `N` numbers, with each line's index; a short last line is an error.
#[inline]
fn chunks<const N: usize>(numbers: &[i64]) -> Chunks<'_, N> {
    let (whole, rest) = numbers.as_chunks::<N>();
    Chunks {
        whole: whole.iter(),
        line: 0,
        short: (!rest.is_empty()).then_some(WireError {
            line: whole.len() as u32,
            fault: Fault::Short {
                numbers: numbers.len(),
                per_line: N,
            },
        }),
    }
}

/// The whole lines as arrays (no index arithmetic or bounds check per number), then the short
/// one's error if the list has one.
struct Chunks<'a, const N: usize> {
    whole: core::slice::Iter<'a, [i64; N]>,
    line: u32,
    short: Option<WireError>,
}

impl<'a, const N: usize> Iterator for Chunks<'a, N> {
    type Item = (u32, Result<&'a [i64; N], WireError>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self.whole.next() {
            Some(numbers) => {
                let line = self.line;
                self.line += 1;
                Some((line, Ok(numbers)))
            }
            None => self.short.take().map(|e| (e.line, Err(e))),
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.whole.len() + usize::from(self.short.is_some());
        (len, Some(len))
    }
}

impl<const N: usize> ExactSizeIterator for Chunks<'_, N> {}

fn bad(line: u32, what: &'static str, value: i64) -> WireError {
    WireError {
        line,
        fault: Fault::NotA { what, value },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(tax: LineTax, calc: Calc, margin: Option<Margin>) -> LineNumbers {
        LineNumbers {
            price: 12_345,
            quantity: 1_500,
            discount: 45,
            tax,
            calc,
            margin,
        }
    }

    #[test]
    fn every_kind_of_line_comes_back_as_it_went() {
        let sent = [
            line(LineTax::Code(7), Calc::InPrice, None),
            line(
                LineTax::Rate(Rate::Percent(2200)),
                Calc::Fixed,
                Some(Margin::Sum(900)),
            ),
            line(
                LineTax::Rate(Rate::Computed(1000)),
                Calc::Simplified,
                Some(Margin::UnitPrice(60)),
            ),
            line(LineTax::Rate(Rate::Exempt), Calc::InPrice, None),
        ];
        let mut numbers = Vec::new();
        sent.iter().for_each(|l| push_line(&mut numbers, l));
        assert_eq!(numbers.len(), 4 * LINE);
        assert_eq!(
            &numbers[LINE..2 * LINE],
            &[12_345, 1_500, 45, 1, 2200, 2, 1, 900]
        );
        let back: Vec<_> = lines(&numbers).collect::<Result<_, _>>().unwrap();
        assert_eq!(back, sent);
    }

    #[test]
    fn figures_come_back_as_they_went_with_no_code_as_minus_one() {
        let sent = [
            FigureNumbers {
                amount: 100,
                taxed_base: 100,
                tax: 18,
                vat: Rate::Percent(2200),
                vat_code: Some(11),
            },
            FigureNumbers {
                amount: 50,
                taxed_base: 20,
                tax: 0,
                vat: Rate::Exempt,
                vat_code: None,
            },
        ];
        let mut numbers = Vec::new();
        sent.iter().for_each(|f| push_figures(&mut numbers, f));
        assert_eq!(&numbers[FIGURES..], &[50, 20, 0, 3, 0, -1]);
        let back: Vec<_> = figures(&numbers).collect::<Result<_, _>>().unwrap();
        assert_eq!(back, sent);
    }

    #[test]
    fn a_malformed_line_is_named_by_its_index() {
        let mut numbers = Vec::new();
        push_line(&mut numbers, &line(LineTax::Code(0), Calc::InPrice, None));
        push_line(&mut numbers, &line(LineTax::Code(0), Calc::InPrice, None));
        numbers[LINE + 5] = 9;
        let got: Vec<_> = lines(&numbers).collect();
        assert!(got[0].is_ok());
        let err = got[1].unwrap_err();
        assert_eq!(
            (err.line, err.to_string()),
            (1, "9 is not a calc type".into())
        );

        numbers.truncate(LINE + 3);
        let got: Vec<_> = lines(&numbers).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[1].as_ref().unwrap_err().to_string(),
            "the list of 11 numbers does not divide into lines of 8"
        );

        let code = [0, 0, 0, 0, -1, 1, 0, 0];
        assert_eq!(
            lines(&code).next().unwrap().unwrap_err().to_string(),
            "-1 is not a tax code"
        );
        let vat = [0, 0, 0, 7, 0, -1];
        assert_eq!(
            figures(&vat).next().unwrap().unwrap_err().to_string(),
            "7 is not a tax kind"
        );
        let code = [0, 0, 0, 3, 0, 256];
        assert_eq!(
            figures(&code).next().unwrap().unwrap_err().to_string(),
            "256 is not a VAT code"
        );
    }
}
