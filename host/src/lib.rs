//! Fiscal Host: sits between POS software and fiscal registers, receipt printers and card
//! terminals. The data path runs top-down: `faces` parse and reply, the core decides,
//! `plugins` compute (in Wasm), transports move bytes.

pub mod app;
pub mod builtins;
pub mod config;
pub mod core;
pub mod devices;
pub mod faces;
pub mod fleet;
pub mod journal;
#[cfg(test)]
mod layers;
pub mod paper;
pub mod plugins;
pub mod scaffold;
pub mod transport;
