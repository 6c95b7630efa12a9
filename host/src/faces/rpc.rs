//! The JSON-RPC 2.0 face of seed 002 (REGOS VCR): `POST /rpc`.
//!
//! Each request is `{"id", "auth", "method", "params", "jsonrpc": "2.0"}`; the reply is
//! `{"id", "ok": true, "result", "jsonrpc"}` or `{"id", "ok": false, "error": {"code",
//! "message", "data"?}, "jsonrpc"}` (the seed's `ok` beside the standard members). A JSON
//! array is a batch, answered element by element in order (a notification, without `id`, gets
//! no element). Methods: `Receipt.Credit` (non-fiscal, `core::credit`), `Receipt.Sale` and
//! `Receipt.Refund` (fiscal), `Receipt.Get`, `ZReport.Open` and `ZReport.Close`; and our
//! `Receipt.Correction` and `FiscalDrive.Status`. Error codes are mapped here, once (docs/rpc.md).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use base64::Engine;
use serde_json::{Map, Value, json};
use warp::Filter;
use warp::http::StatusCode;
use warp::hyper::body::Bytes;

use super::Faces;
use super::auth::Verdict;
use crate::core::TaxSpec;
use crate::core::credit::{CreditPayment, CreditPaymentKind, CreditPosition, CreditReceipt};
use crate::core::price::{self, PriceError, Priced};
use crate::core::{
    CoreError, Correction, CorrectionBasis, DocKind, Face, Paid, RequestKey, Reversal, SaleLine,
    SaleOrder, Sold, Tender, correction_of,
};

const VERSION: &str = "2.0";

/// The error codes of the face (docs/rpc.md).
pub mod codes {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL: i64 = -32603;
    pub const AUTH_FAILED: i64 = -32001;
    pub const DUPLICATE_CODE: i64 = -32002;
    pub const SHIFT_NOT_OPEN: i64 = -32003;
    pub const DEVICE_ERROR: i64 = -32004;
    pub const SHIFT_EXPIRED: i64 = -32005;
    pub const SHIFT_ALREADY_OPEN: i64 = -32006;
    pub const RECEIPT_REFUSED: i64 = -32007;
    pub const PAYMENT_DECLINED: i64 = -32008;
    pub const TAX_ERROR: i64 = -32009;
    pub const OUTCOME_UNKNOWN: i64 = -32010;
    pub const NOT_FOUND: i64 = -32011;
    pub const AUTH_THROTTLED: i64 = -32012;
    pub const NOT_FISCAL: i64 = -32013;
}

/// Seed 002 allows at most two terminal payments (type 2) per receipt.
const MAX_TERMINAL_PAYMENTS: usize = 2;

pub fn route(
    host: Arc<Faces>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    let limit = host.max_body_bytes;
    warp::path!("rpc")
        .and(warp::post())
        .and(warp::query::<HashMap<String, String>>())
        .and(warp::addr::remote())
        .and(warp::body::content_length_limit(limit))
        .and(warp::body::bytes())
        .and_then(
            move |query: HashMap<String, String>,
                  remote: Option<std::net::SocketAddr>,
                  body: Bytes| {
                let host = host.clone();
                async move {
                    let caller = Caller {
                        client: remote.map(|a| a.ip()),
                        device: query.get("device").map(String::as_str),
                    };
                    let reply = handle_body(host.clone(), &body, caller).await;
                    // No reply before what it reports is on disk.
                    if let Err(e) = host.core.durable().await {
                        let e = RpcError::from(e);
                        return Ok::<_, warp::Rejection>(json_reply(&error_reply(Value::Null, &e)));
                    }
                    Ok::<_, warp::Rejection>(reply)
                }
            },
        )
        .recover(move |rejection: warp::Rejection| async move {
            let (status, message) = if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the request body is larger than {limit} bytes"),
                )
            } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
                (
                    StatusCode::LENGTH_REQUIRED,
                    "a Content-Length header is required".to_owned(),
                )
            } else {
                return Err(rejection);
            };
            let body = error_reply(Value::Null, &failure(codes::INVALID_REQUEST, message));
            Ok(warp::reply::with_status(warp::reply::json(&body), status))
        })
        .or(wrong_method())
}

