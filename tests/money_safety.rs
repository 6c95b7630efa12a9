//! Money safety end to end: the real `fiscal-host` binary against a register and a card terminal
//! served on TCP from this test process (`common::shop`), whose own records say what was
//! charged and fiscalized. Each test is one way the promise "no card charged twice, no sale
//! lost" was seen to break:
//! - the terminal booked a payment but its answer was lost (the line dropped mid-reply): a
//!   repeated `pay` / `/sale` must settle it from the terminal's last transaction, never charge
//!   again — also when the terminal's four-digit receipt numbers wrapped since;
//! - the driver gave up on a terminal still in its dialogue: the terminal must see an abort;
//! - payment parts whose sum overflows 64 bits: refused before anything is charged;
//! - cash above the total: the register gets the cash tendered and prints the change.

mod common;

use std::time::Duration;

use emulator_kit::Fault;
use serde_json::{Value, json};

use common::shop::{Shop, shop, shop_with};
use common::ws::WsClient;
use zvt_emulator::{Stamp, ZvtDevice};

const CASHIER: &str = "Сидр Петров";

fn wares() -> Value {
    json!({
        "cashier": CASHIER,
        "doc_type": 2,
        "wares": [{ "name": "Хлеб", "barcode": "1", "tax_number": 0, "price": 49.90, "quantity": 1 }]
    })
}

struct Running {
    host: common::RunningHost,
    agent: ureq::Agent,
    _dir: tempfile::TempDir,
    shop: Shop,
}

fn start(shop_of: impl FnOnce(&std::path::Path) -> Shop) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let shop = shop_of(dir.path());
    let host = common::start_host(&dir.path().join("data"), &["--config", &shop.config_arg()]);
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    Running {
        host,
        agent,
        _dir: dir,
        shop,
    }
}

impl Running {
    fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let mut response = self
            .agent
            .post(format!("{}{path}", self.host.base_url))
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status().as_u16();
        let body = response.body_mut().read_json().expect("a JSON reply");
        (status, body)
    }

    fn open_shift(&self) {
        let (status, reply) = self.post("/open_shift", json!({ "employeeName": CASHIER }));
        assert_eq!(status, 200, "{reply}");
    }

    fn rpc(&self, method: &str, params: Value) -> Value {
        let (status, reply) = self.post(
            "/rpc",
            json!({ "id": 1, "method": method, "params": params, "jsonrpc": "2.0" }),
        );
        assert_eq!(status, 200, "{reply}");
        reply
    }

    fn receipts(&self) -> usize {
        self.shop.register.with_device(|d| d.receipts().len())
    }
}

