//! One device's actor: a thread that owns the device's line and driver, runs queued operations
//! one at a time, and refreshes the device's status when idle.
//!
//! A thread, not a task: a driver call blocks on the line (a register may take seconds to
//! print), and that must stall nothing but this device.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use super::DeviceError;
use crate::config::{DeviceConfig, DeviceKind};
use crate::plugins::contract::layout::Element;
use crate::plugins::contract::register::{
    Cashier, CorrectionReceipt, DeviceInfo, DeviceStatus, ErrorClass, FiscalDriveState,
    FiscalReceipt, FiscalResult, LastDocument, MarkingCheck, MarkingCheckResult, MarkingDecision,
    Money, PrinterStatus, ShiftCounters, ShiftState,
};
use crate::plugins::contract::terminal::Transaction;
use crate::plugins::{DriverInstance, DriverPlugin, DriverResult, LoadReport};

/// A Z report's answer: the register's fiscal result, and the shift's counters it printed when
/// the register can tell them.
#[derive(Debug, Clone)]
pub struct ZReport {
    pub result: FiscalResult,
    pub counters: Option<ShiftCounters>,
}

/// What `/devices` shows of a device; kept current by the actor.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceView {
    pub id: String,
    pub kind: DeviceKind,
    pub driver: String,
    pub transport: String,
    /// The line is open and the device answered its last operation.
    pub online: bool,
    pub last_error: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub shift: Option<&'static str>,
    pub shift_number: Option<u32>,
    /// When the open shift was opened, on the register's clock (`YYYY-MM-DDTHH:MM:SS`, no
    /// zone: the register keeps the shop's local time), as its last status said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift_opened: Option<String>,
    pub paper_present: Option<bool>,
    pub cover_open: Option<bool>,
    /// Where a register fiscalizes, as its driver said when it described the device
    /// (`device-info.jurisdictions`); none before that, and for a driver that does not say
    /// (one built against WIT 0.1.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdictions: Option<Vec<String>>,
    /// A register's fiscal drive as last asked (at each idle refresh and each `fiscal_drive_status`);
    /// none before, and for a driver that cannot tell. The core shows it with its deadlines.
    #[serde(skip)]
    pub fiscal_drive: Option<FiscalDriveState>,
    /// Characters per line at normal size, as the device said when it described itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper_width: Option<u32>,
    /// A register's shift as its last word told it: its last status, a receipt it registered
    /// (its shift was open), a receipt it refused for its shift. What `create_doc` checks
    /// without a round trip (`Core::require_open_shift_seen`).
    #[serde(skip)]
    pub shift_seen: Option<ShiftState>,
}

impl DeviceView {
    /// What a device said of itself (`model` is set only here, so it tells a device that has).
    fn described(&mut self, info: DeviceInfo) {
        self.model = Some(format!("{} {}", info.vendor, info.model));
        self.serial_number = Some(info.serial_number);
        self.jurisdictions = info.jurisdictions;
        self.paper_width = (info.paper_width > 0).then_some(info.paper_width);
    }
}

type Job = Box<dyn FnOnce(&mut Worker) + Send>;

/// The handle the core and faces use; cheap to clone.
#[derive(Clone)]
pub struct DeviceHandle {
    id: Arc<str>,
    kind: DeviceKind,
    jobs: mpsc::Sender<Job>,
    view: Arc<Mutex<DeviceView>>,
    timeout: Duration,
    /// The report of the driver serving now (a reload replaces it).
    driver_report: Arc<Mutex<Arc<LoadReport>>>,
}

struct Worker {
    id: Arc<str>,
    kind: DeviceKind,
    /// The driver's one instance for this device, holding the device's line.
    driver: DriverInstance,
    connected: Arc<AtomicBool>,
    view: Arc<Mutex<DeviceView>>,
}

