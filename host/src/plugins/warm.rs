//! Tax and layout plugins: pure functions called from many request threads at once, each call
//! on a warm instance from a small pool (or a fresh one when none is free).
//!
//! A device driver is not pooled: its device's actor owns its one instance (`driver.rs`).

use std::sync::{Arc, Mutex};

use wasmtime::{Engine, Store};

use super::contract::{layout, tax};
use super::error::PluginError;
use super::report::LoadReport;
use super::sandbox::{self, Limits, PluginState};
use super::wit::{Answer, LayoutInstance, LayoutPre, TaxInstance, TaxPre};

/// Warm instances kept per plugin. A tax or layout call takes ~25–50 µs, so even at a thousand
/// receipts a second they rarely overlap: four cover the peaks, and a call beyond them
/// instantiates a fresh instance (dropped afterwards). Each keeps its touched memory, ~2 MiB.
const MAX_WARM: usize = 4;

/// A store with its instance (`I`: the world's instance of some WIT version), ready for another call.
type Warm<I> = (Store<PluginState>, I);

/// What a pooled plugin keeps: its report, the sandbox's limits and its warm instances.
struct Pool<I> {
    report: Arc<LoadReport>,
    limits: Limits,
    warm: Arc<Mutex<Vec<Warm<I>>>>,
}

impl<I> Clone for Pool<I> {
    fn clone(&self) -> Self {
        Self {
            report: self.report.clone(),
            limits: self.limits,
            warm: self.warm.clone(),
        }
    }
}

impl<I> Pool<I> {
    fn new(report: LoadReport, limits: Limits) -> Self {
        Self {
            report: Arc::new(report),
            limits,
            warm: Arc::default(),
        }
    }

    /// Runs one call; a trap, a runaway loop or a memory hog becomes the typed error of this
    /// call only (and its instance is dropped).
    fn call<R, E>(
        &self,
        engine: &Engine,
        instantiate: impl FnOnce(&mut Store<PluginState>) -> wasmtime::Result<I>,
        invoke: impl FnOnce(&I, &mut Store<PluginState>) -> Answer<R, E>,
    ) -> Result<Result<R, E>, PluginError> {
        let name = &self.report.name;
        let warm = self.warm.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let (mut store, instance) = match warm {
            Some((mut store, instance)) => {
                sandbox::rearm(&mut store, self.limits);
                (store, Ok(instance))
            }
            None => {
                let mut store = sandbox::new_store(engine, self.limits, None);
                let instance = instantiate(&mut store);
                (store, instance)
            }
        };
        let (result, instance) = match instance {
            Ok(instance) => (invoke(&instance, &mut store), Some(instance)),
            Err(e) => (Err(e), None),
        };
        sandbox::end_call(name, &mut store);
        match result {
            Ok(value) => {
                if let Some(instance) = instance
                    && sandbox::reusable(&store, self.limits)
                {
                    let mut warm = self.warm.lock().unwrap_or_else(|p| p.into_inner());
                    if warm.len() < MAX_WARM {
                        warm.push((store, instance));
                    }
                }
                Ok(value)
            }
            Err(e) => {
                let err = sandbox::classify(name, self.limits, &store, e);
                tracing::warn!(plugin = %name, "plugin call failed: {err}");
                Err(err)
            }
        }
    }
}

/// A loaded tax-calculator plugin. Cheap to clone; safe to call from many threads.
#[derive(Clone)]
pub struct TaxPlugin {
    pool: Pool<TaxInstance>,
    pre: TaxPre,
}

impl TaxPlugin {
    pub(super) fn new(report: LoadReport, limits: Limits, pre: TaxPre) -> Self {
        Self {
            pool: Pool::new(report, limits),
            pre,
        }
    }

    pub fn report(&self) -> &LoadReport {
        &self.pool.report
    }

    /// Instantiates into a fresh store and calls nothing: what a call costs when no warm
    /// instance is at hand (the first call, or the one after a failure), for the benchmarks.
    pub fn instantiate_only(&self) -> Result<(), PluginError> {
        let mut store = sandbox::new_store(self.pre.engine(), self.pool.limits, None);
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
        let lines = doc.lines.len();
        let answer = self.pool.call(
            self.pre.engine(),
            |store| self.pre.instantiate(store),
            |instance, store| instance.calculate(store, doc),
        )?;
        // Every version: the figures are matched to the lines by position, so a missing or an
        // extra one would put a line's figures on another.
        if let Ok(result) = &answer
            && result.lines.len() != lines
        {
            return Err(PluginError::OutsideContract {
                plugin: self.pool.report.name.clone(),
                detail: format!("figures for {} lines of {lines}", result.lines.len()),
            });
        }
        Ok(answer)
    }
}

/// A loaded receipt-layout plugin. Cheap to clone; safe to call from many threads.
#[derive(Clone)]
pub struct LayoutPlugin {
    pool: Pool<LayoutInstance>,
    pre: LayoutPre,
}

impl LayoutPlugin {
    pub(super) fn new(report: LoadReport, limits: Limits, pre: LayoutPre) -> Self {
        Self {
            pool: Pool::new(report, limits),
            pre,
        }
    }

    pub fn report(&self) -> &LoadReport {
        &self.pool.report
    }

    pub fn render(
        &self,
        receipt: layout::Receipt,
        width: u32,
    ) -> Result<Result<Vec<layout::Element>, layout::LayoutError>, PluginError> {
        self.pool.call(
            self.pre.engine(),
            |store| self.pre.instantiate(store),
            |instance, store| instance.render(store, receipt, width),
        )
    }
}
