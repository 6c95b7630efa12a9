//! The driver's protocol code against the emulator, natively: `Shtrih` over a
//! `StreamPort` to `shtrih_m_emulator`, through every operation and every fault the
//! emulator kit can inject.

use std::os::unix::net::UnixStream;
use std::time::Duration;

use driver_kit::StreamPort;
use emulator_kit::{Emulator, Fault};
use shtrih_m::types::*;
use shtrih_m::{Settings, Shtrih, commands, link};
use shtrih_m_emulator::{DOC_RECEIPT, PAY_CASH, ShtrihDevice};

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
        inn: Some("500100732259".into()),
    }
}

/// An item at `price` × `quantity` (thousandths) with its VAT inside.
fn item(name: &str, price: Money, quantity: i64, vat_code: u8) -> ReceiptItem {
    let amount = (price * quantity + 500) / 1000;
    let (vat, percent) = match vat_code {
        11 => (Vat::Rate(2200), 22),
        2 => (Vat::Rate(1000), 10),
        6 => (Vat::None, 0),
        _ => (Vat::Rate(0), 0),
    };
    let tax = (amount * percent * 2 + 100 + percent) / (2 * (100 + percent));
    ReceiptItem {
        name: name.into(),
        price,
        quantity,
        amount,
        vat,
        vat_code: Some(vat_code),
        tax,
        subject: 1,
        method: 4,
        measure: 0,
        marking: None,
    }
}

fn receipt(
    kind: DocumentKind,
    items: Vec<ReceiptItem>,
    cash: Money,
    cashless: Money,
) -> FiscalReceipt {
    let total = items.iter().map(|i| i.amount).sum();
    FiscalReceipt {
        kind,
        cashier: cashier(),
        items,
        payments: ReceiptPayments {
            cash,
            cashless,
            prepayment: 0,
            credit: 0,
            counter_provision: 0,
            cash_received: 0,
            change: 0,
        },
        total,
        taxation_system: 0,
        customer_contact: None,
        footer: vec!["Спасибо за покупку!".into()],
    }
}

/// Bread, milk and cheese at 22% and 10%: 490.00.
fn three_lines() -> Vec<ReceiptItem> {
    vec![
        item("Хлеб пшеничный", 5_000, 2_000, 11),
        item("Молоко 3,2%", 9_000, 1_000, 2),
        item("Сыр российский, кг", 120_000, 250, 11),
    ]
}

fn small_sale() -> FiscalReceipt {
    receipt(
        DocumentKind::Sale,
        vec![item("Чай", 12_000, 1_000, 11)],
        12_000,
        0,
    )
}

fn at(year: u16, month: u8, day: u8, hour: u8, minute: u8) -> DateTime {
    DateTime {
        date: Date { year, month, day },
        hour,
        minute,
        second: 0,
    }
}

/// A register with an open shift and a driver connected to it.
fn open() -> (Emulator<ShtrihDevice>, Driver) {
    let emulator = shtrih_m_emulator::emulator_at(shtrih_m_emulator::START);
    let mut driver = connect(&emulator);
    driver.open_shift(cashier()).unwrap();
    (emulator, driver)
}

fn receipts(emulator: &Emulator<ShtrihDevice>) -> usize {
    emulator.with_device(|d| d.receipts().len())
}

