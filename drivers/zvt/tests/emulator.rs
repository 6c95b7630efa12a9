//! The driver's operations end to end against the emulator, over an in-process line, in both
//! framings: payments, reversals, refunds, declines, and every fault the emulator can play.

use std::os::unix::net::UnixStream;
use std::time::Duration;

use driver_kit::StreamPort;
use emulator_kit::{Emulator, Fault};
use zvt_driver::{
    ErrorClass, Framing, Outcome, Settings, cancel, describe, last_transaction, pay, refund,
};
use zvt_emulator::{Kind, Stamp, ZvtDevice};

const CLOCK: Stamp = Stamp {
    year: 2026,
    month: 3,
    day: 14,
    hour: 12,
    minute: 30,
    second: 5,
};

struct Rig {
    emulator: Emulator<ZvtDevice>,
    port: StreamPort<UnixStream>,
    settings: Settings,
}

impl Rig {
    fn new(framing: Framing) -> Self {
        let device = match framing {
            Framing::Tcp => ZvtDevice::tcp(),
            Framing::Serial => ZvtDevice::serial(),
        };
        let emulator = Emulator::new(device);
        emulator.with_device(|d| d.set_clock(Some(CLOCK)));
        let port = StreamPort(emulator.connect().unwrap());
        let settings = Settings {
            framing,
            timeout: Duration::from_millis(2000),
            ..Settings::default()
        };
        Self {
            emulator,
            port,
            settings,
        }
    }

    /// A fresh line, as the host reopens one after a drop.
    fn reconnect(&mut self) {
        self.port = StreamPort(self.emulator.connect().unwrap());
    }

    fn pay(&mut self, amount: i64) -> zvt_driver::Transaction {
        pay(&mut self.port, &self.settings, amount).unwrap()
    }
}

fn both(test: impl Fn(Framing)) {
    test(Framing::Tcp);
    test(Framing::Serial);
}

#[test]
fn pay_is_approved_with_rrn_and_auth_id() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        let t = rig.pay(2469);
        assert_eq!(t.outcome, Outcome::Approved, "{framing:?}");
        assert_eq!(t.amount, 2469);
        assert_eq!(t.rrn, "29110042000001");
        assert_eq!(t.auth_id, 1);
        assert_eq!(t.auth_code.len(), 6);
        assert_eq!(t.card_number, "220070******6781");
        assert_eq!(t.response_code, 0);
        assert_eq!(t.text, "approved");
        let dt = t.date_time.unwrap();
        assert_eq!(
            (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second),
            (2026, 3, 14, 12, 30, 5)
        );

        let second = rig.pay(100);
        assert_eq!(second.rrn, "29110042000002");
        assert_eq!(second.auth_id, 2);
        assert_eq!(second.card_number, "427638******5674");
        rig.emulator.with_device(|d| {
            let txs = d.transactions();
            assert_eq!(txs.len(), 2);
            assert_eq!(txs[0].rrn, t.rrn);
            assert_eq!(txs[0].auth_code, t.auth_code);
            assert_eq!(txs[0].receipt_no, Some(1));
        });
    });
}

#[test]
fn cancel_by_auth_id_reverses_the_payment() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        let paid = rig.pay(2469);
        let reversed = cancel(&mut rig.port, &rig.settings, paid.auth_id).unwrap();
        assert_eq!(reversed.outcome, Outcome::Approved);
        assert_eq!(reversed.amount, 2469);
        assert_eq!(reversed.card_number, paid.card_number);
        assert_ne!(reversed.auth_id, paid.auth_id);
        rig.emulator.with_device(|d| {
            assert!(d.transactions()[0].reversed);
            assert_eq!(d.transactions()[1].kind, Kind::Reversal);
            assert_eq!(d.transactions()[1].original_trace, Some(1));
        });

        let again = cancel(&mut rig.port, &rig.settings, paid.auth_id).unwrap();
        assert_eq!(again.outcome, Outcome::Declined);
        assert_eq!(
            again.response_code,
            u32::from(zvt_emulator::ALREADY_REVERSED)
        );
        let unknown = cancel(&mut rig.port, &rig.settings, 77).unwrap();
        assert_eq!(unknown.outcome, Outcome::Declined);
        assert_eq!(
            unknown.response_code,
            u32::from(zvt_emulator::REVERSAL_NOT_POSSIBLE)
        );
        assert_eq!(unknown.text, "reversal not possible");
        let too_big = cancel(&mut rig.port, &rig.settings, 10_000).unwrap_err();
        assert_eq!(too_big.class, ErrorClass::Unsupported);
    });
}

