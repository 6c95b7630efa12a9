//! The plugin contract as the host speaks it: one set of plain Rust types for what crosses into
//! a plugin and back, whatever WIT version the component was built against.
//!
//! The generated bindings of each version (`wit/v0_1_0.rs`, …) are private to `plugins/`; each
//! version module converts these types to its own and back, so the core, the devices and the
//! faces are written once against this module and a new WIT version touches `plugins/` only
//! (the shape of Zed's `wasm_host/wit.rs`: one module per version, the rest of the host on the
//! latest types). Field names and meanings are those of `wit/`; units as everywhere: money in
//! minor units (i64), quantities in thousandths (i64), rates in hundredths of a percent (i32).

/// Units and records every world shares (`fiscal:host/types`).
pub mod types {
    /// Minor currency units: kopecks, tiyin, tiyn.
    pub type Money = i64;
    /// Thousandths of a unit.
    pub type Quantity = i64;
    /// Hundredths of a percent: 2200 = 22%.
    pub type BasisPoints = i32;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Date {
        pub year: u16,
        pub month: u8,
        pub day: u8,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct DateTime {
        pub date: Date,
        pub hour: u8,
        pub minute: u8,
        pub second: u8,
    }

    /// What a document does with money (FFD tag 1054 for Russia).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum DocumentKind {
        Sale,
        SaleReturn,
        Expense,
        ExpenseReturn,
    }

    /// A VAT rate once resolved.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Vat {
        Rate(BasisPoints),
        Computed(BasisPoints),
        None,
    }
}

/// The tax calculator's call (`fiscal:host/tax`).
pub mod tax {
    pub use super::types::{BasisPoints, Date, DocumentKind, Money, Quantity, Vat};

