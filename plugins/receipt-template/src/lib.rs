//! A receipt layout template: the starting point for your own receipt design.
//!
//! Copy this folder, rename the crate and change what the `CHANGE:` comments point
//! at (see README.md). The host calls `render` with a receipt whose amounts, taxes
//! and fiscal requisites are already computed: a layout only arranges them into
//! print elements. It runs sandboxed, with no files, network or clock.

#[cfg(test)]
mod tests;

// The WIT types of `fiscal:host@0.2.0`'s `receipt-layout` world, from the SDK.
pub use fiscal_host_guest::layout::{
    FiscalRequisites, Guest, Header, LayoutError, Payment, PaymentKind, Receipt, ReceiptLine,
    TaxTotal,
};
pub use fiscal_host_guest::types::{
    Align, Cashier, Correction, CorrectionBasis, Date, DateTime, DocumentKind, Element, Text,
    TextSize, Vat,
};

/// CHANGE: the paper widths (in characters) your layout is designed for.
const WIDTHS: std::ops::RangeInclusive<u32> = 24..=64;

pub struct TemplateLayout;

impl Guest for TemplateLayout {
    fn render(r: Receipt, width: u32) -> Result<Vec<Element>, LayoutError> {
        if !WIDTHS.contains(&width) {
            return Err(LayoutError::UnsupportedWidth(width));
        }
        if r.lines.is_empty() {
            return Err(LayoutError::InvalidReceipt("no lines".into()));
        }
        let mut p = Paper {
            width: width as usize,
            out: Vec::new(),
        };
        // CHANGE: the header. Add a slogan, drop the address, reorder freely.
        p.center(&r.header.organisation, true);
        // The receipt names its taxpayer number ("ИНН", "БИН", "STIR") and its tax ("НДС", "QQS").
        if let Some(tax_id) = &r.header.tax_id {
            p.center(format!("{} {tax_id}", r.tax_id_label).trim(), false);
        }
        let tax = &r.tax_name;
        for line in r.header.address.iter().chain(&r.header.lines) {
            p.center(line, false);
        }
        let kind = match r.kind {
            DocumentKind::Sale => "ПРИХОД",
            DocumentKind::SaleReturn => "ВОЗВРАТ ПРИХОДА",
            DocumentKind::Expense => "РАСХОД",
            DocumentKind::ExpenseReturn => "ВОЗВРАТ РАСХОДА",
        };
        let title = match r.correction {
            Some(_) => "КАССОВЫЙ ЧЕК КОРРЕКЦИИ",
            None => "КАССОВЫЙ ЧЕК",
        };
        p.center(&format!("{title} {kind}"), true);
        // Keep this: a receipt the register did not fiscalise must say so.
        if r.fiscal.is_none() {
            p.center(NOT_FISCAL, true);
        }
        // The register's time when there is one, so the paper matches the QR code.
        let t = r.fiscal.as_ref().map_or(&r.date_time, |f| &f.date_time);
        let (d, hour, minute) = (&t.date, t.hour, t.minute);
        let date = format!(
            "{:02}.{:02}.{} {hour:02}:{minute:02}",
            d.day, d.month, d.year
        );
        let cashier = r
            .cashier
            .as_ref()
            .map_or(String::new(), |c| format!("Кассир: {}", c.name));
        p.row(&date, &cashier, false);
        p.out.push(Element::Separator('-'));
        // CHANGE: one block per item. Keep the VAT row: Russian receipts must show it.
        for line in &r.lines {
            // Keep this: a line with a marking code carries the sign [М].
            let marked = if line.marked { "[М] " } else { "" };
            p.row(&format!("{marked}{}", line.name), "", false);
            let price = format!("{} x {}", quantity(line.quantity), money(line.price));
            p.row(&price, &format!("={}", money(line.amount)), false);
            match line.vat {
                Vat::Rate(rate) => {
                    p.row(&format!("{tax} {}%", rate / 100), &money(line.tax), false)
                }
                Vat::Computed(rate) => {
                    let label = format!("{tax} {}/{}", rate / 100, rate / 100 + 100);
                    p.row(&label, &money(line.tax), false);
                }
                Vat::None => p.row(&format!("БЕЗ {tax}"), "", false),
            }
        }
        p.out.push(Element::Separator('-'));
        p.row("ИТОГ", &format!("={}", money(r.total)), true);
        for payment in &r.payments {
            let label = match payment.kind {
                PaymentKind::Cash => "НАЛИЧНЫМИ",
                PaymentKind::Cashless => "БЕЗНАЛИЧНЫМИ",
                PaymentKind::Prepayment => "ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА (АВАНС)",
                PaymentKind::Credit => "ПОСТОПЛАТА (КРЕДИТ)",
                PaymentKind::CounterProvision => "ВСТРЕЧНОЕ ПРЕДОСТАВЛЕНИЕ",
                PaymentKind::Bonuses => "БОНУСАМИ",
                PaymentKind::Installment => "РАССРОЧКА",
            };
            p.row(label, &format!("={}", money(payment.amount)), false);
            // The change handed back from the cash received.
            if payment.kind == PaymentKind::Cash && r.change > 0 {
                p.row(&format!("СДАЧА {}", money(r.change)), "", false);
            }
        }
        // Keep this: the fiscal requisites and the QR code the buyer scans to check the receipt.
        if let Some(f) = &r.fiscal {
            p.row("ФН", &f.fn_number, false);
            p.row("ФД", &f.document_number.to_string(), false);
            p.row("ФП", &f.fiscal_sign, false);
            p.out.push(Element::Qr(fiscal_qr(&r, f)));
        }
        // CHANGE: the footer; e.g. push an Element::Barcode for a loyalty coupon.
        for line in &r.footer {
            p.center(line, false);
        }
        p.out.extend([Element::Feed(3), Element::Cut]);
        Ok(p.out)
    }
}

