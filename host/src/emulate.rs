//! `fiscal-host emulate <shtrih-m|zvt|escpos> --tcp ADDR [--control ADDR]`: one of the in-tree
//! device emulators as a process of its own, so a POS developer (or a test) can point a host at
//! an emulated register, printer or terminal that outlives that host, as a real device does.
//!
//! The device is served on `--tcp` (one connection at a time, like a network device). With
//! `--control`, each connection to that address receives one JSON snapshot of the emulator's own
//! records — what the device itself says it registered or charged, independent of any host's
//! journal — and is closed. The JSON is built here from the emulator crates' public fields, so
//! they need no serde.
//!
//! Each address is announced as one flushed stdout line (`emulating <kind> on <addr>`, then
//! `control on <addr>`), so port 0 works: the caller reads the bound port.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;

use anyhow::Context;
use emulator_kit::{Device, Emulator};
use serde_json::{Value, json};

/// The emulators the binary carries.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Kind {
    /// A Shtrih-M fiscal register (KKT with a fiscal drive).
    ShtrihM,
    /// A ZVT card terminal (plain APDUs, as on TCP/IP).
    Zvt,
    /// An ESC/POS receipt printer.
    Escpos,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::ShtrihM => "shtrih-m",
            Kind::Zvt => "zvt",
            Kind::Escpos => "escpos",
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// Which device to emulate.
    #[arg(value_enum)]
    kind: Kind,
    /// Serve the device on this TCP address (port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    tcp: SocketAddr,
    /// Answer each connection here with a JSON snapshot of the device's records.
    #[arg(long, value_name = "ADDR")]
    control: Option<SocketAddr>,
    /// zvt: the trace number of the terminal's first transaction.
    #[arg(long, value_name = "N")]
    first_trace: Option<u32>,
    /// zvt: the receipt number of the terminal's first approved transaction.
    #[arg(long, value_name = "N")]
    first_receipt: Option<u32>,
}

/// Serves the emulator until the process is killed.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let numbers = (args.first_trace.is_some() || args.first_receipt.is_some()).then(|| {
        (
            args.first_trace.unwrap_or(1),
            args.first_receipt.unwrap_or(1),
        )
    });
    match args.kind {
        Kind::ShtrihM | Kind::Escpos if numbers.is_some() => {
            anyhow::bail!("--first-trace and --first-receipt apply to zvt only")
        }
        Kind::ShtrihM => serve(args, shtrih_m_emulator::emulator(), register_snapshot),
        Kind::Escpos => serve(args, escpos_emulator::emulator(), printer_snapshot),
        Kind::Zvt => {
            let mut device = zvt_emulator::ZvtDevice::tcp();
            if let Some((trace, receipt)) = numbers {
                device = device.with_first_numbers(trace, receipt);
            }
            serve(args, Emulator::new(device), terminal_snapshot)
        }
    }
}

fn serve<D: Device>(
    args: &Args,
    emulator: Emulator<D>,
    snapshot: fn(&D) -> Value,
) -> anyhow::Result<ExitCode> {
    let (bound, device_line) = emulator
        .serve_tcp(args.tcp)
        .with_context(|| format!("cannot listen on {}", args.tcp))?;
    announce(&format!("emulating {} on {bound}", args.kind.name()))?;
    if let Some(addr) = args.control {
        let listener =
            TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
        announce(&format!("control on {}", listener.local_addr()?))?;
        let emulator = emulator.clone();
        std::thread::Builder::new()
            .name("emulator-control".into())
            .spawn(move || {
                for mut stream in listener.incoming().flatten() {
                    // Taken under the device's lock: a snapshot never shows half an operation.
                    let text = emulator.with_device(|d| snapshot(d)).to_string();
                    // A reader that went away costs nothing but its own snapshot.
                    let _ = stream.write_all(text.as_bytes());
                    let _ = stream.write_all(b"\n");
                }
            })?;
    }
    device_line
        .join()
        .map_err(|_| anyhow::anyhow!("the emulator's line thread panicked"))?;
    Ok(ExitCode::SUCCESS)
}

/// One stdout line, flushed at once: the caller is waiting for it to learn the port.
fn announce(line: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    Ok(())
}

fn register_time(t: &shtrih_m_emulator::DateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The register: every fiscal document of its drive (complete), the registered receipts (the
/// last `emulator_kit::HISTORY` at least; older ones are forgotten) and the shift.
fn register_snapshot(d: &shtrih_m_emulator::ShtrihDevice) -> Value {
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
fn terminal_snapshot(d: &zvt_emulator::ZvtDevice) -> Value {
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
fn printer_snapshot(d: &escpos_emulator::EscPosDevice) -> Value {
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
