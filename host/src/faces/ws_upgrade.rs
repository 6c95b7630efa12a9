//! The WebSocket upgrade of the WebSocket face, with the connection's buffers sized here.
//!
//! warp's `Ws` does the same handshake but builds tungstenite's `WebSocketConfig` with its
//! default 128 KiB read buffer, and offers no setter for it (warp 0.4.3). tungstenite 0.29
//! resizes that buffer to its full size, zero-filled, before every read of the socket, ready or
//! not: 7.6% of a WebSocket receipt's instructions were that `memset` (BENCHMARKS.md, issue 20),
//! and each connection kept 128 KiB of touched memory. A POS sends messages of a few hundred
//! bytes; a larger one is read in several chunks. So the handshake checks stay warp's
//! (`warp::ws()`), and the answer and the stream are built here from the request's
//! `OnUpgrade`, as warp's own reply does (`warp/src/filters/ws.rs`, `WsReply`).

use std::future::Future;

use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tungstenite::protocol::{Role, WebSocketConfig};
use warp::http::{HeaderValue, StatusCode, header};
use warp::hyper::upgrade::{OnUpgrade, Upgraded};

/// An upgraded connection of the WebSocket face.
pub type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// What one read of the socket takes at most: a POS's message (a document of ten lines is
/// ~1.5 KiB) fits whole in most reads.
const READ_CHUNK: usize = 8 << 10;

/// The connection's limits: messages and frames up to `cap` bytes, reads of `READ_CHUNK`.
pub fn config(cap: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_CHUNK)
        .max_message_size(Some(cap))
        .max_frame_size(Some(cap))
}

/// The `101 Switching Protocols` answer to a handshake warp's `ws()` filter let through; once
/// the answer is sent, `serve` gets the connection on a task of its own.
pub struct Upgrade<F> {
    pub on_upgrade: Option<OnUpgrade>,
    /// The client's `Sec-WebSocket-Key`.
    pub key: String,
    pub config: WebSocketConfig,
    pub serve: F,
}

impl<F, U> warp::Reply for Upgrade<F>
where
    F: FnOnce(Socket) -> U + Send + 'static,
    U: Future<Output = ()> + Send + 'static,
{
    fn into_response(self) -> warp::reply::Response {
        let Upgrade {
            on_upgrade,
            key,
            config,
            serve,
        } = self;
        let Some(on_upgrade) = on_upgrade else {
            // A request hyper cannot upgrade (not HTTP/1.1): nothing to switch to.
            return StatusCode::BAD_REQUEST.into_response();
        };
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    let socket = WebSocketStream::from_raw_socket(
                        TokioIo::new(upgraded),
                        Role::Server,
                        Some(config),
                    )
                    .await;
                    serve(socket).await;
                }
                Err(e) => tracing::debug!("websocket upgrade: {e}"),
            }
        });
        let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
        let mut response = warp::reply::Response::default();
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(accept) = HeaderValue::from_str(&accept) {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
        response
    }
}
