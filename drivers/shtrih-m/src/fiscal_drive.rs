//! The fiscal drive's state, which `fiscal:host@0.2.0` added to the register (FF01h, FF39h,
//! FF03h). The other 0.2.0 operations live in `marking` (FF61h, FF69h, FF67h) and
//! `correction` (correction receipts).

use driver_kit::Port;

use crate::commands::{self, decode_exchange_status, decode_fn_validity};
use crate::driver::Shtrih;
use crate::errors;
use crate::types::*;

/// FFD tag 1209 as `fiscal-drive-state.ffd-version` counts it: 4 = FFD 1.2. The driver
/// registers every receipt with the FFD 1.2 commands (operation v2 FF46h, close v2 FF45h);
/// it does not ask the register for its format version (see the README).
pub const FFD_VERSION: u8 = 4;

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
}
