//! An ESC/POS receipt printer in software, for the driver's tests and the host's end-to-end
//! runs: it parses the byte stream (in whatever pieces it arrives) into a model of the paper,
//! and answers real-time status (`DLE EOT n`) with Epson's status bytes.
//!
//! Faults: `PaperOut` and `CoverOpen` show in the status bytes and stop printing (the printer
//! is offline: what arrives is parsed and dropped); `NoReply` swallows the next `DLE EOT`;
//! `DisconnectMidFrame` hangs up halfway through the next piece of a print job; `SlowReply` is
//! the kit's. `Nak` and `CorruptChecksum` do not exist in ESC/POS (no framing, no checksums)
//! and are ignored.

mod cp866;
pub mod echo;
mod paper;
mod parser;

pub use echo::Echo;
pub use emulator_kit::{Emulator, Fault, Faults};
pub use paper::{Align, BarcodeKind, PaperItem, Size, Span, Style};

use emulator_kit::{Device, Reactions};
use parser::{Command, QrFunction};

/// Bits every `DLE EOT` reply has on (1 and 4); bits 0 and 7 are off.
const FIXED: u8 = 0x12;

/// The `ESC t` number of the CP866 table, as on Epson-compatible printers.
pub const CP866_TABLE: u8 = 17;

/// The emulated printer: its modes, its line buffer and the paper it printed.
#[derive(Debug)]
pub struct EscPosDevice {
    /// Bytes of a command not complete yet.
    pending: Vec<u8>,
    /// The line being filled, run by run, and the alignment in force at its first character
    /// (Epson: `ESC a` takes effect at the start of a line).
    line: Vec<Span>,
    line_align: Option<Align>,
    align: Align,
    style: Style,
    code_table: u8,
    qr_data: Option<Vec<u8>>,
    paper: Vec<PaperItem>,
    unknown: Vec<Vec<u8>>,
}

impl Default for EscPosDevice {
    fn default() -> Self {
        Self {
            pending: Vec::new(),
            line: Vec::new(),
            line_align: None,
            align: Align::Left,
            style: Style::default(),
            code_table: 0,
            qr_data: None,
            paper: Vec::new(),
            unknown: Vec::new(),
        }
    }
}

/// A fresh emulated printer, ready to `connect()`, `serve_tcp()` or `serve_pty()`.
pub fn emulator() -> Emulator<EscPosDevice> {
    Emulator::new(EscPosDevice::default())
}

impl EscPosDevice {
    pub fn new() -> Self {
        Self::default()
    }

    /// What was printed, in order (the last `emulator_kit::HISTORY` items at least).
    pub fn paper(&self) -> &[PaperItem] {
        &self.paper
    }

    /// The text of every printed line (plain and styled), joined with '\n'.
    pub fn printed_text(&self) -> String {
        let lines: Vec<String> = self.paper.iter().filter_map(PaperItem::line_text).collect();
        lines.join("\n")
    }

    /// How many cuts were made.
    pub fn cuts(&self) -> usize {
        self.paper
            .iter()
            .filter(|i| matches!(i, PaperItem::Cut { .. }))
            .count()
    }

    /// Takes the paper printed so far, leaving the roll empty (a clerk tearing it off).
    pub fn take_paper(&mut self) -> Vec<PaperItem> {
        std::mem::take(&mut self.paper)
    }

    /// Commands this model did not know, as their leading bytes, all of them since the start
    /// (offline too); empty for a driver that sends only ESC/POS. The paper also carries each
    /// one (`PaperItem::Unknown`) where it came, for the echo.
    pub fn unknown_commands(&self) -> &[Vec<u8>] {
        &self.unknown
    }

    /// The code table selected by `ESC t` (0 after `ESC @`).
    pub fn code_table(&self) -> u8 {
        self.code_table
    }

    /// Puts an item on paper, unless the printer is offline.
    fn put(&mut self, item: PaperItem, offline: bool) {
        if !offline {
            emulator_kit::remember(&mut self.paper, item);
        }
    }

