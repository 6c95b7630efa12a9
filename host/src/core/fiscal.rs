//! Fiscalization of a journaled document: the intent (with the register's last document number
//! before, so recovery can tell what happened) is synced before the receipt goes to the
//! register, the outcome after; then a copy is laid out and printed on the receipt printer.

use serde_json::{Value, json};

use super::answers::{device_text, iso, refused_by_device};
use super::crash::CrashPoint;
use super::document::{DocKind, DocumentBody};
use super::price;
use super::terminal::Turn;
use super::{Core, CoreError, FiscalRecord, Lane};
use crate::journal::{DocumentRow, DocumentState, IntentOperation, IntentState};
use crate::plugins::contract::layout;
use crate::plugins::contract::register::{
    Cashier, CorrectionReceipt, ErrorClass, FiscalReceipt, FiscalResult, ReceiptItem,
    ReceiptPayments,
};
use crate::plugins::contract::types::DateTime;

/// How fiscalization ended when it did not succeed.
pub(super) enum NotFiscalized {
    /// The register refused the receipt (its own error): nothing was registered.
    Refused(String),
    /// The register refused the receipt because its shift is not open (closed, or open for 24
    /// hours): nothing was registered. `CoreError::ShiftClosed` or `ShiftExpired`, as a check
    /// of the shift before the receipt would have said.
    ShiftNotOpen(CoreError),
    /// The register's answer was lost and asking it afterwards did not settle the question.
    Unknown(String),
    /// The core could not even start (journal or configuration).
    Failed(CoreError),
}

impl NotFiscalized {
    /// What the register or the core said, as text.
    pub fn reason(&self) -> String {
        match self {
            NotFiscalized::Refused(why) | NotFiscalized::Unknown(why) => why.clone(),
            NotFiscalized::ShiftNotOpen(e) | NotFiscalized::Failed(e) => e.to_string(),
        }
    }
}

pub(super) fn record(result: &FiscalResult) -> FiscalRecord {
    FiscalRecord {
        shift_number: result.shift_number,
        receipt_number: result.receipt_number,
        document_number: result.document_number,
        fiscal_sign: result.fiscal_sign.clone(),
        fn_number: result.fn_number.clone(),
        registration_number: result.registration_number.clone(),
        date_time: iso(&result.date_time),
    }
}

pub(super) fn body(doc: &DocumentRow) -> Result<DocumentBody, CoreError> {
    // Straight from the journaled text: through a `Value` first (a map node and a string for
    // every field of ten lines, then dropped) it cost twice the instructions (issue 20).
    serde_json::from_str(&doc.body_json)
        .map_err(|e| CoreError::internal(format!("document {}: {e}", doc.id)))
}

/// What the register is asked to register: a receipt, or a correction receipt when the body
/// carries a correction (`core::correction`).
enum RegisterDocument {
    Receipt(FiscalReceipt),
    Correction(CorrectionReceipt),
}

fn register_document(
    doc: &DocumentRow,
    body: &DocumentBody,
    payments: ReceiptPayments,
) -> RegisterDocument {
    let items = items(body);
    match &body.correction {
        Some(correction) => RegisterDocument::Correction(CorrectionReceipt {
            kind: body.kind.calculation(),
            correction: correction.contract(),
            cashier: cashier(&doc.cashier),
            items,
            payments,
            total: body.total,
            taxation_system: 0,
        }),
        None => RegisterDocument::Receipt(FiscalReceipt {
            kind: body.kind.calculation(),
            cashier: cashier(&doc.cashier),
            items,
            payments,
            total: body.total,
            taxation_system: 0,
            customer_contact: body.customer_contact.clone(),
            footer: Vec::new(),
        }),
    }
}

