//! The fiscal core: the one place that decides. Document lifecycle (created → paid →
//! fiscalized → printed, or cancelled), shifts, card payments and the payment ↔ fiscal saga,
//! idempotency and crash recovery. Faces turn their requests into these calls and map
//! `CoreError` to their own formats; the core never formats a reply.

mod answers;
mod correction;
mod crash;
pub mod credit;
mod document;
mod fiscal;
pub mod fiscal_drive;
pub mod health;
pub mod journal_view;
pub mod lanes;
pub mod marking;
pub mod preview;
pub mod price;
mod recovery;
mod refunds;
pub mod reports;
mod requests;
mod sale;
mod shifts;
mod terminal;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A correction receipt's basis as the faces hand it over (`core::correction` checks it).
pub use crate::plugins::contract::types::{Correction, CorrectionBasis};
pub use correction::correction_of;
pub use crash::CrashPoint;
pub use document::{CalcType, DocKind, DocumentBody, Margin, SaleLine, TaxSpec};
pub use lanes::{Face, Lane, Lanes};
pub use recovery::RecoveryReport;
pub use requests::{Recall, RequestKey, SaleOrder, Sold};
pub use sale::Tender;

use crate::config::DeviceKind;
use crate::devices::{DeviceError, DeviceHandle, Devices};
use crate::journal::{Journal, JournalError, JournalGuard, SharedJournal, SyncError};
use crate::plugins::Plugins;
use crate::plugins::contract::device::ErrorClass;

/// Why a command failed, in the core's terms; each face maps these once to its own codes.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("invalid value: {0}")]
    InvalidInput(String),
    #[error("there is no open document")]
    NoOpenDocument,
    #[error("the amount {got} differs from the document's {expected}")]
    AmountMismatch { expected: i64, got: i64 },
    /// The total the client stated is not what its lines come to.
    #[error("the stated total {stated} differs from the lines' total {computed}")]
    TotalMismatch { stated: i64, computed: i64 },
    /// Another receipt holds this client receipt number (seed 002's `code`).
    #[error("a receipt with code {0:?} already exists")]
    DuplicateCode(String),
    /// The document's lines come to nothing (e.g. 0.01 × 0.001): `lines` (from 1) are those
    /// whose amount is zero.
    #[error("the document's total is zero (lines {lines:?} come to nothing)")]
    ZeroTotal { lines: Vec<usize> },
    #[error("the shift is not open")]
    ShiftClosed,
    #[error("the shift is already open")]
    ShiftAlreadyOpen,
    #[error("the shift is older than 24 hours; close it first")]
    ShiftExpired,
    #[error("the payment was declined (response code {code}): {text}")]
    PaymentDeclined { code: u32, text: String },
    #[error("the register refused the receipt: {reason}{}", match .card { Reversal::NothingPaid => "", Reversal::Reversed => "; the card payment was reversed", Reversal::NotReversed => "; the card payment could NOT be reversed" })]
    ReceiptRefused { reason: String, card: Reversal },
    /// The marking system did not confirm line `line`'s code (from 1), and the policy does not
    /// sell it: the code was declined on the register, nothing was charged or fiscalized.
    #[error("line {line}: the marking code was not confirmed: {message}")]
    MarkingRejected { line: usize, message: String },
    #[error("device unavailable: {0}")]
    DeviceUnavailable(String),
    /// The lane's register cannot fiscalize receipts of the lane's jurisdiction (`why` says
    /// which and what would): refused before anything is journaled or charged.
    #[error("{why}")]
    NotFiscal {
        lane: String,
        country: crate::config::Country,
        why: String,
    },
    /// The device answered, and refused: out of paper, its cover open, its fiscal drive failing.
    #[error("the device refused ({fault:?}): {message}")]
    DeviceRefused { fault: Fault, message: String },
    #[error("no such payment, or the amount exceeds what is left of it")]
    PaymentNotFound,
    #[error("tax calculation: {0}")]
    Tax(String),
    #[error("the outcome at the device is unknown: {0}")]
    OutcomeUnknown(String),
    #[error("a plugin failed ({0})")]
    Plugin(Incident),
    #[error("internal error ({0})")]
    Internal(Incident),
}

