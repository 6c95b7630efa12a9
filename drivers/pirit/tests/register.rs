//! The driver's protocol code against the emulator, natively: `Pirit` over a TCP
//! `StreamPort` to `pirit_emulator`, through shifts, receipts, corrections, recovery after a
//! lost answer, the fiscal drive's status and the faults the emulator kit injects.

mod common;

use std::time::Duration;

use common::*;
use emulator_kit::Fault;
use pirit::types::*;
use pirit_emulator::{DOC_SALE, DOC_SALE_RETURN, PAY_CASH, PAY_CASHLESS};

#[test]
fn describe_names_the_register_and_its_jurisdiction() {
    let (_emulator, addr) = emulator();
    let mut driver = connect(addr);
    assert!(driver.ping().unwrap(), "ENQ is answered by ACK");
    let info = driver.describe().unwrap();
    assert_eq!(info.vendor, "Dreamkas");
    assert_eq!(info.model, "Пирит 2Ф");
    assert_eq!(info.serial_number, "0491000000012345");
    assert_eq!(info.firmware, "665");
    assert!(info.fiscal);
    assert_eq!(info.jurisdictions, ["RU"]);
    assert_eq!(info.paper_width, 44);

    let id = driver.identity().unwrap();
    assert_eq!(id.inn, "7700000000");
    assert_eq!(id.registration_number, "0000000001012345");
    assert_eq!(id.fn_number, "7380440700012345");
    assert_eq!(id.ffd_version, 4);
    assert_eq!(id.jurisdiction, "RU");
}

#[test]
fn start_of_work_is_sent_with_the_registers_clock_and_again_after_a_power_cycle() {
    let (emulator, addr) = emulator();
    let mut driver = connect(addr);
    let status = driver.status().unwrap();
    assert_eq!(status.shift, ShiftState::Closed);
    assert!(!status.receipt_open);
    assert!(status.paper_present);
    let log = emulator.with_device(|d| d.command_log().to_vec());
    let start = log.iter().find(|c| c.command == 0x10).expect("0x10 sent");
    assert_eq!(
        start.fields,
        ["010326", "090000"],
        "the register's own time"
    );
    let clock_read = log.iter().position(|c| c.command == 0x13).unwrap();
    let started = log.iter().position(|c| c.command == 0x10).unwrap();
    assert!(clock_read < started);

    emulator.with_device(|d| {
        d.clear_command_log();
        d.power_cycle();
    });
    driver.open_shift(cashier()).unwrap();
    assert_eq!(actions(&emulator), [0x10, 0x23]);
}

#[test]
fn a_clock_that_moved_during_start_of_work_still_starts_the_register() {
    let (emulator, addr) = emulator();
    let mut driver = connect(addr);
    // 0x13 reads 09:00, the register's clock then jumps ten minutes before 0x10: 0Bh, which
    // the document says leaves the register started on its own time.
    emulator.with_device(|d| d.clock_jumps_at(0x10, Duration::from_secs(600)));
    driver.open_shift(cashier()).unwrap();
    assert_eq!(actions(&emulator), [0x10, 0x23]);
    assert_eq!(driver.status().unwrap().shift, ShiftState::Open);
}

#[test]
fn shift_open_x_report_and_close_with_their_states() {
    let (emulator, addr) = emulator();
    let mut driver = connect(addr);
    let opened = driver.open_shift(cashier()).unwrap();
    assert_eq!(opened.shift_number, 1);
    assert_eq!(
        opened.document_number, 2,
        "the registration report is document 1"
    );
    assert_eq!(opened.fn_number, "7380440700012345");
    assert_eq!(opened.registration_number, "0000000001012345");
    assert_eq!(
        (opened.date_time.date.year, opened.date_time.hour),
        (2026, 9)
    );
    let log = emulator.with_device(|d| d.command_log().to_vec());
    let open = log.iter().find(|c| c.command == 0x23).unwrap();
    assert_eq!(
        open.fields[0], "500100732259&Иванова И.И.",
        "INN&name, tag 1021/1203"
    );

    let status = driver.status().unwrap();
    assert_eq!(status.shift, ShiftState::Open);
    assert_eq!(status.shift_number, 1);
    let at = status.shift_opened.expect("opened at");
    assert_eq!((at.date.day, at.hour, at.minute), (1, 9, 0));

    let again = driver.open_shift(cashier()).unwrap_err();
    assert_eq!(again.class, ErrorClass::ShiftAlreadyOpen);

    driver.x_report(cashier()).unwrap();
    assert!(emulator.with_device(|d| d.printed().contains(&"X-ОТЧЕТ".to_string())));

    let closed = driver.close_shift(cashier()).unwrap();
    assert_eq!(closed.shift_number, 1);
    assert_eq!(closed.document_number, 3);
    assert_eq!(driver.status().unwrap().shift, ShiftState::Closed);
    assert_eq!(
        driver.close_shift(cashier()).unwrap_err().class,
        ErrorClass::ShiftClosed
    );
    let refused = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(refused.class, ErrorClass::ShiftClosed);
    assert!(emulator.with_device(|d| d.receipts().is_empty()));

    assert_eq!(driver.open_shift(cashier()).unwrap().shift_number, 2);
}

