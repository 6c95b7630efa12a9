//! A second register vendor with no host code of its own (issue 17). The Pirit driver is built
//! like an outside vendor's component against the SDK only: one test builds it from its own
//! folder with the command its README gives and loads it by path
//! (`driver = "/path/pirit.wasm"`) on a pty at 57600 baud; the other uses the host's built-in
//! `driver = "pirit"` on TCP. Both run one body through the REST face: a shift, a three-line
//! sale with two VAT rates and a marked line paid in cash and by card on the lane's terminal, an
//! X report, cash in and out, the last document, the fiscal drive's state, a correction receipt
//! and the Z report — each checked in the emulator's own records.

mod common;

use std::path::Path;
use std::process::Command;

use common::post_json as post;
use emulator_kit::Emulator;
use pirit_emulator::PiritDevice;
use serde_json::json;

const CODE: &str = "0104600439931256215Qbag!\u{1d}93Zjqw";

/// The vendor's path: the README's build command in the driver's own folder (its own target
/// dir, kept between runs), then `fiscal-host plugin check`, then the component by path on a
/// serial line (the emulator on a pty).
#[test]
fn the_driver_built_from_its_folder_by_its_readme_is_loaded_by_path_on_a_pty() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../drivers/pirit");
    let readme = std::fs::read_to_string(folder.join("README.md")).unwrap();
    let build = "cargo build --release --target wasm32-wasip2 -p pirit";
    assert!(readme.contains(build), "the README gives `{build}`");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vendor-builds");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut args = build.split(' ').skip(1);
    let built = Command::new(cargo)
        .current_dir(&folder)
        .args(args.by_ref())
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let wasm = target.join("wasm32-wasip2/release/pirit.wasm");
    let checked = Command::new(env!("CARGO_BIN_EXE_fiscal-host"))
        .args(["plugin", "check"])
        .arg(&wasm)
        .output()
        .unwrap();
    let checked = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.contains("world: fiscal-register"), "{checked}");
    assert!(checked.contains("the host loads it"), "{checked}");

    let register = pirit_emulator::emulator();
    let (pty, _) = register.serve_pty().unwrap();
    let transport = format!(
        "{{ type = \"serial\", path = {:?}, baud = 57600 }}",
        pty.to_str().unwrap()
    );
    sell_correct_and_close(
        &format!("{:?}", wasm.to_str().unwrap()),
        &transport,
        &register,
    );
}

/// The built-in name, on TCP.
#[test]
fn the_built_in_driver_sells_corrects_and_closes_the_shift_over_tcp() {
    let register = pirit_emulator::emulator();
    let (addr, _) = register.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let transport = format!("{{ type = \"tcp\", address = \"{addr}\" }}");
    sell_correct_and_close("\"pirit\"", &transport, &register);
}

/// The real binary with a Pirit register `kkt` (`driver`, `transport` and `settings` as TOML
/// values) and the in-process printer and terminal of its lane.
fn host_with(
    driver: &str,
    transport: &str,
    settings: &str,
) -> (tempfile::TempDir, common::RunningHost) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("host.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[[devices]]
id = "kkt"
kind = "fiscal-register"
driver = {driver}
transport = {transport}
settings = {{ {settings} }}

[[devices]]
id = "printer"
kind = "printer"
driver = "escpos"
transport = {{ type = "emulator", emulator = "escpos" }}

[[devices]]
id = "terminal"
kind = "payment-terminal"
driver = "zvt"
transport = {{ type = "emulator", emulator = "zvt" }}
"#
        ),
    )
    .unwrap();
    let host = common::start_host(
        &dir.path().join("data"),
        &["--config", config.to_str().unwrap()],
    );
    (dir, host)
}

