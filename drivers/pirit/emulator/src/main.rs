//! `pirit-emulator`: serves an emulated Pirit 2F register on TCP or a pseudo-terminal until
//! killed.
//!
//! `--tcp 127.0.0.1:7779` prints the bound address, `--pty` the `/dev/pts/N` path to open as a
//! serial port (57600 8N1 on a real one); either as one line on stdout. The register's clock
//! follows the system's local time; `--clock 2026-03-01T12:00:00` starts it there instead and
//! keeps it still.

use std::net::SocketAddr;

use clap::Parser;

#[derive(Parser)]
#[command(about = "An emulated Pirit 2F fiscal register")]
#[command(group = clap::ArgGroup::new("line").required(true))]
struct Args {
    /// Listen on this TCP address (one connection at a time).
    #[arg(long, group = "line", value_name = "ADDR")]
    tcp: Option<SocketAddr>,
    /// Serve on a new pseudo-terminal and print its path.
    #[arg(long, group = "line")]
    pty: bool,
    /// A fixed clock starting at this local time (YYYY-MM-DDTHH:MM:SS).
    #[arg(long, value_name = "TIME", value_parser = fixed_start)]
    clock: Option<pirit_emulator::DateTime>,
}

fn fixed_start(text: &str) -> Result<pirit_emulator::DateTime, String> {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .map_err(|e| format!("{e} (expected YYYY-MM-DDTHH:MM:SS)"))
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let emulator = match args.clock {
        Some(start) => pirit_emulator::emulator_at(start),
        None => pirit_emulator::emulator(),
    };
    let handle = if let Some(addr) = args.tcp {
        let (bound, handle) = emulator.serve_tcp(addr)?;
        println!("{bound}");
        handle
    } else {
        let (path, handle) = emulator.serve_pty()?;
        println!("{}", path.display());
        handle
    };
    handle
        .join()
        .map_err(|_| std::io::Error::other("the emulator thread panicked"))
}
