//! The two HTTP faces over one keep-alive connection per client: REST (`POST /sale`, one
//! request per receipt) and JSON-RPC (`Receipt.Sale`, one call per receipt), each addressed
//! to its register with `?device=<id>`.

use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::{Value, json};

use super::{Shared, Shift, device_query};
use crate::connection::Connection;
use crate::options::Face;
use crate::receipt::{self, CASHIER};
use crate::tally::Failure;

/// RPC's "the shift is already open".
const RPC_ALREADY_OPEN: i64 = -32006;
/// REST's "device refused" code, which `/open_shift` answers with HTTP 409 on an open shift.
const REST_DEVICE_ERROR: i64 = 5;

pub struct HttpClient {
    shared: Arc<Shared>,
    index: u32,
    register: String,
    conn: Option<Connection>,
}

impl HttpClient {
    pub fn new(shared: Arc<Shared>, index: u32, register: String) -> HttpClient {
        HttpClient {
            shared,
            index,
            register,
            conn: None,
        }
    }

    pub fn reset(&mut self) {
        self.conn = None;
    }

    pub async fn receipt(&mut self, seq: u64) -> Result<(), Failure> {
        let id = self.shared.receipt_id(self.index, seq);
        let (path, body) = match self.shared.face {
            Face::Rest => (
                path(&self.shared, "sale", &self.register),
                receipt::rest_sale(&self.shared.lines, &id),
            ),
            _ => (
                path(&self.shared, "rpc", &self.register),
                receipt::rpc_request(
                    seq,
                    "Receipt.Sale",
                    receipt::rpc_sale(&self.shared.lines, &id),
                    self.shared.credentials.rpc_auth().as_deref(),
                ),
            ),
        };
        if self.conn.as_ref().is_none_or(Connection::is_closed) {
            self.conn = Some(connect(&self.shared).await?);
        }
        let conn = self.conn.as_mut().expect("connected above");
        let reply = match conn.post_json(&path, Bytes::from(body.to_string())).await {
            Ok(reply) => reply,
            Err(f) => {
                self.conn = None;
                return Err(f);
            }
        };
        match self.shared.face {
            Face::Rest => rest_outcome(&reply).map(drop),
            _ => rpc_outcome(&reply).map(drop),
        }
    }
}

pub async fn open_shift(shared: &Shared, register: &str) -> Result<Shift, Failure> {
    let mut conn = connect(shared).await?;
    match shared.face {
        Face::Rest => {
            let body = json!({ "employeeName": CASHIER }).to_string();
            let reply = conn
                .post_json(&path(shared, "open_shift", register), Bytes::from(body))
                .await?;
            match rest_outcome(&reply) {
                Ok(_) => Ok(Shift::Opened),
                Err(_)
                    if reply.0 == StatusCode::CONFLICT
                        && code_of(&reply.1) == Some(REST_DEVICE_ERROR) =>
                {
                    Ok(Shift::AlreadyOpen)
                }
                Err(f) => Err(f),
            }
        }
        _ => {
            let request = receipt::rpc_request(
                0,
                "ZReport.Open",
                json!({ "cashier_name": CASHIER }),
                shared.credentials.rpc_auth().as_deref(),
            );
            let reply = conn
                .post_json(
                    &path(shared, "rpc", register),
                    Bytes::from(request.to_string()),
                )
                .await?;
            match rpc_outcome(&reply) {
                Ok(_) => Ok(Shift::Opened),
                Err(f) if f.reason == format!("rpc {RPC_ALREADY_OPEN}") => Ok(Shift::AlreadyOpen),
                Err(f) => Err(f),
            }
        }
    }
}

async fn connect(shared: &Shared) -> Result<Connection, Failure> {
    let auth = match shared.face {
        // RPC carries its credentials in the body.
        Face::Rpc => None,
        _ => shared.credentials.authorization(),
    };
    Connection::open(
        shared.target.addr,
        &shared.target.authority,
        auth.as_deref(),
    )
    .await
}

