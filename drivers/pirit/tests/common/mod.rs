//! What the native tests share: an emulator on TCP, the driver on a `StreamPort` to it,
//! cashiers, items and receipts that add up.

#![allow(dead_code)]

use std::net::TcpStream;
use std::time::Duration;

use driver_kit::StreamPort;
use emulator_kit::Emulator;
use pirit::types::*;
use pirit::{Pirit, Settings};
use pirit_emulator::PiritDevice;

pub type Driver = Pirit<StreamPort<TcpStream>>;

pub fn settings() -> Settings {
    Settings {
        timeout: Duration::from_millis(1500),
        marking_timeout: Duration::from_millis(4000),
        ..Settings::default()
    }
}

/// A register whose clock stands at 2026-03-01 09:00, served on a TCP port of its own.
pub fn emulator() -> (Emulator<PiritDevice>, std::net::SocketAddr) {
    let emulator = pirit_emulator::emulator_at(pirit_emulator::start());
    let (addr, _) = emulator.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    (emulator, addr)
}

pub fn connect(addr: std::net::SocketAddr) -> Driver {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    Pirit::new(StreamPort(stream), settings())
}

/// An emulator, the driver on it, and an open shift.
pub fn with_shift() -> (Emulator<PiritDevice>, Driver) {
    let (emulator, addr) = emulator();
    let mut driver = connect(addr);
    driver.open_shift(cashier()).unwrap();
    (emulator, driver)
}

pub fn cashier() -> Cashier {
    Cashier {
        name: "Иванова И.И.".into(),
        inn: Some("500100732259".into()),
    }
}

/// An item at `price` × `quantity` (thousandths) at 22% VAT (or none).
pub fn item(name: &str, price: Money, quantity: i64, vat: Vat) -> ReceiptItem {
    let amount = (price * quantity + 500) / 1000;
    let tax = match vat {
        Vat::Rate(bp) if bp > 0 => amount * i64::from(bp) / (10_000 + i64::from(bp)),
        _ => 0,
    };
    ReceiptItem {
        name: name.into(),
        price,
        quantity,
        amount,
        vat,
        vat_code: None,
        tax,
        subject: 1,
        method: 4,
        measure: 0,
        marking: None,
    }
}

pub fn payments(cash: Money, cashless: Money, cash_received: Money) -> ReceiptPayments {
    ReceiptPayments {
        cash,
        cashless,
        prepayment: 0,
        credit: 0,
        counter_provision: 0,
        cash_received,
        change: cash_received - cash,
    }
}

pub fn receipt(kind: DocumentKind, items: Vec<ReceiptItem>, p: ReceiptPayments) -> FiscalReceipt {
    let total = items.iter().map(|i| i.amount).sum();
    FiscalReceipt {
        kind,
        cashier: cashier(),
        items,
        payments: p,
        total,
        taxation_system: 0,
        customer_contact: None,
        footer: vec![],
    }
}

/// A sale of one 100.00 item paid in cash.
pub fn small_sale() -> FiscalReceipt {
    receipt(
        DocumentKind::Sale,
        vec![item("Хлеб", 10000, 1000, Vat::Rate(1000))],
        payments(10000, 0, 10000),
    )
}

/// The command codes the register received since the log was last cleared.
pub fn codes(emulator: &Emulator<PiritDevice>) -> Vec<u8> {
    emulator.with_device(|d| d.command_codes())
}

/// The codes with the queries (status, counters, info, clock, FN queries) left out: what
/// changed the register, in order.
pub fn actions(emulator: &Emulator<PiritDevice>) -> Vec<u8> {
    codes(emulator)
        .into_iter()
        .filter(|c| !matches!(c, 0x00..=0x06 | 0x13 | 0x78))
        .collect()
}
