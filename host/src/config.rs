//! The host's configuration: TOML from `--config`, or the embedded default when absent.
//!
//! Unknown keys are refused (`deny_unknown_fields`) so a typo is a start-up error naming the
//! key, not a setting silently ignored. Plain data and its checks, importing nothing of the
//! host's but the list of what it carries built in (`builtins`, to check a model's name); the
//! plugins, transports and devices read it, never the other way round.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::builtins;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP/WebSocket faces listen on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Journal, compile cache and other state; default: the user's data directory.
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// The jurisdiction of the lanes that do not name one, and its tax settings.
    #[serde(default)]
    pub tax: TaxConfig,
    /// The seller's requisites printed on every copy, unless a lane has its own.
    #[serde(default)]
    pub organisation: OrganisationConfig,
    #[serde(default)]
    pub plugins: PluginsConfig,
    /// `[[devices]]` as written; absent = the emulated lanes of `[emulation]`.
    #[serde(default, rename = "devices")]
    configured_devices: Option<Vec<DeviceConfig>>,
    /// The devices in force: the configured ones, or the emulated lanes.
    #[serde(skip)]
    pub devices: Vec<DeviceConfig>,
    /// The embedded default's shape when no `[[devices]]` are configured.
    #[serde(default)]
    pub emulation: EmulationConfig,
    #[serde(default)]
    pub auth: AuthConfig,
    /// Seed 002: refuse a second receipt with the same `code`.
    #[serde(default = "yes")]
    pub unique_receipt_codes: bool,
    /// The largest request body the faces accept, in bytes.
    #[serde(default = "default_body_limit")]
    pub max_body_bytes: u64,
    /// What a sale does with a marking code the marking system does not confirm.
    #[serde(default)]
    pub marking: MarkingConfig,
    /// Head office: where the journal's outbox is shipped (`fleet`); absent ships nowhere.
    #[serde(default)]
    pub fleet: Option<FleetConfig>,
}

/// `[fleet]`: this host's journal shipped to a chain's PostgreSQL (README, "Head office").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetConfig {
    /// `postgres://user@host:port/database`, without a password: a password in the URL is
    /// refused, so it is never written in a file others read or in a log.
    pub postgres: String,
    /// This shop's name at head office: the key of every row it ships.
    pub host_id: String,
    /// The environment variable holding the password (default `FISCAL_HOST_FLEET_PASSWORD`).
    #[serde(default)]
    pub password_env: Option<String>,
    /// A file holding the password (its first line), instead of the environment.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// Days a row head office holds stays in the journal's outbox (default 7; 0 prunes it
    /// once shipped): a head-office database restored from a backup at most this old is
    /// filled again from the shops.
    #[serde(default = "FleetConfig::default_keep_shipped_days")]
    pub keep_shipped_days: u32,
}

impl FleetConfig {
    fn default_keep_shipped_days() -> u32 {
        7
    }

    fn validate(&self) -> Result<(), String> {
        if self.host_id.trim().is_empty() || self.host_id.len() > 64 {
            return Err("fleet.host_id must be 1 to 64 characters".into());
        }
        let rest = self
            .postgres
            .strip_prefix("postgres://")
            .or_else(|| self.postgres.strip_prefix("postgresql://"))
            .ok_or("fleet.postgres must be a postgres:// URL")?;
        let authority = rest.split('/').next().unwrap_or_default();
        if authority
            .rsplit_once('@')
            .is_some_and(|(user, _)| user.contains(':'))
        {
            return Err(
                "fleet.postgres holds a password: give it in password_env or password_file".into(),
            );
        }
        if self.password_env.is_some() && self.password_file.is_some() {
            return Err("fleet: password_env or password_file, not both".into());
        }
        Ok(())
    }
}

/// `[marking]`: the policy on marking-code checks (README, "Marking codes").
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkingConfig {
    /// Sell an item whose code the marking system rejects (the verdict journaled), as
    /// KKMServer's `AcceptOnBad`; default false: such a sale fails before any money moves.
    #[serde(default)]
    pub accept_on_bad: bool,
}

fn default_body_limit() -> u64 {
    1 << 20
}

