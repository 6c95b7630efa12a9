//! Paying a document and fiscalizing it: the payment ↔ fiscal saga. The cashless part is
//! charged on the card terminal first (the customer must pay before the receipt says so); if the
//! register then refuses the receipt, the host reverses the card payment itself and reports both
//! facts. A repeated pay of a document that is already paid or fiscalized never charges or
//! fiscalizes it again.

use super::document::{BodyLine, DocKind, DocumentBody};
use super::fiscal::{NotFiscalized, PaidBy, body, doc_kind, fiscal_of};
use super::marking;
use super::terminal::{Command, Ended, Turn};
use super::{CardPayment, Core, CoreError, FiscalRecord, Paid, Reversal};
use crate::journal::{DocumentRow, DocumentState, PaymentRow, PaymentState};
use crate::plugins::contract::register::{MarkingCheck, MarkingDecision, ReceiptPayments};

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

    /// Every part together; `None` when the sum does not fit in 64 bits.
    pub fn total(&self) -> Option<i64> {
        self.parts()
            .iter()
            .try_fold(0i64, |sum, &part| sum.checked_add(part))
    }

    /// Checks the tender against what is `due` and returns the change: cash above what is due
    /// goes to the register as tendered (it prints the change); any other part above it is
    /// refused, as is a part below zero or a sum that overflows — before anything is charged.
    pub fn change_for(&self, due: i64) -> Result<i64, CoreError> {
        if self.parts().iter().any(|&p| p < 0) {
            return Err(CoreError::InvalidInput("a payment part is negative".into()));
        }
        let paid = self.total().ok_or_else(|| {
            CoreError::InvalidInput(
                "the payment parts add up to more than a 64-bit sum holds".into(),
            )
        })?;
        let change = paid - due;
        if change < 0 || change > self.cash {
            return Err(CoreError::AmountMismatch {
                expected: due,
                got: paid,
            });
        }
        Ok(change)
    }

    /// The change of a tender journaled once it passed `change_for`.
    pub(super) fn change_of(&self, due: i64) -> i64 {
        self.change_for(due).unwrap_or(0)
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

    /// What the register is told, `change` being what `change_for` returned: the cash due,
    /// and the cash tendered with its change when there is change (the register prints it).
    fn register_payments(&self, change: i64) -> ReceiptPayments {
        ReceiptPayments {
            cash: self.cash - change,
            cashless: self.cashless + self.external_cashless,
            prepayment: self.prepayment,
            credit: self.credit,
            counter_provision: 0,
            cash_received: if change > 0 { self.cash } else { 0 },
            change,
        }
    }
}

/// A document's tender as `pay` goes to the register with it.
#[derive(Debug, Clone, Copy)]
struct Tendered {
    tender: Tender,
    /// What `Tender::change_for` returned.
    change: i64,
    /// The document can wait for its payment again: this request journaled it paid and
    /// charged nothing.
    reopenable: bool,
}

