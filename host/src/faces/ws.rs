//! The WebSocket face of seed 000: `ws://HOST:PORT/ws[?device=<id>]`.
//!
//! Parses `{"event", "data", "request_id"?}`, calls the core, and replies
//! `{"event": "on<event>", "data": {...}}` on the same connection, which stays open after any
//! error. Each connection holds its open document (the seed's `pay` names none). Error codes are
//! mapped here, once (docs/websocket.md).

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tungstenite::Message;
use tungstenite::protocol::CloseFrame;
use warp::Filter;

use super::Faces;
use super::auth::Verdict;
use super::decimal;
use super::ws_upgrade::{self, Socket, Upgrade};
use crate::core::TaxSpec;
use crate::core::preview::PreviewDocument;
use crate::core::{CoreError, DocKind, Face, Recall, RequestKey, SaleLine};

const OK_TEXT: &str = "Успешно";

pub fn route(
    host: Arc<Faces>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    warp::path!("ws")
        // Taken before `ws()`, which checks the handshake's headers and removes it.
        .and(warp::ext::optional::<warp::hyper::upgrade::OnUpgrade>())
        .and(warp::ws())
        .and(warp::query::<HashMap<String, String>>())
        .and(warp::addr::remote())
        .and(warp::header::headers_cloned())
        .and_then(move |on_upgrade, _: warp::ws::Ws, query: HashMap<String, String>, remote: Option<std::net::SocketAddr>, headers: warp::http::HeaderMap| {
            let host = host.clone();
            async move {
                // A token on the upgrade: `?token=` (browsers cannot set headers) or the header.
                let client = remote.map(|a| a.ip());
                let verdict = match query.get("token") {
                    Some(token) => host.auth.check_token(client, token).await,
                    None => {
                        let header = headers.get(warp::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
                        host.auth.check_header(client, header).await
                    }
                };
                if let Some(refusal) = refused(verdict) {
                    return Ok::<_, warp::Rejection>(refusal);
                }
                // An unknown device is refused before the upgrade, with the reason in the body.
                let device = match host.core.register_for(Face::WebSocket, query.get("device").map(String::as_str)) {
                    Ok(d) => d.id().to_owned(),
                    Err(e) => {
                        return Ok::<_, warp::Rejection>(Box::new(warp::reply::with_status(
                            warp::reply::json(&json!({ "error": true, "error_code": 4, "text": format!("Недопустимое значение: {e}") })),
                            warp::http::StatusCode::NOT_FOUND,
                        )) as Box<dyn warp::Reply>);
                    }
                };
                // One limit for every face (`max_body_bytes`), checked before a message is
                // parsed. The library reads up to four times that, so a client just over the
                // limit gets its error reply and an orderly close; beyond, it refuses the frame
                // from its header without buffering it.
                let cap = usize::try_from(host.max_body_bytes.saturating_mul(4)).unwrap_or(usize::MAX);
                let key = headers
                    .get(warp::http::header::SEC_WEBSOCKET_KEY)
                    .and_then(|k| k.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                Ok(Box::new(Upgrade {
                    on_upgrade,
                    key,
                    config: ws_upgrade::config(cap),
                    serve: move |socket| serve(socket, host, device),
                }) as Box<dyn warp::Reply>)
            }
        })
}

/// The handshake's answer to a credential that is not let in: 401, or 429 with the wait.
fn refused(verdict: Verdict) -> Option<Box<dyn warp::Reply>> {
    use warp::http::StatusCode;
    match verdict {
        Verdict::Allowed => None,
        Verdict::Denied => Some(Box::new(warp::reply::with_status(
            warp::reply::json(
                &json!({ "error": true, "error_code": 17, "text": "Ошибка авторизации" }),
            ),
            StatusCode::UNAUTHORIZED,
        ))),
        Verdict::Throttled { .. } => {
            let seconds = verdict.retry_after_secs().unwrap_or(1);
            let body = json!({
                "error": true,
                "error_code": 17,
                "text": super::throttled_text(seconds),
                "retry_after": seconds,
            });
            Some(Box::new(warp::reply::with_header(
                warp::reply::with_status(warp::reply::json(&body), StatusCode::TOO_MANY_REQUESTS),
                "retry-after",
                seconds,
            )))
        }
    }
}

/// One connection: its device and its open document.
struct Session {
    host: Arc<Faces>,
    device: String,
    open_document: Option<i64>,
}

async fn serve(socket: Socket, host: Arc<Faces>, device: String) {
    let (mut tx, mut rx) = socket.split();
    let limit = host.max_body_bytes;
    let mut session = Session {
        host,
        device,
        open_document: None,
    };
    while let Some(received) = rx.next().await {
        let message = match received {
            Ok(message) => message,
            Err(e) if too_long(&e) => {
                // Past the hard cap: refused from the frame's header, its payload never read.
                // The reply is sent, but may be lost: closing a socket with unread bytes resets it.
                too_big(&mut tx, limit).await;
                break;
            }
            Err(e) => {
                tracing::debug!("websocket read: {e}");
                break;
            }
        };
        if message.is_close() {
            break;
        }
        if message.len() as u64 > limit {
            // Read whole but never parsed. The closing handshake is waited for (briefly): a
            // socket dropped before the client's close frame arrives answers it with a reset,
            // which can wipe our reply and close from the client's buffer before it reads them.
            too_big(&mut tx, limit).await;
            let handshake = async {
                while let Some(Ok(m)) = rx.next().await {
                    if m.is_close() {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(CLOSE_HANDSHAKE, handshake).await;
            break;
        }
        let text = match &message {
            Message::Text(text) => Ok(text.as_str()),
            // A binary frame is answered like a text one: a client library may send JSON either way.
            Message::Binary(bytes) => std::str::from_utf8(bytes),
            _ => continue, // ping and pong: the library answers pings itself
        };
        let mut reply = match text {
            Ok(text) => session.handle(text).await,
            Err(_) => error_reply(
                "error",
                &failure(1, "Некорректный JSON: сообщение не в UTF-8"),
            ),
        };
        // No reply before what it reports is on disk.
        if let Err(e) = session.host.core.durable().await {
            let f = Failure::from(e);
            let event = reply["event"].as_str().unwrap_or("onerror").to_owned();
            reply = error_reply(event.strip_prefix("on").unwrap_or(&event), &f);
        }
        if tx.send(Message::text(reply.to_string())).await.is_err() {
            break;
        }
    }
}

/// The close code of RFC 6455 for a message too big to process.
const CLOSE_TOO_BIG: u16 = 1009;
/// How long the host waits for a client to answer its close frame.
const CLOSE_HANDSHAKE: std::time::Duration = std::time::Duration::from_secs(2);

/// Error 18, then close 1009: a message over the face's limit ends the connection.
async fn too_big(tx: &mut futures_util::stream::SplitSink<Socket, Message>, limit: u64) {
    let reply = error_reply(
        "error",
        &failure(18, format!("Сообщение больше {limit} байт")),
    );
    let _ = tx.send(Message::text(reply.to_string())).await;
    let _ = tx
        .send(Message::Close(Some(CloseFrame {
            code: CLOSE_TOO_BIG.into(),
            reason: "message too big".into(),
        })))
        .await;
}

/// Whether the library refused a message or frame longer than the face's limit.
fn too_long(e: &tungstenite::Error) -> bool {
    matches!(e, tungstenite::Error::Capacity(_))
}

/// A face-level failure: the seed's error code and a Russian text.
struct Failure {
    code: u32,
    text: String,
    /// The log entry of an internal failure (our extension: `incident`).
    incident: Option<String>,
}

fn failure(code: u32, text: impl Into<String>) -> Failure {
    Failure {
        code,
        text: text.into(),
        incident: None,
    }
}

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        let (code, text) = match &e {
            CoreError::InvalidInput(m) => (4, format!("Недопустимое значение: {m}")),
            CoreError::TotalMismatch { stated, computed } => (
                4,
                format!("Недопустимое значение: сумма {stated} вместо {computed}"),
            ),
            CoreError::DuplicateCode(code) => (
                4,
                format!("Недопустимое значение: код чека «{code}» уже занят"),
            ),
            CoreError::ZeroTotal { lines } => (
                4,
                format!("Недопустимое значение: {}", super::zero_total_text(lines)),
            ),
            CoreError::NoOpenDocument => (5, "Нет открытого документа".into()),
            CoreError::AmountMismatch { expected, got } => (
                6,
                format!("Сумма не совпадает с суммой документа: {got} вместо {expected}"),
            ),
            CoreError::ShiftClosed => (7, "Смена не открыта".into()),
            CoreError::ShiftAlreadyOpen => (8, "Смена уже открыта".into()),
            CoreError::ShiftExpired => (9, "Смена превысила 24 часа: закройте смену".into()),
            CoreError::PaymentDeclined { code, text } => {
                (10, format!("Оплата отклонена (код {code}): {text}"))
            }
            CoreError::ReceiptRefused { reason, card } => (11, super::refusal_text(reason, *card)),
            CoreError::MarkingRejected { line, message } => {
                (11, super::marking_text(*line, message))
            }
            CoreError::DeviceUnavailable(m) => (12, format!("Устройство недоступно: {m}")),
            CoreError::NotFiscal { why, .. } => (12, super::not_fiscal_text(why)),
            CoreError::DeviceRefused { fault, message } => (12, super::fault_text(*fault, message)),
            CoreError::PaymentNotFound => {
                (13, "Платёж не найден или сумма превышает остаток".into())
            }
            CoreError::Tax(m) => (14, format!("Ошибка расчёта налогов: {m}")),
            CoreError::Plugin(i) => (15, super::incident_text(" (сбой плагина)", i)),
            CoreError::Internal(i) => (15, super::incident_text("", i)),
            CoreError::OutcomeUnknown(m) => (16, format!("Результат операции неизвестен: {m}")),
        };
        let incident = match &e {
            CoreError::Plugin(i) | CoreError::Internal(i) => Some(i.id.clone()),
            _ => None,
        };
        Failure {
            code,
            text,
            incident,
        }
    }
}

/// Reads the fields of `data`; a missing or mistyped one is error 3, naming it.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn missing(name: &str) -> Failure {
        failure(3, format!("Не передано или неверного типа поле «{name}»"))
    }
    fn str(&self, name: &str) -> Result<&str, Failure> {
        self.0
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| Self::missing(name))
    }
    fn opt_str(&self, name: &str) -> Result<Option<&str>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Self::missing(name)),
        }
    }
    fn opt_int(&self, name: &str) -> Result<Option<i64>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| Self::missing(name)),
        }
    }
    fn int(&self, name: &str) -> Result<i64, Failure> {
        self.0
            .get(name)
            .and_then(Value::as_i64)
            .ok_or_else(|| Self::missing(name))
    }
    fn number(&self, name: &str) -> Result<&serde_json::Number, Failure> {
        match self.0.get(name) {
            Some(Value::Number(n)) => Ok(n),
            _ => Err(Self::missing(name)),
        }
    }
    fn array(&self, name: &str) -> Result<&Vec<Value>, Failure> {
        self.0
            .get(name)
            .and_then(Value::as_array)
            .ok_or_else(|| Self::missing(name))
    }
}

