//! Native tests: they call the layout directly and assert the exact printed text.

use super::*;
use crate::format::{money, quantity, row, wrap};

const QR: &str = "t=20260301T1205&s=246.90&fn=9999078900012345&i=123&fp=1234567890&n=1";

fn at(year: u16, month: u8, day: u8, hour: u8, minute: u8) -> DateTime {
    DateTime {
        date: Date { year, month, day },
        hour,
        minute,
        second: 33,
    }
}

fn fiscal() -> FiscalRequisites {
    FiscalRequisites {
        fn_number: "9999078900012345".to_string(),
        document_number: 123,
        fiscal_sign: "1234567890".to_string(),
        shift_number: 7,
        receipt_number: 15,
        registration_number: "0000000001012345".to_string(),
        date_time: at(2026, 3, 1, 12, 5),
    }
}

/// Two lines, 246.90 in all, paid by card, fiscalised.
fn receipt() -> Receipt {
    Receipt {
        header: Header {
            organisation: "ООО \"Ромашка\"".to_string(),
            tax_id: Some("7701234567".to_string()),
            address: Some("г. Москва, ул. Тверская, д. 1".to_string()),
            lines: vec!["Магазин №5".to_string()],
        },
        kind: DocumentKind::Sale,
        country: "RU".to_string(),
        tax_id_label: "ИНН".to_string(),
        tax_name: "НДС".to_string(),
        currency: "RUB".to_string(),
        cashier: Some(Cashier {
            name: "Иванова А.А.".to_string(),
            inn: None,
        }),
        document_number: Some("A-17".to_string()),
        date_time: at(2026, 3, 1, 12, 4),
        lines: vec![
            ReceiptLine {
                name: "Молоко 3,2% 1 л".to_string(),
                price: 8990,
                quantity: 2000,
                unit: Some("шт".to_string()),
                discount: 0,
                amount: 17980,
                vat: Vat::Rate(2200),
                tax: 3242,
                marked: false,
            },
            ReceiptLine {
                name: "Хлеб бородинский нарезной".to_string(),
                price: 7140,
                quantity: 1000,
                unit: None,
                discount: 430,
                amount: 6710,
                vat: Vat::Rate(1000),
                tax: 610,
                marked: false,
            },
        ],
        payments: vec![Payment {
            kind: PaymentKind::Cashless,
            amount: 24690,
            details: vec!["Карта ****1234".to_string()],
        }],
        cash_received: None,
        change: 0,
        taxes: vec![
            TaxTotal {
                vat: Vat::Rate(2200),
                amount: 17980,
                taxed_base: 17980,
                tax: 3242,
            },
            TaxTotal {
                vat: Vat::Rate(1000),
                amount: 6710,
                taxed_base: 6710,
                tax: 610,
            },
        ],
        total: 24690,
        fiscal: Some(fiscal()),
        correction: None,
        customer_contact: None,
        footer: vec!["Спасибо за покупку!".to_string()],
    }
}

fn run(receipt: Receipt, width: u32) -> Vec<Element> {
    DefaultLayout::render(receipt, width).expect("the receipt lays out")
}

fn texts(elements: &[Element]) -> Vec<&Text> {
    elements
        .iter()
        .filter_map(|element| match element {
            Element::Text(text) => Some(text),
            _ => None,
        })
        .collect()
}

fn contents(elements: &[Element]) -> Vec<&str> {
    texts(elements)
        .into_iter()
        .map(|text| text.content.as_str())
        .collect()
}

fn qrs(elements: &[Element]) -> Vec<&str> {
    elements
        .iter()
        .filter_map(|element| match element {
            Element::Qr(data) => Some(data.as_str()),
            _ => None,
        })
        .collect()
}

/// The width rule: normal text within the paper, double-width text within half of it.
fn assert_fits(elements: &[Element], width: u32) {
    for text in texts(elements) {
        let limit = match text.size {
            TextSize::Normal | TextSize::DoubleHeight => width as usize,
            TextSize::DoubleWidth | TextSize::Double => width as usize / 2,
        };
        let columns = text.content.chars().count();
        assert!(
            columns <= limit,
            "{:?} is {columns} columns, more than {limit}",
            text.content
        );
    }
}

