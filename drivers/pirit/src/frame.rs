//! The Pirit packet ("Описание протокола / Формат протокола передачи команд" in the vendor's
//! `documentation_pirit_fm.md`):
//!
//! - request: `STX` (0x02), the link password (4 ASCII bytes, "PIRI" by default), the packet
//!   id (one byte 0x20..=0xF0), the command code as two hex characters ("21" for 0x21), the
//!   data fields, `ETX` (0x03), the CRC;
//! - answer: `STX`, the packet id of the request, the command code (two hex characters), the
//!   error code (two hex characters, "00" for success), the data fields, `ETX`, the CRC;
//! - the CRC is the XOR of every byte after `STX` up to and including `ETX`, sent as two hex
//!   characters;
//! - data fields are separated by FS (0x1C). We end every field with FS, as the vendor's own
//!   drivers do, and read fields either way (a missing last separator is no error).
//!
//! Values are text ("Основные типы передаваемых параметров"): integers in decimal, "fractional
//! numbers" with a decimal point (money with 2 decimals, quantities with 3), dates `ddmmyy`,
//! times `hhmmss`. Money and quantities are integers here (kopecks, thousandths) and are
//! formatted and parsed as decimal text without floats.

use crate::text;
use crate::types::{Date, DateTime};

pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
pub const ENQ: u8 = 0x05;
pub const ACK: u8 = 0x06;
pub const FS: u8 = 0x1C;
/// The packet ids the protocol allows.
pub const FIRST_ID: u8 = 0x20;
pub const LAST_ID: u8 = 0xF0;

/// The XOR of `bytes` (what follows STX, ETX included).
pub fn crc(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, b| acc ^ b)
}

fn hex2(value: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    [
        DIGITS[usize::from(value >> 4)],
        DIGITS[usize::from(value & 0xF)],
    ]
}

fn unhex2(pair: &[u8]) -> Option<u8> {
    let s = std::str::from_utf8(pair).ok()?;
    u8::from_str_radix(s, 16).ok()
}

/// One request: a command code and its fields, already in the register's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub command: u8,
    pub fields: Vec<Vec<u8>>,
}

impl Request {
    pub fn new(command: u8) -> Self {
        Self {
            command,
            fields: Vec::new(),
        }
    }

    /// A text field in CP866.
    pub fn text(mut self, value: &str) -> Self {
        self.fields.push(text::encode(value));
        self
    }

    /// A field as given (ASCII digits, an escaped marking code).
    pub fn raw(mut self, value: impl Into<Vec<u8>>) -> Self {
        self.fields.push(value.into());
        self
    }

    /// An integer field.
    pub fn int(self, value: impl std::fmt::Display) -> Self {
        self.raw(value.to_string())
    }

    /// An empty field: "if a parameter is optional, its field may be sent empty".
    pub fn empty(self) -> Self {
        self.raw(Vec::new())
    }

    /// Money in kopecks as "rubles.kopecks".
    pub fn money(self, kopecks: i64) -> Self {
        self.raw(money(kopecks))
    }

    /// A quantity in thousandths as "units.thousandths".
    pub fn quantity(self, thousandths: i64) -> Self {
        self.raw(quantity(thousandths))
    }

    /// The packet as it goes on the line.
    pub fn encode(&self, password: &[u8; 4], id: u8) -> Vec<u8> {
        let mut body = Vec::with_capacity(16 + self.fields.iter().map(Vec::len).sum::<usize>());
        body.extend_from_slice(password);
        body.push(id);
        body.extend_from_slice(&hex2(self.command));
        for field in &self.fields {
            body.extend_from_slice(field);
            body.push(FS);
        }
        body.push(ETX);
        let mut packet = Vec::with_capacity(body.len() + 3);
        packet.push(STX);
        packet.extend_from_slice(&body);
        packet.extend_from_slice(&hex2(crc(&body)));
        packet
    }
}

/// A decoded answer packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub id: u8,
    pub command: u8,
    /// The vendor's error code; 0 is success.
    pub error: u8,
    pub fields: Vec<Vec<u8>>,
}

