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

    /// Who makes a document (FFD tag 1021) and their taxpayer number (tag 1203).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Cashier {
        pub name: String,
        pub tax_id: Option<String>,
    }

    /// Why a correction receipt is made (FFD tag 1173).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum CorrectionBasis {
        SelfInitiated,
        ByOrder,
    }

    /// What a correction receipt corrects.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Correction {
        pub basis: CorrectionBasis,
        /// The date of the settlement being corrected (tag 1178).
        pub base_date: Date,
        /// The tax office's order number (tag 1179), for a correction by order.
        pub order_number: Option<String>,
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
        /// What the tax is taken from: the margin of a margin line, else the amount.
        pub taxed_base: Money,
        pub tax: Money,
        pub vat: Vat,
        pub vat_code: Option<u8>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RateTotal {
        pub vat: Vat,
        pub vat_code: Option<u8>,
        /// Sum of the amounts of the lines at this rate.
        pub amount: Money,
        pub taxed_base: Money,
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

    // The arithmetic's and the 0.2.0 wire's neutral types (`tax_common`), which the adapters
    // speak to reach the guests.

    impl From<CalcType> for tax_common::Calc {
        fn from(c: CalcType) -> Self {
            match c {
                CalcType::InPrice => Self::InPrice,
                CalcType::Fixed => Self::Fixed,
                CalcType::Simplified => Self::Simplified,
            }
        }
    }

    impl From<Margin> for tax_common::Margin {
        fn from(m: Margin) -> Self {
            match m {
                Margin::Sum(sum) => Self::Sum(sum),
                Margin::UnitPrice(price) => Self::UnitPrice(price),
            }
        }
    }

    impl From<&Line> for tax_common::wire::LineNumbers {
        fn from(l: &Line) -> Self {
            use tax_common::{Rate, wire::LineTax};
            Self {
                price: l.price,
                quantity: l.quantity,
                discount: l.discount,
                tax: match l.tax {
                    TaxSpec::Code(code) => LineTax::Code(code),
                    TaxSpec::Percent(bp) => LineTax::Rate(Rate::Percent(bp)),
                    TaxSpec::Computed(bp) => LineTax::Rate(Rate::Computed(bp)),
                    TaxSpec::Exempt => LineTax::Rate(Rate::Exempt),
                },
                calc: l.calc.into(),
                margin: l.margin.map(Into::into),
            }
        }
    }

    impl From<tax_common::wire::FigureNumbers> for LineResult {
        fn from(f: tax_common::wire::FigureNumbers) -> Self {
            use tax_common::Rate;
            Self {
                amount: f.amount,
                taxed_base: f.taxed_base,
                tax: f.tax,
                vat: match f.vat {
                    Rate::Percent(bp) => Vat::Rate(bp),
                    Rate::Computed(bp) => Vat::Computed(bp),
                    Rate::Exempt => Vat::None,
                },
                vat_code: f.vat_code,
            }
        }
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
    pub use super::types::{
        Cashier, Correction, CorrectionBasis, Date, DateTime, DocumentKind, Money, Quantity, Vat,
    };

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
        /// A marked good (FFD 1.2): printed with "[М]".
        pub marked: bool,
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
        /// Sum of the amounts of the lines at this rate.
        pub amount: Money,
        /// Sum of their taxed bases (differs from `amount` when margin lines are among them).
        pub taxed_base: Money,
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
        /// ISO 3166-1 alpha-2 of the lane's jurisdiction.
        pub country: String,
        /// What the country calls the taxpayer number ("ИНН", "БИН", "STIR").
        pub tax_id_label: String,
        /// What the country calls its VAT ("НДС", "QQS/НДС").
        pub tax_name: String,
        pub currency: String,
        pub cashier: Option<Cashier>,
        pub document_number: Option<String>,
        pub date_time: DateTime,
        pub lines: Vec<ReceiptLine>,
        pub payments: Vec<Payment>,
        /// The cash the customer handed over, when more than the cash due.
        pub cash_received: Option<Money>,
        /// What was given back (0 when nothing).
        pub change: Money,
        pub taxes: Vec<TaxTotal>,
        pub total: Money,
        /// None: the receipt is not a fiscal document and must say so.
        pub fiscal: Option<FiscalRequisites>,
        pub correction: Option<Correction>,
        /// Where an electronic copy goes (FFD tag 1008).
        pub customer_contact: Option<String>,
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
    pub use super::types::{Cashier, DateTime, Money};

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
        /// Where the device fiscalizes (ISO 3166-1 alpha-2); `None` when its driver does not
        /// say (one built against 0.1.0).
        pub jurisdictions: Option<Vec<String>>,
    }

    /// What a printer says of itself.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PrinterStatus {
        pub online: bool,
        pub paper_present: bool,
        pub cover_open: bool,
        pub vendor_code: u32,
        pub vendor_text: String,
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
}