/// Credentials, as argon2 hashes (`fiscal-host hash-secret` makes one). None = auth off,
/// which the host accepts on a loopback address only.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default)]
    pub users: Vec<UserConfig>,
    /// Hashes of bearer tokens.
    #[serde(default)]
    pub token_hashes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub login: String,
    pub password_hash: String,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            data_dir: None,
            tax: TaxConfig::default(),
            organisation: OrganisationConfig::default(),
            plugins: PluginsConfig::default(),
            configured_devices: None,
            devices: EmulationConfig::default().devices(),
            emulation: EmulationConfig::default(),
            auth: AuthConfig::default(),
            marking: MarkingConfig::default(),
            unique_receipt_codes: true,
            max_body_bytes: default_body_limit(),
            fleet: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text).map_err(|e| match e {
            Ok(source) => ConfigError::Parse {
                path: path.to_owned(),
                source,
            },
            Err(invalid) => invalid,
        })
    }

    /// Parses and checks a configuration (Ok(parse error) | Err(invalid)).
    fn from_toml(text: &str) -> Result<Self, Result<toml::de::Error, ConfigError>> {
        let mut config: Config = toml::from_str(text).map_err(Ok)?;
        config.emulation.validate().map_err(Err)?;
        config.devices = match config.configured_devices.clone() {
            Some(_) if config.emulation != EmulationConfig::default() => {
                return Err(Err(ConfigError::Invalid(
                    "[emulation] shapes the default devices and applies only without [[devices]]; \
                     give the emulated devices `unit` and `baud` in their transport instead"
                        .into(),
                )));
            }
            Some(devices) => devices,
            None => config.emulation.devices(),
        };
        config.validate().map_err(Err)?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(fleet) = &self.fleet {
            fleet.validate().map_err(ConfigError::Invalid)?;
        }
        let limits = &self.plugins.limits;
        if limits.memory_bytes < (1 << 20) {
            return Err(ConfigError::Invalid(format!(
                "plugins.limits.memory_bytes = {} is below 1 MiB; no plugin can run in that",
                limits.memory_bytes
            )));
        }
        if limits.cpu_ms == 0 {
            return Err(ConfigError::Invalid(
                "plugins.limits.cpu_ms must be above 0; no plugin call can run in no time".into(),
            ));
        }
        check_tax("tax", self.tax.standard_rate, &self.tax.codes)?;
        self.organisation.validate("organisation")?;
        self.check_lanes()?;
        let credentials = !self.auth.users.is_empty() || !self.auth.token_hashes.is_empty();
        if !credentials && !self.listen.ip().is_loopback() {
            return Err(ConfigError::Invalid(format!(
                "listen = {} is not a loopback address and [auth] has no credentials: refusing to \
                 serve a fiscal register to the network unauthenticated",
                self.listen
            )));
        }
        for (i, user) in self.auth.users.iter().enumerate() {
            if argon2::password_hash::PasswordHash::new(&user.password_hash).is_err() {
                return Err(ConfigError::Invalid(format!(
                    "auth.users[{i}].password_hash is not an argon2 hash (make one with `fiscal-host hash-secret`)"
                )));
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        let mut units = std::collections::BTreeMap::new();
        for (i, device) in self.devices.iter().enumerate() {
            device
                .validate()
                .map_err(|e| ConfigError::Invalid(format!("devices[{i}] ({}): {e}", device.id)))?;
            if !ids.insert(device.id.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "devices[{i}]: the id \"{}\" is used twice",
                    device.id
                )));
            }
            // Two devices on one emulated unit would interleave their commands on one model.
            if let TransportConfig::Emulator { emulator, unit, .. } = &device.transport
                && let Some(other) = units.insert((emulator.as_str(), *unit), device.id.as_str())
            {
                return Err(ConfigError::Invalid(format!(
                    "devices[{i}] ({}): emulator unit {unit} is already device {other}'s; give it another `unit`",
                    device.id
                )));
            }
        }
        Ok(())
    }

    /// The jurisdiction of a register's lane: its own, else `[tax]`'s.
    pub fn jurisdiction_of(&self, register: &DeviceConfig) -> Country {
        register.jurisdiction.unwrap_or(self.tax.country)
    }

    /// A register's `printer` and `terminal` name devices of those kinds; only a register has
    /// a jurisdiction, its own tax settings or organisation.
    fn check_lanes(&self) -> Result<(), ConfigError> {
        for device in &self.devices {
            let lane_keys = [
                ("jurisdiction", device.jurisdiction.is_some()),
                ("tax", device.tax.is_some()),
                ("organisation", device.organisation.is_some()),
            ];
            if device.kind != DeviceKind::FiscalRegister
                && let Some((key, _)) = lane_keys.iter().find(|(_, set)| *set)
            {
                return Err(ConfigError::Invalid(format!(
                    "device {}: only a fiscal register (a lane) has a {key}",
                    device.id
                )));
            }
            if let Some(tax) = &device.tax {
                check_tax(
                    &format!("devices.{}.tax", device.id),
                    tax.standard_rate,
                    &tax.codes,
                )?;
            }
            if let Some(organisation) = &device.organisation {
                organisation.validate(&format!("devices.{}.organisation", device.id))?;
            }
        }
        let kind_of = |id: &str| self.devices.iter().find(|d| d.id == id).map(|d| d.kind);
        for device in &self.devices {
            for (key, wanted, named) in [
                ("printer", DeviceKind::Printer, &device.printer),
                ("terminal", DeviceKind::PaymentTerminal, &device.terminal),
            ] {
                let Some(named) = named else { continue };
                if device.kind != DeviceKind::FiscalRegister {
                    return Err(ConfigError::Invalid(format!(
                        "device {}: only a fiscal register has a {key}",
                        device.id
                    )));
                }
                if kind_of(named) != Some(wanted) {
                    return Err(ConfigError::Invalid(format!(
                        "device {}: {key} = \"{named}\" is not a configured {key}",
                        device.id
                    )));
                }
            }
        }
        Ok(())
    }

    /// The data directory in force: configured, or the platform's data dir, or `./data`.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| {
            directories::ProjectDirs::from("", "", "fiscal-host")
                .map(|d| d.data_dir().to_owned())
                .unwrap_or_else(|| PathBuf::from("data"))
        })
    }
}

