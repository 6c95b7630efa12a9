//! What the emulated printer put on paper: one item per printed line, symbol, feed or cut.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// Character magnification, 1..=8 each way (`GS !`, or `ESC !` for 1 and 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub width: u8,
    pub height: u8,
}

impl Size {
    pub const NORMAL: Size = Size {
        width: 1,
        height: 1,
    };
    pub const DOUBLE_WIDTH: Size = Size {
        width: 2,
        height: 1,
    };
    pub const DOUBLE_HEIGHT: Size = Size {
        width: 1,
        height: 2,
    };
    pub const DOUBLE: Size = Size {
        width: 2,
        height: 2,
    };
}

impl Default for Size {
    fn default() -> Self {
        Size::NORMAL
    }
}

/// The symbology of a `GS k` barcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarcodeKind {
    UpcA,
    UpcE,
    Ean13,
    Ean8,
    Code39,
    Itf,
    Codabar,
    Code93,
    Code128,
    /// Any other `m` of `GS k` (GS1 kinds and the like).
    Other(u8),
}

impl BarcodeKind {
    /// The kind of `GS k m`, function A (m = 0..6) or B (m = 65..).
    pub fn from_m(m: u8) -> Self {
        match m {
            0 | 65 => BarcodeKind::UpcA,
            1 | 66 => BarcodeKind::UpcE,
            2 | 67 => BarcodeKind::Ean13,
            3 | 68 => BarcodeKind::Ean8,
            4 | 69 => BarcodeKind::Code39,
            5 | 70 => BarcodeKind::Itf,
            6 | 71 => BarcodeKind::Codabar,
            72 => BarcodeKind::Code93,
            73 => BarcodeKind::Code128,
            other => BarcodeKind::Other(other),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaperItem {
    /// A printed line, decoded to UTF-8, with the modes of its first character.
    Line {
        text: String,
        align: Align,
        bold: bool,
        size: Size,
    },
    /// A QR code of this content (its bytes read as UTF-8).
    Qr(String),
    /// A barcode; CODE128 data without its code-set selectors (`{B`) and with `{{` as `{`.
    Barcode {
        kind: BarcodeKind,
        data: String,
    },
    /// `ESC d n`: `n` empty lines fed.
    Feed(u8),
    Cut {
        partial: bool,
    },
}

/// One line of a terminal echo of the paper.
impl fmt::Display for PaperItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaperItem::Line { text, .. } => f.write_str(text),
            PaperItem::Qr(data) => write!(f, "[QR {data}]"),
            PaperItem::Barcode { kind, data } => write!(f, "[{kind:?} {data}]"),
            PaperItem::Feed(n) => write!(f, "[feed {n}]"),
            PaperItem::Cut { partial: true } => f.write_str("[partial cut]"),
            PaperItem::Cut { partial: false } => f.write_str("[full cut]"),
        }
    }
}