/// Why a device that answered would not do it, so a face can say what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    PaperOut,
    CoverOpen,
    FiscalDrive,
    /// The command does not fit the device's state, is not supported, or another vendor error.
    Refused,
}

/// What became of the card payment of a receipt the register refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reversal {
    /// Nothing was paid by card (cash only): nothing to give back.
    NothingPaid,
    /// The terminal gave the money back.
    Reversed,
    /// The money is still charged: a person must give it back.
    NotReversed,
}

/// A failure whose details (a Wasm backtrace, a guest's output, an SQLite message) are for the
/// shop's log, not for the client: logged once, with an id the client's reply carries, so
/// support can find the one log line a till's screen shows the number of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: String,
}

impl Incident {
    pub fn log(detail: &dyn std::fmt::Display) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        tracing::error!(incident = %id, "{detail}");
        Incident { id }
    }
}

impl std::fmt::Display for Incident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "incident {}", self.id)
    }
}

impl CoreError {
    /// An internal failure: its detail goes to the log, the client gets the incident's id.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        CoreError::Internal(Incident::log(&detail))
    }

    /// A plugin trapped, ran out of time or memory: an internal error in every face.
    pub fn plugin(e: &crate::plugins::PluginError) -> Self {
        CoreError::Plugin(Incident::log(&format_args!("{e:?}")))
    }
}

impl From<crate::plugins::PluginError> for CoreError {
    fn from(e: crate::plugins::PluginError) -> Self {
        CoreError::plugin(&e)
    }
}

impl From<JournalError> for CoreError {
    fn from(e: JournalError) -> Self {
        CoreError::internal(e)
    }
}

impl From<SyncError> for CoreError {
    fn from(e: SyncError) -> Self {
        CoreError::internal(e)
    }
}

impl From<DeviceError> for CoreError {
    fn from(e: DeviceError) -> Self {
        match e.class() {
            Some(ErrorClass::ShiftClosed) => CoreError::ShiftClosed,
            Some(ErrorClass::ShiftAlreadyOpen) => CoreError::ShiftAlreadyOpen,
            Some(ErrorClass::ShiftExpired) => CoreError::ShiftExpired,
            Some(ErrorClass::PaperOut) => refused(Fault::PaperOut, &e),
            Some(ErrorClass::CoverOpen) => refused(Fault::CoverOpen, &e),
            Some(ErrorClass::FiscalDrive) => refused(Fault::FiscalDrive, &e),
            Some(ErrorClass::WrongState | ErrorClass::Unsupported | ErrorClass::Device) => {
                refused(Fault::Refused, &e)
            }
            Some(ErrorClass::Communication) | None => match e {
                DeviceError::Plugin { source, .. } => CoreError::plugin(&source),
                e => CoreError::DeviceUnavailable(e.to_string()),
            },
        }
    }
}

fn refused(fault: Fault, e: &DeviceError) -> CoreError {
    CoreError::DeviceRefused {
        fault,
        message: e.to_string(),
    }
}

/// A device as the faces show it (`/devices`, `/health`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceStatus {
    #[serde(flatten)]
    pub device: crate::devices::DeviceView,
    /// A register's lane.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lane: Option<LaneStatus>,
    /// A register's fiscal drive as last asked, with its deadlines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fiscal_drive: Option<fiscal_drive::FnStatus>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LaneStatus {
    pub jurisdiction: crate::config::Country,
    pub currency: &'static str,
    /// Whether the register fiscalizes the lane's receipts; `not_fiscal` says why not.
    pub fiscal: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_fiscal: Option<String>,
}

/// What a fiscalized document got from the register.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct FiscalRecord {
    pub shift_number: u32,
    pub receipt_number: u32,
    pub document_number: u32,
    pub fiscal_sign: String,
    pub fn_number: String,
    pub registration_number: String,
    /// ISO 8601 as the register reported it.
    pub date_time: String,
}

