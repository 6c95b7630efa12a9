//! A receipt on paper, for previews: what a layout plugin's elements look like on a receipt
//! printer of `width` columns, as styled lines and as an SVG picture of the paper, without a
//! printer. The rules are the ESC/POS printer's (`drivers/escpos`): a line holds `width`
//! characters, double-width characters take two columns each, longer text wraps, a separator
//! fills the line, a feed is empty lines, a cut ends the paper.
//!
//! The QR code's modules come from the `qrcode` crate, the barcodes' bars from `barcoders`,
//! and the picture is composed with the `svg` crate: none of them is drawn by hand.

use serde::Serialize;
use svg::Document;
use svg::node::element::{Group, Line, Rectangle, Text as SvgText};

use crate::plugins::contract::print::{Align, BarcodeKind, Element, Text, TextSize};

/// One printed line of the copy, as a preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaperLine {
    /// `text` is already aligned and padded to the paper's width (in columns of its size).
    Text {
        text: String,
        bold: bool,
        size: Size,
    },
    Qr {
        data: String,
    },
    Barcode {
        symbology: &'static str,
        data: String,
        /// What the picture encodes the bars by.
        #[serde(skip)]
        kind: BarcodeKind,
    },
    Cut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Size {
    Normal,
    DoubleWidth,
    DoubleHeight,
    Double,
}

impl Size {
    fn of(size: TextSize) -> Self {
        match size {
            TextSize::Normal => Size::Normal,
            TextSize::DoubleWidth => Size::DoubleWidth,
            TextSize::DoubleHeight => Size::DoubleHeight,
            TextSize::Double => Size::Double,
        }
    }

    fn columns(self) -> usize {
        match self {
            Size::DoubleWidth | Size::Double => 2,
            Size::Normal | Size::DoubleHeight => 1,
        }
    }

    fn rows(self) -> usize {
        match self {
            Size::DoubleHeight | Size::Double => 2,
            Size::Normal | Size::DoubleWidth => 1,
        }
    }
}

/// The copy laid out: its lines and the picture.
#[derive(Debug, Clone, Serialize)]
pub struct Paper {
    pub width: u32,
    pub lines: Vec<PaperLine>,
    pub svg: String,
}

/// Lays `elements` out on paper `width` columns wide.
pub fn lay_out(elements: &[Element], width: u32) -> Paper {
    let columns = width.max(1) as usize;
    let mut lines = Vec::new();
    for element in elements {
        match element {
            Element::Text(text) => lines.extend(text_lines(text, columns)),
            Element::Separator(c) => lines.push(PaperLine::Text {
                text: c.to_string().repeat(columns),
                bold: false,
                size: Size::Normal,
            }),
            Element::Qr(data) => lines.push(PaperLine::Qr { data: data.clone() }),
            Element::Barcode(b) => lines.push(PaperLine::Barcode {
                symbology: symbology(b.kind),
                data: b.data.clone(),
                kind: b.kind,
            }),
            Element::Feed(n) => lines.extend((0..*n).map(|_| PaperLine::Text {
                text: " ".repeat(columns),
                bold: false,
                size: Size::Normal,
            })),
            Element::Cut => lines.push(PaperLine::Cut),
        }
    }
    let svg = picture(&lines, columns);
    Paper { width, lines, svg }
}

fn symbology(kind: BarcodeKind) -> &'static str {
    match kind {
        BarcodeKind::Ean13 => "ean13",
        BarcodeKind::Ean8 => "ean8",
        BarcodeKind::Code128 => "code128",
        BarcodeKind::Code39 => "code39",
        BarcodeKind::UpcA => "upc-a",
    }
}

/// A text element as the printer prints it: wrapped at the columns its size leaves, each piece
/// aligned and padded to the line.
fn text_lines(text: &Text, columns: usize) -> Vec<PaperLine> {
    let size = Size::of(text.size);
    let fit = (columns / size.columns()).max(1);
    let chars: Vec<char> = text.content.chars().collect();
    let pieces: Vec<String> = if chars.is_empty() {
        vec![String::new()]
    } else {
        chars.chunks(fit).map(|c| c.iter().collect()).collect()
    };
    pieces
        .into_iter()
        .map(|piece| {
            let pad = fit - piece.chars().count();
            let (left, right) = match text.align {
                Align::Left => (0, pad),
                Align::Center => (pad / 2, pad - pad / 2),
                Align::Right => (pad, 0),
            };
            PaperLine::Text {
                text: format!("{}{piece}{}", " ".repeat(left), " ".repeat(right)),
                bold: text.bold,
                size,
            }
        })
        .collect()
}

