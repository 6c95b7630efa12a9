//! Hostile clients against the real `fiscal-host` binary (issue 13): a WebSocket message over
//! the size limit, binary frames, wrong HTTP methods, a plugin that traps, password guessing
//! (slowed, then locked out, while a known till is served) and a burst of concurrent wrong
//! logins (resident memory stays bounded). Requests go over raw TCP from chosen loopback
//! addresses (127.0.0.x), so one test can be many clients.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use common::ws::WsClient;

const CASHIER: &str = "Сидр Петров";

struct TestHost {
    host: common::RunningHost,
    data: tempfile::TempDir,
}

impl TestHost {
    fn addr(&self) -> SocketAddr {
        self.host
            .base_url
            .strip_prefix("http://")
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Rows of a journal table, read from the SQLite file while the host runs.
    fn rows(&self, table: &str) -> i64 {
        let journal = rusqlite::Connection::open(self.data.path().join("journal.sqlite")).unwrap();
        journal
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    fn resident_peak_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.host.child.id()))
            .expect("the host's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc status")
    }
}

/// A host on its own data dir with this configuration (or the embedded default).
async fn start(config: Option<String>) -> TestHost {
    tokio::task::spawn_blocking(move || {
        let data = tempfile::tempdir().unwrap();
        let mut args = Vec::new();
        if let Some(config) = config {
            let path = data.path().join("config.toml");
            std::fs::write(&path, config).unwrap();
            args.push("--config".to_owned());
            args.push(path.to_str().unwrap().to_owned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let host = common::start_host(data.path(), &args);
        TestHost { host, data }
    })
    .await
    .unwrap()
}

/// A host whose register and terminal are emulated in this process (`common::shop`), so a
/// test can inject faults and read what was charged.
async fn start_shop(dir: &std::path::Path) -> (TestHost, common::shop::Shop) {
    let shop = common::shop::shop(dir);
    let host = start(Some(std::fs::read_to_string(&shop.config).unwrap())).await;
    (host, shop)
}

/// A WebSocket connection on which a shift was just opened.
async fn open_shift(host: &TestHost) -> WsClient {
    let mut ws = WsClient::connect(&host.host.base_url).await;
    let reply = ws
        .request("open_shift", json!({ "cashier": CASHIER }))
        .await;
    assert_eq!(reply["data"]["error"], false, "{reply}");
    ws
}

/// An HTTP answer: status, headers (lower-case names) and the body as JSON.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request from the loopback address `127.0.0.<from>`, written by hand so the
/// source address can be chosen.
async fn http(
    host: SocketAddr,
    from: u8,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(IpAddr::from([127, 0, 0, from]), 0))
        .unwrap();
    let mut stream = socket.connect(host).await.expect("connect to the host");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .expect("an answer within 30 s")
        .unwrap();
    let text = String::from_utf8(raw).expect("a UTF-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("headers and a body");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("HTTP {status}: not JSON ({e}): {body}"))
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

fn basic(login_password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(login_password)
    )
}

/// Users `user0` … `user{n-1}`, each with its own hash: one login each for a burst.
fn many_users(n: usize) -> String {
    let hash = fiscal_host::faces::auth::hash_secret("kas123456");
    (0..n)
        .map(|i| format!("[[auth.users]]\nlogin = \"user{i}\"\npassword_hash = \"{hash}\"\n"))
        .collect()
}

fn auth_config(login: &str, password: &str) -> String {
    let hash = fiscal_host::faces::auth::hash_secret(password);
    format!("[[auth.users]]\nlogin = \"{login}\"\npassword_hash = \"{hash}\"\n")
}

/// The seed's `create_doc` with one line of this name.
fn create_doc(name: &str) -> Value {
    json!({ "event": "create_doc", "data": { "cashier": CASHIER, "doc_type": 2,
        "wares": [{ "name": name, "barcode": "1", "tax_number": 0, "price": 1.5, "quantity": 1 }] } })
}

// ---------------------------------------------------------------------------------------------
// The WebSocket face: one size limit, binary frames
// ---------------------------------------------------------------------------------------------

/// A message over `max_body_bytes` gets an error reply and close 1009, unparsed: nothing of
/// it reaches the journal, and the host serves the next connection.
#[tokio::test]
async fn an_oversized_websocket_message_is_refused_and_nothing_is_journaled() {
    let host = start(Some("max_body_bytes = 65536\n".into())).await;
    // Over the limit, under the library's hard cap (four times it): read whole, never parsed.
    let mut ws = open_shift(&host).await;
    let documents = host.rows("documents");
    let huge = create_doc(&"Ж".repeat(40_000)).to_string();
    assert!(huge.len() > 65536, "{} bytes", huge.len());
    ws.send_raw(&huge).await;
    let reply = ws.recv().await;
    assert_eq!(reply["event"], "onerror", "{reply}");
    assert_eq!(reply["data"]["error"], true, "{reply}");
    assert_eq!(reply["data"]["error_code"], 18, "{reply}");
    assert!(
        reply["data"]["text"].as_str().unwrap().contains("65536"),
        "{reply}"
    );
    match ws.next_message().await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Size),
        other => panic!("expected close 1009, got {other:?}"),
    }
    assert_eq!(
        host.rows("documents"),
        documents,
        "nothing of the message was journaled"
    );
    // A message under the limit that takes several reads of the socket (the face reads 8 KiB
    // at a time) is read whole and served, on a new connection.
    let mut ws = WsClient::connect(&host.host.base_url).await;
    let ware = json!({ "name": "Молоко 3,2% 1 л", "barcode": "4600000000001", "tax_number": 0,
        "price": 1.5, "quantity": 1 });
    let many = json!({ "event": "create_doc", "data": { "cashier": CASHIER, "doc_type": 2,
        "wares": vec![ware; 400] } })
    .to_string();
    assert!(
        (40_000..65536).contains(&many.len()),
        "{} bytes",
        many.len()
    );
    let reply = ws.request_raw(&many).await;
    assert_eq!(reply["data"]["error"], false, "{reply}");
    assert_eq!(reply["data"]["amount"], 400 * 150, "{reply}");
}

