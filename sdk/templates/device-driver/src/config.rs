//! The driver's settings, read under the SDK's policy.

use std::time::Duration;

use fiscal_host_guest::settings::{SettingError, Settings};

/// What `[devices.settings]` configures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `timeout-ms`: how long one answer may take.
    pub timeout: Duration,
    /// `width`: characters per line at normal size.
    pub width: u32,
}

impl Config {
    /// Reads every key; an absent key keeps its default, a bad value is an error.
    pub fn read<F: Fn(&str) -> Option<String>>(s: &Settings<F>) -> Result<Self, SettingError> {
        Ok(Config {
            timeout: s
                .millis("timeout-ms", 1..=60_000)?
                .unwrap_or(Duration::from_millis(2000)),
            width: s.int("width", 16u32..=96)?.unwrap_or(48),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_values_and_errors() {
        let none = Settings::new(|_: &str| None);
        assert_eq!(Config::read(&none).unwrap().width, 48);
        let set = Settings::new(|k: &str| (k == "width").then(|| "32".to_string()));
        assert_eq!(Config::read(&set).unwrap().width, 32);
        let bad = Settings::new(|k: &str| (k == "width").then(|| "wide".to_string()));
        assert_eq!(Config::read(&bad).unwrap_err().key, "width");
    }
}
