//! `GET /health`: is the host up, which plugins did it load (and how: compiled or cached),
//! and which devices are online. `GET /devices`: the devices alone, in detail.

use std::sync::Arc;

use serde::Serialize;
use warp::Filter;

use crate::app::Host;
use crate::core::RecoveryReport;
use crate::devices::DeviceView;
use crate::plugins::LoadReport;

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    plugins: Vec<LoadReport>,
    devices: Vec<DeviceView>,
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
    host: Arc<Host>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    let health_host = host.clone();
    let health = warp::path!("health").and(warp::get()).map(move || {
        let devices = health_host.devices.views();
        warp::reply::json(&Health {
            // Up even when a device is offline: the host serves, the device view says what is wrong.
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
            plugins: health_host.plugin_reports(),
            devices,
            recovery: health_host.core.recovery_report(),
            journal: {
                let (writes, fsyncs) = health_host.core.journal_counters();
                JournalCounters { writes, fsyncs }
            },
        })
    });
    let devices = warp::path!("devices")
        .and(warp::get())
        .map(move || warp::reply::json(&host.devices.views()));
    health.or(devices)
}
