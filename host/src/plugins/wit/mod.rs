//! The WIT versions the host loads, one module each, and what a component says of itself.
//!
//! Each version module (`v0_1_0`, …) owns that version's generated bindings (private to it),
//! one linker per world granting exactly that world's imports, and the conversions between its
//! types and the host's own (`contract`). The enums here hold a loaded or instantiated component
//! of any version, and each call matches the version (Zed's `wasm_host/wit.rs` is the model:
//! `since_v0_X_Y` modules, an enum of instances by version). A component's version and world are
//! read from its exports (`fiscal:host/tax@0.1.0` is a tax calculator of 0.1.0), not configured.

use wasmtime::Engine;
use wasmtime::Store;
use wasmtime::component::Component;

use super::World;
use super::contract::{device, layout, register, tax, terminal};
use super::sandbox::PluginState;

mod adapt;

/// The host's side of a version's driver imports (`transport`, `settings`, `log`) over
/// `driver_imports`: the same for every version, only the generated paths differ.
macro_rules! driver_imports {
    ($($host:ident)::+) => {
        impl $($host)::+::transport::Host for PluginState {
            fn write(
                &mut self,
                bytes: Vec<u8>,
            ) -> Result<(), $($host)::+::transport::TransportError> {
                crate::plugins::driver_imports::write(self, &bytes).map_err(transport_error)
            }

            fn read(
                &mut self,
                max: u32,
                timeout_ms: u32,
            ) -> Result<Vec<u8>, $($host)::+::transport::TransportError> {
                crate::plugins::driver_imports::read(self, max, timeout_ms)
                    .map_err(transport_error)
            }

            fn discard_input(&mut self) {
                crate::plugins::driver_imports::discard_input(self)
            }
        }

        fn transport_error(
            e: crate::transport::PortError,
        ) -> $($host)::+::transport::TransportError {
            use crate::transport::PortError;
            use $($host)::+::transport::TransportError;
            match e {
                PortError::Timeout => TransportError::Timeout,
                PortError::Disconnected => TransportError::Disconnected,
                PortError::Io(msg) => TransportError::Io(msg),
            }
        }

        impl $($host)::+::settings::Host for PluginState {
            fn get(&mut self, key: String) -> Option<String> {
                crate::plugins::driver_imports::setting(self, &key)
            }
        }

        impl $($host)::+::log::Host for PluginState {
            fn write(&mut self, level: $($host)::+::log::Level, message: String) {
                use crate::plugins::driver_imports::LogLevel;
                use $($host)::+::log::Level;
                let level = match level {
                    Level::Trace => LogLevel::Trace,
                    Level::Debug => LogLevel::Debug,
                    Level::Info => LogLevel::Info,
                    Level::Warn => LogLevel::Warn,
                    Level::Error => LogLevel::Error,
                };
                crate::plugins::driver_imports::log(self, level, &message)
            }
        }
    };
}
use driver_imports;

pub(super) mod v0_1_0;
pub(super) mod v0_2_0;
pub(super) mod v0_3_0;

/// A version of the `fiscal:host` package the host loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Version {
    #[serde(rename = "0.1.0")]
    V0_1_0,
    #[serde(rename = "0.2.0")]
    V0_2_0,
    #[serde(rename = "0.3.0")]
    V0_3_0,
}

impl Version {
    pub const ALL: [Version; 3] = [Version::V0_1_0, Version::V0_2_0, Version::V0_3_0];
    /// What a new plugin is built against: the SDK's and the built-ins' version.
    pub const LATEST: Version = Version::V0_3_0;

    pub fn as_str(self) -> &'static str {
        match self {
            Version::V0_1_0 => "0.1.0",
            Version::V0_2_0 => "0.2.0",
            Version::V0_3_0 => "0.3.0",
        }
    }

    /// The world of a component of this version by the `fiscal:host` interfaces it exports.
    fn world_of(self, exports: &[&str]) -> Option<World> {
        match self {
            Version::V0_1_0 => v0_1_0::world_of(exports),
            Version::V0_2_0 => v0_2_0::world_of(exports),
            Version::V0_3_0 => v0_3_0::world_of(exports),
        }
    }

    /// The imports a component of `world` may have at this version, besides `wasi:*` (a Rust
    /// guest for wasm32-wasip2 imports wasi:cli, wasi:io… even when it uses none of them; the
    /// host links them to a context that grants nothing, see `sandbox`).
    pub fn grants(self, world: World) -> &'static [&'static str] {
        match self {
            Version::V0_1_0 => v0_1_0::grants(world),
            Version::V0_2_0 => v0_2_0::grants(world),
            Version::V0_3_0 => v0_3_0::grants(world),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a component is, read from what it exports and imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub version: Version,
    pub world: World,
}

/// Why a component is not one the host can load, in words for a vendor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "it exports no fiscal:host interface of a world (a plugin exports tax, layout, \
         register, printer or terminal of fiscal:host@{latest}); its exports: {exports}"
    )]
    NoWorld { latest: Version, exports: String },
    #[error(
        "it is built against fiscal:host@{found}, which this host does not load (it loads {known})"
    )]
    UnknownVersion { found: String, known: String },
    #[error("{0}")]
    Ambiguous(String),
    #[error(
        "it imports {import}, which the {world} world of fiscal:host@{version} does not grant \
         (it grants {granted})"
    )]
    ImportNotGranted {
        import: String,
        world: World,
        version: Version,
        granted: String,
    },
}