/// A standard rate in hundredths of a percent and every code's rate text parse.
fn check_tax(
    what: &str,
    standard_rate: Option<i32>,
    codes: &[TaxCodeConfig],
) -> Result<(), ConfigError> {
    if let Some(rate) = standard_rate
        && !(0..=10_000).contains(&rate)
    {
        return Err(ConfigError::Invalid(format!(
            "{what}.standard_rate = {rate} is not a rate in hundredths of a percent (0..=10000)"
        )));
    }
    for code in codes {
        code.rate.parse().map_err(ConfigError::Invalid)?;
    }
    Ok(())
}

/// A jurisdiction: the country whose fiscal law a lane's receipts follow.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
pub enum Country {
    RU,
    KZ,
    UZ,
}

impl Country {
    pub fn code(self) -> &'static str {
        match self {
            Country::RU => "RU",
            Country::KZ => "KZ",
            Country::UZ => "UZ",
        }
    }

    /// The built-in tax plugin for the country.
    pub fn builtin_tax_plugin(self) -> &'static str {
        match self {
            Country::RU => "tax-ru",
            Country::KZ | Country::UZ => "tax-kz-uz",
        }
    }

    /// The currency a register of the country counts in (ISO 4217), printed on its copies.
    pub fn currency(self) -> &'static str {
        match self {
            Country::RU => "RUB",
            Country::KZ => "KZT",
            Country::UZ => "UZS",
        }
    }

    /// What a receipt of the country calls its VAT. Kazakhstan's ҚҚС is printed НДС: receipt
    /// printers print CP866, which has no Қ, and Russian-language receipts there say НДС.
    pub fn tax_name(self) -> &'static str {
        match self {
            Country::RU | Country::KZ => "НДС",
            Country::UZ => "QQS/НДС",
        }
    }

    /// What a receipt of the country calls the seller's taxpayer number.
    pub fn taxpayer_label(self) -> &'static str {
        match self {
            Country::RU => "ИНН",
            Country::KZ => "БИН",
            Country::UZ => "STIR",
        }
    }

    /// The country's name in log lines and error texts.
    pub fn name(self) -> &'static str {
        match self {
            Country::RU => "Russia",
            Country::KZ => "Kazakhstan",
            Country::UZ => "Uzbekistan",
        }
    }
}

/// `[organisation]` (or a register's `organisation`): the seller's requisites a copy prints.
/// For Russia these are FFD tags 1048 (name), 1018 (ИНН), 1009 (address of settlement) and 1187
/// (place of settlement); Kazakhstan's БИН and Uzbekistan's STIR go in `tax_id` the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationConfig {
    #[serde(default)]
    pub name: Option<String>,
    /// The taxpayer number: ИНН (10 or 12 digits), БИН (12 digits) or STIR (9 digits).
    #[serde(default)]
    pub tax_id: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// Where the sale takes place: a shop's name, a site's address (FFD tag 1187).
    #[serde(default)]
    pub place: Option<String>,
}

impl OrganisationConfig {
    fn validate(&self, what: &str) -> Result<(), ConfigError> {
        if let Some(tax_id) = &self.tax_id
            && !(tax_id.len() >= 9
                && tax_id.len() <= 12
                && tax_id.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(ConfigError::Invalid(format!(
                "{what}.tax_id \"{tax_id}\" is not a taxpayer number (ИНН, БИН or STIR: 9 to 12 digits)"
            )));
        }
        Ok(())
    }
}

/// A register's own tax settings (`[[devices]] tax = { … }`), for a lane whose jurisdiction is
/// not `[tax]`'s or whose settings differ from it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaneTaxConfig {
    /// A built-in tax plugin or a `.wasm` path; default: the jurisdiction's built-in one.
    #[serde(default)]
    pub plugin: Option<String>,
    #[serde(default)]
    pub standard_rate: Option<i32>,
    #[serde(default)]
    pub codes: Vec<TaxCodeConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxConfig {
    #[serde(default = "default_country")]
    pub country: Country,
    /// The standard VAT rate in hundredths of a percent where it is configuration (Kazakhstan).
    #[serde(default)]
    pub standard_rate: Option<i32>,
    /// Overrides of the plugin's dated mapping of seed 000's `tax_number` codes.
    #[serde(default)]
    pub codes: Vec<TaxCodeConfig>,
}

fn default_country() -> Country {
    Country::RU
}

impl Default for TaxConfig {
    fn default() -> Self {
        Self {
            country: default_country(),
            standard_rate: None,
            codes: Vec::new(),
        }
    }
}

/// `{ code = 0, rate = "22%", valid_from = 2026-01-01 }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxCodeConfig {
    pub code: u32,
    pub rate: RateText,
    #[serde(default)]
    pub valid_from: Option<toml::value::Datetime>,
}

/// A rate as people write it: "22%", "12.5%", "22/122", "none" (or "без НДС").
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct RateText(pub String);

/// A rate parsed from its text, in hundredths of a percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    Percent(i32),
    Computed(i32),
    Exempt,
}

