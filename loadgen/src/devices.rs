//! Which fiscal registers the host has (`GET /devices`), and which one each client uses.

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::connection::Connection;
use crate::target::Target;

#[derive(Clone, Debug, Deserialize)]
pub struct Device {
    pub id: String,
    pub kind: String,
    /// Absent in an older host: taken as online.
    #[serde(default)]
    pub online: Option<bool>,
    /// A register's lane; absent in an older host.
    #[serde(default)]
    pub lane: Option<Lane>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Lane {
    /// Whether the register fiscalizes its lane's receipts (a Russian register on an Uzbek lane
    /// does not): the load runs on those that do.
    pub fiscal: bool,
}

/// The ids of the online fiscal registers that fiscalize, in the host's order.
pub fn registers(devices: &[Device]) -> Vec<String> {
    devices
        .iter()
        .filter(|d| d.kind == "fiscal-register" && d.online != Some(false))
        .filter(|d| d.lane.as_ref().is_none_or(|l| l.fiscal))
        .map(|d| d.id.clone())
        .collect()
}

/// The registers the run uses: client i takes `all[i % all.len()]`, so only the first
/// `clients` of them are used when there are more registers than clients.
pub fn used(all: &[String], clients: u32) -> Vec<String> {
    all.iter().take(clients as usize).cloned().collect()
}

pub async fn discover(target: &Target, authorization: Option<&str>) -> anyhow::Result<Vec<String>> {
    let path = format!("{}/devices", target.base_path);
    let mut conn = Connection::open(target.addr, &target.authority, authorization)
        .await
        .map_err(|f| anyhow::anyhow!("{}: {}", f.reason, f.example))
        .with_context(|| format!("connecting to {}", target.url))?;
    let (status, body) = conn
        .get(&path)
        .await
        .map_err(|f| anyhow::anyhow!("GET {path}: {}: {}", f.reason, f.example))?;
    if !status.is_success() {
        bail!(
            "GET {path}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let devices: Vec<Device> = serde_json::from_slice(&body)
        .with_context(|| format!("GET {path}: not a JSON array of devices"))?;
    let regs = registers(&devices);
    if regs.is_empty() {
        let seen: Vec<String> = devices
            .iter()
            .map(|d| format!("{} ({}, online {:?})", d.id, d.kind, d.online))
            .collect();
        bail!(
            "the host has no online fiscal register (devices: {})",
            seen.join(", ")
        );
    }
    Ok(regs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_are_the_online_fiscal_ones_in_order() {
        let devices: Vec<Device> = serde_json::from_str(
            r#"[{"id":"kkt-1","kind":"fiscal-register","online":true,"shift":"closed"},
                {"id":"printer","kind":"printer","online":true},
                {"id":"kkt-2","kind":"fiscal-register","online":false},
                {"id":"kkt-3","kind":"fiscal-register"},
                {"id":"kkt-uz","kind":"fiscal-register","online":true,"lane":{"jurisdiction":"UZ","fiscal":false}},
                {"id":"terminal","kind":"payment-terminal","online":true}]"#,
        )
        .unwrap();
        let regs = registers(&devices);
        assert_eq!(regs, ["kkt-1", "kkt-3"]);
        assert_eq!(used(&regs, 1), ["kkt-1"]);
        assert_eq!(used(&regs, 64), ["kkt-1", "kkt-3"]);
    }
}