/// Reads a component's version and world from its exports.
pub fn identify(engine: &Engine, component: &Component) -> Result<Identity, IdentityError> {
    let exports: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(n, _)| n.to_owned())
        .collect();
    // (version, interface) of every fiscal:host export
    let ours: Vec<(&str, &str)> = exports
        .iter()
        .filter_map(|name| name.strip_prefix("fiscal:host/"))
        .map(|rest| rest.split_once('@').map_or((rest, ""), |(i, v)| (v, i)))
        .collect();
    let Some(&(found, _)) = ours.first() else {
        return Err(IdentityError::NoWorld {
            latest: Version::LATEST,
            exports: if exports.is_empty() {
                "none".into()
            } else {
                exports.join(", ")
            },
        });
    };
    if let Some((other, _)) = ours.iter().find(|(v, _)| *v != found) {
        return Err(IdentityError::Ambiguous(format!(
            "it exports interfaces of fiscal:host@{found} and @{other}"
        )));
    }
    let version = Version::ALL
        .into_iter()
        .find(|v| v.as_str() == found)
        .ok_or_else(|| IdentityError::UnknownVersion {
            found: found.to_owned(),
            known: Version::ALL.map(Version::as_str).join(", "),
        })?;
    let interfaces: Vec<&str> = ours.iter().map(|(_, i)| *i).collect();
    let world = version
        .world_of(&interfaces)
        .ok_or_else(|| IdentityError::NoWorld {
            latest: Version::LATEST,
            exports: exports.join(", "),
        })?;
    Ok(Identity { version, world })
}

