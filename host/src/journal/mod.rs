//! The journal: every document, payment, device intent and shift event, in SQLite.
//!
//! WAL with `synchronous=NORMAL` behind a group commit (`group_commit.rs`): a commit is written
//! at once and made durable by an fsync shared with every other commit of the moment, and nothing
//! acts on a commit (a reply, a device command after an intent) before that fsync. So an intent
//! written before a device command survives a crash in the middle of that command. The journal is
//! the source of truth for replies, reprints and recovery.

mod group_commit;
mod outbox;
mod payments;
mod states;

use std::path::{Path, PathBuf};

pub use group_commit::{JournalGuard, SharedJournal, SyncError};
pub use outbox::{OutboxReader, OutboxRow};
pub use payments::{NewOperation, PaymentRow, TransactionRecord};
pub use states::{
    DocumentKind, DocumentState, IntentOperation, IntentState, PaymentState, ShiftEventKind,
    TerminalOp, UnknownText,
};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("journal: {0}")]
    Json(#[from] serde_json::Error),
}

pub type Result<T> = std::result::Result<T, JournalError>;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS documents (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    device      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    cashier     TEXT NOT NULL,
    state       TEXT NOT NULL,
    total       INTEGER NOT NULL,
    refers_to   INTEGER REFERENCES documents(id),
    fiscal      TEXT,
    tender      TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
-- A document's body and the request it was made from, apart from the row its state changes
-- rewrite: together they are ~2.5 KB of a 10-line receipt, so with them every page of
-- `documents` held one document and each of a receipt's state changes wrote a WAL frame of its
-- own; without them ~10 documents share a page, and the documents of one group commit share
-- their frames (issue 20). They are written once (the body again only for a sale with marked
-- items, after their checks).
CREATE TABLE IF NOT EXISTS document_texts (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id),
    body        TEXT NOT NULL,
    request     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payments (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    terminal    TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    state       TEXT NOT NULL,
    rrn         TEXT,
    auth_id     INTEGER,
    refunded    INTEGER NOT NULL DEFAULT 0,
    details     TEXT,
    op          TEXT NOT NULL DEFAULT 'pay',
    original    INTEGER REFERENCES payments(id),
    tx_at       TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX IF NOT EXISTS documents_by_device ON documents(device);
-- The indexes of a column most rows leave empty (a sale refers to nothing, a receipt gets its
-- fiscal sign, a payment its RRN and authorisation number, only once answered) hold the rows
-- that have it: a row written without it touches no page of theirs. With every row in them, a
-- receipt's four commits each rewrote a page of each (the empty keys side by side), and the
-- answer's update two (its empty key's page and its new key's): issue 20, WAL frames per
-- receipt. `x = ?` is a condition SQLite sees implies `x IS NOT NULL`; the expression's
-- look-up names `fiscal IS NOT NULL` itself (`document_by_fiscal_sign`). `payments_by_auth_id`
-- (the authorisation number alone) served no look-up `payments_auth` does not.
DROP INDEX IF EXISTS documents_by_refers_to;
DROP INDEX IF EXISTS documents_by_fiscal_sign;
DROP INDEX IF EXISTS payments_by_auth;
DROP INDEX IF EXISTS payments_by_auth_id;
DROP INDEX IF EXISTS payments_by_rrn;
CREATE INDEX IF NOT EXISTS documents_refers_to ON documents(refers_to) WHERE refers_to IS NOT NULL;
CREATE INDEX IF NOT EXISTS documents_fiscal_sign ON documents(json_extract(fiscal, '$.fiscal_sign'))
    WHERE fiscal IS NOT NULL;
CREATE INDEX IF NOT EXISTS payments_auth ON payments(terminal, auth_id) WHERE auth_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS payments_rrn ON payments(rrn) WHERE rrn IS NOT NULL;
CREATE INDEX IF NOT EXISTS payments_by_document ON payments(document_id);
CREATE TABLE IF NOT EXISTS intents (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER REFERENCES documents(id),
    device      TEXT NOT NULL,
    operation   TEXT NOT NULL,
    state       TEXT NOT NULL,
    detail      TEXT NOT NULL,
    outcome     TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    resolved_at TEXT
);
CREATE TABLE IF NOT EXISTS shift_events (
    id          INTEGER PRIMARY KEY,
    device      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    cashier     TEXT,
    request     TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
-- Keyed by the client's key alone (no rowid): with a rowid, each reply was written to two
-- B-trees, the table and the key's index, at a page of each (issue 20).
CREATE TABLE IF NOT EXISTS replies (
    face        TEXT NOT NULL,
    key         TEXT NOT NULL,
    reply       TEXT NOT NULL,
    document_id INTEGER,
    at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    PRIMARY KEY (face, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS receipt_codes (
    code        TEXT PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE TABLE IF NOT EXISTS printouts (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    device      TEXT NOT NULL,
    text        TEXT NOT NULL,
    error       TEXT,
    at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX IF NOT EXISTS printouts_by_document ON printouts(document_id);
CREATE TABLE IF NOT EXISTS device_health (
    id          INTEGER PRIMARY KEY,
    device      TEXT NOT NULL,
    health      TEXT NOT NULL,
    at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
";

/// A client's key to a document, as the journal keeps it: a request the client may send again
/// (`replies`, per face) or a receipt number it must not use twice (`receipt_codes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim<'a> {
    Request { face: &'a str, key: &'a str },
    ReceiptCode(&'a str),
}

/// The bounds of a page of documents (`documents_page`); none bounds nothing.
#[derive(Debug, Clone, Default)]
pub struct DocumentQuery<'a> {
    /// Only ids below this one: the page after one that ended there.
    pub before: Option<i64>,
    pub device: Option<&'a str>,
    /// `created_at` at or after, and before: ISO 8601 UTC texts, as the journal writes them.
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub fiscal_sign: Option<&'a str>,
    /// The journal's id or the register's fiscal document number.
    pub number: Option<i64>,
    pub limit: u32,
}

/// A document as journaled.
#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub id: i64,
    pub uuid: String,
    pub device: String,
    pub kind: DocumentKind,
    pub cashier: String,
    pub state: DocumentState,
    pub total: i64,
    /// The body as journaled, JSON text: whoever needs it parses it into the type it needs
    /// (the core's typed body, straight from the text), not into a `Value` first.
    pub body_json: String,
    pub refers_to: Option<i64>,
    pub fiscal: Option<Value>,
    /// How the document is to be paid, once a payment was asked for.
    pub tender: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct IntentRow {
    pub id: i64,
    pub document_id: Option<i64>,
    pub device: String,
    pub operation: IntentOperation,
    pub detail: Value,
}

/// What a new document carries.
pub struct NewDocument<'a, B: Serialize> {
    pub device: &'a str,
    pub kind: DocumentKind,
    pub cashier: &'a str,
    pub total: i64,
    pub body: &'a B,
    pub request: &'a str,
    pub refers_to: Option<i64>,
}

pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

/// Runs a statement through the connection's statement cache: the journal's statements are few
/// and run thousands of times a second under load, so each is parsed once.
fn exec<P: rusqlite::Params>(conn: &Connection, sql: &str, params: P) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// One row of a cached statement (see `exec`).
fn one<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, row)
}

/// A JSON column, parsed; a column that is not JSON is a conversion error of that column.
fn json_column(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<Value>> {
    match row.get::<_, Option<String>>(index)? {
        Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                index,
                rusqlite::types::Type::Text,
                Box::new(e),
            )
        }),
        None => Ok(None),
    }
}

/// Inserts a document (state `created`) on a connection or inside a transaction.
fn insert_document_on<B: Serialize>(conn: &Connection, doc: &NewDocument<'_, B>) -> Result<i64> {
    exec(
        conn,
        "INSERT INTO documents (uuid, device, kind, cashier, state, total, refers_to)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            // Time-ordered (v7): each insert lands on the right edge of the uuid index, the page
            // the group commit writes anyway, not on a random page of its own.
            uuid::Uuid::now_v7().to_string(),
            doc.device,
            doc.kind,
            doc.cashier,
            DocumentState::Created,
            doc.total,
            doc.refers_to
        ],
    )?;
    let id = conn.last_insert_rowid();
    exec(
        conn,
        "INSERT INTO document_texts (document_id, body, request) VALUES (?1, ?2, ?3)",
        params![id, serde_json::to_string(doc.body)?, doc.request],
    )?;
    Ok(id)
}

/// A document's columns as `document_from_row` reads them, and where they come from.
const DOCUMENT_COLUMNS: &str = "id, uuid, device, kind, cashier, state, total, body, refers_to, \
     fiscal, tender FROM documents JOIN document_texts ON document_texts.document_id = documents.id";

/// Journals from before `document_texts` kept the body and the request in `documents`: they
/// move, once, in one transaction (the table is rewritten, as `DROP COLUMN` does). A trigger
/// that named them (an older build's outbox) goes first; the outbox makes its own afresh.
fn migrate_document_texts(conn: &Connection) -> rusqlite::Result<()> {
    let has_body: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('documents') WHERE name = 'body')",
        [],
        |r| r.get(0),
    )?;
    if !has_body {
        return Ok(());
    }
    let documents: i64 = conn.query_row("SELECT count(*) FROM documents", [], |r| r.get(0))?;
    tracing::info!(
        documents,
        "journal: moving the documents' bodies to a table of their own"
    );
    let tx = conn.unchecked_transaction()?;
    let triggers: Vec<String> = tx
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'documents' \
             AND (sql LIKE '%body%' OR sql LIKE '%request%')",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for trigger in triggers {
        tx.execute_batch(&format!("DROP TRIGGER \"{trigger}\""))?;
    }
    tx.execute_batch(
        "INSERT INTO document_texts (document_id, body, request)
             SELECT id, body, request FROM documents ORDER BY id;
         ALTER TABLE documents DROP COLUMN body;
         ALTER TABLE documents DROP COLUMN request;",
    )?;
    tx.commit()
}