impl RateText {
    pub fn parse(&self) -> Result<Rate, String> {
        let text = self.0.trim();
        let bad = || {
            format!(
                "tax.codes: rate \"{text}\" is not one of \"22%\", \"12.5%\", \"22/122\", \"none\""
            )
        };
        if text.eq_ignore_ascii_case("none") || text.to_lowercase() == "без ндс" {
            return Ok(Rate::Exempt);
        }
        if let Some(percent) = text.strip_suffix('%') {
            return parse_hundredths(percent.trim())
                .map(Rate::Percent)
                .ok_or_else(bad);
        }
        if let Some((rate, base)) = text.split_once('/') {
            let rate: i32 = rate.trim().parse().map_err(|_| bad())?;
            let base: i32 = base.trim().parse().map_err(|_| bad())?;
            if base != 100 + rate || rate <= 0 {
                return Err(bad());
            }
            return Ok(Rate::Computed(rate * 100));
        }
        Err(bad())
    }
}

/// "12.5" → 1250; at most two decimals, no sign.
fn parse_hundredths(text: &str) -> Option<i32> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i32 = whole.parse().ok()?;
    let frac: i32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    let value = whole.checked_mul(100)?.checked_add(frac)?;
    (value <= 10_000).then_some(value)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginsConfig {
    /// A built-in name ("tax-ru", "tax-kz-uz") or a path to a `.wasm` component;
    /// default: the built-in plugin of `tax.country`.
    #[serde(default)]
    pub tax: Option<String>,
    /// A built-in name ("receipt-default") or a path to a `.wasm` component.
    #[serde(default)]
    pub layout: Option<String>,
    #[serde(default)]
    pub limits: Limits,
    /// Keep compiled components under `<data_dir>/plugin-cache` between runs.
    #[serde(default = "yes")]
    pub compile_cache: bool,
    /// `"perf-map"`: name the plugins' compiled code for `perf` ([`Profiler`]).
    #[serde(default)]
    pub profiler: Profiler,
}

fn yes() -> bool {
    true
}

impl Default for PluginsConfig {
    fn default() -> Self {
        Self {
            tax: None,
            layout: None,
            limits: Limits::default(),
            compile_cache: true,
            profiler: Default::default(),
        }
    }
}

pub use crate::builtins::DeviceKind;

/// One `[[devices]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    pub id: String,
    pub kind: DeviceKind,
    /// A built-in model's driver (`builtins::MODELS`: "shtrih-m", "pirit", "escpos", "zvt") or
    /// a path to a `.wasm` component.
    pub driver: String,
    pub transport: TransportConfig,
    /// Handed to the driver through its `settings` import; keys are the driver's own.
    #[serde(default)]
    pub settings: std::collections::BTreeMap<String, toml::Value>,
    /// The longest one operation (a receipt, a Z report) may take before the caller gets a timeout.
    #[serde(default = "default_operation_timeout_ms")]
    pub operation_timeout_ms: u64,
    /// How often an idle device's status is refreshed.
    #[serde(default = "default_status_interval_ms")]
    pub status_interval_ms: u64,
    /// For a fiscal register: the receipt printer of its lane (default: the first printer).
    #[serde(default)]
    pub printer: Option<String>,
    /// For a fiscal register: the card terminal of its lane (default: the first terminal).
    #[serde(default)]
    pub terminal: Option<String>,
    /// For a fiscal register: the jurisdiction of its lane (default: `[tax] country`).
    #[serde(default)]
    pub jurisdiction: Option<Country>,
    /// For a fiscal register: its lane's tax settings (default: `[tax]`'s when the lane is of
    /// `[tax]`'s jurisdiction, else the jurisdiction's built-in plugin as it is).
    #[serde(default)]
    pub tax: Option<LaneTaxConfig>,
    /// For a fiscal register: the requisites its lane's copies print (default: `[organisation]`).
    #[serde(default)]
    pub organisation: Option<OrganisationConfig>,
}

fn default_operation_timeout_ms() -> u64 {
    60_000
}

fn default_status_interval_ms() -> u64 {
    10_000
}

impl DeviceConfig {
    fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("id is empty".into());
        }
        if self.operation_timeout_ms == 0 {
            return Err("operation_timeout_ms must be above 0".into());
        }
        if self.status_interval_ms < 100 {
            return Err("status_interval_ms must be at least 100".into());
        }
        for (key, value) in &self.settings {
            if matches!(value, toml::Value::Array(_) | toml::Value::Table(_)) {
                return Err(format!(
                    "settings.{key} must be a string, number or boolean"
                ));
            }
        }
        match &self.transport {
            TransportConfig::Serial(serial) => serial.validate(),
            TransportConfig::Tcp { address, .. } if !address.contains(':') => Err(format!(
                "transport.address \"{address}\" needs a port (host:port)"
            )),
            TransportConfig::Emulator { emulator, .. } => match builtins::model(emulator) {
                Some(model) if model.kind == self.kind => Ok(()),
                _ => Err(format!(
                    "transport.emulator \"{emulator}\" is not a built-in model of a {} ({})",
                    self.kind.noun(),
                    builtins::model_names_of(self.kind).join(", ")
                )),
            },
            _ => Ok(()),
        }
    }

    /// Settings as the driver sees them: every value as text.
    pub fn settings_text(&self) -> std::collections::BTreeMap<String, String> {
        self.settings
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect()
    }

    /// A device of a built-in model on that model's in-process emulator.
    fn emulated(id: &str, model: &builtins::Model, unit: u32, baud: Option<u32>) -> Self {
        Self {
            id: id.into(),
            kind: model.kind,
            driver: model.name.into(),
            transport: TransportConfig::Emulator {
                emulator: model.name.into(),
                unit,
                baud,
            },
            settings: Default::default(),
            operation_timeout_ms: default_operation_timeout_ms(),
            status_interval_ms: default_status_interval_ms(),
            printer: None,
            terminal: None,
            jurisdiction: None,
            tax: None,
            organisation: None,
        }
    }
}

