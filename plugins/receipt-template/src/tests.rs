//! Native tests of the template. Keep them when you copy the folder: they catch a
//! layout that overflows the paper or breaks the fiscal QR string.

use super::*;

fn receipt() -> Receipt {
    let at = DateTime {
        date: Date {
            year: 2026,
            month: 3,
            day: 1,
        },
        hour: 12,
        minute: 5,
        second: 0,
    };
    Receipt {
        header: Header {
            organisation: "ООО \"Ромашка\"".into(),
            tax_id: Some("7701234567".into()),
            address: Some("г. Москва, ул. Тверская, д. 1".into()),
            lines: vec![],
        },
        kind: DocumentKind::Sale,
        country: "RU".into(),
        tax_id_label: "ИНН".into(),
        tax_name: "НДС".into(),
        currency: "RUB".into(),
        cashier: Some(Cashier {
            name: "Иванова А.А.".into(),
            inn: None,
        }),
        document_number: None,
        date_time: at,
        lines: vec![ReceiptLine {
            name: "Сыр полутвёрдый Российский весовой в вакуумной упаковке".into(),
            price: 8990,
            quantity: 2000,
            unit: None,
            discount: 0,
            amount: 17980,
            vat: Vat::Rate(2200),
            tax: 3242,
            marked: false,
        }],
        payments: vec![Payment {
            kind: PaymentKind::Cash,
            amount: 24690,
            details: vec![],
        }],
        cash_received: None,
        change: 0,
        taxes: vec![],
        total: 24690,
        fiscal: Some(FiscalRequisites {
            fn_number: "9999078900012345".into(),
            document_number: 123,
            fiscal_sign: "1234567890".into(),
            shift_number: 7,
            receipt_number: 15,
            registration_number: "0000000001012345".into(),
            date_time: at,
        }),
        correction: None,
        customer_contact: None,
        footer: vec!["Спасибо за покупку!".into()],
    }
}

fn lines(elements: &[Element]) -> Vec<String> {
    elements
        .iter()
        .filter_map(|element| match element {
            Element::Text(text) => Some(text.content.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_line_fits_the_paper() {
    for width in [24, 32, 42, 48, 64] {
        let elements = TemplateLayout::render(receipt(), width).unwrap();
        for line in lines(&elements) {
            assert!(
                line.chars().count() <= width as usize,
                "{line:?} at {width}"
            );
        }
        assert!(matches!(elements[elements.len() - 1], Element::Cut));
    }
}

#[test]
fn rows_are_exact() {
    let elements = TemplateLayout::render(receipt(), 32).unwrap();
    let lines = lines(&elements);
    assert!(lines.contains(&"2 x 89.90                =179.80".to_string()));
    assert!(lines.contains(&"ИТОГ                     =246.90".to_string()));
    assert!(lines.contains(&"Сыр полутвёрдый Российский".to_string()));
}

#[test]
fn fiscal_receipt_has_the_qr_string() {
    let elements = TemplateLayout::render(receipt(), 32).unwrap();
    let qr = elements.iter().find_map(|element| match element {
        Element::Qr(data) => Some(data.as_str()),
        _ => None,
    });
    assert_eq!(
        qr,
        Some("t=20260301T1205&s=246.90&fn=9999078900012345&i=123&fp=1234567890&n=1")
    );
}

#[test]
fn non_fiscal_receipt_says_so() {
    let mut receipt = receipt();
    receipt.fiscal = None;
    let elements = TemplateLayout::render(receipt, 42).unwrap();
    assert!(lines(&elements).contains(&NOT_FISCAL.to_string()));
    assert!(
        !elements
            .iter()
            .any(|element| matches!(element, Element::Qr(_)))
    );
}

#[test]
fn bad_input_is_refused() {
    assert!(matches!(
        TemplateLayout::render(receipt(), 10),
        Err(LayoutError::UnsupportedWidth(10))
    ));
    let mut empty = receipt();
    empty.lines.clear();
    assert!(matches!(
        TemplateLayout::render(empty, 32),
        Err(LayoutError::InvalidReceipt(_))
    ));
}

#[test]
fn numbers_are_printed_plainly() {
    assert_eq!(money(0), "0.00");
    assert_eq!(money(-100), "-1.00");
    assert_eq!(money(123_456_789), "1234567.89");
    assert_eq!(quantity(1000), "1");
    assert_eq!(quantity(250), "0.25");
    assert_eq!(quantity(1005), "1.005");
    assert_eq!(quantity(0), "0");
}

#[test]
fn the_receipts_names_are_printed() {
    let mut receipt = receipt();
    receipt.tax_id_label = "STIR".into();
    receipt.tax_name = "QQS".into();
    let lines = lines(&TemplateLayout::render(receipt, 32).unwrap());
    assert!(lines.contains(&"STIR 7701234567".to_string()), "{lines:#?}");
    assert!(lines.contains(&"QQS 22%                    32.42".to_string()));
    // An empty label prints the number alone.
    let mut unlabelled = self::receipt();
    unlabelled.tax_id_label = String::new();
    let lines = self::lines(&TemplateLayout::render(unlabelled, 32).unwrap());
    assert!(lines.contains(&"7701234567".to_string()), "{lines:#?}");
}

#[test]
fn new_fields_marked_change_correction_cashier() {
    let mut receipt = receipt();
    receipt.lines[0].marked = true;
    receipt.cash_received = Some(30000);
    receipt.change = 5310;
    receipt.correction = Some(Correction {
        basis: CorrectionBasis::SelfInitiated,
        base_date: Date {
            year: 2026,
            month: 2,
            day: 27,
        },
        order_number: None,
    });
    receipt.cashier = Some(Cashier {
        name: "Петров П.П.".into(),
        inn: Some("770123456789".into()),
    });
    let lines = lines(&TemplateLayout::render(receipt, 32).unwrap());
    for expected in [
        "[М] Сыр полутвёрдый Российский",
        "СДАЧА 53.10",
        "КАССОВЫЙ ЧЕК КОРРЕКЦИИ ПРИХОД",
        "Кассир: Петров П.П.",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(expected)),
            "{expected:?} in {lines:#?}"
        );
    }
    // Exact cash prints no change.
    let lines = self::lines(&TemplateLayout::render(self::receipt(), 32).unwrap());
    assert!(!lines.iter().any(|l| l.contains("СДАЧА")));
}
