//! The real default plugins, loaded from the binary's embedded bytes by the real runtime:
//! tax figures through Wasm, and the receipt layout at each paper width.

mod common;

use fiscal_host::builtins;
use fiscal_host::plugins::contract::{layout, tax};
use fiscal_host::plugins::{LayoutPlugin, Limits, Origin, TaxPlugin};

fn tax_plugin(name: &str, bytes: &[u8]) -> TaxPlugin {
    common::runtime(Limits::default(), None)
        .load_tax(name, Origin::Embedded, bytes)
        .unwrap()
}

fn layout_plugin(name: &str, bytes: &[u8]) -> LayoutPlugin {
    common::runtime(Limits::default(), None)
        .load_layout(name, Origin::Embedded, bytes)
        .unwrap()
}

use common::docs::{document, line};

#[test]
fn seed_000_example_through_wasm() {
    let plugin = tax_plugin("tax-ru", builtins::TAX_RU);
    let doc = document(
        "RU",
        (2026, 3, 1),
        vec![line(
            "Водка Айс 0,5л 40%",
            12345,
            2000,
            tax::TaxSpec::Code(0),
        )],
    );
    let result = plugin.calculate(&doc).unwrap().unwrap();
    assert_eq!(result.total, 24690);
    // 24690 × 22/122 = 4452.29… → 4452, FFD 1199 code 11 (22%)
    assert_eq!(result.lines[0].amount, 24690);
    assert_eq!(result.lines[0].tax, 4452);
    assert_eq!(result.lines[0].vat, tax::Vat::Rate(2200));
    assert_eq!(result.lines[0].vat_code, Some(11));
}

#[test]
fn two_rates_and_totals_agree_through_wasm() {
    let plugin = tax_plugin("tax-ru", builtins::TAX_RU);
    let doc = document(
        "RU",
        (2026, 3, 1),
        vec![
            line("Хлеб", 4990, 3000, tax::TaxSpec::Code(1)), // 149.70, 10%: 14970×10/110 = 1360.9 → 1361
            line("Сыр", 79900, 1250, tax::TaxSpec::Percent(2200)), // 998.75 → 99875, 22/122: 18010.2 → 18010
            line("Молоко", 8900, 1000, tax::TaxSpec::Code(1)),     // 89.00, 10%: 809.09 → 809
        ],
    );
    let result = plugin.calculate(&doc).unwrap().unwrap();
    let figures: Vec<_> = result.lines.iter().map(|l| (l.amount, l.tax)).collect();
    assert_eq!(figures, [(14970, 1361), (99875, 18010), (8900, 809)]);
    assert_eq!(result.total, 14970 + 99875 + 8900);
    let totals: Vec<_> = result
        .totals
        .iter()
        .map(|t| (t.vat, t.amount, t.tax))
        .collect();
    assert_eq!(
        totals,
        [
            (tax::Vat::Rate(1000), 14970 + 8900, 1361 + 809),
            (tax::Vat::Rate(2200), 99875, 18010)
        ]
    );
}

#[test]
fn a_tax_error_is_the_plugins_answer_not_a_trap() {
    let plugin = tax_plugin("tax-ru", builtins::TAX_RU);
    let doc = document(
        "RU",
        (2026, 3, 1),
        vec![line("x", 100, 1000, tax::TaxSpec::Code(99))],
    );
    match plugin.calculate(&doc).unwrap() {
        Err(tax::TaxError::UnknownTaxCode(problem)) => assert_eq!(problem.line, 0),
        other => panic!("expected UnknownTaxCode, got {other:?}"),
    }
    let doc = document(
        "RU",
        (2025, 6, 1),
        vec![line("x", 100, 1000, tax::TaxSpec::Percent(2200))],
    );
    assert!(matches!(
        plugin.calculate(&doc).unwrap(),
        Err(tax::TaxError::RateNotAllowed(_))
    ));
}

#[test]
fn uzbek_rate_from_seed_002_is_accepted_with_a_warning() {
    let plugin = tax_plugin("tax-kz-uz", builtins::TAX_KZ_UZ);
    let doc = document(
        "UZ",
        (2026, 3, 1),
        vec![line("Coca-cola", 900000, 1000, tax::TaxSpec::Percent(1500))],
    );
    let result = plugin.calculate(&doc).unwrap().unwrap();
    assert_eq!(result.total, 900000);
    // 900000 × 15/115 = 117391.3 → 117391
    assert_eq!(result.lines[0].tax, 117391);
    assert_eq!(result.warnings.len(), 1);
    assert_eq!(result.warnings[0].line, Some(0));
}

