//! Splits the incoming byte stream into ESC/POS commands, one at a time from the front of a
//! buffer; `None` means the command at the front is not complete yet (more bytes will come).
//!
//! Every command the driver sends is understood, plus the common ones other software sends
//! (print modes, line spacing, images, drawer kick…), so their parameters are never misread as
//! text. Command lengths follow Epson's ESC/POS reference.

const HT: u8 = 0x09;
const LF: u8 = 0x0A;
const FF: u8 = 0x0C;
const DLE: u8 = 0x10;
const ESC: u8 = 0x1B;
const FS: u8 = 0x1C;
const GS: u8 = 0x1D;

/// A `GS ( k` function of the QR code (cn = 49).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrFunction {
    /// fn 65: the model (49 model 1, 50 model 2, 51 micro).
    Model(u8),
    /// fn 67: module size in dots.
    ModuleSize(u8),
    /// fn 69: error correction, 48 + L/M/Q/H.
    Level(u8),
    /// fn 80: store the data.
    Store(Vec<u8>),
    /// fn 81: print the stored symbol.
    Print,
    Other(u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Printable bytes (0x20..=0xFF) in the current code table.
    Text(Vec<u8>),
    /// LF (or FF): print the line buffer and feed one line.
    LineFeed,
    Tab,
    /// `ESC @`
    Init,
    /// `ESC t n`
    CodeTable(u8),
    /// `ESC a n`
    Align(u8),
    /// `ESC E n`
    Bold(bool),
    /// `ESC ! n`: font, bold, double height and width, underline in one byte.
    PrintMode(u8),
    /// `ESC - n`: underline off (0), one dot (1) or two dots (2) thick; ASCII digits too.
    Underline(u8),
    /// `GS B n`: white-on-black (reverse) printing, by bit 0 of `n`.
    Reverse(bool),
    /// `GS ! n`
    CharSize(u8),
    /// `ESC d n`
    FeedLines(u8),
    /// `GS V` in any function, or the old `ESC i` / `ESC m`.
    Cut {
        partial: bool,
    },
    Qr(QrFunction),
    /// `GS k m …`, function A (NUL-terminated) or B (length-prefixed).
    Barcode {
        m: u8,
        data: Vec<u8>,
    },
    /// `DLE EOT n`
    RealtimeStatus(u8),
    /// `GS r n`
    TransmitStatus(u8),
    /// `GS I n`
    PrinterId(u8),
    /// A known command with no effect on the paper model.
    Ignored,
    /// A command this model does not know, skipped as its two leading bytes (three for an
    /// unknown function of `GS V` or `GS k`); what follows is parsed afresh.
    Unknown(Vec<u8>),
}

/// The command at the front of `buf` and how many bytes it takes, or `None` until it is whole.
pub fn parse(buf: &[u8]) -> Option<(Command, usize)> {
    match *buf.first()? {
        0x20..=0xFF => {
            let n = buf.iter().take_while(|&&b| b >= 0x20).count();
            Some((Command::Text(buf[..n].to_vec()), n))
        }
        LF | FF => Some((Command::LineFeed, 1)),
        HT => Some((Command::Tab, 1)),
        ESC => esc(buf),
        GS => gs(buf),
        FS => fs(buf),
        DLE => dle(buf),
        // CR, CAN, BEL and the other controls do nothing on a roll printer.
        _ => Some((Command::Ignored, 1)),
    }
}

/// Byte `i` of `buf`, or `None` (incomplete) when it has not arrived.
fn at(buf: &[u8], i: usize) -> Option<u8> {
    buf.get(i).copied()
}

/// A command of `len` bytes whose only effect is none.
fn ignored(buf: &[u8], len: usize) -> Option<(Command, usize)> {
    (buf.len() >= len).then_some((Command::Ignored, len))
}

fn unknown(buf: &[u8]) -> Option<(Command, usize)> {
    Some((Command::Unknown(buf[..2].to_vec()), 2))
}