/// Journals from before `replies` was keyed without a rowid get the table rebuilt, once.
fn migrate_replies(conn: &Connection) -> rusqlite::Result<()> {
    let with_rowid: bool = conn.query_row(
        "SELECT sql NOT LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = 'replies'",
        [],
        |r| r.get(0),
    )?;
    if !with_rowid {
        return Ok(());
    }
    let tx = conn.unchecked_transaction()?;
    tx.execute_batch(
        "ALTER TABLE replies RENAME TO replies_with_rowid;
         CREATE TABLE replies (
             face        TEXT NOT NULL,
             key         TEXT NOT NULL,
             reply       TEXT NOT NULL,
             document_id INTEGER,
             at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
             PRIMARY KEY (face, key)
         ) WITHOUT ROWID;
         INSERT INTO replies (face, key, reply, document_id, at)
             SELECT face, key, reply, document_id, at FROM replies_with_rowid;
         DROP TABLE replies_with_rowid;",
    )?;
    tx.commit()
}

fn document_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentRow> {
    Ok(DocumentRow {
        id: r.get(0)?,
        uuid: r.get(1)?,
        device: r.get(2)?,
        kind: r.get(3)?,
        cashier: r.get(4)?,
        state: r.get(5)?,
        total: r.get(6)?,
        body_json: r
            .get::<_, Option<String>>(7)?
            .unwrap_or_else(|| "null".into()),
        refers_to: r.get(8)?,
        fiscal: json_column(r, 9)?,
        tender: json_column(r, 10)?,
    })
}