/// `/rpc` with another method than `POST`: 405 with a JSON-RPC error, and the connection
/// closed after it (its body is not read; see the REST face's `wrong_method`).
fn wrong_method() -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    warp::path!("rpc")
        .and(warp::method())
        .map(|method: warp::http::Method| {
            let e = failure(
                codes::INVALID_REQUEST,
                format!("method {method} is not allowed: JSON-RPC is sent with POST"),
            );
            warp::reply::with_header(
                warp::reply::with_header(
                    warp::reply::with_status(
                        warp::reply::json(&error_reply(Value::Null, &e)),
                        StatusCode::METHOD_NOT_ALLOWED,
                    ),
                    "allow",
                    "POST",
                ),
                "connection",
                "close",
            )
        })
}

/// A failed request: its JSON-RPC code, an English text and optional data.
#[derive(Debug)]
struct RpcError {
    code: i64,
    message: String,
    data: Option<Value>,
}

fn failure(code: i64, message: impl Into<String>) -> RpcError {
    RpcError {
        code,
        message: message.into(),
        data: None,
    }
}

fn invalid_params(message: impl Into<String>) -> RpcError {
    failure(codes::INVALID_PARAMS, message)
}

impl From<CoreError> for RpcError {
    fn from(e: CoreError) -> Self {
        let code = match &e {
            CoreError::InvalidInput(_)
            | CoreError::AmountMismatch { .. }
            | CoreError::TotalMismatch { .. }
            | CoreError::ZeroTotal { .. } => codes::INVALID_PARAMS,
            CoreError::DuplicateCode(_) => codes::DUPLICATE_CODE,
            CoreError::NoOpenDocument | CoreError::PaymentNotFound => codes::NOT_FOUND,
            CoreError::ShiftClosed => codes::SHIFT_NOT_OPEN,
            CoreError::ShiftExpired => codes::SHIFT_EXPIRED,
            CoreError::ShiftAlreadyOpen => codes::SHIFT_ALREADY_OPEN,
            CoreError::PaymentDeclined { .. } => codes::PAYMENT_DECLINED,
            CoreError::ReceiptRefused { .. } | CoreError::MarkingRejected { .. } => {
                codes::RECEIPT_REFUSED
            }
            CoreError::DeviceUnavailable(_) | CoreError::DeviceRefused { .. } => {
                codes::DEVICE_ERROR
            }
            CoreError::Tax(_) => codes::TAX_ERROR,
            CoreError::NotFiscal { .. } => codes::NOT_FISCAL,
            CoreError::OutcomeUnknown(_) => codes::OUTCOME_UNKNOWN,
            CoreError::Plugin(_) | CoreError::Internal(_) => codes::INTERNAL,
        };
        let data = match &e {
            CoreError::AmountMismatch { expected, got } => {
                Some(json!({ "expected": expected, "got": got }))
            }
            CoreError::TotalMismatch { stated, computed } => {
                Some(json!({ "expected": computed, "got": stated }))
            }
            CoreError::DuplicateCode(code) => Some(json!({ "code": code })),
            CoreError::PaymentDeclined { code, .. } => Some(json!({ "response_code": code })),
            // Positions counted from 0, as the request's own array is.
            CoreError::ZeroTotal { lines } => Some(json!({
                "positions": lines.iter().map(|l| l - 1).collect::<Vec<_>>(),
            })),
            CoreError::ReceiptRefused { card, .. } => match card {
                Reversal::NothingPaid => None,
                Reversal::Reversed => Some(json!({ "reversed": true })),
                Reversal::NotReversed => Some(json!({ "reversed": false })),
            },
            CoreError::Plugin(i) | CoreError::Internal(i) => Some(json!({ "incident": i.id })),
            CoreError::NotFiscal { lane, country, .. } => {
                Some(json!({ "lane": lane, "jurisdiction": country.code() }))
            }
            _ => None,
        };
        let message = match &e {
            CoreError::ZeroTotal { lines } => {
                let named: Vec<String> = lines
                    .iter()
                    .map(|l| format!("params.positions[{}]", l - 1))
                    .collect();
                format!(
                    "the receipt's total is zero ({} comes to nothing)",
                    named.join(", ")
                )
            }
            e => e.to_string(),
        };
        RpcError {
            code,
            message,
            data,
        }
    }
}

