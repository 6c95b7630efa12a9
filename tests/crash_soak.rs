//! Crash soak: money safety under faults, checked from the devices' own records.
//!
//! What a passing run proves: however often the host dies, a sale a client was told succeeded
//! is exactly one receipt in the register's fiscal drive and exactly one approved, unreversed
//! card payment on the terminal; no receipt is claimed by two sales (or by two documents of the
//! journal); no receipt and no charge exists that no success names; and after recovery the
//! journal knows every transaction the terminal approved.
//!
//! How: the register (Shtrih-M) and the card terminal (ZVT) run as `fiscal-host emulate`
//! processes, so they outlive every host exactly as real devices do; the printer is in-process.
//! Two clients sell the same goods (equal totals, so a mix-up between their documents cannot
//! hide behind the amount) paid entirely by card, on the same register, concurrently: one over
//! WebSocket (`create_doc` + `pay`, each with a request id), one over REST (`POST /sale` keyed by
//! `docTime` + `docNumber` + `amount`). A killer thread SIGKILLs the host at pseudo-random
//! moments (a fixed-seed xorshift, so every run kills on the same schedule; which step of which
//! sale a kill lands in still varies with timing) and restarts it on the same data directory.
//! A client whose connection dies, or who is told the outcome is unknown, repeats the very same
//! request (same keys) until it gets an answer; any other error fails the soak with the reply.
//! When enough sales are made and the host was killed often enough, the emulators are asked for
//! their records over their control ports and the journal is read, and every rule above is
//! checked; all violations are reported together, with figures.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::RunningHost;
use common::emulated::{EmulatedDevice, expect_line, first_lines};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// Successful sales, both clients together, the soak makes at least.
const SALES: usize = 2_000;
/// Kills the soak goes on selling for. A kill catches a fault only when it lands where the two
/// clients' sales overlap at a device, a small share of the moments (measured before the sale
/// path was fixed: 40 kills found a fault in 6 runs of 6, 20 kills in 5 runs of 6). The killer's
/// schedule is in wall time, so the kills, not the sales, set the run's length on any machine:
/// 30 kills take 40–45 s here.
const KILLS: usize = 30;
/// Kills without which the verdict does not count.
const MIN_KILLS: usize = 20;
/// A bound on a runaway run, far above what 30 kills' time sells on two cores (8,000 here).
const MAX_SALES: usize = 60_000;
/// The terminal's first receipt number: the four-digit number wraps after 9,999, within the soak.
const FIRST_RECEIPT: u32 = 9_000;
/// The killer's schedule: same seed, same pauses, every run.
const SEED: u64 = 0x5EED_F15C_A1C0_FFEE;
/// A kill comes this long after the host started listening (uniformly in between).
const KILL_AFTER_MS: (u64, u64) = (100, 2_500);
/// Seed 000's example goods, 123.45 × 2: what both clients sell.
const AMOUNT: i64 = 24_690;
const CASHIER: &str = "Сидр Петров";

/// A live host that does not answer in this long is hung: the soak fails rather than waits.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a restarted host may take to print its "listening" line.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client waits for a host to come back before it gives up.
const HOST_BACK_TIMEOUT: Duration = Duration::from_secs(30);
/// One sale, all its repeats included.
const SALE_TIMEOUT: Duration = Duration::from_secs(90);
/// The whole selling phase; meant to take about a minute, bounded so CI never hangs on it.
const SOAK_DEADLINE: Duration = Duration::from_secs(300);
/// The pause before repeating a request whose outcome the host reported unknown.
const UNKNOWN_PAUSE: Duration = Duration::from_millis(100);

/// A register's fiscal document of type "receipt" (the fiscal drive's numbering).
const DOC_RECEIPT: u64 = 3;

// ---------------------------------------------------------------------------------------------
// The schedule
// ---------------------------------------------------------------------------------------------

/// xorshift64: a fixed seed gives the same kill schedule on every run, without a crate.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

// ---------------------------------------------------------------------------------------------
// The processes: emulated devices and hosts
// ---------------------------------------------------------------------------------------------

/// The host's devices: the register and the terminal on the emulators' ports, the printer in
/// process (its paper is not what money safety is about).
fn write_config(dir: &Path, register: SocketAddr, terminal: SocketAddr) -> PathBuf {
    let path = dir.join("host.toml");
    std::fs::write(&path, common::shop::config_text(register, terminal, "")).unwrap();
    path
}

/// `common::start_host`, with its wait for the "listening" line bounded: a restart that hangs
/// must fail the soak, not stall it.
fn start_host(data: &Path, config: &Path) -> Result<RunningHost, String> {
    let child = Command::new(env!("CARGO_BIN_EXE_fiscal-host"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .arg("--config")
        .arg(config)
        // Dozens of starts: keep the info lines out, keep what recovery warns about.
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("start fiscal-host: {e}"))?;
    // Owned at once, so an early return kills it.
    let mut host = RunningHost {
        child,
        base_url: String::new(),
    };
    let lines = first_lines(&mut host.child, 1);
    host.base_url = expect_line(
        &lines,
        "fiscal-host",
        "fiscal-host listening on ",
        START_TIMEOUT,
    )?;
    Ok(host)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(REPLY_TIMEOUT))
        .build()
        .into()
}

// ---------------------------------------------------------------------------------------------
// What the soak shares
// ---------------------------------------------------------------------------------------------

/// Which client made a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Face {
    Ws,
    Rest,
}

