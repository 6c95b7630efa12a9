//! Hand-computed cases for Russian VAT, run natively through `TaxRu::calculate`.
//! Every expected figure is worked out in the comment beside it.

use super::*;

fn date(year: u16, month: u8, day: u8) -> Date {
    Date { year, month, day }
}

fn line(price: i64, quantity: i64, tax: TaxSpec) -> Line {
    Line {
        price,
        quantity,
        discount: 0,
        tax,
        calc: CalcType::InPrice,
        margin: None,
    }
}

fn doc(kind: DocumentKind, on: Date, lines: Vec<Line>) -> Document {
    Document {
        kind,
        date: on,
        jurisdiction: Jurisdiction {
            country: "RU".into(),
            tax_codes: Vec::new(),
            standard_rate: None,
        },
        lines,
    }
}

fn sale(on: Date, lines: Vec<Line>) -> Document {
    doc(DocumentKind::Sale, on, lines)
}

fn calc(doc: Document) -> Result<TaxResult, TaxError> {
    TaxRu::calculate(doc)
}

fn ok(doc: Document) -> TaxResult {
    calc(doc).expect("the document should be accepted")
}

/// A line taxed on its whole amount.
fn line_result(amount: i64, tax: i64, vat: Vat, code: u8) -> LineResult {
    margin_result(amount, amount, tax, vat, code)
}

/// A line taxed on `taxed_base` only (its margin).
fn margin_result(amount: i64, taxed_base: i64, tax: i64, vat: Vat, code: u8) -> LineResult {
    LineResult {
        amount,
        taxed_base,
        tax,
        vat,
        vat_code: Some(code),
    }
}

fn rate_not_allowed(doc: Document) -> LineProblem {
    match calc(doc) {
        Err(TaxError::RateNotAllowed(problem)) => problem,
        other => panic!("expected rate-not-allowed, got {other:?}"),
    }
}

/// The single line's (amount, tax, vat, vat-code).
fn one(doc: Document) -> (i64, i64, Vat, Option<u8>) {
    let result = ok(doc);
    assert_eq!(result.lines.len(), 1);
    let l = &result.lines[0];
    (l.amount, l.tax, l.vat, l.vat_code)
}

const D2026: Date = Date {
    year: 2026,
    month: 3,
    day: 1,
};
const D2025: Date = Date {
    year: 2025,
    month: 6,
    day: 15,
};

#[test]
fn seed_000_example_in_2026_is_22_percent() {
    // 123.45 × 2: 12345 × 2000 / 1000 = 24690; code 0 in 2026 = 22%:
    // 24690 × 2200 / 12200 = 4452.29… → 4452; FFD code 11
    let result = ok(sale(D2026, vec![line(12345, 2000, TaxSpec::Code(0))]));
    assert_eq!(
        result,
        TaxResult {
            lines: vec![line_result(24690, 4452, Vat::Rate(2200), 11)],
            totals: vec![RateTotal {
                vat: Vat::Rate(2200),
                vat_code: Some(11),
                amount: 24690,
                taxed_base: 24690,
                tax: 4452,
            }],
            total: 24690,
            warnings: vec![],
        }
    );
}

#[test]
fn seed_000_example_in_2025_is_20_percent() {
    // code 0 in 2025 = 20%: 24690 × 2000 / 12000 = 4115 exactly; FFD code 1
    let result = ok(sale(D2025, vec![line(12345, 2000, TaxSpec::Code(0))]));
    assert_eq!(
        result.lines,
        vec![line_result(24690, 4115, Vat::Rate(2000), 1)]
    );
    assert_eq!(result.total, 24690);
}

