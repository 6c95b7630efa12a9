//! Plugin runtime figures for BENCHMARKS.md: instantiation (what a call costs when no warm
//! instance is at hand), one tax call (10 and 100 lines) on a warm instance in Wasm versus the
//! same Rust code called natively, cold start with and without the cache, and how long a
//! runaway loop runs before its CPU limit stops it (default 20 ms, 5 ms and 100 ms).
//!
//! Run: `cargo bench -p fiscal-host --bench plugins`

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fiscal_host::builtins;
use fiscal_host::plugins::contract::tax;
use fiscal_host::plugins::{Limits, Origin, PluginRuntime, RuntimeConfig};
use tax_ru::Guest as _;

#[path = "../../tests/common/docs.rs"]
mod docs;

fn runtime(cache_dir: Option<std::path::PathBuf>) -> PluginRuntime {
    runtime_with(Limits::default(), cache_dir)
}

fn runtime_with(limits: Limits, cache_dir: Option<std::path::PathBuf>) -> PluginRuntime {
    PluginRuntime::new(RuntimeConfig {
        limits,
        cache_dir,
        ..Default::default()
    })
    .unwrap()
}

fn tax_calls(c: &mut Criterion) {
    let plugin = runtime(None)
        .load_tax("tax-ru", Origin::Embedded, builtins::TAX_RU)
        .unwrap();
    c.bench_function("instantiate tax-ru (fresh store + InstancePre)", |b| {
        b.iter(|| plugin.instantiate_only().unwrap())
    });
    for lines in [10, 100] {
        let (wasm, native) = docs::ru_sale(&docs::varied_lines(lines));
        // Both must agree before their speed is worth comparing.
        let from_wasm = plugin.calculate(&wasm).unwrap().unwrap();
        let from_native = tax_ru::TaxRu::calculate(native.clone()).unwrap();
        assert_eq!(from_wasm.total, from_native.total);
        // The host's call borrows its document (the core keeps it) and copies its numbers into
        // the guest; the native calls take theirs by value, the copy made for each iteration
        // untimed.
        c.bench_function(
            &format!("tax {lines} lines, wasm (warm instance: call + copy in and out)"),
            |b| b.iter(|| plugin.calculate(black_box(&wasm)).unwrap().unwrap()),
        );
        c.bench_function(&format!("tax {lines} lines, native"), |b| {
            b.iter_batched(
                || native.clone(),
                |doc| tax_ru::TaxRu::calculate(black_box(doc)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        // The component's exported function itself, natively: the same flat numbers in and
        // out as the Wasm call (`LawPlugin`: each line decoded as it is computed).
        let flat = flat_document(&native);
        c.bench_function(&format!("tax {lines} lines, native, flat numbers"), |b| {
            b.iter_batched(
                || flat.clone(),
                |doc| tax_ru::TaxRu::calculate_numbers(black_box(doc)).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
}

/// A typed document as the interface carries it.
fn flat_document(doc: &tax_ru::Document) -> tax_ru::wire::Document {
    use tax_ru::tax_common::wire::{self, LineNumbers, LineTax};
    let mut lines = Vec::new();
    for l in &doc.lines {
        let tax_ru::TaxSpec::Code(code) = l.tax else {
            unreachable!("ru_sale builds coded lines only")
        };
        let numbers = LineNumbers {
            price: l.price,
            quantity: l.quantity,
            discount: l.discount,
            tax: LineTax::Code(code),
            calc: l.calc,
            margin: l.margin,
        };
        wire::push_line(&mut lines, &numbers);
    }
    tax_ru::wire::Document {
        kind: doc.kind,
        date: doc.date,
        jurisdiction: doc.jurisdiction.clone(),
        lines,
    }
}

/// What a start loads: the default tax and layout plugins.
fn load_defaults(rt: &PluginRuntime) {
    rt.load_tax("tax-ru", Origin::Embedded, builtins::TAX_RU)
        .unwrap();
    rt.load_layout(
        "receipt-default",
        Origin::Embedded,
        builtins::RECEIPT_DEFAULT,
    )
    .unwrap();
}

fn cold_start(c: &mut Criterion) {
    let mut group = c.benchmark_group("cold start: engine + tax-ru + receipt-default");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("no cache", |b| {
        b.iter(|| {
            let rt = runtime(None);
            load_defaults(&rt);
        })
    });
    let cache = tempfile::tempdir().unwrap();
    {
        let rt = runtime(Some(cache.path().to_owned()));
        load_defaults(&rt);
    }
    group.bench_function("warm cache", |b| {
        b.iter(|| {
            let rt = runtime(Some(cache.path().to_owned()));
            load_defaults(&rt);
        })
    });
    group.finish();
}

/// How long a runaway plugin holds a worker before its CPU limit stops it.
fn runaway(c: &mut Criterion) {
    let bytes = std::fs::read(builtins::guest_path("hostile.wasm")).unwrap();
    let doc = docs::document(
        "RU",
        (2026, 3, 1),
        vec![docs::line("loop", 1, 1000, tax::TaxSpec::Exempt)],
    );
    let mut group = c.benchmark_group("runaway loop");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    for (cpu_ms, what) in [(20, " (the default)"), (5, ""), (100, "")] {
        let limits = Limits {
            cpu_ms,
            ..Limits::default()
        };
        let plugin = runtime_with(limits, None)
            .load_tax("hostile", Origin::Embedded, &bytes)
            .unwrap();
        group.bench_function(format!("until stopped at cpu_ms = {cpu_ms}{what}"), |b| {
            b.iter(|| assert!(plugin.calculate(&doc).is_err()))
        });
    }
    group.finish();
}

criterion_group!(benches, tax_calls, cold_start, runaway);
criterion_main!(benches);
