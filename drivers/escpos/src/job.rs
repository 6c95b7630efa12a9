//! A print job: the whole byte stream for a list of print elements, built (and every element
//! checked) before a byte is sent, so a bad barcode never leaves half a receipt on paper.
//!
//! The stream is `ESC @`, the code page, the elements, then the modes back at their defaults
//! (left, not bold, normal size) for whoever prints next without `ESC @`. Modes are sent only
//! when they change.

use crate::commands::{self, QrLevel};
use crate::settings::Settings;
use crate::{Align, DriverError, Element, TextSize, barcode, cp866, errors};

/// QR codes are printed at level M: the usual choice for receipt QR codes.
const QR_LEVEL: QrLevel = QrLevel::M;
/// Bar height of barcodes, in dots (10 mm at 203 dpi).
const BARCODE_HEIGHT: u8 = 80;
/// Dots a character of font A takes; the paper holds `width` of them.
const DOTS_PER_CHAR: u32 = 12;

struct Job<'s> {
    settings: &'s Settings,
    bytes: Vec<u8>,
    align: Align,
    bold: bool,
    size: TextSize,
}

impl Job<'_> {
    fn set(&mut self, align: Align, bold: bool, size: TextSize) {
        if align != self.align {
            self.bytes.extend(commands::align(align));
            self.align = align;
        }
        if bold != self.bold {
            self.bytes.extend(commands::bold(bold));
            self.bold = bold;
        }
        if size != self.size {
            self.bytes.extend(commands::char_size(size));
            self.size = size;
        }
    }

    fn line(&mut self, text: &str) {
        self.bytes.extend(cp866::encode(text));
        self.bytes.push(commands::LF);
    }

    fn element(&mut self, element: &Element) -> Result<(), String> {
        match element {
            Element::Text(text) => {
                self.set(text.align, text.bold, text.size);
                // A layout gives one line; a stray line break still prints as a break.
                for line in text.content.split('\n') {
                    self.line(line.strip_suffix('\r').unwrap_or(line));
                }
            }
            Element::Separator(c) => {
                self.set(Align::Left, false, TextSize::Normal);
                let line: String = std::iter::repeat_n(*c, self.settings.width as usize).collect();
                self.line(&line);
            }
            Element::Qr(data) => {
                if data.is_empty() {
                    return Err("an empty QR code".into());
                }
                if data.len() > QR_LEVEL.capacity() {
                    return Err(format!(
                        "a QR code of {} bytes; at most {} fit",
                        data.len(),
                        QR_LEVEL.capacity()
                    ));
                }
                self.set(Align::Center, self.bold, self.size);
                self.bytes.extend(commands::qr(
                    data.as_bytes(),
                    self.settings.qr_size,
                    QR_LEVEL,
                ));
            }
            Element::Barcode(code) => {
                let encoded = barcode::encode(code.kind, &code.data)?;
                // The widest modules that fit the paper; the printer skips a symbol that does not.
                let dots = self.settings.width * DOTS_PER_CHAR;
                let module = if encoded.modules * 3 <= dots { 3 } else { 2 };
                self.set(Align::Center, self.bold, self.size);
                self.bytes
                    .extend(commands::barcode_setup(BARCODE_HEIGHT, module));
                self.bytes
                    .extend(commands::barcode(encoded.m, &encoded.data));
            }
            Element::Feed(0) => {}
            Element::Feed(n) => self.bytes.extend(commands::feed_lines(*n)),
            Element::Cut => self.bytes.extend(commands::cut(self.settings.cut)),
        }
        Ok(())
    }
}

/// The bytes that print `elements`; an element the printer cannot print is an `unsupported` error.
pub fn encode(elements: &[Element], settings: &Settings) -> Result<Vec<u8>, DriverError> {
    let mut job = Job {
        settings,
        bytes: Vec::with_capacity(64 + elements.len() * 56),
        align: Align::Left,
        bold: false,
        size: TextSize::Normal,
    };
    job.bytes.extend(commands::init());
    if settings.cancel_kanji {
        job.bytes.extend(commands::cancel_kanji());
    }
    job.bytes.extend(commands::code_page(settings.code_page));
    for (i, element) in elements.iter().enumerate() {
        job.element(element)
            .map_err(|e| errors::unsupported(format!("print element {i}: {e}")))?;
    }
    job.bytes.extend(commands::align(Align::Left));
    job.bytes.extend(commands::bold(false));
    job.bytes.extend(commands::char_size(TextSize::Normal));
    Ok(job.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Barcode, BarcodeKind, ErrorClass, Text};

    fn text(content: &str, align: Align, bold: bool, size: TextSize) -> Element {
        Element::Text(Text {
            content: content.into(),
            align,
            bold,
            size,
        })
    }

    const TAIL: [u8; 9] = [0x1B, 0x61, 0, 0x1B, 0x45, 0, 0x1D, 0x21, 0];

    #[test]
    fn a_job_is_init_code_page_elements_and_defaults() {
        let bytes = encode(
            &[
                text("Привет", Align::Center, true, TextSize::Double),
                text("ok", Align::Center, true, TextSize::Double),
                Element::Feed(2),
                Element::Cut,
            ],
            &Settings::default(),
        )
        .unwrap();
        let mut expected = vec![0x1B, 0x40, 0x1B, 0x74, 17];
        expected.extend([0x1B, 0x61, 1, 0x1B, 0x45, 1, 0x1D, 0x21, 0x11]);
        expected.extend([0x8F, 0xE0, 0xA8, 0xA2, 0xA5, 0xE2, 0x0A]);
        expected.extend(b"ok\n"); // same modes: nothing resent
        expected.extend([0x1B, 0x64, 2]);
        expected.extend([0x1D, 0x56, 0x42, 0]);
        expected.extend(TAIL);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn separator_fills_the_width_and_kanji_is_cancelled_when_asked() {
        let settings = Settings {
            width: 32,
            cancel_kanji: true,
            code_page: 7,
            ..Settings::default()
        };
        let bytes = encode(&[Element::Separator('=')], &settings).unwrap();
        let mut expected = vec![0x1B, 0x40, 0x1C, 0x2E, 0x1B, 0x74, 7];
        expected.extend([b'='; 32]);
        expected.push(0x0A);
        expected.extend(TAIL);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn a_bad_element_fails_the_whole_job() {
        let e = encode(
            &[
                text("fine", Align::Left, false, TextSize::Normal),
                Element::Barcode(Barcode {
                    kind: BarcodeKind::Ean8,
                    data: "12".into(),
                }),
            ],
            &Settings::default(),
        )
        .unwrap_err();
        assert_eq!(e.class, ErrorClass::Unsupported);
        assert!(
            e.message.starts_with("print element 1: EAN-8"),
            "{}",
            e.message
        );
        assert_eq!(
            encode(&[Element::Qr(String::new())], &Settings::default())
                .unwrap_err()
                .class,
            ErrorClass::Unsupported
        );
    }

    #[test]
    fn barcodes_and_qr_are_centred() {
        let bytes = encode(
            &[Element::Barcode(Barcode {
                kind: BarcodeKind::Ean13,
                data: "4006381333931".into(),
            })],
            &Settings::default(),
        )
        .unwrap();
        let mut expected = vec![0x1B, 0x40, 0x1B, 0x74, 17, 0x1B, 0x61, 1];
        expected.extend(commands::barcode_setup(80, 3));
        expected.extend([0x1D, 0x6B, 67, 13]);
        expected.extend(b"4006381333931");
        expected.extend(TAIL);
        assert_eq!(bytes, expected);
    }
}
