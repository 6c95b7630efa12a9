//! Marking codes end to end (FFD 1.2, issue 16): the real binary, a Shtrih-M emulator on TCP
//! whose marking system the test sets, a ZVT terminal. Each face's code field reaches the
//! register as tag 2000, checked (FF61h) and accepted (FF69h) before the sale's money moves and
//! bound to its item (FF67h) as the receipt is registered; a code the marking system rejects
//! fails the sale with nothing charged or fiscalized unless `[marking] accept_on_bad` says
//! otherwise; an unreachable marking system sells offline; every verdict is journaled.

mod common;

use std::time::Duration;

use common::shop::{Shop, shop};
use common::ws::WsClient;
use serde_json::{Value, json};
use shtrih_m_emulator::MarkingAnswer;

/// Two codes as scanned: GTIN, serial, then the GS (0x1D) separated crypto tail.
const CODE_A: &str = "0104600439931256215Qbag!\u{1d}93Zjqw";
const CODE_B: &str = "0104600439931256215Xy7:t\u{1d}93AbCd";

const FF61: u16 = 0xFF61;
const FF69: u16 = 0xFF69;
const FF67: u16 = 0xFF67;
const FF46: u16 = 0xFF46;

use common::post_json as post;

/// A shop whose host configuration gets `extra` (TOML) and the register `settings`.
fn start(
    dir: &std::path::Path,
    extra: &str,
    register_settings: &str,
) -> (Shop, common::RunningHost) {
    let shop = shop(dir);
    let text = std::fs::read_to_string(&shop.config).unwrap();
    let text = text.replacen(
        "driver = \"shtrih-m\"\n",
        &format!("driver = \"shtrih-m\"\nsettings = {{ {register_settings} }}\n"),
        1,
    );
    std::fs::write(&shop.config, format!("{text}\n{extra}\n")).unwrap();
    let host = common::start_host(&dir.join("data"), &["--config", &shop.config_arg()]);
    (shop, host)
}

