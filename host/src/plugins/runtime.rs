//! The plugin runtime: one engine, one linker, the compile cache, and typed plugin handles.
//!
//! A plugin is compiled once (or loaded from the cache), linked once into an `InstancePre`,
//! and then every call instantiates it into a fresh sandboxed store (see `sandbox`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{Component, HasSelf, InstancePre, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

use super::bindings::{device, layout, payment, tax};
use super::cache::{CompileCache, CompileOutcome, content_hash};
use super::error::PluginError;
use super::sandbox::{self, Lent, Limits, PluginState};

/// The four worlds a component can fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum World {
    TaxCalculator,
    ReceiptLayout,
    DeviceDriver,
    PaymentDriver,
}

impl World {
    pub const ALL: [World; 4] = [
        World::TaxCalculator,
        World::ReceiptLayout,
        World::DeviceDriver,
        World::PaymentDriver,
    ];

    pub fn name(self) -> &'static str {
        match self {
            World::TaxCalculator => "tax-calculator",
            World::ReceiptLayout => "receipt-layout",
            World::DeviceDriver => "device-driver",
            World::PaymentDriver => "payment-driver",
        }
    }
}

impl std::fmt::Display for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a plugin's bytes came from.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Built with the host and embedded in its binary.
    Embedded,
    /// A `.wasm` file named by the configuration.
    File(PathBuf),
}

/// What the log and `/health` say about a loaded plugin.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadReport {
    pub name: String,
    pub world: World,
    pub origin: Origin,
    pub sha256: String,
    pub size_bytes: usize,
    pub compile: CompileOutcome,
    pub load_micros: u128,
}

pub struct RuntimeConfig {
    pub limits: Limits,
    /// Where compiled components are kept between runs; `None` compiles on every start.
    pub cache_dir: Option<PathBuf>,
}

pub struct PluginRuntime {
    engine: Engine,
    linker: Linker<PluginState>,
    cache: Option<CompileCache>,
    limits: Limits,
}

/// Plugin instances that may be alive at once: one per device worker plus the tax and layout
/// calls in flight on the blocking pool. A call beyond it fails (that call only), it never waits.
pub const MAX_LIVE_INSTANCES: u32 = 1000;

/// Every call gets a fresh instance; the pooling allocator gives it a slot whose memory was
/// mapped once and is reset in place, instead of an mmap and an munmap (with the TLB
/// shoot-down that costs every core) per call.
fn pooling(limits: &Limits) -> PoolingAllocationConfig {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(MAX_LIVE_INSTANCES)
        // A wit-bindgen guest for wasm32-wasip2 is a few core modules (the program, the WASI
        // adapter, shims): room for four each, and two memories.
        .total_core_instances(4 * MAX_LIVE_INSTANCES)
        .total_memories(2 * MAX_LIVE_INSTANCES)
        .total_tables(4 * MAX_LIVE_INSTANCES)
        // Slots hold at least 64 MiB: a tighter `memory_bytes` is the store limiter's to enforce,
        // so it fails the call with a typed error instead of refusing to load the plugin.
        .max_memory_size(limits.memory_bytes.max(64 << 20))
        // No `linear_memory_keep_resident`: zeroing even 256 KiB in place per call cost more
        // (9% of the host's time under load) than the page faults it saves.
        // What is returned goes back in batches: one TLB shoot-down for many slots.
        .decommit_batch_size(32);
    pool
}

