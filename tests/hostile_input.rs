//! Hostile input, face by face (issue 13): thousands of malformed requests, generated from each
//! face's documented requests (docs/websocket.md, docs/rest.md, docs/rpc.md) by structural
//! mutation — a field of another type, huge, negative and fractional numbers written as text,
//! long strings, nesting 10,000 deep, lone surrogates, invalid UTF-8, duplicate keys, missing and
//! extra fields, empty bodies, JSON-RPC batches — sent to the real binary with the embedded
//! default (in-process emulators), one host per test on its own data dir. Each case asserts:
//!
//! - the reply is in the face's format (WebSocket `{event, data: {error, error_code, text}}`,
//!   REST seed 001's shape with its HTTP status, a JSON-RPC 2.0 response or batch);
//! - the host is alive and the connection serves the next message (WebSocket: a sentinel
//!   message after every case is answered, and only after the case's own single reply);
//! - a request the face refused added no row to the journal (its SQLite file, counted beside
//!   the running host before and after). A request the mutation left valid may succeed and
//!   journal; so may one that reached a device (declined, unknown outcome): the reply decides.
//!
//! Every few dozen cases, and at the end, a valid request of the face must succeed.
//! The cases are fixed: each chunk of a run has its own seed, so a failure is the same on
//! every machine, and proptest shrinks it to a minimal input, which the failure prints.

mod common;
#[path = "common/hostile.rs"]
mod hostile;

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use hostile::{Hostile, JournalRows, Rows, hostile, hostile_tree, preview};

/// The faces' body limit, `max_body_bytes` by default (1 MiB, docs/rpc.md); the hosts here
/// keep the default.
const MAX_BODY: usize = 1 << 20;

/// Cases per run of a generator, and how many cases run between two probes of the face.
const CHUNK: u32 = 50;

/// A case answered later than this is taken as never answered (a hung host or connection):
/// it only guards against waiting forever, far above any reply here, never a latency check.
const HANG: Duration = Duration::from_secs(60);

/// Runs `chunks` × `CHUNK` cases of `strategy`, each chunk on its own fixed seed, calling
/// `probe` after each chunk; the first failure is shrunk and reported with its minimal input.
fn run_cases<S: Strategy>(
    name: &str,
    chunks: u32,
    strategy: S,
    mut case: impl FnMut(S::Value) -> Result<(), TestCaseError>,
    mut probe: impl FnMut(),
) where
    S::Value: std::fmt::Debug,
{
    let case = RefCell::new(&mut case);
    for chunk in 0..chunks {
        let config = Config {
            cases: CHUNK,
            failure_persistence: None,
            max_shrink_iters: 400,
            ..Config::default()
        };
        let mut seed = [0u8; 32];
        seed[..4].copy_from_slice(&chunk.to_le_bytes());
        seed[4..4 + name.len().min(28)].copy_from_slice(&name.as_bytes()[..name.len().min(28)]);
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
        let mut runner = TestRunner::new_with_rng(config, rng);
        match runner.run(&strategy, |input| (case.borrow_mut())(input)) {
            Ok(()) => {}
            Err(TestError::Fail(reason, input)) => {
                panic!("{name}, chunk {chunk}: {reason}\nminimal failing input: {input:?}")
            }
            Err(TestError::Abort(reason)) => panic!("{name}, chunk {chunk}: aborted: {reason}"),
        }
        probe();
    }
}

fn fail(why: impl Into<String>) -> TestCaseError {
    TestCaseError::fail(why.into())
}

/// A host on its own data dir, with its journal open beside it.
struct Host {
    host: common::RunningHost,
    journal: JournalRows,
    /// How the cases were answered, for the run's summary.
    outcomes: std::collections::BTreeMap<String, u32>,
    _data: tempfile::TempDir,
}

impl Host {
    /// The embedded default, with this configuration TOML when given.
    fn start(config: Option<&str>) -> Host {
        let data = tempfile::tempdir().unwrap();
        let data_dir: PathBuf = data.path().join("data");
        let mut args = Vec::new();
        let config_path = data.path().join("config.toml");
        if let Some(config) = config {
            std::fs::write(&config_path, config).unwrap();
            args.push("--config");
            args.push(config_path.to_str().unwrap());
        }
        // One host at a time, each starting from the compiled plugins the first one left
        // (its data dir's compile cache, kept in cargo's test scratch dir between runs):
        // compiling the five plugins costs ~10 s of CPU per host on this machine.
        static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one_at_a_time = STARTING.lock().unwrap_or_else(|e| e.into_inner());
        let template =
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile-input-plugin-cache");
        if template.is_dir() {
            copy_dir(&template, &data_dir.join("plugin-cache"));
        }
        // Warnings only: thousands of cases would bury a failure's own lines in the log.
        let host = common::start_host_with_env(&data_dir, &args, &[("RUST_LOG", "warn")]);
        if !template.is_dir() {
            let staging = template.with_extension("new");
            let _ = std::fs::remove_dir_all(&staging);
            copy_dir(&data_dir.join("plugin-cache"), &staging);
            let _ = std::fs::rename(&staging, &template);
        }
        let journal = JournalRows::open(&data_dir);
        Host {
            host,
            journal,
            outcomes: Default::default(),
            _data: data,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.host.base_url.trim_end_matches('/'))
    }

    fn tally(&mut self, label: &str) {
        *self.outcomes.entry(label.to_owned()).or_default() += 1;
    }

    /// How the cases were answered (shown with `--nocapture`).
    fn summary(&self, name: &str) {
        let total: u32 = self.outcomes.values().sum();
        let parts: Vec<String> = self
            .outcomes
            .iter()
            .map(|(label, n)| format!("{label}: {n}"))
            .collect();
        eprintln!("{name}: {total} cases answered — {}", parts.join("; "));
    }

    /// The host process is still running (a panic that takes it down fails the case).
    fn alive(&mut self) -> Result<(), TestCaseError> {
        match self.host.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(fail(format!("the host exited: {status}"))),
            Err(e) => Err(fail(format!("the host's state: {e}"))),
        }
    }

    /// No new rows unless the reply allows them.
    fn rows_after(&self, before: Rows, allowed: bool, what: &str) -> Result<(), TestCaseError> {
        let after = self.journal.count();
        if !allowed && after != before {
            return Err(fail(format!(
                "a refused request journaled rows ({what}): before [{before}], after [{after}]"
            )));
        }
        Ok(())
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(HANG))
        .build()
        .into()
}

/// An HTTP answer: status, content type and body.
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Result<Value, TestCaseError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            fail(format!(
                "HTTP {}: the body is not JSON ({e}): {}",
                self.status,
                preview(&self.body)
            ))
        })
    }
}

