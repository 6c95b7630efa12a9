//! Frames of the Shtrih-M protocol: `STX LEN CMD [CMD2] DATA LRC`.
//!
//! LEN counts the command byte(s) and the data; LRC is the XOR of LEN and every byte after
//! it up to the LRC itself. Commands are one byte (`0x10` short status) or two bytes starting
//! with `0xFF` (`FF 46` operation v2): the vendor never assigned `0xFF` as a one-byte command,
//! so a leading `0xFF` always announces a second byte. An answer repeats the command code and
//! puts the error code (0 = success) right after it, then the command's data.

/// Start of a frame.
pub const STX: u8 = 0x02;
/// Enquiry: "are you ready, or do you hold an answer for me?"
pub const ENQ: u8 = 0x05;
/// Positive acknowledge.
pub const ACK: u8 = 0x06;
/// Negative acknowledge.
pub const NAK: u8 = 0x15;

/// The largest LEN a frame can carry (one byte).
pub const MAX_BODY: usize = 255;

/// A command code: `0x00..=0xFE` are one-byte commands, `0xFFxx` two-byte ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code(pub u16);

impl Code {
    /// The code as it goes on the wire (one or two bytes).
    pub fn to_bytes(self) -> Vec<u8> {
        if self.0 > 0xFF {
            vec![(self.0 >> 8) as u8, self.0 as u8]
        } else {
            vec![self.0 as u8]
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 > 0xFF {
            write!(f, "{:04X}h", self.0)
        } else {
            write!(f, "{:02X}h", self.0)
        }
    }
}

/// Why bytes are not a valid frame or answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// More data than one LEN byte can count.
    TooLong(usize),
    /// The frame does not start with STX.
    NoStx(u8),
    /// LEN says more or fewer bytes than there are.
    Length { declared: usize, actual: usize },
    /// The checksum does not match.
    Lrc { expected: u8, actual: u8 },
    /// The body is too short to hold a command code and an error code.
    Truncated,
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::TooLong(n) => write!(f, "frame body of {n} bytes exceeds {MAX_BODY}"),
            FrameError::NoStx(b) => write!(f, "frame starts with {b:02X}h, not STX"),
            FrameError::Length { declared, actual } => {
                write!(f, "LEN says {declared} bytes, the frame holds {actual}")
            }
            FrameError::Lrc { expected, actual } => {
                write!(f, "LRC {actual:02X}h, expected {expected:02X}h")
            }
            FrameError::Truncated => f.write_str("answer too short for a command and error code"),
        }
    }
}

/// XOR of all bytes: the protocol's checksum over LEN..DATA.
pub fn lrc(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, b| acc ^ b)
}

/// A complete frame for `code` with `data`: STX LEN CMD DATA LRC.
pub fn encode(code: Code, data: &[u8]) -> Result<Vec<u8>, FrameError> {
    let cmd = code.to_bytes();
    let len = cmd.len() + data.len();
    if len > MAX_BODY {
        return Err(FrameError::TooLong(len));
    }
    let mut frame = Vec::with_capacity(len + 3);
    frame.push(STX);
    frame.push(len as u8);
    frame.extend_from_slice(&cmd);
    frame.extend_from_slice(data);
    frame.push(lrc(&frame[1..]));
    Ok(frame)
}

/// Checks a whole frame (STX..LRC) and returns its body (CMD..DATA).
pub fn check(frame: &[u8]) -> Result<&[u8], FrameError> {
    match frame.first() {
        Some(&STX) => {}
        Some(&b) => return Err(FrameError::NoStx(b)),
        None => return Err(FrameError::Truncated),
    }
    let declared = *frame.get(1).ok_or(FrameError::Truncated)? as usize;
    let actual = frame.len().saturating_sub(3);
    if declared != actual {
        return Err(FrameError::Length { declared, actual });
    }
    let expected = lrc(&frame[1..frame.len() - 1]);
    let got = frame[frame.len() - 1];
    if expected != got {
        return Err(FrameError::Lrc {
            expected,
            actual: got,
        });
    }
    Ok(&frame[2..frame.len() - 1])
}

