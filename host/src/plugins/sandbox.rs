//! The sandbox of a plugin: a store that grants nothing, with memory and CPU limits per call.
//!
//! A store with its instance serves the plugin's next call after a call that ended normally (a
//! tax or layout plugin's small pool, `warm.rs`; a device's actor keeps its driver's one store for
//! the device's life, `driver.rs`): the CPU deadline and the limiter are re-armed per call, the
//! output drained per call. After a trap, a runaway loop, a refused growth or too much output it is
//! dropped, so a plugin that failed leaves no broken instance behind. Reuse is what makes a call cheap: a fresh
//! instance costs its instantiation and, worse, the first write to every page of its memory is a
//! copy-on-write fault with a TLB shoot-down on every core (measured in BENCHMARKS.md).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use wasmtime::component::ResourceTable;
use wasmtime::{Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxView, WasiView};

use super::error::PluginError;

pub use crate::config::Limits;

/// How often the engine's epoch advances: the CPU limit is checked once per tick, so a runaway
/// call is stopped within its limit plus one tick. A twentieth of the limit (5%), never under
/// 1 ms: a ticker thread waking more often costs the whole machine more than it gains.
pub fn epoch_tick(limits: Limits) -> Duration {
    (limits.cpu() / 20).max(Duration::from_millis(1))
}

/// Plugin calls running now, in every engine of the process: from a call's arming
/// (`arm_clock`) to its end (`end_call`, or its store dropped). The epoch only has to advance
/// while one runs; an idle host's ticker sleeps instead of waking a thousand times a second.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// The ticker threads to wake when a call begins with none running.
static TICKERS: Mutex<Vec<std::thread::Thread>> = Mutex::new(Vec::new());

/// How long a sleeping ticker waits before it looks whether its engine is still alive.
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// Ticks with no call running before the ticker goes to sleep.
const IDLE_TICKS: u32 = 10;

/// One running call, counted in `IN_FLIGHT` for as long as it is held.
pub(super) struct InFlight(());

