//! The TLV container (BMP `06`) and its BER-style lengths: one byte up to 127, `81 xx` up to
//! 255, `82 xx xx` (high byte first) beyond. Tags are one byte, or two when the first is `1F`
//! (or `FF`, `x1F` in general: the low five bits all set). The driver reads TLV data only to
//! step over it; nothing it needs travels there.

/// The length field for `len` value bytes.
pub fn encode_len(len: usize) -> Vec<u8> {
    match len {
        0..=0x7F => vec![len as u8],
        0x80..=0xFF => vec![0x81, len as u8],
        _ => {
            let [hi, lo] = u16::try_from(len)
                .expect("a TLV value holds at most 65535 bytes")
                .to_be_bytes();
            vec![0x82, hi, lo]
        }
    }
}

/// The value length and the size of the length field at the start of `bytes`.
pub fn decode_len(bytes: &[u8]) -> Option<(usize, usize)> {
    match *bytes.first()? {
        n @ 0..=0x7F => Some((usize::from(n), 1)),
        0x81 => Some((usize::from(*bytes.get(1)?), 2)),
        0x82 => Some((
            usize::from(u16::from_be_bytes([*bytes.get(1)?, *bytes.get(2)?])),
            3,
        )),
        _ => None,
    }
}

/// One data object: its tag (one or two bytes, as a number) and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object<'a> {
    pub tag: u16,
    pub value: &'a [u8],
}

/// The data objects of a container's value, at one level; none when malformed.
pub fn objects(mut bytes: &[u8]) -> Option<Vec<Object<'_>>> {
    let mut out = Vec::new();
    while let Some(&first) = bytes.first() {
        let (tag, tag_len) = if first & 0x1F == 0x1F {
            (u16::from_be_bytes([first, *bytes.get(1)?]), 2)
        } else {
            (u16::from(first), 1)
        };
        let (len, len_len) = decode_len(&bytes[tag_len..])?;
        let start = tag_len + len_len;
        let value = bytes.get(start..start + len)?;
        out.push(Object { tag, value });
        bytes = &bytes[start + len..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        for len in [0, 1, 127, 128, 255, 256, 995] {
            let bytes = encode_len(len);
            assert_eq!(decode_len(&bytes), Some((len, bytes.len())));
        }
        assert_eq!(encode_len(128), [0x81, 0x80]);
        assert_eq!(encode_len(995), [0x82, 0x03, 0xE3]);
        assert_eq!(decode_len(&[0x83, 0, 0, 0]), None);
    }

    #[test]
    fn objects_with_long_tags() {
        // From an abort: 1F16 extended error code, 1F17 extended error text.
        let value = [
            0x1F, 0x16, 0x02, 0xFF, 0x00, 0x1F, 0x17, 0x02, b'o', b'k', 0x60, 0x00,
        ];
        let objects = objects(&value).unwrap();
        assert_eq!(objects.len(), 3);
        assert_eq!(
            objects[0],
            Object {
                tag: 0x1F16,
                value: &[0xFF, 0x00]
            }
        );
        assert_eq!(objects[1].tag, 0x1F17);
        assert_eq!(
            objects[2],
            Object {
                tag: 0x60,
                value: &[]
            }
        );
        assert_eq!(super::objects(&[0x1F, 0x16, 0x05, 0x00]), None);
    }
}
