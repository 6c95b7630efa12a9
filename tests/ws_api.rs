//! The WebSocket face end to end (seed 000, `docs/websocket.md`): the real `fiscal-host` binary
//! with the embedded default (an emulated register `kkt`, an ESC/POS printer and a ZVT
//! terminal, in-process), each test on its own data dir, so its own journal. Every reply is
//! checked field by field against the documented shapes and error codes. The tests of a
//! sale run once on a Shtrih-M lane and once on a Pirit lane (`on_each_register!`): one body,
//! the same replies from either register.

mod common;

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use common::ws::{WsClient, ws_url};

const CASHIER: &str = "Сидр Петров";
/// Seed 000's example, 123.45 × 2, in kopecks (the seed's own reply says 2469: a known defect).
const SEED_AMOUNT: u64 = 24690;

// The beginnings of the documented error texts (docs/websocket.md).
const NOT_JSON: &str = "Некорректный JSON";
const UNKNOWN_EVENT: &str = "Неизвестное событие";
const BAD_FIELD: &str = "Не передано или неверного типа поле";
const BAD_VALUE: &str = "Недопустимое значение";
const NO_DOCUMENT: &str = "Нет открытого документа";
const AMOUNT_MISMATCH: &str = "Сумма не совпадает с суммой документа";
const SHIFT_NOT_OPEN: &str = "Смена не открыта";
const SHIFT_ALREADY_OPEN: &str = "Смена уже открыта";
const PAYMENT_NOT_FOUND: &str = "Платёж не найден";

// ---------------------------------------------------------------------------------------------
// The host and the requests
// ---------------------------------------------------------------------------------------------

/// A running host on its own temporary data dir; the host is killed before the dir is removed.
struct TestHost {
    host: common::RunningHost,
    _data: tempfile::TempDir,
}

impl TestHost {
    fn url(&self) -> &str {
        &self.host.base_url
    }
}

async fn start() -> TestHost {
    start_on("shtrih-m").await
}

/// A host on the embedded default whose lane has this register model.
async fn start_on(register: &'static str) -> TestHost {
    tokio::task::spawn_blocking(move || {
        let data = tempfile::tempdir().unwrap();
        let args = common::register_config(data.path(), register);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let host = common::start_host(data.path(), &args);
        TestHost { host, _data: data }
    })
    .await
    .unwrap()
}

async fn start_in(data_dir: &Path, register: &'static str) -> common::RunningHost {
    let dir = data_dir.to_owned();
    tokio::task::spawn_blocking(move || {
        let args = common::register_config(&dir, register);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        common::start_host(&dir, &args)
    })
    .await
    .unwrap()
}

/// The seed's example ware: "Водка Айс 0,5л 40%", 123.45 × 2.
fn seed_ware() -> Value {
    ware(json!(123.45), json!(2))
}

fn ware(price: Value, quantity: Value) -> Value {
    json!({
        "name": "Водка Айс 0,5л 40%",
        "barcode": "123123",
        "tax_number": 0,
        "price": price,
        "quantity": quantity,
    })
}

fn doc(doc_type: u64, wares: Value) -> Value {
    json!({ "cashier": CASHIER, "doc_type": doc_type, "wares": wares })
}

/// Seed 000's create_doc example, exactly.
fn seed_doc() -> Value {
    doc(2, json!([seed_ware()]))
}

// ---------------------------------------------------------------------------------------------
// Reply checks
// ---------------------------------------------------------------------------------------------

fn has_cyrillic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

/// A success reply to `event` (`on<event>`, `error: false`, `error_code: 0`, `text: "Успешно"`);
/// returns its data.
#[track_caller]
fn ok<'a>(reply: &'a Value, event: &str) -> &'a Value {
    assert_eq!(reply["event"], format!("on{event}"), "{reply}");
    let data = &reply["data"];
    assert_eq!(data["error"], false, "{event}: {reply}");
    assert_eq!(data["error_code"], 0, "{event}: {reply}");
    assert_eq!(data["text"], "Успешно", "{event}: {reply}");
    data
}

/// A success reply to `cancel_payment` / `cancel_payment_by_link`: `response_code: 0`.
#[track_caller]
fn cancel_ok(reply: &Value, event: &str) {
    assert_eq!(reply["event"], format!("on{event}"), "{reply}");
    let data = &reply["data"];
    assert_eq!(data["error"], false, "{event}: {reply}");
    assert_eq!(data["response_code"], 0, "{event}: {reply}");
    assert_eq!(data["text"], "Успешно", "{event}: {reply}");
}

