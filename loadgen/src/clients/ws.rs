//! The WebSocket face: `ws://…/ws?device=<id>`, a receipt is `create_doc` then `pay` with the
//! amount `create_doc` answered. One request at a time per connection, so a reply is matched
//! to its request by order.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{WebSocketStream, client_async};

use super::{Shared, Shift, device_query};
use crate::receipt::{self, CASHIER};
use crate::tally::Failure;

type Socket = WebSocketStream<TcpStream>;

/// seed 000's "the shift is already open".
const ALREADY_OPEN: i64 = 8;

pub struct WsClient {
    shared: Arc<Shared>,
    index: u32,
    register: String,
    socket: Option<Socket>,
    create_doc: String,
}

impl WsClient {
    pub fn new(shared: Arc<Shared>, index: u32, register: String) -> WsClient {
        let create_doc = receipt::ws_create_doc(&shared.wares);
        WsClient {
            shared,
            index,
            register,
            socket: None,
            create_doc,
        }
    }

    pub fn reset(&mut self) {
        self.socket = None;
    }

    pub async fn receipt(&mut self, seq: u64) -> Result<(), Failure> {
        let outcome = self.try_receipt(seq).await;
        if outcome.is_err() {
            // A failed `pay` leaves the document open on this connection; a fresh one starts
            // the next receipt clean (and a broken one must be replaced anyway).
            self.socket = None;
        }
        outcome
    }

    async fn try_receipt(&mut self, seq: u64) -> Result<(), Failure> {
        let request_id = self
            .shared
            .request_ids
            .then(|| self.shared.receipt_id(self.index, seq));
        if self.socket.is_none() {
            self.socket = Some(connect(&self.shared, &self.register).await?);
        }
        let socket = self.socket.as_mut().expect("connected above");
        let created = call(
            socket,
            "create_doc",
            &self.create_doc,
            request_id.as_deref(),
        )
        .await?;
        check("create_doc", &created)?;
        let amount = created
            .get("amount")
            .and_then(Value::as_u64)
            .ok_or_else(|| Failure::new("ws create_doc without amount", created.to_string()))?;
        let pay = format!(r#"{{"amount":{amount}}}"#);
        let paid = call(socket, "pay", &pay, request_id.as_deref()).await?;
        check("pay", &paid)?;
        if amount != self.shared.total {
            // Paid all the same (the host's figure is what it charges), but not what was sent.
            return Err(Failure::new(
                "ws amount differs from the wares",
                format!(
                    "create_doc answered {amount} kopecks, the wares add up to {}",
                    self.shared.total
                ),
            ));
        }
        Ok(())
    }
}

pub async fn open_shift(shared: &Shared, register: &str) -> Result<Shift, Failure> {
    let mut socket = connect(shared, register).await?;
    let data = format!(r#"{{"cashier":"{CASHIER}"}}"#);
    let reply = call(&mut socket, "open_shift", &data, None).await?;
    let _ = socket.close(None).await;
    match error_code(&reply) {
        0 => Ok(Shift::Opened),
        ALREADY_OPEN => Ok(Shift::AlreadyOpen),
        _ => Err(check("open_shift", &reply).unwrap_err()),
    }
}

async fn connect(shared: &Shared, register: &str) -> Result<Socket, Failure> {
    let target = &shared.target;
    let mut url = format!(
        "ws://{}{}/ws?{}",
        target.authority,
        target.base_path,
        device_query(register)
    );
    if let Some(token) = shared.credentials.ws_token_query() {
        url.push('&');
        url.push_str(&token);
    }
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| Failure::new("ws bad url", format!("{url}: {e}")))?;
    if shared.credentials.token.is_none()
        && let Some(auth) = shared.credentials.authorization()
    {
        let value =
            HeaderValue::from_str(&auth).map_err(|e| Failure::new("bad header", e.to_string()))?;
        request.headers_mut().insert("authorization", value);
    }
    let stream = TcpStream::connect(target.addr)
        .await
        .map_err(|e| Failure::io("connect", e))?;
    stream
        .set_nodelay(true)
        .map_err(|e| Failure::io("connect", e))?;
    match client_async(request, stream).await {
        Ok((socket, _)) => Ok(socket),
        // The host refuses an unknown device (404) or missing credentials (401) at the handshake.
        Err(WsError::Http(response)) => Err(Failure::new(
            format!("ws handshake http {}", response.status().as_u16()),
            response
                .body()
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
        )),
        Err(e) => Err(Failure::io("ws handshake", e)),
    }
}

/// Sends `{"event", "request_id"?, "data"}` and returns the reply's `data`.
async fn call(
    socket: &mut Socket,
    event: &str,
    data: &str,
    request_id: Option<&str>,
) -> Result<Value, Failure> {
    let message = receipt::ws_message(event, data, request_id);
    socket
        .send(Message::Text(message.into()))
        .await
        .map_err(|e| Failure::io("ws send", e))?;
    let expected = format!("on{event}");
    loop {
        let text = match socket.next().await {
            Some(Ok(Message::Text(text))) => text,
            // Pings are answered by tungstenite itself while reading.
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(Message::Binary(_))) => {
                return Err(Failure::new("ws binary reply", format!("to {event}")));
            }
            Some(Ok(Message::Close(frame))) => {
                return Err(Failure::io("ws closed", format!("{frame:?}")));
            }
            Some(Err(e)) => return Err(Failure::io("ws receive", e)),
            None => return Err(Failure::io("ws closed", "end of stream")),
        };
        let reply: Value = serde_json::from_str(text.as_str())
            .map_err(|e| Failure::new("ws reply not JSON", format!("{e}: {}", text.as_str())))?;
        let got = reply.get("event").and_then(Value::as_str).unwrap_or("");
        if got != expected {
            return Err(Failure::new(
                format!("ws {event} answered with {got:?}"),
                text.as_str().to_owned(),
            ));
        }
        return Ok(reply.get("data").cloned().unwrap_or(Value::Null));
    }
}

/// `error_code` of a reply's data; a reply without one, or with `error: true`, counts as failed.
fn error_code(data: &Value) -> i64 {
    match data.get("error_code").and_then(Value::as_i64) {
        Some(0) if data.get("error") == Some(&Value::Bool(true)) => -1,
        Some(code) => code,
        None => -1,
    }
}

fn check(event: &str, data: &Value) -> Result<(), Failure> {
    match error_code(data) {
        0 => Ok(()),
        -1 => Err(Failure::new(
            format!("ws {event} without error_code"),
            data.to_string(),
        )),
        code => Err(Failure::new(
            format!("ws {event} error_code {code}"),
            data.get("text")
                .and_then(Value::as_str)
                .map_or_else(|| data.to_string(), str::to_owned),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replies_are_judged_by_error_code() {
        assert!(check("pay", &json!({"error": false, "error_code": 0, "rrn": "1"})).is_ok());
        let f = check(
            "pay",
            &json!({"error": true, "error_code": 12, "text": "Устройство недоступно: kkt"}),
        )
        .unwrap_err();
        assert_eq!(f.reason, "ws pay error_code 12");
        assert_eq!(f.example, "Устройство недоступно: kkt");
        let f = check("create_doc", &json!({"amount": 5})).unwrap_err();
        assert_eq!(f.reason, "ws create_doc without error_code");
        assert_eq!(error_code(&json!({"error_code": 8})), ALREADY_OPEN);
    }
}
