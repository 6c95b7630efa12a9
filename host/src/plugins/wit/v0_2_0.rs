//! `fiscal:host@0.2.0` (`wit/fiscal-host-0.2.0/`): its bindings, a linker per world, and the
//! conversions between its types and the host's (`contract`), which are 0.2.0's shape.
//!
//! Five worlds: `tax-calculator` and `receipt-layout` import nothing; `fiscal-register` (exports
//! `register` and `printer`), `receipt-printer` (`printer` alone) and `payment-terminal` import
//! the line, their settings and the log. The shared interfaces are generated once, by the world
//! that first uses them, and mapped into the later ones with `with`.

/// The bindings, linkers and conversions of a version with 0.2.0's shape, written once for
/// 0.2.0 and every later version that only adds to it: `$wit` is the version's folder, and each
/// `call => method => reply` a register operation it adds without arguments (0.3.0's
/// `shift-totals`), whose answer's conversion the version's own module declares.
macro_rules! since_v0_2_0 {
    ($wit:tt, $version:tt, { $($call:ident => $method:ident => $reply:ident),* }) => {
        use wasmtime::component::{Component, HasSelf, Linker};
        use wasmtime::{Engine, Store};

        use super::adapt::{Adapt, record, record2, variant, variant2};
        use super::{Answer, DriverCall, DriverReply, OutsideContract};
        use crate::plugins::World;
        use crate::plugins::contract as c;
        use crate::plugins::sandbox::PluginState;
        use tax_common::wire;

        mod bindings {
            pub mod tax {
                wasmtime::component::bindgen!({
                    path: $wit,
                    world: "tax-calculator",
                });
                pub use exports::fiscal::host::tax::*;
                pub use fiscal::host::types::{
                    Cashier, Correction, CorrectionBasis, DateTime, DocumentKind, Vat,
                };
            }

            pub mod layout {
                wasmtime::component::bindgen!({
                    path: $wit,
                    world: "receipt-layout",
                    with: { "fiscal:host/types": super::tax::fiscal::host::types },
                });
                pub use exports::fiscal::host::layout::*;
                pub use fiscal::host::print::{Align, Barcode, BarcodeKind, Element, Text, TextSize};
            }

            pub mod register {
                wasmtime::component::bindgen!({
                    path: $wit,
                    world: "fiscal-register",
                    with: {
                        "fiscal:host/types": super::tax::fiscal::host::types,
                        "fiscal:host/print": super::layout::fiscal::host::print,
                    },
                });
                pub use exports::fiscal::host::register::*;
                pub use fiscal::host::driver_types::{
                    DeviceInfo, DeviceStatus, DriverError, ErrorClass, FiscalResult, LastDocument,
                    ShiftState,
                };
                pub type PrinterStatus = exports::fiscal::host::printer::PrinterStatus;
            }

            pub mod printer {
                wasmtime::component::bindgen!({
                    path: $wit,
                    world: "receipt-printer",
                    with: {
                        "fiscal:host/types": super::tax::fiscal::host::types,
                        "fiscal:host/print": super::layout::fiscal::host::print,
                        "fiscal:host/transport": super::register::fiscal::host::transport,
                        "fiscal:host/settings": super::register::fiscal::host::settings,
                        "fiscal:host/log": super::register::fiscal::host::log,
                        "fiscal:host/driver-types": super::register::fiscal::host::driver_types,
                    },
                });
                pub use exports::fiscal::host::printer::PrinterStatus;
            }

            pub mod terminal {
                wasmtime::component::bindgen!({
                    path: $wit,
                    world: "payment-terminal",
                    with: {
                        "fiscal:host/types": super::tax::fiscal::host::types,
                        "fiscal:host/transport": super::register::fiscal::host::transport,
                        "fiscal:host/settings": super::register::fiscal::host::settings,
                        "fiscal:host/log": super::register::fiscal::host::log,
                        "fiscal:host/driver-types": super::register::fiscal::host::driver_types,
                    },
                });
                pub use exports::fiscal::host::terminal::{Outcome, Transaction};
            }
        }

        use bindings::{layout as wl, printer as wpr, register as wr, tax as wt, terminal as wp};
        use wr::fiscal::host as imports;

        const TYPES: &str = concat!("fiscal:host/types@", $version);
        const PRINT: &str = concat!("fiscal:host/print@", $version);
        const DRIVER_TYPES: &str = concat!("fiscal:host/driver-types@", $version);
        const TRANSPORT: &str = concat!("fiscal:host/transport@", $version);
        const SETTINGS: &str = concat!("fiscal:host/settings@", $version);
        const LOG: &str = concat!("fiscal:host/log@", $version);

        /// What each world may import (besides `wasi:*`).
        pub(super) fn grants(world: World) -> &'static [&'static str] {
            match world {
                World::TaxCalculator => &[TYPES],
                World::ReceiptLayout => &[TYPES, PRINT],
                World::FiscalRegister | World::ReceiptPrinter => {
                    &[TYPES, PRINT, DRIVER_TYPES, TRANSPORT, SETTINGS, LOG]
                }
                World::PaymentTerminal => &[TYPES, DRIVER_TYPES, TRANSPORT, SETTINGS, LOG],
                // 0.1.0's worlds have no later component.
                World::DeviceDriver | World::PaymentDriver => &[],
            }
        }

        /// The world of a component of this version by the `fiscal:host` interfaces it exports.
        pub(super) fn world_of(exports: &[&str]) -> Option<World> {
            let has = |i: &str| exports.contains(&i);
            Some(if has("register") {
                World::FiscalRegister
            } else if has("printer") {
                World::ReceiptPrinter
            } else if has("terminal") {
                World::PaymentTerminal
            } else if has("tax") {
                World::TaxCalculator
            } else if has("layout") {
                World::ReceiptLayout
            } else {
                return None;
            })
        }

        /// One linker per world, each granting exactly that world's imports.
        pub(in crate::plugins) struct Linkers {
            pure: Linker<PluginState>,
            driver: Linker<PluginState>,
        }

        impl Linkers {
            pub fn new(engine: &Engine) -> wasmtime::Result<Self> {
                let pure = || -> wasmtime::Result<Linker<PluginState>> {
                    let mut linker = Linker::new(engine);
                    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
                    Ok(linker)
                };
                let mut driver = pure()?;
                imports::transport::add_to_linker::<_, HasSelf<_>>(&mut driver, |s| s)?;
                imports::settings::add_to_linker::<_, HasSelf<_>>(&mut driver, |s| s)?;
                imports::log::add_to_linker::<_, HasSelf<_>>(&mut driver, |s| s)?;
                Ok(Self {
                    pure: pure()?,
                    driver,
                })
            }
        }

        super::driver_imports!(wr::fiscal::host);

        // --- tax ---

        #[derive(Clone)]
        pub(in crate::plugins) struct TaxPre(wt::TaxCalculatorPre<PluginState>);
        pub(in crate::plugins) struct TaxInstance(wt::TaxCalculator);

        impl TaxPre {
            pub fn new(linkers: &Linkers, component: &Component) -> wasmtime::Result<Self> {
                wt::TaxCalculatorPre::new(linkers.pure.instantiate_pre(component)?).map(Self)
            }
            pub fn engine(&self) -> &Engine {
                self.0.engine()
            }
            pub fn instantiate(&self, store: &mut Store<PluginState>) -> wasmtime::Result<TaxInstance> {
                self.0.instantiate(store).map(TaxInstance)
            }
        }

        impl TaxInstance {
            pub fn calculate(
                &self,
                store: &mut Store<PluginState>,
                doc: &c::tax::Document,
            ) -> Answer<c::tax::TaxResult, c::tax::TaxError> {
                let doc = wt::Document {
                    kind: doc.kind.adapt(),
                    date: doc.date.adapt(),
                    jurisdiction: doc.jurisdiction.clone().adapt(),
                    lines: line_numbers(&doc.lines),
                };
                let result = match self.0.fiscal_host_tax().call_calculate(store, &doc)? {
                    Ok(result) => result,
                    Err(e) => return Ok(Err(e.adapt())),
                };
                let decoded = wire::figures(&result.lines);
                let mut lines = Vec::with_capacity(decoded.len());
                for figures in decoded {
                    let figures = figures
                        .map_err(|e| OutsideContract(format!("line {}'s figures: {e}", e.line + 1)))?;
                    lines.push(c::tax::LineResult::from(figures));
                }
                Ok(Ok(c::tax::TaxResult {
                    lines,
                    totals: result.totals.adapt(),
                    total: result.total,
                    warnings: result.warnings.adapt(),
                }))
            }
        }

        /// The document's lines as the interface's flat numbers; names and barcodes stay here.
        fn line_numbers(lines: &[c::tax::Line]) -> Vec<i64> {
            let mut numbers = Vec::with_capacity(lines.len() * wire::LINE);
            for line in lines {
                wire::push_line(&mut numbers, &line.into());
            }
            numbers
        }

        record2!(c::types::Date <=> wt::Date { year, month, day });
        record2!(c::types::DateTime <=> wt::DateTime { date, hour, minute, second });
        variant2!(c::types::DocumentKind <=> wt::DocumentKind { Sale, SaleReturn, Expense, ExpenseReturn });
        variant2!(c::types::Vat <=> wt::Vat { Rate(r), Computed(r), None });
        variant!(c::types::CorrectionBasis => wt::CorrectionBasis { SelfInitiated, ByOrder });
        record!(c::types::Correction => wt::Correction { basis, base_date, order_number });

        impl Adapt<wt::Cashier> for c::types::Cashier {
            fn adapt(self) -> wt::Cashier {
                wt::Cashier {
                    name: self.name,
                    inn: self.tax_id,
                }
            }
        }

        variant!(c::tax::TaxSpec => wt::TaxSpec { Code(x), Percent(x), Computed(x), Exempt });
        record!(c::tax::TaxCode => wt::TaxCode { code, rate, valid_from });
        record!(c::tax::Jurisdiction => wt::Jurisdiction { country, tax_codes, standard_rate });
        record!(wt::RateTotal => c::tax::RateTotal { vat, vat_code, amount, taxed_base, tax });
        record!(wt::Warning => c::tax::Warning { line, message });
        record!(wt::LineProblem => c::tax::LineProblem { line, message });
        variant!(wt::TaxError => c::tax::TaxError {
            UnsupportedCountry(x), UnknownTaxCode(x), RateNotAllowed(x), InvalidLine(x), Overflow(x),
            EmptyDocument,
        });

        // --- layout ---

        #[derive(Clone)]
        pub(in crate::plugins) struct LayoutPre(wl::ReceiptLayoutPre<PluginState>);
        pub(in crate::plugins) struct LayoutInstance(wl::ReceiptLayout);

        impl LayoutPre {
            pub fn new(linkers: &Linkers, component: &Component) -> wasmtime::Result<Self> {
                wl::ReceiptLayoutPre::new(linkers.pure.instantiate_pre(component)?).map(Self)
            }
            pub fn engine(&self) -> &Engine {
                self.0.engine()
            }
            pub fn instantiate(&self, store: &mut Store<PluginState>) -> wasmtime::Result<LayoutInstance> {
                self.0.instantiate(store).map(LayoutInstance)
            }
        }

        impl LayoutInstance {
            pub fn render(
                &self,
                store: &mut Store<PluginState>,
                receipt: c::layout::Receipt,
                width: u32,
            ) -> Answer<Vec<c::layout::Element>, c::layout::LayoutError> {
                let receipt: wl::Receipt = receipt.adapt();
                Ok(self
                    .0
                    .fiscal_host_layout()
                    .call_render(store, &receipt, width)?
                    .adapt())
            }
        }

        variant2!(c::print::Align <=> wl::Align { Left, Center, Right });
        variant2!(c::print::TextSize <=> wl::TextSize { Normal, DoubleWidth, DoubleHeight, Double });
        record2!(c::print::Text <=> wl::Text { content, align, bold, size });
        variant2!(c::print::BarcodeKind <=> wl::BarcodeKind { Ean13, Ean8, Code128, Code39, UpcA });
        record2!(c::print::Barcode <=> wl::Barcode { kind, data });
        variant2!(c::print::Element <=> wl::Element {
            Text(x), Separator(x), Qr(x), Barcode(x), Feed(x), Cut,
        });
        record!(c::layout::Header => wl::Header { organisation, tax_id, address, lines });
        record!(c::layout::ReceiptLine => wl::ReceiptLine {
            name, price, quantity, unit, discount, amount, vat, tax, marked,
        });
        variant!(c::layout::PaymentKind => wl::PaymentKind {
            Cash, Cashless, Prepayment, Credit, CounterProvision, Bonuses, Installment,
        });
        record!(c::layout::Payment => wl::Payment { kind, amount, details });
        record!(c::layout::TaxTotal => wl::TaxTotal { vat, amount, taxed_base, tax });
        record!(c::layout::FiscalRequisites => wl::FiscalRequisites {
            fn_number, document_number, fiscal_sign, shift_number, receipt_number, registration_number,
            date_time,
        });
        record!(c::layout::Receipt => wl::Receipt {
            header, kind, country, tax_id_label, tax_name, currency, cashier, document_number, date_time,
            lines, payments, cash_received, change, taxes, total, fiscal, correction, customer_contact,
            footer,
        });
        variant!(wl::LayoutError => c::layout::LayoutError { UnsupportedWidth(x), InvalidReceipt(x) });

        // --- drivers ---

        #[derive(Clone)]
        pub(in crate::plugins) enum DriverPre {
            /// Boxed as the instance below (0.3.0's register has one function more).
            Register(Box<wr::FiscalRegisterPre<PluginState>>),
            Printer(wpr::ReceiptPrinterPre<PluginState>),
            Terminal(wp::PaymentTerminalPre<PluginState>),
        }

        pub(in crate::plugins) enum DriverInstance {
            /// Boxed: a register's bindings (two interfaces, fourteen functions) are several times a
            /// printer's or a terminal's.
            Register(Box<wr::FiscalRegister>),
            Printer(wpr::ReceiptPrinter),
            Terminal(wp::PaymentTerminal),
        }

        impl DriverPre {
            pub fn new(linkers: &Linkers, world: World, component: &Component) -> wasmtime::Result<Self> {
                let pre = linkers.driver.instantiate_pre(component)?;
                match world {
                    World::FiscalRegister => Ok(Self::Register(Box::new(wr::FiscalRegisterPre::new(pre)?))),
                    World::ReceiptPrinter => Ok(Self::Printer(wpr::ReceiptPrinterPre::new(pre)?)),
                    World::PaymentTerminal => Ok(Self::Terminal(wp::PaymentTerminalPre::new(pre)?)),
                    other => Err(wasmtime::Error::msg(format!(
                        concat!("a {} component is not a ", $version, " driver"),
                        other
                    ))),
                }
            }

            pub fn engine(&self) -> &Engine {
                match self {
                    Self::Register(p) => p.engine(),
                    Self::Printer(p) => p.engine(),
                    Self::Terminal(p) => p.engine(),
                }
            }

            pub fn instantiate(&self, store: &mut Store<PluginState>) -> wasmtime::Result<DriverInstance> {
                match self {
                    Self::Register(p) => p
                        .instantiate(store)
                        .map(|r| DriverInstance::Register(Box::new(r))),
                    Self::Printer(p) => p.instantiate(store).map(DriverInstance::Printer),
                    Self::Terminal(p) => p.instantiate(store).map(DriverInstance::Terminal),
                }
            }
        }

        /// A driver's own answer, turned into a reply of the host's types.
        fn done<T, E: Adapt<c::device::DriverError>>(
            r: Result<T, E>,
            reply: impl FnOnce(T) -> DriverReply,
        ) -> Result<DriverReply, c::device::DriverError> {
            r.map(reply).map_err(Adapt::adapt)
        }

        impl DriverInstance {
            pub fn call(
                &self,
                store: &mut Store<PluginState>,
                call: DriverCall,
            ) -> Answer<DriverReply, c::device::DriverError> {
                use DriverCall as C;
                use DriverReply as R;
                match self {
                    Self::Register(d) => {
                        let g = d.fiscal_host_register();
                        let p = d.fiscal_host_printer();
                        Ok(match call {
                            C::Describe => done(g.call_describe(store)?, |i| R::Info(i.adapt())),
                            C::Status => done(g.call_status(store)?, |s| R::Status(s.adapt())),
                            C::PrinterStatus => {
                                done(p.call_status(store)?, |s| R::PrinterStatus(s.adapt()))
                            }
                            C::Print(elements) => {
                                let elements: Vec<wl::Element> = elements.adapt();
                                done(p.call_print(store, &elements)?, |()| R::Done)
                            }
                            C::OpenShift(who) => done(g.call_open_shift(store, &who.adapt())?, |f| {
                                R::Fiscal(f.adapt())
                            }),
                            C::CloseShift(who) => done(g.call_close_shift(store, &who.adapt())?, |f| {
                                R::Fiscal(f.adapt())
                            }),
                            C::RegisterReceipt(receipt) => {
                                let receipt: wr::FiscalReceipt = (*receipt).adapt();
                                done(g.call_register_receipt(store, &receipt)?, |f| {
                                    R::Fiscal(f.adapt())
                                })
                            }
                            C::RegisterCorrection(receipt) => {
                                let receipt: wr::CorrectionReceipt = (*receipt).adapt();
                                done(g.call_register_correction(store, &receipt)?, |f| {
                                    R::Fiscal(f.adapt())
                                })
                            }
                            C::CancelOpenReceipt => done(g.call_cancel_open_receipt(store)?, |()| R::Done),
                            C::XReport(who) => done(g.call_x_report(store, &who.adapt())?, |()| R::Done),
                            C::CashIn(who, amount) => {
                                done(g.call_cash_in(store, &who.adapt(), amount)?, |()| R::Done)
                            }
                            C::CashOut(who, amount) => {
                                done(g.call_cash_out(store, &who.adapt(), amount)?, |()| R::Done)
                            }
                            C::LastFiscalDocument => done(g.call_last_fiscal_document(store)?, |l| {
                                R::LastDocument(l.adapt())
                            }),
                            C::CheckMarkingCode(check) => {
                                let check: wr::MarkingCheck = (*check).adapt();
                                done(g.call_check_marking_code(store, &check)?, |r| {
                                    R::MarkingCheck(r.adapt())
                                })
                            }
                            C::DecideMarkingCode(decision) => {
                                done(g.call_decide_marking_code(store, decision.adapt())?, |()| {
                                    R::Done
                                })
                            }
                            C::FiscalDriveStatus => done(g.call_fiscal_drive_status(store)?, |s| {
                                R::FiscalDrive(s.adapt())
                            }),
                            $(C::$call => done(g.$method(store)?, |r| R::$reply(r.adapt())),)*
                            other => Err(super::unsupported(World::FiscalRegister, &other)),
                        })
                    }
                    Self::Printer(d) => {
                        let p = d.fiscal_host_printer();
                        Ok(match call {
                            C::Describe => done(p.call_describe(store)?, |i| R::Info(i.adapt())),
                            C::PrinterStatus => {
                                done(p.call_status(store)?, |s| R::PrinterStatus(s.adapt()))
                            }
                            C::Print(elements) => {
                                let elements: Vec<wl::Element> = elements.adapt();
                                done(p.call_print(store, &elements)?, |()| R::Done)
                            }
                            other => Err(super::unsupported(World::ReceiptPrinter, &other)),
                        })
                    }
                    Self::Terminal(t) => {
                        let g = t.fiscal_host_terminal();
                        Ok(match call {
                            C::Describe => done(g.call_describe(store)?, |i| R::Info(i.adapt())),
                            C::Pay(amount) => {
                                done(g.call_pay(store, amount)?, |t| R::Transaction(t.adapt()))
                            }
                            C::Cancel(auth_id) => done(g.call_cancel(store, auth_id)?, |t| {
                                R::Transaction(t.adapt())
                            }),
                            C::Refund(rrn, amount) => done(g.call_refund(store, &rrn, amount)?, |t| {
                                R::Transaction(t.adapt())
                            }),
                            C::LastTransaction => done(g.call_last_transaction(store)?, |t| {
                                R::LastTransaction(t.adapt())
                            }),
                            other => Err(super::unsupported(World::PaymentTerminal, &other)),
                        })
                    }
                }
            }
        }

        variant!(wr::ErrorClass => c::device::ErrorClass {
            Communication, PaperOut, CoverOpen, ShiftExpired, ShiftClosed, ShiftAlreadyOpen,
            FiscalDrive, WrongState, Unsupported, Device,
        });
        record!(wr::DriverError => c::device::DriverError { class, vendor_code, message });

        impl Adapt<c::device::DeviceInfo> for wr::DeviceInfo {
            fn adapt(self) -> c::device::DeviceInfo {
                c::device::DeviceInfo {
                    vendor: self.vendor,
                    model: self.model,
                    serial_number: self.serial_number,
                    firmware: self.firmware,
                    paper_width: self.paper_width,
                    fiscal: self.fiscal,
                    jurisdictions: Some(self.jurisdictions),
                }
            }
        }

        variant!(wr::ShiftState => c::device::ShiftState { Closed, Open, Expired });
        record!(wr::DeviceStatus => c::device::DeviceStatus {
            shift, shift_number, shift_opened, receipt_open, paper_present, cover_open, vendor_code,
            vendor_text,
        });
        record!(wr::FiscalResult => c::device::FiscalResult {
            shift_number, receipt_number, document_number, fiscal_sign, fn_number, registration_number,
            date_time,
        });
        record!(wr::LastDocument => c::device::LastDocument {
            document_number, fiscal_sign, date_time, amount,
        });
        record!(wr::PrinterStatus => c::device::PrinterStatus {
            online, paper_present, cover_open, vendor_code, vendor_text,
        });
        record!(wpr::PrinterStatus => c::device::PrinterStatus {
            online, paper_present, cover_open, vendor_code, vendor_text,
        });
        variant!(c::register::PlannedStatus => wr::PlannedStatus {
            PieceSold, MeasuredSold, PieceReturned, MeasuredReturned,
        });
        record!(c::register::FractionalQuantity => wr::FractionalQuantity { numerator, denominator });
        record!(c::register::Marking => wr::Marking { code, planned_status, processing_mode, fraction });
        record!(c::register::MarkingCheck => wr::MarkingCheck { marking, quantity, measure });
        record!(wr::MarkingVerdict => c::register::MarkingVerdict {
            result_bits, code_type, item_status, message,
        });
        variant!(wr::MarkingCheckResult => c::register::MarkingCheckResult {
            Checked(x), OismOffline(x), NotPossible(x),
        });
        variant!(c::register::MarkingDecision => wr::MarkingDecision { Accept, Decline });
        record!(c::register::ReceiptItem => wr::ReceiptItem {
            name, price, quantity, amount, vat, vat_code, tax, subject, method, measure, marking,
        });
        record!(c::register::ReceiptPayments => wr::ReceiptPayments {
            cash, cashless, prepayment, credit, counter_provision, cash_received, change,
        });
        record!(c::register::FiscalReceipt => wr::FiscalReceipt {
            kind, cashier, items, payments, total, taxation_system, customer_contact, footer,
        });
        record!(c::register::CorrectionReceipt => wr::CorrectionReceipt {
            kind, correction, cashier, items, payments, total, taxation_system,
        });
        record!(wr::FiscalDriveState => c::register::FiscalDriveState {
            fn_number, unsent_documents, first_unsent_number, first_unsent_date_time,
            unsent_notifications, valid_until, ffd_version, now,
        });
        variant!(wp::Outcome => c::terminal::Outcome { Approved, Declined });
        record!(wp::Transaction => c::terminal::Transaction {
            outcome, amount, rrn, auth_id, auth_code, card_number, response_code, text, date_time,
        });
    };
}
pub(super) use since_v0_2_0;

since_v0_2_0!("../wit/fiscal-host-0.2.0", "0.2.0", {});
