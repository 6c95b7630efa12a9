//! Start-up: configuration → plugin runtime → loaded plugins → the faces on one listener.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::config::Config;
use crate::core::{Core, Lanes, lanes};
use crate::devices::Devices;
use crate::faces;
use crate::faces::auth::Auth;
use crate::journal::Journal;
use crate::plugins::{LoadReport, PluginRuntime, Plugins, RuntimeConfig};
use crate::transport::Emulators;

/// Everything a running host holds; the faces get it behind an `Arc`.
pub struct Host {
    pub config: Config,
    pub plugins: Plugins,
    pub devices: Devices,
    pub core: Arc<Core>,
    pub auth: Auth,
    /// The in-process emulators (used by devices whose transport is `emulator`).
    pub emulators: Emulators,
    /// The shipping of the journal to head office, when `[fleet]` is configured.
    pub fleet: Option<crate::fleet::Fleet>,
}

impl Host {
    pub fn start(config: Config) -> anyhow::Result<Arc<Self>> {
        Self::start_with(config, Emulators::default())
    }

    /// Every loaded component: each tax plugin, the layout, then each device's driver.
    pub fn plugin_reports(&self) -> Vec<LoadReport> {
        self.core.plugin_reports()
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
            profiler: config.plugins.profiler,
        })?;
        tracing::info!(data_dir = %data_dir.display(), "starting");
        let tax_choices = lanes::tax_choices(&config);
        let layout_choice = config
            .plugins
            .layout
            .as_deref()
            .unwrap_or("receipt-default");
        let runtime = Arc::new(runtime);
        let plugins = Plugins::load(
            runtime.clone(),
            tax_choices.iter().map(String::as_str),
            layout_choice,
        )?;
        let lanes = Lanes::new(&config, &plugins);
        for lane in lanes.iter() {
            tracing::info!(register = %lane.register, jurisdiction = lane.country.code(), currency = lane.currency, "lane");
            if lane.organisation.name.is_none() {
                tracing::warn!(register = %lane.register, "no [organisation] is configured: the lane's copies print no seller's requisites");
            }
        }
        let devices = Devices::start(&config.devices, &runtime, &emulators)?;
        let journal_path = data_dir.join("journal.sqlite");
        let journal = Journal::open_with(&journal_path, config.fleet.is_some()).map_err(|e| {
            anyhow::anyhow!("cannot open the journal {}: {e}", journal_path.display())
        })?;
        let core = Core::new(
            journal,
            devices.clone(),
            plugins.clone(),
            lanes,
            config.unique_receipt_codes,
        )
        .map_err(|e| anyhow::anyhow!("cannot start the journal's syncer: {e}"))?;
        let fleet = match &config.fleet {
            Some(fleet) => Some(crate::fleet::start(
                fleet,
                journal_path.clone(),
                core.clone(),
            )?),
            None => None,
        };
        let auth = Auth::from_config(&config.auth);
        Ok(Arc::new(Self {
            config,
            plugins,
            devices,
            core,
            auth,
            emulators,
            fleet,
        }))
    }
}

/// Resolves what a crash left open, then binds the listener and returns its address and the
/// server future (run it to serve). No request is taken before recovery has finished.
pub async fn bind(
    host: Arc<Host>,
) -> anyhow::Result<(SocketAddr, impl std::future::Future<Output = ()>)> {
    host.core.recover().await;
    tokio::spawn(host.core.clone().watch_devices());
    let listener = tokio::net::TcpListener::bind(host.config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", host.config.listen))?;
    let addr = listener.local_addr()?;
    let faces = Arc::new(faces::Faces {
        core: host.core.clone(),
        auth: host.auth.clone(),
        max_body_bytes: host.config.max_body_bytes,
        fleet: host.fleet.clone(),
    });
    let server = warp::serve(faces::routes(faces))
        .incoming(listener)
        .graceful(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    Ok((addr, server.run()))
}

/// `fiscal-host preview`: `doc` (WebSocket `create_doc`'s data or REST `/sale`'s body, or
/// `POST /preview`'s `{"document", "width"}`) laid out by `layout` (a `.wasm` path or a built-in
/// name; default: the configured layout) as `device`'s lane (default: REST's) would print its
/// copy, on paper `width` columns wide. Loads the plugins only: no device, no journal.
pub fn preview(
    config: &Config,
    layout: Option<&str>,
    device: Option<&str>,
    doc: &serde_json::Value,
    width: Option<u32>,
) -> anyhow::Result<crate::paper::Paper> {
    let runtime = PluginRuntime::new(RuntimeConfig {
        limits: config.plugins.limits,
        cache_dir: None,
        profiler: config.plugins.profiler,
    })?;
    let layout = layout
        .or(config.plugins.layout.as_deref())
        .unwrap_or("receipt-default");
    let tax_choices = lanes::tax_choices(config);
    let plugins = Plugins::load(
        Arc::new(runtime),
        tax_choices.iter().map(String::as_str),
        layout,
    )?;
    let lanes = Lanes::new(config, &plugins);
    let register = match device {
        Some(id) => id,
        None => lanes
            .default_for(crate::core::Face::Rest)
            .ok_or_else(|| anyhow::anyhow!("no fiscal register is configured"))?,
    };
    let (doc, width) = match doc.get("document") {
        Some(inner) => (inner, width.or(doc["width"].as_u64().map(|w| w as u32))),
        None => (doc, width),
    };
    let width = width.unwrap_or(42);
    let doc = faces::preview::document(doc).map_err(|e| anyhow::anyhow!("the document: {e}"))?;
    let lane = lanes.of(register);
    let elements = tokio::runtime::Runtime::new()?.block_on(crate::core::preview::lay_out(
        lane,
        &plugins.layout(),
        doc,
        width,
    ))?;
    Ok(crate::paper::lay_out(&elements, width))
}
