//! The operations `fiscal:host@0.2.0` added to the register: the fiscal drive's state
//! (FF01h, FF39h, FF03h), and marking codes and correction receipts, which this driver does
//! not implement yet and refuses as `unsupported`.

use driver_kit::Port;

use crate::commands::{self, decode_exchange_status, decode_fn_validity};
use crate::driver::Shtrih;
use crate::errors;
use crate::types::*;

/// FFD tag 1209 as `fiscal-drive-state.ffd-version` counts it: 4 = FFD 1.2. The driver
/// registers every receipt with the FFD 1.2 commands (operation v2 FF46h, close v2 FF45h);
/// it does not ask the register for its format version (see the README).
pub const FFD_VERSION: u8 = 4;

fn not_yet(what: &str) -> DriverError {
    errors::refused(
        ErrorClass::Unsupported,
        format!("{what} is not supported by the Shtrih-M driver yet"),
    )
}

impl<P: Port> Shtrih<P> {
    /// The fiscal drive's number (FF01h, cached), its exchange with the OFD (FF39h: the
    /// documents not yet confirmed, the first one's number and time), its validity (FF03h) and
    /// the register's clock (11h).
    pub fn fiscal_drive_status(&mut self) -> Result<FiscalDriveState, DriverError> {
        let fn_number = self.fn_number()?;
        let data = self.call(&commands::fn_exchange_status(self.admin_password()))?;
        let exchange = decode_exchange_status(&data).map_err(errors::garbage)?;
        let data = self.call(&commands::fn_validity(self.admin_password()))?;
        let valid_until = decode_fn_validity(&data).map_err(errors::garbage)?;
        // The register's clock (full status 11h): the deadlines run on the drive's time.
        let now = self.full_status()?.now;
        let unsent = exchange.unsent > 0;
        Ok(FiscalDriveState {
            fn_number,
            unsent_documents: exchange.unsent as u32,
            first_unsent_number: unsent.then_some(exchange.first_number),
            first_unsent_date_time: exchange.first_date_time.filter(|_| unsent),
            // The marking notifications' state (FF70h) is not asked: no marking yet.
            unsent_notifications: None,
            valid_until,
            ffd_version: FFD_VERSION,
            now,
        })
    }

    /// Marking codes (FF61h) are a later step of this driver: `unsupported`, nothing sent.
    pub fn check_marking_code(
        &mut self,
        _check: MarkingCheck,
    ) -> Result<MarkingCheckResult, DriverError> {
        Err(not_yet("checking marking codes (FF61h)"))
    }

    /// Accepting or declining a marking code (FF69h): `unsupported`, nothing sent.
    pub fn decide_marking_code(&mut self, _decision: MarkingDecision) -> Result<(), DriverError> {
        Err(not_yet("deciding on marking codes (FF69h)"))
    }

    /// Correction receipts (tags 1173, 1178, 1179): `unsupported`, nothing sent.
    pub fn register_correction(
        &mut self,
        _receipt: CorrectionReceipt,
    ) -> Result<FiscalResult, DriverError> {
        Err(not_yet("registering correction receipts"))
    }
}
