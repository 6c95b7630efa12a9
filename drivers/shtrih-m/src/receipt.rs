//! Registering a receipt: the WIT `fiscal-receipt` as register commands.
//!
//! Open check (8Dh; when refused for the register's mode: status 11h, a leftover cancelled,
//! 8Dh again) → cashier INN (FF0Ch, tag 1203) → customer contact (FF0Ch, tag 1008) →
//! per item: its marking code bound (FF67h, marked items only), operation v2 (FF46h), its
//! measure (FF4Dh, tag 2108, for items that are not pieces) → footer lines (17h) → close check
//! v2 (FF45h) → shift parameters (FF40h) for the receipt's number, unless it follows the
//! driver's previous receipt with no document between. Everything that can be
//! checked without the register is checked first, so a refused receipt never leaves one
//! half-made on the device.
//!
//! The open is left out when the register has just said it can take the receipt: the
//! fiscal drive's status (FF01h, which the host asks before every receipt for recovery) was
//! the last command, with the shift open and no document open. The first operation then
//! opens the receipt, of the type its kind gives, as the register opens one for a sale sent
//! without an open (the protocol's free-sale mode; pyshtrih and the vendor's test scripts
//! sell that way), and its refusal is read as the open's would be. See
//! [`opens_with_first_line`] for what keeps a receipt opened elsewhere out of ours.

use driver_kit::Port;

use crate::commands::{self, *};
use crate::driver::{LogLevel, Shtrih, cashier_inn};
use crate::errors;
use crate::marking;
use crate::text;
use crate::types::*;

/// The register's tax-rate bits (operation v2 "Налоговая ставка"; the vendor's tax table
/// rows 1..6). Row 1 holds the general rate: 20% until 2025, 22% since the 2026 firmware.
pub const TAX_GENERAL: u8 = 0x01;
pub const TAX_REDUCED: u8 = 0x02;
pub const TAX_ZERO: u8 = 0x04;
pub const TAX_NONE: u8 = 0x08;
pub const TAX_GENERAL_COMPUTED: u8 = 0x10;
pub const TAX_REDUCED_COMPUTED: u8 = 0x20;

/// The department every item goes to (free-sale mode; 0..16 are departments).
const DEPARTMENT: u8 = 1;
/// FFD 1212 "goods", for items that leave the subject to the device (0).
const DEFAULT_SUBJECT: u8 = 1;
/// FFD 1214 "full payment", for items that leave the method to the device (0).
const DEFAULT_METHOD: u8 = 4;
/// FFD tag 2108 "piece", the register's own default: an item of any other measure gets the tag
/// in a TLV bound to its operation (FF4Dh after its FF46h).
const MEASURE_PIECE: u8 = 0;
/// FFD tag 2108, the measure of an item's quantity.
pub const TAG_MEASURE: u16 = 2108;
/// FFD tag 1008, the customer's phone or e-mail.
pub const TAG_CUSTOMER_CONTACT: u16 = 1008;
/// Tag 1008 is a string of at most 64 characters.
const CUSTOMER_CONTACT_WIDTH: usize = 64;

