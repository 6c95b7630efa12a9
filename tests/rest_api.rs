//! The REST face end to end (seed 001, `docs/rest.md`): the real `fiscal-host` binary with the
//! embedded default (an emulated Shtrih-M register, an ESC/POS printer and a ZVT terminal),
//! over real HTTP. Every reply is checked for the seed's shape, its exact `code` and the HTTP
//! status; `openapi.json` is checked against the routes the host really serves, both ways. The
//! sale, refund, shift and error-code tests run on a Shtrih-M lane and on a Pirit lane
//! (`on_each_register!`).

mod common;

use std::collections::BTreeSet;

use serde_json::{Value, json};

use common::ws::WsClient;

const CASHIER: &str = "Иванова Мария Петровна";

/// The routes the REST face serves (`POST /<name>`); compared with openapi.json both ways.
const FACE_ROUTES: &[&str] = &[
    "/sale",
    "/refund",
    "/x_report",
    "/open_shift",
    "/close_shift",
    "/check_shift",
    "/deposit",
    "/withdraw",
    "/check_copy",
    "/last_document",
    "/fn_status",
    "/correction",
];

/// Our routes beside seed 001's, answering plain JSON: documented in openapi.json too.
const PLAIN_ROUTES: &[&str] = &[
    "/health",
    "/devices",
    "/journal",
    "/preview",
    "/admin/plugins/reload",
];

/// The seed's reply fields, present in every reply.
const SEED_FIELDS: &[&str] = &[
    "status",
    "code",
    "message",
    "printError",
    "documentID",
    "fiscalID",
    "fiscalNum",
    "rrn",
    "auth",
    "cardNum",
    "checkNum",
];

// ---------------------------------------------------------------------------------------------
// The host and the requests
// ---------------------------------------------------------------------------------------------

struct TestHost {
    host: common::RunningHost,
    _data: tempfile::TempDir,
    agent: ureq::Agent,
    authorization: Option<String>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn start() -> TestHost {
    start_with(&[], None)
}

/// A host on the embedded default whose lane has this register model.
fn start_on(register: &str) -> TestHost {
    start_with(&[], Some(&common::emulation_of(register)))
}

/// A host with this configuration TOML (written to the data dir), or the embedded default.
fn start_with(extra_args: &[&str], config: Option<&str>) -> TestHost {
    let data = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = extra_args.iter().map(|s| s.to_string()).collect();
    if let Some(config) = config {
        let path = data.path().join("config.toml");
        std::fs::write(&path, config).unwrap();
        args.push("--config".into());
        args.push(path.to_str().unwrap().into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let host = common::start_host(data.path(), &args);
    TestHost {
        host,
        _data: data,
        agent: agent(),
        authorization: None,
    }
}

/// An HTTP status and the JSON body.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
}

impl TestHost {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.host.base_url.trim_end_matches('/'))
    }

    fn post_raw(&self, path: &str, body: &str) -> Answer {
        let mut request = self
            .agent
            .post(self.url(path))
            .header("content-type", "application/json");
        if let Some(a) = &self.authorization {
            request = request.header("authorization", a);
        }
        let mut response = request
            .send(body)
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("POST {path}: HTTP {status}, not JSON ({e}): {text}"));
        Answer { status, body }
    }

    fn post(&self, path: &str, body: Value) -> Answer {
        self.post_raw(path, &body.to_string())
    }

    /// A success: HTTP 200, the seed's shape, status "success", code 0.
    #[track_caller]
    fn ok(&self, path: &str, body: Value) -> Value {
        let answer = self.post(path, body);
        assert_eq!(answer.status, 200, "{path}: {answer:?}");
        seed_shape(&answer.body);
        assert_eq!(answer.body["status"], "success", "{path}: {answer:?}");
        assert_eq!(answer.body["code"], 0, "{path}: {answer:?}");
        answer.body
    }

    /// An error: this HTTP status, the seed's shape, status "error", this code, a Russian message.
    #[track_caller]
    fn fails(&self, path: &str, body: Value, code: u64, http: u16) -> Value {
        let answer = self.post(path, body);
        failed(&answer, code, http);
        answer.body
    }

    fn open_shift(&self) -> u64 {
        let reply = self.ok("/open_shift", json!({ "employeeName": CASHIER }));
        reply["shiftNumber"].as_u64().expect("shiftNumber")
    }

    fn last_document(&self) -> Value {
        self.ok("/last_document", json!({}))
    }
}