    /// Prints the line buffer (an empty one too when `always`).
    /// A line in one plain style is a `Line` (the shape the driver's tests compare); any
    /// other a `StyledLine`.
    fn flush_line(&mut self, offline: bool, always: bool) {
        if self.line_align.is_none() && !always {
            return;
        }
        let align = self.line_align.take().unwrap_or(self.align);
        let mut spans = std::mem::take(&mut self.line);
        let item = match spans.as_mut_slice() {
            [] => PaperItem::Line {
                text: String::new(),
                align,
                bold: self.style.bold,
                size: self.style.size,
            },
            [one] if one.style.is_plain() => PaperItem::Line {
                text: std::mem::take(&mut one.text),
                align,
                bold: one.style.bold,
                size: one.style.size,
            },
            _ => PaperItem::StyledLine { align, spans },
        };
        self.put(item, offline);
    }

    fn text(&mut self, bytes: &[u8]) {
        if self.line_align.is_none() {
            self.line_align = Some(self.align);
        }
        let cp866 = self.code_table == CP866_TABLE;
        let chars = bytes.iter().map(|&b| match b {
            ..0x80 => b as char,
            _ if cp866 => cp866::decode(b),
            // Another table: this model cannot tell what the printer would show.
            _ => '\u{fffd}',
        });
        match self.line.last_mut() {
            Some(span) if span.style == self.style => span.text.extend(chars),
            _ => self.line.push(Span {
                text: chars.collect(),
                style: self.style,
            }),
        }
    }

    fn line_chars(&self) -> usize {
        self.line.iter().map(|s| s.text.chars().count()).sum()
    }

    fn status_byte(n: u8, faults: &Faults) -> Option<u8> {
        let (paper_out, cover_open) = (faults.paper_out(), faults.cover_open());
        match n {
            1 => Some(FIXED | if paper_out || cover_open { 0x08 } else { 0 }),
            2 => Some(FIXED | if cover_open { 0x04 } else { 0 } | if paper_out { 0x20 } else { 0 }),
            3 => Some(FIXED),
            4 => Some(FIXED | if paper_out { 0x0C | 0x60 } else { 0 }),
            _ => None,
        }
    }