/// A binary frame holding JSON is served like a text frame; one holding something else is
/// answered with error 1, and the connection stays open.
#[tokio::test]
async fn binary_frames_are_answered() {
    let host = start(None).await;
    let mut ws = WsClient::connect(&host.host.base_url).await;
    let open = json!({ "event": "open_shift", "data": { "cashier": CASHIER } });
    ws.send_binary(open.to_string().into_bytes()).await;
    let reply = ws.recv().await;
    assert_eq!(reply["event"], "onopen_shift", "{reply}");
    assert_eq!(reply["data"]["error"], false, "{reply}");
    ws.send_binary(vec![0xff, 0xfe, 0x00, 0x7b]).await;
    let reply = ws.recv().await;
    assert_eq!(reply["event"], "onerror", "{reply}");
    assert_eq!(reply["data"]["error_code"], 1, "{reply}");
    ws.send_binary(b"{not json".to_vec()).await;
    assert_eq!(ws.recv().await["data"]["error_code"], 1);
    let reply = ws.request_raw(&create_doc("Хлеб").to_string()).await;
    assert_eq!(reply["data"]["error"], false, "{reply}");
}

// ---------------------------------------------------------------------------------------------
// Wrong methods: 405 in each face's format
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn wrong_methods_get_405_in_the_faces_format() {
    let host = start(None).await;
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        let answer = http(host.addr(), 1, method, "/sale", &[], "").await;
        assert_eq!(answer.status, 405, "{method} /sale: {answer:?}");
        assert_eq!(answer.header("allow"), Some("POST"));
        assert_eq!(answer.body["status"], "error", "{answer:?}");
        assert_eq!(answer.body["code"], 2, "{answer:?}");
        assert!(answer.body["message"].as_str().unwrap().contains(method));
        let answer = http(host.addr(), 1, method, "/rpc", &[], "").await;
        assert_eq!(answer.status, 405, "{method} /rpc: {answer:?}");
        assert_eq!(answer.body["jsonrpc"], "2.0", "{answer:?}");
        assert_eq!(answer.body["error"]["code"], -32600, "{answer:?}");
        assert_eq!(answer.body["id"], Value::Null);
    }
    // An unknown path is still 404, and a known one still serves.
    assert_eq!(
        http(host.addr(), 1, "GET", "/nothing", &[], "")
            .await
            .status,
        404
    );
    let answer = http(host.addr(), 1, "POST", "/check_shift", &[], "{}").await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