fn answer(
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    what: &str,
) -> Result<Answer, TestCaseError> {
    let mut response = result.map_err(|e| fail(format!("{what}: no HTTP answer: {e}")))?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .map_err(|e| fail(format!("{what}: reading the body: {e}")))?;
    Ok(Answer {
        status,
        content_type,
        body,
    })
}

fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> Result<Answer, TestCaseError> {
    if body.len() > MAX_BODY {
        return post_oversized(url, body);
    }
    answer(
        agent
            .post(url)
            .header("content-type", "application/json")
            .send(body),
        url,
    )
}

/// A body over the limit, on a plain socket: the host may answer before it has read it all
/// and close, which an HTTP client that is still sending reports as a broken pipe, losing the
/// answer. Here the whole body is offered, a failed write is ignored, and whatever answer came
/// back is read.
fn post_oversized(url: &str, body: &[u8]) -> Result<Answer, TestCaseError> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(authority)
        .map_err(|e| fail(format!("{url}: connecting: {e}")))?;
    stream.set_read_timeout(Some(HANG)).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let written = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body));
    let mut response = Vec::new();
    let read = stream.read_to_end(&mut response);
    let Some(split) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Err(fail(format!(
            "{url}: a body of {} bytes got no HTTP answer (writing: {written:?}, reading: {read:?})",
            body.len()
        )));
    };
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| fail(format!("{url}: a status line like no other: {head}")))?;
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    let mut body = response[split + 4..].to_vec();
    if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body);
    }
    Ok(Answer {
        status,
        content_type: header("content-type").unwrap_or_default(),
        body,
    })
}

fn dechunk(mut chunked: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(end) = chunked.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&chunked[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        body.extend_from_slice(&chunked[start..(start + size).min(chunked.len())]);
        chunked = &chunked[(start + size + 2).min(chunked.len())..];
    }
    body
}

/// What strict JSON makes of these bytes (RFC 8259: UTF-8, no BOM, no trailing text).
fn strict_json(bytes: &[u8]) -> Option<Value> {
    serde_json::from_slice(bytes).ok()
}

// =============================================================================================
// WebSocket (seed 000)
// =============================================================================================

const CASHIER: &str = "Сидр Петров";

/// The beginnings of each error code's text (docs/websocket.md).
fn ws_prefix(code: u64) -> Option<&'static [&'static str]> {
    Some(match code {
        1 => &["Некорректный JSON"],
        2 => &["Неизвестное событие"],
        3 => &["Не передано или неверного типа поле"],
        4 => &["Недопустимое значение"],
        5 => &["Нет открытого документа"],
        6 => &["Сумма не совпадает с суммой документа"],
        7 => &["Смена не открыта"],
        8 => &["Смена уже открыта"],
        9 => &["Смена превысила 24 часа"],
        10 => &["Оплата отклонена"],
        11 => &["ККТ отказала в регистрации чека"],
        12 => &[
            "Устройство недоступно",
            "Нет бумаги",
            "Открыта крышка",
            "Ошибка фискального накопителя",
            "Устройство отказало",
        ],
        13 => &["Платёж не найден"],
        14 => &["Ошибка расчёта налогов"],
        15 => &["Внутренняя ошибка"],
        16 => &["Результат операции неизвестен"],
        18 => &["Сообщение больше"],
        _ => return None,
    })
}

/// Codes of requests the host refuses before anything is done: nothing may be journaled.
/// 10–12, 15 and 16 come from a device or the journal, after an operation may have been
/// recorded.
const WS_REFUSED: &[u64] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14];

fn seed_ware() -> Value {
    json!({ "name": "Водка Айс 0,5л 40%", "barcode": "123123", "tax_number": 0, "price": 123.45, "quantity": 2 })
}

fn ws_create_doc() -> Value {
    json!({ "event": "create_doc", "data": { "cashier": CASHIER, "doc_type": 2, "wares": [seed_ware()] } })
}

/// Seed 000's requests, each valid as documented.
fn ws_bases() -> Vec<(&'static str, Value)> {
    vec![
        (
            "open_shift",
            json!({ "event": "open_shift", "data": { "cashier": CASHIER } }),
        ),
        (
            "close_shift",
            json!({ "event": "close_shift", "data": { "cashier": CASHIER } }),
        ),
        ("force_close_shift", json!({ "event": "force_close_shift" })),
        ("create_doc", ws_create_doc()),
        (
            "create_doc, two wares, return",
            json!({ "event": "create_doc", "data": { "cashier": CASHIER, "doc_type": 3, "wares": [
                seed_ware(),
                { "name": "Хлеб", "barcode": "", "tax_number": 1, "price": 49.9, "quantity": 0.5 },
            ] } }),
        ),
        (
            "pay",
            json!({ "event": "pay", "data": { "amount": 24690 } }),
        ),
        (
            "pay with a request id",
            json!({ "event": "pay", "data": { "amount": 24690 }, "request_id": "r-1" }),
        ),
        (
            "cancel_payment",
            json!({ "event": "cancel_payment", "data": { "auth_id": 1 } }),
        ),
        (
            "cancel_payment_by_link",
            json!({ "event": "cancel_payment_by_link", "data": { "rrn": "LINK_916913195426", "amount": 24690 } }),
        ),
    ]
}

const WS_FIELDS: &[&str] = &[
    "event",
    "data",
    "request_id",
    "cashier",
    "doc_type",
    "wares",
    "name",
    "barcode",
    "tax_number",
    "price",
    "quantity",
    "amount",
    "auth_id",
    "rrn",
    "device",
    "error",
    "",
];

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One WebSocket frame of a case.
#[derive(Clone)]
enum Frame {
    Text(Hostile),
    Binary(Hostile),
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Frame::Text(h) => write!(f, "text frame {h:?}"),
            Frame::Binary(h) => write!(f, "binary frame {h:?}"),
        }
    }
}

impl Frame {
    fn bytes(&self) -> &[u8] {
        match self {
            Frame::Text(h) | Frame::Binary(h) => &h.bytes,
        }
    }
}

struct WsFace {
    rt: tokio::runtime::Runtime,
    host: Host,
    connection: Option<Ws>,
    sentinels: u64,
}

impl WsFace {
    fn start() -> WsFace {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut face = WsFace {
            rt,
            host: Host::start(None),
            connection: None,
            sentinels: 0,
        };
        face.probe();
        face
    }

    fn connection(&mut self) -> &mut Ws {
        if self.connection.is_none() {
            let url = common::ws::ws_url(&self.host.host.base_url, None);
            let (stream, _) = self
                .rt
                .block_on(async {
                    tokio::time::timeout(HANG, tokio_tungstenite::connect_async(url)).await
                })
                .expect("a WebSocket handshake")
                .expect("a WebSocket connection");
            self.connection = Some(stream);
        }
        self.connection.as_mut().unwrap()
    }