/// One column of normal text, in SVG user units (pixels at 1:1).
const CELL: usize = 10;
/// One row of normal text.
const ROW: usize = 20;
const MARGIN: usize = 12;
/// One QR module and one barcode bar.
const QR_MODULE: usize = 4;
const BAR: usize = 2;
const BAR_HEIGHT: usize = 56;

/// The paper as an SVG: white paper, monospace text, the QR code's dark modules and the bars
/// as rectangles, a dashed cut line.
fn picture(lines: &[PaperLine], columns: usize) -> String {
    let paper_width = columns * CELL + 2 * MARGIN;
    let mut y = MARGIN;
    let mut content = Group::new()
        .set("font-family", "DejaVu Sans Mono, Consolas, monospace")
        .set("font-size", 16);
    for line in lines {
        match line {
            PaperLine::Text { text, bold, size } => {
                let height = ROW * size.rows();
                // No-break spaces: SVG collapses ordinary ones, and the columns are the layout.
                let mut t = SvgText::new(text.replace(' ', "\u{a0}"))
                    .set("x", MARGIN)
                    .set("y", y + height - 5)
                    .set("textLength", text.chars().count() * CELL * size.columns())
                    .set("lengthAdjust", "spacingAndGlyphs")
                    .set("font-size", 16 * size.rows());
                if *bold {
                    t = t.set("font-weight", "bold");
                }
                content = content.add(t);
                y += height;
            }
            PaperLine::Qr { data } => {
                let (group, height) = qr(data, paper_width, y);
                content = content.add(group);
                y += height;
            }
            PaperLine::Barcode { data, kind, .. } => {
                let (group, height) = barcode(*kind, data, paper_width, y);
                content = content.add(group);
                y += height;
            }
            PaperLine::Cut => {
                content = content.add(
                    Line::new()
                        .set("x1", 0)
                        .set("x2", paper_width)
                        .set("y1", y + ROW / 2)
                        .set("y2", y + ROW / 2)
                        .set("stroke", "#888")
                        .set("stroke-dasharray", "6 4"),
                );
                y += ROW;
            }
        }
    }
    let height = y + MARGIN;
    let paper = Rectangle::new()
        .set("width", paper_width)
        .set("height", height)
        .set("fill", "#fff");
    Document::new()
        .set("width", paper_width)
        .set("height", height)
        .set("viewBox", (0, 0, paper_width, height))
        .add(paper)
        .add(content)
        .to_string()
}

/// A QR code centred on the paper; a string no QR code holds is said in words.
fn qr(data: &str, paper_width: usize, y: usize) -> (Group, usize) {
    let Ok(code) = qrcode::QrCode::new(data.as_bytes()) else {
        return (
            Group::new().add(
                SvgText::new(format!("[QR: {} bytes do not fit]", data.len()))
                    .set("x", MARGIN)
                    .set("y", y + ROW - 5),
            ),
            ROW,
        );
    };
    let modules = code.width();
    let size = modules * QR_MODULE;
    let left = paper_width.saturating_sub(size) / 2;
    let mut group = Group::new().set("fill", "#000");
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == qrcode::Color::Dark {
            group = group.add(
                Rectangle::new()
                    .set("x", left + (i % modules) * QR_MODULE)
                    .set("y", y + ROW / 2 + (i / modules) * QR_MODULE)
                    .set("width", QR_MODULE)
                    .set("height", QR_MODULE),
            );
        }
    }
    (group, size + ROW)
}

/// The bars of a barcode (1 a bar, 0 a space), as `barcoders` encodes the symbology.
fn bars(kind: BarcodeKind, data: &str) -> Option<Vec<u8>> {
    use barcoders::sym::{code39::Code39, code128::Code128, ean8::EAN8, ean13::EAN13};
    match kind {
        BarcodeKind::Ean13 => EAN13::new(data).ok().map(|c| c.encode()),
        // UPC-A is EAN-13 with a leading 0.
        BarcodeKind::UpcA => EAN13::new(format!("0{data}")).ok().map(|c| c.encode()),
        BarcodeKind::Ean8 => EAN8::new(data).ok().map(|c| c.encode()),
        BarcodeKind::Code39 => Code39::new(data).ok().map(|c| c.encode()),
        // 'Ɓ' starts the code in character set B (printable ASCII), as a printer does.
        BarcodeKind::Code128 => Code128::new(format!("Ɓ{data}")).ok().map(|c| c.encode()),
    }
}