fn reply(event: &str, data: Value) -> Value {
    json!({ "event": format!("on{event}"), "data": data })
}

fn error_reply(event: &str, f: &Failure) -> Value {
    let mut data = json!({ "error": true, "error_code": f.code, "text": f.text });
    if let Some(incident) = &f.incident {
        data["incident"] = json!(incident);
    }
    if event.starts_with("cancel_payment") {
        data["response_code"] = json!(f.code);
    }
    reply(event, data)
}

impl Session {
    async fn handle(&mut self, text: &str) -> Value {
        let request: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return error_reply("error", &failure(1, format!("Некорректный JSON: {e}"))),
        };
        let Some(event) = request.get("event").and_then(Value::as_str) else {
            return error_reply("error", &Fields::missing("event"));
        };
        // A request id names one request of one event: the same id on another event is another request.
        let key =
            request
                .get("request_id")
                .and_then(Value::as_str)
                .map(|id| RequestKey::WebSocket {
                    event: event.to_owned(),
                    id: id.to_owned(),
                });
        if let Some(key) = &key {
            match self.host.core.recall(key) {
                // Begun but never answered (the host died mid-way): run it again on its document;
                // the core never charges or fiscalizes a document twice.
                Ok(Recall::Begun { document }) => self.open_document = document,
                Ok(Recall::Answered { reply, document }) => {
                    if event == "create_doc" {
                        // Reopen the document only while it still waits to be paid.
                        self.open_document =
                            document.filter(|&d| self.host.core.is_open(d).unwrap_or(false));
                    }
                    return serde_json::from_str(&reply).unwrap_or_else(|_| json!(reply));
                }
                Ok(Recall::New) => {}
                Err(e) => return error_reply(event, &Failure::from(e)),
            }
            if event == "pay"
                && let Some(document) = self.open_document
                && let Err(e) = self.host.core.remember(key, "", Some(document))
            {
                return error_reply(event, &Failure::from(e));
            }
        }
        let empty = Map::new();
        let data = request
            .get("data")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let outcome = self.dispatch(event, Fields(data), text).await;
        match outcome {
            Ok((data, document)) => {
                let answer = reply(event, data);
                if let Some(key) = &key {
                    // Only successes are kept: a failed request may be repeated to better luck.
                    if let Err(e) = self.host.core.remember(key, &answer.to_string(), document) {
                        tracing::error!("journal: reply to {key:?} not stored: {e}");
                    }
                }
                answer
            }
            Err(f) => error_reply(event, &f),
        }
    }

    /// Runs one event; the document id travels with the reply so a replay can restore it.
    async fn dispatch(
        &mut self,
        event: &str,
        data: Fields<'_>,
        raw: &str,
    ) -> Result<(Value, Option<i64>), Failure> {
        let core = &self.host.core;
        let ok = |extra: Value| {
            let mut data = json!({ "error": false, "error_code": 0, "text": OK_TEXT });
            if let (Some(d), Value::Object(extra)) = (data.as_object_mut(), extra) {
                d.extend(extra);
            }
            data
        };
        match event {
            "open_shift" => {
                let cashier = data.str("cashier")?;
                let shift = core.open_shift(&self.device, cashier, raw).await?;
                Ok((ok(json!({ "shift_number": shift })), None))
            }
            "close_shift" => {
                let cashier = data.str("cashier")?;
                let shift = core.close_shift(&self.device, cashier, raw).await?;
                Ok((ok(json!({ "shift_number": shift })), None))
            }
            "force_close_shift" => {
                let shift = core.force_close_shift(&self.device, raw).await?;
                Ok((ok(json!({ "shift_number": shift })), None))
            }
            // Our extension: the fiscal drive's state and its deadlines, in `data`.
            "fn_status" => {
                let status = core.fn_status(&self.device).await?;
                let status = serde_json::to_value(status).expect("a status serializes");
                Ok((ok(status), None))
            }
            // Our extension: a marking code checked before the item is added; the sale checks
            // it again. `doc_type` 3 checks it for a return.
            "check_marking_code" => {
                let code = data.str("marking_code")?;
                let returned = data.opt_int("doc_type")? == Some(3);
                let check = core
                    .check_marking_code(&self.device, code, returned)
                    .await?;
                let check = serde_json::to_value(check).expect("a check serializes");
                Ok((ok(json!({ "check": check })), None))
            }
            "create_doc" => {
                let doc = document(&data)?;
                let created = core
                    .create_document(
                        &self.device,
                        &doc.cashier,
                        doc.kind,
                        doc.lines,
                        doc.customer_contact.as_deref(),
                        raw,
                    )
                    .await?;
                self.open_document = Some(created.document_id);
                let mut extra = json!({ "amount": created.total, "cashier": doc.cashier });
                if !created.warnings.is_empty() {
                    extra["warnings"] = json!(created.warnings);
                }
                Ok((ok(extra), Some(created.document_id)))
            }
            "pay" => {
                let amount = data.int("amount")?;
                let Some(document) = self.open_document else {
                    // A closed shift says more than a missing document: nothing can be paid now.
                    core.require_open_shift(&self.device).await?;
                    return Err(CoreError::NoOpenDocument.into());
                };
                let result = core.pay_by_card(document, amount).await;
                if matches!(&result, Ok(_) | Err(CoreError::ReceiptRefused { .. })) {
                    self.open_document = None;
                }
                let paid = result?;
                let (rrn, auth_id) = paid.card.map(|c| (c.rrn, c.auth_id)).unwrap_or_default();
                let mut extra = json!({
                    "rrn": rrn,
                    "auth_id": auth_id,
                    "fiscal": {
                        "document_number": paid.fiscal.document_number,
                        "fiscal_sign": paid.fiscal.fiscal_sign,
                        "shift_number": paid.fiscal.shift_number,
                        "date_time": paid.fiscal.date_time,
                    },
                });
                if let Some(e) = paid.print_error {
                    extra["print_error"] = json!(e);
                }
                Ok((ok(extra), Some(paid.document_id)))
            }
            "cancel_payment" => {
                let auth_id = data.int("auth_id")?;
                let cancelled = core.cancel_payment(&self.device, auth_id).await?;
                Ok((cancelled_reply(cancelled), None))
            }
            "cancel_payment_by_link" => {
                let rrn = data.str("rrn")?;
                let amount = data.int("amount")?;
                let cancelled = core.refund_by_link(rrn, amount).await?;
                Ok((cancelled_reply(cancelled), None))
            }
            other => Err(failure(2, format!("Неизвестное событие «{other}»"))),
        }
    }
}

