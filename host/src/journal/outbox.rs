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
//! One row per state a change reaches, not per column it touches: a document's tender alone
//! (journaled just before its payment moves) writes no row, the state it then reaches carries
//! it; and a receipt intent that ends `done` on the way it was meant to writes none, the
//! document's `fiscalized` row carries the same answer. What needs a person or tells what
//! recovery found — an intent `failed` or `unknown`, or one resolved after it had been so —
//! is shipped.
//!
//! The triggers exist once `[fleet]` has been configured: a host that never shipped writes no
//! outbox. When shipping is first turned on, the journal's history up to then is written to
//! the outbox once (in the same transaction that creates the triggers), so head office gets the
//! whole journal, not only what came after. From then on the journal keeps writing its outbox
//! even when `[fleet]` is taken out of the configuration, so that shipping turned on again
//! sends what changed meanwhile; history is never written twice (it would count twice at head
//! office). Rows head office holds are pruned after `[fleet] keep_shipped_days` (`prune`).

use rusqlite::{Connection, params};

use super::IntentState;

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
CREATE TABLE IF NOT EXISTS outbox_history (
    only       INTEGER PRIMARY KEY CHECK (only = 1),
    written_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
";

/// A document's row is written by reference (an empty payload) and its payload built when it
/// is read for shipping: the body, the biggest thing a receipt journals (~1.7 KB of 10 lines),
/// is not written twice on the sale path, in the trigger's JSON and the WAL. The payload is
/// then the document as it is when shipped (its body with what was added since, marking
/// checks); its later states come with their own rows either way.
const BY_REFERENCE: &str = "''";
/// A document: every column head office reads.
const DOCUMENT: &str = "json_object('id', R.id, 'uuid', R.uuid, 'device', R.device, \
    'kind', R.kind, 'cashier', R.cashier, 'state', R.state, 'total', R.total, \
    'body', (SELECT json(T.body) FROM document_texts T WHERE T.document_id = R.id), 'refers_to', R.refers_to, 'fiscal', json(R.fiscal), \
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

/// (trigger, when, table, outbox kind, payload, condition): each change head office needs.
fn triggers() -> [(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    String,
); 7] {
    let pending = IntentState::Pending.as_str();
    let done = IntentState::Done.as_str();
    let always = || "1".to_owned();
    [
        (
            "outbox_document_created",
            "AFTER INSERT",
            "documents",
            "document",
            BY_REFERENCE,
            always(),
        ),
        (
            "outbox_document_changed",
            "AFTER UPDATE OF state, fiscal",
            "documents",
            "document_change",
            DOCUMENT_CHANGE,
            always(),
        ),
        (
            "outbox_payment_created",
            "AFTER INSERT",
            "payments",
            "payment",
            PAYMENT,
            always(),
        ),
        (
            "outbox_payment_changed",
            "AFTER UPDATE OF state, rrn, auth_id, refunded",
            "payments",
            "payment",
            PAYMENT,
            always(),
        ),
        (
            "outbox_shift",
            "AFTER INSERT",
            "shift_events",
            "shift",
            SHIFT,
            always(),
        ),
        (
            "outbox_device_health",
            "AFTER INSERT",
            "device_health",
            "device",
            DEVICE,
            always(),
        ),
        (
            "outbox_intent_resolved",
            "AFTER UPDATE OF state",
            "intents",
            "intent",
            INTENT,
            format!("NOT (OLD.state = '{pending}' AND NEW.state = '{done}')"),
        ),
    ]
}

/// Creates the outbox table, and its triggers when `on` or when this journal has had them
/// (writing the history the first time only).
pub(super) fn migrate(conn: &Connection, on: bool) -> rusqlite::Result<()> {
    conn.execute_batch(TABLE)?;
    // This journal's own name: a `seq` means something only within one journal, so head
    // office keys a host to the journal it first shipped from (`fleet`).
    conn.execute(
        "INSERT OR IGNORE INTO journal_identity (only, journal_id) VALUES (1, ?1)",
        [uuid::Uuid::new_v4().to_string()],
    )?;
    let tx = conn.unchecked_transaction()?;
    // A journal from before `outbox_history` that has triggers has had its history written.
    let written: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox_history) OR EXISTS (SELECT 1 FROM sqlite_master \
         WHERE type = 'trigger' AND name LIKE 'outbox_%')",
        [],
        |r| r.get(0),
    )?;
    if !on && !written {
        return tx.commit();
    }
    if !on {
        tracing::warn!(
            "this journal has shipped to head office: its outbox goes on being written, so \
             shipping turned on again misses nothing (README, \"Head office\")"
        );
    }
    if !written {
        // The history, in the order it happened: documents, then payments, shifts, devices.
        for (table, kind, payload) in [
            ("documents", "document", BY_REFERENCE),
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
    tx.execute("INSERT OR IGNORE INTO outbox_history (only) VALUES (1)", [])?;
    // Created afresh at every start, so a journal gets this build's definitions.
    for (name, when, table, kind, payload, condition) in triggers() {
        let payload = payload.replace("R.", "NEW.");
        tx.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS {name}; \
             CREATE TRIGGER {name} {when} ON {table} WHEN {condition} BEGIN \
             INSERT INTO outbox (kind, row_id, payload) VALUES ('{kind}', NEW.id, {payload}); \
             END;"
        ))?;
    }
    tx.commit()
}

