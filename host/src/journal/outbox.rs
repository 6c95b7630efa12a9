//! The outbox: what head office needs of the journal, as rows a shipper sends on (`fleet`).
//!
//! SQLite triggers write it, so a change and its outbox row are one transaction by
//! construction, whatever code path made the change: a document (all of it when it is
//! created, its state, fiscal record and tender when they change), a payment (created or
//! changed), a shift opened or closed, a device's health as it changed, and an intent's
//! resolution (what recovery found). `seq`
//! is `AUTOINCREMENT`: per host, monotonic, never reused, so `(host_id, seq)` keys a row
//! exactly once at head office however often it is sent.
//!
//! The triggers exist only while `[fleet]` is configured: a host that ships nowhere writes no
//! outbox. When shipping is turned on, the journal's history up to then is written to the
//! outbox once (in the same transaction that creates the triggers), so head office gets the
//! whole journal, not only what came after.

use rusqlite::{Connection, params};

const TABLE: &str = "
CREATE TABLE IF NOT EXISTS outbox (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    kind    TEXT NOT NULL,
    row_id  INTEGER NOT NULL,
    payload TEXT NOT NULL,
    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE TABLE IF NOT EXISTS journal_identity (
    only       INTEGER PRIMARY KEY CHECK (only = 1),
    journal_id TEXT NOT NULL
);
";

/// A document as created: every column head office reads.
const DOCUMENT: &str = "json_object('id', R.id, 'uuid', R.uuid, 'device', R.device, \
    'kind', R.kind, 'cashier', R.cashier, 'state', R.state, 'total', R.total, \
    'body', json(R.body), 'refers_to', R.refers_to, 'fiscal', json(R.fiscal), \
    'tender', json(R.tender), 'created_at', R.created_at, 'updated_at', R.updated_at)";
/// A document's change: what changes after it is created.
const DOCUMENT_CHANGE: &str = "json_object('id', R.id, 'state', R.state, \
    'fiscal', json(R.fiscal), 'tender', json(R.tender), 'updated_at', R.updated_at)";
const PAYMENT: &str = "json_object('id', R.id, 'document_id', R.document_id, \
    'terminal', R.terminal, 'amount', R.amount, 'state', R.state, 'rrn', R.rrn, \
    'auth_id', R.auth_id, 'refunded', R.refunded, 'op', R.op, 'original', R.original, \
    'tx_at', R.tx_at, 'created_at', R.created_at, 'updated_at', R.updated_at)";
const SHIFT: &str = "json_object('id', R.id, 'device', R.device, 'kind', R.kind, \
    'cashier', R.cashier, 'outcome', json(R.outcome), 'at', R.at)";
const DEVICE: &str =
    "json_object('id', R.id, 'device', R.device, 'health', json(R.health), 'at', R.at)";
const INTENT: &str = "json_object('id', R.id, 'document_id', R.document_id, \
    'device', R.device, 'operation', R.operation, 'state', R.state, \
    'outcome', json(R.outcome), 'created_at', R.created_at, 'resolved_at', R.resolved_at)";

/// (trigger, when, table, outbox kind, payload): each change head office needs.
const TRIGGERS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "outbox_document_created",
        "AFTER INSERT",
        "documents",
        "document",
        DOCUMENT,
    ),
    (
        "outbox_document_changed",
        "AFTER UPDATE OF state, fiscal, tender",
        "documents",
        "document_change",
        DOCUMENT_CHANGE,
    ),
    (
        "outbox_payment_created",
        "AFTER INSERT",
        "payments",
        "payment",
        PAYMENT,
    ),
    (
        "outbox_payment_changed",
        "AFTER UPDATE OF state, rrn, auth_id, refunded",
        "payments",
        "payment",
        PAYMENT,
    ),
    (
        "outbox_shift",
        "AFTER INSERT",
        "shift_events",
        "shift",
        SHIFT,
    ),
    (
        "outbox_device_health",
        "AFTER INSERT",
        "device_health",
        "device",
        DEVICE,
    ),
    (
        "outbox_intent_resolved",
        "AFTER UPDATE OF state",
        "intents",
        "intent",
        INTENT,
    ),
];