#[track_caller]
fn failed(answer: &Answer, code: u64, http: u16) {
    seed_shape(&answer.body);
    assert_eq!(
        answer.body["status"], "error",
        "expected code {code}: {answer:?}"
    );
    assert_eq!(
        answer.body["code"], code,
        "expected code {code}: {answer:?}"
    );
    assert_eq!(answer.status, http, "code {code}: {answer:?}");
    let message = answer.body["message"].as_str().unwrap();
    assert!(
        message
            .chars()
            .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)),
        "code {code}: the message is not Russian: {answer:?}"
    );
}

#[track_caller]
fn seed_shape(body: &Value) {
    for field in SEED_FIELDS {
        assert!(body.get(field).is_some(), "no «{field}» in {body}");
    }
    for field in common::seeds::SEED_001_TEXT_FIELDS {
        assert!(body[field].is_string(), "«{field}» is not a string: {body}");
    }
    for field in ["code", "printError", "documentID"] {
        assert!(body[field].is_i64(), "«{field}» is not an integer: {body}");
    }
}

#[track_caller]
fn non_empty(body: &Value, field: &str) -> String {
    let value = body[field].as_str().unwrap_or_default().to_owned();
    assert!(!value.is_empty(), "«{field}» is empty: {body}");
    value
}

/// Seed 001's example completed (tests/common/seeds.rs): milk 2 × 89.90 at 10%, coffee
/// 500.00 − 50.00 discount at 22%; 629.80 paid 129.80 in cash and 500.00 by card.
fn seed_sale(doc_time: &str, doc_number: &str) -> Value {
    common::seeds::seed_001_sale(Some(doc_time), doc_number)
}