fn esc(buf: &[u8]) -> Option<(Command, usize)> {
    let c = at(buf, 1)?;
    let with_n = |f: fn(u8) -> Command| Some((f(at(buf, 2)?), 3));
    match c {
        b'@' => Some((Command::Init, 2)),
        b't' => with_n(Command::CodeTable),
        b'a' => with_n(Command::Align),
        b'E' => with_n(|n| Command::Bold(n & 1 == 1)),
        b'!' => with_n(Command::PrintMode),
        b'd' => with_n(Command::FeedLines),
        b'-' => with_n(Command::Underline),
        b'i' => Some((Command::Cut { partial: false }, 2)),
        b'm' => Some((Command::Cut { partial: true }, 2)),
        b'2' | b'<' | b'L' | b'S' | b'v' => ignored(buf, 2),
        b' ' | b'%' | b'3' | b'=' | b'?' | b'G' | b'J' | b'K' | b'M' | b'R' | b'T' | b'U'
        | b'V' | b'e' | b'r' | b'u' | b'{' => ignored(buf, 3),
        b'c' => ignored(buf, 4),
        b'$' | b'\\' => ignored(buf, 4),
        b'p' => ignored(buf, 5),
        b'W' => ignored(buf, 10),
        // ESC D n1 … nk NUL: horizontal tab positions.
        b'D' => {
            let end = buf[2..].iter().position(|&b| b == 0)?;
            Some((Command::Ignored, 2 + end + 1))
        }
        // ESC * m nL nH d…: bit image, 1 or 3 bytes a column.
        b'*' => {
            let (m, columns) = (
                at(buf, 2)?,
                usize::from(at(buf, 3)?) | usize::from(at(buf, 4)?) << 8,
            );
            let per_column = if m >= 32 { 3 } else { 1 };
            ignored(buf, 5 + columns * per_column)
        }
        // ESC & y c1 c2 [x d1…d(y·x)]…: user-defined characters.
        b'&' => {
            let (y, c1, c2) = (usize::from(at(buf, 2)?), at(buf, 3)?, at(buf, 4)?);
            let mut len = 5;
            for _ in c1..=c2 {
                len += 1 + y * usize::from(at(buf, len)?);
            }
            ignored(buf, len)
        }
        _ => unknown(buf),
    }
}

fn gs(buf: &[u8]) -> Option<(Command, usize)> {
    let c = at(buf, 1)?;
    let with_n = |f: fn(u8) -> Command| Some((f(at(buf, 2)?), 3));
    match c {
        b'!' => with_n(Command::CharSize),
        b'r' => with_n(Command::TransmitStatus),
        b'I' => with_n(Command::PrinterId),
        b'B' => with_n(|n| Command::Reverse(n & 1 == 1)),
        b'V' => match at(buf, 2)? {
            0 | 48 => Some((Command::Cut { partial: false }, 3)),
            1 | 49 => Some((Command::Cut { partial: true }, 3)),
            65 | 97 | 103 => at(buf, 3).map(|_| (Command::Cut { partial: false }, 4)),
            66 | 98 | 104 => at(buf, 3).map(|_| (Command::Cut { partial: true }, 4)),
            _ => Some((Command::Unknown(buf[..3].to_vec()), 3)),
        },
        b'k' => barcode(buf),
        // GS ( X pL pH …: every function of this family carries its own length.
        b'(' => {
            let len = usize::from(at(buf, 3)?) | usize::from(at(buf, 4)?) << 8;
            let params = buf.get(5..5 + len)?;
            let command = match (at(buf, 2)?, params) {
                (b'k', [49, function, rest @ ..]) => Command::Qr(qr(*function, rest)),
                _ => Command::Ignored,
            };
            Some((command, 5 + len))
        }
        // GS 8 L p1 p2 p3 p4 …: graphics with a 4-byte length.
        b'8' => {
            let len = (3..7).try_fold(0usize, |acc, i| {
                Some(acc | usize::from(at(buf, i)?) << (8 * (i - 3)))
            })?;
            ignored(buf, 7 + len)
        }
        // GS v 0 m xL xH yL yH d…: raster image of x bytes by y dots.
        b'v' => {
            let x = usize::from(at(buf, 4)?) | usize::from(at(buf, 5)?) << 8;
            let y = usize::from(at(buf, 6)?) | usize::from(at(buf, 7)?) << 8;
            ignored(buf, 8 + x * y)
        }
        // GS * x y d…: downloaded bit image of x·8 by y·8 dots.
        b'*' => {
            let (x, y) = (usize::from(at(buf, 2)?), usize::from(at(buf, 3)?));
            ignored(buf, 4 + x * y * 8)
        }
        b':' => ignored(buf, 2),
        b'/' | b'E' | b'H' | b'T' | b'a' | b'b' | b'f' | b'h' | b'j' | b'w' => ignored(buf, 3),
        b'$' | b'L' | b'P' | b'W' | b'\\' => ignored(buf, 4),
        b'^' => ignored(buf, 5),
        _ => unknown(buf),
    }
}

fn qr(function: u8, rest: &[u8]) -> QrFunction {
    let first = rest.first().copied().unwrap_or(0);
    match function {
        65 => QrFunction::Model(first),
        67 => QrFunction::ModuleSize(first),
        69 => QrFunction::Level(first),
        // fn 80: m (48) then the data.
        80 => QrFunction::Store(rest.get(1..).unwrap_or_default().to_vec()),
        81 => QrFunction::Print,
        other => QrFunction::Other(other),
    }
}