fn path(shared: &Shared, route: &str, register: &str) -> String {
    format!(
        "{}/{route}?{}",
        shared.target.base_path,
        device_query(register)
    )
}

fn code_of(body: &[u8]) -> Option<i64> {
    serde_json::from_slice::<Value>(body)
        .ok()?
        .get("code")?
        .as_i64()
}

fn body_text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

/// Seed 001: `status` "success" is success, whatever else the reply says.
fn rest_outcome((status, body): &(StatusCode, Bytes)) -> Result<Value, Failure> {
    let Ok(reply) = serde_json::from_slice::<Value>(body) else {
        return Err(Failure::new(
            format!("http {}", status.as_u16()),
            body_text(body),
        ));
    };
    if reply.get("status").and_then(Value::as_str) == Some("success") {
        return Ok(reply);
    }
    let code = reply.get("code").and_then(Value::as_i64).unwrap_or(-1);
    let message = reply
        .get("message")
        .and_then(Value::as_str)
        .map_or_else(|| body_text(body), str::to_owned);
    Err(Failure::new(
        format!("http {} code {code}", status.as_u16()),
        message,
    ))
}

/// Seed 002: `ok` true and no `error`.
fn rpc_outcome((status, body): &(StatusCode, Bytes)) -> Result<Value, Failure> {
    let reply = match serde_json::from_slice::<Value>(body) {
        Ok(reply) if reply.is_object() => reply,
        _ => {
            return Err(Failure::new(
                format!("http {}", status.as_u16()),
                body_text(body),
            ));
        }
    };
    if let Some(error) = reply.get("error").filter(|e| !e.is_null()) {
        let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| error.to_string(), str::to_owned);
        return Err(Failure::new(format!("rpc {code}"), message));
    }
    if *status != StatusCode::OK || reply.get("ok") != Some(&Value::Bool(true)) {
        return Err(Failure::new(
            format!("http {} rpc not ok", status.as_u16()),
            body_text(body),
        ));
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> (StatusCode, Bytes) {
        (
            StatusCode::from_u16(status).unwrap(),
            Bytes::from(body.to_owned()),
        )
    }

    #[test]
    fn rest_replies_are_judged_by_status() {
        assert!(rest_outcome(&reply(200, r#"{"status":"success","code":0,"message":""}"#)).is_ok());
        let f = rest_outcome(&reply(
            500,
            r#"{"status":"error","code":5,"message":"ККТ отказала"}"#,
        ))
        .unwrap_err();
        assert_eq!(
            (f.reason.as_str(), f.example.as_str()),
            ("http 500 code 5", "ККТ отказала")
        );
        let f = rest_outcome(&reply(502, "Bad Gateway")).unwrap_err();
        assert_eq!(
            (f.reason.as_str(), f.example.as_str()),
            ("http 502", "Bad Gateway")
        );
        assert_eq!(code_of(br#"{"code":5}"#), Some(5));
    }

    #[test]
    fn rpc_replies_are_judged_by_ok_and_error() {
        assert!(
            rpc_outcome(&reply(
                200,
                r#"{"id":1,"ok":true,"result":{"id":"x"},"jsonrpc":"2.0"}"#
            ))
            .is_ok()
        );
        let f = rpc_outcome(&reply(
            200,
            r#"{"id":1,"ok":false,"error":{"code":-32003,"message":"the shift is not open"},"jsonrpc":"2.0"}"#,
        ))
        .unwrap_err();
        assert_eq!(
            (f.reason.as_str(), f.example.as_str()),
            ("rpc -32003", "the shift is not open")
        );
        let f = rpc_outcome(&reply(
            413,
            r#"{"id":null,"ok":false,"error":{"code":-32600,"message":"too large"}}"#,
        ))
        .unwrap_err();
        assert_eq!(f.reason, "rpc -32600");
        assert_eq!(rpc_outcome(&reply(204, "")).unwrap_err().reason, "http 204");
        assert_eq!(
            rpc_outcome(&reply(200, r#"{"id":1,"ok":false}"#))
                .unwrap_err()
                .reason,
            "http 200 rpc not ok"
        );
    }
}
