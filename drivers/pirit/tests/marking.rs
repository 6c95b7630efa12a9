//! Marking codes against the emulator: 0x79/1 check (with its own timeout), 0x79/2 accept or
//! exclude, and the accepted code bound to its position by 0x24 `@code` before the 0x42 it
//! belongs to, in the order `documentation_pirit_fm.md` requires ("Команда для работы с
//! кодом маркировки(КМ) (0x79)", "Установить дополнительные реквизиты позиции (0x24)").

mod common;

use std::time::Duration;

use common::*;
use pirit::types::*;
use pirit_emulator::MarkingAnswer;

const CODE: &str = "010460406000600021N4N57RSCBUZTQ\u{1D}2403004002910161218\u{1D}1724010191ffd0\u{1D}92tIAF/YVoU4roQS3M/m4z78yFq0fc/WsSmLeX5QkF/YVWwy8IMYAeiQ91Xa2z/fFSJcOkb2N+uUUOL6yz3Hsi7Q==";

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

fn marked_sale(code: &str) -> FiscalReceipt {
    let mut shoes = item("Кроссовки", 499000, 1000, Vat::Rate(2200));
    shoes.subject = 33;
    shoes.marking = Some(check(code).marking);
    receipt(
        DocumentKind::Sale,
        vec![item("Пакет", 500, 1000, Vat::Rate(2200)), shoes],
        payments(499500, 0, 499500),
    )
}

#[test]
fn a_valid_code_is_checked_accepted_and_bound_to_its_position_in_the_documents_order() {
    let (emulator, mut driver) = with_shift();
    emulator.with_device(|d| d.clear_command_log());
    let result = driver.check_marking_code(check(CODE)).unwrap();
    let MarkingCheckResult::Checked(verdict) = result else {
        panic!("{result:?}");
    };
    assert_eq!(verdict.result_bits, 15);
    assert_eq!(verdict.item_status, Some(1));
    assert!(
        verdict.message.contains("code valid"),
        "{}",
        verdict.message
    );
    driver.decide_marking_code(MarkingDecision::Accept).unwrap();
    driver.register_receipt(marked_sale(CODE)).unwrap();

    let log = emulator.with_device(|d| d.command_log().to_vec());
    let check_sent = &log.iter().find(|c| c.command == 0x79).unwrap().fields;
    assert_eq!(check_sent[0], "1");
    assert!(
        check_sent[1].contains("$1D"),
        "GS as $1D: {}",
        check_sent[1]
    );
    assert!(!check_sent[1].contains('\u{1D}'));
    assert_eq!(&check_sent[2..], ["0", "1", "1.000", "0", "0"]);
    assert_eq!(
        actions(&emulator),
        [0x79, 0x79, 0x30, 0x42, 0x24, 0x42, 0x44, 0x47, 0x31],
        "check, accept, then the code's 0x24 right before its own position"
    );
    let bind = log.iter().find(|c| c.command == 0x24).unwrap();
    assert!(bind.fields[0].starts_with("@0104604"), "{}", bind.fields[0]);

    let r = emulator.with_device(|d| d.receipts()[0].clone());
    assert_eq!(r.items[0].marking, None);
    assert_eq!(
        r.items[1].marking.as_deref(),
        Some(CODE),
        "GS restored byte for byte"
    );
    assert_eq!(r.items[1].subject, 33);
    assert!(
        emulator.with_device(|d| d.accepted_codes().is_empty()),
        "used up"
    );
}

#[test]
fn a_code_never_checked_cannot_be_bound_and_the_receipt_is_cancelled() {
    let (emulator, mut driver) = with_shift();
    let e = driver.register_receipt(marked_sale(CODE)).unwrap_err();
    assert_eq!(e.class, ErrorClass::FiscalDrive);
    assert_eq!(e.vendor_code, 0x7E);
    assert!(emulator.with_device(|d| d.receipts().is_empty()));
    assert_eq!(emulator.with_device(|d| d.open_document()), None);
}

