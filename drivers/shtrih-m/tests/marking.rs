//! Marking codes, correction receipts and the OFD queue, natively: `Shtrih` over a
//! `StreamPort` to `shtrih_m_emulator`, every command as real bytes on the line.

use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use driver_kit::StreamPort;
use emulator_kit::Emulator;
use shtrih_m::types::*;
use shtrih_m::{Settings, Shtrih};
use shtrih_m_emulator::{DOC_CORRECTION, MarkingAnswer, ShtrihDevice};

type Driver = Shtrih<StreamPort<UnixStream>>;

/// Two codes as a scanner reads them: GS1 01 (GTIN), 21 (serial), GS, 93 (crypto tail).
const CIGARETTES: &str = "0104600439931256215K:Jd*s\u{1d}93abcd";
const WATER: &str = "0104650075190048215Y6wq,L\u{1d}93Zx9k";

fn settings() -> Settings {
    Settings {
        timeout: Duration::from_secs(3),
        ..Settings::default()
    }
}

fn cashier() -> Cashier {
    Cashier {
        name: "Иванова И.И.".into(),
        inn: None,
    }
}

fn item(name: &str, price: Money, marking: Option<&str>) -> ReceiptItem {
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
        marking: marking.map(|code| Marking {
            code: code.into(),
            planned_status: PlannedStatus::PieceSold,
            processing_mode: 0,
            fraction: None,
        }),
    }
}

fn payments(cash: Money) -> ReceiptPayments {
    ReceiptPayments {
        cash,
        cashless: 0,
        prepayment: 0,
        credit: 0,
        counter_provision: 0,
        cash_received: 0,
        change: 0,
    }
}

fn receipt(kind: DocumentKind, items: Vec<ReceiptItem>) -> FiscalReceipt {
    let total = items.iter().map(|i| i.amount).sum();
    FiscalReceipt {
        kind,
        cashier: cashier(),
        items,
        payments: payments(total),
        total,
        taxation_system: 0,
        customer_contact: None,
        footer: vec![],
    }
}

fn check(code: &str) -> MarkingCheck {
    MarkingCheck {
        marking: Marking {
            code: code.into(),
            planned_status: PlannedStatus::PieceSold,
            processing_mode: 0,
            fraction: None,
        },
        quantity: 1000,
        measure: 0,
    }
}

fn open_with(settings: Settings) -> (Emulator<ShtrihDevice>, Driver) {
    let emulator = shtrih_m_emulator::emulator_at(shtrih_m_emulator::START);
    let mut driver = Shtrih::new(StreamPort(emulator.connect().unwrap()), settings);
    driver.open_shift(cashier()).unwrap();
    emulator.with_device(|d| d.clear_command_log());
    (emulator, driver)
}

fn open() -> (Emulator<ShtrihDevice>, Driver) {
    open_with(settings())
}

fn codes(emulator: &Emulator<ShtrihDevice>) -> Vec<u16> {
    emulator.with_device(|d| d.command_codes())
}