/// The register's items of a body. The one unit-price rule: each item's price × quantity
/// (rounded half up) is its amount, the discount folded into the price; a line with no such
/// price goes as two items.
fn items(body: &DocumentBody) -> Vec<ReceiptItem> {
    body.lines
        .iter()
        .flat_map(|l| {
            price::register_items(l.price, l.quantity, l.amount, l.tax)
                .into_iter()
                .map(|item| ReceiptItem {
                    name: l.name.clone(),
                    price: item.price,
                    quantity: item.quantity,
                    amount: item.amount,
                    vat: l.vat.into(),
                    vat_code: l.vat_code,
                    tax: item.tax,
                    subject: 1,
                    method: 4,
                    measure: l.measure,
                    // Checked and accepted on this register on the sale's turn.
                    marking: l.marking.as_ref().map(|m| {
                        super::marking::marking(body.kind == DocKind::Return, l.measure, &m.code)
                    }),
                })
        })
        .collect()
}

impl Core {
    /// Registers the document on its register, on the lane's turn. On success the document is
    /// `fiscalized`.
    pub(super) async fn fiscalize(
        &self,
        lane: &Turn,
        doc: &DocumentRow,
        body: &DocumentBody,
        payments: ReceiptPayments,
    ) -> Result<FiscalRecord, NotFiscalized> {
        debug_assert_eq!(
            lane.device(),
            doc.device,
            "fiscalized on another lane's turn"
        );
        let register = self
            .register(Some(&doc.device))
            .map_err(NotFiscalized::Failed)?;
        // Every earlier receipt of this register is settled before another goes out (see
        // `settle_register`); this document's own earlier attempt among them.
        let resolved = match self.settle_register(lane).await {
            Ok(resolved) => resolved,
            Err((pending, why)) => {
                return Err(if pending == doc.id {
                    NotFiscalized::Unknown(format!(
                        "an earlier attempt of this receipt is unresolved: {why}; nothing was sent again"
                    ))
                } else {
                    NotFiscalized::Failed(CoreError::DeviceUnavailable(format!(
                        "the register cannot say yet what became of the receipt of document {pending} \
                     ({why}); nothing was sent"
                    )))
                });
            }
        };
        if resolved.fiscalized.contains(&doc.id)
            && let Some(fiscal) = self
                .journal()
                .document(doc.id)
                .map_err(|e| NotFiscalized::Failed(e.into()))?
                .as_ref()
                .and_then(fiscal_of)
        {
            return Ok(fiscal);
        }
        // The last document before ours: recovery compares the register's last document with it.
        let last_before = register
            .last_fiscal_document()
            .await
            .map_err(|e| NotFiscalized::Failed(e.into()))?
            .document_number;
        let intent = self
            .journal()
            .begin_intent(
                Some(doc.id),
                &doc.device,
                IntentOperation::RegisterReceipt,
                &json!({ "last_before": last_before, "total": body.total }),
            )
            .map_err(|e| NotFiscalized::Failed(e.into()))?;
        // The intent must be on disk before the register hears of the receipt.
        self.durable().await.map_err(NotFiscalized::Failed)?;
        self.crash_point(CrashPoint::AfterIntent);
        let answer = match register_document(doc, body, payments) {
            RegisterDocument::Receipt(receipt) => register.register_receipt(receipt).await,
            RegisterDocument::Correction(receipt) => register.register_correction(receipt).await,
        };
        self.crash_point(CrashPoint::AfterExchange);
        match answer {
            Ok(result) => {
                let fiscal = record(&result);
                self.note_fiscalized(doc.id, intent, &fiscal)
                    .map_err(NotFiscalized::Failed)?;
                Ok(fiscal)
            }
            Err(e) if refused_by_device(&e) => {
                let _ = self.journal().finish_intent(
                    intent,
                    IntentState::Failed,
                    &json!({ "refused": e.to_string() }),
                );
                Err(match e.class() {
                    Some(ErrorClass::ShiftClosed | ErrorClass::ShiftExpired) => {
                        NotFiscalized::ShiftNotOpen(e.into())
                    }
                    _ => NotFiscalized::Refused(e.to_string()),
                })
            }
            // The answer was lost: ask the register what it registered, do not guess.
            Err(e) => match self
                .resolve_receipt_intent(lane, doc.id, intent, last_before, body.total)
                .await
            {
                Ok(Some(fiscal)) => Ok(fiscal),
                Ok(None) => Err(NotFiscalized::Refused(e.to_string())),
                Err(why) => Err(NotFiscalized::Unknown(format!(
                    "{e}; asking the register afterwards: {why}"
                ))),
            },
        }
    }

