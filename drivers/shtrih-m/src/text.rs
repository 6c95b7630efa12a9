//! CP1251 (Windows-1251), the code page of every string the register prints or returns
//! (pyshtrih `misc.encode`/`decode`; the vendor: "only WIN1251 characters can be printed").
//! A character the code page lacks becomes `?`, so a name never fails a receipt.

/// The upper half of CP1251 (0x80..=0xFF) as Unicode; 0x98 is unassigned.
const HIGH: [char; 128] = [
    'Ђ', 'Ѓ', '‚', 'ѓ', '„', '…', '†', '‡', '€', '‰', 'Љ', '‹', 'Њ', 'Ќ', 'Ћ', 'Џ', // 80
    'ђ', '‘', '’', '“', '”', '•', '–', '—', '\u{FFFD}', '™', 'љ', '›', 'њ', 'ќ', 'ћ',
    'џ', // 90
    '\u{A0}', 'Ў', 'ў', 'Ј', '¤', 'Ґ', '¦', '§', 'Ё', '©', 'Є', '«', '¬', '\u{AD}', '®',
    'Ї', // A0
    '°', '±', 'І', 'і', 'ґ', 'µ', '¶', '·', 'ё', '№', 'є', '»', 'ј', 'Ѕ', 'ѕ', 'ї', // B0
    'А', 'Б', 'В', 'Г', 'Д', 'Е', 'Ж', 'З', 'И', 'Й', 'К', 'Л', 'М', 'Н', 'О', 'П', // C0
    'Р', 'С', 'Т', 'У', 'Ф', 'Х', 'Ц', 'Ч', 'Ш', 'Щ', 'Ъ', 'Ы', 'Ь', 'Э', 'Ю', 'Я', // D0
    'а', 'б', 'в', 'г', 'д', 'е', 'ж', 'з', 'и', 'й', 'к', 'л', 'м', 'н', 'о', 'п', // E0
    'р', 'с', 'т', 'у', 'ф', 'х', 'ц', 'ч', 'ш', 'щ', 'ъ', 'ы', 'ь', 'э', 'ю', 'я', // F0
];

/// One character in CP1251, or `?` when the code page lacks it.
pub fn encode_char(c: char) -> u8 {
    match c {
        '\0'..='\u{7F}' => c as u8,
        // The alphabet is contiguous in both: А..я = U+0410..U+044F = C0..FF.
        'А'..='я' => (c as u32 - 0x0410 + 0xC0) as u8,
        _ => HIGH
            .iter()
            .position(|&h| h == c && h != '\u{FFFD}')
            .map_or(b'?', |i| 0x80 + i as u8),
    }
}

/// A string in CP1251.
pub fn encode(s: &str) -> Vec<u8> {
    s.chars().map(encode_char).collect()
}

/// CP1251 bytes as a string; trailing NULs (field padding) are dropped.
pub fn decode(bytes: &[u8]) -> String {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    bytes[..end]
        .iter()
        .map(|&b| {
            if b < 0x80 {
                b as char
            } else {
                HIGH[b as usize - 0x80]
            }
        })
        .collect()
}

/// `s` in CP1251, cut to `width` bytes and padded with NULs to exactly `width`: the
/// fixed-size string fields of the protocol (the device ignores codes below 0x20 on paper).
pub fn field(s: &str, width: usize) -> Vec<u8> {
    let mut bytes = encode(s);
    bytes.resize(width, 0);
    bytes
}

/// `s` in CP1251, NUL-padded to at least `min` bytes: print fields are at least their
/// documented size and may be as long as the paper is wide.
pub fn field_at_least(s: &str, min: usize) -> Vec<u8> {
    let mut bytes = encode(s);
    if bytes.len() < min {
        bytes.resize(min, 0);
    }
    bytes
}

/// The number of characters `s` prints as (one byte each in CP1251).
pub fn width(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_round_trips() {
        let s = "Съешь ещё этих мягких французских булок, ЁЖ № 5 — «да»";
        assert_eq!(decode(&encode(s)), s);
        assert_eq!(encode("Привет"), [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2]);
        assert_eq!(encode("Ёё№"), [0xA8, 0xB8, 0xB9]);
    }

    #[test]
    fn missing_characters_become_question_marks() {
        assert_eq!(encode("a€✓"), [b'a', 0x88, b'?']);
        assert_eq!(encode("\u{FFFD}"), [b'?']);
    }

    #[test]
    fn fields_are_cut_and_padded() {
        assert_eq!(field("Тест", 6), [0xD2, 0xE5, 0xF1, 0xF2, 0, 0]);
        assert_eq!(field("Тест", 2), [0xD2, 0xE5]);
        assert_eq!(decode(&[0xD2, 0xE5, 0, 0]), "Те");
    }
}
