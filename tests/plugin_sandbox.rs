//! The sandbox holds against a deliberately hostile plugin: a trap, an endless loop and a
//! 1 GiB allocation each cost one call a typed error, and the same plugin serves the next call.

mod common;

use fiscal_host::plugins::bindings::tax;
use fiscal_host::plugins::{Limits, Origin, PluginError, TaxPlugin, embedded};

fn hostile(limits: Limits) -> TaxPlugin {
    let bytes = std::fs::read(embedded::guest_path("hostile.wasm"))
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
    let plugin = hostile(Limits::default());
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
    // So does running out of fuel, with its fuel tank refilled for the next call.
    let tight = hostile(Limits {
        fuel: 50_000_000,
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

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let limits = Limits {
        fuel: 50_000_000,
        ..Limits::default()
    };
    let plugin = hostile(limits);
    let err = plugin.calculate(&doc("loop")).unwrap_err();
    assert!(
        matches!(
            err,
            PluginError::CpuExhausted {
                fuel: 50_000_000,
                ..
            }
        ),
        "expected CpuExhausted, got {err:?}"
    );
    assert_still_serves(&plugin);
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
        fuel: 50_000_000,
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