/// Pays until the host stops answering "outcome unknown" (16): that answer says the terminal
/// could not tell yet, and a repeat with the same request id is how a POS asks again.
async fn pay_until_known(ws: &mut WsClient, request_id: &str, amount: i64) -> Value {
    for _ in 0..50 {
        let reply = ws
            .request_with_id(request_id, "pay", json!({ "amount": amount }))
            .await;
        if reply["data"]["error_code"] != 16 {
            return reply;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the outcome stayed unknown");
}

/// A shop with the shift open whose terminal books the next payment, sends half its answer and
/// drops the line.
fn losing_the_next_card_answer() -> Running {
    let shop = start(shop);
    shop.open_shift();
    shop.shop
        .terminal
        .faults()
        .inject(Fault::DisconnectMidFrame);
    shop
}

/// Repeats a request while its answer says the outcome is unknown, as a POS is told to.
fn until_known(mut request: impl FnMut() -> Value, unknown: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..50 {
        let reply = request();
        if !unknown(&reply) {
            return reply;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the outcome stayed unknown");
}

/// A shop with the shift open, a document created over WebSocket (request d-1), and a terminal
/// that will book the next payment, send half its answer and drop the line.
async fn a_document_whose_card_answer_will_be_lost() -> (Running, WsClient) {
    let shop = losing_the_next_card_answer();
    let mut ws = WsClient::connect(&shop.host.base_url).await;
    let created = ws.request_with_id("d-1", "create_doc", wares()).await;
    assert_eq!(created["data"]["amount"], 4990, "{created}");
    (shop, ws)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pay_whose_answer_was_lost_is_settled_from_the_terminal_and_charged_once() {
    let (shop, mut ws) = a_document_whose_card_answer_will_be_lost().await;
    let paid = pay_until_known(&mut ws, "p-1", 4990).await;
    assert_eq!(paid["data"]["error"], false, "{paid}");
    let charged = shop.shop.charged();
    assert_eq!(charged.len(), 1, "charged once: {charged:?}");
    assert_eq!(paid["data"]["rrn"], charged[0].rrn, "{paid}");
    assert_eq!(shop.receipts(), 1);
    // Asked once more: the stored answer, nothing new at either device.
    let again = ws
        .request_with_id("p-1", "pay", json!({ "amount": 4990 }))
        .await;
    assert_eq!(again, paid);
    assert_eq!((shop.shop.charged().len(), shop.receipts()), (1, 1));
}

#[test]
fn a_sale_whose_card_answer_was_lost_is_charged_once_on_repeat() {
    let shop = losing_the_next_card_answer();
    let sale = json!({
        "docTime": "2026-03-01 12:00:00", "docNumber": "A-1", "employeeName": CASHIER, "amount": 4990,
        "items": [{ "itemName": "Хлеб", "itemQty": 1000, "itemAmount": 4990,
                    "itemTaxes": [{ "taxName": "НДС", "taxPrc": 2200 }] }],
        "payments": { "cashlessAmount": 4990 }
    });
    let reply = until_known(
        || shop.post("/sale", sale.clone()).1,
        |reply| {
            reply["code"] == 5
                && reply["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("Результат операции неизвестен"))
        },
    );
    assert_eq!(reply["status"], "success", "{reply}");
    let charged = shop.shop.charged();
    assert_eq!(charged.len(), 1, "charged once: {charged:?}");
    assert_eq!(reply["rrn"], charged[0].rrn);
    assert_eq!(shop.receipts(), 1);
}

#[test]
fn a_json_rpc_sale_whose_card_answer_was_lost_resumes_by_its_code() {
    let shop = losing_the_next_card_answer();
    let params = json!({
        "code": "R-1",
        "positions": [{ "name": "Хлеб", "amount": 4990, "quantity": 1000, "vat_value": 0 }],
        "payments": [{ "type": 2, "value": 4990 }]
    });
    let reply = until_known(
        || shop.rpc("Receipt.Sale", params.clone()),
        |reply| reply["error"]["code"] == -32010,
    );
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(shop.shop.charged().len(), 1, "charged once");
    assert_eq!(shop.receipts(), 1);
    // Once fiscalized, the code is taken: the same request again is a duplicate.
    let again = shop.rpc("Receipt.Sale", params);
    assert_eq!(again["error"]["code"], -32002, "{again}");
    assert_eq!(shop.shop.charged().len(), 1);
}

/// Someone pays `amount` at the terminal's own keypad, outside the host: the command and the
/// ECR's acknowledgements fed straight to the device model (its answers go nowhere).
fn sale_outside_the_host(shop: &Shop, amount: u64) {
    use emulator_kit::{Device, Faults, Reactions};
    let faults = Faults::default();
    shop.terminal.with_device(|d| {
        let mut command = vec![0x06, 0x01, 0x07, 0x04];
        command.extend(zvt_emulator::wire::bcd(amount, 6));
        d.receive(&command, &faults, &mut Reactions::default());
        for _ in 0..8 {
            if !d.is_master() {
                break;
            }
            d.receive(&[0x80, 0x00, 0x00], &faults, &mut Reactions::default());
        }
        assert!(!d.is_master(), "the outside sale ended");
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_the_terminal_cannot_account_for_is_never_charged_again() {
    let (shop, mut ws) = a_document_whose_card_answer_will_be_lost().await;
    let first = ws
        .request_with_id("p-1", "pay", json!({ "amount": 4990 }))
        .await;
    // The line is still down when the host asks right away: the outcome is unknown.
    assert_eq!(first["data"]["error_code"], 16, "{first}");
    // Before the host can ask again, the terminal is used outside it.
    sale_outside_the_host(&shop.shop, 100);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        let again = ws
            .request_with_id("p-1", "pay", json!({ "amount": 4990 }))
            .await;
        assert_eq!(again["data"]["error_code"], 16, "{again}");
        assert!(
            again["data"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("reconciled")),
            "{again}"
        );
    }
    let charged: Vec<i64> = shop
        .shop
        .charged()
        .iter()
        .map(|t| t.amount as i64)
        .collect();
    assert_eq!(
        charged,
        [4990, 100],
        "ours (booked, unanswered) and the outside one; nothing new"
    );
    assert_eq!(shop.receipts(), 0, "nothing fiscalized on a guess");
}

/// The day after `stamp`, same time.
fn next_day(stamp: Stamp) -> Stamp {
    Stamp {
        day: stamp.day + 1,
        ..stamp
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_across_the_terminals_number_wrap_is_settled_not_charged_again() {
    let shop = start(shop);
    shop.open_shift();
    let day = Stamp {
        year: 2026,
        month: 3,
        day: 1,
        hour: 12,
        minute: 0,
        second: 0,
    };
    shop.shop.terminal.with_device(|d| d.set_clock(Some(day)));
    let mut ws = WsClient::connect(&shop.host.base_url).await;
    let mut sell = async |n: u32| {
        let created = ws
            .request_with_id(&format!("d-{n}"), "create_doc", wares())
            .await;
        assert_eq!(created["data"]["error"], false, "{created}");
        pay_until_known(&mut ws, &format!("p-{n}"), 4990).await
    };
    // Receipt 1, trace 1.
    let first = sell(1).await;
    assert_eq!(first["data"]["auth_id"], 1, "{first}");
    // Weeks later the counters stand at their last numbers…
    shop.shop.terminal.with_device(|d| {
        d.set_first_numbers(999_999, 9_999);
        d.set_clock(Some(next_day(day)));
    });
    let last = sell(2).await;
    assert_eq!(last["data"]["auth_id"], 9_999, "{last}");
    // …and the next payment wraps to receipt 1 and trace 1 again, its answer lost.
    shop.shop
        .terminal
        .with_device(|d| d.set_clock(Some(next_day(next_day(day)))));
    shop.shop
        .terminal
        .faults()
        .inject(Fault::DisconnectMidFrame);
    let wrapped = sell(3).await;
    assert_eq!(wrapped["data"]["error"], false, "{wrapped}");
    assert_eq!(wrapped["data"]["auth_id"], 1, "{wrapped}");
    assert_eq!(
        wrapped["data"]["rrn"], first["data"]["rrn"],
        "same terminal id and trace"
    );
    let charged = shop.shop.charged();
    assert_eq!(charged.len(), 3, "three sales, three charges: {charged:?}");
    assert_eq!(shop.receipts(), 3);
}

#[test]
fn a_driver_that_gives_up_aborts_the_terminal_dialogue() {
    let shop = start(|dir| {
        shop_with(
            dir,
            ZvtDevice::tcp().with_authorisation_delay(Duration::from_secs(3)),
            "\"timeout-ms\" = 300",
        )
    });
    shop.open_shift();
    let sale = |n: u32| {
        json!({
            "docTime": "2026-03-01 12:00:00", "docNumber": format!("B-{n}"), "employeeName": CASHIER,
            "amount": 4990,
            "items": [{ "itemName": "Хлеб", "itemQty": 1000, "itemAmount": 4990 }],
            "payments": { "cashlessAmount": 4990 }
        })
    };
    // The customer is slow at the PIN pad; the driver gives up after 300 ms and aborts.
    let (status, reply) = shop.post("/sale", sale(1));
    assert_eq!(
        (status, reply["code"].as_u64()),
        (402, Some(8)),
        "declined: {reply}"
    );
    shop.shop.terminal.with_device(|d| {
        assert_eq!(d.aborts().len(), 1, "the terminal saw 06 B0");
        assert!(d.transactions().is_empty(), "nothing was booked");
        assert_eq!(d.protocol_errors(), 0);
        d.set_authorisation_delay(None);
    });
    // The terminal is idle again: the next sale goes through without a protocol error.
    let (status, reply) = shop.post("/sale", sale(2));
    assert_eq!(status, 200, "{reply}");
    assert_eq!(shop.shop.charged().len(), 1);
    shop.shop
        .terminal
        .with_device(|d| assert_eq!(d.protocol_errors(), 0));
    assert_eq!(shop.receipts(), 1);
}

#[test]
fn payment_sums_that_overflow_are_refused_before_anything_is_charged() {
    let shop = start(shop);
    shop.open_shift();
    let max = i64::MAX;
    let (status, reply) = shop.post(
        "/sale",
        json!({
            "docNumber": "C-1", "employeeName": CASHIER, "amount": 100,
            "items": [{ "itemName": "Спички", "itemQty": 1000, "itemAmount": 100 }],
            "payments": { "cashAmount": max, "creditAmount": max, "cashlessAmount": 102 }
        }),
    );
    assert_eq!((status, reply["code"].as_u64()), (400, Some(3)), "{reply}");
    let position = json!({ "name": "Спички", "amount": 100, "quantity": 1000, "vat_value": 0 });
    let sale = shop.rpc(
        "Receipt.Sale",
        json!({ "positions": [position],
                "payments": [{ "type": 1, "value": max }, { "type": 1, "value": max },
                             { "type": 2, "value": 102 }] }),
    );
    assert_eq!(sale["error"]["code"], -32602, "{sale}");
    let credit = shop.rpc(
        "Receipt.Credit",
        json!({ "positions": [position], "payments": [{ "type": 1, "value": max }] }),
    );
    assert_eq!(credit["error"]["code"], -32602, "{credit}");
    assert!(
        shop.shop
            .terminal
            .with_device(|d| d.transactions().is_empty()),
        "nothing charged"
    );
    assert_eq!(shop.receipts(), 0, "nothing fiscalized");
}

#[test]
fn cash_above_the_total_goes_to_the_register_which_prints_the_change() {
    let shop = start(shop);
    shop.open_shift();
    let (status, reply) = shop.post(
        "/sale",
        json!({
            "docNumber": "D-1", "employeeName": CASHIER, "amount": 52600,
            "items": [{ "itemName": "Сыр", "itemQty": 1000, "itemAmount": 52600 }],
            "payments": { "cashAmount": 60000 }
        }),
    );
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["changeAmount"], 7400, "{reply}");
    shop.shop.register.with_device(|d| {
        let receipt = d.receipts().last().expect("a receipt");
        assert_eq!(
            (receipt.cash(), receipt.change, receipt.total),
            (60000, 7400, 52600)
        );
        assert!(
            d.tape().iter().any(|l| l.contains("СДАЧА =74.00")),
            "the register printed the change"
        );
    });
}
