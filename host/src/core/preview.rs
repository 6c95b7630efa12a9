//! Receipt preview, for layout authors: a document laid out by a layout plugin exactly as its
//! copy would be — taxed by the lane's tax plugin, with the lane's seller and sample fiscal
//! requisites (so the fiscal block and its QR code show) — without touching a register, the
//! card terminal or the journal. `POST /preview` and `fiscal-host preview` both come here.

use super::document::{DocKind, SaleLine, tax_by};
use super::fiscal::{Copy, PaidBy, layout_receipt};
use super::{Core, CoreError, FiscalRecord, Lane, Tender};
use crate::plugins::LayoutPlugin;
use crate::plugins::contract::layout::{Element, LayoutError};

/// A document to preview, as a face parsed it.
#[derive(Debug, Clone)]
pub struct PreviewDocument {
    pub kind: DocKind,
    pub cashier: String,
    pub lines: Vec<SaleLine>,
    /// How it is paid; none: in cash, exactly.
    pub tender: Option<Tender>,
    pub customer_contact: Option<String>,
}

/// What a preview prints where a registered copy prints the register's answer: zeros a reader
/// cannot take for a real fiscal sign.
fn sample_requisites() -> FiscalRecord {
    FiscalRecord {
        shift_number: 1,
        receipt_number: 1,
        document_number: 1,
        fiscal_sign: "0000000000".into(),
        fn_number: "0000000000000000".into(),
        registration_number: "0000000000000000".into(),
        date_time: chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

/// Lays `doc` out with `layout` on paper `width` columns wide, as `lane` would print its copy.
pub async fn lay_out(
    lane: &Lane,
    layout: &LayoutPlugin,
    doc: PreviewDocument,
    width: u32,
) -> Result<Vec<Element>, CoreError> {
    if doc.lines.is_empty() {
        return Err(CoreError::InvalidInput("the document has no lines".into()));
    }
    for (i, line) in doc.lines.iter().enumerate() {
        if let Some(code) = &line.marking {
            super::marking::validate(i + 1, code, line.quantity, line.measure)?;
        }
    }
    let mut body = tax_by(lane, doc.kind, &doc.lines).await?;
    body.customer_contact = doc.customer_contact;
    let tender = doc.tender.unwrap_or(Tender {
        cash: body.total,
        ..Tender::default()
    });
    let change = tender.change_for(body.total)?;
    let paid = PaidBy::tendered(&tender, change, "");
    let fiscal = sample_requisites();
    let copy = Copy {
        cashier: &doc.cashier,
        number: "0".into(),
        body: &body,
        fiscal: &fiscal,
    };
    let receipt = layout_receipt(lane, copy, paid);
    let plugin = layout.clone();
    tokio::task::spawn_blocking(move || plugin.render(receipt, width))
        .await
        .map_err(CoreError::internal)?
        .map_err(|e| CoreError::plugin(&e))?
        .map_err(|e| match e {
            LayoutError::UnsupportedWidth(w) => {
                CoreError::InvalidInput(format!("the layout does not lay out {w} columns"))
            }
            LayoutError::InvalidReceipt(why) => {
                CoreError::InvalidInput(format!("the layout refused the receipt: {why}"))
            }
        })
}

impl Core {
    /// The copy `device`'s lane would print of `doc`, laid out by the configured layout.
    pub async fn preview(
        &self,
        device: &str,
        doc: PreviewDocument,
        width: u32,
    ) -> Result<Vec<Element>, CoreError> {
        self.register(Some(device))?;
        lay_out(self.lanes.of(device), &self.plugins.layout(), doc, width).await
    }
}