fn open_shift(base: &str) {
    let opened = post(
        &format!("{base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
}

/// Seed 001's sale with its two lines marked (`itemQRCode`) and one plain line of one unit.
fn marked_sale(doc_number: &str) -> Value {
    let mut sale = json!({
        "docNumber": doc_number, "wsName": "Касса 2", "departmentName": "Магазин у дома",
        "employeeName": "Кассир", "amount": 41000, "currency": "RUB",
        "items": [
            { "itemId": "1", "itemName": "Сигареты", "itemAttr": 0, "itemQRCode": CODE_A,
              "itemQty": 1000, "itemAmount": 20000, "discount": 0,
              "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }],
              "itemMarginSum": null, "itemMarginPrice": null },
            { "itemId": "2", "itemName": "Хлеб", "itemAttr": 0, "itemQRCode": "",
              "itemQty": 1000, "itemAmount": 6000, "discount": 0,
              "itemTaxes": [{ "taxName": "НДС 10%", "taxPrc": 1000, "calcType": 1 }],
              "itemMarginSum": null, "itemMarginPrice": null },
            { "itemId": "3", "itemName": "Вода", "itemAttr": 0, "itemQRCode": CODE_B,
              "itemQty": 1000, "itemAmount": 15000, "discount": 0,
              "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }],
              "itemMarginSum": null, "itemMarginPrice": null }
        ],
        "payments": { "cashAmount": 41000, "cashlessAmount": 0, "creditAmount": 0,
            "bonusesAmount": 0, "prepaymentAmount": 0, "installmentAmount": 0 }
    });
    sale["docTime"] = json!("2026-03-01 12:00:00");
    sale
}

/// The marking commands the register received, in order, with the codes they carried.
fn marking_commands(shop: &Shop) -> Vec<(u16, Option<String>)> {
    shop.register.with_device(|d| {
        d.command_log()
            .iter()
            .filter(|c| [FF61, FF69, FF67, FF46].contains(&c.code))
            .map(|c| (c.code, c.marking_code()))
            .collect()
    })
}

/// The marking verdicts journaled in the document body of the host's last document.
fn journaled_checks(dir: &std::path::Path) -> Vec<Value> {
    let db = rusqlite::Connection::open(dir.join("data").join("journal.sqlite")).unwrap();
    let body: String = db
        .query_row(
            "SELECT body FROM document_texts ORDER BY document_id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let body: Value = serde_json::from_str(&body).unwrap();
    body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.get("marking").map(|m| m["check"].clone()))
        .collect()
}

#[test]
fn marked_lines_are_checked_accepted_and_bound_in_order_and_reach_the_register_as_tag_2000() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(dir.path(), "", "");
    open_shift(&host.base_url);
    shop.register.with_device(|d| d.clear_command_log());

    let sale = post(&format!("{}/sale", host.base_url), &marked_sale("M-1"));
    assert_eq!(sale["status"], "success", "{sale}");

    let a = Some(CODE_A.to_owned());
    let b = Some(CODE_B.to_owned());
    assert_eq!(
        marking_commands(&shop),
        [
            (FF61, a.clone()),
            (FF69, None),
            (FF61, b.clone()),
            (FF69, None),
            (FF67, a.clone()),
            (FF46, None),
            (FF46, None),
            (FF67, b.clone()),
            (FF46, None),
        ]
    );
    let receipt = shop
        .register
        .with_device(|d| d.receipts().last().cloned().unwrap());
    assert_eq!(receipt.marking_codes(), [a, None, b]);
    let checks = journaled_checks(dir.path());
    assert_eq!(checks.len(), 2);
    for check in &checks {
        assert_eq!(check["verdict"], "valid", "{check}");
        assert_eq!(check["result_bits"], 15, "{check}");
        assert_eq!(check["accepted"], true, "{check}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_code_fails_the_sale_with_nothing_charged_or_fiscalized() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(dir.path(), "", "");
    open_shift(&host.base_url);
    shop.register
        .with_device(|d| d.set_marking_answer(MarkingAnswer::Invalid));
    let receipts_before = shop.register.with_device(|d| d.receipts().len());

    // REST: refused in the seed's shape, nothing registered.
    let sale = post(&format!("{}/sale", host.base_url), &marked_sale("M-2"));
    assert_eq!(sale["status"], "error", "{sale}");
    assert_eq!(sale["code"], 5, "{sale}");
    let message = sale["message"].as_str().unwrap();
    assert!(message.contains("Код маркировки позиции 1"), "{message}");

    // WebSocket with a card: the terminal is never asked.
    let mut ws = WsClient::connect(&host.base_url).await;
    let created = ws
        .request(
            "create_doc",
            json!({ "cashier": "Кассир", "doc_type": 2, "wares": [
                { "name": "Пиво", "barcode": "", "tax_number": 0, "price": 150.0,
                  "quantity": 1, "marking_code": CODE_A }
            ]}),
        )
        .await;
    assert_eq!(created["data"]["amount"], 15000, "{created}");
    let paid = ws.request("pay", json!({ "amount": 15000 })).await;
    assert_eq!(paid["data"]["error"], true, "{paid}");
    assert_eq!(paid["data"]["error_code"], 11, "{paid}");

    assert!(shop.charged().is_empty(), "a card was charged");
    assert_eq!(
        shop.register.with_device(|d| d.receipts().len()),
        receipts_before,
        "a receipt was fiscalized"
    );
    // The code was declined on the register, and the verdict journaled.
    let decisions: Vec<_> = shop.register.with_device(|d| {
        d.command_log()
            .iter()
            .filter(|c| c.code == FF69)
            .map(|c| c.data.last().copied())
            .collect()
    });
    assert!(decisions.iter().all(|&d| d == Some(0)), "{decisions:?}");
    let checks = journaled_checks(dir.path());
    assert_eq!(checks[0]["verdict"], "rejected", "{checks:?}");
    assert_eq!(checks[0]["accepted"], false, "{checks:?}");
}

#[test]
fn accept_on_bad_sells_a_rejected_code_and_journals_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(dir.path(), "[marking]\naccept_on_bad = true", "");
    open_shift(&host.base_url);
    shop.register
        .with_device(|d| d.set_marking_answer(MarkingAnswer::UnknownOrSold));
    let sale = post(&format!("{}/sale", host.base_url), &marked_sale("M-3"));
    assert_eq!(sale["status"], "success", "{sale}");
    let receipt = shop
        .register
        .with_device(|d| d.receipts().last().cloned().unwrap());
    assert_eq!(receipt.marking_codes()[0].as_deref(), Some(CODE_A));
    let checks = journaled_checks(dir.path());
    assert!(
        checks
            .iter()
            .all(|c| c["verdict"] == "rejected" && c["accepted"] == true),
        "{checks:?}"
    );
}

#[test]
fn an_unreachable_marking_system_sells_offline_as_the_law_allows() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(dir.path(), "", "");
    open_shift(&host.base_url);
    shop.register
        .with_device(|d| d.set_marking_answer(MarkingAnswer::Unreachable));
    let sale = post(&format!("{}/sale", host.base_url), &marked_sale("M-4"));
    assert_eq!(sale["status"], "success", "{sale}");
    let checks = journaled_checks(dir.path());
    assert_eq!(checks.len(), 2);
    assert!(
        checks
            .iter()
            .all(|c| c["verdict"] == "offline" && c["accepted"] == true),
        "{checks:?}"
    );
}

#[test]
fn a_slow_marking_answer_within_its_own_timeout_sells_though_the_command_timeout_is_shorter() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(
        dir.path(),
        "",
        r#""timeout-ms" = 400, "marking-timeout-ms" = 5000"#,
    );
    open_shift(&host.base_url);
    shop.register
        .with_device(|d| d.set_marking_delay(Duration::from_millis(900)));
    let sale = post(&format!("{}/sale", host.base_url), &marked_sale("M-5"));
    assert_eq!(sale["status"], "success", "{sale}");
    assert_eq!(journaled_checks(dir.path())[0]["verdict"], "valid");
}

