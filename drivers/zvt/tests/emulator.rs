//! The driver's operations end to end against the emulator, over an in-process line, in both
//! framings: payments, reversals, refunds, declines, every fault the emulator can play, the
//! abort of a conversation the driver gives up, and counters started near their wrap.

use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

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

/// Waits (a little) for the terminal to have taken the driver's last acknowledgement: the
/// driver does not wait for it, the emulator's pump thread takes it a moment later.
fn idle_soon(rig: &Rig) -> bool {
    for _ in 0..100 {
        if !rig.emulator.with_device(|d| d.is_master()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
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

        // The driver gives up before the terminal's 80 00 00 came: it never knew the terminal
        // took the command, so it sends no abort. The terminal, master, waits for an
        // acknowledgement that never comes and gives the conversation up after its own
        // timeout.
        rig.emulator
            .with_device(|d| d.set_ack_timeout(Duration::from_millis(300)));
        rig.emulator
            .faults()
            .inject(Fault::SlowReply(Duration::from_millis(500)));
        let quick = impatient(&rig);
        let e = pay(&mut rig.port, &quick, 100).unwrap_err();
        assert_eq!(e.class, ErrorClass::Communication);
        rig.emulator.faults().clear();
        // The late answer arrives; the next operation drops it and starts afresh.
        std::thread::sleep(Duration::from_millis(900));
        assert!(idle_soon(&rig));
        let t = rig.pay(200);
        assert_eq!(t.outcome, Outcome::Approved, "{framing:?}");
        assert_eq!(t.amount, 200);
        rig.emulator.with_device(|d| {
            assert_eq!(d.protocol_errors(), 0);
            assert!(d.aborts().is_empty());
        });
    });
}

/// The customer is slow at the PIN pad: the terminal has taken the payment and waits.
fn slow_customer(rig: &Rig, delay: Duration) {
    rig.emulator
        .with_device(|d| d.set_authorisation_delay(Some(delay)));
}

/// Settings that give up after 200 ms.
fn hasty(rig: &Rig) -> Settings {
    Settings {
        timeout: Duration::from_millis(200),
        ..rig.settings.clone()
    }
}

#[test]
fn a_timeout_while_the_customer_is_slow_aborts_and_nothing_is_charged() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        slow_customer(&rig, Duration::from_secs(2));
        let hasty = hasty(&rig);
        let started = Instant::now();
        let t = pay(&mut rig.port, &hasty, 2469).unwrap();
        assert!(started.elapsed() < Duration::from_secs(2), "{framing:?}");
        assert_eq!(t.outcome, Outcome::Declined, "{framing:?}");
        assert_eq!(t.response_code, u32::from(zvt_emulator::ABORTED));
        assert_eq!(t.text, "aborted by timeout or the abort key");
        assert_eq!((t.auth_id, t.rrn.as_str()), (0, ""));
        rig.emulator.with_device(|d| {
            assert!(d.transactions().is_empty(), "nothing booked");
            assert_eq!(d.aborts().len(), 1, "one abort");
            let abort = &d.aborts()[0];
            assert!(abort.aborted);
            assert_eq!(abort.during, Some([0x06, 0x01]));
            assert_eq!(
                (abort.kind, abort.amount),
                (Some(Kind::Payment), Some(2469))
            );
        });
        assert!(idle_soon(&rig), "the abort ended the conversation");

        // The next payment on the same line goes through, with no protocol error.
        rig.emulator
            .with_device(|d| d.set_authorisation_delay(None));
        let next = rig.pay(100);
        assert_eq!(next.outcome, Outcome::Approved, "{framing:?}");
        assert_eq!((next.auth_id, next.rrn.as_str()), (1, "29110042000001"));
        rig.emulator.with_device(|d| {
            assert_eq!(d.protocol_errors(), 0);
            assert_eq!(d.aborts().len(), 1);
        });
        assert_eq!(
            last_transaction(&mut rig.port, &rig.settings).unwrap(),
            Some(next)
        );
    });
}

#[test]
fn a_customer_quicker_than_the_timeout_is_approved() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        slow_customer(&rig, Duration::from_millis(150));
        let started = Instant::now();
        let t = rig.pay(2469);
        assert!(started.elapsed() >= Duration::from_millis(150));
        assert_eq!(t.outcome, Outcome::Approved, "{framing:?}");
        let reversed = cancel(&mut rig.port, &rig.settings, t.auth_id).unwrap();
        assert_eq!(reversed.outcome, Outcome::Approved);
        rig.emulator.with_device(|d| {
            assert_eq!(d.transactions().len(), 2);
            assert!(d.aborts().is_empty());
        });
    });
}

