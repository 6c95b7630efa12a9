//! The REST face of seed 001: `POST /sale` and its siblings (`/refund`, `/x_report`,
//! `/open_shift`, `/close_shift`, `/check_shift`, `/deposit`, `/withdraw`, `/check_copy`,
//! `/last_document`, and our `/fn_status` and `/correction`), each `POST` with a JSON body and an optional `?device=<id>`; and
//! `GET /openapi.json`, the OpenAPI 3.0 description of them all.
//!
//! Every reply has the seed's shape `{status, code, message, printError, documentID, fiscalID,
//! fiscalNum, rrn, auth, cardNum, checkNum}` (plus a route's own fields), whatever went wrong.
//! `CoreError` is mapped here, once, to the seed's codes 1–9 (docs/rest.md).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use warp::Filter;
use warp::http::StatusCode;

use super::Faces;
use super::auth::Verdict;
use crate::core::marking;
use crate::core::price::{self, PriceError, Priced};
use crate::core::reports::FiscalDocument;
use crate::core::{CalcType, Margin, TaxSpec};
use crate::core::{
    CoreError, CorrectionBasis, DocKind, Face, FiscalRecord, Paid, RequestKey, SaleLine, SaleOrder,
    Sold, Tender, correction_of,
};

const OPENAPI: &str = include_str!("openapi.json");

/// Every route this face serves under `POST /<name>` (the OpenAPI test compares it both ways).
pub const ROUTES: &[&str] = &[
    "sale",
    "refund",
    "x_report",
    "open_shift",
    "close_shift",
    "check_shift",
    "deposit",
    "withdraw",
    "check_copy",
    "last_document",
    "fn_status",
    "correction",
];

pub fn route(
    host: Arc<Faces>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    let openapi = warp::get()
        .and(warp::path!("openapi.json"))
        .and(super::caller(host.clone()))
        .map(
            |caller: super::Caller| match super::refusal(caller.verdict) {
                Some(refused) => refused,
                None => Box::new(warp::reply::with_header(
                    OPENAPI,
                    "content-type",
                    "application/json",
                )) as Box<dyn warp::Reply>,
            },
        );
    // An oversized body (or one without a length) is answered in the seed's shape, not rejected.
    let body = warp::body::content_length_limit(host.max_body_bytes)
        .and(warp::body::bytes())
        .map(|b: warp::hyper::body::Bytes| Some(b.to_vec()))
        .or(warp::any().map(|| None))
        .unify();
    let api = warp::post()
        .and(warp::path::param::<String>())
        .and(warp::path::end())
        .and_then(|name: String| async move {
            if ROUTES.contains(&name.as_str()) {
                Ok(name)
            } else {
                Err(warp::reject::not_found())
            }
        })
        .and(warp::query::<HashMap<String, String>>())
        .and(super::caller(host.clone()))
        .and(body)
        .and_then(
            move |name: String,
                  query: HashMap<String, String>,
                  caller: super::Caller,
                  body: Option<Vec<u8>>| {
                let host = host.clone();
                async move {
                    let (status, reply) = handle(&host, &name, &query, caller, body).await;
                    Ok::<_, warp::Rejection>(json_with_status(&reply, status))
                }
            },
        );
    openapi.or(api).or(wrong_method())
}

/// A reply in the seed's shape; a lock-out's wait also as `Retry-After`.
fn json_with_status(reply: &Value, status: StatusCode) -> Box<dyn warp::Reply> {
    let json = warp::reply::with_status(warp::reply::json(reply), status);
    match reply.get("retryAfter").and_then(Value::as_u64) {
        Some(seconds) => Box::new(warp::reply::with_header(json, "retry-after", seconds)),
        None => Box::new(json),
    }
}

/// A route of this face called with another method than `POST`: 405 in the seed's shape. Its
/// body is not read, so the connection is closed after the answer (`connection: close`): a
/// client that reused it would find it cut under its next request.
fn wrong_method() -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    warp::method()
        .and(warp::path::param::<String>())
        .and(warp::path::end())
        .and_then(|method: warp::http::Method, name: String| async move {
            if !ROUTES.contains(&name.as_str()) {
                return Err(warp::reject::not_found());
            }
            let f = failure(2, format!("Метод {method} не поддерживается: только POST"))
                .with_status(StatusCode::METHOD_NOT_ALLOWED);
            Ok(warp::reply::with_header(
                warp::reply::with_header(
                    warp::reply::with_status(warp::reply::json(&error_reply(&f)), f.http),
                    "allow",
                    "POST",
                ),
                "connection",
                "close",
            ))
        })
}

