//! One client's life: warm-up, waiting for every other client to be warm, then the measured
//! receipts on its plan. Measuring starts for all clients at one instant, so slow warm-ups
//! (first connections, a shift being opened) stay out of the figures.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::Barrier;
use tokio::time::Instant;

use crate::clients::Client;
use crate::schedule::{Plan, Timetable};
use crate::tally::{Failure, Tally};

/// Closed-loop pause after a transport failure, so a host that is down is not hammered with
/// millions of refused connections in a duration run.
const IO_BACKOFF: Duration = Duration::from_millis(10);

/// What every client needs to agree on.
pub struct Start {
    pub barrier: Barrier,
    /// Set by the first client through the barrier; the others read the same instant.
    pub at: OnceLock<Instant>,
}

/// How a client is paced, before the start instant is known.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    pub quota: Option<u64>,
    pub duration: Option<Duration>,
    pub rate: Option<f64>,
    pub clients: u32,
}

pub struct Outcome {
    pub tally: Tally,
    pub start: Instant,
    pub finished: Instant,
    /// Open loop: sends due before the deadline that were never made.
    pub missed: u64,
}

pub async fn client(
    mut client: Client,
    index: u32,
    warmup: u32,
    pace: Pace,
    timeout: Duration,
    start: Arc<Start>,
) -> Outcome {
    let mut seq = 0u64;
    for _ in 0..warmup {
        if tokio::time::timeout(timeout, client.receipt(seq))
            .await
            .is_err()
        {
            client.reset();
        }
        seq += 1;
    }
    start.barrier.wait().await;
    let t0 = *start.at.get_or_init(Instant::now);
    let plan = Plan {
        quota: pace.quota,
        deadline: pace.duration.map(|d| t0 + d),
        timetable: pace
            .rate
            .map(|rate| Timetable::new(t0, rate, pace.clients, index)),
    };
    let mut tally = Tally::new();
    let mut k = 0u64;
    while let Some(due) = plan.due(k, Instant::now()) {
        if plan.timetable.is_some() {
            tokio::time::sleep_until(due).await;
        }
        let outcome = tokio::time::timeout(timeout, client.receipt(seq)).await;
        let done = Instant::now();
        match outcome {
            Ok(Ok(())) => tally.ok(done - due),
            Ok(Err(failure)) => {
                let pause = failure.is_io() && plan.timetable.is_none();
                tally.error(failure);
                if pause {
                    tokio::time::sleep(IO_BACKOFF).await;
                }
            }
            Err(_) => {
                client.reset();
                tally.error(Failure::new(
                    "timeout",
                    format!("no answer within {} ms", timeout.as_millis()),
                ));
            }
        }
        k += 1;
        seq += 1;
    }
    let finished = Instant::now();
    let missed = match (plan.timetable, plan.deadline) {
        (Some(t), Some(end)) => t.due_before(end).saturating_sub(k),
        _ => 0,
    };
    Outcome {
        tally,
        start: t0,
        finished,
        missed,
    }
}