#[test]
fn a_shift_older_than_24_hours_only_closes() {
    let (emulator, mut driver) = with_shift();
    emulator.with_device(|d| d.advance_clock(Duration::from_secs(24 * 3600 + 60)));
    assert_eq!(driver.status().unwrap().shift, ShiftState::Expired);
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(e.class, ErrorClass::ShiftExpired);
    assert_eq!(
        driver.open_shift(cashier()).unwrap_err().class,
        ErrorClass::ShiftExpired
    );
    assert!(emulator.with_device(|d| d.receipts().is_empty()));
    driver.close_shift(cashier()).unwrap();
    assert_eq!(driver.status().unwrap().shift, ShiftState::Closed);
}

#[test]
fn a_sale_paid_by_cash_and_card_is_registered_with_change() {
    let (emulator, mut driver) = with_shift();
    emulator.with_device(|d| d.clear_command_log());
    let mut sale = receipt(
        DocumentKind::Sale,
        vec![
            item("Молоко 3,2%", 8990, 2000, Vat::Rate(1000)),
            item("Сыр весовой", 65000, 350, Vat::Rate(2200)),
        ],
        // 179.80 + 227.50 = 407.30: 300.00 by card, 107.30 cash of 200.00 handed over.
        payments(10730, 30000, 20000),
    );
    sale.customer_contact = Some("+79001234567".into());
    let result = driver.register_receipt(sale).unwrap();
    assert_eq!(result.shift_number, 1);
    assert_eq!(result.receipt_number, 1);
    assert_eq!(result.document_number, 3);
    assert_eq!(result.fiscal_sign.len(), 10);
    assert_eq!(result.fn_number, "7380440700012345");

    let r = emulator.with_device(|d| d.receipts()[0].clone());
    assert_eq!(r.kind, DOC_SALE);
    assert_eq!(r.document_number, result.document_number);
    assert_eq!(r.fiscal_sign, result.fiscal_sign);
    assert_eq!(r.total, 40730);
    assert_eq!(r.items.len(), 2);
    assert_eq!(r.items[0].name, "Молоко 3,2%");
    assert_eq!((r.items[0].price, r.items[0].quantity), (8990, 2000));
    assert_eq!((r.items[0].tax_number, r.items[1].tax_number), (1, 0));
    assert_eq!(r.items[1].amount, 22750);
    assert_eq!(r.payments, [(PAY_CASHLESS, 30000), (PAY_CASH, 20000)]);
    assert_eq!(r.change, 9270);
    assert_eq!(r.customer_contact.as_deref(), Some("+79001234567"));
    assert_eq!(r.cashier, "500100732259&Иванова И.И.");
    assert_eq!(emulator.with_device(|d| d.drawer()), 10730);
    assert_eq!(
        actions(&emulator),
        [0x30, 0x42, 0x42, 0x44, 0x47, 0x47, 0x31],
        "open, positions, subtotal, payments, close"
    );

    let last = driver.last_fiscal_document().unwrap();
    assert_eq!(last.document_number, result.document_number);
    assert_eq!(last.fiscal_sign, result.fiscal_sign);
    assert_eq!(last.amount, Some(40730));
    assert_eq!(last.date_time, result.date_time);
}

