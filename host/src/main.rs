//! The `fiscal-host` binary: runs the host, checks a plugin for a vendor, or runs an emulated
//! device on its own.

mod emulate;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fiscal_host::app::{self, Host};
use fiscal_host::config::Config;
use fiscal_host::plugins::{PluginRuntime, RuntimeConfig, World};

#[derive(Parser)]
#[command(
    name = "fiscal-host",
    version,
    about = "Fiscal registers, receipt printers and card terminals behind one API"
)]
struct Cli {
    /// TOML configuration; without it the embedded default runs (emulated devices, no hardware).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Overrides `listen` of the configuration.
    #[arg(long, global = true)]
    listen: Option<SocketAddr>,
    /// Overrides `data_dir` of the configuration.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the host (the default).
    Run,
    /// Work with plugin components.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
    /// Print the argon2 hash of a password or token for `[auth]` (reads it from stdin).
    HashSecret,
    /// Serve an emulated register, terminal or printer on TCP until killed.
    Emulate(emulate::Args),
    /// Head office: what the shops shipped to PostgreSQL (`[fleet]`).
    Fleet {
        #[command(subcommand)]
        command: FleetCommand,
    },
    /// Show the copy a layout makes of a document (WebSocket create_doc data or a REST /sale
    /// body, JSON), taxed as the lane would tax it: no device, no journal.
    Preview {
        /// The document's JSON file.
        document: PathBuf,
        /// A layout component (.wasm) or built-in name; default: the configured layout.
        #[arg(long)]
        layout: Option<String>,
        /// Paper width in characters (default 42, or the file's `width`).
        #[arg(long)]
        width: Option<u32>,
        /// The register whose lane taxes it; default: REST's default lane.
        #[arg(long)]
        device: Option<String>,
        /// Also write the picture of the paper here.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum FleetCommand {
    /// Totals per shop and day, per register by VAT rate and by payment type, and the open
    /// alerts. The password comes from FISCAL_HOST_FLEET_PASSWORD or --password-file.
    Report {
        /// postgres://user@host:port/database (no password in it).
        #[arg(long)]
        postgres: String,
        /// The first day, YYYY-MM-DD (UTC days).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// The last day, YYYY-MM-DD.
        #[arg(long)]
        to: chrono::NaiveDate,
        /// One shop's host_id; default: every shop.
        #[arg(long)]
        shop: Option<String>,
        /// A file holding the password (its first line).
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PluginCommand {
    /// Tell a component's WIT version and world, and whether the host loads it (and why not).
    Check {
        file: PathBuf,
        /// Require this world (tax-calculator, receipt-layout, fiscal-register,
        /// receipt-printer, payment-terminal; of 0.1.0: device-driver, payment-driver).
        #[arg(long)]
        world: Option<String>,
    },
    /// Make a new plugin crate from the SDK's template for a world (tax-calculator,
    /// receipt-layout, device-driver), ready to build and check.
    New {
        world: String,
        /// The crate's name, kebab-case (e.g. acme-printer).
        name: String,
        /// Where to make it; default: ./<name>.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The SDK crate's folder; default: the one in this host's source tree.
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Plugin {
            command:
                PluginCommand::Check {
                    ref file,
                    ref world,
                },
        }) => check_plugin(file, world.as_deref()),
        Some(Command::Plugin {
            command:
                PluginCommand::New {
                    ref world,
                    ref name,
                    ref dir,
                    ref sdk,
                },
        }) => new_plugin(world, name, dir.as_deref(), sdk.as_deref()),
        Some(Command::HashSecret) => hash_secret(),
        Some(Command::Emulate(ref args)) => emulate::run(args),
        Some(Command::Preview {
            ref document,
            ref layout,
            width,
            ref device,
            ref svg,
        }) => preview(
            &cli,
            document,
            layout.as_deref(),
            width,
            device.as_deref(),
            svg.as_deref(),
        ),
        Some(Command::Fleet {
            command:
                FleetCommand::Report {
                    postgres,
                    from,
                    to,
                    shop,
                    password_file,
                    json,
                },
        }) => fleet_report(&postgres, from, to, shop, password_file.as_deref(), json),
        Some(Command::Run) | None => run(&cli),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fiscal-host: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn fleet_report(
    postgres: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    shop: Option<String>,
    password_file: Option<&std::path::Path>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    use fiscal_host::fleet::report;
    let query = report::ReportQuery { from, to, shop };
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(report::run(postgres, password_file, &query))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report::tables(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = match &cli.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    if let Some(listen) = cli.listen {
        config.listen = listen;
    }
    if let Some(dir) = &cli.data_dir {
        config.data_dir = Some(dir.clone());
    }
    // The overrides are checked like the file (a public --listen needs credentials).
    config.validate()?;
    Ok(config)
}

fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let config = load_config(cli)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let host = Host::start(config)?;
        let (addr, server) = app::bind(host).await?;
        tracing::info!(%addr, "fiscal-host listening");
        // Tests and scripts read the address from this one stdout line.
        println!("fiscal-host listening on http://{addr}");
        server.await;
        tracing::info!("fiscal-host stopped");
        Ok(ExitCode::SUCCESS)
    })
}

fn preview(
    cli: &Cli,
    document: &std::path::Path,
    layout: Option<&str>,
    width: Option<u32>,
    device: Option<&str>,
    svg: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    use fiscal_host::paper::PaperLine;
    let config = load_config(cli)?;
    let text = std::fs::read_to_string(document)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", document.display()))?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", document.display()))?;
    let paper = app::preview(&config, layout, device, &doc, width)?;
    for line in &paper.lines {
        match line {
            PaperLine::Text { text, .. } => println!("{}", text.trim_end()),
            PaperLine::Qr { data } => println!("[QR {data}]"),
            PaperLine::Barcode {
                symbology, data, ..
            } => println!("[{symbology} {data}]"),
            PaperLine::Cut => println!("{}", "- ".repeat(paper.width as usize / 2)),
        }
    }
    if let Some(path) = svg {
        std::fs::write(path, &paper.svg)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        eprintln!("the picture: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn hash_secret() -> anyhow::Result<ExitCode> {
    let mut secret = String::new();
    std::io::stdin().read_line(&mut secret)?;
    let secret = secret.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(!secret.is_empty(), "give the password or token on stdin");
    println!("{}", fiscal_host::faces::auth::hash_secret(secret));
    Ok(ExitCode::SUCCESS)
}

fn new_plugin(
    world: &str,
    name: &str,
    dir: Option<&std::path::Path>,
    sdk: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let dest = dir.map_or_else(|| PathBuf::from(name), PathBuf::from);
    let sdk = sdk.map_or_else(fiscal_host::scaffold::default_sdk, PathBuf::from);
    fiscal_host::scaffold::new_plugin(world, name, &dest, &sdk)?;
    let crate_name = name.replace('-', "_");
    println!("made {} ({world}) in {}", name, dest.display());
    println!("next:");
    println!("  cd {}", dest.display());
    println!("  cargo build --release --target wasm32-wasip2");
    println!("  fiscal-host plugin check target/wasm32-wasip2/release/{crate_name}.wasm");
    Ok(ExitCode::SUCCESS)
}

fn check_plugin(file: &PathBuf, want: Option<&str>) -> anyhow::Result<ExitCode> {
    let want = match want {
        Some(name) => Some(
            World::ALL
                .into_iter()
                .find(|w| w.name() == name)
                .ok_or_else(|| {
                    let worlds: Vec<_> = World::ALL.iter().map(|w| w.name()).collect();
                    anyhow::anyhow!("unknown world {name}; the worlds are {}", worlds.join(", "))
                })?,
        ),
        None => None,
    };
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let runtime = PluginRuntime::new(RuntimeConfig {
        limits: Default::default(),
        cache_dir: None,
        ..Default::default()
    })?;
    let report = runtime.check(&bytes);
    println!("{}", file.display());
    if let Some(id) = &report.identity {
        println!("  wit: fiscal:host@{}", id.version);
        println!("  world: {}", id.world);
    }
    println!("  imports: {}", report.imports.join(", "));
    println!("  exports: {}", report.exports.join(", "));
    if let Some(error) = &report.error {
        println!("  refused: {error}");
        return Ok(ExitCode::FAILURE);
    }
    let ok = match (want, &report.identity) {
        (Some(w), Some(id)) if w != id.world => {
            println!("  refused: it is a {}, not a {w}", id.world);
            false
        }
        _ => {
            println!("  the host loads it");
            true
        }
    };
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
