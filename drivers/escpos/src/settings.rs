//! The driver's settings (`[devices.settings]` in the host's configuration), read once per
//! call under the SDK's settings policy: an absent key keeps its default, a present but bad
//! value is an error naming the key (a misconfiguration should not print). Keys and defaults
//! are documented in the crate's README.

use std::time::Duration;

use fiscal_host_guest::settings::{SettingError, Settings as Lookup};

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
    /// Reads every key through `lookup`; the first present but unusable value is the error.
    pub fn read<F: Fn(&str) -> Option<String>>(lookup: &Lookup<F>) -> Result<Self, SettingError> {
        let d = Settings::default();
        Ok(Settings {
            code_page: lookup.int("code-page", 0..=255)?.unwrap_or(d.code_page),
            width: lookup.int("width", 8..=255)?.unwrap_or(d.width),
            cut: lookup
                .choice(
                    "cut",
                    &[("full", CutMode::Full), ("partial", CutMode::Partial)],
                )?
                .unwrap_or(d.cut),
            qr_size: lookup.int("qr-size", 1..=16)?.unwrap_or(d.qr_size),
            timeout: lookup
                .millis("timeout-ms", 1..=60_000)?
                .unwrap_or(d.timeout),
            status_check: lookup.flag("status-check")?.unwrap_or(d.status_check),
            cancel_kanji: lookup.flag("cancel-kanji")?.unwrap_or(d.cancel_kanji),
            model: lookup.text("model").unwrap_or(d.model),
        })
    }

    /// Reads every key through a plain key lookup (a table in a test).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        Self::read(&Lookup::new(get))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DriverError, ErrorClass};

    fn from(pairs: &[(&str, &str)]) -> Result<Settings, SettingError> {
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
            ("timeout-ms", "0"),
            ("status-check", "maybe"),
            ("cancel-kanji", ""),
        ] {
            let e = from(&[(key, value)]).unwrap_err();
            assert_eq!(e.key, key);
            // Returned from the operation as a driver-error naming the key.
            let e = DriverError::from(e);
            assert_eq!(e.class, ErrorClass::Unsupported);
            assert!(e.message.contains(&format!("`{key}`")), "{e:?}");
        }
    }
}
