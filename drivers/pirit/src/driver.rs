//! `Pirit`: the register operations of the WIT `register` and `printer` interfaces, as plain
//! methods over a `driver_kit::Port`. The Wasm guest wraps them around the host's transport;
//! native tests run them against the emulator.
//!
//! Each operation asks the register's status flags (0x00) first where the state decides the
//! outcome (a shift already open, a document left open by a crash), so the host gets a typed
//! error instead of a mode error, and leftovers are cancelled. A receipt's commands are sent
//! once each: after a lost answer the fiscal drive says what happened (`last_fiscal_document`).

use std::time::Duration;

use driver_kit::Port;

use crate::commands::{self, doc_type, fn_request, info, payment_type};
use crate::errors;
use crate::frame::{Answer, Request};
use crate::link::{Link, Resend};
use crate::settings::Settings;
use crate::types::*;

/// The shift refused as the status flags show it: over 24 hours, or not open.
fn shift_expired(flags: &commands::StatusFlags) -> DriverError {
    DriverError::new(
        ErrorClass::ShiftExpired,
        flags.flags,
        "the shift is open longer than 24 hours: close it first",
    )
}

pub(crate) fn shift_closed(flags: &commands::StatusFlags) -> DriverError {
    DriverError::new(ErrorClass::ShiftClosed, flags.flags, "no shift is open")
}

/// Who the register is ([`Pirit::identity`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// 0x02/21 by name.
    pub model: String,
    /// 0x02/1, ЗН ККТ.
    pub factory_number: String,
    /// 0x02/2.
    pub firmware: String,
    /// 0x02/3, the user's taxpayer number.
    pub inn: String,
    /// 0x02/4, РН ККТ (tag 1037).
    pub registration_number: String,
    /// 0x78/1, the fiscal drive's number (tag 1041).
    pub fn_number: String,
    /// 0x78/22, the FFD version in force (tag 1209: 2 = 1.05, 4 = 1.2).
    pub ffd_version: u8,
    /// The fiscal law it registers under: the register is Russian.
    pub jurisdiction: String,
}

/// A Pirit register on a line.
pub struct Pirit<P> {
    port: P,
    settings: Settings,
    link: Link,
    /// Start of work (0x10) was sent to this register since the driver started, or the
    /// register said it had it.
    started: bool,
    fn_number: Option<String>,
    registration_number: Option<String>,
}

