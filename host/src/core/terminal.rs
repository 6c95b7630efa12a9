//! Card terminal operations: payments, refunds and reversals, under one rule.
//!
//! - One operation at a time per terminal, and none while an earlier one is unsettled: the
//!   only thing a terminal can tell about an operation whose answer was lost is its *last*
//!   transaction (ZVT Repeat Receipt `06 20`), and a second operation would hide the first.
//! - Each operation is journaled (and synced) before it is sent.
//! - An answer the host did not see (timeout, dropped line, crash) is settled by asking the
//!   terminal for its last transaction, never by sending the operation again. Until the
//!   terminal answers, the outcome is unknown and nothing else goes to that terminal.
//!
//! Reading the terminal's last transaction, for an operation `op` that was sent:
//! - it is a transaction some other row already holds (same terminal, reference and time — an
//!   identity that does not wrap, unlike the four-digit receipt number), or there is none: the
//!   terminal never did `op`; no money moved;
//! - it is a transaction no row holds, of `op`'s amount: it is `op`'s (nothing else was sent to
//!   this terminal since), approved or declined as it says;
//! - it is a transaction no row holds, of another amount: someone used the terminal outside the
//!   host. `op` stays `unknown` for a person to reconcile; it is never sent again.

use std::sync::Arc;

use serde_json::json;

use super::answers::{iso, refused_by_device};
use super::{Core, CoreError};
use crate::devices::DeviceHandle;
use crate::journal::{NewOperation, PaymentRow, PaymentState, TerminalOp, TransactionRecord};
use crate::plugins::contract::terminal::{Outcome, Transaction};

/// The command an operation sends.
#[derive(Debug, Clone)]
pub(super) enum Command {
    Pay { amount: i64 },
    Refund { rrn: String, amount: i64 },
    Reversal { auth_id: u32 },
}

impl Command {
    fn op(&self) -> TerminalOp {
        match self {
            Command::Pay { .. } => TerminalOp::Pay,
            Command::Refund { .. } => TerminalOp::Refund,
            Command::Reversal { .. } => TerminalOp::Reversal,
        }
    }
}

/// How an operation the terminal answered ended.
#[derive(Debug)]
pub(super) enum Ended {
    /// The settled row (reference, receipt number, the transaction's details).
    Approved(PaymentRow),
    Declined {
        code: u32,
        text: String,
    },
}

