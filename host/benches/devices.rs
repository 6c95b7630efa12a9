//! Host overhead per receipt: a three-line sale (39535 cash + 100000 card) registered on the
//! Shtrih-M emulator through the real Wasm driver, over a pseudo-terminal opened by the serial
//! transport at 115200 baud (and over the in-process link), beside the time the same bytes need
//! on a real 115200-baud wire; and a 10-line receipt on the Shtrih-M and the Pirit emulators,
//! instant and paced at each register's line rate (115200 and 57600 baud).
//!
//! Run: `cargo bench -p fiscal-host --bench devices`; with `FISCAL_HOST_BENCH_DRIVER=<path.wasm>`
//! another build of the Shtrih-M driver (`tests/fixtures/wit-0.1.0/shtrih_m.wasm`).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fiscal_host::config::{DeviceConfig, DeviceKind, SerialConfig, TransportConfig};
use fiscal_host::devices::{DeviceHandle, Devices};
use fiscal_host::plugins::{PluginRuntime, RuntimeConfig};
use fiscal_host::transport::Emulators;

#[path = "../../tests/common/receipts.rs"]
mod receipts;
use receipts::{cashier, item, sale};

/// A 10-line sale at 22%, paid in cash: the receipt the load tests send.
fn ten_line_sale() -> fiscal_host::plugins::contract::register::FiscalReceipt {
    let mut receipt = sale();
    receipt.items = (0..10)
        .map(|i| {
            let amount = 10_000 + 100 * i;
            // VAT inside the amount: 22/122, rounded half up.
            let tax = (amount * 22 + 61) / 122;
            item(&format!("Товар №{i}"), amount, 1000, amount, 2200, 11, tax)
        })
        .collect();
    receipt.total = receipt.items.iter().map(|i| i.amount).sum();
    receipt.payments.cash = receipt.total;
    receipt.payments.cashless = 0;
    receipt
}

const BAUD: u32 = 115_200;

fn start(transport: TransportConfig, emulators: &Emulators) -> Devices {
    // Another build of the driver (a .wasm path, e.g. the 0.1.0 fixture) to compare with.
    let driver = std::env::var("FISCAL_HOST_BENCH_DRIVER").unwrap_or_else(|_| "shtrih-m".into());
    start_with(&driver, transport, emulators)
}

fn start_with(driver: &str, transport: TransportConfig, emulators: &Emulators) -> Devices {
    let runtime = PluginRuntime::new(RuntimeConfig {
        limits: Default::default(),
        cache_dir: None,
        ..Default::default()
    })
    .unwrap();
    let config = DeviceConfig {
        id: "kkt".into(),
        kind: DeviceKind::FiscalRegister,
        driver: driver.into(),
        transport,
        settings: Default::default(),
        operation_timeout_ms: 60_000,
        status_interval_ms: 3_600_000,
        printer: None,
        terminal: None,
        jurisdiction: None,
        tax: None,
        organisation: None,
    };
    Devices::start(&[config], &runtime, emulators).unwrap()
}

fn receipts(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let register = |kkt: &DeviceHandle| {
        rt.block_on(kkt.register_receipt(sale())).unwrap();
    };

    // Over a pty, through the serial transport, as a USB/COM-attached register.
    let emulator = shtrih_m_emulator::emulator();
    let (path, _) = emulator.serve_pty().unwrap();
    let devices = start(
        TransportConfig::Serial(SerialConfig {
            path,
            baud: BAUD,
            data_bits: 8,
            parity: Default::default(),
            stop_bits: 1,
            flow_control: Default::default(),
            read_timeout_ms: 10_000,
        }),
        &Emulators::default(),
    );
    let kkt = devices.get("kkt").unwrap().clone();
    rt.block_on(kkt.open_shift(cashier())).unwrap();
    let (rx0, tx0) = emulator.traffic();
    register(&kkt);
    let (rx1, tx1) = emulator.traffic();
    let bytes = (rx1 - rx0) + (tx1 - tx0);
    // 8N1: a start bit, 8 data bits, a stop bit per byte.
    let wire = Duration::from_secs_f64(bytes as f64 * 10.0 / BAUD as f64);
    eprintln!(
        "one receipt exchanges {bytes} bytes ({} host→register, {} register→host): {:.2} ms on a {BAUD}-baud 8N1 wire",
        rx1 - rx0,
        tx1 - tx0,
        wire.as_secs_f64() * 1000.0
    );
    c.bench_function(
        "register a 3-line receipt, Shtrih-M over a pty (serial transport)",
        |b| b.iter(|| register(&kkt)),
    );

    // Over the in-process link: the same, without a tty in the way.
    let emulators = Emulators::default();
    let devices = start(
        TransportConfig::Emulator {
            emulator: "shtrih-m".into(),
            unit: 0,
            baud: None,
        },
        &emulators,
    );
    let kkt = devices.get("kkt").unwrap().clone();
    rt.block_on(kkt.open_shift(cashier())).unwrap();
    c.bench_function(
        "register a 3-line receipt, Shtrih-M over the in-process link",
        |b| b.iter(|| register(&kkt)),
    );

    // Host time against wire time: a 10-line receipt on a line paced at the register's usual
    // rate (Shtrih-M 115200, Pirit 57600, its factory default), and on an inline link that
    // answers at once (what is left there is the host's own time: the device queue, the Wasm
    // driver, the transport, and the emulator's model).
    let register_ten = |kkt: &DeviceHandle| {
        let receipt = ten_line_sale();
        rt.block_on(kkt.register_receipt(receipt)).unwrap();
    };
    for (model, label, line_baud) in [("shtrih-m", "Shtrih-M", BAUD), ("pirit", "Pirit", 57_600)] {
        for baud in [None, Some(line_baud)] {
            let emulators = Emulators::default();
            let transport = TransportConfig::Emulator {
                emulator: model.into(),
                unit: 0,
                baud,
            };
            let devices = if model == "shtrih-m" {
                start(transport, &emulators)
            } else {
                start_with(model, transport, &emulators)
            };
            let kkt = devices.get("kkt").unwrap().clone();
            rt.block_on(kkt.open_shift(cashier())).unwrap();
            let unit = emulators.unit(model, 0).unwrap();
            let (rx0, tx0) = unit.traffic();
            register_ten(&kkt);
            let (rx1, tx1) = unit.traffic();
            let bytes = (rx1 - rx0) + (tx1 - tx0);
            let wire = Duration::from_secs_f64(bytes as f64 * 10.0 / f64::from(line_baud));
            eprintln!(
                "{label}: a 10-line receipt exchanges {bytes} bytes ({} host→register, {} register→host): {:.2} ms on a {line_baud}-baud 8N1 wire",
                rx1 - rx0,
                tx1 - tx0,
                wire.as_secs_f64() * 1000.0
            );
            let name = match baud {
                None => "inline link, instant".to_owned(),
                Some(b) => format!("line paced at {b} baud"),
            };
            let mut group = c.benchmark_group("10-line receipt");
            if baud.is_some() {
                group.sample_size(10);
            }
            group.bench_function(
                format!("register a 10-line receipt, {label}, {name}"),
                |b| b.iter(|| register_ten(&kkt)),
            );
            group.finish();
        }
    }
}

criterion_group!(benches, receipts);
criterion_main!(benches);