fn count_not_fiscal(elements: &[Element]) -> usize {
    contents(elements)
        .iter()
        .filter(|content| content.contains("НЕ ЯВЛЯЕТСЯ"))
        .count()
}

#[test]
fn full_layout_at_32() {
    let elements = run(receipt(), 32);
    assert_fits(&elements, 32);
    let text = |content: &str, align, bold| {
        Element::Text(Text {
            content: content.to_string(),
            align,
            bold,
            size: TextSize::Normal,
        })
    };
    let left = |content: &str| text(content, Align::Left, false);
    let center = |content: &str| text(content, Align::Center, false);
    let expected = vec![
        text("ООО \"Ромашка\"", Align::Center, true),
        center("ИНН 7701234567"),
        center("г. Москва, ул. Тверская, д. 1"),
        center("Магазин №5"),
        text("КАССОВЫЙ ЧЕК", Align::Center, true),
        text("ПРИХОД", Align::Center, true),
        left("Чек № A-17"),
        // The register's time, not the POS's 12:04.
        left("01.03.2026 12:05"),
        left("Кассир: Иванова А.А."),
        Element::Separator('-'),
        left("Молоко 3,2% 1 л"),
        left("2 шт x 89.90             =179.80"),
        left("НДС 22%                    32.42"),
        left("Хлеб бородинский нарезной"),
        left("1 x 71.40                 =67.10"),
        left("Скидка                     -4.30"),
        left("НДС 10%                     6.10"),
        Element::Separator('-'),
        Element::Text(Text {
            content: "ИТОГ     =246.90".to_string(),
            align: Align::Left,
            bold: true,
            size: TextSize::Double,
        }),
        left("БЕЗНАЛИЧНЫМИ             =246.90"),
        left("  Карта ****1234"),
        left("Сумма НДС 22%              32.42"),
        left("Сумма НДС 10%               6.10"),
        Element::Separator('-'),
        left("ФН              9999078900012345"),
        left("ФД                           123"),
        left("ФП                    1234567890"),
        left("Смена                          7"),
        left("Чек                           15"),
        left("РН ККТ          0000000001012345"),
        Element::Qr(QR.to_string()),
        center("Спасибо за покупку!"),
        Element::Feed(3),
        Element::Cut,
    ];
    assert_eq!(elements, expected);
}

#[test]
fn full_layout_at_42() {
    let elements = run(receipt(), 42);
    assert_fits(&elements, 42);
    let rows = contents(&elements);
    assert!(rows.contains(&"2 шт x 89.90                       =179.80"));
    assert!(rows.contains(&"ИТОГ          =246.90"));
    assert_eq!(qrs(&elements), [QR]);
}

#[test]
fn full_layout_at_48() {
    let elements = run(receipt(), 48);
    assert_fits(&elements, 48);
    let rows = contents(&elements);
    assert!(rows.contains(&"2 шт x 89.90                             =179.80"));
    assert!(rows.contains(&"Скидка                                     -4.30"));
    assert!(rows.contains(&"ИТОГ             =246.90"));
    assert_eq!(qrs(&elements), [QR]);
}

#[test]
fn every_width_from_24_to_64_fits() {
    for width in MIN_WIDTH..=MAX_WIDTH {
        let mut receipt = receipt();
        receipt.fiscal = None;
        receipt.lines[0].name =
            "Очень длинное наименование товара с непереносимымсловомкотороедлиннеелюбойбумаги"
                .to_string();
        receipt.payments[0].kind = PaymentKind::Prepayment;
        receipt.total = 123_456_789_012;
        assert_fits(&run(receipt, width), width);
    }
}

#[test]
fn fiscal_qr_string_is_exact() {
    assert_eq!(qrs(&run(receipt(), 32)), [QR]);
    assert_eq!(qr::fiscal_qr(DocumentKind::Sale, 24690, &fiscal()), QR);
}

