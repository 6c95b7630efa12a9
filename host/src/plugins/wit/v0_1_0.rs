//! `fiscal:host@0.1.0` (`wit/fiscal-host-0.1.0/`, frozen): its bindings, a linker per world,
//! and the conversions between its types and the host's (`contract`).
//!
//! The shared interfaces (`types`, `print`, `transport`, `log`, `driver-types`) are generated
//! once and reused by the later worlds through `with`, so a `vat` of the tax world is the same
//! Rust type as a `vat` of the layout world and the host implements `transport` once.
//!
//! In 0.1.0 printers and registers share one world (`device-driver`): a printer answers the
//! fiscal operations with `unsupported`.

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store};

use super::adapt::{Adapt, record, record2, variant, variant2};
use super::{Answer, DriverCall, DriverReply};
use crate::plugins::World;
use crate::plugins::contract as c;
use crate::plugins::sandbox::PluginState;

mod bindings {
    pub mod tax {
        wasmtime::component::bindgen!({
            path: "../wit/fiscal-host-0.1.0",
            world: "tax-calculator",
        });
        pub use exports::fiscal::host::tax::*;
        pub use fiscal::host::types::{DateTime, DocumentKind, Vat};
    }

    pub mod layout {
        wasmtime::component::bindgen!({
            path: "../wit/fiscal-host-0.1.0",
            world: "receipt-layout",
            with: { "fiscal:host/types": super::tax::fiscal::host::types },
        });
        pub use exports::fiscal::host::layout::*;
        pub use fiscal::host::print::{Align, Barcode, BarcodeKind, Element, Text, TextSize};
    }

    pub mod device {
        wasmtime::component::bindgen!({
            path: "../wit/fiscal-host-0.1.0",
            world: "device-driver",
            with: {
                "fiscal:host/types": super::tax::fiscal::host::types,
                "fiscal:host/print": super::layout::fiscal::host::print,
            },
        });
        pub use exports::fiscal::host::register::{FiscalReceipt, ReceiptItem, ReceiptPayments};
        pub use fiscal::host::driver_types::*;
    }

    pub mod payment {
        wasmtime::component::bindgen!({
            path: "../wit/fiscal-host-0.1.0",
            world: "payment-driver",
            with: {
                "fiscal:host/types": super::tax::fiscal::host::types,
                "fiscal:host/transport": super::device::fiscal::host::transport,
                "fiscal:host/log": super::device::fiscal::host::log,
                "fiscal:host/driver-types": super::device::fiscal::host::driver_types,
            },
        });
        pub use exports::fiscal::host::terminal::{Outcome, Transaction};
    }
}

use bindings::{device as wd, layout as wl, payment as wp, tax as wt};

/// What each world may import (besides `wasi:*`): the type-only interfaces it uses, and for
/// drivers the line, their settings and the log.
pub(super) fn grants(world: World) -> &'static [&'static str] {
    match world {
        World::TaxCalculator => &["fiscal:host/types@0.1.0"],
        World::ReceiptLayout => &["fiscal:host/types@0.1.0", "fiscal:host/print@0.1.0"],
        World::DeviceDriver => &[
            "fiscal:host/types@0.1.0",
            "fiscal:host/print@0.1.0",
            "fiscal:host/driver-types@0.1.0",
            "fiscal:host/transport@0.1.0",
            "fiscal:host/settings@0.1.0",
            "fiscal:host/log@0.1.0",
        ],
        World::PaymentDriver => &[
            "fiscal:host/types@0.1.0",
            "fiscal:host/driver-types@0.1.0",
            "fiscal:host/transport@0.1.0",
            "fiscal:host/settings@0.1.0",
            "fiscal:host/log@0.1.0",
        ],
        // 0.2.0's worlds have no 0.1.0 component.
        World::FiscalRegister | World::ReceiptPrinter | World::PaymentTerminal => &[],
    }
}

/// The world of a 0.1.0 component by the `fiscal:host` interface it exports.
pub(super) fn world_of(exports: &[&str]) -> Option<World> {
    let has = |i: &str| exports.contains(&i);
    Some(if has("register") {
        World::DeviceDriver
    } else if has("terminal") {
        World::PaymentDriver
    } else if has("tax") {
        World::TaxCalculator
    } else if has("layout") {
        World::ReceiptLayout
    } else {
        return None;
    })
}

/// One linker per world, each granting exactly that world's imports: a component importing
/// more than its world fails to link at load, naming the import.
pub(in crate::plugins) struct Linkers {
    tax: Linker<PluginState>,
    layout: Linker<PluginState>,
    device: Linker<PluginState>,
    payment: Linker<PluginState>,
}