    pub(super) fn note_fiscalized(
        &self,
        doc_id: i64,
        intent: i64,
        fiscal: &FiscalRecord,
    ) -> Result<(), CoreError> {
        let value = serde_json::to_value(fiscal).map_err(CoreError::internal)?;
        let mut journal = self.journal();
        journal.finish_intent(intent, IntentState::Done, &value)?;
        journal.set_document_state(doc_id, DocumentState::Fiscalized, Some(&value))?;
        Ok(())
    }

    /// Prints a copy laid out by the layout plugin on the receipt printer, if there is one.
    /// The register has printed its own receipt; a failure here loses nothing fiscal.
    pub(super) async fn print_copy(
        &self,
        doc: &DocumentRow,
        body: &DocumentBody,
        fiscal: &FiscalRecord,
        paid: PaidBy,
    ) -> Option<String> {
        let printer = self.devices.printer_of(&doc.device)?.clone();
        let copy = Copy {
            cashier: &doc.cashier,
            number: doc.id.to_string(),
            body,
            fiscal,
        };
        let receipt = layout_receipt(self.lanes.of(&doc.device), copy, paid);
        let plugin = self.plugins.layout();
        // The width the printer said it prints; a printer that does not say gets the layout's
        // middle one (80 mm paper in a small font, 42).
        let width = printer.paper_width().await.ok().flatten().unwrap_or(42);
        let elements =
            match tokio::task::spawn_blocking(move || plugin.render(receipt, width)).await {
                Ok(Ok(Ok(elements))) => elements,
                Ok(Ok(Err(e))) => return Some(format!("layout: {e:?}")),
                Ok(Err(e)) => return Some(format!("layout: {}", CoreError::plugin(&e))),
                Err(e) => return Some(format!("layout: {}", CoreError::internal(e))),
            };
        match printer.print(elements).await {
            Ok(()) => {
                let _ = self
                    .journal()
                    .set_document_state(doc.id, DocumentState::Printed, None);
                None
            }
            Err(e) => Some(device_text(e)),
        }
    }
}

/// The seller's requisites as the lane's copies print them (`[organisation]` or the lane's own):
/// the place of settlement first among the header's lines, then `lines`.
pub(super) fn header(lane: &Lane, lines: Vec<String>) -> layout::Header {
    let organisation = &lane.organisation;
    layout::Header {
        organisation: organisation.name.clone().unwrap_or_default(),
        tax_id: organisation.tax_id.clone(),
        address: organisation.address.clone(),
        lines: organisation.place.iter().cloned().chain(lines).collect(),
    }
}

/// What a copy prints of a document: its cashier and number, its figures and requisites.
pub(super) struct Copy<'a> {
    pub cashier: &'a str,
    pub number: String,
    pub body: &'a DocumentBody,
    pub fiscal: &'a FiscalRecord,
}

/// A copy of a fiscal document as the layout plugin is given it.
pub(super) fn layout_receipt(lane: &Lane, copy: Copy<'_>, paid: PaidBy) -> layout::Receipt {
    let Copy {
        cashier: cashier_name,
        number,
        body,
        fiscal,
    } = copy;
    let dt = parse_iso(&fiscal.date_time);
    let taxes = tax_totals(&body.lines);
    layout::Receipt {
        header: header(lane, vec![]),
        kind: body.kind.calculation(),
        country: lane.country.code().into(),
        tax_id_label: lane.country.taxpayer_label().into(),
        tax_name: lane.country.tax_name().into(),
        currency: lane.currency.into(),
        cashier: Some(cashier(cashier_name)),
        document_number: Some(number),
        date_time: dt,
        lines: body
            .lines
            .iter()
            .map(|l| layout::ReceiptLine {
                name: l.name.clone(),
                price: l.price,
                quantity: l.quantity,
                unit: None,
                discount: l.discount,
                amount: l.amount,
                vat: l.vat.into(),
                tax: l.tax,
                marked: l.marking.is_some(),
            })
            .collect(),
        payments: paid.payments,
        cash_received: paid.cash_received,
        change: paid.change,
        taxes,
        total: body.total,
        fiscal: Some(layout::FiscalRequisites {
            fn_number: fiscal.fn_number.clone(),
            document_number: fiscal.document_number,
            fiscal_sign: fiscal.fiscal_sign.clone(),
            shift_number: fiscal.shift_number,
            receipt_number: fiscal.receipt_number,
            registration_number: fiscal.registration_number.clone(),
            date_time: dt,
        }),
        correction: body.correction.as_ref().map(|c| c.contract()),
        customer_contact: body.customer_contact.clone(),
        footer: vec![],
    }
}