#[test]
fn sale_return_has_its_title_and_n_2() {
    let mut receipt = receipt();
    receipt.kind = DocumentKind::SaleReturn;
    let elements = run(receipt, 32);
    let title = texts(&elements)
        .into_iter()
        .find(|text| text.content == "ВОЗВРАТ ПРИХОДА")
        .expect("the kind line");
    assert!(title.bold);
    assert_eq!(title.align, Align::Center);
    assert_eq!(
        qrs(&elements),
        ["t=20260301T1205&s=246.90&fn=9999078900012345&i=123&fp=1234567890&n=2"]
    );
}

#[test]
fn each_kind_has_its_title_and_calculation_sign() {
    let cases = [
        (DocumentKind::Sale, "ПРИХОД", 1),
        (DocumentKind::SaleReturn, "ВОЗВРАТ ПРИХОДА", 2),
        (DocumentKind::Expense, "РАСХОД", 3),
        (DocumentKind::ExpenseReturn, "ВОЗВРАТ РАСХОДА", 4),
    ];
    for (kind, title, sign) in cases {
        let mut receipt = receipt();
        receipt.kind = kind;
        let elements = run(receipt, 42);
        let rows = contents(&elements);
        let at = rows.iter().position(|row| *row == "КАССОВЫЙ ЧЕК").unwrap();
        assert_eq!(rows[at + 1], title);
        assert!(qrs(&elements)[0].ends_with(&format!("&n={sign}")));
    }
}

#[test]
fn non_fiscal_receipt_says_so_twice_and_has_no_qr() {
    let mut receipt = receipt();
    receipt.fiscal = None;
    let elements = run(receipt, 42);
    assert!(qrs(&elements).is_empty());
    assert_eq!(count_not_fiscal(&elements), 2);
    assert!(!contents(&elements).iter().any(|row| row.starts_with("ФН ")));
    let marks: Vec<_> = texts(&elements)
        .into_iter()
        .filter(|text| text.content == "НЕ ЯВЛЯЕТСЯ ФИСКАЛЬНЫМ ДОКУМЕНТОМ")
        .collect();
    assert_eq!(marks.len(), 2);
    assert!(
        marks
            .iter()
            .all(|mark| mark.bold && mark.align == Align::Center)
    );
    // Right after the title, and after the footer at the very end.
    let rows = contents(&elements);
    assert_eq!(rows[6], "НЕ ЯВЛЯЕТСЯ ФИСКАЛЬНЫМ ДОКУМЕНТОМ");
    assert_eq!(rows.last(), Some(&"НЕ ЯВЛЯЕТСЯ ФИСКАЛЬНЫМ ДОКУМЕНТОМ"));
    assert_eq!(
        elements[elements.len() - 2..],
        [Element::Feed(3), Element::Cut]
    );
    // POS time when there is no register time.
    assert!(rows.contains(&"01.03.2026 12:04"));
}

#[test]
fn non_fiscal_mark_wraps_on_narrow_paper() {
    let mut receipt = receipt();
    receipt.fiscal = None;
    let rows = run(receipt, 32);
    let rows = contents(&rows);
    let at = rows.iter().position(|row| *row == "ПРИХОД").unwrap();
    assert_eq!(
        rows[at + 1..at + 3],
        ["НЕ ЯВЛЯЕТСЯ ФИСКАЛЬНЫМ", "ДОКУМЕНТОМ"]
    );
}

#[test]
fn fiscal_receipt_has_no_mark() {
    assert_eq!(count_not_fiscal(&run(receipt(), 32)), 0);
}

#[test]
fn cyrillic_width_is_counted_in_chars() {
    // 24 Cyrillic letters are 48 bytes: a byte count would wrap them at 32 columns.
    let name = "Абвгдежзиклмнопрстуфхцчш";
    assert_eq!(name.len(), 48);
    let mut receipt = receipt();
    receipt.lines[0].name = name.to_string();
    let elements = run(receipt, 32);
    assert!(contents(&elements).contains(&name));
    assert_eq!(row("Скидка", "-4.30", 32)[0].chars().count(), 32);
    assert_eq!(wrap("Ёлка новогодняя", 15), ["Ёлка новогодняя"]);
}