#[test]
fn each_verdict_of_the_marking_system() {
    let (emulator, mut driver) = open();
    let verdict = |driver: &mut Driver, answer| {
        emulator.with_device(|d| d.set_marking_answer(answer));
        let result = driver.check_marking_code(check(CIGARETTES)).unwrap();
        driver
            .decide_marking_code(MarkingDecision::Decline)
            .unwrap();
        result
    };

    let MarkingCheckResult::Checked(v) = verdict(&mut driver, MarkingAnswer::Valid) else {
        panic!("a valid code is checked");
    };
    assert_eq!((v.result_bits, v.item_status), (15, Some(1)));
    assert_eq!(v.code_type, 5);
    assert_eq!(v.message, "code valid");

    let MarkingCheckResult::Checked(v) = verdict(&mut driver, MarkingAnswer::Invalid) else {
        panic!("an invalid code is checked");
    };
    assert_eq!(v.result_bits, 0b0101);
    assert!(v.message.contains("crypto check failed"), "{}", v.message);

    let MarkingCheckResult::Checked(v) = verdict(&mut driver, MarkingAnswer::UnknownOrSold) else {
        panic!("an unknown code is checked");
    };
    assert_eq!((v.result_bits, v.item_status), (0b0111, None));
    assert!(v.message.contains("sold already"), "{}", v.message);

    let MarkingCheckResult::Checked(v) = verdict(&mut driver, MarkingAnswer::StatusMismatch) else {
        panic!("a mismatch is checked");
    };
    assert_eq!((v.result_bits, v.item_status), (0b0111, Some(2)));
    assert!(v.message.contains("status mismatch"), "{}", v.message);

    let MarkingCheckResult::OismOffline(v) = verdict(&mut driver, MarkingAnswer::Unreachable)
    else {
        panic!("an unreachable system is offline");
    };
    assert_eq!((v.result_bits, v.item_status), (0b11, None));
    assert!(v.message.contains("unreachable"), "{}", v.message);
    assert!(v.message.contains("check passed"), "{}", v.message);

    // The drive refuses the check (marked goods not allowed): no check could be made.
    emulator.with_device(|d| d.set_marking_answer(MarkingAnswer::Refused(0xA0)));
    let MarkingCheckResult::NotPossible(why) =
        driver.check_marking_code(check(CIGARETTES)).unwrap()
    else {
        panic!("a refused check is not possible");
    };
    assert!(why.contains("A0h"), "{why}");
    // Nothing was checked, so there is nothing to decide on: the drive says so.
    let e = driver
        .decide_marking_code(MarkingDecision::Accept)
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::FiscalDrive);

    // A code no scanner reads (not ASCII) never reaches the register.
    emulator.with_device(|d| d.clear_command_log());
    let MarkingCheckResult::NotPossible(why) = driver.check_marking_code(check("код")).unwrap()
    else {
        panic!("a non-ASCII code is not possible");
    };
    assert!(why.contains("ASCII"), "{why}");
    assert!(codes(&emulator).is_empty());
}

#[test]
fn the_check_carries_the_code_and_the_measured_quantity() {
    let (emulator, mut driver) = open();
    let mut c = check(WATER);
    c.marking.planned_status = PlannedStatus::MeasuredSold;
    c.quantity = 1_500;
    c.measure = 41; // litre
    driver.check_marking_code(c).unwrap();
    let sent = emulator.with_device(|d| d.command_log()[0].clone());
    assert_eq!(sent.code, 0xFF61);
    assert_eq!(sent.marking_code().as_deref(), Some(WATER));
    assert_eq!(&sent.data[..4], 30u32.to_le_bytes());
    assert_eq!(&sent.data[4..6], [2, 0]); // measured goods sold, mode 0
    let tlvs = &sent.data[8 + WATER.len()..];
    // 2108 = 41, 1023 = FVLN 3 decimals 1500.
    assert_eq!(
        tlvs,
        [0x3C, 0x08, 1, 0, 41, 0xFF, 0x03, 3, 0, 3, 0xDC, 0x05]
    );
}

#[test]
fn a_sale_binds_each_code_right_before_its_position() {
    let (emulator, mut driver) = open();
    for code in [CIGARETTES, WATER] {
        let MarkingCheckResult::Checked(_) = driver.check_marking_code(check(code)).unwrap() else {
            panic!("checked");
        };
        driver.decide_marking_code(MarkingDecision::Accept).unwrap();
    }
    assert_eq!(
        emulator.with_device(|d| d.accepted_marking_codes()),
        [CIGARETTES, WATER]
    );
    let sale = receipt(
        DocumentKind::Sale,
        vec![
            item("Сигареты", 21_000, Some(CIGARETTES)),
            item("Хлеб", 5_000, None),
            item("Вода", 8_900, Some(WATER)),
        ],
    );
    driver.register_receipt(sale).unwrap();

    let log = emulator.with_device(|d| d.command_log().to_vec());
    let marking_path: Vec<(u16, Option<String>)> = log
        .iter()
        .filter(|c| matches!(c.code, 0xFF61 | 0xFF69 | 0xFF67 | 0xFF46 | 0x8D | 0xFF45))
        .map(|c| (c.code, c.marking_code()))
        .collect();
    let s = |c: &str| Some(c.to_string());
    assert_eq!(
        marking_path,
        [
            (0xFF61, s(CIGARETTES)),
            (0xFF69, None),
            (0xFF61, s(WATER)),
            (0xFF69, None),
            (0x8D, None),
            (0xFF67, s(CIGARETTES)),
            (0xFF46, None),
            (0xFF46, None),
            (0xFF67, s(WATER)),
            (0xFF46, None),
            (0xFF45, None),
        ]
    );
    // Both decisions were "accept" (FF69h's last byte).
    assert!(
        log.iter()
            .filter(|c| c.code == 0xFF69)
            .all(|c| c.data[4..] == [1])
    );
    // Tag 1162 never goes (FFD 1.2 forbids it): no TLV of that tag was sent.
    assert!(
        !log.iter()
            .any(|c| c.code == 0xFF0C && c.data[4..6] == 1162u16.to_le_bytes())
    );

    let r = emulator.with_device(|d| d.receipts()[0].clone());
    assert_eq!(
        r.marking_codes(),
        [Some(CIGARETTES.to_string()), None, Some(WATER.to_string())]
    );
    assert_eq!(r.total, 34_900);
    // The codes went with the receipt: a new receipt needs new checks.
    assert!(
        emulator
            .with_device(|d| d.accepted_marking_codes())
            .is_empty()
    );
}

