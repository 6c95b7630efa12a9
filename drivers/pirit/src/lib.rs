//! Pirit 2F / Viki Print (Dreamkas) fiscal register driver (Russian KKT with a fiscal drive,
//! 54-FZ, FFD 1.2) as a `fiscal-register` component of `fiscal:host@0.3.0`, built on the
//! `fiscal-host-guest` SDK against the vendor's protocol document
//! (`documentation_pirit_fm.md`, "Инструкция по программированию ККТ Пирит 2Ф ФФД 1.2").
//!
//! The protocol lives in plain modules over `driver_kit::Port`, so native tests drive it
//! against the emulator (`pirit-emulator`) and the Wasm guest only adapts the WIT:
//!
//! - [`frame`]: STX, password, packet id, hex command code, FS-separated text fields, ETX and
//!   the XOR CRC in hex; money and quantities as decimal text;
//! - [`link`]: one request and its answer by packet id, the ENQ/ACK link check, resends of
//!   queries only;
//! - [`text`]: CP866, the register's code page, and the `$xy` escape of marking codes;
//! - [`commands`]: request builders and answer decoders, one per command;
//! - [`errors`]: the vendor's error codes as WIT `driver-error`s;
//! - [`settings`]: the driver's configuration keys, read under the SDK's settings policy;
//! - [`Pirit`]: the operations the WIT `register` and `printer` interfaces export.

pub mod commands;
mod driver;
pub mod errors;
pub mod frame;
mod guest;
pub mod link;
pub mod settings;
pub mod shift_totals;
pub mod text;

pub use driver::{Identity, Pirit};
pub use settings::Settings;

/// The WIT records the operations take and return.
pub mod types {
    pub use fiscal_host_guest::register::{
        CorrectionReceipt, FiscalDriveState, FiscalReceipt, FractionalQuantity, Marking,
        MarkingCheck, MarkingCheckResult, MarkingDecision, MarkingVerdict, OperationCounters,
        PlannedStatus, PrinterStatus, ReceiptItem, ReceiptPayments, ShiftCounters,
    };
    pub use fiscal_host_guest::types::{
        Align, Barcode, BarcodeKind, Cashier, Correction, CorrectionBasis, Date, DateTime,
        DeviceInfo, DeviceStatus, DocumentKind, DriverError, Element, ErrorClass, FiscalResult,
        LastDocument, Money, Quantity, ShiftState, Text, TextSize, Vat,
    };
}