/// `[emulation]`: the devices the host runs when no `[[devices]]` are configured. One lane is the
/// embedded default (`kkt`, `printer`, `terminal`); more lanes model a store or a rack of
/// registers for load tests (`kkt-1`, `printer-1`, `terminal-1`, …, each lane its own emulated
/// devices). Beside them runs an Uzbek lane (`kkt-uz` with its printer `printer-uz`), so the
/// JSON-RPC face of seed 002 (an Uzbek virtual cash register's API) works as its seed is written.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EmulationConfig {
    /// Checkout lanes: a fiscal register, a receipt printer and a card terminal each.
    #[serde(default = "one")]
    pub lanes: u32,
    /// Emulated lines carry bytes at this rate (8N1, 10 bits a byte), as a serial cable would;
    /// absent = at once, so figures measure the host alone.
    #[serde(default)]
    pub baud: Option<u32>,
    /// Run the Uzbek lane beside the others.
    #[serde(default = "yes")]
    pub uzbek_lane: bool,
    /// The lanes' register: a built-in register model (`shtrih-m`, `pirit`).
    #[serde(default = "default_register")]
    pub register: String,
}

fn default_register() -> String {
    builtins::default_model(DeviceKind::FiscalRegister)
        .name
        .to_owned()
}

fn one() -> u32 {
    1
}

impl Default for EmulationConfig {
    fn default() -> Self {
        Self {
            lanes: 1,
            baud: None,
            uzbek_lane: true,
            register: default_register(),
        }
    }
}

/// More lanes than this are a typo, not a store.
const MAX_LANES: u32 = 1024;

impl EmulationConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=MAX_LANES).contains(&self.lanes) {
            return Err(ConfigError::Invalid(format!(
                "emulation.lanes = {} must be 1..={MAX_LANES}",
                self.lanes
            )));
        }
        if let Some(baud) = self.baud
            && !(300..=4_000_000).contains(&baud)
        {
            return Err(ConfigError::Invalid(format!(
                "emulation.baud = {baud} is not a serial line rate (300..=4000000)"
            )));
        }
        self.register().map_err(ConfigError::Invalid)?;
        Ok(())
    }

    /// The register model of the lanes.
    fn register(&self) -> Result<&'static builtins::Model, String> {
        match builtins::model(&self.register) {
            Some(m) if m.kind == DeviceKind::FiscalRegister => Ok(m),
            _ => Err(format!(
                "emulation.register = \"{}\" is not a built-in register model ({})",
                self.register,
                builtins::model_names_of(DeviceKind::FiscalRegister).join(", ")
            )),
        }
    }

    /// The emulated devices of every lane.
    pub fn devices(&self) -> Vec<DeviceConfig> {
        let register = self
            .register()
            .unwrap_or_else(|_| builtins::default_model(DeviceKind::FiscalRegister));
        let printer = builtins::default_model(DeviceKind::Printer);
        let terminal = builtins::default_model(DeviceKind::PaymentTerminal);
        let kinds = [
            ("kkt", register),
            ("printer", printer),
            ("terminal", terminal),
        ];
        let mut devices = Vec::with_capacity(3 * self.lanes as usize);
        for lane in 1..=self.lanes {
            // One lane keeps the short names and unit 0 (the emulators tests reach).
            let unit = if self.lanes == 1 { 0 } else { lane };
            let id = |base: &str| {
                if unit == 0 {
                    base.to_owned()
                } else {
                    format!("{base}-{lane}")
                }
            };
            for (base, model) in kinds {
                let mut device = DeviceConfig::emulated(&id(base), model, unit, self.baud);
                if model.kind == DeviceKind::FiscalRegister && unit != 0 {
                    device.printer = Some(id("printer"));
                    device.terminal = Some(id("terminal"));
                }
                devices.push(device);
            }
        }
        if self.uzbek_lane {
            // Its own units, after the lanes', so its shift and counters are its own; the
            // default register model, whatever the lanes use, as it describes itself for
            // Uzbekistan.
            let unit = self.lanes + 1;
            let model = builtins::default_model(DeviceKind::FiscalRegister);
            let mut register = DeviceConfig::emulated("kkt-uz", model, unit, self.baud);
            register.jurisdiction = Some(Country::UZ);
            register.printer = Some("printer-uz".into());
            devices.push(register);
            devices.push(DeviceConfig::emulated(
                "printer-uz",
                printer,
                unit,
                self.baud,
            ));
        }
        devices
    }
}

/// How the host reaches a device.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TransportConfig {
    Serial(SerialConfig),
    Tcp {
        /// host:port; Shtrih-M network registers listen on 7778, raw printers on 9100.
        address: String,
        #[serde(default = "default_connect_timeout_ms")]
        connect_timeout_ms: u64,
    },
    /// An emulator running inside the host.
    Emulator {
        /// A built-in model (`builtins::MODELS`) of the device's kind.
        emulator: String,
        /// Which emulated device of that kind: each unit has its own state (shift, counters);
        /// 0 is the one the embedded default and the tests share.
        #[serde(default)]
        unit: u32,
        /// Pace the line at this rate (8N1); absent = at once.
        #[serde(default)]
        baud: Option<u32>,
    },
}

