//! The journal's enumerations: what a document is and where it stands, what an intent asked of
//! a device and where it stands, what a card terminal operation asked and where it stands, and
//! what a shift event was. Each is a text column; this module is the one place that text is
//! spelled — `as_str` writes it, `parse` reads it back — so the rest of the host compares
//! variants, and SQL that filters on one binds the variant (`ToSql` is its `as_str`). The text
//! is the journal's format: existing journals must keep reading, so a variant's text never
//! changes.
//!
//! The test below keeps it that way: outside this file, no `.rs` under `host/src` (test modules
//! aside) may spell a state in SQL (`'paid'`, `'pending'`, `'pay'` … every text of every enum
//! here, except as a column `DEFAULT` of the schema, which is not this module's to change) nor
//! quote the texts that mean nothing else in the host (`"created"`, `"paid"`, `"fiscalized"`,
//! `"printed"`, `"cancelled"`, `"credit"`, `"register-receipt"`, `"force-close"`, `"not-done"`
//! and the legacy payment texts). Words that are also the faces' or the devices' vocabulary
//! (`"sale"`, `"return"`, `"correction"`, `"open"`, `"pay"`, `"refund"`, `"approved"`, `"done"`, `"unknown"` …)
//! are left out of the quoted check: there the types already refuse a string.

use rusqlite::ToSql;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A sale: paid, then registered by the register.
    Sale,
    /// A return of a sale's goods (`refers_to` names the sale when the host knows it).
    Return,
    /// A credit receipt: printed on the receipt printer, never registered.
    Credit,
    /// A correction receipt (FFD 1.2, tags 1173/1174): registers a settlement that was not
    /// registered when it happened; its body says whether it corrects a sale or a return.
    Correction,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Sale => "sale",
            DocumentKind::Return => "return",
            DocumentKind::Credit => "credit",
            DocumentKind::Correction => "correction",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sale" => Some(DocumentKind::Sale),
            "return" => Some(DocumentKind::Return),
            "credit" => Some(DocumentKind::Credit),
            "correction" => Some(DocumentKind::Correction),
            _ => None,
        }
    }
}

/// Where a document stands: Created → Paid → Fiscalized → Printed, or Cancelled (a credit
/// receipt goes from Created to Printed or Cancelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentState {
    /// Journaled with its figures; no money moved and no receipt was asked for yet.
    Created,
    /// The money is in (cash, or a card payment approved); the receipt is not registered yet.
    Paid,
    /// The register registered its receipt (`fiscal` holds what it answered).
    Fiscalized,
    /// A sale or return: fiscalized and a copy printed on the receipt printer. A credit
    /// receipt: printed.
    Printed,
    /// Given up: the register refused the receipt, the client's payments did not add up, or a
    /// credit receipt did not print.
    Cancelled,
}

impl DocumentState {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentState::Created => "created",
            DocumentState::Paid => "paid",
            DocumentState::Fiscalized => "fiscalized",
            DocumentState::Printed => "printed",
            DocumentState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "created" => Some(DocumentState::Created),
            "paid" => Some(DocumentState::Paid),
            "fiscalized" => Some(DocumentState::Fiscalized),
            "printed" => Some(DocumentState::Printed),
            "cancelled" => Some(DocumentState::Cancelled),
            _ => None,
        }
    }

    /// A sale's or a return's receipt is registered (whether its copy printed or not).
    pub fn is_fiscalized(self) -> bool {
        matches!(self, DocumentState::Fiscalized | DocumentState::Printed)
    }

    /// The document still waits for its payment or its receipt: a face may resume it.
    pub fn is_open(self) -> bool {
        matches!(self, DocumentState::Created | DocumentState::Paid)
    }
}

/// What an intent asks of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentOperation {
    /// A receipt sent to a register; `detail` notes the register's last document before it and
    /// the receipt's total, which recovery compares with what the register shows.
    RegisterReceipt,
}