impl<P: Port> Pirit<P> {
    pub fn new(port: P, settings: Settings) -> Self {
        Self {
            link: Link::new(settings.password),
            port,
            settings,
            started: false,
            fn_number: None,
            registration_number: None,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// New settings for the next calls (the guest reads them on every call).
    pub fn set_settings(&mut self, settings: Settings) {
        self.link.password = settings.password;
        self.settings = settings;
    }

    // ---- the exchange -------------------------------------------------------------------

    fn exchange(
        &mut self,
        request: &Request,
        resend: Resend,
        timeout: Duration,
    ) -> Result<Answer, DriverError> {
        let mut answer = self.transact(request, resend, timeout)?;
        // 04h, 05h, 07h: the register did not take the packet (overflow, a byte late, a bad
        // CRC) and carried nothing out, so even a fiscal command is safe to send once more.
        if matches!(answer.error, 0x04 | 0x05 | 0x07) {
            fiscal_host_guest::log::warn(format!(
                "command {:02X}h not taken (error {:02X}h); sending it once more",
                request.command, answer.error
            ));
            answer = self.transact(request, resend, timeout)?;
        }
        if answer.error == 0 {
            return Ok(answer);
        }
        Err(self.explain(request.command, answer.error))
    }

    fn transact(
        &mut self,
        request: &Request,
        resend: Resend,
        timeout: Duration,
    ) -> Result<Answer, DriverError> {
        self.link
            .transact(&mut self.port, request, timeout, resend)
            .map_err(|e| {
                DriverError::communication(format!("command {:02X}h: {e}", request.command))
            })
    }

    /// The register's error as a WIT error, asking it why where the code alone does not say:
    /// 0x06/1 for "wrong state"/"bad parameter", 0x04 for "printer not ready".
    fn explain(&mut self, command: u8, code: u8) -> DriverError {
        // The questions themselves are never explained further: no asking in circles.
        if matches!(command, commands::ERROR_INFO | commands::PRINTER_STATUS) {
            return errors::to_driver_error(command, code, None);
        }
        match code {
            0x01 | 0x03 => {
                let extended = self
                    .query(&commands::extended_error())
                    .ok()
                    .and_then(|a| a.int(1).ok())
                    .map(|e| e as u8);
                if extended == Some(errors::EXT_NOT_STARTED) {
                    self.started = false;
                }
                errors::to_driver_error(command, code, extended)
            }
            0x09 => {
                let mut e = errors::to_driver_error(command, code, None);
                if let Ok(flags) = self.printer_flags() {
                    if flags.cover_open() {
                        e.class = ErrorClass::CoverOpen;
                        e.message.push_str("; the printer's cover is open");
                    } else if flags.paper_out() {
                        e.class = ErrorClass::PaperOut;
                        e.message.push_str("; no paper");
                    }
                }
                e
            }
            _ => errors::to_driver_error(command, code, None),
        }
    }

    pub(crate) fn query(&mut self, request: &Request) -> Result<Answer, DriverError> {
        let timeout = self.settings.timeout;
        self.exchange(request, Resend::Safe, timeout)
    }

    fn command(&mut self, request: &Request) -> Result<Answer, DriverError> {
        let timeout = self.settings.timeout;
        self.exchange(request, Resend::Never, timeout)
    }

    pub(crate) fn decode<T>(
        command: u8,
        r: Result<T, crate::frame::FrameError>,
    ) -> Result<T, DriverError> {
        r.map_err(|e| DriverError::communication(format!("command {command:02X}h: {e}")))
    }

    /// ENQ → ACK: whether the register is on the line.
    pub fn ping(&mut self) -> Result<bool, DriverError> {
        let timeout = self.settings.timeout.min(Duration::from_secs(2));
        Ok(self.link.ping(&mut self.port, timeout)?)
    }

    // ---- state --------------------------------------------------------------------------

    pub fn status_flags(&mut self) -> Result<commands::StatusFlags, DriverError> {
        let a = self.query(&commands::status_flags())?;
        Self::decode(commands::STATUS_FLAGS, commands::StatusFlags::decode(&a))
    }

    fn printer_flags(&mut self) -> Result<commands::PrinterFlags, DriverError> {
        let a = self.query(&commands::printer_status())?;
        Ok(commands::PrinterFlags(Self::decode(
            commands::PRINTER_STATUS,
            a.u32(0),
        )?))
    }

    fn info_text(&mut self, number: u8) -> Result<String, DriverError> {
        Ok(self
            .query(&commands::device_info(number))?
            .text(1)
            .trim()
            .to_string())
    }

    fn clock(&mut self) -> Result<DateTime, DriverError> {
        let a = self.query(&commands::read_clock())?;
        Self::decode(commands::READ_CLOCK, a.date_time(0))
    }

    /// "The command must be given before work with the register begins, also after power-up"
    /// (section 0x10): sent once per driver, and again whenever the status flags say the
    /// register has not had it (flag bit 0) — after a power cycle.
    pub(crate) fn ensure_started(&mut self) -> Result<commands::StatusFlags, DriverError> {
        let flags = self.status_flags()?;
        if !flags.not_started() && self.started {
            return Ok(flags);
        }
        if flags.not_started() {
            let now = self.clock()?;
            match self.command(&commands::start_work(&now)) {
                // 0Bh: "команда выполнена, ККТ инициализирована и готова продолжать работу по
                // своему внутреннему времени" — started, only the clocks differ.
                Err(e) if e.vendor_code == 0x0B => fiscal_host_guest::log::warn(e.message),
                other => {
                    other?;
                }
            }
            self.started = true;
            return self.status_flags();
        }
        self.started = true;
        Ok(flags)
    }

    fn fn_number(&mut self) -> Result<String, DriverError> {
        if let Some(n) = &self.fn_number {
            return Ok(n.clone());
        }
        let n = self
            .query(&commands::fn_exchange(fn_request::FN_NUMBER))?
            .text(1)
            .trim()
            .to_string();
        self.fn_number = Some(n.clone());
        Ok(n)
    }

    fn registration_number(&mut self) -> Result<String, DriverError> {
        if let Some(n) = &self.registration_number {
            return Ok(n.clone());
        }
        let n = self.info_text(info::REGISTRATION_NUMBER)?;
        self.registration_number = Some(n.clone());
        Ok(n)
    }

    pub(crate) fn shift_number(&mut self) -> Result<u32, DriverError> {
        let a = self.query(&commands::counters(commands::counter::SHIFT_NUMBER))?;
        Self::decode(commands::COUNTERS, a.u32(1))
    }

    fn last_document_number(&mut self) -> Result<u32, DriverError> {
        let a = self.query(&commands::fn_exchange(fn_request::LAST_DOCUMENT))?;
        Self::decode(commands::FN_EXCHANGE, a.u32(1))
    }

    // ---- register -----------------------------------------------------------------------

    pub fn describe(&mut self) -> Result<DeviceInfo, DriverError> {
        let model_code = {
            let a = self.query(&commands::device_info(info::MODEL))?;
            Self::decode(commands::DEVICE_INFO, a.int(1))?
        };
        Ok(DeviceInfo {
            vendor: "Dreamkas".into(),
            model: commands::model_name(model_code),
            serial_number: self.info_text(info::FACTORY_NUMBER)?,
            firmware: self.info_text(info::FIRMWARE)?,
            paper_width: self.settings.paper_width,
            fiscal: true,
            jurisdictions: vec!["RU".into()],
        })
    }

    /// Everything 0x02 and 0x78 tell of who the register is, beyond what `device-info` carries:
    /// the taxpayer, the registration, the fiscal drive and its format.
    pub fn identity(&mut self) -> Result<Identity, DriverError> {
        let device = self.describe()?;
        let ffd_version = {
            let a = self.query(&commands::fn_exchange(fn_request::FFD_VERSION))?;
            Self::decode(commands::FN_EXCHANGE, a.int(1))? as u8
        };
        Ok(Identity {
            model: device.model,
            factory_number: device.serial_number,
            firmware: device.firmware,
            inn: self.info_text(info::INN)?,
            registration_number: self.registration_number()?,
            fn_number: self.fn_number()?,
            ffd_version,
            jurisdiction: "RU".into(),
        })
    }

    pub fn status(&mut self) -> Result<DeviceStatus, DriverError> {
        let flags = self.ensure_started()?;
        let printer = self.printer_flags()?;
        let shift = match (flags.shift_open(), flags.shift_expired()) {
            (false, _) => ShiftState::Closed,
            (true, false) => ShiftState::Open,
            (true, true) => ShiftState::Expired,
        };
        let shift_opened = if flags.shift_open() {
            let a = self.query(&commands::device_info(info::SHIFT_OPENED))?;
            a.date_time(1).ok()
        } else {
            None
        };
        Ok(DeviceStatus {
            shift,
            shift_number: self.shift_number()?,
            shift_opened,
            receipt_open: flags.document_type() != doc_type::CLOSED,
            paper_present: !printer.paper_out(),
            cover_open: printer.cover_open(),
            vendor_code: flags.flags,
            vendor_text: format!(
                "fatal {:#x}, flags {:#x}, document type {} state {}, printer {:#x}",
                flags.fatal,
                flags.flags,
                flags.document_type(),
                flags.document_state(),
                printer.0
            ),
        })
    }

    /// The fiscal sign of document `number` from the fiscal drive's TLV archive (0x78/15
    /// selects it, 0x78/16 gives its data block by block), for documents whose command
    /// answers none (the shift reports). Empty when the archive does not give it: a missing
    /// sign never fails an operation that has succeeded.
    fn archived_fiscal_sign(&mut self, number: u32) -> String {
        let tlv = self.archived_tlv(number);
        commands::tlv_fiscal_sign(&tlv).unwrap_or_default()
    }

    /// Document `number`'s TLV from the archive; empty when the archive does not give it.
    fn archived_tlv(&mut self, number: u32) -> Vec<u8> {
        let Ok(selected) = self.query(&commands::select_tlv(number)) else {
            return Vec::new();
        };
        let size = selected.int(2).unwrap_or(0) as usize;
        let mut tlv = Vec::with_capacity(size);
        // A block is at least a byte, so `size` reads end it; the bound keeps a confused
        // register from holding the driver.
        for _ in 0..size.min(4096) {
            if tlv.len() >= size {
                break;
            }
            let Ok(a) = self.query(&commands::read_tlv()) else {
                break;
            };
            match commands::unhex(&a.text(1)) {
                Some(block) if !block.is_empty() => tlv.extend(block),
                _ => break,
            }
        }
        tlv
    }

    /// A shift report's requisites: its document number from the fiscal drive (0x78/3), its
    /// fiscal sign from the archive (0x21 and 0x23 answer no fields) and the register's clock.
    fn report_result(&mut self, shift: u32) -> Result<FiscalResult, DriverError> {
        let document_number = self.last_document_number()?;
        Ok(FiscalResult {
            shift_number: shift,
            receipt_number: 0,
            document_number,
            fiscal_sign: self.archived_fiscal_sign(document_number),
            fn_number: self.fn_number()?,
            registration_number: self.registration_number()?,
            date_time: self.clock()?,
        })
    }

    pub fn open_shift(&mut self, cashier: Cashier) -> Result<FiscalResult, DriverError> {
        let flags = self.ensure_started()?;
        if flags.shift_expired() {
            return Err(shift_expired(&flags));
        }
        if flags.shift_open() {
            return Err(DriverError::new(
                ErrorClass::ShiftAlreadyOpen,
                flags.flags,
                "the shift is open already",
            ));
        }
        self.command(&commands::open_shift(&cashier))?;
        let shift = self.shift_number()?;
        self.report_result(shift)
    }

    pub fn close_shift(&mut self, cashier: Cashier) -> Result<FiscalResult, DriverError> {
        let flags = self.ensure_started()?;
        if !flags.shift_open() {
            return Err(shift_closed(&flags));
        }
        self.cancel_leftover(flags)?;
        let shift = self.shift_number()?;
        self.command(&commands::close_shift(&cashier))?;
        self.report_result(shift)
    }

    pub fn x_report(&mut self, cashier: Cashier) -> Result<(), DriverError> {
        self.ensure_started()?;
        self.command(&commands::x_report(&cashier)).map(drop)
    }

    /// A receipt's preconditions: the shift open and young, no document left open.
    fn ready_for_document(&mut self) -> Result<(), DriverError> {
        let flags = self.ensure_started()?;
        if !flags.shift_open() {
            return Err(shift_closed(&flags));
        }
        if flags.shift_expired() {
            return Err(shift_expired(&flags));
        }
        self.cancel_leftover(flags)
    }

    /// A document left open (by a crash, a failed call) is cancelled; one closed in the
    /// fiscal drive but not printed (state 8) cannot be, and is reported.
    fn cancel_leftover(&mut self, flags: commands::StatusFlags) -> Result<(), DriverError> {
        if flags.document_type() == doc_type::CLOSED {
            return Ok(());
        }
        if flags.document_state() == commands::STATE_CLOSED_IN_FN {
            return Err(DriverError::wrong_state(
                flags.document,
                "the last document is registered in the fiscal drive but not printed to the end \
                 (state 8): cancel-open-receipt completes it",
            ));
        }
        self.command(&commands::cancel_document()).map(drop)
    }

    /// After a failure inside a document: cancel it unless the fiscal drive has it already
    /// (state 8) or the register cannot be asked. The first error is the one reported.
    fn abandon(&mut self) {
        if let Ok(flags) = self.status_flags()
            && flags.document_type() != doc_type::CLOSED
            && flags.document_state() != commands::STATE_CLOSED_IN_FN
        {
            let _ = self.command(&commands::cancel_document());
        }
    }

    fn closed_result(&mut self, closed: commands::Closed) -> Result<FiscalResult, DriverError> {
        let date_time = match closed.date_time {
            Some(t) => t,
            None => self.clock()?,
        };
        Ok(FiscalResult {
            shift_number: closed.shift,
            receipt_number: closed.receipt_number,
            document_number: closed.fd,
            fiscal_sign: closed.fiscal_sign,
            fn_number: self.fn_number()?,
            registration_number: self.registration_number()?,
            date_time,
        })
    }

    /// Positions, subtotal, payments and close of an open document; the close's answer.
    fn fill_and_close(
        &mut self,
        items: &[ReceiptItem],
        payments: &ReceiptPayments,
        contact: Option<&str>,
    ) -> Result<commands::Closed, DriverError> {
        for item in items {
            if let Some(marking) = &item.marking {
                self.command(&commands::bind_marking(&marking.code))?;
            }
            self.command(&commands::add_position(item)?)?;
        }
        self.command(&commands::subtotal())?;
        // Cash goes as handed over: the register computes and prints the change itself.
        for (kind, amount) in [
            (payment_type::CASHLESS, payments.cashless),
            (payment_type::PREPAYMENT, payments.prepayment),
            (payment_type::CREDIT, payments.credit),
            (payment_type::COUNTER_PROVISION, payments.counter_provision),
            (
                payment_type::CASH,
                payments.cash_received.max(payments.cash),
            ),
        ] {
            if amount > 0 {
                self.command(&commands::payment(kind, amount))?;
            }
        }
        let a = self.command(&commands::close_document(contact))?;
        Self::decode(commands::CLOSE_DOCUMENT, commands::Closed::decode(&a))
    }

    pub fn register_receipt(
        &mut self,
        receipt: FiscalReceipt,
    ) -> Result<FiscalResult, DriverError> {
        validate(&receipt.items, &receipt.payments, receipt.total, true)?;
        let kind = match receipt.kind {
            DocumentKind::Sale => doc_type::SALE,
            DocumentKind::SaleReturn => doc_type::SALE_RETURN,
            DocumentKind::Expense => doc_type::EXPENSE,
            DocumentKind::ExpenseReturn => doc_type::EXPENSE_RETURN,
        };
        if !matches!(receipt.kind, DocumentKind::Sale | DocumentKind::SaleReturn)
            && receipt.items.iter().any(|i| i.marking.is_some())
        {
            return Err(DriverError::unsupported(
                "marking codes belong to sale and sale-return receipts only",
            ));
        }
        let taxation = commands::taxation_number(receipt.taxation_system)?;
        self.ready_for_document()?;
        self.command(&commands::open_document(kind, &receipt.cashier, taxation))?;
        let contact = receipt.customer_contact.as_deref();
        match self.fill_and_close(&receipt.items, &receipt.payments, contact) {
            Ok(closed) => self.closed_result(closed),
            Err(e) => {
                // A lost answer leaves the outcome to the fiscal drive: never cancel blind.
                if e.class != ErrorClass::Communication {
                    self.abandon();
                }
                Err(e)
            }
        }
    }

    pub fn register_correction(
        &mut self,
        receipt: CorrectionReceipt,
    ) -> Result<FiscalResult, DriverError> {
        validate(&receipt.items, &receipt.payments, receipt.total, false)?;
        if receipt.items.iter().any(|i| i.marking.is_some()) {
            return Err(DriverError::unsupported(
                "a correction receipt's items carry no marking codes",
            ));
        }
        let open = commands::open_correction(&receipt)?;
        self.ready_for_document()?;
        self.command(&open)?;
        match self.fill_and_close(&receipt.items, &receipt.payments, None) {
            Ok(closed) => self.closed_result(closed),
            Err(e) => {
                if e.class != ErrorClass::Communication {
                    self.abandon();
                }
                Err(e)
            }
        }
    }

    pub fn cancel_open_receipt(&mut self) -> Result<(), DriverError> {
        let flags = self.ensure_started()?;
        if flags.document_type() == doc_type::CLOSED {
            return Ok(());
        }
        if flags.document_state() == commands::STATE_CLOSED_IN_FN {
            // "Аннулирование документа невозможно, необходимо еще раз выполнить команду
            // закрытия документа": the fiscal drive has it; finish printing it.
            return self.command(&commands::close_document(None)).map(drop);
        }
        self.command(&commands::cancel_document()).map(drop)
    }

    fn cash_document(
        &mut self,
        kind: u8,
        cashier: &Cashier,
        amount: Money,
    ) -> Result<(), DriverError> {
        if amount <= 0 {
            return Err(DriverError::unsupported("the amount must be positive"));
        }
        self.ready_for_document()?;
        self.command(&commands::open_document(kind, cashier, None))?;
        let done = self
            .command(&commands::cash_in_out(amount))
            .and_then(|_| self.command(&commands::close_document(None)));
        if let Err(e) = done {
            if e.class != ErrorClass::Communication {
                self.abandon();
            }
            return Err(e);
        }
        Ok(())
    }

    /// Cash in: document type 4 "Внесение в кассу", 0x48, close.
    pub fn cash_in(&mut self, cashier: Cashier, amount: Money) -> Result<(), DriverError> {
        self.cash_document(doc_type::CASH_IN, &cashier, amount)
    }

    /// Cash out: document type 5 "Инкассация", 0x48, close.
    pub fn cash_out(&mut self, cashier: Cashier, amount: Money) -> Result<(), DriverError> {
        self.cash_document(doc_type::CASH_OUT, &cashier, amount)
    }

    /// The last fiscal document: its number from the fiscal drive (0x78/3); when it is the
    /// last closed receipt (0x03/2), that receipt's fiscal sign and total, otherwise (a shift
    /// report, a receipt followed by a cancelled one) the sign and total from the archive's TLV
    /// (0x78/15, 0x78/16); its time is the last fiscal operation's (0x02/5). Only queries: nothing is registered or resent.
    pub fn last_fiscal_document(&mut self) -> Result<LastDocument, DriverError> {
        self.ensure_started()?;
        let number = self.last_document_number()?;
        let receipt = {
            let a = self.query(&commands::last_receipt())?;
            Self::decode(commands::RECEIPT_DATA, commands::LastReceipt::decode(&a))?
        };
        let date_time = {
            let a = self.query(&commands::device_info(5))?;
            Self::decode(commands::DEVICE_INFO, a.date_time(1))?
        };
        let is_receipt = receipt.fd == number && number != 0 && receipt.kind != 0;
        if is_receipt {
            return Ok(LastDocument {
                document_number: number,
                fiscal_sign: receipt.fiscal_sign,
                date_time,
                amount: Some(receipt.total),
            });
        }
        // Not the last closed receipt (a shift report, or a receipt cancelled since): the
        // archive has the sign and, for a receipt, its total (tag 1020).
        let tlv = self.archived_tlv(number);
        Ok(LastDocument {
            document_number: number,
            fiscal_sign: commands::tlv_fiscal_sign(&tlv).unwrap_or_default(),
            date_time,
            amount: commands::tlv_total(&tlv),
        })
    }

    pub fn check_marking_code(
        &mut self,
        check: MarkingCheck,
    ) -> Result<MarkingCheckResult, DriverError> {
        self.ensure_started()?;
        let timeout = self.settings.marking_timeout;
        let a = self.exchange(&commands::check_marking(&check), Resend::Never, timeout)?;
        let checked = Self::decode(commands::MARKING, commands::MarkingChecked::decode(&a))?;
        Ok(verdict(&checked))
    }

    pub fn decide_marking_code(&mut self, decision: MarkingDecision) -> Result<(), DriverError> {
        let accept = matches!(decision, MarkingDecision::Accept);
        self.command(&commands::decide_marking(accept)).map(drop)
    }

    pub fn fiscal_drive_status(&mut self) -> Result<FiscalDriveState, DriverError> {
        self.ensure_started()?;
        let fn_number = self.fn_number()?;
        let ofd = {
            let a = self.query(&commands::fn_exchange(fn_request::OFD_EXCHANGE))?;
            Self::decode(commands::FN_EXCHANGE, commands::OfdExchange::decode(&a))?
        };
        let valid_until = {
            let a = self.query(&commands::device_info(info::FN_VALID_UNTIL))?;
            Self::decode(commands::DEVICE_INFO, a.date(1))?
        };
        let ffd_version = {
            let a = self.query(&commands::fn_exchange(fn_request::FFD_VERSION))?;
            Self::decode(commands::FN_EXCHANGE, a.int(1))? as u8
        };
        let unsent_notifications = self
            .query(&Request::new(commands::MARKING).int(6))
            .ok()
            .and_then(|a| a.u32(2).ok());
        Ok(FiscalDriveState {
            fn_number,
            unsent_documents: ofd.unsent,
            first_unsent_number: (ofd.unsent > 0).then_some(ofd.first_number),
            first_unsent_date_time: ofd.first_date_time,
            unsent_notifications,
            valid_until,
            ffd_version,
            now: self.clock()?,
        })
    }

    /// Prints fiscal document `number` again from the fiscal drive (0x73): a copy of a
    /// receipt the register made, with its fiscal requisites.
    pub fn print_copy(&mut self, number: u32) -> Result<(), DriverError> {
        self.ensure_started()?;
        self.command(&commands::print_fn_document(number)).map(drop)
    }

    // ---- printer ------------------------------------------------------------------------

    pub fn printer_status(&mut self) -> Result<PrinterStatus, DriverError> {
        let flags = self.printer_flags()?;
        Ok(PrinterStatus {
            online: !flags.not_ready() && !flags.paper_out() && !flags.cover_open(),
            paper_present: !flags.paper_out(),
            cover_open: flags.cover_open(),
            vendor_code: flags.0,
            vendor_text: format!("printer status {:#x}", flags.0),
        })
    }

    /// The elements as a service document (type 1): 0x40 per text line, 0x41 per code,
    /// closed by 0x31 (which cuts).
    pub fn print(&mut self, elements: Vec<Element>) -> Result<(), DriverError> {
        let flags = self.ensure_started()?;
        self.cancel_leftover(flags)?;
        let cashier = Cashier {
            name: String::new(),
            inn: None,
        };
        self.command(&commands::open_document(doc_type::SERVICE, &cashier, None))?;
        let width = self.settings.paper_width as usize;
        let mut body = || -> Result<(), DriverError> {
            for element in &elements {
                match element {
                    Element::Text(t) => {
                        let line = align(&t.content, t.align, width, t.size);
                        self.command(&commands::print_text(&line, t.bold, t.size))?;
                    }
                    Element::Separator(c) => {
                        let line: String = std::iter::repeat_n(*c, width).collect();
                        self.command(&commands::print_text(&line, false, TextSize::Normal))?;
                    }
                    Element::Qr(data) => {
                        self.command(&commands::print_barcode(8, data))?;
                    }
                    Element::Barcode(b) => {
                        let kind = match b.kind {
                            BarcodeKind::UpcA => 0,
                            BarcodeKind::Ean13 => 2,
                            BarcodeKind::Ean8 => 3,
                            BarcodeKind::Code39 => 4,
                            BarcodeKind::Code128 => 9,
                        };
                        self.command(&commands::print_barcode(kind, &b.data))?;
                    }
                    Element::Feed(n) => {
                        for _ in 0..*n {
                            self.command(&commands::print_text(" ", false, TextSize::Normal))?;
                        }
                    }
                    // The register cuts when the document closes.
                    Element::Cut => {}
                }
            }
            self.command(&commands::close_document(None)).map(drop)
        };
        let done = body();
        if let Err(e) = done {
            if e.class != ErrorClass::Communication {
                self.abandon();
            }
            return Err(e);
        }
        Ok(())
    }
}

/// A line padded for its alignment within the paper (halved for double width).
fn align(content: &str, align: Align, width: usize, size: TextSize) -> String {
    let width = match size {
        TextSize::DoubleWidth | TextSize::Double => width / 2,
        _ => width,
    };
    let len = content.chars().count();
    let pad = width.saturating_sub(len);
    match align {
        Align::Left => content.to_string(),
        Align::Center => format!("{}{content}", " ".repeat(pad / 2)),
        Align::Right => format!("{}{content}", " ".repeat(pad)),
    }
}

/// What 0x79/1's tags mean for the cashier. Tag 2106's bits are the WIT's: 0 the fiscal
/// drive checked the code, 1 it passed, 2 the marking system answered, 3 it confirmed the
/// planned status.
fn verdict(c: &commands::MarkingChecked) -> MarkingCheckResult {
    let bits = c.result_bits;
    let fn_words = match (bits & 1 != 0, bits & 2 != 0) {
        (true, true) => "the fiscal drive found the code valid".to_string(),
        (true, false) => "the fiscal drive found the code invalid".to_string(),
        (false, _) => format!(
            "the fiscal drive did not check the code ({})",
            match c.not_checked_reason {
                1 => "codes of this type are not checked by the fiscal drive",
                2 => "the fiscal drive has no key for this code",
                3 => "tags 91/92 are missing or malformed",
                4 => "internal error of the fiscal drive",
                _ => "no reason given",
            }
        ),
    };
    if bits & 1 == 0 && matches!(c.not_checked_reason, 3 | 4) {
        return MarkingCheckResult::NotPossible(fn_words);
    }
    let mut verdict = MarkingVerdict {
        result_bits: bits,
        code_type: 0,
        item_status: c.item_status,
        message: fn_words,
    };
    if bits & 0b100 == 0 {
        verdict
            .message
            .push_str("; the marking system did not answer");
        return MarkingCheckResult::OismOffline(verdict);
    }
    verdict.message.push_str(if bits & 0b1000 != 0 {
        "; the marking system confirmed the planned status: code valid"
    } else {
        "; the marking system did not confirm the planned status"
    });
    MarkingCheckResult::Checked(verdict)
}

/// The host's guarantees, checked: a receipt whose sums do not add up is refused before
/// anything is sent.
fn validate(
    items: &[ReceiptItem],
    p: &ReceiptPayments,
    total: Money,
    with_change: bool,
) -> Result<(), DriverError> {
    if items.is_empty() {
        return Err(DriverError::unsupported(
            "a receipt needs at least one item",
        ));
    }
    let mut sum: Money = 0;
    for item in items {
        if item.price < 0 || item.quantity <= 0 {
            return Err(DriverError::unsupported(format!(
                "item {:?}: price and quantity must be positive",
                item.name
            )));
        }
        let amount = (i128::from(item.price) * i128::from(item.quantity) + 500) / 1000;
        if amount != i128::from(item.amount) {
            return Err(DriverError::unsupported(format!(
                "item {:?}: price × quantity is {amount}, not the amount {}",
                item.name, item.amount
            )));
        }
        sum += item.amount;
    }
    if sum != total {
        return Err(DriverError::unsupported(format!(
            "the items add up to {sum}, not the total {total}"
        )));
    }
    let paid = p.cash + p.cashless + p.prepayment + p.credit + p.counter_provision;
    if paid != total {
        return Err(DriverError::unsupported(format!(
            "the payments add up to {paid}, not the total {total}"
        )));
    }
    if with_change && p.cash_received != 0 && p.cash_received - p.cash != p.change {
        return Err(DriverError::unsupported(
            "change is not cash received minus cash",
        ));
    }
    Ok(())
}
