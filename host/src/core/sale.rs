//! Paying a document and fiscalizing it: the payment ↔ fiscal saga. The cashless part is
//! charged on the card terminal first (the customer must pay before the receipt says so); if the
//! register then refuses the receipt, the host reverses the card payment itself and reports both
//! facts. A repeated pay of a document that is already paid or fiscalized never charges or
//! fiscalizes it again.

use serde_json::json;

use super::document::DocKind;
use super::fiscal::{NotFiscalized, card_payment, doc_kind, fiscal_of};
use super::{CardPayment, Core, CoreError, FiscalRecord, Paid};
use crate::journal::{DocumentRow, PaymentRow};
use crate::plugins::bindings::device::exports::fiscal::host::register::ReceiptPayments;
use crate::plugins::bindings::payment::exports::fiscal::host::terminal::{Outcome, Transaction};

/// How a document is paid: the register records every part; only `cashless` moves through
/// the card terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tender {
    pub cash: i64,
    /// Charged on this host's card terminal before the receipt.
    pub cashless: i64,
    /// Paid by card on a terminal the host does not drive (the client sends its RRN): only
    /// recorded on the receipt as cashless.
    #[serde(default)]
    pub external_cashless: i64,
    pub prepayment: i64,
    pub credit: i64,
}

impl Tender {
    pub fn card(amount: i64) -> Self {
        Self {
            cashless: amount,
            ..Self::default()
        }
    }

    pub fn total(&self) -> i64 {
        self.cash + self.cashless + self.external_cashless + self.prepayment + self.credit
    }

    fn parts(&self) -> [i64; 5] {
        [
            self.cash,
            self.cashless,
            self.external_cashless,
            self.prepayment,
            self.credit,
        ]
    }

    fn register_payments(&self) -> ReceiptPayments {
        ReceiptPayments {
            cash: self.cash,
            cashless: self.cashless + self.external_cashless,
            prepayment: self.prepayment,
            credit: self.credit,
            counter_provision: 0,
        }
    }
}