#[test]
fn a_return_is_registered_as_a_return() {
    let (emulator, mut driver) = with_shift();
    driver.cash_in(cashier(), 50000).unwrap();
    let ret = receipt(
        DocumentKind::SaleReturn,
        vec![item("Молоко", 8990, 1000, Vat::Rate(1000))],
        payments(8990, 0, 8990),
    );
    let result = driver.register_receipt(ret).unwrap();
    let r = emulator.with_device(|d| d.receipts()[0].clone());
    assert_eq!(r.kind, DOC_SALE_RETURN);
    assert_eq!(r.document_number, result.document_number);
    assert_eq!(emulator.with_device(|d| d.drawer()), 50000 - 8990);
}

#[test]
fn cash_in_and_out_move_the_drawer_and_register_no_receipt() {
    let (emulator, mut driver) = with_shift();
    emulator.with_device(|d| d.clear_command_log());
    driver.cash_in(cashier(), 100000).unwrap();
    assert_eq!(actions(&emulator), [0x30, 0x48, 0x31]);
    let opened =
        emulator.with_device(|d| d.command_log().iter().find(|c| c.command == 0x30).cloned());
    assert_eq!(opened.unwrap().fields[0], "4", "document type 4, cash in");
    driver.cash_out(cashier(), 30000).unwrap();
    assert_eq!(emulator.with_device(|d| d.drawer()), 70000);
    let e = driver.cash_out(cashier(), 70001).unwrap_err();
    assert_eq!(e.class, ErrorClass::WrongState);
    assert_eq!(emulator.with_device(|d| d.drawer()), 70000);
    assert_eq!(
        emulator.with_device(|d| d.open_document()),
        None,
        "cancelled"
    );
    assert!(emulator.with_device(|d| d.receipts().is_empty()));
}

#[test]
fn a_receipt_refused_for_paper_leaves_nothing_registered_and_the_document_cancelled() {
    let (emulator, mut driver) = with_shift();
    emulator.faults().inject(Fault::PaperOut);
    emulator.with_device(|d| d.clear_command_log());
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(e.class, ErrorClass::PaperOut);
    assert_eq!(e.vendor_code, 0x08);
    assert!(e.message.contains("Конец бумаги"), "{}", e.message);
    assert!(emulator.with_device(|d| d.receipts().is_empty()));
    assert_eq!(emulator.with_device(|d| d.open_document()), None);
    assert_eq!(
        actions(&emulator),
        [0x30, 0x42, 0x32],
        "opened, refused, cancelled"
    );
    assert!(!driver.status().unwrap().paper_present);

    emulator.faults().clear();
    let sold = driver.register_receipt(small_sale()).unwrap();
    assert_eq!(emulator.with_device(|d| d.receipts().len()), 1);

    // A receipt cancelled after it: the last closed receipt is now the cancelled one (type 0,
    // no fiscal document), yet the last fiscal document is still the sale, total and all.
    emulator.faults().inject(Fault::PaperOut);
    assert!(driver.register_receipt(small_sale()).is_err());
    emulator.faults().clear();
    let last = driver.last_fiscal_document().unwrap();
    assert_eq!(last.document_number, sold.document_number);
    assert_eq!(last.fiscal_sign, sold.fiscal_sign);
    assert_eq!(last.amount, Some(10000));
}

#[test]
fn an_open_cover_is_reported_as_such() {
    let (emulator, mut driver) = with_shift();
    emulator.faults().inject(Fault::CoverOpen);
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(e.class, ErrorClass::CoverOpen, "{}", e.message);
    assert!(driver.status().unwrap().cover_open);
    assert!(emulator.with_device(|d| d.receipts().is_empty()));
    assert_eq!(emulator.with_device(|d| d.open_document()), None);
}

