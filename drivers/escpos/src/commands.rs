//! Byte encoders of the ESC/POS commands the driver sends, as Epson's ESC/POS reference
//! defines them. Pure functions: no validation beyond what the byte layout itself needs.

use crate::settings::CutMode;
use crate::{Align, TextSize};

pub const LF: u8 = 0x0A;
pub const DLE: u8 = 0x10;
pub const EOT: u8 = 0x04;
pub const ESC: u8 = 0x1B;
pub const FS: u8 = 0x1C;
pub const GS: u8 = 0x1D;

/// `ESC @`: clear the buffer, reset every mode to its power-on default.
pub fn init() -> [u8; 2] {
    [ESC, b'@']
}

/// `FS .`: leave Kanji (Chinese double-byte) mode, so bytes 0x80.. are single characters.
pub fn cancel_kanji() -> [u8; 2] {
    [FS, b'.']
}

/// `ESC t n`: select character code table `n`.
pub fn code_page(n: u8) -> [u8; 3] {
    [ESC, b't', n]
}

/// `ESC a n`: justification of the lines that follow (0 left, 1 center, 2 right).
pub fn align(align: Align) -> [u8; 3] {
    let n = match align {
        Align::Left => 0,
        Align::Center => 1,
        Align::Right => 2,
    };
    [ESC, b'a', n]
}

/// `ESC E n`: emphasized (bold) on or off.
pub fn bold(on: bool) -> [u8; 3] {
    [ESC, b'E', on as u8]
}

/// `GS ! n`: character size; bits 4..6 are the width magnification − 1, bits 0..2 the height's.
pub fn char_size(size: TextSize) -> [u8; 3] {
    let n = match size {
        TextSize::Normal => 0x00,
        TextSize::DoubleWidth => 0x10,
        TextSize::DoubleHeight => 0x01,
        TextSize::Double => 0x11,
    };
    [GS, b'!', n]
}

/// `ESC d n`: print the buffer and feed `n` lines.
pub fn feed_lines(n: u8) -> [u8; 3] {
    [ESC, b'd', n]
}

/// `GS V m n` (function B, m = 65 full / 66 partial): feed to the cutter, plus `n` motion
/// units, and cut; the last printed line is not cut through.
pub fn cut(mode: CutMode) -> [u8; 4] {
    let m = match mode {
        CutMode::Full => 65,
        CutMode::Partial => 66,
    };
    [GS, b'V', m, 0]
}

/// `DLE EOT n`: real-time status (1 printer, 2 offline cause, 3 error cause, 4 paper sensor).
pub fn realtime_status(n: u8) -> [u8; 3] {
    [DLE, EOT, n]
}

/// `GS ( k pL pH cn fn [params]`: a 2D-symbol function; cn 49 is QR code.
fn qr_function(function: u8, params: &[u8]) -> Vec<u8> {
    let len = params.len() + 2; // cn and fn count in pL pH
    let mut bytes = Vec::with_capacity(5 + len);
    bytes.extend_from_slice(&[GS, b'(', b'k', len as u8, (len >> 8) as u8, 49, function]);
    bytes.extend_from_slice(params);
    bytes
}

/// QR error correction level (`GS ( k` function 169: n = 48 + level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrLevel {
    L = 0,
    M = 1,
    Q = 2,
    H = 3,
}

impl QrLevel {
    /// The most bytes a QR code (version 40, byte mode) holds at this level.
    pub fn capacity(self) -> usize {
        match self {
            QrLevel::L => 2953,
            QrLevel::M => 2331,
            QrLevel::Q => 1663,
            QrLevel::H => 1273,
        }
    }
}

/// The five `GS ( k` commands that print a QR code: model 2, module size, error correction,
/// store the data, print the stored symbol. `data` must fit `level.capacity()`.
pub fn qr(data: &[u8], module_size: u8, level: QrLevel) -> Vec<u8> {
    let mut bytes = qr_function(65, &[50, 0]); // fn 165: model 2
    bytes.extend(qr_function(67, &[module_size])); // fn 167: module size in dots
    bytes.extend(qr_function(69, &[48 + level as u8])); // fn 169: error correction
    let mut store = Vec::with_capacity(data.len() + 1);
    store.push(48); // fn 180, m = 48
    store.extend_from_slice(data);
    bytes.extend(qr_function(80, &store)); // fn 180: store the data
    bytes.extend(qr_function(81, &[48])); // fn 181: print the stored symbol
    bytes
}