/// A face-level failure: the seed's code, the HTTP status and a Russian text.
#[derive(Debug)]
struct Failure {
    code: u32,
    http: StatusCode,
    message: String,
    /// The log entry of an internal failure (our extension: `incident`).
    incident: Option<String>,
    /// Seconds until a locked-out client may try its credentials again (`Retry-After`).
    retry_after: Option<u64>,
}

fn failure(code: u32, message: impl Into<String>) -> Failure {
    let http = match code {
        1 => StatusCode::UNAUTHORIZED,
        5 => StatusCode::INTERNAL_SERVER_ERROR,
        6 => StatusCode::CONFLICT,
        9 => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    Failure {
        code,
        http,
        message: message.into(),
        incident: None,
        retry_after: None,
    }
}

impl Failure {
    fn with_incident(mut self, incident: &crate::core::Incident) -> Self {
        self.incident = Some(incident.id.clone());
        self
    }

    fn with_status(mut self, http: StatusCode) -> Self {
        self.http = http;
        self
    }
}

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        match &e {
            CoreError::InvalidInput(m) => failure(3, format!("Недопустимое значение: {m}")),
            CoreError::AmountMismatch { expected, got } if got < expected => failure(
                8,
                format!("Документ не полностью оплачен: оплачено {got} из {expected}"),
            ),
            CoreError::AmountMismatch { expected, got } => failure(
                3,
                format!(
                    "Недопустимое значение: безналичные оплаты превышают сумму документа на {}",
                    got - expected
                ),
            ),
            CoreError::TotalMismatch { stated, computed } => failure(
                4,
                format!("Сумма документа {stated} не совпадает с суммой позиций {computed}"),
            ),
            CoreError::DuplicateCode(code) => failure(
                3,
                format!("Недопустимое значение: код чека «{code}» уже занят"),
            ),
            CoreError::ZeroTotal { lines } => failure(4, super::zero_total_text(lines)),
            CoreError::ShiftClosed => failure(6, "Смена не открыта"),
            CoreError::ShiftExpired => failure(6, "Смена превысила 24 часа: закройте смену"),
            CoreError::ShiftAlreadyOpen => {
                failure(5, "Смена уже открыта").with_status(StatusCode::CONFLICT)
            }
            // A declined card leaves the document unpaid.
            CoreError::PaymentDeclined { code, text } => {
                failure(8, format!("Оплата отклонена (код {code}): {text}"))
                    .with_status(StatusCode::PAYMENT_REQUIRED)
            }
            CoreError::PaymentNotFound => failure(
                9,
                "Документ или платёж не найден, или сумма превышает остаток к возврату",
            ),
            CoreError::Tax(m) => failure(3, format!("Недопустимые параметры позиций: {m}")),
            CoreError::ReceiptRefused { reason, card } => {
                failure(5, super::refusal_text(reason, *card))
            }
            CoreError::MarkingRejected { line, message } => {
                failure(5, super::marking_text(*line, message)).with_status(StatusCode::CONFLICT)
            }
            CoreError::DeviceUnavailable(m) => failure(5, format!("Устройство недоступно: {m}")),
            CoreError::NotFiscal { why, .. } => {
                failure(5, super::not_fiscal_text(why)).with_status(StatusCode::CONFLICT)
            }
            CoreError::DeviceRefused { fault, message } => {
                failure(5, super::fault_text(*fault, message))
            }
            CoreError::OutcomeUnknown(m) => {
                failure(5, format!("Результат операции неизвестен: {m}"))
            }
            CoreError::NoOpenDocument => failure(5, "Внутренняя ошибка: документ не открыт"),
            CoreError::Plugin(i) => {
                failure(5, super::incident_text(" (сбой плагина)", i)).with_incident(i)
            }
            CoreError::Internal(i) => failure(5, super::incident_text("", i)).with_incident(i),
        }
    }
}

/// The seed's reply with every field present: strings empty and numbers 0 when not applicable.
fn base_reply() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "status": "success",
        "code": 0,
        "message": "",
        "printError": 0,
        "documentID": 0,
        "fiscalID": "",
        "fiscalNum": "",
        "rrn": "",
        "auth": "",
        "cardNum": "",
        "checkNum": "",
    }) else {
        unreachable!()
    };
    map
}

