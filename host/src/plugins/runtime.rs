//! The plugin runtime: one engine, the linkers of every WIT version and world, the compile
//! cache, and loading a component into a typed handle.
//!
//! A plugin is compiled once (or loaded from the cache), identified (its WIT version and world
//! are read from its exports, `wit::identify`), and linked once into an `InstancePre` by the
//! linker of exactly its world: a component that imports more than its world grants is refused
//! here, at load, with the import named.

use std::path::PathBuf;
use std::time::Duration;

use wasmtime::component::Component;
use wasmtime::{Config, Engine};

use super::cache::{CompileCache, CompileOutcome, content_hash};
use super::driver::DriverPlugin;
use super::error::PluginError;
use super::report::{LoadReport, Origin, World};
use super::sandbox::{self, Limits};
use super::warm::{LayoutPlugin, TaxPlugin};
use super::wit::{self, DriverPre, Identity, LayoutPre, Linkers, TaxPre};
pub use crate::config::Profiler;

/// What a configured device needs its driver to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DriverRole {
    Register,
    Printer,
    Terminal,
}

impl DriverRole {
    fn served_by(self, world: World) -> bool {
        match self {
            DriverRole::Register => {
                matches!(world, World::FiscalRegister | World::DeviceDriver)
            }
            // A fiscal register prints too (copies, credit receipts) when a lane has no printer.
            DriverRole::Printer => matches!(
                world,
                World::ReceiptPrinter | World::FiscalRegister | World::DeviceDriver
            ),
            DriverRole::Terminal => {
                matches!(world, World::PaymentTerminal | World::PaymentDriver)
            }
        }
    }

    fn wanted(self) -> &'static str {
        match self {
            DriverRole::Register => "fiscal-register (0.1.0: device-driver)",
            DriverRole::Printer => "receipt-printer or fiscal-register (0.1.0: device-driver)",
            DriverRole::Terminal => "payment-terminal (0.1.0: payment-driver)",
        }
    }
}

#[derive(Default)]
pub struct RuntimeConfig {
    pub limits: Limits,
    /// Where compiled components are kept between runs; `None` compiles on every start.
    pub cache_dir: Option<PathBuf>,
    /// Whether compiled plugin code is named for a profiler.
    pub profiler: Profiler,
}

pub struct PluginRuntime {
    engine: Engine,
    linkers: Linkers,
    cache: Option<CompileCache>,
    limits: Limits,
}

/// A component compiled and identified, not yet linked.
struct Compiled {
    component: Component,
    identity: Identity,
    compile: CompileOutcome,
    took: Duration,
    sha256: String,
}