fn ok_reply(id: Value, result: Value) -> Value {
    json!({ "id": id, "ok": true, "result": result, "jsonrpc": VERSION })
}

fn error_reply(id: Value, e: &RpcError) -> Value {
    let mut error = json!({ "code": e.code, "message": e.message });
    if let Some(data) = &e.data {
        error["data"] = data.clone();
    }
    json!({ "id": id, "ok": false, "error": error, "jsonrpc": VERSION })
}

/// Where a request came from: the client's address (for the login limiter) and `?device=`.
#[derive(Clone, Copy)]
struct Caller<'a> {
    client: Option<std::net::IpAddr>,
    device: Option<&'a str>,
}

async fn handle_body(host: Arc<Faces>, body: &[u8], caller: Caller<'_>) -> Box<dyn warp::Reply> {
    let request: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            let e = failure(codes::PARSE_ERROR, format!("parse error: {e}"));
            return json_reply(&error_reply(Value::Null, &e));
        }
    };
    match request {
        Value::Array(items) if items.is_empty() => {
            let e = failure(codes::INVALID_REQUEST, "an empty batch");
            json_reply(&error_reply(Value::Null, &e))
        }
        Value::Array(items) => {
            // In order: a batch may open a shift and then sell in it.
            let mut replies = Vec::with_capacity(items.len());
            for item in &items {
                if let Some(reply) = handle_one(&host, item, caller).await {
                    replies.push(reply);
                }
            }
            if replies.is_empty() {
                no_content()
            } else {
                json_reply(&Value::Array(replies))
            }
        }
        single => match handle_one(&host, &single, caller).await {
            Some(reply) => json_reply(&reply),
            None => no_content(),
        },
    }
}

fn json_reply(value: &Value) -> Box<dyn warp::Reply> {
    Box::new(warp::reply::json(value))
}

fn no_content() -> Box<dyn warp::Reply> {
    Box::new(warp::reply::with_status(
        warp::reply(),
        StatusCode::NO_CONTENT,
    ))
}

/// One request; `None` for a notification (no `id` member), which gets no reply.
async fn handle_one(host: &Arc<Faces>, request: &Value, caller: Caller<'_>) -> Option<Value> {
    let Some(object) = request.as_object() else {
        let e = failure(codes::INVALID_REQUEST, "a request must be a JSON object");
        return Some(error_reply(Value::Null, &e));
    };
    let (id, notification) = match object.get("id") {
        None => (Value::Null, true),
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Null)) => (v.clone(), false),
        Some(_) => {
            let e = failure(
                codes::INVALID_REQUEST,
                "id must be a string, a number or null",
            );
            return Some(error_reply(Value::Null, &e));
        }
    };
    let outcome = run(host, object, caller).await;
    if notification {
        if let Err(e) = &outcome {
            tracing::info!("rpc notification failed: {} {}", e.code, e.message);
        }
        return None;
    }
    Some(match outcome {
        Ok(result) => ok_reply(id, result),
        Err(e) => error_reply(id, &e),
    })
}

