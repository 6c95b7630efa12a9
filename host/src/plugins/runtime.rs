//! The plugin runtime: one engine, one linker, the compile cache, and typed plugin handles.
//!
//! A plugin is compiled once (or loaded from the cache), linked once into an `InstancePre`;
//! a call takes a warm instance of it (or instantiates one into a fresh sandboxed store), and
//! gives it back when the call ended normally (see `sandbox`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wasmtime::component::{Component, HasSelf, InstancePre, Linker};
use wasmtime::{Config, Engine, Store};

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

impl PluginRuntime {
    pub fn new(config: RuntimeConfig) -> Result<Self, PluginError> {
        let runtime_err = |e: wasmtime::Error| PluginError::Runtime(format!("{e:#}"));
        let mut wasm_config = Config::new();
        // The CPU limit is a time: compiled code checks the engine's epoch on function entry and
        // loop back-edges, and a ticker thread advances it (see `sandbox`). Fuel, which counted
        // instructions, cost ~15% of a tax call and allowed a machine-dependent time.
        wasm_config.epoch_interruption(true);
        let engine = Engine::new(&wasm_config).map_err(runtime_err)?;
        sandbox::start_epoch_ticker(&engine, sandbox::epoch_tick(config.limits))
            .map_err(|e| PluginError::Runtime(format!("cannot start the epoch ticker: {e}")))?;

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

/// Warm instances kept per plugin handle. A device's driver needs one (its worker calls it one
/// at a time); a tax or layout call takes ~50 µs, so even at a thousand receipts a second they
/// rarely overlap: four cover the peaks, and a call beyond them instantiates a fresh instance
/// (dropped afterwards). Each warm instance keeps its touched memory, ~2 MiB.
const MAX_WARM: usize = 4;

/// A store with its instance (`B`: the world's bindings), ready for another call.
type Warm<B> = (Store<PluginState>, B);

/// What every typed plugin shares: its report, the sandbox's limits and its warm instances.
struct Handle<B> {
    report: Arc<LoadReport>,
    limits: Limits,
    warm: Arc<Mutex<Vec<Warm<B>>>>,
}

impl<B> Clone for Handle<B> {
    fn clone(&self) -> Self {
        Self {
            report: self.report.clone(),
            limits: self.limits,
            warm: self.warm.clone(),
        }
    }
}

impl<B> Handle<B> {
    fn new(report: LoadReport, limits: Limits) -> Self {
        Self {
            report: Arc::new(report),
            limits,
            warm: Arc::default(),
        }
    }

    /// Runs one call; a trap, a runaway loop or a memory hog becomes the typed error of this
    /// call only (and its instance is dropped).
    fn call<R>(
        &self,
        engine: &Engine,
        instantiate: impl FnOnce(&mut Store<PluginState>) -> wasmtime::Result<B>,
        invoke: impl FnOnce(&B, &mut Store<PluginState>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        self.call_lent(engine, None, instantiate, invoke).0
    }

    /// Like `call`, lending the store a device's line and settings, which come back afterwards
    /// whatever the call did.
    fn call_lent<R>(
        &self,
        engine: &Engine,
        lent: Option<Lent>,
        instantiate: impl FnOnce(&mut Store<PluginState>) -> wasmtime::Result<B>,
        invoke: impl FnOnce(&B, &mut Store<PluginState>) -> wasmtime::Result<R>,
    ) -> (Result<R, PluginError>, Option<Lent>) {
        let name = &self.report.name;
        let warm = self.warm.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let (mut store, bound) = match warm {
            Some((mut store, bound)) => match sandbox::rearm(&mut store, self.limits, lent) {
                Ok(()) => (store, Ok(bound)),
                Err(e) => {
                    let lent = store.data_mut().lent.take();
                    return (Err(PluginError::Runtime(format!("{e:#}"))), lent);
                }
            },
            None => {
                let mut store = match sandbox::new_store(engine, self.limits, lent) {
                    Ok(store) => store,
                    // new_store cannot fail today; the signature keeps room for limits that can
                    Err(e) => return (Err(PluginError::Runtime(format!("{e:#}"))), None),
                };
                let bound = instantiate(&mut store);
                (store, bound)
            }
        };
        let (result, bound) = match bound {
            Ok(bound) => (invoke(&bound, &mut store), Some(bound)),
            Err(e) => (Err(e), None),
        };
        sandbox::drain_output(name, &mut store);
        let lent = store.data_mut().lent.take();
        match result {
            Ok(value) => {
                if let Some(bound) = bound
                    && sandbox::reusable(&store, self.limits)
                {
                    let mut warm = self.warm.lock().unwrap_or_else(|p| p.into_inner());
                    if warm.len() < MAX_WARM {
                        warm.push((store, bound));
                    }
                }
                (Ok(value), lent)
            }
            Err(e) => {
                let err = sandbox::classify(name, self.limits, &store, e);
                tracing::warn!(plugin = %name, "plugin call failed: {err}");
                (Err(err), lent)
            }
        }
    }
}

/// A loaded tax-calculator plugin. Cheap to clone; safe to call from many threads.
#[derive(Clone)]
pub struct TaxPlugin {
    handle: Handle<tax::TaxCalculator>,
    pre: tax::TaxCalculatorPre<PluginState>,
}

impl TaxPlugin {
    pub fn report(&self) -> &LoadReport {
        &self.handle.report
    }

    /// Instantiates into a fresh store and calls nothing: what a call costs when no warm
    /// instance is at hand (the first call, or the one after a failure), for the benchmarks.
    pub fn instantiate_only(&self) -> Result<(), PluginError> {
        let mut store = sandbox::new_store(self.pre.engine(), self.handle.limits, None)
            .map_err(|e| PluginError::Runtime(format!("{e:#}")))?;
        self.pre
            .instantiate(&mut store)
            .map(drop)
            .map_err(|e| PluginError::Runtime(format!("{e:#}")))
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
    handle: Handle<layout::ReceiptLayout>,
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
    handle: Handle<device::DeviceDriver>,
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
    handle: Handle<payment::PaymentDriver>,
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
