//! `GET /health`: is the host up, which plugins did it load (and how: compiled or cached),
//! and which devices are online. `GET /devices`: the devices alone, in detail. With
//! credentials configured both need them; `/health` without them says only that the host lives.

use std::sync::Arc;

use serde::Serialize;
use warp::Filter;

use super::Faces;
use crate::core::{DeviceStatus, RecoveryReport};
use crate::plugins::LoadReport;

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    plugins: Vec<LoadReport>,
    devices: Vec<DeviceStatus>,
    /// What recovery found at start; `unknown` lists what needs a person.
    recovery: RecoveryReport,
    journal: JournalCounters,
}

/// How well the group commit groups: journal writes against the fsyncs that made them durable.
#[derive(Serialize)]
struct JournalCounters {
    writes: u64,
    fsyncs: u64,
}

pub fn route(
    host: Arc<Faces>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    let health_host = host.clone();
    let health = warp::path!("health")
        .and(warp::get())
        .and(super::caller(host.clone()))
        .map(move |caller: super::Caller| -> Box<dyn warp::Reply> {
            // Liveness is for anyone (a load balancer has no credentials); what the host holds —
            // serial numbers, register addresses, plugin hashes, recovery ids — is not.
            if !caller.verdict.allowed() {
                return Box::new(warp::reply::json(&Liveness {
                    status: "ok",
                    version: env!("CARGO_PKG_VERSION"),
                }));
            }
            Box::new(warp::reply::json(&health_of(&health_host)))
        });
    let devices = warp::path!("devices")
        .and(warp::get())
        .and(super::caller(host.clone()))
        .map(
            move |caller: super::Caller| match super::refusal(caller.verdict) {
                Some(refused) => refused,
                None => Box::new(warp::reply::json(&host.core.device_status())),
            },
        );
    health.or(devices)
}

/// What `/health` tells a caller without credentials when they are configured.
#[derive(Serialize)]
struct Liveness {
    status: &'static str,
    version: &'static str,
}

fn health_of(host: &Faces) -> Health {
    Health {
        // Up even when a device is offline: the host serves, the device view says what is wrong.
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        plugins: host.core.plugin_reports(),
        devices: host.core.device_status(),
        recovery: host.core.recovery_report(),
        journal: {
            let (writes, fsyncs) = host.core.journal_counters();
            JournalCounters { writes, fsyncs }
        },
    }
}
