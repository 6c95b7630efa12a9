//! An emulated Shtrih-M fiscal register (a KKT with a fiscal drive) that speaks the vendor's
//! serial protocol byte for byte: STX LEN CMD DATA LRC frames, the ENQ/ACK/NAK handshake,
//! the commands the `shtrih-m` driver uses and the legacy ones common tools send (1Ah/1Bh
//! registers, 80h/82h sale, 85h close; pyshtrih drives it in `tests/pyshtrih.rs`), and the
//! vendor's error codes. README.md lists the commands and the money registers.
//!
//! It keeps state like the real device: the shift and its 24-hour limit on its clock (the
//! system's local time by default, a fixed start with `emulator_at`; either moves on with
//! `ShtrihDevice::advance_clock`), receipt and fiscal-document counters, a fiscal
//! sign per document, the open receipt, cash in the drawer, the cashier table, and a
//! journal of registered receipts (`ShtrihDevice::receipts`) for tests to check what was
//! fiscalized (each position's marking code, a correction's tags), a log of the commands it
//! received (`ShtrihDevice::command_log`), an OFD queue every fiscal document joins until
//! `ShtrihDevice::drain_ofd_queue`, and a marking system whose answer to FF61h a test sets
//! (`ShtrihDevice::set_marking_answer`, `set_marking_delay`). Faults come from
//! `emulator_kit::Faults`: paper out and cover open refuse printing with code 6Bh; `Nak`,
//! `CorruptChecksum`, `NoReply` and `DisconnectMidFrame` disturb the next frame or answer.
//!
//! ```no_run
//! let emulator = shtrih_m_emulator::emulator();
//! let line = emulator.connect().unwrap(); // or serve_tcp / serve_pty
//! emulator.with_device(|d| d.advance_clock(std::time::Duration::from_secs(3600)));
//! # drop(line);
//! ```

mod clock;
mod commands;
mod cp1251;
mod device;
mod journal;
mod marking;
pub mod registers;
mod wire;

pub use clock::{Clock, DateTime, START};
pub use commands::code;
pub use device::{Identity, ReceivedCommand, ShtrihDevice};
pub use journal::{
    Correction, DOC_CORRECTION, DOC_RECEIPT, DOC_REGISTRATION, DOC_SHIFT_CLOSE, DOC_SHIFT_OPEN,
    FiscalDocument, PAY_CASH, PAY_CASHLESS, PAY_COUNTER_PROVISION, PAY_CREDIT, PAY_PREPAYMENT,
    ReceiptLine, RegisteredReceipt,
};
pub use marking::{MarkingAnswer, MarkingSystem};

/// An emulator around a fresh register (registered, shift closed), its clock following the
/// system's local time.
pub fn emulator() -> emulator_kit::Emulator<ShtrihDevice> {
    emulator_kit::Emulator::new(ShtrihDevice::default())
}

/// An emulator around a fresh register whose clock stands at `start` until advanced, for
/// tests that assert dates (`emulator_at(START)`).
pub fn emulator_at(start: DateTime) -> emulator_kit::Emulator<ShtrihDevice> {
    emulator_kit::Emulator::new(ShtrihDevice::with_clock(
        Identity::default(),
        Clock::fixed(start),
    ))
}