#[test]
fn general_rate_switches_between_2025_12_31_and_2026_01_01() {
    // 100.00 at code 0 and code 4:
    // 2025-12-31: 10000 × 2000 / 12000 = 1666.67 → 1667 (20%, code 1; 20/120, code 3)
    // 2026-01-01: 10000 × 2200 / 12200 = 1803.28 → 1803 (22%, code 11; 22/122, code 12)
    let lines = || {
        vec![
            line(10000, 1000, TaxSpec::Code(0)),
            line(10000, 1000, TaxSpec::Code(4)),
        ]
    };
    let before = ok(sale(date(2025, 12, 31), lines()));
    assert_eq!(
        before.lines,
        vec![
            line_result(10000, 1667, Vat::Rate(2000), 1),
            line_result(10000, 1667, Vat::Computed(2000), 3),
        ]
    );
    let after = ok(sale(date(2026, 1, 1), lines()));
    assert_eq!(
        after.lines,
        vec![
            line_result(10000, 1803, Vat::Rate(2200), 11),
            line_result(10000, 1803, Vat::Computed(2200), 12),
        ]
    );
}

#[test]
fn every_2026_rate_has_its_ffd_code_and_tax() {
    // base 10000 each:
    // 22%, 22/122: 10000 × 2200 / 12200 = 1803.28 → 1803 (11, 12)
    // 10%, 10/110: 10000 × 1000 / 11000 = 909.09 → 909 (2, 4)
    // 0%: 0 (5); без НДС: 0 (6)
    // 5%, 5/105: 10000 × 500 / 10500 = 476.19 → 476 (7, 9)
    // 7%, 7/107: 10000 × 700 / 10700 = 654.21 → 654 (8, 10)
    let specs = [
        (TaxSpec::Percent(2200), 1803, Vat::Rate(2200), 11),
        (TaxSpec::Computed(2200), 1803, Vat::Computed(2200), 12),
        (TaxSpec::Percent(1000), 909, Vat::Rate(1000), 2),
        (TaxSpec::Computed(1000), 909, Vat::Computed(1000), 4),
        (TaxSpec::Percent(0), 0, Vat::Rate(0), 5),
        (TaxSpec::Exempt, 0, Vat::None, 6),
        (TaxSpec::Percent(500), 476, Vat::Rate(500), 7),
        (TaxSpec::Percent(700), 654, Vat::Rate(700), 8),
        (TaxSpec::Computed(500), 476, Vat::Computed(500), 9),
        (TaxSpec::Computed(700), 654, Vat::Computed(700), 10),
    ];
    let result = ok(sale(
        D2026,
        specs
            .iter()
            .map(|(spec, ..)| line(10000, 1000, *spec))
            .collect(),
    ));
    let expected: Vec<_> = specs
        .iter()
        .map(|&(_, tax, vat, code)| line_result(10000, tax, vat, code))
        .collect();
    assert_eq!(result.lines, expected);
    // ten distinct rates, ten totals in line order; total 10 × 10000
    assert_eq!(result.totals.len(), 10);
    assert_eq!(result.totals[9].vat_code, Some(10));
    assert_eq!(result.total, 100_000);
}

#[test]
fn rates_20_and_20_120_in_2025_have_codes_1_and_3() {
    // 3.00 at 20/120 is 300 / 6 = 50 exactly; 20%: same 50
    let result = ok(sale(
        D2025,
        vec![
            line(300, 1000, TaxSpec::Percent(2000)),
            line(300, 1000, TaxSpec::Computed(2000)),
        ],
    ));
    assert_eq!(
        result.lines,
        vec![
            line_result(300, 50, Vat::Rate(2000), 1),
            line_result(300, 50, Vat::Computed(2000), 3),
        ]
    );
}

#[test]
fn rate_22_before_2026_is_not_allowed() {
    let problem = rate_not_allowed(sale(
        date(2025, 12, 31),
        vec![
            line(100, 1000, TaxSpec::Percent(1000)),
            line(100, 1000, TaxSpec::Computed(2200)),
        ],
    ));
    assert_eq!(problem.line, 1);
    assert_eq!(
        problem.message,
        "VAT 22/122 applies from 2026-01-01; on 2025-12-31 the general rate is 20%"
    );
}

#[test]
fn rate_20_from_2026_is_not_allowed_on_sales_and_expenses() {
    for kind in [DocumentKind::Sale, DocumentKind::Expense] {
        let problem = rate_not_allowed(doc(
            kind,
            date(2026, 1, 1),
            vec![line(100, 1000, TaxSpec::Percent(2000))],
        ));
        assert_eq!(problem.line, 0);
        assert_eq!(
            problem.message,
            "VAT 20% ended on 2025-12-31; on 2026-01-01 the general rate is 22%, and 20% is allowed only on returns"
        );
    }
}