fn error_reply(f: &Failure) -> Value {
    let mut reply = base_reply();
    reply.insert("status".into(), json!("error"));
    reply.insert("code".into(), json!(f.code));
    reply.insert("message".into(), json!(f.message));
    if let Some(incident) = &f.incident {
        reply.insert("incident".into(), json!(incident));
    }
    if let Some(seconds) = f.retry_after {
        reply.insert("retryAfter".into(), json!(seconds));
    }
    Value::Object(reply)
}

/// The fields of a fiscal document, for `/sale`, reprints and `/last_document`.
fn document_fields(reply: &mut Map<String, Value>, doc: &FiscalDocument) {
    fiscal_fields(reply, doc.document_id, &doc.fiscal);
    if let Some(card) = &doc.card {
        reply.insert("rrn".into(), json!(card.rrn));
        reply.insert("auth".into(), json!(card.auth_code));
        reply.insert("cardNum".into(), json!(card.card_number));
    }
}

fn fiscal_fields(reply: &mut Map<String, Value>, document_id: i64, fiscal: &FiscalRecord) {
    reply.insert("documentID".into(), json!(document_id));
    reply.insert("fiscalID".into(), json!(fiscal.fiscal_sign));
    reply.insert(
        "fiscalNum".into(),
        json!(fiscal.document_number.to_string()),
    );
    reply.insert("checkNum".into(), json!(fiscal.receipt_number.to_string()));
}

fn print_fields(reply: &mut Map<String, Value>, print_error: Option<String>) {
    if let Some(e) = print_error {
        reply.insert("printError".into(), json!(1));
        reply.insert("message".into(), json!(format!("Ошибка печати копии: {e}")));
    }
}

async fn handle(
    host: &Faces,
    name: &str,
    query: &HashMap<String, String>,
    caller: super::Caller,
    body: Option<Vec<u8>>,
) -> (StatusCode, Value) {
    let outcome = run(host, name, query, caller, body).await;
    // No reply before what it reports is on disk.
    if let Err(e) = host.core.durable().await {
        let f = Failure::from(e);
        return (f.http, error_reply(&f));
    }
    match outcome {
        Ok(reply) => (StatusCode::OK, Value::Object(reply)),
        Err(f) => (f.http, error_reply(&f)),
    }
}