/// Why bytes are not an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// Not STX … ETX CRC CRC, or a header that is not hex.
    Malformed(&'static str),
    /// The CRC does not match the bytes.
    Crc { expected: u8, got: u8 },
    /// A field is not what the command's answer has there.
    Field { index: usize, what: &'static str },
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Malformed(why) => write!(f, "malformed answer packet: {why}"),
            FrameError::Crc { expected, got } => {
                write!(f, "answer CRC {got:02X}h, computed {expected:02X}h")
            }
            FrameError::Field { index, what } => {
                write!(f, "answer field {index} is not {what}")
            }
        }
    }
}

/// Where a complete packet ends in `buf`, which starts with STX: the index after its CRC.
pub fn packet_end(buf: &[u8]) -> Option<usize> {
    let etx = buf.iter().position(|&b| b == ETX)?;
    (buf.len() >= etx + 3).then_some(etx + 3)
}

impl Answer {
    /// Decodes one whole answer packet (STX through CRC).
    pub fn decode(packet: &[u8]) -> Result<Answer, FrameError> {
        if packet.len() < 9 || packet[0] != STX {
            return Err(FrameError::Malformed("too short or no STX"));
        }
        let etx = packet.len() - 3;
        if packet[etx] != ETX {
            return Err(FrameError::Malformed("no ETX before the CRC"));
        }
        let body = &packet[1..=etx];
        let got = unhex2(&packet[etx + 1..]).ok_or(FrameError::Malformed("CRC is not hex"))?;
        let expected = crc(body);
        if got != expected {
            return Err(FrameError::Crc { expected, got });
        }
        let command =
            unhex2(&packet[2..4]).ok_or(FrameError::Malformed("command code is not hex"))?;
        let error = unhex2(&packet[4..6]).ok_or(FrameError::Malformed("error code is not hex"))?;
        Ok(Answer {
            id: packet[1],
            command,
            error,
            fields: split_fields(&packet[6..etx]),
        })
    }

    /// Field `index` as text (CP866); empty when the answer has fewer fields.
    pub fn text(&self, index: usize) -> String {
        self.fields
            .get(index)
            .map(|f| text::decode(f))
            .unwrap_or_default()
    }

    /// Field `index` as an integer; an empty field is 0, as the vendor says.
    pub fn int(&self, index: usize) -> Result<u64, FrameError> {
        let field = self.text(index);
        let field = field.trim();
        if field.is_empty() {
            return Ok(0);
        }
        field.parse().map_err(|_| FrameError::Field {
            index,
            what: "an integer",
        })
    }

    pub fn u32(&self, index: usize) -> Result<u32, FrameError> {
        u32::try_from(self.int(index)?).map_err(|_| FrameError::Field {
            index,
            what: "a 32-bit integer",
        })
    }

    /// Field `index` as money ("123.45") in kopecks.
    pub fn money(&self, index: usize) -> Result<i64, FrameError> {
        parse_decimal(self.text(index).trim(), 2).ok_or(FrameError::Field {
            index,
            what: "a sum",
        })
    }

    /// Fields `index` (`ddmmyy`) and `index + 1` (`hhmmss`).
    pub fn date_time(&self, index: usize) -> Result<DateTime, FrameError> {
        let date = self.date(index)?;
        let t = digits(&self.text(index + 1), 3).ok_or(FrameError::Field {
            index: index + 1,
            what: "a time hhmmss",
        })?;
        if t[0] > 23 || t[1] > 59 || t[2] > 59 {
            return Err(FrameError::Field {
                index: index + 1,
                what: "a time of day",
            });
        }
        Ok(DateTime {
            date,
            hour: t[0],
            minute: t[1],
            second: t[2],
        })
    }

    /// Field `index` as a date `ddmmyy` (years 2000..2099).
    pub fn date(&self, index: usize) -> Result<Date, FrameError> {
        let d = digits(&self.text(index), 3).ok_or(FrameError::Field {
            index,
            what: "a date ddmmyy",
        })?;
        if !(1..=31).contains(&d[0]) || !(1..=12).contains(&d[1]) {
            return Err(FrameError::Field {
                index,
                what: "a calendar date",
            });
        }
        Ok(Date {
            year: 2000 + u16::from(d[2]),
            month: d[1],
            day: d[0],
        })
    }
}

/// `n` two-digit numbers from text such as "020326".
fn digits(s: &str, n: usize) -> Option<Vec<u8>> {
    let s = s.trim();
    if s.len() != 2 * n || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    (0..n).map(|i| s[2 * i..2 * i + 2].parse().ok()).collect()
}