/// The tax-rate bit for an item: from its FFD tag 1199 code, else from its rate.
pub fn tax_bit(vat_code: Option<u8>, vat: &Vat) -> Result<u8, DriverError> {
    let unsupported = |what: String| {
        errors::refused(
            ErrorClass::Unsupported,
            format!(
                "{what} has no tax row on a Shtrih-M register (rows: 22%, 10%, 0%, без НДС, 22/122, 10/110)"
            ),
        )
    };
    if let Some(code) = vat_code {
        return match code {
            1 | 11 => Ok(TAX_GENERAL),          // 20% / 22%
            2 => Ok(TAX_REDUCED),               // 10%
            3 | 12 => Ok(TAX_GENERAL_COMPUTED), // 20/120 / 22/122
            4 => Ok(TAX_REDUCED_COMPUTED),      // 10/110
            5 => Ok(TAX_ZERO),                  // 0%
            6 => Ok(TAX_NONE),                  // без НДС
            other => Err(unsupported(format!("VAT code {other} (FFD tag 1199)"))),
        };
    }
    match *vat {
        Vat::Rate(2000 | 2200) => Ok(TAX_GENERAL),
        Vat::Rate(1000) => Ok(TAX_REDUCED),
        Vat::Rate(0) => Ok(TAX_ZERO),
        Vat::None => Ok(TAX_NONE),
        Vat::Computed(2000 | 2200) => Ok(TAX_GENERAL_COMPUTED),
        Vat::Computed(1000) => Ok(TAX_REDUCED_COMPUTED),
        Vat::Rate(bp) => Err(unsupported(format!("VAT {}%", bp as f64 / 100.0))),
        Vat::Computed(bp) => Err(unsupported(format!("computed VAT {}%", bp as f64 / 100.0))),
    }
}

/// The close-check slot of a tax bit: taxes 1, 2, turnover 0%, turnover without VAT, 5, 6.
pub fn tax_slot(bit: u8) -> usize {
    bit.trailing_zeros() as usize
}

/// Slots whose close-check figure is the turnover, not a tax (0% and without VAT).
fn is_turnover_slot(slot: usize) -> bool {
    slot == tax_slot(TAX_ZERO) || slot == tax_slot(TAX_NONE)
}

/// Open-check type and FFD tag 1054 of a document kind.
fn check_type(kind: DocumentKind) -> (CheckType, u8) {
    match kind {
        DocumentKind::Sale => (CheckType::Sale, 1),
        DocumentKind::SaleReturn => (CheckType::SaleReturn, 2),
        DocumentKind::Expense => (CheckType::Purchase, 3),
        DocumentKind::ExpenseReturn => (CheckType::PurchaseReturn, 4),
    }
}

/// A receipt checked and turned into commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub check: CheckType,
    pub operations: Vec<Operation>,
    /// Per operation, the marking code FF67h binds to it (tag 2000 bytes), when it has one.
    pub markings: Vec<Option<Vec<u8>>>,
    /// Per operation, its measure (tag 2108); FF4Dh sends those that are not a piece.
    pub measures: Vec<u8>,
    pub close: CloseCheck,
    /// Tag 1008 as the register takes it (CP1251), when the receipt has one.
    pub customer_contact: Option<Vec<u8>>,
}

fn invalid(message: String) -> DriverError {
    errors::refused(ErrorClass::Unsupported, message)
}

fn money(value: Money, what: &str) -> Result<u64, DriverError> {
    if value < 0 || value as u64 > MAX_SUM {
        return Err(invalid(format!(
            "{what} {value} is out of 0..={MAX_SUM} kopecks"
        )));
    }
    Ok(value as u64)
}

/// price × quantity (thousandths) in kopecks, rounded half up.
fn extend(price: u64, thousandths: u64) -> u128 {
    (price as u128 * thousandths as u128 + 500) / 1000
}

