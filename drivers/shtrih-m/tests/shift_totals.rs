//! The shift's counters (`shift-totals`) natively: `Shtrih` over a `StreamPort` to
//! `shtrih_m_emulator`, every register read as real bytes on the line.

use std::os::unix::net::UnixStream;
use std::time::Duration;

use driver_kit::StreamPort;
use emulator_kit::Emulator;
use shtrih_m::types::*;
use shtrih_m::{Settings, Shtrih};
use shtrih_m_emulator::ShtrihDevice;

type Driver = Shtrih<StreamPort<UnixStream>>;

fn settings() -> Settings {
    Settings {
        timeout: Duration::from_secs(3),
        ..Settings::default()
    }
}

fn connect(emulator: &Emulator<ShtrihDevice>) -> Driver {
    Shtrih::new(StreamPort(emulator.connect().unwrap()), settings())
}

fn cashier() -> Cashier {
    Cashier {
        name: "Иванова И.И.".into(),
        inn: None,
    }
}

/// One piece at `price`, 22% VAT inside.
fn item(name: &str, price: Money) -> ReceiptItem {
    ReceiptItem {
        name: name.into(),
        price,
        quantity: 1000,
        amount: price,
        vat: Vat::Rate(2200),
        vat_code: Some(11),
        tax: (price * 22 * 2 + 122) / (2 * 122),
        subject: 1,
        method: 4,
        measure: 0,
        marking: None,
    }
}

fn payments(cash: Money, cashless: Money) -> ReceiptPayments {
    ReceiptPayments {
        cash,
        cashless,
        prepayment: 0,
        credit: 0,
        counter_provision: 0,
        cash_received: 0,
        change: 0,
    }
}

fn receipt(kind: DocumentKind, items: Vec<ReceiptItem>, pay: ReceiptPayments) -> FiscalReceipt {
    FiscalReceipt {
        kind,
        cashier: cashier(),
        total: items.iter().map(|i| i.amount).sum(),
        items,
        payments: pay,
        taxation_system: 0,
        customer_contact: None,
        footer: vec![],
    }
}

fn sale(price: Money, cash: Money, cashless: Money) -> FiscalReceipt {
    receipt(
        DocumentKind::Sale,
        vec![item("Чай", price)],
        payments(cash, cashless),
    )
}

/// A register with an open shift and a driver connected to it.
fn open() -> (Emulator<ShtrihDevice>, Driver) {
    let emulator = shtrih_m_emulator::emulator_at(shtrih_m_emulator::START);
    let mut driver = connect(&emulator);
    driver.open_shift(cashier()).unwrap();
    (emulator, driver)
}

fn zero() -> OperationCounters {
    OperationCounters {
        receipts: 0,
        total: 0,
        cash: 0,
        cashless: 0,
    }
}

/// The counters of `receipts` of `kind` as the host sent them: what stayed in the drawer as
/// cash (the amount given less the change), cashless as paid.
fn sums(receipts: &[FiscalReceipt], kind: DocumentKind) -> OperationCounters {
    let mine: Vec<_> = receipts.iter().filter(|r| r.kind == kind).collect();
    let cash = mine.iter().map(|r| r.payments.cash).sum();
    let cashless = mine.iter().map(|r| r.payments.cashless).sum();
    OperationCounters {
        receipts: mine.len() as u32,
        total: mine.iter().map(|r| r.total).sum(),
        cash,
        cashless,
    }
}