async fn run(
    host: &Arc<Faces>,
    request: &Map<String, Value>,
    caller: Caller<'_>,
) -> Result<Value, RpcError> {
    let device = caller.device;
    if request.get("jsonrpc").and_then(Value::as_str) != Some(VERSION) {
        return Err(failure(codes::INVALID_REQUEST, "jsonrpc must be \"2.0\""));
    }
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return Err(failure(
            codes::INVALID_REQUEST,
            "method is missing or not a string",
        ));
    };
    let auth = match request.get("auth") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(failure(codes::AUTH_FAILED, "authorisation failed")),
    };
    match host
        .auth
        .check_basic_b64(caller.client, auth.as_deref())
        .await
    {
        Verdict::Allowed => {}
        Verdict::Denied => return Err(failure(codes::AUTH_FAILED, "authorisation failed")),
        throttled @ Verdict::Throttled { .. } => {
            let seconds = throttled.retry_after_secs().unwrap_or(1);
            return Err(RpcError {
                code: codes::AUTH_THROTTLED,
                message: format!("too many failed logins: retry in {seconds} s"),
                data: Some(json!({ "retry_after": seconds })),
            });
        }
    }
    // What the journal keeps of the request: everything but the credentials.
    let mut journaled = request.clone();
    journaled.remove("auth");
    let raw = Value::Object(journaled).to_string();
    let ctx = Call {
        host,
        login: auth.as_deref().and_then(login_of),
        raw: &raw,
        device,
    };
    let empty = Map::new();
    let params = match request.get("params") {
        Some(Value::Object(p)) => Some(p),
        None | Some(Value::Null) => None,
        Some(_) => return Err(invalid_params("params must be an object")),
    };
    let required = || params.ok_or_else(|| invalid_params("params are missing"));
    match method {
        "Receipt.Credit" => ctx.credit(Fields::root(required()?)).await,
        "Receipt.Sale" => ctx.fiscal(DocKind::Sale, Fields::root(required()?)).await,
        "Receipt.Refund" => ctx.fiscal(DocKind::Return, Fields::root(required()?)).await,
        "Receipt.Correction" => ctx.correction(Fields::root(required()?)).await,
        "Receipt.Get" => ctx.get(Fields::root(required()?)),
        "ZReport.Open" => {
            ctx.shift(true, Fields::root(params.unwrap_or(&empty)))
                .await
        }
        "ZReport.Close" => {
            ctx.shift(false, Fields::root(params.unwrap_or(&empty)))
                .await
        }
        "FiscalDrive.Status" => ctx.fn_status().await,
        other => Err(failure(
            codes::METHOD_NOT_FOUND,
            format!("method not found: {other}"),
        )),
    }
}

/// The login of seed 002's `auth` (Base64 of `login:password`): the default cashier name.
fn login_of(auth: &str) -> Option<String> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (login, _) = text.split_once(':')?;
    (!login.is_empty()).then(|| login.to_owned())
}

/// The fields of one object of `params`, with the path used in error messages.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Fields<'a> {
    fn root(map: &'a Map<String, Value>) -> Self {
        Self {
            map,
            path: "params".into(),
        }
    }

    fn name(&self, field: &str) -> String {
        format!("{}.{field}", self.path)
    }

    /// The first of these spellings that is present.
    fn get_any(&self, names: &[&str]) -> Option<(&'a Value, String)> {
        names
            .iter()
            .find_map(|n| self.map.get(*n).map(|v| (v, self.name(n))))
    }

    fn opt_str(&self, field: &str) -> Result<Option<String>, RpcError> {
        self.opt_str_any(&[field])
    }

    fn opt_str_any(&self, names: &[&str]) -> Result<Option<String>, RpcError> {
        match self.get_any(names) {
            None | Some((Value::Null, _)) => Ok(None),
            Some((Value::String(s), _)) => Ok(Some(s.clone())),
            Some((_, name)) => Err(invalid_params(format!("{name} must be a string or null"))),
        }
    }

    fn req_str(&self, field: &str) -> Result<String, RpcError> {
        self.opt_str(field)?
            .ok_or_else(|| invalid_params(format!("{} is required", self.name(field))))
    }

    fn opt_int_any(&self, names: &[&str]) -> Result<Option<i64>, RpcError> {
        match self.get_any(names) {
            None | Some((Value::Null, _)) => Ok(None),
            Some((Value::Number(n), name)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| invalid_params(format!("{name} must be an integer"))),
            Some((_, name)) => Err(invalid_params(format!("{name} must be an integer"))),
        }
    }

    fn req_int(&self, field: &str) -> Result<i64, RpcError> {
        self.opt_int_any(&[field])?
            .ok_or_else(|| invalid_params(format!("{} is required", self.name(field))))
    }

    /// An array of objects, each with its own path.
    fn objects(&self, field: &str) -> Result<Vec<Fields<'a>>, RpcError> {
        let name = self.name(field);
        let Some(Value::Array(items)) = self.map.get(field) else {
            return Err(invalid_params(format!("{name} must be an array")));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(map) => Ok(Fields {
                    map,
                    path: format!("{name}[{i}]"),
                }),
                _ => Err(invalid_params(format!("{name}[{i}] must be an object"))),
            })
            .collect()
    }
}