/// Checks `receipt` and plans its commands.
pub fn plan(receipt: &FiscalReceipt) -> Result<Plan, DriverError> {
    if receipt.items.is_empty() {
        return Err(invalid("a receipt needs at least one item".into()));
    }
    let (check, operation) = check_type(receipt.kind);
    let mut operations = Vec::with_capacity(receipt.items.len());
    let mut markings = Vec::with_capacity(receipt.items.len());
    let mut measures = Vec::with_capacity(receipt.items.len());
    let mut taxes = [0u64; TAX_SLOTS];
    let mut sum = 0u64;
    for (index, item) in receipt.items.iter().enumerate() {
        let what = |field: &str| format!("item {index} ({}): {field}", item.name);
        // A marking code belongs only to sale and sale-return lines (FFD 1.2); it was checked
        // and accepted (FF61h, FF69h) before, and goes with FF67h right before its FF46h.
        // Tag 1162 is not sent: FFD 1.2 forbids it.
        let marking = match &item.marking {
            None => None,
            Some(m) => {
                if !matches!(receipt.kind, DocumentKind::Sale | DocumentKind::SaleReturn) {
                    return Err(invalid(format!(
                        "{}: a marking code (tag 2000) belongs only to sale and sale-return receipts, not to a {:?} one",
                        what("marking"),
                        receipt.kind
                    )));
                }
                Some(
                    marking::code_bytes(&m.code)
                        .map_err(|e| invalid(format!("{}: {e}", what("marking"))))?,
                )
            }
        };
        markings.push(marking);
        measures.push(item.measure);
        let price = money(item.price, &what("price"))?;
        let amount = money(item.amount, &what("amount"))?;
        let tax = money(item.tax, &what("tax"))?;
        if item.quantity <= 0 {
            return Err(invalid(format!(
                "{} {} must be positive",
                what("quantity"),
                item.quantity
            )));
        }
        let thousandths = item.quantity as u64;
        // The register checks the item's sum against price × quantity. The host hands over
        // items whose unit price (any discount folded in) gives the amount exactly (its one
        // unit-price rule; the WIT `receipt-item`), so a mismatch is a caller's error: refused
        // here rather than repaired into a price or a quantity that was not sold.
        let extension = extend(price, thousandths);
        if extension != amount as u128 {
            return Err(invalid(format!(
                "{}: price {price} × quantity {} comes to {extension}, not the amount {amount}",
                what("price"),
                item.quantity
            )));
        }
        let quantity = thousandths
            .checked_mul(1000)
            .filter(|q| *q <= MAX_QUANTITY)
            .ok_or_else(|| {
                invalid(format!(
                    "{} {} is too large",
                    what("quantity"),
                    item.quantity
                ))
            })?;
        let bit = tax_bit(item.vat_code, &item.vat)?;
        let slot = tax_slot(bit);
        // The register counts no tax for 0% and without VAT; it wants zero there.
        let item_tax = if is_turnover_slot(slot) { 0 } else { tax };
        taxes[slot] += if is_turnover_slot(slot) { amount } else { tax };
        sum += amount;
        operations.push(Operation {
            kind: operation,
            quantity,
            price,
            amount: Some(amount),
            tax: Some(item_tax),
            tax_rate: bit,
            department: DEPARTMENT,
            method: if item.method == 0 {
                DEFAULT_METHOD
            } else {
                item.method
            },
            subject: if item.subject == 0 {
                DEFAULT_SUBJECT
            } else {
                item.subject
            },
            name: item.name.clone(),
        });
    }
    if sum as i128 != receipt.total as i128 {
        return Err(invalid(format!(
            "the receipt total {} differs from the sum of its items {sum}",
            receipt.total
        )));
    }
    let p = &receipt.payments;
    let mut payments = [0u64; 16];
    payments[PAY_CASH] = cash_handed_over(p)?;
    payments[PAY_CASHLESS] = money(p.cashless, "cashless payment")?;
    payments[PAY_PREPAYMENT] = money(p.prepayment, "prepayment")?;
    payments[PAY_CREDIT] = money(p.credit, "credit")?;
    payments[PAY_COUNTER_PROVISION] = money(p.counter_provision, "counter-provision")?;
    Ok(Plan {
        check,
        operations,
        markings,
        measures,
        close: CloseCheck {
            payments,
            rounding: 0,
            taxes,
            tax_system: receipt.taxation_system,
            text: String::new(),
        },
        customer_contact: customer_contact(receipt.customer_contact.as_deref())?,
    })
}

