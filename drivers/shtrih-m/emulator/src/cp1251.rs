//! CP1251 for what the register prints and keeps: names, lines, the cashier. Its own small
//! table rather than the driver's, so the emulator checks the driver's encoding instead of
//! sharing its mistakes.

/// 0x80..=0xBF; 0xC0..=0xFF are А..я in order.
const UPPER: &str =
    "ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—\u{FFFD}™љ›њќћџ\u{A0}ЎўЈ¤Ґ¦§Ё©Є«¬\u{AD}®Ї°±Ііґµ¶·ё№є»јЅѕї";

pub fn decode(bytes: &[u8]) -> String {
    let upper: Vec<char> = UPPER.chars().collect();
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    bytes[..end]
        .iter()
        .map(|&b| match b {
            0x00..=0x7F => b as char,
            0x80..=0xBF => upper[b as usize - 0x80],
            _ => char::from_u32(0x0410 + (b as u32 - 0xC0)).unwrap_or('?'),
        })
        .collect()
}

pub fn encode(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c as u32 {
            0..=0x7F => c as u8,
            0x0410..=0x044F => (c as u32 - 0x0410 + 0xC0) as u8,
            _ => UPPER
                .chars()
                .position(|u| u == c && u != '\u{FFFD}')
                .map_or(b'?', |i| 0x80 + i as u8),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_64_entries_and_round_trips() {
        assert_eq!(UPPER.chars().count(), 64);
        let s = "ШТРИХ-М-01Ф, «ёлка» № 7 — €";
        assert_eq!(decode(&encode(s)), s);
        assert_eq!(
            decode(&[0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2, 0, 0]),
            "Привет"
        );
    }
}
