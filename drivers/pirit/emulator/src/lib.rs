//! An emulated Pirit 2F (Dreamkas; Viki Print speaks the same protocol) fiscal register with
//! its fiscal drive, speaking the vendor's serial protocol byte for byte as
//! `documentation_pirit_fm.md` ("Инструкция по программированию ККТ Пирит 2Ф ФФД 1.2")
//! describes it: `STX PIRI id cmd fields ETX crc` packets with FS-separated CP866 text fields,
//! ENQ → ACK, the commands the `pirit` driver uses and the vendor's error codes. README.md
//! lists the commands.
//!
//! It keeps state like the real device: start of work (0x10) after power-up, the shift and
//! its 24-hour limit on its clock (the system's local time, or a fixed start with
//! `emulator_at`; either moves on with `PiritDevice::advance_clock`), the document state
//! machine (open → positions → subtotal → payment → close, state 8 "closed in the fiscal
//! drive, not printed" when the paper runs out at the close), counters (the shift's sales
//! and returns by payment type for 0x01/3, /5, /7; `PiritDevice::keyboard_sale` rings up a
//! sale the host never sent), a fiscal sign per document, the fiscal drive's archive (last
//! document's requisites, each document's TLV for 0x78/15–16), cash in the drawer, a
//! journal of registered receipts (`PiritDevice::receipts`) and of commands received
//! (`PiritDevice::command_log`), an OFD queue every fiscal document joins until
//! `PiritDevice::drain_ofd_queue`, and a marking system whose answer to 0x79/1 a test sets
//! (`set_marking_answer`, `set_marking_delay`). Faults come from `emulator_kit::Faults`:
//! paper out (08h) and cover open (09h) refuse printing commands; `CorruptChecksum`,
//! `NoReply`, `DisconnectMidFrame` and `Nak` (answered as 07h, a CRC error in the command)
//! disturb the next packet; `SlowReply` delays every answer; `PiritDevice::lose_answer_to`
//! carries out one command and loses its answer.
//!
//! ```no_run
//! let emulator = pirit_emulator::emulator();
//! let line = emulator.connect().unwrap(); // or serve_tcp / serve_pty
//! emulator.with_device(|d| d.advance_clock(std::time::Duration::from_secs(3600)));
//! # drop(line);
//! ```

mod clock;
mod commands;
mod counters;
mod device;
mod journal;
mod marking;
mod wire;

pub use clock::{Clock, DateTime, start};
pub use commands::{code, err};
pub use counters::{OperationTotals, PAYMENT_TYPES, ShiftTotals};
pub use device::{Identity, PiritDevice, ReceivedCommand};
pub use journal::{
    Correction, DOC_CORRECTION_EXPENSE, DOC_CORRECTION_EXPENSE_RETURN, DOC_CORRECTION_SALE,
    DOC_CORRECTION_SALE_RETURN, DOC_EXPENSE, DOC_EXPENSE_RETURN, DOC_SALE, DOC_SALE_RETURN,
    DocumentKind, FiscalDocument, PAY_CASH, PAY_CASHLESS, PAY_COUNTER_PROVISION, PAY_CREDIT,
    PAY_PREPAYMENT, ReceiptLine, RegisteredReceipt, tlv_type,
};
pub use marking::{MarkingAnswer, MarkingSystem};

/// An emulator around a fresh register (registered, shift closed, not started), its clock
/// following the system's local time.
pub fn emulator() -> emulator_kit::Emulator<PiritDevice> {
    emulator_kit::Emulator::new(PiritDevice::default())
}

/// An emulator around a fresh register whose clock stands at `start` until advanced.
pub fn emulator_at(start: DateTime) -> emulator_kit::Emulator<PiritDevice> {
    emulator_kit::Emulator::new(PiritDevice::with_clock(
        Identity::default(),
        Clock::fixed(start),
    ))
}