#[test]
fn rate_20_from_2026_is_allowed_on_returns_with_a_warning() {
    // return of a 2025 sale: 10000 × 2000 / 12000 = 1666.67 → 1667, code 1;
    // 20/120 on an expense return: same 1667, code 3
    let result = ok(doc(
        DocumentKind::SaleReturn,
        D2026,
        vec![
            line(10000, 1000, TaxSpec::Code(0)),
            line(10000, 1000, TaxSpec::Percent(2000)),
        ],
    ));
    assert_eq!(
        result.lines,
        vec![
            line_result(10000, 1803, Vat::Rate(2200), 11),
            line_result(10000, 1667, Vat::Rate(2000), 1),
        ]
    );
    assert_eq!(
        result.warnings,
        vec![Warning {
            line: Some(1),
            message: "VAT 20% on a sale-return dated 2026-03-01: accepted as the return of a document made before 2026-01-01, when the general rate was 20%".into(),
        }]
    );

    let expense = ok(doc(
        DocumentKind::ExpenseReturn,
        D2026,
        vec![line(10000, 1000, TaxSpec::Computed(2000))],
    ));
    assert_eq!(
        expense.lines,
        vec![line_result(10000, 1667, Vat::Computed(2000), 3)]
    );
    assert_eq!(expense.warnings.len(), 1);
    assert_eq!(expense.warnings[0].line, Some(0));
}

#[test]
fn document_kind_does_not_change_the_figures() {
    // 24690 at 22% is 4452 whatever the kind
    for kind in [
        DocumentKind::Sale,
        DocumentKind::SaleReturn,
        DocumentKind::Expense,
        DocumentKind::ExpenseReturn,
    ] {
        let result = ok(doc(kind, D2026, vec![line(12345, 2000, TaxSpec::Code(0))]));
        assert_eq!(
            result.lines,
            vec![line_result(24690, 4452, Vat::Rate(2200), 11)]
        );
        assert!(result.warnings.is_empty());
    }
}

#[test]
fn rates_5_and_7_exist_from_2025_only() {
    let problem = rate_not_allowed(sale(
        date(2024, 12, 31),
        vec![line(100, 1000, TaxSpec::Percent(500))],
    ));
    assert_eq!(
        problem.message,
        "VAT 5% exists from 2025-01-01; the document is dated 2024-12-31"
    );
    // code 9 maps to 7/107 and goes through the same dated check
    let problem = rate_not_allowed(sale(
        date(2024, 12, 31),
        vec![line(100, 1000, TaxSpec::Code(9))],
    ));
    assert_eq!(
        problem.message,
        "VAT 7/107 exists from 2025-01-01; the document is dated 2024-12-31"
    );
    // on 2025-01-01: 10000 × 700 / 10700 = 654.21 → 654, code 8
    assert_eq!(
        one(sale(
            date(2025, 1, 1),
            vec![line(10000, 1000, TaxSpec::Percent(700))]
        )),
        (10000, 654, Vat::Rate(700), Some(8))
    );
}

#[test]
fn unknown_percents_are_not_allowed() {
    let problem = rate_not_allowed(sale(D2026, vec![line(100, 1000, TaxSpec::Percent(1800))]));
    assert_eq!(problem.message, "Russia has no VAT rate 18%");
    let problem = rate_not_allowed(sale(D2026, vec![line(100, 1000, TaxSpec::Computed(0))]));
    assert_eq!(problem.message, "Russia has no VAT rate 0/100");
    let problem = rate_not_allowed(sale(D2026, vec![line(100, 1000, TaxSpec::Percent(-2200))]));
    assert_eq!(problem.message, "Russia has no VAT rate -22%");
}