#[test]
fn a_shift_with_a_three_line_sale_at_two_rates() {
    let emulator = shtrih_m_emulator::emulator_at(shtrih_m_emulator::START);
    let mut driver = connect(&emulator);

    let info = driver.describe().unwrap();
    assert_eq!(info.vendor, "SHTRIH-M");
    assert_eq!(info.model, "ШТРИХ-М-01Ф");
    assert_eq!(info.serial_number, "12345678");
    assert_eq!(info.paper_width, 48);
    assert!(info.fiscal);
    assert_eq!(info.jurisdictions, ["RU"]);
    assert!(info.firmware.starts_with("C.3"), "{}", info.firmware);

    let status = driver.status().unwrap();
    assert_eq!(status.shift, ShiftState::Closed);
    assert!(status.paper_present && !status.cover_open && !status.receipt_open);

    let opened = driver.open_shift(cashier()).unwrap();
    assert_eq!(opened.shift_number, 1);
    assert_eq!(opened.document_number, 2);
    assert_eq!(opened.fn_number, "9960440300000001");
    assert_eq!(opened.registration_number, "0000000001012345");
    assert_eq!(opened.date_time, at(2026, 3, 1, 12, 0));
    let doc = emulator.with_device(|d| d.last_document().clone());
    assert_eq!(opened.fiscal_sign, doc.fiscal_sign.to_string());
    assert_eq!(
        emulator.with_device(|d| d.cashier(30).to_string()),
        "Иванова И.И."
    );

    emulator.with_device(|d| d.advance_clock(Duration::from_secs(95 * 60)));
    let status = driver.status().unwrap();
    assert_eq!(status.shift, ShiftState::Open);
    assert_eq!(status.shift_number, 1);
    assert_eq!(status.shift_opened, Some(at(2026, 3, 1, 12, 0)));

    let sale = receipt(DocumentKind::Sale, three_lines(), 50_000, 0);
    assert_eq!(sale.total, 49_000);
    let result = driver.register_receipt(sale).unwrap();
    assert_eq!(result.shift_number, 1);
    assert_eq!(result.receipt_number, 1);
    assert_eq!(result.document_number, 3);
    assert_eq!(result.date_time, at(2026, 3, 1, 13, 35));
    assert_eq!(result.fn_number, "9960440300000001");

    let r = emulator.with_device(|d| d.receipts()[0].clone());
    assert_eq!(result.fiscal_sign, r.fiscal_sign.to_string());
    assert_eq!(r.operation, 1);
    assert_eq!(r.items.len(), 3);
    assert_eq!(r.total, 49_000);
    assert_eq!(r.amount_at(0x01), 40_000);
    assert_eq!(r.amount_at(0x02), 9_000);
    assert_eq!(r.taxes, [1_803 + 5_410, 818, 0, 0, 0, 0]);
    assert_eq!(r.payments[PAY_CASH], 50_000);
    assert_eq!(r.change, 1_000);
    assert_eq!(r.items[2].quantity, 250_000);
    assert_eq!(r.items[2].name, "Сыр российский, кг");
    assert_eq!(r.cashier, "Иванова И.И.");
    assert_eq!(r.cashier_inn.as_deref(), Some("500100732259"));
    assert_eq!(r.text_lines, ["Спасибо за покупку!"]);
    assert_eq!(emulator.with_device(|d| d.cash_in_drawer()), 49_000);

    let last = driver.last_fiscal_document().unwrap();
    assert_eq!(last.document_number, 3);
    assert_eq!(last.fiscal_sign, result.fiscal_sign);
    assert_eq!(last.amount, Some(49_000));

    let closed = driver.close_shift(cashier()).unwrap();
    assert_eq!(closed.shift_number, 1);
    assert_eq!(closed.document_number, 4);
    let status = driver.status().unwrap();
    assert_eq!(status.shift, ShiftState::Closed);
    assert_eq!(status.shift_number, 1);
    assert_eq!(status.shift_opened, None);
}

#[test]
fn the_same_driver_code_runs_over_tcp() {
    let emulator = shtrih_m_emulator::emulator_at(shtrih_m_emulator::START);
    let (addr, _) = emulator.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let stream = std::net::TcpStream::connect(addr).unwrap();
    let mut driver = Shtrih::new(StreamPort(stream), settings());
    driver.open_shift(cashier()).unwrap();
    driver.register_receipt(small_sale()).unwrap();
    assert_eq!(receipts(&emulator), 1);
}

#[test]
fn returns_and_cash_operations_move_the_drawer() {
    let (emulator, mut driver) = open();
    driver.cash_in(cashier(), 100_000).unwrap();
    driver.register_receipt(small_sale()).unwrap();
    let refund = receipt(
        DocumentKind::SaleReturn,
        vec![item("Чай", 12_000, 1_000, 11)],
        12_000,
        0,
    );
    let result = driver.register_receipt(refund).unwrap();
    assert_eq!(result.receipt_number, 2);
    assert_eq!(emulator.with_device(|d| d.receipts()[1].operation), 2);
    driver.cash_out(cashier(), 30_000).unwrap();
    assert_eq!(emulator.with_device(|d| d.cash_in_drawer()), 70_000);

    let e = driver.cash_out(cashier(), 1_000_000).unwrap_err();
    assert_eq!((e.class, e.vendor_code), (ErrorClass::WrongState, 0x46));
    let e = driver.cash_in(cashier(), 0).unwrap_err();
    assert_eq!(e.class, ErrorClass::Unsupported);
    driver.x_report(cashier()).unwrap();
}

#[test]
fn cashless_and_mixed_payments() {
    let (emulator, mut driver) = open();
    driver
        .register_receipt(receipt(DocumentKind::Sale, three_lines(), 20_000, 29_000))
        .unwrap();
    let r = emulator.with_device(|d| d.receipts()[0].clone());
    assert_eq!((r.cash(), r.cashless(), r.change), (20_000, 29_000, 0));
    // More cashless than the total is refused by the register; the receipt is cancelled.
    let e = driver
        .register_receipt(receipt(DocumentKind::Sale, three_lines(), 0, 60_000))
        .unwrap_err();
    assert_eq!((e.class, e.vendor_code), (ErrorClass::Device, 0x4D));
    assert!(!emulator.with_device(|d| d.receipt_open()));
    assert_eq!(receipts(&emulator), 1);
    // Too little paid.
    let e = driver
        .register_receipt(receipt(DocumentKind::Sale, three_lines(), 100, 0))
        .unwrap_err();
    assert_eq!(e.vendor_code, 0x45);
    driver.register_receipt(small_sale()).unwrap();
    assert_eq!(receipts(&emulator), 2);
}

