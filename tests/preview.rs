//! Receipt preview end to end (issue 18): `POST /preview` of the real binary lays out a
//! WebSocket `create_doc` document and a REST `/sale` body with the configured layout — the
//! figures the tax plugin computes, a real QR code drawn in the SVG — and touches no device and
//! no journal (the register emulator on TCP hears nothing, `/last_document` still has none);
//! `fiscal-host preview --layout any.wasm` does the same from the command line.

mod common;

use common::post_json as post;
use common::shop::shop;
use fiscal_host::builtins;
use serde_json::{Value, json};

const CODE: &str = "0104600439931256215Qbag!\u{1d}93Zjqw";

fn ws_document() -> Value {
    json!({ "cashier": "Сидр Петров", "doc_type": 2, "customer_contact": "+79001234567",
        "wares": [
            { "name": "Водка Айс 0,5л 40%", "barcode": "123123", "tax_number": 0,
              "price": 123.45, "quantity": 2 },
            { "name": "Сигареты", "barcode": "", "tax_number": 0, "price": 200.0,
              "quantity": 1, "marking_code": CODE }
        ] })
}

fn texts(reply: &Value) -> Vec<String> {
    reply["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("{reply}"))
        .iter()
        .filter(|l| l["kind"] == "text")
        .map(|l| l["text"].as_str().unwrap().trim().to_owned())
        .collect()
}

#[test]
fn a_preview_lays_out_either_faces_document_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let shop = shop(dir.path());
    let host = common::start_host(&dir.path().join("data"), &["--config", &shop.config_arg()]);
    shop.register.with_device(|d| d.clear_command_log());
    let url = format!("{}/preview?device=kkt", host.base_url);

    let reply = post(&url, &json!({ "document": ws_document(), "width": 32 }));
    assert_eq!(reply["width"], 32, "{reply}");
    let lines = texts(&reply);
    assert!(lines.iter().any(|l| l == "КАССОВЫЙ ЧЕК"), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l == "[М] Сигареты"),
        "the marked sign: {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("2 x 123.45") && l.ends_with("=246.90")),
        "{lines:#?}"
    );
    // The tax plugin's figures: 22/122 of 446.90.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Сумма НДС 22%") && l.ends_with("80.59")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.ends_with("+79001234567")),
        "{lines:#?}"
    );
    for line in reply["lines"].as_array().unwrap() {
        if line["kind"] == "text" {
            assert_eq!(
                line["text"].as_str().unwrap().chars().count()
                    * if line["size"] == "double" { 2 } else { 1 },
                32,
                "{line}"
            );
        }
    }
    let qr: Vec<&str> = reply["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "qr")
        .map(|l| l["data"].as_str().unwrap())
        .collect();
    assert_eq!(qr.len(), 1, "{reply}");
    assert!(qr[0].contains("s=446.90"), "{qr:?}");
    let svg = reply["svg"].as_str().unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.contains("Сигареты"), "{svg}");
    let modules = qrcode::QrCode::new(qr[0].as_bytes()).unwrap();
    let dark = modules
        .to_colors()
        .iter()
        .filter(|c| **c == qrcode::Color::Dark)
        .count();
    assert_eq!(
        svg.matches("height=\"4\"").count(),
        dark,
        "every dark module drawn"
    );

    // Seed 001's body, with its own payments: cash and card.
    let mut sale = common::seeds::seed_001_sale(None, "P-1");
    sale["payments"] =
        json!({ "cashAmount": 20000, "cashlessAmount": sale["amount"].as_i64().unwrap() - 20000 });
    let reply = post(&url, &json!({ "document": sale }));
    assert_eq!(reply["width"], 42, "the default width: {reply}");
    let lines = texts(&reply);
    assert!(
        lines.iter().any(|l| l.starts_with("НАЛИЧНЫМИ")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("БЕЗНАЛИЧНЫМИ")),
        "{lines:#?}"
    );

    // Bad documents are the caller's: 400 with the reason.
    let bad = ureq::post(&url)
        .config()
        .http_status_as_error(false)
        .build()
        .send_json(json!({ "document": { "cashier": "x" } }))
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let reply = post(&url, &json!({ "document": ws_document(), "width": 8 }));
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("width"),
        "{reply}"
    );
    let mut marked = ws_document();
    marked["wares"][1]["quantity"] = json!(2);
    let reply = post(&url, &json!({ "document": marked }));
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("marking code"),
        "{reply}"
    );

    // Nothing reached a device or the journal.
    let heard = shop.register.with_device(|d| d.command_log().len());
    let receipts = shop.register.with_device(|d| d.receipts().len());
    assert_eq!(receipts, 0);
    let last = post(&format!("{}/last_document", host.base_url), &json!({}));
    assert_eq!(last["code"], 9, "a preview was journaled: {last}");
    assert!(
        shop.register
            .with_device(|d| d.command_log().iter().all(|c| c.code != 0x8D)),
        "the register heard of a receipt ({heard} commands)"
    );
}