/// A cashier as a receipt names them; no taxpayer number is configured for cashiers yet.
pub(super) fn cashier(name: &str) -> Cashier {
    Cashier {
        name: name.to_owned(),
        tax_id: None,
    }
}

/// The per-rate totals a receipt prints: sums of the line figures, in order of appearance.
pub(super) fn tax_totals(lines: &[super::document::BodyLine]) -> Vec<layout::TaxTotal> {
    let mut taxes: Vec<layout::TaxTotal> = Vec::new();
    for line in lines {
        let vat: layout::Vat = line.vat.into();
        match taxes.iter_mut().find(|t| t.vat == vat) {
            Some(t) => {
                t.amount += line.amount;
                t.taxed_base += line.taxed_base.unwrap_or(line.amount);
                t.tax += line.tax;
            }
            None => taxes.push(layout::TaxTotal {
                vat,
                amount: line.amount,
                taxed_base: line.taxed_base.unwrap_or(line.amount),
                tax: line.tax,
            }),
        }
    }
    taxes
}

fn parse_iso(text: &str) -> DateTime {
    let n = |range: std::ops::Range<usize>| {
        text.get(range)
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0)
    };
    DateTime {
        date: layout::Date {
            year: n(0..4),
            month: n(5..7) as u8,
            day: n(8..10) as u8,
        },
        hour: n(11..13) as u8,
        minute: n(14..16) as u8,
        second: n(17..19) as u8,
    }
}

/// How a copy says it was paid: the payments, and the cash handed over with its change.
#[derive(Debug, Default)]
pub(super) struct PaidBy {
    payments: Vec<layout::Payment>,
    cash_received: Option<i64>,
    change: i64,
}

impl PaidBy {
    /// Cash of which `change` went back: the payment is the cash due.
    pub fn cash(&mut self, tendered: i64, change: i64) {
        self.payments.push(layout::Payment {
            kind: layout::PaymentKind::Cash,
            amount: tendered - change,
            details: vec![],
        });
        if change > 0 {
            self.cash_received = Some(tendered);
            self.change = change;
        }
    }

    pub fn card(&mut self, amount: i64, rrn: &str) {
        self.payments.push(layout::Payment {
            kind: layout::PaymentKind::Cashless,
            amount,
            details: if rrn.is_empty() {
                vec![]
            } else {
                vec![format!("RRN {rrn}")]
            },
        });
    }

    /// How a tender is printed: its cash with the `change` given back, and every card part
    /// (charged here with `rrn`, or paid elsewhere and only recorded) as one cashless payment.
    pub fn tendered(tender: &super::Tender, change: i64, rrn: &str) -> Self {
        let mut paid = Self::default();
        if tender.cash > 0 {
            paid.cash(tender.cash, change);
        }
        let cashless = tender.cashless + tender.external_cashless;
        if cashless > 0 {
            paid.card(cashless, rrn);
        }
        paid
    }

    pub fn card_only(amount: i64, rrn: &str) -> Self {
        let mut paid = Self::default();
        paid.card(amount, rrn);
        paid
    }
}

pub(super) fn doc_kind(doc: &DocumentRow) -> DocKind {
    DocKind::of(doc.kind)
}

pub(super) fn fiscal_of(doc: &DocumentRow) -> Option<FiscalRecord> {
    doc.fiscal
        .as_ref()
        .and_then(|v: &Value| serde::Deserialize::deserialize(v).ok())
}
