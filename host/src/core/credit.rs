//! The credit receipt of seed 002 (`Receipt.Credit`): a non-fiscal document given to a customer
//! who pays part of a purchase on credit. It is never registered in the fiscal module: it is
//! taxed for the printed figures, journaled as a document of kind `credit` (positions, payments
//! and custom variables with it), laid out with `fiscal: None` (the layout prints "НЕ ЯВЛЯЕТСЯ
//! ФИСКАЛЬНЫМ ДОКУМЕНТОМ") and printed on the receipt printer, or on the register in its
//! non-fiscal mode when there is no printer.
//!
//! The client's `code` is unique among receipts when `unique_receipt_codes` is on: the code is
//! claimed in the same journal transaction that writes the document, so two concurrent requests
//! with one code cannot both pass. A receipt that could not be printed is cancelled and its code
//! given back, so the client may send it again.

use serde::Serialize;
use serde_json::Value;

use super::document::{DocKind, DocumentBody, SaleLine};
use super::{Core, CoreError, RequestKey};
use crate::config::DeviceKind;
use crate::devices::DeviceHandle;
use crate::journal::{Claim, DocumentKind, DocumentState, NewDocument};
use crate::plugins::contract::layout;

/// How a part of a credit receipt was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditPaymentKind {
    /// Seed 002's type 1.
    Cash,
    /// Seed 002's type 2: a card terminal the host does not drive (the client sends its RRN).
    Terminal,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreditPayment {
    pub kind: CreditPaymentKind,
    /// Minor units (tiyin).
    pub value: i64,
    pub payment_id: Option<String>,
    pub rrn: Option<String>,
    pub card_type: Option<i64>,
}

/// One position: the line as taxed, the unit printed beside it, and the client's fields as sent.
#[derive(Debug, Clone)]
pub struct CreditPosition {
    pub line: SaleLine,
    pub unit: Option<String>,
    /// The position object as the client sent it, journaled unchanged.
    pub fields: Value,
}

/// A credit receipt as a face hands it over.
#[derive(Debug, Clone)]
pub struct CreditReceipt {
    pub cashier: String,
    /// The client's receipt number; `None` = generate one (and do not check uniqueness).
    pub code: Option<String>,
    pub pos_id: String,
    pub seller_name: Option<String>,
    pub session_code: Option<String>,
    pub phone: Option<String>,
    pub positions: Vec<CreditPosition>,
    pub payments: Vec<CreditPayment>,
    /// `null` or the client's array, journaled and printed in the footer.
    pub custom_variables: Value,
}

/// What a credit receipt left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditIssued {
    pub document_id: i64,
    pub uuid: String,
    pub code: String,
    pub warnings: Vec<String>,
}

/// The journaled body: the taxed figures (readable as a `DocumentBody`) and the client's data.
#[derive(Serialize)]
struct CreditBody<'a> {
    #[serde(flatten)]
    figures: &'a DocumentBody,
    code: &'a str,
    pos_id: &'a str,
    seller_name: &'a Option<String>,
    session_code: &'a Option<String>,
    phone: &'a Option<String>,
    positions: Vec<&'a Value>,
    payments: &'a [CreditPayment],
    paid: i64,
    custom_variables: &'a Value,
}

impl Core {
    /// Issues a credit receipt: taxed, journaled (kind `credit`), laid out and printed on the
    /// printer of `register`'s lane (default: the first register's).
    pub async fn credit_receipt(
        &self,
        receipt: CreditReceipt,
        register: Option<&str>,
        request: &str,
    ) -> Result<CreditIssued, CoreError> {
        if receipt.cashier.trim().is_empty() {
            return Err(CoreError::InvalidInput("cashier is empty".into()));
        }
        if receipt.positions.is_empty() {
            return Err(CoreError::InvalidInput(
                "the receipt has no positions".into(),
            ));
        }
        if receipt.payments.iter().any(|p| p.value < 0) {
            return Err(CoreError::InvalidInput("a payment is negative".into()));
        }
        let paid = receipt
            .payments
            .iter()
            .try_fold(0i64, |sum, p| sum.checked_add(p.value))
            .ok_or_else(|| {
                CoreError::InvalidInput(
                    "the payments add up to more than a 64-bit sum holds".into(),
                )
            })?;
        // A client's code is a key (`requests`); without one, a generated code is unique by
        // construction and claims nothing.
        let key = self.code_key(receipt.code.as_deref());
        let code = match &key {
            Some(RequestKey::ReceiptCode(code)) => code.clone(),
            _ => receipt
                .code
                .clone()
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| format!("auto-{}", uuid::Uuid::new_v4().simple())),
        };
        let claim = key.as_ref().map(|_| Claim::ReceiptCode(&code));
        // Checked before anything is computed or printed; claimed for good with the document.
        if let Some(claim) = &claim
            && self.journal().holder(claim)?.is_some()
        {
            return Err(CoreError::DuplicateCode(code));
        }
        let (printer, lane) = self.credit_printer(register)?;
        let device = printer.id().to_owned();
        let lines: Vec<SaleLine> = receipt.positions.iter().map(|p| p.line.clone()).collect();
        let figures = self.tax(&lane, DocKind::Sale, &lines).await?;
        // What the payments leave unpaid is the credit; paying more than the receipt is not one.
        if paid > figures.total {
            return Err(CoreError::AmountMismatch {
                expected: figures.total,
                got: paid,
            });
        }
        let body = CreditBody {
            figures: &figures,
            code: &code,
            pos_id: &receipt.pos_id,
            seller_name: &receipt.seller_name,
            session_code: &receipt.session_code,
            phone: &receipt.phone,
            positions: receipt.positions.iter().map(|p| &p.fields).collect(),
            payments: &receipt.payments,
            paid,
            custom_variables: &receipt.custom_variables,
        };
        let new = NewDocument {
            device: &lane,
            kind: DocumentKind::Credit,
            cashier: &receipt.cashier,
            total: figures.total,
            body: &body,
            request,
            refers_to: None,
        };
        let document_id = self
            .journal()
            .insert_document_claiming(&new, claim.as_ref())?
            .ok_or_else(|| CoreError::DuplicateCode(code.clone()))?;

