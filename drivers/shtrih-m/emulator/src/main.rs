//! `shtrih-m-emulator`: serves an emulated Shtrih-M register on TCP or a pseudo-terminal
//! until killed.
//!
//! `--tcp 127.0.0.1:7778` prints the bound address, `--pty` the `/dev/pts/N` path to open
//! as a serial port; either as one line on stdout.

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
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let emulator = shtrih_m_emulator::emulator();
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
