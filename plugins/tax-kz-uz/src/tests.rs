//! Hand-computed cases for Kazakh and Uzbek VAT, run natively through
//! `TaxKzUz::calculate`. Every expected figure is worked out in the comment beside it.

use super::*;

fn date(year: u16, month: u8, day: u8) -> Date {
    Date { year, month, day }
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

fn doc(country: &str, on: Date, lines: Vec<Line>) -> Document {
    Document {
        kind: DocumentKind::Sale,
        date: on,
        jurisdiction: Jurisdiction {
            country: country.into(),
            tax_codes: Vec::new(),
            standard_rate: None,
        },
        lines,
    }
}

fn configured(mut doc: Document, standard: i32) -> Document {
    doc.jurisdiction.standard_rate = Some(standard);
    doc
}

fn calc(doc: Document) -> Result<TaxResult, TaxError> {
    TaxKzUz::calculate(doc)
}

fn ok(doc: Document) -> TaxResult {
    calc(doc).expect("the document should be accepted")
}

/// (amount, tax, vat) of each line; vat-code is checked to be none on the way.
fn figures(result: &TaxResult) -> Vec<(i64, i64, Vat)> {
    assert!(result.lines.iter().all(|l| l.vat_code.is_none()));
    assert!(result.totals.iter().all(|t| t.vat_code.is_none()));
    result
        .lines
        .iter()
        .map(|l| (l.amount, l.tax, l.vat))
        .collect()
}

/// The single line's (amount, tax, vat) of a document accepted without warnings.
fn one(doc: Document) -> (i64, i64, Vat) {
    let result = ok(doc);
    assert_eq!(result.warnings, vec![]);
    let mut all = figures(&result);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn rate_not_allowed(doc: Document) -> LineProblem {
    match calc(doc) {
        Err(TaxError::RateNotAllowed(problem)) => problem,
        other => panic!("expected rate-not-allowed, got {other:?}"),
    }
}

#[test]
fn kz_standard_rate_is_12_then_16_percent() {
    // 2025-12-31, code 0 = 12%: 10000 × 1200 / 11200 = 1071.43 → 1071
    assert_eq!(
        one(doc(
            "KZ",
            date(2025, 12, 31),
            vec![line(10000, 1000, TaxSpec::Code(0))]
        )),
        (10000, 1071, Vat::Rate(1200))
    );
    // 2026-01-01, code 0 = 16%: 10000 × 1600 / 11600 = 1379.31 → 1379
    assert_eq!(
        one(doc(
            "KZ",
            date(2026, 1, 1),
            vec![line(10000, 1000, TaxSpec::Code(0))]
        )),
        (10000, 1379, Vat::Rate(1600))
    );
}

#[test]
fn kz_old_and_new_standard_rates_out_of_their_time() {
    let problem = rate_not_allowed(doc(
        "KZ",
        D2026,
        vec![line(100, 1000, TaxSpec::Percent(1200))],
    ));
    assert_eq!(problem.line, 0);
    assert_eq!(
        problem.message,
        "Kazakhstan has no VAT rate 12% on 2026-03-01; the standard rate is 16%"
    );
    let problem = rate_not_allowed(doc(
        "KZ",
        D2025,
        vec![line(100, 1000, TaxSpec::Percent(1600))],
    ));
    assert_eq!(
        problem.message,
        "Kazakhstan has no VAT rate 16% on 2025-06-15; the standard rate is 12%"
    );
}

#[test]
fn kz_configured_standard_rate_replaces_the_table() {
    // configured 15%: 10000 × 1500 / 11500 = 1304.35 → 1304, by code and by percent
    let lines = || {
        vec![
            line(10000, 1000, TaxSpec::Code(0)),
            line(10000, 1000, TaxSpec::Percent(1500)),
        ]
    };
    let result = ok(configured(doc("KZ", D2026, lines()), 1500));
    assert_eq!(
        figures(&result),
        vec![
            (10000, 1304, Vat::Rate(1500)),
            (10000, 1304, Vat::Rate(1500))
        ]
    );
    assert_eq!(result.warnings, vec![]);
    // the table's 16% is then not the standard rate
    let problem = rate_not_allowed(configured(
        doc("KZ", D2026, vec![line(100, 1000, TaxSpec::Percent(1600))]),
        1500,
    ));
    assert_eq!(
        problem.message,
        "Kazakhstan has no VAT rate 16% on 2026-03-01; the standard rate is 15%"
    );
}

#[test]
fn kz_reduced_rates_from_2026() {
    // 5%: 10000 × 500 / 10500 = 476.19 → 476; 10%: 10000 × 1000 / 11000 = 909.09 → 909
    let result = ok(doc(
        "KZ",
        D2026,
        vec![
            line(10000, 1000, TaxSpec::Percent(500)),
            line(10000, 1000, TaxSpec::Percent(1000)),
            line(10000, 1000, TaxSpec::Percent(0)),
            line(10000, 1000, TaxSpec::Exempt),
        ],
    ));
    assert_eq!(
        figures(&result),
        vec![
            (10000, 476, Vat::Rate(500)),
            (10000, 909, Vat::Rate(1000)),
            (10000, 0, Vat::Rate(0)),
            (10000, 0, Vat::None),
        ]
    );
    // before the new Tax Code neither exists
    let problem = rate_not_allowed(doc(
        "KZ",
        D2025,
        vec![line(100, 1000, TaxSpec::Percent(1000))],
    ));
    assert_eq!(
        problem.message,
        "VAT 10% exists in Kazakhstan from 2026-01-01; the document is dated 2025-06-15"
    );
}

#[test]
fn kz_5_percent_ends_with_2026() {
    // 2026-12-31: 5% still in force: 476 (as above)
    assert_eq!(
        one(doc(
            "KZ",
            date(2026, 12, 31),
            vec![line(10000, 1000, TaxSpec::Percent(500))]
        )),
        (10000, 476, Vat::Rate(500))
    );
    let problem = rate_not_allowed(doc(
        "KZ",
        date(2027, 1, 1),
        vec![line(10000, 1000, TaxSpec::Code(4))],
    ));
    assert_eq!(
        problem.message,
        "VAT 5% (medicines) applies in 2026 only; from 2027-01-01 medicines are taxed at 10%"
    );
    // 10% stays: 909
    assert_eq!(
        one(doc(
            "KZ",
            date(2027, 1, 1),
            vec![line(10000, 1000, TaxSpec::Code(3))]
        )),
        (10000, 909, Vat::Rate(1000))
    );
}

#[test]
fn kz_default_codes() {
    // 116.00 each in 2026: 16% 11600 × 1600 / 11600 = 1600; без НДС 0; 0% 0;
    // 10% 11600 / 11 = 1054.55 → 1055; 5% 11600 × 500 / 10500 = 552.38 → 552
    let result = ok(doc(
        "KZ",
        D2026,
        (0..5)
            .map(|c| line(11600, 1000, TaxSpec::Code(c)))
            .collect(),
    ));
    assert_eq!(
        figures(&result),
        vec![
            (11600, 1600, Vat::Rate(1600)),
            (11600, 0, Vat::None),
            (11600, 0, Vat::Rate(0)),
            (11600, 1055, Vat::Rate(1000)),
            (11600, 552, Vat::Rate(500)),
        ]
    );
    assert_eq!(
        calc(doc("KZ", D2026, vec![line(100, 1000, TaxSpec::Code(5))])),
        Err(TaxError::UnknownTaxCode(LineProblem {
            line: 0,
            message: "tax code 5 is not mapped on 2026-03-01".into(),
        }))
    );
}

#[test]
fn computed_rates_do_not_exist_in_kz_or_uz() {
    let problem = rate_not_allowed(doc(
        "KZ",
        D2026,
        vec![line(100, 1000, TaxSpec::Computed(1600))],
    ));
    assert_eq!(
        problem.message,
        "Kazakhstan has no computed VAT rates such as 16/116"
    );
    let problem = rate_not_allowed(doc(
        "UZ",
        D2026,
        vec![line(100, 1000, TaxSpec::Computed(1200))],
    ));
    assert_eq!(
        problem.message,
        "Uzbekistan has no computed VAT rates such as 12/112"
    );
}

#[test]
fn kz_fixed_simplified_and_multi_rate_totals() {
    // fixed 16%: 10000 × 1600 / 10000 = 1600; simplified 16%: 0 (vat stays 16%)
    // in-price 16% 5800: 5800 × 1600 / 11600 = 800; без НДС 500: 0; 10% 1100: 100
    let with = |calc_type, price, spec| {
        let mut l = line(price, 1000, spec);
        l.calc = calc_type;
        l
    };
    let result = ok(doc(
        "KZ",
        D2026,
        vec![
            with(CalcType::Fixed, 10000, TaxSpec::Percent(1600)),
            with(CalcType::Simplified, 10000, TaxSpec::Code(0)),
            with(CalcType::InPrice, 5800, TaxSpec::Code(0)),
            with(CalcType::InPrice, 500, TaxSpec::Code(1)),
            with(CalcType::InPrice, 1100, TaxSpec::Code(3)),
        ],
    ));
    assert_eq!(
        figures(&result),
        vec![
            (10000, 1600, Vat::Rate(1600)),
            (10000, 0, Vat::Rate(1600)),
            (5800, 800, Vat::Rate(1600)),
            (500, 0, Vat::None),
            (1100, 100, Vat::Rate(1000)),
        ]
    );
    // 16%: 10000 + 10000 + 5800 = 25800, tax 1600 + 0 + 800 = 2400
    assert_eq!(
        result.totals,
        vec![
            RateTotal {
                vat: Vat::Rate(1600),
                vat_code: None,
                amount: 25800,
                taxed_base: 25800,
                tax: 2400
            },
            RateTotal {
                vat: Vat::None,
                vat_code: None,
                amount: 500,
                taxed_base: 500,
                tax: 0
            },
            RateTotal {
                vat: Vat::Rate(1000),
                vat_code: None,
                amount: 1100,
                taxed_base: 1100,
                tax: 100
            },
        ]
    );
    // 25800 + 500 + 1100 = 27400
    assert_eq!(result.total, 27400);
}

#[test]
fn uz_standard_rate_is_15_then_12_percent() {
    // 2022-12-31, code 0 = 15%: 11500 × 1500 / 11500 = 1500
    assert_eq!(
        one(doc(
            "UZ",
            date(2022, 12, 31),
            vec![line(11500, 1000, TaxSpec::Code(0))]
        )),
        (11500, 1500, Vat::Rate(1500))
    );
    // 2023-01-01, code 0 = 12%: 11200 × 1200 / 11200 = 1200
    assert_eq!(
        one(doc(
            "UZ",
            date(2023, 1, 1),
            vec![line(11200, 1000, TaxSpec::Code(0))]
        )),
        (11200, 1200, Vat::Rate(1200))
    );
}

#[test]
fn uz_seed_002_sends_15_percent_in_2026() {
    // accepted as sent: 10000 × 1500 / 11500 = 1304.35 → 1304, with a warning on line 1
    let result = ok(doc(
        "UZ",
        D2026,
        vec![
            line(11200, 1000, TaxSpec::Percent(1200)),
            line(10000, 1000, TaxSpec::Percent(1500)),
        ],
    ));
    assert_eq!(
        figures(&result),
        vec![
            (11200, 1200, Vat::Rate(1200)),
            (10000, 1304, Vat::Rate(1500))
        ]
    );
    assert_eq!(
        result.warnings,
        vec![Warning {
            line: Some(1),
            message: "VAT 15% sent, but Uzbekistan's standard rate on 2026-03-01 is 12%; computed with 15% as sent".into(),
        }]
    );
    // two rates, two totals; 11200 + 10000 = 21200
    assert_eq!(result.totals.len(), 2);
    assert_eq!(result.total, 21200);
}

#[test]
fn uz_configured_15_percent_needs_no_warning() {
    // configured 15%: code 0 and 15% are the standard: 1304 each, no warning
    let result = ok(configured(
        doc(
            "UZ",
            D2026,
            vec![
                line(10000, 1000, TaxSpec::Code(0)),
                line(10000, 1000, TaxSpec::Percent(1500)),
            ],
        ),
        1500,
    ));
    assert_eq!(
        figures(&result),
        vec![
            (10000, 1304, Vat::Rate(1500)),
            (10000, 1304, Vat::Rate(1500))
        ]
    );
    assert_eq!(result.warnings, vec![]);
    // one total: 20000, tax 2608
    assert_eq!(
        result.totals,
        vec![RateTotal {
            vat: Vat::Rate(1500),
            vat_code: None,
            amount: 20000,
            taxed_base: 20000,
            tax: 2608
        }]
    );
}

#[test]
fn uz_rates_outside_the_table_are_refused() {
    let problem = rate_not_allowed(doc(
        "UZ",
        D2026,
        vec![line(100, 1000, TaxSpec::Percent(1000))],
    ));
    assert_eq!(
        problem.message,
        "Uzbekistan has no VAT rate 10% on 2026-03-01; the standard rate is 12%"
    );
    let problem = rate_not_allowed(doc(
        "UZ",
        D2026,
        vec![line(100, 1000, TaxSpec::Percent(500))],
    ));
    assert_eq!(
        problem.message,
        "Uzbekistan has no VAT rate 5% on 2026-03-01; the standard rate is 12%"
    );
}

#[test]
fn uz_default_codes_and_unknown_code() {
    // 112.00: 12% 1200; без НДС 0; 0% 0
    let result = ok(doc(
        "UZ",
        D2026,
        (0..3)
            .map(|c| line(11200, 1000, TaxSpec::Code(c)))
            .collect(),
    ));
    assert_eq!(
        figures(&result),
        vec![
            (11200, 1200, Vat::Rate(1200)),
            (11200, 0, Vat::None),
            (11200, 0, Vat::Rate(0)),
        ]
    );
    // KZ's code 3 (10%) is not Uzbek
    assert_eq!(
        calc(doc("UZ", D2026, vec![line(100, 1000, TaxSpec::Code(3))])),
        Err(TaxError::UnknownTaxCode(LineProblem {
            line: 0,
            message: "tax code 3 is not mapped on 2026-03-01".into(),
        }))
    );
}

#[test]
fn code_overrides_work_as_in_russia() {
    let codes = vec![
        TaxCode {
            code: 3,
            rate: TaxSpec::Percent(0),
            valid_from: None,
        },
        TaxCode {
            code: 3,
            rate: TaxSpec::Exempt,
            valid_from: Some(date(2026, 3, 1)),
        },
        TaxCode {
            code: 0,
            rate: TaxSpec::Code(1),
            valid_from: Some(date(2026, 3, 2)),
        },
    ];
    let with_codes = |on, c| {
        let mut d = doc("UZ", on, vec![line(11200, 1000, TaxSpec::Code(c))]);
        d.jurisdiction.tax_codes = codes.clone();
        calc(d)
    };
    // code 3 on 2026-02-28: the undated 0%; on 2026-03-01 (inclusive): без НДС
    assert_eq!(
        figures(&with_codes(date(2026, 2, 28), 3).unwrap()),
        vec![(11200, 0, Vat::Rate(0))]
    );
    assert_eq!(
        figures(&with_codes(D2026, 3).unwrap()),
        vec![(11200, 0, Vat::None)]
    );
    // code 0 on 2026-03-01: the bad override is not in force yet → default 12%: 1200
    assert_eq!(
        figures(&with_codes(D2026, 0).unwrap()),
        vec![(11200, 1200, Vat::Rate(1200))]
    );
    // from 2026-03-02 it is, and a code mapped to a code is unknown
    assert_eq!(
        with_codes(date(2026, 3, 2), 0),
        Err(TaxError::UnknownTaxCode(LineProblem {
            line: 0,
            message: "tax code 0 is mapped by the jurisdiction to another code; a mapping must name a rate".into(),
        }))
    );
}

#[test]
fn lines_are_checked_in_kz_uz_too() {
    // margin unit price 290 × 2.000 = 580 of 11600 × 2.000 = 23200; 16%: 580 × 1600 / 11600 = 80
    let mut with_margin = line(11600, 2000, TaxSpec::Code(0));
    with_margin.margin = Some(Margin::UnitPrice(290));
    assert_eq!(
        one(doc("KZ", D2026, vec![with_margin])),
        (23200, 80, Vat::Rate(1600))
    );
    // discount above the amount: 100 × 1.000 = 100 < 150
    let mut bad = line(100, 1000, TaxSpec::Code(0));
    bad.discount = 150;
    assert_eq!(
        calc(doc(
            "UZ",
            D2026,
            vec![line(100, 1000, TaxSpec::Code(0)), bad]
        )),
        Err(TaxError::InvalidLine(LineProblem {
            line: 1,
            message: "discount 150 is above the line's price × quantity 100".into(),
        }))
    );
    // overflow: i64::MAX × 1.001
    assert!(matches!(
        calc(doc(
            "KZ",
            D2026,
            vec![line(i64::MAX, 1001, TaxSpec::Exempt)]
        )),
        Err(TaxError::Overflow(LineProblem { line: 0, .. }))
    ));
}

#[test]
fn other_countries_and_empty_documents_are_refused() {
    assert_eq!(
        calc(doc("RU", D2026, vec![line(100, 1000, TaxSpec::Code(0))])),
        Err(TaxError::UnsupportedCountry("RU".into()))
    );
    assert_eq!(calc(doc("KZ", D2026, vec![])), Err(TaxError::EmptyDocument));
    assert_eq!(calc(doc("UZ", D2026, vec![])), Err(TaxError::EmptyDocument));
}

#[test]
fn margin_lines_carry_their_taxed_base_per_line_and_per_rate() {
    // KZ 2026, 16%: margin 290 × 2.000 = 580 of 23200, tax 580 × 1600 / 11600 = 80;
    // whole 11600: base 11600, tax 11600 × 1600 / 11600 = 1600
    let mut with_margin = line(11600, 2000, TaxSpec::Code(0));
    with_margin.margin = Some(Margin::UnitPrice(290));
    let kz = ok(doc(
        "KZ",
        D2026,
        vec![with_margin, line(11600, 1000, TaxSpec::Code(0))],
    ));
    assert_eq!(
        kz.lines,
        vec![
            LineResult {
                amount: 23200,
                taxed_base: 580,
                tax: 80,
                vat: Vat::Rate(1600),
                vat_code: None,
            },
            LineResult {
                amount: 11600,
                taxed_base: 11600,
                tax: 1600,
                vat: Vat::Rate(1600),
                vat_code: None,
            },
        ]
    );
    // amounts 23200 + 11600 = 34800; bases 580 + 11600 = 12180; taxes 80 + 1600 = 1680
    assert_eq!(
        kz.totals,
        vec![RateTotal {
            vat: Vat::Rate(1600),
            vat_code: None,
            amount: 34800,
            taxed_base: 12180,
            tax: 1680,
        }]
    );
    assert_eq!(kz.total, 34800);

    // UZ 2026, 12%: margin sum 1120 of 11200, tax 1120 × 1200 / 11200 = 120
    let mut uz_margin = line(11200, 1000, TaxSpec::Code(0));
    uz_margin.margin = Some(Margin::Sum(1120));
    let uz = ok(doc("UZ", D2026, vec![uz_margin]));
    assert_eq!(
        (uz.lines[0].amount, uz.lines[0].taxed_base, uz.lines[0].tax),
        (11200, 1120, 120)
    );
    assert_eq!(
        uz.totals,
        vec![RateTotal {
            vat: Vat::Rate(1200),
            vat_code: None,
            amount: 11200,
            taxed_base: 1120,
            tax: 120,
        }]
    );
}
