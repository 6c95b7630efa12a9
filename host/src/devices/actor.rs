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
use wasmtime::Store;

use super::DeviceError;
use crate::config::{DeviceConfig, DeviceKind};
use crate::plugins::bindings::device::exports::fiscal::host::register::Guest as RegisterGuest;
use crate::plugins::bindings::device::fiscal::host::driver_types::{
    DriverError, ErrorClass, ShiftState,
};
use crate::plugins::bindings::payment::exports::fiscal::host::terminal::Guest as TerminalGuest;
use crate::plugins::sandbox::PluginState;
use crate::plugins::{DeviceDriverPlugin, Lent, LoadReport, PaymentDriverPlugin};

/// The driver a device runs, by world.
#[derive(Clone)]
pub enum Driver {
    Register(DeviceDriverPlugin),
    Payment(PaymentDriverPlugin),
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
    pub paper_present: Option<bool>,
    pub cover_open: Option<bool>,
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
    driver_report: Arc<LoadReport>,
}

struct Worker {
    driver: Driver,
    lent: Option<Lent>,
    connected: Arc<AtomicBool>,
    view: Arc<Mutex<DeviceView>>,
}

impl DeviceHandle {
    /// Starts the actor thread of a device.
    pub(super) fn spawn(
        config: &DeviceConfig,
        driver: Driver,
        lent: Lent,
        connected: Arc<AtomicBool>,
        transport: String,
    ) -> std::io::Result<Self> {
        let driver_report = Arc::new(match &driver {
            Driver::Register(d) => d.report().clone(),
            Driver::Payment(d) => d.report().clone(),
        });
        let driver_name = driver_report.name.clone();
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
            paper_present: None,
            cover_open: None,
        }));
        let (jobs, queue) = mpsc::channel::<Job>();
        let mut worker = Worker {
            driver,
            lent: Some(lent),
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

    pub fn driver_report(&self) -> &LoadReport {
        &self.driver_report
    }

    pub fn view(&self) -> DeviceView {
        self.view.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runs one operation of a register or printer, after those queued before it.
    pub async fn register<R: Send + 'static>(
        &self,
        op: impl FnOnce(
            &RegisterGuest,
            &mut Store<PluginState>,
        ) -> wasmtime::Result<Result<R, DriverError>>
        + Send
        + 'static,
    ) -> Result<R, DeviceError> {
        let id = self.id.clone();
        self.run(move |worker| match worker.driver.clone() {
            Driver::Register(driver) => worker.call(|lent| driver.call(lent, op)),
            Driver::Payment(_) => Err(DeviceError::WrongKind {
                device: id.to_string(),
                actual: "payment terminal",
                wanted: "fiscal register or printer",
            }),
        })
        .await
    }

    /// Runs one operation of a payment terminal, after those queued before it.
    pub async fn terminal<R: Send + 'static>(
        &self,
        op: impl FnOnce(
            &TerminalGuest,
            &mut Store<PluginState>,
        ) -> wasmtime::Result<Result<R, DriverError>>
        + Send
        + 'static,
    ) -> Result<R, DeviceError> {
        let id = self.id.clone();
        self.run(move |worker| match worker.driver.clone() {
            Driver::Payment(driver) => worker.call(|lent| driver.call(lent, op)),
            Driver::Register(_) => Err(DeviceError::WrongKind {
                device: id.to_string(),
                actual: "fiscal register or printer",
                wanted: "payment terminal",
            }),
        })
        .await
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
    /// Lends the line to one driver call and records what the call says about the device.
    fn call<R>(
        &mut self,
        call: impl FnOnce(
            Lent,
        ) -> (
            Result<Result<R, DriverError>, crate::plugins::PluginError>,
            Lent,
        ),
    ) -> Result<R, DeviceError> {
        let mut lent = self
            .lent
            .take()
            .expect("the worker always holds its line between calls");
        // Nothing of this call has been sent yet: the line may reopen a dead connection for it.
        lent.line.begin_exchange();
        let device = lent.device.to_string();
        let (result, lent) = call(lent);
        self.lent = Some(lent);
        let result = match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(driver_error)) => Err(DeviceError::from_driver(&device, driver_error)),
            Err(plugin) => Err(DeviceError::Plugin {
                device,
                source: plugin,
            }),
        };
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

    /// Asks the device who and how it is: at start and whenever the queue is idle.
    fn refresh(&mut self, describe: bool) {
        let driver = self.driver.clone();
        let unknown = self.view.lock().map(|v| v.model.is_none()).unwrap_or(true);
        if describe || unknown {
            let info = match &driver {
                Driver::Register(d) => self.call(|lent| d.call(lent, |g, s| g.call_describe(s))),
                Driver::Payment(d) => self.call(|lent| d.call(lent, |g, s| g.call_describe(s))),
            };
            if let Ok(info) = info {
                let mut view = self.view.lock().unwrap_or_else(|p| p.into_inner());
                view.model = Some(format!("{} {}", info.vendor, info.model));
                view.serial_number = Some(info.serial_number);
            }
        }
        // A terminal has no status beyond answering; a register or printer has paper and cover.
        let Driver::Register(driver) = driver else {
            return;
        };
        if let Ok(status) = self.call(|lent| driver.call(lent, |g, s| g.call_status(s))) {
            let mut view = self.view.lock().unwrap_or_else(|p| p.into_inner());
            // A printer has no shift; only a fiscal register's shift is worth showing.
            if view.kind == DeviceKind::FiscalRegister {
                view.shift = Some(match status.shift {
                    ShiftState::Closed => "closed",
                    ShiftState::Open => "open",
                    ShiftState::Expired => "expired",
                });
                view.shift_number = Some(status.shift_number);
            }
            view.paper_present = Some(status.paper_present);
            view.cover_open = Some(status.cover_open);
        }
    }
}