/// The barcode look: `GS h` bar height, `GS w` module width (dots), `GS H 2` digits below,
/// `GS f 0` in font A.
pub fn barcode_setup(height: u8, module_width: u8) -> Vec<u8> {
    vec![
        GS,
        b'h',
        height, // bar height in dots
        GS,
        b'w',
        module_width, // narrow module width in dots
        GS,
        b'H',
        2, // human-readable digits below
        GS,
        b'f',
        0, // in font A
    ]
}

/// `GS k m n d1..dn` (function B: the symbology `m` is 65.., the data length-prefixed).
pub fn barcode(m: u8, data: &[u8]) -> Vec<u8> {
    let mut bytes = vec![GS, b'k', m, data.len() as u8];
    bytes.extend_from_slice(data);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// python-escpos (github.com/python-escpos/python-escpos, src/escpos/escpos.py,
    /// `Escpos.qr(..., native=True)` and `_send_2d_code_data`, at 5b943360) sends, for
    /// `qr("test")` with its defaults (model 2, size 3, level L), exactly these bytes.
    #[test]
    fn qr_matches_python_escpos() {
        let expected: &[u8] = &[
            0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00, // model 2
            0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x03, // size 3
            0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x30, // level L
            0x1D, 0x28, 0x6B, 0x07, 0x00, 0x31, 0x50, 0x30, b't', b'e', b's', b't', // store
            0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30, // print
        ];
        assert_eq!(qr(b"test", 3, QrLevel::L), expected);
    }

    #[test]
    fn qr_length_spills_into_ph() {
        let data = vec![b'x'; 300];
        let bytes = qr(&data, 6, QrLevel::M);
        let store = &bytes[25..];
        // 300 data bytes + m + cn + fn = 303 = 0x012F
        assert_eq!(&store[..7], &[0x1D, 0x28, 0x6B, 0x2F, 0x01, 0x31, 0x50]);
        assert_eq!(
            &bytes[17..25],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]
        );
    }

    #[test]
    fn simple_commands_are_the_known_bytes() {
        assert_eq!(init(), [0x1B, 0x40]);
        assert_eq!(code_page(17), [0x1B, 0x74, 0x11]);
        assert_eq!(align(Align::Center), [0x1B, 0x61, 0x01]);
        assert_eq!(align(Align::Right), [0x1B, 0x61, 0x02]);
        assert_eq!(bold(true), [0x1B, 0x45, 0x01]);
        assert_eq!(bold(false), [0x1B, 0x45, 0x00]);
        assert_eq!(char_size(TextSize::Double), [0x1D, 0x21, 0x11]);
        assert_eq!(char_size(TextSize::DoubleWidth), [0x1D, 0x21, 0x10]);
        assert_eq!(char_size(TextSize::DoubleHeight), [0x1D, 0x21, 0x01]);
        assert_eq!(feed_lines(3), [0x1B, 0x64, 0x03]);
        assert_eq!(realtime_status(4), [0x10, 0x04, 0x04]);
        assert_eq!(cancel_kanji(), [0x1C, 0x2E]);
    }

    /// `GS V 66 0` is also what python-escpos sends for `cut(feed=False)`.
    #[test]
    fn cut_is_gs_v_function_b() {
        assert_eq!(cut(CutMode::Partial), [0x1D, 0x56, 0x42, 0x00]);
        assert_eq!(cut(CutMode::Full), [0x1D, 0x56, 0x41, 0x00]);
    }

    #[test]
    fn barcode_is_length_prefixed() {
        assert_eq!(barcode(67, b"4006381333931"), {
            let mut v = vec![0x1D, 0x6B, 0x43, 13];
            v.extend_from_slice(b"4006381333931");
            v
        });
        assert_eq!(
            barcode_setup(80, 3),
            [0x1D, 0x68, 80, 0x1D, 0x77, 3, 0x1D, 0x48, 2, 0x1D, 0x66, 0]
        );
    }
}
