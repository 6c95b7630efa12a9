//! `GET /health`: is the host up, which plugins did it load (and how: compiled or cached),
//! and which devices are online. `GET /devices`: the devices alone, in detail. `GET /journal`:
//! the journal's documents, a page at a time (`core::journal_view`). With credentials
//! configured all need them; `/health` without them says only that the host lives.

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
    /// The shipping to head office (`[fleet]`): how far behind, and why when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    fleet: Option<crate::fleet::FleetStatus>,
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
    let devices_host = host.clone();
    let devices = warp::path!("devices")
        .and(warp::get())
        .and(super::caller(host.clone()))
        .map(
            move |caller: super::Caller| match super::refusal(caller.verdict) {
                Some(refused) => refused,
                None => Box::new(warp::reply::json(&devices_host.core.device_status())),
            },
        );
    let journal_host = host.clone();
    let journal = warp::path!("journal")
        .and(warp::get())
        .and(warp::query::<std::collections::HashMap<String, String>>())
        .and(super::caller(host))
        .map(
            move |query: std::collections::HashMap<String, String>, caller: super::Caller| {
                if let Some(refused) = super::refusal(caller.verdict) {
                    return refused;
                }
                let page = journal_query(&query).and_then(|q| {
                    journal_host
                        .core
                        .journal_page(&q)
                        .map_err(|e| e.to_string())
                });
                match page {
                    Ok(page) => Box::new(warp::reply::json(&page)) as Box<dyn warp::Reply>,
                    Err(message) => Box::new(warp::reply::with_status(
                        warp::reply::json(&serde_json::json!({ "error": { "message": message } })),
                        warp::http::StatusCode::BAD_REQUEST,
                    )),
                }
            },
        );
    health.or(devices).or(journal)
}

/// `/journal`'s query: `limit`, `before`, `device`, `from`/`to` (`YYYY-MM-DD`), `fiscal_sign`,
/// `number`; anything else is refused by name, so a typo does not widen the page silently.
fn journal_query(
    query: &std::collections::HashMap<String, String>,
) -> Result<crate::core::journal_view::JournalQuery, String> {
    const KNOWN: &[&str] = &[
        "limit",
        "before",
        "device",
        "from",
        "to",
        "fiscal_sign",
        "number",
    ];
    if let Some(unknown) = query.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(format!(
            "unknown parameter {unknown:?}; known: {}",
            KNOWN.join(", ")
        ));
    }
    let int = |name: &str| -> Result<Option<i64>, String> {
        query
            .get(name)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| format!("{name} {v:?} is not an integer"))
            })
            .transpose()
    };
    let day = |name: &str| -> Result<Option<chrono::NaiveDate>, String> {
        query
            .get(name)
            .map(|v| {
                chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| format!("{name} {v:?} is not a YYYY-MM-DD day"))
            })
            .transpose()
    };
    let limit = int("limit")?
        .map(|l| u32::try_from(l).map_err(|_| format!("limit {l} is not 1..=500")))
        .transpose()?;
    Ok(crate::core::journal_view::JournalQuery {
        before: int("before")?,
        device: query.get("device").cloned(),
        from: day("from")?,
        to: day("to")?,
        fiscal_sign: query.get("fiscal_sign").cloned(),
        number: int("number")?,
        limit,
    })
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
        fleet: host.fleet.as_ref().map(|f| f.status()),
    }
}