#[test]
fn a_declined_code_is_forgotten() {
    let (emulator, mut driver) = with_shift();
    emulator.with_device(|d| d.set_marking_answer(MarkingAnswer::Invalid));
    let result = driver.check_marking_code(check(CODE)).unwrap();
    let MarkingCheckResult::Checked(v) = result else {
        panic!("{result:?}");
    };
    assert_eq!(v.result_bits, 5);
    assert!(v.message.contains("invalid"), "{}", v.message);
    driver
        .decide_marking_code(MarkingDecision::Decline)
        .unwrap();
    assert!(emulator.with_device(|d| d.accepted_codes().is_empty()));
    assert!(driver.register_receipt(marked_sale(CODE)).is_err());
    assert!(emulator.with_device(|d| d.receipts().is_empty()));
}

#[test]
fn the_marking_systems_answers_read_as_the_wit_says() {
    let (emulator, mut driver) = with_shift();
    let mut verdict_of = |answer| {
        emulator.with_device(|d| d.set_marking_answer(answer));
        let r = driver.check_marking_code(check(CODE)).unwrap();
        driver
            .decide_marking_code(MarkingDecision::Decline)
            .unwrap();
        r
    };
    match verdict_of(MarkingAnswer::StatusMismatch) {
        MarkingCheckResult::Checked(v) => {
            assert_eq!((v.result_bits, v.item_status), (7, Some(2)));
            assert!(v.message.contains("did not confirm"), "{}", v.message);
        }
        other => panic!("{other:?}"),
    }
    match verdict_of(MarkingAnswer::Unknown) {
        MarkingCheckResult::Checked(v) => assert_eq!((v.result_bits, v.item_status), (7, None)),
        other => panic!("{other:?}"),
    }
    match verdict_of(MarkingAnswer::Unreachable) {
        MarkingCheckResult::OismOffline(v) => {
            assert_eq!((v.result_bits, v.item_status), (3, None));
            assert!(v.message.contains("did not answer"), "{}", v.message);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_second_check_before_a_decision_is_refused_by_the_register() {
    let (_emulator, mut driver) = with_shift();
    driver.check_marking_code(check(CODE)).unwrap();
    let e = driver.check_marking_code(check(CODE)).unwrap_err();
    assert_eq!((e.class, e.vendor_code), (ErrorClass::FiscalDrive, 0x73));
    driver.decide_marking_code(MarkingDecision::Accept).unwrap();
    let e = driver
        .decide_marking_code(MarkingDecision::Accept)
        .unwrap_err();
    assert_eq!(e.vendor_code, 0x73, "no check to decide on");
}

#[test]
fn a_check_may_take_longer_than_a_command_but_not_longer_than_its_own_timeout() {
    let (emulator, mut driver) = with_shift();
    // Longer than `timeout` (1.5 s), shorter than `marking-timeout` (4 s).
    emulator.with_device(|d| d.set_marking_delay(Duration::from_millis(2500)));
    assert!(matches!(
        driver.check_marking_code(check(CODE)).unwrap(),
        MarkingCheckResult::Checked(_)
    ));
    driver
        .decide_marking_code(MarkingDecision::Decline)
        .unwrap();

    emulator.with_device(|d| d.set_marking_delay(Duration::from_millis(5000)));
    let e = driver.check_marking_code(check(CODE)).unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
}

#[test]
fn part_of_a_package_goes_as_n_over_m() {
    let (emulator, mut driver) = with_shift();
    let mut c = check(CODE);
    c.marking.fraction = Some(FractionalQuantity {
        numerator: 1,
        denominator: 10,
    });
    driver.check_marking_code(c.clone()).unwrap();
    driver.decide_marking_code(MarkingDecision::Accept).unwrap();
    let mut pack = item("Сигареты, пачка из блока", 18000, 1000, Vat::Rate(2200));
    pack.marking = Some(c.marking);
    driver
        .register_receipt(receipt(
            DocumentKind::Sale,
            vec![pack],
            payments(18000, 0, 18000),
        ))
        .unwrap();
    let r = emulator.with_device(|d| d.receipts()[0].clone());
    assert_eq!(r.items[0].fraction, Some((1, 10)));
    assert_eq!(r.items[0].amount, 18000);
    assert_eq!(r.items[0].marking.as_deref(), Some(CODE));
}

#[test]
fn marking_codes_belong_to_sales_and_returns_only() {
    let (emulator, mut driver) = with_shift();
    let mut expense = marked_sale(CODE);
    expense.kind = DocumentKind::Expense;
    let e = driver.register_receipt(expense).unwrap_err();
    assert_eq!(e.class, ErrorClass::Unsupported);
    assert!(emulator.with_device(|d| d.receipts().is_empty()));
}
