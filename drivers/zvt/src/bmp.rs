//! The BMP fields of ZVT messages: a one-byte field number followed by the value, whose length
//! the number fixes (amount `04`: 6 bytes BCD) or an LL/LLL prefix gives (`F0`–`F9` per digit:
//! card number `22` is LLVAR), or, for the TLV container `06`, a TLV length.
//!
//! Numbers are packed BCD, two digits a byte, left-padded with zeros.

use crate::tlv;

/// `value` as `bytes` bytes of packed BCD; none when it does not fit.
pub fn bcd(value: u64, bytes: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; bytes];
    let mut rest = value;
    for byte in out.iter_mut().rev() {
        let lo = (rest % 10) as u8;
        rest /= 10;
        let hi = (rest % 10) as u8;
        rest /= 10;
        *byte = (hi << 4) | lo;
    }
    (rest == 0).then_some(out)
}

/// The number packed BCD `bytes` hold; none when a nibble is not a decimal digit.
pub fn from_bcd(bytes: &[u8]) -> Option<u64> {
    let mut value: u64 = 0;
    for &b in bytes {
        for nibble in [b >> 4, b & 0x0F] {
            if nibble > 9 {
                return None;
            }
            value = value.checked_mul(10)?.checked_add(u64::from(nibble))?;
        }
    }
    Some(value)
}

/// The `F`-prefixed length of an LLVAR (`digits` = 2) or LLLVAR (`digits` = 3) field.
pub fn var_len(len: usize, digits: usize) -> Vec<u8> {
    let mut out = vec![0xF0; digits];
    let mut rest = len;
    for byte in out.iter_mut().rev() {
        *byte |= (rest % 10) as u8;
        rest /= 10;
    }
    out
}

fn from_var_len(bytes: &[u8]) -> Option<usize> {
    bytes.iter().try_fold(0usize, |acc, &b| {
        let digit = b & 0x0F;
        (b & 0xF0 == 0xF0 && digit <= 9).then_some(acc * 10 + usize::from(digit))
    })
}

/// BMP `04`: an amount in minor units, 6 bytes BCD (at most 12 digits).
pub fn amount(minor: u64) -> Option<Vec<u8>> {
    let mut out = vec![0x04];
    out.extend(bcd(minor, 6)?);
    Some(out)
}

/// A card number as BCD digits, `E` for a masked digit and `F` for padding: shown with `*`.
pub fn card_number(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        for nibble in [b >> 4, b & 0x0F] {
            match nibble {
                0..=9 => out.push(char::from(b'0' + nibble)),
                0x0E => out.push('*'),
                0x0F => {}
                _ => out.push('?'),
            }
        }
    }
    out
}

/// How a BMP's value is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Fixed(usize),
    LlVar,
    LllVar,
    Tlv,
}

/// The shape of BMP `number` as the specification lists it; none for a number it does not know
/// (nothing after it can then be read).
pub fn shape(number: u8) -> Option<Shape> {
    use Shape::*;
    Some(match number {
        0x01 | 0x02 | 0x03 | 0x05 | 0x19 | 0x27 | 0x8A | 0x8C | 0xA0 | 0xD0 | 0xD2 | 0xD3
        | 0xE0 | 0xE9 | 0xEA | 0xF0 | 0xF9 | 0xFA | 0xFB | 0xFC | 0xFD => Fixed(1),
        0x0D | 0x0E | 0x17 | 0x3A | 0x49 | 0x87 => Fixed(2),
        0x0B | 0x0C | 0x37 | 0x3D | 0x88 | 0xAA => Fixed(3),
        0x29 => Fixed(4),
        0xBA => Fixed(5),
        0x04 => Fixed(6),
        0x3B | 0xEB => Fixed(8),
        0x2A => Fixed(15),
        0x22 | 0x23 | 0x2D | 0x2E | 0x8B | 0x92 | 0xA7 | 0xD1 | 0xE1..=0xE8 | 0xF1..=0xF8 => LlVar,
        0x24 | 0x3C | 0x60 | 0x9A | 0xAF => LllVar,
        0x06 => Tlv,
        _ => return None,
    })
}

/// One BMP read from a message: its number and value (without any length prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bmp<'a> {
    pub number: u8,
    pub value: &'a [u8],
}

/// Why the BMPs of a message could not all be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BmpError {
    Unknown { number: u8, at: usize },
    Truncated { number: u8, at: usize },
}

impl std::fmt::Display for BmpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BmpError::Unknown { number, at } => write!(f, "unknown BMP {number:02X} at byte {at}"),
            BmpError::Truncated { number, at } => {
                write!(f, "BMP {number:02X} at byte {at} is cut short")
            }
        }
    }
}

