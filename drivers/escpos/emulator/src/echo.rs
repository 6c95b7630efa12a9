//! The terminal echo of the paper (`--echo`): every paper item as text rows, for a shop
//! administrator or a layout integrator watching what a receipt would look like. Drawn from the
//! paper model only, never from the bytes. The notation is documented in the README ("Echo").
//!
//! A printed line is a prefix column and the paper row between bars, the text set by its
//! alignment in a frame of the paper's width in characters:
//!
//! ```text
//! C B     2x2 |              ООО "Ромашка"               |
//! ```
//!
//! The prefix is the alignment (`L`, `C`, `R`; `+` for the rest of a line the printer wrapped),
//! then one slot each for bold `B`, underline `U` and white-on-black `I`, then the size as
//! width×height magnification (`2x1` double width, `1x2` double height, blank at 1x1). Text
//! whose style differs from the rest of its row is tagged inline, `[B]145.00[/]`, listing what
//! it has beyond the prefix. Wrapping counts paper columns (a double-width character takes
//! two); the frame shows each character once, so a wide line looks narrower than it prints and
//! its size slot says so. Symbols, feeds, cuts and unknown commands are one bracketed row each.
//! With `ansi`, bold, underline and reverse are shown as terminal styles instead of tags (the
//! prefix stays: a terminal cannot show sizes).

use std::fmt::Write;

use crate::{Align, BarcodeKind, PaperItem, Size, Span, Style};

/// How the echo draws: the paper's width in characters at 1x1 and whether to use ANSI styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Echo {
    pub width: usize,
    pub ansi: bool,
}

impl Default for Echo {
    fn default() -> Self {
        Echo {
            width: Echo::DEFAULT_WIDTH,
            ansi: false,
        }
    }
}

const BOLD: &str = "\x1b[1m";
const UNDERLINE: &str = "\x1b[4m";
const REVERSE: &str = "\x1b[7m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[31m";
const RESET: &str = "\x1b[0m";

impl Echo {
    /// 80 mm paper in font A, as the driver's `width` setting defaults.
    pub const DEFAULT_WIDTH: usize = 48;

    /// The rows of one paper item.
    pub fn render(&self, item: &PaperItem) -> Vec<String> {
        match item {
            PaperItem::Line {
                text,
                align,
                bold,
                size,
            } => {
                let span = Span {
                    text: text.clone(),
                    style: Style {
                        bold: *bold,
                        size: *size,
                        ..Style::default()
                    },
                };
                self.line(*align, std::slice::from_ref(&span))
            }
            PaperItem::StyledLine { align, spans } => self.line(*align, spans),
            PaperItem::Qr(data) => vec![self.mark(&format!("[QR {data}]"), DIM)],
            PaperItem::Barcode { kind, data } => {
                vec![self.mark(&format!("[barcode {} {data}]", kind_name(*kind)), DIM)]
            }
            PaperItem::Feed(n) => {
                let lines = if *n == 1 { "line" } else { "lines" };
                vec![self.mark(&format!("[feed {n} {lines}]"), DIM)]
            }
            PaperItem::Cut { partial: true } => vec![self.mark("[partial cut]", DIM)],
            PaperItem::Cut { partial: false } => vec![self.mark("[full cut]", DIM)],
            PaperItem::Unknown(bytes) => vec![self.mark(&unknown(bytes), RED)],
        }
    }