impl DeviceHandle {
    /// Starts the actor thread of a device.
    pub(super) fn spawn(
        config: &DeviceConfig,
        driver: DriverInstance,
        connected: Arc<AtomicBool>,
        transport: String,
    ) -> std::io::Result<Self> {
        let driver_report = Arc::new(Mutex::new(Arc::new(driver.report().clone())));
        let driver_name = driver.report().name.clone();
        let view = Arc::new(Mutex::new(DeviceView {
            id: config.id.clone(),
            kind: config.kind,
            driver: driver_name,
            transport,
            online: false,
            last_error: None,
            model: None,
            serial_number: None,
            shift: None,
            shift_number: None,
            shift_opened: None,
            paper_present: None,
            cover_open: None,
            jurisdictions: None,
            fiscal_drive: None,
            paper_width: None,
            shift_seen: None,
        }));
        let (jobs, queue) = mpsc::channel::<Job>();
        let mut worker = Worker {
            id: config.id.as_str().into(),
            kind: config.kind,
            driver,
            connected,
            view: view.clone(),
        };
        let idle = Duration::from_millis(config.status_interval_ms);
        std::thread::Builder::new()
            .name(format!("device-{}", config.id))
            .spawn(move || {
                worker.refresh(true);
                loop {
                    match queue.recv_timeout(idle) {
                        Ok(job) => job(&mut worker),
                        Err(mpsc::RecvTimeoutError::Timeout) => worker.refresh(false),
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                }
            })?;
        Ok(Self {
            id: config.id.as_str().into(),
            kind: config.kind,
            jobs,
            view,
            timeout: Duration::from_millis(config.operation_timeout_ms),
            driver_report,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn kind(&self) -> DeviceKind {
        self.kind
    }

    pub fn driver_report(&self) -> Arc<LoadReport> {
        self.driver_report
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Serves with another build of the driver, queued like an operation: the operations
    /// queued before it run on the old build, and those after it on the new one. A receipt is
    /// one operation, so a register mid-receipt finishes it first.
    pub async fn swap_driver(&self, plugin: DriverPlugin) -> Result<(), DeviceError> {
        let report = Arc::new(plugin.report().clone());
        let shared = self.driver_report.clone();
        self.run(move |worker| {
            worker.driver.swap(plugin);
            *shared.lock().unwrap_or_else(|p| p.into_inner()) = report.clone();
            let mut view = worker.view.lock().unwrap_or_else(|p| p.into_inner());
            view.driver = report.name.clone();
            Ok(())
        })
        .await
    }

    pub fn view(&self) -> DeviceView {
        self.view.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runs one driver operation, after those queued before it.
    async fn op<R: Send + 'static>(
        &self,
        op: impl FnOnce(&mut DriverInstance) -> DriverResult<R> + Send + 'static,
    ) -> Result<R, DeviceError> {
        self.run(move |worker| worker.call(op)).await
    }

    pub async fn describe(&self) -> Result<DeviceInfo, DeviceError> {
        self.op(|d| d.describe()).await
    }

    /// Where the register fiscalizes (`DeviceView::jurisdictions`): as it said when it described
    /// itself, or, when it has not yet (it was offline), as it says now. `None`: its driver does
    /// not say.
    pub async fn jurisdictions(&self) -> Result<Option<Vec<String>>, DeviceError> {
        Ok(self.described().await?.jurisdictions)
    }

    /// The paper's characters per line at normal size, as the device said (`None`: it does not
    /// say): what a copy is laid out for.
    pub async fn paper_width(&self) -> Result<Option<u32>, DeviceError> {
        Ok(self.described().await?.paper_width)
    }

    /// The view once the device has described itself (asked now if it has not yet).
    async fn described(&self) -> Result<DeviceView, DeviceError> {
        {
            let view = self.view.lock().unwrap_or_else(|p| p.into_inner());
            if view.model.is_some() {
                return Ok(view.clone());
            }
        }
        let info = self.describe().await?;
        let mut view = self.view.lock().unwrap_or_else(|p| p.into_inner());
        view.described(info);
        Ok(view.clone())
    }

    pub async fn status(&self) -> Result<DeviceStatus, DeviceError> {
        self.run(|worker| {
            let status = worker.call(|d| d.status());
            if let Ok(status) = &status {
                worker.saw_shift(status.shift);
            }
            status
        })
        .await
    }

    /// The register's shift as its last word told it (`DeviceView::shift_seen`).
    pub fn shift_seen(&self) -> Option<ShiftState> {
        self.view
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .shift_seen
    }

    pub async fn printer_status(&self) -> Result<PrinterStatus, DeviceError> {
        self.op(|d| d.printer_status()).await
    }

    pub async fn register_correction(
        &self,
        receipt: CorrectionReceipt,
    ) -> Result<FiscalResult, DeviceError> {
        self.op(move |d| d.register_correction(receipt)).await
    }

    pub async fn check_marking_code(
        &self,
        check: MarkingCheck,
    ) -> Result<MarkingCheckResult, DeviceError> {
        self.op(move |d| d.check_marking_code(check)).await
    }

    pub async fn decide_marking_code(&self, decision: MarkingDecision) -> Result<(), DeviceError> {
        self.op(move |d| d.decide_marking_code(decision)).await
    }

    pub async fn fiscal_drive_status(&self) -> Result<FiscalDriveState, DeviceError> {
        let state = self.op(|d| d.fiscal_drive_status()).await?;
        self.view
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .fiscal_drive = Some(state.clone());
        Ok(state)
    }

    pub async fn open_shift(&self, cashier: Cashier) -> Result<FiscalResult, DeviceError> {
        self.shift_op(move |d| d.open_shift(cashier)).await
    }

    /// Z report: the shift's counters, then the close, in one job so that nothing the host
    /// sends comes between the counters read and the report that prints them. A register
    /// that cannot tell its counters (a driver before 0.3.0) or fails to still closes its
    /// shift: the counters are head office's check, the Z report is the law's.
    pub async fn close_shift(&self, cashier: Cashier) -> Result<ZReport, DeviceError> {
        let device = self.id.clone();
        self.shift_op(move |d| {
            let counters = d
                .shift_totals()
                .map_err(|failure| DeviceError::from_failure(&device, failure))
                .inspect_err(|e| {
                    if e.class() != Some(ErrorClass::Unsupported) {
                        tracing::warn!("the shift's counters before the Z report: {e}");
                    }
                })
                .ok();
            d.close_shift(cashier)
                .map(|result| ZReport { result, counters })
        })
        .await
    }

    /// A shift's opening or closing, then the register's status at once (not at the next idle
    /// refresh), so `/devices` and the admin page show the new shift and when it opened.
    async fn shift_op<R: Send + 'static>(
        &self,
        op: impl FnOnce(&mut DriverInstance) -> DriverResult<R> + Send + 'static,
    ) -> Result<R, DeviceError> {
        self.run(move |worker| {
            let result = worker.call(op);
            if result.is_ok() {
                worker.refresh(false);
            }
            result
        })
        .await
    }

    pub async fn register_receipt(
        &self,
        receipt: FiscalReceipt,
    ) -> Result<FiscalResult, DeviceError> {
        // Noted on the device's thread, in the order the register answered.
        self.run(move |worker| {
            let answer = worker.call(move |d| d.register_receipt(receipt));
            match &answer {
                Ok(_) => worker.saw_shift(ShiftState::Open),
                Err(e) if e.class() == Some(ErrorClass::ShiftClosed) => {
                    worker.saw_shift(ShiftState::Closed)
                }
                Err(e) if e.class() == Some(ErrorClass::ShiftExpired) => {
                    worker.saw_shift(ShiftState::Expired)
                }
                Err(_) => {}
            }
            answer
        })
        .await
    }

    pub async fn print(&self, elements: Vec<Element>) -> Result<(), DeviceError> {
        self.op(move |d| d.print(elements)).await
    }

    pub async fn cancel_open_receipt(&self) -> Result<(), DeviceError> {
        self.op(|d| d.cancel_open_receipt()).await
    }

    pub async fn x_report(&self, cashier: Cashier) -> Result<(), DeviceError> {
        self.op(move |d| d.x_report(cashier)).await
    }

    pub async fn cash_in(&self, cashier: Cashier, amount: Money) -> Result<(), DeviceError> {
        self.op(move |d| d.cash_in(cashier, amount)).await
    }

    pub async fn cash_out(&self, cashier: Cashier, amount: Money) -> Result<(), DeviceError> {
        self.op(move |d| d.cash_out(cashier, amount)).await
    }

    pub async fn last_fiscal_document(&self) -> Result<LastDocument, DeviceError> {
        self.op(|d| d.last_fiscal_document()).await
    }

    pub async fn pay(&self, amount: Money) -> Result<Transaction, DeviceError> {
        self.op(move |d| d.pay(amount)).await
    }

    /// Reverses a transaction of the terminal's current batch by its `auth_id`.
    pub async fn cancel(&self, auth_id: u32) -> Result<Transaction, DeviceError> {
        self.op(move |d| d.cancel(auth_id)).await
    }

    pub async fn refund(&self, rrn: String, amount: Money) -> Result<Transaction, DeviceError> {
        self.op(move |d| d.refund(rrn, amount)).await
    }

    pub async fn last_transaction(&self) -> Result<Option<Transaction>, DeviceError> {
        self.op(|d| d.last_transaction()).await
    }

    /// Reads the device's status again (what `/devices` shows) after the operations queued
    /// before: a shift opened or closed shows at once, not at the next idle refresh.
    pub async fn refresh_status(&self) -> Result<(), DeviceError> {
        self.run(|worker| {
            worker.refresh(false);
            Ok(())
        })
        .await
    }

    async fn run<R: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Worker) -> Result<R, DeviceError> + Send + 'static,
    ) -> Result<R, DeviceError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |worker: &mut Worker| {
                let _ = reply.send(job(worker));
            }))
            .map_err(|_| DeviceError::Stopped(self.id.to_string()))?;
        match tokio::time::timeout(self.timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(DeviceError::Stopped(self.id.to_string())),
            // The operation goes on in the actor (a register cannot be interrupted mid-receipt);
            // the caller learns it took too long, and recovery asks the device what happened.
            Err(_) => Err(DeviceError::Timeout {
                device: self.id.to_string(),
                timeout_ms: self.timeout.as_millis() as u64,
            }),
        }
    }
}

