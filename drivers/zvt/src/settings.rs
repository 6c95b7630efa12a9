//! The driver's settings (`[devices.settings]` in the host's configuration), read through the
//! WIT `settings` import or, in tests, built directly. See the crate's README for each key.

use std::time::Duration;

use crate::error::Error;
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

fn digits(key: &str, value: &str, max: usize) -> Result<u32, Error> {
    let value = value.trim();
    if value.is_empty() || value.len() > max || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::unsupported(format!(
            "setting {key} = \"{value}\" is not a number of at most {max} digits"
        )));
    }
    value
        .parse()
        .map_err(|_| Error::unsupported(format!("setting {key} = \"{value}\" is not a number")))
}

impl Settings {
    /// Reads every key with `get`; an absent key keeps its default.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let mut s = Settings::default();
        if let Some(v) = get("password") {
            s.password = digits("password", &v, 6)?;
        }
        if let Some(v) = get("currency") {
            s.currency = digits("currency", &v, 3)? as u16;
        }
        if let Some(v) = get("framing") {
            s.framing = match v.trim().to_ascii_lowercase().as_str() {
                "tcp" => Framing::Tcp,
                "serial" => Framing::Serial,
                other => {
                    return Err(Error::unsupported(format!(
                        "setting framing = \"{other}\": use \"tcp\" or \"serial\""
                    )));
                }
            };
        }
        if let Some(v) = get("timeout-ms") {
            let ms = digits("timeout-ms", &v, 9)?;
            if ms == 0 {
                return Err(Error::unsupported("setting timeout-ms must be above 0"));
            }
            s.timeout = Duration::from_millis(ms.into());
        }
        if let Some(v) = get("refund-reference") {
            s.refund_reference = match v.trim() {
                "trace" => true,
                "none" => false,
                other => {
                    return Err(Error::unsupported(format!(
                        "setting refund-reference = \"{other}\": use \"trace\" or \"none\""
                    )));
                }
            };
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<Settings, Error> {
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
    fn bad_values() {
        assert!(read(&[("password", "1234567")]).is_err());
        assert!(read(&[("password", "12a")]).is_err());
        assert!(read(&[("framing", "usb")]).is_err());
        assert!(read(&[("timeout-ms", "0")]).is_err());
        assert!(read(&[("currency", "RUB")]).is_err());
    }
}
