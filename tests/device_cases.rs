// The device tests, written once and included by `devices.rs` (the built-in drivers, WIT 0.3.0),
// `devices_wit_0_2_0.rs` (the registers as built against 0.2.0) and `devices_wit_0_1_0.rs` (every
// driver as built against 0.1.0), the older builds loaded from the .wasm files kept in
// tests/fixtures/: a driver a vendor shipped keeps working.

use std::sync::Arc;
use std::time::{Duration, Instant};

use emulator_kit::{Emulator, Fault};
use fiscal_host::config::{DeviceConfig, DeviceKind, SerialConfig, TransportConfig};
use fiscal_host::devices::{DeviceError, DeviceHandle, Devices};
use fiscal_host::plugins::Limits;
use fiscal_host::plugins::contract::layout::{Align, Element, Text, TextSize};
use fiscal_host::plugins::contract::register::{ErrorClass, OperationCounters, ShiftState};
use fiscal_host::plugins::contract::terminal::Outcome;
use fiscal_host::transport::Emulators;
use zvt_emulator::ZvtDevice;

/// How the host reaches an emulator in a test.
#[derive(Clone, Copy, Debug)]
enum Way {
    Pty,
    Tcp,
}

fn device(
    id: &str,
    kind: DeviceKind,
    driver: &str,
    transport: TransportConfig,
    settings: &[(&str, &str)],
) -> DeviceConfig {
    let mut text = String::new();
    for (k, v) in settings {
        text.push_str(&format!("{k:?} = {v:?}\n"));
    }
    DeviceConfig {
        id: id.into(),
        kind,
        driver: DRIVERS.source(driver),
        transport,
        settings: toml::from_str(&text).unwrap(),
        operation_timeout_ms: 20_000,
        status_interval_ms: 60_000,
        printer: None,
        terminal: None,
        jurisdiction: None,
        tax: None,
        organisation: None,
    }
}

/// Serves the emulator the given way and returns the transport that reaches it.
fn reach<D: emulator_kit::Device>(emulator: &Emulator<D>, way: Way) -> TransportConfig {
    match way {
        Way::Pty => {
            let (path, _) = emulator.serve_pty().unwrap();
            TransportConfig::Serial(SerialConfig {
                path,
                baud: 115_200,
                data_bits: 8,
                parity: Default::default(),
                stop_bits: 1,
                flow_control: Default::default(),
                read_timeout_ms: 10_000,
            })
        }
        Way::Tcp => {
            let (addr, _) = emulator.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
            TransportConfig::Tcp {
                address: addr.to_string(),
                connect_timeout_ms: 1_000,
            }
        }
    }
}

fn start(configs: &[DeviceConfig], emulators: &Emulators) -> Devices {
    let runtime = common::runtime(Limits::default(), None);
    let devices = Devices::start(configs, &runtime, emulators).unwrap();
    // The run drives the builds it says it does.
    for report in devices.driver_reports() {
        let wit = DRIVERS.version(report.world);
        assert_eq!(report.wit, wit, "{} is of another WIT", report.name);
    }
    devices
}

use common::receipts::{cashier, sale};

async fn open_shift(kkt: &DeviceHandle) -> Result<u32, DeviceError> {
    kkt.open_shift(cashier()).await.map(|r| r.shift_number)
}

async fn register_sale(kkt: &DeviceHandle) -> Result<u32, DeviceError> {
    kkt.register_receipt(sale())
        .await
        .map(|r| r.document_number)
}

