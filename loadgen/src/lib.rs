//! A load tool for the fiscal host: N concurrent clients drive one of its faces (WebSocket,
//! REST, JSON-RPC) over loopback for a count or a time, and the run is reported as throughput
//! and latency percentiles. `run` is the whole of it, usable from a test: no process exit, no
//! global state, the report is returned.

pub mod auth;
pub mod clients;
pub mod connection;
pub mod cpu;
pub mod devices;
pub mod drive;
pub mod memory;
pub mod options;
pub mod receipt;
pub mod report;
pub mod schedule;
pub mod tally;
pub mod target;

use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use tokio::sync::Barrier;

pub use options::{Face, Options};
pub use report::{ErrorReason, Latency, Report};

use auth::Credentials;
use clients::{Client, Shared};
use drive::{Pace, Start};
use report::Setup;
use tally::Tally;

/// Runs the load described by `opts` against the host and reports it. Fails before sending any
/// receipt when the options are out of bounds, the host is not on loopback, has no fiscal
/// register, or a shift cannot be opened; failures during the run are counted, not returned.
pub async fn run(opts: Options) -> anyhow::Result<Report> {
    opts.validate()?;
    let target = target::resolve(&opts.url).await?;
    let credentials = Credentials {
        token: opts.token.clone(),
        user: opts.user.clone(),
    };
    // A host that accepts and never answers must not hang the run before it starts.
    let patience = opts.timeout;
    let all = tokio::time::timeout(
        patience,
        devices::discover(&target, credentials.authorization().as_deref()),
    )
    .await
    .with_context(|| format!("GET /devices: no answer within {} ms", patience.as_millis()))??;
    let registers = devices::used(&all, opts.clients);
    let shared = Arc::new(Shared::new(
        opts.face,
        target,
        credentials,
        receipt::lines(opts.lines),
        run_id(),
        opts.request_ids,
    ));
    for register in &registers {
        tokio::time::timeout(patience, clients::open_shift(&shared, register))
            .await
            .with_context(|| {
                format!(
                    "opening the shift on `{register}`: no answer within {} ms",
                    patience.as_millis()
                )
            })??;
    }

    // The run itself waits at the barrier too, to read the host's CPU as measuring starts.
    let start = Arc::new(Start {
        barrier: Barrier::new(opts.clients as usize + 1),
        at: OnceLock::new(),
    });
    let tasks: Vec<_> = (0..opts.clients)
        .map(|index| {
            let register = registers[index as usize % registers.len()].clone();
            let client = Client::new(shared.clone(), index, register);
            let pace = Pace {
                quota: opts
                    .count
                    .map(|count| schedule::quota(count, opts.clients, index)),
                duration: opts.duration,
                rate: opts.rate,
                clients: opts.clients,
            };
            tokio::spawn(drive::client(
                client,
                index,
                opts.warmup,
                pace,
                opts.timeout,
                start.clone(),
            ))
        })
        .collect();

    let cpu_sample =
        |pid| -> anyhow::Result<_> { Ok((cpu::Sample::of(pid)?, cpu::Sample::own()?)) };
    let cpu_start = opts.host_pid.map(cpu_sample).transpose()?;
    start.barrier.wait().await;
    let cpu_start = match (opts.host_pid, cpu_start) {
        // Read again once every client is warm: the first reading only proved the pid.
        (Some(pid), Some(_)) => Some(cpu_sample(pid)?),
        _ => None,
    };
    let sampler = opts.host_pid.map(memory_sampler);
    let mut tally = Tally::new();
    let mut missed = 0;
    let mut window = None;
    for task in tasks {
        let outcome = task.await.context("a client task failed")?;
        tally.merge(outcome.tally);
        missed += outcome.missed;
        let (t0, end) = window.get_or_insert((outcome.start, outcome.finished));
        *t0 = (*t0).min(outcome.start);
        *end = (*end).max(outcome.finished);
    }
    let elapsed = window.map(|(t0, end)| end - t0).unwrap_or_default();
    let host_cpu = match (opts.host_pid, cpu_start) {
        (Some(pid), Some(begin)) => Some(cpu::HostCpu::between(
            pid,
            &begin,
            &cpu_sample(pid)?,
            tally.ok,
        )),
        _ => None,
    };
    let host_memory = match (opts.host_pid, sampler) {
        (Some(pid), Some((stop, readings))) => {
            let _ = stop.send(());
            let mut points = readings.await.context("the memory sampler failed")?;
            let (rss_kib, peak_kib) = memory::read(pid)?;
            let at_s = points
                .last()
                .map_or(0.0, |p| p.at_s)
                .max(elapsed.as_secs_f64());
            points.push(memory::Point { at_s, rss_kib });
            memory::HostMemory::of(points, peak_kib, tally.ok).map(|mut m| {
                m.proportional = memory::proportional(pid);
                m
            })
        }
        _ => None,
    };
    let setup = Setup {
        face: opts.face,
        url: opts.url,
        clients: opts.clients,
        registers,
        lines: opts.lines,
        target_rate: opts.rate,
        request_ids: opts.request_ids,
        warmup: opts.warmup,
    };
    let mut report = Report::new(setup, tally, elapsed, missed);
    report.host_cpu = host_cpu;
    report.host_memory = host_memory;
    Ok(report)
}

/// Reads the host's resident memory every `memory::EVERY` from now until told to stop; the
/// readings come back from the task.
fn memory_sampler(
    pid: u32,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Vec<memory::Point>>,
) {
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let t0 = std::time::Instant::now();
    let readings = tokio::spawn(async move {
        let mut points = Vec::new();
        let mut tick = tokio::time::interval(memory::EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    // A host that ended mid-run shows in the CPU reading's error at the end.
                    if let Ok((rss_kib, _)) = memory::read(pid) {
                        points.push(memory::Point { at_s: t0.elapsed().as_secs_f64(), rss_kib });
                    }
                }
                _ = &mut stopped => break,
            }
        }
        points
    });
    (stop, readings)
}

/// Writes the report where the options ask: the text on stdout, and with `--json PATH` the
/// JSON to that file, or with `--json -` the JSON on stdout and the text on stderr.
pub fn emit(report: &Report, json: Option<&str>) -> anyhow::Result<()> {
    match json {
        Some("-") => {
            eprint!("{}", report.to_text());
            println!("{}", report.to_json());
        }
        Some(path) => {
            print!("{}", report.to_text());
            std::fs::write(path, report.to_json() + "\n")
                .with_context(|| format!("writing the JSON report to {path}"))?;
        }
        None => print!("{}", report.to_text()),
    }
    Ok(())
}

/// Receipt numbers and RPC codes must not repeat those of an earlier run on the same journal.
fn run_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos:x}{:x}", std::process::id())
}
