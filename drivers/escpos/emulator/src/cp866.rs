//! CP866 bytes back to text, for the paper model (the emulator's own table, kept apart from
//! the driver's encoder so each checks the other).

const HIGH: &str = "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмноп\
░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
рстуфхцчшщъыьэюяЁёЄєЇїЎў°∙·√№¤■\u{a0}";

/// The character of a printable byte (0x20..=0xFF) in CP866.
pub fn decode(b: u8) -> char {
    if b < 0x80 {
        b as char
    } else {
        HIGH.chars()
            .nth(usize::from(b - 0x80))
            .unwrap_or('\u{fffd}')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privet_from_its_bytes() {
        let text: String = [0x8F, 0xE0, 0xA8, 0xA2, 0xA5, 0xE2]
            .into_iter()
            .map(decode)
            .collect();
        assert_eq!(text, "Привет");
        assert_eq!(HIGH.chars().count(), 128);
        assert_eq!(decode(0xF0), 'Ё');
        assert_eq!(decode(0xFC), '№');
        assert_eq!(decode(b'A'), 'A');
    }
}