async fn run(
    host: &Faces,
    name: &str,
    query: &HashMap<String, String>,
    caller: super::Caller,
    body: Option<Vec<u8>>,
) -> Result<Map<String, Value>, Failure> {
    match caller.verdict {
        Verdict::Allowed => {}
        Verdict::Denied => return Err(failure(1, "Ошибка авторизации")),
        throttled @ Verdict::Throttled { .. } => {
            let seconds = throttled.retry_after_secs().unwrap_or(1);
            let mut f = failure(1, super::throttled_text(seconds))
                .with_status(StatusCode::TOO_MANY_REQUESTS);
            f.retry_after = Some(seconds);
            return Err(f);
        }
    }
    let Some(body) = body else {
        return Err(failure(
            2,
            format!(
                "Тело запроса больше {} байт или без Content-Length",
                host.max_body_bytes
            ),
        )
        .with_status(StatusCode::PAYLOAD_TOO_LARGE));
    };
    let raw = String::from_utf8(body)
        .map_err(|_| failure(2, "Некорректный JSON: тело запроса не в UTF-8"))?;
    let request: Value =
        serde_json::from_str(&raw).map_err(|e| failure(2, format!("Некорректный JSON: {e}")))?;
    let Value::Object(request) = request else {
        return Err(failure(2, "Некорректный JSON: ожидается объект"));
    };
    let device = host
        .core
        .register_for(Face::Rest, query.get("device").map(String::as_str))?
        .id()
        .to_owned();
    let f = Fields(&request);
    let core = &host.core;
    let mut reply = base_reply();
    match name {
        "sale" => return sale(host, &device, &f, &raw).await,
        "correction" => return correction(host, &device, &f, &raw).await,
        "refund" => {
            let fiscal_id = f.string("fiscalID")?;
            let amount = f.opt_int("amount")?;
            if core.document_by_fiscal_sign(&fiscal_id)?.is_none() {
                return Err(not_found(&fiscal_id));
            }
            let refunded = core.refund_document(&fiscal_id, amount).await?;
            fiscal_fields(&mut reply, refunded.document_id, &refunded.return_receipt);
            if let Some(card) = &refunded.card {
                reply.insert("rrn".into(), json!(card.rrn));
                reply.insert("auth".into(), json!(card.auth_code));
                reply.insert("cardNum".into(), json!(card.card_number));
            }
            reply.insert("cashAmount".into(), json!(refunded.cash));
            reply.insert("cashlessAmount".into(), json!(refunded.cashless));
        }
        "x_report" => {
            core.x_report(&device, &f.string("employeeName")?).await?;
        }
        "open_shift" => {
            let shift = core
                .open_shift(&device, &f.string("employeeName")?, &raw)
                .await?;
            reply.insert("shiftNumber".into(), json!(shift));
        }
        "close_shift" => {
            let shift = core
                .close_shift(&device, &f.string("employeeName")?, &raw)
                .await?;
            reply.insert("shiftNumber".into(), json!(shift));
        }
        "check_shift" => {
            let status = core.shift_status(&device).await?;
            reply.insert("shiftOpen".into(), json!(status.open));
            reply.insert("shiftNumber".into(), json!(status.number));
            reply.insert("shiftExpired".into(), json!(status.expired));
        }
        "fn_status" => {
            // Our extension: the fields in the seed's camelCase, the warnings as the core words them.
            let status = core.fn_status(&device).await?;
            reply.insert("fnNumber".into(), json!(status.fn_number));
            reply.insert("unsentDocuments".into(), json!(status.unsent_documents));
            reply.insert(
                "firstUnsentNumber".into(),
                json!(status.first_unsent_number),
            );
            reply.insert(
                "firstUnsentDateTime".into(),
                json!(status.first_unsent_date_time),
            );
            reply.insert(
                "unsentNotifications".into(),
                json!(status.unsent_notifications),
            );
            reply.insert("validUntil".into(), json!(status.valid_until));
            reply.insert("ffdVersion".into(), json!(status.ffd_version));
            reply.insert("registerTime".into(), json!(status.register_time));
            reply.insert("warnings".into(), json!(status.warnings));
        }
        "deposit" | "withdraw" => {
            let amount = f.int("amount")?;
            let cashier = f.string("employeeName")?;
            if name == "deposit" {
                core.deposit(&device, &cashier, amount).await?;
            } else {
                core.withdraw(&device, &cashier, amount).await?;
            }
            reply.insert("amount".into(), json!(amount));
        }
        "check_copy" => {
            let fiscal_id = f.string("fiscalID")?;
            return reprint(host, &fiscal_id, None).await;
        }
        "last_document" => {
            let doc = core
                .last_document(&device)?
                .ok_or_else(|| failure(9, "На этой ККТ нет фискализированных документов"))?;
            document_fields(&mut reply, &doc);
            reply.insert("amount".into(), json!(doc.total));
            reply.insert(
                "docTime".into(),
                json!(doc.fiscal.date_time.replace('T', " ")),
            );
            reply.insert("docType".into(), json!(doc.kind.as_str()));
        }
        other => return Err(failure(5, format!("Маршрут «{other}» не реализован"))),
    }
    Ok(reply)
}

fn not_found(fiscal_id: &str) -> Failure {
    failure(9, format!("Документ с fiscalID «{fiscal_id}» не найден"))
}

/// Prints a copy of the fiscalized document with this fiscal sign; nothing is fiscalized.
async fn reprint(
    host: &Faces,
    fiscal_id: &str,
    message: Option<&str>,
) -> Result<Map<String, Value>, Failure> {
    let doc = host
        .core
        .document_by_fiscal_sign(fiscal_id)?
        .ok_or_else(|| not_found(fiscal_id))?;
    let print_error = host.core.reprint(doc.document_id).await?;
    let mut reply = base_reply();
    document_fields(&mut reply, &doc);
    if let Some(m) = message {
        reply.insert("message".into(), json!(m));
    }
    print_fields(&mut reply, print_error);
    Ok(reply)
}

const ALREADY_FISCALIZED: &str = "Документ уже фискализирован: напечатана копия без фискализации";