impl Worker {
    /// Runs one driver call and records what it says about the device.
    fn call<R>(
        &mut self,
        call: impl FnOnce(&mut DriverInstance) -> DriverResult<R>,
    ) -> Result<R, DeviceError> {
        let result =
            call(&mut self.driver).map_err(|failure| DeviceError::from_failure(&self.id, failure));
        self.note(&result);
        result
    }

    fn note<R>(&self, result: &Result<R, DeviceError>) {
        let connected = self.connected.load(Ordering::SeqCst);
        let mut view = self.view.lock().unwrap_or_else(|p| p.into_inner());
        let answered = match result {
            Ok(_) => true,
            // The device answered, only with an error of its own.
            Err(e) => !matches!(e.class(), Some(ErrorClass::Communication) | None),
        };
        view.online = connected && answered;
        view.last_error = result.as_ref().err().map(|e| e.to_string());
    }

    fn saw_shift(&self, shift: ShiftState) {
        self.view
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .shift_seen = Some(shift);
    }

    /// Asks the device who and how it is: at start and whenever the queue is idle.
    fn refresh(&mut self, describe: bool) {
        let unknown = self.view.lock().map(|v| v.model.is_none()).unwrap_or(true);
        if (describe || unknown)
            && let Ok(info) = self.call(|d| d.describe())
        {
            self.view
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .described(info);
        }
        // A terminal has no status beyond answering; a printer has paper and cover; a register
        // has those and a shift.
        match self.kind {
            DeviceKind::PaymentTerminal => {}
            DeviceKind::Printer => {
                if let Ok(status) = self.call(|d| d.printer_status()) {
                    let mut view = self.view.lock().unwrap_or_else(|p| p.into_inner());
                    view.paper_present = Some(status.paper_present);
                    view.cover_open = Some(status.cover_open);
                }
            }
            DeviceKind::FiscalRegister => {
                if let Ok(status) = self.call(|d| d.status()) {
                    let mut view = self.view.lock().unwrap_or_else(|p| p.into_inner());
                    view.shift = Some(match status.shift {
                        ShiftState::Closed => "closed",
                        ShiftState::Open => "open",
                        ShiftState::Expired => "expired",
                    });
                    view.shift_seen = Some(status.shift);
                    view.shift_number = Some(status.shift_number);
                    view.shift_opened = status
                        .shift_opened
                        .filter(|_| status.shift != ShiftState::Closed)
                        .map(|t| {
                            format!(
                                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                                t.date.year, t.date.month, t.date.day, t.hour, t.minute, t.second
                            )
                        });
                    view.paper_present = Some(status.paper_present);
                    view.cover_open = Some(status.cover_open);
                }
                // For the view only, so its answer does not count as the device's last word
                // (a 0.1.0 driver answers `unsupported`, which is no fault of the register).
                if let Ok(state) = self.driver.fiscal_drive_status() {
                    self.view
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .fiscal_drive = Some(state);
                }
            }
        }
    }
}
