//! `POST /preview[?device=<id>]` (our extension, for layout authors): `{"document": {…},
//! "width": 42}` answers the copy the lane's layout plugin lays out of the document —
//! `{"width", "lines": [styled lines], "svg": "<svg…>"}` — without touching a register, the
//! terminal or the journal (`core::preview`). The document is WebSocket `create_doc`'s data
//! (it has `wares`) or REST `/sale`'s body (it has `items`), parsed by that face's own rules.
//! Errors are `{"error": {"message"}}` with HTTP 400 (a bad document), 401/429 (credentials),
//! 500 (a plugin failed).

use std::sync::Arc;

use serde_json::{Map, Value, json};
use warp::Filter;
use warp::http::StatusCode;

use super::Faces;
use crate::core::CoreError;
use crate::core::preview::PreviewDocument;

/// The width a preview lays out when the request names none (the default layout's widest).
const DEFAULT_WIDTH: u32 = 42;

pub fn route(
    host: Arc<Faces>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    let limit = host.max_body_bytes;
    warp::post()
        .and(warp::path!("preview"))
        .and(warp::query::<std::collections::HashMap<String, String>>())
        .and(super::caller(host.clone()))
        .and(warp::body::content_length_limit(limit).and(warp::body::bytes()))
        .and_then(
            move |query: std::collections::HashMap<String, String>,
                  caller: super::Caller,
                  body: warp::hyper::body::Bytes| {
                let host = host.clone();
                async move {
                    if let Some(refused) = super::refusal(caller.verdict) {
                        return Ok::<_, warp::Rejection>(refused);
                    }
                    let (status, reply) = match preview(
                        &host,
                        query.get("device").map(String::as_str),
                        &body,
                    )
                    .await
                    {
                        Ok(reply) => (StatusCode::OK, reply),
                        Err((status, message)) => {
                            (status, json!({ "error": { "message": message } }))
                        }
                    };
                    Ok(
                        Box::new(warp::reply::with_status(warp::reply::json(&reply), status))
                            as Box<dyn warp::Reply>,
                    )
                }
            },
        )
}

/// A document of either face's shape, told apart by its lines' field.
pub fn document(value: &Value) -> Result<PreviewDocument, String> {
    let Value::Object(doc) = value else {
        return Err("document must be an object".into());
    };
    if doc.contains_key("wares") {
        super::ws::preview_document(doc)
    } else if doc.contains_key("items") {
        super::rest::preview_document(doc)
    } else {
        Err("document has neither wares (WebSocket create_doc) nor items (REST /sale)".into())
    }
}

async fn preview(
    host: &Faces,
    device: Option<&str>,
    body: &[u8],
) -> Result<Value, (StatusCode, String)> {
    let bad = |m: String| (StatusCode::BAD_REQUEST, m);
    let request: Map<String, Value> =
        serde_json::from_slice(body).map_err(|e| bad(format!("malformed JSON: {e}")))?;
    let width = match request.get("width") {
        None | Some(Value::Null) => DEFAULT_WIDTH,
        Some(w) => w
            .as_u64()
            .and_then(|w| u32::try_from(w).ok())
            .filter(|w| (16..=96).contains(w))
            .ok_or_else(|| bad("width must be 16..=96 columns".into()))?,
    };
    let doc = document(request.get("document").unwrap_or(&Value::Null)).map_err(bad)?;
    let core = &host.core;
    let register = core
        .register_for(crate::core::Face::Rest, device)
        .map_err(|e| bad(e.to_string()))?
        .id()
        .to_owned();
    let elements = core
        .preview(&register, doc, width)
        .await
        .map_err(|e| match e {
            CoreError::Plugin(_) | CoreError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            }
            e => bad(e.to_string()),
        })?;
    let paper = crate::paper::lay_out(&elements, width);
    Ok(serde_json::to_value(paper).expect("a paper serializes"))
}
