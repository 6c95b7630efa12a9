//! A network register that restarts while its line is idle: the host's next request goes out on
//! a fresh connection at once, and the register records it once.
//!
//! The register is `fiscal-host emulate shtrih-m` as a process of its own, so killing it closes
//! its end of the host's TCP line as a rebooting device does; it is started again on the same
//! port, a fresh register with an empty fiscal drive. Before the fix the host learned of the
//! dead connection only from the first request's own exchange, which then failed with code 5
//! although nothing of it had reached the register.

mod common;

use common::emulated::EmulatedDevice;

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};

/// How many shift-open documents the register's fiscal drive holds.
fn shifts_opened(register: &EmulatedDevice) -> usize {
    register.records().unwrap_or_else(|e| panic!("{e}"))["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter(|d| d["kind"] == json!(shtrih_m_emulator::DOC_SHIFT_OPEN))
        .count()
}

/// The host's one register on that address. The idle status refresh is put far off, so the
/// request after the restart is the first exchange on the line, as a quick one is in a shop.
fn config(dir: &std::path::Path, register: SocketAddr) -> String {
    let path = dir.join("host.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[[devices]]
id = "kkt"
kind = "fiscal-register"
driver = "shtrih-m"
transport = {{ type = "tcp", address = "{register}" }}
status_interval_ms = 3600000

[[devices]]
id = "printer"
kind = "printer"
driver = "escpos"
transport = {{ type = "emulator", emulator = "escpos" }}
"#
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

fn post(base_url: &str, route: &str, body: Value) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    agent
        .post(&format!("{base_url}/{route}"))
        .send_json(body)
        .unwrap_or_else(|e| panic!("POST /{route}: {e}"))
        .body_mut()
        .read_json()
        .unwrap()
}

#[test]
fn a_register_restarted_while_idle_takes_the_next_request_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let register = EmulatedDevice::start("shtrih-m", &[]);
    let (device, control) = (register.device, register.control);
    let config = config(dir.path(), device);
    let data = dir.path().join("data");
    let host = common::start_host(&data, &["--config", &config]);
    let cashier = json!({ "employeeName": "Иванова А." });

    // The line is up and used: the host holds an idle connection to the register.
    let before = post(&host.base_url, "open_shift", cashier.clone());
    assert_eq!(before["code"], json!(0), "before the restart: {before}");
    assert_eq!(shifts_opened(&register), 1);

    // The register reboots: the old process (SIGKILL: its kernel closes the host's connection,
    // as a reboot does) and its connection are gone, a fresh register listens on the same port.
    drop(register);
    let register =
        EmulatedDevice::start_on("shtrih-m", &device.to_string(), &control.to_string(), &[]);
    assert_eq!(shifts_opened(&register), 0, "a fresh register's drive");

    // The first request after the restart succeeds, not "device unavailable".
    let after = post(&host.base_url, "open_shift", cashier);
    assert_eq!(
        after["code"],
        json!(0),
        "the first request after the restart: {after}"
    );
    assert_eq!(after["shiftNumber"], json!(1), "{after}");
    // And the register registered it once.
    assert_eq!(shifts_opened(&register), 1, "{:?}", register.records());
}
