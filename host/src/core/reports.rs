//! What the REST face (seed 001's siblings of `/sale`) needs beside sales: the register's X
//! report, cash in and out, the shift's state, the last fiscalized document, a reprint of a
//! fiscalized document, and the refund of a whole (or part of a) fiscalized sale found by its
//! fiscal sign: the cash part back in cash, the card part through the terminal by its RRN, then
//! the return receipt.

use super::fiscal::{PaidBy, fiscal_of};
use super::sale::{card_of, tender_of};
use super::terminal::{Command, Ended};
use super::{CardPayment, Core, CoreError, FiscalRecord};
use crate::journal::{DocumentKind, DocumentRow, PaymentState};
use crate::plugins::contract::register::ReceiptPayments;
use crate::plugins::contract::register::{Cashier, ShiftState};

fn cashier(name: &str) -> Result<Cashier, CoreError> {
    if name.trim().is_empty() {
        return Err(CoreError::InvalidInput("cashier is empty".into()));
    }
    Ok(Cashier {
        name: name.to_owned(),
        tax_id: None,
    })
}

/// The register's shift as it reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShiftStatus {
    pub open: bool,
    pub expired: bool,
    /// The current shift's number, or the last one's when closed.
    pub number: u32,
}

/// A fiscalized document as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalDocument {
    pub document_id: i64,
    /// A sale or a return.
    pub kind: DocumentKind,
    pub total: i64,
    pub fiscal: FiscalRecord,
    /// The card part, when there was one.
    pub card: Option<CardPayment>,
}

/// The answer to a refund of a fiscalized document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refunded {
    /// The return document.
    pub document_id: i64,
    pub cash: i64,
    pub cashless: i64,
    /// The terminal's answer to the card part.
    pub card: Option<CardPayment>,
    pub return_receipt: FiscalRecord,
}

impl Core {
    /// X report: the shift's totals so far, printed by the register.
    pub async fn x_report(&self, device: &str, cashier_name: &str) -> Result<(), CoreError> {
        let who = cashier(cashier_name)?;
        self.fiscal_register(device).await?.x_report(who).await?;
        Ok(())
    }

    /// Cash in ("внесение") of `amount` into the register's drawer.
    pub async fn deposit(
        &self,
        device: &str,
        cashier_name: &str,
        amount: i64,
    ) -> Result<(), CoreError> {
        let who = cashier(cashier_name)?;
        if amount <= 0 {
            return Err(CoreError::InvalidInput("amount must be above 0".into()));
        }
        self.fiscal_register(device)
            .await?
            .cash_in(who, amount)
            .await?;
        Ok(())
    }

    /// Cash out ("выплата") of `amount` from the register's drawer.
    pub async fn withdraw(
        &self,
        device: &str,
        cashier_name: &str,
        amount: i64,
    ) -> Result<(), CoreError> {
        let who = cashier(cashier_name)?;
        if amount <= 0 {
            return Err(CoreError::InvalidInput("amount must be above 0".into()));
        }
        self.fiscal_register(device)
            .await?
            .cash_out(who, amount)
            .await?;
        Ok(())
    }

    pub async fn shift_status(&self, device: &str) -> Result<ShiftStatus, CoreError> {
        let status = self.register(Some(device))?.status().await?;
        Ok(ShiftStatus {
            open: status.shift == ShiftState::Open,
            expired: status.shift == ShiftState::Expired,
            number: status.shift_number,
        })
    }

    fn fiscal_document(&self, doc: &DocumentRow) -> Result<Option<FiscalDocument>, CoreError> {
        let Some(fiscal) = fiscal_of(doc) else {
            return Ok(None);
        };
        let card = self
            .journal()
            .payment_of(doc.id)?
            .filter(|p| p.rrn.is_some())
            .map(|p| card_of(&p, None));
        Ok(Some(FiscalDocument {
            document_id: doc.id,
            kind: doc.kind,
            total: doc.total,
            fiscal,
            card,
        }))
    }

    /// The latest fiscalized document of the register, whichever face made it.
    pub fn last_document(&self, device: &str) -> Result<Option<FiscalDocument>, CoreError> {
        let doc = self.journal().last_fiscalized(device)?;
        match doc {
            Some(doc) => self.fiscal_document(&doc),
            None => Ok(None),
        }
    }

    /// The fiscalized document with this fiscal sign (ФП).
    pub fn document_by_fiscal_sign(
        &self,
        fiscal_sign: &str,
    ) -> Result<Option<FiscalDocument>, CoreError> {
        let doc = self.journal().document_by_fiscal_sign(fiscal_sign)?;
        match doc {
            Some(doc) => self.fiscal_document(&doc),
            None => Ok(None),
        }
    }