/// The cash payment as the register takes it: what the customer handed over, so that the
/// register counts and prints the change ("СДАЧА") itself; the cash due when no more was
/// handed over. `cash-received` 0 means not given; otherwise it must be at least the cash due
/// and `change` exactly the difference.
fn cash_handed_over(p: &ReceiptPayments) -> Result<u64, DriverError> {
    let cash = money(p.cash, "cash payment")?;
    if p.cash_received == 0 {
        if p.change != 0 {
            return Err(invalid(format!(
                "change {} is given without the cash received",
                p.change
            )));
        }
        return Ok(cash);
    }
    let received = money(p.cash_received, "cash received")?;
    if received < cash {
        return Err(invalid(format!(
            "the cash received {received} is below the cash due {cash}"
        )));
    }
    if p.change as i128 != received as i128 - cash as i128 {
        return Err(invalid(format!(
            "change {} is not the cash received {received} − the cash due {cash}",
            p.change
        )));
    }
    Ok(received)
}

/// Tag 1008 checked and encoded; none when the receipt has no contact (or an empty one).
fn customer_contact(contact: Option<&str>) -> Result<Option<Vec<u8>>, DriverError> {
    let Some(contact) = contact.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    if contact.chars().count() > CUSTOMER_CONTACT_WIDTH {
        return Err(invalid(format!(
            "the customer contact {contact:?} is longer than {CUSTOMER_CONTACT_WIDTH} characters (FFD tag 1008)"
        )));
    }
    Ok(Some(text::encode(contact)))
}

/// How a receipt is opened.
pub(crate) enum Open {
    /// By this request, always (a correction receipt: its tags 1173 and 1174 go before its
    /// lines, into a receipt that says it is a correction).
    Always(Request),
    /// By this request, unless the first line may open the receipt itself.
    MayWait(Request),
}

impl Open {
    fn request(&self) -> &Request {
        match self {
            Open::Always(r) | Open::MayWait(r) => r,
        }
    }
}

/// Whether the receipt's first line may open it, without the open command: the register's
/// last word (`ready`: FF01h with no command after it) is a shift open and no document open,
/// nothing goes into the receipt before its first line (no tags, no cashier INN, no customer
/// contact, no marking code to bind), and the payments come exactly to the total.
///
/// The last makes a receipt opened elsewhere between FF01h and the line (on the keyboard,
/// by another program, one the fiscal drive does not show) harmless: another type refuses
/// the line (49h, and the receipt goes the long way); the same type takes it, and then the
/// other receipt's lines make the total exceed the payments, so the register refuses the
/// close (45h) and the receipt is cancelled, never fiscalized with lines that are not ours.
/// With change to give, a foreign line could hide in the change: such a receipt is opened.
pub(crate) fn opens_with_first_line(
    ready: bool,
    receipt: &FiscalReceipt,
    plan: &Plan,
    tags: &[(u16, Vec<u8>)],
) -> bool {
    let paid: u128 = plan.close.payments.iter().map(|&p| p as u128).sum();
    ready
        && tags.is_empty()
        && cashier_inn(&receipt.cashier).is_none()
        && plan.customer_contact.is_none()
        && plan.markings.first().is_some_and(Option::is_none)
        && paid == receipt.total as u128
}

impl<P: Port> Shtrih<P> {
    /// Registers `receipt` in the fiscal drive and prints it.
    pub fn register_receipt(
        &mut self,
        receipt: FiscalReceipt,
    ) -> Result<FiscalResult, DriverError> {
        let plan = plan(&receipt)?;
        let open = commands::open_check(self.password(), plan.check);
        let result = self.register_planned(&receipt, &plan, Open::MayWait(open), &[])?;
        // The drive's last document is now this receipt, as FF0Ah would tell it (its total
        // is tag 1020, the receipt's sum): the next `last-fiscal-document` needs only FF01h.
        self.remember_last_document(
            result.fn_number.clone(),
            LastDocument {
                document_number: result.document_number,
                fiscal_sign: result.fiscal_sign.clone(),
                date_time: result.date_time,
                amount: Some(receipt.total),
            },
        );
        Ok(result)
    }

