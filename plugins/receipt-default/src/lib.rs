//! The default receipt layout: a Russian cash receipt (кассовый чек) for paper of
//! 32, 42 or 48 columns (any width from 24 to 64 works).
//!
//! A layout only arranges: amounts, taxes and fiscal requisites arrive computed by
//! the host and the register, and nothing here recomputes them, so the paper can
//! never disagree with what the fiscal drive recorded. Nor does it guess: the
//! taxpayer-number label and the tax's name are the receipt's (`tax-id-label`,
//! `tax-name`), printed as sent.

pub mod format;
mod labels;
pub mod qr;
#[cfg(test)]
mod tests;

pub use fiscal_host_guest::layout::{
    FiscalRequisites, Guest, Header, LayoutError, Payment, PaymentKind, Receipt, ReceiptLine,
    TaxTotal,
};
pub use fiscal_host_guest::types::{
    Align, Barcode, BarcodeKind, BasisPoints, Cashier, Correction, CorrectionBasis, Country, Date,
    DateTime, DocumentKind, Element, Money, Quantity, Text, TextSize, Vat,
};

use format::{money, quantity, row, width_of, wrap};

/// Narrowest paper accepted: below this, money rows wrap so often the receipt is unreadable.
pub const MIN_WIDTH: u32 = 24;
/// Widest paper accepted: no receipt printer in use has more columns.
pub const MAX_WIDTH: u32 = 64;

/// Payment details are indented under their payment so they read as belonging to it.
const DETAIL_INDENT: &str = "  ";

/// The default layout, exported as the component's `layout` interface.
pub struct DefaultLayout;

impl Guest for DefaultLayout {
    fn render(receipt: Receipt, width: u32) -> Result<Vec<Element>, LayoutError> {
        if !(MIN_WIDTH..=MAX_WIDTH).contains(&width) {
            return Err(LayoutError::UnsupportedWidth(width));
        }
        if receipt.lines.is_empty() {
            return Err(LayoutError::InvalidReceipt(
                "the receipt has no lines".to_string(),
            ));
        }
        let mut paper = Paper::new(width as usize);
        let tax_name = receipt.tax_name.as_str();
        header(&mut paper, &receipt);
        title(&mut paper, &receipt);
        paper.separator();
        for line in &receipt.lines {
            item(&mut paper, line, tax_name);
        }
        paper.separator();
        total(&mut paper, &receipt);
        payments(&mut paper, &receipt);
        taxes(&mut paper, &receipt.taxes, tax_name);
        paper.separator();
        if let Some(fiscal) = &receipt.fiscal {
            requisites(&mut paper, &receipt, fiscal);
        }
        for line in &receipt.footer {
            paper.centered(line, false);
        }
        if receipt.fiscal.is_none() {
            // Repeated at the end because a torn-off tail must not pass for a fiscal receipt.
            paper.centered(labels::NOT_FISCAL, true);
        }
        paper.push(Element::Feed(3));
        paper.push(Element::Cut);
        Ok(paper.elements)
    }
}

fiscal_host_guest::layout::export!(DefaultLayout);

fn header(paper: &mut Paper, receipt: &Receipt) {
    let header = &receipt.header;
    // A host without configured requisites sends none: no empty bold line for them.
    if !header.organisation.trim().is_empty() {
        paper.centered(&header.organisation, true);
    }
    if let Some(tax_id) = &header.tax_id {
        // The label is the receipt's ("ИНН", "БИН", "STIR"); an empty one prints none.
        let label = receipt.tax_id_label.trim();
        if label.is_empty() {
            paper.centered(tax_id, false);
        } else {
            paper.centered(&format!("{label} {tax_id}"), false);
        }
    }
    if let Some(address) = &header.address {
        paper.centered(address, false);
    }
    for line in &header.lines {
        paper.centered(line, false);
    }
}

