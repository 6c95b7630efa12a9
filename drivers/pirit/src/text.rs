//! CP866, the code page of every string the register prints or returns (the vendor's
//! `documentation_pirit_fm.md`, "Основные типы передаваемых параметров / Строка": "Для печати
//! символов на русском языке необходимо использовать кодировку CP866").
//!
//! A string field may hold only bytes 0x20..=0xF0 (same section), and the frame's own bytes
//! (FS 0x1C, ETX 0x03) must never appear inside one, so control characters and characters
//! CP866 lacks become `?`: a name never fails a receipt and never breaks a frame. A marking
//! code is the exception: its control characters go as `$xy` ([`marking_code`]).

/// One character in CP866, or `?` when the code page lacks it or a string field may not hold it.
pub fn encode_char(c: char) -> u8 {
    match c {
        ' '..='\u{7E}' => c as u8,
        // CP866 splits the alphabet: А..п = 80..AF, р..я = E0..EF.
        'А'..='п' => (c as u32 - 0x0410 + 0x80) as u8,
        'р'..='я' => (c as u32 - 0x0440 + 0xE0) as u8,
        'Ё' => 0xF0,
        'ё' => 0xF1,
        '№' => 0xFC,
        _ => b'?',
    }
}

/// A string in CP866, every byte allowed in a string field.
pub fn encode(s: &str) -> Vec<u8> {
    s.chars().map(encode_char).collect()
}

/// CP866 bytes as a string; the pseudo-graphics the driver never sends come back as `?`.
pub fn decode(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| decode_byte(b)).collect()
}

fn decode_byte(b: u8) -> char {
    match b {
        0x00..=0x7F => b as char,
        0x80..=0xAF => char::from_u32(0x0410 + u32::from(b - 0x80)).unwrap_or('?'),
        0xE0..=0xEF => char::from_u32(0x0440 + u32::from(b - 0xE0)).unwrap_or('?'),
        0xF0 => 'Ё',
        0xF1 => 'ё',
        0xFC => '№',
        _ => '?',
    }
}

/// A marking code as 0x79/1 and 0x24 take it: "raw, unparsed; control characters (0x00..0x1F)
/// as `$xy`, two hex digits, `$1D` for GS" (section "Передача КМ в ФН для проверки
/// достоверности КМ (0x79 запрос 1)"). A code is printable ASCII but for its GS separators.
pub fn marking_code(code: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(code.len() + 8);
    for c in code.chars() {
        match c {
            '\0'..='\u{1F}' => out.extend_from_slice(format!("${:02X}", c as u32).as_bytes()),
            _ => out.push(encode_char(c)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alphabet_round_trips_in_both_halves() {
        let s = "Абвгдеёжзийклмнопрстуфхцчшщъыьэюя ЁЯ №5";
        let bytes = encode(s);
        assert_eq!(decode(&bytes), s);
        assert_eq!(encode("А"), [0x80]);
        assert_eq!(encode("п"), [0xAF]);
        assert_eq!(encode("р"), [0xE0]);
        assert_eq!(encode("я"), [0xEF]);
        assert_eq!(encode("Ё"), [0xF0]);
    }

    #[test]
    fn frame_bytes_and_unknown_characters_become_question_marks() {
        assert_eq!(encode("a\u{1C}b\u{3}c€"), b"a?b?c?");
        assert!(encode("Ωx\tz").iter().all(|&b| (0x20..=0xF0).contains(&b)));
    }

    #[test]
    fn a_marking_codes_separators_are_escaped() {
        assert_eq!(marking_code("0104\u{1D}91EE"), b"0104$1D91EE");
    }
}
