//! Each device's health as head office needs it — whether it answers, and a register's fiscal
//! drive deadlines (its oldest document the OFD has not confirmed, the drive's last day) —
//! journaled when it changes, so the outbox ships a device going offline and coming back, and
//! head office alerts on it (`fleet_device_alerts`).
//!
//! Watched, not pushed: each device's actor keeps its `DeviceView` current as it calls the
//! driver, and a task here compares the views with what was journaled last, once a second.
//! That keeps the journal off the device threads (a driver call never waits for SQLite), and a
//! device that flaps within the second writes nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use serde::{Deserialize, Serialize};

use super::Core;
use super::fiscal_drive;
use crate::devices::DeviceView;

/// How often the views are compared with the journal.
const WATCH: Duration = Duration::from_secs(1);

/// What is journaled of a device when it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceHealth {
    pub online: bool,
    /// Why it does not answer (its last error), while it does not.
    pub error: Option<String>,
    /// A register's oldest document the OFD has not confirmed: its number, and when the
    /// register made it, as a UTC instant (the register keeps the shop's local time, which is
    /// the host's: the host converts it so that head office can judge its age on its clock).
    pub unsent_number: Option<u32>,
    pub unsent_since: Option<String>,
    /// A register's fiscal drive's last day of registering documents (`YYYY-MM-DD`).
    pub fn_valid_until: Option<String>,
    /// The device was taken out of the host's configuration: head office forgets it (and
    /// its alerts) until it is configured again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

impl DeviceHealth {
    /// The health a view shows; none before the device was first asked anything.
    fn of(view: &DeviceView) -> Option<Self> {
        if !view.online && view.last_error.is_none() {
            return None;
        }
        let drive = view.fiscal_drive.as_ref();
        Some(Self {
            online: view.online,
            error: (!view.online).then(|| view.last_error.clone()).flatten(),
            unsent_number: drive.and_then(|d| d.first_unsent_number),
            unsent_since: drive
                .and_then(|d| d.first_unsent_date_time)
                .and_then(fiscal_drive::naive_date_time)
                .and_then(utc_of_local),
            fn_valid_until: drive.map(|d| fiscal_drive::date(d.valid_until)),
            removed: false,
        })
    }

    /// What is journaled of a device the configuration no longer has.
    fn removed() -> Self {
        Self {
            online: false,
            error: None,
            unsent_number: None,
            unsent_since: None,
            fn_valid_until: None,
            removed: true,
        }
    }

    /// Whether `self` says something new of the device. The error's text is not: a device
    /// that stays offline with another message has not changed for head office.
    fn differs_from(&self, last: &Self) -> bool {
        let without_error = |h: &Self| Self {
            error: None,
            ..h.clone()
        };
        without_error(self) != without_error(last)
    }
}

/// A register's local time as UTC (RFC 3339), read in the host's time zone.
fn utc_of_local(local: chrono::NaiveDateTime) -> Option<String> {
    let at = chrono::Local.from_local_datetime(&local).earliest()?;
    Some(
        at.with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

impl Core {
    fn journal_health(&self, device: &str, health: &DeviceHealth) -> Result<(), String> {
        let value = serde_json::to_value(health).map_err(|e| e.to_string())?;
        self.journal()
            .record_device_health(device, &value)
            .map_err(|e| e.to_string())
    }

    /// Journals each device's health when it changes, for as long as the host runs.
    pub async fn watch_devices(self: Arc<Self>) {
        let mut last: HashMap<String, DeviceHealth> = match self.journal().last_device_health() {
            Ok(rows) => rows
                .into_iter()
                .filter_map(|(device, health)| Some((device, serde_json::from_value(health).ok()?)))
                .collect(),
            Err(e) => {
                tracing::error!("journal: devices' last health not read: {e}");
                HashMap::new()
            }
        };
        // Devices journaled before and configured no more: said once, so that head office
        // does not show a printer taken away as offline for ever.
        let configured: Vec<String> = self.devices.views().into_iter().map(|v| v.id).collect();
        let gone: Vec<String> = last
            .iter()
            .filter(|(device, health)| !health.removed && !configured.contains(device))
            .map(|(device, _)| device.clone())
            .collect();
        for device in &gone {
            match self.journal_health(device, &DeviceHealth::removed()) {
                Ok(()) => {
                    tracing::info!(device = %device, "a device no longer configured: head office forgets it");
                    last.insert(device.clone(), DeviceHealth::removed());
                }
                Err(e) => tracing::error!("journal: device health not recorded: {e}"),
            }
        }
        if !gone.is_empty()
            && let Err(e) = self.durable().await
        {
            tracing::error!("journal: device health not synced: {e}");
        }
        let mut tick = tokio::time::interval(WATCH);
        loop {
            tick.tick().await;
            let mut changed = false;
            for view in self.devices.views() {
                let Some(health) = DeviceHealth::of(&view) else {
                    continue;
                };
                if last.get(&view.id).is_some_and(|l| !health.differs_from(l)) {
                    continue;
                }
                match self.journal_health(&view.id, &health) {
                    Ok(()) => {
                        tracing::info!(device = %view.id, online = health.online, "device health changed");
                        last.insert(view.id, health);
                        changed = true;
                    }
                    Err(e) => tracing::error!("journal: device health not recorded: {e}"),
                }
            }
            // A write is committed by the journal's group commit when someone waits for it;
            // nobody else may for a while, and the outbox ships only what is committed.
            if changed && let Err(e) = self.durable().await {
                tracing::error!("journal: device health not synced: {e}");
            }
        }
    }
}