#[test]
fn shift_state_errors_are_typed() {
    let emulator = shtrih_m_emulator::emulator_at(shtrih_m_emulator::START);
    let mut driver = connect(&emulator);
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftClosed);
    let e = driver.close_shift(cashier()).unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftClosed);
    // The register's own code when the driver does not ask first.
    let e = driver.cash_in(cashier(), 100).unwrap_err();
    assert_eq!((e.class, e.vendor_code), (ErrorClass::ShiftClosed, 0x3D));
    driver.open_shift(cashier()).unwrap();
    let e = driver.open_shift(cashier()).unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftAlreadyOpen);
}

#[test]
fn a_shift_over_24_hours_must_be_closed() {
    let (emulator, mut driver) = open();
    driver.register_receipt(small_sale()).unwrap();
    emulator.with_device(|d| d.advance_clock(Duration::from_secs(24 * 3600 + 60)));

    assert_eq!(driver.status().unwrap().shift, ShiftState::Expired);
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftExpired);
    // The register's own answer (4Eh) where the driver does not check first.
    let e = driver.cash_in(cashier(), 100).unwrap_err();
    assert_eq!((e.class, e.vendor_code), (ErrorClass::ShiftExpired, 0x4E));
    let e = driver.open_shift(cashier()).unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftExpired);
    assert_eq!(receipts(&emulator), 1);

    let closed = driver.close_shift(cashier()).unwrap();
    assert_eq!(closed.shift_number, 1);
    let opened = driver.open_shift(cashier()).unwrap();
    assert_eq!(opened.shift_number, 2);
    assert_eq!(opened.date_time, at(2026, 3, 2, 12, 1));
    let result = driver.register_receipt(small_sale()).unwrap();
    assert_eq!((result.shift_number, result.receipt_number), (2, 1));
}

#[test]
fn paper_out_refuses_printing_and_registering_until_refilled() {
    let (emulator, mut driver) = open();
    emulator.faults().inject(Fault::PaperOut);

    let status = driver.status().unwrap();
    assert!(!status.paper_present);
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!((e.class, e.vendor_code), (ErrorClass::PaperOut, 0x6B));
    let e = driver.print(vec![Element::Separator('=')]).unwrap_err();
    assert_eq!(e.class, ErrorClass::PaperOut);
    assert_eq!(receipts(&emulator), 0);
    assert!(!emulator.with_device(|d| d.receipt_open()));

    emulator.faults().clear();
    assert!(driver.status().unwrap().paper_present);
    driver.register_receipt(small_sale()).unwrap();
    assert_eq!(receipts(&emulator), 1);
}

#[test]
fn an_open_cover_is_told_from_missing_paper() {
    let (emulator, mut driver) = open();
    emulator.faults().inject(Fault::CoverOpen);
    assert!(driver.status().unwrap().cover_open);
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!((e.class, e.vendor_code), (ErrorClass::CoverOpen, 0x6B));
    emulator.faults().clear();
    driver.register_receipt(small_sale()).unwrap();
}

#[test]
fn a_nak_is_answered_by_sending_again() {
    let (emulator, mut driver) = open();
    emulator.faults().inject(Fault::Nak);
    driver.register_receipt(small_sale()).unwrap();
    emulator.faults().inject(Fault::Nak);
    emulator.faults().inject(Fault::Nak);
    driver.status().unwrap();
    assert_eq!(receipts(&emulator), 1);
    driver.register_receipt(small_sale()).unwrap();
    assert_eq!(receipts(&emulator), 2);
}

#[test]
fn a_corrupt_answer_is_asked_for_again_without_repeating_the_command() {
    let (emulator, mut driver) = open();
    // Every command of the receipt in turn gets one damaged answer: none runs twice.
    for _ in 0..12 {
        emulator.faults().inject(Fault::CorruptChecksum);
        driver.status().unwrap();
    }
    for _ in 0..6 {
        emulator.faults().inject(Fault::CorruptChecksum);
    }
    let result = driver
        .register_receipt(receipt(DocumentKind::Sale, three_lines(), 49_000, 0))
        .unwrap();
    assert_eq!(result.receipt_number, 1);
    let r = emulator.with_device(|d| d.receipts().to_vec());
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].items.len(), 3);
    driver.register_receipt(small_sale()).unwrap();
    assert_eq!(receipts(&emulator), 2);
}

