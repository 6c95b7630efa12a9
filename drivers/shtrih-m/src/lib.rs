//! Shtrih-M fiscal register driver (Russian KKT with a fiscal drive, 54-FZ) as a
//! `fiscal-register` component of `fiscal:host@0.3.0`, built on the `fiscal-host-guest` SDK.
//!
//! The protocol lives in plain modules over `driver_kit::Port`, so native tests drive it
//! against the emulator (`shtrih-m-emulator`) and the Wasm guest only adapts the WIT:
//!
//! - [`frame`]: STX LEN CMD DATA LRC frames, one- and two-byte (`FF xx`) command codes;
//! - [`link`]: the ENQ/ACK/NAK handshake, retries and timeouts;
//! - [`text`]: CP1251, the register's code page;
//! - [`commands`]: request encoders and answer decoders, one per command;
//! - [`marking`]: marking codes (FF61h check, FF69h decision, FF67h binding);
//! - [`correction`]: FFD 1.2 correction receipts (8Dh 80h+type, tags 1173/1174);
//! - [`errors`]: the vendor's error codes as WIT `driver-error`s;
//! - [`settings`]: the driver's configuration keys, read under the SDK's settings policy;
//! - [`Shtrih`]: the operations the WIT `register` and `printer` interfaces export.
//!
//! The WIT types are the SDK's (`fiscal_host_guest::types`, `fiscal_host_guest::register`),
//! re-exported in [`types`]: native callers and the guest share one set of records.

pub mod commands;
pub mod correction;
mod driver;
pub mod errors;
pub mod fiscal_drive;
pub mod frame;
mod guest;
pub mod link;
pub mod marking;
mod printing;
mod receipt;
pub mod settings;
pub mod shift_totals;
pub mod text;

pub use driver::{LogLevel, Shtrih};
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
        LastDocument, Money, ShiftState, Text, TextSize, Vat,
    };
}