    /// Sends the frame, then a sentinel (an unknown event, answered with error 2 and nothing
    /// journaled); returns what came before the sentinel's reply.
    fn exchange(&mut self, frame: Message) -> Result<Vec<Value>, TestCaseError> {
        self.sentinels += 1;
        let sentinel = format!("fuzz_sentinel_{}", self.sentinels);
        let expected = format!("on{sentinel}");
        let sentinel_message = Message::text(json!({ "event": sentinel }).to_string());
        let rt = &self.rt;
        let ws = match self.connection.as_mut() {
            Some(ws) => ws,
            None => unreachable!("connected before"),
        };
        rt.block_on(async {
            ws.send(frame)
                .await
                .map_err(|e| fail(format!("sending the case: {e}")))?;
            ws.send(sentinel_message)
                .await
                .map_err(|e| fail(format!("sending the next message: {e}")))?;
            let mut before = Vec::new();
            loop {
                let next = tokio::time::timeout(HANG, ws.next())
                    .await
                    .map_err(|_| fail("no reply at all: the connection hangs"))?;
                let text = match next {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(close))) => {
                        return Err(fail(format!(
                            "the host closed the connection ({close:?}) after {} replies: {before:?}",
                            before.len()
                        )));
                    }
                    Some(Ok(other)) => return Err(fail(format!("a reply not as text: {other:?}"))),
                    Some(Err(e)) => return Err(fail(format!("the connection broke: {e}"))),
                    None => return Err(fail("the connection ended without a close frame")),
                };
                let reply: Value = serde_json::from_str(text.as_str())
                    .map_err(|e| fail(format!("a reply is not JSON ({e}): {}", text.as_str())))?;
                if reply["event"] == expected.as_str() {
                    return Ok(before);
                }
                before.push(reply);
            }
        })
    }

    fn case(&mut self, frame: Frame) -> Result<(), TestCaseError> {
        self.connection();
        let before = self.host.journal.count();
        let message = match &frame {
            Frame::Text(h) => Message::text(
                String::from_utf8(h.bytes.clone()).expect("text frames are generated as UTF-8"),
            ),
            Frame::Binary(h) => Message::binary(h.bytes.clone()),
        };
        let outcome =
            if frame.bytes().len() > MAX_BODY {
                self.oversized(message)
            } else {
                self.exchange(message)
                .and_then(|replies| match replies.as_slice() {
                    [reply] => ws_reply(frame.bytes(), reply),
                    [] => Err(fail(
                        "no reply: the next message on the connection was answered, this one never",
                    )),
                    more => Err(fail(format!("{} replies to one message: {more:?}", more.len()))),
                })
            };
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                // A fresh connection for the next case (shrinking runs on).
                self.connection = None;
                return Err(e);
            }
        };
        self.host.alive()?;

        self.host.tally(&outcome.label);
        self.host
            .rows_after(before, outcome.may_journal, &outcome.detail)
    }

    /// A message over the body limit: an error reply in the seed's format, then close 1009
    /// (issue 13). The next case connects anew.
    fn oversized(&mut self, message: Message) -> Result<Outcome, TestCaseError> {
        self.sentinels += 1;
        let sentinel = format!("fuzz_sentinel_{}", self.sentinels);
        let expected = format!("on{sentinel}");
        let sentinel_message = Message::text(json!({ "event": sentinel }).to_string());
        let rt = &self.rt;
        let ws = self.connection.as_mut().expect("connected before");
        let outcome = rt.block_on(async {
            ws.send(message)
                .await
                .map_err(|e| fail(format!("sending the case: {e}")))?;
            // Answered only if the connection stays open: then no waiting for a close.
            let _ = ws.send(sentinel_message).await;
            let mut reply: Option<Value> = None;
            loop {
                let next = tokio::time::timeout(HANG, ws.next())
                    .await
                    .map_err(|_| fail("an oversized message: no reply, no close"))?;
                match next {
                    Some(Ok(Message::Text(t))) if reply.is_none() => {
                        let parsed: Value = serde_json::from_str(t.as_str()).map_err(|e| {
                            fail(format!("a reply is not JSON ({e}): {}", t.as_str()))
                        })?;
                        if parsed["event"] == expected.as_str() {
                            return Err(fail(
                                "an oversized message got no reply, and the connection served the next message",
                            ));
                        }
                        reply = Some(parsed);
                    }
                    Some(Ok(Message::Text(t)))
                        if serde_json::from_str::<Value>(t.as_str())
                            .is_ok_and(|v| v["event"] == expected.as_str()) =>
                    {
                        return Err(fail(format!(
                            "an oversized message was answered {reply:?}, and the connection stayed open"
                        )));
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(Some(close))))
                        if close.code == CloseCode::Size && reply.is_some() =>
                    {
                        break;
                    }
                    other => {
                        return Err(fail(format!(
                            "an oversized message: expected an error reply, then close 1009; got {reply:?}, then {other:?}"
                        )));
                    }
                }
            }
            let reply = reply.unwrap();
            let code = ws_error_shape(&reply)?;
            Ok(Outcome::new(
                "oversized: error, close 1009".into(),
                format!("oversized: error {code}"),
                false,
            ))
        });
        self.connection = None;
        outcome
    }

    /// One request and its reply on the case connection, for the probes.
    fn request(&mut self, message: Value) -> Value {
        self.connection();
        let ws = self.connection.as_mut().unwrap();
        self.rt.block_on(async {
            ws.send(Message::text(message.to_string())).await.unwrap();
            loop {
                match tokio::time::timeout(HANG, ws.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) => {
                        return serde_json::from_str(t.as_str()).unwrap();
                    }
                    Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                    other => panic!("probe {message}: {other:?}"),
                }
            }
        })
    }

    /// A sale can be opened: the shift open (or opened now) and the seed's document created.
    fn probe(&mut self) {
        let opened = self.request(json!({ "event": "open_shift", "data": { "cashier": CASHIER } }));
        let code = &opened["data"]["error_code"];
        assert!(
            *code == 0 || *code == 8,
            "probe: open_shift answered {opened}"
        );
        let created = self.request(ws_create_doc());
        assert_eq!(
            created["data"]["error_code"], 0,
            "probe: the seed's create_doc answered {created}"
        );
        assert_eq!(created["data"]["amount"], 24690, "probe: {created}");
    }
}

/// A reply's outcome: a short label for the run's tally, its text for reports, and whether
/// journal rows may follow.
struct Outcome {
    label: String,
    detail: String,
    may_journal: bool,
}

impl Outcome {
    fn new(label: String, detail: String, may_journal: bool) -> Outcome {
        Outcome {
            label,
            detail,
            may_journal,
        }
    }
}

