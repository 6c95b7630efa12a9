//! `Shtrih`: the register operations of the WIT `register` interface, as plain methods over
//! a `driver_kit::Port`. The Wasm guest wraps them around the host's transport; native tests
//! run them against the emulator.
//!
//! Each operation asks the register for its state before it acts where the state decides
//! the outcome (a shift already open, a receipt left open by a crash), so the host gets a
//! typed error instead of a mode error, and leftovers are cleaned up. A receipt asks only
//! when its open is refused: the open is the question, and a receipt costs one command less;
//! right after the fiscal drive's status (FF01h) its first line is the open (`receipt`).
//! What the driver remembers (`Cache`) spares other questions only where a document made
//! elsewhere would show: by the fiscal drive's document numbers.

use driver_kit::Port;

use crate::commands::{self, *};
use crate::errors;
use crate::frame::{self, Answer};
use crate::link;
use crate::settings::Settings;
use crate::text;
use crate::types::*;

/// Log levels: the SDK's, which reach the host's `log` import inside Wasm and standard error
/// natively.
pub use fiscal_host_guest::log::Level as LogLevel;

/// Characters per line when neither the settings nor the register say (57 mm paper, font 1).
pub const DEFAULT_PAPER_WIDTH: u32 = 32;
/// How far back from the shift's first receipt the shift-open report is looked for: other
/// documents (correction receipts, settlement reports) may sit in between.
const SHIFT_OPEN_LOOKBACK: u32 = 8;
/// FFD tag 1203, the cashier's taxpayer number.
const TAG_CASHIER_INN: u16 = 1203;

/// What the driver remembers between operations; all of it can be asked again.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    fn_number: Option<String>,
    registration_number: Option<String>,
    /// (password, name) last written to the cashier table.
    cashier: Option<(u32, String)>,
    /// (shift number, opened at).
    shift_opened: Option<(u32, DateTime)>,
    paper_width: Option<u32>,
    /// The fiscal drive's last document as this driver last read it or made it, with the
    /// drive's number: `last-fiscal-document` asks the drive its last number (FF01h) every
    /// time, and reads the document (FF0Ah) only when that number is not this one's. A
    /// document made any other way (on the register's keyboard, by another program, a new
    /// drive) has another number, so it is read; nothing this remembers can hide it.
    last_document: Option<(String, LastDocument)>,
    /// The last receipt this driver closed: (fiscal drive, document number, shift, receipt
    /// number in the shift). A receipt whose document number is the next one follows it with
    /// nothing between, so its number in the shift is the next one too (no FF40h).
    pub(crate) last_receipt: Option<(String, u32, u32, u32)>,
}

/// A Shtrih-M register on a line.
pub struct Shtrih<P> {
    port: P,
    settings: Settings,
    pub(crate) cache: Cache,
    /// The fiscal drive's status (FF01h) said the shift open and no document open, and it is
    /// the last thing the register said: no command has gone to it since. A receipt that
    /// follows it may be opened by its first line (`receipt::opens_with_first_line`); any
    /// other command makes it history.
    pub(crate) ready_for_first_line: bool,
}

