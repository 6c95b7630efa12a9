//! The network faces. Each parses its own format and maps errors back to it; none knows a vendor.

pub mod admin;
pub mod auth;
pub mod decimal;
pub mod health;
pub mod preview;
pub mod rest;
pub mod rpc;
pub mod ws;
mod ws_upgrade;

use std::sync::Arc;

use warp::Filter;

use crate::core::Core;
use crate::core::Reversal;

/// The Russian text of a receipt the register refused, with what became of the card payment
/// (WebSocket and REST say it alike; a cash sale has no payment to speak of).
pub fn refusal_text(reason: &str, card: Reversal) -> String {
    let payment = match card {
        Reversal::NothingPaid => "",
        Reversal::Reversed => ". Оплата по карте отменена",
        Reversal::NotReversed => ". Оплата по карте НЕ отменена, требуется вмешательство",
    };
    format!("ККТ отказала в регистрации чека: {reason}{payment}")
}

/// The Russian text of a document whose total is zero, naming the lines that come to nothing.
pub fn zero_total_text(lines: &[usize]) -> String {
    let named: Vec<String> = lines.iter().map(usize::to_string).collect();
    match named.len() {
        0 => "итог документа равен нулю".into(),
        1 => format!("итог документа равен нулю (сумма строки {} — 0)", named[0]),
        _ => format!(
            "итог документа равен нулю (суммы строк {} — 0)",
            named.join(", ")
        ),
    }
}

/// The Russian text of a fiscal request on a lane whose register cannot fiscalize its receipts.
/// A marking code the marking system did not confirm, in every face's Russian.
pub fn marking_text(line: usize, message: &str) -> String {
    format!(
        "Код маркировки позиции {line} не подтверждён ({message}): продажа отклонена, \
         ничего не оплачено и не фискализировано"
    )
}

pub fn not_fiscal_text(why: &str) -> String {
    format!("ККТ этой линии не может фискализировать чек: {why}")
}

/// The Russian text of a device's refusal: what a cashier can fix says so first.
pub fn fault_text(fault: crate::core::Fault, message: &str) -> String {
    use crate::core::Fault;
    let what = match fault {
        Fault::PaperOut => "Нет бумаги",
        Fault::CoverOpen => "Открыта крышка",
        Fault::FiscalDrive => "Ошибка фискального накопителя",
        Fault::Refused => "Устройство отказало",
    };
    format!("{what}: {message}")
}

/// The Russian text of an internal failure: what support needs to find it in the log.
pub fn incident_text(kind: &str, incident: &crate::core::Incident) -> String {
    format!(
        "Внутренняя ошибка{kind}; номер в журнале хоста: {}",
        incident.id
    )
}

/// What the faces serve with: the core (which decides, and shows the devices and plugins), the
/// credentials, and the largest body a face reads. Built at start; the faces see nothing else
/// of the host.
pub struct Faces {
    pub core: Arc<Core>,
    pub auth: auth::Auth,
    pub max_body_bytes: u64,
    /// The shipping to head office, when `[fleet]` is configured.
    pub fleet: Option<crate::fleet::Fleet>,
}

/// Who is calling: the verdict on the request's `Authorization` header, from its address.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub client: Option<std::net::IpAddr>,
    pub verdict: auth::Verdict,
}

/// Whether a browser says the request comes from a page of another site: its `Origin` names
/// another host and port than the request's `Host`. Clients that are not browsers send no
/// `Origin`; the host answers no CORS, so no other site's page can read a reply anyway.
fn cross_site(headers: &warp::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(warp::http::header::ORIGIN) else {
        return false;
    };
    let host = headers
        .get(warp::http::header::HOST)
        .and_then(|h| h.to_str().ok());
    let authority = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    authority.is_none() || authority != host
}

/// Checks the `Authorization` header of a request (off the async workers, limited per client).
pub fn caller(
    host: Arc<Faces>,
) -> impl Filter<Extract = (Caller,), Error = std::convert::Infallible> + Clone {
    warp::addr::remote()
        .and(warp::header::headers_cloned())
        .then(
            move |remote: Option<std::net::SocketAddr>, headers: warp::http::HeaderMap| {
                let host = host.clone();
                async move {
                    let client = remote.map(|a| a.ip());
                    // A header that is not text is no credential (not a reason to answer 400).
                    let header = headers
                        .get(warp::http::header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok());
                    let verdict = if cross_site(&headers) {
                        // A page of another site making the browser send this shop's
                        // credentials (a form posting to /open_shift): refused whatever it
                        // carries.
                        tracing::warn!(?client, "a cross-site request was refused");
                        auth::Verdict::Denied
                    } else {
                        host.auth.check_header(client, header).await
                    };
                    Caller { client, verdict }
                }
            },
        )
}

/// The host's own routes (`/health`, `/devices`, `/openapi.json`) answer a caller that is
/// not let in with 401, or 429 and the wait, in their own plain shape `{"error": …}`.
pub fn refusal(verdict: auth::Verdict) -> Option<Box<dyn warp::Reply>> {
    use warp::http::StatusCode;
    match verdict {
        auth::Verdict::Allowed => None,
        auth::Verdict::Denied => Some(Box::new(warp::reply::with_header(
            warp::reply::with_status(
                warp::reply::json(&serde_json::json!({ "error": "credentials required" })),
                StatusCode::UNAUTHORIZED,
            ),
            "www-authenticate",
            "Basic realm=\"fiscal-host\"",
        ))),
        auth::Verdict::Throttled { .. } => {
            let seconds = verdict.retry_after_secs().unwrap_or(1);
            let body = serde_json::json!({
                "error": "too many failed logins",
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

/// The Russian text of a lock-out (WebSocket and REST).
pub fn throttled_text(seconds: u64) -> String {
    format!("Слишком много неудачных попыток входа: повторите через {seconds} с")
}

/// All routes of the host on one listener.
pub fn routes(
    host: Arc<Faces>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = std::convert::Infallible> + Clone {
    health::route(host.clone())
        .or(admin::route(host.clone()))
        .or(preview::route(host.clone()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_receipt_speaks_of_a_card_payment_only_when_there_was_one() {
        let cash = refusal_text("Нулевой итог чека", Reversal::NothingPaid);
        assert_eq!(cash, "ККТ отказала в регистрации чека: Нулевой итог чека");
        assert!(refusal_text("x", Reversal::Reversed).ends_with("Оплата по карте отменена"));
        assert!(refusal_text("x", Reversal::NotReversed).contains("НЕ отменена"));
    }
}
