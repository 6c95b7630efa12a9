//! `fiscal-host fleet report`: head office's figures from the views `schema.rs` creates —
//! per shop and day, per register by VAT rate and by payment type, each Z report against the
//! receipts sent of its shift, and the open alerts — as tables or JSON. Money stays integer
//! minor units; the tables print them as `rubles.kopecks`.

use serde::Serialize;
use tokio_postgres::Client;

use super::FleetError;

/// What the report covers: days `from` to `to` (inclusive, `YYYY-MM-DD`), one shop or all.
pub struct ReportQuery {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub shop: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub shops: Vec<ShopDay>,
    pub by_vat: Vec<VatTotal>,
    pub by_payment: Vec<PaymentTotal>,
    pub z_reports: Vec<ZCheck>,
    pub alerts: Vec<Alert>,
}

#[derive(Debug, Serialize)]
pub struct ShopDay {
    pub host_id: String,
    pub day: chrono::NaiveDate,
    pub receipts: i64,
    pub total: i64,
}

#[derive(Debug, Serialize)]
pub struct VatTotal {
    pub host_id: String,
    pub day: chrono::NaiveDate,
    pub device: String,
    /// `rate`, `computed` (20/120 and the like) or `none`.
    pub vat_kind: String,
    /// Basis points: 2200 is 22 %.
    pub vat_rate: i32,
    pub amount: i64,
    pub tax: i64,
}

#[derive(Debug, Serialize)]
pub struct PaymentTotal {
    pub host_id: String,
    pub day: chrono::NaiveDate,
    pub device: String,
    pub receipts: i64,
    pub cash: i64,
    pub cashless: i64,
    pub prepayment: i64,
    pub credit: i64,
    pub total: i64,
}

/// One kind (sales, returns) of a Z report's counters beside what the host sent of that
/// register's shift (`fleet_shift_checks`). Registers before WIT 0.3.0 tell no counters and
/// have no rows here.
#[derive(Debug, Serialize)]
pub struct ZCheck {
    pub host_id: String,
    pub day: chrono::NaiveDate,
    pub device: String,
    pub shift_number: i64,
    /// `sale` or `return`.
    pub kind: String,
    pub z_receipts: i64,
    pub z_total: i64,
    pub z_cash: i64,
    pub z_cashless: i64,
    pub receipts: i64,
    pub total: i64,
    pub cash: i64,
    pub cashless: i64,
    pub matches: bool,
}

#[derive(Debug, Serialize)]
pub struct Alert {
    pub host_id: String,
    pub alert: String,
    pub device: Option<String>,
    pub subject: String,
    pub since: Option<String>,
}

/// The figures for `query`.
pub async fn report(client: &Client, q: &ReportQuery) -> Result<Report, FleetError> {
    let bounds = "day BETWEEN $1 AND $2 AND ($3::text IS NULL OR host_id = $3)";
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&q.from, &q.to, &q.shop];
    let shops = client
        .query(
            &format!("SELECT host_id, day, receipts, total::bigint FROM fleet_shop_days WHERE {bounds} ORDER BY host_id, day"),
            &params,
        )
        .await?
        .iter()
        .map(|r| ShopDay {
            host_id: r.get(0),
            day: r.get(1),
            receipts: r.get(2),
            total: r.get(3),
        })
        .collect();
    let by_vat = client
        .query(
            &format!("SELECT host_id, day, device, vat_kind, vat_rate, amount::bigint, tax::bigint FROM fleet_totals_by_vat WHERE {bounds} ORDER BY host_id, day, device, vat_kind, vat_rate"),
            &params,
        )
        .await?
        .iter()
        .map(|r| VatTotal {
            host_id: r.get(0),
            day: r.get(1),
            device: r.get(2),
            vat_kind: r.get(3),
            vat_rate: r.get(4),
            amount: r.get(5),
            tax: r.get(6),
        })
        .collect();
    let by_payment = client
        .query(
            &format!("SELECT host_id, day, device, receipts, cash::bigint, cashless::bigint, prepayment::bigint, credit::bigint, total::bigint FROM fleet_totals_by_payment WHERE {bounds} ORDER BY host_id, day, device"),
            &params,
        )
        .await?
        .iter()
        .map(|r| PaymentTotal {
            host_id: r.get(0),
            day: r.get(1),
            device: r.get(2),
            receipts: r.get(3),
            cash: r.get(4),
            cashless: r.get(5),
            prepayment: r.get(6),
            credit: r.get(7),
            total: r.get(8),
        })
        .collect();
    let z_reports = client
        .query(
            &format!("SELECT host_id, day, device, shift_number, kind, z_receipts, z_total, z_cash, z_cashless, receipts, total, cash, cashless, matches FROM fleet_shift_checks WHERE {bounds} ORDER BY host_id, device, shift_number, kind"),
            &params,
        )
        .await?
        .iter()
        .map(|r| ZCheck {
            host_id: r.get(0),
            day: r.get(1),
            device: r.get(2),
            shift_number: r.get(3),
            kind: r.get(4),
            z_receipts: r.get(5),
            z_total: r.get(6),
            z_cash: r.get(7),
            z_cashless: r.get(8),
            receipts: r.get(9),
            total: r.get(10),
            cash: r.get(11),
            cashless: r.get(12),
            matches: r.get(13),
        })
        .collect();
    let alerts = client
        .query(
            "SELECT host_id, alert, device, subject, since::text FROM fleet_alerts
              WHERE ($1::text IS NULL OR host_id = $1) ORDER BY host_id, since",
            &[&q.shop],
        )
        .await?
        .iter()
        .map(|r| Alert {
            host_id: r.get(0),
            alert: r.get(1),
            device: r.get(2),
            subject: r.get(3),
            since: r.get(4),
        })
        .collect();
    Ok(Report {
        from: q.from,
        to: q.to,
        shops,
        by_vat,
        by_payment,
        z_reports,
        alerts,
    })
}

fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        minor.unsigned_abs() / 100,
        minor.unsigned_abs() % 100
    )
}

/// The report as text tables, one per section.
pub fn tables(r: &Report) -> String {
    let mut out = format!("Fiscal Host fleet report, {} to {}\n\n", r.from, r.to);
    out.push_str("Shops by day\nshop             day          receipts          total\n");
    for s in &r.shops {
        out.push_str(&format!(
            "{:<16} {} {:>9} {:>14}\n",
            s.host_id,
            s.day,
            s.receipts,
            money(s.total)
        ));
    }
    out.push_str("\nBy VAT rate\nshop             day          register     VAT           amount          tax\n");
    for v in &r.by_vat {
        let vat = match v.vat_kind.as_str() {
            "none" => "none".to_owned(),
            kind => format!(
                "{}{}%",
                if kind == "computed" { "~" } else { "" },
                v.vat_rate / 100
            ),
        };
        out.push_str(&format!(
            "{:<16} {} {:<12} {:<6} {:>14} {:>12}\n",
            v.host_id,
            v.day,
            v.device,
            vat,
            money(v.amount),
            money(v.tax)
        ));
    }
    out.push_str("\nBy payment type\nshop             day          register     receipts           cash       cashless   prepayment       credit\n");
    for p in &r.by_payment {
        out.push_str(&format!(
            "{:<16} {} {:<12} {:>8} {:>14} {:>14} {:>12} {:>12}\n",
            p.host_id,
            p.day,
            p.device,
            p.receipts,
            money(p.cash),
            money(p.cashless),
            money(p.prepayment),
            money(p.credit)
        ));
    }
    out.push_str("\nZ reports against the receipts sent\nshop             day          register     shift kind    Z receipts        Z total   receipts          total\n");
    for z in &r.z_reports {
        out.push_str(&format!(
            "{:<16} {} {:<12} {:>5} {:<7} {:>10} {:>14} {:>10} {:>14}  {}\n",
            z.host_id,
            z.day,
            z.device,
            z.shift_number,
            z.kind,
            z.z_receipts,
            money(z.z_total),
            z.receipts,
            money(z.total),
            if z.matches { "ok" } else { "MISMATCH" }
        ));
    }
    out.push_str("\nAlerts\n");
    if r.alerts.is_empty() {
        out.push_str("none\n");
    }
    for a in &r.alerts {
        out.push_str(&format!(
            "{:<16} {:<20} {:<12} {} since {}\n",
            a.host_id,
            a.alert,
            a.device.as_deref().unwrap_or("-"),
            a.subject,
            a.since.as_deref().unwrap_or("?")
        ));
    }
    out
}

/// Connects as `[fleet]` would (the password from `FISCAL_HOST_FLEET_PASSWORD` or a file) and
/// builds the report.
pub async fn run(
    postgres: &str,
    password_file: Option<&std::path::Path>,
    q: &ReportQuery,
) -> Result<Report, FleetError> {
    let config = crate::config::FleetConfig {
        postgres: postgres.to_owned(),
        host_id: "report".into(),
        password_env: None,
        password_file: password_file.map(std::path::Path::to_owned),
        keep_shipped_days: 0,
    };
    let pg = super::pg_config(&config)?;
    let (client, connection) = pg.connect(tokio_postgres::NoTls).await?;
    let connection = tokio::spawn(connection);
    let report = report(&client, q).await;
    connection.abort();
    report
}