/// An error reply's shape, `{event: "on…", data: {error: true, error_code, text}}` with the
/// text its code begins with; its code.
fn ws_error_shape(reply: &Value) -> Result<u64, TestCaseError> {
    let bad = |why: &str| fail(format!("{why}: {reply}"));
    if !reply["event"].as_str().is_some_and(|e| e.starts_with("on")) {
        return Err(bad("the reply's event is not on…"));
    }
    let data = &reply["data"];
    if data["error"] != true {
        return Err(bad("not an error"));
    }
    let code = data["error_code"]
        .as_u64()
        .ok_or_else(|| bad("data.error_code is not a non-negative integer"))?;
    let prefix = ws_prefix(code).ok_or_else(|| bad("an error code the seed does not have"))?;
    if !data["text"]
        .as_str()
        .is_some_and(|t| prefix.iter().any(|p| t.starts_with(p)))
    {
        return Err(bad(&format!(
            "error {code}'s text does not begin with any of {prefix:?}"
        )));
    }
    Ok(code)
}

/// Checks a WebSocket reply against docs/websocket.md for the message sent.
fn ws_reply(sent: &[u8], reply: &Value) -> Result<Outcome, TestCaseError> {
    let message = strict_json(sent);
    let event = message
        .as_ref()
        .and_then(|m| m.get("event"))
        .and_then(Value::as_str);
    let expected_event = format!("on{}", event.unwrap_or("error"));
    let bad = |why: &str| fail(format!("{why}: {reply}"));
    let Some(object) = reply.as_object() else {
        return Err(bad("the reply is not an object"));
    };
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if keys != ["data", "event"] {
        return Err(bad("the reply is not {event, data}"));
    }
    if reply["event"] != expected_event.as_str() {
        return Err(bad(&format!("the reply's event is not «{expected_event}»")));
    }
    let data = &reply["data"];
    let Some(error) = data["error"].as_bool() else {
        return Err(bad("data.error is not a boolean"));
    };
    let Some(code) = data["error_code"].as_u64() else {
        return Err(bad("data.error_code is not a non-negative integer"));
    };
    let Some(text) = data["text"].as_str() else {
        return Err(bad("data.text is not a string"));
    };
    if !error {
        if code != 0 {
            return Err(bad("a success with an error code"));
        }
        return Ok(Outcome::new(
            "success".into(),
            format!("success {}", reply["event"]),
            true,
        ));
    }
    let Some(prefix) = ws_prefix(code) else {
        return Err(bad("an error code the seed does not have"));
    };
    if !prefix.iter().any(|p| text.starts_with(p)) {
        return Err(bad(&format!(
            "error {code}'s text does not begin with any of {prefix:?}"
        )));
    }
    if expected_event.starts_with("oncancel_payment") && data["response_code"] != code {
        return Err(bad("a cancel_* error without its response_code"));
    }
    // What the host cannot parse is error 1; JSON without a string event is error 3.
    match (&message, event) {
        (None, _) if code != 1 => return Err(bad("not JSON, yet not error 1")),
        (Some(_), None) if code != 3 => return Err(bad("no string event, yet not error 3")),
        _ => {}
    }
    Ok(Outcome::new(
        format!("error {code}"),
        format!("error {code} to {}: {text}", reply["event"]),
        !WS_REFUSED.contains(&code),
    ))
}

/// Messages up to the body limit (the oversized ones have their own test).
fn ws_frames(invalid_utf8: bool) -> impl Strategy<Value = Hostile> {
    hostile(ws_bases(), WS_FIELDS, 3, invalid_utf8)
        .prop_filter("within max_body_bytes", |h| h.bytes.len() <= MAX_BODY)
}

#[test]
fn websocket_text_messages_are_answered_in_the_seed_format() {
    let face = RefCell::new(WsFace::start());
    run_cases(
        "ws text",
        40,
        ws_frames(false).prop_map(Frame::Text),
        |frame| face.borrow_mut().case(frame),
        || face.borrow_mut().probe(),
    );
    face.borrow().host.summary("ws text");
}

/// Binary frames are answered like text ones: parsed when they are UTF-8 JSON, else error 1
/// (the docs promise a reply to whatever is not JSON).
#[test]
fn websocket_binary_frames_are_answered_like_text() {
    let face = RefCell::new(WsFace::start());
    run_cases(
        "ws binary",
        10,
        ws_frames(true).prop_map(Frame::Binary),
        |frame| face.borrow_mut().case(frame),
        || face.borrow_mut().probe(),
    );
    face.borrow().host.summary("ws binary");
}

/// A message over `max_body_bytes` (a request, malformed or not, padded with blanks after it),
/// as text or binary: an error reply, then close 1009; nothing journaled (issue 13).
#[test]
fn websocket_oversized_messages_get_an_error_then_close_1009() {
    let face = RefCell::new(WsFace::start());
    let oversized = (
        hostile(ws_bases(), WS_FIELDS, 1, false),
        0..4096usize,
        any::<bool>(),
    )
        .prop_map(|(mut h, over, binary)| {
            let pad = (MAX_BODY + 1 + over).saturating_sub(h.bytes.len());
            h.bytes.extend(std::iter::repeat_n(b' ', pad));
            if binary {
                Frame::Binary(h)
            } else {
                Frame::Text(h)
            }
        });
    run_cases(
        "ws oversized",
        1,
        oversized,
        |frame| face.borrow_mut().case(frame),
        || face.borrow_mut().probe(),
    );
    face.borrow().host.summary("ws oversized");
}

// =============================================================================================
// REST (seed 001)
// =============================================================================================

const EMPLOYEE: &str = "Иванова Мария Петровна";

/// Seed 001's shape: every field present, with its type (docs/rest.md).
fn rest_shape(body: &Value) -> Result<(), String> {
    let Some(object) = body.as_object() else {
        return Err("not an object".into());
    };
    for field in common::seeds::SEED_001_TEXT_FIELDS {
        if !object.get(*field).is_some_and(Value::is_string) {
            return Err(format!("«{field}» missing or not a string"));
        }
    }
    for field in ["code", "printError", "documentID"] {
        if !object.get(field).is_some_and(Value::is_i64) {
            return Err(format!("«{field}» missing or not an integer"));
        }
    }
    match body["status"].as_str() {
        Some("success" | "error") => Ok(()),
        _ => Err("«status» is neither \"success\" nor \"error\"".into()),
    }
}

/// The HTTP statuses each error code may have (docs/rest.md, Error codes).
fn rest_http(code: i64) -> &'static [u16] {
    match code {
        1 => &[401],
        2 => &[400, 413],
        3 | 4 | 7 => &[400],
        5 => &[500, 409],
        6 => &[409],
        8 => &[400, 402],
        9 => &[404],
        _ => &[],
    }
}

