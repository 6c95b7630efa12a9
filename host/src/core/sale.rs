//! Paying a document by card and fiscalizing it: the payment ↔ fiscal saga. The card is charged
//! first (the customer must pay before the receipt says so); if the register then refuses the
//! receipt, the host reverses the payment itself and reports both facts. A repeated `pay` of a
//! document that is already paid or fiscalized never charges or fiscalizes it again.

use serde_json::json;

use super::document::DocKind;
use super::fiscal::{NotFiscalized, card_payment, doc_kind, fiscal_of};
use super::{Core, CoreError, FiscalRecord, Paid};
use crate::journal::{DocumentRow, PaymentRow};
use crate::plugins::bindings::device::exports::fiscal::host::register::ReceiptPayments;
use crate::plugins::bindings::payment::exports::fiscal::host::terminal::{Outcome, Transaction};

fn cashless(amount: i64) -> ReceiptPayments {
    ReceiptPayments {
        cash: 0,
        cashless: amount,
        prepayment: 0,
        credit: 0,
        counter_provision: 0,
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
    })
}

impl Core {
    /// Charges the card for the document and fiscalizes it; idempotent per document.
    pub async fn pay_by_card(&self, document_id: i64, amount: i64) -> Result<Paid, CoreError> {
        let doc = self
            .journal()
            .document(document_id)?
            .ok_or(CoreError::NoOpenDocument)?;
        if amount != doc.total {
            return Err(CoreError::AmountMismatch {
                expected: doc.total,
                got: amount,
            });
        }
        match doc.state.as_str() {
            "fiscalized" | "printed" => return self.already_paid(&doc),
            "cancelled" => return Err(CoreError::NoOpenDocument),
            _ => {}
        }
        let existing = self.journal().payment_of(doc.id)?;
        let payment = match existing {
            Some(p) if p.state == "approved" => p,
            _ => {
                // No money moves for a receipt the register could not take.
                self.require_open_shift(&doc.device).await?;
                self.charge(&doc).await?
            }
        };
        self.fiscalize_paid(&doc, &payment).await
    }

    fn already_paid(&self, doc: &DocumentRow) -> Result<Paid, CoreError> {
        let payment = self.journal().payment_of(doc.id)?.ok_or_else(|| {
            CoreError::Internal(format!(
                "document {} is fiscalized without a payment",
                doc.id
            ))
        })?;
        let fiscal = fiscal_of(doc).ok_or_else(|| {
            CoreError::Internal(format!("document {} lost its fiscal data", doc.id))
        })?;
        Ok(Paid {
            document_id: doc.id,
            rrn: payment.rrn.unwrap_or_default(),
            auth_id: payment.auth_id.unwrap_or_default(),
            fiscal,
            print_error: None,
        })
    }

    /// The card side: a sale is charged; a return is refunded to the card of the latest payment
    /// that can take it (seed 000 gives a return no reference to the sale it returns).
    async fn charge(&self, doc: &DocumentRow) -> Result<PaymentRow, CoreError> {
        let terminal = self.terminal()?;
        let payment_id = self
            .journal()
            .insert_payment(doc.id, terminal.id(), doc.total)?;
        let amount = doc.total;
        let answer = match doc_kind(doc) {
            DocKind::Sale => terminal.terminal(move |g, s| g.call_pay(s, amount)).await,
            DocKind::Return => {
                let original = self
                    .journal()
                    .refundable_payment(amount)?
                    .ok_or(CoreError::PaymentNotFound)?;
                let rrn = original.rrn.clone().unwrap_or_default();
                let answer = terminal
                    .terminal(move |g, s| g.call_refund(s, &rrn, amount))
                    .await;
                if matches!(&answer, Ok(t) if t.outcome == Outcome::Approved) {
                    self.journal().add_refund(original.id, amount)?;
                }
                answer
            }
        };
        let t = match answer {
            Ok(t) => t,
            Err(e) => {
                // The terminal's answer is lost: whether the card was charged is unknown.
                self.journal()
                    .settle_payment(payment_id, "unknown", None, None, None)?;
                return Err(CoreError::OutcomeUnknown(format!("card payment: {e}")));
            }
        };
        let details = transaction_json(&t);
        if t.outcome != Outcome::Approved {
            self.journal()
                .settle_payment(payment_id, "declined", None, None, Some(&details))?;
            return Err(CoreError::PaymentDeclined {
                code: t.response_code,
                text: t.text,
            });
        }
        let mut journal = self.journal();
        journal.settle_payment(
            payment_id,
            "approved",
            Some(&t.rrn),
            Some(t.auth_id.into()),
            Some(&details),
        )?;
        journal.set_document_state(doc.id, "paid", None)?;
        Ok(journal.payment(payment_id)?.expect("just written"))
    }

    async fn fiscalize_paid(
        &self,
        doc: &DocumentRow,
        payment: &PaymentRow,
    ) -> Result<Paid, CoreError> {
        let rrn = payment.rrn.clone().unwrap_or_default();
        let auth_id = payment.auth_id.unwrap_or_default();
        match self.fiscalize(doc, cashless(doc.total)).await {
            Ok(fiscal) => {
                self.crash_point(super::CrashPoint::BeforeReply);
                let print_error = self
                    .print_copy(doc, &fiscal, vec![card_payment(doc.total, &rrn)])
                    .await;
                Ok(Paid {
                    document_id: doc.id,
                    rrn,
                    auth_id,
                    fiscal,
                    print_error,
                })
            }
            Err(NotFiscalized::Refused(reason)) => {
                let reversed = self.reverse(payment).await;
                let _ = self.journal().set_document_state(doc.id, "cancelled", None);
                Err(CoreError::ReceiptRefused { reason, reversed })
            }
            Err(NotFiscalized::Unknown(why)) => Err(CoreError::OutcomeUnknown(why)),
            Err(NotFiscalized::Failed(e)) => Err(e),
        }
    }

    /// Gives the money back for a payment whose receipt was refused; true when it went back.
    async fn reverse(&self, payment: &PaymentRow) -> bool {
        let Ok(terminal) = self.terminal() else {
            return false;
        };
        let Some(auth_id) = payment.auth_id else {
            return false;
        };
        let answer = terminal
            .terminal(move |g, s| g.call_cancel(s, auth_id as u32))
            .await;
        let (state, details) = match &answer {
            Ok(t) if t.outcome == Outcome::Approved => ("reversed", Some(transaction_json(t))),
            Ok(t) => ("reversal-declined", Some(transaction_json(t))),
            Err(e) => ("reversal-unknown", Some(json!({ "error": e.to_string() }))),
        };
        if let Err(e) =
            self.journal()
                .settle_payment(payment.id, state, None, None, details.as_ref())
        {
            tracing::error!("journal: payment {} reversal not recorded: {e}", payment.id);
        }
        state == "reversed"
    }

    /// Whether a document still waits for its payment or its receipt (a face may resume it).
    pub fn is_open(&self, document_id: i64) -> Result<bool, CoreError> {
        Ok(self
            .journal()
            .document(document_id)?
            .is_some_and(|d| matches!(d.state.as_str(), "created" | "paid")))
    }

    /// The fiscal record of a document, for faces that answer from the journal.
    pub fn fiscal_record(&self, document_id: i64) -> Result<Option<FiscalRecord>, CoreError> {
        Ok(self
            .journal()
            .document(document_id)?
            .as_ref()
            .and_then(fiscal_of))
    }
}