/// A device's turn: held by whoever is using the device for a step that must not interleave
/// with another (a sale on a register lane, an operation on a terminal). `fiscalize` and
/// `operate` take one as proof.
pub(super) struct Turn {
    device: String,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Turn {
    pub(super) fn device(&self) -> &str {
        &self.device
    }
}

pub(super) fn transaction_json(t: &Transaction) -> serde_json::Value {
    json!({
        "outcome": if t.outcome == Outcome::Approved { "approved" } else { "declined" },
        "amount": t.amount,
        "rrn": t.rrn,
        "auth_id": t.auth_id,
        "auth_code": t.auth_code,
        "card_number": t.card_number,
        "response_code": t.response_code,
        "text": t.text,
        "date_time": t.date_time.as_ref().map(iso),
    })
}

/// How a settled operation ended, from its row.
fn ended_as(row: PaymentRow) -> Result<Ended, CoreError> {
    match row.state {
        PaymentState::Approved => Ok(Ended::Approved(row)),
        PaymentState::Declined => {
            let detail = |key: &str| row.details.as_ref().map(|d| d[key].clone());
            Ok(Ended::Declined {
                code: detail("response_code")
                    .and_then(|c| c.as_u64())
                    .unwrap_or(0) as u32,
                text: detail("text")
                    .and_then(|t| t.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            })
        }
        PaymentState::Unknown => Err(CoreError::OutcomeUnknown(format!(
            "card terminal {}: its last transaction is not one the host made; operation {} \
             must be reconciled on the terminal",
            row.terminal, row.id
        ))),
        PaymentState::Sent | PaymentState::NotDone | PaymentState::Reversed => Err(
            CoreError::internal(format!("operation {} ended {:?}", row.id, row.state)),
        ),
    }
}

/// What the terminal's last transaction says of an operation whose answer was lost (the rule
/// in the module's opening).
#[derive(Debug)]
enum Reading {
    /// The last transaction is older than the operation (or there is none): it never happened.
    NotDone,
    /// The last transaction is the operation's, approved or declined as it says.
    Did(Transaction),
    /// A transaction the host did not make: nobody can tell from here.
    Stranger(Transaction),
}

/// `held`: another journal row already holds `last` (same terminal, reference and time).
fn reading(op: &PaymentRow, last: Option<Transaction>, held: bool) -> Reading {
    match last {
        None => Reading::NotDone,
        Some(_) if held => Reading::NotDone,
        // A reversal's transaction reports the amount of the payment it undoes, which is the
        // amount its row was journaled with.
        Some(t) if t.amount == op.amount => Reading::Did(t),
        Some(t) => Reading::Stranger(t),
    }
}

impl Core {
    /// Waits for the device's turn. Turns are taken register before terminal, never the other
    /// way round, so two steps never wait for each other.
    pub(super) async fn turn(&self, device: &str) -> Turn {
        let lock = {
            let mut turns = self.turns.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(turns.entry(device.to_owned()).or_default())
        };
        Turn {
            device: device.to_owned(),
            _guard: lock.lock_owned().await,
        }
    }

    /// Sends one operation to the terminal under the rule above.
    pub(super) async fn operate(
        &self,
        terminal: &DeviceHandle,
        document_id: i64,
        original: Option<&PaymentRow>,
        command: Command,
    ) -> Result<Ended, CoreError> {
        let turn = self.turn(terminal.id()).await;
        let amount = match &command {
            Command::Pay { amount } | Command::Refund { amount, .. } => *amount,
            Command::Reversal { .. } => original.map_or(0, |o| o.amount),
        };
        let new = NewOperation {
            document_id,
            terminal: terminal.id(),
            op: command.op(),
            original: original.map(|o| o.id),
            amount,
        };
        // Usually nothing is unsettled: one hold on the journal checks that and writes the row.
        let written = {
            let mut journal = self.journal();
            if journal.unsettled_on(terminal.id())?.is_empty() {
                Some(journal.insert_operation(&new)?)
            } else {
                None
            }
        };
        let id = match written {
            Some(id) => id,
            None => {
                self.settle_terminal(&turn, terminal).await?;
                self.journal().insert_operation(&new)?
            }
        };
        // Recovery must find the row if the host dies while the terminal works.
        self.durable().await?;
        let answer = match command.clone() {
            Command::Pay { amount } => terminal.pay(amount).await,
            Command::Refund { rrn, amount } => terminal.refund(rrn, amount).await,
            Command::Reversal { auth_id } => terminal.cancel(auth_id).await,
        };
        let transaction = match answer {
            Ok(t) => t,
            Err(refused) if refused_by_device(&refused) => {
                // The terminal said no to the command itself: nothing to ask it about.
                self.journal()
                    .settle_operation(id, PaymentState::NotDone, None)?;
                return Err(refused.into());
            }
            Err(lost) => {
                // Ask what it did; the answer is the terminal's, not a second try.
                let row = self.journal().payment(id)?.expect("just written");
                return match self.settle(&turn, terminal, &row).await {
                    Ok(row) if row.state == PaymentState::NotDone => {
                        Err(CoreError::DeviceUnavailable(format!(
                            "{lost}; the terminal shows the operation was not done: no money moved"
                        )))
                    }
                    Ok(row) => ended_as(row),
                    Err(why) => Err(CoreError::OutcomeUnknown(format!(
                        "card terminal {}: {lost}; asking it afterwards: {why}",
                        terminal.id()
                    ))),
                };
            }
        };
        ended_as(self.record(id, &transaction)?)
    }

    /// Journals the terminal's answer to an operation; the row as settled.
    fn record(&self, id: i64, t: &Transaction) -> Result<PaymentRow, CoreError> {
        let state = match t.outcome {
            Outcome::Approved => PaymentState::Approved,
            Outcome::Declined => PaymentState::Declined,
        };
        let details = transaction_json(t);
        let tx_at = t.date_time.as_ref().map(iso);
        let mut journal = self.journal();
        journal.settle_operation(
            id,
            state,
            Some(&TransactionRecord {
                rrn: &t.rrn,
                auth_id: t.auth_id.into(),
                tx_at: tx_at.as_deref(),
                details: &details,
            }),
        )?;
        Ok(journal.payment(id)?.expect("just settled"))
    }

    /// Settles every unsettled operation of a terminal, oldest first; an error (and nothing
    /// sent) while the terminal cannot say what became of one.
    async fn settle_terminal(&self, turn: &Turn, terminal: &DeviceHandle) -> Result<(), CoreError> {
        let unsettled = self.journal().unsettled_on(terminal.id())?;
        for row in unsettled {
            if let Err(why) = self.settle(turn, terminal, &row).await {
                return Err(CoreError::DeviceUnavailable(format!(
                    "card terminal {}: the outcome of operation {} is unknown and the terminal \
                     cannot say it now ({why}); nothing was sent",
                    terminal.id(),
                    row.id
                )));
            }
        }
        Ok(())
    }

    /// Settles one operation that was sent by asking the terminal for its last transaction; the
    /// row as settled. `Err` when the terminal could not be asked: the row stays `sent`.
    async fn settle(
        &self,
        _turn: &Turn,
        terminal: &DeviceHandle,
        op: &PaymentRow,
    ) -> Result<PaymentRow, String> {
        let last = terminal
            .last_transaction()
            .await
            .map_err(|e| e.to_string())?;
        let held = match &last {
            Some(t) if !t.rrn.is_empty() => {
                let tx_at = t.date_time.as_ref().map(iso);
                self.journal()
                    .operation_holding(terminal.id(), &t.rrn, tx_at.as_deref(), op.id)
                    .map_err(|e| e.to_string())?
                    .is_some()
            }
            _ => false,
        };
        let (state, details) = match reading(op, last, held) {
            Reading::Did(t) => return self.record(op.id, &t).map_err(|e| e.to_string()),
            Reading::NotDone => (PaymentState::NotDone, None),
            Reading::Stranger(t) => {
                tracing::error!(
                    terminal = terminal.id(),
                    operation = op.id,
                    "the terminal's last transaction ({} of {}) is not one the host made: \
                     the operation needs reconciling by hand",
                    t.rrn,
                    t.amount
                );
                (
                    PaymentState::Unknown,
                    Some(json!({ "last_transaction": transaction_json(&t) })),
                )
            }
        };
        let mut journal = self.journal();
        let mut settled = || -> crate::journal::Result<Option<PaymentRow>> {
            journal.settle_operation(op.id, state, None)?;
            if let Some(details) = &details {
                journal.note_operation(op.id, details)?;
            }
            journal.payment(op.id)
        };
        settled()
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("operation {} vanished", op.id))
    }

    /// Settles what is unsettled on a terminal before a decision that reads the journal's
    /// payments (what is left to refund, whether a payment is still reversible).
    pub(super) async fn settle_pending(&self, terminal: &DeviceHandle) -> Result<(), CoreError> {
        let turn = self.turn(terminal.id()).await;
        self.settle_terminal(&turn, terminal).await
    }

    /// Settles an operation of a document that a repeat found unsettled; the row as it is now.
    pub(super) async fn settle_operation(&self, op: &PaymentRow) -> Result<PaymentRow, CoreError> {
        // Only the terminal that was sent the operation can say what it did.
        let terminal = self.devices.get(&op.terminal).map_err(|_| {
            CoreError::OutcomeUnknown(format!(
                "operation {} went to terminal {}, which is no longer configured",
                op.id, op.terminal
            ))
        })?;
        let turn = self.turn(terminal.id()).await;
        // As it is now that it is this request's turn: a twin may have settled it.
        let now = self.journal().payment(op.id)?.expect("a journaled row");
        if now.state != PaymentState::Sent {
            return Ok(now);
        }
        self.settle(&turn, terminal, &now).await.map_err(|why| {
            CoreError::OutcomeUnknown(format!(
                "card terminal {}: operation {} was sent and its answer lost; the terminal \
                 cannot say now what it did ({why}); nothing was sent again",
                terminal.id(),
                now.id
            ))
        })
    }

    /// Settles what a crash left unsettled on every terminal (recovery at start).
    pub(super) async fn settle_all(&self) -> (Vec<i64>, Vec<String>) {
        let (mut settled, mut unknown) = (Vec::new(), Vec::new());
        let rows = match self.journal().unsettled_operations() {
            Ok(rows) => rows,
            Err(e) => return (settled, vec![format!("journal: {e}")]),
        };
        for row in rows {
            match self.settle_operation(&row).await {
                Ok(r) if r.state == PaymentState::Unknown => unknown.push(format!(
                    "payment {}: the terminal's last transaction is not one the host made",
                    r.id
                )),
                Ok(r) => settled.push(r.id),
                Err(e) => unknown.push(format!("payment {}: {e}", row.id)),
            }
        }
        (settled, unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(amount: i64) -> PaymentRow {
        PaymentRow {
            id: 7,
            document_id: 3,
            terminal: "terminal".into(),
            op: TerminalOp::Pay,
            original: None,
            amount,
            state: PaymentState::Sent,
            rrn: None,
            auth_id: None,
            tx_at: None,
            refunded: 0,
            details: None,
        }
    }

    fn transaction(amount: i64) -> Transaction {
        Transaction {
            outcome: Outcome::Approved,
            amount,
            rrn: "29110042000001".into(),
            // The same four-digit receipt number as a payment of weeks ago: it decides nothing.
            auth_id: 1,
            auth_code: "104736".into(),
            card_number: "220070******6781".into(),
            response_code: 0,
            text: "approved".into(),
            date_time: None,
        }
    }

    #[test]
    fn the_last_transaction_settles_a_lost_answer_by_identity_and_amount() {
        // Nothing on the terminal, or only what the journal already holds: never happened.
        assert!(matches!(reading(&op(4990), None, false), Reading::NotDone));
        assert!(matches!(
            reading(&op(4990), Some(transaction(4990)), true),
            Reading::NotDone
        ));
        // A transaction nobody holds, of the operation's amount: the operation's.
        assert!(matches!(
            reading(&op(4990), Some(transaction(4990)), false),
            Reading::Did(t) if t.amount == 4990
        ));
        // Nobody holds it, but another amount: someone used the terminal outside the host.
        assert!(matches!(
            reading(&op(4990), Some(transaction(100)), false),
            Reading::Stranger(t) if t.amount == 100
        ));
    }
}