/// Whether an error answer is a refusal (nothing done, nothing to journal): every code but
/// the device's and the journal's (5 with 500) and a declined card (8 with 402).
fn rest_refused(code: i64, http: u16) -> bool {
    !matches!((code, http), (5, 500) | (8, 402))
}

/// Checks a REST answer; `sent` is the body, when it is to be judged as JSON.
fn rest_answer(answer: &Answer, sent: Option<&[u8]>) -> Result<Outcome, TestCaseError> {
    let body = answer.json()?;
    let bad = |why: &str| fail(format!("{why}: HTTP {} {body}", answer.status));
    rest_shape(&body).map_err(|why| bad(&format!("not seed 001's shape: {why}")))?;
    if !answer.content_type.starts_with("application/json") {
        return Err(bad(&format!("content type «{}»", answer.content_type)));
    }
    let code = body["code"].as_i64().unwrap();
    if let Some(sent) = sent
        && sent.len() > MAX_BODY
        && (code, answer.status) != (2, 413)
    {
        return Err(bad(
            "a body over max_body_bytes, yet not code 2 with HTTP 413",
        ));
    }
    if body["status"] == "success" {
        if code != 0 || answer.status != 200 {
            return Err(bad("a success with a code or a status"));
        }
        return Ok(Outcome::new("success".into(), "success".into(), true));
    }
    if !rest_http(code).contains(&answer.status) {
        return Err(bad(&format!("code {code} with this HTTP status")));
    }
    let message = body["message"].as_str().unwrap();
    if !message
        .chars()
        .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
    {
        return Err(bad("the message is not Russian"));
    }
    if let Some(sent) = sent
        && std::str::from_utf8(sent).is_ok()
        && !strict_json(sent).is_some_and(|v| v.is_object())
        && code != 2
    {
        return Err(bad("the body is not a JSON object, yet not code 2"));
    }
    let label = format!("code {code}, HTTP {}", answer.status);
    Ok(Outcome::new(
        label.clone(),
        label,
        !rest_refused(code, answer.status),
    ))
}

const REST_FIELDS: &[&str] = &[
    "docTime",
    "docNumber",
    "wsName",
    "departmentName",
    "employeeName",
    "amount",
    "currency",
    "items",
    "itemId",
    "itemName",
    "itemAttr",
    "itemQRCode",
    "itemQty",
    "itemAmount",
    "discount",
    "itemTaxes",
    "taxName",
    "taxPrc",
    "calcType",
    "itemMarginSum",
    "itemMarginPrice",
    "payments",
    "cashAmount",
    "cashlessAmount",
    "creditAmount",
    "bonusesAmount",
    "prepaymentAmount",
    "installmentAmount",
    "fiscalID",
    "printFooter",
    "device",
    "",
];

/// Seed 001's example sale: 629.80, 129.80 in cash and 500.00 by card.
fn rest_sale(doc_time: Option<&str>) -> Value {
    common::seeds::seed_001_sale(doc_time, "A-1")
}

/// Each route's documented request; `fiscal_id` is a sale the host fiscalized.
fn rest_bases(fiscal_id: &str) -> Vec<(&'static str, Value)> {
    let employee = json!({ "employeeName": EMPLOYEE });
    vec![
        ("/sale", rest_sale(None)),
        ("/sale", rest_sale(Some("2026-03-01 12:00:00"))),
        (
            "/sale",
            json!({ "docNumber": "B-1", "employeeName": EMPLOYEE, "amount": 5000, "items": [
                { "itemName": "Хлеб", "itemQty": 1000, "itemAmount": 5000 }
            ], "payments": { "cashAmount": 10000 } }),
        ),
        ("/sale", json!({ "fiscalID": fiscal_id })),
        ("/refund", json!({ "fiscalID": fiscal_id, "amount": 100 })),
        ("/x_report", employee.clone()),
        ("/open_shift", employee.clone()),
        ("/close_shift", employee.clone()),
        ("/check_shift", json!({})),
        (
            "/deposit",
            json!({ "amount": 10000, "employeeName": EMPLOYEE }),
        ),
        (
            "/withdraw",
            json!({ "amount": 5000, "employeeName": EMPLOYEE }),
        ),
        ("/check_copy", json!({ "fiscalID": fiscal_id })),
        ("/last_document", json!({})),
    ]
}

/// `?device=` values, percent-encoded: the register, other devices, nothing known.
const DEVICES: &[&str] = &[
    "kkt",
    "printer",
    "terminal",
    "",
    "nope",
    "KKT",
    "kkt%00",
    "%FF%FE",
    "%D0%AF",
    "..%2F..%2Fetc",
    "kkt&device=printer",
];

#[derive(Clone)]
struct RestCase {
    route: &'static str,
    device: Option<&'static str>,
    body: Hostile,
}

impl std::fmt::Debug for RestCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.device {
            Some(d) => write!(f, "POST {}?device={d} {:?}", self.route, self.body),
            None => write!(f, "POST {} {:?}", self.route, self.body),
        }
    }
}

fn rest_cases(fiscal_id: &str, invalid_utf8: bool) -> BoxedStrategy<RestCase> {
    (
        prop_oneof![
            8 => Just(None),
            1 => proptest::sample::select(DEVICES).prop_map(Some),
        ],
        hostile(rest_bases(fiscal_id), REST_FIELDS, 3, invalid_utf8),
    )
        .prop_map(|(device, body)| RestCase {
            route: body.base,
            device,
            body,
        })
        .boxed()
}

struct RestFace {
    host: Host,
    agent: ureq::Agent,
}

impl RestFace {
    fn start() -> (RestFace, String) {
        let face = RestFace {
            host: Host::start(None),
            agent: agent(),
        };
        face.probe();
        let sale = face.ok("/sale", &rest_sale(None));
        let fiscal_id = sale["fiscalID"].as_str().unwrap().to_owned();
        (face, fiscal_id)
    }

    fn ok(&self, route: &str, body: &Value) -> Value {
        let answer = post(
            &self.agent,
            &self.host.url(route),
            body.to_string().as_bytes(),
        )
        .unwrap_or_else(|e| panic!("{route}: {e}"));
        let reply = answer.json().unwrap_or_else(|e| panic!("{route}: {e}"));
        assert_eq!(
            (answer.status, &reply["code"]),
            (200, &json!(0)),
            "{route} {body}: {reply}"
        );
        reply
    }

    fn case(&mut self, case: &RestCase, judge_json: bool) -> Result<Outcome, TestCaseError> {
        let before = self.host.journal.count();
        let url = match case.device {
            Some(d) => self.host.url(&format!("{}?device={d}", case.route)),
            None => self.host.url(case.route),
        };
        let answer = post(&self.agent, &url, &case.body.bytes)?;
        let outcome = rest_answer(&answer, judge_json.then_some(&case.body.bytes[..]))?;
        self.host.alive()?;
        self.host.tally(&outcome.label);
        self.host
            .rows_after(before, outcome.may_journal, &outcome.detail)?;
        Ok(outcome)
    }

