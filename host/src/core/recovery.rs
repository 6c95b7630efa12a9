//! Recovery: on start, every intent whose outcome was never journaled is resolved by asking the
//! device, never by sending the command again. A receipt intent compares the register's last
//! fiscal document with the one it noted before; a payment left `authorizing` compares the
//! terminal's last transaction. What stays unknown is reported, not guessed.

use serde::Serialize;
use serde_json::json;

use super::fiscal::iso;
use super::{Core, FiscalRecord};
use crate::plugins::bindings::payment::exports::fiscal::host::terminal::Outcome;

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

impl Core {
    /// Asks the register about one receipt intent. `Ok(Some)`: it registered the receipt;
    /// `Ok(None)`: it did not; `Err`: the register could not tell (the intent stays pending).
    pub(super) async fn resolve_receipt_intent(
        &self,
        device: &str,
        doc_id: i64,
        intent: i64,
        last_before: u32,
        total: i64,
    ) -> Result<Option<FiscalRecord>, String> {
        let register = self.register(Some(device)).map_err(|e| e.to_string())?;
        let last = register
            .register(|g, s| g.call_last_fiscal_document(s))
            .await
            .map_err(|e| e.to_string())?;
        let ours = last.document_number > last_before && last.amount.is_none_or(|a| a == total);
        if !ours {
            self.journal()
                .finish_intent(
                    intent,
                    "failed",
                    &json!({ "not_registered": { "last": last.document_number } }),
                )
                .map_err(|e| e.to_string())?;
            return Ok(None);
        }
        let status = register.register(|g, s| g.call_status(s)).await.ok();
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

    /// Resolves what a crash left open. Runs once at start, before the faces accept requests.
    pub async fn recover(&self) -> RecoveryReport {
        let mut report = RecoveryReport::default();
        let pending = match self.journal().pending_intents() {
            Ok(p) => p,
            Err(e) => {
                report.unknown.push(format!("journal: {e}"));
                return report;
            }
        };
        for intent in pending {
            let Some(doc_id) = intent.document_id else {
                continue;
            };
            let last_before = intent.detail["last_before"].as_u64().unwrap_or(u64::MAX) as u32;
            let total = intent.detail["total"].as_i64().unwrap_or(-1);
            match self
                .resolve_receipt_intent(&intent.device, doc_id, intent.id, last_before, total)
                .await
            {
                Ok(Some(_)) => report.fiscalized.push(doc_id),
                Ok(None) => report.not_registered.push(doc_id),
                Err(why) => report.unknown.push(format!("document {doc_id}: {why}")),
            }
        }
        let unsettled = self.journal().unsettled_payments().unwrap_or_default();
        for payment_id in unsettled {
            match self.settle_from_terminal(payment_id).await {
                Ok(true) => report.payments_settled.push(payment_id),
                Ok(false) => report.unknown.push(format!(
                    "payment {payment_id}: the terminal does not show it"
                )),
                Err(why) => report.unknown.push(format!("payment {payment_id}: {why}")),
            }
        }
        if report != RecoveryReport::default() {
            tracing::warn!(?report, "recovered what a crash left open");
        }
        *self.recovery.lock().unwrap_or_else(|p| p.into_inner()) = report.clone();
        report
    }

    /// A payment left `authorizing`: the terminal's last transaction tells whether it went through.
    async fn settle_from_terminal(&self, payment_id: i64) -> Result<bool, String> {
        let payment = self
            .journal()
            .payment(payment_id)
            .map_err(|e| e.to_string())?
            .ok_or("vanished")?;
        let terminal = self
            .terminal_of_payment(&payment)
            .map_err(|e| e.to_string())?;
        let last = terminal
            .terminal(|g, s| g.call_last_transaction(s))
            .await
            .map_err(|e| e.to_string())?;
        let known = |auth_id: i64| {
            self.journal()
                .payment_by_auth_id(auth_id)
                .ok()
                .flatten()
                .is_some()
        };
        match last {
            Some(t)
                if t.outcome == Outcome::Approved
                    && t.amount == payment.amount
                    && !known(t.auth_id.into()) =>
            {
                let mut journal = self.journal();
                journal
                    .settle_payment(
                        payment_id,
                        "approved",
                        Some(&t.rrn),
                        Some(t.auth_id.into()),
                        None,
                    )
                    .map_err(|e| e.to_string())?;
                journal
                    .set_document_state(payment.document_id, "paid", None)
                    .map_err(|e| e.to_string())?;
                Ok(true)
            }
            _ => {
                self.journal()
                    .settle_payment(payment_id, "unknown", None, None, None)
                    .map_err(|e| e.to_string())?;
                Ok(false)
            }
        }
    }
}