fn split_fields(data: &[u8]) -> Vec<Vec<u8>> {
    if data.is_empty() {
        return Vec::new();
    }
    let mut fields: Vec<Vec<u8>> = data.split(|&b| b == FS).map(<[u8]>::to_vec).collect();
    // Every field ends with FS, so the split leaves an empty tail that is no field.
    if data.last() == Some(&FS) {
        fields.pop();
    }
    fields
}

/// Kopecks as "rubles.kopecks": 12345 → "123.45", -5 → "-0.05".
pub fn money(kopecks: i64) -> String {
    decimal(kopecks, 2)
}

/// Thousandths as "units.thousandths": 1500 → "1.500".
pub fn quantity(thousandths: i64) -> String {
    decimal(thousandths, 3)
}

fn decimal(value: i64, places: u32) -> String {
    let scale = 10u64.pow(places);
    let sign = if value < 0 { "-" } else { "" };
    let v = value.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        v / scale,
        v % scale,
        width = places as usize
    )
}

/// Decimal text ("12.3", "-0.05", "7", "") in units of 10^-`places`; more decimals than
/// `places` are rounded half up (the register answers taxes with 4). Empty is zero.
pub fn parse_decimal(s: &str, places: u32) -> Option<i64> {
    if s.is_empty() {
        return Some(0);
    }
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let places = places as usize;
    let mut kept: String = frac.chars().take(places).collect();
    while kept.len() < places {
        kept.push('0');
    }
    let mut value =
        whole
            .checked_mul(10i64.pow(places as u32))?
            .checked_add(if kept.is_empty() {
                0
            } else {
                kept.parse().ok()?
            })?;
    if frac.len() > places && frac.as_bytes()[places] >= b'5' {
        value += 1;
    }
    Some(if negative { -value } else { value })
}

/// A date as `ddmmyy`.
pub fn date_text(date: &Date) -> String {
    format!("{:02}{:02}{:02}", date.day, date.month, date.year % 100)
}