fn title(paper: &mut Paper, receipt: &Receipt) {
    let title = match receipt.correction {
        Some(_) => labels::CORRECTION_TITLE,
        None => labels::TITLE,
    };
    paper.centered(title, true);
    paper.centered(labels::kind(receipt.kind), true);
    if receipt.fiscal.is_none() {
        paper.centered(labels::NOT_FISCAL, true);
    }
    if let Some(correction) = &receipt.correction {
        paper.wrapped(
            &format!(
                "{} {}",
                labels::CORRECTION_BASIS,
                labels::basis(correction.basis)
            ),
            "",
        );
        paper.wrapped(
            &format!(
                "{} {}",
                labels::CORRECTION_DATE,
                date(&correction.base_date)
            ),
            "",
        );
        if let Some(order) = non_empty(correction.order_number.as_deref()) {
            paper.wrapped(&format!("{} {order}", labels::CORRECTION_ORDER), "");
        }
    }
    if let Some(number) = &receipt.document_number {
        paper.wrapped(&format!("Чек № {number}"), "");
    }
    // The register's time when there is one: the printed time must match the QR and
    // the fiscal drive, and the POS clock may differ from the register's by minutes.
    let at = receipt
        .fiscal
        .as_ref()
        .map_or(&receipt.date_time, |fiscal| &fiscal.date_time);
    paper.wrapped(&date_time(at), "");
    if let Some(cashier) = &receipt.cashier {
        paper.wrapped(&format!("Кассир: {}", cashier.name), "");
        if let Some(inn) = non_empty(cashier.inn.as_deref()) {
            paper.wrapped(&format!("{} {inn}", labels::CASHIER_INN), "");
        }
    }
    if let Some(contact) = non_empty(receipt.customer_contact.as_deref()) {
        paper.wrapped(&format!("{} {contact}", labels::CUSTOMER_CONTACT), "");
    }
}

/// An optional text that says something: none for absent or blank.
fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

fn item(paper: &mut Paper, line: &ReceiptLine, tax_name: &str) {
    if line.marked {
        paper.wrapped(&format!("{} {}", labels::MARKED, line.name), "");
    } else {
        paper.wrapped(&line.name, "");
    }
    let unit = line
        .unit
        .as_deref()
        .map_or(String::new(), |unit| format!(" {unit}"));
    let price = format!("{}{unit} x {}", quantity(line.quantity), money(line.price));
    paper.row(&price, &format!("={}", money(line.amount)), false);
    if line.discount > 0 {
        paper.row(
            labels::DISCOUNT,
            &format!("-{}", money(line.discount)),
            false,
        );
    }
    let tax = match line.vat {
        Vat::None => String::new(),
        Vat::Rate(_) | Vat::Computed(_) => money(line.tax),
    };
    paper.row(&labels::vat(line.vat, tax_name), &tax, false);
}

fn total(paper: &mut Paper, receipt: &Receipt) {
    let amount = format!(
        "={}{}",
        money(receipt.total),
        currency_suffix(&receipt.currency)
    );
    // Double size doubles the width of every character, so the row has half the columns.
    let half = paper.width / 2;
    if width_of(labels::TOTAL) + 1 + width_of(&amount) <= half {
        for line in row(labels::TOTAL, &amount, half) {
            paper.text(line, Align::Left, true, TextSize::Double);
        }
    } else {
        paper.row(labels::TOTAL, &amount, true);
    }
}

/// Russian receipts never print the rouble code beside the total; other currencies
/// print theirs, as the WIT's `currency` field asks.
fn currency_suffix(currency: &str) -> String {
    let code = currency.trim();
    if code.is_empty() || code.eq_ignore_ascii_case("RUB") {
        String::new()
    } else {
        format!(" {code}")
    }
}

fn payments(paper: &mut Paper, receipt: &Receipt) {
    let mut cash = cash_lines(receipt);
    for payment in &receipt.payments {
        paper.row(
            labels::payment(payment.kind),
            &format!("={}", money(payment.amount)),
            false,
        );
        for detail in &payment.details {
            paper.wrapped(detail, DETAIL_INDENT);
        }
        if payment.kind == PaymentKind::Cash {
            // A detail saying the same already (a host that still sends the change as a
            // detail) is not printed twice.
            for line in cash.drain(..) {
                if !payment.details.contains(&line) {
                    paper.wrapped(&line, DETAIL_INDENT);
                }
            }
        }
    }
    // No cash payment to put them under: after the payments.
    for line in cash {
        paper.wrapped(&line, DETAIL_INDENT);
    }
}

