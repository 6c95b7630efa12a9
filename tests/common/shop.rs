//! A shop for end-to-end tests of the real binary: the register (Shtrih-M, or Pirit) and the
//! card terminal (ZVT) are emulators served on TCP from the test process, so they outlive the
//! host like real devices and the test reads their own records; the printer is in-process.

use std::path::{Path, PathBuf};

use emulator_kit::{Device, Emulator};
use pirit_emulator::PiritDevice;
use shtrih_m_emulator::ShtrihDevice;
use zvt_emulator::ZvtDevice;

pub struct Shop<D: Device = ShtrihDevice> {
    pub register: Emulator<D>,
    pub terminal: Emulator<ZvtDevice>,
    /// The host's configuration naming them: register `kkt`, `printer`, `terminal`.
    pub config: PathBuf,
}

/// What a test asks of either register model's records.
pub trait RegisterRecords: Device {
    /// The registered receipts, oldest first: (fiscal document number, total in kopecks).
    fn registered(&self) -> Vec<(u64, u64)>;
    /// A receipt is open (begun, not closed or cancelled).
    fn document_open(&self) -> bool;
}

impl RegisterRecords for ShtrihDevice {
    fn registered(&self) -> Vec<(u64, u64)> {
        self.receipts()
            .iter()
            .map(|r| (u64::from(r.document_number), r.total))
            .collect()
    }

    fn document_open(&self) -> bool {
        self.receipt_open()
    }
}

impl RegisterRecords for PiritDevice {
    fn registered(&self) -> Vec<(u64, u64)> {
        self.receipts()
            .iter()
            .map(|r| (u64::from(r.document_number), r.total as u64))
            .collect()
    }

    fn document_open(&self) -> bool {
        self.open_document().is_some()
    }
}

impl<D: Device> Shop<D> {
    pub fn config_arg(&self) -> String {
        self.config.to_str().unwrap().to_owned()
    }

    /// Approved transactions on the terminal (payments, refunds, reversals).
    pub fn approved(&self) -> Vec<zvt_emulator::Transaction> {
        self.terminal.with_device(|d| {
            d.transactions()
                .iter()
                .filter(|t| t.approved())
                .cloned()
                .collect()
        })
    }

    /// Approved payments the terminal still holds (not reversed).
    pub fn charged(&self) -> Vec<zvt_emulator::Transaction> {
        self.approved()
            .into_iter()
            .filter(|t| t.kind == zvt_emulator::Kind::Payment && !t.reversed)
            .collect()
    }
}

/// The default shop: a fresh register and a fresh terminal.
pub fn shop(dir: &Path) -> Shop {
    shop_with(dir, ZvtDevice::tcp(), "")
}

/// A shop with this terminal and these extra driver settings of the terminal (TOML pairs,
/// e.g. `"timeout-ms" = 300`).
pub fn shop_with(dir: &Path, terminal: ZvtDevice, terminal_settings: &str) -> Shop {
    shop_of(
        "shtrih-m",
        shtrih_m_emulator::emulator(),
        dir,
        terminal,
        terminal_settings,
    )
}

/// The default shop with a Pirit register.
pub fn pirit_shop(dir: &Path) -> Shop<PiritDevice> {
    shop_of(
        "pirit",
        pirit_emulator::emulator(),
        dir,
        ZvtDevice::tcp(),
        "",
    )
}

/// A shop whose register is this built-in model on this emulator.
pub fn shop_of<D: Device>(
    model: &str,
    register: Emulator<D>,
    dir: &Path,
    terminal: ZvtDevice,
    terminal_settings: &str,
) -> Shop<D> {
    let (kkt, _) = register.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let terminal = Emulator::new(terminal);
    let (zvt, _) = terminal.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let config = dir.join("host.toml");
    std::fs::write(&config, config_text_of(model, kkt, zvt, terminal_settings)).unwrap();
    Shop {
        register,
        terminal,
        config,
    }
}

/// The host's configuration of a shop whose register and terminal listen on these addresses
/// (the printer in-process): register `kkt`, `printer`, `terminal` with these extra settings.
pub fn config_text(
    register: impl std::fmt::Display,
    terminal: impl std::fmt::Display,
    terminal_settings: &str,
) -> String {
    config_text_of("shtrih-m", register, terminal, terminal_settings)
}

/// As `config_text`, with the register's built-in model.
pub fn config_text_of(
    model: &str,
    register: impl std::fmt::Display,
    terminal: impl std::fmt::Display,
    terminal_settings: &str,
) -> String {
    format!(
        r#"
[[devices]]
id = "kkt"
kind = "fiscal-register"
driver = "{model}"
transport = {{ type = "tcp", address = "{register}" }}

[[devices]]
id = "printer"
kind = "printer"
driver = "escpos"
transport = {{ type = "emulator", emulator = "escpos" }}

[[devices]]
id = "terminal"
kind = "payment-terminal"
driver = "zvt"
transport = {{ type = "tcp", address = "{terminal}" }}
settings = {{ {terminal_settings} }}
"#
    )
}