/// A shift of cash, card and mixed sales, two returns, cash in and out, a correction and a
/// refused receipt: the receipts the host registered.
fn busy_shift(driver: &mut Driver) -> Vec<FiscalReceipt> {
    // 490.00 paid with 500.00: the register keeps 490.00 and gives 10.00 change.
    let mut with_change = receipt(
        DocumentKind::Sale,
        vec![
            item("Хлеб", 10_000),
            item("Сыр", 30_000),
            item("Молоко", 9_000),
        ],
        payments(49_000, 0),
    );
    with_change.payments.cash_received = 50_000;
    with_change.payments.change = 1_000;
    let registered = vec![
        with_change,
        sale(12_000, 0, 12_000),
        sale(49_000, 20_000, 29_000),
        receipt(
            DocumentKind::SaleReturn,
            vec![item("Чай", 12_000)],
            payments(12_000, 0),
        ),
        receipt(
            DocumentKind::SaleReturn,
            vec![item("Молоко", 9_000)],
            payments(0, 9_000),
        ),
    ];
    driver.cash_in(cashier(), 100_000).unwrap();
    for r in &registered {
        driver.register_receipt(r.clone()).unwrap();
    }
    driver.cash_out(cashier(), 10_000).unwrap();
    // Refused by the register (cashless over the total) and cancelled: not a receipt.
    let e = driver.register_receipt(sale(5_000, 0, 9_000)).unwrap_err();
    assert_eq!(e.vendor_code, 0x4D);
    // A correction of an earlier day is not in this shift's counters.
    driver
        .register_correction(CorrectionReceipt {
            kind: DocumentKind::Sale,
            correction: Correction {
                basis: CorrectionBasis::SelfInitiated,
                base_date: Date {
                    year: 2026,
                    month: 2,
                    day: 27,
                },
                order_number: None,
            },
            cashier: cashier(),
            items: vec![item("Хлеб", 14_000)],
            payments: payments(14_000, 0),
            total: 14_000,
            taxation_system: 0,
        })
        .unwrap();
    registered
}

#[test]
fn the_counters_are_the_sums_of_the_shifts_receipts() {
    let (emulator, mut driver) = open();
    let registered = busy_shift(&mut driver);
    assert_eq!(emulator.with_device(|d| d.receipts().len()), 6);

    let counters = driver.shift_totals().unwrap();
    assert_eq!(counters.shift_number, 1);
    assert_eq!(
        counters.sales,
        OperationCounters {
            receipts: 3,
            total: 49_000 + 12_000 + 49_000,
            cash: 49_000 + 20_000,
            cashless: 12_000 + 29_000,
        }
    );
    assert_eq!(
        counters.returns,
        OperationCounters {
            receipts: 2,
            total: 21_000,
            cash: 12_000,
            cashless: 9_000,
        }
    );
    assert_eq!(counters.sales, sums(&registered, DocumentKind::Sale));
    assert_eq!(
        counters.returns,
        sums(&registered, DocumentKind::SaleReturn)
    );
    // Asking changes nothing: the same again.
    assert_eq!(driver.shift_totals().unwrap(), counters);
}

#[test]
fn the_counters_are_the_registers_own() {
    let (emulator, mut driver) = open();
    busy_shift(&mut driver);
    emulator.with_device(|d| d.clear_command_log());
    let counters = driver.shift_totals().unwrap();

    // FF40h, then per kind 1Bh and 1Ah for payment types 1–4: 11 exchanges.
    let log = emulator.with_device(|d| d.command_log().to_vec());
    let sent: Vec<(u16, Vec<u8>)> = log.iter().map(|c| (c.code, c.data[4..].to_vec())).collect();
    let expected: Vec<(u16, Vec<u8>)> = [
        (0xFF40, vec![]),
        (0x1B, vec![144]),
        (0x1A, vec![193]),
        (0x1A, vec![197]),
        (0x1A, vec![201]),
        (0x1A, vec![205]),
        (0x1B, vec![146]),
        (0x1A, vec![195]),
        (0x1A, vec![199]),
        (0x1A, vec![203]),
        (0x1A, vec![207]),
    ]
    .into();
    assert_eq!(sent, expected);

    // Each figure is what the register holds, read through its own accessors.
    let (reg, op) = emulator.with_device(|d| {
        let reg = |n| d.money_register(n).unwrap() as Money;
        (
            [
                reg(193),
                reg(197) + reg(201) + reg(205),
                reg(195),
                reg(199) + reg(203) + reg(207),
            ],
            [d.operation_register(144), d.operation_register(146)],
        )
    });
    assert_eq!(
        [
            counters.sales.cash,
            counters.sales.cashless,
            counters.returns.cash,
            counters.returns.cashless
        ],
        reg
    );
    assert_eq!(
        [counters.sales.receipts, counters.returns.receipts],
        op.map(u32::from)
    );
    // A driver that registered none of them reads the same.
    assert_eq!(connect(&emulator).shift_totals().unwrap(), counters);
}