/// An error reply: this event name, `error: true`, this `error_code`, a Russian text beginning
/// with the documented words.
#[track_caller]
fn failed(reply: &Value, reply_event: &str, code: u64, text_begins: &str) {
    assert_eq!(reply["event"], reply_event, "{reply}");
    let data = &reply["data"];
    assert_eq!(data["error"], true, "expected error {code}: {reply}");
    assert_eq!(data["error_code"], code, "expected error {code}: {reply}");
    let text = data["text"]
        .as_str()
        .unwrap_or_else(|| panic!("error {code} without a text: {reply}"));
    assert!(
        !text.is_empty() && has_cyrillic(text),
        "error {code}: the text is not Russian: {reply}"
    );
    assert!(
        text.starts_with(text_begins),
        "error {code}: the text should begin with «{text_begins}»: {reply}"
    );
}

/// An error reply to a `cancel_*` event: also `response_code: N`.
#[track_caller]
fn cancel_failed(reply: &Value, event: &str, code: u64, text_begins: &str) {
    failed(reply, &format!("on{event}"), code, text_begins);
    assert_eq!(reply["data"]["response_code"], code, "{reply}");
}

// ---------------------------------------------------------------------------------------------
// Steps of a session
// ---------------------------------------------------------------------------------------------

/// Opens the shift; returns its number.
async fn open_shift(client: &mut WsClient) -> u64 {
    let reply = client
        .request("open_shift", json!({ "cashier": CASHIER }))
        .await;
    ok(&reply, "open_shift")["shift_number"]
        .as_u64()
        .unwrap_or_else(|| panic!("open_shift without a numeric shift_number: {reply}"))
}

/// Creates the seed's document (24690 kopecks).
async fn create_seed_doc(client: &mut WsClient) {
    let reply = client.request("create_doc", seed_doc()).await;
    let data = ok(&reply, "create_doc");
    assert_eq!(data["amount"], SEED_AMOUNT, "{reply}");
    assert_eq!(data["cashier"], CASHIER, "{reply}");
}

struct Paid {
    rrn: String,
    auth_id: u64,
    reply: Value,
}

