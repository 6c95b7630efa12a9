//! Lanes: each fiscal register with the jurisdiction its receipts follow. A lane's jurisdiction
//! (its own `jurisdiction`, else `[tax] country`) picks its tax plugin and what the tax plugin is
//! told (codes, standard rate), the currency its copies print and, with the configuration, the
//! seller's requisites on them. A Russian and an Uzbek register run side by side in one host,
//! each taxing by its own law.
//!
//! Which lane a request lands on when it names none is decided here too, per face: each face
//! has the jurisdiction its seed was written for (seed 000 and seed 001 are Russian APIs, seed
//! 002 is the API of an Uzbek virtual cash register), and sells on the first lane of that
//! jurisdiction, else on the first lane.

use std::collections::HashMap;

use crate::config::{
    Config, Country, DeviceConfig, DeviceKind, OrganisationConfig, Rate, TaxCodeConfig,
};
use crate::plugins::contract::tax;
use crate::plugins::{Plugins, Slot, TaxPlugin};

/// The faces, for what the core decides per face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// Seed 000, the WebSocket control protocol.
    WebSocket,
    /// Seed 001, REST `POST /sale`.
    Rest,
    /// Seed 002, JSON-RPC of the REGOS virtual cash register.
    JsonRpc,
}

impl Face {
    /// The jurisdiction the face's seed was written for.
    pub fn home(self) -> Country {
        match self {
            Face::WebSocket | Face::Rest => Country::RU,
            Face::JsonRpc => Country::UZ,
        }
    }

    /// The face's name where the journal keeps a request of it.
    pub fn as_str(self) -> &'static str {
        match self {
            Face::WebSocket => "ws",
            Face::Rest => "rest",
            Face::JsonRpc => "rpc",
        }
    }
}

/// One lane as the core uses it.
#[derive(Clone)]
pub struct Lane {
    /// The register's device id.
    pub register: String,
    pub country: Country,
    /// What the tax plugin is told of the jurisdiction.
    pub jurisdiction: tax::Jurisdiction,
    /// The lane's tax plugin, replaced in place by a reload.
    pub tax: Slot<TaxPlugin>,
    /// ISO 4217, printed on the lane's copies.
    pub currency: &'static str,
    pub organisation: OrganisationConfig,
    /// `[marking] accept_on_bad`: sell an item whose marking code is not confirmed.
    pub accept_on_bad_marking: bool,
}

impl Lane {
    /// Why the lane's register cannot fiscalize the lane's receipts, when it cannot: its driver
    /// says it fiscalizes elsewhere (`device-info.jurisdictions`: a Russian register on an Uzbek
    /// lane prints credit receipts, and refuses fiscal ones before any money moves). A driver
    /// that does not say (WIT 0.1.0) is trusted to fiscalize where it is configured.
    pub fn not_fiscal(&self, driver: &str, serves: Option<&[String]>) -> Option<String> {
        let serves = serves?;
        if serves.iter().any(|c| c == self.country.code()) {
            return None;
        }
        Some(format!(
            "lane {} is {}'s, and its register's driver {driver} fiscalizes in {} only; it \
             prints non-fiscal (credit) receipts, a fiscal receipt needs a register registered \
             in {}",
            self.register,
            self.country.name(),
            if serves.is_empty() {
                "no country".to_owned()
            } else {
                serves.join(", ")
            },
            self.country.name(),
        ))
    }
}

/// Every lane, in configuration order, and the host-wide one (`[tax]`, `[organisation]`) that
/// serves where no register is configured.
#[derive(Clone)]
pub struct Lanes {
    lanes: Vec<Lane>,
    by_register: HashMap<String, usize>,
    host_wide: Lane,
}