impl Linkers {
    pub fn new(engine: &Engine) -> wasmtime::Result<Self> {
        let pure = || -> wasmtime::Result<Linker<PluginState>> {
            let mut linker = Linker::new(engine);
            wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
            Ok(linker)
        };
        let driver = || -> wasmtime::Result<Linker<PluginState>> {
            let mut linker = pure()?;
            wd::fiscal::host::transport::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
            wd::fiscal::host::settings::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
            wd::fiscal::host::log::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
            Ok(linker)
        };
        Ok(Self {
            tax: pure()?,
            layout: pure()?,
            device: driver()?,
            payment: driver()?,
        })
    }
}

super::driver_imports!(wd::fiscal::host);

// --- tax ---

#[derive(Clone)]
pub(in crate::plugins) struct TaxPre(wt::TaxCalculatorPre<PluginState>);
pub(in crate::plugins) struct TaxInstance(wt::TaxCalculator);

impl TaxPre {
    pub fn new(linkers: &Linkers, component: &Component) -> wasmtime::Result<Self> {
        wt::TaxCalculatorPre::new(linkers.tax.instantiate_pre(component)?).map(Self)
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
        // 0.1.0 results do not carry the taxed base: it is worked out from each line's margin.
        let margins: Vec<_> = doc.lines.iter().map(|l| (l.margin, l.quantity)).collect();
        // 0.1.0 lines carry their names, so this version's document is a copy.
        let doc: wt::Document = doc.clone().adapt();
        let answer = self.0.fiscal_host_tax().call_calculate(store, &doc)?;
        Ok(answer
            .map(|r| with_taxed_bases(r, &margins))
            .map_err(Adapt::adapt))
    }
}

/// The taxed base of a line the plugin figured at `amount`: its margin (by the tax plugins' own
/// arithmetic, `tax_common::margin_base`), else the amount. A margin the plugin accepted is
/// within the amount, so `margin_base` refuses none; should it, the amount stands.
fn taxed_base(margin: Option<c::tax::Margin>, quantity: i64, amount: i64) -> i64 {
    match margin {
        None => amount,
        Some(margin) => tax_common::margin_base(margin.into(), quantity, amount).unwrap_or(amount),
    }
}

fn with_taxed_bases(
    result: wt::TaxResult,
    margins: &[(Option<c::tax::Margin>, i64)],
) -> c::tax::TaxResult {
    let lines: Vec<c::tax::LineResult> = result
        .lines
        .into_iter()
        .zip(margins)
        .map(|(r, &(margin, quantity))| c::tax::LineResult {
            amount: r.amount,
            taxed_base: taxed_base(margin, quantity, r.amount),
            tax: r.tax,
            vat: r.vat.adapt(),
            vat_code: r.vat_code,
        })
        .collect();
    let totals = result
        .totals
        .into_iter()
        .map(|t| {
            let vat: c::types::Vat = t.vat.adapt();
            c::tax::RateTotal {
                vat,
                vat_code: t.vat_code,
                amount: t.base,
                taxed_base: lines
                    .iter()
                    .filter(|l| l.vat == vat && l.vat_code == t.vat_code)
                    .map(|l| l.taxed_base)
                    .sum(),
                tax: t.tax,
            }
        })
        .collect();
    c::tax::TaxResult {
        lines,
        totals,
        total: result.total,
        warnings: result.warnings.adapt(),
    }
}

record2!(c::types::Date <=> wt::Date { year, month, day });
record2!(c::types::DateTime <=> wt::DateTime { date, hour, minute, second });
variant2!(c::types::DocumentKind <=> wt::DocumentKind { Sale, SaleReturn, Expense, ExpenseReturn });
variant2!(c::types::Vat <=> wt::Vat { Rate(r), Computed(r), None });
variant!(c::tax::TaxSpec => wt::TaxSpec { Code(x), Percent(x), Computed(x), Exempt });
variant!(c::tax::CalcType => wt::CalcType { InPrice, Fixed, Simplified });
variant!(c::tax::Margin => wt::Margin { Sum(x), UnitPrice(x) });
record!(c::tax::Line => wt::Line { name, price, quantity, discount, tax, calc, margin });
record!(c::tax::TaxCode => wt::TaxCode { code, rate, valid_from });
record!(c::tax::Jurisdiction => wt::Jurisdiction { country, tax_codes, standard_rate });
record!(c::tax::Document => wt::Document { kind, date, jurisdiction, lines });
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
        wl::ReceiptLayoutPre::new(linkers.layout.instantiate_pre(component)?).map(Self)
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
    name, price, quantity, unit, discount, amount, vat, tax,
});
variant!(c::layout::PaymentKind => wl::PaymentKind {
    Cash, Cashless, Prepayment, Credit, CounterProvision, Bonuses, Installment,
});
record!(c::layout::Payment => wl::Payment { kind, amount, details });
impl Adapt<wl::TaxTotal> for c::layout::TaxTotal {
    fn adapt(self) -> wl::TaxTotal {
        wl::TaxTotal {
            vat: self.vat.adapt(),
            base: self.amount,
            tax: self.tax,
        }
    }
}