fn json(text: Option<String>) -> Result<Option<Value>> {
    Ok(match text {
        Some(t) => Some(serde_json::from_str(&t)?),
        None => None,
    })
}

impl Journal {
    /// The journal of a host that ships nowhere (no outbox is written).
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, false)
    }

    /// The journal, writing the outbox when `fleet` (`journal/outbox.rs`).
    pub fn open_with(path: &Path, fleet: bool) -> Result<Self> {
        /// Prepared statements kept: room for every statement the journal runs.
        const STATEMENTS: usize = 128;
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Durability comes from the group commit's fsync of the WAL, before anyone is answered.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // The recent documents and the indexes' hot pages stay in memory (8 MiB) instead of
        // being re-read from the OS.
        conn.pragma_update(None, "cache_size", -8_192)?;
        // Checkpoint every ~40 MiB of WAL instead of 4: the index pages every receipt touches
        // are copied into the database once per checkpoint, not ten times as often.
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Every statement is prepared once and kept (`prepare_cached`). A receipt's path alone
        // runs more distinct statements than rusqlite's default cache of 16 holds: past it, the
        // least recent is dropped and parsed again at its next use. One statement more than
        // fits put a fifth of the host's instructions into SQLite's parser (issue 20,
        // BENCHMARKS.md); the journal has fewer than 100 statements in all.
        conn.set_prepared_statement_cache_capacity(STATEMENTS);
        conn.execute_batch(SCHEMA)?;
        migrate_document_texts(&conn)?;
        migrate_replies(&conn)?;
        conn.execute_batch(states::by_state::INDEXES)?;
        payments::migrate(&conn)?;
        outbox::migrate(&conn, fleet)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    /// Deletes up to `limit` outbox rows head office holds (`seq <= shipped`) written before
    /// `before`; returns how many went (`journal/outbox.rs`, `prune`).
    pub fn prune_outbox(&mut self, shipped: i64, before: &str, limit: u32) -> Result<usize> {
        Ok(outbox::prune(&self.conn, shipped, before, limit)?)
    }

    /// The write-ahead log beside the database (it exists once the database is open in WAL mode).
    fn wal_path(&self) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push("-wal");
        name.into()
    }

    /// Opens the transaction the group commit collects writes in.
    fn begin_group(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")
    }

    /// Commits the collected writes (the WAL gets their pages; the caller fsyncs it) and, when
    /// `reopen`, opens the next transaction. A statement that failed badly enough for SQLite to
    /// roll the whole transaction back leaves the connection in autocommit mode: then there is
    /// nothing to commit, and what came after was committed one write at a time.
    fn commit_group(&self, reopen: bool) -> rusqlite::Result<()> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("COMMIT")?;
        }
        if reopen {
            self.begin_group()?;
        }
        Ok(())
    }

    /// Rows changed by this connection since it opened: tells a write from a read.
    fn total_changes(&self) -> u64 {
        self.conn.total_changes()
    }

    pub fn insert_document<B: Serialize>(&mut self, doc: &NewDocument<'_, B>) -> Result<i64> {
        insert_document_on(&self.conn, doc)
    }

    pub fn document(&self, id: i64) -> Result<Option<DocumentRow>> {
        self.document_where("id = ?1", [id])
    }

    /// The register a document is for, without reading (and parsing) its body.
    pub fn document_device(&self, id: i64) -> Result<Option<String>> {
        Ok(one(
            &self.conn,
            "SELECT device FROM documents WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
    }

    /// The document a register's fiscal sign belongs to.
    pub fn document_by_fiscal_sign(&self, fiscal_sign: &str) -> Result<Option<DocumentRow>> {
        self.document_where(
            "fiscal IS NOT NULL AND json_extract(fiscal, '$.fiscal_sign') = ?1",
            [fiscal_sign],
        )
    }

    /// A page of documents, newest first: those below `before` (an id) that match every bound
    /// given; `limit` of them at most.
    pub fn documents_page(&self, q: &DocumentQuery<'_>) -> Result<Vec<(DocumentRow, String)>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, uuid, device, kind, cashier, state, total, body, refers_to, fiscal, tender,
                    created_at
             FROM documents JOIN document_texts ON document_texts.document_id = documents.id
             WHERE (?1 IS NULL OR id < ?1)
               AND (?2 IS NULL OR device = ?2)
               AND (?3 IS NULL OR created_at >= ?3)
               AND (?4 IS NULL OR created_at < ?4)
               AND (?5 IS NULL OR json_extract(fiscal, '$.fiscal_sign') = ?5)
               AND (?6 IS NULL OR id = ?6 OR json_extract(fiscal, '$.document_number') = ?6)
             ORDER BY id DESC LIMIT ?7",
        )?;
        let rows = statement.query_map(
            params![
                q.before,
                q.device,
                q.from,
                q.to,
                q.fiscal_sign,
                q.number,
                q.limit
            ],
            |r| Ok((document_from_row(r)?, r.get::<_, String>(11)?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The latest fiscalized document of a register.
    pub fn last_fiscalized(&self, device: &str) -> Result<Option<DocumentRow>> {
        self.document_where("device = ?1 AND fiscal IS NOT NULL", [device])
    }

    fn document_where(
        &self,
        clause: &str,
        params: impl rusqlite::Params,
    ) -> Result<Option<DocumentRow>> {
        let sql = format!("SELECT {DOCUMENT_COLUMNS} WHERE {clause} ORDER BY id DESC LIMIT 1");
        Ok(one(&self.conn, &sql, params, document_from_row).optional()?)
    }

    /// The latest return document of a sale that the register registered.
    pub fn last_registered_return(&self, sale_id: i64) -> Result<Option<DocumentRow>> {
        self.document_where(
            "refers_to = ?1 AND kind = ?2 AND fiscal IS NOT NULL",
            params![sale_id, DocumentKind::Return],
        )
    }

    /// How much of a sale its return documents gave back (whatever became of their receipts:
    /// the money went back before the receipt was asked for).
    pub fn returned_amount(&self, sale_id: i64) -> Result<i64> {
        Ok(one(
            &self.conn,
            "SELECT COALESCE(SUM(total), 0) FROM documents WHERE refers_to = ?1 AND kind = ?2",
            params![sale_id, DocumentKind::Return],
            |r| r.get(0),
        )?)
    }

    /// Rewrites a document's figures with what was learned since (its marking checks).
    pub fn set_document_body(&mut self, id: i64, body: &Value) -> Result<()> {
        exec(
            &self.conn,
            "UPDATE document_texts SET body = ?2 WHERE document_id = ?1",
            params![id, serde_json::to_string(body)?],
        )?;
        exec(
            &self.conn,
            "UPDATE documents SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1",
            [id],
        )?;
        Ok(())
    }

    pub fn set_document_tender(&mut self, id: i64, tender: &Value) -> Result<()> {
        exec(
            &self.conn,
            "UPDATE documents SET tender = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1",
            params![id, serde_json::to_string(tender)?],
        )?;
        Ok(())
    }

    pub fn set_document_state(
        &mut self,
        id: i64,
        state: DocumentState,
        fiscal: Option<&Value>,
    ) -> Result<()> {
        // `fiscal` is set only when there is one: an UPDATE naming a column rewrites every
        // index on it, even to the same value (`documents_fiscal_sign`).
        match fiscal {
            Some(fiscal) => exec(
                &self.conn,
                "UPDATE documents SET state = ?2, fiscal = ?3,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1",
                params![id, state, serde_json::to_string(fiscal)?],
            )?,
            None => exec(
                &self.conn,
                "UPDATE documents SET state = ?2,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1",
                params![id, state],
            )?,
        };
        Ok(())
    }

    /// Writes (and syncs) what the host is about to ask of a device.
    pub fn begin_intent(
        &mut self,
        document_id: Option<i64>,
        device: &str,
        operation: IntentOperation,
        detail: &Value,
    ) -> Result<i64> {
        exec(
            &self.conn,
            "INSERT INTO intents (document_id, device, operation, state, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                document_id,
                device,
                operation,
                IntentState::Pending,
                serde_json::to_string(detail)?
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn finish_intent(&mut self, id: i64, state: IntentState, outcome: &Value) -> Result<()> {
        exec(&self.conn,
            "UPDATE intents SET state = ?2, outcome = ?3, resolved_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
             WHERE id = ?1",
            params![id, state, serde_json::to_string(outcome)?],
        )?;
        Ok(())
    }

    /// Intents written before a crash whose outcome never was.
    pub fn pending_intents(&self) -> Result<Vec<IntentRow>> {
        self.intents_where(states::by_state::PENDING, [])
    }

    /// The pending intents of one device, oldest first (asked before every receipt: a look-up
    /// among the few pending intents, usually finding none).
    pub fn pending_intents_on(&self, device: &str) -> Result<Vec<IntentRow>> {
        self.intents_where(
            &format!("{} AND device = ?1", states::by_state::PENDING),
            [device],
        )
    }

    fn intents_where(&self, clause: &str, params: impl rusqlite::Params) -> Result<Vec<IntentRow>> {
        let sql = format!(
            "SELECT id, document_id, device, operation, detail FROM intents WHERE {clause} ORDER BY id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, IntentOperation>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, document_id, device, operation, detail)| {
                Ok(IntentRow {
                    id,
                    document_id,
                    device,
                    operation,
                    detail: serde_json::from_str(&detail)?,
                })
            })
            .collect()
    }

    /// Devices with intents whose outcome was never journaled.
    pub fn devices_with_pending_intents(&self) -> Result<Vec<String>> {
        let mut devices: Vec<String> = self
            .pending_intents()?
            .into_iter()
            .map(|i| i.device)
            .collect();
        devices.sort();
        devices.dedup();
        Ok(devices)
    }

    /// Intents that stayed unknown after recovery: reported, never guessed.
    pub fn unknown_intents(&self) -> Result<i64> {
        Ok(one(
            &self.conn,
            &format!(
                "SELECT COUNT(*) FROM intents WHERE {}",
                states::by_state::UNKNOWN
            ),
            [],
            |r| r.get(0),
        )?)
    }

    pub fn record_shift_event(
        &mut self,
        device: &str,
        kind: ShiftEventKind,
        cashier: Option<&str>,
        request: &str,
        outcome: &Value,
    ) -> Result<()> {
        exec(
            &self.conn,
            "INSERT INTO shift_events (device, kind, cashier, request, outcome) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                device,
                kind,
                cashier,
                request,
                serde_json::to_string(outcome)?
            ],
        )?;
        Ok(())
    }

    /// A device's health as it changed (`core::health`): online or not, and what else head
    /// office alerts on.
    pub fn record_device_health(&mut self, device: &str, health: &Value) -> Result<()> {
        exec(
            &self.conn,
            "INSERT INTO device_health (device, health) VALUES (?1, ?2)",
            params![device, serde_json::to_string(health)?],
        )?;
        Ok(())
    }

    /// Each device's last journaled health.
    pub fn last_device_health(&self) -> Result<Vec<(String, Value)>> {
        let mut stmt = self.conn.prepare(
            "SELECT device, health FROM device_health WHERE id IN \
             (SELECT max(id) FROM device_health GROUP BY device)",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut last = Vec::new();
        for row in rows {
            let (device, health) = row?;
            last.push((device, serde_json::from_str(&health)?));
        }
        Ok(last)
    }

    /// A reply already given to a request with this key, and the document it was about.
    pub fn reply(&self, face: &str, key: &str) -> Result<Option<(String, Option<i64>)>> {
        Ok(one(
            &self.conn,
            "SELECT reply, document_id FROM replies WHERE face = ?1 AND key = ?2",
            params![face, key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
    }

    pub fn store_reply(
        &mut self,
        face: &str,
        key: &str,
        reply: &str,
        document_id: Option<i64>,
    ) -> Result<()> {
        exec(
            &self.conn,
            "INSERT OR REPLACE INTO replies (face, key, reply, document_id) VALUES (?1, ?2, ?3, ?4)",
            params![face, key, reply, document_id],
        )?;
        Ok(())
    }

    /// A document by the uuid the faces hand out.
    pub fn document_by_uuid(&self, uuid: &str) -> Result<Option<DocumentRow>> {
        self.document_where("uuid = ?1", [uuid])
    }

    /// The document a client's receipt code (seed 002's `code`) belongs to.
    pub fn receipt_code(&self, code: &str) -> Result<Option<i64>> {
        Ok(one(
            &self.conn,
            "SELECT document_id FROM receipt_codes WHERE code = ?1",
            [code],
            |r| r.get(0),
        )
        .optional()?)
    }

    /// Claims a receipt code for a document; false when another document holds it already.
    pub fn claim_receipt_code(&mut self, code: &str, document_id: i64) -> Result<bool> {
        let changed = exec(
            &self.conn,
            "INSERT OR IGNORE INTO receipt_codes (code, document_id) VALUES (?1, ?2)",
            params![code, document_id],
        )?;
        Ok(changed == 1)
    }

    /// Gives a code back (the receipt it was claimed for was never issued).
    pub fn release_receipt_code(&mut self, code: &str, document_id: i64) -> Result<()> {
        exec(
            &self.conn,
            "DELETE FROM receipt_codes WHERE code = ?1 AND document_id = ?2",
            params![code, document_id],
        )?;
        Ok(())
    }

    /// The document a client's key names, if one does (see `Claim`).
    pub fn holder(&self, claim: &Claim<'_>) -> Result<Option<i64>> {
        match *claim {
            Claim::ReceiptCode(code) => self.receipt_code(code),
            Claim::Request { face, key } => Ok(self.reply(face, key)?.and_then(|(_, doc)| doc)),
        }
    }

    /// Journals a document and claims its key in one transaction, so two requests with one key
    /// cannot both pass; `None` (and nothing written) when another document holds the key. A
    /// request key whose document was cancelled is free again; a receipt code is given back
    /// explicitly (`release`).
    pub fn insert_document_claiming<B: Serialize>(
        &mut self,
        doc: &NewDocument<'_, B>,
        claim: Option<&Claim<'_>>,
    ) -> Result<Option<i64>> {
        let tx = self.conn.savepoint()?;
        match claim {
            Some(Claim::ReceiptCode(code)) => {
                let taken: Option<i64> = one(
                    &tx,
                    "SELECT document_id FROM receipt_codes WHERE code = ?1",
                    [code],
                    |r| r.get(0),
                )
                .optional()?;
                if taken.is_some() {
                    return Ok(None);
                }
            }
            Some(Claim::Request { face, key }) => {
                let holder: Option<Option<String>> = one(
                    &tx,
                    "SELECT d.state FROM replies r LEFT JOIN documents d ON d.id = r.document_id
                     WHERE r.face = ?1 AND r.key = ?2",
                    params![face, key],
                    |r| r.get(0),
                )
                .optional()?;
                let cancelled = Some(DocumentState::Cancelled.as_str());
                if holder.is_some_and(|state| state.as_deref() != cancelled) {
                    return Ok(None);
                }
            }
            None => {}
        }
        let id = insert_document_on(&tx, doc)?;
        match claim {
            Some(Claim::ReceiptCode(code)) => {
                exec(
                    &tx,
                    "INSERT INTO receipt_codes (code, document_id) VALUES (?1, ?2)",
                    params![code, id],
                )?;
            }
            Some(Claim::Request { face, key }) => {
                exec(
                    &tx,
                    "INSERT OR REPLACE INTO replies (face, key, reply, document_id) VALUES (?1, ?2, '', ?3)",
                    params![face, key, id],
                )?;
            }
            None => {}
        }
        tx.commit()?;
        Ok(Some(id))
    }

    /// Gives a key back: the document claimed under it was never issued.
    pub fn release(&mut self, claim: &Claim<'_>, document_id: i64) -> Result<()> {
        match *claim {
            Claim::ReceiptCode(code) => self.release_receipt_code(code, document_id),
            Claim::Request { face, key } => {
                exec(
                    &self.conn,
                    "DELETE FROM replies WHERE face = ?1 AND key = ?2 AND document_id = ?3",
                    params![face, key, document_id],
                )?;
                Ok(())
            }
        }
    }

    /// What was sent to a printer for a document (the laid-out text), and why it failed if it did.
    pub fn record_printout(
        &mut self,
        document_id: i64,
        device: &str,
        text: &str,
        error: Option<&str>,
    ) -> Result<()> {
        exec(
            &self.conn,
            "INSERT INTO printouts (document_id, device, text, error) VALUES (?1, ?2, ?3, ?4)",
            params![document_id, device, text, error],
        )?;
        Ok(())
    }

    /// The latest printout of a document: device, text and error.
    pub fn printout(&self, document_id: i64) -> Result<Option<(String, String, Option<String>)>> {
        Ok(one(&self.conn,
                "SELECT device, text, error FROM printouts WHERE document_id = ?1 ORDER BY id DESC LIMIT 1",
                [document_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn journal() -> (tempfile::TempDir, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
        (dir, journal)
    }

    #[test]
    fn the_journal_is_a_wal_database_synced_by_the_group_commit() {
        let (_dir, journal) = journal();
        let mode: String = journal
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        let sync: i64 = journal
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(
            sync, 1,
            "NORMAL: the group commit's fsync makes commits durable"
        );
        assert!(journal.wal_path().exists());
    }

    /// A journal made before the partial indexes (issue 20) gets them at its next open, and
    /// loses the indexes of every row that they replace.
    #[test]
    fn an_older_journal_gets_the_partial_indexes_at_open() {
        let (dir, j) = journal();
        let path = dir.path().join("journal.sqlite");
        let old = "CREATE INDEX documents_by_refers_to ON documents(refers_to);
             CREATE INDEX documents_by_fiscal_sign ON documents(json_extract(fiscal, '$.fiscal_sign'));
             CREATE INDEX payments_by_auth ON payments(terminal, auth_id);
             CREATE INDEX payments_by_rrn ON payments(rrn);
             CREATE INDEX payments_by_auth_id ON payments(auth_id);
             CREATE INDEX payments_by_state ON payments(terminal, state);
             CREATE INDEX intents_by_state ON intents(state);";
        j.conn
            .execute_batch(
                "DROP INDEX documents_refers_to; DROP INDEX documents_fiscal_sign;
                 DROP INDEX payments_auth; DROP INDEX payments_rrn; DROP INDEX payments_unsettled;
                 DROP INDEX intents_pending; DROP INDEX intents_unknown;",
            )
            .unwrap();
        j.conn.execute_batch(old).unwrap();
        drop(j);
        let j = Journal::open(&path).unwrap();
        let mut indexes: Vec<String> = j
            .conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        indexes.retain(|n| !n.starts_with("outbox"));
        assert_eq!(
            indexes,
            [
                "documents_by_device",
                "documents_fiscal_sign",
                "documents_refers_to",
                "intents_pending",
                "intents_unknown",
                "payments_auth",
                "payments_by_document",
                "payments_rrn",
                "payments_unsettled",
                "printouts_by_document",
            ]
        );
    }

    #[test]
    fn a_document_its_payment_and_intent_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let (doc, payment, intent) = {
            let mut j = Journal::open(&path).unwrap();
            let body = json!({"lines": [{"name": "Хлеб", "amount": 4990}]});
            let doc = j
                .insert_document(&NewDocument {
                    device: "kkt",
                    kind: DocumentKind::Sale,
                    cashier: "Сидр Петров",
                    total: 4990,
                    body: &body,
                    request: "{}",
                    refers_to: None,
                })
                .unwrap();
            let payment = j
                .insert_operation(&NewOperation {
                    document_id: doc,
                    terminal: "terminal",
                    op: TerminalOp::Pay,
                    original: None,
                    amount: 4990,
                })
                .unwrap();
            j.settle_operation(
                payment,
                PaymentState::Approved,
                Some(&TransactionRecord {
                    rrn: "2911004200001",
                    auth_id: 7,
                    tx_at: Some("2026-03-01T12:00:00"),
                    details: &json!({}),
                }),
            )
            .unwrap();
            j.set_document_state(doc, DocumentState::Paid, None)
                .unwrap();
            let intent = j
                .begin_intent(
                    Some(doc),
                    "kkt",
                    IntentOperation::RegisterReceipt,
                    &json!({"last_before": 12}),
                )
                .unwrap();
            (doc, payment, intent)
            // dropped without finishing the intent: a crash
        };
        let j = Journal::open(&path).unwrap();
        let row = j.document(doc).unwrap().unwrap();
        assert_eq!(
            (row.state, row.total, row.cashier.as_str()),
            (DocumentState::Paid, 4990, "Сидр Петров")
        );
        let body: Value = serde_json::from_str(&row.body_json).unwrap();
        assert_eq!(body["lines"][0]["name"], "Хлеб");
        let p = j.payment_by_auth_id("terminal", 7).unwrap().unwrap();
        assert_eq!(
            (p.id, p.state, p.rrn.as_deref()),
            (payment, PaymentState::Approved, Some("2911004200001"))
        );
        assert_eq!(
            j.payment_by_rrn("2911004200001").unwrap().unwrap().id,
            payment
        );
        let pending = j.pending_intents().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(
            (pending[0].id, pending[0].detail["last_before"].as_i64()),
            (intent, Some(12))
        );
    }

    #[test]
    fn a_finished_intent_is_no_longer_pending() {
        let (_dir, mut j) = journal();
        let id = j
            .begin_intent(None, "kkt", IntentOperation::RegisterReceipt, &json!({}))
            .unwrap();
        j.finish_intent(id, IntentState::Done, &json!({"shift": 3}))
            .unwrap();
        assert!(j.pending_intents().unwrap().is_empty());
        let id = j
            .begin_intent(None, "kkt", IntentOperation::RegisterReceipt, &json!({}))
            .unwrap();
        j.finish_intent(id, IntentState::Unknown, &json!({}))
            .unwrap();
        assert_eq!(j.unknown_intents().unwrap(), 1);
    }

    #[test]
    fn a_state_the_host_does_not_know_is_a_conversion_error_of_its_column() {
        let (_dir, mut j) = journal();
        let doc = j
            .insert_document(&NewDocument {
                device: "kkt",
                kind: DocumentKind::Credit,
                cashier: "c",
                total: 1,
                body: &json!({}),
                request: "{}",
                refers_to: None,
            })
            .unwrap();
        let row = j.document(doc).unwrap().unwrap();
        assert_eq!(
            (row.kind, row.state),
            (DocumentKind::Credit, DocumentState::Created)
        );
        j.conn
            .execute(
                "UPDATE documents SET state = 'archived' WHERE id = ?1",
                [doc],
            )
            .unwrap();
        match j.document(doc) {
            Err(JournalError::Sqlite(rusqlite::Error::FromSqlConversionFailure(5, _, e))) => {
                assert_eq!(
                    e.to_string(),
                    "not a journaled document state: \"archived\""
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn replies_are_kept_by_face_and_key() {
        let (_dir, mut j) = journal();
        assert!(j.reply("ws", "r-1").unwrap().is_none());
        j.store_reply("ws", "r-1", "{\"event\":\"onpay\"}", Some(3))
            .unwrap();
        assert_eq!(
            j.reply("ws", "r-1").unwrap(),
            Some(("{\"event\":\"onpay\"}".into(), Some(3)))
        );
        assert!(j.reply("rest", "r-1").unwrap().is_none());
    }

    /// A journal as builds before `document_texts` wrote it: the body and the request in
    /// `documents`, `replies` with a rowid, and an outbox trigger naming the body.
    const OLD_SCHEMA: &str = "
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, device TEXT NOT NULL,
            kind TEXT NOT NULL, cashier TEXT NOT NULL, state TEXT NOT NULL,
            total INTEGER NOT NULL, body TEXT NOT NULL, request TEXT NOT NULL,
            refers_to INTEGER REFERENCES documents(id), fiscal TEXT, tender TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
        CREATE TABLE replies (face TEXT NOT NULL, key TEXT NOT NULL, reply TEXT NOT NULL,
            document_id INTEGER,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            PRIMARY KEY (face, key));
        CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
            row_id INTEGER NOT NULL, payload TEXT NOT NULL,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
        CREATE TRIGGER outbox_document_created AFTER INSERT ON documents BEGIN
            INSERT INTO outbox (kind, row_id, payload)
            VALUES ('document', NEW.id, json_object('body', json(NEW.body))); END;
        INSERT INTO documents (uuid, device, kind, cashier, state, total, body, request)
            VALUES ('u-1', 'kkt', 'sale', 'Иванов', 'fiscalized', 4990,
                    '{\"lines\":[{\"name\":\"Хлеб\"}]}', '{\"event\":\"create_doc\"}');
        INSERT INTO replies (face, key, reply, document_id)
            VALUES ('ws', 'create_doc:r-1', '{\"event\":\"create_doc\"}', 1);";

    #[test]
    fn an_old_journal_keeps_its_documents_and_replies_in_the_new_tables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch(OLD_SCHEMA)
            .unwrap();
        let mut j = Journal::open_with(&path, true).unwrap();

        let old = j.document(1).unwrap().unwrap();
        assert_eq!((old.uuid.as_str(), old.total), ("u-1", 4990));
        let body: Value = serde_json::from_str(&old.body_json).unwrap();
        assert_eq!(body["lines"][0]["name"], "Хлеб");
        let request: String = j
            .conn
            .query_row(
                "SELECT request FROM document_texts WHERE document_id = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(request, "{\"event\":\"create_doc\"}");
        assert_eq!(
            j.reply("ws", "create_doc:r-1").unwrap(),
            Some(("{\"event\":\"create_doc\"}".into(), Some(1)))
        );
        let columns: Vec<String> = j
            .conn
            .prepare("SELECT name FROM pragma_table_info('documents')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            !columns.iter().any(|c| c == "body" || c == "request"),
            "{columns:?}"
        );
        let replies: String = j
            .conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'replies'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(replies.contains("WITHOUT ROWID"), "{replies}");

        // Documents written after it go where new journals keep them, and head office gets
        // their bodies from there.
        let id = j
            .insert_document(&NewDocument {
                device: "kkt",
                kind: DocumentKind::Sale,
                cashier: "Петров",
                total: 100,
                body: &json!({"lines": [{"name": "Молоко"}]}),
                request: "{}",
                refers_to: None,
            })
            .unwrap();
        assert_eq!(j.document(id).unwrap().unwrap().cashier, "Петров");
        let shipped = OutboxReader::open(&path).unwrap().after(0, 10).unwrap();
        let new = shipped.iter().find(|row| row.row_id == id).unwrap();
        let payload: Value = serde_json::from_str(&new.payload).unwrap();
        assert_eq!(payload["body"]["lines"][0]["name"], "Молоко");

        // Opened again, nothing is moved twice.
        drop(j);
        let j = Journal::open_with(&path, true).unwrap();
        assert_eq!(j.document(1).unwrap().unwrap().uuid, "u-1");
    }
}