    /// The face serves: the shift is open (or opened now) and a cash sale goes through.
    fn probe(&self) {
        let status = self.ok("/check_shift", &json!({}));
        if status["shiftOpen"] != true {
            self.ok("/open_shift", &json!({ "employeeName": EMPLOYEE }));
        }
        self.ok(
            "/sale",
            &json!({ "docNumber": "P-1", "employeeName": EMPLOYEE, "amount": 100, "items": [
                { "itemName": "Пакет", "itemQty": 1000, "itemAmount": 100 }
            ], "payments": { "cashAmount": 100 } }),
        );
    }
}

#[test]
fn rest_bodies_are_answered_in_the_seed_shape() {
    let (face, fiscal_id) = RestFace::start();
    let face = RefCell::new(face);
    run_cases(
        "rest",
        40,
        rest_cases(&fiscal_id, true),
        |case| face.borrow_mut().case(&case, true).map(drop),
        || face.borrow().probe(),
    );
    face.borrow().host.summary("rest");
}

/// JSON is UTF-8 (RFC 8259 §8.1): a body that is not is refused as not JSON (code 2), never
/// read with replacement characters into what a receipt prints.
#[test]
fn rest_bodies_of_invalid_utf8_are_not_json() {
    let (face, fiscal_id) = RestFace::start();
    let face = RefCell::new(face);
    // The bad bytes go just inside a string (after one of its quotes), where a lossy reading
    // of the body would let them through as U+FFFD; or anywhere.
    let strategy = (
        rest_cases(&fiscal_id, false),
        any::<proptest::sample::Index>(),
        proptest::sample::select(hostile::BAD_UTF8),
    )
        .prop_map(|(mut case, at, bad)| {
            let quotes: Vec<usize> = (0..case.body.bytes.len())
                .filter(|&i| case.body.bytes[i] == b'"')
                .map(|i| i + 1)
                .collect();
            let at = if quotes.is_empty() {
                at.index(case.body.bytes.len() + 1)
            } else {
                quotes[at.index(quotes.len())]
            };
            case.body.bytes.splice(at..at, bad.iter().copied());
            case
        });
    run_cases(
        "rest utf-8",
        6,
        strategy,
        |case| {
            let outcome = face.borrow_mut().case(&case, false)?;
            if !outcome.label.starts_with("code 2,") {
                return Err(fail(format!(
                    "invalid UTF-8 answered {} instead of code 2",
                    outcome.detail
                )));
            }
            Ok(())
        },
        || face.borrow().probe(),
    );
    face.borrow().host.summary("rest utf-8");
}

// =============================================================================================
// JSON-RPC 2.0 (seed 002)
// =============================================================================================

const SEED_AUTH: &str = "a2Fzc2E6a2FzMTIzNDU2";

/// The codes docs/rpc.md lists.
const RPC_CODES: &[i64] = &[
    -32700, -32600, -32601, -32602, -32603, -32001, -32002, -32003, -32004, -32005, -32006, -32007,
    -32008, -32009, -32010, -32011, -32012, -32013,
];

/// Refusals: nothing was done, nothing may be journaled. -32603 (journal), -32004 (device),
/// -32007 (register refused), -32008 (declined) and -32010 (unknown outcome) may follow a
/// recorded operation.
const RPC_REFUSED: &[i64] = &[
    -32700, -32600, -32601, -32602, -32001, -32002, -32003, -32005, -32006, -32009, -32011, -32013,
];

const RPC_FIELDS: &[&str] = &[
    "id",
    "auth",
    "method",
    "params",
    "jsonrpc",
    "cashier_name",
    "code",
    "phone",
    "pos_id",
    "seller_name",
    "session_code",
    "positions",
    "payments",
    "custom_variables",
    "name",
    "amount",
    "quantity",
    "vat_value",
    "discount",
    "label",
    "barcode",
    "unit_name",
    "type",
    "value",
    "payment_id",
    "RRN",
    "rrn",
    "card_type",
    "\u{0441}ard_type",
    "result",
    "error",
    "",
];

/// Seed 002's example (docs/rpc.md), as written, with the Cyrillic «сard_type».
fn rpc_seed() -> Value {
    common::seeds::seed_002()
}

fn rpc(id: Value, method: &str, params: Value) -> Value {
    json!({ "id": id, "auth": SEED_AUTH, "method": method, "params": params, "jsonrpc": "2.0" })
}

/// A fiscal receipt the emulated register takes: 50.00 at 0%, paid as given.
fn rpc_receipt(payments: Value) -> Value {
    json!({
        "cashier_name": "Administrator",
        "code": null,
        "positions": [{ "name": "Хлеб", "amount": 5000, "quantity": 1000, "vat_value": 0, "discount": 0, "label": "", "unit_name": "шт" }],
        "payments": payments,
        "custom_variables": [{ "name": "bonus", "value": "1" }]
    })
}

fn rpc_bases(receipt_id: &str) -> Vec<(&'static str, Value)> {
    let mut credit_without_code = rpc_seed();
    credit_without_code["params"]["code"] = Value::Null;
    vec![
        ("Receipt.Credit (the seed's)", rpc_seed()),
        ("Receipt.Credit without a code", credit_without_code),
        (
            "Receipt.Sale in cash",
            rpc(
                json!(2),
                "Receipt.Sale",
                rpc_receipt(json!([{ "type": 1, "value": 5000 }])),
            ),
        ),
        (
            "Receipt.Sale by card",
            rpc(
                json!("s-3"),
                "Receipt.Sale",
                rpc_receipt(json!([{ "type": 2, "value": 5000 }])),
            ),
        ),
        (
            "Receipt.Refund in cash",
            rpc(
                json!(4),
                "Receipt.Refund",
                rpc_receipt(json!([{ "type": 1, "value": 5000 }])),
            ),
        ),
        (
            "Receipt.Get",
            rpc(json!(5), "Receipt.Get", json!({ "id": receipt_id })),
        ),
        (
            "ZReport.Open",
            rpc(
                json!(6),
                "ZReport.Open",
                json!({ "cashier_name": "Administrator" }),
            ),
        ),
        (
            "ZReport.Close",
            rpc(
                json!(7),
                "ZReport.Close",
                json!({ "cashier_name": "Administrator" }),
            ),
        ),
    ]
}

/// What the face must answer to one element of a request: nothing (a notification), or a
/// reply with this id; `shape_ok` false when the element itself is an invalid request.
#[derive(Debug)]
enum Expect {
    Nothing,
    Reply { id: Value, shape_ok: bool },
}

