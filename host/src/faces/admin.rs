//! `GET /`: the admin page for the shop's administrator and support — devices and their live
//! state, the journal with a search, the receipt preview, the plugins, the last start's
//! recovery, and the operator's actions (open and close the shift, X report, a copy of the last
//! receipt). It is three static files compiled in (`admin/`), with no build step; everything it
//! shows comes from the JSON API (`/health`, `/devices`, `/journal`, `/preview`) and its actions
//! go through the REST face, so the page can do nothing a client cannot. With `[auth]`
//! credentials the page needs them like every route; cross-site requests are refused in
//! `super::caller`.

use std::sync::Arc;

use warp::Filter;

use super::Faces;
use crate::plugins::ReloadOutcome;

const INDEX: &str = include_str!("admin/index.html");
const SCRIPT: &str = include_str!("admin/admin.js");
const STYLE: &str = include_str!("admin/style.css");

/// The page runs its own script and style only, and no other site may frame it.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                      img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";

pub fn route(
    host: Arc<Faces>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    let file = |path: &'static str, body: &'static str, mime: &'static str| {
        let host = host.clone();
        warp::get()
            .and(warp::path::full())
            .and_then(move |full: warp::path::FullPath| async move {
                if full.as_str() == path {
                    Ok(())
                } else {
                    Err(warp::reject::not_found())
                }
            })
            .untuple_one()
            .and(super::caller(host))
            .map(move |caller: super::Caller| -> Box<dyn warp::Reply> {
                if let Some(refused) = super::refusal(caller.verdict) {
                    return refused;
                }
                let reply = warp::reply::with_header(body, "content-type", mime);
                let reply = warp::reply::with_header(reply, "content-security-policy", POLICY);
                let reply = warp::reply::with_header(reply, "x-content-type-options", "nosniff");
                Box::new(warp::reply::with_header(reply, "cache-control", "no-store"))
            })
    };
    file("/", INDEX, "text/html; charset=utf-8")
        .or(file(
            "/admin/admin.js",
            SCRIPT,
            "text/javascript; charset=utf-8",
        ))
        .or(file("/admin/style.css", STYLE, "text/css; charset=utf-8"))
        .or(reload(host.clone()))
        .or(events(host))
}

/// How often a page's event stream looks for changes: a quarter of a second is "live" to a
/// person, and costs one journal counter read and one devices snapshot per look.
const EVENTS_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// `GET /events`: server-sent events for the page, so it updates without asking. `devices`
/// carries the devices as `GET /devices` shows them whenever any of them changed; `journal`
/// (no data) says the journal was written, and the page asks for the page of it it shows.
/// Credentials as the other routes (a browser sends its Basic credentials to the same origin).
fn events(
    host: Arc<Faces>,
) -> impl Filter<Extract = (Box<dyn warp::Reply>,), Error = warp::Rejection> + Clone {
    warp::path!("events")
        .and(warp::get())
        .and(super::caller(host.clone()))
        .map(move |caller: super::Caller| {
            if let Some(refused) = super::refusal(caller.verdict) {
                return refused;
            }
            let changes = futures_util::stream::unfold(
                (host.clone(), None::<u64>, None::<String>),
                |(host, mut writes, mut devices)| async move {
                    loop {
                        let now_writes = host.core.journal_counters().0;
                        let now_devices =
                            serde_json::to_string(&host.core.device_status()).unwrap_or_default();
                        let event = if devices.as_deref() != Some(now_devices.as_str()) {
                            let event = warp::sse::Event::default()
                                .event("devices")
                                .data(now_devices.clone());
                            devices = Some(now_devices);
                            Some(event)
                        } else if writes != Some(now_writes) {
                            writes = Some(now_writes);
                            Some(warp::sse::Event::default().event("journal").data(""))
                        } else {
                            None
                        };
                        if let Some(event) = event {
                            return Some((
                                Ok::<_, std::convert::Infallible>(event),
                                (host, writes, devices),
                            ));
                        }
                        tokio::time::sleep(EVENTS_EVERY).await;
                    }
                },
            );
            let stream = warp::sse::keep_alive().stream(changes);
            Box::new(warp::sse::reply(stream)) as Box<dyn warp::Reply>
        })
}

/// `POST /admin/plugins/reload`: every plugin given by path is loaded again from its file
/// (`Core::reload_plugins`). 200 with `{"reloads": [{plugin, world, path, outcome, …}]}`
/// (`reloaded` with the new sha256, `unchanged`, or `refused` with the reason); 422 with the
/// same body when any file was refused, its old plugin serving on.
fn reload(
    host: Arc<Faces>,
) -> impl Filter<Extract = (Box<dyn warp::Reply>,), Error = warp::Rejection> + Clone {
    warp::path!("admin" / "plugins" / "reload")
        .and(warp::post())
        .and(super::caller(host.clone()))
        .then(move |caller: super::Caller| {
            let host = host.clone();
            async move {
                if let Some(refused) = super::refusal(caller.verdict) {
                    return refused;
                }
                let reloads = host.core.reload_plugins().await;
                let refused = reloads
                    .iter()
                    .any(|r| matches!(r.outcome, ReloadOutcome::Refused { .. }));
                let status = if refused {
                    warp::http::StatusCode::UNPROCESSABLE_ENTITY
                } else {
                    warp::http::StatusCode::OK
                };
                let body = warp::reply::json(&serde_json::json!({ "reloads": reloads }));
                Box::new(warp::reply::with_status(body, status)) as Box<dyn warp::Reply>
            }
        })
}
