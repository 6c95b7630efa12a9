//! Recovery: every intent whose outcome was never journaled is resolved by asking the device,
//! never by sending the command again — at start (before the faces accept requests) and,
//! for a register, before its next receipt or shift operation.
//!
//! A receipt intent noted the register's last fiscal document before the receipt went out.
//! Because a register lane takes one sale at a time and a register with an unresolved intent
//! takes nothing new (`settle_register`), the intent is always the newest thing sent to its
//! register, so the register's *last* document tells: it is the intent's receipt when its
//! number is above the one noted, its total is the intent's, and no other document of the
//! journal already holds its fiscal sign (one register receipt is never given to two
//! documents). Payments left unsettled are the terminals' business (`terminal.rs`).

use serde::Serialize;
use serde_json::json;

use super::answers::iso;
use super::terminal::Turn;
use super::{Core, FiscalRecord};
use crate::journal::IntentState;

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Receipts the register had registered although the journal did not know yet.
    pub fiscalized: Vec<i64>,
    /// Receipts the register had not registered: their documents wait, paid, for a repeat.
    pub not_registered: Vec<i64>,
    /// Payments whose outcome was recovered from the terminal.
    pub payments_settled: Vec<i64>,
    /// Documents and payments whose outcome could not be learned: reported, not guessed.
    pub unknown: Vec<String>,
}

/// What resolving a register's pending receipt intents found, document by document.
#[derive(Debug, Default)]
pub(super) struct Resolved {
    pub fiscalized: Vec<i64>,
    pub not_registered: Vec<i64>,
}

impl Core {
    /// Asks the register about one receipt intent. `Ok(Some)`: it registered the receipt;
    /// `Ok(None)`: it did not; `Err`: the register could not tell (the intent stays pending).
    pub(super) async fn resolve_receipt_intent(
        &self,
        lane: &Turn,
        doc_id: i64,
        intent: i64,
        last_before: u32,
        total: i64,
    ) -> Result<Option<FiscalRecord>, String> {
        let device = lane.device();
        let register = self.register(Some(device)).map_err(|e| e.to_string())?;
        let last = register
            .last_fiscal_document()
            .await
            .map_err(|e| e.to_string())?;
        let claimed = self
            .journal()
            .document_by_fiscal_sign(&last.fiscal_sign)
            .map_err(|e| e.to_string())?
            .is_some_and(|d| d.id != doc_id && d.device == device);
        let ours = !claimed
            && last.document_number > last_before
            && last.amount.is_none_or(|a| a == total);
        if !ours {
            self.journal()
                .finish_intent(
                    intent,
                    IntentState::Failed,
                    &json!({ "not_registered": { "last": last.document_number, "claimed": claimed } }),
                )
                .map_err(|e| e.to_string())?;
            return Ok(None);
        }
        let status = register.status().await.ok();
        let fiscal = FiscalRecord {
            shift_number: status.map(|s| s.shift_number).unwrap_or(0),
            receipt_number: 0,
            document_number: last.document_number,
            fiscal_sign: last.fiscal_sign,
            fn_number: String::new(),
            registration_number: String::new(),
            date_time: iso(&last.date_time),
        };
        self.note_fiscalized(doc_id, intent, &fiscal)
            .map_err(|e| e.to_string())?;
        Ok(Some(fiscal))
    }

    /// Resolves every pending receipt intent of the lane's register, oldest first. `Err` names
    /// the document whose receipt the register cannot account for yet: until it can, the
    /// register takes no new receipt and no shift operation, whose documents would hide it.
    pub(super) async fn settle_register(&self, lane: &Turn) -> Result<Resolved, (i64, String)> {
        let mut resolved = Resolved::default();
        let pending = self
            .journal()
            .pending_intents_on(lane.device())
            .map_err(|e| (0, e.to_string()))?;
        for intent in pending {
            let Some(doc_id) = intent.document_id else {
                continue;
            };
            let last_before = intent.detail["last_before"].as_u64().unwrap_or(u64::MAX) as u32;
            let total = intent.detail["total"].as_i64().unwrap_or(-1);
            match self
                .resolve_receipt_intent(lane, doc_id, intent.id, last_before, total)
                .await
            {
                Ok(Some(_)) => resolved.fiscalized.push(doc_id),
                Ok(None) => resolved.not_registered.push(doc_id),
                Err(why) => return Err((doc_id, why)),
            }
        }
        Ok(resolved)
    }

    /// Resolves what a crash left open. Runs once at start, before the faces accept requests.
    pub async fn recover(&self) -> RecoveryReport {
        let mut report = RecoveryReport::default();
        let devices = match self.journal().devices_with_pending_intents() {
            Ok(d) => d,
            Err(e) => {
                report.unknown.push(format!("journal: {e}"));
                return report;
            }
        };
        for device in devices {
            let lane = self.turn(&device).await;
            match self.settle_register(&lane).await {
                Ok(resolved) => {
                    report.fiscalized.extend(resolved.fiscalized);
                    report.not_registered.extend(resolved.not_registered);
                }
                Err((doc_id, why)) => report.unknown.push(format!("document {doc_id}: {why}")),
            }
        }
        let (settled, unknown) = self.settle_all().await;
        report.payments_settled = settled;
        report.unknown.extend(unknown);
        if report != RecoveryReport::default() {
            tracing::warn!(?report, "recovered what a crash left open");
        }
        *self.recovery.lock().unwrap_or_else(|p| p.into_inner()) = report.clone();
        report
    }
}
