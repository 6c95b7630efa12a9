//! The driver's settings (`[devices.settings]` in the host's configuration), read through the
//! WIT `settings` import under the SDK's settings policy (an absent key keeps its default, a
//! present but bad value is an error naming the key) or, in tests, built directly. See the
//! crate's README for each key.

use std::time::Duration;

use fiscal_host_guest::settings::{SettingError, Settings as Lookup};

use crate::link::Framing;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `password`: the terminal's password, six digits; default 000000.
    pub password: u32,
    /// `currency`: ISO 4217 numeric; default 643 (RUB).
    pub currency: u16,
    /// `framing`: "tcp" (default) or "serial".
    pub framing: Framing,
    /// `timeout-ms`: the longest wait for anything the terminal owes (an ACK, the next
    /// message of a conversation, which may wait for the customer's PIN); default 50 000.
    pub timeout: Duration,
    /// `refund-reference`: "trace" (default) sends the original trace number and terminal id
    /// from the rrn with a refund; "none" sends a plain refund of the amount.
    pub refund_reference: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            password: 0,
            currency: 643,
            framing: Framing::Tcp,
            timeout: Duration::from_millis(50_000),
            refund_reference: true,
        }
    }
}

/// A decimal number of at most `max` digits (no sign, no spaces inside).
fn digits<F: Fn(&str) -> Option<String>>(
    lookup: &Lookup<F>,
    key: &str,
    max: usize,
) -> Result<Option<u32>, SettingError> {
    let expected = format!("a number of at most {max} digits");
    lookup.parse_with(key, &expected, |v| {
        (v.len() <= max && v.bytes().all(|b| b.is_ascii_digit()))
            .then(|| v.parse().ok())
            .flatten()
    })
}

impl Settings {
    /// Reads every key through `lookup`; an absent key keeps its default, the first present
    /// but unusable value is the error.
    pub fn read<F: Fn(&str) -> Option<String>>(lookup: &Lookup<F>) -> Result<Self, SettingError> {
        let d = Settings::default();
        Ok(Settings {
            password: digits(lookup, "password", 6)?.unwrap_or(d.password),
            currency: digits(lookup, "currency", 3)?.map_or(d.currency, |c| c as u16),
            framing: lookup
                .choice(
                    "framing",
                    &[("tcp", Framing::Tcp), ("serial", Framing::Serial)],
                )?
                .unwrap_or(d.framing),
            timeout: lookup
                .millis("timeout-ms", 1..=999_999_999)?
                .unwrap_or(d.timeout),
            refund_reference: lookup
                .choice("refund-reference", &[("trace", true), ("none", false)])?
                .unwrap_or(d.refund_reference),
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

    fn read(pairs: &[(&str, &str)]) -> Result<Settings, SettingError> {
        Settings::from_lookup(|k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_and_values() {
        assert_eq!(read(&[]).unwrap(), Settings::default());
        let s = read(&[
            ("password", "12345"),
            ("currency", "978"),
            ("framing", "serial"),
            ("timeout-ms", "1500"),
            ("refund-reference", "none"),
        ])
        .unwrap();
        assert_eq!(s.password, 12345);
        assert_eq!(s.currency, 978);
        assert_eq!(s.framing, Framing::Serial);
        assert_eq!(s.timeout, Duration::from_millis(1500));
        assert!(!s.refund_reference);
    }

    #[test]
    fn bad_values_are_errors_naming_the_key() {
        for (key, value) in [
            ("password", "1234567"),
            ("password", "12a"),
            ("password", ""),
            ("framing", "usb"),
            ("timeout-ms", "0"),
            ("currency", "RUB"),
            ("refund-reference", "rrn"),
        ] {
            let e = read(&[(key, value)]).unwrap_err();
            assert_eq!(e.key, key);
            let e = fiscal_host_guest::types::DriverError::from(e);
            assert_eq!(e.class, fiscal_host_guest::types::ErrorClass::Unsupported);
            assert!(e.message.contains(&format!("`{key}`")), "{}", e.message);
        }
    }
}
