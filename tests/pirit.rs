//! A second register vendor with no host code of its own (issue 17): the Pirit driver, built
//! like an outside vendor's component against the SDK only, is loaded by path
//! (`driver = "/path/pirit.wasm"`) and speaks to its emulator on TCP. Through the REST face: a
//! shift, a marked sale paid in cash and by card, the last document, the fiscal drive's state,
//! a correction receipt and the Z report — each checked in the emulator's own records.

mod common;

use common::post_json as post;
use fiscal_host::plugins::embedded;
use serde_json::json;

const CODE: &str = "0104600439931256215Qbag!\u{1d}93Zjqw";

#[test]
fn a_register_driver_loaded_by_path_sells_corrects_and_closes_the_shift() {
    let dir = tempfile::tempdir().unwrap();
    let register = pirit_emulator::emulator();
    let (addr, _) = register.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let driver = embedded::guest_path("pirit.wasm");
    let config = dir.path().join("host.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[[devices]]
id = "kkt"
kind = "fiscal-register"
driver = {driver:?}
transport = {{ type = "tcp", address = "{addr}" }}

[[devices]]
id = "printer"
kind = "printer"
driver = "escpos"
transport = {{ type = "emulator", emulator = "escpos" }}

[[devices]]
id = "terminal"
kind = "payment-terminal"
driver = "zvt"
transport = {{ type = "emulator", emulator = "zvt" }}
"#
        ),
    )
    .unwrap();
    let host = common::start_host(
        &dir.path().join("data"),
        &["--config", config.to_str().unwrap()],
    );
    let base = &host.base_url;

    let devices = common::get_json(&format!("{base}/devices"));
    let kkt = &devices[0];
    assert_eq!(kkt["id"], "kkt", "{devices}");
    assert_eq!(kkt["online"], true, "{kkt}");
    assert_eq!(kkt["jurisdictions"], json!(["RU"]), "{kkt}");
    assert!(kkt["model"].as_str().unwrap().contains("Пирит"), "{kkt}");
    assert_eq!(kkt["lane"]["fiscal"], true, "{kkt}");

    let opened = post(
        &format!("{base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    assert!(register.with_device(|d| d.shift_open()));

    let sale = json!({
        "docNumber": "P-1", "docTime": "2026-12-02 12:00:00", "employeeName": "Кассир",
        "amount": 41000,
        "items": [
            { "itemName": "Сигареты", "itemQRCode": CODE, "itemQty": 1000, "itemAmount": 20000,
              "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] },
            { "itemName": "Хлеб", "itemQty": 3000, "itemAmount": 21000,
              "itemTaxes": [{ "taxName": "НДС 10%", "taxPrc": 1000, "calcType": 1 }] }
        ],
        "payments": { "cashAmount": 25000, "cashlessAmount": 16000 }
    });
    let sold = post(&format!("{base}/sale"), &sale);
    assert_eq!(sold["status"], "success", "{sold}");
    assert!(
        !sold["rrn"].as_str().unwrap().is_empty(),
        "the card was charged: {sold}"
    );
    let receipt = register.with_device(|d| d.receipts().last().cloned().unwrap());
    assert_eq!(receipt.kind, pirit_emulator::DOC_SALE);
    assert_eq!(receipt.total, 41000);
    assert_eq!(receipt.items.len(), 2, "{receipt:?}");
    assert_eq!(
        receipt.items[0].marking.as_deref(),
        Some(CODE),
        "tag 2000: {receipt:?}"
    );
    assert_eq!(receipt.items[1].quantity, 3000, "{receipt:?}");
    assert!(
        receipt
            .payments
            .contains(&(pirit_emulator::PAY_CASHLESS, 16000)),
        "{receipt:?}"
    );
    assert_eq!(
        register.with_device(|d| d.marking_checks().to_vec()),
        [CODE],
        "checked with the marking system before the sale"
    );
    assert!(
        register.with_device(|d| d.accepted_codes().is_empty()),
        "the accepted code was used by the receipt"
    );
    assert_eq!(sold["fiscalID"], receipt.fiscal_sign.as_str(), "{sold}");

    let last = post(&format!("{base}/last_document"), &json!({}));
    assert_eq!(last["fiscalID"], receipt.fiscal_sign.as_str(), "{last}");

    let fn_status = post(&format!("{base}/fn_status"), &json!({}));
    assert_eq!(fn_status["status"], "success", "{fn_status}");
    let unsent = fn_status["unsentDocuments"].as_u64().unwrap();
    assert!(unsent >= 1, "{fn_status}");
    register.with_device(|d| d.drain_ofd_queue());
    let drained = post(&format!("{base}/fn_status"), &json!({}));
    assert_eq!(drained["unsentDocuments"], 0, "{drained}");

    let base_date = (chrono::Local::now().date_naive() - chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    let corrected = post(
        &format!("{base}/correction"),
        &json!({ "docNumber": "K-1", "employeeName": "Кассир", "amount": 5000,
                 "correctionType": "order", "baseDate": base_date, "orderNumber": "12/34",
                 "items": [{ "itemName": "Чай", "itemQty": 1000, "itemAmount": 5000,
                             "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] }],
                 "payments": { "cashAmount": 5000 } }),
    );
    assert_eq!(corrected["status"], "success", "{corrected}");
    let correction = register.with_device(|d| d.receipts().last().cloned().unwrap());
    let basis = correction
        .correction
        .as_ref()
        .expect("a correction receipt");
    assert!(basis.by_order, "{basis:?}");
    assert_eq!(basis.order_number, "12/34");
    assert_eq!(corrected["fiscalID"], correction.fiscal_sign.as_str());

    let closed = post(
        &format!("{base}/close_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(closed["status"], "success", "{closed}");
    assert!(!register.with_device(|d| d.shift_open()));
}
