//! The commands the host sends a Shtrih-M register per receipt (issue 20): each is a round
//! trip on the wire and a wait for the device, so what the host can know it does not ask.
//! The real binary sells over REST to the emulated register on TCP; the emulator's own log of
//! the commands it received is counted.

mod common;

use serde_json::{Value, json};

/// A cash sale of three lines (bread, milk, tea at 22%).
fn sale(n: usize) -> Value {
    sale_paid(n, json!({ "cashAmount": 12_000 }))
}

/// The same three lines paid as `payments` says.
fn sale_paid(n: usize, payments: Value) -> Value {
    let line = |name: &str, amount: i64| {
        json!({ "itemName": name, "itemQty": 1000, "itemAmount": amount,
                "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] })
    };
    json!({
        "docNumber": format!("C-{n}"), "employeeName": "Кассир", "amount": 12_000,
        "items": [line("Хлеб", 5_000), line("Молоко", 4_000), line("Чай", 3_000)],
        "payments": payments
    })
}

/// A register command's code as the vendor writes it: `11h`, `FF46h`.
fn named(codes: &[u16]) -> Vec<String> {
    codes.iter().map(|c| format!("{c:X}h")).collect()
}

/// The real binary on a fresh shop with its shift open and one cash sale made: the first
/// receipt meets a driver that knows nothing yet (the drive's number, the cashier's name) and
/// asks them once, so the receipts after it are the steady state.
struct Open {
    // Dropped in this order: the host stops before its devices, the directory goes last.
    _host: common::RunningHost,
    shop: common::shop::Shop,
    _dir: tempfile::TempDir,
    base: String,
}

fn open_shop() -> Open {
    let dir = tempfile::tempdir().unwrap();
    let shop = common::shop::shop(dir.path());
    let host = common::start_host(&dir.path().join("data"), &["--config", &shop.config_arg()]);
    let base = host.base_url.trim_end_matches('/').to_owned();
    let opened = common::post_json(
        &format!("{base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    let sold = common::post_json(&format!("{base}/sale"), &sale(1));
    assert_eq!(sold["status"], "success", "{sold}");
    Open {
        _host: host,
        shop,
        _dir: dir,
        base,
    }
}

#[test]
fn a_three_line_receipt_costs_the_register_five_commands_and_a_keyboard_sale_three_more() {
    let Open { shop, base, .. } = &open_shop();

    let receipt = |n: usize| {
        shop.register.with_device(|d| d.clear_command_log());
        let sold = common::post_json(&format!("{base}/sale"), &sale(n));
        assert_eq!(sold["status"], "success", "{sold}");
        named(&shop.register.with_device(|d| d.command_codes()))
    };
    // The steady state, N + 2: the drive's last document by number alone (FF01h: the driver
    // made it), which also tells the shift open and no document open, so the first line
    // opens the receipt; three lines, close. The shift is the register's last word (its last
    // receipt), not asked: no money moves through the host for cash. The receipt's number
    // in the shift follows the last one's.
    let steady = ["FF01h", "FF46h", "FF46h", "FF46h", "FF45h"];
    assert_eq!(receipt(2), steady);
    assert_eq!(receipt(3), steady);

    // A sale rung up on the register's own keyboard between two of the host's: the drive's
    // last document is not the one the driver made, so it is read (FF0Ah) before the
    // receipt's intent is written; recovery compares the register's archive with that.
    // The status is then not the register's last word: the receipt is opened (8Dh).
    let keyed = shop.register.with_device(|d| d.keyboard_sale(2_500, false));
    // Its number in the shift is asked too (FF40h): the drive's documents are not
    // consecutive any more.
    let mut with_archive = steady.to_vec();
    with_archive.splice(1..1, ["FF0Ah", "8Dh"]);
    with_archive.push("FF40h");
    assert_eq!(receipt(4), with_archive);
    let registered = shop.register.with_device(|d| d.receipts().len());
    assert_eq!(
        registered, 5,
        "four of the host's receipts and the keyboard's"
    );
    let last = shop
        .register
        .with_device(|d| d.receipts().last().unwrap().document_number);
    assert_eq!(
        last,
        keyed + 1,
        "the host's receipt came after the keyboard's"
    );

    // Before a card is charged the register itself is asked for its shift (11h): no money
    // moves for a receipt it could not take. N + 3.
    shop.register.with_device(|d| d.clear_command_log());
    let by_card = common::post_json(
        &format!("{base}/sale"),
        &sale_paid(5, json!({ "cashlessAmount": 12_000 })),
    );
    assert_eq!(by_card["status"], "success", "{by_card}");
    let mut card_steady = vec!["11h"];
    card_steady.extend(steady);
    assert_eq!(
        named(&shop.register.with_device(|d| d.command_codes())),
        card_steady
    );
}

#[test]
fn a_cash_sale_on_a_shift_past_its_24_hours_is_refused_as_if_the_shift_had_been_asked() {
    let Open { shop, base, .. } = &open_shop();
    let cashier = json!({ "employeeName": "Кассир" });

    // The host's last word from the register is "open"; the register's clock then passes the
    // shift's 24 hours without the host hearing of it.
    shop.register.with_device(|d| {
        d.advance_clock(std::time::Duration::from_secs(25 * 3600));
        d.clear_command_log();
    });
    let refused = common::post_json(&format!("{base}/sale"), &sale(2));
    assert_eq!(refused["status"], "error", "{refused}");
    assert_eq!(refused["code"], 6, "the shift's own error: {refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("24 часа"),
        "{refused}"
    );
    // The first line, which was to open the receipt, told it; nothing was registered,
    // nothing is left open on the register.
    assert_eq!(
        named(&shop.register.with_device(|d| d.command_codes())),
        ["FF01h", "FF46h"]
    );
    assert_eq!(shop.register.with_device(|d| d.receipts().len()), 1);
    assert!(!shop.register.with_device(|d| d.receipt_open()));
    // Nothing moved: the sale's document is cancelled as when the shift is asked first (not
    // left paid waiting for a receipt, which would keep the sale's request key taken).
    let page = common::get_json(&format!("{base}/journal?limit=1"));
    assert_eq!(page["documents"][0]["state"], "cancelled", "{page}");

    // After a new shift the same sale goes through, once.
    let closed = common::post_json(&format!("{base}/close_shift"), &cashier);
    assert_eq!(closed["status"], "success", "{closed}");
    let opened = common::post_json(&format!("{base}/open_shift"), &cashier);
    assert_eq!(opened["status"], "success", "{opened}");
    let sold = common::post_json(&format!("{base}/sale"), &sale(2));
    assert_eq!(sold["status"], "success", "{sold}");
    assert_eq!(shop.register.with_device(|d| d.receipts().len()), 2);
}