impl Identity {
    /// Refuses a component that imports anything its world does not grant (a tax plugin that
    /// imports `transport`). The world's linker would refuse it too; this names the import in
    /// a vendor's words, before linking.
    pub fn check_imports(
        &self,
        engine: &Engine,
        component: &Component,
    ) -> Result<(), IdentityError> {
        let granted = self.version.grants(self.world);
        for (import, _) in component.component_type().imports(engine) {
            if import.starts_with("wasi:") || granted.contains(&import) {
                continue;
            }
            return Err(IdentityError::ImportNotGranted {
                import: import.to_owned(),
                world: self.world,
                version: self.version,
                granted: std::iter::once("wasi:* without capabilities")
                    .chain(granted.iter().copied())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(())
    }
}

/// The linkers of every version and world, made once per engine.
pub(super) struct Linkers {
    v0_1_0: v0_1_0::Linkers,
    v0_2_0: v0_2_0::Linkers,
    v0_3_0: v0_3_0::Linkers,
}

impl Linkers {
    pub fn new(engine: &Engine) -> wasmtime::Result<Self> {
        Ok(Self {
            v0_1_0: v0_1_0::Linkers::new(engine)?,
            v0_2_0: v0_2_0::Linkers::new(engine)?,
            v0_3_0: v0_3_0::Linkers::new(engine)?,
        })
    }
}

/// A guest's answer that its interface cannot carry (figures that decode to no rate, fewer
/// results than lines): the plugin broke its contract, which `sandbox::classify` reports as such.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct OutsideContract(pub String);

/// The result of one guest call: the outer error is the sandbox's (a trap, the CPU or memory
/// limit), the inner one the plugin's own answer.
pub(super) type Answer<T, E> = wasmtime::Result<Result<T, E>>;

/// A loaded tax calculator of some version.
#[derive(Clone)]
pub(super) enum TaxPre {
    V0_1_0(v0_1_0::TaxPre),
    V0_2_0(v0_2_0::TaxPre),
    V0_3_0(v0_3_0::TaxPre),
}

pub(super) enum TaxInstance {
    V0_1_0(v0_1_0::TaxInstance),
    V0_2_0(v0_2_0::TaxInstance),
    V0_3_0(v0_3_0::TaxInstance),
}

impl TaxPre {
    pub fn new(linkers: &Linkers, id: &Identity, c: &Component) -> wasmtime::Result<Self> {
        match id.version {
            Version::V0_1_0 => Ok(Self::V0_1_0(v0_1_0::TaxPre::new(&linkers.v0_1_0, c)?)),
            Version::V0_2_0 => Ok(Self::V0_2_0(v0_2_0::TaxPre::new(&linkers.v0_2_0, c)?)),
            Version::V0_3_0 => Ok(Self::V0_3_0(v0_3_0::TaxPre::new(&linkers.v0_3_0, c)?)),
        }
    }

    pub fn engine(&self) -> &Engine {
        match self {
            Self::V0_1_0(p) => p.engine(),
            Self::V0_2_0(p) => p.engine(),
            Self::V0_3_0(p) => p.engine(),
        }
    }

    pub fn instantiate(&self, store: &mut Store<PluginState>) -> wasmtime::Result<TaxInstance> {
        match self {
            Self::V0_1_0(p) => p.instantiate(store).map(TaxInstance::V0_1_0),
            Self::V0_2_0(p) => p.instantiate(store).map(TaxInstance::V0_2_0),
            Self::V0_3_0(p) => p.instantiate(store).map(TaxInstance::V0_3_0),
        }
    }
}

impl TaxInstance {
    pub fn calculate(
        &self,
        store: &mut Store<PluginState>,
        doc: &tax::Document,
    ) -> Answer<tax::TaxResult, tax::TaxError> {
        match self {
            Self::V0_1_0(i) => i.calculate(store, doc),
            Self::V0_2_0(i) => i.calculate(store, doc),
            Self::V0_3_0(i) => i.calculate(store, doc),
        }
    }
}

/// A loaded receipt layout of some version.
#[derive(Clone)]
pub(super) enum LayoutPre {
    V0_1_0(v0_1_0::LayoutPre),
    V0_2_0(v0_2_0::LayoutPre),
    V0_3_0(v0_3_0::LayoutPre),
}

pub(super) enum LayoutInstance {
    V0_1_0(v0_1_0::LayoutInstance),
    V0_2_0(v0_2_0::LayoutInstance),
    V0_3_0(v0_3_0::LayoutInstance),
}

impl LayoutPre {
    pub fn new(linkers: &Linkers, id: &Identity, c: &Component) -> wasmtime::Result<Self> {
        match id.version {
            Version::V0_1_0 => Ok(Self::V0_1_0(v0_1_0::LayoutPre::new(&linkers.v0_1_0, c)?)),
            Version::V0_2_0 => Ok(Self::V0_2_0(v0_2_0::LayoutPre::new(&linkers.v0_2_0, c)?)),
            Version::V0_3_0 => Ok(Self::V0_3_0(v0_3_0::LayoutPre::new(&linkers.v0_3_0, c)?)),
        }
    }

    pub fn engine(&self) -> &Engine {
        match self {
            Self::V0_1_0(p) => p.engine(),
            Self::V0_2_0(p) => p.engine(),
            Self::V0_3_0(p) => p.engine(),
        }
    }

    pub fn instantiate(&self, store: &mut Store<PluginState>) -> wasmtime::Result<LayoutInstance> {
        match self {
            Self::V0_1_0(p) => p.instantiate(store).map(LayoutInstance::V0_1_0),
            Self::V0_2_0(p) => p.instantiate(store).map(LayoutInstance::V0_2_0),
            Self::V0_3_0(p) => p.instantiate(store).map(LayoutInstance::V0_3_0),
        }
    }
}

impl LayoutInstance {
    pub fn render(
        &self,
        store: &mut Store<PluginState>,
        receipt: layout::Receipt,
        width: u32,
    ) -> Answer<Vec<layout::Element>, layout::LayoutError> {
        match self {
            Self::V0_1_0(i) => i.render(store, receipt, width),
            Self::V0_2_0(i) => i.render(store, receipt, width),
            Self::V0_3_0(i) => i.render(store, receipt, width),
        }
    }
}

/// A loaded device driver (register, printer or terminal) of some version.
#[derive(Clone)]
pub(super) enum DriverPre {
    V0_1_0(v0_1_0::DriverPre),
    V0_2_0(v0_2_0::DriverPre),
    V0_3_0(v0_3_0::DriverPre),
}

pub(super) enum DriverInstance {
    V0_1_0(v0_1_0::DriverInstance),
    V0_2_0(v0_2_0::DriverInstance),
    V0_3_0(v0_3_0::DriverInstance),
}

impl DriverPre {
    pub fn new(linkers: &Linkers, id: &Identity, c: &Component) -> wasmtime::Result<Self> {
        match id.version {
            Version::V0_1_0 => Ok(Self::V0_1_0(v0_1_0::DriverPre::new(
                &linkers.v0_1_0,
                id.world,
                c,
            )?)),
            Version::V0_2_0 => Ok(Self::V0_2_0(v0_2_0::DriverPre::new(
                &linkers.v0_2_0,
                id.world,
                c,
            )?)),
            Version::V0_3_0 => Ok(Self::V0_3_0(v0_3_0::DriverPre::new(
                &linkers.v0_3_0,
                id.world,
                c,
            )?)),
        }
    }

    pub fn engine(&self) -> &Engine {
        match self {
            Self::V0_1_0(p) => p.engine(),
            Self::V0_2_0(p) => p.engine(),
            Self::V0_3_0(p) => p.engine(),
        }
    }

    pub fn instantiate(&self, store: &mut Store<PluginState>) -> wasmtime::Result<DriverInstance> {
        match self {
            Self::V0_1_0(p) => p.instantiate(store).map(DriverInstance::V0_1_0),
            Self::V0_2_0(p) => p.instantiate(store).map(DriverInstance::V0_2_0),
            Self::V0_3_0(p) => p.instantiate(store).map(DriverInstance::V0_3_0),
        }
    }
}

/// One operation of a driver, in the host's types: each version's instance answers it, or
/// answers `unsupported` when its world has no such operation.
pub(super) enum DriverCall {
    Describe,
    Status,
    PrinterStatus,
    OpenShift(register::Cashier),
    CloseShift(register::Cashier),
    RegisterReceipt(Box<register::FiscalReceipt>),
    Print(Vec<layout::Element>),
    CancelOpenReceipt,
    XReport(register::Cashier),
    CashIn(register::Cashier, register::Money),
    CashOut(register::Cashier, register::Money),
    LastFiscalDocument,
    RegisterCorrection(Box<register::CorrectionReceipt>),
    CheckMarkingCode(Box<register::MarkingCheck>),
    DecideMarkingCode(register::MarkingDecision),
    FiscalDriveStatus,
    ShiftTotals,
    Pay(terminal::Money),
    Cancel(u32),
    Refund(String, terminal::Money),
    LastTransaction,
}

/// What a driver operation gives back, by operation.
#[derive(Debug)]
pub(super) enum DriverReply {
    Info(register::DeviceInfo),
    Status(register::DeviceStatus),
    PrinterStatus(device::PrinterStatus),
    MarkingCheck(register::MarkingCheckResult),
    FiscalDrive(register::FiscalDriveState),
    ShiftTotals(register::ShiftCounters),
    Fiscal(register::FiscalResult),
    Done,
    LastDocument(register::LastDocument),
    Transaction(terminal::Transaction),
    LastTransaction(Option<terminal::Transaction>),
}

impl DriverInstance {
    pub fn call(
        &self,
        store: &mut Store<PluginState>,
        call: DriverCall,
    ) -> Answer<DriverReply, register::DriverError> {
        match self {
            Self::V0_1_0(i) => i.call(store, call),
            Self::V0_2_0(i) => i.call(store, call),
            Self::V0_3_0(i) => i.call(store, call),
        }
    }
}

/// What a driver answers to an operation its world does not have.
pub(super) fn unsupported(world: World, call: &DriverCall) -> register::DriverError {
    let op = match call {
        DriverCall::Describe => "describe itself",
        DriverCall::Status => "tell its register status",
        DriverCall::PrinterStatus => "tell its printer status",
        DriverCall::OpenShift(_) => "open a shift",
        DriverCall::CloseShift(_) => "close a shift",
        DriverCall::RegisterReceipt(_) => "register a receipt",
        DriverCall::Print(_) => "print",
        DriverCall::CancelOpenReceipt => "cancel an open receipt",
        DriverCall::XReport(_) => "print an X report",
        DriverCall::CashIn(..) => "take cash in",
        DriverCall::CashOut(..) => "pay cash out",
        DriverCall::LastFiscalDocument => "tell its last fiscal document",
        DriverCall::RegisterCorrection(_) => "register a correction receipt",
        DriverCall::CheckMarkingCode(_) => "check a marking code",
        DriverCall::DecideMarkingCode(_) => "accept or decline a marking code",
        DriverCall::FiscalDriveStatus => "tell its fiscal drive's status",
        DriverCall::ShiftTotals => "tell its shift's counters",
        DriverCall::Pay(_) => "take a payment",
        DriverCall::Cancel(_) => "reverse a payment",
        DriverCall::Refund(..) => "refund",
        DriverCall::LastTransaction => "tell its last transaction",
    };
    register::DriverError {
        class: register::ErrorClass::Unsupported,
        vendor_code: 0,
        message: format!("a {world} driver cannot {op}"),
    }
}
