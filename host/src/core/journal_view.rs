//! The journal as the shop's administrator and support browse it (`GET /journal`, the admin
//! page): documents newest first, a page at a time, bounded by register, day, fiscal sign or
//! number. Reading only: nothing here changes a document.

use serde::Serialize;

use super::fiscal::fiscal_of;
use super::{Core, CoreError};
use crate::journal::DocumentQuery;

/// The most documents one page holds: a page is read under the journal's lock.
pub const MAX_PAGE: u32 = 500;
pub const DEFAULT_PAGE: u32 = 50;

/// What a caller bounds a page by.
#[derive(Debug, Clone, Default)]
pub struct JournalQuery {
    /// The page after the one whose last document had this id (`JournalPage::next_before`).
    pub before: Option<i64>,
    pub device: Option<String>,
    /// Days (UTC, as the journal stamps documents), both included.
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    pub fiscal_sign: Option<String>,
    /// The journal's document id or the register's fiscal document number.
    pub number: Option<i64>,
    /// 1..=`MAX_PAGE`; none: `DEFAULT_PAGE`.
    pub limit: Option<u32>,
}

/// One document as a listing shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    pub id: i64,
    pub uuid: String,
    /// When it was journaled (UTC, ISO 8601).
    pub created_at: String,
    pub device: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub cashier: String,
    pub total: i64,
    /// The register's requisites once fiscalized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fiscal_sign: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_number: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JournalPage {
    pub documents: Vec<JournalEntry>,
    /// `before` of the next page; none on the last one.
    pub next_before: Option<i64>,
}

fn day_start(day: chrono::NaiveDate) -> String {
    format!("{}T00:00:00.000Z", day.format("%Y-%m-%d"))
}

impl Core {
    /// A page of the journal's documents, newest first.
    pub fn journal_page(&self, q: &JournalQuery) -> Result<JournalPage, CoreError> {
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(CoreError::InvalidInput(format!(
                "limit {limit} is not 1..={MAX_PAGE}"
            )));
        }
        if let (Some(from), Some(to)) = (q.from, q.to)
            && from > to
        {
            return Err(CoreError::InvalidInput(format!(
                "from {from} is after to {to}"
            )));
        }
        let from = q.from.map(day_start);
        let to = q.to.and_then(|d| d.succ_opt()).map(day_start);
        let rows = self.journal().documents_page(&DocumentQuery {
            before: q.before,
            device: q.device.as_deref(),
            from: from.as_deref(),
            to: to.as_deref(),
            fiscal_sign: q.fiscal_sign.as_deref(),
            number: q.number,
            limit,
        })?;
        let full = rows.len() == limit as usize;
        let documents: Vec<JournalEntry> = rows
            .into_iter()
            .map(|(doc, created_at)| {
                let fiscal = fiscal_of(&doc);
                JournalEntry {
                    id: doc.id,
                    uuid: doc.uuid,
                    created_at,
                    device: doc.device,
                    kind: doc.kind.as_str(),
                    state: doc.state.as_str(),
                    cashier: doc.cashier,
                    total: doc.total,
                    fiscal_sign: fiscal.as_ref().map(|f| f.fiscal_sign.clone()),
                    document_number: fiscal.map(|f| f.document_number),
                }
            })
            .collect();
        let next_before = documents.last().filter(|_| full).map(|d| d.id);
        Ok(JournalPage {
            documents,
            next_before,
        })
    }
}
