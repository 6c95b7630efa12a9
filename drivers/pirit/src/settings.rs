//! The driver's configuration keys (`[devices.settings]` in the host's configuration),
//! documented in the crate's README, read under the SDK's settings policy: an absent key takes
//! its default, a present but bad one is an error naming the key.

use std::time::Duration;

use fiscal_host_guest::settings::{SettingError, Settings as Lookup};

/// The link password the register ships with ("Пароль по умолчанию - ”PIRI”").
pub const DEFAULT_PASSWORD: [u8; 4] = *b"PIRI";
/// How long one command may take. The vendor gives no bound ("зависит от выполняемой ККТ в
/// данный момент операции"); a Z report on a long shift prints for several seconds, and
/// opening a shift may wait for the fiscal drive's key update (section 0x23), so fifteen.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(15_000);
/// How long a marking-code check (0x79/1) may take: the register waits for the marking
/// system (3 s by the document, setting 204 "Таймер ОИСМ-сервера" may raise it) after the
/// fiscal drive's own check, so twenty seconds leave room.
pub const DEFAULT_MARKING_TIMEOUT: Duration = Duration::from_millis(20_000);
/// Font 0 prints 44 characters on 80 mm paper ("Шрифт 13х24, 44 символа в строке").
pub const DEFAULT_PAPER_WIDTH: u32 = 44;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `password`: the link password, exactly four ASCII characters.
    pub password: [u8; 4],
    /// `timeout-ms`: how long the register may take to answer one command.
    pub timeout: Duration,
    /// `marking-timeout-ms`: how long a marking-code check (0x79/1) may take.
    pub marking_timeout: Duration,
    /// `paper-width`: characters per line at normal size.
    pub paper_width: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            password: DEFAULT_PASSWORD,
            timeout: DEFAULT_TIMEOUT,
            marking_timeout: DEFAULT_MARKING_TIMEOUT,
            paper_width: DEFAULT_PAPER_WIDTH,
        }
    }
}

impl Settings {
    /// Reads the keys through `lookup`; the first present but unusable value is the error.
    pub fn read<F: Fn(&str) -> Option<String>>(lookup: &Lookup<F>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        let password = lookup.parse_with("password", "four ASCII characters", |v| {
            <[u8; 4]>::try_from(v.as_bytes())
                .ok()
                .filter(|p| p.iter().all(|b| (0x20..0x7F).contains(b)))
        })?;
        Ok(Self {
            password: password.unwrap_or(defaults.password),
            timeout: lookup
                .millis("timeout-ms", 100..=600_000)?
                .unwrap_or(defaults.timeout),
            marking_timeout: lookup
                .millis("marking-timeout-ms", 100..=600_000)?
                .unwrap_or(defaults.marking_timeout),
            paper_width: lookup
                .int("paper-width", 16..=96)?
                .unwrap_or(defaults.paper_width),
        })
    }

    /// Reads the keys through a plain key lookup (a table in a test).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        Self::read(&Lookup::new(get))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{DriverError, ErrorClass};

    #[test]
    fn keys_and_defaults() {
        assert_eq!(
            Settings::from_lookup(|_| None).unwrap(),
            Settings::default()
        );
        let s = Settings::from_lookup(|k| match k {
            "password" => Some("ABCD".into()),
            "timeout-ms" => Some(" 2500 ".into()),
            "marking-timeout-ms" => Some("30000".into()),
            "paper-width" => Some("32".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(&s.password, b"ABCD");
        assert_eq!(s.timeout, Duration::from_millis(2500));
        assert_eq!(s.marking_timeout, Duration::from_millis(30_000));
        assert_eq!(s.paper_width, 32);
        assert!(Settings::default().marking_timeout > Settings::default().timeout);
    }

    #[test]
    fn a_bad_value_is_an_error_naming_its_key() {
        for (key, value) in [
            ("password", "PIR"),
            ("password", "ПИРИ"),
            ("timeout-ms", "50"),
            ("timeout-ms", ""),
            ("marking-timeout-ms", "x"),
            ("paper-width", "200"),
        ] {
            let e = Settings::from_lookup(|k| (k == key).then(|| value.to_string())).unwrap_err();
            assert_eq!(e.key, key);
            let e = DriverError::from(e);
            assert_eq!(e.class, ErrorClass::Unsupported);
            assert!(e.message.contains(&format!("`{key}`")), "{}", e.message);
        }
    }
}