/// Seed 001's `/sale`.
async fn sale(
    host: &Faces,
    device: &str,
    f: &Fields<'_>,
    raw: &str,
) -> Result<Map<String, Value>, Failure> {
    let core = &host.core;
    // A reprint of a fiscalized document.
    if let Some(fiscal_id) = f.opt_string("fiscalID")? {
        return reprint(host, &fiscal_id, Some(ALREADY_FISCALIZED)).await;
    }
    let order = receipt_order(f)?;
    let sold = core
        .sell(SaleOrder {
            register: device,
            cashier: &order.cashier,
            kind: DocKind::Sale,
            lines: order.lines,
            tender: order.tender,
            stated_total: Some(order.amount),
            key: order.doc_time.map(|doc_time| RequestKey::Rest {
                doc_time,
                doc_number: order.doc_number,
                amount: order.amount,
            }),
            request: raw,
            correction: None,
            customer_contact: order.customer_contact,
        })
        .await?;
    let paid: Paid = match sold {
        Sold::Paid(paid) => *paid,
        // Fiscalized already: print it again, never fiscalize it twice.
        Sold::Before { document } => {
            let fiscal = core.fiscal_record(document)?.ok_or_else(|| {
                CoreError::internal(format!("document {document} lost its fiscal data"))
            })?;
            return reprint(host, &fiscal.fiscal_sign, Some(ALREADY_FISCALIZED)).await;
        }
    };
    Ok(paid_reply(paid))
}

/// What `/sale` and `/correction` answer once the receipt is registered.
fn paid_reply(paid: Paid) -> Map<String, Value> {
    let mut reply = base_reply();
    fiscal_fields(&mut reply, paid.document_id, &paid.fiscal);
    // Our extension: the change the register gave back from the cash tendered.
    reply.insert("changeAmount".into(), json!(paid.change));
    if let Some(card) = &paid.card {
        reply.insert("rrn".into(), json!(card.rrn));
        reply.insert("auth".into(), json!(card.auth_code));
        reply.insert("cardNum".into(), json!(card.card_number));
    }
    print_fields(&mut reply, paid.print_error);
    reply
}

/// What `/sale` and `/correction` read alike: seed 001's receipt fields.
struct ReceiptOrder {
    cashier: String,
    amount: i64,
    lines: Vec<SaleLine>,
    tender: Tender,
    /// `docTime` + `docNumber` + `amount`, when `docTime` is given: the request's key.
    doc_time: Option<String>,
    doc_number: String,
    /// Our extension `customerContact` (FFD tag 1008).
    customer_contact: Option<String>,
}

fn receipt_order(f: &Fields<'_>) -> Result<ReceiptOrder, Failure> {
    let doc_number = f.string("docNumber")?;
    let cashier = f.string("employeeName")?;
    let amount = f.int("amount")?;
    let items = f.array("items")?;
    let payments = f.object("payments")?;
    if items.is_empty() {
        return Err(failure(3, "Не переданы обязательные параметры: items пуст"));
    }
    if cashier.trim().is_empty() {
        return Err(failure(
            3,
            "Не переданы обязательные параметры: employeeName пуст",
        ));
    }
    let doc_time = f.opt_string("docTime")?;
    if let Some(t) = &doc_time
        && chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").is_err()
    {
        return Err(failure(
            3,
            format!("Недопустимое значение: docTime «{t}» (ожидается yyyy-MM-dd hh:mm:ss)"),
        ));
    }
    let lines = items
        .iter()
        .enumerate()
        .map(|(i, item)| line(i, item))
        .collect::<Result<Vec<_>, _>>()?;
    let tender = tender(&Fields(payments))?;
    Ok(ReceiptOrder {
        cashier,
        amount,
        lines,
        tender,
        doc_time,
        doc_number,
        customer_contact: f.opt_string("customerContact")?,
    })
}

/// `/sale`'s body as a document to preview (`POST /preview`): the same fields, the same
/// errors, in words.
pub(super) fn preview_document(
    request: &Map<String, Value>,
) -> Result<crate::core::preview::PreviewDocument, String> {
    let order = receipt_order(&Fields(request)).map_err(|f| f.message)?;
    Ok(crate::core::preview::PreviewDocument {
        kind: DocKind::Sale,
        cashier: order.cashier,
        lines: order.lines,
        tender: Some(order.tender),
        customer_contact: order.customer_contact,
    })
}