impl IntentOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            IntentOperation::RegisterReceipt => "register-receipt",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "register-receipt" => Some(IntentOperation::RegisterReceipt),
            _ => None,
        }
    }
}

/// Where an intent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentState {
    /// Written before the command went out; its outcome is not journaled yet (a crash, a lost
    /// answer). Recovery asks the device.
    Pending,
    /// The device did it (`outcome` holds its answer).
    Done,
    /// The device did not do it: it refused, or it shows it never did.
    Failed,
    /// What the device did could not be learned: reported (`unknown_intents`), never guessed.
    Unknown,
}

impl IntentState {
    pub fn as_str(self) -> &'static str {
        match self {
            IntentState::Pending => "pending",
            IntentState::Done => "done",
            IntentState::Failed => "failed",
            IntentState::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(IntentState::Pending),
            "done" => Some(IntentState::Done),
            "failed" => Some(IntentState::Failed),
            "unknown" => Some(IntentState::Unknown),
            _ => None,
        }
    }
}

/// What a shift event journaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftEventKind {
    /// A cashier opened the shift.
    Open,
    /// A cashier closed the shift.
    Close,
    /// "Аварийное завершение": an open receipt cancelled and the shift closed, whatever state
    /// the register was in.
    ForceClose,
}

impl ShiftEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ShiftEventKind::Open => "open",
            ShiftEventKind::Close => "close",
            ShiftEventKind::ForceClose => "force-close",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(ShiftEventKind::Open),
            "close" => Some(ShiftEventKind::Close),
            "force-close" => Some(ShiftEventKind::ForceClose),
            _ => None,
        }
    }
}

/// What a row of `payments` asked of the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalOp {
    /// A charge: the card pays the document.
    Pay,
    /// Money back by reference and amount, of the payment in `original`.
    Refund,
    /// The whole of the payment in `original` undone (same batch).
    Reversal,
}

impl TerminalOp {
    pub fn as_str(self) -> &'static str {
        match self {
            TerminalOp::Pay => "pay",
            TerminalOp::Refund => "refund",
            TerminalOp::Reversal => "reversal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pay" => Some(TerminalOp::Pay),
            "refund" => Some(TerminalOp::Refund),
            "reversal" => Some(TerminalOp::Reversal),
            _ => None,
        }
    }
}

/// Where a terminal operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    /// Sent to the terminal; its answer was not seen. Settled only by asking the terminal.
    Sent,
    Approved,
    Declined,
    /// The terminal shows it never did it: no money moved.
    NotDone,
    /// The terminal was asked and what it shows does not settle the question (a transaction the
    /// host did not make came in between): reconciled by a person, never sent again.
    Unknown,
    /// An approved payment a reversal undid since.
    Reversed,
}

impl PaymentState {
    /// The texts an operation sent and never answered is journaled under: journals written
    /// before operations were rows of their own called it `authorizing`.
    pub const SENT_TEXTS: [&'static str; 2] = ["sent", "authorizing"];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Sent => Self::SENT_TEXTS[0],
            PaymentState::Approved => "approved",
            PaymentState::Declined => "declined",
            PaymentState::NotDone => "not-done",
            PaymentState::Unknown => "unknown",
            PaymentState::Reversed => "reversed",
        }
    }

    /// Journals written before operations were rows of their own kept the reversal's outcome
    /// on the payment: the money of a payment whose reversal failed is still charged.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            s if Self::SENT_TEXTS.contains(&s) => Some(PaymentState::Sent),
            "approved" | "reversal-declined" | "reversal-unknown" => Some(PaymentState::Approved),
            "declined" => Some(PaymentState::Declined),
            "not-done" => Some(PaymentState::NotDone),
            "unknown" => Some(PaymentState::Unknown),
            "reversed" => Some(PaymentState::Reversed),
            _ => None,
        }
    }
}

/// A column whose text is none of its enumeration's.
#[derive(Debug, thiserror::Error)]
#[error("not a journaled {what}: {text:?}")]
pub struct UnknownText {
    pub what: &'static str,
    pub text: String,
}

