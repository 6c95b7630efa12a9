//! The plugins a host serves with, loaded once at start: one receipt layout, and one tax plugin
//! per distinct choice its lanes make (a Russian and an Uzbek lane load `tax-ru` and `tax-kz-uz`;
//! two Russian lanes share one).

use std::path::Path;

use super::{LayoutPlugin, LoadReport, Origin, PluginError, PluginRuntime, TaxPlugin};
use crate::builtins;

#[derive(Clone)]
pub struct Plugins {
    pub layout: LayoutPlugin,
    /// By the choice as configured (a built-in name or a path), in the order first named.
    taxes: Vec<(String, TaxPlugin)>,
}

impl Plugins {
    pub fn load<'a>(
        runtime: &PluginRuntime,
        tax_choices: impl IntoIterator<Item = &'a str>,
        layout_choice: &str,
    ) -> Result<Self, PluginError> {
        let mut taxes: Vec<(String, TaxPlugin)> = Vec::new();
        for choice in tax_choices {
            if taxes.iter().any(|(c, _)| c == choice) {
                continue;
            }
            let (name, origin, bytes) = source(choice)?;
            taxes.push((choice.to_owned(), runtime.load_tax(&name, origin, &bytes)?));
        }
        let (name, origin, bytes) = source(layout_choice)?;
        let layout = runtime.load_layout(&name, origin, &bytes)?;
        Ok(Self { layout, taxes })
    }

    /// The tax plugin loaded for a choice (every lane's choice was loaded by `load`).
    pub fn tax(&self, choice: &str) -> Option<&TaxPlugin> {
        self.taxes.iter().find(|(c, _)| c == choice).map(|(_, t)| t)
    }

    /// Every tax plugin, then the layout.
    pub fn reports(&self) -> Vec<LoadReport> {
        self.taxes
            .iter()
            .map(|(_, t)| t.report().clone())
            .chain([self.layout.report().clone()])
            .collect()
    }
}

/// A built-in name, or a path to a `.wasm` file.
pub fn source(choice: &str) -> Result<(String, Origin, Vec<u8>), PluginError> {
    if let Some(bytes) = builtins::plugin(choice) {
        return Ok((choice.to_owned(), Origin::Embedded, bytes.to_vec()));
    }
    let path = Path::new(choice);
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| choice.to_owned());
    let bytes = std::fs::read(path).map_err(|source| PluginError::Read {
        plugin: name.clone(),
        path: path.to_owned(),
        source,
    })?;
    Ok((name, Origin::File(path.to_owned()), bytes))
}