fn rpc_expect(element: &Value) -> Expect {
    let Some(object) = element.as_object() else {
        return Expect::Reply {
            id: Value::Null,
            shape_ok: false,
        };
    };
    let id = match object.get("id") {
        None => return Expect::Nothing,
        Some(id @ (Value::String(_) | Value::Number(_) | Value::Null)) => id.clone(),
        Some(_) => {
            return Expect::Reply {
                id: Value::Null,
                shape_ok: false,
            };
        }
    };
    let shape_ok = object.get("jsonrpc") == Some(&json!("2.0"))
        && object.get("method").is_some_and(Value::is_string);
    Expect::Reply { id, shape_ok }
}

/// Checks one JSON-RPC response; whether it may have journaled.
fn rpc_response(reply: &Value, expect_id: &Value, shape_ok: bool) -> Result<bool, TestCaseError> {
    let bad = |why: &str| fail(format!("{why}: {reply}"));
    let Some(object) = reply.as_object() else {
        return Err(bad("a response that is not an object"));
    };
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if reply["jsonrpc"] != "2.0" {
        return Err(bad("jsonrpc is not \"2.0\""));
    }
    if &reply["id"] != expect_id {
        return Err(bad(&format!("the id is not {expect_id}")));
    }
    match keys.as_slice() {
        ["id", "jsonrpc", "ok", "result"] => {
            if reply["ok"] != true {
                return Err(bad("a result without ok: true"));
            }
            if !shape_ok {
                return Err(bad("an invalid request answered with a result"));
            }
            Ok(true)
        }
        ["error", "id", "jsonrpc", "ok"] => {
            if reply["ok"] != false {
                return Err(bad("an error without ok: false"));
            }
            let error = &reply["error"];
            let Some(code) = error["code"].as_i64() else {
                return Err(bad("error.code is not an integer"));
            };
            if !RPC_CODES.contains(&code) {
                return Err(bad("an error code docs/rpc.md does not list"));
            }
            if error["message"].as_str().is_none_or(str::is_empty) {
                return Err(bad("error.message is not a non-empty string"));
            }
            let extra = error
                .as_object()
                .map(|e| {
                    e.keys()
                        .any(|k| !["code", "message", "data"].contains(&k.as_str()))
                })
                .unwrap_or(true);
            if extra {
                return Err(bad("error has members besides code, message, data"));
            }
            if !shape_ok && code != -32600 {
                return Err(bad("an invalid request not answered -32600"));
            }
            Ok(!RPC_REFUSED.contains(&code))
        }
        _ => Err(bad("not {id, ok, result|error, jsonrpc}")),
    }
}

/// Checks the answer to a body against docs/rpc.md; whether journal rows may follow.
fn rpc_answer(sent: &[u8], answer: &Answer) -> Result<bool, TestCaseError> {
    let status = answer.status;
    let no_content = |expected: &str| {
        if status == 204 && answer.body.is_empty() {
            Ok(true)
        } else {
            Err(fail(format!(
                "{expected}: expected HTTP 204 without a body, got HTTP {status} {}",
                preview(&answer.body)
            )))
        }
    };
    let json_200 = || -> Result<Value, TestCaseError> {
        if status != 200 {
            return Err(fail(format!("HTTP {status}: {}", preview(&answer.body))));
        }
        answer.json()
    };
    if sent.len() > MAX_BODY {
        if status != 413 {
            return Err(fail(format!(
                "a body over max_body_bytes answered HTTP {status}, not 413"
            )));
        }
        let reply = answer.json()?;
        rpc_response(&reply, &Value::Null, false)?;
        return Ok(false);
    }
    let Some(request) = strict_json(sent) else {
        let reply = json_200()?;
        rpc_response(&reply, &Value::Null, true)?;
        if reply["error"]["code"] != -32700 {
            return Err(fail(format!("not JSON, yet not -32700: {reply}")));
        }
        return Ok(false);
    };
    match &request {
        Value::Array(items) if items.is_empty() => {
            let reply = json_200()?;
            rpc_response(&reply, &Value::Null, false)
        }
        Value::Array(items) => {
            let expected: Vec<Expect> = items.iter().map(rpc_expect).collect();
            let notifications = expected.iter().any(|e| matches!(e, Expect::Nothing));
            let replies: Vec<(&Value, bool)> = expected
                .iter()
                .filter_map(|e| match e {
                    Expect::Reply { id, shape_ok } => Some((id, *shape_ok)),
                    Expect::Nothing => None,
                })
                .collect();
            if replies.is_empty() {
                return no_content("a batch of notifications");
            }
            let reply = json_200()?;
            let Some(answers) = reply.as_array() else {
                return Err(fail(format!("a batch answered with a non-array: {reply}")));
            };
            if answers.len() != replies.len() {
                return Err(fail(format!(
                    "a batch of {} requests ({} to answer) answered with {} replies: {reply}",
                    items.len(),
                    replies.len(),
                    answers.len()
                )));
            }
            let mut may_journal = notifications;
            for (answer, (id, shape_ok)) in answers.iter().zip(replies) {
                may_journal |= rpc_response(answer, id, shape_ok)?;
            }
            Ok(may_journal)
        }
        single => match rpc_expect(single) {
            Expect::Nothing => no_content("a notification"),
            Expect::Reply { id, shape_ok } => rpc_response(&json_200()?, &id, shape_ok),
        },
    }
}

struct RpcFace {
    host: Host,
    agent: ureq::Agent,
}

impl RpcFace {
    /// On the embedded default's lanes, no credentials (loopback): argon2 on every case would
    /// spend the run on hashing, and `auth` of the wrong type is still refused.
    fn start() -> (RpcFace, String) {
        let face = RpcFace {
            host: Host::start(None),
            agent: agent(),
        };
        let credit = face.call_on(
            &rpc(json!(0), "Receipt.Credit", rpc_seed()["params"].clone()),
            &face.host.url("/rpc"),
        );
        let id = credit["result"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("the seed's credit receipt: {credit}"))
            .to_owned();
        face.probe(&id);
        (face, id)
    }

    /// Where a case goes: the face's own (Uzbek) lane, whose register prints the seed's credit
    /// receipts and refuses fiscal ones, or the Russian lane (`?device=kkt`), which fiscalizes.
    /// Cases alternate by the parity of their length, so mutated fiscal requests reach a
    /// register that takes them as often as the Uzbek lane's refusal.
    fn url(&self, body: &[u8]) -> String {
        if body.len().is_multiple_of(2) {
            self.host.url("/rpc")
        } else {
            self.host.url("/rpc?device=kkt")
        }
    }

    /// A request on the Russian lane (the probe's shift is the register's that fiscalizes).
    fn call(&self, request: &Value) -> Value {
        self.call_on(request, &self.host.url("/rpc?device=kkt"))
    }