/// `GS k m d… NUL` (m = 0..6) or `GS k m n d1…dn` (m = 65..).
fn barcode(buf: &[u8]) -> Option<(Command, usize)> {
    let m = at(buf, 2)?;
    match m {
        0..=6 => {
            let end = buf[3..].iter().position(|&b| b == 0)?;
            let data = buf[3..3 + end].to_vec();
            Some((Command::Barcode { m, data }, 3 + end + 1))
        }
        65.. => {
            let n = usize::from(at(buf, 3)?);
            let data = buf.get(4..4 + n)?.to_vec();
            Some((Command::Barcode { m, data }, 4 + n))
        }
        _ => Some((Command::Unknown(buf[..3].to_vec()), 3)),
    }
}

fn fs(buf: &[u8]) -> Option<(Command, usize)> {
    match at(buf, 1)? {
        b'.' | b'&' => ignored(buf, 2),
        b'!' | b'-' | b'C' | b'W' => ignored(buf, 3),
        b'S' | b'p' => ignored(buf, 4),
        _ => unknown(buf),
    }
}

fn dle(buf: &[u8]) -> Option<(Command, usize)> {
    match at(buf, 1)? {
        0x04 => Some((Command::RealtimeStatus(at(buf, 2)?), 3)),
        0x05 => ignored(buf, 3),
        // DLE DC4 fn …: pulse, power-off, buffer clear.
        0x14 => match at(buf, 2)? {
            1 | 2 => ignored(buf, 5),
            7 => ignored(buf, 4),
            8 => ignored(buf, 10),
            _ => ignored(buf, 3),
        },
        // A lone DLE is nothing; what follows it is parsed on its own.
        _ => Some((Command::Ignored, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(mut buf: &[u8]) -> Vec<Command> {
        let mut out = Vec::new();
        while let Some((c, n)) = parse(buf) {
            out.push(c);
            buf = &buf[n..];
        }
        assert!(buf.is_empty(), "left over: {buf:?}");
        out
    }

    #[test]
    fn every_prefix_of_a_command_is_incomplete() {
        let commands: &[&[u8]] = &[
            &[0x1B, 0x74, 17],
            &[0x1D, 0x56, 0x42, 0],
            &[
                0x1D, 0x28, 0x6B, 0x07, 0x00, 0x31, 0x50, 0x30, b't', b'e', b's', b't',
            ],
            &[0x1D, 0x6B, 67, 3, b'1', b'2', b'3'],
            &[0x1D, 0x6B, 2, b'1', b'2', 0],
            &[0x10, 0x04, 0x01],
            &[0x1B, 0x2A, 33, 2, 0, 1, 2, 3, 4, 5, 6],
            &[0x1B, b'-', 1],
            &[0x1D, b'B', 1],
        ];
        for whole in commands {
            for cut in 1..whole.len() {
                assert_eq!(parse(&whole[..cut]), None, "{whole:?} cut at {cut}");
            }
            assert_eq!(parse(whole).map(|(_, n)| n), Some(whole.len()), "{whole:?}");
        }
    }

    #[test]
    fn a_small_job() {
        let mut job = vec![0x1B, b'@', 0x1B, b't', 17, 0x1B, b'a', 1, 0x1D, b'!', 0x11];
        job.extend(b"Hi\n");
        job.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);
        job.extend([0x1D, 0x56, 0x41, 0x00, 0x10, 0x04, 0x04]);
        assert_eq!(
            all(&job),
            [
                Command::Init,
                Command::CodeTable(17),
                Command::Align(1),
                Command::CharSize(0x11),
                Command::Text(b"Hi".to_vec()),
                Command::LineFeed,
                Command::Qr(QrFunction::Print),
                Command::Cut { partial: false },
                Command::RealtimeStatus(4),
            ]
        );
    }

    #[test]
    fn images_and_unknowns_are_skipped_whole() {
        let mut job = vec![0x1D, b'v', b'0', 0, 2, 0, 1, 0, 0xFF, 0x0A];
        job.extend([0x1B, b'D', 8, 16, 0]);
        job.extend([0x1B, b'~']);
        job.extend(b"x");
        assert_eq!(
            all(&job),
            [
                Command::Ignored,
                Command::Ignored,
                Command::Unknown(vec![0x1B, b'~']),
                Command::Text(b"x".to_vec()),
            ]
        );
    }

    #[test]
    fn underline_and_reverse_are_read_with_their_parameter() {
        let job = [
            0x1B, b'-', 2, 0x1B, b'-', b'0', 0x1D, b'B', 1, 0x1D, b'B', 0x10,
        ];
        assert_eq!(
            all(&job),
            [
                Command::Underline(2),
                Command::Underline(b'0'),
                Command::Reverse(true),
                Command::Reverse(false),
            ]
        );
    }
}
