//! The JSON-RPC face end to end (seed 002, `docs/rpc.md`): the real `fiscal-host` binary with
//! the embedded default's two lanes (a Russian one: register `kkt`, printer `printer`, a ZVT
//! terminal; an Uzbek one: register `kkt-uz`, printer `printer-uz`, all emulated in-process),
//! each test on its own data dir. The face sells on the Uzbek lane (the seed's positions carry
//! Uzbekistan's 15%); its register, a Shtrih-M registered in Russia, cannot fiscalize there, so
//! the fiscal methods are tried on the Russian lane (`?device=kkt`), once with a Shtrih-M and
//! once with a Pirit register (`on_each_register!`). Replies are checked member by member and
//! error codes exactly.

mod common;

use std::collections::HashSet;

use serde_json::{Value, json};

use common::seeds::SEED_002_REQUEST as SEED_REQUEST;

/// The seed's `auth`: Base64 of "kassa:kas123456".
const SEED_AUTH: &str = "a2Fzc2E6a2FzMTIzNDU2";
const NON_FISCAL_MARK: &str = "НЕ ЯВЛЯЕТСЯ ФИСКАЛЬНЫМ ДОКУМЕНТОМ";

// The documented error codes (docs/rpc.md).
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const AUTH_FAILED: i64 = -32001;
const DUPLICATE_CODE: i64 = -32002;
const SHIFT_NOT_OPEN: i64 = -32003;
const SHIFT_ALREADY_OPEN: i64 = -32006;
const RECEIPT_REFUSED: i64 = -32007;
const NOT_FOUND: i64 = -32011;
const TAX_ERROR: i64 = -32009;
const NOT_FISCAL: i64 = -32013;

/// A running host on its own data dir (the host is killed before the dir is removed).
struct TestHost {
    host: common::RunningHost,
    agent: ureq::Agent,
    /// `?device=` of every request: the lane, when not the face's default.
    device: Option<&'static str>,
    _data: tempfile::TempDir,
}

/// Starts the host on the embedded default's devices, with the seed's user "kassa" when
/// `with_auth`.
fn start(with_auth: bool) -> TestHost {
    start_on(with_auth, "shtrih-m")
}

/// As `start`, with this register model on the Russian lane `kkt`.
fn start_on(with_auth: bool, register: &str) -> TestHost {
    let data = tempfile::tempdir().unwrap();
    let mut config = common::emulation_of(register);
    if with_auth {
        let hash = fiscal_host::faces::auth::hash_secret("kas123456");
        config.push_str(&format!(
            "\n[[auth.users]]\nlogin = \"kassa\"\npassword_hash = \"{hash}\"\n"
        ));
    }
    let path = data.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    let host = common::start_host(
        &data.path().join("data"),
        &["--config", path.to_str().unwrap()],
    );
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    TestHost {
        host,
        agent,
        device: None,
        _data: data,
    }
}

impl TestHost {
    fn url(&self) -> String {
        match self.device {
            Some(device) => format!("{}/rpc?device={device}", self.host.base_url),
            None => format!("{}/rpc", self.host.base_url),
        }
    }

    /// POSTs a raw body; the HTTP status and the body text.
    fn post_raw(&self, body: &str) -> (u16, String) {
        let mut response = self
            .agent
            .post(&self.url())
            .header("Content-Type", "application/json")
            .send(body)
            .expect("POST /rpc");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("body");
        (status, text)
    }

