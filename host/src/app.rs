//! Start-up: configuration → plugin runtime → loaded plugins → the faces on one listener.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use crate::config::{Config, Rate, TaxConfig};
use crate::core::Core;
use crate::devices::Devices;
use crate::faces;
use crate::faces::auth::Auth;
use crate::journal::Journal;
use crate::plugins::bindings::tax;
use crate::plugins::{
    LayoutPlugin, LoadReport, Origin, PluginError, PluginRuntime, RuntimeConfig, TaxPlugin,
    embedded,
};
use crate::transport::Emulators;

/// The plugins the host serves with, loaded once at start.
#[derive(Clone)]
pub struct Plugins {
    pub tax: TaxPlugin,
    pub layout: LayoutPlugin,
}

impl Plugins {
    pub fn load(runtime: &PluginRuntime, config: &Config) -> Result<Self, PluginError> {
        let tax_choice = config
            .plugins
            .tax
            .clone()
            .unwrap_or_else(|| config.tax.country.builtin_tax_plugin().to_owned());
        let layout_choice = config
            .plugins
            .layout
            .clone()
            .unwrap_or_else(|| "receipt-default".to_owned());
        let (name, origin, bytes) = plugin_source(&tax_choice)?;
        let tax = runtime.load_tax(&name, origin, &bytes)?;
        let (name, origin, bytes) = plugin_source(&layout_choice)?;
        let layout = runtime.load_layout(&name, origin, &bytes)?;
        Ok(Self { tax, layout })
    }

    pub fn reports(&self) -> Vec<LoadReport> {
        vec![self.tax.report().clone(), self.layout.report().clone()]
    }
}

/// A built-in name, or a path to a `.wasm` file.
fn plugin_source(choice: &str) -> Result<(String, Origin, Vec<u8>), PluginError> {
    if let Some(bytes) = embedded::builtin(choice) {
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

/// The jurisdiction the tax plugin is told about, from `[tax]`.
pub fn jurisdiction(config: &TaxConfig) -> tax::Jurisdiction {
    let tax_codes = config
        .codes
        .iter()
        .map(|c| tax::TaxCode {
            code: c.code,
            // validated when the configuration was read
            rate: match c.rate.parse().expect("validated at load") {
                Rate::Percent(r) => tax::TaxSpec::Percent(r),
                Rate::Computed(r) => tax::TaxSpec::Computed(r),
                Rate::Exempt => tax::TaxSpec::Exempt,
            },
            valid_from: c.valid_from.and_then(|d| d.date).map(|d| tax::Date {
                year: d.year,
                month: d.month,
                day: d.day,
            }),
        })
        .collect();
    tax::Jurisdiction {
        country: config.country.code().to_owned(),
        tax_codes,
        standard_rate: config.standard_rate,
    }
}

/// Everything a running host holds; the faces get it behind an `Arc`.
pub struct Host {
    pub config: Config,
    pub plugins: Plugins,
    pub devices: Devices,
    pub core: Arc<Core>,
    pub auth: Auth,
    /// The in-process emulators (used by devices whose transport is `emulator`).
    pub emulators: Emulators,
}

impl Host {
    pub fn start(config: Config) -> anyhow::Result<Arc<Self>> {
        Self::start_with(config, Emulators::default())
    }

    /// Every loaded component: tax, layout, then each device's driver.
    pub fn plugin_reports(&self) -> Vec<LoadReport> {
        let mut reports = self.plugins.reports();
        reports.extend(self.devices.driver_reports());
        reports
    }

    /// Starts with the given in-process emulators, so a test can hold them to inject faults.
    pub fn start_with(config: Config, emulators: Emulators) -> anyhow::Result<Arc<Self>> {
        let data_dir = config.data_dir();
        std::fs::create_dir_all(&data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the data directory {}: {e}",
                data_dir.display()
            )
        })?;
        let runtime = PluginRuntime::new(RuntimeConfig {
            limits: config.plugins.limits,
            cache_dir: config
                .plugins
                .compile_cache
                .then(|| data_dir.join("plugin-cache")),
        })?;
        tracing::info!(data_dir = %data_dir.display(), "starting");
        let plugins = Plugins::load(&runtime, &config)?;
        let devices = Devices::start(&config.devices, &runtime, &emulators)?;
        let journal_path = data_dir.join("journal.sqlite");
        let journal = Journal::open(&journal_path).map_err(|e| {
            anyhow::anyhow!("cannot open the journal {}: {e}", journal_path.display())
        })?;
        let core = Core::new(
            journal,
            devices.clone(),
            plugins.clone(),
            jurisdiction(&config.tax),
        )
        .map_err(|e| anyhow::anyhow!("cannot start the journal's syncer: {e}"))?;
        let auth = Auth::from_config(&config.auth);
        Ok(Arc::new(Self {
            config,
            plugins,
            devices,
            core,
            auth,
            emulators,
        }))
    }
}

/// Resolves what a crash left open, then binds the listener and returns its address and the
/// server future (run it to serve). No request is taken before recovery has finished.
pub async fn bind(
    host: Arc<Host>,
) -> anyhow::Result<(SocketAddr, impl std::future::Future<Output = ()>)> {
    host.core.recover().await;
    let listener = tokio::net::TcpListener::bind(host.config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", host.config.listen))?;
    let addr = listener.local_addr()?;
    let server = warp::serve(faces::routes(host))
        .incoming(listener)
        .graceful(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    Ok((addr, server.run()))
}
