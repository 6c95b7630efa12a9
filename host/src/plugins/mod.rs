//! The plugin runtime: Wasm components for tax calculation and receipt layout (and, through
//! the same runtime, device drivers), each run in a sandbox that grants nothing and limits
//! memory and CPU per call.

pub mod bindings;
pub mod cache;
mod driver_imports;
pub mod embedded;
pub mod error;
pub mod runtime;
pub mod sandbox;
mod set;

pub use cache::CompileOutcome;
pub use error::PluginError;
pub use runtime::{
    CheckReport, DeviceDriverPlugin, LayoutPlugin, LoadReport, Origin, PaymentDriverPlugin,
    PluginRuntime, RuntimeConfig, TaxPlugin, World,
};
pub use sandbox::{Lent, Limits};
pub use set::Plugins;