    fn execute(&mut self, command: Command, faults: &Faults, out: &mut Reactions) {
        let offline = faults.paper_out() || faults.cover_open();
        match command {
            Command::Text(bytes) => self.text(&bytes),
            Command::Tab => self.text(&b"        "[..8 - self.line_chars() % 8]),
            Command::LineFeed => self.flush_line(offline, true),
            // ESC @: the line buffer is cleared and every mode is back at its default.
            Command::Init => {
                self.line.clear();
                self.line_align = None;
                (self.align, self.style) = (Align::Left, Style::default());
                self.code_table = 0;
            }
            Command::CodeTable(n) => self.code_table = n,
            Command::Align(n) => {
                self.align = match n {
                    0 | 48 => Align::Left,
                    1 | 49 => Align::Center,
                    2 | 50 => Align::Right,
                    _ => self.align,
                }
            }
            Command::Bold(on) => self.style.bold = on,
            // Bit 0 (font B) is not modelled; 3 bold, 4 double height, 5 double width,
            // 7 underline.
            Command::PrintMode(n) => {
                self.style.bold = n & 0x08 != 0;
                self.style.underline = n & 0x80 != 0;
                self.style.size = Size {
                    width: if n & 0x20 != 0 { 2 } else { 1 },
                    height: if n & 0x10 != 0 { 2 } else { 1 },
                };
            }
            Command::Underline(n) => match n {
                0 | 48 => self.style.underline = false,
                1 | 2 | 49 | 50 => self.style.underline = true,
                _ => {}
            },
            Command::Reverse(on) => self.style.inverted = on,
            Command::CharSize(n) => {
                self.style.size = Size {
                    width: (n >> 4 & 7) + 1,
                    height: (n & 7) + 1,
                };
            }
            Command::FeedLines(n) => {
                self.flush_line(offline, false);
                if n > 0 {
                    self.put(PaperItem::Feed(n), offline);
                }
            }
            Command::Cut { partial } => {
                self.flush_line(offline, false);
                self.put(PaperItem::Cut { partial }, offline);
            }
            Command::Qr(QrFunction::Store(data)) => self.qr_data = Some(data),
            Command::Qr(QrFunction::Print) => {
                self.flush_line(offline, false);
                if let Some(data) = &self.qr_data {
                    let item = PaperItem::Qr(String::from_utf8_lossy(data).into_owned());
                    self.put(item, offline);
                }
            }
            Command::Qr(_) => {}
            Command::Barcode { m, data } => {
                self.flush_line(offline, false);
                let kind = BarcodeKind::from_m(m);
                let data = match kind {
                    BarcodeKind::Code128 => code128_text(&data),
                    _ => String::from_utf8_lossy(&data).into_owned(),
                };
                self.put(PaperItem::Barcode { kind, data }, offline);
            }
            Command::RealtimeStatus(n) => {
                if !faults.take(Fault::NoReply)
                    && let Some(b) = Self::status_byte(n, faults)
                {
                    out.send(vec![b]);
                }
            }
            // GS r 1: paper sensor (bits 2-3 paper end, 0-1 near end); GS r 2: drawer.
            Command::TransmitStatus(1 | 49) => {
                out.send(vec![if faults.paper_out() { 0x0F } else { 0x00 }]);
            }
            Command::TransmitStatus(2 | 50) => out.send(vec![0x00]),
            Command::TransmitStatus(_) => {}
            // GS I: model id, type id (bit 1: autocutter), firmware version id.
            Command::PrinterId(n) => match n {
                1 | 49 => out.send(vec![0x20]),
                2 | 50 => out.send(vec![0x02]),
                3 | 51 => out.send(vec![0x10]),
                _ => {}
            },
            Command::Ignored => {}
            Command::Unknown(bytes) => {
                self.put(PaperItem::Unknown(bytes.clone()), offline);
                self.unknown.push(bytes);
            }
        }
    }

    /// Runs every whole command in `pending`.
    fn run(&mut self, faults: &Faults, out: &mut Reactions) {
        let mut at = 0;
        while let Some((command, len)) = parser::parse(&self.pending[at..]) {
            at += len;
            self.execute(command, faults, out);
        }
        self.pending.drain(..at);
    }
}

/// CODE128 data as read: `{A` `{B` `{C` select a code set, `{{` is `{`, other `{x` are
/// function codes; in code set C each byte is two digits.
fn code128_text(data: &[u8]) -> String {
    let mut text = String::new();
    let mut set_c = false;
    let mut bytes = data.iter();
    while let Some(&b) = bytes.next() {
        if b == b'{' {
            match bytes.next() {
                Some(b'{') => text.push('{'),
                Some(b'C') => set_c = true,
                Some(b'A' | b'B') => set_c = false,
                _ => {}
            }
        } else if set_c {
            text.push_str(&format!("{b:02}"));
        } else {
            text.push(b as char);
        }
    }
    text
}

/// Whether `bytes` hold more than real-time status requests (`DLE EOT n` triples).
fn carries_print_data(bytes: &[u8]) -> bool {
    !bytes.len().is_multiple_of(3) || bytes.chunks(3).any(|c| c[0] != 0x10 || c[1] != 0x04)
}

impl Device for EscPosDevice {
    fn receive(&mut self, bytes: &[u8], faults: &Faults, out: &mut Reactions) {
        let mut bytes = bytes;
        let hang_up = carries_print_data(bytes) && faults.take(Fault::DisconnectMidFrame);
        if hang_up {
            // Half of this piece reaches the printer; the rest is lost with the line.
            bytes = &bytes[..bytes.len().div_ceil(2)];
        }
        self.pending.extend_from_slice(bytes);
        self.run(faults, out);
        if hang_up {
            out.hangup();
        }
    }