    /// Opens a receipt with `open`, sends `tags` (FF0Ch) into it, fills and closes it.
    pub(crate) fn register_planned(
        &mut self,
        receipt: &FiscalReceipt,
        plan: &Plan,
        open: Open,
        tags: &[(u16, Vec<u8>)],
    ) -> Result<FiscalResult, DriverError> {
        // The open itself tells whether the register can take a receipt: a closed or expired
        // shift is refused with its own error; anything else the mode forbids (a receipt left
        // open by a crash, by another program) sends the receipt the long way: the mode asked
        // (11h), the leftover cancelled, the open sent again. No status is asked before a
        // receipt that can be opened. When the first line may open it, that line is the open.
        let opened = self
            .set_cashier(&receipt.cashier)
            .and_then(|()| self.open_receipt(receipt, plan, &open, tags));
        let lines_sent = match opened {
            Err(e) if e.class == ErrorClass::WrongState => {
                self.ready_for_receipt()?;
                self.set_cashier(&receipt.cashier)?;
                self.call(open.request())?;
                0
            }
            opened => opened?,
        };
        let closed = match self.fill_and_close(receipt, plan, tags, lines_sent) {
            Ok(closed) => closed,
            Err(e) => {
                // The register refused something: the receipt is open and unfiscalized, so
                // cancel it. After a line failure the outcome is unknown; leave it for
                // `last-fiscal-document` (a leftover is cancelled before the next receipt).
                if e.class != ErrorClass::Communication
                    && let Err(cancel) = self.call(&commands::cancel_check(self.password()))
                {
                    self.log(
                        LogLevel::Warn,
                        &format!("cancelling the refused receipt failed: {}", cancel.message),
                    );
                }
                return Err(e);
            }
        };
        let fn_number = self.fn_number()?;
        let (shift_number, receipt_number) = match &self.cache.last_receipt {
            // The fiscal drive numbers every document it makes, one after another: the
            // previous receipt's number plus one means no document (a shift report, a sale
            // on the keyboard) came between, so this is the same shift's next receipt.
            Some((drive, number, shift, previous))
                if *drive == fn_number && closed.document_number == number.wrapping_add(1) =>
            {
                (*shift, previous + 1)
            }
            _ => {
                let params = self.shift_params()?;
                (params.shift_number as u32, params.receipt_number as u32)
            }
        };
        self.cache.last_receipt = Some((
            fn_number.clone(),
            closed.document_number,
            shift_number,
            receipt_number,
        ));
        let date_time = match closed.date_time {
            Some(at) => at,
            None => self.find_document(closed.document_number)?.date_time,
        };
        Ok(FiscalResult {
            shift_number,
            receipt_number,
            document_number: closed.document_number,
            fiscal_sign: closed.fiscal_sign.to_string(),
            fn_number,
            registration_number: self.registration_number()?,
            date_time,
        })
    }

    /// Opens the receipt: by its first line when [`opens_with_first_line`] allows it, else
    /// by `open`. Returns how many of the plan's operations went (the first line, or none).
    fn open_receipt(
        &mut self,
        receipt: &FiscalReceipt,
        plan: &Plan,
        open: &Open,
        tags: &[(u16, Vec<u8>)],
    ) -> Result<usize, DriverError> {
        if matches!(open, Open::MayWait(_))
            && opens_with_first_line(self.ready_for_first_line, receipt, plan, tags)
        {
            self.call(&commands::operation_v2(
                self.password(),
                &plan.operations[0],
            ))?;
            return Ok(1);
        }
        self.call(open.request())?;
        Ok(0)
    }

    /// The register's mode asked (11h) before a receipt: a closed or expired shift is refused
    /// with its own error, a receipt a crash left open is cancelled.
    fn ready_for_receipt(&mut self) -> Result<(), DriverError> {
        let st = self.full_status()?;
        match mode_number(st.mode) {
            MODE_SHIFT_CLOSED => Err(errors::refused(
                ErrorClass::ShiftClosed,
                "Смена не открыта (the shift is not open)",
            )),
            MODE_SHIFT_EXPIRED => Err(errors::refused(
                ErrorClass::ShiftExpired,
                "Смена превысила 24 часа, закройте её (the shift is over 24 hours; close it)",
            )),
            MODE_RECEIPT_OPEN => self.cancel_leftover(),
            _ => Ok(()),
        }
    }