    fn mark(&self, text: &str, ansi: &str) -> String {
        if self.ansi {
            format!("{ansi}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    /// A line as the rows the printer makes of it: a new row whenever the next character
    /// would pass the paper's width.
    fn line(&self, align: Align, spans: &[Span]) -> Vec<String> {
        let mut rows: Vec<Vec<Span>> = vec![Vec::new()];
        let mut used = 0;
        for span in spans {
            let columns = usize::from(span.style.size.width.max(1));
            for c in span.text.chars() {
                let row = rows.last_mut().expect("never empty");
                if used + columns > self.width && !row.is_empty() {
                    rows.push(Vec::new());
                    used = 0;
                }
                used += columns;
                let row = rows.last_mut().expect("never empty");
                match row.last_mut() {
                    Some(last) if last.style == span.style => last.text.push(c),
                    _ => row.push(Span {
                        text: c.into(),
                        style: span.style,
                    }),
                }
            }
        }
        if used == 0 {
            // No characters (a bare LF): the row still shows the modes it was fed in.
            rows = vec![spans.to_vec()];
        }
        rows.iter()
            .enumerate()
            .map(|(k, row)| self.row(if k == 0 { Some(align) } else { None }, align, row))
            .collect()
    }

    /// One paper row: `first` is the line's alignment on its first row, `None` on the rows
    /// wrapped from it.
    fn row(&self, first: Option<Align>, align: Align, spans: &[Span]) -> String {
        let common = Common::of(spans);
        let mut body = String::new();
        let mut shown = 0;
        for span in spans {
            let tag = common.beyond(&span.style, !self.ansi);
            let styled =
                self.ansi && (span.style.bold || span.style.underline || span.style.inverted);
            if self.ansi {
                let s = span.style;
                for (on, code) in [
                    (s.bold, BOLD),
                    (s.underline, UNDERLINE),
                    (s.inverted, REVERSE),
                ] {
                    if on {
                        body.push_str(code);
                    }
                }
            }
            if !tag.is_empty() {
                let open = format!("[{tag}]");
                shown += open.len() + 3;
                body.push_str(&open);
            }
            body.push_str(&span.text);
            shown += span.text.chars().count();
            if !tag.is_empty() {
                body.push_str("[/]");
            }
            if styled {
                body.push_str(RESET);
            }
        }
        let pad = self.width.saturating_sub(shown);
        let left = match align {
            Align::Left => 0,
            Align::Center => pad / 2,
            Align::Right => pad,
        };
        let flag = |on: bool, letter: char| if on { letter } else { ' ' };
        let size = match common.size {
            Some(Size::NORMAL) => String::new(),
            Some(s) => format!("{}x{}", s.width, s.height),
            None => "mix".into(),
        };
        let mut row = String::new();
        let _ = write!(
            row,
            "{} {} {} {} {size:3} |{:left$}{body}{:right$}|",
            match first {
                Some(Align::Left) => 'L',
                Some(Align::Center) => 'C',
                Some(Align::Right) => 'R',
                None => '+',
            },
            flag(common.bold, 'B'),
            flag(common.underline, 'U'),
            flag(common.inverted, 'I'),
            "",
            "",
            right = pad - left,
        );
        row
    }
}

/// What every span of a row has: it goes to the prefix, the rest to inline tags.
struct Common {
    bold: bool,
    underline: bool,
    inverted: bool,
    /// `None` when the sizes differ.
    size: Option<Size>,
}

impl Common {
    fn of(spans: &[Span]) -> Self {
        let Some(first) = spans.first().map(|s| s.style) else {
            return Common::of(&[Span {
                text: String::new(),
                style: Style::default(),
            }]);
        };
        Common {
            bold: spans.iter().all(|s| s.style.bold),
            underline: spans.iter().all(|s| s.style.underline),
            inverted: spans.iter().all(|s| s.style.inverted),
            size: spans
                .iter()
                .all(|s| s.style.size == first.size)
                .then_some(first.size),
        }
    }

    /// The tag of a span: its modes the prefix does not already say, separated by spaces;
    /// with `flags` false (ANSI shows them) only its size.
    fn beyond(&self, style: &Style, flags: bool) -> String {
        let mut tag = Vec::new();
        for (on, common, letter) in [
            (style.bold, self.bold, "B"),
            (style.underline, self.underline, "U"),
            (style.inverted, self.inverted, "I"),
        ] {
            if flags && on && !common {
                tag.push(letter.to_owned());
            }
        }
        if self.size.is_none() {
            tag.push(format!("{}x{}", style.size.width, style.size.height));
        }
        tag.join(" ")
    }
}

fn kind_name(kind: BarcodeKind) -> String {
    match kind {
        BarcodeKind::UpcA => "UPC-A".into(),
        BarcodeKind::UpcE => "UPC-E".into(),
        BarcodeKind::Ean13 => "EAN-13".into(),
        BarcodeKind::Ean8 => "EAN-8".into(),
        BarcodeKind::Code39 => "CODE39".into(),
        BarcodeKind::Itf => "ITF".into(),
        BarcodeKind::Codabar => "CODABAR".into(),
        BarcodeKind::Code93 => "CODE93".into(),
        BarcodeKind::Code128 => "CODE128".into(),
        BarcodeKind::Other(m) => format!("m={m}"),
    }
}

/// `[unknown ESC ~: 1b 7e]`: the command's introducer and letter, then every skipped byte.
fn unknown(bytes: &[u8]) -> String {
    let mut text = String::from("[unknown");
    match bytes.first() {
        Some(0x1B) => text.push_str(" ESC"),
        Some(0x1D) => text.push_str(" GS"),
        Some(0x1C) => text.push_str(" FS"),
        Some(0x10) => text.push_str(" DLE"),
        _ => {}
    }
    match bytes.get(1) {
        Some(&c @ 0x21..=0x7E) => {
            let _ = write!(text, " {}", c as char);
        }
        Some(c) => {
            let _ = write!(text, " 0x{c:02X}");
        }
        None => {}
    }
    text.push(':');
    for b in bytes {
        let _ = write!(text, " {b:02x}");
    }
    text.push(']');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EscPosDevice, Faults};
    use emulator_kit::{Device, Reactions};

    const ESC: u8 = 0x1B;
    const GS: u8 = 0x1D;

    /// The echo, `width` characters wide, of what the printer makes of `bytes`.
    fn echo(width: usize, ansi: bool, bytes: &[u8]) -> Vec<String> {
        let mut device = EscPosDevice::new();
        device.receive(bytes, &Faults::default(), &mut Reactions::default());
        let echo = Echo { width, ansi };
        device.paper().iter().flat_map(|i| echo.render(i)).collect()
    }

    fn plain(bytes: &[u8]) -> Vec<String> {
        echo(10, false, bytes)
    }

    /// `text` printed after `modes`, then a line feed.
    fn after(modes: &[u8], text: &str) -> Vec<u8> {
        [modes, text.as_bytes(), b"\n"].concat()
    }

    #[test]
    fn alignment_sets_the_text_in_the_paper_frame() {
        assert_eq!(plain(&after(&[], "abc")), ["L           |abc       |"]);
        assert_eq!(
            plain(&after(&[ESC, b'a', 1], "abc")),
            ["C           |   abc    |"]
        );
        assert_eq!(
            plain(&after(&[ESC, b'a', b'2'], "abc")),
            ["R           |       abc|"]
        );
        assert_eq!(plain(b"\n"), ["L           |          |"]);
    }

    #[test]
    fn each_style_has_its_slot() {
        let cases: &[(&[u8], &str)] = &[
            (&[ESC, b'E', 1], "L B         |x         |"),
            (&[ESC, b'-', 1], "L   U       |x         |"),
            (&[ESC, b'-', b'2'], "L   U       |x         |"),
            (&[GS, b'B', 1], "L     I     |x         |"),
            (&[GS, b'!', 0x10], "L       2x1 |x         |"),
            (&[GS, b'!', 0x01], "L       1x2 |x         |"),
            (&[GS, b'!', 0x11], "L       2x2 |x         |"),
            (&[GS, b'!', 0x23], "L       3x4 |x         |"),
            // ESC ! 0xB8: bold, double height and width, underline in one byte.
            (&[ESC, b'!', 0xB8], "L B U   2x2 |x         |"),
            (
                &[ESC, b'a', 1, ESC, b'E', 1, ESC, b'-', 1, GS, b'B', 1],
                "C B U I     |    x     |",
            ),
        ];
        for (modes, row) in cases {
            assert_eq!(plain(&after(modes, "x")), [*row], "{modes:02x?}");
        }
        // ESC @ puts every mode back.
        let reset = [ESC, b'!', 0xB8, GS, b'B', 1, ESC, b'a', 2, ESC, b'@'];
        assert_eq!(plain(&after(&reset, "x")), ["L           |x         |"]);
    }

    #[test]
    fn a_mode_changed_midway_is_tagged_where_it_applies() {
        let mut job = b"Total ".to_vec();
        job.extend([ESC, b'E', 1]);
        job.extend(b"145.00");
        job.extend([ESC, b'E', 0, b'\n']);
        assert_eq!(
            echo(20, false, &job),
            ["L           |Total [B]145.00[/]  |"]
        );
        // Underlined throughout, one word reversed too: U in the prefix, I in the tag.
        let mut job = vec![ESC, b'-', 1];
        job.extend(b"a ");
        job.extend([GS, b'B', 1, b'b', GS, b'B', 0, b'\n']);
        assert_eq!(
            echo(20, false, &job),
            ["L   U       |a [I]b[/]           |"]
        );
        // Sizes that differ: "mix" in the prefix and every span names its own.
        let job = [b"a".as_slice(), &[GS, b'!', 0x11], b"b\n"].concat();
        assert_eq!(
            echo(20, false, &job),
            ["L       mix |[1x1]a[/][2x2]b[/]  |"]
        );
    }

    #[test]
    fn a_line_wider_than_the_paper_wraps_by_paper_columns() {
        // Six double-width characters take 12 columns of 10: five on the first row.
        assert_eq!(
            plain(&after(&[ESC, b'a', 2, GS, b'!', 0x10], "abcdef")),
            ["R       2x1 |     abcde|", "+       2x1 |         f|"]
        );
        // Ten at normal size fit exactly.
        assert_eq!(
            plain(&after(&[], "0123456789")),
            ["L           |0123456789|"]
        );
    }

    #[test]
    fn symbols_feeds_and_cuts_are_named_rows() {
        let mut job = vec![GS, b'(', b'k', 7, 0, 49, 80, 48];
        job.extend(b"test");
        job.extend([GS, b'(', b'k', 3, 0, 49, 81, 48]);
        job.extend([GS, b'k', 2]);
        job.extend(b"4006381333931\0");
        job.extend([GS, b'k', 73, 4, b'{', b'B', b'a', b'1']);
        job.extend([ESC, b'd', 3, ESC, b'd', 1, GS, b'V', 66, 0, GS, b'V', 0]);
        assert_eq!(
            plain(&job),
            [
                "[QR test]",
                "[barcode EAN-13 4006381333931]",
                "[barcode CODE128 a1]",
                "[feed 3 lines]",
                "[feed 1 line]",
                "[partial cut]",
                "[full cut]",
            ]
        );
    }

    #[test]
    fn unknown_commands_are_flagged_with_their_bytes() {
        let mut job = b"ab".to_vec();
        job.extend([ESC, b'~']);
        job.extend(b"c\n");
        job.extend([GS, b'V', 7, 0x1C, 0x05]);
        assert_eq!(
            plain(&job),
            [
                "[unknown ESC ~: 1b 7e]",
                "L           |abc       |",
                "[unknown GS V: 1d 56 07]",
                "[unknown FS 0x05: 1c 05]",
            ]
        );
    }

    #[test]
    fn ansi_shows_bold_underline_and_reverse_as_terminal_styles() {
        let job = [
            b"a".as_slice(),
            &[ESC, b'E', 1, ESC, b'-', 1, GS, b'B', 1],
            b"b\n",
        ]
        .concat();
        assert_eq!(
            echo(4, true, &job),
            ["L           |a\x1b[1m\x1b[4m\x1b[7mb\x1b[0m  |"]
        );
        assert_eq!(
            echo(4, true, &[ESC, b'~']),
            ["\x1b[31m[unknown ESC ~: 1b 7e]\x1b[0m"]
        );
    }
}