#[test]
fn refund_by_rrn_and_amount() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        let paid = rig.pay(5000);
        let part = refund(&mut rig.port, &rig.settings, &paid.rrn, 2000).unwrap();
        assert_eq!(part.outcome, Outcome::Approved, "{framing:?}");
        assert_eq!(part.amount, 2000);
        assert_eq!(part.card_number, paid.card_number);
        let above = refund(&mut rig.port, &rig.settings, &paid.rrn, 3001).unwrap();
        assert_eq!(above.outcome, Outcome::Declined);
        assert_eq!(above.response_code, u32::from(zvt_emulator::AMOUNT_WRONG));
        let rest = refund(&mut rig.port, &rig.settings, &paid.rrn, 3000).unwrap();
        assert_eq!(rest.outcome, Outcome::Approved);
        rig.emulator
            .with_device(|d| assert_eq!(d.transactions()[0].refunded, 5000));

        let unknown = refund(&mut rig.port, &rig.settings, "29110042999999", 1).unwrap();
        assert_eq!(unknown.outcome, Outcome::Declined);
        assert_eq!(unknown.response_code, u32::from(zvt_emulator::NOT_POSSIBLE));
        let other_terminal = refund(&mut rig.port, &rig.settings, "12345678000001", 1).unwrap();
        assert_eq!(other_terminal.outcome, Outcome::Declined);
        let foreign = refund(&mut rig.port, &rig.settings, "LINK_916913195426", 1).unwrap_err();
        assert_eq!(foreign.class, ErrorClass::Unsupported);

        // Without the reference the terminal refunds the amount to the card presented.
        let plain = Settings {
            refund_reference: false,
            ..rig.settings.clone()
        };
        let t = refund(&mut rig.port, &plain, "LINK_916913195426", 700).unwrap();
        assert_eq!(t.outcome, Outcome::Approved);
        rig.emulator
            .with_device(|d| assert_eq!(d.transactions().last().unwrap().original_trace, None));
    });
}

#[test]
fn declines_are_transactions_with_the_result_code() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        rig.emulator.with_device(|d| d.decline_next(0x51));
        let t = rig.pay(2469);
        assert_eq!(t.outcome, Outcome::Declined);
        assert_eq!(t.response_code, 0x51);
        assert_eq!(t.auth_id, 0);
        assert_eq!(t.rrn, "29110042000001");
        assert_eq!(t.text, "declined by the authorisation system (code 51)");
        let by_rule = rig.pay(1013);
        assert_eq!(by_rule.outcome, Outcome::Declined);
        assert_eq!(by_rule.response_code, u32::from(zvt_emulator::DECLINED));
        let ok = rig.pay(1014);
        assert_eq!(ok.outcome, Outcome::Approved);
        assert_eq!(ok.auth_id, 1);

        let wrong_currency = Settings {
            currency: 978,
            ..rig.settings.clone()
        };
        let t = pay(&mut rig.port, &wrong_currency, 100).unwrap();
        assert_eq!(t.outcome, Outcome::Declined);
        assert_eq!(t.response_code, u32::from(zvt_emulator::WRONG_CURRENCY));
        assert_eq!(
            pay(&mut rig.port, &rig.settings, 0).unwrap_err().class,
            ErrorClass::Unsupported
        );
    });
}

#[test]
fn describe_registers_and_reads_the_version() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        let info = describe(&mut rig.port, &rig.settings).unwrap();
        assert_eq!(info.serial_number, "29110042");
        assert_eq!(info.firmware, zvt_emulator::SOFTWARE_VERSION);
        assert_eq!(
            rig.emulator.with_device(|d| d.registered()),
            Some(zvt_driver::commands::CONFIG_BYTE)
        );

        let wrong = Settings {
            password: 123456,
            ..rig.settings.clone()
        };
        let e = describe(&mut rig.port, &wrong).unwrap_err();
        assert_eq!((e.class, e.vendor_code), (ErrorClass::Unsupported, 0x83));
    });
}

#[test]
fn last_transaction_asks_the_terminal() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        assert_eq!(
            last_transaction(&mut rig.port, &rig.settings).unwrap(),
            None
        );
        let paid = rig.pay(2469);
        rig.pay(1013); // declined: not the last one the terminal repeats
        let last = last_transaction(&mut rig.port, &rig.settings)
            .unwrap()
            .unwrap();
        assert_eq!(last, paid);
    });
}