#[test]
fn a_declined_or_unchecked_code_is_refused_by_the_drive_and_the_receipt_cancelled() {
    let (emulator, mut driver) = open();
    driver.check_marking_code(check(CIGARETTES)).unwrap();
    driver
        .decide_marking_code(MarkingDecision::Decline)
        .unwrap();
    let sale = receipt(
        DocumentKind::Sale,
        vec![item("Сигареты", 21_000, Some(CIGARETTES))],
    );
    let e = driver.register_receipt(sale).unwrap_err();
    assert_eq!((e.class, e.vendor_code), (ErrorClass::FiscalDrive, 0xAC));
    assert!(emulator.with_device(|d| d.receipts().is_empty()));
    assert!(!emulator.with_device(|d| d.receipt_open()));
    assert_eq!(codes(&emulator).last(), Some(&0x88));
}

#[test]
fn a_slow_marking_system_is_waited_for_with_the_marking_timeout() {
    // `timeout-ms` shorter than the marking system's answer; `marking-timeout-ms` longer.
    let (emulator, mut driver) = open_with(Settings {
        timeout: Duration::from_millis(300),
        marking_timeout: Duration::from_millis(3_000),
        ..Settings::default()
    });
    emulator.with_device(|d| d.set_marking_delay(Duration::from_millis(900)));
    // The driver's last ACK may still be on its way to the emulator: let the line settle
    // before each count.
    let settled = || {
        std::thread::sleep(Duration::from_millis(100));
        emulator.traffic().0
    };
    let sent_before = settled();
    let started = Instant::now();
    let result = driver.check_marking_code(check(CIGARETTES)).unwrap();
    let took = started.elapsed();
    let sent_after = settled();
    assert!(
        matches!(result, MarkingCheckResult::Checked(_)),
        "{result:?}"
    );
    assert!(took >= Duration::from_millis(900), "{took:?}");
    // One ENQ, the FF61h frame, one ACK of the answer: the driver waited the answer out
    // instead of asking for it again after `timeout-ms`.
    let frame = 2 + 2 + 4 + 4 + CIGARETTES.len() + 1;
    assert_eq!(sent_after - sent_before, (1 + frame + 1) as u64);
    // Every other command keeps `timeout-ms`, and the delay is FF61h's alone.
    driver.decide_marking_code(MarkingDecision::Accept).unwrap();
    driver.status().unwrap();
}

#[test]
fn a_marking_code_on_an_expense_is_refused_before_anything_is_sent() {
    let (emulator, mut driver) = open();
    for kind in [DocumentKind::Expense, DocumentKind::ExpenseReturn] {
        let e = driver
            .register_receipt(receipt(
                kind,
                vec![item("Сигареты", 21_000, Some(CIGARETTES))],
            ))
            .unwrap_err();
        assert_eq!(e.class, ErrorClass::Unsupported);
        assert!(e.message.contains("marking"), "{}", e.message);
    }
    assert!(codes(&emulator).is_empty());
}

fn correction(basis: CorrectionBasis, order_number: Option<&str>) -> CorrectionReceipt {
    let items = vec![item("Хлеб", 5_000, None), item("Молоко", 9_000, None)];
    CorrectionReceipt {
        kind: DocumentKind::Sale,
        correction: Correction {
            basis,
            base_date: Date {
                year: 2026,
                month: 2,
                day: 27,
            },
            order_number: order_number.map(String::from),
        },
        cashier: cashier(),
        items,
        payments: payments(14_000),
        total: 14_000,
        taxation_system: 0,
    }
}