    /// Prints a copy of a fiscalized document on the receipt printer; nothing is fiscalized.
    /// `Ok(Some(why))` when the copy could not be printed.
    pub async fn reprint(&self, document_id: i64) -> Result<Option<String>, CoreError> {
        let doc = self
            .journal()
            .document(document_id)?
            .ok_or(CoreError::NoOpenDocument)?;
        let fiscal = fiscal_of(&doc).ok_or(CoreError::NoOpenDocument)?;
        let tender = tender_of(&doc);
        let rrn = self
            .journal()
            .payment_of(doc.id)?
            .and_then(|p| p.rrn)
            .unwrap_or_default();
        let printed = match tender {
            Some(t) => PaidBy::tendered(&t, t.change_of(doc.total), &rrn),
            // A return registered by the core (no tender journaled): paid back as registered.
            None if !rrn.is_empty() => PaidBy::card_only(doc.total, &rrn),
            None => {
                let mut cash = PaidBy::default();
                cash.cash(doc.total, 0);
                cash
            }
        };
        // A body that does not read is a copy that cannot print, as any other print error.
        let body = match super::fiscal::body(&doc) {
            Ok(body) => body,
            Err(e) => return Ok(Some(e.to_string())),
        };
        Ok(self.print_copy(&doc, &body, &fiscal, printed).await)
    }

    /// Refunds a fiscalized sale found by its fiscal sign: all that is left of it when `amount`
    /// is none, else `amount`. The card part goes back first through the terminal (refund by
    /// the payment's RRN, up to what is left of the card payment), the rest in cash (up to the
    /// sale's cash and other non-card parts); then the return receipt is registered with that
    /// split. `PaymentNotFound` when nothing (or less than `amount`) is left to refund.
    pub async fn refund_document(
        &self,
        fiscal_sign: &str,
        amount: Option<i64>,
    ) -> Result<Refunded, CoreError> {
        let sale = self
            .journal()
            .document_by_fiscal_sign(fiscal_sign)?
            .ok_or(CoreError::PaymentNotFound)?;
        if sale.kind != DocumentKind::Sale || fiscal_of(&sale).is_none() {
            return Err(CoreError::InvalidInput(format!(
                "document {} is not a fiscalized sale",
                sale.id
            )));
        }
        let left = sale.total - self.journal().returned_amount(sale.id)?;
        let amount = amount.unwrap_or(left);
        if amount <= 0 || amount > left {
            return Err(CoreError::PaymentNotFound);
        }
        let paid_by_card = self.journal().payment_of(sale.id)?;
        if let Some(p) = &paid_by_card {
            // What is left of the card payment counts refunds whose answers were lost.
            self.settle_pending(self.terminal_of_payment(p)?).await?;
        }
        let payment = self
            .journal()
            .payment_of(sale.id)?
            .filter(|p| p.state == PaymentState::Approved && p.rrn.is_some());
        let card_left = payment.as_ref().map_or(0, |p| p.amount - p.refunded);
        let cashless = amount.min(card_left);
        let cash = amount - cashless;
        // No money moves for a return receipt the register could not take.
        self.require_open_shift(&sale.device).await?;
        let mut card = None;
        if let Some(p) = payment.as_ref().filter(|_| cashless > 0) {
            let terminal = self.terminal_of_payment(p)?;
            let command = Command::Refund {
                rrn: p.rrn.clone().unwrap_or_default(),
                amount: cashless,
            };
            match self
                .operate(terminal, p.document_id, Some(p), command)
                .await?
            {
                Ended::Approved(row) => card = Some(card_of(p, row.details.as_ref())),
                Ended::Declined { code, text } => {
                    return Err(CoreError::PaymentDeclined { code, text });
                }
            }
        }
        let payments = ReceiptPayments {
            cash,
            cashless,
            ..ReceiptPayments::default()
        };
        let rrn = card.as_ref().map(|c| c.rrn.clone()).unwrap_or_default();
        let fiscal = self
            .register_return(&sale, amount, payments, |_| {
                let mut printed = PaidBy::default();
                if cash > 0 {
                    printed.cash(cash, 0);
                }
                if cashless > 0 {
                    printed.card(cashless, &rrn);
                }
                printed
            })
            .await?;
        let document_id = self
            .journal()
            .document_by_fiscal_sign(&fiscal.fiscal_sign)?
            .map_or(0, |d| d.id);
        Ok(Refunded {
            document_id,
            cash,
            cashless,
            card,
            return_receipt: fiscal,
        })
    }
}