#[test]
fn long_names_wrap_on_word_boundaries() {
    let mut receipt = receipt();
    receipt.lines[0].name =
        "Сыр полутвёрдый Российский весовой фасованный в вакуумной упаковке".to_string();
    let elements = run(receipt, 32);
    let rows = contents(&elements);
    let at = rows
        .iter()
        .position(|row| *row == "Сыр полутвёрдый Российский")
        .unwrap();
    assert_eq!(
        rows[at..at + 4],
        [
            "Сыр полутвёрдый Российский",
            "весовой фасованный в вакуумной",
            "упаковке",
            "2 шт x 89.90             =179.80",
        ]
    );
}

#[test]
fn words_longer_than_the_paper_are_cut() {
    assert_eq!(wrap("абвгдежзик лм", 4), ["абвг", "дежз", "ик", "лм"]);
    assert_eq!(wrap("абвгдежзик", 5), ["абвгд", "ежзик"]);
    assert_eq!(wrap("", 10), [""]);
    assert_eq!(wrap("  два   пробела ", 10), ["два", "пробела"]);
}

#[test]
fn a_row_too_long_for_one_line_keeps_the_value_on_its_last_line() {
    assert_eq!(
        row("ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА (АВАНС)", "=246.90", 32),
        ["ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА", "(АВАНС)                  =246.90"]
    );
    // A value wider than the paper gets lines of its own, right-aligned.
    assert_eq!(
        row("ФП", "12345678901234567890123456789", 24),
        ["ФП", "123456789012345678901234", "                   56789"]
    );
}

#[test]
fn a_large_total_falls_back_to_normal_size() {
    let mut receipt = receipt();
    receipt.total = 123_456_789_012;
    let elements = run(receipt, 32);
    let total = texts(&elements)
        .into_iter()
        .find(|text| text.content.starts_with("ИТОГ"))
        .unwrap();
    assert_eq!(total.content, format!("ИТОГ{:>28}", "=1234567890.12"));
    assert_eq!(total.size, TextSize::Normal);
    assert!(total.bold);
}

#[test]
fn other_currencies_print_their_code_beside_the_total() {
    let mut receipt = receipt();
    receipt.currency = "KZT".to_string();
    let elements = run(receipt, 42);
    assert!(contents(&elements).contains(&"ИТОГ      =246.90 KZT"));
    // The item rows stay without a currency.
    assert!(contents(&elements).contains(&"2 шт x 89.90                       =179.80"));
}

#[test]
fn widths_outside_24_to_64_are_refused() {
    assert_eq!(
        DefaultLayout::render(receipt(), 10),
        Err(LayoutError::UnsupportedWidth(10))
    );
    assert_eq!(
        DefaultLayout::render(receipt(), 100),
        Err(LayoutError::UnsupportedWidth(100))
    );
    assert_eq!(
        DefaultLayout::render(receipt(), 23),
        Err(LayoutError::UnsupportedWidth(23))
    );
    assert_eq!(
        DefaultLayout::render(receipt(), 65),
        Err(LayoutError::UnsupportedWidth(65))
    );
    assert!(DefaultLayout::render(receipt(), 24).is_ok());
    assert!(DefaultLayout::render(receipt(), 64).is_ok());
}

#[test]
fn a_receipt_without_lines_is_invalid() {
    let mut receipt = receipt();
    receipt.lines.clear();
    assert!(matches!(
        DefaultLayout::render(receipt, 32),
        Err(LayoutError::InvalidReceipt(message)) if !message.is_empty()
    ));
}

