//! Crash tests: the real host is killed with SIGKILL at each step of a card sale (after the
//! intent is synced, after the register answered but before the journal knew, after the
//! journal knew but before the reply), restarted on the same data directory, and asked the
//! same requests again. The register and the terminal run in this test process, so they
//! outlive the host like real devices: no receipt may be fiscalized twice, none lost, and the
//! repeated request is answered from the journal.

mod common;

use std::os::unix::process::ExitStatusExt;

use common::shop::{RegisterRecords, Shop, pirit_shop, shop};
use common::ws::WsClient;
use serde_json::json;

/// Runs a crash test on a fresh shop with this register model, in its own directory.
async fn in_a_shop<F, G>(
    register: &str,
    shtrih: impl FnOnce(Shop, std::path::PathBuf) -> F,
    pirit: impl FnOnce(Shop<pirit_emulator::PiritDevice>, std::path::PathBuf) -> G,
) where
    F: std::future::Future<Output = ()>,
    G: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    match register {
        "pirit" => pirit(pirit_shop(&path), path).await,
        _ => shtrih(shop(&path), path).await,
    }
}

fn seed_doc() -> serde_json::Value {
    json!({
        "cashier": "Сидр Петров",
        "doc_type": 2,
        "wares": [{ "name": "Водка Айс 0,5л 40%", "barcode": "123123", "tax_number": 0, "price": 123.45, "quantity": 2 }]
    })
}

/// The sale up to the payment: the shift (request s-1) and the seed's document (request d-1).
async fn open_shift_and_create(ws: &mut WsClient) {
    let opened = ws
        .request_with_id("s-1", "open_shift", json!({ "cashier": "Сидр Петров" }))
        .await;
    assert_eq!(opened["data"]["error"], false, "{opened}");
    let created = ws.request_with_id("d-1", "create_doc", seed_doc()).await;
    assert_eq!(created["data"]["amount"], 24690, "{created}");
}

async fn crash_and_recover<D: RegisterRecords>(
    point: &str,
    shop: Shop<D>,
    dir: std::path::PathBuf,
) {
    let config = shop.config.to_str().unwrap().to_owned();
    let data = dir.join("data");

    let mut doomed = common::start_host_with_env(
        &data,
        &["--config", &config],
        &[("FISCAL_HOST_CRASH_AT", point)],
    );
    {
        let mut ws = WsClient::connect(&doomed.base_url).await;
        open_shift_and_create(&mut ws).await;
        ws.send_with_id("p-1", "pay", json!({ "amount": 24690 }))
            .await;
        // The host kills itself at the crash point; no reply comes.
        let status = tokio::task::spawn_blocking(move || {
            let status = doomed.child.wait().unwrap();
            drop(doomed);
            status
        })
        .await
        .unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "{point}: the host should die by SIGKILL, got {status:?}"
        );
    }
    let registered_at_crash = shop.register.with_device(|d| d.registered().len());
    let expected_at_crash = if point == "after-intent" { 0 } else { 1 };
    assert_eq!(
        registered_at_crash, expected_at_crash,
        "{point}: receipts on the register at the crash"
    );

    // Restart on the same journal: recovery asks the register, then the client repeats.
    let host = common::start_host(&data, &["--config", &config]);
    let health = common::get_json(&format!("{}/health", host.base_url));
    let recovery = &health["recovery"];
    match point {
        // Nothing reached the register: the paid document waits for the repeat.
        "after-intent" => assert_eq!(recovery["not_registered"], json!([1]), "{health}"),
        // The register had it; the journal learns it from the register.
        "after-exchange" => assert_eq!(recovery["fiscalized"], json!([1]), "{health}"),
        // The journal knew already: nothing to recover.
        _ => assert_eq!(recovery["fiscalized"], json!([]), "{health}"),
    }
    assert_eq!(recovery["unknown"], json!([]), "{health}");
    let mut ws = WsClient::connect(&host.base_url).await;
    let created = ws.request_with_id("d-1", "create_doc", seed_doc()).await;
    assert_eq!(
        created["data"]["amount"], 24690,
        "{point}: the document comes back from the journal: {created}"
    );
    let paid = ws
        .request_with_id("p-1", "pay", json!({ "amount": 24690 }))
        .await;
    assert_eq!(paid["data"]["error"], false, "{point}: {paid}");

    shop.register.with_device(|d| {
        let receipts = d.registered();
        assert_eq!(
            receipts.len(),
            1,
            "{point}: exactly one receipt, never two, never none"
        );
        assert_eq!(receipts[0].1, 24690);
        assert_eq!(
            paid["data"]["fiscal"]["document_number"], receipts[0].0,
            "{point}: the reply names the receipt the register holds"
        );
    });
    shop.terminal.with_device(|d| {
        let charged: Vec<_> = d.transactions().iter().filter(|t| t.approved()).collect();
        assert_eq!(
            charged.len(),
            1,
            "{point}: the card was charged once: {:?}",
            d.transactions()
        );
    });

    // And once more: the very same reply, from the journal.
    let again = ws
        .request_with_id("p-1", "pay", json!({ "amount": 24690 }))
        .await;
    assert_eq!(again, paid, "{point}");
    shop.register
        .with_device(|d| assert_eq!(d.registered().len(), 1));
}