        let layout_receipt = self.credit_layout(&lane, &receipt, &figures, &code, paid);
        match self.print_credit(printer, layout_receipt).await {
            Ok(text) => {
                let mut journal = self.journal();
                journal.record_printout(document_id, &device, &text, None)?;
                journal.set_document_state(document_id, DocumentState::Printed, None)?;
            }
            Err((text, why)) => {
                let mut journal = self.journal();
                journal.record_printout(document_id, &device, &text, Some(&why))?;
                journal.set_document_state(document_id, DocumentState::Cancelled, None)?;
                if let Some(claim) = &claim {
                    journal.release(claim, document_id)?;
                }
                return Err(CoreError::DeviceUnavailable(format!(
                    "the credit receipt was not printed on {device}: {why}"
                )));
            }
        }
        let uuid = self.document_uuid(document_id)?;
        Ok(CreditIssued {
            document_id,
            uuid,
            code,
            warnings: figures.warnings,
        })
    }

    /// The uuid the journal gave a document (what the faces hand out as the receipt id).
    pub fn document_uuid(&self, document_id: i64) -> Result<String, CoreError> {
        self.journal()
            .document(document_id)?
            .map(|d| d.uuid)
            .ok_or_else(|| CoreError::internal(format!("document {document_id} is not journaled")))
    }

    /// Where a credit receipt of the named register's lane (default: the JSON-RPC face's lane)
    /// prints: the lane's receipt printer, else the register itself in its non-fiscal mode;
    /// with no register configured, the first printer on the host-wide settings. Also the
    /// lane (its register's id) the receipt is taxed and journaled on.
    fn credit_printer(&self, register: Option<&str>) -> Result<(DeviceHandle, String), CoreError> {
        let register = match register {
            Some(id) => Some(self.register(Some(id))?),
            None => self.register_for(super::Face::JsonRpc, None).ok(),
        };
        match register {
            Some(register) => {
                let printer = self.devices.printer_of(register.id()).unwrap_or(register);
                Ok((printer.clone(), register.id().to_owned()))
            }
            None => {
                let printer = self.devices.first(DeviceKind::Printer).ok_or_else(|| {
                    CoreError::DeviceUnavailable("no printer or register is configured".into())
                })?;
                Ok((printer.clone(), printer.id().to_owned()))
            }
        }
    }

    fn credit_layout(
        &self,
        register: &str,
        receipt: &CreditReceipt,
        figures: &DocumentBody,
        code: &str,
        paid: i64,
    ) -> layout::Receipt {
        let now = chrono::Local::now().naive_local();
        use chrono::{Datelike, Timelike};
        let date_time = layout::DateTime {
            date: layout::Date {
                year: now.year() as u16,
                month: now.month() as u8,
                day: now.day() as u8,
            },
            hour: now.hour() as u8,
            minute: now.minute() as u8,
            second: now.second() as u8,
        };
        let taxes = super::fiscal::tax_totals(&figures.lines);
        let mut payments: Vec<layout::Payment> = receipt
            .payments
            .iter()
            .map(|p| {
                let mut details = Vec::new();
                if let Some(rrn) = p.rrn.as_deref().filter(|r| !r.is_empty()) {
                    details.push(format!("RRN {rrn}"));
                }
                if let Some(id) = p.payment_id.as_deref().filter(|r| !r.is_empty()) {
                    details.push(format!("Платёж {id}"));
                }
                layout::Payment {
                    kind: match p.kind {
                        CreditPaymentKind::Cash => layout::PaymentKind::Cash,
                        CreditPaymentKind::Terminal => layout::PaymentKind::Cashless,
                    },
                    amount: p.value,
                    details,
                }
            })
            .collect();
        // What is left to pay is the credit itself.
        if figures.total > paid {
            payments.push(layout::Payment {
                kind: layout::PaymentKind::Credit,
                amount: figures.total - paid,
                details: vec![],
            });
        }
        let mut header_lines = vec![
            "КРЕДИТНЫЙ ЧЕК".to_owned(),
            format!("Касса: {}", receipt.pos_id),
        ];
        if let Some(session) = receipt.session_code.as_deref().filter(|s| !s.is_empty()) {
            header_lines.push(format!("Смена: {session}"));
        }
        if let Some(seller) = receipt.seller_name.as_deref().filter(|s| !s.is_empty()) {
            header_lines.push(format!("Продавец: {seller}"));
        }
        if let Some(phone) = receipt.phone.as_deref().filter(|s| !s.is_empty()) {
            header_lines.push(format!("Телефон: {phone}"));
        }
        let lane = self.lanes.of(register);
        layout::Receipt {
            header: super::fiscal::header(lane, header_lines),
            kind: DocKind::Sale.calculation(),
            country: lane.country.code().into(),
            tax_id_label: lane.country.taxpayer_label().into(),
            tax_name: lane.country.tax_name().into(),
            currency: lane.currency.into(),
            cashier: Some(super::fiscal::cashier(&receipt.cashier)),
            document_number: Some(code.to_owned()),
            date_time,
            lines: figures
                .lines
                .iter()
                .zip(&receipt.positions)
                .map(|(l, p)| layout::ReceiptLine {
                    name: l.name.clone(),
                    price: l.price,
                    quantity: l.quantity,
                    unit: p.unit.clone(),
                    discount: l.discount,
                    amount: l.amount,
                    vat: l.vat.into(),
                    tax: l.tax,
                    marked: false,
                })
                .collect(),
            payments,
            cash_received: None,
            change: 0,
            taxes,
            total: figures.total,
            fiscal: None,
            correction: None,
            customer_contact: None,
            footer: custom_variable_lines(&receipt.custom_variables),
        }
    }

    /// Lays the receipt out and prints it; the laid-out text either way, and why it failed.
    async fn print_credit(
        &self,
        device: DeviceHandle,
        receipt: layout::Receipt,
    ) -> Result<String, (String, String)> {
        let plugin = self.plugins.layout();
        let elements = match tokio::task::spawn_blocking(move || plugin.render(receipt, 42)).await {
            Ok(Ok(Ok(elements))) => elements,
            Ok(Ok(Err(e))) => return Err((String::new(), format!("layout: {e:?}"))),
            Ok(Err(e)) => {
                return Err((String::new(), format!("layout: {}", CoreError::plugin(&e))));
            }
            Err(e) => return Err((String::new(), format!("layout: {}", CoreError::internal(e)))),
        };
        let text = elements
            .iter()
            .filter_map(|e| match e {
                layout::Element::Text(t) => Some(t.content.clone()),
                layout::Element::Separator(c) => Some(c.to_string().repeat(42)),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n");
        match device.print(elements).await {
            Ok(()) => Ok(text),
            Err(e) => Err((text, super::answers::device_text(e))),
        }
    }
}

/// Seed 002's custom variables as footer lines: `name: value` for an object with a name (or
/// key) and a value, the JSON text of anything else.
fn custom_variable_lines(vars: &Value) -> Vec<String> {
    let Some(items) = vars.as_array() else {
        return Vec::new();
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    items
        .iter()
        .map(|item| {
            let name = item.get("name").or_else(|| item.get("key"));
            match (name, item.get("value")) {
                (Some(n), Some(v)) => format!("{}: {}", text(n), text(v)),
                _ => text(item),
            }
        })
        .collect()
}

/// A journaled receipt as a face reads it back (seed 002's `Receipt.Get`, our extension).
#[derive(Debug, Clone)]
pub struct JournaledReceipt {
    pub uuid: String,
    pub kind: DocumentKind,
    pub state: DocumentState,
    pub cashier: String,
    pub total: i64,
    /// The figures and the client's data as journaled (`code`, `warnings`, …).
    pub body: Value,
    /// The register's requisites of a fiscal receipt.
    pub fiscal: Option<Value>,
    pub printout: Option<Printout>,
}

/// What a receipt printer was sent for a document: the laid-out text, and why it failed.
#[derive(Debug, Clone)]
pub struct Printout {
    pub device: String,
    pub text: String,
    pub error: Option<String>,
}

impl Core {
    /// A journaled receipt by the uuid the faces hand out.
    pub fn receipt_by_uuid(&self, uuid: &str) -> Result<Option<JournaledReceipt>, CoreError> {
        let journal = self.journal();
        let Some(doc) = journal.document_by_uuid(uuid)? else {
            return Ok(None);
        };
        let printout = journal
            .printout(doc.id)?
            .map(|(device, text, error)| Printout {
                device,
                text,
                error,
            });
        Ok(Some(JournaledReceipt {
            uuid: doc.uuid,
            kind: doc.kind,
            state: doc.state,
            cashier: doc.cashier,
            total: doc.total,
            body: serde_json::from_str(&doc.body_json).map_err(CoreError::internal)?,
            fiscal: doc.fiscal,
            printout,
        }))
    }
}