impl PluginRuntime {
    pub fn new(config: RuntimeConfig) -> Result<Self, PluginError> {
        let runtime_err = |e: wasmtime::Error| PluginError::Runtime(format!("{e:#}"));
        let mut wasm_config = Config::new();
        wasm_config.consume_fuel(true);
        wasm_config
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling(&config.limits)));
        let engine = Engine::new(&wasm_config).map_err(runtime_err)?;

        let mut linker = Linker::new(&engine);
        // Rust guests for wasm32-wasip2 import wasi:cli, wasi:io and friends even when they use
        // none of them; the context behind these imports grants nothing (see `sandbox`).
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(runtime_err)?;
        device::fiscal::host::transport::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(runtime_err)?;
        device::fiscal::host::log::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(runtime_err)?;
        device::fiscal::host::settings::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(runtime_err)?;

        let cache = match config.cache_dir {
            Some(dir) => Some(CompileCache::new(&dir, &engine).map_err(|e| {
                PluginError::Runtime(format!("compile cache {}: {e}", dir.display()))
            })?),
            None => None,
        };
        Ok(Self {
            engine,
            linker,
            cache,
            limits: config.limits,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Compiles (or loads from the cache) and links a component, without deciding its world.
    fn prepare(
        &self,
        name: &str,
        bytes: &[u8],
    ) -> Result<(InstancePre<PluginState>, CompileOutcome, Duration, String), PluginError> {
        let hash = content_hash(bytes);
        let compiled = match &self.cache {
            Some(cache) => cache.load_or_compile(&self.engine, &hash, bytes),
            None => {
                let started = std::time::Instant::now();
                Component::new(&self.engine, bytes)
                    .map(|c| (c, CompileOutcome::CompiledUncached, started.elapsed()))
            }
        };
        let (component, outcome, took) = compiled.map_err(|e| PluginError::Compile {
            plugin: name.to_owned(),
            detail: format!("{e:#}"),
        })?;
        let pre =
            self.linker
                .instantiate_pre(&component)
                .map_err(|e| PluginError::WorldMismatch {
                    plugin: name.to_owned(),
                    world: "any",
                    detail: format!("it imports something the host does not provide: {e:#}"),
                })?;
        Ok((pre, outcome, took, hash))
    }

    fn load<P>(
        &self,
        name: &str,
        origin: Origin,
        bytes: &[u8],
        world: World,
        bind: impl FnOnce(InstancePre<PluginState>) -> wasmtime::Result<P>,
    ) -> Result<(P, LoadReport), PluginError> {
        let (pre, compile, took, sha256) = self.prepare(name, bytes)?;
        let bound = bind(pre).map_err(|e| PluginError::WorldMismatch {
            plugin: name.to_owned(),
            world: world.name(),
            detail: format!("{e:#}"),
        })?;
        let report = LoadReport {
            name: name.to_owned(),
            world,
            origin,
            sha256,
            size_bytes: bytes.len(),
            compile,
            load_micros: took.as_micros(),
        };
        tracing::info!(
            plugin = name,
            world = %world,
            compile = ?report.compile,
            load_ms = took.as_secs_f64() * 1000.0,
            size = bytes.len(),
            "plugin loaded"
        );
        Ok((bound, report))
    }

    pub fn load_tax(
        &self,
        name: &str,
        origin: Origin,
        bytes: &[u8],
    ) -> Result<TaxPlugin, PluginError> {
        let (pre, report) = self.load(
            name,
            origin,
            bytes,
            World::TaxCalculator,
            tax::TaxCalculatorPre::new,
        )?;
        Ok(TaxPlugin {
            handle: Handle::new(report, self.limits),
            pre,
        })
    }

    pub fn load_layout(
        &self,
        name: &str,
        origin: Origin,
        bytes: &[u8],
    ) -> Result<LayoutPlugin, PluginError> {
        let (pre, report) = self.load(
            name,
            origin,
            bytes,
            World::ReceiptLayout,
            layout::ReceiptLayoutPre::new,
        )?;
        Ok(LayoutPlugin {
            handle: Handle::new(report, self.limits),
            pre,
        })
    }

    pub fn load_device_driver(
        &self,
        name: &str,
        origin: Origin,
        bytes: &[u8],
    ) -> Result<DeviceDriverPlugin, PluginError> {
        let (pre, report) = self.load(
            name,
            origin,
            bytes,
            World::DeviceDriver,
            device::DeviceDriverPre::new,
        )?;
        Ok(DeviceDriverPlugin {
            handle: Handle::new(report, self.limits),
            pre,
        })
    }

    pub fn load_payment_driver(
        &self,
        name: &str,
        origin: Origin,
        bytes: &[u8],
    ) -> Result<PaymentDriverPlugin, PluginError> {
        let (pre, report) = self.load(
            name,
            origin,
            bytes,
            World::PaymentDriver,
            payment::PaymentDriverPre::new,
        )?;
        Ok(PaymentDriverPlugin {
            handle: Handle::new(report, self.limits),
            pre,
        })
    }

    /// Tells a vendor which worlds a component fits, and why it does not fit the others.
    pub fn check(&self, bytes: &[u8]) -> CheckReport {
        let mut report = CheckReport::default();
        let component = match Component::new(&self.engine, bytes) {
            Ok(c) => c,
            Err(e) => {
                report.error = Some(format!("not a valid WebAssembly component: {e:#}"));
                return report;
            }
        };
        let ty = component.component_type();
        report.imports = ty
            .imports(&self.engine)
            .map(|(n, _)| n.to_owned())
            .collect();
        report.exports = ty
            .exports(&self.engine)
            .map(|(n, _)| n.to_owned())
            .collect();
        let pre = match self.linker.instantiate_pre(&component) {
            Ok(pre) => pre,
            Err(e) => {
                report.error = Some(format!(
                    "it imports something the host does not provide (only wasi:* with no \
                     capabilities, fiscal:host/transport, fiscal:host/settings and \
                     fiscal:host/log are): {e:#}"
                ));
                return report;
            }
        };
        for world in World::ALL {
            let fit = match world {
                World::TaxCalculator => tax::TaxCalculatorPre::new(pre.clone()).map(drop),
                World::ReceiptLayout => layout::ReceiptLayoutPre::new(pre.clone()).map(drop),
                World::DeviceDriver => device::DeviceDriverPre::new(pre.clone()).map(drop),
                World::PaymentDriver => payment::PaymentDriverPre::new(pre.clone()).map(drop),
            };
            report
                .worlds
                .push((world, fit.map_err(|e| format!("{e:#}"))));
        }
        report
    }
}

/// The answer of `fiscal-host plugin check`.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Set when the component could not be compiled or linked at all.
    pub error: Option<String>,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    pub worlds: Vec<(World, Result<(), String>)>,
}

