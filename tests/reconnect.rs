//! A network register that restarts while its line is idle: the host's next request goes out on
//! a fresh connection at once, and the register records it once.
//!
//! The register is `fiscal-host emulate shtrih-m` as a process of its own, so killing it closes
//! its end of the host's TCP line as a rebooting device does; it is started again on the same
//! port, a fresh register with an empty fiscal drive. Before the fix the host learned of the
//! dead connection only from the first request's own exchange, which then failed with code 5
//! although nothing of it had reached the register.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// A `fiscal-host emulate shtrih-m` process, killed when dropped.
struct Register {
    child: Child,
    device: SocketAddr,
    control: SocketAddr,
}

impl Drop for Register {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Register {
    /// Starts the emulator on these addresses (port 0: any) and reads back the bound ones.
    fn start(device: &str, control: &str) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fiscal-host"));
        command
            .args(["emulate", "shtrih-m", "--tcp", device, "--control", control])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // Should the test process be killed, the register goes with it. Safe: prctl is
        // async-signal-safe.
        unsafe {
            command.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                    .map_err(std::io::Error::from)
            });
        }
        let mut child = command.spawn().expect("start fiscal-host emulate shtrih-m");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut addr = |prefix: &str| -> SocketAddr {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("the emulator exited before {prefix:?}"))
                .unwrap();
            line.strip_prefix(prefix)
                .unwrap_or_else(|| panic!("expected {prefix:?}, got {line:?}"))
                .parse()
                .unwrap()
        };
        let device = addr("emulating shtrih-m on ");
        let control = addr("control on ");
        Register {
            child,
            device,
            control,
        }
    }

    /// Kills the process (SIGKILL: its kernel closes the host's connection, as a reboot does).
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// The register's own records, from its control port.
    fn records(&self) -> Value {
        let mut stream = TcpStream::connect_timeout(&self.control, Duration::from_secs(5))
            .expect("connect to the emulator's control port");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// How many shift-open documents its fiscal drive holds.
    fn shifts_opened(&self) -> usize {
        self.records()["documents"]
            .as_array()
            .expect("documents")
            .iter()
            .filter(|d| d["kind"] == json!(shtrih_m_emulator::DOC_SHIFT_OPEN))
            .count()
    }
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
    let register = Register::start("127.0.0.1:0", "127.0.0.1:0");
    let (device, control) = (register.device, register.control);
    let config = config(dir.path(), device);
    let data = dir.path().join("data");
    let host = common::start_host(&data, &["--config", &config]);
    let cashier = json!({ "employeeName": "Иванова А." });

    // The line is up and used: the host holds an idle connection to the register.
    let before = post(&host.base_url, "open_shift", cashier.clone());
    assert_eq!(before["code"], json!(0), "before the restart: {before}");
    assert_eq!(register.shifts_opened(), 1);

    // The register reboots: the old process and its connection are gone, a fresh register
    // listens on the same port.
    register.kill();
    let register = Register::start(&device.to_string(), &control.to_string());
    assert_eq!(register.shifts_opened(), 0, "a fresh register's drive");

    // The first request after the restart succeeds, not "device unavailable".
    let after = post(&host.base_url, "open_shift", cashier);
    assert_eq!(
        after["code"],
        json!(0),
        "the first request after the restart: {after}"
    );
    assert_eq!(after["shiftNumber"], json!(1), "{after}");
    // And the register registered it once.
    assert_eq!(register.shifts_opened(), 1, "{}", register.records());
}
