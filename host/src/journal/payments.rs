//! Card terminal operations in the journal. Every command the host sends to a terminal — a
//! payment, a refund, a reversal — is a row of `payments`, written (and synced) before the
//! command goes out and settled afterwards: from the terminal's answer, or, when the answer was
//! lost, from what the terminal says it did (`core/terminal.rs` owns that rule).
//!
//! A row names the terminal's transaction by what does not wrap within a journal's life: the
//! terminal, its reference (`rrn`: ZVT's terminal id + six-digit trace number) and the
//! transaction's date and time (`tx_at`). The four-digit `auth_id` (ZVT's receipt number) wraps
//! after 9,999 and is kept only because seed 000's `cancel_payment` names payments by it.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::{Journal, Result, exec, json, one};
use super::{PaymentState, TerminalOp};

#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub id: i64,
    pub document_id: i64,
    pub terminal: String,
    pub op: TerminalOp,
    /// The payment a refund or a reversal gives money back for.
    pub original: Option<i64>,
    pub amount: i64,
    pub state: PaymentState,
    pub rrn: Option<String>,
    pub auth_id: Option<i64>,
    /// The terminal's date and time of the transaction (ISO 8601), part of its identity.
    pub tx_at: Option<String>,
    /// What refunds gave back of this payment so far.
    pub refunded: i64,
    pub details: Option<Value>,
}

/// An operation about to be sent.
pub struct NewOperation<'a> {
    pub document_id: i64,
    pub terminal: &'a str,
    pub op: TerminalOp,
    pub original: Option<i64>,
    pub amount: i64,
}

/// What the terminal reported of a transaction.
pub struct TransactionRecord<'a> {
    pub rrn: &'a str,
    pub auth_id: i64,
    pub tx_at: Option<&'a str>,
    pub details: &'a Value,
}

use super::states::by_state::UNSETTLED;

const COLUMNS: &str = "id, document_id, terminal, op, original, amount, state, rrn, auth_id, tx_at, refunded, details";

fn payment_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(PaymentRow, Option<String>)> {
    Ok((
        PaymentRow {
            id: r.get(0)?,
            document_id: r.get(1)?,
            terminal: r.get(2)?,
            op: r.get(3)?,
            original: r.get(4)?,
            amount: r.get(5)?,
            state: r.get(6)?,
            rrn: r.get(7)?,
            auth_id: r.get(8)?,
            tx_at: r.get(9)?,
            refunded: r.get(10)?,
            details: None,
        },
        r.get(11)?,
    ))
}

/// Adds the columns of terminal operations to a journal made before they existed.
pub(super) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('payments')")?;
    let columns = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (column, ddl) in [
        (
            "op",
            "ALTER TABLE payments ADD COLUMN op TEXT NOT NULL DEFAULT 'pay'",
        ),
        (
            "original",
            "ALTER TABLE payments ADD COLUMN original INTEGER REFERENCES payments(id)",
        ),
        ("tx_at", "ALTER TABLE payments ADD COLUMN tx_at TEXT"),
    ] {
        if !columns.iter().any(|c| c == column) {
            conn.execute_batch(ddl)?;
        }
    }
    Ok(())
}

