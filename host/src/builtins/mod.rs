//! Everything the host carries built in, listed once: the plugins (tax, layout) and the device
//! models — each a driver component with the emulator that stands in for its device. The
//! configuration names them (`plugin = "tax-ru"`, `driver = "pirit"`,
//! `transport = { type = "emulator", emulator = "pirit" }`), `fiscal-host emulate <model>`
//! serves one, and the embedded default's lanes are made of them. Adding a device model is an
//! entry in [`MODELS`] (and its guest in `build.rs`'s list, its emulator crate in Cargo.toml);
//! no other host file names a model.
//!
//! The components are built by `build.rs` and embedded in the binary. This is the ground floor
//! of the crate's layers: it imports nothing of the host's own.

mod records;

use std::any::Any;
use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;

use driver_kit::{Port, StreamPort};
use emulator_kit::{Device, Emulator};
use serde_json::Value;

/// What a device is to the core: the kind decides which driver world it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceKind {
    FiscalRegister,
    Printer,
    PaymentTerminal,
}

impl DeviceKind {
    /// The kind in words, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            DeviceKind::FiscalRegister => "fiscal register",
            DeviceKind::Printer => "printer",
            DeviceKind::PaymentTerminal => "payment terminal",
        }
    }
}

/// Russia, 54-FZ: rates 22/20/10/7/5/0 %, без НДС and the computed rates.
pub const TAX_RU: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tax_ru.wasm"));
/// Kazakhstan and Uzbekistan.
pub const TAX_KZ_UZ: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tax_kz_uz.wasm"));
/// The default receipt layout for 32, 42 and 48 character paper.
pub const RECEIPT_DEFAULT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/receipt_default.wasm"));

/// The built-in tax and layout plugins by the names the configuration uses.
const PLUGINS: &[(&str, &[u8])] = &[
    ("tax-ru", TAX_RU),
    ("tax-kz-uz", TAX_KZ_UZ),
    ("receipt-default", RECEIPT_DEFAULT),
];

/// A device model the host carries: the driver and the emulator of one kind of device.
pub struct Model {
    /// The name in `driver = "…"`, in `emulator = "…"` and after `fiscal-host emulate`.
    pub name: &'static str,
    pub kind: DeviceKind,
    /// One line for `fiscal-host emulate --help` and error messages.
    pub about: &'static str,
    /// The driver component.
    pub driver: &'static [u8],
    /// A fresh emulated device as the host's in-process lines reach it.
    pub emulator: fn() -> Box<dyn Emulated>,
    /// A fresh emulated device as it answers on a network (a terminal frames its messages
    /// differently on TCP than on a serial line).
    pub network_emulator: fn() -> Box<dyn Emulated>,
}

/// Every built-in device model. The first of each kind is the embedded default's.
pub const MODELS: &[Model] = &[
    Model {
        name: "shtrih-m",
        kind: DeviceKind::FiscalRegister,
        about: "Shtrih-M fiscal register (KKT with a fiscal drive)",
        driver: include_bytes!(concat!(env!("OUT_DIR"), "/shtrih_m.wasm")),
        emulator: || emulated(shtrih_m_emulator::emulator(), records::shtrih_m),
        network_emulator: || emulated(shtrih_m_emulator::emulator(), records::shtrih_m),
    },
    Model {
        name: "pirit",
        kind: DeviceKind::FiscalRegister,
        about: "Pirit 2F / Viki Print fiscal register (Dreamkas)",
        driver: include_bytes!(concat!(env!("OUT_DIR"), "/pirit.wasm")),
        emulator: || emulated(pirit_emulator::emulator(), records::pirit),
        network_emulator: || emulated(pirit_emulator::emulator(), records::pirit),
    },
    Model {
        name: "escpos",
        kind: DeviceKind::Printer,
        about: "ESC/POS receipt printer",
        driver: include_bytes!(concat!(env!("OUT_DIR"), "/escpos.wasm")),
        emulator: || emulated(escpos_emulator::emulator(), records::escpos),
        network_emulator: || emulated(escpos_emulator::emulator(), records::escpos),
    },
    Model {
        name: "zvt",
        kind: DeviceKind::PaymentTerminal,
        about: "ZVT card terminal",
        driver: include_bytes!(concat!(env!("OUT_DIR"), "/zvt_driver.wasm")),
        emulator: || emulated(zvt_emulator::emulator(), records::zvt),
        network_emulator: || emulated(Emulator::new(zvt_emulator::ZvtDevice::tcp()), records::zvt),
    },
];