#[test]
fn a_refund_and_a_reversal_wait_for_the_customer_too() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        let paid = rig.pay(5000);
        slow_customer(&rig, Duration::from_secs(2));
        let hasty = hasty(&rig);
        let refunded = refund(&mut rig.port, &hasty, &paid.rrn, 1000).unwrap();
        assert_eq!(refunded.outcome, Outcome::Declined, "{framing:?}");
        assert_eq!(refunded.response_code, 0x6C);
        let reversed = cancel(&mut rig.port, &hasty, paid.auth_id).unwrap();
        assert_eq!(reversed.outcome, Outcome::Declined);
        rig.emulator.with_device(|d| {
            assert_eq!(d.transactions().len(), 1, "only the payment");
            assert_eq!(
                (d.transactions()[0].refunded, d.transactions()[0].reversed),
                (0, false)
            );
            let kinds: Vec<_> = d.aborts().iter().map(|a| a.kind).collect();
            assert_eq!(kinds, [Some(Kind::Refund), Some(Kind::Reversal)]);
        });
    });
}

#[test]
fn the_abort_works_over_the_inline_line_the_host_uses() {
    let emulator = Emulator::new(ZvtDevice::tcp().with_authorisation_delay(Duration::from_secs(2)));
    let mut line = emulator.connect_inline();
    let settings = Settings {
        timeout: Duration::from_millis(200),
        ..Settings::default()
    };
    let t = pay(&mut line, &settings, 100).unwrap();
    assert_eq!((t.outcome, t.response_code), (Outcome::Declined, 0x6C));
    emulator.with_device(|d| d.set_authorisation_delay(Some(Duration::from_millis(50))));
    let t = pay(&mut line, &settings, 100).unwrap();
    assert_eq!(t.outcome, Outcome::Approved);
    emulator.with_device(|d| {
        assert_eq!(d.transactions().len(), 1);
        assert_eq!(d.aborts().len(), 1);
        assert_eq!(d.protocol_errors(), 0);
    });
}

#[test]
fn a_command_while_the_terminal_is_master_is_a_protocol_error() {
    both(|framing| {
        let mut rig = Rig::new(framing);
        // The driver gives up before the terminal's late 80 00 00: the terminal stays master,
        // waiting for an acknowledgement.
        rig.emulator
            .faults()
            .inject(Fault::SlowReply(Duration::from_millis(600)));
        let quick = impatient(&rig);
        let e = pay(&mut rig.port, &quick, 100).unwrap_err();
        assert_eq!(e.class, ErrorClass::Communication);
        rig.emulator.faults().clear();
        std::thread::sleep(Duration::from_millis(500));
        assert!(rig.emulator.with_device(|d| d.is_master()));
        let refused = pay(&mut rig.port, &rig.settings, 200).unwrap_err();
        assert_eq!(
            (refused.class, refused.vendor_code),
            (ErrorClass::WrongState, u32::from(zvt_emulator::BUSY)),
            "{framing:?}: {refused}"
        );
        rig.emulator.with_device(|d| {
            assert_eq!(d.protocol_errors(), 1);
            assert_eq!(d.protocol_error_log()[0].during, [0x06, 0x01]);
            assert_eq!(&d.protocol_error_log()[0].command[..2], [0x06, 0x01]);
            assert_eq!(
                d.transactions().len(),
                1,
                "the second payment never started"
            );
        });
        // A reopened line ends the conversation; the booked payment stays booked. (First the
        // old line's pump takes the driver's last ACK, which would otherwise reach the device
        // after the new line's command.)
        std::thread::sleep(Duration::from_millis(100));
        rig.reconnect();
        assert_eq!(rig.pay(300).outcome, Outcome::Approved);
        assert_eq!(rig.emulator.with_device(|d| d.transactions().len()), 2);
    });
}

#[test]
fn counters_started_near_the_wrap_run_on_through_it() {
    both(|framing| {
        let device = match framing {
            Framing::Tcp => ZvtDevice::tcp(),
            Framing::Serial => ZvtDevice::serial(),
        };
        let mut rig = Rig::new(framing);
        rig.emulator = Emulator::new(device.with_first_numbers(999_998, 9_998));
        rig.reconnect();
        let first = rig.pay(100);
        let second = rig.pay(200);
        let third = rig.pay(300);
        let numbers = [&first, &second, &third].map(|t| (t.rrn.clone(), t.auth_id));
        assert_eq!(
            numbers,
            [
                ("29110042999998".to_string(), 9_998),
                ("29110042999999".to_string(), 9_999),
                ("29110042000001".to_string(), 1),
            ],
            "{framing:?}"
        );
        // The numbers around the wrap still name their payments.
        let refunded = refund(&mut rig.port, &rig.settings, &second.rrn, 200).unwrap();
        assert_eq!(refunded.outcome, Outcome::Approved);
        assert_eq!(refunded.auth_id, 2);
        let reversed = cancel(&mut rig.port, &rig.settings, first.auth_id).unwrap();
        assert_eq!(reversed.outcome, Outcome::Approved);
        assert_eq!(reversed.amount, 100);
        rig.emulator.with_device(|d| {
            assert!(d.transactions()[0].reversed);
            assert_eq!(d.transactions()[1].refunded, 200);
        });
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
