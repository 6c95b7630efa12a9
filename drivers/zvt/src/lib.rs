//! ZVT payment terminal driver: a `payment-terminal` component of `fiscal:host@0.3.0` speaking
//! the German card terminal protocol (ZVT, "Zahlungsverkehrsterminal") to a terminal over
//! TCP/IP or RS-232.
//!
//! The protocol is written against `driver_kit::Port`, so the same code runs inside Wasm over
//! the host's `transport` import (`fiscal_host_guest::port::HostPort`, adapted in `guest`) and
//! natively in tests over a socket to the emulator in `emulator/`. Layers, bottom up:
//!
//! - [`apdu`]: `CLASS INSTR LEN DATA`; [`serial`]: `DLE STX … DLE ETX CRC` frames, ACK/NAK;
//! - [`bmp`], [`tlv`]: the fields inside messages; [`commands`]: the ECR's commands;
//! - [`link`]: one APDU at a time over a port, in either framing;
//! - [`flow`]: a command's conversation up to its completion or abort;
//! - [`ops`]: describe, pay, cancel, refund, last transaction, with [`settings`] and [`rrn`].

pub mod apdu;
pub mod bmp;
pub mod codes;
pub mod commands;
pub mod error;
pub mod flow;
pub mod link;
pub mod log;
pub mod ops;
pub mod rrn;
pub mod serial;
pub mod settings;
pub mod tlv;

mod guest;

pub use error::{Error, ErrorClass};
pub use link::Framing;
pub use ops::{
    DateTime, DeviceInfo, Outcome, Transaction, cancel, describe, last_transaction, pay, refund,
};
pub use settings::Settings;
