//! Barcode data as a printer accepts it: checked per symbology (digits, lengths, check digits,
//! character sets), then turned into the `GS k` function B symbology number and data bytes.
//! A printer silently skips a barcode it cannot print, so the driver refuses it up front.

use crate::BarcodeKind;

/// A barcode ready for `GS k`: symbology number, data bytes, and width in modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub m: u8,
    pub data: Vec<u8>,
    /// Width of the symbol in narrow modules, quiet zones excluded.
    pub modules: u32,
}

pub fn encode(kind: BarcodeKind, data: &str) -> Result<Encoded, String> {
    match kind {
        BarcodeKind::Ean13 => digits("EAN-13", data, 12).map(|d| Encoded {
            m: 67,
            data: d,
            modules: 95,
        }),
        BarcodeKind::Ean8 => digits("EAN-8", data, 7).map(|d| Encoded {
            m: 68,
            data: d,
            modules: 67,
        }),
        BarcodeKind::UpcA => digits("UPC-A", data, 11).map(|d| Encoded {
            m: 65,
            data: d,
            modules: 95,
        }),
        BarcodeKind::Code39 => code39(data),
        BarcodeKind::Code128 => code128(data),
    }
}

/// `len` digits, or `len + 1` whose last is the right check digit (the printer adds it otherwise).
fn digits(name: &str, data: &str, len: usize) -> Result<Vec<u8>, String> {
    if !data.bytes().all(|b| b.is_ascii_digit()) || !(len..=len + 1).contains(&data.len()) {
        return Err(format!(
            "{name} takes {len} or {} digits, got {data:?}",
            len + 1
        ));
    }
    if data.len() == len + 1 {
        let (body, check) = data.split_at(len);
        let expected = check_digit(body);
        if check.as_bytes()[0] != expected {
            return Err(format!(
                "{name} {data:?}: the check digit is {check}, it should be {}",
                expected as char
            ));
        }
    }
    Ok(data.as_bytes().to_vec())
}

/// The EAN/UPC check digit: weights 3,1,3,… from the rightmost digit of the body.
pub fn check_digit(body: &str) -> u8 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    b'0' + ((10 - sum % 10) % 10) as u8
}

fn code39(data: &str) -> Result<Encoded, String> {
    const SET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%+-./";
    // The printer adds the `*` start and stop characters when the data lacks them.
    let body = data
        .strip_prefix('*')
        .and_then(|d| d.strip_suffix('*'))
        .unwrap_or(data);
    if body.is_empty() || data.len() > 255 || !body.bytes().all(|b| SET.contains(&b)) {
        return Err(format!(
            "CODE39 takes 1 to 255 of 0-9 A-Z space $ % + - . /, got {data:?}"
        ));
    }
    Ok(Encoded {
        m: 69,
        data: data.as_bytes().to_vec(),
        // 13 modules a character (ratio 1:2 plus the gap), start and stop included.
        modules: 13 * (body.len() as u32 + 2),
    })
}

/// CODE128 in code set B (`{B` first); a literal `{` is sent as `{{`.
fn code128(data: &str) -> Result<Encoded, String> {
    if data.is_empty() || !data.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return Err(format!(
            "CODE128 takes printable ASCII characters, got {data:?}"
        ));
    }
    let mut bytes = b"{B".to_vec();
    for b in data.bytes() {
        if b == b'{' {
            bytes.push(b'{');
        }
        bytes.push(b);
    }
    if bytes.len() > 255 {
        return Err(format!(
            "CODE128 data is too long ({} characters)",
            data.len()
        ));
    }
    Ok(Encoded {
        m: 73,
        data: bytes,
        // start, data, check character: 11 modules each; stop: 13.
        modules: 11 * (data.len() as u32 + 2) + 13,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_known_codes() {
        assert_eq!(check_digit("400638133393"), b'1'); // EAN-13 4006381333931
        assert_eq!(check_digit("9638507"), b'4'); // EAN-8 96385074
        assert_eq!(check_digit("03600029145"), b'2'); // UPC-A 036000291452
    }

    #[test]
    fn ean_and_upc_take_the_body_or_a_right_check_digit() {
        assert_eq!(encode(BarcodeKind::Ean13, "4006381333931").unwrap().m, 67);
        assert_eq!(
            encode(BarcodeKind::Ean13, "400638133393").unwrap().data,
            b"400638133393"
        );
        assert!(
            encode(BarcodeKind::Ean13, "4006381333932")
                .unwrap_err()
                .contains("check digit")
        );
        assert!(encode(BarcodeKind::Ean13, "40063813339").is_err());
        assert!(encode(BarcodeKind::Ean8, "9638507A").is_err());
        assert_eq!(encode(BarcodeKind::Ean8, "96385074").unwrap().m, 68);
        assert_eq!(encode(BarcodeKind::UpcA, "036000291452").unwrap().m, 65);
    }

    #[test]
    fn code39_takes_its_own_set() {
        let e = encode(BarcodeKind::Code39, "ABC-123").unwrap();
        assert_eq!((e.m, e.data.as_slice()), (69, b"ABC-123".as_slice()));
        assert!(encode(BarcodeKind::Code39, "*AB*").is_ok());
        assert!(encode(BarcodeKind::Code39, "abc").is_err());
        assert!(encode(BarcodeKind::Code39, "").is_err());
    }

    #[test]
    fn code128_selects_set_b_and_escapes_braces() {
        let e = encode(BarcodeKind::Code128, "a{b").unwrap();
        assert_eq!(e.m, 73);
        assert_eq!(e.data, b"{Ba{{b");
        assert!(encode(BarcodeKind::Code128, "Привет").is_err());
        assert!(encode(BarcodeKind::Code128, &"x".repeat(254)).is_err());
    }
}