/// What goes under the cash payment: the cash received when it is not the cash due (the row
/// above shows that), and the change when there is any. A receipt paid in exact cash prints
/// neither, as before `cash-received` existed.
fn cash_lines(receipt: &Receipt) -> Vec<String> {
    let due: Money = receipt
        .payments
        .iter()
        .filter(|payment| payment.kind == PaymentKind::Cash)
        .map(|payment| payment.amount)
        .fold(0, Money::saturating_add);
    let mut lines = Vec::new();
    if let Some(received) = receipt.cash_received
        && received != due
    {
        lines.push(format!("{} {}", labels::CASH_RECEIVED, money(received)));
    }
    if receipt.change > 0 {
        lines.push(format!("{} {}", labels::CHANGE, money(receipt.change)));
    }
    lines
}

fn taxes(paper: &mut Paper, taxes: &[TaxTotal], tax_name: &str) {
    for total in taxes {
        let (label, amount) = labels::tax_total(total, tax_name);
        paper.row(&label, &money(amount), false);
        // Margin lines are taxed on less than their amount: the base is printed then only.
        if total.taxed_base != total.amount {
            paper.row(
                &labels::taxed_base(total.vat, tax_name),
                &money(total.taxed_base),
                false,
            );
        }
    }
}

fn requisites(paper: &mut Paper, receipt: &Receipt, fiscal: &FiscalRequisites) {
    paper.row("ФН", &fiscal.fn_number, false);
    paper.row("ФД", &fiscal.document_number.to_string(), false);
    paper.row("ФП", &fiscal.fiscal_sign, false);
    paper.row("Смена", &fiscal.shift_number.to_string(), false);
    paper.row("Чек", &fiscal.receipt_number.to_string(), false);
    paper.row("РН ККТ", &fiscal.registration_number, false);
    paper.push(Element::Qr(qr::fiscal_qr(
        receipt.kind,
        receipt.total,
        fiscal,
    )));
}

/// `ДД.ММ.ГГГГ ЧЧ:ММ`, the form Russian receipts print.
fn date_time(at: &DateTime) -> String {
    format!("{} {:02}:{:02}", date(&at.date), at.hour, at.minute)
}

/// `ДД.ММ.ГГГГ`.
fn date(day: &Date) -> String {
    format!("{:02}.{:02}.{:04}", day.day, day.month, day.year)
}

/// The elements being laid out, and the only place text elements are made, so the
/// width rule and the control-character rule are enforced once.
struct Paper {
    width: usize,
    elements: Vec<Element>,
}

impl Paper {
    fn new(width: usize) -> Self {
        Self {
            width,
            elements: Vec::new(),
        }
    }

    fn push(&mut self, element: Element) {
        self.elements.push(element);
    }

    fn text(&mut self, content: String, align: Align, bold: bool, size: TextSize) {
        // A control character (ESC above all) reaching a printer driver as text
        // could act as a printer command; a space keeps the column count unchanged.
        // Text without one (nearly all) is kept as it is, not copied.
        let content = if content.chars().any(char::is_control) {
            content
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        } else {
            content
        };
        self.push(Element::Text(Text {
            content,
            align,
            bold,
            size,
        }));
    }

    fn centered(&mut self, text: &str, bold: bool) {
        for line in wrap(text, self.width) {
            self.text(line, Align::Center, bold, TextSize::Normal);
        }
    }

    fn wrapped(&mut self, text: &str, indent: &str) {
        for line in wrap(text, self.width - width_of(indent)) {
            self.text(
                format!("{indent}{line}"),
                Align::Left,
                false,
                TextSize::Normal,
            );
        }
    }

    fn row(&mut self, left: &str, right: &str, bold: bool) {
        for line in row(left, right, self.width) {
            self.text(line, Align::Left, bold, TextSize::Normal);
        }
    }

    fn separator(&mut self) {
        self.push(Element::Separator('-'));
    }
}