    /// Sends what the open receipt still lacks (the plan's operations from `lines_sent` on,
    /// and the measure of every line) and closes it.
    fn fill_and_close(
        &mut self,
        receipt: &FiscalReceipt,
        plan: &Plan,
        tags: &[(u16, Vec<u8>)],
        lines_sent: usize,
    ) -> Result<Closed, DriverError> {
        for (tag, value) in tags {
            self.call(&commands::fn_send_tlv(self.password(), *tag, value))?;
        }
        self.send_cashier_inn(&receipt.cashier)?;
        if let Some(contact) = &plan.customer_contact {
            self.call(&commands::fn_send_tlv(
                self.password(),
                TAG_CUSTOMER_CONTACT,
                contact,
            ))?;
        }
        for (index, ((op, marking), &measure)) in plan
            .operations
            .iter()
            .zip(&plan.markings)
            .zip(&plan.measures)
            .enumerate()
        {
            if index >= lines_sent {
                if let Some(code) = marking {
                    self.bind_marking_code(code)?;
                }
                self.call(&commands::operation_v2(self.password(), op))?;
            }
            if measure != MEASURE_PIECE {
                self.call(&commands::fn_send_operation_tlv(
                    self.password(),
                    TAG_MEASURE,
                    &[measure],
                ))?;
            }
        }
        // The print field's width is asked (26h, once per driver) only for a footer to cut.
        let width = if receipt.footer.is_empty() {
            0
        } else {
            self.paper_width() as usize
        };
        for line in &receipt.footer {
            for chunk in chunks(line, width) {
                self.call(&commands::print_string(
                    self.password(),
                    RECEIPT_STATION,
                    &chunk,
                ))?;
            }
        }
        let data = self.call(&commands::close_check_v2(self.password(), &plan.close))?;
        decode_closed(&data).map_err(errors::garbage)
    }
}

