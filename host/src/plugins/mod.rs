//! The plugin runtime: Wasm components for tax calculation, receipt layout and device drivers,
//! each run in a sandbox that grants nothing and limits memory and CPU per call.
//!
//! What the rest of the host sees is `contract` (the plugin contract in plain Rust types) and
//! the typed handles (`TaxPlugin`, `LayoutPlugin`, `DriverPlugin`/`DriverInstance`); the
//! generated bindings of each WIT version stay inside `wit/`, so the compiler keeps them there.

pub mod cache;
pub mod contract;
mod driver;
mod driver_imports;
pub mod error;
pub mod report;
pub mod runtime;
pub mod sandbox;
mod set;
mod warm;
mod wit;

pub use cache::CompileOutcome;
pub use driver::{DriverFailure, DriverInstance, DriverPlugin, DriverResult};
pub use error::PluginError;
pub use report::{LoadReport, Origin, World};
pub use runtime::{CheckReport, DriverRole, PluginRuntime, Profiler, RuntimeConfig};
pub use sandbox::{DeviceLine, Limits};
pub use set::{Plugins, Reload, ReloadOutcome, Slot};
pub use warm::{LayoutPlugin, TaxPlugin};
pub use wit::{Identity, IdentityError, Version};
