//! Each emulator's own records as JSON: what the device itself says it registered, charged or
//! printed, independent of any host's journal (`fiscal-host emulate --control`, tests that
//! outlive the host). Built here from the emulator crates' public fields, so they need no serde.
//! The two registers answer in one shape (`documents`, `receipts`, `shift`, `receipt_open`,
//! `now`), so a test reads either without knowing the model.

use serde_json::{Value, json};

fn register_time(t: &shtrih_m_emulator::DateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The register: every fiscal document of its drive (complete), the registered receipts (the
/// last `emulator_kit::HISTORY` at least; older ones are forgotten) and the shift.
pub(super) fn shtrih_m(d: &shtrih_m_emulator::ShtrihDevice) -> Value {
    let documents: Vec<Value> = d
        .documents()
        .iter()
        .map(|doc| {
            json!({
                "number": doc.number,
                "kind": doc.kind,
                "fiscal_sign": doc.fiscal_sign,
                "amount": doc.amount,
                "operation": doc.operation,
                "shift_number": doc.shift_number,
                "date_time": register_time(&doc.date_time),
            })
        })
        .collect();
    let receipts: Vec<Value> = d
        .receipts()
        .iter()
        .map(|r| {
            json!({
                "document_number": r.document_number,
                "fiscal_sign": r.fiscal_sign,
                "shift_number": r.shift_number,
                "receipt_number": r.receipt_number,
                "operation": r.operation,
                "total": r.total,
                "payments": r.payments.to_vec(),
                "change": r.change,
                "date_time": register_time(&r.date_time),
            })
        })
        .collect();
    json!({
        "kind": "shtrih-m",
        "documents": documents,
        "receipts": receipts,
        "shift": {
            "open": d.shift_open(),
            "number": d.shift_number(),
            "expired": d.shift_expired(),
        },
        "receipt_open": d.receipt_open(),
        "now": register_time(&d.now()),
    })
}

/// The terminal: its whole batch, declined transactions included.
pub(super) fn zvt(d: &zvt_emulator::ZvtDevice) -> Value {
    let transactions: Vec<Value> = d
        .transactions()
        .iter()
        .map(|t| {
            let at = t.at;
            json!({
                "kind": match t.kind {
                    zvt_emulator::Kind::Payment => "payment",
                    zvt_emulator::Kind::Reversal => "reversal",
                    zvt_emulator::Kind::Refund => "refund",
                },
                "amount": t.amount,
                "result_code": t.result_code,
                "trace": t.trace,
                "receipt_no": t.receipt_no,
                "rrn": t.rrn,
                "reversed": t.reversed,
                "refunded": t.refunded,
                "original_trace": t.original_trace,
                "at": format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                    at.year, at.month, at.day, at.hour, at.minute, at.second
                ),
            })
        })
        .collect();
    json!({
        "kind": "zvt",
        "terminal_id": d.terminal_id(),
        "transactions": transactions,
    })
}

/// How many of the printed lines a printer's records carry.
const PRINTED_TAIL: usize = 400;

/// The printer: how much it printed, and the text of its lines as decoded from the bytes it
/// received (what a test compares a copy against).
pub(super) fn escpos(d: &escpos_emulator::EscPosDevice) -> Value {
    let text: Vec<String> = d
        .paper()
        .iter()
        .filter_map(|item| item.line_text())
        .collect();
    let lines = text.len();
    // The last lines only: a long run's records stay small, and a test reads the last copies.
    let tail = text[lines.saturating_sub(PRINTED_TAIL)..].join("\n");
    json!({
        "kind": "escpos",
        "paper_items": d.paper().len(),
        "lines": lines,
        "cuts": d.cuts(),
        "unknown_commands": d.unknown_commands().len(),
        "text": tail,
    })
}

/// FFD tag 1054 (the receipt's operation) of a Pirit document type: sale 1, its return 2,
/// expense 3, its return 4; corrections as the receipts they correct.
fn pirit_operation(kind: u8) -> u8 {
    use pirit_emulator::*;
    match kind {
        DOC_SALE | DOC_CORRECTION_SALE => 1,
        DOC_SALE_RETURN | DOC_CORRECTION_SALE_RETURN => 2,
        DOC_EXPENSE | DOC_CORRECTION_EXPENSE => 3,
        DOC_EXPENSE_RETURN | DOC_CORRECTION_EXPENSE_RETURN => 4,
        _ => 0,
    }
}

fn pirit_time(t: &pirit_emulator::DateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The Pirit register in the Shtrih-M register's shape: documents with their FFD type (tag
/// 1000's numbers: 2 shift opened, 3 receipt, 5 shift closed, 31 correction), receipts (the
/// payments as `[{type, amount}]` in the vendor's payment types: 0 cash, 1 cashless, …).
pub(super) fn pirit(d: &pirit_emulator::PiritDevice) -> Value {
    let receipts = d.receipts();
    let operation_of = |number: u32| {
        receipts
            .iter()
            .find(|r| r.document_number == number)
            .map(|r| pirit_operation(r.kind))
    };
    let documents: Vec<Value> = d
        .fiscal_documents()
        .iter()
        .map(|doc| {
            json!({
                "number": doc.number,
                "kind": pirit_emulator::tlv_type(doc.kind),
                "fiscal_sign": doc.fiscal_sign.parse::<u64>().ok(),
                "amount": doc.amount,
                "operation": operation_of(doc.number),
                "date_time": pirit_time(&doc.date_time),
            })
        })
        .collect();
    let receipts: Vec<Value> = receipts
        .iter()
        .map(|r| {
            json!({
                "document_number": r.document_number,
                "fiscal_sign": r.fiscal_sign.parse::<u64>().ok(),
                "shift_number": r.shift,
                "receipt_number": r.number_in_shift,
                "operation": pirit_operation(r.kind),
                "total": r.total,
                "payments": r.payments.iter()
                    .map(|(kind, amount)| json!({ "type": kind, "amount": amount }))
                    .collect::<Vec<_>>(),
                "change": r.change,
                "date_time": pirit_time(&r.date_time),
            })
        })
        .collect();
    json!({
        "kind": "pirit",
        "documents": documents,
        "receipts": receipts,
        "shift": {
            "open": d.shift_open(),
            "number": d.shift_number(),
            "expired": d.shift_expired(),
        },
        "receipt_open": d.open_document().is_some(),
        "now": pirit_time(&d.now()),
    })
}
