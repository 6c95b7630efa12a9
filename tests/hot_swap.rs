//! Plugins replaced while the host runs (issue 18): 50 receipts are queued on one lane (a
//! Shtrih-M register slowed so they wait in its queue) while its layout and then its register's
//! driver are swapped by `POST /admin/plugins/reload` after their files were overwritten. All 50
//! complete exactly once on the register, the copies printed after the layout's swap carry the
//! new layout's title line, `/health` shows the new components, and a garbage file is refused
//! with its reason while the old layout keeps printing. The register and the printer are
//! emulators in this test process (on TCP), so their own records are read.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use fiscal_host::builtins;
use serde_json::{Value, json};

/// The default layout's copy opens with "Чек № n"; the template's with this one line.
const TEMPLATE_TITLE: &str = "КАССОВЫЙ ЧЕК ПРИХОД";
const DEFAULT_MARK: &str = "Чек № ";
const SALES: usize = 50;

fn reload(base: &str) -> (u16, Value) {
    let mut reply = ureq::post(&format!("{base}/admin/plugins/reload"))
        .config()
        .http_status_as_error(false)
        .build()
        .send_empty()
        .unwrap();
    let status = reply.status().as_u16();
    (status, reply.body_mut().read_json().unwrap())
}

/// The reload's outcome for one plugin.
fn outcome<'a>(reply: &'a Value, plugin: &str) -> &'a Value {
    reply["reloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["plugin"] == plugin)
        .unwrap_or_else(|| panic!("no {plugin} in {reply}"))
}

