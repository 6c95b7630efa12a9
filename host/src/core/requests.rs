//! Requests a client may send again, and the receipt numbers it must not use twice: one
//! mechanism for every face. A client's key names at most one document:
//!
//! - seed 000's `request_id` (per event) and seed 001's `docTime`+`docNumber`+`amount` are
//!   **request keys**: the same key again is the same request. WebSocket replays the reply it
//!   kept; a REST sale already fiscalized is answered with a reprint, never fiscalized again;
//! - seed 002's `code` is a **receipt number**, unique among receipts (with
//!   `unique_receipt_codes`): the same code on a receipt that was issued is a duplicate.
//!
//! Either way a document still open under the key (a declined card, a lost answer, a host that
//! died mid-way) is finished, not begun again: the core never charges or fiscalizes a document
//! twice. The key is claimed in the transaction that journals the document, so two requests
//! with one key cannot both pass; a document that failed before any money moved is cancelled
//! and its key given back, so the client may send it again.

use super::document::{DocKind, Draft, SaleLine};
use super::lanes::Face;
use super::{Core, CoreError, Paid, Tender};
use crate::journal::{Claim, DocumentState};
use crate::plugins::contract::types::Correction;

/// A client's key for a request or a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestKey {
    /// Seed 000's `request_id`: it names one request of one event.
    WebSocket { event: String, id: String },
    /// Seed 001's `docTime` + `docNumber` + `amount` of a sale.
    Rest {
        doc_time: String,
        doc_number: String,
        amount: i64,
    },
    /// Our REST `/correction`'s `docTime` + `docNumber` + `amount`: the same parts as a sale's,
    /// another request.
    RestCorrection {
        doc_time: String,
        doc_number: String,
        amount: i64,
    },
    /// Seed 002's `code`.
    ReceiptCode(String),
}

impl RequestKey {
    /// The key as the journal keeps it (the text is what earlier versions wrote, so a journal
    /// from before still answers its repeats).
    fn text(&self) -> String {
        match self {
            RequestKey::WebSocket { event, id } => format!("{event}:{id}"),
            RequestKey::Rest {
                doc_time,
                doc_number,
                amount,
            } => format!("sale:{doc_time}|{doc_number}|{amount}"),
            RequestKey::RestCorrection {
                doc_time,
                doc_number,
                amount,
            } => format!("correction:{doc_time}|{doc_number}|{amount}"),
            RequestKey::ReceiptCode(code) => code.clone(),
        }
    }

    fn claim<'a>(&self, text: &'a str) -> Claim<'a> {
        match self {
            RequestKey::WebSocket { .. } => Claim::Request {
                face: Face::WebSocket.as_str(),
                key: text,
            },
            RequestKey::Rest { .. } | RequestKey::RestCorrection { .. } => Claim::Request {
                face: Face::Rest.as_str(),
                key: text,
            },
            RequestKey::ReceiptCode(_) => Claim::ReceiptCode(text),
        }
    }
}

/// What the journal knows of a request key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recall {
    New,
    /// Answered before: the reply as given, and its document.
    Answered {
        reply: String,
        document: Option<i64>,
    },
    /// Begun and never answered (the host died mid-way): its document, to be finished.
    Begun {
        document: Option<i64>,
    },
}

/// A fiscal receipt as a face hands it over, to be created, paid and registered once per key.
pub struct SaleOrder<'a> {
    pub register: &'a str,
    pub cashier: &'a str,
    pub kind: DocKind,
    pub lines: Vec<SaleLine>,
    pub tender: Tender,
    /// The total the client stated (seed 001's `amount`, seed 002's positions' amounts): the
    /// lines as taxed must come to it.
    pub stated_total: Option<i64>,
    pub key: Option<RequestKey>,
    /// The request as journaled.
    pub request: &'a str,
    /// Makes it a correction receipt (`core::correction`): the tender is recorded, never
    /// charged, and must come to the total exactly.
    pub correction: Option<Correction>,
    /// Where the customer's electronic copy goes (FFD tag 1008).
    pub customer_contact: Option<String>,
}

/// How a sale ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sold {
    Paid(Box<Paid>),
    /// The request was made before and its receipt is registered: nothing was done again.
    Before {
        document: i64,
    },
}

impl Core {
    /// What the journal knows of a request key.
    pub fn recall(&self, key: &RequestKey) -> Result<Recall, CoreError> {
        let text = key.text();
        let Claim::Request { face, key } = key.claim(&text) else {
            return Ok(match self.journal().receipt_code(&text)? {
                Some(document) => Recall::Begun {
                    document: Some(document),
                },
                None => Recall::New,
            });
        };
        Ok(match self.journal().reply(face, key)? {
            None => Recall::New,
            Some((reply, document)) if reply.is_empty() => Recall::Begun { document },
            Some((reply, document)) => Recall::Answered { reply, document },
        })
    }

