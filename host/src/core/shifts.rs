//! Shifts: one open shift per register, opened by a cashier, at most 24 hours long (the
//! register enforces it and says so; the core turns that into `ShiftExpired`), and a force
//! close that closes whatever state the register is in.

use serde::Serialize;
use serde_json::json;

use super::{Core, CoreError, FiscalRecord};
use crate::devices::{DeviceError, DeviceHandle};
use crate::journal::ShiftEventKind;
use crate::plugins::contract::register::{Cashier, ShiftCounters, ShiftState};

/// What the journal keeps of a Z report: the register's fiscal record and, from a 0.3.0
/// register, the counters the report printed, which head office is to check against the
/// shift's receipts.
#[derive(Serialize)]
struct Closed {
    #[serde(flatten)]
    record: FiscalRecord,
    counters: Option<ShiftCounters>,
}

fn cashier(name: &str) -> Cashier {
    Cashier {
        name: name.to_owned(),
        tax_id: None,
    }
}

impl Core {
    pub async fn open_shift(
        &self,
        device: &str,
        cashier_name: &str,
        request: &str,
    ) -> Result<u32, CoreError> {
        if cashier_name.trim().is_empty() {
            return Err(CoreError::InvalidInput("cashier is empty".into()));
        }
        let register = self.register(Some(device))?;
        // A shift is fiscal: a lane that cannot fiscalize has none to open.
        self.require_fiscal_lane(device).await?;
        let _lane = self.lane_settled(device).await?;
        let status = register.status().await?;
        match status.shift {
            ShiftState::Open => return Err(CoreError::ShiftAlreadyOpen),
            ShiftState::Expired => return Err(CoreError::ShiftExpired),
            ShiftState::Closed => {}
        }
        let who = cashier(cashier_name);
        let result = register.open_shift(who).await;
        self.record_shift(
            register,
            ShiftEventKind::Open,
            Some(cashier_name),
            request,
            result.as_ref().map(super::fiscal::record),
        )
        .await;
        Ok(result?.shift_number)
    }

    pub async fn close_shift(
        &self,
        device: &str,
        cashier_name: &str,
        request: &str,
    ) -> Result<u32, CoreError> {
        if cashier_name.trim().is_empty() {
            return Err(CoreError::InvalidInput("cashier is empty".into()));
        }
        let register = self.register(Some(device))?;
        let _lane = self.lane_settled(device).await?;
        // Asked first, as for opening: a refused request leaves nothing in the journal.
        let status = register.status().await?;
        if status.shift == ShiftState::Closed {
            return Err(CoreError::ShiftClosed);
        }
        self.close_as(
            register,
            cashier_name,
            ShiftEventKind::Close,
            Some(cashier_name),
            request,
        )
        .await
    }

    /// "Аварийное завершение": cancels an open receipt if there is one, then closes the shift
    /// if it is open or expired. A closed shift is already where this wants it.
    pub async fn force_close_shift(
        &self,
        device: &str,
        request: &str,
    ) -> Result<Option<u32>, CoreError> {
        let register = self.register(Some(device))?;
        let _lane = self.lane_settled(device).await?;
        let status = register.status().await?;
        if status.receipt_open {
            register.cancel_open_receipt().await?;
        }
        if status.shift == ShiftState::Closed {
            self.record_shift::<()>(register, ShiftEventKind::ForceClose, None, request, Ok(()))
                .await;
            return Ok(None);
        }
        let closed = self
            .close_as(
                register,
                "Администратор",
                ShiftEventKind::ForceClose,
                None,
                request,
            )
            .await?;
        Ok(Some(closed))
    }

    /// Closes the shift on the register in `who`'s name; journaled as `kind`.
    async fn close_as(
        &self,
        register: &DeviceHandle,
        who: &str,
        kind: ShiftEventKind,
        cashier_name: Option<&str>,
        request: &str,
    ) -> Result<u32, CoreError> {
        let who = cashier(who);
        let result = register.close_shift(who).await;
        let closed = result.as_ref().map(|z| Closed {
            record: super::fiscal::record(&z.result),
            counters: z.counters,
        });
        self.record_shift(register, kind, cashier_name, request, closed)
            .await;
        Ok(result?.result.shift_number)
    }

    /// The register lane's turn, once every receipt sent to the register is accounted for: a
    /// shift report is a fiscal document too, and one made while a receipt's outcome is unknown
    /// would hide that receipt from recovery (which reads the register's last document).
    async fn lane_settled(&self, device: &str) -> Result<super::terminal::Turn, CoreError> {
        let lane = self.turn(device).await;
        if let Err((document, why)) = self.settle_register(&lane).await {
            return Err(CoreError::DeviceUnavailable(format!(
                "the register cannot say yet what became of the receipt of document {document} \
                 ({why}); the shift was left as it is"
            )));
        }
        Ok(lane)
    }

    /// Sales need an open shift of less than 24 hours; asking the register costs one status
    /// round trip and spares the customer a card charge that could not be fiscalized.
    pub async fn require_open_shift(&self, device: &str) -> Result<(), CoreError> {
        let status = self.register(Some(device))?.status().await?;
        match status.shift {
            ShiftState::Open => Ok(()),
            ShiftState::Closed => Err(CoreError::ShiftClosed),
            ShiftState::Expired => Err(CoreError::ShiftExpired),
        }
    }

    /// At `create_doc`: a register whose last word said its shift is open is taken at it,
    /// with no round trip; one closed, expired or not heard from yet is asked. Nothing is at
    /// stake yet: `pay` asks the register itself before any money moves, so a shift closed
    /// on the register's keyboard meanwhile still refuses the sale there.
    pub async fn require_open_shift_seen(&self, device: &str) -> Result<(), CoreError> {
        if self.register(Some(device))?.shift_seen() == Some(ShiftState::Open) {
            return Ok(());
        }
        self.require_open_shift(device).await
    }

    /// Journals what a shift operation did, and has the register's status (which `/devices`
    /// shows) read again at once rather than at its next idle refresh.
    async fn record_shift<T: Serialize>(
        &self,
        register: &DeviceHandle,
        kind: ShiftEventKind,
        cashier: Option<&str>,
        request: &str,
        result: Result<T, &DeviceError>,
    ) {
        let device = register.id();
        let outcome = match result {
            Ok(v) => Some(json!({ "ok": v })),
            // The register said no: nothing happened there, so nothing is journaled (the log
            // has it). A lost answer is journaled: the register may have done it.
            Err(e) if super::answers::refused_by_device(e) => {
                tracing::info!(
                    device,
                    kind = kind.as_str(),
                    "the register refused the shift operation: {e}"
                );
                None
            }
            Err(e) => Some(json!({ "error": e.to_string() })),
        };
        if let Some(outcome) = outcome
            && let Err(e) = self
                .journal()
                .record_shift_event(device, kind, cashier, request, &outcome)
        {
            tracing::error!("journal: shift event not recorded: {e}");
        }
        if let Err(e) = register.refresh_status().await {
            tracing::warn!(device, "status after a shift operation: {e}");
        }
    }
}