#[test]
fn a_swallowed_frame_is_sent_again() {
    let (emulator, mut driver) = open();
    emulator.faults().inject(Fault::NoReply);
    driver.register_receipt(small_sale()).unwrap();
    assert_eq!(receipts(&emulator), 1);
    assert_eq!(emulator.with_device(|d| d.receipts()[0].items.len()), 1);
}

#[test]
fn a_register_that_never_takes_the_command_is_a_communication_error() {
    let (emulator, mut driver) = open();
    driver.set_settings(Settings {
        timeout: Duration::from_millis(200),
        ..settings()
    });
    for _ in 0..link::SEND_ATTEMPTS {
        emulator.faults().inject(Fault::NoReply);
    }
    let e = driver.status().unwrap_err();
    assert_eq!((e.class, e.vendor_code), (ErrorClass::Communication, 0));
    assert!(e.message.contains("never acknowledged"), "{}", e.message);
    driver.set_settings(settings());
    driver.register_receipt(small_sale()).unwrap();
}

#[test]
fn a_dead_line_times_out() {
    // A socket nobody answers on: the driver gives up after its ENQ retries.
    let (host, _device) = UnixStream::pair().unwrap();
    let mut driver = Shtrih::new(
        StreamPort(host),
        Settings {
            timeout: Duration::from_millis(50),
            ..settings()
        },
    );
    let e = driver.status().unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    assert!(e.message.contains("ENQ"), "{}", e.message);
}

#[test]
fn a_line_dropped_mid_answer_fails_and_the_next_line_works() {
    let (emulator, mut driver) = open();
    emulator.faults().inject(Fault::DisconnectMidFrame);
    let e = driver.status().unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    // The same line stays dead.
    assert_eq!(
        driver.status().unwrap_err().class,
        ErrorClass::Communication
    );

    // A fresh line: the register still holds the unacknowledged answer, which the driver
    // drains before its next command.
    assert!(emulator.with_device(|d| d.answer_pending()));
    driver.replace_port(StreamPort(emulator.connect().unwrap()));
    let result = driver.register_receipt(small_sale()).unwrap();
    assert_eq!(result.receipt_number, 1);
    assert_eq!(receipts(&emulator), 1);
}

#[test]
fn after_a_drop_during_close_the_last_document_tells_what_happened() {
    let (emulator, _driver) = open();
    // The line drops on the answer to close check v2: the register has registered the
    // receipt, the driver cannot know it did.
    let mut cutting = Shtrih::new(
        CutOnClose::new(emulator.connect().unwrap(), emulator.clone()),
        settings(),
    );
    let e = cutting.register_receipt(small_sale()).unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    assert_eq!(receipts(&emulator), 1);
    let registered = emulator.with_device(|d| d.receipts()[0].clone());

    // Recovery on a new line: the fiscal drive's last document is that receipt.
    let mut recovery = connect(&emulator);
    let last = recovery.last_fiscal_document().unwrap();
    assert_eq!(last.document_number, registered.document_number);
    assert_eq!(last.fiscal_sign, registered.fiscal_sign.to_string());
    assert_eq!(last.date_time, at(2026, 3, 1, 12, 0));
    assert_eq!(last.amount, Some(12_000));
    recovery.register_receipt(small_sale()).unwrap();
    assert_eq!(receipts(&emulator), 2);
}

#[test]
fn the_last_document_is_asked_by_number_and_read_only_when_it_is_new() {
    let (emulator, mut driver) = open();
    let made = driver
        .register_receipt(receipt(DocumentKind::Sale, three_lines(), 49_000, 0))
        .unwrap();
    // Right after its own receipt: the drive's last number alone, and the same answer a
    // fresh driver reads from the archive.
    emulator.with_device(|d| d.clear_command_log());
    let warm = driver.last_fiscal_document().unwrap();
    assert_eq!(emulator.with_device(|d| d.command_codes()), [0xFF01]);
    assert_eq!(warm.document_number, made.document_number);
    assert_eq!(warm, connect(&emulator).last_fiscal_document().unwrap());

    // A sale rung up on the register's keyboard: the number moved, so the document is read.
    let keyed = emulator.with_device(|d| d.keyboard_sale(2_500, false));
    emulator.with_device(|d| d.clear_command_log());
    let last = driver.last_fiscal_document().unwrap();
    assert_eq!(
        emulator.with_device(|d| d.command_codes()),
        [0xFF01, 0xFF0A]
    );
    assert_eq!(last.document_number, keyed);
    assert_eq!(last.amount, Some(2_500));
    assert_eq!(last, connect(&emulator).last_fiscal_document().unwrap());
}