    fn reset_line(&mut self) {
        self.pending.clear();
        self.line.clear();
        self.line_align = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(device: &mut EscPosDevice, faults: &Faults, bytes: &[u8]) -> Vec<u8> {
        let mut out = Reactions::default();
        device.receive(bytes, faults, &mut out);
        out.sent_bytes()
    }

    fn job() -> Vec<u8> {
        let mut job = vec![
            0x1B, b'@', 0x1B, b't', 17, 0x1B, b'a', 1, 0x1B, b'E', 1, 0x1D, b'!', 0x11,
        ];
        job.extend([0x8F, 0xE0, 0xA8, 0xA2, 0xA5, 0xE2, b'\n']);
        job.extend([0x1B, b'a', 0, 0x1B, b'E', 0, 0x1D, b'!', 0]);
        job.extend(b"Total{1}\n");
        job.extend([
            0x1D, 0x28, 0x6B, 0x07, 0x00, 0x31, 0x50, 0x30, b't', b'e', b's', b't',
        ]);
        job.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);
        job.extend([0x1D, b'k', 73, 6, b'{', b'B', b'a', b'{', b'{', b'b']);
        job.extend([0x1B, b'd', 3, 0x1D, b'V', 66, 0]);
        job
    }

    fn expected() -> Vec<PaperItem> {
        vec![
            PaperItem::Line {
                text: "Привет".into(),
                align: Align::Center,
                bold: true,
                size: Size::DOUBLE,
            },
            PaperItem::Line {
                text: "Total{1}".into(),
                align: Align::Left,
                bold: false,
                size: Size::NORMAL,
            },
            PaperItem::Qr("test".into()),
            PaperItem::Barcode {
                kind: BarcodeKind::Code128,
                data: "a{b".into(),
            },
            PaperItem::Feed(3),
            PaperItem::Cut { partial: true },
        ]
    }

    #[test]
    fn a_job_in_one_piece_and_byte_by_byte_prints_the_same() {
        let faults = Faults::default();
        let mut whole = EscPosDevice::new();
        feed(&mut whole, &faults, &job());
        assert_eq!(whole.paper(), expected());
        let mut bytewise = EscPosDevice::new();
        for b in job() {
            feed(&mut bytewise, &faults, &[b]);
        }
        assert_eq!(bytewise.paper(), expected());
        assert_eq!(whole.printed_text(), "Привет\nTotal{1}");
        assert_eq!(whole.cuts(), 1);
        assert!(whole.unknown_commands().is_empty());
    }

    #[test]
    fn status_bytes_follow_epson() {
        let faults = Faults::default();
        let mut d = EscPosDevice::new();
        assert_eq!(
            feed(
                &mut d,
                &faults,
                &[0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4]
            ),
            [0x12; 4]
        );
        faults.inject(Fault::PaperOut);
        assert_eq!(
            feed(&mut d, &faults, &[0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 4]),
            [0x1A, 0x32, 0x7E]
        );
        faults.clear();
        faults.inject(Fault::CoverOpen);
        assert_eq!(
            feed(&mut d, &faults, &[0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 4]),
            [0x1A, 0x16, 0x12]
        );
    }

    #[test]
    fn no_reply_swallows_one_request() {
        let faults = Faults::default();
        faults.inject(Fault::NoReply);
        let mut d = EscPosDevice::new();
        assert_eq!(feed(&mut d, &faults, &[0x10, 4, 1]), []);
        assert_eq!(feed(&mut d, &faults, &[0x10, 4, 1]), [0x12]);
    }

    #[test]
    fn offline_prints_nothing() {
        let faults = Faults::default();
        faults.inject(Fault::PaperOut);
        let mut d = EscPosDevice::new();
        feed(&mut d, &faults, &job());
        assert!(d.paper().is_empty());
    }

    #[test]
    fn disconnect_mid_frame_prints_part_and_hangs_up() {
        let faults = Faults::default();
        faults.inject(Fault::DisconnectMidFrame);
        let mut d = EscPosDevice::new();
        // A status request alone does not trigger it.
        assert_eq!(feed(&mut d, &faults, &[0x10, 4, 1]), [0x12]);
        let mut out = Reactions::default();
        d.receive(&job(), &faults, &mut out);
        assert_eq!(out.as_slice().last(), Some(&emulator_kit::Reaction::Hangup));
        d.reset_line();
        assert!(
            !d.paper().is_empty() && d.paper().len() < expected().len(),
            "{:?}",
            d.paper()
        );
        d.take_paper();
        feed(&mut d, &faults, &job());
        assert_eq!(d.paper(), expected());
    }

