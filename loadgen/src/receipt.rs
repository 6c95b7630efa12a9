//! What one receipt contains and how each face spells it. Money is integer kopecks throughout;
//! the WebSocket face wants rubles as a JSON number, which is written as decimal text built from
//! the integer, never through a float.

use serde_json::{Value, json};

/// The cashier every request names.
pub const CASHIER: &str = "loadgen";

/// One line: quantity 1 of a distinct item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub name: String,
    pub kopecks: u64,
    /// Even lines at the general rate, odd ones at 10%: both rates the docs name.
    pub general_rate: bool,
}

/// The lines every receipt of a run carries (the same for all: the load is in the count).
pub fn lines(n: u32) -> Vec<Line> {
    (0..u64::from(n))
        .map(|i| Line {
            name: format!("Товар {}", i + 1),
            // 1.00, 2.01, 3.02, …: distinct, and with kopecks, so the decimal path is exercised.
            kopecks: 100 * (i + 1) + i,
            general_rate: i % 2 == 0,
        })
        .collect()
}

pub fn total(lines: &[Line]) -> u64 {
    lines.iter().map(|l| l.kopecks).sum()
}

/// Kopecks as rubles with two decimals: 12345 → "123.45".
pub fn rubles(kopecks: u64) -> String {
    format!("{}.{:02}", kopecks / 100, kopecks % 100)
}

/// Seed 000's `wares` as JSON text. `price` is written as the literal decimal number; going
/// through `serde_json::Value` would need an f64.
pub fn ws_wares(lines: &[Line]) -> String {
    let wares: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                r#"{{"name":{},"barcode":"{:013}","tax_number":{},"price":{},"quantity":1}}"#,
                Value::String(l.name.clone()),
                4_600_000_000_000u64 + i as u64,
                if l.general_rate { 0 } else { 1 },
                rubles(l.kopecks)
            )
        })
        .collect();
    format!("[{}]", wares.join(","))
}

/// A WebSocket message; `data` is JSON text already.
pub fn ws_message(event: &str, data: &str, request_id: Option<&str>) -> String {
    match request_id {
        Some(id) => format!(
            r#"{{"event":"{event}","request_id":{},"data":{data}}}"#,
            Value::String(id.to_owned())
        ),
        None => format!(r#"{{"event":"{event}","data":{data}}}"#),
    }
}

/// `create_doc`'s data for a sale of `wares` (from [`ws_wares`]).
pub fn ws_create_doc(wares: &str) -> String {
    format!(r#"{{"cashier":"{CASHIER}","doc_type":2,"wares":{wares}}}"#)
}

/// VAT in hundredths of a percent, as REST `taxPrc` and RPC `vat_value` take it.
fn vat_hundredths(l: &Line) -> u32 {
    if l.general_rate { 2200 } else { 1000 }
}

/// Seed 001's `/sale`, paid in cash: the register and the printer are all it needs. No
/// `docTime`, so the host does not treat a repeat as a reprint; `doc_number` is unique anyway.
pub fn rest_sale(lines: &[Line], doc_number: &str) -> Value {
    let items: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!({
                "itemName": l.name,
                "itemQty": 1000,
                "itemAmount": l.kopecks,
                "discount": 0,
                "itemTaxes": [{ "taxName": "НДС", "taxPrc": vat_hundredths(l), "calcType": 1 }],
            })
        })
        .collect();
    let amount = total(lines);
    json!({
        "docNumber": doc_number,
        "employeeName": CASHIER,
        "amount": amount,
        "items": items,
        "payments": { "cashAmount": amount },
    })
}

/// Seed 002's `Receipt.Sale` params, paid in cash (type 1). `code` is unique per receipt: the
/// host refuses a code it has issued before, also in an earlier run.
pub fn rpc_sale(lines: &[Line], code: &str) -> Value {
    let positions: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!({
                "name": l.name,
                "amount": l.kopecks,
                "quantity": 1000,
                "vat_value": vat_hundredths(l),
            })
        })
        .collect();
    json!({
        "cashier_name": CASHIER,
        "code": code,
        "positions": positions,
        "payments": [{ "type": 1, "value": total(lines) }],
    })
}

/// A JSON-RPC 2.0 request.
pub fn rpc_request(id: u64, method: &str, params: Value, auth: Option<&str>) -> Value {
    let mut request = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
    if let Some(auth) = auth {
        request["auth"] = json!(auth);
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rubles_are_exact_decimal_text() {
        assert_eq!(rubles(0), "0.00");
        assert_eq!(rubles(5), "0.05");
        assert_eq!(rubles(100), "1.00");
        assert_eq!(rubles(24690), "246.90");
        assert_eq!(rubles(1_000_000_001), "10000000.01");
    }

    #[test]
    fn lines_are_distinct_and_alternate_the_rates() {
        let l = lines(4);
        let prices: Vec<u64> = l.iter().map(|l| l.kopecks).collect();
        assert_eq!(prices, [100, 201, 302, 403]);
        assert_eq!(total(&l), 1006);
        assert_eq!(
            l.iter().map(|l| l.general_rate).collect::<Vec<_>>(),
            [true, false, true, false]
        );
        let names: std::collections::HashSet<_> = lines(1000).into_iter().map(|l| l.name).collect();
        assert_eq!(names.len(), 1000);
    }

    #[test]
    fn ws_prices_are_json_numbers_with_two_decimals() {
        let wares = ws_wares(&lines(3));
        let parsed: Value = serde_json::from_str(&wares).unwrap();
        assert_eq!(parsed[1]["tax_number"], 1);
        assert_eq!(parsed[2]["quantity"], 1);
        assert!(wares.contains(r#""price":2.01,"#), "{wares}");
        assert!(wares.contains(r#""price":3.02,"#), "{wares}");
        let msg = ws_message("create_doc", &ws_create_doc(&wares), Some("r-1"));
        let parsed: Value = serde_json::from_str(&msg).unwrap();
        assert_eq!(parsed["event"], "create_doc");
        assert_eq!(parsed["request_id"], "r-1");
        assert_eq!(parsed["data"]["doc_type"], 2);
        assert_eq!(parsed["data"]["wares"][0]["name"], "Товар 1");
        let parsed: Value =
            serde_json::from_str(&ws_message("pay", r#"{"amount":603}"#, None)).unwrap();
        assert!(parsed.get("request_id").is_none());
    }

    #[test]
    fn rest_and_rpc_sales_add_up() {
        let l = lines(3);
        let s = rest_sale(&l, "d-1");
        assert_eq!(s["amount"], 603);
        assert_eq!(s["payments"]["cashAmount"], 603);
        assert_eq!(s["items"][1]["itemTaxes"][0]["taxPrc"], 1000);
        assert_eq!(s["items"][2]["itemAmount"], 302);
        let r = rpc_request(7, "Receipt.Sale", rpc_sale(&l, "c-1"), Some("a2Fzc2E6eA=="));
        assert_eq!(r["params"]["payments"][0]["value"], 603);
        assert_eq!(r["params"]["positions"][0]["vat_value"], 2200);
        assert_eq!(r["params"]["code"], "c-1");
        assert_eq!(r["auth"], "a2Fzc2E6eA==");
        assert!(
            rpc_request(1, "ZReport.Open", json!({}), None)
                .get("auth")
                .is_none()
        );
    }
}