#[test]
fn a_receipt_is_opened_without_asking_the_mode_and_its_number_follows_the_last() {
    let (emulator, mut driver) = open();
    let first = driver.register_receipt(small_sale()).unwrap();
    // No status first (the open tells), and no FF40h for its number: the document follows
    // the driver's last.
    emulator.with_device(|d| d.clear_command_log());
    let second = driver.register_receipt(small_sale()).unwrap();
    let codes = emulator.with_device(|d| d.command_codes());
    // Open, the cashier's INN (tag 1203), the line, the footer, close.
    assert_eq!(codes, [0x8D, 0xFF0C, 0xFF46, 0x17, 0xFF45], "{codes:X?}");
    assert_eq!(second.document_number, first.document_number + 1);
    assert_eq!((second.shift_number, second.receipt_number), (1, 2));
    driver.register_receipt(small_sale()).unwrap();

    // A sale on the keyboard between two: the drive's numbers are not consecutive, so the
    // number in the shift is asked (FF40h), and is the register's.
    emulator.with_device(|d| d.keyboard_sale(2_500, false));
    let after = driver.register_receipt(small_sale()).unwrap();
    let on_register = emulator.with_device(|d| d.receipts().last().unwrap().clone());
    assert_eq!(after.document_number, on_register.document_number);
    assert_eq!(after.receipt_number, on_register.receipt_number);
    assert_eq!(
        after.receipt_number, 5,
        "three of the driver's, one keyboard's, this"
    );
}

#[test]
fn a_shift_closed_or_a_receipt_left_open_elsewhere_is_told_by_the_open() {
    let (emulator, mut driver) = open();
    let frame = commands::open_check(30, commands::CheckType::Sale)
        .frame()
        .unwrap();
    let mut line = StreamPort(emulator.connect().unwrap());
    // A receipt opened by another program: the open is refused, the mode asked, the
    // leftover cancelled, the receipt registered.
    link::transact(&mut line, &frame, Duration::from_secs(1)).unwrap();
    emulator.with_device(|d| d.clear_command_log());
    driver.register_receipt(small_sale()).unwrap();
    let codes = emulator.with_device(|d| d.command_codes());
    assert_eq!(codes[..4], [0x8D, 0x11, 0x88, 0x8D], "{codes:X?}");
    assert_eq!(receipts(&emulator), 1);
    assert!(!emulator.with_device(|d| d.receipt_open()));
    // The shift closed by another program: refused as a closed shift, nothing made.
    connect(&emulator).close_shift(cashier()).unwrap();
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftClosed, "{e:?}");
    assert_eq!(receipts(&emulator), 1);
}

/// A sale with no cashier INN: nothing goes into the receipt before its first line.
fn plain_sale(items: Vec<ReceiptItem>) -> FiscalReceipt {
    let total: Money = items.iter().map(|i| i.amount).sum();
    let mut sale = receipt(DocumentKind::Sale, items, total, 0);
    sale.cashier.inn = None;
    sale.footer.clear();
    sale
}

/// One line of `amount` kopecks, as another program sends it (FF46h, operation `kind`).
fn foreign_line(kind: u8, amount: u64) -> Vec<u8> {
    let op = commands::Operation {
        kind,
        quantity: 1_000_000,
        price: amount,
        amount: Some(amount),
        tax: None,
        tax_rate: 0x08,
        department: 1,
        method: 4,
        subject: 1,
        name: "ОТДЕЛ 1".into(),
    };
    commands::operation_v2(30, &op).frame().unwrap()
}

#[test]
fn a_receipt_right_after_the_drives_status_is_opened_by_its_first_line() {
    let (emulator, mut driver) = open();
    // The host asks the drive's last document before every receipt: with the shift open and
    // no document open, that answer is the open's question, and the first line opens it.
    driver.last_fiscal_document().unwrap();
    emulator.with_device(|d| d.clear_command_log());
    let made = driver.register_receipt(plain_sale(three_lines())).unwrap();
    let codes = emulator.with_device(|d| d.command_codes());
    // Three lines, the close, and the receipt's number in the shift (the driver's first).
    assert_eq!(
        codes,
        [0xFF46, 0xFF46, 0xFF46, 0xFF45, 0xFF40],
        "{codes:X?}"
    );
    let on_register = emulator.with_device(|d| d.receipts().last().unwrap().clone());
    assert_eq!(on_register.document_number, made.document_number);
    assert_eq!(on_register.items.len(), 3);
    assert_eq!(on_register.total, 49_000);

    // Without the status just before it, or with anything to send before the first line
    // (the cashier's INN, change to give), the receipt is opened by 8Dh as always.
    let open_first = |driver: &mut Driver, sale: FiscalReceipt, asked: bool| {
        if asked {
            driver.last_fiscal_document().unwrap();
        }
        emulator.with_device(|d| d.clear_command_log());
        driver.register_receipt(sale).unwrap();
        emulator.with_device(|d| d.command_codes())[0]
    };
    let plain = || plain_sale(vec![item("Чай", 12_000, 1_000, 11)]);
    assert_eq!(open_first(&mut driver, plain(), false), 0x8D);
    assert_eq!(open_first(&mut driver, small_sale(), true), 0x8D);
    let mut with_change = plain();
    with_change.payments.cash_received = 20_000;
    with_change.payments.change = 8_000;
    assert_eq!(open_first(&mut driver, with_change, true), 0x8D);
    assert_eq!(open_first(&mut driver, plain(), true), 0xFF46);
    assert_eq!(receipts(&emulator), 5);
}