impl<P: Port> Shtrih<P> {
    pub fn new(port: P, settings: Settings) -> Self {
        Self {
            port,
            settings,
            cache: Cache::default(),
            ready_for_first_line: false,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// New settings (the host's configuration changed); the cache stays.
    pub fn set_settings(&mut self, settings: Settings) {
        if settings.paper_width != self.settings.paper_width {
            self.cache.paper_width = None;
        }
        self.settings = settings;
    }

    pub fn port_mut(&mut self) -> &mut P {
        &mut self.port
    }

    /// Puts the register on a new line (a reconnection) and returns the old one.
    pub fn replace_port(&mut self, port: P) -> P {
        self.ready_for_first_line = false;
        std::mem::replace(&mut self.port, port)
    }

    pub(crate) fn log(&self, level: LogLevel, message: &str) {
        fiscal_host_guest::log::write(level, message)
    }

    pub(crate) fn password(&self) -> u32 {
        self.settings.password
    }

    pub(crate) fn admin_password(&self) -> u32 {
        self.settings.admin_password
    }

    /// One exchange: the answer, whatever its error code.
    fn exchange(&mut self, req: &Request) -> Result<Answer, DriverError> {
        self.exchange_within(req, self.settings.timeout)
    }

    /// One exchange whose answer may take `timeout` (`timeout-ms` for every command but the
    /// marking-code check, which waits for the marking system: `marking-timeout-ms`).
    pub(crate) fn exchange_within(
        &mut self,
        req: &Request,
        timeout: std::time::Duration,
    ) -> Result<Answer, DriverError> {
        self.ready_for_first_line = false;
        let frame = req.frame().map_err(|e| {
            errors::refused(
                ErrorClass::Unsupported,
                format!("command {}: {e}", req.code),
            )
        })?;
        let body = link::transact(&mut self.port, &frame, timeout)
            .map_err(|e| errors::communication(&e, req.code))?;
        let answer = frame::decode_answer(&body).map_err(errors::garbage)?;
        if answer.code != req.code {
            return Err(errors::garbage(format!(
                "an answer to {} came for command {}",
                answer.code, req.code
            )));
        }
        Ok(answer)
    }

    /// One command: its answer's data, or the register's error.
    pub(crate) fn call(&mut self, req: &Request) -> Result<Vec<u8>, DriverError> {
        let answer = self.exchange(req)?;
        if answer.error != 0 {
            return Err(self.device_error(answer.error, req.code));
        }
        Ok(answer.data)
    }

    pub(crate) fn device_error(&mut self, code: u8, command: frame::Code) -> DriverError {
        if code == errors::NO_RECEIPT_PAPER {
            // The register answers 6Bh for an empty roll and a lifted cover alike; its flags
            // tell which (the vendor's JavaPOS driver checks them the same way).
            if let Ok(answer) = self.exchange(&commands::short_status(self.password()))
                && answer.error == 0
                && let Ok(status) = decode_short_status(&answer.data)
                && status.flags & FLAG_COVER_OPEN != 0
            {
                return errors::cover_open(code, command);
            }
        }
        errors::device(code, command)
    }

    pub(crate) fn short_status(&mut self) -> Result<ShortStatus, DriverError> {
        let data = self.call(&commands::short_status(self.password()))?;
        decode_short_status(&data).map_err(errors::garbage)
    }

    pub(crate) fn full_status(&mut self) -> Result<FullStatus, DriverError> {
        let data = self.call(&commands::full_status(self.password()))?;
        decode_full_status(&data).map_err(errors::garbage)
    }

    pub(crate) fn fn_status(&mut self) -> Result<FnStatus, DriverError> {
        let data = self.call(&commands::fn_status(self.admin_password()))?;
        let status = decode_fn_status(&data).map_err(errors::garbage)?;
        self.cache.fn_number = Some(status.fn_number.clone());
        self.ready_for_first_line = status.shift_open && status.current_document == FN_NO_DOCUMENT;
        Ok(status)
    }

    pub(crate) fn find_document(&mut self, number: u32) -> Result<FoundDocument, DriverError> {
        let data = self.call(&commands::fn_find_document(self.admin_password(), number))?;
        decode_found_document(&data).map_err(errors::garbage)
    }

    pub(crate) fn shift_params(&mut self) -> Result<ShiftParams, DriverError> {
        let data = self.call(&commands::fn_shift_params(self.admin_password()))?;
        decode_shift_params(&data).map_err(errors::garbage)
    }

    pub(crate) fn fn_number(&mut self) -> Result<String, DriverError> {
        match &self.cache.fn_number {
            Some(n) => Ok(n.clone()),
            None => Ok(self.fn_status()?.fn_number),
        }
    }

    pub(crate) fn registration_number(&mut self) -> Result<String, DriverError> {
        if let Some(n) = &self.cache.registration_number {
            return Ok(n.clone());
        }
        let data = self.call(&commands::fn_fiscalization(self.admin_password()))?;
        let number = decode_fiscalization(&data)
            .map_err(errors::garbage)?
            .registration_number;
        self.cache.registration_number = Some(number.clone());
        Ok(number)
    }

    /// Characters per line at normal size: the setting, else the register's font 1.
    pub(crate) fn paper_width(&mut self) -> u32 {
        if let Some(w) = self.settings.paper_width {
            return w;
        }
        if let Some(w) = self.cache.paper_width {
            return w;
        }
        let asked = self
            .call(&commands::font_metrics(self.admin_password(), 1))
            .ok()
            .and_then(|data| decode_font_metrics(&data).ok())
            .and_then(|m| m.columns())
            .filter(|w| (16..=96).contains(w));
        let width = asked.unwrap_or_else(|| {
            self.log(
                LogLevel::Debug,
                &format!("font metrics unavailable; assuming {DEFAULT_PAPER_WIDTH} columns"),
            );
            DEFAULT_PAPER_WIDTH
        });
        self.cache.paper_width = Some(width);
        width
    }

    /// Writes the cashier's name into the operator's row of the cashier table, from where the
    /// register prints it and sends it to the fiscal drive (tag 1021). Skipped when unchanged.
    pub(crate) fn set_cashier(&mut self, cashier: &Cashier) -> Result<(), DriverError> {
        let name = cashier.name.trim();
        if name.is_empty() {
            return Ok(());
        }
        let key = (self.password(), name.to_string());
        if self.cache.cashier.as_ref() == Some(&key) {
            return Ok(());
        }
        let operator = self.short_status()?.operator;
        self.call(&commands::write_table(
            self.admin_password(),
            CASHIER_TABLE,
            operator as u16,
            CASHIER_NAME_FIELD,
            &text::field(name, CASHIER_NAME_WIDTH),
        ))?;
        self.cache.cashier = Some(key);
        Ok(())
    }

    /// Sends the cashier's taxpayer number (tag 1203) into the open receipt.
    pub(crate) fn send_cashier_inn(&mut self, cashier: &Cashier) -> Result<(), DriverError> {
        let Some(inn) = cashier_inn(cashier) else {
            return Ok(());
        };
        if !(inn.len() == 10 || inn.len() == 12) || !inn.bytes().all(|b| b.is_ascii_digit()) {
            return Err(errors::refused(
                ErrorClass::Unsupported,
                format!("cashier INN {inn:?} is not 10 or 12 digits"),
            ));
        }
        // Tag 1203 is a 12-character string; a 10-digit INN is padded with spaces.
        let value = format!("{inn:<12}");
        self.call(&commands::fn_send_tlv(
            self.password(),
            TAG_CASHIER_INN,
            value.as_bytes(),
        ))?;
        Ok(())
    }

    /// Cancels a receipt a crash left open, so the next document starts clean: it was never
    /// fiscalized (only closing a receipt writes it to the fiscal drive).
    pub(crate) fn cancel_leftover(&mut self) -> Result<(), DriverError> {
        self.log(
            LogLevel::Warn,
            "a receipt was left open on the register; cancelling it",
        );
        self.call(&commands::cancel_check(self.password()))?;
        Ok(())
    }

    /// Device identity: type (FCh), status (11h), paper width.
    pub fn describe(&mut self) -> Result<DeviceInfo, DriverError> {
        let device =
            decode_device_type(&self.call(&commands::device_type())?).map_err(errors::garbage)?;
        let status = self.full_status()?;
        let paper_width = self.paper_width();
        let [v1, v2] = status.firmware_version;
        let d = &status.firmware_date;
        Ok(DeviceInfo {
            vendor: "SHTRIH-M".into(),
            model: if device.name.is_empty() {
                format!("type {} model {}", device.kind, device.model)
            } else {
                device.name
            },
            serial_number: status.serial_number.to_string(),
            firmware: format!(
                "{}.{} build {} ({:02}.{:02}.{})",
                v1 as char, v2 as char, status.firmware_build, d.day, d.month, d.year
            ),
            paper_width,
            fiscal: true,
            jurisdictions: vec!["RU".into()],
        })
    }

    /// Shift, receipt, paper and cover state from the full status (11h).
    pub fn status(&mut self) -> Result<DeviceStatus, DriverError> {
        let st = self.full_status()?;
        let (mut shift, receipt_open) = match mode_number(st.mode) {
            MODE_SHIFT_OPEN => (ShiftState::Open, false),
            MODE_SHIFT_EXPIRED => (ShiftState::Expired, false),
            MODE_SHIFT_CLOSED => (ShiftState::Closed, false),
            MODE_RECEIPT_OPEN => (ShiftState::Open, true),
            // Modes that say nothing about the shift: ask the fiscal drive.
            _ => {
                let open = self.shift_params()?.open;
                let state = if open {
                    ShiftState::Open
                } else {
                    ShiftState::Closed
                };
                (state, false)
            }
        };
        let shift_number = match shift {
            ShiftState::Closed => st.last_closed_shift as u32,
            _ => st.last_closed_shift as u32 + 1,
        };
        let shift_opened = match shift {
            ShiftState::Closed => None,
            _ => self.shift_opened_at(shift_number),
        };
        // With a receipt open the mode hides whether the 24 hours are over: the clock tells.
        if receipt_open
            && let Some(opened) = &shift_opened
            && minutes(&st.now) - minutes(opened) >= 24 * 60
        {
            shift = ShiftState::Expired;
        }
        Ok(DeviceStatus {
            shift,
            shift_number,
            shift_opened,
            receipt_open,
            paper_present: st.flags & FLAG_RECEIPT_ROLL != 0
                && !matches!(
                    st.submode,
                    SUBMODE_NO_PAPER_PASSIVE | SUBMODE_NO_PAPER_ACTIVE
                ),
            cover_open: st.flags & FLAG_COVER_OPEN != 0,
            vendor_code: (st.mode as u32) << 8 | st.submode as u32,
            vendor_text: format!("{}; {}", mode_text(st.mode), submode_text(st.submode)),
        })
    }

    /// When shift `number` was opened, from its shift-open report; none when not found.
    fn shift_opened_at(&mut self, number: u32) -> Option<DateTime> {
        if let Some((n, at)) = &self.cache.shift_opened
            && *n == number
        {
            return Some(*at);
        }
        match self.find_shift_open(number) {
            Ok(Some(at)) => {
                self.cache.shift_opened = Some((number, at));
                Some(at)
            }
            Ok(None) => None,
            Err(e) => {
                self.log(
                    LogLevel::Debug,
                    &format!("cannot find when shift {number} opened: {}", e.message),
                );
                None
            }
        }
    }

    fn find_shift_open(&mut self, number: u32) -> Result<Option<DateTime>, DriverError> {
        let last = self.fn_status()?.last_document;
        let receipts = self.shift_params()?.receipt_number as u32;
        // The shift-open report precedes the shift's receipts.
        let start = last.saturating_sub(receipts);
        let end = start.saturating_sub(SHIFT_OPEN_LOOKBACK).max(1);
        for n in (end..=start).rev() {
            let doc = self.find_document(n)?;
            if doc.kind == DOC_SHIFT_OPEN {
                return Ok((doc.shift_number == Some(number as u16)).then_some(doc.date_time));
            }
        }
        Ok(None)
    }

    /// Opens the shift (E0h) and returns its shift-open report.
    pub fn open_shift(&mut self, cashier: Cashier) -> Result<FiscalResult, DriverError> {
        let st = self.full_status()?;
        match mode_number(st.mode) {
            MODE_SHIFT_OPEN | MODE_RECEIPT_OPEN => {
                return Err(errors::refused(
                    ErrorClass::ShiftAlreadyOpen,
                    format!(
                        "Смена {} уже открыта (the shift is already open)",
                        st.last_closed_shift as u32 + 1
                    ),
                ));
            }
            MODE_SHIFT_EXPIRED => {
                return Err(errors::refused(
                    ErrorClass::ShiftExpired,
                    "Смена открыта более 24 часов, закройте её (the shift is over 24 hours old; close it first)",
                ));
            }
            _ => {}
        }
        self.set_cashier(&cashier)?;
        self.call(&commands::open_shift(self.password()))?;
        let result = self.report_result(DOC_SHIFT_OPEN)?;
        self.cache.shift_opened = Some((result.shift_number, result.date_time));
        Ok(result)
    }

    /// Closes the shift with a Z report (41h) and returns its shift-close report.
    pub fn close_shift(&mut self, cashier: Cashier) -> Result<FiscalResult, DriverError> {
        let st = self.full_status()?;
        match mode_number(st.mode) {
            MODE_SHIFT_CLOSED => {
                return Err(errors::refused(
                    ErrorClass::ShiftClosed,
                    "Смена не открыта (the shift is not open)",
                ));
            }
            MODE_RECEIPT_OPEN => self.cancel_leftover()?,
            _ => {}
        }
        self.set_cashier(&cashier)?;
        self.call(&commands::z_report(self.admin_password()))?;
        let result = self.report_result(DOC_SHIFT_CLOSE)?;
        self.cache.shift_opened = None;
        Ok(result)
    }

    /// The requisites of the shift report just made: the fiscal drive's last document.
    fn report_result(&mut self, kind: u8) -> Result<FiscalResult, DriverError> {
        let fns = self.fn_status()?;
        let doc = self.find_document(fns.last_document)?;
        if doc.kind != kind {
            self.log(
                LogLevel::Warn,
                &format!(
                    "the last fiscal document {} is of type {}, expected {kind}",
                    doc.number, doc.kind
                ),
            );
        }
        let shift_number = match doc.shift_number {
            Some(n) => n as u32,
            None => self.shift_params()?.shift_number as u32,
        };
        // What `last-fiscal-document` would read: the first receipt of the shift needs FF01h
        // alone, as every receipt after it.
        self.remember_last_document(
            fns.fn_number.clone(),
            LastDocument {
                document_number: doc.number,
                fiscal_sign: doc.fiscal_sign.to_string(),
                date_time: doc.date_time,
                amount: doc.amount.map(|a| a as Money),
            },
        );
        Ok(FiscalResult {
            shift_number,
            receipt_number: 0,
            document_number: doc.number,
            fiscal_sign: doc.fiscal_sign.to_string(),
            fn_number: fns.fn_number,
            registration_number: self.registration_number()?,
            date_time: doc.date_time,
        })
    }

    /// Cancels the open receipt, if any (88h).
    pub fn cancel_open_receipt(&mut self) -> Result<(), DriverError> {
        if mode_number(self.short_status()?.mode) != MODE_RECEIPT_OPEN {
            return Ok(());
        }
        self.call(&commands::cancel_check(self.password()))?;
        Ok(())
    }

    /// X report (40h).
    pub fn x_report(&mut self, cashier: Cashier) -> Result<(), DriverError> {
        self.set_cashier(&cashier)?;
        self.call(&commands::x_report(self.admin_password()))?;
        Ok(())
    }

    /// Cash in (50h).
    pub fn cash_in(&mut self, cashier: Cashier, amount: Money) -> Result<(), DriverError> {
        let amount = cash_amount(amount)?;
        self.set_cashier(&cashier)?;
        self.call(&commands::cash_in(self.password(), amount))?;
        Ok(())
    }

    /// Cash out (51h).
    pub fn cash_out(&mut self, cashier: Cashier, amount: Money) -> Result<(), DriverError> {
        let amount = cash_amount(amount)?;
        self.set_cashier(&cashier)?;
        self.call(&commands::cash_out(self.password(), amount))?;
        Ok(())
    }

    /// The fiscal drive's last document (FF01h for its number, FF0Ah for its requisites).
    pub fn last_fiscal_document(&mut self) -> Result<LastDocument, DriverError> {
        let fns = self.fn_status()?;
        if fns.last_document == 0 {
            return Err(errors::refused(
                ErrorClass::FiscalDrive,
                "the fiscal drive holds no documents yet",
            ));
        }
        if let Some((drive, known)) = &self.cache.last_document
            && *drive == fns.fn_number
            && known.document_number == fns.last_document
        {
            return Ok(known.clone());
        }
        let doc = self.find_document(fns.last_document)?;
        let last = LastDocument {
            document_number: doc.number,
            fiscal_sign: doc.fiscal_sign.to_string(),
            date_time: doc.date_time,
            amount: doc.amount.map(|a| a as Money),
        };
        self.remember_last_document(fns.fn_number, last.clone());
        Ok(last)
    }

    /// What `last-fiscal-document` answers while the drive's last number is this one's.
    pub(crate) fn remember_last_document(&mut self, drive: String, last: LastDocument) {
        self.cache.last_document = Some((drive, last));
    }
}

/// The cashier's taxpayer number when one is given (tag 1203 goes into the receipt then).
pub(crate) fn cashier_inn(cashier: &Cashier) -> Option<&str> {
    cashier
        .inn
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn cash_amount(amount: Money) -> Result<u64, DriverError> {
    if amount <= 0 || amount as u64 > MAX_SUM {
        return Err(errors::refused(
            ErrorClass::Unsupported,
            format!("cash amount {amount} is not between 1 and {MAX_SUM} kopecks"),
        ));
    }
    Ok(amount as u64)
}

/// Minutes since 2000-01-01, to compare two register times.
fn minutes(t: &DateTime) -> i64 {
    // Days from civil (Howard Hinnant's algorithm), shifted to count from 2000-01-01.
    let (y, m, d) = (t.date.year as i64, t.date.month as i64, t.date.day as i64);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 730_425; // 730 425 = days from 0000-03-01 to 2000-01-01
    days * 1440 + t.hour as i64 * 60 + t.minute as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: u16, month: u8, day: u8, hour: u8, minute: u8) -> DateTime {
        DateTime {
            date: Date { year, month, day },
            hour,
            minute,
            second: 0,
        }
    }

    #[test]
    fn minutes_count_across_months_and_leap_days() {
        assert_eq!(minutes(&at(2000, 1, 1, 0, 0)), 0);
        assert_eq!(minutes(&at(2000, 1, 2, 0, 1)), 1441);
        assert_eq!(
            minutes(&at(2028, 3, 1, 12, 0)) - minutes(&at(2028, 2, 28, 12, 0)),
            2 * 1440
        );
        assert_eq!(
            minutes(&at(2026, 3, 2, 12, 0)) - minutes(&at(2026, 2, 28, 12, 0)),
            2 * 1440
        );
    }
}