/// The card part of a payment; `fresh` is a transaction just received, which says more than
/// what the journal kept of the payment.
pub(super) fn card_of(payment: &PaymentRow, fresh: Option<&serde_json::Value>) -> CardPayment {
    let details = fresh.or(payment.details.as_ref());
    let detail = |key: &str| {
        details
            .and_then(|d| d[key].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    CardPayment {
        rrn: payment.rrn.clone().unwrap_or_default(),
        auth_id: payment.auth_id.unwrap_or_default(),
        auth_code: detail("auth_code"),
        card_number: detail("card_number"),
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
    /// Pays the whole document by card and fiscalizes it (seed 000's `pay`).
    pub async fn pay_by_card(&self, document_id: i64, amount: i64) -> Result<Paid, CoreError> {
        self.pay(document_id, Tender::card(amount)).await
    }

    /// Pays the document as tendered and fiscalizes it; idempotent per document. The tender must
    /// add up to the document's total.
    pub async fn pay(&self, document_id: i64, tender: Tender) -> Result<Paid, CoreError> {
        let doc = self
            .journal()
            .document(document_id)?
            .ok_or(CoreError::NoOpenDocument)?;
        match doc.state.as_str() {
            "fiscalized" | "printed" => return self.already_paid(&doc),
            "cancelled" => return Err(CoreError::NoOpenDocument),
            _ => {}
        }
        // A document resumed after a crash keeps the tender it was first paid with.
        let tender = match doc
            .tender
            .as_ref()
            .and_then(|t| serde_json::from_value::<Tender>(t.clone()).ok())
        {
            Some(journaled) if doc.state == "paid" => journaled,
            _ => tender,
        };
        if tender.total() != doc.total || tender.parts().iter().any(|&p| p < 0) {
            return Err(CoreError::AmountMismatch {
                expected: doc.total,
                got: tender.total(),
            });
        }
        let existing = self.journal().payment_of(doc.id)?;
        let payment = match existing {
            Some(p) if p.state == "approved" => Some(p),
            _ if doc.state == "paid" => None,
            _ => {
                // No money moves for a receipt the register could not take.
                self.require_open_shift(&doc.device).await?;
                let value =
                    serde_json::to_value(tender).map_err(|e| CoreError::Internal(e.to_string()))?;
                self.journal().set_document_tender(doc.id, &value)?;
                if tender.cashless > 0 {
                    Some(self.charge(&doc, tender.cashless).await?)
                } else {
                    self.journal().set_document_state(doc.id, "paid", None)?;
                    None
                }
            }
        };
        self.fiscalize_paid(&doc, tender, payment.as_ref()).await
    }

    fn already_paid(&self, doc: &DocumentRow) -> Result<Paid, CoreError> {
        let payment = self.journal().payment_of(doc.id)?;
        let fiscal = fiscal_of(doc).ok_or_else(|| {
            CoreError::Internal(format!("document {} lost its fiscal data", doc.id))
        })?;
        Ok(Paid {
            document_id: doc.id,
            // The card part as it was paid, even if it was reversed since.
            card: payment.as_ref().map(|p| card_of(p, None)),
            fiscal,
            print_error: None,
        })
    }

    /// The card side: a sale is charged; a return is refunded to the card of the latest payment
    /// that can take it (seed 000 gives a return no reference to the sale it returns).
    async fn charge(&self, doc: &DocumentRow, amount: i64) -> Result<PaymentRow, CoreError> {
        // A return goes back through the terminal that took the original payment.
        let (terminal, original) = match doc_kind(doc) {
            DocKind::Sale => (self.terminal_of(&doc.device)?, None),
            DocKind::Return => {
                let original = self
                    .journal()
                    .refundable_payment(amount)?
                    .ok_or(CoreError::PaymentNotFound)?;
                (self.terminal_of_payment(&original)?, Some(original))
            }
        };
        let payment_id = self
            .journal()
            .insert_payment(doc.id, terminal.id(), amount)?;
        // Recovery must find the payment row if the host dies while the terminal charges.
        self.durable().await?;
        let answer = match original {
            None => terminal.terminal(move |g, s| g.call_pay(s, amount)).await,
            Some(original) => {
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
        tender: Tender,
        payment: Option<&PaymentRow>,
    ) -> Result<Paid, CoreError> {
        match self.fiscalize(doc, tender.register_payments()).await {
            Ok(fiscal) => {
                if self.crash.is_some() {
                    // The crash point's promise: the outcome is on disk, the reply not sent.
                    self.durable().await?;
                }
                self.crash_point(super::CrashPoint::BeforeReply);
                let card = payment.map(|p| card_of(p, None));
                let mut printed = Vec::new();
                if tender.cash > 0 {
                    printed.push(super::fiscal::cash_payment(tender.cash));
                }
                if let Some(card) = &card {
                    printed.push(card_payment(tender.cashless, &card.rrn));
                }
                let print_error = self.print_copy(doc, &fiscal, printed).await;
                Ok(Paid {
                    document_id: doc.id,
                    card,
                    fiscal,
                    print_error,
                })
            }
            Err(NotFiscalized::Refused(reason)) => {
                let reversed = match payment {
                    Some(p) => self.reverse(p).await,
                    None => true,
                };
                let _ = self.journal().set_document_state(doc.id, "cancelled", None);
                Err(CoreError::ReceiptRefused { reason, reversed })
            }
            Err(NotFiscalized::Unknown(why)) => Err(CoreError::OutcomeUnknown(why)),
            Err(NotFiscalized::Failed(e)) => Err(e),
        }
    }

    /// Gives the money back for a payment whose receipt was refused; true when it went back.
    async fn reverse(&self, payment: &PaymentRow) -> bool {
        let Ok(terminal) = self.terminal_of_payment(payment) else {
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