#[test]
fn a_receipt_opened_elsewhere_after_the_drives_status_never_takes_our_lines_into_it() {
    let (emulator, mut driver) = open();
    let mut other = StreamPort(emulator.connect().unwrap());
    let mut send =
        |frame: &[u8]| link::transact(&mut other, frame, Duration::from_secs(1)).unwrap();
    let ours = || plain_sale(vec![item("Чай", 12_000, 1_000, 11)]);

    // A return rung up on the keyboard between the status and our first line: the line is
    // refused for the receipt's type (49h), the mode asked, the leftover cancelled, ours
    // opened and registered with its own line only.
    driver.last_fiscal_document().unwrap();
    send(&foreign_line(2, 2_500));
    emulator.with_device(|d| d.clear_command_log());
    let made = driver.register_receipt(ours()).unwrap();
    let codes = emulator.with_device(|d| d.command_codes());
    assert_eq!(codes[..5], [0xFF46, 0x11, 0x88, 0x8D, 0xFF46], "{codes:X?}");
    let registered = emulator.with_device(|d| d.receipts().last().unwrap().clone());
    assert_eq!(registered.document_number, made.document_number);
    assert_eq!(registered.total, 12_000);
    assert_eq!(registered.items.len(), 1);

    // A sale of the same type: our line joins it, so its total passes our payments, the
    // close is refused (45h) and the receipt cancelled. Nothing is fiscalized.
    driver.last_fiscal_document().unwrap();
    send(&foreign_line(1, 2_500));
    let e = driver.register_receipt(ours()).unwrap_err();
    assert_eq!(e.vendor_code, 0x45, "{e:?}");
    assert_eq!(receipts(&emulator), 1);
    assert!(!emulator.with_device(|d| d.receipt_open()));
    // The next try goes through.
    driver.last_fiscal_document().unwrap();
    driver.register_receipt(ours()).unwrap();
    assert_eq!(receipts(&emulator), 2);
}

#[test]
fn a_shift_that_ended_after_the_drives_status_refuses_the_first_line() {
    let (emulator, mut driver) = open();
    driver.last_fiscal_document().unwrap();
    emulator.with_device(|d| {
        d.advance_clock(Duration::from_secs(25 * 3600));
        d.clear_command_log();
    });
    let e = driver
        .register_receipt(plain_sale(vec![item("Чай", 12_000, 1_000, 11)]))
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftExpired, "{e:?}");
    // The line was the open: refused, nothing opened, nothing more sent.
    assert_eq!(emulator.with_device(|d| d.command_codes()), [0xFF46]);
    assert!(!emulator.with_device(|d| d.receipt_open()));

    connect(&emulator).close_shift(cashier()).unwrap();
    driver.last_fiscal_document().unwrap();
    let e = driver
        .register_receipt(plain_sale(vec![item("Чай", 12_000, 1_000, 11)]))
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftClosed, "{e:?}");
    assert_eq!(receipts(&emulator), 0);
}

fn frame_code(bytes: &[u8]) -> Option<u16> {
    match bytes {
        [0x02, _, 0xFF, second, ..] => Some(0xFF00 | *second as u16),
        [0x02, _, first, ..] => Some(*first as u16),
        _ => None,
    }
}

/// A port that injects `DisconnectMidFrame` just before close check v2 goes out.
struct CutOnClose {
    inner: StreamPort<UnixStream>,
    emulator: Emulator<ShtrihDevice>,
}

impl CutOnClose {
    fn new(line: UnixStream, emulator: Emulator<ShtrihDevice>) -> Self {
        Self {
            inner: StreamPort(line),
            emulator,
        }
    }
}

impl driver_kit::Port for CutOnClose {
    fn write(&mut self, bytes: &[u8]) -> Result<(), driver_kit::PortError> {
        if frame_code(bytes) == Some(0xFF45) {
            self.emulator.faults().inject(Fault::DisconnectMidFrame);
        }
        self.inner.write(bytes)
    }
    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, driver_kit::PortError> {
        self.inner.read(max, timeout)
    }
    fn discard_input(&mut self) {
        self.inner.discard_input()
    }
}

#[test]
fn slow_replies_within_the_timeout_are_fine() {
    let (emulator, mut driver) = open();
    emulator
        .faults()
        .inject(Fault::SlowReply(Duration::from_millis(150)));
    driver.register_receipt(small_sale()).unwrap();
    emulator.faults().clear();
    assert_eq!(receipts(&emulator), 1);
}