fn default_connect_timeout_ms() -> u64 {
    3_000
}

/// What the host tells a sampling profiler about the plugins' compiled code
/// (`[plugins] profiler`). Without it, `perf` sees one anonymous `[JIT]` region for every
/// plugin; with `perf-map` it names each plugin function (`wasm[0]::function[12]`, or the
/// function's own name when the component keeps its name section, as a debug build does).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profiler {
    #[default]
    None,
    /// `/tmp/perf-<pid>.map`, which `perf report` reads: `perf record -p <pid>` while the host
    /// runs, then `perf report`. Written as plugins are compiled or loaded; costs nothing after.
    PerfMap,
}

/// Limits applied to every call of a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(try_from = "LimitsToml")]
pub struct Limits {
    /// Largest linear memory a plugin may grow to, in bytes.
    pub memory_bytes: usize,
    /// CPU time one call may use, in milliseconds: the CPU time of the thread that runs it, so
    /// neither a driver waiting on its device in a transport read nor the thread being
    /// preempted by a busy machine counts (see `CallClock`).
    pub cpu_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 64 << 20,
            // A 100-line tax document takes ~25 µs and a register's driver well under 1 ms of
            // CPU per call (BENCHMARKS.md), so this leaves ~800× headroom while a runaway loop
            // holds its worker for 20 ms of CPU.
            cpu_ms: 20,
        }
    }
}

impl Limits {
    pub fn cpu(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.cpu_ms)
    }
}

/// `[plugins.limits]` as written, so a configuration that still states the old fuel budget
/// is refused with what to write instead: fuel counted instructions, so the time it allowed
/// depended on the machine, and the host no longer meters it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
struct LimitsToml {
    memory_bytes: usize,
    cpu_ms: u64,
    fuel: Option<u64>,
}

impl Default for LimitsToml {
    fn default() -> Self {
        let Limits {
            memory_bytes,
            cpu_ms,
        } = Limits::default();
        Self {
            memory_bytes,
            cpu_ms,
            fuel: None,
        }
    }
}

impl TryFrom<LimitsToml> for Limits {
    type Error = String;

