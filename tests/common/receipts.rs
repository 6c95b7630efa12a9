//! The fiscal receipt the device tests and the device benchmark register: three lines at two
//! VAT rates, with the figures tax-ru computes for them (tests/plugins_real.rs).

#![allow(dead_code)]

use fiscal_host::plugins::contract::register::Cashier;
use fiscal_host::plugins::contract::register::{FiscalReceipt, ReceiptItem, ReceiptPayments};
use fiscal_host::plugins::contract::types::{DocumentKind, Vat};

pub fn cashier() -> Cashier {
    Cashier {
        name: "Сидр Петров".into(),
        tax_id: None,
    }
}

pub fn item(
    name: &str,
    price: i64,
    quantity: i64,
    amount: i64,
    rate: i32,
    code: u8,
    tax: i64,
) -> ReceiptItem {
    ReceiptItem {
        name: name.into(),
        price,
        quantity,
        amount,
        vat: Vat::Rate(rate),
        vat_code: Some(code),
        tax,
        subject: 1,
        method: 4,
        measure: 0,
        marking: None,
    }
}

/// 139535 kopecks: 39535 in cash, 100000 by card.
pub fn sale() -> FiscalReceipt {
    FiscalReceipt {
        kind: DocumentKind::Sale,
        cashier: cashier(),
        items: vec![
            item("Водка Айс 0,5л 40%", 12345, 2000, 24690, 2200, 11, 4452),
            item("Хлеб", 4990, 3000, 14970, 1000, 2, 1361),
            item("Сыр", 79900, 1250, 99875, 2200, 11, 18010),
        ],
        payments: ReceiptPayments {
            cash: 39535,
            cashless: 100000,
            ..ReceiptPayments::default()
        },
        total: 139535,
        taxation_system: 0,
        customer_contact: None,
        footer: vec!["Спасибо за покупку!".into()],
    }
}