#[test]
fn default_codes_in_2026() {
    // 110.00 each: 22% 11000 × 2200/12200 = 1983.61 → 1984; 10% 11000/11 = 1000;
    // 0% 0; без НДС 0; 22/122 1984; 10/110 1000; 5% 11000 × 500/10500 = 523.81 → 524;
    // 7% 11000 × 700/10700 = 719.63 → 720; 5/105 524; 7/107 720
    let expected = [
        (Vat::Rate(2200), 1984, 11),
        (Vat::Rate(1000), 1000, 2),
        (Vat::Rate(0), 0, 5),
        (Vat::None, 0, 6),
        (Vat::Computed(2200), 1984, 12),
        (Vat::Computed(1000), 1000, 4),
        (Vat::Rate(500), 524, 7),
        (Vat::Rate(700), 720, 8),
        (Vat::Computed(500), 524, 9),
        (Vat::Computed(700), 720, 10),
    ];
    let result = ok(sale(
        D2026,
        (0..10)
            .map(|c| line(11000, 1000, TaxSpec::Code(c)))
            .collect(),
    ));
    let got: Vec<_> = result
        .lines
        .iter()
        .map(|l| (l.vat, l.tax, l.vat_code.unwrap()))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn unmapped_code_is_unknown() {
    let result = calc(sale(
        D2026,
        vec![
            line(100, 1000, TaxSpec::Code(0)),
            line(100, 1000, TaxSpec::Code(10)),
        ],
    ));
    assert_eq!(
        result,
        Err(TaxError::UnknownTaxCode(LineProblem {
            line: 1,
            message: "tax code 10 is not mapped on 2026-03-01".into(),
        }))
    );
}

fn with_codes(mut doc: Document, codes: Vec<TaxCode>) -> Document {
    doc.jurisdiction.tax_codes = codes;
    doc
}

fn code(code: u32, rate: TaxSpec, valid_from: Option<Date>) -> TaxCode {
    TaxCode {
        code,
        rate,
        valid_from,
    }
}

#[test]
fn code_overrides_follow_valid_from() {
    let codes = || {
        vec![
            code(0, TaxSpec::Percent(1000), None),
            code(0, TaxSpec::Exempt, Some(date(2026, 2, 1))),
            code(0, TaxSpec::Percent(0), Some(date(2026, 4, 1))),
            code(1, TaxSpec::Percent(700), None),
        ]
    };
    let on = |d: Date, c: u32| {
        one(with_codes(
            sale(d, vec![line(11000, 1000, TaxSpec::Code(c))]),
            codes(),
        ))
    };
    // 2026-01-31: only the undated entry is in force → 10%: 11000 / 11 = 1000, code 2
    assert_eq!(
        on(date(2026, 1, 31), 0),
        (11000, 1000, Vat::Rate(1000), Some(2))
    );
    // 2026-02-01 (inclusive) and 2026-03-01: без НДС, tax 0, code 6
    assert_eq!(on(date(2026, 2, 1), 0), (11000, 0, Vat::None, Some(6)));
    assert_eq!(on(D2026, 0), (11000, 0, Vat::None, Some(6)));
    // code 1 overridden to 7%: 11000 × 700 / 10700 = 719.63 → 720, code 8
    assert_eq!(on(D2026, 1), (11000, 720, Vat::Rate(700), Some(8)));
    // code 2 has no override → default 0%
    assert_eq!(on(D2026, 2), (11000, 0, Vat::Rate(0), Some(5)));
}

#[test]
fn override_not_yet_in_force_falls_back_to_the_default() {
    // code 0 → 10% only from 2026-06-01; on 2026-03-01 the default 22% applies:
    // 24690 × 2200 / 12200 → 4452
    let codes = vec![code(0, TaxSpec::Percent(1000), Some(date(2026, 6, 1)))];
    assert_eq!(
        one(with_codes(
            sale(D2026, vec![line(12345, 2000, TaxSpec::Code(0))]),
            codes
        )),
        (24690, 4452, Vat::Rate(2200), Some(11))
    );
}

#[test]
fn override_can_map_a_new_code_and_is_validated_by_date() {
    // code 42 → 22/122: 24690 × 2200 / 12200 → 4452, code 12
    let codes = || vec![code(42, TaxSpec::Computed(2200), None)];
    assert_eq!(
        one(with_codes(
            sale(D2026, vec![line(12345, 2000, TaxSpec::Code(42))]),
            codes()
        )),
        (24690, 4452, Vat::Computed(2200), Some(12))
    );
    // the same mapping in 2025 names a rate that does not exist yet
    let problem = rate_not_allowed(with_codes(
        sale(D2025, vec![line(12345, 2000, TaxSpec::Code(42))]),
        codes(),
    ));
    assert_eq!(
        problem.message,
        "VAT 22/122 applies from 2026-01-01; on 2025-06-15 the general rate is 20%"
    );
}

#[test]
fn override_to_another_code_is_unknown() {
    let codes = vec![code(0, TaxSpec::Code(1), None)];
    assert_eq!(
        calc(with_codes(sale(D2026, vec![line(100, 1000, TaxSpec::Code(0))]), codes)),
        Err(TaxError::UnknownTaxCode(LineProblem {
            line: 0,
            message: "tax code 0 is mapped by the jurisdiction to another code; a mapping must name a rate".into(),
        }))
    );
}

#[test]
fn half_up_rounding_of_amount_and_tax() {
    // price 1 × 0.500 = 0.5 → 1; price 3 × 0.500 = 1.5 → 2 (2025, 20/120: 1/6 → 0, 2/6 → 0)
    // price 300 × 0.010 = 3; 20/120: 3 / 6 = 0.5 → 1 (tax at exactly half)
    // price 15 × 1.000 = 15; 20%: 15 × 2000 / 12000 = 2.5 → 3
    let result = ok(sale(
        D2025,
        vec![
            line(1, 500, TaxSpec::Computed(2000)),
            line(3, 500, TaxSpec::Computed(2000)),
            line(300, 10, TaxSpec::Computed(2000)),
            line(15, 1000, TaxSpec::Percent(2000)),
        ],
    ));
    assert_eq!(
        result.lines,
        vec![
            line_result(1, 0, Vat::Computed(2000), 3),
            line_result(2, 0, Vat::Computed(2000), 3),
            line_result(3, 1, Vat::Computed(2000), 3),
            line_result(15, 3, Vat::Rate(2000), 1),
        ]
    );
    // 20/120: 1 + 2 + 3 = 6, tax 0 + 0 + 1 = 1; 20%: 15, tax 3; total 21
    assert_eq!(
        result.totals,
        vec![
            RateTotal {
                vat: Vat::Computed(2000),
                vat_code: Some(3),
                amount: 6,
                taxed_base: 6,
                tax: 1
            },
            RateTotal {
                vat: Vat::Rate(2000),
                vat_code: Some(1),
                amount: 15,
                taxed_base: 15,
                tax: 3
            },
        ]
    );
    assert_eq!(result.total, 21);
}

#[test]
fn zero_quantity_and_zero_price_give_zero() {
    let result = ok(sale(
        D2026,
        vec![
            line(12345, 0, TaxSpec::Code(0)),
            line(0, 2000, TaxSpec::Code(0)),
        ],
    ));
    assert_eq!(
        result.lines,
        vec![
            line_result(0, 0, Vat::Rate(2200), 11),
            line_result(0, 0, Vat::Rate(2200), 11),
        ]
    );
    assert_eq!(result.total, 0);
    assert_eq!(result.totals.len(), 1);
}

#[test]
fn discount_equal_to_the_amount_and_above_it() {
    // 24690 − 24690 = 0, tax 0; 24690 − 690 = 24000, 24000 × 2200 / 12200 = 4327.87 → 4328
    let mut full = line(12345, 2000, TaxSpec::Code(0));
    full.discount = 24690;
    let mut part = line(12345, 2000, TaxSpec::Code(0));
    part.discount = 690;
    let result = ok(sale(D2026, vec![full, part]));
    assert_eq!(
        result.lines,
        vec![
            line_result(0, 0, Vat::Rate(2200), 11),
            line_result(24000, 4328, Vat::Rate(2200), 11),
        ]
    );
    assert_eq!(result.total, 24000);

    let mut above = line(12345, 2000, TaxSpec::Code(0));
    above.discount = 24691;
    assert_eq!(
        calc(sale(D2026, vec![full, above])),
        Err(TaxError::InvalidLine(LineProblem {
            line: 1,
            message: "discount 24691 is above the line's price × quantity 24690".into(),
        }))
    );
}

#[test]
fn negative_values_are_invalid_lines() {
    assert_eq!(
        calc(sale(D2026, vec![line(100, -1000, TaxSpec::Code(0))])),
        Err(TaxError::InvalidLine(LineProblem {
            line: 0,
            message: "quantity is negative (-1000); all values must be zero or more".into(),
        }))
    );
    assert_eq!(
        calc(sale(D2026, vec![line(-100, 1000, TaxSpec::Code(0))])),
        Err(TaxError::InvalidLine(LineProblem {
            line: 0,
            message: "price is negative (-100); all values must be zero or more".into(),
        }))
    );
}

#[test]
fn large_quantity_with_three_decimals() {
    // 12345.678 kg × 99999.99: 9999999 × 12345678 = 123456767654322, / 1000 → 123456767654
    // 22/122: 123456767654 × 11 / 61 = 1358024444194 / 61 = 22262695806.46 → 22262695806
    assert_eq!(
        one(sale(
            D2026,
            vec![line(9_999_999, 12_345_678, TaxSpec::Code(0))]
        )),
        (123_456_767_654, 22_262_695_806, Vat::Rate(2200), Some(11))
    );
}

#[test]
fn overflow_of_a_line_and_of_the_document_total() {
    // i64::MAX × 2.000 does not fit
    match calc(sale(D2026, vec![line(i64::MAX, 2000, TaxSpec::Code(0))])) {
        Err(TaxError::Overflow(problem)) => assert_eq!(problem.line, 0),
        other => panic!("expected overflow, got {other:?}"),
    }
    // each line fits (i64::MAX / 2 + 1), their sum does not: reported at line 1
    let half = i64::MAX / 2 + 1;
    assert_eq!(
        calc(sale(
            D2026,
            vec![
                line(half, 1000, TaxSpec::Exempt),
                line(half, 1000, TaxSpec::Percent(0)),
            ]
        )),
        Err(TaxError::Overflow(LineProblem {
            line: 1,
            message: "the document total exceeds 64 bits".into(),
        }))
    );
}

#[test]
fn margin_is_the_tax_base_but_not_the_amount() {
    // amount 24690; margin sum 12200: 12200 × 2200 / 12200 = 2200
    // amount 24690; margin unit price 3050 × 2.000 = 6100: 6100 × 2200 / 12200 = 1100
    let mut by_sum = line(12345, 2000, TaxSpec::Code(0));
    by_sum.margin = Some(Margin::Sum(12200));
    let mut by_unit = line(12345, 2000, TaxSpec::Code(0));
    by_unit.margin = Some(Margin::UnitPrice(3050));
    let result = ok(sale(D2026, vec![by_sum, by_unit]));
    assert_eq!(
        result.lines,
        vec![
            margin_result(24690, 12200, 2200, Vat::Rate(2200), 11),
            margin_result(24690, 6100, 1100, Vat::Rate(2200), 11),
        ]
    );
    // the total's amount is the sum of amounts: 49380; its taxed base the sum of the
    // margins: 12200 + 6100 = 18300; tax 3300
    assert_eq!(
        result.totals,
        vec![RateTotal {
            vat: Vat::Rate(2200),
            vat_code: Some(11),
            amount: 49380,
            taxed_base: 18300,
            tax: 3300
        }]
    );

    let mut too_big = line(12345, 2000, TaxSpec::Code(0));
    too_big.margin = Some(Margin::UnitPrice(12346)); // 12346 × 2.000 = 24692 > 24690
    assert_eq!(
        calc(sale(D2026, vec![too_big])),
        Err(TaxError::InvalidLine(LineProblem {
            line: 0,
            message: "margin 24692 is above the line amount 24690".into(),
        }))
    );
}

#[test]
fn fixed_and_simplified_calc_types() {
    // fixed 22%: 24690 × 2200 / 10000 = 5431.8 → 5432
    // fixed 10%: 5 × 1000 / 10000 = 0.5 → 1
    // simplified 22%: 0, vat stays 22% / code 11
    // fixed 22/122 is a computed rate, taken from inside: 4452
    let with = |calc_type, price, spec| {
        let mut l = line(price, 1000, spec);
        l.calc = calc_type;
        l
    };
    let result = ok(sale(
        D2026,
        vec![
            with(CalcType::Fixed, 24690, TaxSpec::Percent(2200)),
            with(CalcType::Fixed, 5, TaxSpec::Percent(1000)),
            with(CalcType::Simplified, 24690, TaxSpec::Percent(2200)),
            with(CalcType::Fixed, 24690, TaxSpec::Computed(2200)),
        ],
    ));
    assert_eq!(
        result.lines,
        vec![
            line_result(24690, 5432, Vat::Rate(2200), 11),
            line_result(5, 1, Vat::Rate(1000), 2),
            line_result(24690, 0, Vat::Rate(2200), 11),
            line_result(24690, 4452, Vat::Computed(2200), 12),
        ]
    );
    // 22%: 24690 + 24690 = 49380, tax 5432 + 0 = 5432
    assert_eq!(result.totals[0].amount, 49380);
    assert_eq!(result.totals[0].tax, 5432);
}

#[test]
fn multi_rate_totals_are_sums_of_lines_in_first_appearance_order() {
    // l0 10% 11000: 1000; l1 22% 24690: 4452; l2 без НДС 500: 0;
    // l3 10% 5500: 5500 / 11 = 500; l4 22% 3 × 0.500 = 2: 2 × 11 / 61 = 0.36 → 0
    let result = ok(sale(
        D2026,
        vec![
            line(11000, 1000, TaxSpec::Code(1)),
            line(12345, 2000, TaxSpec::Code(0)),
            line(500, 1000, TaxSpec::Exempt),
            line(1100, 5000, TaxSpec::Percent(1000)),
            line(3, 500, TaxSpec::Code(0)),
        ],
    ));
    assert_eq!(
        result.totals,
        vec![
            // 11000 + 5500 = 16500, 1000 + 500 = 1500
            RateTotal {
                vat: Vat::Rate(1000),
                vat_code: Some(2),
                amount: 16500,
                taxed_base: 16500,
                tax: 1500
            },
            // 24690 + 2 = 24692, 4452 + 0
            RateTotal {
                vat: Vat::Rate(2200),
                vat_code: Some(11),
                amount: 24692,
                taxed_base: 24692,
                tax: 4452
            },
            RateTotal {
                vat: Vat::None,
                vat_code: Some(6),
                amount: 500,
                taxed_base: 500,
                tax: 0
            },
        ]
    );
    // 11000 + 24690 + 500 + 5500 + 2 = 41692
    assert_eq!(result.total, 41692);
    let line_sum: i64 = result.lines.iter().map(|l| l.amount).sum();
    let tax_sum: i64 = result.lines.iter().map(|l| l.tax).sum();
    assert_eq!((line_sum, tax_sum), (41692, 5952));
}

#[test]
fn configured_standard_rate_is_ignored_with_a_warning() {
    let mut document = sale(D2026, vec![line(12345, 2000, TaxSpec::Code(0))]);
    document.jurisdiction.standard_rate = Some(2000);
    let result = ok(document);
    // still 22%: 4452
    assert_eq!(
        result.lines,
        vec![line_result(24690, 4452, Vat::Rate(2200), 11)]
    );
    assert_eq!(
        result.warnings,
        vec![Warning {
            line: None,
            message: "the jurisdiction's standard-rate 20% is ignored: Russia's general rate on 2026-03-01 is 22% by law".into(),
        }]
    );

    // the same value as the law: nothing to say
    let mut agreeing = sale(D2026, vec![line(12345, 2000, TaxSpec::Code(0))]);
    agreeing.jurisdiction.standard_rate = Some(2200);
    assert!(ok(agreeing).warnings.is_empty());
}

#[test]
fn other_countries_and_empty_documents_are_refused() {
    let mut kz = sale(D2026, vec![line(100, 1000, TaxSpec::Code(0))]);
    kz.jurisdiction.country = "KZ".into();
    assert_eq!(calc(kz), Err(TaxError::UnsupportedCountry("KZ".into())));
    // the country code is exact: ISO alpha-2 in upper case
    let mut lower = sale(D2026, vec![line(100, 1000, TaxSpec::Code(0))]);
    lower.jurisdiction.country = "ru".into();
    assert_eq!(calc(lower), Err(TaxError::UnsupportedCountry("ru".into())));

    assert_eq!(calc(sale(D2026, vec![])), Err(TaxError::EmptyDocument));
}

#[test]
fn margin_lines_carry_their_taxed_base_per_line_and_per_rate() {
    // l0 22%, margin sum 12200 of 24690: base 12200, tax 2200
    // l1 22%, whole 12345: base 12345, 12345 × 2200 / 12200 = 2226.15 → 2226
    // l2 10%, 5000 × 1.500 = 7500 − 500 = 7000; margin 333 × 1.500 = 499.5 → 500:
    //    500 × 1000 / 11000 = 45.45 → 45
    // l3 22%, margin equal to the amount 1000: base 1000, 1000 × 2200 / 12200 = 180.33 → 180
    // l4 10%, margin sum 0 of 5000: base 0, tax 0
    // l5 без НДС, margin sum 300 of 2000: base 300, tax 0
    let with_margin = |price, quantity, spec, margin| {
        let mut l = line(price, quantity, spec);
        l.margin = Some(margin);
        l
    };
    let mut l2 = with_margin(5000, 1500, TaxSpec::Code(1), Margin::UnitPrice(333));
    l2.discount = 500;
    let result = ok(sale(
        D2026,
        vec![
            with_margin(12345, 2000, TaxSpec::Code(0), Margin::Sum(12200)),
            line(12345, 1000, TaxSpec::Code(0)),
            l2,
            with_margin(1000, 1000, TaxSpec::Code(0), Margin::Sum(1000)),
            with_margin(5000, 1000, TaxSpec::Code(1), Margin::Sum(0)),
            with_margin(2000, 1000, TaxSpec::Exempt, Margin::Sum(300)),
        ],
    ));
    assert_eq!(
        result.lines,
        vec![
            margin_result(24690, 12200, 2200, Vat::Rate(2200), 11),
            line_result(12345, 2226, Vat::Rate(2200), 11),
            margin_result(7000, 500, 45, Vat::Rate(1000), 2),
            margin_result(1000, 1000, 180, Vat::Rate(2200), 11),
            margin_result(5000, 0, 0, Vat::Rate(1000), 2),
            margin_result(2000, 300, 0, Vat::None, 6),
        ]
    );
    assert_eq!(
        result.totals,
        vec![
            // amounts 24690 + 12345 + 1000 = 38035; bases 12200 + 12345 + 1000 = 25545;
            // taxes 2200 + 2226 + 180 = 4606
            RateTotal {
                vat: Vat::Rate(2200),
                vat_code: Some(11),
                amount: 38035,
                taxed_base: 25545,
                tax: 4606,
            },
            // amounts 7000 + 5000 = 12000; bases 500 + 0 = 500; taxes 45
            RateTotal {
                vat: Vat::Rate(1000),
                vat_code: Some(2),
                amount: 12000,
                taxed_base: 500,
                tax: 45,
            },
            RateTotal {
                vat: Vat::None,
                vat_code: Some(6),
                amount: 2000,
                taxed_base: 300,
                tax: 0,
            },
        ]
    );
    // the document total is the sum of the amounts, never of the bases
    assert_eq!(result.total, 38035 + 12000 + 2000);
}

#[test]
fn lines_without_a_margin_have_their_amount_as_taxed_base() {
    let result = ok(sale(
        D2026,
        vec![
            line(12345, 2000, TaxSpec::Code(0)),
            line(500, 1000, TaxSpec::Exempt),
        ],
    ));
    assert!(result.lines.iter().all(|l| l.taxed_base == l.amount));
    assert!(result.totals.iter().all(|t| t.taxed_base == t.amount));
}