/// `create_doc`'s data: the document a sale creates and a preview lays out.
fn document(data: &Fields<'_>) -> Result<PreviewDocument, Failure> {
    let cashier = data.str("cashier")?.to_owned();
    let kind = match data.int("doc_type")? {
        2 => DocKind::Sale,
        3 => DocKind::Return,
        other => {
            return Err(failure(
                4,
                format!("Недопустимое значение: doc_type {other} (2 — продажа, 3 — возврат)"),
            ));
        }
    };
    Ok(PreviewDocument {
        kind,
        cashier,
        lines: wares(data.array("wares")?)?,
        tender: None,
        // Our extension of seed 000: where the electronic copy goes (FFD tag 1008).
        customer_contact: data.opt_str("customer_contact")?.map(str::to_owned),
    })
}

/// `create_doc`'s data as a document to preview (`POST /preview`): the same fields, the same
/// errors, in words.
pub(super) fn preview_document(data: &Map<String, Value>) -> Result<PreviewDocument, String> {
    document(&Fields(data)).map_err(|e| e.text)
}

fn cancelled_reply(c: crate::core::Cancelled) -> Value {
    let mut data = json!({ "error": false, "error_code": 0, "response_code": c.response_code, "text": OK_TEXT });
    if let Some(fiscal) = c.return_receipt {
        data["return_receipt"] = json!({
            "document_number": fiscal.document_number,
            "fiscal_sign": fiscal.fiscal_sign,
        });
    }
    data
}