/// The string fields of a seed-002 position (each a string or null).
const POSITION_STRINGS: &[&str] = &[
    "articul",
    "barcode",
    "brand_name",
    "code",
    "color_name",
    "commission_inn",
    "country_name",
    "department_name",
    "group_name",
    "icps",
    "label",
    "package_code",
    "producer_name",
    "size_name",
    "type_name",
    "unit_name",
];

/// A position as read: its line, unit, label and the amount it must come to.
struct Position {
    line: SaleLine,
    unit: Option<String>,
    label: Option<String>,
    amount: i64,
    fields: Value,
}

fn position(f: &Fields<'_>) -> Result<Position, RpcError> {
    for field in POSITION_STRINGS {
        f.opt_str(field)?;
    }
    let name = f.req_str("name")?;
    if name.trim().is_empty() {
        return Err(invalid_params(format!("{} is empty", f.name("name"))));
    }
    let amount = f.req_int("amount")?;
    let quantity = f.req_int("quantity")?;
    let discount = f.opt_int_any(&["discount"])?.unwrap_or(0);
    let vat_value = f.req_int("vat_value")?;
    // The one unit-price rule (core::price): the rounding excess, if any, joins the discount.
    let Priced { price, discount } =
        price::from_amount(amount, discount, quantity).map_err(|e| {
            invalid_params(match e {
                PriceError::NegativeAmount(_) => format!("{} is negative", f.name("amount")),
                PriceError::Quantity(_) => {
                    format!("{} must be above 0 (thousandths)", f.name("quantity"))
                }
                PriceError::NegativeDiscount(_) => format!("{} is negative", f.name("discount")),
                PriceError::Overflow { .. } => format!(
                    "{}: the unit price of amount {amount} and discount {discount} for quantity \
                     {quantity} (thousandths) does not fit in 64 bits",
                    f.path
                ),
            })
        })?;
    let vat = i32::try_from(vat_value)
        .ok()
        .filter(|v| (0..=10_000).contains(v))
        .ok_or_else(|| {
            invalid_params(format!(
                "{} must be a rate in hundredths of a percent (0..=10000)",
                f.name("vat_value")
            ))
        })?;
    let barcode = f.opt_str("barcode")?.filter(|b| !b.is_empty());
    let mut line = SaleLine::in_price(name, barcode, price, quantity, TaxSpec::Percent(vat));
    line.discount = discount;
    let label = f.opt_str("label")?;
    // Seed 002's `label` is the position's marking code (tag 2000); empty means none. A fiscal
    // receipt checks it with the register; a credit receipt only prints it.
    line.marking = label.clone().filter(|l| !l.is_empty());
    Ok(Position {
        line,
        unit: f.opt_str("unit_name")?.filter(|u| !u.is_empty()),
        label,
        amount,
        fields: Value::Object(f.map.clone()),
    })
}

fn payment(f: &Fields<'_>) -> Result<CreditPayment, RpcError> {
    let kind = match f.req_int("type")? {
        1 => CreditPaymentKind::Cash,
        2 => CreditPaymentKind::Terminal,
        other => {
            return Err(invalid_params(format!(
                "{}: payment type {other} is not supported (1 cash, 2 terminal)",
                f.name("type")
            )));
        }
    };
    let value = f.req_int("value")?;
    if value < 0 {
        return Err(invalid_params(format!("{} is negative", f.name("value"))));
    }
    Ok(CreditPayment {
        kind,
        value,
        payment_id: f.opt_str("payment_id")?,
        rrn: f.opt_str_any(&["RRN", "rrn"])?.filter(|r| !r.is_empty()),
        // The seed's example spells it with a Cyrillic "с" (D1 81); clients copy it.
        card_type: f.opt_int_any(&["card_type", "\u{0441}ard_type"])?,
    })
}

/// The receipt model shared by `Receipt.Credit`, `Receipt.Sale` and `Receipt.Refund`.
struct ReceiptModel {
    cashier: Option<String>,
    code: Option<String>,
    phone: Option<String>,
    pos_id: Option<String>,
    seller_name: Option<String>,
    session_code: Option<String>,
    positions: Vec<Position>,
    payments: Vec<CreditPayment>,
    custom_variables: Value,
}