impl CheckReport {
    pub fn fitting(&self) -> Vec<World> {
        self.worlds
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(w, _)| *w)
            .collect()
    }
}

/// What every typed plugin shares: its report and the per-call sandbox.
#[derive(Clone)]
struct Handle {
    report: Arc<LoadReport>,
    limits: Limits,
}

impl Handle {
    fn new(report: LoadReport, limits: Limits) -> Self {
        Self {
            report: Arc::new(report),
            limits,
        }
    }

    /// Runs one call in a fresh store; a trap, a runaway loop or a memory hog becomes the
    /// typed error of this call only.
    fn call<B, R>(
        &self,
        engine: &Engine,
        instantiate: impl FnOnce(&mut Store<PluginState>) -> wasmtime::Result<B>,
        invoke: impl FnOnce(&B, &mut Store<PluginState>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        self.call_lent(engine, None, instantiate, invoke).0
    }

    /// Like `call`, lending the store a device's line and settings, which come back afterwards
    /// whatever the call did.
    fn call_lent<B, R>(
        &self,
        engine: &Engine,
        lent: Option<Lent>,
        instantiate: impl FnOnce(&mut Store<PluginState>) -> wasmtime::Result<B>,
        invoke: impl FnOnce(&B, &mut Store<PluginState>) -> wasmtime::Result<R>,
    ) -> (Result<R, PluginError>, Option<Lent>) {
        let name = &self.report.name;
        let mut store = match sandbox::new_store(engine, self.limits, lent) {
            Ok(store) => store,
            // new_store fails only on setting fuel, which consume_fuel(true) makes infallible
            Err(e) => return (Err(PluginError::Runtime(format!("{e:#}"))), None),
        };
        let result = instantiate(&mut store).and_then(|bound| invoke(&bound, &mut store));
        sandbox::drain_output(name, &store);
        let result = result.map_err(|e| {
            let err = sandbox::classify(name, self.limits, &store, e);
            tracing::warn!(plugin = %name, "plugin call failed: {err}");
            err
        });
        let lent = store.data_mut().lent.take();
        (result, lent)
    }
}

/// A loaded tax-calculator plugin. Cheap to clone; safe to call from many threads.
#[derive(Clone)]
pub struct TaxPlugin {
    handle: Handle,
    pre: tax::TaxCalculatorPre<PluginState>,
}

impl TaxPlugin {
    pub fn report(&self) -> &LoadReport {
        &self.handle.report
    }