/// Deletes up to `limit` rows head office holds (`seq <= shipped`) written before `before`
/// (`%Y-%m-%dT%H:%M:%fZ`, as `at`); returns how many went. They are kept a while after
/// shipping so that a head-office database restored from a backup younger than that is filled
/// again from here: the shipper goes on from the highest `seq` PostgreSQL holds.
pub(super) fn prune(
    conn: &Connection,
    shipped: i64,
    before: &str,
    limit: u32,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM outbox WHERE seq IN \
         (SELECT seq FROM outbox WHERE seq <= ?1 AND at < ?2 ORDER BY seq LIMIT ?3)",
    )?
    .execute(params![shipped, before, limit])
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
        // A document's payload is built here (`BY_REFERENCE`); documents are never deleted,
        // so a NULL is a journal gone wrong and fails the read rather than ship an empty row.
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT o.seq, o.kind, o.row_id,                     CASE WHEN o.payload = {BY_REFERENCE}                          THEN (SELECT {DOCUMENT} FROM documents R WHERE R.id = o.row_id)                          ELSE o.payload END,                     o.at                FROM outbox o WHERE o.seq > ?1 ORDER BY o.seq LIMIT ?2"
        ))?;
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

    /// A sale of 10.00 with this body.
    fn sale(body: &serde_json::Value) -> super::super::NewDocument<'_, serde_json::Value> {
        super::super::NewDocument {
            device: "kkt",
            kind: super::super::DocumentKind::Sale,
            cashier: "Кассир",
            total: 1000,
            body,
            request: "{}",
            refers_to: None,
        }
    }

    #[test]
    fn a_change_and_its_outbox_row_are_one_write_and_history_is_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.sqlite");
        let body = serde_json::json!({ "lines": [] });
        let doc = sale(&body);
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
        // Stored by reference, built when read.
        let stored: String = journal(dir.path(), true)
            .conn
            .query_row("SELECT payload FROM outbox ORDER BY seq LIMIT 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(stored, "");
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
        {
            // Shipping taken out of the configuration: the journal goes on writing its outbox
            // (shipping turned on again misses nothing), and no history a second time.
            let mut j = journal(dir.path(), false);
            j.insert_document(&doc).unwrap();
        }
        journal(dir.path(), true);
        let kinds: Vec<String> = reader
            .after(3, 10)
            .unwrap()
            .into_iter()
            .map(|r| r.kind)
            .collect();
        assert_eq!(kinds, ["document"]);
    }

    #[test]
    fn a_row_per_state_reached_not_per_column_touched() {
        use super::super::{DocumentState, IntentOperation, IntentState};
        let dir = tempfile::tempdir().unwrap();
        let body = serde_json::json!({ "lines": [] });
        let mut j = journal(dir.path(), true);
        let id = j.insert_document(&sale(&body)).unwrap();
        let reader = OutboxReader::open(&dir.path().join("j.sqlite")).unwrap();
        let start = reader.lag(0).unwrap().0;
        // The tender alone: no row; the state it then reaches carries it.
        j.set_document_tender(id, &serde_json::json!({ "cash": 1000 }))
            .unwrap();
        assert_eq!(reader.lag(0).unwrap().0, start);
        j.set_document_state(id, DocumentState::Paid, None).unwrap();
        let rows = reader.after(start, 10).unwrap();
        assert_eq!(rows.len(), 1);
        let change: serde_json::Value = serde_json::from_str(&rows[0].payload).unwrap();
        assert_eq!(change["tender"]["cash"], 1000);
        // An intent done as meant: no row. One unknown, and then resolved: a row each.
        let detail = serde_json::json!({});
        let done = j
            .begin_intent(Some(id), "kkt", IntentOperation::RegisterReceipt, &detail)
            .unwrap();
        j.finish_intent(done, IntentState::Done, &detail).unwrap();
        let unsure = j
            .begin_intent(Some(id), "kkt", IntentOperation::RegisterReceipt, &detail)
            .unwrap();
        j.finish_intent(unsure, IntentState::Unknown, &detail)
            .unwrap();
        j.finish_intent(unsure, IntentState::Done, &detail).unwrap();
        let intents: Vec<(String, i64, String)> = reader
            .after(start + 1, 10)
            .unwrap()
            .into_iter()
            .map(|r| {
                let p: serde_json::Value = serde_json::from_str(&r.payload).unwrap();
                (r.kind, r.row_id, p["state"].as_str().unwrap().to_owned())
            })
            .collect();
        let unknown = IntentState::Unknown.as_str().to_owned();
        let resolved = IntentState::Done.as_str().to_owned();
        let kind = || "intent".to_owned();
        assert_eq!(
            intents,
            [(kind(), unsure, unknown), (kind(), unsure, resolved)]
        );
    }

    #[test]
    fn pruning_takes_only_rows_head_office_holds_and_old_enough() {
        let dir = tempfile::tempdir().unwrap();
        let j = journal(dir.path(), true);
        for (kind, at) in [
            ("a", "2026-01-01T00:00:00.000Z"),
            ("b", "2026-01-02T00:00:00.000Z"),
            ("c", "2026-01-01T00:00:00.000Z"),
        ] {
            j.conn
                .execute(
                    "INSERT INTO outbox (kind, row_id, payload, at) VALUES (?1, 1, '{}', ?2)",
                    params![kind, at],
                )
                .unwrap();
        }
        let reader = OutboxReader::open(&dir.path().join("j.sqlite")).unwrap();
        let seqs: Vec<i64> = reader.after(0, 10).unwrap().iter().map(|r| r.seq).collect();
        // Shipped up to the second row; the cut-off between the first and second day.
        assert_eq!(
            prune(&j.conn, seqs[1], "2026-01-01T12:00:00.000Z", 10).unwrap(),
            1
        );
        let left: Vec<String> = reader
            .after(0, 10)
            .unwrap()
            .into_iter()
            .map(|r| r.kind)
            .collect();
        // "b" is too young, "c" not shipped.
        assert_eq!(left, ["b", "c"]);
        // The chunk's limit holds; a pruned seq is never given again.
        assert_eq!(
            prune(&j.conn, seqs[2], "2027-01-01T00:00:00.000Z", 1).unwrap(),
            1
        );
        assert_eq!(
            prune(&j.conn, seqs[2], "2027-01-01T00:00:00.000Z", 10).unwrap(),
            1
        );
        j.conn
            .execute(
                "INSERT INTO outbox (kind, row_id, payload) VALUES ('d', 1, '{}')",
                [],
            )
            .unwrap();
        assert!(reader.after(0, 10).unwrap()[0].seq > seqs[2]);
    }
}