/// Seed 000's wares: prices in rubles with at most two decimals, quantities with at most three.
fn wares(items: &[Value]) -> Result<Vec<SaleLine>, Failure> {
    if items.is_empty() {
        return Err(failure(4, "Недопустимое значение: список товаров пуст"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let object = item
                .as_object()
                .ok_or_else(|| Fields::missing(&format!("wares[{i}]")))?;
            let f = Fields(object);
            let field = |name: &str| format!("wares[{i}].{name}");
            let name = f.str("name").map_err(|_| Fields::missing(&field("name")))?;
            let barcode = object
                .get("barcode")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let tax_number = f
                .int("tax_number")
                .map_err(|_| Fields::missing(&field("tax_number")))?;
            let price = f
                .number("price")
                .map_err(|_| Fields::missing(&field("price")))?;
            let quantity = f
                .number("quantity")
                .map_err(|_| Fields::missing(&field("quantity")))?;
            let invalid = |what: String| failure(4, format!("Недопустимое значение: {what}"));
            let price = decimal::scaled(price, 2)
                .map_err(|e| invalid(format!("{}: {e}", field("price"))))?;
            let quantity = decimal::scaled(quantity, 3)
                .map_err(|e| invalid(format!("{}: {e}", field("quantity"))))?;
            if price < 0 {
                return Err(invalid(format!("{} отрицательная", field("price"))));
            }
            if quantity <= 0 {
                return Err(invalid(format!(
                    "{} должно быть больше нуля",
                    field("quantity")
                )));
            }
            let tax_number = u32::try_from(tax_number).map_err(|_| invalid(field("tax_number")))?;
            // Our extension of seed 000: the marking code of a marked unit (FFD tag 2000).
            let marking = match object.get("marking_code") {
                None | Some(Value::Null) => None,
                Some(Value::String(code)) if code.is_empty() => None,
                Some(Value::String(code)) => Some(code.clone()),
                Some(_) => return Err(invalid(format!("{} не строка", field("marking_code")))),
            };
            let mut line = SaleLine::in_price(
                name.to_owned(),
                barcode,
                price,
                quantity,
                TaxSpec::Code(tax_number),
            );
            line.marking = marking;
            Ok(line)
        })
        .collect()
}