    /// Keeps the reply given to a request, so a repeat gets it again; an empty reply marks
    /// the request begun on `document`.
    pub fn remember(
        &self,
        key: &RequestKey,
        reply: &str,
        document: Option<i64>,
    ) -> Result<(), CoreError> {
        let text = key.text();
        match key.claim(&text) {
            Claim::Request { face, key } => {
                Ok(self.journal().store_reply(face, key, reply, document)?)
            }
            Claim::ReceiptCode(_) => Err(CoreError::internal(
                "a receipt code is claimed with its document, not remembered",
            )),
        }
    }

    /// Whether `unique_receipt_codes` makes a receipt code a key.
    pub(super) fn code_key(&self, code: Option<&str>) -> Option<RequestKey> {
        code.filter(|c| self.unique_receipt_codes && !c.trim().is_empty())
            .map(|c| RequestKey::ReceiptCode(c.to_owned()))
    }

    /// What becomes of a request whose key a document holds already: `None` when it holds none
    /// (or a cancelled one), so the request makes its own.
    async fn held(
        &self,
        claim: Option<&Claim<'_>>,
        order: &SaleOrder<'_>,
    ) -> Result<Option<Sold>, CoreError> {
        let Some(claim) = claim else {
            return Ok(None);
        };
        let held = {
            let journal = self.journal();
            match journal.holder(claim)? {
                Some(document) => journal.document(document)?,
                None => None,
            }
        };
        let Some(doc) = held else {
            return Ok(None);
        };
        let document = doc.id;
        let duplicate = |code: &str| CoreError::DuplicateCode(code.to_owned());
        match (doc.state, claim) {
            (DocumentState::Cancelled, _) => Ok(None),
            (state, Claim::ReceiptCode(code)) if state.is_fiscalized() => Err(duplicate(code)),
            (state, Claim::Request { .. }) if state.is_fiscalized() => {
                Ok(Some(Sold::Before { document }))
            }
            // Open under this key: finish it, with the tender it was first paid with.
            (state, _) if state.is_open() && order.stated_total.is_none_or(|t| t == doc.total) => {
                Ok(Some(Sold::Paid(Box::new(
                    self.pay(document, order.tender).await?,
                ))))
            }
            (_, Claim::ReceiptCode(code)) => Err(duplicate(code)),
            (_, Claim::Request { .. }) => Err(CoreError::TotalMismatch {
                stated: order.stated_total.unwrap_or_default(),
                computed: doc.total,
            }),
        }
    }

    /// Creates, pays and registers a fiscal receipt, once per key (module doc).
    pub async fn sell(&self, mut order: SaleOrder<'_>) -> Result<Sold, CoreError> {
        if order.correction.is_some() {
            // The money of a correction moved long ago: a card part is recorded, not charged.
            order.tender.external_cashless += std::mem::take(&mut order.tender.cashless);
        }
        // Payments that cannot cover the stated total are refused before anything is journaled.
        if let Some(total) = order.stated_total {
            let change = order.tender.change_for(total)?;
            if change > 0 && order.correction.is_some() {
                return Err(CoreError::InvalidInput(format!(
                    "a correction receipt records what was paid: the payments exceed its total by \
                     {change}, and no change is given"
                )));
            }
        }
        let key = match &order.key {
            Some(RequestKey::ReceiptCode(code)) => self.code_key(Some(code)),
            other => other.clone(),
        };
        let text = key.as_ref().map(RequestKey::text);
        let claim = key.as_ref().zip(text.as_deref()).map(|(k, t)| k.claim(t));
        if let Some(sold) = self.held(claim.as_ref(), &order).await? {
            return Ok(sold);
        }
        let create = || {
            let draft = Draft {
                device: order.register,
                cashier: order.cashier,
                kind: order.kind,
                lines: &order.lines,
                request: order.request,
                stated_total: order.stated_total,
                correction: order.correction.as_ref(),
                customer_contact: order.customer_contact.as_deref(),
            };
            self.create_claiming(draft, claim.as_ref())
        };
        let created = match create().await {
            // The same request arrived twice at once and the twin claimed the key first: this
            // one is its repeat.
            Err(CoreError::DuplicateCode(_)) if matches!(claim, Some(Claim::Request { .. })) => {
                match self.held(claim.as_ref(), &order).await? {
                    Some(sold) => return Ok(sold),
                    None => create().await?,
                }
            }
            other => other?,
        };
        let document = created.document_id;
        for warning in &created.warnings {
            tracing::warn!(document, "receipt: {warning}");
        }
        match self.pay(document, order.tender).await {
            Ok(paid) => Ok(Sold::Paid(Box::new(paid))),
            Err(e) => {
                // Nothing was charged or registered: the key is free for another attempt. Where
                // money may have moved the document keeps its key, so the same request again
                // resumes it.
                if self.nothing_moved(document)? {
                    let mut journal = self.journal();
                    journal.set_document_state(document, DocumentState::Cancelled, None)?;
                    if let Some(claim) = &claim {
                        journal.release(claim, document)?;
                    }
                }
                Err(e)
            }
        }
    }
}
