//! A device's driver: loaded once (`DriverPlugin`), instantiated once per device and owned by
//! that device's actor for the device's life (`DriverInstance`), with the device's line kept in
//! the instance's store.
//!
//! One owner and one call at a time is what a device needs: a register takes one command at a
//! time, and the driver's cache (fiscal drive number, paper width, the cashier last written)
//! stays warm between calls. A fresh instance replaces it only after a trap, a runaway call, a
//! refused allocation, or once its memory or output outgrew the sandbox's reuse bounds; the line
//! is taken back out of the old store first, so the device keeps its connection.
//!
//! Operations are domain-typed (`register_receipt(FiscalReceipt)`, `pay(amount)`), whatever the
//! WIT version of the component; a register's operation on a terminal's driver (or the other
//! way round) is answered `unsupported`, as a driver answers an operation it does not support.

use std::sync::Arc;

use wasmtime::Store;

use super::contract::{device, layout, register, terminal};
use super::error::PluginError;
use super::report::LoadReport;
use super::sandbox::{self, DeviceLine, Limits, PluginState};
use super::wit::{self, DriverCall, DriverPre, DriverReply};

/// A loaded driver. Cheap to clone; each device instantiates its own.
#[derive(Clone)]
pub struct DriverPlugin {
    report: Arc<LoadReport>,
    limits: Limits,
    pre: DriverPre,
}

impl DriverPlugin {
    pub(super) fn new(report: LoadReport, limits: Limits, pre: DriverPre) -> Self {
        Self {
            report: Arc::new(report),
            limits,
            pre,
        }
    }

    pub fn report(&self) -> &LoadReport {
        &self.report
    }

    /// The instance of one device, holding its line. Nothing is instantiated until the first call.
    pub fn for_device(&self, line: DeviceLine) -> DriverInstance {
        DriverInstance {
            plugin: self.clone(),
            live: None,
            line: Some(line),
        }
    }
}

/// Why a driver operation failed.
#[derive(Debug)]
pub enum DriverFailure {
    /// The driver answered with an error of its own (or of its device).
    Driver(register::DriverError),
    /// The sandbox stopped the call: a trap, the CPU or memory limit.
    Plugin(PluginError),
}

pub type DriverResult<T> = Result<T, DriverFailure>;

/// One device's driver instance. Not `Clone`, not shared: its actor owns it.
pub struct DriverInstance {
    plugin: DriverPlugin,
    live: Option<(Store<PluginState>, wit::DriverInstance)>,
    /// The line while no instance is live (before the first call, after a failure).
    line: Option<DeviceLine>,
}

impl DriverInstance {
    pub fn report(&self) -> &LoadReport {
        &self.plugin.report
    }

    fn call(&mut self, call: DriverCall) -> DriverResult<DriverReply> {
        let limits = self.plugin.limits;
        // An Arc, so naming the plugin in its output and errors copies no string per call.
        let report = self.plugin.report.clone();
        let name = report.name.as_str();
        let (store, instance) = match &mut self.live {
            Some((store, instance)) => {
                sandbox::rearm(store, limits);
                (store, instance)
            }
            None => {
                let mut store =
                    sandbox::new_store(self.plugin.pre.engine(), limits, self.line.take());
                match self.plugin.pre.instantiate(&mut store) {
                    Ok(instance) => {
                        let (store, instance) = self.live.insert((store, instance));
                        (store, instance)
                    }
                    Err(e) => {
                        let err = sandbox::classify(name, limits, &store, e);
                        self.line = store.data_mut().device.take();
                        return Err(DriverFailure::Plugin(err));
                    }
                }
            }
        };
        // Nothing of this call has been sent yet: the line may reopen a dead connection for it.
        if let Some(device) = store.data_mut().device.as_mut() {
            device.line.begin_exchange();
        }
        let answer = instance.call(store, call);
        sandbox::end_call(name, store);
        match answer {
            Ok(answer) => {
                if !sandbox::reusable(store, limits) {
                    self.retire();
                }
                answer.map_err(DriverFailure::Driver)
            }
            Err(e) => {
                let err = sandbox::classify(name, limits, store, e);
                tracing::warn!(plugin = %name, "driver call failed: {err}; the next call gets a fresh instance");
                self.retire();
                Err(DriverFailure::Plugin(err))
            }
        }
    }

    /// Serves with another build of the driver from the next call on: the live instance is
    /// dropped (its cache with it: the new build asks the device afresh) and the line kept, so
    /// the device keeps its connection.
    pub fn swap(&mut self, plugin: DriverPlugin) {
        self.retire();
        self.plugin = plugin;
    }

    /// Drops the live instance, keeping the line for the next one.
    fn retire(&mut self) {
        if let Some((mut store, _)) = self.live.take() {
            self.line = store.data_mut().device.take();
        }
    }

    pub fn describe(&mut self) -> DriverResult<register::DeviceInfo> {
        match self.call(DriverCall::Describe)? {
            DriverReply::Info(info) => Ok(info),
            other => mismatch(other),
        }
    }

    pub fn status(&mut self) -> DriverResult<register::DeviceStatus> {
        match self.call(DriverCall::Status)? {
            DriverReply::Status(status) => Ok(status),
            other => mismatch(other),
        }
    }

