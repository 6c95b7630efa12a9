//! The shift's counters (`shift-totals`) natively: `Pirit` over a TCP `StreamPort` to
//! `pirit_emulator`, every counter read as real bytes on the line.

mod common;

use std::time::Duration;

use common::*;
use pirit::types::*;

fn zero() -> OperationCounters {
    OperationCounters {
        receipts: 0,
        total: 0,
        cash: 0,
        cashless: 0,
    }
}

/// A sale of one piece at `price`, paid `cash` (handed over exactly) and `cashless`.
fn sale(price: Money, cash: Money, cashless: Money) -> FiscalReceipt {
    receipt(
        DocumentKind::Sale,
        vec![item("Чай", price, 1000, Vat::Rate(2200))],
        payments(cash, cashless, cash),
    )
}

/// The counters of `receipts` of `kind` as the host sent them: what stayed in the drawer as
/// cash (the amount given less the change), cashless as paid.
fn sums(receipts: &[FiscalReceipt], kind: DocumentKind) -> OperationCounters {
    let mine: Vec<_> = receipts.iter().filter(|r| r.kind == kind).collect();
    OperationCounters {
        receipts: mine.len() as u32,
        total: mine.iter().map(|r| r.total).sum(),
        cash: mine.iter().map(|r| r.payments.cash).sum(),
        cashless: mine.iter().map(|r| r.payments.cashless).sum(),
    }
}

/// A shift of cash, card and mixed sales, two returns, an expense, cash in and out, a
/// correction and a receipt the register refused and the driver cancelled: the sale and
/// return receipts the host registered.
fn busy_shift(
    emulator: &emulator_kit::Emulator<pirit_emulator::PiritDevice>,
    driver: &mut Driver,
) -> Vec<FiscalReceipt> {
    // 490.00 paid with 500.00: the register keeps 490.00 and gives 10.00 change.
    let with_change = receipt(
        DocumentKind::Sale,
        vec![
            item("Хлеб", 10_000, 1000, Vat::Rate(1000)),
            item("Сыр", 30_000, 1000, Vat::Rate(2200)),
            item("Молоко", 4_500, 2000, Vat::Rate(1000)),
        ],
        payments(49_000, 0, 50_000),
    );
    let registered = vec![
        with_change,
        sale(12_000, 0, 12_000),
        sale(49_000, 20_000, 29_000),
        receipt(
            DocumentKind::SaleReturn,
            vec![item("Чай", 12_000, 1000, Vat::Rate(2200))],
            payments(12_000, 0, 12_000),
        ),
        receipt(
            DocumentKind::SaleReturn,
            vec![item("Молоко", 9_000, 1000, Vat::Rate(1000))],
            payments(0, 9_000, 0),
        ),
    ];
    driver.cash_in(cashier(), 100_000).unwrap();
    for r in &registered {
        driver.register_receipt(r.clone()).unwrap();
    }
    // An expense (расход) is neither a sale nor a sale return.
    driver
        .register_receipt(receipt(
            DocumentKind::Expense,
            vec![item("Тара", 3_000, 1000, Vat::None)],
            payments(3_000, 0, 3_000),
        ))
        .unwrap();
    driver.cash_out(cashier(), 10_000).unwrap();
    // Refused by the register (no paper at the position) and cancelled: not a receipt.
    emulator.with_device(|d| d.paper_runs_out_at(0x42));
    let e = driver.register_receipt(sale(5_000, 5_000, 0)).unwrap_err();
    assert_eq!(e.class, ErrorClass::PaperOut);
    emulator.faults().clear();
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
            items: vec![item("Хлеб", 14_000, 1000, Vat::Rate(1000))],
            payments: payments(14_000, 0, 14_000),
            total: 14_000,
            taxation_system: 0,
        })
        .unwrap();
    registered
}