impl ReceiptModel {
    /// The positions' amounts together; refused when the sum overflows.
    fn total(&self) -> Result<i64, RpcError> {
        checked_sum(self.positions.iter().map(|p| p.amount), "params.positions")
    }

    /// The payments together; refused when the sum overflows.
    fn paid(&self) -> Result<i64, RpcError> {
        checked_sum(self.payments.iter().map(|p| p.value), "params.payments")
    }
}

fn checked_sum(mut values: impl Iterator<Item = i64>, what: &str) -> Result<i64, RpcError> {
    values
        .try_fold(0i64, i64::checked_add)
        .ok_or_else(|| invalid_params(format!("{what} add up to more than a 64-bit sum holds")))
}

fn receipt_model(f: &Fields<'_>) -> Result<ReceiptModel, RpcError> {
    let positions = f
        .objects("positions")?
        .iter()
        .map(position)
        .collect::<Result<Vec<_>, _>>()?;
    if positions.is_empty() {
        return Err(invalid_params("params.positions is empty"));
    }
    // Seed 002: each label (marking code) is unique within a request; empty means none.
    let mut labels = HashSet::new();
    for (i, p) in positions.iter().enumerate() {
        if let Some(label) = p.label.as_deref().filter(|l| !l.is_empty())
            && !labels.insert(label)
        {
            let mut e = invalid_params(format!(
                "params.positions[{i}].label {label:?} repeats an earlier position's label"
            ));
            e.data = Some(json!({ "label": label, "position": i }));
            return Err(e);
        }
    }
    let payments = f
        .objects("payments")?
        .iter()
        .map(payment)
        .collect::<Result<Vec<_>, _>>()?;
    let terminals = payments
        .iter()
        .filter(|p| p.kind == CreditPaymentKind::Terminal)
        .count();
    if terminals > MAX_TERMINAL_PAYMENTS {
        return Err(invalid_params(format!(
            "params.payments has {terminals} terminal payments (type 2); at most {MAX_TERMINAL_PAYMENTS} are allowed"
        )));
    }
    let custom_variables = match f.map.get("custom_variables") {
        None | Some(Value::Null) => Value::Null,
        Some(v @ Value::Array(_)) => v.clone(),
        Some(_) => {
            return Err(invalid_params(
                "params.custom_variables must be an array or null",
            ));
        }
    };
    Ok(ReceiptModel {
        cashier: f.opt_str("cashier_name")?.filter(|c| !c.trim().is_empty()),
        code: f.opt_str("code")?.filter(|c| !c.trim().is_empty()),
        phone: f.opt_str("phone")?,
        pos_id: f.opt_str("pos_id")?,
        seller_name: f.opt_str("seller_name")?,
        session_code: f.opt_str("session_code")?,
        positions,
        payments,
        custom_variables,
    })
}

/// One call: the host, the caller's login and the request as journaled.
struct Call<'a> {
    host: &'a Arc<Faces>,
    login: Option<String>,
    raw: &'a str,
    /// `?device=` of the request: the register for fiscal methods (default: the first).
    device: Option<&'a str>,
}

