//! Head office (issue 19): hosts' journals shipped to a real PostgreSQL (a throwaway cluster,
//! `common::postgres`) while they sell, through SIGKILLs of a host mid-shipping and stops of
//! PostgreSQL: at the end PostgreSQL holds every document of each journal exactly once, in its
//! last state, `/health` says nothing waits and `fleet report` adds up to the journals. One
//! shop is driven request by request; three are driven by loadgen at once. Registers and
//! terminals are emulators in this test process (`common::shop`), so they outlive the hosts.

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::postgres::{PASSWORD, Postgres};
use serde_json::{Value, json};

const HOST_ID: &str = "shop-042";

fn sale(n: usize) -> Value {
    json!({
        "docNumber": format!("F-{n}"), "employeeName": "Кассир", "amount": 1000 + n as i64,
        "items": [{ "itemName": "Чай", "itemQty": 1000, "itemAmount": 1000 + n as i64,
                    "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] }],
        "payments": { "cashAmount": 1000 + n as i64 }
    })
}

/// The `[fleet]` table shipping to this PostgreSQL as this host.
fn fleet_table(pg: &Postgres, host_id: &str) -> String {
    format!(
        "\n[fleet]\npostgres = \"{}\"\nhost_id = \"{host_id}\"\npassword_file = {:?}\n",
        pg.url(),
        pg.password_file.to_str().unwrap()
    )
}

/// `fiscal-host fleet report` over yesterday to tomorrow, of one shop or all.
fn fleet_report(pg: &Postgres, shop: Option<&str>, json: bool) -> String {
    let today = chrono::Utc::now().date_naive();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fiscal-host"));
    cmd.args(["fleet", "report", "--postgres", &pg.url()])
        .arg("--from")
        .arg((today - chrono::Days::new(1)).to_string())
        .arg("--to")
        .arg((today + chrono::Days::new(1)).to_string())
        .env("FISCAL_HOST_FLEET_PASSWORD", PASSWORD);
    if let Some(shop) = shop {
        cmd.args(["--shop", shop]);
    }
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fleet_of(base: &str) -> Value {
    common::get_json(&format!("{base}/health"))["fleet"].clone()
}

/// Waits until `now()` reads `want`; fails with what it read last.
fn wait_for(what: &str, seconds: u64, want: &str, mut now: impl FnMut() -> String) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let read = now();
        if read == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {read}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_until(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The journal's documents as `GET /journal` lists them, every page: (id, total, state,
/// fiscal sign).
fn journal(base: &str) -> Vec<(i64, i64, String, String)> {
    let mut docs = Vec::new();
    let mut before = String::new();
    loop {
        let page = common::get_json(&format!("{base}/journal?limit=500{before}"));
        docs.extend(page["documents"].as_array().unwrap().iter().map(|d| {
            (
                d["id"].as_i64().unwrap(),
                d["total"].as_i64().unwrap(),
                d["state"].as_str().unwrap().to_owned(),
                d["fiscal_sign"].as_str().unwrap_or_default().to_owned(),
            )
        }));
        match page["next_before"].as_i64() {
            Some(id) => before = format!("&before={id}"),
            None => break,
        }
    }
    docs.sort();
    docs
}

/// Head office's documents of this host, from its view.
fn head_office(pg: &Postgres, host_id: &str) -> Vec<(i64, i64, String, String)> {
    let text = pg.query(&format!(
        "SELECT id, total, state, coalesce(fiscal->>'fiscal_sign', '') FROM fleet_documents \
         WHERE host_id = '{host_id}' ORDER BY id"
    ));
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].to_owned(),
                f[3].to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_journal_reaches_head_office_once_through_a_kill_and_a_database_outage() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let shop = common::shop::shop(dir.path());
    let mut config = std::fs::read_to_string(&shop.config).unwrap();
    config.push_str(&fleet_table(&pg, HOST_ID));
    // Rows head office holds leave the journal's outbox at the shipper's next prune.
    config.push_str("keep_shipped_days = 0\n");
    std::fs::write(&shop.config, config).unwrap();
    let args = ["--config", shop.config.to_str().unwrap()];
    let data = dir.path().join("data");

    let host = common::start_host(&data, &args);
    let base = host.base_url.trim_end_matches('/').to_owned();
    let opened = common::post_json(
        &format!("{base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    for n in 1..=10 {
        let sold = common::post_json(&format!("{base}/sale"), &sale(n));
        assert_eq!(sold["status"], "success", "{sold}");
    }
    wait_until("the first sales at head office", 30, || {
        head_office(&pg, HOST_ID) == journal(&base)
    });
    let status = fleet_of(&base);
    assert_eq!(status["connected"], true, "{status}");
    assert_eq!(status["host_id"], HOST_ID);
    assert!(!status.to_string().contains(PASSWORD), "{status}");
    let migrations = pg.query("SELECT string_agg(version::text, ',') FROM fleet_migrations");
    assert_eq!(migrations, "1,2,3,4,5,6");
    // The shift's opening, with the register's fiscal record as structured JSON.
    let shift = pg.query(&format!(
        "SELECT outcome->'ok'->>'shift_number', outcome->'ok'->>'fiscal_sign' <> '' \
         FROM fleet_shifts WHERE host_id = '{HOST_ID}' AND kind = 'open'"
    ));
    let on_register = shop.register.with_device(|d| d.shift_number());
    assert_eq!(shift, format!("{on_register}|t"));

    // Killed while it sells and ships; the next start goes on from what PostgreSQL holds. The
    // seller goes on until the kill stops it (a cash sale takes a few milliseconds: thirty of
    // them could all be done before the kill).
    const UNTIL_KILLED: usize = 10_000;
    let url = format!("{base}/sale");
    let selling = std::thread::spawn(move || {
        for n in 11..=UNTIL_KILLED {
            let Ok(mut r) = ureq::post(&url).send_json(sale(n)) else {
                return n;
            };
            let _ = r.body_mut().read_to_string();
        }
        UNTIL_KILLED + 1
    });
    wait_until("sales after the first ten", 30, || {
        journal(&base).len() >= 18
    });
    let mut host = host;
    host.child.kill().unwrap(); // SIGKILL
    host.child.wait().unwrap();
    drop(host);
    let stopped_at = selling.join().unwrap();
    assert!(stopped_at <= UNTIL_KILLED, "the kill came while it sold");
    let held: i64 = pg
        .query(&format!(
            "SELECT max(seq) FROM fleet_events WHERE host_id = '{HOST_ID}'"
        ))
        .parse()
        .unwrap();

    let host = common::start_host(&data, &args);
    let base = host.base_url.trim_end_matches('/').to_owned();
    for n in 100..105 {
        let sold = common::post_json(&format!("{base}/sale"), &sale(n));
        assert_eq!(sold["status"], "success", "{sold}");
    }
    wait_until("head office after the restart", 30, || {
        head_office(&pg, HOST_ID) == journal(&base)
    });
    // What head office held at the restart leaves the journal's outbox (keep_shipped_days = 0).
    let outbox = rusqlite::Connection::open(data.join("journal.sqlite")).unwrap();
    assert!(held > 0);
    wait_until("the rows head office held pruned", 30, || {
        outbox
            .query_row("SELECT count(*) FROM outbox WHERE seq <= ?1", [held], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
            == 0
    });

    // PostgreSQL goes away: sales go on, rows wait in the journal; back, they are shipped.
    pg.stop();
    for n in 200..205 {
        let sold = common::post_json(&format!("{base}/sale"), &sale(n));
        assert_eq!(
            sold["status"], "success",
            "sold while head office is down: {sold}"
        );
    }
    wait_until("the outage seen", 30, || {
        let s = fleet_of(&base);
        s["connected"] == false && s["pending_rows"].as_i64().unwrap_or(0) > 0
    });
    let waiting = fleet_of(&base);
    assert!(waiting["last_error"].is_string(), "{waiting}");
    pg.restart();
    wait_until("head office after the outage", 60, || {
        head_office(&pg, HOST_ID) == journal(&base)
    });
    wait_until("nothing pending", 30, || {
        let s = fleet_of(&base);
        s["connected"] == true && s["pending_rows"] == 0
    });

    // Exactly once: each document created once at head office, each outbox row once.
    let created = pg.query(&format!(
        "SELECT count(*), count(DISTINCT row_id) FROM fleet_events \
         WHERE host_id = '{HOST_ID}' AND kind = 'document'"
    ));
    let (all, distinct) = created.split_once('|').unwrap();
    assert_eq!(all, distinct, "a document created twice at head office");
    assert_eq!(all.parse::<usize>().unwrap(), journal(&base).len());
    let fiscalized = head_office(&pg, HOST_ID)
        .iter()
        .filter(|d| !d.3.is_empty())
        .count();
    let on_register = shop.register.with_device(|d| d.receipts().len());
    assert_eq!(
        fiscalized, on_register,
        "every fiscalized receipt at head office"
    );

    // The report's totals are the sums of the host's own journal.
    let registered: Vec<_> = journal(&base)
        .into_iter()
        .filter(|d| !d.3.is_empty())
        .collect();
    let total: i64 = registered.iter().map(|d| d.1).sum();
    let report = |json: bool| fleet_report(&pg, Some(HOST_ID), json);
    let figures: Value = serde_json::from_str(&report(true)).unwrap();
    let sum = |section: &str, field: &str| -> i64 {
        figures[section]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d[field].as_i64().unwrap())
            .sum()
    };
    assert_eq!(sum("shops", "total"), total, "{figures}");
    assert_eq!(
        sum("shops", "receipts") as usize,
        registered.len(),
        "{figures}"
    );
    assert_eq!(sum("by_vat", "amount"), total, "{figures}");
    let vat = &figures["by_vat"][0];
    assert_eq!(
        (vat["vat_kind"].as_str(), vat["vat_rate"].as_i64()),
        (Some("rate"), Some(2200)),
        "{figures}"
    );
    assert_eq!(
        sum("by_payment", "cash"),
        total,
        "every sale was paid in cash: {figures}"
    );
    assert_eq!(sum("by_payment", "cashless"), 0, "{figures}");
    assert_eq!(figures["alerts"], json!([]), "{figures}");
    let tables = report(false);
    assert!(
        tables.contains("Shops by day") && tables.contains(HOST_ID),
        "{tables}"
    );

    // A new journal (another data directory) under the same host_id is refused: its seq
    // counts from 1 again and would be taken for rows already shipped. Its rows wait. (The
    // shop's own host stops first: a device's health it journals later would ship too.)
    drop(host);
    let events = pg.query("SELECT count(*) FROM fleet_events");
    let other = tempfile::tempdir().unwrap();
    let other_config = other.path().join("host.toml");
    std::fs::write(&other_config, fleet_table(&pg, HOST_ID)).unwrap();
    let impostor = common::start_host(
        &other.path().join("data"),
        &["--config", other_config.to_str().unwrap()],
    );
    let other_base = impostor.base_url.trim_end_matches('/').to_owned();
    let opened = common::post_json(
        &format!("{other_base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    wait_until("the other journal refused", 30, || {
        let s = fleet_of(&other_base);
        s["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("another journal"))
            && s["pending_rows"].as_i64().unwrap_or(0) > 0
    });
    assert_eq!(pg.query("SELECT count(*) FROM fleet_events"), events);
}

/// Head office's check of each Z report (WIT 0.3.0's `shift-totals`), on each vendor's
/// register: a shift whose register counted what the host sent closes clean; one with a sale
/// rung up on the register's own keyboard closes with a `z-report-mismatch` alert, in
/// `fleet_alerts` and in `fleet report`.
#[test]
fn a_shtrih_m_z_report_is_checked_against_the_receipts_sent() {
    let dir = tempfile::tempdir().unwrap();
    let shop = common::shop::shop(dir.path());
    z_reports_checked(
        &shop,
        dir.path(),
        |d| d.shift_number(),
        |d| {
            d.keyboard_sale(50000, false);
        },
    );
}

#[test]
fn a_pirit_z_report_is_checked_against_the_receipts_sent() {
    let dir = tempfile::tempdir().unwrap();
    let shop = common::shop::pirit_shop(dir.path());
    z_reports_checked(
        &shop,
        dir.path(),
        |d| d.shift_number(),
        |d| {
            d.keyboard_sale(50000, false);
        },
    );
}

fn z_reports_checked<D: emulator_kit::Device>(
    shop: &common::shop::Shop<D>,
    dir: &std::path::Path,
    shift_number: impl Fn(&mut D) -> u32,
    keyboard_sale: impl Fn(&mut D),
) {
    const SHOP: &str = "shop-z";
    let pg = Postgres::start();
    let mut config = std::fs::read_to_string(&shop.config).unwrap();
    config.push_str(&fleet_table(&pg, SHOP));
    std::fs::write(&shop.config, config).unwrap();
    let host = common::start_host(
        &dir.join("data"),
        &["--config", shop.config.to_str().unwrap()],
    );
    let base = host.base_url.trim_end_matches('/').to_owned();
    // Connected, so the host has migrated head office's schema.
    wait_until("the host connected to head office", 30, || {
        fleet_of(&base)["connected"] == true
    });
    let post = |path: &str, body: Value| {
        let answer = common::post_json(&format!("{base}{path}"), &body);
        assert_eq!(answer["status"], "success", "{path}: {answer}");
        answer
    };
    let cashier = json!({ "employeeName": "Кассир" });
    let checks = |shift: u32| {
        pg.query(&format!(
            "SELECT kind, z_receipts, z_total, z_cash, z_cashless, receipts, total, cash, cashless, matches \
             FROM fleet_shift_checks WHERE host_id = '{SHOP}' AND shift_number = {shift} ORDER BY kind"
        ))
    };

    // A shift of two cash sales and one by card, one of the cash sales returned.
    post("/open_shift", cashier.clone());
    let first = shop.register.with_device(&shift_number);
    let cash = post("/sale", sale(1));
    post("/sale", sale(2));
    let mut by_card = sale(3);
    by_card["payments"] = json!({ "cashlessAmount": 1003 });
    post("/sale", by_card);
    post("/refund", json!({ "fiscalID": cash["fiscalID"] }));
    post("/close_shift", cashier.clone());
    wait_until("the first Z report at head office", 30, || {
        !checks(first).is_empty()
    });
    assert_eq!(
        checks(first),
        "return|1|1001|1001|0|1|1001|1001|0|t\nsale|3|3006|2003|1003|3|3006|2003|1003|t",
    );

    // One sale through the host, one on the register's keyboard that the host never saw.
    post("/open_shift", cashier.clone());
    let second = shop.register.with_device(&shift_number);
    post("/sale", sale(4));
    shop.register.with_device(&keyboard_sale);
    post("/close_shift", cashier);
    wait_until("the second Z report at head office", 30, || {
        !checks(second).is_empty()
    });
    assert_eq!(
        checks(second),
        "return|0|0|0|0|0|0|0|0|t\nsale|2|51004|51004|0|1|1004|1004|0|f",
    );
    let alerts = pg.query(&format!(
        "SELECT alert, device, subject FROM fleet_alerts WHERE host_id = '{SHOP}'"
    ));
    assert_eq!(
        alerts,
        format!(
            "z-report-mismatch|kkt|shift {second} sale: Z report 2 receipts 510.04, sent 1 receipts 10.04"
        )
    );
    let report: Value = serde_json::from_str(&fleet_report(&pg, Some(SHOP), true)).unwrap();
    assert_eq!(report["alerts"].as_array().unwrap().len(), 1, "{report}");
    let z = report["z_reports"].as_array().unwrap();
    assert_eq!(z.len(), 4, "{report}");
    assert!(
        z.iter()
            .any(|c| c["shift_number"] == second && c["kind"] == "sale" && c["matches"] == false),
        "{report}"
    );
    let tables = fleet_report(&pg, Some(SHOP), false);
    assert!(
        tables.contains("Z reports") && tables.contains("MISMATCH"),
        "{tables}"
    );
}

/// Each device's health reaches head office as it changes (`fleet_devices`), and what needs a
/// person is an alert: a printer that does not answer until it is plugged in, and a
/// register whose oldest document the OFD has not confirmed for two days.
#[test]
fn devices_going_offline_and_unsent_documents_are_alerts_at_head_office() {
    const SHOP: &str = "shop-d";
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let shop = common::shop::shop(dir.path());
    // A second printer on a port where nothing listens yet, asked every 300 ms.
    let spare = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let spare_addr = spare.local_addr().unwrap();
    drop(spare);
    let mut config = std::fs::read_to_string(&shop.config).unwrap();
    config.push_str(&format!(
        "\n[[devices]]\nid = \"printer-2\"\nkind = \"printer\"\ndriver = \"escpos\"\n\
         transport = {{ type = \"tcp\", address = \"{spare_addr}\", connect_timeout_ms = 200 }}\n\
         status_interval_ms = 300\n"
    ));
    config.push_str(&fleet_table(&pg, SHOP));
    std::fs::write(&shop.config, &config).unwrap();
    let start = || {
        common::start_host(
            &dir.path().join("data"),
            &["--config", shop.config.to_str().unwrap()],
        )
    };
    let host = start();
    let base = host.base_url.trim_end_matches('/').to_owned();
    wait_until("the host connected to head office", 30, || {
        fleet_of(&base)["connected"] == true
    });
    let devices = || {
        pg.query(&format!(
            "SELECT device, online FROM fleet_devices WHERE host_id = '{SHOP}' ORDER BY device"
        ))
    };
    let alerts = || {
        pg.query(&format!(
            "SELECT alert, device, subject FROM fleet_alerts WHERE host_id = '{SHOP}' ORDER BY alert"
        ))
    };
    wait_for(
        "every device's health at head office",
        30,
        "kkt|t\nprinter|t\nprinter-2|f\nterminal|t",
        devices,
    );
    let offline = alerts();
    assert!(
        offline.starts_with("device-offline|printer-2|"),
        "{offline}"
    );
    assert_eq!(offline.lines().count(), 1, "{offline}");

    // Taken out of the configuration while offline: head office forgets it and its alert;
    // configured again, it is back.
    drop(host);
    let without: String = config
        .split("\n[[devices]]\nid = \"printer-2\"")
        .next()
        .unwrap()
        .to_owned()
        + &fleet_table(&pg, SHOP);
    std::fs::write(&shop.config, &without).unwrap();
    let host = start();
    wait_for(
        "printer-2 gone from head office",
        30,
        "kkt|t\nprinter|t\nterminal|t",
        devices,
    );
    assert_eq!(alerts(), "");
    drop(host);
    std::fs::write(&shop.config, &config).unwrap();
    let host = start();
    let base = host.base_url.trim_end_matches('/').to_owned();
    wait_for(
        "printer-2 back at head office",
        30,
        "kkt|t\nprinter|t\nprinter-2|f\nterminal|t",
        devices,
    );

    // Plugged in: its next status answers, and the alert goes.
    let printer = escpos_emulator::emulator();
    printer.serve_tcp(spare_addr).unwrap();
    wait_for(
        "printer-2 online at head office",
        30,
        "kkt|t\nprinter|t\nprinter-2|t\nterminal|t",
        devices,
    );
    assert_eq!(alerts(), "");

    // The OFD link is down and the register's clock says two days ago: the shift's opening
    // report waits unconfirmed, and head office judges it old.
    let two_days_ago = chrono::Local::now().naive_local() - chrono::Days::new(2);
    shop.register.with_device(|d| {
        use chrono::{Datelike, Timelike};
        d.set_ofd_online(false);
        d.set_clock(shtrih_m_emulator::Clock::fixed(
            shtrih_m_emulator::DateTime {
                year: two_days_ago.year() as u16,
                month: two_days_ago.month() as u8,
                day: two_days_ago.day() as u8,
                hour: two_days_ago.hour() as u8,
                minute: two_days_ago.minute() as u8,
                second: two_days_ago.second() as u8,
            },
        ));
    });
    let opened = common::post_json(
        &format!("{base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    let status = common::post_json(&format!("{base}/fn_status"), &json!({}));
    let first = status["firstUnsentNumber"].as_u64().unwrap();
    wait_for(
        "the unsent document's alert",
        30,
        &format!("ofd-unsent|kkt|document {first} not confirmed by the OFD"),
        alerts,
    );
    let report: Value = serde_json::from_str(&fleet_report(&pg, Some(SHOP), true)).unwrap();
    assert_eq!(report["alerts"][0]["alert"], "ofd-unsent", "{report}");

    // The OFD is back and confirms it: the alert goes.
    shop.register.with_device(|d| d.set_ofd_online(true));
    let status = common::post_json(&format!("{base}/fn_status"), &json!({}));
    assert_eq!(status["unsentDocuments"], 0, "{status}");
    wait_for("the unsent document's alert gone", 30, "", alerts);
}

/// One shop of the chain: its emulated register and terminal in this process (they outlive the
/// host), its own data directory, and the host now serving it.
struct Branch {
    host_id: String,
    shop: common::shop::Shop,
    config: String,
    data: std::path::PathBuf,
    host: Mutex<Option<common::RunningHost>>,
    base: Mutex<String>,
    _dir: tempfile::TempDir,
}

impl Branch {
    fn open(pg: &Postgres, n: usize) -> Branch {
        let dir = tempfile::tempdir().unwrap();
        let host_id = format!("shop-{n:03}");
        let shop = common::shop::shop(dir.path());
        let mut config = std::fs::read_to_string(&shop.config).unwrap();
        config.push_str(&fleet_table(pg, &host_id));
        std::fs::write(&shop.config, config).unwrap();
        let branch = Branch {
            host_id,
            config: shop.config_arg(),
            shop,
            data: dir.path().join("data"),
            host: Mutex::new(None),
            base: Mutex::new(String::new()),
            _dir: dir,
        };
        branch.start();
        branch
    }

    fn start(&self) {
        let host = common::start_host(&self.data, &["--config", &self.config]);
        *self.base.lock().unwrap() = host.base_url.trim_end_matches('/').to_owned();
        *self.host.lock().unwrap() = Some(host);
    }

    /// SIGKILL, then a start on the same data directory.
    fn kill_and_restart(&self) {
        let mut host = self.host.lock().unwrap().take().unwrap();
        host.child.kill().unwrap();
        host.child.wait().unwrap();
        drop(host);
        self.start();
    }

    fn base(&self) -> String {
        self.base.lock().unwrap().clone()
    }

    /// Sells with loadgen (REST, two clients, 30 receipts/s in all, three lines) in runs of a
    /// second until `stop`, each run against the host serving now; (ok, errors) summed.
    fn sell_until(&self, stop: &AtomicBool) -> (u64, u64) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (mut ok, mut errors) = (0, 0);
        while !stop.load(Ordering::Relaxed) {
            let mut options = loadgen::Options::new(self.base(), loadgen::Face::Rest);
            options.clients = 2;
            options.rate = Some(30.0);
            options.duration = Some(Duration::from_secs(1));
            options.lines = 3;
            options.warmup = 0;
            options.timeout = Duration::from_secs(5);
            match runtime.block_on(loadgen::run(options)) {
                Ok(report) => {
                    ok += report.ok;
                    errors += report.errors;
                }
                // The host was killed before the run began: the next run finds the new one.
                Err(_) => {
                    errors += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        (ok, errors)
    }
}

/// The test of the chain: three hosts, each with its own data directory, ship to one
/// PostgreSQL while loadgen sells on each. One host is killed with SIGKILL twice (once while it
/// ships, once just after PostgreSQL came back with its backlog waiting) and PostgreSQL is
/// stopped for 10 s. At the end head office holds every document of every host exactly once, in
/// its journal's state, and `fleet report`'s per-shop totals are the sums of each journal.
#[test]
fn three_shops_ship_to_one_head_office_through_two_kills_and_a_ten_second_outage() {
    let pg = Postgres::start();
    let branches: Vec<Branch> = (1..=3).map(|n| Branch::open(&pg, n)).collect();
    let stop = AtomicBool::new(false);
    let sold: Vec<(u64, u64)> = std::thread::scope(|scope| {
        let selling: Vec<_> = branches
            .iter()
            .map(|b| scope.spawn(|| b.sell_until(&stop)))
            .collect();
        let killed = &branches[0];
        wait_until("the first shipping", 30, || {
            fleet_of(&killed.base())["shipped_seq"]
                .as_i64()
                .unwrap_or(0)
                > 0
        });
        std::thread::sleep(Duration::from_millis(1500));
        killed.kill_and_restart();

        std::thread::sleep(Duration::from_secs(1));
        pg.stop();
        std::thread::sleep(Duration::from_secs(10));
        wait_until("rows waiting on every host", 10, || {
            branches
                .iter()
                .all(|b| fleet_of(&b.base())["pending_rows"].as_i64().unwrap_or(0) > 0)
        });
        pg.restart();
        killed.kill_and_restart();

        std::thread::sleep(Duration::from_secs(3));
        stop.store(true, Ordering::Relaxed);
        selling.into_iter().map(|s| s.join().unwrap()).collect()
    });
    for (branch, (ok, errors)) in branches.iter().zip(&sold) {
        assert!(*ok > 100, "{}: {ok} receipts sold", branch.host_id);
        if branch.host_id != branches[0].host_id {
            assert_eq!(*errors, 0, "{}: sold through the outage", branch.host_id);
        }
    }

    for branch in &branches {
        let base = branch.base();
        wait_until("head office up to date", 120, || {
            head_office(&pg, &branch.host_id) == journal(&base)
        });
        let created = pg.query(&format!(
            "SELECT count(*), count(DISTINCT row_id) FROM fleet_events \
             WHERE host_id = '{}' AND kind = 'document'",
            branch.host_id
        ));
        let (all, distinct) = created.split_once('|').unwrap();
        assert_eq!(
            all, distinct,
            "{}: a document created twice",
            branch.host_id
        );
        assert_eq!(all.parse::<usize>().unwrap(), journal(&base).len());
        let fiscalized = head_office(&pg, &branch.host_id)
            .iter()
            .filter(|d| !d.3.is_empty())
            .count();
        let on_register = branch.shop.register.with_device(|d| d.receipts().len());
        assert_eq!(fiscalized, on_register, "{}", branch.host_id);
    }

    let figures = fleet_report(&pg, None, true);
    let figures: Value = serde_json::from_str(&figures).unwrap();
    for branch in &branches {
        let registered: Vec<_> = journal(&branch.base())
            .into_iter()
            .filter(|d| !d.3.is_empty())
            .collect();
        let of_shop = |field: &str| -> i64 {
            figures["shops"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["host_id"] == branch.host_id.as_str())
                .map(|d| d[field].as_i64().unwrap())
                .sum()
        };
        assert_eq!(
            of_shop("total"),
            registered.iter().map(|d| d.1).sum::<i64>(),
            "{}: {figures}",
            branch.host_id
        );
        assert_eq!(
            of_shop("receipts") as usize,
            registered.len(),
            "{}",
            branch.host_id
        );
    }
}