#[test]
fn money_formatting_edges() {
    assert_eq!(money(0), "0.00");
    assert_eq!(money(5), "0.05");
    assert_eq!(money(100), "1.00");
    assert_eq!(money(-100), "-1.00");
    assert_eq!(money(-5), "-0.05");
    assert_eq!(money(123_456_789), "1234567.89");
    assert_eq!(money(123_450), "1234.50");
    assert_eq!(money(i64::MIN), "-92233720368547758.08");
}

#[test]
fn quantity_formatting_edges() {
    assert_eq!(quantity(1), "0.001");
    assert_eq!(quantity(1000), "1");
    assert_eq!(quantity(1500), "1.5");
    assert_eq!(quantity(1005), "1.005");
    assert_eq!(quantity(250), "0.25");
    assert_eq!(quantity(2000), "2");
    assert_eq!(quantity(0), "0");
    assert_eq!(quantity(-500), "-0.5");
}

#[test]
fn each_payment_kind_has_its_label() {
    let cases = [
        (PaymentKind::Cash, "НАЛИЧНЫМИ"),
        (PaymentKind::Cashless, "БЕЗНАЛИЧНЫМИ"),
        (PaymentKind::Prepayment, "ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА (АВАНС)"),
        (PaymentKind::Credit, "ПОСТОПЛАТА (КРЕДИТ)"),
        (PaymentKind::CounterProvision, "ВСТРЕЧНОЕ ПРЕДОСТАВЛЕНИЕ"),
        (PaymentKind::Bonuses, "БОНУСАМИ"),
        (PaymentKind::Installment, "РАССРОЧКА"),
    ];
    for (kind, label) in cases {
        let mut receipt = receipt();
        receipt.payments[0].kind = kind;
        receipt.payments[0].details.clear();
        let elements = run(receipt, 48);
        let rows = contents(&elements);
        let expected = format!("{label:<41}=246.90");
        assert!(
            rows.contains(&expected.as_str()),
            "{expected:?} in {rows:#?}"
        );
    }
}

#[test]
fn vat_rows_and_tax_totals() {
    let mut receipt = receipt();
    receipt.lines[0].vat = Vat::Computed(2200);
    receipt.lines[1].vat = Vat::None;
    receipt.lines[1].tax = 0;
    receipt.taxes = vec![
        TaxTotal {
            vat: Vat::Computed(2200),
            amount: 17980,
            taxed_base: 17980,
            tax: 3242,
        },
        TaxTotal {
            vat: Vat::Rate(0),
            amount: 1000,
            taxed_base: 1000,
            tax: 0,
        },
        TaxTotal {
            vat: Vat::None,
            amount: 6710,
            taxed_base: 6710,
            tax: 0,
        },
    ];
    let elements = run(receipt, 32);
    let rows = contents(&elements);
    for expected in [
        "НДС 22/122                 32.42",
        "БЕЗ НДС",
        "Сумма НДС 22/122           32.42",
        "Сумма с НДС 0%             10.00",
        "Сумма без НДС              67.10",
    ] {
        assert!(rows.contains(&expected), "{expected:?} in {rows:#?}");
    }
    assert_eq!(labels::vat(Vat::Rate(0), "НДС"), "НДС 0%");
    assert_eq!(labels::vat(Vat::Rate(1000), "НДС"), "НДС 10%");
    assert_eq!(labels::vat(Vat::Computed(1000), "НДС"), "НДС 10/110");
    assert_eq!(labels::vat(Vat::Rate(550), "НДС"), "НДС 5.5%");
}