/// Seed 002's `label` is the marking code of a fiscal receipt's position.
#[test]
fn seed_002s_label_reaches_the_register_as_tag_2000() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(dir.path(), "", "");
    open_shift(&host.base_url);
    let mut request = common::seeds::seed_002();
    request["method"] = "Receipt.Sale".into();
    request["params"]["code"] = "rpc-marked-1".into();
    request["params"]["positions"][0]["label"] = json!(CODE_B);
    request["params"]["positions"][0]["quantity"] = json!(1000);
    // The lane is Russian: 22%, paid in cash.
    request["params"]["positions"][0]["vat_value"] = json!(2200);
    request["params"]["payments"] = json!([{ "type": 1, "value": 900000 }]);
    let reply = post(&format!("{}/rpc?device=kkt", host.base_url), &request);
    assert!(reply.get("error").is_none(), "{reply}");
    let receipt = shop
        .register
        .with_device(|d| d.receipts().last().cloned().unwrap());
    assert_eq!(
        receipt.marking_codes()[0].as_deref(),
        Some(CODE_B),
        "{receipt:?}"
    );
}

/// WebSocket `check_marking_code`: the verdict before the item is added, the code declined on
/// the register at once (nothing waits in the fiscal drive) and nothing registered.
#[tokio::test(flavor = "multi_thread")]
async fn a_pos_may_check_a_code_over_websocket_before_adding_the_item() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(dir.path(), "", "");
    open_shift(&host.base_url);
    shop.register.with_device(|d| d.clear_command_log());
    let receipts_before = shop.register.with_device(|d| d.receipts().len());
    let mut ws = WsClient::connect(&host.base_url).await;

    let valid = ws
        .request("check_marking_code", json!({ "marking_code": CODE_A }))
        .await;
    assert_eq!(valid["event"], "oncheck_marking_code", "{valid}");
    assert_eq!(valid["data"]["error"], false, "{valid}");
    assert_eq!(valid["data"]["check"]["verdict"], "valid", "{valid}");
    assert_eq!(valid["data"]["check"]["accepted"], true, "{valid}");

    shop.register
        .with_device(|d| d.set_marking_answer(MarkingAnswer::Invalid));
    let invalid = ws
        .request(
            "check_marking_code",
            json!({ "marking_code": CODE_B, "doc_type": 3 }),
        )
        .await;
    assert_eq!(invalid["data"]["check"]["verdict"], "rejected", "{invalid}");
    assert_eq!(invalid["data"]["check"]["accepted"], false, "{invalid}");

    let bad = ws
        .request("check_marking_code", json!({ "marking_code": "кириллица" }))
        .await;
    assert_eq!(bad["data"]["error_code"], 4, "{bad}");

    // Checked, then declined (FF69h with 0), one code after the other; the bad one never sent.
    let commands: Vec<(u16, Option<String>, Option<u8>)> = shop.register.with_device(|d| {
        d.command_log()
            .iter()
            .filter(|c| [FF61, FF69].contains(&c.code))
            .map(|c| (c.code, c.marking_code(), c.data.last().copied()))
            .collect()
    });
    let codes: Vec<_> = commands.iter().map(|(c, m, _)| (*c, m.clone())).collect();
    assert_eq!(
        codes,
        [
            (FF61, Some(CODE_A.to_owned())),
            (FF69, None),
            (FF61, Some(CODE_B.to_owned())),
            (FF69, None),
        ]
    );
    assert!(
        commands
            .iter()
            .filter(|(c, ..)| *c == FF69)
            .all(|(.., decision)| *decision == Some(0)),
        "{commands:?}"
    );
    assert_eq!(
        shop.register.with_device(|d| d.receipts().len()),
        receipts_before
    );
}