/// Pays the open document; checks the success shape, returns rrn and auth_id.
#[track_caller]
fn paid(reply: Value) -> Paid {
    let data = ok(&reply, "pay");
    let rrn = data["rrn"]
        .as_str()
        .unwrap_or_else(|| panic!("pay without a string rrn: {reply}"))
        .to_owned();
    assert!(!rrn.is_empty(), "empty rrn: {reply}");
    let auth_id = data["auth_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("pay without a numeric auth_id: {reply}"));
    Paid {
        rrn,
        auth_id,
        reply,
    }
}

async fn pay(client: &mut WsClient, amount: u64) -> Paid {
    paid(client.request("pay", json!({ "amount": amount })).await)
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

on_each_register! {
    /// Seed 000's session, message by message: open the shift, the example document, its payment,
    /// close the shift.
    async fn the_seed_session(register) {
        let host = start_on(register).await;
        let mut kkt = WsClient::connect(host.url()).await;

        let shift = open_shift(&mut kkt).await;

        let reply = kkt.request("create_doc", seed_doc()).await;
        let data = ok(&reply, "create_doc");
        assert_eq!(
            data["amount"], SEED_AMOUNT,
            "123.45 × 2 in kopecks: {reply}"
        );
        assert_eq!(data["cashier"], CASHIER, "{reply}");

        let payment = pay(&mut kkt, SEED_AMOUNT).await;
        let fiscal = &payment.reply["data"]["fiscal"];
        assert!(fiscal.is_object(), "pay without fiscal: {}", payment.reply);
        assert!(!fiscal["fiscal_sign"].is_null(), "{}", payment.reply);
        assert!(!fiscal["document_number"].is_null(), "{}", payment.reply);
        assert_eq!(fiscal["shift_number"], shift, "{}", payment.reply);

        let reply = kkt
            .request("close_shift", json!({ "cashier": CASHIER }))
            .await;
        let data = ok(&reply, "close_shift");
        assert_eq!(data["shift_number"], shift, "{reply}");

        // The shift is really closed.
        let reply = kkt.request("create_doc", seed_doc()).await;
        failed(&reply, "oncreate_doc", 7, SHIFT_NOT_OPEN);
    }
}

on_each_register! {
    /// A paid document's payment is cancelled by its auth_id, once: an unknown auth_id and a second
    /// cancellation are «Платёж не найден» (13), with `response_code` 13.
    async fn cancel_payment_by_auth_id_once(register) {
        let host = start_on(register).await;
        let mut kkt = WsClient::connect(host.url()).await;
        open_shift(&mut kkt).await;
        create_seed_doc(&mut kkt).await;
        let payment = pay(&mut kkt, SEED_AMOUNT).await;

        let unknown = payment.auth_id + 1000;
        let reply = kkt
            .request("cancel_payment", json!({ "auth_id": unknown }))
            .await;
        cancel_failed(&reply, "cancel_payment", 13, PAYMENT_NOT_FOUND);

        let reply = kkt
            .request("cancel_payment", json!({ "auth_id": payment.auth_id }))
            .await;
        cancel_ok(&reply, "cancel_payment");

        let reply = kkt
            .request("cancel_payment", json!({ "auth_id": payment.auth_id }))
            .await;
        cancel_failed(&reply, "cancel_payment", 13, PAYMENT_NOT_FOUND);

        // Nor can it be refunded a second time by its link.
        let reply = kkt
            .request(
                "cancel_payment_by_link",
                json!({ "rrn": payment.rrn, "amount": SEED_AMOUNT }),
            )
            .await;
        cancel_failed(&reply, "cancel_payment_by_link", 13, PAYMENT_NOT_FOUND);
    }
}

on_each_register! {
    /// A payment is cancelled by its rrn and amount, once; an unknown rrn or an amount above the
    /// payment's is «Платёж не найден» (13).
    async fn cancel_payment_by_link_once(register) {
        let host = start_on(register).await;
        let mut kkt = WsClient::connect(host.url()).await;
        open_shift(&mut kkt).await;
        create_seed_doc(&mut kkt).await;
        let payment = pay(&mut kkt, SEED_AMOUNT).await;

        let reply = kkt
            .request(
                "cancel_payment_by_link",
                json!({ "rrn": "LINK_000000000000", "amount": SEED_AMOUNT }),
            )
            .await;
        cancel_failed(&reply, "cancel_payment_by_link", 13, PAYMENT_NOT_FOUND);

        let reply = kkt
            .request(
                "cancel_payment_by_link",
                json!({ "rrn": payment.rrn, "amount": SEED_AMOUNT + 1 }),
            )
            .await;
        cancel_failed(&reply, "cancel_payment_by_link", 13, PAYMENT_NOT_FOUND);

        let reply = kkt
            .request(
                "cancel_payment_by_link",
                json!({ "rrn": payment.rrn, "amount": SEED_AMOUNT }),
            )
            .await;
        cancel_ok(&reply, "cancel_payment_by_link");

        let reply = kkt
            .request(
                "cancel_payment_by_link",
                json!({ "rrn": payment.rrn, "amount": SEED_AMOUNT }),
            )
            .await;
        cancel_failed(&reply, "cancel_payment_by_link", 13, PAYMENT_NOT_FOUND);

        let reply = kkt
            .request("cancel_payment", json!({ "auth_id": payment.auth_id }))
            .await;
        cancel_failed(&reply, "cancel_payment", 13, PAYMENT_NOT_FOUND);
    }
}

/// Every kind of bad input on one connection, which answers each with its documented code and
/// stays open and working.
#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_answered_and_the_connection_keeps_working() {
    let host = start().await;
    let mut kkt = WsClient::connect(host.url()).await;

    // Not JSON, or no event: there is no event to name, so the reply is `onerror`.
    let reply = kkt.request_raw("hello").await;
    failed(&reply, "onerror", 1, NOT_JSON);
    let reply = kkt.request_raw(r#"{"event": "open_shift", "data": "#).await;
    failed(&reply, "onerror", 1, NOT_JSON);
    let reply = kkt
        .request_raw(r#"{"data": {"cashier": "Сидр Петров"}}"#)
        .await;
    failed(&reply, "onerror", 3, BAD_FIELD);

    let reply = kkt.request_raw(r#"{"event": "fly", "data": {}}"#).await;
    failed(&reply, "onfly", 2, UNKNOWN_EVENT);

    // open_shift without a cashier, with a number, with an empty one.
    let reply = kkt.request("open_shift", json!({})).await;
    failed(&reply, "onopen_shift", 3, BAD_FIELD);
    let reply = kkt.request("open_shift", json!({ "cashier": 5 })).await;
    failed(&reply, "onopen_shift", 3, BAD_FIELD);
    let reply = kkt.request("open_shift", json!({ "cashier": "" })).await;
    failed(&reply, "onopen_shift", 4, BAD_VALUE);

    // The shift is closed.
    let reply = kkt.request("create_doc", seed_doc()).await;
    failed(&reply, "oncreate_doc", 7, SHIFT_NOT_OPEN);
    let reply = kkt
        .request("close_shift", json!({ "cashier": CASHIER }))
        .await;
    failed(&reply, "onclose_shift", 7, SHIFT_NOT_OPEN);
    // (pay while the shift is closed: its own test below, so that it masks nothing here)

    open_shift(&mut kkt).await;
    let reply = kkt
        .request("open_shift", json!({ "cashier": CASHIER }))
        .await;
    failed(&reply, "onopen_shift", 8, SHIFT_ALREADY_OPEN);

    // No document yet.
    let reply = kkt.request("pay", json!({ "amount": SEED_AMOUNT })).await;
    failed(&reply, "onpay", 5, NO_DOCUMENT);

    // create_doc: a field missing or of the wrong type (3), a value out of bounds (4).
    let cases: Vec<(&str, Value, u64)> = vec![
        ("no wares", json!({ "cashier": CASHIER, "doc_type": 2 }), 3),
        (
            "no doc_type",
            json!({ "cashier": CASHIER, "wares": [seed_ware()] }),
            3,
        ),
        (
            "price as a string",
            doc(2, json!([ware(json!("123.45"), json!(2))])),
            3,
        ),
        (
            "no price",
            doc(
                2,
                json!([{ "name": "Водка Айс 0,5л 40%", "barcode": "123123", "tax_number": 0, "quantity": 2 }]),
            ),
            3,
        ),
        (
            "quantity as a string",
            doc(2, json!([ware(json!(123.45), json!("2"))])),
            3,
        ),
        ("empty wares", doc(2, json!([])), 4),
        (
            "price with three decimals",
            doc(2, json!([ware(json!(1.005), json!(2))])),
            4,
        ),
        (
            "negative quantity",
            doc(2, json!([ware(json!(123.45), json!(-1))])),
            4,
        ),
        (
            "zero quantity",
            doc(2, json!([ware(json!(123.45), json!(0))])),
            4,
        ),
        (
            "quantity with four decimals",
            doc(2, json!([ware(json!(123.45), json!(1.0005))])),
            4,
        ),
        ("doc_type 7", doc(7, json!([seed_ware()])), 4),
        (
            "empty cashier",
            json!({ "cashier": "", "doc_type": 2, "wares": [seed_ware()] }),
            4,
        ),
    ];
    for (case, data, code) in cases {
        let reply = kkt.request("create_doc", data).await;
        let begins = if code == 3 { BAD_FIELD } else { BAD_VALUE };
        assert_eq!(
            reply["data"]["error_code"], code,
            "create_doc, {case}: {reply}"
        );
        failed(&reply, "oncreate_doc", code, begins);
    }

    // None of the refused documents was opened.
    let reply = kkt.request("pay", json!({ "amount": SEED_AMOUNT })).await;
    failed(&reply, "onpay", 5, NO_DOCUMENT);

    create_seed_doc(&mut kkt).await;
    let reply = kkt.request("pay", json!({ "amount": "24690" })).await;
    failed(&reply, "onpay", 3, BAD_FIELD);
    let reply = kkt.request("pay", json!({})).await;
    failed(&reply, "onpay", 3, BAD_FIELD);
    let reply = kkt.request("pay", json!({ "amount": 24000 })).await;
    failed(&reply, "onpay", 6, AMOUNT_MISMATCH);
    // The document is still open, and its own amount pays it.
    let payment = pay(&mut kkt, SEED_AMOUNT).await;
    // Paid: the document is no longer open.
    let reply = kkt.request("pay", json!({ "amount": SEED_AMOUNT })).await;
    failed(&reply, "onpay", 5, NO_DOCUMENT);

    // cancel_*: missing or mistyped fields, with response_code beside error_code.
    let reply = kkt.request("cancel_payment", json!({})).await;
    cancel_failed(&reply, "cancel_payment", 3, BAD_FIELD);
    let reply = kkt
        .request(
            "cancel_payment",
            json!({ "auth_id": payment.auth_id.to_string() }),
        )
        .await;
    cancel_failed(&reply, "cancel_payment", 3, BAD_FIELD);
    let reply = kkt
        .request("cancel_payment_by_link", json!({ "rrn": payment.rrn }))
        .await;
    cancel_failed(&reply, "cancel_payment_by_link", 3, BAD_FIELD);

    // After all of it, the connection still works.
    create_seed_doc(&mut kkt).await;
    pay(&mut kkt, SEED_AMOUNT).await;
}

on_each_register! {
    /// `pay` while the shift is closed is «Смена не открыта» (7), before and after a shift; the
    /// connection then works.
    async fn pay_while_the_shift_is_closed_is_error_7(register) {
        let host = start_on(register).await;
        let mut kkt = WsClient::connect(host.url()).await;
        let reply = kkt.request("pay", json!({ "amount": SEED_AMOUNT })).await;
        failed(&reply, "onpay", 7, SHIFT_NOT_OPEN);

        open_shift(&mut kkt).await;
        create_seed_doc(&mut kkt).await;
        pay(&mut kkt, SEED_AMOUNT).await;
        let reply = kkt
            .request("close_shift", json!({ "cashier": CASHIER }))
            .await;
        ok(&reply, "close_shift");
        let reply = kkt.request("pay", json!({ "amount": SEED_AMOUNT })).await;
        failed(&reply, "onpay", 7, SHIFT_NOT_OPEN);
    }
}

on_each_register! {
    /// A return (doc_type 3) after a sale, on `?device=kkt`: the same amount, paid as its own
    /// operation.
    async fn a_return_after_a_sale(register) {
        let host = start_on(register).await;
        let mut kkt = WsClient::connect_device(host.url(), "kkt").await;
        open_shift(&mut kkt).await;
        create_seed_doc(&mut kkt).await;
        let sale = pay(&mut kkt, SEED_AMOUNT).await;

        let reply = kkt
            .request("create_doc", doc(3, json!([seed_ware()])))
            .await;
        let data = ok(&reply, "create_doc");
        assert_eq!(data["amount"], SEED_AMOUNT, "{reply}");
        assert_eq!(data["cashier"], CASHIER, "{reply}");

        let ret = pay(&mut kkt, SEED_AMOUNT).await;
        assert_ne!(ret.auth_id, sale.auth_id, "{}", ret.reply);
    }
}

on_each_register! {
    /// Two clients on one host: the shift is the register's (one opens it, the other finds it
    /// open); their documents and payments run concurrently, and each reply comes back on its own
    /// connection only.
    async fn two_clients_in_parallel(register) {
        let host = start_on(register).await;
        let mut a = WsClient::connect(host.url()).await;
        let mut b = WsClient::connect(host.url()).await;
        const OTHER: &str = "Иван Иванов";

        open_shift(&mut a).await;
        let reply = b.request("open_shift", json!({ "cashier": OTHER })).await;
        failed(&reply, "onopen_shift", 8, SHIFT_ALREADY_OPEN);

        let doc_b = json!({
            "cashier": OTHER,
            "doc_type": 2,
            "wares": [ware(json!(123.45), json!(1))],
        });
        // Both requests are in flight before either reply is read.
        a.send("create_doc", seed_doc()).await;
        b.send("create_doc", doc_b).await;
        let (ra, rb) = tokio::join!(a.recv(), b.recv());
        let data = ok(&ra, "create_doc");
        assert_eq!(data["amount"], SEED_AMOUNT, "{ra}");
        assert_eq!(data["cashier"], CASHIER, "{ra}");
        let data = ok(&rb, "create_doc");
        assert_eq!(data["amount"], 12345, "{rb}");
        assert_eq!(data["cashier"], OTHER, "{rb}");

        a.send("pay", json!({ "amount": SEED_AMOUNT })).await;
        b.send("pay", json!({ "amount": 12345 })).await;
        let (ra, rb) = tokio::join!(a.recv(), b.recv());
        let (pa, pb) = (paid(ra), paid(rb));
        assert_ne!(pa.auth_id, pb.auth_id, "{} / {}", pa.reply, pb.reply);
        assert_ne!(pa.rrn, pb.rrn, "{} / {}", pa.reply, pb.reply);

        // Nothing else arrives on either connection (no broadcast, no duplicate).
        tokio::join!(
            a.expect_silence(Duration::from_millis(500)),
            b.expect_silence(Duration::from_millis(500))
        );

        // Each payment is cancellable by its own auth_id.
        let reply = b
            .request("cancel_payment", json!({ "auth_id": pb.auth_id }))
            .await;
        cancel_ok(&reply, "cancel_payment");
    }
}

on_each_register! {
    /// A repeated request_id is answered with the first reply and does not run again: a repeated
    /// create_doc opens no second document, a repeated pay charges nothing twice.
    async fn a_repeated_request_id_is_answered_from_the_journal(register) {
        let host = start_on(register).await;
        let mut kkt = WsClient::connect(host.url()).await;
        open_shift(&mut kkt).await;

        let first = kkt.request_with_id("c-1", "create_doc", seed_doc()).await;
        let data = ok(&first, "create_doc");
        assert_eq!(data["amount"], SEED_AMOUNT, "{first}");
        let again = kkt.request_with_id("c-1", "create_doc", seed_doc()).await;
        assert_eq!(again["event"], first["event"], "{again}");
        assert_eq!(again["data"], first["data"], "{again}");

        let paid_once = kkt
            .request_with_id("r-1", "pay", json!({ "amount": SEED_AMOUNT }))
            .await;
        let payment = paid(paid_once.clone());
        let again = kkt
            .request_with_id("r-1", "pay", json!({ "amount": SEED_AMOUNT }))
            .await;
        assert_eq!(again["event"], "onpay", "{again}");
        assert_eq!(
            again["data"], paid_once["data"],
            "same rrn and auth_id: {again}"
        );

        // One document was opened and it is paid: a fresh pay finds nothing to pay.
        let reply = kkt.request("pay", json!({ "amount": SEED_AMOUNT })).await;
        failed(&reply, "onpay", 5, NO_DOCUMENT);

        // Repeating the create_doc after the payment still opens nothing.
        let again = kkt.request_with_id("c-1", "create_doc", seed_doc()).await;
        assert_eq!(again["data"], first["data"], "{again}");
        let reply = kkt.request("pay", json!({ "amount": SEED_AMOUNT })).await;
        failed(&reply, "onpay", 5, NO_DOCUMENT);

        // The journal is the host's, not the connection's: another client gets the same answer.
        let mut other = WsClient::connect(host.url()).await;
        let again = other
            .request_with_id("r-1", "pay", json!({ "amount": SEED_AMOUNT }))
            .await;
        assert_eq!(again["data"], paid_once["data"], "{again}");

        // The single payment is cancelled once.
        let reply = kkt
            .request("cancel_payment", json!({ "auth_id": payment.auth_id }))
            .await;
        cancel_ok(&reply, "cancel_payment");
    }
}

/// A request_id names one request: reused for another event, it must not answer with the other
/// event's stored reply (every reply is `on<event>` of its own request).
#[tokio::test(flavor = "multi_thread")]
async fn a_request_id_reused_for_another_event_is_not_answered_with_its_reply() {
    let host = start().await;
    let mut kkt = WsClient::connect(host.url()).await;
    let reply = kkt
        .request_with_id("x-1", "open_shift", json!({ "cashier": CASHIER }))
        .await;
    ok(&reply, "open_shift");

    let reply = kkt.request_with_id("x-1", "create_doc", seed_doc()).await;
    assert_eq!(reply["event"], "oncreate_doc", "{reply}");
    let data = &reply["data"];
    if data["error"] == false {
        assert_eq!(data["amount"], SEED_AMOUNT, "{reply}");
    } else {
        assert_eq!(data["error"], true, "{reply}");
        let text = data["text"].as_str().unwrap_or_default();
        assert!(has_cyrillic(text), "{reply}");
    }
}

on_each_register! {
    /// The journal answers a repeated request_id after a restart of the host (killed, not stopped).
    async fn a_repeated_request_id_is_answered_after_a_restart(register) {
        let data_dir = tempfile::tempdir().unwrap();
        let first = {
            let host = start_in(data_dir.path(), register).await;
            let mut kkt = WsClient::connect(&host.base_url).await;
            open_shift(&mut kkt).await;
            create_seed_doc(&mut kkt).await;
            let reply = kkt
                .request_with_id("restart-1", "pay", json!({ "amount": SEED_AMOUNT }))
                .await;
            paid(reply.clone());
            reply
        };
        let host = start_in(data_dir.path(), register).await;
        let mut kkt = WsClient::connect(&host.base_url).await;
        let again = kkt
            .request_with_id("restart-1", "pay", json!({ "amount": SEED_AMOUNT }))
            .await;
        assert_eq!(again["event"], "onpay", "{again}");
        assert_eq!(again["data"], first["data"], "{again}");
    }
}

/// `?device=` names a register that does not exist: the handshake is refused with an HTTP error.
#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_device_is_refused_at_the_handshake() {
    let host = start().await;
    match WsClient::try_connect(&ws_url(host.url(), Some("nope"))).await {
        Ok(mut client) => {
            client
                .send("open_shift", json!({ "cashier": CASHIER }))
                .await;
            panic!(
                "?device=nope was accepted; first reply: {}",
                client.recv().await
            );
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert!(
                response.status().is_client_error(),
                "expected an HTTP 4xx (404) refusal, got {}",
                response.status()
            );
        }
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
    }
    // The known register is accepted on the same host.
    let mut kkt = WsClient::connect_device(host.url(), "kkt").await;
    open_shift(&mut kkt).await;
}

on_each_register! {
    /// `force_close_shift` as the seed sends it (no `data` at all) closes the shift; the next one
    /// gets a later number.
    async fn force_close_shift_without_data(register) {
        let host = start_on(register).await;
        let mut kkt = WsClient::connect(host.url()).await;
        let first = open_shift(&mut kkt).await;

        let reply = kkt.request_raw(r#"{"event": "force_close_shift"}"#).await;
        ok(&reply, "force_close_shift");

        let reply = kkt.request("create_doc", seed_doc()).await;
        failed(&reply, "oncreate_doc", 7, SHIFT_NOT_OPEN);

        let second = open_shift(&mut kkt).await;
        assert!(second > first, "shift {second} after shift {first}");
    }
}

on_each_register! {
    /// Prices in rubles become exact kopecks (no binary-float truncation: 4.35, 1.15 and 0.99 are
    /// not exact doubles), and each line is rounded half-up (README, Taxes).
    async fn decimal_prices_become_exact_kopecks(register) {
        let host = start_on(register).await;
        let mut kkt = WsClient::connect(host.url()).await;
        open_shift(&mut kkt).await;

        let wares = json!([
            ware(json!(4.35), json!(1)),   // 435
            ware(json!(0.99), json!(1.5)), // 148.5 → 149
            ware(json!(1.15), json!(3)),   // 345
            ware(json!(0.07), json!(0.5)), // 3.5 → 4
            ware(json!(10), json!(0.333)), // 333
        ]);
        let reply = kkt.request("create_doc", doc(2, wares)).await;
        let data = ok(&reply, "create_doc");
        assert_eq!(data["amount"], 435 + 149 + 345 + 4 + 333, "{reply}");

        pay(&mut kkt, 1266).await;
    }
}

/// With credentials configured, the upgrade needs a token: `?token=` or `Authorization`.
#[tokio::test(flavor = "multi_thread")]
async fn the_upgrade_needs_a_token_when_credentials_are_configured() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("host.toml");
    std::fs::write(
        &config,
        format!(
            "[auth]\ntoken_hashes = [{:?}]\n",
            fiscal_host::faces::auth::hash_secret("s3cret-token")
        ),
    )
    .unwrap();
    let dir = data.path().to_owned();
    let config_arg = config.to_str().unwrap().to_owned();
    let host =
        tokio::task::spawn_blocking(move || common::start_host(&dir, &["--config", &config_arg]))
            .await
            .unwrap();
    let url = common::ws::ws_url(&host.base_url, None);
    match WsClient::try_connect(&url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        Err(e) => panic!("expected HTTP 401, got {e}"),
        Ok(_) => panic!("the upgrade without a token was accepted"),
    }
    match WsClient::try_connect(&format!("{url}?token=wrong")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("a wrong token: {:?}", other.err()),
    }
    let mut client = WsClient::connect_url(&format!("{url}?token=s3cret-token")).await;
    let reply = client
        .request("open_shift", json!({ "cashier": CASHIER }))
        .await;
    ok(&reply, "open_shift");
}
