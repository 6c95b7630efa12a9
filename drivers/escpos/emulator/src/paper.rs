//! What the emulated printer put on paper: one item per printed line, symbol, feed or cut,
//! plus a mark where it skipped a command it does not know. Pure data: the terminal echo
//! (`echo.rs`) is drawn from these items, never from the bytes.

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

/// The print modes of a run of characters: `ESC E` / `ESC !` bold, `ESC -` underline,
/// `GS B` white-on-black, `GS !` / `ESC !` size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub bold: bool,
    pub underline: bool,
    pub inverted: bool,
    pub size: Size,
}

impl Style {
    /// Whether `PaperItem::Line` (bold and size only) can say this style.
    pub fn is_plain(&self) -> bool {
        !self.underline && !self.inverted
    }
}

/// Characters printed in one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub style: Style,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaperItem {
    /// A printed line in one style with neither underline nor reverse (what the driver
    /// prints), decoded to UTF-8. An empty line (a bare LF) has the modes in force then.
    Line {
        text: String,
        align: Align,
        bold: bool,
        size: Size,
    },
    /// Any other printed line: underlined or white-on-black, or whose modes change midway.
    /// Adjacent characters of one style are one span; there is at least one span.
    StyledLine {
        align: Align,
        spans: Vec<Span>,
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
    /// A command the emulator does not know, as the bytes it skipped (`ESC x`, `GS x`,
    /// `FS x`, or three bytes for an unknown function of `GS V` / `GS k`). Nothing is printed
    /// for it; it sits where it came in the stream, before the line it interrupted.
    Unknown(Vec<u8>),
}

impl PaperItem {
    /// The text of a printed line (either kind), `None` for anything else.
    pub fn line_text(&self) -> Option<String> {
        match self {
            PaperItem::Line { text, .. } => Some(text.clone()),
            PaperItem::StyledLine { spans, .. } => {
                Some(spans.iter().map(|s| s.text.as_str()).collect())
            }
            _ => None,
        }
    }
}
