//! Correction receipts end to end (FFD 1.2, issue 16): the real binary and a Shtrih-M emulator
//! on TCP. REST `/correction` and JSON-RPC `Receipt.Correction` register a correction receipt
//! (self-initiated, and by the tax office's order) whose tags 1173/1174 the emulator's fiscal
//! drive holds; `/last_document` then names it; its card part is recorded, never charged; the
//! same request again registers nothing twice; a marking code on a correction line is refused
//! on each face before the register hears of it.

mod common;

use common::shop::{Shop, shop};
use serde_json::{Value, json};

use common::post_json as post;

fn start(dir: &std::path::Path) -> (Shop, common::RunningHost) {
    let shop = shop(dir);
    let host = common::start_host(&dir.join("data"), &["--config", &shop.config_arg()]);
    let opened = post(
        &format!("{}/open_shift", host.base_url),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    (shop, host)
}

/// The day before today (UTC), as the faces write it and as tag 1178 carries it.
fn yesterday() -> (String, u32) {
    let day = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    let midnight = day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    (day.format("%Y-%m-%d").to_string(), midnight as u32)
}

/// A self-initiated correction of a sale in seed 001's shape: a 10% line and a 22% line, paid
/// 300.00 in cash and 200.00 by card.
fn rest_correction(base_date: &str) -> Value {
    json!({
        "docNumber": "K-1", "docTime": "2026-12-01 18:00:00", "employeeName": "Кассир",
        "amount": 50000, "correctionType": "self", "baseDate": base_date,
        "items": [
            { "itemName": "Хлеб", "itemQty": 2000, "itemAmount": 20000,
              "itemTaxes": [{ "taxName": "НДС 10%", "taxPrc": 1000, "calcType": 1 }] },
            { "itemName": "Сыр", "itemQty": 1000, "itemAmount": 30000,
              "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] }
        ],
        "payments": { "cashAmount": 30000, "cashlessAmount": 20000 }
    })
}

fn receipts(shop: &Shop) -> Vec<shtrih_m_emulator::RegisteredReceipt> {
    shop.register.with_device(|d| d.receipts().to_vec())
}

#[test]
fn a_self_initiated_correction_over_rest_is_registered_once_and_is_the_last_document() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(dir.path());
    let (base_date, base_unix) = yesterday();
    let url = format!("{}/correction", host.base_url);
    let reply = post(&url, &rest_correction(&base_date));
    assert_eq!(reply["status"], "success", "{reply}");
    let fiscal_id = reply["fiscalID"].as_str().unwrap().to_owned();
    assert!(!fiscal_id.is_empty(), "{reply}");

    let all = receipts(&shop);
    let registered = all.last().unwrap();
    let correction = registered
        .correction
        .as_ref()
        .expect("a correction receipt");
    assert_eq!(correction.basis, 0, "tag 1173: self-initiated");
    assert_eq!(correction.base_date, base_unix, "tag 1178");
    assert_eq!(correction.order_number, None);
    assert_eq!(registered.operation, 1, "corrects a sale (приход)");
    assert_eq!(registered.total, 50000);
    assert_eq!((registered.cash(), registered.cashless()), (30000, 20000));
    assert_eq!(
        fiscal_id.parse::<u32>().ok(),
        Some(registered.fiscal_sign),
        "the reply's fiscal sign is the register's"
    );
    // The card part of a correction moved long ago: the terminal is never asked.
    assert!(shop.approved().is_empty(), "{:?}", shop.approved());

    // The register's last document, whichever face asks, is the correction.
    let last = post(&format!("{}/last_document", host.base_url), &json!({}));
    assert_eq!(last["status"], "success", "{last}");
    assert_eq!(last["docType"], "correction", "{last}");
    assert_eq!(last["fiscalID"], fiscal_id.as_str(), "{last}");
    assert_eq!(last["amount"], 50000, "{last}");

    // The same request again registers nothing: the same requisites come back.
    let again = post(&url, &rest_correction(&base_date));
    assert_eq!(again["status"], "success", "{again}");
    assert_eq!(again["fiscalID"], fiscal_id.as_str(), "{again}");
    assert_eq!(receipts(&shop).len(), all.len(), "registered twice");
}

#[test]
fn a_correction_by_order_over_rpc_is_registered_with_the_order_and_is_the_last_document() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(dir.path());
    let (base_date, base_unix) = yesterday();
    // A sale return's cash leaves the drawer: the register refuses it from an empty one.
    let deposit = post(
        &format!("{}/deposit", host.base_url),
        &json!({ "amount": 400000, "employeeName": "Кассир" }),
    );
    assert_eq!(deposit["status"], "success", "{deposit}");
    let mut request = common::seeds::seed_002();
    request["method"] = "Receipt.Correction".into();
    let params = &mut request["params"];
    params["code"] = "corr-1".into();
    params["correction_type"] = json!(1);
    params["base_date"] = json!(base_date);
    params["order_number"] = json!("01-23/456");
    params["operation"] = json!(2);
    params["positions"][0]["vat_value"] = json!(2200);
    // A terminal payment without an RRN: on a correction it is recorded, not charged.
    params["payments"] = json!([
        { "type": 1, "value": 400000 }, { "type": 2, "value": 500000 }
    ]);
    let reply = post(&format!("{}/rpc?device=kkt", host.base_url), &request);
    assert!(reply.get("error").is_none(), "{reply}");
    let fiscal_sign = reply["result"]["fiscal"]["fiscal_sign"].clone();

    let registered = receipts(&shop).last().cloned().unwrap();
    let correction = registered
        .correction
        .as_ref()
        .expect("a correction receipt");
    assert_eq!(correction.basis, 1, "tag 1173: by order");
    assert_eq!(correction.base_date, base_unix, "tag 1178");
    assert_eq!(
        correction.order_number.as_deref(),
        Some("01-23/456"),
        "tag 1179"
    );
    assert_eq!(registered.operation, 2, "corrects a sale return");
    assert_eq!((registered.cash(), registered.cashless()), (400000, 500000));
    assert!(shop.approved().is_empty(), "{:?}", shop.approved());

    let last = post(&format!("{}/last_document", host.base_url), &json!({}));
    assert_eq!(last["docType"], "correction", "{last}");
    assert_eq!(last["fiscalID"], fiscal_sign, "{last}");
    // Receipt.Get finds it by the id the method returned.
    let mut get = common::seeds::seed_002();
    get["method"] = "Receipt.Get".into();
    get["params"] = json!({ "id": reply["result"]["id"] });
    let got = post(&format!("{}/rpc?device=kkt", host.base_url), &get);
    assert_eq!(got["result"]["kind"], "correction", "{got}");
    assert_eq!(got["result"]["fiscal"]["fiscal_sign"], fiscal_sign, "{got}");
}