/// Creates the outbox table, and its triggers when `on` (writing the history once when they
/// are new); drops the triggers when not.
pub(super) fn migrate(conn: &Connection, on: bool) -> rusqlite::Result<()> {
    conn.execute_batch(TABLE)?;
    // This journal's own name: a `seq` means something only within one journal, so head
    // office keys a host to the journal it first shipped from (`fleet`).
    conn.execute(
        "INSERT OR IGNORE INTO journal_identity (only, journal_id) VALUES (1, ?1)",
        [uuid::Uuid::new_v4().to_string()],
    )?;
    let tx = conn.unchecked_transaction()?;
    let present: i64 = tx.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'outbox_%'",
        [],
        |r| r.get(0),
    )?;
    if !on {
        for (name, ..) in TRIGGERS {
            tx.execute_batch(&format!("DROP TRIGGER IF EXISTS {name}"))?;
        }
        return tx.commit();
    }
    if present as usize == TRIGGERS.len() {
        return Ok(());
    }
    let empty: bool = tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM outbox)", [], |r| r.get(0))?;
    if empty {
        // The history, in the order it happened: documents, then payments, shifts, intents.
        for (table, kind, payload) in [
            ("documents", "document", DOCUMENT),
            ("payments", "payment", PAYMENT),
            ("shift_events", "shift", SHIFT),
            ("device_health", "device", DEVICE),
        ] {
            let payload = payload.replace("R.", "");
            tx.execute(
                &format!(
                    "INSERT INTO outbox (kind, row_id, payload) \
                     SELECT ?1, id, {payload} FROM {table} ORDER BY id"
                ),
                params![kind],
            )?;
        }
    }
    for (name, when, table, kind, payload) in TRIGGERS {
        let payload = payload.replace("R.", "NEW.");
        tx.execute_batch(&format!(
            "CREATE TRIGGER IF NOT EXISTS {name} {when} ON {table} BEGIN \
             INSERT INTO outbox (kind, row_id, payload) VALUES ('{kind}', NEW.id, {payload}); \
             END;"
        ))?;
    }
    tx.commit()
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub seq: i64,
    pub kind: String,
    pub row_id: i64,
    pub payload: String,
    pub at: String,
}

/// The outbox read by the shipper on a connection of its own (WAL lets it read while the
/// journal writes).
pub struct OutboxReader {
    conn: Connection,
}

impl OutboxReader {
    pub fn open(path: &std::path::Path) -> rusqlite::Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Self { conn })
    }

    /// Up to `limit` rows after `seq`, oldest first.
    pub fn after(&self, seq: i64, limit: u32) -> rusqlite::Result<Vec<OutboxRow>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT seq, kind, row_id, payload, at FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        statement
            .query_map(params![seq, limit], |r| {
                Ok(OutboxRow {
                    seq: r.get(0)?,
                    kind: r.get(1)?,
                    row_id: r.get(2)?,
                    payload: r.get(3)?,
                    at: r.get(4)?,
                })
            })?
            .collect()
    }

    /// This journal's identity (`journal_identity`).
    pub fn journal_id(&self) -> rusqlite::Result<String> {
        self.conn
            .query_row("SELECT journal_id FROM journal_identity", [], |r| r.get(0))
    }

    /// The last row's seq (0 for none), and the time of the first row after `shipped`: how far
    /// the shipper is behind, in rows and in age.
    pub fn lag(&self, shipped: i64) -> rusqlite::Result<(i64, Option<String>)> {
        let last: i64 =
            self.conn
                .query_row("SELECT coalesce(max(seq), 0) FROM outbox", [], |r| r.get(0))?;
        let oldest: Option<String> = self
            .conn
            .query_row(
                "SELECT at FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT 1",
                [shipped],
                |r| r.get(0),
            )
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        Ok((last, oldest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(dir: &std::path::Path, fleet: bool) -> super::super::Journal {
        super::super::Journal::open_with(&dir.join("j.sqlite"), fleet).unwrap()
    }

    #[test]
    fn a_change_and_its_outbox_row_are_one_write_and_history_is_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.sqlite");
        let body = serde_json::json!({ "lines": [] });
        let doc = super::super::NewDocument {
            device: "kkt",
            kind: super::super::DocumentKind::Sale,
            cashier: "Кассир",
            total: 1000,
            body: &body,
            request: "{}",
            refers_to: None,
        };
        {
            // Shipping off: no outbox rows.
            let mut j = journal(dir.path(), false);
            j.insert_document(&doc).unwrap();
        }
        let reader = OutboxReader::open(&path).unwrap();
        assert!(reader.after(0, 10).unwrap().is_empty());
        {
            // Turned on: the history once, then every change.
            let mut j = journal(dir.path(), true);
            let id = j.insert_document(&doc).unwrap();
            j.set_document_state(id, super::super::DocumentState::Paid, None)
                .unwrap();
        }
        let rows = reader.after(0, 10).unwrap();
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(kinds, ["document", "document", "document_change"]);
        assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq));
        let first: serde_json::Value = serde_json::from_str(&rows[0].payload).unwrap();
        assert_eq!(first["total"], 1000);
        assert_eq!(first["body"]["lines"], serde_json::json!([]));
        let change: serde_json::Value = serde_json::from_str(&rows[2].payload).unwrap();
        assert_eq!(change["state"], super::super::DocumentState::Paid.as_str());
        {
            // Opened again with shipping on: the history is not written twice.
            journal(dir.path(), true);
        }
        assert_eq!(reader.after(0, 10).unwrap().len(), 3);
        assert_eq!(reader.lag(1).unwrap().0, 3);
        assert!(reader.lag(3).unwrap().1.is_none());
    }
}