/// The tender a document was journaled with once a payment was asked for.
pub(super) fn tender_of(doc: &DocumentRow) -> Option<Tender> {
    doc.tender
        .as_ref()
        .and_then(|t| serde::Deserialize::deserialize(t).ok())
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

impl Core {
    /// Pays the whole document by card and fiscalizes it (seed 000's `pay`).
    pub async fn pay_by_card(&self, document_id: i64, amount: i64) -> Result<Paid, CoreError> {
        self.pay(document_id, Tender::card(amount)).await
    }

    /// Pays the document as tendered and fiscalizes it; idempotent per document. The tender must
    /// cover the document's total; cash above it is change.
    pub async fn pay(&self, document_id: i64, tender: Tender) -> Result<Paid, CoreError> {
        // The lane only: the document itself is read once it is this request's turn.
        let device = self
            .journal()
            .document_device(document_id)?
            .ok_or(CoreError::NoOpenDocument)?;
        // One sale at a time per register lane: the register takes one document at a time
        // anyway, and recovery can only tell a receipt by "the register's last document", which
        // a second receipt in flight would hide (two sales noting one "last before" and both
        // claiming the one receipt that followed).
        let lane = self.turn(&device).await;
        // The document as it is now that it is this request's turn (a twin may have paid it).
        let (doc, existing) = {
            let journal = self.journal();
            let doc = journal
                .document(document_id)?
                .ok_or(CoreError::NoOpenDocument)?;
            let existing = journal.payment_of(doc.id)?;
            (doc, existing)
        };
        match doc.state {
            s if s.is_fiscalized() => return self.already_paid(&doc),
            DocumentState::Cancelled => return Err(CoreError::NoOpenDocument),
            _ => {}
        }
        // Read once for the marking checks, the register and the copy.
        let body = body(&doc)?;
        let existing = match existing {
            // Sent and never answered: the terminal says what became of it, or nothing moves.
            Some(p) if p.state == PaymentState::Sent => Some(self.settle_operation(&p).await?),
            other => other,
        };
        if let Some(p) = existing
            .as_ref()
            .filter(|p| p.state == PaymentState::Unknown)
        {
            return Err(CoreError::OutcomeUnknown(format!(
                "card payment {} of this document: the terminal's record does not show what became \
                 of it; it must be reconciled on the terminal before the document is paid again",
                p.id
            )));
        }
        let approved = existing.filter(|p| p.state == PaymentState::Approved);
        // Once money moved, the document keeps the tender it was first paid with.
        let journaled =
            tender_of(&doc).filter(|_| doc.state == DocumentState::Paid || approved.is_some());
        let tender = journaled.unwrap_or(tender);
        let change = tender.change_for(doc.total)?;
        let payment = match approved {
            // The money moved on an earlier attempt: the codes are accepted again whatever the
            // marking system says now (the first attempt's verdict let the money move).
            Some(p) => {
                self.check_marking(&doc, &body, true).await?;
                Some(p)
            }
            None if doc.state == DocumentState::Paid => {
                self.check_marking(&doc, &body, true).await?;
                None
            }
            None => {
                // No money moves for a receipt the register could not take: a card is charged
                // only after the register itself said its shift is open. A cash sale moves no
                // money through the host, so the register's last word will do; a shift closed
                // on its keyboard since then refuses the receipt, and the document goes back to
                // waiting as if the register had been asked here (`fiscalize_paid`).
                if tender.cashless > 0 {
                    self.require_open_shift(&doc.device).await?;
                } else {
                    self.require_open_shift_seen(&doc.device).await?;
                }
                // Nor for a marked item the marking system does not confirm.
                self.check_marking(&doc, &body, false).await?;
                let value = serde_json::to_value(tender).map_err(CoreError::internal)?;
                self.journal().set_document_tender(doc.id, &value)?;
                if tender.cashless > 0 {
                    Some(self.charge(&doc, tender.cashless).await?)
                } else {
                    self.journal()
                        .set_document_state(doc.id, DocumentState::Paid, None)?;
                    None
                }
            }
        };
        let paid_now = Tendered {
            tender,
            change,
            // This request journaled the document paid and charged nothing: that can be taken
            // back if the register turns out to have no shift open.
            reopenable: payment.is_none() && doc.state != DocumentState::Paid,
        };
        self.fiscalize_paid(&lane, &doc, &body, paid_now, payment.as_ref())
            .await
    }

    fn already_paid(&self, doc: &DocumentRow) -> Result<Paid, CoreError> {
        let payment = self.journal().payment_of(doc.id)?;
        let fiscal = fiscal_of(doc).ok_or_else(|| {
            CoreError::internal(format!("document {} lost its fiscal data", doc.id))
        })?;
        let change = tender_of(doc).map_or(0, |t| t.change_of(doc.total));
        Ok(Paid {
            document_id: doc.id,
            // The card part as it was paid, even if it was reversed since.
            card: payment
                .as_ref()
                .filter(|p| matches!(p.state, PaymentState::Approved | PaymentState::Reversed))
                .map(|p| card_of(p, None)),
            fiscal,
            change,
            print_error: None,
        })
    }

    /// The card side: a sale is charged; a return is refunded to the card of the latest payment
    /// that can take it (seed 000 gives a return no reference to the sale it returns).
    async fn charge(&self, doc: &DocumentRow, amount: i64) -> Result<PaymentRow, CoreError> {
        // A return goes back through the terminal that took the original payment.
        let (terminal, original, command) = match doc_kind(doc) {
            DocKind::Sale => (
                self.terminal_of(&doc.device)?,
                None,
                Command::Pay { amount },
            ),
            DocKind::Return => {
                let original = self
                    .journal()
                    .refundable_payment(amount)?
                    .ok_or(CoreError::PaymentNotFound)?;
                let rrn = original.rrn.clone().unwrap_or_default();
                (
                    self.terminal_of_payment(&original)?,
                    Some(original),
                    Command::Refund { rrn, amount },
                )
            }
        };
        match self
            .operate(terminal, doc.id, original.as_ref(), command)
            .await?
        {
            Ended::Approved(row) => {
                self.journal()
                    .set_document_state(doc.id, DocumentState::Paid, None)?;
                Ok(row)
            }
            Ended::Declined { code, text } => Err(CoreError::PaymentDeclined { code, text }),
        }
    }

    async fn fiscalize_paid(
        &self,
        lane: &Turn,
        doc: &DocumentRow,
        body: &DocumentBody,
        paid_now: Tendered,
        payment: Option<&PaymentRow>,
    ) -> Result<Paid, CoreError> {
        let Tendered { tender, change, .. } = paid_now;
        match self
            .fiscalize(lane, doc, body, tender.register_payments(change))
            .await
        {
            Ok(fiscal) => {
                if self.crash.is_some() {
                    // The crash point's promise: the outcome is on disk, the reply not sent.
                    self.durable().await?;
                }
                self.crash_point(super::CrashPoint::BeforeReply);
                let card = payment.map(|p| card_of(p, None));
                // The card part charged here with its RRN; one paid elsewhere (a correction's, a
                // client's own terminal's) as recorded.
                let rrn = card.as_ref().map_or("", |c| c.rrn.as_str());
                let printed = PaidBy::tendered(&tender, change, rrn);
                let print_error = self.print_copy(doc, body, &fiscal, printed).await;
                Ok(Paid {
                    document_id: doc.id,
                    card,
                    fiscal,
                    change,
                    print_error,
                })
            }
            Err(NotFiscalized::ShiftNotOpen(shift)) if paid_now.reopenable => {
                // Nothing moved and nothing was registered: the document waits for its payment
                // again, as when `pay` finds the shift not open before the receipt.
                self.journal()
                    .set_document_state(doc.id, DocumentState::Created, None)?;
                Err(shift)
            }
            Err(NotFiscalized::ShiftNotOpen(shift)) => {
                self.refused(doc, payment, shift.to_string()).await
            }
            Err(NotFiscalized::Refused(reason)) => self.refused(doc, payment, reason).await,
            Err(NotFiscalized::Unknown(why)) => Err(CoreError::OutcomeUnknown(why)),
            Err(NotFiscalized::Failed(e)) => Err(e),
        }
    }

    /// The register refused the receipt: the card payment goes back, the document is cancelled.
    async fn refused(
        &self,
        doc: &DocumentRow,
        payment: Option<&PaymentRow>,
        reason: String,
    ) -> Result<Paid, CoreError> {
        let card = match payment {
            Some(p) if self.reverse(p).await => Reversal::Reversed,
            Some(_) => Reversal::NotReversed,
            None => Reversal::NothingPaid,
        };
        let _ = self
            .journal()
            .set_document_state(doc.id, DocumentState::Cancelled, None);
        Err(CoreError::ReceiptRefused { reason, card })
    }

    /// Gives the money back for a payment whose receipt was refused; true when it went back.
    async fn reverse(&self, payment: &PaymentRow) -> bool {
        let Ok(terminal) = self.terminal_of_payment(payment) else {
            return false;
        };
        let Some(auth_id) = payment.auth_id.and_then(|a| u32::try_from(a).ok()) else {
            return false;
        };
        match self
            .operate(
                terminal,
                payment.document_id,
                Some(payment),
                Command::Reversal { auth_id },
            )
            .await
        {
            Ok(Ended::Approved(_)) => true,
            Ok(Ended::Declined { code, text }) => {
                tracing::error!(payment = payment.id, code, "reversal declined: {text}");
                false
            }
            Err(e) => {
                tracing::error!(payment = payment.id, "reversal: {e}");
                false
            }
        }
    }

    /// Whether a document is still unpaid and unregistered with no card operation that may
    /// have charged it (none, or each one declined or shown not done by the terminal).
    pub fn nothing_moved(&self, document_id: i64) -> Result<bool, CoreError> {
        let journal = self.journal();
        let doc = journal
            .document(document_id)?
            .ok_or(CoreError::NoOpenDocument)?;
        let card = journal.payment_of(document_id)?.map(|p| p.state);
        let unpaid = matches!(doc.state, DocumentState::Created | DocumentState::Cancelled);
        Ok(unpaid
            && matches!(
                card,
                None | Some(
                    PaymentState::Declined | PaymentState::NotDone | PaymentState::Reversed
                )
            ))
    }

    /// The total a journaled document comes to.
    pub fn document_total(&self, document_id: i64) -> Result<i64, CoreError> {
        Ok(self
            .journal()
            .document(document_id)?
            .ok_or(CoreError::NoOpenDocument)?
            .total)
    }

    /// Whether a document still waits for its payment or its receipt (a face may resume it).
    pub fn is_open(&self, document_id: i64) -> Result<bool, CoreError> {
        Ok(self
            .journal()
            .document(document_id)?
            .is_some_and(|d| d.state.is_open()))
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

impl Core {
    /// Checks one code with the lane's register before it is sold, for a POS that asks before
    /// adding the item (WebSocket `check_marking_code`): the verdict under the lane's policy,
    /// `accepted` saying whether a sale would take it. The code is declined on the register at
    /// once, so nothing waits in the fiscal drive; the sale checks it again on its own turn.
    pub async fn check_marking_code(
        &self,
        device: &str,
        code: &str,
        returned: bool,
    ) -> Result<marking::CheckRecord, CoreError> {
        marking::validate(1, code, 1000, marking::PIECE)?;
        let register = self.fiscal_register(device).await?;
        let _turn = self.turn(device).await;
        let check = MarkingCheck {
            marking: marking::marking(returned, marking::PIECE, code),
            quantity: 1000,
            measure: marking::PIECE,
        };
        let result = register.check_marking_code(check).await?;
        let record = marking::CheckRecord::of(&result, self.lanes.of(device).accept_on_bad_marking);
        register
            .decide_marking_code(MarkingDecision::Decline)
            .await?;
        tracing::info!(device, verdict = ?record.verdict, "marking code checked ahead of a sale");
        Ok(record)
    }

    /// Checks every marked line of the document with its register and accepts or declines each
    /// code, on the lane's turn and before any money moves. A code that is not confirmed fails
    /// the sale (`MarkingRejected`, the code declined on the register) unless the lane's policy
    /// sells it; `force` sells every code whatever the verdict, for a document whose money has
    /// already moved. Every verdict is journaled in the document's body.
    pub(super) async fn check_marking(
        &self,
        doc: &DocumentRow,
        body: &DocumentBody,
        force: bool,
    ) -> Result<(), CoreError> {
        if body.lines.iter().all(|l| l.marking.is_none()) {
            return Ok(());
        }
        // The verdicts are journaled with the body; the register is given the codes alone.
        let mut body = body.clone();
        let register = self.register(Some(&doc.device))?;
        let accept_on_bad = force || self.lanes.of(&doc.device).accept_on_bad_marking;
        let mut refused = None;
        for (index, line) in body.lines.iter_mut().enumerate() {
            let BodyLine {
                marking: Some(item),
                quantity,
                measure,
                ..
            } = line
            else {
                continue;
            };
            let check = MarkingCheck {
                marking: marking::marking(body.kind == DocKind::Return, *measure, &item.code),
                quantity: *quantity,
                measure: *measure,
            };
            let result = register.check_marking_code(check).await?;
            let record = marking::CheckRecord::of(&result, accept_on_bad);
            let decision = if record.accepted {
                MarkingDecision::Accept
            } else {
                MarkingDecision::Decline
            };
            register.decide_marking_code(decision).await?;
            let rejected = (!record.accepted).then(|| CoreError::MarkingRejected {
                line: index + 1,
                message: record.message.clone(),
            });
            item.check = Some(record);
            // Nothing is sold: the codes after it need no check.
            if rejected.is_some() {
                refused = rejected;
                break;
            }
        }
        let value = serde_json::to_value(&body).map_err(CoreError::internal)?;
        self.journal().set_document_body(doc.id, &value)?;
        match refused {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cash_above_the_total_is_change_and_nothing_else_may_exceed_it() {
        let cash = Tender {
            cash: 60_000,
            ..Tender::default()
        };
        assert_eq!(cash.change_for(52_600).unwrap(), 7_400);
        // The register is told the cash due, and the cash tendered with its change.
        let told = cash.register_payments(7_400);
        assert_eq!(
            (told.cash, told.cash_received, told.change),
            (52_600, 60_000, 7_400)
        );
        let card_over = Tender {
            cash: 100,
            cashless: 1_000,
            ..Tender::default()
        };
        assert!(matches!(
            card_over.change_for(900),
            Err(CoreError::AmountMismatch { .. })
        ));
        assert!(matches!(
            Tender::card(899).change_for(900),
            Err(CoreError::AmountMismatch { .. })
        ));
    }

    #[test]
    fn parts_that_overflow_or_are_negative_are_refused() {
        let wraps = Tender {
            cash: i64::MAX,
            credit: i64::MAX,
            cashless: 102,
            ..Tender::default()
        };
        assert_eq!(wraps.total(), None);
        assert!(matches!(
            wraps.change_for(100),
            Err(CoreError::InvalidInput(_))
        ));
        let negative = Tender {
            cash: 200,
            cashless: -100,
            ..Tender::default()
        };
        assert!(matches!(
            negative.change_for(100),
            Err(CoreError::InvalidInput(_))
        ));
    }
}
