//! Creating a document: the lines are taxed by the tax plugin, and the document is journaled
//! with its figures, so every later step (payment, receipt, reprint, return) reads them back
//! from the journal instead of computing them again.

use serde::{Deserialize, Serialize};

use super::correction::CorrectionRecord;
use super::{Core, CoreError, Created};
use crate::journal::Claim;
use crate::journal::DocumentKind;
use crate::plugins::contract::tax;
use crate::plugins::contract::types::Correction;

/// How a line names its tax, how the tax relates to the amount, and the taxed part of a
/// margin line: the plugin contract's own types (`plugins::contract`), not a WIT version's, so
/// the faces parse into them directly.
pub use crate::plugins::contract::tax::{CalcType, Margin, TaxSpec};

/// A line as a face hands it over: integers only (the face converted any decimal input).
#[derive(Debug, Clone)]
pub struct SaleLine {
    pub name: String,
    pub barcode: Option<String>,
    /// Kopecks (tiyin) per unit.
    pub price: i64,
    /// Thousandths.
    pub quantity: i64,
    pub discount: i64,
    pub tax: TaxSpec,
    pub calc: CalcType,
    /// The taxed part when only the margin is taxed (seed 001's `itemMarginSum`/`itemMarginPrice`).
    pub margin: Option<Margin>,
    /// The marking code of one marked unit (FFD tag 2000), as scanned.
    pub marking: Option<String>,
    /// FFD tag 2108, the measure of the quantity (`marking::PIECE` for pieces).
    pub measure: u8,
}

impl SaleLine {
    /// A line taxed the usual way: VAT inside the price, on the whole amount.
    pub fn in_price(
        name: String,
        barcode: Option<String>,
        price: i64,
        quantity: i64,
        tax: TaxSpec,
    ) -> Self {
        Self {
            name,
            barcode,
            price,
            quantity,
            discount: 0,
            tax,
            calc: CalcType::InPrice,
            margin: None,
            marking: None,
            measure: super::marking::PIECE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Sale,
    Return,
}

impl DocKind {
    /// The kind the journal keeps the document under.
    pub fn journal_kind(self) -> DocumentKind {
        match self {
            DocKind::Sale => DocumentKind::Sale,
            DocKind::Return => DocumentKind::Return,
        }
    }

    /// How a journaled document is taxed and registered: a credit receipt is taxed as a sale.
    pub fn of(kind: DocumentKind) -> Self {
        match kind {
            DocumentKind::Return => DocKind::Return,
            // A correction's own kind is its body's (`DocumentBody::kind`); it never reaches the
            // card terminal, where this is asked.
            DocumentKind::Sale | DocumentKind::Credit | DocumentKind::Correction => DocKind::Sale,
        }
    }

    /// What a plugin is told the document does with money (FFD tag 1054).
    pub fn calculation(self) -> tax::DocumentKind {
        match self {
            DocKind::Sale => tax::DocumentKind::Sale,
            DocKind::Return => tax::DocumentKind::SaleReturn,
        }
    }
}

/// A document as a request describes it, before it is taxed and journaled.
pub(super) struct Draft<'a> {
    pub device: &'a str,
    pub cashier: &'a str,
    pub kind: DocKind,
    pub lines: &'a [SaleLine],
    /// The request as journaled.
    pub request: &'a str,
    /// The total the client stated: the lines as taxed must come to it.
    pub stated_total: Option<i64>,
    /// What a correction receipt corrects; none for a receipt.
    pub correction: Option<&'a Correction>,
    /// Where the customer's electronic copy goes (FFD tag 1008), as the face got it.
    pub customer_contact: Option<&'a str>,
}

/// A VAT rate as the journal keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatRecord {
    Rate(i32),
    Computed(i32),
    None,
}

impl From<tax::Vat> for VatRecord {
    fn from(v: tax::Vat) -> Self {
        match v {
            tax::Vat::Rate(r) => VatRecord::Rate(r),
            tax::Vat::Computed(r) => VatRecord::Computed(r),
            tax::Vat::None => VatRecord::None,
        }
    }
}