/// A time as `hhmmss`.
pub fn time_text(t: &DateTime) -> String {
    format!("{:02}{:02}{:02}", t.hour, t.minute, t.second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_stx_password_id_hex_code_fields_etx_and_a_hex_xor() {
        let packet = Request::new(0x21)
            .text("Иванова")
            .int(0)
            .encode(b"PIRI", 0x20);
        assert_eq!(packet[0], STX);
        assert_eq!(&packet[1..5], b"PIRI");
        assert_eq!(packet[5], 0x20);
        assert_eq!(&packet[6..8], b"21");
        let etx = packet.len() - 3;
        assert_eq!(packet[etx], ETX);
        assert_eq!(&packet[8..etx], b"\x88\xA2\xA0\xAD\xAE\xA2\xA0\x1C0\x1C");
        let body = &packet[1..=etx];
        let sum = body.iter().fold(0u8, |a, b| a ^ b);
        assert_eq!(
            &packet[etx + 1..],
            format!("{sum:02X}").as_bytes(),
            "two upper-case hex characters"
        );
    }

    /// A status request (`STX PIRI ! 00 ETX`) against its CRC worked out byte by byte.
    #[test]
    fn the_crc_of_a_known_packet() {
        let packet = Request::new(0x00).encode(b"PIRI", b'!');
        // P^I^R^I^'!'^'0'^'0'^ETX
        let expected = [b'P', b'I', b'R', b'I', b'!', b'0', b'0', ETX]
            .iter()
            .fold(0u8, |a, b| a ^ b);
        assert_eq!(
            packet,
            [&[STX][..], b"PIRI!00\x03", &hex2(expected)].concat()
        );
    }

    /// Byte examples written out from the vendor's document (`documentation_pirit_fm.md`,
    /// "Формат пакета"/"Формат ответа" and "Проверка связи"): the link check is ENQ (05h)
    /// answered by ACK (06h); "Запрос флагов статуса" (00h) with packet id `!` (21h) is
    /// `STX "PIRI" "!" "00" ETX` and the XOR of P I R I ! 0 0 ETX, 20h, as "20"; its answer
    /// with fatal status 0, the current flags 4 (bit 2: shift open) and the document status 0
    /// is `STX "!" "00" "00" "0" FS "4" FS "0" FS ETX` and its XOR 0Ah as "0A".
    #[test]
    fn the_vendor_s_byte_examples() {
        assert_eq!((ENQ, ACK, FS), (0x05, 0x06, 0x1C));
        assert_eq!(
            Request::new(0x00).encode(b"PIRI", 0x21),
            b"\x02PIRI!00\x0320"
        );
        let answer = b"\x02!00000\x1c4\x1c0\x1c\x030A";
        assert_eq!(packet_end(answer), Some(answer.len()));
        let a = Answer::decode(answer).unwrap();
        assert_eq!((a.id, a.command, a.error), (0x21, 0x00, 0));
        assert_eq!(
            (a.int(0).unwrap(), a.int(1).unwrap(), a.int(2).unwrap()),
            (0, 4, 0)
        );
    }

    fn answer_bytes(id: u8, cmd: &str, err: &str, data: &[u8]) -> Vec<u8> {
        let mut body = vec![id];
        body.extend_from_slice(cmd.as_bytes());
        body.extend_from_slice(err.as_bytes());
        body.extend_from_slice(data);
        body.push(ETX);
        let mut p = vec![STX];
        p.extend_from_slice(&body);
        p.extend_from_slice(&hex2(crc(&body)));
        p
    }

    #[test]
    fn an_answer_splits_into_fields_and_checks_its_crc() {
        let bytes = answer_bytes(0x21, "02", "00", b"1\x1c0491000012\x1c");
        assert_eq!(packet_end(&bytes), Some(bytes.len()));
        let a = Answer::decode(&bytes).unwrap();
        assert_eq!((a.id, a.command, a.error), (0x21, 0x02, 0));
        assert_eq!(a.int(0).unwrap(), 1);
        assert_eq!(a.text(1), "0491000012");
        assert_eq!(a.text(7), "", "a field the answer lacks is empty");

        // Without the trailing separator the fields are the same.
        let bare = Answer::decode(&answer_bytes(0x21, "02", "00", b"1\x1c0491000012")).unwrap();
        assert_eq!(bare.fields, a.fields);

        let mut bad = bytes.clone();
        let n = bad.len();
        bad[n - 1] = if bad[n - 1] == b'0' { b'1' } else { b'0' };
        assert!(matches!(Answer::decode(&bad), Err(FrameError::Crc { .. })));
        let err = Answer::decode(&answer_bytes(0x22, "31", "08", b"")).unwrap();
        assert_eq!((err.error, err.fields.len()), (8, 0));
    }

    #[test]
    fn money_and_quantities_are_decimal_text_without_floats() {
        assert_eq!(money(12345), "123.45");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(-5), "-0.05");
        assert_eq!(money(10_000_000_000), "100000000.00");
        assert_eq!(quantity(1500), "1.500");
        assert_eq!(quantity(1), "0.001");
        assert_eq!(parse_decimal("123.45", 2), Some(12345));
        assert_eq!(parse_decimal("123.4", 2), Some(12340));
        assert_eq!(parse_decimal("7", 2), Some(700));
        assert_eq!(parse_decimal("", 2), Some(0));
        assert_eq!(parse_decimal("-0.05", 2), Some(-5));
        assert_eq!(
            parse_decimal("1.8182", 2),
            Some(182),
            "half up from 4 decimals"
        );
        assert_eq!(parse_decimal("1.8149", 2), Some(181));
        assert_eq!(parse_decimal("1.2.3", 2), None);
        assert_eq!(parse_decimal("abc", 2), None);
    }

    #[test]
    fn dates_and_times_are_ddmmyy_and_hhmmss() {
        let d = Date {
            year: 2026,
            month: 3,
            day: 1,
        };
        assert_eq!(date_text(&d), "010326");
        let a = Answer {
            id: 0x20,
            command: 0x13,
            error: 0,
            fields: vec![b"010326".to_vec(), b"093005".to_vec()],
        };
        let t = a.date_time(0).unwrap();
        assert_eq!((t.date, t.hour, t.minute, t.second), (d, 9, 30, 5));
        assert_eq!(time_text(&t), "093005");
        let bad = Answer {
            fields: vec![b"320326".to_vec()],
            ..a
        };
        assert!(bad.date(0).is_err());
    }
}
