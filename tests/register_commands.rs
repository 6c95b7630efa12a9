//! The commands the host sends a Shtrih-M register per receipt (issue 20): each is a round
//! trip on the wire and a wait for the device, so what the host can know it does not ask.
//! The real binary sells over REST to the emulated register on TCP; the emulator's own log of
//! the commands it received is counted.

mod common;

use serde_json::{Value, json};

/// A cash sale of three lines (bread, milk, tea at 22%).
fn sale(n: usize) -> Value {
    let line = |name: &str, amount: i64| {
        json!({ "itemName": name, "itemQty": 1000, "itemAmount": amount,
                "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] })
    };
    json!({
        "docNumber": format!("C-{n}"), "employeeName": "Кассир", "amount": 12_000,
        "items": [line("Хлеб", 5_000), line("Молоко", 4_000), line("Чай", 3_000)],
        "payments": { "cashAmount": 12_000 }
    })
}

/// A register command's code as the vendor writes it: `11h`, `FF46h`.
fn named(codes: &[u16]) -> Vec<String> {
    codes.iter().map(|c| format!("{c:X}h")).collect()
}

#[test]
fn a_three_line_receipt_costs_the_register_seven_commands_and_a_keyboard_sale_two_more() {
    let dir = tempfile::tempdir().unwrap();
    let shop = common::shop::shop(dir.path());
    let host = common::start_host(&dir.path().join("data"), &["--config", &shop.config_arg()]);
    let base = host.base_url.trim_end_matches('/').to_owned();
    let opened = common::post_json(
        &format!("{base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    // The first receipt meets a driver that knows nothing yet (the drive's number, the
    // cashier's name): it asks them once.
    let sold = common::post_json(&format!("{base}/sale"), &sale(1));
    assert_eq!(sold["status"], "success", "{sold}");

    let receipt = |n: usize| {
        shop.register.with_device(|d| d.clear_command_log());
        let sold = common::post_json(&format!("{base}/sale"), &sale(n));
        assert_eq!(sold["status"], "success", "{sold}");
        named(&shop.register.with_device(|d| d.command_codes()))
    };
    // The steady state: the shift asked before the money (11h), the drive's last document by
    // number alone (FF01h: the driver made it), open (which tells the mode), three lines,
    // close. The receipt's number in the shift follows the last one's.
    let steady = ["11h", "FF01h", "8Dh", "FF46h", "FF46h", "FF46h", "FF45h"];
    assert_eq!(receipt(2), steady);
    assert_eq!(receipt(3), steady);

    // A sale rung up on the register's own keyboard between two of the host's: the drive's
    // last document is not the one the driver made, so it is read (FF0Ah) before the
    // receipt's intent is written; recovery compares the register's archive with that.
    let keyed = shop.register.with_device(|d| d.keyboard_sale(2_500, false));
    // Its number in the shift is asked too (FF40h): the drive's documents are not
    // consecutive any more.
    let mut with_archive = steady.to_vec();
    with_archive.insert(2, "FF0Ah");
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
}