#[test]
fn the_command_line_previews_with_any_layout_component_and_writes_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("doc.json");
    std::fs::write(&doc, ws_document().to_string()).unwrap();
    let svg = dir.path().join("copy.svg");
    let layout = builtins::guest_path("receipt_template.wasm");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fiscal-host"))
        .arg("preview")
        .arg(&doc)
        .arg("--layout")
        .arg(&layout)
        .args(["--width", "40", "--svg"])
        .arg(&svg)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The template's own title, not the default layout's.
    assert!(stdout.contains("КАССОВЫЙ ЧЕК ПРИХОД"), "{stdout}");
    assert!(stdout.contains("[М] Сигареты"), "{stdout}");
    assert!(stdout.contains("[QR t="), "{stdout}");
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert!(
        picture.starts_with("<svg") && picture.contains("Сигареты"),
        "{picture}"
    );

    // A width the layout does not take is said, and nothing is written.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fiscal-host"))
        .arg("preview")
        .arg(&doc)
        .arg("--layout")
        .arg(&layout)
        .args(["--width", "80"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("80 columns"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// From the first separator through the total: the block a copy lays out from the document's
/// own figures (the requisites and the payment details around it come from the register and
/// the terminal, which a preview has not asked).
fn item_block(lines: &[String]) -> Vec<String> {
    let start = lines
        .iter()
        .position(|l| l.starts_with("---"))
        .unwrap_or_else(|| panic!("no separator: {lines:#?}"));
    let end = lines
        .iter()
        .position(|l| l.starts_with("ИТОГ"))
        .unwrap_or_else(|| panic!("no total: {lines:#?}"));
    lines[start..=end].to_vec()
}

/// The seed-000 document previewed at 32, 42 and 48 characters is what the receipt printer of
/// that width prints for it after the sale: the same lines, character for character.
#[tokio::test(flavor = "multi_thread")]
async fn the_preview_and_the_printed_copy_agree_at_each_width() {
    for width in [32, 42, 48] {
        let dir = tempfile::tempdir().unwrap();
        let shop = shop(dir.path());
        let printer = escpos_emulator::emulator();
        let (printer_addr, _) = printer.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
        let config = std::fs::read_to_string(&shop.config).unwrap().replace(
            "transport = { type = \"emulator\", emulator = \"escpos\" }",
            &format!(
                "transport = {{ type = \"tcp\", address = \"{printer_addr}\" }}\nsettings = {{ width = \"{width}\" }}"
            ),
        );
        std::fs::write(&shop.config, config).unwrap();
        let host = common::start_host(&dir.path().join("data"), &["--config", &shop.config_arg()]);
        let mut ws = common::ws::WsClient::connect(&host.base_url).await;
        let opened = ws
            .request("open_shift", json!({ "cashier": "Сидр Петров" }))
            .await;
        assert_eq!(opened["data"]["error"], false, "{opened}");
        let seed = json!({ "cashier": "Сидр Петров", "doc_type": 2, "wares": [
            { "name": "Водка Айс 0,5л 40%", "barcode": "123123", "tax_number": 0, "price": 123.45, "quantity": 2 }
        ] });
        let created = ws.request("create_doc", seed.clone()).await;
        assert_eq!(created["data"]["amount"], 24690, "{created}");
        let paid = ws.request("pay", json!({ "amount": 24690 })).await;
        assert_eq!(paid["data"]["error"], false, "{paid}");
        assert!(paid["data"].get("print_error").is_none(), "{paid}");
        let printed: Vec<String> = printer.with_device(|d| {
            d.paper()
                .iter()
                .filter_map(|item| item.line_text())
                .map(|l| l.trim_end().to_owned())
                .collect()
        });

        let preview = tokio::task::spawn_blocking({
            let url = format!("{}/preview", host.base_url);
            move || post(&url, &json!({ "document": seed, "width": width }))
        })
        .await
        .unwrap();
        // As printed: leading spaces (the alignment) kept, the padding after the text dropped.
        let previewed: Vec<String> = preview["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["kind"] == "text")
            .map(|l| l["text"].as_str().unwrap().trim_end().to_owned())
            .collect();
        assert_eq!(
            item_block(&previewed),
            item_block(&printed),
            "width {width}: the preview and the printer disagree"
        );
        assert!(
            printed.iter().any(|l| l.chars().count() == width),
            "width {width}: the printer's copy is not laid out at its width: {printed:#?}"
        );
        let svg = preview["svg"].as_str().unwrap();
        assert!(svg.contains("Водка") && svg.contains("246.90"), "{svg}");
    }
}
