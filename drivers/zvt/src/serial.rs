//! The serial framing of ZVT (RS-232): `DLE STX`, the APDU with every `DLE` doubled,
//! `DLE ETX`, then the CRC low byte and high byte.
//!
//! The CRC is CRC-CCITT as ZVT computes it: polynomial x¹⁶+x¹²+x⁵+1 processed LSB first
//! (the reflected form, 0x8408), initial value 0, over the unstuffed APDU followed by `ETX`.
//! The receiver of a frame answers `ACK` (06) or, when the frame is garbled, `NAK` (15); the
//! sender repeats a NAKed frame, three transmissions in all.

/// Data link escape: starts the frame's start and end marks, and is doubled inside the data.
pub const DLE: u8 = 0x10;
pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
pub const ACK: u8 = 0x06;
pub const NAK: u8 = 0x15;
/// How often a frame is sent (or received) before the link gives up.
pub const TRANSMISSIONS: usize = 3;

/// CRC-CCITT of `apdu` followed by ETX, as the frame carries it.
pub fn crc(apdu: &[u8]) -> u16 {
    crc_ccitt(apdu.iter().copied().chain([ETX]))
}

/// The reflected CRC-CCITT (0x8408) starting from 0, over `bytes`.
pub fn crc_ccitt(bytes: impl IntoIterator<Item = u8>) -> u16 {
    let mut crc: u16 = 0;
    for byte in bytes {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x8408
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// The frame that carries `apdu` on a serial line.
pub fn frame(apdu: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(apdu.len() + 8);
    out.extend_from_slice(&[DLE, STX]);
    for &b in apdu {
        out.push(b);
        if b == DLE {
            out.push(DLE);
        }
    }
    out.extend_from_slice(&[DLE, ETX]);
    out.extend_from_slice(&crc(apdu).to_le_bytes());
    out
}

/// What reading one frame gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A frame whose CRC matches: its APDU.
    Frame(Vec<u8>),
    /// A frame that arrived garbled; the receiver answers NAK.
    Garbled(&'static str),
}

/// The longest frame accepted (an APDU of 65535 data bytes plus its header).
const MAX_APDU: usize = 65_540;
/// Bytes skipped while looking for `DLE STX` before the line is called garbage.
const MAX_SKIPPED: usize = 1024;

/// Reads one frame with `next`, which yields the line's bytes one by one (and fails on a
/// timeout or a dropped line). Bytes before `DLE STX` are skipped.
pub fn read_frame<E>(mut next: impl FnMut() -> Result<u8, E>) -> Result<Received, E> {
    let mut skipped = 0;
    loop {
        if next()? == DLE {
            match next()? {
                STX => break,
                _ => skipped += 2,
            }
        } else {
            skipped += 1;
        }
        if skipped > MAX_SKIPPED {
            return Ok(Received::Garbled("no frame start in the line's bytes"));
        }
    }
    let mut apdu = Vec::new();
    loop {
        match next()? {
            DLE => match next()? {
                DLE => apdu.push(DLE),
                ETX => break,
                _ => return Ok(Received::Garbled("a lone DLE inside the frame")),
            },
            b => apdu.push(b),
        }
        if apdu.len() > MAX_APDU {
            return Ok(Received::Garbled("the frame has no end"));
        }
    }
    let lo = next()?;
    let hi = next()?;
    if u16::from_le_bytes([lo, hi]) == crc(&apdu) {
        Ok(Received::Frame(apdu))
    } else {
        Ok(Received::Garbled("wrong CRC"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    fn read(bytes: &[u8]) -> Result<Received, ()> {
        let mut it = bytes.iter().copied();
        read_frame(|| it.next().ok_or(()))
    }

    #[test]
    fn crc_is_the_reflected_ccitt_with_zero_start() {
        // The catalogued check value of this CRC (CRC-16/KERMIT) over "123456789".
        assert_eq!(crc_ccitt(*b"123456789"), 0x2189);
        assert_eq!(crc(&[]), crc_ccitt([ETX]));
    }

    /// Frames as published in the test suite of the Python ZVT library ecrterm.
    #[test]
    fn published_frames() {
        let cases = [
            // Registration, password 123456, config byte BA, currency 978.
            (
                "06 00 06 12 34 56 BA 09 78",
                "10 02 06 00 06 12 34 56 BA 09 78 10 03 24 C3",
            ),
            // Authorization of 110.00 EUR: the amount's 10 is doubled.
            (
                "06 01 0A 04 00 00 00 01 10 00 49 09 78",
                "10 02 06 01 0A 04 00 00 00 01 10 10 00 49 09 78 10 03 F2 FF",
            ),
            ("80 00 00", "10 02 80 00 00 10 03 F5 1F"),
            ("84 9C 00", "10 02 84 9C 00 10 03 C3 41"),
            ("05 01 03 12 34 56", "10 02 05 01 03 12 34 56 10 03 E0 43"),
            ("06 93 03 12 34 56", "10 02 06 93 03 12 34 56 10 03 CA A4"),
            ("06 70 00", "10 02 06 70 00 10 03 D9 F9"),
        ];
        for (apdu, wire) in cases {
            let (apdu, wire) = (hex(apdu), hex(wire));
            assert_eq!(frame(&apdu), wire, "framing {apdu:02X?}");
            assert_eq!(read(&wire), Ok(Received::Frame(apdu)));
        }
    }

    #[test]
    fn dle_in_data_and_crc() {
        let apdu = [0x10, 0x10, 0x00, 0x10];
        let wire = frame(&apdu);
        assert_eq!(
            &wire[..9],
            [DLE, STX, 0x10, 0x10, 0x10, 0x10, 0x00, 0x10, 0x10]
        );
        assert_eq!(read(&wire), Ok(Received::Frame(apdu.to_vec())));
    }

    #[test]
    fn garbled_frames() {
        let mut wire = frame(&[0x80, 0x00, 0x00]);
        let last = wire.len() - 1;
        wire[last] ^= 0xFF;
        assert_eq!(read(&wire), Ok(Received::Garbled("wrong CRC")));
        assert_eq!(
            read(&hex("10 02 80 10 41 00 10 03 00 00")),
            Ok(Received::Garbled("a lone DLE inside the frame"))
        );
        // Noise before the frame is skipped; a cut frame is the line's error.
        let mut noisy = vec![0x06, 0x15, 0x10, 0x06];
        noisy.extend(frame(&[0x80, 0x00, 0x00]));
        assert_eq!(read(&noisy), Ok(Received::Frame(vec![0x80, 0x00, 0x00])));
        assert_eq!(read(&hex("10 02 80 00")), Err(()));
    }
}
