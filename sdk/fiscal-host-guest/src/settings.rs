//! One settings policy for every driver, over the `settings` import.
//!
//! The policy:
//!
//! - **Absent** (the configuration does not set the key): `Ok(None)`; the driver applies its
//!   documented default, usually with `.unwrap_or(DEFAULT)`.
//! - **Present and good**: `Ok(Some(value))`. Surrounding whitespace is trimmed before a typed
//!   value is parsed ([`Settings::text`] returns the value as written).
//! - **Present but bad** — unparsable, out of range, not one of the words allowed, or empty —
//!   is an error, [`SettingError`], naming the key, the value and what was expected. Never a
//!   silent default: a misconfigured register must not print receipts with the wrong password or
//!   code page. A driver returns it from the operation (`?` converts it to a `driver-error` of
//!   class `unsupported`), so the host reports the misconfiguration on the first call.
//! - Integers are decimal and range-checked ([`Settings::int`]); durations are whole
//!   milliseconds, keys ending in `-ms` by convention ([`Settings::millis`]); booleans are
//!   `true`/`false`, `yes`/`no`, `on`/`off` or `1`/`0`, any case ([`Settings::flag`]); words from
//!   a fixed list match in any case ([`Settings::choice`]); anything else with a `FromStr`
//!   goes through [`Settings::get`].
//! - Read the settings at the start of every call, not once per instance: the host may reload
//!   its configuration while the instance lives.
//!
//! The parsing core is [`Settings::new`] over any lookup closure, so a driver's settings are
//! unit-tested natively with a closure over a table; [`Settings::host`] is the same over the
//! import.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

/// A setting that is present but unusable, or required and absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    /// The key, as in the configuration.
    pub key: String,
    /// The value as written; none when a required key is absent.
    pub value: Option<String>,
    /// What the driver expected: "a whole number from 16 to 96".
    pub expected: String,
}

impl SettingError {
    /// `key` = `value` is not `expected`.
    pub fn bad(key: &str, value: &str, expected: impl Into<String>) -> Self {
        SettingError {
            key: key.to_string(),
            value: Some(value.to_string()),
            expected: expected.into(),
        }
    }

    /// `key` must be set, to `expected`.
    pub fn missing(key: &str, expected: impl Into<String>) -> Self {
        SettingError {
            key: key.to_string(),
            value: None,
            expected: expected.into(),
        }
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(
                f,
                "setting `{}` = {value:?} is not {}",
                self.key, self.expected
            ),
            None => write!(
                f,
                "setting `{}` is not set; it must be {}",
                self.key, self.expected
            ),
        }
    }
}

impl std::error::Error for SettingError {}

/// The lookup [`Settings::host`] uses.
pub type HostLookup = fn(&str) -> Option<String>;

/// A typed reader over a key lookup. See the module documentation for the policy.
#[derive(Clone)]
pub struct Settings<F = HostLookup> {
    lookup: F,
}

impl Settings<HostLookup> {
    /// The device's settings from the host's `settings` import. Outside Wasm (native tests)
    /// every key is absent; build the settings under test with [`Settings::new`] instead.
    pub fn host() -> Self {
        Settings::new(host_get as HostLookup)
    }
}

fn host_get(key: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::wit::settings::get(key)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = key;
        None
    }
}

impl<F: Fn(&str) -> Option<String>> Settings<F> {
    /// Settings over any lookup: the import, a table in a test.
    pub fn new(lookup: F) -> Self {
        Settings { lookup }
    }

    /// The value as written, untrimmed; none when absent. For free text (a model name).
    pub fn text(&self, key: &str) -> Option<String> {
        (self.lookup)(key)
    }

    /// The trimmed value parsed by `parse`; `expected` says what `parse` accepts, for the error.
    pub fn parse_with<T>(
        &self,
        key: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, SettingError> {
        let Some(raw) = (self.lookup)(key) else {
            return Ok(None);
        };
        let value = raw.trim();
        if value.is_empty() {
            return Err(SettingError::bad(key, &raw, expected));
        }
        parse(value)
            .map(Some)
            .ok_or_else(|| SettingError::bad(key, &raw, expected))
    }

    /// Any `FromStr` type; the error quotes the parser's reason.
    pub fn get<T>(&self, key: &str) -> Result<Option<T>, SettingError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        let Some(raw) = (self.lookup)(key) else {
            return Ok(None);
        };
        let type_name = short_type_name::<T>();
        raw.trim()
            .parse::<T>()
            .map(Some)
            .map_err(|e| SettingError::bad(key, &raw, format!("a valid {type_name} ({e})")))
    }

    /// A decimal integer within `range`.
    pub fn int<T>(&self, key: &str, range: RangeInclusive<T>) -> Result<Option<T>, SettingError>
    where
        T: FromStr + PartialOrd + fmt::Display,
    {
        let expected = format!("a whole number from {} to {}", range.start(), range.end());
        self.parse_with(key, &expected, |v| {
            v.parse::<T>().ok().filter(|n| range.contains(n))
        })
    }

    /// A duration in whole milliseconds within `range_ms`.
    pub fn millis(
        &self,
        key: &str,
        range_ms: RangeInclusive<u64>,
    ) -> Result<Option<Duration>, SettingError> {
        let expected = format!(
            "a duration in whole milliseconds from {} to {}",
            range_ms.start(),
            range_ms.end()
        );
        self.parse_with(key, &expected, |v| {
            v.parse::<u64>()
                .ok()
                .filter(|n| range_ms.contains(n))
                .map(Duration::from_millis)
        })
    }

    /// A boolean: `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`, any case.
    pub fn flag(&self, key: &str) -> Result<Option<bool>, SettingError> {
        self.parse_with(key, "true or false (or yes/no, on/off, 1/0)", |v| {
            match v.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Some(true),
                "false" | "no" | "off" | "0" => Some(false),
                _ => None,
            }
        })
    }

    /// One of a fixed list of words, any case: `choice("framing", &[("tcp", Tcp), ("serial", Serial)])`.
    pub fn choice<T: Clone>(
        &self,
        key: &str,
        choices: &[(&str, T)],
    ) -> Result<Option<T>, SettingError> {
        let words: Vec<String> = choices.iter().map(|(w, _)| format!("{w:?}")).collect();
        let expected = match words.as_slice() {
            [one] => one.clone(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
            [] => "anything (no value is allowed)".to_string(),
        };
        self.parse_with(key, &expected, |v| {
            choices
                .iter()
                .find(|(word, _)| word.eq_ignore_ascii_case(v))
                .map(|(_, value)| value.clone())
        })
    }
}

/// `u32` rather than `core::primitive::u32`, `Ipv4Addr` rather than `core::net::…::Ipv4Addr`.
fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

#[cfg(test)]
mod tests;
