//! The default receipt layout: a Russian cash receipt (кассовый чек) for paper of
//! 32, 42 or 48 columns (any width from 24 to 64 works).
//!
//! A layout only arranges: amounts, taxes and fiscal requisites arrive computed by
//! the host and the register, and nothing here recomputes them, so the paper can
//! never disagree with what the fiscal drive recorded.

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.1.0",
    world: "receipt-layout",
    // The host and the tests compare receipts and elements natively.
    additional_derives: [PartialEq, Eq],
});

pub mod format;
mod labels;
pub mod qr;
#[cfg(test)]
mod tests;

pub use exports::fiscal::host::layout::{
    FiscalRequisites, Guest, Header, LayoutError, Payment, PaymentKind, Receipt, ReceiptLine,
    TaxTotal,
};
pub use fiscal::host::print::{Align, Barcode, BarcodeKind, Element, Text, TextSize};
pub use fiscal::host::types::{BasisPoints, Date, DateTime, DocumentKind, Money, Quantity, Vat};

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
        let names = labels::names(&receipt.currency);
        header(&mut paper, &receipt);
        title(&mut paper, &receipt);
        paper.separator();
        for line in &receipt.lines {
            item(&mut paper, line, names);
        }
        paper.separator();
        total(&mut paper, &receipt);
        payments(&mut paper, &receipt.payments);
        taxes(&mut paper, &receipt.taxes, names);
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

#[cfg(target_arch = "wasm32")]
export!(DefaultLayout);

fn header(paper: &mut Paper, receipt: &Receipt) {
    let header = &receipt.header;
    // A host without configured requisites sends none: no empty bold line for them.
    if !header.organisation.trim().is_empty() {
        paper.centered(&header.organisation, true);
    }
    if let Some(tax_id) = &header.tax_id {
        let label = labels::names(&receipt.currency).tax_id;
        paper.centered(&format!("{label} {tax_id}"), false);
    }
    if let Some(address) = &header.address {
        paper.centered(address, false);
    }
    for line in &header.lines {
        paper.centered(line, false);
    }
}

fn title(paper: &mut Paper, receipt: &Receipt) {
    paper.centered(labels::TITLE, true);
    paper.centered(labels::kind(receipt.kind), true);
    if receipt.fiscal.is_none() {
        paper.centered(labels::NOT_FISCAL, true);
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
        paper.wrapped(&format!("Кассир: {cashier}"), "");
    }
}

fn item(paper: &mut Paper, line: &ReceiptLine, names: labels::Names) {
    paper.wrapped(&line.name, "");
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
    paper.row(&labels::vat(line.vat, names), &tax, false);
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

fn payments(paper: &mut Paper, payments: &[Payment]) {
    for payment in payments {
        paper.row(
            labels::payment(payment.kind),
            &format!("={}", money(payment.amount)),
            false,
        );
        for detail in &payment.details {
            paper.wrapped(detail, DETAIL_INDENT);
        }
    }
}

fn taxes(paper: &mut Paper, taxes: &[TaxTotal], names: labels::Names) {
    for total in taxes {
        let (label, amount) = labels::tax_total(total, names);
        paper.row(&label, &money(amount), false);
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
    format!(
        "{:02}.{:02}.{:04} {:02}:{:02}",
        at.date.day, at.date.month, at.date.year, at.hour, at.minute
    )
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
        let content = content
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
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