/// A barcode centred on the paper with its text under it; data the symbology cannot hold is
/// said in words.
fn barcode(kind: BarcodeKind, data: &str, paper_width: usize, y: usize) -> (Group, usize) {
    let Some(modules) = bars(kind, data) else {
        return (
            Group::new().add(
                SvgText::new(format!("[barcode: {data:?} is not valid]"))
                    .set("x", MARGIN)
                    .set("y", y + ROW - 5),
            ),
            ROW,
        );
    };
    let left = paper_width.saturating_sub(modules.len() * BAR) / 2;
    let mut group = Group::new().set("fill", "#000");
    for (i, _) in modules.iter().enumerate().filter(|(_, m)| **m == 1) {
        group = group.add(
            Rectangle::new()
                .set("x", left + i * BAR)
                .set("y", y + 4)
                .set("width", BAR)
                .set("height", BAR_HEIGHT),
        );
    }
    group = group.add(
        SvgText::new(data.to_owned())
            .set("x", paper_width / 2)
            .set("y", y + BAR_HEIGHT + ROW)
            .set("text-anchor", "middle"),
    );
    (group, BAR_HEIGHT + ROW + 6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::contract::print::Barcode;

    fn text(content: &str, align: Align, size: TextSize) -> Element {
        Element::Text(Text {
            content: content.into(),
            align,
            bold: false,
            size,
        })
    }

    fn texts(paper: &Paper) -> Vec<String> {
        paper
            .lines
            .iter()
            .filter_map(|l| match l {
                PaperLine::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn text_is_aligned_wrapped_and_double_width_takes_two_columns() {
        let paper = lay_out(
            &[
                text("ИТОГ", Align::Center, TextSize::Normal),
                text("=1000.00", Align::Right, TextSize::Double),
                text("абвгдежзийк", Align::Left, TextSize::Normal),
                Element::Separator('-'),
                Element::Feed(1),
            ],
            10,
        );
        assert_eq!(
            texts(&paper),
            [
                "   ИТОГ   ",
                "=1000",
                "  .00",
                "абвгдежзий",
                "к         ",
                "----------",
                "          "
            ]
        );
        assert!(matches!(
            paper.lines[1],
            PaperLine::Text {
                size: Size::Double,
                ..
            }
        ));
    }

    #[test]
    fn the_picture_draws_a_real_qr_code_bars_and_the_cut() {
        let qr_data = "t=20261202T1200&s=100.00&fn=9999078900000000&i=1&fp=123&n=1";
        let paper = lay_out(
            &[
                text("ЧЕК", Align::Center, TextSize::Normal),
                Element::Qr(qr_data.into()),
                Element::Barcode(Barcode {
                    kind: BarcodeKind::Ean13,
                    data: "460123456789".into(),
                }),
                Element::Cut,
            ],
            42,
        );
        assert_eq!(
            paper.lines[1],
            PaperLine::Qr {
                data: qr_data.into()
            }
        );
        let svg = &paper.svg;
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("ЧЕК"), "{svg}");
        // The QR code's dark modules, as the crate computes them, are each one square.
        let code = qrcode::QrCode::new(qr_data.as_bytes()).unwrap();
        let dark = code
            .to_colors()
            .iter()
            .filter(|c| **c == qrcode::Color::Dark)
            .count();
        let squares = svg.matches(&format!("height=\"{QR_MODULE}\"")).count();
        assert_eq!(squares, dark);
        // EAN-13 is 95 modules; its bars and the number under them.
        let bars = bars(BarcodeKind::Ean13, "460123456789").unwrap();
        assert_eq!(bars.len(), 95);
        let drawn = svg.matches(&format!("height=\"{BAR_HEIGHT}\"")).count();
        assert_eq!(drawn, bars.iter().filter(|b| **b == 1).count());
        assert!(svg.contains("460123456789"));
        assert!(svg.contains("stroke-dasharray"), "the cut line");
    }

    #[test]
    fn data_a_symbology_cannot_hold_is_said_not_drawn() {
        let paper = lay_out(
            &[Element::Barcode(Barcode {
                kind: BarcodeKind::Ean8,
                data: "not digits".into(),
            })],
            32,
        );
        assert!(paper.svg.contains("is not valid"), "{}", paper.svg);
    }
}