/// Binds each enumeration as its text and reads it back strictly: a row whose text does not
/// parse is a conversion error of that column.
macro_rules! journaled_text {
    ($($enumeration:ident: $what:literal),* $(,)?) => {$(
        impl ToSql for $enumeration {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        impl FromSql for $enumeration {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                $enumeration::parse(text).ok_or_else(|| {
                    FromSqlError::Other(Box::new(UnknownText {
                        what: $what,
                        text: text.to_owned(),
                    }))
                })
            }
        }
    )*};
}

journaled_text!(
    DocumentKind: "document kind",
    DocumentState: "document state",
    IntentOperation: "intent operation",
    IntentState: "intent state",
    ShiftEventKind: "shift event kind",
);

/// The states a look-up finds among few rows, spelled as SQL text: SQLite uses a partial index
/// only for a `WHERE` that contains the index's own condition, and a bound parameter is not
/// that (issue 20). Indexes of every row's state put a page of their own into each receipt's
/// commit (the rows' states are spread over the whole table); these hold the few rows still
/// open, on one page that a group commit writes once for all its receipts.
pub mod by_state {
    /// An operation sent whose answer was never seen (`PaymentState::SENT_TEXTS`).
    pub const UNSETTLED: &str = "state IN ('sent', 'authorizing')";
    /// An intent whose outcome was never journaled (`IntentState::Pending`).
    pub const PENDING: &str = "state = 'pending'";
    /// An intent recovery could not settle (`IntentState::Unknown`).
    pub const UNKNOWN: &str = "state = 'unknown'";

    /// The partial indexes of those conditions. They replace `payments_by_state` (every
    /// payment's terminal and state) and `intents_by_state` (every intent's state): an
    /// existing journal loses those at open.
    pub const INDEXES: &str = "
DROP INDEX IF EXISTS payments_by_state;
DROP INDEX IF EXISTS intents_by_state;
CREATE INDEX IF NOT EXISTS payments_unsettled ON payments(terminal)
    WHERE state IN ('sent', 'authorizing');
CREATE INDEX IF NOT EXISTS intents_pending ON intents(device) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS intents_unknown ON intents(state) WHERE state = 'unknown';
";
}

impl ToSql for TerminalOp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

/// Rows made before operations had a column of their own were payments (the migration's
/// default), and a text this host does not know is read as one too.
impl FromSql for TerminalOp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        Ok(TerminalOp::parse(value.as_str()?).unwrap_or(TerminalOp::Pay))
    }
}