/// A fiscal register's operations (`fiscal:host/register`).
pub mod register {
    pub use super::device::*;
    pub use super::types::{Correction, CorrectionBasis, Date, DocumentKind, Money, Quantity, Vat};

    /// Measure of quantity (FFD tag 2108): 0 piece, 10 gram, 11 kilogram, 41 litre, … (see
    /// `wit/fiscal-host-0.2.0/register.wit`).
    pub type Measure = u8;

    /// What the seller plans to do with a marked good (FFD tag 2003).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum PlannedStatus {
        PieceSold,
        MeasuredSold,
        PieceReturned,
        MeasuredReturned,
    }

    /// The sold part of a marked good sold by fraction (FFD tag 1291).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct FractionalQuantity {
        pub numerator: u32,
        pub denominator: u32,
    }

    /// A marking code and what goes with it on a receipt item.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Marking {
        /// The raw code (tag 2000) with its GS separators.
        pub code: String,
        pub planned_status: PlannedStatus,
        /// Tag 2102.
        pub processing_mode: u8,
        pub fraction: Option<FractionalQuantity>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct MarkingCheck {
        pub marking: Marking,
        pub quantity: Quantity,
        pub measure: Measure,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct MarkingVerdict {
        /// Tag 2106.
        pub result_bits: u8,
        /// Tag 2100.
        pub code_type: u8,
        /// Tag 2109.
        pub item_status: Option<u8>,
        pub message: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum MarkingCheckResult {
        Checked(MarkingVerdict),
        OismOffline(MarkingVerdict),
        NotPossible(String),
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum MarkingDecision {
        Accept,
        Decline,
    }

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
        pub measure: Measure,
        pub marking: Option<Marking>,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct ReceiptPayments {
        /// The cash due.
        pub cash: Money,
        pub cashless: Money,
        pub prepayment: Money,
        pub credit: Money,
        pub counter_provision: Money,
        /// The cash handed over (0: not given); `change` = `cash_received` − `cash`.
        pub cash_received: Money,
        pub change: Money,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct FiscalReceipt {
        pub kind: DocumentKind,
        pub cashier: Cashier,
        pub items: Vec<ReceiptItem>,
        pub payments: ReceiptPayments,
        pub total: Money,
        pub taxation_system: u8,
        /// Where an electronic copy goes (FFD tag 1008).
        pub customer_contact: Option<String>,
        pub footer: Vec<String>,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CorrectionReceipt {
        pub kind: DocumentKind,
        pub correction: Correction,
        pub cashier: Cashier,
        pub items: Vec<ReceiptItem>,
        pub payments: ReceiptPayments,
        pub total: Money,
        pub taxation_system: u8,
    }

    /// The fiscal drive's state: what waits for the OFD and how long the drive is valid.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct FiscalDriveState {
        pub fn_number: String,
        pub unsent_documents: u32,
        pub first_unsent_number: Option<u32>,
        pub first_unsent_date_time: Option<super::types::DateTime>,
        pub unsent_notifications: Option<u32>,
        pub valid_until: Date,
        pub ffd_version: u8,
        /// The register's clock when it answered; the deadlines run on it.
        pub now: super::types::DateTime,
    }

    /// One kind of receipt in a shift's counters (0.3.0).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
    pub struct OperationCounters {
        pub receipts: u32,
        pub total: Money,
        pub cash: Money,
        pub cashless: Money,
    }

    /// A shift's counters as the register keeps them, what its Z report prints (0.3.0).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
    pub struct ShiftCounters {
        pub shift_number: u32,
        pub sales: OperationCounters,
        pub returns: OperationCounters,
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