/// A one-item sale of `amount` paid as `payments`.
fn small_sale(doc_number: &str, amount: i64, payments: Value) -> Value {
    json!({
        "docNumber": doc_number,
        "employeeName": CASHIER,
        "amount": amount,
        "currency": "RUB",
        "items": [{
            "itemId": "1",
            "itemName": "Хлеб бородинский",
            "itemQty": 1000,
            "itemAmount": amount,
            "discount": 0,
            "itemTaxes": [{ "taxName": "НДС 10%", "taxPrc": 1000, "calcType": 1 }]
        }],
        "payments": payments
    })
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

on_each_register! {
    /// The seed's sale fiscalized; repeated (same docTime+docNumber+amount) it is reprinted, not
    /// fiscalized again; reprinted by fiscalID; refunded; and the siblings around it.
    fn the_seed_sale_its_repeat_its_refund_and_the_siblings(register) {
        let host = start_on(register);
        let shift = host.open_shift();
        assert!(shift >= 1);
        let status = host.ok("/check_shift", json!({}));
        assert_eq!(status["shiftOpen"], true, "{status}");
        assert_eq!(status["shiftExpired"], false, "{status}");
        assert_eq!(status["shiftNumber"], shift, "{status}");
        // /devices shows the new shift at once, not at the register's next idle refresh.
        let kkt = register_view(&host);
        assert_eq!(kkt["shift"], "open", "{kkt}");
        assert_eq!(kkt["shift_number"], shift, "{kkt}");

        let sale = host.ok("/sale", seed_sale("2026-03-01 12:00:00", "А-000123"));
        let fiscal_id = non_empty(&sale, "fiscalID");
        let fiscal_num = non_empty(&sale, "fiscalNum");
        non_empty(&sale, "rrn");
        non_empty(&sale, "auth");
        non_empty(&sale, "cardNum");
        non_empty(&sale, "checkNum");
        assert!(sale["documentID"].as_i64().unwrap() > 0, "{sale}");
        assert_eq!(sale["printError"], 0, "{sale}");
        assert!(fiscal_num.parse::<u32>().is_ok(), "{sale}");

        let last = host.last_document();
        assert_eq!(last["fiscalID"], fiscal_id, "{last}");
        assert_eq!(last["fiscalNum"], fiscal_num, "{last}");
        assert_eq!(last["documentID"], sale["documentID"], "{last}");
        assert_eq!(last["amount"], 62980, "{last}");
        assert_eq!(last["rrn"], sale["rrn"], "{last}");
        let doc_time = last["docTime"].as_str().unwrap();
        assert_eq!(doc_time.len(), 19, "yyyy-MM-dd hh:mm:ss: {last}");
        assert_eq!(&doc_time[10..11], " ", "{last}");

        // The same docTime+docNumber+amount: a reprint, the same document, no new fiscal document.
        let again = host.ok("/sale", seed_sale("2026-03-01 12:00:00", "А-000123"));
        for field in [
            "fiscalID",
            "fiscalNum",
            "documentID",
            "checkNum",
            "rrn",
            "auth",
        ] {
            assert_eq!(again[field], sale[field], "{field}: {again} vs {sale}");
        }
        assert_eq!(host.last_document()["fiscalNum"], fiscal_num);

        // Another docTime is another document.
        let other = host.ok("/sale", seed_sale("2026-03-01 12:00:01", "А-000123"));
        assert_ne!(other["fiscalID"], sale["fiscalID"], "{other}");
        let other_num: u32 = non_empty(&other, "fiscalNum").parse().unwrap();
        assert!(other_num > fiscal_num.parse::<u32>().unwrap(), "{other}");
        assert_eq!(host.last_document()["fiscalID"], other["fiscalID"]);

        // fiscalID in /sale and /check_copy: a copy of that document, nothing fiscalized.
        let mut by_id = seed_sale("2026-03-02 09:00:00", "А-999");
        by_id["fiscalID"] = json!(fiscal_id);
        let copy = host.ok("/sale", by_id);
        assert_eq!(copy["fiscalID"], fiscal_id, "{copy}");
        assert_eq!(copy["fiscalNum"], fiscal_num, "{copy}");
        let copy = host.ok("/check_copy", json!({ "fiscalID": fiscal_id }));
        assert_eq!(copy["fiscalNum"], fiscal_num, "{copy}");
        assert_eq!(copy["documentID"], sale["documentID"], "{copy}");
        assert_eq!(host.last_document()["fiscalID"], other["fiscalID"]);

        // The whole first sale back: 129.80 in cash, 500.00 to the card, one return receipt.
        let refund = host.ok("/refund", json!({ "fiscalID": fiscal_id }));
        assert_eq!(refund["cashAmount"], 12980, "{refund}");
        assert_eq!(refund["cashlessAmount"], 50000, "{refund}");
        let return_id = non_empty(&refund, "fiscalID");
        assert_ne!(return_id, fiscal_id);
        non_empty(&refund, "rrn");
        let last = host.last_document();
        assert_eq!(last["fiscalID"], return_id, "{last}");
        assert_eq!(last["docType"], "return", "{last}");
        assert_eq!(last["amount"], 62980, "{last}");
        // Nothing is left of it to refund.
        host.fails("/refund", json!({ "fiscalID": fiscal_id }), 9, 404);

        // Part of the other sale, then the rest.
        let part = host.ok(
            "/refund",
            json!({ "fiscalID": other["fiscalID"], "amount": 30000 }),
        );
        assert_eq!(part["cashlessAmount"], 30000, "{part}");
        assert_eq!(part["cashAmount"], 0, "{part}");
        let rest = host.ok("/refund", json!({ "fiscalID": other["fiscalID"] }));
        assert_eq!(rest["cashlessAmount"], 20000, "{rest}");
        assert_eq!(rest["cashAmount"], 12980, "{rest}");

        host.ok("/x_report", json!({ "employeeName": CASHIER }));
        let deposit = host.ok(
            "/deposit",
            json!({ "employeeName": CASHIER, "amount": 100000 }),
        );
        assert_eq!(deposit["amount"], 100000, "{deposit}");
        host.ok(
            "/withdraw",
            json!({ "employeeName": CASHIER, "amount": 50000 }),
        );
        let closed = host.ok("/close_shift", json!({ "employeeName": CASHIER }));
        assert_eq!(closed["shiftNumber"], shift, "{closed}");
        let status = host.ok("/check_shift", json!({}));
        assert_eq!(status["shiftOpen"], false, "{status}");
        assert_eq!(register_view(&host)["shift"], "closed");
    }
}

/// The default register as `GET /devices` shows it.
fn register_view(host: &TestHost) -> Value {
    let devices = common::get_json(&host.url("/devices"));
    devices
        .as_array()
        .and_then(|d| d.iter().find(|d| d["id"] == "kkt"))
        .cloned()
        .unwrap_or_else(|| panic!("no kkt in {devices}"))
}

on_each_register! {
    /// Every error code of seed 001 (except 1, below) provoked by a real request.
    fn every_error_code(register) {
        let host = start_on(register);
        // 9 before anything was fiscalized: no last document.
        host.fails("/last_document", json!({}), 9, 404);
        // 6: a sale before the shift is open.
        host.fails("/sale", seed_sale("2026-03-01 10:00:00", "1"), 6, 409);
        host.open_shift();

        // 2: not JSON, and JSON that is not an object.
        failed(&host.post_raw("/sale", "{\"docNumber\": "), 2, 400);
        failed(&host.post_raw("/sale", "[1, 2]"), 2, 400);
        failed(&host.post_raw("/refund", "not json"), 2, 400);

        // 3: each required parameter missing, or of the wrong type.
        for field in ["docNumber", "employeeName", "amount", "items", "payments"] {
            let mut sale = seed_sale("2026-03-01 10:00:00", "2");
            sale.as_object_mut().unwrap().remove(field);
            let reply = host.fails("/sale", sale, 3, 400);
            assert!(
                reply["message"].as_str().unwrap().contains(field),
                "{field}: {reply}"
            );
        }
        let mut sale = seed_sale("2026-03-01 10:00:00", "2");
        sale["amount"] = json!("много");
        host.fails("/sale", sale, 3, 400);
        let mut sale = seed_sale("2026-03-01 10:00:00", "2");
        sale["items"][0].as_object_mut().unwrap().remove("itemQty");
        host.fails("/sale", sale, 3, 400);
        host.fails("/check_copy", json!({}), 3, 400);
        host.fails("/deposit", json!({ "amount": 100 }), 3, 400);

        // 4: the amount is not the sum of the items.
        let mut sale = seed_sale("2026-03-01 10:00:00", "3");
        sale["amount"] = json!(62981);
        sale["payments"]["cashAmount"] = json!(12981);
        host.fails("/sale", sale, 4, 400);

        // 5: the register refuses: a withdrawal of more cash than the drawer holds.
        host.fails(
            "/withdraw",
            json!({ "employeeName": CASHIER, "amount": 999_999_999 }),
            5,
            500,
        );
        // ...and a second open_shift (HTTP 409).
        host.fails("/open_shift", json!({ "employeeName": CASHIER }), 5, 409);

        // 7: bonuses and installments.
        for kind in ["bonusesAmount", "installmentAmount"] {
            let mut sale = seed_sale("2026-03-01 10:00:00", "4");
            sale["payments"]["cashAmount"] = json!(12880);
            sale["payments"][kind] = json!(100);
            host.fails("/sale", sale, 7, 400);
        }

        // 8: not fully paid; and a declined card (an amount ending in 13 kopecks: the emulator
        // declines it) leaves the document unpaid, HTTP 402.
        let mut sale = seed_sale("2026-03-01 10:00:00", "5");
        sale["payments"]["cashAmount"] = json!(12979);
        host.fails("/sale", sale, 8, 400);
        let declined = small_sale("6", 10013, json!({ "cashlessAmount": 10013 }));
        host.fails("/sale", declined, 8, 402);

        // 9: unknown fiscalID.
        let mut sale = seed_sale("2026-03-01 10:00:00", "7");
        sale["fiscalID"] = json!("0000000001");
        host.fails("/sale", sale, 9, 404);
        host.fails("/check_copy", json!({ "fiscalID": "0000000001" }), 9, 404);
        host.fails("/refund", json!({ "fiscalID": "0000000001" }), 9, 404);

        // None of the failures fiscalized anything.
        host.fails("/last_document", json!({}), 9, 404);
        // Cash over the amount is change: this sale goes through, all of it in cash.
        let sale = host.ok(
            "/sale",
            small_sale("8", 5000, json!({ "cashAmount": 10000 })),
        );
        assert_eq!(sale["rrn"], "", "{sale}");
        assert_eq!(host.last_document()["fiscalID"], sale["fiscalID"]);
    }
}

fn encode(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Code 1: credentials configured, the request without them or with wrong ones → HTTP 401.
#[test]
fn authorisation() {
    let hash = fiscal_host::faces::auth::hash_secret("секрет");
    let config = format!("[auth]\nusers = [{{ login = \"kassa\", password_hash = \"{hash}\" }}]\n");
    let mut host = start_with(&[], Some(&config));
    let answer = host.post("/check_shift", json!({}));
    failed(&answer, 1, 401);
    let answer = host.post("/sale", seed_sale("2026-03-01 10:00:00", "1"));
    failed(&answer, 1, 401);
    host.authorization = Some(format!("Basic {}", encode("kassa:неверный")));
    failed(
        &host.post("/open_shift", json!({ "employeeName": CASHIER })),
        1,
        401,
    );
    host.authorization = Some(format!("Basic {}", encode("kassa:секрет")));
    host.open_shift();
    host.ok("/check_shift", json!({}));
}

/// An oversized body is answered in the seed's shape (code 2, HTTP 413), not dropped.
#[test]
fn body_limit() {
    let host = start_with(&[], Some("max_body_bytes = 4000\n"));
    let mut sale = seed_sale("2026-03-01 10:00:00", "1");
    sale["printFooter"] = json!("x".repeat(5000));
    failed(&host.post("/sale", sale), 2, 413);
    // Under the limit the same host answers normally.
    failed(
        &host.post("/sale", seed_sale("2026-03-01 10:00:00", "1")),
        6,
        409,
    );
}

on_each_register! {
    /// The three faces share one journal: a sale made over the WebSocket is the REST face's last
    /// document and can be reprinted and refunded over REST; a REST sale follows it.
    fn the_faces_share_one_journal(register) {
        let host = start_on(register);
        let base = host.host.base_url.clone();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let ws_sign = runtime.block_on(async {
            let mut ws = WsClient::connect(&base).await;
            let reply = ws
                .request("open_shift", json!({ "cashier": CASHIER }))
                .await;
            assert_eq!(reply["data"]["error_code"], 0, "{reply}");
            let reply = ws
                .request(
                    "create_doc",
                    json!({ "cashier": CASHIER, "doc_type": 2, "wares": [
                        { "name": "Водка Айс 0,5л 40%", "barcode": "123123", "tax_number": 0,
                          "price": 123.45, "quantity": 2 }] }),
                )
                .await;
            assert_eq!(reply["data"]["error_code"], 0, "{reply}");
            let reply = ws.request("pay", json!({ "amount": 24690 })).await;
            assert_eq!(reply["data"]["error_code"], 0, "{reply}");
            let sign = reply["data"]["fiscal"]["fiscal_sign"]
                .as_str()
                .unwrap()
                .to_owned();
            ws.close().await;
            sign
        });
        let last = host.last_document();
        assert_eq!(last["fiscalID"], ws_sign, "{last}");
        assert_eq!(last["amount"], 24690, "{last}");
        non_empty(&last, "rrn");
        let copy = host.ok("/check_copy", json!({ "fiscalID": ws_sign }));
        assert_eq!(copy["fiscalNum"], last["fiscalNum"], "{copy}");

        let sale = host.ok(
            "/sale",
            small_sale("REST-1", 15000, json!({ "cashlessAmount": 15000 })),
        );
        let last = host.last_document();
        assert_eq!(last["fiscalID"], sale["fiscalID"], "{last}");
        assert_eq!(last["documentID"], sale["documentID"], "{last}");
        let copy = host.ok("/check_copy", json!({ "fiscalID": sale["fiscalID"] }));
        assert_eq!(copy["fiscalNum"], sale["fiscalNum"], "{copy}");
        // The WebSocket sale refunded over REST, to the card it was paid with.
        let refund = host.ok("/refund", json!({ "fiscalID": ws_sign }));
        assert_eq!(refund["cashlessAmount"], 24690, "{refund}");
        assert_eq!(refund["cashAmount"], 0, "{refund}");
    }
}

/// Amounts with no whole-kopeck unit price reach the register at their real quantities: the
/// face prices them by the one rule (the rounding joins the discount) and the register gets
/// the line as items whose price × quantity is exactly their amount (docs/rest.md).
#[test]
fn amounts_without_a_unit_price_reach_the_register_at_their_quantity() {
    let dir = tempfile::tempdir().unwrap();
    let shop = common::shop::shop(dir.path());
    let host = start_with(&["--config", &shop.config_arg()], None);
    host.open_shift();
    let item = |name: &str, qty: i64, amount: i64, discount: i64| {
        json!({ "itemName": name, "itemQty": qty, "itemAmount": amount, "discount": discount,
                "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] })
    };
    let sale = json!({
        "docNumber": "PRICE-1",
        "employeeName": CASHIER,
        "amount": 4950,
        "currency": "RUB",
        "items": [
            // 10.00 over 3 units: 3.34 × 3 with 0.02 off; on the register 2 × 3.33 + 1 × 3.34.
            item("Сок", 3000, 1000, 0),
            // 3 × 10.00 with 1.00 off: 29.00 has no unit price; 2 × 9.66 + 1 × 9.68.
            item("Чай", 3000, 2900, 100),
            // 0.250 kg for 10.50: 42.00 a kilogram, one item.
            item("Сыр", 250, 1050, 0),
        ],
        "payments": { "cashAmount": 5000 }
    });
    let reply = host.ok("/sale", sale);
    assert_eq!(reply["changeAmount"], 50, "{reply}");
    let (items, total, taxes) = shop.register.with_device(|d| {
        let r = d
            .receipts()
            .last()
            .expect("a receipt on the register")
            .clone();
        (r.items, r.total, r.taxes)
    });
    let seen: Vec<(&str, u64, u64, u64)> = items
        .iter()
        .map(|i| (i.name.as_str(), i.price, i.quantity, i.amount))
        .collect();
    assert_eq!(
        seen,
        [
            ("Сок", 333, 2_000_000, 666),
            ("Сок", 334, 1_000_000, 334),
            ("Чай", 966, 2_000_000, 1_932),
            ("Чай", 968, 1_000_000, 968),
            ("Сыр", 4_200, 250_000, 1_050),
        ]
    );
    for i in &items {
        let extended = (u128::from(i.price) * u128::from(i.quantity) + 500_000) / 1_000_000;
        assert_eq!(extended, u128::from(i.amount), "{i:?}");
    }
    assert_eq!(total, 4950);
    // 22/122 of each line (180 + 523 + 189), split between a line's items without a kopeck lost.
    let item_taxes: u64 = items.iter().filter_map(|i| i.tax).sum();
    assert_eq!((item_taxes, taxes[0]), (892, 892), "{items:?}");
}

/// `GET /openapi.json` describes exactly the routes the face serves, and each described route
/// exists on the running host (answers in the seed's shape, not the router's 404).
#[test]
fn openapi_matches_the_routes() {
    let host = start();
    let mut response = host
        .agent
        .get(host.url("/openapi.json"))
        .call()
        .expect("GET /openapi.json");
    assert_eq!(response.status().as_u16(), 200);
    let spec: Value = response
        .body_mut()
        .read_json()
        .expect("openapi.json is JSON");
    assert!(
        spec["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.0")),
        "not OpenAPI 3.0: {}",
        spec["openapi"]
    );
    let paths = spec["paths"].as_object().expect("paths");
    let documented: BTreeSet<&str> = paths.keys().map(String::as_str).collect();
    let served: BTreeSet<&str> = FACE_ROUTES.iter().chain(PLAIN_ROUTES).copied().collect();
    assert_eq!(
        documented, served,
        "openapi.json paths vs the face's routes"
    );
    // The routes outside seed 001 answer plain JSON: each is there (not the router's 404).
    for path in PLAIN_ROUTES {
        let item = &paths[*path];
        let (method, answer) = if item["get"].is_object() {
            ("get", host.agent.get(host.url(path)).call())
        } else {
            ("post", host.agent.post(host.url(path)).send_json(json!({})))
        };
        assert!(
            item[method]["responses"]["200"].is_object(),
            "{path}: no 200 response"
        );
        let status = match answer {
            Ok(r) => r.status().as_u16(),
            Err(ureq::Error::StatusCode(code)) => code,
            Err(e) => panic!("{path}: {e}"),
        };
        assert_ne!(status, 404, "{path} is documented but not served");
    }
    for (path, item) in paths
        .iter()
        .filter(|(p, _)| FACE_ROUTES.contains(&p.as_str()))
    {
        let post = &item["post"];
        assert!(post.is_object(), "{path}: no post operation");
        assert!(post["requestBody"].is_object(), "{path}: no requestBody");
        for code in ["200", "400", "401", "500"] {
            assert!(
                post["responses"][code].is_object(),
                "{path}: no {code} response"
            );
        }
        // The route exists: an empty object gets a seed-shaped reply, not the router's 404.
        let answer = host.post(path, json!({}));
        seed_shape(&answer.body);
        assert!(answer.body["status"].is_string(), "{path}: {answer:?}");
        assert!(answer.body["code"].is_u64(), "{path}: {answer:?}");
    }
    // A route that is not there is the router's 404, not the face's reply.
    let answer = host.post("/no_such_route", json!({}));
    assert_eq!(answer.status, 404);
    assert!(answer.body.get("code").is_none(), "{answer:?}");
}
