//! What a loaded plugin is: its world, its WIT version, where it came from, how it was loaded.

use std::path::PathBuf;

use super::cache::CompileOutcome;
use super::wit::Version;

/// The worlds a component can fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum World {
    TaxCalculator,
    ReceiptLayout,
    /// 0.1.0: a fiscal register or a receipt printer (one world for both).
    DeviceDriver,
    /// 0.1.0: a card terminal.
    PaymentDriver,
    /// 0.2.0: a fiscal register (fiscal operations and printing).
    FiscalRegister,
    /// 0.2.0: a receipt printer (printing only).
    ReceiptPrinter,
    /// 0.2.0: a card terminal.
    PaymentTerminal,
}

impl World {
    pub const ALL: [World; 7] = [
        World::TaxCalculator,
        World::ReceiptLayout,
        World::FiscalRegister,
        World::ReceiptPrinter,
        World::PaymentTerminal,
        World::DeviceDriver,
        World::PaymentDriver,
    ];

    pub fn name(self) -> &'static str {
        match self {
            World::TaxCalculator => "tax-calculator",
            World::ReceiptLayout => "receipt-layout",
            World::DeviceDriver => "device-driver",
            World::PaymentDriver => "payment-driver",
            World::FiscalRegister => "fiscal-register",
            World::ReceiptPrinter => "receipt-printer",
            World::PaymentTerminal => "payment-terminal",
        }
    }
}

impl std::fmt::Display for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a plugin's bytes came from.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Built with the host and embedded in its binary.
    Embedded,
    /// A `.wasm` file named by the configuration.
    File(PathBuf),
}

/// What the log and `/health` say about a loaded plugin.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadReport {
    pub name: String,
    pub world: World,
    /// The WIT version the component was built against.
    pub wit: Version,
    pub origin: Origin,
    pub sha256: String,
    pub size_bytes: usize,
    pub compile: CompileOutcome,
    pub load_micros: u128,
    /// When this component began to serve (at start, or at a reload).
    pub loaded_at: chrono::DateTime<chrono::Utc>,
}
