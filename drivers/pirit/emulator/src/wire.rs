//! The register's side of the packet (`documentation_pirit_fm.md`, "Формат протокола передачи
//! команд"): requests `STX PIRI id cmd(2 hex) fields… ETX crc(2 hex)` in, answers
//! `STX id cmd(2 hex) err(2 hex) fields… ETX crc(2 hex)` out, fields ended by FS, the CRC the
//! XOR of everything after STX through ETX. Text in CP866; money and quantities as decimal
//! text parsed without floats.

pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
pub const ENQ: u8 = 0x05;
pub const ACK: u8 = 0x06;
pub const FS: u8 = 0x1C;

pub fn crc(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |a, b| a ^ b)
}

pub fn hex2(v: u8) -> [u8; 2] {
    const D: &[u8; 16] = b"0123456789ABCDEF";
    [D[usize::from(v >> 4)], D[usize::from(v & 15)]]
}

fn unhex2(pair: &[u8]) -> Option<u8> {
    u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()
}

/// A request as the register parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub password: [u8; 4],
    pub id: u8,
    pub command: u8,
    pub fields: Vec<Vec<u8>>,
    pub crc_ok: bool,
}

/// Parses one request packet, STX through CRC.
pub fn parse(packet: &[u8]) -> Option<Packet> {
    if packet.len() < 11 || packet[0] != STX {
        return None;
    }
    let etx = packet.len() - 3;
    if packet[etx] != ETX {
        return None;
    }
    let body = &packet[1..=etx];
    let crc_ok = unhex2(&packet[etx + 1..]) == Some(crc(body));
    let data = &packet[8..etx];
    let mut fields: Vec<Vec<u8>> = if data.is_empty() {
        Vec::new()
    } else {
        data.split(|&b| b == FS).map(<[u8]>::to_vec).collect()
    };
    if data.last() == Some(&FS) {
        fields.pop();
    }
    Some(Packet {
        password: packet[1..5].try_into().ok()?,
        id: packet[5],
        command: unhex2(&packet[6..8])?,
        fields,
        crc_ok,
    })
}

/// An answer packet.
pub fn answer(id: u8, command: u8, error: u8, fields: &[Vec<u8>]) -> Vec<u8> {
    let mut body = vec![id];
    body.extend_from_slice(&hex2(command));
    body.extend_from_slice(&hex2(error));
    for f in fields {
        body.extend_from_slice(f);
        body.push(FS);
    }
    body.push(ETX);
    let mut p = vec![STX];
    p.extend_from_slice(&body);
    p.extend_from_slice(&hex2(crc(&body)));
    p
}

/// CP866 to text (the driver sends only letters, digits and punctuation).
pub fn decode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x00..=0x7F => b as char,
            0x80..=0xAF => char::from_u32(0x0410 + u32::from(b - 0x80)).unwrap_or('?'),
            0xE0..=0xEF => char::from_u32(0x0440 + u32::from(b - 0xE0)).unwrap_or('?'),
            0xF0 => 'Ё',
            0xF1 => 'ё',
            0xFC => '№',
            _ => '?',
        })
        .collect()
}

/// Text to CP866.
pub fn encode(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            ' '..='\u{7E}' => c as u8,
            'А'..='п' => (c as u32 - 0x0410 + 0x80) as u8,
            'р'..='я' => (c as u32 - 0x0440 + 0xE0) as u8,
            'Ё' => 0xF0,
            'ё' => 0xF1,
            '№' => 0xFC,
            _ => b'?',
        })
        .collect()
}

/// A marking code with its `$xy` escapes undone.
pub fn unescape_marking(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$'
            && i + 2 < bytes.len()
            && let Some(v) = unhex2(&bytes[i + 1..i + 3])
        {
            out.push(v as char);
            i += 3;
            continue;
        }
        out.push_str(&decode(&bytes[i..=i]));
        i += 1;
    }
    out
}

/// Decimal text in units of 10^-places ("12.30" → 1230); empty is zero; None when not a number
/// or when it has more decimals than `places`.
pub fn parse_decimal(s: &str, places: u32) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return Some(0);
    }
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > places as usize
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (whole.is_empty() && frac.is_empty())
    {
        return None;
    }
    let mut f = frac.to_string();
    while f.len() < places as usize {
        f.push('0');
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let v = w.checked_mul(10i64.pow(places))?
        + if f.is_empty() {
            0
        } else {
            f.parse::<i64>().ok()?
        };
    Some(if neg { -v } else { v })
}

/// `value` in units of 10^-places as decimal text.
pub fn decimal(value: i64, places: u32) -> String {
    let scale = 10u64.pow(places);
    let sign = if value < 0 { "-" } else { "" };
    let v = value.unsigned_abs();
    format!("{sign}{}.{:0w$}", v / scale, v % scale, w = places as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_parses_and_its_crc_is_checked() {
        let mut body = b"PIRI!42".to_vec();
        body.extend_from_slice(b"\x8c\xae\xab\xae\xaa\xae\x1c1.000\x1c");
        body.push(ETX);
        let mut p = vec![STX];
        p.extend_from_slice(&body);
        p.extend_from_slice(&hex2(crc(&body)));
        let packet = parse(&p).unwrap();
        assert!(packet.crc_ok);
        assert_eq!((packet.id, packet.command), (b'!', 0x42));
        assert_eq!(decode(&packet.fields[0]), "Молоко");
        assert_eq!(packet.fields.len(), 2);
        let n = p.len();
        p[n - 1] ^= 1;
        assert!(!parse(&p).unwrap().crc_ok);
    }

    #[test]
    fn decimals_and_escapes() {
        assert_eq!(parse_decimal("89.90", 2), Some(8990));
        assert_eq!(parse_decimal("2", 3), Some(2000));
        assert_eq!(parse_decimal("1.2345", 2), None);
        assert_eq!(decimal(12345, 2), "123.45");
        assert_eq!(unescape_marking(b"01$1D91"), "01\u{1D}91");
        assert_eq!(encode("Яя"), [0x9F, 0xEF]);
    }
}