/// A decoded answer: which command it answers, the device's error code, the data after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub code: Code,
    pub error: u8,
    pub data: Vec<u8>,
}

/// Splits an answer body (CMD [CMD2] ERR DATA) into its parts.
pub fn decode_answer(body: &[u8]) -> Result<Answer, FrameError> {
    let (code, rest) = match body {
        [0xFF, second, rest @ ..] => (Code(0xFF00 | *second as u16), rest),
        [first, rest @ ..] if *first != 0xFF => (Code(*first as u16), rest),
        _ => return Err(FrameError::Truncated),
    };
    let (&error, data) = rest.split_first().ok_or(FrameError::Truncated)?;
    Ok(Answer {
        code,
        error,
        data: data.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_status_with_password_30_matches_the_published_bytes() {
        // The vendor's example and pyshtrih's `Protocol.command(0x10, 30)` alike:
        // STX, LEN 5 (command + 4-byte password), 10h, 1E 00 00 00, LRC = 05^10^1E = 0Bh.
        let frame = encode(Code(0x10), &30u32.to_le_bytes()).unwrap();
        assert_eq!(frame, [0x02, 0x05, 0x10, 0x1E, 0x00, 0x00, 0x00, 0x0B]);
        assert_eq!(lrc(&[0x05, 0x10, 0x1E, 0x00, 0x00, 0x00]), 0x0B);
    }

    #[test]
    fn two_byte_commands_go_high_byte_first_and_count_in_len() {
        // pyshtrih misc.CAST_CMD packs two-byte codes big-endian ('>H'): FF 01.
        let frame = encode(Code(0xFF01), &30u32.to_le_bytes()).unwrap();
        assert_eq!(
            frame,
            [
                0x02,
                0x06,
                0xFF,
                0x01,
                0x1E,
                0x00,
                0x00,
                0x00,
                0x06 ^ 0xFF ^ 0x01 ^ 0x1E
            ]
        );
        assert_eq!(check(&frame).unwrap(), &frame[2..8]);
    }

    #[test]
    fn check_rejects_a_bad_lrc_and_a_wrong_length() {
        let mut frame = encode(Code(0x10), &30u32.to_le_bytes()).unwrap();
        *frame.last_mut().unwrap() ^= 0xFF;
        assert!(matches!(
            check(&frame),
            Err(FrameError::Lrc { expected: 0x0B, .. })
        ));
        assert!(matches!(
            check(&[0x02, 0x05, 0x10, 0x0B]),
            Err(FrameError::Length {
                declared: 5,
                actual: 1
            })
        ));
        assert_eq!(check(&[0x06]), Err(FrameError::NoStx(0x06)));
    }

    #[test]
    fn answers_split_into_code_error_and_data() {
        // Operation v2 refused because the shift is over 24 hours: FF 46 4E.
        let frame = [0x02, 0x03, 0xFF, 0x46, 0x4E, 0x03 ^ 0xFF ^ 0x46 ^ 0x4E];
        let answer = decode_answer(check(&frame).unwrap()).unwrap();
        assert_eq!(
            answer,
            Answer {
                code: Code(0xFF46),
                error: 0x4E,
                data: vec![]
            }
        );
        // Print string accepted by operator 30: 17 00 1E.
        let answer = decode_answer(&[0x17, 0x00, 0x1E]).unwrap();
        assert_eq!(
            (answer.code, answer.error, answer.data),
            (Code(0x17), 0, vec![0x1E])
        );
        assert_eq!(decode_answer(&[0x17]), Err(FrameError::Truncated));
        assert_eq!(decode_answer(&[0xFF]), Err(FrameError::Truncated));
    }

    #[test]
    fn bodies_over_255_bytes_are_refused() {
        assert_eq!(encode(Code(0x17), &[0; 255]), Err(FrameError::TooLong(256)));
        assert_eq!(encode(Code(0x17), &[0; 254]).unwrap().len(), 258);
    }
}
