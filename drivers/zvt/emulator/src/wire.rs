//! The emulator's own reading and writing of ZVT bytes (kept apart from the driver's, so each
//! checks the other): APDUs, BCD, BMPs of the commands it understands, and serial frames.

/// Data link escape, start and end of text, and the serial acknowledgements.
pub const DLE: u8 = 0x10;
pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
pub const ACK: u8 = 0x06;
pub const NAK: u8 = 0x15;

/// An APDU's bytes: class, instruction, length (one byte, or `FF lo hi`), data.
pub fn apdu(class: u8, instr: u8, data: &[u8]) -> Vec<u8> {
    let mut out = vec![class, instr];
    if data.len() < 0xFF {
        out.push(data.len() as u8);
    } else {
        out.push(0xFF);
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// The size of the first complete APDU in `bytes`, or none while it is incomplete.
pub fn complete_apdu(bytes: &[u8]) -> Option<usize> {
    let (header, len) = match *bytes.get(2)? {
        0xFF => (
            5,
            usize::from(u16::from_le_bytes([*bytes.get(3)?, *bytes.get(4)?])),
        ),
        n => (3, usize::from(n)),
    };
    (bytes.len() >= header + len).then_some(header + len)
}

/// The data of a whole APDU (after its 3- or 5-byte header).
pub fn apdu_data(apdu: &[u8]) -> &[u8] {
    if apdu.get(2) == Some(&0xFF) {
        &apdu[5.min(apdu.len())..]
    } else {
        &apdu[3.min(apdu.len())..]
    }
}

/// Packed BCD of `value` in `bytes` bytes (the value is cut to fit).
pub fn bcd(mut value: u64, bytes: usize) -> Vec<u8> {
    let mut out = vec![0; bytes];
    for b in out.iter_mut().rev() {
        *b = (value % 10) as u8 | (((value / 10) % 10) as u8) << 4;
        value /= 100;
    }
    out
}

/// The value of packed BCD, or none when a nibble is no digit.
pub fn from_bcd(bytes: &[u8]) -> Option<u64> {
    bytes.iter().try_fold(0u64, |acc, b| {
        let (hi, lo) = (u64::from(b >> 4), u64::from(b & 0x0F));
        (hi < 10 && lo < 10).then_some(acc * 100 + hi * 10 + lo)
    })
}

/// An LLVAR value: `F` digits of its length, then the bytes.
pub fn llvar(bytes: &[u8]) -> Vec<u8> {
    let len = bytes.len();
    let mut out = vec![0xF0 | (len / 10 % 10) as u8, 0xF0 | (len % 10) as u8];
    out.extend_from_slice(bytes);
    out
}

/// An LLLVAR value.
pub fn lllvar(bytes: &[u8]) -> Vec<u8> {
    let len = bytes.len();
    let mut out = vec![
        0xF0 | (len / 100 % 10) as u8,
        0xF0 | (len / 10 % 10) as u8,
        0xF0 | (len % 10) as u8,
    ];
    out.extend_from_slice(bytes);
    out
}

/// The BMPs of a command the emulator reads: fixed-length ones by number; it stops at a
/// number it does not know.
pub fn bmps(mut data: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    while let Some((&number, rest)) = data.split_first() {
        let len = match number {
            0x01 | 0x02 | 0x03 | 0x05 | 0x19 | 0x27 | 0x8A => 1,
            0x0D | 0x0E | 0x49 | 0x87 => 2,
            0x0B | 0x0C | 0x37 | 0xAA => 3,
            0x29 => 4,
            0x04 => 6,
            _ => break,
        };
        let Some(value) = rest.get(..len) else { break };
        out.push((number, value));
        data = &rest[len..];
    }
    out
}

/// CRC-CCITT over `apdu` and ETX: reflected polynomial 0x8408, start 0, bit by bit.
pub fn crc(apdu: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in apdu.iter().chain(&[ETX]) {
        let mut x = b;
        for _ in 0..8 {
            let mix = (crc ^ u16::from(x)) & 1;
            crc >>= 1;
            if mix != 0 {
                crc ^= 0x8408;
            }
            x >>= 1;
        }
    }
    crc
}

/// `apdu` as a serial frame; with `corrupt`, its CRC is wrong.
pub fn frame(apdu: &[u8], corrupt: bool) -> Vec<u8> {
    let mut out = vec![DLE, STX];
    for &b in apdu {
        if b == DLE {
            out.push(DLE);
        }
        out.push(b);
    }
    out.extend_from_slice(&[DLE, ETX]);
    let crc = crc(apdu) ^ if corrupt { 0xFFFF } else { 0 };
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// A frame found at the start of the input.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// The frame is not complete yet.
    Incomplete,
    /// `consumed` bytes made a frame with this APDU; `crc_ok` tells whether its CRC matched.
    Whole {
        consumed: usize,
        apdu: Vec<u8>,
        crc_ok: bool,
    },
    /// `consumed` bytes are no frame (a lone DLE inside).
    Broken { consumed: usize },
}

/// Reads the frame `input` starts with (it starts with `DLE STX`).
pub fn take_frame(input: &[u8]) -> Frame {
    let mut apdu = Vec::new();
    let mut i = 2;
    loop {
        let Some(&b) = input.get(i) else {
            return Frame::Incomplete;
        };
        if b != DLE {
            apdu.push(b);
            i += 1;
            continue;
        }
        match input.get(i + 1) {
            None => return Frame::Incomplete,
            Some(&DLE) => {
                apdu.push(DLE);
                i += 2;
            }
            Some(&ETX) => {
                let Some(crc_bytes) = input.get(i + 2..i + 4) else {
                    return Frame::Incomplete;
                };
                let crc_ok = u16::from_le_bytes([crc_bytes[0], crc_bytes[1]]) == crc(&apdu);
                return Frame::Whole {
                    consumed: i + 4,
                    apdu,
                    crc_ok,
                };
            }
            Some(_) => return Frame::Broken { consumed: i + 1 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_frames() {
        // Registration (password 123456, config BA, EUR) and an acknowledgement, as the Python
        // ZVT library ecrterm's tests publish them.
        let reg = apdu(0x06, 0x00, &[0x12, 0x34, 0x56, 0xBA, 0x09, 0x78]);
        assert_eq!(
            frame(&reg, false),
            [
                0x10, 0x02, 0x06, 0x00, 0x06, 0x12, 0x34, 0x56, 0xBA, 0x09, 0x78, 0x10, 0x03, 0x24,
                0xC3
            ]
        );
        assert_eq!(
            frame(&[0x80, 0, 0], false),
            [0x10, 0x02, 0x80, 0, 0, 0x10, 0x03, 0xF5, 0x1F]
        );
        let auth = [
            0x06, 0x01, 0x0A, 0x04, 0, 0, 0, 0x01, 0x10, 0x00, 0x49, 0x09, 0x78,
        ];
        let wire = frame(&auth, false);
        assert_eq!(&wire[wire.len() - 2..], [0xF2, 0xFF]);
        assert_eq!(
            take_frame(&wire),
            Frame::Whole {
                consumed: wire.len(),
                apdu: auth.to_vec(),
                crc_ok: true
            }
        );
        assert_eq!(take_frame(&wire[..wire.len() - 1]), Frame::Incomplete);
        assert!(matches!(
            take_frame(&frame(&auth, true)),
            Frame::Whole { crc_ok: false, .. }
        ));
    }

    #[test]
    fn apdus_and_fields() {
        assert_eq!(complete_apdu(&[0x80, 0x00]), None);
        assert_eq!(complete_apdu(&[0x80, 0x00, 0x00, 0x06]), Some(3));
        assert_eq!(complete_apdu(&[0x06, 0xD3, 0xFF, 0x01, 0x01]), None);
        let long = apdu(0x06, 0xD3, &[0; 300]);
        assert_eq!(complete_apdu(&long), Some(305));
        assert_eq!(apdu_data(&long).len(), 300);
        assert_eq!(bcd(2469, 6), [0, 0, 0, 0, 0x24, 0x69]);
        assert_eq!(from_bcd(&[0x06, 0x43]), Some(643));
        assert_eq!(llvar(&[1; 8])[..2], [0xF0, 0xF8]);
        assert_eq!(lllvar(b"x")[..3], [0xF0, 0xF0, 0xF1]);
        let fields = bmps(&[0x04, 0, 0, 0, 0, 0x01, 0x00, 0x49, 0x09, 0x78, 0x99, 0x01]);
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[1], (0x49, &[0x09, 0x78][..]));
    }
}