#[test]
fn each_country_prints_the_receipts_tax_and_taxpayer_names() {
    // The names the host sends per country; the layout prints them as sent.
    for (country, currency, label, name, tax_id, rate, total) in [
        (
            "RU",
            "RUB",
            "ИНН",
            "НДС",
            "ИНН 7701234567",
            "НДС 22%",
            "Сумма НДС 22%",
        ),
        (
            "KZ",
            "KZT",
            "БИН",
            "НДС",
            "БИН 7701234567",
            "НДС 22%",
            "Сумма НДС 22%",
        ),
        (
            "UZ",
            "UZS",
            "STIR",
            "QQS/НДС",
            "STIR 7701234567",
            "QQS/НДС 22%",
            "Сумма QQS/НДС 22%",
        ),
    ] {
        let mut receipt = receipt();
        receipt.country = country.to_string();
        receipt.currency = currency.to_string();
        receipt.tax_id_label = label.to_string();
        receipt.tax_name = name.to_string();
        let elements = run(receipt, 42);
        let rows = contents(&elements);
        assert!(
            rows.iter().any(|r| r.trim() == tax_id),
            "{tax_id:?} in {rows:#?}"
        );
        assert!(
            rows.iter().any(|r| r.starts_with(rate)),
            "{rate:?} in {rows:#?}"
        );
        assert!(
            rows.iter().any(|r| r.starts_with(total)),
            "{total:?} in {rows:#?}"
        );
    }
}

#[test]
fn the_names_are_the_receipts_not_the_currencys() {
    // A tenge receipt saying ИНН and QQS prints ИНН and QQS: nothing is inferred any more.
    let mut receipt = receipt();
    receipt.currency = "KZT".to_string();
    receipt.tax_name = "QQS".to_string();
    receipt.lines[1].vat = Vat::None;
    let elements = run(receipt, 32);
    let rows = contents(&elements);
    for expected in [
        "ИНН 7701234567",
        "QQS 22%                    32.42",
        "БЕЗ QQS",
        "Сумма QQS 22%              32.42",
    ] {
        assert!(rows.contains(&expected), "{expected:?} in {rows:#?}");
    }
    assert!(!rows.iter().any(|r| r.contains("БИН") || r.contains("НДС")));
}

#[test]
fn an_empty_tax_id_label_prints_the_number_alone() {
    let mut receipt = receipt();
    receipt.tax_id_label = String::new();
    let elements = run(receipt, 32);
    let rows = contents(&elements);
    assert_eq!(rows[1], "7701234567");
    assert_eq!(texts(&elements)[1].align, Align::Center);
    // Blank counts as empty.
    let mut blank = self::receipt();
    blank.tax_id_label = "  ".to_string();
    assert_eq!(contents(&run(blank, 32))[1], "7701234567");
}

#[test]
fn an_organisation_left_empty_prints_no_line() {
    let mut receipt = receipt();
    receipt.header.organisation = String::new();
    let elements = run(receipt, 42);
    assert!(
        !contents(&elements).iter().any(|r| r.trim().is_empty()),
        "{:#?}",
        contents(&elements)
    );
}

#[test]
fn optional_header_fields_and_control_characters() {
    let mut receipt = receipt();
    receipt.header.tax_id = None;
    receipt.header.address = None;
    receipt.cashier = None;
    receipt.document_number = None;
    receipt.lines[0].name = "Молоко\u{1b}@".to_string();
    let elements = run(receipt, 32);
    let rows = contents(&elements);
    assert!(!rows.iter().any(|row| row.starts_with("ИНН")
        || row.starts_with("Кассир")
        || row.starts_with("Чек №")));
    assert!(rows.contains(&"Молоко @"));
}

/// The receipt paid 300.00 in cash for 246.90: 53.10 change.
fn cash_receipt() -> Receipt {
    let mut receipt = receipt();
    receipt.payments = vec![Payment {
        kind: PaymentKind::Cash,
        amount: 24690,
        details: vec![],
    }];
    receipt.cash_received = Some(30000);
    receipt.change = 5310;
    receipt
}

/// The rows from the first one starting with `first`, `count` of them.
fn rows_from<'a>(rows: &[&'a str], first: &str, count: usize) -> Vec<&'a str> {
    let at = rows
        .iter()
        .position(|row| row.starts_with(first))
        .unwrap_or_else(|| panic!("{first:?} in {rows:#?}"));
    rows[at..at + count].to_vec()
}