#[test]
fn a_marking_code_or_a_bad_basis_on_a_correction_is_refused_before_the_register_hears_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let (shop, host) = start(dir.path());
    let (base_date, _) = yesterday();
    shop.register.with_device(|d| d.clear_command_log());
    let before = receipts(&shop).len();

    // REST: a marked item, in the seed's error shape (code 3).
    let mut marked = rest_correction(&base_date);
    marked["items"][1]["itemQRCode"] = json!("0104600439931256215Qbag!\u{1d}93Zjqw");
    let reply = post(&format!("{}/correction", host.base_url), &marked);
    assert_eq!(
        (&reply["status"], &reply["code"]),
        (&json!("error"), &json!(3)),
        "{reply}"
    );
    let message = reply["message"].as_str().unwrap();
    assert!(
        message.contains("line 2") && message.contains("correction"),
        "{message}"
    );

    // By order without the order's number; a day that has not come yet.
    let mut no_order = rest_correction(&base_date);
    no_order["correctionType"] = json!("order");
    let reply = post(&format!("{}/correction", host.base_url), &no_order);
    assert_eq!(reply["code"], 3, "{reply}");
    let mut tomorrow = rest_correction("2999-01-01");
    tomorrow["docNumber"] = json!("K-2");
    let reply = post(&format!("{}/correction", host.base_url), &tomorrow);
    assert_eq!(reply["code"], 3, "{reply}");

    // JSON-RPC: a labelled position, in the JSON-RPC error shape.
    let mut request = common::seeds::seed_002();
    request["method"] = "Receipt.Correction".into();
    request["params"]["correction_type"] = json!(0);
    request["params"]["base_date"] = json!(base_date);
    request["params"]["positions"][0]["label"] = json!("0104600439931256215Xy7:t\u{1d}93AbCd");
    request["params"]["positions"][0]["quantity"] = json!(1000);
    request["params"]["positions"][0]["vat_value"] = json!(2200);
    let reply = post(&format!("{}/rpc?device=kkt", host.base_url), &request);
    assert_eq!(reply["ok"], false, "{reply}");
    assert_eq!(reply["error"]["code"], -32602, "{reply}");

    assert_eq!(receipts(&shop).len(), before, "something was registered");
    let sent: Vec<u16> = shop
        .register
        .with_device(|d| d.command_log().iter().map(|c| c.code).collect());
    assert!(
        !sent.iter().any(|&c| c == 0x8D || c == 0xFF61),
        "the register heard of a refused correction: {sent:04X?}"
    );
}

/// The host is killed after the register registered the correction but before the journal knew:
/// the restart learns it from the register's last document, and the same request again is
/// answered with that correction, not registered twice.
#[test]
fn a_correction_whose_answer_a_crash_lost_is_recovered_from_the_register_not_sent_again() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let shop = shop(dir.path());
    let data = dir.path().join("data");
    let config = shop.config_arg();
    let (base_date, _) = yesterday();
    let mut doomed = common::start_host_with_env(
        &data,
        &["--config", &config],
        &[("FISCAL_HOST_CRASH_AT", "after-exchange")],
    );
    let opened = post(
        &format!("{}/open_shift", doomed.base_url),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    // No reply comes: the host kills itself once the register answered.
    let lost = ureq::post(&format!("{}/correction", doomed.base_url))
        .send_json(rest_correction(&base_date));
    assert!(
        lost.is_err(),
        "a reply came from a host that should have died"
    );
    let status = doomed.child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status:?}");
    drop(doomed);
    let registered = receipts(&shop);
    assert_eq!(
        registered.len(),
        1,
        "the register had the correction at the crash"
    );

    let host = common::start_host(&data, &["--config", &config]);
    let health = common::get_json(&format!("{}/health", host.base_url));
    assert_eq!(health["recovery"]["fiscalized"], json!([1]), "{health}");
    let again = post(
        &format!("{}/correction", host.base_url),
        &rest_correction(&base_date),
    );
    assert_eq!(again["status"], "success", "{again}");
    assert_eq!(
        again["fiscalID"]
            .as_str()
            .and_then(|s| s.parse::<u32>().ok()),
        Some(registered[0].fiscal_sign),
        "{again}"
    );
    assert_eq!(receipts(&shop).len(), 1, "registered twice");
    let last = post(&format!("{}/last_document", host.base_url), &json!({}));
    assert_eq!(last["docType"], "correction", "{last}");
}