/// Splits `data` into BMPs; on failure, the BMPs before the unreadable one and why.
pub fn split(data: &[u8]) -> Result<Vec<Bmp<'_>>, (Vec<Bmp<'_>>, BmpError)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let number = data[at];
        let rest = &data[at + 1..];
        let prefixed = |digits: usize| {
            rest.get(..digits)
                .and_then(from_var_len)
                .map(|len| (digits, len))
        };
        let delimited = match shape(number) {
            None => return Err((out, BmpError::Unknown { number, at })),
            Some(Shape::Fixed(n)) => Some((0, n)),
            Some(Shape::LlVar) => prefixed(2),
            Some(Shape::LllVar) => prefixed(3),
            Some(Shape::Tlv) => tlv::decode_len(rest).map(|(len, used)| (used, len)),
        };
        let value = delimited.and_then(|(skip, len)| rest.get(skip..skip + len).map(|v| (skip, v)));
        let Some((skip, value)) = value else {
            return Err((out, BmpError::Truncated { number, at }));
        };
        out.push(Bmp { number, value });
        at += 1 + skip + value.len();
    }
    Ok(out)
}

/// The fields of a status information (04 0F) or completion (06 0F) this driver uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// `27`: 0 approved, 01–63 the authorisation system's code, 64–FF the terminal's.
    pub result_code: Option<u8>,
    /// `04`, minor units.
    pub amount: Option<u64>,
    /// `0B`, six digits.
    pub trace: Option<u32>,
    /// `37`: the trace number of the transaction a reversal undid.
    pub original_trace: Option<u32>,
    /// `87`, four digits.
    pub receipt_no: Option<u32>,
    /// `29`, eight digits.
    pub terminal_id: Option<u32>,
    /// `0C`: HHMMSS.
    pub time: Option<(u8, u8, u8)>,
    /// `0D`: MMDD.
    pub date: Option<(u8, u8)>,
    /// `AA`: YYMMDD.
    pub full_date: Option<(u8, u8, u8)>,
    /// `22`, masked with `*`.
    pub card_number: Option<String>,
    /// `3B`: the AID authorisation attribute, the acquirer's authorisation code.
    pub auth_code: Option<String>,
    /// `8B`.
    pub card_name: Option<String>,
    /// `3C`.
    pub additional_text: Option<String>,
    /// `49`: ISO 4217 numeric.
    pub currency: Option<u16>,
    /// `19`: the status byte of a completion.
    pub status_byte: Option<u8>,
    /// What could not be read, when not everything could.
    pub problem: Option<String>,
}

impl Fields {
    /// Takes every field `other` has.
    pub fn merge(&mut self, other: &Fields) {
        macro_rules! take {
            ($($field:ident),*) => {$(
                if other.$field.is_some() {
                    self.$field = other.$field.clone();
                }
            )*};
        }
        take!(
            result_code,
            amount,
            trace,
            original_trace,
            receipt_no,
            terminal_id,
            time,
            date,
            full_date,
            card_number,
            auth_code,
            card_name,
            additional_text,
            currency,
            status_byte,
            problem
        );
    }

    /// Reads the BMPs of `data`, keeping what precedes anything unreadable.
    pub fn parse(data: &[u8]) -> Self {
        let (bmps, problem) = match split(data) {
            Ok(bmps) => (bmps, None),
            Err((bmps, e)) => (bmps, Some(e.to_string())),
        };
        let mut f = Fields {
            problem,
            ..Fields::default()
        };
        for Bmp { number, value } in bmps {
            let num = || from_bcd(value);
            match number {
                0x27 => f.result_code = value.first().copied(),
                0x19 => f.status_byte = value.first().copied(),
                0x04 => f.amount = num(),
                0x0B => f.trace = num().map(|n| n as u32),
                0x37 => f.original_trace = num().map(|n| n as u32),
                0x87 => f.receipt_no = num().map(|n| n as u32),
                0x29 => f.terminal_id = num().map(|n| n as u32),
                0x49 => f.currency = num().map(|n| n as u16),
                0x0C => {
                    f.time =
                        num().map(|n| ((n / 10000) as u8, (n / 100 % 100) as u8, (n % 100) as u8))
                }
                0x0D => f.date = num().map(|n| ((n / 100) as u8, (n % 100) as u8)),
                0xAA => {
                    f.full_date =
                        num().map(|n| ((n / 10000) as u8, (n / 100 % 100) as u8, (n % 100) as u8))
                }
                0x22 => f.card_number = Some(card_number(value)),
                0x3B => f.auth_code = Some(text(value)),
                0x8B => f.card_name = Some(text(value)),
                0x3C => f.additional_text = Some(text(value)),
                _ => {}
            }
        }
        f
    }
}

