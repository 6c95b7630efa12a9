//! The configured devices: each one's driver loaded, line opened lazily, actor started.

use std::collections::HashMap;
use std::sync::Arc;

use super::DeviceError;
use super::actor::{DeviceHandle, DeviceView};
use crate::builtins;
use crate::config::{DeviceConfig, DeviceKind, TransportConfig};
use crate::plugins::{
    DeviceLine, DriverPlugin, DriverRole, LoadReport, Origin, PluginRuntime, Reload, ReloadOutcome,
};
use crate::transport::{self, Emulators, Reconnecting};

#[derive(Clone, Default)]
pub struct Devices {
    handles: Vec<DeviceHandle>,
    /// Position of each device in `handles`, by id.
    by_id: Arc<HashMap<String, usize>>,
    /// A register's lane: its printer and terminal, when configured.
    lanes: Arc<HashMap<String, Lane>>,
}

#[derive(Clone, Default)]
struct Lane {
    printer: Option<String>,
    terminal: Option<String>,
}

impl Devices {
    /// Loads every device's driver and starts its actor. The lines open on first use, so a
    /// device that is unplugged at start is reported offline, not a start-up failure.
    pub fn start(
        configs: &[DeviceConfig],
        runtime: &PluginRuntime,
        emulators: &Emulators,
    ) -> anyhow::Result<Self> {
        let mut handles = Vec::with_capacity(configs.len());
        // One driver per source and role, instantiated by every device that names it: its
        // compiled code is mapped once, not once per device (64 lanes were 192 mappings of
        // three drivers' code, each page counted again in the host's resident memory).
        let mut loaded: HashMap<(&str, DriverRole), DriverPlugin> = HashMap::new();
        for config in configs {
            let role = role_of(config.kind);
            let driver = match loaded.get(&(config.driver.as_str(), role)) {
                Some(driver) => driver.clone(),
                None => {
                    let (name, origin, bytes) = driver_source(&config.driver)?;
                    let driver = runtime.load_driver(&name, origin, &bytes, role)?;
                    loaded.insert((config.driver.as_str(), role), driver.clone());
                    driver
                }
            };
            let transport_config = config.transport.clone();
            let emulators = emulators.clone();
            let line = Reconnecting::new(move || transport::open(&transport_config, &emulators));
            let connected = line.connected_flag();
            let instance = driver.for_device(DeviceLine {
                device: config.id.as_str().into(),
                line: Box::new(line),
                settings: Arc::new(config.settings_text()),
            });
            let handle = DeviceHandle::spawn(
                config,
                instance,
                connected,
                describe_transport(&config.transport),
            )
            .map_err(|e| anyhow::anyhow!("device {}: cannot start its worker: {e}", config.id))?;
            tracing::info!(device = %config.id, kind = ?config.kind, driver = %config.driver, "device started");
            handles.push(handle);
        }
        let by_id = handles
            .iter()
            .enumerate()
            .map(|(i, h)| (h.id().to_owned(), i))
            .collect();
        let lanes = configs
            .iter()
            .map(|c| {
                let lane = Lane {
                    printer: c.printer.clone(),
                    terminal: c.terminal.clone(),
                };
                (c.id.clone(), lane)
            })
            .collect();
        Ok(Self {
            handles,
            by_id: Arc::new(by_id),
            lanes: Arc::new(lanes),
        })
    }

    pub fn get(&self, id: &str) -> Result<&DeviceHandle, DeviceError> {
        self.by_id
            .get(id)
            .map(|&i| &self.handles[i])
            .ok_or_else(|| DeviceError::Unknown(id.to_owned()))
    }

    /// The first configured device of a kind: the default register, printer or terminal.
    pub fn first(&self, kind: DeviceKind) -> Option<&DeviceHandle> {
        self.handles.iter().find(|h| h.kind() == kind)
    }

    /// The receipt printer of a register's lane, else the first printer.
    pub fn printer_of(&self, register: &str) -> Option<&DeviceHandle> {
        self.lane_device(register, |l| l.printer.as_deref(), DeviceKind::Printer)
    }