on_each_register! {
    /// Killed by the test while the register is in the middle of the receipt's frames: each of
    /// its answers is slowed down, and SIGKILL lands somewhere inside the exchange. Wherever it
    /// lands (a receipt half open on the register, or registered and unanswered), recovery and the
    /// repeated request must end with exactly one receipt.
    async fn killed_during_the_register_exchange(register) {
        in_a_shop(register, killed_mid_exchange, killed_mid_exchange).await;
    }
}

async fn killed_mid_exchange<D: RegisterRecords>(shop: Shop<D>, dir: std::path::PathBuf) {
    let config = shop.config.to_str().unwrap().to_owned();
    let data = dir.join("data");

    let doomed = common::start_host(&data, &["--config", &config]);
    let mut ws = WsClient::connect(&doomed.base_url).await;
    open_shift_and_create(&mut ws).await;
    shop.register
        .faults()
        .inject(emulator_kit::Fault::SlowReply(
            std::time::Duration::from_millis(150),
        ));
    ws.send_with_id("p-1", "pay", json!({ "amount": 24690 }))
        .await;
    // The terminal answers at once; the register's frames take 150 ms each. Kill the host the
    // moment the register holds a half-made receipt: in the middle of the exchange.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !shop.register.with_device(|d| d.document_open()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the receipt never opened on the register"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mut doomed = doomed;
    doomed.child.kill().unwrap(); // SIGKILL
    doomed.child.wait().unwrap();
    drop(doomed);
    let (open, registered) = shop
        .register
        .with_device(|d| (d.document_open(), d.registered().len()));
    assert!(
        open && registered == 0,
        "killed mid-receipt: open {open}, registered {registered}"
    );
    shop.register.faults().clear();

    let host = common::start_host(&data, &["--config", &config]);
    let mut ws = WsClient::connect(&host.base_url).await;
    let created = ws.request_with_id("d-1", "create_doc", seed_doc()).await;
    assert_eq!(created["data"]["amount"], 24690, "{created}");
    let paid = ws
        .request_with_id("p-1", "pay", json!({ "amount": 24690 }))
        .await;
    assert_eq!(paid["data"]["error"], false, "{paid}");
    shop.register.with_device(|d| {
        assert_eq!(d.registered().len(), 1, "exactly one receipt");
        assert_eq!(
            paid["data"]["fiscal"]["document_number"],
            d.registered()[0].0
        );
        assert!(!d.document_open());
    });
    shop.terminal.with_device(|d| {
        assert_eq!(
            d.transactions().iter().filter(|t| t.approved()).count(),
            1,
            "one charge"
        );
    });
}