impl Journal {
    /// Journals an operation about to be sent to a terminal (state `sent`).
    pub fn insert_operation(&mut self, op: &NewOperation<'_>) -> Result<i64> {
        exec(
            &self.conn,
            "INSERT INTO payments (document_id, terminal, op, original, amount, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                op.document_id,
                op.terminal,
                op.op,
                op.original,
                op.amount,
                PaymentState::Sent
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Settles an operation. An approved refund counts against its original payment and an
    /// approved reversal marks the original reversed, in the same write, so money and rows
    /// never disagree.
    pub fn settle_operation(
        &mut self,
        id: i64,
        state: PaymentState,
        transaction: Option<&TransactionRecord<'_>>,
    ) -> Result<()> {
        let details = transaction
            .map(|t| serde_json::to_string(t.details))
            .transpose()?;
        exec(
            &self.conn,
            "UPDATE payments SET state = ?2, rrn = COALESCE(?3, rrn), auth_id = COALESCE(?4, auth_id),
                 tx_at = COALESCE(?5, tx_at), details = COALESCE(?6, details),
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
             WHERE id = ?1",
            params![
                id,
                state,
                transaction.map(|t| t.rrn),
                transaction.map(|t| t.auth_id),
                transaction.and_then(|t| t.tx_at),
                details
            ],
        )?;
        if state == PaymentState::Approved {
            // What an approved refund or reversal does to the payment it gives money back for;
            // neither statement touches a row for a payment.
            exec(
                &self.conn,
                "UPDATE payments SET refunded = refunded + (SELECT amount FROM payments WHERE id = ?1),
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
                 WHERE id = (SELECT original FROM payments WHERE id = ?1 AND op = ?2)",
                params![id, TerminalOp::Refund],
            )?;
            exec(
                &self.conn,
                "UPDATE payments SET state = ?2,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
                 WHERE id = (SELECT original FROM payments WHERE id = ?1 AND op = ?3)",
                params![id, PaymentState::Reversed, TerminalOp::Reversal],
            )?;
        }
        Ok(())
    }

    /// Keeps what was learned of an operation that settled nothing (the terminal's last
    /// transaction, for whoever reconciles it).
    pub fn note_operation(&mut self, id: i64, details: &Value) -> Result<()> {
        exec(
            &self.conn,
            "UPDATE payments SET details = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
             WHERE id = ?1",
            params![id, serde_json::to_string(details)?],
        )?;
        Ok(())
    }

    fn payment_where(
        &self,
        clause: &str,
        params: impl rusqlite::Params,
    ) -> Result<Option<PaymentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM payments WHERE {clause} ORDER BY id DESC LIMIT 1");
        let Some((mut row, details)) =
            one(&self.conn, &sql, params, payment_from_row).optional()?
        else {
            return Ok(None);
        };
        row.details = json(details)?;
        Ok(Some(row))
    }

    fn payments_where(
        &self,
        clause: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<PaymentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM payments WHERE {clause} ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params, payment_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(mut row, details)| {
                row.details = json(details)?;
                Ok(row)
            })
            .collect()
    }

    pub fn payment(&self, id: i64) -> Result<Option<PaymentRow>> {
        self.payment_where("id = ?1", [id])
    }