#[test]
fn after_a_lost_answer_the_last_fiscal_document_tells_the_truth_and_nothing_is_resent() {
    let (emulator, mut driver) = with_shift();
    let before = driver.last_fiscal_document().unwrap();
    assert_eq!(before.amount, None, "the shift report is no receipt");
    let report = emulator.with_device(|d| d.fiscal_documents()[0].clone());
    assert_eq!(before.fiscal_sign, report.fiscal_sign);
    assert_eq!(before.document_number, report.number);
    emulator.with_device(|d| {
        d.clear_command_log();
        d.lose_answer_to(0x31);
    });
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    assert_eq!(
        codes(&emulator).iter().filter(|&&c| c == 0x31).count(),
        1,
        "the close is never sent twice"
    );
    assert!(
        !actions(&emulator).contains(&0x32),
        "nothing cancelled blind"
    );
    let registered = emulator.with_device(|d| d.receipts().to_vec());
    assert_eq!(registered.len(), 1);

    let last = driver.last_fiscal_document().unwrap();
    assert_eq!(last.document_number, registered[0].document_number);
    assert_eq!(last.document_number, before.document_number + 1);
    assert_eq!(last.fiscal_sign, registered[0].fiscal_sign);
    assert_eq!(last.amount, Some(10000));
    driver.cancel_open_receipt().unwrap();
    assert_eq!(emulator.with_device(|d| d.receipts().len()), 1);
}

#[test]
fn paper_out_at_the_close_leaves_the_receipt_in_the_fiscal_drive_and_cancel_completes_it() {
    let (emulator, mut driver) = with_shift();
    emulator.with_device(|d| d.paper_runs_out_at(0x31));
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(e.class, ErrorClass::PaperOut);
    let registered = emulator.with_device(|d| d.receipts().to_vec());
    assert_eq!(registered.len(), 1, "the fiscal drive has it (state 8)");
    assert_eq!(emulator.with_device(|d| d.open_document()), Some((2, 8)));
    assert!(
        !actions(&emulator).contains(&0x32),
        "state 8 is never cancelled"
    );
    let last = driver.last_fiscal_document().unwrap();
    assert_eq!(last.fiscal_sign, registered[0].fiscal_sign);

    // A new receipt is refused until the printing is finished.
    let blocked = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(blocked.class, ErrorClass::WrongState);
    emulator.faults().clear();
    emulator.with_device(|d| d.clear_command_log());
    driver.cancel_open_receipt().unwrap();
    assert_eq!(actions(&emulator), [0x31], "closed again, not cancelled");
    assert_eq!(emulator.with_device(|d| d.open_document()), None);
    assert_eq!(emulator.with_device(|d| d.receipts().len()), 1);
    driver.register_receipt(small_sale()).unwrap();
}

#[test]
fn a_lost_answer_before_the_close_leaves_the_receipt_unregistered_and_cancellable() {
    let (emulator, mut driver) = with_shift();
    emulator.with_device(|d| d.lose_answer_to(0x44));
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    assert!(emulator.with_device(|d| d.receipts().is_empty()));
    assert!(driver.status().unwrap().receipt_open);
    let last = driver.last_fiscal_document().unwrap();
    assert_eq!(
        last.amount, None,
        "the last document is still the shift report"
    );
    driver.cancel_open_receipt().unwrap();
    assert!(!driver.status().unwrap().receipt_open);
    driver.register_receipt(small_sale()).unwrap();
    assert_eq!(emulator.with_device(|d| d.receipts().len()), 1);
}

#[test]
fn a_garbled_answer_to_a_query_is_asked_again_but_never_to_a_fiscal_command() {
    let (emulator, mut driver) = with_shift();
    emulator.with_device(|d| d.clear_command_log());
    emulator.faults().inject(Fault::CorruptChecksum);
    driver.status().unwrap();
    assert_eq!(codes(&emulator)[..2], [0x00, 0x00], "status asked twice");

    emulator.faults().inject(Fault::NoReply);
    assert_eq!(driver.status().unwrap().shift, ShiftState::Open);

    // The close's answer garbled: the receipt is registered, the close is not sent again,
    // and the fiscal drive tells what happened.
    emulator.with_device(|d| {
        d.clear_command_log();
        d.corrupt_answer_to(0x31);
    });
    let e = driver.register_receipt(small_sale()).unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    assert!(e.message.contains("CRC"), "{}", e.message);
    assert_eq!(codes(&emulator).iter().filter(|&&c| c == 0x31).count(), 1);
    let registered = emulator.with_device(|d| d.receipts().to_vec());
    assert_eq!(registered.len(), 1);
    assert_eq!(
        driver.last_fiscal_document().unwrap().fiscal_sign,
        registered[0].fiscal_sign
    );
}