on_each_register! {
    async fn killed_after_the_intent_is_journaled(register) {
        in_a_shop(
            register,
            |shop, dir| crash_and_recover("after-intent", shop, dir),
            |shop, dir| crash_and_recover("after-intent", shop, dir),
        )
        .await;
    }
}

on_each_register! {
    async fn killed_after_the_register_answered(register) {
        in_a_shop(
            register,
            |shop, dir| crash_and_recover("after-exchange", shop, dir),
            |shop, dir| crash_and_recover("after-exchange", shop, dir),
        )
        .await;
    }
}

on_each_register! {
    async fn killed_before_the_reply(register) {
        in_a_shop(
            register,
            |shop, dir| crash_and_recover("before-reply", shop, dir),
            |shop, dir| crash_and_recover("before-reply", shop, dir),
        )
        .await;
    }
}

on_each_register! {
    /// Two sales of equal totals on one register, paid at the same moment from two connections, and
    /// the host killed just after the register answered the first receipt. Each sale must end with
    /// a register receipt of its own: recovery never gives one receipt to two documents (both had
    /// once noted the same "last document before" and both claimed the receipt that followed).
    async fn two_equal_sales_on_one_register_never_share_a_receipt(register) {
        in_a_shop(register, two_equal_sales, two_equal_sales).await;
    }
}

async fn two_equal_sales<D: RegisterRecords>(shop: Shop<D>, dir: std::path::PathBuf) {
    let config = shop.config_arg();
    let data = dir.join("data");

    let mut doomed = common::start_host_with_env(
        &data,
        &["--config", &config],
        &[("FISCAL_HOST_CRASH_AT", "after-exchange")],
    );
    let mut first = WsClient::connect(&doomed.base_url).await;
    let mut second = WsClient::connect(&doomed.base_url).await;
    open_shift_and_create(&mut first).await;
    let created = second
        .request_with_id("e-1", "create_doc", seed_doc())
        .await;
    assert_eq!(created["data"]["amount"], 24690, "{created}");
    // A slow register: were the two sales let onto it together, the second would read the
    // register's last document while the first's receipt is still waiting to go out, and both
    // would note the same "last before".
    shop.register
        .faults()
        .inject(emulator_kit::Fault::SlowReply(
            std::time::Duration::from_millis(100),
        ));
    first
        .send_with_id("p-1", "pay", json!({ "amount": 24690 }))
        .await;
    second
        .send_with_id("q-1", "pay", json!({ "amount": 24690 }))
        .await;
    let status = tokio::task::spawn_blocking(move || doomed.child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.signal(), Some(9), "{status:?}");
    assert_eq!(shop.register.with_device(|d| d.registered().len()), 1);
    shop.register.faults().clear();

    let host = common::start_host(&data, &["--config", &config]);
    let mut replies = Vec::new();
    for (doc, pay) in [("d-1", "p-1"), ("e-1", "q-1")] {
        let mut ws = WsClient::connect(&host.base_url).await;
        let created = ws.request_with_id(doc, "create_doc", seed_doc()).await;
        assert_eq!(created["data"]["amount"], 24690, "{created}");
        let paid = ws
            .request_with_id(pay, "pay", json!({ "amount": 24690 }))
            .await;
        assert_eq!(paid["data"]["error"], false, "{pay}: {paid}");
        replies.push(paid);
    }
    let numbers: Vec<_> = replies
        .iter()
        .map(|r| r["data"]["fiscal"]["document_number"].as_u64().unwrap())
        .collect();
    assert_ne!(numbers[0], numbers[1], "one receipt each: {replies:?}");
    shop.register.with_device(|d| {
        let registered: Vec<u64> = d.registered().iter().map(|r| r.0).collect();
        assert_eq!(registered.len(), 2, "two sales, two receipts");
        for n in &numbers {
            assert!(
                registered.contains(n),
                "{n} is not on the register: {registered:?}"
            );
        }
    });
    assert_eq!(shop.charged().len(), 2, "two sales, two charges");
}
