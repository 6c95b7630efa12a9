//! The device's side of the line: bytes arrive in any pieces and are buffered until they
//! make a control byte (ENQ, ACK, NAK) or a whole frame (STX LEN ... LRC).

pub const STX: u8 = 0x02;
pub const ENQ: u8 = 0x05;
pub const ACK: u8 = 0x06;
pub const NAK: u8 = 0x15;

/// What the host sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    Enq,
    Ack,
    Nak,
    /// A frame with a correct LRC: its body (CMD..DATA).
    Frame(Vec<u8>),
    /// A frame whose LRC is wrong.
    Damaged,
}

/// Bytes received and not yet understood.
#[derive(Debug, Default)]
pub struct Input {
    buf: Vec<u8>,
}

impl Input {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Forgets a partial frame (the line dropped).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// The next complete thing the host sent, if the buffer holds one.
    pub fn next(&mut self) -> Option<Incoming> {
        loop {
            let &first = self.buf.first()?;
            match first {
                ENQ | ACK | NAK => {
                    self.buf.remove(0);
                    return Some(match first {
                        ENQ => Incoming::Enq,
                        ACK => Incoming::Ack,
                        _ => Incoming::Nak,
                    });
                }
                STX => {
                    let len = *self.buf.get(1)? as usize;
                    let total = len + 3;
                    if self.buf.len() < total {
                        return None;
                    }
                    let frame: Vec<u8> = self.buf.drain(..total).collect();
                    let lrc = frame[1..total - 1].iter().fold(0, |a, b| a ^ b);
                    return Some(if lrc == frame[total - 1] {
                        Incoming::Frame(frame[2..total - 1].to_vec())
                    } else {
                        Incoming::Damaged
                    });
                }
                // Line noise between frames: a real device ignores it too.
                _ => {
                    self.buf.remove(0);
                }
            }
        }
    }
}

/// An answer frame around `body` (CMD.. ERR DATA).
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(body.len() + 3);
    f.push(STX);
    f.push(body.len() as u8);
    f.extend_from_slice(body);
    f.push(f[1..].iter().fold(0, |a, b| a ^ b));
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_assemble_from_single_bytes() {
        let mut input = Input::default();
        let bytes = [
            0xAA, ENQ, STX, 0x05, 0x10, 0x1E, 0x00, 0x00, 0x00, 0x0B, ACK,
        ];
        let mut got = Vec::new();
        for b in bytes {
            input.push(&[b]);
            while let Some(i) = input.next() {
                got.push(i);
            }
        }
        assert_eq!(
            got,
            [
                Incoming::Enq,
                Incoming::Frame(vec![0x10, 0x1E, 0, 0, 0]),
                Incoming::Ack
            ]
        );
    }

    #[test]
    fn a_wrong_lrc_is_reported_and_consumed() {
        let mut input = Input::default();
        input.push(&[STX, 0x05, 0x10, 0x1E, 0x00, 0x00, 0x00, 0x0C, NAK]);
        assert_eq!(input.next(), Some(Incoming::Damaged));
        assert_eq!(input.next(), Some(Incoming::Nak));
        assert_eq!(input.next(), None);
    }

    #[test]
    fn answer_frames() {
        assert_eq!(frame(&[0x10, 0x00]), [STX, 0x02, 0x10, 0x00, 0x12]);
    }
}