    /// The card terminal of a register's lane, else the first terminal.
    pub fn terminal_of(&self, register: &str) -> Option<&DeviceHandle> {
        self.lane_device(
            register,
            |l| l.terminal.as_deref(),
            DeviceKind::PaymentTerminal,
        )
    }

    fn lane_device(
        &self,
        register: &str,
        pick: impl Fn(&Lane) -> Option<&str>,
        kind: DeviceKind,
    ) -> Option<&DeviceHandle> {
        match self.lanes.get(register).and_then(pick) {
            Some(id) => self.get(id).ok(),
            None => self.first(kind),
        }
    }

    /// The drivers' load reports, one per device.
    pub fn driver_reports(&self) -> Vec<LoadReport> {
        self.handles
            .iter()
            .map(|h| (*h.driver_report()).clone())
            .collect()
    }

    /// Loads each driver given by path again from its file, and swaps a changed one in between
    /// two operations of its device's queue (`DeviceHandle::swap_driver`).
    pub async fn reload_drivers(&self, runtime: &Arc<PluginRuntime>) -> Vec<Reload> {
        let mut done = Vec::new();
        // Devices that shared a driver share the one loaded again (as at start): its file is
        // read and compiled once per reload, not once per device.
        let mut loaded: HashMap<
            (std::path::PathBuf, DriverRole, String),
            (Reload, Option<DriverPlugin>),
        > = HashMap::new();
        for handle in &self.handles {
            let current = handle.driver_report();
            let Origin::File(path) = &current.origin else {
                continue;
            };
            let role = role_of(handle.kind());
            let key = (path.clone(), role, current.sha256.clone());
            let (mut reload, new) = match loaded.get(&key) {
                Some((reload, new)) => (
                    Reload {
                        plugin: handle.id().to_owned(),
                        ..reload.clone()
                    },
                    new.clone(),
                ),
                None => {
                    let (runtime, name, origin) = (
                        runtime.clone(),
                        current.name.clone(),
                        current.origin.clone(),
                    );
                    let loaded_now = Reload::of(handle.id().to_owned(), &current, path, move |b| {
                        let driver = runtime.load_driver(&name, origin, b, role)?;
                        let sha = driver.report().sha256.clone();
                        Ok((driver, sha))
                    })
                    .await;
                    loaded.insert(key, loaded_now.clone());
                    loaded_now
                }
            };
            if let Some(new) = new
                && let Err(e) = handle.swap_driver(new).await
            {
                reload.outcome = ReloadOutcome::Refused {
                    reason: format!("the device's queue did not take the swap: {e}"),
                };
            }
            done.push(reload);
        }
        done
    }

    pub fn views(&self) -> Vec<DeviceView> {
        self.handles.iter().map(DeviceHandle::view).collect()
    }
}

fn role_of(kind: DeviceKind) -> DriverRole {
    match kind {
        DeviceKind::FiscalRegister => DriverRole::Register,
        DeviceKind::Printer => DriverRole::Printer,
        DeviceKind::PaymentTerminal => DriverRole::Terminal,
    }
}

fn driver_source(choice: &str) -> anyhow::Result<(String, Origin, Vec<u8>)> {
    if let Some(model) = builtins::model(choice) {
        return Ok((choice.to_owned(), Origin::Embedded, model.driver.to_vec()));
    }
    let path = std::path::Path::new(choice);
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("driver {choice}: {e}"))?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| choice.to_owned());
    Ok((name, Origin::File(path.to_owned()), bytes))
}

fn describe_transport(config: &TransportConfig) -> String {
    match config {
        TransportConfig::Serial(s) => format!("serial {} at {} baud", s.path.display(), s.baud),
        TransportConfig::Tcp { address, .. } => format!("tcp {address}"),
        TransportConfig::Emulator {
            emulator,
            unit,
            baud,
        } => {
            let mut text = format!("in-process emulator {emulator}");
            if *unit != 0 {
                text.push_str(&format!(" #{unit}"));
            }
            if let Some(baud) = baud {
                text.push_str(&format!(" at {baud} baud"));
            }
            text
        }
    }
}