    fn call_on(&self, request: &Value, url: &str) -> Value {
        let answer = post(&self.agent, url, request.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{request}: {e}"));
        assert_eq!(answer.status, 200, "{request}");
        answer.json().unwrap_or_else(|e| panic!("{request}: {e}"))
    }

    fn case(&mut self, body: &[u8]) -> Result<(), TestCaseError> {
        let before = self.host.journal.count();
        let answer = post(&self.agent, &self.url(body), body)?;
        let may_journal = rpc_answer(body, &answer)?;
        let label = match answer.json() {
            _ if answer.status == 204 => "HTTP 204".to_owned(),
            Ok(Value::Array(replies)) => {
                format!("a batch answered with {} replies", replies.len().min(10))
            }
            Ok(reply) if reply["ok"] == true => "result".to_owned(),
            Ok(reply) => format!("error {}", reply["error"]["code"]),
            Err(_) => "not JSON".to_owned(),
        };
        self.host.tally(&label);
        self.host.alive()?;
        self.host.rows_after(before, may_journal, "JSON-RPC")
    }

    /// The face serves: the shift is open (or opened now) and a journaled receipt is read.
    fn probe(&self, receipt_id: &str) {
        let opened = self.call(&rpc(json!("p"), "ZReport.Open", json!({})));
        assert!(
            opened["ok"] == true || opened["error"]["code"] == -32006,
            "probe: ZReport.Open answered {opened}"
        );
        let got = self.call(&rpc(json!("p"), "Receipt.Get", json!({ "id": receipt_id })));
        assert_eq!(
            got["result"]["id"], receipt_id,
            "probe: Receipt.Get answered {got}"
        );
    }
}

#[test]
fn rpc_requests_are_answered_as_json_rpc() {
    let (face, receipt_id) = RpcFace::start();
    let face = RefCell::new(face);
    run_cases(
        "rpc",
        30,
        hostile(rpc_bases(&receipt_id), RPC_FIELDS, 3, true),
        |case| face.borrow_mut().case(&case.bytes),
        || face.borrow().probe(&receipt_id),
    );
    face.borrow().host.summary("rpc");
}

/// A batch: its elements (mutated requests, valid ones, notifications, non-objects), written
/// as one array.
#[derive(Clone)]
struct Batch {
    elements: Vec<Hostile>,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "a batch of {}:", self.elements.len())?;
        for e in &self.elements {
            writeln!(f, "  {e:?}")?;
        }
        Ok(())
    }
}

fn batch_of(elements: Vec<Hostile>) -> Batch {
    let mut bytes = b"[".to_vec();
    for (i, e) in elements.iter().enumerate() {
        if i > 0 {
            bytes.push(b',');
        }
        bytes.extend_from_slice(&e.bytes);
    }
    bytes.push(b']');
    Batch { elements, bytes }
}

fn batches(receipt_id: &str) -> BoxedStrategy<Batch> {
    let mut bases = rpc_bases(receipt_id);
    // Notifications and elements that are no request at all.
    let mut notification = rpc(json!(null), "Receipt.Get", json!({ "id": receipt_id }));
    notification.as_object_mut().unwrap().remove("id");
    bases.push(("a notification", notification));
    bases.push(("a number", json!(1)));
    bases.push(("an empty object", json!({})));
    bases.push(("an empty array", json!([])));
    let element = hostile_tree(bases, RPC_FIELDS, 2);
    // Cheap elements for long batches: refused before anything runs.
    let cheap = hostile_tree(
        vec![
            (
                "an unknown method",
                rpc(json!(8), "Receipt.Nope", json!({})),
            ),
            ("a string", json!("x")),
            ("no jsonrpc", json!({ "id": 9, "method": "ZReport.Open" })),
            (
                "an unknown receipt",
                rpc(json!(10), "Receipt.Get", json!({ "id": "no" })),
            ),
        ],
        RPC_FIELDS,
        0,
    );
    prop_oneof![
        1 => Just(batch_of(vec![])),
        8 => proptest::collection::vec(element, 1..6).prop_map(batch_of),
        1 => proptest::collection::vec(cheap, 50..400).prop_map(batch_of),
    ]
    .boxed()
}

#[test]
fn rpc_batches_are_answered_element_by_element() {
    let (face, receipt_id) = RpcFace::start();
    let face = RefCell::new(face);
    run_cases(
        "rpc batches",
        16,
        batches(&receipt_id),
        |batch| face.borrow_mut().case(&batch.bytes),
        || face.borrow().probe(&receipt_id),
    );
    face.borrow().host.summary("rpc batches");
}

// =============================================================================================
// Wrong HTTP methods
// =============================================================================================

/// Another method than POST on a face's route is 405 with the face's error body; the face
/// then still serves a POST.
#[test]
fn wrong_http_methods_get_405_in_the_face_format() {
    let host = Host::start(None);
    let agent = agent();
    let mut wrong = Vec::new();
    let routes = fiscal_host::faces::rest::ROUTES;
    for route in routes
        .iter()
        .map(|r| format!("/{r}"))
        .chain(["/rpc".to_owned()])
    {
        let url = host.url(&route);
        for method in ["GET", "PUT", "DELETE", "PATCH"] {
            let result = match method {
                "GET" => agent.get(&url).call(),
                "DELETE" => agent.delete(&url).call(),
                "PUT" => agent
                    .put(&url)
                    .header("content-type", "application/json")
                    .send("{}"),
                _ => agent
                    .patch(&url)
                    .header("content-type", "application/json")
                    .send("{}"),
            };
            let answer = answer(result, &url).unwrap_or_else(|e| panic!("{method} {route}: {e}"));
            let body = serde_json::from_slice::<Value>(&answer.body).ok();
            let in_format = match &body {
                Some(b) if route == "/rpc" => {
                    b["jsonrpc"] == "2.0"
                        && b["ok"] == false
                        && b["id"].is_null()
                        && b["error"]["code"].is_i64()
                        && b["error"]["message"].is_string()
                }
                Some(b) => rest_shape(b).is_ok() && b["status"] == "error",
                None => false,
            };
            if answer.status != 405 || !in_format {
                wrong.push(format!(
                    "{method} {route}: HTTP {} {}",
                    answer.status,
                    preview(&answer.body)
                ));
            }
        }
    }
    // Still serving.
    let answer = post(&agent, &host.url("/check_shift"), b"{}").unwrap();
    assert_eq!(answer.status, 200);
    assert!(
        wrong.is_empty(),
        "{} of {} wrong-method requests not answered 405 in the face's format:\n{}",
        wrong.len(),
        (routes.len() + 1) * 4,
        wrong.join("\n")
    );
}