// Outside Wasm (native tests) this expands to nothing.
fiscal_host_guest::layout::export!(TemplateLayout);

const NOT_FISCAL: &str = "НЕ ЯВЛЯЕТСЯ ФИСКАЛЬНЫМ ДОКУМЕНТОМ";

/// The fiscal QR string: t=YYYYMMDDTHHMM&s=RUB.KK&fn=…&i=…&fp=…&n=<FFD tag 1054>.
pub fn fiscal_qr(r: &Receipt, f: &FiscalRequisites) -> String {
    let t = &f.date_time;
    let n = match r.kind {
        DocumentKind::Sale => 1,
        DocumentKind::SaleReturn => 2,
        DocumentKind::Expense => 3,
        DocumentKind::ExpenseReturn => 4,
    };
    format!(
        "t={:04}{:02}{:02}T{:02}{:02}&s={}&fn={}&i={}&fp={}&n={n}",
        t.date.year,
        t.date.month,
        t.date.day,
        t.hour,
        t.minute,
        money(r.total),
        f.fn_number,
        f.document_number,
        f.fiscal_sign
    )
}

/// Minor units (kopecks) as printed: 24690 -> "246.90".
pub fn money(minor: i64) -> String {
    let (sign, minor) = (if minor < 0 { "-" } else { "" }, minor.unsigned_abs());
    format!("{sign}{}.{:02}", minor / 100, minor % 100)
}

/// Thousandths as printed: 2000 -> "2", 250 -> "0.25".
pub fn quantity(q: i64) -> String {
    let (sign, q) = (if q < 0 { "-" } else { "" }, q.unsigned_abs());
    let s = format!("{sign}{}.{:03}", q / 1000, q % 1000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The elements so far, and the paper width every text line must fit.
struct Paper {
    width: usize,
    out: Vec<Element>,
}

impl Paper {
    fn text(&mut self, content: String, align: Align, bold: bool) {
        let size = TextSize::Normal; // CHANGE: Double makes a line twice as wide: half the width.
        self.out.push(Element::Text(Text {
            content,
            align,
            bold,
            size,
        }));
    }

    fn center(&mut self, s: &str, bold: bool) {
        for line in wrap(s, self.width) {
            self.text(line, Align::Center, bold);
        }
    }

    /// `left` and `right` on one line padded to the width; if too long, `right` moves below.
    fn row(&mut self, left: &str, right: &str, bold: bool) {
        let (l, r) = (left.chars().count(), right.chars().count());
        if r > 0 && l + 1 + r <= self.width {
            let line = format!("{left}{}{right}", " ".repeat(self.width - l - r));
            return self.text(line, Align::Left, bold);
        }
        for line in wrap(left, self.width) {
            self.text(line, Align::Left, bold);
        }
        for line in wrap(right, self.width)
            .into_iter()
            .filter(|line| !line.is_empty())
        {
            self.text(line, Align::Right, bold);
        }
    }
}

/// Word-wraps to `width` characters (chars, not bytes: Cyrillic is 2 bytes in UTF-8).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in s.split_whitespace() {
        let mut chars: Vec<char> = word.chars().collect();
        let last = lines.last_mut().unwrap();
        let used = last.chars().count();
        if used > 0 && used + 1 + chars.len() <= width {
            last.push(' ');
            last.extend(chars);
            continue;
        }
        if used > 0 {
            lines.push(String::new());
        }
        // A word longer than the paper is cut into paper-wide pieces.
        while chars.len() > width {
            let rest = chars.split_off(width);
            *lines.last_mut().unwrap() = chars.into_iter().collect();
            lines.push(String::new());
            chars = rest;
        }
        lines.last_mut().unwrap().extend(chars);
    }
    lines
}