#[test]
fn kazakh_standard_rate_is_dated() {
    let plugin = tax_plugin("tax-kz-uz", builtins::TAX_KZ_UZ);
    let doc = |date| {
        document(
            "KZ",
            date,
            vec![line("x", 11600, 1000, tax::TaxSpec::Code(0))],
        )
    };
    let r2026 = plugin.calculate(&doc((2026, 1, 1))).unwrap().unwrap();
    assert_eq!(r2026.lines[0].vat, tax::Vat::Rate(1600));
    assert_eq!(r2026.lines[0].tax, 1600); // 11600 × 16/116
    let r2025 = plugin.calculate(&doc((2025, 12, 31))).unwrap().unwrap();
    assert_eq!(r2025.lines[0].vat, tax::Vat::Rate(1200));
    assert_eq!(r2025.lines[0].tax, 1243); // 11600 × 12/112 = 1242.86
}

#[test]
fn wasm_and_native_agree_on_a_large_document() {
    use tax_ru::Guest as _;
    let plugin = tax_plugin("tax-ru", builtins::TAX_RU);
    let lines: Vec<(i64, i64, u32)> = (0..200)
        .map(|i| {
            (
                1 + (i * 7919) % 1_000_000,
                1 + (i * 104_729) % 50_000_000,
                (i % 2) as u32,
            )
        })
        .collect();
    let (wasm, native) = common::docs::ru_sale(&lines);
    let from_wasm = plugin.calculate(&wasm).unwrap().unwrap();
    let from_native = tax_ru::TaxRu::calculate(native).unwrap();
    let wasm_figures: Vec<_> = from_wasm.lines.iter().map(|l| (l.amount, l.tax)).collect();
    let native_figures: Vec<_> = from_native
        .lines
        .iter()
        .map(|l| (l.amount, l.tax))
        .collect();
    assert_eq!(wasm_figures, native_figures);
    assert_eq!(from_wasm.total, from_native.total);
}

fn receipt(fiscal: bool) -> layout::Receipt {
    let dt = layout::DateTime {
        date: layout::Date {
            year: 2026,
            month: 3,
            day: 1,
        },
        hour: 12,
        minute: 5,
        second: 0,
    };
    layout::Receipt {
        header: layout::Header {
            organisation: "ООО «Ромашка»".into(),
            tax_id: Some("7701234567".into()),
            address: Some("г. Москва, ул. Тверская, д. 1".into()),
            lines: vec![],
        },
        kind: layout::DocumentKind::Sale,
        country: "RU".into(),
        tax_id_label: "ИНН".into(),
        tax_name: "НДС".into(),
        currency: "RUB".into(),
        cashier: Some(layout::Cashier {
            name: "Сидр Петров".into(),
            tax_id: None,
        }),
        document_number: Some("42".into()),
        date_time: dt,
        lines: vec![layout::ReceiptLine {
            name: "Водка Айс 0,5л 40%".into(),
            price: 12345,
            quantity: 2000,
            unit: Some("шт".into()),
            discount: 0,
            amount: 24690,
            vat: layout::Vat::Rate(2200),
            tax: 4452,
            marked: false,
        }],
        payments: vec![layout::Payment {
            kind: layout::PaymentKind::Cashless,
            amount: 24690,
            details: vec!["RRN 916913195426".into()],
        }],
        cash_received: None,
        change: 0,
        taxes: vec![layout::TaxTotal {
            vat: layout::Vat::Rate(2200),
            amount: 24690,
            taxed_base: 24690,
            tax: 4452,
        }],
        total: 24690,
        fiscal: fiscal.then(|| layout::FiscalRequisites {
            fn_number: "9999078900012345".into(),
            document_number: 123,
            fiscal_sign: "1234567890".into(),
            shift_number: 7,
            receipt_number: 3,
            registration_number: "0000000001012345".into(),
            date_time: dt,
        }),
        correction: None,
        customer_contact: None,
        footer: vec!["Спасибо за покупку!".into()],
    }
}

