//! `GET /health`: is the host up, and which plugins did it load (and how: compiled or cached).

use std::sync::Arc;

use serde::Serialize;
use warp::Filter;

use crate::app::Host;
use crate::plugins::LoadReport;

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    plugins: Vec<LoadReport>,
}

pub fn route(
    host: Arc<Host>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    warp::path!("health").and(warp::get()).map(move || {
        warp::reply::json(&Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
            plugins: host.plugins.reports(),
        })
    })
}