impl Call<'_> {
    /// Seed 002: without `cashier_name` the cashier is the user the request runs as.
    fn cashier(&self, given: Option<String>) -> String {
        given
            .or_else(|| self.login.clone())
            .unwrap_or_else(|| "VCR".to_owned())
    }

    async fn credit(&self, f: Fields<'_>) -> Result<Value, RpcError> {
        let model = receipt_model(&f)?;
        let receipt = CreditReceipt {
            cashier: self.cashier(model.cashier),
            code: model.code,
            pos_id: model.pos_id.unwrap_or_else(|| "VCR".to_owned()),
            seller_name: model.seller_name,
            session_code: model.session_code,
            phone: model.phone,
            positions: model
                .positions
                .into_iter()
                .map(|p| CreditPosition {
                    line: p.line,
                    unit: p.unit,
                    fields: p.fields,
                })
                .collect(),
            payments: model.payments,
            custom_variables: model.custom_variables,
        };
        let issued = self
            .host
            .core
            .credit_receipt(receipt, self.device, self.raw)
            .await?;
        for warning in &issued.warnings {
            tracing::warn!(receipt = %issued.uuid, "credit receipt: {warning}");
        }
        Ok(json!({ "id": issued.uuid }))
    }

    /// `Receipt.Sale` / `Receipt.Refund`: a fiscal receipt on the lane's register; `phone` is
    /// the customer's contact (FFD tag 1008).
    async fn fiscal(&self, kind: DocKind, f: Fields<'_>) -> Result<Value, RpcError> {
        let model = receipt_model(&f)?;
        self.register(kind, model, None).await
    }

    /// `Receipt.Correction` (our extension): a correction receipt (FFD 1.2) with the receipt
    /// model's fields plus `correction_type` (tag 1173: 0 self-initiated, 1 by the tax office's
    /// order), `base_date` (tag 1178, `YYYY-MM-DD`), `order_number` (tag 1179) and `operation`
    /// (tag 1054: 1 corrects a sale, 2 a sale return; 1 when absent). Its payments are recorded,
    /// never charged.
    async fn correction(&self, f: Fields<'_>) -> Result<Value, RpcError> {
        let basis = match f.req_int("correction_type")? {
            0 => CorrectionBasis::SelfInitiated,
            1 => CorrectionBasis::ByOrder,
            other => {
                return Err(invalid_params(format!(
                    "{} {other}: 0 self-initiated, 1 by order",
                    f.name("correction_type")
                )));
            }
        };
        let base_date = f.req_str("base_date")?;
        let day = chrono::NaiveDate::parse_from_str(&base_date, "%Y-%m-%d").map_err(|_| {
            invalid_params(format!(
                "{} {base_date:?} is not a YYYY-MM-DD date",
                f.name("base_date")
            ))
        })?;
        let kind = match f.opt_int_any(&["operation"])?.unwrap_or(1) {
            1 => DocKind::Sale,
            2 => DocKind::Return,
            other => {
                return Err(invalid_params(format!(
                    "{} {other}: 1 corrects a sale, 2 a sale return",
                    f.name("operation")
                )));
            }
        };
        let correction = correction_of(basis, day, f.opt_str("order_number")?);
        let model = receipt_model(&f)?;
        self.register(kind, model, Some(correction)).await
    }

    /// Registers a receipt or a correction receipt once per receipt code.
    async fn register(
        &self,
        kind: DocKind,
        model: ReceiptModel,
        correction: Option<Correction>,
    ) -> Result<Value, RpcError> {
        let total = model.total()?;
        model.paid()?;
        let mut tender = Tender::default();
        for p in &model.payments {
            match (p.kind, &p.rrn) {
                (CreditPaymentKind::Cash, _) => tender.cash += p.value,
                // Paid on the client's own terminal: recorded on the receipt, not charged.
                (CreditPaymentKind::Terminal, Some(_)) => tender.external_cashless += p.value,
                // No RRN: charged on the host's card terminal.
                (CreditPaymentKind::Terminal, None) => tender.cashless += p.value,
            }
        }
        let core = &self.host.core;
        let register = core
            .register_for(Face::JsonRpc, self.device)?
            .id()
            .to_owned();
        let cashier = self.cashier(model.cashier.clone());
        let sold = core
            .sell(SaleOrder {
                register: &register,
                cashier: &cashier,
                kind,
                lines: model.positions.iter().map(|p| p.line.clone()).collect(),
                tender,
                stated_total: Some(total),
                key: model.code.clone().map(RequestKey::ReceiptCode),
                request: self.raw,
                // A correction receipt carries no contact in the driver contract (0.2.0).
                customer_contact: model.phone.clone().filter(|_| correction.is_none()),
                correction,
            })
            .await?;
        match sold {
            Sold::Paid(receipt) => self.fiscal_result(receipt.document_id, &receipt),
            // A receipt code's repeat is a duplicate, never this (`core::requests`).
            Sold::Before { .. } => {
                Err(CoreError::internal("a receipt code answered as a request key").into())
            }
        }
    }

    fn fiscal_result(&self, document: i64, receipt: &Paid) -> Result<Value, RpcError> {
        if let Some(why) = &receipt.print_error {
            tracing::warn!(document, "rpc receipt copy not printed: {why}");
        }
        let uuid = self.host.core.document_uuid(document)?;
        Ok(json!({
            "id": uuid,
            "fiscal": {
                "document_number": receipt.fiscal.document_number,
                "fiscal_sign": receipt.fiscal.fiscal_sign,
                "shift_number": receipt.fiscal.shift_number,
            },
        }))
    }

    /// `Receipt.Get`: a journaled receipt by the id a receipt method returned.
    fn get(&self, f: Fields<'_>) -> Result<Value, RpcError> {
        let uuid = f.req_str("id")?;
        let receipt = self
            .host
            .core
            .receipt_by_uuid(&uuid)?
            .ok_or_else(|| failure(codes::NOT_FOUND, format!("no receipt with id {uuid}")))?;
        let printout = receipt
            .printout
            .map(|p| json!({ "device": p.device, "text": p.text, "error": p.error }));
        Ok(json!({
            "id": receipt.uuid,
            "kind": receipt.kind.as_str(),
            "state": receipt.state.as_str(),
            "cashier": receipt.cashier,
            "total": receipt.total,
            "code": receipt.body.get("code").cloned().unwrap_or(Value::Null),
            "warnings": receipt.body.get("warnings").cloned().unwrap_or(json!([])),
            "fiscal": receipt.fiscal.unwrap_or(Value::Null),
            "printout": printout,
        }))
    }

    /// `ZReport.Open` / `ZReport.Close` on the default register.
    async fn shift(&self, open: bool, f: Fields<'_>) -> Result<Value, RpcError> {
        let cashier = self.cashier(f.opt_str("cashier_name")?.filter(|c| !c.trim().is_empty()));
        let core = &self.host.core;
        let device = core
            .register_for(Face::JsonRpc, self.device)?
            .id()
            .to_owned();
        let shift = if open {
            core.open_shift(&device, &cashier, self.raw).await?
        } else {
            core.close_shift(&device, &cashier, self.raw).await?
        };
        Ok(json!({ "shift_number": shift }))
    }

    /// `FiscalDrive.Status` (our extension): the lane's register's fiscal drive and its deadlines.
    async fn fn_status(&self) -> Result<Value, RpcError> {
        let core = &self.host.core;
        let device = core
            .register_for(Face::JsonRpc, self.device)?
            .id()
            .to_owned();
        let status = core.fn_status(&device).await?;
        Ok(serde_json::to_value(status).expect("a status serializes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position_of(amount: i64, quantity: i64, discount: i64) -> Result<Position, RpcError> {
        let map = json!({ "name": "Чай", "amount": amount, "quantity": quantity,
            "discount": discount, "vat_value": 1200 });
        position(&Fields {
            map: map.as_object().unwrap(),
            path: "params.positions[0]".into(),
        })
    }

    #[test]
    fn positions_are_priced_by_the_one_unit_price_rule() {
        let p = position_of(900_000, 1000, 0).unwrap();
        assert_eq!(
            (p.line.price, p.line.discount, p.amount),
            (900_000, 0, 900_000)
        );
        // 0.250 kg coming to 10.50: 42.00 a kilogram.
        let p = position_of(1050, 250, 0).unwrap();
        assert_eq!((p.line.price, p.line.quantity), (4200, 250));
        // 1000 tiyin over 3 units: no price gives it, 334 × 3 = 1002 with the 2 as discount
        // (refused before the one rule).
        let p = position_of(1000, 3000, 0).unwrap();
        assert_eq!(
            (p.line.price, p.line.quantity, p.line.discount, p.amount),
            (334, 3000, 2, 1000)
        );
        let e = position_of(i64::MAX, 1, 0).err().unwrap();
        assert!(format!("{e:?}").contains("params.positions[0]"), "{e:?}");
        let e = position_of(100, 0, 0).err().unwrap();
        assert!(
            format!("{e:?}").contains("params.positions[0].quantity"),
            "{e:?}"
        );
    }

    #[test]
    fn the_login_of_the_seed_auth_is_kassa() {
        assert_eq!(login_of("a2Fzc2E6a2FzMTIzNDU2").as_deref(), Some("kassa"));
        assert_eq!(login_of("not base64!"), None);
    }
}