    /// POSTs a body and parses the JSON reply of a 200.
    fn post(&self, body: &str) -> Value {
        let (status, text) = self.post_raw(body);
        assert_eq!(status, 200, "HTTP status; body {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("reply is not JSON ({e}): {text}"))
    }

    fn call(&self, request: &Value) -> Value {
        self.post(&request.to_string())
    }

    /// A request with the seed's credentials.
    fn rpc(&self, id: Value, method: &str, params: Value) -> Value {
        self.call(&request(id, method, params))
    }
}

fn request(id: Value, method: &str, params: Value) -> Value {
    json!({ "id": id, "auth": SEED_AUTH, "method": method, "params": params, "jsonrpc": "2.0" })
}

/// The seed's request as a value, to vary one field at a time.
fn seed_request() -> Value {
    serde_json::from_str(SEED_REQUEST).unwrap()
}

fn seed_params() -> Value {
    seed_request()["params"].clone()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// A success reply: exactly `id`, `ok: true`, `result`, `jsonrpc: "2.0"`; returns the result.
fn expect_ok(reply: &Value, id: Value) -> Value {
    assert_eq!(
        keys(reply),
        ["id", "jsonrpc", "ok", "result"],
        "reply {reply}"
    );
    assert_eq!(reply["ok"], json!(true), "reply {reply}");
    assert_eq!(reply["jsonrpc"], json!("2.0"));
    assert_eq!(reply["id"], id);
    reply["result"].clone()
}

/// An error reply with exactly this code; returns the error object.
fn expect_error(reply: &Value, id: Value, code: i64) -> Value {
    assert_eq!(
        keys(reply),
        ["error", "id", "jsonrpc", "ok"],
        "reply {reply}"
    );
    assert_eq!(reply["ok"], json!(false), "reply {reply}");
    assert_eq!(reply["jsonrpc"], json!("2.0"));
    assert_eq!(reply["id"], id, "reply {reply}");
    assert_eq!(reply["error"]["code"], json!(code), "reply {reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "reply {reply}"
    );
    reply["error"].clone()
}

/// A receipt id: a UUID in its hyphenated form.
fn expect_uuid(result: &Value) -> String {
    let id = result["id"]
        .as_str()
        .unwrap_or_else(|| panic!("result.id is not a string: {result}"));
    let parsed = uuid::Uuid::parse_str(id).unwrap_or_else(|e| panic!("{id:?}: {e}"));
    assert_eq!(parsed.hyphenated().to_string(), id);
    id.to_owned()
}

// ---------------------------------------------------------------------------------------------
// Receipt.Credit
// ---------------------------------------------------------------------------------------------

#[test]
fn the_seed_example_is_accepted_as_written_and_printed_as_a_non_fiscal_receipt() {
    // The constant really is the seed's text: the Cyrillic key, not a Latin one.
    assert!(
        SEED_REQUEST
            .as_bytes()
            .windows(2)
            .any(|w| w == [0xD1, 0x81])
    );
    assert!(!SEED_REQUEST.contains("\"card_type\""));

    let host = start(true);
    let reply = host.post(SEED_REQUEST);
    let result = expect_ok(&reply, json!(1));
    assert_eq!(keys(&result), ["id"], "result {result}");
    let id = expect_uuid(&result);

    // The second call: what the journal holds of it and what went to the printer.
    let got = expect_ok(
        &host.rpc(json!(2), "Receipt.Get", json!({ "id": id })),
        json!(2),
    );
    assert_eq!(got["id"], json!(id));
    assert_eq!(got["kind"], json!("credit"));
    assert_eq!(got["state"], json!("printed"), "{got}");
    assert_eq!(got["code"], json!("1-0000782"));
    assert_eq!(got["cashier"], json!("Administrator"));
    assert_eq!(got["total"], json!(900000));
    assert_eq!(got["fiscal"], Value::Null, "a credit receipt is not fiscal");
    let warnings = got["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("15"))),
        "the 15% rate is accepted with a warning under UZ: {got}"
    );
    let printout = &got["printout"];
    // The face's lane is the Uzbek one: its printer, in sums.
    assert_eq!(printout["device"], json!("printer-uz"), "{got}");
    assert_eq!(printout["error"], Value::Null, "{got}");
    let text = printout["text"].as_str().expect("printed text");
    assert!(text.contains(NON_FISCAL_MARK), "printed:\n{text}");
    assert!(text.contains("Coca-cola"), "printed:\n{text}");
    assert!(text.contains("1-0000782"), "printed:\n{text}");
    assert!(text.contains("847204678473"), "the RRN is printed:\n{text}");
}

#[test]
fn a_code_is_unique_among_receipts_and_an_empty_or_null_code_is_generated() {
    let host = start(true);
    let first = expect_uuid(&expect_ok(&host.post(SEED_REQUEST), json!(1)));

    // The same code again: refused, nothing issued.
    let again = host.post(SEED_REQUEST);
    let error = expect_error(&again, json!(1), DUPLICATE_CODE);
    assert_eq!(error["data"]["code"], json!("1-0000782"));

    // Another code goes through.
    let mut params = seed_params();
    params["code"] = json!("1-0000783");
    let other = expect_uuid(&expect_ok(
        &host.rpc(json!(3), "Receipt.Credit", params),
        json!(3),
    ));

    // No code (null, empty, absent): each gets a generated code and is accepted.
    let mut ids = HashSet::from([first.clone(), other]);
    let mut codes = HashSet::new();
    for (n, code) in [json!(null), json!(null), json!(""), json!("")]
        .into_iter()
        .enumerate()
    {
        let mut params = seed_params();
        params["code"] = code;
        let id = json!(10 + n);
        let result = expect_ok(&host.rpc(id.clone(), "Receipt.Credit", params), id);
        let uuid = expect_uuid(&result);
        assert!(ids.insert(uuid.clone()), "a new id each time");
        let got = expect_ok(
            &host.rpc(json!(99), "Receipt.Get", json!({ "id": uuid })),
            json!(99),
        );
        let code = got["code"].as_str().expect("a generated code").to_owned();
        assert!(!code.is_empty() && code != "1-0000782");
        assert!(codes.insert(code), "generated codes differ");
    }
    let mut params = seed_params();
    params.as_object_mut().unwrap().remove("code");
    expect_uuid(&expect_ok(
        &host.rpc(json!(20), "Receipt.Credit", params),
        json!(20),
    ));

    // An unknown receipt id.
    let missing = host.rpc(
        json!(21),
        "Receipt.Get",
        json!({ "id": "3ca29f3a-c19a-4a43-ba28-8425bf9bf383" }),
    );
    expect_error(&missing, json!(21), NOT_FOUND);
}

#[test]
fn both_spellings_of_card_type_are_read() {
    let host = start(false);
    // Latin spelling, lower-case rrn: accepted.
    let mut params = seed_params();
    let payment = params["payments"][1].as_object_mut().unwrap();
    let card_type = payment.remove("\u{441}ard_type").expect("the Cyrillic key");
    payment.insert("card_type".into(), card_type);
    params["code"] = json!("latin");
    expect_uuid(&expect_ok(
        &host.rpc(json!(1), "Receipt.Credit", params),
        json!(1),
    ));
    // The Cyrillic key is really read: a mistyped value under it is an invalid param.
    let mut params = seed_params();
    params["payments"][1]["\u{441}ard_type"] = json!("two");
    let error = expect_error(
        &host.rpc(json!(2), "Receipt.Credit", params),
        json!(2),
        INVALID_PARAMS,
    );
    assert!(
        error["message"].as_str().unwrap().contains("ard_type"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn authorisation_is_checked_when_credentials_are_configured() {
    let host = start(true);
    // kassa:wrong
    let mut wrong = seed_request();
    wrong["auth"] = json!("a2Fzc2E6d3Jvbmc=");
    expect_error(&host.call(&wrong), json!(1), AUTH_FAILED);
    let mut missing = seed_request();
    missing.as_object_mut().unwrap().remove("auth");
    expect_error(&host.call(&missing), json!(1), AUTH_FAILED);
    let mut garbage = seed_request();
    garbage["auth"] = json!("not base64!");
    expect_error(&host.call(&garbage), json!(1), AUTH_FAILED);
    // A refused request issued nothing: the seed's code is still free.
    expect_uuid(&expect_ok(&host.post(SEED_REQUEST), json!(1)));
}

#[test]
fn protocol_errors_have_the_standard_codes() {
    let host = start(true);

    // Malformed JSON: parse error, id null.
    let reply = host.post(r#"{"id": 7, "method": "Receipt.Credit", "#);
    expect_error(&reply, Value::Null, PARSE_ERROR);

    // Unknown method.
    let reply = host.rpc(json!(8), "Receipt.Nope", json!({}));
    expect_error(&reply, json!(8), METHOD_NOT_FOUND);

    // Invalid requests: another jsonrpc version, no method, a method that is no string, not an
    // object at all.
    let mut old = seed_request();
    old["jsonrpc"] = json!("1.0");
    expect_error(&host.call(&old), json!(1), INVALID_REQUEST);
    let mut no_method = seed_request();
    no_method.as_object_mut().unwrap().remove("method");
    expect_error(&host.call(&no_method), json!(1), INVALID_REQUEST);
    let mut number_method = seed_request();
    number_method["method"] = json!(5);
    expect_error(&host.call(&number_method), json!(1), INVALID_REQUEST);
    expect_error(&host.post("42"), Value::Null, INVALID_REQUEST);

    // A string id is echoed as it came.
    let reply = host.rpc(json!("abc"), "Receipt.Nope", json!({}));
    expect_error(&reply, json!("abc"), METHOD_NOT_FOUND);
}

#[test]
fn invalid_params_are_refused_with_32602() {
    let host = start(true);
    let refuse = |id: i64, params: Value| {
        let reply = host.rpc(json!(id), "Receipt.Credit", params);
        expect_error(&reply, json!(id), INVALID_PARAMS)
    };

    // Two positions with one label.
    let mut params = seed_params();
    let mut position = params["positions"][0].clone();
    position["label"] = json!("010460406000600021N4N57RSCBUZTQ");
    position["name"] = json!("Fanta");
    params["positions"] = json!([position.clone(), position]);
    let error = refuse(1, params);
    assert_eq!(error["data"]["position"], json!(1), "{error}");

    // Three terminal payments.
    let mut params = seed_params();
    let terminal = params["payments"][1].clone();
    params["payments"] = json!([terminal.clone(), terminal.clone(), terminal]);
    let error = refuse(2, params);
    assert!(
        error["message"].as_str().unwrap().contains("terminal"),
        "{error}"
    );

    // Missing positions, a mistyped amount, a string where a number belongs, a bad payment type.
    let mut params = seed_params();
    params.as_object_mut().unwrap().remove("positions");
    refuse(3, params);
    let mut params = seed_params();
    params["positions"][0]["amount"] = json!("900000");
    refuse(4, params);
    let mut params = seed_params();
    params["positions"][0]["brand_name"] = json!(12);
    refuse(5, params);
    let mut params = seed_params();
    params["payments"][0]["type"] = json!(9);
    refuse(6, params);
    // No params at all.
    let reply = host
        .call(&json!({ "id": 7, "auth": SEED_AUTH, "method": "Receipt.Credit", "jsonrpc": "2.0" }));
    expect_error(&reply, json!(7), INVALID_PARAMS);

    // Two distinct labels, and two terminal payments, are fine.
    let mut params = seed_params();
    let mut a = params["positions"][0].clone();
    let mut b = a.clone();
    a["label"] = json!("label-a");
    b["label"] = json!("label-b");
    params["positions"] = json!([a, b]);
    let terminal = params["payments"][1].clone();
    params["payments"] = json!([terminal.clone(), terminal]);
    expect_uuid(&expect_ok(
        &host.rpc(json!(8), "Receipt.Credit", params),
        json!(8),
    ));
}

// ---------------------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------------------

#[test]
fn a_batch_is_answered_element_by_element() {
    let host = start(true);
    let mut second = seed_params();
    second["code"] = json!("1-0000784");
    let batch = json!([
        seed_request(),
        request(json!("two"), "Receipt.Credit", second),
    ]);
    let reply = host.call(&batch);
    let replies = reply
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {reply}"));
    assert_eq!(replies.len(), 2, "{reply}");
    let a = expect_uuid(&expect_ok(&replies[0], json!(1)));
    let b = expect_uuid(&expect_ok(&replies[1], json!("two")));
    assert_ne!(a, b);

    // Mixed: an error element stays in its place; a notification gets no element.
    let mut notification = request(json!(0), "Receipt.Nope", json!({}));
    notification.as_object_mut().unwrap().remove("id");
    let batch = json!([
        request(json!(5), "Receipt.Nope", json!({})),
        notification,
        json!(17),
        seed_request(),
    ]);
    let reply = host.call(&batch);
    let replies = reply.as_array().expect("array");
    assert_eq!(replies.len(), 3, "{reply}");
    expect_error(&replies[0], json!(5), METHOD_NOT_FOUND);
    expect_error(&replies[1], Value::Null, INVALID_REQUEST);
    expect_error(&replies[2], json!(1), DUPLICATE_CODE);

    // An empty batch is one invalid-request error, not an array.
    let reply = host.post("[]");
    expect_error(&reply, Value::Null, INVALID_REQUEST);

    // A lone notification: no body.
    let mut notification = request(json!(0), "Receipt.Nope", json!({}));
    notification.as_object_mut().unwrap().remove("id");
    let (status, text) = host.post_raw(&notification.to_string());
    assert_eq!((status, text.as_str()), (204, ""));
}

// ---------------------------------------------------------------------------------------------
// Fiscal methods
// ---------------------------------------------------------------------------------------------

on_each_register! {
    fn a_sale_needs_an_open_shift_and_returns_the_fiscal_requisites(register) {
        let mut host = start_on(true, register);
        let mut params = seed_params();
        params["code"] = json!("S-1");

        // On the face's own (Uzbek) lane a fiscal receipt is refused before anything happens: its
        // register cannot fiscalize in Uzbekistan. So is its shift.
        let refused = expect_error(
            &host.rpc(json!(0), "Receipt.Sale", params.clone()),
            json!(0),
            NOT_FISCAL,
        );
        assert_eq!(
            refused["data"],
            json!({ "lane": "kkt-uz", "jurisdiction": "UZ" })
        );
        expect_error(
            &host.rpc(json!(0), "ZReport.Open", json!({})),
            json!(0),
            NOT_FISCAL,
        );

        // The Russian lane from here on. Before the shift: the shift error, the code stays free.
        host.device = Some("kkt");
        let reply = host.rpc(json!(1), "Receipt.Sale", params.clone());
        expect_error(&reply, json!(1), SHIFT_NOT_OPEN);

        let opened = expect_ok(
            &host.rpc(
                json!(2),
                "ZReport.Open",
                json!({ "cashier_name": "Administrator" }),
            ),
            json!(2),
        );
        assert_eq!(opened["shift_number"], json!(1), "{opened}");
        let reply = host.rpc(
            json!(3),
            "ZReport.Open",
            json!({ "cashier_name": "Administrator" }),
        );
        expect_error(&reply, json!(3), SHIFT_ALREADY_OPEN);

        // The seed's 15% is no Russian rate: the lane's tax plugin refuses it before anything is
        // journaled, and the code stays free.
        expect_error(
            &host.rpc(json!(40), "Receipt.Sale", params.clone()),
            json!(40),
            TAX_ERROR,
        );
        // 5% is a Russian rate (simplified regime) with no tax row on a Shtrih-M: the register
        // refuses the receipt, nothing was charged, and the code is released.
        params["positions"][0]["vat_value"] = json!(500);
        let refused = expect_error(
            &host.rpc(json!(41), "Receipt.Sale", params.clone()),
            json!(41),
            RECEIPT_REFUSED,
        );
        assert_eq!(
            refused.get("data"),
            None,
            "cash only: no card payment to speak of"
        );
        // At 0% (a Russian rate, and a row the register has) the same code goes through.
        params["positions"][0]["vat_value"] = json!(0);

        // Cash 5000.00 and 4000.00 on the client's terminal (its RRN): nothing charged here.
        let sale = expect_ok(
            &host.rpc(json!(4), "Receipt.Sale", params.clone()),
            json!(4),
        );
        assert_eq!(keys(&sale), ["fiscal", "id"], "{sale}");
        let sale_id = expect_uuid(&sale);
        assert_eq!(
            keys(&sale["fiscal"]),
            ["document_number", "fiscal_sign", "shift_number"]
        );
        assert_eq!(sale["fiscal"]["shift_number"], json!(1));
        assert!(
            sale["fiscal"]["document_number"]
                .as_u64()
                .is_some_and(|n| n > 0)
        );
        assert!(
            sale["fiscal"]["fiscal_sign"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        let got = expect_ok(
            &host.rpc(json!(5), "Receipt.Get", json!({ "id": sale_id })),
            json!(5),
        );
        assert_eq!(got["kind"], json!("sale"));
        assert_eq!(got["fiscal"]["fiscal_sign"], sale["fiscal"]["fiscal_sign"]);

        // The same code again is refused.
        let reply = host.rpc(json!(6), "Receipt.Sale", params.clone());
        expect_error(&reply, json!(6), DUPLICATE_CODE);

        // Payments that do not cover the positions: invalid params.
        let mut short = params.clone();
        short["code"] = json!("S-2");
        short["payments"][0]["value"] = json!(499999);
        let error = expect_error(
            &host.rpc(json!(7), "Receipt.Sale", short),
            json!(7),
            INVALID_PARAMS,
        );
        assert_eq!(error["data"], json!({ "expected": 900000, "got": 899999 }));

        // A refund, paid back as the sale was paid (cash and the client's terminal), is another
        // fiscal document.
        let mut refund = params.clone();
        refund["code"] = json!("R-1");
        let returned = expect_ok(&host.rpc(json!(8), "Receipt.Refund", refund), json!(8));
        assert!(
            returned["fiscal"]["document_number"].as_u64() > sale["fiscal"]["document_number"].as_u64()
        );
        let got = expect_ok(
            &host.rpc(json!(9), "Receipt.Get", json!({ "id": returned["id"] })),
            json!(9),
        );
        assert_eq!(got["kind"], json!("return"));

        let closed = expect_ok(
            &host.rpc(
                json!(10),
                "ZReport.Close",
                json!({ "cashier_name": "Administrator" }),
            ),
            json!(10),
        );
        assert_eq!(closed["shift_number"], json!(1));
        let mut after = params.clone();
        after["code"] = json!("S-3");
        expect_error(
            &host.rpc(json!(11), "Receipt.Sale", after),
            json!(11),
            SHIFT_NOT_OPEN,
        );
    }
}

on_each_register! {
    /// An amount no whole-tiyin unit price gives (1000 over 3 units) is sold at its quantity by the
    /// one unit-price rule (docs/rpc.md), no longer refused.
    fn an_amount_without_a_unit_price_is_sold_at_its_quantity(register) {
        let mut host = start_on(true, register);
        host.device = Some("kkt");
        expect_ok(
            &host.rpc(
                json!(1),
                "ZReport.Open",
                json!({ "cashier_name": "Administrator" }),
            ),
            json!(1),
        );
        let mut params = seed_params();
        params["code"] = json!("P-1");
        params["positions"][0]["amount"] = json!(1000);
        params["positions"][0]["quantity"] = json!(3000);
        params["positions"][0]["vat_value"] = json!(0);
        params["payments"] = json!([{ "type": 1, "value": 1000 }]);
        let sale = expect_ok(&host.rpc(json!(2), "Receipt.Sale", params), json!(2));
        let got = expect_ok(
            &host.rpc(json!(3), "Receipt.Get", json!({ "id": expect_uuid(&sale) })),
            json!(3),
        );
        assert_eq!(got["total"], json!(1000), "{got}");
        assert!(got["fiscal"]["fiscal_sign"].is_string(), "{got}");
    }
}

#[test]
fn a_credit_receipt_needs_no_shift() {
    let host = start(false);
    // Without credentials configured, no auth is needed either.
    let mut request = seed_request();
    request.as_object_mut().unwrap().remove("auth");
    expect_uuid(&expect_ok(&host.call(&request), json!(1)));
}