// ---------------------------------------------------------------------------------------------
// A plugin that traps: an internal error with an incident id, no backtrace
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_plugin_trap_is_an_internal_error_with_an_incident_and_no_backtrace() {
    let hostile = fiscal_host::builtins::guest_path("hostile.wasm");
    let host = start(Some(format!("[plugins]\ntax = {hostile:?}\n"))).await;
    let leaks = |text: &str| {
        text.contains("wasm") || text.contains("backtrace") || text.contains("panicked")
    };

    let mut ws = open_shift(&host).await;
    let reply = ws.request_raw(&create_doc("trap").to_string()).await;
    let data = &reply["data"];
    assert_eq!(data["error_code"], 15, "{reply}");
    let text = data["text"].as_str().unwrap();
    assert!(!leaks(text) && text.lines().count() == 1, "{text}");
    let incident = data["incident"].as_str().expect("an incident id");
    assert!(text.contains(incident), "{text}");

    let sale = json!({ "docTime": "2026-03-01 10:00:00", "docNumber": "1", "employeeName": CASHIER,
        "amount": 150, "items": [{ "itemName": "trap", "itemQty": 1000, "itemAmount": 150, "discount": 0,
            "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] }],
        "payments": { "cashAmount": 150, "cashlessAmount": 0, "creditAmount": 0, "bonusesAmount": 0,
            "prepaymentAmount": 0, "installmentAmount": 0 } });
    let answer = http(host.addr(), 1, "POST", "/sale", &[], &sale.to_string()).await;
    assert_eq!(answer.status, 500, "{answer:?}");
    assert_eq!(answer.body["code"], 5, "{answer:?}");
    let message = answer.body["message"].as_str().unwrap();
    assert!(!leaks(message), "{message}");
    assert!(message.contains(answer.body["incident"].as_str().unwrap()));

    let call = json!({ "id": 1, "method": "Receipt.Credit", "jsonrpc": "2.0", "params": {
        "positions": [{ "name": "trap", "quantity": 1000, "amount": 150, "vat_value": 1500 }],
        "payments": [{ "type": 1, "value": 150 }] } });
    // On the Russian lane: the configured plugin is `[tax]`'s, whose jurisdiction that is.
    let answer = http(
        host.addr(),
        1,
        "POST",
        "/rpc?device=kkt",
        &[],
        &call.to_string(),
    )
    .await;
    assert_eq!(answer.body["error"]["code"], -32603, "{answer:?}");
    assert!(
        !leaks(answer.body["error"]["message"].as_str().unwrap()),
        "{answer:?}"
    );
    assert!(
        answer.body["error"]["data"]["incident"].is_string(),
        "{answer:?}"
    );

    // The plugin serves the next request.
    let reply = ws.request_raw(&create_doc("Хлеб").to_string()).await;
    assert_eq!(reply["data"]["error"], false, "{reply}");
}

// ---------------------------------------------------------------------------------------------
// Credentials: the host's own routes, guessing, a burst
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn with_credentials_configured_the_hosts_routes_need_them() {
    let host = start(Some(auth_config("kassa", "kas123456"))).await;
    let health = http(host.addr(), 1, "GET", "/health", &[], "").await;
    assert_eq!(health.status, 200, "{health:?}");
    assert_eq!(
        health.body,
        json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }),
        "liveness only"
    );
    for path in ["/devices", "/openapi.json"] {
        let answer = http(host.addr(), 1, "GET", path, &[], "").await;
        assert_eq!(answer.status, 401, "{path}: {answer:?}");
        assert!(answer.header("www-authenticate").is_some(), "{path}");
        assert!(
            !answer.body.to_string().contains("kkt"),
            "{path} shows nothing: {answer:?}"
        );
    }
    let honest = basic("kassa:kas123456");
    let authorised = [("authorization", honest.as_str())];
    let health = http(host.addr(), 1, "GET", "/health", &authorised, "").await;
    assert!(
        health.body["devices"]
            .as_array()
            .is_some_and(|d| !d.is_empty()),
        "{health:?}"
    );
    let devices = http(host.addr(), 1, "GET", "/devices", &authorised, "").await;
    assert_eq!(devices.status, 200, "{devices:?}");
    assert!(devices.body.to_string().contains("kkt"), "{devices:?}");
    let openapi = http(host.addr(), 1, "GET", "/openapi.json", &authorised, "").await;
    assert_eq!(openapi.body["openapi"], "3.0.3", "{openapi:?}");
}

