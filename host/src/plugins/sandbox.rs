//! The sandbox of a plugin: a store that grants nothing, with memory and CPU limits per call.
//!
//! A store with its instance is kept warm for the plugin's next call after a call that ended
//! normally (`runtime.rs`): fuel and the limiter are re-armed per call, the output drained per
//! call. After a trap, a runaway loop, a refused growth or too much output it is dropped, so a
//! plugin that failed leaves no broken instance behind. Reuse is what makes a call cheap: a fresh
//! instance costs its instantiation and, worse, the first write to every page of its memory is a
//! copy-on-write fault with a TLB shoot-down on every core (measured in BENCHMARKS.md).

use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxView, WasiView};

use super::error::PluginError;

/// Limits applied to every call of a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest linear memory a plugin may grow to, in bytes.
    pub memory_bytes: usize,
    /// Wasm fuel per call: roughly one unit per instruction executed.
    pub fuel: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 64 << 20,
            // A 100-line tax document needs about 217 000 (BENCHMARKS.md), so this leaves
            // ~4600× headroom while a runaway loop burns it in about 20 ms.
            fuel: 1_000_000_000,
        }
    }
}

/// How much a plugin may print per call before the rest is dropped.
const OUTPUT_CAPACITY: usize = 64 << 10;

/// What the host lends a driver for one call: its device's line and settings.
pub struct Lent {
    pub device: std::sync::Arc<str>,
    pub line: crate::transport::Line,
    pub settings: std::sync::Arc<std::collections::BTreeMap<String, String>>,
}

/// The data of a plugin's store: an empty WASI context, the limiter, and for a driver what
/// it was lent.
pub struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: CallLimiter,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    /// How much of stdout and stderr earlier calls already handed to tracing.
    drained: [usize; 2],
    pub(super) lent: Option<Lent>,
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Delegates to `StoreLimits` and remembers a refused growth, so the trap that follows
/// (Rust's allocator aborts when memory.grow fails) is reported as what it is.
struct CallLimiter {
    inner: StoreLimits,
    memory_refused: bool,
    /// The largest linear memory granted so far (it never shrinks while the instance lives).
    memory_granted: usize,
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.inner.memory_growing(current, desired, maximum)?;
        self.memory_refused |= !allowed;
        if allowed {
            self.memory_granted = self.memory_granted.max(desired);
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}

/// A clock stopped at the epoch: plugins get no time they were not given through WIT.
struct StoppedClock;

impl HostWallClock for StoppedClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for StoppedClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// Makes the store for one call.
pub fn new_store(
    engine: &wasmtime::Engine,
    limits: Limits,
    lent: Option<Lent>,
) -> wasmtime::Result<Store<PluginState>> {
    let stdout = MemoryOutputPipe::new(OUTPUT_CAPACITY);
    let stderr = MemoryOutputPipe::new(OUTPUT_CAPACITY);
    // No preopened dirs, no env, no args, no network: the builder grants none by default;
    // stdout/stderr are captured and handed to tracing after the call.
    let wasi = WasiCtx::builder()
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .wall_clock(StoppedClock)
        .monotonic_clock(StoppedClock)
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build();
    let state = PluginState {
        wasi,
        table: ResourceTable::new(),
        limiter: CallLimiter {
            inner: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .instances(16)
                .tables(16)
                .memories(4)
                .build(),
            memory_refused: false,
            memory_granted: 0,
        },
        stdout,
        stderr,
        drained: [0, 0],
        lent,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limiter);
    store.set_fuel(limits.fuel)?;
    Ok(store)
}

/// Arms a warm store for its next call: a full fuel tank, a clear limiter, the device's line.
pub fn rearm(
    store: &mut Store<PluginState>,
    limits: Limits,
    lent: Option<Lent>,
) -> wasmtime::Result<()> {
    let state = store.data_mut();
    state.limiter.memory_refused = false;
    state.lent = lent;
    store.set_fuel(limits.fuel)
}

/// Whether a store that ended its call normally may serve the next one. Its output pipes keep
/// what was printed (drained, not emptied), and its memory never shrinks: one that has printed
/// a lot, or grown past half the memory limit, is let go, so a plugin that leaks costs a fresh
/// instance now and then instead of a failed call at the limit.
pub fn reusable(store: &Store<PluginState>, limits: Limits) -> bool {
    let state = store.data();
    state.stdout.contents().len() < OUTPUT_CAPACITY / 2
        && state.stderr.contents().len() < OUTPUT_CAPACITY / 2
        && state.limiter.memory_granted <= limits.memory_bytes / 2
}

/// Hands what the plugin printed during this call to tracing, line by line.
pub fn drain_output(plugin: &str, store: &mut Store<PluginState>) {
    let state = store.data_mut();
    for (i, (stream, pipe)) in [("stdout", &state.stdout), ("stderr", &state.stderr)]
        .into_iter()
        .enumerate()
    {
        let bytes = pipe.contents();
        let new = bytes.get(state.drained[i]..).unwrap_or_default();
        for line in String::from_utf8_lossy(new).lines() {
            tracing::info!(target: "fiscal_host::plugin_output", plugin, stream, "{line}");
        }
        state.drained[i] = bytes.len();
    }
}

/// Turns a wasmtime failure of a call into the typed error of the request.
pub fn classify(
    plugin: &str,
    limits: Limits,
    store: &Store<PluginState>,
    err: wasmtime::Error,
) -> PluginError {
    if store.data().limiter.memory_refused {
        return PluginError::MemoryExhausted {
            plugin: plugin.to_owned(),
            limit_bytes: limits.memory_bytes,
        };
    }
    if let Some(wasmtime::Trap::OutOfFuel) = err.downcast_ref::<wasmtime::Trap>() {
        return PluginError::CpuExhausted {
            plugin: plugin.to_owned(),
            fuel: limits.fuel,
        };
    }
    PluginError::Trapped {
        plugin: plugin.to_owned(),
        detail: format!("{err:#}"),
    }
}