impl ToSql for PaymentState {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

/// A state this host does not know says nothing of where the money is: a person reconciles
/// it, as any other unknown outcome.
impl FromSql for PaymentState {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        Ok(PaymentState::parse(value.as_str()?).unwrap_or(PaymentState::Unknown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_conditions_spell_the_states_they_stand_for() {
        let [sent, authorizing] = PaymentState::SENT_TEXTS;
        assert_eq!(
            by_state::UNSETTLED,
            format!("state IN ('{sent}', '{authorizing}')")
        );
        assert_eq!(
            by_state::PENDING,
            format!("state = '{}'", IntentState::Pending.as_str())
        );
        assert_eq!(
            by_state::UNKNOWN,
            format!("state = '{}'", IntentState::Unknown.as_str())
        );
        for condition in [by_state::UNSETTLED, by_state::PENDING, by_state::UNKNOWN] {
            assert!(
                by_state::INDEXES.contains(&format!("WHERE {condition}")),
                "{condition}"
            );
        }
    }

    /// Every text of every enumeration, with the parse of it.
    fn texts() -> Vec<(&'static str, bool)> {
        let mut texts = Vec::new();
        macro_rules! each {
            ($enumeration:ident: $($variant:ident),*) => {
                $(texts.push((
                    $enumeration::$variant.as_str(),
                    $enumeration::parse($enumeration::$variant.as_str())
                        == Some($enumeration::$variant),
                ));)*
            };
        }
        each!(DocumentKind: Sale, Return, Credit, Correction);
        each!(DocumentState: Created, Paid, Fiscalized, Printed, Cancelled);
        each!(IntentOperation: RegisterReceipt);
        each!(IntentState: Pending, Done, Failed, Unknown);
        each!(ShiftEventKind: Open, Close, ForceClose);
        each!(TerminalOp: Pay, Refund, Reversal);
        each!(PaymentState: Sent, Approved, Declined, NotDone, Unknown, Reversed);
        texts
    }

    #[test]
    fn each_variant_reads_back_as_itself() {
        for (text, reads_back) in texts() {
            assert!(reads_back, "{text:?} does not parse back");
        }
        assert_eq!(PaymentState::parse("authorizing"), Some(PaymentState::Sent));
        assert_eq!(
            PaymentState::parse("reversal-declined"),
            Some(PaymentState::Approved)
        );
        assert_eq!(DocumentState::parse("Paid"), None);
    }

    /// Quoted texts that mean a journaled state and nothing else in the host.
    const QUOTED: &[&str] = &[
        "created",
        "paid",
        "fiscalized",
        "printed",
        "cancelled",
        "credit",
        "register-receipt",
        "force-close",
        "not-done",
        "authorizing",
        "reversal-declined",
        "reversal-unknown",
    ];

    /// The code of a file, its test module (the last item, by the crate's convention) cut off:
    /// tests may spell old journals' text to build them.
    fn code(text: &str) -> &str {
        match text.find("#[cfg(test)]\nmod ") {
            Some(at) => &text[..at],
            None => text,
        }
    }

    /// `needle`'s occurrences on a line, except a column's `DEFAULT` in the schema.
    fn spelled(line: &str, needle: &str) -> bool {
        line.match_indices(needle)
            .any(|(at, _)| !line[..at].trim_end().ends_with("DEFAULT"))
    }

    fn sources(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    /// Offending `file:line: text` of every spelled state outside this module.
    fn spelled_states(files: &[(String, String)]) -> Vec<String> {
        let mut needles: Vec<String> = QUOTED.iter().map(|t| format!("\"{t}\"")).collect();
        needles.extend(texts().iter().map(|(t, _)| format!("'{t}'")));
        needles.extend(PaymentState::SENT_TEXTS.iter().map(|t| format!("'{t}'")));
        let mut offending = Vec::new();
        for (name, text) in files {
            for (number, line) in code(text).lines().enumerate() {
                if needles.iter().any(|n| spelled(line, n)) {
                    offending.push(format!("{name}:{}: {}", number + 1, line.trim()));
                }
            }
        }
        offending
    }

    #[test]
    fn no_state_is_spelled_outside_this_module() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut paths = Vec::new();
        sources(&src, &mut paths);
        let this = src.join("journal").join("states.rs");
        let files: Vec<(String, String)> = paths
            .into_iter()
            .filter(|p| *p != this)
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p.strip_prefix(&src).unwrap().display().to_string(), text)
            })
            .collect();
        assert!(files.len() > 20, "host/src not found under {src:?}");
        let offending = spelled_states(&files);
        assert!(
            offending.is_empty(),
            "journaled states spelled outside journal/states.rs (use the enums):\n{}",
            offending.join("\n")
        );
    }

    #[test]
    fn the_check_sees_a_spelled_state_and_spares_schema_defaults_and_tests() {
        let file = |text: &str| vec![("x.rs".to_owned(), text.to_owned())];
        assert_eq!(
            spelled_states(&file("if doc.state == \"paid\" {}\n")),
            ["x.rs:1: if doc.state == \"paid\" {}"]
        );
        assert_eq!(
            spelled_states(&file("let sql = \"kind = 'return'\";\n")).len(),
            1
        );
        assert!(spelled_states(&file("op TEXT NOT NULL DEFAULT 'pay',\n")).is_empty());
        assert!(
            spelled_states(&file("fn f() {}\n#[cfg(test)]\nmod tests { \"paid\" }\n")).is_empty()
        );
    }
}
