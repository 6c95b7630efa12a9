//! Non-fiscal printing: WIT print elements as register commands.
//!
//! Text prints with print string (17h); double-width and double text with the bold
//! double-width string (12h), the one size change the protocol offers for plain lines
//! (double height alone has none, so it prints at normal size; so does bold at normal
//! width). Alignment is done with spaces. Separators are a line of their character, feeds
//! use 29h, cuts 25h. A barcode prints as its text; a QR code is skipped with a log line:
//! the register prints its own fiscal QR code on fiscal receipts, and its 2D-barcode
//! commands need the data uploaded in blocks first, which this driver does not do.

use driver_kit::Port;

use crate::commands::{
    self, FLAG_COVER_OPEN, FLAG_RECEIPT_ROLL, RECEIPT_STATION, Request, SUBMODE_NO_PAPER_ACTIVE,
    SUBMODE_NO_PAPER_PASSIVE, mode_text, submode_text,
};
use crate::driver::{LogLevel, Shtrih};
use crate::text;
use crate::types::*;

/// `content` aligned within `width` columns (cut when longer).
fn align(content: &str, how: Align, width: usize) -> String {
    let content: String = content.chars().take(width).collect();
    let free = width - text::width(&content);
    let left = match how {
        Align::Left => 0,
        Align::Center => free / 2,
        Align::Right => free,
    };
    format!("{}{content}", " ".repeat(left))
}

/// The commands for `elements` on paper `width` columns wide, and log notes for what
/// could not be printed.
pub fn requests(elements: &[Element], width: u32, password: u32) -> (Vec<Request>, Vec<String>) {
    let normal = width as usize;
    let double = width as usize / 2;
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for element in elements {
        match element {
            Element::Text(t) => match t.size {
                TextSize::DoubleWidth | TextSize::Double => out.push(commands::print_bold(
                    password,
                    RECEIPT_STATION,
                    &align(&t.content, t.align, double),
                )),
                TextSize::Normal | TextSize::DoubleHeight => out.push(commands::print_string(
                    password,
                    RECEIPT_STATION,
                    &align(&t.content, t.align, normal),
                )),
            },
            Element::Separator(c) => out.push(commands::print_string(
                password,
                RECEIPT_STATION,
                &c.to_string().repeat(normal),
            )),
            Element::Qr(data) => notes.push(format!(
                "QR code not printed ({} characters): no QR printing in this driver",
                data.chars().count()
            )),
            Element::Barcode(b) => out.push(commands::print_string(
                password,
                RECEIPT_STATION,
                &align(&b.data, Align::Center, normal),
            )),
            Element::Feed(0) => {}
            Element::Feed(n) => out.push(commands::feed(password, RECEIPT_STATION, *n)),
            Element::Cut => out.push(commands::cut(password, false)),
        }
    }
    (out, notes)
}

impl<P: Port> Shtrih<P> {
    /// The `printer` interface's status, from the full status (11h): paper, cover, and ready
    /// to print when the roll is in and the cover closed.
    pub fn printer_status(&mut self) -> Result<PrinterStatus, DriverError> {
        let st = self.full_status()?;
        let paper_present = st.flags & FLAG_RECEIPT_ROLL != 0
            && !matches!(
                st.submode,
                SUBMODE_NO_PAPER_PASSIVE | SUBMODE_NO_PAPER_ACTIVE
            );
        let cover_open = st.flags & FLAG_COVER_OPEN != 0;
        Ok(PrinterStatus {
            online: paper_present && !cover_open,
            paper_present,
            cover_open,
            vendor_code: (st.mode as u32) << 8 | st.submode as u32,
            vendor_text: format!("{}; {}", mode_text(st.mode), submode_text(st.submode)),
        })
    }

    /// Prints non-fiscal elements.
    pub fn print(&mut self, elements: Vec<Element>) -> Result<(), DriverError> {
        let width = self.paper_width();
        let (requests, notes) = requests(&elements, width, self.password());
        for note in &notes {
            self.log(LogLevel::Info, note);
        }
        for req in &requests {
            self.call(req)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{CUT, FEED, PRINT_BOLD, PRINT_STRING};

    fn text(content: &str, align: Align, size: TextSize) -> Element {
        Element::Text(Text {
            content: content.into(),
            align,
            bold: false,
            size,
        })
    }

    #[test]
    fn elements_become_commands() {
        let (reqs, notes) = requests(
            &[
                text("ИТОГ", Align::Center, TextSize::Double),
                text("abc", Align::Right, TextSize::Normal),
                Element::Separator('-'),
                Element::Qr("t=20260301T1200&s=100.00".into()),
                Element::Feed(3),
                Element::Feed(0),
                Element::Cut,
            ],
            32,
            30,
        );
        let codes: Vec<_> = reqs.iter().map(|r| r.code).collect();
        assert_eq!(codes, [PRINT_BOLD, PRINT_STRING, PRINT_STRING, FEED, CUT]);
        assert_eq!(notes.len(), 1);
        // Bold: 16 columns on 32-column paper, "ИТОГ" centred: 6 spaces first.
        assert_eq!(&reqs[0].data[5..15], b"      \xC8\xD2\xCE\xC3");
        // Right-aligned in 32 columns: 29 spaces, then the text, then NUL padding to 40.
        assert_eq!(&reqs[1].data[5 + 29..5 + 32], b"abc");
        assert_eq!(reqs[1].data[5 + 32], 0);
        assert_eq!(&reqs[2].data[5..5 + 32], [b'-'; 32]);
        assert_eq!(reqs[3].data[4..], [RECEIPT_STATION, 3]);
    }

    #[test]
    fn long_text_is_cut_to_the_width() {
        assert_eq!(align("abcdef", Align::Left, 4), "abcd");
        assert_eq!(align("ab", Align::Center, 5), " ab");
    }
}