#[test]
fn cash_received_and_change_are_printed_under_the_cash_payment() {
    let elements = run(cash_receipt(), 32);
    assert_fits(&elements, 32);
    assert_eq!(
        rows_from(&contents(&elements), "НАЛИЧНЫМИ", 4),
        [
            "НАЛИЧНЫМИ                =246.90",
            "  ПОЛУЧЕНО 300.00",
            "  СДАЧА 53.10",
            "Сумма НДС 22%              32.42",
        ]
    );
}

#[test]
fn exact_cash_prints_neither_received_nor_change() {
    let mut receipt = cash_receipt();
    receipt.cash_received = Some(24690);
    receipt.change = 0;
    let rows = run(receipt, 32);
    let rows = contents(&rows);
    assert_eq!(
        rows_from(&rows, "НАЛИЧНЫМИ", 2),
        [
            "НАЛИЧНЫМИ                =246.90",
            "Сумма НДС 22%              32.42"
        ]
    );
    assert!(
        !rows
            .iter()
            .any(|r| r.contains("ПОЛУЧЕНО") || r.contains("СДАЧА"))
    );
}

#[test]
fn change_sent_as_a_payment_detail_prints_as_before_and_only_once() {
    // The 0.1.0 way: the cash row shows the cash tendered and the change is its detail.
    let mut before = cash_receipt();
    before.payments[0].amount = 30000;
    before.payments[0].details = vec!["СДАЧА 53.10".to_string()];
    before.cash_received = None;
    before.change = 0;
    let printed_before = run(before.clone(), 32);
    assert_eq!(
        rows_from(&contents(&printed_before), "НАЛИЧНЫМИ", 3),
        [
            "НАЛИЧНЫМИ                =300.00",
            "  СДАЧА 53.10",
            "Сумма НДС 22%              32.42",
        ]
    );
    // The same information with the 0.2.0 fields filled as well: the same paper.
    let mut both = before;
    both.cash_received = Some(30000);
    both.change = 5310;
    assert_eq!(run(both, 32), printed_before);
}

#[test]
fn cash_received_without_a_cash_payment_goes_after_the_payments() {
    let mut receipt = cash_receipt();
    receipt.payments[0].kind = PaymentKind::Cashless;
    let rows = run(receipt, 32);
    assert_eq!(
        rows_from(&contents(&rows), "БЕЗНАЛИЧНЫМИ", 3),
        [
            "БЕЗНАЛИЧНЫМИ             =246.90",
            "  ПОЛУЧЕНО 300.00",
            "  СДАЧА 53.10",
        ]
    );
}

#[test]
fn marked_lines_carry_the_sign() {
    let mut receipt = receipt();
    receipt.lines[0].marked = true;
    let rows = run(receipt, 32);
    let rows = contents(&rows);
    assert!(rows.contains(&"[М] Молоко 3,2% 1 л"), "{rows:#?}");
    // The unmarked line stays as it was.
    assert!(rows.contains(&"Хлеб бородинский нарезной"));
    assert_eq!(rows.iter().filter(|r| r.contains("[М]")).count(), 1);
    // The sign is the Cyrillic М the WIT names.
    assert_eq!(labels::MARKED, "[\u{41c}]");
}

#[test]
fn a_correction_receipt_has_its_title_basis_date_and_order() {
    let mut receipt = receipt();
    receipt.correction = Some(Correction {
        basis: CorrectionBasis::ByOrder,
        base_date: Date {
            year: 2026,
            month: 2,
            day: 27,
        },
        order_number: Some("12-34/567".to_string()),
    });
    let elements = run(receipt, 32);
    assert_fits(&elements, 32);
    let title = texts(&elements)
        .into_iter()
        .find(|text| text.content == "КАССОВЫЙ ЧЕК КОРРЕКЦИИ")
        .expect("the correction title");
    assert!(title.bold);
    assert_eq!(title.align, Align::Center);
    assert_eq!(
        rows_from(&contents(&elements), "КАССОВЫЙ ЧЕК КОРРЕКЦИИ", 6),
        [
            "КАССОВЫЙ ЧЕК КОРРЕКЦИИ",
            "ПРИХОД",
            "Коррекция: по предписанию",
            "Дата расчёта: 27.02.2026",
            "Предписание № 12-34/567",
            "Чек № A-17",
        ]
    );
    assert!(!contents(&elements).contains(&"КАССОВЫЙ ЧЕК"));
}