#[test]
fn a_packet_the_register_refused_for_its_crc_is_sent_once_more_even_in_a_receipt() {
    let (emulator, mut driver) = with_shift();
    emulator.with_device(|d| {
        d.clear_command_log();
        // 0x30 is answered 07h ("Ошибка контрольной суммы в команде") and not carried out.
        d.refuse_crc_at(0x30);
    });
    let result = driver.register_receipt(small_sale()).unwrap();
    let registered = emulator.with_device(|d| d.receipts().to_vec());
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].document_number, result.document_number);
    assert_eq!(
        actions(&emulator),
        [0x30, 0x42, 0x44, 0x47, 0x31],
        "carried out once, after the refused packet went again"
    );

    // Refused twice: the driver gives up, and says why.
    emulator.faults().inject(Fault::Nak);
    emulator.faults().inject(Fault::Nak);
    let e = driver.status().unwrap_err();
    assert_eq!((e.class, e.vendor_code), (ErrorClass::Communication, 0x07));
}

#[test]
fn a_line_dropped_mid_answer_is_a_communication_error_and_the_next_line_works() {
    let (emulator, addr) = emulator();
    let mut driver = connect(addr);
    driver.status().unwrap();
    emulator.faults().inject(Fault::DisconnectMidFrame);
    let e = driver.describe().unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    let mut again = connect(addr);
    assert_eq!(again.describe().unwrap().model, "Пирит 2Ф");
}

#[test]
fn a_slow_register_within_the_timeout_is_waited_for() {
    let (emulator, addr) = emulator();
    let mut driver = connect(addr);
    emulator
        .faults()
        .inject(Fault::SlowReply(Duration::from_millis(300)));
    assert_eq!(driver.status().unwrap().shift, ShiftState::Closed);
    emulator
        .faults()
        .inject(Fault::SlowReply(Duration::from_millis(4000)));
    let e = driver.describe().unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    assert!(e.message.contains("no reply"), "{}", e.message);
}

#[test]
fn a_correction_receipt_carries_its_ffd_1_2_tags() {
    let (emulator, mut driver) = with_shift();
    emulator.with_device(|d| d.clear_command_log());
    let items = vec![item("Неучтённая продажа", 150000, 1000, Vat::Rate(2200))];
    let correction = CorrectionReceipt {
        kind: DocumentKind::Sale,
        correction: Correction {
            basis: CorrectionBasis::ByOrder,
            base_date: Date {
                year: 2026,
                month: 2,
                day: 27,
            },
            order_number: Some("ПР-17".into()),
        },
        cashier: cashier(),
        total: 150000,
        items,
        payments: payments(0, 150000, 0),
        taxation_system: 0b10,
    };
    let result = driver.register_correction(correction).unwrap();
    assert_eq!(result.fiscal_sign.len(), 10);
    assert_eq!(actions(&emulator), [0x58, 0x42, 0x44, 0x47, 0x31]);
    let r = emulator.with_device(|d| d.receipts()[0].clone());
    assert_eq!(r.kind, pirit_emulator::DOC_CORRECTION_SALE);
    assert_eq!(r.document_number, result.document_number);
    let c = r.correction.expect("correction tags");
    assert!(c.by_order, "tag 1173 = 1");
    assert_eq!(c.base_date, "270226", "tag 1178");
    assert_eq!(c.order_number, "ПР-17", "tag 1179");
    assert_eq!(r.taxation, Some(1), "USN income");
    assert_eq!(r.payments, [(PAY_CASHLESS, 150000)]);

    // A self-made correction of a return needs no order number.
    let ret = CorrectionReceipt {
        kind: DocumentKind::SaleReturn,
        correction: Correction {
            basis: CorrectionBasis::SelfInitiated,
            base_date: Date {
                year: 2026,
                month: 2,
                day: 28,
            },
            order_number: None,
        },
        cashier: cashier(),
        total: 5000,
        items: vec![item("Возврат", 5000, 1000, Vat::None)],
        payments: payments(5000, 0, 5000),
        taxation_system: 0,
    };
    driver.cash_in(cashier(), 5000).unwrap();
    driver.register_correction(ret).unwrap();
    let r = emulator.with_device(|d| d.receipts()[1].clone());
    assert_eq!(r.kind, pirit_emulator::DOC_CORRECTION_SALE_RETURN);
    assert!(!r.correction.unwrap().by_order);
}