impl InFlight {
    fn begin() -> Self {
        // Counted before the ticker is woken, and the ticker looks at the count after it
        // wakes: a wake-up that comes before its `park` is kept for it (`Thread::unpark`).
        if IN_FLIGHT.fetch_add(1, Ordering::SeqCst) == 0 {
            for ticker in TICKERS.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                ticker.unpark();
            }
        }
        InFlight(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Starts the thread that advances the engine's epoch every tick while a plugin call runs, for
/// as long as the engine lives (it holds it weakly and ends within a tick of the engine being
/// dropped, or within `IDLE_CHECK` when no call runs).
pub fn start_epoch_ticker(engine: &Engine, tick: Duration) -> std::io::Result<()> {
    let engine = engine.weak();
    std::thread::Builder::new()
        .name("plugin-epoch".into())
        .spawn(move || {
            let me = std::thread::current();
            TICKERS
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(me.clone());
            let mut next = Instant::now();
            let mut idle_ticks = 0;
            loop {
                // Asleep only after a while with no call: under load the calls leave gaps of
                // microseconds between them, and a ticker put to sleep and woken in each would
                // cost more than it ticking on.
                idle_ticks = match IN_FLIGHT.load(Ordering::SeqCst) {
                    0 => idle_ticks + 1,
                    _ => 0,
                };
                if idle_ticks > IDLE_TICKS {
                    std::thread::park_timeout(IDLE_CHECK);
                    // A fresh schedule: the first tick comes a whole tick after the wake-up.
                    next = Instant::now();
                    idle_ticks = 0;
                    if engine.upgrade().is_none() {
                        break;
                    }
                    continue;
                }
                // An absolute schedule, so sleeps that overshoot do not add up into slower
                // ticks; after a long stall (a suspended machine) it starts over from now
                // instead of ticking a burst.
                next += tick;
                let now = Instant::now();
                match next.checked_duration_since(now) {
                    Some(wait) => std::thread::sleep(wait),
                    None => next = now,
                }
                match engine.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
            TICKERS
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|t| t.id() != me.id());
        })
        .map(drop)
}

/// The CPU time a call has used, read when its epoch deadline is reached.
///
/// Why the thread's CPU time and not the call's wall time: a device driver's call spends most
/// of its time blocked in `transport.read`, waiting up to the driver's own timeout for the
/// register to answer. Waiting costs no CPU, so it never counts against the limit, and the
/// host needs no bookkeeping around its imports (`driver_imports.rs`); the little CPU an
/// import itself uses (a write, the in-process emulator's model) does count, which is fair.
/// A wall-time limit would also fail an honest 25 µs call whose thread a loaded machine
/// preempts for longer than the limit, and a failed sale is worse than a runaway that holds
/// its worker a little longer on a busy machine.
///
/// Reading a thread's CPU clock is a system call, so a call whose store holds no line (tax,
/// layout: nothing it imports waits) reads it only at its first tick, which nearly always comes
/// after the call ended (a tax call takes ~25 µs): such a call costs one `Instant::now()`. Until
/// that first reading it is counted as running, but for at most one tick: it is checked at
/// every loop and function entry, so a running call reaches the callback right after the
/// epoch advanced; wall time beyond that is time the thread was preempted. A driver's call
/// reads the clock when it begins, as its first tick may come after a long wait.
struct CallClock {
    began: Instant,
    tick: Duration,
    /// The thread's CPU time at the first reading, and the time the call had used by then.
    first_reading: Option<(Duration, Duration)>,
}

impl CallClock {
    fn start(may_wait: bool, tick: Duration) -> Self {
        Self {
            began: Instant::now(),
            tick,
            first_reading: may_wait
                .then(thread_cpu_time)
                .flatten()
                .map(|cpu| (cpu, Duration::ZERO)),
        }
    }

    /// The deadline of the call's first check, in ticks.
    fn first_deadline(&self, limit: Duration) -> u64 {
        match self.first_reading {
            Some(_) => ticks(limit, self.tick),
            None => 1,
        }
    }

    /// The CPU time this call has used so far.
    fn used(&mut self) -> Duration {
        // Should the thread's CPU clock be unreadable, wall time (never less than CPU time)
        // still stops a runaway, only sooner on a busy machine.
        let Some(cpu) = thread_cpu_time() else {
            return self.began.elapsed();
        };
        match self.first_reading {
            None => {
                let before = self.began.elapsed().min(self.tick);
                self.first_reading = Some((cpu, before));
                before
            }
            Some((cpu_then, before)) => before + cpu.saturating_sub(cpu_then),
        }
    }
}

/// The CPU time the calling thread has used since it started.
fn thread_cpu_time() -> Option<Duration> {
    use nix::time::{ClockId, clock_gettime};
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .ok()
        .map(Duration::from)
}

/// Ticks until `left` has passed, at least one.
fn ticks(left: Duration, tick: Duration) -> u64 {
    left.as_nanos().div_ceil(tick.as_nanos()).max(1) as u64
}

/// How much a plugin may print per call before the rest is dropped.
const OUTPUT_CAPACITY: usize = 64 << 10;

/// What a driver's store holds of its device: the line and the settings.
pub struct DeviceLine {
    pub device: std::sync::Arc<str>,
    pub line: crate::transport::Line,
    pub settings: std::sync::Arc<std::collections::BTreeMap<String, String>>,
}

/// The data of a plugin's store: an empty WASI context, the limiter, and for a driver its
/// device's line and settings.
pub struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: CallLimiter,
    clock: CallClock,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    /// How much of stdout and stderr earlier calls already handed to tracing.
    drained: [usize; 2],
    pub(super) device: Option<DeviceLine>,
    /// The call now running, if one is (for the epoch ticker).
    in_flight: Option<InFlight>,
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

/// Makes a plugin's store; a driver's holds its device's line for the store's life.
pub fn new_store(
    engine: &wasmtime::Engine,
    limits: Limits,
    device: Option<DeviceLine>,
) -> Store<PluginState> {
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
        clock: CallClock::start(false, epoch_tick(limits)), // armed below, as for a warm store
        stdout,
        stderr,
        drained: [0, 0],
        device,
        in_flight: None,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limiter);
    let (limit, tick) = (limits.cpu(), epoch_tick(limits));
    // Reached at each deadline of a call that outlasts its first: stop it when its CPU time is
    // used up, else set the next deadline at the earliest tick at which it could be.
    store.epoch_deadline_callback(move |mut store| {
        match limit.checked_sub(store.data_mut().clock.used()) {
            Some(left) if !left.is_zero() => Ok(UpdateDeadline::Continue(ticks(left, tick))),
            _ => Ok(UpdateDeadline::Interrupt),
        }
    });
    arm_clock(&mut store, limits);
    store
}

/// Starts the call's CPU clock and sets its first epoch deadline (a driver's call may wait
/// on its device, so its clock is read at once; see `CallClock`).
fn arm_clock(store: &mut Store<PluginState>, limits: Limits) {
    let state = store.data_mut();
    state.in_flight = Some(InFlight::begin());
    state.clock = CallClock::start(state.device.is_some(), epoch_tick(limits));
    let first = state.clock.first_deadline(limits.cpu());
    store.set_epoch_deadline(first);
}

/// Arms a warm store for its next call: a new CPU deadline and a clear limiter.
pub fn rearm(store: &mut Store<PluginState>, limits: Limits) {
    store.data_mut().limiter.memory_refused = false;
    arm_clock(store, limits);
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

/// Ends a call: it no longer runs (`InFlight`), and what the plugin printed during it goes to
/// tracing, line by line.
pub fn end_call(plugin: &str, store: &mut Store<PluginState>) {
    let state = store.data_mut();
    state.in_flight = None;
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
    if let Some(broken) = err.downcast_ref::<super::wit::OutsideContract>() {
        return PluginError::OutsideContract {
            plugin: plugin.to_owned(),
            detail: broken.0.clone(),
        };
    }
    // Only the epoch deadline raises Interrupt (the engine has no other interruption).
    if let Some(wasmtime::Trap::Interrupt) = err.downcast_ref::<wasmtime::Trap>() {
        return PluginError::CpuExhausted {
            plugin: plugin.to_owned(),
            limit_ms: limits.cpu_ms,
        };
    }
    PluginError::Trapped {
        plugin: plugin.to_owned(),
        detail: format!("{err:#}"),
    }
}