    #[test]
    fn without_the_cp866_table_cyrillic_is_not_readable() {
        let mut d = EscPosDevice::new();
        feed(&mut d, &Faults::default(), &[0x1B, b'@', 0x8F, b'!', b'\n']);
        assert_eq!(d.printed_text(), "\u{fffd}!");
    }

    #[test]
    fn code128_code_set_c_reads_as_digits() {
        assert_eq!(code128_text(b"{C\x0c\x22{B-x"), "1234-x");
    }

    fn styled(align: Align, spans: &[(&str, Style)]) -> PaperItem {
        PaperItem::StyledLine {
            align,
            spans: spans
                .iter()
                .map(|(text, style)| Span {
                    text: (*text).into(),
                    style: *style,
                })
                .collect(),
        }
    }

    #[test]
    fn underline_and_reverse_make_a_styled_line() {
        let underline = Style {
            underline: true,
            ..Style::default()
        };
        let inverted = Style {
            inverted: true,
            ..Style::default()
        };
        let mut d = EscPosDevice::new();
        let mut job = vec![0x1B, b'a', 2, 0x1B, b'-', 1];
        job.extend(b"u\n");
        job.extend([0x1B, b'-', 0, 0x1D, b'B', 1]);
        job.extend(b"i\n");
        job.extend([0x1D, b'B', 0, 0x1B, b'!', 0x80]);
        job.extend(b"u\n");
        feed(&mut d, &Faults::default(), &job);
        assert_eq!(
            d.paper(),
            [
                styled(Align::Right, &[("u", underline)]),
                styled(Align::Right, &[("i", inverted)]),
                styled(Align::Right, &[("u", underline)]),
            ]
        );
        assert_eq!(d.printed_text(), "u\ni\nu");
    }

    #[test]
    fn a_mode_changed_midway_splits_the_line_into_spans() {
        let bold = Style {
            bold: true,
            ..Style::default()
        };
        let mut d = EscPosDevice::new();
        let mut job = b"Total ".to_vec();
        job.extend([0x1B, b'E', 1]);
        job.extend(b"145");
        // Bold again changes nothing: one span.
        job.extend([0x1B, b'E', 1]);
        job.extend(b".00");
        job.extend([0x1B, b'E', 0, b'\n']);
        // A whole line in bold is a plain Line.
        job.extend([0x1B, b'E', 1, b'x', b'\n']);
        feed(&mut d, &Faults::default(), &job);
        assert_eq!(
            d.paper(),
            [
                styled(
                    Align::Left,
                    &[("Total ", Style::default()), ("145.00", bold)]
                ),
                PaperItem::Line {
                    text: "x".into(),
                    align: Align::Left,
                    bold: true,
                    size: Size::NORMAL,
                },
            ]
        );
    }

    #[test]
    fn unknown_commands_are_recorded_and_marked_on_the_paper() {
        let faults = Faults::default();
        let mut d = EscPosDevice::new();
        feed(&mut d, &faults, &[b'a', 0x1B, b'~', b'\n', 0x1D, b'V', 7]);
        assert_eq!(
            d.unknown_commands(),
            [vec![0x1B, b'~'], vec![0x1D, b'V', 7]]
        );
        assert_eq!(d.paper()[0], PaperItem::Unknown(vec![0x1B, b'~']));
        assert_eq!(d.paper()[2], PaperItem::Unknown(vec![0x1D, b'V', 7]));
        assert_eq!(d.printed_text(), "a");
        // Offline nothing reaches the paper, but the command is still counted.
        faults.inject(Fault::CoverOpen);
        feed(&mut d, &faults, &[0x1C, 0x05]);
        assert_eq!(d.unknown_commands().len(), 3);
        assert_eq!(d.paper().len(), 3);
    }
}