/// What the card terminal said of an approved payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPayment {
    pub rrn: String,
    pub auth_id: i64,
    pub auth_code: String,
    pub card_number: String,
}

/// The answer to a payment that ended in a fiscal receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub document_id: i64,
    /// The card part, when there was one.
    pub card: Option<CardPayment>,
    pub fiscal: FiscalRecord,
    /// Cash tendered above the total, given back (the register printed it).
    pub change: i64,
    /// Set when the receipt could not be printed on the receipt printer (it is fiscalized).
    pub print_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub document_id: i64,
    pub total: i64,
    pub warnings: Vec<String>,
}

/// The answer to a reversal or a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancelled {
    pub response_code: u32,
    /// The return receipt registered for a fiscalized sale.
    pub return_receipt: Option<FiscalRecord>,
}

pub struct Core {
    journal: SharedJournal,
    devices: Devices,
    plugins: Plugins,
    lanes: Lanes,
    /// Seed 002: a second receipt with the same `code` is refused (`requests`).
    unique_receipt_codes: bool,
    crash: Option<CrashPoint>,
    /// What the last recovery found, for `/health`.
    recovery: Mutex<RecoveryReport>,
    /// Each device's turn (`terminal::Turn`), made on first use.
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Core {
    pub fn new(
        journal: Journal,
        devices: Devices,
        plugins: Plugins,
        lanes: Lanes,
        unique_receipt_codes: bool,
    ) -> std::io::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            journal: SharedJournal::new(journal)?,
            devices,
            plugins,
            lanes,
            unique_receipt_codes,
            crash: CrashPoint::from_env(),
            recovery: Mutex::default(),
            turns: Mutex::default(),
        }))
    }

    /// What recovery found at start: documents resolved, and what stays unknown.
    pub fn recovery_report(&self) -> RecoveryReport {
        self.recovery
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn devices(&self) -> &Devices {
        &self.devices
    }

    /// The journal, for one short synchronous step; never held across a device call. Private
    /// to the core: the faces ask the core, which alone reads and writes it.
    fn journal(&self) -> JournalGuard<'_> {
        self.journal.lock()
    }

    /// Waits until every journal write so far is on disk. Called before anything outside the
    /// host learns of a write: before a face replies, before a device command that an intent
    /// or a payment row announced.
    pub async fn durable(&self) -> Result<(), CoreError> {
        Ok(self.journal.durable().await?)
    }

    /// Deletes up to `limit` outbox rows head office holds (`seq <= shipped`) written before
    /// `before`, inside the group commit's transaction: the journal has one writer, and a
    /// second connection would wait on its lock. Nobody waits for this write to be synced; a
    /// prune a crash undoes is done again.
    pub fn prune_outbox(&self, shipped: i64, before: &str, limit: u32) -> Result<usize, CoreError> {
        Ok(self.journal().prune_outbox(shipped, before, limit)?)
    }

    /// (journal writes, fsyncs) since start: how well the group commit groups.
    pub fn journal_counters(&self) -> (u64, u64) {
        (self.journal.writes(), self.journal.fsyncs())
    }

    /// The lanes, for what a face shows of them.
    pub fn lanes(&self) -> &Lanes {
        &self.lanes
    }

    /// Every loaded component: each tax plugin, the layout, then each device's driver.
    pub fn plugin_reports(&self) -> Vec<crate::plugins::LoadReport> {
        let mut reports = self.plugins.reports();
        reports.extend(self.devices.driver_reports());
        reports
    }

    /// The operator's reload: every plugin given by path is loaded again from its file, each
    /// checked against its world before it replaces the one serving; tax and layout plugins
    /// swap between two calls, a driver between two operations of its device's queue. Nothing
    /// queued is dropped or run twice; a file that does not load leaves the old plugin serving.
    pub async fn reload_plugins(&self) -> Vec<crate::plugins::Reload> {
        let mut done = self.plugins.reload().await;
        done.extend(self.devices.reload_drivers(self.plugins.runtime()).await);
        done
    }

    /// Every device as it was last seen, a register with its lane: what the faces show.
    pub fn device_status(&self) -> Vec<DeviceStatus> {
        self.devices
            .views()
            .into_iter()
            .map(|device| {
                let lane = (device.kind == DeviceKind::FiscalRegister).then(|| {
                    let lane = self.lanes.of(&device.id);
                    let not_fiscal =
                        lane.not_fiscal(&device.driver, device.jurisdictions.as_deref());
                    LaneStatus {
                        jurisdiction: lane.country,
                        currency: lane.currency,
                        fiscal: not_fiscal.is_none(),
                        not_fiscal,
                    }
                });
                let fiscal_drive = device.fiscal_drive.as_ref().map(fiscal_drive::FnStatus::of);
                DeviceStatus {
                    device,
                    lane,
                    fiscal_drive,
                }
            })
            .collect()
    }

    /// The register a face's request sells on: the one it names, else the face's default lane
    /// (`Lanes::default_for`).
    pub fn register_for(&self, face: Face, id: Option<&str>) -> Result<&DeviceHandle, CoreError> {
        match id {
            Some(id) => self.register(Some(id)),
            None => self.register(Some(self.lanes.default_for(face).ok_or_else(|| {
                CoreError::DeviceUnavailable("no fiscal register is configured".into())
            })?)),
        }
    }

    /// A fiscal register by id, or the first one configured.
    pub fn register(&self, id: Option<&str>) -> Result<&DeviceHandle, CoreError> {
        let handle = match id {
            Some(id) => self
                .devices
                .get(id)
                .map_err(|e| CoreError::InvalidInput(e.to_string()))?,
            None => self
                .devices
                .first(DeviceKind::FiscalRegister)
                .ok_or_else(|| {
                    CoreError::DeviceUnavailable("no fiscal register is configured".into())
                })?,
        };
        if handle.kind() != DeviceKind::FiscalRegister {
            return Err(CoreError::InvalidInput(format!(
                "device {} is not a fiscal register",
                handle.id()
            )));
        }
        Ok(handle)
    }

    /// The card terminal of a register's lane (or the first one).
    fn terminal_of(&self, register: &str) -> Result<&DeviceHandle, CoreError> {
        self.devices.terminal_of(register).ok_or_else(no_terminal)
    }

    /// The terminal that took a payment (or the first one, if it is no longer configured).
    fn terminal_of_payment(
        &self,
        payment: &crate::journal::PaymentRow,
    ) -> Result<&DeviceHandle, CoreError> {
        self.devices
            .get(&payment.terminal)
            .ok()
            .filter(|t| t.kind() == DeviceKind::PaymentTerminal)
            .or_else(|| self.devices.first(DeviceKind::PaymentTerminal))
            .ok_or_else(no_terminal)
    }

    /// A register for a fiscal operation (an X report, cash in or out): refused on a lane whose
    /// register cannot fiscalize there, as its receipts and shifts are.
    async fn fiscal_register(&self, device: &str) -> Result<&DeviceHandle, CoreError> {
        let register = self.register(Some(device))?;
        self.require_fiscal_lane(device).await?;
        Ok(register)
    }

    /// Refuses a fiscal document on a lane whose register cannot fiscalize it: the register's
    /// driver says where it fiscalizes (asked now if the register has not described itself yet,
    /// so a register that was offline at start is never trusted by default).
    async fn require_fiscal_lane(&self, device: &str) -> Result<&Lane, CoreError> {
        let register = self.register(Some(device))?;
        let serves = register.jurisdictions().await?;
        let lane = self.lanes.of(device);
        match lane.not_fiscal(&register.driver_report().name, serves.as_deref()) {
            Some(why) => Err(CoreError::NotFiscal {
                lane: device.to_owned(),
                country: lane.country,
                why,
            }),
            None => Ok(lane),
        }
    }

    fn crash_point(&self, point: CrashPoint) {
        if self.crash == Some(point) {
            crash::die(point);
        }
    }
}

fn no_terminal() -> CoreError {
    CoreError::DeviceUnavailable("no payment terminal is configured".into())
}