async fn shtrih_shift_and_sale(way: Way) {
    let emulator = shtrih_m_emulator::emulator();
    let config = device(
        "kkt",
        DeviceKind::FiscalRegister,
        "shtrih-m",
        reach(&emulator, way),
        &[],
    );
    let devices = start(&[config], &Emulators::default());
    let kkt = devices.get("kkt").unwrap();

    let shift = open_shift(kkt).await.unwrap();
    let result = kkt.register_receipt(sale()).await.unwrap();
    assert_eq!(result.shift_number, shift);
    assert!(!result.fiscal_sign.is_empty());
    let closed = kkt.close_shift(cashier()).await.unwrap();
    assert_eq!(closed.result.shift_number, shift);
    // The Z report's counters: the one sale, 395.35 cash and 1000.00 by card. A 0.1.0 or
    // 0.2.0 register has no `shift-totals`: its shift closes as before, with no counters.
    let counters = closed.counters.map(|c| (c.shift_number, c.sales, c.returns));
    let sold = OperationCounters {
        receipts: 1,
        total: 139535,
        cash: 39535,
        cashless: 100000,
    };
    let expected = DRIVERS
        .counts_shifts()
        .then_some((shift, sold, OperationCounters::default()));
    assert_eq!(counters, expected, "{way:?}");
    let status = kkt.status().await.unwrap();
    assert_eq!(status.shift, ShiftState::Closed);

    emulator.with_device(|d| {
        let receipts = d.receipts();
        assert_eq!(receipts.len(), 1, "{way:?}");
        let r = &receipts[0];
        assert_eq!(r.total, 139535);
        assert_eq!(r.items.len(), 3);
        assert_eq!((r.cash(), r.cashless()), (39535, 100000));
        // taxes 22% and 10% as the register was told them
        assert_eq!((r.taxes[0], r.taxes[1]), (4452 + 18010, 1361));
        assert_eq!(r.document_number, result.document_number);
        assert_eq!(r.fiscal_sign.to_string(), result.fiscal_sign);
        assert!(!d.shift_open());
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn shtrih_m_over_a_pty() {
    shtrih_shift_and_sale(Way::Pty).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shtrih_m_over_tcp() {
    shtrih_shift_and_sale(Way::Tcp).await;
}

fn text(content: &str, align: Align, bold: bool, size: TextSize) -> Element {
    Element::Text(Text {
        content: content.into(),
        align,
        bold,
        size,
    })
}

async fn escpos_prints_and_reads_back(way: Way) {
    let emulator = escpos_emulator::emulator();
    let config = device(
        "printer",
        DeviceKind::Printer,
        "escpos",
        reach(&emulator, way),
        &[("width", "42")],
    );
    let devices = start(&[config], &Emulators::default());
    let printer = devices.get("printer").unwrap();
    let elements = vec![
        text("ООО «Ромашка»", Align::Center, true, TextSize::Normal),
        Element::Separator('-'),
        text("Водка Айс 0,5л 40%", Align::Left, false, TextSize::Normal),
        text("ИТОГ =246.90", Align::Left, true, TextSize::Double),
        Element::Qr("t=20260301T1205&s=246.90&fn=9999078900012345&i=123&fp=1234567890&n=1".into()),
        Element::Feed(2),
        Element::Cut,
    ];
    printer.print(elements).await.unwrap();
    emulator.with_device(|d| {
        let printed = d.printed_text();
        // CP866 has no guillemets: the driver prints the look-alike straight quotes.
        assert!(printed.contains("ООО \"Ромашка\""), "{way:?}: {printed}");
        assert!(printed.contains("Водка Айс 0,5л 40%"), "{printed}");
        assert!(printed.contains(&"-".repeat(42)), "{printed}");
        assert!(printed.contains("ИТОГ =246.90"), "{printed}");
        assert!(d.paper().iter().any(
            |p| matches!(p, escpos_emulator::PaperItem::Qr(q) if q.starts_with("t=20260301T1205"))
        ));
        assert_eq!(d.cuts(), 1);
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn escpos_over_a_pty() {
    escpos_prints_and_reads_back(Way::Pty).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn escpos_over_tcp() {
    escpos_prints_and_reads_back(Way::Tcp).await;
}

async fn zvt_pay_cancel_refund(way: Way) {
    // A serial line carries ZVT in DLE/STX frames with a CRC; TCP carries bare APDUs.
    let (emulator, framing) = match way {
        Way::Pty => (Emulator::new(ZvtDevice::serial()), "serial"),
        Way::Tcp => (Emulator::new(ZvtDevice::tcp()), "tcp"),
    };
    let config = device(
        "terminal",
        DeviceKind::PaymentTerminal,
        "zvt",
        reach(&emulator, way),
        &[("framing", framing)],
    );
    let devices = start(&[config], &Emulators::default());
    let terminal = devices.get("terminal").unwrap();

    let paid = terminal.pay(24690).await.unwrap();
    assert_eq!(paid.outcome, Outcome::Approved, "{way:?}: {paid:?}");
    assert_eq!(paid.amount, 24690);
    let auth_id = paid.auth_id;
    let cancelled = terminal.cancel(auth_id).await.unwrap();
    assert_eq!(cancelled.outcome, Outcome::Approved);

    let paid = terminal.pay(50000).await.unwrap();
    let rrn = paid.rrn.clone();
    let refunded = terminal.refund(rrn, 20000).await.unwrap();
    assert_eq!(refunded.outcome, Outcome::Approved);

    emulator.with_device(|d| {
        let t = d.transactions();
        assert!(t[0].reversed, "{t:?}");
        let second = t.iter().find(|t| t.rrn == paid.rrn).unwrap();
        assert_eq!(second.refunded, 20000);
    });

    emulator.with_device(|d| d.decline_next(0x05));
    let declined = terminal.pay(1000).await.unwrap();
    assert_eq!(declined.outcome, Outcome::Declined);
    assert_eq!(declined.response_code, 0x05);
}

#[tokio::test(flavor = "multi_thread")]
async fn zvt_over_a_pty() {
    zvt_pay_cancel_refund(Way::Pty).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn zvt_over_tcp() {
    zvt_pay_cancel_refund(Way::Tcp).await;
}

/// Unit 0 of each default model, as the tests below inject faults and read records.
fn shtrih(emulators: &Emulators) -> Emulator<shtrih_m_emulator::ShtrihDevice> {
    emulators.get("shtrih-m", 0).unwrap()
}

fn escpos(emulators: &Emulators) -> Emulator<escpos_emulator::EscPosDevice> {
    emulators.get("escpos", 0).unwrap()
}

fn zvt(emulators: &Emulators) -> Emulator<ZvtDevice> {
    emulators.get("zvt", 0).unwrap()
}

/// The embedded default's devices on in-process emulators, with the emulators at hand.
fn embedded() -> (Devices, Emulators) {
    let emulators = Emulators::default();
    let configs = [
        device(
            "kkt",
            DeviceKind::FiscalRegister,
            "shtrih-m",
            TransportConfig::Emulator {
                emulator: "shtrih-m".into(),
                unit: 0,
                baud: None,
            },
            &[("timeout-ms", "500")],
        ),
        device(
            "printer",
            DeviceKind::Printer,
            "escpos",
            TransportConfig::Emulator {
                emulator: "escpos".into(),
                unit: 0,
                baud: None,
            },
            &[("timeout-ms", "300")],
        ),
        device(
            "terminal",
            DeviceKind::PaymentTerminal,
            "zvt",
            TransportConfig::Emulator {
                emulator: "zvt".into(),
                unit: 0,
                baud: None,
            },
            &[("timeout-ms", "500")],
        ),
    ];
    (start(&configs, &emulators), emulators)
}

#[tokio::test(flavor = "multi_thread")]
async fn register_line_glitches_are_retried_and_never_fiscalize_twice() {
    let (devices, emulators) = embedded();
    let kkt = devices.get("kkt").unwrap();
    open_shift(kkt).await.unwrap();
    for glitch in [Fault::Nak, Fault::CorruptChecksum, Fault::NoReply] {
        shtrih(&emulators).faults().inject(glitch);
        let outcome = register_sale(kkt).await;
        assert!(outcome.is_ok(), "{glitch:?}: {outcome:?}");
    }
    shtrih(&emulators)
        .with_device(|d| assert_eq!(d.receipts().len(), 3));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_dropped_mid_frame_is_an_error_then_the_device_comes_back() {
    let (devices, emulators) = embedded();
    let kkt = devices.get("kkt").unwrap();
    open_shift(kkt).await.unwrap();
    shtrih(&emulators)
        .faults()
        .inject(Fault::DisconnectMidFrame);
    let err = register_sale(kkt).await.unwrap_err();
    assert_eq!(err.class(), Some(ErrorClass::Communication), "{err}");
    assert!(!kkt.view().online);
    // After the reconnect backoff the next operation opens a fresh line, and recovery can ask
    // the register what became of the receipt.
    tokio::time::sleep(Duration::from_millis(250)).await;
    let last = kkt.last_fiscal_document().await.unwrap();
    let registered = shtrih(&emulators).with_device(|d| d.receipts().len());
    if registered == 1 {
        let doc = shtrih(&emulators)
            .with_device(|d| d.receipts()[0].document_number);
        assert_eq!(last.document_number, doc);
    }
    assert!(register_sale(kkt).await.is_ok());
    assert!(kkt.view().online);
}

#[tokio::test(flavor = "multi_thread")]
async fn paper_out_and_expired_shift_are_typed_errors() {
    let (devices, emulators) = embedded();
    let kkt = devices.get("kkt").unwrap();
    open_shift(kkt).await.unwrap();
    shtrih(&emulators).faults().inject(Fault::PaperOut);
    let err = register_sale(kkt).await.unwrap_err();
    assert_eq!(err.class(), Some(ErrorClass::PaperOut), "{err}");
    shtrih(&emulators).faults().clear();
    register_sale(kkt).await.unwrap();

    shtrih(&emulators)
        .with_device(|d| d.advance_clock(Duration::from_secs(25 * 3600)));
    let err = register_sale(kkt).await.unwrap_err();
    assert_eq!(err.class(), Some(ErrorClass::ShiftExpired), "{err}");
    // Closing the expired shift (Z report) lets sales go on in a new one.
    kkt.close_shift(cashier()).await.unwrap();
    open_shift(kkt).await.unwrap();
    register_sale(kkt).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn printer_faults_are_typed_and_print_nothing() {
    let (devices, emulators) = embedded();
    let printer = devices.get("printer").unwrap();
    let job = || {
        vec![
            text("Чек", Align::Left, false, TextSize::Normal),
            Element::Cut,
        ]
    };
    for (fault, class) in [
        (Fault::PaperOut, ErrorClass::PaperOut),
        (Fault::CoverOpen, ErrorClass::CoverOpen),
    ] {
        escpos(&emulators).faults().inject(fault);
        let elements = job();
        let err = printer.print(elements).await.unwrap_err();
        assert_eq!(err.class(), Some(class), "{fault:?}: {err}");
        escpos(&emulators).faults().clear();
    }
    escpos(&emulators).faults().inject(Fault::NoReply);
    let elements = job();
    let err = printer.print(elements).await.unwrap_err();
    assert_eq!(err.class(), Some(ErrorClass::Communication), "{err}");
    escpos(&emulators)
        .with_device(|d| assert_eq!(d.cuts(), 0, "nothing printed while faulty"));
    let elements = job();
    printer.print(elements).await.unwrap();
    escpos(&emulators).with_device(|d| assert_eq!(d.cuts(), 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_device_blocks_no_other_device() {
    let (devices, emulators) = embedded();
    let devices = Arc::new(devices);
    zvt(&emulators)
        .faults()
        .inject(Fault::SlowReply(Duration::from_millis(1500)));
    let slow = {
        let devices = devices.clone();
        tokio::spawn(async move { devices.get("terminal").unwrap().describe().await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let status = devices.get("kkt").unwrap().status().await.unwrap();
    assert_eq!(status.shift, ShiftState::Closed);
    assert!(
        !slow.is_finished(),
        "the register answered while the terminal was still busy"
    );
    assert!(started.elapsed() < Duration::from_millis(1400));
    let _ = slow.await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_device_runs_its_operations_one_at_a_time() {
    let (devices, emulators) = embedded();
    let kkt = devices.get("kkt").unwrap().clone();
    open_shift(&kkt).await.unwrap();
    let sales: Vec<_> = (0..4)
        .map(|_| {
            let kkt = kkt.clone();
            tokio::spawn(async move { register_sale(&kkt).await })
        })
        .collect();
    let mut numbers = Vec::new();
    for sale in sales {
        numbers.push(sale.await.unwrap().unwrap());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 4, "four distinct fiscal documents");
    shtrih(&emulators)
        .with_device(|d| assert_eq!(d.receipts().len(), 4));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operation_over_its_timeout_is_reported_and_the_queue_goes_on() {
    let emulators = Emulators::default();
    let mut config = device(
        "kkt",
        DeviceKind::FiscalRegister,
        "shtrih-m",
        TransportConfig::Emulator {
            emulator: "shtrih-m".into(),
            unit: 0,
            baud: None,
        },
        &[],
    );
    config.operation_timeout_ms = 300;
    let devices = start(&[config], &emulators);
    let kkt = devices.get("kkt").unwrap();
    shtrih(&emulators)
        .faults()
        .inject(Fault::SlowReply(Duration::from_millis(400)));
    let err = kkt.status().await.unwrap_err();
    assert!(
        matches!(
            err,
            DeviceError::Timeout {
                timeout_ms: 300,
                ..
            }
        ),
        "{err}"
    );
    shtrih(&emulators).faults().clear();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let status = kkt.status().await.unwrap();
    assert_eq!(status.shift, ShiftState::Closed);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_that_is_not_there_is_offline_until_it_appears() {
    // A port nobody listens on yet.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let config = device(
        "kkt",
        DeviceKind::FiscalRegister,
        "shtrih-m",
        TransportConfig::Tcp {
            address: addr.to_string(),
            connect_timeout_ms: 200,
        },
        &[("timeout-ms", "300")],
    );
    let devices = start(&[config], &Emulators::default());
    let kkt = devices.get("kkt").unwrap();
    let err = kkt.status().await.unwrap_err();
    assert_eq!(err.class(), Some(ErrorClass::Communication), "{err}");
    assert!(!kkt.view().online);

    let emulator = shtrih_m_emulator::emulator();
    let _server = emulator.serve_tcp(addr).unwrap();
    let mut status = Err(err);
    for _ in 0..50 {
        status = kkt.status().await;
        if status.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(status.is_ok(), "{status:?}");
    assert!(kkt.view().online);
}

/// Which builds of the drivers a run loads.
#[allow(dead_code)]
enum Drivers {
    /// The built-in drivers, embedded in the host.
    BuiltIn,
    /// The 0.2.0 builds of the registers kept as fixtures, loaded by path; the printer and the
    /// terminal are the built-ins (0.3.0 changed the register's world only).
    Wit0_2_0,
    /// The 0.1.0 builds kept as fixtures, loaded by path.
    Wit0_1_0,
}

impl Drivers {
    /// The WIT version a run's driver of the given world is built against.
    fn version(&self, world: fiscal_host::plugins::World) -> fiscal_host::plugins::Version {
        use fiscal_host::plugins::{Version, World};
        match self {
            Drivers::BuiltIn => Version::LATEST,
            Drivers::Wit0_2_0 if world == World::FiscalRegister => Version::V0_2_0,
            Drivers::Wit0_2_0 => Version::LATEST,
            Drivers::Wit0_1_0 => Version::V0_1_0,
        }
    }

    /// Whether the run's registers tell a shift's counters (`shift-totals`, 0.3.0).
    fn counts_shifts(&self) -> bool {
        matches!(self, Drivers::BuiltIn)
    }

    /// What a device's `driver` says for a built-in driver's name.
    fn source(&self, name: &str) -> String {
        match self {
            Drivers::BuiltIn => name.to_owned(),
            Drivers::Wit0_2_0 => match name {
                "shtrih-m" => fixture("wit-0.2.0", "shtrih_m.wasm"),
                other => other.to_owned(),
            },
            Drivers::Wit0_1_0 => {
                let file = match name {
                    "shtrih-m" => "shtrih_m.wasm",
                    "escpos" => "escpos.wasm",
                    "zvt" => "zvt_driver.wasm",
                    other => panic!("no 0.1.0 fixture of {other}"),
                };
                fixture("wit-0.1.0", file)
            }
        }
    }
}

/// The path of a driver build kept in `tests/fixtures/<folder>/`.
fn fixture(folder: &str, file: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(folder)
        .join(file);
    assert!(path.exists(), "{} is missing", path.display());
    path.to_string_lossy().into_owned()
}