#[test]
fn the_counters_are_the_sums_of_the_shifts_receipts() {
    let (emulator, mut driver) = with_shift();
    let registered = busy_shift(&emulator, &mut driver);
    assert_eq!(emulator.with_device(|d| d.receipts().len()), 7);

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
    let (emulator, mut driver) = with_shift();
    busy_shift(&emulator, &mut driver);
    emulator.with_device(|d| d.clear_command_log());
    let counters = driver.shift_totals().unwrap();

    // 0x00, then 0x01 requests 1 (shift), 7 (receipts), 3 (sales), 5 (returns).
    let log = emulator.with_device(|d| d.command_log().to_vec());
    let sent: Vec<(u8, Vec<String>)> = log.into_iter().map(|c| (c.command, c.fields)).collect();
    let request = |n: &str| (0x01, vec![n.to_string()]);
    assert_eq!(
        sent,
        [
            (0x00, vec![]),
            request("1"),
            request("7"),
            request("3"),
            request("5")
        ]
    );

    // Each figure is what the register holds, read through its own accessor.
    let t = emulator.with_device(|d| d.shift_totals());
    let cashless = |by: &[i64; 16]| by[1..13].iter().sum::<i64>();
    assert_eq!(
        [
            counters.sales.cash,
            counters.sales.cashless,
            counters.returns.cash,
            counters.returns.cashless
        ],
        [
            t.sales.by_payment[0],
            cashless(&t.sales.by_payment),
            t.returns.by_payment[0],
            cashless(&t.returns.by_payment)
        ]
    );
    assert_eq!(
        [counters.sales.receipts, counters.returns.receipts],
        [t.sales.receipts, t.returns.receipts]
    );
    // The register also counted the cancelled receipt and the cash documents apart.
    assert_eq!((t.annulled, t.cash_ins, t.cash_outs), (1, 1, 1));
    // A driver that registered none of them reads the same.
    let (addr, _) = emulator.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    assert_eq!(connect(addr).shift_totals().unwrap(), counters);
}

#[test]
fn after_a_z_report_the_new_shift_starts_from_zero() {
    let (emulator, mut driver) = with_shift();
    busy_shift(&emulator, &mut driver);
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
    let (emulator, addr) = emulator();
    let mut driver = connect(addr);
    // Start of work first, as for any operation; then the status flags alone decide.
    let e = driver.shift_totals().unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftClosed);
    assert_eq!(codes(&emulator), [0x00, 0x13, 0x10, 0x00]);
    emulator.with_device(|d| d.clear_command_log());
    let e = driver.shift_totals().unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftClosed);
    assert_eq!(codes(&emulator), [0x00], "only the status flags were asked");

    driver.open_shift(cashier()).unwrap();
    driver.register_receipt(sale(5_000, 5_000, 0)).unwrap();
    driver.close_shift(cashier()).unwrap();
    let e = driver.shift_totals().unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftClosed);
}

#[test]
fn a_shift_over_24_hours_still_tells_its_counters() {
    // The host asks just before the Z report, which such a shift needs most.
    let (emulator, mut driver) = with_shift();
    driver.register_receipt(sale(5_000, 5_000, 0)).unwrap();
    emulator.with_device(|d| d.advance_clock(Duration::from_secs(25 * 3600)));
    assert_eq!(driver.status().unwrap().shift, ShiftState::Expired);
    let counters = driver.shift_totals().unwrap();
    assert_eq!((counters.sales.receipts, counters.sales.cash), (1, 5_000));
}

#[test]
fn a_keyboard_sale_shows_in_the_counters_but_not_among_the_drivers_receipts() {
    let (emulator, mut driver) = with_shift();
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
    assert_eq!((r.document_number, r.number_in_shift), (card, 4));
    // The next receipt the host sends numbers on after it.
    let next = driver.register_receipt(sale(1_000, 1_000, 0)).unwrap();
    assert_eq!((next.document_number, next.receipt_number), (card + 1, 5));
}