/// The customer's contact reaches the register as tag 1008 from each face: REST's
/// `customerContact`, seed 002's `phone`, WebSocket's `customer_contact`; a bad one is refused.
#[tokio::test(flavor = "multi_thread")]
async fn the_customer_contact_reaches_the_register_as_tag_1008_on_each_face() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(dir.path(), "", "");
    open_shift(&host.base_url);
    let last_contact = || {
        shop.register
            .with_device(|d| d.receipts().last().and_then(|r| r.customer_contact.clone()))
    };

    let mut sale = marked_sale("C-1");
    sale["customerContact"] = json!("+79001234567");
    let reply = post(&format!("{}/sale", host.base_url), &sale);
    assert_eq!(reply["status"], "success", "{reply}");
    assert_eq!(last_contact().as_deref(), Some("+79001234567"));

    let mut request = common::seeds::seed_002();
    request["method"] = "Receipt.Sale".into();
    request["params"]["code"] = "rpc-contact-1".into();
    request["params"]["positions"][0]["vat_value"] = json!(2200);
    request["params"]["payments"] = json!([{ "type": 1, "value": 900000 }]);
    let reply = post(&format!("{}/rpc?device=kkt", host.base_url), &request);
    assert!(reply.get("error").is_none(), "{reply}");
    assert_eq!(
        last_contact().as_deref(),
        Some("998918935861"),
        "seed 002's phone"
    );

    let mut ws = WsClient::connect(&host.base_url).await;
    let created = ws
        .request(
            "create_doc",
            json!({ "cashier": "Кассир", "doc_type": 2, "customer_contact": "buyer@example.com",
                    "wares": [{ "name": "Хлеб", "barcode": "", "tax_number": 0, "price": 60.0,
                                "quantity": 1 }] }),
        )
        .await;
    assert_eq!(created["data"]["error"], false, "{created}");
    let paid = ws.request("pay", json!({ "amount": 6000 })).await;
    assert_eq!(paid["data"]["error"], false, "{paid}");
    assert_eq!(last_contact().as_deref(), Some("buyer@example.com"));

    let mut bad = marked_sale("C-2");
    bad["customerContact"] = json!("позвоните мне");
    let reply = post(&format!("{}/sale", host.base_url), &bad);
    assert_eq!(reply["code"], 3, "{reply}");
    assert!(
        reply["message"].as_str().unwrap().contains("1008"),
        "{reply}"
    );
}

/// A marked good sold by weight (REST `itemMeasure` 11, kilograms): checked with its planned
/// status "measured sold" (tag 2003 = 2) and its measure (tag 2108) and quantity; a planned
/// status the sale does not make is refused before anything is sent.
#[test]
fn a_measured_marked_good_is_checked_with_its_measure_and_quantity() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(dir.path(), "", "");
    open_shift(&host.base_url);
    shop.register.with_device(|d| d.clear_command_log());
    let mut sale = marked_sale("W-1");
    sale["items"] = json!([{ "itemName": "Сыр весовой", "itemQRCode": CODE_A, "itemQty": 1250,
        "itemAmount": 25000, "itemMeasure": 11, "itemPlannedStatus": 2,
        "itemTaxes": [{ "taxName": "НДС 10%", "taxPrc": 1000, "calcType": 1 }] }]);
    sale["amount"] = json!(25000);
    sale["payments"] = json!({ "cashAmount": 25000 });
    let reply = post(&format!("{}/sale", host.base_url), &sale);
    assert_eq!(reply["status"], "success", "{reply}");
    let check = shop.register.with_device(|d| {
        d.command_log()
            .iter()
            .find(|c| c.code == FF61)
            .cloned()
            .expect("the code was checked")
    });
    assert_eq!(check.data[4], 2, "tag 2003: a measured good sold");
    let code_len = check.data[6] as usize;
    let tlvs = &check.data[8 + code_len..];
    // Tag 2108 (0x083C), one byte: 11, kilograms.
    assert!(
        tlvs.windows(5).any(|w| w == [0x3C, 0x08, 0x01, 0x00, 11]),
        "{tlvs:02X?}"
    );
    // The receipt's line carries it too (FF4Dh after its FF46h), with its quantity.
    let line = shop
        .register
        .with_device(|d| d.receipts().last().unwrap().items[0].clone());
    assert_eq!((line.measure, line.quantity), (11, 1_250_000), "{line:?}");
    assert_eq!(line.marking_code.as_deref(), Some(CODE_A));

    sale["docNumber"] = json!("W-2");
    sale["items"][0]["itemPlannedStatus"] = json!(1);
    let reply = post(&format!("{}/sale", host.base_url), &sale);
    assert_eq!(reply["code"], 3, "{reply}");
    assert!(
        reply["message"].as_str().unwrap().contains("2003"),
        "{reply}"
    );
}