/// 2026-02-27 00:00 UTC as tag 1178 carries it.
const FEB_27: u32 = 1_772_150_400;

#[test]
fn correction_receipts_self_initiated_and_by_order() {
    let (emulator, mut driver) = open();
    let result = driver
        .register_correction(correction(CorrectionBasis::SelfInitiated, None))
        .unwrap();
    let r = emulator.with_device(|d| d.receipts()[0].clone());
    let c = r.correction.clone().expect("a correction receipt");
    assert_eq!((c.basis, c.base_date, c.order_number), (0, FEB_27, None));
    assert_eq!((r.operation, r.total, r.items.len()), (1, 14_000, 2));
    assert_eq!(r.document_number, result.document_number);
    let doc = emulator.with_device(|d| d.last_document().clone());
    assert_eq!((doc.kind, doc.amount), (DOC_CORRECTION, Some(14_000)));
    assert_eq!(driver.last_fiscal_document().unwrap().amount, Some(14_000));
    // 8Dh with 80h (correction of a sale), then 1173 and 1174 before the items.
    let log = emulator.with_device(|d| d.command_log().to_vec());
    let open = log.iter().position(|c| c.code == 0x8D).unwrap();
    assert_eq!(log[open].data[4..], [0x80]);
    assert_eq!(log[open + 1].code, 0xFF0C);
    assert_eq!(log[open + 1].data[4..], [0x95, 0x04, 1, 0, 0]);
    assert_eq!(log[open + 2].data[4..6], 1174u16.to_le_bytes());

    driver
        .register_correction(correction(CorrectionBasis::ByOrder, Some("12-34/567")))
        .unwrap();
    let r = emulator.with_device(|d| d.receipts()[1].clone());
    let c = r.correction.unwrap();
    assert_eq!(
        (c.basis, c.base_date, c.order_number.as_deref()),
        (1, FEB_27, Some("12-34/567"))
    );

    // By order without the order's number, or with a marked item: refused, nothing sent.
    emulator.with_device(|d| d.clear_command_log());
    let e = driver
        .register_correction(correction(CorrectionBasis::ByOrder, None))
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Unsupported);
    let mut marked = correction(CorrectionBasis::SelfInitiated, None);
    marked.items[0].marking = item("Хлеб", 5_000, Some(CIGARETTES)).marking;
    let e = driver.register_correction(marked).unwrap_err();
    assert_eq!(e.class, ErrorClass::Unsupported);
    assert!(e.message.contains("marking"), "{}", e.message);
    assert!(codes(&emulator).is_empty());
    assert_eq!(emulator.with_device(|d| d.receipts().len()), 2);
}

#[test]
fn each_document_joins_the_ofd_queue_until_it_is_drained() {
    let (emulator, mut driver) = open();
    // The shift-open report waits for the OFD.
    assert_eq!(driver.fiscal_drive_status().unwrap().unsent_documents, 1);
    let sale = receipt(DocumentKind::Sale, vec![item("Хлеб", 5_000, None)]);
    driver.register_receipt(sale.clone()).unwrap();
    assert_eq!(driver.fiscal_drive_status().unwrap().unsent_documents, 2);
    driver
        .register_correction(correction(CorrectionBasis::SelfInitiated, None))
        .unwrap();
    let st = driver.fiscal_drive_status().unwrap();
    assert_eq!((st.unsent_documents, st.first_unsent_number), (3, Some(2)));
    assert_eq!(emulator.with_device(|d| d.drain_ofd_queue()), 3);
    let st = driver.fiscal_drive_status().unwrap();
    assert_eq!((st.unsent_documents, st.first_unsent_number), (0, None));
    // With the OFD away a drain sends nothing; back, the queue goes at once.
    emulator.with_device(|d| d.set_ofd_online(false));
    driver.register_receipt(sale).unwrap();
    assert_eq!(emulator.with_device(|d| d.drain_ofd_queue()), 0);
    assert_eq!(driver.fiscal_drive_status().unwrap().unsent_documents, 1);
    emulator.with_device(|d| d.set_ofd_online(true));
    assert_eq!(driver.fiscal_drive_status().unwrap().unsent_documents, 0);
}