#[test]
fn a_receipt_left_open_is_cancelled_first() {
    let (emulator, mut driver) = open();
    // Another program (or a crash) left a receipt open on the register.
    let mut line = StreamPort(emulator.connect().unwrap());
    let frame = commands::open_check(30, commands::CheckType::Sale)
        .frame()
        .unwrap();
    link::transact(&mut line, &frame, Duration::from_secs(1)).unwrap();
    assert!(driver.status().unwrap().receipt_open);

    driver.register_receipt(small_sale()).unwrap();
    assert_eq!(receipts(&emulator), 1);
    assert!(!driver.status().unwrap().receipt_open);

    link::transact(&mut line, &frame, Duration::from_secs(1)).unwrap();
    driver.cancel_open_receipt().unwrap();
    assert!(!emulator.with_device(|d| d.receipt_open()));
    // Nothing open: nothing to do.
    driver.cancel_open_receipt().unwrap();
}

#[test]
fn refused_receipts_never_reach_the_register() {
    let (emulator, mut driver) = open();
    let mut bad = small_sale();
    bad.items[0].vat_code = Some(7); // 5%: no tax row for it
    let e = driver.register_receipt(bad).unwrap_err();
    assert_eq!(e.class, ErrorClass::Unsupported);
    let mut bad = small_sale();
    bad.total += 1;
    assert_eq!(
        driver.register_receipt(bad).unwrap_err().class,
        ErrorClass::Unsupported
    );
    assert!(!emulator.with_device(|d| d.receipt_open()));
    assert_eq!(receipts(&emulator), 0);
}

#[test]
fn the_shift_open_time_is_found_by_a_fresh_driver() {
    let (emulator, mut driver) = open();
    emulator.with_device(|d| d.advance_clock(Duration::from_secs(3600)));
    driver.register_receipt(small_sale()).unwrap();
    driver.register_receipt(small_sale()).unwrap();
    let mut fresh = connect(&emulator);
    let status = fresh.status().unwrap();
    assert_eq!(status.shift_opened, Some(at(2026, 3, 1, 12, 0)));
    // A receipt left open hides the 24-hour mode; the register's clock still tells.
    let mut line = StreamPort(emulator.connect().unwrap());
    let frame = commands::open_check(30, commands::CheckType::Sale)
        .frame()
        .unwrap();
    assert_eq!(
        link::transact(&mut line, &frame, Duration::from_secs(1)).unwrap(),
        [0x8D, 0x00, 30]
    );
    assert_eq!(fresh.status().unwrap().shift, ShiftState::Open);
    emulator.with_device(|d| d.advance_clock(Duration::from_secs(23 * 3600)));
    let status = fresh.status().unwrap();
    assert!(status.receipt_open);
    assert_eq!(status.shift, ShiftState::Expired);
    // The register refuses to go on with it; closing the shift cancels it first.
    assert_eq!(
        fresh.register_receipt(small_sale()).unwrap_err().class,
        ErrorClass::ShiftExpired
    );
    fresh.close_shift(cashier()).unwrap();
    assert_eq!(receipts(&emulator), 2);
}

#[test]
fn printing_elements() {
    let (emulator, mut driver) = open();
    driver
        .print(vec![
            Element::Text(Text {
                content: "КОПИЯ ЧЕКА".into(),
                align: Align::Center,
                bold: true,
                size: TextSize::Double,
            }),
            Element::Text(Text {
                content: "Хлеб 2 x 50.00".into(),
                align: Align::Left,
                bold: false,
                size: TextSize::Normal,
            }),
            Element::Separator('-'),
            Element::Barcode(Barcode {
                kind: BarcodeKind::Ean13,
                data: "4600000000003".into(),
            }),
            Element::Qr("t=20260301T1200&s=490.00&fn=9960440300000001&i=3&fp=1&n=1".into()),
            Element::Feed(2),
            Element::Cut,
        ])
        .unwrap();
    let tape = emulator.with_device(|d| d.tape().to_vec());
    let printed = &tape[tape.len() - 6..];
    assert_eq!(printed[0], "       КОПИЯ ЧЕКА"); // 24 columns of double width, centred
    assert_eq!(printed[1], "Хлеб 2 x 50.00");
    assert_eq!(printed[2], "-".repeat(48));
    assert_eq!(printed[3].trim(), "4600000000003");
    assert_eq!(&printed[4..], ["", ""]);
    assert_eq!(emulator.with_device(|d| d.cuts()), 1);
}