/// Our `/correction`: a correction receipt (FFD 1.2) with `/sale`'s fields, plus
/// `correctionType` (`self` or `order`), `baseDate` (`yyyy-MM-dd`, the corrected day),
/// `orderNumber` (the tax office's order, required for `order`) and `docType` (`sale` corrects
/// a sale, `return` a sale return; `sale` when absent). Payments are recorded, never charged.
async fn correction(
    host: &Faces,
    device: &str,
    f: &Fields<'_>,
    raw: &str,
) -> Result<Map<String, Value>, Failure> {
    let invalid = |what: String| failure(3, format!("Недопустимое значение: {what}"));
    let basis = match f.string("correctionType")?.as_str() {
        "self" => CorrectionBasis::SelfInitiated,
        "order" => CorrectionBasis::ByOrder,
        other => {
            return Err(invalid(format!(
                "correctionType «{other}» (self — самостоятельно, order — по предписанию)"
            )));
        }
    };
    let base_date = f.string("baseDate")?;
    let day = chrono::NaiveDate::parse_from_str(&base_date, "%Y-%m-%d")
        .map_err(|_| invalid(format!("baseDate «{base_date}» (ожидается yyyy-MM-dd)")))?;
    let kind = match f.opt_string("docType")?.as_deref() {
        None | Some("sale") => DocKind::Sale,
        Some("return") => DocKind::Return,
        Some(other) => {
            return Err(invalid(format!(
                "docType «{other}» (sale — коррекция прихода, return — возврата прихода)"
            )));
        }
    };
    let order = receipt_order(f)?;
    let correction = correction_of(basis, day, f.opt_string("orderNumber")?);
    let sold = host
        .core
        .sell(SaleOrder {
            register: device,
            cashier: &order.cashier,
            kind,
            lines: order.lines,
            tender: order.tender,
            stated_total: Some(order.amount),
            key: order.doc_time.map(|doc_time| RequestKey::RestCorrection {
                doc_time,
                doc_number: order.doc_number,
                amount: order.amount,
            }),
            request: raw,
            correction: Some(correction),
            customer_contact: None,
        })
        .await?;
    match sold {
        Sold::Paid(paid) => Ok(paid_reply(*paid)),
        // Registered already: its requisites again, nothing registered twice.
        Sold::Before { document } => {
            let fiscal = host.core.fiscal_record(document)?.ok_or_else(|| {
                CoreError::internal(format!("document {document} lost its fiscal data"))
            })?;
            let mut reply = base_reply();
            fiscal_fields(&mut reply, document, &fiscal);
            reply.insert(
                "message".into(),
                json!("Чек коррекции уже зарегистрирован: повторно не регистрировался"),
            );
            Ok(reply)
        }
    }
}

/// Seed 001's payments: bonuses and installments are not supported (7), a part below zero is
/// refused (3). Whether they cover the amount (8), and that only cash may exceed it (the change;
/// 3 otherwise), is the core's rule (`Tender::change_for`).
fn tender(p: &Fields<'_>) -> Result<Tender, Failure> {
    let part = |name: &str| -> Result<i64, Failure> {
        let v = p.opt_int(name)?.unwrap_or(0);
        if v < 0 {
            return Err(failure(
                3,
                format!("Недопустимое значение: payments.{name} отрицательна"),
            ));
        }
        Ok(v)
    };
    let tender = Tender {
        cash: part("cashAmount")?,
        cashless: part("cashlessAmount")?,
        external_cashless: 0,
        prepayment: part("prepaymentAmount")?,
        credit: part("creditAmount")?,
    };
    for unsupported in ["bonusesAmount", "installmentAmount"] {
        if part(unsupported)? > 0 {
            return Err(failure(
                7,
                format!("Тип оплаты не поддерживается: {unsupported}"),
            ));
        }
    }
    Ok(tender)
}

