//! Money back: a reversal by `auth_id` or a refund by `rrn` and amount. When the payment's
//! sale was fiscalized, the host registers the matching return receipt itself, so money and
//! books never disagree.

use super::document::{DocKind, DocumentBody};
use super::fiscal::{NotFiscalized, PaidBy};
use super::terminal::{Command, Ended};
use super::{Cancelled, Core, CoreError, FiscalRecord};
use crate::journal::{DocumentKind, DocumentRow, NewDocument, PaymentRow, PaymentState};
use crate::plugins::contract::register::ReceiptPayments;

/// The terminal's response code of an approved operation (0 unless it said otherwise).
fn response_code(row: &PaymentRow) -> u32 {
    row.details
        .as_ref()
        .and_then(|d| d["response_code"].as_u64())
        .unwrap_or(0) as u32
}

impl Core {
    /// Reverses the payment with this `auth_id` on the register lane's terminal (seed 000
    /// `cancel_payment`), once: a payment reversed already (also by an earlier request whose
    /// answer was lost, which the terminal settles first) is not found again.
    pub async fn cancel_payment(
        &self,
        register: &str,
        auth_id: i64,
    ) -> Result<Cancelled, CoreError> {
        let terminal = self.terminal_of(register)?;
        self.settle_pending(terminal).await?;
        let payment = self
            .journal()
            .payment_by_auth_id(terminal.id(), auth_id)?
            .filter(|p| p.state == PaymentState::Approved && p.refunded == 0)
            .ok_or(CoreError::PaymentNotFound)?;
        let auth_id = u32::try_from(auth_id).map_err(|_| CoreError::PaymentNotFound)?;
        let sale = self.sale_to_return(&payment).await?;
        let response_code = match self
            .operate(
                terminal,
                payment.document_id,
                Some(&payment),
                Command::Reversal { auth_id },
            )
            .await?
        {
            Ended::Approved(row) => response_code(&row),
            Ended::Declined { code, text } => {
                return Err(CoreError::PaymentDeclined { code, text });
            }
        };
        let return_receipt = self.return_for(sale, &payment, payment.amount).await?;
        Ok(Cancelled {
            response_code,
            return_receipt,
        })
    }

    /// Refunds `amount` of the payment with this `rrn` (seed 000 `cancel_payment_by_link`).
    pub async fn refund_by_link(&self, rrn: &str, amount: i64) -> Result<Cancelled, CoreError> {
        if amount <= 0 {
            return Err(CoreError::InvalidInput("amount must be above 0".into()));
        }
        let found = self.journal().payment_by_rrn(rrn)?;
        let terminal =
            self.terminal_of_payment(found.as_ref().ok_or(CoreError::PaymentNotFound)?)?;
        // What is left of the payment counts refunds whose answers were lost, once settled.
        self.settle_pending(terminal).await?;
        let payment = self
            .journal()
            .payment_by_rrn(rrn)?
            .filter(|p| p.state == PaymentState::Approved && p.amount - p.refunded >= amount)
            .ok_or(CoreError::PaymentNotFound)?;
        let sale = self.sale_to_return(&payment).await?;
        let command = Command::Refund {
            rrn: rrn.to_owned(),
            amount,
        };
        let response_code = match self
            .operate(terminal, payment.document_id, Some(&payment), command)
            .await?
        {
            Ended::Approved(row) => response_code(&row),
            Ended::Declined { code, text } => {
                return Err(CoreError::PaymentDeclined { code, text });
            }
        };
        let return_receipt = self.return_for(sale, &payment, amount).await?;
        Ok(Cancelled {
            response_code,
            return_receipt,
        })
    }

