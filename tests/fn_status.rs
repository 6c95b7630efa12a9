//! The fiscal drive's state on every face, end to end: the real binary, a Shtrih-M emulator on
//! TCP whose OFD the test takes away and brings back and whose clock it moves. REST
//! `/fn_status`, JSON-RPC `FiscalDrive.Status` and WebSocket `fn_status` say what the register's
//! drive says (FF39h, FF03h, its clock), and `/devices` shows it with the 54-FZ deadlines.

mod common;

use std::time::Duration;

use common::shop::shop;
use common::ws::WsClient;
use serde_json::{Value, json};

const DAY: Duration = Duration::from_secs(24 * 3600);

use common::post_json as post;

fn rest_status(base: &str) -> Value {
    let reply = post(&format!("{base}/fn_status"), &json!({}));
    assert_eq!(reply["status"], "success", "{reply}");
    reply
}

fn rpc_status(base: &str) -> Value {
    let reply = post(
        &format!("{base}/rpc"),
        &json!({ "jsonrpc": "2.0", "id": 7, "method": "FiscalDrive.Status" }),
    );
    assert_eq!(reply["id"], 7, "{reply}");
    reply["result"].clone()
}

fn codes(warnings: &Value) -> Vec<&str> {
    warnings
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_face_counts_the_documents_the_ofd_has_not_confirmed_and_warns_of_the_deadlines() {
    let dir = tempfile::tempdir().unwrap();
    let shop = shop(dir.path());
    let host = common::start_host(&dir.path().join("data"), &["--config", &shop.config_arg()]);
    let base = host.base_url.clone();

    // A register with its OFD: nothing waits, no deadline is near.
    let fresh = rest_status(&base);
    assert_eq!(fresh["unsentDocuments"], 0, "{fresh}");
    assert_eq!(fresh["firstUnsentNumber"], Value::Null, "{fresh}");
    assert_eq!(fresh["ffdVersion"], "1.2", "{fresh}");
    assert_eq!(fresh["warnings"], json!([]), "{fresh}");
    let fn_number = fresh["fnNumber"].as_str().unwrap().to_owned();
    assert_eq!(fn_number.len(), 16, "{fresh}");

    // Without the OFD every fiscal document waits: the shift report, then each receipt.
    shop.register.with_device(|d| d.set_ofd_online(false));
    let opened = post(
        &format!("{base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    assert_eq!(rest_status(&base)["unsentDocuments"], 1);
    let sale = post(
        &format!("{base}/sale"),
        &common::seeds::seed_001_sale(None, "FN-1"),
    );
    assert_eq!(sale["status"], "success", "{sale}");
    let waiting = rest_status(&base);
    assert_eq!(waiting["unsentDocuments"], 2, "{waiting}");
    let first = waiting["firstUnsentNumber"].as_u64().unwrap();
    assert_eq!(
        sale["fiscalNum"].as_str().unwrap().parse::<u64>().unwrap(),
        first + 1,
        "the shift report waits first, then the receipt: {waiting} {sale}"
    );

    // The same state over JSON-RPC and WebSocket, in their own shapes.
    let rpc = rpc_status(&base);
    assert_eq!(rpc["unsent_documents"], 2, "{rpc}");
    assert_eq!(rpc["first_unsent_number"], json!(first), "{rpc}");
    assert_eq!(rpc["fn_number"], json!(fn_number), "{rpc}");
    let mut ws = WsClient::connect(&base).await;
    let answer = ws.request("fn_status", json!({})).await;
    assert_eq!(answer["data"]["error"], false, "{answer}");
    assert_eq!(answer["data"]["unsent_documents"], 2, "{answer}");

    // The OFD confirms everything once it is back.
    shop.register.with_device(|d| d.set_ofd_online(true));
    assert_eq!(rest_status(&base)["unsentDocuments"], 0);

    // An unsent document 30 days old on the register's clock: the register is about to block.
    shop.register.with_device(|d| d.set_ofd_online(false));
    let closed = post(
        &format!("{base}/close_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(closed["status"], "success", "{closed}");
    shop.register.with_device(|d| d.advance_clock(31 * DAY));
    let overdue = rpc_status(&base);
    assert_eq!(codes(&overdue["warnings"]), ["unsent_overdue"], "{overdue}");
    assert_eq!(overdue["warnings"][0]["days"], 31, "{overdue}");
    // `/devices` shows the register's drive as last asked, with the same warning.
    let devices = common::get_json(&format!("{base}/devices"));
    let kkt = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "kkt")
        .unwrap_or_else(|| panic!("kkt in {devices}"));
    assert_eq!(
        codes(&kkt["fiscal_drive"]["warnings"]),
        ["unsent_overdue"],
        "{kkt}"
    );

    // Near the drive's last day (three years after its registration): it is warned of too.
    shop.register.with_device(|d| {
        d.set_ofd_online(true);
        d.advance_clock((3 * 365 - 40) * DAY);
    });
    let expiring = rest_status(&base);
    assert_eq!(codes(&expiring["warnings"]), ["fn_expiring"], "{expiring}");
    let days_left = expiring["warnings"][0]["days_left"].as_i64().unwrap();
    assert!((0..=30).contains(&days_left), "{expiring}");
    assert!(
        expiring["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains(expiring["validUntil"].as_str().unwrap()),
        "{expiring}"
    );
}
