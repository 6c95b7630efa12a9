//! Head office's PostgreSQL schema, created and migrated by every host that ships to it.
//!
//! Versioned: `fleet_migrations` holds the versions applied; each migration runs in one
//! transaction, all of them under an advisory lock, so hosts starting together apply each once. A migration is
//! never edited once released; a change is a new one. The tables and views are documented in
//! README.md ("Head office").

use tokio_postgres::Client;

use crate::journal::{DocumentKind, DocumentState, IntentState};

/// Any number; the same in every host, so two of them never migrate at once.
const LOCK: i64 = 0x6669_7363_616c; // "fiscal"

/// (version, SQL), in order. The journal's texts (kinds, states) come from its enums.
fn migrations() -> [(i32, String); 6] {
    [
        (1, FIRST.to_owned()),
        (2, reports()),
        (3, HOSTS.to_owned()),
        (4, shift_checks()),
        (5, DEVICES.to_owned()),
        (6, REMOVED_DEVICES.to_owned()),
    ]
}

/// A device taken out of a host's configuration (its last health says `removed`) leaves
/// `fleet_devices`, and so its alerts; configured again, its next health brings it back.
const REMOVED_DEVICES: &str = "
    CREATE OR REPLACE VIEW fleet_devices AS
    SELECT host_id, device, online, error, unsent_number, unsent_since, fn_valid_until, since
      FROM (SELECT DISTINCT ON (host_id, payload->>'device')
                   host_id, payload->>'device' AS device,
                   (payload->'health'->>'online')::boolean AS online,
                   payload->'health'->>'error' AS error,
                   (payload->'health'->>'unsent_number')::bigint AS unsent_number,
                   (payload->'health'->>'unsent_since')::timestamptz AS unsent_since,
                   (payload->'health'->>'fn_valid_until')::date AS fn_valid_until,
                   (payload->>'at')::timestamptz AS since,
                   coalesce((payload->'health'->>'removed')::boolean, false) AS removed
              FROM fleet_events WHERE kind = 'device'
             ORDER BY host_id, payload->>'device', seq DESC) d
     WHERE NOT removed;
";

/// Which journal each host ships from: a `seq` counts within one journal, so a host whose
/// journal was replaced (a new data directory) must not go on under the same `host_id`, or its
/// rows would be taken for ones already shipped.
const HOSTS: &str = "
    CREATE TABLE fleet_hosts (
        host_id    text        PRIMARY KEY,
        journal_id text        NOT NULL,
        first_seen timestamptz NOT NULL DEFAULT now()
    );
";

const FIRST: &str = "
    -- Every outbox row of every host, exactly once: (host_id, seq) is the key a resend hits.
    CREATE TABLE fleet_events (
        host_id     text        NOT NULL,
        seq         bigint      NOT NULL,
        kind        text        NOT NULL,
        row_id      bigint      NOT NULL,
        payload     jsonb       NOT NULL,
        at          timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (host_id, seq)
    );
    CREATE INDEX fleet_events_by_row ON fleet_events (host_id, kind, row_id, seq);

    -- Each document as created, with its latest state, fiscal record and tender.
    CREATE VIEW fleet_documents AS
    SELECT c.host_id,
           c.row_id                              AS id,
           c.payload->>'uuid'                    AS uuid,
           c.payload->>'device'                  AS device,
           c.payload->>'kind'                    AS kind,
           c.payload->>'cashier'                 AS cashier,
           (c.payload->>'total')::bigint         AS total,
           c.payload->'body'                     AS body,
           coalesce(l.payload->>'state', c.payload->>'state')  AS state,
           coalesce(l.payload->'fiscal', c.payload->'fiscal')  AS fiscal,
           coalesce(l.payload->'tender', c.payload->'tender')  AS tender,
           (c.payload->>'created_at')::timestamptz AS created_at
      FROM fleet_events c
      LEFT JOIN LATERAL (
           SELECT u.payload FROM fleet_events u
            WHERE u.host_id = c.host_id AND u.kind = 'document_change' AND u.row_id = c.row_id
            ORDER BY u.seq DESC LIMIT 1) l ON true
     WHERE c.kind = 'document';

    -- Each payment in its latest state.
    CREATE VIEW fleet_payments AS
    SELECT DISTINCT ON (host_id, row_id)
           host_id, row_id AS id, (payload->>'document_id')::bigint AS document_id,
           payload->>'terminal' AS terminal, (payload->>'amount')::bigint AS amount,
           payload->>'state' AS state, payload->>'rrn' AS rrn, payload->>'op' AS op
      FROM fleet_events WHERE kind = 'payment'
     ORDER BY host_id, row_id, seq DESC;

    -- Each shift opened or closed, with the register's answer.
    CREATE VIEW fleet_shifts AS
    SELECT host_id, row_id AS id, payload->>'device' AS device, payload->>'kind' AS kind,
           payload->>'cashier' AS cashier, payload->'outcome' AS outcome,
           (payload->>'at')::timestamptz AS at
      FROM fleet_events WHERE kind = 'shift';
    ";