    /// The latest operation that pays a document: its charge (a sale) or the refund that pays a
    /// return document back. Refunds and reversals *of* the document's own payment are rows of
    /// the same document and are not it.
    pub fn payment_of(&self, document_id: i64) -> Result<Option<PaymentRow>> {
        self.payment_where(
            "document_id = ?1 AND (op = ?2 OR (op = ?3 AND original NOT IN
                 (SELECT id FROM payments WHERE document_id = ?1)))",
            params![document_id, TerminalOp::Pay, TerminalOp::Refund],
        )
    }

    /// The latest card payment on this terminal with this `auth_id`. The number wraps after
    /// 9,999 on ZVT; the latest is the one of the terminal's current batch, the only one a
    /// reversal can still reach.
    pub fn payment_by_auth_id(&self, terminal: &str, auth_id: i64) -> Result<Option<PaymentRow>> {
        self.payment_where(
            "terminal = ?1 AND auth_id = ?2 AND op = ?3",
            params![terminal, auth_id, TerminalOp::Pay],
        )
    }

    /// The card payment with this reference.
    pub fn payment_by_rrn(&self, rrn: &str) -> Result<Option<PaymentRow>> {
        self.payment_where("rrn = ?1 AND op = ?2", params![rrn, TerminalOp::Pay])
    }

    /// The latest approved card payment with at least `amount` not yet refunded.
    pub fn refundable_payment(&self, amount: i64) -> Result<Option<PaymentRow>> {
        self.payment_where(
            "op = ?2 AND state = ?3 AND amount - refunded >= ?1",
            params![amount, TerminalOp::Pay, PaymentState::Approved],
        )
    }

    /// Operations sent whose answer was never seen, on every terminal (a crash, a lost line).
    pub fn unsettled_operations(&self) -> Result<Vec<PaymentRow>> {
        self.payments_where(UNSETTLED, [])
    }

    /// Operations sent whose answer was never seen, on one terminal.
    pub fn unsettled_on(&self, terminal: &str) -> Result<Vec<PaymentRow>> {
        self.payments_where(&format!("terminal = ?1 AND {UNSETTLED}"), [terminal])
    }

    /// The operation, other than `except`, that already holds the terminal's transaction with
    /// this reference and time.
    pub fn operation_holding(
        &self,
        terminal: &str,
        rrn: &str,
        tx_at: Option<&str>,
        except: i64,
    ) -> Result<Option<i64>> {
        Ok(one(
            &self.conn,
            "SELECT id FROM payments WHERE terminal = ?1 AND rrn = ?2 AND tx_at IS ?3 AND id != ?4
             ORDER BY id DESC LIMIT 1",
            params![terminal, rrn, tx_at, except],
            |r| r.get(0),
        )
        .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{DocumentKind, NewDocument};
    use serde_json::json;

    /// The plan SQLite makes for `sql`, as `EXPLAIN QUERY PLAN` words it.
    fn plan(j: &Journal, sql: &str) -> String {
        let mut stmt = j
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
        rows.map(|r| r.unwrap()).collect::<Vec<_>>().join("; ")
    }

    /// Each look-up by a state, and by a column most rows leave empty, is served by its partial
    /// index: SQLite takes one only for a `WHERE` that implies its condition.
    #[test]
    fn look_ups_by_state_and_by_columns_most_rows_leave_empty_use_their_partial_indexes() {
        use crate::journal::states::by_state::{PENDING, UNKNOWN};
        let (_dir, j, _) = journal_with_sale();
        for (sql, index) in [
            (
                format!("SELECT id FROM payments WHERE terminal = 'zvt' AND {UNSETTLED}"),
                "payments_unsettled",
            ),
            (
                format!("SELECT id FROM intents WHERE {PENDING} AND device = 'kkt'"),
                "intents_pending",
            ),
            (
                format!("SELECT COUNT(*) FROM intents WHERE {UNKNOWN}"),
                "intents_unknown",
            ),
            (
                "SELECT id FROM payments WHERE rrn = 'x'".into(),
                "payments_rrn",
            ),
            (
                "SELECT id FROM payments WHERE terminal = 'zvt' AND auth_id = 7".into(),
                "payments_auth",
            ),
            (
                "SELECT id FROM documents WHERE refers_to = 1".into(),
                "documents_refers_to",
            ),
            (
                "SELECT id FROM documents \
                 WHERE fiscal IS NOT NULL AND json_extract(fiscal, '$.fiscal_sign') = '1'"
                    .into(),
                "documents_fiscal_sign",
            ),
        ] {
            assert!(plan(&j, &sql).contains(index), "{sql}: {}", plan(&j, &sql));
        }
    }

    fn journal_with_sale() -> (tempfile::TempDir, Journal, i64) {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
        let doc = j
            .insert_document(&NewDocument {
                device: "kkt",
                kind: DocumentKind::Sale,
                cashier: "Сидр Петров",
                total: 4990,
                body: &json!({}),
                request: "{}",
                refers_to: None,
            })
            .unwrap();
        (dir, j, doc)
    }

    fn op(
        document_id: i64,
        op: TerminalOp,
        original: Option<i64>,
        amount: i64,
    ) -> NewOperation<'static> {
        NewOperation {
            document_id,
            terminal: "terminal",
            op,
            original,
            amount,
        }
    }

    fn record<'a>(
        rrn: &'a str,
        auth_id: i64,
        tx_at: &'a str,
        details: &'a Value,
    ) -> TransactionRecord<'a> {
        TransactionRecord {
            rrn,
            auth_id,
            tx_at: Some(tx_at),
            details,
        }
    }

    #[test]
    fn an_approved_refund_counts_against_its_payment_and_a_reversal_undoes_it() {
        let (_dir, mut j, doc) = journal_with_sale();
        let details = json!({});
        let pay = j
            .insert_operation(&op(doc, TerminalOp::Pay, None, 4990))
            .unwrap();
        assert_eq!(j.unsettled_on("terminal").unwrap().len(), 1);
        j.settle_operation(
            pay,
            PaymentState::Approved,
            Some(&record(
                "29110042000001",
                1,
                "2026-03-01T12:00:00",
                &details,
            )),
        )
        .unwrap();
        assert!(j.unsettled_operations().unwrap().is_empty());
        let refund = j
            .insert_operation(&op(doc, TerminalOp::Refund, Some(pay), 990))
            .unwrap();
        j.settle_operation(refund, PaymentState::Approved, None)
            .unwrap();
        assert_eq!(j.payment(pay).unwrap().unwrap().refunded, 990);
        let reversal = j
            .insert_operation(&op(doc, TerminalOp::Reversal, Some(pay), 4990))
            .unwrap();
        // Neither a refund nor a reversal of the document's payment is what pays it.
        assert_eq!(j.payment_of(doc).unwrap().unwrap().id, pay);
        j.settle_operation(reversal, PaymentState::Declined, None)
            .unwrap();
        assert_eq!(
            j.payment(pay).unwrap().unwrap().state,
            PaymentState::Approved
        );
        j.settle_operation(reversal, PaymentState::Approved, None)
            .unwrap();
        assert_eq!(
            j.payment(pay).unwrap().unwrap().state,
            PaymentState::Reversed
        );
    }

    #[test]
    fn a_transaction_is_known_by_terminal_reference_and_time_not_by_auth_id() {
        let (_dir, mut j, doc) = journal_with_sale();
        let details = json!({});
        let first = j
            .insert_operation(&op(doc, TerminalOp::Pay, None, 100))
            .unwrap();
        j.settle_operation(
            first,
            PaymentState::Approved,
            Some(&record(
                "29110042000017",
                17,
                "2026-03-01T12:00:00",
                &details,
            )),
        )
        .unwrap();
        // The same trace a wrap later, another day: another transaction.
        let later = j
            .insert_operation(&op(doc, TerminalOp::Pay, None, 100))
            .unwrap();
        assert_eq!(
            j.operation_holding(
                "terminal",
                "29110042000017",
                Some("2026-03-01T12:00:00"),
                later
            )
            .unwrap(),
            Some(first)
        );
        assert_eq!(
            j.operation_holding(
                "terminal",
                "29110042000017",
                Some("2026-09-14T08:00:00"),
                later
            )
            .unwrap(),
            None
        );
        assert_eq!(
            j.operation_holding(
                "terminal",
                "29110042000017",
                Some("2026-03-01T12:00:00"),
                first
            )
            .unwrap(),
            None,
            "a row never holds against itself"
        );
        // auth_id 17 again after the wrap: the latest payment of that terminal answers.
        j.settle_operation(
            later,
            PaymentState::Approved,
            Some(&record(
                "29110042000018",
                17,
                "2026-09-14T08:00:00",
                &details,
            )),
        )
        .unwrap();
        assert_eq!(
            j.payment_by_auth_id("terminal", 17).unwrap().unwrap().id,
            later
        );
        assert!(
            j.payment_by_auth_id("other-terminal", 17)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn an_old_journal_gains_the_operation_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE payments (id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL,
                     terminal TEXT NOT NULL, amount INTEGER NOT NULL, state TEXT NOT NULL, rrn TEXT,
                     auth_id INTEGER, refunded INTEGER NOT NULL DEFAULT 0, details TEXT,
                     created_at TEXT, updated_at TEXT);
                 INSERT INTO payments (document_id, terminal, amount, state) VALUES (1, 't', 5, 'authorizing');",
            )
            .unwrap();
        }
        let j = Journal::open(&path).unwrap();
        let unsettled = j.unsettled_operations().unwrap();
        assert_eq!(unsettled.len(), 1);
        assert_eq!(
            (unsettled[0].op, unsettled[0].state),
            (TerminalOp::Pay, PaymentState::Sent)
        );
    }
}
