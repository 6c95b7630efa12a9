//! The sandbox holds against a deliberately hostile plugin: a trap, an endless loop and a
//! 1 GiB allocation each cost one call a typed error, and the same plugin serves the next call.
//! The CPU limit is a time: an endless loop is stopped at it, and a driver waiting on a slow
//! register is not.

mod common;

use std::time::{Duration, Instant};

use fiscal_host::builtins;
use fiscal_host::plugins::contract::tax;
use fiscal_host::plugins::{IdentityError, Limits, Origin, PluginError, TaxPlugin, Version, World};

fn hostile(limits: Limits) -> TaxPlugin {
    let bytes = std::fs::read(builtins::guest_path("hostile.wasm"))
        .expect("hostile.wasm built by build.rs");
    common::runtime(limits, None)
        .load_tax("hostile", Origin::Embedded, &bytes)
        .expect("load hostile")
}

fn doc(first_line: &str) -> tax::Document {
    common::docs::document(
        "RU",
        (2026, 3, 1),
        vec![common::docs::line(
            first_line,
            12345,
            2000,
            tax::TaxSpec::Code(0),
        )],
    )
}

/// The well-behaved answer of the hostile plugin: price × quantity / 1000.
fn assert_still_serves(plugin: &TaxPlugin) {
    let result = plugin
        .calculate(&doc("bread"))
        .expect("no trap")
        .expect("no tax error");
    assert_eq!(result.total, 24690);
}

#[test]
fn a_trap_is_a_typed_error_and_the_plugin_serves_on() {
    let plugin = hostile(Limits::default());
    let err = plugin.calculate(&doc("trap")).unwrap_err();
    match &err {
        PluginError::Trapped { plugin, detail } => {
            assert_eq!(plugin, "hostile");
            assert!(!detail.is_empty());
        }
        other => panic!("expected Trapped, got {other:?}"),
    }
    assert_still_serves(&plugin);
}

/// The warning of a `count` call: which call of its instance it was.
fn call_number(plugin: &TaxPlugin) -> String {
    let result = plugin.calculate(&doc("count")).unwrap().unwrap();
    let messages: Vec<_> = result.warnings.iter().map(|w| w.message.as_str()).collect();
    messages.join(";")
}

#[test]
fn an_instance_stays_warm_after_a_normal_call_and_is_dropped_after_a_failed_one() {
    // Growing by 40 MiB faults in 10 240 fresh pages: kernel time of the call's thread, which
    // its CPU limit counts (the call took 45–240 ms here beside the other tests), more than the
    // default 20 ms this test is not about.
    let plugin = hostile(Limits {
        cpu_ms: 1_000,
        ..Limits::default()
    });
    assert_eq!(call_number(&plugin), "call 1 of this instance");
    assert_eq!(call_number(&plugin), "call 2 of this instance");
    // A plugin's own error is a normal answer: the instance stays.
    let mut empty = doc("count");
    empty.lines.clear();
    assert!(plugin.calculate(&empty).unwrap().is_err());
    assert_eq!(call_number(&plugin), "call 4 of this instance");
    // A trap drops it: the next call starts on a fresh instance.
    assert!(plugin.calculate(&doc("trap")).is_err());
    assert_eq!(call_number(&plugin), "call 1 of this instance");
    // So does a normal call that left the memory past half the limit (40 of 64 MiB).
    assert!(plugin.calculate(&doc("grow")).unwrap().is_ok());
    assert_eq!(call_number(&plugin), "call 1 of this instance");
    assert_eq!(call_number(&plugin), "call 2 of this instance");
    // So does running past the CPU limit, with the deadline re-armed for the next call.
    let tight = hostile(Limits {
        cpu_ms: 5,
        ..Limits::default()
    });
    assert_eq!(call_number(&tight), "call 1 of this instance");
    assert!(matches!(
        tight.calculate(&doc("loop")),
        Err(PluginError::CpuExhausted { .. })
    ));
    assert_eq!(call_number(&tight), "call 1 of this instance");
    for n in 2..=5 {
        assert_eq!(call_number(&tight), format!("call {n} of this instance"));
    }
}

/// Runs one `loop` call on its own thread, so a limit that is not applied fails the test
/// instead of hanging it: the error and how long the call ran.
fn runaway_call(plugin: &TaxPlugin) -> (PluginError, Duration) {
    let plugin = plugin.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let started = Instant::now();
        let outcome = plugin.calculate(&doc("loop"));
        let _ = tx.send((outcome, started.elapsed()));
    });
    let (outcome, took) = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the endless loop was not stopped within 30 s");
    (outcome.expect_err("an endless loop cannot answer"), took)
}

