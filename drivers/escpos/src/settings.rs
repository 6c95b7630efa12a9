//! The driver's settings (`[devices.settings]` in the host's configuration), parsed once per
//! call from a key lookup. Keys and defaults are documented in the crate's README.

use std::time::Duration;

use crate::DriverError;
use crate::errors;

/// How `cut` elements cut the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutMode {
    Full,
    Partial,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `code-page`: the `ESC t` number of the printer's CP866 table (17 on Epson-compatibles).
    pub code_page: u8,
    /// `width`: characters per line at normal size (48 on 80 mm paper, 32 on 58 mm).
    pub width: u32,
    /// `cut`: "full" or "partial".
    pub cut: CutMode,
    /// `qr-size`: QR module size in dots, 1..=16.
    pub qr_size: u8,
    /// `timeout-ms`: how long a status reply may take.
    pub timeout: Duration,
    /// `status-check`: false for printers that cannot answer (a one-way line).
    pub status_check: bool,
    /// `cancel-kanji`: send `FS .` first, for printers that start in Chinese double-byte mode.
    pub cancel_kanji: bool,
    /// `model`: what `describe` reports as the model.
    pub model: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            code_page: 17,
            width: 48,
            cut: CutMode::Partial,
            qr_size: 6,
            timeout: Duration::from_millis(1000),
            status_check: true,
            cancel_kanji: false,
            model: "ESC/POS printer".into(),
        }
    }
}

impl Settings {
    /// Reads every key through `get`; a key that is not set keeps its default, a value that
    /// does not parse is an error naming the key (a misconfiguration should not print).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, DriverError> {
        let mut s = Settings::default();
        if let Some(v) = get("code-page") {
            s.code_page = number(&v, "code-page", 0..=255)? as u8;
        }
        if let Some(v) = get("width") {
            s.width = number(&v, "width", 8..=255)?;
        }
        if let Some(v) = get("cut") {
            s.cut = match v.trim().to_ascii_lowercase().as_str() {
                "full" => CutMode::Full,
                "partial" => CutMode::Partial,
                _ => return Err(bad("cut", &v, "\"full\" or \"partial\"")),
            };
        }
        if let Some(v) = get("qr-size") {
            s.qr_size = number(&v, "qr-size", 1..=16)? as u8;
        }
        if let Some(v) = get("timeout-ms") {
            s.timeout = Duration::from_millis(number(&v, "timeout-ms", 1..=60_000)?.into());
        }
        if let Some(v) = get("status-check") {
            s.status_check = flag(&v, "status-check")?;
        }
        if let Some(v) = get("cancel-kanji") {
            s.cancel_kanji = flag(&v, "cancel-kanji")?;
        }
        if let Some(v) = get("model") {
            s.model = v;
        }
        Ok(s)
    }
}

fn number(
    value: &str,
    key: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, DriverError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            let wanted = format!("a number from {} to {}", range.start(), range.end());
            bad(key, value, &wanted)
        })
}

fn flag(value: &str, key: &str) -> Result<bool, DriverError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(bad(key, value, "true or false")),
    }
}

fn bad(key: &str, value: &str, wanted: &str) -> DriverError {
    errors::device(format!("setting `{key}` = {value:?} is not {wanted}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorClass;

    fn from(pairs: &[(&str, &str)]) -> Result<Settings, DriverError> {
        Settings::from_lookup(|k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        assert_eq!(from(&[]).unwrap(), Settings::default());
        assert_eq!(Settings::default().code_page, 17);
        assert_eq!(Settings::default().width, 48);
    }

    #[test]
    fn every_key_is_read() {
        let s = from(&[
            ("code-page", "7"),
            ("width", "32"),
            ("cut", "Full"),
            ("qr-size", "4"),
            ("timeout-ms", "250"),
            ("status-check", "no"),
            ("cancel-kanji", "true"),
            ("model", "TM-T20"),
        ])
        .unwrap();
        assert_eq!(s.code_page, 7);
        assert_eq!(s.width, 32);
        assert_eq!(s.cut, CutMode::Full);
        assert_eq!(s.qr_size, 4);
        assert_eq!(s.timeout, Duration::from_millis(250));
        assert!(!s.status_check);
        assert!(s.cancel_kanji);
        assert_eq!(s.model, "TM-T20");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        for (key, value) in [
            ("width", "wide"),
            ("code-page", "300"),
            ("cut", "half"),
            ("qr-size", "0"),
        ] {
            let e = from(&[(key, value)]).unwrap_err();
            assert_eq!(e.class, ErrorClass::Device);
            assert!(e.message.contains(key), "{e:?}");
        }
    }
}