/// A built-in device model by name.
pub fn model(name: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.name == name)
}

/// The embedded default's model of a kind.
pub fn default_model(kind: DeviceKind) -> &'static Model {
    MODELS
        .iter()
        .find(|m| m.kind == kind)
        .expect("every device kind has a built-in model")
}

/// The names of the built-in models, for messages.
pub fn model_names() -> Vec<&'static str> {
    MODELS.iter().map(|m| m.name).collect()
}

/// The names of the built-in models of a kind, for messages.
pub fn model_names_of(kind: DeviceKind) -> Vec<&'static str> {
    MODELS
        .iter()
        .filter(|m| m.kind == kind)
        .map(|m| m.name)
        .collect()
}

/// A built-in tax or layout plugin's bytes by name.
pub fn plugin(name: &str) -> Option<&'static [u8]> {
    PLUGINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| *bytes)
}

/// Where the build put a guest component that is not embedded (test plugins, the template).
pub fn guest_path(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("OUT_DIR")).join(file)
}

/// One running emulated device of any model, as the host and its tools use it without
/// knowing the model: a line to it, a TCP server for it, and its own records.
pub trait Emulated: Send + Sync {
    /// A fresh line to the device: answered on the writer's thread when `baud` is absent,
    /// else a socket pair whose other end a pump thread serves at that rate.
    fn connect(&self, baud: Option<u32>) -> io::Result<Box<dyn Port + Send>>;
    /// Serves the device on TCP, one connection at a time, as a network device does.
    fn serve_tcp(&self, addr: SocketAddr) -> io::Result<(SocketAddr, JoinHandle<()>)>;
    /// What the device itself says it did (registered, charged, printed), as JSON, taken
    /// under its lock so it never shows half an operation.
    fn records(&self) -> Value;
    /// Bytes that crossed its lines so far: (from the host, to the host).
    fn traffic(&self) -> (u64, u64);
    /// The typed emulator (`Emulator<ShtrihDevice>`, …) for tests and model-specific options.
    fn as_any(&self) -> &dyn Any;
}

struct Unit<D: Device> {
    emulator: Emulator<D>,
    records: fn(&D) -> Value,
}

fn emulated<D: Device>(emulator: Emulator<D>, records: fn(&D) -> Value) -> Box<dyn Emulated> {
    Box::new(Unit { emulator, records })
}

impl<D: Device> Emulated for Unit<D> {
    fn connect(&self, baud: Option<u32>) -> io::Result<Box<dyn Port + Send>> {
        Ok(match baud {
            None => Box::new(self.emulator.connect_inline()),
            Some(_) => Box::new(StreamPort(self.emulator.connect_at(baud)?)),
        })
    }

    fn serve_tcp(&self, addr: SocketAddr) -> io::Result<(SocketAddr, JoinHandle<()>)> {
        self.emulator.serve_tcp(addr)
    }

    fn records(&self) -> Value {
        self.emulator.with_device(|d| (self.records)(d))
    }

    fn traffic(&self) -> (u64, u64) {
        self.emulator.traffic()
    }

    fn as_any(&self) -> &dyn Any {
        &self.emulator
    }
}

impl dyn Emulated {
    /// The typed emulator, when the device is of that model.
    pub fn typed<D: Device>(&self) -> Option<Emulator<D>> {
        self.as_any().downcast_ref::<Emulator<D>>().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_kind_has_a_default() {
        let mut names = model_names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), MODELS.len());
        for kind in [
            DeviceKind::FiscalRegister,
            DeviceKind::Printer,
            DeviceKind::PaymentTerminal,
        ] {
            assert_eq!(default_model(kind).kind, kind);
        }
        assert_eq!(default_model(DeviceKind::FiscalRegister).name, "shtrih-m");
    }

    #[test]
    fn a_model_s_emulator_is_reached_typed_and_untyped() {
        let pirit = (model("pirit").unwrap().emulator)();
        assert!(pirit.typed::<pirit_emulator::PiritDevice>().is_some());
        assert!(pirit.typed::<shtrih_m_emulator::ShtrihDevice>().is_none());
        assert_eq!(pirit.records()["shift"]["open"], false);
        assert!(model("nope").is_none());
    }
}
