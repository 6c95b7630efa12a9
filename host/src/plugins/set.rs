//! The plugins a host serves with: one receipt layout, and one tax plugin per distinct choice
//! its lanes make (a Russian and an Uzbek lane load `tax-ru` and `tax-kz-uz`; two Russian lanes
//! share one). Each sits in a [`Slot`], so one given by path is replaced while the host runs
//! ([`Plugins::reload`]): the new component is compiled and checked against its world first, on
//! a blocking thread, and a call that began keeps the plugin it took.

use std::path::Path;
use std::sync::{Arc, RwLock};

use super::{LayoutPlugin, LoadReport, Origin, PluginError, PluginRuntime, TaxPlugin, World};
use crate::builtins;

/// A plugin that can be replaced while the host runs. Every call takes the one in the slot when
/// it starts (a clone: a handle on the compiled component and its warm instances), so a swap
/// lands between two calls and never inside one.
pub struct Slot<T>(Arc<RwLock<T>>);

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Clone> Slot<T> {
    fn new(plugin: T) -> Self {
        Self(Arc::new(RwLock::new(plugin)))
    }

    /// The plugin for the call about to start.
    pub fn current(&self) -> T {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn replace(&self, plugin: T) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = plugin;
    }
}

#[derive(Clone)]
pub struct Plugins {
    runtime: Arc<PluginRuntime>,
    layout: Slot<LayoutPlugin>,
    /// By the choice as configured (a built-in name or a path), in the order first named.
    taxes: Vec<(String, Slot<TaxPlugin>)>,
}

/// What a reload did with one plugin given by path.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reload {
    /// The plugin's name (its file's stem), or the device whose driver it is.
    pub plugin: String,
    pub world: World,
    pub path: std::path::PathBuf,
    #[serde(flatten)]
    pub outcome: ReloadOutcome,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReloadOutcome {
    /// The file changed; the new component serves from the next call.
    Reloaded { sha256: String },
    /// The file holds the component already serving.
    Unchanged,
    /// The new file does not load (unreadable, not a component, another world); the old
    /// plugin keeps serving.
    Refused { reason: String },
}

impl Reload {
    /// Loads what `path` holds now in place of `current` (off the caller's thread: compiling
    /// takes a while) and says what became of it, with the new component when it changed.
    pub async fn of<T: Send + 'static>(
        plugin: String,
        current: &LoadReport,
        path: &Path,
        load: impl FnOnce(&[u8]) -> Result<(T, String), PluginError> + Send + 'static,
    ) -> (Self, Option<T>) {
        let world = current.world;
        let file = path.to_owned();
        let loaded = tokio::task::spawn_blocking(move || {
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            load(&bytes).map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(format!("the load panicked: {e}")));
        let (outcome, new) = match loaded {
            Ok((_, sha256)) if sha256 == current.sha256 => (ReloadOutcome::Unchanged, None),
            Ok((new, sha256)) => (ReloadOutcome::Reloaded { sha256 }, Some(new)),
            Err(reason) => (ReloadOutcome::Refused { reason }, None),
        };
        match &outcome {
            ReloadOutcome::Refused { reason } => {
                tracing::warn!(%plugin, %reason, "reload refused; the loaded plugin keeps serving")
            }
            ReloadOutcome::Reloaded { sha256 } => tracing::info!(%plugin, %sha256, "reloaded"),
            ReloadOutcome::Unchanged => {}
        }
        let reload = Self {
            plugin,
            world,
            path: path.to_owned(),
            outcome,
        };
        (reload, new)
    }
}

impl Plugins {
    pub fn load<'a>(
        runtime: Arc<PluginRuntime>,
        tax_choices: impl IntoIterator<Item = &'a str>,
        layout_choice: &str,
    ) -> Result<Self, PluginError> {
        let mut taxes: Vec<(String, Slot<TaxPlugin>)> = Vec::new();
        for choice in tax_choices {
            if taxes.iter().any(|(c, _)| c == choice) {
                continue;
            }
            let (name, origin, bytes) = source(choice)?;
            let tax = runtime.load_tax(&name, origin, &bytes)?;
            taxes.push((choice.to_owned(), Slot::new(tax)));
        }
        let (name, origin, bytes) = source(layout_choice)?;
        let layout = Slot::new(runtime.load_layout(&name, origin, &bytes)?);
        Ok(Self {
            runtime,
            layout,
            taxes,
        })
    }

    pub fn runtime(&self) -> &Arc<PluginRuntime> {
        &self.runtime
    }

    /// The layout for the call about to start.
    pub fn layout(&self) -> LayoutPlugin {
        self.layout.current()
    }

    /// The tax plugin slot of a choice (every lane's choice was loaded by `load`).
    pub fn tax(&self, choice: &str) -> Option<&Slot<TaxPlugin>> {
        self.taxes.iter().find(|(c, _)| c == choice).map(|(_, t)| t)
    }

    /// Every tax plugin, then the layout.
    pub fn reports(&self) -> Vec<LoadReport> {
        self.taxes
            .iter()
            .map(|(_, t)| t.current().report().clone())
            .chain([self.layout().report().clone()])
            .collect()
    }

    /// Loads each plugin given by path again from its file: the tax plugins, then the layout.
    pub async fn reload(&self) -> Vec<Reload> {
        let mut done = Vec::new();
        for (_, slot) in &self.taxes {
            done.extend(
                self.reload_slot(slot, TaxPlugin::report, PluginRuntime::load_tax)
                    .await,
            );
        }
        done.extend(
            self.reload_slot(
                &self.layout,
                LayoutPlugin::report,
                PluginRuntime::load_layout,
            )
            .await,
        );
        done
    }

    /// One slot's plugin loaded again from its file (none for a built-in), swapped in when
    /// it changed.
    async fn reload_slot<T: Clone + Send + 'static>(
        &self,
        slot: &Slot<T>,
        report: fn(&T) -> &LoadReport,
        load: fn(&PluginRuntime, &str, Origin, &[u8]) -> Result<T, PluginError>,
    ) -> Option<Reload> {
        let current = report(&slot.current()).clone();
        let Origin::File(path) = &current.origin else {
            return None;
        };
        let (runtime, name, origin) = (
            self.runtime.clone(),
            current.name.clone(),
            current.origin.clone(),
        );
        let (reload, new) = Reload::of(current.name.clone(), &current, path, move |b| {
            let plugin = load(&runtime, &name, origin, b)?;
            let sha = report(&plugin).sha256.clone();
            Ok((plugin, sha))
        })
        .await;
        if let Some(new) = new {
            slot.replace(new);
        }
        Some(reload)
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
