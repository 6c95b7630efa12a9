//! `zvt-emulator`: a ZVT payment terminal on TCP (`--tcp 127.0.0.1:20007`, plain APDUs) or on
//! a pseudo-terminal (`--pty`, serial framing; prints its `/dev/pts/N`), serving until killed.

use std::net::SocketAddr;

use clap::Parser;
use zvt_emulator::ZvtDevice;

#[derive(Parser)]
#[command(version, about = "ZVT payment terminal emulator")]
struct Args {
    /// Listen on this address (terminals use port 20007); plain APDUs.
    #[arg(
        long,
        value_name = "ADDR",
        conflicts_with = "pty",
        required_unless_present = "pty"
    )]
    tcp: Option<SocketAddr>,
    /// Serve on a new pseudo-terminal with serial framing and print its path.
    #[arg(long)]
    pty: bool,
    /// The terminal id (eight digits).
    #[arg(long, default_value_t = 29_110_042)]
    terminal_id: u32,
    /// The password commands must carry (six digits).
    #[arg(long, default_value_t = 0)]
    password: u32,
    /// The terminal's currency, ISO 4217 numeric.
    #[arg(long, default_value_t = 643)]
    currency: u16,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let device = if args.pty {
        ZvtDevice::serial()
    } else {
        ZvtDevice::tcp()
    };
    let device = device
        .with_terminal_id(args.terminal_id)
        .with_password(args.password)
        .with_currency(args.currency);
    let emulator = emulator_kit::Emulator::new(device);
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
    let _ = handle.join();
    Ok(())
}