    /// The fiscalized sale whose money a payment's refund gives back, which then needs a return
    /// receipt, and that an open shift: asked before the money moves, so a closed shift refuses
    /// the refund instead of leaving money returned without its receipt. `None`: no receipt is
    /// owed (the sale was never fiscalized).
    async fn sale_to_return(&self, payment: &PaymentRow) -> Result<Option<DocumentRow>, CoreError> {
        let sale = self
            .journal()
            .document(payment.document_id)?
            .ok_or_else(|| CoreError::internal("the payment's document vanished"))?;
        if !needs_return_receipt(&sale) {
            return Ok(None);
        }
        self.require_open_shift(&sale.device).await?;
        Ok(Some(sale))
    }

    /// Registers the return receipt for money given back on a fiscalized sale: the sale's own
    /// lines when all of it went back, otherwise one line for the part, taxed at the rate of
    /// the sale's largest line.
    async fn return_for(
        &self,
        sale: Option<DocumentRow>,
        payment: &PaymentRow,
        amount: i64,
    ) -> Result<Option<FiscalRecord>, CoreError> {
        let Some(sale) = sale else {
            return Ok(None);
        };
        let rrn = payment.rrn.clone().unwrap_or_default();
        let payments = ReceiptPayments {
            cash: 0,
            cashless: amount,
            ..ReceiptPayments::default()
        };
        let fiscal = self
            .register_return(&sale, amount, payments, |total| {
                PaidBy::card_only(total, &rrn)
            })
            .await?;
        Ok(Some(fiscal))
    }

    /// Registers the return receipt of `amount` of a fiscalized sale, paid back as `payments`
    /// (which must add up to `amount`), and prints its copy with the payments `printed` makes
    /// of the return's total. Shared by the refunds here and the REST face's whole-document
    /// refund (core/reports.rs).
    pub(super) async fn register_return(
        &self,
        sale: &DocumentRow,
        amount: i64,
        payments: ReceiptPayments,
        printed: impl FnOnce(i64) -> PaidBy,
    ) -> Result<FiscalRecord, CoreError> {
        let sale_body = super::fiscal::body(sale)?;
        let body = if amount == sale_body.total {
            DocumentBody {
                kind: DocKind::Return,
                ..sale_body
            }
        } else {
            let largest = sale_body
                .lines
                .iter()
                .max_by_key(|l| l.amount)
                .ok_or_else(|| CoreError::internal("a sale without lines"))?;
            let spec = match largest.vat {
                super::document::VatRecord::Rate(r) => super::document::TaxSpec::Percent(r),
                super::document::VatRecord::Computed(r) => super::document::TaxSpec::Computed(r),
                super::document::VatRecord::None => super::document::TaxSpec::Exempt,
            };
            let line = super::SaleLine::in_price(
                format!("Частичный возврат: {}", largest.name),
                None,
                amount,
                1000,
                spec,
            );
            self.tax(&sale.device, DocKind::Return, &[line]).await?
        };
        let request = serde_json::json!({ "return_of": sale.id, "amount": amount }).to_string();
        let id = self.journal().insert_document(&NewDocument {
            device: &sale.device,
            kind: DocKind::Return.journal_kind(),
            cashier: &sale.cashier,
            total: body.total,
            body: &body,
            request: &request,
            refers_to: Some(sale.id),
        })?;
        let doc = self.journal().document(id)?.expect("just written");
        let lane = self.turn(&sale.device).await;
        match self.fiscalize(&lane, &doc, &body, payments).await {
            Ok(fiscal) => {
                let _ = self
                    .print_copy(&doc, &body, &fiscal, printed(body.total))
                    .await;
                Ok(fiscal)
            }
            Err(NotFiscalized::Failed(e)) => Err(e),
            // The money went back but the return receipt did not register: say so loudly; the
            // journal keeps the return document in `created` for a retry.
            Err(not) => Err(CoreError::OutcomeUnknown(format!(
                "the money was returned, the return receipt (document {id}) is not registered: {}",
                not.reason()
            ))),
        }
    }
}

/// A sale the register has fiscalized: giving its money back takes a return receipt.
fn needs_return_receipt(sale: &DocumentRow) -> bool {
    sale.kind == DocumentKind::Sale && sale.state.is_fiscalized()
}
