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
    /// A fiscal register or a receipt printer (0.1.0 has one world for both).
    DeviceDriver,
    PaymentDriver,
}

impl World {
    pub const ALL: [World; 4] = [
        World::TaxCalculator,
        World::ReceiptLayout,
        World::DeviceDriver,
        World::PaymentDriver,
    ];

    pub fn name(self) -> &'static str {
        match self {
            World::TaxCalculator => "tax-calculator",
            World::ReceiptLayout => "receipt-layout",
            World::DeviceDriver => "device-driver",
            World::PaymentDriver => "payment-driver",
        }
    }

    /// The world whose component exports this `fiscal:host` interface.
    pub fn exporting(interface: &str) -> Option<World> {
        match interface {
            "tax" => Some(World::TaxCalculator),
            "layout" => Some(World::ReceiptLayout),
            "register" => Some(World::DeviceDriver),
            "terminal" => Some(World::PaymentDriver),
            _ => None,
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
}
