//! The driver's configuration keys (`[devices.settings]` in the host's configuration),
//! documented in the crate's README.

use std::time::Duration;

/// The vendor's factory password of the system administrator (operator 30): it may run
/// every command, so it is the default for both passwords.
pub const DEFAULT_PASSWORD: u32 = 30;
/// How long a command may take, printing included. A Z report on a long shift prints for
/// several seconds; fifteen leave room without hanging the host on a dead line for long.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(15_000);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `password`: the operator (cashier) password sent with receipts, shifts and printing.
    pub password: u32,
    /// `admin-password`: the administrator password for reports, table writes and
    /// fiscal-drive queries (the vendor requires the system administrator for those).
    pub admin_password: u32,
    /// `timeout-ms`: how long the register may take to answer one command.
    pub timeout: Duration,
    /// `paper-width`: characters per line at normal size; unset: asked from the register.
    pub paper_width: Option<u32>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            password: DEFAULT_PASSWORD,
            admin_password: DEFAULT_PASSWORD,
            timeout: DEFAULT_TIMEOUT,
            paper_width: None,
        }
    }
}

impl Settings {
    /// Reads the keys through `get`; returns the settings and a warning per value it could
    /// not use (the default applies then).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let mut number = |key: &str, range: std::ops::RangeInclusive<u64>| -> Option<u64> {
            let raw = get(key)?;
            match raw.trim().parse::<u64>() {
                Ok(n) if range.contains(&n) => Some(n),
                _ => {
                    warnings.push(format!(
                        "setting {key} = {raw:?} is not a number in {}..={}; using the default",
                        range.start(),
                        range.end()
                    ));
                    None
                }
            }
        };
        let defaults = Self::default();
        let settings = Self {
            password: number("password", 0..=u32::MAX as u64)
                .map_or(defaults.password, |n| n as u32),
            admin_password: number("admin-password", 0..=u32::MAX as u64)
                .map_or(defaults.admin_password, |n| n as u32),
            timeout: number("timeout-ms", 100..=600_000)
                .map_or(defaults.timeout, Duration::from_millis),
            paper_width: number("paper-width", 16..=96).map(|n| n as u32),
        };
        (settings, warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_defaults() {
        let (s, w) = Settings::from_lookup(|_| None);
        assert_eq!(s, Settings::default());
        assert!(w.is_empty());
        let (s, w) = Settings::from_lookup(|k| match k {
            "password" => Some("1".into()),
            "timeout-ms" => Some("2500".into()),
            "paper-width" => Some("abc".into()),
            _ => None,
        });
        assert_eq!(s.password, 1);
        assert_eq!(s.admin_password, 30);
        assert_eq!(s.timeout, Duration::from_millis(2500));
        assert_eq!(s.paper_width, None);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("paper-width"));
    }
}