#[test]
fn a_self_initiated_correction_has_no_order_number() {
    let mut receipt = receipt();
    receipt.fiscal = None;
    receipt.correction = Some(Correction {
        basis: CorrectionBasis::SelfInitiated,
        base_date: Date {
            year: 2025,
            month: 12,
            day: 31,
        },
        order_number: None,
    });
    let rows = run(receipt, 42);
    assert_eq!(
        rows_from(&contents(&rows), "КАССОВЫЙ ЧЕК КОРРЕКЦИИ", 6),
        [
            "КАССОВЫЙ ЧЕК КОРРЕКЦИИ",
            "ПРИХОД",
            "НЕ ЯВЛЯЕТСЯ ФИСКАЛЬНЫМ ДОКУМЕНТОМ",
            "Коррекция: самостоятельно",
            "Дата расчёта: 31.12.2025",
            "Чек № A-17",
        ]
    );
}

#[test]
fn cashier_inn_and_customer_contact_are_printed_when_present() {
    let mut receipt = receipt();
    receipt.cashier = Some(Cashier {
        name: "Иванова А.А.".to_string(),
        inn: Some("770123456789".to_string()),
    });
    receipt.customer_contact = Some("+79991234567".to_string());
    let elements = run(receipt, 32);
    assert_fits(&elements, 32);
    assert_eq!(
        rows_from(&contents(&elements), "Кассир:", 4),
        [
            "Кассир: Иванова А.А.",
            "ИНН кассира: 770123456789",
            "Покупатель: +79991234567",
            "Молоко 3,2% 1 л",
        ]
    );
    // Absent or blank: nothing, as before.
    let mut blank = self::receipt();
    blank.cashier = Some(Cashier {
        name: "Иванова А.А.".to_string(),
        inn: Some(String::new()),
    });
    blank.customer_contact = Some(" ".to_string());
    assert_eq!(run(blank, 32), run(self::receipt(), 32));
}

#[test]
fn margin_totals_print_their_taxed_base_only_when_it_differs() {
    let mut receipt = receipt();
    // 22%: the amount 179.80, of which only the margin 60.00 is taxed.
    receipt.taxes[0].taxed_base = 6000;
    receipt.taxes[0].tax = 1082;
    let elements = run(receipt, 32);
    assert_fits(&elements, 32);
    assert_eq!(
        rows_from(&contents(&elements), "Сумма НДС 22%", 3),
        [
            "Сумма НДС 22%              10.82",
            "Налоговая база НДС 22%     60.00",
            "Сумма НДС 10%               6.10",
        ]
    );
    // Equal base and amount (no margin lines): no base row, as before.
    assert!(
        !contents(&run(self::receipt(), 32))
            .iter()
            .any(|r| r.starts_with("Налоговая база"))
    );
}

#[test]
fn every_new_field_fits_every_width() {
    for width in MIN_WIDTH..=MAX_WIDTH {
        let mut receipt = cash_receipt();
        receipt.lines[0].marked = true;
        receipt.taxes[0].taxed_base = 6000;
        receipt.cashier = Some(Cashier {
            name: "Иванова Анна Александровна, старший кассир".to_string(),
            inn: Some("770123456789".to_string()),
        });
        receipt.customer_contact = Some("very.long.address.of.the.buyer@example.com".to_string());
        receipt.correction = Some(Correction {
            basis: CorrectionBasis::ByOrder,
            base_date: Date {
                year: 2026,
                month: 2,
                day: 27,
            },
            order_number: Some("12-34/567-89-очень-длинный-номер-предписания".to_string()),
        });
        receipt.cash_received = Some(123_456_789_012);
        receipt.change = 123_456_789_012 - 24690;
        assert_fits(&run(receipt, width), width);
    }
}