#[test]
fn after_a_z_report_the_new_shift_starts_from_zero() {
    let (_emulator, mut driver) = open();
    busy_shift(&mut driver);
    assert_eq!(driver.shift_totals().unwrap().sales.receipts, 3);
    driver.close_shift(cashier()).unwrap();
    let opened = driver.open_shift(cashier()).unwrap();
    assert_eq!(opened.shift_number, 2);

    let counters = driver.shift_totals().unwrap();
    assert_eq!(
        counters,
        ShiftCounters {
            shift_number: 2,
            sales: zero(),
            returns: zero(),
        }
    );
    driver.register_receipt(sale(7_700, 0, 7_700)).unwrap();
    let counters = driver.shift_totals().unwrap();
    assert_eq!(
        counters.sales,
        OperationCounters {
            receipts: 1,
            total: 7_700,
            cash: 0,
            cashless: 7_700,
        }
    );
    assert_eq!(counters.returns, zero());
}

#[test]
fn with_no_shift_open_the_answer_is_shift_closed() {
    let emulator = shtrih_m_emulator::emulator_at(shtrih_m_emulator::START);
    let mut driver = connect(&emulator);
    let e = driver.shift_totals().unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftClosed);
    // Only the shift's state was asked.
    assert_eq!(emulator.with_device(|d| d.command_codes()), [0xFF40]);

    driver.open_shift(cashier()).unwrap();
    driver.register_receipt(sale(5_000, 5_000, 0)).unwrap();
    driver.close_shift(cashier()).unwrap();
    let e = driver.shift_totals().unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftClosed);
}

#[test]
fn a_shift_over_24_hours_still_tells_its_counters() {
    // The host asks just before the Z report, which such a shift needs most.
    let (emulator, mut driver) = open();
    driver.register_receipt(sale(5_000, 5_000, 0)).unwrap();
    emulator.with_device(|d| d.advance_clock(Duration::from_secs(25 * 3600)));
    assert_eq!(driver.status().unwrap().shift, ShiftState::Expired);
    let counters = driver.shift_totals().unwrap();
    assert_eq!((counters.sales.receipts, counters.sales.cash), (1, 5_000));
}

#[test]
fn a_keyboard_sale_shows_in_the_counters_but_not_among_the_drivers_receipts() {
    let (emulator, mut driver) = open();
    let registered = vec![sale(12_000, 12_000, 0), sale(3_000, 0, 3_000)];
    let mut documents = Vec::new();
    for r in &registered {
        documents.push(driver.register_receipt(r.clone()).unwrap().document_number);
    }
    assert_eq!(
        driver.shift_totals().unwrap().sales,
        sums(&registered, DocumentKind::Sale)
    );

    emulator.with_device(|d| d.clear_command_log());
    let cash = emulator.with_device(|d| d.keyboard_sale(4_550, false));
    let card = emulator.with_device(|d| d.keyboard_sale(1_990, true));
    // Nothing came over the line for them.
    assert!(emulator.with_device(|d| d.command_log().is_empty()));
    assert_eq!((cash, card), (documents[1] + 1, documents[1] + 2));
    assert!(!documents.contains(&cash) && !documents.contains(&card));

    let counters = driver.shift_totals().unwrap();
    let host = sums(&registered, DocumentKind::Sale);
    assert_eq!(
        counters.sales,
        OperationCounters {
            receipts: 4,
            total: 12_000 + 3_000 + 4_550 + 1_990,
            cash: 12_000 + 4_550,
            cashless: 3_000 + 1_990,
        }
    );
    // What head office sees: the register counts more than the host sent.
    assert_eq!(counters.sales.receipts - host.receipts, 2);
    assert_eq!(counters.sales.total - host.total, 4_550 + 1_990);
    assert_eq!(counters.returns, zero());

    // The register's last document is the keyboard sale, as after any sale.
    let last = driver.last_fiscal_document().unwrap();
    assert_eq!((last.document_number, last.amount), (card, Some(1_990)));
    // It is in the register's journal, with the receipt number after the host's.
    let r = emulator.with_device(|d| d.receipts().last().unwrap().clone());
    assert_eq!((r.document_number, r.receipt_number), (card, 4));
    // The next receipt the host sends numbers on after it.
    let next = driver.register_receipt(sale(1_000, 1_000, 0)).unwrap();
    assert_eq!((next.document_number, next.receipt_number), (card + 1, 5));
}
