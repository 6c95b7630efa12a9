//! The driver's configuration keys (`[devices.settings]` in the host's configuration),
//! documented in the crate's README, read under the SDK's settings policy: an absent key takes
//! its default, a present but bad one is an error naming the key.

use std::time::Duration;

use fiscal_host_guest::settings::{SettingError, Settings as Lookup};

/// The vendor's factory password of the system administrator (operator 30): it may run
/// every command, so it is the default for both passwords.
pub const DEFAULT_PASSWORD: u32 = 30;
/// How long a command may take, printing included. A Z report on a long shift prints for
/// several seconds; fifteen leave room without hanging the host on a dead line for long.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(15_000);
/// How long a marking-code check (FF61h) may take: the register asks the marking system
/// (ОИСМ) and waits for it, so the answer may come long after a plain command's. The vendor's
/// JavaPOS driver gives FF61h the marking server's timeout plus a second; twenty seconds cover
/// the registers' usual server timeout with room to spare.
pub const DEFAULT_MARKING_TIMEOUT: Duration = Duration::from_millis(20_000);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `password`: the operator (cashier) password sent with receipts, shifts and printing.
    pub password: u32,
    /// `admin-password`: the administrator password for reports, table writes and
    /// fiscal-drive queries (the vendor requires the system administrator for those).
    pub admin_password: u32,
    /// `timeout-ms`: how long the register may take to answer one command.
    pub timeout: Duration,
    /// `marking-timeout-ms`: how long the register may take to answer a marking-code check
    /// (FF61h) only; every other command keeps `timeout`.
    pub marking_timeout: Duration,
    /// `paper-width`: characters per line at normal size; unset: asked from the register.
    pub paper_width: Option<u32>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            password: DEFAULT_PASSWORD,
            admin_password: DEFAULT_PASSWORD,
            timeout: DEFAULT_TIMEOUT,
            marking_timeout: DEFAULT_MARKING_TIMEOUT,
            paper_width: None,
        }
    }
}

impl Settings {
    /// Reads the keys through `lookup`; the first present but unusable value is the error.
    pub fn read<F: Fn(&str) -> Option<String>>(lookup: &Lookup<F>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        Ok(Self {
            password: lookup
                .int("password", 0..=u32::MAX)?
                .unwrap_or(defaults.password),
            admin_password: lookup
                .int("admin-password", 0..=u32::MAX)?
                .unwrap_or(defaults.admin_password),
            timeout: lookup
                .millis("timeout-ms", 100..=600_000)?
                .unwrap_or(defaults.timeout),
            marking_timeout: lookup
                .millis("marking-timeout-ms", 100..=600_000)?
                .unwrap_or(defaults.marking_timeout),
            paper_width: lookup.int("paper-width", 16..=96)?,
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
            "password" => Some("1".into()),
            "timeout-ms" => Some(" 2500 ".into()),
            "paper-width" => Some("42".into()),
            "marking-timeout-ms" => Some("30000".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.password, 1);
        assert_eq!(s.admin_password, 30);
        assert_eq!(s.timeout, Duration::from_millis(2500));
        assert_eq!(s.paper_width, Some(42));
        assert_eq!(s.marking_timeout, Duration::from_millis(30_000));
        assert_eq!(Settings::default().marking_timeout, DEFAULT_MARKING_TIMEOUT);
    }

    #[test]
    fn a_bad_value_is_an_error_naming_its_key() {
        for (key, value) in [
            ("password", "abc"),
            ("admin-password", "-1"),
            ("timeout-ms", "50"),
            ("timeout-ms", ""),
            ("marking-timeout-ms", "10"),
            ("paper-width", "abc"),
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