    pub fn printer_status(&mut self) -> DriverResult<device::PrinterStatus> {
        match self.call(DriverCall::PrinterStatus)? {
            DriverReply::PrinterStatus(status) => Ok(status),
            other => mismatch(other),
        }
    }

    pub fn register_correction(
        &mut self,
        receipt: register::CorrectionReceipt,
    ) -> DriverResult<register::FiscalResult> {
        self.fiscal(DriverCall::RegisterCorrection(Box::new(receipt)))
    }

    /// Asks the register to check a marking code with the marking system before the sale.
    pub fn check_marking_code(
        &mut self,
        check: register::MarkingCheck,
    ) -> DriverResult<register::MarkingCheckResult> {
        match self.call(DriverCall::CheckMarkingCode(Box::new(check)))? {
            DriverReply::MarkingCheck(result) => Ok(result),
            other => mismatch(other),
        }
    }

    pub fn decide_marking_code(&mut self, decision: register::MarkingDecision) -> DriverResult<()> {
        self.done(DriverCall::DecideMarkingCode(decision))
    }

    pub fn fiscal_drive_status(&mut self) -> DriverResult<register::FiscalDriveState> {
        match self.call(DriverCall::FiscalDriveStatus)? {
            DriverReply::FiscalDrive(state) => Ok(state),
            other => mismatch(other),
        }
    }

    /// The shift's counters (0.3.0); an older register answers `unsupported`.
    pub fn shift_totals(&mut self) -> DriverResult<register::ShiftCounters> {
        match self.call(DriverCall::ShiftTotals)? {
            DriverReply::ShiftTotals(totals) => Ok(totals),
            other => mismatch(other),
        }
    }

    pub fn open_shift(
        &mut self,
        cashier: register::Cashier,
    ) -> DriverResult<register::FiscalResult> {
        self.fiscal(DriverCall::OpenShift(cashier))
    }

    /// Z report: closes the shift.
    pub fn close_shift(
        &mut self,
        cashier: register::Cashier,
    ) -> DriverResult<register::FiscalResult> {
        self.fiscal(DriverCall::CloseShift(cashier))
    }

    pub fn register_receipt(
        &mut self,
        receipt: register::FiscalReceipt,
    ) -> DriverResult<register::FiscalResult> {
        self.fiscal(DriverCall::RegisterReceipt(Box::new(receipt)))
    }

    pub fn print(&mut self, elements: Vec<layout::Element>) -> DriverResult<()> {
        self.done(DriverCall::Print(elements))
    }

    pub fn cancel_open_receipt(&mut self) -> DriverResult<()> {
        self.done(DriverCall::CancelOpenReceipt)
    }

    pub fn x_report(&mut self, cashier: register::Cashier) -> DriverResult<()> {
        self.done(DriverCall::XReport(cashier))
    }

    pub fn cash_in(
        &mut self,
        cashier: register::Cashier,
        amount: register::Money,
    ) -> DriverResult<()> {
        self.done(DriverCall::CashIn(cashier, amount))
    }

    pub fn cash_out(
        &mut self,
        cashier: register::Cashier,
        amount: register::Money,
    ) -> DriverResult<()> {
        self.done(DriverCall::CashOut(cashier, amount))
    }

    pub fn last_fiscal_document(&mut self) -> DriverResult<register::LastDocument> {
        match self.call(DriverCall::LastFiscalDocument)? {
            DriverReply::LastDocument(last) => Ok(last),
            other => mismatch(other),
        }
    }

    pub fn pay(&mut self, amount: terminal::Money) -> DriverResult<terminal::Transaction> {
        self.transaction(DriverCall::Pay(amount))
    }

    /// Reverses a transaction of the current batch by its `auth_id`.
    pub fn cancel(&mut self, auth_id: u32) -> DriverResult<terminal::Transaction> {
        self.transaction(DriverCall::Cancel(auth_id))
    }

    pub fn refund(
        &mut self,
        rrn: String,
        amount: terminal::Money,
    ) -> DriverResult<terminal::Transaction> {
        self.transaction(DriverCall::Refund(rrn, amount))
    }

    pub fn last_transaction(&mut self) -> DriverResult<Option<terminal::Transaction>> {
        match self.call(DriverCall::LastTransaction)? {
            DriverReply::LastTransaction(last) => Ok(last),
            other => mismatch(other),
        }
    }

    fn fiscal(&mut self, call: DriverCall) -> DriverResult<register::FiscalResult> {
        match self.call(call)? {
            DriverReply::Fiscal(result) => Ok(result),
            other => mismatch(other),
        }
    }

    fn done(&mut self, call: DriverCall) -> DriverResult<()> {
        match self.call(call)? {
            DriverReply::Done => Ok(()),
            other => mismatch(other),
        }
    }

    fn transaction(&mut self, call: DriverCall) -> DriverResult<terminal::Transaction> {
        match self.call(call)? {
            DriverReply::Transaction(t) => Ok(t),
            other => mismatch(other),
        }
    }
}

/// A version module answered an operation with another operation's reply: a host bug, reported
/// as a failed call rather than a panic in the device's actor.
fn mismatch<T>(reply: DriverReply) -> DriverResult<T> {
    Err(DriverFailure::Plugin(PluginError::Runtime(format!(
        "the driver adapter answered with the wrong reply: {reply:?}"
    ))))
}
