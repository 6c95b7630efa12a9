//! A small WebSocket client for the seed-000 face: one JSON text frame per request, one per reply.

#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// How long a test waits for one reply.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// `ws://HOST:PORT/ws[?device=ID]` from the host's `http://HOST:PORT`.
pub fn ws_url(base_url: &str, device: Option<&str>) -> String {
    let authority = base_url
        .strip_prefix("http://")
        .unwrap_or(base_url)
        .trim_end_matches('/');
    match device {
        Some(device) => format!("ws://{authority}/ws?device={device}"),
        None => format!("ws://{authority}/ws"),
    }
}

pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    url: String,
}

impl WsClient {
    /// Connects to `/ws` (the default register).
    pub async fn connect(base_url: &str) -> Self {
        Self::connect_url(&ws_url(base_url, None)).await
    }

    /// Connects to `/ws?device=ID`.
    pub async fn connect_device(base_url: &str, device: &str) -> Self {
        Self::connect_url(&ws_url(base_url, Some(device))).await
    }

    pub async fn connect_url(url: &str) -> Self {
        match Self::try_connect(url).await {
            Ok(client) => client,
            Err(tungstenite::Error::Http(response)) => {
                let body = response
                    .body()
                    .as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                panic!(
                    "WebSocket handshake with {url} refused: HTTP {} {body}",
                    response.status()
                )
            }
            Err(e) => panic!("WebSocket connect to {url}: {e}"),
        }
    }

    /// The handshake's own outcome, for tests of refused connections.
    pub async fn try_connect(url: &str) -> Result<Self, tungstenite::Error> {
        let (stream, _response) = tokio::time::timeout(REPLY_TIMEOUT, connect_async(url))
            .await
            .unwrap_or_else(|_| panic!("WebSocket connect to {url}: no handshake in 10 s"))?;
        Ok(Self {
            stream,
            url: url.to_owned(),
        })
    }

    /// Sends `{"event": event, "data": data}`.
    pub async fn send(&mut self, event: &str, data: Value) {
        self.send_value(json!({ "event": event, "data": data }))
            .await
    }

    /// Sends `{"event": event, "data": data, "request_id": request_id}`.
    pub async fn send_with_id(&mut self, request_id: &str, event: &str, data: Value) {
        self.send_value(json!({ "event": event, "data": data, "request_id": request_id }))
            .await
    }

    pub async fn send_value(&mut self, message: Value) {
        self.send_raw(&message.to_string()).await
    }

    /// Sends this text frame as it is.
    pub async fn send_raw(&mut self, text: &str) {
        self.stream
            .send(Message::text(text))
            .await
            .unwrap_or_else(|e| panic!("send to {}: {e}", self.url));
    }

    /// Sends this binary frame as it is.
    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.stream
            .send(Message::binary(bytes))
            .await
            .unwrap_or_else(|e| panic!("send to {}: {e}", self.url));
    }

    /// The next frame of any kind within 10 s (`None` once the stream has ended).
    pub async fn next_message(&mut self) -> Option<Result<Message, tungstenite::Error>> {
        tokio::time::timeout(REPLY_TIMEOUT, self.stream.next())
            .await
            .unwrap_or_else(|_| panic!("nothing from {} within 10 s", self.url))
    }

    /// The next reply (a JSON text frame), within 10 s. Pings and pongs are skipped; a close,
    /// a binary frame, a non-JSON text or silence fails the test.
    pub async fn recv(&mut self) -> Value {
        loop {
            let next = tokio::time::timeout(REPLY_TIMEOUT, self.stream.next())
                .await
                .unwrap_or_else(|_| panic!("no reply from {} within 10 s", self.url));
            let message = match next {
                Some(Ok(message)) => message,
                Some(Err(e)) => panic!("reading from {}: {e}", self.url),
                None => panic!("{} closed the connection instead of replying", self.url),
            };
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str())
                        .unwrap_or_else(|e| panic!("reply is not JSON ({e}): {}", text.as_str()));
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("expected a JSON text reply, got {other:?}"),
            }
        }
    }

    /// Sends `{"event", "data"}` and returns the reply.
    pub async fn request(&mut self, event: &str, data: Value) -> Value {
        self.send(event, data).await;
        self.recv().await
    }

    /// Sends with a `request_id` and returns the reply.
    pub async fn request_with_id(&mut self, request_id: &str, event: &str, data: Value) -> Value {
        self.send_with_id(request_id, event, data).await;
        self.recv().await
    }

    /// Sends a raw text frame and returns the reply.
    pub async fn request_raw(&mut self, text: &str) -> Value {
        self.send_raw(text).await;
        self.recv().await
    }

    /// Asserts that nothing arrives (no reply meant for another client, no second reply) for
    /// this long; pings and pongs are ignored.
    pub async fn expect_silence(&mut self, quiet: Duration) {
        let deadline = tokio::time::Instant::now() + quiet;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return,
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(other) => panic!("expected nothing on {}, got {other:?}", self.url),
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