impl std::fmt::Display for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Face::Ws => "WS",
            Face::Rest => "REST",
        })
    }
}

/// What one success reply says a sale became.
#[derive(Debug, Clone)]
struct Sale {
    face: Face,
    number: usize,
    /// The register's fiscal document number (ФД) and fiscal sign (ФП) the reply names.
    document_number: u64,
    fiscal_sign: String,
    rrn: String,
    /// Times the sale's request was sent again: its connection died, or the outcome was unknown.
    repeats: usize,
    /// Answered as a copy of a document fiscalized before (REST's reprint of a repeated key).
    reprint: bool,
}

impl std::fmt::Display for Sale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} sale {} (ФД {}, ФП {}, rrn {}, {} repeats)",
            self.face, self.number, self.document_number, self.fiscal_sign, self.rrn, self.repeats
        )
    }
}

/// How one client's selling went.
#[derive(Debug, Default)]
struct LaneReport {
    sales: usize,
    /// Requests repeated because the host answered "outcome unknown".
    unknown: usize,
    /// Requests repeated because the connection died under them (the host was killed).
    lost: usize,
    /// A sale given up because the client failed (its outcome is nobody's success).
    abandoned: Option<usize>,
}

struct Soak {
    started: Instant,
    /// No new sale is begun: enough were made, or something failed.
    stop: AtomicBool,
    /// Something failed: clients give up even the sale in flight.
    failed: AtomicBool,
    failures: Mutex<Vec<String>>,
    sales: Mutex<Vec<Sale>>,
    kills: AtomicUsize,
    restarts: AtomicUsize,
    restart_micros: AtomicU64,
    /// What each restart's recovery reported (`GET /health`'s `recovery`), summed per field.
    recovery: Mutex<BTreeMap<String, usize>>,
    recovery_unknown: Mutex<Vec<String>>,
    /// The live host; whoever holds it may kill it.
    host: Mutex<Option<RunningHost>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Soak {
    fn fail(&self, why: String) {
        eprintln!("crash soak: FAILED: {why}");
        lock(&self.failures).push(why);
        self.failed.store(true, Ordering::SeqCst);
        self.stop.store(true, Ordering::SeqCst);
    }

    fn failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    /// Whether a client may begin another sale.
    fn keep_selling(&self) -> bool {
        if self.stop.load(Ordering::SeqCst) {
            return false;
        }
        let sales = lock(&self.sales).len();
        let kills = self.kills.load(Ordering::SeqCst);
        if (sales >= SALES && kills >= KILLS) || sales >= MAX_SALES {
            self.stop.store(true, Ordering::SeqCst);
            return false;
        }
        if self.started.elapsed() > SOAK_DEADLINE {
            self.fail(format!(
                "the soak ran past {SOAK_DEADLINE:?}: {sales} sales, {kills} kills"
            ));
            return false;
        }
        true
    }

    /// Counts a client's sale, or ends that client on its failure (unless something else failed
    /// first, which is then the finding); false when the client must stop.
    fn tally(
        &self,
        face: Face,
        number: usize,
        outcome: Result<Sale, String>,
        report: &mut LaneReport,
    ) -> bool {
        match outcome {
            Ok(sale) => {
                report.sales += 1;
                self.record(sale);
                true
            }
            Err(e) => {
                report.abandoned = Some(number);
                if !self.failed() {
                    self.fail(format!("{face} sale {number}: {e}"));
                }
                false
            }
        }
    }

    fn record(&self, sale: Sale) {
        let mut sales = lock(&self.sales);
        sales.push(sale);
        if sales.len().is_multiple_of(250) {
            eprintln!(
                "crash soak: {} sales, {} kills, {:.1} s",
                sales.len(),
                self.kills.load(Ordering::SeqCst),
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

/// Kills the live host when the test ends, however it ends; a client still selling gives up
/// (a panicking test must not wait for it).
struct StopOnDrop(Arc<Soak>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::SeqCst);
        self.0.failed.store(true, Ordering::SeqCst);
        drop(lock(&self.0.host).take());
    }
}

// ---------------------------------------------------------------------------------------------
// The killer
// ---------------------------------------------------------------------------------------------

/// SIGKILLs the host at the schedule's moments and starts a new one on the same data
/// directory, publishing its address to the clients, until the soak stops.
fn killer(soak: Arc<Soak>, data: PathBuf, config: PathBuf, publish: watch::Sender<String>) {
    let mut schedule = XorShift(SEED);
    let agent = agent();
    while !soak.stop.load(Ordering::SeqCst) {
        let pause = Duration::from_millis(schedule.between(KILL_AFTER_MS.0, KILL_AFTER_MS.1));
        let until = Instant::now() + pause;
        while Instant::now() < until && !soak.stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
        }
        if soak.stop.load(Ordering::SeqCst) {
            return;
        }
        let mut slot = lock(&soak.host);
        let Some(mut doomed) = slot.take() else {
            return;
        };
        let _ = doomed.child.kill(); // SIGKILL: no flush, no goodbye
        let _ = doomed.child.wait();
        drop(doomed);
        soak.kills.fetch_add(1, Ordering::SeqCst);
        let restarting = Instant::now();
        let host = match start_host(&data, &config) {
            Ok(host) => host,
            Err(e) => {
                drop(slot);
                soak.fail(format!("restart after a kill: {e}"));
                return;
            }
        };
        soak.restarts.fetch_add(1, Ordering::SeqCst);
        soak.restart_micros
            .fetch_add(restarting.elapsed().as_micros() as u64, Ordering::SeqCst);
        // What recovery found is in /health; a host that cannot say is no host.
        match agent.get(format!("{}/health", host.base_url)).call() {
            Ok(mut response) => {
                let health: Value = response.body_mut().read_json().unwrap_or(Value::Null);
                if let Some(report) = health["recovery"].as_object() {
                    let mut totals = lock(&soak.recovery);
                    for (field, items) in report {
                        let n = items.as_array().map_or(0, Vec::len);
                        *totals.entry(field.clone()).or_default() += n;
                    }
                    if let Some(unknown) = report.get("unknown").and_then(Value::as_array) {
                        lock(&soak.recovery_unknown).extend(unknown.iter().map(|u| u.to_string()));
                    }
                }
            }
            Err(e) => {
                drop(slot);
                soak.fail(format!("GET /health of the restarted host: {e}"));
                return;
            }
        }
        let url = host.base_url.clone();
        *slot = Some(host);
        drop(slot);
        let _ = publish.send(url);
    }
}

// ---------------------------------------------------------------------------------------------
// The WebSocket client
// ---------------------------------------------------------------------------------------------

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A request's fate at the transport level.
enum Exchange {
    Reply(Value),
    /// The connection died before the reply: the host was killed.
    Lost,
}

fn seed_doc() -> Value {
    json!({
        "cashier": CASHIER,
        "doc_type": 2,
        "wares": [{ "name": "Водка Айс 0,5л 40%", "barcode": "123123", "tax_number": 0, "price": 123.45, "quantity": 2 }]
    })
}

/// Connects to the host published last; while there is none to reach, waits for the killer to
/// publish the next (and keeps trying the current one: a live host is always worth a try).
async fn ws_connect(hosts: &mut watch::Receiver<String>, soak: &Soak) -> Result<Socket, String> {
    let since = Instant::now();
    loop {
        let url = common::ws::ws_url(&hosts.borrow_and_update(), Some("kkt"));
        match tokio::time::timeout(REPLY_TIMEOUT, connect_async(&url)).await {
            Ok(Ok((socket, _))) => return Ok(socket),
            Ok(Err(tungstenite::Error::Http(response))) => {
                return Err(format!(
                    "the host refused the WebSocket at {url}: HTTP {}",
                    response.status()
                ));
            }
            Ok(Err(_)) => {}
            Err(_) => {
                return Err(format!(
                    "no WebSocket handshake at {url} in {REPLY_TIMEOUT:?}"
                ));
            }
        }
        if soak.failed() {
            return Err("given up: the soak failed elsewhere".into());
        }
        if since.elapsed() > HOST_BACK_TIMEOUT {
            return Err(format!(
                "no host to connect to for {HOST_BACK_TIMEOUT:?} (last tried {url})"
            ));
        }
        if let Ok(Err(_)) = tokio::time::timeout(Duration::from_millis(200), hosts.changed()).await
        {
            // The killer is gone; keep trying the last host, gently.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Sends one request and waits for its reply; a reply that does not come from a live
/// connection is a hung host, which fails the soak.
async fn ws_exchange(socket: &mut Socket, request: &Value) -> Result<Exchange, String> {
    if socket
        .send(Message::text(request.to_string()))
        .await
        .is_err()
    {
        return Ok(Exchange::Lost);
    }
    loop {
        let next = tokio::time::timeout(REPLY_TIMEOUT, socket.next())
            .await
            .map_err(|_| format!("no reply to {request} within {REPLY_TIMEOUT:?}"))?;
        match next {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(Exchange::Lost),
            Some(Ok(Message::Text(text))) => {
                return serde_json::from_str(text.as_str())
                    .map(Exchange::Reply)
                    .map_err(|e| format!("reply to {request} is not JSON ({e}): {text}"));
            }
            Some(Ok(Message::Binary(_))) => {
                return Err(format!("a binary frame in reply to {request}"));
            }
            Some(Ok(_)) => continue, // ping, pong
        }
    }
}

fn ws_error_code(reply: &Value) -> Option<u64> {
    (reply["data"]["error"] == true).then(|| reply["data"]["error_code"].as_u64().unwrap_or(0))
}

/// One sale over WebSocket: `create_doc` then `pay`, each with its own request id, repeated
/// with the same ids until `pay` succeeds.
async fn ws_sale(
    socket: &mut Option<Socket>,
    hosts: &mut watch::Receiver<String>,
    soak: &Soak,
    number: usize,
    report: &mut LaneReport,
) -> Result<Sale, String> {
    let create = json!({ "event": "create_doc", "data": seed_doc(), "request_id": format!("ws-{number}-doc") });
    let pay = json!({ "event": "pay", "data": { "amount": AMOUNT }, "request_id": format!("ws-{number}-pay") });
    let started = Instant::now();
    let (mut attempts, mut repeats) = (0, 0);
    // A new connection holds no open document: the repeated create_doc reopens it
    // (docs/websocket.md).
    let mut document_open = false;
    loop {
        if started.elapsed() > SALE_TIMEOUT {
            return Err(format!(
                "not done after {SALE_TIMEOUT:?} and {attempts} attempts"
            ));
        }
        if soak.failed() {
            return Err("given up: the soak failed elsewhere".into());
        }
        if socket.is_none() {
            document_open = false;
            *socket = Some(ws_connect(hosts, soak).await?);
        }
        let connection = socket.as_mut().expect("connected just now");
        let request = if document_open { &pay } else { &create };
        attempts += 1;
        let reply = match ws_exchange(connection, request).await? {
            Exchange::Reply(reply) => reply,
            Exchange::Lost => {
                report.lost += 1;
                repeats += 1;
                *socket = None;
                continue;
            }
        };
        let event = request["event"].as_str().unwrap();
        if reply["event"] != format!("on{event}") {
            return Err(format!("{event} answered with another event: {reply}"));
        }
        match ws_error_code(&reply) {
            None if !document_open => {
                if reply["data"]["amount"] != AMOUNT {
                    return Err(format!("create_doc: the amount is not {AMOUNT}: {reply}"));
                }
                document_open = true;
            }
            None => {
                let data = &reply["data"];
                let fiscal = &data["fiscal"];
                let (Some(document_number), Some(fiscal_sign), Some(rrn)) = (
                    fiscal["document_number"].as_u64(),
                    fiscal["fiscal_sign"].as_str(),
                    data["rrn"].as_str().filter(|r| !r.is_empty()),
                ) else {
                    return Err(format!("a success without its receipt or rrn: {reply}"));
                };
                return Ok(Sale {
                    face: Face::Ws,
                    number,
                    document_number,
                    fiscal_sign: fiscal_sign.to_owned(),
                    rrn: rrn.to_owned(),
                    repeats,
                    reprint: false,
                });
            }
            // The outcome at a device is unknown: ask again, with the same id, a little later.
            Some(16) => {
                report.unknown += 1;
                repeats += 1;
                tokio::time::sleep(UNKNOWN_PAUSE).await;
            }
            Some(_) => return Err(format!("{event} failed: {reply}")),
        }
    }
}

async fn ws_lane(mut hosts: watch::Receiver<String>, soak: Arc<Soak>) -> LaneReport {
    let mut report = LaneReport::default();
    let mut socket = None;
    let mut number = 0;
    while soak.keep_selling() {
        number += 1;
        let outcome = ws_sale(&mut socket, &mut hosts, &soak, number, &mut report).await;
        if !soak.tally(Face::Ws, number, outcome, &mut report) {
            break;
        }
    }
    report
}

// ---------------------------------------------------------------------------------------------
// The REST client
// ---------------------------------------------------------------------------------------------

fn rest_body(number: usize) -> Value {
    // docTime + docNumber + amount is the sale's key; docTime is when the POS made the document.
    let at = 12 * 3600 + number;
    json!({
        "docNumber": format!("rest-{number}"),
        "docTime": format!("2026-03-01 {:02}:{:02}:{:02}", at / 3600, at / 60 % 60, at % 60),
        "employeeName": CASHIER,
        "amount": AMOUNT,
        "items": [{
            "itemName": "Водка Айс 0,5л 40%",
            "itemQty": 2000,
            "itemAmount": AMOUNT,
            "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }]
        }],
        "payments": { "cashlessAmount": AMOUNT }
    })
}

enum Post {
    Answer(u16, Value),
    Lost,
}

fn post(agent: &ureq::Agent, url: &str, body: &str) -> Result<Post, String> {
    let mut response = match agent
        .post(url)
        .header("content-type", "application/json")
        .send(body)
    {
        Ok(r) => r,
        Err(ureq::Error::Timeout(_)) => {
            return Err(format!("no reply to POST {url} within {REPLY_TIMEOUT:?}"));
        }
        Err(_) => return Ok(Post::Lost),
    };
    let status = response.status().as_u16();
    let text = match response.body_mut().read_to_string() {
        Ok(text) => text,
        Err(ureq::Error::Timeout(_)) => {
            return Err(format!(
                "no reply body from POST {url} within {REPLY_TIMEOUT:?}"
            ));
        }
        Err(_) => return Ok(Post::Lost),
    };
    serde_json::from_str(&text)
        .map(|reply| Post::Answer(status, reply))
        .map_err(|e| format!("POST {url}: HTTP {status}, not JSON ({e}): {text}"))
}

/// One sale over REST: the same body, key and all, until it succeeds.
fn rest_sale(
    agent: &ureq::Agent,
    hosts: &watch::Receiver<String>,
    soak: &Soak,
    number: usize,
    report: &mut LaneReport,
) -> Result<Sale, String> {
    let body = rest_body(number).to_string();
    let started = Instant::now();
    let (mut attempts, mut repeats) = (0, 0);
    let mut host_down_since: Option<Instant> = None;
    loop {
        if started.elapsed() > SALE_TIMEOUT {
            return Err(format!(
                "not done after {SALE_TIMEOUT:?} and {attempts} attempts"
            ));
        }
        if soak.failed() {
            return Err("given up: the soak failed elsewhere".into());
        }
        let url = format!("{}/sale?device=kkt", hosts.borrow().as_str());
        attempts += 1;
        let (status, reply) = match post(agent, &url, &body)? {
            Post::Answer(status, reply) => (status, reply),
            Post::Lost => {
                // Counted once per outage; the refused connections while the host restarts are
                // the same outage.
                let since = *host_down_since.get_or_insert_with(|| {
                    report.lost += 1;
                    repeats += 1;
                    Instant::now()
                });
                if since.elapsed() > HOST_BACK_TIMEOUT {
                    return Err(format!(
                        "no host answered for {HOST_BACK_TIMEOUT:?} (last tried {url})"
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        host_down_since = None;
        if status == 200 && reply["status"] == "success" && reply["code"] == 0 {
            let (Some(document_number), Some(fiscal_sign), Some(rrn)) = (
                reply["fiscalNum"].as_str().and_then(|n| n.parse().ok()),
                reply["fiscalID"].as_str().filter(|s| !s.is_empty()),
                reply["rrn"].as_str().filter(|r| !r.is_empty()),
            ) else {
                return Err(format!("a success without its receipt or rrn: {reply}"));
            };
            let reprint = reply["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Документ уже фискализирован"));
            return Ok(Sale {
                face: Face::Rest,
                number,
                document_number,
                fiscal_sign: fiscal_sign.to_owned(),
                rrn: rrn.to_owned(),
                repeats,
                reprint,
            });
        }
        let unknown = reply["code"] == 5
            && reply["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Результат операции неизвестен"));
        if !unknown {
            return Err(format!("POST /sale failed: HTTP {status} {reply}"));
        }
        report.unknown += 1;
        repeats += 1;
        std::thread::sleep(UNKNOWN_PAUSE);
    }
}

fn rest_lane(hosts: watch::Receiver<String>, soak: Arc<Soak>) -> LaneReport {
    let agent = agent();
    let mut report = LaneReport::default();
    let mut number = 0;
    while soak.keep_selling() {
        number += 1;
        let outcome = rest_sale(&agent, &hosts, &soak, number, &mut report);
        if !soak.tally(Face::Rest, number, outcome, &mut report) {
            break;
        }
    }
    report
}

// ---------------------------------------------------------------------------------------------
// The records and the checks
// ---------------------------------------------------------------------------------------------

/// A fiscal document of the register's drive.
#[derive(Debug)]
struct RegisterDocument {
    number: u64,
    fiscal_sign: String,
    amount: Option<u64>,
    operation: Option<u64>,
}

/// A transaction of the terminal's batch.
#[derive(Debug)]
struct TerminalTransaction {
    kind: String,
    amount: u64,
    approved: bool,
    trace: u64,
    rrn: String,
    reversed: bool,
    original_trace: Option<u64>,
}

/// The receipts among the drive's fiscal documents. Not the snapshot's `receipts`: the emulator
/// keeps only its last `emulator_kit::HISTORY` receipts, but every fiscal document.
fn register_receipts(records: &Value) -> Vec<RegisterDocument> {
    records["documents"]
        .as_array()
        .expect("the register's documents")
        .iter()
        .filter(|d| d["kind"].as_u64() == Some(DOC_RECEIPT))
        .map(|d| RegisterDocument {
            number: d["number"].as_u64().expect("number"),
            fiscal_sign: d["fiscal_sign"].as_u64().expect("fiscal_sign").to_string(),
            amount: d["amount"].as_u64(),
            operation: d["operation"].as_u64(),
        })
        .collect()
}

fn terminal_transactions(records: &Value) -> Vec<TerminalTransaction> {
    records["transactions"]
        .as_array()
        .expect("the terminal's transactions")
        .iter()
        .map(|t| TerminalTransaction {
            kind: t["kind"].as_str().expect("kind").to_owned(),
            amount: t["amount"].as_u64().expect("amount"),
            approved: t["result_code"] == 0,
            trace: t["trace"].as_u64().expect("trace"),
            rrn: t["rrn"].as_str().expect("rrn").to_owned(),
            reversed: t["reversed"] == true,
            original_trace: t["original_trace"].as_u64(),
        })
        .collect()
}

/// What the journal holds, read from its file once the host is stopped.
struct Journal {
    /// Every rrn of the payments table.
    payment_rrns: HashSet<String>,
    /// rrn → (document id, payment state), for reporting what the journal made of a charge.
    payments_by_rrn: HashMap<String, Vec<(i64, String)>>,
    payment_states: BTreeMap<String, usize>,
    /// Fiscal document number → the journal's documents that claim it.
    documents_by_receipt: BTreeMap<u64, Vec<i64>>,
    document_states: BTreeMap<String, usize>,
}

/// Rows of (id, state, an optional third column).
fn triples<T: rusqlite::types::FromSql>(
    db: &rusqlite::Connection,
    sql: &str,
) -> rusqlite::Result<Vec<(i64, String, Option<T>)>> {
    let mut statement = db.prepare(sql)?;
    let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

fn read_journal(path: &Path) -> rusqlite::Result<Journal> {
    let db = rusqlite::Connection::open(path)?;
    let mut journal = Journal {
        payment_rrns: HashSet::new(),
        payments_by_rrn: HashMap::new(),
        payment_states: BTreeMap::new(),
        documents_by_receipt: BTreeMap::new(),
        document_states: BTreeMap::new(),
    };
    for (document, state, rrn) in
        triples::<String>(&db, "SELECT document_id, state, rrn FROM payments")?
    {
        *journal.payment_states.entry(state.clone()).or_default() += 1;
        if let Some(rrn) = rrn {
            journal.payment_rrns.insert(rrn.clone());
            journal
                .payments_by_rrn
                .entry(rrn)
                .or_default()
                .push((document, state));
        }
    }
    let documents = triples::<i64>(
        &db,
        "SELECT id, state, json_extract(fiscal, '$.document_number') FROM documents",
    )?;
    for (id, state, receipt) in documents {
        *journal.document_states.entry(state).or_default() += 1;
        if let Some(receipt) = receipt {
            journal
                .documents_by_receipt
                .entry(receipt as u64)
                .or_default()
                .push(id);
        }
    }
    Ok(journal)
}

/// What two or more success replies claim (the same receipt, the same card payment), each with
/// the sales that claim it.
fn claimed_twice<'s, K: Ord + std::fmt::Display>(
    sales: &'s [Sale],
    key: impl Fn(&'s Sale) -> K,
    what: &str,
) -> Vec<String> {
    let mut claims: BTreeMap<K, Vec<&Sale>> = BTreeMap::new();
    for s in sales {
        claims.entry(key(s)).or_default().push(s);
    }
    claims
        .iter()
        .filter(|(_, c)| c.len() > 1)
        .map(|(k, c)| {
            let who: Vec<String> = c
                .iter()
                .map(|s| format!("{} sale {}", s.face, s.number))
                .collect();
            format!("{what} {k} is claimed by {}", who.join(" and "))
        })
        .collect()
}

/// Up to this many examples of each violation are shown.
const EXAMPLES: usize = 8;

/// The first few items, one a line, each on a line of its own after the text they follow.
fn examples<T: std::fmt::Display>(items: &[T]) -> String {
    let mut text: String = items
        .iter()
        .take(EXAMPLES)
        .map(|i| format!("\n  {i}"))
        .collect();
    if items.len() > EXAMPLES {
        text.push_str(&format!("\n  … and {} more", items.len() - EXAMPLES));
    }
    text
}

/// Every rule of money safety, checked against the devices' records and the journal; returns
/// the violations, each with its figures and examples.
fn check(
    sales: &[Sale],
    abandoned: usize,
    receipts: &[RegisterDocument],
    transactions: &[TerminalTransaction],
    journal: &Journal,
) -> Vec<String> {
    let mut violations = Vec::new();
    let in_flight = if abandoned > 0 {
        format!(
            " ({abandoned} sale(s) abandoned in flight by a failed client may account for as many)"
        )
    } else {
        String::new()
    };

    // The register: every success is one receipt it holds, and no receipt is two successes.
    let by_number: HashMap<u64, &RegisterDocument> =
        receipts.iter().map(|r| (r.number, r)).collect();
    let not_on_register: Vec<String> = sales
        .iter()
        .filter(|s| {
            by_number
                .get(&s.document_number)
                .is_none_or(|r| r.fiscal_sign != s.fiscal_sign)
        })
        .map(|s| match by_number.get(&s.document_number) {
            Some(r) => format!(
                "{s}: the register's ФД {} has ФП {}",
                r.number, r.fiscal_sign
            ),
            None => format!(
                "{s}: the register holds no receipt ФД {}",
                s.document_number
            ),
        })
        .collect();
    if !not_on_register.is_empty() {
        violations.push(format!(
            "{} success replies name a receipt the register does not hold:{}",
            not_on_register.len(),
            examples(&not_on_register)
        ));
    }
    let shared = claimed_twice(sales, |s| s.document_number, "receipt ФД");
    let claims: HashSet<u64> = sales.iter().map(|s| s.document_number).collect();
    if !shared.is_empty() {
        violations.push(format!(
            "{} register receipts are claimed by two or more success replies:{}",
            shared.len(),
            examples(&shared)
        ));
    }
    if receipts.len() != sales.len() {
        violations.push(format!(
            "the register holds {} receipts for {} successful sales{in_flight}",
            receipts.len(),
            sales.len()
        ));
    }
    // A receipt no success names was fiscalized for nobody: a sale registered twice, or a
    // receipt whose success reply went to another sale.
    let unclaimed: Vec<String> = receipts
        .iter()
        .filter(|r| !claims.contains(&r.number))
        .map(|r| {
            format!(
                "ФД {} (ФП {}, {} kopecks); journal documents claiming it: {:?}",
                r.number,
                r.fiscal_sign,
                r.amount.unwrap_or(0),
                journal
                    .documents_by_receipt
                    .get(&r.number)
                    .cloned()
                    .unwrap_or_default()
            )
        })
        .collect();
    if !unclaimed.is_empty() {
        violations.push(format!(
            "{} register receipts are named by no success reply{in_flight}:{}",
            unclaimed.len(),
            examples(&unclaimed)
        ));
    }
    let wrong_amount: Vec<String> = receipts
        .iter()
        .filter(|r| r.amount != Some(AMOUNT as u64) || r.operation != Some(1))
        .map(|r| format!("{r:?}"))
        .collect();
    if !wrong_amount.is_empty() {
        violations.push(format!(
            "{} register receipts are not a sale of {AMOUNT} kopecks:{}",
            wrong_amount.len(),
            examples(&wrong_amount)
        ));
    }

    // The terminal: every success is one approved, unreversed charge, and no charge is two.
    let payments: Vec<&TerminalTransaction> = transactions
        .iter()
        .filter(|t| t.kind == "payment" && t.approved)
        .collect();
    let charged: HashMap<&str, &TerminalTransaction> =
        payments.iter().map(|t| (t.rrn.as_str(), *t)).collect();
    let not_charged: Vec<String> = sales
        .iter()
        .filter(|s| charged.get(s.rrn.as_str()).is_none_or(|t| t.reversed))
        .map(|s| match charged.get(s.rrn.as_str()) {
            Some(t) => format!(
                "{s}: the terminal reversed that payment (trace {})",
                t.trace
            ),
            None => format!("{s}: the terminal approved no payment with that rrn"),
        })
        .collect();
    if !not_charged.is_empty() {
        violations.push(format!(
            "{} success replies name no approved, unreversed card payment:{}",
            not_charged.len(),
            examples(&not_charged)
        ));
    }
    let shared_rrn = claimed_twice(sales, |s| s.rrn.as_str(), "rrn");
    let rrn_claims: HashSet<&str> = sales.iter().map(|s| s.rrn.as_str()).collect();
    if !shared_rrn.is_empty() {
        violations.push(format!(
            "{} card payments are claimed by two or more success replies:{}",
            shared_rrn.len(),
            examples(&shared_rrn)
        ));
    }
    let standing: Vec<&&TerminalTransaction> = payments.iter().filter(|t| !t.reversed).collect();
    if standing.len() != sales.len() {
        violations.push(format!(
            "the terminal holds {} approved, unreversed payments for {} successful sales{in_flight}",
            standing.len(),
            sales.len()
        ));
    }
    // A standing charge no success names: the customer paid for a sale nobody was told of.
    let unclaimed: Vec<String> = standing
        .iter()
        .filter(|t| !rrn_claims.contains(t.rrn.as_str()))
        .map(|t| {
            format!(
                "rrn {} (trace {}, {} kopecks); journal payments with it (document, state): {:?}",
                t.rrn,
                t.trace,
                t.amount,
                journal
                    .payments_by_rrn
                    .get(&t.rrn)
                    .cloned()
                    .unwrap_or_default()
            )
        })
        .collect();
    if !unclaimed.is_empty() {
        violations.push(format!(
            "{} approved, unreversed card payments are named by no success reply{in_flight}:{}",
            unclaimed.len(),
            examples(&unclaimed)
        ));
    }

    // The journal after recovery: it knows every transaction the terminal approved. A payment by
    // its own rrn; a reversal or refund (which takes a trace, hence an rrn, of its own) by the
    // rrn of the payment it undoes, which is where the journal notes it.
    let by_trace: HashMap<u64, &TerminalTransaction> =
        transactions.iter().map(|t| (t.trace, t)).collect();
    let unknown_to_journal: Vec<String> = transactions
        .iter()
        .filter(|t| t.approved)
        .filter(|t| {
            let rrn = match t.original_trace.and_then(|o| by_trace.get(&o)) {
                Some(original) if t.kind != "payment" => &original.rrn,
                _ => &t.rrn,
            };
            !journal.payment_rrns.contains(rrn)
        })
        .map(|t| {
            format!(
                "{} rrn {} (trace {}, {} kopecks{})",
                t.kind,
                t.rrn,
                t.trace,
                t.amount,
                if t.reversed { ", reversed since" } else { "" }
            )
        })
        .collect();
    if !unknown_to_journal.is_empty() {
        violations.push(format!(
            "{} approved terminal transactions are unknown to the journal's payments after recovery:{}",
            unknown_to_journal.len(),
            examples(&unknown_to_journal)
        ));
    }
    let doubly_claimed: Vec<String> = journal
        .documents_by_receipt
        .iter()
        .filter(|(_, docs)| docs.len() > 1)
        .map(|(n, docs)| format!("receipt ФД {n}: journal documents {docs:?}"))
        .collect();
    if !doubly_claimed.is_empty() {
        violations.push(format!(
            "{} register receipts are claimed by two or more documents of the journal:{}",
            doubly_claimed.len(),
            examples(&doubly_claimed)
        ));
    }
    violations
}

// ---------------------------------------------------------------------------------------------
// The soak
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_is_safe_when_the_host_is_killed_at_random() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let register = EmulatedDevice::start("shtrih-m", &[]);
    // The terminal's four-digit receipt numbers (the host's auth ids) wrap early in the soak, so
    // its sales settle lost answers across the wrap too; trace numbers (the rrns the checks
    // compare) stay far from theirs.
    let terminal = EmulatedDevice::start("zvt", &["--first-receipt", &FIRST_RECEIPT.to_string()]);
    let config = write_config(dir.path(), register.device, terminal.device);
    let data = dir.path().join("data");
    let host = start_host(&data, &config).unwrap_or_else(|e| panic!("{e}"));
    let base_url = host.base_url.clone();

    let shift = tokio::task::spawn_blocking({
        let url = format!("{base_url}/open_shift?device=kkt");
        move || {
            post(
                &agent(),
                &url,
                &json!({ "employeeName": CASHIER }).to_string(),
            )
        }
    })
    .await
    .unwrap();
    match shift {
        Ok(Post::Answer(200, reply)) if reply["code"] == 0 => {}
        Ok(Post::Answer(status, reply)) => panic!("open_shift: HTTP {status} {reply}"),
        Ok(Post::Lost) => panic!("open_shift: the host dropped the connection"),
        Err(e) => panic!("open_shift: {e}"),
    }

    let soak = Arc::new(Soak {
        started: Instant::now(),
        stop: AtomicBool::new(false),
        failed: AtomicBool::new(false),
        failures: Mutex::new(Vec::new()),
        sales: Mutex::new(Vec::new()),
        kills: AtomicUsize::new(0),
        restarts: AtomicUsize::new(0),
        restart_micros: AtomicU64::new(0),
        recovery: Mutex::new(BTreeMap::new()),
        recovery_unknown: Mutex::new(Vec::new()),
        host: Mutex::new(Some(host)),
    });
    let _stop = StopOnDrop(soak.clone());
    let (publish, hosts) = watch::channel(base_url);
    let killer = std::thread::Builder::new()
        .name("killer".into())
        .spawn({
            let (soak, data, config) = (soak.clone(), data.clone(), config.clone());
            move || killer(soak, data, config, publish)
        })
        .unwrap();
    let ws = tokio::spawn(ws_lane(hosts.clone(), soak.clone()));
    let rest = tokio::task::spawn_blocking({
        let soak = soak.clone();
        move || rest_lane(hosts, soak)
    });
    // Each lane bounds its own waits; this bound only guards against a harness bug.
    let lanes = tokio::time::timeout(
        SOAK_DEADLINE + 2 * SALE_TIMEOUT,
        futures_util::future::join(ws, rest),
    )
    .await
    .unwrap_or_else(|_| {
        panic!(
            "the clients did not finish within {:?}",
            SOAK_DEADLINE + 2 * SALE_TIMEOUT
        )
    });
    soak.stop.store(true, Ordering::SeqCst);
    let lane = |face: Face, r: Result<LaneReport, tokio::task::JoinError>| {
        r.unwrap_or_else(|e| {
            soak.fail(format!("the {face} client panicked: {e}"));
            LaneReport::default()
        })
    };
    let (ws, rest) = (lane(Face::Ws, lanes.0), lane(Face::Rest, lanes.1));
    if killer.join().is_err() {
        soak.fail("the killer panicked".into());
    }
    let selling = soak.started.elapsed();

    // The host alive and idle: nothing is in flight, so the devices' records are final.
    let final_host = lock(&soak.host).as_ref().map(|h| h.base_url.clone());
    let final_recovery = match &final_host {
        Some(url) => match agent().get(format!("{url}/health")).call() {
            Ok(mut r) => r
                .body_mut()
                .read_json::<Value>()
                .map(|h| h["recovery"].clone())
                .ok(),
            Err(e) => {
                soak.fail(format!("the last host does not answer /health: {e}"));
                None
            }
        },
        None => None,
    };
    let register_records = register.records().unwrap_or_else(|e| panic!("{e}"));
    let terminal_records = terminal.records().unwrap_or_else(|e| panic!("{e}"));
    // Stopped before its file is read: the journal is what the host left on disk.
    drop(lock(&soak.host).take());
    let journal = read_journal(&data.join("journal.sqlite"))
        .unwrap_or_else(|e| panic!("reading the journal: {e}"));

    let sales = std::mem::take(&mut *lock(&soak.sales));
    let receipts = register_receipts(&register_records);
    let transactions = terminal_transactions(&terminal_records);
    let abandoned = usize::from(ws.abandoned.is_some()) + usize::from(rest.abandoned.is_some());
    let mut violations = lock(&soak.failures).clone();
    violations.extend(check(&sales, abandoned, &receipts, &transactions, &journal));

    let kills = soak.kills.load(Ordering::SeqCst);
    let restarts = soak.restarts.load(Ordering::SeqCst);
    let count =
        |f: &dyn Fn(&TerminalTransaction) -> bool| transactions.iter().filter(|t| f(t)).count();
    let reprints = sales.iter().filter(|s| s.reprint).count();
    let repeated = sales.iter().filter(|s| s.repeats > 0).count();
    let most_repeats = sales.iter().map(|s| s.repeats).max().unwrap_or(0);
    println!("crash soak (seed {SEED:#x}):");
    println!(
        "  sales: {} ({} WS, {} REST), {repeated} repeated with the same keys (one sale at most {most_repeats} times), {reprints} answered as a REST reprint",
        sales.len(),
        ws.sales,
        rest.sales
    );
    println!(
        "  kills: {kills} (SIGKILL, {}–{} ms after the host listened), restarts: {restarts}, mean restart {:.0} ms",
        KILL_AFTER_MS.0,
        KILL_AFTER_MS.1,
        soak.restart_micros.load(Ordering::SeqCst) as f64 / 1000.0 / restarts.max(1) as f64
    );
    println!(
        "  unknown answers retried: {} ({} WS, {} REST); requests lost with a killed host: {} ({} WS, {} REST)",
        ws.unknown + rest.unknown,
        ws.unknown,
        rest.unknown,
        ws.lost + rest.lost,
        ws.lost,
        rest.lost
    );
    println!(
        "  recovery at the restarts (items per field): {:?}; the last host's: {}",
        lock(&soak.recovery),
        final_recovery.unwrap_or(Value::Null)
    );
    for unknown in lock(&soak.recovery_unknown).iter().take(EXAMPLES) {
        println!("    recovery left unknown: {unknown}");
    }
    println!(
        "  register: {} fiscal documents, {} receipts; shift {}",
        register_records["documents"].as_array().map_or(0, Vec::len),
        receipts.len(),
        register_records["shift"]
    );
    println!(
        "  terminal: {} transactions: {} approved payments ({} reversed since), {} declined, {} reversals, {} refunds",
        transactions.len(),
        count(&|t| t.kind == "payment" && t.approved),
        count(&|t| t.kind == "payment" && t.approved && t.reversed),
        count(&|t| !t.approved),
        count(&|t| t.kind == "reversal" && t.approved),
        count(&|t| t.kind == "refund" && t.approved)
    );
    println!(
        "  journal: documents by state {:?}; payments by state {:?}",
        journal.document_states, journal.payment_states
    );
    println!(
        "  elapsed: {:.1} s selling, {:.1} s in all",
        selling.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    if kills < MIN_KILLS && violations.is_empty() {
        violations.push(format!(
            "only {kills} kills before {} sales, fewer than {MIN_KILLS}: the soak proved little",
            sales.len()
        ));
    }
    assert!(
        violations.is_empty(),
        "money safety violated under faults ({} findings):\n\n{}",
        violations.len(),
        violations.join("\n\n")
    );
}