fn sell_correct_and_close(driver: &str, transport: &str, register: &Emulator<PiritDevice>) {
    let (_dir, host) = host_with(driver, transport, "");
    let base = &host.base_url;

    let devices = common::get_json(&format!("{base}/devices"));
    let kkt = &devices[0];
    assert_eq!(kkt["id"], "kkt", "{devices}");
    assert_eq!(kkt["online"], true, "{kkt}");
    assert_eq!(kkt["jurisdictions"], json!(["RU"]), "{kkt}");
    assert!(kkt["model"].as_str().unwrap().contains("Пирит"), "{kkt}");
    assert_eq!(kkt["lane"]["fiscal"], true, "{kkt}");

    let opened = post(
        &format!("{base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    assert!(register.with_device(|d| d.shift_open()));

    let sale = json!({
        "docNumber": "P-1", "docTime": "2026-12-02 12:00:00", "employeeName": "Кассир",
        "amount": 45500,
        "items": [
            { "itemName": "Сигареты", "itemQRCode": CODE, "itemQty": 1000, "itemAmount": 20000,
              "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] },
            { "itemName": "Хлеб", "itemQty": 3000, "itemAmount": 21000,
              "itemTaxes": [{ "taxName": "НДС 10%", "taxPrc": 1000, "calcType": 1 }] },
            { "itemName": "Спички", "itemQty": 2000, "itemAmount": 4500,
              "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] }
        ],
        "payments": { "cashAmount": 29500, "cashlessAmount": 16000 }
    });
    let sold = post(&format!("{base}/sale"), &sale);
    assert_eq!(sold["status"], "success", "{sold}");
    assert!(
        !sold["rrn"].as_str().unwrap().is_empty(),
        "the card was charged: {sold}"
    );
    let receipt = register.with_device(|d| d.receipts().last().cloned().unwrap());
    assert_eq!(receipt.kind, pirit_emulator::DOC_SALE);
    assert_eq!(receipt.total, 45500);
    assert_eq!(receipt.items.len(), 3, "{receipt:?}");
    let rates: Vec<u8> = receipt.items.iter().map(|i| i.tax_number).collect();
    assert_eq!(
        rates,
        [0, 1, 0],
        "table 40: the general rate, 10 %: {receipt:?}"
    );
    assert_eq!(
        receipt.items[0].marking.as_deref(),
        Some(CODE),
        "tag 2000: {receipt:?}"
    );
    assert_eq!(receipt.items[1].quantity, 3000, "{receipt:?}");
    assert!(
        receipt
            .payments
            .contains(&(pirit_emulator::PAY_CASHLESS, 16000)),
        "{receipt:?}"
    );
    assert_eq!(
        register.with_device(|d| d.marking_checks().to_vec()),
        [CODE],
        "checked with the marking system before the sale"
    );
    assert!(
        register.with_device(|d| d.accepted_codes().is_empty()),
        "the accepted code was used by the receipt"
    );
    assert_eq!(sold["fiscalID"], receipt.fiscal_sign.as_str(), "{sold}");

    register.with_device(|d| d.clear_command_log());
    let x = post(
        &format!("{base}/x_report"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(x["status"], "success", "{x}");
    assert!(
        register.with_device(|d| d.command_codes().contains(&0x20)),
        "0x20 X report"
    );
    let drawer = register.with_device(|d| d.drawer());
    for (route, amount) in [("deposit", 10000), ("withdraw", 3000)] {
        let moved = post(
            &format!("{base}/{route}"),
            &json!({ "employeeName": "Кассир", "amount": amount }),
        );
        assert_eq!(moved["status"], "success", "{route}: {moved}");
    }
    assert_eq!(
        register.with_device(|d| d.drawer()),
        drawer + 7000,
        "cash in 100, out 30"
    );

    let last = post(&format!("{base}/last_document"), &json!({}));
    assert_eq!(last["fiscalID"], receipt.fiscal_sign.as_str(), "{last}");

    let fn_status = post(&format!("{base}/fn_status"), &json!({}));
    assert_eq!(fn_status["status"], "success", "{fn_status}");
    let unsent = fn_status["unsentDocuments"].as_u64().unwrap();
    assert!(unsent >= 1, "{fn_status}");
    register.with_device(|d| d.drain_ofd_queue());
    let drained = post(&format!("{base}/fn_status"), &json!({}));
    assert_eq!(drained["unsentDocuments"], 0, "{drained}");

    let base_date = (chrono::Local::now().date_naive() - chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    let corrected = post(
        &format!("{base}/correction"),
        &json!({ "docNumber": "K-1", "employeeName": "Кассир", "amount": 5000,
                 "correctionType": "order", "baseDate": base_date, "orderNumber": "12/34",
                 "items": [{ "itemName": "Чай", "itemQty": 1000, "itemAmount": 5000,
                             "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] }],
                 "payments": { "cashAmount": 5000 } }),
    );
    assert_eq!(corrected["status"], "success", "{corrected}");
    let correction = register.with_device(|d| d.receipts().last().cloned().unwrap());
    let basis = correction
        .correction
        .as_ref()
        .expect("a correction receipt");
    assert!(basis.by_order, "{basis:?}");
    assert_eq!(basis.order_number, "12/34");
    assert_eq!(corrected["fiscalID"], correction.fiscal_sign.as_str());

    let closed = post(
        &format!("{base}/close_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(closed["status"], "success", "{closed}");
    assert!(!register.with_device(|d| d.shift_open()));
}

/// The faults of the emulator through the real host on TCP, one sale each: a packet the
/// register did not take and an answer lost or garbled are retried or settled by asking the
/// register (never by registering again); paper out and the cover open are typed errors with
/// nothing registered; a line dropped mid-frame is an error, then the register is back. At the
/// end every sale that succeeded holds exactly one receipt of its own on the register.
#[test]
fn every_fault_is_a_typed_error_or_settled_and_nothing_is_registered_twice() {
    use emulator_kit::Fault;
    use std::time::Duration;

    let register = pirit_emulator::emulator();
    let (addr, _) = register.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let (_dir, host) = host_with(
        "\"pirit\"",
        &format!("{{ type = \"tcp\", address = \"{addr}\" }}"),
        "\"timeout-ms\" = 400",
    );
    let base = &host.base_url;
    let opened = post(
        &format!("{base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");

    let sales = std::cell::Cell::new(0);
    let sell = || {
        sales.set(sales.get() + 1);
        post(
            &format!("{base}/sale"),
            &json!({
                "docNumber": format!("F-{}", sales.get()), "employeeName": "Кассир", "amount": 1000,
                "items": [{ "itemName": "Чай", "itemQty": 1000, "itemAmount": 1000,
                            "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] }],
                "payments": { "cashAmount": 1000 }
            }),
        )
    };
    let receipts = || register.with_device(|d| d.receipts().len());
    // A sale with this fault set up succeeds: its fiscal sign.
    let succeeds = |what: &str, setup: &dyn Fn()| {
        setup();
        let sold = sell();
        register.faults().clear();
        assert_eq!(sold["status"], "success", "{what}: {sold}");
        sold["fiscalID"].as_str().unwrap().to_owned()
    };
    let mut signs = Vec::new();
    for fault in [Fault::Nak, Fault::CorruptChecksum, Fault::NoReply] {
        signs.push(succeeds(&format!("{fault:?}"), &|| {
            register.faults().inject(fault)
        }));
    }
    signs.push(succeeds("a slow register", &|| {
        register
            .faults()
            .inject(Fault::SlowReply(Duration::from_millis(30)))
    }));
    // The close's answer lost or garbled: the receipt is on the register; the host learns
    // it from the register's last document.
    signs.push(succeeds("the close's answer lost", &|| {
        register.with_device(|d| d.lose_answer_to(0x31))
    }));
    signs.push(succeeds("the close's answer garbled", &|| {
        register.with_device(|d| d.corrupt_answer_to(0x31))
    }));
    assert_eq!(receipts(), 6, "one receipt per sale");

    // Seed 001's code 5 (the register refused the receipt), with the vendor's words and code.
    for (fault, words) in [
        (Fault::PaperOut, "Конец бумаги (error 08h) (vendor code 8)"),
        (Fault::CoverOpen, "cover is open (vendor code 9)"),
    ] {
        register.faults().inject(fault);
        let refused = sell();
        register.faults().clear();
        assert_eq!(refused["status"], "error", "{fault:?}: {refused}");
        assert_eq!(refused["code"], 5, "{fault:?}: {refused}");
        assert!(
            refused["message"].as_str().unwrap().contains(words),
            "{fault:?}: {refused}"
        );
        assert_eq!(receipts(), 6, "{fault:?}: nothing registered");
        assert!(register.with_device(|d| d.open_document().is_none()));
    }

    register.faults().inject(Fault::DisconnectMidFrame);
    let dropped = sell();
    register.faults().clear();
    if dropped["status"] == "success" {
        signs.push(dropped["fiscalID"].as_str().unwrap().to_owned());
    }
    std::thread::sleep(Duration::from_millis(300));
    signs.push(succeeds("after the line came back", &|| {}));

    let on_register: Vec<String> =
        register.with_device(|d| d.receipts().iter().map(|r| r.fiscal_sign.clone()).collect());
    assert_eq!(
        on_register, signs,
        "each success one receipt, in order, none twice"
    );
}