impl PluginRuntime {
    pub fn new(config: RuntimeConfig) -> Result<Self, PluginError> {
        let runtime_err = |e: wasmtime::Error| PluginError::Runtime(format!("{e:#}"));
        let mut wasm_config = Config::new();
        // The CPU limit is a time: compiled code checks the engine's epoch on function entry and
        // loop back-edges, and a ticker thread advances it (see `sandbox`). Fuel, which counted
        // instructions, cost ~15% of a tax call and allowed a machine-dependent time.
        wasm_config.epoch_interruption(true);
        if config.profiler == Profiler::PerfMap {
            wasm_config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&wasm_config).map_err(runtime_err)?;
        sandbox::start_epoch_ticker(&engine, sandbox::epoch_tick(config.limits))
            .map_err(|e| PluginError::Runtime(format!("cannot start the epoch ticker: {e}")))?;
        let linkers = Linkers::new(&engine).map_err(runtime_err)?;
        let cache = match config.cache_dir {
            Some(dir) => Some(CompileCache::new(&dir, &engine).map_err(|e| {
                PluginError::Runtime(format!("compile cache {}: {e}", dir.display()))
            })?),
            None => None,
        };
        Ok(Self {
            engine,
            linkers,
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

    /// Compiles (or loads from the cache) a component and reads its version and world.
    fn compile(&self, name: &str, bytes: &[u8]) -> Result<Compiled, PluginError> {
        let sha256 = content_hash(bytes);
        let compiled = match &self.cache {
            Some(cache) => cache.load_or_compile(&self.engine, &sha256, bytes),
            None => {
                let started = std::time::Instant::now();
                Component::new(&self.engine, bytes)
                    .map(|c| (c, CompileOutcome::CompiledUncached, started.elapsed()))
            }
        };
        let (component, compile, took) = compiled.map_err(|e| PluginError::Compile {
            plugin: name.to_owned(),
            detail: format!("{e:#}"),
        })?;
        let refused = |why| PluginError::Refused {
            plugin: name.to_owned(),
            why,
        };
        let identity = wit::identify(&self.engine, &component).map_err(refused)?;
        identity
            .check_imports(&self.engine, &component)
            .map_err(refused)?;
        Ok(Compiled {
            component,
            identity,
            compile,
            took,
            sha256,
        })
    }

    /// Links a compiled component by its world's linker into what `bind` makes of it.
    fn load<P>(
        &self,
        name: &str,
        origin: Origin,
        bytes: &[u8],
        fits: impl FnOnce(World) -> Result<(), &'static str>,
        bind: impl FnOnce(&Linkers, &Identity, &Component) -> wasmtime::Result<P>,
    ) -> Result<(P, LoadReport), PluginError> {
        let compiled = self.compile(name, bytes)?;
        let Identity { version, world } = compiled.identity;
        fits(world).map_err(|wanted| PluginError::WorldMismatch {
            plugin: name.to_owned(),
            world: wanted,
            detail: format!("it is a {world} component of fiscal:host@{version}"),
        })?;
        let bound = bind(&self.linkers, &compiled.identity, &compiled.component).map_err(|e| {
            PluginError::WorldMismatch {
                plugin: name.to_owned(),
                world: world.name(),
                detail: format!("{e:#}"),
            }
        })?;
        let report = LoadReport {
            name: name.to_owned(),
            world,
            wit: version,
            origin,
            sha256: compiled.sha256,
            size_bytes: bytes.len(),
            compile: compiled.compile,
            load_micros: compiled.took.as_micros(),
            loaded_at: chrono::Utc::now(),
        };
        tracing::info!(
            plugin = name,
            world = %world,
            wit = %version,
            compile = ?report.compile,
            load_ms = compiled.took.as_secs_f64() * 1000.0,
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
        let fits = |w| exactly(w, World::TaxCalculator);
        let (pre, report) = self.load(name, origin, bytes, fits, TaxPre::new)?;
        Ok(TaxPlugin::new(report, self.limits, pre))
    }

    pub fn load_layout(
        &self,
        name: &str,
        origin: Origin,
        bytes: &[u8],
    ) -> Result<LayoutPlugin, PluginError> {
        let fits = |w| exactly(w, World::ReceiptLayout);
        let (pre, report) = self.load(name, origin, bytes, fits, LayoutPre::new)?;
        Ok(LayoutPlugin::new(report, self.limits, pre))
    }

    /// Loads the driver of a device that is to play `role`.
    pub fn load_driver(
        &self,
        name: &str,
        origin: Origin,
        bytes: &[u8],
        role: DriverRole,
    ) -> Result<DriverPlugin, PluginError> {
        let fits = |w| role.served_by(w).then_some(()).ok_or(role.wanted());
        let (pre, report) = self.load(name, origin, bytes, fits, DriverPre::new)?;
        Ok(DriverPlugin::new(report, self.limits, pre))
    }

    /// Tells a vendor what a component is (WIT version, world), and why the host would refuse it.
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
        let identity = match wit::identify(&self.engine, &component) {
            Ok(identity) => identity,
            Err(e) => {
                report.error = Some(e.to_string());
                return report;
            }
        };
        report.identity = Some(identity.clone());
        if let Err(e) = identity.check_imports(&self.engine, &component) {
            report.error = Some(e.to_string());
            return report;
        }
        let linked = match identity.world {
            World::TaxCalculator => TaxPre::new(&self.linkers, &identity, &component).map(drop),
            World::ReceiptLayout => LayoutPre::new(&self.linkers, &identity, &component).map(drop),
            _ => DriverPre::new(&self.linkers, &identity, &component).map(drop),
        };
        if let Err(e) = linked {
            report.error = Some(format!(
                "it does not link as a {} component: {e:#}",
                identity.world
            ));
        }
        report
    }
}

fn exactly(world: World, wanted: World) -> Result<(), &'static str> {
    if world == wanted {
        Ok(())
    } else {
        Err(wanted.name())
    }
}

/// The answer of `fiscal-host plugin check`.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Why the host would refuse the component; `None` when it would load it.
    pub error: Option<String>,
    /// Its WIT version and world, when they could be read.
    pub identity: Option<Identity>,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}