#[test]
fn an_endless_loop_is_stopped_at_its_cpu_limit() {
    let plugin = hostile(Limits {
        cpu_ms: 50,
        ..Limits::default()
    });
    // The second runs on a warm instance of the first well-behaved call: its deadline is
    // re-armed, not left over.
    assert_still_serves(&plugin);
    for _ in 0..2 {
        let (err, took) = runaway_call(&plugin);
        println!("an endless loop with cpu_ms = 50 ran {took:?} before it was stopped");
        assert!(
            matches!(&err, PluginError::CpuExhausted { plugin, limit_ms: 50 } if plugin == "hostile"),
            "expected CpuExhausted at 50 ms, got {err:?}"
        );
        assert_eq!(
            err.to_string(),
            "plugin hostile was stopped at its CPU limit of 50 ms"
        );
        // It is stopped only once it has used its 50 ms (its CPU time is never more than its
        // wall time); the upper bound is generous, a busy machine preempts the loop too.
        assert!(took >= Duration::from_millis(50), "stopped early: {took:?}");
        assert!(took < Duration::from_millis(500), "ran {took:?}");
        assert_still_serves(&plugin);
    }
}

#[test]
fn a_gibibyte_allocation_hits_the_memory_limit() {
    let plugin = hostile(Limits::default());
    let err = plugin.calculate(&doc("oom")).unwrap_err();
    assert!(
        matches!(err, PluginError::MemoryExhausted { limit_bytes, .. } if limit_bytes == 64 << 20),
        "expected MemoryExhausted, got {err:?}"
    );
    assert_still_serves(&plugin);
}

#[test]
fn the_memory_limit_is_configurable() {
    // 1 MiB does not even hold a Rust guest's initial memory (its 1 MiB stack plus data),
    // so with that limit a well-behaved call fails too, and says why.
    let tight = hostile(Limits {
        memory_bytes: 1 << 20,
        ..Limits::default()
    });
    let err = tight.calculate(&doc("bread")).unwrap_err();
    assert!(
        matches!(err, PluginError::MemoryExhausted { limit_bytes, .. } if limit_bytes == 1 << 20),
        "{err:?}"
    );
}

/// Collects what tracing writes, so a test can read the host's log.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn what_a_plugin_prints_goes_to_the_hosts_log() {
    let plugin = hostile(Limits::default());
    let log = LogBuffer::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let result = tracing::subscriber::with_default(subscriber, || plugin.calculate(&doc("print")));
    assert_eq!(result.unwrap().unwrap().total, 24690);
    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("hostile plugin: a line on stdout"), "{log}");
    assert!(log.contains("hostile plugin: a line on stderr"), "{log}");
    assert!(log.contains("stream=\"stderr\""), "{log}");
}

#[test]
fn hostile_calls_in_parallel_do_not_disturb_good_ones() {
    let plugin = hostile(Limits {
        cpu_ms: 5,
        ..Limits::default()
    });
    let threads: Vec<_> = ["trap", "loop", "oom", "bread", "bread"]
        .into_iter()
        .map(|name| {
            let plugin = plugin.clone();
            std::thread::spawn(move || (name, plugin.calculate(&doc(name))))
        })
        .collect();
    for t in threads {
        let (name, outcome) = t.join().expect("no host panic");
        match name {
            "bread" => assert_eq!(outcome.unwrap().unwrap().total, 24690),
            _ => assert!(outcome.is_err(), "{name} should fail"),
        }
    }
}

