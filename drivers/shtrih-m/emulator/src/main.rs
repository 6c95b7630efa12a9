//! `shtrih-m-emulator`: serves an emulated Shtrih-M register on TCP or a pseudo-terminal
//! until killed.
//!
//! `--tcp 127.0.0.1:7778` prints the bound address, `--pty` the `/dev/pts/N` path to open
//! as a serial port; either as one line on stdout. The register's clock follows the system's
//! local time; `--clock 2026-03-01T12:00:00` starts it there instead and keeps it still.
//! `--reply-delay-ms 20` answers every command that much later, as a slow register does
//! (BENCHMARKS.md's register-time figures).

use std::net::SocketAddr;

use clap::Parser;

#[derive(Parser)]
#[command(about = "An emulated Shtrih-M fiscal register")]
#[command(group = clap::ArgGroup::new("line").required(true))]
struct Args {
    /// Listen on this TCP address (one connection at a time, like a network register).
    #[arg(long, group = "line", value_name = "ADDR")]
    tcp: Option<SocketAddr>,
    /// Serve on a new pseudo-terminal and print its path.
    #[arg(long, group = "line")]
    pty: bool,
    /// A fixed clock starting at this local time (YYYY-MM-DDTHH:MM:SS) instead of the
    /// system's.
    #[arg(long, value_name = "TIME", value_parser = fixed_start)]
    clock: Option<shtrih_m_emulator::DateTime>,
    /// Answer every command this many milliseconds late.
    #[arg(long, value_name = "MS")]
    reply_delay_ms: Option<u64>,
}

fn fixed_start(text: &str) -> Result<shtrih_m_emulator::DateTime, String> {
    use chrono::Datelike;
    let t = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .map_err(|e| format!("{e} (expected YYYY-MM-DDTHH:MM:SS)"))?;
    if !(2000..=2255).contains(&t.year()) {
        return Err("the register's years run 2000..=2255".into());
    }
    Ok(shtrih_m_emulator::DateTime::from_naive(t))
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let emulator = match args.clock {
        Some(start) => shtrih_m_emulator::emulator_at(start),
        None => shtrih_m_emulator::emulator(),
    };
    if let Some(ms) = args.reply_delay_ms {
        emulator.faults().inject(emulator_kit::Fault::SlowReply(
            std::time::Duration::from_millis(ms),
        ));
    }
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