fn texts(elements: &[layout::Element]) -> Vec<String> {
    elements
        .iter()
        .filter_map(|e| match e {
            layout::Element::Text(t) => Some(t.content.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn default_layout_fits_every_paper_width() {
    let plugin = layout_plugin("receipt-default", builtins::RECEIPT_DEFAULT);
    for width in [32u32, 42, 48] {
        let elements = plugin.render(receipt(true), width).unwrap().unwrap();
        for e in &elements {
            if let layout::Element::Text(t) = e {
                let limit = match t.size {
                    layout::TextSize::Normal | layout::TextSize::DoubleHeight => width,
                    _ => width / 2,
                } as usize;
                assert!(
                    t.content.chars().count() <= limit,
                    "{width}: {:?} is too wide",
                    t.content
                );
            }
        }
        let all = texts(&elements).join("\n");
        assert!(all.contains("Водка Айс 0,5л 40%"), "{all}");
        assert!(all.contains("246.90"), "{all}");
        assert!(matches!(elements.last(), Some(layout::Element::Cut)));
    }
}

#[test]
fn fiscal_receipt_carries_the_qr_string() {
    let plugin = layout_plugin("receipt-default", builtins::RECEIPT_DEFAULT);
    let elements = plugin.render(receipt(true), 42).unwrap().unwrap();
    let qr: Vec<_> = elements
        .iter()
        .filter_map(|e| match e {
            layout::Element::Qr(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        qr,
        ["t=20260301T1205&s=246.90&fn=9999078900012345&i=123&fp=1234567890&n=1"]
    );
    assert!(!texts(&elements).join("\n").contains("НЕ ЯВЛЯЕТСЯ"));
}

#[test]
fn non_fiscal_receipt_says_so() {
    for (name, bytes) in [
        ("receipt-default", builtins::RECEIPT_DEFAULT),
        (
            "receipt-template",
            &std::fs::read(builtins::guest_path("receipt_template.wasm")).unwrap()[..],
        ),
    ] {
        let plugin = layout_plugin(name, bytes);
        let elements = plugin.render(receipt(false), 32).unwrap().unwrap();
        let all = texts(&elements).join(" ");
        assert!(all.contains("ФИСКАЛЬНЫМ"), "{name}: {all}");
        assert!(
            !elements.iter().any(|e| matches!(e, layout::Element::Qr(_))),
            "{name}"
        );
    }
}

#[test]
fn unsupported_width_is_the_layouts_answer() {
    let plugin = layout_plugin("receipt-default", builtins::RECEIPT_DEFAULT);
    assert!(matches!(
        plugin.render(receipt(true), 10).unwrap(),
        Err(layout::LayoutError::UnsupportedWidth(10))
    ));
}

fn fixture(file: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/wit-0.1.0")
        .join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// tax-ru as built against 0.1.0 (a fixture) and as built-in (the latest) give the same figures
/// through their adapters, the taxed base of a margin line included (0.1.0 does not report
/// it; the host works it out from the line).
#[test]
fn tax_ru_of_wit_0_1_0_figures_as_the_built_in_does() {
    let old = tax_plugin("tax-ru-0.1.0", &fixture("tax_ru.wasm"));
    let new = tax_plugin("tax-ru", builtins::TAX_RU);
    assert_eq!(old.report().wit, fiscal_host::plugins::Version::V0_1_0);
    assert_eq!(new.report().wit, fiscal_host::plugins::Version::LATEST);
    let mut margin = line("Телефон б/у", 1_200_000, 1000, tax::TaxSpec::Percent(2200));
    margin.margin = Some(tax::Margin::Sum(200_000));
    let mut unit_margin = line("Часы б/у", 50_000, 3000, tax::TaxSpec::Percent(2200));
    unit_margin.margin = Some(tax::Margin::UnitPrice(10_001));
    let doc = document(
        "RU",
        (2026, 3, 1),
        vec![
            line("Хлеб", 4990, 3000, tax::TaxSpec::Code(1)),
            margin,
            unit_margin,
            line("Сыр", 79900, 1250, tax::TaxSpec::Percent(2200)),
        ],
    );
    let from_old = old.calculate(&doc).unwrap().unwrap();
    let from_new = new.calculate(&doc).unwrap().unwrap();
    assert_eq!(from_old, from_new);
    // 3 × 100.01 = 300.03 taxed, not the 1500.00 amount
    assert_eq!(from_new.lines[2].taxed_base, 30_003);
    assert_eq!(from_new.lines[1].taxed_base, 200_000);
}

/// receipt-default as built against 0.1.0 prints a receipt with change as the built-in does:
/// the cash tendered, and the change under it.
#[test]
fn receipt_default_of_wit_0_1_0_prints_the_change() {
    let old = layout_plugin("receipt-default-0.1.0", &fixture("receipt_default.wasm"));
    let new = layout_plugin("receipt-default", builtins::RECEIPT_DEFAULT);
    let mut paid_in_cash = receipt(true);
    paid_in_cash.payments = vec![layout::Payment {
        kind: layout::PaymentKind::Cash,
        amount: 24690,
        details: vec![],
    }];
    paid_in_cash.cash_received = Some(30000);
    paid_in_cash.change = 5310;
    let old_text = texts(&old.render(paid_in_cash.clone(), 42).unwrap().unwrap()).join("\n");
    let new_text = texts(&new.render(paid_in_cash, 42).unwrap().unwrap()).join("\n");
    for text in [&old_text, &new_text] {
        assert!(text.contains("СДАЧА 53.10"), "{text}");
        assert!(text.contains("Водка Айс 0,5л 40%"), "{text}");
    }
    // 0.1.0 is told the cash tendered; 0.2.0 the cash due and what was received.
    assert!(old_text.contains("300.00"), "{old_text}");
    assert!(new_text.contains("ПОЛУЧЕНО 300.00"), "{new_text}");
}
