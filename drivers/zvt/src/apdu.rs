//! One ZVT APDU: `CLASS INSTR LEN DATA`.
//!
//! `LEN` is one byte for data shorter than 255 bytes; from 255 bytes on it is `FF` followed by
//! the length in two bytes, low byte first (the extended form a long print block uses).

/// A message between the cash register (ECR) and the payment terminal (PT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apdu {
    pub class: u8,
    pub instr: u8,
    pub data: Vec<u8>,
}

/// Why bytes are not one APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApduError {
    /// Fewer bytes than the header announces.
    Truncated,
    /// More bytes than the header announces.
    TrailingBytes(usize),
}

impl std::fmt::Display for ApduError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApduError::Truncated => f.write_str("the APDU is shorter than its length field says"),
            ApduError::TrailingBytes(n) => write!(f, "{n} bytes follow the APDU's data"),
        }
    }
}

impl Apdu {
    pub fn new(class: u8, instr: u8, data: Vec<u8>) -> Self {
        Self { class, instr, data }
    }

    /// `80 00 00`: the positive acknowledgement either side sends for a message.
    pub fn ack() -> Self {
        Self::new(0x80, 0x00, Vec::new())
    }

    /// Whether this is the message `class instr`.
    pub fn is(&self, class: u8, instr: u8) -> bool {
        self.class == class && self.instr == instr
    }

    /// The bytes on the line (before any serial framing).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 5);
        out.push(self.class);
        out.push(self.instr);
        out.extend_from_slice(&encode_len(self.data.len()));
        out.extend_from_slice(&self.data);
        out
    }

    /// Exactly one APDU from `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<Self, ApduError> {
        let (header, len) = header(bytes).ok_or(ApduError::Truncated)?;
        let end = header + len;
        if bytes.len() < end {
            return Err(ApduError::Truncated);
        }
        if bytes.len() > end {
            return Err(ApduError::TrailingBytes(bytes.len() - end));
        }
        Ok(Self::new(bytes[0], bytes[1], bytes[header..end].to_vec()))
    }
}

/// The length field for `len` data bytes.
pub fn encode_len(len: usize) -> Vec<u8> {
    if len < 0xFF {
        vec![len as u8]
    } else {
        let len = u16::try_from(len).expect("an APDU holds at most 65535 data bytes");
        let [lo, hi] = len.to_le_bytes();
        vec![0xFF, lo, hi]
    }
}

/// From the first bytes of an APDU: the header's size (3 or 5) and the data length, or none
/// while the header is incomplete.
pub fn header(bytes: &[u8]) -> Option<(usize, usize)> {
    match bytes.get(2)? {
        0xFF => {
            let len = u16::from_le_bytes([*bytes.get(3)?, *bytes.get(4)?]);
            Some((5, len as usize))
        }
        &len => Some((3, len as usize)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_is_three_bytes() {
        assert_eq!(Apdu::ack().encode(), [0x80, 0x00, 0x00]);
        assert_eq!(Apdu::decode(&[0x80, 0x00, 0x00]).unwrap(), Apdu::ack());
    }

    #[test]
    fn short_and_extended_lengths() {
        assert_eq!(encode_len(0), [0x00]);
        assert_eq!(encode_len(254), [0xFE]);
        assert_eq!(encode_len(255), [0xFF, 0xFF, 0x00]);
        // A print text block of 995 bytes: `06 D3 FF E3 03 …`.
        assert_eq!(encode_len(995), [0xFF, 0xE3, 0x03]);
        assert_eq!(header(&[0x06, 0xD3, 0xFF, 0xE3, 0x03]), Some((5, 995)));
        assert_eq!(header(&[0x06, 0xD3, 0xFF, 0xE3]), None);
        let long = Apdu::new(0x06, 0xD3, vec![0x20; 995]);
        let bytes = long.encode();
        assert_eq!(&bytes[..5], [0x06, 0xD3, 0xFF, 0xE3, 0x03]);
        assert_eq!(Apdu::decode(&bytes).unwrap(), long);
    }

    #[test]
    fn decode_rejects_wrong_lengths() {
        assert_eq!(Apdu::decode(&[0x06, 0x1E, 0x01]), Err(ApduError::Truncated));
        assert_eq!(
            Apdu::decode(&[0x06, 0x1E, 0x01, 0x6C, 0x00]),
            Err(ApduError::TrailingBytes(1))
        );
        assert_eq!(Apdu::decode(&[0x06]), Err(ApduError::Truncated));
    }
}