/// A driver waiting for its register is not running: the time it spends blocked in
/// `transport.read` does not count against its CPU limit, however much longer than the limit
/// the register takes to answer.
#[tokio::test(flavor = "multi_thread")]
async fn a_driver_waiting_on_a_slow_register_is_within_its_cpu_limit() {
    use fiscal_host::config::{DeviceConfig, DeviceKind, TransportConfig};
    use fiscal_host::devices::Devices;
    use fiscal_host::transport::Emulators;

    let emulator = shtrih_m_emulator::emulator();
    let (address, _) = emulator.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let config = DeviceConfig {
        id: "kkt".into(),
        kind: DeviceKind::FiscalRegister,
        driver: "shtrih-m".into(),
        transport: TransportConfig::Tcp {
            address: address.to_string(),
            connect_timeout_ms: 1_000,
        },
        settings: Default::default(),
        operation_timeout_ms: 20_000,
        status_interval_ms: 60_000,
        printer: None,
        terminal: None,
        jurisdiction: None,
        tax: None,
        organisation: None,
    };
    let limits = Limits {
        cpu_ms: 5,
        ..Limits::default()
    };
    let runtime = common::runtime(limits, None);
    let devices = Devices::start(&[config], &runtime, &Emulators::default()).unwrap();
    let kkt = devices.get("kkt").unwrap();
    // Every answer of the register now comes 40 ms late: one status call waits for at least
    // one, eight times its CPU limit.
    emulator
        .faults()
        .inject(emulator_kit::Fault::SlowReply(Duration::from_millis(40)));
    let started = Instant::now();
    let status = kkt.status().await;
    let took = started.elapsed();
    println!("a status call to a register answering 40 ms late took {took:?} (cpu_ms = 5)");
    assert!(status.is_ok(), "{status:?}");
    assert!(
        took >= Duration::from_millis(40),
        "the register was not slow: {took:?}"
    );
}

/// One linker per world: a tax plugin that imports the drivers' byte line is refused when it
/// is loaded, with the import named, instead of linking and reaching for the line at run time.
#[test]
fn a_tax_plugin_importing_the_transport_is_refused_at_load() {
    let bytes =
        std::fs::read(builtins::guest_path("greedy.wasm")).expect("greedy.wasm built by build.rs");
    let runtime = common::runtime(Limits::default(), None);
    let err = match runtime.load_tax("greedy", Origin::Embedded, &bytes) {
        Ok(_) => panic!("a tax plugin importing transport was loaded"),
        Err(e) => e,
    };
    match &err {
        PluginError::Refused {
            why: IdentityError::ImportNotGranted { import, world, .. },
            ..
        } => {
            assert_eq!(import, "fiscal:host/transport@0.1.0");
            assert_eq!(*world, World::TaxCalculator);
        }
        other => panic!("refused for another reason: {other}"),
    }
    assert!(
        err.to_string().contains("fiscal:host/transport@0.1.0"),
        "{err}"
    );
    // The same bytes are a well-formed component of 0.1.0: it is the import that is refused.
    let report = runtime.check(&bytes);
    let identity = report.identity.expect("its version and world are read");
    assert_eq!(identity.version, Version::V0_1_0);
    assert_eq!(identity.world, World::TaxCalculator);
}

/// Figures are matched to lines by position, so a plugin whose figures name no rate, miss a
/// line or do not divide into lines has broken its contract: that call is an error naming the
/// plugin, never a receipt with a line lost or shifted, and the next call is served.
#[test]
fn figures_outside_the_interface_are_a_contract_error_not_a_lost_line() {
    let bytes = std::fs::read(builtins::guest_path("garbled.wasm"))
        .expect("garbled.wasm built by build.rs");
    let plugin = common::runtime(Limits::default(), None)
        .load_tax("garbled", Origin::Embedded, &bytes)
        .expect("load garbled");
    assert_eq!(plugin.report().wit, Version::V0_2_0);
    let two_lines = |first_price| {
        common::docs::document(
            "RU",
            (2026, 3, 1),
            vec![
                common::docs::line("first", first_price, 1000, tax::TaxSpec::Code(0)),
                common::docs::line("second", 500, 2000, tax::TaxSpec::Code(0)),
            ],
        )
    };
    for (price, detail) in [
        (1, "line 1's figures: 9 is not a tax kind"),
        (2, "figures for 1 lines of 2"),
        (
            3,
            "line 3's figures: the list of 13 numbers does not divide into lines of 6",
        ),
    ] {
        match plugin.calculate(&two_lines(price)) {
            Err(PluginError::OutsideContract {
                plugin,
                detail: got,
            }) => {
                assert_eq!(plugin, "garbled");
                assert_eq!(got, detail, "price {price}");
            }
            other => panic!("price {price}: not a contract error: {other:?}"),
        }
    }
    let sound = plugin.calculate(&two_lines(700)).unwrap().unwrap();
    let amounts: Vec<_> = sound.lines.iter().map(|l| l.amount).collect();
    assert_eq!(amounts, [700, 1000]);
}
