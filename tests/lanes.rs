//! Lanes and jurisdictions end to end: the real binary with a Russian, a Kazakh and an Uzbek
//! lane, each lane's receipt printer a `fiscal-host emulate escpos` process whose records give
//! the text it decoded from the bytes it received. Each copy shows its lane's currency, tax and
//! taxpayer names and the requisites configured for it; nothing of another lane's.

mod common;

use serde_json::{Value, json};

use common::emulated::EmulatedDevice;

fn config(ru: &EmulatedDevice, kz: &EmulatedDevice, uz: &EmulatedDevice) -> String {
    format!(
        r#"
[organisation]
name = "ООО Ромашка"
tax_id = "7701234567"
address = "г. Москва, ул. Тверская, д. 1"
place = "Магазин у дома"

[[devices]]
id = "kkt"
kind = "fiscal-register"
driver = "shtrih-m"
printer = "printer-ru"
terminal = "terminal"
transport = {{ type = "emulator", emulator = "shtrih-m" }}

[[devices]]
id = "kkt-kz"
kind = "fiscal-register"
driver = "shtrih-m"
jurisdiction = "KZ"
printer = "printer-kz"
tax = {{ standard_rate = 1600 }}
organisation = {{ name = "ТОО Ромашка Казахстан", tax_id = "123456789012", address = "г. Алматы, пр. Абая, 1" }}
transport = {{ type = "emulator", emulator = "shtrih-m", unit = 1 }}

[[devices]]
id = "kkt-uz"
kind = "fiscal-register"
driver = "shtrih-m"
jurisdiction = "UZ"
printer = "printer-uz"
organisation = {{ name = "OOO Romashka Toshkent", tax_id = "123456789" }}
transport = {{ type = "emulator", emulator = "shtrih-m", unit = 2 }}

[[devices]]
id = "printer-ru"
kind = "printer"
driver = "escpos"
transport = {{ type = "tcp", address = "{}" }}

[[devices]]
id = "printer-kz"
kind = "printer"
driver = "escpos"
transport = {{ type = "tcp", address = "{}" }}

[[devices]]
id = "printer-uz"
kind = "printer"
driver = "escpos"
transport = {{ type = "tcp", address = "{}" }}

[[devices]]
id = "terminal"
kind = "payment-terminal"
driver = "zvt"
transport = {{ type = "emulator", emulator = "zvt" }}
"#,
        ru.device, kz.device, uz.device
    )
}

use common::post_json as post;

/// What a printer emulator decoded from the bytes it received.
fn printed(printer: &EmulatedDevice) -> String {
    printer.records().unwrap()["text"]
        .as_str()
        .expect("the printer's records carry its text")
        .to_owned()
}

/// The copy shows every `expected` text and none of the `foreign` ones (another lane's).
fn expect_copy(printer: &EmulatedDevice, lane: &str, expected: &[&str], foreign: &[&str]) {
    let text = printed(printer);
    for e in expected {
        assert!(text.contains(e), "{e:?} on the {lane} copy:\n{text}");
    }
    for f in foreign {
        assert!(!text.contains(f), "{f:?} on the {lane} copy:\n{text}");
    }
}

fn credit(position_vat: i64, amount: i64) -> Value {
    json!({ "id": 1, "jsonrpc": "2.0", "method": "Receipt.Credit", "params": {
        "cashier_name": "Кассир",
        "positions": [{ "name": "Чай", "amount": amount, "quantity": 1000, "vat_value": position_vat }],
        "payments": [{ "type": 1, "value": amount }] } })
}

#[test]
fn each_lanes_copy_shows_its_currency_rates_and_requisites() {
    let (ru, kz, uz) = (
        EmulatedDevice::start("escpos", &[]),
        EmulatedDevice::start("escpos", &[]),
        EmulatedDevice::start("escpos", &[]),
    );
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("lanes.toml");
    std::fs::write(&path, config(&ru, &kz, &uz)).unwrap();
    let host = common::start_host(
        &data.path().join("data"),
        &["--config", path.to_str().unwrap()],
    );
    let url = |path: &str| format!("{}{path}", host.base_url);

    // Russia: a fiscal sale over REST (its face's lane), its copy on printer-ru.
    let opened = post(&url("/open_shift"), &json!({ "employeeName": "Кассир" }));
    assert_eq!(opened["status"], "success", "{opened}");
    let sale = post(&url("/sale"), &common::seeds::seed_001_sale(None, "L-1"));
    assert_eq!(sale["status"], "success", "{sale}");
    expect_copy(
        &ru,
        "Russian",
        &[
            "ООО Ромашка",
            "ИНН 7701234567",
            "г. Москва, ул. Тверская, д. 1",
            "Магазин у дома",
            "НДС 10%",
            "Сумма НДС 22%",
            "=629.80",
        ],
        &["RUB", "KZT", "UZS", "БИН", "STIR", "QQS"],
    );

    // Kazakhstan: 16% is the standard rate there (tax-kz-uz, `standard_rate = 1600`).
    let reply = post(&url("/rpc?device=kkt-kz"), &credit(1600, 11600));
    assert_eq!(reply["ok"], true, "{reply}");
    expect_copy(
        &kz,
        "Kazakh",
        &[
            "ТОО Ромашка Казахстан",
            "БИН 123456789012",
            "г. Алматы, пр. Абая, 1",
            "НДС 16%",
            "Сумма НДС 16%",
            "=116.00 KZT",
        ],
        &["ООО Ромашка", "ИНН", "UZS", "Магазин у дома"],
    );

    // Uzbekistan: the JSON-RPC face's own lane, no `?device=` needed; 12% is its rate.
    let reply = post(&url("/rpc"), &credit(1200, 11200));
    assert_eq!(reply["ok"], true, "{reply}");
    expect_copy(
        &uz,
        "Uzbek",
        &[
            "OOO Romashka Toshkent",
            "STIR 123456789",
            "QQS/НДС 12%",
            "=112.00 UZS",
        ],
        &["ООО Ромашка", "ИНН", "KZT", "БИН"],
    );
    // No fiscal operation on a lane whose register cannot fiscalize there (a Shtrih-M on the
    // Uzbek and Kazakh lanes), over REST as over the other faces.
    for path in ["/x_report?device=kkt-uz", "/open_shift?device=kkt-kz"] {
        let refused = post(&url(path), &json!({ "employeeName": "Кассир" }));
        assert_eq!(refused["code"], 5, "{path}: {refused}");
        let message = refused["message"].as_str().unwrap();
        assert!(
            message.contains("не может фискализировать"),
            "{path}: {message}"
        );
    }
    // Where a register fiscalizes is what its driver said of it: GET /devices shows it beside
    // the lane's verdict.
    let devices = common::get_json(&url("/devices"));
    let register = |id: &str| {
        devices
            .as_array()
            .and_then(|all| all.iter().find(|d| d["id"] == id))
            .unwrap_or_else(|| panic!("{id} in {devices}"))
            .clone()
    };
    for (id, fiscal) in [("kkt", true), ("kkt-kz", false), ("kkt-uz", false)] {
        let device = register(id);
        assert_eq!(device["jurisdictions"], json!(["RU"]), "{device}");
        assert_eq!(device["lane"]["fiscal"], json!(fiscal), "{device}");
    }
    // Nothing of the other lanes reached the Russian printer.
    assert!(!printed(&ru).contains("KZT") && !printed(&ru).contains("UZS"));
}
