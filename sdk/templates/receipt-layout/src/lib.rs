//! {{name}}: a receipt layout as a `receipt-layout` component.

use fiscal_host_guest::layout::{self, Align, Element, LayoutError, Receipt, Text, TextSize};

/// The component.
pub struct Layout;

impl layout::Guest for Layout {
    fn render(receipt: Receipt, width: u32) -> Result<Vec<Element>, LayoutError> {
        if width < 24 {
            return Err(LayoutError::UnsupportedWidth(width));
        }
        let width = width as usize;
        let mut out = vec![text(&receipt.header.organisation, Align::Center, true)];
        if let Some(id) = &receipt.header.tax_id {
            out.push(text(
                &format!("{} {id}", receipt.tax_id_label),
                Align::Center,
                false,
            ));
        }
        out.push(Element::Separator('-'));
        for line in &receipt.lines {
            let name = if line.marked {
                format!("[М] {}", line.name)
            } else {
                line.name.clone()
            };
            out.push(text(
                &two_columns(&name, &money(line.amount), width),
                Align::Left,
                false,
            ));
        }
        out.push(Element::Separator('-'));
        for tax in &receipt.taxes {
            out.push(text(
                &two_columns(&receipt.tax_name, &money(tax.tax), width),
                Align::Left,
                false,
            ));
        }
        out.push(text(
            &two_columns("TOTAL", &money(receipt.total), width),
            Align::Left,
            true,
        ));
        if receipt.change > 0 {
            out.push(text(
                &two_columns("CHANGE", &money(receipt.change), width),
                Align::Left,
                false,
            ));
        }
        if receipt.fiscal.is_none() {
            out.push(text("NOT A FISCAL DOCUMENT", Align::Center, false));
        }
        out.push(Element::Feed(3));
        out.push(Element::Cut);
        Ok(out)
    }
}

fiscal_host_guest::layout::export!(Layout);

fn text(content: &str, align: Align, bold: bool) -> Element {
    Element::Text(Text {
        content: content.to_string(),
        align,
        bold,
        size: TextSize::Normal,
    })
}

/// Minor units with two decimals: 12345 → "123.45".
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        minor.unsigned_abs() / 100,
        minor.unsigned_abs() % 100
    )
}

/// `left` and `right` on one line of `width` characters (left cut to fit).
pub fn two_columns(left: &str, right: &str, width: usize) -> String {
    let room = width.saturating_sub(right.chars().count() + 1);
    let left: String = left.chars().take(room).collect();
    let pad = width - left.chars().count() - right.chars().count();
    format!("{left}{}{right}", " ".repeat(pad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fill_the_width() {
        assert_eq!(two_columns("Milk", "1.20", 12), "Milk    1.20");
        assert_eq!(
            two_columns("A very long name", "1.20", 12).chars().count(),
            12
        );
        assert_eq!(money(12345), "123.45");
        assert_eq!(money(-5), "-0.05");
    }
}