/// The tax plugin a register's lane loads: its own `tax.plugin`, else `[plugins] tax` when the
/// lane is of `[tax]`'s jurisdiction, else the jurisdiction's built-in one.
pub fn tax_choice(config: &Config, register: Option<&DeviceConfig>) -> String {
    let country = register.map_or(config.tax.country, |r| config.jurisdiction_of(r));
    register
        .and_then(|r| r.tax.as_ref())
        .and_then(|t| t.plugin.clone())
        .or_else(|| {
            (country == config.tax.country)
                .then(|| config.plugins.tax.clone())
                .flatten()
        })
        .unwrap_or_else(|| country.builtin_tax_plugin().to_owned())
}

/// Every tax plugin choice the configuration makes (the host-wide one first).
pub fn tax_choices(config: &Config) -> Vec<String> {
    std::iter::once(tax_choice(config, None))
        .chain(registers(config).map(|r| tax_choice(config, Some(r))))
        .collect()
}

fn registers(config: &Config) -> impl Iterator<Item = &DeviceConfig> {
    config
        .devices
        .iter()
        .filter(|d| d.kind == DeviceKind::FiscalRegister)
}

impl Lanes {
    /// The lanes of a configuration, with the plugins `tax_choices` named loaded.
    pub fn new(config: &Config, plugins: &Plugins) -> Self {
        let lane = |register: Option<&DeviceConfig>| {
            let country = register.map_or(config.tax.country, |r| config.jurisdiction_of(r));
            let (standard_rate, codes) = match register.and_then(|r| r.tax.as_ref()) {
                Some(own) => (own.standard_rate, own.codes.as_slice()),
                None if country == config.tax.country => {
                    (config.tax.standard_rate, config.tax.codes.as_slice())
                }
                None => (None, &[][..]),
            };
            let choice = tax_choice(config, register);
            Lane {
                register: register.map(|r| r.id.clone()).unwrap_or_default(),
                country,
                jurisdiction: jurisdiction(country, standard_rate, codes),
                tax: plugins
                    .tax(&choice)
                    .expect("every lane's tax plugin is loaded from tax_choices")
                    .clone(),
                currency: country.currency(),
                organisation: register
                    .and_then(|r| r.organisation.clone())
                    .unwrap_or_else(|| config.organisation.clone()),
                accept_on_bad_marking: config.marking.accept_on_bad,
            }
        };
        let lanes: Vec<Lane> = registers(config).map(|r| lane(Some(r))).collect();
        let by_register = lanes
            .iter()
            .enumerate()
            .map(|(i, l)| (l.register.clone(), i))
            .collect();
        Self {
            lanes,
            by_register,
            host_wide: lane(None),
        }
    }

    /// A register's lane; the host-wide settings for a device that is no register.
    pub fn of(&self, register: &str) -> &Lane {
        self.by_register
            .get(register)
            .map_or(&self.host_wide, |&i| &self.lanes[i])
    }

    /// The register a face sells on when the request names none: the first lane of the face's
    /// jurisdiction, else the first lane.
    pub fn default_for(&self, face: Face) -> Option<&str> {
        self.lanes
            .iter()
            .find(|l| l.country == face.home())
            .or_else(|| self.lanes.first())
            .map(|l| l.register.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Lane> {
        self.lanes.iter()
    }
}

/// What the tax plugin is told of a jurisdiction.
fn jurisdiction(
    country: Country,
    standard_rate: Option<i32>,
    codes: &[TaxCodeConfig],
) -> tax::Jurisdiction {
    let tax_codes = codes
        .iter()
        .map(|c| tax::TaxCode {
            code: c.code,
            // validated when the configuration was read
            rate: match c.rate.parse().expect("validated at load") {
                Rate::Percent(r) => tax::TaxSpec::Percent(r),
                Rate::Computed(r) => tax::TaxSpec::Computed(r),
                Rate::Exempt => tax::TaxSpec::Exempt,
            },
            valid_from: c.valid_from.and_then(|d| d.date).map(|d| tax::Date {
                year: d.year,
                month: d.month,
                day: d.day,
            }),
        })
        .collect();
    tax::Jurisdiction {
        country: country.code().to_owned(),
        tax_codes,
        standard_rate,
    }
}