#[test]
fn each_fault_leaves_the_register_usable() {
    let (emulator, mut driver) = open();
    for fault in [
        Fault::Nak,
        Fault::CorruptChecksum,
        Fault::NoReply,
        Fault::PaperOut,
        Fault::CoverOpen,
        Fault::DisconnectMidFrame,
    ] {
        emulator.faults().inject(fault);
        let _ = driver.register_receipt(small_sale());
        emulator.faults().clear();
        if fault == Fault::DisconnectMidFrame {
            driver.replace_port(StreamPort(emulator.connect().unwrap()));
        }
        let before = receipts(&emulator);
        driver
            .register_receipt(small_sale())
            .unwrap_or_else(|e| panic!("after {fault:?}: {}", e.message));
        assert_eq!(receipts(&emulator), before + 1, "after {fault:?}");
        assert_eq!(
            emulator.with_device(|d| d.last_document().kind),
            DOC_RECEIPT
        );
    }
}

#[test]
fn the_printer_interface_reports_paper_and_cover() {
    let (emulator, mut driver) = open();
    let st = driver.printer_status().unwrap();
    assert!(st.online && st.paper_present && !st.cover_open, "{st:?}");
    emulator.faults().inject(Fault::PaperOut);
    let st = driver.printer_status().unwrap();
    assert!(!st.online && !st.paper_present, "{st:?}");
    emulator.faults().clear();
    emulator.faults().inject(Fault::CoverOpen);
    let st = driver.printer_status().unwrap();
    assert!(!st.online && st.cover_open, "{st:?}");
    emulator.faults().clear();
    driver
        .print(vec![Element::Text(Text {
            content: "КОПИЯ".into(),
            align: Align::Center,
            bold: false,
            size: TextSize::Normal,
        })])
        .unwrap();
    assert!(
        emulator.with_device(|d| d.tape().iter().any(|l| l.contains("КОПИЯ"))),
        "{:?}",
        emulator.with_device(|d| d.tape().to_vec())
    );
}

#[test]
fn the_fiscal_drive_status_tells_the_unsent_documents() {
    let (emulator, mut driver) = open();
    // The shift-open report joined the OFD queue; the exchange sends it.
    assert_eq!(emulator.with_device(|d| d.drain_ofd_queue()), 1);
    let st = driver.fiscal_drive_status().unwrap();
    assert_eq!(st.fn_number, "9960440300000001");
    assert_eq!(st.unsent_documents, 0);
    assert_eq!(
        (st.first_unsent_number, st.first_unsent_date_time),
        (None, None)
    );
    assert_eq!(st.unsent_notifications, None);
    assert_eq!(
        st.valid_until,
        Date {
            year: 2029,
            month: 3,
            day: 1
        }
    );
    assert_eq!(st.ffd_version, 4);

    emulator.with_device(|d| d.set_ofd_online(false));
    let result = driver.register_receipt(small_sale()).unwrap();
    driver.register_receipt(small_sale()).unwrap();
    let st = driver.fiscal_drive_status().unwrap();
    assert_eq!(st.unsent_documents, 2);
    assert_eq!(st.first_unsent_number, Some(result.document_number));
    let at = st.first_unsent_date_time.unwrap();
    assert_eq!(
        (at.date, at.hour, at.minute),
        (
            result.date_time.date,
            result.date_time.hour,
            result.date_time.minute
        )
    );
    emulator.with_device(|d| d.set_ofd_online(true));
    assert_eq!(driver.fiscal_drive_status().unwrap().unsent_documents, 0);
}

#[test]
fn cash_received_makes_the_register_print_the_change() {
    let (emulator, mut driver) = open();
    let mut sale = small_sale();
    sale.payments.cash_received = 50_000;
    sale.payments.change = 38_000;
    driver.register_receipt(sale).unwrap();
    let r = emulator.with_device(|d| d.receipts()[0].clone());
    assert_eq!(
        (r.total, r.payments[PAY_CASH], r.change),
        (12_000, 50_000, 38_000)
    );
    assert!(
        emulator.with_device(|d| d.tape().iter().any(|l| l == "СДАЧА =380.00")),
        "{:?}",
        emulator.with_device(|d| d.tape().to_vec())
    );
    assert_eq!(emulator.with_device(|d| d.cash_in_drawer()), 12_000);
}

#[test]
fn the_customer_contact_goes_with_the_receipt() {
    let (emulator, mut driver) = open();
    let mut sale = small_sale();
    sale.customer_contact = Some("buyer@example.com".into());
    driver.register_receipt(sale).unwrap();
    let r = emulator.with_device(|d| d.receipts()[0].clone());
    assert_eq!(r.customer_contact.as_deref(), Some("buyer@example.com"));
    assert_eq!(r.cashier_inn.as_deref(), Some("500100732259"));
    // Without one, nothing is sent.
    driver.register_receipt(small_sale()).unwrap();
    assert_eq!(
        emulator.with_device(|d| d.receipts()[1].customer_contact.clone()),
        None
    );
}