fn plugin_report(base: &str, world: &str) -> Value {
    let health = common::get_json(&format!("{base}/health"));
    health["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["world"] == world)
        .cloned()
        .unwrap_or_else(|| panic!("no {world} plugin in {health}"))
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn copy(from: &Path, to: &Path) {
    // Written beside and renamed over, as an integrator's build or deploy would: a reload
    // never reads half a file.
    let part = to.with_extension("part");
    std::fs::copy(from, &part).unwrap();
    std::fs::rename(&part, to).unwrap();
}

#[test]
fn a_layout_and_a_driver_swapped_under_50_queued_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout.wasm");
    let driver = dir.path().join("register.wasm");
    copy(&builtins::guest_path("receipt_default.wasm"), &layout);
    copy(&builtins::guest_path("shtrih_m.wasm"), &driver);

    let register = shtrih_m_emulator::emulator();
    let (kkt, _) = register.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let printer = escpos_emulator::emulator();
    let (paper, _) = printer.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let config = dir.path().join("host.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[plugins]
layout = {layout:?}

[[devices]]
id = "kkt"
kind = "fiscal-register"
driver = {driver:?}
transport = {{ type = "tcp", address = "{kkt}" }}

[[devices]]
id = "printer"
kind = "printer"
driver = "escpos"
transport = {{ type = "tcp", address = "{paper}" }}
"#
        ),
    )
    .unwrap();
    let host = common::start_host(
        &dir.path().join("data"),
        &["--config", config.to_str().unwrap()],
    );
    let base = host.base_url.trim_end_matches('/').to_owned();

    let (status, nothing) = reload(&base);
    assert_eq!(status, 200, "{nothing}");
    assert_eq!(outcome(&nothing, "layout")["outcome"], "unchanged");
    assert_eq!(outcome(&nothing, "kkt")["outcome"], "unchanged");
    let first_layout = plugin_report(&base, "receipt-layout");
    assert!(first_layout["loaded_at"].is_string(), "{first_layout}");

    let opened = common::post_json(
        &format!("{base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");

    // Each answer of the register 10 ms late: a receipt takes ~0.1 s, so the sales queue for
    // seconds, longer than a reload takes to compile its component.
    register
        .faults()
        .inject(emulator_kit::Fault::SlowReply(Duration::from_millis(10)));
    let sales: Vec<_> = (1..=SALES)
        .map(|n| {
            let url = format!("{base}/sale");
            std::thread::spawn(move || {
                common::post_json(
                    &url,
                    &json!({
                        "docNumber": format!("H-{n}"), "employeeName": "Кассир", "amount": 1000,
                        "items": [{ "itemName": "Чай", "itemQty": 1000, "itemAmount": 1000,
                                    "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] }],
                        "payments": { "cashAmount": 1000 }
                    }),
                )
            })
        })
        .collect();
    let on_register = || register.with_device(|d| d.receipts().len());

    wait_until("10 receipts", || on_register() >= 10);
    copy(&builtins::guest_path("receipt_template.wasm"), &layout);
    let (status, swapped) = reload(&base);
    assert_eq!(status, 200, "{swapped}");
    assert_eq!(
        outcome(&swapped, "layout")["outcome"],
        "reloaded",
        "{swapped}"
    );
    let at_layout_swap = on_register();
    assert!(
        at_layout_swap < SALES,
        "the swap came while sales were queued"
    );

    wait_until("25 receipts", || on_register() >= 25);
    let old_build =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/wit-0.1.0/shtrih_m.wasm");
    copy(&old_build, &driver);
    let (status, swapped) = reload(&base);
    assert_eq!(status, 200, "{swapped}");
    assert_eq!(outcome(&swapped, "kkt")["outcome"], "reloaded", "{swapped}");
    assert!(
        on_register() < SALES,
        "the driver's swap came while sales were queued"
    );

    let replies: Vec<Value> = sales.into_iter().map(|s| s.join().unwrap()).collect();
    register.faults().clear();
    for reply in &replies {
        assert_eq!(reply["status"], "success", "{reply}");
    }
    // Exactly once each: 50 receipts on the register, one per sale, each sale's own.
    let signs: Vec<String> = register.with_device(|d| {
        d.receipts()
            .iter()
            .map(|r| r.fiscal_sign.to_string())
            .collect()
    });
    assert_eq!(signs.len(), SALES);
    let mut replied: Vec<String> = replies
        .iter()
        .map(|r| r["fiscalID"].as_str().unwrap().to_owned())
        .collect();
    let mut registered = signs.clone();
    replied.sort();
    registered.sort();
    replied.dedup();
    assert_eq!(replied, registered, "each sale one receipt of its own");

    let driver_report = plugin_report(&base, "device-driver");
    assert_eq!(
        driver_report["wit"], "0.1.0",
        "the old build serves: {driver_report}"
    );
    let layout_report = plugin_report(&base, "receipt-layout");
    assert_ne!(layout_report["sha256"], first_layout["sha256"]);

    // Every copy printed; those of receipts after the layout's swap carry the template's title.
    let copies = || {
        printer.with_device(|d| {
            let lines: Vec<String> = d.paper().iter().filter_map(|p| p.line_text()).collect();
            let template = lines.iter().filter(|l| l.contains(TEMPLATE_TITLE)).count();
            let default = lines.iter().filter(|l| l.starts_with(DEFAULT_MARK)).count();
            (default, template)
        })
    };
    wait_until("50 copies", || {
        let (default, template) = copies();
        default + template == SALES
    });
    let (default, template) = copies();
    assert!(
        default >= 10 && default <= at_layout_swap + 1,
        "{default} old copies"
    );
    assert!(
        template >= SALES - at_layout_swap - 1,
        "{template} new copies"
    );

    // A garbage file is refused with its reason; the template goes on printing.
    std::fs::write(&layout, b"not a component").unwrap();
    let (status, refused) = reload(&base);
    assert_eq!(status, 422, "{refused}");
    let layout_outcome = outcome(&refused, "layout");
    assert_eq!(layout_outcome["outcome"], "refused", "{refused}");
    assert!(
        layout_outcome["reason"].as_str().unwrap().len() > 10,
        "{refused}"
    );
    assert_eq!(outcome(&refused, "kkt")["outcome"], "unchanged");
    assert_eq!(
        plugin_report(&base, "receipt-layout")["sha256"],
        layout_report["sha256"]
    );
    let sold = common::post_json(
        &format!("{base}/sale"),
        &json!({
            "docNumber": "H-after", "employeeName": "Кассир", "amount": 1000,
            "items": [{ "itemName": "Чай", "itemQty": 1000, "itemAmount": 1000,
                        "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] }],
            "payments": { "cashAmount": 1000 }
        }),
    );
    assert_eq!(sold["status"], "success", "{sold}");
    wait_until("the copy after the refusal", || copies().1 == template + 1);
}

/// Two registers naming one driver file share one load of it (its compiled code mapped once),
/// and a reload after the file changed loads it once for both: both report the same load, both
/// serve with the new build.
#[test]
fn registers_naming_one_driver_file_share_its_load_and_its_reload() {
    let dir = tempfile::tempdir().unwrap();
    let driver = dir.path().join("register.wasm");
    copy(&builtins::guest_path("shtrih_m.wasm"), &driver);
    let config = dir.path().join("host.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[[devices]]
id = "kkt-a"
kind = "fiscal-register"
driver = {driver:?}
transport = {{ type = "emulator", emulator = "shtrih-m" }}

[[devices]]
id = "kkt-b"
kind = "fiscal-register"
driver = {driver:?}
transport = {{ type = "emulator", emulator = "shtrih-m", unit = 1 }}
"#
        ),
    )
    .unwrap();
    let host = common::start_host(
        &dir.path().join("data"),
        &["--config", config.to_str().unwrap()],
    );
    let base = host.base_url.trim_end_matches('/').to_owned();
    let drivers = || {
        let health = common::get_json(&format!("{base}/health"));
        let reports: Vec<Value> = health["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == "register")
            .cloned()
            .collect();
        assert_eq!(reports.len(), 2, "{health}");
        reports
    };
    let loaded = drivers();
    assert_eq!(loaded[0], loaded[1], "one load for both registers");

    let old_build =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/wit-0.1.0/shtrih_m.wasm");
    copy(&old_build, &driver);
    let (status, swapped) = reload(&base);
    assert_eq!(status, 200, "{swapped}");
    for kkt in ["kkt-a", "kkt-b"] {
        assert_eq!(outcome(&swapped, kkt)["outcome"], "reloaded", "{swapped}");
    }
    assert_eq!(
        outcome(&swapped, "kkt-a")["sha256"],
        outcome(&swapped, "kkt-b")["sha256"]
    );
    let reloaded = drivers();
    assert_eq!(reloaded[0], reloaded[1], "one reload for both registers");
    assert_eq!(reloaded[0]["wit"], "0.1.0", "{reloaded:?}");
    assert_ne!(reloaded[0]["loaded_at"], loaded[0]["loaded_at"]);
    // Each register serves on the build loaded again.
    for kkt in ["kkt-a", "kkt-b"] {
        let opened = common::post_json(
            &format!("{base}/open_shift?device={kkt}"),
            &json!({ "employeeName": "Кассир" }),
        );
        assert_eq!(opened["status"], "success", "{kkt}: {opened}");
    }
}
