//! `escpos-emulator`: an emulated ESC/POS receipt printer on TCP (raw printers listen on 9100)
//! or on a pseudo-terminal. Prints where it listens (the bound address, or the `/dev/pts/N`
//! path) as the first line of stdout, then serves until killed; with `--echo`, every printed
//! line follows on stdout.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

#[derive(Parser)]
#[command(version, about = "An emulated ESC/POS receipt printer")]
struct Args {
    /// Listen on this TCP address (e.g. 127.0.0.1:9100; port 0 picks a free one).
    #[arg(
        long,
        value_name = "ADDR",
        required_unless_present = "pty",
        conflicts_with = "pty"
    )]
    tcp: Option<SocketAddr>,
    /// Serve on a new pseudo-terminal; its /dev/pts/N path is printed.
    #[arg(long)]
    pty: bool,
    /// Echo what is printed, one paper item a line.
    #[arg(long)]
    echo: bool,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let emulator = escpos_emulator::emulator();
    let handle = match args.tcp {
        Some(addr) => {
            let (bound, handle) = emulator.serve_tcp(addr)?;
            println!("{bound}");
            handle
        }
        None => {
            let (path, handle) = emulator.serve_pty()?;
            println!("{}", path.display());
            handle
        }
    };
    std::io::stdout().flush()?;
    if !args.echo {
        let _ = handle.join();
        return Ok(());
    }
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let printed = emulator.with_device(|d| d.take_paper());
        let mut stdout = std::io::stdout().lock();
        for item in printed {
            writeln!(stdout, "{item}")?;
        }
        stdout.flush()?;
    }
}
