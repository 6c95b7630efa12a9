//! The network faces. Each parses its own format and maps errors back to it; none knows a vendor.

pub mod auth;
pub mod decimal;
pub mod health;
pub mod rest;
pub mod rpc;
pub mod ws;

use std::sync::Arc;

use warp::Filter;

use crate::app::Host;

/// All routes of the host on one listener.
pub fn routes(
    host: Arc<Host>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = std::convert::Infallible> + Clone {
    health::route(host.clone())
        .or(rpc::route(host.clone()))
        .or(rest::route(host.clone()))
        .or(ws::route(host))
        .recover(|_rejection: warp::Rejection| async {
            Ok::<_, std::convert::Infallible>(warp::reply::with_status(
                warp::reply::json(&serde_json::json!({ "error": "not found" })),
                warp::http::StatusCode::NOT_FOUND,
            ))
        })
}