#[test]
fn fiscal_drive_status_counts_unsent_documents_up_per_document_and_down_after_a_drain() {
    let (emulator, mut driver) = with_shift();
    let fresh = driver.fiscal_drive_status().unwrap();
    assert_eq!(fresh.fn_number, "7380440700012345");
    assert_eq!(fresh.unsent_documents, 1, "the shift-open report");
    assert_eq!(fresh.first_unsent_number, Some(2));
    let first = fresh.first_unsent_date_time.expect("when");
    assert_eq!((first.date.day, first.hour), (1, 9));
    assert_eq!(fresh.ffd_version, 4);
    assert_eq!(
        fresh.valid_until,
        Date {
            year: 2027,
            month: 6,
            day: 30
        }
    );
    assert_eq!(fresh.unsent_notifications, Some(0));

    driver.register_receipt(small_sale()).unwrap();
    assert_eq!(driver.fiscal_drive_status().unwrap().unsent_documents, 2);
    emulator.with_device(|d| d.advance_clock(Duration::from_secs(600)));
    driver.register_receipt(small_sale()).unwrap();
    let after = driver.fiscal_drive_status().unwrap();
    assert_eq!(after.unsent_documents, 3);
    assert_eq!(after.first_unsent_number, Some(2), "the oldest stays first");
    assert_eq!(
        (after.now.hour, after.now.minute),
        (9, 10),
        "the register's clock"
    );

    emulator.with_device(|d| d.drain_ofd_queue());
    let drained = driver.fiscal_drive_status().unwrap();
    assert_eq!(drained.unsent_documents, 0);
    assert_eq!(drained.first_unsent_number, None);
    assert_eq!(drained.first_unsent_date_time, None);
}

#[test]
fn a_receipt_that_does_not_add_up_is_refused_before_anything_is_sent() {
    let (emulator, mut driver) = with_shift();
    emulator.with_device(|d| d.clear_command_log());
    let mut bad = small_sale();
    bad.items[0].amount += 1;
    assert_eq!(
        driver.register_receipt(bad).unwrap_err().class,
        ErrorClass::Unsupported
    );
    let mut unpaid = small_sale();
    unpaid.payments.cash -= 1;
    unpaid.payments.cash_received -= 1;
    assert!(driver.register_receipt(unpaid).is_err());
    assert!(codes(&emulator).is_empty());
}

#[test]
fn printing_goes_as_a_service_document_and_a_copy_comes_from_the_fiscal_drive() {
    let (emulator, mut driver) = with_shift();
    driver
        .print(vec![
            Element::Text(Text {
                content: "КОПИЯ".into(),
                align: Align::Center,
                bold: true,
                size: TextSize::Normal,
            }),
            Element::Separator('-'),
            Element::Qr("t=20260301T0900&s=100.00".into()),
            Element::Cut,
        ])
        .unwrap();
    let printed = emulator.with_device(|d| d.printed().to_vec());
    assert_eq!(printed[0].trim(), "КОПИЯ");
    assert!(printed[0].starts_with("        "), "centred on 44 columns");
    assert_eq!(printed[1], "-".repeat(44));
    assert_eq!(printed[2], "[8:t=20260301T0900&s=100.00]");
    assert_eq!(emulator.with_device(|d| d.open_document()), None);
    assert!(driver.printer_status().unwrap().online);

    let sold = driver.register_receipt(small_sale()).unwrap();
    driver.print_copy(sold.document_number).unwrap();
    assert_eq!(
        emulator.with_device(|d| d.copies().to_vec()),
        [sold.document_number]
    );
    assert_eq!(
        driver.print_copy(999).unwrap_err().class,
        ErrorClass::FiscalDrive
    );
}

#[test]
fn a_wrong_link_password_is_a_communication_error() {
    let (_emulator, addr) = emulator();
    let mut driver = connect(addr);
    driver.set_settings(pirit::Settings {
        password: *b"XXXX",
        ..settings()
    });
    let e = driver.status().unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    assert_eq!(e.vendor_code, 0x06);
}
