//! The seeds' own example requests, shared by the faces' tests and the malformed-input tests
//! that mutate them.

#![allow(dead_code)]

use serde_json::{Value, json};

/// The cashier of seed 001's example.
pub const SEED_001_EMPLOYEE: &str = "Иванова Мария Петровна";

/// The reply fields seed 001 types as strings (docs/rest.md): present in every reply, "" when
/// they do not apply.
pub const SEED_001_TEXT_FIELDS: &[&str] = &[
    "message",
    "fiscalID",
    "fiscalNum",
    "rrn",
    "auth",
    "cardNum",
    "checkNum",
];

/// Seed 001's example sale: 629.80, 129.80 in cash and 500.00 by card (`docTime` left out when
/// `None`).
pub fn seed_001_sale(doc_time: Option<&str>, doc_number: &str) -> Value {
    let mut sale = json!({
        "docNumber": doc_number,
        "wsName": "Касса 2",
        "departmentName": "Магазин у дома",
        "employeeName": SEED_001_EMPLOYEE,
        "amount": 62980,
        "currency": "RUB",
        "items": [
            {
                "itemId": "4607025391234",
                "itemName": "Молоко 3,2% 1 л",
                "itemAttr": 0,
                "itemQRCode": "",
                "itemQty": 2000,
                "itemAmount": 17980,
                "discount": 0,
                "itemTaxes": [{ "taxName": "НДС 10%", "taxPrc": 1000, "calcType": 1 }],
                "itemMarginSum": null,
                "itemMarginPrice": null
            },
            {
                "itemId": "4601234567890",
                "itemName": "Кофе в зёрнах 250 г",
                "itemAttr": 0,
                "itemQRCode": "",
                "itemQty": 1000,
                "itemAmount": 45000,
                "discount": 5000,
                "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }]
            }
        ],
        "payments": {
            "cashAmount": 12980,
            "cashlessAmount": 50000,
            "creditAmount": 0,
            "bonusesAmount": 0,
            "prepaymentAmount": 0,
            "installmentAmount": 0
        },
        "printFooter": "Спасибо за покупку!"
    });
    if let Some(t) = doc_time {
        sale["docTime"] = json!(t);
    }
    sale
}

/// Seed 002's example request, byte for byte as the seed writes it — including the Cyrillic
/// `с` (D1 81) that begins `сard_type` in the terminal payment.
pub const SEED_002_REQUEST: &str = r#"{
"id": 1,
"auth": "a2Fzc2E6a2FzMTIzNDU2",
"method": "Receipt.Credit",
"params": {
"cashier_name": "Administrator",
"code": "1-0000782",
"phone": "998918935861",
"pos_id": "00027",
"seller_name": null,
"session_code": "1-0000086",
"positions": [
{
"amount": 900000,
"articul": "",
"barcode": "000001",
"brand_name": null,
"code": "000001",
"color_name": null,
"commission_inn": "923409418",
"country_name": null,
"department_name": null,
"discount": 0,
"group_name": "Напитки",
"icps": "02202002001010036",
"label": "",
"name": "Coca-cola",
"package_code": "1218868",
"producer_name": "Coca Cola",
"quantity": 1000,
"size_name": null,
"type_name": "Товар",
"unit_name": "шт",
"vat_value": 1500
}
],
"payments": [
{
"type": 1,
"value": 500000,
"payment_id": "4411-563-4236"
},
{
"type": 2,
"value": 400000,
"payment_id": "4341-563-4536",
"сard_type": 2,
"RRN": "847204678473"
}
],
"custom_variables": null
},
"jsonrpc": "2.0"
}"#;

/// Seed 002's example, parsed.
pub fn seed_002() -> Value {
    serde_json::from_str(SEED_002_REQUEST).expect("the seed's example is JSON")
}