impl From<VatRecord> for tax::Vat {
    fn from(v: VatRecord) -> Self {
        match v {
            VatRecord::Rate(r) => tax::Vat::Rate(r),
            VatRecord::Computed(r) => tax::Vat::Computed(r),
            VatRecord::None => tax::Vat::None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BodyLine {
    pub name: String,
    pub barcode: Option<String>,
    pub price: i64,
    pub quantity: i64,
    pub discount: i64,
    pub amount: i64,
    pub tax: i64,
    pub vat: VatRecord,
    pub vat_code: Option<u8>,
    /// What the tax is taken from when it is not the amount (a margin line); journaled since
    /// WIT 0.2.0, absent from documents journaled before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxed_base: Option<i64>,
    /// A marked unit's code and, once checked, the verdict (`core::marking`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marking: Option<super::marking::MarkedItem>,
    /// FFD tag 2108; pieces (0) when absent, as in documents journaled before.
    #[serde(default, skip_serializing_if = "is_piece")]
    pub measure: u8,
}

fn is_piece(measure: &u8) -> bool {
    *measure == super::marking::PIECE
}

/// What the journal keeps of a document's figures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DocumentBody {
    pub kind: DocKind,
    pub lines: Vec<BodyLine>,
    pub total: i64,
    pub warnings: Vec<String>,
    /// A correction receipt's basis (`core::correction`); none for a receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<CorrectionRecord>,
    /// FFD tag 1008, checked (`customer_contact`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_contact: Option<String>,
}

impl Core {
    /// Taxes the lines with the tax plugin and journals the document (state `created`).
    pub async fn create_document(
        &self,
        device: &str,
        cashier: &str,
        kind: DocKind,
        lines: Vec<SaleLine>,
        customer_contact: Option<&str>,
        request: &str,
    ) -> Result<Created, CoreError> {
        let draft = Draft {
            device,
            cashier,
            kind,
            lines: &lines,
            request,
            stated_total: None,
            correction: None,
            customer_contact,
        };
        self.create_claiming(draft, None).await
    }

    /// Creates a document whose lines must come to `stated_total` (the total the client sent),
    /// claiming `claim` for it in the same transaction (`DuplicateCode` when another holds it).
    pub(super) async fn create_claiming(
        &self,
        draft: Draft<'_>,
        claim: Option<&Claim<'_>>,
    ) -> Result<Created, CoreError> {
        let Draft {
            device,
            cashier,
            kind,
            lines,
            request,
            stated_total,
            correction,
            customer_contact,
        } = draft;
        if cashier.trim().is_empty() {
            return Err(CoreError::InvalidInput("cashier is empty".into()));
        }
        if lines.is_empty() {
            return Err(CoreError::InvalidInput("the document has no lines".into()));
        }
        for (i, line) in lines.iter().enumerate() {
            match (&line.marking, correction) {
                (Some(_), Some(_)) => return Err(super::correction::refuse_marking(i + 1)),
                (Some(code), None) => {
                    super::marking::validate(i + 1, code, line.quantity, line.measure)?
                }
                (None, _) => super::marking::validate_measure(i + 1, line.measure)?,
            }
        }
        let correction = correction
            .map(|c| CorrectionRecord::of(c, today()))
            .transpose()?;
        let customer_contact = customer_contact.map(checked_contact).transpose()?.flatten();
        self.require_fiscal_lane(device).await?;
        self.require_open_shift_seen(device).await?;
        let mut body = self.tax(device, kind, lines).await?;
        body.correction = correction;
        body.customer_contact = customer_contact;
        let journal_kind = if body.correction.is_some() {
            DocumentKind::Correction
        } else {
            kind.journal_kind()
        };
        if let Some(stated) = stated_total
            && stated != body.total
        {
            return Err(CoreError::TotalMismatch {
                stated,
                computed: body.total,
            });
        }
        let id = self
            .journal()
            .insert_document_claiming(
                &crate::journal::NewDocument {
                    device,
                    kind: journal_kind,
                    cashier,
                    total: body.total,
                    body: &body,
                    request,
                    refers_to: None,
                },
                claim,
            )?
            .ok_or_else(|| taken(claim))?;
        Ok(Created {
            document_id: id,
            total: body.total,
            warnings: body.warnings,
        })
    }

    /// Taxes the lines by the law of `register`'s lane (`tax_by`).
    pub(super) async fn tax(
        &self,
        register: &str,
        kind: DocKind,
        lines: &[SaleLine],
    ) -> Result<DocumentBody, CoreError> {
        tax_by(self.lanes.of(register), kind, lines).await
    }
}

/// Taxes the lines by the law of `lane`, with its tax plugin, on a worker thread (a hostile
/// plugin may burn its whole CPU budget).
pub(super) async fn tax_by(
    lane: &super::Lane,
    kind: DocKind,
    lines: &[SaleLine],
) -> Result<DocumentBody, CoreError> {
    let doc = tax::Document {
        kind: kind.calculation(),
        date: today(),
        jurisdiction: lane.jurisdiction.clone(),
        lines: lines
            .iter()
            .map(|l| tax::Line {
                name: l.name.clone(),
                price: l.price,
                quantity: l.quantity,
                discount: l.discount,
                tax: l.tax,
                calc: l.calc,
                margin: l.margin,
            })
            .collect(),
    };
    let plugin = lane.tax.current();
    let result = tokio::task::spawn_blocking(move || plugin.calculate(&doc))
        .await
        .map_err(CoreError::internal)?
        .map_err(|e| CoreError::plugin(&e))?
        .map_err(|e| CoreError::Tax(describe_tax_error(&e)))?;
    let body_lines = lines
        .iter()
        .zip(&result.lines)
        .map(|(l, r)| BodyLine {
            name: l.name.clone(),
            barcode: l.barcode.clone(),
            price: l.price,
            quantity: l.quantity,
            discount: l.discount,
            amount: r.amount,
            tax: r.tax,
            vat: r.vat.into(),
            vat_code: r.vat_code,
            taxed_base: (r.taxed_base != r.amount).then_some(r.taxed_base),
            marking: l.marking.as_ref().map(|code| super::marking::MarkedItem {
                code: code.clone(),
                check: None,
            }),
            measure: l.measure,
        })
        .collect::<Vec<BodyLine>>();
    // A register refuses a receipt whose total is zero ("Нулевой итог чека"), but only after
    // a card was charged 0 and had to be reversed: refused here, before anything moves.
    if result.total <= 0 {
        return Err(CoreError::ZeroTotal {
            lines: body_lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.amount <= 0)
                .map(|(i, _)| i + 1)
                .collect(),
        });
    }
    Ok(DocumentBody {
        kind,
        lines: body_lines,
        total: result.total,
        warnings: result.warnings.into_iter().map(|w| w.message).collect(),
        correction: None,
        customer_contact: None,
    })
}

/// The host's day, by its local clock: what a document is taxed by and what a correction's
/// base date may not be after.
fn today() -> tax::Date {
    use chrono::Datelike;
    let today = chrono::Local::now().date_naive();
    tax::Date {
        year: today.year() as u16,
        month: today.month() as u8,
        day: today.day() as u8,
    }
}

/// Tag 1008 is a string of at most 64 characters.
const CONTACT_WIDTH: usize = 64;

/// The customer's contact (FFD tag 1008) checked before anything is sent: a phone number
/// (digits, an optional leading `+`) or an e-mail address; blank means none.
fn checked_contact(contact: &str) -> Result<Option<String>, CoreError> {
    let contact = contact.trim();
    if contact.is_empty() {
        return Ok(None);
    }
    let bad = |why: &str| {
        CoreError::InvalidInput(format!(
            "customer contact {contact:?}: {why} (FFD tag 1008)"
        ))
    };
    if contact.chars().count() > CONTACT_WIDTH {
        return Err(bad("longer than 64 characters"));
    }
    let digits = contact.strip_prefix('+').unwrap_or(contact);
    let phone = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
    let email = contact.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !contact.contains(char::is_whitespace)
    });
    if !(phone || email) {
        return Err(bad(
            "neither a phone number (+ and digits) nor an e-mail address",
        ));
    }
    Ok(Some(contact.to_owned()))
}

/// The error of a key another document holds: a duplicate receipt code, or for a request key
/// its twin claiming it first (`Core::sell` answers that one as the twin's repeat).
fn taken(claim: Option<&Claim<'_>>) -> CoreError {
    match claim {
        Some(Claim::ReceiptCode(code)) | Some(Claim::Request { key: code, .. }) => {
            CoreError::DuplicateCode((*code).to_owned())
        }
        None => CoreError::internal("a document without a key was refused a key"),
    }
}

fn describe_tax_error(e: &tax::TaxError) -> String {
    match e {
        tax::TaxError::UnsupportedCountry(c) => format!("unsupported country {c}"),
        tax::TaxError::UnknownTaxCode(p)
        | tax::TaxError::RateNotAllowed(p)
        | tax::TaxError::InvalidLine(p)
        | tax::TaxError::Overflow(p) => format!("line {}: {}", p.line + 1, p.message),
        tax::TaxError::EmptyDocument => "the document has no lines".into(),
    }
}