/// 0.1.0 prints the cashier's name only.
impl Adapt<String> for c::types::Cashier {
    fn adapt(self) -> String {
        self.name
    }
}
record!(c::layout::FiscalRequisites => wl::FiscalRequisites {
    fn_number, document_number, fiscal_sign, shift_number, receipt_number, registration_number,
    date_time,
});
/// A 0.1.0 layout has no cash-received and change: as before, the cash payment is the cash
/// tendered and the change a line under it.
impl Adapt<wl::Receipt> for c::layout::Receipt {
    fn adapt(self) -> wl::Receipt {
        let mut payments: Vec<c::layout::Payment> = self.payments;
        if let Some(tendered) = self.cash_received
            && let Some(cash) = payments
                .iter_mut()
                .find(|p| p.kind == c::layout::PaymentKind::Cash)
        {
            cash.amount = tendered;
            if self.change > 0 {
                let change = self.change;
                cash.details
                    .push(format!("СДАЧА {}.{:02}", change / 100, change % 100));
            }
        }
        wl::Receipt {
            header: self.header.adapt(),
            kind: self.kind.adapt(),
            currency: self.currency,
            cashier: self.cashier.adapt(),
            document_number: self.document_number,
            date_time: self.date_time.adapt(),
            lines: self.lines.adapt(),
            payments: payments.adapt(),
            taxes: self.taxes.adapt(),
            total: self.total,
            fiscal: self.fiscal.adapt(),
            footer: self.footer,
        }
    }
}
variant!(wl::LayoutError => c::layout::LayoutError { UnsupportedWidth(x), InvalidReceipt(x) });

// --- drivers: a register or printer (device-driver), a terminal (payment-driver) ---

#[derive(Clone)]
pub(in crate::plugins) enum DriverPre {
    Device(wd::DeviceDriverPre<PluginState>),
    Payment(wp::PaymentDriverPre<PluginState>),
}

pub(in crate::plugins) enum DriverInstance {
    Device(wd::DeviceDriver),
    Payment(wp::PaymentDriver),
}

impl DriverPre {
    pub fn new(linkers: &Linkers, world: World, component: &Component) -> wasmtime::Result<Self> {
        match world {
            World::DeviceDriver => Ok(Self::Device(wd::DeviceDriverPre::new(
                linkers.device.instantiate_pre(component)?,
            )?)),
            World::PaymentDriver => Ok(Self::Payment(wp::PaymentDriverPre::new(
                linkers.payment.instantiate_pre(component)?,
            )?)),
            other => Err(wasmtime::Error::msg(format!(
                "a {other} component is not a driver"
            ))),
        }
    }

    pub fn engine(&self) -> &Engine {
        match self {
            Self::Device(p) => p.engine(),
            Self::Payment(p) => p.engine(),
        }
    }

    pub fn instantiate(&self, store: &mut Store<PluginState>) -> wasmtime::Result<DriverInstance> {
        match self {
            Self::Device(p) => p.instantiate(store).map(DriverInstance::Device),
            Self::Payment(p) => p.instantiate(store).map(DriverInstance::Payment),
        }
    }
}

