//! `escpos-emulator`: an emulated ESC/POS receipt printer on TCP (raw printers listen on 9100)
//! or on a pseudo-terminal. Prints where it listens (the bound address, or the `/dev/pts/N`
//! path) as the first line of stdout, then serves until killed; with `--echo`, the paper follows
//! on stdout as it is printed, in the notation of `escpos_emulator::echo` (README "Echo").

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use escpos_emulator::Echo;

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    /// Terminal styles when stdout is a terminal, the plain notation otherwise (logs, pipes).
    Auto,
    Always,
    Never,
}

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
    /// Echo what is printed: each line framed at the paper's width with its alignment and
    /// styles, symbols, feeds, cuts and unknown commands as bracketed rows.
    #[arg(long)]
    echo: bool,
    /// The paper's width in characters at normal size, for the echo (48: 80 mm, 32: 58 mm).
    #[arg(long, value_name = "CHARS", default_value_t = Echo::DEFAULT_WIDTH as u16,
          value_parser = clap::value_parser!(u16).range(1..))]
    width: u16,
    /// Bold, underline and reverse as terminal styles in the echo.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
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
    let echo = Echo {
        width: usize::from(args.width),
        ansi: match args.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::io::stdout().is_terminal(),
        },
    };
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let printed = emulator.with_device(|d| d.take_paper());
        let mut stdout = std::io::stdout().lock();
        for item in &printed {
            for row in echo.render(item) {
                writeln!(stdout, "{row}")?;
            }
        }
        stdout.flush()?;
    }
}