/// One of seed 001's items: the unit price is derived from the line's amount by the core's one
/// rule (`core::price::from_amount`, docs/rest.md).
fn line(i: usize, item: &Value) -> Result<SaleLine, Failure> {
    let object = item
        .as_object()
        .ok_or_else(|| Fields::missing(&format!("items[{i}]")))?;
    let f = Fields(object);
    let field = |name: &str| format!("items[{i}].{name}");
    let missing = |name: &str| Fields::missing(&field(name));
    let invalid = |what: String| failure(3, format!("Недопустимое значение: {what}"));
    let name = f.string("itemName").map_err(|_| missing("itemName"))?;
    let qty = f.int("itemQty").map_err(|_| missing("itemQty"))?;
    let amount = f.int("itemAmount").map_err(|_| missing("itemAmount"))?;
    let discount = f
        .opt_int("discount")
        .map_err(|_| missing("discount"))?
        .unwrap_or(0);
    // The one unit-price rule (core::price): the rounding excess, if any, joins the discount.
    let Priced { price, discount } = price::from_amount(amount, discount, qty).map_err(|e| {
        invalid(match e {
            PriceError::Quantity(_) => format!("{} должно быть больше нуля", field("itemQty")),
            PriceError::NegativeAmount(_) | PriceError::NegativeDiscount(_) => format!(
                "{} и {} не могут быть отрицательными",
                field("itemAmount"),
                field("discount")
            ),
            PriceError::Overflow { .. } => {
                format!("{}: сумма не помещается в 64 бита", field("itemAmount"))
            }
        })
    })?;
    let (tax, calc) = match object.get("itemTaxes") {
        None | Some(Value::Null) => (TaxSpec::Exempt, CalcType::InPrice),
        Some(Value::Array(taxes)) => match taxes.first() {
            None => (TaxSpec::Exempt, CalcType::InPrice),
            Some(tax) => {
                let tax = tax.as_object().ok_or_else(|| missing("itemTaxes[0]"))?;
                let t = Fields(tax);
                let prc = t
                    .int("taxPrc")
                    .map_err(|_| missing("itemTaxes[0].taxPrc"))?;
                let prc = i32::try_from(prc)
                    .ok()
                    .filter(|p| *p >= 0)
                    .ok_or_else(|| invalid(field("itemTaxes[0].taxPrc")))?;
                let calc = match t
                    .opt_int("calcType")
                    .map_err(|_| missing("itemTaxes[0].calcType"))?
                    .unwrap_or(1)
                {
                    1 => CalcType::InPrice,
                    2 => CalcType::Fixed,
                    3 => CalcType::Simplified,
                    other => {
                        return Err(invalid(format!(
                            "{} {other} (1, 2 или 3)",
                            field("itemTaxes[0].calcType")
                        )));
                    }
                };
                (TaxSpec::Percent(prc), calc)
            }
        },
        Some(_) => return Err(missing("itemTaxes")),
    };
    let margin = match (
        f.opt_int("itemMarginSum")
            .map_err(|_| missing("itemMarginSum"))?,
        f.opt_int("itemMarginPrice")
            .map_err(|_| missing("itemMarginPrice"))?,
    ) {
        (Some(sum), _) => Some(Margin::Sum(sum)),
        (None, Some(price)) => Some(Margin::UnitPrice(price)),
        (None, None) => None,
    };
    // "QR-code системы идентификации товара": the marking code of a marked unit (tag 2000),
    // checked with the register before the sale; empty for goods that are not marked.
    let marking = f
        .opt_string("itemQRCode")
        .ok()
        .flatten()
        .filter(|code| !code.is_empty());
    // Our extensions: the measure of the quantity (FFD tag 2108, 0 pieces) and, for a marked
    // item, its planned status (tag 2003), which a sale's measure decides: given, it must agree.
    let measure = f
        .opt_int("itemMeasure")
        .map_err(|_| missing("itemMeasure"))?;
    let measure = u8::try_from(measure.unwrap_or(0))
        .map_err(|_| invalid(format!("{} вне 0..255 (тег 2108)", field("itemMeasure"))))?;
    let planned = f
        .opt_int("itemPlannedStatus")
        .map_err(|_| missing("itemPlannedStatus"))?;
    let expected = marking::planned_status_code(marking::planned_status(false, measure));
    if let Some(status) = planned
        && status != expected
    {
        return Err(invalid(format!(
            "{} {status}: в чеке продажи штучный товар — 1, весовой (itemMeasure ≠ 0) — 2 (тег 2003)",
            field("itemPlannedStatus")
        )));
    }
    Ok(SaleLine {
        name,
        barcode: None,
        price,
        quantity: qty,
        discount,
        tax,
        calc,
        margin,
        marking,
        measure,
    })
}