    fn try_from(toml: LimitsToml) -> Result<Self, String> {
        if toml.fuel.is_some() {
            return Err(format!(
                "plugins.limits.fuel is no longer read: the CPU limit of a call is a time now; \
                 replace it with cpu_ms = {} (milliseconds, the default)",
                Limits::default().cpu_ms
            ));
        }
        Ok(Self {
            memory_bytes: toml.memory_bytes,
            cpu_ms: toml.cpu_ms,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerialConfig {
    pub path: PathBuf,
    #[serde(default = "default_baud")]
    pub baud: u32,
    #[serde(default = "default_data_bits")]
    pub data_bits: u8,
    #[serde(default)]
    pub parity: Parity,
    #[serde(default = "default_stop_bits")]
    pub stop_bits: u8,
    #[serde(default)]
    pub flow_control: FlowControl,
    /// No single read waits longer than this, whatever the driver asks.
    #[serde(default = "default_read_timeout_ms")]
    pub read_timeout_ms: u64,
}

fn default_baud() -> u32 {
    115_200
}
fn default_data_bits() -> u8 {
    8
}
fn default_stop_bits() -> u8 {
    1
}
fn default_read_timeout_ms() -> u64 {
    10_000
}

impl SerialConfig {
    fn validate(&self) -> Result<(), String> {
        if self.baud == 0 {
            return Err("transport.baud must be above 0".into());
        }
        if !(5..=8).contains(&self.data_bits) {
            return Err(format!(
                "transport.data_bits = {} is not 5, 6, 7 or 8",
                self.data_bits
            ));
        }
        if !(1..=2).contains(&self.stop_bits) {
            return Err(format!(
                "transport.stop_bits = {} is not 1 or 2",
                self.stop_bits
            ));
        }
        if self.read_timeout_ms == 0 {
            return Err("transport.read_timeout_ms must be above 0".into());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Parity {
    #[default]
    None,
    Odd,
    Even,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowControl {
    #[default]
    None,
    Software,
    Hardware,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::from_toml(text).map_err(|e| match e {
            Ok(parse) => parse.to_string(),
            Err(invalid) => invalid.to_string(),
        })
    }

    #[test]
    fn empty_file_is_the_default() {
        let config = parse("").unwrap();
        assert_eq!(config.listen, default_listen());
        assert_eq!(config.tax.country, Country::RU);
        assert!(config.plugins.compile_cache);
    }

    #[test]
    fn unknown_key_is_named() {
        let err = parse("[plugins]\ntaxx = \"tax-ru\"\n").unwrap_err();
        assert!(err.contains("taxx"), "{err}");
    }

    #[test]
    fn rates_parse_as_written() {
        let rate = |t: &str| RateText(t.into()).parse();
        assert_eq!(rate("22%"), Ok(Rate::Percent(2200)));
        assert_eq!(rate("12.5%"), Ok(Rate::Percent(1250)));
        assert_eq!(rate("0%"), Ok(Rate::Percent(0)));
        assert_eq!(rate("22/122"), Ok(Rate::Computed(2200)));
        assert_eq!(rate("none"), Ok(Rate::Exempt));
        assert_eq!(rate("Без НДС"), Ok(Rate::Exempt));
        assert!(rate("22/120").is_err());
        assert!(rate("12.345%").is_err());
        assert!(rate("-5%").is_err());
        assert!(rate("101%").is_err());
    }

    #[test]
    fn impossible_values_are_refused() {
        assert!(
            parse("[plugins.limits]\ncpu_ms = 0\n")
                .unwrap_err()
                .contains("cpu_ms")
        );
        // The old instruction budget is refused with what to write instead, not ignored.
        let err = parse("[plugins.limits]\nfuel = 1000000000\n").unwrap_err();
        assert!(err.contains("fuel") && err.contains("cpu_ms = 20"), "{err}");
        let limits = parse("[plugins.limits]\ncpu_ms = 50\n")
            .unwrap()
            .plugins
            .limits;
        assert_eq!((limits.cpu_ms, limits.memory_bytes), (50, 64 << 20));
        assert!(
            parse("[plugins.limits]\nmemory_bytes = 10\n")
                .unwrap_err()
                .contains("memory_bytes")
        );
        assert!(
            parse("[tax]\nstandard_rate = 20000\n")
                .unwrap_err()
                .contains("standard_rate")
        );
        assert!(parse("[tax]\ncountry = \"FR\"\n").is_err());
        let err = parse("[[tax.codes]]\ncode = 0\nrate = \"22 percent\"\n").unwrap_err();
        assert!(err.contains("22 percent"), "{err}");
    }

    #[test]
    fn devices_default_to_a_russian_and_an_uzbek_lane() {
        let config = parse("").unwrap();
        let ids: Vec<_> = config.devices.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["kkt", "printer", "terminal", "kkt-uz", "printer-uz"]);
        let uz = &config.devices[3];
        assert_eq!(config.jurisdiction_of(uz), Country::UZ);
        assert_eq!(config.jurisdiction_of(&config.devices[0]), Country::RU);
        assert_eq!(uz.printer.as_deref(), Some("printer-uz"));
        assert!(matches!(
            uz.transport,
            TransportConfig::Emulator { unit: 2, .. }
        ));
        let ids: Vec<_> = parse("[emulation]\nuzbek_lane = false\n")
            .unwrap()
            .devices
            .into_iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(ids, ["kkt", "printer", "terminal"]);
        assert!(parse("devices = []\n").unwrap().devices.is_empty());
    }

    #[test]
    fn emulated_lanes_pair_each_register_with_its_printer_and_terminal() {
        let config = parse("[emulation]\nlanes = 3\nbaud = 115200\nuzbek_lane = false\n").unwrap();
        assert_eq!(config.devices.len(), 9);
        let kkt = config.devices.iter().find(|d| d.id == "kkt-3").unwrap();
        assert_eq!(kkt.printer.as_deref(), Some("printer-3"));
        assert_eq!(kkt.terminal.as_deref(), Some("terminal-3"));
        assert!(matches!(
            kkt.transport,
            TransportConfig::Emulator {
                unit: 3,
                baud: Some(115_200),
                ..
            }
        ));
        assert!(
            parse("[emulation]\nlanes = 0\n")
                .unwrap_err()
                .contains("lanes")
        );
        assert!(
            parse("[emulation]\nbaud = 7\n")
                .unwrap_err()
                .contains("baud")
        );
        let err = parse(
            "[[devices]]\nid = \"k\"\nkind = \"fiscal-register\"\ndriver = \"shtrih-m\"\nterminal = \"nope\"\ntransport = { type = \"emulator\", emulator = \"shtrih-m\" }\n",
        )
        .unwrap_err();
        assert!(err.contains("nope"), "{err}");
        let twice = "[[devices]]\nid = \"a\"\nkind = \"printer\"\ndriver = \"escpos\"\ntransport = { type = \"emulator\", emulator = \"escpos\" }\n";
        let err = parse(&format!("{twice}{}", twice.replace("\"a\"", "\"b\""))).unwrap_err();
        assert!(err.contains("unit 0 is already device a"), "{err}");
        let err = parse(&format!("[emulation]\nlanes = 2\n{twice}")).unwrap_err();
        assert!(err.contains("only without [[devices]]"), "{err}");
    }

    #[test]
    fn a_serial_device_parses_with_its_settings() {
        let config = parse(
            r#"
            [[devices]]
            id = "kkt-2"
            kind = "fiscal-register"
            driver = "shtrih-m"
            transport = { type = "serial", path = "/dev/ttyUSB0", baud = 57600, parity = "even" }
            settings = { password = 30, "code-page" = "17" }
            "#,
        )
        .unwrap();
        let device = &config.devices[0];
        match &device.transport {
            TransportConfig::Serial(s) => {
                assert_eq!((s.baud, s.data_bits, s.stop_bits), (57600, 8, 1));
                assert!(matches!(s.parity, Parity::Even));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(device.settings_text()["password"], "30");
    }

    #[test]
    fn device_mistakes_are_named() {
        let device = |transport: &str| {
            format!(
                "[[devices]]\nid = \"d\"\nkind = \"printer\"\ndriver = \"escpos\"\ntransport = {transport}\n"
            )
        };
        let err = parse(&device(
            r#"{ type = "serial", path = "/dev/ttyS0", baudrate = 9600 }"#,
        ))
        .unwrap_err();
        assert!(err.contains("baudrate"), "{err}");
        let err = parse(&device(
            r#"{ type = "serial", path = "/dev/ttyS0", data_bits = 9 }"#,
        ))
        .unwrap_err();
        assert!(err.contains("data_bits"), "{err}");
        let err = parse(&device(r#"{ type = "tcp", address = "10.0.0.5" }"#)).unwrap_err();
        assert!(err.contains("needs a port"), "{err}");
        let err = parse(&device(r#"{ type = "usb" }"#)).unwrap_err();
        assert!(err.contains("usb"), "{err}");
        let twice = format!(
            "{}{}",
            device(r#"{ type = "emulator", emulator = "escpos" }"#),
            device(r#"{ type = "emulator", emulator = "escpos" }"#)
        );
        assert!(parse(&twice).unwrap_err().contains("used twice"));
        let err = parse("[[devices]]\nid = \"d\"\nkind = \"scale\"\ndriver = \"x\"\ntransport = { type = \"emulator\", emulator = \"zvt\" }\n").unwrap_err();
        assert!(err.contains("scale"), "{err}");
    }

    #[test]
    fn an_emulator_is_a_built_in_model_of_the_device_s_kind() {
        let device = |kind: &str, emulator: &str| {
            format!(
                "[[devices]]\nid = \"d\"\nkind = \"{kind}\"\ndriver = \"x\"\ntransport = {{ type = \"emulator\", emulator = \"{emulator}\" }}\n"
            )
        };
        assert!(parse(&device("fiscal-register", "pirit")).is_ok());
        let err = parse(&device("printer", "pirit")).unwrap_err();
        assert!(
            err.contains("not a built-in model of a printer (escpos)"),
            "{err}"
        );
        let err = parse(&device("fiscal-register", "atol")).unwrap_err();
        assert!(err.contains("(shtrih-m, pirit)"), "{err}");

        let pirit = parse("[emulation]\nregister = \"pirit\"\n").unwrap();
        let drivers: Vec<&str> = pirit.devices.iter().map(|d| d.driver.as_str()).collect();
        assert_eq!(drivers, ["pirit", "escpos", "zvt", "shtrih-m", "escpos"]);
        let err = parse("[emulation]\nregister = \"zvt\"\n").unwrap_err();
        assert!(err.contains("not a built-in register model"), "{err}");
    }

    #[test]
    fn a_lane_names_its_jurisdiction_tax_and_organisation() {
        let config = parse(
            r#"
            [organisation]
            name = "ООО Ромашка"
            tax_id = "7701234567"

            [[devices]]
            id = "kkt-kz"
            kind = "fiscal-register"
            driver = "k.wasm"
            jurisdiction = "KZ"
            tax = { standard_rate = 1600 }
            organisation = { name = "ТОО Ромашка", tax_id = "123456789012", place = "Алматы" }
            transport = { type = "tcp", address = "10.0.0.9:7778" }
            "#,
        )
        .unwrap();
        let kkt = &config.devices[0];
        assert_eq!(config.jurisdiction_of(kkt), Country::KZ);
        assert_eq!(kkt.tax.as_ref().unwrap().standard_rate, Some(1600));
        assert_eq!(
            kkt.organisation.as_ref().unwrap().place.as_deref(),
            Some("Алматы")
        );
        assert_eq!(config.organisation.name.as_deref(), Some("ООО Ромашка"));
        let printer = "[[devices]]\nid = \"p\"\nkind = \"printer\"\ndriver = \"escpos\"\njurisdiction = \"UZ\"\ntransport = { type = \"emulator\", emulator = \"escpos\" }\n";
        let err = parse(printer).unwrap_err();
        assert!(
            err.contains("only a fiscal register (a lane) has a jurisdiction"),
            "{err}"
        );
        let err = parse("[organisation]\ntax_id = \"77-01\"\n").unwrap_err();
        assert!(err.contains("organisation.tax_id"), "{err}");
        assert!(parse("[[devices]]\nid = \"k\"\nkind = \"fiscal-register\"\ndriver = \"shtrih-m\"\njurisdiction = \"FR\"\ntransport = { type = \"emulator\", emulator = \"shtrih-m\" }\n").is_err());
    }

    #[test]
    fn dated_code_override() {
        let config =
            parse("[[tax.codes]]\ncode = 0\nrate = \"20%\"\nvalid_from = 2025-01-01\n").unwrap();
        let code = &config.tax.codes[0];
        assert_eq!(code.rate.parse(), Ok(Rate::Percent(2000)));
        let date = code.valid_from.as_ref().unwrap().date.unwrap();
        assert_eq!((date.year, date.month, date.day), (2025, 1, 1));
    }

    /// Every configuration under `configs/` is one a benchmark's documented command runs: none
    /// may stop loading unnoticed when the configuration's format moves on.
    #[test]
    fn every_configuration_under_configs_loads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs");
        let mut loaded = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                Config::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                loaded += 1;
            }
        }
        assert!(
            loaded >= 4,
            "{loaded} configurations under {}",
            dir.display()
        );
    }
}