/// The head office's reports: receipts (registered documents, returns negative), totals per
/// shop, day and register by VAT rate and by payment type, and the alerts.
fn reports() -> String {
    let ret = DocumentKind::Return.as_str();
    let credit = DocumentKind::Credit.as_str();
    let paid = DocumentState::Paid.as_str();
    let unknown = IntentState::Unknown.as_str();
    format!(
        "
    CREATE VIEW fleet_receipts AS
    SELECT host_id, id, device, kind, cashier, total, body, tender, fiscal, created_at,
           (created_at AT TIME ZONE 'UTC')::date AS day,
           CASE kind WHEN '{ret}' THEN -1 ELSE 1 END AS sign
      FROM fleet_documents
     WHERE jsonb_typeof(fiscal) = 'object' AND kind <> '{credit}';

    CREATE VIEW fleet_totals_by_vat AS
    SELECT r.host_id, r.day, r.device,
           CASE WHEN l->'vat' ? 'rate' THEN 'rate'
                WHEN l->'vat' ? 'computed' THEN 'computed' ELSE 'none' END AS vat_kind,
           coalesce(l->'vat'->>'rate', l->'vat'->>'computed', '0')::integer AS vat_rate,
           sum(r.sign * (l->>'amount')::bigint) AS amount,
           sum(r.sign * (l->>'tax')::bigint) AS tax
      FROM fleet_receipts r, jsonb_array_elements(r.body->'lines') l
     GROUP BY 1, 2, 3, 4, 5;

    -- Cash is what the receipt was paid in cash: its total less the other tenders (the
    -- tender's cash may include what was handed back as change).
    CREATE VIEW fleet_totals_by_payment AS
    SELECT host_id, day, device, count(*) AS receipts,
           sum(sign * (total - t.cashless - t.prepayment - t.credit)) AS cash,
           sum(sign * t.cashless) AS cashless,
           sum(sign * t.prepayment) AS prepayment,
           sum(sign * t.credit) AS credit,
           sum(sign * total) AS total
      FROM fleet_receipts,
           LATERAL (SELECT coalesce((tender->>'cashless')::bigint, 0)
                         + coalesce((tender->>'external_cashless')::bigint, 0) AS cashless,
                           coalesce((tender->>'prepayment')::bigint, 0) AS prepayment,
                           coalesce((tender #>> '{{credit}}')::bigint, 0) AS credit) t
     GROUP BY 1, 2, 3;

    CREATE VIEW fleet_shop_days AS
    SELECT host_id, day, count(*) AS receipts, sum(sign * total) AS total
      FROM fleet_receipts GROUP BY 1, 2;

    -- What needs a person: a register's answer nobody knows (recovery left it unknown), and
    -- money taken with no receipt registered for five minutes.
    CREATE VIEW fleet_alerts AS
    SELECT host_id, 'unknown-outcome' AS alert, payload->>'device' AS device,
           'intent ' || row_id AS subject, (payload->>'created_at')::timestamptz AS since
      FROM (SELECT DISTINCT ON (host_id, row_id) host_id, row_id, payload
              FROM fleet_events WHERE kind = 'intent'
             ORDER BY host_id, row_id, seq DESC) i
     WHERE payload->>'state' = '{unknown}'
    UNION ALL
    SELECT host_id, 'paid-not-registered', device, 'document ' || id, created_at
      FROM fleet_documents
     WHERE state = '{paid}' AND created_at < now() - interval '5 minutes';
    "
    )
}

/// Z reports against the receipts (WIT 0.3.0's `register.shift-totals`): each shift a register
/// closed with its counters, per kind (sales, returns), beside what the host sent of that
/// register's shift — its registered receipts of that kind whose fiscal record carries the
/// shift's number. A difference is an alert: a sale rung up on the register's own keyboard, a
/// receipt the journal lost, a register whose counters are not the host's. The alerts of
/// migration 2 go on under `fleet_journal_alerts`, these are `fleet_shift_alerts`, and
/// `fleet_alerts` is the union of each kind's view (a later kind adds its view to it).
fn shift_checks() -> String {
    let sale = DocumentKind::Sale.as_str();
    let ret = DocumentKind::Return.as_str();
    format!(
        "
    CREATE VIEW fleet_shift_checks AS
    WITH closed AS (
        SELECT host_id, device, at AS closed_at, outcome->'ok'->'counters' AS z
          FROM fleet_shifts
         WHERE jsonb_typeof(outcome->'ok'->'counters') = 'object'),
    z AS (
        SELECT host_id, device, closed_at, (z->>'shift_number')::bigint AS shift_number,
               k.kind, z->k.field AS c
          FROM closed, (VALUES ('{sale}', 'sales'), ('{ret}', 'returns')) k(kind, field)),
    sent AS (
        SELECT host_id, device, (fiscal->>'shift_number')::bigint AS shift_number, kind,
               count(*) AS receipts,
               sum(total - t.cashless - t.prepayment - t.credit) AS cash,
               sum(t.cashless) AS cashless
          FROM fleet_receipts,
               LATERAL (SELECT coalesce((tender->>'cashless')::bigint, 0)
                             + coalesce((tender->>'external_cashless')::bigint, 0) AS cashless,
                               coalesce((tender->>'prepayment')::bigint, 0) AS prepayment,
                               coalesce((tender #>> '{{credit}}')::bigint, 0) AS credit) t
         WHERE kind IN ('{sale}', '{ret}')
         GROUP BY 1, 2, 3, 4)
    SELECT z.host_id, z.device, z.shift_number, z.closed_at,
           (z.closed_at AT TIME ZONE 'UTC')::date AS day, z.kind,
           (z.c->>'receipts')::bigint AS z_receipts, (z.c->>'total')::bigint AS z_total,
           (z.c->>'cash')::bigint AS z_cash, (z.c->>'cashless')::bigint AS z_cashless,
           coalesce(s.receipts, 0) AS receipts,
           coalesce(s.cash + s.cashless, 0)::bigint AS total,
           coalesce(s.cash, 0)::bigint AS cash, coalesce(s.cashless, 0)::bigint AS cashless,
           (z.c->>'receipts')::bigint = coalesce(s.receipts, 0)
             AND (z.c->>'cash')::bigint = coalesce(s.cash, 0)
             AND (z.c->>'cashless')::bigint = coalesce(s.cashless, 0) AS matches
      FROM z LEFT JOIN sent s
        ON s.host_id = z.host_id AND s.device = z.device
       AND s.shift_number = z.shift_number AND s.kind = z.kind;

    CREATE VIEW fleet_shift_alerts AS
    SELECT host_id, 'z-report-mismatch' AS alert, device,
           'shift ' || shift_number || ' ' || kind || ': Z report ' || z_receipts || ' receipts '
             || to_char(z_total / 100.0, 'FM999999999990.00') || ', sent ' || receipts
             || ' receipts ' || to_char(total / 100.0, 'FM999999999990.00') AS subject,
           closed_at AS since
      FROM fleet_shift_checks WHERE NOT matches;

    ALTER VIEW fleet_alerts RENAME TO fleet_journal_alerts;
    CREATE VIEW fleet_alerts AS
    SELECT host_id, alert, device, subject, since FROM fleet_journal_alerts
    UNION ALL
    SELECT host_id, alert, device, subject, since FROM fleet_shift_alerts;
    "
    )
}

/// Devices (the hosts' `device` rows, `core::health`): each device's last health, and its
/// alerts — it does not answer; a register's oldest document unconfirmed by the OFD for over
/// a day (54-FZ blocks the register at 30 days; a day means its OFD link is down); a fiscal
/// drive within 30 days of its last day. `fleet_alerts` adds them to migration 4's union.
const DEVICES: &str = "
    CREATE VIEW fleet_devices AS
    SELECT DISTINCT ON (host_id, payload->>'device')
           host_id, payload->>'device' AS device,
           (payload->'health'->>'online')::boolean AS online,
           payload->'health'->>'error' AS error,
           (payload->'health'->>'unsent_number')::bigint AS unsent_number,
           (payload->'health'->>'unsent_since')::timestamptz AS unsent_since,
           (payload->'health'->>'fn_valid_until')::date AS fn_valid_until,
           (payload->>'at')::timestamptz AS since
      FROM fleet_events WHERE kind = 'device'
     ORDER BY host_id, payload->>'device', seq DESC;

    CREATE VIEW fleet_device_alerts AS
    SELECT host_id, 'device-offline' AS alert, device,
           coalesce(error, 'the device does not answer') AS subject, since
      FROM fleet_devices WHERE NOT online
    UNION ALL
    SELECT host_id, 'ofd-unsent', device,
           'document ' || unsent_number || ' not confirmed by the OFD', unsent_since
      FROM fleet_devices WHERE unsent_since < now() - interval '1 day'
    UNION ALL
    SELECT host_id, 'fn-expiring', device,
           'the fiscal drive registers documents until ' || fn_valid_until, since
      FROM fleet_devices WHERE fn_valid_until < current_date + 30;

    CREATE OR REPLACE VIEW fleet_alerts AS
    SELECT host_id, alert, device, subject, since FROM fleet_journal_alerts
    UNION ALL
    SELECT host_id, alert, device, subject, since FROM fleet_shift_alerts
    UNION ALL
    SELECT host_id, alert, device, subject, since FROM fleet_device_alerts;
";

/// Applies what `fleet_migrations` lacks; returns the schema's version.
pub async fn migrate(client: &mut Client) -> Result<i32, tokio_postgres::Error> {
    // Held by the session from the first statement (two hosts creating `fleet_migrations` at
    // once would collide) and let go at the end, or when a failed session closes.
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK])
        .await?;
    let migrated = apply(client).await;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK])
        .await?;
    migrated
}

async fn apply(client: &mut Client) -> Result<i32, tokio_postgres::Error> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS fleet_migrations (
                 version    integer     PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await?;
    let mut version = 0;
    for (number, sql) in migrations() {
        let tx = client.transaction().await?;
        let applied = tx
            .query_opt(
                "SELECT 1 FROM fleet_migrations WHERE version = $1",
                &[&number],
            )
            .await?
            .is_some();
        if !applied {
            tx.batch_execute(&sql).await?;
            tx.execute(
                "INSERT INTO fleet_migrations (version) VALUES ($1)",
                &[&number],
            )
            .await?;
            tracing::info!(version = number, "fleet schema migrated");
        }
        tx.commit().await?;
        version = number;
    }
    Ok(version)
}