impl DriverInstance {
    pub fn call(
        &self,
        store: &mut Store<PluginState>,
        call: DriverCall,
    ) -> Answer<DriverReply, c::register::DriverError> {
        use DriverCall as C;
        use DriverReply as R;
        fn done<T, E: Adapt<c::register::DriverError>>(
            r: Result<T, E>,
            reply: impl FnOnce(T) -> DriverReply,
        ) -> Result<DriverReply, c::register::DriverError> {
            r.map(reply).map_err(Adapt::adapt)
        }
        match self {
            Self::Device(d) => {
                let g = d.fiscal_host_register();
                Ok(match call {
                    C::Describe => done(g.call_describe(store)?, |i| R::Info(i.adapt())),
                    C::Status => done(g.call_status(store)?, |s| R::Status(s.adapt())),
                    // 0.1.0 has one status for registers and printers.
                    C::PrinterStatus => done(g.call_status(store)?, |s| {
                        R::PrinterStatus(c::device::PrinterStatus {
                            online: true,
                            paper_present: s.paper_present,
                            cover_open: s.cover_open,
                            vendor_code: s.vendor_code,
                            vendor_text: s.vendor_text,
                        })
                    }),
                    C::OpenShift(who) => done(g.call_open_shift(store, &who.adapt())?, |f| {
                        R::Fiscal(f.adapt())
                    }),
                    C::CloseShift(who) => done(g.call_close_shift(store, &who.adapt())?, |f| {
                        R::Fiscal(f.adapt())
                    }),
                    C::RegisterReceipt(receipt) => {
                        if let Some(refused) = beyond_0_1_0(&receipt) {
                            return Ok(Err(refused));
                        }
                        let receipt: wd::FiscalReceipt = (*receipt).adapt();
                        done(g.call_register_receipt(store, &receipt)?, |f| {
                            R::Fiscal(f.adapt())
                        })
                    }
                    C::Print(elements) => {
                        let elements: Vec<wl::Element> = elements.adapt();
                        done(g.call_print(store, &elements)?, |()| R::Done)
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
                    other => Err(super::unsupported(World::DeviceDriver, &other)),
                })
            }
            Self::Payment(p) => {
                let g = p.fiscal_host_terminal();
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
                    other => Err(super::unsupported(World::PaymentDriver, &other)),
                })
            }
        }
    }
}

/// What a 0.1.0 register cannot be told, refused rather than dropped: a receipt must not be
/// fiscalized without its marking codes, measures or the customer's contact.
fn beyond_0_1_0(receipt: &c::register::FiscalReceipt) -> Option<c::device::DriverError> {
    let why = if receipt.items.iter().any(|i| i.marking.is_some()) {
        "marking codes (FFD tag 2000)"
    } else if receipt.items.iter().any(|i| i.measure != 0) {
        "a measure of quantity other than pieces (FFD tag 2108)"
    } else if receipt.customer_contact.is_some() {
        "the customer's contact for an electronic copy (FFD tag 1008)"
    } else {
        return None;
    };
    Some(c::device::DriverError {
        class: c::device::ErrorClass::Unsupported,
        vendor_code: 0,
        message: format!(
            "this driver is built against fiscal:host@0.1.0, which cannot carry {why}"
        ),
    })
}

variant!(wd::ErrorClass => c::device::ErrorClass {
    Communication, PaperOut, CoverOpen, ShiftExpired, ShiftClosed, ShiftAlreadyOpen,
    FiscalDrive, WrongState, Unsupported, Device,
});
record!(wd::DriverError => c::device::DriverError { class, vendor_code, message });
impl Adapt<c::device::DeviceInfo> for wd::DeviceInfo {
    fn adapt(self) -> c::device::DeviceInfo {
        c::device::DeviceInfo {
            vendor: self.vendor,
            model: self.model,
            serial_number: self.serial_number,
            firmware: self.firmware,
            paper_width: self.paper_width,
            fiscal: self.fiscal,
            // 0.1.0 drivers do not say where they fiscalize.
            jurisdictions: None,
        }
    }
}
variant!(wd::ShiftState => c::device::ShiftState { Closed, Open, Expired });
record!(wd::DeviceStatus => c::device::DeviceStatus {
    shift, shift_number, shift_opened, receipt_open, paper_present, cover_open, vendor_code,
    vendor_text,
});
record!(wd::FiscalResult => c::device::FiscalResult {
    shift_number, receipt_number, document_number, fiscal_sign, fn_number, registration_number,
    date_time,
});
record!(wd::LastDocument => c::device::LastDocument {
    document_number, fiscal_sign, date_time, amount,
});
record!(c::device::Cashier => wd::Cashier { name, tax_id });
record!(c::register::ReceiptItem => wd::ReceiptItem {
    name, price, quantity, amount, vat, vat_code, tax, subject, method,
});
/// 0.1.0 is told the cash as tendered (it prints the change itself), not the cash due.
impl Adapt<wd::ReceiptPayments> for c::register::ReceiptPayments {
    fn adapt(self) -> wd::ReceiptPayments {
        wd::ReceiptPayments {
            cash: if self.cash_received > 0 {
                self.cash_received
            } else {
                self.cash
            },
            cashless: self.cashless,
            prepayment: self.prepayment,
            credit: self.credit,
            counter_provision: self.counter_provision,
        }
    }
}
record!(c::register::FiscalReceipt => wd::FiscalReceipt {
    kind, cashier, items, payments, total, taxation_system, footer,
});
variant!(wp::Outcome => c::terminal::Outcome { Approved, Declined });
record!(wp::Transaction => c::terminal::Transaction {
    outcome, amount, rrn, auth_id, auth_code, card_number, response_code, text, date_time,
});