    /// Instantiates into a fresh store and calls nothing: the fixed cost of every call,
    /// measured by the benchmarks.
    pub fn instantiate_only(&self) -> Result<(), PluginError> {
        self.handle.call(
            self.pre.engine(),
            |store| self.pre.instantiate(store),
            |_, _| Ok(()),
        )
    }

    /// The outer error is the sandbox's (trap, CPU, memory); the inner one is the plugin's answer.
    pub fn calculate(
        &self,
        doc: &tax::Document,
    ) -> Result<Result<tax::TaxResult, tax::TaxError>, PluginError> {
        self.handle.call(
            self.pre.engine(),
            |store| self.pre.instantiate(store),
            |bound, store| bound.fiscal_host_tax().call_calculate(store, doc),
        )
    }
}

/// A loaded receipt-layout plugin. Cheap to clone; safe to call from many threads.
#[derive(Clone)]
pub struct LayoutPlugin {
    handle: Handle,
    pre: layout::ReceiptLayoutPre<PluginState>,
}

impl LayoutPlugin {
    pub fn report(&self) -> &LoadReport {
        &self.handle.report
    }

    pub fn render(
        &self,
        receipt: &layout::Receipt,
        width: u32,
    ) -> Result<Result<Vec<layout::Element>, layout::LayoutError>, PluginError> {
        self.handle.call(
            self.pre.engine(),
            |store| self.pre.instantiate(store),
            |bound, store| {
                bound
                    .fiscal_host_layout()
                    .call_render(store, receipt, width)
            },
        )
    }
}

/// A loaded device driver (fiscal register or printer).
#[derive(Clone)]
pub struct DeviceDriverPlugin {
    handle: Handle,
    pre: device::DeviceDriverPre<PluginState>,
}

impl DeviceDriverPlugin {
    pub fn report(&self) -> &LoadReport {
        &self.handle.report
    }

    /// One operation of the `register` interface, with the device's line lent for its duration.
    pub fn call<R>(
        &self,
        lent: Lent,
        op: impl FnOnce(
            &device::exports::fiscal::host::register::Guest,
            &mut Store<PluginState>,
        ) -> wasmtime::Result<R>,
    ) -> (Result<R, PluginError>, Lent) {
        let (result, back) = self.handle.call_lent(
            self.pre.engine(),
            Some(lent),
            |store| self.pre.instantiate(store),
            |bound, store| op(bound.fiscal_host_register(), store),
        );
        (result, back.expect("the store returns what it was lent"))
    }
}

/// A loaded payment-terminal driver.
#[derive(Clone)]
pub struct PaymentDriverPlugin {
    handle: Handle,
    pre: payment::PaymentDriverPre<PluginState>,
}

impl PaymentDriverPlugin {
    pub fn report(&self) -> &LoadReport {
        &self.handle.report
    }

    /// One operation of the `terminal` interface, with the device's line lent for its duration.
    pub fn call<R>(
        &self,
        lent: Lent,
        op: impl FnOnce(
            &payment::exports::fiscal::host::terminal::Guest,
            &mut Store<PluginState>,
        ) -> wasmtime::Result<R>,
    ) -> (Result<R, PluginError>, Lent) {
        let (result, back) = self.handle.call_lent(
            self.pre.engine(),
            Some(lent),
            |store| self.pre.instantiate(store),
            |bound, store| op(bound.fiscal_host_terminal(), store),
        );
        (result, back.expect("the store returns what it was lent"))
    }
}
