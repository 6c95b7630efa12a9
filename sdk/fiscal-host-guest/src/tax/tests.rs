use super::*;

/// A small law: RU-like codes, 20% and 10%, 1199-like codes, a warning for the document.
struct Test {
    kind: DocumentKind,
    warn_document: bool,
}

impl TaxLaw for Test {
    fn for_document(doc: &DocumentInfo<'_>) -> Result<Self, TaxError> {
        doc.require_country(&["RU", "XX"])?;
        Ok(Test {
            kind: doc.kind,
            warn_document: doc.jurisdiction.standard_rate.is_some(),
        })
    }
    fn document_warnings(&self) -> Vec<String> {
        if self.warn_document {
            vec!["standard-rate ignored".into()]
        } else {
            Vec::new()
        }
    }
    fn code_rate(&self, code: u32) -> Option<Rate> {
        match code {
            0 => Some(Rate::Percent(2000)),
            1 => Some(Rate::Percent(1000)),
            3 => Some(Rate::Exempt),
            _ => None,
        }
    }
    fn check_rate(&self, rate: Rate) -> Result<Option<String>, String> {
        match rate {
            Rate::Percent(2000 | 1000 | 0) | Rate::Computed(2000) | Rate::Exempt => Ok(None),
            Rate::Percent(1500) if self.kind == DocumentKind::SaleReturn => {
                Ok(Some("15% on a return".into()))
            }
            other => Err(format!("no rate {other}")),
        }
    }
    fn vat_code(&self, rate: Rate) -> Option<u8> {
        match rate {
            Rate::Percent(2000) => Some(1),
            Rate::Percent(1000) => Some(2),
            Rate::Exempt => Some(6),
            _ => None,
        }
    }
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

fn doc(lines: Vec<Line>) -> Document {
    Document {
        kind: DocumentKind::Sale,
        date: Date {
            year: 2025,
            month: 6,
            day: 1,
        },
        jurisdiction: Jurisdiction {
            country: "RU".into(),
            tax_codes: Vec::new(),
            standard_rate: None,
        },
        lines,
    }
}

fn run(d: &Document) -> Result<TaxResult, TaxError> {
    calculate::<Test>(d)
}

#[test]
fn lines_totals_and_codes() {
    let r = run(&doc(vec![
        line(12_000, 1000, TaxSpec::Code(0)),
        line(1_100, 2500, TaxSpec::Code(1)),
        line(500, 1000, TaxSpec::Percent(2000)),
        line(700, 1000, TaxSpec::Exempt),
    ]))
    .unwrap();
    let amounts: Vec<_> = r
        .lines
        .iter()
        .map(|l| (l.amount, l.taxed_base, l.tax))
        .collect();
    // 12000 × 20/120 = 2000; 1100 × 2.5 = 2750, × 10/110 = 250; 500 × 20/120 = 83.3 → 83.
    assert_eq!(
        amounts,
        [
            (12_000, 12_000, 2000),
            (2750, 2750, 250),
            (500, 500, 83),
            (700, 700, 0)
        ]
    );
    assert_eq!(r.lines[0].vat, Vat::Rate(2000));
    assert_eq!(r.lines[0].vat_code, Some(1));
    assert_eq!(r.lines[3].vat, Vat::None);
    assert_eq!(r.lines[3].vat_code, Some(6));
    assert_eq!(r.total, 12_000 + 2750 + 500 + 700);
    // First appearance order; lines 0 and 2 share 20%.
    let totals: Vec<_> = r
        .totals
        .iter()
        .map(|t| (t.vat, t.vat_code, t.amount, t.taxed_base, t.tax))
        .collect();
    assert_eq!(
        totals,
        [
            (Vat::Rate(2000), Some(1), 12_500, 12_500, 2083),
            (Vat::Rate(1000), Some(2), 2750, 2750, 250),
            (Vat::None, Some(6), 700, 700, 0),
        ]
    );
    assert!(r.warnings.is_empty());
}

#[test]
fn a_margin_line_reports_its_margin_as_the_taxed_base() {
    let mut margin = line(10_000, 2000, TaxSpec::Code(0));
    margin.margin = Some(Margin::UnitPrice(1_000));
    let mut sum = line(5_000, 1000, TaxSpec::Code(0));
    sum.margin = Some(Margin::Sum(600));
    let r = run(&doc(vec![margin, sum, line(1_200, 1000, TaxSpec::Code(0))])).unwrap();
    // 2 × 10.00 = 200.00, margin 2 × 10.00... unit margin 10.00 × 2 = 2000; 2000 × 20/120 = 333.3.
    assert_eq!(
        (r.lines[0].amount, r.lines[0].taxed_base, r.lines[0].tax),
        (20_000, 2000, 333)
    );
    assert_eq!(
        (r.lines[1].amount, r.lines[1].taxed_base, r.lines[1].tax),
        (5_000, 600, 100)
    );
    assert_eq!(
        (r.lines[2].amount, r.lines[2].taxed_base, r.lines[2].tax),
        (1_200, 1_200, 200)
    );
    assert_eq!(r.totals.len(), 1);
    assert_eq!(r.totals[0].amount, 26_200);
    assert_eq!(r.totals[0].taxed_base, 3_800);
    assert_eq!(r.totals[0].tax, 633);
}

#[test]
fn calc_types_follow_tax_common() {
    let mut fixed = line(10_000, 1000, TaxSpec::Percent(1000));
    fixed.calc = CalcType::Fixed;
    let mut simplified = line(10_000, 1000, TaxSpec::Percent(1000));
    simplified.calc = CalcType::Simplified;
    let mut computed = line(12_000, 1000, TaxSpec::Computed(2000));
    computed.calc = CalcType::Fixed;
    let r = run(&doc(vec![fixed, simplified, computed])).unwrap();
    let taxes: Vec<_> = r.lines.iter().map(|l| l.tax).collect();
    assert_eq!(taxes, [1000, 0, 2000]);
    assert_eq!(r.lines[2].vat, Vat::Computed(2000));
}

#[test]
fn jurisdiction_overrides_win_when_in_force() {
    let mut d = doc(vec![line(11_000, 1000, TaxSpec::Code(0))]);
    d.jurisdiction.tax_codes = vec![
        TaxCode {
            code: 0,
            rate: TaxSpec::Percent(1000),
            valid_from: Some(Date {
                year: 2025,
                month: 1,
                day: 1,
            }),
        },
        // Not yet in force on 2025-06-01.
        TaxCode {
            code: 0,
            rate: TaxSpec::Exempt,
            valid_from: Some(Date {
                year: 2026,
                month: 1,
                day: 1,
            }),
        },
    ];
    let r = run(&d).unwrap();
    assert_eq!(r.lines[0].vat, Vat::Rate(1000));
    assert_eq!(r.lines[0].tax, 1000);
}

#[test]
fn an_override_naming_a_code_is_refused() {
    let mut d = doc(vec![line(100, 1000, TaxSpec::Code(7))]);
    d.jurisdiction.tax_codes = vec![TaxCode {
        code: 7,
        rate: TaxSpec::Code(0),
        valid_from: None,
    }];
    let Err(TaxError::UnknownTaxCode(p)) = run(&d) else {
        panic!("expected unknown-tax-code");
    };
    assert_eq!(p.line, 0);
    assert!(p.message.contains("another code"), "{}", p.message);
}

#[test]
fn errors_carry_the_line_index() {
    let ok = line(100, 1000, TaxSpec::Code(0));
    let r = run(&doc(vec![ok, line(100, 1000, TaxSpec::Code(9))]));
    assert_eq!(
        r,
        Err(TaxError::UnknownTaxCode(LineProblem {
            line: 1,
            message: "tax code 9 is not mapped on 2025-06-01".into(),
        }))
    );
    let r = run(&doc(vec![ok, ok, line(100, 1000, TaxSpec::Percent(1800))]));
    assert_eq!(
        r,
        Err(TaxError::RateNotAllowed(LineProblem {
            line: 2,
            message: "no rate 18%".into(),
        }))
    );
    let mut discounted = ok;
    discounted.discount = 101;
    assert!(matches!(run(&doc(vec![discounted])), Err(TaxError::InvalidLine(p)) if p.line == 0));
    let huge = line(i64::MAX, 1_000_000, TaxSpec::Code(0));
    assert!(matches!(run(&doc(vec![ok, huge])), Err(TaxError::Overflow(p)) if p.line == 1));
}

#[test]
fn totals_overflow_is_an_overflow_of_the_line_that_tipped_it() {
    let big = line(i64::MAX / 2 + 1, 1000, TaxSpec::Exempt);
    assert!(matches!(run(&doc(vec![big, big])), Err(TaxError::Overflow(p)) if p.line == 1));
}

#[test]
fn country_is_checked_before_emptiness() {
    let mut d = doc(Vec::new());
    assert_eq!(run(&d), Err(TaxError::EmptyDocument));
    d.jurisdiction.country = "KZ".into();
    assert_eq!(run(&d), Err(TaxError::UnsupportedCountry("KZ".into())));
}

#[test]
fn warnings_of_the_document_and_of_lines() {
    let mut d = doc(vec![
        line(100, 1000, TaxSpec::Code(0)),
        line(115, 1000, TaxSpec::Percent(1500)),
    ]);
    d.kind = DocumentKind::SaleReturn;
    d.jurisdiction.standard_rate = Some(1200);
    let r = run(&d).unwrap();
    assert_eq!(
        r.warnings,
        [
            Warning {
                line: None,
                message: "standard-rate ignored".into(),
            },
            Warning {
                line: Some(1),
                message: "15% on a return".into(),
            },
        ]
    );
    // 15% has no code in this law: none on the line and the total.
    assert_eq!(r.lines[1].vat_code, None);
    assert_eq!(r.totals[1].vat_code, None);
}

/// The document as the interface carries it: its lines as flat numbers.
fn numbers_of(d: &Document) -> wire::Document {
    let mut lines = Vec::new();
    for l in &d.lines {
        let tax = match l.tax {
            TaxSpec::Code(code) => numbers::LineTax::Code(code),
            spec => numbers::LineTax::Rate(explicit_rate(&spec).unwrap()),
        };
        let n = LineNumbers {
            price: l.price,
            quantity: l.quantity,
            discount: l.discount,
            tax,
            calc: l.calc,
            margin: l.margin,
        };
        numbers::push_line(&mut lines, &n);
    }
    wire::Document {
        kind: d.kind,
        date: d.date,
        jurisdiction: d.jurisdiction.clone(),
        lines,
    }
}

/// What a plugin that is its law computes from the numbers, and what the decode-and-call
/// default makes of the same numbers through the typed call.
fn both_ways(d: &wire::Document) -> [Result<wire::TaxResult, TaxError>; 2] {
    struct Typed;
    impl Guest for Typed {
        fn calculate(doc: Document) -> Result<TaxResult, TaxError> {
            calculate::<Test>(&doc)
        }
    }
    [
        LawPlugin::<Test>::calculate_numbers(d.clone()),
        Typed::calculate_numbers(d.clone()),
    ]
}

#[test]
fn a_law_plugin_computes_from_the_numbers_what_the_typed_call_computes() {
    let mut margin = line(10_000, 2000, TaxSpec::Code(0));
    margin.margin = Some(Margin::Sum(3_000));
    let mut discounted = line(1_100, 2500, TaxSpec::Code(1));
    discounted.discount = 50;
    let mut d = doc(vec![
        line(12_000, 1000, TaxSpec::Code(0)),
        discounted,
        margin,
        line(500, 1000, TaxSpec::Percent(2000)),
        line(700, 1000, TaxSpec::Exempt),
        line(900, 1000, TaxSpec::Percent(1500)),
    ]);
    d.kind = DocumentKind::SaleReturn;
    d.jurisdiction.standard_rate = Some(1800);
    let [fused, typed] = both_ways(&numbers_of(&d));
    let fused = fused.unwrap();
    assert_eq!(Ok(&fused), typed.as_ref());
    assert_eq!(fused.lines.len(), 6 * numbers::FIGURES);
    assert_eq!(fused.warnings.len(), 2, "the document's and line 5's");
}

#[test]
fn a_law_plugin_names_a_malformed_line_or_a_failing_one_as_the_typed_call_does() {
    let d = numbers_of(&doc(vec![
        line(100, 1000, TaxSpec::Code(0)),
        line(100, 1000, TaxSpec::Code(0)),
    ]));
    let mut bad_calc = d.clone();
    bad_calc.lines[numbers::LINE + 5] = 9;
    let mut short = d.clone();
    short.lines.truncate(numbers::LINE + 3);
    let mut unknown_code = d.clone();
    unknown_code.lines[numbers::LINE + 4] = 7;
    for (d, line, what) in [
        (&bad_calc, 1, "9 is not a calc type"),
        (&short, 1, "does not divide into lines of 8"),
        (&unknown_code, 1, "tax code 7 is not mapped"),
    ] {
        let [fused, typed] = both_ways(d);
        let problem = match &fused {
            Err(TaxError::InvalidLine(p) | TaxError::UnknownTaxCode(p)) => p,
            other => panic!("{what}: {other:?}"),
        };
        assert_eq!(problem.line, line, "{what}");
        assert!(problem.message.contains(what), "{}", problem.message);
        assert_eq!(fused, typed, "{what}");
    }
}
