//! `fiscal-host emulate <model> --tcp ADDR [--control ADDR]`: one of the built-in models'
//! device emulators as a process of its own, so a POS developer (or a test) can point a host at
//! an emulated register, printer or terminal that outlives that host, as a real device does.
//!
//! The device is served on `--tcp` (one connection at a time, like a network device). With
//! `--control`, each connection to that address receives one JSON snapshot of the emulator's own
//! records — what the device itself says it registered or charged, independent of any host's
//! journal (`builtins/records.rs` builds it) — and is closed.
//!
//! Each address is announced as one flushed stdout line (`emulating <model> on <addr>`, then
//! `control on <addr>`), so port 0 works: the caller reads the bound port.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::builder::{PossibleValue, PossibleValuesParser};

use fiscal_host::builtins::{self, Emulated};

fn models() -> PossibleValuesParser {
    PossibleValuesParser::new(
        builtins::MODELS
            .iter()
            .map(|m| PossibleValue::new(m.name).help(m.about)),
    )
}

#[derive(clap::Args)]
pub struct Args {
    /// Which device to emulate (a built-in model).
    #[arg(value_parser = models(), value_name = "MODEL")]
    model: String,
    /// Serve the device on this TCP address (port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    tcp: SocketAddr,
    /// Answer each connection here with a JSON snapshot of the device's records.
    #[arg(long, value_name = "ADDR")]
    control: Option<SocketAddr>,
    /// zvt: the trace number of the terminal's first transaction.
    #[arg(long, value_name = "N")]
    first_trace: Option<u32>,
    /// zvt: the receipt number of the terminal's first approved transaction.
    #[arg(long, value_name = "N")]
    first_receipt: Option<u32>,
}

/// Serves the emulator until the process is killed.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let model = builtins::model(&args.model).context("not a built-in model")?;
    let device = (model.network_emulator)();
    if args.first_trace.is_some() || args.first_receipt.is_some() {
        let terminal = device
            .typed::<zvt_emulator::ZvtDevice>()
            .context("--first-trace and --first-receipt apply to zvt only")?;
        terminal.with_device(|d| {
            d.set_first_numbers(
                args.first_trace.unwrap_or(1),
                args.first_receipt.unwrap_or(1),
            )
        });
    }
    serve(args, Arc::from(device))
}

fn serve(args: &Args, device: Arc<dyn Emulated>) -> anyhow::Result<ExitCode> {
    let (bound, device_line) = device
        .serve_tcp(args.tcp)
        .with_context(|| format!("cannot listen on {}", args.tcp))?;
    announce(&format!("emulating {} on {bound}", args.model))?;
    if let Some(addr) = args.control {
        let listener =
            TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
        announce(&format!("control on {}", listener.local_addr()?))?;
        std::thread::Builder::new()
            .name("emulator-control".into())
            .spawn(move || {
                for mut stream in listener.incoming().flatten() {
                    let text = device.records().to_string();
                    // A reader that went away costs nothing but its own snapshot.
                    let _ = stream.write_all(text.as_bytes());
                    let _ = stream.write_all(b"\n");
                }
            })?;
    }
    device_line
        .join()
        .map_err(|_| anyhow::anyhow!("the emulator's line thread panicked"))?;
    Ok(ExitCode::SUCCESS)
}

/// One stdout line, flushed at once: the caller is waiting for it to learn the port.
fn announce(line: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    Ok(())
}