/// Text of a field: ASCII, trailing NULs and spaces dropped, other control bytes as spaces.
pub fn text(bytes: &[u8]) -> String {
    let s: String = bytes
        .iter()
        .map(|&b| match b {
            0x20..=0x7E => char::from(b),
            0x80..=0xFF => char::from(b), // Latin-1 reading of the terminal's code page
            _ => ' ',
        })
        .collect();
    s.trim_end_matches([' ', '\0']).trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn bcd_round_trips() {
        assert_eq!(bcd(123456, 3).unwrap(), [0x12, 0x34, 0x56]);
        assert_eq!(bcd(978, 2).unwrap(), [0x09, 0x78]);
        assert_eq!(bcd(643, 2).unwrap(), [0x06, 0x43]);
        assert_eq!(bcd(100, 6).unwrap(), [0, 0, 0, 0, 0x01, 0x00]);
        assert_eq!(bcd(1_000_000, 3), None);
        assert_eq!(from_bcd(&[0x12, 0x34, 0x56]), Some(123456));
        assert_eq!(from_bcd(&[0x1A]), None);
    }

    #[test]
    fn amount_of_one_euro() {
        assert_eq!(
            amount(100).unwrap(),
            [0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00]
        );
        assert_eq!(amount(999_999_999_999).unwrap()[1..], [0x99; 6]);
        assert_eq!(amount(1_000_000_000_000), None);
    }

    #[test]
    fn var_lengths() {
        assert_eq!(var_len(8, 2), [0xF0, 0xF8]);
        assert_eq!(var_len(73, 3), [0xF0, 0xF7, 0xF3]);
        assert_eq!(from_var_len(&[0xF1, 0xF1]), Some(11));
        assert_eq!(from_var_len(&[0x01, 0xF1]), None);
    }

    #[test]
    fn masked_card_numbers() {
        assert_eq!(card_number(&hex("474843EEEEEE7743")), "474843******7743");
        assert_eq!(
            card_number(&hex("4711008005757038004F")),
            "4711008005757038004"
        );
    }

    /// A status information of a real terminal (a Visa payment of 0.01 EUR), as published in
    /// the test suite of the Python ZVT library ecrterm.
    #[test]
    fn parses_a_published_status_information() {
        let apdu = hex(
            "040fa12700040000000000014909780c1223060d062922f0f8474843eeeeee77438700023b38383931353000000b00073219602942003036\
             0e18018a0a8c038bf0f556495341002a3435353630303030303539392020203cf0f7f341532d544944203d2031334630303031330d\
             41532d50726f632d436f6465203d203230203930332030300d436170742e2d5265662e3d20303030300d41494435393a20383039323538",
        );
        let apdu = crate::apdu::Apdu::decode(&apdu).unwrap();
        assert!(apdu.is(0x04, 0x0F));
        let f = Fields::parse(&apdu.data);
        assert_eq!(f.problem, None);
        assert_eq!(f.result_code, Some(0));
        assert_eq!(f.amount, Some(1));
        assert_eq!(f.currency, Some(978));
        assert_eq!(f.time, Some((12, 23, 6)));
        assert_eq!(f.date, Some((6, 29)));
        assert_eq!(f.card_number.as_deref(), Some("474843******7743"));
        assert_eq!(f.receipt_no, Some(2));
        assert_eq!(f.auth_code.as_deref(), Some("889150"));
        assert_eq!(f.trace, Some(732));
        assert_eq!(f.terminal_id, Some(42003036));
        assert_eq!(f.card_name.as_deref(), Some("VISA"));
        assert!(f.additional_text.unwrap().starts_with("AS-TID = 13F00013"));
    }

    /// The same message with a TLV container behind the BMPs.
    #[test]
    fn skips_a_trailing_tlv_container() {
        let data = hex(
            "2700040000000010004909780C1230050D062922F0F8474843EEEEEE77438700023B38383931353000000B000733196029420030\
             360E18018A0A8C038BF0F556495341002A3435353630303030303539392020203CF0F7F341532D544944203D2031334630303031330D\
             41532D50726F632D436F6465203D203230203930332030300D436170742E2D5265662E3D20303030300D41494435393A203830393235\
             38062B4102000A4902000315024445600F4204564953414307A00000000310102F0C1F1001001F1101011F120102",
        );
        let f = Fields::parse(&data);
        assert_eq!(f.problem, None);
        assert_eq!(f.amount, Some(1000));
        assert_eq!(f.trace, Some(733));
        assert_eq!(f.status_byte, Some(0x60));
    }

    #[test]
    fn registration_completion_fields() {
        // 06 0F of a registration: status byte, terminal id, currency, TLV.
        let f = Fields::parse(&hex("19 00 29 52 00 12 33 49 09 78 06 05 27 03 14 01 FF"));
        assert_eq!(f.problem, None);
        assert_eq!(f.status_byte, Some(0));
        assert_eq!(f.terminal_id, Some(52001233));
        assert_eq!(f.currency, Some(978));
    }

    #[test]
    fn keeps_what_precedes_an_unknown_bmp() {
        let f = Fields::parse(&hex("27 00 0B 00 00 07 C7 01 02"));
        assert_eq!(f.result_code, Some(0));
        assert_eq!(f.trace, Some(7));
        assert!(f.problem.unwrap().contains("unknown BMP C7"));
        let f = Fields::parse(&hex("27 00 04 00 00"));
        assert!(f.problem.unwrap().contains("cut short"));
    }
}