    /// How a line names its tax; each face sends what its seed sends.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TaxSpec {
        /// A code the jurisdiction maps to a rate (seed 000's `tax_number`).
        Code(u32),
        /// An explicit rate (seed 001's `taxPrc`, seed 002's `vat_value`).
        Percent(BasisPoints),
        /// An explicit computed rate (22/122 and the like).
        Computed(BasisPoints),
        /// Without VAT.
        Exempt,
    }

    /// How the tax relates to the amount (seed 001's `calcType`; README, "Taxes").
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum CalcType {
        /// The tax is inside the amount.
        InPrice,
        /// The rate applies to the amount itself.
        Fixed,
        /// A simplified regime: no tax is extracted, the rate is printed for information.
        Simplified,
    }

    /// The taxed part of a line when only the margin is taxed.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Margin {
        /// Of the whole line.
        Sum(Money),
        /// Of one unit; multiplied by the quantity.
        UnitPrice(Money),
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Line {
        pub name: String,
        pub price: Money,
        pub quantity: Quantity,
        pub discount: Money,
        pub tax: TaxSpec,
        pub calc: CalcType,
        pub margin: Option<Margin>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TaxCode {
        pub code: u32,
        pub rate: TaxSpec,
        pub valid_from: Option<Date>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Jurisdiction {
        /// ISO 3166-1 alpha-2.
        pub country: String,
        pub tax_codes: Vec<TaxCode>,
        pub standard_rate: Option<BasisPoints>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Document {
        pub kind: DocumentKind,
        pub date: Date,
        pub jurisdiction: Jurisdiction,
        pub lines: Vec<Line>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct LineResult {
        pub amount: Money,
        pub tax: Money,
        pub vat: Vat,
        pub vat_code: Option<u8>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RateTotal {
        pub vat: Vat,
        pub vat_code: Option<u8>,
        pub base: Money,
        pub tax: Money,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Warning {
        pub line: Option<u32>,
        pub message: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TaxResult {
        pub lines: Vec<LineResult>,
        pub totals: Vec<RateTotal>,
        pub total: Money,
        pub warnings: Vec<Warning>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct LineProblem {
        /// Index of the line in the document, from 0.
        pub line: u32,
        pub message: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum TaxError {
        UnsupportedCountry(String),
        UnknownTaxCode(LineProblem),
        RateNotAllowed(LineProblem),
        InvalidLine(LineProblem),
        Overflow(LineProblem),
        EmptyDocument,
    }
}

/// Device-independent print elements (`fiscal:host/print`).
pub mod print {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Align {
        Left,
        Center,
        Right,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TextSize {
        Normal,
        DoubleWidth,
        DoubleHeight,
        Double,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Text {
        pub content: String,
        pub align: Align,
        pub bold: bool,
        pub size: TextSize,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum BarcodeKind {
        Ean13,
        Ean8,
        Code128,
        Code39,
        UpcA,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Barcode {
        pub kind: BarcodeKind,
        pub data: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Element {
        Text(Text),
        Separator(char),
        Qr(String),
        Barcode(Barcode),
        Feed(u8),
        Cut,
    }
}

/// The receipt layout's call (`fiscal:host/layout`).
pub mod layout {
    pub use super::print::*;
    pub use super::types::{Date, DateTime, DocumentKind, Money, Quantity, Vat};

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Header {
        pub organisation: String,
        pub tax_id: Option<String>,
        pub address: Option<String>,
        pub lines: Vec<String>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ReceiptLine {
        pub name: String,
        pub price: Money,
        pub quantity: Quantity,
        pub unit: Option<String>,
        pub discount: Money,
        pub amount: Money,
        pub vat: Vat,
        pub tax: Money,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum PaymentKind {
        Cash,
        Cashless,
        Prepayment,
        Credit,
        CounterProvision,
        Bonuses,
        Installment,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Payment {
        pub kind: PaymentKind,
        pub amount: Money,
        pub details: Vec<String>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TaxTotal {
        pub vat: Vat,
        pub base: Money,
        pub tax: Money,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct FiscalRequisites {
        pub fn_number: String,
        pub document_number: u32,
        pub fiscal_sign: String,
        pub shift_number: u32,
        pub receipt_number: u32,
        pub registration_number: String,
        pub date_time: DateTime,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Receipt {
        pub header: Header,
        pub kind: DocumentKind,
        pub currency: String,
        pub cashier: Option<String>,
        pub document_number: Option<String>,
        pub date_time: DateTime,
        pub lines: Vec<ReceiptLine>,
        pub payments: Vec<Payment>,
        pub taxes: Vec<TaxTotal>,
        pub total: Money,
        /// None: the receipt is not a fiscal document and must say so.
        pub fiscal: Option<FiscalRequisites>,
        pub footer: Vec<String>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum LayoutError {
        UnsupportedWidth(u32),
        InvalidReceipt(String),
    }
}

/// What every driver world shares (`fiscal:host/driver-types`).
pub mod device {
    pub use super::types::{DateTime, Money};

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ErrorClass {
        Communication,
        PaperOut,
        CoverOpen,
        ShiftExpired,
        ShiftClosed,
        ShiftAlreadyOpen,
        FiscalDrive,
        WrongState,
        Unsupported,
        Device,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DriverError {
        pub class: ErrorClass,
        pub vendor_code: u32,
        pub message: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeviceInfo {
        pub vendor: String,
        pub model: String,
        pub serial_number: String,
        pub firmware: String,
        pub paper_width: u32,
        pub fiscal: bool,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ShiftState {
        Closed,
        Open,
        Expired,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeviceStatus {
        pub shift: ShiftState,
        pub shift_number: u32,
        pub shift_opened: Option<DateTime>,
        pub receipt_open: bool,
        pub paper_present: bool,
        pub cover_open: bool,
        pub vendor_code: u32,
        pub vendor_text: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct FiscalResult {
        pub shift_number: u32,
        pub receipt_number: u32,
        pub document_number: u32,
        pub fiscal_sign: String,
        pub fn_number: String,
        pub registration_number: String,
        pub date_time: DateTime,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct LastDocument {
        pub document_number: u32,
        pub fiscal_sign: String,
        pub date_time: DateTime,
        pub amount: Option<Money>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Cashier {
        pub name: String,
        /// FFD tag 1203.
        pub tax_id: Option<String>,
    }
}

/// A fiscal register's operations (`fiscal:host/register`).
pub mod register {
    pub use super::device::*;
    pub use super::types::{DocumentKind, Money, Quantity, Vat};

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ReceiptItem {
        pub name: String,
        pub price: Money,
        pub quantity: Quantity,
        pub amount: Money,
        pub vat: Vat,
        pub vat_code: Option<u8>,
        pub tax: Money,
        pub subject: u8,
        pub method: u8,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct ReceiptPayments {
        pub cash: Money,
        pub cashless: Money,
        pub prepayment: Money,
        pub credit: Money,
        pub counter_provision: Money,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct FiscalReceipt {
        pub kind: DocumentKind,
        pub cashier: Cashier,
        pub items: Vec<ReceiptItem>,
        pub payments: ReceiptPayments,
        pub total: Money,
        pub taxation_system: u8,
        pub footer: Vec<String>,
    }
}

/// A card terminal's operations (`fiscal:host/terminal`).
pub mod terminal {
    pub use super::device::*;
    pub use super::types::{DateTime, Money};

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Outcome {
        Approved,
        Declined,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Transaction {
        pub outcome: Outcome,
        pub amount: Money,
        pub rrn: String,
        pub auth_id: u32,
        pub auth_code: String,
        pub card_number: String,
        pub response_code: u32,
        pub text: String,
        pub date_time: Option<DateTime>,
    }
}
