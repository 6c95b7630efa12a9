//! `zvt-emulator`: a ZVT payment terminal on TCP (`--tcp 127.0.0.1:20007`, plain APDUs) or on
//! a pseudo-terminal (`--pty`, serial framing; prints its `/dev/pts/N`), serving until killed.

use std::net::SocketAddr;
use std::time::Duration;

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
    /// The trace number (BMP 0B) of the next transaction, 1…999999.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=999_999))]
    first_trace: u32,
    /// The receipt number (BMP 87, the auth-id) of the next approved transaction, 1…9999.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=9_999))]
    first_receipt: u32,
    /// How long the customer takes at the PIN pad for each payment, reversal and refund.
    #[arg(long, value_name = "MS")]
    authorisation_delay_ms: Option<u64>,
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
        .with_currency(args.currency)
        .with_first_numbers(args.first_trace, args.first_receipt);
    let device = match args.authorisation_delay_ms {
        Some(ms) => device.with_authorisation_delay(Duration::from_millis(ms)),
        None => device,
    };
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