/// Settings that give up quickly, for the faults that make the driver wait.
fn impatient(rig: &Rig) -> Settings {
    Settings {
        timeout: Duration::from_millis(300),
        ..rig.settings.clone()
    }
}

#[test]
fn no_reply_is_a_communication_error_and_the_next_payment_works() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        rig.emulator.faults().inject(Fault::NoReply);
        let quick = impatient(&rig);
        let e = pay(&mut rig.port, &quick, 100).unwrap_err();
        assert_eq!(e.class, ErrorClass::Communication, "{framing:?}");
        assert!(rig.emulator.with_device(|d| d.transactions().is_empty()));
        assert_eq!(rig.pay(100).outcome, Outcome::Approved);
    });
}

#[test]
fn slow_replies_within_the_timeout_work_and_beyond_it_fail() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        rig.emulator
            .faults()
            .inject(Fault::SlowReply(Duration::from_millis(100)));
        assert_eq!(rig.pay(100).outcome, Outcome::Approved);

        rig.emulator
            .faults()
            .inject(Fault::SlowReply(Duration::from_millis(500)));
        let quick = impatient(&rig);
        let e = pay(&mut rig.port, &quick, 100).unwrap_err();
        assert_eq!(e.class, ErrorClass::Communication);
        rig.emulator.faults().clear();
        // The late answer arrives; the next operation drops it and starts afresh.
        std::thread::sleep(Duration::from_millis(700));
        let t = rig.pay(200);
        assert_eq!(t.outcome, Outcome::Approved, "{framing:?}");
        assert_eq!(t.amount, 200);
    });
}

#[test]
fn a_line_dropped_mid_frame_is_a_communication_error() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        rig.emulator.faults().inject(Fault::DisconnectMidFrame);
        let e = pay(&mut rig.port, &rig.settings, 100).unwrap_err();
        assert_eq!(e.class, ErrorClass::Communication);
        rig.reconnect();
        assert_eq!(rig.pay(300).outcome, Outcome::Approved);
        // The dropped payment was booked before the line went: the terminal's batch shows it.
        assert_eq!(rig.emulator.with_device(|d| d.transactions().len()), 2);
    });
}

#[test]
fn serial_nak_and_corrupt_checksum_are_retried() {
    let mut rig = Rig::new(Framing::Serial);
    rig.emulator.faults().inject(Fault::Nak);
    assert_eq!(rig.pay(100).outcome, Outcome::Approved);
    rig.emulator.faults().inject(Fault::CorruptChecksum);
    assert_eq!(rig.pay(200).outcome, Outcome::Approved);
    rig.emulator.faults().inject(Fault::Nak);
    rig.emulator.faults().inject(Fault::CorruptChecksum);
    let t = cancel(&mut rig.port, &rig.settings, 1).unwrap();
    assert_eq!(t.outcome, Outcome::Approved);

    // Three NAKs in a row: the driver gives up, and the next command goes through.
    for _ in 0..3 {
        rig.emulator.faults().inject(Fault::Nak);
    }
    let e = pay(&mut rig.port, &rig.settings, 100).unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    assert!(e.message.contains("NAK"), "{e}");
    assert_eq!(rig.pay(400).outcome, Outcome::Approved);
}

#[test]
fn checksum_faults_do_not_touch_a_tcp_line() {
    let mut rig = Rig::new(Framing::Tcp);
    rig.emulator.faults().inject(Fault::Nak);
    rig.emulator.faults().inject(Fault::CorruptChecksum);
    assert_eq!(rig.pay(100).outcome, Outcome::Approved);
}

#[test]
fn a_framing_mismatch_is_a_communication_error() {
    let mut rig = Rig::new(Framing::Serial);
    let tcp = Settings {
        framing: Framing::Tcp,
        ..impatient(&rig)
    };
    let e = pay(&mut rig.port, &tcp, 100).unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
}

#[test]
fn the_emulator_serves_tcp() {
    let emulator = zvt_emulator::emulator();
    let (addr, _) = emulator.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let mut port = StreamPort(std::net::TcpStream::connect(addr).unwrap());
    let t = pay(&mut port, &Settings::default(), 2469).unwrap();
    assert_eq!(t.outcome, Outcome::Approved);
    assert_eq!(emulator.with_device(|d| d.transactions().len()), 1);
}