/// `line` in pieces of at most `width` characters (an empty line stays one empty piece).
fn chunks(line: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(width).map(|c| c.iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(
        name: &str,
        price: Money,
        quantity: i64,
        amount: Money,
        vat_code: u8,
        tax: Money,
    ) -> ReceiptItem {
        ReceiptItem {
            name: name.into(),
            price,
            quantity,
            amount,
            vat: Vat::Rate(2200),
            vat_code: Some(vat_code),
            tax,
            subject: 0,
            method: 0,
            measure: 0,
            marking: None,
        }
    }

    fn receipt(items: Vec<ReceiptItem>, cash: Money) -> FiscalReceipt {
        let total = items.iter().map(|i| i.amount).sum();
        FiscalReceipt {
            kind: DocumentKind::Sale,
            cashier: Cashier {
                name: "Иванова".into(),
                inn: None,
            },
            items,
            payments: ReceiptPayments {
                cash,
                cashless: 0,
                prepayment: 0,
                credit: 0,
                counter_provision: 0,
                cash_received: 0,
                change: 0,
            },
            total,
            taxation_system: 0,
            customer_contact: None,
            footer: vec![],
        }
    }

    #[test]
    fn ffd_1199_codes_map_to_tax_rows() {
        let any = Vat::None;
        assert_eq!(tax_bit(Some(11), &any).unwrap(), TAX_GENERAL);
        assert_eq!(tax_bit(Some(1), &any).unwrap(), TAX_GENERAL);
        assert_eq!(tax_bit(Some(2), &any).unwrap(), TAX_REDUCED);
        assert_eq!(tax_bit(Some(12), &any).unwrap(), TAX_GENERAL_COMPUTED);
        assert_eq!(tax_bit(Some(4), &any).unwrap(), TAX_REDUCED_COMPUTED);
        assert_eq!(tax_bit(Some(5), &any).unwrap(), TAX_ZERO);
        assert_eq!(tax_bit(Some(6), &any).unwrap(), TAX_NONE);
        assert_eq!(
            tax_bit(Some(7), &any).unwrap_err().class,
            ErrorClass::Unsupported
        );
        assert_eq!(tax_bit(None, &Vat::Rate(2200)).unwrap(), TAX_GENERAL);
        assert_eq!(
            tax_bit(None, &Vat::Computed(1000)).unwrap(),
            TAX_REDUCED_COMPUTED
        );
        assert_eq!(
            tax_bit(None, &Vat::Rate(500)).unwrap_err().class,
            ErrorClass::Unsupported
        );
        assert_eq!(
            [
                TAX_GENERAL,
                TAX_REDUCED,
                TAX_ZERO,
                TAX_NONE,
                TAX_GENERAL_COMPUTED,
                TAX_REDUCED_COMPUTED
            ]
            .map(tax_slot),
            [0, 1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn a_plan_sums_taxes_per_row_and_turnover_for_zero_rates() {
        let r = receipt(
            vec![
                item("Хлеб", 5_000, 2_000, 10_000, 11, 1_803),
                item("Молоко", 9_000, 1_000, 9_000, 2, 818),
                item("Газета", 3_000, 1_000, 3_000, 6, 0),
            ],
            30_000,
        );
        let plan = plan(&r).unwrap();
        assert_eq!(plan.check, CheckType::Sale);
        assert_eq!(plan.operations.len(), 3);
        assert_eq!(plan.operations[0].quantity, 2_000_000);
        assert_eq!(plan.operations[0].method, 4);
        assert_eq!(plan.operations[0].subject, 1);
        assert_eq!(plan.close.taxes, [1_803, 818, 0, 3_000, 0, 0]);
        assert_eq!(plan.close.payments[PAY_CASH], 30_000);
    }

    #[test]
    fn an_item_whose_price_does_not_give_its_amount_is_refused() {
        // 3 × 10.00 with a 1.00 discount sent with the undiscounted price: 30.00 ≠ 29.00.
        let r = receipt(vec![item("Чай", 1_000, 3_000, 2_900, 11, 523)], 2_900);
        let e = plan(&r).unwrap_err();
        assert_eq!(e.class, ErrorClass::Unsupported);
        assert!(e.message.contains("item 0 (Чай)"), "{}", e.message);
        // Off by the one kopeck the register would tolerate: still not what the host promises.
        let r = receipt(vec![item("Чай", 967, 3_000, 2_900, 11, 523)], 2_900);
        assert!(plan(&r).is_err());
        // The same line as the host sends it: two units at 9.66, the last at 9.68.
        let r = receipt(
            vec![
                item("Чай", 966, 2_000, 1_932, 11, 348),
                item("Чай", 968, 1_000, 968, 11, 175),
            ],
            2_900,
        );
        let plan = plan(&r).unwrap();
        assert_eq!(
            plan.operations
                .iter()
                .map(|o| (o.price, o.quantity, o.amount))
                .collect::<Vec<_>>(),
            [(966, 2_000_000, Some(1_932)), (968, 1_000_000, Some(968))]
        );
        assert_eq!(plan.close.taxes[0], 523);
    }

    #[test]
    fn weighed_items_round_half_up_to_their_amount() {
        // 0.250 kg at 42.00 = 10.50; 1.500 kg at 6.67 = 10.005 → 10.01.
        let r = receipt(
            vec![
                item("Сыр", 4_200, 250, 1_050, 11, 189),
                item("Рис", 667, 1_500, 1_001, 11, 181),
            ],
            2_051,
        );
        let plan = plan(&r).unwrap();
        assert_eq!(plan.operations[0].quantity, 250_000);
        assert_eq!(plan.operations[1].price, 667);
    }

    #[test]
    fn inconsistent_receipts_are_refused_before_anything_is_sent() {
        let mut r = receipt(vec![item("Чай", 1_000, 1_000, 1_000, 11, 180)], 1_000);
        r.total = 999;
        assert_eq!(plan(&r).unwrap_err().class, ErrorClass::Unsupported);
        let r = receipt(vec![], 0);
        assert!(plan(&r).is_err());
        let r = receipt(vec![item("Чай", -1, 1_000, 1_000, 11, 180)], 1_000);
        assert!(plan(&r).is_err());
    }

    #[test]
    fn marked_items_go_only_on_sales_and_measures_are_planned_per_operation() {
        let mut r = receipt(
            vec![item("Сигареты", 20_000, 1_000, 20_000, 11, 3_607)],
            20_000,
        );
        r.items[0].marking = Some(Marking {
            code: "0104600439931256215K\u{1d}93abcd".into(),
            planned_status: PlannedStatus::PieceSold,
            processing_mode: 0,
            fraction: None,
        });
        let plan_ok = plan(&r).unwrap();
        assert_eq!(
            plan_ok.markings,
            [Some(b"0104600439931256215K\x1d93abcd".to_vec())]
        );
        for kind in [DocumentKind::Expense, DocumentKind::ExpenseReturn] {
            r.kind = kind;
            let e = plan(&r).unwrap_err();
            assert_eq!(e.class, ErrorClass::Unsupported);
            assert!(e.message.contains("marking"), "{}", e.message);
        }
        let mut r = receipt(vec![item("Сыр", 4_200, 250, 1_050, 11, 189)], 1_050);
        r.items[0].measure = 11; // kilogram
        assert_eq!(plan(&r).unwrap().measures, [11]);
    }

    #[test]
    fn the_cash_handed_over_goes_as_the_cash_payment() {
        let mut r = receipt(vec![item("Чай", 1_000, 1_000, 1_000, 11, 180)], 1_000);
        assert_eq!(plan(&r).unwrap().close.payments[PAY_CASH], 1_000);
        r.payments.cash_received = 1_000;
        assert_eq!(plan(&r).unwrap().close.payments[PAY_CASH], 1_000);
        r.payments.cash_received = 5_000;
        r.payments.change = 4_000;
        assert_eq!(plan(&r).unwrap().close.payments[PAY_CASH], 5_000);
        // Inconsistent figures are refused, never guessed.
        r.payments.change = 3_000;
        assert_eq!(plan(&r).unwrap_err().class, ErrorClass::Unsupported);
        r.payments.cash_received = 500;
        r.payments.change = 0;
        assert_eq!(plan(&r).unwrap_err().class, ErrorClass::Unsupported);
        r.payments.cash_received = 0;
        r.payments.change = 100;
        assert_eq!(plan(&r).unwrap_err().class, ErrorClass::Unsupported);
    }

    #[test]
    fn the_customer_contact_is_checked_and_encoded() {
        let mut r = receipt(vec![item("Чай", 1_000, 1_000, 1_000, 11, 180)], 1_000);
        assert_eq!(plan(&r).unwrap().customer_contact, None);
        r.customer_contact = Some(" ".into());
        assert_eq!(plan(&r).unwrap().customer_contact, None);
        r.customer_contact = Some("+79001234567".into());
        assert_eq!(
            plan(&r).unwrap().customer_contact.as_deref(),
            Some(&b"+79001234567"[..])
        );
        r.customer_contact = Some(format!("{}@example.com", "a".repeat(60)));
        assert_eq!(plan(&r).unwrap_err().class, ErrorClass::Unsupported);
    }

    #[test]
    fn footer_lines_are_cut_to_the_print_field() {
        assert_eq!(chunks("", 40), [""]);
        assert_eq!(
            chunks(&"ж".repeat(45), 40)
                .iter()
                .map(|c| c.chars().count())
                .collect::<Vec<_>>(),
            [40, 5]
        );
    }
}