/// 100 wrong passwords in a row from one address: five are verified and refused, then each
/// attempt must wait 1, 2, 4, 8 s, then the address and the login are locked for a minute —
/// in REST's format, with the wait. A till whose credential the host knows is served the
/// whole time, from the same login.
#[tokio::test]
async fn guessing_is_slowed_then_locked_out_while_a_known_till_is_served() {
    let host = start(Some(auth_config("kassa", "kas123456"))).await;
    let honest = basic("kassa:kas123456");
    let till = async || {
        let started = Instant::now();
        let answer = http(
            host.addr(),
            7,
            "POST",
            "/check_shift",
            &[("authorization", &honest)],
            "{}",
        )
        .await;
        assert_eq!(answer.status, 200, "the till is served: {answer:?}");
        started.elapsed()
    };
    till().await;
    let guesser = 9;
    let mut answers = Vec::new();
    let mut till_waits = Vec::new();
    let mut waited = Vec::new();
    for n in 0..100 {
        let wrong = basic(&format!("kassa:guess{n}"));
        let answer = http(
            host.addr(),
            guesser,
            "POST",
            "/check_shift",
            &[("authorization", &wrong)],
            "{}",
        )
        .await;
        assert_eq!(answer.body["status"], "error", "{answer:?}");
        assert_eq!(answer.body["code"], 1, "{answer:?}");
        if answer.status == 429 {
            let seconds: u64 = answer.header("retry-after").unwrap().parse().unwrap();
            assert_eq!(answer.body["retryAfter"], seconds, "{answer:?}");
            assert!(
                answer.body["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("{seconds} с"))
            );
            // Wait out the growing waits once each; the lock-out is not waited for.
            if seconds < 60 && waited.last() != Some(&seconds) {
                waited.push(seconds);
                tokio::time::sleep(Duration::from_secs(seconds)).await;
            }
        }
        answers.push(answer.status);
        till_waits.push(till().await);
    }
    let refused = answers.iter().filter(|&&s| s == 401).count();
    let throttled = answers.iter().filter(|&&s| s == 429).count();
    assert_eq!(&answers[..6], [401, 401, 401, 401, 401, 429], "{answers:?}");
    assert_eq!(waited, [1, 2, 4, 8], "the waits grow");
    assert_eq!(
        refused, 9,
        "five free failures and one after each wait: {answers:?}"
    );
    assert_eq!(throttled, 91, "{answers:?}");
    // Locked out now: the address and the login, even with another guess from elsewhere.
    let locked = http(
        host.addr(),
        10,
        "POST",
        "/check_shift",
        &[("authorization", &basic("kassa:x"))],
        "{}",
    )
    .await;
    assert_eq!(locked.status, 429, "{locked:?}");
    assert!(
        locked
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 8,
        "{locked:?}"
    );
    till_waits.sort();
    println!(
        "honest till during 100 guesses: p50 {:?}, max {:?}",
        till_waits[till_waits.len() / 2],
        till_waits.last().unwrap()
    );
}

/// 64 wrong logins at once over JSON-RPC, each from its own address and for its own login
/// (so the limiter lets every one be verified): verification runs one at a time on its own
/// thread behind a queue of 16, so the host's resident memory stays bounded and an honest
/// `/health` is answered meanwhile.
#[tokio::test]
async fn a_burst_of_wrong_logins_keeps_memory_bounded_and_health_answering() {
    let host = start(Some(many_users(64))).await;
    let addr = host.addr();
    let before = host.resident_peak_kib();
    let mut burst = Vec::new();
    for client in 0..64u8 {
        let call = json!({ "id": client, "method": "ZReport.Open", "jsonrpc": "2.0", "params": {},
            "auth": base64::engine::general_purpose::STANDARD.encode(format!("user{client}:wrong")) });
        burst.push(tokio::spawn(async move {
            http(addr, 100 + client, "POST", "/rpc", &[], &call.to_string()).await
        }));
    }
    let mut health = Vec::new();
    while !burst.iter().all(|b| b.is_finished()) {
        let started = Instant::now();
        let answer = http(addr, 2, "GET", "/health", &[], "").await;
        assert_eq!(answer.status, 200);
        health.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut codes = std::collections::BTreeMap::new();
    for answer in burst {
        let answer = answer.await.unwrap();
        *codes
            .entry(answer.body["error"]["code"].as_i64().unwrap())
            .or_insert(0) += 1;
    }
    // Refused (verified) or asked to come back later (the verification queue was full).
    assert_eq!(
        codes
            .keys()
            .copied()
            .filter(|c| ![-32001, -32012].contains(c))
            .count(),
        0,
        "{codes:?}"
    );
    assert!(
        codes.get(&-32001).copied().unwrap_or(0) >= 16,
        "at least a queue's worth verified: {codes:?}"
    );
    let peak = host.resident_peak_kib();
    health.sort();
    println!(
        "64 concurrent wrong logins: {codes:?}; resident peak {} MiB (before {} MiB); /health during the burst p50 {:?}, max {:?} ({} requests)",
        peak / 1024,
        before / 1024,
        health[health.len() / 2],
        health.last().unwrap(),
        health.len()
    );
    // One argon2 buffer (19 MiB) at a time on top of the host: far from 64 of them.
    assert!(
        peak < before + 200 * 1024,
        "resident peak {peak} KiB, before {before} KiB"
    );
}

// ---------------------------------------------------------------------------------------------
// What a shop is told
// ---------------------------------------------------------------------------------------------

/// A register out of paper says so, not "device unavailable".
#[tokio::test]
async fn a_register_out_of_paper_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (host, shop) = start_shop(dir.path()).await;
    shop.register.faults().inject(emulator_kit::Fault::PaperOut);
    let body = json!({ "employeeName": CASHIER }).to_string();
    let answer = http(host.addr(), 1, "POST", "/open_shift", &[], &body).await;
    assert_eq!(answer.body["code"], 5, "{answer:?}");
    let message = answer.body["message"].as_str().unwrap();
    assert!(message.starts_with("Нет бумаги"), "{message}");
    assert_eq!(
        host.rows("shift_events"),
        0,
        "a refused shift is not journaled"
    );
    shop.register.faults().clear();
    let answer = http(host.addr(), 1, "POST", "/open_shift", &[], &body).await;
    assert_eq!(answer.body["code"], 0, "{answer:?}");
}

/// A document whose lines come to nothing (0.01 × 0.001) is refused when it is created, on
/// every face, naming the line: nothing is journaled, nothing charged (issue 14's first slice).
#[tokio::test]
async fn a_zero_total_document_is_refused_on_every_face() {
    let dir = tempfile::tempdir().unwrap();
    let (host, shop) = start_shop(dir.path()).await;
    let mut ws = open_shift(&host).await;
    let documents = host.rows("documents");

    let nothing = json!({ "event": "create_doc", "data": { "cashier": CASHIER, "doc_type": 2,
        "wares": [{ "name": "Спичка", "barcode": "1", "tax_number": 0, "price": 0.01, "quantity": 0.001 }] } });
    let reply = ws.request_raw(&nothing.to_string()).await;
    assert_eq!(reply["data"]["error_code"], 4, "{reply}");
    let text = reply["data"]["text"].as_str().unwrap();
    assert!(
        text.contains("итог документа равен нулю") && text.contains("строки 1"),
        "{text}"
    );
    // With nothing open, a pay has nothing to charge.
    let pay = ws.request("pay", json!({ "amount": 0 })).await;
    assert_eq!(pay["data"]["error_code"], 5, "{pay}");

    let sale = json!({ "docTime": "2026-12-01 10:00:00", "docNumber": "Z-1", "employeeName": CASHIER,
        "amount": 0, "items": [{ "itemName": "Спичка", "itemQty": 1, "itemAmount": 0, "discount": 0,
            "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] }],
        "payments": { "cashAmount": 0, "cashlessAmount": 0, "creditAmount": 0, "bonusesAmount": 0,
            "prepaymentAmount": 0, "installmentAmount": 0 } });
    let answer = http(host.addr(), 1, "POST", "/sale", &[], &sale.to_string()).await;
    assert_eq!(
        (answer.status, &answer.body["code"]),
        (400, &json!(4)),
        "{answer:?}"
    );
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap()
            .contains("итог документа равен нулю")
    );

    let call = json!({ "id": 5, "method": "Receipt.Sale", "jsonrpc": "2.0", "params": {
        "positions": [{ "name": "Хлеб", "quantity": 1000, "amount": 5000, "vat_value": 0 },
                      { "name": "Спичка", "quantity": 1, "amount": 0, "vat_value": 0 }],
        "payments": [{ "type": 1, "value": 5000 }] } });
    let mut zero = call.clone();
    zero["params"]["positions"][0]["amount"] = json!(0);
    zero["params"]["payments"][0]["value"] = json!(0);
    let answer = http(host.addr(), 1, "POST", "/rpc", &[], &zero.to_string()).await;
    assert_eq!(answer.body["error"]["code"], -32602, "{answer:?}");
    assert_eq!(
        answer.body["error"]["data"]["positions"],
        json!([0, 1]),
        "{answer:?}"
    );
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("params.positions[1]")
    );

    assert_eq!(
        host.rows("documents"),
        documents,
        "nothing journaled as a sale"
    );
    assert_eq!(host.rows("payments"), 0);
    assert!(
        shop.charged().is_empty(),
        "nothing charged: {:?}",
        shop.charged()
    );
    // A free line inside a document that is worth something is no zero total.
    let answer = http(host.addr(), 1, "POST", "/rpc", &[], &call.to_string()).await;
    assert_eq!(answer.body["ok"], true, "{answer:?}");
}

// ---------------------------------------------------------------------------------------------
// The same request twice at once: one receipt, one charge
// ---------------------------------------------------------------------------------------------

/// A POS that fires its sale twice at once (a retry on a slow answer) with one
/// docTime + docNumber + amount: the key is claimed in the transaction that journals the
/// document, so the twin finishes that document instead of making its own. Both are answered
/// with the one receipt; the register registered one, the terminal charged once.
#[tokio::test]
async fn the_same_rest_sale_twice_at_once_is_one_receipt_and_one_charge() {
    let dir = tempfile::tempdir().unwrap();
    let (host, shop) = start_shop(dir.path()).await;
    let opened = http(
        host.addr(),
        1,
        "POST",
        "/open_shift",
        &[],
        &json!({ "employeeName": CASHIER }).to_string(),
    )
    .await;
    assert_eq!(opened.status, 200, "{opened:?}");
    let sale = common::seeds::seed_001_sale(Some("2026-03-01 10:00:00"), "twice-1").to_string();
    let (a, b) = tokio::join!(
        http(host.addr(), 1, "POST", "/sale", &[], &sale),
        http(host.addr(), 2, "POST", "/sale", &[], &sale),
    );
    for answer in [&a, &b] {
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.body["status"], "success", "{answer:?}");
    }
    assert_eq!(a.body["fiscalID"], b.body["fiscalID"], "{a:?} {b:?}");
    assert_eq!(shop.register.with_device(|d| d.receipts().len()), 1);
    assert_eq!(shop.charged().len(), 1, "{:?}", shop.charged());
}