/// Reads the fields of a request; a missing or mistyped required one is code 3, naming it.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn missing(name: &str) -> Failure {
        failure(
            3,
            format!("Не переданы обязательные параметры: «{name}» отсутствует или неверного типа"),
        )
    }
    /// A string; a number is accepted as its decimal text (a docNumber of 42).
    fn string(&self, name: &str) -> Result<String, Failure> {
        self.opt_string(name)?.ok_or_else(|| Self::missing(name))
    }
    fn opt_string(&self, name: &str) -> Result<Option<String>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(Self::missing(name)),
        }
    }
    fn int(&self, name: &str) -> Result<i64, Failure> {
        self.opt_int(name)?.ok_or_else(|| Self::missing(name))
    }
    fn opt_int(&self, name: &str) -> Result<Option<i64>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| Self::missing(name)),
        }
    }
    fn array(&self, name: &str) -> Result<&Vec<Value>, Failure> {
        self.0
            .get(name)
            .and_then(Value::as_array)
            .ok_or_else(|| Self::missing(name))
    }
    fn object(&self, name: &str) -> Result<&Map<String, Value>, Failure> {
        self.0
            .get(name)
            .and_then(Value::as_object)
            .ok_or_else(|| Self::missing(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(qty: i64, amount: i64, discount: i64) -> Value {
        json!({ "itemName": "x", "itemQty": qty, "itemAmount": amount, "discount": discount })
    }

    /// What the tax plugin makes of a line: price × quantity, rounded half up, less the discount.
    fn amount_of(l: &SaleLine) -> i64 {
        (l.price * l.quantity + 500) / 1000 - l.discount
    }

    #[test]
    fn unit_price_is_derived_from_the_amount() {
        let l = line(0, &item(2000, 24690, 0)).unwrap();
        assert_eq!((l.price, l.quantity, amount_of(&l)), (12345, 2000, 24690));
        let l = line(0, &item(1500, 14900, 100)).unwrap();
        assert_eq!((l.price, l.quantity, l.discount), (10000, 1500, 100));
    }

    #[test]
    fn an_amount_no_unit_price_gives_keeps_its_quantity_and_adds_the_rounding_to_the_discount() {
        // 100 kopecks for 3 units: 33 × 3 = 99, 34 × 3 = 102 → 34 with 2 off, still 3 units.
        let l = line(0, &item(3000, 100, 0)).unwrap();
        assert_eq!(
            (l.price, l.quantity, l.discount, amount_of(&l)),
            (34, 3000, 2, 100)
        );
    }

    #[test]
    fn amounts_near_the_64_bit_limit_are_refused_never_wrapped() {
        let e = line(0, &item(1000, i64::MAX, 1)).unwrap_err();
        assert_eq!(e.code, 3, "{e:?}");
        // A unit price of this amount at 0.001 units would not fit.
        let e = line(0, &item(1, i64::MAX, 0)).unwrap_err();
        assert_eq!(e.code, 3, "{e:?}");
        let e = line(0, &item(0, 100, 0)).unwrap_err();
        assert_eq!(e.code, 3, "{e:?}");
        // Parts that overflow together: the core's rule refuses them, mapped to code 3.
        let t = tender(&Fields(
            json!({ "cashAmount": i64::MAX, "creditAmount": i64::MAX, "cashlessAmount": 102 })
                .as_object()
                .unwrap(),
        ))
        .unwrap();
        let e = Failure::from(t.change_for(100).unwrap_err());
        assert_eq!(e.code, 3, "{e:?}");
    }

    #[test]
    fn taxes_and_margins_map_to_the_plugin_specs() {
        let mut it = item(1000, 500, 0);
        it["itemTaxes"] = json!([{ "taxName": "НДС", "taxPrc": 1000, "calcType": 2 }]);
        it["itemMarginPrice"] = json!(100);
        it["itemMarginSum"] = Value::Null;
        let l = line(0, &it).unwrap();
        assert_eq!(l.tax, TaxSpec::Percent(1000));
        assert_eq!(l.calc, CalcType::Fixed);
        assert_eq!(l.margin, Some(Margin::UnitPrice(100)));
        let l = line(0, &item(1000, 500, 0)).unwrap();
        assert_eq!(l.tax, TaxSpec::Exempt);
    }

    #[test]
    fn cash_above_the_amount_is_change_and_bonuses_are_refused() {
        let t = tender(&Fields(
            json!({ "cashAmount": 1000, "cashlessAmount": 500 })
                .as_object()
                .unwrap(),
        ))
        .unwrap();
        assert_eq!((t.cash, t.cashless), (1000, 500), "cash as tendered");
        assert_eq!(t.change_for(1200).unwrap(), 300);
        let e = tender(&Fields(json!({ "bonusesAmount": 1 }).as_object().unwrap())).unwrap_err();
        assert_eq!(e.code, 7);
        let e = tender(&Fields(json!({ "cashAmount": -1 }).as_object().unwrap())).unwrap_err();
        assert_eq!(e.code, 3);
        // The core's verdicts in the seed's codes: not covered 8, non-cash above the amount 3.
        let cash = tender(&Fields(json!({ "cashAmount": 1 }).as_object().unwrap())).unwrap();
        assert_eq!(Failure::from(cash.change_for(2).unwrap_err()).code, 8);
        let card = tender(&Fields(json!({ "cashlessAmount": 3 }).as_object().unwrap())).unwrap();
        assert_eq!(Failure::from(card.change_for(2).unwrap_err()).code, 3);
    }
}
