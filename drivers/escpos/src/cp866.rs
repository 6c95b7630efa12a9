//! UTF-8 → CP866 (DOS Cyrillic), the table Epson-compatible printers select with `ESC t 17`.
//!
//! One character becomes one byte, so a layout's line widths hold on paper. ASCII passes as is;
//! a few look-alikes CP866 lacks (typographic quotes and dashes, Kazakh and Belarusian letters)
//! fall back to the nearest letter it has; anything else prints as `?`.

/// The characters of bytes 0x80..=0xFF, in order.
const HIGH: &str = "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмноп\
░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
рстуфхцчшщъыьэюяЁёЄєЇїЎў°∙·√№¤■\u{a0}";

/// The byte of `c` in CP866; `?` when the table has neither it nor a look-alike.
pub fn encode_char(c: char) -> u8 {
    match c {
        '\t' => b' ',
        ' '..='~' => c as u8,
        // The two runs of Cyrillic letters, without a table search.
        'А'..='п' => 0x80 + (c as u32 - 'А' as u32) as u8,
        'р'..='я' => 0xE0 + (c as u32 - 'р' as u32) as u8,
        _ => HIGH
            .chars()
            .position(|h| h == c)
            .map(|i| 0x80 + i as u8)
            .or_else(|| look_alike(c).map(encode_char))
            .unwrap_or(b'?'),
    }
}

/// UTF-8 text as CP866 bytes, one byte per character.
pub fn encode(text: &str) -> Vec<u8> {
    text.chars().map(encode_char).collect()
}

/// A character CP866 has that reads like `c`.
fn look_alike(c: char) -> Option<char> {
    Some(match c {
        '«' | '»' | '“' | '”' | '„' => '"',
        '‘' | '’' | '‚' => '\'',
        '‐' | '‑' | '‒' | '–' | '—' | '−' => '-',
        '\u{2007}' | '\u{2009}' | '\u{202f}' => ' ',
        'Ә' => 'А',
        'ә' => 'а',
        'Ғ' | 'Ґ' => 'Г',
        'ғ' | 'ґ' => 'г',
        'Қ' => 'К',
        'қ' => 'к',
        'Ң' => 'Н',
        'ң' => 'н',
        'Ө' => 'О',
        'ө' => 'о',
        'Ұ' | 'Ү' => 'У',
        'ұ' | 'ү' => 'у',
        'Һ' | 'Ҳ' => 'Х',
        'һ' | 'ҳ' => 'х',
        'І' => 'I',
        'і' => 'i',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privet_is_the_known_bytes() {
        assert_eq!(encode("Привет"), [0x8F, 0xE0, 0xA8, 0xA2, 0xA5, 0xE2]);
    }

    #[test]
    fn the_table_covers_the_upper_half_once() {
        assert_eq!(HIGH.chars().count(), 128);
        for (i, c) in HIGH.chars().enumerate() {
            assert_eq!(encode_char(c), 0x80 + i as u8, "{c}");
        }
    }

    #[test]
    fn edges_of_the_alphabet_and_yo() {
        assert_eq!(encode("АЯапря"), [0x80, 0x9F, 0xA0, 0xAF, 0xE0, 0xEF]);
        assert_eq!(encode("Ёё№"), [0xF0, 0xF1, 0xFC]);
    }

    #[test]
    fn ascii_passes_and_the_unknown_becomes_a_question_mark() {
        assert_eq!(encode("Total: 5.00"), b"Total: 5.00");
        assert_eq!(encode("€₽漢\u{7}"), b"????");
        assert_eq!(encode("a\tb"), b"a b");
    }

    #[test]
    fn look_alikes_keep_one_byte_per_character() {
        assert_eq!(encode("«Қ—і»"), [b'"', 0x8A, b'-', b'i', b'"']);
    }
}
